/* CLINT timer access and 64-bit counter reads for RV32.
 *
 * Each 64-bit value is read as two 32-bit halves; the low half may carry into
 * the high half between the two reads, so the high half is read again and
 * the pair retried until it is stable. */
#include <hpvp/rt.h>

static inline uint64_t join64(uint32_t hi, uint32_t lo) { return ((uint64_t)hi << 32) | lo; }

uint64_t rt_rdcycle64(void) {
  uint32_t hi, lo;
  do {
    hi = csr_read(mcycleh);
    lo = csr_read(mcycle);
  } while (hi != csr_read(mcycleh));
  return join64(hi, lo);
}

uint64_t rt_rdinstret64(void) {
  uint32_t hi, lo;
  do {
    hi = csr_read(minstreth);
    lo = csr_read(minstret);
  } while (hi != csr_read(minstreth));
  return join64(hi, lo);
}

uint64_t rt_mtime(void) {
  volatile uint32_t *mtime = rt_reg32(VIRT_CLINT_BASE + CLINT_MTIME);
  uint32_t hi, lo;
  do {
    hi = mtime[1];
    lo = mtime[0];
  } while (hi != mtime[1]);
  return join64(hi, lo);
}

static volatile uint32_t *my_mtimecmp(void) {
  return rt_reg32(VIRT_CLINT_BASE + CLINT_MTIMECMP(csr_read(mhartid)));
}

void rt_set_timer(uint64_t deadline) {
  volatile uint32_t *cmp = my_mtimecmp();
  /* Raise the high half first so that no intermediate value ({new lo, old
   * hi} or {old lo, new hi}) can be <= mtime and fire early. */
  cmp[1] = 0xffffffffu;
  cmp[0] = (uint32_t)deadline;
  cmp[1] = (uint32_t)(deadline >> 32);
}

void rt_timer_off(void) {
  volatile uint32_t *cmp = my_mtimecmp();
  cmp[1] = 0xffffffffu;
  cmp[0] = 0xffffffffu;
}
