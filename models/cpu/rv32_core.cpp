#include "rv32_core.h"

#include <cstring>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/sim_time.h"

namespace hpvp {

using rv32::CostClass;
using rv32::DecodedInsn;
using rv32::Op;
using sc_core::SC_PS;
using sc_core::sc_time;

namespace {

// mstatus fields (M-mode only hart: MPP is hard-wired to M).
constexpr uint32_t kMstatusMie = 1u << 3;
constexpr uint32_t kMstatusMpie = 1u << 7;
constexpr uint32_t kMstatusMpp = 3u << 11;
constexpr uint32_t kMipMsip = 1u << 3;
constexpr uint32_t kMipMtip = 1u << 7;
constexpr uint32_t kMipMeip = 1u << 11;
constexpr uint32_t kMieMask = kMipMsip | kMipMtip | kMipMeip;
constexpr uint32_t kMisa =
    (1u << 30) | (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | (1u << ('C' - 'A'));  // RV32IMC
constexpr uint32_t kMcountinhibitCy = 1u << 0;
constexpr uint32_t kMcountinhibitIr = 1u << 2;

namespace csr {
constexpr uint16_t kMstatus = 0x300, kMisa = 0x301, kMie = 0x304, kMtvec = 0x305, kMstatush = 0x310,
                   kMcountinhibit = 0x320, kMscratch = 0x340, kMepc = 0x341, kMcause = 0x342,
                   kMtval = 0x343, kMip = 0x344, kMcycle = 0xb00, kMinstret = 0xb02,
                   kMcycleh = 0xb80, kMinstreth = 0xb82, kCycle = 0xc00, kTime = 0xc01,
                   kInstret = 0xc02, kCycleh = 0xc80, kTimeh = 0xc81, kInstreth = 0xc82,
                   kMvendorid = 0xf11, kMarchid = 0xf12, kMimpid = 0xf13, kMhartid = 0xf14,
                   kMconfigptr = 0xf15;
bool is_read_only(uint16_t n) { return (n >> 10) == 3; }
// Hardware performance monitor counters/events 3..31: implemented as zero.
bool is_zero_hpm(uint16_t n) {
  return (n >= 0xb03 && n <= 0xb1f) || (n >= 0xb83 && n <= 0xb9f) || (n >= 0xc03 && n <= 0xc1f) ||
         (n >= 0xc83 && n <= 0xc9f) || (n >= 0x323 && n <= 0x33f);
}
}  // namespace csr

}  // namespace

const char* rv32_cause_name(uint32_t mcause) {
  if (mcause & rv32_cause::kInterrupt) {
    switch (mcause & ~rv32_cause::kInterrupt) {
      case 3:
        return "machine software interrupt";
      case 7:
        return "machine timer interrupt";
      case 11:
        return "machine external interrupt";
      default:
        return "unknown interrupt";
    }
  }
  static constexpr const char* kNames[] = {"instruction address misaligned",
                                           "instruction access fault",
                                           "illegal instruction",
                                           "breakpoint",
                                           "load address misaligned",
                                           "load access fault",
                                           "store/AMO address misaligned",
                                           "store/AMO access fault",
                                           "environment call from U-mode",
                                           "environment call from S-mode",
                                           "reserved",
                                           "environment call from M-mode"};
  return mcause < 12 ? kNames[mcause] : "unknown exception";
}

Rv32Core::Rv32Core(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name),
      socket("socket"),
      irq_software("irq_software"),
      irq_timer("irq_timer"),
      irq_external("irq_external"),
      cfg_(cfg),
      period_ps_(static_cast<uint64_t>(1e12 / cfg.frequency_hz + 0.5)),
      pc_(cfg.reset_pc) {
  if (period_ps_ == 0) throw std::invalid_argument("core frequency too high for 1 ps resolution");
  for (size_t i = 0; i < cost_ps_.size(); ++i) cost_ps_[i] = cfg.cycles[i] * period_ps_;
  const uint32_t branch = cfg.cycles[static_cast<size_t>(CostClass::kBranch)];
  taken_extra_ps_ =
      (cfg.branch_taken_cycles > branch ? cfg.branch_taken_cycles - branch : 0) * period_ps_;
  trap_ps_ = cfg.trap_cycles * period_ps_;
  mstatus_ = kMstatusMpp;
  socket.register_invalidate_direct_mem_ptr(this, &Rv32Core::invalidate_direct_mem_ptr);
  SC_HAS_PROCESS(Rv32Core);
  SC_THREAD(run);
  SC_METHOD(on_irq_change);
  sensitive << irq_software << irq_timer << irq_external;
  dont_initialize();
}

Rv32Core::~Rv32Core() = default;

// ---------------------------------------------------------------- time

uint64_t Rv32Core::stamp_ps() const { return to_ps(sc_core::sc_time_stamp()); }

void Rv32Core::commit_time(uint64_t now_ps) {
  qk_.set(sc_time(static_cast<double>(now_ps - stamp_ps()), SC_PS));
}

uint64_t Rv32Core::sync_deadline_ps() const {
  return stamp_ps() + to_ps(tlm::tlm_global_quantum::instance().compute_local_quantum());
}

uint64_t Rv32Core::cycles() const { return cycles_at(now_ps_); }

// ---------------------------------------------------------------- main loop

void Rv32Core::run() {
  qk_.reset();
  now_ps_ = stamp_ps();
  while (!stopped_) {
    if (sleeping_) sleep_until_interrupt();
    take_interrupt_if_pending();
    uint64_t deadline = sync_deadline_ps();
    if (deadline <= now_ps_) deadline = now_ps_ + period_ps_;  // always make progress
    execute(deadline);
    trace_pc_ = pc_;
    trace_instret_ = retired_;
    commit_time(now_ps_);
    if (need_sync_ || qk_.need_sync()) {
      const bool device_access = need_sync_;
      need_sync_ = false;
      qk_.sync();
      // A device reacts to an access through its own process (event at the
      // access time, then a signal update): two delta cycles let an interrupt
      // line raised by that access reach mip before the next instruction,
      // as on hardware where an msip write is visible to the next csrr mip.
      if (device_access)
        for (int i = 0; i < kDeviceSettleDeltas; ++i) sc_core::wait(sc_core::SC_ZERO_TIME);
      now_ps_ = stamp_ps();
      poll_tohost();
    }
    if (dmi_invalidated_) {
      dmi_invalidated_ = false;
      flush_decoded();
    }
  }
}

void Rv32Core::on_irq_change() {
  const uint32_t old = mip_;
  mip_ = (mip_ & ~kMieMask) | (irq_software.read() ? kMipMsip : 0) |
         (irq_timer.read() ? kMipMtip : 0) | (irq_external.read() ? kMipMeip : 0);
  if ((mip_ & ~old) != 0) irq_event_.notify(sc_core::SC_ZERO_TIME);
}

void Rv32Core::sleep_until_interrupt() {
  trace_sleeping_ = true;
  const uint64_t start = stamp_ps();
  while ((mip_ & mie_) == 0 && !stopped_) sc_core::wait(irq_event_);
  sleep_ps_ += stamp_ps() - start;
  qk_.reset();
  now_ps_ = stamp_ps();
  sleeping_ = false;
  trace_sleeping_ = false;
}

bool Rv32Core::take_interrupt_if_pending() {
  const uint32_t pending = mip_ & mie_;
  if (pending == 0 || (mstatus_ & kMstatusMie) == 0) return false;
  // Priority order from the privileged spec: MEI > MSI > MTI.
  const uint32_t irq = (pending & kMipMeip)   ? rv32_cause::kExternalIrq
                       : (pending & kMipMsip) ? rv32_cause::kSoftwareIrq
                                              : rv32_cause::kTimerIrq;
  ++interrupts_[irq];
  pc_ = enter_trap(rv32_cause::kInterrupt | irq, pc_, 0, now_ps_);
  return true;
}

// ---------------------------------------------------------------- fetch

inline const DecodedInsn* Rv32Core::insn_at(uint32_t pc, uint64_t& now) {
  const uint64_t off = uint64_t{pc} - cur_page_base_;
  if (off < kPageSize) {
    const DecodedInsn* d = &cur_page_->slots[off >> 1];
    if (d->op != Op::kUndecoded) return d;
  }
  return insn_at_slow(pc, now);
}

const DecodedInsn* Rv32Core::insn_at_slow(uint32_t pc, uint64_t& now) {
  const uint32_t base = pc & ~(kPageSize - 1);
  DecodedPage* page = page_for(base, now);
  if (page != nullptr) {  // page switch: the slot may already be decoded
    cur_page_ = page;
    cur_page_base_ = base;
    DecodedInsn* slot = &page->slots[(pc - base) >> 1];
    if (slot->op != Op::kUndecoded) return slot;
  }
  uint16_t low = 0, high = 0;
  if (!fetch16(pc, low, now)) return nullptr;
  uint32_t bits = low;
  if (rv32::insn_length(low) == 4) {
    if (!fetch16(pc + 2, high, now)) return nullptr;
    bits |= uint32_t{high} << 16;
  }
  const DecodedInsn d = rv32::decode(bits);
  ++decoded_insns_;
  if (page == nullptr) {  // no DMI: decode every time, cache nothing
    uncached_insn_ = d;
    return &uncached_insn_;
  }
  // A 32-bit instruction in the last slot spills into the next page: mark
  // that page as code too, so that a store to it reaches invalidate_code(),
  // which clears this slot.
  if (d.len == 4 && pc + 2 - base == kPageSize) {
    if (DmiRegion* next = dmi_region_for(pc + 2, 2))
      next->code_pages[(pc + 2 - next->start) >> kPageBits] = 1;
  }
  DecodedInsn& slot = page->slots[(pc - base) >> 1];
  slot = d;
  return &slot;
}

Rv32Core::DecodedPage* Rv32Core::page_for(uint32_t base, uint64_t& now) {
  auto it = pages_.find(base);
  if (it != pages_.end()) return it->second.get();
  if (!cfg_.dmi) return nullptr;
  DmiRegion* region = dmi_region_for(base, kPageSize);
  if (region == nullptr || region->read_size == 0) {
    uint16_t probe;
    bool dmi_hint = false;
    if (transport(tlm::TLM_READ_COMMAND, base, &probe, 2, now, &dmi_hint) != tlm::TLM_OK_RESPONSE ||
        !dmi_hint)
      return nullptr;
    region = acquire_dmi(base, tlm::TLM_READ_COMMAND);
    if (region == nullptr || base + uint64_t{kPageSize} > region->start + region->size)
      return nullptr;
  }
  auto page = std::make_unique<DecodedPage>();
  page->base = base;
  page->region = region;
  page->host = region->host + (base - region->start);
  region->code_pages[(base - region->start) >> kPageBits] = 1;
  DecodedPage* raw = page.get();
  pages_.emplace(base, std::move(page));
  return raw;
}

bool Rv32Core::fetch16(uint32_t addr, uint16_t& out, uint64_t& now) {
  if (DmiRegion* r = dmi_region_for(addr, 2); r != nullptr && r->read_size != 0) {
    std::memcpy(&out, r->host + (addr - r->start), 2);
    return true;
  }
  if (transport(tlm::TLM_READ_COMMAND, addr, &out, 2, now, nullptr) == tlm::TLM_OK_RESPONSE)
    return true;
  fault_cause_ = rv32_cause::kInsnAccessFault;
  fault_tval_ = addr;
  return false;
}

void Rv32Core::invalidate_code(uint64_t addr) {
  // Clear the page in place (the executing instruction may live in it); the
  // last slot of the previous page may hold a 32-bit instruction that spills
  // into this page, so it goes too.
  const uint32_t base = static_cast<uint32_t>(addr) & ~(kPageSize - 1);
  if (auto it = pages_.find(base); it != pages_.end()) it->second->slots.fill(DecodedInsn{});
  if (auto it = pages_.find(base - kPageSize); it != pages_.end())
    it->second->slots.back() = DecodedInsn{};
  ++code_invalidations_;
}

void Rv32Core::flush_decoded() {
  for (auto& [base, page] : pages_) page->slots.fill(DecodedInsn{});
}

// ---------------------------------------------------------------- data

template <typename T>
inline bool Rv32Core::load(uint32_t addr, T& out, uint64_t& now) {
  const DmiRegion& r = *data_region_;
  const uint64_t off = uint64_t{addr} - r.start;
  if ((addr & (sizeof(T) - 1)) == 0 && off + sizeof(T) <= r.read_size) {
    std::memcpy(&out, r.host + off, sizeof(T));
    now += r.read_latency_ps;
    return true;
  }
  return load_slow(addr, &out, sizeof(T), now);
}

template <typename T>
inline bool Rv32Core::store(uint32_t addr, T value, uint64_t& now) {
  DmiRegion& r = *data_region_;
  const uint64_t off = uint64_t{addr} - r.start;
  if ((addr & (sizeof(T) - 1)) == 0 && off + sizeof(T) <= r.write_size) {
    std::memcpy(r.host + off, &value, sizeof(T));
    now += r.write_latency_ps;
    if (r.code_pages[off >> kPageBits]) invalidate_code(addr);
    return true;
  }
  return store_slow(addr, &value, sizeof(T), now);
}

bool Rv32Core::load_slow(uint32_t addr, void* out, unsigned len, uint64_t& now) {
  if (addr & (len - 1)) {
    fault_cause_ = rv32_cause::kLoadMisaligned;
    fault_tval_ = addr;
    return false;
  }
  if (DmiRegion* r = dmi_region_for(addr, len); r != nullptr && r->read_size != 0) {
    data_region_ = r;
    std::memcpy(out, r->host + (addr - r->start), len);
    now += r->read_latency_ps;
    return true;
  }
  bool dmi_hint = false;
  if (transport(tlm::TLM_READ_COMMAND, addr, out, len, now, &dmi_hint) != tlm::TLM_OK_RESPONSE) {
    fault_cause_ = rv32_cause::kLoadAccessFault;
    fault_tval_ = addr;
    return false;
  }
  if (dmi_hint && cfg_.dmi) {
    if (DmiRegion* r = acquire_dmi(addr, tlm::TLM_READ_COMMAND)) data_region_ = r;
  } else {
    need_sync_ = true;  // device access: let the device's events run
    leave_batch_ = true;
  }
  return true;
}

bool Rv32Core::store_slow(uint32_t addr, const void* in, unsigned len, uint64_t& now) {
  if (addr & (len - 1)) {
    fault_cause_ = rv32_cause::kStoreMisaligned;
    fault_tval_ = addr;
    return false;
  }
  if (DmiRegion* r = dmi_region_for(addr, len); r != nullptr && r->write_size != 0) {
    data_region_ = r;
    const uint64_t off = addr - r->start;
    std::memcpy(r->host + off, in, len);
    now += r->write_latency_ps;
    if (r->code_pages[off >> kPageBits]) invalidate_code(addr);
    return true;
  }
  bool dmi_hint = false;
  uint8_t buf[4];
  std::memcpy(buf, in, len);
  if (transport(tlm::TLM_WRITE_COMMAND, addr, buf, len, now, &dmi_hint) != tlm::TLM_OK_RESPONSE) {
    fault_cause_ = rv32_cause::kStoreAccessFault;
    fault_tval_ = addr;
    return false;
  }
  // Code fetched without DMI is never cached, but a store through the bus
  // may still hit a page that was decoded through DMI.
  invalidate_code(addr);
  if (dmi_hint && cfg_.dmi) {
    if (DmiRegion* r = acquire_dmi(addr, tlm::TLM_WRITE_COMMAND)) data_region_ = r;
  } else {
    need_sync_ = true;
    leave_batch_ = true;
  }
  return true;
}

tlm::tlm_response_status Rv32Core::transport(tlm::tlm_command cmd, uint64_t addr, void* data,
                                             unsigned len, uint64_t& now, bool* dmi_hint) {
  tlm::tlm_generic_payload tx;
  tx.set_command(cmd);
  tx.set_address(addr);
  tx.set_data_ptr(static_cast<unsigned char*>(data));
  tx.set_data_length(len);
  tx.set_streaming_width(len);
  tx.set_byte_enable_ptr(nullptr);
  tx.set_dmi_allowed(false);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const uint64_t stamp = stamp_ps();
  sc_time delay(static_cast<double>(now - stamp), SC_PS);
  socket->b_transport(tx, delay);
  now = stamp_ps() + to_ps(delay);  // b_transport may have waited
  ++bus_transactions_;
  if (dmi_hint) *dmi_hint = tx.is_dmi_allowed();
  return tx.get_response_status();
}

Rv32Core::DmiRegion* Rv32Core::dmi_region_for(uint64_t addr, unsigned len) {
  for (auto& r : dmi_regions_)
    if (addr >= r->start && addr + len <= r->start + r->size) return r.get();
  return nullptr;
}

Rv32Core::DmiRegion* Rv32Core::acquire_dmi(uint64_t addr, tlm::tlm_command cmd) {
  tlm::tlm_generic_payload tx;
  tx.set_command(cmd);
  tx.set_address(addr);
  tlm::tlm_dmi dmi;
  if (!socket->get_direct_mem_ptr(tx, dmi)) return nullptr;
  auto region = std::make_unique<DmiRegion>();
  region->start = dmi.get_start_address();
  region->size = dmi.get_end_address() - dmi.get_start_address() + 1;
  region->host = dmi.get_dmi_ptr();
  region->read_size = dmi.is_read_allowed() ? region->size : 0;
  region->write_size = dmi.is_write_allowed() ? region->size : 0;
  region->read_latency_ps = to_ps(dmi.get_read_latency());
  region->write_latency_ps = to_ps(dmi.get_write_latency());
  region->code_pages.assign((region->size + kPageSize - 1) >> kPageBits, 0);
  ++dmi_grants_;
  dmi_regions_.push_back(std::move(region));
  return dmi_regions_.back().get();
}

void Rv32Core::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  // Dropping regions while a batch runs would leave dangling pointers, so the
  // regions are kept until the next SystemC synchronisation: targets only
  // invalidate from their own processes, i.e. while this thread is waiting.
  for (auto it = dmi_regions_.begin(); it != dmi_regions_.end();) {
    DmiRegion& r = **it;
    if (r.start <= end && start <= r.start + r.size - 1) {
      if (data_region_ == &r) data_region_ = &empty_region_;
      for (auto p = pages_.begin(); p != pages_.end();)
        p = p->second->region == &r ? pages_.erase(p) : std::next(p);
      it = dmi_regions_.erase(it);
    } else {
      ++it;
    }
  }
  cur_page_ = nullptr;
  cur_page_base_ = ~uint64_t{0} >> 1;
  dmi_invalidated_ = true;
}

// ---------------------------------------------------------------- traps

uint32_t Rv32Core::enter_trap(uint32_t cause, uint32_t epc, uint32_t tval, uint64_t now) {
  const bool interrupt = (cause & rv32_cause::kInterrupt) != 0;
  last_trap_ = TrapRecord{cause, epc, tval, sc_time(static_cast<double>(now), SC_PS)};
  if (!interrupt) {
    ++exceptions_[cause & 15];
    spdlog::debug("{}: {} at pc=0x{:08x} tval=0x{:08x}", name(), rv32_cause_name(cause), epc, tval);
    if (in_handler_ && ++nested_traps_ > cfg_.nested_trap_limit) {
      report_fault(
          fmt::format("{} exceptions inside the trap handler without mret", nested_traps_));
    }
  }
  in_handler_ = true;
  mepc_ = epc & ~1u;
  mcause_ = cause;
  mtval_ = tval;
  const uint32_t mie = (mstatus_ & kMstatusMie) ? kMstatusMpie : 0;
  mstatus_ = (mstatus_ & ~(kMstatusMie | kMstatusMpie)) | mie | kMstatusMpp;
  now_ps_ = now + trap_ps_;
  const uint32_t base = mtvec_ & ~3u;
  const bool vectored = (mtvec_ & 1) != 0 && interrupt;
  return vectored ? base + 4 * (cause & ~rv32_cause::kInterrupt) : base;
}

uint32_t Rv32Core::mret() {
  const uint32_t mpie = (mstatus_ & kMstatusMpie) ? kMstatusMie : 0;
  mstatus_ = (mstatus_ & ~kMstatusMie) | mpie | kMstatusMpie | kMstatusMpp;
  in_handler_ = false;
  nested_traps_ = 0;
  return mepc_;
}

void Rv32Core::report_fault(const std::string& reason) {
  stopped_ = true;
  leave_batch_ = true;
  if (fault_handler_) fault_handler_(*last_trap_, reason);
}

void Rv32Core::poll_tohost() {
  if (tohost_address_ == 0 || !on_tohost_) return;
  uint32_t value = 0;
  tlm::tlm_generic_payload tx;
  tx.set_command(tlm::TLM_READ_COMMAND);
  tx.set_address(tohost_address_);
  tx.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  tx.set_data_length(4);
  tx.set_streaming_width(4);
  if (socket->transport_dbg(tx) == 4 && value != 0) {
    stopped_ = true;
    on_tohost_(value >> 1);
  }
}

// ---------------------------------------------------------------- CSRs

bool Rv32Core::csr_read(uint16_t n, uint32_t& v, uint64_t now) const {
  const uint64_t mcycle =
      (mcountinhibit_ & kMcountinhibitCy) ? inhibited_cycle_ : cycles_at(now) - cycle_offset_;
  const uint64_t minstret =
      (mcountinhibit_ & kMcountinhibitIr) ? inhibited_instret_ : retired_ - instret_offset_;
  switch (n) {
    case csr::kMstatus:
      v = mstatus_;
      return true;
    case csr::kMstatush:
      v = 0;
      return true;
    case csr::kMisa:
      v = kMisa;
      return true;
    case csr::kMie:
      v = mie_;
      return true;
    case csr::kMip:
      v = mip_;
      return true;
    case csr::kMtvec:
      v = mtvec_;
      return true;
    case csr::kMscratch:
      v = mscratch_;
      return true;
    case csr::kMepc:
      v = mepc_;
      return true;
    case csr::kMcause:
      v = mcause_;
      return true;
    case csr::kMtval:
      v = mtval_;
      return true;
    case csr::kMcountinhibit:
      v = mcountinhibit_;
      return true;
    case csr::kMcycle:
    case csr::kCycle:
      v = static_cast<uint32_t>(mcycle);
      return true;
    case csr::kMcycleh:
    case csr::kCycleh:
      v = static_cast<uint32_t>(mcycle >> 32);
      return true;
    case csr::kMinstret:
    case csr::kInstret:
      v = static_cast<uint32_t>(minstret);
      return true;
    case csr::kMinstreth:
    case csr::kInstreth:
      v = static_cast<uint32_t>(minstret >> 32);
      return true;
    case csr::kTime:
    case csr::kTimeh: {
      if (!time_source_) return false;
      const uint64_t t = time_source_(sc_time(static_cast<double>(now), SC_PS));
      v = static_cast<uint32_t>(n == csr::kTime ? t : t >> 32);
      return true;
    }
    case csr::kMvendorid:
    case csr::kMarchid:
    case csr::kMimpid:
    case csr::kMconfigptr:
      v = 0;
      return true;
    case csr::kMhartid:
      v = cfg_.hart_id;
      return true;
    default:
      if (csr::is_zero_hpm(n)) {
        v = 0;
        return true;
      }
      return false;
  }
}

bool Rv32Core::csr_write(uint16_t n, uint32_t v, uint64_t now) {
  const uint64_t cycle_now = cycles_at(now);
  auto set_low = [](uint64_t old, uint32_t lo) { return (old & ~0xffffffffull) | lo; };
  auto set_high = [](uint64_t old, uint32_t hi) {
    return (old & 0xffffffffull) | (uint64_t{hi} << 32);
  };
  switch (n) {
    case csr::kMstatus:
      mstatus_ = (v & (kMstatusMie | kMstatusMpie)) | kMstatusMpp;
      leave_batch_ = true;  // interrupts may have become enabled
      return true;
    case csr::kMstatush:
    case csr::kMisa:
      return true;  // WARL, nothing writable
    case csr::kMie:
      mie_ = v & kMieMask;
      leave_batch_ = true;
      return true;
    case csr::kMip:
      return true;  // M-mode pending bits are driven by hardware
    case csr::kMtvec:
      mtvec_ = v & ~2u;
      return true;  // modes 0 and 1 only
    case csr::kMscratch:
      mscratch_ = v;
      return true;
    case csr::kMepc:
      mepc_ = v & ~1u;
      return true;
    case csr::kMcause:
      mcause_ = v;
      return true;
    case csr::kMtval:
      mtval_ = v;
      return true;
    case csr::kMcountinhibit: {
      // Freeze or release each counter at its current value.
      const uint64_t mcycle =
          (mcountinhibit_ & kMcountinhibitCy) ? inhibited_cycle_ : cycle_now - cycle_offset_;
      const uint64_t minstret =
          (mcountinhibit_ & kMcountinhibitIr) ? inhibited_instret_ : retired_ - instret_offset_;
      mcountinhibit_ = v & (kMcountinhibitCy | kMcountinhibitIr);
      inhibited_cycle_ = mcycle;
      inhibited_instret_ = minstret;
      cycle_offset_ = cycle_now - mcycle;
      instret_offset_ = retired_ - minstret;
      return true;
    }
    case csr::kMcycle:
    case csr::kMcycleh: {
      uint64_t cur =
          (mcountinhibit_ & kMcountinhibitCy) ? inhibited_cycle_ : cycle_now - cycle_offset_;
      cur = n == csr::kMcycle ? set_low(cur, v) : set_high(cur, v);
      inhibited_cycle_ = cur;
      cycle_offset_ = cycle_now - cur;
      return true;
    }
    case csr::kMinstret:
    case csr::kMinstreth: {
      // The writing instruction itself does not count (+1 compensates for
      // the increment that follows this write).
      uint64_t cur =
          (mcountinhibit_ & kMcountinhibitIr) ? inhibited_instret_ : retired_ - instret_offset_;
      cur = n == csr::kMinstret ? set_low(cur, v) : set_high(cur, v);
      inhibited_instret_ = cur;
      instret_offset_ = retired_ + 1 - cur;
      return true;
    }
    default:
      return csr::is_zero_hpm(n);  // writable-as-zero counters and events
  }
}

bool Rv32Core::exec_csr(const DecodedInsn& d, uint64_t now) {
  const bool imm_form = d.op == Op::kCsrrwi || d.op == Op::kCsrrsi || d.op == Op::kCsrrci;
  const uint32_t operand = imm_form ? static_cast<uint32_t>(d.imm) : regs_[d.rs1];
  const bool is_write_op = d.op == Op::kCsrrw || d.op == Op::kCsrrwi;
  const bool writes = is_write_op || d.rs1 != 0;  // csrrs/csrrc with x0/zimm 0 only read
  if (writes && csr::is_read_only(d.csr)) return false;
  uint32_t old = 0;
  if (!csr_read(d.csr, old, now)) return false;
  // csrrw with rd=x0 does not read; no CSR on this hart has read side
  // effects, so reading unconditionally is equivalent.
  if (writes) {
    uint32_t value = operand;
    if (d.op == Op::kCsrrs || d.op == Op::kCsrrsi) value = old | operand;
    if (d.op == Op::kCsrrc || d.op == Op::kCsrrci) value = old & ~operand;
    if (!csr_write(d.csr, value, now)) return false;
  }
  regs_[d.rd] = old;
  return true;
}

std::optional<uint32_t> Rv32Core::peek_csr(uint16_t n) const {
  uint32_t v = 0;
  if (!csr_read(n, v, now_ps_)) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------- execute

void Rv32Core::execute(uint64_t deadline) {
  uint32_t* const x = regs_.data();
  uint32_t pc = pc_;
  uint64_t now = now_ps_;
  uint64_t retired = retired_;
  leave_batch_ = false;

  // Takes the exception recorded in fault_cause_/fault_tval_ at `pc`.
  auto trap = [&](uint32_t cause, uint32_t tval) {
    retired_ = retired;
    pc = enter_trap(cause, pc, tval, now);
    now = now_ps_;
  };

  while (now < deadline && !leave_batch_) {
    const DecodedInsn* d = insn_at(pc, now);
    if (d == nullptr) {
      trap(fault_cause_, fault_tval_);
      continue;
    }
    uint32_t next = pc + d->len;
    now += cost_ps_[static_cast<size_t>(d->cost)];
    const uint32_t a = x[d->rs1];
    const uint32_t b = x[d->rs2];
    const uint32_t imm = static_cast<uint32_t>(d->imm);
    switch (d->op) {
      case Op::kLui:
        x[d->rd] = imm;
        break;
      case Op::kAuipc:
        x[d->rd] = pc + imm;
        break;
      case Op::kJal:
        x[d->rd] = next;
        next = pc + imm;
        break;
      case Op::kJalr:
        x[d->rd] = next;
        next = (a + imm) & ~1u;
        break;
#define HPVP_BRANCH(cond)   \
  if (cond) {               \
    next = pc + imm;        \
    now += taken_extra_ps_; \
  }                         \
  break
      case Op::kBeq:
        HPVP_BRANCH(a == b);
      case Op::kBne:
        HPVP_BRANCH(a != b);
      case Op::kBlt:
        HPVP_BRANCH(static_cast<int32_t>(a) < static_cast<int32_t>(b));
      case Op::kBge:
        HPVP_BRANCH(static_cast<int32_t>(a) >= static_cast<int32_t>(b));
      case Op::kBltu:
        HPVP_BRANCH(a < b);
      case Op::kBgeu:
        HPVP_BRANCH(a >= b);
#undef HPVP_BRANCH
#define HPVP_LOAD(T, conv)             \
  {                                    \
    T v;                               \
    ++loads_;                          \
    if (!load<T>(a + imm, v, now)) {   \
      trap(fault_cause_, fault_tval_); \
      continue;                        \
    }                                  \
    x[d->rd] = conv(v);                \
    break;                             \
  }
      case Op::kLb:
        HPVP_LOAD(int8_t, static_cast<uint32_t>)
      case Op::kLh:
        HPVP_LOAD(int16_t, static_cast<uint32_t>)
      case Op::kLw:
        HPVP_LOAD(uint32_t, static_cast<uint32_t>)
      case Op::kLbu:
        HPVP_LOAD(uint8_t, static_cast<uint32_t>)
      case Op::kLhu:
        HPVP_LOAD(uint16_t, static_cast<uint32_t>)
#undef HPVP_LOAD
#define HPVP_STORE(T)                                 \
  {                                                   \
    ++stores_;                                        \
    if (!store<T>(a + imm, static_cast<T>(b), now)) { \
      trap(fault_cause_, fault_tval_);                \
      continue;                                       \
    }                                                 \
    break;                                            \
  }
      case Op::kSb:
        HPVP_STORE(uint8_t)
      case Op::kSh:
        HPVP_STORE(uint16_t)
      case Op::kSw:
        HPVP_STORE(uint32_t)
#undef HPVP_STORE
      case Op::kAddi:
        x[d->rd] = a + imm;
        break;
      case Op::kSlti:
        x[d->rd] = static_cast<int32_t>(a) < d->imm;
        break;
      case Op::kSltiu:
        x[d->rd] = a < imm;
        break;
      case Op::kXori:
        x[d->rd] = a ^ imm;
        break;
      case Op::kOri:
        x[d->rd] = a | imm;
        break;
      case Op::kAndi:
        x[d->rd] = a & imm;
        break;
      case Op::kSlli:
        x[d->rd] = a << imm;
        break;
      case Op::kSrli:
        x[d->rd] = a >> imm;
        break;
      case Op::kSrai:
        x[d->rd] = static_cast<uint32_t>(static_cast<int32_t>(a) >> imm);
        break;
      case Op::kAdd:
        x[d->rd] = a + b;
        break;
      case Op::kSub:
        x[d->rd] = a - b;
        break;
      case Op::kSll:
        x[d->rd] = a << (b & 31);
        break;
      case Op::kSlt:
        x[d->rd] = static_cast<int32_t>(a) < static_cast<int32_t>(b);
        break;
      case Op::kSltu:
        x[d->rd] = a < b;
        break;
      case Op::kXor:
        x[d->rd] = a ^ b;
        break;
      case Op::kSrl:
        x[d->rd] = a >> (b & 31);
        break;
      case Op::kSra:
        x[d->rd] = static_cast<uint32_t>(static_cast<int32_t>(a) >> (b & 31));
        break;
      case Op::kOr:
        x[d->rd] = a | b;
        break;
      case Op::kAnd:
        x[d->rd] = a & b;
        break;
      case Op::kMul:
        x[d->rd] = a * b;
        break;
      case Op::kMulh:
        x[d->rd] = static_cast<uint32_t>(
            (int64_t{static_cast<int32_t>(a)} * int64_t{static_cast<int32_t>(b)}) >> 32);
        break;
      case Op::kMulhsu:
        x[d->rd] = static_cast<uint32_t>(
            static_cast<uint64_t>(int64_t{static_cast<int32_t>(a)} * int64_t{b}) >> 32);
        break;
      case Op::kMulhu:
        x[d->rd] = static_cast<uint32_t>((uint64_t{a} * uint64_t{b}) >> 32);
        break;
      case Op::kDiv: {
        const int32_t sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
        x[d->rd] = b == 0                          ? ~0u
                   : (sa == INT32_MIN && sb == -1) ? a
                                                   : static_cast<uint32_t>(sa / sb);
        break;
      }
      case Op::kDivu:
        x[d->rd] = b == 0 ? ~0u : a / b;
        break;
      case Op::kRem: {
        const int32_t sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
        x[d->rd] = b == 0 ? a : (sa == INT32_MIN && sb == -1) ? 0 : static_cast<uint32_t>(sa % sb);
        break;
      }
      case Op::kRemu:
        x[d->rd] = b == 0 ? a : a % b;
        break;
      case Op::kFence:
        break;
      case Op::kFenceI:
        flush_decoded();
        break;
      case Op::kEcall:
        trap(rv32_cause::kEcallM, 0);
        continue;
      case Op::kEbreak:
        trap(rv32_cause::kBreakpoint, pc);
        continue;
      case Op::kMret:
        next = mret();
        leave_batch_ = true;  // MIE may be set again: check pending interrupts
        break;
      case Op::kWfi:
        if ((mip_ & mie_) == 0) {
          sleeping_ = true;
          need_sync_ = true;
          leave_batch_ = true;
        }
        break;
      case Op::kCsrrw:
      case Op::kCsrrs:
      case Op::kCsrrc:
      case Op::kCsrrwi:
      case Op::kCsrrsi:
      case Op::kCsrrci:
        retired_ = retired;
        if (!exec_csr(*d, now)) {
          trap(rv32_cause::kIllegalInsn, d->raw);
          continue;
        }
        break;
      case Op::kIllegal:
      case Op::kUndecoded:
      case Op::kCount:
        trap(rv32_cause::kIllegalInsn, d->raw);
        continue;
    }
    pc = next;
    ++retired;
  }
  pc_ = pc;
  now_ps_ = now;
  retired_ = retired;
}

// ---------------------------------------------------------------- reports

void Rv32Core::trace(sc_core::sc_trace_file* tf) const {
  sc_core::sc_trace(tf, trace_pc_, std::string(name()) + ".pc");
  sc_core::sc_trace(tf, trace_instret_, std::string(name()) + ".instret");
  sc_core::sc_trace(tf, trace_sleeping_, std::string(name()) + ".wfi");
}

void Rv32Core::dump_stats(nlohmann::json& out) const {
  out["hart_id"] = cfg_.hart_id;
  out["instructions"] = retired_;
  out["cycles"] = cycles_at(now_ps_);
  out["frequency_hz"] = cfg_.frequency_hz;
  out["loads"] = loads_;
  out["stores"] = stores_;
  out["bus_transactions"] = bus_transactions_;
  out["dmi_grants"] = dmi_grants_;
  out["decoded_instructions"] = decoded_insns_;
  out["code_invalidations"] = code_invalidations_;
  out["wfi_sleep_ps"] = sleep_ps_;
  nlohmann::json exc = nlohmann::json::object(), irq = nlohmann::json::object();
  for (uint32_t c = 0; c < 16; ++c) {
    if (exceptions_[c]) exc[rv32_cause_name(c)] = exceptions_[c];
    if (interrupts_[c]) irq[rv32_cause_name(c | rv32_cause::kInterrupt)] = interrupts_[c];
  }
  out["exceptions"] = exc;
  out["interrupts"] = irq;
}

}  // namespace hpvp
