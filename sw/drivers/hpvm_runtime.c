/* See hpvm_runtime.h. */
#include "hpvm_runtime.h"

#include <string.h>

#include "npu_quant.h"

uint32_t hpvm_crc32(uint32_t crc, const uint8_t *data, size_t len) {
  /* Nibble-table CRC: 16 words of table keep the firmware small. */
  static const uint32_t kTable[16] = {0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu,
                                      0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
                                      0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
                                      0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu};
  crc = ~crc;
  for (size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ kTable[crc & 0xfu];
    crc = (crc >> 4) ^ kTable[crc & 0xfu];
  }
  return ~crc;
}

const char *hpvm_check_name(enum hpvm_check c) {
  switch (c) {
    case HPVM_OK:
      return "ok";
    case HPVM_BAD_MAGIC:
      return "not an HPVM model image (bad magic)";
    case HPVM_BAD_VERSION:
      return "unsupported model image version";
    case HPVM_BAD_SIZE:
      return "truncated or inconsistent model image";
    case HPVM_BAD_CHECKSUM:
      return "model image checksum mismatch";
    case HPVM_BAD_TENSOR:
      return "a tensor lies outside the arena or is smaller than its shape";
    case HPVM_BAD_STEP:
      return "a step names a missing descriptor, tensor or unit";
  }
  return "?";
}

static int section_ok(uint32_t offset, uint64_t count, uint64_t size, uint32_t image_bytes) {
  return offset <= image_bytes && count * size <= image_bytes - offset;
}

/* Every tensor lies in the arena, holds its elements and has a format: the
 * NPUs and the conversions then never write outside the arena. */
static int tensors_ok(const uint8_t *image) {
  const hpvm_header_t *h = hpvm_header(image);
  const uint64_t end = (uint64_t)h->arena_offset + h->arena_bytes;
  for (uint32_t i = 0; i < h->n_tensors; ++i) {
    const hpvm_tensor_t *t = hpvm_tensor(image, i);
    const unsigned f = t->format;
    if (f != HPVM_FMT_INT8 && f != HPVM_FMT_INT4 && f != HPVM_FMT_FP16 && f != HPVM_FMT_FP32)
      return 0;
    const uint64_t need = ((uint64_t)hpvm_elements(t) * hpvm_format_bits(f) + 7u) / 8u;
    if (t->offset < h->arena_offset || (uint64_t)t->offset + t->bytes > end || t->bytes < need)
      return 0;
  }
  return 1;
}

int hpvm_unit_precision(const uint8_t *image, uint32_t slot) {
  const hpvm_header_t *h = hpvm_header(image);
  for (uint32_t u = 0; u < h->n_units; ++u)
    if (hpvm_unit(image, u)->slot == slot) return hpvm_unit(image, u)->precision;
  return -1;
}

static int steps_ok(const uint8_t *image) {
  const hpvm_header_t *h = hpvm_header(image);
  for (uint32_t i = 0; i < h->n_steps; ++i) {
    const hpvm_step_t *s = hpvm_step(image, i);
    int ok;
    if (s->kind == HPVM_STEP_NPU)
      ok = s->count != 0 && s->first < h->n_descs && s->count <= h->n_descs - s->first &&
           hpvm_unit_precision(image, s->unit) >= 0 &&
           hpvm_unit_precision(image, s->unit) <= NPU_PREC_FP32;
    else
      ok = s->kind == HPVM_STEP_CONVERT && s->first < h->n_tensors && s->count < h->n_tensors &&
           hpvm_elements(hpvm_tensor(image, s->first)) ==
               hpvm_elements(hpvm_tensor(image, s->count));
    if (!ok) return 0;
  }
  return 1;
}

enum hpvm_check hpvm_check_image(const uint8_t *image, size_t bytes, int verify_crc) {
  if (bytes < sizeof(hpvm_header_t)) return HPVM_BAD_SIZE;
  const hpvm_header_t *h = hpvm_header(image);
  if (h->magic != HPVM_MAGIC) return HPVM_BAD_MAGIC;
  if (h->version_major != HPVM_VERSION_MAJOR || h->version_minor > HPVM_VERSION_MINOR)
    return HPVM_BAD_VERSION;
  if (h->header_bytes != sizeof(hpvm_header_t) || h->image_bytes > bytes ||
      h->image_bytes < sizeof(hpvm_header_t) || h->arena_offset < h->image_bytes)
    return HPVM_BAD_SIZE;
  const uint32_t n = h->image_bytes;
  if (!section_ok(h->units_offset, h->n_units, sizeof(hpvm_unit_t), n) ||
      !section_ok(h->tensors_offset, h->n_tensors, sizeof(hpvm_tensor_t), n) ||
      !section_ok(h->steps_offset, h->n_steps, sizeof(hpvm_step_t), n) ||
      !section_ok(h->descs_offset, h->n_descs, NPU_DESC_SIZE, n) ||
      !section_ok(h->input_lut_offset, (uint64_t)h->input_channels * 256u, 4, n) ||
      !section_ok(h->meta_offset, h->meta_bytes, 1, n) || h->input_tensor >= h->n_tensors ||
      h->output_tensor >= h->n_tensors)
    return HPVM_BAD_SIZE;
  if (!tensors_ok(image)) return HPVM_BAD_TENSOR;
  if (!steps_ok(image)) return HPVM_BAD_STEP;
  if (verify_crc) {
    static const uint8_t kZero[4] = {0, 0, 0, 0};
    const size_t at = offsetof(hpvm_header_t, checksum);
    uint32_t crc = hpvm_crc32(0, image, at);
    crc = hpvm_crc32(crc, kZero, sizeof kZero);
    crc = hpvm_crc32(crc, image + at + 4, n - at - 4);
    if (crc != h->checksum) return HPVM_BAD_CHECKSUM;
  }
  return HPVM_OK;
}

static void reloc(uint32_t *field, uint32_t base) {
  if (*field != 0) *field += base;
}

void hpvm_relocate(uint8_t *image, uint32_t base) {
  const hpvm_header_t *h = hpvm_header(image);
  npu_desc_t *d = (npu_desc_t *)(image + h->descs_offset);
  for (uint32_t i = 0; i < h->n_descs; ++i) {
    reloc(&d[i].next, base);
    reloc(&d[i].in_addr, base);
    reloc(&d[i].in2_addr, base);
    reloc(&d[i].w_addr, base);
    reloc(&d[i].bias_addr, base);
    reloc(&d[i].quant_addr, base);
    reloc(&d[i].out_addr, base);
  }
}

unsigned hpvm_format_bits(unsigned format) {
  switch (format) {
    case HPVM_FMT_INT8:
      return 8;
    case HPVM_FMT_INT4:
      return 4;
    case HPVM_FMT_FP16:
      return 16;
    default:
      return 32;
  }
}

static int is_float_format(unsigned format) {
  return format == HPVM_FMT_FP16 || format == HPVM_FMT_FP32;
}

/* Element access on raw storage: integers as int32 values, floats as fp32. */
static int32_t get_int(unsigned format, const uint8_t *p, uint32_t i) {
  return format == HPVM_FMT_INT4 ? npu_get_int4(p, i) : (int32_t)(int8_t)p[i];
}
static void set_int(unsigned format, uint8_t *p, uint32_t i, int32_t v) {
  if (format == HPVM_FMT_INT4)
    npu_set_int4(p, i, v);
  else
    p[i] = (uint8_t)v;
}
static float get_float(unsigned format, const uint8_t *p, uint32_t i) {
  uint32_t bits;
  if (format == HPVM_FMT_FP16) {
    uint16_t h;
    memcpy(&h, p + 2u * i, 2);
    bits = npu_f16_to_f32(h);
  } else {
    memcpy(&bits, p + 4u * i, 4);
  }
  return npu_bits_f32(bits);
}
static void set_float(unsigned format, uint8_t *p, uint32_t i, float v) {
  uint32_t bits = npu_f32_bits(v);
  if (format == HPVM_FMT_FP16) {
    uint16_t h = npu_f32_to_f16(bits);
    memcpy(p + 2u * i, &h, 2);
  } else {
    memcpy(p + 4u * i, &bits, 4);
  }
}
static void set_bits(unsigned format, uint8_t *p, uint32_t i, uint32_t bits) {
  switch (format) {
    case HPVM_FMT_INT8:
      p[i] = (uint8_t)bits;
      break;
    case HPVM_FMT_INT4:
      npu_set_int4(p, i, (int32_t)(bits & 0xfu));
      break;
    case HPVM_FMT_FP16: {
      uint16_t h = (uint16_t)bits;
      memcpy(p + 2u * i, &h, 2);
      break;
    }
    default:
      memcpy(p + 4u * i, &bits, 4);
      break;
  }
}

void hpvm_load_input(const uint8_t *image, const uint8_t *raw, uint8_t *dst) {
  const hpvm_header_t *h = hpvm_header(image);
  const hpvm_tensor_t *t = hpvm_tensor(image, h->input_tensor);
  const uint32_t *lut = (const uint32_t *)(image + h->input_lut_offset);
  const uint32_t n = hpvm_elements(t), channels = h->input_channels;
  uint32_t c = 0;
  if (t->format == HPVM_FMT_INT8) { /* the common case, kept tight */
    for (uint32_t i = 0; i < n; ++i) {
      dst[i] = (uint8_t)lut[c * 256u + raw[i]];
      if (++c == channels) c = 0;
    }
    return;
  }
  if (t->format == HPVM_FMT_INT4) { /* LITTLE NPUs: two elements per byte */
    uint32_t lo_nibble = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t e = lut[c * 256u + raw[i]] & 0xfu;
      if (++c == channels) c = 0;
      if (i & 1u)
        dst[i / 2] = (uint8_t)(lo_nibble | e << 4);
      else
        lo_nibble = e;
    }
    if (n & 1u) dst[n / 2] = (uint8_t)lo_nibble;
    return;
  }
  for (uint32_t i = 0; i < n; ++i) {
    set_bits(t->format, dst, i, lut[c * 256u + raw[i]]);
    if (++c == channels) c = 0;
  }
}

static int32_t int_lo(unsigned format) { return format == HPVM_FMT_INT4 ? -8 : -128; }
static int32_t int_hi(unsigned format) { return format == HPVM_FMT_INT4 ? 7 : 127; }

/* x rounded half away from zero, saturated to [lo, hi]; NaN gives 0. */
static int32_t round_sat(float x, int32_t lo, int32_t hi) {
  if (!(x == x)) return 0;
  if (x <= (float)lo) return lo;
  if (x >= (float)hi) return hi;
  return x >= 0.0f ? (int32_t)(x + 0.5f) : (int32_t)(x - 0.5f);
}

/* Storage bits of integer value q of src converted to dst's format. */
static uint32_t convert_int(const hpvm_step_t *step, const hpvm_tensor_t *src_t,
                            const hpvm_tensor_t *dst_t, int32_t q) {
  const unsigned df = dst_t->format;
  if (is_float_format(df)) {
    const float x = (float)(q - src_t->zero_point) * npu_bits_f32(step->scale_bits);
    return df == HPVM_FMT_FP16 ? npu_f32_to_f16(npu_f32_bits(x)) : npu_f32_bits(x);
  }
  const int32_t r = npu_mbqm(q - src_t->zero_point, step->mult, step->shift);
  return (uint32_t)npu_clamp(r + dst_t->zero_point, int_lo(df), int_hi(df));
}

void hpvm_convert(const hpvm_step_t *step, const hpvm_tensor_t *src_t, const uint8_t *src,
                  const hpvm_tensor_t *dst_t, uint8_t *dst) {
  const uint32_t n = hpvm_elements(src_t);
  const unsigned sf = src_t->format, df = dst_t->format;
  if (!is_float_format(sf)) {
    /* An integer source has at most 256 values: convert each once (the
     * 64-bit requantization or float multiply costs ~100 soft instructions
     * on the RV32 host core) and look the elements up. */
    uint32_t lut[256];
    const int32_t lo = int_lo(sf), hi = int_hi(sf);
    for (int32_t q = lo; q <= hi; ++q) lut[q - lo] = convert_int(step, src_t, dst_t, q);
    if (sf == HPVM_FMT_INT8 && df == HPVM_FMT_INT4) { /* big -> LITTLE, two per byte */
      for (uint32_t i = 0; i + 1 < n; i += 2)
        dst[i / 2] = (uint8_t)((lut[(int8_t)src[i] + 128] & 0xfu) |
                               (lut[(int8_t)src[i + 1] + 128] & 0xfu) << 4);
      if (n & 1u) dst[n / 2] = (uint8_t)(lut[(int8_t)src[n - 1] + 128] & 0xfu);
      return;
    }
    for (uint32_t i = 0; i < n; ++i) set_bits(df, dst, i, lut[get_int(sf, src, i) - lo]);
    return;
  }
  const float scale = npu_bits_f32(step->scale_bits);
  const int32_t lo = int_lo(df), hi = int_hi(df);
  for (uint32_t i = 0; i < n; ++i) {
    if (!is_float_format(df)) {
      const int32_t q = round_sat(get_float(sf, src, i) * scale, lo - 512, hi + 512);
      set_int(df, dst, i, npu_clamp(q + dst_t->zero_point, lo, hi));
    } else {
      set_float(df, dst, i, get_float(sf, src, i));
    }
  }
}

/* Element e of the tensor in ONNX (channel-major) order: memory is NHWC. */
static uint32_t nhwc_index(const hpvm_tensor_t *t, uint32_t e) {
  const uint32_t hw = (uint32_t)t->h * t->w;
  if (hw == 1) return e;
  return (e % hw) * t->c + e / hw;
}

uint32_t hpvm_argmax(const hpvm_tensor_t *t, const uint8_t *data) {
  const uint32_t n = hpvm_elements(t);
  uint32_t best = 0;
  if (is_float_format(t->format)) {
    float m = get_float(t->format, data, nhwc_index(t, 0));
    for (uint32_t e = 1; e < n; ++e) {
      const float v = get_float(t->format, data, nhwc_index(t, e));
      if (v > m || !(m == m)) {
        if (v == v) {
          m = v;
          best = e;
        }
      }
    }
  } else {
    int32_t m = get_int(t->format, data, nhwc_index(t, 0));
    for (uint32_t e = 1; e < n; ++e) {
      const int32_t v = get_int(t->format, data, nhwc_index(t, e));
      if (v > m) {
        m = v;
        best = e;
      }
    }
  }
  return best;
}
