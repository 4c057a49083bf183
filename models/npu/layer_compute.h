// What one NPU layer computes on memory images: read its operands (through
// a caller-supplied reader: the NPU's debug DMA, or a host buffer for the
// model compiler's reference), unpack them to working buffers, run the
// kernels (npu_kernels.h) and pack the output. Shared by the NPU model and
// the host-side reference, so both compute a layer the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "npu_layer.h"

namespace hpvp::npu {

// Copies `len` bytes at `addr` into `dst`; false if not in memory.
using MemoryReader = std::function<bool(uint32_t addr, uint8_t* dst, uint64_t len)>;

struct IntOperands {
  std::vector<int8_t> in, in2, w;
  std::vector<int32_t> bias, mult, shift;  // out_c each (per-tensor values expanded)
};
struct FloatOperands {
  std::vector<float> in, in2, w, bias;  // bias empty = none
};

// Bytes of a tensor of `elements` values in memory at `bits` per element.
uint64_t tensor_bytes(const Formats& f, uint64_t elements, int bits);
uint64_t output_bytes(const Layer& l, const Formats& f);

// Read + unpack. Errors: NPU_ERR_BUS (operand not in memory), and for
// integer layers NPU_ERR_BAD_QUANT (per-channel multiplier/shift out of
// range); `why` says which.
npu_error read_int_operands(const Layer& l, const Formats& f, const MemoryReader& read,
                            IntOperands& ops, std::string& why);
npu_error read_float_operands(const Layer& l, const Formats& f, const MemoryReader& read,
                              FloatOperands& ops, std::string& why);

// Kernels + pack into `out` (output_bytes(l, f) bytes).
void compute_int(const Layer& l, const Formats& f, const IntOperands& ops,
                 std::vector<uint8_t>& out);
void compute_float(const Layer& l, const Formats& f, const FloatOperands& ops,
                   std::vector<uint8_t>& out);

// read_*_operands + compute_* for the layer's precision.
npu_error compute_layer(const Layer& l, const Formats& f, const MemoryReader& read,
                        std::vector<uint8_t>& out, std::string& why);

}  // namespace hpvp::npu
