// Functional compute kernels of the NPU: what a layer computes, bit for bit,
// independent of how long it takes (timing lives in the NPU model). Pure C++,
// no SystemC. The arithmetic is specified in docs/npu-arithmetic.md; the
// straightforward reference in tests/unit/npu_reference.h must agree with
// these kernels bit for bit.
//
// Working buffers (tensor_codec.h converts memory <-> working buffers):
//  - integer NPUs (int8, int4, int2): one int8_t per element, activations
//    within the activation range of the precision, weights within the weight
//    range. The kernels are precision-agnostic: the precision only fixes the
//    value ranges (and the descriptor's act_min/act_max).
//  - float NPUs (fp16, fp32): one float per element. fp16 tensors are
//    converted exactly to float before and rounded to half once after.
// Layouts: activations NHWC (batch 1); conv weights OHWI =
// [out_c][k_h][k_w][in_c/groups]; GEMM in [m = in_h][k = in_c],
// w [n = out_c][k], out [m][n].
#pragma once

#include <cstdint>

#include "npu_layer.h"

namespace hpvp::npu {

// Per-output-channel integer parameters (arrays of out_c values) of
// CONV2D/GEMM; the caller expands per-tensor mult/shift. Conventions:
//  - bias is used only if the layer has NPU_FLAG_BIAS; nullptr = all zero.
//  - mult/shift: nullptr = the layer's per-tensor mult/shift for every
//    channel. Shifts outside [-31, 30] are clamped into that range (the
//    descriptor decoder rejects such values; callers should reject
//    per-channel arrays containing them too).
// Other ops ignore IntParams and read mult/shift fields from the Layer.
struct IntParams {
  const int32_t* bias = nullptr;
  const int32_t* mult = nullptr;
  const int32_t* shift = nullptr;
};

// Runs one decoded layer (decode_layer() validated it). `in2` is read by ADD
// only, `w` by CONV2D/GEMM only. Buffers must not overlap `out`.
void run_int_layer(const Layer& l, const int8_t* in, const int8_t* in2, const int8_t* w,
                   const IntParams& p, int8_t* out);

// Float NPUs. `bias` (out_c fp32 values) is used only if the layer has
// NPU_FLAG_BIAS; nullptr = no bias addition. act_min/act_max are fp32 bit
// patterns.
void run_float_layer(const Layer& l, const float* in, const float* in2, const float* w,
                     const float* bias, float* out);

// MultiplyByQuantizedMultiplier (TFLite/gemmlowp, input saturated on the
// left shift); exposed for models that requantize outside a layer.
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t mult, int32_t shift);

namespace detail {
// Instruction-set path of the kernels: chosen once from the host CPU;
// tests force each path to check both against the reference.
enum class Isa { kGeneric, kAvx2 };
Isa active_isa();
bool isa_supported(Isa isa);
void force_isa(Isa isa);  // no effect if unsupported
}  // namespace detail

}  // namespace hpvp::npu
