// Rv32Core executing hand-assembled machine code from a DMI SRAM behind a
// SharedBus (core_test_harness.h). Expected values come from the RISC-V
// unprivileged spec (v20191213) and the privileged spec v1.12 (M-mode), and
// the timing expectations from Rv32Core::Config and the memory/bus timing of
// the harness (a DMI word access costs exactly 3 core cycles).
#include "cpu/rv32_core.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core_test_harness.h"

using hpvp::Rv32Core;
using hpvp::test::CoreHarness;
using hpvp::test::Program;
using sc_core::SC_MS;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::sc_start;
using sc_core::sc_time;
using namespace hpvp::test::rv;
namespace cause = hpvp::rv32_cause;

namespace {

using H = CoreHarness;

constexpr uint32_t kMstatusMie = 1u << 3;
constexpr uint32_t kMstatusMpie = 1u << 7;
constexpr uint32_t kMstatusMppM = 3u << 11;
constexpr uint32_t kMsi = 1u << 3, kMti = 1u << 7, kMei = 1u << 11;

uint64_t ps(const sc_time& t) { return t.value() / sc_time(1, sc_core::SC_PS).value(); }

// Loads `p`, installs the halting trap handler and runs for `t`.
void run(H& h, Program& p, sc_time t = sc_time(1, SC_MS)) {
  h.install_halt_handler();
  h.load(p);
  sc_start(t);
}

// ---------------------------------------------------------------- ALU tables

// `insn` computes t0 from t1 (= a) and t2 (= b).
struct AluCase {
  uint32_t insn;
  uint32_t a, b, expected;
  const char* text;
};

void run_alu_cases(const std::vector<AluCase>& cases) {
  ASSERT_LE(cases.size(), 500u);
  H h;
  Program p = H::start();
  p.li(s0, H::kData);
  for (size_t i = 0; i < cases.size(); ++i) {
    p.li(t1, cases[i].a).li(t2, cases[i].b).li(t0, 0xdeadbeef);
    p.op(cases[i].insn).op(sw(t0, s0, static_cast<int32_t>(4 * i)));
  }
  p.halt();
  run(h, p);
  EXPECT_FALSE(h.core.last_trap().has_value());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(h.ram32(H::kData + 4 * static_cast<uint32_t>(i)), cases[i].expected)
        << cases[i].text << " with a=0x" << std::hex << cases[i].a << " b=0x" << cases[i].b;
  }
}

TEST(Rv32Core, ImmediateAlu) {
  run_alu_cases({
      {addi(t0, t1, -1), 0, 0, 0xffffffff, "addi -1"},
      {addi(t0, t1, 2047), 0x7fffffff, 0, 0x800007fe, "addi 2047 (wraps)"},
      {addi(t0, t1, -2048), 0x800, 0, 0, "addi -2048"},
      {slti(t0, t1, -4), static_cast<uint32_t>(-5), 0, 1, "slti -5 < -4"},
      {slti(t0, t1, -4), static_cast<uint32_t>(-4), 0, 0, "slti -4 < -4"},
      {slti(t0, t1, -4), 5, 0, 0, "slti 5 < -4"},
      {sltiu(t0, t1, -1), 5, 0, 1, "sltiu 5 < 0xffffffff (imm sign-extended)"},
      {sltiu(t0, t1, -1), 0xffffffff, 0, 0, "sltiu max < max"},
      {sltiu(t0, t1, 1), 0, 0, 1, "seqz 0"},
      {sltiu(t0, t1, 1), 1, 0, 0, "seqz 1"},
      {xori(t0, t1, -1), 0x12345678, 0, 0xedcba987, "not"},
      {xori(t0, t1, 0x7ff), 0xffffffff, 0, 0xfffff800, "xori 0x7ff"},
      {ori(t0, t1, -2048), 1, 0, 0xfffff801, "ori -2048"},
      {andi(t0, t1, -16), 0x12345678, 0, 0x12345670, "andi -16"},
      {andi(t0, t1, 0x7ff), 0xffffffff, 0, 0x7ff, "andi 0x7ff"},
      {slli(t0, t1, 4), 0x12345678, 0, 0x23456780, "slli 4"},
      {slli(t0, t1, 31), 3, 0, 0x80000000, "slli 31"},
      {slli(t0, t1, 0), 0x89abcdef, 0, 0x89abcdef, "slli 0"},
      {srli(t0, t1, 1), 0x80000001, 0, 0x40000000, "srli 1"},
      {srli(t0, t1, 31), 0x80000000, 0, 1, "srli 31"},
      {srai(t0, t1, 1), 0x80000001, 0, 0xc0000000, "srai 1"},
      {srai(t0, t1, 31), 0x80000000, 0, 0xffffffff, "srai 31"},
      {srai(t0, t1, 0), 0x80000000, 0, 0x80000000, "srai 0"},
      {srai(t0, t1, 4), 0x7ffffff0, 0, 0x07ffffff, "srai 4 positive"},
  });
}

TEST(Rv32Core, RegisterAlu) {
  run_alu_cases({
      {add(t0, t1, t2), 0xffffffff, 1, 0, "add wraps"},
      {add(t0, t1, t2), 0x7fffffff, 1, 0x80000000, "add overflow"},
      {sub(t0, t1, t2), 0, 1, 0xffffffff, "sub borrow"},
      {sub(t0, t1, t2), 0x80000000, 1, 0x7fffffff, "sub overflow"},
      {sll(t0, t1, t2), 1, 33, 2, "sll uses rs2[4:0]"},
      {sll(t0, t1, t2), 1, 31, 0x80000000, "sll 31"},
      {sll(t0, t1, t2), 0xffffffff, 0xffffffe0, 0xffffffff, "sll by 32 -> by 0"},
      {srl(t0, t1, t2), 0x80000000, 31, 1, "srl 31"},
      {srl(t0, t1, t2), 0x80000000, 32, 0x80000000, "srl by 32 -> by 0"},
      {srl(t0, t1, t2), 0x80000000, 0xffffffff, 1, "srl by -1 -> by 31"},
      {sra(t0, t1, t2), 0x80000000, 31, 0xffffffff, "sra 31"},
      {sra(t0, t1, t2), 0x80000000, 0xffffffe1, 0xc0000000, "sra rs2[4:0]=1"},
      {sra(t0, t1, t2), 0x40000000, 1, 0x20000000, "sra positive"},
      {slt(t0, t1, t2), 0xffffffff, 0, 1, "slt -1 < 0"},
      {slt(t0, t1, t2), 0, 0xffffffff, 0, "slt 0 < -1"},
      {slt(t0, t1, t2), 5, 5, 0, "slt equal"},
      {slt(t0, t1, t2), 0x80000000, 0x7fffffff, 1, "slt min < max"},
      {sltu(t0, t1, t2), 0xffffffff, 0, 0, "sltu max < 0"},
      {sltu(t0, t1, t2), 0, 0xffffffff, 1, "sltu 0 < max"},
      {sltu(t0, t1, t2), 5, 5, 0, "sltu equal"},
      {sltu(t0, t1, t2), 0x7fffffff, 0x80000000, 1, "sltu"},
      {sltu(t0, zero, t2), 0, 7, 1, "snez"},
      {xor_(t0, t1, t2), 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0, "xor"},
      {or_(t0, t1, t2), 0xff00ff00, 0x0ff00ff0, 0xfff0fff0, "or"},
      {and_(t0, t1, t2), 0xff00ff00, 0x0ff00ff0, 0x0f000f00, "and"},
      {add(t0, t1, t1), 0x40000000, 0, 0x80000000, "add rs1 == rs2"},
  });
}

TEST(Rv32Core, Multiply) {
  run_alu_cases({
      {mul(t0, t1, t2), 0x7fffffff, 2, 0xfffffffe, "mul"},
      {mul(t0, t1, t2), 0xfffffffd, 5, 0xfffffff1, "mul -3*5"},
      {mul(t0, t1, t2), 0x80000000, 0xffffffff, 0x80000000, "mul min*-1"},
      {mul(t0, t1, t2), 0x12345678, 0x9abcdef0, 0x242d2080, "mul low word"},
      {mulh(t0, t1, t2), 0xffffffff, 0xffffffff, 0, "mulh -1*-1"},
      {mulh(t0, t1, t2), 0x80000000, 0x80000000, 0x40000000, "mulh min*min"},
      {mulh(t0, t1, t2), 0xfffffffe, 3, 0xffffffff, "mulh -2*3"},
      {mulh(t0, t1, t2), 0x7fffffff, 0x7fffffff, 0x3fffffff, "mulh max*max"},
      {mulh(t0, t1, t2), 0x80000000, 0x7fffffff, 0xc0000000, "mulh min*max"},
      {mulh(t0, t1, t2), 0x12345678, 0x9abcdef0, 0xf8cc93d6, "mulh mixed"},
      {mulhsu(t0, t1, t2), 0xffffffff, 0xffffffff, 0xffffffff, "mulhsu -1*(2^32-1)"},
      {mulhsu(t0, t1, t2), 0x80000000, 0xffffffff, 0x80000000, "mulhsu min*(2^32-1)"},
      {mulhsu(t0, t1, t2), 2, 0x80000000, 1, "mulhsu rs2 is unsigned"},
      {mulhsu(t0, t1, t2), 0xfffffffe, 1, 0xffffffff, "mulhsu rs1 is signed"},
      {mulhsu(t0, t1, t2), 0x7fffffff, 0x80000000, 0x3fffffff, "mulhsu max*2^31"},
      {mulhsu(t0, t1, t2), 0, 0xffffffff, 0, "mulhsu 0"},
      {mulhsu(t0, t1, t2), 0x12345678, 0x9abcdef0, 0x0b00ea4e, "mulhsu mixed"},
      {mulhu(t0, t1, t2), 0xffffffff, 0xffffffff, 0xfffffffe, "mulhu max*max"},
      {mulhu(t0, t1, t2), 0x80000000, 2, 1, "mulhu"},
      {mulhu(t0, t1, t2), 0x80000000, 0x80000000, 0x40000000, "mulhu 2^31*2^31"},
      {mulhu(t0, t1, t2), 0x12345678, 0x9abcdef0, 0x0b00ea4e, "mulhu mixed"},
  });
}

// Unprivileged spec table 7.1: division by zero and signed overflow.
TEST(Rv32Core, DivideIncludingByZeroAndOverflow) {
  run_alu_cases({
      {div(t0, t1, t2), 7, 2, 3, "div"},
      {div(t0, t1, t2), static_cast<uint32_t>(-7), 2, static_cast<uint32_t>(-3), "div rounds to zero"},
      {div(t0, t1, t2), 7, static_cast<uint32_t>(-2), static_cast<uint32_t>(-3), "div 7/-2"},
      {div(t0, t1, t2), static_cast<uint32_t>(-7), static_cast<uint32_t>(-2), 3, "div -7/-2"},
      {div(t0, t1, t2), 5, 0, 0xffffffff, "div by zero -> -1"},
      {div(t0, t1, t2), 0, 0, 0xffffffff, "div 0/0 -> -1"},
      {div(t0, t1, t2), 0x80000000, 0xffffffff, 0x80000000, "div overflow -> INT_MIN"},
      {divu(t0, t1, t2), 7, 2, 3, "divu"},
      {divu(t0, t1, t2), 0xfffffffe, 2, 0x7fffffff, "divu large"},
      {divu(t0, t1, t2), 5, 0, 0xffffffff, "divu by zero -> 2^32-1"},
      {divu(t0, t1, t2), 0x80000000, 0xffffffff, 0, "divu"},
      {rem(t0, t1, t2), 7, 2, 1, "rem"},
      {rem(t0, t1, t2), static_cast<uint32_t>(-7), 2, static_cast<uint32_t>(-1), "rem sign of dividend"},
      {rem(t0, t1, t2), 7, static_cast<uint32_t>(-2), 1, "rem 7%-2"},
      {rem(t0, t1, t2), static_cast<uint32_t>(-7), static_cast<uint32_t>(-2), static_cast<uint32_t>(-1), "rem -7%-2"},
      {rem(t0, t1, t2), 5, 0, 5, "rem by zero -> dividend"},
      {rem(t0, t1, t2), static_cast<uint32_t>(-5), 0, static_cast<uint32_t>(-5), "rem -5 by zero"},
      {rem(t0, t1, t2), 0x80000000, 0xffffffff, 0, "rem overflow -> 0"},
      {remu(t0, t1, t2), 7, 2, 1, "remu"},
      {remu(t0, t1, t2), 0xffffffff, 0x10, 0xf, "remu"},
      {remu(t0, t1, t2), 5, 0, 5, "remu by zero -> dividend"},
      {remu(t0, t1, t2), 0x80000000, 0xffffffff, 0x80000000, "remu"},
  });
}

TEST(Rv32Core, LuiAuipc) {
  H h;
  Program p = H::start();
  p.op(lui(a0, 0xfffff000));
  p.op(lui(a1, 0x12345000));
  const uint32_t at = p.here();
  p.op(auipc(a2, 0x1000));
  p.op(auipc(a3, 0x80000000));  // wraps around the address space
  p.op(auipc(a4, 0));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), 0xfffff000u);
  EXPECT_EQ(h.core.reg(a1), 0x12345000u);
  EXPECT_EQ(h.core.reg(a2), at + 0x1000);
  EXPECT_EQ(h.core.reg(a3), at + 4 + 0x80000000u);
  EXPECT_EQ(h.core.reg(a4), at + 8);
}

TEST(Rv32Core, JalAndJalrLinkAndTarget) {
  H h;
  Program p = H::start();
  const uint32_t jal_at = p.here();
  p.op(jal(ra, 8));
  p.op(addi(a0, zero, 1));  // skipped
  // jalr to an odd address: bit 0 of the target is cleared.
  const uint32_t li_at = p.here();
  const uint32_t target = li_at + 8 + 4 + 4;  // after li, jalr and the skipped addi
  p.li(t1, target + 1);
  const uint32_t jalr_at = p.here();
  p.op(jalr(a1, t1, 0));
  p.op(addi(a0, zero, 2));  // skipped
  EXPECT_EQ(p.here(), target);
  // jalr with rd == rs1 links after reading the base, and a negative offset.
  p.li(t2, p.here() + 8 + 4 + 4 + 4);  // 4 bytes past the landing point
  const uint32_t jalr2_at = p.here();
  p.op(jalr(t2, t2, -4));
  p.op(addi(a0, zero, 3));  // skipped
  p.op(addi(a2, zero, 7));  // landing point
  // jal backwards and forwards with x0 (plain jump).
  p.op(jal(zero, 8));
  const uint32_t back = p.here();
  p.op(jal(zero, 8));  // jumps over the next
  p.op(jal(zero, -4));  // -> back... never reached directly
  p.op(addi(a3, zero, 9));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(ra), jal_at + 4);
  EXPECT_EQ(h.core.reg(a1), jalr_at + 4);
  EXPECT_EQ(h.core.reg(t2), jalr2_at + 4);
  EXPECT_EQ(h.core.reg(a0), 0u) << "a skipped instruction executed";
  EXPECT_EQ(h.core.reg(a2), 7u);
  EXPECT_EQ(h.core.reg(a3), 9u);
  (void)back;
  EXPECT_FALSE(h.core.last_trap().has_value());
}

struct BranchCase {
  uint32_t (*enc)(uint32_t, uint32_t, int32_t);
  uint32_t a, b;
  bool taken;
  const char* text;
};

TEST(Rv32Core, BranchesSignedAndUnsigned) {
  const std::vector<BranchCase> cases = {
      {beq, 5, 5, true, "beq equal"},
      {beq, 5, 6, false, "beq different"},
      {bne, 5, 5, false, "bne equal"},
      {bne, 5, 6, true, "bne different"},
      {blt, 0xffffffff, 1, true, "blt -1 < 1"},
      {blt, 1, 0xffffffff, false, "blt 1 < -1"},
      {blt, 3, 3, false, "blt equal"},
      {bge, 0xffffffff, 1, false, "bge -1 >= 1"},
      {bge, 1, 0xffffffff, true, "bge 1 >= -1"},
      {bge, 3, 3, true, "bge equal"},
      {bltu, 0xffffffff, 1, false, "bltu max < 1"},
      {bltu, 1, 0xffffffff, true, "bltu 1 < max"},
      {bltu, 3, 3, false, "bltu equal"},
      {bgeu, 0xffffffff, 1, true, "bgeu max >= 1"},
      {bgeu, 1, 0xffffffff, false, "bgeu 1 >= max"},
      {bgeu, 3, 3, true, "bgeu equal"},
      {blt, 0x80000000, 0x7fffffff, true, "blt min < max"},
      {bltu, 0x80000000, 0x7fffffff, false, "bltu 2^31 < 2^31-1"},
  };
  H h;
  Program p = H::start();
  p.li(s0, H::kData);
  for (size_t i = 0; i < cases.size(); ++i) {
    p.li(t1, cases[i].a).li(t2, cases[i].b);
    p.op(addi(t0, zero, 1));            // assume taken
    p.op(cases[i].enc(t1, t2, 8));      // taken: skip the next instruction
    p.op(addi(t0, zero, 0));            // not taken
    p.op(sw(t0, s0, static_cast<int32_t>(4 * i)));
  }
  // A backward branch (loop of 3).
  p.op(addi(a0, zero, 3)).op(addi(a1, zero, 0));
  p.op(addi(a1, a1, 1)).op(addi(a0, a0, -1)).op(bne(a0, zero, -8));
  p.halt();
  run(h, p);
  for (size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(h.ram32(H::kData + 4 * static_cast<uint32_t>(i)), cases[i].taken ? 1u : 0u)
        << cases[i].text;
  EXPECT_EQ(h.core.reg(a1), 3u);
}

TEST(Rv32Core, LoadsSignAndZeroExtend) {
  H h;
  h.set_ram32(H::kData, 0x80f17f01);  // bytes 01 7f f1 80
  Program p = H::start();
  p.li(s0, H::kData).li(s1, H::kData + 8).li(s2, H::kData + 0x100);
  const std::vector<std::pair<uint32_t, uint32_t>> loads = {
      {lb(t0, s0, 0), 0x00000001},  {lb(t0, s0, 1), 0x0000007f},  {lb(t0, s0, 2), 0xfffffff1},
      {lb(t0, s0, 3), 0xffffff80},  {lbu(t0, s0, 2), 0x000000f1}, {lbu(t0, s0, 3), 0x00000080},
      {lh(t0, s0, 0), 0x00007f01},  {lh(t0, s0, 2), 0xffff80f1},  {lhu(t0, s0, 2), 0x000080f1},
      {lhu(t0, s0, 0), 0x00007f01}, {lw(t0, s0, 0), 0x80f17f01},  {lw(t0, s1, -8), 0x80f17f01},
      {lb(t0, s1, -5), 0xffffff80},
  };
  for (size_t i = 0; i < loads.size(); ++i)
    p.li(t0, 0xdeadbeef).op(loads[i].first).op(sw(t0, s2, static_cast<int32_t>(4 * i)));
  p.halt();
  run(h, p);
  for (size_t i = 0; i < loads.size(); ++i)
    EXPECT_EQ(h.ram32(H::kData + 0x100 + 4 * static_cast<uint32_t>(i)), loads[i].second)
        << "load #" << i;
}

TEST(Rv32Core, StoresWriteOnlyTheirBytes) {
  H h;
  h.set_ram32(H::kData + 16, 0x11223344);
  h.set_ram32(H::kData + 20, 0x55667788);
  h.set_ram32(H::kData + 24, 0x99aabbcc);
  Program p = H::start();
  p.li(s0, H::kData);
  p.li(t0, 0x123456ab).op(sb(t0, s0, 17));   // only 0xab
  p.li(t0, 0xffffbeef).op(sh(t0, s0, 22));   // only 0xbeef, upper half
  p.li(t0, 0xcafef00d).op(sw(t0, s0, 24));
  p.li(s1, H::kData + 32).li(t0, 0x5a).op(sb(t0, s1, -4));  // negative offset: +28
  p.halt();
  run(h, p);
  EXPECT_EQ(h.ram32(H::kData + 16), 0x1122ab44u);
  EXPECT_EQ(h.ram32(H::kData + 20), 0xbeef7788u);
  EXPECT_EQ(h.ram32(H::kData + 24), 0xcafef00du);
  EXPECT_EQ(h.ram32(H::kData + 28), 0x0000005au);
}

TEST(Rv32Core, X0StaysZero) {
  H h;
  h.set_ram32(H::kData, 0xffffffff);
  Program p = H::start();
  p.li(s0, H::kData).li(t1, 0x1234);
  p.op(addi(zero, zero, 5));
  p.op(lui(zero, 0x12345000));
  p.op(lw(zero, s0, 0));
  p.op(csrrw(zero, kMscratch, t1));  // x0 destination: no read, mscratch written
  p.op(csrr(zero, kMscratch));
  p.op(mul(zero, t1, t1));
  p.op(jal(zero, 4));
  p.c(c_li(zero, 3)).c(c_mv(zero, t1)).c(c_add(zero, t1)).c(c_lui(zero, 1));
  p.op(auipc(zero, 0x1000));
  p.op(add(t0, zero, zero));
  p.op(addi(t2, zero, 7));
  p.op(sw(zero, s0, 4));
  p.halt();
  h.set_ram32(H::kData + 4, 0xffffffff);
  run(h, p);
  EXPECT_EQ(h.core.reg(0), 0u);
  EXPECT_EQ(h.core.reg(t0), 0u);
  EXPECT_EQ(h.core.reg(t2), 7u);
  EXPECT_EQ(h.ram32(H::kData + 4), 0u);
  EXPECT_EQ(h.csr(kMscratch), 0x1234u);
  EXPECT_FALSE(h.core.last_trap().has_value());
}

TEST(Rv32Core, CompressedInstructionsExecute) {
  H h;
  Program p = H::start();
  p.li(s0, H::kData).li(sp, H::kData + 0x200);
  p.c(c_li(a0, -5));           // a0 = -5
  p.c(c_addi(a0, 7));          // a0 = 2
  p.c(c_mv(a1, a0));           // a1 = 2
  p.c(c_add(a1, a0));          // a1 = 4
  p.c(c_slli(a1, 3));          // a1 = 32
  p.c(c_sw(a1, s0, 4));        // mem[kData+4] = 32
  p.c(c_lw(a3, s0, 4));        // a3 = 32
  p.c(c_srli(a3, 2));          // a3 = 8
  p.c(c_li(a4, -16));
  p.c(c_srai(a4, 2));          // a4 = -4
  p.c(c_andi(a4, 0x1f));       // a4 = 28
  p.c(c_mv(a5, a3));
  p.c(c_sub(a5, a4));          // a5 = 8 - 28 = -20
  p.c(c_li(s1, 0x0c));
  p.c(c_xor(s1, a3));          // 0x0c ^ 8 = 4
  p.c(c_li(a2, 3));
  p.c(c_or(a2, s1));           // 3 | 4 = 7
  p.c(c_and(a3, a2));          // 8 & 7 = 0
  p.c(c_nop());
  p.op(addi(t3, zero, 0x11));  // 32-bit instruction at a 2-byte aligned address
  EXPECT_EQ(p.here() % 4, 2u);
  p.c(c_lui(t4, 1));           // t4 = 0x1000
  p.c(c_addi4spn(s1, 16));     // s1 = sp + 16
  p.c(c_swsp(t3, 8));          // mem[sp+8] = 0x11
  p.c(c_lwsp(t5, 8));          // t5 = 0x11
  p.c(c_addi16sp(-64));        // sp -= 64
  // c.beqz taken / c.bnez not taken
  p.c(c_li(a6, 0));
  p.c(c_li(a7, 0));
  p.c(c_beqz(s0, 4));          // s0 != 0: not taken
  p.c(c_li(a6, 1));            // executed
  p.c(c_bnez(a3, 4));          // a3 == 0: not taken
  p.c(c_li(a7, 1));            // executed
  p.c(c_li(t0, 0));
  p.c(c_beqz(a3, 4));          // taken
  p.c(c_li(t0, 1));            // skipped
  p.c(c_j(4));                 // skip
  p.c(c_li(t0, 2));            // skipped
  // c.jal / c.jr / c.jalr
  const uint32_t cjal_at = p.here();
  p.c(c_jal(6));               // -> sub, ra = cjal_at + 2
  p.c(c_j(8));                 // return lands here -> skip the sub
  p.c(c_nop());
  p.c(c_addi(s2, 1));          // sub: s2 += 1
  p.c(c_jr(ra));
  p.li(t1, p.here() + 8 + 4);  // the address after c.jalr + c.nop
  const uint32_t cjalr_at = p.here();
  p.c(c_jalr(t1));
  p.c(c_nop());                // skipped: t1 points at the next nop
  p.c(c_nop());
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), 2u);
  EXPECT_EQ(h.core.reg(a1), 32u);
  EXPECT_EQ(h.ram32(H::kData + 4), 32u);
  EXPECT_EQ(h.core.reg(a4), 28u);
  EXPECT_EQ(h.core.reg(a5), static_cast<uint32_t>(-20));
  EXPECT_EQ(h.core.reg(a2), 7u);
  EXPECT_EQ(h.core.reg(a3), 0u);
  EXPECT_EQ(h.core.reg(t3), 0x11u);
  EXPECT_EQ(h.core.reg(t4), 0x1000u);
  EXPECT_EQ(h.core.reg(s1), H::kData + 0x200 + 16);
  EXPECT_EQ(h.core.reg(t5), 0x11u);
  EXPECT_EQ(h.core.reg(sp), H::kData + 0x200 - 64);
  EXPECT_EQ(h.core.reg(a6), 1u);
  EXPECT_EQ(h.core.reg(a7), 1u);
  EXPECT_EQ(h.core.reg(t0), 0u);
  EXPECT_EQ(h.core.reg(s2), 1u);
  EXPECT_EQ(h.core.reg(ra), cjalr_at + 2);  // c.jalr links pc + 2
  (void)cjal_at;
  EXPECT_FALSE(h.core.last_trap().has_value());
}

// ---------------------------------------------------------------- CSRs

TEST(Rv32Core, IdentityCsrs) {
  H::Options o;
  o.core.hart_id = 3;
  H h(o);
  Program p = H::start();
  p.op(csrr(a0, kMisa)).op(csrr(a1, kMhartid)).op(csrr(a2, kMvendorid));
  p.op(csrr(a3, kMarchid)).op(csrr(a4, kMimpid)).op(csrr(a5, kMconfigptr));
  p.op(csrr(a6, kMstatush)).op(csrr(a7, kMstatus));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), 0x40001104u);  // MXL=1 (32-bit), I, M, C
  EXPECT_EQ(h.core.reg(a1), 3u);
  EXPECT_EQ(h.core.reg(a2), 0u);
  EXPECT_EQ(h.core.reg(a3), 0u);
  EXPECT_EQ(h.core.reg(a4), 0u);
  EXPECT_EQ(h.core.reg(a5), 0u);
  EXPECT_EQ(h.core.reg(a6), 0u);
  EXPECT_EQ(h.core.reg(a7), kMstatusMppM);  // reset: MIE=0, MPP=M
  EXPECT_FALSE(h.core.last_trap().has_value());
}

TEST(Rv32Core, CsrReadModifyWriteSemantics) {
  H h;
  Program p = H::start();
  p.li(t1, 0x12345678).op(csrrw(a0, kMscratch, t1));  // a0 = 0
  p.li(t2, 0x0000ffff).op(csrrs(a1, kMscratch, t2));  // a1 = 0x12345678 -> 0x1234ffff
  p.li(t2, 0xff000000).op(csrrc(a2, kMscratch, t2));  // a2 = 0x1234ffff -> 0x0034ffff
  p.op(csrrwi(a3, kMscratch, 21));                    // a3 = 0x0034ffff -> 21
  p.op(csrrsi(a4, kMscratch, 10));                    // a4 = 21 -> 31
  p.op(csrrci(a5, kMscratch, 5));                     // a5 = 31 -> 26
  p.op(csrr(a6, kMscratch));                          // 26
  p.op(addi(t3, zero, 7)).op(csrrw(t3, kMscratch, t3));  // rd == rs1: t3 = 26, mscratch = 7
  p.op(csrr(a7, kMscratch));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), 0u);
  EXPECT_EQ(h.core.reg(a1), 0x12345678u);
  EXPECT_EQ(h.core.reg(a2), 0x1234ffffu);
  EXPECT_EQ(h.core.reg(a3), 0x0034ffffu);
  EXPECT_EQ(h.core.reg(a4), 21u);
  EXPECT_EQ(h.core.reg(a5), 31u);
  EXPECT_EQ(h.core.reg(a6), 26u);
  EXPECT_EQ(h.core.reg(t3), 26u);
  EXPECT_EQ(h.core.reg(a7), 7u);
}

// Writes to read-only CSRs (csr[11:10] == 11) raise illegal instruction with
// mtval = the instruction; csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with
// uimm = 0 do not write, so they may read read-only CSRs (Zicsr, 9.1).
TEST(Rv32Core, ReadOnlyCsrWriteIsIllegalButPureReadsAreNot) {
  H::Options o;
  o.core.hart_id = 5;
  H h(o);
  h.install_log_handler();
  Program p = H::start();
  p.li(t1, 1);
  const std::vector<uint32_t> illegal = {
      csrw(kMhartid, t1),          // csrrw x0: still a write
      csrrs(a0, kMhartid, t1),     // rs1 != x0
      csrrsi(a0, kMvendorid, 1),   // uimm != 0
      csrrci(a0, kMimpid, 2),      // uimm != 0
      csrrw(zero, kCycle, zero),   // csrrw writes even with x0
      csrrwi(a0, kInstret, 0),     // csrrwi writes even with 0
      csrrc(a0, kMarchid, t1),
  };
  std::vector<uint32_t> at;
  for (uint32_t insn : illegal) {
    at.push_back(p.here());
    p.op(insn);
  }
  p.op(csrrs(a1, kMhartid, zero));
  p.op(csrrsi(a2, kMhartid, 0));
  p.op(csrrc(a3, kMhartid, zero));
  p.op(csrrci(a4, kMarchid, 0));
  p.op(csrr(a5, kCycle));
  p.op(csrr(a6, kInstret));
  p.halt();
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  const auto traps = h.logged_traps();
  ASSERT_EQ(traps.size(), illegal.size());
  for (size_t i = 0; i < illegal.size(); ++i) {
    EXPECT_EQ(traps[i].cause, cause::kIllegalInsn) << i;
    EXPECT_EQ(traps[i].epc, at[i]) << i;
    EXPECT_EQ(traps[i].tval, illegal[i]) << i;
  }
  EXPECT_EQ(h.core.reg(a0), 0u) << "a trapping CSR instruction wrote rd";
  EXPECT_EQ(h.core.reg(a1), 5u);
  EXPECT_EQ(h.core.reg(a2), 5u);
  EXPECT_EQ(h.core.reg(a3), 5u);
  EXPECT_EQ(h.core.reg(a4), 0u);
  EXPECT_NE(h.core.reg(a5), 0u);
  EXPECT_NE(h.core.reg(a6), 0u);
}

TEST(Rv32Core, NonExistentCsrsAreIllegal) {
  H h;
  h.install_log_handler();
  Program p = H::start();
  // S-mode CSRs, satp, delegation/counter-enable/envcfg registers that must
  // not exist on an M-only hart (priv. spec 3.1.8, 3.1.11, 3.1.18), custom
  // and unallocated numbers, and the time CSR without a time source.
  const std::vector<uint32_t> numbers = {0x100, 0x180, 0x302, 0x303, 0x306, 0x30a,
                                         0x7c0, 0xfff, 0x5c0, 0x321, kTime};
  for (uint32_t n : numbers) p.op(csrr(a0, n));
  p.op(csrrw(a1, 0x100, zero));
  p.halt();
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  const auto traps = h.logged_traps();
  ASSERT_EQ(traps.size(), numbers.size() + 1);
  for (size_t i = 0; i < numbers.size(); ++i) {
    EXPECT_EQ(traps[i].cause, cause::kIllegalInsn) << std::hex << numbers[i];
    EXPECT_EQ(traps[i].tval, csrr(a0, numbers[i])) << std::hex << numbers[i];
  }
}

TEST(Rv32Core, TimeCsrReadsTheTimeSource) {
  H h;
  sc_time seen;
  h.core.set_time_source([&](const sc_time& t) {
    seen = t;
    return uint64_t{0x123456789};
  });
  Program p = H::start();
  p.op(csrr(a0, kTime)).op(csrr(a1, 0xc81));  // timeh
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), 0x23456789u);
  EXPECT_EQ(h.core.reg(a1), 1u);
  EXPECT_GT(seen, sc_core::SC_ZERO_TIME);
  EXPECT_FALSE(h.core.last_trap().has_value());
}

// WARL/read-only fields of an M-mode-only RV32IMC hart.
TEST(Rv32Core, CsrWarlFields) {
  H h;
  Program p = H::start();
  p.li(t1, 0xffffffff);
  p.op(csrw(kMstatus, t1)).op(csrr(a0, kMstatus));  // only MIE, MPIE; MPP = M
  p.op(csrw(kMstatus, zero)).op(csrr(a1, kMstatus));
  p.op(csrw(kMie, t1)).op(csrr(a2, kMie)).op(csrw(kMie, zero));
  p.op(csrw(kMip, t1)).op(csrr(a3, kMip));          // pending bits are hardware driven
  p.op(csrw(kMisa, zero)).op(csrr(a4, kMisa));      // misa is not writable here
  p.li(t2, 0x80001003).op(csrw(kMepc, t2)).op(csrr(a5, kMepc));  // IALIGN=16: bit 0 is 0
  p.li(t2, 0x8000c001).op(csrw(kMtvec, t2)).op(csrr(a6, kMtvec));  // vectored
  p.li(t2, 0x8000c002).op(csrw(kMtvec, t2)).op(csrr(a7, kMtvec));  // reserved mode 2
  p.li(t2, 0x8000000b).op(csrw(kMcause, t2)).op(csrr(s2, kMcause));
  p.li(t2, 0xdeadbeef).op(csrw(kMtval, t2)).op(csrr(s3, kMtval));
  p.op(csrw(kMcountinhibit, t1)).op(csrr(s4, kMcountinhibit)).op(csrw(kMcountinhibit, zero));
  p.op(csrw(kMhpmcounter3, t1)).op(csrr(s5, kMhpmcounter3));
  p.op(csrw(kMhpmevent3, t1)).op(csrr(s6, kMhpmevent3));
  p.li(t2, H::kHandler).op(csrw(kMtvec, t2));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), kMstatusMie | kMstatusMpie | kMstatusMppM);
  EXPECT_EQ(h.core.reg(a1), kMstatusMppM);
  EXPECT_EQ(h.core.reg(a2), kMsi | kMti | kMei);
  EXPECT_EQ(h.core.reg(a3), 0u);
  EXPECT_EQ(h.core.reg(a4), 0x40001104u);
  EXPECT_EQ(h.core.reg(a5), 0x80001002u);
  EXPECT_EQ(h.core.reg(a6), 0x8000c001u);
  EXPECT_LT(h.core.reg(a7) & 3, 2u) << "mtvec.MODE must stay a legal value (0 or 1)";
  EXPECT_EQ(h.core.reg(s2), 0x8000000bu);
  EXPECT_EQ(h.core.reg(s3), 0xdeadbeefu);
  EXPECT_EQ(h.core.reg(s4), 0x5u) << "mcountinhibit: CY and IR only, TM is read-only zero";
  EXPECT_EQ(h.core.reg(s5), 0u);
  EXPECT_EQ(h.core.reg(s6), 0u);
  EXPECT_FALSE(h.core.last_trap().has_value());
}

// minstret counts retired instructions; a CSR read sees the count before
// the reading instruction; a write replaces the increment of the writing
// instruction (unprivileged spec 2.8/9.1, privileged spec 3.1.10).
TEST(Rv32Core, MinstretCountsAndWrites) {
  H h;
  Program p = H::start();
  p.op(csrr(a0, kMinstret));
  p.op(nop()).op(nop()).op(nop());
  p.op(csrr(a1, kMinstret));
  p.op(csrr(a2, kInstret));
  p.li(t1, 1000).op(csrw(kMinstret, t1));
  p.op(csrr(a3, kMinstret));
  p.li(t1, 7).op(csrw(kMinstreth, t1));
  p.op(csrr(a4, kMinstreth));
  p.op(csrr(a5, kMinstret));
  p.op(csrr(a6, 0xc82));  // instreth
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), 3u);  // li t6 (2) + csrw mtvec retired before
  EXPECT_EQ(h.core.reg(a1) - h.core.reg(a0), 4u);
  EXPECT_EQ(h.core.reg(a2) - h.core.reg(a1), 1u);
  EXPECT_EQ(h.core.reg(a3), 1000u);
  EXPECT_EQ(h.core.reg(a4), 7u);
  // csrr a3 (+1), li (+2), csrw minstreth (write replaces its increment),
  // csrr a4 (+1)
  EXPECT_EQ(h.core.reg(a5), 1004u);
  EXPECT_EQ(h.core.reg(a6), 7u);
}

TEST(Rv32Core, McycleCountsAndWrites) {
  H h;
  Program p = H::start();
  p.op(csrr(a0, kMcycle)).op(csrr(a1, kCycle));
  p.li(t1, 100000).op(csrw(kMcycle, t1));
  p.op(csrr(a2, kMcycle));
  p.op(csrr(a3, kMcycle));
  p.li(t1, 3).op(csrw(kMcycleh, t1));
  p.op(csrr(a4, kMcycleh)).op(csrr(a5, 0xc80));  // cycleh
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a1) - h.core.reg(a0), 1u);  // one csr instruction = 1 cycle
  EXPECT_GE(h.core.reg(a2), 100000u);
  EXPECT_LE(h.core.reg(a2), 100001u);
  EXPECT_EQ(h.core.reg(a3) - h.core.reg(a2), 1u);
  EXPECT_EQ(h.core.reg(a4), 3u);
  EXPECT_EQ(h.core.reg(a5), 3u);
}

TEST(Rv32Core, McountinhibitFreezesCounters) {
  H h;
  Program p = H::start();
  p.op(csrrwi(zero, kMcountinhibit, 5));
  p.op(csrr(a0, kMcycle)).op(csrr(a1, kMinstret));
  for (int i = 0; i < 8; ++i) p.op(nop());
  p.op(csrr(a2, kMcycle)).op(csrr(a3, kMinstret));
  p.li(t1, 500).op(csrw(kMcycle, t1)).op(nop()).op(nop()).op(csrr(a4, kMcycle));
  p.op(csrrwi(zero, kMcountinhibit, 0));
  for (int i = 0; i < 8; ++i) p.op(nop());
  p.op(csrr(a5, kMcycle)).op(csrr(a6, kMinstret));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a2), h.core.reg(a0)) << "mcycle advanced while inhibited";
  EXPECT_EQ(h.core.reg(a3), h.core.reg(a1)) << "minstret advanced while inhibited";
  EXPECT_EQ(h.core.reg(a4), 500u) << "a write to an inhibited mcycle must stick";
  EXPECT_GE(h.core.reg(a5), 500u + 9);
  EXPECT_LE(h.core.reg(a5), 500u + 12);
  // 8 nops + csrr a5 retire; whether the uninhibiting csrw counts is not fixed
  EXPECT_GE(h.core.reg(a6) - h.core.reg(a3), 9u);
  EXPECT_LE(h.core.reg(a6) - h.core.reg(a3), 10u);
}

// ---------------------------------------------------------------- traps

TEST(Rv32Core, SynchronousExceptionsCauseEpcTval) {
  H h;
  h.install_log_handler();
  Program p = H::start();
  p.li(s0, H::kData).li(s1, H::kUnmapped).li(t0, 0x55);
  struct Expect {
    uint32_t at, cause, tval;
  };
  std::vector<Expect> expect;
  auto fault = [&](uint32_t insn, uint32_t c, uint32_t tval) {
    expect.push_back({p.here(), c, tval});
    p.op(insn);
  };
  fault(lw(t0, s0, 1), cause::kLoadMisaligned, H::kData + 1);
  fault(lh(t0, s0, 3), cause::kLoadMisaligned, H::kData + 3);
  fault(lhu(t0, s0, 1), cause::kLoadMisaligned, H::kData + 1);
  fault(sw(t0, s0, 2), cause::kStoreMisaligned, H::kData + 2);
  fault(sh(t0, s0, -1), cause::kStoreMisaligned, H::kData - 1);
  fault(lw(t0, s1, 8), cause::kLoadAccessFault, H::kUnmapped + 8);
  fault(lb(t0, s1, 0), cause::kLoadAccessFault, H::kUnmapped);
  fault(sw(t0, s1, 4), cause::kStoreAccessFault, H::kUnmapped + 4);
  fault(sb(t0, s1, 3), cause::kStoreAccessFault, H::kUnmapped + 3);
  fault(ecall(), cause::kEcallM, 0);
  fault(ebreak(), cause::kBreakpoint, p.here());  // mtval = pc (or 0)
  fault(0xffffffff, cause::kIllegalInsn, 0xffffffff);
  fault(0x0000202f, cause::kIllegalInsn, 0x0000202f);  // amoadd.w: no A extension
  p.halt();
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  const auto traps = h.logged_traps();
  ASSERT_GE(traps.size(), expect.size());
  for (size_t i = 0; i < expect.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(traps[i].cause, expect[i].cause);
    EXPECT_EQ(traps[i].epc, expect[i].at);
    if (expect[i].cause == cause::kBreakpoint)
      EXPECT_TRUE(traps[i].tval == expect[i].at || traps[i].tval == 0);
    else
      EXPECT_EQ(traps[i].tval, expect[i].tval);
  }
  EXPECT_EQ(h.core.reg(t0), 0x55u) << "a faulting load wrote its destination";
}

TEST(Rv32Core, CompressedEbreakAndIllegalHalfword) {
  H h;
  h.install_log_handler();  // steps 4 bytes: each 16-bit fault is followed by c.nop
  Program p = H::start();
  const uint32_t ebreak_at = p.here();
  p.c(c_ebreak()).c(c_nop());
  const uint32_t illegal_at = p.here();
  p.c(0x0000).c(c_nop());
  p.c(c_lwsp(zero, 4)).c(c_nop());
  p.halt();
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  const auto traps = h.logged_traps();
  ASSERT_EQ(traps.size(), 3u);
  EXPECT_EQ(traps[0].cause, cause::kBreakpoint);
  EXPECT_EQ(traps[0].epc, ebreak_at);
  EXPECT_EQ(traps[1].cause, cause::kIllegalInsn);
  EXPECT_EQ(traps[1].epc, illegal_at);
  EXPECT_EQ(traps[1].tval, 0u);
  EXPECT_EQ(traps[2].cause, cause::kIllegalInsn);
  EXPECT_EQ(traps[2].tval, c_lwsp(zero, 4)) << "mtval holds the 16 instruction bits";
}

TEST(Rv32Core, InstructionAccessFaultOnJumpToUnmappedMemory) {
  H h;
  Program p = H::start();
  p.li(t1, H::kUnmapped + 0x40);
  const uint32_t jump_at = p.here();
  p.op(jalr(ra, t1, 0));
  p.halt();
  run(h, p);
  ASSERT_TRUE(h.core.last_trap().has_value());
  EXPECT_EQ(h.csr(kMcause), cause::kInsnAccessFault);
  EXPECT_EQ(h.csr(kMepc), H::kUnmapped + 0x40);
  EXPECT_EQ(h.csr(kMtval), H::kUnmapped + 0x40);
  EXPECT_EQ(h.core.reg(ra), jump_at + 4) << "the jump itself retired";
  EXPECT_EQ(h.core.last_trap()->cause, cause::kInsnAccessFault);
  EXPECT_EQ(h.core.last_trap()->pc, H::kUnmapped + 0x40);
}

// A 32-bit instruction whose second half lies past the end of memory.
TEST(Rv32Core, InstructionAccessFaultOnStraddlingInstruction) {
  H h;
  const uint32_t last = H::kRamBase + H::kRamSize - 2;
  Program p = H::start();
  p.li(t1, last).op(jalr(zero, t1, 0));
  p.halt();
  Program tail(last);
  tail.c(static_cast<uint16_t>(addi(a0, zero, 1) & 0xffff));  // low half of a 32-bit insn
  h.load(tail);
  run(h, p);
  EXPECT_EQ(h.csr(kMcause), cause::kInsnAccessFault);
  EXPECT_EQ(h.csr(kMepc), last) << "mepc is the address of the instruction";
  const uint32_t tval = h.csr(kMtval);
  EXPECT_TRUE(tval == last || tval == last + 2) << std::hex << tval;
}

// Trap entry (priv. spec 3.1.6.1, 3.3.1): MPIE <- MIE, MIE <- 0, MPP <- M;
// mret: MIE <- MPIE, MPIE <- 1, MPP <- M (least privileged mode = M).
TEST(Rv32Core, TrapEntryAndMretUpdateMstatus) {
  H h;
  Program p = H::start();
  p.op(csrrsi(zero, kMstatus, 8));  // MIE = 1 (mie = 0: no interrupt)
  const uint32_t ecall1 = p.here();
  p.op(ecall());
  p.op(csrr(a1, kMstatus));
  p.op(csrrci(zero, kMstatus, 8));  // MIE = 0
  p.op(ecall());
  p.op(csrr(a3, kMstatus));
  p.halt();
  Program handler(H::kHandler);
  handler.op(csrr(t1, kMstatus)).op(csrr(t2, kMepc));
  handler.op(beq(s2, zero, 12)).op(add(a2, t1, zero)).op(jal(zero, 8)).op(add(a0, t1, zero));
  handler.op(addi(s2, s2, 1));
  handler.op(addi(t2, t2, 4)).op(csrw(kMepc, t2)).op(mret());
  h.load(handler);
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  EXPECT_EQ(h.core.reg(s2), 2u);
  EXPECT_EQ(h.core.reg(a0), kMstatusMpie | kMstatusMppM) << "in handler, MIE was 1";
  EXPECT_EQ(h.core.reg(a1), kMstatusMie | kMstatusMpie | kMstatusMppM) << "after mret";
  EXPECT_EQ(h.core.reg(a2), kMstatusMppM) << "in handler, MIE was 0";
  EXPECT_EQ(h.core.reg(a3), kMstatusMpie | kMstatusMppM) << "after mret: MPIE = 1";
  (void)ecall1;
}

// ECALL/EBREAK and faulting instructions do not retire (priv. spec 3.3.1).
TEST(Rv32Core, TrappingInstructionsDoNotRetire) {
  H h;
  Program p(H::kRamBase);
  p.li(t6, H::kHandler).op(csrw(kMtvec, t6));  // 3 instructions
  p.op(ecall());
  Program handler(H::kHandler);
  handler.op(csrr(a0, kMinstret));
  handler.halt();
  h.load(handler);
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  EXPECT_EQ(h.core.reg(a0), 3u);
  EXPECT_EQ(h.core.instret(), 5u);  // 3 + csrr + wfi
}

TEST(Rv32Core, ExceptionsIgnoreVectoredMode) {
  H h;
  Program p(H::kRamBase);
  p.li(t6, H::kHandler | 1).op(csrw(kMtvec, t6));
  p.op(ecall());
  p.halt();
  Program vec(H::kHandler);
  for (int i = 0; i < 16; ++i) vec.op(jal(zero, 0));  // every vector spins in place
  h.load(vec);
  h.load(p);
  sc_start(sc_time(100, SC_US));
  EXPECT_EQ(h.csr(kMcause), cause::kEcallM);
  EXPECT_EQ(h.core.pc(), H::kHandler) << "exceptions go to BASE even in vectored mode";
}

// ---------------------------------------------------------------- interrupts

// Main program: mie = `mie_bits`, mstatus.MIE = 1, then counts in a0 forever.
Program interrupt_program(uint32_t mtvec, uint32_t mie_bits, bool global_enable = true) {
  Program p(H::kRamBase);
  p.li(t6, mtvec).op(csrw(kMtvec, t6));
  p.li(t1, mie_bits).op(csrw(kMie, t1));
  if (global_enable) p.op(csrrsi(zero, kMstatus, 8));
  const uint32_t loop = p.here();
  p.op(addi(a0, a0, 1));
  p.jal_to(zero, loop);
  return p;
}

TEST(Rv32Core, ExternalInterruptFromSignal) {
  H h;
  h.install_halt_handler();
  Program p = interrupt_program(H::kHandler, kMei);
  h.load(p);
  sc_start(sc_time(5, SC_US));
  EXPECT_FALSE(h.core.last_trap().has_value());
  const uint32_t count_before = h.core.reg(a0);
  EXPECT_GT(count_before, 0u);
  h.meip.write(true);
  sc_start(sc_time(5, SC_US));
  ASSERT_TRUE(h.core.last_trap().has_value());
  const auto& t = *h.core.last_trap();
  EXPECT_EQ(t.cause, cause::kInterrupt | cause::kExternalIrq);
  EXPECT_EQ(h.csr(kMcause), 0x8000000bu);
  EXPECT_GE(t.time, sc_time(5, SC_US));
  EXPECT_LE(t.time, sc_time(6, SC_US) + sc_time(100, SC_NS)) << "taken within one quantum";
  const uint32_t loop = p.here() - 8;
  EXPECT_TRUE(h.csr(kMepc) == loop || h.csr(kMepc) == loop + 4) << std::hex << h.csr(kMepc);
  EXPECT_EQ(h.csr(kMtval), 0u);
  EXPECT_EQ(h.csr(kMstatus), kMstatusMpie | kMstatusMppM);
  EXPECT_EQ(h.csr(kMip) & kMei, kMei);
  EXPECT_GE(h.core.pc(), H::kHandler) << "direct mode: all traps go to BASE";
  EXPECT_LE(h.core.pc(), H::kHandler + 4);
}

// Priority MEI > MSI > MTI (priv. spec 3.1.9). The handler logs mcause and
// disables the interrupt it took, so all three are taken in priority order.
TEST(Rv32Core, InterruptPriority) {
  H h;
  Program handler(H::kHandler);
  handler.op(csrr(t6, kMcause)).op(sw(t6, s11, 0)).op(addi(s11, s11, 4));
  handler.op(andi(t6, t6, 31)).op(addi(t5, zero, 1)).op(sll(t5, t5, t6));
  handler.op(csrrc(zero, kMie, t5)).op(mret());
  h.load(handler);
  h.core.set_reg(s11, H::kLog);
  h.load(interrupt_program(H::kHandler, kMsi | kMti | kMei));
  h.msip.write(true);
  h.mtip.write(true);
  h.meip.write(true);
  sc_start(sc_time(100, SC_US));
  ASSERT_EQ(h.core.reg(s11), H::kLog + 12);
  EXPECT_EQ(h.ram32(H::kLog + 0), 0x8000000bu);
  EXPECT_EQ(h.ram32(H::kLog + 4), 0x80000003u);
  EXPECT_EQ(h.ram32(H::kLog + 8), 0x80000007u);
  EXPECT_EQ(h.csr(kMstatus) & kMstatusMie, kMstatusMie) << "mret re-enabled interrupts";
  EXPECT_EQ(h.csr(kMip), kMsi | kMti | kMei);
}

TEST(Rv32Core, InterruptsMaskedByMie) {
  H h;
  h.install_halt_handler();
  h.load(interrupt_program(H::kHandler, kMti));  // only the timer enabled
  h.msip.write(true);
  h.meip.write(true);
  sc_start(sc_time(20, SC_US));
  EXPECT_FALSE(h.core.last_trap().has_value());
  EXPECT_EQ(h.csr(kMip), kMsi | kMei);
  h.mtip.write(true);
  sc_start(sc_time(20, SC_US));
  ASSERT_TRUE(h.core.last_trap().has_value());
  EXPECT_EQ(h.core.last_trap()->cause, cause::kInterrupt | cause::kTimerIrq);
}

TEST(Rv32Core, InterruptsMaskedByMstatusMie) {
  H h;
  h.install_halt_handler();
  h.load(interrupt_program(H::kHandler, kMsi | kMti | kMei, /*global_enable=*/false));
  h.msip.write(true);
  h.mtip.write(true);
  h.meip.write(true);
  sc_start(sc_time(20, SC_US));
  EXPECT_FALSE(h.core.last_trap().has_value());
  EXPECT_GT(h.core.reg(a0), 100u) << "the loop keeps running";
}

TEST(Rv32Core, VectoredInterruptsJumpToBasePlus4TimesCause) {
  H h;
  Program vec(H::kHandler);
  for (int i = 0; i < 16; ++i) vec.op(jal(zero, 0));
  h.load(vec);
  h.load(interrupt_program(H::kHandler | 1, kMti));
  sc_start(sc_time(5, SC_US));
  h.mtip.write(true);
  sc_start(sc_time(10, SC_US));
  EXPECT_EQ(h.csr(kMcause), 0x80000007u);
  EXPECT_EQ(h.core.pc(), H::kHandler + 4 * 7);
}

TEST(Rv32Core, LoweredSignalClearsMip) {
  H h;
  Program p = H::start();
  const uint32_t loop = p.here();
  p.op(csrr(a0, kMip));
  p.jal_to(zero, loop);
  h.install_halt_handler();
  h.load(p);
  h.msip.write(true);
  sc_start(sc_time(5, SC_US));
  EXPECT_EQ(h.core.reg(a0), kMsi);
  h.msip.write(false);
  h.mtip.write(true);
  sc_start(sc_time(5, SC_US));
  EXPECT_EQ(h.core.reg(a0), kMti);
}

// wfi (priv. spec 3.3.3) stalls until an interrupt is pending in mip & mie,
// whatever mstatus.MIE; with MIE = 0 execution resumes after the wfi.
TEST(Rv32Core, WfiSleepsUntilInterruptAndResumesWithoutTrapWhenMieIsClear) {
  H h;
  h.install_halt_handler();
  Program p = H::start();
  p.li(t1, kMti).op(csrw(kMie, t1));  // mstatus.MIE stays 0
  p.op(csrr(a0, kMcycle));
  p.op(wfi());
  p.op(csrr(a1, kMcycle));
  p.op(addi(a2, zero, 42));
  const uint32_t spin = p.here();
  p.jal_to(zero, spin);
  h.load(p);
  h.msip.write(true);  // pending but not enabled in mie: must not wake
  sc_start(sc_time(50, SC_US));
  EXPECT_TRUE(h.core.sleeping());
  EXPECT_EQ(h.core.reg(a2), 0u);
  const uint64_t instret_asleep = h.core.instret();
  h.mtip.write(true);
  sc_start(sc_time(10, SC_US));
  EXPECT_FALSE(h.core.sleeping());
  EXPECT_EQ(h.core.reg(a2), 42u);
  EXPECT_FALSE(h.core.last_trap().has_value()) << "MIE = 0: no trap";
  const uint64_t woke_ps = uint64_t{h.core.reg(a1)} * H::kPeriodPs;
  EXPECT_GE(woke_ps, ps(sc_time(50, SC_US))) << "wfi did not sleep in simulated time";
  EXPECT_LE(woke_ps, ps(sc_time(50, SC_US) + sc_time(100, SC_NS)));
  EXPECT_LT(h.core.reg(a0), 100u);
  EXPECT_GT(h.core.instret(), instret_asleep);
}

TEST(Rv32Core, WfiWithInterruptsEnabledTrapsWithMepcAfterWfi) {
  H h;
  h.install_halt_handler();
  Program p = H::start();
  p.li(t1, kMei).op(csrw(kMie, t1)).op(csrrsi(zero, kMstatus, 8));
  const uint32_t wfi_at = p.here();
  p.op(wfi());
  p.op(addi(a2, zero, 42));
  p.halt();
  h.load(p);
  sc_start(sc_time(30, SC_US));
  EXPECT_TRUE(h.core.sleeping());
  h.meip.write(true);
  sc_start(sc_time(10, SC_US));
  ASSERT_TRUE(h.core.last_trap().has_value());
  EXPECT_EQ(h.core.last_trap()->cause, 0x8000000bu);
  EXPECT_EQ(h.csr(kMepc), wfi_at + 4);
  EXPECT_EQ(h.core.last_trap()->time, sc_time(30, SC_US)) << "woken at the signal edge";
  EXPECT_EQ(h.core.reg(a2), 0u);
}

TEST(Rv32Core, WfiIsANopWhenAnEnabledInterruptIsAlreadyPending) {
  H h;
  h.install_halt_handler();
  Program p = H::start();
  p.li(t1, kMsi).op(csrw(kMie, t1));
  p.op(wfi()).op(addi(a2, zero, 42));
  const uint32_t spin = p.here();
  p.jal_to(zero, spin);
  h.load(p);
  h.msip.write(true);
  sc_start(sc_time(10, SC_US));
  EXPECT_EQ(h.core.reg(a2), 42u);
  EXPECT_FALSE(h.core.sleeping());
}

// Priv. spec 3.1.9: the interrupt conditions are evaluated immediately after
// an explicit write to mie/mstatus and after mret, so a pending interrupt is
// taken before the next instruction.
TEST(Rv32Core, InterruptTakenRightAfterTheEnablingInstruction) {
  H h;
  Program handler(H::kHandler);
  // log mepc, disable the interrupt and return with MIE = 0 (MPIE cleared)
  handler.op(csrr(t6, kMepc)).op(sw(t6, s11, 0)).op(addi(s11, s11, 4));
  handler.op(csrw(kMie, zero)).li(t5, kMstatusMpie).op(csrrc(zero, kMstatus, t5)).op(mret());
  h.load(handler);
  h.core.set_reg(s11, H::kLog);
  Program p = H::start();
  p.op(csrrsi(zero, kMstatus, 8));  // MIE = 1, mie = 0: nothing yet
  p.li(t1, kMsi).op(csrw(kMie, t1));
  const uint32_t after_mie = p.here();
  p.op(addi(a0, a0, 1));
  p.op(csrw(kMie, t1));  // enabled in mie, but MIE = 0 now: no trap
  p.op(addi(a1, a1, 1));
  p.op(csrrsi(zero, kMstatus, 8));
  const uint32_t after_mstatus = p.here();
  p.op(addi(a2, a2, 1));
  p.halt();
  h.load(p);
  h.msip.write(true);
  sc_start(sc_time(100, SC_US));
  ASSERT_EQ(h.core.reg(s11), H::kLog + 8);
  EXPECT_EQ(h.ram32(H::kLog), after_mie) << "not taken right after csrw mie";
  EXPECT_EQ(h.ram32(H::kLog + 4), after_mstatus) << "not taken right after csrs mstatus";
  EXPECT_EQ(h.core.reg(a0), 1u);
  EXPECT_EQ(h.core.reg(a1), 1u);
  EXPECT_EQ(h.core.reg(a2), 1u);
}

TEST(Rv32Core, InterruptTakenRightAfterMret) {
  H h;
  Program handler(H::kHandler);
  // first entry (ecall): return with MPIE = 1 and the software interrupt enabled
  handler.op(csrr(t6, kMcause)).op(sw(t6, s11, 0));
  handler.op(csrr(t6, kMepc)).op(sw(t6, s11, 4)).op(addi(s11, s11, 8));
  handler.op(csrr(t5, kMcause)).op(blt(t5, zero, 28));  // interrupt: just halt
  handler.op(addi(t6, t6, 4)).op(csrw(kMepc, t6));
  handler.li(t5, kMsi).op(csrw(kMie, t5));
  handler.op(mret());
  handler.halt();
  h.load(handler);
  h.core.set_reg(s11, H::kLog);
  Program p = H::start();
  p.op(csrrsi(zero, kMstatus, 8));
  const uint32_t ecall_at = p.here();
  p.op(ecall());
  p.op(addi(a0, a0, 1));
  p.halt();
  h.load(p);
  h.msip.write(true);
  sc_start(sc_time(100, SC_US));
  ASSERT_EQ(h.core.reg(s11), H::kLog + 16);
  EXPECT_EQ(h.ram32(H::kLog), cause::kEcallM);
  EXPECT_EQ(h.ram32(H::kLog + 8), 0x80000003u);
  EXPECT_EQ(h.ram32(H::kLog + 12), ecall_at + 4) << "interrupt not taken right after mret";
  EXPECT_EQ(h.core.reg(a0), 0u);
}

// riscv-tests HTIF: a non-zero word written to `tohost` ends the run with
// code value >> 1.
TEST(Rv32Core, TohostWriteEndsTheRun) {
  H h;
  const uint32_t tohost = H::kData + 0x40;
  int code = -1;
  int calls = 0;
  h.core.set_tohost(tohost, [&](uint32_t c) {
    code = static_cast<int>(c);
    ++calls;
  });
  Program p = H::start();
  p.li(t1, tohost).op(addi(t2, zero, (21 << 1) | 1)).op(sw(t2, t1, 0));
  const uint32_t loop = p.here();
  p.op(addi(a0, a0, 1));
  p.jal_to(zero, loop);
  run(h, p, sc_time(100, SC_US));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(code, 21);
  EXPECT_LT(h.core.reg(a0), 1000u) << "the core kept running after tohost";
}

// After the target invalidates DMI, the core drops its host pointers and
// the code decoded through them: a backdoor rewrite of the code becomes
// visible (as after a DMA transfer that invalidates DMI).
TEST(Rv32Core, DmiInvalidationDropsDecodedCode) {
  H h;
  Program p = H::start();
  const uint32_t loop = p.here();
  p.op(addi(a0, a0, 1));
  p.jal_to(zero, loop);
  h.install_halt_handler();
  h.load(p);
  sc_start(sc_time(5, SC_US));
  ASSERT_GT(h.core.reg(a0), 0u);
  h.set_ram32(loop, addi(a1, a1, 1));
  h.ram.socket->invalidate_direct_mem_ptr(0, ~sc_dt::uint64{0});
  sc_start(sc_time(5, SC_US));
  EXPECT_GT(h.core.reg(a1), 0u);
  nlohmann::json st;
  h.core.dump_stats(st);
  EXPECT_EQ(st["dmi_grants"], 2) << "DMI re-acquired once after the invalidation";
}

// ---------------------------------------------------------------- faults

TEST(Rv32Core, NestedTrapFaultHandlerFiresWhenMtvecIsUnmapped) {
  H::Options o;
  o.core.nested_trap_limit = 3;
  H h(o);
  int calls = 0;
  Rv32Core::TrapRecord seen;
  std::string why;
  h.core.set_fault_handler([&](const Rv32Core::TrapRecord& t, const std::string& reason) {
    ++calls;
    seen = t;
    why = reason;
  });
  Program p(H::kRamBase);
  p.li(t6, H::kUnmapped).op(csrw(kMtvec, t6));
  p.op(ecall());
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen.cause, cause::kInsnAccessFault);
  EXPECT_EQ(seen.pc, H::kUnmapped);
  EXPECT_EQ(seen.tval, H::kUnmapped);
  EXPECT_NE(why.find("exceptions inside the trap handler"), std::string::npos) << why;
  nlohmann::json stats;
  h.core.dump_stats(stats);
  EXPECT_EQ(stats["exceptions"]["environment call from M-mode"], 1);
  EXPECT_EQ(stats["exceptions"]["instruction access fault"], 4) << "limit 3 -> fault on the 4th";
  EXPECT_EQ(h.csr(kMepc), H::kUnmapped);
}

TEST(Rv32Core, NoFaultWhenHandlerReturnsEachTime) {
  H::Options o;
  o.core.nested_trap_limit = 2;
  H h(o);
  int calls = 0;
  h.core.set_fault_handler([&](const Rv32Core::TrapRecord&, const std::string&) { ++calls; });
  h.install_log_handler();
  Program p = H::start();
  for (int i = 0; i < 10; ++i) p.op(ecall());
  p.halt();
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(h.logged_traps().size(), 10u);
}

// ---------------------------------------------------------------- self-modifying code

// Loop twice over `addi t0, t0, 1` at P, rewriting P to `addi t0, t0, 100`
// after the first pass: t0 = 101 if the new instruction is fetched.
Program smc_program(bool with_fence_i) {
  Program p = H::start();
  p.li(s1, addi(t0, t0, 100));
  p.op(addi(t2, zero, 2));
  const uint32_t loop = p.here();
  p.op(addi(t0, t0, 1));
  p.li(t1, loop).op(sw(s1, t1, 0));
  if (with_fence_i) p.op(fence_i());
  p.op(addi(t2, t2, -1));
  p.op(bne(t2, zero, static_cast<int32_t>(loop - p.here())));
  p.halt();
  return p;
}

TEST(Rv32Core, SelfModifyingCodeAfterFenceI) {
  H h;
  Program p = smc_program(true);
  run(h, p);
  EXPECT_EQ(h.core.reg(t0), 101u);
}

TEST(Rv32Core, SelfModifyingCodeWithoutFenceIIsSeenImmediately) {
  H h;
  Program p = smc_program(false);
  run(h, p);
  EXPECT_EQ(h.core.reg(t0), 101u);
}

// A subroutine in another page, called, patched, called again.
TEST(Rv32Core, SelfModifyingCodeInAnotherPage) {
  H h;
  const uint32_t sub_at = H::kRamBase + 0x3000;
  Program sub(sub_at);
  sub.op(addi(t0, t0, 1)).op(jalr(zero, ra, 0));
  h.load(sub);
  Program p = H::start();
  p.jal_to(ra, sub_at);
  p.li(t1, sub_at).li(t2, addi(t0, t0, 16)).op(sw(t2, t1, 0));
  p.jal_to(ra, sub_at);
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(t0), 17u);
}

// A 32-bit instruction that straddles a page boundary (0x80003000); only its
// upper half, in a page that holds no other code, is rewritten. The caller
// sits in the same page as the instruction's first half, so the core keeps
// executing from that page's decoded instructions.
void run_straddling_smc(bool with_fence_i) {
  H h;
  const uint32_t sub_at = H::kRamBase + 0x2ffe;  // jalr x0, 0(ra)
  Program sub(sub_at);
  sub.op(jalr(zero, ra, 0));
  h.load(sub);
  Program m(H::kRamBase + 0x2800);
  m.jal_to(ra, sub_at);
  m.op(addi(t0, t0, 1)).op(addi(t0, t0, 16));
  // Rewrite the upper half: jalr x0, 4(ra) returns past the "+1".
  m.li(t1, sub_at + 2).li(t2, jalr(zero, ra, 4) >> 16).op(sh(t2, t1, 0));
  if (with_fence_i) m.op(fence_i());
  m.jal_to(ra, sub_at);
  m.op(addi(t0, t0, 1)).op(addi(t0, t0, 16));
  m.halt();
  h.load(m);
  Program p = H::start();
  p.jal_to(zero, m.base());
  run(h, p);
  EXPECT_EQ(h.core.reg(t0), 17u + 16u)
      << "the instruction executed after the rewrite was the stale jalr x0, 0(ra)";
  EXPECT_EQ(h.ram32(sub_at + 2) & 0xffff, jalr(zero, ra, 4) >> 16);
}

TEST(Rv32Core, SelfModifyingCodeStraddlingAPageBoundary) { run_straddling_smc(true); }

TEST(Rv32Core, SelfModifyingCodeStraddlingAPageBoundaryWithoutFenceI) {
  run_straddling_smc(false);
}

// ---------------------------------------------------------------- other memories

TEST(Rv32Core, ExecutesFromMemoryWithoutDmi) {
  H h;
  Program io(H::kIoBase);
  io.op(addi(a0, a0, 5)).c(c_addi(a0, 2)).op(addi(a0, a0, 10)).op(jalr(zero, ra, 0));
  std::memcpy(h.io.data(), io.bytes().data(), io.bytes().size());
  Program p = H::start();
  p.li(t1, H::kIoBase).op(jalr(ra, t1, 0));
  // Self-modifying code in non-DMI memory: visible at once (nothing cached).
  p.li(t2, addi(a0, a0, 100)).op(sw(t2, t1, 0));
  p.op(jalr(ra, t1, 0));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), 17u + 112u);
  EXPECT_EQ(h.io32(H::kIoBase), addi(a0, a0, 100));
  EXPECT_FALSE(h.core.last_trap().has_value());
}

TEST(Rv32Core, LoadsAndStoresToMemoryWithoutDmi) {
  H h;
  Program p = H::start();
  p.li(s1, H::kIoBase).li(t1, 0x80f17f01);
  p.op(sw(t1, s1, 8)).op(lb(a0, s1, 11)).op(lhu(a1, s1, 10)).op(lw(a2, s1, 8));
  p.op(sb(t1, s1, 13)).op(lw(a3, s1, 12));
  p.op(lw(a4, s1, 6)).op(sw(t1, s1, 4090));  // misaligned
  p.li(t2, H::kIoBase + H::kIoSize).op(lw(a5, t2, 0));  // just past the end
  p.halt();
  h.install_log_handler();
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  EXPECT_EQ(h.core.reg(a0), 0xffffff80u);
  EXPECT_EQ(h.core.reg(a1), 0x80f1u);
  EXPECT_EQ(h.core.reg(a2), 0x80f17f01u);
  EXPECT_EQ(h.core.reg(a3), 0x00000100u);
  const auto traps = h.logged_traps();
  ASSERT_EQ(traps.size(), 3u);
  EXPECT_EQ(traps[0].cause, cause::kLoadMisaligned);
  EXPECT_EQ(traps[0].tval, H::kIoBase + 6);
  EXPECT_EQ(traps[1].cause, cause::kStoreMisaligned);
  EXPECT_EQ(traps[2].cause, cause::kLoadAccessFault);
  EXPECT_EQ(traps[2].tval, H::kIoBase + H::kIoSize);
}

TEST(Rv32Core, CoreWithoutDmiComputesTheSameAndUsesTheBus) {
  H::Options o;
  o.core.dmi = false;
  H h(o);
  Program p = H::start();
  p.li(s0, H::kData).op(addi(t0, zero, 10)).op(addi(a0, zero, 0));
  const uint32_t loop = p.here();
  p.op(add(a0, a0, t0)).op(sw(a0, s0, 0)).op(lw(a1, s0, 0));
  p.op(addi(t0, t0, -1)).op(bne(t0, zero, static_cast<int32_t>(loop - p.here())));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a0), 55u);
  EXPECT_EQ(h.core.reg(a1), 55u);
  nlohmann::json st;
  h.core.dump_stats(st);
  EXPECT_EQ(st["dmi_grants"], 0);
  EXPECT_GE(st["bus_transactions"].get<uint64_t>(), h.core.instret())
      << "every fetch goes over the bus";
}

// ---------------------------------------------------------------- timing

H::Options timing_options() {
  H::Options o;
  using rv32c = hpvp::rv32::CostClass;
  auto set = [&](rv32c c, uint32_t v) { o.core.cycles[static_cast<size_t>(c)] = v; };
  set(rv32c::kAlu, 2);
  set(rv32c::kMul, 5);
  set(rv32c::kDiv, 37);
  set(rv32c::kLoad, 4);
  set(rv32c::kStore, 2);
  set(rv32c::kBranch, 1);
  set(rv32c::kJump, 6);
  set(rv32c::kCsr, 3);
  set(rv32c::kSystem, 9);
  o.core.branch_taken_cycles = 5;
  o.core.trap_cycles = 7;
  return o;
}

TEST(Rv32Core, LoopCyclesFollowConfig) {
  constexpr uint32_t N = 100;
  H h(timing_options());
  Program p = H::start();
  p.op(csrr(a0, kMcycle));
  p.li(t0, N);
  const uint32_t loop = p.here();
  p.op(addi(t0, t0, -1)).op(bne(t0, zero, static_cast<int32_t>(loop - p.here())));
  p.op(csrr(a1, kMcycle));
  p.halt();
  run(h, p);
  // li (2 alu) + N * addi + (N-1) taken + 1 not taken + the second csrr
  const uint32_t expected = 2 * 2 + N * 2 + (N - 1) * 5 + 1 + 3;
  EXPECT_EQ(h.core.reg(a1) - h.core.reg(a0), expected);
  EXPECT_EQ(h.core.instret(), 3u + 1 + 2 + 2 * N + 1 + 1);
}

TEST(Rv32Core, InstructionClassCycles) {
  H h(timing_options());
  Program p = H::start();
  p.li(t1, 1000).li(t2, 7);
  p.op(csrr(a0, kMcycle));
  p.op(mul(t0, t1, t2));
  p.op(csrr(a1, kMcycle));
  p.op(divu(t0, t1, t2));
  p.op(csrr(a2, kMcycle));
  p.op(jal(zero, 4));
  p.op(csrr(a3, kMcycle));
  p.op(fence());
  p.op(csrr(a4, kMcycle));
  p.op(sltu(t0, t1, t2));
  p.op(csrr(a5, kMcycle));
  p.halt();
  run(h, p);
  EXPECT_EQ(h.core.reg(a1) - h.core.reg(a0), 5u + 3);
  EXPECT_EQ(h.core.reg(a2) - h.core.reg(a1), 37u + 3);
  EXPECT_EQ(h.core.reg(a3) - h.core.reg(a2), 6u + 3);
  EXPECT_EQ(h.core.reg(a4) - h.core.reg(a3), 9u + 3);
  EXPECT_EQ(h.core.reg(a5) - h.core.reg(a4), 2u + 3);
}

// Loads and stores through DMI pay their class plus the DMI latency the bus
// and the SRAM declare (3 cycles here); device (non-DMI) accesses pay the
// bus transfer plus the target's latency.
TEST(Rv32Core, MemoryAccessCyclesIncludeDmiAndBusLatency) {
  H h(timing_options());
  Program p = H::start();
  p.li(s0, H::kData).li(s1, H::kIoBase);
  p.op(csrr(a0, kMcycle));
  p.op(lw(t0, s0, 0)).op(lw(t1, s0, 4)).op(sw(t1, s0, 8));
  p.op(csrr(a1, kMcycle));
  p.op(lw(t0, s1, 0));
  p.op(csrr(a2, kMcycle));
  p.op(sw(t0, s1, 4));
  p.op(csrr(a3, kMcycle));
  p.halt();
  run(h, p);
  const uint32_t dmi = H::kDmiAccessCycles;
  EXPECT_EQ(h.core.reg(a1) - h.core.reg(a0), 2 * (4 + dmi) + (2 + dmi) + 3);
  EXPECT_EQ(h.core.reg(a2) - h.core.reg(a1), (4 + 3) + 3u) << "bus 2 cycles + SRAM 1 cycle";
  EXPECT_EQ(h.core.reg(a3) - h.core.reg(a2), (2 + 3) + 3u);
}

TEST(Rv32Core, TrapEntryCostsTrapCycles) {
  H h(timing_options());
  Program p = H::start();
  p.op(csrr(a0, kMcycle)).op(ecall());
  Program handler(H::kHandler);
  handler.op(csrr(a1, kMcycle)).halt();
  h.load(handler);
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  EXPECT_EQ(h.core.reg(a1) - h.core.reg(a0), 9u + 7 + 3);  // ecall + trap + csrr
}

TEST(Rv32Core, TimeAdvancesWithCycles) {
  H h(timing_options());
  Program p = H::start();
  p.li(t0, 1000);
  const uint32_t loop = p.here();
  p.op(addi(t0, t0, -1)).op(bne(t0, zero, static_cast<int32_t>(loop - p.here())));
  p.op(ecall());
  h.install_halt_handler();
  h.load(p);
  sc_start(sc_time(1, SC_MS));
  ASSERT_TRUE(h.core.last_trap().has_value());
  const uint64_t t = ps(h.core.last_trap()->time);
  // ecall retires at: start (2 alu + csr) + li (2 alu) + loop + ecall (system)
  const uint64_t cycles = 2 * 2 + 3 + 2 * 2 + 1000 * 2 + 999 * 5 + 1 + 9;
  // plus the one-off cost of the first fetch probe over the bus (< 1 us)
  EXPECT_GE(t, cycles * H::kPeriodPs);
  EXPECT_LT(t, cycles * H::kPeriodPs + 1000000);
  // then trap entry (7) and the handler's wfi (system, 9) before it sleeps
  EXPECT_EQ(h.core.cycles(), t / H::kPeriodPs + 7 + 9);
}

TEST(Rv32Core, RejectsFrequencyBeyondPicosecondResolution) {
  Rv32Core::Config c;
  c.frequency_hz = 3e12;
  EXPECT_THROW(Rv32Core("core", c), std::invalid_argument);
}

// ---------------------------------------------------------------- determinism

// Runs `body` in a forked child (SystemC elaborates once per process) and
// returns what it produced.
std::vector<uint64_t> run_in_child(const std::function<std::vector<uint64_t>()>& body) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  fflush(stdout);
  fflush(stderr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::vector<uint64_t> out;
    try {
      out = body();
    } catch (...) {
      _exit(3);
    }
    const auto* b = reinterpret_cast<const char*>(out.data());
    size_t left = out.size() * sizeof(uint64_t);
    while (left > 0) {
      const ssize_t n = write(fds[1], b, left);
      if (n <= 0) _exit(4);
      b += n;
      left -= static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::vector<char> buf;
  char chunk[4096];
  ssize_t n;
  while ((n = read(fds[0], chunk, sizeof chunk)) > 0) buf.insert(buf.end(), chunk, chunk + n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("child failed");
  std::vector<uint64_t> out(buf.size() / sizeof(uint64_t));
  std::memcpy(out.data(), buf.data(), out.size() * sizeof(uint64_t));
  return out;
}

// A workload with multiply/divide, DMI loads/stores and device accesses;
// returns the architectural results and the timing.
std::vector<uint64_t> workload(sc_time quantum) {
  H::Options o;
  o.quantum = quantum;
  H h(o);
  Program p = H::start();
  p.li(s0, H::kData).li(s1, H::kIoBase).li(t0, 150).op(addi(a0, zero, 0)).op(addi(a1, zero, 0));
  const uint32_t loop = p.here();
  p.op(mul(t1, t0, t0)).op(add(a0, a0, t1)).op(sw(a0, s0, 0)).op(lw(t2, s0, 0));
  p.op(sw(t2, s1, 0)).op(lw(t3, s1, 0)).op(div(t4, a0, t0)).op(xor_(a1, a1, t4));
  p.c(c_addi(t0, -1)).c(c_nop());
  p.op(bne(t0, zero, static_cast<int32_t>(loop - p.here())));
  p.op(csrr(a2, kMcycle)).op(csrr(a3, kMinstret));
  p.op(ecall());
  h.install_halt_handler();
  h.load(p);
  sc_start(sc_time(10, SC_MS));
  std::vector<uint64_t> out;
  for (unsigned r = 0; r < 32; ++r) out.push_back(h.core.reg(r));
  out.push_back(h.core.instret());
  out.push_back(h.core.cycles());
  out.push_back(h.core.last_trap() ? ps(h.core.last_trap()->time) : 0);
  out.push_back(h.core.last_trap() ? h.core.last_trap()->cause : 99);
  return out;
}

TEST(Rv32Core, IdenticalRunsGiveIdenticalResultsAndCycles) {
  const auto a = run_in_child([] { return workload(sc_time(1, SC_US)); });
  const auto b = run_in_child([] { return workload(sc_time(1, SC_US)); });
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a[35], static_cast<uint64_t>(cause::kEcallM));
  EXPECT_EQ(a[a0], 1136275u);  // sum of k^2, k = 1..150
}

TEST(Rv32Core, QuantumDoesNotChangeResultsOrTiming) {
  const auto small = run_in_child([] { return workload(sc_time(50, SC_NS)); });
  const auto medium = run_in_child([] { return workload(sc_time(1, SC_US)); });
  const auto large = run_in_child([] { return workload(sc_time(1, SC_MS)); });
  ASSERT_EQ(small.size(), 36u);
  EXPECT_EQ(small, medium);
  EXPECT_EQ(medium, large);
}

}  // namespace
