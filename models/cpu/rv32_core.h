// RV32IMC + Zicsr hart with the M-mode privileged architecture.
//
// Speed comes from three things: instructions are decoded once into per-page
// caches (DecodedPage) and re-decoded only when a store hits a cached page
// or on fence.i; memory that grants DMI is accessed through host pointers
// (the latency the target declares is still charged); and simulated time is
// kept as a local integer that is handed to the tlm_quantumkeeper only at
// quantum boundaries, MMIO accesses, wfi and interrupts.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "cpu/rv32_decoder.h"

namespace hpvp {

// Trap causes (privileged spec, mcause values without the interrupt bit).
namespace rv32_cause {
constexpr uint32_t kInsnAccessFault = 1;
constexpr uint32_t kIllegalInsn = 2;
constexpr uint32_t kBreakpoint = 3;
constexpr uint32_t kLoadMisaligned = 4;
constexpr uint32_t kLoadAccessFault = 5;
constexpr uint32_t kStoreMisaligned = 6;
constexpr uint32_t kStoreAccessFault = 7;
constexpr uint32_t kEcallM = 11;
constexpr uint32_t kInterrupt = 0x80000000u;
constexpr uint32_t kSoftwareIrq = 3;
constexpr uint32_t kTimerIrq = 7;
constexpr uint32_t kExternalIrq = 11;
}  // namespace rv32_cause

const char* rv32_cause_name(uint32_t mcause);

class Rv32Core : public sc_core::sc_module, public StatsSource {
 public:
  using CostTable = std::array<uint32_t, static_cast<size_t>(rv32::CostClass::kCount)>;

  struct Config {
    unsigned hart_id = 0;
    double frequency_hz = 100e6;
    uint32_t reset_pc = 0x80000000u;
    bool dmi = true;  // use DMI for fetch and data when targets grant it
    // Cycles per instruction class, indexed by rv32::CostClass:
    // alu, mul, div, load, store, branch (not taken), jump, csr, system.
    CostTable cycles = {1, 3, 34, 2, 1, 1, 2, 1, 3};
    uint32_t branch_taken_cycles = 3;  // replaces `branch` when taken
    uint32_t trap_cycles = 4;          // trap entry (pipeline flush)
    // Exceptions taken inside a trap handler (before its mret) in a row before
    // the core declares the firmware unrecoverable and reports a fault.
    uint32_t nested_trap_limit = 16;
  };

  // A synchronous exception or interrupt as reported to the user.
  struct TrapRecord {
    uint32_t cause = 0;  // mcause
    uint32_t pc = 0;     // mepc
    uint32_t tval = 0;   // mtval
    sc_core::sc_time time;
  };

  tlm_utils::simple_initiator_socket<Rv32Core> socket;
  sc_core::sc_in<bool> irq_software;  // CLINT msip  -> mip.MSIP
  sc_core::sc_in<bool> irq_timer;     // CLINT mtimecmp -> mip.MTIP
  sc_core::sc_in<bool> irq_external;  // PLIC context -> mip.MEIP

  Rv32Core(sc_core::sc_module_name name, const Config& cfg);
  ~Rv32Core() override;

  // ---- wiring by the platform ----
  void set_reset_pc(uint32_t pc) { pc_ = pc; }
  // Source of the `time` CSR (the CLINT's mtime); without it `time` traps.
  void set_time_source(std::function<uint64_t(const sc_core::sc_time&)> source) {
    time_source_ = std::move(source);
  }
  // Called when the firmware becomes unrecoverable (see nested_trap_limit).
  void set_fault_handler(std::function<void(const TrapRecord&, const std::string&)> handler) {
    fault_handler_ = std::move(handler);
  }
  // riscv-tests HTIF convention: a non-zero word written to `tohost` ends the
  // run with code (value >> 1); polled at every synchronisation with SystemC.
  void set_tohost(uint32_t address, std::function<void(uint32_t code)> on_exit) {
    tohost_address_ = address;
    on_tohost_ = std::move(on_exit);
  }
  void trace(sc_core::sc_trace_file* tf) const;

  // ---- inspection (tests, reports) ----
  uint32_t pc() const { return pc_; }
  uint32_t reg(unsigned index) const { return regs_[index]; }
  void set_reg(unsigned index, uint32_t value) {
    if (index != 0) regs_[index] = value;
  }
  uint64_t instret() const { return retired_; }
  // The hart's local time (it runs ahead of sc_time_stamp by up to a quantum).
  sc_core::sc_time local_time() const {
    return sc_core::sc_time(static_cast<double>(now_ps_), sc_core::SC_PS);
  }
  uint64_t cycles() const;
  bool sleeping() const { return sleeping_; }
  const std::optional<TrapRecord>& last_trap() const { return last_trap_; }
  // Reads a CSR as the firmware would, without side effects; nullopt if the
  // CSR does not exist.
  std::optional<uint32_t> peek_csr(uint16_t csr) const;

  void dump_stats(nlohmann::json& out) const override;

 private:
  static constexpr uint32_t kPageBits = 12;
  static constexpr int kDeviceSettleDeltas = 2;
  static constexpr uint32_t kPageSize = 1u << kPageBits;

  struct DmiRegion {
    uint64_t start = 0;
    uint64_t size = 0;        // bytes
    uint64_t read_size = 0;   // size if readable, else 0 (keeps the fast check single)
    uint64_t write_size = 0;  // size if writable, else 0
    uint8_t* host = nullptr;
    uint64_t read_latency_ps = 0;
    uint64_t write_latency_ps = 0;
    std::vector<uint8_t> code_pages;  // 1 where a page has decoded instructions
  };
  struct DecodedPage {
    uint32_t base = 0;
    const uint8_t* host = nullptr;  // page bytes via DMI
    DmiRegion* region = nullptr;
    std::array<rv32::DecodedInsn, kPageSize / 2> slots{};
  };

  void run();
  void on_irq_change();
  void sleep_until_interrupt();
  bool take_interrupt_if_pending();
  void execute(uint64_t deadline_ps);

  // ---- instruction fetch ----
  const rv32::DecodedInsn* insn_at(uint32_t pc, uint64_t& now);
  const rv32::DecodedInsn* insn_at_slow(uint32_t pc, uint64_t& now);
  DecodedPage* page_for(uint32_t page_base, uint64_t& now);
  bool fetch16(uint32_t addr, uint16_t& out, uint64_t& now);
  void invalidate_code(uint64_t addr);
  void flush_decoded();

  // ---- data access ----
  template <typename T>
  bool load(uint32_t addr, T& out, uint64_t& now);
  template <typename T>
  bool store(uint32_t addr, T value, uint64_t& now);
  bool load_slow(uint32_t addr, void* out, unsigned len, uint64_t& now);
  bool store_slow(uint32_t addr, const void* in, unsigned len, uint64_t& now);
  tlm::tlm_response_status transport(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len,
                                     uint64_t& now, bool* dmi_hint);
  DmiRegion* dmi_region_for(uint64_t addr, unsigned len);
  DmiRegion* acquire_dmi(uint64_t addr, tlm::tlm_command cmd);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  // ---- traps and CSRs ----
  uint32_t enter_trap(uint32_t cause, uint32_t epc, uint32_t tval, uint64_t now);
  uint32_t mret();
  bool csr_read(uint16_t csr, uint32_t& value, uint64_t now) const;
  bool csr_write(uint16_t csr, uint32_t value, uint64_t now);
  bool exec_csr(const rv32::DecodedInsn& d, uint64_t now);
  void report_fault(const std::string& reason);

  // ---- time ----
  uint64_t stamp_ps() const;
  uint64_t cycles_at(uint64_t now_ps) const { return now_ps / period_ps_; }
  void commit_time(uint64_t now_ps);
  uint64_t sync_deadline_ps() const;
  void poll_tohost();

  Config cfg_;
  uint64_t period_ps_;
  std::array<uint64_t, static_cast<size_t>(rv32::CostClass::kCount)> cost_ps_{};
  uint64_t taken_extra_ps_;
  uint64_t trap_ps_;
  tlm_utils::tlm_quantumkeeper qk_;

  // architectural state
  std::array<uint32_t, 33> regs_{};  // [32] is the x0 write sink
  uint32_t pc_;
  uint32_t mstatus_ = 0;
  uint32_t mie_ = 0;
  uint32_t mip_ = 0;
  uint32_t mtvec_ = 0;
  uint32_t mscratch_ = 0;
  uint32_t mepc_ = 0;
  uint32_t mcause_ = 0;
  uint32_t mtval_ = 0;
  uint32_t mcountinhibit_ = 0;
  uint64_t cycle_offset_ = 0;       // mcycle = cycles_at(now) - cycle_offset_
  uint64_t instret_offset_ = 0;     // minstret = retired_ - instret_offset_
  uint64_t inhibited_cycle_ = 0;    // mcycle value frozen by mcountinhibit.CY
  uint64_t inhibited_instret_ = 0;  // minstret value frozen by mcountinhibit.IR

  // execution state
  uint64_t now_ps_ = 0;  // local notion of time (>= sc_time_stamp)
  uint64_t retired_ = 0;
  bool leave_batch_ = false;  // set when the batch must return to the SystemC loop
  bool need_sync_ = false;    // MMIO access or wfi: synchronise before continuing
  bool sleeping_ = false;
  bool in_handler_ = false;
  uint32_t nested_traps_ = 0;
  bool stopped_ = false;
  uint32_t fault_cause_ = 0;
  uint32_t fault_tval_ = 0;
  sc_core::sc_event irq_event_;

  // caches
  std::vector<std::unique_ptr<DmiRegion>> dmi_regions_;
  DmiRegion empty_region_;  // sentinel so the fast path needs no null check
  DmiRegion* data_region_ = &empty_region_;
  std::unordered_map<uint32_t, std::unique_ptr<DecodedPage>> pages_;
  uint64_t cur_page_base_ = ~uint64_t{0} >> 1;  // never matches a 32-bit pc
  DecodedPage* cur_page_ = nullptr;
  rv32::DecodedInsn uncached_insn_;  // for code fetched without DMI
  bool dmi_invalidated_ = false;

  std::function<uint64_t(const sc_core::sc_time&)> time_source_;
  std::function<void(const TrapRecord&, const std::string&)> fault_handler_;
  uint32_t tohost_address_ = 0;
  std::function<void(uint32_t)> on_tohost_;

  // statistics and tracing
  std::optional<TrapRecord> last_trap_;
  std::array<uint64_t, 16> exceptions_{};
  std::array<uint64_t, 16> interrupts_{};
  uint64_t loads_ = 0, stores_ = 0;
  uint64_t bus_transactions_ = 0, dmi_grants_ = 0, decoded_insns_ = 0, code_invalidations_ = 0;
  uint64_t sleep_ps_ = 0;
  uint32_t trace_pc_ = 0;
  bool trace_sleeping_ = false;
  uint64_t trace_instret_ = 0;
};

}  // namespace hpvp
