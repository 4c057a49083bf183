#include "npu/npu_energy.h"

#include <algorithm>
#include <cmath>

namespace hpvp::npu {

namespace {

// Operand widths of a PE: activation x weight multiplier.
struct Widths {
  int act, weight;
};
Widths widths(Precision p) {
  switch (p) {
    case Precision::kInt8:
      return {8, 8};
    case Precision::kInt4:
      return {4, 4};
    case Precision::kInt2:
      return {8, 2};  // int2/ternary weights, int8 activations
    case Precision::kFp16:
      return {16, 16};
    case Precision::kFp32:
      return {32, 32};
  }
  return {8, 8};
}

// Horowitz, ISSCC 2014, 45 nm: energy (pJ) and area (um^2) per operation.
constexpr double kInt8MultPj = 0.2, kInt32AddPj = 0.1;
constexpr double kFp16MultPj = 1.1, kFp32MultPj = 3.7, kFp32AddPj = 0.9;
constexpr double kInt8MultUm2 = 282, kInt32AddUm2 = 137;
constexpr double kFp16MultUm2 = 1640, kFp32MultUm2 = 7700, kFp32AddUm2 = 4184;
// One pipeline flip-flop, NanGate 45 nm open cell library DFF_X1.
constexpr double kFlopUm2 = 4.522;

// Per-PE static power of an int8 PE (leakage + clock tree) while busy and
// while clock-gated; scaled by relative PE area for other precisions.
constexpr double kInt8PeStaticMw = 0.020, kInt8PeIdleMw = 0.005;

uint64_t ceil_div(uint64_t a, uint64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

}  // namespace

int accumulator_bits(Precision p) {
  switch (p) {
    case Precision::kInt4:
    case Precision::kInt2:
      return 24;  // 8/10-bit products, K up to ~2^14 without overflow
    default:
      return 32;  // int32 for int8; fp32 for fp16 and fp32
  }
}

double mult_pj(Precision p) {
  const Widths w = widths(p);
  switch (p) {
    case Precision::kFp16:
      return kFp16MultPj;
    case Precision::kFp32:
      return kFp32MultPj;
    default:
      return kInt8MultPj * (w.act * w.weight) / 64.0;  // array multiplier ~ a*w cells
  }
}

double accumulate_pj(Precision p) {
  if (p == Precision::kFp16 || p == Precision::kFp32) return kFp32AddPj;
  return kInt32AddPj * accumulator_bits(p) / 32.0;  // ripple/prefix adder ~ linear in width
}

EnergyConfig default_energy(Precision p, int rows, int cols) {
  EnergyConfig c;
  c.mac_pj = mult_pj(p) + accumulate_pj(p);
  c.spad_read_pj_per_byte = 1.25;  // 8 KB SRAM: 10 pJ per 64-bit read
  c.spad_write_pj_per_byte = 1.25;
  const double pes = static_cast<double>(std::max(rows, 0)) * std::max(cols, 0);
  c.static_mw = kInt8PeStaticMw * pe_area_relative(p) * pes;
  c.idle_mw = kInt8PeIdleMw * pe_area_relative(p) * pes;
  return c;
}

double sram_pj_per_byte(uint64_t bytes) {
  const double ratio = static_cast<double>(std::max<uint64_t>(bytes, 1)) / 8192.0;
  return 1.25 * std::pow(ratio, 0.475);
}

double pe_area_relative(Precision p) {
  auto area = [](Precision q) {
    const Widths w = widths(q);
    const int acc = accumulator_bits(q);
    double mult = 0, add = 0;
    switch (q) {
      case Precision::kFp16:
        mult = kFp16MultUm2, add = kFp32AddUm2;
        break;
      case Precision::kFp32:
        mult = kFp32MultUm2, add = kFp32AddUm2;
        break;
      default:
        mult = kInt8MultUm2 * (w.act * w.weight) / 64.0;
        add = kInt32AddUm2 * acc / 32.0;
        break;
    }
    const double regs = kFlopUm2 * (w.act + w.weight + acc);
    return mult + add + regs;
  };
  return area(p) / area(Precision::kInt8);
}

uint64_t iso_area_pes(Precision p, uint64_t ref_pes, Precision ref) {
  const double budget = static_cast<double>(ref_pes) * pe_area_relative(ref);
  return static_cast<uint64_t>(std::floor(budget / pe_area_relative(p) + 1e-9));
}

EnergyBreakdown account(const EnergyConfig& c, const EnergyCounters& n) {
  EnergyBreakdown e;
  e.mac_pj = c.mac_pj * static_cast<double>(n.macs);
  e.spad_pj = c.spad_read_pj_per_byte * static_cast<double>(n.spad_read_bytes) +
              c.spad_write_pj_per_byte * static_cast<double>(n.spad_write_bytes);
  if (n.freq_hz > 0) {
    // mW * s = 1e-3 J = 1e9 pJ
    e.static_pj = c.static_mw * static_cast<double>(n.busy_cycles) / n.freq_hz * 1e9;
    e.idle_pj = c.idle_mw * static_cast<double>(n.idle_cycles) / n.freq_hz * 1e9;
  }
  return e;
}

SpadTraffic spad_traffic(const Layer& l, const Formats& f, const ArrayConfig& a) {
  SpadTraffic t;
  const int ab = f.act_bits, wb = f.weight_bits;
  if (l.op == Op::kConv2d || l.op == Op::kGemm) {
    const GemmShape g = l.gemm();
    const uint64_t r = static_cast<uint64_t>(std::max(a.rows, 1));
    const uint64_t c = static_cast<uint64_t>(std::max(a.cols, 1));
    uint64_t ifmap = 0, filter = 0, psum_folds = 0;  // elements per group
    const Dataflow df =
        a.model == ComputeModel::kAnalogImc ? Dataflow::kWeightStationary : a.dataflow;
    switch (df) {
      case Dataflow::kOutputStationary:
        ifmap = g.m * g.k * ceil_div(g.n, c);
        filter = g.n * g.k * ceil_div(g.m, r);
        psum_folds = 1;
        break;
      case Dataflow::kWeightStationary:
        ifmap = g.m * g.k * ceil_div(g.n, c);
        filter = g.k * g.n;
        psum_folds = ceil_div(g.k, r);
        break;
      case Dataflow::kInputStationary:
        ifmap = g.m * g.k;
        filter = g.n * g.k * ceil_div(g.m, c);
        psum_folds = ceil_div(g.k, r);
        break;
    }
    const uint64_t outs = g.m * g.n * g.groups;
    const uint64_t spills = outs * (psum_folds - 1);  // partial sums written then read back
    const uint64_t params =
        uint64_t(l.out_c) * ((l.has_bias() ? 4 : 0) + (l.per_channel() ? 8 : 0));
    t.read_bytes = packed_bytes(ifmap * g.groups, ab) + packed_bytes(filter * g.groups, wb) +
                   spills * 4 + params;
    t.write_bytes = packed_bytes(outs, ab) + spills * 4;
    return t;
  }
  const uint64_t out = l.out_elements();
  switch (l.op) {
    case Op::kMaxPool:
    case Op::kAvgPool:
      t.read_bytes = packed_bytes(out * l.k_h * l.k_w, ab);
      break;
    case Op::kGap:
      t.read_bytes = packed_bytes(l.in_elements(), ab);
      break;
    case Op::kAdd:
      t.read_bytes = 2 * packed_bytes(l.in_elements(), ab);
      break;
    default:
      t.read_bytes = packed_bytes(l.in_elements(), ab);
      break;
  }
  t.write_bytes = packed_bytes(out, ab);
  return t;
}

SpadTraffic dma_spad_traffic(const LayerPlan& p) {
  SpadTraffic t;
  t.write_bytes = p.load_bytes;
  t.read_bytes = p.store_bytes;
  return t;
}

}  // namespace hpvp::npu
