// Straightforward, header-only reference of the NPU arithmetic specified in
// docs/npu-arithmetic.md. It shares no code with the fast kernels
// (models/npu/npu_kernels.*) or the codec (models/npu/tensor_codec.*), which
// the unit tests check against it bit for bit. Other tests use it to compute
// expected outputs/checksums. Slow on purpose: plain loops in the order the
// specification states them.
//
// API (namespace hpvp::npu::ref):
//   Fixed point (gemmlowp / TFLite):
//     int32_t srdhm(a, b)              SaturatingRoundingDoublingHighMul
//     int32_t rdbp(x, exponent)        RoundingDivideByPOT, exponent 0..31
//     int32_t sat_shl(x, left)         x * 2^left saturated to int32, left 0..30
//     int32_t mbqm(x, mult, shift)     MultiplyByQuantizedMultiplier
//   fp16:
//     uint16_t fp32_to_fp16(float)     round to nearest even (computed in double)
//     float fp16_to_fp32(uint16_t)
//   Layers on working values (one int8_t / float per element; layouts NHWC,
//   OHWI weights, GEMM [m][k] x [n][k]):
//     std::vector<int8_t> int_layer(layer, in, in2, w, bias, mult, shift)
//         bias/mult/shift: per-output-channel arrays for CONV2D/GEMM
//         (bias used only with NPU_FLAG_BIAS; nullptr bias = zeros; nullptr
//         mult/shift = the layer's per-tensor mult/shift).
//     std::vector<float> float_layer(layer, in, in2, w, bias)
//         bias used only with NPU_FLAG_BIAS; nullptr = no bias addition.
//   Layers on memory images (bytes exactly as the NPU reads/writes them):
//     std::vector<uint8_t> layer_bytes(precision, layer, in, in2, w, bias, quant)
//         in/in2/w: packed tensors of the precision; bias: int32 (integer
//         NPUs) or fp32 (float NPUs) little-endian [out_c]; quant: int32 LE
//         mult[out_c] then shift[out_c], read only with NPU_FLAG_PER_CHANNEL.
//         Returns the packed output tensor (packed_bytes(out elements)).
//     uint32_t fnv1a32(data, size)     FNV-1a checksum of a byte buffer
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "npu/npu_layer.h"

#if defined(__GNUC__) && !defined(__clang__)
#define HPVP_REF_NO_CONTRACT __attribute__((optimize("fp-contract=off")))
#else
#define HPVP_REF_NO_CONTRACT
#endif

namespace hpvp::npu::ref {

// ---------------------------------------------------------------- fixed point

// gemmlowp SaturatingRoundingDoublingHighMul, verbatim.
inline int32_t srdhm(int32_t a, int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  const int64_t a_64(a), b_64(b);
  const int64_t ab_64 = a_64 * b_64;
  const int32_t nudge = ab_64 >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t ab_x2_high32 = static_cast<int32_t>((ab_64 + nudge) / (int64_t(1) << 31));
  return overflow ? std::numeric_limits<int32_t>::max() : ab_x2_high32;
}

// gemmlowp RoundingDivideByPOT, verbatim (exponent 0..31).
inline int32_t rdbp(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t(1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline int32_t sat_shl(int32_t x, int left) {
  const int64_t v = int64_t(x) * (int64_t(1) << left);
  if (v > std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
  if (v < std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::min();
  return int32_t(v);
}

// TFLite MultiplyByQuantizedMultiplier with a saturating left shift; shift
// is clamped to [-31, 30] first.
inline int32_t mbqm(int32_t x, int32_t mult, int32_t shift) {
  if (shift < -31) shift = -31;
  if (shift > 30) shift = 30;
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return rdbp(srdhm(sat_shl(x, left), mult), right);
}

// ----------------------------------------------------------------------- fp16

inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float bits_f32(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline float fp16_to_fp32(uint16_t h) {
  const bool neg = h & 0x8000u;
  const int e = (h >> 10) & 0x1F;
  const int m = h & 0x3FF;
  if (e == 31) return bits_f32((neg ? 0x80000000u : 0u) | 0x7F800000u | uint32_t(m) << 13);
  const double v = e == 0 ? std::ldexp(double(m), -24) : std::ldexp(double(1024 + m), e - 25);
  return float(neg ? -v : v);  // exact
}

// Round to nearest, ties to even, computed on doubles (exact here).
inline uint16_t fp32_to_fp16(float f) {
  const uint32_t u = f32_bits(f);
  const uint16_t sign = (u >> 31) ? 0x8000u : 0u;
  if (std::isnan(f)) return uint16_t(sign | 0x7E00u | ((u >> 13) & 0x3FFu));
  if (std::isinf(f)) return sign | 0x7C00u;
  const double a = std::fabs(double(f));
  if (a == 0) return sign;
  int e2;
  std::frexp(a, &e2);        // a = fr * 2^e2, fr in [0.5, 1): floor(log2 a) = e2 - 1
  int E = e2 - 1;
  if (E < -14) E = -14;      // subnormal range: unit 2^-24
  const double s = std::ldexp(a, 10 - E);  // a in units of the half ulp 2^(E-10)
  double q = std::floor(s);
  const double frac = s - q;
  if (frac > 0.5 || (frac == 0.5 && std::fmod(q, 2.0) != 0)) q += 1;
  const double r = std::ldexp(q, E - 10);
  if (r > 65504.0) return sign | 0x7C00u;
  if (r < std::ldexp(1.0, -14)) return uint16_t(sign | uint16_t(std::ldexp(r, 24)));  // subnormal
  int re;
  std::frexp(r, &re);
  const int exp = re - 1;
  const int mant = int(std::ldexp(r, 10 - exp)) - 1024;
  return uint16_t(sign | uint16_t((exp + 15) << 10) | uint16_t(mant));
}

// --------------------------------------------------------------------- layers

namespace detail {

inline bool inside(int64_t y, int64_t x, const Layer& l) { return y >= 0 && y < l.in_h && x >= 0 && x < l.in_w; }

inline int8_t clamp8(int64_t v, int32_t lo, int32_t hi) { return int8_t(v < lo ? lo : (v > hi ? hi : v)); }

inline float fclamp(float v, int32_t lo_bits, int32_t hi_bits) {
  const float lo = bits_f32(uint32_t(lo_bits)), hi = bits_f32(uint32_t(hi_bits));
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;  // NaN passes through
}

inline int64_t div_round_half_away(int64_t sum, int64_t count) {
  const int64_t q = std::llabs(sum) / count, r = std::llabs(sum) % count;
  const int64_t mag = q + (2 * r >= count ? 1 : 0);
  return sum < 0 ? -mag : mag;
}

// Requantized integer output.
inline int8_t requant(int32_t acc, int32_t mult, int32_t shift, const Layer& l) {
  return clamp8(int64_t(mbqm(acc, mult, shift)) + l.out_zp, l.act_min, l.act_max);
}

}  // namespace detail

inline std::vector<int8_t> int_layer(const Layer& l, const int8_t* in, const int8_t* in2, const int8_t* w,
                                     const int32_t* bias, const int32_t* mult, const int32_t* shift) {
  using namespace detail;
  std::vector<int8_t> out(l.out_elements());
  auto ch_mult = [&](int c) { return mult ? mult[c] : l.mult; };
  auto ch_shift = [&](int c) { return shift ? shift[c] : l.shift; };
  auto ch_bias = [&](int c) -> int64_t { return l.has_bias() && bias ? bias[c] : 0; };
  // acc = (bias + sum) modulo 2^32, as int32
  auto wrap = [](int64_t v) { return int32_t(uint32_t(uint64_t(v))); };
  switch (l.op) {
    case Op::kGemm:
      for (int m = 0; m < l.in_h; ++m)
        for (int n = 0; n < l.out_c; ++n) {
          int64_t sum = 0;
          for (int k = 0; k < l.in_c; ++k)
            sum += (int64_t(in[int64_t(m) * l.in_c + k]) - l.in_zp) * w[int64_t(n) * l.in_c + k];
          out[int64_t(m) * l.out_c + n] = requant(wrap(ch_bias(n) + sum), ch_mult(n), ch_shift(n), l);
        }
      break;
    case Op::kConv2d: {
      const int cin_g = l.in_c / l.groups, cout_g = l.out_c / l.groups;
      for (int oy = 0; oy < l.out_h; ++oy)
        for (int ox = 0; ox < l.out_w; ++ox)
          for (int oc = 0; oc < l.out_c; ++oc) {
            const int g = oc / cout_g;
            int64_t sum = 0;
            for (int ky = 0; ky < l.k_h; ++ky)
              for (int kx = 0; kx < l.k_w; ++kx) {
                const int iy = oy * l.stride_h - l.pad_top + ky, ix = ox * l.stride_w - l.pad_left + kx;
                if (!inside(iy, ix, l)) continue;  // padding: x = in_zp contributes 0
                for (int ci = 0; ci < cin_g; ++ci) {
                  const int64_t x = in[(int64_t(iy) * l.in_w + ix) * l.in_c + g * cin_g + ci];
                  const int64_t wv = w[((int64_t(oc) * l.k_h + ky) * l.k_w + kx) * cin_g + ci];
                  sum += (x - l.in_zp) * wv;
                }
              }
            out[(int64_t(oy) * l.out_w + ox) * l.out_c + oc] =
                requant(wrap(ch_bias(oc) + sum), ch_mult(oc), ch_shift(oc), l);
          }
      break;
    }
    case Op::kMaxPool:
    case Op::kAvgPool:
    case Op::kGap: {
      const bool gap = l.op == Op::kGap;
      const int kh = gap ? l.in_h : l.k_h, kw = gap ? l.in_w : l.k_w;
      for (int oy = 0; oy < l.out_h; ++oy)
        for (int ox = 0; ox < l.out_w; ++ox)
          for (int c = 0; c < l.out_c; ++c) {
            int64_t sum = 0, count = 0, mx = std::numeric_limits<int64_t>::min();
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx) {
                const int iy = gap ? ky : oy * l.stride_h - l.pad_top + ky;
                const int ix = gap ? kx : ox * l.stride_w - l.pad_left + kx;
                if (!inside(iy, ix, l)) continue;
                const int64_t x = in[(int64_t(iy) * l.in_w + ix) * l.in_c + c];
                sum += x;
                ++count;
                if (x > mx) mx = x;
              }
            const int64_t v = l.op == Op::kMaxPool ? mx : div_round_half_away(sum, count);
            out[(int64_t(oy) * l.out_w + ox) * l.out_c + c] = clamp8(v, l.act_min, l.act_max);
          }
      break;
    }
    case Op::kAdd:
      for (uint64_t i = 0; i < out.size(); ++i) {
        const int32_t a = mbqm((in[i] - l.in_zp) * (1 << 20), l.in_mult, l.in_shift);
        const int32_t b = mbqm((in2[i] - l.in2_zp) * (1 << 20), l.in2_mult, l.in2_shift);
        out[i] = requant(wrap(int64_t(a) + b), l.mult, l.shift, l);
      }
      break;
    case Op::kRelu:
      for (uint64_t i = 0; i < out.size(); ++i) out[i] = requant(in[i] - l.in_zp, l.mult, l.shift, l);
      break;
  }
  return out;
}

HPVP_REF_NO_CONTRACT inline std::vector<float> float_layer(const Layer& l, const float* in, const float* in2,
                                                           const float* w, const float* bias) {
  using namespace detail;
  std::vector<float> out(l.out_elements());
  const bool has_bias = l.has_bias() && bias;
  switch (l.op) {
    case Op::kGemm:
      for (int m = 0; m < l.in_h; ++m)
        for (int n = 0; n < l.out_c; ++n) {
          float acc = 0.0f;
          for (int k = 0; k < l.in_c; ++k) {
            const float prod = in[int64_t(m) * l.in_c + k] * w[int64_t(n) * l.in_c + k];
            acc = acc + prod;
          }
          if (has_bias) acc = acc + bias[n];
          out[int64_t(m) * l.out_c + n] = fclamp(acc, l.act_min, l.act_max);
        }
      break;
    case Op::kConv2d: {
      const int cin_g = l.in_c / l.groups, cout_g = l.out_c / l.groups;
      for (int oy = 0; oy < l.out_h; ++oy)
        for (int ox = 0; ox < l.out_w; ++ox)
          for (int oc = 0; oc < l.out_c; ++oc) {
            const int g = oc / cout_g;
            float acc = 0.0f;
            for (int ky = 0; ky < l.k_h; ++ky)
              for (int kx = 0; kx < l.k_w; ++kx) {
                const int iy = oy * l.stride_h - l.pad_top + ky, ix = ox * l.stride_w - l.pad_left + kx;
                for (int ci = 0; ci < cin_g; ++ci) {
                  // padding: x = +0.0f, multiplied like any other element
                  const float x = inside(iy, ix, l) ? in[(int64_t(iy) * l.in_w + ix) * l.in_c + g * cin_g + ci] : 0.0f;
                  const float prod = x * w[((int64_t(oc) * l.k_h + ky) * l.k_w + kx) * cin_g + ci];
                  acc = acc + prod;
                }
              }
            if (has_bias) acc = acc + bias[oc];
            out[(int64_t(oy) * l.out_w + ox) * l.out_c + oc] = fclamp(acc, l.act_min, l.act_max);
          }
      break;
    }
    case Op::kMaxPool:
    case Op::kAvgPool:
    case Op::kGap: {
      const bool gap = l.op == Op::kGap;
      const int kh = gap ? l.in_h : l.k_h, kw = gap ? l.in_w : l.k_w;
      for (int oy = 0; oy < l.out_h; ++oy)
        for (int ox = 0; ox < l.out_w; ++ox)
          for (int c = 0; c < l.out_c; ++c) {
            float sum = 0.0f, mx = 0.0f;
            int64_t count = 0;
            for (int ky = 0; ky < kh; ++ky)
              for (int kx = 0; kx < kw; ++kx) {
                const int iy = gap ? ky : oy * l.stride_h - l.pad_top + ky;
                const int ix = gap ? kx : ox * l.stride_w - l.pad_left + kx;
                if (!inside(iy, ix, l)) continue;
                const float x = in[(int64_t(iy) * l.in_w + ix) * l.in_c + c];
                sum = sum + x;
                mx = count == 0 ? x : (x > mx ? x : mx);
                ++count;
              }
            const float v = l.op == Op::kMaxPool ? mx : sum / float(count);
            out[(int64_t(oy) * l.out_w + ox) * l.out_c + c] = fclamp(v, l.act_min, l.act_max);
          }
      break;
    }
    case Op::kAdd:
      for (uint64_t i = 0; i < out.size(); ++i) out[i] = fclamp(in[i] + in2[i], l.act_min, l.act_max);
      break;
    case Op::kRelu:
      for (uint64_t i = 0; i < out.size(); ++i) out[i] = fclamp(in[i], l.act_min, l.act_max);
      break;
  }
  return out;
}

// ------------------------------------------------------------- memory images

namespace detail {

inline int8_t get_int(const uint8_t* p, uint64_t i, int bits) {
  if (bits == 8) return int8_t(p[i]);
  const uint64_t bit = i * bits;
  const int v = (p[bit / 8] >> (bit % 8)) & ((1 << bits) - 1);
  return int8_t(v >= (1 << (bits - 1)) ? v - (1 << bits) : v);
}

inline void put_int(uint8_t* p, uint64_t i, int bits, int8_t v) {
  if (bits == 8) {
    p[i] = uint8_t(v);
    return;
  }
  const uint64_t bit = i * bits;
  const int mask = (1 << bits) - 1;
  p[bit / 8] = uint8_t((p[bit / 8] & ~(mask << (bit % 8))) | ((v & mask) << (bit % 8)));
}

inline uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

inline float get_float(const uint8_t* p, uint64_t i, int bits) {
  if (bits == 16) return fp16_to_fp32(uint16_t(p[2 * i] | p[2 * i + 1] << 8));
  return bits_f32(le32(p + 4 * i));
}

inline uint64_t in2_elements(const Layer& l) { return l.op == Op::kAdd ? l.in_elements() : 0; }

}  // namespace detail

inline std::vector<uint8_t> layer_bytes(Precision p, const Layer& l, const uint8_t* in, const uint8_t* in2,
                                        const uint8_t* w, const uint8_t* bias, const uint8_t* quant) {
  using namespace detail;
  const Formats f = formats_of(p);
  const uint64_t n_out = l.out_elements();
  std::vector<uint8_t> out(packed_bytes(n_out, f.act_bits), 0);
  const uint64_t n_w = l.uses_weights() ? l.weight_elements() : 0;
  if (f.is_float) {
    std::vector<float> x(l.in_elements()), x2(in2_elements(l)), wv(n_w), b(l.out_c);
    for (uint64_t i = 0; i < x.size(); ++i) x[i] = get_float(in, i, f.act_bits);
    for (uint64_t i = 0; i < x2.size(); ++i) x2[i] = get_float(in2, i, f.act_bits);
    for (uint64_t i = 0; i < wv.size(); ++i) wv[i] = get_float(w, i, f.weight_bits);
    if (l.has_bias())
      for (int c = 0; c < l.out_c; ++c) b[c] = get_float(bias, c, 32);
    const std::vector<float> y = float_layer(l, x.data(), x2.data(), wv.data(), b.data());
    for (uint64_t i = 0; i < n_out; ++i) {
      if (f.act_bits == 16) {
        const uint16_t h = fp32_to_fp16(y[i]);
        out[2 * i] = uint8_t(h), out[2 * i + 1] = uint8_t(h >> 8);
      } else {
        const uint32_t v = f32_bits(y[i]);
        for (int k = 0; k < 4; ++k) out[4 * i + k] = uint8_t(v >> (8 * k));
      }
    }
    return out;
  }
  std::vector<int8_t> x(l.in_elements()), x2(in2_elements(l)), wv(n_w);
  std::vector<int32_t> b(l.out_c, 0), mult(l.out_c, l.mult), shift(l.out_c, l.shift);
  for (uint64_t i = 0; i < x.size(); ++i) x[i] = get_int(in, i, f.act_bits);
  for (uint64_t i = 0; i < x2.size(); ++i) x2[i] = get_int(in2, i, f.act_bits);
  for (uint64_t i = 0; i < wv.size(); ++i) wv[i] = get_int(w, i, f.weight_bits);
  if (l.has_bias())
    for (int c = 0; c < l.out_c; ++c) b[c] = int32_t(le32(bias + 4 * c));
  if (l.per_channel())
    for (int c = 0; c < l.out_c; ++c) {
      mult[c] = int32_t(le32(quant + 4 * c));
      shift[c] = int32_t(le32(quant + 4 * (l.out_c + c)));
    }
  const std::vector<int8_t> y = int_layer(l, x.data(), x2.data(), wv.data(), b.data(), mult.data(), shift.data());
  for (uint64_t i = 0; i < n_out; ++i) put_int(out.data(), i, f.act_bits, y[i]);
  return out;
}

inline uint32_t fnv1a32(const void* data, size_t size) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

}  // namespace hpvp::npu::ref
