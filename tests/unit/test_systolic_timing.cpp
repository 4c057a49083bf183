// Systolic-array cycle counting (SCALE-Sim v2 compatible), analog crossbar
// and vector-unit cycles. Every expected number is worked out by hand in the
// comments; see docs/npu-timing.md for the formulas.
#include <gtest/gtest.h>

#include <random>

#include "npu/npu_layer.h"
#include "npu/systolic_timing.h"

using namespace hpvp::npu;

namespace {

ArrayConfig array(Dataflow df, int rows, int cols, bool overlap = false) {
  ArrayConfig a;
  a.dataflow = df;
  a.rows = rows;
  a.cols = cols;
  a.fold_overlap = overlap;
  return a;
}

// out[m][n] = sum_k in[m][k] * w[n][k]
Layer gemm(int m, int n, int k) {
  Layer l;
  l.op = Op::kGemm;
  l.in_h = l.out_h = m;
  l.in_w = l.out_w = 1;
  l.in_c = k;
  l.out_c = n;
  return l;
}

Layer conv(int in_h, int in_w, int in_c, int out_c, int k, int stride, int pad, int groups = 1) {
  Layer l;
  l.op = Op::kConv2d;
  l.in_h = in_h, l.in_w = in_w, l.in_c = in_c, l.out_c = out_c;
  l.k_h = l.k_w = k;
  l.stride_h = l.stride_w = stride;
  l.pad_top = l.pad_left = l.pad_bottom = l.pad_right = pad;
  l.groups = groups;
  l.out_h = window_out(in_h, pad, pad, k, stride);
  l.out_w = window_out(in_w, pad, pad, k, stride);
  return l;
}

}  // namespace

// GEMM M=8 (ofmap pixels), N=4 (filters), K=3 (window) on a 4x4 array.
TEST(SystolicTiming, OutputStationaryByHand) {
  // OS: Sr=M=8, Sc=N=4, T=K=3. Row folds ceil(8/4)=2, col folds ceil(4/4)=1.
  // Per fold T+R+C-2 = 3+4+4-2 = 9 -> 2 folds = 18 cycles.
  const ComputeCycles c = compute_cycles(gemm(8, 4, 3), array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(c.folds, 2u);
  EXPECT_EQ(c.cycles, 18u);
  EXPECT_EQ(c.macs, 96u);  // 8*4*3
  EXPECT_DOUBLE_EQ(c.utilization, 96.0 / (18 * 16));
}

TEST(SystolicTiming, WeightStationaryByHand) {
  // WS: Sr=K=3, Sc=N=4, T=M=8. One fold of 2R+C+T-2 = 8+4+8-2 = 18 cycles.
  const ComputeCycles c = compute_cycles(gemm(8, 4, 3), array(Dataflow::kWeightStationary, 4, 4));
  EXPECT_EQ(c.folds, 1u);
  EXPECT_EQ(c.cycles, 18u);
  EXPECT_DOUBLE_EQ(c.utilization, 96.0 / (18 * 16));
}

TEST(SystolicTiming, InputStationaryByHand) {
  // IS: Sr=K=3, Sc=M=8, T=N=4. Row folds 1, col folds 2; per fold
  // 2R+C+T-2 = 8+4+4-2 = 14 -> 28 cycles.
  const ComputeCycles c = compute_cycles(gemm(8, 4, 3), array(Dataflow::kInputStationary, 4, 4));
  EXPECT_EQ(c.folds, 2u);
  EXPECT_EQ(c.cycles, 28u);
  EXPECT_DOUBLE_EQ(c.utilization, 96.0 / (28 * 16));
}

// SCALE-Sim's own validation topology (ARM-software/SCALE-Sim
// topologies/unit_tests/validation_csvs/test_valid_4.csv): ifmap 1x4,
// filter 1x1, 4 channels, 4 filters, 4x4 OS array. M=4, N=4, K=4, one fold of
// T+R+C-2 = 10 demand lines; SCALE-Sim v2 prints "Compute cycles: 9" (the
// index of the last line, scalesim-project/SCALE-Sim issue #125).
TEST(SystolicTiming, ScaleSimValidationLayer) {
  const Layer l = conv(1, 4, 4, 4, 1, 1, 0);
  const ComputeCycles c = compute_cycles(l, array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(c.cycles, 10u);
  EXPECT_EQ(scalesim_reported_cycles(c), 9u);
}

TEST(SystolicTiming, PartialFoldsCostAWholeFold) {
  // OS, M=5, N=6, K=2 on 4x4: row folds 2 (4+1 pixels), col folds 2 (4+2
  // filters); each fold T+R+C-2 = 2+6 = 8 whatever its occupancy -> 32.
  const ComputeCycles c = compute_cycles(gemm(5, 6, 2), array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(c.folds, 4u);
  EXPECT_EQ(c.cycles, 32u);
  // One more pixel or filter inside the partial folds costs nothing...
  EXPECT_EQ(compute_cycles(gemm(8, 8, 2), array(Dataflow::kOutputStationary, 4, 4)).cycles, 32u);
  // ...one past a fold boundary costs a whole fold row: M=9 -> 3 row folds.
  EXPECT_EQ(compute_cycles(gemm(9, 8, 2), array(Dataflow::kOutputStationary, 4, 4)).cycles, 48u);
  // Non-square array: 2 rows x 8 cols, M=5 -> 3 row folds, N=6 -> 1 col fold;
  // per fold 2+2+8-2 = 10 -> 30.
  EXPECT_EQ(compute_cycles(gemm(5, 6, 2), array(Dataflow::kOutputStationary, 2, 8)).cycles, 30u);
}

TEST(SystolicTiming, ConvMapsWindowToK) {
  // 3x3 conv, pad 1, 6x6x2 -> 6x6x5 on an 8x8 OS array: M=36, N=5, K=18.
  // Row folds ceil(36/8)=5, col folds 1, fold 18+8+8-2 = 32 -> 160.
  const Layer l = conv(6, 6, 2, 5, 3, 1, 1);
  const ComputeCycles c = compute_cycles(l, array(Dataflow::kOutputStationary, 8, 8));
  EXPECT_EQ(c.folds, 5u);
  EXPECT_EQ(c.cycles, 160u);
  EXPECT_EQ(c.macs, 36u * 5 * 18);
  // WS: Sr=K=18 -> 3 row folds, Sc=5 -> 1, T=36: 3 * (16+8+36-2) = 174.
  EXPECT_EQ(compute_cycles(l, array(Dataflow::kWeightStationary, 8, 8)).cycles, 174u);
  // IS: Sr=18 -> 3, Sc=M=36 -> 5, T=5: 15 * (16+8+5-2) = 405.
  EXPECT_EQ(compute_cycles(l, array(Dataflow::kInputStationary, 8, 8)).cycles, 405u);
}

TEST(SystolicTiming, GroupsRunOneAfterAnother) {
  // Depthwise 3x3, pad 1, 4x4x8, groups 8: per group M=16, N=1, K=9.
  // OS 4x4: 4 row folds x 1 col fold per group, 32 folds of 9+4+4-2 = 15.
  const Layer dw = conv(4, 4, 8, 8, 3, 1, 1, 8);
  const ComputeCycles c = compute_cycles(dw, array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(c.folds, 32u);
  EXPECT_EQ(c.cycles, 480u);
  EXPECT_EQ(c.macs, 16u * 8 * 9);
  EXPECT_DOUBLE_EQ(c.utilization, 1152.0 / (480 * 16));
  // groups 2: per group Cin 4, N 4, K 36: 4 row folds, 1 col fold, fold
  // 36+6 = 42 -> 2 groups * 4 * 42 = 336.
  const ComputeCycles g2 =
      compute_cycles(conv(4, 4, 8, 8, 3, 1, 1, 2), array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(g2.folds, 8u);
  EXPECT_EQ(g2.cycles, 336u);
  // The same dense layer (groups 1): K=72, N=8 -> 4 row folds, 2 col folds,
  // fold 72+6 = 78 -> 8 * 78 = 624.
  EXPECT_EQ(
      compute_cycles(conv(4, 4, 8, 8, 3, 1, 1, 1), array(Dataflow::kOutputStationary, 4, 4)).cycles,
      624u);
}

TEST(SystolicTiming, FoldOverlap) {
  // OS M=8,N=4,K=3 on 4x4: fold 9, 2 folds, interval max(T=3, R=4) = 4:
  // 9 + 4 = 13 (vs 18 without overlap).
  EXPECT_EQ(compute_cycles(gemm(8, 4, 3), array(Dataflow::kOutputStationary, 4, 4, true)).cycles, 13u);
  // WS M=8,N=8,K=3: Sc=8 -> 2 col folds of 2*4+4+8-2 = 18; interval
  // max(T=8, 4) = 8: 18 + 8 = 26 (vs 36).
  EXPECT_EQ(compute_cycles(gemm(8, 8, 3), array(Dataflow::kWeightStationary, 4, 4)).cycles, 36u);
  EXPECT_EQ(compute_cycles(gemm(8, 8, 3), array(Dataflow::kWeightStationary, 4, 4, true)).cycles, 26u);
  // A single fold has nothing to overlap.
  EXPECT_EQ(compute_cycles(gemm(4, 4, 3), array(Dataflow::kInputStationary, 4, 4, true)).cycles,
            compute_cycles(gemm(4, 4, 3), array(Dataflow::kInputStationary, 4, 4)).cycles);
  // Overlap runs across groups too: depthwise above, 32 folds of 15, T=9:
  // 15 + 31 * 9 = 294.
  EXPECT_EQ(compute_cycles(conv(4, 4, 8, 8, 3, 1, 1, 8), array(Dataflow::kOutputStationary, 4, 4, true))
                .cycles,
            294u);
}

// Cross-check of the closed form against the way SCALE-Sim v2 builds its
// per-fold demand matrices (systolic_compute_{os,ws,is}.py): the IFMAP,
// filter and OFMAP matrices of a fold are padded with prefix/suffix null rows
// and skewed (skew adds width-1 rows); all three must have the same length,
// which is the fold's cycle count.
TEST(SystolicTiming, MatchesScaleSimDemandMatrixLengths) {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    const uint64_t R = 1 + rng() % 32, C = 1 + rng() % 32;
    const uint64_t m = 1 + rng() % 300, n = 1 + rng() % 300, k = 1 + rng() % 300;
    for (Dataflow df :
         {Dataflow::kOutputStationary, Dataflow::kWeightStationary, Dataflow::kInputStationary}) {
      const FoldMapping fm = map_gemm(m, n, k, df, int(R), int(C));
      uint64_t ifmap = 0, filter = 0, ofmap = 0, T = fm.t;
      switch (df) {
        case Dataflow::kOutputStationary:
          ifmap = (T + C - 1) + R - 1;   // T operand rows + C-1 drain rows, skewed over R
          filter = (T + R - 1) + C - 1;  // T rows + R-1 drain rows, skewed over C
          ofmap = (T - 1 + R) + C - 1;   // T-1 prefix + R output rows, skewed over C
          break;
        case Dataflow::kWeightStationary:
          ifmap = (R + T + C - 1) + R - 1;  // R weight-load prefix, T rows, C-1 suffix, skew R
          filter = R + (R + C + T - 2);     // R weight rows + suffix, no skew
          ofmap = (2 * R - 1 + T) + C - 1;  // 2R-1 prefix + T rows, skewed over C
          break;
        case Dataflow::kInputStationary:
          ifmap = R + (R + C + T - 2);       // R stationary rows + suffix, no skew
          filter = (R + T + C - 1) + R - 1;  // R prefix, T rows, C-1 suffix, skew R
          ofmap = (2 * R - 1 + T) + C - 1;
          break;
      }
      ASSERT_EQ(ifmap, filter);
      ASSERT_EQ(ifmap, ofmap);
      ASSERT_EQ(fm.fold_cycles, ifmap)
          << "df " << to_string(df) << " R " << R << " C " << C << " T " << T;
      const uint64_t rf = (fm.sr + R - 1) / R, cf = (fm.sc + C - 1) / C;
      ASSERT_EQ(fm.folds(), rf * cf);
    }
  }
}

// Analog crossbar, DIANA dimensions (1152 x 512), ODiMO cost model.
TEST(SystolicTiming, AnalogImcFormula) {
  ArrayConfig a;
  a.model = ComputeModel::kAnalogImc;
  a.rows = 1152;
  a.cols = 512;
  // 3x3, 128 -> 256 channels, 16x16 output: ceil(1152/1152)=1 * ceil(256/512)=1
  // * 256 pixels + 2*4*128*1 = 256 + 1024 = 1280.
  const Layer l1 = conv(16, 16, 128, 256, 3, 1, 1);
  EXPECT_EQ(compute_cycles(l1, a).cycles, 1280u);
  // 3x3, 256 -> 640 channels, 8x8 output: ceil(2304/1152)=2 * ceil(640/512)=2
  // * 64 + 2*4*256*2 = 256 + 4096 = 4352.
  const Layer l2 = conv(8, 8, 256, 640, 3, 1, 1);
  const ComputeCycles c2 = compute_cycles(l2, a);
  EXPECT_EQ(c2.cycles, 4352u);
  EXPECT_EQ(c2.folds, 4u);
  EXPECT_EQ(c2.macs, 64ull * 640 * 2304);
  EXPECT_DOUBLE_EQ(c2.utilization, double(c2.macs) / (4352.0 * 1152 * 512));
  // Dataflow and fold_overlap do not apply to the crossbar.
  a.dataflow = Dataflow::kInputStationary;
  a.fold_overlap = true;
  EXPECT_EQ(compute_cycles(l2, a).cycles, 4352u);
}

TEST(SystolicTiming, VectorOps) {
  ArrayConfig a;
  a.vector_lanes = 16;
  Layer relu;
  relu.op = Op::kRelu;
  relu.in_h = relu.out_h = 4, relu.in_w = relu.out_w = 4, relu.in_c = relu.out_c = 8;
  EXPECT_EQ(compute_cycles(relu, a).cycles, 8u);  // 128 / 16
  EXPECT_EQ(compute_cycles(relu, a).macs, 0u);
  EXPECT_DOUBLE_EQ(compute_cycles(relu, a).utilization, 1.0);

  Layer add = relu;
  add.op = Op::kAdd;
  EXPECT_EQ(compute_cycles(add, a).cycles, 16u);  // 2 reads per element

  // Max pool 3x3 stride 2 pad 1 on 8x8x16 -> 4x4x16: 256 outputs * 9 window
  // reads = 2304 / 16 = 144 (padding positions count, docs).
  Layer pool;
  pool.op = Op::kMaxPool;
  pool.in_h = pool.in_w = 8, pool.in_c = pool.out_c = 16;
  pool.k_h = pool.k_w = 3, pool.stride_h = pool.stride_w = 2;
  pool.pad_top = pool.pad_left = pool.pad_bottom = pool.pad_right = 1;
  pool.out_h = pool.out_w = 4;
  EXPECT_EQ(compute_cycles(pool, a).cycles, 144u);

  // GAP 7x7x64: every input read once, 3136 / 16 = 196.
  Layer gap;
  gap.op = Op::kGap;
  gap.in_h = gap.in_w = 7, gap.in_c = gap.out_c = 64;
  gap.out_h = gap.out_w = 1;
  EXPECT_EQ(compute_cycles(gap, a).cycles, 196u);

  // Rounding up: 100 elements on 16 lanes -> 7 cycles, 100/112 utilised.
  relu.in_h = relu.out_h = 10, relu.in_w = relu.out_w = 10, relu.in_c = relu.out_c = 1;
  EXPECT_EQ(compute_cycles(relu, a).cycles, 7u);
  EXPECT_DOUBLE_EQ(compute_cycles(relu, a).utilization, 100.0 / 112);
}
