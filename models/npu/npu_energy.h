// Energy and area model of an NPU: per-MAC and per-scratchpad-byte dynamic
// energy, static power while busy and while clock-gated idle, the
// scratchpad traffic of a layer for the chosen dataflow, and the relative
// PE area used to size big.LITTLE arrays of equal area. Pure C++. The
// numbers and their sources are in docs/npu-timing.md ("Energy model").
#pragma once

#include <cstdint>

#include "npu/layer_schedule.h"
#include "npu/npu_layer.h"
#include "npu/systolic_timing.h"

namespace hpvp::npu {

struct EnergyConfig {   // all overridable from YAML; defaults = default_energy(kInt8, 16, 16)
  double mac_pj = 0.3;  // per MAC at this NPU's precision (mult + accumulate)
  double spad_read_pj_per_byte = 1.25;  // scratchpad SRAM
  double spad_write_pj_per_byte = 1.25;
  double static_mw = 5.12;  // leakage + clock of the array while busy
  double idle_mw = 1.28;    // clock-gated idle (leakage only)
};

// Defaults for a rows x cols array of the given precision (Horowitz, ISSCC
// 2014, 45 nm; see docs/npu-timing.md for every number).
EnergyConfig default_energy(Precision p, int rows = 16, int cols = 16);

// Components of the default MAC energy, in pJ: multiplier (scales with the
// product of operand widths) and accumulator adder (scales with its width).
double mult_pj(Precision p);
double accumulate_pj(Precision p);
int accumulator_bits(Precision p);

// Scratchpad access energy per byte for an SRAM of `bytes` capacity:
// 1.25 pJ/B at 8 KiB (Horowitz: 10 pJ per 64-bit read), growing with
// sqrt-like exponent 0.475 so that 1 MiB gives 12.5 pJ/B (100 pJ / 64 bit).
double sram_pj_per_byte(uint64_t bytes);

// PE area relative to an int8 PE (multiplier + accumulator adder + pipeline
// registers, Horowitz 45 nm areas; see docs). int8 = 1.
double pe_area_relative(Precision p);
// Number of PEs of precision p that fit the area of `ref_pes` PEs of `ref`.
uint64_t iso_area_pes(Precision p, uint64_t ref_pes, Precision ref = Precision::kInt8);

struct EnergyCounters {
  uint64_t macs = 0, spad_read_bytes = 0, spad_write_bytes = 0, busy_cycles = 0, idle_cycles = 0;
  double freq_hz = 1e9;
};

struct EnergyBreakdown {
  double mac_pj = 0, spad_pj = 0, static_pj = 0, idle_pj = 0;
  double total_pj() const { return mac_pj + spad_pj + static_pj + idle_pj; }
};

EnergyBreakdown account(const EnergyConfig& c, const EnergyCounters& n);

// Array-side scratchpad traffic of a layer, SCALE-Sim style operand counts:
// every operand element delivered to the array edge is one scratchpad read,
// every output (or partial sum spilled between row folds) one write.
//   OS (Sr=M,Sc=N,T=K): ifmap M*K*ceil(N/C), filter N*K*ceil(M/R), ofmap M*N
//   WS (Sr=K,Sc=N,T=M): ifmap M*K*ceil(N/C), filter K*N, ofmap M*N*ceil(K/R)
//   IS (Sr=K,Sc=M,T=N): ifmap M*K,          filter N*K*ceil(M/C), ofmap M*N*ceil(K/R)
// per group. Elements are converted to bytes at their storage width; partial
// sums (all but the last row fold of WS/IS) at the accumulator width, and
// each spilled partial sum is read back once. Vector ops: window/element
// reads and output writes. See docs/npu-timing.md.
struct SpadTraffic {
  uint64_t read_bytes = 0, write_bytes = 0;
};
SpadTraffic spad_traffic(const Layer& l, const Formats& f, const ArrayConfig& a);

// DMA-side scratchpad traffic of a plan: loads write the scratchpads, stores
// read them. Add to spad_traffic() for the total.
SpadTraffic dma_spad_traffic(const LayerPlan& p);

}  // namespace hpvp::npu
