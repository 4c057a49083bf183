// DRAM with banks and an open-page row buffer. Each access pays, depending on
// the state of its bank's row buffer,
//   hit:      tCAS
//   empty:    tRCD + tCAS           (bank precharged, row activated)
//   conflict: tRP + tRCD + tCAS     (another row open: precharge first)
// and then the data transfer at the channel bandwidth; the channel carries
// one transfer at a time (ResourceCalendar), so concurrent initiators queue.
// Address mapping: row-interleaved, bank = (addr / row_bytes) % banks.
//
// DMI, when enabled, trades row-buffer accuracy for speed: DMI accesses are
// charged the row-hit latency and are not counted per access.
#pragma once

#include <cstdint>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "common/resource_calendar.h"
#include "common/stats.h"
#include "mem/backing_store.h"

namespace hpvp {

class Dram : public sc_core::sc_module, public StatsSource {
 public:
  struct Config {
    uint64_t size = 128ull << 20;
    unsigned banks = 8;
    uint64_t row_bytes = 2048;
    sc_core::sc_time t_cas = sc_core::sc_time(14, sc_core::SC_NS);
    sc_core::sc_time t_rcd = sc_core::sc_time(14, sc_core::SC_NS);
    sc_core::sc_time t_rp = sc_core::sc_time(14, sc_core::SC_NS);
    double bandwidth_bytes_per_s = 12.8e9;
    bool dmi = true;
  };

  tlm_utils::simple_target_socket<Dram> socket;

  Dram(sc_core::sc_module_name name, const Config& cfg);

  uint8_t* data() { return store_.data(); }
  uint64_t size() const { return store_.size(); }
  void dump_stats(nlohmann::json& out) const override;

 private:
  static constexpr uint64_t kNoRow = ~uint64_t{0};

  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(tlm::tlm_generic_payload& tx);
  uint64_t access_latency_ps(uint64_t addr);
  uint64_t transfer_ps(unsigned bytes) const;

  Config cfg_;
  BackingStore store_;
  std::vector<uint64_t> open_row_;  // per bank
  ResourceCalendar channel_;
  MemoryAccessCounters counters_;
  uint64_t row_hits_ = 0, row_empty_ = 0, row_conflicts_ = 0, wait_ps_ = 0;
};

}  // namespace hpvp
