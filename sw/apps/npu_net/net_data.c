/* npu_net: data generation, precision conversions, descriptors and the layer
 * runner. Shared by the firmware (npu_net.c) and the host reference test, so
 * both compute the same bits: integer arithmetic, plus IEEE binary32
 * operations that are correctly rounded on every conforming implementation
 * (no libm, no fused multiply-add: host builds use -ffp-contract=off). */
#include <string.h>

#include "net_def.h"

/* ---- generation --------------------------------------------------------- */

uint32_t net_xorshift32(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

uint32_t net_seed(uint32_t seed, uint32_t array_id) {
  uint32_t s = seed ^ (array_id * 0x9e3779b9u);
  if (s == 0) s = 0x9e3779b9u;
  for (int i = 0; i < 4; i++) net_xorshift32(&s); /* decorrelate neighbouring seeds */
  return s;
}

size_t net_tensor_elems(int t) {
  return (size_t)net_tensors[t].h * net_tensors[t].w * net_tensors[t].c;
}

int net_out_c(int layer) { return net_tensors[layer + 1].c; }

size_t net_weight_elems(int layer) {
  const struct net_layer_def *l = &net_layers[layer];
  int in_c = net_tensors[l->in].c;
  if (l->op == NPU_OP_CONV2D) return (size_t)net_out_c(layer) * l->k * l->k * (in_c / l->groups);
  if (l->op == NPU_OP_GEMM) return (size_t)net_out_c(layer) * in_c;
  return 0;
}

size_t net_w_offset(int layer) {
  size_t off = 0;
  for (int i = 0; i < layer; i++) off += net_weight_elems(i);
  return off;
}

size_t net_ch_offset(int layer) {
  size_t off = 0;
  for (int i = 0; i < layer; i++)
    if (net_has_weights(i)) off += (size_t)net_out_c(i);
  return off;
}

void net_generate(struct net_model *m) {
  uint32_t s = net_seed(NET_SEED, 0);
  for (size_t i = 0; i < NET_IN_ELEMS; i++)
    m->input[i] = (int8_t)((int32_t)(net_xorshift32(&s) >> 24) - 128);
  for (int l = 0; l < NET_LAYERS; l++) {
    if (!net_has_weights(l)) continue;
    const struct net_layer_def *d = &net_layers[l];
    int8_t *w = m->w + net_w_offset(l);
    size_t nw = net_weight_elems(l), ch = net_ch_offset(l);
    int out_c = net_out_c(l);
    s = net_seed(NET_SEED, 1u + 4u * (uint32_t)l);
    for (size_t i = 0; i < nw; i++)
      w[i] = (int8_t)((int32_t)((net_xorshift32(&s) >> 8) % 255u) - 127);
    s = net_seed(NET_SEED, 2u + 4u * (uint32_t)l);
    for (int c = 0; c < out_c; c++)
      m->w_scale[ch + c] = d->w_scale * (float)(256u + (net_xorshift32(&s) >> 24)) / 256.0f;
    s = net_seed(NET_SEED, 3u + 4u * (uint32_t)l);
    uint32_t span = 2u * (uint32_t)d->bias_range + 1u;
    for (int c = 0; c < out_c; c++)
      m->bias[ch + c] = (int32_t)((net_xorshift32(&s) >> 8) % span) - d->bias_range;
  }
}

/* ---- formats ------------------------------------------------------------ */

static bool is_float(unsigned p) { return p == NPU_PREC_FP16 || p == NPU_PREC_FP32; }

int32_t net_rdiv(int32_t v, int32_t d) { return v >= 0 ? (v + d / 2) / d : -((-v + d / 2) / d); }

int32_t net_round_f32(float x) {
  if (!(x == x)) return 0; /* NaN */
  if (x >= 1073741824.0f) return 1 << 30;
  if (x <= -1073741824.0f) return -(1 << 30);
  int32_t r = (int32_t)x; /* toward zero; exact below 2^30 */
  float frac = x - (float)r; /* exact: r and x share the binade or r = 0 */
  if (frac >= 0.5f) r++;
  if (frac <= -0.5f) r--;
  return r;
}

int32_t net_weight_factor(unsigned p) {
  if (p == NPU_PREC_INT4) return NET_INT4_SCALE;
  if (p == NPU_PREC_INT2) return NET_TERNARY_SCALE;
  return 1;
}

struct net_act_fmt net_act_format(int tensor, unsigned p) {
  const struct net_tensor_def *t = &net_tensors[tensor];
  struct net_act_fmt f;
  f.factor = p == NPU_PREC_INT4 ? NET_INT4_SCALE : 1;
  f.scale = t->scale * (float)f.factor;
  if (is_float(p)) {
    f.zp = 0, f.lo = 0, f.hi = 0;
  } else if (p == NPU_PREC_INT4) {
    f.zp = net_rdiv(t->zp, NET_INT4_SCALE), f.lo = -8, f.hi = 7;
  } else {
    f.zp = t->zp, f.lo = -128, f.hi = 127;
  }
  return f;
}

static unsigned act_bits(unsigned p) {
  switch (p) {
    case NPU_PREC_INT4: return 4;
    case NPU_PREC_FP16: return 16;
    case NPU_PREC_FP32: return 32;
    default: return 8;
  }
}

bool net_same_act_format(unsigned a, unsigned b) {
  if (a == b) return true;
  return (a == NPU_PREC_INT8 || a == NPU_PREC_INT2) && (b == NPU_PREC_INT8 || b == NPU_PREC_INT2);
}

size_t net_tensor_bytes(int tensor, unsigned p) {
  return npu_packed_bytes(net_tensor_elems(tensor), act_bits(p));
}

/* Element access in a precision's memory format. */
static int32_t get_int(unsigned p, const void *src, size_t i) {
  if (p == NPU_PREC_INT4) return npu_get_int4((const uint8_t *)src, i);
  return ((const int8_t *)src)[i];
}
static void set_int(unsigned p, void *dst, size_t i, int32_t v) {
  if (p == NPU_PREC_INT4)
    npu_set_int4((uint8_t *)dst, i, v);
  else
    ((int8_t *)dst)[i] = (int8_t)v;
}
static float get_float(unsigned p, const void *src, size_t i) {
  if (p == NPU_PREC_FP16) {
    uint16_t h;
    memcpy(&h, (const uint8_t *)src + 2 * i, 2);
    return npu_bits_f32(npu_f16_to_f32(h));
  }
  float f;
  memcpy(&f, (const uint8_t *)src + 4 * i, 4);
  return f;
}
static void set_float(unsigned p, void *dst, size_t i, float f) {
  if (p == NPU_PREC_FP16) {
    uint16_t h = npu_f32_to_f16(npu_f32_bits(f));
    memcpy((uint8_t *)dst + 2 * i, &h, 2);
  } else {
    memcpy((uint8_t *)dst + 4 * i, &f, 4);
  }
}

void net_convert_act(int tensor, unsigned from, const void *src, unsigned to, void *dst) {
  size_t n = net_tensor_elems(tensor);
  struct net_act_fmt ff = net_act_format(tensor, from), ft = net_act_format(tensor, to);
  float s8 = net_tensors[tensor].scale;
  if (net_same_act_format(from, to)) {
    memcpy(dst, src, net_tensor_bytes(tensor, to));
    return;
  }
  if (to == NPU_PREC_INT4) memset(dst, 0, net_tensor_bytes(tensor, to));
  for (size_t i = 0; i < n; i++) {
    if (!is_float(from) && !is_float(to)) { /* rescale in units of the int8 scale */
      int32_t v = (get_int(from, src, i) - ff.zp) * ff.factor;
      set_int(to, dst, i, npu_clamp(ft.zp + net_rdiv(v, ft.factor), ft.lo, ft.hi));
    } else if (!is_float(from)) { /* dequantise */
      int32_t v = (get_int(from, src, i) - ff.zp) * ff.factor;
      set_float(to, dst, i, (float)v * s8);
    } else if (!is_float(to)) { /* quantise */
      float x = get_float(from, src, i) / ft.scale;
      set_int(to, dst, i, npu_clamp(net_round_f32(x) + ft.zp, ft.lo, ft.hi));
    } else { /* fp16 <-> fp32 */
      set_float(to, dst, i, get_float(from, src, i));
    }
  }
}

/* ---- parameters and descriptors ----------------------------------------- */

void *net_alloc(struct net_arena *a, size_t bytes) {
  size_t at = (a->used + 7u) & ~(size_t)7u;
  if (at > a->size || bytes > a->size - at) return NULL;
  a->used = at + bytes;
  return a->base + at;
}

static int32_t act_min_for(int tensor, unsigned p, bool relu) {
  if (is_float(p)) return (int32_t)(relu ? npu_f32_bits(0.0f) : NPU_F32_NEG_INF);
  struct net_act_fmt f = net_act_format(tensor, p);
  return relu ? f.zp : f.lo;
}

static int32_t act_max_for(int tensor, unsigned p) {
  if (is_float(p)) return (int32_t)NPU_F32_INF;
  return net_act_format(tensor, p).hi;
}

static int32_t ternarise(int32_t w) {
  return w > NET_TERNARY_THRESHOLD ? 1 : w < -NET_TERNARY_THRESHOLD ? -1 : 0;
}

bool net_layer_params_make(const struct net_model *m, int layer, unsigned p, struct net_arena *a,
                           struct net_layer_params *out) {
  const struct net_layer_def *d = &net_layers[layer];
  const int tin = d->in, tout = layer + 1;
  memset(out, 0, sizeof *out);
  out->q = npu_quant_default(p);
  out->q.act_min = act_min_for(tout, p, d->relu);
  out->q.act_max = act_max_for(tout, p);
  if (is_float(p)) { /* float NPUs: no zero points, no requantisation */
    if (!net_has_weights(layer)) return true;
  } else {
    out->q.in_zp = net_act_format(tin, p).zp;
    out->q.out_zp = net_act_format(tout, p).zp;
    if (d->op == NPU_OP_ADD) {
      /* TFLite ADD: inputs scaled by 2^20 / (2 max(s1, s2)), output by
       * 2 max(s1, s2) / (2^20 s_out). The factor of the precision cancels. */
      float s1 = net_tensors[tin].scale, s2 = net_tensors[d->in2].scale;
      float so = net_tensors[tout].scale;
      float twice_max = 2.0f * (s1 > s2 ? s1 : s2);
      out->q.in2_zp = net_act_format(d->in2, p).zp;
      npu_quantize_multiplier((double)(s1 / twice_max), &out->q.in_mult, &out->q.in_shift);
      npu_quantize_multiplier((double)(s2 / twice_max), &out->q.in2_mult, &out->q.in2_shift);
      npu_quantize_multiplier((double)(twice_max / (1048576.0f * so)), &out->q.mult, &out->q.shift);
    } else if (d->op == NPU_OP_RELU) {
      npu_quantize_multiplier((double)(net_tensors[tin].scale / net_tensors[tout].scale),
                              &out->q.mult, &out->q.shift);
    }
    if (!net_has_weights(layer)) return true;
  }

  const int out_c = net_out_c(layer);
  const size_t nw = net_weight_elems(layer), per_oc = nw / (size_t)out_c;
  const int8_t *w8 = m->w + net_w_offset(layer);
  const int32_t *b8 = m->bias + net_ch_offset(layer);
  const float *sw = m->w_scale + net_ch_offset(layer);
  const float s_in = net_tensors[tin].scale, s_out = net_tensors[tout].scale;
  out->w = net_alloc(a, npu_packed_bytes(nw, npu_weight_bits(p)));
  out->bias = net_alloc(a, 4u * (size_t)out_c);
  if (!out->w || !out->bias) return false;

  if (is_float(p)) {
    float *bias = (float *)out->bias;
    for (int c = 0; c < out_c; c++) {
      for (size_t k = 0; k < per_oc; k++) {
        size_t i = (size_t)c * per_oc + k;
        set_float(p, out->w, i, (float)w8[i] * sw[c]);
      }
      bias[c] = (float)b8[c] * (s_in * sw[c]);
    }
    return true;
  }

  out->per_channel = (int32_t *)net_alloc(a, 8u * (size_t)out_c);
  if (!out->per_channel) return false;
  out->q.per_channel = out->per_channel;
  const int32_t wf = net_weight_factor(p), af = net_act_format(tin, p).factor;
  int32_t *bias = (int32_t *)out->bias;
  if (p == NPU_PREC_INT4 || p == NPU_PREC_INT2)
    memset(out->w, 0, npu_packed_bytes(nw, npu_weight_bits(p)));
  for (size_t i = 0; i < nw; i++) {
    if (p == NPU_PREC_INT4)
      npu_set_int4((uint8_t *)out->w, i, npu_clamp(net_rdiv(w8[i], NET_INT4_SCALE), -8, 7));
    else if (p == NPU_PREC_INT2)
      npu_set_int2((uint8_t *)out->w, i, ternarise(w8[i]));
    else
      ((int8_t *)out->w)[i] = w8[i];
  }
  for (int c = 0; c < out_c; c++) {
    bias[c] = net_rdiv(b8[c], af * wf);
    float real = (s_in * sw[c]) / s_out * (float)wf;
    npu_quantize_multiplier((double)real, &out->per_channel[c], &out->per_channel[out_c + c]);
  }
  return true;
}

void net_layer_desc(npu_desc_t *d, int layer, const void *in, const void *in2, void *out,
                    const struct net_layer_params *p) {
  const struct net_layer_def *l = &net_layers[layer];
  const struct net_tensor_def *t = &net_tensors[l->in];
  struct npu_shape s = {t->h, t->w, t->c};
  switch (l->op) {
    case NPU_OP_CONV2D:
      npu_desc_conv2d(d, in, s, p->w, p->bias, out, (uint16_t)net_out_c(layer), l->k, l->stride,
                      l->pad, l->groups, &p->q);
      break;
    case NPU_OP_GEMM:
      npu_desc_gemm(d, in, (uint16_t)(t->h * t->w), t->c, p->w, p->bias, out,
                    (uint16_t)net_out_c(layer), &p->q);
      break;
    case NPU_OP_MAXPOOL:
    case NPU_OP_AVGPOOL:
      npu_desc_pool(d, l->op, in, s, out, l->k, l->stride, l->pad, &p->q);
      break;
    case NPU_OP_GAP: npu_desc_gap(d, in, s, out, &p->q); break;
    case NPU_OP_ADD: npu_desc_add(d, in, in2, s, out, &p->q); break;
    default: npu_desc_relu(d, in, s, out, &p->q); break;
  }
}

/* ---- runner ------------------------------------------------------------- */

uint32_t net_fnv1a(uint32_t h, const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * NET_FNV_PRIME;
  return h;
}

/* A converted copy of a tensor, made before the group that reads it. */
struct conversion {
  uint8_t tensor, to, before_layer;
  void *dst;
};

int net_run_plan(struct net_run *r, struct net_arena *a, net_exec_fn exec, void *ctx) {
  struct conversion conv[2 * NET_LAYERS];
  int n_conv = 0;
  r->t[0] = (void *)r->model->input;
  r->t_prec[0] = NPU_PREC_INT8;
  r->desc = (npu_desc_t *)net_alloc(a, NET_LAYERS * sizeof(npu_desc_t));
  if (!r->desc) return -1;
  for (int l = 0; l < NET_LAYERS; l++) {
    const unsigned p = r->plan[l].prec;
    r->t_prec[l + 1] = (uint8_t)p;
    r->t[l + 1] = net_alloc(a, net_tensor_bytes(l + 1, p));
    if (!r->t[l + 1]) return -1;
    memset(r->t[l + 1], 0xa5, net_tensor_bytes(l + 1, p)); /* the NPU must overwrite it */
  }
  for (int l = 0; l < NET_LAYERS; l++) {
    const unsigned p = r->plan[l].prec;
    const uint8_t ins[2] = {net_layers[l].in, net_layers[l].in2};
    const void *src[2] = {NULL, NULL};
    for (int k = 0; k < 2 && ins[k] != NET_T_NONE; k++) {
      const int t = ins[k];
      if (net_same_act_format(r->t_prec[t], p)) {
        src[k] = r->t[t];
        continue;
      }
      int found = -1; /* one copy per (tensor, format), made for its first reader */
      for (int c = 0; c < n_conv; c++)
        if (conv[c].tensor == t && net_same_act_format(conv[c].to, p)) found = c;
      if (found < 0) {
        found = n_conv++;
        conv[found].tensor = (uint8_t)t;
        conv[found].to = (uint8_t)p;
        conv[found].before_layer = (uint8_t)l;
        conv[found].dst = net_alloc(a, net_tensor_bytes(t, p));
        if (!conv[found].dst) return -1;
      }
      src[k] = conv[found].dst;
    }
    r->in[l] = src[0];
    r->in2[l] = src[1];
    if (!net_layer_params_make(r->model, l, p, a, &r->prm[l])) return -1;
    net_layer_desc(&r->desc[l], l, r->in[l], r->in2[l], r->t[l + 1], &r->prm[l]);
  }

  for (int g0 = 0; g0 < NET_LAYERS;) {
    int g1 = g0 + 1;
    while (r->chain && g1 < NET_LAYERS && r->plan[g1].unit == r->plan[g0].unit &&
           r->plan[g1].prec == r->plan[g0].prec)
      g1++;
    for (int c = 0; c < n_conv; c++)
      if (conv[c].before_layer >= g0 && conv[c].before_layer < g1)
        net_convert_act(conv[c].tensor, r->t_prec[conv[c].tensor], r->t[conv[c].tensor], conv[c].to,
                        conv[c].dst);
    for (int l = g0; l < g1; l++)
      npu_desc_chain(&r->desc[l], l + 1 < g1 ? &r->desc[l + 1] : NULL,
                     l == g0 && g1 - g0 > 1); /* an extra interrupt mid-list */
    int err = exec(ctx, r, g0, g1 - g0);
    if (err) return err;
    g0 = g1;
  }

  r->checksum = NET_FNV_OFFSET;
  for (int l = 0; l < NET_LAYERS; l++) {
    size_t n = net_tensor_bytes(l + 1, r->t_prec[l + 1]);
    r->layer_sum[l] = net_fnv1a(NET_FNV_OFFSET, r->t[l + 1], n);
    r->checksum = net_fnv1a(r->checksum, r->t[l + 1], n);
  }
  r->input_sum = NET_FNV_OFFSET;
  for (int l = 0; l < NET_LAYERS; l++) {
    const unsigned p = r->plan[l].prec;
    const struct net_layer_params *q = &r->prm[l];
    r->input_sum = net_fnv1a(r->input_sum, r->in[l], net_tensor_bytes(net_layers[l].in, p));
    if (r->in2[l])
      r->input_sum = net_fnv1a(r->input_sum, r->in2[l], net_tensor_bytes(net_layers[l].in2, p));
    if (!net_has_weights(l)) continue;
    size_t out_c = (size_t)net_out_c(l);
    size_t w_bytes = npu_packed_bytes(net_weight_elems(l), npu_weight_bits(p));
    r->input_sum = net_fnv1a(r->input_sum, q->w, w_bytes);
    r->input_sum = net_fnv1a(r->input_sum, q->bias, 4u * out_c);
    if (q->per_channel) r->input_sum = net_fnv1a(r->input_sum, q->per_channel, 8u * out_c);
  }
  return 0;
}

int net_mixed_plan(const uint8_t *unit_prec, int n_units, struct net_step plan[NET_LAYERS]) {
  uint8_t stage_unit[NET_MAX_UNITS];
  int n = 0;
  for (unsigned p = NPU_PREC_INT8; p <= NPU_PREC_FP32; p++)
    for (int u = 0; u < n_units; u++)
      if (unit_prec[u] == p) {
        stage_unit[n++] = (uint8_t)u;
        break;
      }
  if (n == 1)
    for (n = 0; n < n_units && n < 4; n++) stage_unit[n] = (uint8_t)n;
  for (int l = 0; l < NET_LAYERS && n > 0; l++) {
    int s = (l * n + 2) / NET_LAYERS;
    if (s > n - 1) s = n - 1;
    plan[l].unit = stage_unit[s];
    plan[l].prec = unit_prec[stage_unit[s]];
  }
  return n;
}
