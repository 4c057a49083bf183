// The platform description read from a YAML file in configs/. Every address,
// size, latency and frequency of the SoC comes from here; see
// docs/configuration.md for the schema.
#pragma once

#include <cstdint>
#include <string>
#include <systemc>
#include <vector>

#include "bus/shared_bus.h"
#include "cpu/rv32_core.h"
#include "mem/dram.h"
#include "mem/sram.h"
#include "npu/npu.h"
#include "periph/clint.h"
#include "periph/plic.h"
#include "periph/test_finisher.h"
#include "periph/uart16550.h"
#include "yaml_map.h"

namespace hpvp {

struct CpuConfig {
  std::string name;
  std::string location;
  Rv32Core::Config core;
};

struct MemoryConfig {
  enum class Kind { kSram, kDram };
  std::string name;
  std::string location;  // "file:line:col: key.path", for errors
  Kind kind = Kind::kSram;
  uint64_t base = 0;
  double pj_per_byte = 0;  // access energy, for energy accounting
  Sram::Config sram;
  Dram::Config dram;
  uint64_t size() const { return kind == Kind::kSram ? sram.size : dram.size; }
};

struct PeripheralConfig {
  enum class Kind { kUart16550, kClint, kPlic, kTestFinisher };
  std::string name;
  std::string location;
  Kind kind = Kind::kUart16550;
  uint64_t base = 0;
  uint64_t size = 0;
  unsigned irq = 0;  // PLIC source id of the device's interrupt (0 = none)
  Uart16550::Config uart;
  Clint::Config clint;
  Plic::Config plic;
  TestFinisher::Config finisher;
};

struct NpuConfig {
  std::string name;
  std::string location;
  uint64_t base = 0;
  unsigned irq = 0;  // PLIC source (0 = not connected)
  npu::Npu::Config npu;
};

struct PlatformConfig {
  std::string file;
  std::string name;
  std::string description;
  sc_core::sc_time quantum = sc_core::sc_time(10, sc_core::SC_US);
  std::vector<CpuConfig> cpus;
  SharedBus::Config bus;
  std::vector<MemoryConfig> memories;
  std::vector<PeripheralConfig> peripherals;
  std::vector<NpuConfig> npus;
  double bus_pj_per_byte = 0;

  const PeripheralConfig* find_peripheral(PeripheralConfig::Kind kind) const;
};

// Reads and validates a platform file; throws ConfigError naming the file,
// line, key and what was expected.
PlatformConfig load_platform_config(const std::string& file);

}  // namespace hpvp
