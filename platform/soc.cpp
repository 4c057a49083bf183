#include "soc.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "units.h"
#include <hpvp/hw/npu.h>

namespace hpvp {

namespace {
std::unique_ptr<sc_core::sc_signal<bool>> make_line(const std::string& name) {
  return std::make_unique<sc_core::sc_signal<bool>>(name.c_str(), false);
}
}  // namespace

Soc::Soc(sc_core::sc_module_name name, const PlatformConfig& cfg)
    : sc_module(name), cfg_(cfg), debug_socket_("debug_socket") {
  bus_ = std::make_unique<SharedBus>("bus", cfg_.bus);
  stats_sources_.emplace_back("bus", bus_.get());
  build_cores();
  debug_socket_.bind(bus_->target_socket);
  bus_->add_initiator("debug");
  build_npus();  // DMA initiators after the cores; register blocks after the memories
  build_memories();
  build_peripherals();
  map_npu_registers();
  wire_interrupts();
}

Soc::~Soc() = default;

void Soc::build_cores() {
  for (const auto& c : cfg_.cpus) {
    auto core = std::make_unique<Rv32Core>(c.name.c_str(), c.core);
    core->socket.bind(bus_->target_socket);
    bus_->add_initiator(c.name);
    core->set_fault_handler([this, name = c.name](const Rv32Core::TrapRecord& t,
                                                  const std::string& why) {
      finish(
          RunOutcome::Kind::kFault, 126,
          fmt::format("firmware fault on {}: {} ({}) at pc=0x{:08x}, mtval=0x{:08x}, time {}", name,
                      rv32_cause_name(t.cause), why, t.pc, t.tval, units::format_time(t.time)));
    });
    stats_sources_.emplace_back(c.name, core.get());
    cores_.push_back(std::move(core));
  }
}

void Soc::build_memories() {
  for (const auto& m : cfg_.memories) {
    if (m.kind == MemoryConfig::Kind::kSram) {
      auto sram = std::make_unique<Sram>(m.name.c_str(), m.sram);
      bus_->initiator_socket.bind(sram->socket);
      stats_sources_.emplace_back(m.name, sram.get());
      components_.push_back(std::move(sram));
    } else {
      auto dram = std::make_unique<Dram>(m.name.c_str(), m.dram);
      bus_->initiator_socket.bind(dram->socket);
      stats_sources_.emplace_back(m.name, dram.get());
      components_.push_back(std::move(dram));
    }
    bus_->map(next_target_port_++, m.base, m.size(), m.name);
  }
}

void Soc::build_peripherals() {
  using Kind = PeripheralConfig::Kind;
  for (const auto& p : cfg_.peripherals) {
    std::unique_ptr<sc_core::sc_module> module;
    const StatsSource* stats = nullptr;
    switch (p.kind) {
      case Kind::kUart16550: {
        auto uart = std::make_unique<Uart16550>(p.name.c_str(), p.uart);
        bus_->initiator_socket.bind(uart->socket);
        uarts_.emplace_back(p.name, uart.get());
        stats = uart.get();
        module = std::move(uart);
        break;
      }
      case Kind::kClint: {
        auto clint = std::make_unique<Clint>(p.name.c_str(), p.clint);
        bus_->initiator_socket.bind(clint->socket);
        clint_ = clint.get();
        stats = clint.get();
        module = std::move(clint);
        break;
      }
      case Kind::kPlic: {
        auto plic = std::make_unique<Plic>(p.name.c_str(), p.plic);
        bus_->initiator_socket.bind(plic->socket);
        plic_ = plic.get();
        stats = plic.get();
        module = std::move(plic);
        break;
      }
      case Kind::kTestFinisher: {
        auto fin = std::make_unique<TestFinisher>(p.name.c_str(), p.finisher);
        bus_->initiator_socket.bind(fin->socket);
        fin->on_finish = [this](int code) {
          outcome_.kind = RunOutcome::Kind::kExited;
          outcome_.exit_code = code;
          outcome_.reason = code == 0
                                ? "firmware passed (test finisher)"
                                : fmt::format("firmware failed with code {} (test finisher)", code);
        };
        stats = fin.get();
        module = std::move(fin);
        break;
      }
    }
    bus_->map(next_target_port_++, p.base, p.size, p.name);
    stats_sources_.emplace_back(p.name, stats);
    components_.push_back(std::move(module));
  }
}

void Soc::build_npus() {
  for (const auto& n : cfg_.npus) {
    std::unique_ptr<npu::Npu> npu;
    try {
      npu = std::make_unique<npu::Npu>(n.name.c_str(), n.npu);
    } catch (const std::invalid_argument& e) {  // e.g. no RTL variant for this array
      throw ConfigError(fmt::format("{}: {}", n.location, e.what()));
    }
    npu->dma.bind(bus_->target_socket);
    bus_->add_initiator(n.name + ".dma");
    stats_sources_.emplace_back(n.name, npu.get());
    npus_.push_back(npu.get());
    components_.push_back(std::move(npu));
  }
}

void Soc::map_npu_registers() {
  for (size_t i = 0; i < cfg_.npus.size(); ++i) {
    bus_->initiator_socket.bind(npus_[i]->regs);
    bus_->map(next_target_port_++, cfg_.npus[i].base, NPU_REGS_SIZE, cfg_.npus[i].name);
  }
}

void Soc::wire_interrupts() {
  for (size_t h = 0; h < cores_.size(); ++h) {
    auto& core = *cores_[h];
    msip_.push_back(make_line(fmt::format("{}_msip", core.basename())));
    mtip_.push_back(make_line(fmt::format("{}_mtip", core.basename())));
    meip_.push_back(make_line(fmt::format("{}_meip", core.basename())));
    core.irq_software.bind(*msip_.back());
    core.irq_timer.bind(*mtip_.back());
    core.irq_external.bind(*meip_.back());
    if (clint_) {
      clint_->software_irq[h].bind(*msip_.back());
      clint_->timer_irq[h].bind(*mtip_.back());
    }
    if (plic_) plic_->context_irq[h].bind(*meip_.back());
  }
  if (clint_) {
    Clint* clint = clint_;
    for (auto& core : cores_)
      core->set_time_source([clint](const sc_core::sc_time& t) { return clint->mtime_at(t); });
  }
  // Device interrupt lines to PLIC sources (the config checked uniqueness).
  for (const auto& p : cfg_.peripherals) {
    if (p.irq == 0) continue;
    device_irqs_.push_back(make_line(fmt::format("{}_irq", p.name)));
    for (auto& [name, uart] : uarts_)
      if (name == p.name) uart->irq.bind(*device_irqs_.back());
    plic_->irq_in[p.irq].bind(*device_irqs_.back());
  }
  for (size_t i = 0; i < cfg_.npus.size(); ++i) {
    device_irqs_.push_back(make_line(fmt::format("{}_irq", cfg_.npus[i].name)));
    npus_[i]->irq.bind(*device_irqs_.back());
    if (cfg_.npus[i].irq != 0) plic_->irq_in[cfg_.npus[i].irq].bind(*device_irqs_.back());
  }
}

void Soc::finish(RunOutcome::Kind kind, int code, const std::string& reason) {
  if (outcome_.kind != RunOutcome::Kind::kRunning) return;
  outcome_.kind = kind;
  outcome_.exit_code = code;
  outcome_.reason = reason;
  sc_core::sc_stop();
}

bool Soc::debug_write(uint64_t addr, const uint8_t* data, size_t len) {
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_WRITE_COMMAND);
  tx.set_address(addr);
  tx.set_data_ptr(const_cast<uint8_t*>(data));
  tx.set_data_length(static_cast<unsigned>(len));
  tx.set_streaming_width(static_cast<unsigned>(len));
  return debug_socket_->transport_dbg(tx) == len;
}

bool Soc::debug_read(uint64_t addr, uint8_t* data, size_t len) {
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_READ_COMMAND);
  tx.set_address(addr);
  tx.set_data_ptr(data);
  tx.set_data_length(static_cast<unsigned>(len));
  tx.set_streaming_width(static_cast<unsigned>(len));
  return debug_socket_->transport_dbg(tx) == len;
}

void Soc::load_firmware(const ElfImage& image) {
  // Bindings through the bus complete only at the end of elaboration, so the
  // bytes are written in start_of_simulation(); here each segment is checked
  // against the address map, which is what could fail.
  for (size_t i = 0; i < image.segments.size(); ++i) {
    const ElfSegment& seg = image.segments[i];
    if (!in_one_memory(seg.address, seg.mem_size))
      throw ElfError(fmt::format(
          "{}: segment {} [0x{:08x}, 0x{:08x}) is not inside one memory of platform '{}' ({})",
          image.path, i, seg.address, seg.address + seg.mem_size, cfg_.name, cfg_.file));
  }
  firmware_ = image;
  for (auto& core : cores_) core->set_reset_pc(image.entry);
  if (auto tohost = image.symbol("tohost")) {
    for (auto& core : cores_)
      core->set_tohost(static_cast<uint32_t>(*tohost), [this](uint32_t code) {
        finish(RunOutcome::Kind::kExited, static_cast<int>(code),
               code == 0 ? "firmware passed (tohost)"
                         : fmt::format("firmware failed with code {} (tohost)", code));
      });
  }
}

bool Soc::in_one_memory(uint64_t addr, uint64_t size) const {
  for (const auto& m : cfg_.memories)
    if (addr >= m.base && addr + size <= m.base + m.size()) return true;
  return false;
}

void Soc::load_workload(const WorkloadBlobs& blobs) {
  if (!firmware_) throw std::logic_error("Soc::load_workload before load_firmware");
  const WorkloadPlacement p = place_workload(*firmware_, blobs);
  if (!in_one_memory(p.model_addr, p.end - p.model_addr))
    throw ElfError(fmt::format(
        "{}: hpvp_workload_area [0x{:08x}, 0x{:08x}) is not inside one memory of platform '{}' "
        "({})",
        firmware_->path, p.model_addr, p.end, cfg_.name, cfg_.file));
  workload_ = p;
  workload_blobs_ = blobs;
  workload_inputs_ = blobs.n_inputs;
}

void Soc::write_or_die(uint64_t addr, const uint8_t* data, size_t len, const char* what) {
  if (len != 0 && !debug_write(addr, data, len))
    SC_REPORT_FATAL("hpvp/soc",
                    fmt::format("{} write failed after address-map check", what).c_str());
}

// The arena and the result array are zeroed so that a run never depends on
// what the memory held before (e.g. in the pad bits of packed tensors).
void Soc::write_workload() {
  const WorkloadBlobs& b = *workload_blobs_;
  const WorkloadPlacement& p = *workload_;
  const hpvm_header_t& h = *reinterpret_cast<const hpvm_header_t*>(b.model_image.data());
  write_or_die(p.model_addr, b.model_image.data(), h.image_bytes, "model image");
  const std::vector<uint8_t> arena(h.arena_bytes, 0);
  write_or_die(p.model_addr + h.arena_offset, arena.data(), arena.size(), "model arena");
  write_or_die(p.inputs_addr, b.inputs.data(), b.inputs.size(), "workload inputs");
  if (!b.labels.empty()) write_or_die(p.labels_addr, b.labels.data(), b.labels.size(), "labels");
  const std::vector<uint8_t> results(size_t{b.n_inputs} * sizeof(uint16_t), 0);
  write_or_die(p.results_addr, results.data(), results.size(), "workload results");
  const hpvm_workload_t w = workload_struct(p, b);
  write_or_die(p.workload_struct_addr, reinterpret_cast<const uint8_t*>(&w), sizeof w,
               "hpvp_workload");
  workload_blobs_.reset();
}

WorkloadProgress Soc::workload_progress() {
  WorkloadProgress out;
  if (!workload_) return out;
  hpvm_workload_t w{};
  if (debug_read(workload_->workload_struct_addr, reinterpret_cast<uint8_t*>(&w), sizeof w)) {
    out.done = w.done;
    out.correct = w.correct;
  }
  return out;
}

std::vector<uint16_t> Soc::workload_results() {
  std::vector<uint16_t> out;
  if (!workload_) return out;
  out.resize(workload_inputs_);
  if (!debug_read(workload_->results_addr, reinterpret_cast<uint8_t*>(out.data()),
                  out.size() * sizeof(uint16_t)))
    out.clear();
  return out;
}

void Soc::start_of_simulation() {
  if (!firmware_) return;
  for (const ElfSegment& seg : firmware_->segments) {
    std::vector<uint8_t> bytes = seg.bytes;
    bytes.resize(seg.mem_size, 0);
    write_or_die(seg.address, bytes.data(), bytes.size(), "firmware segment");
  }
  if (workload_blobs_) write_workload();  // after .data, which holds hpvp_workload
}

void Soc::trace(sc_core::sc_trace_file* tf) const {
  bus_->trace(tf);
  for (const auto& core : cores_) core->trace(tf);
  for (const auto* npu : npus_) npu->trace(tf);
  for (const auto& s : msip_) sc_core::sc_trace(tf, *s, s->name());
  for (const auto& s : mtip_) sc_core::sc_trace(tf, *s, s->name());
  for (const auto& s : meip_) sc_core::sc_trace(tf, *s, s->name());
  for (const auto& s : device_irqs_) sc_core::sc_trace(tf, *s, s->name());
}

nlohmann::json Soc::stats() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, src] : stats_sources_) {
    nlohmann::json j = nlohmann::json::object();
    src->dump_stats(j);
    out[name] = j;
  }
  return out;
}

sc_core::sc_time Soc::simulated_time() const {
  sc_core::sc_time t = sc_core::sc_time_stamp();
  for (const auto& c : cores_) t = std::max(t, c->local_time());
  return t;
}

uint64_t Soc::instructions() const {
  uint64_t n = 0;
  for (const auto& c : cores_) n += c->instret();
  return n;
}

Uart16550* Soc::uart(const std::string& name) const {
  for (const auto& [n, u] : uarts_)
    if (name.empty() || n == name) return u;
  return nullptr;
}

}  // namespace hpvp
