/* NPU driver, hardware-independent part (see npu.h): names, formats and the
 * descriptor builders. No MMIO: host-side tests compile this file too, so the
 * firmware and the host reference build byte-identical descriptors (except
 * for addresses, which are host pointers truncated to 32 bits there). */
#include <string.h>

#include "npu.h"

const char *npu_precision_name(unsigned p) {
  static const char *const names[] = {"int8", "int4", "int2", "fp16", "fp32"};
  return p < sizeof names / sizeof names[0] ? names[p] : "?";
}

const char *npu_dataflow_name(unsigned d) {
  static const char *const names[] = {"os", "ws", "is"};
  return d < sizeof names / sizeof names[0] ? names[d] : "?";
}

const char *npu_model_name(unsigned m) {
  static const char *const names[] = {"systolic", "analog"};
  return m < sizeof names / sizeof names[0] ? names[m] : "?";
}

const char *npu_op_name(unsigned op) {
  static const char *const names[] = {"?",       "conv2d", "gemm", "maxpool",
                                      "avgpool", "gap",    "add",  "relu"};
  return op < sizeof names / sizeof names[0] ? names[op] : "?";
}

const char *npu_error_name(unsigned code) {
  static const char *const names[] = {
      "no error",           "bad op",          "bad shape",       "misaligned address",
      "bus error",          "spad overflow",   "bad quantisation", "unsupported",
  };
  return code < sizeof names / sizeof names[0] ? names[code] : "unknown error";
}

unsigned npu_act_bits(unsigned p) {
  switch (p) {
    case NPU_PREC_INT4: return 4;
    case NPU_PREC_FP16: return 16;
    case NPU_PREC_FP32: return 32;
    default: return 8; /* int8, and int2 (int8 activations) */
  }
}

unsigned npu_weight_bits(unsigned p) {
  switch (p) {
    case NPU_PREC_INT4: return 4;
    case NPU_PREC_INT2: return 2;
    case NPU_PREC_FP16: return 16;
    case NPU_PREC_FP32: return 32;
    default: return 8;
  }
}

/* ---- descriptors -------------------------------------------------------- */

struct npu_quant npu_quant_default(unsigned precision) {
  struct npu_quant q;
  memset(&q, 0, sizeof q);
  if (npu_is_float(precision)) {
    q.act_min = (int32_t)NPU_F32_NEG_INF;
    q.act_max = (int32_t)NPU_F32_INF;
  } else {
    int32_t half = 1 << (npu_act_bits(precision) - 1);
    q.act_min = -half;
    q.act_max = half - 1;
  }
  q.mult = q.in_mult = q.in2_mult = 1 << 30; /* 0.5 * 2^1 = 1.0 */
  q.shift = q.in_shift = q.in2_shift = 1;
  return q;
}

static inline uint32_t addr(const void *p) { return (uint32_t)(uintptr_t)p; }

static void desc_init(npu_desc_t *d, unsigned op, const void *in, struct npu_shape s, void *out,
                      const struct npu_quant *q) {
  memset(d, 0, sizeof *d);
  d->op = op;
  d->in_addr = addr(in);
  d->out_addr = addr(out);
  d->in_h = s.h;
  d->in_w = s.w;
  d->in_c = s.c;
  d->out_h = s.h;
  d->out_w = s.w;
  d->out_c = s.c;
  d->groups = 1;
  d->in_zp = q->in_zp;
  d->in2_zp = q->in2_zp;
  d->out_zp = q->out_zp;
  d->act_min = q->act_min;
  d->act_max = q->act_max;
  d->mult = q->mult;
  d->shift = q->shift;
  d->in_mult = q->in_mult;
  d->in_shift = q->in_shift;
  d->in2_mult = q->in2_mult;
  d->in2_shift = q->in2_shift;
}

static void set_weights(npu_desc_t *d, const void *w, const void *bias, const struct npu_quant *q) {
  d->w_addr = addr(w);
  if (bias) {
    d->flags |= NPU_FLAG_BIAS;
    d->bias_addr = addr(bias);
  }
  if (q->per_channel) {
    d->flags |= NPU_FLAG_PER_CHANNEL;
    d->quant_addr = addr(q->per_channel);
  }
}

static void set_window(npu_desc_t *d, uint8_t k, uint8_t stride, uint8_t pad) {
  d->k_h = d->k_w = k;
  d->stride_h = d->stride_w = stride;
  d->pad_top = d->pad_left = d->pad_bottom = d->pad_right = pad;
  uint16_t oh = 0, ow = 0;
  if (stride) {
    int span_h = (int)d->in_h + 2 * pad - k, span_w = (int)d->in_w + 2 * pad - k;
    if (span_h >= 0) oh = (uint16_t)(span_h / stride + 1);
    if (span_w >= 0) ow = (uint16_t)(span_w / stride + 1);
  }
  d->out_h = oh; /* 0 if the window does not fit: the NPU reports bad shape */
  d->out_w = ow;
}

static struct npu_shape out_shape(const npu_desc_t *d) {
  struct npu_shape s = {d->out_h, d->out_w, d->out_c};
  return s;
}

struct npu_shape npu_desc_conv2d(npu_desc_t *d, const void *in, struct npu_shape in_shape,
                                 const void *w, const void *bias, void *out, uint16_t out_c,
                                 uint8_t k, uint8_t stride, uint8_t pad, uint16_t groups,
                                 const struct npu_quant *q) {
  desc_init(d, NPU_OP_CONV2D, in, in_shape, out, q);
  d->out_c = out_c;
  d->groups = groups;
  set_weights(d, w, bias, q);
  set_window(d, k, stride, pad);
  return out_shape(d);
}

struct npu_shape npu_desc_gemm(npu_desc_t *d, const void *in, uint16_t m, uint16_t k,
                               const void *w, const void *bias, void *out, uint16_t n,
                               const struct npu_quant *q) {
  struct npu_shape s = {m, 1, k};
  desc_init(d, NPU_OP_GEMM, in, s, out, q);
  d->out_c = n;
  set_weights(d, w, bias, q);
  return out_shape(d);
}

struct npu_shape npu_desc_pool(npu_desc_t *d, unsigned op, const void *in, struct npu_shape s,
                               void *out, uint8_t k, uint8_t stride, uint8_t pad,
                               const struct npu_quant *q) {
  desc_init(d, op, in, s, out, q);
  set_window(d, k, stride, pad);
  return out_shape(d);
}

struct npu_shape npu_desc_gap(npu_desc_t *d, const void *in, struct npu_shape s, void *out,
                              const struct npu_quant *q) {
  desc_init(d, NPU_OP_GAP, in, s, out, q);
  d->out_h = d->out_w = 1;
  return out_shape(d);
}

struct npu_shape npu_desc_add(npu_desc_t *d, const void *in, const void *in2, struct npu_shape s,
                              void *out, const struct npu_quant *q) {
  desc_init(d, NPU_OP_ADD, in, s, out, q);
  d->in2_addr = addr(in2);
  return out_shape(d);
}

struct npu_shape npu_desc_relu(npu_desc_t *d, const void *in, struct npu_shape s, void *out,
                               const struct npu_quant *q) {
  desc_init(d, NPU_OP_RELU, in, s, out, q);
  return out_shape(d);
}

void npu_desc_chain(npu_desc_t *d, const npu_desc_t *next, bool irq) {
  d->next = addr(next);
  if (irq)
    d->flags |= NPU_FLAG_IRQ;
  else
    d->flags &= ~NPU_FLAG_IRQ;
}

