// Test finisher (QEMU virt "sifive_test" convention, see
// <hpvp/hw/test_finisher.h>): firmware ends the simulation by writing
// PASS, FAIL | code << 16 or RESET to the control register.
#pragma once

#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "common/register_bank.h"
#include "common/stats.h"

namespace hpvp {

class TestFinisher : public sc_core::sc_module, public StatsSource {
 public:
  struct Config {
    sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
  };

  tlm_utils::simple_target_socket<TestFinisher> socket;

  // Called once with the exit code, just before sc_stop().
  std::function<void(int)> on_finish;

  TestFinisher(sc_core::sc_module_name name, const Config& cfg);

  bool finished() const { return finished_; }
  // Exit code of the finishing write; -1 while not finished, so a run that
  // ended any other way (timeout, starvation) never looks like a pass.
  int exit_code() const { return exit_code_; }
  bool reset_requested() const { return reset_requested_; }
  // Simulated time of the finishing write (including the initiator's offset).
  const sc_core::sc_time& finish_time() const { return finish_time_; }

  void dump_stats(nlohmann::json& out) const override;

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& tx);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& tx, tlm::tlm_dmi& dmi);

  void on_control_write(uint64_t value);
  void finish(int code, const char* why);

  Config cfg_;
  RegisterBank bank_;
  sc_core::sc_time access_time_;

  bool finished_ = false;
  bool reset_requested_ = false;
  int exit_code_ = -1;
  sc_core::sc_time finish_time_;
  uint64_t ignored_writes_ = 0;
};

}  // namespace hpvp
