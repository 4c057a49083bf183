// Host reference for the npu_net firmware (sw/apps/npu_net).
//
// The network, its data and every CPU-side conversion come from the same C
// code the firmware runs (net_data.c, sw/drivers/npu_desc.c, npu_quant.c);
// the NPU layers are computed by the independent reference of the NPU
// arithmetic (npu_reference.h) on the descriptors the firmware would build.
//
//  - Host-only tests check the shared helpers against the reference, a tiny
//    conv computed by hand, and that the network pipeline is self-consistent
//    (grouping does not change results, float and int8 runs agree, the data
//    is not degenerate).
//  - VP tests run `vp run --config configs/<cfg>.yaml --firmware npu_net.elf`
//    and compare every checksum the firmware prints with the host's
//    (skipped if the vp, the ELF or the config is missing).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "net_def.h"
#include "npu/npu_layer.h"
#include "npu_reference.h"

namespace {

using hpvp::npu::Layer;
using hpvp::npu::Precision;

constexpr size_t kArenaBytes = 96 * 1024;  // as the firmware's arena
constexpr unsigned kAllPrecisions[] = {NPU_PREC_INT8, NPU_PREC_INT4, NPU_PREC_INT2, NPU_PREC_FP16,
                                       NPU_PREC_FP32};

const net_model& model() {
  static net_model m = [] {
    net_model g{};
    net_generate(&g);
    return g;
  }();
  return m;
}

// net_exec_fn on the host: decode each descriptor as the NPU would, then run
// the reference on the memory images.
int host_exec(void* ctx, net_run* r, int first, int count) {
  auto* descs_seen = static_cast<int*>(ctx);
  for (int l = first; l < first + count; ++l) {
    const unsigned p = r->plan[l].prec;
    const npu_desc_t& d = r->desc[l];
    // The list links exactly the group.
    const uint32_t next_expected =
        l + 1 < first + count ? uint32_t(reinterpret_cast<uintptr_t>(&r->desc[l + 1])) : 0u;
    EXPECT_EQ(d.next, next_expected) << "layer " << l;
    Layer layer;
    std::string why;
    const npu_error e = hpvp::npu::decode_layer(d, Precision(p), layer, why);
    if (e != NPU_ERR_NONE) {
      ADD_FAILURE() << net_layers[l].name << " on " << npu_precision_name(p) << ": " << why;
      return 100 + e;
    }
    const auto out = hpvp::npu::ref::layer_bytes(
        Precision(p), layer, static_cast<const uint8_t*>(r->in[l]), static_cast<const uint8_t*>(r->in2[l]),
        static_cast<const uint8_t*>(r->prm[l].w), static_cast<const uint8_t*>(r->prm[l].bias),
        reinterpret_cast<const uint8_t*>(r->prm[l].per_channel));
    if (out.size() != net_tensor_bytes(l + 1, p)) {
      ADD_FAILURE() << "output size of " << net_layers[l].name;
      return 99;
    }
    std::memcpy(r->t[l + 1], out.data(), out.size());
    if (descs_seen) ++*descs_seen;
  }
  return 0;
}

struct HostRun {
  std::vector<uint64_t> mem = std::vector<uint64_t>(kArenaBytes / 8);
  net_run run{};
  int err = 0;
};

std::unique_ptr<HostRun> run_host(const std::array<net_step, NET_LAYERS>& plan, bool chain) {
  auto h = std::make_unique<HostRun>();
  net_arena arena{reinterpret_cast<uint8_t*>(h->mem.data()), kArenaBytes, 0};
  h->run.model = &model();
  for (int l = 0; l < NET_LAYERS; ++l) h->run.plan[l] = plan[l];
  h->run.chain = chain;
  h->err = net_run_plan(&h->run, &arena, host_exec, nullptr);
  return h;
}

std::array<net_step, NET_LAYERS> uniform_plan(unsigned prec) {
  std::array<net_step, NET_LAYERS> plan{};
  for (auto& s : plan) s = net_step{uint8_t(prec), 0};
  return plan;
}

std::array<net_step, NET_LAYERS> mixed_plan(const std::vector<uint8_t>& units) {
  std::array<net_step, NET_LAYERS> plan{};
  net_mixed_plan(units.data(), int(units.size()), plan.data());
  return plan;
}

std::string hex8(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::string layer_sums(const net_run& r) {
  std::string s;
  for (int l = 0; l < NET_LAYERS; ++l) s += (l ? " " : "") + hex8(r.layer_sum[l]);
  return s;
}

// Element i of tensor t in precision p, as a real value.
double real_value(int t, unsigned p, const void* data, size_t i) {
  const net_act_fmt f = net_act_format(t, p);
  const auto* b = static_cast<const uint8_t*>(data);
  switch (p) {
    case NPU_PREC_FP32: {
      float v;
      std::memcpy(&v, b + 4 * i, 4);
      return v;
    }
    case NPU_PREC_FP16:
      return hpvp::npu::ref::fp16_to_fp32(uint16_t(b[2 * i] | b[2 * i + 1] << 8));
    case NPU_PREC_INT4:
      return double(f.scale) * (npu_get_int4(b, i) - f.zp);
    default:
      return double(f.scale) * (int8_t(b[i]) - f.zp);
  }
}

// ------------------------------------------------------------ shared helpers

TEST(NpuNetHelpers, QuantizeMultiplierKnownValues) {
  struct Case {
    double real;
    int32_t mult, shift;
  } cases[] = {
      {0.5, 1 << 30, 0},
      {1.0, 1 << 30, 1},
      {0.75, 0x60000000, 0},
      {0.25, 1 << 30, -1},
      {3.0, 0x60000000, 2},
      {0.0, 0, 0},
      {-1.0, 0, 0},
      {std::ldexp(1.0, -40), 0, 0},
      {std::ldexp(1.0, 40), INT32_MAX, 30},
      // mantissa rounds up to 2^31 -> 2^30, shift + 1
      {std::nextafter(1.0, 0.0), 1 << 30, 1},
  };
  for (const Case& c : cases) {
    int32_t m = -1, s = -1;
    npu_quantize_multiplier(c.real, &m, &s);
    EXPECT_EQ(m, c.mult) << c.real;
    EXPECT_EQ(s, c.shift) << c.real;
  }
}

TEST(NpuNetHelpers, QuantizeMultiplierMatchesTfliteFormula) {
  uint32_t st = 12345;
  for (int i = 0; i < 20000; ++i) {
    const double real =
        std::ldexp(double(net_xorshift32(&st)) / 4294967296.0 + 1e-9, -int(net_xorshift32(&st) % 28));
    int32_t m, s;
    npu_quantize_multiplier(real, &m, &s);
    int e;  // TFLite QuantizeMultiplier
    const double q = std::frexp(real, &e);
    int64_t qf = std::llround(q * double(1ll << 31));
    if (qf == (1ll << 31)) qf /= 2, ++e;
    if (e < -31) qf = 0, e = 0;  // TFLite: too small -> 0
    ASSERT_EQ(m, int32_t(qf)) << real;
    ASSERT_EQ(s, e) << real;
    // and the pair reproduces the value within half a Q31 ulp
    if (m != 0) {
      EXPECT_NEAR(std::ldexp(double(m), s - 31), real, std::ldexp(1.0, s - 32) * 1.0000001);
    }
  }
}

TEST(NpuNetHelpers, MbqmMatchesReference) {
  uint32_t st = 777;
  for (int i = 0; i < 50000; ++i) {
    const int32_t x = int32_t(net_xorshift32(&st));
    const int32_t m = int32_t(net_xorshift32(&st) >> 1);
    const int32_t s = int32_t(net_xorshift32(&st) % 64) - 33;  // includes out-of-range shifts
    ASSERT_EQ(npu_mbqm(x, m, s), hpvp::npu::ref::mbqm(x, m, s)) << x << " " << m << " " << s;
  }
}

TEST(NpuNetHelpers, Fp16ConversionMatchesReference) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const uint32_t mine = npu_f16_to_f32(uint16_t(h));
    const uint32_t ref = hpvp::npu::ref::f32_bits(hpvp::npu::ref::fp16_to_fp32(uint16_t(h)));
    ASSERT_EQ(mine, ref) << std::hex << h;
  }
  auto check = [](uint32_t u) {
    const uint16_t mine = npu_f32_to_f16(u);
    const uint16_t ref = hpvp::npu::ref::fp32_to_fp16(hpvp::npu::ref::bits_f32(u));
    ASSERT_EQ(mine, ref) << std::hex << u;
  };
  // every exponent with edge mantissas (ties, ties +- 1 ulp), plus a sweep
  for (uint32_t sign = 0; sign < 2; ++sign)
    for (uint32_t e = 0; e < 256; ++e)
      for (uint32_t m : {0u, 1u, 0xfffu, 0x1000u, 0x1001u, 0x2000u, 0x3000u, 0x7fe000u, 0x7ff000u, 0x7fffffu,
                         0x400000u, 0x401000u})
        check(sign << 31 | e << 23 | m);
  for (uint64_t u = 0; u < (1ull << 32); u += 65537) check(uint32_t(u));
}

TEST(NpuNetHelpers, PackingMatchesReference) {
  uint8_t mine[32], ref[32];
  uint32_t st = 99;
  for (int bits : {4, 2}) {
    int8_t vals[64];
    const int lo = -(1 << (bits - 1)), span = 1 << bits;
    for (int i = 0; i < 64; ++i) vals[i] = int8_t(lo + int(net_xorshift32(&st) % unsigned(span)));
    std::memset(ref, 0, sizeof ref);
    for (int i = 0; i < 64; ++i) hpvp::npu::ref::detail::put_int(ref, i, bits, vals[i]);
    if (bits == 4) {
      npu_pack_int4(mine, vals, 64);
    } else {
      npu_pack_int2(mine, vals, 64);
    }
    ASSERT_EQ(0, std::memcmp(mine, ref, size_t(64 * bits / 8)));
    int8_t back[64];
    if (bits == 4) {
      npu_unpack_int4(back, mine, 64);
    } else {
      npu_unpack_int2(back, mine, 64);
    }
    for (int i = 0; i < 64; ++i) ASSERT_EQ(back[i], vals[i]);
  }
  // low nibble first
  const int8_t two[2] = {-1, 3};
  npu_pack_int4(mine, two, 2);
  EXPECT_EQ(mine[0], 0x3f);
}

TEST(NpuNetHelpers, RoundingHelpers) {
  EXPECT_EQ(net_rdiv(8, 16), 1);
  EXPECT_EQ(net_rdiv(7, 16), 0);
  EXPECT_EQ(net_rdiv(-8, 16), -1);
  EXPECT_EQ(net_rdiv(-7, 16), 0);
  EXPECT_EQ(net_rdiv(-128, 16), -8);
  EXPECT_EQ(net_round_f32(2.5f), 3);
  EXPECT_EQ(net_round_f32(-2.5f), -3);
  EXPECT_EQ(net_round_f32(2.4999998f), 2);
  EXPECT_EQ(net_round_f32(-0.5f), -1);
  EXPECT_EQ(net_round_f32(1e20f), 1 << 30);
  EXPECT_EQ(net_round_f32(std::nanf("")), 0);
}

// A 3x3 conv, pad 1, on a 2x2x1 int8 image, through the firmware's builder,
// the NPU's descriptor decoder and the reference; the expected values are
// worked out by hand.
TEST(NpuNetHelpers, TinyConvByHand) {
  alignas(8) int8_t in[4] = {1, 2, 3, 4};  // in_zp 1 -> x - zp = 0 1 / 2 3
  alignas(8) int8_t w[9] = {1, 1, 1, 1, 2, 1, 1, 1, 1};
  alignas(8) int32_t bias[1] = {10};
  alignas(8) int8_t out[4];
  npu_quant q = npu_quant_default(NPU_PREC_INT8);
  q.in_zp = 1;
  q.out_zp = -5;
  q.mult = 1 << 30, q.shift = 0;  // x 0.5
  npu_desc_t d;
  const npu_shape os = npu_desc_conv2d(&d, in, npu_shape{2, 2, 1}, w, bias, out, 1, 3, 1, 1, 1, &q);
  EXPECT_EQ(os.h, 2);
  EXPECT_EQ(os.w, 2);
  Layer l;
  std::string why;
  ASSERT_EQ(hpvp::npu::decode_layer(d, Precision::kInt8, l, why), NPU_ERR_NONE) << why;
  const auto y =
      hpvp::npu::ref::layer_bytes(Precision::kInt8, l, reinterpret_cast<uint8_t*>(in), nullptr,
                                  reinterpret_cast<uint8_t*>(w), reinterpret_cast<uint8_t*>(bias), nullptr);
  // Every output window covers the whole image (centre tap x2 on its own
  // pixel): acc(o) = 10 + (0 + 1 + 2 + 3) + x(o) = 16 + x(o)
  //   o = 0..3, x = 0 1 2 3 -> acc 16 17 18 19 -> * 0.5 rounded half away
  //   from zero -> 8 9 9 10 (17/2 = 8.5 -> 9, 19/2 = 9.5 -> 10) -> - 5.
  ASSERT_EQ(y.size(), 4u);
  EXPECT_EQ(int8_t(y[0]), 3);
  EXPECT_EQ(int8_t(y[1]), 4);
  EXPECT_EQ(int8_t(y[2]), 4);
  EXPECT_EQ(int8_t(y[3]), 5);

  // The same on an int4 NPU: values packed two per byte.
  alignas(8) uint8_t in4[2], w4[5], out4[2];
  const int8_t w_vals[9] = {1, 1, 1, 1, 2, 1, 1, 1, 1};
  npu_pack_int4(in4, in, 4);
  npu_pack_int4(w4, w_vals, 9);
  npu_quant q4 = npu_quant_default(NPU_PREC_INT4);
  q4.in_zp = 1, q4.out_zp = -5, q4.mult = 1 << 30, q4.shift = 0;
  npu_desc_conv2d(&d, in4, npu_shape{2, 2, 1}, w4, bias, out4, 1, 3, 1, 1, 1, &q4);
  ASSERT_EQ(hpvp::npu::decode_layer(d, Precision::kInt4, l, why), NPU_ERR_NONE) << why;
  const auto y4 = hpvp::npu::ref::layer_bytes(Precision::kInt4, l, in4, nullptr, w4,
                                              reinterpret_cast<uint8_t*>(bias), nullptr);
  ASSERT_EQ(y4.size(), 2u);
  EXPECT_EQ(y4[0], 0x43);  // 3, 4
  EXPECT_EQ(y4[1], 0x54);  // 4, 5
}

// ------------------------------------------------------- network, host only

TEST(NpuNetHost, GenerationIsDeterministic) {
  net_model a{}, b{};
  net_generate(&a);
  net_generate(&b);
  EXPECT_EQ(0, std::memcmp(&a, &b, sizeof a));
  EXPECT_EQ(net_w_offset(NET_LAYERS), size_t(NET_W_ELEMS));
  EXPECT_EQ(net_ch_offset(NET_LAYERS), size_t(NET_CH_ELEMS));
  // The first values of the streams (a change of the generator shows here).
  uint32_t s = net_seed(NET_SEED, 0);
  const uint32_t first = net_xorshift32(&s);
  EXPECT_EQ(int(model().input[0]), int32_t(first >> 24) - 128);
}

TEST(NpuNetHost, EveryPrecisionRunsAndPrintsTheExpectedChecksums) {
  for (unsigned p : kAllPrecisions) {
    auto h = run_host(uniform_plan(p), true);
    ASSERT_EQ(h->err, 0) << npu_precision_name(p);
    std::printf("expected checksum %s: 0x%08x  layers %s\n", npu_precision_name(p), h->run.checksum,
                layer_sums(h->run).c_str());
  }
}

TEST(NpuNetHost, GroupingDoesNotChangeResults) {
  for (unsigned p : kAllPrecisions) {
    auto chained = run_host(uniform_plan(p), true);
    auto single = run_host(uniform_plan(p), false);
    ASSERT_EQ(chained->err, 0);
    ASSERT_EQ(single->err, 0);
    EXPECT_EQ(chained->run.checksum, single->run.checksum) << npu_precision_name(p);
  }
  // A mixed plan over several NPUs of one precision is the plain run.
  auto plain = run_host(uniform_plan(NPU_PREC_INT8), true);
  auto spread = run_host(mixed_plan({NPU_PREC_INT8, NPU_PREC_INT8, NPU_PREC_INT8, NPU_PREC_INT8}), false);
  EXPECT_EQ(plain->run.checksum, spread->run.checksum);
  // int2 NPUs share the int8 activation format: a plan that alternates
  // int8/int2 only for weight-free layers equals the int8 run.
  auto p8 = uniform_plan(NPU_PREC_INT8);
  p8[NET_L_POOL].prec = NPU_PREC_INT2, p8[NET_L_POOL].unit = 1;
  p8[NET_L_GAP].prec = NPU_PREC_INT2, p8[NET_L_GAP].unit = 1;
  auto alt = run_host(p8, false);
  EXPECT_EQ(plain->run.checksum, alt->run.checksum);
}

TEST(NpuNetHost, MixedPlans) {
  auto names = [](const std::array<net_step, NET_LAYERS>& plan) {
    std::string s;
    for (const auto& st : plan)
      s += std::string(npu_precision_name(st.prec)) + "/" + std::to_string(st.unit) + " ";
    return s;
  };
  EXPECT_EQ(names(mixed_plan({NPU_PREC_INT8, NPU_PREC_INT8, NPU_PREC_INT4, NPU_PREC_INT4})),
            "int8/0 int8/0 int8/0 int4/2 int4/2 int4/2 int4/2 int4/2 ");
  EXPECT_EQ(names(mixed_plan({NPU_PREC_FP32, NPU_PREC_FP16, NPU_PREC_INT8})),
            "int8/2 int8/2 fp16/1 fp16/1 fp16/1 fp32/0 fp32/0 fp32/0 ");
  EXPECT_EQ(names(mixed_plan({NPU_PREC_INT8, NPU_PREC_INT8, NPU_PREC_INT8, NPU_PREC_INT8})),
            "int8/0 int8/0 int8/1 int8/1 int8/2 int8/2 int8/3 int8/3 ");
  EXPECT_EQ(names(mixed_plan({NPU_PREC_INT8, NPU_PREC_INT2})),
            "int8/0 int8/0 int8/0 int2/1 int2/1 int2/1 int2/1 int2/1 ");
  for (const auto& units :
       std::vector<std::vector<uint8_t>>{{NPU_PREC_INT8, NPU_PREC_INT8, NPU_PREC_INT4, NPU_PREC_INT4},
                                         {NPU_PREC_FP32, NPU_PREC_FP16, NPU_PREC_INT8},
                                         {NPU_PREC_INT8, NPU_PREC_INT2}}) {
    auto h = run_host(mixed_plan(units), false);
    ASSERT_EQ(h->err, 0);
    std::printf("expected mixed checksum (%s): 0x%08x  layers %s\n", names(mixed_plan(units)).c_str(),
                h->run.checksum, layer_sums(h->run).c_str());
  }
}

// The int8 network is not degenerate: every tensor takes many values and
// saturates rarely, so the checksums are sensitive to arithmetic errors.
TEST(NpuNetHost, Int8TensorsUseTheirRange) {
  auto h = run_host(uniform_plan(NPU_PREC_INT8), true);
  ASSERT_EQ(h->err, 0);
  for (int t = 1; t < NET_TENSORS; ++t) {
    const auto* v = static_cast<const int8_t*>(h->run.t[t]);
    const size_t n = net_tensor_elems(t);
    std::map<int, int> hist;
    size_t sat = 0;
    for (size_t i = 0; i < n; ++i) {
      ++hist[v[i]];
      if (v[i] == 127) ++sat;
    }
    EXPECT_GE(hist.size(), std::min<size_t>(n, 8)) << net_tensors[t].name;
    EXPECT_LE(double(sat) / double(n), 0.05) << net_tensors[t].name;
  }
}

// Conversions between precisions: exact round trips where they must be.
TEST(NpuNetHost, ActivationConversions) {
  const int t = NET_T_INPUT;
  const size_t n = net_tensor_elems(t);
  std::vector<uint8_t> f32(4 * n), f16(2 * n), i4(n / 2), back(n);
  net_convert_act(t, NPU_PREC_INT8, model().input, NPU_PREC_FP32, f32.data());
  net_convert_act(t, NPU_PREC_FP32, f32.data(), NPU_PREC_INT8, back.data());
  EXPECT_EQ(0, std::memcmp(back.data(), model().input, n));
  net_convert_act(t, NPU_PREC_INT8, model().input, NPU_PREC_FP16, f16.data());
  net_convert_act(t, NPU_PREC_FP16, f16.data(), NPU_PREC_INT8, back.data());
  EXPECT_EQ(0, std::memcmp(back.data(), model().input, n));  // |q - zp| <= 144 is exact in fp16
  net_convert_act(t, NPU_PREC_INT8, model().input, NPU_PREC_INT4, i4.data());
  net_convert_act(t, NPU_PREC_INT4, i4.data(), NPU_PREC_INT8, back.data());
  for (size_t i = 0; i < n; ++i) {
    const int q = model().input[i], r = int8_t(back[i]);
    // int4 keeps 16-step resolution; values beyond the int4 range clamp
    const int lo = (-8 - 1) * 16 + 16, hi = (7 - 1) * 16 + 16;
    ASSERT_LE(std::abs(std::clamp(q, lo, hi) - r), 8) << i;
  }
  // int4 -> fp32 -> int4 is exact
  std::vector<uint8_t> i4b(n / 2);
  net_convert_act(t, NPU_PREC_INT4, i4.data(), NPU_PREC_FP32, f32.data());
  net_convert_act(t, NPU_PREC_FP32, f32.data(), NPU_PREC_INT4, i4b.data());
  EXPECT_EQ(i4, i4b);
}

// The float and integer versions compute the same network: every int8
// tensor, dequantised, is within a few quantisation steps of the fp32 run,
// fp16 is closer still, and the int4 / int2 logits stay correlated with the
// fp32 ones (their error is large: 16 levels, ternary weights).
TEST(NpuNetHost, PrecisionsAgreeApproximately) {
  std::map<unsigned, std::unique_ptr<HostRun>> runs;
  for (unsigned p : kAllPrecisions) {
    runs[p] = run_host(uniform_plan(p), true);
    ASSERT_EQ(runs[p]->err, 0);
  }
  auto value = [&](unsigned p, int t, size_t i) { return real_value(t, p, runs[p]->run.t[t], i); };
  for (int t = 1; t < NET_TENSORS; ++t) {
    double worst = 0;
    for (size_t i = 0; i < net_tensor_elems(t); ++i)
      worst = std::max(worst, std::fabs(value(NPU_PREC_INT8, t, i) - value(NPU_PREC_FP32, t, i)));
    EXPECT_LE(worst, 3.0 * net_tensors[t].scale) << net_tensors[t].name;
  }
  auto max_diff = [&](unsigned a) {
    double m = 0;
    for (size_t c = 0; c < 10; ++c)
      m = std::max(m, std::fabs(value(a, NET_T_FC, c) - value(NPU_PREC_FP32, NET_T_FC, c)));
    return m;
  };
  auto correlation = [&](unsigned a) {
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t c = 0; c < 10; ++c) {
      const double x = value(a, NET_T_FC, c), y = value(NPU_PREC_FP32, NET_T_FC, c);
      sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
    }
    return (sab - sa * sb / 10) / std::sqrt((saa - sa * sa / 10) * (sbb - sb * sb / 10));
  };
  const double step = net_tensors[NET_T_FC].scale;
  EXPECT_LT(max_diff(NPU_PREC_FP16), 0.25 * step);
  EXPECT_LT(max_diff(NPU_PREC_INT8), 2.0 * step);
  EXPECT_GT(correlation(NPU_PREC_INT4), 0.8);
  EXPECT_GT(correlation(NPU_PREC_INT2), 0.5);
  std::printf(
      "logits vs fp32: max |diff| fp16 %.3f int8 %.3f int4 %.3f int2 %.3f (int8 step %.3f); "
      "correlation int4 %.3f int2 %.3f\n",
      max_diff(NPU_PREC_FP16), max_diff(NPU_PREC_INT8), max_diff(NPU_PREC_INT4), max_diff(NPU_PREC_INT2),
      step, correlation(NPU_PREC_INT4), correlation(NPU_PREC_INT2));
}

// ------------------------------------------------------------------ in the VP

struct VpOutput {
  int exit_code = -1;
  std::string text;
  std::vector<std::string> npu_precisions;       // in probe order
  std::map<std::string, std::string> checksums;  // "int8 npu0" / "mixed" -> hex
  std::map<std::string, std::string> layers;     // same keys -> 8 layer sums
  std::map<std::string, std::string> inputs;     // same keys -> input_sum
  std::string plan;
  int errors = -1;
};

VpOutput run_vp(const std::string& config, const std::string& elf) {
  VpOutput o;
  const std::string cmd =
      std::string("'") + HPVP_VP_PATH + "' run --config '" + config + "' --firmware '" + elf + "' 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return o;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, f)) o.text += buf;
  const int st = ::pclose(f);
  o.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  const std::regex npu_re(R"(^npu(\d+): (int8|int4|int2|fp16|fp32) )");
  const std::regex sum_re(R"(^checksum (.+): 0x([0-9a-f]{8})$)");
  const std::regex layers_re(R"(^layers (.+): ((?:[0-9a-f]{8} ?){8})$)");
  const std::regex inputs_re(R"(^inputs (.+): 0x([0-9a-f]{8})$)");
  const std::regex plan_re(R"(^mixed plan: (.*)$)");
  const std::regex end_re(R"(^npu_net: \d+ runs, (\d+) errors$)");
  std::istringstream in(o.text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (std::regex_search(line, m, npu_re))
      o.npu_precisions.push_back(m[2]);
    else if (std::regex_match(line, m, sum_re))
      o.checksums[m[1]] = m[2];
    else if (std::regex_match(line, m, layers_re))
      o.layers[m[1]] = m[2];
    else if (std::regex_match(line, m, inputs_re))
      o.inputs[m[1]] = m[2];
    else if (std::regex_match(line, m, plan_re))
      o.plan = m[1];
    else if (std::regex_match(line, m, end_re))
      o.errors = std::stoi(m[1]);
  }
  return o;
}

unsigned precision_of(const std::string& name) {
  for (unsigned p : kAllPrecisions)
    if (name == npu_precision_name(p)) return p;
  return 0xff;
}

void check_config(const std::string& name, const std::vector<std::string>& expected_npus) {
  const std::string config = std::string(HPVP_SOURCE_DIR) + "/configs/" + name + ".yaml";
  const std::string elf = std::string(HPVP_FIRMWARE_DIR) + "/npu_net.elf";
  if (!std::filesystem::exists(HPVP_VP_PATH)) GTEST_SKIP() << "no vp at " << HPVP_VP_PATH;
  if (!std::filesystem::exists(elf)) GTEST_SKIP() << "no firmware at " << elf;
  if (!std::filesystem::exists(config)) GTEST_SKIP() << "no config " << config;

  VpOutput o = run_vp(config, elf);
  struct PrintOnFailure {  // the whole VP output, once, if anything failed
    const std::string& text;
    ~PrintOnFailure() {
      if (::testing::Test::HasFailure())
        std::printf("---- vp output ----\n%s-------------------\n", text.c_str());
    }
  } print_on_failure{o.text};
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.errors, 0);
  ASSERT_EQ(o.npu_precisions, expected_npus);

  // Whole network on each NPU.
  std::vector<uint8_t> units;
  for (size_t u = 0; u < o.npu_precisions.size(); ++u) {
    const unsigned p = precision_of(o.npu_precisions[u]);
    units.push_back(uint8_t(p));
    auto h = run_host(uniform_plan(p), true);
    ASSERT_EQ(h->err, 0);
    // slot numbers are printed by the firmware; find this NPU's line
    std::string key;
    for (const auto& [k, v] : o.checksums)
      if (k.rfind(o.npu_precisions[u] + " npu", 0) == 0 && key.empty()) key = k;
    ASSERT_FALSE(key.empty()) << "no checksum line for " << o.npu_precisions[u];
    for (const auto& [k, v] : o.checksums) {
      if (k.rfind(o.npu_precisions[u] + " npu", 0) != 0) continue;
      // The inputs (CPU conversions) first: if they differ, the firmware's
      // C code computed differently from the host's, not the NPU.
      EXPECT_EQ(o.inputs.count(k) ? o.inputs.at(k) : "", hex8(h->run.input_sum)) << k;
      EXPECT_EQ(v, hex8(h->run.checksum))
          << k << "\n  vp layers:   " << o.layers[k] << "\n  host layers: " << layer_sums(h->run);
    }
  }
  size_t per_npu = 0;
  for (const auto& [k, v] : o.checksums) per_npu += k != "mixed";
  EXPECT_EQ(per_npu, o.npu_precisions.size());

  // Mixed pass.
  auto h = run_host(mixed_plan(units), false);
  ASSERT_EQ(h->err, 0);
  ASSERT_TRUE(o.checksums.count("mixed"));
  EXPECT_EQ(o.inputs.count("mixed") ? o.inputs.at("mixed") : "", hex8(h->run.input_sum));
  EXPECT_EQ(o.checksums.at("mixed"), hex8(h->run.checksum))
      << "plan " << o.plan << "\n  vp layers:   " << o.layers["mixed"]
      << "\n  host layers: " << layer_sums(h->run);
}

TEST(NpuNetVp, BigLittle) { check_config("biglittle", {"int8", "int8", "int4", "int4"}); }

TEST(NpuNetVp, Hmpsoc) { check_config("hmpsoc", {"fp32", "fp16", "int8"}); }

}  // namespace
