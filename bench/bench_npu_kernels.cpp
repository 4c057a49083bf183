// Speed of the NPU functional kernels (models/npu/npu_kernels.*): simulated
// multiply-accumulates per host second on typical int8 layers, next to a
// plain optimised host int8 GEMM of the same GEMM shape (a clean i-k-j loop
// with int32 accumulation that the compiler vectorises; compiled with the
// same flags and target_clones as the kernels). The kernel figure includes
// everything run_int_layer does (im2col, weight packing, requantization);
// the host GEMM does nothing but the MACs. At the end the program prints
// kernel / host ratios.
//
// Shapes (GEMM view M x K x N, M = output pixels, K = window, N = filters):
//   conv3x3   ResNet-18 layer: 56x56x64 -> 64, 3x3, pad 1   3136 x 576 x 64
//   conv1x1   ResNet-50 expand: 56x56x64 -> 256, 1x1        3136 x 64 x 256
//   dw3x3     MobileNet depthwise 56x56x128, 3x3, pad 1     3136 x 9 x 128
//             (host: dense GEMM with the same M, K, N = as many MACs)
//   gemm      256 x 512 x 512 fully connected
#include <benchmark/benchmark.h>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "npu/npu_kernels.h"
#include "npu/npu_layer.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__linux__) && defined(__GNUC__) && \
    !defined(__clang__)
#define BENCH_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define BENCH_CLONES
#endif

namespace {

using namespace hpvp::npu;

struct Shape {
  const char* name;
  Layer layer;
  int64_t m, k, n;  // host GEMM of the same shape
};

Layer conv(int h, int w, int cin, int cout, int k, int pad, int groups) {
  Layer l;
  l.op = Op::kConv2d;
  l.flags = NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
  l.in_h = h, l.in_w = w, l.in_c = cin, l.out_c = cout;
  l.k_h = l.k_w = k;
  l.pad_top = l.pad_left = l.pad_bottom = l.pad_right = pad;
  l.groups = groups;
  l.out_h = window_out(h, pad, pad, k, 1);
  l.out_w = window_out(w, pad, pad, k, 1);
  l.in_zp = -3, l.out_zp = 5, l.act_min = -128, l.act_max = 127;
  return l;
}

Layer gemm(int m, int k, int n) {
  Layer l;
  l.op = Op::kGemm;
  l.flags = NPU_FLAG_BIAS;
  l.in_h = l.out_h = m, l.in_w = l.out_w = 1, l.in_c = k, l.out_c = n;
  l.in_zp = 1, l.out_zp = -2, l.act_min = -128, l.act_max = 127;
  l.mult = 1518500250, l.shift = -9;
  return l;
}

const std::vector<Shape>& shapes() {
  static const std::vector<Shape> s = {
      {"conv3x3_56x56x64_64", conv(56, 56, 64, 64, 3, 1, 1), 3136, 576, 64},
      {"conv1x1_56x56x64_256", conv(56, 56, 64, 256, 1, 0, 1), 3136, 64, 256},
      {"dw3x3_56x56x128", conv(56, 56, 128, 128, 3, 1, 128), 3136, 9, 128},
      {"gemm_256x512x512", gemm(256, 512, 512), 256, 512, 512},
  };
  return s;
}

std::vector<int8_t> random_i8(size_t n, std::mt19937& rng) {
  std::vector<int8_t> v(n);
  for (auto& x : v) x = int8_t(rng());
  return v;
}

void kernel_int8(benchmark::State& state, const Shape& s, detail::Isa isa) {
  if (!detail::isa_supported(isa)) {
    state.SkipWithError("ISA not supported on this host");
    return;
  }
  const detail::Isa saved = detail::active_isa();
  detail::force_isa(isa);
  const Layer& l = s.layer;
  std::mt19937 rng(1);
  const auto in = random_i8(l.in_elements(), rng);
  const auto w = random_i8(l.weight_elements(), rng);
  std::vector<int32_t> bias(l.out_c), mult(l.out_c), shift(l.out_c);
  for (int c = 0; c < l.out_c; ++c)
    bias[c] = int32_t(rng() % 20001) - 10000, mult[c] = 1 << 30 | int32_t(rng() >> 2),
    shift[c] = -9;
  std::vector<int8_t> out(l.out_elements());
  const IntParams p{bias.data(), mult.data(), shift.data()};
  for (auto _ : state) {
    run_int_layer(l, in.data(), nullptr, w.data(), p, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["MAC/s"] =
      benchmark::Counter(double(l.macs()), benchmark::Counter::kIsIterationInvariantRate);
  detail::force_isa(saved);
}

void kernel_fp32(benchmark::State& state, const Shape& s) {
  Layer l = s.layer;
  l.act_min = int32_t(0xFF800000u), l.act_max = 0x7F800000;
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> in(l.in_elements()), w(l.weight_elements()), bias(l.out_c),
      out(l.out_elements());
  for (auto& x : in) x = u(rng);
  for (auto& x : w) x = u(rng);
  for (auto& x : bias) x = u(rng);
  for (auto _ : state) {
    run_float_layer(l, in.data(), nullptr, w.data(), bias.data(), out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["MAC/s"] =
      benchmark::Counter(double(l.macs()), benchmark::Counter::kIsIterationInvariantRate);
}

// The host baseline: C[M][N] = A[M][K] * B[K][N], int8 in, int32 out.
BENCH_CLONES __attribute__((noinline)) void host_gemm(const int8_t* A, const int8_t* B, int32_t* C,
                                                      int64_t M, int64_t K, int64_t N) {
  for (int64_t i = 0; i < M; ++i) {
    int32_t* c = C + i * N;
    for (int64_t j = 0; j < N; ++j) c[j] = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int32_t a = A[i * K + k];
      const int8_t* b = B + k * N;
      for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

void host_int8_gemm(benchmark::State& state, const Shape& s) {
  std::mt19937 rng(3);
  const auto a = random_i8(size_t(s.m * s.k), rng);
  const auto b = random_i8(size_t(s.k * s.n), rng);
  std::vector<int32_t> c(size_t(s.m * s.n));
  for (auto _ : state) {
    host_gemm(a.data(), b.data(), c.data(), s.m, s.k, s.n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["MAC/s"] =
      benchmark::Counter(double(s.m * s.k * s.n), benchmark::Counter::kIsIterationInvariantRate);
}

// Console output plus a record of MAC/s per benchmark name.
class Recorder : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> macs_per_s;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      auto it = r.counters.find("MAC/s");
      if (!r.error_occurred && it != r.counters.end())
        macs_per_s[r.benchmark_name()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  for (const Shape& s : shapes()) {
    benchmark::RegisterBenchmark((std::string("npu_int8/") + s.name).c_str(), kernel_int8, s,
                                 detail::active_isa())
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("host_int8_gemm/") + s.name).c_str(), host_int8_gemm,
                                 s)
        ->Unit(benchmark::kMillisecond);
  }
  for (const Shape& s : shapes()) {
    benchmark::RegisterBenchmark((std::string("npu_int8_generic/") + s.name).c_str(), kernel_int8,
                                 s, detail::Isa::kGeneric)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("npu_fp32/") + s.name).c_str(), kernel_fp32, s)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Recorder rec;
  benchmark::RunSpecifiedBenchmarks(&rec);
  benchmark::Shutdown();

  const char* isa = detail::active_isa() == detail::Isa::kAvx2 ? "avx2" : "generic";
  std::printf(
      "\nNPU int8 kernels (%s path) vs plain host int8 GEMM, simulated GMAC/s (target ratio >= "
      "0.25):\n",
      isa);
  std::printf("  %-22s %10s %10s %8s %10s %10s\n", "shape", "npu_int8", "host_gemm", "ratio",
              "generic", "npu_fp32");
  for (const Shape& s : shapes()) {
    auto get = [&](const std::string& prefix) {
      auto it = rec.macs_per_s.find(prefix + "/" + s.name);
      return it == rec.macs_per_s.end() ? 0.0 : it->second / 1e9;
    };
    const double k = get("npu_int8"), h = get("host_int8_gemm");
    if (k == 0 || h == 0) continue;  // filtered out
    std::printf("  %-22s %10.2f %10.2f %8.2f %10.2f %10.2f\n", s.name, k, h, k / h,
                get("npu_int8_generic"), get("npu_fp32"));
  }
  return 0;
}
