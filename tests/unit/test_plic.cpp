// PLIC through its TLM socket: gateways, priority and threshold, claim and
// complete, enable masking, and the context interrupt lines.
#include <gtest/gtest.h>
#include <hpvp/hw/plic.h>

#include <systemc>

#include "periph/plic.h"
#include "tlm_test_driver.h"

using hpvp::Plic;
using hpvp::test::EdgeProbe;
using hpvp::test::TlmDriver;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_US;
using sc_core::wait;

namespace {

// A PLIC with every source on a signal the test drives, and each context
// line on a signal with a probe.
struct Bench {
  explicit Bench(Plic::Config cfg = {})
      : plic("plic", cfg),
        drv("drv"),
        src("src", cfg.num_sources + 1),
        ctx("ctx", cfg.num_contexts),
        probe("probe", cfg.num_contexts) {
    drv.socket.bind(plic.socket);
    for (unsigned s = 0; s <= cfg.num_sources; ++s) plic.irq_in[s].bind(src[s]);
    for (unsigned c = 0; c < cfg.num_contexts; ++c) {
      plic.context_irq[c].bind(ctx[c]);
      probe[c].in.bind(ctx[c]);
    }
  }

  // Lets a source change propagate (signal update, gateway, output method).
  void raise(unsigned s, bool level = true) {
    src[s].write(level);
    settle();
  }
  static void settle() { wait(1, SC_NS); }

  uint32_t claim(unsigned c = 0) { return drv.read32(PLIC_CLAIM(c)); }
  void complete(uint32_t id, unsigned c = 0) { drv.write32(PLIC_CLAIM(c), id); }
  void priority(unsigned s, uint32_t p) { drv.write32(PLIC_PRIORITY(s), p); }
  void enable_all(unsigned c = 0) {
    for (unsigned w = 0; w * 32 <= plic.config().num_sources; ++w)
      drv.write32(PLIC_ENABLE(c, w), 0xffffffffu);
  }

  Plic plic;
  TlmDriver drv;
  sc_core::sc_vector<sc_core::sc_signal<bool>> src;
  sc_core::sc_vector<sc_core::sc_signal<bool>> ctx;
  sc_core::sc_vector<EdgeProbe> probe;
};

}  // namespace

TEST(Plic, ResetValues) {
  Bench b;
  b.drv.run([&] {
    for (unsigned s = 0; s <= 32; ++s) {
      EXPECT_EQ(b.drv.read32(PLIC_PRIORITY(s)), 0u) << s;
      EXPECT_TRUE(b.drv.ok()) << s;
    }
    EXPECT_EQ(b.drv.read32(PLIC_PENDING(0)), 0u);
    EXPECT_EQ(b.drv.read32(PLIC_PENDING(1)), 0u);  // source 32 lives in word 1
    EXPECT_EQ(b.drv.read32(PLIC_ENABLE(0, 0)), 0u);
    EXPECT_EQ(b.drv.read32(PLIC_THRESHOLD(0)), 0u);
    EXPECT_EQ(b.claim(), 0u);
    EXPECT_TRUE(b.drv.ok());
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_FALSE(b.ctx[0].read());
}

TEST(Plic, PriorityThresholdAndEnableMasks) {
  Bench b;  // 32 sources, 3 priority bits
  b.drv.run([&] {
    b.priority(4, 0xffffffffu);
    EXPECT_EQ(b.drv.read32(PLIC_PRIORITY(4)), 7u);
    b.drv.write32(PLIC_THRESHOLD(0), 0x1f);
    EXPECT_EQ(b.drv.read32(PLIC_THRESHOLD(0)), 7u);
    b.priority(0, 5);  // source 0 does not exist: reads 0, write ignored
    EXPECT_TRUE(b.drv.ok());
    EXPECT_EQ(b.drv.read32(PLIC_PRIORITY(0)), 0u);
    b.enable_all();
    EXPECT_EQ(b.drv.read32(PLIC_ENABLE(0, 0)), 0xfffffffeu);  // no bit for source 0
    EXPECT_EQ(b.drv.read32(PLIC_ENABLE(0, 1)), 0x1u);         // only source 32 exists
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Plic, GatewaySetsPendingRegardlessOfPriorityAndEnable) {
  Bench b;
  b.drv.run([&] {
    b.raise(5);
    b.raise(32);
    EXPECT_EQ(b.drv.read32(PLIC_PENDING(0)), 1u << 5);
    EXPECT_EQ(b.drv.read32(PLIC_PENDING(1)), 1u);
    b.drv.write32(PLIC_PENDING(0), 0);  // pending bits are read-only
    EXPECT_TRUE(b.drv.ok());
    EXPECT_EQ(b.drv.read32(PLIC_PENDING(0)), 1u << 5);
    EXPECT_TRUE(b.plic.pending(5));
    // Priority 0 never interrupts, enabled or not.
    b.enable_all();
    b.settle();
    EXPECT_FALSE(b.ctx[0].read());
    EXPECT_EQ(b.claim(), 0u);
    EXPECT_EQ(b.drv.read32(PLIC_PENDING(0)), 1u << 5);  // a failed claim clears nothing
    b.priority(5, 1);
    b.settle();
    EXPECT_TRUE(b.ctx[0].read());
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Plic, ClaimOrderIsPriorityThenLowestId) {
  Bench b;
  b.drv.run([&] {
    b.priority(3, 2);
    b.priority(5, 5);
    b.priority(7, 5);
    b.priority(9, 1);
    b.enable_all();
    for (unsigned s : {9u, 7u, 5u, 3u}) b.src[s].write(true);
    b.settle();
    EXPECT_EQ(b.claim(), 5u);
    EXPECT_EQ(b.claim(), 7u);
    EXPECT_EQ(b.claim(), 3u);
    EXPECT_EQ(b.claim(), 9u);
    EXPECT_EQ(b.claim(), 0u);
    EXPECT_EQ(b.drv.read32(PLIC_PENDING(0)), 0u);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  EXPECT_EQ(b.plic.claims(5), 1u);
  nlohmann::json stats;
  b.plic.dump_stats(stats);
  EXPECT_EQ(stats["claims"], 4);
  EXPECT_EQ(stats["claims_per_source"]["7"], 1);
  EXPECT_EQ(stats["empty_claims"], 1);
}

TEST(Plic, ThresholdMasksPrioritiesAtOrBelowIt) {
  Bench b;
  b.drv.run([&] {
    b.priority(2, 4);
    b.priority(6, 5);
    b.enable_all();
    b.drv.write32(PLIC_THRESHOLD(0), 5);
    b.raise(2);
    b.raise(6);
    EXPECT_FALSE(b.ctx[0].read());  // priority must exceed the threshold
    EXPECT_EQ(b.claim(), 0u);
    b.drv.write32(PLIC_THRESHOLD(0), 4);
    b.settle();
    EXPECT_TRUE(b.ctx[0].read());
    EXPECT_EQ(b.claim(), 6u);  // 4 is not above 4
    b.settle();
    EXPECT_FALSE(b.ctx[0].read());
    b.drv.write32(PLIC_THRESHOLD(0), 0);
    b.settle();
    EXPECT_TRUE(b.ctx[0].read());
    EXPECT_EQ(b.claim(), 2u);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Plic, EnableMasksPerContext) {
  Plic::Config cfg;
  cfg.num_contexts = 2;
  Bench b(cfg);
  b.drv.run([&] {
    b.priority(10, 1);
    b.priority(11, 1);
    b.drv.write32(PLIC_ENABLE(0, 0), 1u << 10);
    b.drv.write32(PLIC_ENABLE(1, 0), 1u << 11);
    b.raise(11);
    EXPECT_FALSE(b.ctx[0].read());
    EXPECT_TRUE(b.ctx[1].read());
    EXPECT_EQ(b.claim(0), 0u);  // not enabled for context 0
    b.raise(10);
    EXPECT_TRUE(b.ctx[0].read());
    EXPECT_EQ(b.claim(1), 11u);
    EXPECT_EQ(b.claim(0), 10u);
    // A source enabled on both: the first claim takes it from both.
    b.drv.write32(PLIC_ENABLE(1, 0), (1u << 11) | (1u << 10));
    b.complete(10, 0);
    b.settle();
    EXPECT_TRUE(b.ctx[0].read());
    EXPECT_TRUE(b.ctx[1].read());
    EXPECT_EQ(b.claim(1), 10u);
    b.settle();
    EXPECT_FALSE(b.ctx[0].read());
    EXPECT_EQ(b.claim(0), 0u);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Plic, LevelStillHighRependsOnlyAfterComplete) {
  Bench b;
  b.drv.run([&] {
    b.priority(4, 3);
    b.enable_all();
    b.raise(4);
    EXPECT_TRUE(b.ctx[0].read());
    EXPECT_EQ(b.claim(), 4u);
    b.settle();
    EXPECT_FALSE(b.ctx[0].read());
    EXPECT_FALSE(b.plic.pending(4));  // line still high, gateway closed
    b.raise(4, false);
    b.raise(4, true);  // a new edge while in service is not forwarded either
    EXPECT_FALSE(b.plic.pending(4));
    b.complete(4);
    b.settle();
    EXPECT_TRUE(b.plic.pending(4));  // level still high: pending again
    EXPECT_TRUE(b.ctx[0].read());
    EXPECT_EQ(b.claim(), 4u);
    b.raise(4, false);  // the device is serviced
    b.complete(4);
    b.settle();
    EXPECT_FALSE(b.plic.pending(4));
    EXPECT_FALSE(b.ctx[0].read());
    b.raise(4);  // and the gateway is open again
    EXPECT_TRUE(b.plic.pending(4));
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  // Rise, claim, re-pend on complete, claim, rise again.
  const auto& e = b.probe[0].edges();
  ASSERT_EQ(e.size(), 5u);
  EXPECT_TRUE(e[0].level);
  EXPECT_FALSE(e[1].level);
  EXPECT_TRUE(e[2].level);
  EXPECT_FALSE(e[3].level);
  EXPECT_TRUE(e[4].level);
}

TEST(Plic, PulseStaysPendingUntilClaimed) {
  Bench b;
  b.drv.run([&] {
    b.priority(1, 1);
    b.enable_all();
    b.raise(1);
    b.raise(1, false);
    EXPECT_TRUE(b.plic.pending(1));
    EXPECT_EQ(b.claim(), 1u);
    b.complete(1);
    b.settle();
    EXPECT_FALSE(b.plic.pending(1));
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Plic, CompleteOfSourceNotEnabledIsIgnored) {
  Bench b;
  b.drv.run([&] {
    b.priority(8, 1);
    b.drv.write32(PLIC_ENABLE(0, 0), 1u << 8);
    b.raise(8);
    EXPECT_EQ(b.claim(), 8u);
    b.drv.write32(PLIC_ENABLE(0, 0), 0);
    b.complete(8);  // ignored: source 8 is not enabled here
    b.complete(0);  // no such source
    b.complete(999);
    b.settle();
    EXPECT_FALSE(b.plic.pending(8));
    b.drv.write32(PLIC_ENABLE(0, 0), 1u << 8);
    b.complete(8);
    b.settle();
    EXPECT_TRUE(b.plic.pending(8));
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
  nlohmann::json stats;
  b.plic.dump_stats(stats);
  EXPECT_EQ(stats["ignored_completes"], 3);
  EXPECT_EQ(stats["completes"], 1);
}

TEST(Plic, DebugReadOfClaimDoesNotClaim) {
  Bench b;
  b.drv.run([&] {
    b.priority(3, 1);
    b.enable_all();
    b.raise(3);
    EXPECT_EQ(b.drv.debug(tlm::TLM_READ_COMMAND, PLIC_CLAIM(0), 0, 4).data, 3u);
    EXPECT_TRUE(b.plic.pending(3));
    EXPECT_EQ(b.claim(), 3u);
    EXPECT_FALSE(b.plic.pending(3));
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Plic, OutputFollowsDecoupledAccessTime) {
  Plic::Config cfg;
  cfg.latency = sc_time(5, SC_NS);
  Bench b(cfg);
  b.drv.run([&] {
    b.priority(2, 1);
    b.raise(2);
    const auto r =
        b.drv.transact(tlm::TLM_WRITE_COMMAND, PLIC_ENABLE(0, 0), 1u << 2, 4, sc_time(300, SC_NS));
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.delay, sc_time(305, SC_NS));
  });
  sc_core::sc_start(2, SC_US);
  // priority write at 0 (+5 ns latency waited), raise settles 1 ns, then
  // the enable lands 300 ns ahead of that.
  EXPECT_EQ(b.probe[0].rise(), sc_time(306, SC_NS));
}

TEST(Plic, UnmappedOffsetsGiveAddressError) {
  Bench b;  // 32 sources (2 bitmap words), 1 context
  b.drv.run([&] {
    const uint64_t holes[] = {
        PLIC_PRIORITY(33), 0x0ffc,        PLIC_PENDING(2),   PLIC_ENABLE(0, 2),
        PLIC_ENABLE(1, 0), 0x1fffc,       PLIC_THRESHOLD(1), PLIC_CLAIM(1),
        0x200008,          PLIC_SIZE - 4, PLIC_SIZE};
    for (uint64_t a : holes) {
      b.drv.read32(a);
      EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE) << std::hex << a;
      b.drv.write32(a, 1);
      EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE) << std::hex << a;
    }
    b.drv.read64(PLIC_THRESHOLD(0));  // threshold and claim are separate registers
    EXPECT_EQ(b.drv.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Plic, UnboundPortsAreTied) {
  Plic::Config cfg;
  cfg.num_sources = 4;
  Plic plic("plic", cfg);
  TlmDriver drv("drv");
  drv.socket.bind(plic.socket);
  sc_core::sc_signal<bool> line("line");
  plic.irq_in[3].bind(line);  // only one source wired, no context output
  drv.run([&] {
    drv.write32(PLIC_PRIORITY(3), 1);
    drv.write32(PLIC_ENABLE(0, 0), 0xff);
    line.write(true);
    wait(1, SC_NS);
    EXPECT_EQ(drv.read32(PLIC_PENDING(0)), 1u << 3);
    EXPECT_EQ(drv.read32(PLIC_CLAIM(0)), 3u);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(drv.script_done());
}

TEST(Plic, LargeConfiguration) {
  Plic::Config cfg;
  cfg.num_sources = 1023;
  cfg.num_contexts = 4;
  cfg.priority_bits = 7;
  Bench b(cfg);
  b.drv.run([&] {
    b.priority(1023, 127);
    b.priority(1000, 127);
    b.drv.write32(PLIC_ENABLE(3, 31), 0xffffffffu);
    EXPECT_EQ(b.drv.read32(PLIC_ENABLE(3, 31)), 0xffffffffu);  // sources 992..1023
    b.raise(1023);
    b.raise(1000);
    EXPECT_EQ(b.drv.read32(PLIC_PENDING(31)), (1u << 31) | (1u << 8));
    EXPECT_TRUE(b.ctx[3].read());
    EXPECT_FALSE(b.ctx[0].read());
    EXPECT_EQ(b.claim(3), 1000u);
    EXPECT_EQ(b.claim(3), 1023u);
  });
  sc_core::sc_start(1, SC_US);
  EXPECT_TRUE(b.drv.script_done());
}

TEST(Plic, RejectsBadConfig) {
  Plic::Config cfg;
  cfg.num_sources = 1024;
  EXPECT_THROW(Plic("too_many_sources", cfg), std::invalid_argument);
  cfg.num_sources = 4;
  cfg.num_contexts = 0;
  EXPECT_THROW(Plic("no_contexts", cfg), std::invalid_argument);
}
