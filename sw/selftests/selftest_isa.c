/* RV32IM + Zicsr + Zifencei instruction self-test.
 *
 * Every instruction under test is issued from inline assembly with
 * compression disabled, so the exact 32-bit encoding runs, and every expected
 * value is a literal taken from the ISA specification (never computed by C
 * code that would use the same instructions). Exit status = failed checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <hpvp/rt.h>

#define NORVC(body) ".option push\n.option norvc\n" body "\n.option pop\n"

/* rd = op rs1, rs2 */
#define RR(op, a, b)                                                                               \
  ({                                                                                               \
    uint32_t r_;                                                                                   \
    __asm__ volatile(NORVC(op " %0, %1, %2") : "=r"(r_) : "r"((uint32_t)(a)), "r"((uint32_t)(b))); \
    r_;                                                                                            \
  })

/* rd = op rs1, imm */
#define RI(op, a, imm)                                                                   \
  ({                                                                                     \
    uint32_t r_;                                                                         \
    __asm__ volatile(NORVC(op " %0, %1, %2") : "=r"(r_) : "r"((uint32_t)(a)), "i"(imm)); \
    r_;                                                                                  \
  })

/* 1 if `op rs1, rs2, target` branches, else 0. */
#define TAKEN(op, a, b)                                                 \
  ({                                                                    \
    uint32_t t_;                                                        \
    __asm__ volatile(NORVC("li %0, 1\n" op " %1, %2, 1f\nli %0, 0\n1:") \
                     : "=&r"(t_)                                        \
                     : "r"((uint32_t)(a)), "r"((uint32_t)(b)));         \
    t_;                                                                 \
  })

#define LOAD(op, base, off)                                                         \
  ({                                                                                \
    uint32_t r_;                                                                    \
    __asm__ volatile(op " %0, %2(%1)" : "=r"(r_) : "r"(base), "i"(off) : "memory"); \
    r_;                                                                             \
  })

#define STORE(op, val, base, off) \
  __asm__ volatile(op " %0, %2(%1)" ::"r"((uint32_t)(val)), "r"(base), "i"(off) : "memory")

/* Any trap is a failure here; count it and continue after the instruction
 * so one bad instruction does not hide the remaining results. */
static bool unexpected_trap(struct rt_trap_frame *f) {
  printf("FAIL unexpected trap: mcause=0x%08lx (%s) mepc=0x%08lx mtval=0x%08lx\n",
         (unsigned long)f->mcause, rt_cause_name(f->mcause), (unsigned long)f->mepc,
         (unsigned long)f->mtval);
  rt_checks_failed++;
  if (f->mcause & MCAUSE_INTERRUPT) return false;
  rt_trap_skip(f);
  return true;
}

/* ---- runtime (crt0, linker script, picolibc glue) ---------------------- */

extern char __tdata_start[], __tdata_end[], __tls_base[], __global_pointer$[];
extern char __heap_start[], __heap_end[], __stack_top[];

static uint32_t data_word = 0x600df00d;
static volatile uint32_t bss_words[64];
static __thread uint32_t tls_init = 0xabcd1234;
static __thread uint32_t tls_zero;
static uint32_t ctor_ran;

__attribute__((constructor)) static void mark_ctor(void) { ctor_ran = 0xc0ffee; }

static void test_runtime(void) {
  rt_test_group("runtime");
  CHECK_EQ(data_word, 0x600df00d);
  uint32_t bss_or = 0;
  for (unsigned i = 0; i < sizeof bss_words / sizeof bss_words[0]; i++) bss_or |= bss_words[i];
  CHECK_EQ(bss_or, 0);
  CHECK_EQ(ctor_ran, 0xc0ffee);

  uint32_t tp, gp, sp;
  __asm__ volatile("mv %0, tp\nmv %1, gp\nmv %2, sp" : "=r"(tp), "=r"(gp), "=r"(sp));
  CHECK_EQ(tp, (uintptr_t)__tls_base);
  CHECK_EQ(gp, (uintptr_t)__global_pointer$);
  CHECK(sp < (uintptr_t)__stack_top && sp > (uintptr_t)__heap_end);

  CHECK_EQ(*(volatile uint32_t *)&tls_init, 0xabcd1234);
  CHECK_EQ(*(volatile uint32_t *)&tls_zero, 0);
  CHECK((uintptr_t)&tls_init >= (uintptr_t)__tdata_start &&
        (uintptr_t)&tls_init < (uintptr_t)__tdata_end);

  /* errno is thread-local in picolibc, so this also exercises tp. */
  errno = 0;
  unsigned long big = strtoul("99999999999", NULL, 10);
  CHECK_EQ(big, 0xffffffff);
  CHECK_EQ(errno, ERANGE);

  void *p = malloc(4096);
  CHECK(p != NULL);
  CHECK((uintptr_t)p >= (uintptr_t)__heap_start && (uintptr_t)p + 4096 <= (uintptr_t)__heap_end);
  free(p);
}

/* ---- integer computational instructions --------------------------------- */

static void test_alu_reg(void) {
  rt_test_group("alu reg-reg");
  CHECK_EQ(RR("add", 1, 2), 3);
  CHECK_EQ(RR("add", 0x7fffffff, 1), 0x80000000);
  CHECK_EQ(RR("add", 0xffffffff, 1), 0);
  CHECK_EQ(RR("add", 0x80000000, 0x80000000), 0);
  CHECK_EQ(RR("sub", 3, 5), 0xfffffffe);
  CHECK_EQ(RR("sub", 0x80000000, 1), 0x7fffffff);
  CHECK_EQ(RR("sub", 0, 0xffffffff), 1);
  CHECK_EQ(RR("xor", 0xff00ff00, 0x0ff00ff0), 0xf0f0f0f0);
  CHECK_EQ(RR("or", 0xff00ff00, 0x0ff00ff0), 0xfff0fff0);
  CHECK_EQ(RR("and", 0xff00ff00, 0x0ff00ff0), 0x0f000f00);

  CHECK_EQ(RR("slt", 0xffffffff, 0), 1);
  CHECK_EQ(RR("slt", 0, 0xffffffff), 0);
  CHECK_EQ(RR("slt", 0x80000000, 0x7fffffff), 1);
  CHECK_EQ(RR("slt", 5, 5), 0);
  CHECK_EQ(RR("sltu", 0xffffffff, 0), 0);
  CHECK_EQ(RR("sltu", 0, 0xffffffff), 1);
  CHECK_EQ(RR("sltu", 0x80000000, 0x7fffffff), 0);
  CHECK_EQ(RR("sltu", 5, 5), 0);
  CHECK_EQ(RR("sltu", 0, 1), 1);

  /* Shift amounts use only rs2[4:0]. */
  CHECK_EQ(RR("sll", 0x12345678, 0), 0x12345678);
  CHECK_EQ(RR("sll", 0x12345678, 4), 0x23456780);
  CHECK_EQ(RR("sll", 1, 31), 0x80000000);
  CHECK_EQ(RR("sll", 1, 32), 1);
  CHECK_EQ(RR("sll", 1, 0xffffffe1), 2);
  CHECK_EQ(RR("srl", 0x80000000, 31), 1);
  CHECK_EQ(RR("srl", 0xf0000000, 4), 0x0f000000);
  CHECK_EQ(RR("srl", 0x80000000, 32), 0x80000000);
  CHECK_EQ(RR("srl", 0x80000000, 0x3f), 1);
  CHECK_EQ(RR("sra", 0x80000000, 31), 0xffffffff);
  CHECK_EQ(RR("sra", 0x80000000, 4), 0xf8000000);
  CHECK_EQ(RR("sra", 0x80000000, 36), 0xf8000000);
  CHECK_EQ(RR("sra", 0x70000000, 4), 0x07000000);
  CHECK_EQ(RR("sra", 0x80000000, 0), 0x80000000);
}

static void test_alu_imm(void) {
  rt_test_group("alu reg-imm");
  CHECK_EQ(RI("addi", 0, -2048), 0xfffff800);
  CHECK_EQ(RI("addi", 0, 2047), 0x7ff);
  CHECK_EQ(RI("addi", 0x7fffffff, 1), 0x80000000);
  CHECK_EQ(RI("addi", 5, -6), 0xffffffff);
  CHECK_EQ(RI("slti", 0xffffffff, 0), 1);
  CHECK_EQ(RI("slti", 0, -1), 0);
  CHECK_EQ(RI("slti", 0x80000000, -2048), 1);
  /* sltiu sign-extends the immediate, then compares unsigned. */
  CHECK_EQ(RI("sltiu", 0xfffffffe, -1), 1);
  CHECK_EQ(RI("sltiu", 0xffffffff, -1), 0);
  CHECK_EQ(RI("sltiu", 0, 1), 1); /* seqz */
  CHECK_EQ(RI("sltiu", 7, 1), 0);
  CHECK_EQ(RI("xori", 0x12345678, -1), 0xedcba987); /* not */
  CHECK_EQ(RI("xori", 0xff, 0x0f), 0xf0);
  CHECK_EQ(RI("ori", 0x12345600, -256), 0xffffff00);
  CHECK_EQ(RI("ori", 0x10, 0x7ff), 0x7ff);
  CHECK_EQ(RI("andi", 0x12345678, -256), 0x12345600);
  CHECK_EQ(RI("andi", 0x12345678, 0x0ff), 0x78);
  CHECK_EQ(RI("slli", 0x12345678, 0), 0x12345678);
  CHECK_EQ(RI("slli", 3, 31), 0x80000000);
  CHECK_EQ(RI("srli", 0x80000001, 31), 1);
  CHECK_EQ(RI("srli", 0x80000001, 0), 0x80000001);
  CHECK_EQ(RI("srai", 0x80000001, 31), 0xffffffff);
  CHECK_EQ(RI("srai", 0x40000000, 30), 1);
  CHECK_EQ(RI("srai", 0x87654321, 8), 0xff876543);

  uint32_t r;
  __asm__ volatile(NORVC("lui %0, 0xfffff") : "=r"(r));
  CHECK_EQ(r, 0xfffff000);
  __asm__ volatile(NORVC("lui %0, 0x80000") : "=r"(r));
  CHECK_EQ(r, 0x80000000);
  __asm__ volatile(NORVC("lui %0, 0") : "=r"(r));
  CHECK_EQ(r, 0);

  /* Writes to x0 are discarded. */
  __asm__ volatile(NORVC("li t0, 5\nadd x0, t0, t0\nlui x0, 1\nmv %0, x0") : "=r"(r) : : "t0");
  CHECK_EQ(r, 0);
}

/* auipc against the label's absolute address (lui/addi, not pc-relative). */
static void test_auipc(void) {
  rt_test_group("auipc");
  uint32_t got, label;
  __asm__ volatile(NORVC("lui %1, %%hi(1f)\naddi %1, %1, %%lo(1f)\n1: auipc %0, 0")
                   : "=r"(got), "=&r"(label));
  CHECK_EQ(got, label);
  __asm__ volatile(NORVC("lui %1, %%hi(1f)\naddi %1, %1, %%lo(1f)\n1: auipc %0, 1")
                   : "=r"(got), "=&r"(label));
  CHECK_EQ(got - label, 0x1000);
  __asm__ volatile(NORVC("lui %1, %%hi(1f)\naddi %1, %1, %%lo(1f)\n1: auipc %0, 0xfffff")
                   : "=r"(got), "=&r"(label));
  CHECK_EQ(got - label, 0xfffff000);
  __asm__ volatile(NORVC("lui %1, %%hi(1f)\naddi %1, %1, %%lo(1f)\n1: auipc %0, 0x80000")
                   : "=r"(got), "=&r"(label));
  CHECK_EQ(got - label, 0x80000000);
}

/* ---- control transfer --------------------------------------------------- */

struct branch_case {
  uint32_t a, b;
  uint8_t eq, lt, ltu;
};

static const struct branch_case branch_cases[] = {
    {0, 0, 1, 0, 0},
    {1, 0, 0, 0, 0},
    {0, 1, 0, 1, 1},
    {0xffffffff, 0, 0, 1, 0},
    {0, 0xffffffff, 0, 0, 1},
    {0x80000000, 0x7fffffff, 0, 1, 0},
    {0x7fffffff, 0x80000000, 0, 0, 1},
    {0x80000000, 0x80000000, 1, 0, 0},
    {0xfffffffe, 0xffffffff, 0, 1, 1},
    {0xffffffff, 0xfffffffe, 0, 0, 0},
};

static void test_branches(void) {
  rt_test_group("branches");
  for (unsigned i = 0; i < sizeof branch_cases / sizeof branch_cases[0]; i++) {
    const struct branch_case *c = &branch_cases[i];
    unsigned failed_before = rt_checks_failed;
    CHECK_EQ(TAKEN("beq", c->a, c->b), c->eq);
    CHECK_EQ(TAKEN("bne", c->a, c->b), !c->eq);
    CHECK_EQ(TAKEN("blt", c->a, c->b), c->lt);
    CHECK_EQ(TAKEN("bge", c->a, c->b), !c->lt);
    CHECK_EQ(TAKEN("bltu", c->a, c->b), c->ltu);
    CHECK_EQ(TAKEN("bgeu", c->a, c->b), !c->ltu);
    if (rt_checks_failed != failed_before)
      printf("  in case a=0x%08lx b=0x%08lx\n", (unsigned long)c->a, (unsigned long)c->b);
  }

  /* Backward taken branch: a counted loop. */
  uint32_t n = 10, count = 0;
  __asm__ volatile(NORVC("1: addi %1, %1, 1\naddi %0, %0, -1\nbnez %0, 1b") : "+r"(n), "+r"(count));
  CHECK_EQ(count, 10);
}

static void test_jumps(void) {
  rt_test_group("jal/jalr");
  uint32_t link, expect, skipped = 0;

  /* jal: rd = pc + 4, target reached, fall-through skipped. */
  __asm__ volatile(NORVC("lui %1, %%hi(1f)\naddi %1, %1, %%lo(1f)\n"
                         "jal %0, 2f\n1: li %2, 1\n2:")
                   : "=&r"(link), "=&r"(expect), "+r"(skipped));
  CHECK_EQ(link, expect);
  CHECK_EQ(skipped, 0);

  /* jal x0 (plain jump) backwards and forwards. */
  __asm__ volatile(NORVC("j 2f\n1: j 3f\n2: j 1b\n3:"));

  /* jalr clears bit 0 of rs1 + imm. */
  uint32_t target;
  __asm__ volatile(NORVC("lui %1, %%hi(1f)\naddi %1, %1, %%lo(1f)\n"
                         "lui %3, %%hi(2f)\naddi %3, %3, %%lo(2f)\n"
                         "jalr %0, 1(%3)\n1: li %2, 1\n2:")
                   : "=&r"(link), "=&r"(expect), "+r"(skipped), "=&r"(target));
  CHECK_EQ(link, expect);
  CHECK_EQ(skipped, 0);

  /* Negative offset. */
  __asm__ volatile(NORVC("lui %1, %%hi(1f)\naddi %1, %1, %%lo(1f)\n"
                         "lui %3, %%hi(2f+8)\naddi %3, %3, %%lo(2f+8)\n"
                         "jalr %0, -8(%3)\n1: li %2, 1\n2:")
                   : "=&r"(link), "=&r"(expect), "+r"(skipped), "=&r"(target));
  CHECK_EQ(link, expect);
  CHECK_EQ(skipped, 0);

  /* rd == rs1: the target uses the old value, then rd gets the link. */
  __asm__ volatile(NORVC("lui %1, %%hi(1f)\naddi %1, %1, %%lo(1f)\n"
                         "lui %0, %%hi(2f)\naddi %0, %0, %%lo(2f)\n"
                         "jalr %0, 0(%0)\n1: li %2, 1\n2:")
                   : "=&r"(link), "=&r"(expect), "+r"(skipped));
  CHECK_EQ(link, expect);
  CHECK_EQ(skipped, 0);
}

/* ---- loads and stores --------------------------------------------------- */

static uint8_t load_buf[8]
    __attribute__((aligned(8))) = {0x80, 0x7f, 0xff, 0x01, 0x34, 0x12, 0xcd, 0xab};

static void test_loads(void) {
  rt_test_group("loads");
  uint8_t *b = load_buf;
  CHECK_EQ(LOAD("lb", b, 0), 0xffffff80);
  CHECK_EQ(LOAD("lb", b, 1), 0x7f);
  CHECK_EQ(LOAD("lb", b, 2), 0xffffffff);
  CHECK_EQ(LOAD("lb", b, 3), 0x01);
  CHECK_EQ(LOAD("lbu", b, 0), 0x80);
  CHECK_EQ(LOAD("lbu", b, 1), 0x7f);
  CHECK_EQ(LOAD("lbu", b, 2), 0xff);
  CHECK_EQ(LOAD("lbu", b, 3), 0x01);
  CHECK_EQ(LOAD("lh", b, 0), 0x7f80);
  CHECK_EQ(LOAD("lh", b, 2), 0x01ff);
  CHECK_EQ(LOAD("lh", b, 4), 0x1234);
  CHECK_EQ(LOAD("lh", b, 6), 0xffffabcd);
  CHECK_EQ(LOAD("lhu", b, 0), 0x7f80);
  CHECK_EQ(LOAD("lhu", b, 6), 0xabcd);
  CHECK_EQ(LOAD("lw", b, 0), 0x01ff7f80);
  CHECK_EQ(LOAD("lw", b, 4), 0xabcd1234);

  /* Negative and extreme 12-bit offsets. */
  uint8_t *end = b + 8;
  CHECK_EQ(LOAD("lw", end, -8), 0x01ff7f80);
  CHECK_EQ(LOAD("lb", end, -1), 0xffffffab);
  CHECK_EQ(LOAD("lhu", end, -4), 0x1234);
  CHECK_EQ(LOAD("lbu", (uintptr_t)b - 2047, 2047), 0x80);
  CHECK_EQ(LOAD("lbu", (uintptr_t)b + 2048, -2048), 0x80);

  /* A load into x0 has no architectural effect. */
  uint32_t r;
  __asm__ volatile(NORVC("lw x0, 0(%1)\nmv %0, x0") : "=r"(r) : "r"(b) : "memory");
  CHECK_EQ(r, 0);
}

static void test_stores(void) {
  rt_test_group("stores");
  static volatile uint32_t word[2] __attribute__((aligned(8)));
  volatile uint32_t *w = word;
  uint8_t *p = (uint8_t *)word;

  static const uint32_t sb_expect[4] = {0x112233aa, 0x1122aa44, 0x11aa3344, 0xaa223344};
  for (int off = 0; off < 4; off++) {
    w[0] = 0x11223344;
    /* Only the low byte of rs2 is stored. */
    STORE("sb", 0xffffffaa, p + off, 0);
    CHECK_EQ(w[0], sb_expect[off]);
  }
  w[0] = 0x11223344;
  STORE("sb", 0x55, p, 3);
  CHECK_EQ(w[0], 0x55223344);

  w[0] = 0x11223344;
  STORE("sh", 0x1234beef, p, 2);
  CHECK_EQ(w[0], 0xbeef3344);
  w[0] = 0x11223344;
  STORE("sh", 0x12345678, p, 0);
  CHECK_EQ(w[0], 0x11225678);

  w[0] = 0;
  w[1] = 0;
  STORE("sw", 0xdeadbeef, p, 4);
  CHECK_EQ(w[1], 0xdeadbeef);
  CHECK_EQ(w[0], 0);
  STORE("sw", 0xcafebabe, p + 8, -8);
  CHECK_EQ(w[0], 0xcafebabe);
  CHECK_EQ(w[1], 0xdeadbeef);
  STORE("sb", 0x99, (uintptr_t)p + 2047, -2047);
  CHECK_EQ(w[0], 0xcafeba99);
}

/* ---- M extension -------------------------------------------------------- */

static void test_mul(void) {
  rt_test_group("mul");
  CHECK_EQ(RR("mul", 3, 7), 21);
  CHECK_EQ(RR("mul", -3, 7), 0xffffffeb);
  CHECK_EQ(RR("mul", 0x80000000, 0xffffffff), 0x80000000);
  CHECK_EQ(RR("mul", 0xffff, 0xffff), 0xfffe0001);
  CHECK_EQ(RR("mul", 0x12345678, 0x9abcdef0), 0x242d2080);
  CHECK_EQ(RR("mulh", 0xffffffff, 0xffffffff), 0);
  CHECK_EQ(RR("mulh", 0xffffffff, 1), 0xffffffff);
  CHECK_EQ(RR("mulh", 0x80000000, 0x80000000), 0x40000000);
  CHECK_EQ(RR("mulh", 0x80000000, 0x7fffffff), 0xc0000000);
  CHECK_EQ(RR("mulh", 0x12345678, 0x9abcdef0), 0xf8cc93d6);
  CHECK_EQ(RR("mulhu", 0xffffffff, 0xffffffff), 0xfffffffe);
  CHECK_EQ(RR("mulhu", 0x80000000, 2), 1);
  CHECK_EQ(RR("mulhu", 0x12345678, 0x9abcdef0), 0x0b00ea4e);
  /* mulhsu: rs1 signed, rs2 unsigned. */
  CHECK_EQ(RR("mulhsu", 0xffffffff, 0xffffffff), 0xffffffff);
  CHECK_EQ(RR("mulhsu", 0x80000000, 0xffffffff), 0x80000000);
  CHECK_EQ(RR("mulhsu", 1, 0xffffffff), 0);
  CHECK_EQ(RR("mulhsu", 2, 0x80000000), 1);
  CHECK_EQ(RR("mulhsu", 0x12345678, 0x9abcdef0), 0x0b00ea4e);
}

static void test_div(void) {
  rt_test_group("div/rem");
  CHECK_EQ(RR("div", 7, 2), 3);
  CHECK_EQ(RR("div", -7, 2), -3); /* rounds towards zero */
  CHECK_EQ(RR("div", 7, -2), -3);
  CHECK_EQ(RR("div", -7, -2), 3);
  CHECK_EQ(RR("div", 0x80000000, 0xffffffff), 0x80000000); /* overflow */
  CHECK_EQ(RR("div", 123, 0), 0xffffffff);                 /* by zero */
  CHECK_EQ(RR("div", -123, 0), 0xffffffff);
  CHECK_EQ(RR("divu", 7, 2), 3);
  CHECK_EQ(RR("divu", 0xffffffff, 2), 0x7fffffff);
  CHECK_EQ(RR("divu", 0x80000000, 0xffffffff), 0);
  CHECK_EQ(RR("divu", 123, 0), 0xffffffff);
  CHECK_EQ(RR("rem", 7, 2), 1);
  CHECK_EQ(RR("rem", -7, 2), -1); /* sign of the dividend */
  CHECK_EQ(RR("rem", 7, -2), 1);
  CHECK_EQ(RR("rem", -7, -2), -1);
  CHECK_EQ(RR("rem", 0x80000000, 0xffffffff), 0);
  CHECK_EQ(RR("rem", -123, 0), -123);
  CHECK_EQ(RR("remu", 7, 2), 1);
  CHECK_EQ(RR("remu", 0xffffffff, 2), 1);
  CHECK_EQ(RR("remu", 5, 0xffffffff), 5);
  CHECK_EQ(RR("remu", 0xfffffff0, 0), 0xfffffff0);
}

/* ---- Zicsr -------------------------------------------------------------- */

#define MISA_HPVP 0x40001104u /* MXL=1 (RV32), I, M, C */
#define MISA_EXT(c) (1u << ((c) - 'A'))

static void test_csr_ops(void) {
  rt_test_group("csr instructions");
  uint32_t old;
  csr_write(mscratch, 0x12345678);
  __asm__ volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(0xcafef00d));
  CHECK_EQ(old, 0x12345678);
  CHECK_EQ(csr_read(mscratch), 0xcafef00d);
  __asm__ volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(0x0000000f));
  CHECK_EQ(old, 0xcafef00d);
  CHECK_EQ(csr_read(mscratch), 0xcafef00f);
  __asm__ volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(0xf0000000));
  CHECK_EQ(old, 0xcafef00f);
  CHECK_EQ(csr_read(mscratch), 0x0afef00f);

  /* Immediate forms zero-extend the 5-bit uimm. */
  __asm__ volatile("csrrwi %0, mscratch, 0x1f" : "=r"(old));
  CHECK_EQ(old, 0x0afef00f);
  CHECK_EQ(csr_read(mscratch), 0x1f);
  __asm__ volatile("csrrci %0, mscratch, 0x05" : "=r"(old));
  CHECK_EQ(old, 0x1f);
  CHECK_EQ(csr_read(mscratch), 0x1a);
  __asm__ volatile("csrrsi %0, mscratch, 0x05" : "=r"(old));
  CHECK_EQ(old, 0x1a);
  CHECK_EQ(csr_read(mscratch), 0x1f);

  /* rs1 = x0 / uimm = 0: csrrs/csrrc only read. */
  __asm__ volatile("csrrs %0, mscratch, x0\ncsrrc %0, mscratch, x0" : "=r"(old));
  CHECK_EQ(old, 0x1f);
  CHECK_EQ(csr_read(mscratch), 0x1f);
  /* rd = x0: csrrw only writes. */
  __asm__ volatile("csrrw x0, mscratch, %0" ::"r"(0x0badcafe));
  CHECK_EQ(csr_read(mscratch), 0x0badcafe);
}

static void test_csr_ids(void) {
  rt_test_group("machine information csrs");
  uint32_t misa = csr_read(misa);
  printf("misa=0x%08lx mvendorid=0x%08lx marchid=0x%08lx mimpid=0x%08lx\n", (unsigned long)misa,
         (unsigned long)csr_read(mvendorid), (unsigned long)csr_read(marchid),
         (unsigned long)csr_read(mimpid));
  if (misa & (MISA_EXT('S') | MISA_EXT('U'))) {
    /* Not an HPVP core (e.g. QEMU's default rv32 CPU): check the subset
     * this firmware relies on. */
    printf("note: misa advertises S/U modes; checking RV32IMC subset only\n");
    CHECK_EQ(misa & (MISA_HPVP | MISA_EXT('E')), MISA_HPVP);
  } else {
    CHECK_EQ(misa, MISA_HPVP);
  }
  CHECK_EQ(csr_read(mhartid), 0);

  /* Reading read-only CSRs must not trap when no write is requested (the
   * trap hook would count a failure). */
  uint32_t v;
  __asm__ volatile("csrrs %0, mhartid, x0" : "=r"(v));
  __asm__ volatile("csrrc %0, mvendorid, x0" : "=r"(v));
  __asm__ volatile("csrrsi %0, marchid, 0" : "=r"(v));
  __asm__ volatile("csrrci %0, mimpid, 0" : "=r"(v));
  CHECK(1);
}

static void spin(uint32_t n) {
  __asm__ volatile(NORVC("1: addi %0, %0, -1\nbnez %0, 1b") : "+r"(n));
}

static void test_counters(void) {
  rt_test_group("counters");
  uint32_t c0 = csr_read(mcycle), i0 = csr_read(minstret);
  spin(1000);
  uint32_t c1 = csr_read(mcycle), i1 = csr_read(minstret);
  printf("1000-iteration loop: mcycle +%lu, minstret +%lu\n", (unsigned long)(c1 - c0),
         (unsigned long)(i1 - i0));
  CHECK((int32_t)(c1 - c0) > 0);
  CHECK((int32_t)(i1 - i0) > 0);

  uint64_t c64a = rt_rdcycle64(), c64b = rt_rdcycle64();
  CHECK(c64b > c64a);

  /* Writes take effect: the counter continues from the written value. The
   * tolerance covers the instructions (or, on QEMU without -icount, host
   * ticks) between the write and the read. */
  const uint32_t tol = 1u << 20;
  csr_write(mcycle, 0);
  csr_write(mcycleh, 7);
  uint32_t lo = csr_read(mcycle), hi = csr_read(mcycleh);
  CHECK(lo < tol);
  CHECK_EQ(hi, 7);
  csr_write(minstret, 0x40000000);
  csr_write(minstreth, 0x123);
  lo = csr_read(minstret);
  hi = csr_read(minstreth);
  CHECK(lo - 0x40000000 < tol);
  CHECK_EQ(hi, 0x123);
}

/* ---- Zifencei ----------------------------------------------------------- */

/* Code patched at run time: "addi a0, zero, imm" then "ret". */
static uint32_t patch_code[2] __attribute__((aligned(4)));

static uint32_t run_patched(int32_t imm) {
  patch_code[0] = ((uint32_t)imm << 20) | (10u << 7) | 0x13u; /* addi a0, x0, imm */
  patch_code[1] = 0x00008067u;                                /* jalr x0, 0(ra) */
  __asm__ volatile("fence.i" ::: "memory");
  uint32_t (*fn)(void) = (uint32_t(*)(void))(uintptr_t)patch_code;
  return fn();
}

static void test_fence(void) {
  rt_test_group("fence");
  __asm__ volatile("fence\nfence rw, rw\nfence iorw, iorw\nfence r, w\nfence.i" ::: "memory");
  CHECK(1);
  /* fence.i must make stores visible to instruction fetch, so cached
   * decodings of the patched words must be dropped. */
  CHECK_EQ(run_patched(42), 42);
  CHECK_EQ(run_patched(-7), -7);
  CHECK_EQ(run_patched(2047), 2047);
}

int main(void) {
  rt_set_trap_hook(unexpected_trap);
  test_runtime();
  test_alu_reg();
  test_alu_imm();
  test_auipc();
  test_branches();
  test_jumps();
  test_loads();
  test_stores();
  test_mul();
  test_div();
  test_csr_ops();
  test_csr_ids();
  test_counters();
  test_fence();
  return rt_test_summary();
}
