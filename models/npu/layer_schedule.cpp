#include "npu/layer_schedule.h"

#include <algorithm>
#include <fmt/format.h>
#include <numeric>
#include <utility>

namespace hpvp::npu {

namespace {

constexpr uint64_t kMaxSegment = uint64_t(1) << 31;  // split longer DMA runs

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
bool byte_aligned(uint64_t bits) { return bits % 8 == 0; }

// Smallest r >= 1 with r * x * bits a whole number of bytes.
int byte_unit(uint64_t x, int bits) {
  for (int r = 1; r <= 8; ++r)
    if (byte_aligned(uint64_t(r) * x * uint64_t(bits))) return r;
  return 8;
}

// Conv view of every op: GEMM is in_h x 1 x K -> in_h x 1 x N with a 1x1
// kernel; element-wise ops have a 1x1 kernel; pools keep their window.
struct Geometry {
  int in_h, in_w, in_c, out_h, out_w, out_c, k_h, s_h, pad_top, groups;
  uint64_t cin_g, n_g, k_g;  // per group: input channels, filters, window
  bool pointwise;            // input pixel p feeds exactly output pixel p
};

Geometry geometry_of(const Layer& l) {
  Geometry g{l.in_h, l.in_w, l.in_c, l.out_h, l.out_w, l.out_c, 1, 1, 0, 1, 0, 0, 0, true};
  switch (l.op) {
    case Op::kConv2d:
    case Op::kMaxPool:
    case Op::kAvgPool:
      g.k_h = l.k_h, g.s_h = l.stride_h, g.pad_top = l.pad_top;
      g.groups = l.op == Op::kConv2d ? l.groups : 1;
      g.pointwise = l.k_h == 1 && l.k_w == 1 && l.stride_h == 1 && l.stride_w == 1 &&
                    l.pad_top == 0 && l.pad_left == 0 && l.in_h == l.out_h && l.in_w == l.out_w;
      break;
    case Op::kGemm:
      g.in_w = g.out_w = 1, g.out_h = l.in_h;
      break;
    default:
      break;  // add, relu: same shape; GAP: bands over input pixels
  }
  if (g.groups <= 0) g.groups = 1;
  g.cin_g = uint64_t(g.in_c) / g.groups;
  g.n_g = uint64_t(g.out_c) / g.groups;
  g.k_g = l.op == Op::kConv2d ? uint64_t(l.k_h) * l.k_w * g.cin_g : uint64_t(g.in_c);
  return g;
}

// Input pixels read by output pixels [p0, p1), as sorted disjoint pixel
// intervals: the same pixels for pointwise layers, else whole input rows
// (with the halo) of the output rows the band touches.
void input_pixels(const Geometry& g, uint64_t p0, uint64_t p1,
                  std::vector<std::pair<uint64_t, uint64_t>>& out) {
  out.clear();
  if (g.pointwise) {
    out.emplace_back(p0, p1);
    return;
  }
  const int r0 = static_cast<int>(p0 / g.out_w), r1 = static_cast<int>((p1 - 1) / g.out_w + 1);
  for (int r = r0; r < r1; ++r) {
    const int a = std::max(0, r * g.s_h - g.pad_top);
    const int b = std::min(g.in_h, r * g.s_h - g.pad_top + g.k_h);
    if (a >= b) continue;
    const uint64_t pa = uint64_t(a) * g.in_w, pb = uint64_t(b) * g.in_w;
    if (!out.empty() && pa <= out.back().second)
      out.back().second = std::max(out.back().second, pb);
    else
      out.emplace_back(pa, pb);
  }
}

// Appends element range [e0, e1) of a packed tensor at `base` as one DMA
// segment, merged with the previous segment when contiguous and of the same
// run (one tensor of one tile).
struct Emitter {
  std::vector<DmaSegment>& v;
  size_t run_start;
  bool write;
  uint64_t bytes = 0;

  void range(uint32_t base, uint64_t e0, uint64_t e1, int bits) {
    if (e1 <= e0) return;
    uint64_t addr = uint64_t(base) + e0 * uint64_t(bits) / 8;
    uint64_t len = ceil_div(e1 * uint64_t(bits), 8) - e0 * uint64_t(bits) / 8;
    bytes += len;
    if (v.size() > run_start) {
      DmaSegment& last = v.back();
      if (uint64_t(last.addr) + last.bytes == addr && last.bytes + len <= kMaxSegment) {
        last.bytes += static_cast<uint32_t>(len);
        return;
      }
    }
    while (len > 0) {
      const uint64_t n = std::min(len, kMaxSegment);
      v.push_back(DmaSegment{static_cast<uint32_t>(addr), static_cast<uint32_t>(n), write});
      addr += n, len -= n;
    }
  }

  // Channels [c0, c1) of pixels [p0, p1) of an NHWC tensor: one segment when
  // all channels, else one per pixel.
  void pixels(uint32_t base, int channels, uint64_t p0, uint64_t p1, int c0, int c1, int bits) {
    if (c0 == 0 && c1 == channels) {
      range(base, p0 * channels, p1 * channels, bits);
      return;
    }
    for (uint64_t p = p0; p < p1; ++p) range(base, p * channels + c0, p * channels + c1, bits);
  }
};

using Intervals = std::vector<std::pair<uint64_t, uint64_t>>;

struct Planner {
  const Layer& l;
  const Formats& f;
  const ArrayConfig& a;
  const SpadConfig& s;
  Geometry g;
  uint64_t cap_in, cap_w, cap_out;
  int abits, wbits;
  uint64_t param_bytes_per_ch;
  LayerPlan plan;

  Planner(const Layer& l_, const Formats& f_, const ArrayConfig& a_, const SpadConfig& s_)
      : l(l_), f(f_), a(a_), s(s_), g(geometry_of(l_)) {
    const uint64_t div = s.double_buffer ? 2 : 1;
    cap_in = s.ifmap_bytes / div, cap_w = s.filter_bytes / div, cap_out = s.ofmap_bytes / div;
    abits = f.act_bits, wbits = f.weight_bits;
    param_bytes_per_ch = (l.has_bias() ? 4 : 0) + (l.per_channel() ? 8 : 0);
  }

  bool gap() const { return l.op == Op::kGap; }
  // Pixels the bands split: output pixels, or the input pixels of GAP.
  uint64_t band_space() const {
    return gap() ? uint64_t(g.in_h) * g.in_w : uint64_t(g.out_h) * g.out_w;
  }

  // Conservative scratchpad needs of a band of P pixels (a sub-byte run that
  // starts mid-byte takes one more byte).
  uint64_t slack(int bits, uint64_t runs) const { return bits % 8 ? runs : 0; }
  // whole_rows: the band is P/out_w whole output rows; else P pixels that
  // may start anywhere in a row.
  uint64_t in_need(uint64_t P, uint64_t cin_t, bool whole_rows = false) const {
    const bool full = cin_t == uint64_t(g.in_c);
    uint64_t n;
    if (g.pointwise || gap()) {
      n = packed_bytes(P * cin_t, abits) + slack(abits, full ? 1 : 0);
    } else {
      // Output rows a band of P pixels can touch, then their input rows.
      const uint64_t ow = uint64_t(g.out_w);
      const uint64_t out_rows =
          std::min<uint64_t>(g.out_h, whole_rows ? P / ow : (P + ow - 2) / ow + 1);
      const uint64_t step = uint64_t(std::min(g.s_h, g.k_h));
      const uint64_t rows = std::min<uint64_t>(g.in_h, (out_rows - 1) * step + uint64_t(g.k_h));
      const uint64_t runs = full ? (g.s_h > g.k_h ? out_rows : 1) : 0;
      n = packed_bytes(rows * g.in_w * cin_t, abits) + slack(abits, runs);
    }
    return l.op == Op::kAdd ? 2 * n : n;
  }
  uint64_t w_need(uint64_t ct) const {
    if (!l.uses_weights()) return 0;
    return packed_bytes(ct * g.k_g, wbits) + slack(wbits, 1) + ct * param_bytes_per_ch;
  }
  uint64_t out_need(uint64_t P, uint64_t ct) const {
    if (gap()) return packed_bytes(uint64_t(g.out_c), abits);
    return packed_bytes(P * ct, abits) + slack(abits, ct == uint64_t(g.out_c) ? 1 : 0);
  }

  // Largest band (pixels) that fits: all pixels; else, for windowed layers,
  // the most whole output rows that are a multiple of `unit` pixels; else the
  // most pixels that are a multiple of `unit`. 0 if none.
  uint64_t best_band(uint64_t ct, uint64_t cin_t, uint64_t unit) const {
    const uint64_t total = band_space();
    auto fits = [&](uint64_t P, bool rows) {
      return in_need(P, cin_t, rows) <= cap_in && out_need(P, ct) <= cap_out;
    };
    if (fits(total, true)) return total;
    // Binary search on k in [1, hi] for the largest k*step that fits.
    auto search = [&](uint64_t step, uint64_t hi, bool rows) {
      uint64_t lo = 1, best = 0;
      while (lo <= hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (fits(mid * step, rows))
          best = mid, lo = mid + 1;
        else
          hi = mid - 1;
      }
      return best * step;
    };
    if (!(g.pointwise || gap())) {
      const uint64_t ow = uint64_t(g.out_w);
      const uint64_t row_step = std::lcm(unit, ow);  // pixels of the smallest aligned row band
      if (const uint64_t P = search(row_step, (total - 1) / row_step, true)) return P;
    }
    return search(unit, (total - 1) / unit, false);
  }

  void fail(npu_error e, std::string why) {
    plan.error = e;
    plan.why = std::move(why);
    plan.tiles.clear();
  }

  // Every tensor must fit the 32-bit address space.
  bool check_ranges() const {
    auto in_space = [](uint32_t base, uint64_t bytes) {
      return uint64_t(base) + bytes <= (uint64_t(1) << 32);
    };
    const uint64_t in_b = packed_bytes(l.in_elements(), abits);
    const uint64_t out_b = packed_bytes(l.out_elements(), abits);
    bool ok = in_space(l.in_addr, in_b) && in_space(l.out_addr, out_b);
    if (l.op == Op::kAdd) ok = ok && in_space(l.in2_addr, in_b);
    if (l.uses_weights()) {
      ok = ok && in_space(l.w_addr, packed_bytes(l.weight_elements(), wbits));
      if (l.has_bias()) ok = ok && in_space(l.bias_addr, 4 * uint64_t(l.out_c));
      if (l.per_channel()) ok = ok && in_space(l.quant_addr, 8 * uint64_t(l.out_c));
    }
    return ok;
  }

  // ------------------------------------------------------------ conv / gemm

  struct ChannelChoice {
    bool whole_groups;  // tiles of q whole groups, else chunks of ct filters inside a group
    uint64_t q, ct;     // ct = channels per (full) tile
  };

  // Channel tile starts must be byte aligned in the output (per-pixel slices),
  // in the weights and, for grouped convolutions, in the input.
  bool channels_byte_ok(const ChannelChoice& c) const {
    const bool single = c.whole_groups && c.q >= uint64_t(g.groups);
    if (single) return true;
    if (!byte_aligned(uint64_t(g.out_c) * abits)) return false;
    auto step_ok = [&](uint64_t step) {
      return byte_aligned(step * abits) && byte_aligned(step * g.k_g * wbits);
    };
    const bool grouped = g.groups > 1;
    if (grouped && !byte_aligned(uint64_t(g.in_c) * abits)) return false;
    if (c.whole_groups)
      return step_ok(c.q * g.n_g) && (!grouped || byte_aligned(c.q * g.cin_g * abits));
    return step_ok(c.ct) && (!grouped || (step_ok(g.n_g) && byte_aligned(g.cin_g * abits)));
  }

  uint64_t input_channels(const ChannelChoice& c) const {
    if (g.groups == 1) return uint64_t(g.in_c);
    return c.whole_groups ? std::min<uint64_t>(c.q, g.groups) * g.cin_g : g.cin_g;
  }

  // Band unit (pixels) that keeps bands aligned with the folds of the array
  // dimension the output pixels map to (OS: rows, IS: cols); WS and the
  // analog crossbar stream pixels in time, no alignment to keep.
  uint64_t fold_pixel_unit() const {
    if (!l.uses_weights() || a.model == ComputeModel::kAnalogImc) return 1;
    switch (a.dataflow) {
      case Dataflow::kOutputStationary:
        return uint64_t(std::max(a.rows, 1));
      case Dataflow::kInputStationary:
        return uint64_t(std::max(a.cols, 1));
      default:
        return 1;
    }
  }

  // Band unit (pixels) that keeps band boundaries on whole output bytes.
  uint64_t byte_pixel_unit(bool full_channels) const {
    return full_channels && !gap() ? uint64_t(byte_unit(uint64_t(g.out_c), abits)) : 1;
  }

  bool try_choice(const ChannelChoice& c, bool aligned_band, uint64_t& band) const {
    if (w_need(c.ct) > cap_w || !channels_byte_ok(c)) return false;
    const bool full = c.ct >= uint64_t(g.out_c);
    uint64_t unit = byte_pixel_unit(full);
    if (aligned_band) unit = std::lcm(unit, fold_pixel_unit());
    band = best_band(c.ct, input_channels(c), unit);
    return band > 0;
  }

  void plan_gemm() {
    const uint64_t G = uint64_t(g.groups), ng = g.n_g;
    const uint64_t gran = uint64_t(std::max(a.cols, 1));
    ChannelChoice chosen{};
    uint64_t band = 0;
    bool found = false;
    // Pass 0: channel tiles and bands aligned with the folds; pass 1:
    // aligned channel tiles, any band; pass 2: anything that fits.
    const int passes = s.strict_alignment ? 1 : 3;
    for (int pass = 0; pass < passes && !found; ++pass) {
      const bool aligned_ch = pass < 2, aligned_band = pass == 0;
      for (uint64_t q = G; q >= 1 && !found; --q) {  // whole groups, most first
        const ChannelChoice c{true, q, q * ng};
        if (try_choice(c, aligned_band, band)) chosen = c, found = true;
      }
      // Chunks of one group's filters: multiples of the array columns when
      // aligned (whole column folds), any size in the fallback.
      for (uint64_t ct = ng - 1; ct >= 1 && !found; --ct) {
        if (aligned_ch && ct % gran) continue;
        const ChannelChoice c{false, 1, ct};
        if (try_choice(c, aligned_band, band)) chosen = c, found = true;
      }
    }
    if (!found) {
      // The smallest tile that was allowed: a fold-aligned one when strict,
      // else one filter (one group's worth for the input) and one pixel.
      const uint64_t ct = s.strict_alignment ? std::min<uint64_t>(ng, gran) : 1;
      const uint64_t cin = g.groups == 1 ? uint64_t(g.in_c) : g.cin_g;
      const uint64_t px = std::min<uint64_t>(std::lcm(byte_pixel_unit(ct >= uint64_t(g.out_c)),
                                                      s.strict_alignment ? fold_pixel_unit() : 1),
                                             band_space());
      fail(
          NPU_ERR_SPAD_OVERFLOW,
          fmt::format(
              "minimal tile does not fit: {} filter(s) of {} weights need {} B of the filter "
              "scratchpad ({} B usable); {} output pixel(s) need {} B of input ({} B usable) "
              "and {} B of output ({} B usable){}",
              ct, g.k_g, w_need(ct), cap_w, px, in_need(px, cin), cap_in, out_need(px, ct), cap_out,
              s.strict_alignment ? " (strict alignment: tiles must be fold-aligned)"
              : !byte_aligned(uint64_t(g.out_c) * abits)
                  ? fmt::format(" ({} channels of {} bits: channel slices are not byte aligned, "
                                "so the output channels cannot be split)",
                                g.out_c, abits)
                  : std::string()));
      return;
    }
    const bool ch_aligned = chosen.whole_groups || chosen.ct % gran == 0;
    const uint64_t fu = fold_pixel_unit();
    plan.fold_aligned = ch_aligned && (band >= band_space() || band % fu == 0);
    plan.channel_tile = static_cast<int>(chosen.ct);
    plan.band_pixels = static_cast<uint32_t>(band);
    emit_gemm_tiles(chosen, band);
  }

  void emit_gemm_tiles(const ChannelChoice& c, uint64_t band) {
    // Channel tiles (outer loop), in channel order.
    struct ChTile {
      int c0, c1;
      uint64_t groups, n;  // groups in the tile, filters per group
      int ci0, ci1;        // input channels read
    };
    std::vector<ChTile> chs;
    const int ng = static_cast<int>(g.n_g), cin_g = static_cast<int>(g.cin_g);
    if (c.whole_groups) {
      for (int g0 = 0; g0 < g.groups; g0 += static_cast<int>(c.q)) {
        const int g1 = std::min(g.groups, g0 + static_cast<int>(c.q));
        const bool all = g.groups == 1 || (g0 == 0 && g1 == g.groups);
        chs.push_back({g0 * ng, g1 * ng, uint64_t(g1 - g0), g.n_g, all ? 0 : g0 * cin_g,
                       all ? g.in_c : g1 * cin_g});
      }
    } else {
      for (int gi = 0; gi < g.groups; ++gi)
        for (int j = 0; j < ng; j += static_cast<int>(c.ct)) {
          const int c0 = gi * ng + j, c1 = gi * ng + std::min(ng, j + static_cast<int>(c.ct));
          const bool all = g.groups == 1;
          chs.push_back({c0, c1, 1, uint64_t(c1 - c0), all ? 0 : gi * cin_g,
                         all ? g.in_c : (gi + 1) * cin_g});
        }
    }
    const uint64_t total = band_space();
    Intervals px, prev_px;
    int prev_ci0 = -1, prev_ci1 = -1, prev_c0 = -1, prev_c1 = -1;
    uint64_t in_resident = 0, w_resident = 0;
    for (const ChTile& ch : chs) {
      for (uint64_t p0 = 0; p0 < total; p0 += band) {
        const uint64_t p1 = std::min(total, p0 + band);
        Tile t;
        t.px0 = static_cast<uint32_t>(p0), t.pxs = static_cast<uint32_t>(p1 - p0);
        t.ch0 = ch.c0, t.chs = ch.c1 - ch.c0;
        // Inputs: skipped when the previous tile read exactly the same ones
        // (they are still in the scratchpad).
        input_pixels(g, p0, p1, px);
        if (px != prev_px || ch.ci0 != prev_ci0 || ch.ci1 != prev_ci1) {
          Emitter e{t.loads, t.loads.size(), false};
          for (const auto& [a0, a1] : px)
            e.pixels(l.in_addr, g.in_c, a0, a1, ch.ci0, ch.ci1, abits);
          in_resident = e.bytes;
          prev_px = px, prev_ci0 = ch.ci0, prev_ci1 = ch.ci1;
        }
        // Weights, bias, quant: once per channel tile, reused by its bands.
        if (ch.c0 != prev_c0 || ch.c1 != prev_c1) {
          Emitter w{t.loads, t.loads.size(), false};
          w.range(l.w_addr, uint64_t(ch.c0) * g.k_g, uint64_t(ch.c1) * g.k_g, wbits);
          uint64_t bytes = w.bytes;
          if (l.has_bias()) {
            Emitter b{t.loads, t.loads.size(), false};
            b.range(l.bias_addr, uint64_t(ch.c0), uint64_t(ch.c1), 32);
            bytes += b.bytes;
          }
          if (l.per_channel()) {
            Emitter m{t.loads, t.loads.size(), false};
            m.range(l.quant_addr, uint64_t(ch.c0), uint64_t(ch.c1), 32);
            Emitter sh{t.loads, t.loads.size(), false};
            sh.range(l.quant_addr + 4u * static_cast<uint32_t>(l.out_c), uint64_t(ch.c0),
                     uint64_t(ch.c1), 32);
            bytes += m.bytes + sh.bytes;
          }
          w_resident = bytes;
          prev_c0 = ch.c0, prev_c1 = ch.c1;
        }
        // Outputs: one segment per pixel for a channel slice, one for the
        // band when the tile covers all channels.
        Emitter o{t.stores, 0, true};
        o.pixels(l.out_addr, g.out_c, p0, p1, ch.c0, ch.c1, abits);
        const uint64_t m = p1 - p0;
        const ComputeCycles cc =
            a.model == ComputeModel::kAnalogImc
                ? analog_cycles(m, ch.n, g.k_g, l.op == Op::kGemm ? g.k_g : g.cin_g, ch.groups, a)
                : gemm_cycles(m, ch.n, g.k_g, ch.groups, a);
        t.compute_cycles = cc.cycles;
        t.macs = cc.macs;
        t.ifmap_bytes = in_resident, t.filter_bytes = w_resident, t.ofmap_bytes = o.bytes;
        plan.tiles.push_back(std::move(t));
      }
    }
  }

  // ---------------------------------------------------------- vector ops

  void plan_vector() {
    const uint64_t unit = byte_pixel_unit(true);
    const uint64_t band = best_band(uint64_t(g.out_c), uint64_t(g.in_c), unit);
    if (band == 0) {
      const uint64_t P = std::min(unit, band_space());
      fail(NPU_ERR_SPAD_OVERFLOW,
           fmt::format(
               "minimal tile does not fit: {} pixel(s) of {} need {} B of input ({} B usable) "
               "and {} B of output ({} B usable)",
               P, to_string(l.op), in_need(P, g.in_c), cap_in, out_need(P, g.out_c), cap_out));
      return;
    }
    plan.channel_tile = g.out_c;
    plan.band_pixels = static_cast<uint32_t>(band);
    const uint64_t total = band_space();
    Intervals px;
    for (uint64_t p0 = 0; p0 < total; p0 += band) {
      const uint64_t p1 = std::min(total, p0 + band);
      Tile t;
      t.px0 = static_cast<uint32_t>(p0), t.pxs = static_cast<uint32_t>(p1 - p0), t.ch0 = 0,
      t.chs = g.out_c;
      if (gap())
        px.assign(1, {p0, p1});
      else
        input_pixels(g, p0, p1, px);
      Emitter in{t.loads, t.loads.size(), false};
      for (const auto& [a0, a1] : px) in.pixels(l.in_addr, g.in_c, a0, a1, 0, g.in_c, abits);
      uint64_t in_bytes = in.bytes;
      if (l.op == Op::kAdd) {
        Emitter in2{t.loads, t.loads.size(), false};
        for (const auto& [a0, a1] : px) in2.pixels(l.in2_addr, g.in_c, a0, a1, 0, g.in_c, abits);
        in_bytes += in2.bytes;
      }
      Emitter o{t.stores, 0, true};
      if (!gap())
        o.pixels(l.out_addr, g.out_c, p0, p1, 0, g.out_c, abits);
      else if (p1 == total)  // GAP: the accumulated means leave with the last band
        o.range(l.out_addr, 0, uint64_t(g.out_c), abits);
      const uint64_t elems = (p1 - p0) * uint64_t(g.out_c);
      switch (l.op) {
        case Op::kMaxPool:
        case Op::kAvgPool:
          t.compute_cycles = vector_cycles(elems, uint64_t(l.k_h) * l.k_w, a.vector_lanes);
          break;
        case Op::kAdd:
          t.compute_cycles = vector_cycles(elems, 2, a.vector_lanes);
          break;
        default:
          t.compute_cycles = vector_cycles(elems, 1, a.vector_lanes);
          break;  // relu, gap
      }
      t.ifmap_bytes = in_bytes;
      t.ofmap_bytes = gap() ? packed_bytes(uint64_t(g.out_c), abits) : o.bytes;
      plan.tiles.push_back(std::move(t));
    }
  }

  LayerPlan run() {
    const bool window = l.op == Op::kConv2d || l.op == Op::kMaxPool || l.op == Op::kAvgPool;
    if (l.in_h <= 0 || l.in_w <= 0 || l.in_c <= 0 || l.out_h <= 0 || l.out_w <= 0 || l.out_c <= 0 ||
        g.groups <= 0 || l.in_c % g.groups || l.out_c % g.groups ||
        (window && (l.k_h <= 0 || l.k_w <= 0 || l.stride_h <= 0 || l.stride_w <= 0))) {
      fail(NPU_ERR_BAD_SHAPE, "zero or inconsistent layer dimensions");
      return std::move(plan);
    }
    if (!check_ranges()) {
      fail(NPU_ERR_BAD_SHAPE, "a tensor extends past the 32-bit address space");
      return std::move(plan);
    }
    if (cap_in == 0 || cap_out == 0 || (l.uses_weights() && cap_w == 0)) {
      fail(NPU_ERR_SPAD_OVERFLOW, "a scratchpad has zero usable bytes");
      return std::move(plan);
    }
    if (l.uses_weights())
      plan_gemm();
    else
      plan_vector();
    if (plan.error != NPU_ERR_NONE) return std::move(plan);
    plan.scalesim_cycles = compute_cycles(l, a).cycles;
    for (const Tile& t : plan.tiles) {
      plan.compute_cycles += t.compute_cycles;
      for (const DmaSegment& d : t.loads) plan.load_bytes += d.bytes;
      for (const DmaSegment& d : t.stores) plan.store_bytes += d.bytes;
    }
    return std::move(plan);
  }
};

}  // namespace

LayerPlan plan_layer(const Layer& l, const Formats& f, const ArrayConfig& a, const SpadConfig& s) {
  Planner p(l, f, a, s);
  return p.run();
}

}  // namespace hpvp::npu
