// NPU functional kernels (models/npu/npu_kernels.*) against the reference
// (npu_reference.h), bit for bit, on every instruction-set path the host
// supports; the reference itself on hand-computed cases.
#include "npu/npu_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "npu/npu_layer.h"
#include "npu/tensor_codec.h"
#include "npu_reference.h"

namespace hpvp::npu {
namespace detail {
void PrintTo(Isa isa, std::ostream* os) { *os << (isa == Isa::kAvx2 ? "avx2" : "generic"); }
}  // namespace detail
namespace {

using detail::Isa;

constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();

int32_t fbits(float f) { return int32_t(ref::f32_bits(f)); }
const int32_t kMinusInf = fbits(-std::numeric_limits<float>::infinity());
const int32_t kPlusInf = fbits(std::numeric_limits<float>::infinity());

// ------------------------------------------------------------------ helpers

struct Geo {
  const char* name;
  int ih, iw, ic, oc, kh, kw, sh, sw, pt, pl, pb, pr, groups;
};

npu_desc_t base_desc(Precision p) {
  npu_desc_t d{};
  const Formats f = formats_of(p);
  d.groups = 1;
  d.in_h = d.in_w = d.in_c = d.out_h = d.out_w = d.out_c = 1;
  d.k_h = d.k_w = d.stride_h = d.stride_w = 1;
  d.act_min = f.is_float ? kMinusInf : f.act_lo();
  d.act_max = f.is_float ? kPlusInf : f.act_hi();
  d.mult = 1 << 30;
  d.shift = 1;
  d.in_mult = d.in2_mult = 1 << 30;
  d.in_shift = d.in2_shift = 1;
  return d;
}

npu_desc_t window_desc(Precision p, npu_op op, const Geo& g) {
  npu_desc_t d = base_desc(p);
  d.op = op;
  d.in_h = uint16_t(g.ih), d.in_w = uint16_t(g.iw), d.in_c = uint16_t(g.ic);
  d.out_c = uint16_t(op == NPU_OP_CONV2D ? g.oc : g.ic);
  d.k_h = uint8_t(g.kh), d.k_w = uint8_t(g.kw), d.stride_h = uint8_t(g.sh), d.stride_w = uint8_t(g.sw);
  d.pad_top = uint8_t(g.pt), d.pad_left = uint8_t(g.pl), d.pad_bottom = uint8_t(g.pb), d.pad_right = uint8_t(g.pr);
  d.groups = uint16_t(op == NPU_OP_CONV2D ? g.groups : 1);
  d.out_h = uint16_t(window_out(g.ih, g.pt, g.pb, g.kh, g.sh));
  d.out_w = uint16_t(window_out(g.iw, g.pl, g.pr, g.kw, g.sw));
  if (op == NPU_OP_GAP) d.out_h = d.out_w = 1, d.k_h = d.k_w = 1, d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 0;
  return d;
}

npu_desc_t gemm_desc(Precision p, int m, int k, int n) {
  npu_desc_t d = base_desc(p);
  d.op = NPU_OP_GEMM;
  d.in_h = d.out_h = uint16_t(m);
  d.in_c = uint16_t(k);
  d.out_c = uint16_t(n);
  return d;
}

npu_desc_t eltwise_desc(Precision p, npu_op op, int h, int w, int c) {
  npu_desc_t d = base_desc(p);
  d.op = op;
  d.in_h = d.out_h = uint16_t(h), d.in_w = d.out_w = uint16_t(w), d.in_c = d.out_c = uint16_t(c);
  return d;
}

Layer decode(const npu_desc_t& d, Precision p) {
  Layer l;
  std::string why;
  const npu_error e = decode_layer(d, p, l, why);
  EXPECT_EQ(e, NPU_ERR_NONE) << why;
  return l;
}

template <typename T>
bool same_value(T a, T b) {
  if constexpr (std::is_same_v<T, float>) {
    if (std::isnan(a) && std::isnan(b)) return true;  // NaN payloads are unspecified
    return ref::f32_bits(a) == ref::f32_bits(b);
  } else {
    return a == b;
  }
}

template <typename T>
::testing::AssertionResult same(const std::vector<T>& got, const std::vector<T>& want) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " != " << want.size();
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (!same_value(got[i], want[i]) && bad++ == 0) first = i;
  if (bad == 0) return ::testing::AssertionSuccess();
  auto show = [](T v) {
    if constexpr (std::is_same_v<T, float>) return std::to_string(v);
    else return std::to_string(int(v));
  };
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " differ; first at " << first
                                       << ": got " << show(got[first]) << ", want " << show(want[first]);
}

// Half-precision byte images compare as values (any NaN equals any NaN).
::testing::AssertionResult same_fp16_bytes(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "size differs";
  std::vector<float> g(got.size() / 2), w(want.size() / 2);
  unpack_float(got.data(), g.size(), 16, g.data());
  unpack_float(want.data(), w.size(), 16, w.data());
  return same(g, w);
}

struct IntData {
  std::vector<int8_t> in, in2, w;
  std::vector<int32_t> bias, mult, shift;
};

// Random tensors within the ranges of precision p and requantization that
// keeps most outputs inside the clamp (some saturate).
IntData random_int(Layer& l, Precision p, std::mt19937& rng, bool ternary = false) {
  const Formats f = formats_of(p);
  IntData d;
  std::uniform_int_distribution<int> act(f.act_lo(), f.act_hi());
  std::uniform_int_distribution<int> wt(ternary ? -1 : f.w_lo(), ternary ? 1 : f.w_hi());
  d.in.resize(l.in_elements());
  for (auto& x : d.in) x = int8_t(act(rng));
  if (l.op == Op::kAdd) {
    d.in2.resize(l.in_elements());
    for (auto& x : d.in2) x = int8_t(act(rng));
  }
  l.in_zp = act(rng), l.in2_zp = act(rng), l.out_zp = act(rng) / 4;
  const double k = l.uses_weights() ? double(l.weight_elements()) / l.out_c : 1.0;
  const double est = std::sqrt(k) * (f.act_hi() - f.act_lo() + 1) / 3.5 * (wt.b() - wt.a() + 1) / 3.5;
  const int base = -int(std::lround(std::log2(est / ((f.act_hi() - f.act_lo()) / 4.0))));
  std::uniform_int_distribution<int32_t> mult(1 << 30, kI32Max);
  std::uniform_int_distribution<int> jitter(-1, 1);
  l.mult = mult(rng), l.shift = std::clamp(base + jitter(rng), -31, 30);
  if (l.uses_weights()) {
    d.w.resize(l.weight_elements());
    for (auto& x : d.w) x = int8_t(wt(rng));
    std::uniform_int_distribution<int32_t> bias(-int32_t(est) * 2, int32_t(est) * 2);
    d.bias.resize(l.out_c);
    d.mult.resize(l.out_c);
    d.shift.resize(l.out_c);
    for (int c = 0; c < l.out_c; ++c) {
      d.bias[c] = bias(rng);
      d.mult[c] = mult(rng);
      d.shift[c] = std::clamp(base + jitter(rng), -31, 30);
    }
  }
  return d;
}

std::vector<int8_t> kernel_int(const Layer& l, const IntData& d) {
  std::vector<int8_t> out(l.out_elements(), int8_t(0x5A));
  IntParams p;
  p.bias = d.bias.empty() ? nullptr : d.bias.data();
  if (l.per_channel()) p.mult = d.mult.data(), p.shift = d.shift.data();
  run_int_layer(l, d.in.data(), d.in2.empty() ? nullptr : d.in2.data(), d.w.empty() ? nullptr : d.w.data(), p,
                out.data());
  return out;
}

std::vector<int8_t> reference_int(const Layer& l, const IntData& d) {
  return ref::int_layer(l, d.in.data(), d.in2.data(), d.w.data(), d.bias.empty() ? nullptr : d.bias.data(),
                        l.per_channel() ? d.mult.data() : nullptr, l.per_channel() ? d.shift.data() : nullptr);
}

struct FloatData {
  std::vector<float> in, in2, w, bias;
};

FloatData random_float(const Layer& l, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  FloatData d;
  d.in.resize(l.in_elements());
  for (auto& x : d.in) x = u(rng);
  if (l.op == Op::kAdd) {
    d.in2.resize(l.in_elements());
    for (auto& x : d.in2) x = u(rng);
  }
  if (l.uses_weights()) {
    d.w.resize(l.weight_elements());
    for (auto& x : d.w) x = u(rng);
    d.bias.resize(l.out_c);
    for (auto& x : d.bias) x = u(rng);
  }
  return d;
}

std::vector<float> kernel_float(const Layer& l, const FloatData& d) {
  std::vector<float> out(l.out_elements(), 12345.0f);
  run_float_layer(l, d.in.data(), d.in2.empty() ? nullptr : d.in2.data(), d.w.empty() ? nullptr : d.w.data(),
                  d.bias.empty() ? nullptr : d.bias.data(), out.data());
  return out;
}

std::vector<float> reference_float(const Layer& l, const FloatData& d) {
  return ref::float_layer(l, d.in.data(), d.in2.data(), d.w.data(), d.bias.empty() ? nullptr : d.bias.data());
}

// What the NPU model does with memory images: unpack, run, pack.
std::vector<uint8_t> kernel_bytes(Precision p, const Layer& l, const std::vector<uint8_t>& in,
                                  const std::vector<uint8_t>& in2, const std::vector<uint8_t>& w,
                                  const std::vector<uint8_t>& bias, const std::vector<uint8_t>& quant) {
  const Formats f = formats_of(p);
  const uint64_t n_in = l.in_elements(), n_out = l.out_elements(), n_w = l.uses_weights() ? l.weight_elements() : 0;
  const uint64_t n_in2 = l.op == Op::kAdd ? n_in : 0;
  std::vector<uint8_t> out(packed_bytes(n_out, f.act_bits));
  if (f.is_float) {
    std::vector<float> x(n_in), x2(n_in2), wv(n_w), b(l.out_c), y(n_out);
    unpack_float(in.data(), n_in, f.act_bits, x.data());
    unpack_float(in2.data(), n_in2, f.act_bits, x2.data());
    unpack_float(w.data(), n_w, f.weight_bits, wv.data());
    if (l.has_bias()) unpack_f32(bias.data(), l.out_c, b.data());
    run_float_layer(l, x.data(), x2.data(), wv.data(), b.data(), y.data());
    pack_float(y.data(), n_out, f.act_bits, out.data());
  } else {
    std::vector<int8_t> x(n_in), x2(n_in2), wv(n_w), y(n_out);
    std::vector<int32_t> b(l.out_c), q(2 * size_t(l.out_c));
    unpack_int(in.data(), n_in, f.act_bits, x.data());
    unpack_int(in2.data(), n_in2, f.act_bits, x2.data());
    unpack_int(w.data(), n_w, f.weight_bits, wv.data());
    IntParams ip;
    if (l.has_bias()) unpack_i32(bias.data(), l.out_c, b.data()), ip.bias = b.data();
    if (l.per_channel()) {
      unpack_i32(quant.data(), q.size(), q.data());
      ip.mult = q.data(), ip.shift = q.data() + l.out_c;
    }
    run_int_layer(l, x.data(), x2.data(), wv.data(), ip, y.data());
    pack_int(y.data(), n_out, f.act_bits, out.data());
  }
  return out;
}

std::vector<uint8_t> random_bytes(size_t n, std::mt19937& rng) {
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = uint8_t(rng());
  return v;
}

// ------------------------------------------------------------- test cases

const Geo kConvCases[] = {
    {"3x3_pad1", 8, 8, 16, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"asymmetric_pad", 9, 7, 8, 20, 3, 4, 1, 1, 0, 2, 2, 1, 1},
    {"stride2", 9, 9, 12, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1},
    {"stride2_asymmetric", 10, 11, 6, 18, 5, 3, 2, 1, 2, 0, 1, 2, 1},
    {"depthwise_3x3", 10, 9, 24, 24, 3, 3, 1, 1, 1, 1, 1, 1, 24},
    {"depthwise_stride2", 11, 12, 40, 40, 3, 3, 2, 2, 0, 1, 1, 0, 40},
    {"depthwise_5x5_odd_c", 7, 7, 13, 13, 5, 5, 1, 1, 2, 2, 2, 2, 13},
    {"depthwise_5x5_c32", 9, 8, 32, 32, 5, 5, 2, 1, 2, 1, 0, 3, 32},
    {"depthwise_2x2_c16", 6, 7, 16, 16, 2, 2, 1, 1, 1, 0, 0, 1, 16},
    {"depthwise_multiplier2", 6, 6, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 8},
    {"grouped4", 8, 6, 16, 40, 3, 3, 1, 1, 1, 1, 1, 1, 4},
    {"grouped2_1x1", 5, 5, 32, 48, 1, 1, 1, 1, 0, 0, 0, 0, 2},
    {"odd_7x5x3", 7, 5, 3, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"k2x3_stride2", 7, 5, 3, 17, 2, 3, 2, 2, 1, 0, 0, 1, 1},
    {"1x1", 6, 6, 32, 48, 1, 1, 1, 1, 0, 0, 0, 0, 1},
    {"1x1_stride2", 7, 7, 16, 16, 1, 1, 2, 2, 0, 0, 0, 0, 1},
    {"many_blocks", 20, 20, 32, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"wide_k", 4, 4, 300, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"first_layer", 16, 16, 3, 32, 3, 3, 2, 2, 1, 1, 0, 0, 1},
    {"kernel_covers_input", 5, 4, 6, 7, 5, 4, 1, 1, 0, 0, 0, 0, 1},
    {"1x1_input", 1, 1, 10, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1},
};

struct GemmGeo {
  int m, k, n;
};
const GemmGeo kGemmCases[] = {{13, 37, 29}, {1, 64, 10}, {6, 16, 16}, {50, 257, 33}, {7, 1, 3}, {256, 64, 64}};

const Geo kPoolCases[] = {
    {"3x3_s2_pad1", 8, 8, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1},
    {"2x2_s2_odd", 7, 5, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1, 1},
    {"asymmetric", 9, 6, 33, 33, 3, 2, 1, 1, 2, 1, 0, 0, 1},
    {"5x5_pad2", 5, 5, 8, 8, 5, 5, 1, 1, 2, 2, 2, 2, 1},
    {"1x3_s1x2", 4, 9, 40, 40, 1, 3, 1, 2, 0, 1, 0, 2, 1},
};

const Geo kGapCases[] = {
    {"7x5x3", 7, 5, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1},
    {"1x1x16", 1, 1, 16, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1},
    {"13x11x40", 13, 11, 40, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1},
};

// ------------------------------------------------ reference: hand-computed

TEST(NpuReference, FixedPointKnownValues) {
  EXPECT_EQ(ref::mbqm(100, 1 << 30, 1), 100);  // identity rescale
  EXPECT_EQ(ref::mbqm(-100, 1 << 30, 1), -100);
  EXPECT_EQ(ref::mbqm(1000, 1 << 30, -3), 63);  // 1000 * 0.5 / 8 = 62.5 -> 63
  // RoundingDivideByPOT: half away from zero
  EXPECT_EQ(ref::rdbp(-5, 1), -3);  // -2.5
  EXPECT_EQ(ref::rdbp(5, 1), 3);
  EXPECT_EQ(ref::rdbp(-3, 1), -2);  // -1.5
  EXPECT_EQ(ref::rdbp(-6, 2), -2);  // -1.5
  EXPECT_EQ(ref::rdbp(-7, 2), -2);  // -1.75
  EXPECT_EQ(ref::rdbp(-5, 2), -1);  // -1.25
  EXPECT_EQ(ref::rdbp(6, 2), 2);
  EXPECT_EQ(ref::rdbp(kI32Min, 31), -1);
  EXPECT_EQ(ref::rdbp(kI32Max, 31), 1);
  EXPECT_EQ(ref::rdbp(-1234, 0), -1234);
  EXPECT_EQ(ref::mbqm(-10, 1 << 30, -1), -3);  // -10 * 0.5 = -5 exactly, / 2 = -2.5 -> -3
  // SaturatingRoundingDoublingHighMul: gemmlowp's nudge + truncation rounds
  // ties toward +infinity
  EXPECT_EQ(ref::srdhm(5, 1 << 30), 3);    // 2.5 -> 3
  EXPECT_EQ(ref::srdhm(-5, 1 << 30), -2);  // -2.5 -> -2
  EXPECT_EQ(ref::srdhm(-1, 1 << 30), 0);   // -0.5 -> 0
  EXPECT_EQ(ref::srdhm(1 << 30, 1 << 30), 1 << 29);
  EXPECT_EQ(ref::srdhm(kI32Min, kI32Min), kI32Max);  // the one overflow
  EXPECT_EQ(ref::srdhm(kI32Max, kI32Max), 2147483646);
  EXPECT_EQ(ref::srdhm(kI32Min, kI32Max), -2147483647);
  // saturating left shift
  EXPECT_EQ(ref::sat_shl(1 << 20, 12), kI32Max);
  EXPECT_EQ(ref::sat_shl(-(1 << 20), 11), kI32Min);
  EXPECT_EQ(ref::sat_shl(-(1 << 20), 10), -(1 << 30));
  EXPECT_EQ(ref::mbqm(1 << 20, kI32Max, 12), 2147483646);
  EXPECT_EQ(ref::mbqm(-(1 << 20), kI32Max, 12), -2147483647);
  EXPECT_EQ(ref::mbqm(kI32Min, kI32Min, 0), kI32Max);
  // shift outside [-31, 30] is clamped
  EXPECT_EQ(ref::mbqm(1 << 20, 1 << 30, 45), ref::mbqm(1 << 20, 1 << 30, 30));
  EXPECT_EQ(ref::mbqm(kI32Max, kI32Max, -60), ref::mbqm(kI32Max, kI32Max, -31));
}

TEST(NpuReference, HandComputedConv2x2) {
  // in 3x3x1 = 1..9, in_zp 1; w 2x2 = [1 0; -1 2]; bias 10.
  // (x - 1) = [0 1 2; 3 4 5; 6 7 8]
  // out = [0-3+8, 1-4+10; 3-6+14, 4-7+16] + 10 = [15 17; 21 23]
  npu_desc_t d = window_desc(Precision::kInt8, NPU_OP_CONV2D, {"", 3, 3, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1});
  d.flags = NPU_FLAG_BIAS;
  d.in_zp = 1;
  d.out_zp = -3;
  Layer l = decode(d, Precision::kInt8);
  const int8_t in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const int8_t w[] = {1, 0, -1, 2};
  const int32_t bias[] = {10};
  EXPECT_EQ(ref::int_layer(l, in, nullptr, w, bias, nullptr, nullptr), (std::vector<int8_t>{12, 14, 18, 20}));
  // mult 0.5: 7.5 -> 8, 8.5 -> 9 (ties toward +inf in the doubling high mul)
  l.shift = 0;
  EXPECT_EQ(ref::int_layer(l, in, nullptr, w, bias, nullptr, nullptr), (std::vector<int8_t>{5, 6, 8, 9}));
  // Without NPU_FLAG_BIAS the bias array is ignored.
  l.flags = 0;
  l.shift = 1;
  EXPECT_EQ(ref::int_layer(l, in, nullptr, w, bias, nullptr, nullptr), (std::vector<int8_t>{2, 4, 8, 10}));
  // Padding top/left 1: out(0,0) sees only x(0,0) under w=2: (1-1)*2 = 0;
  // out(0,1) sees x(0,0), x(0,1) under w = -1, 2: 0*-1 + 1*2 = 2.
  d.pad_top = d.pad_left = 1;
  d.out_h = d.out_w = 3;
  l = decode(d, Precision::kInt8);
  const auto padded = ref::int_layer(l, in, nullptr, w, bias, nullptr, nullptr);
  EXPECT_EQ(padded[0], 10 - 3);
  EXPECT_EQ(padded[1], 12 - 3);
  // And the kernels agree.
  std::vector<int8_t> out(9);
  IntParams p{bias, nullptr, nullptr};
  run_int_layer(l, in, nullptr, w, p, out.data());
  EXPECT_TRUE(same(out, padded));
}

TEST(NpuReference, HandComputedPoolsAndAdd) {
  // avgpool 1x2 over [1 2] -> 1.5 -> 2; [-1 -2] -> -1.5 -> -2
  npu_desc_t d = window_desc(Precision::kInt8, NPU_OP_AVGPOOL, {"", 1, 2, 2, 2, 1, 2, 1, 1, 0, 0, 0, 0, 1});
  Layer l = decode(d, Precision::kInt8);
  const int8_t in[] = {1, -1, 2, -2};  // NHWC: pixel 0 = (1, -1), pixel 1 = (2, -2)
  EXPECT_EQ(ref::int_layer(l, in, nullptr, nullptr, nullptr, nullptr, nullptr), (std::vector<int8_t>{2, -2}));
  // 3x3 avgpool, pad 1, on 2x2 [[4 0] [0 1]]: corner windows hold the 4 pixels:
  // (4 + 0 + 0 + 1) / 4 = 1.25 -> 1; divisor counts in-bounds pixels only.
  d = window_desc(Precision::kInt8, NPU_OP_AVGPOOL, {"", 2, 2, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1});
  l = decode(d, Precision::kInt8);
  const int8_t in2x2[] = {4, 0, 0, 1};
  EXPECT_EQ(ref::int_layer(l, in2x2, nullptr, nullptr, nullptr, nullptr, nullptr),
            (std::vector<int8_t>{1, 1, 1, 1}));
  d.op = NPU_OP_MAXPOOL;
  l = decode(d, Precision::kInt8);
  l.act_max = 3;  // clamp after the max
  EXPECT_EQ(ref::int_layer(l, in2x2, nullptr, nullptr, nullptr, nullptr, nullptr),
            (std::vector<int8_t>{3, 3, 3, 3}));
  // GAP over [1 2 2 2] = 1.75 -> 2, over [-1 -2 -2] = -1.67 -> -2
  d = window_desc(Precision::kInt8, NPU_OP_GAP, {"", 1, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1});
  l = decode(d, Precision::kInt8);
  const int8_t g4[] = {1, 2, 2, 2};
  EXPECT_EQ(ref::int_layer(l, g4, nullptr, nullptr, nullptr, nullptr, nullptr), (std::vector<int8_t>{2}));
  l.in_w = 3;
  const int8_t g3[] = {-1, -2, -2};
  EXPECT_EQ(ref::int_layer(l, g3, nullptr, nullptr, nullptr, nullptr, nullptr), (std::vector<int8_t>{-2}));
  // ADD with identity input rescale (x * 2^20) and output rescale 2^-20: x + y
  d = eltwise_desc(Precision::kInt8, NPU_OP_ADD, 1, 1, 3);
  d.shift = -19;  // MBQM(s, 2^30, -19) = s / 2 / 2^19
  l = decode(d, Precision::kInt8);
  const int8_t a[] = {100, -3, -100}, b[] = {50, 5, -100};
  EXPECT_EQ(ref::int_layer(l, a, b, nullptr, nullptr, nullptr, nullptr), (std::vector<int8_t>{127, 2, -128}));
  // RELU6-style clamp with identity requant: zp 0, clamp [0, 6]
  d = eltwise_desc(Precision::kInt8, NPU_OP_RELU, 1, 1, 3);
  d.act_min = 0, d.act_max = 6;
  l = decode(d, Precision::kInt8);
  const int8_t r[] = {-5, 3, 9};
  EXPECT_EQ(ref::int_layer(l, r, nullptr, nullptr, nullptr, nullptr, nullptr), (std::vector<int8_t>{0, 3, 6}));
}

TEST(NpuReference, HandComputedFloat) {
  npu_desc_t d = window_desc(Precision::kFp32, NPU_OP_CONV2D, {"", 2, 2, 1, 1, 2, 2, 1, 1, 1, 0, 0, 0, 1});
  d.flags = NPU_FLAG_BIAS;
  Layer l = decode(d, Precision::kFp32);  // out 2x1: pad_top 1
  const float in[] = {1.0f, 2.0f, 3.0f, 4.0f};
  const float w[] = {10.0f, 20.0f, 0.5f, 0.25f};
  const float bias[] = {-1.0f};
  // out(0) = (0*10 + 0*20) + 1*0.5 + 2*0.25 - 1 = 0; out(1) = 10 + 40 + 1.5 + 1 - 1 = 51.5
  EXPECT_EQ(ref::float_layer(l, in, nullptr, w, bias), (std::vector<float>{0.0f, 51.5f}));
  // The padding row is multiplied like data: an infinite weight on it makes NaN.
  const float w_inf[] = {std::numeric_limits<float>::infinity(), 20.0f, 0.5f, 0.25f};
  const auto nan_out = ref::float_layer(l, in, nullptr, w_inf, bias);
  EXPECT_TRUE(std::isnan(nan_out[0]));
  EXPECT_TRUE(std::isinf(nan_out[1]));
  // Clamp, with NaN passing through.
  l.act_min = fbits(0.5f), l.act_max = fbits(6.0f);
  const auto clamped = ref::float_layer(l, in, nullptr, w, bias);
  EXPECT_EQ(clamped, (std::vector<float>{0.5f, 6.0f}));
  EXPECT_TRUE(std::isnan(ref::float_layer(l, in, nullptr, w_inf, bias)[0]));
  // The summation order is fixed: (0 + 1e8) + 1 + (-1e8) = 0 in fp32, not 1.
  d = gemm_desc(Precision::kFp32, 1, 3, 1);
  l = decode(d, Precision::kFp32);
  const float x[] = {1e8f, 1.0f, -1e8f}, ones[] = {1.0f, 1.0f, 1.0f};
  EXPECT_EQ(ref::float_layer(l, x, nullptr, ones, nullptr), (std::vector<float>{0.0f}));
  std::vector<float> out(1);
  run_float_layer(l, x, nullptr, ones, nullptr, out.data());
  EXPECT_EQ(out[0], 0.0f);
}

TEST(NpuReference, MemoryImageFp16RoundsOnce) {
  // GEMM 1x2x1 in fp16: 1 * 1 + 2^-11 * 1 = 1 + 2^-11 in fp32, which rounds
  // (tie to even) to 1.0 in half; 1 + 3 * 2^-11 rounds to 1 + 2^-9.
  npu_desc_t d = gemm_desc(Precision::kFp16, 2, 2, 1);
  Layer l = decode(d, Precision::kFp16);
  const uint16_t in_h[] = {0x3C00, 0x1000 /* 2^-11 */, 0x3C00, 0x1600 /* 3 * 2^-11 */};
  const uint16_t w_h[] = {0x3C00, 0x3C00};
  std::vector<uint8_t> in(8), w(4);
  std::memcpy(in.data(), in_h, 8);  // little-endian host
  std::memcpy(w.data(), w_h, 4);
  const auto out = ref::layer_bytes(Precision::kFp16, l, in.data(), nullptr, w.data(), nullptr, nullptr);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0] | out[1] << 8, 0x3C00);
  EXPECT_EQ(out[2] | out[3] << 8, 0x3C02);
  EXPECT_EQ(ref::fnv1a32("a", 1), 0xE40C292Cu);
}

// -------------------------------------------- kernels vs reference per ISA

std::vector<Isa> supported_isas() {
  std::vector<Isa> v{Isa::kGeneric};
  if (detail::isa_supported(Isa::kAvx2)) v.push_back(Isa::kAvx2);
  return v;
}

class NpuKernels : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    saved_ = detail::active_isa();
    detail::force_isa(GetParam());
    ASSERT_EQ(detail::active_isa(), GetParam());
  }
  void TearDown() override { detail::force_isa(saved_); }
  Isa saved_{};
};

TEST_P(NpuKernels, MbqmMatchesReference) {
  const int32_t xs[] = {0, 1, -1, 2, -2, 100, -100, 12345, -12345, 1 << 20, -(1 << 20), kI32Max, kI32Min,
                        kI32Max - 1, kI32Min + 1, 1 << 30, -(1 << 30)};
  const int32_t ms[] = {0, 1, 1 << 30, (1 << 30) + 1, kI32Max, kI32Min, 1518500250, -1, -(1 << 30)};
  for (int32_t x : xs)
    for (int32_t m : ms)
      for (int s = -40; s <= 40; ++s)
        ASSERT_EQ(multiply_by_quantized_multiplier(x, m, s), ref::mbqm(x, m, s)) << x << " " << m << " " << s;
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> sh(-31, 30);
  for (int i = 0; i < 1000000; ++i) {
    const int32_t x = int32_t(rng()) >> (rng() % 32), m = int32_t(rng());
    const int s = sh(rng);
    ASSERT_EQ(multiply_by_quantized_multiplier(x, m, s), ref::mbqm(x, m, s)) << x << " " << m << " " << s;
  }
}

// The vectorised requantization on every lane position: a 1x1 conv with
// one input channel and weight 1 passes acc = x - zp + bias straight through.
TEST_P(NpuKernels, VectorRequantMatchesReference) {
  std::mt19937 rng(5);
  const int C = 37;
  npu_desc_t d = window_desc(Precision::kInt8, NPU_OP_CONV2D, {"", 3, 50, 1, C, 1, 1, 1, 1, 0, 0, 0, 0, 1});
  d.flags = NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
  Layer l = decode(d, Precision::kInt8);
  IntData data;
  data.in.resize(l.in_elements());
  data.w.assign(C, 1);
  data.bias.resize(C), data.mult.resize(C), data.shift.resize(C);
  const int32_t special_m[] = {kI32Min, kI32Max, 0, 1, 1 << 30, -5};
  const int32_t special_b[] = {kI32Max, kI32Min, kI32Max - 200, kI32Min + 200, 0, 1 << 30};
  for (int round = 0; round < 40; ++round) {
    for (auto& x : data.in) x = int8_t(rng());
    // round % 4 picks the requant variant: shifts > 0 present or not,
    // mult == INT32_MIN present or not.
    const bool left = round % 2 == 0, min_mult = round % 4 < 2;
    for (int c = 0; c < C; ++c) {
      data.mult[c] = rng() % 4 ? int32_t(rng()) : special_m[rng() % 6];
      if (!min_mult && data.mult[c] == kI32Min) data.mult[c] = kI32Max;
      if (min_mult && c == 11) data.mult[c] = kI32Min;
      data.shift[c] = left ? int32_t(rng() % 81) - 40 : -int32_t(rng() % 45);
      data.bias[c] = rng() % 3 ? int32_t(rng()) >> (rng() % 32) : special_b[rng() % 6];
    }
    l.in_zp = int8_t(rng()), l.out_zp = int8_t(rng());
    ASSERT_TRUE(same(kernel_int(l, data), reference_int(l, data))) << "round " << round;
  }
}

TEST_P(NpuKernels, IntConvMatchesReference) {
  std::mt19937 rng(1);
  for (const Geo& g : kConvCases)
    for (int variant = 0; variant < 4; ++variant) {
      SCOPED_TRACE(std::string(g.name) + " variant " + std::to_string(variant));
      npu_desc_t d = window_desc(Precision::kInt8, NPU_OP_CONV2D, g);
      d.flags = (variant & 1 ? NPU_FLAG_BIAS : 0) | (variant & 2 ? NPU_FLAG_PER_CHANNEL : 0);
      Layer l = decode(d, Precision::kInt8);
      IntData data = random_int(l, Precision::kInt8, rng);
      if (variant == 3) l.act_min = -20, l.act_max = 90;  // narrow clamp
      ASSERT_TRUE(same(kernel_int(l, data), reference_int(l, data)));
    }
}

TEST_P(NpuKernels, IntGemmMatchesReference) {
  std::mt19937 rng(2);
  for (const GemmGeo& g : kGemmCases)
    for (int variant = 0; variant < 4; ++variant) {
      SCOPED_TRACE("gemm " + std::to_string(g.m) + "x" + std::to_string(g.k) + "x" + std::to_string(g.n));
      npu_desc_t d = gemm_desc(Precision::kInt8, g.m, g.k, g.n);
      d.flags = (variant & 1 ? NPU_FLAG_BIAS : 0) | (variant & 2 ? NPU_FLAG_PER_CHANNEL : 0);
      Layer l = decode(d, Precision::kInt8);
      IntData data = random_int(l, Precision::kInt8, rng);
      ASSERT_TRUE(same(kernel_int(l, data), reference_int(l, data)));
    }
}

// Per-tensor layers give the same result whether the caller expands the
// descriptor's mult/shift into arrays or passes nullptr.
TEST_P(NpuKernels, PerTensorArraysEqualNull) {
  std::mt19937 rng(3);
  npu_desc_t d = window_desc(Precision::kInt8, NPU_OP_CONV2D, kConvCases[0]);
  d.flags = NPU_FLAG_BIAS;
  Layer l = decode(d, Precision::kInt8);
  IntData data = random_int(l, Precision::kInt8, rng);
  std::vector<int32_t> mult(l.out_c, l.mult), shift(l.out_c, l.shift);
  std::vector<int8_t> a(l.out_elements()), b(l.out_elements());
  run_int_layer(l, data.in.data(), nullptr, data.w.data(), IntParams{data.bias.data(), nullptr, nullptr}, a.data());
  run_int_layer(l, data.in.data(), nullptr, data.w.data(), IntParams{data.bias.data(), mult.data(), shift.data()},
                b.data());
  EXPECT_TRUE(same(a, b));
  EXPECT_TRUE(same(a, reference_int(l, data)));
}

TEST_P(NpuKernels, SaturationAndClamps) {
  std::mt19937 rng(4);
  // Extreme inputs (x - zp = +-255, |w| = 128) and huge multipliers: the
  // saturating left shift, the SRDHM overflow and both clamps all trigger.
  for (const Geo& g : {kConvCases[0], kConvCases[4], kConvCases[12]}) {
    SCOPED_TRACE(g.name);
    npu_desc_t d = window_desc(Precision::kInt8, NPU_OP_CONV2D, g);
    d.flags = NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
    Layer l = decode(d, Precision::kInt8);
    IntData data = random_int(l, Precision::kInt8, rng);
    for (auto& x : data.in) x = rng() % 2 ? 127 : -128;
    for (auto& x : data.w) x = rng() % 2 ? 127 : -128;
    l.in_zp = rng() % 2 ? 127 : -128;
    const int32_t ms[] = {kI32Max, kI32Min, 0, 1, 1 << 30};
    const int32_t ss[] = {30, 29, -31, 45, -50, 0, 20};
    for (int c = 0; c < l.out_c; ++c) {
      data.mult[c] = ms[c % 5];
      data.shift[c] = ss[c % 7];
      data.bias[c] = c % 3 ? kI32Max - 1000 : kI32Min + 1000;
    }
    const auto want = reference_int(l, data);
    int lo = 0, hi = 0;
    for (int8_t v : want) lo += v == -128, hi += v == 127;
    EXPECT_GT(lo, 0);
    EXPECT_GT(hi, 0);
    ASSERT_TRUE(same(kernel_int(l, data), want));
    l.flags &= ~NPU_FLAG_PER_CHANNEL;
    l.mult = kI32Max, l.shift = 30;
    ASSERT_TRUE(same(kernel_int(l, data), reference_int(l, data)));
  }
}

// K = 65535 products of 255 * 127 plus a large bias exceed int32: the
// accumulator wraps modulo 2^32 (documented), in the kernels as in the reference.
TEST_P(NpuKernels, AccumulatorWrapsModulo2To32) {
  npu_desc_t d = gemm_desc(Precision::kInt8, 2, 65535, 3);
  d.flags = NPU_FLAG_BIAS;
  d.in_zp = -128;
  d.shift = -24;
  Layer l = decode(d, Precision::kInt8);
  IntData data;
  data.in.assign(l.in_elements(), 127);
  data.w.assign(l.weight_elements(), 127);
  data.bias = {100000000, 0, -100000000};
  const auto want = reference_int(l, data);
  // 65535 * 255 * 127 + 1e8 = 2222350975 wraps to -2072616321; / 2^25 = -61.8
  EXPECT_EQ(want[0], -62);
  EXPECT_EQ(want[1], 63);   // 2122350975 / 2^25 = 63.25
  EXPECT_EQ(want[2], 60);   // 2022350975 / 2^25 = 60.27
  ASSERT_TRUE(same(kernel_int(l, data), want));
}

TEST_P(NpuKernels, IntPoolsMatchReference) {
  std::mt19937 rng(6);
  for (npu_op op : {NPU_OP_MAXPOOL, NPU_OP_AVGPOOL})
    for (const Geo& g : kPoolCases)
      for (int clamp = 0; clamp < 2; ++clamp) {
        SCOPED_TRACE(std::string(g.name) + " op " + std::to_string(op));
        Layer l = decode(window_desc(Precision::kInt8, op, g), Precision::kInt8);
        IntData data = random_int(l, Precision::kInt8, rng);
        if (clamp) l.act_min = -50, l.act_max = 60;
        ASSERT_TRUE(same(kernel_int(l, data), reference_int(l, data)));
      }
  for (const Geo& g : kGapCases) {
    SCOPED_TRACE(g.name);
    Layer l = decode(window_desc(Precision::kInt8, NPU_OP_GAP, g), Precision::kInt8);
    IntData data = random_int(l, Precision::kInt8, rng);
    ASSERT_TRUE(same(kernel_int(l, data), reference_int(l, data)));
    for (auto& x : data.in) x = -128;  // the sum of a constant tensor averages exactly
    ASSERT_TRUE(same(kernel_int(l, data), reference_int(l, data)));
  }
}

TEST_P(NpuKernels, IntAddReluMatchReference) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> mult(1 << 30, kI32Max);
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int h = 1 + round % 5, w = 7, c = 13 + round;
    Layer add = decode(eltwise_desc(Precision::kInt8, NPU_OP_ADD, h, w, c), Precision::kInt8);
    IntData data = random_int(add, Precision::kInt8, rng);
    add.in_mult = mult(rng), add.in2_mult = mult(rng), add.mult = mult(rng);
    const bool saturate = round % 5 == 4;
    add.in_shift = saturate ? 12 : -int(rng() % 5);
    add.in2_shift = saturate ? 11 : -int(rng() % 5);
    add.shift = saturate ? 3 : -18 - int(rng() % 6);
    if (round % 3 == 0) add.act_min = -10, add.act_max = 100;
    ASSERT_TRUE(same(kernel_int(add, data), reference_int(add, data)));

    Layer relu = decode(eltwise_desc(Precision::kInt8, NPU_OP_RELU, h, w, c), Precision::kInt8);
    IntData rd = random_int(relu, Precision::kInt8, rng);
    relu.mult = round % 2 ? mult(rng) : 1 << 30;
    relu.shift = round % 2 ? int(rng() % 4) - 2 : 1;
    relu.act_min = relu.out_zp, relu.act_max = round % 3 ? 127 : std::min(127, relu.out_zp + 40);  // ReLU / ReLU6
    ASSERT_TRUE(same(kernel_int(relu, rd), reference_int(relu, rd)));
  }
}

// int8/int4/int2/ternary layers through memory images: codec + kernels,
// exactly what the NPU model does, against ref::layer_bytes.
TEST_P(NpuKernels, IntMemoryImagesAllPrecisions) {
  std::mt19937 rng(8);
  struct Prec {
    Precision p;
    bool ternary;
  };
  for (Prec pr : {Prec{Precision::kInt8, false}, Prec{Precision::kInt4, false}, Prec{Precision::kInt2, false},
                  Prec{Precision::kInt2, true}}) {
    const Formats f = formats_of(pr.p);
    auto layers = std::vector<npu_desc_t>{};
    for (const Geo& g : kConvCases) layers.push_back(window_desc(pr.p, NPU_OP_CONV2D, g));
    layers.push_back(gemm_desc(pr.p, 13, 37, 29));
    layers.push_back(window_desc(pr.p, NPU_OP_MAXPOOL, kPoolCases[0]));
    layers.push_back(window_desc(pr.p, NPU_OP_AVGPOOL, kPoolCases[2]));
    layers.push_back(window_desc(pr.p, NPU_OP_GAP, kGapCases[0]));
    layers.push_back(eltwise_desc(pr.p, NPU_OP_ADD, 3, 5, 7));
    layers.push_back(eltwise_desc(pr.p, NPU_OP_RELU, 3, 5, 7));
    for (size_t i = 0; i < layers.size(); ++i) {
      npu_desc_t d = layers[i];
      SCOPED_TRACE(std::string(to_string(pr.p)) + (pr.ternary ? " ternary" : "") + " layer " + std::to_string(i));
      const bool weights = d.op == NPU_OP_CONV2D || d.op == NPU_OP_GEMM;
      if (weights) d.flags = (i % 2 ? NPU_FLAG_BIAS : 0) | (i % 3 ? NPU_FLAG_PER_CHANNEL : 0);
      Layer probe = decode(d, pr.p);
      IntData params = random_int(probe, pr.p, rng, pr.ternary);  // picks zero points and requant
      d.in_zp = probe.in_zp, d.in2_zp = probe.in2_zp, d.out_zp = probe.out_zp;
      d.mult = probe.mult, d.shift = probe.shift;
      if (d.op == NPU_OP_ADD) d.in_shift = -1, d.in2_shift = -2, d.shift = -19 + f.act_bits / 4 - 2;
      if (i % 4 == 3) d.act_min = f.act_lo() + 1, d.act_max = f.act_hi() - 2;
      Layer l = decode(d, pr.p);
      const auto in = random_bytes(packed_bytes(l.in_elements(), f.act_bits), rng);
      const auto in2 = random_bytes(packed_bytes(l.op == Op::kAdd ? l.in_elements() : 0, f.act_bits), rng);
      std::vector<uint8_t> w(packed_bytes(weights ? l.weight_elements() : 0, f.weight_bits));
      pack_int(params.w.data(), params.w.size(), f.weight_bits, w.data());
      std::vector<uint8_t> bias(4 * size_t(l.out_c)), quant(8 * size_t(l.out_c));
      if (weights) {
        pack_i32(params.bias.data(), l.out_c, bias.data());
        pack_i32(params.mult.data(), l.out_c, quant.data());
        pack_i32(params.shift.data(), l.out_c, quant.data() + 4 * l.out_c);
      }
      const auto want = ref::layer_bytes(pr.p, l, in.data(), in2.data(), w.data(), bias.data(), quant.data());
      const auto got = kernel_bytes(pr.p, l, in, in2, w, bias, quant);
      ASSERT_EQ(got, want);
    }
  }
}

TEST_P(NpuKernels, FloatLayersMatchReference) {
  std::mt19937 rng(9);
  for (const Geo& g : kConvCases)
    for (int variant = 0; variant < 3; ++variant) {
      SCOPED_TRACE(std::string(g.name) + " variant " + std::to_string(variant));
      npu_desc_t d = window_desc(Precision::kFp32, NPU_OP_CONV2D, g);
      d.flags = variant ? NPU_FLAG_BIAS : 0;
      if (variant == 2) d.act_min = fbits(-0.25f), d.act_max = fbits(0.5f);
      Layer l = decode(d, Precision::kFp32);
      FloatData data = random_float(l, rng);
      ASSERT_TRUE(same(kernel_float(l, data), reference_float(l, data)));
    }
  for (const GemmGeo& g : kGemmCases) {
    npu_desc_t d = gemm_desc(Precision::kFp32, g.m, g.k, g.n);
    d.flags = NPU_FLAG_BIAS;
    Layer l = decode(d, Precision::kFp32);
    FloatData data = random_float(l, rng);
    ASSERT_TRUE(same(kernel_float(l, data), reference_float(l, data))) << g.m << "x" << g.k << "x" << g.n;
  }
  for (npu_op op : {NPU_OP_MAXPOOL, NPU_OP_AVGPOOL})
    for (const Geo& g : kPoolCases) {
      Layer l = decode(window_desc(Precision::kFp32, op, g), Precision::kFp32);
      FloatData data = random_float(l, rng);
      ASSERT_TRUE(same(kernel_float(l, data), reference_float(l, data))) << g.name;
    }
  for (const Geo& g : kGapCases) {
    Layer l = decode(window_desc(Precision::kFp32, NPU_OP_GAP, g), Precision::kFp32);
    FloatData data = random_float(l, rng);
    ASSERT_TRUE(same(kernel_float(l, data), reference_float(l, data))) << g.name;
  }
  for (npu_op op : {NPU_OP_ADD, NPU_OP_RELU}) {
    npu_desc_t d = eltwise_desc(Precision::kFp32, op, 3, 7, 19);
    d.act_min = fbits(0.0f), d.act_max = fbits(0.6f);
    Layer l = decode(d, Precision::kFp32);
    FloatData data = random_float(l, rng);
    ASSERT_TRUE(same(kernel_float(l, data), reference_float(l, data))) << op;
  }
}

// inf, NaN and signed zeros in the inputs and weights: padding products,
// pool comparisons and the clamp treat them identically.
TEST_P(NpuKernels, FloatSpecialValues) {
  std::mt19937 rng(10);
  const float specials[] = {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(), -0.0f, 0.0f, 3e38f, -3e38f, 1e-40f};
  auto sprinkle = [&](std::vector<float>& v, int every) {
    for (auto& x : v)
      if (rng() % every == 0) x = specials[rng() % 8];
  };
  std::vector<npu_desc_t> descs;
  for (const Geo& g : {kConvCases[1], kConvCases[4], kConvCases[8]})
    descs.push_back(window_desc(Precision::kFp32, NPU_OP_CONV2D, g));
  descs.push_back(window_desc(Precision::kFp32, NPU_OP_MAXPOOL, kPoolCases[2]));
  descs.push_back(window_desc(Precision::kFp32, NPU_OP_AVGPOOL, kPoolCases[2]));
  descs.push_back(window_desc(Precision::kFp32, NPU_OP_GAP, kGapCases[0]));
  descs.push_back(eltwise_desc(Precision::kFp32, NPU_OP_ADD, 2, 3, 17));
  descs.push_back(eltwise_desc(Precision::kFp32, NPU_OP_RELU, 2, 3, 17));
  for (npu_desc_t d : descs) {
    d.flags = d.op == NPU_OP_CONV2D ? NPU_FLAG_BIAS : 0;
    d.act_min = fbits(-1e30f), d.act_max = fbits(std::numeric_limits<float>::infinity());
    Layer l = decode(d, Precision::kFp32);
    for (int round = 0; round < 5; ++round) {
      FloatData data = random_float(l, rng);
      sprinkle(data.in, 23);
      sprinkle(data.in2, 23);
      sprinkle(data.w, 97);
      ASSERT_TRUE(same(kernel_float(l, data), reference_float(l, data))) << "op " << d.op << " round " << round;
    }
  }
}

TEST_P(NpuKernels, Fp16MemoryImages) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  auto halves = [&](size_t n, float scale) {
    std::vector<uint8_t> v(2 * n);
    for (size_t i = 0; i < n; ++i) {
      const uint16_t h = fp32_to_fp16(u(rng) * scale);
      v[2 * i] = uint8_t(h), v[2 * i + 1] = uint8_t(h >> 8);
    }
    return v;
  };
  std::vector<npu_desc_t> descs;
  for (const Geo& g : kConvCases) descs.push_back(window_desc(Precision::kFp16, NPU_OP_CONV2D, g));
  descs.push_back(gemm_desc(Precision::kFp16, 50, 257, 33));
  descs.push_back(window_desc(Precision::kFp16, NPU_OP_AVGPOOL, kPoolCases[0]));
  descs.push_back(window_desc(Precision::kFp16, NPU_OP_MAXPOOL, kPoolCases[3]));
  descs.push_back(window_desc(Precision::kFp16, NPU_OP_GAP, kGapCases[2]));
  descs.push_back(eltwise_desc(Precision::kFp16, NPU_OP_ADD, 5, 5, 9));
  descs.push_back(eltwise_desc(Precision::kFp16, NPU_OP_RELU, 5, 5, 9));
  for (size_t i = 0; i < descs.size(); ++i) {
    npu_desc_t d = descs[i];
    const bool weights = d.op == NPU_OP_CONV2D || d.op == NPU_OP_GEMM;
    if (weights) d.flags = NPU_FLAG_BIAS;
    if (i % 3 == 1) d.act_min = fbits(-3.0f), d.act_max = fbits(6.0f);
    Layer l = decode(d, Precision::kFp16);
    // Large values overflow half on output for some layers (inf) on purpose.
    const float scale = i % 5 == 0 ? 200.0f : 1.0f;
    const auto in = halves(l.in_elements(), scale);
    const auto in2 = halves(l.op == Op::kAdd ? l.in_elements() : 0, 1.0f);
    const auto w = halves(weights ? l.weight_elements() : 0, 1.0f);
    std::vector<uint8_t> bias(4 * size_t(l.out_c));
    for (int c = 0; c < l.out_c; ++c) {
      const uint32_t b = ref::f32_bits(u(rng));
      for (int k = 0; k < 4; ++k) bias[4 * c + k] = uint8_t(b >> (8 * k));
    }
    const auto want = ref::layer_bytes(Precision::kFp16, l, in.data(), in2.data(), w.data(), bias.data(), nullptr);
    ASSERT_TRUE(same_fp16_bytes(kernel_bytes(Precision::kFp16, l, in, in2, w, bias, {}), want)) << "layer " << i;
    // fp32 NPU: the same layer on the fp32 images of the same values.
    std::vector<float> fin(l.in_elements()), fin2(in2.size() / 2), fw(w.size() / 2);
    unpack_float(in.data(), fin.size(), 16, fin.data());
    unpack_float(in2.data(), fin2.size(), 16, fin2.data());
    unpack_float(w.data(), fw.size(), 16, fw.data());
    std::vector<uint8_t> in32(4 * fin.size()), in2_32(4 * fin2.size()), w32(4 * fw.size());
    pack_float(fin.data(), fin.size(), 32, in32.data());
    pack_float(fin2.data(), fin2.size(), 32, in2_32.data());
    pack_float(fw.data(), fw.size(), 32, w32.data());
    Layer l32 = decode(d, Precision::kFp32);
    const auto want32 =
        ref::layer_bytes(Precision::kFp32, l32, in32.data(), in2_32.data(), w32.data(), bias.data(), nullptr);
    ASSERT_EQ(kernel_bytes(Precision::kFp32, l32, in32, in2_32, w32, bias, {}), want32) << "layer " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, NpuKernels, ::testing::ValuesIn(supported_isas()),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(info.param == Isa::kAvx2 ? "avx2" : "generic");
                         });

}  // namespace
}  // namespace hpvp::npu
