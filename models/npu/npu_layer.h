// C++ view of an NPU layer: the validated, decoded form of an npu_desc_t,
// shared by the functional kernels (npu_kernels), the timing model
// (systolic_timing, layer_schedule) and the NPU TLM model (npu).
#pragma once

#include <cstdint>
#include <string>

#include <hpvp/hw/npu.h>

namespace hpvp::npu {

enum class Precision { kInt8, kInt4, kInt2, kFp16, kFp32 };
enum class Dataflow { kOutputStationary, kWeightStationary, kInputStationary };
enum class ComputeModel { kSystolic, kAnalogImc };
enum class Op {
  kConv2d = NPU_OP_CONV2D,
  kGemm = NPU_OP_GEMM,
  kMaxPool = NPU_OP_MAXPOOL,
  kAvgPool = NPU_OP_AVGPOOL,
  kGap = NPU_OP_GAP,
  kAdd = NPU_OP_ADD,
  kRelu = NPU_OP_RELU,
};

const char* to_string(Precision p);
const char* to_string(Dataflow d);
const char* to_string(Op op);

// Storage formats implied by an NPU precision.
struct Formats {
  int weight_bits;  // 8, 4 or 2 for integer NPUs; 16 or 32 for float NPUs
  int act_bits;     // activations in memory: 8 or 4 (integer), 16 or 32 (float)
  bool is_float;
  // Range of an integer activation value (two's complement act_bits).
  int32_t act_lo() const { return -(1 << (act_bits - 1)); }
  int32_t act_hi() const { return (1 << (act_bits - 1)) - 1; }
  int32_t w_lo() const { return -(1 << (weight_bits - 1)); }
  int32_t w_hi() const { return (1 << (weight_bits - 1)) - 1; }
};
Formats formats_of(Precision p);

// Bytes a tensor of `elements` values occupies in memory at `bits` per
// element (sub-byte values are packed, low bits first).
inline uint64_t packed_bytes(uint64_t elements, int bits) { return (elements * bits + 7) / 8; }

// GEMM view of a conv/gemm layer, per group (SCALE-Sim naming):
// M = output pixels, N = filters per group, K = window size per group.
struct GemmShape {
  uint64_t m, n, k, groups;
};

struct Layer {
  Op op = Op::kConv2d;
  uint32_t flags = 0;
  int in_h = 1, in_w = 1, in_c = 1;
  int out_h = 1, out_w = 1, out_c = 1;
  int k_h = 1, k_w = 1, stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int groups = 1;
  int32_t in_zp = 0, in2_zp = 0, out_zp = 0;
  int32_t act_min = 0, act_max = 0;  // fp32 bit patterns on float NPUs
  int32_t mult = 0, shift = 0, in_mult = 0, in_shift = 0, in2_mult = 0, in2_shift = 0;
  // addresses (for the DMA; unused by kernels)
  uint32_t in_addr = 0, in2_addr = 0, w_addr = 0, bias_addr = 0, quant_addr = 0, out_addr = 0;

  bool has_bias() const { return flags & NPU_FLAG_BIAS; }
  bool per_channel() const { return flags & NPU_FLAG_PER_CHANNEL; }
  bool uses_weights() const { return op == Op::kConv2d || op == Op::kGemm; }
  uint64_t in_elements() const { return uint64_t(in_h) * in_w * in_c; }
  uint64_t out_elements() const { return uint64_t(out_h) * out_w * out_c; }
  uint64_t weight_elements() const;
  uint64_t macs() const;  // multiply-accumulates of conv/gemm; 0 otherwise
  GemmShape gemm() const;
};

// Decodes and validates a descriptor for an NPU of the given precision.
// Returns NPU_ERR_NONE and fills `layer`, or an npu_error code with a
// human-readable reason in `why`.
npu_error decode_layer(const npu_desc_t& d, Precision p, Layer& layer, std::string& why);

// Output spatial size of a window op: floor((in + pads - k) / stride) + 1.
int window_out(int in, int pad_a, int pad_b, int k, int stride);

}  // namespace hpvp::npu
