#include "periph/test_finisher.h"

#include <spdlog/spdlog.h>
#include <string>

#include "periph/mmio.h"
#include <hpvp/hw/test_finisher.h>

namespace hpvp {

using sc_core::sc_time;

TestFinisher::TestFinisher(sc_core::sc_module_name name, const Config& cfg)
    : sc_module(name), socket("socket"), cfg_(cfg), bank_(std::string(this->name())) {
  bank_.add(RegDef("control", FINISHER_REG_CONTROL, 4)
                .access(RegAccess::WriteOnly)  // reads return 0
                .after_write([this](uint64_t v, uint64_t) { on_control_write(v); }));
  socket.register_b_transport(this, &TestFinisher::b_transport);
  socket.register_transport_dbg(this, &TestFinisher::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &TestFinisher::get_direct_mem_ptr);
}

void TestFinisher::on_control_write(uint64_t value) {
  // Every write is a command on its own: clear the latch so a later 16-bit
  // write (QEMU accepts those, with exit code 0) is not merged with the
  // upper half of an earlier one.
  bank_.set("control", 0);
  const uint32_t status = value & 0xffff;
  const int code = static_cast<int>((value >> 16) & 0xffff);
  switch (status) {
    case FINISHER_PASS:
      finish(0, "pass");
      return;
    case FINISHER_FAIL:
      finish(code == 0 ? 1 : code, "fail");  // a failure must not look like a pass
      return;
    case FINISHER_RESET:
      reset_requested_ = true;
      finish(0, "reset requested");
      return;
    default:
      ++ignored_writes_;
      spdlog::warn("{}: ignored write of 0x{:08x} (not PASS/FAIL/RESET)", name(), value);
  }
}

void TestFinisher::finish(int code, const char* why) {
  if (finished_) {
    // sc_stop() has been requested already; a second one only warns.
    ++ignored_writes_;
    return;
  }
  finished_ = true;
  exit_code_ = code;
  finish_time_ = access_time_;
  // The platform reports the outcome; only the unusual reset gets a note.
  if (reset_requested_)
    spdlog::info("{}: reset requested at {}, treated as exit 0", name(), finish_time_.to_string());
  else
    spdlog::debug("{}: {} (exit code {}) at {}", name(), why, code, finish_time_.to_string());
  if (on_finish) on_finish(code);
  sc_core::sc_stop();
}

void TestFinisher::b_transport(tlm::tlm_generic_payload& tx, sc_time& delay) {
  access_time_ = sc_core::sc_time_stamp() + delay;
  bank_.access(tx);
  delay += cfg_.latency;
}

unsigned TestFinisher::transport_dbg(tlm::tlm_generic_payload& tx) {
  access_time_ = sc_core::sc_time_stamp();
  bank_.access(tx, true);
  return debug_bytes(tx);
}

bool TestFinisher::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  return refuse_dmi(dmi, FINISHER_SIZE);
}

void TestFinisher::dump_stats(nlohmann::json& out) const {
  out["finished"] = finished_;
  out["exit_code"] = exit_code_;
  out["reset_requested"] = reset_requested_;
  out["ignored_writes"] = ignored_writes_;
}

}  // namespace hpvp
