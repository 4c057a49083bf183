// Core-local interruptor (SiFive CLINT layout, see <hpvp/hw/clint.h>):
// per-hart machine software interrupt (msip) and machine timer (mtimecmp)
// against one shared 64-bit mtime counter that runs at `timebase_hz` of
// simulated time. docs/peripherals.md has the register table.
#pragma once

#include <cstdint>
#include <memory>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "common/register_bank.h"
#include "common/stats.h"
#include "periph/port_ties.h"

namespace hpvp {

class Clint : public sc_core::sc_module, public StatsSource {
 public:
  struct Config {
    unsigned num_harts = 1;
    double timebase_hz = 10e6;  // mtime ticks per simulated second
    sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
  };

  tlm_utils::simple_target_socket<Clint> socket;
  sc_core::sc_vector<sc_core::sc_out<bool>> timer_irq;     // -> hart mip.MTIP
  sc_core::sc_vector<sc_core::sc_out<bool>> software_irq;  // -> hart mip.MSIP

  SC_HAS_PROCESS(Clint);
  Clint(sc_core::sc_module_name name, const Config& cfg);

  // mtime as seen at simulated time `t` (the core's `time` CSR uses it with
  // its local, temporally decoupled time).
  uint64_t mtime_at(const sc_core::sc_time& t) const;
  uint64_t mtimecmp(unsigned hart) const { return mtimecmp_.at(hart); }
  const Config& config() const { return cfg_; }

  void dump_stats(nlohmann::json& out) const override;

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& tx);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  void before_end_of_elaboration() override;

  void declare_registers();
  void serve(tlm::tlm_generic_payload& tx, const sc_core::sc_time& delay, bool debug);
  void on_mtime_write(uint64_t value);
  void reevaluate_timers();
  void update_timer(unsigned hart);
  void update_software_irqs();

  // floor(t * timebase) and its inverse: the earliest time whose tick count
  // reaches `tick` (nullopt-like false when beyond the end of sc_time).
  uint64_t ticks_at(const sc_core::sc_time& t) const;
  bool time_of_tick(unsigned __int128 tick, sc_core::sc_time& t) const;

  Config cfg_;
  RegisterBank bank_;
  PortTies ties_;

  // The timebase as the fraction freq_num_ / freq_den_ Hz, and the number of
  // time-resolution units per second, so tick arithmetic is exact integers.
  uint64_t freq_num_ = 0;
  uint64_t freq_den_ = 1;
  uint64_t units_per_sec_ = 0;

  uint64_t mtime_offset_ = 0;  // mtime = ticks_at(now) + offset (mod 2^64)
  std::vector<uint64_t> mtimecmp_;
  std::vector<bool> timer_level_;
  std::vector<bool> msip_;
  std::vector<std::unique_ptr<sc_core::sc_event>> timer_event_;  // per hart: re-check
  sc_core::sc_event msip_event_;

  // Time and local offset of the transaction being served (callbacks need
  // them, the bank does not pass them through).
  sc_core::sc_time access_time_;
  sc_core::sc_time access_delay_;

  uint64_t timer_irqs_raised_ = 0;
  uint64_t software_irqs_raised_ = 0;
  uint64_t mtime_writes_ = 0;
};

}  // namespace hpvp
