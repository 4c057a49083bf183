// RV32IMC + Zicsr decoder against the unprivileged spec (v20191213):
// golden encodings produced by `riscv64-unknown-elf-as -march=rv32imc_zicsr_zifencei`
// (objdump -M no-aliases,numeric), exhaustive immediate round trips through
// the spec-derived encoders of core_test_harness.h, and reserved/illegal
// encodings.
#include "cpu/rv32_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core_test_harness.h"

using hpvp::rv32::CostClass;
using hpvp::rv32::decode;
using hpvp::rv32::decode16;
using hpvp::rv32::decode32;
using hpvp::rv32::DecodedInsn;
using hpvp::rv32::kZeroSink;
using hpvp::rv32::Op;
using hpvp::rv32::op_name;
namespace rv = hpvp::test::rv;

namespace {

constexpr int kAny = -1;  // field not checked

struct Case {
  uint32_t raw;
  Op op;
  int rd;   // architectural rd (0 -> kZeroSink); kAny for no check
  int rs1;  // kAny for no check
  int rs2;  // kAny for no check
  std::optional<int32_t> imm;
  const char* text;  // assembler source, for failure messages
  int csr = kAny;
};

CostClass expected_cost(Op op) {
  switch (op) {
    case Op::kMul: case Op::kMulh: case Op::kMulhsu: case Op::kMulhu: return CostClass::kMul;
    case Op::kDiv: case Op::kDivu: case Op::kRem: case Op::kRemu: return CostClass::kDiv;
    case Op::kLb: case Op::kLh: case Op::kLw: case Op::kLbu: case Op::kLhu: return CostClass::kLoad;
    case Op::kSb: case Op::kSh: case Op::kSw: return CostClass::kStore;
    case Op::kBeq: case Op::kBne: case Op::kBlt: case Op::kBge: case Op::kBltu: case Op::kBgeu:
      return CostClass::kBranch;
    case Op::kJal: case Op::kJalr: return CostClass::kJump;
    case Op::kCsrrw: case Op::kCsrrs: case Op::kCsrrc: case Op::kCsrrwi: case Op::kCsrrsi:
    case Op::kCsrrci:
      return CostClass::kCsr;
    case Op::kFence: case Op::kFenceI: case Op::kEcall: case Op::kEbreak: case Op::kMret:
    case Op::kWfi: case Op::kIllegal:
      return CostClass::kSystem;
    default: return CostClass::kAlu;
  }
}

uint8_t sink(int r) { return r == 0 ? kZeroSink : static_cast<uint8_t>(r); }

void check(const Case& c, unsigned len) {
  SCOPED_TRACE(::testing::Message() << c.text << " = 0x" << std::hex << c.raw);
  const DecodedInsn d = decode(c.raw);
  EXPECT_EQ(op_name(d.op), std::string(op_name(c.op)));
  EXPECT_EQ(d.len, len);
  EXPECT_EQ(d.raw, c.raw);
  EXPECT_EQ(static_cast<int>(d.cost), static_cast<int>(expected_cost(c.op)));
  if (c.rd != kAny) {
    EXPECT_EQ(d.rd, sink(c.rd)) << "rd";
  }
  if (c.rs1 != kAny) {
    EXPECT_EQ(d.rs1, c.rs1) << "rs1";
  }
  if (c.rs2 != kAny) {
    EXPECT_EQ(d.rs2, c.rs2) << "rs2";
  }
  if (c.imm) {
    EXPECT_EQ(d.imm, *c.imm) << "imm";
  }
  if (c.csr != kAny) {
    EXPECT_EQ(d.csr, c.csr) << "csr";
  }
}

// ---------------------------------------------------------------- RV32I/M/Zicsr

const std::vector<Case> kBase = {
    {0xfffff2b7, Op::kLui, 5, kAny, kAny, static_cast<int32_t>(0xfffff000), "lui x5,0xfffff"},
    {0x12345fb7, Op::kLui, 31, kAny, kAny, 0x12345000, "lui x31,0x12345"},
    {0x80000097, Op::kAuipc, 1, kAny, kAny, static_cast<int32_t>(0x80000000), "auipc x1,0x80000"},
    {0x800000ef, Op::kJal, 1, kAny, kAny, -1048576, "jal x1,.-1048576"},
    {0x7ffff06f, Op::kJal, 0, kAny, kAny, 1048574, "jal x0,.+1048574"},
    {0x0010056f, Op::kJal, 10, kAny, kAny, 2048, "jal x10,.+2048"},
    {0x2aa0006f, Op::kJal, 0, kAny, kAny, 0x2aa, "jal x0,.+0x2aa"},
    {0x800100e7, Op::kJalr, 1, 2, kAny, -2048, "jalr x1,-2048(x2)"},
    {0x7fff8067, Op::kJalr, 0, 31, kAny, 2047, "jalr x0,2047(x31)"},
    {0x80208063, Op::kBeq, 0, 1, 2, -4096, "beq x1,x2,.-4096"},
    {0x7e419fe3, Op::kBne, 0, 3, 4, 4094, "bne x3,x4,.+4094"},
    {0x0062c0e3, Op::kBlt, 0, 5, 6, 2048, "blt x5,x6,.+2048"},
    {0xfe83dfe3, Op::kBge, 0, 7, 8, -2, "bge x7,x8,.-2"},
    {0x00a4e863, Op::kBltu, 0, 9, 10, 16, "bltu x9,x10,.+16"},
    {0xfec5ff63, Op::kBgeu, 0, 11, 12, -2050, "bgeu x11,x12,.-2050"},
    {0xfff30283, Op::kLb, 5, 6, kAny, -1, "lb x5,-1(x6)"},
    {0x7ff41383, Op::kLh, 7, 8, kAny, 2047, "lh x7,2047(x8)"},
    {0x80052483, Op::kLw, 9, 10, kAny, -2048, "lw x9,-2048(x10)"},
    {0x00064583, Op::kLbu, 11, 12, kAny, 0, "lbu x11,0(x12)"},
    {0x4d275683, Op::kLhu, 13, 14, kAny, 1234, "lhu x13,1234(x14)"},
    {0xfef80fa3, Op::kSb, 0, 16, 15, -1, "sb x15,-1(x16)"},
    {0x7f191fa3, Op::kSh, 0, 18, 17, 2047, "sh x17,2047(x18)"},
    {0x813a2023, Op::kSw, 0, 20, 19, -2048, "sw x19,-2048(x20)"},
    {0x80010093, Op::kAddi, 1, 2, kAny, -2048, "addi x1,x2,-2048"},
    {0x7ff22193, Op::kSlti, 3, 4, kAny, 2047, "slti x3,x4,2047"},
    {0xfff33293, Op::kSltiu, 5, 6, kAny, -1, "sltiu x5,x6,-1"},
    {0x55544393, Op::kXori, 7, 8, kAny, 0x555, "xori x7,x8,0x555"},
    {0xaaa56493, Op::kOri, 9, 10, kAny, -0x556, "ori x9,x10,-0x556"},
    {0x0ff67593, Op::kAndi, 11, 12, kAny, 0xff, "andi x11,x12,0xff"},
    {0x01f71693, Op::kSlli, 13, 14, kAny, 31, "slli x13,x14,31"},
    {0x00185793, Op::kSrli, 15, 16, kAny, 1, "srli x15,x16,1"},
    {0x41f95893, Op::kSrai, 17, 18, kAny, 31, "srai x17,x18,31"},
    {0x003100b3, Op::kAdd, 1, 2, 3, std::nullopt, "add x1,x2,x3"},
    {0x40628233, Op::kSub, 4, 5, 6, std::nullopt, "sub x4,x5,x6"},
    {0x009413b3, Op::kSll, 7, 8, 9, std::nullopt, "sll x7,x8,x9"},
    {0x00c5a533, Op::kSlt, 10, 11, 12, std::nullopt, "slt x10,x11,x12"},
    {0x00f736b3, Op::kSltu, 13, 14, 15, std::nullopt, "sltu x13,x14,x15"},
    {0x0128c833, Op::kXor, 16, 17, 18, std::nullopt, "xor x16,x17,x18"},
    {0x015a59b3, Op::kSrl, 19, 20, 21, std::nullopt, "srl x19,x20,x21"},
    {0x418bdb33, Op::kSra, 22, 23, 24, std::nullopt, "sra x22,x23,x24"},
    {0x01bd6cb3, Op::kOr, 25, 26, 27, std::nullopt, "or x25,x26,x27"},
    {0x01eefe33, Op::kAnd, 28, 29, 30, std::nullopt, "and x28,x29,x30"},
    {0x023100b3, Op::kMul, 1, 2, 3, std::nullopt, "mul x1,x2,x3"},
    {0x02629233, Op::kMulh, 4, 5, 6, std::nullopt, "mulh x4,x5,x6"},
    {0x029423b3, Op::kMulhsu, 7, 8, 9, std::nullopt, "mulhsu x7,x8,x9"},
    {0x02c5b533, Op::kMulhu, 10, 11, 12, std::nullopt, "mulhu x10,x11,x12"},
    {0x02f746b3, Op::kDiv, 13, 14, 15, std::nullopt, "div x13,x14,x15"},
    {0x0328d833, Op::kDivu, 16, 17, 18, std::nullopt, "divu x16,x17,x18"},
    {0x035a69b3, Op::kRem, 19, 20, 21, std::nullopt, "rem x19,x20,x21"},
    {0x038bfb33, Op::kRemu, 22, 23, 24, std::nullopt, "remu x22,x23,x24"},
    {0x0ff0000f, Op::kFence, kAny, kAny, kAny, std::nullopt, "fence iorw,iorw"},
    {0x0310000f, Op::kFence, kAny, kAny, kAny, std::nullopt, "fence rw,w"},
    {0x8330000f, Op::kFence, kAny, kAny, kAny, std::nullopt, "fence.tso"},
    {0x0000100f, Op::kFenceI, kAny, kAny, kAny, std::nullopt, "fence.i"},
    {0x00000073, Op::kEcall, kAny, kAny, kAny, std::nullopt, "ecall"},
    {0x00100073, Op::kEbreak, kAny, kAny, kAny, std::nullopt, "ebreak"},
    {0x30200073, Op::kMret, kAny, kAny, kAny, std::nullopt, "mret"},
    {0x10500073, Op::kWfi, kAny, kAny, kAny, std::nullopt, "wfi"},
    {0x340110f3, Op::kCsrrw, 1, 2, kAny, std::nullopt, "csrrw x1,mscratch,x2", 0x340},
    {0x300221f3, Op::kCsrrs, 3, 4, kAny, std::nullopt, "csrrs x3,mstatus,x4", 0x300},
    {0x304332f3, Op::kCsrrc, 5, 6, kAny, std::nullopt, "csrrc x5,mie,x6", 0x304},
    {0x305fd3f3, Op::kCsrrwi, 7, kAny, kAny, 31, "csrrwi x7,mtvec,31", 0x305},
    {0xfff0e473, Op::kCsrrsi, 8, kAny, kAny, 1, "csrrsi x8,0xfff,1", 0xfff},
    {0xb008f073, Op::kCsrrci, 0, kAny, kAny, 17, "csrrci x0,mcycle,17", 0xb00},
};

TEST(Rv32Decoder, BaseIsaGoldenEncodings) {
  for (const Case& c : kBase) check(c, 4);
}

TEST(Rv32Decoder, Decode32AgreesWithDecode) {
  for (const Case& c : kBase) {
    const DecodedInsn a = decode(c.raw), b = decode32(c.raw);
    EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << c.text;
  }
}

// The encoders used by the core tests must produce the assembler's words.
TEST(Rv32Decoder, TestEncodersMatchAssembler) {
  using namespace rv;
  const std::vector<std::pair<uint32_t, uint32_t>> pairs = {
      {lui(t0, 0xfffff000), 0xfffff2b7}, {auipc(ra, 0x80000000), 0x80000097},
      {jal(ra, -1048576), 0x800000ef},   {jal(zero, 1048574), 0x7ffff06f},
      {jal(zero, 0x2aa), 0x2aa0006f},    {jalr(ra, sp, -2048), 0x800100e7},
      {beq(ra, sp, -4096), 0x80208063},  {bne(gp, tp, 4094), 0x7e419fe3},
      {blt(t0, t1, 2048), 0x0062c0e3},   {bge(t2, s0, -2), 0xfe83dfe3},
      {bltu(s1, a0, 16), 0x00a4e863},    {bgeu(a1, a2, -2050), 0xfec5ff63},
      {lb(t0, t1, -1), 0xfff30283},      {lh(t2, s0, 2047), 0x7ff41383},
      {lw(s1, a0, -2048), 0x80052483},   {lbu(a1, a2, 0), 0x00064583},
      {lhu(a3, a4, 1234), 0x4d275683},   {sb(a5, a6, -1), 0xfef80fa3},
      {sh(a7, s2, 2047), 0x7f191fa3},    {sw(s3, s4, -2048), 0x813a2023},
      {addi(ra, sp, -2048), 0x80010093}, {slti(gp, tp, 2047), 0x7ff22193},
      {sltiu(t0, t1, -1), 0xfff33293},   {xori(t2, s0, 0x555), 0x55544393},
      {ori(s1, a0, -0x556), 0xaaa56493}, {andi(a1, a2, 0xff), 0x0ff67593},
      {slli(a3, a4, 31), 0x01f71693},    {srli(a5, a6, 1), 0x00185793},
      {srai(a7, s2, 31), 0x41f95893},    {add(ra, sp, gp), 0x003100b3},
      {sub(tp, t0, t1), 0x40628233},     {sll(t2, s0, s1), 0x009413b3},
      {slt(a0, a1, a2), 0x00c5a533},     {sltu(a3, a4, a5), 0x00f736b3},
      {xor_(a6, a7, s2), 0x0128c833},    {srl(s3, s4, s5), 0x015a59b3},
      {sra(s6, s7, s8), 0x418bdb33},     {or_(s9, s10, s11), 0x01bd6cb3},
      {and_(t3, t4, t5), 0x01eefe33},    {mul(ra, sp, gp), 0x023100b3},
      {mulh(tp, t0, t1), 0x02629233},    {mulhsu(t2, s0, s1), 0x029423b3},
      {mulhu(a0, a1, a2), 0x02c5b533},   {div(a3, a4, a5), 0x02f746b3},
      {divu(a6, a7, s2), 0x0328d833},    {rem(s3, s4, s5), 0x035a69b3},
      {remu(s6, s7, s8), 0x038bfb33},    {csrrw(ra, kMscratch, sp), 0x340110f3},
      {csrrs(gp, kMstatus, tp), 0x300221f3}, {csrrc(t0, kMie, t1), 0x304332f3},
      {csrrwi(t2, kMtvec, 31), 0x305fd3f3},  {csrrsi(s0, 0xfff, 1), 0xfff0e473},
      {csrrci(zero, kMcycle, 17), 0xb008f073},
  };
  for (const auto& [mine, gold] : pairs) EXPECT_EQ(mine, gold) << std::hex << gold;

  const std::vector<std::pair<uint16_t, uint16_t>> cpairs = {
      {c_addi4spn(s0, 4), 0x0040},  {c_addi4spn(a5, 1020), 0x1ffc}, {c_addi4spn(s1, 0x210), 0x0c04},
      {c_lw(s0, a5, 0), 0x4380},    {c_lw(a5, s0, 124), 0x5c7c},    {c_lw(a0, a1, 64), 0x41a8},
      {c_sw(s1, a4, 4), 0xc344},    {c_sw(a5, s0, 124), 0xdc7c},    {c_nop(), 0x0001},
      {c_addi(t0, -32), 0x1281},    {c_addi(t6, 31), 0x0ffd},       {c_jal(-2048), 0x3001},
      {c_jal(2046), 0x2ffd},        {c_jal(0x2aa), 0x246d},         {c_li(a0, -1), 0x557d},
      {c_li(ra, 17), 0x40c5},       {c_addi16sp(-512), 0x7101},     {c_addi16sp(496), 0x617d},
      {c_addi16sp(16), 0x6141},     {c_lui(gp, -32), 0x7181},       {c_lui(t6, 31), 0x6ffd},
      {c_lui(t0, 1), 0x6285},       {c_srli(s0, 31), 0x807d},       {c_srai(a5, 1), 0x8785},
      {c_andi(s1, -32), 0x9881},    {c_andi(a0, 31), 0x897d},       {c_sub(s0, a5), 0x8c1d},
      {c_xor(s1, a4), 0x8cb9},      {c_or(a0, a3), 0x8d55},         {c_and(a1, a2), 0x8df1},
      {c_j(-2048), 0xb001},         {c_j(0x554), 0xab91},           {c_beqz(s0, -256), 0xd001},
      {c_bnez(a5, 254), 0xeffd},    {c_beqz(s1, 0xaa), 0xc4cd},     {c_slli(ra, 31), 0x00fe},
      {c_slli(t6, 1), 0x0f86},      {c_lwsp(ra, 0), 0x4082},        {c_lwsp(t6, 252), 0x5ffe},
      {c_lwsp(t0, 0x84), 0x429a},   {c_jr(ra), 0x8082},             {c_jr(t6), 0x8f82},
      {c_mv(t0, t1), 0x829a},       {c_ebreak(), 0x9002},           {c_jalr(t2), 0x9382},
      {c_add(s0, s1), 0x9426},      {c_swsp(ra, 0), 0xc006},        {c_swsp(t6, 252), 0xdffe},
      {c_swsp(t0, 0xc4), 0xc396},
  };
  for (const auto& [mine, gold] : cpairs) EXPECT_EQ(mine, gold) << std::hex << gold;
}

// ---------------------------------------------------------------- RVC

const std::vector<Case> kCompressed = {
    // c.addi4spn -> addi rd', x2, nzuimm
    {0x0040, Op::kAddi, 8, 2, kAny, 4, "c.addi4spn x8,x2,4"},
    {0x1ffc, Op::kAddi, 15, 2, kAny, 1020, "c.addi4spn x15,x2,1020"},
    {0x0c04, Op::kAddi, 9, 2, kAny, 528, "c.addi4spn x9,x2,528"},
    // c.lw / c.sw
    {0x4380, Op::kLw, 8, 15, kAny, 0, "c.lw x8,0(x15)"},
    {0x5c7c, Op::kLw, 15, 8, kAny, 124, "c.lw x15,124(x8)"},
    {0x41a8, Op::kLw, 10, 11, kAny, 64, "c.lw x10,64(x11)"},
    {0xc344, Op::kSw, 0, 14, 9, 4, "c.sw x9,4(x14)"},
    {0xdc7c, Op::kSw, 0, 8, 15, 124, "c.sw x15,124(x8)"},
    // quadrant 1
    {0x0001, Op::kAddi, 0, 0, kAny, 0, "c.nop"},
    {0x1281, Op::kAddi, 5, 5, kAny, -32, "c.addi x5,-32"},
    {0x0ffd, Op::kAddi, 31, 31, kAny, 31, "c.addi x31,31"},
    {0x3001, Op::kJal, 1, kAny, kAny, -2048, "c.jal .-2048"},
    {0x2ffd, Op::kJal, 1, kAny, kAny, 2046, "c.jal .+2046"},
    {0x246d, Op::kJal, 1, kAny, kAny, 0x2aa, "c.jal .+0x2aa"},
    {0x557d, Op::kAddi, 10, 0, kAny, -1, "c.li x10,-1"},
    {0x40c5, Op::kAddi, 1, 0, kAny, 17, "c.li x1,17"},
    {0x7101, Op::kAddi, 2, 2, kAny, -512, "c.addi16sp x2,-512"},
    {0x617d, Op::kAddi, 2, 2, kAny, 496, "c.addi16sp x2,496"},
    {0x6141, Op::kAddi, 2, 2, kAny, 16, "c.addi16sp x2,16"},
    {0x7181, Op::kLui, 3, kAny, kAny, static_cast<int32_t>(0xfffe0000), "c.lui x3,0xfffe0"},
    {0x6ffd, Op::kLui, 31, kAny, kAny, 0x1f000, "c.lui x31,0x1f"},
    {0x6285, Op::kLui, 5, kAny, kAny, 0x1000, "c.lui x5,0x1"},
    {0x807d, Op::kSrli, 8, 8, kAny, 31, "c.srli x8,31"},
    {0x8785, Op::kSrai, 15, 15, kAny, 1, "c.srai x15,1"},
    {0x9881, Op::kAndi, 9, 9, kAny, -32, "c.andi x9,-32"},
    {0x897d, Op::kAndi, 10, 10, kAny, 31, "c.andi x10,31"},
    {0x8c1d, Op::kSub, 8, 8, 15, std::nullopt, "c.sub x8,x15"},
    {0x8cb9, Op::kXor, 9, 9, 14, std::nullopt, "c.xor x9,x14"},
    {0x8d55, Op::kOr, 10, 10, 13, std::nullopt, "c.or x10,x13"},
    {0x8df1, Op::kAnd, 11, 11, 12, std::nullopt, "c.and x11,x12"},
    {0xb001, Op::kJal, 0, kAny, kAny, -2048, "c.j .-2048"},
    {0xab91, Op::kJal, 0, kAny, kAny, 0x554, "c.j .+0x554"},
    {0xd001, Op::kBeq, 0, 8, 0, -256, "c.beqz x8,.-256"},
    {0xeffd, Op::kBne, 0, 15, 0, 254, "c.bnez x15,.+254"},
    {0xc4cd, Op::kBeq, 0, 9, 0, 0xaa, "c.beqz x9,.+0xaa"},
    // quadrant 2
    {0x00fe, Op::kSlli, 1, 1, kAny, 31, "c.slli x1,31"},
    {0x0f86, Op::kSlli, 31, 31, kAny, 1, "c.slli x31,1"},
    {0x4082, Op::kLw, 1, 2, kAny, 0, "c.lwsp x1,0(x2)"},
    {0x5ffe, Op::kLw, 31, 2, kAny, 252, "c.lwsp x31,252(x2)"},
    {0x429a, Op::kLw, 5, 2, kAny, 132, "c.lwsp x5,132(x2)"},
    {0x8082, Op::kJalr, 0, 1, kAny, 0, "c.jr x1"},
    {0x8f82, Op::kJalr, 0, 31, kAny, 0, "c.jr x31"},
    {0x829a, Op::kAdd, 5, 0, 6, std::nullopt, "c.mv x5,x6"},
    {0x9002, Op::kEbreak, kAny, kAny, kAny, std::nullopt, "c.ebreak"},
    {0x9382, Op::kJalr, 1, 7, kAny, 0, "c.jalr x7"},
    {0x9426, Op::kAdd, 8, 8, 9, std::nullopt, "c.add x8,x9"},
    {0xc006, Op::kSw, 0, 2, 1, 0, "c.swsp x1,0(x2)"},
    {0xdffe, Op::kSw, 0, 2, 31, 252, "c.swsp x31,252(x2)"},
    {0xc396, Op::kSw, 0, 2, 5, 196, "c.swsp x5,196(x2)"},
};

TEST(Rv32Decoder, CompressedGoldenEncodings) {
  for (const Case& c : kCompressed) check(c, 2);
}

TEST(Rv32Decoder, CompressedIgnoresUpperHalfword) {
  // decode() of a 32-bit fetch window whose low halfword is compressed must
  // decode only the low 16 bits and report len 2 and raw = the halfword.
  const DecodedInsn d = decode(0xdead0000u | 0x557d);
  EXPECT_EQ(d.op, Op::kAddi);
  EXPECT_EQ(d.len, 2);
  EXPECT_EQ(d.raw, 0x557du);
  EXPECT_EQ(d.imm, -1);
}

// Hints (rd = x0 forms) are legal and must not write any register.
TEST(Rv32Decoder, CompressedHintsAreLegalAndWriteTheSink) {
  using namespace rv;
  const uint16_t hints[] = {c_addi(zero, 5), c_li(zero, 3), c_lui(zero, 1), c_mv(zero, t0),
                            c_add(zero, t0), c_slli(zero, 3), c_addi(t0, 0), c_srli(s0, 0)};
  for (uint16_t h : hints) {
    const DecodedInsn d = decode16(h);
    EXPECT_NE(d.op, Op::kIllegal) << std::hex << h;
    if (h != c_addi(t0, 0) && h != c_srli(s0, 0)) {
      EXPECT_EQ(d.rd, kZeroSink) << std::hex << h;
    }
  }
}

// ---------------------------------------------------------------- immediates

TEST(Rv32Decoder, ITypeImmediateAllValues) {
  for (int32_t imm = -2048; imm <= 2047; ++imm) {
    ASSERT_EQ(decode32(rv::addi(rv::a0, rv::a1, imm)).imm, imm);
    ASSERT_EQ(decode32(rv::lw(rv::a0, rv::a1, imm)).imm, imm);
    ASSERT_EQ(decode32(rv::jalr(rv::a0, rv::a1, imm)).imm, imm);
    ASSERT_EQ(decode32(rv::sltiu(rv::a0, rv::a1, imm)).imm, imm);  // sign-extended, then unsigned compare
  }
}

TEST(Rv32Decoder, STypeImmediateAllValues) {
  for (int32_t imm = -2048; imm <= 2047; ++imm) {
    const DecodedInsn d = decode32(rv::sw(rv::t3, rv::s4, imm));
    ASSERT_EQ(d.imm, imm);
    ASSERT_EQ(d.rs1, rv::s4);
    ASSERT_EQ(d.rs2, rv::t3);
  }
}

TEST(Rv32Decoder, BTypeImmediateAllValues) {
  for (int32_t off = -4096; off <= 4094; off += 2) {
    const DecodedInsn d = decode32(rv::bgeu(rv::s5, rv::t4, off));
    ASSERT_EQ(d.op, Op::kBgeu);
    ASSERT_EQ(d.imm, off);
    ASSERT_EQ(d.rs1, rv::s5);
    ASSERT_EQ(d.rs2, rv::t4);
  }
}

TEST(Rv32Decoder, JTypeImmediateAllValues) {
  for (int32_t off = -(1 << 20); off < (1 << 20); off += 2) {
    const DecodedInsn d = decode32(rv::jal(rv::ra, off));
    ASSERT_EQ(d.imm, off);
    ASSERT_EQ(d.rd, rv::ra);
  }
}

TEST(Rv32Decoder, UTypeImmediateAllValues) {
  for (uint32_t upper = 0; upper < (1u << 20); ++upper) {
    const uint32_t v = upper << 12;
    ASSERT_EQ(static_cast<uint32_t>(decode32(rv::lui(rv::t0, v)).imm), v);
    ASSERT_EQ(static_cast<uint32_t>(decode32(rv::auipc(rv::t0, v)).imm), v);
  }
}

TEST(Rv32Decoder, ShiftAmountsAllValues) {
  for (uint32_t sh = 0; sh < 32; ++sh) {
    EXPECT_EQ(decode32(rv::slli(rv::a0, rv::a1, sh)).imm, static_cast<int32_t>(sh));
    EXPECT_EQ(decode32(rv::srli(rv::a0, rv::a1, sh)).imm, static_cast<int32_t>(sh));
    const DecodedInsn d = decode32(rv::srai(rv::a0, rv::a1, sh));
    EXPECT_EQ(d.op, Op::kSrai);
    EXPECT_EQ(d.imm, static_cast<int32_t>(sh));  // not the raw 0x400 | shamt
  }
}

TEST(Rv32Decoder, CsrImmediateFormsCarryZimmAndRs1Field) {
  for (uint32_t z = 0; z < 32; ++z) {
    for (uint32_t insn : {rv::csrrwi(rv::a0, 0x340, z), rv::csrrsi(rv::a0, 0x340, z),
                          rv::csrrci(rv::a0, 0x340, z)}) {
      const DecodedInsn d = decode32(insn);
      EXPECT_EQ(d.imm, static_cast<int32_t>(z));  // zero-extended uimm
      EXPECT_EQ(d.rs1, z);  // rs1 == 0 means "no write" for csrrsi/csrrci
      EXPECT_EQ(d.csr, 0x340);
    }
  }
  EXPECT_EQ(decode32(rv::csrrs(rv::a0, 0xfff, rv::zero)).csr, 0xfff);
  EXPECT_EQ(decode32(rv::csrrs(rv::a0, 0xc00, rv::zero)).csr, 0xc00);
}

TEST(Rv32Decoder, CjOffsetAllValues) {
  for (int32_t off = -2048; off <= 2046; off += 2) {
    ASSERT_EQ(decode16(rv::c_j(off)).imm, off);
    ASSERT_EQ(decode16(rv::c_jal(off)).imm, off);
  }
}

TEST(Rv32Decoder, CbOffsetAllValues) {
  for (int32_t off = -256; off <= 254; off += 2) {
    for (uint32_t r = 8; r < 16; ++r) {
      const DecodedInsn e = decode16(rv::c_beqz(r, off));
      ASSERT_EQ(e.op, Op::kBeq);
      ASSERT_EQ(e.imm, off);
      ASSERT_EQ(e.rs1, r);
      ASSERT_EQ(e.rs2, 0);
      const DecodedInsn n = decode16(rv::c_bnez(r, off));
      ASSERT_EQ(n.op, Op::kBne);
      ASSERT_EQ(n.imm, off);
    }
  }
}

TEST(Rv32Decoder, CiwAddi4spnAllValues) {
  for (uint32_t imm = 4; imm <= 1020; imm += 4) {
    const DecodedInsn d = decode16(rv::c_addi4spn(rv::a3, imm));
    ASSERT_EQ(d.op, Op::kAddi);
    ASSERT_EQ(d.imm, static_cast<int32_t>(imm));  // zero-extended
    ASSERT_EQ(d.rd, rv::a3);
    ASSERT_EQ(d.rs1, rv::sp);
  }
}

TEST(Rv32Decoder, ClCsOffsetsAllValues) {
  for (uint32_t off = 0; off <= 124; off += 4) {
    const DecodedInsn l = decode16(rv::c_lw(rv::a4, rv::s1, off));
    ASSERT_EQ(l.imm, static_cast<int32_t>(off));
    ASSERT_EQ(l.rd, rv::a4);
    ASSERT_EQ(l.rs1, rv::s1);
    const DecodedInsn s = decode16(rv::c_sw(rv::a4, rv::s1, off));
    ASSERT_EQ(s.imm, static_cast<int32_t>(off));
    ASSERT_EQ(s.rs2, rv::a4);
    ASSERT_EQ(s.rs1, rv::s1);
  }
}

TEST(Rv32Decoder, StackRelativeOffsetsAllValues) {
  for (uint32_t off = 0; off <= 252; off += 4) {
    const DecodedInsn l = decode16(rv::c_lwsp(rv::s7, off));
    ASSERT_EQ(l.op, Op::kLw);
    ASSERT_EQ(l.imm, static_cast<int32_t>(off));
    ASSERT_EQ(l.rs1, rv::sp);
    const DecodedInsn s = decode16(rv::c_swsp(rv::s7, off));
    ASSERT_EQ(s.op, Op::kSw);
    ASSERT_EQ(s.imm, static_cast<int32_t>(off));
    ASSERT_EQ(s.rs2, rv::s7);
  }
}

TEST(Rv32Decoder, CiImmediatesAllValues) {
  for (int32_t imm = -32; imm <= 31; ++imm) {
    ASSERT_EQ(decode16(rv::c_addi(rv::t1, imm)).imm, imm);
    ASSERT_EQ(decode16(rv::c_li(rv::t1, imm)).imm, imm);
    ASSERT_EQ(decode16(rv::c_andi(rv::s1, imm)).imm, imm);
    if (imm != 0) {
      ASSERT_EQ(decode16(rv::c_lui(rv::t1, imm)).imm, imm * 4096);
    }
  }
  for (int32_t imm = -512; imm <= 496; imm += 16) {
    if (imm == 0) continue;
    ASSERT_EQ(decode16(rv::c_addi16sp(imm)).imm, imm);
  }
  for (uint32_t sh = 1; sh < 32; ++sh) {
    ASSERT_EQ(decode16(rv::c_slli(rv::t1, sh)).imm, static_cast<int32_t>(sh));
    ASSERT_EQ(decode16(rv::c_srli(rv::s1, sh)).imm, static_cast<int32_t>(sh));
    ASSERT_EQ(decode16(rv::c_srai(rv::s1, sh)).imm, static_cast<int32_t>(sh));
  }
}

TEST(Rv32Decoder, CompressedRegisterFieldsAllValues) {
  for (uint32_t rd = 1; rd < 32; ++rd) {
    for (uint32_t rs2 = 1; rs2 < 32; ++rs2) {
      const DecodedInsn mv = decode16(rv::c_mv(rd, rs2));
      ASSERT_EQ(mv.op, Op::kAdd);
      ASSERT_EQ(mv.rd, rd);
      ASSERT_EQ(mv.rs1, 0);
      ASSERT_EQ(mv.rs2, rs2);
      const DecodedInsn a = decode16(rv::c_add(rd, rs2));
      ASSERT_EQ(a.rd, rd);
      ASSERT_EQ(a.rs1, rd);
      ASSERT_EQ(a.rs2, rs2);
    }
    const DecodedInsn jalr = decode16(rv::c_jalr(rd));
    ASSERT_EQ(jalr.op, Op::kJalr);
    ASSERT_EQ(jalr.rd, rv::ra);
    ASSERT_EQ(jalr.rs1, rd);
    ASSERT_EQ(jalr.imm, 0);
  }
}

// ---------------------------------------------------------------- x0

TEST(Rv32Decoder, X0DestinationMapsToSink) {
  using namespace rv;
  for (uint32_t insn : {addi(zero, t0, 1), lui(zero, 0x1000), auipc(zero, 0), jal(zero, 8),
                        jalr(zero, ra, 0), lw(zero, sp, 0), add(zero, t0, t1), mul(zero, t0, t1),
                        csrrs(zero, kMstatus, zero), csrrwi(zero, kMscratch, 3)}) {
    EXPECT_EQ(decode32(insn).rd, kZeroSink) << std::hex << insn;
  }
  // Instructions without rd never name x1..x31 as destination.
  for (uint32_t insn : {sw(t0, sp, 0), beq(t0, t1, 8), ecall(), fence()})
    EXPECT_EQ(decode32(insn).rd, kZeroSink) << std::hex << insn;
  // x1..x31 are kept as is.
  for (uint32_t r = 1; r < 32; ++r) EXPECT_EQ(decode32(addi(r, zero, 1)).rd, r);
  EXPECT_EQ(decode16(c_j(4)).rd, kZeroSink);
  EXPECT_EQ(decode16(c_jr(ra)).rd, kZeroSink);
}

// ---------------------------------------------------------------- illegal

struct IllegalCase {
  uint32_t raw;
  const char* why;
};

const std::vector<IllegalCase> kIllegal32 = {
    {0xffffffff, "opcode 1111111 (>32-bit encoding space)"},
    {0x0000007f, "opcode 1111111"},
    {0x00000003 | (3u << 12), "ld (RV64)"},
    {0x00000003 | (6u << 12), "lwu (RV64)"},
    {0x00000003 | (7u << 12), "load funct3 111"},
    {0x00000023 | (3u << 12), "sd (RV64)"},
    {0x00000023 | (4u << 12), "store funct3 100"},
    {0x00002007, "flw (F not implemented)"},
    {0x00002027, "fsw (F not implemented)"},
    {0x00003007, "fld"},
    {0x00000053, "fadd.s (OP-FP)"},
    {0x0000202f, "amoadd.w (A not implemented)"},
    {0x1000202f, "lr.w (A not implemented)"},
    {0x0000001b, "addiw (RV64 OP-IMM-32)"},
    {0x0000003b, "addw (RV64 OP-32)"},
    {0x00001067, "jalr funct3 001"},
    {0x00002063, "branch funct3 010"},
    {0x00003063, "branch funct3 011"},
    {rv::slli(rv::a0, rv::a1, 0) | (1u << 25), "slli shamt[5]=1 (RV64 only)"},
    {rv::srli(rv::a0, rv::a1, 0) | (1u << 25), "srli shamt[5]=1"},
    {rv::srai(rv::a0, rv::a1, 0) | (1u << 25), "srai shamt[5]=1"},
    {rv::slli(rv::a0, rv::a1, 1) | (0x20u << 25), "slli funct7 0100000"},
    {rv::srli(rv::a0, rv::a1, 1) | (0x10u << 25), "srli funct7 0010000"},
    {rv::add(rv::a0, rv::a1, rv::a2) | (0x02u << 25), "OP funct7 0000010"},
    {rv::add(rv::a0, rv::a1, rv::a2) | (0x40u << 25), "OP funct7 1000000"},
    {rv::sll(rv::a0, rv::a1, rv::a2) | (0x20u << 25), "sll funct7 0100000"},
    {rv::and_(rv::a0, rv::a1, rv::a2) | (0x20u << 25), "and funct7 0100000"},
    {rv::slt(rv::a0, rv::a1, rv::a2) | (0x21u << 25), "slt funct7 0100001"},
    {0x0000200f, "MISC-MEM funct3 010"},
    {0x00004073, "SYSTEM funct3 100"},
    {0x00200073, "uret (N not implemented)"},
    {0x10200073, "sret (no S-mode)"},
    {0x7b200073, "dret (not in debug mode)"},
    {0x12000073, "sfence.vma (no S-mode)"},
    {0x00000173, "ecall with rd != 0"},
    {0x00008073, "ecall with rs1 != 0"},
    {0x10500173, "wfi with rd != 0"},
    {0x30200273, "mret with rd != 0"},
    {0x00000000 | 0x0000006b | 0x00000000, "reserved opcode 1101011"},
    {0x00000057, "OP-V (V not implemented)"},
};

TEST(Rv32Decoder, Illegal32BitEncodings) {
  for (const auto& c : kIllegal32) {
    const DecodedInsn d = decode(c.raw);
    EXPECT_EQ(d.op, Op::kIllegal) << c.why << " 0x" << std::hex << c.raw << " decoded as "
                                  << op_name(d.op);
    EXPECT_EQ(d.len, 4) << c.why;
    EXPECT_EQ(d.raw, c.raw) << c.why;  // reported in mtval
  }
}

const std::vector<IllegalCase> kIllegal16 = {
    {0x0000, "all-zero halfword (defined illegal)"},
    {rv::c_addi4spn(rv::s0, 0), "c.addi4spn nzuimm=0"},
    {static_cast<uint16_t>(rv::c_addi4spn(rv::a5, 0)), "c.addi4spn nzuimm=0 rd'=x15"},
    {rv::c_lui(rv::t0, 0), "c.lui nzimm=0"},
    {rv::c_lui(rv::ra, 0), "c.lui x1 nzimm=0"},
    {0x6101, "c.addi16sp nzimm=0"},
    {rv::c_lwsp(rv::zero, 0), "c.lwsp rd=x0"},
    {rv::c_lwsp(rv::zero, 4), "c.lwsp rd=x0 offset 4"},
    {rv::c_jr(rv::zero), "c.jr rs1=x0"},
    {rv::ca(0, rv::s0, rv::s1, 1), "c.subw (RV64)"},
    {rv::ca(1, rv::s0, rv::s1, 1), "c.addw (RV64)"},
    {rv::ca(2, rv::s0, rv::s1, 1), "reserved CA 1 11 10"},
    {rv::ca(3, rv::s0, rv::s1, 1), "reserved CA 1 11 11"},
    {static_cast<uint16_t>(rv::c_srli(rv::s0, 1) | (1u << 12)), "c.srli shamt[5]=1 (RV32)"},
    {static_cast<uint16_t>(rv::c_srai(rv::s0, 1) | (1u << 12)), "c.srai shamt[5]=1 (RV32)"},
    {static_cast<uint16_t>(rv::c_slli(rv::t0, 1) | (1u << 12)), "c.slli shamt[5]=1 (RV32)"},
    {0x2000, "c.fld"},
    {0x6000, "c.flw (F not implemented)"},
    {0x8000, "reserved quadrant 0 funct3 100"},
    {0xa000, "c.fsd"},
    {0xe000, "c.fsw"},
    {0x2002, "c.fldsp"},
    {0x6082, "c.flwsp"},
    {0xa002, "c.fsdsp"},
    {0xe002, "c.fswsp"},
};

TEST(Rv32Decoder, Illegal16BitEncodings) {
  for (const auto& c : kIllegal16) {
    const DecodedInsn d = decode(c.raw);
    EXPECT_EQ(d.op, Op::kIllegal) << c.why << " 0x" << std::hex << c.raw << " decoded as "
                                  << op_name(d.op);
    EXPECT_EQ(d.len, 2) << c.why;
    EXPECT_EQ(d.raw, c.raw & 0xffffu) << c.why;
  }
}

TEST(Rv32Decoder, IllegalCarriesSystemCost) {
  EXPECT_EQ(decode(0xffffffffu).cost, CostClass::kSystem);
  EXPECT_EQ(decode16(0).cost, CostClass::kSystem);
}

// Exhaustive sweep of the 16-bit space: every halfword decodes (no crash),
// with length 2, and only to ops that RVC can express.
TEST(Rv32Decoder, EveryHalfwordDecodesToAnRvcExpressibleOp) {
  const std::vector<Op> allowed = {Op::kIllegal, Op::kAddi, Op::kLw,   Op::kSw,    Op::kJal,
                                   Op::kLui,     Op::kSrli, Op::kSrai, Op::kAndi,  Op::kSub,
                                   Op::kXor,     Op::kOr,   Op::kAnd,  Op::kBeq,   Op::kBne,
                                   Op::kSlli,    Op::kJalr, Op::kAdd,  Op::kEbreak};
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 3) == 3) continue;
    const DecodedInsn d = decode16(static_cast<uint16_t>(h));
    ASSERT_EQ(d.len, 2) << std::hex << h;
    ASSERT_NE(std::find(allowed.begin(), allowed.end(), d.op), allowed.end())
        << std::hex << h << " -> " << op_name(d.op);
    if (d.op != Op::kIllegal) {
      ASSERT_LE(d.rs1, 31) << std::hex << h;
      ASSERT_LE(d.rs2, 31) << std::hex << h;
      ASSERT_TRUE(d.rd == kZeroSink || (d.rd >= 1 && d.rd <= 31)) << std::hex << h;
    }
  }
}

TEST(Rv32Decoder, OpNamesAreDistinct) {
  std::vector<std::string> names;
  for (int i = 0; i < static_cast<int>(Op::kCount); ++i) names.emplace_back(op_name(static_cast<Op>(i)));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  EXPECT_STREQ(op_name(Op::kMulhsu), "mulhsu");
  EXPECT_STREQ(op_name(Op::kFenceI), "fence.i");
  EXPECT_STREQ(op_name(Op::kCsrrci), "csrrci");
}

TEST(Rv32Decoder, InsnLength) {
  EXPECT_EQ(hpvp::rv32::insn_length(0x0013), 4u);
  EXPECT_EQ(hpvp::rv32::insn_length(0x0001), 2u);
  EXPECT_EQ(hpvp::rv32::insn_length(0x0002), 2u);
  EXPECT_EQ(hpvp::rv32::insn_length(0x0000), 2u);
}

}  // namespace
