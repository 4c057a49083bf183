/* Machine-mode interrupt self-test: CLINT timer (mtimecmp) and software
 * (msip) interrupts in direct and vectored mtvec modes, wfi wake-up, and
 * gating by mstatus.MIE and mie. Exit status = failed checks. */
#include <stdio.h>

#include <hpvp/rt.h>

#define NORVC(body) ".option push\n.option norvc\n" body "\n.option pop\n"

/* Timeouts are in mtime ticks (10 MHz), so they do not depend on how fast the
 * simulator executes instructions. */
#define TICKS_PER_MS (VIRT_CLINT_TIMEBASE_HZ / 1000u)
#define TIMEOUT_TICKS (100u * TICKS_PER_MS)
#define SHORT_DELAY_TICKS (TICKS_PER_MS / 10u) /* 100 us */

#define MAX_EVENTS 4

struct irq_event {
  uint32_t cause, epc, mip;
  int32_t vector;
};

static volatile struct irq_event events[MAX_EVENTS];
static volatile uint32_t event_count;

/* Records the interrupt and removes its source, as a real driver would:
 * timer -> mtimecmp = max, software -> msip = 0. */
static bool on_trap(struct rt_trap_frame *f) {
  if (!(f->mcause & MCAUSE_INTERRUPT)) return false;
  uint32_t n = event_count;
  if (n < MAX_EVENTS) {
    events[n].cause = f->mcause;
    events[n].epc = f->mepc;
    events[n].vector = f->vector;
    events[n].mip = csr_read(mip);
  }
  event_count = n + 1;
  uint32_t code = f->mcause & ~MCAUSE_INTERRUPT;
  if (code == IRQ_M_TIMER) rt_timer_off();
  if (code == IRQ_M_SOFT) rt_set_msip(0, false);
  return true;
}

static void reset_events(void) {
  event_count = 0;
  for (int i = 0; i < MAX_EVENTS; i++) events[i].cause = 0;
}

/* Spins until `count` events arrived or the timeout expired. */
static bool wait_events(uint32_t count) {
  uint64_t deadline = rt_mtime() + TIMEOUT_TICKS;
  while (event_count < count) {
    if (rt_mtime() > deadline) return false;
  }
  return true;
}

/* Waits until (mip & mask) == want or the timeout expires. A model may
 * propagate CLINT changes to mip with some delay, so pending bits are polled
 * rather than sampled once. */
static bool wait_mip(uint32_t mask, uint32_t want) {
  uint64_t deadline = rt_mtime() + TIMEOUT_TICKS;
  while ((csr_read(mip) & mask) != want) {
    if (rt_mtime() > deadline) return false;
  }
  return true;
}

static void spin_ticks(uint32_t ticks) {
  uint64_t end = rt_mtime() + ticks;
  while (rt_mtime() < end) {
  }
}

/* Leaves every source quiet and every enable off. */
static void quiesce(void) {
  rt_irq_disable();
  csr_write(mie, 0);
  rt_timer_off();
  rt_set_msip(0, false);
}

static void test_mtime(void) {
  rt_test_group("mtime");
  uint64_t t0 = rt_mtime();
  spin_ticks(10);
  uint64_t t1 = rt_mtime();
  CHECK(t1 >= t0 + 10);
  CHECK_EQ(csr_read(mip) & MIP_MTIP, 0);
}

static void timer_irq_once(bool vectored) {
  rt_test_group(vectored ? "timer interrupt, vectored mtvec" : "timer interrupt, direct mtvec");
  if (vectored)
    rt_mtvec_vectored();
  else
    rt_mtvec_direct();
  reset_events();
  uint64_t deadline = rt_mtime() + SHORT_DELAY_TICKS;
  rt_set_timer(deadline);
  rt_irq_unmask(MIE_MTIE);
  rt_irq_enable();
  bool arrived = wait_events(1);
  uint64_t now = rt_mtime();
  quiesce();
  CHECK(arrived);
  CHECK_EQ(event_count, 1);
  CHECK_EQ(events[0].cause, MCAUSE_INTERRUPT | IRQ_M_TIMER);
  CHECK_EQ(events[0].vector, vectored ? (int32_t)IRQ_M_TIMER : -1);
  CHECK_EQ(events[0].mip & MIP_MTIP, MIP_MTIP); /* pending while handled */
  CHECK(now >= deadline);                       /* not early */
  CHECK(wait_mip(MIP_MTIP, 0));                 /* cleared via mtimecmp */
  rt_mtvec_direct();
}

static void test_wfi(void) {
  rt_test_group("wfi wake-up");
  reset_events();
  uint64_t deadline = rt_mtime() + SHORT_DELAY_TICKS;
  rt_set_timer(deadline);
  rt_irq_unmask(MIE_MTIE);
  rt_irq_enable();
  /* wfi may also return early for no reason; loop with a timeout. */
  uint64_t give_up = rt_mtime() + TIMEOUT_TICKS;
  while (event_count == 0 && rt_mtime() < give_up) rt_wfi();
  uint64_t now = rt_mtime();
  quiesce();
  CHECK_EQ(event_count, 1);
  CHECK(now >= deadline);

  /* With mstatus.MIE = 0, wfi still wakes on an interrupt enabled in mie,
   * but no trap is taken; it is delivered once MIE is set. */
  reset_events();
  rt_set_timer(rt_mtime() + SHORT_DELAY_TICKS);
  rt_irq_unmask(MIE_MTIE);
  give_up = rt_mtime() + TIMEOUT_TICKS;
  while (!(csr_read(mip) & MIP_MTIP) && rt_mtime() < give_up) rt_wfi();
  CHECK_EQ(csr_read(mip) & MIP_MTIP, MIP_MTIP);
  CHECK_EQ(event_count, 0);
  rt_irq_enable();
  __asm__ volatile("nop");
  quiesce();
  CHECK_EQ(event_count, 1);
}

/* A pending, mie-enabled interrupt must be taken right after the csrs that
 * sets mstatus.MIE: mepc is the next instruction. */
static void test_masking(void) {
  rt_test_group("masking by mstatus.MIE and mie");
  reset_events();
  rt_set_timer(0); /* already expired: MTIP pending now */
  rt_irq_unmask(MIE_MTIE);
  CHECK(wait_mip(MIP_MTIP, MIP_MTIP));
  spin_ticks(10);
  CHECK_EQ(event_count, 0); /* MIE = 0: held pending */

  uint32_t after;
  __asm__ volatile(NORVC("lui %0, %%hi(1f)\naddi %0, %0, %%lo(1f)\ncsrsi mstatus, 8\n1: nop")
                   : "=&r"(after)::"memory");
  rt_irq_disable();
  CHECK_EQ(event_count, 1);
  CHECK_EQ(events[0].epc, after);

  /* MIE = 1 but mie.MTIE = 0: still held pending. */
  reset_events();
  rt_set_timer(0);
  rt_irq_mask(MIE_MTIE);
  rt_irq_enable();
  CHECK(wait_mip(MIP_MTIP, MIP_MTIP));
  spin_ticks(10);
  CHECK_EQ(event_count, 0);
  /* mip.MTIP is read-only: only mtimecmp clears it. */
  csr_clear(mip, MIP_MTIP);
  CHECK_EQ(csr_read(mip) & MIP_MTIP, MIP_MTIP);
  rt_irq_unmask(MIE_MTIE);
  __asm__ volatile("nop");
  quiesce();
  CHECK_EQ(event_count, 1);
}

static void test_software_irq(bool vectored) {
  rt_test_group(vectored ? "software interrupt, vectored mtvec"
                         : "software interrupt, direct mtvec");
  if (vectored) rt_mtvec_vectored();
  reset_events();
  rt_set_msip(0, true);
  CHECK(wait_mip(MIP_MSIP, MIP_MSIP));
  CHECK_EQ(event_count, 0);
  rt_irq_unmask(MIE_MSIE);
  rt_irq_enable();
  bool arrived = wait_events(1);
  quiesce();
  rt_mtvec_direct();
  CHECK(arrived);
  CHECK_EQ(events[0].cause, MCAUSE_INTERRUPT | IRQ_M_SOFT);
  CHECK_EQ(events[0].vector, vectored ? (int32_t)IRQ_M_SOFT : -1);
  CHECK(wait_mip(MIP_MSIP, 0));
}

/* With both pending, the software interrupt wins (priority MEI > MSI > MTI). */
static void test_priority(void) {
  rt_test_group("priority");
  reset_events();
  rt_set_timer(0);
  rt_set_msip(0, true);
  CHECK(wait_mip(MIP_MTIP | MIP_MSIP, MIP_MTIP | MIP_MSIP));
  rt_irq_unmask(MIE_MTIE | MIE_MSIE);
  rt_irq_enable();
  bool arrived = wait_events(2);
  quiesce();
  CHECK(arrived);
  CHECK_EQ(events[0].cause, MCAUSE_INTERRUPT | IRQ_M_SOFT);
  CHECK_EQ(events[1].cause, MCAUSE_INTERRUPT | IRQ_M_TIMER);
}

int main(void) {
  quiesce();
  rt_set_trap_hook(on_trap);
  test_mtime();
  timer_irq_once(false);
  timer_irq_once(true);
  test_wfi();
  test_masking();
  test_software_irq(false);
  test_software_irq(true);
  test_priority();
  rt_set_trap_hook(NULL);
  return rt_test_summary();
}
