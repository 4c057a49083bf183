// CLINT through its TLM socket: mtime vs simulated time, mtimecmp halves,
// the exact instant of the timer interrupt, msip, and the error responses.
#include <gtest/gtest.h>
#include <hpvp/hw/clint.h>

#include <memory>
#include <systemc>

#include "periph/clint.h"
#include "tlm_test_driver.h"

using hpvp::Clint;
using hpvp::test::EdgeProbe;
using hpvp::test::TlmDriver;
using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::sc_time;
using sc_core::sc_time_stamp;
using sc_core::SC_US;
using sc_core::wait;

namespace {

// A CLINT with its lines on signals watched by probes, and a driver.
struct Bench {
  explicit Bench(Clint::Config cfg = {})
      : clint("clint", cfg),
        drv("drv"),
        mtip("mtip", cfg.num_harts),
        msip("msip", cfg.num_harts),
        timer_probe("timer_probe", cfg.num_harts),
        soft_probe("soft_probe", cfg.num_harts) {
    drv.socket.bind(clint.socket);
    for (unsigned h = 0; h < cfg.num_harts; ++h) {
      clint.timer_irq[h].bind(mtip[h]);
      clint.software_irq[h].bind(msip[h]);
      timer_probe[h].in.bind(mtip[h]);
      soft_probe[h].in.bind(msip[h]);
    }
  }
  Clint clint;
  TlmDriver drv;
  sc_core::sc_vector<sc_core::sc_signal<bool>> mtip, msip;
  sc_core::sc_vector<EdgeProbe> timer_probe, soft_probe;
};

}  // namespace

TEST(Clint, ResetValues) {
  Bench b;
  b.drv.run([&] {
    EXPECT_EQ(b.drv.read32(CLINT_MSIP(0)), 0u);
    EXPECT_TRUE(b.drv.ok());
    EXPECT_EQ(b.drv.read64(CLINT_MTIMECMP(0)), ~uint64_t{0});
    EXPECT_EQ(b.drv.read32(CLINT_MTIMECMP(0)), 0xffffffffu);
    EXPECT_EQ(b.drv.read32(CLINT_MTIMECMP(0) + 4), 0xffffffffu);
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), 0u);
    EXPECT_FALSE(b.mtip[0].read());
    EXPECT_FALSE(b.msip[0].read());
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_TRUE(b.timer_probe[0].edges().empty());
}

TEST(Clint, MtimeAdvancesAt10MHz) {
  Bench b;
  b.drv.run([&] {
    wait(1, SC_US);
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), 10u);
    wait(99, SC_NS);  // 1.099 us: still tick 10 (floor)
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), 10u);
    wait(1, SC_NS);  // 1.100 us: tick 11 exactly at the period boundary
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), 11u);
    wait(1, sc_core::SC_MS);
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), 10011u);
  });
  sc_core::sc_start(2, sc_core::SC_MS);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_EQ(b.clint.mtime_at(sc_time(3, SC_US)), 30u);
}

TEST(Clint, MtimeHalvesRead) {
  Bench b;
  b.drv.run([&] {
    b.drv.write64(CLINT_MTIME, 0x00000001fffffffeull);
    EXPECT_EQ(b.drv.read32(CLINT_MTIME), 0xfffffffeu);
    EXPECT_EQ(b.drv.read32(CLINT_MTIME + 4), 1u);
    wait(300, SC_NS);  // three ticks: the low half wraps into the high half
    EXPECT_EQ(b.drv.read32(CLINT_MTIME), 1u);
    EXPECT_EQ(b.drv.read32(CLINT_MTIME + 4), 2u);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Clint, MtimeWriteSetsValueThenKeepsCounting) {
  Bench b;
  b.drv.run([&] {
    wait(1, SC_US);  // mtime = 10
    b.drv.write64(CLINT_MTIME, 1000);
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), 1000u);
    wait(1, SC_US);
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), 1010u);
    // Writing a smaller value moves time backwards for mtime only.
    b.drv.write64(CLINT_MTIME, 5);
    wait(200, SC_NS);
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), 7u);
    // A 32-bit write of the high half keeps the current low half.
    b.drv.write32(CLINT_MTIME + 4, 3);
    EXPECT_EQ(b.drv.read64(CLINT_MTIME), (uint64_t{3} << 32) | 7u);
  });
  sc_core::sc_start(5, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Clint, TimerIrqRisesAtExactTime) {
  Bench b;
  b.drv.run([&] {
    b.drv.write64(CLINT_MTIMECMP(0), 50);  // 50 ticks at 10 MHz = 5 us
    EXPECT_FALSE(b.mtip[0].read());
  });
  sc_core::sc_start(sc_time(5, SC_US) - sc_time(1, SC_PS));
  EXPECT_FALSE(b.mtip[0].read());
  sc_core::sc_start(2, SC_PS);
  EXPECT_TRUE(b.mtip[0].read());
  bool found = false;
  EXPECT_EQ(b.timer_probe[0].rise(0, &found), sc_time(5, SC_US));
  EXPECT_TRUE(found);
  nlohmann::json stats;
  b.clint.dump_stats(stats);
  EXPECT_EQ(stats["timer_irqs_raised"], 1);
}

TEST(Clint, TimerIrqClearsOnMtimecmpWriteAndRearms) {
  Bench b;
  b.drv.run([&] {
    b.drv.write64(CLINT_MTIMECMP(0), 10);  // 1 us
    wait(2, SC_US);
    EXPECT_TRUE(b.mtip[0].read());
    b.drv.write64(CLINT_MTIMECMP(0), 40);  // 4 us: in the future again
    wait(1, SC_NS);
    EXPECT_FALSE(b.mtip[0].read());
  });
  sc_core::sc_start(10, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  const auto& e = b.timer_probe[0].edges();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].time, sc_time(1, SC_US));
  EXPECT_TRUE(e[0].level);
  EXPECT_EQ(e[1].time, sc_time(2, SC_US));
  EXPECT_FALSE(e[1].level);
  EXPECT_EQ(e[2].time, sc_time(4, SC_US));
  EXPECT_TRUE(e[2].level);
}

TEST(Clint, MtimecmpWrittenAsTwoHalves) {
  Bench b;
  b.drv.run([&] {
    // The RV32 idiom: low half to all-ones first so no spurious interrupt
    // fires between the two writes, then high, then low.
    b.drv.write32(CLINT_MTIMECMP(0), 0xffffffffu);
    b.drv.write32(CLINT_MTIMECMP(0) + 4, 0);
    b.drv.write32(CLINT_MTIMECMP(0), 30);
    EXPECT_EQ(b.drv.read64(CLINT_MTIMECMP(0)), 30u);
    EXPECT_EQ(b.clint.mtimecmp(0), 30u);
  });
  sc_core::sc_start(10, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  ASSERT_EQ(b.timer_probe[0].edges().size(), 1u);
  EXPECT_EQ(b.timer_probe[0].rise(), sc_time(3, SC_US));
}

TEST(Clint, MtimeWriteReschedulesTimer) {
  Bench b;
  b.drv.run([&] {
    b.drv.write64(CLINT_MTIMECMP(0), 1000);  // would be 100 us
    wait(1, SC_US);
    b.drv.write64(CLINT_MTIME, 990);  // now 10 ticks away: 2 us
    wait(5, SC_US);
    // Past mtimecmp: writing mtime back below it drops the line again.
    b.drv.write64(CLINT_MTIME, 0);
  });
  sc_core::sc_start(20, SC_US);
  const auto& e = b.timer_probe[0].edges();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].time, sc_time(2, SC_US));
  EXPECT_TRUE(e[0].level);
  EXPECT_EQ(e[1].time, sc_time(6, SC_US));
  EXPECT_FALSE(e[1].level);
}

TEST(Clint, MtimecmpInThePastRaisesImmediately) {
  Bench b;
  b.drv.run([&] {
    wait(3, SC_US);
    b.drv.write64(CLINT_MTIMECMP(0), 0);
  });
  sc_core::sc_start(5, SC_US);
  EXPECT_EQ(b.timer_probe[0].rise(), sc_time(3, SC_US));
}

TEST(Clint, DecoupledWriteTakesEffectAtLocalTime) {
  Clint::Config cfg;
  cfg.latency = sc_time(20, SC_NS);
  Bench b(cfg);
  b.drv.run([&] {
    // An initiator 2 us ahead of global time reads mtime at its local time,
    // and its mtimecmp write is evaluated there too.
    auto r = b.drv.transact(tlm::TLM_READ_COMMAND, CLINT_MTIME, 0, 8, sc_time(2, SC_US));
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.data, 20u);
    EXPECT_EQ(r.delay, sc_time(2020, SC_NS));  // latency added
    r = b.drv.transact(tlm::TLM_WRITE_COMMAND, CLINT_MTIMECMP(0), 0, 8, sc_time(2, SC_US));
    EXPECT_TRUE(r.ok());
  });
  sc_core::sc_start(5, SC_US);
  EXPECT_EQ(b.timer_probe[0].rise(), sc_time(2, SC_US));
}

TEST(Clint, NonIntegerPeriodRoundsUpToFirstInstant) {
  Clint::Config cfg;
  cfg.timebase_hz = 32768;  // period 30517578.125 ps
  Bench b(cfg);
  b.drv.run([&] { b.drv.write64(CLINT_MTIMECMP(0), 1); });
  sc_core::sc_start(1, sc_core::SC_MS);
  EXPECT_EQ(b.timer_probe[0].rise(), sc_time(30517579, SC_PS));
  EXPECT_EQ(b.clint.mtime_at(sc_time(30517578, SC_PS)), 0u);
  EXPECT_EQ(b.clint.mtime_at(sc_time(30517579, SC_PS)), 1u);
  EXPECT_EQ(b.clint.mtime_at(sc_time(1, sc_core::SC_SEC)), 32768u);
}

TEST(Clint, MsipRaisesAndClearsSoftwareIrq) {
  Bench b;
  b.drv.run([&] {
    b.drv.write32(CLINT_MSIP(0), 0xffffffffu);
    EXPECT_EQ(b.drv.read32(CLINT_MSIP(0)), 1u);  // only bit 0 exists
    wait(1, SC_US);
    EXPECT_TRUE(b.msip[0].read());
    b.drv.write32(CLINT_MSIP(0), 2);  // bit 0 clear
    wait(1, SC_US);
    EXPECT_FALSE(b.msip[0].read());
    EXPECT_EQ(b.drv.read32(CLINT_MSIP(0)), 0u);
  });
  sc_core::sc_start(5, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  const auto& e = b.soft_probe[0].edges();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].time, sc_time(0, SC_US));
  EXPECT_EQ(e[1].time, sc_time(1, SC_US));
  nlohmann::json stats;
  b.clint.dump_stats(stats);
  EXPECT_EQ(stats["software_irqs_raised"], 1);
}

TEST(Clint, HartsAreIndependent) {
  Clint::Config cfg;
  cfg.num_harts = 3;
  Bench b(cfg);
  b.drv.run([&] {
    b.drv.write32(CLINT_MSIP(2), 1);
    b.drv.write64(CLINT_MTIMECMP(1), 20);
    EXPECT_EQ(b.drv.read64(CLINT_MTIMECMP(0)), ~uint64_t{0});
    EXPECT_EQ(b.drv.read64(CLINT_MTIMECMP(2)), ~uint64_t{0});
  });
  sc_core::sc_start(5, SC_US);
  EXPECT_FALSE(b.msip[0].read());
  EXPECT_FALSE(b.msip[1].read());
  EXPECT_TRUE(b.msip[2].read());
  EXPECT_FALSE(b.mtip[0].read());
  EXPECT_TRUE(b.mtip[1].read());
  EXPECT_FALSE(b.mtip[2].read());
  EXPECT_EQ(b.timer_probe[1].rise(), sc_time(2, SC_US));
}

TEST(Clint, UnmappedAndMisalignedAccessesGiveErrors) {
  Bench b;  // one hart: the second hart's registers are holes
  b.drv.run([&] {
    const uint64_t holes[] = {CLINT_MSIP(1),        CLINT_MTIMECMP(1), 0x3ffc,
                              CLINT_MTIME - 8,      CLINT_SIZE - 4,    CLINT_SIZE,
                              0xffffffff00000000ull};
    for (uint64_t a : holes) {
      b.drv.read32(a);
      EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE) << std::hex << a;
      b.drv.write32(a, 1);
      EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE) << std::hex << a;
    }
    b.drv.read64(CLINT_MSIP(0));  // 8 bytes over a 4-byte register
    EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    b.drv.read64(CLINT_MTIME + 4);  // runs past the end of mtime
    EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Clint, DebugAccessAndNoDmi) {
  Bench b;
  b.drv.run([&] {
    wait(1, SC_US);
    auto r = b.drv.debug(tlm::TLM_READ_COMMAND, CLINT_MTIME, 0, 8);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.data, 10u);
    r = b.drv.debug(tlm::TLM_READ_COMMAND, 0x8000, 0, 4);
    EXPECT_FALSE(r.ok());
    tlm::tlm_generic_payload tx;
    tlm::tlm_dmi dmi;
    tx.set_address(CLINT_MTIME);
    EXPECT_FALSE(b.drv.socket->get_direct_mem_ptr(tx, dmi));
    EXPECT_EQ(dmi.get_start_address(), 0u);
    EXPECT_EQ(dmi.get_end_address(), CLINT_SIZE - 1);
  });
  sc_core::sc_start(2, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Clint, RejectsBadConfig) {
  Clint::Config cfg;
  cfg.num_harts = 0;
  EXPECT_THROW(Clint("bad_harts", cfg), std::invalid_argument);
  cfg.num_harts = 1;
  cfg.timebase_hz = 0;
  EXPECT_THROW(Clint("bad_freq", cfg), std::invalid_argument);
}

TEST(Clint, UnboundOutputsAreTied) {
  Clint clint("clint", {});
  TlmDriver drv("drv");
  drv.socket.bind(clint.socket);
  drv.run([&] { drv.write64(CLINT_MTIMECMP(0), 1); });
  sc_core::sc_start(1, SC_US);  // elaborates without binding errors
  EXPECT_TRUE(drv.script_done());
  EXPECT_TRUE(clint.timer_irq[0].read());
}
