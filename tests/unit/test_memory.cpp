// Sram and Dram through their TLM sockets: data, error responses, byte
// enables and streaming width (IEEE 1666-2011, 14.15-14.18), DMI, and the
// timing model (port/channel serialisation, DRAM row buffer states).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>

#include "mem/dram.h"
#include "mem/sram.h"
#include "tlm_test_driver.h"

using hpvp::Dram;
using hpvp::Sram;
using hpvp::test::TlmDriver;
using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;
using sc_core::sc_start;
using sc_core::sc_time;

namespace {


// A payload with optional byte enables and streaming width, sent from the
// test body (the memories never wait()).
struct Access {
  tlm::tlm_command cmd = tlm::TLM_READ_COMMAND;
  uint64_t addr = 0;
  std::vector<unsigned char> data;
  std::vector<unsigned char> byte_enables;
  unsigned streaming_width = 0;  // 0: data length
  sc_time delay = SC_ZERO_TIME;
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  bool dmi_allowed = false;

  void send(TlmDriver& drv) {
    tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(data.data());
    tx.set_data_length(static_cast<unsigned>(data.size()));
    tx.set_streaming_width(streaming_width ? streaming_width : static_cast<unsigned>(data.size()));
    tx.set_byte_enable_ptr(byte_enables.empty() ? nullptr : byte_enables.data());
    tx.set_byte_enable_length(static_cast<unsigned>(byte_enables.size()));
    tx.set_dmi_allowed(false);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    drv.socket->b_transport(tx, delay);
    status = tx.get_response_status();
    dmi_allowed = tx.is_dmi_allowed();
  }
};

uint32_t word_at(const uint8_t* mem, uint64_t off) {
  uint32_t v;
  std::memcpy(&v, mem + off, 4);
  return v;
}

// ================================================================ SRAM

Sram::Config sram_config() {
  Sram::Config c;
  c.size = 4096;
  c.latency = sc_time(10, SC_NS);
  c.bandwidth_bytes_per_s = 1e9;  // 1 byte per ns
  c.dmi = true;
  return c;
}

struct SramBench {
  explicit SramBench(Sram::Config c = sram_config()) : mem("sram", c), drv("drv") {
    drv.socket.bind(mem.socket);
    sc_start(SC_ZERO_TIME);
  }
  nlohmann::json stats() const {
    nlohmann::json j = nlohmann::json::object();
    mem.dump_stats(j);
    return j;
  }
  Sram mem;
  TlmDriver drv;
};

TEST(Sram, WriteThenReadBack) {
  SramBench b;
  auto w = b.drv.transact(tlm::TLM_WRITE_COMMAND, 0x10, 0xdeadbeef, 4);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(word_at(b.mem.data(), 0x10), 0xdeadbeefu) << "little-endian in the backing store";
  auto r = b.drv.transact(tlm::TLM_READ_COMMAND, 0x10, 0, 4, sc_time(1, SC_US));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.data, 0xdeadbeefu);
  auto r8 = b.drv.transact(tlm::TLM_WRITE_COMMAND, 0xff8, 0x0102030405060708ull, 8,
                           sc_time(2, SC_US));
  ASSERT_TRUE(r8.ok());
  EXPECT_EQ(b.drv.transact(tlm::TLM_READ_COMMAND, 0xff8, 0, 8, sc_time(3, SC_US)).data,
            0x0102030405060708ull);
  EXPECT_EQ(b.drv.transact(tlm::TLM_READ_COMMAND, 0xffb, 0, 1, sc_time(4, SC_US)).data, 0x05u);
}

TEST(Sram, AccessTimeIsTransferPlusLatency) {
  SramBench b;
  EXPECT_EQ(b.drv.transact(tlm::TLM_READ_COMMAND, 0, 0, 4).delay, sc_time(14, SC_NS));
  EXPECT_EQ(b.drv.transact(tlm::TLM_READ_COMMAND, 0, 0, 8, sc_time(1, SC_US)).delay,
            sc_time(1, SC_US) + sc_time(18, SC_NS));
  EXPECT_EQ(b.drv.transact(tlm::TLM_WRITE_COMMAND, 0, 0, 1, sc_time(2, SC_US)).delay,
            sc_time(2, SC_US) + sc_time(11, SC_NS));
}

TEST(Sram, ConcurrentAccessesShareThePort) {
  SramBench b;
  const auto first = b.drv.transact(tlm::TLM_READ_COMMAND, 0, 0, 4);
  const auto second = b.drv.transact(tlm::TLM_READ_COMMAND, 0x100, 0, 4);
  const auto early = b.drv.transact(tlm::TLM_READ_COMMAND, 0x200, 0, 4, sc_time(8, SC_NS));
  EXPECT_EQ(first.delay, sc_time(14, SC_NS));   // port [0, 4)
  EXPECT_EQ(second.delay, sc_time(18, SC_NS));  // port [4, 8)
  EXPECT_EQ(early.delay, sc_time(22, SC_NS));   // port [8, 12): no overlap
  EXPECT_EQ(b.stats()["port_wait_ps"], 4000);
  EXPECT_EQ(b.stats()["port_busy_ps"], 12000);
}

TEST(Sram, OutOfRangeIsAnAddressError) {
  SramBench b;
  for (auto [addr, len] : std::vector<std::pair<uint64_t, unsigned>>{
           {4096, 1}, {4094, 4}, {4093, 4}, {0xffffffffffffffffull, 4}, {1ull << 40, 1}}) {
    for (auto cmd : {tlm::TLM_READ_COMMAND, tlm::TLM_WRITE_COMMAND}) {
      EXPECT_EQ(b.drv.transact(cmd, addr, 0, len).status, tlm::TLM_ADDRESS_ERROR_RESPONSE)
          << std::hex << addr << " len " << len;
    }
  }
  EXPECT_TRUE(b.drv.transact(tlm::TLM_READ_COMMAND, 4092, 0, 4).ok());
  EXPECT_TRUE(b.drv.transact(tlm::TLM_READ_COMMAND, 4095, 0, 1).ok());
  EXPECT_EQ(b.stats()["reads"], 2);
  EXPECT_EQ(b.stats()["writes"], 0);
}

TEST(Sram, ByteEnablesMaskWritesAndReads) {
  SramBench b;
  std::memcpy(b.mem.data() + 0x20, "\x44\x33\x22\x11", 4);
  Access w;
  w.cmd = tlm::TLM_WRITE_COMMAND;
  w.addr = 0x20;
  w.data = {0xdd, 0xcc, 0xbb, 0xaa};
  w.byte_enables = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
  w.send(b.drv);
  ASSERT_EQ(w.status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(word_at(b.mem.data(), 0x20), 0x11bb33ddu);
  // A shorter byte-enable array is applied repeatedly.
  Access w2;
  w2.cmd = tlm::TLM_WRITE_COMMAND;
  w2.addr = 0x30;
  w2.data = {1, 2, 3, 4, 5, 6, 7, 8};
  w2.byte_enables = {TLM_BYTE_DISABLED, TLM_BYTE_ENABLED};
  w2.send(b.drv);
  ASSERT_EQ(w2.status, tlm::TLM_OK_RESPONSE);
  const uint8_t expect[8] = {0, 2, 0, 4, 0, 6, 0, 8};
  EXPECT_EQ(std::memcmp(b.mem.data() + 0x30, expect, 8), 0);
  // Reads leave disabled bytes of the buffer alone.
  Access r;
  r.addr = 0x20;
  r.data = {0xee, 0xee, 0xee, 0xee};
  r.byte_enables = {TLM_BYTE_DISABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
  r.send(b.drv);
  ASSERT_EQ(r.status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(r.data, (std::vector<unsigned char>{0xee, 0x33, 0xbb, 0xee}));
}

TEST(Sram, StreamingWidthWrapsTheAddress) {
  SramBench b;
  Access w;
  w.cmd = tlm::TLM_WRITE_COMMAND;
  w.addr = 0x40;
  w.data = {1, 2, 3, 4, 5, 6, 7, 8};
  w.streaming_width = 4;  // a FIFO-like 4-byte window: the second beat overwrites
  w.send(b.drv);
  ASSERT_EQ(w.status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(word_at(b.mem.data(), 0x40), 0x08070605u);
  EXPECT_EQ(word_at(b.mem.data(), 0x44), 0u) << "streaming access wrote past its window";
  Access r;
  r.addr = 0x40;
  r.data.assign(8, 0);
  r.streaming_width = 4;
  r.send(b.drv);
  EXPECT_EQ(r.data, (std::vector<unsigned char>{5, 6, 7, 8, 5, 6, 7, 8}));
  Access bad;
  bad.addr = 0x40;
  bad.data.assign(4, 0);
  bad.streaming_width = 0;
  // streaming_width 0 is replaced by the length in Access::send, so set it by hand
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_READ_COMMAND);
  tx.set_address(0x40);
  tx.set_data_ptr(bad.data.data());
  tx.set_data_length(4);
  tx.set_streaming_width(0);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_time d = SC_ZERO_TIME;
  b.drv.socket->b_transport(tx, d);
  EXPECT_EQ(tx.get_response_status(), tlm::TLM_BURST_ERROR_RESPONSE);
}

TEST(Sram, IgnoreCommandSucceedsWithoutTouchingData) {
  SramBench b;
  b.mem.data()[0x50] = 0x77;
  Access a;
  a.cmd = tlm::TLM_IGNORE_COMMAND;
  a.addr = 0x50;
  a.data = {0x11};
  a.send(b.drv);
  EXPECT_EQ(a.status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.mem.data()[0x50], 0x77);
  EXPECT_EQ(a.data[0], 0x11);
}

TEST(Sram, DmiGrantsTheBackingStoreWithSingleWordLatency) {
  SramBench b;
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_READ_COMMAND);
  tx.set_address(0x100);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(b.drv.socket->get_direct_mem_ptr(tx, dmi));
  EXPECT_EQ(dmi.get_dmi_ptr(), b.mem.data());
  EXPECT_EQ(dmi.get_start_address(), 0u);
  EXPECT_EQ(dmi.get_end_address(), 4095u);
  EXPECT_TRUE(dmi.is_read_write_allowed());
  EXPECT_EQ(dmi.get_read_latency(), sc_time(14, SC_NS));
  EXPECT_EQ(dmi.get_write_latency(), sc_time(14, SC_NS));
  EXPECT_TRUE(b.drv.transact(tlm::TLM_READ_COMMAND, 0, 0, 4).ok());
  Access a;
  a.addr = 0;
  a.data.assign(4, 0);
  a.send(b.drv);
  EXPECT_TRUE(a.dmi_allowed) << "b_transport should hint that DMI is available";
  EXPECT_EQ(b.stats()["dmi_grants"], 1);
}

TEST(Sram, DmiDisabled) {
  Sram::Config c = sram_config();
  c.dmi = false;
  SramBench b(c);
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_READ_COMMAND);
  tx.set_address(0);
  tlm::tlm_dmi dmi;
  EXPECT_FALSE(b.drv.socket->get_direct_mem_ptr(tx, dmi));
  EXPECT_TRUE(dmi.is_none_allowed());
  EXPECT_LE(dmi.get_start_address(), 0u);
  EXPECT_GE(dmi.get_end_address(), 4095u);
  Access a;
  a.data.assign(4, 0);
  a.send(b.drv);
  EXPECT_EQ(a.status, tlm::TLM_OK_RESPONSE);
  EXPECT_FALSE(a.dmi_allowed);
}

TEST(Sram, DebugTransportMovesDataWithoutTiming) {
  SramBench b;
  const auto w = b.drv.debug(tlm::TLM_WRITE_COMMAND, 0x80, 0x55aa, 2);
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(b.mem.data()[0x80], 0xaa);
  EXPECT_EQ(b.drv.debug(tlm::TLM_READ_COMMAND, 0x80, 0, 2).data, 0x55aau);
  EXPECT_FALSE(b.drv.debug(tlm::TLM_READ_COMMAND, 4095, 0, 2).ok());
  EXPECT_EQ(b.stats()["reads"], 0);
  EXPECT_EQ(b.stats()["port_busy_ps"], 0);
}

TEST(Sram, StatsCountReadsWritesAndBytes) {
  SramBench b;
  b.drv.transact(tlm::TLM_READ_COMMAND, 0, 0, 4);
  b.drv.transact(tlm::TLM_READ_COMMAND, 0, 0, 2, sc_time(1, SC_US));
  b.drv.transact(tlm::TLM_WRITE_COMMAND, 0, 0, 8, sc_time(2, SC_US));
  const auto st = b.stats();
  EXPECT_EQ(st["size"], 4096);
  EXPECT_EQ(st["reads"], 2);
  EXPECT_EQ(st["writes"], 1);
  EXPECT_EQ(st["bytes_read"], 6);
  EXPECT_EQ(st["bytes_written"], 8);
  EXPECT_EQ(st["port_busy_ps"], 14000);
}

TEST(Sram, LargeSparseMemory) {
  Sram::Config c = sram_config();
  c.size = 1ull << 30;  // 1 GiB: host pages are only touched on use
  SramBench b(c);
  EXPECT_TRUE(b.drv.transact(tlm::TLM_WRITE_COMMAND, (1ull << 30) - 4, 0x12345678, 4).ok());
  EXPECT_EQ(word_at(b.mem.data(), (1ull << 30) - 4), 0x12345678u);
  EXPECT_EQ(b.mem.data()[0x1000000], 0) << "fresh memory reads as zero";
}

TEST(Sram, ZeroSizeIsRejected) {
  Sram::Config c = sram_config();
  c.size = 0;
  EXPECT_THROW(Sram("zero", c), std::invalid_argument);
}

// ================================================================ DRAM

// 4 banks of 1 KiB rows; tCAS 10 ns, tRCD 20 ns, tRP 30 ns; 1 GB/s, so a
// 4-byte burst takes 4 ns.
Dram::Config dram_config() {
  Dram::Config c;
  c.size = 1 << 20;
  c.banks = 4;
  c.row_bytes = 1024;
  c.t_cas = sc_time(10, SC_NS);
  c.t_rcd = sc_time(20, SC_NS);
  c.t_rp = sc_time(30, SC_NS);
  c.bandwidth_bytes_per_s = 1e9;
  c.dmi = true;
  return c;
}

struct DramBench {
  explicit DramBench(Dram::Config c = dram_config()) : mem("dram", c), drv("drv") {
    drv.socket.bind(mem.socket);
    sc_start(SC_ZERO_TIME);
  }
  nlohmann::json stats() const {
    nlohmann::json j = nlohmann::json::object();
    mem.dump_stats(j);
    return j;
  }
  // Latency of one read of `len` bytes issued alone at local time `at`.
  sc_time latency(uint64_t addr, sc_time at, unsigned len = 4) {
    Access a;
    a.addr = addr;
    a.data.assign(len, 0);
    a.delay = at;
    a.send(drv);
    EXPECT_EQ(a.status, tlm::TLM_OK_RESPONSE);
    return a.delay - at;
  }
  Dram mem;
  TlmDriver drv;
};

// Expected latencies of a 4-byte access (functions: sc_time needs the kernel).
sc_time hit() { return sc_time(14, SC_NS); }       // tCAS + 4 ns
sc_time empty() { return sc_time(34, SC_NS); }     // tRCD + tCAS + 4 ns
sc_time conflict() { return sc_time(64, SC_NS); }  // tRP + tRCD + tCAS + 4 ns

TEST(Dram, RowEmptyHitAndConflictLatencies) {
  DramBench b;
  EXPECT_EQ(b.latency(0, sc_time(0, SC_US)), empty()) << "first access: bank precharged";
  EXPECT_EQ(b.latency(8, sc_time(1, SC_US)), hit()) << "same row";
  EXPECT_EQ(b.latency(1020, sc_time(2, SC_US)), hit()) << "same row, last word";
  EXPECT_EQ(b.latency(4096, sc_time(3, SC_US)), conflict()) << "bank 0, row 1";
  EXPECT_EQ(b.latency(1024, sc_time(4, SC_US)), empty()) << "bank 1";
  EXPECT_EQ(b.latency(0, sc_time(5, SC_US)), conflict()) << "bank 0 has row 1 open";
  const auto st = b.stats();
  EXPECT_EQ(st["row_hits"], 2);
  EXPECT_EQ(st["row_empty"], 2);
  EXPECT_EQ(st["row_conflicts"], 2);
  EXPECT_EQ(st["reads"], 6);
}

TEST(Dram, TransferTimeFollowsBandwidth) {
  DramBench b;
  EXPECT_EQ(b.latency(0, sc_time(0, SC_US), 64), sc_time(30 + 64, SC_NS));
  EXPECT_EQ(b.latency(64, sc_time(1, SC_US), 1), sc_time(10 + 1, SC_NS));
  EXPECT_EQ(b.latency(128, sc_time(2, SC_US), 256), sc_time(10 + 256, SC_NS));
}

TEST(Dram, BanksAreRowInterleaved) {
  DramBench b;
  const uint64_t row = 1024, banks = 4;
  sc_time t = SC_ZERO_TIME;
  auto next = [&] { return t += sc_time(1, SC_US); };
  for (uint64_t bank = 0; bank < banks; ++bank)
    EXPECT_EQ(b.latency(bank * row, next()), empty()) << "bank " << bank;
  for (uint64_t bank = 0; bank < banks; ++bank)
    EXPECT_EQ(b.latency(bank * row + 100, next()), hit()) << "bank " << bank;
  // row 1 of bank 2 is at (1 * banks + 2) * row
  EXPECT_EQ(b.latency((banks + 2) * row, next()), conflict());
  EXPECT_EQ(b.latency(2 * row, next()), conflict());
  for (uint64_t bank : {0, 1, 3})
    EXPECT_EQ(b.latency(bank * row + 8, next()), hit()) << "bank " << bank << " disturbed";
}

TEST(Dram, WritesOpenRowsToo) {
  DramBench b;
  EXPECT_EQ(b.drv.transact(tlm::TLM_WRITE_COMMAND, 0x2000, 0xabcd, 4).delay, empty());
  EXPECT_EQ(b.latency(0x2004, sc_time(1, SC_US)), hit());
  EXPECT_EQ(b.drv.transact(tlm::TLM_READ_COMMAND, 0x2000, 0, 4, sc_time(2, SC_US)).data, 0xabcdu);
}

TEST(Dram, ConcurrentAccessesSerialiseOnTheChannel) {
  DramBench b;
  // Same arrival, different banks: both rows open in parallel (30 ns), the
  // bursts share the channel: [30, 34) then [34, 38).
  const auto first = b.drv.transact(tlm::TLM_READ_COMMAND, 0, 0, 4);
  const auto second = b.drv.transact(tlm::TLM_READ_COMMAND, 1024, 0, 4);
  EXPECT_EQ(first.delay, sc_time(34, SC_NS));
  EXPECT_EQ(second.delay, sc_time(38, SC_NS));
  EXPECT_EQ(b.stats()["channel_wait_ps"], 4000);
  EXPECT_EQ(b.stats()["channel_busy_ps"], 8000);
}

TEST(Dram, DataAndErrors) {
  DramBench b;
  EXPECT_TRUE(b.drv.transact(tlm::TLM_WRITE_COMMAND, (1 << 20) - 8, 0x1122334455667788ull, 8).ok());
  EXPECT_EQ(b.drv.transact(tlm::TLM_READ_COMMAND, (1 << 20) - 8, 0, 8, sc_time(1, SC_US)).data,
            0x1122334455667788ull);
  EXPECT_EQ(b.drv.transact(tlm::TLM_READ_COMMAND, 1 << 20, 0, 1).status,
            tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(b.drv.transact(tlm::TLM_WRITE_COMMAND, (1 << 20) - 2, 0, 4).status,
            tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(b.stats()["reads"], 1);
  EXPECT_EQ(b.stats()["writes"], 1);
  EXPECT_EQ(b.stats()["bytes_written"], 8);
}

TEST(Dram, DmiLatencyIsARowHit) {
  DramBench b;
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_WRITE_COMMAND);
  tx.set_address(0x400);
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(b.drv.socket->get_direct_mem_ptr(tx, dmi));
  EXPECT_EQ(dmi.get_dmi_ptr(), b.mem.data());
  EXPECT_EQ(dmi.get_start_address(), 0u);
  EXPECT_EQ(dmi.get_end_address(), (1u << 20) - 1);
  EXPECT_TRUE(dmi.is_read_write_allowed());
  EXPECT_EQ(dmi.get_read_latency(), hit());
  EXPECT_EQ(dmi.get_write_latency(), hit());
  EXPECT_EQ(b.stats()["dmi_grants"], 1);
}

TEST(Dram, DmiDisabled) {
  Dram::Config c = dram_config();
  c.dmi = false;
  DramBench b(c);
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_READ_COMMAND);
  tx.set_address(0);
  tlm::tlm_dmi dmi;
  EXPECT_FALSE(b.drv.socket->get_direct_mem_ptr(tx, dmi));
  EXPECT_TRUE(dmi.is_none_allowed());
  Access a;
  a.data.assign(4, 0);
  a.send(b.drv);
  EXPECT_EQ(a.status, tlm::TLM_OK_RESPONSE);
  EXPECT_FALSE(a.dmi_allowed);
}

TEST(Dram, DebugTransportDoesNotDisturbRowState) {
  DramBench b;
  EXPECT_EQ(b.latency(0, SC_ZERO_TIME), empty());
  EXPECT_TRUE(b.drv.debug(tlm::TLM_WRITE_COMMAND, 4096, 0x99, 1).ok());  // bank 0, row 1
  EXPECT_EQ(b.mem.data()[4096], 0x99);
  EXPECT_EQ(b.latency(4, sc_time(1, SC_US)), hit());
}

TEST(Dram, InvalidGeometryIsRejected) {
  Dram::Config c = dram_config();
  c.banks = 0;
  EXPECT_THROW(Dram("d0", c), std::invalid_argument);
  c = dram_config();
  c.row_bytes = 0;
  EXPECT_THROW(Dram("d1", c), std::invalid_argument);
}

}  // namespace
