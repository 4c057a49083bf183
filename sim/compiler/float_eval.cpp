#include "float_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hpvp::compiler {

FloatEvaluator::FloatEvaluator(const Graph& g) : graph_(g), values_(g.values.size()) {
  for (size_t v = 0; v < g.values.size(); ++v)
    values_[v].assign(size_t(g.values[v].shape.elements()), 0.0f);
}

void FloatEvaluator::run(const std::vector<float>& input) {
  values_[size_t(graph_.input)] = input;
  values_[size_t(graph_.input)].resize(size_t(graph_.shape(graph_.input).elements()), 0.0f);
  for (const Node& n : graph_.nodes) run_node(n);
}

void FloatEvaluator::run_node(const Node& n) {
  const std::vector<float>& in = values_[size_t(n.inputs[0])];
  const Shape& is = graph_.shape(n.inputs[0]);
  std::vector<float>& out = values_[size_t(n.output)];
  const Shape& os = graph_.shape(n.output);
  switch (n.kind) {
    case OpKind::kConv:
      return conv(n, in, is, out, os);
    case OpKind::kGemm:
      return gemm(n, in, is, out, os);
    case OpKind::kMaxPool:
    case OpKind::kAvgPool:
      return pool(n, in, is, out, os);
    case OpKind::kGlobalAvgPool: {
      const size_t hw = size_t(is.h) * is.w;
      for (int c = 0; c < is.c; ++c) {
        float s = 0;
        for (size_t i = 0; i < hw; ++i) s += in[size_t(c) * hw + i];
        out[size_t(c)] = s / float(hw);
      }
      return;
    }
    case OpKind::kRelu:
      for (size_t i = 0; i < in.size(); ++i) out[i] = std::max(in[i], 0.0f);
      return;
    case OpKind::kClip:
      for (size_t i = 0; i < in.size(); ++i) out[i] = std::clamp(in[i], n.clip_min, n.clip_max);
      return;
    case OpKind::kAdd: {
      const std::vector<float>& b = values_[size_t(n.inputs[1])];
      for (size_t i = 0; i < in.size(); ++i) out[i] = in[i] + b[i];
      return;
    }
    case OpKind::kFlatten:
      out = in;
      return;
  }
}

// im2col per group, then out[oc][p] += w[oc][k] * patch[k][p]: long
// contiguous inner loops that the compiler vectorizes.
void FloatEvaluator::conv(const Node& n, const std::vector<float>& in, const Shape& is,
                          std::vector<float>& out, const Shape& os) const {
  const int cin_g = is.c / n.groups, cout_g = os.c / n.groups;
  const size_t pixels = size_t(os.h) * os.w, k_dim = size_t(cin_g) * n.k_h * n.k_w;
  std::vector<float> patch(k_dim * pixels);
  for (int g = 0; g < n.groups; ++g) {
    for (int ci = 0; ci < cin_g; ++ci)
      for (int ky = 0; ky < n.k_h; ++ky)
        for (int kx = 0; kx < n.k_w; ++kx) {
          const float* x = &in[size_t(g * cin_g + ci) * is.h * is.w];
          float* row = &patch[((size_t(ci) * n.k_h + ky) * n.k_w + size_t(kx)) * pixels];
          for (int oy = 0; oy < os.h; ++oy) {
            const int iy = oy * n.stride_h - n.pad_top + ky;
            for (int ox = 0; ox < os.w; ++ox) {
              const int ix = ox * n.stride_w - n.pad_left + kx;
              const bool inside = iy >= 0 && iy < is.h && ix >= 0 && ix < is.w;
              row[size_t(oy) * os.w + size_t(ox)] =
                  inside ? x[size_t(iy) * is.w + size_t(ix)] : 0.0f;
            }
          }
        }
    for (int o = 0; o < cout_g; ++o) {
      const int oc = g * cout_g + o;
      float* acc = &out[size_t(oc) * pixels];
      std::fill(acc, acc + pixels, n.bias.empty() ? 0.0f : n.bias[size_t(oc)]);
      const float* w = &n.weights[size_t(oc) * k_dim];
      for (size_t k = 0; k < k_dim; ++k) {
        const float wk = w[k];
        const float* row = &patch[k * pixels];
        for (size_t p = 0; p < pixels; ++p) acc[p] += wk * row[p];
      }
    }
  }
}

void FloatEvaluator::gemm(const Node& n, const std::vector<float>& in, const Shape& is,
                          std::vector<float>& out, const Shape& os) const {
  // Rows (h) of a SCALE-Sim M x K matrix are stored channel-major like any
  // tensor: element (m, k) at k * M + m.
  const int m_rows = is.h, k_dim = is.c;
  for (int m = 0; m < m_rows; ++m)
    for (int o = 0; o < os.c; ++o) {
      float s = n.bias.empty() ? 0.0f : n.bias[size_t(o)];
      const float* w = &n.weights[size_t(o) * k_dim];
      for (int k = 0; k < k_dim; ++k) s += w[k] * in[size_t(k) * m_rows + m];
      out[size_t(o) * m_rows + m] = s;
    }
}

void FloatEvaluator::pool(const Node& n, const std::vector<float>& in, const Shape& is,
                          std::vector<float>& out, const Shape& os) const {
  const bool is_max = n.kind == OpKind::kMaxPool;
  for (int c = 0; c < is.c; ++c)
    for (int oy = 0; oy < os.h; ++oy)
      for (int ox = 0; ox < os.w; ++ox) {
        float acc = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
        int count = 0;
        for (int ky = 0; ky < n.k_h; ++ky)
          for (int kx = 0; kx < n.k_w; ++kx) {
            const int iy = oy * n.stride_h - n.pad_top + ky, ix = ox * n.stride_w - n.pad_left + kx;
            if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;
            const float v = in[(size_t(c) * is.h + iy) * is.w + size_t(ix)];
            acc = is_max ? std::max(acc, v) : acc + v;
            ++count;
          }
        out[(size_t(c) * os.h + oy) * os.w + size_t(ox)] = is_max ? acc : acc / float(count);
      }
}

int argmax(const std::vector<float>& v) {
  int best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[size_t(best)]) best = int(i);
  return best;
}

}  // namespace hpvp::compiler
