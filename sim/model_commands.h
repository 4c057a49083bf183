// `vp compile` (ONNX / SCALE-Sim CSV -> HPVM model image for a platform and a
// layer-to-unit mapping) and `vp eval` (a dataset through the platform: the
// model_runner firmware drives the NPUs; accuracy per mapping next to the
// host-side reference of the same image and the fp32 graph).
// docs/model-compiler.md describes both.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "model_compiler.h"
#include "platform_config.h"

namespace hpvp {

struct CompileCommandOptions {
  std::string config;
  std::string workload;  // YAML (configs/workloads/)
  std::string model;     // or a bare ONNX / CSV file
  std::vector<std::string> maps;
  std::string map_file;
  std::string output;
  uint32_t calibration = 0;  // 0: the workload's count
  bool list_layers = false;
};

struct EvalOptions {
  std::string config;
  std::string workload;
  std::vector<std::string> maps;
  std::vector<std::string> map_files;
  std::string firmware;  // default: sw/model_runner.elf of this build
  uint32_t limit = 0;
  uint32_t jobs = 2;
  uint32_t calibration = 0;
  std::string stats_dir;
  std::string json;
  std::string quantum;
};

void add_compile_command(CLI::App& app, CompileCommandOptions& o);
int run_compile(const CompileCommandOptions& o);
void add_eval_command(CLI::App& app, EvalOptions& o);
int run_eval(const EvalOptions& o);

// "unit" or "unit,layer=unit,..." / "default=unit,layer=unit" (--map).
compiler::Mapping parse_mapping(const std::string& spec);
// YAML: `default: unit` and `layers: {layer: unit, ...}` (--map-file).
compiler::Mapping load_mapping_file(const std::string& file);
// The platform's NPUs as compiler targets.
std::vector<compiler::TargetUnit> target_units(const PlatformConfig& cfg);

}  // namespace hpvp
