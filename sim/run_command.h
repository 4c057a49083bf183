// `vp run`: builds the platform from a config, loads the firmware, simulates
// and reports. Exit status contract (docs/vp.md):
//   firmware's exit code  when the firmware ends the run (finisher or tohost)
//   124                   --max-time reached
//   125                   the VP could not run: bad config, bad ELF, bad option
//   126                   the firmware faulted beyond recovery or hung in wfi
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <systemc>

#include "platform_config.h"
#include "workload.h"

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
  // Model workloads (firmware: model_runner.elf, docs/model-compiler.md)
  std::string model;         // HPVM image from `vp compile`
  std::string input_images;  // IDX file of raw inputs; empty: random inputs
  std::string input_labels;  // IDX labels for input_images
  uint32_t random_inputs = 1;
  uint32_t limit = 0;  // first N inputs (0 = all)
  uint64_t seed = 1;
  bool verbose_model = false;
  bool verify_model = false;  // the firmware checks the image CRC too
  bool progress = false;
  bool layer_table = false;  // print the per-layer table after the run
};

struct SimulationResult {
  int exit_code = 0;
  std::string reason;
  double host_seconds = 0;
  uint64_t instructions = 0;
  sc_core::sc_time simulated;
  WorkloadProgress progress;
  std::vector<uint16_t> predictions;  // with a workload: one per input
  nlohmann::json model;               // with a workload: per-layer stats (the "model" stats)
};
using ProgressFn = std::function<void(const WorkloadProgress&)>;

void add_run_command(CLI::App& app, RunOptions& options);
int run_vp(const RunOptions& options);

// SystemC's time resolution (1 ps); call before any sc_time exists (a
// platform config holds some). Idempotent.
void init_systemc_time();

// A positive time such as '10 us' for option `name`; throws CLI::ValidationError.
sc_core::sc_time parse_time_option(const std::string& name, const std::string& text);

// Builds the platform, loads the firmware (and the workload), simulates,
// writes --stats/--trace/--wave outputs. Once per process (SystemC
// elaborates once). `progress` (optional) is called as the firmware
// reports inputs done.
SimulationResult simulate(const RunOptions& o, const PlatformConfig& cfg,
                          const std::optional<WorkloadBlobs>& workload, const ProgressFn& progress);

}  // namespace hpvp
