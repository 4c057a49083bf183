// Memory-mapped registers declared as data: each register is a name, an
// offset, a width, a reset value, an access policy and optional callbacks.
// Peripheral models describe their register file with a table of
// RegisterSpec entries and forward TLM payloads to RegisterBank::access(),
// instead of hand-writing offset switch statements.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tlm>
#include <vector>

namespace hpvp {

enum class RegAccess {
  ReadWrite,        // plain storage
  ReadOnly,         // writes are ignored (hardware status)
  WriteOnly,        // reads return 0
  WriteOneToClear,  // writing 1 to a bit clears it
};

struct RegisterSpec {
  std::string name;
  uint64_t offset = 0;
  unsigned width = 4;  // bytes: 1, 2, 4 or 8
  uint64_t reset = 0;
  RegAccess access = RegAccess::ReadWrite;
  uint64_t write_mask = ~uint64_t{0};  // bits a write may change
  // Computes the value a read returns (default: stored value). Must be free
  // of side effects: it also serves debug reads.
  std::function<uint64_t(uint64_t stored)> read;
  // Side effect of a non-debug read (e.g. popping a FIFO).
  std::function<void()> after_read;
  // Called after a write stored its value: (new value, previous value).
  std::function<void(uint64_t value, uint64_t previous)> after_write;
};

class RegisterBank {
 public:
  explicit RegisterBank(std::string owner) : owner_(std::move(owner)) {}

  // Adds a register; throws std::logic_error on overlap or bad width.
  void add(RegisterSpec spec);
  void add(std::vector<RegisterSpec> specs);

  // Serves a TLM read or write whose address is already relative to the
  // bank. Sets the response status; a miss gives TLM_ADDRESS_ERROR_RESPONSE,
  // a byte-enable or streaming request TLM_BYTE_ENABLE/BURST_ERROR_RESPONSE.
  // Returns true when the access hit a register.
  bool access(tlm::tlm_generic_payload& tx, bool debug = false);

  // Direct access by name for the owning model (no callbacks).
  uint64_t get(const std::string& name) const;
  void set(const std::string& name, uint64_t value);
  void reset();

  const std::string& owner() const { return owner_; }
  size_t size() const { return regs_.size(); }

 private:
  struct Register {
    RegisterSpec spec;
    uint64_t value = 0;
  };
  Register* find(uint64_t offset, unsigned len);
  const Register& by_name(const std::string& name) const;

  std::string owner_;
  std::vector<Register> regs_;
  std::map<uint64_t, size_t> by_offset_;  // start offset -> index
};

}  // namespace hpvp
