#include "tensor_codec.h"

#include <cstring>

namespace hpvp::npu {

namespace {

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint32_t load_le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

void store_le32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

}  // namespace

uint16_t fp32_to_fp16(float f) {
  const uint32_t u = float_bits(f);
  const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
  const uint32_t a = u & 0x7FFFFFFFu;
  if (a >= 0x7F800000u) {  // inf or NaN
    if (a == 0x7F800000u) return sign | 0x7C00u;
    return uint16_t(sign | 0x7E00u | ((a >> 13) & 0x03FFu));
  }
  if (a >= 0x477FF000u) return sign | 0x7C00u;  // >= 65520: rounds to inf
  if (a < 0x38800000u) {
    // Below 2^-14: a half subnormal, m * 2^-24, m = round(|f| * 2^24).
    const uint32_t e = a >> 23;
    if (e < 102) return sign;  // |f| < 2^-25: rounds to 0 (2^-25 itself is a tie to 0)
    const uint32_t m = (a & 0x7FFFFFu) | 0x800000u;  // |f| = m * 2^(e-150)
    const uint32_t shift = 126 - e;                  // 14..24
    const uint32_t q = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    const uint32_t r = q + ((rem > half || (rem == half && (q & 1))) ? 1 : 0);
    return uint16_t(sign | r);  // r == 0x400 is the smallest normal: correct encoding
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped bits;
  // a mantissa carry correctly bumps the exponent (never to inf here).
  const uint32_t base = ((a >> 23) - 112) << 10 | ((a >> 13) & 0x3FFu);
  const uint32_t rem = a & 0x1FFFu;
  const uint32_t r = base + ((rem > 0x1000u || (rem == 0x1000u && (base & 1))) ? 1 : 0);
  return uint16_t(sign | r);
}

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1Fu;
  uint32_t m = h & 0x3FFu;
  if (e == 0x1F) return bits_float(sign | 0x7F800000u | (m << 13));
  if (e != 0) return bits_float(sign | ((e + 112) << 23) | (m << 13));
  if (m == 0) return bits_float(sign);
  // Subnormal m * 2^-24: normalise so the leading 1 lands on bit 10.
  int exp = 113;  // biased fp32 exponent of 2^-14
  while (!(m & 0x400u)) {
    m <<= 1;
    --exp;
  }
  return bits_float(sign | uint32_t(exp) << 23 | (m & 0x3FFu) << 13);
}

void unpack_int(const uint8_t* src, uint64_t n, int bits, int8_t* dst) {
  switch (bits) {
    case 8:
      if (n) std::memcpy(dst, src, n);
      return;
    case 4:
      for (uint64_t i = 0; i < n / 2; ++i) {
        const uint8_t b = src[i];
        dst[2 * i] = int8_t(uint8_t(b << 4)) >> 4;
        dst[2 * i + 1] = int8_t(b) >> 4;
      }
      if (n & 1) dst[n - 1] = int8_t(uint8_t(src[n / 2] << 4)) >> 4;
      return;
    case 2:
      for (uint64_t i = 0; i < n; ++i) {
        const unsigned sh = unsigned(i & 3) * 2;
        dst[i] = int8_t(uint8_t(src[i / 4] << (6 - sh))) >> 6;
      }
      return;
    default:
      return;
  }
}

void pack_int(const int8_t* src, uint64_t n, int bits, uint8_t* dst) {
  switch (bits) {
    case 8:
      if (n) std::memcpy(dst, src, n);
      return;
    case 4:
      for (uint64_t i = 0; i < n / 2; ++i)
        dst[i] = uint8_t((uint8_t(src[2 * i]) & 0xFu) | uint8_t(src[2 * i + 1]) << 4);
      if (n & 1) dst[n / 2] = uint8_t(src[n - 1]) & 0xFu;
      return;
    case 2: {
      const uint64_t bytes = (n + 3) / 4;
      for (uint64_t i = 0; i < bytes; ++i) {
        uint8_t b = 0;
        for (unsigned j = 0; j < 4 && 4 * i + j < n; ++j)
          b |= uint8_t((uint8_t(src[4 * i + j]) & 3u) << (2 * j));
        dst[i] = b;
      }
      return;
    }
    default:
      return;
  }
}

void unpack_float(const uint8_t* src, uint64_t n, int bits, float* dst) {
  if (bits == 16) {
    for (uint64_t i = 0; i < n; ++i)
      dst[i] = fp16_to_fp32(uint16_t(src[2 * i] | src[2 * i + 1] << 8));
  } else if (bits == 32) {
    unpack_f32(src, n, dst);
  }
}

void pack_float(const float* src, uint64_t n, int bits, uint8_t* dst) {
  if (bits == 16) {
    for (uint64_t i = 0; i < n; ++i) {
      const uint16_t h = fp32_to_fp16(src[i]);
      dst[2 * i] = uint8_t(h);
      dst[2 * i + 1] = uint8_t(h >> 8);
    }
  } else if (bits == 32) {
    for (uint64_t i = 0; i < n; ++i) store_le32(dst + 4 * i, float_bits(src[i]));
  }
}

void unpack_i32(const uint8_t* src, uint64_t n, int32_t* dst) {
  for (uint64_t i = 0; i < n; ++i) dst[i] = int32_t(load_le32(src + 4 * i));
}

void pack_i32(const int32_t* src, uint64_t n, uint8_t* dst) {
  for (uint64_t i = 0; i < n; ++i) store_le32(dst + 4 * i, uint32_t(src[i]));
}

void unpack_f32(const uint8_t* src, uint64_t n, float* dst) {
  for (uint64_t i = 0; i < n; ++i) dst[i] = bits_float(load_le32(src + 4 * i));
}

}  // namespace hpvp::npu
