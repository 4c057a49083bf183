#include "rv32_decoder.h"

#include <cstddef>

namespace hpvp::rv32 {

namespace {

constexpr uint32_t bits(uint32_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}
constexpr int32_t sext(uint32_t v, unsigned width) {
  const uint32_t m = 1u << (width - 1);
  return static_cast<int32_t>((v ^ m) - m);
}
uint8_t dest(uint32_t r) { return r == 0 ? kZeroSink : static_cast<uint8_t>(r); }

DecodedInsn make(Op op, CostClass cost, uint32_t raw, unsigned len, uint32_t rd, uint32_t rs1,
                 uint32_t rs2, int32_t imm) {
  DecodedInsn d;
  d.op = op;
  d.cost = cost;
  d.raw = raw;
  d.len = static_cast<uint8_t>(len);
  d.rd = dest(rd);
  d.rs1 = static_cast<uint8_t>(rs1);
  d.rs2 = static_cast<uint8_t>(rs2);
  d.imm = imm;
  return d;
}

DecodedInsn illegal(uint32_t raw, unsigned len) {
  return make(Op::kIllegal, CostClass::kSystem, raw, len, 0, 0, 0, 0);
}

// ---- 32-bit immediates ----
int32_t imm_i(uint32_t i) { return sext(bits(i, 31, 20), 12); }
int32_t imm_s(uint32_t i) { return sext((bits(i, 31, 25) << 5) | bits(i, 11, 7), 12); }
int32_t imm_b(uint32_t i) {
  return sext((bits(i, 31, 31) << 12) | (bits(i, 7, 7) << 11) | (bits(i, 30, 25) << 5) |
                  (bits(i, 11, 8) << 1),
              13);
}
int32_t imm_j(uint32_t i) {
  return sext((bits(i, 31, 31) << 20) | (bits(i, 19, 12) << 12) | (bits(i, 20, 20) << 11) |
                  (bits(i, 30, 21) << 1),
              21);
}

DecodedInsn decode_op_imm(uint32_t i, uint32_t rd, uint32_t rs1) {
  const uint32_t f3 = bits(i, 14, 12);
  const uint32_t f7 = bits(i, 31, 25);
  const int32_t imm = imm_i(i);
  static constexpr Op kByF3[8] = {Op::kAddi, Op::kSlli, Op::kSlti, Op::kSltiu,
                                  Op::kXori, Op::kSrli, Op::kOri,  Op::kAndi};
  Op op = kByF3[f3];
  if (f3 == 1 && f7 != 0) return illegal(i, 4);
  if (f3 == 5) {
    if (f7 == 0x20)
      op = Op::kSrai;
    else if (f7 != 0)
      return illegal(i, 4);
  }
  const int32_t value = (f3 == 1 || f3 == 5) ? static_cast<int32_t>(bits(i, 24, 20)) : imm;
  return make(op, CostClass::kAlu, i, 4, rd, rs1, 0, value);
}

DecodedInsn decode_op(uint32_t i, uint32_t rd, uint32_t rs1, uint32_t rs2) {
  const uint32_t f3 = bits(i, 14, 12);
  const uint32_t f7 = bits(i, 31, 25);
  if (f7 == 0) {
    static constexpr Op kOps[8] = {Op::kAdd, Op::kSll, Op::kSlt, Op::kSltu,
                                   Op::kXor, Op::kSrl, Op::kOr,  Op::kAnd};
    return make(kOps[f3], CostClass::kAlu, i, 4, rd, rs1, rs2, 0);
  }
  if (f7 == 0x20 && (f3 == 0 || f3 == 5))
    return make(f3 == 0 ? Op::kSub : Op::kSra, CostClass::kAlu, i, 4, rd, rs1, rs2, 0);
  if (f7 == 1) {
    static constexpr Op kOps[8] = {Op::kMul, Op::kMulh, Op::kMulhsu, Op::kMulhu,
                                   Op::kDiv, Op::kDivu, Op::kRem,    Op::kRemu};
    return make(kOps[f3], f3 < 4 ? CostClass::kMul : CostClass::kDiv, i, 4, rd, rs1, rs2, 0);
  }
  return illegal(i, 4);
}

DecodedInsn decode_system(uint32_t i, uint32_t rd, uint32_t rs1) {
  const uint32_t f3 = bits(i, 14, 12);
  if (f3 == 0) {
    switch (i) {
      case 0x00000073:
        return make(Op::kEcall, CostClass::kSystem, i, 4, 0, 0, 0, 0);
      case 0x00100073:
        return make(Op::kEbreak, CostClass::kSystem, i, 4, 0, 0, 0, 0);
      case 0x30200073:
        return make(Op::kMret, CostClass::kSystem, i, 4, 0, 0, 0, 0);
      case 0x10500073:
        return make(Op::kWfi, CostClass::kSystem, i, 4, 0, 0, 0, 0);
      default:
        return illegal(i, 4);
    }
  }
  static constexpr Op kOps[8] = {Op::kIllegal, Op::kCsrrw,  Op::kCsrrs,  Op::kCsrrc,
                                 Op::kIllegal, Op::kCsrrwi, Op::kCsrrsi, Op::kCsrrci};
  if (kOps[f3] == Op::kIllegal) return illegal(i, 4);
  // Immediate forms carry the 5-bit zimm in the rs1 field; rs1 keeps the raw
  // field too, because rs1 == 0 suppresses the write for csrrs/csrrc(i).
  DecodedInsn d = make(kOps[f3], CostClass::kCsr, i, 4, rd, rs1, 0, static_cast<int32_t>(rs1));
  d.csr = static_cast<uint16_t>(bits(i, 31, 20));
  return d;
}

// ---- compressed ----
uint32_t creg(uint32_t v) { return v + 8; }  // rd'/rs1'/rs2' -> x8..x15

int32_t cimm6(uint16_t c) { return sext((bits(c, 12, 12) << 5) | bits(c, 6, 2), 6); }
int32_t cj_offset(uint16_t c) {
  return sext((bits(c, 12, 12) << 11) | (bits(c, 11, 11) << 4) | (bits(c, 10, 9) << 8) |
                  (bits(c, 8, 8) << 10) | (bits(c, 7, 7) << 6) | (bits(c, 6, 6) << 7) |
                  (bits(c, 5, 3) << 1) | (bits(c, 2, 2) << 5),
              12);
}
int32_t cb_offset(uint16_t c) {
  return sext((bits(c, 12, 12) << 8) | (bits(c, 11, 10) << 3) | (bits(c, 6, 5) << 6) |
                  (bits(c, 4, 3) << 1) | (bits(c, 2, 2) << 5),
              9);
}
int32_t clw_offset(uint16_t c) {
  return static_cast<int32_t>((bits(c, 12, 10) << 3) | (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 6));
}

DecodedInsn decode_q0(uint16_t c) {
  const uint32_t rd_p = creg(bits(c, 4, 2));
  const uint32_t rs1_p = creg(bits(c, 9, 7));
  switch (bits(c, 15, 13)) {
    case 0: {  // c.addi4spn
      const uint32_t nzuimm = (bits(c, 12, 11) << 4) | (bits(c, 10, 7) << 6) |
                              (bits(c, 6, 6) << 2) | (bits(c, 5, 5) << 3);
      if (nzuimm == 0) return illegal(c, 2);  // includes the all-zero halfword
      return make(Op::kAddi, CostClass::kAlu, c, 2, rd_p, 2, 0, static_cast<int32_t>(nzuimm));
    }
    case 2:  // c.lw
      return make(Op::kLw, CostClass::kLoad, c, 2, rd_p, rs1_p, 0, clw_offset(c));
    case 6:  // c.sw
      return make(Op::kSw, CostClass::kStore, c, 2, 0, rs1_p, rd_p, clw_offset(c));
    default:  // c.fld/c.flw/c.fsd/c.fsw need F/D; 100 is reserved
      return illegal(c, 2);
  }
}

DecodedInsn decode_q1_arith(uint16_t c) {
  const uint32_t rd = creg(bits(c, 9, 7));
  const uint32_t shamt = (bits(c, 12, 12) << 5) | bits(c, 6, 2);
  switch (bits(c, 11, 10)) {
    case 0:  // c.srli (shamt[5] must be 0 on RV32)
    case 1:  // c.srai
      if (shamt & 0x20) return illegal(c, 2);
      return make(bits(c, 11, 10) == 0 ? Op::kSrli : Op::kSrai, CostClass::kAlu, c, 2, rd, rd, 0,
                  static_cast<int32_t>(shamt));
    case 2:  // c.andi
      return make(Op::kAndi, CostClass::kAlu, c, 2, rd, rd, 0, cimm6(c));
    default: {
      if (bits(c, 12, 12)) return illegal(c, 2);  // c.subw/c.addw are RV64 only
      static constexpr Op kOps[4] = {Op::kSub, Op::kXor, Op::kOr, Op::kAnd};
      return make(kOps[bits(c, 6, 5)], CostClass::kAlu, c, 2, rd, rd, creg(bits(c, 4, 2)), 0);
    }
  }
}

DecodedInsn decode_q1(uint16_t c) {
  const uint32_t rd = bits(c, 11, 7);
  switch (bits(c, 15, 13)) {
    case 0:  // c.addi (rd == 0 is c.nop / a hint)
      return make(Op::kAddi, CostClass::kAlu, c, 2, rd, rd, 0, cimm6(c));
    case 1:  // c.jal (RV32)
      return make(Op::kJal, CostClass::kJump, c, 2, 1, 0, 0, cj_offset(c));
    case 2:  // c.li
      return make(Op::kAddi, CostClass::kAlu, c, 2, rd, 0, 0, cimm6(c));
    case 3:
      if (rd == 2) {  // c.addi16sp
        const int32_t imm =
            sext((bits(c, 12, 12) << 9) | (bits(c, 6, 6) << 4) | (bits(c, 5, 5) << 6) |
                     (bits(c, 4, 3) << 7) | (bits(c, 2, 2) << 5),
                 10);
        if (imm == 0) return illegal(c, 2);
        return make(Op::kAddi, CostClass::kAlu, c, 2, 2, 2, 0, imm);
      } else {  // c.lui
        const int32_t imm = cimm6(c) * 4096;
        if (imm == 0) return illegal(c, 2);
        return make(Op::kLui, CostClass::kAlu, c, 2, rd, 0, 0, imm);
      }
    case 4:
      return decode_q1_arith(c);
    case 5:  // c.j
      return make(Op::kJal, CostClass::kJump, c, 2, 0, 0, 0, cj_offset(c));
    case 6:  // c.beqz
      return make(Op::kBeq, CostClass::kBranch, c, 2, 0, creg(bits(c, 9, 7)), 0, cb_offset(c));
    default:  // c.bnez
      return make(Op::kBne, CostClass::kBranch, c, 2, 0, creg(bits(c, 9, 7)), 0, cb_offset(c));
  }
}

DecodedInsn decode_q2(uint16_t c) {
  const uint32_t rd = bits(c, 11, 7);
  const uint32_t rs2 = bits(c, 6, 2);
  switch (bits(c, 15, 13)) {
    case 0: {  // c.slli
      const uint32_t shamt = (bits(c, 12, 12) << 5) | rs2;
      if (shamt & 0x20) return illegal(c, 2);
      return make(Op::kSlli, CostClass::kAlu, c, 2, rd, rd, 0, static_cast<int32_t>(shamt));
    }
    case 2: {  // c.lwsp
      if (rd == 0) return illegal(c, 2);
      const uint32_t off = (bits(c, 12, 12) << 5) | (bits(c, 6, 4) << 2) | (bits(c, 3, 2) << 6);
      return make(Op::kLw, CostClass::kLoad, c, 2, rd, 2, 0, static_cast<int32_t>(off));
    }
    case 4:
      if (bits(c, 12, 12) == 0) {
        if (rs2 == 0) {  // c.jr
          if (rd == 0) return illegal(c, 2);
          return make(Op::kJalr, CostClass::kJump, c, 2, 0, rd, 0, 0);
        }
        return make(Op::kAdd, CostClass::kAlu, c, 2, rd, 0, rs2, 0);  // c.mv
      }
      if (rd == 0 && rs2 == 0) return make(Op::kEbreak, CostClass::kSystem, c, 2, 0, 0, 0, 0);
      if (rs2 == 0) return make(Op::kJalr, CostClass::kJump, c, 2, 1, rd, 0, 0);  // c.jalr
      return make(Op::kAdd, CostClass::kAlu, c, 2, rd, rd, rs2, 0);               // c.add
    case 6: {                                                                     // c.swsp
      const uint32_t off = (bits(c, 12, 9) << 2) | (bits(c, 8, 7) << 6);
      return make(Op::kSw, CostClass::kStore, c, 2, 0, 2, rs2, static_cast<int32_t>(off));
    }
    default:  // floating-point loads/stores from the stack
      return illegal(c, 2);
  }
}

}  // namespace

DecodedInsn decode32(uint32_t i) {
  const uint32_t rd = bits(i, 11, 7);
  const uint32_t rs1 = bits(i, 19, 15);
  const uint32_t rs2 = bits(i, 24, 20);
  const uint32_t f3 = bits(i, 14, 12);
  switch (bits(i, 6, 0)) {
    case 0x37:
      return make(Op::kLui, CostClass::kAlu, i, 4, rd, 0, 0, static_cast<int32_t>(i & 0xfffff000u));
    case 0x17:
      return make(Op::kAuipc, CostClass::kAlu, i, 4, rd, 0, 0,
                  static_cast<int32_t>(i & 0xfffff000u));
    case 0x6f:
      return make(Op::kJal, CostClass::kJump, i, 4, rd, 0, 0, imm_j(i));
    case 0x67:
      if (f3 != 0) return illegal(i, 4);
      return make(Op::kJalr, CostClass::kJump, i, 4, rd, rs1, 0, imm_i(i));
    case 0x63: {
      static constexpr Op kOps[8] = {Op::kBeq, Op::kBne, Op::kIllegal, Op::kIllegal,
                                     Op::kBlt, Op::kBge, Op::kBltu,    Op::kBgeu};
      if (kOps[f3] == Op::kIllegal) return illegal(i, 4);
      return make(kOps[f3], CostClass::kBranch, i, 4, 0, rs1, rs2, imm_b(i));
    }
    case 0x03: {
      static constexpr Op kOps[8] = {Op::kLb,  Op::kLh,  Op::kLw,      Op::kIllegal,
                                     Op::kLbu, Op::kLhu, Op::kIllegal, Op::kIllegal};
      if (kOps[f3] == Op::kIllegal) return illegal(i, 4);
      return make(kOps[f3], CostClass::kLoad, i, 4, rd, rs1, 0, imm_i(i));
    }
    case 0x23: {
      if (f3 > 2) return illegal(i, 4);
      static constexpr Op kOps[3] = {Op::kSb, Op::kSh, Op::kSw};
      return make(kOps[f3], CostClass::kStore, i, 4, 0, rs1, rs2, imm_s(i));
    }
    case 0x13:
      return decode_op_imm(i, rd, rs1);
    case 0x33:
      return decode_op(i, rd, rs1, rs2);
    case 0x0f:
      // fence (any pred/succ/fm, treated as a full fence) and fence.i
      if (f3 == 0) return make(Op::kFence, CostClass::kSystem, i, 4, 0, 0, 0, 0);
      if (f3 == 1) return make(Op::kFenceI, CostClass::kSystem, i, 4, 0, 0, 0, 0);
      return illegal(i, 4);
    case 0x73:
      return decode_system(i, rd, rs1);
    default:
      return illegal(i, 4);
  }
}

DecodedInsn decode16(uint16_t c) {
  switch (c & 3) {
    case 0:
      return decode_q0(c);
    case 1:
      return decode_q1(c);
    case 2:
      return decode_q2(c);
    default:
      return illegal(c, 2);  // not compressed: callers use decode32
  }
}

const char* op_name(Op op) {
  static constexpr const char* kNames[] = {
      "undecoded", "illegal", "lui",    "auipc",   "jal",   "jalr",   "beq",   "bne",  "blt",
      "bge",       "bltu",    "bgeu",   "lb",      "lh",    "lw",     "lbu",   "lhu",  "sb",
      "sh",        "sw",      "addi",   "slti",    "sltiu", "xori",   "ori",   "andi", "slli",
      "srli",      "srai",    "add",    "sub",     "sll",   "slt",    "sltu",  "xor",  "srl",
      "sra",       "or",      "and",    "mul",     "mulh",  "mulhsu", "mulhu", "div",  "divu",
      "rem",       "remu",    "fence",  "fence.i", "ecall", "ebreak", "mret",  "wfi",  "csrrw",
      "csrrs",     "csrrc",   "csrrwi", "csrrsi",  "csrrci"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(Op::kCount));
  return kNames[static_cast<size_t>(op)];
}

}  // namespace hpvp::rv32
