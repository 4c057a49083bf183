#include "model_commands.h"

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "compile_error.h"
#include "dataset.h"
#include "float_eval.h"
#include "image_runner.h"
#include "progress_bar.h"
#include "run_command.h"
#include "units.h"
#include "workload_spec.h"
#include "yaml_map.h"
#include <hpvp/hw/npu.h>

namespace hpvp {

using compiler::CompileError;

// ---------------------------------------------------------------- mapping

compiler::Mapping parse_mapping(const std::string& spec) {
  compiler::Mapping m;
  size_t at = 0;
  while (at <= spec.size()) {
    const size_t comma = std::min(spec.find(',', at), spec.size());
    const std::string item = spec.substr(at, comma - at);
    at = comma + 1;
    if (item.empty()) throw CompileError(fmt::format("--map '{}': empty entry", spec));
    const size_t eq = item.find('=');
    if (eq == std::string::npos || item.substr(0, eq) == "default") {
      if (!m.default_unit.empty())
        throw CompileError(fmt::format("--map '{}': more than one default unit", spec));
      m.default_unit = eq == std::string::npos ? item : item.substr(eq + 1);
    } else {
      m.per_layer[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }
  return m;
}

compiler::Mapping load_mapping_file(const std::string& file) {
  YamlMap root = YamlMap::load_file(file);
  compiler::Mapping m;
  m.default_unit = root.string("default", "");
  root.skip("layers");  // read below; listed among the valid keys in errors
  if (root.has("layers")) {
    const YAML::Node layers = root.node("layers");
    if (!layers.IsMap()) root.fail("layers", "expected a mapping of layer name -> unit");
    for (const auto& kv : layers) {
      const auto key = kv.first.as<std::string>();
      if (!kv.second.IsScalar())
        root.fail("layers", fmt::format("'{}': expected a unit name", key));
      m.per_layer[key] = kv.second.as<std::string>();
    }
  }
  root.finish();
  if (m.default_unit.empty() && m.per_layer.empty())
    root.fail("default", "a mapping needs a default unit or per-layer units");
  return m;
}

std::vector<compiler::TargetUnit> target_units(const PlatformConfig& cfg) {
  std::vector<compiler::TargetUnit> out;
  for (const NpuConfig& n : cfg.npus) {
    compiler::TargetUnit u;
    u.name = n.name;
    u.slot = NPU_MAX_SLOTS;
    for (unsigned i = 0; i < NPU_MAX_SLOTS; ++i)
      if (n.base == NPU_SLOT_BASE(i)) u.slot = i;
    if (u.slot == NPU_MAX_SLOTS)
      throw CompileError(
          fmt::format("{}: npu '{}' at 0x{:x} is not at an NPU slot address "
                      "(NPU_SLOT_BASE(0..{}) = 0x{:x} + 0x1000 * i), so the "
                      "model_runner firmware cannot find it",
                      n.location, n.name, n.base, NPU_MAX_SLOTS - 1, NPU_SLOT_BASE(0)));
    u.config = n.npu;
    out.push_back(u);
  }
  return out;
}

namespace {

// ---------------------------------------------------------------- compiling

struct Prepared {
  compiler::WorkloadSpec spec;
  compiler::Graph graph;
  std::vector<std::vector<uint8_t>> calibration;
  std::shared_ptr<const compiler::ActivationStats> stats;  // of `calibration`, for every mapping
};

Prepared prepare(const std::string& workload, const std::string& model, uint32_t calibration) {
  if (workload.empty() == model.empty())
    throw CompileError("give exactly one of --workload (YAML) and --model (ONNX or SCALE-Sim CSV)");
  Prepared p;
  p.spec = workload.empty() ? compiler::default_workload_spec(model)
                            : compiler::load_workload_spec(workload);
  if (calibration) p.spec.calibration_count = calibration;
  p.graph = compiler::load_model(p.spec);
  p.calibration = compiler::calibration_inputs(p.spec, p.graph.shape(p.graph.input));
  p.stats = std::make_shared<const compiler::ActivationStats>(
      compiler::activation_stats(p.graph, p.spec.input, p.calibration));
  return p;
}

compiler::CompiledModel compile_one(const Prepared& p, const PlatformConfig& cfg,
                                    const compiler::Mapping& mapping) {
  compiler::CompileOptions o;
  o.mapping = mapping;
  o.input = p.spec.input;
  o.calibration = p.calibration;
  o.activation_stats = p.stats;
  o.calibration_method = p.spec.calibration_method;
  o.model_name = p.graph.name;
  o.source = p.spec.model;
  o.platform = cfg.name;
  return compiler::compile_model(p.graph, target_units(cfg), o);
}

std::vector<compiler::Mapping> mappings_of(const std::vector<std::string>& maps,
                                           const std::vector<std::string>& files) {
  std::vector<compiler::Mapping> out;
  for (const auto& m : maps) out.push_back(parse_mapping(m));
  for (const auto& f : files) out.push_back(load_mapping_file(f));
  if (out.empty()) throw CompileError("no mapping: give --map UNIT (or --map-file FILE)");
  return out;
}

void print_layers(const compiler::CompiledModel& m) {
  size_t width = 5;
  for (const auto& l : m.layers) width = std::max(width, l.name.size());
  fmt::print("  {:<{}} {:<8} {:<10} {:>14}\n", "layer", width, "op", "unit", "MACs");
  for (const auto& l : m.layers)
    fmt::print("  {:<{}} {:<8} {:<10} {:>14}\n", l.name, width, l.op, l.unit, l.macs);
}

}  // namespace

void add_compile_command(CLI::App& app, CompileCommandOptions& o) {
  CLI::App* c = app.add_subcommand("compile", "Compile an ONNX / SCALE-Sim model for a platform");
  c->fallthrough();
  c->add_option("--config,-c", o.config, "Platform YAML file")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--workload,-w", o.workload, "Workload YAML (configs/workloads/)")
      ->check(CLI::ExistingFile);
  c->add_option("--model,-m", o.model, "ONNX model or SCALE-Sim topology CSV")
      ->check(CLI::ExistingFile);
  c->add_option("--map", o.maps, "Layer -> unit mapping: UNIT or UNIT,LAYER=UNIT,...");
  c->add_option("--map-file", o.map_file, "Mapping YAML (default: UNIT, layers: {LAYER: UNIT})")
      ->check(CLI::ExistingFile);
  c->add_option("--output,-o", o.output, "HPVM model image to write")->required();
  c->add_option("--calibration", o.calibration, "Calibration inputs (default: the workload's)");
  c->add_flag("--layers", o.list_layers, "List the layers with their units");
}

int run_compile(const CompileCommandOptions& o) {
  init_systemc_time();
  const PlatformConfig cfg = load_platform_config(o.config);
  const Prepared p = prepare(o.workload, o.model, o.calibration);
  const std::vector<compiler::Mapping> maps =
      mappings_of(o.maps, o.map_file.empty() ? std::vector<std::string>{}
                                             : std::vector<std::string>{o.map_file});
  if (maps.size() != 1) throw CompileError("vp compile takes one mapping");
  const compiler::CompiledModel m = compile_one(p, cfg, maps[0]);
  std::ofstream f(o.output, std::ios::binary);
  if (!f.write(reinterpret_cast<const char*>(m.image.data()), std::streamsize(m.image.size())))
    throw CompileError(fmt::format("{}: cannot write the model image", o.output));
  const auto* h = reinterpret_cast<const hpvm_header_t*>(m.image.data());
  fmt::print(
      "{}: {} ({} layers, {} MACs, {} parameters) for {} mapped {}: {} NPU layers, {} "
      "conversions per input, image {} bytes + arena {} bytes, crc32 0x{:08x}\n",
      o.output, p.graph.name, p.graph.nodes.size(), p.graph.macs(), p.graph.parameters(), cfg.name,
      maps[0].describe(), m.layers.size(), m.conversions, m.image.size(), h->arena_bytes,
      h->checksum);
  if (o.list_layers) print_layers(m);
  return 0;
}

// ---------------------------------------------------------------- eval

namespace {

struct EvalJob {
  compiler::Mapping mapping;
  std::string label;      // mapping text
  std::string precision;  // of the default unit
  compiler::CompiledModel model;
  std::vector<uint16_t> reference;  // host predictions
  SimulationResult vp;
  bool vp_done = false;
  std::string stats_name;    // file in --stats-dir
  std::string child_status;  // how the simulation process ended, if abnormally
  pid_t pid = -1;
  int fd = -1;
};

std::string precision_of(const PlatformConfig& cfg, const compiler::Mapping& m) {
  std::set<std::string> precisions;
  for (const NpuConfig& n : cfg.npus) {
    bool used = n.name == m.default_unit;
    for (const auto& [layer, unit] : m.per_layer) used |= unit == n.name;
    if (used) precisions.insert(npu::to_string(n.npu.precision));
  }
  return fmt::format("{}", fmt::join(precisions, "+"));
}

std::string default_firmware() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return (exe.parent_path().parent_path() / "sw" / "model_runner.elf").string();
}

// ---- child <-> parent messages: 'P' done:u32 | 'R' result
template <typename T>
void put(std::string& buf, const T& v) {
  buf.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void write_all(int fd, const std::string& buf) {
  size_t at = 0;
  while (at < buf.size()) {
    const ssize_t n = ::write(fd, buf.data() + at, buf.size() - at);
    if (n <= 0) return;
    at += size_t(n);
  }
}

[[noreturn]] void run_child(const EvalOptions& eo, const PlatformConfig& cfg, const EvalJob& job,
                            const compiler::Dataset& data, const std::string& firmware, int fd) {
  int code = 0;
  // The firmware's console would interleave with the progress bar and the
  // other jobs: the child's stdout (the UART) goes to /dev/null.
  const int devnull = ::open("/dev/null", O_WRONLY);
  if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);
  try {
    RunOptions o;
    o.config = eo.config;
    o.firmware = firmware;
    o.quiet = true;
    if (!eo.stats_dir.empty())
      o.stats = (std::filesystem::path(eo.stats_dir) / job.stats_name).string();
    WorkloadBlobs b;
    b.model_path = job.label;
    b.model_image = job.model.image;
    b.inputs = data.pixels;
    b.n_inputs = data.count;
    b.input_bytes = data.input_bytes();
    b.labels = data.labels;
    const SimulationResult r = simulate(o, cfg, b, [&](const WorkloadProgress& p) {
      std::string msg(1, 'P');
      put(msg, p.done);
      write_all(fd, msg);
    });
    std::string msg(1, 'R');
    put(msg, int32_t(r.exit_code));
    put(msg, r.host_seconds);
    put(msg, r.instructions);
    put(msg, uint64_t(r.simulated.value()));
    put(msg, uint32_t(r.predictions.size()));
    msg.append(reinterpret_cast<const char*>(r.predictions.data()), r.predictions.size() * 2);
    put(msg, uint32_t(r.reason.size()));
    msg += r.reason;
    write_all(fd, msg);
  } catch (const std::exception& e) {
    fmt::print(stderr, "vp eval [{}]: error: {}\n", job.label, e.what());
    code = kExitVpError;
  }
  ::close(fd);
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}

// Parses complete messages from a child's buffer; returns bytes consumed.
size_t parse_messages(const std::string& buf, EvalJob& job, ProgressBar& bar, size_t index) {
  size_t at = 0;
  auto need = [&](size_t n) { return at + n <= buf.size(); };
  while (at < buf.size()) {
    const size_t start = at;
    if (buf[at] == 'P') {
      if (!need(5)) return start;
      uint32_t done;
      std::memcpy(&done, &buf[at + 1], 4);
      bar.update(index, done);
      at += 5;
      continue;
    }
    size_t p = at + 1;
    auto get = [&](void* dst, size_t n) {
      if (p + n > buf.size()) return false;
      std::memcpy(dst, &buf[p], n);
      p += n;
      return true;
    };
    int32_t code;
    uint64_t instructions, sim_ps;
    uint32_t n, reason_len;
    double host;
    if (!get(&code, 4) || !get(&host, 8) || !get(&instructions, 8) || !get(&sim_ps, 8) ||
        !get(&n, 4))
      return start;
    std::vector<uint16_t> pred(n);
    if (!get(pred.data(), size_t(n) * 2) || !get(&reason_len, 4)) return start;
    std::string reason(reason_len, ' ');
    if (!get(reason.data(), reason_len)) return start;
    job.vp.exit_code = code;
    job.vp.host_seconds = host;
    job.vp.instructions = instructions;
    job.vp.simulated = sc_core::sc_time::from_value(sim_ps);
    job.vp.predictions = std::move(pred);
    job.vp.reason = reason;
    job.vp_done = true;
    at = p;
  }
  return at;
}

void collect_children(std::vector<EvalJob>& jobs, ProgressBar& bar) {
  std::vector<std::string> bufs(jobs.size());
  size_t open = 0;
  for (const auto& j : jobs) open += j.fd >= 0;
  while (open > 0) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < jobs.size(); ++i)
      if (jobs[i].fd >= 0) {
        fds.push_back({jobs[i].fd, POLLIN, 0});
        which.push_back(i);
      }
    if (::poll(fds.data(), fds.size(), 200) < 0) {
      if (errno == EINTR) continue;
      throw CompileError(fmt::format("poll() failed: {}", std::strerror(errno)));
    }
    for (size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      EvalJob& job = jobs[which[k]];
      char tmp[1 << 16];
      const ssize_t n = ::read(job.fd, tmp, sizeof tmp);
      if (n > 0) {
        std::string& b = bufs[which[k]];
        b.append(tmp, size_t(n));
        b.erase(0, parse_messages(b, job, bar, which[k]));
        continue;
      }
      ::close(job.fd);
      job.fd = -1;
      --open;
      int status = 0;
      ::waitpid(job.pid, &status, 0);
      job.pid = -1;
      if (WIFSIGNALED(status))
        job.child_status =
            fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
      else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        job.child_status = fmt::format("exit status {}", WEXITSTATUS(status));
    }
  }
}

// Forks up to --jobs simulations at a time and collects their results.
void run_children(const EvalOptions& o, const PlatformConfig& cfg, const compiler::Dataset& data,
                  const std::string& firmware, std::vector<EvalJob>& jobs, ProgressBar& bar) {
  for (size_t first = 0; first < jobs.size(); first += o.jobs) {
    const size_t last = std::min(jobs.size(), first + o.jobs);
    for (size_t i = first; i < last; ++i) {
      int pipefd[2];
      if (::pipe(pipefd) != 0)
        throw CompileError(fmt::format("pipe() failed: {}", std::strerror(errno)));
      std::fflush(stdout);
      std::fflush(stderr);
      const pid_t pid = ::fork();
      if (pid < 0) {
        ::close(pipefd[0]);
        ::close(pipefd[1]);
        throw CompileError(fmt::format("fork() failed: {}", std::strerror(errno)));
      }
      if (pid == 0) {
        ::close(pipefd[0]);
        run_child(o, cfg, jobs[i], data, firmware, pipefd[1]);
      }
      ::close(pipefd[1]);
      jobs[i].pid = pid;
      jobs[i].fd = pipefd[0];
    }
    collect_children(jobs, bar);
  }
}

// After an error: stop and reap every child still running.
void reap_children(std::vector<EvalJob>& jobs) {
  for (EvalJob& j : jobs) {
    if (j.fd >= 0) ::close(j.fd), j.fd = -1;
    if (j.pid > 0) {
      ::kill(j.pid, SIGTERM);
      ::waitpid(j.pid, nullptr, 0);
      j.pid = -1;
    }
  }
}

// "<index>-<unit>[+N].json": unique per mapping and safe as a file name.
std::string stats_file_name(size_t index, const compiler::Mapping& m) {
  std::string name = fmt::format("{}-{}", index, m.default_unit.empty() ? "map" : m.default_unit);
  if (!m.per_layer.empty()) name += fmt::format("+{}", m.per_layer.size());
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '+' && ch != '_')
      ch = '_';
  return name + ".json";
}

double accuracy(const std::vector<uint16_t>& pred, const std::vector<uint8_t>& labels) {
  if (labels.empty() || pred.empty()) return 0;
  size_t ok = 0;
  for (size_t i = 0; i < pred.size() && i < labels.size(); ++i) ok += pred[i] == labels[i];
  return double(ok) / double(pred.size());
}

size_t identical(const std::vector<uint16_t>& a, const std::vector<uint16_t>& b) {
  if (a.size() != b.size()) return 0;
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] == b[i];
  return n;
}

double fp32_accuracy(const compiler::Graph& g, const compiler::InputSpec& in,
                     const compiler::Dataset& d) {
  compiler::FloatEvaluator eval(g);
  size_t ok = 0;
  for (uint32_t i = 0; i < d.count; ++i) {
    eval.run(compiler::preprocess(in, g.shape(g.input), d.input(i)));
    ok += compiler::argmax(eval.output()) == d.labels[i];
  }
  return d.count ? double(ok) / d.count : 0;
}

std::vector<uint16_t> host_reference(const EvalJob& job, const compiler::Dataset& d) {
  compiler::ImageRunner runner(job.model.image, job.label);
  std::vector<uint16_t> out(d.count);
  for (uint32_t i = 0; i < d.count; ++i) out[i] = uint16_t(runner.run(d.input(i)));
  return out;
}

void print_report(const Prepared& p, const PlatformConfig& cfg, const compiler::Dataset& d,
                  const std::vector<EvalJob>& jobs, double fp32, double wall) {
  fmt::print("vp eval: {} on {} ({} inputs from {})\n", p.graph.name, cfg.name, d.count,
             p.spec.dataset_images);
  fmt::print("  {:<24} {:<10} {:>9} {:>10} {:>13} {:>12} {:>10} {:>10}\n", "mapping", "precision",
             "VP top-1", "host ref", "identical", "simulated", "VP host s", "conv/input");
  for (const EvalJob& j : jobs) {
    const size_t same = identical(j.vp.predictions, j.reference);
    fmt::print("  {:<24} {:<10} {:>8.2f}% {:>9.2f}% {:>6}/{:<6} {:>12} {:>10.2f} {:>10}\n", j.label,
               j.precision, 100 * accuracy(j.vp.predictions, d.labels),
               100 * accuracy(j.reference, d.labels), same, d.count,
               units::format_time(j.vp.simulated), j.vp.host_seconds, j.model.conversions);
  }
  fmt::print("  {:<24} {:<10} {:>8.2f}%  (host, unquantized graph)\n", "fp32 reference", "fp32",
             100 * fp32);
  fmt::print("  wall time {:.1f} s\n", wall);
}

void write_json(const std::string& path, const Prepared& p, const PlatformConfig& cfg,
                const compiler::Dataset& d, const std::vector<EvalJob>& jobs, double fp32,
                double wall) {
  nlohmann::json j;
  j["model"] = p.graph.name;
  j["platform"] = cfg.name;
  j["inputs"] = d.count;
  j["fp32_accuracy"] = fp32;
  j["wall_seconds"] = wall;
  for (const EvalJob& e : jobs)
    j["mappings"].push_back({{"mapping", e.label},
                             {"precision", e.precision},
                             {"vp_accuracy", accuracy(e.vp.predictions, d.labels)},
                             {"reference_accuracy", accuracy(e.reference, d.labels)},
                             {"identical", identical(e.vp.predictions, e.reference)},
                             {"vp_exit_code", e.vp.exit_code},
                             {"vp_host_seconds", e.vp.host_seconds},
                             {"simulated_ps", uint64_t(e.vp.simulated.value())},
                             {"instructions", e.vp.instructions},
                             {"conversions_per_input", e.model.conversions},
                             {"image_bytes", e.model.image.size()}});
  std::ofstream f(path);
  if (!(f << j.dump(2) << "\n")) throw CompileError(fmt::format("{}: cannot write", path));
}

}  // namespace

void add_eval_command(CLI::App& app, EvalOptions& o) {
  CLI::App* c = app.add_subcommand(
      "eval", "Evaluate a workload's dataset through the platform for one or more mappings");
  c->fallthrough();
  c->add_option("--config,-c", o.config, "Platform YAML file")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--workload,-w", o.workload, "Workload YAML with a dataset (configs/workloads/)")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--map", o.maps, "A mapping to evaluate (repeatable): UNIT or UNIT,LAYER=UNIT,...");
  c->add_option("--map-file", o.map_files, "A mapping YAML to evaluate (repeatable)")
      ->check(CLI::ExistingFile);
  c->add_option("--firmware,-f", o.firmware,
                "Runner firmware (default: this build's model_runner.elf)");
  c->add_option("--limit", o.limit, "Only the first N inputs (0 = all)");
  c->add_option("--jobs,-j", o.jobs, "Mappings simulated in parallel")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  c->add_option("--calibration", o.calibration, "Calibration inputs (default: the workload's)");
  c->add_option("--stats-dir", o.stats_dir, "Write <mapping>.json VP stats here");
  c->add_option("--json", o.json, "Write the results as JSON");
  c->add_option("--quantum", o.quantum, "Global quantum (default: config)");
}

int run_eval(const EvalOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  init_systemc_time();
  PlatformConfig cfg = load_platform_config(o.config);
  if (!o.quantum.empty()) cfg.quantum = parse_time_option("--quantum", o.quantum);
  const Prepared p = prepare(o.workload, "", o.calibration);
  if (p.spec.dataset_images.empty() || p.spec.dataset_labels.empty())
    throw CompileError(
        fmt::format("{}: vp eval needs a dataset with images and labels", o.workload));
  compiler::Dataset data = compiler::read_idx(p.spec.dataset_images, p.spec.dataset_labels);
  if (o.limit) data = data.first(o.limit);
  const compiler::Shape& in = p.graph.shape(p.graph.input);
  compiler::check_input_shape(data, uint32_t(in.c), uint32_t(in.h), uint32_t(in.w),
                              p.spec.dataset_images);
  const std::string firmware = o.firmware.empty() ? default_firmware() : o.firmware;
  if (!std::filesystem::exists(firmware))
    throw CompileError(
        fmt::format("runner firmware '{}' not found (build it, or give --firmware)", firmware));
  if (!o.stats_dir.empty()) std::filesystem::create_directories(o.stats_dir);

  std::vector<EvalJob> jobs;
  for (auto& m : mappings_of(o.maps, o.map_files)) {
    EvalJob j;
    j.mapping = m;
    j.label = m.describe();
    j.stats_name = stats_file_name(jobs.size(), m);
    j.precision = precision_of(cfg, m);
    j.model = compile_one(p, cfg, m);
    jobs.push_back(std::move(j));
  }
  std::vector<std::string> labels;
  std::vector<uint32_t> totals;
  for (const auto& j : jobs) labels.push_back(j.label), totals.push_back(data.count);
  ProgressBar bar(labels, totals);

  // Host side (fp32 and the references) runs while the children simulate.
  double fp32 = 0;
  std::exception_ptr host_error;
  std::thread host([&] {
    try {
      for (auto& j : jobs) j.reference = host_reference(j, data);
      fp32 = fp32_accuracy(p.graph, p.spec.input, data);
    } catch (...) {
      host_error = std::current_exception();
    }
  });
  try {
    run_children(o, cfg, data, firmware, jobs, bar);
  } catch (...) {
    reap_children(jobs);
    host.join();
    throw;
  }
  bar.finish();
  host.join();
  if (host_error) std::rethrow_exception(host_error);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  print_report(p, cfg, data, jobs, fp32, wall);
  if (!o.json.empty()) write_json(o.json, p, cfg, data, jobs, fp32, wall);
  int rc = 0;
  for (const EvalJob& j : jobs) {
    if (!j.vp_done || j.vp.exit_code != 0) {
      fmt::print(stderr, "vp eval: mapping {}: the VP run failed ({})\n", j.label,
                 j.vp_done ? j.vp.reason
                           : "no result" + (j.child_status.empty() ? "" : ": " + j.child_status));
      rc = kExitVpError;
    } else if (identical(j.vp.predictions, j.reference) != data.count) {
      fmt::print(stderr, "vp eval: mapping {}: VP and host reference predictions differ\n",
                 j.label);
      rc = rc ? rc : 2;
    }
  }
  return rc;
}

}  // namespace hpvp
