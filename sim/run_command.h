// `vp run`: builds the platform from a config, loads the firmware, simulates
// and reports. Exit status contract (docs/vp.md):
//   firmware's exit code  when the firmware ends the run (finisher or tohost)
//   124                   --max-time reached
//   125                   the VP could not run: bad config, bad ELF, bad option
//   126                   the firmware faulted beyond recovery or hung in wfi
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <systemc>

namespace hpvp {

constexpr int kExitTimeout = 124;
constexpr int kExitVpError = 125;
constexpr int kExitFirmwareFault = 126;

struct RunOptions {
  std::string config;
  std::string firmware;
  std::string quantum;   // empty: from the config
  std::string max_time;  // empty: unlimited
  std::string trace;     // VCD file
  std::string wave;      // VCD or FST: SystemC signals + RTL internals
  std::string stats;     // JSON file
  bool host_stats = false;
  bool quiet = false;
};

void add_run_command(CLI::App& app, RunOptions& options);
int run_vp(const RunOptions& options);

}  // namespace hpvp
