#include "platform_config.h"

#include <algorithm>
#include <deque>
#include <fmt/format.h>
#include <map>
#include <set>

#include <hpvp/hw/clint.h>
#include <hpvp/hw/npu.h>
#include <hpvp/hw/plic.h>
#include <hpvp/hw/test_finisher.h>
#include <hpvp/hw/uart16550.h>

namespace hpvp {

namespace {

using rv32::CostClass;

Rv32Core::CostTable parse_cycles(YamlMap& m, Rv32Core::Config& core) {
  Rv32Core::CostTable t = core.cycles;
  auto set = [&](const char* key, CostClass cls) {
    t[static_cast<size_t>(cls)] =
        static_cast<uint32_t>(m.integer_in(key, t[static_cast<size_t>(cls)], 0, 1000000));
  };
  set("alu", CostClass::kAlu);
  set("mul", CostClass::kMul);
  set("div", CostClass::kDiv);
  set("load", CostClass::kLoad);
  set("store", CostClass::kStore);
  set("branch", CostClass::kBranch);
  set("jump", CostClass::kJump);
  set("csr", CostClass::kCsr);
  set("system", CostClass::kSystem);
  core.branch_taken_cycles =
      static_cast<uint32_t>(m.integer_in("branch_taken", core.branch_taken_cycles, 0, 1000000));
  core.trap_cycles = static_cast<uint32_t>(m.integer_in("trap", core.trap_cycles, 0, 1000000));
  m.finish();
  return t;
}

CpuConfig parse_cpu(YamlMap& m, unsigned hart) {
  CpuConfig c;
  c.location = m.location();
  c.name = m.string("name");
  m.choice("isa", {"rv32imc"});
  c.core.hart_id = hart;
  c.core.frequency_hz = m.frequency("frequency");
  c.core.reset_pc =
      static_cast<uint32_t>(m.integer_in("reset_pc", c.core.reset_pc, 0, 0xffffffffu));
  c.core.dmi = m.boolean("dmi", c.core.dmi);
  c.core.nested_trap_limit = static_cast<uint32_t>(
      m.integer_in("nested_trap_limit", c.core.nested_trap_limit, 1, 1000000));
  if (auto cycles = m.optional_map("cycles")) c.core.cycles = parse_cycles(*cycles, c.core);
  m.finish();
  return c;
}

SharedBus::Config parse_bus(YamlMap& m, double& pj_per_byte) {
  SharedBus::Config b;
  b.frequency_hz = m.frequency("frequency");
  b.width_bytes = static_cast<unsigned>(m.integer_in("width_bytes", 0, 1, 1024));
  b.arbitration_cycles =
      static_cast<unsigned>(m.integer_in("arbitration_cycles", b.arbitration_cycles, 0, 1000));
  b.allow_dmi = m.boolean("dmi", b.allow_dmi);
  pj_per_byte = m.number_in("energy_pj_per_byte", 0.0, 0.0, 1e9);
  m.finish();
  return b;
}

MemoryConfig parse_memory(YamlMap& m) {
  MemoryConfig c;
  c.location = m.location();
  c.name = m.string("name");
  const std::string type = m.choice("type", {"sram", "dram"});
  c.base = m.integer("base");
  const uint64_t size = m.size("size");
  if (size == 0) m.fail("size", "must be non-zero");
  c.pj_per_byte = m.number_in("energy_pj_per_byte", 0.0, 0.0, 1e9);
  if (type == "sram") {
    c.kind = MemoryConfig::Kind::kSram;
    c.sram.size = size;
    c.sram.latency = m.time("latency", c.sram.latency);
    c.sram.bandwidth_bytes_per_s = m.bandwidth("bandwidth", c.sram.bandwidth_bytes_per_s);
    c.sram.dmi = m.boolean("dmi", c.sram.dmi);
  } else {
    c.kind = MemoryConfig::Kind::kDram;
    c.dram.size = size;
    c.dram.banks = static_cast<unsigned>(m.integer_in("banks", c.dram.banks, 1, 1024));
    c.dram.row_bytes = m.size("row_size", c.dram.row_bytes);
    if (c.dram.row_bytes == 0) m.fail("row_size", "must be non-zero");
    c.dram.t_cas = m.time("t_cas", c.dram.t_cas);
    c.dram.t_rcd = m.time("t_rcd", c.dram.t_rcd);
    c.dram.t_rp = m.time("t_rp", c.dram.t_rp);
    c.dram.bandwidth_bytes_per_s = m.bandwidth("bandwidth", c.dram.bandwidth_bytes_per_s);
    c.dram.dmi = m.boolean("dmi", c.dram.dmi);
  }
  m.finish();
  return c;
}

PeripheralConfig parse_peripheral(YamlMap& m, unsigned harts) {
  PeripheralConfig p;
  p.location = m.location();
  p.name = m.string("name");
  const std::string type = m.choice("type", {"uart16550", "clint", "plic", "test_finisher"});
  p.base = m.integer("base");
  const sc_core::sc_time latency = m.time("latency", sc_core::SC_ZERO_TIME);
  if (type == "uart16550") {
    p.kind = PeripheralConfig::Kind::kUart16550;
    p.size = UART_SIZE;
    p.irq = static_cast<unsigned>(m.integer_in("irq", 0, 0, PLIC_MAX_SOURCES - 1));
    p.uart.latency = latency;
    p.uart.to_stdout = m.boolean("stdout", p.uart.to_stdout);
    p.uart.output_file = m.string("output_file", "");
    p.uart.input_file = m.string("input_file", "");
    p.uart.char_time = m.time("char_time", p.uart.char_time);
  } else if (type == "clint") {
    p.kind = PeripheralConfig::Kind::kClint;
    p.size = CLINT_SIZE;
    p.clint.num_harts = harts;
    p.clint.timebase_hz = m.frequency("timebase", p.clint.timebase_hz);
    p.clint.latency = latency;
  } else if (type == "plic") {
    p.kind = PeripheralConfig::Kind::kPlic;
    p.size = PLIC_SIZE;
    p.plic.num_sources =
        static_cast<unsigned>(m.integer_in("sources", p.plic.num_sources, 1, PLIC_MAX_SOURCES - 1));
    p.plic.priority_bits =
        static_cast<unsigned>(m.integer_in("priority_bits", p.plic.priority_bits, 1, 31));
    p.plic.num_contexts = harts;
    p.plic.latency = latency;
  } else {
    p.kind = PeripheralConfig::Kind::kTestFinisher;
    p.size = FINISHER_SIZE;
    p.finisher.latency = latency;
  }
  m.finish();
  return p;
}

npu::Precision parse_precision(YamlMap& m) {
  const std::string p = m.choice("precision", {"int8", "int4", "int2", "fp16", "fp32"});
  if (p == "int8") return npu::Precision::kInt8;
  if (p == "int4") return npu::Precision::kInt4;
  if (p == "int2") return npu::Precision::kInt2;
  if (p == "fp16") return npu::Precision::kFp16;
  return npu::Precision::kFp32;
}

void parse_array(YamlMap& m, npu::ArrayConfig& a) {
  const std::string model = m.choice("model", {"systolic", "analog_imc"});
  a.model = model == "systolic" ? npu::ComputeModel::kSystolic : npu::ComputeModel::kAnalogImc;
  a.rows = static_cast<int>(m.integer_in("rows", 0, 1, 65535));
  a.cols = static_cast<int>(m.integer_in("cols", 0, 1, 65535));
  if (a.model == npu::ComputeModel::kSystolic) {
    const std::string df = m.choice("dataflow", {"os", "ws", "is"});
    a.dataflow = df == "os"   ? npu::Dataflow::kOutputStationary
                 : df == "ws" ? npu::Dataflow::kWeightStationary
                              : npu::Dataflow::kInputStationary;
    a.fold_overlap = m.boolean("fold_overlap", false);
  }
  a.vector_lanes =
      static_cast<int>(m.integer_in("vector_lanes", static_cast<uint64_t>(a.cols), 1, 65535));
  m.finish();
}

void parse_energy(YamlMap& m, npu::EnergyConfig& e) {
  e.mac_pj = m.number_in("mac_pj", e.mac_pj, 0.0, 1e9);
  e.spad_read_pj_per_byte = m.number_in("spad_read_pj_per_byte", e.spad_read_pj_per_byte, 0.0, 1e9);
  e.spad_write_pj_per_byte =
      m.number_in("spad_write_pj_per_byte", e.spad_write_pj_per_byte, 0.0, 1e9);
  e.static_mw = m.number_in("static_mw", e.static_mw, 0.0, 1e9);
  e.idle_mw = m.number_in("idle_mw", e.idle_mw, 0.0, 1e9);
  m.finish();
}

NpuConfig parse_npu(YamlMap& m) {
  NpuConfig c;
  c.location = m.location();
  c.name = m.string("name");
  c.base = m.integer("base");
  c.irq = static_cast<unsigned>(m.integer_in("irq", 0, 0, PLIC_MAX_SOURCES - 1));
  npu::Npu::Config& n = c.npu;
  n.precision = parse_precision(m);
  n.frequency_hz = m.frequency("frequency");
  n.rtl = m.choice("compute", {"tlm", "rtl"}) == "rtl";
  n.functional = m.boolean("functional", true);
  YamlMap array = m.map("array");
  parse_array(array, n.array);
  YamlMap spads = m.map("scratchpads");
  n.spads.ifmap_bytes = spads.size("ifmap");
  n.spads.filter_bytes = spads.size("filter");
  n.spads.ofmap_bytes = spads.size("ofmap");
  n.spads.double_buffer = spads.boolean("double_buffer", true);
  spads.finish();
  n.dma_burst_bytes = static_cast<unsigned>(m.size("dma_burst", n.dma_burst_bytes));
  if (n.dma_burst_bytes == 0 || n.dma_burst_bytes > 4096)
    m.fail("dma_burst", "expected 1..4096 bytes");
  n.energy = npu::default_energy(n.precision, n.array.rows, n.array.cols);
  if (auto energy = m.optional_map("energy")) parse_energy(*energy, n.energy);
  m.finish();
  return c;
}

void check_unique_names(const PlatformConfig& c) {
  std::map<std::string, std::string> seen;  // name -> location
  auto add = [&](const std::string& name, const std::string& location) {
    if (auto [it, fresh] = seen.emplace(name, location); !fresh)
      throw ConfigError(
          fmt::format("{}: name: '{}' is already used at {}", location, name, it->second));
  };
  for (const auto& x : c.cpus) add(x.name, x.location);
  for (const auto& x : c.memories) add(x.name, x.location);
  for (const auto& x : c.peripherals) add(x.name, x.location);
  for (const auto& x : c.npus) add(x.name, x.location);
}

void check_address_map(const PlatformConfig& c) {
  struct Range {
    std::string name, location;
    uint64_t base, size;
  };
  std::vector<Range> ranges;
  for (const auto& m : c.memories) ranges.push_back({m.name, m.location, m.base, m.size()});
  for (const auto& p : c.peripherals) ranges.push_back({p.name, p.location, p.base, p.size});
  for (const auto& n : c.npus) ranges.push_back({n.name, n.location, n.base, NPU_REGS_SIZE});
  for (const auto& r : ranges)
    if (r.base + r.size > (uint64_t{1} << 32) || r.base + r.size < r.base)
      throw ConfigError(
          fmt::format("{}: '{}' [0x{:x}, 0x{:x}) does not fit the 32-bit address space", r.location,
                      r.name, r.base, r.base + r.size));
  std::sort(ranges.begin(), ranges.end(), [](auto& a, auto& b) { return a.base < b.base; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    const Range& a = ranges[i - 1];
    const Range& b = ranges[i];
    if (b.base < a.base + a.size)
      throw ConfigError(fmt::format(
          "{}: '{}' [0x{:x}, 0x{:x}) overlaps '{}' [0x{:x}, 0x{:x}) at {}", b.location, b.name,
          b.base, b.base + b.size, a.name, a.base, a.base + a.size, a.location));
  }
}

}  // namespace

const PeripheralConfig* PlatformConfig::find_peripheral(PeripheralConfig::Kind kind) const {
  for (const auto& p : peripherals)
    if (p.kind == kind) return &p;
  return nullptr;
}

namespace {

// A config may start from another one with `extends: <file>` (relative to
// its own directory); each top-level section it defines replaces the base's.
// Errors keep naming the file and line where the offending text is.
class ConfigChain {
 public:
  explicit ConfigChain(const std::string& file) { load(file, 0); }

  // The map of the nearest file that defines `key` (child first), or null.
  YamlMap* owner(const std::string& key) {
    YamlMap* found = nullptr;
    for (auto& m : files_) {
      if (!m.has(key)) continue;
      if (found == nullptr)
        found = &m;
      else
        m.skip(key);  // overridden by a file nearer the child
    }
    for (auto& m : files_)
      if (&m != found) m.skip(key);
    return found;
  }
  YamlMap& child() { return files_.front(); }
  void finish() {
    for (auto& m : files_) m.finish();
  }

 private:
  void load(const std::string& file, int depth) {
    if (depth > 8)
      throw ConfigError(fmt::format("{}: `extends` chain deeper than 8 files (a cycle?)", file));
    files_.push_back(YamlMap::load_file(file));
    YamlMap& m = files_.back();
    if (!m.has("extends")) {
      m.skip("extends");
      return;
    }
    std::string base = m.string("extends");
    if (!base.empty() && base[0] != '/') {
      const auto slash = file.find_last_of('/');
      if (slash != std::string::npos) base = file.substr(0, slash + 1) + base;
    }
    load(base, depth + 1);
  }

  std::deque<YamlMap> files_;  // stable addresses
};

}  // namespace

PlatformConfig load_platform_config(const std::string& file) {
  ConfigChain chain(file);
  YamlMap& root = chain.child();
  PlatformConfig c;
  c.file = file;
  auto need = [&](const std::string& key) -> YamlMap& {
    YamlMap* m = chain.owner(key);
    if (m == nullptr) root.fail("", fmt::format("missing required key '{}'", key));
    return *m;
  };
  YamlMap platform = need("platform").map("platform");
  c.name = platform.string("name");
  c.description = platform.string("description", "");
  platform.finish();
  if (YamlMap* owner = chain.owner("simulation")) {
    YamlMap sim = owner->map("simulation");
    c.quantum = sim.time("quantum", c.quantum);
    if (c.quantum == sc_core::SC_ZERO_TIME) sim.fail("quantum", "must be greater than zero");
    sim.finish();
  }
  auto cpus = need("cpus").list_of_maps("cpus");
  if (cpus.empty()) need("cpus").fail("cpus", "at least one cpu is required");
  for (size_t i = 0; i < cpus.size(); ++i)
    c.cpus.push_back(parse_cpu(cpus[i], static_cast<unsigned>(i)));
  YamlMap bus = need("bus").map("bus");
  c.bus = parse_bus(bus, c.bus_pj_per_byte);
  for (auto& m : need("memories").list_of_maps("memories")) c.memories.push_back(parse_memory(m));
  if (YamlMap* owner = chain.owner("peripherals")) {
    std::set<PeripheralConfig::Kind> singletons;
    for (auto& p : owner->list_of_maps("peripherals")) {
      c.peripherals.push_back(parse_peripheral(p, static_cast<unsigned>(c.cpus.size())));
      const auto kind = c.peripherals.back().kind;
      if (kind != PeripheralConfig::Kind::kUart16550 && !singletons.insert(kind).second)
        p.fail("type", "a platform has at most one clint, one plic and one test_finisher");
    }
  }
  if (YamlMap* owner = chain.owner("npus"))
    for (auto& n : owner->list_of_maps("npus")) c.npus.push_back(parse_npu(n));
  chain.finish();
  check_unique_names(c);
  check_address_map(c);
  struct IrqUser {
    std::string name, location;
    unsigned irq;
  };
  std::vector<IrqUser> irqs;
  for (const auto& p : c.peripherals) irqs.push_back({p.name, p.location, p.irq});
  for (const auto& n : c.npus) irqs.push_back({n.name, n.location, n.irq});
  std::map<unsigned, std::string> owner;
  for (const auto& u : irqs) {
    if (u.irq == 0) continue;
    const PeripheralConfig* plic = c.find_peripheral(PeripheralConfig::Kind::kPlic);
    if (plic == nullptr)
      throw ConfigError(fmt::format("{}: irq: '{}' has irq {} but the platform has no plic",
                                    u.location, u.name, u.irq));
    if (u.irq > plic->plic.num_sources)
      throw ConfigError(fmt::format("{}: irq: {} is beyond plic '{}' sources 1..{}", u.location,
                                    u.irq, plic->name, plic->plic.num_sources));
    if (auto [it, fresh] = owner.emplace(u.irq, u.name); !fresh)
      throw ConfigError(
          fmt::format("{}: irq: {} is already used by '{}'", u.location, u.irq, it->second));
  }
  // NPUs attribute the memory energy of their DMA traffic per memory.
  for (auto& n : c.npus) {
    n.npu.bus_pj_per_byte = c.bus_pj_per_byte;
    for (const auto& m : c.memories)
      n.npu.memories.push_back(npu::MemoryLevel{m.name, m.base, m.size(), m.pj_per_byte});
  }
  return c;
}

}  // namespace hpvp
