// Speed of the verilated NPU MAC array (rtl/) in the bare C++ harness
// (RtlArray's stepping loop, two eval()s per clock): RTL clock cycles and
// MACs per host second for whole folds. The SystemC-coupled NPU must stay
// within 1.5x of these figures.
//   bench_rtl_array --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <random>
#include <vector>

#include "rtl_array.h"

namespace {

using hpvp::rtl::RtlArray;
using hpvp::rtl::Variant;

std::vector<int8_t> values(size_t n, int bits, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-(1 << (bits - 1)), (1 << (bits - 1)) - 1);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

// args: size (rows = cols), weight width, T
void BM_RtlFoldOs(benchmark::State& state) {
  const Variant v{int(state.range(0)), int(state.range(0)), int(state.range(1))};
  const int t = int(state.range(2));
  RtlArray arr(v);
  const auto a = values(size_t(v.rows) * t, v.act_bits(), 1);
  const auto b = values(size_t(t) * v.cols, v.weight_bits(), 2);
  uint64_t cycles = 0, macs = 0;
  for (auto _ : state) {
    auto r = arr.run_fold_os(a.data(), b.data(), t);
    benchmark::DoNotOptimize(r.acc.data());
    cycles += r.cycles;
    macs += uint64_t(v.rows) * v.cols * t;
  }
  state.SetLabel(v.name() + " os T=" + std::to_string(t));
  state.counters["cycles/s"] = benchmark::Counter(double(cycles), benchmark::Counter::kIsRate);
  state.counters["MAC/s"] = benchmark::Counter(double(macs), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RtlFoldOs)
    ->Args({8, 8, 256})
    ->Args({16, 8, 256})
    ->Args({8, 4, 256})
    ->Args({16, 4, 256})
    ->Args({8, 2, 256})
    ->Args({16, 2, 256})
    ->Args({16, 8, 16})
    ->Unit(benchmark::kMicrosecond);

void BM_RtlFoldWs(benchmark::State& state) {
  const Variant v{int(state.range(0)), int(state.range(0)), int(state.range(1))};
  const int t = int(state.range(2));
  RtlArray arr(v);
  const auto w = values(size_t(v.rows) * v.cols, v.weight_bits(), 3);
  const auto x = values(size_t(t) * v.rows, v.act_bits(), 4);
  uint64_t cycles = 0;
  for (auto _ : state) {
    auto r = arr.run_fold_ws(w.data(), x.data(), t);
    benchmark::DoNotOptimize(r.acc.data());
    cycles += r.cycles;
  }
  state.SetLabel(v.name() + " ws T=" + std::to_string(t));
  state.counters["cycles/s"] = benchmark::Counter(double(cycles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RtlFoldWs)->Args({8, 8, 256})->Args({16, 8, 256})->Unit(benchmark::kMicrosecond);

// The pin-level API (RtlArray::step, one call per clock) driving an OS fold:
// the per-cycle cost a cycle-by-cycle co-simulation would pay on top of the
// model itself.
void BM_RtlStepOs(benchmark::State& state) {
  const Variant v{int(state.range(0)), int(state.range(0)), 8};
  const int t = 256;
  RtlArray arr(v);
  const auto a = values(size_t(t) * v.rows, 8, 7);  // beat-major: t x rows
  const auto b = values(size_t(t) * v.cols, 8, 8);  // t x cols
  uint64_t cycles = 0;
  for (auto _ : state) {
    int beat = 0;
    for (uint64_t c = 0;; ++c) {
      RtlArray::Pins p;
      p.start = c == 0;
      p.k_len = uint32_t(t);
      if (beat < t) {
        p.in_valid = true;
        p.a = &a[size_t(beat) * v.rows];
        p.b = &b[size_t(beat) * v.cols];
      }
      if (arr.step(p)) ++beat;
      ++cycles;
      if (arr.done()) break;
    }
  }
  state.SetLabel(v.name() + " os T=256 via step()");
  state.counters["cycles/s"] = benchmark::Counter(double(cycles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RtlStepOs)->Arg(8)->Arg(16)->Unit(benchmark::kMicrosecond);

// Whole GEMM through the tiling helper (64 x 64 x 64, OS).
void BM_RtlGemmOs(benchmark::State& state) {
  const Variant v{int(state.range(0)), int(state.range(0)), 8};
  const int m = 64, n = 64, k = 64;
  RtlArray arr(v);
  const auto a = values(size_t(m) * k, 8, 5);
  const auto w = values(size_t(n) * k, 8, 6);
  uint64_t cycles = 0;
  for (auto _ : state) {
    auto g = arr.run_gemm(a.data(), w.data(), m, n, k, hpvp::rtl::Dataflow::kOutputStationary);
    benchmark::DoNotOptimize(g.c.data());
    cycles += g.cycles;
  }
  state.SetLabel(v.name() + " gemm 64x64x64 os");
  state.counters["cycles/s"] = benchmark::Counter(double(cycles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RtlGemmOs)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
