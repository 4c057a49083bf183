#include "periph/plic.h"

#include <spdlog/spdlog.h>
#include <stdexcept>
#include <string>

#include "periph/mmio.h"
#include <hpvp/hw/plic.h>

namespace hpvp {

using sc_core::sc_time;

namespace {

// Contexts the layout has room for: enables stop where thresholds begin.
constexpr unsigned kMaxContexts = (0x200000u - 0x2000u) / 0x80u;

}  // namespace

Plic::Plic(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name),
      socket("socket"),
      irq_in("irq_in", cfg.num_sources + 1),
      context_irq("context_irq", cfg.num_contexts),
      cfg_(cfg),
      bank_(std::string(this->name())) {
  const std::string me = this->name();
  if (cfg.num_sources == 0 || cfg.num_sources >= PLIC_MAX_SOURCES)
    throw std::invalid_argument(me + ": num_sources must be 1.." +
                                std::to_string(PLIC_MAX_SOURCES - 1));
  if (cfg.num_contexts == 0 || cfg.num_contexts > kMaxContexts)
    throw std::invalid_argument(me + ": num_contexts must be 1.." + std::to_string(kMaxContexts));
  if (cfg.priority_bits == 0 || cfg.priority_bits > 32)
    throw std::invalid_argument(me + ": priority_bits must be 1..32");

  words_ = (cfg.num_sources + 1 + 31) / 32;
  priority_mask_ = cfg.priority_bits == 32 ? ~uint32_t{0} : (uint32_t{1} << cfg.priority_bits) - 1;
  const unsigned n = cfg.num_sources + 1;
  priority_.assign(n, 0);
  level_.assign(n, false);
  pending_.assign(n, false);
  in_flight_.assign(n, false);
  claims_.assign(n, 0);
  enable_.assign(cfg.num_contexts, std::vector<uint32_t>(words_, 0));
  threshold_.assign(cfg.num_contexts, 0);
  declare_registers();

  socket.register_b_transport(this, &Plic::b_transport);
  socket.register_transport_dbg(this, &Plic::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &Plic::get_direct_mem_ptr);

  SC_METHOD(sample_inputs);
  for (unsigned s = 1; s <= cfg.num_sources; ++s) sensitive << irq_in[s];
  dont_initialize();  // inputs start low, like every gateway
  SC_METHOD(drive_outputs);
  sensitive << outputs_event_;
}

void Plic::declare_registers() {
  // Source 0 does not exist; its priority word reads 0 so that firmware
  // loops indexing PLIC_PRIORITY(id) from 0 do not fault.
  bank_.add(RegDef("priority0", PLIC_PRIORITY(0), 4).access(RegAccess::ReadOnly));
  for (unsigned s = 1; s <= cfg_.num_sources; ++s)
    bank_.add(RegDef("priority" + std::to_string(s), PLIC_PRIORITY(s), 4)
                  .mask(priority_mask_)
                  .after_write([this, s](uint64_t v, uint64_t) {
                    priority_[s] = static_cast<uint32_t>(v);
                    outputs_changed();
                  }));
  for (unsigned w = 0; w < words_; ++w)
    bank_.add(RegDef("pending" + std::to_string(w), PLIC_PENDING(w), 4)
                  .access(RegAccess::ReadOnly)  // set by gateways, cleared by claims
                  .reads([this, w](uint64_t) { return pending_word(w); }));
  for (unsigned c = 0; c < cfg_.num_contexts; ++c) declare_context_registers(c);
}

void Plic::declare_context_registers(unsigned ctx) {
  const std::string c = std::to_string(ctx);
  for (unsigned w = 0; w < words_; ++w) {
    // Only bits of existing sources are writable (source 0 never is).
    uint32_t valid = 0;
    for (unsigned b = 0; b < 32; ++b) {
      const unsigned s = 32 * w + b;
      if (s >= 1 && s <= cfg_.num_sources) valid |= uint32_t{1} << b;
    }
    bank_.add(RegDef("enable" + c + "_" + std::to_string(w), PLIC_ENABLE(ctx, w), 4)
                  .mask(valid)
                  .after_write([this, ctx, w](uint64_t v, uint64_t) {
                    enable_[ctx][w] = static_cast<uint32_t>(v);
                    outputs_changed();
                  }));
  }
  bank_.add(RegDef("threshold" + c, PLIC_THRESHOLD(ctx), 4)
                .mask(priority_mask_)
                .after_write([this, ctx](uint64_t v, uint64_t) {
                  threshold_[ctx] = static_cast<uint32_t>(v);
                  outputs_changed();
                }));
  bank_.add(RegDef("claim" + c, PLIC_CLAIM(ctx), 4)
                .reads([this, ctx](uint64_t) { return best_source(ctx); })
                .after_read([this, ctx] { claim(ctx); })
                .after_write([this, ctx](uint64_t v, uint64_t) { complete(ctx, v); }));
}

void Plic::before_end_of_elaboration() {
  ties_.tie_inputs(irq_in);
  ties_.tie_outputs(context_irq);
}

// ------------------------------------------------------------------ gateways

void Plic::sample_inputs() {
  for (unsigned s = 1; s <= cfg_.num_sources; ++s) {
    level_[s] = irq_in[s].read();
    gateway(s);
  }
  outputs_event_.notify(sc_core::SC_ZERO_TIME);
}

// A level-triggered gateway forwards one request while the line is high and
// then stays closed until the handler's completion re-arms it.
void Plic::gateway(unsigned source) {
  if (!level_[source] || in_flight_[source]) return;
  pending_[source] = true;
  in_flight_[source] = true;
}

// ---------------------------------------------------------------------- core

bool Plic::enabled(unsigned ctx, unsigned source) const {
  return (enable_[ctx][source / 32] >> (source % 32)) & 1;
}

uint32_t Plic::pending_word(unsigned word) const {
  uint32_t bits = 0;
  for (unsigned b = 0; b < 32; ++b) {
    const unsigned s = 32 * word + b;
    if (s <= cfg_.num_sources && pending_[s]) bits |= uint32_t{1} << b;
  }
  return bits;
}

// Highest priority above the threshold wins; ties go to the lowest id.
unsigned Plic::best_source(unsigned ctx) const {
  unsigned best = 0;
  uint32_t best_priority = threshold_[ctx];
  for (unsigned s = 1; s <= cfg_.num_sources; ++s) {
    if (pending_[s] && priority_[s] > best_priority && enabled(ctx, s)) {
      best = s;
      best_priority = priority_[s];
    }
  }
  return best;
}

void Plic::claim(unsigned ctx) {
  const unsigned s = best_source(ctx);
  if (s == 0) {
    ++empty_claims_;
    return;
  }
  pending_[s] = false;
  ++claims_[s];
  spdlog::debug("{}: context {} claimed source {}", name(), ctx, s);
  outputs_changed();
}

// The spec ignores completions for sources not enabled on the context; the
// ID is not checked against the last claim.
void Plic::complete(unsigned ctx, uint64_t id) {
  if (id == 0 || id > cfg_.num_sources || !enabled(ctx, static_cast<unsigned>(id))) {
    ++ignored_completes_;
    return;
  }
  const auto s = static_cast<unsigned>(id);
  ++completes_;
  in_flight_[s] = false;
  gateway(s);  // a level still high becomes pending again
  outputs_changed();
}

void Plic::outputs_changed() { outputs_event_.notify(access_delay_); }

void Plic::drive_outputs() {
  for (unsigned c = 0; c < cfg_.num_contexts; ++c) context_irq[c].write(best_source(c) != 0);
}

// ----------------------------------------------------------------- transport

void Plic::serve(tlm::tlm_generic_payload& tx, const sc_time& delay, bool debug) {
  access_delay_ = delay;
  bank_.access(tx, debug);
  if (!tx.is_response_ok())
    spdlog::debug("{}: {} at +0x{:x} failed", name(), tx.is_read() ? "read" : "write",
                  tx.get_address());
}

void Plic::b_transport(tlm::tlm_generic_payload& tx, sc_time& delay) {
  serve(tx, delay, false);
  delay += cfg_.latency;
}

unsigned Plic::transport_dbg(tlm::tlm_generic_payload& tx) {
  serve(tx, sc_core::SC_ZERO_TIME, true);
  return debug_bytes(tx);
}

bool Plic::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  return refuse_dmi(dmi, PLIC_SIZE);
}

void Plic::dump_stats(nlohmann::json& out) const {
  nlohmann::json per_source = nlohmann::json::object();
  uint64_t total = 0;
  for (unsigned s = 1; s <= cfg_.num_sources; ++s) {
    total += claims_[s];
    if (claims_[s] != 0) per_source[std::to_string(s)] = claims_[s];
  }
  out["claims"] = total;
  out["claims_per_source"] = per_source;
  out["empty_claims"] = empty_claims_;
  out["completes"] = completes_;
  out["ignored_completes"] = ignored_completes_;
}

}  // namespace hpvp
