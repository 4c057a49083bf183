// NPU energy/area model: default numbers (Horowitz ISSCC 2014 based),
// accounting arithmetic, SCALE-Sim-style scratchpad traffic per dataflow and
// iso-area PE counts. Expected values worked out by hand.
#include <gtest/gtest.h>

#include "npu/layer_schedule.h"
#include "npu/npu_energy.h"
#include "npu/npu_layer.h"

using namespace hpvp::npu;

namespace {

Layer gemm(int m, int n, int k) {
  Layer l;
  l.op = Op::kGemm;
  l.in_h = l.out_h = m;
  l.in_w = l.out_w = 1;
  l.in_c = k;
  l.out_c = n;
  return l;
}

ArrayConfig array(Dataflow df, int rows, int cols) {
  ArrayConfig a;
  a.dataflow = df;
  a.rows = rows;
  a.cols = cols;
  return a;
}

}  // namespace

TEST(NpuEnergy, DefaultMacEnergy) {
  // int8: 0.2 (8b mult) + 0.1 (32b add)
  EXPECT_DOUBLE_EQ(default_energy(Precision::kInt8).mac_pj, 0.3);
  // int4: 0.2 * 16/64 = 0.05 + 24-bit accumulator 0.1 * 24/32 = 0.075
  EXPECT_DOUBLE_EQ(default_energy(Precision::kInt4).mac_pj, 0.125);
  // int2 weights x int8 activations: 0.2 * 16/64 = 0.05 + 0.075
  EXPECT_DOUBLE_EQ(default_energy(Precision::kInt2).mac_pj, 0.125);
  // fp16 mult 1.1 + fp32 accumulate 0.9; fp32 3.7 + 0.9
  EXPECT_DOUBLE_EQ(default_energy(Precision::kFp16).mac_pj, 2.0);
  EXPECT_DOUBLE_EQ(default_energy(Precision::kFp32).mac_pj, 4.6);
  EXPECT_DOUBLE_EQ(mult_pj(Precision::kInt4), 0.05);
  EXPECT_EQ(accumulator_bits(Precision::kInt8), 32);
  EXPECT_EQ(accumulator_bits(Precision::kInt4), 24);
}

TEST(NpuEnergy, DefaultStaticPowerScalesWithPesAndArea) {
  // 20 uW busy / 5 uW idle per int8 PE: 16x16 -> 5.12 mW / 1.28 mW.
  const EnergyConfig e8 = default_energy(Precision::kInt8, 16, 16);
  EXPECT_NEAR(e8.static_mw, 5.12, 1e-12);
  EXPECT_NEAR(e8.idle_mw, 1.28, 1e-12);
  EXPECT_DOUBLE_EQ(e8.spad_read_pj_per_byte, 1.25);
  // A default-constructed config equals the int8 16x16 defaults.
  const EnergyConfig d;
  EXPECT_DOUBLE_EQ(d.mac_pj, e8.mac_pj);
  EXPECT_NEAR(d.static_mw, e8.static_mw, 1e-12);
  EXPECT_NEAR(d.idle_mw, e8.idle_mw, 1e-12);
  // Twice the PEs, twice the static power; int4 PEs are about half the area.
  EXPECT_NEAR(default_energy(Precision::kInt8, 16, 32).static_mw, 10.24, 1e-12);
  EXPECT_NEAR(default_energy(Precision::kInt4, 16, 16).static_mw,
              5.12 * pe_area_relative(Precision::kInt4), 1e-12);
}

TEST(NpuEnergy, AccountArithmetic) {
  EnergyConfig c;
  c.mac_pj = 0.3;
  c.spad_read_pj_per_byte = 1.25;
  c.spad_write_pj_per_byte = 2.0;
  c.static_mw = 5;
  c.idle_mw = 1;
  EnergyCounters n;
  n.macs = 1000;
  n.spad_read_bytes = 100;
  n.spad_write_bytes = 50;
  n.busy_cycles = 1000;  // 1 us at 1 GHz
  n.idle_cycles = 2000;  // 2 us
  n.freq_hz = 1e9;
  const EnergyBreakdown e = account(c, n);
  EXPECT_DOUBLE_EQ(e.mac_pj, 300.0);
  EXPECT_DOUBLE_EQ(e.spad_pj, 125.0 + 100.0);
  EXPECT_NEAR(e.static_pj, 5000.0, 1e-9);  // 5 mW * 1 us = 5 nJ
  EXPECT_NEAR(e.idle_pj, 2000.0, 1e-9);    // 1 mW * 2 us
  EXPECT_NEAR(e.total_pj(), 7525.0, 1e-9);
  // Half the frequency: same cycles last twice as long.
  n.freq_hz = 5e8;
  EXPECT_NEAR(account(c, n).static_pj, 10000.0, 1e-9);
  n.freq_hz = 0;  // no clock: no static energy
  EXPECT_EQ(account(c, n).static_pj, 0.0);
}

TEST(NpuEnergy, SpadTrafficPerDataflow) {
  const Formats f = formats_of(Precision::kInt8);
  // GEMM M=8, N=4, K=3 on 4x4.
  // OS: ifmap M*K*ceil(N/C) = 24, filter N*K*ceil(M/R) = 4*3*2 = 24; writes M*N = 32.
  SpadTraffic t = spad_traffic(gemm(8, 4, 3), f, array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(t.read_bytes, 48u);
  EXPECT_EQ(t.write_bytes, 32u);
  // WS: ifmap 24, filter K*N = 12, one row fold (K=3 <= 4): no partial sums.
  t = spad_traffic(gemm(8, 4, 3), f, array(Dataflow::kWeightStationary, 4, 4));
  EXPECT_EQ(t.read_bytes, 36u);
  EXPECT_EQ(t.write_bytes, 32u);
  // IS: ifmap M*K = 24, filter N*K*ceil(M/C) = 24.
  t = spad_traffic(gemm(8, 4, 3), f, array(Dataflow::kInputStationary, 4, 4));
  EXPECT_EQ(t.read_bytes, 48u);
  EXPECT_EQ(t.write_bytes, 32u);
  // WS with K=9: 3 row folds -> 2 partial sums per output spilled (4 B each)
  // and read back. Reads 72 + 36 + 32*2*4 = 364, writes 32 + 256 = 288.
  t = spad_traffic(gemm(8, 4, 9), f, array(Dataflow::kWeightStationary, 4, 4));
  EXPECT_EQ(t.read_bytes, 364u);
  EXPECT_EQ(t.write_bytes, 288u);
  // OS keeps partial sums in the PEs whatever K is.
  t = spad_traffic(gemm(8, 4, 9), f, array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(t.read_bytes, 72u + 72u);
  EXPECT_EQ(t.write_bytes, 32u);
  // int4 operands are packed: half the bytes.
  t = spad_traffic(gemm(8, 4, 3), formats_of(Precision::kInt4),
                   array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(t.read_bytes, 24u);
  EXPECT_EQ(t.write_bytes, 16u);
  // Bias and per-channel parameters are read once: 4 + 8 B per channel.
  Layer l = gemm(8, 4, 3);
  l.flags = NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
  t = spad_traffic(l, f, array(Dataflow::kOutputStationary, 4, 4));
  EXPECT_EQ(t.read_bytes, 48u + 48u);
}

TEST(NpuEnergy, SpadTrafficReflectsReuse) {
  // A larger array re-reads each operand fewer times (OS: ifmap re-read once
  // per column fold, filters once per row fold).
  const Formats f = formats_of(Precision::kInt8);
  const Layer l = gemm(256, 256, 64);
  const SpadTraffic small = spad_traffic(l, f, array(Dataflow::kOutputStationary, 8, 8));
  const SpadTraffic big = spad_traffic(l, f, array(Dataflow::kOutputStationary, 32, 32));
  // 8x8: 256*64*32 + 256*64*32 = 1048576; 32x32: 256*64*8 * 2 = 262144.
  EXPECT_EQ(small.read_bytes, 1048576u);
  EXPECT_EQ(big.read_bytes, 262144u);
}

TEST(NpuEnergy, VectorOpTraffic) {
  const Formats f = formats_of(Precision::kInt8);
  Layer pool;
  pool.op = Op::kMaxPool;
  pool.in_h = pool.in_w = 8, pool.in_c = pool.out_c = 16;
  pool.k_h = pool.k_w = 3, pool.stride_h = pool.stride_w = 2;
  pool.pad_top = pool.pad_left = pool.pad_bottom = pool.pad_right = 1;
  pool.out_h = pool.out_w = 4;
  const SpadTraffic t = spad_traffic(pool, f, ArrayConfig{});
  EXPECT_EQ(t.read_bytes, 256u * 9);  // window reads
  EXPECT_EQ(t.write_bytes, 256u);
  Layer add = pool;
  add.op = Op::kAdd;
  add.in_h = add.out_h = 4, add.in_w = add.out_w = 4;
  EXPECT_EQ(spad_traffic(add, f, ArrayConfig{}).read_bytes, 512u);
}

TEST(NpuEnergy, DmaTrafficOfPlan) {
  LayerPlan p;
  p.load_bytes = 1000;
  p.store_bytes = 300;
  const SpadTraffic t = dma_spad_traffic(p);
  EXPECT_EQ(t.write_bytes, 1000u);
  EXPECT_EQ(t.read_bytes, 300u);
}

TEST(NpuEnergy, SramEnergyScalesWithSize) {
  EXPECT_DOUBLE_EQ(sram_pj_per_byte(8192), 1.25);
  EXPECT_NEAR(sram_pj_per_byte(1 << 20), 12.5, 0.1);  // 100 pJ per 64 bit at 1 MB
  EXPECT_GT(sram_pj_per_byte(64 * 1024), sram_pj_per_byte(32 * 1024));
}

TEST(NpuEnergy, PeAreaAndIsoArea) {
  EXPECT_DOUBLE_EQ(pe_area_relative(Precision::kInt8), 1.0);
  // int8 PE: 282 + 137 + 48 * 4.522 = 636.056 um^2;
  // int4 PE: 70.5 + 102.75 + 32 * 4.522 = 317.954 -> 0.49989.
  EXPECT_NEAR(pe_area_relative(Precision::kInt4), 317.954 / 636.056, 1e-9);
  // int2 (8x2): 70.5 + 102.75 + 34 * 4.522 = 326.998.
  EXPECT_NEAR(pe_area_relative(Precision::kInt2), 326.998 / 636.056, 1e-9);
  EXPECT_GT(pe_area_relative(Precision::kFp16), 9.0);
  EXPECT_GT(pe_area_relative(Precision::kFp32), pe_area_relative(Precision::kFp16));
  // An int4 array of the area of a 16x16 int8 array: 256 / 0.49989 = 512.1 -> 512.
  EXPECT_EQ(iso_area_pes(Precision::kInt4, 256), 512u);
  EXPECT_EQ(iso_area_pes(Precision::kInt8, 256), 256u);
  EXPECT_EQ(iso_area_pes(Precision::kInt2, 256), 497u);  // 256 / 0.5141 = 497.9
}
