// Tiling / DMA schedule of a layer: tiles fit the scratchpads, byte counts
// are exact, segments stay inside their tensors, stores write every output
// byte exactly once, and untiled (or fold-aligned) plans add up to the
// SCALE-Sim whole-layer cycle count. Expected numbers worked out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "npu/layer_schedule.h"
#include "npu/npu_layer.h"
#include "npu/systolic_timing.h"

using namespace hpvp::npu;

namespace {

ArrayConfig array(Dataflow df, int rows, int cols) {
  ArrayConfig a;
  a.dataflow = df;
  a.rows = rows;
  a.cols = cols;
  return a;
}

SpadConfig spads(uint64_t in, uint64_t w, uint64_t out, bool db = true) {
  SpadConfig s;
  s.ifmap_bytes = in, s.filter_bytes = w, s.ofmap_bytes = out;
  s.double_buffer = db;
  return s;
}

constexpr uint32_t kIn = 0x10000, kIn2 = 0x200000, kW = 0x400000, kBias = 0x600000, kQuant = 0x700000,
                   kOut = 0x800000;

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
  l.in_addr = kIn, l.in2_addr = kIn2, l.w_addr = kW, l.bias_addr = kBias, l.quant_addr = kQuant;
  l.out_addr = kOut;
  return l;
}

Layer gemm(int m, int n, int k) {
  Layer l = conv(1, 1, 1, 1, 1, 1, 0);
  l.op = Op::kGemm;
  l.in_h = l.out_h = m;
  l.in_w = l.out_w = 1;
  l.in_c = k;
  l.out_c = n;
  return l;
}

struct Totals {
  uint64_t in = 0, in2 = 0, w = 0, bias = 0, quant = 0, out = 0;
};

// Checks every invariant of a plan and returns the bytes moved per tensor.
Totals verify(const Layer& l, const Formats& f, const ArrayConfig& a, const SpadConfig& s,
              const LayerPlan& p, const std::string& what) {
  Totals t;
  const uint64_t in_b = packed_bytes(l.in_elements(), f.act_bits);
  const uint64_t out_b = packed_bytes(l.out_elements(), f.act_bits);
  const uint64_t w_b = l.uses_weights() ? packed_bytes(l.weight_elements(), f.weight_bits) : 0;
  const uint64_t bias_b = l.uses_weights() && l.has_bias() ? 4 * uint64_t(l.out_c) : 0;
  const uint64_t quant_b = l.uses_weights() && l.per_channel() ? 8 * uint64_t(l.out_c) : 0;
  const uint64_t in2_b = l.op == Op::kAdd ? in_b : 0;
  const uint64_t div = s.double_buffer ? 2 : 1;
  std::vector<int> written(out_b, 0);
  uint64_t cycles = 0, macs = 0;
  EXPECT_FALSE(p.tiles.empty()) << what;
  for (const Tile& tile : p.tiles) {
    EXPECT_LE(tile.ifmap_bytes, s.ifmap_bytes / div) << what;
    EXPECT_LE(tile.filter_bytes, s.filter_bytes / div) << what;
    EXPECT_LE(tile.ofmap_bytes, s.ofmap_bytes / div) << what;
    cycles += tile.compute_cycles;
    macs += tile.macs;
    for (const DmaSegment& d : tile.loads) {
      EXPECT_FALSE(d.write) << what;
      EXPECT_GT(d.bytes, 0u) << what;
      const uint64_t end = uint64_t(d.addr) + d.bytes;
      auto inside = [&](uint32_t base, uint64_t size) { return d.addr >= base && end <= base + size; };
      if (inside(l.in_addr, in_b)) {
        t.in += d.bytes;
      } else if (in2_b && inside(l.in2_addr, in2_b)) {
        t.in2 += d.bytes;
      } else if (w_b && inside(l.w_addr, w_b)) {
        t.w += d.bytes;
      } else if (bias_b && inside(l.bias_addr, bias_b)) {
        t.bias += d.bytes;
      } else if (quant_b && inside(l.quant_addr, quant_b)) {
        t.quant += d.bytes;
      } else {
        ADD_FAILURE() << what << ": load [0x" << std::hex << d.addr << ", +" << std::dec << d.bytes
                      << ") outside every input tensor";
      }
    }
    for (const DmaSegment& d : tile.stores) {
      EXPECT_TRUE(d.write) << what;
      const bool in_out = d.addr >= l.out_addr && uint64_t(d.addr) + d.bytes <= l.out_addr + out_b;
      EXPECT_TRUE(in_out) << what << ": store outside the output tensor";
      if (!in_out) continue;
      for (uint32_t i = 0; i < d.bytes; ++i) ++written[d.addr - l.out_addr + i];
      t.out += d.bytes;
    }
  }
  for (uint64_t i = 0; i < out_b; ++i)
    if (written[i] != 1) {
      ADD_FAILURE() << what << ": output byte " << i << " written " << written[i] << " times";
      break;
    }
  EXPECT_EQ(cycles, p.compute_cycles) << what;
  EXPECT_EQ(p.scalesim_cycles, compute_cycles(l, a).cycles) << what;
  if (l.uses_weights()) {
    EXPECT_EQ(macs, l.macs()) << what;
    // Weights and parameters are loaded exactly once.
    EXPECT_EQ(t.w, w_b) << what;
    EXPECT_EQ(t.bias, bias_b) << what;
    EXPECT_EQ(t.quant, quant_b) << what;
  }
  if (l.op == Op::kAdd) {
    EXPECT_EQ(t.in2, t.in) << what;
  }
  // Element-wise ops and GEMM read every input byte at least once.
  if (l.op == Op::kGemm || l.op == Op::kRelu || l.op == Op::kAdd || l.op == Op::kGap) {
    EXPECT_GE(t.in, in_b) << what;
  }
  EXPECT_EQ(p.load_bytes, t.in + t.in2 + t.w + t.bias + t.quant) << what;
  EXPECT_EQ(p.store_bytes, out_b) << what;
  return t;
}

}  // namespace

TEST(LayerSchedule, UntiledLayerIsOneTileWithExactBytes) {
  // 8x8x16 -> 8x8x32, 3x3 pad 1, int8, bias + per-channel quant.
  // input 1024 B, weights 32*9*16 = 4608 B, bias 128 B, quant 256 B, output 2048 B.
  Layer l = conv(8, 8, 16, 32, 3, 1, 1);
  l.flags = NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 8, 8);
  const SpadConfig s = spads(64 * 1024, 64 * 1024, 64 * 1024);
  const LayerPlan p = plan_layer(l, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  ASSERT_EQ(p.tiles.size(), 1u);
  const Tile& t = p.tiles[0];
  // input, weights, bias, quant mult, quant shift; one merged output store.
  ASSERT_EQ(t.loads.size(), 5u);
  EXPECT_EQ(t.loads[0].addr, kIn);
  EXPECT_EQ(t.loads[0].bytes, 1024u);
  EXPECT_EQ(t.loads[1].addr, kW);
  EXPECT_EQ(t.loads[1].bytes, 4608u);
  EXPECT_EQ(t.loads[2].addr, kBias);
  EXPECT_EQ(t.loads[2].bytes, 128u);
  EXPECT_EQ(t.loads[3].addr, kQuant);
  EXPECT_EQ(t.loads[3].bytes, 128u);
  EXPECT_EQ(t.loads[4].addr, kQuant + 128);
  EXPECT_EQ(t.loads[4].bytes, 128u);
  ASSERT_EQ(t.stores.size(), 1u);
  EXPECT_EQ(t.stores[0].addr, kOut);
  EXPECT_EQ(t.stores[0].bytes, 2048u);
  EXPECT_EQ(p.load_bytes, 1024u + 4608 + 128 + 256);
  // M=64, N=32, K=144 on 8x8 OS: 8 x 4 folds of 144+14 = 158 -> 5056.
  EXPECT_EQ(p.compute_cycles, 5056u);
  EXPECT_EQ(p.scalesim_cycles, 5056u);
  EXPECT_TRUE(p.fold_aligned);
  verify(l, f, a, s, p, "untiled");
}

TEST(LayerSchedule, PackedFormatsByteCounts) {
  // int4: activations and weights two per byte; int2: weights four per byte,
  // int8 activations; fp16: 2 bytes per element, fp32 bias.
  Layer l = conv(4, 4, 8, 16, 3, 1, 1);
  l.flags = NPU_FLAG_BIAS;
  const ArrayConfig a = array(Dataflow::kWeightStationary, 4, 4);
  const SpadConfig s = spads(1 << 20, 1 << 20, 1 << 20);
  struct Case {
    Precision p;
    uint64_t in, w, out;
  } cases[] = {
      {Precision::kInt8, 128, 1152, 256},  {Precision::kInt4, 64, 576, 128},
      {Precision::kInt2, 128, 288, 256},   {Precision::kFp16, 256, 2304, 512},
      {Precision::kFp32, 512, 4608, 1024},
  };
  for (const Case& c : cases) {
    const Formats f = formats_of(c.p);
    const LayerPlan p = plan_layer(l, f, a, s);
    ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
    ASSERT_EQ(p.tiles.size(), 1u);
    const Totals t = verify(l, f, a, s, p, to_string(c.p));
    EXPECT_EQ(t.in, c.in) << to_string(c.p);
    EXPECT_EQ(t.w, c.w) << to_string(c.p);
    EXPECT_EQ(t.bias, 64u) << to_string(c.p);
    EXPECT_EQ(t.out, c.out) << to_string(c.p);
  }
}

TEST(LayerSchedule, HaloRowsStride1) {
  // 8x8x8 int8, 3x3 stride 1 pad 1 -> 8x8x8. Input row = 64 B. Usable ifmap
  // = 512/2 = 256 B = 4 rows; a band of b output rows reads b+2 input rows
  // -> b = 2. Bands [0,2) [2,4) [4,6) [6,8) read input rows [0,3) [1,5)
  // [3,7) [5,8).
  const Layer l = conv(8, 8, 8, 8, 3, 1, 1);
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 4, 4);
  const SpadConfig s = spads(512, 4096, 4096);
  const LayerPlan p = plan_layer(l, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  ASSERT_EQ(p.tiles.size(), 4u);
  EXPECT_EQ(p.band_pixels, 16u);  // 2 rows of 8 pixels
  const uint32_t expect_addr[] = {kIn, kIn + 64, kIn + 192, kIn + 320};
  const uint32_t expect_bytes[] = {192, 256, 256, 192};
  for (int i = 0; i < 4; ++i) {
    ASSERT_GE(p.tiles[i].loads.size(), 1u);
    EXPECT_EQ(p.tiles[i].loads[0].addr, expect_addr[i]) << i;
    EXPECT_EQ(p.tiles[i].loads[0].bytes, expect_bytes[i]) << i;
    EXPECT_EQ(p.tiles[i].px0, 16u * i);
    ASSERT_EQ(p.tiles[i].stores.size(), 1u);
    EXPECT_EQ(p.tiles[i].stores[0].addr, kOut + 128u * i);  // 2 rows * 8 px * 8 ch
    EXPECT_EQ(p.tiles[i].stores[0].bytes, 128u);
  }
  // Weights only with the first band (reused by the others).
  EXPECT_EQ(p.tiles[0].loads.size(), 2u);
  EXPECT_EQ(p.tiles[1].loads.size(), 1u);
  // Input re-reads from the halo: 192+256+256+192 = 896 B for a 512 B input.
  const Totals t = verify(l, f, a, s, p, "halo s1");
  EXPECT_EQ(t.in, 896u);
  // OS 4x4, out_w 8: every band is 16 pixels = 4 row folds -> aligned, the
  // tiles add up to the whole layer (M=64,N=8,K=72: 16x2 folds of 78 = 2496).
  EXPECT_TRUE(p.fold_aligned);
  EXPECT_EQ(p.compute_cycles, 2496u);
  EXPECT_EQ(p.compute_cycles, p.scalesim_cycles);
}

TEST(LayerSchedule, HaloRowsStride2) {
  // 8x8x8 int8, 3x3 stride 2 pad 1 -> 4x4x8. Usable ifmap 640/2 = 320 B =
  // 5 rows; b output rows read up to 2b+1 input rows -> b = 2.
  // Output rows [0,2): windows start at -1, 1 -> input rows [0,4);
  // [2,4): windows start at 3, 5 -> input rows [3,8).
  const Layer l = conv(8, 8, 8, 8, 3, 2, 1);
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kWeightStationary, 4, 4);
  const SpadConfig s = spads(640, 4096, 4096);
  const LayerPlan p = plan_layer(l, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  ASSERT_EQ(p.tiles.size(), 2u);
  EXPECT_EQ(p.tiles[0].loads[0].addr, kIn);
  EXPECT_EQ(p.tiles[0].loads[0].bytes, 256u);
  EXPECT_EQ(p.tiles[1].loads[0].addr, kIn + 192);
  EXPECT_EQ(p.tiles[1].loads[0].bytes, 320u);
  verify(l, f, a, s, p, "halo s2");
  // WS maps M to T: two bands pay two weight loads and fills:
  // per band M=8, N=8, K=72: Sr=72 -> 18 row folds, Sc=8 -> 2, fold
  // 2*4+4+8-2 = 18 -> 36 * 18 = 648, twice = 1296; whole layer M=16: fold 26,
  // 36 * 26 = 936.
  EXPECT_EQ(p.compute_cycles, 1296u);
  EXPECT_EQ(p.scalesim_cycles, 936u);
}

TEST(LayerSchedule, ChannelAndRowTilingAddUpToScaleSimForOs) {
  // 16x16x16 -> 16x16x64, 3x3 pad 1, int8 on an 8x8 OS array.
  // Filter of 144 B; usable filter spad 4608/2 = 2304 B = 16 filters (a
  // multiple of cols=8). Input row 256 B, usable 2048/2 = 1024 B = 4 rows ->
  // bands of 2 output rows (32 pixels = 4 row folds, aligned).
  // 4 channel tiles x 8 bands = 32 tiles; every channel tile re-reads the
  // input with halo: per band 3 or 4 rows -> (3+4*6+3) * 256 = 7680 B per
  // channel tile, 30720 B in total for a 4096 B input.
  const Layer l = conv(16, 16, 16, 64, 3, 1, 1);
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 8, 8);
  const SpadConfig s = spads(2048, 4608, 8192);
  const LayerPlan p = plan_layer(l, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  EXPECT_EQ(p.channel_tile, 16);
  EXPECT_EQ(p.band_pixels, 32u);
  EXPECT_EQ(p.tiles.size(), 32u);
  EXPECT_TRUE(p.fold_aligned);
  const Totals t = verify(l, f, a, s, p, "os tiled");
  EXPECT_EQ(t.in, 30720u);
  // Channel slices of 16 of 64 channels: one 16 B store per pixel.
  EXPECT_EQ(p.tiles[0].stores.size(), 32u);
  EXPECT_EQ(p.tiles[0].stores[1].addr, kOut + 64);
  EXPECT_EQ(p.tiles[0].stores[1].bytes, 16u);
  // Channel tiles are the outer loop: tiles 0..7 are the bands of channels [0,16).
  EXPECT_EQ(p.tiles[7].ch0, 0);
  EXPECT_EQ(p.tiles[8].ch0, 16);
  // M=256, N=64, K=144: 32 x 8 folds of 158 = 40448 = sum of tiles.
  EXPECT_EQ(p.scalesim_cycles, 40448u);
  EXPECT_EQ(p.compute_cycles, p.scalesim_cycles);
}

TEST(LayerSchedule, InputLoadedOnceWhenItFits) {
  // The whole input fits: one band, channel tiles reuse the resident input.
  const Layer l = conv(8, 8, 16, 64, 3, 1, 1);
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kInputStationary, 8, 8);
  const SpadConfig s = spads(4096, 2 * 16 * 144, 8192);
  const LayerPlan p = plan_layer(l, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  EXPECT_EQ(p.tiles.size(), 4u);
  const Totals t = verify(l, f, a, s, p, "resident");
  EXPECT_EQ(t.in, 1024u);  // once
  for (size_t i = 1; i < p.tiles.size(); ++i) EXPECT_EQ(p.tiles[i].ifmap_bytes, 1024u);
  // IS maps N to T: 4 channel tiles pay 4 fills. Per tile M=64, N=16, K=144:
  // 18 row folds x 8 col folds, fold 16+8+16-2 = 38 -> 5472; x4 = 21888.
  // Whole layer T=64: fold 86 -> 144 * 86 = 12384.
  EXPECT_EQ(p.compute_cycles, 21888u);
  EXPECT_EQ(p.scalesim_cycles, 12384u);
}

TEST(LayerSchedule, WsUntiledEqualsScaleSim) {
  for (Dataflow df :
       {Dataflow::kOutputStationary, Dataflow::kWeightStationary, Dataflow::kInputStationary}) {
    const Layer l = conv(14, 14, 32, 48, 3, 2, 1);
    const Formats f = formats_of(Precision::kInt8);
    const ArrayConfig a = array(df, 16, 16);
    const SpadConfig s = spads(1 << 20, 1 << 20, 1 << 20);
    const LayerPlan p = plan_layer(l, f, a, s);
    ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
    EXPECT_EQ(p.tiles.size(), 1u);
    EXPECT_EQ(p.compute_cycles, p.scalesim_cycles) << to_string(df);
  }
}

TEST(LayerSchedule, GemmRowsAreBands) {
  // GEMM 64x32 (K) -> 64x24 (N), int8, 4x4 OS. Usable ifmap 512/2 = 256 B =
  // 8 rows of 32 B (a multiple of R=4): 8 bands, weights 768 B once.
  const Layer l = gemm(64, 24, 32);
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 4, 4);
  const SpadConfig s = spads(512, 2048, 1024);
  const LayerPlan p = plan_layer(l, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  EXPECT_EQ(p.band_pixels, 8u);
  EXPECT_EQ(p.tiles.size(), 8u);
  const Totals t = verify(l, f, a, s, p, "gemm");
  EXPECT_EQ(t.in, 64u * 32);
  EXPECT_EQ(t.w, 24u * 32);
  EXPECT_EQ(p.compute_cycles, p.scalesim_cycles);
}

TEST(LayerSchedule, DepthwiseTilesAreWholeGroups) {
  // Depthwise 3x3 on 8x8x64 int8 with a small filter spad: 9 B per group,
  // usable 144/2 = 72 B -> 8 groups per tile; input channel slices are
  // strided (one segment per pixel).
  const Layer l = conv(8, 8, 64, 64, 3, 1, 1, 64);
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 4, 4);
  const SpadConfig s = spads(1 << 16, 144, 1 << 16);
  const LayerPlan p = plan_layer(l, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  EXPECT_EQ(p.channel_tile, 8);
  EXPECT_EQ(p.tiles.size(), 8u);
  EXPECT_EQ(p.tiles[0].loads.size(), 64u + 1);  // 64 pixels x 8 B, weights
  EXPECT_EQ(p.tiles[0].loads[1].addr, kIn + 64);
  EXPECT_EQ(p.tiles[0].loads[1].bytes, 8u);
  const Totals t = verify(l, f, a, s, p, "depthwise");
  EXPECT_EQ(t.in, 4096u);                          // each group's channels read once
  EXPECT_EQ(p.compute_cycles, p.scalesim_cycles);  // groups are separate GEMMs
}

TEST(LayerSchedule, OverflowWhenMinimalTileDoesNotFit) {
  const Layer l = conv(8, 8, 16, 32, 3, 1, 1);
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 4, 4);
  // One filter (144 B) does not fit 256/2 = 128 B.
  LayerPlan p = plan_layer(l, f, a, spads(1 << 16, 256, 1 << 16));
  EXPECT_EQ(p.error, NPU_ERR_SPAD_OVERFLOW);
  EXPECT_NE(p.why.find("filter"), std::string::npos) << p.why;
  EXPECT_TRUE(p.tiles.empty());
  // Input: even one output pixel needs 3 input rows of 128 B = 384 > 200/2.
  p = plan_layer(l, f, a, spads(200, 1 << 16, 1 << 16));
  EXPECT_EQ(p.error, NPU_ERR_SPAD_OVERFLOW);
  // Output: a band may be a single pixel of one channel (1 B), but not 0 B.
  p = plan_layer(l, f, a, spads(1 << 16, 1 << 16, 2));
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  EXPECT_EQ(p.band_pixels, 1u);
  EXPECT_EQ(p.channel_tile, 1);
  EXPECT_FALSE(p.fold_aligned);
  EXPECT_EQ(p.tiles.size(), 64u * 32);
  p = plan_layer(l, f, a, spads(1 << 16, 1 << 16, 1));
  EXPECT_EQ(p.error, NPU_ERR_SPAD_OVERFLOW);
  // Vector op: one pixel of a 8x8x16 relu needs 16 B.
  Layer relu = l;
  relu.op = Op::kRelu;
  relu.out_c = relu.in_c;
  relu.out_h = relu.in_h, relu.out_w = relu.in_w;
  EXPECT_EQ(plan_layer(relu, f, a, spads(30, 0, 1 << 16)).error, NPU_ERR_SPAD_OVERFLOW);
  EXPECT_EQ(plan_layer(relu, f, a, spads(32, 0, 1 << 16)).error, NPU_ERR_NONE);
}

TEST(LayerSchedule, UnalignedFallbackAndStrictMode) {
  // 3x3x64 filters (576 B) on a 16x16 OS array; usable filter spad
  // 8192/2 = 4096 B holds 7 filters, not 16: no fold-aligned channel tile.
  const Layer l = conv(8, 8, 64, 32, 3, 1, 1);
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 16, 16);
  SpadConfig s = spads(1 << 16, 8192, 1 << 16);
  const LayerPlan p = plan_layer(l, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  EXPECT_FALSE(p.fold_aligned);
  EXPECT_EQ(p.channel_tile, 7);
  verify(l, f, a, s, p, "fallback");
  // 32 = 7+7+7+7+4: 5 channel tiles, each M=64 (4 row folds) x 1 col fold of
  // 576+30 = 606 -> 5 * 4 * 606 = 12120 > whole layer 4 * 2 * 606 = 4848.
  EXPECT_EQ(p.compute_cycles, 12120u);
  EXPECT_EQ(p.scalesim_cycles, 4848u);
  s.strict_alignment = true;
  const LayerPlan q = plan_layer(l, f, a, s);
  EXPECT_EQ(q.error, NPU_ERR_SPAD_OVERFLOW);
  EXPECT_NE(q.why.find("strict"), std::string::npos) << q.why;
}

TEST(LayerSchedule, VectorOps) {
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 4, 4);
  // Max pool 3x3 s2 p1 8x8x16 -> 4x4x16, input row 128 B. Usable ifmap
  // 768/2 = 384 B = 3 rows; b output rows read up to 2b+1 rows -> b = 1.
  Layer pool = conv(8, 8, 16, 16, 3, 2, 1);
  pool.op = Op::kMaxPool;
  const SpadConfig s = spads(768, 0, 1024);
  const LayerPlan p = plan_layer(pool, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  EXPECT_EQ(p.tiles.size(), 4u);
  // Tile 0: rows [0,2) 256 B; tile 1: rows [1,4) 384 B.
  EXPECT_EQ(p.tiles[0].loads[0].bytes, 256u);
  EXPECT_EQ(p.tiles[1].loads[0].addr, kIn + 128);
  EXPECT_EQ(p.tiles[1].loads[0].bytes, 384u);
  // Each band: 4 px x 16 ch x 9 reads / 16 lanes = 36 cycles.
  EXPECT_EQ(p.tiles[0].compute_cycles, 36u);
  EXPECT_EQ(p.compute_cycles, 144u);
  verify(pool, f, a, s, p, "maxpool");

  // Add reads both inputs band by band.
  Layer add = conv(4, 4, 8, 8, 1, 1, 0);
  add.op = Op::kAdd;
  const LayerPlan pa = plan_layer(add, f, a, spads(1024, 0, 1024));
  ASSERT_EQ(pa.error, NPU_ERR_NONE) << pa.why;
  const Totals ta = verify(add, f, a, spads(1024, 0, 1024), pa, "add");
  EXPECT_EQ(ta.in, 128u);
  EXPECT_EQ(ta.in2, 128u);
  EXPECT_EQ(pa.compute_cycles, 16u);  // 128 elements x 2 reads / 16

  // GAP: input bands, output stored once by the last tile.
  Layer gap = conv(7, 7, 64, 64, 1, 1, 0);
  gap.op = Op::kGap;
  gap.out_h = gap.out_w = 1;
  const SpadConfig sg = spads(2 * 2 * 448, 0, 256);  // 2 rows of 7x64
  const LayerPlan pg = plan_layer(gap, f, a, sg);
  ASSERT_EQ(pg.error, NPU_ERR_NONE) << pg.why;
  EXPECT_EQ(pg.tiles.size(), 4u);  // rows 2+2+2+1
  EXPECT_TRUE(pg.tiles[0].stores.empty());
  ASSERT_EQ(pg.tiles[3].stores.size(), 1u);
  EXPECT_EQ(pg.tiles[3].stores[0].bytes, 64u);
  EXPECT_EQ(pg.compute_cycles, 56u + 56 + 56 + 28);  // 896/16 per 2-row band
  verify(gap, f, a, sg, pg, "gap");
}

TEST(LayerSchedule, Int4OddShapesStayByteExact) {
  // int4 with 3 channels: a pixel is 12 bits, so band boundaries must fall
  // after an even number of pixels. 16 B usable: P pixels need
  // ceil(1.5 P) B + 1 B slack -> P = 10 (two rows of 5).
  Layer relu = conv(6, 5, 3, 3, 1, 1, 0);
  relu.op = Op::kRelu;
  const Formats f = formats_of(Precision::kInt4);
  const ArrayConfig a = array(Dataflow::kOutputStationary, 4, 4);
  const SpadConfig s = spads(2 * 16, 0, 2 * 16);
  const LayerPlan p = plan_layer(relu, f, a, s);
  ASSERT_EQ(p.error, NPU_ERR_NONE) << p.why;
  EXPECT_EQ(p.band_pixels, 10u);
  verify(relu, f, a, s, p, "int4 relu");
  // 7 pixels' worth of room: still an even band (6 pixels = 9 B).
  const LayerPlan p7 = plan_layer(relu, f, a, spads(2 * 12, 0, 2 * 12));
  ASSERT_EQ(p7.error, NPU_ERR_NONE) << p7.why;
  EXPECT_EQ(p7.band_pixels, 6u);
  verify(relu, f, a, spads(2 * 12, 0, 2 * 12), p7, "int4 relu 6");
  // 5 output channels of 4 bits: a channel slice of a pixel never starts on
  // a byte for every pixel, so channels are not split. 5 filters of 27
  // nibbles = 68 B (+1 B slack) fit 140/2 = 70 B: one channel tile...
  const Layer c = conv(4, 4, 3, 5, 3, 1, 1);
  const LayerPlan q = plan_layer(c, f, a, spads(1 << 12, 140, 1 << 12));
  ASSERT_EQ(q.error, NPU_ERR_NONE) << q.why;
  EXPECT_EQ(q.channel_tile, 5);
  verify(c, f, a, spads(1 << 12, 140, 1 << 12), q, "int4 odd channels");
  // ...with 2 filters' room only, splitting would be needed: overflow.
  const LayerPlan r = plan_layer(c, f, a, spads(1 << 12, 60, 1 << 12));
  EXPECT_EQ(r.error, NPU_ERR_SPAD_OVERFLOW);
  EXPECT_NE(r.why.find("not byte aligned"), std::string::npos) << r.why;
}

// Random layers, precisions, dataflows and scratchpad sizes: every invariant
// of verify() must hold for every plan that succeeds, and the SCALE-Sim sum
// must hold whenever the tiling is fold aligned and does not split the
// temporal dimension.
TEST(LayerSchedule, RandomLayersProperty) {
  std::mt19937 rng(1234);
  auto pick = [&](int lo, int hi) { return lo + int(rng() % uint32_t(hi - lo + 1)); };
  const Precision precs[] = {Precision::kInt8, Precision::kInt4, Precision::kInt2, Precision::kFp16,
                             Precision::kFp32};
  const Op ops[] = {Op::kConv2d,  Op::kConv2d, Op::kConv2d, Op::kGemm, Op::kMaxPool,
                    Op::kAvgPool, Op::kGap,    Op::kAdd,    Op::kRelu};
  int planned = 0, tiled = 0, overflow = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    const Precision prec = precs[rng() % 5];
    const Formats f = formats_of(prec);
    const Op op = ops[rng() % 9];
    Layer l;
    if (op == Op::kGemm) {
      l = gemm(pick(1, 70), pick(1, 40), pick(1, 50));
    } else {
      const int k = pick(1, 4), s = pick(1, 3), pad = pick(0, k - 1);
      const int in_h = pick(k, 20), in_w = pick(k, 20);
      int groups = 1, in_c = pick(1, 24), out_c = pick(1, 24);
      if (op == Op::kConv2d && rng() % 3 == 0) {
        groups = pick(1, 6);
        in_c = groups * pick(1, 4);
        out_c = groups * pick(1, 5);
      }
      if (op != Op::kConv2d) out_c = in_c;
      l = conv(in_h, in_w, in_c, out_c, k, s, pad, groups);
      l.op = op;
      if (op == Op::kGap) l.out_h = l.out_w = 1;
      if (op == Op::kAdd || op == Op::kRelu) l.out_h = l.in_h, l.out_w = l.in_w;
    }
    if (l.uses_weights())
      l.flags = (rng() % 2 ? NPU_FLAG_BIAS : 0) | (rng() % 2 ? NPU_FLAG_PER_CHANNEL : 0);
    const Dataflow df = static_cast<Dataflow>(rng() % 3);
    ArrayConfig a = array(df, pick(1, 8), pick(1, 8));
    a.vector_lanes = pick(1, 16);
    if (rng() % 8 == 0) a.model = ComputeModel::kAnalogImc;
    const uint64_t in_b = packed_bytes(l.in_elements(), f.act_bits);
    const uint64_t w_b = packed_bytes(l.weight_elements(), f.weight_bits) + 12 * uint64_t(l.out_c);
    const uint64_t out_b = packed_bytes(l.out_elements(), f.act_bits);
    auto size = [&](uint64_t full) { return 1 + rng() % (2 * full + 64); };
    const SpadConfig s =
        spads(size(in_b * (op == Op::kAdd ? 2 : 1)), size(w_b), size(out_b), rng() % 4 != 0);
    const LayerPlan p = plan_layer(l, f, a, s);
    const std::string what = "iter " + std::to_string(iter) + " " + to_string(op) + " " +
                             to_string(prec) + " " + to_string(df) + " " + std::to_string(l.in_h) + "x" +
                             std::to_string(l.in_w) + "x" + std::to_string(l.in_c) + "->" +
                             std::to_string(l.out_c) + " k" + std::to_string(l.k_h) + " s" +
                             std::to_string(l.stride_h) + " g" + std::to_string(l.groups) + " array " +
                             std::to_string(a.rows) + "x" + std::to_string(a.cols);
    if (p.error != NPU_ERR_NONE) {
      ASSERT_EQ(p.error, NPU_ERR_SPAD_OVERFLOW) << what << ": " << p.why;
      ASSERT_FALSE(p.why.empty());
      ++overflow;
      continue;
    }
    ++planned;
    if (p.tiles.size() > 1) ++tiled;
    verify(l, f, a, s, p, what);
    if (::testing::Test::HasFailure()) FAIL() << what;
    // SCALE-Sim equality: fold-aligned systolic tiling that does not split
    // the temporal dimension (OS: K never split; WS: M split by bands; IS: N
    // split by channel tiles; analog re-programs per band).
    if (l.uses_weights() && p.fold_aligned && !a.fold_overlap) {
      int bands = 0, ch_tiles = 0;
      for (const Tile& t : p.tiles) {
        if (t.ch0 == p.tiles[0].ch0) ++bands;
        if (t.px0 == 0) ++ch_tiles;
      }
      bool splits_t = false;
      if (a.model == ComputeModel::kAnalogImc || df == Dataflow::kWeightStationary) splits_t = bands > 1;
      if (a.model == ComputeModel::kSystolic && df == Dataflow::kInputStationary) {
        // Channel tiles made of whole groups do not split a group's N.
        const bool whole_groups = p.channel_tile % (l.out_c / l.groups) == 0;
        splits_t = ch_tiles > 1 && !whole_groups;
      }
      if (!splits_t) {
        EXPECT_EQ(p.compute_cycles, p.scalesim_cycles) << what;
      }
    }
  }
  std::printf("planned %d tiled %d overflow %d\n", planned, tiled, overflow);
  // The random sizes must exercise both tiled plans and overflows.
  EXPECT_GT(planned, 500);
  EXPECT_GT(tiled, 200);
  EXPECT_GT(overflow, 20);
}
