/* RV32C (compressed instruction) self-test.
 *
 * Each instruction under test is written with its c.* mnemonic, so the
 * assembler must emit the 16-bit encoding (or fail the build). Operands live
 * in fixed registers because many RVC forms only reach x8..x15. Exit status =
 * failed checks. */
#include <stdio.h>

#include <hpvp/rt.h>

#define RVC(body) ".option push\n.option rvc\n" body "\n.option pop\n"

/* a0 = x; body; result = a0. */
#define C1(body, x)                                          \
  ({                                                         \
    register uint32_t a0_ __asm__("a0") = (uint32_t)(x);     \
    __asm__ volatile(RVC(body) : "+r"(a0_)::"t1", "memory"); \
    a0_;                                                     \
  })

/* a0 = x, a1 = y; body; result = a0. */
#define C2(body, x, y)                                                   \
  ({                                                                     \
    register uint32_t a0_ __asm__("a0") = (uint32_t)(x);                 \
    register uint32_t a1_ __asm__("a1") = (uint32_t)(y);                 \
    __asm__ volatile(RVC(body) : "+r"(a0_) : "r"(a1_) : "t1", "memory"); \
    a0_;                                                                 \
  })

/* Loads the absolute address of local label 1 (lui/addi, no pc-relative
 * arithmetic) into reg. */
#define ADDR_OF_1F(reg) "lui " reg ", %%hi(1f)\naddi " reg ", " reg ", %%lo(1f)\n"

uint32_t rvc_mixed(uint32_t x);
uint32_t rvc_page_cross(void);

/* ---- trap recording for c.ebreak and the illegal encodings -------------- */

static volatile uint32_t trap_count, trap_cause, trap_epc, trap_tval;

static bool record_trap(struct rt_trap_frame *f) {
  if (f->mcause & MCAUSE_INTERRUPT) return false;
  trap_count++;
  trap_cause = f->mcause;
  trap_epc = f->mepc;
  trap_tval = f->mtval;
  rt_trap_skip(f);
  return true;
}

static void reset_trap(void) {
  trap_count = 0;
  trap_cause = trap_epc = trap_tval = 0xffffffff;
}

/* ---- quadrant 0: stack-pointer-based address, loads, stores ------------- */

static void test_quadrant0(void) {
  rt_test_group("c.addi4spn c.lw c.sw");
  CHECK_EQ(C1("c.addi4spn a0, sp, 4\nsub a0, a0, sp", 0), 4);
  CHECK_EQ(C1("c.addi4spn a0, sp, 1020\nsub a0, a0, sp", 0), 1020);
  CHECK_EQ(C1("c.addi4spn a0, sp, 36\nsub a0, a0, sp", 0), 36);

  static uint32_t buf[32];
  CHECK_EQ(C2("c.sw a1, 0(a0)\nc.lw a0, 0(a0)", buf, 0x89abcdef), 0x89abcdef);
  CHECK_EQ(buf[0], 0x89abcdef);
  CHECK_EQ(C2("c.sw a1, 124(a0)\nc.lw a0, 124(a0)", buf, 0x12345678), 0x12345678);
  CHECK_EQ(buf[31], 0x12345678);
  CHECK_EQ(C2("c.sw a1, 64(a0)\nc.lw a0, 64(a0)", buf, 0xfedcba98), 0xfedcba98);
  CHECK_EQ(buf[16], 0xfedcba98);
  buf[1] = 0x0badf00d;
  CHECK_EQ(C1("c.lw a0, 4(a0)", buf), 0x0badf00d);
}

/* ---- quadrant 1: immediates, arithmetic, jumps, branches ---------------- */

static void test_quadrant1_alu(void) {
  rt_test_group("c.nop c.addi c.li c.lui c.addi16sp");
  CHECK_EQ(C1("c.nop", 0x55), 0x55);
  CHECK_EQ(C1("c.addi a0, -32", 100), 68);
  CHECK_EQ(C1("c.addi a0, 31", 0xffffffff), 30);
  CHECK_EQ(C1("mv t1, a0\nc.addi t1, 17\nmv a0, t1", 1), 18); /* any rd, not just x8..x15 */
  CHECK_EQ(C1("c.li a0, -32", 0), 0xffffffe0);
  CHECK_EQ(C1("c.li a0, 31", 0), 31);
  CHECK_EQ(C1("c.li t1, -1\nmv a0, t1", 0), 0xffffffff);
  CHECK_EQ(C1("c.lui a0, 1", 0), 0x1000);
  CHECK_EQ(C1("c.lui a0, 31", 0), 0x1f000);
  CHECK_EQ(C1("c.lui a0, 0xfffff", 0), 0xfffff000);
  CHECK_EQ(C1("c.lui a0, 0xfffe0", 0), 0xfffe0000);
  CHECK_EQ(C1("c.lui t1, 0x10\nmv a0, t1", 0), 0x10000);

  /* c.addi16sp: scaled by 16, sign-extended; sp restored before the end. */
  CHECK_EQ(C1("mv t1, sp\nc.addi16sp sp, -512\nsub a0, t1, sp\nmv sp, t1", 0), 512);
  CHECK_EQ(C1("mv t1, sp\nc.addi16sp sp, -32\nc.addi16sp sp, 16\nsub a0, t1, sp\nmv sp, t1", 0),
           16);
  CHECK_EQ(C1("mv t1, sp\nc.addi16sp sp, 496\nsub a0, sp, t1\nmv sp, t1", 0), 496);

  rt_test_group("c.srli c.srai c.andi");
  CHECK_EQ(C1("c.srli a0, 31", 0x80000000), 1);
  CHECK_EQ(C1("c.srli a0, 1", 0x80000001), 0x40000000);
  CHECK_EQ(C1("c.srai a0, 4", 0x80000000), 0xf8000000);
  CHECK_EQ(C1("c.srai a0, 31", 0x80000000), 0xffffffff);
  CHECK_EQ(C1("c.srai a0, 1", 0x40000000), 0x20000000);
  CHECK_EQ(C1("c.andi a0, -16", 0x123456ff), 0x123456f0);
  CHECK_EQ(C1("c.andi a0, 15", 0x123456ff), 0x0f);
  CHECK_EQ(C1("c.andi a0, -32", 0xffffffff), 0xffffffe0);
  CHECK_EQ(C1("c.andi a0, 0", 0xffffffff), 0);

  rt_test_group("c.sub c.xor c.or c.and");
  CHECK_EQ(C2("c.sub a0, a1", 3, 5), 0xfffffffe);
  CHECK_EQ(C2("c.sub a0, a1", 0x80000000, 1), 0x7fffffff);
  CHECK_EQ(C2("c.xor a0, a1", 0xff00ff00, 0x0ff00ff0), 0xf0f0f0f0);
  CHECK_EQ(C2("c.or a0, a1", 0xff00ff00, 0x0ff00ff0), 0xfff0fff0);
  CHECK_EQ(C2("c.and a0, a1", 0xff00ff00, 0x0ff00ff0), 0x0f000f00);
}

/* 1 if `op a0, target` branches, else 0. */
#define C_TAKEN(op, x)                                                                          \
  ({                                                                                            \
    register uint32_t a0_ __asm__("a0") = (uint32_t)(x);                                        \
    register uint32_t a1_ __asm__("a1");                                                        \
    __asm__ volatile(RVC("c.li a1, 1\n" op " a0, 1f\nc.li a1, 0\n1:") : "=&r"(a1_) : "r"(a0_)); \
    a1_;                                                                                        \
  })

static void test_quadrant1_control(void) {
  rt_test_group("c.j c.jal c.beqz c.bnez");
  /* c.j forward skips, backward and forward chain. */
  CHECK_EQ(C1("c.j 1f\nc.li a0, 7\n1:", 3), 3);
  CHECK_EQ(C1("c.j 2f\n1: c.j 3f\n2: c.j 1b\nc.li a0, 7\n3:", 3), 3);

  /* c.jal links pc + 2 (RV32 only). */
  uint32_t r;
  __asm__ volatile(RVC("mv t1, ra\n" ADDR_OF_1F("a1") "c.jal 2f\n1: c.li a0, 7\n"
                                                      "2: sub %0, ra, a1\nmv ra, t1")
                   : "=r"(r)::"a0", "a1", "t1", "ra");
  CHECK_EQ(r, 0);

  CHECK_EQ(C_TAKEN("c.beqz", 0), 1);
  CHECK_EQ(C_TAKEN("c.beqz", 1), 0);
  CHECK_EQ(C_TAKEN("c.beqz", 0x80000000), 0);
  CHECK_EQ(C_TAKEN("c.bnez", 0), 0);
  CHECK_EQ(C_TAKEN("c.bnez", 0x80000000), 1);
  CHECK_EQ(C_TAKEN("c.bnez", 0x00010000), 1);

  /* Backward c.bnez: a counted loop. */
  CHECK_EQ(C2("1: c.addi a0, 3\nc.addi a1, -1\nc.bnez a1, 1b", 0, 5), 15);
}

/* ---- quadrant 2: shifts, stack loads/stores, register jumps and moves --- */

static void test_quadrant2(void) {
  rt_test_group("c.slli c.lwsp c.swsp");
  CHECK_EQ(C1("c.slli a0, 31", 3), 0x80000000);
  CHECK_EQ(C1("c.slli a0, 1", 0x40000001), 0x80000002);
  CHECK_EQ(C1("mv t1, a0\nc.slli t1, 4\nmv a0, t1", 0x12345678), 0x23456780);

  CHECK_EQ(C2("addi sp, sp, -256\nc.swsp a1, 252(sp)\nc.lwsp a0, 252(sp)\naddi sp, sp, 256", 0,
              0xa5a5f00d),
           0xa5a5f00d);
  CHECK_EQ(C2("addi sp, sp, -16\nc.swsp a1, 0(sp)\nc.swsp a0, 4(sp)\nc.lwsp t1, 0(sp)\n"
              "c.lwsp a0, 4(sp)\nsub a0, t1, a0\naddi sp, sp, 16",
              1, 0x101),
           0x100);

  rt_test_group("c.jr c.jalr c.mv c.add");
  CHECK_EQ(C1(ADDR_OF_1F("t1") "c.jr t1\nc.li a0, 7\n1:", 3), 3);

  uint32_t r;
  /* c.jalr links pc + 2. */
  __asm__ volatile(
      RVC("mv a2, ra\n" ADDR_OF_1F("a1") "lui t1, %%hi(2f)\naddi t1, t1, %%lo(2f)\n"
                                         "c.jalr t1\n1: c.li a0, 7\n2: sub %0, ra, a1\nmv ra, a2")
      : "=r"(r)::"a0", "a1", "a2", "t1", "ra");
  CHECK_EQ(r, 0);
  /* c.jalr ra: the target is the old ra, then ra = link. */
  __asm__ volatile(
      RVC("mv a2, ra\n" ADDR_OF_1F("a1") "lui ra, %%hi(2f)\naddi ra, ra, %%lo(2f)\n"
                                         "c.jalr ra\n1: c.li a0, 7\n2: sub %0, ra, a1\nmv ra, a2")
      : "=r"(r)::"a0", "a1", "a2", "ra");
  CHECK_EQ(r, 0);

  CHECK_EQ(C2("c.mv a0, a1", 1, 0xdeadbeef), 0xdeadbeef);
  CHECK_EQ(C2("c.mv t1, a1\nc.mv a0, t1", 1, 0x87654321), 0x87654321);
  CHECK_EQ(C2("c.add a0, a1", 0x7fffffff, 1), 0x80000000);
  CHECK_EQ(C2("c.add a0, a1", 0xffffffff, 2), 1);
  CHECK_EQ(C2("mv t1, a0\nc.add t1, a1\nmv a0, t1", 40, 2), 42);
}

static void test_ebreak(void) {
  rt_test_group("c.ebreak");
  rt_set_trap_hook(record_trap);
  reset_trap();
  uint32_t at;
  __asm__ volatile(RVC(ADDR_OF_1F("%0") "1: c.ebreak") : "=r"(at)::"memory");
  rt_set_trap_hook(NULL);
  CHECK_EQ(trap_count, 1);
  CHECK_EQ(trap_cause, CAUSE_BREAKPOINT);
  CHECK_EQ(trap_epc, at);
  CHECK(trap_tval == 0 || trap_tval == at);
}

/* ---- layout: mixed 16/32-bit streams ------------------------------------ */

static void test_mixed(void) {
  rt_test_group("mixed 16/32-bit streams");
  CHECK_EQ(rvc_mixed(3), 0x1234625d);
  CHECK_EQ(rvc_page_cross(), 12);
  CHECK_EQ((uintptr_t)rvc_page_cross & 0xfff, 0xffc);
}

/* ---- illegal and reserved compressed encodings -------------------------- */

struct illegal_case {
  uint16_t insn;
  const char *what;
};

static const struct illegal_case illegal_cases[] = {
    {0x0000, "all-zero halfword"},
    {0x0008, "c.addi4spn a0, sp, 0 (nzuimm = 0)"},
    {0x6101, "c.addi16sp sp, 0 (nzimm = 0)"},
    {0x6501, "c.lui a0, 0 (nzimm = 0)"},
    {0x4002, "c.lwsp x0 (rd = 0)"},
    {0x8002, "c.jr x0 (rs1 = 0)"},
    {0x6100, "c.flw (no F extension / FS off)"},
};

/* Executes one 16-bit encoding placed in a data buffer (fence.i makes it
 * fetchable), expecting an illegal-instruction trap. */
static void expect_illegal(const struct illegal_case *c) {
  static uint16_t code[2] __attribute__((aligned(4)));
  code[0] = c->insn;
  code[1] = 0x8082; /* c.jr ra: returns if the encoding did not trap */
  __asm__ volatile("fence.i" ::: "memory");
  reset_trap();
  ((void (*)(void))(uintptr_t)code)();
  unsigned failed_before = rt_checks_failed;
  CHECK_EQ(trap_count, 1);
  CHECK_EQ(trap_cause, CAUSE_ILLEGAL_INSN);
  CHECK_EQ(trap_epc, (uintptr_t)code);
  CHECK(trap_tval == 0 || trap_tval == c->insn);
  if (rt_checks_failed != failed_before) printf("  in case 0x%04x %s\n", c->insn, c->what);
}

static void test_illegal(void) {
  rt_test_group("illegal compressed encodings");
  rt_set_trap_hook(record_trap);
  for (unsigned i = 0; i < sizeof illegal_cases / sizeof illegal_cases[0]; i++)
    expect_illegal(&illegal_cases[i]);
  rt_set_trap_hook(NULL);
}

int main(void) {
  test_quadrant0();
  test_quadrant1_alu();
  test_quadrant1_control();
  test_quadrant2();
  test_ebreak();
  test_mixed();
  test_illegal();
  return rt_test_summary();
}
