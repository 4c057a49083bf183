// The verilated NPU MAC array (rtl/) against a plain C++ GEMM and against the
// SCALE-Sim-style timing model (models/npu/systolic_timing.h): bit-exact
// results, cycle-exact fold counts, partial folds, edge values, accumulator
// wrap-around, the fault-injection hook, reset and the low-level handshake.
#include <gtest/gtest.h>

#if defined(HPVP_HAVE_RTL) && __has_include("rtl_array.h")

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <verilated_vcd_c.h>

#include "npu/systolic_timing.h"
#include "rtl_array.h"

namespace {

using hpvp::rtl::Dataflow;
using hpvp::rtl::Fault;
using hpvp::rtl::RtlArray;
using hpvp::rtl::Variant;

std::vector<int8_t> random_values(size_t n, int bits, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(-(1 << (bits - 1)), (1 << (bits - 1)) - 1);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

// acc[i][j] = sum_t a[i][t] * b[t][j] (a: r x t, b: t x c), int32 wrap.
std::vector<int32_t> matmul(const std::vector<int8_t>& a, const std::vector<int8_t>& b, int r, int t, int c) {
  std::vector<int32_t> out(size_t(r) * c);
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < c; ++j) {
      uint32_t acc = 0;
      for (int k = 0; k < t; ++k) acc += uint32_t(int32_t(a[size_t(i) * t + k]) * int32_t(b[size_t(k) * c + j]));
      out[size_t(i) * c + j] = int32_t(acc);
    }
  return out;
}

hpvp::npu::Dataflow npu_df(Dataflow d) {
  switch (d) {
    case Dataflow::kOutputStationary: return hpvp::npu::Dataflow::kOutputStationary;
    case Dataflow::kWeightStationary: return hpvp::npu::Dataflow::kWeightStationary;
    case Dataflow::kInputStationary: return hpvp::npu::Dataflow::kInputStationary;
  }
  return hpvp::npu::Dataflow::kOutputStationary;
}

std::string vname(const Variant& v) { return v.name(); }

TEST(RtlArray, SupportedVariantsAndFactoryErrors) {
  const auto vs = hpvp::rtl::supported_variants();
  ASSERT_EQ(vs.size(), 6u);
  for (int size : {8, 16})
    for (int w : {8, 4, 2}) EXPECT_TRUE(hpvp::rtl::is_supported(Variant{size, size, w})) << size << " " << w;
  EXPECT_EQ((Variant{16, 16, 2}.act_bits()), 8);
  EXPECT_EQ((Variant{16, 16, 4}.act_bits()), 4);
  try {
    RtlArray bad(Variant{12, 12, 8});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("12x12"), std::string::npos) << msg;
    EXPECT_NE(msg.find("16x16 a8w8"), std::string::npos) << msg;
  }
  EXPECT_THROW(RtlArray(Variant{8, 8, 3}), std::invalid_argument);
}

TEST(RtlArray, OsFoldsAllVariantsMatchReferenceAndFormula) {
  std::mt19937 rng(1);
  for (const Variant& v : hpvp::rtl::supported_variants()) {
    RtlArray arr(v);
    const int R = v.rows, C = v.cols;
    uint64_t total = 0;
    for (int t : {1, 2, 7, R, 3 * R + 5}) {
      auto a = random_values(size_t(R) * t, v.act_bits(), rng);
      auto b = random_values(size_t(t) * C, v.weight_bits(), rng);
      auto res = arr.run_fold_os(a.data(), b.data(), t);
      EXPECT_EQ(res.acc, matmul(a, b, R, t, C)) << vname(v) << " t=" << t;
      EXPECT_EQ(res.cycles, uint64_t(t + R + C - 2)) << vname(v) << " t=" << t;
      EXPECT_EQ(res.rtl_cycles, res.cycles) << vname(v);
      EXPECT_EQ(res.cycles, hpvp::rtl::fold_cycles(Dataflow::kOutputStationary, R, C, t));
      total += res.cycles;
    }
    EXPECT_EQ(arr.total_cycles(), total) << vname(v);
  }
}

TEST(RtlArray, OsPartialFoldsTakeFullArrayCycles) {
  std::mt19937 rng(2);
  for (const Variant& v : hpvp::rtl::supported_variants()) {
    RtlArray arr(v);
    const int R = v.rows, C = v.cols;
    const int shapes[][2] = {{1, 1}, {1, C}, {R, 1}, {R / 2 + 1, C - 3}, {R - 1, C - 1}};
    for (const auto& s : shapes) {
      const int ru = s[0], cu = s[1], t = 9;
      auto a = random_values(size_t(ru) * t, v.act_bits(), rng);
      auto b = random_values(size_t(t) * cu, v.weight_bits(), rng);
      auto res = arr.run_fold_os(a.data(), b.data(), t, ru, cu);
      EXPECT_EQ(res.acc, matmul(a, b, ru, t, cu)) << vname(v) << " " << ru << "x" << cu;
      EXPECT_EQ(res.cycles, uint64_t(t + R + C - 2)) << vname(v) << " " << ru << "x" << cu;
    }
  }
}

TEST(RtlArray, WsFoldsAllVariantsMatchReferenceAndFormula) {
  std::mt19937 rng(3);
  for (const Variant& v : hpvp::rtl::supported_variants()) {
    RtlArray arr(v);
    const int R = v.rows, C = v.cols;
    struct Case { int t, k, c; };
    for (const Case& cs : {Case{1, R, C}, Case{5, R, C}, Case{2 * R + 3, R, C}, Case{11, R - 3, C / 2 + 1},
                           Case{4, 1, 1}}) {
      auto w = random_values(size_t(cs.k) * cs.c, v.weight_bits(), rng);
      auto x = random_values(size_t(cs.t) * cs.k, v.act_bits(), rng);
      auto res = arr.run_fold_ws(w.data(), x.data(), cs.t, cs.k, cs.c);
      EXPECT_EQ(res.acc, matmul(x, w, cs.t, cs.k, cs.c)) << vname(v) << " t=" << cs.t;
      EXPECT_EQ(res.cycles, uint64_t(2 * R + C + cs.t - 2)) << vname(v) << " t=" << cs.t;
      EXPECT_EQ(res.rtl_cycles, res.cycles);
    }
  }
}

TEST(RtlArray, IsFoldsOnSymmetricVariants) {
  std::mt19937 rng(4);
  for (const Variant& v : hpvp::rtl::supported_variants()) {
    RtlArray arr(v);
    const int R = v.rows, C = v.cols, t = 13;
    auto xs = random_values(size_t(R) * C, v.act_bits(), rng);
    auto f = random_values(size_t(t) * R, v.weight_bits(), rng);
    if (v.act_bits() != v.weight_bits()) {
      EXPECT_THROW(arr.run_fold_is(xs.data(), f.data(), t), std::invalid_argument) << vname(v);
      continue;
    }
    auto res = arr.run_fold_is(xs.data(), f.data(), t);
    EXPECT_EQ(res.acc, matmul(f, xs, t, R, C)) << vname(v);
    EXPECT_EQ(res.cycles, uint64_t(2 * R + C + t - 2)) << vname(v);
  }
}

// Multi-fold GEMMs: result == reference, total cycles == folds * per-fold
// cycles == the timing model's compute_cycles for the same GEMM layer.
TEST(RtlArray, GemmTilingMatchesReferenceAndTimingModel) {
  std::mt19937 rng(5);
  struct Shape { int m, n, k; };
  for (const Variant& v : hpvp::rtl::supported_variants()) {
    RtlArray arr(v);
    for (Shape s : {Shape{v.rows * 2 + 3, v.cols + 1, 19}, Shape{5, 3, v.rows * 2 + 1}, Shape{1, 1, 1}}) {
      auto a = random_values(size_t(s.m) * s.k, v.act_bits(), rng);
      auto w = random_values(size_t(s.n) * s.k, v.weight_bits(), rng);
      const auto ref = hpvp::rtl::reference_gemm(a.data(), w.data(), s.m, s.n, s.k);
      for (Dataflow df : {Dataflow::kOutputStationary, Dataflow::kWeightStationary, Dataflow::kInputStationary}) {
        if (df == Dataflow::kInputStationary && v.act_bits() != v.weight_bits()) continue;
        const auto g = arr.run_gemm(a.data(), w.data(), s.m, s.n, s.k, df);
        const std::string where = vname(v) + " " + hpvp::rtl::to_string(df) + " " + std::to_string(s.m) + "x" +
                                  std::to_string(s.n) + "x" + std::to_string(s.k);
        EXPECT_EQ(g.c, ref) << where;
        const auto fm = hpvp::npu::map_gemm(s.m, s.n, s.k, npu_df(df), v.rows, v.cols);
        EXPECT_EQ(g.folds, fm.folds()) << where;
        EXPECT_EQ(g.cycles, g.folds * fm.fold_cycles) << where;
        EXPECT_EQ(g.cycles, g.folds * hpvp::rtl::fold_cycles(df, v.rows, v.cols, fm.t)) << where;

        hpvp::npu::Layer l;
        l.op = hpvp::npu::Op::kGemm;
        l.in_h = s.m, l.in_c = s.k, l.out_c = s.n;
        hpvp::npu::ArrayConfig cfg;
        cfg.dataflow = npu_df(df);
        cfg.rows = v.rows, cfg.cols = v.cols;
        const auto cc = hpvp::npu::compute_cycles(l, cfg);
        EXPECT_EQ(g.cycles, cc.cycles) << where;
        EXPECT_EQ(g.folds, cc.folds) << where;
      }
    }
  }
}

// A conv layer through its im2col GEMM view (Layer::gemm): the RTL's total
// cycles equal compute_cycles for the layer.
TEST(RtlArray, ConvLayerCyclesMatchTimingModel) {
  std::mt19937 rng(6);
  hpvp::npu::Layer l;
  l.op = hpvp::npu::Op::kConv2d;
  l.in_h = 6, l.in_w = 6, l.in_c = 3;
  l.k_h = 3, l.k_w = 3, l.stride_h = 1, l.stride_w = 1;
  l.out_h = 4, l.out_w = 4, l.out_c = 20;
  const auto gs = l.gemm();
  ASSERT_EQ(gs.groups, 1u);
  for (Dataflow df : {Dataflow::kOutputStationary, Dataflow::kWeightStationary}) {
    RtlArray arr(Variant{8, 8, 8});
    auto a = random_values(gs.m * gs.k, 8, rng);
    auto w = random_values(gs.n * gs.k, 8, rng);
    const auto g = arr.run_gemm(a.data(), w.data(), int(gs.m), int(gs.n), int(gs.k), df);
    EXPECT_EQ(g.c, hpvp::rtl::reference_gemm(a.data(), w.data(), int(gs.m), int(gs.n), int(gs.k)));
    hpvp::npu::ArrayConfig cfg;
    cfg.dataflow = npu_df(df);
    cfg.rows = 8, cfg.cols = 8;
    EXPECT_EQ(g.cycles, hpvp::npu::compute_cycles(l, cfg).cycles) << hpvp::rtl::to_string(df);
  }
}

TEST(RtlArray, EdgeValues) {
  // int8: -128 * -128 summed over a long T, and -128 * 127.
  {
    RtlArray arr(Variant{16, 16, 8});
    const int t = 1000;
    std::vector<int8_t> a(16 * t, -128), b(t * 16, -128);
    auto r = arr.run_fold_os(a.data(), b.data(), t);
    for (int32_t x : r.acc) EXPECT_EQ(x, 16384 * t);
    std::fill(b.begin(), b.end(), 127);
    r = arr.run_fold_os(a.data(), b.data(), t);
    for (int32_t x : r.acc) EXPECT_EQ(x, -128 * 127 * t);
    auto ws = arr.run_fold_ws(b.data(), a.data(), t);  // w = 16x16 of 127, x = t x 16 of -128
    for (int32_t x : ws.acc) EXPECT_EQ(x, -128 * 127 * 16);
  }
  // int4: -8..7 extremes, mixed within one fold.
  {
    RtlArray arr(Variant{8, 8, 4});
    const int t = 4;
    std::vector<int8_t> a(8 * t), b(t * 8);
    for (size_t i = 0; i < a.size(); ++i) a[i] = (i % 2) ? -8 : 7;
    for (size_t i = 0; i < b.size(); ++i) b[i] = (i % 3) ? -8 : 7;
    auto r = arr.run_fold_os(a.data(), b.data(), t);
    EXPECT_EQ(r.acc, matmul(a, b, 8, t, 8));
    std::vector<int8_t> bad = a;
    bad[5] = 8;
    EXPECT_THROW(arr.run_fold_os(bad.data(), b.data(), t), std::out_of_range);
    bad[5] = -9;
    EXPECT_THROW(arr.run_fold_os(bad.data(), b.data(), t), std::out_of_range);
  }
  // int2 weights (ternary plus -2) with int8 activations.
  {
    RtlArray arr(Variant{8, 8, 2});
    const int t = 6;
    std::vector<int8_t> a(8 * t), b(t * 8);
    const int8_t wv[] = {-2, -1, 0, 1};
    const int8_t av[] = {-128, 127, -1, 0, 1};
    for (size_t i = 0; i < a.size(); ++i) a[i] = av[i % 5];
    for (size_t i = 0; i < b.size(); ++i) b[i] = wv[i % 4];
    auto r = arr.run_fold_os(a.data(), b.data(), t);
    EXPECT_EQ(r.acc, matmul(a, b, 8, t, 8));
    std::vector<int8_t> all_a(8 * t, -128), all_b(t * 8, -2);
    r = arr.run_fold_os(all_a.data(), all_b.data(), t);
    for (int32_t x : r.acc) EXPECT_EQ(x, 256 * t);
    std::vector<int8_t> bad = b;
    bad[3] = 2;
    EXPECT_THROW(arr.run_fold_os(a.data(), bad.data(), t), std::out_of_range);
  }
}

// Accumulators wrap modulo 2^32 (two's complement), they do not saturate.
TEST(RtlArray, AccumulatorWrapsAt32Bits) {
  RtlArray arr(Variant{8, 8, 8});
  const int t = 131073;  // 131073 * 16384 = 2^31 + 16384
  std::vector<int8_t> a(size_t(8) * t, -128), b(size_t(t) * 8, -128);
  auto r = arr.run_fold_os(a.data(), b.data(), t);
  const int32_t expect = int32_t(uint32_t(131073u * 16384u));
  EXPECT_LT(expect, 0);
  for (int32_t x : r.acc) EXPECT_EQ(x, expect);
  EXPECT_EQ(r.cycles, uint64_t(t + 14));
}

TEST(RtlArray, FaultHookFlipsExactlyTheChosenBitsOfTheChosenPe) {
  std::mt19937 rng(7);
  RtlArray arr(Variant{8, 8, 8});
  const int R = 8, C = 8, t = 10;
  auto a = random_values(size_t(R) * t, 8, rng);
  auto b = random_values(size_t(t) * C, 8, rng);
  const auto ref = matmul(a, b, R, t, C);

  // Inactive by default, and a set mask without enable does nothing.
  EXPECT_EQ(arr.run_fold_os(a.data(), b.data(), t).acc, ref);
  arr.set_fault(Fault{false, 3, 5, uint32_t(t - 1 + 3 + 5), 0xFFFFFFFFu});
  EXPECT_EQ(arr.run_fold_os(a.data(), b.data(), t).acc, ref);

  // At the last MAC of PE(i,j) (cycle T-1+i+j) the final value is ref ^ mask.
  for (auto [i, j, mask] : {std::tuple{3, 5, 0x80000001u}, std::tuple{0, 0, 0x00010000u},
                            std::tuple{7, 7, 0x7FFFFFFFu}, std::tuple{6, 1, 0x00000100u}}) {
    arr.set_fault(Fault{true, i, j, uint32_t(t - 1 + i + j), mask});
    auto r = arr.run_fold_os(a.data(), b.data(), t);
    for (int p = 0; p < R * C; ++p) {
      const int32_t expect = (p == i * C + j) ? int32_t(uint32_t(ref[p]) ^ mask) : ref[p];
      EXPECT_EQ(r.acc[p], expect) << "PE(" << i << "," << j << ") p=" << p;
    }
    EXPECT_EQ(r.cycles, uint64_t(t + R + C - 2));
  }

  // Mid-fold (beat t0): the flipped partial sum keeps accumulating.
  {
    const int i = 2, j = 4, t0 = 3;
    const uint32_t mask = 0x00F0000Fu;
    arr.set_fault(Fault{true, i, j, uint32_t(t0 + i + j), mask});
    auto r = arr.run_fold_os(a.data(), b.data(), t);
    uint32_t acc = 0;
    for (int k = 0; k < t; ++k) {
      acc += uint32_t(int32_t(a[size_t(i) * t + k]) * int32_t(b[size_t(k) * C + j]));
      if (k == t0) acc ^= mask;
    }
    EXPECT_EQ(r.acc[size_t(i) * C + j], int32_t(acc));
  }

  // Before the PE's first MAC the flip is cleared by the first beat.
  arr.set_fault(Fault{true, 5, 5, 2u, 0xFFFFu});
  EXPECT_EQ(arr.run_fold_os(a.data(), b.data(), t).acc, ref);

  // After the fold, clear_fault restores the exact result.
  arr.clear_fault();
  EXPECT_EQ(arr.run_fold_os(a.data(), b.data(), t).acc, ref);
  EXPECT_THROW(arr.set_fault(Fault{true, 8, 0, 0, 1}), std::out_of_range);
}

TEST(RtlArray, FaultHookInWeightStationaryPartialSums) {
  std::mt19937 rng(8);
  RtlArray arr(Variant{16, 16, 4});
  const int R = 16, C = 16, t = 7;
  auto w = random_values(size_t(R) * C, 4, rng);
  auto x = random_values(size_t(t) * R, 4, rng);
  const auto ref = matmul(x, w, t, R, C);
  // PE(k,j) adds its term of output row m at fold cycle R+m+k+j.
  const int k = 9, j = 3, m = 4;
  const uint32_t mask = 0x40000400u;
  arr.set_fault(Fault{true, k, j, uint32_t(R + m + k + j), mask});
  auto r = arr.run_fold_ws(w.data(), x.data(), t);
  for (int mm = 0; mm < t; ++mm)
    for (int jj = 0; jj < C; ++jj) {
      if (mm == m && jj == j) {
        uint32_t acc = 0;
        for (int kk = 0; kk < R; ++kk) {
          acc += uint32_t(int32_t(x[size_t(mm) * R + kk]) * int32_t(w[size_t(kk) * C + jj]));
          if (kk == k) acc ^= mask;
        }
        EXPECT_EQ(r.acc[size_t(mm) * C + jj], int32_t(acc));
      } else {
        EXPECT_EQ(r.acc[size_t(mm) * C + jj], ref[size_t(mm) * C + jj]) << mm << "," << jj;
      }
    }
}

TEST(RtlArray, ResetClearsStateAndAbortsAFold) {
  std::mt19937 rng(9);
  RtlArray arr(Variant{8, 8, 8});
  const int t = 12;
  auto a = random_values(size_t(8) * t, 8, rng);
  auto b = random_values(size_t(t) * 8, 8, rng);
  auto r = arr.run_fold_os(a.data(), b.data(), t);
  EXPECT_TRUE(arr.done());
  EXPECT_FALSE(arr.busy());
  EXPECT_EQ(arr.rtl_cycles(), uint32_t(t + 14));

  arr.reset();
  std::vector<int32_t> acc(64, 1);
  arr.read_acc(acc.data());
  for (int32_t x : acc) EXPECT_EQ(x, 0);
  EXPECT_FALSE(arr.done());
  EXPECT_FALSE(arr.busy());
  EXPECT_EQ(arr.rtl_cycles(), 0u);

  // Abort mid-fold: start a fold by hand, reset after a few beats.
  std::vector<int8_t> col(8), row(8);
  for (int beat = 0; beat < 5; ++beat) {
    for (int i = 0; i < 8; ++i) col[i] = a[size_t(i) * t + beat], row[i] = b[size_t(beat) * 8 + i];
    RtlArray::Pins p;
    p.start = beat == 0, p.in_valid = true, p.k_len = uint32_t(t), p.a = col.data(), p.b = row.data();
    EXPECT_TRUE(arr.step(p));
  }
  EXPECT_TRUE(arr.busy());
  EXPECT_THROW(arr.run_fold_os(a.data(), b.data(), t), std::logic_error);  // busy
  arr.reset();
  EXPECT_FALSE(arr.busy());
  // Idle cycles after the reset: nothing in flight completes.
  for (int i = 0; i < 40; ++i) arr.step(RtlArray::Pins{});
  EXPECT_FALSE(arr.done());
  auto r2 = arr.run_fold_os(a.data(), b.data(), t);
  EXPECT_EQ(r2.acc, r.acc);
  EXPECT_EQ(r2.cycles, uint64_t(t + 14));
}

// The pin-level handshake: start together with the first beat, bubbles
// (in_valid low) add one cycle each, extra beats and a start while busy are
// ignored, start with k_len = 0 is ignored.
TEST(RtlArray, LowLevelHandshakeWithBubbles) {
  std::mt19937 rng(10);
  RtlArray arr(Variant{8, 8, 8});
  const int t = 6, R = 8, C = 8;
  auto a = random_values(size_t(R) * t, 8, rng);
  auto b = random_values(size_t(t) * C, 8, rng);
  const auto ref = matmul(a, b, R, t, C);

  RtlArray::Pins zero_len;
  zero_len.start = true;
  zero_len.k_len = 0;
  arr.step(zero_len);
  EXPECT_FALSE(arr.busy());

  std::vector<int8_t> col(R), row(C);
  int beat = 0, bubbles = 0;
  uint64_t cycles = 0;
  const uint64_t before = arr.total_cycles();
  while (true) {
    RtlArray::Pins p;
    p.start = cycles == 0 || cycles == 3;  // the second start is ignored (busy)
    p.k_len = cycles == 0 ? uint32_t(t) : 99u;
    const bool bubble = (cycles == 2 || cycles == 4);
    if (beat < t && !bubble) {
      for (int i = 0; i < R; ++i) col[i] = a[size_t(i) * t + beat];
      for (int j = 0; j < C; ++j) row[j] = b[size_t(beat) * C + j];
      p.in_valid = true, p.a = col.data(), p.b = row.data();
    } else if (beat >= t) {
      p.in_valid = true;  // extra beats: not accepted
    }
    if (bubble && beat < t) ++bubbles;
    const bool taken = arr.step(p);
    EXPECT_EQ(taken, p.in_valid && beat < t) << "cycle " << cycles;
    if (taken) ++beat;
    ++cycles;
    if (arr.done()) break;
    ASSERT_LT(cycles, 100u);
  }
  EXPECT_EQ(bubbles, 2);
  EXPECT_EQ(cycles, uint64_t(t + R + C - 2 + bubbles));
  EXPECT_EQ(arr.rtl_cycles(), cycles);
  EXPECT_EQ(arr.total_cycles() - before, cycles);
  std::vector<int32_t> acc(size_t(R) * C);
  arr.read_acc(acc.data());
  EXPECT_EQ(acc, ref);
}

TEST(RtlArray, VcdTraceOnSystemCTimeAxis) {
  const std::string path = ::testing::TempDir() + "rtl_array_trace.vcd";
  {
    RtlArray arr(Variant{8, 8, 4});
    std::mt19937 rng(11);
    auto a = random_values(8 * 4, 4, rng);
    auto b = random_values(4 * 8, 4, rng);
    arr.run_fold_os(a.data(), b.data(), 4);  // before tracing: not dumped
    arr.open_trace(path);
    arr.set_trace_clock(2000, 1'000'000);  // 500 MHz, next edge at 1 us
    auto r = arr.run_fold_os(a.data(), b.data(), 4);
    EXPECT_EQ(r.acc, matmul(a, b, 8, 4, 8));
    arr.close_trace();
  }
  std::ifstream f(path);
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string vcd = ss.str();
  EXPECT_NE(vcd.find("$timescale"), std::string::npos);
  EXPECT_NE(vcd.find("1ps"), std::string::npos);
  EXPECT_NE(vcd.find("acc_out"), std::string::npos);
  EXPECT_NE(vcd.find("u_pe"), std::string::npos);
  EXPECT_NE(vcd.find("#999000\n"), std::string::npos);   // first negedge
  EXPECT_NE(vcd.find("#1000000\n"), std::string::npos);  // first posedge
  // 4 + 8 + 8 - 2 = 18 edges: the last at 1 us + 17 * 2 ns.
  EXPECT_NE(vcd.find("#1034000\n"), std::string::npos);
  EXPECT_EQ(vcd.find("#1036000\n"), std::string::npos);
  std::remove(path.c_str());
}

// A caller-owned VCD (e.g. shared with other verilated models): hpvp_rtl
// re-exports Verilator's headers and VM_TRACE flags to its users.
TEST(RtlArray, AttachTraceToCallerOwnedVcd) {
  const std::string path = ::testing::TempDir() + "rtl_array_attach.vcd";
  {
    RtlArray arr(Variant{8, 8, 2});
    VerilatedVcdC tfp;
    arr.attach_trace(&tfp);
    tfp.set_time_unit("1ps");
    tfp.set_time_resolution("1ps");
    tfp.open(path.c_str());
    ASSERT_TRUE(tfp.isOpen());
    arr.set_trace_clock(1000, 5000);
    std::vector<int8_t> a(8 * 3, -128), b(3 * 8, -2);
    auto r = arr.run_fold_os(a.data(), b.data(), 3);
    for (int32_t x : r.acc) EXPECT_EQ(x, 3 * 256);
    arr.close_trace();
    tfp.close();  // before arr is destroyed
  }
  std::ifstream f(path);
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string vcd = ss.str();
  EXPECT_NE(vcd.find("acc_out"), std::string::npos);
  EXPECT_NE(vcd.find("#5000\n"), std::string::npos);
  EXPECT_NE(vcd.find("#21000\n"), std::string::npos);  // 3+8+8-2 = 17 edges: 5 ns + 16 ns
  std::remove(path.c_str());
}

}  // namespace

#else

TEST(RtlArray, NotBuilt) { GTEST_SKIP() << "hpvp_rtl not built (Verilator not found)"; }

#endif
