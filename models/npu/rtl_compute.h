// Co-simulation of the NPU's MAC array in RTL (`compute: rtl`): conv/gemm
// tiles run as GEMMs on the verilated systolic array (rtl/), which returns
// the raw int32 accumulators and the cycles it took; the integer epilogue
// (zero-point correction, bias, requantization, clamp) is the same arithmetic
// as the TLM kernels. DMA and scratchpads stay in SystemC (npu.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "npu/layer_schedule.h"
#include "npu/npu_kernels.h"
#include "npu/npu_layer.h"

namespace hpvp::npu {

class RtlCompute {
 public:
  // Throws std::invalid_argument when no verilated variant matches (or the
  // build has no Verilator): the message lists what is available.
  RtlCompute(Precision p, Dataflow df, int rows, int cols);
  ~RtlCompute();

  // Starts a conv/gemm layer (per-channel zero-point corrections), then runs
  // one tile at a time on the RTL array, at the simulated time the NPU's
  // schedule gives it, so the array's waveform lines up with SystemC's.
  // run_tile fills the tile's outputs in `out` (unpacked int8 working
  // values, [pixel][out_c]) and returns the array cycles it took.
  void begin_layer(const Layer& l, const int8_t* w);
  uint64_t run_tile(const Layer& l, const Tile& tile, const int8_t* in, const int8_t* w,
                    const IntParams& p, int8_t* out);
  uint64_t total_cycles() const;
  // Opens a VCD of the array's internals (1 ps timescale, SystemC's axis).
  void open_trace(const std::string& path);
  void close_trace();
  void set_trace_clock(uint64_t period_ps, uint64_t next_edge_ps);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hpvp::npu
