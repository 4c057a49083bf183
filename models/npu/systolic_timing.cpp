#include "npu/systolic_timing.h"

#include <algorithm>

namespace hpvp::npu {

namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) { return b == 0 ? 0 : (a + b - 1) / b; }

}  // namespace

FoldMapping map_gemm(uint64_t m, uint64_t n, uint64_t k, Dataflow df, int rows, int cols) {
  FoldMapping fm;
  const uint64_t r = static_cast<uint64_t>(std::max(rows, 1));
  const uint64_t c = static_cast<uint64_t>(std::max(cols, 1));
  switch (df) {
    case Dataflow::kOutputStationary:
      fm.sr = m, fm.sc = n, fm.t = k;
      break;
    case Dataflow::kWeightStationary:
      fm.sr = k, fm.sc = n, fm.t = m;
      break;
    case Dataflow::kInputStationary:
      fm.sr = k, fm.sc = m, fm.t = n;
      break;
  }
  fm.row_folds = ceil_div(fm.sr, r);
  fm.col_folds = ceil_div(fm.sc, c);
  // OS: T operand rows + (cols-1) drain rows, skewed over the rows -> T+R+C-2.
  // WS/IS: R rows to load the stationary operand, T streaming rows, C-1
  // drain rows, skewed over R -> 2R+C+T-2.
  fm.fold_cycles = df == Dataflow::kOutputStationary ? fm.t + r + c - 2 : 2 * r + c + fm.t - 2;
  return fm;
}

uint64_t fold_sequence_cycles(const FoldMapping& fm, uint64_t folds, bool overlap, int rows) {
  if (folds == 0) return 0;
  if (!overlap) return folds * fm.fold_cycles;
  // Overlapped: a new fold can start streaming once the previous fold's
  // operands have entered the array (T cycles) and, for the stationary
  // operand / the output shift chain, once `rows` values per column have
  // moved, so the issue interval is max(T, rows); only the last fold's fill
  // and drain are exposed.
  const uint64_t interval = std::max<uint64_t>(fm.t, static_cast<uint64_t>(std::max(rows, 1)));
  return fm.fold_cycles + (folds - 1) * interval;
}

ComputeCycles gemm_cycles(uint64_t m, uint64_t n, uint64_t k, uint64_t groups,
                          const ArrayConfig& a) {
  ComputeCycles out;
  if (m == 0 || n == 0 || k == 0 || groups == 0) return out;
  const FoldMapping fm = map_gemm(m, n, k, a.dataflow, a.rows, a.cols);
  out.folds = fm.folds() * groups;
  out.cycles = fold_sequence_cycles(fm, out.folds, a.fold_overlap, a.rows);
  out.macs = m * n * k * groups;
  const double pes = static_cast<double>(a.rows) * a.cols;
  out.utilization =
      out.cycles ? static_cast<double>(out.macs) / (static_cast<double>(out.cycles) * pes) : 0;
  return out;
}

ComputeCycles analog_cycles(uint64_t m, uint64_t n, uint64_t k, uint64_t cin, uint64_t groups,
                            const ArrayConfig& a) {
  ComputeCycles out;
  if (m == 0 || n == 0 || k == 0 || groups == 0) return out;
  const uint64_t r = static_cast<uint64_t>(std::max(a.rows, 1));
  const uint64_t c = static_cast<uint64_t>(std::max(a.cols, 1));
  const uint64_t row_folds = ceil_div(k, r), col_folds = ceil_div(n, c);
  // ODiMO (Risso et al.): one crossbar evaluation per output pixel and fold,
  // plus programming the weights: 2*4 cycles per input channel and column fold.
  const uint64_t per_group = row_folds * col_folds * m + 2 * 4 * cin * col_folds;
  out.folds = row_folds * col_folds * groups;
  out.cycles = per_group * groups;
  out.macs = m * n * k * groups;
  const double pes = static_cast<double>(a.rows) * a.cols;
  out.utilization =
      out.cycles ? static_cast<double>(out.macs) / (static_cast<double>(out.cycles) * pes) : 0;
  return out;
}

uint64_t vector_cycles(uint64_t elements, uint64_t reads_per_element, int lanes) {
  return ceil_div(elements * reads_per_element, static_cast<uint64_t>(std::max(lanes, 1)));
}

ComputeCycles compute_cycles(const Layer& l, const ArrayConfig& a) {
  if (l.op == Op::kConv2d || l.op == Op::kGemm) {
    const GemmShape g = l.gemm();
    if (a.model == ComputeModel::kAnalogImc) {
      const uint64_t cin =
          l.op == Op::kGemm ? g.k : g.k / std::max<uint64_t>(uint64_t(l.k_h) * l.k_w, 1);
      return analog_cycles(g.m, g.n, g.k, cin, g.groups, a);
    }
    return gemm_cycles(g.m, g.n, g.k, g.groups, a);
  }
  ComputeCycles out;
  uint64_t elements = l.out_elements(), reads = 1;
  switch (l.op) {
    case Op::kMaxPool:
    case Op::kAvgPool:
      reads = uint64_t(l.k_h) * l.k_w;
      break;  // full window, padding included
    case Op::kGap:
      elements = l.out_c, reads = uint64_t(l.in_h) * l.in_w;
      break;
    case Op::kAdd:
      reads = 2;
      break;
    default:
      break;
  }
  out.cycles = vector_cycles(elements, reads, a.vector_lanes);
  out.utilization = out.cycles ? static_cast<double>(elements * reads) /
                                     (static_cast<double>(out.cycles) * std::max(a.vector_lanes, 1))
                               : 0;
  return out;
}

}  // namespace hpvp::npu
