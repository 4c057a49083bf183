/* model_runner: runs a compiled model image (HPVM, <hpvp/model_image.h>) on
 * the platform's NPUs over a batch of inputs.
 *
 * Hand-over: the VP (platform/workload.h, `vp run --model`, `vp eval`) writes
 * the image and its arena, the raw inputs, the optional labels and the result
 * array into hpvp_workload_area (workload_area.S) and fills hpvp_workload
 * before the hart starts. The runner checks and relocates the image, checks
 * that every unit it was compiled for is present, then per input: loads the
 * input tensor through the image's LUT, runs the steps in order (NPU
 * descriptor lists, CPU format conversions), writes the argmax class to the
 * result array and updates hpvp_workload.done/.correct, which the VP polls.
 *
 * Output:
 *   model_runner: <bytes> byte image, <units> units, <steps> steps, <n> inputs
 *   step <s>: ...                         (HPVM_RUN_VERBOSE, first input only)
 *   model_runner: <n> inputs, <c> correct (<acc> %)   (without labels: up to "inputs")
 *   model_runner: npu<slot> <prec> cycles=.. macs=.. layers=..   (one per unit)
 * Exit status: 0, or one of the EXIT_* codes below. */
#include <stdio.h>

#include "hpvm_runtime.h"
#include "npu.h"
#include <hpvp/model_image.h>
#include <hpvp/rt.h>

enum {
  EXIT_NO_WORKLOAD = 2, /* not started by the VP's workload loader */
  EXIT_BAD_IMAGE = 3,   /* image check failed, or inputs do not fit the model */
  EXIT_BAD_UNITS = 4,   /* an NPU the model needs is missing or of another precision */
  EXIT_NPU_FAILED = 5   /* an NPU reported an error or timed out */
};

/* Initialised, so it lives in .data and the VP finds the magic in the ELF;
 * the VP overwrites the other fields before the hart starts. */
hpvm_workload_t hpvp_workload = {.magic = HPVM_WORKLOAD_MAGIC};

struct runner {
  uint8_t *image; /* at hpvp_workload.model_addr, relocated */
  const hpvm_header_t *h;
  const npu_desc_t *descs;
  const hpvm_tensor_t *out_t;
  uint8_t *in_mem, *out_mem;
  const struct npu_info *npu[NPU_MAX_SLOTS]; /* by slot; NULL = empty */
};

static struct npu_info npus[NPU_MAX_SLOTS];

static inline uint8_t *mem(uint32_t addr) { return (uint8_t *)(uintptr_t)addr; }

static const char *format_name(unsigned format) {
  switch (format) {
    case HPVM_FMT_INT8:
      return "int8";
    case HPVM_FMT_INT4:
      return "int4";
    case HPVM_FMT_FP16:
      return "fp16";
    case HPVM_FMT_FP32:
      return "fp32";
  }
  return "?";
}

/* ---- setup ---------------------------------------------------------------- */

static int open_image(struct runner *r) {
  const hpvm_workload_t *w = &hpvp_workload;
  if (w->model_addr == 0) {
    printf(
        "model_runner: no model loaded (hpvp_workload.model_addr is 0): run it with "
        "`vp run --model` or `vp eval`\n");
    return EXIT_NO_WORKLOAD;
  }
  r->image = mem(w->model_addr);
  /* The VP has checked the image, CRC included, before loading it. The
   * firmware always checks magic, version and bounds; the CRC (about 15
   * instructions per image byte: 3 s of simulated time for ResNet-18) only
   * on request (HPVM_RUN_VERIFY_CRC, `vp run --model-verify`), so it does
   * not dominate the timing of big models. */
  const int verify = (w->flags & HPVM_RUN_VERIFY_CRC) != 0;
  enum hpvm_check c = hpvm_check_image(r->image, hpvm_header(r->image)->image_bytes, verify);
  if (c != HPVM_OK) {
    printf("model_runner: model image at 0x%08lx: %s\n", (unsigned long)w->model_addr,
           hpvm_check_name(c));
    return EXIT_BAD_IMAGE;
  }
  hpvm_relocate(r->image, w->model_addr);
  r->h = hpvm_header(r->image);
  r->descs = (const npu_desc_t *)(r->image + r->h->descs_offset);
  const hpvm_tensor_t *in_t = hpvm_tensor(r->image, r->h->input_tensor);
  r->out_t = hpvm_tensor(r->image, r->h->output_tensor);
  r->in_mem = r->image + in_t->offset;
  r->out_mem = r->image + r->out_t->offset;
  if (w->n_inputs != 0 && w->input_bytes != hpvm_elements(in_t)) {
    printf("model_runner: inputs have %lu bytes, the model's input is %ux%ux%u = %lu\n",
           (unsigned long)w->input_bytes, in_t->h, in_t->w, in_t->c,
           (unsigned long)hpvm_elements(in_t));
    return EXIT_BAD_IMAGE;
  }
  return 0;
}

/* Every unit the model was compiled for must be present with its precision. */
static int open_units(struct runner *r) {
  unsigned n = npu_probe(npus, NPU_MAX_SLOTS);
  for (unsigned i = 0; i < n && i < NPU_MAX_SLOTS; ++i) r->npu[npus[i].slot] = &npus[i];
  int err = 0;
  for (uint32_t u = 0; u < r->h->n_units; ++u) {
    const hpvm_unit_t *unit = hpvm_unit(r->image, u);
    const struct npu_info *npu = unit->slot < NPU_MAX_SLOTS ? r->npu[unit->slot] : NULL;
    if (npu == NULL) {
      printf("model_runner: the model needs an %s NPU in slot %u, which is empty\n",
             npu_precision_name(unit->precision), unit->slot);
      err = EXIT_BAD_UNITS;
    } else if (npu->precision != unit->precision) {
      printf("model_runner: the model needs an %s NPU in slot %u, found %s\n",
             npu_precision_name(unit->precision), unit->slot, npu_precision_name(npu->precision));
      err = EXIT_BAD_UNITS;
    } else {
      npu_clear_counters(npu);
    }
  }
  return err;
}

/* Steps refer to units, descriptors and tensors that exist: checked once
 * here, so the per-input loop trusts them. */
static int check_steps(const struct runner *r) {
  for (uint32_t s = 0; s < r->h->n_steps; ++s) {
    const hpvm_step_t *st = hpvm_step(r->image, s);
    int ok;
    if (st->kind == HPVM_STEP_NPU)
      ok = st->unit < NPU_MAX_SLOTS && r->npu[st->unit] && st->count != 0 &&
           st->first < r->h->n_descs && st->count <= r->h->n_descs - st->first;
    else
      ok = st->kind == HPVM_STEP_CONVERT && st->first < r->h->n_tensors &&
           st->count < r->h->n_tensors;
    if (!ok) {
      printf("model_runner: step %lu (kind %u) refers to a missing unit, descriptor or tensor\n",
             (unsigned long)s, st->kind);
      return st->kind == HPVM_STEP_NPU ? EXIT_BAD_UNITS : EXIT_BAD_IMAGE;
    }
  }
  return 0;
}

/* ---- steps ------------------------------------------------------------------ */

static void report_npu_failure(const struct runner *r, uint32_t s, const struct npu_info *npu,
                               uint32_t status, uint32_t expected) {
  if (npu_wait_timed_out(status)) {
    printf("model_runner: step %lu: npu%u timed out after %lu of %lu descriptors\n",
           (unsigned long)s, npu->slot, (unsigned long)npu_desc_done(npu), (unsigned long)expected);
    return;
  }
  if (!(status & NPU_STATUS_ERROR)) {
    printf("model_runner: step %lu: npu%u ran %lu of %lu descriptors (broken chain?)\n",
           (unsigned long)s, npu->slot, (unsigned long)npu_desc_done(npu), (unsigned long)expected);
    return;
  }
  const uint32_t at = npu_error_addr(npu), base = (uint32_t)(uintptr_t)r->descs;
  /* Only a descriptor of this image is safe to read back. */
  const uint32_t index = (at - base) / NPU_DESC_SIZE;
  const int ours = at >= base && index < r->h->n_descs && (at - base) % NPU_DESC_SIZE == 0;
  printf("model_runner: step %lu: npu%u: descriptor #%ld (%s): %s (ERROR_ADDR 0x%08lx)\n",
         (unsigned long)s, npu->slot, ours ? (long)index : -1L,
         ours ? npu_op_name(r->descs[index].op) : "?", npu_error_name(npu_status_error(status)),
         (unsigned long)at);
}

static int run_npu_step(const struct runner *r, uint32_t s, const hpvm_step_t *st) {
  const struct npu_info *npu = r->npu[st->unit];
  const uint32_t status = npu_run(npu, &r->descs[st->first]);
  if (npu_status_ok(status) && npu_desc_done(npu) == st->count) return 0;
  report_npu_failure(r, s, npu, status, st->count);
  return EXIT_NPU_FAILED;
}

static void run_convert_step(const struct runner *r, const hpvm_step_t *st) {
  const hpvm_tensor_t *src = hpvm_tensor(r->image, st->first);
  const hpvm_tensor_t *dst = hpvm_tensor(r->image, st->count);
  hpvm_convert(st, src, r->image + src->offset, dst, r->image + dst->offset);
}

static int run_step(const struct runner *r, uint32_t s) {
  const hpvm_step_t *st = hpvm_step(r->image, s);
  if (st->kind == HPVM_STEP_NPU) return run_npu_step(r, s, st);
  run_convert_step(r, st);
  return 0;
}

static void print_step(const struct runner *r, uint32_t s, uint64_t ticks) {
  const hpvm_step_t *st = hpvm_step(r->image, s);
  const unsigned long us = (unsigned long)(ticks / (VIRT_CLINT_TIMEBASE_HZ / 1000000u));
  if (st->kind == HPVM_STEP_NPU) {
    const struct npu_info *npu = r->npu[st->unit];
    printf("step %lu: npu%u %s descriptors %lu..%lu (%s..%s), %lu us\n", (unsigned long)s,
           npu->slot, npu_precision_name(npu->precision), (unsigned long)st->first,
           (unsigned long)(st->first + st->count - 1), npu_op_name(r->descs[st->first].op),
           npu_op_name(r->descs[st->first + st->count - 1].op), us);
  } else {
    const hpvm_tensor_t *src = hpvm_tensor(r->image, st->first);
    const hpvm_tensor_t *dst = hpvm_tensor(r->image, st->count);
    printf("step %lu: cpu convert t%lu (%s) -> t%lu (%s), %lu elements, %lu us\n", (unsigned long)s,
           (unsigned long)st->first, format_name(src->format), (unsigned long)st->count,
           format_name(dst->format), (unsigned long)hpvm_elements(src), us);
  }
}

/* Runs the network on raw input `raw`; returns 0 or an exit code. */
static int run_input(const struct runner *r, const uint8_t *raw, int verbose) {
  hpvm_load_input(r->image, raw, r->in_mem);
  for (uint32_t s = 0; s < r->h->n_steps; ++s) {
    const uint64_t t0 = verbose ? rt_mtime() : 0;
    const int err = run_step(r, s);
    if (err) return err;
    if (verbose) print_step(r, s, rt_mtime() - t0);
  }
  return 0;
}

/* ---- main ------------------------------------------------------------------- */

static void print_summary(const struct runner *r, uint32_t n, uint32_t correct, int labelled) {
  if (labelled && n != 0) {
    /* Hundredths of a percent, rounded half up: no floating point. */
    const uint64_t bp = ((uint64_t)correct * 20000u + n) / (2u * (uint64_t)n);
    printf("model_runner: %lu inputs, %lu correct (%lu.%02lu %%)\n", (unsigned long)n,
           (unsigned long)correct, (unsigned long)(bp / 100u), (unsigned long)(bp % 100u));
  } else {
    printf("model_runner: %lu inputs\n", (unsigned long)n);
  }
  for (uint32_t u = 0; u < r->h->n_units; ++u) {
    const struct npu_info *npu = r->npu[hpvm_unit(r->image, u)->slot];
    struct npu_counters c;
    npu_read_counters(npu, &c);
    printf("model_runner: npu%u %s cycles=%llu macs=%llu layers=%llu\n", npu->slot,
           npu_precision_name(npu->precision), (unsigned long long)c.cycles,
           (unsigned long long)c.macs, (unsigned long long)c.layers);
  }
}

static int setup(struct runner *r) {
  int err = open_image(r);
  if (!err) err = open_units(r);
  if (!err) err = check_steps(r);
  if (!err)
    printf("model_runner: %lu byte image, %lu units, %lu steps, %lu inputs\n",
           (unsigned long)r->h->image_bytes, (unsigned long)r->h->n_units,
           (unsigned long)r->h->n_steps, (unsigned long)hpvp_workload.n_inputs);
  return err;
}

int main(void) {
  static struct runner r;
  const int err = setup(&r);
  if (err) return err;

  volatile hpvm_workload_t *w = &hpvp_workload; /* the VP reads progress while we run */
  const uint32_t n = w->n_inputs, input_bytes = w->input_bytes;
  const uint8_t *raw = mem(w->inputs_addr);
  const uint8_t *labels = w->labels_addr ? mem(w->labels_addr) : NULL;
  uint16_t *results = (uint16_t *)mem(w->results_addr);
  const int verbose = (w->flags & HPVM_RUN_VERBOSE) != 0;
  uint32_t correct = 0;
  for (uint32_t i = 0; i < n; ++i, raw += input_bytes) {
    const int e = run_input(&r, raw, verbose && i == 0);
    if (e) return e;
    const uint32_t cls = hpvm_argmax(r.out_t, r.out_mem);
    results[i] = (uint16_t)cls;
    if (labels && labels[i] == cls) ++correct;
    w->correct = correct;
    w->done = i + 1;
  }
  print_summary(&r, n, correct, labels != NULL);
  return 0;
}
