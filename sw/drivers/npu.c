/* NPU driver (see npu.h): probing through a load-fault hook, descriptor
 * builders, interrupt-driven completion through the PLIC, counters. */
#include "npu.h"

#include <stdio.h>
#include <string.h>

#include <hpvp/hw/plic.h>
#include <hpvp/rt.h>

/* ---- state shared with the trap hook ------------------------------------ */

static rt_trap_hook_t prev_hook; /* gets every trap this driver does not own */
static bool hook_installed;
static uint32_t present_slots; /* bit i: an NPU answered in slot i */

static volatile bool probing;       /* a load access fault is expected */
static volatile bool probe_faulted; /* ... and it happened */

static volatile uint32_t irq_events[NPU_MAX_SLOTS]; /* IRQ_STATUS bits | IRQ_SEEN since start */
static volatile uint32_t irq_counts[NPU_MAX_SLOTS];
static volatile uint32_t spurious_irqs; /* claims of sources that are not an NPU */
static volatile bool watchdog_armed, watchdog_fired;

#define IRQ_SEEN 0x80000000u /* set with every interrupt, even if IRQ_STATUS read 0 */

static inline volatile uint32_t *npu_reg(uint32_t base, uint32_t off) {
  return rt_reg32(base + off);
}
static inline volatile uint32_t *plic_reg(uint32_t off) { return rt_reg32(VIRT_PLIC_BASE + off); }
static inline uint32_t slot_base(uint32_t slot) { return NPU_SLOT_BASE(slot); }
static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }
static inline uint32_t addr(const void *p) { return (uint32_t)(uintptr_t)p; }

/* One claim per trap: if another source is pending, the hart traps again
 * right after mret. The NPU's level is dropped (IRQ_STATUS W1C) before the
 * completion, so the PLIC gateway does not re-forward the same request. */
static void handle_external(void) {
  uint32_t src = *plic_reg(PLIC_CLAIM(NPU_PLIC_CONTEXT));
  if (src == 0) return; /* another context or a race: nothing to do */
  uint32_t slot = src - NPU_PLIC_SOURCE(0);
  if (slot < NPU_MAX_SLOTS && (present_slots >> slot) & 1u) {
    volatile uint32_t *st = npu_reg(slot_base(slot), NPU_REG_IRQ_STATUS);
    uint32_t bits = *st;
    *st = bits;
    irq_events[slot] |= bits | IRQ_SEEN;
    irq_counts[slot]++;
  } else {
    spurious_irqs++;
  }
  *plic_reg(PLIC_CLAIM(NPU_PLIC_CONTEXT)) = src; /* complete */
}

static bool npu_trap_hook(struct rt_trap_frame *f) {
  if (f->mcause == (MCAUSE_INTERRUPT | IRQ_M_EXT) && present_slots) {
    handle_external();
    return true;
  }
  if (f->mcause == (MCAUSE_INTERRUPT | IRQ_M_TIMER) && watchdog_armed) {
    rt_timer_off();
    watchdog_fired = true;
    return true;
  }
  if (f->mcause == CAUSE_LOAD_ACCESS && probing) {
    probe_faulted = true;
    rt_trap_skip(f);
    return true;
  }
  return prev_hook ? prev_hook(f) : false;
}

/* ---- discovery ---------------------------------------------------------- */

static bool probe_id(uint32_t base, uint32_t *id) {
  probe_faulted = false;
  probing = true;
  uint32_t v = *npu_reg(base, NPU_REG_ID); /* faults if the slot is empty */
  probing = false;
  *id = v;
  return !probe_faulted;
}

unsigned npu_probe(struct npu_info *npus, unsigned max) {
  if (!hook_installed) {
    prev_hook = rt_set_trap_hook(npu_trap_hook);
    hook_installed = true;
  }
  unsigned n = 0;
  for (uint32_t slot = 0; slot < NPU_MAX_SLOTS; slot++) {
    uint32_t base = slot_base(slot), id;
    if (!probe_id(base, &id) || id != NPU_ID_MAGIC) continue;
    uint32_t caps = *npu_reg(base, NPU_REG_CAPS);
    if (n < max) {
      struct npu_info *p = &npus[n];
      memset(p, 0, sizeof *p);
      p->base = base;
      p->slot = (uint8_t)slot;
      p->irq = (uint8_t)NPU_PLIC_SOURCE(slot);
      p->caps = caps;
      p->precision = (uint8_t)(caps & 0xfu);
      p->dataflow = (uint8_t)((caps >> 4) & 0xfu);
      p->compute_model = (uint8_t)((caps >> 8) & 0xfu);
      p->rows = *npu_reg(base, NPU_REG_ARRAY_ROWS);
      p->cols = *npu_reg(base, NPU_REG_ARRAY_COLS);
      p->ifmap_spad = *npu_reg(base, NPU_REG_IFMAP_SPAD);
      p->filter_spad = *npu_reg(base, NPU_REG_FILTER_SPAD);
      p->ofmap_spad = *npu_reg(base, NPU_REG_OFMAP_SPAD);
    }
    n++;
    /* Quiet NPU, then its PLIC source. */
    *npu_reg(base, NPU_REG_IRQ_ENABLE) = 0;
    *npu_reg(base, NPU_REG_IRQ_STATUS) = NPU_IRQ_DONE | NPU_IRQ_ERROR;
    irq_events[slot] = 0;
    present_slots |= 1u << slot;
    uint32_t src = NPU_PLIC_SOURCE(slot);
    *plic_reg(PLIC_PRIORITY(src)) = NPU_PLIC_PRIORITY;
    *plic_reg(PLIC_ENABLE(NPU_PLIC_CONTEXT, src / 32u)) |= 1u << (src % 32u);
    *npu_reg(base, NPU_REG_IRQ_ENABLE) = NPU_IRQ_DONE | NPU_IRQ_ERROR;
  }
  if (present_slots) {
    *plic_reg(PLIC_THRESHOLD(NPU_PLIC_CONTEXT)) = 0;
    rt_irq_unmask(MIE_MEIE);
    rt_irq_enable();
  }
  return n;
}

/* ---- running ------------------------------------------------------------ */

uint32_t npu_status(const struct npu_info *npu) { return *npu_reg(npu->base, NPU_REG_STATUS); }
uint32_t npu_desc_done(const struct npu_info *npu) {
  return *npu_reg(npu->base, NPU_REG_DESC_DONE);
}
uint32_t npu_error_addr(const struct npu_info *npu) {
  return *npu_reg(npu->base, NPU_REG_ERROR_ADDR);
}
uint32_t npu_irq_count(const struct npu_info *npu) { return irq_counts[npu->slot]; }

bool npu_start(const struct npu_info *npu, const npu_desc_t *first) {
  if (npu_status(npu) & NPU_STATUS_BUSY) return false;
  irq_events[npu->slot] = 0;
  fence(); /* descriptors and inputs reach memory before the DMA reads them */
  *npu_reg(npu->base, NPU_REG_DESC_PTR) = addr(first);
  *npu_reg(npu->base, NPU_REG_CTRL) = NPU_CTRL_START;
  return true;
}

/* mstatus.MIE stays clear between the check of the interrupt flag and the
 * wfi, so an interrupt cannot slip in between and leave the hart asleep: wfi
 * wakes on a pending enabled interrupt even with MIE clear, and the trap is
 * taken in the short MIE window after it. A flag only says "look again": the
 * run is over when STATUS.BUSY is clear (NPU_FLAG_IRQ descriptors interrupt
 * mid-list). */
uint32_t npu_wait_timeout(const struct npu_info *npu, uint64_t timeout_ticks) {
  const uint32_t slot = npu->slot;
  const bool mie_was_set = (csr_read(mstatus) & MSTATUS_MIE) != 0;
  rt_irq_disable();
  if (timeout_ticks) {
    watchdog_fired = false;
    watchdog_armed = true;
    rt_set_timer(rt_mtime() + timeout_ticks);
    rt_irq_unmask(MIE_MTIE);
  }
  uint32_t status = 0;
  for (;;) {
    if (irq_events[slot]) {
      irq_events[slot] = 0;
      status = npu_status(npu);
      if (!(status & NPU_STATUS_BUSY)) break;
    }
    if (watchdog_fired) {
      status = npu_status(npu);
      break;
    }
    rt_wfi();
    rt_irq_enable();
    rt_irq_disable();
  }
  if (timeout_ticks) {
    rt_irq_mask(MIE_MTIE);
    rt_timer_off();
    watchdog_armed = false;
  }
  if (mie_was_set) rt_irq_enable();
  fence(); /* the NPU's output writes before the CPU's reads */
  return status;
}

uint32_t npu_run(const struct npu_info *npu, const npu_desc_t *first) {
  if (!npu_start(npu, first)) return npu_status(npu);
  return npu_wait(npu);
}

void npu_print_status(const struct npu_info *npu, uint32_t status) {
  if (status & NPU_STATUS_BUSY)
    printf("npu%u: timeout (status 0x%08lx, %lu descriptors done, %lu interrupts)\n", npu->slot,
           (unsigned long)status, (unsigned long)npu_desc_done(npu),
           (unsigned long)npu_irq_count(npu));
  else if (status & NPU_STATUS_ERROR)
    printf("npu%u: %s (status 0x%08lx) at descriptor 0x%08lx (%lu done)\n", npu->slot,
           npu_error_name(npu_status_error(status)), (unsigned long)status,
           (unsigned long)npu_error_addr(npu), (unsigned long)npu_desc_done(npu));
  else
    printf("npu%u: %s (status 0x%08lx, %lu descriptors)\n", npu->slot,
           (status & NPU_STATUS_DONE) ? "ok" : "idle", (unsigned long)status,
           (unsigned long)npu_desc_done(npu));
}

/* ---- counters ----------------------------------------------------------- */

uint64_t npu_read_counter(const struct npu_info *npu, uint32_t reg) {
  volatile uint32_t *lo = npu_reg(npu->base, reg), *hi = npu_reg(npu->base, reg + 4u);
  uint32_t h, l;
  do {
    h = *hi;
    l = *lo;
  } while (h != *hi);
  return ((uint64_t)h << 32) | l;
}

void npu_read_counters(const struct npu_info *npu, struct npu_counters *c) {
  c->cycles = npu_read_counter(npu, NPU_REG_CNT_CYCLES);
  c->compute = npu_read_counter(npu, NPU_REG_CNT_COMPUTE);
  c->stall = npu_read_counter(npu, NPU_REG_CNT_STALL);
  c->macs = npu_read_counter(npu, NPU_REG_CNT_MACS);
  c->dma_in = npu_read_counter(npu, NPU_REG_CNT_DMA_IN);
  c->dma_out = npu_read_counter(npu, NPU_REG_CNT_DMA_OUT);
  c->energy_pj = npu_read_counter(npu, NPU_REG_CNT_ENERGY_PJ);
  c->layers = npu_read_counter(npu, NPU_REG_CNT_LAYERS);
}

void npu_clear_counters(const struct npu_info *npu) {
  *npu_reg(npu->base, NPU_REG_CTRL) = NPU_CTRL_CLEAR_COUNTERS;
}
