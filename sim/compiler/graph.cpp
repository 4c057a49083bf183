#include "graph.h"

#include <fmt/format.h>

#include "compile_error.h"

namespace hpvp::compiler {

const char* to_string(OpKind k) {
  switch (k) {
    case OpKind::kConv:
      return "Conv";
    case OpKind::kGemm:
      return "Gemm";
    case OpKind::kRelu:
      return "Relu";
    case OpKind::kClip:
      return "Clip";
    case OpKind::kMaxPool:
      return "MaxPool";
    case OpKind::kAvgPool:
      return "AveragePool";
    case OpKind::kGlobalAvgPool:
      return "GlobalAveragePool";
    case OpKind::kAdd:
      return "Add";
    case OpKind::kFlatten:
      return "Flatten";
  }
  return "?";
}

std::string to_string(const Shape& s) { return fmt::format("{}x{}x{}", s.c, s.h, s.w); }

int window_out(int in, int pad_a, int pad_b, int k, int stride) {
  const int span = in + pad_a + pad_b - k;
  return span < 0 || stride <= 0 ? 0 : span / stride + 1;
}

std::vector<int> Graph::consumers(int value) const {
  std::vector<int> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (int in : nodes[i].inputs)
      if (in == value) {
        out.push_back(int(i));
        break;
      }
  return out;
}

uint64_t Graph::macs() const {
  uint64_t total = 0;
  for (const Node& n : nodes) {
    if (n.kind != OpKind::kConv && n.kind != OpKind::kGemm) continue;
    const Shape& out = shape(n.output);
    total += uint64_t(out.elements()) * (n.weights.size() / size_t(out.c));
  }
  return total;
}

uint64_t Graph::parameters() const {
  uint64_t total = 0;
  for (const Node& n : nodes) total += n.weights.size() + n.bias.size();
  return total;
}

namespace {

[[noreturn]] void fail(const Node& n, const std::string& why) {
  throw CompileError(fmt::format("node '{}' ({}): {}", n.name, to_string(n.kind), why));
}

// The output shape a node must have, from its input shapes and attributes.
Shape expected_output(const Graph& g, const Node& n) {
  const Shape in = g.shape(n.inputs.at(0));
  switch (n.kind) {
    case OpKind::kConv: {
      if (n.groups <= 0 || in.c % n.groups != 0)
        fail(n, fmt::format("groups {} does not divide the {} input channels", n.groups, in.c));
      const size_t per_out = size_t(in.c / n.groups) * n.k_h * n.k_w;
      if (per_out == 0 || n.weights.empty() || n.weights.size() % per_out != 0)
        fail(n, fmt::format("{} weights do not match input {} with {}x{} kernel, groups {}",
                            n.weights.size(), to_string(in), n.k_h, n.k_w, n.groups));
      const int out_c = int(n.weights.size() / per_out);
      if (out_c % n.groups != 0)
        fail(n, fmt::format("groups {} does not divide the {} output channels", n.groups, out_c));
      return Shape{out_c, window_out(in.h, n.pad_top, n.pad_bottom, n.k_h, n.stride_h),
                   window_out(in.w, n.pad_left, n.pad_right, n.k_w, n.stride_w)};
    }
    case OpKind::kGemm: {
      if (in.w != 1) fail(n, fmt::format("input {} is not a matrix (M x K)", to_string(in)));
      if (n.weights.empty() || n.weights.size() % size_t(in.c) != 0)
        fail(n, fmt::format("{} weights do not match K = {}", n.weights.size(), in.c));
      return Shape{int(n.weights.size() / size_t(in.c)), in.h, 1};
    }
    case OpKind::kMaxPool:
    case OpKind::kAvgPool:
      return Shape{in.c, window_out(in.h, n.pad_top, n.pad_bottom, n.k_h, n.stride_h),
                   window_out(in.w, n.pad_left, n.pad_right, n.k_w, n.stride_w)};
    case OpKind::kGlobalAvgPool:
      return Shape{in.c, 1, 1};
    case OpKind::kFlatten:
      return Shape{int(in.elements()), 1, 1};
    case OpKind::kAdd:
      if (n.inputs.size() != 2 || g.shape(n.inputs[1]) != in)
        fail(n, fmt::format("inputs {} and {} differ (broadcasting is not supported)",
                            to_string(in), to_string(g.shape(n.inputs.at(1)))));
      return in;
    case OpKind::kRelu:
    case OpKind::kClip:
      return in;
  }
  return in;
}

void check_window(const Node& n) {
  if (n.k_h <= 0 || n.k_w <= 0 || n.stride_h <= 0 || n.stride_w <= 0)
    fail(n, "kernel and stride must be positive");
  if (n.pad_top < 0 || n.pad_left < 0 || n.pad_bottom < 0 || n.pad_right < 0)
    fail(n, "negative padding");
  if (n.k_h > 255 || n.k_w > 255 || n.stride_h > 255 || n.stride_w > 255 || n.pad_top > 255 ||
      n.pad_left > 255 || n.pad_bottom > 255 || n.pad_right > 255)
    fail(n, "kernel, stride and padding must be at most 255 (NPU descriptor fields)");
}

}  // namespace

void validate(const Graph& g) {
  const int nv = int(g.values.size());
  if (g.input < 0 || g.input >= nv || g.output < 0 || g.output >= nv)
    throw CompileError("graph has no input or no output");
  std::vector<bool> defined(size_t(nv), false);
  defined[size_t(g.input)] = true;
  for (int v : g.extra_inputs) defined.at(size_t(v)) = true;
  for (const Node& n : g.nodes) {
    if (n.inputs.empty() || n.output < 0 || n.output >= nv) fail(n, "missing input or output");
    for (int in : n.inputs)
      if (in < 0 || in >= nv || !defined[size_t(in)])
        fail(n, "input is not produced by an earlier node (graph not topologically sorted?)");
    if (defined[size_t(n.output)]) fail(n, "output value is produced twice");
    if (n.kind == OpKind::kConv || n.kind == OpKind::kMaxPool || n.kind == OpKind::kAvgPool)
      check_window(n);
    if (!n.bias.empty() && n.kind != OpKind::kConv && n.kind != OpKind::kGemm)
      fail(n, "only Conv and Gemm take a bias");
    const Shape want = expected_output(g, n);
    if (want.c <= 0 || want.h <= 0 || want.w <= 0)
      fail(n, fmt::format("input {} is smaller than the window", to_string(g.shape(n.inputs[0]))));
    if (!n.bias.empty() && int(n.bias.size()) != want.c)
      fail(n, fmt::format("{} bias values for {} output channels", n.bias.size(), want.c));
    if (g.shape(n.output) != want)
      fail(n, fmt::format("output shape {} but the inputs and attributes give {}",
                          to_string(g.shape(n.output)), to_string(want)));
    defined[size_t(n.output)] = true;
  }
  if (!defined[size_t(g.output)]) throw CompileError("graph output is never produced");
}

}  // namespace hpvp::compiler
