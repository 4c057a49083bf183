// Reads a 32-bit RISC-V executable with libelf: loadable segments, entry
// point and symbols with their sizes (e.g. riscv-tests' `tohost`, the
// workload hand-over of platform/workload.h). Loading itself goes through
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

struct ElfSymbol {
  uint64_t address = 0;  // st_value
  uint64_t size = 0;     // st_size: bytes of an object, 0 if unknown
};

struct ElfImage {
  std::string path;
  uint32_t entry = 0;
  std::vector<ElfSegment> segments;
  std::map<std::string, ElfSymbol> symbols;  // defined symbols only
  // Address of a defined symbol.
  std::optional<uint64_t> symbol(const std::string& name) const;
  // Address and size of a defined symbol.
  std::optional<ElfSymbol> symbol_info(const std::string& name) const;
};

// Throws ElfError naming the file and the problem.
ElfImage read_elf(const std::string& path);

}  // namespace hpvp
