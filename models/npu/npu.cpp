#include "npu.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/sim_time.h"
#include "npu/layer_compute.h"
#include "npu/npu_kernels.h"
#include "npu/tensor_codec.h"

namespace hpvp::npu {

using sc_core::SC_PS;
using sc_core::sc_time;

namespace {

constexpr uint32_t kMaxDescriptorsPerRun = 1u << 20;  // guards against cyclic lists

uint32_t caps_of(const Npu::Config& c) {
  return static_cast<uint32_t>(c.precision) | (static_cast<uint32_t>(c.array.dataflow) << 4) |
         (static_cast<uint32_t>(c.array.model) << 8);
}

}  // namespace

Npu::Npu(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name),
      regs("regs"),
      dma("dma"),
      irq("irq"),
      cfg_(cfg),
      period_ps_(static_cast<uint64_t>(std::llround(1e12 / cfg.frequency_hz))),
      formats_(formats_of(cfg.precision)),
      bank_(std::string(this->name()) + ".regs"),
      regs_tally_{},
      run_tally_{} {
  regs_tally_.memory_level_pj.assign(cfg.memories.size(), 0.0);
  run_tally_.memory_level_pj.assign(cfg.memories.size(), 0.0);
  if (period_ps_ == 0) throw std::invalid_argument("NPU frequency too high for 1 ps resolution");
  if (cfg_.dma_burst_bytes == 0)
    throw std::invalid_argument("NPU DMA burst must be at least 1 byte");
  if (cfg_.rtl) {
    if (!cfg_.functional) throw std::invalid_argument("compute: rtl needs functional: true");
    if (cfg_.array.model != ComputeModel::kSystolic)
      throw std::invalid_argument("compute: rtl models the systolic array, not analog_imc");
    rtl_ = std::make_unique<RtlCompute>(cfg_.precision, cfg_.array.dataflow, cfg_.array.rows,
                                        cfg_.array.cols);
  }
  declare_registers();
  regs.register_b_transport(this, &Npu::b_transport);
  regs.register_transport_dbg(this, &Npu::transport_dbg);
  SC_HAS_PROCESS(Npu);
  SC_THREAD(run);
  SC_METHOD(drive_irq);
  sensitive << irq_changed_;
  dont_initialize();
}

// ---------------------------------------------------------------- registers

void Npu::declare_registers() {
  using A = RegAccess;
  auto ro = [](std::string name, uint64_t offset, uint64_t value) {
    RegisterSpec s;
    s.name = std::move(name);
    s.offset = offset;
    s.reset = value;
    s.access = A::ReadOnly;
    return s;
  };
  auto counter = [this](std::string name, uint64_t offset, std::function<uint64_t()> value) {
    RegisterSpec s;
    s.name = std::move(name);
    s.offset = offset;
    s.width = 8;
    s.access = A::ReadOnly;
    s.read = [value](uint64_t) { return value(); };
    return s;
  };
  bank_.add({
      ro("ID", NPU_REG_ID, NPU_ID_MAGIC),
      ro("CAPS", NPU_REG_CAPS, caps_of(cfg_)),
      ro("ARRAY_ROWS", NPU_REG_ARRAY_ROWS, static_cast<uint64_t>(cfg_.array.rows)),
      ro("ARRAY_COLS", NPU_REG_ARRAY_COLS, static_cast<uint64_t>(cfg_.array.cols)),
      RegisterSpec{"CTRL", NPU_REG_CTRL, 4, 0, A::WriteOnly, ~uint64_t{0}, nullptr, nullptr,
                   [this](uint64_t v, uint64_t) { on_ctrl(v); }},
      RegisterSpec{"STATUS", NPU_REG_STATUS, 4, 0, A::ReadOnly, 0,
                   [this](uint64_t) { return uint64_t{status_} | (busy_ ? NPU_STATUS_BUSY : 0u); },
                   nullptr, nullptr},
      RegisterSpec{"IRQ_ENABLE", NPU_REG_IRQ_ENABLE, 4, 0, A::ReadWrite,
                   NPU_IRQ_DONE | NPU_IRQ_ERROR, nullptr, nullptr,
                   [this](uint64_t, uint64_t) { update_irq(); }},
      RegisterSpec{"IRQ_STATUS", NPU_REG_IRQ_STATUS, 4, 0, A::WriteOneToClear,
                   NPU_IRQ_DONE | NPU_IRQ_ERROR, nullptr, nullptr,
                   [this](uint64_t, uint64_t) { update_irq(); }},
      RegisterSpec{"DESC_PTR", NPU_REG_DESC_PTR, 4, 0, A::ReadWrite, ~uint64_t{0}, nullptr, nullptr,
                   nullptr},
      RegisterSpec{"DESC_DONE", NPU_REG_DESC_DONE, 4, 0, A::ReadOnly, 0,
                   [this](uint64_t) { return uint64_t{desc_done_}; }, nullptr, nullptr},
      RegisterSpec{"ERROR_ADDR", NPU_REG_ERROR_ADDR, 4, 0, A::ReadOnly, 0,
                   [this](uint64_t) { return uint64_t{error_addr_}; }, nullptr, nullptr},
      ro("IFMAP_SPAD", NPU_REG_IFMAP_SPAD, cfg_.spads.ifmap_bytes),
      ro("FILTER_SPAD", NPU_REG_FILTER_SPAD, cfg_.spads.filter_bytes),
      ro("OFMAP_SPAD", NPU_REG_OFMAP_SPAD, cfg_.spads.ofmap_bytes),
      counter("CNT_CYCLES", NPU_REG_CNT_CYCLES, [this] { return regs_tally_.busy_cycles; }),
      counter("CNT_COMPUTE", NPU_REG_CNT_COMPUTE, [this] { return regs_tally_.compute_cycles; }),
      counter("CNT_STALL", NPU_REG_CNT_STALL, [this] { return regs_tally_.stall_cycles; }),
      counter("CNT_MACS", NPU_REG_CNT_MACS, [this] { return regs_tally_.macs; }),
      counter("CNT_DMA_IN", NPU_REG_CNT_DMA_IN, [this] { return regs_tally_.dma_in; }),
      counter("CNT_DMA_OUT", NPU_REG_CNT_DMA_OUT, [this] { return regs_tally_.dma_out; }),
      counter("CNT_ENERGY_PJ", NPU_REG_CNT_ENERGY_PJ,
              [this] { return static_cast<uint64_t>(std::llround(energy(regs_tally_).total_pj)); }),
      counter("CNT_LAYERS", NPU_REG_CNT_LAYERS, [this] { return regs_tally_.layers; }),
  });
}

void Npu::b_transport(tlm::tlm_generic_payload& tx, sc_time& delay) {
  bank_.access(tx, false);
  delay += from_ps(period_ps_);  // one NPU clock per register access
}

unsigned Npu::transport_dbg(tlm::tlm_generic_payload& tx) {
  return bank_.access(tx, true) ? tx.get_data_length() : 0;
}

void Npu::on_ctrl(uint64_t value) {
  if (value & NPU_CTRL_CLEAR_COUNTERS) {
    regs_tally_ = Tally{};
    regs_tally_.memory_level_pj.assign(cfg_.memories.size(), 0.0);
    regs_tally_.start_ps = to_ps(sc_core::sc_time_stamp());
  }
  if ((value & NPU_CTRL_START) && !busy_) {
    busy_ = true;  // visible to the next STATUS read, before the thread runs
    start_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

// Register writes (from the initiator's process) and the run thread both
// change the interrupt state; one method drives the line, as sc_signal
// allows a single writer process.
void Npu::update_irq() { irq_changed_.notify(sc_core::SC_ZERO_TIME); }

void Npu::drive_irq() { irq.write((bank_.get("IRQ_STATUS") & bank_.get("IRQ_ENABLE")) != 0); }

void Npu::raise(uint32_t bits) {
  bank_.set("IRQ_STATUS", bank_.get("IRQ_STATUS") | bits);
  update_irq();
}

// ---------------------------------------------------------------- run loop

uint64_t Npu::now_ps() const { return to_ps(sc_core::sc_time_stamp()); }

void Npu::run() {
  while (true) {
    sc_core::wait(start_event_);
    const uint64_t start = now_ps();
    trace_busy_ = true;
    status_ = 0;
    desc_done_ = 0;
    error_addr_ = 0;
    uint32_t addr = static_cast<uint32_t>(bank_.get("DESC_PTR"));
    bool ok = true;
    while (addr != 0 && ok) {
      if (desc_done_ >= kMaxDescriptorsPerRun) {
        fail(addr, NPU_ERR_BAD_SHAPE, "descriptor list too long (cycle in `next`?)");
        ok = false;
        break;
      }
      uint32_t next = 0;
      ok = run_layer(addr, next);
      if (ok) {
        ++desc_done_;
        addr = next;
      }
    }
    const uint64_t run_ps = now_ps() - start;
    tally([&](Tally& t) {
      t.busy_ps += run_ps;
      t.busy_cycles += run_ps / period_ps_;
    });
    busy_ = false;
    trace_busy_ = false;
    if (ok) {
      status_ = NPU_STATUS_DONE;
      raise(NPU_IRQ_DONE);
    }
  }
}

void Npu::fail(uint32_t desc_addr, npu_error code, const std::string& why) {
  status_ = NPU_STATUS_ERROR | (static_cast<uint32_t>(code) << NPU_STATUS_ERR_SHIFT);
  error_addr_ = desc_addr;
  ++errors_;
  spdlog::warn("{}: descriptor at 0x{:08x} rejected (error {}): {}", name(), desc_addr,
               static_cast<int>(code), why);
  raise(NPU_IRQ_ERROR);
}

bool Npu::run_layer(uint32_t desc_addr, uint32_t& next) {
  if (desc_addr % 8 != 0) {
    fail(desc_addr, NPU_ERR_MISALIGNED, "descriptor address must be 8-byte aligned");
    return false;
  }
  const EnergyMark before = energy_mark();  // for the layer's own energy
  // Fetch the descriptor through the bus (timed).
  npu_desc_t desc;
  uint64_t at = now_ps();
  std::vector<uint8_t> raw(NPU_DESC_SIZE);
  if (!transfer(DmaSegment{desc_addr, NPU_DESC_SIZE, false}, raw.data(), at)) {
    fail(desc_addr, NPU_ERR_BUS, fmt::format("cannot read descriptor at 0x{:08x}", desc_addr));
    return false;
  }
  std::memcpy(&desc, raw.data(), sizeof desc);
  sc_core::wait(from_ps(at - now_ps()));

  Layer layer;
  std::string why;
  if (npu_error e = decode_layer(desc, cfg_.precision, layer, why); e != NPU_ERR_NONE) {
    fail(desc_addr, e, why);
    return false;
  }
  const LayerPlan plan = plan_layer(layer, formats_, cfg_.array, cfg_.spads);
  if (plan.error != NPU_ERR_NONE) {
    fail(desc_addr, plan.error, plan.why);
    return false;
  }
  std::vector<uint8_t> out_bytes;
  rtl_job_.reset();
  if (cfg_.functional) {
    if (npu_error e = compute_functional(layer, out_bytes, why); e != NPU_ERR_NONE) {
      fail(desc_addr, e, why);
      return false;
    }
  } else {
    out_bytes.assign(output_bytes(layer, formats_), 0);
  }
  LayerRecord rec{};
  rec.desc_addr = desc_addr;
  rec.op = layer.op;
  rec.scalesim_cycles = plan.scalesim_cycles;
  rec.macs = layer.macs();
  if (!execute_plan(layer, plan, out_bytes, rec)) {
    fail(desc_addr, NPU_ERR_BUS, fmt::format("DMA bus error at 0x{:08x}", last_dma_error_));
    return false;
  }
  rec.bytes_in = plan.load_bytes + NPU_DESC_SIZE;
  rec.bytes_out = plan.store_bytes;
  account_layer(layer, plan, rec);
  rec.energy_pj = layer_energy_pj(before, rec.cycles);
  record_layer(rec);
  next = desc.next;
  if (desc.flags & NPU_FLAG_IRQ) raise(NPU_IRQ_DONE);
  return true;
}

// ---------------------------------------------------------------- functional

bool Npu::read_debug(uint64_t addr, void* data, uint64_t len) {
  if (len == 0) return true;
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_READ_COMMAND);
  tx.set_address(addr);
  tx.set_data_ptr(static_cast<unsigned char*>(data));
  tx.set_data_length(static_cast<unsigned>(len));
  tx.set_streaming_width(static_cast<unsigned>(len));
  return dma->transport_dbg(tx) == len;
}

npu_error Npu::compute_functional(const Layer& l, std::vector<uint8_t>& out, std::string& why) {
  const MemoryReader read = [this](uint32_t addr, uint8_t* dst, uint64_t len) {
    return read_debug(addr, dst, len);
  };
  if (!rtl_ || !l.uses_weights()) return compute_layer(l, formats_, read, out, why);
  // compute: rtl: the operands wait in rtl_job_; execute_plan runs the
  // array tile by tile and packs the output as the tiles complete.
  IntOperands ops;
  if (npu_error e = read_int_operands(l, formats_, read, ops, why)) return e;
  out.assign(output_bytes(l, formats_), 0);
  rtl_->begin_layer(l, ops.w.data());
  rtl_job_ = RtlJob{std::move(ops.in),   std::move(ops.w),    std::vector<int8_t>(l.out_elements()),
                    std::move(ops.bias), std::move(ops.mult), std::move(ops.shift)};
  return NPU_ERR_NONE;
}

// ---------------------------------------------------------------- timed DMA

bool Npu::transfer(const DmaSegment& seg, uint8_t* data, uint64_t& at_ps) {
  uint32_t done = 0;
  while (done < seg.bytes) {
    const uint32_t len = std::min<uint32_t>(cfg_.dma_burst_bytes, seg.bytes - done);
    tlm::tlm_generic_payload tx;
    tx.set_command(seg.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    tx.set_address(seg.addr + done);
    tx.set_data_ptr(data + done);
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const uint64_t stamp = now_ps();
    sc_time delay = from_ps(at_ps > stamp ? at_ps - stamp : 0);
    dma->b_transport(tx, delay);
    at_ps = now_ps() + to_ps(delay);
    if (!tx.is_response_ok()) {
      last_dma_error_ = seg.addr + done;
      ++dma_errors_;
      return false;
    }
    account_memory(seg.addr + done, len);
    done += len;
  }
  tally([&](Tally& t) { (seg.write ? t.dma_out : t.dma_in) += seg.bytes; });
  return true;
}

// Runs one tile on the RTL array with its clock starting at `start_ps` and
// refreshes the packed output bytes the tile's stores will write.
uint64_t Npu::run_rtl_tile(const Layer& l, const Tile& tile, uint64_t start_ps,
                           std::vector<uint8_t>& out) {
  RtlJob& j = *rtl_job_;
  rtl_->set_trace_clock(period_ps_, start_ps);
  const uint64_t cycles =
      rtl_->run_tile(l, tile, j.in.data(), j.w.data(),
                     IntParams{j.bias.data(), j.mult.data(), j.shift.data()}, j.res.data());
  pack_int(j.res.data(), j.res.size(), formats_.act_bits, out.data());
  return cycles;
}

bool Npu::execute_plan(const Layer& l, const LayerPlan& plan, std::vector<uint8_t>& out,
                       LayerRecord& rec) {
  // Two time cursors: the DMA engine (serial) and the array. Tile i's loads
  // need a free buffer (tile i-2's compute done when double-buffered, i-1
  // otherwise); its compute needs its loads and the array; its stores need
  // its compute. Stores of tile i are issued after the loads of tile i+1, so
  // prefetch is not blocked behind write-back.
  const uint64_t start = now_ps();
  const size_t n = plan.tiles.size();
  const size_t depth = cfg_.spads.double_buffer ? 2 : 1;
  std::vector<uint64_t> compute_end(n, start);
  uint64_t dma_at = start, array_free = start;
  std::vector<uint8_t> scratch;
  auto do_stores = [&](size_t t) {
    uint64_t at = std::max(dma_at, compute_end[t]);
    for (const DmaSegment& s : plan.tiles[t].stores) {
      const uint64_t off = s.addr - l.out_addr;
      scratch.assign(out.begin() + off, out.begin() + off + s.bytes);
      if (!transfer(s, scratch.data(), at)) return false;
    }
    dma_at = at;
    return true;
  };
  for (size_t t = 0; t < n; ++t) {
    const Tile& tile = plan.tiles[t];
    uint64_t at = t >= depth ? std::max(dma_at, compute_end[t - depth]) : dma_at;
    for (const DmaSegment& s : tile.loads) {
      scratch.resize(s.bytes);
      if (!transfer(s, scratch.data(), at)) return false;
    }
    dma_at = at;
    const uint64_t c_start = std::max(at, array_free);
    if (c_start > array_free) rec.stall_cycles += (c_start - array_free) / period_ps_;
    // Co-simulation: the RTL array computes the tile now, and its own cycle
    // count replaces the model's.
    const uint64_t cycles = rtl_job_ ? run_rtl_tile(l, tile, c_start, out) : tile.compute_cycles;
    compute_end[t] = c_start + cycles * period_ps_;
    array_free = compute_end[t];
    rec.compute_cycles += cycles;
    if (t > 0 && !do_stores(t - 1)) return false;
    // Let the rest of the platform catch up to the earlier of the cursors.
    const uint64_t horizon = std::min(dma_at, array_free);
    if (horizon > now_ps()) sc_core::wait(from_ps(horizon - now_ps()));
  }
  if (n > 0 && !do_stores(n - 1)) return false;
  const uint64_t end = std::max(dma_at, array_free);
  if (end > now_ps()) sc_core::wait(from_ps(end - now_ps()));
  rec.cycles = (end - start) / period_ps_;
  return true;
}

void Npu::account_memory(uint64_t addr, uint64_t bytes) {
  const double bus_pj = cfg_.bus_pj_per_byte * static_cast<double>(bytes);
  tally([&](Tally& t) { t.bus_pj += bus_pj; });
  for (size_t i = 0; i < cfg_.memories.size(); ++i) {
    const MemoryLevel& m = cfg_.memories[i];
    if (addr >= m.base && addr < m.base + m.size) {
      const double pj = m.pj_per_byte * static_cast<double>(bytes);
      tally([&](Tally& t) {
        t.memory_level_pj[i] += pj;
        t.memory_pj += pj;
      });
      return;
    }
  }
}

void Npu::account_layer(const Layer& l, const LayerPlan& plan, LayerRecord& rec) {
  // Array-side operand traffic plus the DMA filling and draining the spads.
  const SpadTraffic array = spad_traffic(l, formats_, cfg_.array);
  const SpadTraffic dma = dma_spad_traffic(plan);
  tally([&](Tally& t) {
    t.spad_read += array.read_bytes + dma.read_bytes;
    t.spad_write += array.write_bytes + dma.write_bytes;
    t.compute_cycles += rec.compute_cycles;
    t.stall_cycles += rec.stall_cycles;
    t.macs += rec.macs;
    ++t.layers;
  });
  trace_layer_ = static_cast<uint32_t>(run_tally_.layers);
}

void Npu::record_layer(const LayerRecord& rec) {
  auto it = layer_index_.find(rec.desc_addr);
  if (it == layer_index_.end()) {
    if (layers_.size() >= kMaxLayerRecords) return;
    layer_index_.emplace(rec.desc_addr, layers_.size());
    layers_.push_back(rec);
    layers_.back().runs = 1;
    return;
  }
  LayerRecord& r = layers_[it->second];
  r.op = rec.op;
  r.cycles += rec.cycles;
  r.compute_cycles += rec.compute_cycles;
  r.stall_cycles += rec.stall_cycles;
  r.scalesim_cycles += rec.scalesim_cycles;
  r.macs += rec.macs;
  r.bytes_in += rec.bytes_in;
  r.bytes_out += rec.bytes_out;
  r.energy_pj += rec.energy_pj;
  ++r.runs;
}

// ---------------------------------------------------------------- reports

// Dynamic energy of the work done plus static power over the time since the
// tally started: busy time at static_mw, the rest clock-gated at idle_mw.
Npu::Energy Npu::energy(const Tally& t) const {
  const uint64_t total_ps = now_ps() - t.start_ps;
  const uint64_t idle_ps = total_ps > t.busy_ps ? total_ps - t.busy_ps : 0;
  EnergyCounters c;
  c.macs = t.macs;
  c.spad_read_bytes = t.spad_read;
  c.spad_write_bytes = t.spad_write;
  c.busy_cycles = t.busy_ps / period_ps_;
  c.idle_cycles = idle_ps / period_ps_;
  c.freq_hz = cfg_.frequency_hz;
  Energy e;
  e.core = account(cfg_.energy, c);
  e.memory_pj = t.memory_pj;
  e.bus_pj = t.bus_pj;
  e.total_pj = e.core.total_pj() + t.memory_pj + t.bus_pj;
  return e;
}

// Energy of one layer: what the whole-run tally gained since `before`, with
// static power for the layer's busy cycles (idle time belongs to no layer).
Npu::EnergyMark Npu::energy_mark() const {
  const Tally& t = run_tally_;
  return EnergyMark{t.macs, t.spad_read, t.spad_write, t.memory_pj, t.bus_pj};
}

double Npu::layer_energy_pj(const EnergyMark& before, uint64_t cycles) const {
  const Tally& t = run_tally_;
  EnergyCounters c;
  c.macs = t.macs - before.macs;
  c.spad_read_bytes = t.spad_read - before.spad_read;
  c.spad_write_bytes = t.spad_write - before.spad_write;
  c.busy_cycles = cycles;
  c.freq_hz = cfg_.frequency_hz;
  return account(cfg_.energy, c).total_pj() + (t.memory_pj - before.memory_pj) +
         (t.bus_pj - before.bus_pj);
}

bool Npu::open_rtl_wave(const std::string& vcd_path) {
  if (!rtl_) return false;
  rtl_->open_trace(vcd_path);
  return true;
}

void Npu::close_rtl_wave() {
  if (rtl_) rtl_->close_trace();
}

void Npu::trace(sc_core::sc_trace_file* tf) const {
  sc_core::sc_trace(tf, trace_busy_, std::string(name()) + ".busy");
  sc_core::sc_trace(tf, trace_layer_, std::string(name()) + ".layers");
}

void Npu::dump_stats(nlohmann::json& out) const {
  const Tally& t = run_tally_;
  const Energy e = energy(t);
  const uint64_t total_cycles = (now_ps() - t.start_ps) / period_ps_;
  const double pes = static_cast<double>(cfg_.array.rows) * cfg_.array.cols;
  out["precision"] = to_string(cfg_.precision);
  out["compute"] = rtl_ ? "rtl" : "tlm";
  if (rtl_) out["rtl_cycles"] = rtl_->total_cycles();  // clock edges of the verilated array
  out["dataflow"] = to_string(cfg_.array.dataflow);
  out["array"] = {{"rows", cfg_.array.rows}, {"cols", cfg_.array.cols}};
  out["frequency_hz"] = cfg_.frequency_hz;
  out["layers"] = t.layers;
  out["errors"] = errors_;
  out["busy_cycles"] = t.busy_cycles;
  out["idle_cycles"] = total_cycles > t.busy_cycles ? total_cycles - t.busy_cycles : 0;
  out["compute_cycles"] = t.compute_cycles;
  out["stall_cycles"] = t.stall_cycles;
  out["macs"] = t.macs;
  out["utilization"] = t.busy_cycles ? t.macs / (pes * t.busy_cycles) : 0.0;
  out["bytes"] = {{"dma_in", t.dma_in},
                  {"dma_out", t.dma_out},
                  {"scratchpad_read", t.spad_read},
                  {"scratchpad_write", t.spad_write}};
  nlohmann::json mem = nlohmann::json::object();
  for (size_t i = 0; i < cfg_.memories.size(); ++i)
    mem[cfg_.memories[i].name] = t.memory_level_pj[i];
  out["energy_pj"] = {{"mac", e.core.mac_pj},
                      {"scratchpad", e.core.spad_pj},
                      {"static", e.core.static_pj},
                      {"idle", e.core.idle_pj},
                      {"bus", e.bus_pj},
                      {"memory", mem},
                      {"total", e.total_pj}};
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& r : layers_) {
    layers.push_back({{"descriptor", r.desc_addr},
                      {"op", to_string(r.op)},
                      {"cycles", r.cycles},
                      {"compute_cycles", r.compute_cycles},
                      {"stall_cycles", r.stall_cycles},
                      {"scalesim_cycles", r.scalesim_cycles},
                      {"macs", r.macs},
                      {"bytes_in", r.bytes_in},
                      {"bytes_out", r.bytes_out},
                      {"energy_pj", r.energy_pj},
                      {"runs", r.runs}});
  }
  out["per_layer"] = layers;
}

}  // namespace hpvp::npu
