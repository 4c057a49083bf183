#include "sram.h"

#include <cmath>
#include <cstring>

namespace hpvp {

using sc_core::SC_PS;
using sc_core::sc_time;

namespace {
uint64_t to_ps(const sc_time& t) { return t.value() / sc_time(1, SC_PS).value(); }
sc_time ps(uint64_t v) { return sc_time(static_cast<double>(v), SC_PS); }
}  // namespace

bool check_memory_payload(tlm::tlm_generic_payload& tx, uint64_t size) {
  const uint64_t addr = tx.get_address();
  const uint64_t len = tx.get_data_length();
  if (tx.get_command() == tlm::TLM_IGNORE_COMMAND) {
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
    return false;
  }
  if (addr >= size || len > size - addr) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (tx.get_streaming_width() == 0) {
    tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  return true;
}

void copy_memory_payload(tlm::tlm_generic_payload& tx, uint8_t* mem) {
  uint8_t* mem_at = mem + tx.get_address();
  uint8_t* data = tx.get_data_ptr();
  const unsigned len = tx.get_data_length();
  const unsigned width = std::min(tx.get_streaming_width(), len);
  const uint8_t* be = tx.get_byte_enable_ptr();
  const unsigned be_len = tx.get_byte_enable_length();
  const bool read = tx.is_read();
  if (be == nullptr && width == len) {
    read ? std::memcpy(data, mem_at, len) : std::memcpy(mem_at, data, len);
  } else {
    for (unsigned i = 0; i < len; ++i) {
      if (be != nullptr && be[i % be_len] != TLM_BYTE_ENABLED) continue;
      uint8_t* cell = mem_at + (i % width);
      read ? (data[i] = *cell) : (*cell = data[i]);
    }
  }
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

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
  delay = ps(start + occupancy - now) + cfg_.latency;
  copy_memory_payload(tx, store_.data());
  if (tx.is_read()) {
    ++reads_;
    bytes_read_ += tx.get_data_length();
  } else {
    ++writes_;
    bytes_written_ += tx.get_data_length();
  }
  tx.set_dmi_allowed(cfg_.dmi);
}

bool Sram::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  dmi.set_start_address(0);
  dmi.set_end_address(store_.size() - 1);
  if (!cfg_.dmi) {
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
  }
  dmi.set_dmi_ptr(store_.data());
  dmi.allow_read_write();
  dmi.set_read_latency(cfg_.latency + ps(transfer_ps(4)));
  dmi.set_write_latency(cfg_.latency + ps(transfer_ps(4)));
  ++dmi_grants_;
  return true;
}

unsigned Sram::transport_dbg(tlm::tlm_generic_payload& tx) {
  if (!check_memory_payload(tx, store_.size())) return 0;
  copy_memory_payload(tx, store_.data());
  return tx.get_data_length();
}

void Sram::dump_stats(nlohmann::json& out) const {
  out["size"] = store_.size();
  out["reads"] = reads_;
  out["writes"] = writes_;
  out["bytes_read"] = bytes_read_;
  out["bytes_written"] = bytes_written_;
  out["port_wait_ps"] = wait_ps_;
  out["port_busy_ps"] = port_.busy_ps();
  out["dmi_grants"] = dmi_grants_;
}

}  // namespace hpvp
