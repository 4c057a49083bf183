#include "run_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <spdlog/spdlog.h>

#include "dataset.h"
#include "hpvm_runtime.h"
#include "image_runner.h"
#include "progress_bar.h"
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
  run->add_option("--model", o.model, "HPVM model image (vp compile) for the model_runner firmware")
      ->check(CLI::ExistingFile);
  run->add_option("--inputs", o.input_images,
                  "IDX file of raw inputs for --model (default: random inputs)")
      ->check(CLI::ExistingFile);
  run->add_option("--labels", o.input_labels, "IDX labels for --inputs")->check(CLI::ExistingFile);
  run->add_option("--random-inputs", o.random_inputs,
                  "Number of random inputs for --model without --inputs")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  run->add_option("--limit", o.limit, "Use only the first N inputs (0 = all)");
  run->add_option("--seed", o.seed, "Seed of the random inputs")->capture_default_str();
  run->add_flag("--model-verbose", o.verbose_model,
                "The firmware prints one line per step for the first input");
  run->add_flag("--model-verify", o.verify_model,
                "The firmware verifies the image checksum (the VP always does)");
  run->add_flag("--progress", o.progress, "Show a progress bar of the inputs done");
  run->add_flag("--layers", o.layer_table,
                "With --model: print cycles, MACs and energy per layer after the run");
}

sc_core::sc_time parse_time_option(const std::string& name, const std::string& text) {
  auto t = units::parse_time(text);
  if (!t || *t == sc_core::SC_ZERO_TIME)
    throw CLI::ValidationError(
        name, fmt::format("expected a positive time such as '10 us', got '{}'", text));
  return *t;
}

void init_systemc_time() {
  static bool done = false;
  if (done) return;
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  done = true;
}

namespace {

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

void write_stats(const std::string& path, const Soc& soc, const RunOptions& o, const RunSummary& s,
                 const nlohmann::json& model) {
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
  if (!model.is_null()) j["model"] = model;
  std::ofstream f(path);
  if (!f) throw std::runtime_error(fmt::format("{}: cannot write stats file", path));
  f << j.dump(2) << "\n";
}

}  // namespace

namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(fmt::format("{}: cannot open file", path));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// --model with its inputs, as the firmware gets them.
WorkloadBlobs workload_from_options(const RunOptions& o) {
  WorkloadBlobs b;
  b.model_path = o.model;
  b.model_image = read_file(o.model);
  check_model_image(b.model_image, o.model);
  check_model_descriptors(b.model_image, o.model);
  const compiler::ImageRunner shape(b.model_image, o.model);
  compiler::Dataset d;
  if (!o.input_images.empty()) {
    d = compiler::read_idx(o.input_images, o.input_labels);
  } else {
    const auto* h = hpvm_header(b.model_image.data());
    const auto* t = hpvm_tensor(b.model_image.data(), h->input_tensor);
    d = compiler::random_inputs(o.random_inputs, t->h, t->w, t->c, o.seed);
  }
  if (o.limit) d = d.first(o.limit);
  {
    const auto* t =
        hpvm_tensor(b.model_image.data(), hpvm_header(b.model_image.data())->input_tensor);
    compiler::check_input_shape(d, t->c, t->h, t->w,
                                o.input_images.empty() ? "random inputs" : o.input_images);
  }
  b.inputs = std::move(d.pixels);
  b.n_inputs = d.count;
  b.input_bytes = d.input_bytes();
  b.labels = std::move(d.labels);
  b.flags = (o.verbose_model ? HPVM_RUN_VERBOSE : 0u) | (o.verify_model ? HPVM_RUN_VERIFY_CRC : 0u);
  return b;
}

// Runs to the end (or max_time), calling `progress` every simulated
// millisecond when given. Chunked sc_start calls do not change the
// simulation: processes simply resume.
void run_simulation(Soc& soc, const std::optional<sc_core::sc_time>& max_time,
                    const ProgressFn& progress) {
  if (!progress) {
    if (max_time)
      sc_core::sc_start(*max_time);
    else
      sc_core::sc_start();
    return;
  }
  const sc_core::sc_time chunk(1, sc_core::SC_MS);
  while (true) {
    sc_core::sc_time step = chunk;
    if (max_time) step = std::min(step, *max_time - sc_core::sc_time_stamp());
    sc_core::sc_start(step);
    progress(soc.workload_progress());
    if (sc_core::sc_get_status() == sc_core::SC_STOPPED ||
        soc.outcome().kind != RunOutcome::Kind::kRunning || !sc_core::sc_pending_activity() ||
        (max_time && sc_core::sc_time_stamp() >= *max_time))
      break;
  }
}

// Per-layer view of a model run: the compiled layers (image metadata) joined
// with the NPUs' per-descriptor statistics.
nlohmann::json model_layer_stats(const std::vector<uint8_t>& image, uint64_t model_addr,
                                 const nlohmann::json& components) {
  const auto* h = hpvm_header(image.data());
  const nlohmann::json meta = nlohmann::json::parse(
      std::string(reinterpret_cast<const char*>(image.data()) + h->meta_offset, h->meta_bytes));
  std::map<uint64_t, nlohmann::json> by_addr;
  for (const auto& [name, c] : components.items())
    if (c.contains("per_layer"))
      for (const auto& r : c["per_layer"]) by_addr[r["descriptor"].get<uint64_t>()] = r;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : meta["layers"]) {
    const uint64_t addr = model_addr + h->descs_offset + l["desc"].get<uint64_t>() * NPU_DESC_SIZE;
    nlohmann::json e = {{"name", l["name"]}, {"op", l["op"]}, {"unit", l["unit"]}};
    auto it = by_addr.find(addr);
    if (it != by_addr.end())
      for (const char* k : {"runs", "cycles", "compute_cycles", "stall_cycles", "macs", "bytes_in",
                            "bytes_out", "energy_pj"})
        e[k] = it->second[k];
    layers.push_back(e);
  }
  return {{"name", meta["model"]},
          {"mapping", meta["mapping"]},
          {"conversions_per_input", meta["conversions"]},
          {"layers", layers}};
}

void print_layer_table(const nlohmann::json& model) {
  fmt::print("{} mapped {} ({} conversions per input):\n", model["name"].get<std::string>(),
             model["mapping"].get<std::string>(), model["conversions_per_input"].get<unsigned>());
  size_t width = 5;
  for (const auto& l : model["layers"])
    width = std::max(width, l["name"].get<std::string>().size());
  fmt::print("  {:<{}} {:<8} {:<8} {:>12} {:>12} {:>14} {:>12}\n", "layer", width, "op", "unit",
             "cycles", "stall", "MACs", "energy uJ");
  uint64_t cycles = 0, macs = 0;
  double energy = 0;
  for (const auto& l : model["layers"]) {
    const uint64_t c = l.value("cycles", uint64_t(0)), m = l.value("macs", uint64_t(0));
    const double e = l.value("energy_pj", 0.0);
    fmt::print("  {:<{}} {:<8} {:<8} {:>12} {:>12} {:>14} {:>12.3f}\n",
               l["name"].get<std::string>(), width, l["op"].get<std::string>(),
               l["unit"].get<std::string>(), c, l.value("stall_cycles", uint64_t(0)), m, e / 1e6);
    cycles += c, macs += m, energy += e;
  }
  fmt::print("  {:<{}} {:<8} {:<8} {:>12} {:>12} {:>14} {:>12.3f}\n", "total", width, "", "",
             cycles, "", macs, energy / 1e6);
}

}  // namespace

SimulationResult simulate(const RunOptions& o, const PlatformConfig& cfg,
                          const std::optional<WorkloadBlobs>& workload,
                          const ProgressFn& progress) {
  std::optional<sc_core::sc_time> max_time;
  if (!o.max_time.empty()) max_time = parse_time_option("--max-time", o.max_time);
  tlm::tlm_global_quantum::instance().set(cfg.quantum);

  const ElfImage image = read_elf(o.firmware);
  auto soc = std::make_unique<Soc>("soc", cfg);
  soc->load_firmware(image);
  if (workload) soc->load_workload(*workload);
  VcdTrace vcd(o.trace);
  if (vcd.get()) soc->trace(vcd.get());
  WaveDump wave(o.wave, *soc);

  const auto t0 = std::chrono::steady_clock::now();
  run_simulation(*soc, max_time, progress);
  const double host_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);

  wave.finish();
  RunSummary s = classify(*soc, max_time);
  s.host_seconds = host_s;
  if (s.exit_code != 0) print_last_trap(*soc);
  SimulationResult r;
  r.exit_code = s.exit_code;
  r.reason = s.reason;
  r.host_seconds = host_s;
  r.instructions = soc->instructions();
  r.simulated = soc->simulated_time();
  if (workload) {
    r.progress = soc->workload_progress();
    r.predictions = soc->workload_results();
  }
  if (workload && soc->workload_placement())
    r.model = model_layer_stats(workload->model_image, soc->workload_placement()->model_addr,
                                soc->stats());
  if (!o.stats.empty()) write_stats(o.stats, *soc, o, s, r.model);
  return r;
}

int run_vp(const RunOptions& o) {
  init_systemc_time();
  PlatformConfig cfg = load_platform_config(o.config);
  if (!o.quantum.empty()) cfg.quantum = parse_time_option("--quantum", o.quantum);
  std::optional<WorkloadBlobs> workload;
  if (!o.model.empty()) workload = workload_from_options(o);
  ProgressBar bar(o.progress && workload ? workload->n_inputs : 0);
  ProgressFn progress;
  if (o.progress && workload) progress = [&](const WorkloadProgress& p) { bar.update(p.done); };
  const SimulationResult r = simulate(o, cfg, workload, progress);
  bar.finish();
  const double mips = r.host_seconds > 0 ? r.instructions / r.host_seconds / 1e6 : 0.0;
  if (!o.quiet || r.exit_code != 0)
    fmt::print(stderr, "vp: {}; {} instructions, {} simulated, {:.3f} s host, {:.1f} MIPS\n",
               r.reason, r.instructions, units::format_time(r.simulated), r.host_seconds, mips);
  if (o.layer_table && !r.model.is_null()) print_layer_table(r.model);
  // The process status keeps 8 bits: a firmware failure code such as 256
  // must not turn into a pass.
  return r.exit_code > 255 ? 255 : r.exit_code;
}

}  // namespace hpvp
