// Compute-cycle model of the NPU's array: a rows x cols systolic array
// counted the way SCALE-Sim v2 counts it (output/weight/input stationary),
// an analog in-memory crossbar (DIANA/ODiMO cost model), and the element-wise
// vector unit used by pool/add/relu/gap. Pure C++, no SystemC; the derivation
// of every formula and the SCALE-Sim files it was checked against are in
// docs/npu-timing.md.
#pragma once

#include <cstdint>

#include "npu/npu_layer.h"

namespace hpvp::npu {

struct ArrayConfig {
  ComputeModel model = ComputeModel::kSystolic;
  Dataflow dataflow = Dataflow::kOutputStationary;
  int rows = 16, cols = 16;
  // false: SCALE-Sim v2 counting, every fold pays its whole fill and drain.
  // true: the next fold's operands stream in while the previous fold drains
  // (double-buffered stationary registers / output shift chain):
  //   cycles = fold_cycles + (folds - 1) * max(T, rows)
  // (see fold_sequence_cycles and docs/npu-timing.md).
  bool fold_overlap = false;
  int vector_lanes = 16;  // element-wise unit for pool/add/relu/gap: elements per cycle
  // Analog in-memory crossbar (ComputeModel::kAnalogImc), ODiMO/DIANA model,
  // per group with Cin = in_c/groups, Cout = out_c/groups (rows=1152, cols=512 for DIANA):
  //   cycles = ceil(Cin*fx*fy/rows)*ceil(Cout/cols)*ox*oy + 2*4*Cin*ceil(Cout/cols)
};

struct ComputeCycles {
  uint64_t cycles = 0;  // array (or vector unit) cycles for the whole layer
  uint64_t folds = 0;   // array folds over all groups (0 for vector ops)
  uint64_t macs = 0;    // multiply-accumulates (0 for vector ops)
  // macs / (cycles * rows * cols) for conv/gemm; for vector ops the lane
  // utilisation element_ops / (cycles * vector_lanes).
  double utilization = 0;
};

// How a GEMM of one group maps onto the array (SCALE-Sim names):
//   OS: Sr = M (ofmap pixels), Sc = N (filters), T = K (window)
//   WS: Sr = K,               Sc = N,            T = M
//   IS: Sr = K,               Sc = M,            T = N
// row_folds = ceil(Sr/rows), col_folds = ceil(Sc/cols); every fold, partial
// or not, occupies the whole array for fold_cycles:
//   OS: T + rows + cols - 2        WS/IS: 2*rows + cols + T - 2
struct FoldMapping {
  uint64_t sr = 0, sc = 0, t = 0;
  uint64_t row_folds = 0, col_folds = 0;
  uint64_t fold_cycles = 0;
  uint64_t folds() const { return row_folds * col_folds; }
};
FoldMapping map_gemm(uint64_t m, uint64_t n, uint64_t k, Dataflow df, int rows, int cols);

// Cycles of `folds` folds executed back to back on the array: folds *
// fold_cycles (SCALE-Sim), or with overlap fold_cycles + (folds-1)*max(T, rows).
uint64_t fold_sequence_cycles(const FoldMapping& fm, uint64_t folds, bool overlap, int rows);

// Systolic cycles of `groups` independent GEMMs of M x N x K run one after
// another (the systolic part of compute_cycles).
ComputeCycles gemm_cycles(uint64_t m, uint64_t n, uint64_t k, uint64_t groups,
                          const ArrayConfig& a);

// Analog crossbar cycles for `groups` GEMMs (ox*oy = m, Cin*fx*fy = k, Cout = n,
// Cin = k / (fx*fy) passed separately as `cin`).
ComputeCycles analog_cycles(uint64_t m, uint64_t n, uint64_t k, uint64_t cin, uint64_t groups,
                            const ArrayConfig& a);

// Vector-unit cycles of an element-wise op on `elements` output elements,
// each needing `reads_per_element` input reads (pool window size, 2 for add,
// 1 for relu): ceil(elements * reads_per_element / vector_lanes).
uint64_t vector_cycles(uint64_t elements, uint64_t reads_per_element, int lanes);

// Whole-layer compute cycles. Conv/gemm: the groups of a grouped/depthwise
// convolution are processed one after another (each group is its own GEMM of
// M x N/groups x K/groups). Pool/add/relu/gap: the vector unit.
ComputeCycles compute_cycles(const Layer& l, const ArrayConfig& a);

// What SCALE-Sim v2 prints as "Compute cycles" for a stall-free layer: the
// index of the cycle in which the last OFMAP demand line is served, i.e. the
// number of demand lines minus one (double_buffered_scratchpad_mem.py,
// service_memory_requests: total_cycles = ofmap_serviced_cycles[-1]). Our
// `cycles` is the number of demand lines (see docs/npu-timing.md).
inline uint64_t scalesim_reported_cycles(const ComputeCycles& c) {
  return c.cycles > 0 ? c.cycles - 1 : 0;
}

}  // namespace hpvp::npu
