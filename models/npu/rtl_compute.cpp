#include "rtl_compute.h"

#include <algorithm>
#include <stdexcept>

#include "npu/npu_kernels.h"

#ifdef HPVP_HAVE_RTL
#include "rtl_array.h"
#endif

namespace hpvp::npu {

#ifdef HPVP_HAVE_RTL

namespace {

rtl::Dataflow to_rtl(Dataflow d) {
  switch (d) {
    case Dataflow::kOutputStationary:
      return rtl::Dataflow::kOutputStationary;
    case Dataflow::kWeightStationary:
      return rtl::Dataflow::kWeightStationary;
    case Dataflow::kInputStationary:
      return rtl::Dataflow::kInputStationary;
  }
  return rtl::Dataflow::kOutputStationary;
}

// im2col rows of output pixels [px0, px0+pxs) for group g: raw activations,
// padding = in_zp (so that sum (x - zp) * w == sum x * w - zp * sum w).
void gather_rows(const Layer& l, const int8_t* in, int g, uint32_t px0, uint32_t pxs,
                 std::vector<int8_t>& a, uint64_t k) {
  a.assign(uint64_t(pxs) * k, static_cast<int8_t>(l.in_zp));
  if (l.op == Op::kGemm) {
    for (uint32_t r = 0; r < pxs; ++r)
      std::copy_n(in + uint64_t(px0 + r) * l.in_c, k, a.begin() + uint64_t(r) * k);
    return;
  }
  const int cin_g = l.in_c / l.groups;
  for (uint32_t r = 0; r < pxs; ++r) {
    const uint32_t p = px0 + r;
    const int oy = static_cast<int>(p / l.out_w), ox = static_cast<int>(p % l.out_w);
    int8_t* row = a.data() + uint64_t(r) * k;
    for (int ky = 0; ky < l.k_h; ++ky) {
      const int iy = oy * l.stride_h - l.pad_top + ky;
      for (int kx = 0; kx < l.k_w; ++kx) {
        const int ix = ox * l.stride_w - l.pad_left + kx;
        if (iy < 0 || iy >= l.in_h || ix < 0 || ix >= l.in_w) continue;
        const int8_t* src = in + (uint64_t(iy) * l.in_w + ix) * l.in_c + uint64_t(g) * cin_g;
        std::copy_n(src, cin_g, row + (uint64_t(ky) * l.k_w + kx) * cin_g);
      }
    }
  }
}

}  // namespace

struct RtlCompute::Impl {
  rtl::RtlArray array;
  rtl::Dataflow dataflow;
  std::vector<uint32_t> zp_corr;
  std::vector<int8_t> a, w;  // operand staging, reused across tiles
  Impl(const rtl::Variant& v, rtl::Dataflow df) : array(v), dataflow(df) {}
};

RtlCompute::RtlCompute(Precision p, Dataflow df, int rows, int cols) {
  const Formats f = formats_of(p);
  if (f.is_float)
    throw std::invalid_argument(std::string("compute: rtl needs an integer precision, not ") +
                                to_string(p));
  const rtl::Variant v{rows, cols, f.weight_bits};
  // IS runs on the WS hardware with the operands' roles swapped, which needs
  // activations and weights of one width (not int2: 2-bit weights, int8 data).
  if (df == Dataflow::kInputStationary && v.act_bits() != v.weight_bits())
    throw std::invalid_argument(std::string("compute: rtl has no input-stationary dataflow for ") +
                                to_string(p) + " (activations and weights differ in width)");
  impl_ = std::make_unique<Impl>(v, to_rtl(df));
}

RtlCompute::~RtlCompute() = default;

static uint64_t gemm_k(const Layer& l) {
  const int groups = l.op == Op::kConv2d ? l.groups : 1;
  return l.op == Op::kGemm ? uint64_t(l.in_c) : uint64_t(l.k_h) * l.k_w * (l.in_c / groups);
}

void RtlCompute::begin_layer(const Layer& l, const int8_t* w) {
  // Zero-point correction per output channel: in_zp * sum_k w[n][k] (mod 2^32).
  const uint64_t k = gemm_k(l);
  impl_->zp_corr.assign(l.out_c, 0);
  for (int n = 0; n < l.out_c; ++n) {
    uint32_t s = 0;
    for (uint64_t i = 0; i < k; ++i) s += static_cast<uint32_t>(w[uint64_t(n) * k + i]);
    impl_->zp_corr[n] = static_cast<uint32_t>(l.in_zp) * s;
  }
}

uint64_t RtlCompute::run_tile(const Layer& l, const Tile& tile, const int8_t* in, const int8_t* w,
                              const IntParams& p, int8_t* out) {
  const int groups = l.op == Op::kConv2d ? l.groups : 1;
  const int n_g = l.out_c / groups;
  const uint64_t k = gemm_k(l);
  uint64_t cycles = 0;
  for (int g = tile.ch0 / n_g; g * n_g < tile.ch0 + tile.chs; ++g) {
    const int c_lo = std::max(tile.ch0, g * n_g);
    const int c_hi = std::min(tile.ch0 + tile.chs, (g + 1) * n_g);
    gather_rows(l, in, g, tile.px0, tile.pxs, impl_->a, k);
    impl_->w.assign(w + uint64_t(c_lo) * k, w + uint64_t(c_hi) * k);
    const auto r =
        impl_->array.run_gemm(impl_->a.data(), impl_->w.data(), static_cast<int>(tile.pxs),
                              c_hi - c_lo, static_cast<int>(k), impl_->dataflow);
    cycles += r.cycles;
    for (uint32_t m = 0; m < tile.pxs; ++m) {
      for (int c = c_lo; c < c_hi; ++c) {
        const uint32_t acc = static_cast<uint32_t>(r.c[uint64_t(m) * (c_hi - c_lo) + (c - c_lo)]) -
                             impl_->zp_corr[c] +
                             (l.has_bias() ? static_cast<uint32_t>(p.bias[c]) : 0u);
        const int32_t mult = p.mult ? p.mult[c] : l.mult;
        const int32_t shift = p.shift ? p.shift[c] : l.shift;
        const int64_t v =
            int64_t{multiply_by_quantized_multiplier(static_cast<int32_t>(acc), mult, shift)} +
            l.out_zp;
        out[uint64_t(tile.px0 + m) * l.out_c + c] =
            static_cast<int8_t>(std::clamp<int64_t>(v, l.act_min, l.act_max));
      }
    }
  }
  return cycles;
}

uint64_t RtlCompute::total_cycles() const { return impl_->array.total_cycles(); }

void RtlCompute::open_trace(const std::string& path) { impl_->array.open_trace(path); }

void RtlCompute::close_trace() { impl_->array.close_trace(); }

void RtlCompute::set_trace_clock(uint64_t period_ps, uint64_t next_edge_ps) {
  impl_->array.set_trace_clock(period_ps, next_edge_ps);
}

#else  // built without Verilator

struct RtlCompute::Impl {};

RtlCompute::RtlCompute(Precision, Dataflow, int, int) {
  throw std::invalid_argument("compute: rtl is not available: this build has no Verilator (rtl/)");
}
RtlCompute::~RtlCompute() = default;
void RtlCompute::begin_layer(const Layer&, const int8_t*) {}
uint64_t RtlCompute::run_tile(const Layer&, const Tile&, const int8_t*, const int8_t*,
                              const IntParams&, int8_t*) {
  return 0;
}
uint64_t RtlCompute::total_cycles() const { return 0; }
void RtlCompute::open_trace(const std::string&) {}
void RtlCompute::close_trace() {}
void RtlCompute::set_trace_clock(uint64_t, uint64_t) {}

#endif

}  // namespace hpvp::npu
