// SharedBus: address decoding, error responses, occupancy timing
// ((arbitration + ceil(bytes/width)) bus cycles), serialisation of
// initiators through the reservation calendar, and the TLM-2.0 DMI / debug /
// invalidation paths with address translation (IEEE 1666-2011, 11.2).
//
// Transactions are issued from the test body after elaboration
// (sc_start(SC_ZERO_TIME)); nothing on these paths calls wait(), and
// sc_start(t) between calls moves SystemC time forward.
#include "bus/shared_bus.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

using hpvp::SharedBus;
using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::SC_US;
using sc_core::SC_ZERO_TIME;
using sc_core::sc_start;
using sc_core::sc_time;

namespace {

uint64_t ps(const sc_time& t) { return t.value() / sc_time(1, SC_PS).value(); }
sc_time at_ps(uint64_t v) { return sc_time(static_cast<double>(v), SC_PS); }

// A target that records what reaches it.
class ProbeTarget : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<ProbeTarget> socket;

  struct Seen {
    uint64_t address = 0;
    sc_time delay;
    tlm::tlm_command command = tlm::TLM_IGNORE_COMMAND;
    unsigned length = 0;
  };
  std::vector<Seen> seen;
  std::vector<uint64_t> dbg_addresses;
  std::vector<uint64_t> dmi_addresses;

  sc_time latency = SC_ZERO_TIME;
  tlm::tlm_response_status response = tlm::TLM_OK_RESPONSE;
  bool dmi_hint = true;
  // DMI answer, in target-local addresses.
  bool dmi_grant = true;
  uint64_t dmi_start = 0, dmi_end = 0xfff;
  sc_time dmi_latency = sc_time(5, SC_NS);
  std::array<unsigned char, 0x1000> mem{};

  explicit ProbeTarget(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
    socket.register_b_transport(this, &ProbeTarget::b_transport);
    socket.register_get_direct_mem_ptr(this, &ProbeTarget::get_dmi);
    socket.register_transport_dbg(this, &ProbeTarget::dbg);
  }

  void invalidate(uint64_t start, uint64_t end) { socket->invalidate_direct_mem_ptr(start, end); }

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_time& delay) {
    seen.push_back({tx.get_address(), delay, tx.get_command(), tx.get_data_length()});
    delay += latency;
    if (response == tlm::TLM_OK_RESPONSE && tx.get_address() + tx.get_data_length() <= mem.size()) {
      if (tx.is_read())
        std::memcpy(tx.get_data_ptr(), &mem[tx.get_address()], tx.get_data_length());
      else
        std::memcpy(&mem[tx.get_address()], tx.get_data_ptr(), tx.get_data_length());
    }
    tx.set_dmi_allowed(dmi_hint);
    tx.set_response_status(response);
  }
  bool get_dmi(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
    dmi_addresses.push_back(tx.get_address());
    dmi.set_start_address(dmi_start);
    dmi.set_end_address(dmi_end);
    if (!dmi_grant) {
      dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
      return false;
    }
    dmi.set_dmi_ptr(mem.data());
    dmi.allow_read_write();
    dmi.set_read_latency(dmi_latency);
    dmi.set_write_latency(dmi_latency * 2);
    return true;
  }
  unsigned dbg(tlm::tlm_generic_payload& tx) {
    dbg_addresses.push_back(tx.get_address());
    return tx.get_data_length();
  }
};

// An initiator that records DMI invalidations.
class ProbeInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<ProbeInitiator> socket;
  std::vector<std::pair<uint64_t, uint64_t>> invalidations;

  struct Result {
    tlm::tlm_response_status status;
    sc_time delay;
    bool dmi_allowed;
    uint64_t address_after;
  };

  explicit ProbeInitiator(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
    socket.register_invalidate_direct_mem_ptr(this, &ProbeInitiator::invalidate);
  }

  Result access(tlm::tlm_command cmd, uint64_t addr, unsigned len, sc_time delay = SC_ZERO_TIME) {
    std::vector<unsigned char> buf(len == 0 ? 1 : len, 0xa5);
    tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(buf.data());
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    tx.set_dmi_allowed(false);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(tx, delay);
    return {tx.get_response_status(), delay, tx.is_dmi_allowed(), tx.get_address()};
  }
  Result read(uint64_t addr, unsigned len = 4, sc_time delay = SC_ZERO_TIME) {
    return access(tlm::TLM_READ_COMMAND, addr, len, delay);
  }
  Result write(uint64_t addr, unsigned len = 4, sc_time delay = SC_ZERO_TIME) {
    return access(tlm::TLM_WRITE_COMMAND, addr, len, delay);
  }
  bool dmi(uint64_t addr, tlm::tlm_dmi& out) {
    tlm::tlm_generic_payload tx;
    tx.set_command(tlm::TLM_READ_COMMAND);
    tx.set_address(addr);
    return socket->get_direct_mem_ptr(tx, out);
  }
  unsigned dbg(uint64_t addr, unsigned len, tlm::tlm_response_status* status = nullptr) {
    unsigned char buf[16] = {};
    tlm::tlm_generic_payload tx;
    tx.set_command(tlm::TLM_READ_COMMAND);
    tx.set_address(addr);
    tx.set_data_ptr(buf);
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const unsigned n = socket->transport_dbg(tx);
    if (status) *status = tx.get_response_status();
    return n;
  }

 private:
  void invalidate(sc_dt::uint64 s, sc_dt::uint64 e) { invalidations.emplace_back(s, e); }
};

// Two initiators, two targets:
//   "a" at 0x1000 (4 KiB), "b" at 0x10000000 (256 B). Bus: 100 MHz,
//   8 bytes wide, 1 arbitration cycle -> a transfer of <= 8 bytes takes 20 ns.
struct Bench {
  static constexpr uint64_t kABase = 0x1000, kASize = 0x1000;
  static constexpr uint64_t kBBase = 0x10000000, kBSize = 0x100;

  static SharedBus::Config default_config() {
    SharedBus::Config c;
    c.frequency_hz = 100e6;
    c.width_bytes = 8;
    c.arbitration_cycles = 1;
    c.allow_dmi = true;
    return c;
  }

  explicit Bench(SharedBus::Config cfg = default_config())
      : bus("bus", cfg), i0("i0"), i1("i1"), a("a"), b("b") {
    i0.socket.bind(bus.target_socket);
    bus.add_initiator("cpu");
    i1.socket.bind(bus.target_socket);
    bus.add_initiator("dma");
    bus.initiator_socket.bind(a.socket);
    bus.map(0, kABase, kASize, "a");
    bus.initiator_socket.bind(b.socket);
    bus.map(1, kBBase, kBSize, "b");
    sc_start(SC_ZERO_TIME);  // finish elaboration: sockets bound
  }
  nlohmann::json stats() const {
    nlohmann::json j = nlohmann::json::object();
    bus.dump_stats(j);
    return j;
  }

  SharedBus bus;
  ProbeInitiator i0, i1;
  ProbeTarget a, b;
};

constexpr uint64_t kBeat = 20000;  // ps: 1 arbitration + 1 data cycle at 100 MHz

// ---------------------------------------------------------------- decode

TEST(SharedBus, DecodeRoutesToTargetWithBaseSubtracted) {
  Bench t;
  EXPECT_EQ(t.i0.read(0x1234).status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(t.i0.write(0x10000010, 2).status, tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(t.i0.read(0x1000, 1).status, tlm::TLM_OK_RESPONSE);   // first byte
  EXPECT_EQ(t.i0.read(0x1ffc, 4).status, tlm::TLM_OK_RESPONSE);   // last word
  EXPECT_EQ(t.i0.read(0x100000ff, 1).status, tlm::TLM_OK_RESPONSE);
  ASSERT_EQ(t.a.seen.size(), 3u);
  EXPECT_EQ(t.a.seen[0].address, 0x234u);
  EXPECT_EQ(t.a.seen[0].command, tlm::TLM_READ_COMMAND);
  EXPECT_EQ(t.a.seen[1].address, 0x0u);
  EXPECT_EQ(t.a.seen[2].address, 0xffcu);
  ASSERT_EQ(t.b.seen.size(), 2u);
  EXPECT_EQ(t.b.seen[0].address, 0x10u);
  EXPECT_EQ(t.b.seen[0].command, tlm::TLM_WRITE_COMMAND);
  EXPECT_EQ(t.b.seen[0].length, 2u);
  EXPECT_EQ(t.b.seen[1].address, 0xffu);
}

TEST(SharedBus, InitiatorSeesItsOwnAddressAfterTheCall) {
  Bench t;
  EXPECT_EQ(t.i0.read(0x1234).address_after, 0x1234u);
}

TEST(SharedBus, UnmappedAndStraddlingAccessesGetAddressError) {
  Bench t;
  const std::vector<std::pair<uint64_t, unsigned>> bad = {
      {0x0, 4},         {0xfff, 1},       {0xffe, 4} /* straddles into a */,
      {0x1ffe, 4} /* straddles the end of a */,   {0x2000, 1},
      {0x100000fd, 4},  {0x10000100, 1},  {0xffffffffull, 1},
      {0x100000000ull, 4},
  };
  for (const auto& [addr, len] : bad) {
    const auto r = t.i0.read(addr, len);
    EXPECT_EQ(r.status, tlm::TLM_ADDRESS_ERROR_RESPONSE) << std::hex << addr << " len " << len;
  }
  EXPECT_EQ(t.i1.write(0x3000).status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_TRUE(t.a.seen.empty());
  EXPECT_TRUE(t.b.seen.empty());
  const auto st = t.stats();
  EXPECT_EQ(st["unmapped_accesses"], bad.size() + 1);
  EXPECT_EQ(st["initiators"]["cpu"]["errors"], bad.size());
  EXPECT_EQ(st["initiators"]["dma"]["errors"], 1);
  EXPECT_EQ(st["initiators"]["cpu"]["reads"], 0);
  EXPECT_EQ(st["targets"]["a"]["transactions"], 0);
}

TEST(SharedBus, TargetResponseStatusIsPassedThrough) {
  Bench t;
  t.a.response = tlm::TLM_GENERIC_ERROR_RESPONSE;
  EXPECT_EQ(t.i0.read(0x1000).status, tlm::TLM_GENERIC_ERROR_RESPONSE);
  t.a.response = tlm::TLM_COMMAND_ERROR_RESPONSE;
  EXPECT_EQ(t.i0.write(0x1000).status, tlm::TLM_COMMAND_ERROR_RESPONSE);
}

TEST(SharedBus, OverlappingMapThrows) {
  SharedBus bus("bus", Bench::default_config());
  bus.map(0, 0x1000, 0x1000, "a");
  EXPECT_THROW(bus.map(1, 0x1800, 0x100, "inside"), std::invalid_argument);
  EXPECT_THROW(bus.map(1, 0x0800, 0x1000, "tail overlaps"), std::invalid_argument);
  EXPECT_THROW(bus.map(1, 0x1fff, 0x10, "last byte"), std::invalid_argument);
  EXPECT_THROW(bus.map(1, 0x0000, 0x10000, "covers"), std::invalid_argument);
  EXPECT_THROW(bus.map(1, 0x1000, 0x1000, "identical"), std::invalid_argument);
  EXPECT_NO_THROW(bus.map(1, 0x2000, 0x1000, "adjacent above"));
  EXPECT_NO_THROW(bus.map(2, 0x0000, 0x1000, "adjacent below"));
  try {
    bus.map(3, 0x2800, 0x10, "newcomer");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("newcomer"), std::string::npos) << msg;
    EXPECT_NE(msg.find("adjacent above"), std::string::npos) << msg;
  }
}

TEST(SharedBus, ZeroWidthIsRejected) {
  SharedBus::Config c = Bench::default_config();
  c.width_bytes = 0;
  EXPECT_THROW(SharedBus("bus", c), std::invalid_argument);
}

// ---------------------------------------------------------------- timing

TEST(SharedBus, TransferTimeIsArbitrationPlusBeats) {
  SharedBus::Config c = Bench::default_config();
  SharedBus bus("bus", c);
  EXPECT_EQ(bus.transfer_ps(1), 20000u);
  EXPECT_EQ(bus.transfer_ps(4), 20000u);
  EXPECT_EQ(bus.transfer_ps(8), 20000u);
  EXPECT_EQ(bus.transfer_ps(9), 30000u);
  EXPECT_EQ(bus.transfer_ps(16), 30000u);
  EXPECT_EQ(bus.transfer_ps(17), 40000u);
  EXPECT_EQ(bus.transfer_ps(64), 90000u);
  c.frequency_hz = 200e6;
  c.width_bytes = 4;
  c.arbitration_cycles = 2;
  SharedBus bus2("bus2", c);
  EXPECT_EQ(bus2.transfer_ps(4), 3 * 5000u);
  EXPECT_EQ(bus2.transfer_ps(5), 4 * 5000u);
  EXPECT_EQ(bus2.transfer_ps(32), 10 * 5000u);
  c.arbitration_cycles = 0;
  SharedBus bus3("bus3", c);
  EXPECT_EQ(bus3.transfer_ps(4), 5000u);
}

TEST(SharedBus, TransportChargesTransferTimeBeforeTheTarget) {
  Bench t;
  t.a.latency = sc_time(7, SC_NS);
  const auto r = t.i0.read(0x1000, 16, sc_time(3, SC_NS));
  // arrival 3 ns; bus occupied [3, 33) ns (1 + 2 beats); target adds 7 ns.
  ASSERT_EQ(t.a.seen.size(), 1u);
  EXPECT_EQ(t.a.seen[0].delay, sc_time(33, SC_NS)) << "target sees the end of the bus transfer";
  EXPECT_EQ(r.delay, sc_time(40, SC_NS));
  // Errors also occupy the bus for the address phase.
  const auto e = t.i0.read(0x0, 4, sc_time(100, SC_NS));
  EXPECT_EQ(e.delay, sc_time(100, SC_NS) + at_ps(kBeat));
}

TEST(SharedBus, TwoInitiatorsAtTheSameTimeAreSerialised) {
  Bench t;
  const auto first = t.i0.read(0x1000);
  const auto second = t.i1.read(0x10000000);
  EXPECT_EQ(ps(first.delay), kBeat);
  EXPECT_EQ(ps(second.delay), 2 * kBeat) << "second waits exactly one transfer";
  ASSERT_EQ(t.b.seen.size(), 1u);
  EXPECT_EQ(ps(t.b.seen[0].delay), 2 * kBeat);
  const auto st = t.stats();
  EXPECT_EQ(st["initiators"]["cpu"]["wait_ps"], 0);
  EXPECT_EQ(st["initiators"]["dma"]["wait_ps"], kBeat);
  EXPECT_EQ(st["busy_ps"], 2 * kBeat);
}

// Temporal decoupling: requests arrive in host order, not time order; a
// later-issued request with an earlier local time takes an idle gap.
TEST(SharedBus, LaterRequestFillsAnEarlierIdleGap) {
  Bench t;
  const auto late = t.i0.read(0x1000, 4, sc_time(100, SC_NS));  // [100, 120)
  const auto early = t.i1.read(0x1000, 4, SC_ZERO_TIME);         // [0, 20): no wait
  const auto squeeze = t.i1.read(0x1000, 4, sc_time(90, SC_NS)); // [90,110) busy -> 120
  const auto gap = t.i0.read(0x1000, 4, sc_time(20, SC_NS));     // [20, 40) free
  const auto tight = t.i0.read(0x1000, 4, sc_time(40, SC_NS));   // [40, 60) free, touching
  EXPECT_EQ(late.delay, sc_time(120, SC_NS));
  EXPECT_EQ(early.delay, sc_time(20, SC_NS));
  EXPECT_EQ(squeeze.delay, sc_time(140, SC_NS));
  EXPECT_EQ(gap.delay, sc_time(40, SC_NS));
  EXPECT_EQ(tight.delay, sc_time(60, SC_NS));
}

TEST(SharedBus, ReservationsInThePastDoNotDelayNewRequests) {
  Bench t;
  for (int i = 0; i < 10; ++i) t.i0.read(0x1000);  // bus busy until 200 ns
  sc_start(sc_time(1, SC_US));
  const auto r = t.i1.read(0x1000);
  EXPECT_EQ(ps(r.delay), kBeat);
}

// ---------------------------------------------------------------- DMI

TEST(SharedBus, DmiIsForwardedWithTranslatedRangeAndBusLatency) {
  Bench t;
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(t.i0.dmi(0x1234, dmi));
  ASSERT_EQ(t.a.dmi_addresses.size(), 1u);
  EXPECT_EQ(t.a.dmi_addresses[0], 0x234u) << "request address translated to the target";
  EXPECT_EQ(dmi.get_start_address(), 0x1000u);
  EXPECT_EQ(dmi.get_end_address(), 0x1fffu);
  EXPECT_EQ(dmi.get_dmi_ptr(), t.a.mem.data());
  EXPECT_TRUE(dmi.is_read_write_allowed());
  EXPECT_EQ(dmi.get_read_latency(), sc_time(5, SC_NS) + at_ps(kBeat));
  EXPECT_EQ(dmi.get_write_latency(), sc_time(10, SC_NS) + at_ps(kBeat));
  EXPECT_EQ(t.stats()["initiators"]["cpu"]["dmi_grants"], 1);
}

TEST(SharedBus, DmiRangeIsClippedToTheWindowAndOffsetsKept) {
  Bench t;
  t.a.dmi_end = 0xffff;  // target claims more than the bus maps
  tlm::tlm_dmi dmi;
  ASSERT_TRUE(t.i0.dmi(0x1000, dmi));
  EXPECT_EQ(dmi.get_start_address(), 0x1000u);
  EXPECT_EQ(dmi.get_end_address(), 0x1fffu);
  t.a.dmi_start = 0x100;
  t.a.dmi_end = 0x1ff;
  tlm::tlm_dmi sub;
  ASSERT_TRUE(t.i0.dmi(0x1180, sub));
  EXPECT_EQ(sub.get_start_address(), 0x1100u);
  EXPECT_EQ(sub.get_end_address(), 0x11ffu);
}

TEST(SharedBus, DeniedDmiRangeIsTranslatedToo) {
  Bench t;
  t.b.dmi_grant = false;
  t.b.dmi_start = 0;
  t.b.dmi_end = ~uint64_t{0};
  tlm::tlm_dmi dmi;
  EXPECT_FALSE(t.i0.dmi(0x10000020, dmi));
  EXPECT_TRUE(dmi.is_none_allowed());
  EXPECT_EQ(dmi.get_start_address(), Bench::kBBase);
  EXPECT_EQ(dmi.get_end_address(), Bench::kBBase + Bench::kBSize - 1);
  EXPECT_EQ(t.stats()["initiators"]["cpu"]["dmi_grants"], 0);
}

// A denied DMI range tells the initiator where it need not ask again
// (IEEE 1666-2011, 11.2.8): for a hole in the map it must contain the
// requested address and must not cover mapped, DMI-capable targets.
TEST(SharedBus, DmiDeniedForUnmappedAddressCoversOnlyTheHole) {
  Bench t;
  tlm::tlm_dmi dmi;
  EXPECT_FALSE(t.i0.dmi(0x5000, dmi));
  EXPECT_TRUE(dmi.is_none_allowed());
  EXPECT_LE(dmi.get_start_address(), 0x5000u);
  EXPECT_GE(dmi.get_end_address(), 0x5000u);
  EXPECT_GE(dmi.get_start_address(), Bench::kABase + Bench::kASize)
      << "denial range covers target 'a'";
  EXPECT_LT(dmi.get_end_address(), Bench::kBBase) << "denial range covers target 'b'";
}

TEST(SharedBus, AllowDmiFalseDeniesDmiAndClearsTheHint) {
  SharedBus::Config c = Bench::default_config();
  c.allow_dmi = false;
  Bench t(c);
  tlm::tlm_dmi dmi;
  EXPECT_FALSE(t.i0.dmi(0x1000, dmi));
  EXPECT_TRUE(dmi.is_none_allowed());
  EXPECT_TRUE(t.a.dmi_addresses.empty()) << "request should not reach the target";
  EXPECT_FALSE(t.i0.read(0x1000).dmi_allowed);
}

TEST(SharedBus, DmiHintIsForwardedWhenAllowed) {
  Bench t;
  EXPECT_TRUE(t.i0.read(0x1000).dmi_allowed);
  t.a.dmi_hint = false;
  EXPECT_FALSE(t.i0.read(0x1000).dmi_allowed);
}

// ---------------------------------------------------------------- debug, invalidation

TEST(SharedBus, TransportDbgIsTranslated) {
  Bench t;
  EXPECT_EQ(t.i0.dbg(0x1ff0, 8), 8u);
  EXPECT_EQ(t.i0.dbg(0x10000004, 4), 4u);
  ASSERT_EQ(t.a.dbg_addresses.size(), 1u);
  EXPECT_EQ(t.a.dbg_addresses[0], 0xff0u);
  ASSERT_EQ(t.b.dbg_addresses.size(), 1u);
  EXPECT_EQ(t.b.dbg_addresses[0], 0x4u);
  tlm::tlm_response_status st;
  EXPECT_EQ(t.i0.dbg(0x3000, 4, &st), 0u);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(t.i0.dbg(0x1ffe, 4, &st), 0u) << "straddles the end of 'a'";
  EXPECT_TRUE(t.a.seen.empty()) << "debug accesses are not timed transactions";
  EXPECT_EQ(t.stats()["busy_ps"], 0);
}

TEST(SharedBus, InvalidationIsTranslatedAndBroadcast) {
  Bench t;
  t.a.invalidate(0x10, 0x20);
  ASSERT_EQ(t.i0.invalidations.size(), 1u);
  ASSERT_EQ(t.i1.invalidations.size(), 1u);
  EXPECT_EQ(t.i0.invalidations[0], std::make_pair(uint64_t{0x1010}, uint64_t{0x1020}));
  EXPECT_EQ(t.i1.invalidations[0], std::make_pair(uint64_t{0x1010}, uint64_t{0x1020}));
  t.b.invalidate(0, ~uint64_t{0});  // "everything": clipped to b's window
  ASSERT_EQ(t.i0.invalidations.size(), 2u);
  EXPECT_EQ(t.i0.invalidations[1],
            std::make_pair(Bench::kBBase, Bench::kBBase + Bench::kBSize - 1));
  t.b.invalidate(0x100, 0x200);  // outside b's window: nothing to invalidate
  EXPECT_EQ(t.i0.invalidations.size(), 2u);
}

TEST(SharedBus, InvalidationOfATargetMappedTwiceCoversBothWindows) {
  SharedBus bus("bus", Bench::default_config());
  ProbeInitiator i("i");
  ProbeTarget a("a");
  i.socket.bind(bus.target_socket);
  bus.initiator_socket.bind(a.socket);
  bus.map(0, 0x1000, 0x1000, "low");
  bus.map(0, 0x8000, 0x1000, "alias");
  sc_start(SC_ZERO_TIME);
  a.invalidate(0x40, 0x7f);
  ASSERT_EQ(i.invalidations.size(), 2u);
  EXPECT_EQ(i.invalidations[0], std::make_pair(uint64_t{0x1040}, uint64_t{0x107f}));
  EXPECT_EQ(i.invalidations[1], std::make_pair(uint64_t{0x8040}, uint64_t{0x807f}));
  EXPECT_EQ(i.read(0x8004).status, tlm::TLM_OK_RESPONSE);
  ASSERT_EQ(a.seen.size(), 1u);
  EXPECT_EQ(a.seen[0].address, 0x4u);
}

// ---------------------------------------------------------------- stats

TEST(SharedBus, StatsCountTransactionsPerInitiatorAndTarget) {
  Bench t;
  t.i0.read(0x1000, 4);
  t.i0.write(0x1004, 8);
  t.i1.read(0x10000000, 2);
  t.i1.read(0x10000000, 16);
  const auto st = t.stats();
  EXPECT_EQ(st["initiators"]["cpu"]["transactions"], 2);
  EXPECT_EQ(st["initiators"]["cpu"]["reads"], 1);
  EXPECT_EQ(st["initiators"]["cpu"]["writes"], 1);
  EXPECT_EQ(st["initiators"]["cpu"]["bytes"], 12);
  EXPECT_EQ(st["initiators"]["dma"]["transactions"], 2);
  EXPECT_EQ(st["initiators"]["dma"]["bytes"], 18);
  EXPECT_EQ(st["targets"]["a"]["transactions"], 2);
  EXPECT_EQ(st["targets"]["a"]["bytes"], 12);
  EXPECT_EQ(st["targets"]["b"]["transactions"], 2);
  EXPECT_EQ(st["targets"]["b"]["base"], Bench::kBBase);
  EXPECT_EQ(st["targets"]["b"]["size"], Bench::kBSize);
  EXPECT_EQ(st["busy_ps"], 3 * kBeat + 30000);
  EXPECT_EQ(st["width_bytes"], 8);
}

}  // namespace
