// Functional NPU kernels. Arithmetic: docs/npu-arithmetic.md.
//
// Structure
//  - CONV2D (dense or grouped) and GEMM: per group, im2col of a block of
//    output pixels into int16 rows (x - in_zp, padding 0; float: x, padding
//    0.0f), weights packed into panels of 16 output channels, and a 6x16
//    register-blocked micro-kernel (int16 pairs -> int32 with VPMADDWD on
//    AVX2; float: one multiply and one add per product, k ascending, so every
//    output keeps the reference summation order). A vectorised requantization
//    epilogue writes int8.
//  - Depthwise (one input and one output channel per group): direct
//    convolution, output channels innermost (AVX2: two taps at a time
//    through VPMADDWD, 16 channels per step).
//  - Pools and element-wise ops: channels innermost.
// Hot functions have an AVX2 version (explicit intrinsics, selected at run
// time) and a generic C++ version (compiled with target_clones where GCC
// supports it, so the compiler may vectorise it for AVX2 too).
// This file is compiled with -ffp-contract=off (models/CMakeLists.txt): a
// fused multiply-add would change float results.
#include "npu_kernels.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define HPVP_NPU_X86 1
#define HPVP_AVX2 __attribute__((target("avx2")))
#else
#define HPVP_NPU_X86 0
#endif

#if HPVP_NPU_X86 && defined(__linux__) && !defined(__clang__) && !defined(HPVP_NO_TARGET_CLONES)
#define HPVP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HPVP_CLONES
#endif

namespace hpvp::npu {

namespace {

constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();

// ---------------------------------------------------------------------------
// Scalar fixed point (gemmlowp / TFLite)

inline int32_t clamp_shift(int32_t s) { return s < -31 ? -31 : (s > 30 ? 30 : s); }

// gemmlowp SaturatingRoundingDoublingHighMul. gemmlowp adds a nudge of 2^30
// (product >= 0) or 1 - 2^30 (product < 0) and divides by 2^31 truncating
// toward zero; both cases equal floor((a*b + 2^30) / 2^31).
inline int32_t srdhm(int32_t a, int32_t b) {
  if (a == kI32Min && b == kI32Min) return kI32Max;
  const int64_t p = int64_t(a) * int64_t(b) + (int64_t(1) << 30);
  return int32_t(p >> 31);
}

// gemmlowp RoundingDivideByPOT: x / 2^e rounded half away from zero, e in [0, 31].
inline int32_t rdbp(int32_t x, int e) {
  const int32_t mask = int32_t((int64_t(1) << e) - 1);
  const int32_t rem = x & mask;
  const int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > thr ? 1 : 0);
}

// x * 2^left saturated to int32, left in [0, 30].
inline int32_t sat_shl(int32_t x, int left) {
  const int64_t v = int64_t(x) * (int64_t(1) << left);
  return v > kI32Max ? kI32Max : (v < kI32Min ? kI32Min : int32_t(v));
}

inline int32_t mbqm(int32_t x, int32_t m, int32_t shift) {
  shift = clamp_shift(shift);
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  return rdbp(srdhm(sat_shl(x, left), m), right);
}

inline int8_t out_clamp(int32_t r, int32_t out_zp, int32_t lo, int32_t hi) {
  const int64_t v = int64_t(r) + out_zp;
  return int8_t(v < lo ? lo : (v > hi ? hi : v));
}

inline int32_t wrap_add(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }

// Division rounded half away from zero (count > 0).
inline int64_t div_round(int64_t sum, int64_t count) {
  return sum >= 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

inline float f32(int32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// The float clamp: NaN passes through.
inline float fclamp(float v, float lo, float hi) {
  const float t = lo > v ? lo : v;
  return hi < t ? hi : t;
}

// ---------------------------------------------------------------------------
// ISA selection

bool cpu_has_avx2() {
#if HPVP_NPU_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

detail::Isa g_isa = cpu_has_avx2() ? detail::Isa::kAvx2 : detail::Isa::kGeneric;

inline bool use_avx2() {
#if HPVP_NPU_X86
  return g_isa == detail::Isa::kAvx2;
#else
  return false;
#endif
}

// ---------------------------------------------------------------------------
// Convolution geometry (GEMM is a 1x1 convolution over an in_h x 1 image).

struct Geom {
  int64_t in_h, in_w, in_c, out_h, out_w, out_c;
  int k_h, k_w, sh, sw, pt, pl;
  int groups, cin_g, cout_g;
  int64_t K;  // window size per group
  int64_t M() const { return out_h * out_w; }
};

Geom geom_of(const Layer& l) {
  Geom g{};
  if (l.op == Op::kGemm) {
    g.in_h = l.in_h, g.in_w = 1, g.in_c = l.in_c;
    g.out_h = l.in_h, g.out_w = 1, g.out_c = l.out_c;
    g.k_h = g.k_w = g.sh = g.sw = 1;
    g.pt = g.pl = 0;
    g.groups = 1;
  } else {
    g.in_h = l.in_h, g.in_w = l.in_w, g.in_c = l.in_c;
    g.out_h = l.out_h, g.out_w = l.out_w, g.out_c = l.out_c;
    g.k_h = l.k_h, g.k_w = l.k_w, g.sh = l.stride_h, g.sw = l.stride_w;
    g.pt = l.pad_top, g.pl = l.pad_left;
    g.groups = l.groups > 0 ? l.groups : 1;
  }
  g.cin_g = int(g.in_c / g.groups);
  g.cout_g = int(g.out_c / g.groups);
  g.K = int64_t(g.k_h) * g.k_w * g.cin_g;
  return g;
}

constexpr int kMR = 6;   // micro-tile rows (output pixels)
constexpr int kNR = 16;  // micro-tile columns (output channels)

// Rows per im2col block: the block (int16 or float) stays around 96 KiB.
int block_rows(int64_t M, int64_t row_bytes) {
  int64_t rows = (96 * 1024) / std::max<int64_t>(row_bytes, 1);
  rows = std::max<int64_t>(kMR, rows / kMR * kMR);
  const int64_t need = (M + kMR - 1) / kMR * kMR;
  return int(std::min(rows, need));
}

// im2col of output pixels [m0, m0 + rows) of group grp into `A` (row stride
// lda); rows up to `rows_padded` are zero. Integer rows hold x - in_zp
// (padding 0), float rows x (padding 0.0f).
template <typename Src, typename Dst>
HPVP_CLONES void im2col_rows(const Geom& g, const Src* in, int grp, int32_t zp, int64_t m0,
                             int rows, int rows_padded, int64_t lda, Dst* A) {
  const int cin = g.cin_g;
  for (int r = 0; r < rows; ++r) {
    const int64_t m = m0 + r;
    const int64_t oy = m / g.out_w, ox = m % g.out_w;
    Dst* dst = A + r * lda;
    for (int ky = 0; ky < g.k_h; ++ky) {
      const int64_t iy = oy * g.sh - g.pt + ky;
      for (int kx = 0; kx < g.k_w; ++kx, dst += cin) {
        const int64_t ix = ox * g.sw - g.pl + kx;
        if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) {
          std::fill(dst, dst + cin, Dst(0));
          continue;
        }
        const Src* src = in + (iy * g.in_w + ix) * g.in_c + int64_t(grp) * cin;
        if constexpr (std::is_same_v<Dst, float>) {
          for (int c = 0; c < cin; ++c) dst[c] = src[c];
        } else {
          for (int c = 0; c < cin; ++c) dst[c] = Dst(int32_t(src[c]) - zp);
        }
      }
    }
    std::fill(dst, A + r * lda + lda, Dst(0));
  }
  for (int r = rows; r < rows_padded; ++r) std::fill(A + r * lda, A + (r + 1) * lda, Dst(0));
}

// ---------------------------------------------------------------------------
// Integer requantization epilogue: out[j] = clamp(MBQM(acc[j] + bias[j],
// mult[j], shift[j]) + zp, lo, hi) for output channels ch0 + j.

struct OutQ {
  int32_t zp, lo, hi;
};

// Per-output-channel parameters, expanded once per layer, with the values
// the vector MBQM derives from the shift precomputed.
struct ChannelParams {
  std::vector<int32_t> bias, mult, shift;
  std::vector<int32_t> left, right, mask, half_mask, sat_hi, sat_lo;
  bool any_left = false;      // some shift > 0: the saturating left shift is needed
  bool any_mult_min = false;  // some mult == INT32_MIN: the SRDHM overflow case exists
};

ChannelParams expand_params(const Layer& l, const IntParams& p, int64_t out_c) {
  ChannelParams c;
  c.bias.assign(out_c, 0);
  for (auto* v :
       {&c.mult, &c.shift, &c.left, &c.right, &c.mask, &c.half_mask, &c.sat_hi, &c.sat_lo})
    v->resize(out_c);
  const bool bias = l.has_bias() && p.bias;
  for (int64_t i = 0; i < out_c; ++i) {
    if (bias) c.bias[i] = p.bias[i];
    c.mult[i] = p.mult ? p.mult[i] : l.mult;
    const int32_t s = clamp_shift(p.shift ? p.shift[i] : l.shift);
    c.shift[i] = s;
    c.left[i] = s > 0 ? s : 0;
    c.right[i] = s > 0 ? 0 : -s;
    c.mask[i] = int32_t((int64_t(1) << c.right[i]) - 1);
    c.half_mask[i] = c.mask[i] >> 1;
    c.sat_hi[i] = kI32Max >> c.left[i];
    c.sat_lo[i] = kI32Min >> c.left[i];
    c.any_left |= c.left[i] > 0;
    c.any_mult_min |= c.mult[i] == kI32Min;
  }
  return c;
}

void requant_row_generic(const int32_t* acc, int n, const ChannelParams& cp, int64_t ch0, OutQ q,
                         int8_t* out) {
  const int32_t* bias = cp.bias.data() + ch0;
  const int32_t* mult = cp.mult.data() + ch0;
  const int32_t* shift = cp.shift.data() + ch0;
  for (int j = 0; j < n; ++j)
    out[j] = out_clamp(mbqm(wrap_add(acc[j], bias[j]), mult[j], shift[j]), q.zp, q.lo, q.hi);
}

#if HPVP_NPU_X86
HPVP_AVX2 inline __m256i sat_shl8(__m256i x, __m256i left, __m256i sat_hi, __m256i sat_lo) {
  __m256i y = _mm256_sllv_epi32(x, left);
  y = _mm256_blendv_epi8(y, _mm256_set1_epi32(kI32Max), _mm256_cmpgt_epi32(x, sat_hi));
  return _mm256_blendv_epi8(y, _mm256_set1_epi32(kI32Min), _mm256_cmpgt_epi32(sat_lo, x));
}

// SaturatingRoundingDoublingHighMul: low 32 bits of (y*m + 2^30) >> 31, even
// and odd lanes separately; kMin: handle y == m == INT32_MIN.
template <bool kMin>
HPVP_AVX2 inline __m256i srdhm8(__m256i y, __m256i m) {
  const __m256i round = _mm256_set1_epi64x(int64_t(1) << 30);
  __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(y, m), round);
  __m256i po =
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(y, 32), _mm256_srli_epi64(m, 32)), round);
  __m256i r = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  if constexpr (kMin) {
    const __m256i min32 = _mm256_set1_epi32(kI32Min);
    const __m256i sat =
        _mm256_and_si256(_mm256_cmpeq_epi32(y, min32), _mm256_cmpeq_epi32(m, min32));
    r = _mm256_blendv_epi8(r, _mm256_set1_epi32(kI32Max), sat);
  }
  return r;
}

// RoundingDivideByPOT with precomputed mask = 2^right - 1 and mask >> 1.
HPVP_AVX2 inline __m256i rdbp8(__m256i r, __m256i right, __m256i mask, __m256i half_mask) {
  const __m256i rem = _mm256_and_si256(r, mask);
  const __m256i thr = _mm256_sub_epi32(half_mask, _mm256_cmpgt_epi32(_mm256_setzero_si256(), r));
  return _mm256_sub_epi32(_mm256_srav_epi32(r, right), _mm256_cmpgt_epi32(rem, thr));
}

// MBQM with every parameter per lane (general form).
HPVP_AVX2 inline __m256i mbqm8(__m256i x, __m256i m, __m256i left, __m256i right) {
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i sat_hi = _mm256_srav_epi32(_mm256_set1_epi32(kI32Max), left);
  const __m256i sat_lo = _mm256_srav_epi32(_mm256_set1_epi32(kI32Min), left);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
  return rdbp8(srdhm8<true>(sat_shl8(x, left, sat_hi, sat_lo), m), right, mask,
               _mm256_srli_epi32(mask, 1));
}

HPVP_AVX2 inline void shifts8(__m256i s, __m256i& left, __m256i& right) {
  const __m256i zero = _mm256_setzero_si256();
  left = _mm256_max_epi32(s, zero);
  right = _mm256_max_epi32(_mm256_sub_epi32(zero, s), zero);
}

// clamp(r + zp, lo, hi) == clamp(r, lo - zp, hi - zp) + zp, then 8 x int8.
HPVP_AVX2 inline void store_out8(__m256i r, __m256i zp, __m256i lo_m_zp, __m256i hi_m_zp,
                                 int8_t* out) {
  r = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(r, lo_m_zp), hi_m_zp), zp);
  const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(w16, w16));
}

HPVP_AVX2 inline __m256i ld8(const int32_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

template <bool kLeft, bool kMin>
HPVP_AVX2 void requant_row_avx2(const int32_t* acc, int n, const ChannelParams& cp, int64_t ch0,
                                OutQ q, int8_t* out) {
  const __m256i zp = _mm256_set1_epi32(q.zp);
  const __m256i lo = _mm256_set1_epi32(q.lo - q.zp), hi = _mm256_set1_epi32(q.hi - q.zp);
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    const int64_t c = ch0 + j;
    __m256i x = _mm256_add_epi32(ld8(acc + j), ld8(cp.bias.data() + c));
    if constexpr (kLeft)
      x = sat_shl8(x, ld8(cp.left.data() + c), ld8(cp.sat_hi.data() + c),
                   ld8(cp.sat_lo.data() + c));
    const __m256i r = srdhm8<kMin>(x, ld8(cp.mult.data() + c));
    store_out8(
        rdbp8(r, ld8(cp.right.data() + c), ld8(cp.mask.data() + c), ld8(cp.half_mask.data() + c)),
        zp, lo, hi, out + j);
  }
  requant_row_generic(acc + j, n - j, cp, ch0 + j, q, out + j);
}
#endif

void requant_row(const int32_t* acc, int n, const ChannelParams& cp, int64_t ch0, OutQ q,
                 int8_t* out) {
#if HPVP_NPU_X86
  if (use_avx2()) {
    if (cp.any_left)
      return cp.any_mult_min ? requant_row_avx2<true, true>(acc, n, cp, ch0, q, out)
                             : requant_row_avx2<true, false>(acc, n, cp, ch0, q, out);
    return cp.any_mult_min ? requant_row_avx2<false, true>(acc, n, cp, ch0, q, out)
                           : requant_row_avx2<false, false>(acc, n, cp, ch0, q, out);
  }
#endif
  requant_row_generic(acc, n, cp, ch0, q, out);
}

// ---------------------------------------------------------------------------
// Integer GEMM micro-kernels: C[6][16] = sum over k of A[i][k] * B[k][j].
// A: 6 rows of Kp int16 (stride lda); B: panel of Kp/2 k-pairs, each
// 16 columns x 2 int16 (k even, k odd). Accumulation wraps modulo 2^32.

// Row by row (GCC 12 -O3 miscompiles the 6-row form of this loop nest: its
// loop vectoriser reads rows past the tile).
HPVP_CLONES void micro_int_generic(const int16_t* A, int64_t lda, const int16_t* B, int64_t kp2,
                                   int32_t* C) {
  for (int i = 0; i < kMR; ++i) {
    uint32_t acc[kNR] = {};
    const int16_t* a = A + i * lda;
    for (int64_t kk = 0; kk < kp2; ++kk) {
      const int32_t a0 = a[2 * kk], a1 = a[2 * kk + 1];
      const int16_t* b = B + kk * 2 * kNR;
      for (int j = 0; j < kNR; ++j) acc[j] += uint32_t(a0 * b[2 * j] + a1 * b[2 * j + 1]);
    }
    for (int j = 0; j < kNR; ++j) C[i * kNR + j] = int32_t(acc[j]);
  }
}

#if HPVP_NPU_X86
// Broadcast of the int16 pair p[0], p[1] to all 8 lanes.
HPVP_AVX2 inline __m256i pair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

HPVP_AVX2 inline void st8(int32_t* C, int i, int h, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(C + i * kNR + h * 8), v);
}

HPVP_AVX2 void micro_int_avx2(const int16_t* A, int64_t lda, const int16_t* B, int64_t kp2,
                              int32_t* C) {
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  const int16_t* a0 = A;
  const int16_t* a1 = A + lda;
  const int16_t* a2 = A + 2 * lda;
  const int16_t* a3 = A + 3 * lda;
  const int16_t* a4 = A + 4 * lda;
  const int16_t* a5 = A + 5 * lda;
  for (int64_t kk = 0; kk < kp2; ++kk) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(B + kk * 32));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(B + kk * 32 + 16));
    __m256i a = pair(a0 + 2 * kk);
    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(a, b0));
    c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(a, b1));
    a = pair(a1 + 2 * kk);
    c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(a, b0));
    c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(a, b1));
    a = pair(a2 + 2 * kk);
    c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(a, b0));
    c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(a, b1));
    a = pair(a3 + 2 * kk);
    c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(a, b0));
    c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(a, b1));
    a = pair(a4 + 2 * kk);
    c40 = _mm256_add_epi32(c40, _mm256_madd_epi16(a, b0));
    c41 = _mm256_add_epi32(c41, _mm256_madd_epi16(a, b1));
    a = pair(a5 + 2 * kk);
    c50 = _mm256_add_epi32(c50, _mm256_madd_epi16(a, b0));
    c51 = _mm256_add_epi32(c51, _mm256_madd_epi16(a, b1));
  }
  st8(C, 0, 0, c00), st8(C, 0, 1, c01), st8(C, 1, 0, c10), st8(C, 1, 1, c11), st8(C, 2, 0, c20);
  st8(C, 2, 1, c21), st8(C, 3, 0, c30), st8(C, 3, 1, c31), st8(C, 4, 0, c40), st8(C, 4, 1, c41);
  st8(C, 5, 0, c50), st8(C, 5, 1, c51);
}
#endif

// Packs weights of one group ([N][K] int8, K contiguous) into panels of
// 16 columns: panel p, k-pair kk, column j, element t = w[16p + j][2kk + t].
void pack_int_weights(const int8_t* w, int N, int64_t K, int64_t Kp, int16_t* B) {
  const int panels = (N + kNR - 1) / kNR;
  std::fill(B, B + int64_t(panels) * kNR * Kp, int16_t(0));
  for (int n = 0; n < N; ++n) {
    int16_t* panel = B + int64_t(n / kNR) * kNR * Kp;
    const int j = n % kNR;
    const int8_t* src = w + int64_t(n) * K;
    for (int64_t k = 0; k < K; ++k) panel[(k / 2) * 2 * kNR + 2 * j + (k & 1)] = src[k];
  }
}

void int_conv_gemm(const Layer& l, const Geom& g, const int8_t* in, const int8_t* w,
                   const ChannelParams& cp, int8_t* out) {
  const int64_t K = g.K, Kp = (K + 1) & ~int64_t(1), M = g.M();
  const int N = g.cout_g, panels = (N + kNR - 1) / kNR;
  const int MB = block_rows(M, Kp * 2);
  std::vector<int16_t> B(size_t(panels) * kNR * Kp);
  std::vector<int16_t> A(size_t(MB) * Kp);
  alignas(32) int32_t C[kMR * kNR];
  const OutQ q{l.out_zp, l.act_min, l.act_max};
  auto micro = micro_int_generic;
#if HPVP_NPU_X86
  if (use_avx2()) micro = micro_int_avx2;
#endif
  for (int grp = 0; grp < g.groups; ++grp) {
    pack_int_weights(w + int64_t(grp) * N * K, N, K, Kp, B.data());
    for (int64_t m0 = 0; m0 < M; m0 += MB) {
      const int rows = int(std::min<int64_t>(MB, M - m0));
      const int rows_padded = (rows + kMR - 1) / kMR * kMR;
      im2col_rows(g, in, grp, l.in_zp, m0, rows, rows_padded, Kp, A.data());
      for (int p = 0; p < panels; ++p) {
        const int n0 = p * kNR, nv = std::min(kNR, N - n0);
        const int64_t ch0 = int64_t(grp) * N + n0;
        for (int t = 0; t < rows_padded; t += kMR) {
          micro(A.data() + t * Kp, Kp, B.data() + int64_t(p) * kNR * Kp, Kp / 2, C);
          for (int i = 0; i < kMR && t + i < rows; ++i)
            requant_row(C + i * kNR, nv, cp, ch0, q, out + (m0 + t + i) * g.out_c + ch0);
        }
      }
    }
  }
}

// Depthwise: acc[c] = sum over in-bounds taps of (x[c] - zp) * w[c][tap],
// channels [c0, c1) of one output pixel. `taps` holds the input pixel of
// every tap (ky, kx order), nullptr for padding.
HPVP_CLONES void dw_int_pixel(const int8_t* const* taps, int ntaps, const int16_t* wt, int64_t C,
                              int32_t zp, int64_t c0, int64_t c1, int32_t* acc) {
  std::fill(acc + c0, acc + c1, 0);
  for (int t = 0; t < ntaps; ++t) {
    if (!taps[t]) continue;
    const int8_t* x = taps[t];
    const int16_t* w = wt + t * C;
    for (int64_t c = c0; c < c1; ++c)
      acc[c] = int32_t(uint32_t(acc[c]) + uint32_t(int16_t(x[c] - zp) * int32_t(w[c])));
  }
}

#if HPVP_NPU_X86
// Depthwise weights for the AVX2 kernel: taps taken in pairs (t, t+1; a
// missing last tap has weight 0), 16 channels per block, interleaved as
// VPUNPCKLWD/VPUNPCKHWD interleave the two taps' inputs: per (pair, block)
// 16 int16 "lo" then 16 "hi".
std::vector<int16_t> pack_dw_pairs(const int8_t* w, int ntaps, int64_t C) {
  const int pairs = (ntaps + 1) / 2;
  const int64_t blocks = C / 16;
  std::vector<int16_t> p(size_t(pairs * blocks * 32));
  auto wv = [&](int t, int64_t c) -> int16_t { return t < ntaps ? w[c * ntaps + t] : 0; };
  for (int tp = 0; tp < pairs; ++tp)
    for (int64_t b = 0; b < blocks; ++b) {
      int16_t* dst = p.data() + (tp * blocks + b) * 32;
      for (int half = 0; half < 2; ++half)  // 128-bit lane
        for (int hl = 0; hl < 2; ++hl)      // lo, hi
          for (int e = 0; e < 4; ++e) {     // element pair within the lane
            const int64_t c = b * 16 + half * 8 + hl * 4 + e;
            int16_t* d = dst + hl * 16 + half * 8 + 2 * e;
            d[0] = wv(2 * tp, c);
            d[1] = wv(2 * tp + 1, c);
          }
    }
  return p;
}

HPVP_AVX2 void dw_int_pixel_avx2(const int8_t* const* taps, int ntaps, const int16_t* wp, int64_t C,
                                 int32_t zp, int32_t* acc) {
  const int pairs = (ntaps + 1) / 2;
  const int64_t blocks = C / 16;
  const __m256i zp16 = _mm256_set1_epi16(int16_t(zp)), zero = _mm256_setzero_si256();
  for (int64_t b = 0; b < blocks; ++b) {
    __m256i lo_acc = zero, hi_acc = zero;
    for (int tp = 0; tp < pairs; ++tp) {
      const int8_t* p0 = taps[2 * tp];
      const int8_t* p1 = 2 * tp + 1 < ntaps ? taps[2 * tp + 1] : nullptr;
      const __m256i x0 = p0 ? _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(
                                                   reinterpret_cast<const __m128i*>(p0 + 16 * b))),
                                               zp16)
                            : zero;
      const __m256i x1 = p1 ? _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(
                                                   reinterpret_cast<const __m128i*>(p1 + 16 * b))),
                                               zp16)
                            : zero;
      const int16_t* w = wp + (tp * blocks + b) * 32;
      lo_acc = _mm256_add_epi32(
          lo_acc, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1),
                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w))));
      hi_acc = _mm256_add_epi32(
          hi_acc, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1),
                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16))));
    }
    // lo = channels 0-3 | 8-11, hi = 4-7 | 12-15
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 16 * b),
                        _mm256_permute2x128_si256(lo_acc, hi_acc, 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 16 * b + 8),
                        _mm256_permute2x128_si256(lo_acc, hi_acc, 0x31));
  }
}
#endif

void int_depthwise(const Layer& l, const Geom& g, const int8_t* in, const int8_t* w,
                   const ChannelParams& cp, int8_t* out) {
  const int64_t C = g.out_c;
  const int ntaps = g.k_h * g.k_w;
  std::vector<int16_t> wt(size_t(ntaps * C));  // [tap][c]
  for (int64_t c = 0; c < C; ++c)
    for (int t = 0; t < ntaps; ++t) wt[t * C + c] = w[c * ntaps + t];
  int64_t c_vec = 0;  // channels [0, c_vec) take the AVX2 kernel
#if HPVP_NPU_X86
  std::vector<int16_t> wp;
  if (use_avx2() && C >= 16) {
    c_vec = C / 16 * 16;
    wp = pack_dw_pairs(w, ntaps, C);
  }
#endif
  std::vector<int32_t> acc(C);
  std::vector<const int8_t*> taps(ntaps);
  const OutQ q{l.out_zp, l.act_min, l.act_max};
  for (int64_t oy = 0; oy < g.out_h; ++oy)
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      for (int ky = 0, t = 0; ky < g.k_h; ++ky)
        for (int kx = 0; kx < g.k_w; ++kx, ++t) {
          const int64_t iy = oy * g.sh - g.pt + ky, ix = ox * g.sw - g.pl + kx;
          taps[t] = iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w ? nullptr
                                                                     : in + (iy * g.in_w + ix) * C;
        }
#if HPVP_NPU_X86
      if (c_vec) dw_int_pixel_avx2(taps.data(), ntaps, wp.data(), C, l.in_zp, acc.data());
#endif
      if (c_vec < C) dw_int_pixel(taps.data(), ntaps, wt.data(), C, l.in_zp, c_vec, C, acc.data());
      requant_row(acc.data(), int(C), cp, 0, q, out + (oy * g.out_w + ox) * C);
    }
}

// ---------------------------------------------------------------------------
// Integer pools

HPVP_CLONES void int_maxpool(const Layer& l, const int8_t* in, int8_t* out) {
  const int64_t C = l.in_c;
  std::vector<int8_t> m(C);
  for (int64_t oy = 0; oy < l.out_h; ++oy)
    for (int64_t ox = 0; ox < l.out_w; ++ox) {
      std::fill(m.begin(), m.end(), std::numeric_limits<int8_t>::min());
      for (int ky = 0; ky < l.k_h; ++ky) {
        const int64_t iy = oy * l.stride_h - l.pad_top + ky;
        if (iy < 0 || iy >= l.in_h) continue;
        for (int kx = 0; kx < l.k_w; ++kx) {
          const int64_t ix = ox * l.stride_w - l.pad_left + kx;
          if (ix < 0 || ix >= l.in_w) continue;
          const int8_t* x = in + (iy * l.in_w + ix) * C;
          for (int64_t c = 0; c < C; ++c) m[c] = std::max(m[c], x[c]);
        }
      }
      int8_t* o = out + (oy * l.out_w + ox) * C;
      const int8_t lo = int8_t(l.act_min), hi = int8_t(l.act_max);
      for (int64_t c = 0; c < C; ++c) o[c] = std::min(std::max(m[c], lo), hi);
    }
}

HPVP_CLONES void int_avgpool(const Layer& l, const int8_t* in, int8_t* out) {
  const int64_t C = l.in_c;
  std::vector<int32_t> s(C);  // |sum| <= 255 * 255 * 128 < 2^31
  for (int64_t oy = 0; oy < l.out_h; ++oy)
    for (int64_t ox = 0; ox < l.out_w; ++ox) {
      std::fill(s.begin(), s.end(), 0);
      int64_t count = 0;
      for (int ky = 0; ky < l.k_h; ++ky) {
        const int64_t iy = oy * l.stride_h - l.pad_top + ky;
        if (iy < 0 || iy >= l.in_h) continue;
        for (int kx = 0; kx < l.k_w; ++kx) {
          const int64_t ix = ox * l.stride_w - l.pad_left + kx;
          if (ix < 0 || ix >= l.in_w) continue;
          ++count;
          const int8_t* x = in + (iy * l.in_w + ix) * C;
          for (int64_t c = 0; c < C; ++c) s[c] += x[c];
        }
      }
      int8_t* o = out + (oy * l.out_w + ox) * C;
      for (int64_t c = 0; c < C; ++c) {
        const int64_t v = div_round(s[c], count);
        o[c] = int8_t(std::min<int64_t>(std::max<int64_t>(v, l.act_min), l.act_max));
      }
    }
}

HPVP_CLONES void int_gap(const Layer& l, const int8_t* in, int8_t* out) {
  const int64_t C = l.in_c, pixels = int64_t(l.in_h) * l.in_w;
  std::vector<int64_t> s(C, 0);
  std::vector<int32_t> part(C);
  // Partial sums in int32 over chunks of at most 2^23 pixels (exact), then int64.
  for (int64_t p0 = 0; p0 < pixels; p0 += (int64_t(1) << 23)) {
    const int64_t p1 = std::min(pixels, p0 + (int64_t(1) << 23));
    std::fill(part.begin(), part.end(), 0);
    for (int64_t p = p0; p < p1; ++p) {
      const int8_t* x = in + p * C;
      for (int64_t c = 0; c < C; ++c) part[c] += x[c];
    }
    for (int64_t c = 0; c < C; ++c) s[c] += part[c];
  }
  for (int64_t c = 0; c < C; ++c) {
    const int64_t v = div_round(s[c], pixels);
    out[c] = int8_t(std::min<int64_t>(std::max<int64_t>(v, l.act_min), l.act_max));
  }
}

// ---------------------------------------------------------------------------
// Integer element-wise ops

constexpr int kAddLeftShift = 20;

void int_add_generic(const Layer& l, const int8_t* a, const int8_t* b, int64_t n, int8_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t x = mbqm((int32_t(a[i]) - l.in_zp) * (1 << kAddLeftShift), l.in_mult, l.in_shift);
    const int32_t y =
        mbqm((int32_t(b[i]) - l.in2_zp) * (1 << kAddLeftShift), l.in2_mult, l.in2_shift);
    out[i] = out_clamp(mbqm(wrap_add(x, y), l.mult, l.shift), l.out_zp, l.act_min, l.act_max);
  }
}

void int_relu_generic(const Layer& l, const int8_t* a, int64_t n, int8_t* out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] =
        out_clamp(mbqm(int32_t(a[i]) - l.in_zp, l.mult, l.shift), l.out_zp, l.act_min, l.act_max);
}

#if HPVP_NPU_X86
struct VParams {
  __m256i m, left, right;
};

HPVP_AVX2 inline VParams vparams(int32_t mult, int32_t shift) {
  VParams v;
  v.m = _mm256_set1_epi32(mult);
  shifts8(_mm256_set1_epi32(clamp_shift(shift)), v.left, v.right);
  return v;
}

HPVP_AVX2 inline __m256i load8_i8(const int8_t* p) {
  return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

HPVP_AVX2 void int_add_avx2(const Layer& l, const int8_t* a, const int8_t* b, int64_t n,
                            int8_t* out) {
  const VParams pa = vparams(l.in_mult, l.in_shift), pb = vparams(l.in2_mult, l.in2_shift),
                po = vparams(l.mult, l.shift);
  const __m256i za = _mm256_set1_epi32(l.in_zp), zb = _mm256_set1_epi32(l.in2_zp);
  const __m256i zp = _mm256_set1_epi32(l.out_zp);
  const __m256i lo = _mm256_set1_epi32(l.act_min - l.out_zp),
                hi = _mm256_set1_epi32(l.act_max - l.out_zp);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i xa = _mm256_slli_epi32(_mm256_sub_epi32(load8_i8(a + i), za), kAddLeftShift);
    const __m256i xb = _mm256_slli_epi32(_mm256_sub_epi32(load8_i8(b + i), zb), kAddLeftShift);
    const __m256i s =
        _mm256_add_epi32(mbqm8(xa, pa.m, pa.left, pa.right), mbqm8(xb, pb.m, pb.left, pb.right));
    store_out8(mbqm8(s, po.m, po.left, po.right), zp, lo, hi, out + i);
  }
  int_add_generic(l, a + i, b + i, n - i, out + i);
}

HPVP_AVX2 void int_relu_avx2(const Layer& l, const int8_t* a, int64_t n, int8_t* out) {
  const VParams po = vparams(l.mult, l.shift);
  const __m256i za = _mm256_set1_epi32(l.in_zp), zp = _mm256_set1_epi32(l.out_zp);
  const __m256i lo = _mm256_set1_epi32(l.act_min - l.out_zp),
                hi = _mm256_set1_epi32(l.act_max - l.out_zp);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i x = _mm256_sub_epi32(load8_i8(a + i), za);
    store_out8(mbqm8(x, po.m, po.left, po.right), zp, lo, hi, out + i);
  }
  int_relu_generic(l, a + i, n - i, out + i);
}
#endif

// ---------------------------------------------------------------------------
// Float kernels

// C[6][16] = sum over k ascending of A[i][k] * B[k][j], starting from +0.0f;
// one multiply and one add per product (no FMA).
HPVP_CLONES void micro_float_generic(const float* A, int64_t lda, const float* B, int64_t K,
                                     float* C) {
  for (int i = 0; i < kMR; ++i) {
    float acc[kNR] = {};
    const float* a = A + i * lda;
    for (int64_t k = 0; k < K; ++k) {
      const float* b = B + k * kNR;
      for (int j = 0; j < kNR; ++j) {
        const float prod = a[k] * b[j];
        acc[j] = acc[j] + prod;
      }
    }
    for (int j = 0; j < kNR; ++j) C[i * kNR + j] = acc[j];
  }
}

#if HPVP_NPU_X86
HPVP_AVX2 void micro_float_avx2(const float* A, int64_t lda, const float* B, int64_t K, float* C) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t k = 0; k < K; ++k) {
    const __m256 b0 = _mm256_loadu_ps(B + k * kNR), b1 = _mm256_loadu_ps(B + k * kNR + 8);
    __m256 a = _mm256_broadcast_ss(A + k);
    c00 = _mm256_add_ps(c00, _mm256_mul_ps(a, b0));
    c01 = _mm256_add_ps(c01, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(A + lda + k);
    c10 = _mm256_add_ps(c10, _mm256_mul_ps(a, b0));
    c11 = _mm256_add_ps(c11, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(A + 2 * lda + k);
    c20 = _mm256_add_ps(c20, _mm256_mul_ps(a, b0));
    c21 = _mm256_add_ps(c21, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(A + 3 * lda + k);
    c30 = _mm256_add_ps(c30, _mm256_mul_ps(a, b0));
    c31 = _mm256_add_ps(c31, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(A + 4 * lda + k);
    c40 = _mm256_add_ps(c40, _mm256_mul_ps(a, b0));
    c41 = _mm256_add_ps(c41, _mm256_mul_ps(a, b1));
    a = _mm256_broadcast_ss(A + 5 * lda + k);
    c50 = _mm256_add_ps(c50, _mm256_mul_ps(a, b0));
    c51 = _mm256_add_ps(c51, _mm256_mul_ps(a, b1));
  }
  _mm256_storeu_ps(C + 0 * kNR, c00), _mm256_storeu_ps(C + 0 * kNR + 8, c01);
  _mm256_storeu_ps(C + 1 * kNR, c10), _mm256_storeu_ps(C + 1 * kNR + 8, c11);
  _mm256_storeu_ps(C + 2 * kNR, c20), _mm256_storeu_ps(C + 2 * kNR + 8, c21);
  _mm256_storeu_ps(C + 3 * kNR, c30), _mm256_storeu_ps(C + 3 * kNR + 8, c31);
  _mm256_storeu_ps(C + 4 * kNR, c40), _mm256_storeu_ps(C + 4 * kNR + 8, c41);
  _mm256_storeu_ps(C + 5 * kNR, c50), _mm256_storeu_ps(C + 5 * kNR + 8, c51);
}
#endif

// Packs one group's weights ([N][K]) transposed into panels [K][16].
void pack_float_weights(const float* w, int N, int64_t K, float* B) {
  const int panels = (N + kNR - 1) / kNR;
  std::fill(B, B + int64_t(panels) * kNR * K, 0.0f);
  for (int n = 0; n < N; ++n) {
    float* panel = B + int64_t(n / kNR) * kNR * K;
    const int j = n % kNR;
    const float* src = w + int64_t(n) * K;
    for (int64_t k = 0; k < K; ++k) panel[k * kNR + j] = src[k];
  }
}

// out[j] = clamp(acc[j] (+ bias[j]), lo, hi)
HPVP_CLONES void float_epilogue(const float* acc, int n, const float* bias, float lo, float hi,
                                float* out) {
  if (bias) {
    for (int j = 0; j < n; ++j) {
      const float v = acc[j] + bias[j];
      out[j] = fclamp(v, lo, hi);
    }
  } else {
    for (int j = 0; j < n; ++j) out[j] = fclamp(acc[j], lo, hi);
  }
}

void float_conv_gemm(const Layer& l, const Geom& g, const float* in, const float* w,
                     const float* bias, float* out) {
  const int64_t K = g.K, M = g.M();
  const int N = g.cout_g, panels = (N + kNR - 1) / kNR;
  const int MB = block_rows(M, K * 4);
  std::vector<float> B(size_t(panels) * kNR * K);
  std::vector<float> A(size_t(MB) * K);
  alignas(32) float C[kMR * kNR];
  const float lo = f32(l.act_min), hi = f32(l.act_max);
  auto micro = micro_float_generic;
#if HPVP_NPU_X86
  if (use_avx2()) micro = micro_float_avx2;
#endif
  for (int grp = 0; grp < g.groups; ++grp) {
    pack_float_weights(w + int64_t(grp) * N * K, N, K, B.data());
    for (int64_t m0 = 0; m0 < M; m0 += MB) {
      const int rows = int(std::min<int64_t>(MB, M - m0));
      const int rows_padded = (rows + kMR - 1) / kMR * kMR;
      im2col_rows(g, in, grp, 0, m0, rows, rows_padded, K, A.data());
      for (int p = 0; p < panels; ++p) {
        const int n0 = p * kNR, nv = std::min(kNR, N - n0);
        const int64_t ch0 = int64_t(grp) * N + n0;
        for (int t = 0; t < rows_padded; t += kMR) {
          micro(A.data() + t * K, K, B.data() + int64_t(p) * kNR * K, K, C);
          for (int i = 0; i < kMR && t + i < rows; ++i)
            float_epilogue(C + i * kNR, nv, bias ? bias + ch0 : nullptr, lo, hi,
                           out + (m0 + t + i) * g.out_c + ch0);
        }
      }
    }
  }
}

// Depthwise: acc[c] = sum over taps (ky, kx ascending) of x[c] * w[c][tap],
// padding taps multiply 0.0f.
HPVP_CLONES void dw_float_pixel(const Geom& g, const float* in, const float* wt, int64_t oy,
                                int64_t ox, float* acc) {
  const int64_t C = g.out_c;
  std::fill(acc, acc + C, 0.0f);
  for (int ky = 0; ky < g.k_h; ++ky) {
    const int64_t iy = oy * g.sh - g.pt + ky;
    for (int kx = 0; kx < g.k_w; ++kx) {
      const int64_t ix = ox * g.sw - g.pl + kx;
      const float* w = wt + (int64_t(ky) * g.k_w + kx) * C;
      if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) {
        const float zero = 0.0f;
        for (int64_t c = 0; c < C; ++c) {
          const float prod = zero * w[c];
          acc[c] = acc[c] + prod;
        }
        continue;
      }
      const float* x = in + (iy * g.in_w + ix) * C;
      for (int64_t c = 0; c < C; ++c) {
        const float prod = x[c] * w[c];
        acc[c] = acc[c] + prod;
      }
    }
  }
}

void float_depthwise(const Layer& l, const Geom& g, const float* in, const float* w,
                     const float* bias, float* out) {
  const int64_t C = g.out_c, taps = int64_t(g.k_h) * g.k_w;
  std::vector<float> wt(size_t(taps * C));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t t = 0; t < taps; ++t) wt[t * C + c] = w[c * taps + t];
  std::vector<float> acc(C);
  const float lo = f32(l.act_min), hi = f32(l.act_max);
  for (int64_t oy = 0; oy < g.out_h; ++oy)
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      dw_float_pixel(g, in, wt.data(), oy, ox, acc.data());
      float_epilogue(acc.data(), int(C), bias, lo, hi, out + (oy * g.out_w + ox) * C);
    }
}

HPVP_CLONES void float_pool(const Layer& l, const float* in, float* out) {
  const int64_t C = l.in_c;
  const bool is_max = l.op == Op::kMaxPool;
  const float lo = f32(l.act_min), hi = f32(l.act_max);
  std::vector<float> s(C);
  for (int64_t oy = 0; oy < l.out_h; ++oy)
    for (int64_t ox = 0; ox < l.out_w; ++ox) {
      int64_t count = 0;
      if (!is_max) std::fill(s.begin(), s.end(), 0.0f);
      for (int ky = 0; ky < l.k_h; ++ky) {
        const int64_t iy = oy * l.stride_h - l.pad_top + ky;
        if (iy < 0 || iy >= l.in_h) continue;
        for (int kx = 0; kx < l.k_w; ++kx) {
          const int64_t ix = ox * l.stride_w - l.pad_left + kx;
          if (ix < 0 || ix >= l.in_w) continue;
          const float* x = in + (iy * l.in_w + ix) * C;
          if (is_max && count == 0) {
            std::copy(x, x + C, s.begin());
          } else if (is_max) {
            for (int64_t c = 0; c < C; ++c) s[c] = x[c] > s[c] ? x[c] : s[c];
          } else {
            for (int64_t c = 0; c < C; ++c) s[c] = s[c] + x[c];
          }
          ++count;
        }
      }
      float* o = out + (oy * l.out_w + ox) * C;
      if (is_max) {
        for (int64_t c = 0; c < C; ++c) o[c] = fclamp(s[c], lo, hi);
      } else {
        const float d = float(count);
        for (int64_t c = 0; c < C; ++c) o[c] = fclamp(s[c] / d, lo, hi);
      }
    }
}

HPVP_CLONES void float_gap(const Layer& l, const float* in, float* out) {
  const int64_t C = l.in_c, pixels = int64_t(l.in_h) * l.in_w;
  std::vector<float> s(C, 0.0f);
  for (int64_t p = 0; p < pixels; ++p) {
    const float* x = in + p * C;
    for (int64_t c = 0; c < C; ++c) s[c] = s[c] + x[c];
  }
  const float d = float(pixels), lo = f32(l.act_min), hi = f32(l.act_max);
  for (int64_t c = 0; c < C; ++c) out[c] = fclamp(s[c] / d, lo, hi);
}

HPVP_CLONES void float_eltwise(const Layer& l, const float* a, const float* b, int64_t n,
                               float* out) {
  const float lo = f32(l.act_min), hi = f32(l.act_max);
  if (b) {
    for (int64_t i = 0; i < n; ++i) out[i] = fclamp(a[i] + b[i], lo, hi);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = fclamp(a[i], lo, hi);
  }
}

bool is_depthwise(const Geom& g) { return g.cin_g == 1 && g.cout_g == 1; }

}  // namespace

int32_t multiply_by_quantized_multiplier(int32_t x, int32_t mult, int32_t shift) {
  return mbqm(x, mult, shift);
}

void run_int_layer(const Layer& l, const int8_t* in, const int8_t* in2, const int8_t* w,
                   const IntParams& p, int8_t* out) {
  switch (l.op) {
    case Op::kConv2d:
    case Op::kGemm: {
      const Geom g = geom_of(l);
      const ChannelParams cp = expand_params(l, p, g.out_c);
      if (l.op == Op::kConv2d && is_depthwise(g))
        int_depthwise(l, g, in, w, cp, out);
      else
        int_conv_gemm(l, g, in, w, cp, out);
      return;
    }
    case Op::kMaxPool:
      int_maxpool(l, in, out);
      return;
    case Op::kAvgPool:
      int_avgpool(l, in, out);
      return;
    case Op::kGap:
      int_gap(l, in, out);
      return;
    case Op::kAdd:
#if HPVP_NPU_X86
      if (use_avx2()) return int_add_avx2(l, in, in2, int64_t(l.out_elements()), out);
#endif
      int_add_generic(l, in, in2, int64_t(l.out_elements()), out);
      return;
    case Op::kRelu:
#if HPVP_NPU_X86
      if (use_avx2()) return int_relu_avx2(l, in, int64_t(l.out_elements()), out);
#endif
      int_relu_generic(l, in, int64_t(l.out_elements()), out);
      return;
  }
}

void run_float_layer(const Layer& l, const float* in, const float* in2, const float* w,
                     const float* bias, float* out) {
  const float* b = l.has_bias() ? bias : nullptr;
  switch (l.op) {
    case Op::kConv2d:
    case Op::kGemm: {
      const Geom g = geom_of(l);
      if (l.op == Op::kConv2d && is_depthwise(g))
        float_depthwise(l, g, in, w, b, out);
      else
        float_conv_gemm(l, g, in, w, b, out);
      return;
    }
    case Op::kMaxPool:
    case Op::kAvgPool:
      float_pool(l, in, out);
      return;
    case Op::kGap:
      float_gap(l, in, out);
      return;
    case Op::kAdd:
      float_eltwise(l, in, in2, int64_t(l.out_elements()), out);
      return;
    case Op::kRelu:
      float_eltwise(l, in, nullptr, int64_t(l.out_elements()), out);
      return;
  }
}

namespace detail {

Isa active_isa() { return g_isa; }

bool isa_supported(Isa isa) {
  return isa == Isa::kGeneric || (isa == Isa::kAvx2 && cpu_has_avx2());
}

void force_isa(Isa isa) {
  if (isa_supported(isa)) g_isa = isa;
}

}  // namespace detail

}  // namespace hpvp::npu
