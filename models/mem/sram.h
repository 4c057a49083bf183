// On-chip SRAM: fixed access latency plus a transfer time set by the port
// bandwidth; one access at a time per port (ResourceCalendar). Grants DMI
// (read and write) with the latency of a single-word access.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "common/resource_calendar.h"
#include "common/stats.h"
#include "mem/backing_store.h"

namespace hpvp {

class Sram : public sc_core::sc_module, public StatsSource {
 public:
  struct Config {
    uint64_t size = 256 * 1024;
    sc_core::sc_time latency = sc_core::sc_time(1, sc_core::SC_NS);
    double bandwidth_bytes_per_s = 8e9;
    bool dmi = true;
  };

  tlm_utils::simple_target_socket<Sram> socket;

  Sram(sc_core::sc_module_name name, const Config& cfg);

  uint8_t* data() { return store_.data(); }
  uint64_t size() const { return store_.size(); }
  void dump_stats(nlohmann::json& out) const override;

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(tlm::tlm_generic_payload& tx);
  uint64_t transfer_ps(unsigned bytes) const;

  Config cfg_;
  BackingStore store_;
  ResourceCalendar port_;
  MemoryAccessCounters counters_;
  uint64_t wait_ps_ = 0;
};

}  // namespace hpvp
