// RV32IMC + Zicsr instruction decoder. Instructions are decoded once into a
// compact DecodedInsn that the core caches per code page; compressed (RVC)
// instructions expand to the equivalent base operation, so the executor only
// knows the base ISA.
#pragma once

#include <cstdint>

namespace hpvp::rv32 {

enum class Op : uint8_t {
  kUndecoded = 0,  // cache slot not filled yet
  kIllegal,
  kLui,
  kAuipc,
  kJal,
  kJalr,
  kBeq,
  kBne,
  kBlt,
  kBge,
  kBltu,
  kBgeu,
  kLb,
  kLh,
  kLw,
  kLbu,
  kLhu,
  kSb,
  kSh,
  kSw,
  kAddi,
  kSlti,
  kSltiu,
  kXori,
  kOri,
  kAndi,
  kSlli,
  kSrli,
  kSrai,
  kAdd,
  kSub,
  kSll,
  kSlt,
  kSltu,
  kXor,
  kSrl,
  kSra,
  kOr,
  kAnd,
  kMul,
  kMulh,
  kMulhsu,
  kMulhu,
  kDiv,
  kDivu,
  kRem,
  kRemu,
  kFence,
  kFenceI,
  kEcall,
  kEbreak,
  kMret,
  kWfi,
  kCsrrw,
  kCsrrs,
  kCsrrc,
  kCsrrwi,
  kCsrrsi,
  kCsrrci,
  kCount
};

// Timing classes of the per-instruction cycle cost table (configs: cpu.cycles).
enum class CostClass : uint8_t {
  kAlu,
  kMul,
  kDiv,
  kLoad,
  kStore,
  kBranch,
  kJump,
  kCsr,
  kSystem,
  kCount
};

// Register index that receives writes to x0: the register file has 33
// entries and x0 writes land in a sink, so x[0] stays zero without a check.
constexpr uint8_t kZeroSink = 32;

struct DecodedInsn {
  Op op = Op::kUndecoded;
  uint8_t rd = 0;  // kZeroSink when the architectural rd is x0
  uint8_t rs1 = 0;
  uint8_t rs2 = 0;
  uint8_t len = 0;  // 2 or 4 bytes
  CostClass cost = CostClass::kAlu;
  uint16_t csr = 0;  // CSR number for Zicsr ops
  int32_t imm = 0;   // sign-extended immediate (uimm/zimm for CSR immediates)
  uint32_t raw = 0;  // instruction bits, reported in mtval on illegal instruction
};
static_assert(sizeof(DecodedInsn) == 16, "keep decoded instructions cache friendly");

// Length in bytes of the instruction whose low halfword is `low16`.
inline unsigned insn_length(uint16_t low16) { return (low16 & 3) == 3 ? 4 : 2; }

DecodedInsn decode32(uint32_t insn);
DecodedInsn decode16(uint16_t insn);
inline DecodedInsn decode(uint32_t bits) {
  return insn_length(static_cast<uint16_t>(bits)) == 4 ? decode32(bits)
                                                       : decode16(static_cast<uint16_t>(bits));
}

const char* op_name(Op op);

}  // namespace hpvp::rv32
