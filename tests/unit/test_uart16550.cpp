// 16550A UART through its TLM socket: reset values, DLAB, THR capture, LSR,
// the IIR priority chain and the irq line, FIFO trigger and timeout,
// loopback, input/output files and error responses.
#include <gtest/gtest.h>
#include <hpvp/hw/uart16550.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <systemc>

#include "periph/uart16550.h"
#include "tlm_test_driver.h"

using hpvp::Uart16550;
using hpvp::test::EdgeProbe;
using hpvp::test::TlmDriver;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::sc_time_stamp;
using sc_core::SC_US;
using sc_core::wait;

namespace {

// Register bits the shared header leaves out, spelled here as a datasheet
// would, so the tests do not borrow the model's constants.
constexpr uint8_t kIerElsi = 0x04, kIerEdssi = 0x08;
constexpr uint8_t kIirNone = 0x01, kIirThre = 0x02, kIirRx = 0x04, kIirLine = 0x06;
constexpr uint8_t kIirTimeout = 0x0c, kIirModem = 0x00, kIirFifo = 0xc0;
constexpr uint8_t kFcrEnable = 0x01, kFcrRxReset = 0x02, kFcrTrigger4 = 0x40;
constexpr uint8_t kLsrOe = 0x02;
constexpr uint8_t kMcrLoop = 0x10;

Uart16550::Config quiet() {
  Uart16550::Config cfg;
  cfg.to_stdout = false;
  return cfg;
}

struct Bench {
  explicit Bench(Uart16550::Config cfg = quiet())
      : uart("uart", cfg), drv("drv"), irq("irq"), probe("probe") {
    drv.socket.bind(uart.socket);
    uart.irq.bind(irq);
    probe.in.bind(irq);
  }
  uint8_t reg(uint64_t off) { return drv.read8(off); }
  void set(uint64_t off, uint8_t v) { drv.write8(off, v); }
  static void settle() { wait(1, SC_NS); }

  Uart16550 uart;
  TlmDriver drv;
  sc_core::sc_signal<bool> irq;
  EdgeProbe probe;
};

std::string temp_path(const char* tag) {
  return std::string(::testing::TempDir()) + "hpvp_uart_" + tag + "_" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(Uart16550, ResetValues) {
  Bench b;
  b.drv.run([&] {
    EXPECT_EQ(b.reg(UART_REG_IER), 0x00);
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirNone);
    EXPECT_EQ(b.reg(UART_REG_LCR), 0x03);
    EXPECT_EQ(b.reg(UART_REG_MCR), 0x00);
    EXPECT_EQ(b.reg(UART_REG_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    EXPECT_EQ(b.reg(UART_REG_MSR), 0xb0);  // CTS, DSR, DCD: a terminal is attached
    EXPECT_EQ(b.reg(UART_REG_SCR), 0x00);
    EXPECT_EQ(b.reg(UART_REG_RBR), 0x00);
    EXPECT_TRUE(b.drv.ok());
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_FALSE(b.irq.read());
}

TEST(Uart16550, ScratchAndLcrAreReadWrite) {
  Bench b;
  b.drv.run([&] {
    b.set(UART_REG_SCR, 0xa5);
    EXPECT_EQ(b.reg(UART_REG_SCR), 0xa5);
    b.set(UART_REG_LCR, 0x1b);  // 8E1
    EXPECT_EQ(b.reg(UART_REG_LCR), 0x1b);
    b.set(UART_REG_MCR, 0xff);
    EXPECT_EQ(b.reg(UART_REG_MCR), 0x1f);  // MCR[7:5] do not exist
    b.set(UART_REG_IER, 0xff);
    EXPECT_EQ(b.reg(UART_REG_IER), 0x0f);  // IER[7:4] do not exist
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Uart16550, DlabSelectsDivisorLatch) {
  Bench b;
  b.drv.run([&] {
    b.set(UART_REG_IER, UART_IER_ERBFI);
    b.set(UART_REG_LCR, UART_LCR_DLAB | 0x03);
    b.set(UART_REG_DLL, 0x0c);
    b.set(UART_REG_DLM, 0x01);
    EXPECT_EQ(b.reg(UART_REG_DLL), 0x0c);
    EXPECT_EQ(b.reg(UART_REG_DLM), 0x01);
    b.set(UART_REG_LCR, 0x03);
    EXPECT_EQ(b.reg(UART_REG_IER), UART_IER_ERBFI);  // not clobbered by DLM
    EXPECT_EQ(b.reg(UART_REG_RBR), 0x00);            // not DLL
    b.set(UART_REG_LCR, UART_LCR_DLAB | 0x03);
    EXPECT_EQ(b.reg(UART_REG_DLL), 0x0c);  // retained across DLAB switches
    EXPECT_EQ(b.reg(UART_REG_DLM), 0x01);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_EQ(b.uart.transmitted(), "");  // DLL writes are not transmitted
}

TEST(Uart16550, ThrBytesAreCapturedAndCounted) {
  Bench b;
  b.drv.run([&] {
    for (char c : std::string("Hi\n")) b.set(UART_REG_THR, static_cast<uint8_t>(c));
    EXPECT_EQ(b.reg(UART_REG_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_EQ(b.uart.transmitted(), "Hi\n");
  nlohmann::json stats;
  b.uart.dump_stats(stats);
  EXPECT_EQ(stats["bytes_tx"], 3);
  EXPECT_EQ(stats["reg_writes"], 3);
  EXPECT_EQ(stats["reg_reads"], 1);
}

TEST(Uart16550, StdoutIsFlushedPerLine) {
  Uart16550::Config cfg;  // to_stdout defaults to true
  Bench b(cfg);
  std::string after_partial, after_newline;
  b.drv.run([&] {
    ::testing::internal::CaptureStdout();
    for (char c : std::string("ab")) b.set(UART_REG_THR, static_cast<uint8_t>(c));
    after_partial = ::testing::internal::GetCapturedStdout();
    ::testing::internal::CaptureStdout();
    for (char c : std::string("c\n")) b.set(UART_REG_THR, static_cast<uint8_t>(c));
    after_newline = ::testing::internal::GetCapturedStdout();
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_EQ(after_partial, "");
  EXPECT_EQ(after_newline, "abc\n");
}

TEST(Uart16550, OutputFileGetsTransmittedBytes) {
  const std::string path = temp_path("out");
  Uart16550::Config cfg = quiet();
  cfg.output_file = path;
  Bench b(cfg);
  b.drv.run([&] {
    for (char c : std::string("line\n")) b.set(UART_REG_THR, static_cast<uint8_t>(c));
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_EQ(slurp(path), "line\n");  // flushed at the newline
  std::remove(path.c_str());
}

TEST(Uart16550, ReceivedByteSetsDataReady) {
  Bench b;
  b.drv.run([&] {
    b.uart.push_rx('x');
    EXPECT_EQ(b.reg(UART_REG_LSR) & UART_LSR_DR, UART_LSR_DR);
    EXPECT_EQ(b.reg(UART_REG_RBR), 'x');
    EXPECT_EQ(b.reg(UART_REG_LSR) & UART_LSR_DR, 0);
    EXPECT_EQ(b.reg(UART_REG_RBR), 0);  // empty
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Uart16550, FifoHolds16BytesThenOverruns) {
  Bench b;
  b.drv.run([&] {
    b.set(UART_REG_FCR, kFcrEnable);
    for (int i = 0; i < 17; ++i) b.uart.push_rx(static_cast<uint8_t>('a' + i));
    EXPECT_EQ(b.uart.rx_fifo_level(), 16u);
    EXPECT_EQ(b.reg(UART_REG_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR | kLsrOe);
    EXPECT_EQ(b.reg(UART_REG_LSR) & kLsrOe, 0);  // cleared by the read
    std::string got;
    while (b.reg(UART_REG_LSR) & UART_LSR_DR) got.push_back(static_cast<char>(b.reg(UART_REG_RBR)));
    EXPECT_EQ(got, "abcdefghijklmnop");  // the 17th byte was lost
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  nlohmann::json stats;
  b.uart.dump_stats(stats);
  EXPECT_EQ(stats["rx_overruns"], 1);
  EXPECT_EQ(stats["bytes_rx"], 17);
}

TEST(Uart16550, NonFifoModeOverrunKeepsNewestByte) {
  Bench b;
  b.drv.run([&] {
    b.uart.push_rx('1');
    b.uart.push_rx('2');
    EXPECT_EQ(b.reg(UART_REG_LSR) & (kLsrOe | UART_LSR_DR), kLsrOe | UART_LSR_DR);
    EXPECT_EQ(b.reg(UART_REG_RBR), '2');
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Uart16550, FcrEnablesAndResetsFifo) {
  Bench b;
  b.drv.run([&] {
    EXPECT_EQ(b.reg(UART_REG_IIR) & kIirFifo, 0);
    b.set(UART_REG_FCR, kFcrEnable);
    EXPECT_EQ(b.reg(UART_REG_IIR) & kIirFifo, kIirFifo);
    b.uart.push_rx("abc");
    EXPECT_EQ(b.uart.rx_fifo_level(), 3u);
    b.set(UART_REG_FCR, kFcrEnable | kFcrRxReset);
    EXPECT_EQ(b.uart.rx_fifo_level(), 0u);
    EXPECT_EQ(b.reg(UART_REG_LSR) & UART_LSR_DR, 0);
    b.uart.push_rx("de");
    b.set(UART_REG_FCR, 0);  // leaving FIFO mode clears the FIFO too
    EXPECT_EQ(b.uart.rx_fifo_level(), 0u);
    EXPECT_EQ(b.reg(UART_REG_IIR) & kIirFifo, 0);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Uart16550, IirReportsHighestPriorityFirst) {
  Bench b;
  b.drv.run([&] {
    b.set(UART_REG_FCR, kFcrEnable);
    b.set(UART_REG_IER, UART_IER_ERBFI | UART_IER_ETBEI | kIerElsi | kIerEdssi);
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirThre);  // enabling ETBEI raises THRE
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirNone);  // and reading IIR acked it
    b.set(UART_REG_MCR, kMcrLoop);                        // modem inputs change: MSR deltas
    b.set(UART_REG_THR, 'z');                             // looped back to RX; THR empty again
    for (int i = 0; i < 16; ++i) b.uart.push_rx('q');     // ignored: loopback
    b.set(UART_REG_MCR, 0);
    for (int i = 0; i < 16; ++i) b.uart.push_rx('q');  // 'z' + 16 = overrun
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirLine);
    b.reg(UART_REG_LSR);  // clears OE
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirRx);
    EXPECT_EQ(b.reg(UART_REG_RBR), 'z');
    while (b.reg(UART_REG_LSR) & UART_LSR_DR) b.reg(UART_REG_RBR);
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirThre);
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirModem);
    EXPECT_NE(b.reg(UART_REG_MSR) & 0x0f, 0);  // deltas, cleared by this read
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirNone);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_FALSE(b.irq.read());
}

TEST(Uart16550, IrqLineFollowsReceiveInterrupt) {
  Bench b;
  b.drv.run([&] {
    b.uart.push_rx('a');
    b.settle();
    EXPECT_FALSE(b.irq.read());  // ERBFI not enabled
    b.set(UART_REG_IER, UART_IER_ERBFI);
    b.settle();
    EXPECT_TRUE(b.irq.read());
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirRx);
    b.settle();
    EXPECT_TRUE(b.irq.read());  // reading IIR does not ack RX data
    b.reg(UART_REG_RBR);
    b.settle();
    EXPECT_FALSE(b.irq.read());
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  ASSERT_EQ(b.probe.edges().size(), 2u);
  EXPECT_EQ(b.probe.rise(), sc_time(1, SC_NS));
}

TEST(Uart16550, IrqLineFollowsThreInterrupt) {
  Bench b;
  b.drv.run([&] {
    b.set(UART_REG_IER, UART_IER_ETBEI);
    b.settle();
    EXPECT_TRUE(b.irq.read());
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirThre);
    b.settle();
    EXPECT_FALSE(b.irq.read());
    b.set(UART_REG_THR, 'k');  // sent at once: THR empty again
    b.settle();
    EXPECT_TRUE(b.irq.read());
    b.set(UART_REG_IER, 0);
    b.settle();
    EXPECT_FALSE(b.irq.read());
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_EQ(b.uart.transmitted(), "k");
}

TEST(Uart16550, TriggerLevelAndCharacterTimeout) {
  Uart16550::Config cfg = quiet();
  cfg.char_time = sc_time(100, SC_NS);
  Bench b(cfg);
  b.drv.run([&] {
    b.set(UART_REG_FCR, kFcrEnable | kFcrTrigger4);
    b.set(UART_REG_IER, UART_IER_ERBFI);
    b.uart.push_rx("abc");  // below the trigger level of 4
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirNone);
    wait(399, SC_NS);
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirNone);
    wait(2, SC_NS);  // past four character times after the last byte
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirTimeout);
    EXPECT_EQ(b.reg(UART_REG_RBR), 'a');  // reading clears the timeout
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirNone);
    b.uart.push_rx("de");  // four in the FIFO: trigger level reached
    EXPECT_EQ(b.reg(UART_REG_IIR), kIirFifo | kIirRx);
  });
  sc_core::sc_start(2, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_EQ(b.probe.rise(), sc_time(400, SC_NS));
}

TEST(Uart16550, LoopbackRoutesTxToRxAndMcrToMsr) {
  Bench b;
  b.drv.run([&] {
    b.set(UART_REG_MCR, kMcrLoop);
    EXPECT_EQ(b.reg(UART_REG_MSR) & 0xf0, 0x00);         // outputs low: inputs low
    b.set(UART_REG_MCR, kMcrLoop | 0x0f);                // DTR RTS OUT1 OUT2
    EXPECT_EQ(b.reg(UART_REG_MSR), 0xf0 | 0x03 | 0x08);  // DCTS DDSR DDCD, no TERI
    b.set(UART_REG_MCR, kMcrLoop | 0x0b);                // OUT1 falls: trailing edge of RI
    EXPECT_EQ(b.reg(UART_REG_MSR), 0xb0 | 0x04);
    b.set(UART_REG_THR, 'L');
    EXPECT_EQ(b.reg(UART_REG_LSR) & UART_LSR_DR, UART_LSR_DR);
    EXPECT_EQ(b.reg(UART_REG_RBR), 'L');
    b.uart.push_rx('x');  // the serial input is disconnected in loopback
    EXPECT_EQ(b.reg(UART_REG_LSR) & UART_LSR_DR, 0);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_EQ(b.uart.transmitted(), "");  // nothing left on the line
  nlohmann::json stats;
  b.uart.dump_stats(stats);
  EXPECT_EQ(stats["loopback_bytes"], 1);
  EXPECT_EQ(stats["rx_dropped"], 1);
}

TEST(Uart16550, InputFileIsPacedAndStartsWhenPolled) {
  const std::string path = temp_path("in");
  { std::ofstream(path, std::ios::binary) << "hey"; }
  Uart16550::Config cfg = quiet();
  cfg.input_file = path;
  cfg.char_time = sc_time(1, SC_US);
  Bench b(cfg);
  std::string got;
  std::vector<sc_time> when;
  b.drv.run([&] {
    wait(10, SC_US);  // firmware boot: no input arrives before it listens
    EXPECT_EQ(b.uart.rx_fifo_level(), 0u);
    // 16450 mode: one byte at a time, the feeder waits for room.
    while (got.size() < 3) {
      if (b.reg(UART_REG_LSR) & UART_LSR_DR) {
        wait(5, SC_US);  // a slow reader: no overrun for file input
        got.push_back(static_cast<char>(b.reg(UART_REG_RBR)));
        when.push_back(sc_time_stamp());
      } else {
        wait(100, SC_NS);
      }
    }
  });
  sc_core::sc_start(100, SC_US);
  EXPECT_EQ(got, "hey");
  ASSERT_EQ(when.size(), 3u);
  EXPECT_EQ(when[0], sc_time(16, SC_US));  // polled at 10, arrived at 11, read 5 later
  nlohmann::json stats;
  b.uart.dump_stats(stats);
  EXPECT_EQ(stats["rx_overruns"], 0);
  std::remove(path.c_str());
}

TEST(Uart16550, MissingInputFileThrows) {
  Uart16550::Config cfg = quiet();
  cfg.input_file = "/nonexistent/hpvp_input";
  EXPECT_THROW(Uart16550("uart", cfg), std::runtime_error);
}

TEST(Uart16550, DebugReadsHaveNoSideEffects) {
  Bench b;
  b.drv.run([&] {
    b.uart.push_rx('1');
    b.uart.push_rx('2');  // overrun in 16450 mode
    EXPECT_EQ(b.drv.debug(tlm::TLM_READ_COMMAND, UART_REG_RBR, 0, 1).data, '2');
    EXPECT_EQ(b.drv.debug(tlm::TLM_READ_COMMAND, UART_REG_LSR, 0, 1).data & kLsrOe, kLsrOe);
    EXPECT_EQ(b.reg(UART_REG_LSR) & (kLsrOe | UART_LSR_DR), kLsrOe | UART_LSR_DR);
    EXPECT_EQ(b.reg(UART_REG_RBR), '2');
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Uart16550, LatencyIsAddedToDelay) {
  Uart16550::Config cfg = quiet();
  cfg.latency = sc_time(7, SC_NS);
  Bench b(cfg);
  b.drv.run([&] {
    const auto r = b.drv.transact(tlm::TLM_READ_COMMAND, UART_REG_LSR, 0, 1, sc_time(3, SC_NS));
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.delay, sc_time(10, SC_NS));
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Uart16550, UnmappedOffsetsAndWideAccessesGiveErrors) {
  Bench b;
  b.drv.run([&] {
    for (uint64_t a : {uint64_t{8}, uint64_t{0x10}, uint64_t{UART_SIZE - 1}, uint64_t{UART_SIZE}}) {
      b.drv.read8(a);
      EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE) << a;
      b.drv.write8(a, 0);
      EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE) << a;
    }
    b.drv.write32(UART_REG_THR, 0x41414141);  // registers are bytes
    EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    b.drv.read(UART_REG_LSR, 2);
    EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_EQ(b.uart.transmitted(), "");
}

TEST(Uart16550, NoDmi) {
  Bench b;
  tlm::tlm_generic_payload tx;
  tlm::tlm_dmi dmi;
  EXPECT_FALSE(b.drv.socket->get_direct_mem_ptr(tx, dmi));
  EXPECT_EQ(dmi.get_end_address(), UART_SIZE - 1);
}
