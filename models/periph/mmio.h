// Small helpers shared by the memory-mapped peripheral models.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>

#include "common/register_bank.h"

namespace hpvp {

// Fluent RegisterSpec builder, so a model's register file reads as a table:
//   RegDef("LCR", UART_REG_LCR, 1).reset(0x03).mask(0xff)
class RegDef {
 public:
  RegDef(std::string name, uint64_t offset, unsigned width) {
    spec_.name = std::move(name);
    spec_.offset = offset;
    spec_.width = width;
  }
  RegDef& access(RegAccess a) {
    spec_.access = a;
    return *this;
  }
  RegDef& reset(uint64_t v) {
    spec_.reset = v;
    return *this;
  }
  RegDef& mask(uint64_t m) {
    spec_.write_mask = m;
    return *this;
  }
  // Value a read returns; must be free of side effects (debug reads use it).
  RegDef& reads(std::function<uint64_t(uint64_t)> f) {
    spec_.read = std::move(f);
    return *this;
  }
  // Side effect of a (non-debug) read.
  RegDef& after_read(std::function<void()> f) {
    spec_.after_read = std::move(f);
    return *this;
  }
  RegDef& after_write(std::function<void(uint64_t, uint64_t)> f) {
    spec_.after_write = std::move(f);
    return *this;
  }
  operator RegisterSpec() const { return spec_; }  // NOLINT: implicit by design

 private:
  RegisterSpec spec_;
};

// Peripherals are MMIO: DMI is refused for the whole device window, so the
// bus can cache the refusal instead of asking again on every access. The
// range is relative to the device base, as the bus router hands it to us.
inline bool refuse_dmi(tlm::tlm_dmi& dmi, uint64_t window_size) {
  dmi.set_start_address(0);
  dmi.set_end_address(window_size - 1);
  dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
  return false;
}

// Bytes moved by a debug transport: all or nothing, as the bank answers.
inline unsigned debug_bytes(const tlm::tlm_generic_payload& tx) {
  return tx.is_response_ok() ? tx.get_data_length() : 0;
}

}  // namespace hpvp
