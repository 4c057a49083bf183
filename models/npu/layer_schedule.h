// Per-layer tiling and DMA schedule of the NPU: splits a layer into tiles
// whose inputs, weights and outputs fit the scratchpads, and lists for every
// tile the exact DMA segments (loads before, stores after) and its array
// cycles. Pure C++, no SystemC. Rules, loop order and a diagram are in
// docs/npu-timing.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "npu/npu_layer.h"
#include "npu/systolic_timing.h"

namespace hpvp::npu {

struct SpadConfig {
  uint64_t ifmap_bytes = 64 * 1024, filter_bytes = 64 * 1024, ofmap_bytes = 64 * 1024;
  // Each scratchpad is split in two halves: tile i computes out of one half
  // while tile i+1's loads fill the other, so a tile may use half of each.
  bool double_buffer = true;
  // When no tile aligned with the array's folds fits, the planner falls back
  // to smaller, unaligned tiles (more cycles: partial folds). true: report
  // NPU_ERR_SPAD_OVERFLOW instead.
  bool strict_alignment = false;
};

// One DMA transfer between memory and a scratchpad.
struct DmaSegment {
  uint32_t addr;
  uint32_t bytes;
  bool write;  // true: scratchpad -> memory (store)
};

struct Tile {
  std::vector<DmaSegment> loads;   // before compute (inputs, weights, bias, quant)
  std::vector<DmaSegment> stores;  // after compute (outputs)
  uint64_t compute_cycles = 0;     // array (or vector unit) cycles of this tile
  uint64_t macs = 0;
  // Extent: output pixels [px0, px0+pxs) in row-major (NHWC) order (GEMM:
  // rows of M; GAP: input pixels) and output channels [ch0, ch0+chs).
  uint32_t px0 = 0, pxs = 0;
  int ch0 = 0, chs = 0;
  // Scratchpad bytes this tile occupies while it computes (data kept from
  // an earlier tile, e.g. reused weights, included).
  uint64_t ifmap_bytes = 0, filter_bytes = 0, ofmap_bytes = 0;
};

struct LayerPlan {
  npu_error error = NPU_ERR_NONE;
  std::string why;
  std::vector<Tile> tiles;
  uint64_t compute_cycles = 0;   // sum over tiles
  uint64_t scalesim_cycles = 0;  // compute_cycles() of the whole layer
  // Chosen tiling: channels per tile, output pixels per band (GAP: input
  // pixels); fold_aligned is false when the fallback to tiles unaligned with
  // the array's folds was taken.
  int channel_tile = 0;
  uint32_t band_pixels = 0;
  bool fold_aligned = true;
  uint64_t load_bytes = 0, store_bytes = 0;  // totals over all tiles
};

LayerPlan plan_layer(const Layer& l, const Formats& f, const ArrayConfig& a, const SpadConfig& s);

}  // namespace hpvp::npu
