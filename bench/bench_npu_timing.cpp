// Timing-only NPU model speed and figures: ResNet-18 and MobileNetV2 at
// 224x224 (real layer shapes, written out below), planned on a 16x16 int8
// array with 64 KiB double-buffered scratchpads (the NPU defaults) for the
// three dataflows. Prints, per network and dataflow, the SCALE-Sim
// whole-layer cycle total, the cycles of the tiled plan and the DMA traffic;
// then times compute_cycles + plan_layer over the whole network.
//
//   build/bench/bench_npu_timing [--benchmark_min_time=0.2]
#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "npu/layer_schedule.h"
#include "npu/npu_layer.h"
#include "npu/systolic_timing.h"

using namespace hpvp::npu;

namespace {

struct Net {
  std::string name;
  std::vector<Layer> layers;
  uint32_t next_addr = 0x80000000u;

  uint32_t alloc(uint64_t bytes) {
    const uint32_t a = next_addr;
    next_addr += static_cast<uint32_t>((bytes + 63) & ~uint64_t(63));
    return a;
  }
  // Adds a layer; its input is the previous layer's output unless given.
  Layer& add(Layer l, uint32_t in_addr = 0) {
    l.in_addr =
        in_addr ? in_addr : (layers.empty() ? alloc(l.in_elements()) : layers.back().out_addr);
    if (l.uses_weights()) {
      l.w_addr = alloc(l.weight_elements());
      l.bias_addr = alloc(4 * uint64_t(l.out_c));
      l.quant_addr = alloc(8 * uint64_t(l.out_c));
      l.flags = NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
    }
    l.out_addr = alloc(l.out_elements());
    layers.push_back(l);
    return layers.back();
  }
  const Layer& last() const { return layers.back(); }
};

Layer conv(int in_hw, int in_c, int out_c, int k, int stride, int groups = 1) {
  Layer l;
  l.op = Op::kConv2d;
  l.in_h = l.in_w = in_hw;
  l.in_c = in_c, l.out_c = out_c;
  l.k_h = l.k_w = k;
  l.stride_h = l.stride_w = stride;
  const int pad = k / 2;
  l.pad_top = l.pad_left = pad;
  l.pad_bottom = l.pad_right = pad;
  l.out_h = l.out_w = window_out(in_hw, pad, pad, k, stride);
  // PyTorch-style symmetric padding can leave the bottom/right pad unused.
  l.groups = groups;
  return l;
}

Layer eltwise(Op op, int hw, int c) {
  Layer l;
  l.op = op;
  l.in_h = l.out_h = l.in_w = l.out_w = hw;
  l.in_c = l.out_c = c;
  return l;
}

Layer maxpool(int in_hw, int c) {
  Layer l = conv(in_hw, c, c, 3, 2);
  l.op = Op::kMaxPool;
  l.groups = 1;
  return l;
}

Layer gap(int hw, int c) {
  Layer l = eltwise(Op::kGap, hw, c);
  l.out_h = l.out_w = 1;
  l.k_h = l.k_w = hw;
  return l;
}

Layer fc(int in, int out) {
  Layer l;
  l.op = Op::kGemm;
  l.in_h = l.out_h = 1;
  l.in_w = l.out_w = 1;
  l.in_c = in, l.out_c = out;
  return l;
}

// ResNet-18, ImageNet 224x224: 20 convolutions (incl. 3 downsample 1x1) +
// fc, plus the max pool, 8 residual adds and the global average pool.
// ReLUs are fused into the conv/add output clamp.
Net resnet18() {
  Net n;
  n.name = "resnet18";
  n.add(conv(224, 3, 64, 7, 2));  // conv1 -> 112x112x64
  n.add(maxpool(112, 64));        // -> 56x56x64
  int hw = 56, c = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const int out_c = 64 << stage;
    for (int block = 0; block < 2; ++block) {
      const int stride = (stage > 0 && block == 0) ? 2 : 1;
      const uint32_t block_in = n.last().out_addr;
      const int in_hw = hw, in_c = c;
      n.add(conv(hw, c, out_c, 3, stride));
      hw = n.last().out_h;
      n.add(conv(hw, out_c, out_c, 3, 1));
      const uint32_t main_out = n.last().out_addr;
      uint32_t shortcut = block_in;
      if (stride != 1 || in_c != out_c)
        shortcut = n.add(conv(in_hw, in_c, out_c, 1, stride), block_in).out_addr;
      Layer& a = n.add(eltwise(Op::kAdd, hw, out_c), main_out);
      a.in2_addr = shortcut;
      c = out_c;
    }
  }
  n.add(gap(7, 512));
  n.add(fc(512, 1000));
  return n;
}

// MobileNetV2 (1.0, 224x224): stem, 17 inverted residual blocks, 1x1 to
// 1280, global pool, fc. Depthwise 3x3 convs are groups = channels.
Net mobilenet_v2() {
  Net n;
  n.name = "mobilenetv2";
  n.add(conv(224, 3, 32, 3, 2));  // -> 112x112x32
  int hw = 112, c = 32;
  const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                         {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const auto& row : cfg) {
    const int t = row[0], out_c = row[1], reps = row[2], s = row[3];
    for (int i = 0; i < reps; ++i) {
      const int stride = i == 0 ? s : 1;
      const uint32_t block_in = n.last().out_addr;
      const int hidden = c * t;
      if (t != 1) n.add(conv(hw, c, hidden, 1, 1));
      n.add(conv(hw, hidden, hidden, 3, stride, hidden));  // depthwise
      hw = n.last().out_h;
      n.add(conv(hw, hidden, out_c, 1, 1));  // linear projection
      if (stride == 1 && c == out_c) {
        const uint32_t main_out = n.last().out_addr;
        Layer& a = n.add(eltwise(Op::kAdd, hw, out_c), main_out);
        a.in2_addr = block_in;
      }
      c = out_c;
    }
  }
  n.add(conv(7, 320, 1280, 1, 1));
  n.add(gap(7, 1280));
  n.add(fc(1280, 1000));
  return n;
}

ArrayConfig array16(Dataflow df) {
  ArrayConfig a;
  a.dataflow = df;
  a.rows = a.cols = 16;
  return a;
}

SpadConfig default_spads() { return SpadConfig{64 * 1024, 64 * 1024, 64 * 1024, true}; }

struct NetTotals {
  uint64_t scalesim = 0, planned = 0, macs = 0, tiles = 0, dma = 0, segments = 0;
  int layers = 0, convs = 0, unaligned = 0, errors = 0;
};

NetTotals run(const Net& n, const ArrayConfig& a, const SpadConfig& s, const Formats& f) {
  NetTotals t;
  for (const Layer& l : n.layers) {
    const ComputeCycles c = compute_cycles(l, a);
    const LayerPlan p = plan_layer(l, f, a, s);
    ++t.layers;
    if (l.uses_weights()) ++t.convs;
    if (p.error != NPU_ERR_NONE) {
      ++t.errors;
      continue;
    }
    t.scalesim += c.cycles;
    t.planned += p.compute_cycles;
    t.macs += c.macs;
    t.tiles += p.tiles.size();
    t.dma += p.load_bytes + p.store_bytes;
    for (const Tile& tile : p.tiles) t.segments += tile.loads.size() + tile.stores.size();
    if (!p.fold_aligned) ++t.unaligned;
  }
  return t;
}

void print_table(const SpadConfig& s, const char* title) {
  const Formats f = formats_of(Precision::kInt8);
  const Net nets[] = {resnet18(), mobilenet_v2()};
  std::printf("NPU timing model: 16x16 int8 array, %s\n", title);
  std::printf("%-12s %-3s %6s %8s %14s %14s %7s %7s %9s %10s %5s %10s\n", "network", "df", "layers",
              "GMAC", "scalesim_cyc", "planned_cyc", "util%", "tiles", "segments", "DMA_MiB",
              "unal", "host_ms");
  for (const Net& n : nets) {
    for (Dataflow df :
         {Dataflow::kOutputStationary, Dataflow::kWeightStationary, Dataflow::kInputStationary}) {
      const ArrayConfig a = array16(df);
      NetTotals t;
      double ms = 1e30;  // best of 5 (the host may be busy)
      for (int rep = 0; rep < 5; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        t = run(n, a, s, f);
        const auto t1 = std::chrono::steady_clock::now();
        ms = std::min(ms, std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
      std::printf("%-12s %-3s %6d %8.3f %14llu %14llu %7.2f %7llu %9llu %10.2f %5d %10.3f%s\n",
                  n.name.c_str(), to_string(df), t.layers, t.macs / 1e9,
                  (unsigned long long)t.scalesim, (unsigned long long)t.planned,
                  100.0 * t.macs / (double(t.planned) * 256), (unsigned long long)t.tiles,
                  (unsigned long long)t.segments, t.dma / 1048576.0, t.unaligned, ms,
                  t.errors ? " (errors!)" : "");
    }
  }
  std::printf("\n");
}

void print_tables() {
  print_table(default_spads(),
              "64 KiB double-buffered ifmap/filter/ofmap scratchpads (NPU defaults)");
  SpadConfig big = default_spads();
  big.filter_bytes = 160 * 1024;  // 2 x 16 filters of 3x3x512 (73728 B) double-buffered
  print_table(
      big, "64/160/64 KiB ifmap/filter/ofmap scratchpads (16 filters of 3x3x512 double-buffered)");
  std::printf(
      "scalesim_cyc: sum of compute_cycles() per layer (SCALE-Sim v2 counting, whole layer);\n"
      "planned_cyc: sum of the tiles' cycles of plan_layer(); unal: layers whose tiles could not\n"
      "be fold-aligned (a 16-filter group does not fit half the filter scratchpad);\n"
      "util%% = MACs / (planned_cyc * 256); host_ms: compute_cycles + plan_layer, whole network, "
      "best "
      "of 5.\n\n");
}

void BM_Network(benchmark::State& st, Net (*make)(), Dataflow df) {
  const Net n = make();
  const Formats f = formats_of(Precision::kInt8);
  const ArrayConfig a = array16(df);
  const SpadConfig s = default_spads();
  uint64_t cycles = 0;
  for (auto _ : st) {
    const NetTotals t = run(n, a, s, f);
    cycles = t.planned;
    benchmark::DoNotOptimize(cycles);
  }
  st.counters["npu_cycles"] = static_cast<double>(cycles);
  st.counters["layers"] = static_cast<double>(n.layers.size());
  st.counters["layers_per_s"] = benchmark::Counter(static_cast<double>(n.layers.size()),
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ComputeCyclesOnly(benchmark::State& st) {
  const Net n = resnet18();
  const ArrayConfig a = array16(Dataflow::kOutputStationary);
  for (auto _ : st) {
    uint64_t total = 0;
    for (const Layer& l : n.layers) total += compute_cycles(l, a).cycles;
    benchmark::DoNotOptimize(total);
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_Network, resnet18_os, resnet18, Dataflow::kOutputStationary)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Network, resnet18_ws, resnet18, Dataflow::kWeightStationary)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Network, resnet18_is, resnet18, Dataflow::kInputStationary)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Network, mobilenetv2_os, mobilenet_v2, Dataflow::kOutputStationary)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ComputeCyclesOnly)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  print_tables();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
