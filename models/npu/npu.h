// NPU: a DNN accelerator on the shared bus.
//
//   firmware --regs--> [RegisterBank] --START--> run thread
//                                                  |
//      descriptor list in memory <---- DMA (bus initiator, timed bursts)
//                                                  |
//   decode_layer -> plan_layer (tiles fitting the scratchpads)
//        |               |
//   functional kernels   +--> per tile: loads (DMA) | compute (array) | stores (DMA)
//   (bit-exact result)        double-buffered: tile i+1 loads overlap tile i compute
//                                                  |
//                              counters, energy, irq -> PLIC
//
// Timing comes only from the plan (array cycles at the NPU clock) and from
// the bus/memory delays of the DMA bursts, never from host speed. The
// functional result is computed once per layer from the tensors as they are
// in memory when the layer starts (zero-time debug reads); the timed DMA then
// moves the real bytes. See docs/npu.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <unordered_map>
#include <vector>

#include "common/register_bank.h"
#include "common/stats.h"
#include "npu/layer_schedule.h"
#include "npu/npu_energy.h"
#include "npu/npu_layer.h"
#include "npu/rtl_compute.h"
#include "npu/systolic_timing.h"

namespace hpvp::npu {

// Energy per byte of a memory the DMA reads or writes, for attributing the
// NPU's share of memory energy (filled in from the platform's memories).
struct MemoryLevel {
  std::string name;
  uint64_t base = 0, size = 0;
  double pj_per_byte = 0;
};

class Npu : public sc_core::sc_module, public StatsSource {
 public:
  struct Config {
    Precision precision = Precision::kInt8;
    double frequency_hz = 500e6;
    ArrayConfig array;
    SpadConfig spads{64 * 1024, 64 * 1024, 64 * 1024, true};
    EnergyConfig energy;
    unsigned dma_burst_bytes = 64;
    bool functional = true;  // false: timing only (outputs written as zeros)
    // true: conv/gemm run on the verilated RTL array (rtl/), which supplies
    // both the accumulators and the cycles; needs functional and an integer
    // precision with a built RTL variant.
    bool rtl = false;
    double bus_pj_per_byte = 0;
    std::vector<MemoryLevel> memories;
  };

  tlm_utils::simple_target_socket<Npu> regs;    // register block
  tlm_utils::simple_initiator_socket<Npu> dma;  // to the shared bus
  sc_core::sc_out<bool> irq;                    // to a PLIC source

  Npu(sc_core::sc_module_name name, const Config& cfg);

  const Config& config() const { return cfg_; }
  bool busy() const { return busy_; }
  void trace(sc_core::sc_trace_file* tf) const;
  // compute: rtl only: dumps the RTL array's internals to a VCD on the
  // SystemC time axis (1 ps); returns false for a TLM NPU.
  bool open_rtl_wave(const std::string& vcd_path);
  void close_rtl_wave();
  void dump_stats(nlohmann::json& out) const override;

 private:
  // Everything the NPU accumulates. Two tallies are kept: the one behind the
  // counter registers (firmware may clear it) and the whole-run one that
  // --stats reports.
  struct Tally {
    uint64_t busy_cycles = 0, compute_cycles = 0, stall_cycles = 0, macs = 0;
    uint64_t dma_in = 0, dma_out = 0, layers = 0;
    uint64_t spad_read = 0, spad_write = 0;
    uint64_t busy_ps = 0, start_ps = 0;
    double memory_pj = 0, bus_pj = 0;
    std::vector<double> memory_level_pj;
  };
  // Per-descriptor statistics, summed over every run of the descriptor (a
  // network evaluated on many inputs runs the same descriptors each time).
  struct LayerRecord {
    uint32_t desc_addr;
    Op op;
    uint64_t cycles, compute_cycles, stall_cycles, scalesim_cycles, macs, bytes_in, bytes_out;
    double energy_pj;  // dynamic + busy static + memory + bus energy of the layer
    uint64_t runs;
  };

  struct Energy {
    EnergyBreakdown core;
    double memory_pj = 0, bus_pj = 0, total_pj = 0;
  };
  static constexpr size_t kMaxLayerRecords = 4096;  // distinct descriptors with stats

  void declare_registers();
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& tx);
  void on_ctrl(uint64_t value);
  void update_irq();
  void drive_irq();
  void raise(uint32_t irq_bits);
  void run();
  bool run_layer(uint32_t desc_addr, uint32_t& next);
  void fail(uint32_t desc_addr, npu_error code, const std::string& why);

  // functional
  // Operands of a conv/gemm layer that runs on the RTL array tile by tile.
  struct RtlJob {
    std::vector<int8_t> in, w, res;
    std::vector<int32_t> bias, mult, shift;
  };
  npu_error compute_functional(const Layer& l, std::vector<uint8_t>& out_bytes, std::string& why);
  bool read_debug(uint64_t addr, void* data, uint64_t len);

  // timed DMA
  bool transfer(const DmaSegment& seg, uint8_t* data, uint64_t& at_ps);
  bool execute_plan(const Layer& l, const LayerPlan& plan, std::vector<uint8_t>& out_bytes,
                    LayerRecord& rec);
  uint64_t run_rtl_tile(const Layer& l, const Tile& tile, uint64_t start_ps,
                        std::vector<uint8_t>& out_bytes);
  uint64_t now_ps() const;
  void account_memory(uint64_t addr, uint64_t bytes);
  void account_layer(const Layer& l, const LayerPlan& plan, LayerRecord& rec);
  Energy energy(const Tally& t) const;
  // The whole-run counters a layer's energy is the difference of (no copy
  // of the per-memory vector per layer).
  struct EnergyMark {
    uint64_t macs, spad_read, spad_write;
    double memory_pj, bus_pj;
  };
  EnergyMark energy_mark() const;
  double layer_energy_pj(const EnergyMark& before, uint64_t cycles) const;
  void record_layer(const LayerRecord& rec);
  template <typename F>
  void tally(F&& update) {
    update(regs_tally_);
    update(run_tally_);
  }

  Config cfg_;
  uint64_t period_ps_;
  Formats formats_;
  RegisterBank bank_;
  sc_core::sc_event start_event_;
  sc_core::sc_event irq_changed_;
  bool busy_ = false;
  uint32_t status_ = 0;
  uint32_t desc_done_ = 0;
  uint32_t error_addr_ = 0;
  std::unique_ptr<RtlCompute> rtl_;                   // compute: rtl
  std::optional<RtlJob> rtl_job_;                     // the current layer, when it runs on the RTL
  Tally regs_tally_;                                  // behind the CNT_* registers
  Tally run_tally_;                                   // whole run, for --stats
  std::vector<LayerRecord> layers_;                   // first-run order
  std::unordered_map<uint32_t, size_t> layer_index_;  // descriptor address -> layers_
  uint64_t dma_errors_ = 0, errors_ = 0;
  uint32_t last_dma_error_ = 0;
  // traced state
  bool trace_busy_ = false;
  uint32_t trace_layer_ = 0;
};

}  // namespace hpvp::npu
