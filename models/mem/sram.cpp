#include "sram.h"

#include <cmath>
#include <cstring>

#include "common/sim_time.h"

namespace hpvp {

using sc_core::SC_PS;
using sc_core::sc_time;

Sram::Sram(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name), socket("socket"), cfg_(cfg), store_(cfg.size) {
  socket.register_b_transport(this, &Sram::b_transport);
  socket.register_get_direct_mem_ptr(this, &Sram::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &Sram::transport_dbg);
}

uint64_t Sram::transfer_ps(unsigned bytes) const {
  return static_cast<uint64_t>(std::ceil(bytes * 1e12 / cfg_.bandwidth_bytes_per_s));
}

void Sram::b_transport(tlm::tlm_generic_payload& tx, sc_time& delay) {
  if (!check_memory_payload(tx, store_.size())) return;
  const uint64_t now = to_ps(sc_core::sc_time_stamp());
  const uint64_t arrival = now + to_ps(delay);
  const uint64_t occupancy = transfer_ps(tx.get_data_length());
  const uint64_t start = port_.reserve(arrival, occupancy, now);
  wait_ps_ += start - arrival;
  delay = from_ps(start + occupancy - now) + cfg_.latency;
  copy_memory_payload(tx, store_.data());
  counters_.count(tx);
  tx.set_dmi_allowed(cfg_.dmi);
}

bool Sram::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  const bool granted = store_.grant_dmi(dmi, cfg_.dmi, cfg_.latency + from_ps(transfer_ps(4)));
  if (granted) ++counters_.dmi_grants;
  return granted;
}

unsigned Sram::transport_dbg(tlm::tlm_generic_payload& tx) { return store_.debug_access(tx); }

void Sram::dump_stats(nlohmann::json& out) const {
  out["size"] = store_.size();
  counters_.dump(out);
  out["port_wait_ps"] = wait_ps_;
  out["port_busy_ps"] = port_.busy_ps();
}

}  // namespace hpvp
