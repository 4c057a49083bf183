#include "npu_layer.h"

#include <cmath>
#include <cstring>
#include <fmt/format.h>

namespace hpvp::npu {

const char* to_string(Precision p) {
  switch (p) {
    case Precision::kInt8:
      return "int8";
    case Precision::kInt4:
      return "int4";
    case Precision::kInt2:
      return "int2";
    case Precision::kFp16:
      return "fp16";
    case Precision::kFp32:
      return "fp32";
  }
  return "?";
}

const char* to_string(Dataflow d) {
  switch (d) {
    case Dataflow::kOutputStationary:
      return "os";
    case Dataflow::kWeightStationary:
      return "ws";
    case Dataflow::kInputStationary:
      return "is";
  }
  return "?";
}

const char* to_string(Op op) {
  switch (op) {
    case Op::kConv2d:
      return "conv2d";
    case Op::kGemm:
      return "gemm";
    case Op::kMaxPool:
      return "maxpool";
    case Op::kAvgPool:
      return "avgpool";
    case Op::kGap:
      return "gap";
    case Op::kAdd:
      return "add";
    case Op::kRelu:
      return "relu";
  }
  return "?";
}

Formats formats_of(Precision p) {
  switch (p) {
    case Precision::kInt8:
      return {8, 8, false};
    case Precision::kInt4:
      return {4, 4, false};
    case Precision::kInt2:
      return {2, 8, false};
    case Precision::kFp16:
      return {16, 16, true};
    case Precision::kFp32:
      return {32, 32, true};
  }
  return {8, 8, false};
}

int window_out(int in, int pad_a, int pad_b, int k, int stride) {
  const int span = in + pad_a + pad_b - k;
  if (span < 0 || stride <= 0) return 0;
  return span / stride + 1;
}

uint64_t Layer::weight_elements() const {
  if (op == Op::kConv2d) return uint64_t(out_c) * k_h * k_w * (in_c / groups);
  if (op == Op::kGemm) return uint64_t(out_c) * in_c;
  return 0;
}

uint64_t Layer::macs() const {
  if (op == Op::kConv2d) return uint64_t(out_h) * out_w * out_c * k_h * k_w * (in_c / groups);
  if (op == Op::kGemm) return uint64_t(in_h) * in_c * out_c;
  return 0;
}

GemmShape Layer::gemm() const {
  if (op == Op::kGemm) return {uint64_t(in_h), uint64_t(out_c), uint64_t(in_c), 1};
  return {uint64_t(out_h) * out_w, uint64_t(out_c / groups), uint64_t(k_h) * k_w * (in_c / groups),
          uint64_t(groups)};
}

namespace {

npu_error fail(std::string& why, npu_error code, std::string text) {
  why = std::move(text);
  return code;
}

bool aligned(uint32_t addr, unsigned a) { return addr % a == 0; }

npu_error check_shapes(const Layer& l, std::string& why) {
  if (l.in_h <= 0 || l.in_w <= 0 || l.in_c <= 0 || l.out_h <= 0 || l.out_w <= 0 || l.out_c <= 0)
    return fail(why, NPU_ERR_BAD_SHAPE, "zero tensor dimension");
  switch (l.op) {
    case Op::kConv2d: {
      if (l.groups <= 0 || l.in_c % l.groups || l.out_c % l.groups)
        return fail(
            why, NPU_ERR_BAD_SHAPE,
            fmt::format("groups {} must divide in_c {} and out_c {}", l.groups, l.in_c, l.out_c));
      [[fallthrough]];
    }
    case Op::kMaxPool:
    case Op::kAvgPool: {
      if (l.k_h <= 0 || l.k_w <= 0 || l.stride_h <= 0 || l.stride_w <= 0)
        return fail(why, NPU_ERR_BAD_SHAPE, "zero kernel size or stride");
      if (l.pad_top >= l.k_h || l.pad_bottom >= l.k_h || l.pad_left >= l.k_w ||
          l.pad_right >= l.k_w)
        return fail(why, NPU_ERR_BAD_SHAPE, "padding must be smaller than the kernel");
      const int oh = window_out(l.in_h, l.pad_top, l.pad_bottom, l.k_h, l.stride_h);
      const int ow = window_out(l.in_w, l.pad_left, l.pad_right, l.k_w, l.stride_w);
      if (oh != l.out_h || ow != l.out_w)
        return fail(why, NPU_ERR_BAD_SHAPE,
                    fmt::format("output {}x{} does not match input/kernel/stride/padding ({}x{})",
                                l.out_h, l.out_w, oh, ow));
      if (l.op != Op::kConv2d && l.in_c != l.out_c)
        return fail(why, NPU_ERR_BAD_SHAPE, "pooling keeps the channel count");
      return NPU_ERR_NONE;
    }
    case Op::kGemm:
      if (l.out_h != l.in_h || l.in_w != 1 || l.out_w != 1)
        return fail(why, NPU_ERR_BAD_SHAPE, "gemm: in is [in_h][in_c] (in_w 1), out [in_h][out_c]");
      return NPU_ERR_NONE;
    case Op::kGap:
      if (l.out_h != 1 || l.out_w != 1 || l.out_c != l.in_c)
        return fail(why, NPU_ERR_BAD_SHAPE, "gap: output must be 1x1 with in_c channels");
      return NPU_ERR_NONE;
    case Op::kAdd:
    case Op::kRelu:
      if (l.out_h != l.in_h || l.out_w != l.in_w || l.out_c != l.in_c)
        return fail(why, NPU_ERR_BAD_SHAPE, "element-wise op: output shape must equal input shape");
      return NPU_ERR_NONE;
  }
  return NPU_ERR_NONE;
}

npu_error check_quant(const Layer& l, const Formats& f, std::string& why) {
  if (f.is_float) {
    float lo, hi;
    std::memcpy(&lo, &l.act_min, 4);
    std::memcpy(&hi, &l.act_max, 4);
    if (std::isnan(lo) || std::isnan(hi) || lo > hi)
      return fail(why, NPU_ERR_BAD_QUANT,
                  fmt::format("float clamp [{}, {}] is empty or NaN", lo, hi));
    return NPU_ERR_NONE;
  }
  auto shift_ok = [](int32_t s) { return s >= -31 && s <= 30; };
  if (!shift_ok(l.shift) || !shift_ok(l.in_shift) || !shift_ok(l.in2_shift))
    return fail(why, NPU_ERR_BAD_QUANT, "requant shift outside [-31, 30]");
  if (l.mult < 0 || l.in_mult < 0 || l.in2_mult < 0)
    return fail(why, NPU_ERR_BAD_QUANT, "requant multiplier must be non-negative (Q31)");
  if (l.act_min > l.act_max || l.act_min < f.act_lo() || l.act_max > f.act_hi())
    return fail(why, NPU_ERR_BAD_QUANT,
                fmt::format("clamp [{}, {}] outside the int{} range [{}, {}]", l.act_min, l.act_max,
                            f.act_bits, f.act_lo(), f.act_hi()));
  auto zp_ok = [&](int32_t zp) { return zp >= f.act_lo() && zp <= f.act_hi(); };
  if (!zp_ok(l.in_zp) || !zp_ok(l.in2_zp) || !zp_ok(l.out_zp))
    return fail(why, NPU_ERR_BAD_QUANT, "zero point outside the activation range");
  return NPU_ERR_NONE;
}

}  // namespace

npu_error decode_layer(const npu_desc_t& d, Precision p, Layer& l, std::string& why) {
  if (d.op < NPU_OP_CONV2D || d.op > NPU_OP_RELU)
    return fail(why, NPU_ERR_BAD_OP, fmt::format("unknown op {}", d.op));
  if (d.flags & ~(NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL | NPU_FLAG_IRQ))
    return fail(why, NPU_ERR_UNSUPPORTED, fmt::format("unknown flags 0x{:x}", d.flags));
  if (d.reserved0 != 0)
    return fail(why, NPU_ERR_UNSUPPORTED, "reserved descriptor fields must be zero");
  for (uint32_t r : d.reserved1)
    if (r != 0) return fail(why, NPU_ERR_UNSUPPORTED, "reserved descriptor fields must be zero");
  l = Layer{};
  l.op = static_cast<Op>(d.op);
  l.flags = d.flags;
  l.in_h = d.in_h, l.in_w = d.in_w, l.in_c = d.in_c;
  l.out_h = d.out_h, l.out_w = d.out_w, l.out_c = d.out_c;
  l.k_h = d.k_h, l.k_w = d.k_w, l.stride_h = d.stride_h, l.stride_w = d.stride_w;
  l.pad_top = d.pad_top, l.pad_left = d.pad_left, l.pad_bottom = d.pad_bottom,
  l.pad_right = d.pad_right;
  l.groups = d.groups == 0 ? 1 : d.groups;
  l.in_zp = d.in_zp, l.in2_zp = d.in2_zp, l.out_zp = d.out_zp;
  l.act_min = d.act_min, l.act_max = d.act_max;
  l.mult = d.mult, l.shift = d.shift, l.in_mult = d.in_mult, l.in_shift = d.in_shift;
  l.in2_mult = d.in2_mult, l.in2_shift = d.in2_shift;
  l.in_addr = d.in_addr, l.in2_addr = d.in2_addr, l.w_addr = d.w_addr;
  l.bias_addr = d.bias_addr, l.quant_addr = d.quant_addr, l.out_addr = d.out_addr;
  if (l.op == Op::kGap) l.k_h = l.in_h, l.k_w = l.in_w;
  if (npu_error e = check_shapes(l, why); e != NPU_ERR_NONE) return e;
  const Formats f = formats_of(p);
  if (npu_error e = check_quant(l, f, why); e != NPU_ERR_NONE) return e;
  // Tensors start on a byte (packed formats) and parameters on a word.
  const unsigned elem_align = f.is_float ? f.act_bits / 8 : 1;
  if (!aligned(l.in_addr, elem_align) || !aligned(l.out_addr, elem_align) ||
      (l.op == Op::kAdd && !aligned(l.in2_addr, elem_align)))
    return fail(why, NPU_ERR_MISALIGNED,
                fmt::format("tensor address not {}-byte aligned", elem_align));
  if (l.uses_weights() && !aligned(l.w_addr, f.is_float ? f.weight_bits / 8 : 1))
    return fail(why, NPU_ERR_MISALIGNED, "weight address misaligned");
  if ((l.has_bias() && !aligned(l.bias_addr, 4)) || (l.per_channel() && !aligned(l.quant_addr, 4)))
    return fail(why, NPU_ERR_MISALIGNED, "bias/quant arrays must be 4-byte aligned");
  if (!l.uses_weights() && (l.has_bias() || l.per_channel()))
    return fail(why, NPU_ERR_UNSUPPORTED, "bias/per-channel flags apply to conv2d and gemm only");
  return NPU_ERR_NONE;
}

}  // namespace hpvp::npu
