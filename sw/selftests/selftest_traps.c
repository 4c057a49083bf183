/* Synchronous exception and trap-CSR self-test (M-mode only core).
 *
 * A trap hook records each exception and resumes after the faulting
 * instruction; the checks compare mcause/mepc/mtval against the privileged
 * specification. Exit status = failed checks. */
#include <stdio.h>

#include <hpvp/rt.h>

#define NORVC(body) ".option push\n.option norvc\n" body "\n.option pop\n"

/* Absolute address of local label 1 into operand %0 (no pc-relative math). */
#define ADDR_OF_1F "lui %0, %%hi(1f)\naddi %0, %0, %%lo(1f)\n"

/* Unmapped on QEMU virt and on the VP's default map (configs/virt.yaml). */
#define UNMAPPED_ADDR 0x00200000u

struct trap_record {
  uint32_t count, cause, epc, tval, mstatus;
  int32_t vector;
};

static volatile struct trap_record rec;

static void reset_record(void) {
  rec.count = 0;
  rec.cause = rec.epc = rec.tval = rec.mstatus = 0xffffffff;
  rec.vector = -2;
}

/* When set, a fetch fault returns to this address (the faulting jump's link
 * register) instead of skipping an instruction at the unmapped mepc. */
static volatile uint32_t fetch_fault_resume;

static bool record_trap(struct rt_trap_frame *f) {
  if (f->mcause & MCAUSE_INTERRUPT) return false;
  rec.count++;
  rec.cause = f->mcause;
  rec.epc = f->mepc;
  rec.tval = f->mtval;
  rec.mstatus = f->mstatus;
  rec.vector = f->vector;
  if (f->mcause == CAUSE_FETCH_ACCESS && fetch_fault_resume)
    f->mepc = fetch_fault_resume;
  else
    rt_trap_skip(f);
  return true;
}

/* Checks one recorded trap: exactly one, with this cause and epc. */
#define CHECK_TRAP(want_cause, want_epc) \
  do {                                   \
    CHECK_EQ(rec.count, 1);              \
    CHECK_EQ(rec.cause, (want_cause));   \
    CHECK_EQ(rec.epc, (want_epc));       \
  } while (0)

/* ---- instruction-level exceptions --------------------------------------- */

/* Runs a 32-bit instruction word at a known address; returns that address. */
#define RUN_WORD(word)                                                             \
  ({                                                                               \
    uint32_t at_;                                                                  \
    __asm__ volatile(NORVC(ADDR_OF_1F "1: .4byte " #word) : "=&r"(at_)::"memory"); \
    at_;                                                                           \
  })

static void check_illegal_word(uint32_t at, uint32_t word, const char *what) {
  unsigned failed_before = rt_checks_failed;
  CHECK_TRAP(CAUSE_ILLEGAL_INSN, at);
  /* The spec allows mtval = 0 or the faulting instruction bits. */
  CHECK(rec.tval == 0 || rec.tval == word);
  printf("%s: mtval=0x%08lx\n", what, (unsigned long)rec.tval);
  if (rt_checks_failed != failed_before) printf("  in case %s\n", what);
}

static void test_illegal(void) {
  rt_test_group("illegal instruction");
  reset_record();
  uint32_t at = RUN_WORD(0x0000000b); /* custom-0 major opcode */
  check_illegal_word(at, 0x0000000b, "custom-0 opcode");
  reset_record();
  at = RUN_WORD(0xfe000033); /* OP with funct7 = 0x7f */
  check_illegal_word(at, 0xfe000033, "OP funct7=0x7f");
  reset_record();
  at = RUN_WORD(0x00007013); /* OP-IMM funct3=7 is andi: legal, must not trap */
  CHECK_EQ(rec.count, 0);
  reset_record();
  at = RUN_WORD(0x00001033 | (1u << 25)); /* mulh x0: legal (M), must not trap */
  CHECK_EQ(rec.count, 0);
  reset_record();
  at = RUN_WORD(0xffffffff); /* reserved >= 48-bit encoding space */
  CHECK_TRAP(CAUSE_ILLEGAL_INSN, at);
}

static void test_ecall_ebreak(void) {
  rt_test_group("ecall / ebreak");
  uint32_t at;
  reset_record();
  __asm__ volatile(NORVC(ADDR_OF_1F "1: ecall") : "=&r"(at)::"memory");
  CHECK_TRAP(CAUSE_ECALL_M, at);
  CHECK_EQ(rec.tval, 0);

  reset_record();
  __asm__ volatile(NORVC(ADDR_OF_1F "1: ebreak") : "=&r"(at)::"memory");
  CHECK_TRAP(CAUSE_BREAKPOINT, at);
  CHECK(rec.tval == 0 || rec.tval == at);
  /* A trap from M-mode records MPP = M. */
  CHECK_EQ(rec.mstatus & MSTATUS_MPP, MSTATUS_MPP);
}

/* ---- memory exceptions ------------------------------------------------------ */

static uint8_t misaligned_buf[16] __attribute__((aligned(8))) = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* Either trap (cause, mtval = address) or perform the access correctly; the
 * spec permits both. Reports which one this machine does. */
static void check_misaligned(const char *what, uint32_t cause, uint32_t addr, bool performed_ok) {
  if (rec.count == 0) {
    printf("%s at 0x%08lx: performed without trapping\n", what, (unsigned long)addr);
    CHECK(performed_ok);
  } else {
    printf("%s at 0x%08lx: trapped\n", what, (unsigned long)addr);
    CHECK_EQ(rec.count, 1);
    CHECK_EQ(rec.cause, cause);
    CHECK_EQ(rec.tval, addr);
  }
}

static void test_misaligned(void) {
  rt_test_group("misaligned load/store");
  uint8_t *b = misaligned_buf;
  uint32_t v = 0;

  reset_record();
  __asm__ volatile("lw %0, 1(%1)" : "+r"(v) : "r"(b) : "memory");
  check_misaligned("lw", CAUSE_MISALIGNED_LOAD, (uintptr_t)b + 1, v == 0x44332211);
  v = 0;
  reset_record();
  __asm__ volatile("lh %0, 3(%1)" : "+r"(v) : "r"(b) : "memory");
  check_misaligned("lh", CAUSE_MISALIGNED_LOAD, (uintptr_t)b + 3, v == 0x4433);
  v = 0;
  reset_record();
  __asm__ volatile("lhu %0, 7(%1)" : "+r"(v) : "r"(b) : "memory");
  check_misaligned("lhu", CAUSE_MISALIGNED_LOAD, (uintptr_t)b + 7, v == 0x8877);

  reset_record();
  __asm__ volatile("sw %0, 10(%1)" ::"r"(0xa1b2c3d4), "r"(b) : "memory");
  uint32_t got = b[10] | b[11] << 8 | (uint32_t)b[12] << 16 | (uint32_t)b[13] << 24;
  check_misaligned("sw", CAUSE_MISALIGNED_STORE, (uintptr_t)b + 10, got == 0xa1b2c3d4);
  reset_record();
  __asm__ volatile("sh %0, 5(%1)" ::"r"(0xbeef), "r"(b) : "memory");
  check_misaligned("sh", CAUSE_MISALIGNED_STORE, (uintptr_t)b + 5, b[5] == 0xef && b[6] == 0xbe);
}

static void test_access_faults(void) {
  rt_test_group("access faults");
  uint32_t at, v;
  reset_record();
  __asm__ volatile(ADDR_OF_1F "1: lw %1, 0(%2)"
                   : "=&r"(at), "=r"(v)
                   : "r"(UNMAPPED_ADDR)
                   : "memory");
  CHECK_TRAP(CAUSE_LOAD_ACCESS, at);
  CHECK_EQ(rec.tval, UNMAPPED_ADDR);

  reset_record();
  __asm__ volatile(ADDR_OF_1F "1: lbu %1, 3(%2)"
                   : "=&r"(at), "=r"(v)
                   : "r"(UNMAPPED_ADDR)
                   : "memory");
  CHECK_TRAP(CAUSE_LOAD_ACCESS, at);
  CHECK_EQ(rec.tval, UNMAPPED_ADDR + 3);

  reset_record();
  __asm__ volatile(ADDR_OF_1F "1: sw %1, 8(%2)"
                   : "=&r"(at)
                   : "r"(0x1234), "r"(UNMAPPED_ADDR)
                   : "memory");
  CHECK_TRAP(CAUSE_STORE_ACCESS, at);
  CHECK_EQ(rec.tval, UNMAPPED_ADDR + 8);

  reset_record();
  __asm__ volatile(ADDR_OF_1F "1: sh %1, 2(%2)"
                   : "=&r"(at)
                   : "r"(0x1234), "r"(UNMAPPED_ADDR)
                   : "memory");
  CHECK_TRAP(CAUSE_STORE_ACCESS, at);
  CHECK_EQ(rec.tval, UNMAPPED_ADDR + 2);

  /* Instruction fetch from unmapped memory: mepc = mtval = target. */
  reset_record();
  fetch_fault_resume = 0;
  __asm__ volatile(NORVC("lui t0, %%hi(1f)\naddi t0, t0, %%lo(1f)\n"
                         "sw t0, %0\n"
                         "jalr ra, 0(%1)\n1:")
                   : "=m"(fetch_fault_resume)
                   : "r"(UNMAPPED_ADDR)
                   : "t0", "ra", "memory");
  fetch_fault_resume = 0;
  CHECK_TRAP(CAUSE_FETCH_ACCESS, UNMAPPED_ADDR);
  CHECK_EQ(rec.tval, UNMAPPED_ADDR);
}

/* ---- CSR access rules --------------------------------------------------- */

#define CSR_INSN_TRAPS(insn)                                                  \
  ({                                                                          \
    uint32_t at_, v_ = 0;                                                     \
    reset_record();                                                           \
    __asm__ volatile(ADDR_OF_1F "1: " insn : "=&r"(at_), "+r"(v_)::"memory"); \
    rec.count == 1 && rec.cause == CAUSE_ILLEGAL_INSN &&rec.epc == at_;       \
  })

static void test_csr_rules(void) {
  rt_test_group("csr access rules");
  /* Writes to read-only CSRs (number bits [11:10] = 11) are illegal... */
  CHECK(CSR_INSN_TRAPS("csrw mvendorid, %1"));
  CHECK(CSR_INSN_TRAPS("csrw mhartid, %1"));
  CHECK(CSR_INSN_TRAPS("csrrsi %1, mimpid, 1"));
  CHECK(CSR_INSN_TRAPS("csrrwi %1, mhartid, 0"));
  /* ...even when the written value equals the current one. */
  CHECK(CSR_INSN_TRAPS("csrrw %1, mhartid, x0"));
  /* ...but reading them with a non-writing form is fine. */
  CHECK(!CSR_INSN_TRAPS("csrrs %1, mhartid, x0"));
  CHECK(!CSR_INSN_TRAPS("csrrci %1, mvendorid, 0"));
  /* csrrs with rs1 != x0 holding zero: the spec says it still writes (and so
   * must trap on a read-only CSR); report what this machine does. */
  bool traps = CSR_INSN_TRAPS("csrrs %1, marchid, %1");
  printf("csrrs marchid, rs1=0 (not x0): %s\n", traps ? "trapped" : "did not trap");
  /* Unimplemented CSR numbers trap on any access. */
  CHECK(CSR_INSN_TRAPS("csrr %1, 0x7ff"));
  CHECK(CSR_INSN_TRAPS("csrw 0x7ff, %1"));
  CHECK(CSR_INSN_TRAPS("csrr %1, 0x3ff"));
}

/* ---- trap CSRs ---------------------------------------------------------- */

static void test_mepc_mtvec(void) {
  rt_test_group("mepc / mtvec / mstatus");
  uint32_t saved_mepc = csr_read(mepc);
  csr_write(mepc, 0x80001233);
  uint32_t epc = csr_read(mepc);
  /* IALIGN=16: bit 1 is writable, bit 0 always reads zero. QEMU 7.2 keeps bit
   * 0 as written (a known deviation), so that is reported, not failed. */
  CHECK_EQ(epc & ~1u, 0x80001232);
  if (epc & 1u) printf("note: mepc[0] reads back as 1 (spec: always zero)\n");
  csr_write(mepc, saved_mepc);

  uint32_t saved_mtvec = csr_read(mtvec);
  rt_mtvec_vectored();
  CHECK_EQ(csr_read(mtvec), (uintptr_t)rt_trap_vector_table | 1u);
  /* Exceptions use the base address (slot 0) even in vectored mode. */
  reset_record();
  __asm__ volatile("ecall" ::: "memory");
  CHECK_EQ(rec.count, 1);
  CHECK_EQ(rec.cause, CAUSE_ECALL_M);
  CHECK_EQ(rec.vector, 0);
  rt_mtvec_direct();
  CHECK_EQ(csr_read(mtvec), (uintptr_t)rt_trap_entry);
  reset_record();
  __asm__ volatile("ecall" ::: "memory");
  CHECK_EQ(rec.vector, -1);
  csr_write(mtvec, saved_mtvec);
}

/* On a core without U-mode MPP is hardwired to M; with U-mode, mret leaves
 * MPP = U (the least-privileged supported mode). */
static uint32_t mpp_after_mret(void) {
  bool has_u = csr_read(misa) & (1u << ('U' - 'A'));
  return has_u ? 0u : MSTATUS_MPP;
}

/* Executes mret to the next instruction with the given MPIE and returns the
 * mstatus value seen right after it. */
static uint32_t mret_with_mpie(bool mpie) {
  uint32_t after;
  csr_set(mstatus, MSTATUS_MPP);
  if (mpie)
    csr_set(mstatus, MSTATUS_MPIE);
  else
    csr_clear(mstatus, MSTATUS_MPIE);
  __asm__ volatile(NORVC("lui t0, %%hi(1f)\naddi t0, t0, %%lo(1f)\ncsrw mepc, t0\nmret\n"
                         "1: csrr %0, mstatus\ncsrci mstatus, 8")
                   : "=r"(after)::"t0", "memory");
  return after;
}

static void test_mret(void) {
  rt_test_group("mret");
  /* Interrupt sources are all masked, so briefly setting MIE is harmless. */
  uint32_t saved_mie = csr_read(mie);
  csr_write(mie, 0);
  uint32_t s = mret_with_mpie(true);
  CHECK_EQ(s & MSTATUS_MIE, MSTATUS_MIE);   /* MIE <- MPIE */
  CHECK_EQ(s & MSTATUS_MPIE, MSTATUS_MPIE); /* MPIE <- 1 */
  CHECK_EQ(s & MSTATUS_MPP, mpp_after_mret());
  s = mret_with_mpie(false);
  CHECK_EQ(s & MSTATUS_MIE, 0);
  CHECK_EQ(s & MSTATUS_MPIE, MSTATUS_MPIE);
  csr_write(mie, saved_mie);

  if (!(csr_read(misa) & (1u << ('U' - 'A')))) {
    /* M-only: MPP is WARL and always reads as M. */
    csr_clear(mstatus, MSTATUS_MPP);
    CHECK_EQ(csr_read(mstatus) & MSTATUS_MPP, MSTATUS_MPP);
  } else {
    printf("note: core has U-mode; MPP=M-only check skipped\n");
  }
  /* Trap entry: MPIE <- MIE (0 here), MIE <- 0, MPP <- M. */
  reset_record();
  __asm__ volatile("ecall" ::: "memory");
  CHECK_EQ(rec.mstatus & (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP), MSTATUS_MPP);
}

int main(void) {
  rt_set_trap_hook(record_trap);
  test_illegal();
  test_ecall_ebreak();
  test_misaligned();
  test_access_faults();
  test_csr_rules();
  test_mepc_mtvec();
  test_mret();
  rt_set_trap_hook(NULL);
  return rt_test_summary();
}
