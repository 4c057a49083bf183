// RegisterBank edge cases: declaration checks, sub-word access, access
// policies, callbacks and the TLM error responses. The bank is plain C++, so
// these tests drive it with payloads directly, no simulation needed.
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/register_bank.h"

using hpvp::RegAccess;
using hpvp::RegisterBank;
using hpvp::RegisterSpec;

namespace {

RegisterSpec spec(const std::string& name, uint64_t offset, unsigned width,
                  RegAccess access = RegAccess::ReadWrite, uint64_t reset = 0) {
  RegisterSpec s;
  s.name = name;
  s.offset = offset;
  s.width = width;
  s.access = access;
  s.reset = reset;
  return s;
}

struct Access {
  tlm::tlm_response_status status;
  uint64_t data;
  bool hit;
};

Access access(RegisterBank& bank, tlm::tlm_command cmd, uint64_t addr, unsigned len,
              uint64_t data = 0, bool debug = false) {
  tlm::tlm_generic_payload tx;
  unsigned char buf[16] = {};
  std::memcpy(buf, &data, sizeof data);
  tx.set_command(cmd);
  tx.set_address(addr);
  tx.set_data_ptr(buf);
  tx.set_data_length(len);
  tx.set_streaming_width(len);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const bool hit = bank.access(tx, debug);
  uint64_t out = 0;
  std::memcpy(&out, buf, sizeof out);
  if (len < 8) out &= (uint64_t{1} << (8 * len)) - 1;
  return {tx.get_response_status(), out, hit};
}

uint64_t rd(RegisterBank& bank, uint64_t addr, unsigned len) {
  const Access a = access(bank, tlm::TLM_READ_COMMAND, addr, len);
  EXPECT_EQ(a.status, tlm::TLM_OK_RESPONSE) << "read at 0x" << std::hex << addr;
  return a.data;
}

void wr(RegisterBank& bank, uint64_t addr, unsigned len, uint64_t value) {
  const Access a = access(bank, tlm::TLM_WRITE_COMMAND, addr, len, value);
  EXPECT_EQ(a.status, tlm::TLM_OK_RESPONSE) << "write at 0x" << std::hex << addr;
}

}  // namespace

TEST(RegisterBank, RejectsOverlapDuplicateNameAndBadWidth) {
  RegisterBank bank("dev");
  bank.add(spec("a", 0x0, 4));
  bank.add(spec("b", 0x8, 8));
  EXPECT_THROW(bank.add(spec("c", 0x2, 4)), std::logic_error);   // overlaps a
  EXPECT_THROW(bank.add(spec("c", 0xc, 1)), std::logic_error);   // inside b
  EXPECT_THROW(bank.add(spec("c", 0x6, 4)), std::logic_error);   // straddles into b
  EXPECT_THROW(bank.add(spec("a", 0x20, 4)), std::logic_error);  // duplicate name
  EXPECT_THROW(bank.add(spec("c", 0x20, 3)), std::logic_error);  // width 3
  EXPECT_THROW(bank.add(spec("c", 0x20, 16)), std::logic_error);
  bank.add(spec("c", 0x4, 4));  // exactly fills the gap: fine
  EXPECT_EQ(bank.size(), 3u);
}

TEST(RegisterBank, ResetValuesAreTruncatedToWidth) {
  RegisterBank bank("dev");
  bank.add(spec("byte", 0x0, 1, RegAccess::ReadWrite, 0x1ff));
  bank.add(spec("quad", 0x8, 8, RegAccess::ReadWrite, ~uint64_t{0}));
  EXPECT_EQ(rd(bank, 0x0, 1), 0xffu);
  EXPECT_EQ(rd(bank, 0x8, 8), ~uint64_t{0});
  wr(bank, 0x0, 1, 0x12);
  bank.reset();
  EXPECT_EQ(bank.get("byte"), 0xffu);
}

TEST(RegisterBank, SubWordReadsAndWrites) {
  RegisterBank bank("dev");
  bank.add(spec("r32", 0x0, 4, RegAccess::ReadWrite, 0x44332211));
  bank.add(spec("r64", 0x8, 8, RegAccess::ReadWrite, 0x8877665544332211ull));
  EXPECT_EQ(rd(bank, 0x0, 1), 0x11u);
  EXPECT_EQ(rd(bank, 0x1, 1), 0x22u);
  EXPECT_EQ(rd(bank, 0x2, 2), 0x4433u);
  EXPECT_EQ(rd(bank, 0x1, 2), 0x3322u);  // unaligned but inside the register
  EXPECT_EQ(rd(bank, 0xc, 4), 0x88776655u);
  wr(bank, 0x3, 1, 0xaa);
  EXPECT_EQ(bank.get("r32"), 0xaa332211u);
  wr(bank, 0xc, 4, 0xdeadbeef);  // high half of a 64-bit register
  EXPECT_EQ(bank.get("r64"), 0xdeadbeef44332211ull);
  wr(bank, 0x8, 4, 0x01020304);
  EXPECT_EQ(rd(bank, 0x8, 8), 0xdeadbeef01020304ull);
}

TEST(RegisterBank, HolesAndOverrunsGiveAddressError) {
  RegisterBank bank("dev");
  bank.add(spec("a", 0x4, 4));
  bank.add(spec("b", 0x10, 2));
  const struct {
    uint64_t addr;
    unsigned len;
  } misses[] = {
      {0x0, 4},                    // before the first register
      {0x8, 4},                    // hole
      {0x2, 4},                    // starts in a hole, ends in a
      {0x6, 4},                    // starts in a, runs past its end
      {0x4, 8},                    // wider than a
      {0x11, 2},                   // runs past b
      {0x12, 1},                   // after the last register
      {0x4, 0},                    // zero length
      {0x4, 16},                   // longer than any register
      {0xfffffffffffffffeull, 4},  // would wrap around 2^64 into b
      {0xfffffffffffffffcull, 8},
  };
  for (const auto& m : misses) {
    for (auto cmd : {tlm::TLM_READ_COMMAND, tlm::TLM_WRITE_COMMAND}) {
      const Access a = access(bank, cmd, m.addr, m.len, 0x5a5a);
      EXPECT_EQ(a.status, tlm::TLM_ADDRESS_ERROR_RESPONSE)
          << "0x" << std::hex << m.addr << " len " << std::dec << m.len;
      EXPECT_FALSE(a.hit);
    }
  }
  EXPECT_EQ(bank.get("a"), 0u);  // no miss wrote anything
  EXPECT_EQ(bank.get("b"), 0u);
}

TEST(RegisterBank, ByteEnablesAndStreamingAreRejected) {
  RegisterBank bank("dev");
  bank.add(spec("a", 0x0, 4));
  unsigned char buf[4] = {1, 2, 3, 4};
  unsigned char be[4] = {0xff, 0, 0xff, 0};
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_WRITE_COMMAND);
  tx.set_address(0);
  tx.set_data_ptr(buf);
  tx.set_data_length(4);
  tx.set_streaming_width(4);
  tx.set_byte_enable_ptr(be);
  tx.set_byte_enable_length(4);
  EXPECT_FALSE(bank.access(tx));
  EXPECT_EQ(tx.get_response_status(), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  tx.set_byte_enable_ptr(nullptr);
  tx.set_streaming_width(1);
  EXPECT_FALSE(bank.access(tx));
  EXPECT_EQ(tx.get_response_status(), tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(bank.get("a"), 0u);
}

TEST(RegisterBank, ReadOnlyIgnoresWritesWithOkResponse) {
  RegisterBank bank("dev");
  int writes_seen = 0;
  auto ro = spec("status", 0x0, 4, RegAccess::ReadOnly, 0xcafe);
  ro.after_write = [&](uint64_t, uint64_t) { ++writes_seen; };
  bank.add(ro);
  wr(bank, 0x0, 4, 0x1234);
  EXPECT_EQ(rd(bank, 0x0, 4), 0xcafeu);
  EXPECT_EQ(writes_seen, 0);  // no write happened, so no callback
}

TEST(RegisterBank, WriteOnlyReadsZero) {
  RegisterBank bank("dev");
  bank.add(spec("cmd", 0x0, 4, RegAccess::WriteOnly));
  wr(bank, 0x0, 4, 0x77);
  EXPECT_EQ(rd(bank, 0x0, 4), 0u);
  EXPECT_EQ(bank.get("cmd"), 0x77u);  // stored for the model
}

TEST(RegisterBank, WriteOneToClear) {
  RegisterBank bank("dev");
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  auto w1c = spec("irq_status", 0x0, 4, RegAccess::WriteOneToClear, 0xf0f0);
  w1c.after_write = [&](uint64_t v, uint64_t prev) { seen.emplace_back(v, prev); };
  bank.add(w1c);
  wr(bank, 0x0, 4, 0x0000);  // zeros change nothing
  EXPECT_EQ(rd(bank, 0x0, 4), 0xf0f0u);
  wr(bank, 0x0, 4, 0x1010);
  EXPECT_EQ(rd(bank, 0x0, 4), 0xe0e0u);
  wr(bank, 0x1, 1, 0xff);  // sub-word: clears only byte 1
  EXPECT_EQ(rd(bank, 0x0, 4), 0x00e0u);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1], std::make_pair(uint64_t{0xe0e0}, uint64_t{0xf0f0}));
}

TEST(RegisterBank, WriteMaskKeepsReservedBits) {
  RegisterBank bank("dev");
  auto r = spec("ctrl", 0x0, 4, RegAccess::ReadWrite, 0x80000000u);
  r.write_mask = 0x0000ffff;
  bank.add(r);
  wr(bank, 0x0, 4, 0xffffffff);
  EXPECT_EQ(rd(bank, 0x0, 4), 0x8000ffffu);
  wr(bank, 0x0, 4, 0);
  EXPECT_EQ(rd(bank, 0x0, 4), 0x80000000u);
}

TEST(RegisterBank, ReadCallbackAndAfterReadSkippedForDebug) {
  RegisterBank bank("dev");
  int pops = 0;
  auto fifo = spec("fifo", 0x0, 4, RegAccess::ReadOnly);
  fifo.read = [&](uint64_t) { return uint64_t(100 + pops); };
  fifo.after_read = [&] { ++pops; };
  bank.add(fifo);
  EXPECT_EQ(access(bank, tlm::TLM_READ_COMMAND, 0x0, 4, 0, true).data, 100u);
  EXPECT_EQ(pops, 0);  // a debug read has no side effect
  EXPECT_EQ(rd(bank, 0x0, 4), 100u);
  EXPECT_EQ(rd(bank, 0x0, 4), 101u);
  EXPECT_EQ(rd(bank, 0x2, 1), 0u);  // byte 2 of 102
  EXPECT_EQ(pops, 3);
}

TEST(RegisterBank, AfterWriteSeesNewAndPreviousValue) {
  RegisterBank bank("dev");
  uint64_t got_new = 0, got_prev = 0;
  auto r = spec("r", 0x0, 8, RegAccess::ReadWrite, 0x1111);
  r.after_write = [&](uint64_t v, uint64_t prev) {
    got_new = v;
    got_prev = prev;
  };
  bank.add(r);
  wr(bank, 0x4, 4, 0x2);
  EXPECT_EQ(got_new, 0x0000000200001111ull);
  EXPECT_EQ(got_prev, 0x1111u);
}

TEST(RegisterBank, GetSetByName) {
  RegisterBank bank("dev");
  bank.add(spec("b", 0x0, 1));
  bank.set("b", 0x1ff);  // truncated to the width
  EXPECT_EQ(bank.get("b"), 0xffu);
  EXPECT_THROW(bank.get("nope"), std::out_of_range);
  EXPECT_THROW(bank.set("nope", 1), std::out_of_range);
}
