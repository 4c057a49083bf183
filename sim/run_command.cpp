#include "run_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <spdlog/spdlog.h>

#include "soc.h"
#include "units.h"
#include "vcd_merge.h"

namespace hpvp {

void add_run_command(CLI::App& app, RunOptions& o) {
  CLI::App* run = app.add_subcommand("run", "Simulate a platform running a firmware ELF");
  run->fallthrough();  // global options such as --log-level may follow `run`
  run->add_option("--config,-c", o.config, "Platform YAML file (configs/*.yaml)")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--firmware,-f", o.firmware, "RISC-V ELF executable to run")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--quantum", o.quantum, "Global quantum, e.g. '10 us' (default: config)");
  run->add_option("--max-time", o.max_time, "Stop with exit 124 after this simulated time");
  run->add_option("--trace", o.trace, "Write a VCD trace of bus and core activity");
  run->add_option("--wave", o.wave,
                  "Write one waveform (.vcd or .fst) with the SystemC signals and the RTL "
                  "internals of every compute: rtl NPU on one time axis");
  run->add_option("--stats", o.stats, "Write per-model statistics as JSON");
  run->add_flag("--host-stats", o.host_stats,
                "Add host time and MIPS to the stats (makes them run-dependent)");
  run->add_flag("--quiet,-q", o.quiet, "Do not print the end-of-run summary");
}

namespace {

sc_core::sc_time parse_time_option(const std::string& name, const std::string& text) {
  auto t = units::parse_time(text);
  if (!t || *t == sc_core::SC_ZERO_TIME)
    throw CLI::ValidationError(
        name, fmt::format("expected a positive time such as '10 us', got '{}'", text));
  return *t;
}

class VcdTrace {
 public:
  explicit VcdTrace(const std::string& path) {
    if (path.empty()) return;
    std::string base = path;
    if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd") base.resize(base.size() - 4);
    file_ = sc_core::sc_create_vcd_trace_file(base.c_str());
    file_->set_time_unit(1, sc_core::SC_PS);
  }
  ~VcdTrace() {
    if (file_) sc_core::sc_close_vcd_trace_file(file_);
  }
  sc_core::sc_trace_file* get() const { return file_; }

 private:
  sc_core::sc_trace_file* file_ = nullptr;
};

// --wave: a SystemC VCD of the platform signals plus one VCD per RTL NPU,
// merged at the end into one file (converted to FST with GTKWave's vcd2fst
// when the name ends in .fst).
class WaveDump {
 public:
  WaveDump(const std::string& path, Soc& soc) : path_(path), soc_(soc) {
    if (path.empty()) return;
    fst_ = path.size() > 4 && path.substr(path.size() - 4) == ".fst";
    if (!fst_ && !(path.size() > 4 && path.substr(path.size() - 4) == ".vcd"))
      throw CLI::ValidationError("--wave",
                                 fmt::format("'{}': expected a .vcd or .fst file name", path));
    const std::string base = path + ".systemc";
    sc_file_ = sc_core::sc_create_vcd_trace_file(base.c_str());
    sc_file_->set_time_unit(1, sc_core::SC_PS);
    soc.trace(sc_file_);
    parts_.push_back(VcdInput{base + ".vcd", ""});
    for (npu::Npu* n : soc.npus()) {
      const std::string rtl = path + "." + n->basename() + ".rtl.vcd";
      if (n->open_rtl_wave(rtl))
        parts_.push_back(VcdInput{rtl, std::string(n->basename()) + "_rtl"});
    }
  }
  ~WaveDump() {
    for (const auto& p : parts_) std::remove(p.path.c_str());
  }
  void finish() {
    if (path_.empty()) return;
    sc_core::sc_close_vcd_trace_file(sc_file_);
    for (npu::Npu* n : soc_.npus()) n->close_rtl_wave();
    const std::string vcd = fst_ ? path_ + ".merged.vcd" : path_;
    merge_vcd(parts_, vcd);
    if (fst_) {
      const std::string cmd = fmt::format("vcd2fst '{}' '{}' > /dev/null 2>&1", vcd, path_);
      const int rc = std::system(cmd.c_str());
      std::remove(vcd.c_str());
      if (rc != 0)
        throw std::runtime_error(
            fmt::format("{}: vcd2fst (GTKWave) failed to write the FST", path_));
    }
  }

 private:
  std::string path_;
  Soc& soc_;
  bool fst_ = false;
  sc_core::sc_trace_file* sc_file_ = nullptr;
  std::vector<VcdInput> parts_;
};

struct RunSummary {
  int exit_code;
  std::string reason;
  double host_seconds;
};

RunSummary classify(const Soc& soc, const std::optional<sc_core::sc_time>& max_time) {
  const RunOutcome& out = soc.outcome();
  if (out.kind != RunOutcome::Kind::kRunning) return {out.exit_code, out.reason, 0};
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (max_time && now >= *max_time)
    return {kExitTimeout,
            fmt::format("timeout: --max-time {} reached before the firmware finished",
                        units::format_time(*max_time)),
            0};
  bool all_sleeping = true;
  for (const auto& c : soc.cores()) all_sleeping &= c->sleeping();
  if (all_sleeping)
    return {kExitFirmwareFault,
            fmt::format("firmware hang: every hart waits in wfi and no interrupt can occur "
                        "(time {})",
                        units::format_time(now)),
            0};
  return {kExitFirmwareFault, "simulation ended without the firmware finishing", 0};
}

void print_last_trap(const Soc& soc) {
  for (const auto& c : soc.cores()) {
    const auto& t = c->last_trap();
    if (!t) continue;
    spdlog::info("{}: last trap: {} (mcause=0x{:x}) at pc=0x{:08x}, mtval=0x{:08x}, time {}",
                 c->name(), rv32_cause_name(t->cause), t->cause, t->pc, t->tval,
                 units::format_time(t->time));
  }
}

void write_stats(const std::string& path, const Soc& soc, const RunOptions& o,
                 const RunSummary& s) {
  nlohmann::json j;
  j["vp"] = {
      {"config", o.config},
      {"firmware", o.firmware},
      {"platform", soc.config().name},
      {"quantum_ps", static_cast<uint64_t>(tlm::tlm_global_quantum::instance().get().value())},
      {"simulated_time_ps", static_cast<uint64_t>(soc.simulated_time().value())},
      {"instructions", soc.instructions()},
      {"exit_code", s.exit_code},
      {"reason", s.reason}};
  if (o.host_stats) {
    j["host"] = {{"seconds", s.host_seconds},
                 {"mips", s.host_seconds > 0 ? soc.instructions() / s.host_seconds / 1e6 : 0.0}};
  }
  j["components"] = soc.stats();
  std::ofstream f(path);
  if (!f) throw std::runtime_error(fmt::format("{}: cannot write stats file", path));
  f << j.dump(2) << "\n";
}

}  // namespace

int run_vp(const RunOptions& o) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  PlatformConfig cfg = load_platform_config(o.config);
  if (!o.quantum.empty()) cfg.quantum = parse_time_option("--quantum", o.quantum);
  std::optional<sc_core::sc_time> max_time;
  if (!o.max_time.empty()) max_time = parse_time_option("--max-time", o.max_time);
  tlm::tlm_global_quantum::instance().set(cfg.quantum);

  const ElfImage image = read_elf(o.firmware);
  auto soc = std::make_unique<Soc>("soc", cfg);
  soc->load_firmware(image);
  VcdTrace vcd(o.trace);
  if (vcd.get()) soc->trace(vcd.get());
  WaveDump wave(o.wave, *soc);

  const auto t0 = std::chrono::steady_clock::now();
  if (max_time)
    sc_core::sc_start(*max_time);
  else
    sc_core::sc_start();
  const double host_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);

  wave.finish();
  RunSummary s = classify(*soc, max_time);
  s.host_seconds = host_s;
  if (s.exit_code != 0) print_last_trap(*soc);
  if (!o.stats.empty()) write_stats(o.stats, *soc, o, s);
  const double mips = host_s > 0 ? soc->instructions() / host_s / 1e6 : 0.0;
  if (!o.quiet || s.exit_code != 0)
    fmt::print(stderr, "vp: {}; {} instructions, {} simulated, {:.3f} s host, {:.1f} MIPS\n",
               s.reason, soc->instructions(), units::format_time(soc->simulated_time()), host_s,
               mips);
  // The process status keeps 8 bits: a firmware failure code such as 256
  // must not turn into a pass.
  return s.exit_code > 255 ? 255 : s.exit_code;
}

}  // namespace hpvp
