// Test finisher through its TLM socket: exit codes, the on_finish hook and
// that the simulation really stops at the finishing write.
#include <gtest/gtest.h>
#include <hpvp/hw/test_finisher.h>

#include <systemc>

#include "periph/test_finisher.h"
#include "tlm_test_driver.h"

using hpvp::TestFinisher;
using hpvp::test::TlmDriver;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_US;
using sc_core::wait;

namespace {

struct Bench {
  explicit Bench(TestFinisher::Config cfg = {}) : fin("finisher", cfg), drv("drv") {
    drv.socket.bind(fin.socket);
    fin.on_finish = [this](int code) { hook_codes.push_back(code); };
  }
  TestFinisher fin;
  TlmDriver drv;
  std::vector<int> hook_codes;
  bool ran_past_finish = false;
};

// Writes `value` at 3 us, then tries to keep running: that must not happen.
void finish_with(Bench& b, uint32_t value) {
  b.drv.run([&b, value] {
    wait(3, SC_US);
    b.drv.write32(FINISHER_REG_CONTROL, value);
    EXPECT_TRUE(b.drv.ok());
    wait(1, SC_NS);
    b.ran_past_finish = true;
  });
  sc_core::sc_start(100, SC_US);
}

void expect_stopped_at_3us(const Bench& b) {
  EXPECT_TRUE(b.fin.finished());
  EXPECT_FALSE(b.ran_past_finish);
  EXPECT_EQ(sc_core::sc_get_status(), sc_core::SC_STOPPED);
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_time(3, SC_US));
  EXPECT_EQ(b.fin.finish_time(), sc_time(3, SC_US));
}

}  // namespace

TEST(TestFinisher, NotFinishedInitially) {
  Bench b;
  b.drv.run([&] {
    EXPECT_EQ(b.drv.read32(FINISHER_REG_CONTROL), 0u);  // write-only: reads 0
    EXPECT_TRUE(b.drv.ok());
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_FALSE(b.fin.finished());
  EXPECT_EQ(b.fin.exit_code(), -1);  // never mistaken for a pass
  EXPECT_TRUE(b.hook_codes.empty());
  EXPECT_NE(sc_core::sc_get_status(), sc_core::SC_STOPPED);
}

TEST(TestFinisher, PassExitsZeroAndStops) {
  Bench b;
  finish_with(b, FINISHER_PASS);
  expect_stopped_at_3us(b);
  EXPECT_EQ(b.fin.exit_code(), 0);
  EXPECT_FALSE(b.fin.reset_requested());
  EXPECT_EQ(b.hook_codes, std::vector<int>{0});
}

TEST(TestFinisher, FailCarriesExitCode) {
  Bench b;
  finish_with(b, FINISHER_FAIL | (42u << 16));
  expect_stopped_at_3us(b);
  EXPECT_EQ(b.fin.exit_code(), 42);
  EXPECT_EQ(b.hook_codes, std::vector<int>{42});
}

TEST(TestFinisher, FailWithCodeZeroExitsOne) {
  Bench b;
  finish_with(b, FINISHER_FAIL);
  expect_stopped_at_3us(b);
  EXPECT_EQ(b.fin.exit_code(), 1);
  EXPECT_EQ(b.hook_codes, std::vector<int>{1});
}

TEST(TestFinisher, FailWithLargestCode) {
  Bench b;
  finish_with(b, FINISHER_FAIL | 0xffff0000u);
  expect_stopped_at_3us(b);
  EXPECT_EQ(b.fin.exit_code(), 0xffff);
}

TEST(TestFinisher, ResetExitsZeroWithNote) {
  Bench b;
  finish_with(b, FINISHER_RESET);
  expect_stopped_at_3us(b);
  EXPECT_EQ(b.fin.exit_code(), 0);
  EXPECT_TRUE(b.fin.reset_requested());
}

TEST(TestFinisher, OtherValuesAreIgnoredButCounted) {
  Bench b;
  b.drv.run([&] {
    b.drv.write32(FINISHER_REG_CONTROL, 0x1234);
    EXPECT_TRUE(b.drv.ok());
    b.drv.write32(FINISHER_REG_CONTROL, 0x5555u << 16);  // PASS in the wrong half
    b.drv.write32(FINISHER_REG_CONTROL, 0);
    wait(1, SC_US);
  });
  sc_core::sc_start(10, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_FALSE(b.fin.finished());
  EXPECT_NE(sc_core::sc_get_status(), sc_core::SC_STOPPED);
  nlohmann::json stats;
  b.fin.dump_stats(stats);
  EXPECT_EQ(stats["ignored_writes"], 3);
  EXPECT_EQ(stats["finished"], false);
}

TEST(TestFinisher, SixteenBitPassWriteAfterJunk) {
  // A junk 32-bit write must not leave bits that corrupt a later 16-bit one.
  Bench b;
  b.drv.run([&] {
    b.drv.write32(FINISHER_REG_CONTROL, 0x00071234);
    b.drv.write(FINISHER_REG_CONTROL, FINISHER_PASS, 2);
    EXPECT_TRUE(b.drv.ok());
  });
  sc_core::sc_start(10, SC_US);
  EXPECT_TRUE(b.fin.finished());
  EXPECT_EQ(b.fin.exit_code(), 0);
}

TEST(TestFinisher, LatencyAndDecoupledFinishTime) {
  TestFinisher::Config cfg;
  cfg.latency = sc_time(10, SC_NS);
  Bench b(cfg);
  b.drv.run([&] {
    const auto r = b.drv.transact(tlm::TLM_WRITE_COMMAND, FINISHER_REG_CONTROL, FINISHER_PASS, 4,
                                  sc_time(500, SC_NS));
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.delay, sc_time(510, SC_NS));
  });
  sc_core::sc_start(10, SC_US);
  EXPECT_TRUE(b.fin.finished());
  EXPECT_EQ(b.fin.finish_time(), sc_time(500, SC_NS));  // the initiator's local time
}

TEST(TestFinisher, SecondFinishIsIgnored) {
  Bench b;
  b.drv.run([&] {
    b.drv.write32(FINISHER_REG_CONTROL, FINISHER_FAIL | (7u << 16));
    b.drv.write32(FINISHER_REG_CONTROL, FINISHER_PASS);  // same delta: sim not yet stopped
  });
  sc_core::sc_start(10, SC_US);
  EXPECT_EQ(b.fin.exit_code(), 7);
  EXPECT_EQ(b.hook_codes, std::vector<int>{7});
}

TEST(TestFinisher, UnmappedOffsetsGiveAddressError) {
  Bench b;
  b.drv.run([&] {
    for (uint64_t a : {uint64_t{4}, uint64_t{0x100}, uint64_t{FINISHER_SIZE - 4}}) {
      b.drv.write32(a, FINISHER_PASS);
      EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE) << a;
      b.drv.read32(a);
      EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE) << a;
    }
    b.drv.write64(FINISHER_REG_CONTROL, FINISHER_PASS);  // wider than the register
    EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_FALSE(b.fin.finished());
}
