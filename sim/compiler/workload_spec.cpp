#include "workload_spec.h"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>

#include "compile_error.h"
#include "onnx_import.h"
#include "scalesim_csv.h"
#include "yaml_map.h"

namespace hpvp::compiler {

namespace {

std::string relative_to(const std::string& file, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(file).parent_path() / path).lexically_normal().string();
}

std::vector<double> numbers(YamlMap& m, const std::string& key, std::vector<double> fallback) {
  if (!m.has(key)) return fallback;
  const YAML::Node n = m.node(key);
  std::vector<double> out;
  auto one = [&](const YAML::Node& v) {
    try {
      out.push_back(v.as<double>());
    } catch (const YAML::Exception&) {
      m.fail(key, "expected a number or a list of numbers");
    }
  };
  if (n.IsSequence()) {
    for (const auto& v : n) one(v);
  } else {
    one(n);
  }
  if (out.empty()) m.fail(key, "expected at least one number");
  return out;
}

}  // namespace

WorkloadSpec load_workload_spec(const std::string& file) {
  YamlMap root = YamlMap::load_file(file);
  WorkloadSpec s;
  s.file = file;
  s.name = root.string("name", std::filesystem::path(file).stem().string());
  s.model = relative_to(file, root.string("model"));
  s.seed = root.integer("seed", 1);
  if (auto in = root.optional_map("input")) {
    s.input.pixel_scale = in->number_in("pixel_scale", s.input.pixel_scale, 1e-12, 1e12);
    s.input.mean = numbers(*in, "mean", s.input.mean);
    s.input.std = numbers(*in, "std", s.input.std);
    for (double sd : s.input.std)
      if (!std::isfinite(sd) || sd == 0)
        in->fail("std", "standard deviations must be finite and non-zero");
    for (double m : s.input.mean)
      if (!std::isfinite(m)) in->fail("mean", "means must be finite");
    in->finish();
  }
  if (auto ds = root.optional_map("dataset")) {
    s.dataset_images = relative_to(file, ds->string("images"));
    s.dataset_labels = relative_to(file, ds->string("labels", ""));
    ds->finish();
  }
  if (auto cal = root.optional_map("calibration")) {
    s.calibration_images = relative_to(file, cal->string("images", ""));
    s.calibration_count = uint32_t(cal->integer_in("count", s.calibration_count, 1, 1000000));
    if (cal->has("method"))
      s.calibration_method = cal->choice("method", {"mse", "minmax"}) == "mse"
                                 ? CalibrationMethod::kMse
                                 : CalibrationMethod::kMinMax;
    cal->finish();
  }
  root.finish();
  return s;
}

WorkloadSpec default_workload_spec(const std::string& model) {
  WorkloadSpec s;
  s.name = std::filesystem::path(model).stem().string();
  s.model = model;
  return s;
}

Graph load_model(const WorkloadSpec& spec) {
  const std::string ext = std::filesystem::path(spec.model).extension().string();
  Graph g = ext == ".csv" ? import_scalesim_csv(spec.model, spec.seed) : import_onnx(spec.model);
  if (g.name.empty() || g.name == "model" || g.name.rfind("torch", 0) == 0 ||
      g.name.rfind("main_graph", 0) == 0)
    g.name = spec.name;
  return g;
}

std::vector<std::vector<uint8_t>> calibration_inputs(const WorkloadSpec& spec, const Shape& input) {
  Dataset d = spec.calibration_images.empty()
                  ? random_inputs(spec.calibration_count, uint32_t(input.h), uint32_t(input.w),
                                  uint32_t(input.c), spec.seed)
                  : read_idx(spec.calibration_images).first(spec.calibration_count);
  check_input_shape(
      d, uint32_t(input.c), uint32_t(input.h), uint32_t(input.w),
      spec.calibration_images.empty() ? "random calibration inputs" : spec.calibration_images);
  for (const auto* v : {&spec.input.mean, &spec.input.std})
    if (v->size() != 1 && v->size() != size_t(input.c))
      throw CompileError(
          fmt::format("{}: input.{} has {} values; give 1 or one per input channel "
                      "({})",
                      spec.file, v == &spec.input.mean ? "mean" : "std", v->size(), input.c));
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t i = 0; i < d.count; ++i) out.emplace_back(d.input(i), d.input(i) + d.input_bytes());
  return out;
}

}  // namespace hpvp::compiler
