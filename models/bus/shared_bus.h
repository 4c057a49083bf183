// Shared-bus interconnect: an address-decoding router that carries one
// transfer at a time. Each b_transport occupies the bus for
// (arbitration_cycles + ceil(bytes / width)) bus cycles, placed in the
// first free slot at or after the request's local time (ResourceCalendar);
// the wait for the bus is charged to the initiator, so initiators measurably
// slow each other down. DMI requests are forwarded (address-translated) when
// allowed, with the bus cost of a 4-byte transfer (arbitration + beats) added
// to the DMI latency.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <vector>

#include "common/resource_calendar.h"
#include "common/stats.h"

namespace hpvp {

class SharedBus : public sc_core::sc_module, public StatsSource {
 public:
  struct Config {
    double frequency_hz = 100e6;
    unsigned width_bytes = 8;
    unsigned arbitration_cycles = 1;
    bool allow_dmi = true;
  };

  // Initiators bind to target_socket, targets to initiator_socket, in the
  // order given to add_initiator()/map().
  tlm_utils::multi_passthrough_target_socket<SharedBus> target_socket;
  tlm_utils::multi_passthrough_initiator_socket<SharedBus> initiator_socket;

  SharedBus(sc_core::sc_module_name name, const Config& cfg);

  // Declares initiator `index` (its binding order) with a name for stats.
  void add_initiator(const std::string& name);
  // Maps [base, base+size) to target port `port` (its binding order).
  // Throws std::invalid_argument when the range overlaps an existing one.
  void map(unsigned port, uint64_t base, uint64_t size, const std::string& name);

  // Bus occupancy in ps of a transfer of `bytes`.
  uint64_t transfer_ps(unsigned bytes) const;
  void trace(sc_core::sc_trace_file* tf) const;
  void dump_stats(nlohmann::json& out) const override;

 private:
  struct Range {
    uint64_t base, size;
    unsigned port;
    std::string name;
  };
  struct InitiatorStats {
    std::string name;
    uint64_t transactions = 0, reads = 0, writes = 0, bytes = 0, wait_ps = 0, errors = 0,
             dmi_grants = 0;
  };
  struct TargetStats {
    uint64_t transactions = 0, bytes = 0;
  };

  const Range* decode(uint64_t addr, uint64_t len);
  InitiatorStats& initiator(int id);
  void b_transport(int id, tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& tx);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);

  Config cfg_;
  uint64_t period_ps_;
  std::vector<Range> ranges_;  // sorted by base
  const Range* last_hit_ = nullptr;
  ResourceCalendar calendar_;
  std::vector<InitiatorStats> initiators_;
  std::vector<TargetStats> targets_;
  uint64_t unmapped_ = 0;
  // traced: address, initiator and count of the latest transfer
  uint32_t trace_addr_ = 0;
  uint32_t trace_initiator_ = 0;
  uint64_t trace_count_ = 0;
};

}  // namespace hpvp
