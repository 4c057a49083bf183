#include "layer_compute.h"

#include <fmt/format.h>

#include "npu_kernels.h"
#include "tensor_codec.h"

namespace hpvp::npu {

uint64_t tensor_bytes(const Formats& f, uint64_t elements, int bits) {
  return f.is_float ? elements * uint64_t(bits / 8) : packed_bytes(elements, bits);
}

uint64_t output_bytes(const Layer& l, const Formats& f) {
  return tensor_bytes(f, l.out_elements(), f.act_bits);
}

namespace {

struct RawOperands {
  std::vector<uint8_t> in, in2, w, bias, quant;
};

npu_error read_raw(const Layer& l, const Formats& f, const MemoryReader& read, RawOperands& raw,
                   std::string& why) {
  raw.in.resize(tensor_bytes(f, l.in_elements(), f.act_bits));
  raw.in2.resize(l.op == Op::kAdd ? raw.in.size() : 0);
  raw.w.resize(tensor_bytes(f, l.weight_elements(), f.weight_bits));
  raw.bias.resize(l.has_bias() ? 4 * uint64_t(l.out_c) : 0);
  raw.quant.resize(l.per_channel() ? 8 * uint64_t(l.out_c) : 0);
  struct Read {
    uint32_t addr;
    std::vector<uint8_t>& buf;
    const char* what;
  };
  for (const Read& r : {Read{l.in_addr, raw.in, "input"}, Read{l.in2_addr, raw.in2, "input2"},
                        Read{l.w_addr, raw.w, "weights"}, Read{l.bias_addr, raw.bias, "bias"},
                        Read{l.quant_addr, raw.quant, "quant"}}) {
    if (!r.buf.empty() && !read(r.addr, r.buf.data(), r.buf.size())) {
      why = fmt::format("{} tensor [0x{:08x}, +{}) is not in memory", r.what, r.addr, r.buf.size());
      return NPU_ERR_BUS;
    }
  }
  return NPU_ERR_NONE;
}

// Activations and weights into working buffers of T (int8_t or float).
template <typename T, typename Unpack>
void unpack_tensors(const Layer& l, const Formats& f, const RawOperands& raw, std::vector<T>& in,
                    std::vector<T>& in2, std::vector<T>& w, Unpack unpack) {
  const uint64_t in_n = l.in_elements(), w_n = l.weight_elements();
  in.resize(in_n);
  in2.resize(l.op == Op::kAdd ? in_n : 0);
  w.resize(w_n);
  unpack(raw.in.data(), in_n, f.act_bits, in.data());
  if (!in2.empty()) unpack(raw.in2.data(), in_n, f.act_bits, in2.data());
  unpack(raw.w.data(), w_n, f.weight_bits, w.data());
}

}  // namespace

npu_error read_int_operands(const Layer& l, const Formats& f, const MemoryReader& read,
                            IntOperands& ops, std::string& why) {
  RawOperands raw;
  if (npu_error e = read_raw(l, f, read, raw, why)) return e;
  unpack_tensors(l, f, raw, ops.in, ops.in2, ops.w, unpack_int);
  ops.bias.assign(size_t(l.out_c), 0);
  ops.mult.assign(size_t(l.out_c), l.mult);
  ops.shift.assign(size_t(l.out_c), l.shift);
  if (l.has_bias()) unpack_i32(raw.bias.data(), l.out_c, ops.bias.data());
  if (!l.per_channel()) return NPU_ERR_NONE;
  unpack_i32(raw.quant.data(), l.out_c, ops.mult.data());
  unpack_i32(raw.quant.data() + 4 * uint64_t(l.out_c), l.out_c, ops.shift.data());
  for (int c = 0; c < l.out_c; ++c) {
    if (ops.mult[size_t(c)] < 0 || ops.shift[size_t(c)] < -31 || ops.shift[size_t(c)] > 30) {
      why = fmt::format("channel {}: multiplier {} / shift {} out of range", c, ops.mult[size_t(c)],
                        ops.shift[size_t(c)]);
      return NPU_ERR_BAD_QUANT;
    }
  }
  return NPU_ERR_NONE;
}

npu_error read_float_operands(const Layer& l, const Formats& f, const MemoryReader& read,
                              FloatOperands& ops, std::string& why) {
  RawOperands raw;
  if (npu_error e = read_raw(l, f, read, raw, why)) return e;
  unpack_tensors(l, f, raw, ops.in, ops.in2, ops.w, unpack_float);
  ops.bias.clear();
  if (l.has_bias()) {
    ops.bias.resize(size_t(l.out_c));
    unpack_f32(raw.bias.data(), l.out_c, ops.bias.data());
  }
  return NPU_ERR_NONE;
}

void compute_int(const Layer& l, const Formats& f, const IntOperands& ops,
                 std::vector<uint8_t>& out) {
  std::vector<int8_t> res(l.out_elements());
  run_int_layer(l, ops.in.data(), ops.in2.data(), ops.w.data(),
                IntParams{ops.bias.data(), ops.mult.data(), ops.shift.data()}, res.data());
  out.assign(output_bytes(l, f), 0);
  pack_int(res.data(), res.size(), f.act_bits, out.data());
}

void compute_float(const Layer& l, const Formats& f, const FloatOperands& ops,
                   std::vector<uint8_t>& out) {
  std::vector<float> res(l.out_elements());
  run_float_layer(l, ops.in.data(), ops.in2.data(), ops.w.data(),
                  ops.bias.empty() ? nullptr : ops.bias.data(), res.data());
  out.assign(output_bytes(l, f), 0);
  pack_float(res.data(), res.size(), f.act_bits, out.data());
}

npu_error compute_layer(const Layer& l, const Formats& f, const MemoryReader& read,
                        std::vector<uint8_t>& out, std::string& why) {
  if (f.is_float) {
    FloatOperands ops;
    if (npu_error e = read_float_operands(l, f, read, ops, why)) return e;
    compute_float(l, f, ops, out);
    return NPU_ERR_NONE;
  }
  IntOperands ops;
  if (npu_error e = read_int_operands(l, f, read, ops, why)) return e;
  compute_int(l, f, ops, out);
  return NPU_ERR_NONE;
}

}  // namespace hpvp::npu
