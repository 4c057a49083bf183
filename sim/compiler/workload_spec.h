// A workload file (configs/workloads/*.yaml): which model, how raw inputs
// become network inputs, the evaluation dataset and the calibration set.
// Relative paths are relative to the workload file. Strict like platform
// configs: unknown keys and bad values are errors naming file:line and key.
#pragma once

#include <cstdint>
#include <string>

#include "dataset.h"
#include "graph.h"
#include "model_compiler.h"

namespace hpvp::compiler {

struct WorkloadSpec {
  std::string file;
  std::string name;
  std::string model;  // ONNX, or SCALE-Sim CSV (*.csv)
  InputSpec input;
  std::string dataset_images, dataset_labels;  // empty: no dataset
  std::string calibration_images;              // empty: random inputs
  uint32_t calibration_count = 8;
  CalibrationMethod calibration_method = CalibrationMethod::kMse;
  uint64_t seed = 1;  // random weights (SCALE-Sim), random inputs
};

WorkloadSpec load_workload_spec(const std::string& file);

// A spec for a bare model file (no workload YAML): random calibration
// inputs, pixel / 255 as the network input.
WorkloadSpec default_workload_spec(const std::string& model);

// Graph of the spec's model (ONNX or SCALE-Sim CSV by extension).
Graph load_model(const WorkloadSpec& spec);

// Calibration inputs (raw HWC bytes) for a network input shape.
std::vector<std::vector<uint8_t>> calibration_inputs(const WorkloadSpec& spec, const Shape& input);

}  // namespace hpvp::compiler
