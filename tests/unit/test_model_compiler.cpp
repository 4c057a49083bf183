// Model compiler (sim/compiler/model_compiler.h) through the host-side
// reference of the image it writes (image_runner.h): for every unit
// precision (int8, int4, int2, fp16, fp32) the dequantized results must stay
// within error bounds of the fp32 graph (FloatEvaluator), the bounds being
// derived from the quantization parameters the compiler chose (read back
// from the image's tensor table and metadata). Plus the image header,
// mapping errors, mixed-precision mappings with CONVERT steps, determinism,
// the zoo models on the real platform configs, and Flatten corner cases.
//
// Two checks, both rigorous bounds (a violation is a bug, not bad luck):
//
//  * LayerCheck (the sharp one, every multi-layer test): each NPU layer's
//    output tensor against the float op applied to that layer's actual
//    quantized inputs; see the comment above LayerCheck.
//  * ErrorBound (end to end): the dequantized network output against the
//    fp32 graph, errors propagated through the network (below). It grows
//    with depth, so it is only informative for one-layer networks
//    (CompilePrecisionShallow); deeper tests add a statistical end-to-end
//    limit (relative RMS error) measured 2-3x below the limit.
//
// ErrorBound
// ----------
// For every graph value v the checker carries E[v], a bound on
// max_i |x̂_i - x_i| where x is the fp32 value (FloatEvaluator) and x̂ what the
// image holds for it, dequantized (real = scale * (q - zero_point)). E[v] is
// computed per input from the float tensors themselves:
//
//   * Storing a value in an integer tensor of scale s: s/2 of rounding (the
//     input LUT, float -> int), or up to 1 s where the NPU requantizes with
//     TFLite's MultiplyByQuantizedMultiplier (it rounds twice when the shift
//     is negative); plus up to s/2 where the rounded zero point moves the
//     representable range inside the calibrated [min, max] (the tests
//     calibrate min/max on the very inputs they check, so nothing else is
//     clipped); a fused Clip bound is itself rounded to the grid: +s/2.
//     Hence 2 s per requantized output. fp16 storage: 2^-11 relative
//     (+2^-25 absolute for subnormals); fp32 storage: exact.
//   * Conv/Gemm output channel o over the window (or vector) x̂ = x + δx,
//     |δx| <= E_in, with weights w + δw:
//        ŷ - y = Σ w·δx + Σ δw·x̂ + δbias + (float summation error)
//     |Σ w·δx| <= ||w_o||_1 E_in. For int8/int4 the weights are per-channel
//     symmetric; the compiler picks the clipping with the least squared
//     error, which is never worse than the full-range scale max|w_o|/top,
//     whose error is <= step/2 per weight, so ||δw_o||_2 <= sqrt(K)
//     max|w_o| / (2 top) and by Cauchy-Schwarz |Σ δw·x̂| <= ||δw_o||_2
//     (||x_window||_2 + sqrt(K) E_in). The int32 bias is rounded to the
//     accumulator scale s_in * w_scale <= s_in max|w_o| / top: half of that.
//     int2 units get weights that are exactly ternary (α_o · {-1,0,1}), so
//     δw = 0 and only the activations are quantized. fp16 weights: 2^-11
//     relative, i.e. 2^-11 Σ|w||x̂|. Both the NPU and the reference sum in
//     fp32: 2 K 2^-24 Σ|w||x̂|.
//   * Relu/Clip (fused or not) and MaxPool are 1-Lipschitz; AvgPool/GAP
//     average (<= E_in) and round once; Add adds both inputs' bounds.
//   * A CONVERT step into another format adds that format's storage error.
//
// The ||w_o||_1 E_in term assumes every error aligned with the weight signs:
// the bound is loose by about sqrt(K) per layer, hence only one layer deep.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <hpvp/model_image.h>
#include <nlohmann/json.hpp>

#include "compile_error.h"
#include "float_eval.h"
#include "graph.h"
#include "hpvm_runtime.h"
#include "image_runner.h"
#include "model_compiler.h"
#include "onnx_import.h"
#include "platform_config.h"
#include "workload_spec.h"

namespace hpvp::compiler {
namespace {

using ::testing::HasSubstr;
using npu::Precision;

// ------------------------------------------------------------------ graphs

// Builds a Graph directly (no ONNX). Weights ~ U(-a, a) with a chosen so the
// output variance is gain^2 times the input's (a = gain * sqrt(3 / K)).
class Net {
 public:
  Net(Shape in, uint32_t seed) : rng_(seed) {
    g_.name = "testnet";
    g_.input = value("input", in);
  }

  int conv(int x, int out_c, int k, int stride, int pad, int groups = 1, float gain = 1.4f) {
    const Shape in = g_.shape(x);
    Node n = node(OpKind::kConv, "conv", {x});
    n.k_h = n.k_w = k;
    n.stride_h = n.stride_w = stride;
    n.pad_top = n.pad_left = n.pad_bottom = n.pad_right = pad;
    n.groups = groups;
    const int per_out = in.c / groups * k * k;
    n.weights = weights(size_t(out_c) * per_out, per_out, gain);
    n.bias = uniform(size_t(out_c), -0.1f, 0.1f);
    const Shape out{out_c, window_out(in.h, pad, pad, k, stride), window_out(in.w, pad, pad, k, stride)};
    return add(n, out);
  }
  int gemm(int x, int n_out, float gain = 1.0f) {
    const int k = g_.shape(x).c;
    Node n = node(OpKind::kGemm, "fc", {x});
    n.weights = weights(size_t(n_out) * k, k, gain);
    n.bias = uniform(size_t(n_out), -0.1f, 0.1f);
    return add(n, Shape{n_out, 1, 1});
  }
  int relu(int x) { return add(node(OpKind::kRelu, "relu", {x}), g_.shape(x)); }
  int clip(int x, float lo, float hi) {
    Node n = node(OpKind::kClip, "clip", {x});
    n.clip_min = lo;
    n.clip_max = hi;
    return add(n, g_.shape(x));
  }
  int pool(OpKind kind, int x, int k, int stride, int pad = 0) {
    const Shape in = g_.shape(x);
    Node n = node(kind, kind == OpKind::kMaxPool ? "maxpool" : "avgpool", {x});
    n.k_h = n.k_w = k;
    n.stride_h = n.stride_w = stride;
    n.pad_top = n.pad_left = n.pad_bottom = n.pad_right = pad;
    return add(n, Shape{in.c, window_out(in.h, pad, pad, k, stride),
                        window_out(in.w, pad, pad, k, stride)});
  }
  int gap(int x) { return add(node(OpKind::kGlobalAvgPool, "gap", {x}), Shape{g_.shape(x).c, 1, 1}); }
  int sum(int a, int b) { return add(node(OpKind::kAdd, "add", {a, b}), g_.shape(a)); }
  int flatten(int x) {
    return add(node(OpKind::kFlatten, "flatten", {x}), Shape{int(g_.shape(x).elements()), 1, 1});
  }
  Graph finish(int out) {
    g_.output = out;
    validate(g_);
    return g_;
  }
  // Makes every Conv/Gemm weight row exactly ternary: α_o * {-1, 0, +1}.
  void ternarize_all() {
    for (Node& n : g_.nodes) {
      if (n.kind != OpKind::kConv && n.kind != OpKind::kGemm) continue;
      const size_t out_c = size_t(g_.shape(n.output).c), per = n.weights.size() / out_c;
      for (size_t o = 0; o < out_c; ++o) {
        double mean_abs = 0;
        for (size_t k = 0; k < per; ++k) mean_abs += std::fabs(n.weights[o * per + k]);
        const float alpha = float(mean_abs / double(per) * 1.5);
        for (size_t k = 0; k < per; ++k) {
          float& w = n.weights[o * per + k];
          w = std::fabs(w) < 0.33f * alpha ? 0.0f : (w > 0 ? alpha : -alpha);
        }
      }
    }
  }
  Graph& graph() { return g_; }

 private:
  int value(const std::string& name, Shape s) {
    g_.values.push_back(Value{name, s});
    return int(g_.values.size()) - 1;
  }
  Node node(OpKind k, const std::string& prefix, std::vector<int> inputs) {
    Node n;
    n.kind = k;
    n.name = prefix + std::to_string(++counter_);
    n.inputs = std::move(inputs);
    return n;
  }
  int add(Node n, Shape out) {
    n.output = value("v_" + n.name, out);
    g_.nodes.push_back(n);
    return n.output;
  }
  std::vector<float> uniform(size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng_);
    return v;
  }
  std::vector<float> weights(size_t n, int fan_in, float gain) {
    const float a = gain * std::sqrt(3.0f / float(fan_in));
    return uniform(n, -a, a);
  }

  Graph g_;
  std::mt19937 rng_;
  int counter_ = 0;
};

// input 3x8x8 -> conv3x3(8)+relu -> maxpool2 -> conv3x3(8)+clip(0,6) ->
// depthwise conv3x3 -> add(maxpool) + relu -> avgpool3 (pad 1, stride 1) ->
// GAP -> flatten -> gemm(10): every op kind, fused and unfused activations,
// a residual, and padding on conv and avgpool.
Graph small_cnn(uint32_t seed, bool ternary = false) {
  Net n(Shape{3, 8, 8}, seed);
  int x = n.relu(n.conv(n.graph().input, 8, 3, 1, 1));  // conv1 + relu2
  const int pooled = n.pool(OpKind::kMaxPool, x, 2, 2);  // maxpool3: 8x4x4
  x = n.clip(n.conv(pooled, 8, 3, 1, 1), 0.0f, 6.0f);   // conv4 + clip5
  x = n.conv(x, 8, 3, 1, 1, 8);                         // conv6 (depthwise)
  x = n.relu(n.sum(x, pooled));                         // add7 + relu8
  x = n.pool(OpKind::kAvgPool, x, 3, 1, 1);             // avgpool9
  x = n.gap(x);                                         // gap10
  x = n.gemm(n.flatten(x), 10);                         // flatten11, fc12
  if (ternary) n.ternarize_all();
  return n.finish(x);
}

// ------------------------------------------------------------------ units, inputs

TargetUnit make_unit(const std::string& name, unsigned slot, Precision p, int rows = 16,
                     int cols = 16) {
  TargetUnit u;
  u.name = name;
  u.slot = slot;
  u.config.precision = p;
  u.config.array.rows = rows;
  u.config.array.cols = cols;
  return u;
}

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::kInt8: return "int8";
    case Precision::kInt4: return "int4";
    case Precision::kInt2: return "int2";
    case Precision::kFp16: return "fp16";
    case Precision::kFp32: return "fp32";
  }
  return "?";
}

// Random raw HWC inputs, plus an all-0 and an all-255 one (so min/max
// calibration on this set covers the whole input range).
std::vector<std::vector<uint8_t>> raw_inputs(const Shape& s, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<uint8_t>> out;
  out.push_back(std::vector<uint8_t>(size_t(s.elements()), 0));
  out.push_back(std::vector<uint8_t>(size_t(s.elements()), 255));
  for (size_t i = 0; i < n; ++i) {
    std::vector<uint8_t> r(size_t(s.elements()));
    for (auto& b : r) b = uint8_t(rng() & 0xff);
    out.push_back(r);
  }
  return out;
}

InputSpec input_spec() {
  InputSpec s;
  s.mean = {0.5};
  s.std = {0.25};  // x in [-2, 2]
  return s;
}

CompileOptions options(const Mapping& m, const std::vector<std::vector<uint8_t>>& calibration,
                       CalibrationMethod method = CalibrationMethod::kMinMax) {
  CompileOptions o;
  o.mapping = m;
  o.input = input_spec();
  o.calibration = calibration;
  o.calibration_method = method;
  o.model_name = "testnet";
  o.source = "test";
  o.platform = "test";
  return o;
}

Mapping map_to(const std::string& unit) {
  Mapping m;
  m.default_unit = unit;
  return m;
}

// ------------------------------------------------------------------ image decoding

const hpvm_header_t& header(const std::vector<uint8_t>& img) {
  return *reinterpret_cast<const hpvm_header_t*>(img.data());
}
hpvm_tensor_t tensor(const std::vector<uint8_t>& img, uint32_t i) {
  hpvm_tensor_t t;
  std::memcpy(&t, img.data() + header(img).tensors_offset + size_t(i) * sizeof t, sizeof t);
  return t;
}
hpvm_step_t step(const std::vector<uint8_t>& img, uint32_t i) {
  hpvm_step_t s;
  std::memcpy(&s, img.data() + header(img).steps_offset + size_t(i) * sizeof s, sizeof s);
  return s;
}
float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// IEEE binary16 -> float (exact), written independently of the codec.
float half_to_float(uint16_t h) {
  const int sign = h >> 15, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  double v;
  if (exp == 0)
    v = std::ldexp(double(man), -24);
  else if (exp == 31)
    v = man ? NAN : INFINITY;
  else
    v = std::ldexp(double(man | 0x400), exp - 25);
  return float(sign ? -v : v);
}

// Dequantized tensor contents, channel-major (C x H x W) like the graph.
std::vector<float> dequantize(const hpvm_tensor_t& t, const std::vector<uint8_t>& bytes) {
  const size_t hw = size_t(t.h) * t.w, n = hw * t.c;
  const float scale = bits_to_float(t.scale_bits);
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {  // i: NHWC element index
    float v = 0;
    switch (t.format) {
      case HPVM_FMT_INT8: v = scale * float(int(int8_t(bytes.at(i))) - t.zero_point); break;
      case HPVM_FMT_INT4: {
        int q = (bytes.at(i / 2) >> ((i % 2) * 4)) & 0xf;
        if (q >= 8) q -= 16;
        v = scale * float(q - t.zero_point);
        break;
      }
      case HPVM_FMT_FP16: v = half_to_float(uint16_t(bytes.at(2 * i) | bytes.at(2 * i + 1) << 8)); break;
      case HPVM_FMT_FP32: std::memcpy(&v, &bytes.at(4 * i), 4); break;
      default: ADD_FAILURE() << "format " << int(t.format);
    }
    const size_t c = i % t.c, p = i / t.c;
    out[c * hw + p] = v;
  }
  return out;
}

// ------------------------------------------------------------------ the bound

enum class Fmt { kInt8, kInt4, kFp16, kFp32 };
Fmt act_format(Precision p) {
  switch (p) {
    case Precision::kInt4: return Fmt::kInt4;
    case Precision::kFp16: return Fmt::kFp16;
    case Precision::kFp32: return Fmt::kFp32;
    default: return Fmt::kInt8;
  }
}
const char* fmt_name(Fmt f) {
  switch (f) {
    case Fmt::kInt8: return "int8";
    case Fmt::kInt4: return "int4";
    case Fmt::kFp16: return "fp16";
    case Fmt::kFp32: return "fp32";
  }
  return "?";
}
bool is_int(Fmt f) { return f == Fmt::kInt8 || f == Fmt::kInt4; }

constexpr double kU16 = 1.0 / 2048;           // fp16 unit roundoff 2^-11
constexpr double kU32 = 1.0 / 16777216;       // fp32 unit roundoff 2^-24
constexpr double kSub16 = 1.0 / 33554432.0;   // half of the smallest fp16 subnormal

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, double(std::fabs(x)));
  return m;
}

class ErrorBound {
 public:
  // Requantized integer output: MBQM double rounding (1 step), the range
  // edge (1/2), a rounded Clip bound (1/2).
  static constexpr double kRequantSteps = 2.0;

  // `layer_precision`: the unit precision of each NPU layer, by the name of
  // its main node; `meta`: the image metadata (tensor scales by value name).
  ErrorBound(const Graph& g, std::map<std::string, Precision> layer_precision,
             const nlohmann::json& meta)
      : g_(g), prec_(std::move(layer_precision)) {
    for (const auto& t : meta.at("tensors"))
      scale_[{t.at("value").get<std::string>(), t.at("format").get<std::string>()}] =
          t.at("scale").get<double>();
    // Which nodes the compiler fuses: Conv/Gemm/Add with a sole Relu/Clip user.
    fused_.assign(g.nodes.size(), false);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      if (n.kind != OpKind::kConv && n.kind != OpKind::kGemm && n.kind != OpKind::kAdd) continue;
      const std::vector<int> users = g.consumers(n.output);
      if (users.size() == 1 && n.output != g.output &&
          (g.nodes[size_t(users[0])].kind == OpKind::kRelu ||
           g.nodes[size_t(users[0])].kind == OpKind::kClip))
        fused_[size_t(users[0])] = true;
    }
  }

  // Bound on max |dequantized output - float output| for the input whose
  // float tensors `e` holds (after e.run()).
  double run(const FloatEvaluator& e) {
    err_.assign(g_.values.size(), 0.0);
    fmt_.assign(g_.values.size(), Fmt::kFp32);
    alias_.clear();
    // The network input: the format of its first reader.
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (fused_[i] || n.kind == OpKind::kFlatten) continue;
      if (std::find(n.inputs.begin(), n.inputs.end(), g_.input) == n.inputs.end()) continue;
      fmt_[size_t(g_.input)] = act_format(prec_.at(n.name));
      break;
    }
    err_[size_t(g_.input)] = store_error(g_.input, fmt_[size_t(g_.input)], max_abs(e.value(g_.input)), 1.0);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (fused_[i]) continue;  // 1-Lipschitz: done with its layer (layer_output)
      if (n.kind == OpKind::kFlatten) {
        alias_[n.output] = resolve(n.inputs[0]);
        err_[size_t(n.output)] = err_[size_t(n.inputs[0])];
        fmt_[size_t(n.output)] = fmt_[size_t(n.inputs[0])];
        continue;
      }
      const Fmt f = act_format(prec_.at(n.name));
      const int out = layer_output(i);
      const double ymax = max_abs(e.value(out));
      double err = 0;
      switch (n.kind) {
        case OpKind::kConv:
        case OpKind::kGemm: err = weighted(n, e, f) + store_error(out, f, ymax, kRequantSteps); break;
        case OpKind::kRelu:
        case OpKind::kClip:
          err = input_error(n.inputs[0], f, e) + (is_int(f) ? store_error(out, f, ymax, kRequantSteps) : 0.0);
          break;
        case OpKind::kMaxPool: err = input_error(n.inputs[0], f, e); break;
        case OpKind::kAvgPool:
        case OpKind::kGlobalAvgPool: {
          const double in_err = input_error(n.inputs[0], f, e);
          const double window = n.kind == OpKind::kAvgPool ? double(n.k_h) * n.k_w
                                                           : double(g_.shape(n.inputs[0]).h) *
                                                                 g_.shape(n.inputs[0]).w;
          const double sum_err = 2 * window * kU32 * (max_abs(e.value(n.inputs[0])) + in_err);
          // Pools keep their input's quantization: rounding the mean is s/2,
          // 1.5 s leaves the same margin as elsewhere.
          err = in_err + sum_err + store_error(out, f, ymax + in_err, 1.5);
          break;
        }
        case OpKind::kAdd: {
          const double a = input_error(n.inputs[0], f, e), b = input_error(n.inputs[1], f, e);
          // Integer add: both inputs rescaled with 20 bits of headroom
          // (rounding ~2^-20 of an input step each), then one requantization.
          const double rescale = is_int(f) ? 1e-5 * (scale(n.inputs[0], f) + scale(n.inputs[1], f)) : 0.0;
          err = a + b + rescale + 2 * kU32 * (ymax + a + b) + store_error(out, f, ymax + a + b, kRequantSteps);
          break;
        }
        case OpKind::kFlatten: break;
      }
      err_[size_t(out)] = err;
      fmt_[size_t(out)] = f;
    }
    return err_[size_t(g_.output)];
  }

 private:
  int resolve(int v) const {
    auto it = alias_.find(v);
    return it == alias_.end() ? v : resolve(it->second);
  }
  // The value a layer writes: its fused activation's output, if any.
  int layer_output(size_t i) const {
    const Node& n = g_.nodes[i];
    const std::vector<int> users = g_.consumers(n.output);
    if (users.size() == 1 && fused_[size_t(users[0])]) return g_.nodes[size_t(users[0])].output;
    return n.output;
  }
  double scale(int v, Fmt f) const {
    const std::string name = g_.values[size_t(resolve(v))].name;
    auto it = scale_.find({name, fmt_name(f)});
    if (it == scale_.end()) {
      ADD_FAILURE() << "no " << fmt_name(f) << " tensor for value " << name << " in the metadata";
      return INFINITY;
    }
    return it->second;
  }
  // Error of storing value v (max magnitude vmax) in format f.
  double store_error(int v, Fmt f, double vmax, double steps) const {
    switch (f) {
      case Fmt::kInt8:
      case Fmt::kInt4: return steps * scale(v, f);
      case Fmt::kFp16: return kU16 * vmax + kSub16;
      case Fmt::kFp32: return 0.0;
    }
    return 0.0;
  }
  // Error bound of value v as a layer in format f reads it (a CONVERT step
  // when its own format differs).
  double input_error(int v, Fmt f, const FloatEvaluator& e) const {
    const double base = err_[size_t(v)];
    if (fmt_[size_t(v)] == f) return base;
    const double vmax = max_abs(e.value(v)) + base;
    // int -> int: MBQM (<= 1 step) + the range edge (1/2 step)
    return base + (f == Fmt::kFp32 ? kU32 * vmax : store_error(v, f, vmax, 1.5));
  }

  // Conv/Gemm before the output rounding, max over channels and positions.
  double weighted(const Node& n, const FloatEvaluator& e, Fmt f) const {
    const int x = n.inputs[0];
    const Shape is = g_.shape(x), os = g_.shape(n.output);
    const std::vector<float>& in = e.value(x);
    const double e_in = input_error(x, f, e);
    const size_t per_out = n.weights.size() / size_t(os.c);
    const double sqrt_k = std::sqrt(double(per_out));
    const Precision p = prec_.at(n.name);
    const double top = p == Precision::kInt4 ? 7 : 127;
    const double s_in = is_int(f) ? scale(x, f) : 0.0;
    double worst = 0;
    for (int o = 0; o < os.c; ++o) {
      const float* w = &n.weights[size_t(o) * per_out];
      double l1 = 0, wmax = 0;
      for (size_t k = 0; k < per_out; ++k) l1 += std::fabs(w[k]), wmax = std::max(wmax, double(std::fabs(w[k])));
      for (int oy = 0; oy < os.h; ++oy)
        for (int ox = 0; ox < os.w; ++ox) {
          // Σ|w||x| and ||x_window||_2 at this output position
          double s1 = 0, s2 = 0;
          if (n.kind == OpKind::kGemm) {
            for (size_t k = 0; k < per_out; ++k)
              s1 += std::fabs(w[k] * in[k]), s2 += double(in[k]) * in[k];
          } else {
            const int cin_g = is.c / n.groups, g = o / (os.c / n.groups);
            for (int ci = 0; ci < cin_g; ++ci)
              for (int ky = 0; ky < n.k_h; ++ky)
                for (int kx = 0; kx < n.k_w; ++kx) {
                  const int iy = oy * n.stride_h - n.pad_top + ky, ix = ox * n.stride_w - n.pad_left + kx;
                  if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;
                  const double xv = in[(size_t(g * cin_g + ci) * is.h + iy) * is.w + ix];
                  s1 += std::fabs(w[(size_t(ci) * n.k_h + ky) * n.k_w + kx] * xv);
                  s2 += xv * xv;
                }
          }
          s2 = std::sqrt(s2);
          const double sx = s1 + l1 * e_in;  // >= Σ|w||x̂|
          double err = l1 * e_in + 2 * double(per_out) * kU32 * sx;
          switch (p) {
            case Precision::kInt8:
            case Precision::kInt4:
              err += sqrt_k * wmax / (2 * top) * (s2 + sqrt_k * e_in) + s_in * wmax / top / 2;
              break;
            case Precision::kInt2: err += s_in * wmax / 2; break;  // exact ternary weights
            case Precision::kFp16: err += kU16 * sx + double(per_out) * kSub16 * (max_abs(in) + e_in); break;
            case Precision::kFp32: break;
          }
          worst = std::max(worst, err);
        }
    }
    return worst;
  }

  const Graph& g_;
  std::map<std::string, Precision> prec_;
  std::map<std::pair<std::string, std::string>, double> scale_;
  std::vector<bool> fused_;
  std::vector<double> err_;
  std::vector<Fmt> fmt_;
  std::map<int, int> alias_;
};

std::map<std::string, Precision> layer_precisions(const Graph& g, const Mapping& m,
                                                  const std::vector<TargetUnit>& units) {
  std::map<std::string, Precision> out;
  for (const Node& n : g.nodes) {
    auto it = m.per_layer.find(n.name);
    const std::string unit = it == m.per_layer.end() ? m.default_unit : it->second;
    for (const TargetUnit& u : units)
      if (u.name == unit) out[n.name] = u.config.precision;
  }
  return out;
}

struct CheckResult {
  double worst_ratio = 0;   // max over inputs and outputs of |error| / bound
  double worst_error = 0;   // max |error|
  double worst_bound = 0;   // max bound
  double output_range = 0;  // max |float output|
  size_t argmax_agree = 0, inputs = 0;
  double sum_sq_err = 0, sum_sq_out = 0;
  // RMS error relative to the RMS of the float outputs.
  double relative_rms() const { return std::sqrt(sum_sq_err / std::max(sum_sq_out, 1e-30)); }
};

// Runs every input through the image (ImageRunner) and the float graph
// `reference` and compares the dequantized output with the bound.
CheckResult check_against_float(const Graph& reference, const CompiledModel& m,
                                const std::map<std::string, Precision>& prec,
                                const std::vector<std::vector<uint8_t>>& inputs) {
  CheckResult r;
  ImageRunner runner(m.image, "test image");
  const hpvm_tensor_t out_t = tensor(m.image, header(m.image).output_tensor);
  FloatEvaluator eval(reference);
  ErrorBound bound(reference, prec, m.metadata);
  for (const auto& raw : inputs) {
    const unsigned cls = runner.run(raw.data());
    eval.run(preprocess(input_spec(), reference.shape(reference.input), raw.data()));
    const std::vector<float> want = eval.output();
    const std::vector<float> got = dequantize(out_t, runner.output());
    const double b = bound.run(eval) + 1e-6;
    EXPECT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size() && i < got.size(); ++i) {
      const double err = std::fabs(double(got[i]) - want[i]);
      r.worst_ratio = std::max(r.worst_ratio, err / b);
      r.worst_error = std::max(r.worst_error, err);
      r.output_range = std::max(r.output_range, double(std::fabs(want[i])));
      r.sum_sq_err += err * err;
      r.sum_sq_out += double(want[i]) * want[i];
    }
    r.worst_bound = std::max(r.worst_bound, b);
    // The runner's class is the argmax of the output it holds (for a
    // vector output; spatial outputs: CompileFlatten.SpatialOutput...).
    if (out_t.h * out_t.w == 1) {
      EXPECT_EQ(int(cls), argmax(got));
    }
    r.argmax_agree += int(cls) == argmax(want);
    ++r.inputs;
  }
  return r;
}

std::string describe(const CheckResult& r) {
  return "worst error " + std::to_string(r.worst_error) + ", worst bound " +
         std::to_string(r.worst_bound) + ", error/bound " + std::to_string(r.worst_ratio) +
         ", output range " + std::to_string(r.output_range) + ", relative RMS error " +
         std::to_string(r.relative_rms()) + ", argmax agreement " +
         std::to_string(r.argmax_agree) + "/" + std::to_string(r.inputs);
}

// ------------------------------------------------------------------ layer by layer
//
// Worst-case bounds grow with depth (||w||_1 per layer), so for networks of
// more than one layer the end-to-end comparison is statistical (relative
// RMS error) and the bound is applied layer by layer instead: every tensor
// of the image is read back after each input (the header's output_tensor
// pointed at it, checksum redone), and each NPU layer's output is compared
// with the float op (the graph's own fp32 weights, double arithmetic)
// applied to the layer's *actual* quantized inputs. What remains is the
// layer's own error, which is small and tight:
//   * int8/int4 Conv/Gemm: ||δw_o||_2 ||x̂_window||_2 (see the top), the bias
//     rounding, fp32 summation, and the output requantization: TFLite's
//     MultiplyByQuantizedMultiplier rounds twice (SRDHM, then the rounding
//     right shift) when the shift is negative, so up to 1 step (+ s/2 where
//     a Clip bound is itself rounded onto the grid);
//   * int2 (exactly ternary weights): bias, summation, output rounding;
//   * fp16: 2^-11 relative on weights and on the stored output; fp32: the
//     summation only;
//   * integer requantization saturates at the tensor's representable range
//     [s (qmin - zp), s (qmax - zp)], so the reference clamps there too;
//   * MaxPool is exact, AvgPool/GAP round the mean once (s/2), integer Add
//     rescales with 20 bits of headroom then rounds once;
//   * a CONVERT step stores its source in the destination format: 1 step
//     int -> int (MBQM), s/2 float -> int, 2^-11 relative (fp16), fp32 ~exact.

std::vector<bool> fused_activations(const Graph& g) {
  std::vector<bool> fused(g.nodes.size(), false);
  for (const Node& n : g.nodes) {
    if (n.kind != OpKind::kConv && n.kind != OpKind::kGemm && n.kind != OpKind::kAdd) continue;
    const std::vector<int> users = g.consumers(n.output);
    if (users.size() == 1 && n.output != g.output &&
        (g.nodes[size_t(users[0])].kind == OpKind::kRelu ||
         g.nodes[size_t(users[0])].kind == OpKind::kClip))
      fused[size_t(users[0])] = true;
  }
  return fused;
}

std::vector<uint8_t> with_output_tensor(std::vector<uint8_t> img, uint32_t t) {
  std::memcpy(img.data() + offsetof(hpvm_header_t, output_tensor), &t, 4);
  std::memset(img.data() + offsetof(hpvm_header_t, checksum), 0, 4);
  const uint32_t crc = uint32_t(crc32(0L, img.data(), uInt(img.size())));
  std::memcpy(img.data() + offsetof(hpvm_header_t, checksum), &crc, 4);
  return img;
}

struct LayerReport {
  double worst_ratio = 0;  // max |error| / local bound over layers, elements, inputs
  std::string worst_where;
  size_t layers = 0, converts = 0;
};

class LayerCheck {
 public:
  LayerCheck(const Graph& g, const CompiledModel& m, std::map<std::string, Precision> prec)
      : g_(g), img_(m.image), prec_(std::move(prec)), fused_(fused_activations(g)) {
    const hpvm_header_t h = header(img_);
    const auto& ts = m.metadata.at("tensors");
    EXPECT_EQ(ts.size(), h.n_tensors);
    for (uint32_t i = 0; i < h.n_tensors; ++i) {
      const hpvm_tensor_t t = tensor(img_, i);
      const std::string value = ts.at(i).at("value"), fmt = ts.at(i).at("format");
      index_[{value, fmt}] = int(i);
      // The metadata describes the tensor table.
      if (t.format != HPVM_FMT_FP16 && t.format != HPVM_FMT_FP32) {
        EXPECT_EQ(bits_to_float(t.scale_bits), ts.at(i).at("scale").get<float>()) << value;
        EXPECT_EQ(t.zero_point, ts.at(i).at("zero_point").get<int>()) << value;
      }
      runners_.emplace_back(with_output_tensor(img_, i), "probe");
    }
    for (const Node& n : g.nodes)
      if (n.kind == OpKind::kFlatten) alias_[n.output] = n.inputs[0];
  }

  void run(const std::vector<uint8_t>& raw, LayerReport& r) {
    vals_.clear();
    for (size_t i = 0; i < runners_.size(); ++i) {
      runners_[i].run(raw.data());
      vals_.push_back(dequantize(tensor(img_, uint32_t(i)), runners_[i].output()));
    }
    r.layers = r.converts = 0;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (fused_[i] || n.kind == OpKind::kFlatten) continue;
      check_layer(i, r);
      ++r.layers;
    }
    const hpvm_header_t h = header(img_);
    for (uint32_t k = 0; k < h.n_steps; ++k) {
      const hpvm_step_t s = step(img_, k);
      if (s.kind != HPVM_STEP_CONVERT) continue;
      check_convert(s.first, s.count, r);
      ++r.converts;
    }
  }

 private:
  int resolve(int v) const {
    auto it = alias_.find(v);
    return it == alias_.end() ? v : resolve(it->second);
  }
  int tensor_of(int v, Fmt f) const {
    auto it = index_.find({g_.values[size_t(resolve(v))].name, fmt_name(f)});
    if (it == index_.end()) {
      ADD_FAILURE() << "no " << fmt_name(f) << " tensor of " << g_.values[size_t(v)].name;
      return -1;
    }
    return it->second;
  }
  // Saturation range of a tensor.
  std::pair<double, double> range(int t) const {
    const hpvm_tensor_t x = tensor(img_, uint32_t(t));
    if (x.format == HPVM_FMT_FP16) return {-65504.0, 65504.0};
    if (x.format == HPVM_FMT_FP32) return {-INFINITY, INFINITY};
    const int lo = x.format == HPVM_FMT_INT4 ? -8 : -128, hi = x.format == HPVM_FMT_INT4 ? 7 : 127;
    const double s = bits_to_float(x.scale_bits);
    return {s * (lo - x.zero_point), s * (hi - x.zero_point)};
  }
  double step_of(int t) const {
    const hpvm_tensor_t x = tensor(img_, uint32_t(t));
    return x.format == HPVM_FMT_FP16 || x.format == HPVM_FMT_FP32 ? 0.0 : bits_to_float(x.scale_bits);
  }
  // Error of storing y in tensor t, beyond saturation.
  double store(int t, double y, double steps) const {
    switch (tensor(img_, uint32_t(t)).format) {
      case HPVM_FMT_FP16: return kU16 * std::fabs(y) + kSub16;
      case HPVM_FMT_FP32: return kU32 * std::fabs(y);
      default: return steps * step_of(t);
    }
  }
  void record(double got, double want, double bound, const std::string& where, LayerReport& r) const {
    // (a little slack for the bound's own float arithmetic at exact ties)
    const double ratio = std::fabs(got - want) / (bound * (1 + 1e-5) + 1e-7);
    if (ratio > r.worst_ratio) {
      r.worst_ratio = ratio;
      r.worst_where = where + ": got " + std::to_string(got) + ", expected " + std::to_string(want) +
                      " +- " + std::to_string(bound);
    }
  }

  void check_convert(uint32_t src, uint32_t dst, LayerReport& r) const {
    const auto [lo, hi] = range(int(dst));
    const bool int_to_int = step_of(int(src)) > 0 && step_of(int(dst)) > 0;  // MBQM
    for (size_t e = 0; e < vals_[src].size(); ++e) {
      const double want = std::clamp(double(vals_[src][e]), lo, hi);
      record(vals_[dst][e], want, store(int(dst), want, int_to_int ? 1.0 : 0.5) + 1e-6 * std::fabs(want),
             "convert " + std::to_string(src) + "->" + std::to_string(dst), r);
    }
  }

  void check_layer(size_t i, LayerReport& r) const {
    const Node& n = g_.nodes[i];
    const Precision p = prec_.at(n.name);
    const Fmt f = act_format(p);
    // The fused activation, if any, and the value the layer writes.
    double act_lo = -INFINITY, act_hi = INFINITY;
    int out_v = n.output;
    const std::vector<int> users = g_.consumers(n.output);
    const Node* act = &n;
    if (users.size() == 1 && fused_[size_t(users[0])]) act = &g_.nodes[size_t(users[0])];
    if (act->kind == OpKind::kRelu) act_lo = 0;
    if (act->kind == OpKind::kClip) act_lo = act->clip_min, act_hi = act->clip_max;
    out_v = act->output;
    const bool clip_rounded = act->kind == OpKind::kClip;
    const int in_t = tensor_of(n.inputs[0], f), out_t = tensor_of(out_v, f);
    if (in_t < 0 || out_t < 0) return;
    const std::vector<float>& x = vals_[size_t(in_t)];
    const std::vector<float>& y = vals_[size_t(out_t)];
    const auto [lo, hi] = range(out_t);
    const double s_in = step_of(in_t);
    // Requantization (MBQM) rounds twice when its shift is negative: <= 1
    // step; a Clip bound rounded onto the grid: + 1/2 step.
    const double round_steps = 1.0 + (clip_rounded ? 0.5 : 0.0);
    auto finish = [&](double acc) {
      return std::clamp(std::clamp(acc, lo, hi), act_lo, act_hi);
    };
    const Shape is = g_.shape(resolve(n.inputs[0])), os = g_.shape(out_v);
    ASSERT_EQ(y.size(), size_t(os.elements())) << n.name;
    const std::string where = "layer " + n.name + " (" + precision_name(p) + ")";
    switch (n.kind) {
      case OpKind::kConv:
      case OpKind::kGemm: {
        const size_t per_out = n.weights.size() / size_t(os.c);
        const double sqrt_k = std::sqrt(double(per_out));
        const double top = p == Precision::kInt4 ? 7 : 127;
        for (int o = 0; o < os.c; ++o) {
          const float* w = &n.weights[size_t(o) * per_out];
          double wmax = 0;
          for (size_t k = 0; k < per_out; ++k) wmax = std::max(wmax, double(std::fabs(w[k])));
          const double b = n.bias.empty() ? 0.0 : n.bias[size_t(o)];
          for (int oy = 0; oy < os.h; ++oy)
            for (int ox = 0; ox < os.w; ++ox) {
              double acc = b, s1 = std::fabs(b), s2 = 0;
              if (n.kind == OpKind::kGemm) {
                for (size_t k = 0; k < per_out; ++k) {
                  acc += double(w[k]) * x[k];
                  s1 += std::fabs(double(w[k]) * x[k]);
                  s2 += double(x[k]) * x[k];
                }
              } else {
                const int cin_g = is.c / n.groups, g = o / (os.c / n.groups);
                for (int ci = 0; ci < cin_g; ++ci)
                  for (int ky = 0; ky < n.k_h; ++ky)
                    for (int kx = 0; kx < n.k_w; ++kx) {
                      const int iy = oy * n.stride_h - n.pad_top + ky, ix = ox * n.stride_w - n.pad_left + kx;
                      if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;
                      const double xv = x[(size_t(g * cin_g + ci) * is.h + iy) * is.w + ix];
                      const double wv = w[(size_t(ci) * n.k_h + ky) * n.k_w + kx];
                      acc += wv * xv;
                      s1 += std::fabs(wv * xv);
                      s2 += xv * xv;
                    }
              }
              const double want = finish(acc);
              double bound = 2 * double(per_out + 1) * kU32 * s1;
              switch (p) {
                case Precision::kInt8:
                case Precision::kInt4:
                  bound += sqrt_k * wmax / (2 * top) * std::sqrt(s2) + s_in * wmax / top / 2 +
                           round_steps * step_of(out_t);
                  break;
                case Precision::kInt2: bound += s_in * wmax / 2 + round_steps * step_of(out_t); break;
                case Precision::kFp16: bound += kU16 * s1 + kU16 * std::fabs(want) + kSub16 * (per_out + 1); break;
                case Precision::kFp32: break;
              }
              record(y[(size_t(o) * os.h + oy) * os.w + ox], want, bound, where, r);
            }
        }
        return;
      }
      case OpKind::kRelu:
      case OpKind::kClip:
        for (size_t e = 0; e < y.size(); ++e) {
          const double want = finish(x[e]);
          record(y[e], want, store(out_t, want, round_steps) + 1e-6 * std::fabs(want), where, r);
        }
        return;
      case OpKind::kMaxPool:
      case OpKind::kAvgPool:
      case OpKind::kGlobalAvgPool: {
        const bool is_max = n.kind == OpKind::kMaxPool, global = n.kind == OpKind::kGlobalAvgPool;
        const int kh = global ? is.h : n.k_h, kw = global ? is.w : n.k_w;
        for (int c = 0; c < os.c; ++c)
          for (int oy = 0; oy < os.h; ++oy)
            for (int ox = 0; ox < os.w; ++ox) {
              double acc = is_max ? -INFINITY : 0.0, sum_abs = 0;
              int count = 0;
              for (int ky = 0; ky < kh; ++ky)
                for (int kx = 0; kx < kw; ++kx) {
                  const int iy = global ? ky : oy * n.stride_h - n.pad_top + ky;
                  const int ix = global ? kx : ox * n.stride_w - n.pad_left + kx;
                  if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;
                  const double v = x[(size_t(c) * is.h + iy) * is.w + ix];
                  acc = is_max ? std::max(acc, v) : acc + v;
                  sum_abs += std::fabs(v);
                  ++count;
                }
              const double want = finish(is_max ? acc : acc / count);
              const double bound = is_max ? 1e-6 * std::fabs(want)
                                          : store(out_t, want, 0.5) + 2 * count * kU32 * sum_abs;
              record(y[(size_t(c) * os.h + oy) * os.w + ox], want, bound, where, r);
            }
        return;
      }
      case OpKind::kAdd: {
        const int in2_t = tensor_of(n.inputs[1], f);
        if (in2_t < 0) return;
        const std::vector<float>& x2 = vals_[size_t(in2_t)];
        const double rescale = 1e-5 * (s_in + step_of(in2_t));
        for (size_t e = 0; e < y.size(); ++e) {
          const double want = finish(double(x[e]) + x2[e]);
          record(y[e], want, store(out_t, want, round_steps) + rescale + 2 * kU32 * std::fabs(want), where, r);
        }
        return;
      }
      case OpKind::kFlatten: return;
    }
  }

  const Graph& g_;
  const std::vector<uint8_t>& img_;
  std::map<std::string, Precision> prec_;
  std::vector<bool> fused_;
  std::map<std::pair<std::string, std::string>, int> index_;
  std::map<int, int> alias_;
  std::vector<ImageRunner> runners_;
  std::vector<std::vector<float>> vals_;
};

LayerReport check_layers(const Graph& g, const CompiledModel& m,
                         const std::map<std::string, Precision>& prec,
                         const std::vector<std::vector<uint8_t>>& inputs) {
  LayerCheck check(g, m, prec);
  LayerReport r;
  for (const auto& raw : inputs) check.run(raw, r);
  return r;
}

std::string describe(const LayerReport& r) {
  return std::to_string(r.layers) + " layers, " + std::to_string(r.converts) +
         " conversions, worst error/bound " + std::to_string(r.worst_ratio) + " at " + r.worst_where;
}

// ------------------------------------------------------------------ precision tests

struct PrecisionCase {
  Precision precision;
  double max_relative_rms;  // end to end, measured ~2-3x lower
  double min_argmax_agreement;
};

void PrintTo(const PrecisionCase& c, std::ostream* os) { *os << precision_name(c.precision); }

class CompilePrecision : public ::testing::TestWithParam<PrecisionCase> {};

// small_cnn on one unit of each precision, calibrated (min/max) on the
// inputs it is checked with.
TEST_P(CompilePrecision, EveryLayerWithinBoundAndOutputTracksFloatGraph) {
  const PrecisionCase& c = GetParam();
  const Graph g = small_cnn(101, c.precision == Precision::kInt2);
  const std::vector<TargetUnit> units{make_unit("npu0", 0, c.precision)};
  const auto inputs = raw_inputs(g.shape(g.input), 62, 7);
  const Mapping m = map_to("npu0");
  const CompiledModel cm = compile_model(g, units, options(m, inputs));
  EXPECT_EQ(cm.conversions, 0u);
  // NPU layers: conv1+relu2, maxpool3, conv4+clip5, conv6, add7+relu8,
  // avgpool9, gap10, fc12 (flatten11 is free).
  std::vector<std::string> names;
  for (const auto& l : cm.layers) names.push_back(l.name);
  EXPECT_EQ(names, (std::vector<std::string>{"conv1", "maxpool3", "conv4", "conv6", "add7",
                                             "avgpool9", "gap10", "fc12"}));
  const hpvm_tensor_t out = tensor(cm.image, header(cm.image).output_tensor);
  const Fmt f = act_format(c.precision);
  EXPECT_EQ(out.format, f == Fmt::kInt8   ? HPVM_FMT_INT8
                        : f == Fmt::kInt4 ? HPVM_FMT_INT4
                        : f == Fmt::kFp16 ? HPVM_FMT_FP16
                                          : HPVM_FMT_FP32);
  const auto prec = layer_precisions(g, m, units);
  const LayerReport lr = check_layers(g, cm, prec, inputs);
  std::printf("[%s] %s\n", precision_name(c.precision), describe(lr).c_str());
  EXPECT_EQ(lr.layers, 8u);
  EXPECT_LE(lr.worst_ratio, 1.0) << describe(lr);
  const CheckResult r = check_against_float(g, cm, prec, inputs);
  std::printf("[%s] end to end: %s\n", precision_name(c.precision), describe(r).c_str());
  EXPECT_LE(r.worst_ratio, 1.0) << describe(r);  // the (loose) propagated worst case
  EXPECT_LE(r.relative_rms(), c.max_relative_rms) << describe(r);
  EXPECT_GE(double(r.argmax_agree) / double(r.inputs), c.min_argmax_agreement) << describe(r);
}

INSTANTIATE_TEST_SUITE_P(All, CompilePrecision,
                         ::testing::Values(PrecisionCase{Precision::kInt8, 0.03, 0.95},
                                           PrecisionCase{Precision::kInt4, 0.30, 0.5},
                                           PrecisionCase{Precision::kInt2, 0.03, 0.95},
                                           PrecisionCase{Precision::kFp16, 2e-3, 1.0},
                                           PrecisionCase{Precision::kFp32, 1e-5, 1.0}),
                         [](const ::testing::TestParamInfo<PrecisionCase>& i) {
                           return std::string(precision_name(i.param.precision));
                         });

// One layer, where the end-to-end worst-case bound (ErrorBound: input LUT
// rounding included) is tight enough to be the test: a 3x3 conv + ReLU
// whose output stays spatial (the NHWC output read back channel-major), and
// a Gemm on a vector input.
Graph single_conv(uint32_t seed, bool ternary) {
  Net n(Shape{3, 6, 6}, seed);
  const int x = n.relu(n.conv(n.graph().input, 8, 3, 1, 1));
  if (ternary) n.ternarize_all();
  return n.finish(x);
}
Graph single_gemm(uint32_t seed, bool ternary) {
  Net n(Shape{24, 1, 1}, seed);
  const int x = n.gemm(n.graph().input, 10);
  if (ternary) n.ternarize_all();
  return n.finish(x);
}

struct ShallowCase {
  Precision precision;
  double max_bound_fraction;  // bound / output range, measured 1.2-2.7x lower
};
void PrintTo(const ShallowCase& c, std::ostream* os) { *os << precision_name(c.precision); }

class CompilePrecisionShallow : public ::testing::TestWithParam<ShallowCase> {};

TEST_P(CompilePrecisionShallow, SingleLayersWithinEndToEndBound) {
  const ShallowCase& c = GetParam();
  const bool ternary = c.precision == Precision::kInt2;
  const std::vector<TargetUnit> units{make_unit("npu0", 3, c.precision)};
  const Mapping m = map_to("npu0");
  for (const Graph& g : {single_conv(5, ternary), single_gemm(6, ternary)}) {
    SCOPED_TRACE(g.nodes[0].name);
    const auto inputs = raw_inputs(g.shape(g.input), 100, 9);
    const CompiledModel cm = compile_model(g, units, options(m, inputs));
    ASSERT_EQ(cm.layers.size(), 1u);
    EXPECT_EQ(cm.layers[0].unit, "npu0");
    const CheckResult r = check_against_float(g, cm, layer_precisions(g, m, units), inputs);
    std::printf("[%s %s] %s\n", precision_name(c.precision), g.nodes[0].name.c_str(),
                describe(r).c_str());
    EXPECT_LE(r.worst_ratio, 1.0) << describe(r);
    EXPECT_LE(r.worst_bound, c.max_bound_fraction * r.output_range) << describe(r);
  }
}

// int4's 15 levels: the worst case is about the output range even for one
// layer (the layer-by-layer check above is the sharp int4 test).
INSTANTIATE_TEST_SUITE_P(All, CompilePrecisionShallow,
                         ::testing::Values(ShallowCase{Precision::kInt8, 0.06},
                                           ShallowCase{Precision::kInt4, 1.2},
                                           ShallowCase{Precision::kInt2, 0.05},
                                           ShallowCase{Precision::kFp16, 0.005},
                                           ShallowCase{Precision::kFp32, 2e-5}),
                         [](const ::testing::TestParamInfo<ShallowCase>& i) {
                           return std::string(precision_name(i.param.precision));
                         });

// The checks can fail: images compiled from graphs with typical compiler
// slips -- conv kernels transposed (an OIHW/OHWI-style layout mistake),
// classifier columns reversed (a flatten-order mistake), the depthwise
// conv's channels rotated -- are caught layer by layer against the original
// graph, and so is a wrong zero point in the tensor table.
TEST(CompileBoundCheck, DetectsLayoutMistakes) {
  const Graph g = small_cnn(101);
  const std::vector<TargetUnit> units{make_unit("npu0", 0, Precision::kInt8)};
  const auto inputs = raw_inputs(g.shape(g.input), 30, 7);
  const Mapping m = map_to("npu0");
  const auto prec = layer_precisions(g, m, units);
  auto node = [](Graph& gr, const std::string& name) -> Node& {
    for (Node& n : gr.nodes)
      if (n.name == name) return n;
    throw std::runtime_error(name);
  };
  std::vector<std::pair<std::string, Graph>> wrong;
  {
    Graph w = g;  // conv4: w[o][i][ky][kx] <- w[o][i][kx][ky]
    Graph orig = g;
    Node& n = node(w, "conv4");
    const Node& o = node(orig, "conv4");
    for (size_t base = 0; base < n.weights.size(); base += 9)
      for (size_t y = 0; y < 3; ++y)
        for (size_t x = 0; x < 3; ++x) n.weights[base + y * 3 + x] = o.weights[base + x * 3 + y];
    wrong.emplace_back("conv4 kernels transposed", w);
  }
  {
    Graph w = g;  // fc12: columns reversed
    Node& n = node(w, "fc12");
    for (size_t o = 0; o < 10; ++o)
      std::reverse(n.weights.begin() + long(o * 8), n.weights.begin() + long(o * 8 + 8));
    wrong.emplace_back("fc12 columns reversed", w);
  }
  {
    Graph w = g;  // conv6 (depthwise): channel filters rotated by one
    Node& n = node(w, "conv6");
    std::rotate(n.weights.begin(), n.weights.begin() + 9, n.weights.end());
    std::rotate(n.bias.begin(), n.bias.begin() + 1, n.bias.end());
    wrong.emplace_back("conv6 channels rotated", w);
  }
  for (const auto& [what, w] : wrong) {
    const CompiledModel cm = compile_model(w, units, options(m, inputs));
    const LayerReport r = check_layers(g, cm, prec, inputs);
    std::printf("[canary: %s] %s\n", what.c_str(), describe(r).c_str());
    EXPECT_GT(r.worst_ratio, 3.0) << what << ": " << describe(r);
  }
  {  // correct weights, but conv4's output tensor claims zero point + 2
    CompiledModel cm = compile_model(g, units, options(m, inputs));
    const auto& ts = cm.metadata.at("tensors");
    uint32_t t = 0;
    while (ts.at(t).at("value") != "v_clip5") ++t;
    const uint32_t at = header(cm.image).tensors_offset + t * sizeof(hpvm_tensor_t) +
                        offsetof(hpvm_tensor_t, zero_point);
    int32_t zp;
    std::memcpy(&zp, cm.image.data() + at, 4);
    zp += 2;
    std::memcpy(cm.image.data() + at, &zp, 4);
    cm.image = with_output_tensor(cm.image, header(cm.image).output_tensor);  // redo the CRC
    cm.metadata["tensors"][t]["zero_point"] = zp;
    const LayerReport r = check_layers(g, cm, prec, inputs);
    std::printf("[canary: zero point] %s\n", describe(r).c_str());
    EXPECT_GT(r.worst_ratio, 1.5) << describe(r);
  }
}

// The default (MSE-clipped) calibration on a separate calibration set still
// tracks the float graph on other inputs (statistical limits, measured
// 2x lower: int8 relative RMS error 1.4 %, int4 15 %).
TEST(CompileCalibration, MseCalibrationGeneralizes) {
  const Graph g = small_cnn(202);
  struct Case {
    Precision p;
    double max_rms;
    double min_agree;
  };
  for (const Case& c : {Case{Precision::kInt8, 0.03, 0.95}, Case{Precision::kInt4, 0.30, 0.6}}) {
    SCOPED_TRACE(precision_name(c.p));
    const std::vector<TargetUnit> units{make_unit("npu0", 0, c.p)};
    const CompiledModel cm = compile_model(
        g, units, options(map_to("npu0"), raw_inputs(g.shape(g.input), 30, 1), CalibrationMethod::kMse));
    EXPECT_EQ(cm.metadata.at("calibration_method"), "mse");
    const auto test = raw_inputs(g.shape(g.input), 200, 2);
    ImageRunner runner(cm.image, "mse");
    const hpvm_tensor_t out_t = tensor(cm.image, header(cm.image).output_tensor);
    FloatEvaluator eval(g);
    double se = 0, so = 0;
    size_t agree = 0;
    for (const auto& raw : test) {
      const unsigned cls = runner.run(raw.data());
      eval.run(preprocess(input_spec(), g.shape(g.input), raw.data()));
      const std::vector<float> got = dequantize(out_t, runner.output());
      for (size_t i = 0; i < got.size(); ++i) {
        se += (got[i] - eval.output()[i]) * (got[i] - eval.output()[i]);
        so += eval.output()[i] * eval.output()[i];
      }
      agree += int(cls) == argmax(eval.output());
    }
    const double rms = std::sqrt(se / so);
    std::printf("[mse %s] relative RMS error %.4f, argmax agreement %zu/%zu\n", precision_name(c.p),
                rms, agree, test.size());
    EXPECT_LE(rms, c.max_rms);
    EXPECT_GE(double(agree) / double(test.size()), c.min_agree);
  }
}

// ------------------------------------------------------------------ mixed mappings

struct MixedRun {
  CompiledModel model;
  LayerReport layers;
  CheckResult e2e;
};

MixedRun run_mixed(const Graph& g, const std::vector<TargetUnit>& units, const Mapping& m) {
  const auto inputs = raw_inputs(g.shape(g.input), 62, 7);
  MixedRun r;
  r.model = compile_model(g, units, options(m, inputs));
  const auto prec = layer_precisions(g, m, units);
  r.layers = check_layers(g, r.model, prec, inputs);
  r.e2e = check_against_float(g, r.model, prec, inputs);
  return r;
}

// CONVERT steps in the image: count and formats (src != dst).
unsigned convert_steps(const std::vector<uint8_t>& img) {
  unsigned n = 0;
  for (uint32_t i = 0; i < header(img).n_steps; ++i) {
    const hpvm_step_t s = step(img, i);
    if (s.kind != HPVM_STEP_CONVERT) continue;
    ++n;
    EXPECT_LT(s.first, header(img).n_tensors);
    EXPECT_LT(s.count, header(img).n_tensors);
    const hpvm_tensor_t a = tensor(img, s.first), b = tensor(img, s.count);
    EXPECT_NE(a.format, b.format) << "step " << i;
    EXPECT_EQ(hpvm_elements(&a), hpvm_elements(&b)) << "step " << i;
  }
  return n;
}

// The NPU steps' slots in order.
std::vector<uint16_t> npu_step_slots(const std::vector<uint8_t>& img) {
  std::vector<uint16_t> out;
  for (uint32_t i = 0; i < header(img).n_steps; ++i)
    if (step(img, i).kind == HPVM_STEP_NPU) out.push_back(step(img, i).unit);
  return out;
}

// biglittle-style: conv4 and the classifier on the int4 unit, the rest on
// the int8 one. Values crossing between them: the maxpool output into conv4,
// conv4's output into conv6, the GAP output into fc12 -> 3 CONVERT steps.
// Every layer within its (int8 or int4) bound, every conversion within half
// a destination step; end to end between the all-int8 and all-int4 nets.
TEST(CompileMixed, Int8AndInt4PerLayerMapping) {
  const Graph g = small_cnn(101);
  const std::vector<TargetUnit> units{make_unit("big0", 0, Precision::kInt8),
                                      make_unit("little0", 2, Precision::kInt4, 16, 32)};
  Mapping m = map_to("big0");
  m.per_layer = {{"conv4", "little0"}, {"fc12", "little0"}};
  const MixedRun r = run_mixed(g, units, m);
  const std::vector<uint8_t>& img = r.model.image;
  EXPECT_EQ(r.model.conversions, 3u);
  EXPECT_EQ(convert_steps(img), 3u);
  EXPECT_EQ(r.model.metadata.at("conversions"), 3);
  for (const CompiledLayer& l : r.model.layers)
    EXPECT_EQ(l.unit, l.name == "conv4" || l.name == "fc12" ? "little0" : "big0") << l.name;
  EXPECT_EQ(npu_step_slots(img), (std::vector<uint16_t>{0, 2, 0, 2}));
  ASSERT_EQ(header(img).n_units, 2u);
  std::map<uint16_t, std::pair<int, uint32_t>> table;  // slot -> precision, layers
  for (uint32_t i = 0; i < 2; ++i) {
    const hpvm_unit_t* u = hpvm_unit(img.data(), i);
    table[u->slot] = {u->precision, u->layers};
  }
  EXPECT_EQ(table[0], (std::pair<int, uint32_t>{NPU_PREC_INT8, 6u}));
  EXPECT_EQ(table[2], (std::pair<int, uint32_t>{NPU_PREC_INT4, 2u}));
  EXPECT_EQ(tensor(img, header(img).output_tensor).format, HPVM_FMT_INT4);
  std::printf("[int8+int4] %s\n[int8+int4] end to end: %s\n", describe(r.layers).c_str(),
              describe(r.e2e).c_str());
  EXPECT_EQ(r.layers.converts, 3u);
  EXPECT_LE(r.layers.worst_ratio, 1.0) << describe(r.layers);
  EXPECT_LE(r.e2e.worst_ratio, 1.0) << describe(r.e2e);
  EXPECT_LE(r.e2e.relative_rms(), 0.30) << describe(r.e2e);  // the all-int4 limit
}

// A value read in the same foreign format by two layers is converted once:
// conv4 and add7 on the int4 unit both read the maxpool output (int8).
// Crossings: maxpool3 -> int4 (shared by conv4 and add7), conv4 -> int8
// (conv6), conv6 -> int4 (add7), add7 -> int8 (avgpool9): 4 conversions.
TEST(CompileMixed, SharedConversionIsReused) {
  const Graph g = small_cnn(101);
  const std::vector<TargetUnit> units{make_unit("big0", 0, Precision::kInt8),
                                      make_unit("little0", 2, Precision::kInt4, 16, 32)};
  Mapping m = map_to("big0");
  m.per_layer = {{"conv4", "little0"}, {"add7", "little0"}};
  const MixedRun r = run_mixed(g, units, m);
  EXPECT_EQ(r.model.conversions, 4u);
  EXPECT_EQ(convert_steps(r.model.image), 4u);
  EXPECT_EQ(npu_step_slots(r.model.image), (std::vector<uint16_t>{0, 2, 0, 2, 0}));
  std::printf("[shared convert] %s\n", describe(r.layers).c_str());
  EXPECT_EQ(r.layers.converts, 4u);
  EXPECT_LE(r.layers.worst_ratio, 1.0) << describe(r.layers);
  EXPECT_LE(r.e2e.worst_ratio, 1.0) << describe(r.e2e);
}

// hmpsoc-style: int8 NPU by default, the depthwise conv on an fp16 unit and
// the classifier on an fp32 one: int <-> float CONVERT steps.
TEST(CompileMixed, IntAndFloatUnits) {
  const Graph g = small_cnn(101);
  const std::vector<TargetUnit> units{make_unit("cpu_cluster", 0, Precision::kFp32),
                                      make_unit("gpu", 1, Precision::kFp16),
                                      make_unit("npu", 2, Precision::kInt8)};
  Mapping m = map_to("npu");
  m.per_layer = {{"conv6", "gpu"}, {"fc12", "cpu_cluster"}};
  const MixedRun r = run_mixed(g, units, m);
  EXPECT_EQ(r.model.conversions, 3u);
  EXPECT_EQ(convert_steps(r.model.image), 3u);
  EXPECT_EQ(npu_step_slots(r.model.image), (std::vector<uint16_t>{2, 1, 2, 0}));
  EXPECT_EQ(tensor(r.model.image, header(r.model.image).output_tensor).format, HPVM_FMT_FP32);
  std::printf("[int8+fp16+fp32] %s\n[int8+fp16+fp32] end to end: %s\n",
              describe(r.layers).c_str(), describe(r.e2e).c_str());
  EXPECT_EQ(r.layers.converts, 3u);
  EXPECT_LE(r.layers.worst_ratio, 1.0) << describe(r.layers);
  EXPECT_LE(r.e2e.worst_ratio, 1.0) << describe(r.e2e);
  EXPECT_LE(r.e2e.relative_rms(), 0.03) << describe(r.e2e);  // the all-int8 limit
}

// ------------------------------------------------------------------ image, errors, determinism

TEST(CompileImage, HeaderChecksumAndSections) {
  const Graph g = small_cnn(101);
  const std::vector<TargetUnit> units{make_unit("other", 0, Precision::kInt4),
                                      make_unit("npu1", 1, Precision::kInt8)};
  const auto inputs = raw_inputs(g.shape(g.input), 8, 7);
  const CompiledModel cm = compile_model(g, units, options(map_to("npu1"), inputs));
  const std::vector<uint8_t>& img = cm.image;
  ASSERT_GE(img.size(), sizeof(hpvm_header_t));
  const hpvm_header_t h = header(img);
  EXPECT_EQ(h.magic, 0x4D565048u);
  EXPECT_EQ(std::memcmp(img.data(), "HPVM", 4), 0);
  EXPECT_EQ(h.version_major, 1u);
  EXPECT_EQ(h.version_minor, 0u);
  EXPECT_EQ(h.header_bytes, 128u);
  EXPECT_EQ(h.image_bytes, img.size());
  for (uint32_t r : h.reserved) EXPECT_EQ(r, 0u);

  // zlib CRC-32 over the image with the checksum field (offset 16) zeroed.
  std::vector<uint8_t> zeroed = img;
  std::memset(zeroed.data() + 16, 0, 4);
  EXPECT_EQ(h.checksum, uint32_t(crc32(0L, zeroed.data(), uInt(zeroed.size()))));
  EXPECT_EQ(hpvm_check_image(img.data(), img.size(), 1), HPVM_OK);

  // Sections: 64-byte aligned, inside the image, not overlapping.
  struct Section {
    const char* name;
    uint32_t offset;
    uint64_t bytes;
  };
  std::vector<Section> sections{
      {"units", h.units_offset, uint64_t(h.n_units) * sizeof(hpvm_unit_t)},
      {"tensors", h.tensors_offset, uint64_t(h.n_tensors) * sizeof(hpvm_tensor_t)},
      {"steps", h.steps_offset, uint64_t(h.n_steps) * sizeof(hpvm_step_t)},
      {"descs", h.descs_offset, uint64_t(h.n_descs) * NPU_DESC_SIZE},
      {"lut", h.input_lut_offset, uint64_t(h.input_channels) * 256 * 4},
      {"meta", h.meta_offset, h.meta_bytes}};
  std::sort(sections.begin(), sections.end(),
            [](const Section& a, const Section& b) { return a.offset < b.offset; });
  uint64_t end = sizeof(hpvm_header_t);
  for (const Section& s : sections) {
    EXPECT_EQ(s.offset % 64, 0u) << s.name;
    EXPECT_GE(s.offset, end) << s.name << " overlaps the previous section";
    end = s.offset + s.bytes;
  }
  EXPECT_LE(end, h.image_bytes);
  EXPECT_GE(h.arena_offset, h.image_bytes);
  EXPECT_EQ(h.arena_offset % 64, 0u);

  // Units: only the one used, with its slot and precision.
  ASSERT_EQ(h.n_units, 1u);
  EXPECT_EQ(hpvm_unit(img.data(), 0)->slot, 1u);
  EXPECT_EQ(hpvm_unit(img.data(), 0)->precision, NPU_PREC_INT8);
  EXPECT_EQ(hpvm_unit(img.data(), 0)->layers, h.n_descs);
  EXPECT_EQ(h.n_descs, cm.layers.size());
  // Steps: NPU steps on slot 1 covering the descriptors in order.
  uint32_t next = 0;
  for (uint32_t i = 0; i < h.n_steps; ++i) {
    const hpvm_step_t s = step(img, i);
    ASSERT_EQ(s.kind, HPVM_STEP_NPU);
    EXPECT_EQ(s.unit, 1u);
    EXPECT_EQ(s.first, next);
    next += s.count;
  }
  EXPECT_EQ(next, h.n_descs);
  // Tensors: in the arena; the input is the 8x8x3 int8 network input.
  for (uint32_t i = 0; i < h.n_tensors; ++i) {
    const hpvm_tensor_t t = tensor(img, i);
    EXPECT_GE(t.offset, h.arena_offset) << i;
    EXPECT_LE(uint64_t(t.offset) + t.bytes, uint64_t(h.arena_offset) + h.arena_bytes) << i;
    EXPECT_EQ(t.bytes, hpvm_elements(&t)) << i;  // int8: one byte each
  }
  const hpvm_tensor_t in = tensor(img, h.input_tensor);
  EXPECT_EQ(in.h, 8);
  EXPECT_EQ(in.w, 8);
  EXPECT_EQ(in.c, 3);
  EXPECT_EQ(in.format, HPVM_FMT_INT8);
  EXPECT_EQ(h.input_channels, 3u);
  const hpvm_tensor_t out = tensor(img, h.output_tensor);
  EXPECT_EQ(hpvm_elements(&out), 10u);
  // Input LUT: the quantized (p / 255 - 0.5) / 0.25 for every raw value.
  const float in_scale = bits_to_float(in.scale_bits);
  for (uint32_t c = 0; c < 3; ++c)
    for (int p = 0; p < 256; ++p) {
      uint32_t e;
      std::memcpy(&e, img.data() + h.input_lut_offset + (c * 256 + uint32_t(p)) * 4, 4);
      const double x = (p / 255.0 - 0.5) / 0.25;
      const long q = std::clamp(std::lround(x / in_scale + in.zero_point), -128L, 127L);
      EXPECT_NEAR(int(int8_t(e & 0xff)), q, 1) << "channel " << c << " pixel " << p;
    }
  // Metadata: the JSON in the image is the returned one.
  const nlohmann::json meta = nlohmann::json::parse(
      std::string(reinterpret_cast<const char*>(img.data()) + h.meta_offset, h.meta_bytes));
  EXPECT_EQ(meta, cm.metadata);
  EXPECT_EQ(meta.at("macs").get<uint64_t>(), g.macs());
  EXPECT_EQ(meta.at("layers").size(), cm.layers.size());
  uint64_t macs = 0;
  for (size_t i = 0; i < cm.layers.size(); ++i) {
    EXPECT_EQ(cm.layers[i].desc_index, i);
    EXPECT_EQ(meta["layers"][i]["name"], cm.layers[i].name);
    macs += cm.layers[i].macs;
  }
  EXPECT_EQ(macs, g.macs());

  // A changed byte fails the checksum; the runner names the image.
  std::vector<uint8_t> bad = img;
  bad[h.meta_offset + 2] ^= 0x20;
  EXPECT_EQ(hpvm_check_image(bad.data(), bad.size(), 1), HPVM_BAD_CHECKSUM);
  try {
    ImageRunner r(bad, "corrupt.hpvm");
    ADD_FAILURE() << "corrupt image accepted";
  } catch (const CompileError& e) {
    EXPECT_THAT(e.what(), HasSubstr("corrupt.hpvm"));
  }
  // So does a truncated one.
  std::vector<uint8_t> cut(img.begin(), img.begin() + img.size() / 2);
  EXPECT_THROW(ImageRunner(cut, "cut.hpvm"), CompileError);
}

void expect_compile_error(const Graph& g, const std::vector<TargetUnit>& units, const CompileOptions& o,
                          const std::vector<std::string>& parts) {
  try {
    compile_model(g, units, o);
    ADD_FAILURE() << "compiled; expected an error containing '" << parts.front() << "'";
  } catch (const CompileError& e) {
    for (const auto& p : parts) EXPECT_THAT(e.what(), HasSubstr(p));
  }
}

TEST(CompileErrors, Mapping) {
  const Graph g = small_cnn(101);
  const std::vector<TargetUnit> units{make_unit("big0", 0, Precision::kInt8),
                                      make_unit("little0", 2, Precision::kInt4)};
  const auto cal = raw_inputs(g.shape(g.input), 4, 7);
  // Unknown default unit: named, with the platform's units.
  expect_compile_error(g, units, options(map_to("npu9"), cal), {"npu9", "big0", "little0"});
  // Unknown layer name in per_layer: named, with the layers.
  Mapping m = map_to("big0");
  m.per_layer = {{"conv99", "little0"}};
  expect_compile_error(g, units, options(m, cal), {"conv99", "conv4"});
  // A fused activation is not a layer of its own.
  m.per_layer = {{"relu2", "little0"}};
  expect_compile_error(g, units, options(m, cal), {"relu2"});
  // Known layer, unknown unit.
  m.per_layer = {{"conv4", "gpu7"}};
  expect_compile_error(g, units, options(m, cal), {"gpu7", "conv4"});
  // No default and a layer without a unit: the first unmapped layer is named.
  Mapping partial;
  partial.per_layer = {{"conv1", "big0"}};
  expect_compile_error(g, units, options(partial, cal), {"maxpool3"});
  // No NPU at all.
  expect_compile_error(g, {}, options(map_to("big0"), cal), {"NPU"});
}

TEST(CompileErrors, CalibrationAndFit) {
  const Graph g = small_cnn(101);
  const std::vector<TargetUnit> units{make_unit("npu0", 0, Precision::kInt8)};
  expect_compile_error(g, units, options(map_to("npu0"), {}), {"calibration"});
  expect_compile_error(g, units, options(map_to("npu0"), {std::vector<uint8_t>(10, 0)}),
                       {"calibration", "10"});
  // Scratchpads too small for any tile of conv1: the layer is named.
  std::vector<TargetUnit> tiny{make_unit("npu0", 0, Precision::kInt8)};
  tiny[0].config.spads = npu::SpadConfig{16, 16, 16, true, true};
  expect_compile_error(g, tiny, options(map_to("npu0"), raw_inputs(g.shape(g.input), 2, 1)),
                       {"conv1", "npu0"});
}

TEST(CompileDeterminism, SameInputsSameBytes) {
  const Graph g = small_cnn(303);
  const std::vector<TargetUnit> units{make_unit("big0", 0, Precision::kInt8),
                                      make_unit("little0", 2, Precision::kInt4, 16, 32)};
  Mapping m = map_to("big0");
  m.per_layer = {{"conv6", "little0"}};
  const auto cal = raw_inputs(g.shape(g.input), 20, 5);
  const CompiledModel a = compile_model(g, units, options(m, cal, CalibrationMethod::kMse));
  const Graph copy = g;
  const CompiledModel b = compile_model(copy, units, options(m, cal, CalibrationMethod::kMse));
  EXPECT_TRUE(a.image == b.image) << "two compilations differ";
  EXPECT_EQ(a.metadata, b.metadata);
  // ... and the calibration does matter.
  const CompiledModel c =
      compile_model(g, units, options(m, raw_inputs(g.shape(g.input), 20, 6), CalibrationMethod::kMse));
  EXPECT_FALSE(a.image == c.image);
}

// ------------------------------------------------------------------ flatten corner cases

// Flatten of a spatial (C x H x W, H*W > 1) tensor into a Gemm, as in
// LeNet/VGG-style classifiers: ONNX flattens channel-major, the NPU tensors
// are NHWC, so the compiler must permute the Gemm columns.
Graph flatten_spatial_gemm(bool relu_between) {
  Net n(Shape{2, 6, 6}, 404);
  int x = n.relu(n.conv(n.graph().input, 4, 3, 2, 1));  // 4x3x3
  x = n.flatten(x);                                      // 36
  if (relu_between) x = n.relu(x);
  return n.finish(n.gemm(x, 10));
}

void check_compiles_and_matches(const Graph& g, Precision p, double max_relative_rms) {
  SCOPED_TRACE(precision_name(p));
  const std::vector<TargetUnit> units{make_unit("npu0", 0, p)};
  const auto inputs = raw_inputs(g.shape(g.input), 62, 3);
  const Mapping m = map_to("npu0");
  CompiledModel cm;
  try {
    cm = compile_model(g, units, options(m, inputs));
  } catch (const CompileError& e) {
    ADD_FAILURE() << "not compiled: " << e.what();
    return;
  }
  const auto prec = layer_precisions(g, m, units);
  const LayerReport lr = check_layers(g, cm, prec, inputs);
  EXPECT_LE(lr.worst_ratio, 1.0) << describe(lr);
  const CheckResult r = check_against_float(g, cm, prec, inputs);
  EXPECT_LE(r.worst_ratio, 1.0) << describe(r);
  EXPECT_LE(r.relative_rms(), max_relative_rms) << describe(r);
}

TEST(CompileFlatten, SpatialFlattenIntoGemm) {
  const Graph g = flatten_spatial_gemm(false);
  check_compiles_and_matches(g, Precision::kFp32, 1e-5);
  check_compiles_and_matches(g, Precision::kInt8, 0.03);
}

TEST(CompileFlatten, SpatialFlattenThenReluIntoGemm) {
  const Graph g = flatten_spatial_gemm(true);
  check_compiles_and_matches(g, Precision::kFp32, 1e-5);
  check_compiles_and_matches(g, Precision::kInt8, 0.03);
}

// The network output is a Flatten of a 2x2x2 conv output: class k is ONNX
// element k (channel-major), so the predicted class (ImageRunner::run, i.e.
// the firmware's hpvm_argmax) must follow that order, not the NHWC order of
// the output tensor (or the compiler must reject such an output).
TEST(CompileFlatten, SpatialOutputKeepsOnnxClassOrder) {
  Net n(Shape{1, 4, 4}, 505);
  const int x = n.flatten(n.conv(n.graph().input, 2, 3, 1, 0));  // 2x2x2 -> 8 classes
  const Graph g = n.finish(x);
  const std::vector<TargetUnit> units{make_unit("npu0", 0, Precision::kFp32)};
  const auto inputs = raw_inputs(g.shape(g.input), 100, 4);
  CompiledModel cm;
  try {
    cm = compile_model(g, units, options(map_to("npu0"), inputs));
  } catch (const CompileError& e) {
    SUCCEED() << "rejected: " << e.what();
    return;
  }
  ImageRunner runner(cm.image, "flat_out");
  FloatEvaluator eval(g);
  size_t same = 0;
  for (const auto& raw : inputs) {
    eval.run(preprocess(input_spec(), g.shape(g.input), raw.data()));
    same += int(runner.run(raw.data())) == argmax(eval.output());
  }
  // fp32 is exact to ~1e-6: every prediction must match.
  EXPECT_EQ(same, inputs.size());
}

// ------------------------------------------------------------------ unfused ops

// What small_cnn does not cover: a MaxPool reading the network input, a
// standalone ReLU on negative values (int8 RELU requantization), a conv
// output read twice (no fusion), a standalone Clip with a negative bound,
// a stride-2 conv with asymmetric (SAME_UPPER-style) padding, and a GAP as
// the network output (a pool output keeps its input's quantization).
Graph unfused_net(uint32_t seed) {
  Net n(Shape{4, 6, 6}, seed);
  int x = n.pool(OpKind::kMaxPool, n.graph().input, 3, 1, 1);  // maxpool1 4x6x6
  x = n.relu(x);                                                // relu2 (standalone)
  const int c = n.conv(x, 8, 1, 1, 0);                          // conv3: two readers
  const int r = n.relu(c);                                      // relu4
  int y = n.conv(r, 8, 3, 1, 1);                                // conv5
  y = n.sum(y, c);                                              // add6
  y = n.clip(y, -1.0f, 1.0f);                                   // clip7 (fused into add6)
  const int before = y;
  y = n.conv(before, 8, 3, 2, 0);                               // conv8 with pads below
  n.graph().nodes.back().pad_bottom = n.graph().nodes.back().pad_right = 1;
  n.graph().values[size_t(y)].shape = Shape{8, 3, 3};
  y = n.clip(n.pool(OpKind::kAvgPool, y, 2, 1, 0), -0.5f, 0.5f);  // avgpool9, clip10 (standalone)
  y = n.conv(y, 10, 1, 1, 0);                                   // conv11
  return n.finish(n.gap(y));                                    // gap12 = output
}

struct UnfusedCase {
  Precision precision;
};
void PrintTo(const UnfusedCase& c, std::ostream* os) { *os << precision_name(c.precision); }

class CompileUnfused : public ::testing::TestWithParam<UnfusedCase> {};

TEST_P(CompileUnfused, EveryLayerWithinBound) {
  const Precision p = GetParam().precision;
  const Graph g = unfused_net(606);
  const std::vector<TargetUnit> units{make_unit("npu0", 0, p)};
  const auto inputs = raw_inputs(g.shape(g.input), 40, 8);
  const Mapping m = map_to("npu0");
  const CompiledModel cm = compile_model(g, units, options(m, inputs));
  std::vector<std::string> names;
  for (const auto& l : cm.layers) names.push_back(l.name);
  EXPECT_EQ(names, (std::vector<std::string>{"maxpool1", "relu2", "conv3", "relu4", "conv5", "add6",
                                             "conv8", "avgpool9", "clip10", "conv11", "gap12"}));
  const auto prec = layer_precisions(g, m, units);
  const LayerReport lr = check_layers(g, cm, prec, inputs);
  std::printf("[unfused %s] %s\n", precision_name(p), describe(lr).c_str());
  EXPECT_LE(lr.worst_ratio, 1.0) << describe(lr);
  const CheckResult r = check_against_float(g, cm, prec, inputs);
  std::printf("[unfused %s] end to end: %s\n", precision_name(p), describe(r).c_str());
  EXPECT_LE(r.worst_ratio, 1.0) << describe(r);
}

INSTANTIATE_TEST_SUITE_P(All, CompileUnfused,
                         ::testing::Values(UnfusedCase{Precision::kInt8}, UnfusedCase{Precision::kInt4},
                                           UnfusedCase{Precision::kFp16}, UnfusedCase{Precision::kFp32}),
                         [](const ::testing::TestParamInfo<UnfusedCase>& i) {
                           return std::string(precision_name(i.param.precision));
                         });

// ------------------------------------------------------------------ zoo models on real platforms

// A platform config's NPUs as compiler targets (as `vp compile` does).
std::vector<TargetUnit> platform_units(const std::string& config) {
  const PlatformConfig cfg = load_platform_config(std::string(HPVP_SOURCE_DIR) + "/configs/" + config);
  std::vector<TargetUnit> out;
  for (const NpuConfig& n : cfg.npus) {
    TargetUnit u;
    u.name = n.name;
    u.slot = unsigned((n.base - NPU_SLOT_BASE(0)) / (NPU_SLOT_BASE(1) - NPU_SLOT_BASE(0)));
    u.config = n.npu;
    out.push_back(u);
  }
  return out;
}

// Fashion-MNIST through its workload spec (MSE calibration on 1000
// training images) on biglittle: big0 (int8), little0 (int4), and a
// per-layer mix; every layer of every image within its bound.
TEST(CompileZoo, FashionMnistOnBigLittleLayerByLayer) {
  const std::string workload = std::string(HPVP_SOURCE_DIR) + "/configs/workloads/fashion_mnist.yaml";
  const WorkloadSpec spec = load_workload_spec(workload);
  if (!std::filesystem::exists(spec.dataset_images)) GTEST_SKIP() << spec.dataset_images << " missing";
  const Graph g = load_model(spec);
  const auto calibration = calibration_inputs(spec, g.shape(g.input));
  EXPECT_EQ(calibration.size(), 1000u);
  const Dataset test = read_idx(spec.dataset_images, spec.dataset_labels).first(12);
  std::vector<std::vector<uint8_t>> inputs;
  for (uint32_t i = 0; i < test.count; ++i)
    inputs.emplace_back(test.input(i), test.input(i) + test.input_bytes());
  const std::vector<TargetUnit> units = platform_units("biglittle.yaml");
  Mapping mixed = map_to("big0");
  mixed.per_layer = {{"/features/features.4/Conv", "little0"}, {"/classifier/Gemm", "little1"}};
  for (const Mapping& m : {map_to("big0"), map_to("little0"), mixed}) {
    SCOPED_TRACE(m.describe());
    CompileOptions o;
    o.mapping = m;
    o.input = spec.input;
    o.calibration = calibration;
    o.calibration_method = spec.calibration_method;
    const CompiledModel cm = compile_model(g, units, o);
    EXPECT_EQ(cm.layers.size(), 7u);  // 3 conv+relu, 2 maxpool, gap, gemm (flatten is free)
    uint64_t macs = 0;
    for (const auto& l : cm.layers) macs += l.macs;
    EXPECT_EQ(macs, 1919872u);
    LayerCheck check(g, cm, layer_precisions(g, m, units));
    LayerReport r;
    for (const auto& raw : inputs) check.run(raw, r);
    std::printf("[fashion_mnist %s] %s\n", m.describe().c_str(), describe(r).c_str());
    EXPECT_LE(r.worst_ratio, 1.0) << describe(r);
  }
}

// DIANA: the convolutions on the ternary analog array (int2 weights, int8
// activations: no CONVERT steps against the int8 digital array), everything
// else on the digital one; graph with exactly ternary weights.
TEST(CompileZoo, DianaAnalogAndDigital) {
  const Graph g = small_cnn(707, true);
  const std::vector<TargetUnit> units = platform_units("diana.yaml");
  Mapping m = map_to("digital");
  m.per_layer = {{"conv1", "analog"}, {"conv4", "analog"}, {"conv6", "analog"}};
  const MixedRun r = run_mixed(g, units, m);
  EXPECT_EQ(r.model.conversions, 0u);
  EXPECT_EQ(npu_step_slots(r.model.image), (std::vector<uint16_t>{1, 0, 1, 0}));
  std::printf("[diana] %s\n[diana] end to end: %s\n", describe(r.layers).c_str(),
              describe(r.e2e).c_str());
  EXPECT_LE(r.layers.worst_ratio, 1.0) << describe(r.layers);
  EXPECT_LE(r.e2e.worst_ratio, 1.0) << describe(r.e2e);
  EXPECT_LE(r.e2e.relative_rms(), 0.03) << describe(r.e2e);
}

#ifdef HPVP_ZOO_DIR
// ResNet-8 (strided convs, 1x1 downsample shortcuts, residual adds) on
// biglittle, int8 and int4, layer by layer on random inputs.
TEST(CompileZoo, Resnet8LayerByLayer) {
  const Graph g = import_onnx(std::string(HPVP_ZOO_DIR) + "/resnet8.onnx");
  const std::vector<TargetUnit> units = platform_units("biglittle.yaml");
  const auto calibration = raw_inputs(g.shape(g.input), 6, 11);
  const auto inputs = raw_inputs(g.shape(g.input), 2, 12);
  for (const char* unit : {"big0", "little1"}) {
    SCOPED_TRACE(unit);
    const auto t0 = std::chrono::steady_clock::now();
    CompileOptions o;
    o.mapping = map_to(unit);
    o.calibration = calibration;
    o.input.mean = {0.5};
    o.input.std = {0.25};
    const CompiledModel cm = compile_model(g, units, o);
    uint64_t macs = 0;
    for (const auto& l : cm.layers) macs += l.macs;
    EXPECT_EQ(macs, g.macs());
    LayerCheck check(g, cm, layer_precisions(g, o.mapping, units));
    LayerReport r;
    for (const auto& raw : inputs) check.run(raw, r);
    std::printf("[resnet8 %s] %s (%.1f s)\n", unit, describe(r).c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    EXPECT_EQ(r.layers, cm.layers.size());
    EXPECT_LE(r.worst_ratio, 1.0) << describe(r);
  }
}

// MobileNetV2 (depthwise convs, ReLU6 as Clip, inverted residuals) at
// 224x224 on hmpsoc's fp16 unit: end to end against the fp32 graph.
TEST(CompileZoo, MobilenetV2Fp16EndToEnd) {
  const Graph g = import_onnx(std::string(HPVP_ZOO_DIR) + "/mobilenet_v2.onnx");
  const std::vector<TargetUnit> units = platform_units("hmpsoc.yaml");
  std::string fp16_unit;
  for (const auto& u : units)
    if (u.config.precision == Precision::kFp16) fp16_unit = u.name;
  ASSERT_FALSE(fp16_unit.empty());
  CompileOptions o;
  o.mapping = map_to(fp16_unit);
  o.calibration = raw_inputs(g.shape(g.input), 0, 1);  // fp16: ranges unused
  o.calibration.resize(1);
  o.input.mean = {0.5};
  o.input.std = {0.25};
  const CompiledModel cm = compile_model(g, units, o);
  EXPECT_EQ(cm.conversions, 0u);
  ImageRunner runner(cm.image, "mobilenet_v2");
  FloatEvaluator eval(g);
  const auto inputs = raw_inputs(g.shape(g.input), 1, 13);
  const hpvm_tensor_t out_t = tensor(cm.image, header(cm.image).output_tensor);
  const auto& raw = inputs.back();
  const unsigned cls = runner.run(raw.data());
  eval.run(preprocess(o.input, g.shape(g.input), raw.data()));
  const std::vector<float> got = dequantize(out_t, runner.output());
  double se = 0, so = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    se += (got[i] - eval.output()[i]) * (got[i] - eval.output()[i]);
    so += eval.output()[i] * eval.output()[i];
  }
  std::printf("[mobilenet_v2 fp16] relative RMS error %.5f\n", std::sqrt(se / so));
  // 64 layers of fp16 storage (2^-11 relative each), amplified by the
  // random weights: measured 1.3 % (every layer checked separately stays
  // within its bound).
  EXPECT_LE(std::sqrt(se / so), 0.03);
  EXPECT_EQ(int(cls), argmax(got));
}
#endif

}  // namespace
}  // namespace hpvp::compiler
