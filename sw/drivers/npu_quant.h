/* NPU data-format helpers that do not touch hardware: TFLite-style
 * requantisation parameters, sub-byte packing and IEEE binary16 conversion.
 *
 * Plain C with integer arithmetic only (no libm, no FPU assumptions), so the
 * same file is compiled into the firmware and into host-side tests and gives
 * bit-identical results on both. */
#ifndef HPVP_NPU_QUANT_H
#define HPVP_NPU_QUANT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TFLite QuantizeMultiplier: real = mult * 2^(shift - 31) with mult a Q31
 * value in [2^30, 2^31) (rounded half away from zero; a mantissa rounding up
 * to 2^31 becomes 2^30 with shift + 1). real <= 0, NaN, a subnormal or a
 * value below 2^-32 gives mult = 0, shift = 0; a value >= 2^30 saturates to
 * mult = INT32_MAX, shift = 30 (the largest shift the NPU accepts). Computed
 * from the binary64 bit pattern, so it is exact and portable. */
void npu_quantize_multiplier(double real, int32_t *mult, int32_t *shift);

/* TFLite MultiplyByQuantizedMultiplier as the NPU computes it
 * (docs/npu-arithmetic.md): shift clamped to [-31, 30], x * 2^max(shift, 0)
 * saturated to int32, SaturatingRoundingDoublingHighMul with mult, then a
 * rounding (half away from zero) right shift by max(-shift, 0). For CPU-side
 * requantisation and self-checks. */
int32_t npu_mbqm(int32_t x, int32_t mult, int32_t shift);

static inline int32_t npu_clamp(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* ---- sub-byte packing: element i of a tensor lives in byte i / per_byte,
 * at bit offset (i % per_byte) * bits (low bits first: the first int4
 * element is the low nibble). Values are two's complement. ---- */
static inline int32_t npu_get_int4(const uint8_t *p, size_t i) {
  uint32_t v = (p[i >> 1] >> ((i & 1u) * 4u)) & 0xfu;
  return (int32_t)(v ^ 0x8u) - 8; /* sign-extend 4 bits */
}
static inline void npu_set_int4(uint8_t *p, size_t i, int32_t v) {
  unsigned sh = (unsigned)(i & 1u) * 4u;
  p[i >> 1] = (uint8_t)((p[i >> 1] & ~(0xfu << sh)) | (((uint32_t)v & 0xfu) << sh));
}
static inline int32_t npu_get_int2(const uint8_t *p, size_t i) {
  uint32_t v = (p[i >> 2] >> ((i & 3u) * 2u)) & 0x3u;
  return (int32_t)(v ^ 0x2u) - 2; /* sign-extend 2 bits */
}
static inline void npu_set_int2(uint8_t *p, size_t i, int32_t v) {
  unsigned sh = (unsigned)(i & 3u) * 2u;
  p[i >> 2] = (uint8_t)((p[i >> 2] & ~(0x3u << sh)) | (((uint32_t)v & 0x3u) << sh));
}

/* Bytes that n packed elements of `bits` (2, 4, 8, 16, 32) occupy. */
static inline size_t npu_packed_bytes(size_t n, unsigned bits) { return (n * bits + 7u) / 8u; }

/* Pack int8 values (already in range: [-8, 7] for int4, [-2, 1] for int2)
 * into `dst` (npu_packed_bytes(n, bits) bytes; pad bits of a last partial
 * byte are zero). Unpack sign-extends back to int8. */
void npu_pack_int4(uint8_t *dst, const int8_t *src, size_t n);
void npu_unpack_int4(int8_t *dst, const uint8_t *src, size_t n);
void npu_pack_int2(uint8_t *dst, const int8_t *src, size_t n);
void npu_unpack_int2(int8_t *dst, const uint8_t *src, size_t n);

/* ---- IEEE binary32 <-> binary16, on bit patterns ---- */
/* Round to nearest, ties to even; overflow gives +-inf; NaN stays a quiet NaN
 * (sign and top payload bits kept). Subnormal results are produced exactly
 * rounded. */
uint16_t npu_f32_to_f16(uint32_t f32_bits);
/* Exact. */
uint32_t npu_f16_to_f32(uint16_t h);

/* Bit-pattern casts (memcpy semantics). */
static inline uint32_t npu_f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
static inline float npu_bits_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

#define NPU_F32_INF 0x7f800000u
#define NPU_F32_NEG_INF 0xff800000u

#ifdef __cplusplus
}
#endif

#endif
