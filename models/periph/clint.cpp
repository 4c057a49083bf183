#include "periph/clint.h"

#include <cmath>
#include <limits>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <string>

#include "periph/mmio.h"
#include <hpvp/hw/clint.h>

namespace hpvp {

using sc_core::sc_time;

namespace {

// Frequencies with up to six decimals are represented exactly.
constexpr uint64_t kFractionalDen = 1000000;

// Tick <-> time conversions multiply a 64-bit count by up to ~2^60.
using u128 = unsigned __int128;

}  // namespace

Clint::Clint(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name),
      socket("socket"),
      timer_irq("timer_irq", cfg.num_harts),
      software_irq("software_irq", cfg.num_harts),
      cfg_(cfg),
      bank_(std::string(this->name())) {
  if (cfg.num_harts == 0 || cfg.num_harts > CLINT_MAX_HARTS)
    throw std::invalid_argument(std::string(this->name()) + ": num_harts must be 1.." +
                                std::to_string(CLINT_MAX_HARTS));
  if (!(cfg.timebase_hz > 0) || !std::isfinite(cfg.timebase_hz))
    throw std::invalid_argument(std::string(this->name()) + ": timebase_hz must be > 0");

  const double f = cfg.timebase_hz;
  freq_den_ = f == std::floor(f) ? 1 : kFractionalDen;
  freq_num_ = static_cast<uint64_t>(std::llround(f * static_cast<double>(freq_den_)));
  units_per_sec_ =
      static_cast<uint64_t>(std::llround(1.0 / sc_core::sc_get_time_resolution().to_seconds()));

  mtimecmp_.assign(cfg.num_harts, ~uint64_t{0});
  timer_level_.assign(cfg.num_harts, false);
  msip_.assign(cfg.num_harts, false);
  declare_registers();

  socket.register_b_transport(this, &Clint::b_transport);
  socket.register_transport_dbg(this, &Clint::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &Clint::get_direct_mem_ptr);

  // One method per hart: each waits for "its" mtimecmp crossing or for a
  // register write that moves it, and is the only writer of its output.
  for (unsigned h = 0; h < cfg.num_harts; ++h) {
    timer_event_.push_back(std::make_unique<sc_core::sc_event>());
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.set_sensitivity(timer_event_.back().get());
    opts.dont_initialize();
    sc_core::sc_spawn([this, h] { update_timer(h); },
                      (std::string("timer_") + std::to_string(h)).c_str(), &opts);
  }
  SC_METHOD(update_software_irqs);
  sensitive << msip_event_;
  dont_initialize();
}

void Clint::declare_registers() {
  // mtime first: RegisterBank::set() looks registers up by name in
  // declaration order, and mtime is refreshed on every access.
  bank_.add(RegDef("mtime", CLINT_MTIME, 8).after_write([this](uint64_t v, uint64_t) {
    on_mtime_write(v);
  }));
  for (unsigned h = 0; h < cfg_.num_harts; ++h) {
    const std::string n = std::to_string(h);
    bank_.add(RegDef("msip" + n, CLINT_MSIP(h), 4)
                  .mask(0x1)  // only bit 0 exists
                  .after_write([this, h](uint64_t v, uint64_t) {
                    msip_[h] = v & 1;
                    msip_event_.notify(access_delay_);
                  }));
    bank_.add(RegDef("mtimecmp" + n, CLINT_MTIMECMP(h), 8)
                  .reset(~uint64_t{0})  // no timer interrupt out of reset
                  .after_write([this, h](uint64_t v, uint64_t) {
                    mtimecmp_[h] = v;
                    timer_event_[h]->notify(access_delay_);
                  }));
  }
}

void Clint::before_end_of_elaboration() {
  ties_.tie_outputs(timer_irq);
  ties_.tie_outputs(software_irq);
}

// ---------------------------------------------------------------- time base

uint64_t Clint::ticks_at(const sc_time& t) const {
  const u128 v = t.value();
  return static_cast<uint64_t>(v * freq_num_ / (u128{units_per_sec_} * freq_den_));
}

bool Clint::time_of_tick(u128 tick, sc_time& t) const {
  const u128 scaled = tick * units_per_sec_ * freq_den_;
  const u128 units = (scaled + freq_num_ - 1) / freq_num_;  // ceil
  if (units > std::numeric_limits<sc_time::value_type>::max()) return false;
  t = sc_time::from_value(static_cast<sc_time::value_type>(units));
  return true;
}

uint64_t Clint::mtime_at(const sc_time& t) const { return ticks_at(t) + mtime_offset_; }

void Clint::on_mtime_write(uint64_t value) {
  // Writing mtime does not restart the timebase clock: the counter keeps its
  // phase and continues from the written value at the next tick.
  mtime_offset_ = value - ticks_at(access_time_);
  ++mtime_writes_;
  reevaluate_timers();
}

void Clint::reevaluate_timers() {
  for (auto& ev : timer_event_) ev->notify(access_delay_);
}

void Clint::update_timer(unsigned hart) {
  const sc_time now = sc_core::sc_time_stamp();
  const uint64_t mtime = mtime_at(now);
  const uint64_t cmp = mtimecmp_[hart];
  const bool level = mtime >= cmp;
  if (level && !timer_level_[hart]) ++timer_irqs_raised_;
  timer_level_[hart] = level;
  timer_irq[hart].write(level);
  if (level) return;  // stays high until a write moves mtimecmp or mtime
  // Wake up exactly at the first instant mtime reaches mtimecmp, or earlier
  // if a register write re-notifies the event.
  sc_time at;
  const u128 target = u128{ticks_at(now)} + (cmp - mtime);
  if (!time_of_tick(target, at)) return;  // beyond the end of time: never
  // time_of_tick() rounds up, so `at` is in the future; the fallback only
  // keeps a rounding slip from becoming a zero-time wake-up loop.
  const sc_time sleep = at > now ? at - now : sc_core::sc_get_time_resolution();
  sc_core::next_trigger(sleep, *timer_event_[hart]);
}

void Clint::update_software_irqs() {
  for (unsigned h = 0; h < cfg_.num_harts; ++h) {
    if (msip_[h] && !software_irq[h].read()) ++software_irqs_raised_;
    software_irq[h].write(msip_[h]);
  }
}

// --------------------------------------------------------------- transport

void Clint::serve(tlm::tlm_generic_payload& tx, const sc_time& delay, bool debug) {
  access_delay_ = delay;
  access_time_ = sc_core::sc_time_stamp() + delay;
  // mtime's stored value is refreshed before every access, so reads see the
  // current count and 32-bit half writes merge with the current other half.
  bank_.set("mtime", mtime_at(access_time_));
  bank_.access(tx, debug);
  if (!tx.is_response_ok())
    spdlog::debug("{}: {} at +0x{:x} failed", name(), tx.is_read() ? "read" : "write",
                  tx.get_address());
}

void Clint::b_transport(tlm::tlm_generic_payload& tx, sc_time& delay) {
  serve(tx, delay, false);
  delay += cfg_.latency;
}

unsigned Clint::transport_dbg(tlm::tlm_generic_payload& tx) {
  serve(tx, sc_core::SC_ZERO_TIME, true);
  return debug_bytes(tx);
}

bool Clint::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  return refuse_dmi(dmi, CLINT_SIZE);
}

void Clint::dump_stats(nlohmann::json& out) const {
  out["timer_irqs_raised"] = timer_irqs_raised_;
  out["software_irqs_raised"] = software_irqs_raised_;
  out["mtime_writes"] = mtime_writes_;
}

}  // namespace hpvp
