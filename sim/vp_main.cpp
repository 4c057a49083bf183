// The `vp` simulator binary. libsystemc provides main() and calls sc_main().
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <systemc>

#include "compile_error.h"
#include "elf_loader.h"
#include "model_commands.h"
#include "run_command.h"
#include "sim_report.h"
#include "yaml_map.h"

// SystemC prints its banner to stdout when its first object is constructed,
// which static initialisers may do before sc_main: keep stdout for the
// firmware by disabling it before any other initialiser runs.
__attribute__((constructor(101))) static void disable_systemc_banner() {
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
}

extern "C" int sc_main(int argc, char* argv[]) {
  hpvp::route_systemc_reports_to_log();
  CLI::App app{"HPVP: virtual platform of a heterogeneous-precision DNN-accelerator SoC", "vp"};
  app.set_version_flag("--version", std::string("vp ") + HPVP_VERSION);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.require_subcommand(1);
  hpvp::RunOptions run;
  hpvp::add_run_command(app, run);
  hpvp::CompileCommandOptions compile;
  hpvp::add_compile_command(app, compile);
  hpvp::EvalOptions eval;
  hpvp::add_eval_command(app, eval);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : hpvp::kExitVpError;
  }
  if (!hpvp::set_log_level(log_level)) {
    fmt::print(stderr, "vp: error: --log-level: unknown level '{}'\n", log_level);
    return hpvp::kExitVpError;
  }
  try {
    if (app.got_subcommand("run")) return hpvp::run_vp(run);
    if (app.got_subcommand("compile")) return hpvp::run_compile(compile);
    if (app.got_subcommand("eval")) return hpvp::run_eval(eval);
  } catch (const hpvp::compiler::CompileError& e) {
    fmt::print(stderr, "vp: model error: {}\n", e.what());
  } catch (const hpvp::WorkloadError& e) {
    fmt::print(stderr, "vp: workload error: {}\n", e.what());
  } catch (const hpvp::ConfigError& e) {
    fmt::print(stderr, "vp: config error: {}\n", e.what());
  } catch (const hpvp::ElfError& e) {
    fmt::print(stderr, "vp: firmware error: {}\n", e.what());
  } catch (const CLI::Error& e) {
    fmt::print(stderr, "vp: error: {}\n", e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "vp: error: {}\n", e.what());
  }
  return hpvp::kExitVpError;
}
