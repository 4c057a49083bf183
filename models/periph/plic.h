// Platform-level interrupt controller (RISC-V PLIC specification, register
// layout of <hpvp/hw/plic.h>): level-triggered gateways for sources
// 1..num_sources, per-source priority, per-context enables, threshold and
// claim/complete. docs/peripherals.md has the register table.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "common/register_bank.h"
#include "common/stats.h"
#include "periph/port_ties.h"

namespace hpvp {

class Plic : public sc_core::sc_module, public StatsSource {
 public:
  struct Config {
    unsigned num_sources = 32;   // sources 1..num_sources; source 0 does not exist
    unsigned num_contexts = 1;   // context c = hart c's M-mode
    unsigned priority_bits = 3;  // priorities 0..2^bits-1; 0 never interrupts
    sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
  };

  tlm_utils::simple_target_socket<Plic> socket;
  // Index = source id (0 unused). Unbound inputs are tied low.
  sc_core::sc_vector<sc_core::sc_in<bool>> irq_in;
  // One per context: -> hart mip.MEIP. Unbound outputs go to a private signal.
  sc_core::sc_vector<sc_core::sc_out<bool>> context_irq;

  SC_HAS_PROCESS(Plic);
  Plic(sc_core::sc_module_name name, const Config& cfg);

  bool pending(unsigned source) const { return pending_.at(source); }
  uint64_t claims(unsigned source) const { return claims_.at(source); }
  const Config& config() const { return cfg_; }

  void dump_stats(nlohmann::json& out) const override;

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& tx);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  void before_end_of_elaboration() override;

  void declare_registers();
  void declare_context_registers(unsigned ctx);
  void serve(tlm::tlm_generic_payload& tx, const sc_core::sc_time& delay, bool debug);

  // Gateways: sample the input levels and forward new requests.
  void sample_inputs();
  void gateway(unsigned source);
  // Core: the source a claim on `ctx` would return (0 = none).
  unsigned best_source(unsigned ctx) const;
  void claim(unsigned ctx);
  void complete(unsigned ctx, uint64_t id);
  bool enabled(unsigned ctx, unsigned source) const;
  uint32_t pending_word(unsigned word) const;
  // Re-evaluate the context outputs at the time of the current access.
  void outputs_changed();
  void drive_outputs();

  Config cfg_;
  RegisterBank bank_;
  PortTies ties_;
  unsigned words_ = 0;  // 32-bit words per source bitmap
  uint32_t priority_mask_ = 0;

  std::vector<uint32_t> priority_;             // [source]
  std::vector<bool> level_;                    // [source] input level
  std::vector<bool> pending_;                  // [source]
  std::vector<bool> in_flight_;                // [source] forwarded, awaiting complete
  std::vector<std::vector<uint32_t>> enable_;  // [ctx][word]
  std::vector<uint32_t> threshold_;            // [ctx]

  sc_core::sc_event outputs_event_;
  sc_core::sc_time access_delay_;

  std::vector<uint64_t> claims_;  // [source]
  uint64_t completes_ = 0;
  uint64_t ignored_completes_ = 0;
  uint64_t empty_claims_ = 0;
};

}  // namespace hpvp
