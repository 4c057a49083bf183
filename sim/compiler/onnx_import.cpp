#include "onnx_import.h"

#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <sstream>

#include "compile_error.h"
#include "npu/tensor_codec.h"

namespace hpvp::compiler {

const char* supported_onnx_ops() {
  return "Conv (incl. grouped/depthwise), Gemm, MatMul, BatchNormalization (folded), Relu, "
         "Clip, MaxPool, AveragePool, GlobalAveragePool, Add, Flatten, Reshape (to 2-D), "
         "Identity, Dropout, Constant";
}

namespace {

// An initializer or Constant output.
struct Constant {
  std::vector<int64_t> dims;
  std::vector<float> f;    // FLOAT/DOUBLE/FLOAT16 data
  std::vector<int64_t> i;  // INT64/INT32 data
  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
};

template <typename T>
std::vector<T> raw_values(const std::string& raw, int64_t n, const std::string& what) {
  if (int64_t(raw.size()) != n * int64_t(sizeof(T)))
    throw CompileError(fmt::format("{}: raw_data has {} bytes, {} elements of {} bytes expected",
                                   what, raw.size(), n, sizeof(T)));
  std::vector<T> out(static_cast<size_t>(n));
  if (n > 0) std::memcpy(out.data(), raw.data(), raw.size());  // little-endian host
  return out;
}

Constant to_constant(const onnx::TensorProto& t) {
  const std::string what = fmt::format("tensor '{}'", t.name());
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw CompileError(what +
                       ": external data files are not supported; save the model with "
                       "its weights embedded");
  Constant c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  const int64_t n = c.elements();
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      c.f = raw ? raw_values<float>(t.raw_data(), n, what)
                : std::vector<float>(t.float_data().begin(), t.float_data().end());
      break;
    case onnx::TensorProto::DOUBLE: {
      std::vector<double> d =
          raw ? raw_values<double>(t.raw_data(), n, what)
              : std::vector<double>(t.double_data().begin(), t.double_data().end());
      c.f.assign(d.begin(), d.end());
      break;
    }
    case onnx::TensorProto::FLOAT16: {
      std::vector<uint16_t> h;
      if (raw)
        h = raw_values<uint16_t>(t.raw_data(), n, what);
      else
        for (int32_t v : t.int32_data()) h.push_back(uint16_t(v));
      for (uint16_t v : h) c.f.push_back(npu::fp16_to_fp32(v));
      break;
    }
    case onnx::TensorProto::INT64:
      c.i = raw ? raw_values<int64_t>(t.raw_data(), n, what)
                : std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
      break;
    case onnx::TensorProto::INT32: {
      std::vector<int32_t> v =
          raw ? raw_values<int32_t>(t.raw_data(), n, what)
              : std::vector<int32_t>(t.int32_data().begin(), t.int32_data().end());
      c.i.assign(v.begin(), v.end());
      break;
    }
    default:
      throw CompileError(
          fmt::format("{}: data type {} is not supported (float, float16, double, "
                      "int32, int64 are)",
                      what, t.data_type()));
  }
  const int64_t have = int64_t(c.f.empty() ? c.i.size() : c.f.size());
  if (have != n)
    throw CompileError(fmt::format("{}: {} values for dims of {} elements", what, have, n));
  for (size_t i = 0; i < c.f.size(); ++i)
    if (!std::isfinite(c.f[i]))
      throw CompileError(
          fmt::format("{}: element {} is {} (weights must be finite)", what, i, c.f[i]));
  return c;
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string origin)
      : model_(model), origin_(std::move(origin)) {}

  Graph run() {
    const onnx::GraphProto& gp = model_.graph();
    g_.name = gp.name().empty() ? "model" : gp.name();
    for (const auto& t : gp.initializer()) consts_[t.name()] = to_constant(t);
    collect_declared_shapes(gp);
    count_uses(gp);
    add_graph_input(gp);
    for (int i = 0; i < gp.node_size(); ++i) import_node(gp.node(i), i);
    set_graph_output(gp);
    validate(g_);
    return std::move(g_);
  }

 private:
  // ---- errors
  [[noreturn]] void fail_node(const onnx::NodeProto& n, const std::string& why) const {
    throw CompileError(fmt::format("node '{}' (op {}): {}", node_name(n), n.op_type(), why));
  }
  std::string node_name(const onnx::NodeProto& n) const {
    return n.name().empty() ? fmt::format("{}_{}", n.op_type(), current_index_) : n.name();
  }

  // ---- attributes
  const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name) const {
    for (const auto& a : n.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  int64_t attr_int(const onnx::NodeProto& n, const char* name, int64_t def) const {
    const auto* a = attr(n, name);
    return a ? a->i() : def;
  }
  float attr_float(const onnx::NodeProto& n, const char* name, float def) const {
    const auto* a = attr(n, name);
    return a ? a->f() : def;
  }
  std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const char* name,
                                 std::vector<int64_t> def) const {
    const auto* a = attr(n, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : def;
  }
  std::string attr_string(const onnx::NodeProto& n, const char* name, std::string def) const {
    const auto* a = attr(n, name);
    return a ? a->s() : def;
  }
  void reject_attrs(const onnx::NodeProto& n, std::initializer_list<const char*> allowed) const {
    for (const auto& a : n.attribute()) {
      bool ok = false;
      for (const char* name : allowed) ok |= a.name() == name;
      if (!ok) fail_node(n, fmt::format("attribute '{}' is not supported", a.name()));
    }
  }

  // ---- values
  bool is_const(const std::string& name) const { return consts_.count(name) != 0; }
  const Constant& constant(const onnx::NodeProto& n, int input) const {
    if (input >= n.input_size() || !is_const(n.input(input)))
      fail_node(n, fmt::format("input {} must be a constant (initializer)", input));
    return consts_.at(n.input(input));
  }
  int value(const onnx::NodeProto& n, int input) const {
    if (input >= n.input_size() || n.input(input).empty())
      fail_node(n, fmt::format("missing input {}", input));
    auto it = value_of_.find(n.input(input));
    if (it == value_of_.end()) {
      if (is_const(n.input(input)))
        fail_node(n, fmt::format("input '{}' is a constant; the NPU compiler needs it to be "
                                 "computed from the network input",
                                 n.input(input)));
      fail_node(n, fmt::format("input '{}' is not produced by an earlier node", n.input(input)));
    }
    return it->second;
  }
  int add_value(const std::string& name, Shape s) {
    g_.values.push_back(Value{name, s});
    const int v = int(g_.values.size()) - 1;
    value_of_[name] = v;
    value_uses_[v] = uses_[name];
    return v;
  }
  // ONNX output 0 of `n` names value v too (folded node, Identity): v's
  // readers are now those of the consumed name (one use: this node) plus the
  // alias's.
  void alias(const onnx::NodeProto& n, int v) {
    if (n.output_size() < 1) fail_node(n, "no output");
    value_of_[n.output(0)] = v;
    value_uses_[v] += uses_[n.output(0)] - 1;
  }

  // Shapes ONNX declares (inputs, outputs, value_info after shape inference):
  // checked against what the compiler computes.
  void collect_declared_shapes(const onnx::GraphProto& gp) {
    auto add = [&](const onnx::ValueInfoProto& vi) {
      if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return;
      std::vector<int64_t> dims;
      for (const auto& d : vi.type().tensor_type().shape().dim())
        dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
      declared_[vi.name()] = dims;
    };
    for (const auto& vi : gp.value_info()) add(vi);
    for (const auto& vi : gp.output()) add(vi);
  }
  void count_uses(const onnx::GraphProto& gp) {
    for (const auto& n : gp.node())
      for (const auto& in : n.input()) ++uses_[in];
    for (const auto& o : gp.output()) ++uses_[o.name()];
  }
  Shape shape_of_dims(const std::vector<int64_t>& dims, bool& ok) const {
    ok = true;
    auto d = [&](size_t i) { return dims[i] < 0 ? 0 : int(dims[i]); };
    if (dims.size() == 4) return Shape{d(1), d(2), d(3)};
    if (dims.size() == 2) return Shape{d(1), 1, 1};
    ok = false;
    return {};
  }
  void check_declared(const onnx::NodeProto& n, const std::string& name, const Shape& s) const {
    auto it = declared_.find(name);
    if (it == declared_.end()) return;
    bool ok = false;
    Shape decl = shape_of_dims(it->second, ok);
    for (size_t i = 1; i < it->second.size(); ++i)
      if (it->second[i] < 0) return;  // symbolic dims: nothing to check
    if (!ok || decl != s)
      fail_node(n, fmt::format("ONNX declares output '{}' with dims [{}], but the inputs and "
                               "attributes give {} (C x H x W)",
                               name, fmt::join(it->second, ", "), to_string(s)));
  }

  void add_graph_input(const onnx::GraphProto& gp) {
    const onnx::ValueInfoProto* in = nullptr;
    for (const auto& vi : gp.input()) {
      if (is_const(vi.name())) continue;
      if (in)
        throw CompileError(
            fmt::format("graph has more than one input ('{}', '{}'); the NPU "
                        "compiler needs exactly one",
                        in->name(), vi.name()));
      in = &vi;
    }
    if (!in) throw CompileError("graph has no input");
    const auto& tt = in->type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT)
      throw CompileError(
          fmt::format("input '{}': element type {} is not float", in->name(), tt.elem_type()));
    std::vector<int64_t> dims;
    for (const auto& d : tt.shape().dim()) dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    bool ok = false;
    const Shape s = shape_of_dims(dims, ok);
    if (!ok || s.c <= 0 || s.h <= 0 || s.w <= 0)
      throw CompileError(
          fmt::format("input '{}': dims [{}]: expected [N, C, H, W] or [N, K] with "
                      "fixed C, H, W",
                      in->name(), fmt::join(dims, ", ")));
    if (dims[0] > 1)
      throw CompileError(
          fmt::format("input '{}': batch {} > 1; export with batch 1 or a dynamic "
                      "batch axis",
                      in->name(), dims[0]));
    g_.input = add_value(in->name(), s);
  }

  void set_graph_output(const onnx::GraphProto& gp) {
    if (gp.output_size() != 1)
      throw CompileError(fmt::format("graph has {} outputs; the NPU compiler needs exactly one",
                                     gp.output_size()));
    auto it = value_of_.find(gp.output(0).name());
    if (it == value_of_.end())
      throw CompileError(
          fmt::format("graph output '{}' is not computed from the input", gp.output(0).name()));
    g_.output = it->second;
  }

  // ---- nodes
  void import_node(const onnx::NodeProto& n, int index) {
    current_index_ = index;
    const std::string& op = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      fail_node(n, fmt::format("operator domain '{}' is not supported", n.domain()));
    if (op == "Constant") return import_constant(n);
    if (op == "Conv") return import_conv(n);
    if (op == "BatchNormalization") return import_batchnorm(n);
    if (op == "Gemm") return import_gemm(n);
    if (op == "MatMul") return import_matmul(n);
    if (op == "Relu") return import_unary(n, OpKind::kRelu);
    if (op == "Clip") return import_clip(n);
    if (op == "MaxPool") return import_pool(n, OpKind::kMaxPool);
    if (op == "AveragePool") return import_pool(n, OpKind::kAvgPool);
    if (op == "GlobalAveragePool") return import_unary(n, OpKind::kGlobalAvgPool);
    if (op == "Add") return import_add(n);
    if (op == "Flatten") return import_flatten(n);
    if (op == "Reshape") return import_reshape(n);
    if (op == "Identity" || op == "Dropout") return import_identity(n);
    fail_node(n,
              fmt::format("unsupported operator; the NPU compiler maps {}", supported_onnx_ops()));
  }

  Node make_node(const onnx::NodeProto& n, OpKind kind, std::vector<int> inputs) const {
    Node node;
    node.kind = kind;
    node.name = node_name(n);
    node.inputs = std::move(inputs);
    return node;
  }
  // Adds `node` producing ONNX output 0 with shape `s`.
  void emit(const onnx::NodeProto& n, Node node, Shape s) {
    if (s.c <= 0 || s.h <= 0 || s.w <= 0)
      fail_node(n, fmt::format("output shape {} is empty (window larger than the padded input?)",
                               to_string(s)));
    check_declared(n, n.output(0), s);
    node.output = add_value(n.output(0), s);
    producer_[node.output] = int(g_.nodes.size());
    g_.nodes.push_back(std::move(node));
  }

  void import_constant(const onnx::NodeProto& n) {
    const auto* a = attr(n, "value");
    if (!a || !a->has_t()) fail_node(n, "only the 'value' tensor form of Constant is supported");
    Constant c = to_constant(a->t());
    consts_[n.output(0)] = std::move(c);
  }

  void set_window(const onnx::NodeProto& n, Node& node, const Shape& in, int k_h, int k_w) {
    const auto strides = attr_ints(n, "strides", {1, 1});
    const auto dil = attr_ints(n, "dilations", {1, 1});
    if (strides.size() != 2 || dil.size() != 2) fail_node(n, "only 2-D windows are supported");
    if (dil[0] != 1 || dil[1] != 1) fail_node(n, "dilation other than 1 is not supported");
    node.k_h = k_h;
    node.k_w = k_w;
    node.stride_h = int(strides[0]);
    node.stride_w = int(strides[1]);
    const std::string pad_mode = attr_string(n, "auto_pad", "NOTSET");
    if (pad_mode == "NOTSET") {
      const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
      if (pads.size() != 4) fail_node(n, "pads must have 4 values");
      node.pad_top = int(pads[0]);
      node.pad_left = int(pads[1]);
      node.pad_bottom = int(pads[2]);
      node.pad_right = int(pads[3]);
    } else if (pad_mode == "SAME_UPPER" || pad_mode == "SAME_LOWER") {
      auto same = [&](int in_size, int k, int s, int& a, int& b) {
        const int out = (in_size + s - 1) / s;
        const int total = std::max(0, (out - 1) * s + k - in_size);
        a = pad_mode == "SAME_UPPER" ? total / 2 : total - total / 2;
        b = total - a;
      };
      same(in.h, k_h, node.stride_h, node.pad_top, node.pad_bottom);
      same(in.w, k_w, node.stride_w, node.pad_left, node.pad_right);
    } else if (pad_mode != "VALID") {
      fail_node(n, fmt::format("auto_pad '{}' is not supported", pad_mode));
    }
  }

  void import_conv(const onnx::NodeProto& n) {
    reject_attrs(n, {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
    const int x = value(n, 0);
    const Constant& w = constant(n, 1);
    if (w.dims.size() != 4 || w.f.empty())
      fail_node(n, "weights must be a float tensor [O, I/groups, kH, kW] (2-D convolution)");
    const Shape in = g_.shape(x);
    Node node = make_node(n, OpKind::kConv, {x});
    node.groups = int(attr_int(n, "group", 1));
    if (node.groups <= 0 || in.c % node.groups != 0 || w.dims[0] % node.groups != 0)
      fail_node(n, fmt::format("group {} does not divide {} input / {} output channels",
                               node.groups, in.c, w.dims[0]));
    if (w.dims[1] != in.c / node.groups)
      fail_node(n, fmt::format("weights expect {} input channels per group, the input {} has {}",
                               w.dims[1], to_string(in), in.c / node.groups));
    const auto ks = attr_ints(n, "kernel_shape", {w.dims[2], w.dims[3]});
    if (ks.size() != 2 || ks[0] != w.dims[2] || ks[1] != w.dims[3])
      fail_node(n, "kernel_shape disagrees with the weight dims");
    set_window(n, node, in, int(w.dims[2]), int(w.dims[3]));
    node.weights = w.f;
    const int out_c = int(w.dims[0]);
    if (n.input_size() > 2 && !n.input(2).empty()) {
      const Constant& b = constant(n, 2);
      if (int64_t(b.f.size()) != out_c)
        fail_node(n, fmt::format("bias has {} values for {} output channels", b.f.size(), out_c));
      node.bias = b.f;
    }
    const Shape out{out_c, window_out(in.h, node.pad_top, node.pad_bottom, node.k_h, node.stride_h),
                    window_out(in.w, node.pad_left, node.pad_right, node.k_w, node.stride_w)};
    emit(n, std::move(node), out);
  }

  // The graph node producing value v if only `consumer_uses` ONNX uses read it.
  Node* sole_producer(int v, OpKind kind) {
    auto it = producer_.find(v);
    if (it == producer_.end()) return nullptr;
    Node& p = g_.nodes[size_t(it->second)];
    if (p.kind != kind || value_uses_[v] != 1) return nullptr;
    return &p;
  }

  void import_batchnorm(const onnx::NodeProto& n) {
    reject_attrs(n, {"epsilon", "momentum", "training_mode", "spatial"});
    if (attr_int(n, "training_mode", 0) != 0 || n.output_size() > 1)
      fail_node(n, "training-mode BatchNormalization is not supported (export in eval mode)");
    const int x = value(n, 0);
    const Constant &scale = constant(n, 1), &bias = constant(n, 2), &mean = constant(n, 3),
                   &var = constant(n, 4);
    const int c = g_.shape(x).c;
    for (const Constant* k : {&scale, &bias, &mean, &var})
      if (int(k->f.size()) != c)
        fail_node(n, fmt::format("parameters have {} values for {} channels", k->f.size(), c));
    const float eps = attr_float(n, "epsilon", 1e-5f);
    const size_t nc = static_cast<size_t>(c);
    std::vector<float> mul(nc), add(nc);
    for (int i = 0; i < c; ++i) {
      if (!(var.f[size_t(i)] + eps > 0))
        fail_node(n, fmt::format("channel {}: variance + epsilon = {} is not positive", i,
                                 var.f[size_t(i)] + eps));
      mul[size_t(i)] = scale.f[size_t(i)] / std::sqrt(var.f[size_t(i)] + eps);
      add[size_t(i)] = bias.f[size_t(i)] - mean.f[size_t(i)] * mul[size_t(i)];
    }
    if (Node* conv = sole_producer(x, OpKind::kConv)) {  // fold into the conv
      const size_t per_out = conv->weights.size() / size_t(c);
      if (conv->bias.empty()) conv->bias.assign(size_t(c), 0.0f);
      for (int i = 0; i < c; ++i) {
        for (size_t k = 0; k < per_out; ++k)
          conv->weights[size_t(i) * per_out + k] *= mul[size_t(i)];
        conv->bias[size_t(i)] = conv->bias[size_t(i)] * mul[size_t(i)] + add[size_t(i)];
      }
      check_declared(n, n.output(0), g_.shape(x));
      return alias(n, x);
    }
    // Not after a conv: a depthwise 1x1 conv computes the same affine map.
    Node node = make_node(n, OpKind::kConv, {x});
    node.groups = c;
    node.weights = mul;
    node.bias = add;
    emit(n, std::move(node), g_.shape(x));
  }

  // Gemm/MatMul weights: w is [N][K] (row n = output n).
  void emit_fc(const onnx::NodeProto& n, int x, std::vector<float> w, int k_dim,
               std::vector<float> bias) {
    const Shape in = g_.shape(x);
    if (in.h != 1 || in.w != 1)
      fail_node(n,
                fmt::format("input {} must be a vector (Flatten before the Gemm)", to_string(in)));
    if (in.c != k_dim)
      fail_node(n, fmt::format("weights expect K = {} inputs, the input has {}", k_dim, in.c));
    Node node = make_node(n, OpKind::kGemm, {x});
    const int out = int(w.size() / size_t(k_dim));
    node.weights = std::move(w);
    node.bias = std::move(bias);
    emit(n, std::move(node), Shape{out, 1, 1});
  }

  void import_gemm(const onnx::NodeProto& n) {
    reject_attrs(n, {"alpha", "beta", "transA", "transB"});
    if (attr_int(n, "transA", 0) != 0) fail_node(n, "transA = 1 is not supported");
    const int x = value(n, 0);
    const Constant& b = constant(n, 1);
    if (b.dims.size() != 2 || b.f.empty()) fail_node(n, "B must be a 2-D float constant");
    const bool trans_b = attr_int(n, "transB", 0) != 0;
    const int64_t rows = b.dims[0], cols = b.dims[1];
    const int64_t k_dim = trans_b ? cols : rows, n_dim = trans_b ? rows : cols;
    const float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
    std::vector<float> w(static_cast<size_t>(k_dim * n_dim));
    for (int64_t o = 0; o < n_dim; ++o)
      for (int64_t k = 0; k < k_dim; ++k)
        w[size_t(o * k_dim + k)] =
            alpha * (trans_b ? b.f[size_t(o * cols + k)] : b.f[size_t(k * cols + o)]);
    std::vector<float> bias;
    if (n.input_size() > 2 && !n.input(2).empty()) {
      const Constant& c = constant(n, 2);
      if (int64_t(c.f.size()) != n_dim)
        fail_node(n, fmt::format("C has {} values; only a bias of N = {} values is supported",
                                 c.f.size(), n_dim));
      for (float v : c.f) bias.push_back(beta * v);
    }
    emit_fc(n, x, std::move(w), int(k_dim), std::move(bias));
  }

  void import_matmul(const onnx::NodeProto& n) {
    reject_attrs(n, {});
    const int x = value(n, 0);
    const Constant& b = constant(n, 1);
    if (b.dims.size() != 2 || b.f.empty()) fail_node(n, "B must be a 2-D float constant [K, N]");
    const int64_t k_dim = b.dims[0], n_dim = b.dims[1];
    std::vector<float> w(static_cast<size_t>(k_dim * n_dim));
    for (int64_t o = 0; o < n_dim; ++o)
      for (int64_t k = 0; k < k_dim; ++k) w[size_t(o * k_dim + k)] = b.f[size_t(k * n_dim + o)];
    emit_fc(n, x, std::move(w), int(k_dim), {});
  }

  void import_unary(const onnx::NodeProto& n, OpKind kind) {
    reject_attrs(n, {});
    const int x = value(n, 0);
    const Shape in = g_.shape(x);
    emit(n, make_node(n, kind, {x}), kind == OpKind::kGlobalAvgPool ? Shape{in.c, 1, 1} : in);
  }

  void import_clip(const onnx::NodeProto& n) {
    reject_attrs(n, {"min", "max"});
    const int x = value(n, 0);
    Node node = make_node(n, OpKind::kClip, {x});
    node.clip_min = attr_float(n, "min", -INFINITY);
    node.clip_max = attr_float(n, "max", INFINITY);
    auto bound = [&](int input, float& v) {
      if (n.input_size() <= input || n.input(input).empty()) return;
      const Constant& c = constant(n, input);
      if (c.f.size() != 1) fail_node(n, "min/max must be float scalars");
      v = c.f[0];
    };
    bound(1, node.clip_min);
    bound(2, node.clip_max);
    if (!(node.clip_min <= node.clip_max)) fail_node(n, "min is greater than max");
    emit(n, std::move(node), g_.shape(x));
  }

  void import_pool(const onnx::NodeProto& n, OpKind kind) {
    reject_attrs(n, {"kernel_shape", "strides", "pads", "dilations", "auto_pad", "ceil_mode",
                     "count_include_pad", "storage_order"});
    if (n.output_size() > 1) fail_node(n, "the Indices output is not supported");
    if (attr_int(n, "ceil_mode", 0) != 0) fail_node(n, "ceil_mode = 1 is not supported");
    const int x = value(n, 0);
    const Shape in = g_.shape(x);
    const auto ks = attr_ints(n, "kernel_shape", {});
    if (ks.size() != 2) fail_node(n, "kernel_shape must have 2 values (2-D pooling)");
    Node node = make_node(n, kind, {x});
    set_window(n, node, in, int(ks[0]), int(ks[1]));
    const bool padded = node.pad_top || node.pad_left || node.pad_bottom || node.pad_right;
    if (kind == OpKind::kAvgPool && padded && attr_int(n, "count_include_pad", 0) != 0)
      fail_node(n,
                "count_include_pad = 1 with padding is not supported (the NPU divides by the "
                "in-bounds elements)");
    if (node.pad_top >= node.k_h || node.pad_bottom >= node.k_h || node.pad_left >= node.k_w ||
        node.pad_right >= node.k_w)
      fail_node(n, "padding must be smaller than the kernel");
    const Shape out{in.c, window_out(in.h, node.pad_top, node.pad_bottom, node.k_h, node.stride_h),
                    window_out(in.w, node.pad_left, node.pad_right, node.k_w, node.stride_w)};
    emit(n, std::move(node), out);
  }

  void import_add(const onnx::NodeProto& n) {
    reject_attrs(n, {});
    if (n.input_size() != 2) fail_node(n, "expected two inputs");
    const bool c0 = is_const(n.input(0)), c1 = is_const(n.input(1));
    if (c0 && c1) fail_node(n, "both inputs are constants");
    if (c0 || c1) return fold_bias_add(n, c0 ? 1 : 0, c0 ? 0 : 1);
    const int a = value(n, 0), b = value(n, 1);
    if (g_.shape(a) != g_.shape(b))
      fail_node(n, fmt::format("input shapes {} and {} differ (broadcasting is not supported)",
                               to_string(g_.shape(a)), to_string(g_.shape(b))));
    emit(n, make_node(n, OpKind::kAdd, {a, b}), g_.shape(a));
  }

  // Dims of a constant that broadcasts per channel: after a Conv (N x C x H x W)
  // only [C, 1, 1] / [1, C, 1, 1] (a [C] vector would broadcast along W);
  // after a Gemm (N x C) [C] / [1, C].
  static bool per_channel_dims(const std::vector<int64_t>& d, bool conv) {
    if (conv)
      return (d.size() == 3 && d[1] == 1 && d[2] == 1) ||
             (d.size() == 4 && d[0] == 1 && d[2] == 1 && d[3] == 1);
    return d.size() == 1 || (d.size() == 2 && d[0] == 1);
  }

  // x + constant per-channel vector after a Conv/Gemm: becomes its bias.
  void fold_bias_add(const onnx::NodeProto& n, int data_input, int const_input) {
    const int x = value(n, data_input);
    const Constant& c = constant(n, const_input);
    Node* p = sole_producer(x, OpKind::kGemm);
    if (!p) p = sole_producer(x, OpKind::kConv);
    const int ch = g_.shape(x).c;
    if (!p || int64_t(c.f.size()) != ch || !per_channel_dims(c.dims, p->kind == OpKind::kConv))
      fail_node(n,
                "adding a constant is supported only as a per-channel bias right after a "
                "Conv ([C, 1, 1] or [1, C, 1, 1]) or a Gemm/MatMul ([N] or [1, N])");
    if (p->bias.empty()) p->bias.assign(size_t(ch), 0.0f);
    for (int i = 0; i < ch; ++i) p->bias[size_t(i)] += c.f[size_t(i)];
    check_declared(n, n.output(0), g_.shape(x));
    alias(n, x);
  }

  void import_flatten(const onnx::NodeProto& n) {
    reject_attrs(n, {"axis"});
    if (attr_int(n, "axis", 1) != 1) fail_node(n, "only axis = 1 is supported");
    const int x = value(n, 0);
    emit(n, make_node(n, OpKind::kFlatten, {x}), Shape{int(g_.shape(x).elements()), 1, 1});
  }

  void import_reshape(const onnx::NodeProto& n) {
    reject_attrs(n, {"allowzero"});
    const int x = value(n, 0);
    const Constant& s = constant(n, 1);
    const int64_t elems = g_.shape(x).elements();
    const bool flat = s.i.size() == 2 && (s.i[0] == 1 || s.i[0] == -1 || s.i[0] == 0) &&
                      (s.i[1] == -1 || s.i[1] == elems) && !(s.i[0] == -1 && s.i[1] == -1);
    if (!flat)
      fail_node(n, fmt::format("only a reshape to [N, {}] (flatten) is supported, got [{}]", elems,
                               fmt::join(s.i, ", ")));
    emit(n, make_node(n, OpKind::kFlatten, {x}), Shape{int(elems), 1, 1});
  }

  void import_identity(const onnx::NodeProto& n) {
    if (n.op_type() == "Dropout" && n.output_size() > 1 && !n.output(1).empty())
      fail_node(n, "the mask output of Dropout is not supported");
    if (n.input_size() > 0 && is_const(n.input(0))) {  // e.g. a shared parameter
      consts_[n.output(0)] = consts_.at(n.input(0));
      return;
    }
    alias(n, value(n, 0));
  }

  const onnx::ModelProto& model_;
  std::string origin_;
  Graph g_;
  int current_index_ = 0;
  std::map<std::string, Constant> consts_;
  std::map<std::string, int> value_of_;
  std::map<int, int> producer_;  // value -> node index
  std::map<std::string, std::vector<int64_t>> declared_;
  std::map<std::string, int> uses_;  // ONNX readers (nodes, graph outputs) per name
  std::map<int, int> value_uses_;    // readers per value, through aliases
};

}  // namespace

Graph import_onnx_bytes(const std::string& bytes, const std::string& origin) {
  onnx::ModelProto model;
  if (bytes.empty()) throw CompileError(fmt::format("{}: empty file, not an ONNX model", origin));
  if (!model.ParseFromString(bytes))
    throw CompileError(
        fmt::format("{}: not a valid ONNX model (protobuf parsing failed: the file "
                    "is truncated or corrupt)",
                    origin));
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw CompileError(fmt::format("{}: ONNX checker: {}", origin, e.what()));
  }
  try {
    onnx::ShapeInferenceOptions opts{true, 1, false};
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception& e) {
    throw CompileError(
        fmt::format("{}: inconsistent shapes (ONNX shape inference): {}", origin, e.what()));
  }
  try {
    Graph g = Importer(model, origin).run();
    return g;
  } catch (const CompileError& e) {
    throw CompileError(fmt::format("{}: {}", origin, e.what()));
  }
}

Graph import_onnx(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CompileError(fmt::format("{}: cannot open file", path));
  std::ostringstream s;
  s << f.rdbuf();
  return import_onnx_bytes(s.str(), path);
}

}  // namespace hpvp::compiler
