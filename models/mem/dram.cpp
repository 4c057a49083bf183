#include "dram.h"

#include <cmath>
#include <stdexcept>

#include "common/sim_time.h"

namespace hpvp {

using sc_core::SC_PS;
using sc_core::sc_time;

Dram::Dram(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name), socket("socket"), cfg_(cfg), store_(cfg.size), open_row_(cfg.banks, kNoRow) {
  if (cfg.banks == 0 || cfg.row_bytes == 0)
    throw std::invalid_argument("DRAM needs at least one bank and a non-zero row size");
  socket.register_b_transport(this, &Dram::b_transport);
  socket.register_get_direct_mem_ptr(this, &Dram::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &Dram::transport_dbg);
}

uint64_t Dram::transfer_ps(unsigned bytes) const {
  return static_cast<uint64_t>(std::ceil(bytes * 1e12 / cfg_.bandwidth_bytes_per_s));
}

uint64_t Dram::access_latency_ps(uint64_t addr) {
  const uint64_t row_index = addr / cfg_.row_bytes;
  const uint64_t bank = row_index % cfg_.banks;
  const uint64_t row = row_index / cfg_.banks;
  uint64_t& open = open_row_[bank];
  if (open == row) {
    ++row_hits_;
    return to_ps(cfg_.t_cas);
  }
  const bool empty = open == kNoRow;
  (empty ? row_empty_ : row_conflicts_)++;
  open = row;
  return to_ps(cfg_.t_rcd + cfg_.t_cas) + (empty ? 0 : to_ps(cfg_.t_rp));
}

void Dram::b_transport(tlm::tlm_generic_payload& tx, sc_time& delay) {
  if (!check_memory_payload(tx, store_.size())) return;
  const uint64_t now = to_ps(sc_core::sc_time_stamp());
  const uint64_t arrival = now + to_ps(delay);
  const uint64_t latency = access_latency_ps(tx.get_address());
  const uint64_t occupancy = transfer_ps(tx.get_data_length());
  // The data burst follows the row access; the channel is held for the burst.
  const uint64_t start = channel_.reserve(arrival + latency, occupancy, now);
  wait_ps_ += start - (arrival + latency);
  delay = from_ps(start + occupancy - now);
  copy_memory_payload(tx, store_.data());
  counters_.count(tx);
  tx.set_dmi_allowed(cfg_.dmi);
}

bool Dram::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  // DMI accesses are charged a row hit (see the header).
  const bool granted = store_.grant_dmi(dmi, cfg_.dmi, cfg_.t_cas + from_ps(transfer_ps(4)));
  if (granted) ++counters_.dmi_grants;
  return granted;
}

unsigned Dram::transport_dbg(tlm::tlm_generic_payload& tx) { return store_.debug_access(tx); }

void Dram::dump_stats(nlohmann::json& out) const {
  out["size"] = store_.size();
  counters_.dump(out);
  out["row_hits"] = row_hits_;
  out["row_empty"] = row_empty_;
  out["row_conflicts"] = row_conflicts_;
  out["channel_wait_ps"] = wait_ps_;
  out["channel_busy_ps"] = channel_.busy_ps();
}

}  // namespace hpvp
