/* C side of trap handling: optional test hook, else report and exit. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <hpvp/rt.h>

static rt_trap_hook_t trap_hook;

rt_trap_hook_t rt_set_trap_hook(rt_trap_hook_t hook) {
  rt_trap_hook_t old = trap_hook;
  trap_hook = hook;
  return old;
}

uint32_t rt_insn_length(uint32_t pc) {
  /* Only the low halfword is read: a 2-byte instruction may be the last one
   * before unmapped memory. Lowest two bits 11 mean 32 bits (no >32-bit
   * encodings exist on this core). */
  uint16_t low = *(const volatile uint16_t *)(uintptr_t)pc;
  return (low & 3u) == 3u ? 4u : 2u;
}

void rt_trap_skip(struct rt_trap_frame *f) { f->mepc += rt_insn_length(f->mepc); }

void rt_mtvec_direct(void) { csr_write(mtvec, (uintptr_t)rt_trap_entry); }

void rt_mtvec_vectored(void) { csr_write(mtvec, (uintptr_t)rt_trap_vector_table | 1u); }

static const char *const exception_names[] = {
    "instruction address misaligned",
    "instruction access fault",
    "illegal instruction",
    "breakpoint",
    "load address misaligned",
    "load access fault",
    "store/AMO address misaligned",
    "store/AMO access fault",
    "environment call from U-mode",
    "environment call from S-mode",
    "reserved",
    "environment call from M-mode",
    "instruction page fault",
    "load page fault",
    "reserved",
    "store/AMO page fault",
};

const char *rt_cause_name(uint32_t mcause) {
  uint32_t code = mcause & ~MCAUSE_INTERRUPT;
  if (mcause & MCAUSE_INTERRUPT) {
    switch (code) {
      case IRQ_M_SOFT:
        return "machine software interrupt";
      case IRQ_M_TIMER:
        return "machine timer interrupt";
      case IRQ_M_EXT:
        return "machine external interrupt";
      default:
        return "interrupt";
    }
  }
  if (code < sizeof exception_names / sizeof exception_names[0]) return exception_names[code];
  return "unknown exception";
}

static void trap_report(const struct rt_trap_frame *f) {
  printf("TRAP: mcause=0x%08lx (%s) mepc=0x%08lx mtval=0x%08lx ra=0x%08lx sp=0x%08lx\n",
         (unsigned long)f->mcause, rt_cause_name(f->mcause), (unsigned long)f->mepc,
         (unsigned long)f->mtval, (unsigned long)f->x[1], (unsigned long)f->x[2]);
}

/* Called from trap_entry.S with the saved frame. */
void rt_trap_dispatch(struct rt_trap_frame *f) {
  if (trap_hook && trap_hook(f)) return;
  trap_report(f);
  uint32_t code = f->mcause & 0x1fu;
  _exit((int)((f->mcause & MCAUSE_INTERRUPT) ? (RT_EXIT_TRAP_IRQ | code)
                                             : (RT_EXIT_TRAP_EXC | code)));
}
