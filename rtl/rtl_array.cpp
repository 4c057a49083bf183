#include "rtl_array.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include <verilated.h>
#include <verilated_vcd_c.h>

#include "rtl_variants.h"  // generated: model headers + HPVP_RTL_FOR_EACH_VARIANT

namespace hpvp::rtl {

namespace {

static_assert(HPVP_RTL_ACC == 32, "the wrapper reads one 32-bit word per accumulator");

// Port access for every Verilator port type: CData/SData/IData/QData or VlWide<N>.
template <class T>
inline void put(T& port, const uint32_t* w) {
  static_assert(std::is_integral_v<T>);
  if constexpr (sizeof(T) <= 4)
    port = static_cast<T>(w[0]);
  else
    port = static_cast<T>(w[0] | (static_cast<uint64_t>(w[1]) << 32));
}
template <std::size_t N>
inline void put(VlWide<N>& port, const uint32_t* w) {
  std::memcpy(port.data(), w, N * sizeof(uint32_t));
}
template <class T>
inline uint32_t word(const T& port, int i) {
  static_assert(std::is_integral_v<T>);
  if constexpr (sizeof(T) <= 4)
    return i == 0 ? static_cast<uint32_t>(port) : 0u;
  else
    return static_cast<uint32_t>(static_cast<uint64_t>(port) >> (32 * i));
}
template <std::size_t N>
inline uint32_t word(const VlWide<N>& port, int i) {
  return port.at(static_cast<std::size_t>(i));
}

int words_for(int bits) { return std::max(1, (bits + 31) / 32); }

// Packs value i of `bits` bits at bit i*bits (bits divides 32).
inline void pack_value(uint32_t* words, int i, int bits, int8_t v) {
  const int pos = i * bits;
  const uint32_t mask = (bits == 32) ? ~0u : ((1u << bits) - 1u);
  words[pos / 32] |= (static_cast<uint32_t>(static_cast<int32_t>(v)) & mask) << (pos % 32);
}

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

}  // namespace

const char* to_string(Dataflow d) {
  switch (d) {
    case Dataflow::kOutputStationary: return "os";
    case Dataflow::kWeightStationary: return "ws";
    case Dataflow::kInputStationary: return "is";
  }
  return "?";
}

std::string Variant::name() const {
  return std::to_string(rows) + "x" + std::to_string(cols) + " a" + std::to_string(act_bits()) +
         "w" + std::to_string(weight_bits());
}

std::vector<Variant> supported_variants() {
  std::vector<Variant> v;
#define HPVP_RTL_LIST(r, c, w, aw, cls) v.push_back(Variant{r, c, w});
  HPVP_RTL_FOR_EACH_VARIANT(HPVP_RTL_LIST)
#undef HPVP_RTL_LIST
  return v;
}

bool is_supported(const Variant& v) {
  for (const Variant& s : supported_variants())
    if (s == v) return true;
  return false;
}

uint64_t fold_cycles(Dataflow df, int rows, int cols, uint64_t t) {
  const uint64_t r = static_cast<uint64_t>(rows), c = static_cast<uint64_t>(cols);
  return df == Dataflow::kOutputStationary ? t + r + c - 2 : 2 * r + c + t - 2;
}

std::vector<int32_t> reference_gemm(const int8_t* a, const int8_t* w, int m, int n, int k) {
  std::vector<int32_t> c(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      uint32_t acc = 0;
      for (int kk = 0; kk < k; ++kk)
        acc += static_cast<uint32_t>(int32_t(a[size_t(i) * k + kk]) * int32_t(w[size_t(j) * k + kk]));
      c[size_t(i) * n + j] = static_cast<int32_t>(acc);
    }
  return c;
}

// ---------------------------------------------------------------------------
// Model: the variant-independent part (geometry, trace clock) and the
// interface the templated Impl<V> implements with the per-cycle loops.
class RtlArray::Model {
 public:
  Model(int rows, int cols, int aw, int ww)
      : rows(rows), cols(cols), aw(aw), ww(ww), nwa(words_for(rows * aw)), nwb(words_for(cols * ww)) {}
  virtual ~Model() = default;

  // One fold with the full-array operand beats already packed. OS: `a` and
  // `b` hold t beats each. WS: `b` holds `rows` load beats, `a` t stream
  // beats. Returns the edges from start through done; fills `out`
  // (OS: rows*cols accumulators; WS: t*cols bottom outputs).
  virtual uint64_t fold(bool ws, const uint32_t* a, const uint32_t* b, uint32_t t, int32_t* out,
                        uint32_t& rtl_cycles) = 0;
  virtual bool step(bool start, bool ws, bool valid, uint32_t k, const uint32_t* a, const uint32_t* b) = 0;
  virtual bool busy() const = 0;
  virtual bool done() const = 0;
  virtual uint32_t cycles() const = 0;
  virtual void read_acc(int32_t* out) const = 0;
  virtual uint32_t read_bottom(int32_t* out) const = 0;
  virtual void reset(int n) = 0;
  virtual void set_fault(const Fault& f) = 0;
  virtual void add_trace(VerilatedVcdC* tfp, int levels) = 0;

  void close_trace() {
    if (tfp && owns_tfp) {
      tfp->close();
      delete tfp;
    }
    tfp = nullptr;
    owns_tfp = false;
  }

  const int rows, cols, aw, ww;
  const int nwa, nwb;  // 32-bit words of one a / b beat

  // waveform state
  VerilatedVcdC* tfp = nullptr;
  bool owns_tfp = false;
  uint64_t period_ps = 1000;   // 1 GHz until set_trace_clock()
  uint64_t next_edge_ps = 500;
  uint64_t last_dump_ps = 0;

 protected:
  void dump(uint64_t t) {
    if (t < last_dump_ps) t = last_dump_ps;
    tfp->dump(t);
    last_dump_ps = t;
  }
  void dump_low() { dump(next_edge_ps >= period_ps / 2 ? next_edge_ps - period_ps / 2 : 0); }
  void dump_high() {
    dump(next_edge_ps);
    next_edge_ps += period_ps;
  }
};

namespace {

template <class V>
class Impl final : public RtlArray::Model {
 public:
  Impl(int rows, int cols, int aw, int ww)
      : Model(rows, cols, aw, ww), ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);  // allows open_trace() at any later time
    m_ = std::make_unique<V>(ctx_.get(), "hpvp_rtl");
    V& m = *m_;
    m.clk = 0;
    m.rst_n = 0;
    m.start = 0;
    m.in_valid = 0;
    m.fi_enable = 0;
    m.eval();
    reset(2);
  }
  ~Impl() override {
    close_trace();
    m_->final();
  }

  uint64_t fold(bool ws, const uint32_t* a, const uint32_t* b, uint32_t t, int32_t* out,
                uint32_t& rtl_cycles) override {
    V& m = *m_;
    if (m.busy) throw std::logic_error("RtlArray: fold started while the array is busy");
    const uint32_t load = ws ? static_cast<uint32_t>(rows) : 0u;
    const uint32_t beats = load + t;
    // A fold must finish in fold_cycles; allow generous slack before giving up.
    const uint64_t limit = 2ull * rows + cols + t + 16;
    std::vector<uint32_t> row_of_col;
    if (ws) row_of_col.assign(static_cast<size_t>(cols), 0);
    m.ws_mode = ws;
    m.k_len = t;
    uint64_t cyc = 0;
    uint32_t beat = 0;
    for (;;) {
      m.clk = 0;
      m.start = cyc == 0;
      if (beat < beats) {
        if (beat < load)
          put(m.b_in, b + static_cast<size_t>(beat) * nwb);
        else if (ws)
          put(m.a_in, a + static_cast<size_t>(beat - load) * nwa);
        else {
          put(m.a_in, a + static_cast<size_t>(beat) * nwa);
          put(m.b_in, b + static_cast<size_t>(beat) * nwb);
        }
        m.in_valid = 1;
      } else {
        m.in_valid = 0;
      }
      m.eval();
      if (tfp) dump_low();
      if (m.in_valid && m.in_ready) ++beat;
      m.clk = 1;
      m.eval();
      if (tfp) dump_high();
      ++cyc;
      if (ws && m.bot_valid) {
        for (int j = 0; j < cols; ++j)
          if ((static_cast<uint64_t>(m.bot_valid) >> j) & 1u) {
            uint32_t& r = row_of_col[static_cast<size_t>(j)];
            if (r < t) out[static_cast<size_t>(r) * cols + j] = static_cast<int32_t>(word(m.bot_out, j));
            ++r;
          }
      }
      if (m.done) break;
      if (cyc > limit) {
        m.start = 0;
        m.in_valid = 0;
        throw std::logic_error("RtlArray: fold did not finish (RTL hang)");
      }
    }
    m.start = 0;
    m.in_valid = 0;
    rtl_cycles = m.cycles;
    if (!ws) read_acc(out);
    return cyc;
  }

  bool step(bool start, bool ws, bool valid, uint32_t k, const uint32_t* a, const uint32_t* b) override {
    V& m = *m_;
    m.clk = 0;
    m.start = start;
    m.ws_mode = ws;
    m.k_len = k;
    m.in_valid = valid;
    put(m.a_in, a);
    put(m.b_in, b);
    m.eval();
    if (tfp) dump_low();
    const bool taken = valid && m.in_ready;
    m.clk = 1;
    m.eval();
    if (tfp) dump_high();
    return taken;
  }

  bool busy() const override { return m_->busy; }
  bool done() const override { return m_->done; }
  uint32_t cycles() const override { return m_->cycles; }
  void read_acc(int32_t* out) const override {
    for (int p = 0; p < rows * cols; ++p) out[p] = static_cast<int32_t>(word(m_->acc_out, p));
  }
  uint32_t read_bottom(int32_t* out) const override {
    for (int j = 0; j < cols; ++j) out[j] = static_cast<int32_t>(word(m_->bot_out, j));
    return static_cast<uint32_t>(m_->bot_valid);
  }

  void reset(int n) override {
    V& m = *m_;
    m.rst_n = 0;
    m.start = 0;
    m.in_valid = 0;
    for (int i = 0; i < std::max(n, 1); ++i) {
      m.clk = 0;
      m.eval();
      if (tfp) dump_low();
      m.clk = 1;
      m.eval();
      if (tfp) dump_high();
    }
    m.rst_n = 1;
    m.clk = 0;
    m.eval();
  }

  void set_fault(const Fault& f) override {
    V& m = *m_;
    m.fi_enable = f.enable;
    m.fi_row = static_cast<uint16_t>(f.row);
    m.fi_col = static_cast<uint16_t>(f.col);
    m.fi_cycle = f.cycle;
    m.fi_mask = f.mask;
  }

  void add_trace(VerilatedVcdC* t, int levels) override {
    m_->trace(t, levels);
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> m_;
};

}  // namespace

// ---------------------------------------------------------------------------

RtlArray::RtlArray(const Variant& v) : variant_(v) {
#define HPVP_RTL_MAKE(r, c, w, aw, cls) \
  if (!model_ && v.rows == (r) && v.cols == (c) && v.width == (w)) model_ = std::make_unique<Impl<cls>>(r, c, aw, w);
  HPVP_RTL_FOR_EACH_VARIANT(HPVP_RTL_MAKE)
#undef HPVP_RTL_MAKE
  if (!model_) {
    std::string built;
    for (const Variant& s : supported_variants()) built += (built.empty() ? "" : ", ") + s.name();
    throw std::invalid_argument("RtlArray: no verilated variant " + v.name() +
                                " (rows x cols, weight width " + std::to_string(v.width) +
                                "); built variants: " + built +
                                " (add one to HPVP_RTL_VARIANTS in rtl/CMakeLists.txt)");
  }
}

RtlArray::~RtlArray() = default;

void RtlArray::check_range(const int8_t* v, size_t n, int bits, const char* what) const {
  const int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
  for (size_t i = 0; i < n; ++i)
    if (v[i] < lo || v[i] > hi)
      throw std::out_of_range(std::string("RtlArray: ") + what + " value " + std::to_string(v[i]) +
                              " at index " + std::to_string(i) + " outside int" + std::to_string(bits) +
                              " [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

RtlArray::FoldResult RtlArray::run_fold_os(const int8_t* a, const int8_t* b, int t, int rows_used,
                                           int cols_used) {
  const int R = rows(), C = cols();
  if (rows_used < 0) rows_used = R;
  if (cols_used < 0) cols_used = C;
  if (t < 1 || rows_used < 1 || rows_used > R || cols_used < 1 || cols_used > C)
    throw std::invalid_argument("RtlArray::run_fold_os: bad tile " + std::to_string(rows_used) + "x" +
                                std::to_string(cols_used) + " t=" + std::to_string(t) + " on " +
                                variant_.name());
  check_range(a, size_t(rows_used) * t, variant_.act_bits(), "activation");
  check_range(b, size_t(t) * cols_used, variant_.weight_bits(), "weight");
  const int nwa = model_->nwa, nwb = model_->nwb;
  std::vector<uint32_t> aw(size_t(t) * nwa, 0u), bw(size_t(t) * nwb, 0u);
  for (int tt = 0; tt < t; ++tt) {
    uint32_t* ab = &aw[size_t(tt) * nwa];
    for (int i = 0; i < rows_used; ++i) pack_value(ab, i, variant_.act_bits(), a[size_t(i) * t + tt]);
    uint32_t* bb = &bw[size_t(tt) * nwb];
    for (int j = 0; j < cols_used; ++j) pack_value(bb, j, variant_.weight_bits(), b[size_t(tt) * cols_used + j]);
  }
  std::vector<int32_t> full(size_t(R) * C);
  FoldResult res;
  res.cycles = model_->fold(false, aw.data(), bw.data(), static_cast<uint32_t>(t), full.data(), res.rtl_cycles);
  total_cycles_ += res.cycles;
  res.acc.resize(size_t(rows_used) * cols_used);
  for (int i = 0; i < rows_used; ++i)
    std::copy_n(&full[size_t(i) * C], cols_used, &res.acc[size_t(i) * cols_used]);
  return res;
}

namespace {

struct StationaryFold {
  const int8_t* stat;    // k_used x cols_used, loaded on b
  const int8_t* stream;  // t x k_used, streamed on a
  int t, k_used, cols_used;
};

}  // namespace

static RtlArray::FoldResult run_stationary(RtlArray::Model& model, const StationaryFold& f, int stat_bits,
                                           int stream_bits, uint64_t& total) {
  const int R = model.rows, C = model.cols, nwa = model.nwa, nwb = model.nwb;
  std::vector<uint32_t> bw(size_t(R) * nwb, 0u), aw(size_t(f.t) * nwa, 0u);
  // Load beat r carries stationary row R-1-r: after R shifts down, PE row i
  // holds row i.
  for (int r = 0; r < R; ++r) {
    const int row = R - 1 - r;
    if (row >= f.k_used) continue;
    uint32_t* bb = &bw[size_t(r) * nwb];
    for (int j = 0; j < f.cols_used; ++j) pack_value(bb, j, stat_bits, f.stat[size_t(row) * f.cols_used + j]);
  }
  for (int tt = 0; tt < f.t; ++tt) {
    uint32_t* ab = &aw[size_t(tt) * nwa];
    for (int i = 0; i < f.k_used; ++i) pack_value(ab, i, stream_bits, f.stream[size_t(tt) * f.k_used + i]);
  }
  std::vector<int32_t> full(size_t(f.t) * C, 0);
  RtlArray::FoldResult res;
  res.cycles = model.fold(true, aw.data(), bw.data(), static_cast<uint32_t>(f.t), full.data(), res.rtl_cycles);
  total += res.cycles;
  res.acc.resize(size_t(f.t) * f.cols_used);
  for (int tt = 0; tt < f.t; ++tt)
    std::copy_n(&full[size_t(tt) * C], f.cols_used, &res.acc[size_t(tt) * f.cols_used]);
  return res;
}

RtlArray::FoldResult RtlArray::run_fold_ws(const int8_t* w, const int8_t* x, int t, int k_used,
                                           int cols_used) {
  const int R = rows(), C = cols();
  if (k_used < 0) k_used = R;
  if (cols_used < 0) cols_used = C;
  if (t < 1 || k_used < 1 || k_used > R || cols_used < 1 || cols_used > C)
    throw std::invalid_argument("RtlArray::run_fold_ws: bad tile k=" + std::to_string(k_used) + " cols=" +
                                std::to_string(cols_used) + " t=" + std::to_string(t) + " on " +
                                variant_.name());
  check_range(w, size_t(k_used) * cols_used, variant_.weight_bits(), "weight");
  check_range(x, size_t(t) * k_used, variant_.act_bits(), "activation");
  return run_stationary(*model_, {w, x, t, k_used, cols_used}, variant_.weight_bits(), variant_.act_bits(),
                        total_cycles_);
}

RtlArray::FoldResult RtlArray::run_fold_is(const int8_t* xs, const int8_t* f, int t, int k_used,
                                           int cols_used) {
  const int R = rows(), C = cols();
  if (variant_.act_bits() != variant_.weight_bits())
    throw std::invalid_argument("RtlArray::run_fold_is: input stationary needs act_bits == weight_bits; " +
                                variant_.name() + " holds weight_bits-wide stationary registers");
  if (k_used < 0) k_used = R;
  if (cols_used < 0) cols_used = C;
  if (t < 1 || k_used < 1 || k_used > R || cols_used < 1 || cols_used > C)
    throw std::invalid_argument("RtlArray::run_fold_is: bad tile k=" + std::to_string(k_used) + " cols=" +
                                std::to_string(cols_used) + " t=" + std::to_string(t) + " on " +
                                variant_.name());
  check_range(xs, size_t(k_used) * cols_used, variant_.act_bits(), "activation");
  check_range(f, size_t(t) * k_used, variant_.weight_bits(), "weight");
  return run_stationary(*model_, {xs, f, t, k_used, cols_used}, variant_.act_bits(), variant_.weight_bits(),
                        total_cycles_);
}

RtlArray::GemmResult RtlArray::run_gemm(const int8_t* a, const int8_t* w, int m, int n, int k, Dataflow df) {
  if (m < 1 || n < 1 || k < 1)
    throw std::invalid_argument("RtlArray::run_gemm: empty GEMM " + std::to_string(m) + "x" +
                                std::to_string(n) + "x" + std::to_string(k));
  const int R = rows(), C = cols();
  GemmResult g;
  std::vector<uint32_t> c(size_t(m) * n, 0u);  // wrap-around accumulation
  std::vector<int8_t> t1, t2;
  switch (df) {
    case Dataflow::kOutputStationary: {  // Sr = M, Sc = N, T = K
      const int rf = int(ceil_div(m, R)), cf = int(ceil_div(n, C));
      t2.resize(size_t(k) * C);
      for (int fc = 0; fc < cf; ++fc)
        for (int fr = 0; fr < rf; ++fr) {
          const int ru = std::min(R, m - fr * R), cu = std::min(C, n - fc * C);
          for (int kk = 0; kk < k; ++kk)
            for (int j = 0; j < cu; ++j) t2[size_t(kk) * cu + j] = w[size_t(fc * C + j) * k + kk];
          FoldResult f = run_fold_os(a + size_t(fr) * R * k, t2.data(), k, ru, cu);
          for (int i = 0; i < ru; ++i)
            for (int j = 0; j < cu; ++j)
              c[size_t(fr * R + i) * n + fc * C + j] += static_cast<uint32_t>(f.acc[size_t(i) * cu + j]);
          g.cycles += f.cycles;
          ++g.folds;
        }
      break;
    }
    case Dataflow::kWeightStationary: {  // Sr = K, Sc = N, T = M
      const int rf = int(ceil_div(k, R)), cf = int(ceil_div(n, C));
      t1.resize(size_t(R) * C);
      t2.resize(size_t(m) * R);
      for (int fc = 0; fc < cf; ++fc)
        for (int fr = 0; fr < rf; ++fr) {
          const int ku = std::min(R, k - fr * R), cu = std::min(C, n - fc * C);
          for (int i = 0; i < ku; ++i)
            for (int j = 0; j < cu; ++j) t1[size_t(i) * cu + j] = w[size_t(fc * C + j) * k + fr * R + i];
          for (int mm = 0; mm < m; ++mm)
            for (int i = 0; i < ku; ++i) t2[size_t(mm) * ku + i] = a[size_t(mm) * k + fr * R + i];
          FoldResult f = run_fold_ws(t1.data(), t2.data(), m, ku, cu);
          for (int mm = 0; mm < m; ++mm)
            for (int j = 0; j < cu; ++j)
              c[size_t(mm) * n + fc * C + j] += static_cast<uint32_t>(f.acc[size_t(mm) * cu + j]);
          g.cycles += f.cycles;
          ++g.folds;
        }
      break;
    }
    case Dataflow::kInputStationary: {  // Sr = K, Sc = M, T = N
      const int rf = int(ceil_div(k, R)), cf = int(ceil_div(m, C));
      t1.resize(size_t(R) * C);
      t2.resize(size_t(n) * R);
      for (int fc = 0; fc < cf; ++fc)
        for (int fr = 0; fr < rf; ++fr) {
          const int ku = std::min(R, k - fr * R), mu = std::min(C, m - fc * C);
          for (int i = 0; i < ku; ++i)
            for (int j = 0; j < mu; ++j) t1[size_t(i) * mu + j] = a[size_t(fc * C + j) * k + fr * R + i];
          for (int nn = 0; nn < n; ++nn)
            for (int i = 0; i < ku; ++i) t2[size_t(nn) * ku + i] = w[size_t(nn) * k + fr * R + i];
          FoldResult f = run_fold_is(t1.data(), t2.data(), n, ku, mu);
          for (int nn = 0; nn < n; ++nn)
            for (int j = 0; j < mu; ++j)
              c[size_t(fc * C + j) * n + nn] += static_cast<uint32_t>(f.acc[size_t(nn) * mu + j]);
          g.cycles += f.cycles;
          ++g.folds;
        }
      break;
    }
  }
  g.c.resize(c.size());
  for (size_t i = 0; i < c.size(); ++i) g.c[i] = static_cast<int32_t>(c[i]);
  return g;
}

bool RtlArray::step(const Pins& p) {
  std::vector<uint32_t>& aw = step_a_;
  std::vector<uint32_t>& bw = step_b_;
  aw.assign(size_t(model_->nwa), 0u);
  bw.assign(size_t(model_->nwb), 0u);
  if (p.a) {
    check_range(p.a, size_t(rows()), variant_.act_bits(), "activation");
    for (int i = 0; i < rows(); ++i) pack_value(aw.data(), i, variant_.act_bits(), p.a[i]);
  }
  if (p.b) {
    check_range(p.b, size_t(cols()), variant_.weight_bits(), "weight");
    for (int j = 0; j < cols(); ++j) pack_value(bw.data(), j, variant_.weight_bits(), p.b[j]);
  }
  ++total_cycles_;
  return model_->step(p.start, p.ws_mode, p.in_valid, p.k_len, aw.data(), bw.data());
}

bool RtlArray::busy() const { return model_->busy(); }
bool RtlArray::done() const { return model_->done(); }
uint32_t RtlArray::rtl_cycles() const { return model_->cycles(); }
void RtlArray::read_acc(int32_t* out) const { model_->read_acc(out); }
uint32_t RtlArray::read_bottom(int32_t* out) const { return model_->read_bottom(out); }
void RtlArray::reset(int cycles) { model_->reset(cycles); }

void RtlArray::set_fault(const Fault& f) {
  if (f.enable && (f.row < 0 || f.row >= rows() || f.col < 0 || f.col >= cols()))
    throw std::out_of_range("RtlArray::set_fault: PE(" + std::to_string(f.row) + "," + std::to_string(f.col) +
                            ") outside " + variant_.name());
  fault_ = f;
  model_->set_fault(f);
}

void RtlArray::open_trace(const std::string& vcd_path, int levels) {
  close_trace();
  auto* tfp = new VerilatedVcdC;
  model_->add_trace(tfp, levels);
  tfp->set_time_unit("1ps");
  tfp->set_time_resolution("1ps");
  tfp->open(vcd_path.c_str());
  if (!tfp->isOpen()) {
    delete tfp;
    throw std::runtime_error("RtlArray::open_trace: cannot open " + vcd_path);
  }
  model_->tfp = tfp;
  model_->owns_tfp = true;
}

void RtlArray::attach_trace(VerilatedVcdC* tfp, int levels) {
  close_trace();
  model_->add_trace(tfp, levels);
  model_->tfp = tfp;
  model_->owns_tfp = false;
}

void RtlArray::close_trace() { model_->close_trace(); }

void RtlArray::set_trace_clock(uint64_t period_ps, uint64_t next_edge_ps) {
  model_->period_ps = std::max<uint64_t>(period_ps, 2);
  model_->next_edge_ps = next_edge_ps;
}

}  // namespace hpvp::rtl
