/* npu_net: definition of the small CNN that the npu_net firmware runs on the
 * NPUs, shared with the host reference test
 * (tests/unit/test_npu_net_reference.cpp). Plain C, also valid C++.
 *
 * Network (NHWC, batch 1; the int8 "reference" quantisation is below):
 *
 *   T0 input 16x16x8
 *   L0 conv1  conv 3x3 s1 p1, 8 -> 16, bias, per-channel requant, ReLU -> T1 16x16x16
 *   L1 pool   maxpool 2x2 s2                                           -> T2 8x8x16
 *   L2 dw     depthwise 3x3 s2 p1 (groups 16), bias, per-channel, ReLU -> T3 4x4x16
 *   L3 pw     conv 1x1, 16 -> 16, bias, per-channel (no ReLU)          -> T4 4x4x16
 *   L4 add    T3 + T4 (residual)                                       -> T5 4x4x16
 *   L5 relu   ReLU with requantisation                                 -> T6 4x4x16
 *   L6 gap    global average pool                                      -> T7 1x1x16
 *   L7 fc     GEMM 16 -> 10, bias, per-channel                         -> T8 1x10
 *
 * Layer i reads tensor net_layers[i].in (and .in2 for ADD) and writes tensor
 * i + 1.
 *
 * Data: xorshift32 streams (x ^= x << 13; x ^= x >> 17; x ^= x << 5), one per
 * array, seeded with net_seed(NET_SEED, array id) (see net_data.c):
 *   input     int8 = (r >> 24) - 128                        (array id 0)
 *   weights   int8 = (r >> 8) % 255 - 127, OHWI             (id 1 + 4 * layer)
 *   w scales  s_w[c] = w_scale * (256 + (r >> 24)) / 256    (id 2 + 4 * layer)
 *   bias      int32 = (r >> 8) % (2 * bias_range + 1) - bias_range (id 3 + 4 * layer)
 * all in float / integer arithmetic that is exact or correctly rounded
 * (IEEE binary32), so firmware and host compute identical bits.
 *
 * Precisions. The int8 network is the reference; the other NPU types get
 * converted copies (conversion code: net_data.c, run on the CPU):
 *   int8  as is.
 *   int2  weights ternarised: w > 42 -> 1, w < -42 -> -1, else 0, weight
 *         scale x NET_TERNARY_SCALE (85 = mean |w| of the survivors);
 *         activations stay int8.
 *   int4  weights rdiv(w, 16) clamped to [-8, 7], weight scale x 16;
 *         activations rdiv(a - zp, 16) + rdiv(zp, 16) clamped to [-8, 7],
 *         activation scale x 16 (rdiv: division rounding half away from 0).
 *   int bias = rdiv(bias8, act factor * weight factor); per-channel
 *         multiplier = quantize_multiplier(s_in * s_w[c] / s_out * weight factor).
 *   fp32  real values: activations (a - zp) * scale, weights w * s_w[c],
 *         bias bias8 * (s_in * s_w[c]); ReLU = clamp at 0.
 *   fp16  the fp32 values rounded to binary16 (bias stays fp32).
 *   Between precisions (the mixed pass) activations go through
 *   net_convert_act(): integer <-> integer by rescaling with rdiv, integer ->
 *   float by (a - zp) * scale, float -> integer by round-half-away(x / scale)
 *   + zp, clamped; fp32 <-> fp16 by widening / rounding to nearest even.
 *
 * Checksum of a run: FNV-1a (32-bit, offset basis 0x811c9dc5, prime
 * 0x01000193) over the bytes of the output tensors T1..T8 in layer order,
 * each exactly as stored in memory by the NPU that produced it (packed int4,
 * int8, little-endian binary16 / binary32). The firmware prints
 *   checksum <precision> npu<slot>: 0x%08x     (whole network on one NPU)
 *   checksum mixed: 0x%08x                     (layers spread over NPU types)
 */
#ifndef NPU_NET_DEF_H
#define NPU_NET_DEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hpvp/hw/npu.h>

#include "npu.h" /* sw/drivers: struct npu_quant, descriptor builders */

#ifdef __cplusplus
extern "C" {
#endif

#define NET_SEED 0x4e50554eu /* "NPUN" */
#define NET_TERNARY_THRESHOLD 42
#define NET_TERNARY_SCALE 85
#define NET_INT4_SCALE 16
#define NET_FNV_OFFSET 0x811c9dc5u
#define NET_FNV_PRIME 0x01000193u

enum net_tensor_id {
  NET_T_INPUT,
  NET_T_CONV1,
  NET_T_POOL,
  NET_T_DW,
  NET_T_PW,
  NET_T_ADD,
  NET_T_RELU,
  NET_T_GAP,
  NET_T_FC,
  NET_TENSORS,
  NET_T_NONE = 0xff
};

enum net_layer_id {
  NET_L_CONV1,
  NET_L_POOL,
  NET_L_DW,
  NET_L_PW,
  NET_L_ADD,
  NET_L_RELU,
  NET_L_GAP,
  NET_L_FC,
  NET_LAYERS
};

/* Tensor shape and its int8 reference quantisation: real = scale * (q - zp). */
struct net_tensor_def {
  const char *name;
  uint16_t h, w, c;
  float scale;
  int32_t zp;
};

struct net_layer_def {
  const char *name;
  uint8_t op;      /* enum npu_op */
  uint8_t in, in2; /* tensor ids (in2: ADD only) */
  uint8_t k, stride, pad;
  uint16_t groups;
  uint8_t relu;       /* output clamped at its zero point (real 0) */
  float w_scale;      /* conv/gemm: base of the per-channel weight scales */
  int32_t bias_range; /* conv/gemm: bias uniform in [-range, range] */
};

/* Scales were picked from a float run of the network: each int8 range
 * covers the tensor's largest real value (a few values of the int4 and int2
 * versions still saturate, which exercises the clamps). */
static const struct net_tensor_def net_tensors[NET_TENSORS] = {
    /* name    h   w   c  scale      zp */
    {"input", 16, 16, 8, 0.05f, 16},
    {"conv1", 16, 16, 16, 0.25f, -128},
    {"pool", 8, 8, 16, 0.25f, -128}, /* maxpool keeps scale and zero point */
    {"dw", 4, 4, 16, 0.375f, -128},
    {"pw", 4, 4, 16, 0.625f, 16},
    {"add", 4, 4, 16, 0.625f, -16},
    {"relu", 4, 4, 16, 0.375f, -128},
    {"gap", 1, 1, 16, 0.375f, -128}, /* GAP keeps scale and zero point */
    {"fc", 1, 1, 10, 0.3125f, -32},
};

static const struct net_layer_def net_layers[NET_LAYERS] = {
    /* name    op               in            in2         k  s  p  groups relu w_scale bias */
    {"conv1", NPU_OP_CONV2D, NET_T_INPUT, NET_T_NONE, 3, 1, 1, 1, 1, 0.004f, 2000},
    {"pool", NPU_OP_MAXPOOL, NET_T_CONV1, NET_T_NONE, 2, 2, 0, 1, 0, 0.0f, 0},
    {"dw", NPU_OP_CONV2D, NET_T_POOL, NET_T_NONE, 3, 2, 1, 16, 1, 0.004f, 2000},
    {"pw", NPU_OP_CONV2D, NET_T_DW, NET_T_NONE, 1, 1, 0, 1, 0, 0.004f, 2000},
    {"add", NPU_OP_ADD, NET_T_DW, NET_T_PW, 0, 0, 0, 1, 0, 0.0f, 0},
    {"relu", NPU_OP_RELU, NET_T_ADD, NET_T_NONE, 0, 0, 0, 1, 1, 0.0f, 0},
    {"gap", NPU_OP_GAP, NET_T_RELU, NET_T_NONE, 0, 0, 0, 1, 0, 0.0f, 0},
    {"fc", NPU_OP_GEMM, NET_T_GAP, NET_T_NONE, 0, 0, 0, 1, 0, 0.004f, 2000},
};

#define NET_IN_ELEMS (16 * 16 * 8)
#define NET_W_ELEMS (16 * 9 * 8 + 16 * 9 + 16 * 16 + 10 * 16) /* conv1, dw, pw, fc */
#define NET_CH_ELEMS (16 + 16 + 16 + 10)                       /* bias / scale entries */
#define NET_MAX_UNITS 8

/* ---- the int8 reference model ------------------------------------------ */

struct net_model {
  int8_t input[NET_IN_ELEMS];
  int8_t w[NET_W_ELEMS]; /* OHWI weights of conv1, dw, pw, fc, in layer order */
  int32_t bias[NET_CH_ELEMS];
  float w_scale[NET_CH_ELEMS];
};

uint32_t net_seed(uint32_t seed, uint32_t array_id);
uint32_t net_xorshift32(uint32_t *state);
void net_generate(struct net_model *m);

static inline bool net_has_weights(int layer) {
  return net_layers[layer].op == NPU_OP_CONV2D || net_layers[layer].op == NPU_OP_GEMM;
}
size_t net_tensor_elems(int tensor);
int net_out_c(int layer);
size_t net_weight_elems(int layer);
size_t net_w_offset(int layer);  /* into net_model.w */
size_t net_ch_offset(int layer); /* into net_model.bias / w_scale */

/* ---- formats and conversions -------------------------------------------- */

/* Activation format of a tensor on an NPU of precision p: real = scale * (q -
 * zp), q in [lo, hi] (integer precisions; float precisions store reals). */
struct net_act_fmt {
  float scale;
  int32_t zp, lo, hi;
  int32_t factor; /* scale / int8 reference scale */
};
struct net_act_fmt net_act_format(int tensor, unsigned prec);
int32_t net_weight_factor(unsigned prec);
/* Same in-memory activation encoding (int8 and int2 NPUs share int8). */
bool net_same_act_format(unsigned a, unsigned b);
size_t net_tensor_bytes(int tensor, unsigned prec);

int32_t net_rdiv(int32_t v, int32_t d); /* v / d rounded half away from zero, d > 0 */
int32_t net_round_f32(float x);         /* half away from zero, saturating to +-2^30 */

/* Tensor `tensor` from precision `from` (memory format at src) to `to`. */
void net_convert_act(int tensor, unsigned from, const void *src, unsigned to, void *dst);

/* ---- per-layer parameters and descriptors -------------------------------- */

struct net_arena {
  uint8_t *base;
  size_t size, used;
};
/* 8-byte aligned block, NULL when the arena is full. */
void *net_alloc(struct net_arena *a, size_t bytes);

struct net_layer_params {
  void *w;              /* conv/gemm weights in the precision's format */
  void *bias;           /* int32 or fp32 */
  int32_t *per_channel; /* integer conv/gemm: mult[out_c] then shift[out_c] */
  struct npu_quant q;
};
/* Converts layer `layer` of the model to precision `prec`; buffers come from
 * the arena. Returns false if the arena is full. */
bool net_layer_params_make(const struct net_model *m, int layer, unsigned prec,
                           struct net_arena *a, struct net_layer_params *p);
/* Builds the layer's descriptor (next = 0). */
void net_layer_desc(npu_desc_t *d, int layer, const void *in, const void *in2, void *out,
                    const struct net_layer_params *p);

/* ---- running ------------------------------------------------------------ */

/* Where layer i runs: an NPU precision and a "unit" (the firmware's index of
 * an NPU). Consecutive layers on the same unit form a group. */
struct net_step {
  uint8_t prec;
  uint8_t unit;
};

struct net_run {
  /* inputs */
  const struct net_model *model;
  struct net_step plan[NET_LAYERS];
  bool chain; /* one descriptor list (one start) per group, else one start per layer */
  /* filled by net_run_plan() */
  void *t[NET_TENSORS]; /* t[0]: int8 reference input; t[i + 1]: output of layer i */
  uint8_t t_prec[NET_TENSORS];
  const void *in[NET_LAYERS], *in2[NET_LAYERS]; /* inputs as layer i reads them */
  struct net_layer_params prm[NET_LAYERS];
  npu_desc_t *desc; /* NET_LAYERS descriptors */
  uint32_t layer_sum[NET_LAYERS]; /* FNV-1a of each output tensor alone */
  uint32_t checksum;
  /* FNV-1a over what every layer reads, in layer order: input(s) as read,
   * weights, bias, per-channel mult/shift. Covers the CPU conversions. */
  uint32_t input_sum;
};

/* Executes the descriptors of layers [first, first + count) (chained from
 * run->desc[first] when count > 1) on unit run->plan[first].unit. Returns 0
 * or a non-zero error. */
typedef int (*net_exec_fn)(void *ctx, struct net_run *run, int first, int count);

/* Converts the model for the plan, runs every group through `exec`
 * (converting activations on the CPU where a layer reads a tensor produced
 * in another format), then checksums. Returns 0, the first non-zero exec
 * result, or -1 if the arena is too small. */
int net_run_plan(struct net_run *run, struct net_arena *a, net_exec_fn exec, void *ctx);

/* Mixed plan over the available units (unit i has precision unit_prec[i]).
 * Stages: the distinct precisions in ascending enum order (first unit of
 * each); with a single precision, the units themselves (up to 4). Layer i
 * runs on stage min((i * n + 2) / NET_LAYERS, n - 1), n = number of stages.
 * Returns n (0 if there are no units). */
int net_mixed_plan(const uint8_t *unit_prec, int n_units, struct net_step plan[NET_LAYERS]);

uint32_t net_fnv1a(uint32_t h, const void *data, size_t n);

#ifdef __cplusplus
}
#endif

#endif
