// Host memory behind a simulated memory: an anonymous mapping, so a large
// DRAM costs host memory only for the pages the firmware touches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>

namespace hpvp {

class BackingStore {
 public:
  explicit BackingStore(uint64_t size);
  ~BackingStore();
  BackingStore(const BackingStore&) = delete;
  BackingStore& operator=(const BackingStore&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

  // transport_dbg of a memory target: copies data for a valid payload.
  unsigned debug_access(tlm::tlm_generic_payload& tx);
  // get_direct_mem_ptr of a memory target: the whole store, read/write, with
  // `latency` per access; denied (for the whole store) when !enabled.
  bool grant_dmi(tlm::tlm_dmi& dmi, bool enabled, const sc_core::sc_time& latency);

 private:
  uint8_t* data_;
  uint64_t size_;
};

// Access counters every memory model reports.
struct MemoryAccessCounters {
  uint64_t reads = 0, writes = 0, bytes_read = 0, bytes_written = 0, dmi_grants = 0;
  void count(const tlm::tlm_generic_payload& tx) {
    if (tx.is_read()) {
      ++reads;
      bytes_read += tx.get_data_length();
    } else {
      ++writes;
      bytes_written += tx.get_data_length();
    }
  }
  void dump(nlohmann::json& out) const {
    out["reads"] = reads;
    out["writes"] = writes;
    out["bytes_read"] = bytes_read;
    out["bytes_written"] = bytes_written;
    out["dmi_grants"] = dmi_grants;
  }
};

// Checks a payload against a memory of `size` bytes; sets the error response
// and returns false when it cannot be served.
bool check_memory_payload(tlm::tlm_generic_payload& tx, uint64_t size);
// Copies data for a checked payload (honours byte enables and streaming width).
void copy_memory_payload(tlm::tlm_generic_payload& tx, uint8_t* mem);

}  // namespace hpvp
