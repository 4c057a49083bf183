// The model compiler's network representation: a float DAG of NPU-mappable
// operations, batch 1, as produced by the importers (onnx_import,
// scalesim_csv) after BatchNorm folding and shape checks. The model
// compiler (model_compiler.h) turns it into an HPVM model image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hpvp::compiler {

enum class OpKind {
  kConv,  // 2-D convolution, groups >= 1 (depthwise: groups = in channels)
  kGemm,  // fully connected: out[n] = sum_k w[n][k] * in[k] + bias[n]
  kRelu,  // max(x, 0)
  kClip,  // clamp(x, clip_min, clip_max) (ReLU6)
  kMaxPool,
  kAvgPool,  // divisor = in-bounds elements (ONNX count_include_pad = 0)
  kGlobalAvgPool,
  kAdd,      // element-wise, equal shapes
  kFlatten,  // C x H x W -> (C*H*W) x 1 x 1 (ONNX order: channel-major)
};
const char* to_string(OpKind k);

// Per-sample shape (batch 1), channels x height x width.
struct Shape {
  int c = 1, h = 1, w = 1;
  int64_t elements() const { return int64_t(c) * h * w; }
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};
std::string to_string(const Shape& s);  // "CxHxW"

struct Value {
  std::string name;  // ONNX tensor name
  Shape shape;
};

struct Node {
  OpKind kind = OpKind::kConv;
  std::string name;         // ONNX node name, or "<op>_<index>" when unnamed
  std::vector<int> inputs;  // value indices (Add: two, others: one)
  int output = -1;          // value index
  // window ops (conv, pools)
  int k_h = 1, k_w = 1, stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int groups = 1;
  // clip
  float clip_min = 0, clip_max = 0;
  // conv weights OIHW [out_c][in_c/groups][k_h][k_w]; gemm [out][in]
  std::vector<float> weights;
  std::vector<float> bias;  // [out_c]; empty = none
};

struct Graph {
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;  // topological order
  int input = -1;           // value index of the network input
  int output = -1;          // value index of the network output
  // Values without a producer other than `input` (SCALE-Sim layers whose
  // IFMAP does not chain from the previous layer); the runtime leaves them zero.
  std::vector<int> extra_inputs;

  const Shape& shape(int value) const { return values[size_t(value)].shape; }
  // Consumers of a value (node indices).
  std::vector<int> consumers(int value) const;
  uint64_t macs() const;  // multiply-accumulates of conv/gemm nodes
  uint64_t parameters() const;
};

// Checks that node shapes are consistent (inputs, weights, outputs) and that
// the graph is topologically ordered with one input and one output; throws
// CompileError naming the node otherwise.
void validate(const Graph& g);

// Output size of a window op: floor((in + pads - k) / stride) + 1.
int window_out(int in, int pad_a, int pad_b, int k, int stride);

}  // namespace hpvp::compiler
