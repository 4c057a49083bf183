/* HPVP bare-metal runtime API: CSR access, trap hooks, CLINT timer and
 * interrupt helpers, and a minimal self-test harness.
 *
 * The runtime (crt0, trap entry, UART stdio, _exit via the test finisher) is
 * linked into every firmware image; see sw/README.md. */
#ifndef HPVP_RT_H
#define HPVP_RT_H

#include <stdbool.h>
#include <stdint.h>

#include <hpvp/hw/clint.h>
#include <hpvp/hw/virt_map.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Harts that get a stack slot (keep in sync with __max_harts in virt.ld). */
#define RT_MAX_HARTS 4

/* ---- CSR access ---------------------------------------------------------
 * `csr` is a CSR name or number, pasted into the instruction text. */
#define RT_STR_(x) #x
#define RT_STR(x) RT_STR_(x)

#define csr_read(csr)                                               \
  ({                                                                \
    uint32_t v_;                                                    \
    __asm__ volatile("csrr %0, " RT_STR(csr) : "=r"(v_)::"memory"); \
    v_;                                                             \
  })
#define csr_write(csr, val) \
  __asm__ volatile("csrw " RT_STR(csr) ", %0" ::"r"((uint32_t)(val)) : "memory")
#define csr_set(csr, bits) \
  __asm__ volatile("csrs " RT_STR(csr) ", %0" ::"r"((uint32_t)(bits)) : "memory")
#define csr_clear(csr, bits) \
  __asm__ volatile("csrc " RT_STR(csr) ", %0" ::"r"((uint32_t)(bits)) : "memory")
#define csr_swap(csr, val)                           \
  ({                                                 \
    uint32_t v_;                                     \
    __asm__ volatile("csrrw %0, " RT_STR(csr) ", %1" \
                     : "=r"(v_)                      \
                     : "r"((uint32_t)(val))          \
                     : "memory");                    \
    v_;                                              \
  })

#define MSTATUS_MIE (1u << 3)
#define MSTATUS_MPIE (1u << 7)
#define MSTATUS_MPP (3u << 11)
#define MIP_MSIP (1u << 3)
#define MIP_MTIP (1u << 7)
#define MIP_MEIP (1u << 11)
#define MIE_MSIE MIP_MSIP
#define MIE_MTIE MIP_MTIP
#define MIE_MEIE MIP_MEIP

#define MCAUSE_INTERRUPT 0x80000000u
#define CAUSE_MISALIGNED_FETCH 0u
#define CAUSE_FETCH_ACCESS 1u
#define CAUSE_ILLEGAL_INSN 2u
#define CAUSE_BREAKPOINT 3u
#define CAUSE_MISALIGNED_LOAD 4u
#define CAUSE_LOAD_ACCESS 5u
#define CAUSE_MISALIGNED_STORE 6u
#define CAUSE_STORE_ACCESS 7u
#define CAUSE_ECALL_U 8u
#define CAUSE_ECALL_S 9u
#define CAUSE_ECALL_M 11u
#define IRQ_M_SOFT 3u
#define IRQ_M_TIMER 7u
#define IRQ_M_EXT 11u

/* 64-bit counters read consistently on RV32 (hi, lo, hi again). */
uint64_t rt_rdcycle64(void);
uint64_t rt_rdinstret64(void);

/* ---- Exit codes (the finisher turns them into QEMU/VP process status) ---- */
#define RT_EXIT_TEST_MAX 0x3f /* 1..63: number of failed checks (saturated) */
#define RT_EXIT_TRAP_EXC 0x40 /* 0x40 | mcause: unhandled exception */
#define RT_EXIT_TRAP_IRQ 0x60 /* 0x60 | cause: unhandled interrupt */

/* ---- Traps --------------------------------------------------------------
 * Saved state of the interrupted code. The trap entry restores x1, x3..x31,
 * mepc and mstatus from the frame, so a hook may change them. */
struct rt_trap_frame {
  uint32_t x[32]; /* x[0] unused; x[2] is the sp before the trap */
  uint32_t mepc;
  uint32_t mcause;
  uint32_t mtval;
  uint32_t mstatus;
  int32_t vector;  /* -1: direct mode entry, else vectored-table slot */
  uint32_t pad[3]; /* keeps the frame a multiple of 16 bytes */
};

/* Returns true when it handled the trap (execution resumes at f->mepc), false
 * to fall through to the default handler, which reports and exits. */
typedef bool (*rt_trap_hook_t)(struct rt_trap_frame *f);

/* Installs `hook` for every trap (exceptions and interrupts); NULL removes
 * it. Returns the previous hook. */
rt_trap_hook_t rt_set_trap_hook(rt_trap_hook_t hook);

/* Length in bytes (2 or 4) of the instruction at `pc`. */
uint32_t rt_insn_length(uint32_t pc);

/* Advances f->mepc past the trapping instruction. It reads the instruction
 * at mepc, so it must not be used for instruction access faults. */
void rt_trap_skip(struct rt_trap_frame *f);

/* Human-readable name of an mcause value. */
const char *rt_cause_name(uint32_t mcause);

/* Selects direct (all traps to one entry) or vectored mtvec mode. Both use
 * the runtime's entry code; in vectored mode f->vector tells which slot of the
 * table was entered, so tests can verify the hardware's vector selection. */
void rt_mtvec_direct(void);
void rt_mtvec_vectored(void);
extern const uint32_t rt_trap_vector_table[]; /* 16 slots, 64-byte aligned */
void rt_trap_entry(void);                     /* direct-mode entry */

/* ---- Interrupts and CLINT ---------------------------------------------- */
static inline void rt_irq_enable(void) { csr_set(mstatus, MSTATUS_MIE); }
static inline void rt_irq_disable(void) { csr_clear(mstatus, MSTATUS_MIE); }
static inline void rt_irq_unmask(uint32_t mie_bits) { csr_set(mie, mie_bits); }
static inline void rt_irq_mask(uint32_t mie_bits) { csr_clear(mie, mie_bits); }
static inline void rt_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

static inline volatile uint32_t *rt_reg32(uint32_t addr) {
  return (volatile uint32_t *)(uintptr_t)addr;
}
static inline volatile uint8_t *rt_reg8(uint32_t addr) {
  return (volatile uint8_t *)(uintptr_t)addr;
}

uint64_t rt_mtime(void);
/* Programs this hart's mtimecmp without a transient early match. */
void rt_set_timer(uint64_t deadline);
/* mtimecmp = all ones: never fires, clears a pending MTIP. */
void rt_timer_off(void);
static inline void rt_set_msip(uint32_t hart, bool on) {
  *rt_reg32(VIRT_CLINT_BASE + CLINT_MSIP(hart)) = on ? 1u : 0u;
}

/* ---- Self-test harness -------------------------------------------------- */
extern unsigned rt_checks_passed;
extern unsigned rt_checks_failed;

void rt_check_failed(const char *file, int line, const char *expr);
void rt_check_eq_failed(const char *file, int line, const char *a_expr, const char *b_expr,
                        uint32_t a, uint32_t b);

#define CHECK(cond)                               \
  do {                                            \
    if (cond)                                     \
      rt_checks_passed++;                         \
    else                                          \
      rt_check_failed(__FILE__, __LINE__, #cond); \
  } while (0)

/* Compares as uint32_t (register-sized values). */
#define CHECK_EQ(a, b)                                        \
  do {                                                        \
    uint32_t a_ = (uint32_t)(a), b_ = (uint32_t)(b);          \
    if (a_ == b_)                                             \
      rt_checks_passed++;                                     \
    else                                                      \
      rt_check_eq_failed(__FILE__, __LINE__, #a, #b, a_, b_); \
  } while (0)

/* Prints a "== name" progress line before a group of checks. */
void rt_test_group(const char *name);

/* Prints "N passed, M failed" and returns the exit status for main():
 * 0 when nothing failed, else min(M, RT_EXIT_TEST_MAX). */
int rt_test_summary(void);

#ifdef __cplusplus
}
#endif

#endif
