/* CLINT timer access and 64-bit counter reads for RV32. */
#include <hpvp/rt.h>

/* Reads a 64-bit value exposed as two 32-bit halves that may carry between
 * the two reads: retry until the high half is stable. */
#define READ64(hi_expr, lo_expr)      \
  do {                                \
    uint32_t hi, lo, hi2;             \
    do {                              \
      hi = (hi_expr);                 \
      lo = (lo_expr);                 \
      hi2 = (hi_expr);                \
    } while (hi != hi2);              \
    return ((uint64_t)hi << 32) | lo; \
  } while (0)

uint64_t rt_rdcycle64(void) { READ64(csr_read(mcycleh), csr_read(mcycle)); }

uint64_t rt_rdinstret64(void) { READ64(csr_read(minstreth), csr_read(minstret)); }

uint64_t rt_mtime(void) {
  volatile uint32_t *mtime = rt_reg32(VIRT_CLINT_BASE + CLINT_MTIME);
  READ64(mtime[1], mtime[0]);
}

void rt_set_timer(uint64_t deadline) {
  volatile uint32_t *cmp = rt_reg32(VIRT_CLINT_BASE + CLINT_MTIMECMP(csr_read(mhartid)));
  /* Raise the high half first so the intermediate value {new lo, old hi}
   * can never be <= mtime and fire early. */
  cmp[1] = 0xffffffffu;
  cmp[0] = (uint32_t)deadline;
  cmp[1] = (uint32_t)(deadline >> 32);
}

void rt_timer_off(void) {
  volatile uint32_t *cmp = rt_reg32(VIRT_CLINT_BASE + CLINT_MTIMECMP(csr_read(mhartid)));
  cmp[1] = 0xffffffffu;
  cmp[0] = 0xffffffffu;
}
