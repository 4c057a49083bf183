/* NPU data-format helpers (see npu_quant.h). Integer arithmetic only. */
#include "npu_quant.h"

void npu_quantize_multiplier(double real, int32_t *mult, int32_t *shift) {
  uint64_t b;
  memcpy(&b, &real, sizeof b);
  uint32_t e = (uint32_t)(b >> 52) & 0x7ffu;
  uint64_t frac = b & ((1ull << 52) - 1u);
  *mult = 0;
  *shift = 0;
  if ((b >> 63) || e == 0 || (e == 0x7ffu && frac != 0)) return; /* <= 0, subnormal, NaN */
  if (e == 0x7ffu) {                                               /* +inf */
    *mult = INT32_MAX;
    *shift = 30;
    return;
  }
  /* real = m * 2^(e - 1075) = (m / 2^53) * 2^(e - 1022), m / 2^53 in [0.5, 1). */
  uint64_t m = frac | (1ull << 52);
  int32_t s = (int32_t)e - 1022;
  uint64_t q = (m + (1ull << 21)) >> 22; /* round(m / 2^53 * 2^31), half away from zero */
  if (q == (1ull << 31)) {
    q >>= 1;
    s++;
  }
  if (s < -31) return;
  if (s > 30) {
    *mult = INT32_MAX;
    *shift = 30;
    return;
  }
  *mult = (int32_t)q;
  *shift = s;
}

static int32_t srdhm(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * b;
  int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
  return (int32_t)((ab + nudge) / (1ll << 31)); /* C division truncates toward zero */
}

static int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  int64_t mask = ((int64_t)1 << exponent) - 1;
  int64_t remainder = (int64_t)x & mask;
  int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (int32_t)(((int64_t)x >> exponent) + (remainder > threshold ? 1 : 0));
}

int32_t npu_mbqm(int32_t x, int32_t mult, int32_t shift) {
  if (shift < -31) shift = -31;
  if (shift > 30) shift = 30;
  int left = shift > 0 ? (int)shift : 0;
  int right = shift > 0 ? 0 : (int)-shift;
  int64_t v = (int64_t)x * ((int64_t)1 << left); /* saturated, as the NPU does */
  int32_t shifted = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
  return rounding_divide_by_pot(srdhm(shifted, mult), right);
}

void npu_pack_int4(uint8_t *dst, const int8_t *src, size_t n) {
  memset(dst, 0, npu_packed_bytes(n, 4));
  for (size_t i = 0; i < n; i++) npu_set_int4(dst, i, src[i]);
}

void npu_unpack_int4(int8_t *dst, const uint8_t *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (int8_t)npu_get_int4(src, i);
}

void npu_pack_int2(uint8_t *dst, const int8_t *src, size_t n) {
  memset(dst, 0, npu_packed_bytes(n, 2));
  for (size_t i = 0; i < n; i++) npu_set_int2(dst, i, src[i]);
}

void npu_unpack_int2(int8_t *dst, const uint8_t *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = (int8_t)npu_get_int2(src, i);
}

uint16_t npu_f32_to_f16(uint32_t x) {
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t e = (x >> 23) & 0xffu;
  uint32_t m = x & 0x7fffffu;
  if (e == 0xffu) /* inf or NaN (kept quiet) */
    return (uint16_t)(sign | 0x7c00u | (m ? 0x200u | (m >> 13) : 0u));
  int32_t he = (int32_t)e - 127 + 15; /* biased binary16 exponent */
  if (he >= 0x1f) return (uint16_t)(sign | 0x7c00u);
  if (he <= 0) {                      /* binary16 subnormal (or zero) */
    if (he < -10) return (uint16_t)sign; /* below half the smallest subnormal */
    m |= 0x800000u;
    unsigned sh = (unsigned)(14 - he); /* 14..24 */
    uint32_t r = m >> sh, rem = m & ((1u << sh) - 1u), half = 1u << (sh - 1u);
    if (rem > half || (rem == half && (r & 1u))) r++; /* may carry into the smallest normal */
    return (uint16_t)(sign | r);
  }
  uint32_t r = ((uint32_t)he << 10) | (m >> 13), rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) r++; /* may carry up to inf */
  return (uint16_t)(sign | r);
}

uint32_t npu_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1fu;
  uint32_t m = h & 0x3ffu;
  if (e == 0x1fu) return sign | 0x7f800000u | (m << 13);
  if (e == 0) {
    if (m == 0) return sign;
    e = 1;
    while (!(m & 0x400u)) {
      m <<= 1;
      e--;
    }
    m &= 0x3ffu;
    /* e is now 1 - k (k = normalisation shifts), possibly <= 0: unsigned
     * wrap-around is undone by the + 112 below. */
  }
  return sign | ((e + 112u) << 23) | (m << 13);
}
