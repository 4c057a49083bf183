#include "shared_bus.h"

#include <algorithm>
#include <fmt/format.h>
#include <stdexcept>

#include "common/sim_time.h"

namespace hpvp {

using sc_core::SC_PS;
using sc_core::sc_time;

SharedBus::SharedBus(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name),
      target_socket("target_socket"),
      initiator_socket("initiator_socket"),
      cfg_(cfg),
      period_ps_(static_cast<uint64_t>(1e12 / cfg.frequency_hz + 0.5)) {
  if (cfg.width_bytes == 0) throw std::invalid_argument("bus width must be at least one byte");
  target_socket.register_b_transport(this, &SharedBus::b_transport);
  target_socket.register_get_direct_mem_ptr(this, &SharedBus::get_direct_mem_ptr);
  target_socket.register_transport_dbg(this, &SharedBus::transport_dbg);
  initiator_socket.register_invalidate_direct_mem_ptr(this, &SharedBus::invalidate_direct_mem_ptr);
}

void SharedBus::add_initiator(const std::string& name) {
  initiators_.push_back(InitiatorStats{});
  initiators_.back().name = name;
}

void SharedBus::map(unsigned port, uint64_t base, uint64_t size, const std::string& name) {
  for (const auto& r : ranges_) {
    if (base < r.base + r.size && r.base < base + size)
      throw std::invalid_argument(
          fmt::format("address range of '{}' [0x{:x}, 0x{:x}) overlaps '{}' [0x{:x}, 0x{:x})", name,
                      base, base + size, r.name, r.base, r.base + r.size));
  }
  ranges_.push_back(Range{base, size, port, name});
  std::sort(ranges_.begin(), ranges_.end(),
            [](const Range& a, const Range& b) { return a.base < b.base; });
  if (targets_.size() <= port) targets_.resize(port + 1);
  last_hit_ = nullptr;
}

uint64_t SharedBus::transfer_ps(unsigned bytes) const {
  const uint64_t beats = std::max<uint64_t>(1, (bytes + cfg_.width_bytes - 1) / cfg_.width_bytes);
  return (cfg_.arbitration_cycles + beats) * period_ps_;
}

const SharedBus::Range* SharedBus::decode(uint64_t addr, uint64_t len) {
  auto inside = [&](const Range& r) { return addr >= r.base && addr + len <= r.base + r.size; };
  if (last_hit_ && inside(*last_hit_)) return last_hit_;
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                             [](uint64_t a, const Range& r) { return a < r.base; });
  if (it == ranges_.begin()) return nullptr;
  --it;
  if (!inside(*it)) return nullptr;
  last_hit_ = &*it;
  return last_hit_;
}

SharedBus::InitiatorStats& SharedBus::initiator(int id) {
  while (initiators_.size() <= static_cast<size_t>(id))
    add_initiator(fmt::format("initiator{}", initiators_.size()));
  return initiators_[id];
}

void SharedBus::b_transport(int id, tlm::tlm_generic_payload& tx, sc_time& delay) {
  InitiatorStats& st = initiator(id);
  const uint64_t addr = tx.get_address();
  const unsigned len = tx.get_data_length();
  const uint64_t now = to_ps(sc_core::sc_time_stamp());
  const uint64_t arrival = now + to_ps(delay);
  const uint64_t duration = transfer_ps(len);
  const uint64_t start = calendar_.reserve(arrival, duration, now);
  delay = from_ps(start + duration - now);

  ++st.transactions;
  st.wait_ps += start - arrival;
  trace_addr_ = static_cast<uint32_t>(addr);
  trace_initiator_ = static_cast<uint32_t>(id);
  ++trace_count_;

  const Range* range = decode(addr, len == 0 ? 1 : len);
  if (range == nullptr) {
    ++unmapped_;
    ++st.errors;
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  (tx.is_read() ? st.reads : st.writes)++;
  st.bytes += len;
  targets_[range->port].transactions++;
  targets_[range->port].bytes += len;
  tx.set_address(addr - range->base);
  initiator_socket[range->port]->b_transport(tx, delay);
  tx.set_address(addr);
  if (!cfg_.allow_dmi) tx.set_dmi_allowed(false);
}

bool SharedBus::get_direct_mem_ptr(int id, tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi) {
  const uint64_t addr = tx.get_address();
  const Range* range = decode(addr, 1);
  if (!cfg_.allow_dmi || range == nullptr) {
    // The denied range tells the initiator where it need not ask again: the
    // whole map when the bus forbids DMI, else only the hole around addr.
    uint64_t lo = 0, hi = ~uint64_t{0};
    if (cfg_.allow_dmi) {
      for (const auto& r : ranges_) {
        if (r.base + r.size <= addr)
          lo = std::max(lo, r.base + r.size);
        else if (r.base > addr)
          hi = std::min(hi, r.base - 1);
      }
    }
    dmi.set_start_address(lo);
    dmi.set_end_address(hi);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
  }
  tx.set_address(addr - range->base);
  const bool granted = initiator_socket[range->port]->get_direct_mem_ptr(tx, dmi);
  tx.set_address(addr);
  // Translate back to the global map and clip to the decoded window.
  const uint64_t last = std::min<uint64_t>(dmi.get_end_address(), range->size - 1);
  dmi.set_start_address(dmi.get_start_address() + range->base);
  dmi.set_end_address(last + range->base);
  if (granted) {
    const sc_time beat = from_ps(transfer_ps(4));
    dmi.set_read_latency(dmi.get_read_latency() + beat);
    dmi.set_write_latency(dmi.get_write_latency() + beat);
    initiator(id).dmi_grants++;
  }
  return granted;
}

unsigned SharedBus::transport_dbg(int, tlm::tlm_generic_payload& tx) {
  const uint64_t addr = tx.get_address();
  const Range* range = decode(addr, std::max(1u, tx.get_data_length()));
  if (range == nullptr) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  tx.set_address(addr - range->base);
  const unsigned n = initiator_socket[range->port]->transport_dbg(tx);
  tx.set_address(addr);
  return n;
}

void SharedBus::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
  for (const auto& r : ranges_) {
    if (static_cast<int>(r.port) != port) continue;
    if (start >= r.size) continue;
    const uint64_t last = std::min<uint64_t>(end, r.size - 1);
    for (unsigned i = 0; i < target_socket.size(); ++i)
      target_socket[i]->invalidate_direct_mem_ptr(r.base + start, r.base + last);
  }
}

void SharedBus::trace(sc_core::sc_trace_file* tf) const {
  sc_core::sc_trace(tf, trace_addr_, std::string(name()) + ".address");
  sc_core::sc_trace(tf, trace_initiator_, std::string(name()) + ".initiator");
  sc_core::sc_trace(tf, trace_count_, std::string(name()) + ".transactions");
}

void SharedBus::dump_stats(nlohmann::json& out) const {
  out["frequency_hz"] = cfg_.frequency_hz;
  out["width_bytes"] = cfg_.width_bytes;
  out["busy_ps"] = calendar_.busy_ps();
  out["unmapped_accesses"] = unmapped_;
  nlohmann::json inits = nlohmann::json::object();
  for (const auto& s : initiators_) {
    inits[s.name] = {{"transactions", s.transactions},
                     {"reads", s.reads},
                     {"writes", s.writes},
                     {"bytes", s.bytes},
                     {"wait_ps", s.wait_ps},
                     {"errors", s.errors},
                     {"dmi_grants", s.dmi_grants}};
  }
  out["initiators"] = inits;
  nlohmann::json tgts = nlohmann::json::object();
  for (const auto& r : ranges_) {
    const auto& t = targets_[r.port];
    tgts[r.name] = {
        {"base", r.base}, {"size", r.size}, {"transactions", t.transactions}, {"bytes", t.bytes}};
  }
  out["targets"] = tgts;
}

}  // namespace hpvp
