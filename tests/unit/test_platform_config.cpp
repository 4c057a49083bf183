// load_platform_config: the values of configs/virt.yaml, defaults, and the
// error contract of platform_config.h — every malformed config throws a
// ConfigError naming the file, the line and the key. The malformed files are
// in tests/data/bad_configs/ (each a small variation of configs/virt.yaml);
// expected line numbers are found by searching the fixture, so the fixtures
// can be edited freely.
#include "platform_config.h"

#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>
#include <hpvp/hw/clint.h>
#include <hpvp/hw/plic.h>
#include <hpvp/hw/test_finisher.h>
#include <hpvp/hw/uart16550.h>
#include <hpvp/hw/virt_map.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "units.h"

using hpvp::ConfigError;
using hpvp::load_platform_config;
using hpvp::MemoryConfig;
using hpvp::PeripheralConfig;
using hpvp::PlatformConfig;
using sc_core::SC_NS;
using sc_core::SC_US;
using sc_core::sc_time;

namespace {

const std::string kVirt = std::string(HPVP_SOURCE_DIR) + "/configs/virt.yaml";

std::string fixture(const std::string& name) {
  return std::string(HPVP_SOURCE_DIR) + "/tests/data/bad_configs/" + name;
}

// 1-based number of the `occurrence`-th non-comment line of `file` whose text
// (leading blanks removed) starts with `prefix`; 0 if there is none.
int line_of(const std::string& file, const std::string& prefix, int occurrence = 1) {
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    if (line.compare(b, prefix.size(), prefix) == 0 && --occurrence == 0) return n;
  }
  return 0;
}

// The ConfigError message of loading `file` ("" when it loads).
std::string config_error(const std::string& file) {
  try {
    load_platform_config(file);
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a ConfigError, got another exception: " << e.what();
    return e.what();
  }
  return "";
}

// Checks that `msg` names `file` with one of the `lines` ("file:LINE:") and
// contains every word of `words`.
void expect_located(const std::string& msg, const std::string& file, const std::set<int>& lines,
                    const std::vector<std::string>& words) {
  ASSERT_FALSE(msg.empty()) << file << " loaded without error";
  ASSERT_FALSE(lines.count(0)) << "fixture line not found in " << file;
  EXPECT_NE(msg.find(file), std::string::npos) << "file name missing: " << msg;
  bool located = false;
  for (int l : lines) located |= msg.find(file + ":" + std::to_string(l) + ":") != std::string::npos;
  std::string expected;
  for (int l : lines) expected += " " + std::to_string(l);
  EXPECT_TRUE(located) << "line number (one of" << expected << ") missing: " << msg;
  for (const auto& w : words) EXPECT_NE(msg.find(w), std::string::npos) << "'" << w << "' missing: " << msg;
}

// ---------------------------------------------------------------- virt.yaml

// The structure and address map of virt.yaml are fixed (they mirror
// <hpvp/hw/virt_map.h>); tunable numbers (cycle costs, latencies,
// bandwidths) are compared with the file's own text, so the test checks that
// each key lands in the right field without pinning the tuning.
TEST(PlatformConfig, LoadsVirt) {
  const PlatformConfig c = load_platform_config(kVirt);
  const YAML::Node raw = YAML::LoadFile(kVirt);
  auto text = [](const YAML::Node& n) { return n.as<std::string>(); };
  auto time_of = [&](const YAML::Node& n) { return *hpvp::units::parse_time(text(n)); };
  auto int_of = [&](const YAML::Node& n) { return *hpvp::units::parse_integer(text(n)); };

  EXPECT_EQ(c.file, kVirt);
  EXPECT_EQ(c.name, "virt");
  EXPECT_EQ(c.description, text(raw["platform"]["description"]));
  EXPECT_EQ(c.quantum, time_of(raw["simulation"]["quantum"]));

  ASSERT_EQ(c.cpus.size(), 1u);
  const auto& cpu = c.cpus[0];
  const YAML::Node rcpu = raw["cpus"][0];
  EXPECT_EQ(cpu.name, "cpu0");
  EXPECT_EQ(cpu.core.hart_id, 0u);
  EXPECT_DOUBLE_EQ(cpu.core.frequency_hz, *hpvp::units::parse_frequency_hz(text(rcpu["frequency"])));
  EXPECT_EQ(cpu.core.reset_pc, 0x80000000u);
  EXPECT_TRUE(cpu.core.dmi);
  using CC = hpvp::rv32::CostClass;
  const std::vector<std::pair<const char*, CC>> classes = {
      {"alu", CC::kAlu},       {"mul", CC::kMul},       {"div", CC::kDiv},
      {"load", CC::kLoad},     {"store", CC::kStore},   {"branch", CC::kBranch},
      {"jump", CC::kJump},     {"csr", CC::kCsr},       {"system", CC::kSystem}};
  for (const auto& [key, cls] : classes)
    EXPECT_EQ(cpu.core.cycles[static_cast<size_t>(cls)], int_of(rcpu["cycles"][key])) << key;
  EXPECT_EQ(cpu.core.branch_taken_cycles, int_of(rcpu["cycles"]["branch_taken"]));
  EXPECT_EQ(cpu.core.trap_cycles, int_of(rcpu["cycles"]["trap"]));

  EXPECT_DOUBLE_EQ(c.bus.frequency_hz, *hpvp::units::parse_frequency_hz(text(raw["bus"]["frequency"])));
  EXPECT_EQ(c.bus.width_bytes, int_of(raw["bus"]["width_bytes"]));
  EXPECT_EQ(c.bus.arbitration_cycles, int_of(raw["bus"]["arbitration_cycles"]));
  EXPECT_TRUE(c.bus.allow_dmi);

  ASSERT_EQ(c.memories.size(), 2u);
  const MemoryConfig& dram = c.memories[0];
  const YAML::Node rdram = raw["memories"][0];
  EXPECT_EQ(dram.name, "dram");
  EXPECT_EQ(dram.kind, MemoryConfig::Kind::kDram);
  EXPECT_EQ(dram.base, 0x80000000u);
  EXPECT_EQ(dram.size(), 128u << 20);
  EXPECT_EQ(dram.dram.banks, int_of(rdram["banks"]));
  EXPECT_EQ(dram.dram.row_bytes, *hpvp::units::parse_size_bytes(text(rdram["row_size"])));
  EXPECT_EQ(dram.dram.t_cas, time_of(rdram["t_cas"]));
  EXPECT_EQ(dram.dram.t_rcd, time_of(rdram["t_rcd"]));
  EXPECT_EQ(dram.dram.t_rp, time_of(rdram["t_rp"]));
  EXPECT_DOUBLE_EQ(dram.dram.bandwidth_bytes_per_s,
                   *hpvp::units::parse_bandwidth_bytes_per_s(text(rdram["bandwidth"])));
  EXPECT_TRUE(dram.dram.dmi);
  const MemoryConfig& sram = c.memories[1];
  const YAML::Node rsram = raw["memories"][1];
  EXPECT_EQ(sram.name, "sram");
  EXPECT_EQ(sram.kind, MemoryConfig::Kind::kSram);
  EXPECT_EQ(sram.base, 0x08000000u);
  EXPECT_EQ(sram.size(), 256u << 10);
  EXPECT_EQ(sram.sram.latency, time_of(rsram["latency"]));
  EXPECT_DOUBLE_EQ(sram.sram.bandwidth_bytes_per_s,
                   *hpvp::units::parse_bandwidth_bytes_per_s(text(rsram["bandwidth"])));

  ASSERT_GE(c.peripherals.size(), 4u);
  const PeripheralConfig* fin = c.find_peripheral(PeripheralConfig::Kind::kTestFinisher);
  const PeripheralConfig* clint = c.find_peripheral(PeripheralConfig::Kind::kClint);
  const PeripheralConfig* plic = c.find_peripheral(PeripheralConfig::Kind::kPlic);
  const PeripheralConfig* uart = c.find_peripheral(PeripheralConfig::Kind::kUart16550);
  ASSERT_TRUE(fin && clint && plic && uart);
  EXPECT_EQ(fin->name, "finisher");
  EXPECT_EQ(fin->size, FINISHER_SIZE);
  EXPECT_EQ(clint->size, CLINT_SIZE);
  EXPECT_DOUBLE_EQ(clint->clint.timebase_hz, 10e6);
  EXPECT_EQ(clint->clint.num_harts, 1u);
  EXPECT_EQ(plic->size, PLIC_SIZE);
  EXPECT_EQ(plic->plic.num_sources, 95u);
  EXPECT_EQ(plic->plic.priority_bits, 3u);
  EXPECT_EQ(plic->plic.num_contexts, 1u);
  EXPECT_EQ(uart->name, "uart0");
  EXPECT_EQ(uart->size, UART_SIZE);
  EXPECT_EQ(uart->irq, 10u);
  EXPECT_EQ(fin->irq, 0u);
}

// The firmware takes its address map from <hpvp/hw/virt_map.h>; the VP from
// configs/virt.yaml. They must agree.
TEST(PlatformConfig, ConfigMatchesFirmwareMap) {
  const PlatformConfig c = load_platform_config(kVirt);
  EXPECT_EQ(c.find_peripheral(PeripheralConfig::Kind::kTestFinisher)->base, VIRT_FINISHER_BASE);
  EXPECT_EQ(c.find_peripheral(PeripheralConfig::Kind::kClint)->base, VIRT_CLINT_BASE);
  EXPECT_EQ(c.find_peripheral(PeripheralConfig::Kind::kPlic)->base, VIRT_PLIC_BASE);
  EXPECT_EQ(c.find_peripheral(PeripheralConfig::Kind::kUart16550)->base, VIRT_UART0_BASE);
  EXPECT_EQ(c.find_peripheral(PeripheralConfig::Kind::kUart16550)->irq, VIRT_UART0_IRQ);
  EXPECT_DOUBLE_EQ(c.find_peripheral(PeripheralConfig::Kind::kClint)->clint.timebase_hz,
                   VIRT_CLINT_TIMEBASE_HZ);
  EXPECT_EQ(c.memories[0].base, VIRT_DRAM_BASE);
  EXPECT_EQ(c.memories[0].size(), VIRT_DRAM_SIZE);
}

// A minimal file: everything optional takes its documented default.
TEST(PlatformConfig, MinimalConfigUsesDefaults) {
  const std::string path = ::testing::TempDir() + "hpvp_minimal_" + std::to_string(getpid()) + ".yaml";
  {
    std::ofstream out(path);
    out << "platform:\n  name: tiny\n"
           "cpus:\n  - name: hart\n    isa: rv32imc\n    frequency: 50 MHz\n"
           "bus:\n  frequency: 50 MHz\n  width_bytes: 4\n"
           "memories:\n  - name: ram\n    type: sram\n    base: 0x80000000\n    size: 64 KiB\n";
  }
  const PlatformConfig c = load_platform_config(path);
  std::remove(path.c_str());
  const hpvp::Rv32Core::Config core_defaults;
  const hpvp::Sram::Config sram_defaults;
  EXPECT_EQ(c.name, "tiny");
  EXPECT_EQ(c.description, "");
  EXPECT_EQ(c.quantum, sc_time(10, SC_US));
  ASSERT_EQ(c.cpus.size(), 1u);
  EXPECT_EQ(c.cpus[0].core.reset_pc, core_defaults.reset_pc);
  EXPECT_EQ(c.cpus[0].core.cycles, core_defaults.cycles);
  EXPECT_EQ(c.cpus[0].core.nested_trap_limit, core_defaults.nested_trap_limit);
  EXPECT_EQ(c.bus.arbitration_cycles, 1u);
  EXPECT_TRUE(c.bus.allow_dmi);
  EXPECT_EQ(c.memories[0].sram.latency, sram_defaults.latency);
  EXPECT_TRUE(c.peripherals.empty());
}

// ---------------------------------------------------------------- malformed configs

TEST(PlatformConfig, AllFixturesArePresent) {
  for (const char* f :
       {"unknown_key.yaml", "missing_key.yaml", "wrong_type.yaml", "overlapping_ranges.yaml",
        "irq_beyond_plic_sources.yaml", "yaml_syntax_error.yaml", "duplicate_names.yaml",
        "empty.yaml", "duplicate_key.yaml", "reset_pc_out_of_range.yaml", "beyond_32bit.yaml",
        "shared_irq.yaml", "irq_without_plic.yaml", "unknown_type.yaml", "zero_size.yaml",
        "no_cpus.yaml", "zero_quantum.yaml", "bus_width_zero.yaml", "not_a_mapping.yaml",
        "wrong_isa.yaml", "cycles_not_integer.yaml", "memory_list_is_map.yaml",
        "irq_truncated.yaml"}) {
    EXPECT_TRUE(std::ifstream(fixture(f)).good()) << f;
  }
}

TEST(PlatformConfig, UnknownKey) {
  const std::string f = fixture("unknown_key.yaml");
  expect_located(config_error(f), f, {line_of(f, "cache_size:")}, {"cpus[0]", "cache_size"});
}

TEST(PlatformConfig, MissingKey) {
  const std::string f = fixture("missing_key.yaml");
  const int bus = line_of(f, "bus:");
  expect_located(config_error(f), f, {bus, bus + 1}, {"bus", "width_bytes"});
}

TEST(PlatformConfig, WrongType) {
  const std::string f = fixture("wrong_type.yaml");
  expect_located(config_error(f), f, {line_of(f, "frequency: fast")},
                 {"cpus[0].frequency", "fast"});
}

TEST(PlatformConfig, WrongTypeInNestedMap) {
  const std::string f = fixture("cycles_not_integer.yaml");
  expect_located(config_error(f), f, {line_of(f, "div: many")}, {"cpus[0].cycles.div", "many"});
}

TEST(PlatformConfig, ChoiceOutsideTheAllowedValues) {
  const std::string f = fixture("unknown_type.yaml");
  expect_located(config_error(f), f, {line_of(f, "type: flash")},
                 {"memories[1].type", "flash", "sram", "dram"});
  const std::string g = fixture("wrong_isa.yaml");
  expect_located(config_error(g), g, {line_of(g, "isa: rv64gc")}, {"cpus[0].isa", "rv32imc"});
}

TEST(PlatformConfig, ValueOutOfRange) {
  const std::string f = fixture("zero_size.yaml");
  expect_located(config_error(f), f, {line_of(f, "size: 0")}, {"memories[1].size"});
  const std::string g = fixture("zero_quantum.yaml");
  expect_located(config_error(g), g, {line_of(g, "quantum: 0 ns")}, {"simulation.quantum"});
  const std::string h = fixture("bus_width_zero.yaml");
  expect_located(config_error(h), h, {line_of(h, "width_bytes: 0")}, {"bus.width_bytes"});
}

TEST(PlatformConfig, NoCpus) {
  const std::string f = fixture("no_cpus.yaml");
  expect_located(config_error(f), f, {line_of(f, "cpus: []")}, {"cpus", "at least one"});
}

TEST(PlatformConfig, ListExpected) {
  const std::string f = fixture("memory_list_is_map.yaml");
  const int l = line_of(f, "memories:");
  expect_located(config_error(f), f, {l, l + 1}, {"memories", "list"});
}

TEST(PlatformConfig, TopLevelNotAMapping) {
  const std::string f = fixture("not_a_mapping.yaml");
  const std::string msg = config_error(f);
  EXPECT_NE(msg.find(f), std::string::npos) << msg;
  EXPECT_NE(msg.find("mapping"), std::string::npos) << msg;
}

TEST(PlatformConfig, YamlSyntaxError) {
  const std::string f = fixture("yaml_syntax_error.yaml");
  const int l = line_of(f, "name: [virt");
  expect_located(config_error(f), f, {l, l + 1}, {"YAML syntax error"});
}

TEST(PlatformConfig, EmptyFile) {
  const std::string f = fixture("empty.yaml");
  const std::string msg = config_error(f);
  EXPECT_NE(msg.find(f), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
}

TEST(PlatformConfig, MissingFile) {
  const std::string f = fixture("does_not_exist.yaml");
  const std::string msg = config_error(f);
  EXPECT_NE(msg.find(f), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}

TEST(PlatformConfig, OverlappingRanges) {
  const std::string f = fixture("overlapping_ranges.yaml");
  expect_located(config_error(f), f,
                 {line_of(f, "base: 0x80001000"), line_of(f, "- name: sram"),
                  line_of(f, "base: 0x80000000"), line_of(f, "- name: dram")},
                 {"dram", "sram", "overlap"});
}

TEST(PlatformConfig, RangeBeyond32BitAddressSpace) {
  const std::string f = fixture("beyond_32bit.yaml");
  expect_located(config_error(f), f, {line_of(f, "base: 0xfc000000"), line_of(f, "- name: dram")},
                 {"dram", "32-bit"});
}

TEST(PlatformConfig, IrqBeyondPlicSources) {
  const std::string f = fixture("irq_beyond_plic_sources.yaml");
  expect_located(config_error(f), f, {line_of(f, "irq: 96"), line_of(f, "- name: uart0")},
                 {"irq", "96", "95"});
}

TEST(PlatformConfig, IrqWithoutPlic) {
  const std::string f = fixture("irq_without_plic.yaml");
  expect_located(config_error(f), f, {line_of(f, "irq: 10"), line_of(f, "- name: uart0")},
                 {"irq", "plic"});
}

TEST(PlatformConfig, TwoDevicesOnOneIrq) {
  const std::string f = fixture("shared_irq.yaml");
  expect_located(config_error(f), f,
                 {line_of(f, "irq: 10", 1), line_of(f, "irq: 10", 2), line_of(f, "- name: uart0"),
                  line_of(f, "- name: uart1")},
                 {"irq", "10", "uart0"});
}

TEST(PlatformConfig, DuplicateComponentNames) {
  const std::string f = fixture("duplicate_names.yaml");
  expect_located(config_error(f), f, {line_of(f, "- name: dram", 1), line_of(f, "- name: dram", 2)},
                 {"dram"});
}

// YAML requires unique keys in a mapping (YAML 1.2, 3.2.1.1); a repeated
// key must not be silently dropped.
TEST(PlatformConfig, DuplicateKey) {
  const std::string f = fixture("duplicate_key.yaml");
  expect_located(config_error(f), f, {line_of(f, "frequency: 100 MHz", 2)}, {"bus", "frequency"});
}

TEST(PlatformConfig, ResetPcMustFit32Bits) {
  const std::string f = fixture("reset_pc_out_of_range.yaml");
  expect_located(config_error(f), f, {line_of(f, "reset_pc: 0x180000000")},
                 {"cpus[0].reset_pc"});
}

// Integers are narrowed to the field's type only after a range check: an
// irq of 2^32 + 10 must not silently become source 10.
TEST(PlatformConfig, IntegerTooLargeForItsFieldIsRejected) {
  const std::string f = fixture("irq_truncated.yaml");
  expect_located(config_error(f), f, {line_of(f, "irq: 4294967306"), line_of(f, "- name: uart0")},
                 {"irq"});
}

}  // namespace
