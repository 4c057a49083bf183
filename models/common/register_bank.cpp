#include "register_bank.h"

#include <cstring>
#include <stdexcept>

namespace hpvp {

namespace {
uint64_t width_mask(unsigned bytes) {
  return bytes >= 8 ? ~uint64_t{0} : ((uint64_t{1} << (8 * bytes)) - 1);
}
}  // namespace

void RegisterBank::add(RegisterSpec spec) {
  if (spec.width != 1 && spec.width != 2 && spec.width != 4 && spec.width != 8)
    throw std::logic_error(owner_ + ": register " + spec.name + " has width " +
                           std::to_string(spec.width) + ", expected 1, 2, 4 or 8");
  const uint64_t end = spec.offset + spec.width;
  for (const auto& r : regs_) {
    const uint64_t r_end = r.spec.offset + r.spec.width;
    if (spec.offset < r_end && r.spec.offset < end)
      throw std::logic_error(owner_ + ": register " + spec.name + " overlaps " + r.spec.name);
    if (r.spec.name == spec.name)
      throw std::logic_error(owner_ + ": duplicate register name " + spec.name);
  }
  Register reg;
  reg.value = spec.reset & width_mask(spec.width);
  reg.spec = std::move(spec);
  by_offset_[reg.spec.offset] = regs_.size();
  regs_.push_back(std::move(reg));
}

void RegisterBank::add(std::vector<RegisterSpec> specs) {
  for (auto& s : specs) add(std::move(s));
}

RegisterBank::Register* RegisterBank::find(uint64_t offset, unsigned len) {
  auto it = by_offset_.upper_bound(offset);
  if (it == by_offset_.begin()) return nullptr;
  --it;
  Register& r = regs_[it->second];
  // Compare distances from the register start, never offset + len: the sum
  // wraps for accesses near 2^64 and would then hit the last register.
  const uint64_t into = offset - r.spec.offset;
  if (into >= r.spec.width || len > r.spec.width - into) return nullptr;
  return &r;
}

bool RegisterBank::access(tlm::tlm_generic_payload& tx, bool debug) {
  const uint64_t addr = tx.get_address();
  const unsigned len = tx.get_data_length();
  if (tx.get_byte_enable_ptr() != nullptr) {
    tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (tx.get_streaming_width() < len) {
    tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  Register* reg = len == 0 || len > 8 ? nullptr : find(addr, len);
  if (reg == nullptr) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  const unsigned shift = 8 * static_cast<unsigned>(addr - reg->spec.offset);
  const uint64_t lane = width_mask(len) << shift;
  const RegisterSpec& spec = reg->spec;

  if (tx.is_read()) {
    uint64_t v = 0;
    if (spec.access != RegAccess::WriteOnly) v = spec.read ? spec.read(reg->value) : reg->value;
    const uint64_t part = (v & lane) >> shift;
    std::memcpy(tx.get_data_ptr(), &part, len);  // host is little-endian like RISC-V
    if (!debug && spec.after_read) spec.after_read();
  } else if (tx.is_write()) {
    uint64_t part = 0;
    std::memcpy(&part, tx.get_data_ptr(), len);
    const uint64_t previous = reg->value;
    const uint64_t written = (part << shift) & lane;
    const uint64_t mask = lane & spec.write_mask & width_mask(spec.width);
    switch (spec.access) {
      case RegAccess::ReadOnly:
        break;
      case RegAccess::WriteOneToClear:
        reg->value = previous & ~(written & mask);
        break;
      case RegAccess::ReadWrite:
      case RegAccess::WriteOnly:
        reg->value = (previous & ~mask) | (written & mask);
        break;
    }
    if (spec.access != RegAccess::ReadOnly && spec.after_write)
      spec.after_write(reg->value, previous);
  }
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

const RegisterBank::Register& RegisterBank::by_name(const std::string& name) const {
  for (const auto& r : regs_)
    if (r.spec.name == name) return r;
  throw std::out_of_range(owner_ + ": no register named " + name);
}

uint64_t RegisterBank::get(const std::string& name) const { return by_name(name).value; }

void RegisterBank::set(const std::string& name, uint64_t value) {
  auto& r = const_cast<Register&>(by_name(name));
  r.value = value & width_mask(r.spec.width);
}

void RegisterBank::reset() {
  for (auto& r : regs_) r.value = r.spec.reset & width_mask(r.spec.width);
}

}  // namespace hpvp
