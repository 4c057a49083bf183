/* npu_net: runs the small CNN of net_def.h on the NPUs of the platform.
 *
 *  1. probes the NPU slots and lists what it found;
 *  2. runs the whole network on every NPU, in the NPU's precision (the CPU
 *     converts the int8 reference input and parameters first), as ONE
 *     descriptor list per run (one start, one completion interrupt, plus an
 *     NPU_FLAG_IRQ interrupt after the first layer);
 *  3. runs one mixed pass: consecutive layers on NPUs of different
 *     precisions (net_mixed_plan()), ONE START PER LAYER, the CPU converting
 *     activations between precisions in between.
 *
 * Output, one line each (parsed by tests/unit/test_npu_net_reference.cpp):
 *   npu<slot>: <prec> <dataflow> <model> <rows>x<cols> spad <i>/<f>/<o> base 0x.. irq <n>
 *   checksum <prec> npu<slot>: 0x%08x
 *   layers <prec> npu<slot>: <FNV-1a of each layer's output, 8 x %08x>
 *   inputs <prec> npu<slot>: 0x%08x          (net_run.input_sum: CPU conversions)
 *   counters <prec> npu<slot>: cycles=.. compute=.. stall=.. macs=.. dma_in=.. dma_out=..
 *                              energy_pj=.. layers=.. irqs=.. run_us=..
 *   mixed plan: <layer>=npu<slot>/<prec> ...
 *   checksum mixed: 0x%08x
 *   layers mixed: ...
 *   inputs mixed: 0x%08x
 *   counters mixed npu<slot>: ...            (one per NPU used)
 *   npu_net: <n> runs, <e> errors
 * Exit status: 0, or the number of failed runs (an NPU error, a timeout, or
 * two NPUs of one precision disagreeing). Without NPUs it prints
 * "npu_net: no NPU found" and exits 0. */
#include <stdio.h>
#include <string.h>

#include <hpvp/rt.h>

#include "net_def.h"
#include "npu.h"

#define ARENA_BYTES (96u * 1024u)

static struct net_model model;
static uint64_t arena_mem[ARENA_BYTES / 8];
static struct npu_info npus[NPU_MAX_SLOTS];
static unsigned n_npus;
static uint32_t irqs_before[NPU_MAX_SLOTS];

static int exec_on_npu(void *ctx, struct net_run *r, int first, int count) {
  (void)ctx;
  const struct npu_info *npu = &npus[r->plan[first].unit];
  uint32_t st = npu_run(npu, &r->desc[first]);
  if (npu_status_ok(st) && npu_desc_done(npu) == (uint32_t)count) return 0;
  printf("layers %s..%s on npu%u failed: ", net_layers[first].name,
         net_layers[first + count - 1].name, npu->slot);
  npu_print_status(npu, st);
  return 1;
}

static void print_npus(void) {
  printf("npu_net: %u NPU%s\n", n_npus, n_npus == 1 ? "" : "s");
  for (unsigned i = 0; i < n_npus; i++) {
    const struct npu_info *n = &npus[i];
    printf("npu%u: %s %s %s %lux%lu spad %lu/%lu/%lu base 0x%08lx irq %u\n", n->slot,
           npu_precision_name(n->precision), npu_dataflow_name(n->dataflow),
           npu_model_name(n->compute_model), (unsigned long)n->rows, (unsigned long)n->cols,
           (unsigned long)n->ifmap_spad, (unsigned long)n->filter_spad,
           (unsigned long)n->ofmap_spad, (unsigned long)n->base, n->irq);
  }
}

static void print_layer_sums(const char *label, const struct net_run *r) {
  printf("layers %s:", label);
  for (int l = 0; l < NET_LAYERS; l++) printf(" %08lx", (unsigned long)r->layer_sum[l]);
  printf("\ninputs %s: 0x%08lx\n", label, (unsigned long)r->input_sum);
}

static void print_counters(const char *label, const struct npu_info *n, uint64_t ticks) {
  struct npu_counters c;
  npu_read_counters(n, &c);
  printf("counters %s: cycles=%llu compute=%llu stall=%llu macs=%llu dma_in=%llu dma_out=%llu "
         "energy_pj=%llu layers=%llu irqs=%lu run_us=%llu\n",
         label, (unsigned long long)c.cycles, (unsigned long long)c.compute,
         (unsigned long long)c.stall, (unsigned long long)c.macs, (unsigned long long)c.dma_in,
         (unsigned long long)c.dma_out, (unsigned long long)c.energy_pj,
         (unsigned long long)c.layers, (unsigned long)(npu_irq_count(n) - irqs_before[n->slot]),
         (unsigned long long)(ticks / (VIRT_CLINT_TIMEBASE_HZ / 1000000u)));
}

static void begin_counting(const struct npu_info *n) {
  npu_clear_counters(n);
  irqs_before[n->slot] = npu_irq_count(n);
}

/* Runs the plan; returns 0 and fills *r, or prints why it failed. */
static int run_plan(struct net_run *r, uint64_t *ticks) {
  struct net_arena arena = {(uint8_t *)arena_mem, sizeof arena_mem, 0};
  r->model = &model;
  uint64_t t0 = rt_mtime();
  int err = net_run_plan(r, &arena, exec_on_npu, NULL);
  *ticks = rt_mtime() - t0;
  if (err < 0) printf("npu_net: arena of %u bytes too small\n", ARENA_BYTES);
  return err;
}

int main(void) {
  n_npus = npu_probe(npus, NPU_MAX_SLOTS);
  if (n_npus == 0) {
    printf("npu_net: no NPU found\n");
    return 0;
  }
  print_npus();
  net_generate(&model);

  unsigned runs = 0, errors = 0;
  uint32_t first_sum[NPU_PREC_FP32 + 1];
  bool have_sum[NPU_PREC_FP32 + 1] = {false};
  static struct net_run r; /* large: keep it off the stack */
  char label[32];

  /* Whole network on each NPU, one descriptor list per run. */
  for (unsigned u = 0; u < n_npus; u++) {
    const struct npu_info *n = &npus[u];
    memset(&r, 0, sizeof r);
    for (int l = 0; l < NET_LAYERS; l++) {
      r.plan[l].prec = n->precision;
      r.plan[l].unit = (uint8_t)u;
    }
    r.chain = true;
    snprintf(label, sizeof label, "%s npu%u", npu_precision_name(n->precision), n->slot);
    begin_counting(n);
    uint64_t ticks;
    runs++;
    if (run_plan(&r, &ticks) != 0) {
      errors++;
      continue;
    }
    printf("checksum %s: 0x%08lx\n", label, (unsigned long)r.checksum);
    print_layer_sums(label, &r);
    print_counters(label, n, ticks);
    if (n->precision <= NPU_PREC_FP32) {
      if (have_sum[n->precision] && first_sum[n->precision] != r.checksum) {
        printf("npu_net: %s differs from the first %s NPU (0x%08lx)\n", label,
               npu_precision_name(n->precision), (unsigned long)first_sum[n->precision]);
        errors++;
      }
      have_sum[n->precision] = true;
      first_sum[n->precision] = r.checksum;
    }
  }

  /* Mixed pass, one start per layer. */
  uint8_t unit_prec[NPU_MAX_SLOTS];
  for (unsigned u = 0; u < n_npus; u++) unit_prec[u] = npus[u].precision;
  memset(&r, 0, sizeof r);
  net_mixed_plan(unit_prec, (int)n_npus, r.plan);
  r.chain = false;
  printf("mixed plan:");
  for (int l = 0; l < NET_LAYERS; l++)
    printf(" %s=npu%u/%s", net_layers[l].name, npus[r.plan[l].unit].slot,
           npu_precision_name(r.plan[l].prec));
  printf("\n");
  bool used[NPU_MAX_SLOTS] = {false};
  for (int l = 0; l < NET_LAYERS; l++) used[r.plan[l].unit] = true;
  for (unsigned u = 0; u < n_npus; u++)
    if (used[u]) begin_counting(&npus[u]);
  uint64_t ticks;
  runs++;
  if (run_plan(&r, &ticks) != 0) {
    errors++;
  } else {
    printf("checksum mixed: 0x%08lx\n", (unsigned long)r.checksum);
    print_layer_sums("mixed", &r);
    for (unsigned u = 0; u < n_npus; u++) {
      if (!used[u]) continue;
      snprintf(label, sizeof label, "mixed npu%u", npus[u].slot);
      print_counters(label, &npus[u], ticks);
    }
  }

  printf("npu_net: %u runs, %u errors\n", runs, errors);
  return errors > RT_EXIT_TEST_MAX ? RT_EXIT_TEST_MAX : (int)errors;
}
