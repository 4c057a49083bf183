// Reads a 32-bit RISC-V executable with libelf: loadable segments, entry
// point and symbols (e.g. riscv-tests' `tohost`). Loading itself goes through
// the platform's debug transport (Soc::load_firmware), so any memory in the
// address map can hold a segment.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hpvp {

class ElfError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ElfSegment {
  uint64_t address = 0;  // physical address (p_paddr)
  uint64_t mem_size = 0;
  std::vector<uint8_t> bytes;  // file contents; the rest of mem_size is zero
};

struct ElfImage {
  std::string path;
  uint32_t entry = 0;
  std::vector<ElfSegment> segments;
  std::map<std::string, uint64_t> symbols;
  std::optional<uint64_t> symbol(const std::string& name) const;
};

// Throws ElfError naming the file and the problem.
ElfImage read_elf(const std::string& path);

}  // namespace hpvp
