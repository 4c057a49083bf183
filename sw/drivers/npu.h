/* NPU driver: discovery, layer-descriptor builders, start / interrupt-driven
 * wait, status and error decoding, performance counters.
 *
 * Register and descriptor layout: <hpvp/hw/npu.h> (shared with the C++
 * model). Platform convention (also in <hpvp/hw/npu.h>): NPU slot i
 * (0..NPU_MAX_SLOTS-1) has its registers at NPU_SLOT_BASE(i) and drives PLIC
 * source NPU_SLOT_IRQ(i), routed to hart 0's M-mode context (context 0).
 *
 * The driver owns the machine external interrupt (PLIC context 0) and, while
 * npu_wait() sleeps, hart 0's mtimecmp (watchdog). It installs its trap hook
 * in npu_probe() and passes every other trap to the hook installed before. */
#ifndef HPVP_NPU_DRIVER_H
#define HPVP_NPU_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include <hpvp/hw/npu.h>
#include <hpvp/hw/virt_map.h>

#include "npu_quant.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NPU_PLIC_SOURCE(slot) NPU_SLOT_IRQ(slot)
#define NPU_PLIC_CONTEXT 0u  /* hart 0, M-mode */
#define NPU_PLIC_PRIORITY 1u /* any non-zero priority above threshold 0 */

/* Default npu_wait() watchdog: 1 s of simulated time (mtime ticks). */
#define NPU_WAIT_TIMEOUT_TICKS ((uint64_t)VIRT_CLINT_TIMEBASE_HZ)

struct npu_info {
  uint32_t base;         /* register block */
  uint8_t slot;          /* 0..NPU_MAX_SLOTS-1 */
  uint8_t irq;           /* PLIC source */
  uint8_t precision;     /* enum npu_precision */
  uint8_t dataflow;      /* enum npu_dataflow */
  uint8_t compute_model; /* enum npu_compute_model */
  uint32_t caps;         /* raw NPU_REG_CAPS */
  uint32_t rows, cols;   /* PE array */
  uint32_t ifmap_spad, filter_spad, ofmap_spad; /* scratchpad bytes */
};

struct npu_counters {
  uint64_t cycles, compute, stall, macs, dma_in, dma_out, energy_pj, layers;
};

/* ---- discovery ---------------------------------------------------------- */

/* Probes every slot: reads NPU_REG_ID with a temporary trap hook that turns
 * the load access fault of an empty slot into "absent". Fills up to `max`
 * entries of `npus` (in slot order) and returns how many NPUs answered with
 * NPU_ID_MAGIC. Each found NPU gets its pending interrupts acknowledged and
 * NPU_IRQ_DONE | NPU_IRQ_ERROR enabled (counters are left alone), and its
 * PLIC source enabled (priority NPU_PLIC_PRIORITY, context 0 threshold
 * 0); mie.MEIE and mstatus.MIE are set. Call once, before any other function. */
unsigned npu_probe(struct npu_info *npus, unsigned max);

const char *npu_precision_name(unsigned precision); /* "int8", "int4", ... */
const char *npu_dataflow_name(unsigned dataflow);   /* "os", "ws", "is" */
const char *npu_model_name(unsigned compute_model); /* "systolic", "analog" */
const char *npu_op_name(unsigned op);               /* "conv2d", ... */
const char *npu_error_name(unsigned code);          /* npu_error text */

/* Storage of one element in memory for a precision: activation and weight
 * bits (8/4/2 packed, or 16/32 for IEEE formats). */
unsigned npu_act_bits(unsigned precision);
unsigned npu_weight_bits(unsigned precision);
static inline bool npu_is_float(unsigned precision) {
  return precision == NPU_PREC_FP16 || precision == NPU_PREC_FP32;
}

/* ---- descriptors -------------------------------------------------------- */

/* NHWC tensor shape (batch 1). */
struct npu_shape {
  uint16_t h, w, c;
};

/* Requantisation / clamp parameters of a layer, copied into the descriptor.
 * On float NPUs only act_min/act_max (fp32 bit patterns) are used. */
struct npu_quant {
  int32_t in_zp, in2_zp, out_zp;
  int32_t act_min, act_max;     /* output clamp, output units */
  int32_t mult, shift;          /* per-tensor output requantisation */
  int32_t in_mult, in_shift;    /* ADD: rescale of the first input */
  int32_t in2_mult, in2_shift;  /* ADD: rescale of the second input */
  const int32_t *per_channel;   /* conv/gemm: NULL, or mult[out_c] then shift[out_c] */
};

/* Neutral parameters for a precision: zero points 0, the full activation
 * range (float: -inf..+inf), multiplier 1.0 (mult 2^30, shift 1). */
struct npu_quant npu_quant_default(unsigned precision);

/* The builders zero the descriptor, fill it, and return the output shape;
 * `next` is 0 (end of list) until npu_desc_chain(). `bias` may be NULL
 * (int32 on integer NPUs, fp32 on float NPUs). Padding is symmetric (`pad`
 * on every side); change the pad_* fields afterwards for asymmetric
 * padding. Output size: (in + 2 pad - k) / stride + 1. */
struct npu_shape npu_desc_conv2d(npu_desc_t *d, const void *in, struct npu_shape in_shape,
                                 const void *w, const void *bias, void *out, uint16_t out_c,
                                 uint8_t k, uint8_t stride, uint8_t pad, uint16_t groups,
                                 const struct npu_quant *q);
/* out[m][n] = in[m][k] . w[n][k] (+ bias[n]). */
struct npu_shape npu_desc_gemm(npu_desc_t *d, const void *in, uint16_t m, uint16_t k,
                               const void *w, const void *bias, void *out, uint16_t n,
                               const struct npu_quant *q);
/* op = NPU_OP_MAXPOOL or NPU_OP_AVGPOOL. */
struct npu_shape npu_desc_pool(npu_desc_t *d, unsigned op, const void *in, struct npu_shape s,
                               void *out, uint8_t k, uint8_t stride, uint8_t pad,
                               const struct npu_quant *q);
struct npu_shape npu_desc_gap(npu_desc_t *d, const void *in, struct npu_shape s, void *out,
                              const struct npu_quant *q);
struct npu_shape npu_desc_add(npu_desc_t *d, const void *in, const void *in2, struct npu_shape s,
                              void *out, const struct npu_quant *q);
struct npu_shape npu_desc_relu(npu_desc_t *d, const void *in, struct npu_shape s, void *out,
                               const struct npu_quant *q);
/* d->next = next (NULL ends the list); sets NPU_FLAG_IRQ on d if `irq`. */
void npu_desc_chain(npu_desc_t *d, const npu_desc_t *next, bool irq);

/* ---- running ------------------------------------------------------------ */

/* Starts the list at `first` (8-byte aligned). Issues a fence so the
 * descriptors and tensors written by the CPU are visible to the DMA. Returns
 * false (and does nothing) if the NPU is busy. */
bool npu_start(const struct npu_info *npu, const npu_desc_t *first);

/* Sleeps (wfi) until the NPU raised an interrupt and is no longer busy, or
 * the watchdog (`timeout_ticks` of mtime; 0 = none) expired. Returns the
 * NPU_REG_STATUS value; a timeout returns it with NPU_STATUS_BUSY still set
 * (see npu_wait_timed_out()). Ends with a fence so the CPU sees the outputs. */
uint32_t npu_wait_timeout(const struct npu_info *npu, uint64_t timeout_ticks);
static inline uint32_t npu_wait(const struct npu_info *npu) {
  return npu_wait_timeout(npu, NPU_WAIT_TIMEOUT_TICKS);
}
/* npu_start + npu_wait. */
uint32_t npu_run(const struct npu_info *npu, const npu_desc_t *first);

uint32_t npu_status(const struct npu_info *npu);
static inline bool npu_status_ok(uint32_t status) {
  return (status & (NPU_STATUS_BUSY | NPU_STATUS_DONE | NPU_STATUS_ERROR)) == NPU_STATUS_DONE;
}
static inline unsigned npu_status_error(uint32_t status) {
  return (status >> NPU_STATUS_ERR_SHIFT) & 0xffu;
}
static inline bool npu_wait_timed_out(uint32_t status) { return (status & NPU_STATUS_BUSY) != 0; }

/* Descriptors completed since the last start, and the failing descriptor. */
uint32_t npu_desc_done(const struct npu_info *npu);
uint32_t npu_error_addr(const struct npu_info *npu);
/* Interrupts taken for this NPU since npu_probe (diagnostics). */
uint32_t npu_irq_count(const struct npu_info *npu);

/* Prints "npu<slot>: <error name> (status 0x..) at descriptor 0x.. (#n)"
 * (or "timeout" / "ok") to stdout. */
void npu_print_status(const struct npu_info *npu, uint32_t status);

/* ---- counters ----------------------------------------------------------- */

/* Each 64-bit counter is read high, low, high and retried until the high
 * word is stable. */
uint64_t npu_read_counter(const struct npu_info *npu, uint32_t reg);
void npu_read_counters(const struct npu_info *npu, struct npu_counters *c);
void npu_clear_counters(const struct npu_info *npu);

#ifdef __cplusplus
}
#endif

#endif
