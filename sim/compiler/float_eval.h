// Reference fp32 execution of a Graph on the host (channel-major C x H x W
// tensors, as ONNX), for calibration (value ranges of every tensor) and the
// fp32 accuracy next to the quantized ones. Plain loops ordered for
// auto-vectorization; not bit-matched to any NPU.
#pragma once

#include <vector>

#include "graph.h"

namespace hpvp::compiler {

class FloatEvaluator {
 public:
  explicit FloatEvaluator(const Graph& g);
  // Runs the graph on one input (C x H x W floats); afterwards value(i) holds
  // every value's tensor (C x H x W). Extra inputs are zero.
  void run(const std::vector<float>& input);
  const std::vector<float>& value(int v) const { return values_[size_t(v)]; }
  const std::vector<float>& output() const { return values_[size_t(graph_.output)]; }

 private:
  void run_node(const Node& n);
  void conv(const Node& n, const std::vector<float>& in, const Shape& is, std::vector<float>& out,
            const Shape& os) const;
  void gemm(const Node& n, const std::vector<float>& in, const Shape& is, std::vector<float>& out,
            const Shape& os) const;
  void pool(const Node& n, const std::vector<float>& in, const Shape& is, std::vector<float>& out,
            const Shape& os) const;

  const Graph& graph_;
  std::vector<std::vector<float>> values_;
};

// Index of the largest element (first on ties).
int argmax(const std::vector<float>& v);

}  // namespace hpvp::compiler
