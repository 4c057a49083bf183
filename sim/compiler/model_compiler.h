// Graph -> HPVM model image (<hpvp/model_image.h>): splits the graph into NPU
// layers (Conv/Gemm/Add with a following Relu/Clip fused), assigns each layer
// to a unit from the mapping, calibrates activation ranges on raw inputs with
// the fp32 evaluator, quantizes per unit precision (int8/int4: per-output-
// channel symmetric weights and asymmetric activations; int2: ternary
// weights, int8 activations; fp16/fp32: floats), inserts CONVERT steps where
// consecutive layers use different tensor formats, builds and validates the
// NPU descriptors and writes the image with its metadata and checksum.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "graph.h"
#include "npu/npu.h"

namespace hpvp::compiler {

// An NPU of the target platform (platform config `npus:` entry).
struct TargetUnit {
  std::string name;
  unsigned slot = 0;  // NPU_SLOT_BASE(slot)
  npu::Npu::Config config;
};

// Which unit runs each layer: `per_layer` (layer name -> unit) first, then
// `default_unit`.
struct Mapping {
  std::string default_unit;
  std::map<std::string, std::string> per_layer;
  std::string describe() const;  // "big0" or "big0 (+3 per-layer overrides)"
};

// Raw input (HWC uint8) -> network input: x = (p * pixel_scale - mean[c]) / std[c].
struct InputSpec {
  double pixel_scale = 1.0 / 255.0;
  std::vector<double> mean{0.0};  // one value, or one per channel
  std::vector<double> std{1.0};
  // The network input value of raw `pixel` in `channel`.
  float normalize(int channel, uint8_t pixel) const;
};

// Activation ranges: min/max over the calibration inputs, or the clipping
// of that range with the least squared quantization error (default).
enum class CalibrationMethod { kMinMax, kMse };

// Activation statistics of every graph value over the calibration inputs:
// min/max and a strided sample (for the MSE range search). Independent of
// the mapping, so `vp eval` collects them once for all its mappings.
struct ActivationStats {
  size_t inputs = 0;
  std::vector<std::pair<float, float>> ranges;  // per value
  std::vector<std::vector<float>> samples;      // per value
};

struct CompileOptions {
  CalibrationMethod calibration_method = CalibrationMethod::kMse;
  Mapping mapping;
  InputSpec input;
  std::vector<std::vector<uint8_t>> calibration;  // raw inputs for activation ranges
  // Precomputed from the same graph, input spec and calibration inputs; when
  // empty, compile_model computes them from `calibration`.
  std::shared_ptr<const ActivationStats> activation_stats;
  std::string model_name;
  std::string source;    // model file, for the metadata
  std::string platform;  // platform name, for the metadata
};

struct CompiledLayer {
  std::string name;  // graph node name of the layer's main op
  std::string op;    // npu op name ("conv2d", ...)
  std::string unit;
  uint32_t desc_index = 0;
  uint64_t macs = 0;
};

struct CompiledModel {
  std::vector<uint8_t> image;
  std::vector<CompiledLayer> layers;
  unsigned conversions = 0;  // CONVERT steps per input
  nlohmann::json metadata;   // also stored in the image
};

ActivationStats activation_stats(const Graph& g, const InputSpec& input,
                                 const std::vector<std::vector<uint8_t>>& calibration);

CompiledModel compile_model(const Graph& g, const std::vector<TargetUnit>& units,
                            const CompileOptions& options);

// Float network input (C x H x W, as the graph wants) from one raw input.
std::vector<float> preprocess(const InputSpec& spec, const Shape& shape, const uint8_t* raw);

}  // namespace hpvp::compiler
