// hpvp::rtl::RtlArray: the verilated NPU MAC array (rtl/hpvp_systolic_array.v)
// behind a small C++ API. It owns one verilated model, steps it cycle by
// cycle (two eval()s per clock), and runs whole folds or whole GEMMs.
//
// Cycle contract (docs/rtl.md): a fold's cycle count is the number of rising
// clock edges from the edge that samples `start` (with the first beat)
// through the edge after which `done` is high:
//   OS: T + R + C - 2        WS/IS: 2R + C + T - 2
// with R x C the full array, also for partial folds; this is exactly
// npu::map_gemm(...).fold_cycles of models/npu/systolic_timing.h.
//
// Pure C++ (no SystemC, no Verilator headers needed by users). Not
// thread-safe; one RtlArray per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

class VerilatedVcdC;

namespace hpvp::rtl {

enum class Dataflow { kOutputStationary, kWeightStationary, kInputStationary };
const char* to_string(Dataflow d);

// One verilated parameter set. `width` is the weight width (8, 4 or 2);
// activations are 8-bit for width 2 (NPU_PREC_INT2: int2/ternary weights,
// int8 activations) and `width` bits otherwise (int8, int4). Accumulators are
// 32-bit two's complement, wrapping.
struct Variant {
  int rows = 8, cols = 8;
  int width = 8;
  int weight_bits() const { return width; }
  int act_bits() const { return width == 2 ? 8 : width; }
  std::string name() const;  // e.g. "16x16 a8w2"
  bool operator==(const Variant& o) const {
    return rows == o.rows && cols == o.cols && width == o.width;
  }
};

// The variants built into hpvp_rtl (rtl/CMakeLists.txt HPVP_RTL_VARIANTS).
std::vector<Variant> supported_variants();
bool is_supported(const Variant& v);

// Cycles of one fold with a T-long stream on a rows x cols array.
uint64_t fold_cycles(Dataflow df, int rows, int cols, uint64_t t);

// Fault injection (the RTL's fi_* pins): while enabled, in every fold, the
// value PE(row, col) writes into its accumulator at fold cycle `cycle`
// (0 = the start edge) is XORed with `mask`. The MAC of beat t happens in
// PE(i,j) at fold cycle t+i+j (OS) or rows+t+i+j (WS/IS).
struct Fault {
  bool enable = false;
  int row = 0, col = 0;
  uint32_t cycle = 0;
  uint32_t mask = 0;
};

class RtlArray {
 public:
  struct FoldResult {
    std::vector<int32_t> acc;  // OS: rows_used x cols_used; WS/IS: t x cols_used (row-major)
    uint64_t cycles = 0;       // edges counted by the wrapper (start edge .. done)
    uint32_t rtl_cycles = 0;   // the RTL's own `cycles` counter (always == cycles)
  };
  struct GemmResult {
    std::vector<int32_t> c;  // M x N row-major, C[m][n] = sum_k A[m][k] * W[n][k]
    uint64_t cycles = 0;     // sum of the folds' cycles
    uint64_t folds = 0;
  };

  // Throws std::invalid_argument naming the supported variants if `v` is not
  // built into the library.
  explicit RtlArray(const Variant& v);
  ~RtlArray();
  RtlArray(const RtlArray&) = delete;
  RtlArray& operator=(const RtlArray&) = delete;

  const Variant& variant() const { return variant_; }
  int rows() const { return variant_.rows; }
  int cols() const { return variant_.cols; }

  // ---- folds. Operands are int8_t holding values in range for the variant
  // (activations act_bits, weights weight_bits, two's complement); anything
  // else throws std::out_of_range. rows_used/cols_used/k_used < 0 mean the
  // full array; unused rows/cols are fed zeros and the fold still takes the
  // full-array cycle count.
  //
  // OS: a = rows_used x t activations (row-major), b = t x cols_used weights
  // (row-major); acc = a * b, rows_used x cols_used.
  FoldResult run_fold_os(const int8_t* a, const int8_t* b, int t, int rows_used = -1,
                         int cols_used = -1);
  // WS: w = k_used x cols_used stationary weights (K x N, row-major; k_used <=
  // rows), x = t x k_used streamed activations (M x K); acc = x * w, t x cols_used.
  FoldResult run_fold_ws(const int8_t* w, const int8_t* x, int t, int k_used = -1,
                         int cols_used = -1);
  // IS (on the WS hardware with the operands' roles swapped, so only for
  // variants with act_bits == weight_bits): xs = k_used x cols_used
  // stationary activations (K x M), f = t x k_used streamed weights (N x K);
  // acc = f * xs, t x cols_used (N x M).
  FoldResult run_fold_is(const int8_t* xs, const int8_t* f, int t, int k_used = -1,
                         int cols_used = -1);

  // Whole GEMM C = A * W^T (A: m x k activations, W: n x k weights, both
  // row-major, the NPU_OP_GEMM layout), tiled like models/npu/systolic_timing:
  //   OS: Sr = M, Sc = N, T = K   WS: Sr = K, Sc = N, T = M   IS: Sr = K, Sc = M, T = N
  // in SCALE-Sim's fold order (docs/npu-timing.md): column folds outer, row
  // folds inner. WS/IS partial sums of the row folds (over K) are added
  // outside the array with int32 wrap-around. Each fold's cycles as in
  // run_fold_*; `cycles` == compute_cycles(...).cycles with fold_overlap off.
  GemmResult run_gemm(const int8_t* a, const int8_t* w, int m, int n, int k, Dataflow df);

  // ---- low-level, one clock cycle per call (for cycle-by-cycle coupling).
  struct Pins {
    bool start = false, ws_mode = false, in_valid = false;
    uint32_t k_len = 0;
    const int8_t* a = nullptr;  // rows values (nullptr = zeros)
    const int8_t* b = nullptr;  // cols values (nullptr = zeros)
  };
  // Drives the pins for one cycle and clocks one rising edge. Returns true if
  // a beat was accepted (in_valid && in_ready in that cycle).
  bool step(const Pins& p);
  bool busy() const;
  bool done() const;
  uint32_t rtl_cycles() const;  // the RTL's fold cycle counter
  void read_acc(int32_t* out) const;  // rows*cols accumulators, row-major
  // WS/IS bottom-row outputs after the last edge: valid bit j -> out[j] new.
  uint32_t read_bottom(int32_t* out) const;

  // Synchronous reset: rst_n low for `cycles` edges (not counted in
  // total_cycles). Clears accumulators, flags and counters; aborts a fold.
  void reset(int cycles = 2);
  void set_fault(const Fault& f);
  void clear_fault() { set_fault(Fault{}); }
  const Fault& fault() const { return fault_; }

  // Rising edges stepped since construction (reset cycles excluded).
  uint64_t total_cycles() const { return total_cycles_; }

  // ---- waveforms. VCD with a 1 ps time unit, the SystemC default, so RTL
  // and SystemC traces share one time axis: before a fold, the co-simulating
  // model calls set_trace_clock(period_ps, sc_time_stamp() in ps) and the
  // next rising edge is dumped at that time, later edges every period_ps
  // (negative edges at the half period). Times never go backwards: an
  // earlier time is clamped to the last dumped one.
  void open_trace(const std::string& vcd_path, int levels = 99);
  // Adds this model to a caller-owned VerilatedVcdC (call before tfp->open());
  // this object then dumps into it at every edge. The VCD keeps pointers into
  // the model: close it before this RtlArray is destroyed. close_trace()
  // only stops this object's dumping.
  void attach_trace(VerilatedVcdC* tfp, int levels = 99);
  void close_trace();
  void set_trace_clock(uint64_t period_ps, uint64_t next_edge_ps);

  class Model;  // implementation (verilated model + stepping loops)

 private:
  void check_range(const int8_t* v, size_t n, int bits, const char* what) const;

  Variant variant_;
  std::unique_ptr<Model> model_;
  Fault fault_;
  uint64_t total_cycles_ = 0;
  std::vector<uint32_t> step_a_, step_b_;  // step() pin words, reused
};

// Plain C++ reference: C[m][n] = sum_k A[m][k] * W[n][k], int32 wrap-around.
std::vector<int32_t> reference_gemm(const int8_t* a, const int8_t* w, int m, int n, int k);

}  // namespace hpvp::rtl
