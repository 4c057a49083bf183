#include "backing_store.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/mman.h>

namespace hpvp {

BackingStore::BackingStore(uint64_t size) : data_(nullptr), size_(size) {
  if (size == 0) throw std::invalid_argument("memory size must be non-zero");
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED)
    throw std::runtime_error("cannot reserve " + std::to_string(size) +
                             " bytes of host memory: " + std::strerror(errno));
  data_ = static_cast<uint8_t*>(p);
}

BackingStore::~BackingStore() { munmap(data_, size_); }

unsigned BackingStore::debug_access(tlm::tlm_generic_payload& tx) {
  if (!check_memory_payload(tx, size_)) return 0;
  copy_memory_payload(tx, data_);
  return tx.get_data_length();
}

bool BackingStore::grant_dmi(tlm::tlm_dmi& dmi, bool enabled, const sc_core::sc_time& latency) {
  dmi.set_start_address(0);
  dmi.set_end_address(size_ - 1);
  if (!enabled) {
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
  }
  dmi.set_dmi_ptr(data_);
  dmi.allow_read_write();
  dmi.set_read_latency(latency);
  dmi.set_write_latency(latency);
  return true;
}

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

}  // namespace hpvp
