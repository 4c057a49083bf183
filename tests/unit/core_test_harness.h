// Shared helpers for the RV32 decoder and core unit tests:
//  - hpvp::test::rv: instruction encoders written from the RISC-V
//    unprivileged spec (v20191213, chapters 2, 7, 9 and 16), independent of
//    the decoder under test (test_rv32_decoder.cpp cross-checks them against
//    words produced by riscv64-unknown-elf-as);
//  - Program: a tiny assembler buffer (32- and 16-bit instructions, data,
//    forward-branch patching);
//  - CoreHarness: Rv32Core + SharedBus + a DMI SRAM at 0x80000000 and a
//    non-DMI SRAM ("io") at 0x10000000, with the interrupt inputs on signals
//    the test drives.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include <systemc>
#include <tlm>

#include "bus/shared_bus.h"
#include "cpu/rv32_core.h"
#include "mem/sram.h"

namespace hpvp::test {

namespace rv {

// ABI register names.
enum Reg : uint32_t {
  zero = 0, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7,
  s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6
};

// CSR numbers (privileged spec v1.12, tables 2.2-2.5).
enum Csr : uint32_t {
  kMstatus = 0x300, kMisa = 0x301, kMie = 0x304, kMtvec = 0x305, kMstatush = 0x310,
  kMcountinhibit = 0x320, kMhpmevent3 = 0x323, kMscratch = 0x340, kMepc = 0x341,
  kMcause = 0x342, kMtval = 0x343, kMip = 0x344, kMcycle = 0xb00, kMinstret = 0xb02,
  kMhpmcounter3 = 0xb03, kMcycleh = 0xb80, kMinstreth = 0xb82, kCycle = 0xc00, kTime = 0xc01,
  kInstret = 0xc02, kCycleh = 0xc80, kInstreth = 0xc82, kMvendorid = 0xf11, kMarchid = 0xf12,
  kMimpid = 0xf13, kMhartid = 0xf14, kMconfigptr = 0xf15
};

// ---- base formats (unprivileged spec, figure 2.3) ----
constexpr uint32_t r_type(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
                          uint32_t opcode) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode;
}
constexpr uint32_t i_type(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opcode) {
  return ((static_cast<uint32_t>(imm) & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) |
         opcode;
}
constexpr uint32_t s_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t opcode) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 0x1f) << 7) |
         opcode;
}
// imm[12|10:5] in 31:25, imm[4:1|11] in 11:7
constexpr uint32_t b_type(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
         (f3 << 12) | (((u >> 1) & 0xf) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
constexpr uint32_t u_type(uint32_t upper, uint32_t rd, uint32_t opcode) {
  return (upper & 0xfffff000u) | (rd << 7) | opcode;
}
// imm[20|10:1|11|19:12] in 31:12
constexpr uint32_t j_type(int32_t imm, uint32_t rd) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) |
         (((u >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}

// ---- RV32I ----
constexpr uint32_t lui(uint32_t rd, uint32_t upper) { return u_type(upper, rd, 0x37); }
constexpr uint32_t auipc(uint32_t rd, uint32_t upper) { return u_type(upper, rd, 0x17); }
constexpr uint32_t jal(uint32_t rd, int32_t off) { return j_type(off, rd); }
constexpr uint32_t jalr(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x67); }
constexpr uint32_t beq(uint32_t rs1, uint32_t rs2, int32_t off) { return b_type(off, rs2, rs1, 0); }
constexpr uint32_t bne(uint32_t rs1, uint32_t rs2, int32_t off) { return b_type(off, rs2, rs1, 1); }
constexpr uint32_t blt(uint32_t rs1, uint32_t rs2, int32_t off) { return b_type(off, rs2, rs1, 4); }
constexpr uint32_t bge(uint32_t rs1, uint32_t rs2, int32_t off) { return b_type(off, rs2, rs1, 5); }
constexpr uint32_t bltu(uint32_t rs1, uint32_t rs2, int32_t off) { return b_type(off, rs2, rs1, 6); }
constexpr uint32_t bgeu(uint32_t rs1, uint32_t rs2, int32_t off) { return b_type(off, rs2, rs1, 7); }
constexpr uint32_t lb(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x03); }
constexpr uint32_t lh(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 1, rd, 0x03); }
constexpr uint32_t lw(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 2, rd, 0x03); }
constexpr uint32_t lbu(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 4, rd, 0x03); }
constexpr uint32_t lhu(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 5, rd, 0x03); }
constexpr uint32_t sb(uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, 0, 0x23); }
constexpr uint32_t sh(uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, 1, 0x23); }
constexpr uint32_t sw(uint32_t rs2, uint32_t rs1, int32_t imm) { return s_type(imm, rs2, rs1, 2, 0x23); }
constexpr uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 0, rd, 0x13); }
constexpr uint32_t slti(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 2, rd, 0x13); }
constexpr uint32_t sltiu(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 3, rd, 0x13); }
constexpr uint32_t xori(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 4, rd, 0x13); }
constexpr uint32_t ori(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 6, rd, 0x13); }
constexpr uint32_t andi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 7, rd, 0x13); }
constexpr uint32_t slli(uint32_t rd, uint32_t rs1, uint32_t sh) { return r_type(0, sh, rs1, 1, rd, 0x13); }
constexpr uint32_t srli(uint32_t rd, uint32_t rs1, uint32_t sh) { return r_type(0, sh, rs1, 5, rd, 0x13); }
constexpr uint32_t srai(uint32_t rd, uint32_t rs1, uint32_t sh) { return r_type(0x20, sh, rs1, 5, rd, 0x13); }
constexpr uint32_t add(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t sub(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0x20, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t sll(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 1, rd, 0x33); }
constexpr uint32_t slt(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 2, rd, 0x33); }
constexpr uint32_t sltu(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 3, rd, 0x33); }
constexpr uint32_t xor_(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 4, rd, 0x33); }
constexpr uint32_t srl(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 5, rd, 0x33); }
constexpr uint32_t sra(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0x20, rs2, rs1, 5, rd, 0x33); }
constexpr uint32_t or_(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 6, rd, 0x33); }
constexpr uint32_t and_(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(0, rs2, rs1, 7, rd, 0x33); }
constexpr uint32_t fence() { return 0x0ff0000f; }  // fence iorw, iorw
constexpr uint32_t fence_i() { return 0x0000100f; }
constexpr uint32_t ecall() { return 0x00000073; }
constexpr uint32_t ebreak() { return 0x00100073; }
constexpr uint32_t mret() { return 0x30200073; }
constexpr uint32_t wfi() { return 0x10500073; }
constexpr uint32_t nop() { return addi(zero, zero, 0); }

// ---- M ----
constexpr uint32_t mul(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 0, rd, 0x33); }
constexpr uint32_t mulh(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 1, rd, 0x33); }
constexpr uint32_t mulhsu(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 2, rd, 0x33); }
constexpr uint32_t mulhu(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 3, rd, 0x33); }
constexpr uint32_t div(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 4, rd, 0x33); }
constexpr uint32_t divu(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 5, rd, 0x33); }
constexpr uint32_t rem(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 6, rd, 0x33); }
constexpr uint32_t remu(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r_type(1, rs2, rs1, 7, rd, 0x33); }

// ---- Zicsr ----
constexpr uint32_t csrrw(uint32_t rd, uint32_t csr, uint32_t rs1) { return i_type(static_cast<int32_t>(csr), rs1, 1, rd, 0x73); }
constexpr uint32_t csrrs(uint32_t rd, uint32_t csr, uint32_t rs1) { return i_type(static_cast<int32_t>(csr), rs1, 2, rd, 0x73); }
constexpr uint32_t csrrc(uint32_t rd, uint32_t csr, uint32_t rs1) { return i_type(static_cast<int32_t>(csr), rs1, 3, rd, 0x73); }
constexpr uint32_t csrrwi(uint32_t rd, uint32_t csr, uint32_t uimm) { return i_type(static_cast<int32_t>(csr), uimm, 5, rd, 0x73); }
constexpr uint32_t csrrsi(uint32_t rd, uint32_t csr, uint32_t uimm) { return i_type(static_cast<int32_t>(csr), uimm, 6, rd, 0x73); }
constexpr uint32_t csrrci(uint32_t rd, uint32_t csr, uint32_t uimm) { return i_type(static_cast<int32_t>(csr), uimm, 7, rd, 0x73); }
constexpr uint32_t csrr(uint32_t rd, uint32_t csr) { return csrrs(rd, csr, zero); }
constexpr uint32_t csrw(uint32_t csr, uint32_t rs1) { return csrrw(zero, csr, rs1); }

// ---- RVC (unprivileged spec chapter 16, tables 16.5-16.7) ----
// Registers of the CIW/CL/CS/CA/CB formats are x8..x15 and passed as such.
constexpr uint16_t creg(uint32_t r) { return static_cast<uint16_t>((r - 8) & 7); }
constexpr uint16_t bit(uint32_t v, unsigned n) { return static_cast<uint16_t>((v >> n) & 1); }
constexpr uint16_t field(uint32_t v, unsigned hi, unsigned lo) {
  return static_cast<uint16_t>((v >> lo) & ((1u << (hi - lo + 1)) - 1));
}
// nzuimm[5:4|9:6|2|3] in 12:5
constexpr uint16_t c_addi4spn(uint32_t rd, uint32_t nzuimm) {
  return static_cast<uint16_t>((0u << 13) | (field(nzuimm, 5, 4) << 11) | (field(nzuimm, 9, 6) << 7) |
                               (bit(nzuimm, 2) << 6) | (bit(nzuimm, 3) << 5) | (creg(rd) << 2) | 0);
}
// offset[5:3] in 12:10, offset[2|6] in 6:5
constexpr uint16_t c_lw(uint32_t rd, uint32_t rs1, uint32_t off) {
  return static_cast<uint16_t>((2u << 13) | (field(off, 5, 3) << 10) | (creg(rs1) << 7) |
                               (bit(off, 2) << 6) | (bit(off, 6) << 5) | (creg(rd) << 2) | 0);
}
constexpr uint16_t c_sw(uint32_t rs2, uint32_t rs1, uint32_t off) {
  return static_cast<uint16_t>((6u << 13) | (field(off, 5, 3) << 10) | (creg(rs1) << 7) |
                               (bit(off, 2) << 6) | (bit(off, 6) << 5) | (creg(rs2) << 2) | 0);
}
// CI: imm[5] in 12, imm[4:0] in 6:2
constexpr uint16_t ci(uint32_t f3, uint32_t rd, int32_t imm, uint32_t op) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return static_cast<uint16_t>((f3 << 13) | (bit(u, 5) << 12) | (rd << 7) | (field(u, 4, 0) << 2) | op);
}
constexpr uint16_t c_nop() { return ci(0, 0, 0, 1); }
constexpr uint16_t c_addi(uint32_t rd, int32_t imm) { return ci(0, rd, imm, 1); }
constexpr uint16_t c_li(uint32_t rd, int32_t imm) { return ci(2, rd, imm, 1); }
// nzimm[17:12] given as the signed 6-bit value
constexpr uint16_t c_lui(uint32_t rd, int32_t nzimm6) { return ci(3, rd, nzimm6, 1); }
// nzimm[9] in 12, nzimm[4|6|8:7|5] in 6:2
constexpr uint16_t c_addi16sp(int32_t imm) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return static_cast<uint16_t>((3u << 13) | (bit(u, 9) << 12) | (2u << 7) | (bit(u, 4) << 6) |
                               (bit(u, 6) << 5) | (field(u, 8, 7) << 3) | (bit(u, 5) << 2) | 1);
}
// CJ: offset[11|4|9:8|10|6|7|3:1|5] in 12:2
constexpr uint16_t cj(uint32_t f3, int32_t off) {
  const uint32_t u = static_cast<uint32_t>(off);
  return static_cast<uint16_t>((f3 << 13) | (bit(u, 11) << 12) | (bit(u, 4) << 11) |
                               (field(u, 9, 8) << 9) | (bit(u, 10) << 8) | (bit(u, 6) << 7) |
                               (bit(u, 7) << 6) | (field(u, 3, 1) << 3) | (bit(u, 5) << 2) | 1);
}
constexpr uint16_t c_jal(int32_t off) { return cj(1, off); }
constexpr uint16_t c_j(int32_t off) { return cj(5, off); }
// CB shifts/andi: funct2 in 11:10
constexpr uint16_t cb_alu(uint32_t f2, uint32_t rd, int32_t imm) {
  const uint32_t u = static_cast<uint32_t>(imm);
  return static_cast<uint16_t>((4u << 13) | (bit(u, 5) << 12) | (f2 << 10) | (creg(rd) << 7) |
                               (field(u, 4, 0) << 2) | 1);
}
constexpr uint16_t c_srli(uint32_t rd, uint32_t sh) { return cb_alu(0, rd, static_cast<int32_t>(sh)); }
constexpr uint16_t c_srai(uint32_t rd, uint32_t sh) { return cb_alu(1, rd, static_cast<int32_t>(sh)); }
constexpr uint16_t c_andi(uint32_t rd, int32_t imm) { return cb_alu(2, rd, imm); }
// CA: 100 0 11 rd' f2 rs2' 01
constexpr uint16_t ca(uint32_t f2, uint32_t rd, uint32_t rs2, uint32_t bit12 = 0) {
  return static_cast<uint16_t>((4u << 13) | (bit12 << 12) | (3u << 10) | (creg(rd) << 7) | (f2 << 5) |
                               (creg(rs2) << 2) | 1);
}
constexpr uint16_t c_sub(uint32_t rd, uint32_t rs2) { return ca(0, rd, rs2); }
constexpr uint16_t c_xor(uint32_t rd, uint32_t rs2) { return ca(1, rd, rs2); }
constexpr uint16_t c_or(uint32_t rd, uint32_t rs2) { return ca(2, rd, rs2); }
constexpr uint16_t c_and(uint32_t rd, uint32_t rs2) { return ca(3, rd, rs2); }
// CB branches: offset[8|4:3] in 12:10, offset[7:6|2:1|5] in 6:2
constexpr uint16_t cb_branch(uint32_t f3, uint32_t rs1, int32_t off) {
  const uint32_t u = static_cast<uint32_t>(off);
  return static_cast<uint16_t>((f3 << 13) | (bit(u, 8) << 12) | (field(u, 4, 3) << 10) |
                               (creg(rs1) << 7) | (field(u, 7, 6) << 5) | (field(u, 2, 1) << 3) |
                               (bit(u, 5) << 2) | 1);
}
constexpr uint16_t c_beqz(uint32_t rs1, int32_t off) { return cb_branch(6, rs1, off); }
constexpr uint16_t c_bnez(uint32_t rs1, int32_t off) { return cb_branch(7, rs1, off); }
constexpr uint16_t c_slli(uint32_t rd, uint32_t sh) { return ci(0, rd, static_cast<int32_t>(sh), 2); }
// offset[5] in 12, offset[4:2|7:6] in 6:2
constexpr uint16_t c_lwsp(uint32_t rd, uint32_t off) {
  return static_cast<uint16_t>((2u << 13) | (bit(off, 5) << 12) | (rd << 7) | (field(off, 4, 2) << 4) |
                               (field(off, 7, 6) << 2) | 2);
}
// CR: funct4 in 15:12
constexpr uint16_t cr(uint32_t f4, uint32_t rd, uint32_t rs2) {
  return static_cast<uint16_t>((f4 << 12) | (rd << 7) | (rs2 << 2) | 2);
}
constexpr uint16_t c_jr(uint32_t rs1) { return cr(8, rs1, 0); }
constexpr uint16_t c_mv(uint32_t rd, uint32_t rs2) { return cr(8, rd, rs2); }
constexpr uint16_t c_ebreak() { return cr(9, 0, 0); }
constexpr uint16_t c_jalr(uint32_t rs1) { return cr(9, rs1, 0); }
constexpr uint16_t c_add(uint32_t rd, uint32_t rs2) { return cr(9, rd, rs2); }
// offset[5:2|7:6] in 12:7
constexpr uint16_t c_swsp(uint32_t rs2, uint32_t off) {
  return static_cast<uint16_t>((6u << 13) | (field(off, 5, 2) << 9) | (field(off, 7, 6) << 7) |
                               (rs2 << 2) | 2);
}

}  // namespace rv

// Machine code under construction at a fixed address.
class Program {
 public:
  explicit Program(uint32_t base) : base_(base) {}

  uint32_t base() const { return base_; }
  uint32_t here() const { return base_ + static_cast<uint32_t>(bytes_.size()); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

  Program& op(uint32_t insn) {
    put(&insn, 4);
    return *this;
  }
  Program& c(uint16_t insn) {
    put(&insn, 2);
    return *this;
  }
  Program& word(uint32_t value) { return op(value); }
  // Always lui + addi (8 bytes, 2 instructions), so instruction counts and
  // cycle sums do not depend on the value.
  Program& li(uint32_t rd, uint32_t value) {
    const uint32_t hi = (value + 0x800u) & 0xfffff000u;
    const int32_t lo = static_cast<int32_t>(value - hi);
    return op(rv::lui(rd, hi)).op(rv::addi(rd, rd, lo));
  }
  // Branch/jump to an absolute target, encoded relative to here().
  Program& jal_to(uint32_t rd, uint32_t target) {
    return op(rv::jal(rd, static_cast<int32_t>(target - here())));
  }
  // Idles in wfi; if an enabled interrupt is pending wfi falls through and
  // the loop spins.
  Program& halt() {
    const uint32_t at = here();
    op(rv::wfi());
    return jal_to(rv::zero, at);
  }
  // Overwrites the 32-bit instruction at `addr` (forward branches).
  void patch(uint32_t addr, uint32_t insn) { std::memcpy(&bytes_.at(addr - base_), &insn, 4); }
  void align(uint32_t to) {
    while (here() % to) bytes_.push_back(0);
  }

 private:
  void put(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  uint32_t base_;
  std::vector<uint8_t> bytes_;
};

// One hart on a bus with two memories:
//   ram 0x80000000, 64 KiB, DMI; io 0x10000000, 4 KiB, no DMI.
// Everything else is unmapped (bus address error).
// Default timing gives whole cycles everywhere (core and bus at 100 MHz):
//   bus beat of <= 8 bytes = (1 arbitration + 1 data) cycles = 20 ns,
//   SRAM = 9 ns latency + 4 bytes at 4 GB/s (1 ns) = 10 ns,
//   so a DMI word access costs 30 ns = 3 core cycles on top of its class.
struct CoreHarness {
  static constexpr uint32_t kRamBase = 0x80000000u;
  static constexpr uint32_t kRamSize = 64 * 1024;
  static constexpr uint32_t kIoBase = 0x10000000u;
  static constexpr uint32_t kIoSize = 4096;
  static constexpr uint32_t kUnmapped = 0x40000000u;
  // Layout of the RAM: code from kRamBase (up to 32 KiB), data, trap log,
  // trap handler.
  static constexpr uint32_t kData = kRamBase + 0x8000;     // data area
  static constexpr uint32_t kLog = kRamBase + 0xa000;      // trap log (log_handler)
  static constexpr uint32_t kHandler = kRamBase + 0xc000;  // trap handler
  static constexpr uint64_t kPeriodPs = 10000;             // 100 MHz
  static constexpr uint64_t kDmiAccessCycles = 3;          // see above

  struct Options {
    Rv32Core::Config core;
    Sram::Config ram;
    Sram::Config io;
    SharedBus::Config bus;
    sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
    Options() {
      core.frequency_hz = 100e6;
      core.reset_pc = kRamBase;
      ram.size = kRamSize;
      ram.latency = sc_core::sc_time(9, sc_core::SC_NS);
      ram.bandwidth_bytes_per_s = 4e9;
      io = ram;
      io.size = kIoSize;
      io.dmi = false;
      bus.frequency_hz = 100e6;
      bus.width_bytes = 8;
      bus.arbitration_cycles = 1;
    }
  };

  explicit CoreHarness(const Options& opt = Options())
      : bus("bus", opt.bus),
        ram("ram", opt.ram),
        io("io", opt.io),
        core("core", opt.core),
        msip("msip", false),
        mtip("mtip", false),
        meip("meip", false) {
    tlm::tlm_global_quantum::instance().set(opt.quantum);
    core.socket.bind(bus.target_socket);
    bus.add_initiator("core");
    bus.initiator_socket.bind(ram.socket);
    bus.map(0, kRamBase, opt.ram.size, "ram");
    bus.initiator_socket.bind(io.socket);
    bus.map(1, kIoBase, opt.io.size, "io");
    core.irq_software.bind(msip);
    core.irq_timer.bind(mtip);
    core.irq_external.bind(meip);
  }

  void load(const Program& p) {
    if (p.base() < kRamBase || p.base() - kRamBase + p.bytes().size() > ram.size())
      throw std::out_of_range("program outside the test RAM");
    std::memcpy(ram.data() + (p.base() - kRamBase), p.bytes().data(), p.bytes().size());
  }
  uint32_t ram32(uint32_t addr) const {
    uint32_t v;
    std::memcpy(&v, const_cast<Sram&>(ram).data() + (addr - kRamBase), 4);
    return v;
  }
  void set_ram32(uint32_t addr, uint32_t v) { std::memcpy(ram.data() + (addr - kRamBase), &v, 4); }
  uint32_t io32(uint32_t addr) const {
    uint32_t v;
    std::memcpy(&v, const_cast<Sram&>(io).data() + (addr - kIoBase), 4);
    return v;
  }
  uint32_t csr(uint16_t n) const {
    auto v = core.peek_csr(n);
    if (!v) throw std::runtime_error("CSR does not exist");
    return *v;
  }

  // Trap handlers, placed at kHandler.
  // halt_handler: stops in wfi; the trap state stays in the CSRs.
  void install_halt_handler() {
    Program h(kHandler);
    h.halt();
    load(h);
  }
  // log_handler: appends {mcause, mepc, mtval} at s11 (which starts at kLog),
  // steps mepc over the 4-byte faulting instruction and returns. Uses t6, s11.
  void install_log_handler() {
    using namespace rv;
    Program h(kHandler);
    h.op(csrr(t6, kMcause)).op(sw(t6, s11, 0));
    h.op(csrr(t6, kMepc)).op(sw(t6, s11, 4));
    h.op(csrr(t6, kMtval)).op(sw(t6, s11, 8));
    h.op(addi(s11, s11, 12));
    h.op(csrr(t6, kMepc)).op(addi(t6, t6, 4)).op(csrw(kMepc, t6));
    h.op(mret());
    load(h);
    core.set_reg(s11, kLog);
  }
  struct LoggedTrap {
    uint32_t cause, epc, tval;
  };
  std::vector<LoggedTrap> logged_traps() const {
    std::vector<LoggedTrap> out;
    for (uint32_t a = kLog; a < core.reg(rv::s11); a += 12)
      out.push_back({ram32(a), ram32(a + 4), ram32(a + 8)});
    return out;
  }
  // Program start at kRamBase: mtvec = kHandler.
  static Program start() {
    Program p(kRamBase);
    p.li(rv::t6, kHandler).op(rv::csrw(rv::kMtvec, rv::t6));
    return p;
  }

  SharedBus bus;
  Sram ram;
  Sram io;
  Rv32Core core;
  sc_core::sc_signal<bool> msip, mtip, meip;
};

}  // namespace hpvp::test
