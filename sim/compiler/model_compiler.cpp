#include "model_compiler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include "compile_error.h"
#include "float_eval.h"
#include "hpvm_runtime.h"
#include "npu/layer_schedule.h"
#include "npu/npu_layer.h"
#include "npu/tensor_codec.h"
#include "npu_quant.h"
#include <hpvp/model_image.h>

namespace hpvp::compiler {

using npu::Precision;

std::string Mapping::describe() const {
  if (per_layer.empty()) return default_unit;
  if (per_layer.size() > 2)
    return fmt::format("{} (+{} per-layer)", default_unit.empty() ? "-" : default_unit,
                       per_layer.size());
  std::string s = default_unit;
  for (const auto& [layer, unit] : per_layer)
    s += fmt::format("{}{}={}", s.empty() ? "" : ",", layer, unit);
  return s;
}

float InputSpec::normalize(int channel, uint8_t pixel) const {
  const double m = mean[mean.size() == 1 ? 0 : size_t(channel)];
  const double sd = std[std.size() == 1 ? 0 : size_t(channel)];
  return float((pixel * pixel_scale - m) / sd);
}

std::vector<float> preprocess(const InputSpec& spec, const Shape& shape, const uint8_t* raw) {
  std::vector<float> x(static_cast<size_t>(shape.elements()));
  const size_t hw = size_t(shape.h) * shape.w;
  for (size_t p = 0; p < hw; ++p)
    for (int c = 0; c < shape.c; ++c)
      x[size_t(c) * hw + p] = spec.normalize(c, raw[p * size_t(shape.c) + size_t(c)]);
  return x;
}

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// ---------------------------------------------------------------- formats

enum class Fmt : uint8_t {
  kInt8 = HPVM_FMT_INT8,
  kInt4 = HPVM_FMT_INT4,
  kFp16 = HPVM_FMT_FP16,
  kFp32 = HPVM_FMT_FP32
};

Fmt act_format(Precision p) {
  switch (p) {
    case Precision::kInt4:
      return Fmt::kInt4;
    case Precision::kFp16:
      return Fmt::kFp16;
    case Precision::kFp32:
      return Fmt::kFp32;
    default:
      return Fmt::kInt8;  // int8 and int2 (int8 activations)
  }
}
bool is_float(Fmt f) { return f == Fmt::kFp16 || f == Fmt::kFp32; }
int format_bits(Fmt f) { return int(hpvm_format_bits(unsigned(f))); }
int32_t qmin(Fmt f) { return f == Fmt::kInt4 ? -8 : -128; }
int32_t qmax(Fmt f) { return f == Fmt::kInt4 ? 7 : 127; }
const char* format_name(Fmt f) {
  switch (f) {
    case Fmt::kInt8:
      return "int8";
    case Fmt::kInt4:
      return "int4";
    case Fmt::kFp16:
      return "fp16";
    case Fmt::kFp32:
      return "fp32";
  }
  return "?";
}

uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

uint32_t align_up(uint64_t v, uint32_t a = HPVM_ALIGN) {
  const uint64_t r = (v + a - 1) / a * a;
  if (r > 0xFFFFFFFFull) throw CompileError("model image larger than 4 GiB");
  return uint32_t(r);
}

// Descriptor fields are uint16 (dims, groups) and uint8 (kernel, stride,
// padding): a model beyond them is an error, never a silent truncation.
template <typename Field>
Field narrow(int64_t v, const std::string& layer, const char* field) {
  if (v < 0 || v > int64_t(std::numeric_limits<Field>::max()))
    throw CompileError(
        fmt::format("layer '{}': {} = {} does not fit the NPU descriptor field "
                    "(0..{})",
                    layer, field, v, int64_t(std::numeric_limits<Field>::max())));
  return Field(v);
}

// real = scale * (q - zp)
struct QParams {
  float scale = 1.0f;
  int32_t zp = 0;
};

QParams choose_qparams(float lo, float hi, Fmt f) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  const double range = std::max(double(hi) - double(lo), 1e-6);
  QParams q;
  q.scale = float(range / double(qmax(f) - qmin(f)));
  q.zp = int32_t(
      std::clamp(std::lround(qmin(f) - lo / double(q.scale)), long(qmin(f)), long(qmax(f))));
  return q;
}

void quantize_multiplier(double real, int32_t& mult, int32_t& shift) {
  npu_quantize_multiplier(real, &mult, &shift);
}

// ---------------------------------------------------------------- layers

// One NPU descriptor's worth of graph: a main node plus a fused activation.
struct Layer {
  std::string name;
  npu::Op op = npu::Op::kConv2d;
  const Node* main = nullptr;
  std::vector<int> inputs;  // graph values
  int output = -1;          // graph value (after the fused activation)
  float act_lo = -kInf, act_hi = kInf;
  int flatten_from = -1;  // gemm after a Flatten of C x H x W (H*W > 1): that value
  size_t unit = 0;
};

npu::Op npu_op_of(OpKind k) {
  switch (k) {
    case OpKind::kConv:
      return npu::Op::kConv2d;
    case OpKind::kGemm:
      return npu::Op::kGemm;
    case OpKind::kMaxPool:
      return npu::Op::kMaxPool;
    case OpKind::kAvgPool:
      return npu::Op::kAvgPool;
    case OpKind::kGlobalAvgPool:
      return npu::Op::kGap;
    case OpKind::kAdd:
      return npu::Op::kAdd;
    default:
      return npu::Op::kRelu;  // Relu, Clip
  }
}

struct Descriptor {
  npu_desc_t d{};
  int in = -1, in2 = -1, out = -1;        // tensor indices
  int64_t w = -1, bias = -1, quant = -1;  // data-section offsets
  size_t layer = 0;
};

class Compiler {
 public:
  Compiler(const Graph& g, const std::vector<TargetUnit>& units, const CompileOptions& o)
      : g_(g), units_(units), o_(o) {}

  CompiledModel run() {
    if (units_.empty()) throw CompileError("the platform has no NPU to compile for");
    validate(g_);
    lower();
    assign_units();
    calibrate();
    create_input_tensors();
    for (size_t i = 0; i < layers_.size(); ++i) emit_layer(i);
    if (native_.find(resolve(g_.output)) == native_.end() || resolve(g_.output) == g_.input)
      throw CompileError("the graph output is not computed by any NPU layer");
    return write_image();
  }

 private:
  // ---- lowering
  int resolve(int v) const {
    auto it = alias_.find(v);
    return it == alias_.end() ? v : resolve(it->second);
  }
  const Node* producer(int v) const {
    for (const Node& n : g_.nodes)
      if (n.output == v) return &n;
    return nullptr;
  }
  bool is_activation(const Node& n) const {
    return n.kind == OpKind::kRelu || n.kind == OpKind::kClip;
  }
  void set_activation(Layer& l, const Node& act) const {
    l.act_lo = std::max(l.act_lo, act.kind == OpKind::kRelu ? 0.0f : act.clip_min);
    l.act_hi = std::min(l.act_hi, act.kind == OpKind::kRelu ? kInf : act.clip_max);
  }

  void lower() {
    std::vector<bool> fused(g_.nodes.size(), false);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (fused[i]) continue;
      if (n.kind == OpKind::kFlatten) {
        alias_[n.output] = n.inputs[0];
        continue;
      }
      Layer l;
      l.name = n.name;
      l.op = npu_op_of(n.kind);
      l.main = &n;
      for (int in : n.inputs) l.inputs.push_back(resolve(in));
      l.output = n.output;
      if (is_activation(n)) set_activation(l, n);
      if (n.kind == OpKind::kGemm) l.flatten_from = flattened_from(n.inputs[0]);
      check_flatten_readers(n);
      const bool fusable =
          n.kind == OpKind::kConv || n.kind == OpKind::kGemm || n.kind == OpKind::kAdd;
      const std::vector<int> users = g_.consumers(n.output);
      if (fusable && users.size() == 1 && n.output != g_.output &&
          is_activation(g_.nodes[size_t(users[0])])) {
        const Node& act = g_.nodes[size_t(users[0])];
        set_activation(l, act);
        l.output = act.output;
        fused[size_t(users[0])] = true;
      }
      layers_.push_back(l);
    }
  }

  // A flattened spatial tensor keeps its NHWC bytes; only Gemm (weights
  // permuted) and element-wise Relu/Clip may read it.
  void check_flatten_readers(const Node& n) const {
    if (n.kind == OpKind::kGemm || n.kind == OpKind::kRelu || n.kind == OpKind::kClip) return;
    for (int in : n.inputs)
      if (flattened_from(in) >= 0)
        throw CompileError(
            fmt::format("node '{}' ({}) reads a Flatten of a C x H x W tensor with "
                        "H*W > 1; only Gemm, Relu and Clip may follow such a "
                        "Flatten",
                        n.name, to_string(n.kind)));
  }

  // A vector value whose memory holds a C x H x W tensor (H*W > 1) in NHWC
  // order: a Flatten of it, possibly through element-wise Relu/Clip. Returns
  // that tensor's value, or -1. (ONNX orders the vector channel-major.)
  int flattened_from(int value) const {
    const Node* p = producer(value);
    if (!p) return -1;
    if (p->kind == OpKind::kRelu || p->kind == OpKind::kClip) return flattened_from(p->inputs[0]);
    if (p->kind != OpKind::kFlatten) return -1;
    const Shape& s = g_.shape(p->inputs[0]);
    return s.h * s.w > 1 ? resolve(p->inputs[0]) : flattened_from(p->inputs[0]);
  }

  size_t unit_index(const std::string& name, const std::string& context) const {
    for (size_t i = 0; i < units_.size(); ++i)
      if (units_[i].name == name) return i;
    std::vector<std::string> names;
    for (const auto& u : units_) names.push_back(u.name);
    throw CompileError(fmt::format("{}: unknown unit '{}'; the platform's NPUs are: {}", context,
                                   name, fmt::join(names, ", ")));
  }

  void assign_units() {
    for (const auto& [layer, unit] : o_.mapping.per_layer) {
      const bool found = std::any_of(layers_.begin(), layers_.end(),
                                     [&](const Layer& l) { return l.name == layer; });
      if (!found) {
        std::vector<std::string> names;
        for (const Layer& l : layers_) names.push_back(l.name);
        throw CompileError(fmt::format("mapping: no layer named '{}'; the layers are: {}", layer,
                                       fmt::join(names, ", ")));
      }
      unit_index(unit, fmt::format("mapping for layer '{}'", layer));
    }
    for (Layer& l : layers_) {
      auto it = o_.mapping.per_layer.find(l.name);
      if (it != o_.mapping.per_layer.end()) {
        l.unit = unit_index(it->second, "mapping");
      } else if (o_.mapping.default_unit.empty()) {
        throw CompileError(
            fmt::format("mapping: layer '{}' has no unit and there is no default", l.name));
      } else {
        l.unit = unit_index(o_.mapping.default_unit, "mapping");
      }
    }
  }

  void calibrate() {
    stats_ = o_.activation_stats ? o_.activation_stats
                                 : std::make_shared<const ActivationStats>(
                                       activation_stats(g_, o_.input, o_.calibration));
    if (stats_->ranges.size() != g_.values.size())
      throw CompileError("activation statistics were collected on another graph");
  }

  // Integer quantization of a value: the min/max range, shrunk to the
  // clipping range with the least mean squared quantization error on the
  // calibration samples (matters most for the 15 levels of int4).
  QParams qparams_of(int value, Fmt f) const {
    const auto& r = stats_->ranges[size_t(value)];
    const QParams full = choose_qparams(r.first, r.second, f);
    if (o_.calibration_method != CalibrationMethod::kMse || is_float(f)) return full;
    const std::vector<float>& x = stats_->samples[size_t(value)];
    QParams best = full;
    double best_err = quant_mse(x, full, f);
    for (int i = 1; i < 64; ++i) {
      const float k = 1.0f - float(i) / 80.0f;  // shrink to 21 % of the range at most
      const QParams q = choose_qparams(r.first * k, r.second * k, f);
      const double err = quant_mse(x, q, f);
      if (err < best_err) best_err = err, best = q;
    }
    return best;
  }
  static double quant_mse(const std::vector<float>& x, const QParams& q, Fmt f) {
    double err = 0;
    const double inv = 1.0 / q.scale;
    for (float v : x) {
      const double qv =
          std::clamp(std::nearbyint(v * inv) + q.zp, double(qmin(f)), double(qmax(f)));
      const double d = (qv - q.zp) * q.scale - v;
      err += d * d;
    }
    return err;
  }

  // ---- tensors
  int new_tensor(int value, Fmt f, QParams q) {
    // A flattened vector keeps the NHWC order of the tensor it came from:
    // the table records that shape so readers (argmax) know the order.
    const int source = flattened_from(value);
    const Shape& s = g_.shape(source >= 0 ? source : value);
    hpvm_tensor_t t{};
    t.offset = arena_bytes_;
    const uint64_t elems = uint64_t(s.elements());
    const uint64_t bytes = (elems * uint64_t(format_bits(f)) + 7) / 8;
    if (bytes > 0xFFFFFFFFull)
      throw CompileError(fmt::format("tensor '{}' needs {} bytes (more than 4 GiB)",
                                     g_.values[size_t(value)].name, bytes));
    t.bytes = uint32_t(bytes);
    // NHWC; a Gemm over M rows (SCALE-Sim) keeps them in h.
    t.h = uint16_t(s.h);
    t.w = uint16_t(s.w);
    t.c = uint16_t(s.c);
    if (s.h > 65535 || s.w > 65535 || s.c > 65535)
      throw CompileError(fmt::format("tensor '{}' {} exceeds the 65535 limit of a dimension",
                                     g_.values[size_t(value)].name, to_string(s)));
    t.format = uint8_t(f);
    t.zero_point = is_float(f) ? 0 : q.zp;
    t.scale_bits = f32_bits(is_float(f) ? 1.0f : q.scale);
    arena_bytes_ = align_up(uint64_t(arena_bytes_) + t.bytes);
    tensors_.push_back(t);
    tensor_value_.push_back(value);
    const int index = int(tensors_.size()) - 1;
    cache_[{value, f}] = index;
    return index;
  }
  QParams params_of(int tensor) const {
    float scale;
    std::memcpy(&scale, &tensors_[size_t(tensor)].scale_bits, 4);
    return QParams{scale, tensors_[size_t(tensor)].zero_point};
  }

  void create_input_tensors() {
    std::vector<int> inputs{g_.input};
    inputs.insert(inputs.end(), g_.extra_inputs.begin(), g_.extra_inputs.end());
    for (int v : inputs) {
      auto first = std::find_if(layers_.begin(), layers_.end(), [&](const Layer& l) {
        return std::find(l.inputs.begin(), l.inputs.end(), v) != l.inputs.end();
      });
      if (first == layers_.end()) continue;
      const Fmt f = act_format(units_[first->unit].config.precision);
      native_[v] = new_tensor(v, f, qparams_of(v, f));
    }
    if (native_.count(g_.input) == 0) throw CompileError("no NPU layer reads the network input");
  }

  // Tensor of `value` in format f; converts from its native tensor if needed.
  int input_tensor(int value, Fmt f) {
    auto it = cache_.find({value, f});
    if (it != cache_.end()) return it->second;
    const int src = native_.at(value);
    const int dst = new_tensor(value, f, qparams_of(value, f));
    add_convert(src, dst);
    return dst;
  }

  void add_convert(int src, int dst) {
    hpvm_step_t s{};
    s.kind = HPVM_STEP_CONVERT;
    s.first = uint32_t(src);
    s.count = uint32_t(dst);
    const Fmt sf = Fmt(tensors_[size_t(src)].format), df = Fmt(tensors_[size_t(dst)].format);
    const QParams sq = params_of(src), dq = params_of(dst);
    if (!is_float(sf) && !is_float(df))
      quantize_multiplier(double(sq.scale) / double(dq.scale), s.mult, s.shift);
    else if (!is_float(sf))
      s.scale_bits = f32_bits(sq.scale);
    else if (!is_float(df))
      s.scale_bits = f32_bits(1.0f / dq.scale);
    steps_.push_back(s);
    ++conversions_;
  }

  // ---- data section
  int64_t add_data(const void* p, size_t bytes) {
    const int64_t at = int64_t(data_.size());
    data_.resize(align_up(data_.size() + bytes));
    if (bytes) std::memcpy(data_.data() + at, p, bytes);
    return at;
  }

  // ---- layers -> descriptors
  void emit_layer(size_t index) {
    const Layer& l = layers_[index];
    const TargetUnit& unit = units_[l.unit];
    const Fmt f = act_format(unit.config.precision);
    Descriptor d;
    d.layer = index;
    d.in = input_tensor(l.inputs[0], f);
    if (l.op == npu::Op::kAdd) d.in2 = input_tensor(l.inputs[1], f);
    // Pools keep the input's quantization (the NPU does not requantize them).
    const bool keeps_params =
        l.op == npu::Op::kMaxPool || l.op == npu::Op::kAvgPool || l.op == npu::Op::kGap;
    const QParams out_q = keeps_params ? params_of(d.in) : qparams_of(l.output, f);
    d.out = new_tensor(l.output, f, out_q);
    native_[l.output] = d.out;
    fill_geometry(l, d.d);
    if (is_float(f))
      fill_float(l, unit, d);
    else
      fill_int(l, unit, d);
    check_descriptor(l, unit, d);
    append(l, d);
  }

  void fill_geometry(const Layer& l, npu_desc_t& d) const {
    const Node& n = *l.main;
    // The node's own input shape: after a Flatten it is the vector, while
    // l.inputs[0] names the (same bytes) tensor before the Flatten.
    const Shape& is = g_.shape(n.inputs[0]);
    const Shape& os = g_.shape(l.output);
    const std::string& name = l.name;
    auto u16 = [&](int64_t v, const char* field) { return narrow<uint16_t>(v, name, field); };
    auto u8 = [&](int64_t v, const char* field) { return narrow<uint8_t>(v, name, field); };
    d.op = uint32_t(l.op);
    d.in_h = u16(is.h, "in_h"), d.in_w = u16(is.w, "in_w"), d.in_c = u16(is.c, "in_c");
    d.out_h = u16(os.h, "out_h"), d.out_w = u16(os.w, "out_w"), d.out_c = u16(os.c, "out_c");
    d.groups = 1;
    d.k_h = d.k_w = d.stride_h = d.stride_w = 1;
    if (l.op == npu::Op::kGemm) {  // [M = h][K = c] -> [M][N]
      d.in_h = u16(int64_t(is.h) * is.w, "gemm M"), d.in_w = 1;
      d.out_h = u16(int64_t(os.h) * os.w, "gemm M"), d.out_w = 1;
    }
    if (l.op == npu::Op::kConv2d || l.op == npu::Op::kMaxPool || l.op == npu::Op::kAvgPool) {
      d.k_h = u8(n.k_h, "k_h"), d.k_w = u8(n.k_w, "k_w");
      d.stride_h = u8(n.stride_h, "stride_h"), d.stride_w = u8(n.stride_w, "stride_w");
      d.pad_top = u8(n.pad_top, "pad_top"), d.pad_left = u8(n.pad_left, "pad_left");
      d.pad_bottom = u8(n.pad_bottom, "pad_bottom"), d.pad_right = u8(n.pad_right, "pad_right");
      if (l.op == npu::Op::kConv2d) d.groups = u16(n.groups, "groups");
    }
  }

  // Conv OIHW -> OHWI; Gemm columns from ONNX (C,H,W) order to NHWC when a
  // Flatten of a spatial tensor feeds it.
  std::vector<float> npu_weight_layout(const Layer& l) const {
    const Node& n = *l.main;
    std::vector<float> w(n.weights.size());
    if (l.op == npu::Op::kConv2d) {
      const int out_c = g_.shape(l.output).c;
      const size_t per_out = n.weights.size() / size_t(out_c);
      const int cin = int(per_out / size_t(n.k_h * n.k_w));
      for (int o = 0; o < out_c; ++o)
        for (int i = 0; i < cin; ++i)
          for (int y = 0; y < n.k_h; ++y)
            for (int x = 0; x < n.k_w; ++x)
              w[((size_t(o) * n.k_h + y) * n.k_w + x) * cin + i] =
                  n.weights[((size_t(o) * cin + i) * n.k_h + y) * n.k_w + x];
      return w;
    }
    if (l.flatten_from < 0) return n.weights;
    const Shape& s = g_.shape(l.flatten_from);
    const size_t k_dim = size_t(s.elements()), hw = size_t(s.h) * s.w;
    for (size_t o = 0; o < n.weights.size() / k_dim; ++o)
      for (int c = 0; c < s.c; ++c)
        for (size_t p = 0; p < hw; ++p)
          w[o * k_dim + p * size_t(s.c) + size_t(c)] = n.weights[o * k_dim + size_t(c) * hw + p];
    return w;
  }

  void fill_float(const Layer& l, const TargetUnit& unit, Descriptor& d) {
    d.d.act_min = int32_t(f32_bits(l.act_lo));
    d.d.act_max = int32_t(f32_bits(l.act_hi));
    if (unit.config.precision == Precision::kFp16) warn_fp16_range(l);
    if (!l.main->weights.empty() && l.op != npu::Op::kRelu) {
      const std::vector<float> w = npu_weight_layout(l);
      const int bits = npu::formats_of(unit.config.precision).weight_bits;
      std::vector<uint8_t> packed(w.size() * size_t(bits / 8));
      npu::pack_float(w.data(), w.size(), bits, packed.data());
      d.w = add_data(packed.data(), packed.size());
      if (!l.main->bias.empty()) {
        d.d.flags |= NPU_FLAG_BIAS;
        d.bias = add_data(l.main->bias.data(), l.main->bias.size() * 4);
      }
    }
  }

  // binary16 saturates to inf beyond 65504: say so when the calibration saw
  // such outputs or the weights hold such values (the run stays as computed).
  void warn_fp16_range(const Layer& l) const {
    constexpr float kHalfMax = 65504.0f;
    const auto& r = stats_->ranges[size_t(l.output)];
    if (std::max(std::fabs(r.first), std::fabs(r.second)) > kHalfMax)
      spdlog::warn("layer '{}': calibrated outputs reach {} (beyond fp16's 65504: inf on {})",
                   l.name, std::max(std::fabs(r.first), std::fabs(r.second)), units_[l.unit].name);
    for (float w : l.main->weights)
      if (std::fabs(w) > kHalfMax) {
        spdlog::warn("layer '{}': weight {} beyond fp16's 65504 becomes inf on {}", l.name, w,
                     units_[l.unit].name);
        break;
      }
  }

  int32_t clamp_q(float real, const QParams& q, Fmt f) const {
    if (std::isinf(real)) return real < 0 ? qmin(f) : qmax(f);
    const long v = std::lround(double(q.zp) + double(real) / double(q.scale));
    return int32_t(std::clamp(v, long(qmin(f)), long(qmax(f))));
  }

  void fill_int(const Layer& l, const TargetUnit& unit, Descriptor& d) {
    const Fmt f = Fmt(tensors_[size_t(d.out)].format);
    const QParams in_q = params_of(d.in), out_q = params_of(d.out);
    npu_desc_t& x = d.d;
    x.in_zp = in_q.zp;
    x.out_zp = out_q.zp;
    x.act_min = clamp_q(l.act_lo, out_q, f);
    x.act_max = clamp_q(l.act_hi, out_q, f);
    x.mult = x.in_mult = x.in2_mult = 1 << 30;  // identity (0.5 * 2^1)
    x.shift = x.in_shift = x.in2_shift = 1;
    switch (l.op) {
      case npu::Op::kConv2d:
      case npu::Op::kGemm:
        return fill_int_weights(l, unit, in_q, out_q, d);
      case npu::Op::kAdd: {
        const QParams in2_q = params_of(d.in2);
        x.in2_zp = in2_q.zp;
        // TFLite's quantized add: inputs rescaled to twice the larger scale
        // with 20 bits of headroom, then to the output scale.
        const double twice_max = 2.0 * std::max(in_q.scale, in2_q.scale);
        quantize_multiplier(in_q.scale / twice_max, x.in_mult, x.in_shift);
        quantize_multiplier(in2_q.scale / twice_max, x.in2_mult, x.in2_shift);
        quantize_multiplier(twice_max / (double(1 << 20) * out_q.scale), x.mult, x.shift);
        return;
      }
      case npu::Op::kRelu:
        quantize_multiplier(double(in_q.scale) / out_q.scale, x.mult, x.shift);
        return;
      default:
        return;  // pools: same quantization in and out
    }
  }

  // Per-output-channel symmetric weights; ternary (TWN) on int2 units.
  void fill_int_weights(const Layer& l, const TargetUnit& unit, const QParams& in_q,
                        const QParams& out_q, Descriptor& d) {
    const std::vector<float> w = npu_weight_layout(l);
    const int out_c = g_.shape(l.output).c;
    const size_t per_out = w.size() / size_t(out_c);
    const npu::Formats nf = npu::formats_of(unit.config.precision);
    std::vector<int8_t> q(w.size());
    const size_t nc = static_cast<size_t>(out_c);
    std::vector<int32_t> bias(nc), mult(nc), shift(nc);
    for (int o = 0; o < out_c; ++o) {
      const float* row = &w[size_t(o) * per_out];
      const double b = l.main->bias.empty() ? 0.0 : l.main->bias[size_t(o)];
      // The int32 bias b / (in_scale * w_scale) must leave room for the
      // products (|x - zp| * |w| <= 255 * 128 each): a channel with tiny
      // weights but a real bias (pruned channels after BN folding) gets a
      // larger weight scale instead of a saturated bias (as TFLite).
      const double headroom = 2147483647.0 - double(per_out) * 255.0 * 128.0;
      const double min_ws = headroom > 0 ? std::fabs(b) / (double(in_q.scale) * headroom) : 0.0;
      const double ws =
          quantize_row(row, per_out, unit.config.precision, min_ws, &q[size_t(o) * per_out]);
      const double acc_scale = double(in_q.scale) * ws;
      bias[size_t(o)] = int32_t(std::clamp(std::llround(b / acc_scale),
                                           (long long)std::numeric_limits<int32_t>::min(),
                                           (long long)std::numeric_limits<int32_t>::max()));
      quantize_multiplier(acc_scale / out_q.scale, mult[size_t(o)], shift[size_t(o)]);
    }
    std::vector<uint8_t> packed(npu::packed_bytes(q.size(), nf.weight_bits));
    npu::pack_int(q.data(), q.size(), nf.weight_bits, packed.data());
    d.w = add_data(packed.data(), packed.size());
    d.bias = add_data(bias.data(), bias.size() * 4);
    std::vector<int32_t> quant(mult);
    quant.insert(quant.end(), shift.begin(), shift.end());
    d.quant = add_data(quant.data(), quant.size() * 4);
    d.d.flags |= NPU_FLAG_BIAS | NPU_FLAG_PER_CHANNEL;
  }

  // Quantizes one output channel's weights with a scale of at least
  // `min_scale`; returns the scale.
  static double quantize_row(const float* w, size_t n, Precision p, double min_scale, int8_t* q) {
    const double ws = quantize_row_free(w, n, p, q);
    if (ws >= min_scale) return ws;
    const int top = p == Precision::kInt2 ? 1 : p == Precision::kInt4 ? 7 : 127;
    for (size_t i = 0; i < n; ++i)
      q[i] = int8_t(std::clamp(std::lround(w[i] / min_scale), long(-top), long(top)));
    return min_scale;
  }
  static double quantize_row_free(const float* w, size_t n, Precision p, int8_t* q) {
    double max_abs = 0, sum_abs = 0;
    for (size_t i = 0; i < n; ++i) {
      max_abs = std::max(max_abs, double(std::fabs(w[i])));
      sum_abs += std::fabs(w[i]);
    }
    if (max_abs == 0) {
      std::fill(q, q + n, int8_t(0));
      return 1.0;
    }
    if (p == Precision::kInt2) {  // ternary weight networks: threshold 0.7 * mean |w|
      const double delta = 0.7 * sum_abs / double(n);
      double kept = 0;
      size_t count = 0;
      for (size_t i = 0; i < n; ++i) {
        const double a = std::fabs(w[i]);
        q[i] = a > delta ? (w[i] > 0 ? 1 : -1) : 0;
        if (a > delta) kept += a, ++count;
      }
      return count ? kept / double(count) : max_abs;
    }
    // Symmetric, with the clipping (scale) of least squared error: the full
    // range for int8 in practice, a tighter one for int4's 15 levels.
    const int top = p == Precision::kInt4 ? 7 : 127;
    double best_scale = max_abs / top, best_err = -1;
    for (int i = 0; i < 40; ++i) {
      const double scale = max_abs * (1.0 - i / 80.0) / top;
      double err = 0;
      for (size_t k = 0; k < n; ++k) {
        const double qv = std::clamp(std::nearbyint(w[k] / scale), double(-top), double(top));
        err += (qv * scale - w[k]) * (qv * scale - w[k]);
      }
      if (best_err < 0 || err < best_err) best_err = err, best_scale = scale;
    }
    for (size_t i = 0; i < n; ++i)
      q[i] = int8_t(std::clamp(std::lround(w[i] / best_scale), long(-top), long(top)));
    return best_scale;
  }

  // Decodes the descriptor as the NPU will and plans it against the unit's
  // scratchpads, so a layer that cannot run fails at compile time.
  void check_descriptor(const Layer& l, const TargetUnit& unit, Descriptor& d) const {
    npu_desc_t probe = d.d;
    const uint32_t fake = 0x1000;  // any aligned address: only the geometry is checked here
    probe.in_addr = probe.out_addr = fake;
    if (d.in2 >= 0) probe.in2_addr = fake;
    if (d.w >= 0) probe.w_addr = fake;
    if (d.bias >= 0) probe.bias_addr = fake;
    if (d.quant >= 0) probe.quant_addr = fake;
    npu::Layer decoded;
    std::string why;
    if (npu::decode_layer(probe, unit.config.precision, decoded, why) != NPU_ERR_NONE)
      throw CompileError(
          fmt::format("layer '{}' on {}: invalid descriptor: {}", l.name, unit.name, why));
    const npu::LayerPlan plan = npu::plan_layer(decoded, npu::formats_of(unit.config.precision),
                                                unit.config.array, unit.config.spads);
    if (plan.error != NPU_ERR_NONE)
      throw CompileError(
          fmt::format("layer '{}' does not fit {}: {}", l.name, unit.name, plan.why));
  }

  void append(const Layer& l, Descriptor& d) {
    const uint16_t slot = uint16_t(units_[l.unit].slot);
    const bool extend =
        !steps_.empty() && steps_.back().kind == HPVM_STEP_NPU && steps_.back().unit == slot;
    if (extend) {
      ++steps_.back().count;
    } else {
      hpvm_step_t s{};
      s.kind = HPVM_STEP_NPU;
      s.unit = slot;
      s.first = uint32_t(descs_.size());
      s.count = 1;
      steps_.push_back(s);
    }
    descs_.push_back(d);
  }

  // ---- image
  std::vector<uint32_t> input_lut() const {
    const int t = native_.at(g_.input);
    const hpvm_tensor_t& tensor = tensors_[size_t(t)];
    const Fmt f = Fmt(tensor.format);
    const QParams q = params_of(t);
    const int channels = g_.shape(g_.input).c;
    std::vector<uint32_t> lut(size_t(channels) * 256);
    for (int c = 0; c < channels; ++c)
      for (int p = 0; p < 256; ++p) {
        const float x = o_.input.normalize(c, uint8_t(p));
        uint32_t e;
        if (f == Fmt::kFp32)
          e = f32_bits(x);
        else if (f == Fmt::kFp16)
          e = npu_f32_to_f16(f32_bits(x));
        else
          e = uint32_t(clamp_q(x, q, f)) & (f == Fmt::kInt4 ? 0xfu : 0xffu);
        lut[size_t(c) * 256 + size_t(p)] = e;
      }
    return lut;
  }

  nlohmann::json metadata(const std::vector<CompiledLayer>& layers) const {
    nlohmann::json j;
    j["format"] = "hpvm";
    j["model"] = o_.model_name;
    // The file name only: the image (and its CRC) must not depend on how
    // the path was spelled.
    j["source"] = std::filesystem::path(o_.source).filename().string();
    j["platform"] = o_.platform;
    j["mapping"] = o_.mapping.describe();
    j["calibration_inputs"] = stats_->inputs;
    j["calibration_method"] = o_.calibration_method == CalibrationMethod::kMse ? "mse" : "minmax";
    j["macs"] = g_.macs();
    j["parameters"] = g_.parameters();
    j["conversions"] = conversions_;
    nlohmann::json ls = nlohmann::json::array();
    for (const auto& l : layers)
      ls.push_back({{"name", l.name},
                    {"op", l.op},
                    {"unit", l.unit},
                    {"desc", l.desc_index},
                    {"macs", l.macs}});
    j["layers"] = ls;
    nlohmann::json ts = nlohmann::json::array();
    for (size_t i = 0; i < tensors_.size(); ++i) {
      const QParams q = params_of(int(i));
      ts.push_back({{"value", g_.values[size_t(tensor_value_[i])].name},
                    {"format", format_name(Fmt(tensors_[i].format))},
                    {"scale", q.scale},
                    {"zero_point", q.zp}});
    }
    j["tensors"] = ts;
    return j;
  }

  CompiledModel write_image() {
    CompiledModel m;
    for (const Descriptor& d : descs_) {
      const Layer& l = layers_[d.layer];
      m.layers.push_back(CompiledLayer{l.name, npu::to_string(l.op), units_[l.unit].name,
                                       uint32_t(&d - descs_.data()), macs_of(d)});
    }
    m.conversions = conversions_;
    m.metadata = metadata(m.layers);
    const std::string meta = m.metadata.dump();
    const std::vector<uint32_t> lut = input_lut();
    const std::vector<hpvm_unit_t> units = unit_table();

    hpvm_header_t h{};
    h.magic = HPVM_MAGIC;
    h.version_major = HPVM_VERSION_MAJOR;
    h.version_minor = HPVM_VERSION_MINOR;
    h.header_bytes = sizeof h;
    uint32_t at = align_up(sizeof h);
    auto place = [&](uint32_t& offset, uint64_t bytes) {
      offset = at;
      at = align_up(uint64_t(at) + bytes);
    };
    place(h.units_offset, units.size() * sizeof(hpvm_unit_t));
    place(h.tensors_offset, tensors_.size() * sizeof(hpvm_tensor_t));
    place(h.steps_offset, steps_.size() * sizeof(hpvm_step_t));
    place(h.descs_offset, descs_.size() * sizeof(npu_desc_t));
    place(h.input_lut_offset, lut.size() * 4);
    uint32_t data_offset = 0;
    place(data_offset, data_.size());
    place(h.meta_offset, meta.size());
    h.n_units = uint32_t(units.size());
    h.n_tensors = uint32_t(tensors_.size());
    h.n_steps = uint32_t(steps_.size());
    h.n_descs = uint32_t(descs_.size());
    h.input_tensor = uint32_t(native_.at(g_.input));
    h.output_tensor = uint32_t(native_.at(resolve(g_.output)));
    h.input_channels = uint32_t(g_.shape(g_.input).c);
    h.meta_bytes = uint32_t(meta.size());
    h.image_bytes = at;
    h.arena_offset = at;
    h.arena_bytes = arena_bytes_;
    if (uint64_t(at) + arena_bytes_ > 0xFFFFFFFFull)
      throw CompileError(
          fmt::format("image ({} bytes) and activation arena ({} bytes) exceed the "
                      "32-bit address space",
                      at, arena_bytes_));

    std::vector<hpvm_tensor_t> tensors = tensors_;
    for (auto& t : tensors) t.offset += h.arena_offset;
    std::vector<npu_desc_t> descs = finalize_descriptors(tensors, data_offset, h.descs_offset);

    std::vector<uint8_t>& img = m.image;
    img.assign(h.image_bytes, 0);
    auto put = [&](uint32_t offset, const void* p, size_t bytes) {
      if (bytes) std::memcpy(img.data() + offset, p, bytes);
    };
    put(h.units_offset, units.data(), units.size() * sizeof(hpvm_unit_t));
    put(h.tensors_offset, tensors.data(), tensors.size() * sizeof(hpvm_tensor_t));
    put(h.steps_offset, steps_.data(), steps_.size() * sizeof(hpvm_step_t));
    put(h.descs_offset, descs.data(), descs.size() * sizeof(npu_desc_t));
    put(h.input_lut_offset, lut.data(), lut.size() * 4);
    put(data_offset, data_.data(), data_.size());
    put(h.meta_offset, meta.data(), meta.size());
    put(0, &h, sizeof h);
    h.checksum = uint32_t(crc32(0L, img.data(), uInt(img.size())));
    put(0, &h, sizeof h);
    return m;
  }

  uint64_t macs_of(const Descriptor& d) const {
    const Layer& l = layers_[d.layer];
    if (l.op != npu::Op::kConv2d && l.op != npu::Op::kGemm) return 0;
    return uint64_t(g_.shape(l.output).elements()) *
           (l.main->weights.size() / size_t(g_.shape(l.output).c));
  }

  std::vector<hpvm_unit_t> unit_table() const {
    std::vector<hpvm_unit_t> out;
    for (const TargetUnit& u : units_) {
      uint32_t count = 0;
      for (const Descriptor& d : descs_) count += &units_[layers_[d.layer].unit] == &u;
      if (count == 0) continue;
      hpvm_unit_t e{};
      e.slot = uint16_t(u.slot);
      e.precision = uint8_t(u.config.precision);
      e.layers = count;
      out.push_back(e);
    }
    return out;
  }

  std::vector<npu_desc_t> finalize_descriptors(const std::vector<hpvm_tensor_t>& tensors,
                                               uint32_t data_offset, uint32_t descs_offset) const {
    std::vector<npu_desc_t> out;
    for (const Descriptor& d : descs_) {
      npu_desc_t x = d.d;
      x.in_addr = tensors[size_t(d.in)].offset;
      x.out_addr = tensors[size_t(d.out)].offset;
      if (d.in2 >= 0) x.in2_addr = tensors[size_t(d.in2)].offset;
      if (d.w >= 0) x.w_addr = data_offset + uint32_t(d.w);
      if (d.bias >= 0) x.bias_addr = data_offset + uint32_t(d.bias);
      if (d.quant >= 0) x.quant_addr = data_offset + uint32_t(d.quant);
      out.push_back(x);
    }
    // Chain the descriptors of each NPU step.
    for (const hpvm_step_t& s : steps_) {
      if (s.kind != HPVM_STEP_NPU) continue;
      for (uint32_t i = 0; i + 1 < s.count; ++i)
        out[s.first + i].next = descs_offset + (s.first + i + 1) * NPU_DESC_SIZE;
    }
    return out;
  }

  const Graph& g_;
  const std::vector<TargetUnit>& units_;
  const CompileOptions& o_;
  std::vector<Layer> layers_;
  std::map<int, int> alias_;
  std::shared_ptr<const ActivationStats> stats_;
  std::vector<hpvm_tensor_t> tensors_;  // offsets relative to the arena until written
  std::vector<int> tensor_value_;
  std::map<std::pair<int, Fmt>, int> cache_;
  std::map<int, int> native_;  // value -> tensor written by its producer
  std::vector<hpvm_step_t> steps_;
  std::vector<Descriptor> descs_;
  std::vector<uint8_t> data_;
  uint32_t arena_bytes_ = 0;
  unsigned conversions_ = 0;
};

}  // namespace

// Value ranges over the calibration inputs, plus a strided sample of every
// value for the MSE range search.
ActivationStats activation_stats(const Graph& g, const InputSpec& input,
                                 const std::vector<std::vector<uint8_t>>& calibration) {
  constexpr size_t kSamplesPerValue = 16384;
  if (calibration.empty()) throw CompileError("no calibration inputs");
  ActivationStats st;
  st.inputs = calibration.size();
  st.ranges.assign(g.values.size(), {kInf, -kInf});
  st.samples.assign(g.values.size(), {});
  FloatEvaluator eval(g);
  const Shape& in = g.shape(g.input);
  for (const auto& raw : calibration) {
    if (int64_t(raw.size()) != in.elements())
      throw CompileError(
          fmt::format("calibration input has {} bytes, the network input {} needs {}", raw.size(),
                      to_string(in), in.elements()));
    eval.run(preprocess(input, in, raw.data()));
    for (size_t v = 0; v < g.values.size(); ++v) {
      const std::vector<float>& t = eval.value(int(v));
      if (t.empty()) continue;
      const auto [lo, hi] = std::minmax_element(t.begin(), t.end());
      st.ranges[v].first = std::min(st.ranges[v].first, *lo);
      st.ranges[v].second = std::max(st.ranges[v].second, *hi);
      const size_t stride = std::max<size_t>(1, t.size() * calibration.size() / kSamplesPerValue);
      for (size_t i = (st.samples[v].size() * 7919) % stride; i < t.size(); i += stride)
        st.samples[v].push_back(t[i]);
    }
  }
  return st;
}

CompiledModel compile_model(const Graph& g, const std::vector<TargetUnit>& units,
                            const CompileOptions& options) {
  return Compiler(g, units, options).run();
}

}  // namespace hpvp::compiler
