#include "yaml_map.h"

#include <cmath>
#include <fmt/format.h>

#include "units.h"

namespace hpvp {

YamlMap::YamlMap(const YAML::Node& node, std::string file, std::string path)
    : file_(std::move(file)), path_(std::move(path)) {
  if (!node.IsMap())
    throw ConfigError(fmt::format("{}: {}: expected a mapping of keys to values",
                                  where(node.Mark()), path_.empty() ? "top level" : path_));
  self_mark_ = node.Mark();
  resolve_merge_keys(node);
}

// Builds node_ from `node`, expanding `<<: *anchor` (a map or a list of
// maps): keys written in the map itself win over merged ones.
void YamlMap::resolve_merge_keys(const YAML::Node& node) {
  const YAML::Node merge = node["<<"];
  for (auto it = node.begin(); it != node.end(); ++it) {  // yaml-cpp keeps duplicates silently
    const std::string key = it->first.Scalar();
    if (key_marks_.count(key) && key != "<<")
      throw ConfigError(fmt::format("{}: {}: duplicate key '{}' (first at line {})",
                                    where(it->first.Mark()), path_.empty() ? "top level" : path_,
                                    key, key_marks_[key].line + 1));
    key_marks_[key] = it->first.Mark();
  }
  if (!merge.IsDefined()) {
    node_ = node;
    return;
  }
  node_ = YAML::Node(YAML::NodeType::Map);
  auto add_from = [&](const YAML::Node& source) {
    if (!source.IsMap())
      throw ConfigError(fmt::format("{}: {}: '<<' must merge a mapping (an anchored map)",
                                    where(source.Mark()), path_.empty() ? "top level" : path_));
    for (auto it = source.begin(); it != source.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key == "<<" || node_[key].IsDefined()) continue;
      node_[key] = it->second;
      key_marks_[key] = it->first.Mark();
    }
  };
  for (auto it = node.begin(); it != node.end(); ++it) {  // own keys first: they win
    const std::string key = it->first.Scalar();
    if (key == "<<") continue;
    node_[key] = it->second;
    key_marks_[key] = it->first.Mark();
  }
  if (merge.IsSequence())
    for (const auto& m : merge) add_from(m);
  else
    add_from(merge);
}

YamlMap YamlMap::load_file(const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw ConfigError(fmt::format("{}: cannot open config file", file));
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}:{}: YAML syntax error: {}", file, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  }
  if (!root.IsDefined() || root.IsNull())
    throw ConfigError(fmt::format("{}: config file is empty", file));
  return YamlMap(root, file, "");
}

std::string YamlMap::where(const YAML::Mark& mark) const {
  if (mark.line < 0) return file_;
  return fmt::format("{}:{}:{}", file_, mark.line + 1, mark.column + 1);
}

std::string YamlMap::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

YAML::Mark YamlMap::mark_of(const std::string& key) const {
  auto it = key_marks_.find(key);
  return it != key_marks_.end() ? it->second : self_mark_;
}

void YamlMap::fail(const std::string& key, const std::string& what) const {
  const std::string at = key.empty() ? (path_.empty() ? "top level" : path_) : key_path(key);
  throw ConfigError(fmt::format("{}: {}: {}", where(mark_of(key)), at, what));
}

bool YamlMap::has(const std::string& key) const { return node_[key].IsDefined(); }

std::optional<YAML::Node> YamlMap::lookup(const std::string& key, bool required) {
  used_.insert(key);
  const YAML::Node n = node_[key];
  if (!n.IsDefined()) {
    if (required) fail("", fmt::format("missing required key '{}'", key));
    return std::nullopt;
  }
  if (n.IsNull()) fail(key, "has no value");
  return n;
}

std::string YamlMap::scalar_text(const std::string& key, const YAML::Node& n,
                                 const std::string& expected) {
  if (!n.IsScalar())
    fail(key, fmt::format("expected {}, got a {}", expected, n.IsSequence() ? "list" : "mapping"));
  return n.Scalar();
}

template <typename T, typename Parse>
T YamlMap::parsed(const std::string& key, const std::string& expected, Parse parse) {
  const YAML::Node n = *lookup(key, true);
  const std::string text = scalar_text(key, n, expected);
  auto value = parse(text);
  if (!value) fail(key, fmt::format("expected {}, got '{}'", expected, text));
  return static_cast<T>(*value);
}

template <typename T, typename Parse>
T YamlMap::parsed_or(const std::string& key, T fallback, const std::string& expected, Parse parse) {
  if (!node_[key].IsDefined()) {
    used_.insert(key);
    return fallback;
  }
  return parsed<T>(key, expected, parse);
}

namespace {
const char* kInteger = "an integer (decimal or 0x hex)";
const char* kSize = "a size such as 4096, 0x1000, '64 KiB' or '128 MiB'";
const char* kFrequency = "a frequency such as '100 MHz' (Hz, kHz, MHz, GHz)";
const char* kTime = "a time such as '10 ns' (s, ms, us, ns, ps)";
const char* kBandwidth =
    "a bandwidth such as '12.8 GB/s' (B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s)";
auto as_string = [](const std::string& s) { return std::optional<std::string>(s); };
}  // namespace

std::string YamlMap::string(const std::string& key) {
  return parsed<std::string>(key, "a string", as_string);
}
std::string YamlMap::string(const std::string& key, const std::string& fallback) {
  return parsed_or<std::string>(key, fallback, "a string", as_string);
}
std::string YamlMap::choice(const std::string& key, const std::vector<std::string>& allowed) {
  const std::string v = string(key);
  for (const auto& a : allowed)
    if (a == v) return v;
  fail(key, fmt::format("expected one of {}, got '{}'", fmt::join(allowed, ", "), v));
}
uint64_t YamlMap::integer(const std::string& key) {
  return parsed<uint64_t>(key, kInteger, units::parse_integer);
}
uint64_t YamlMap::integer(const std::string& key, uint64_t fallback) {
  return parsed_or<uint64_t>(key, fallback, kInteger, units::parse_integer);
}
uint64_t YamlMap::size(const std::string& key) {
  return parsed<uint64_t>(key, kSize, units::parse_size_bytes);
}
uint64_t YamlMap::size(const std::string& key, uint64_t fallback) {
  return parsed_or<uint64_t>(key, fallback, kSize, units::parse_size_bytes);
}
double YamlMap::frequency(const std::string& key) {
  return parsed<double>(key, kFrequency, units::parse_frequency_hz);
}
double YamlMap::frequency(const std::string& key, double fallback) {
  return parsed_or<double>(key, fallback, kFrequency, units::parse_frequency_hz);
}
sc_core::sc_time YamlMap::time(const std::string& key) {
  return parsed<sc_core::sc_time>(key, kTime, units::parse_time);
}
sc_core::sc_time YamlMap::time(const std::string& key, const sc_core::sc_time& fallback) {
  return parsed_or<sc_core::sc_time>(key, fallback, kTime, units::parse_time);
}
double YamlMap::bandwidth(const std::string& key) {
  return parsed<double>(key, kBandwidth, units::parse_bandwidth_bytes_per_s);
}
double YamlMap::bandwidth(const std::string& key, double fallback) {
  return parsed_or<double>(key, fallback, kBandwidth, units::parse_bandwidth_bytes_per_s);
}
double YamlMap::number(const std::string& key, double fallback) {
  return parsed_or<double>(key, fallback, "a number",
                           [](const std::string& s) -> std::optional<double> {
                             char* end = nullptr;
                             const double v = std::strtod(s.c_str(), &end);
                             if (end == s.c_str() || *end != '\0') return std::nullopt;
                             return v;
                           });
}
uint64_t YamlMap::integer_in(const std::string& key, uint64_t fallback, uint64_t lo, uint64_t hi) {
  const uint64_t v = integer(key, fallback);
  if (v < lo || v > hi)
    fail(key, fmt::format("expected an integer in [{}, {}], got {}", lo, hi, v));
  return v;
}

double YamlMap::number_in(const std::string& key, double fallback, double lo, double hi) {
  const double v = number(key, fallback);
  if (!std::isfinite(v) || v < lo || v > hi)
    fail(key, fmt::format("expected a number in [{}, {}], got {}", lo, hi, v));
  return v;
}

std::string YamlMap::location() const {
  return fmt::format("{}: {}", where(self_mark_), path_.empty() ? "top level" : path_);
}

bool YamlMap::boolean(const std::string& key, bool fallback) {
  return parsed_or<bool>(key, fallback, "true or false",
                         [](const std::string& s) -> std::optional<bool> {
                           if (s == "true") return true;
                           if (s == "false") return false;
                           return std::nullopt;
                         });
}

YamlMap YamlMap::map(const std::string& key) {
  const YAML::Node n = *lookup(key, true);
  if (!n.IsMap()) fail(key, "expected a mapping of keys to values");
  return YamlMap(n, file_, key_path(key));
}

std::optional<YamlMap> YamlMap::optional_map(const std::string& key) {
  if (!has(key)) {
    used_.insert(key);
    return std::nullopt;
  }
  return map(key);
}

std::vector<YamlMap> YamlMap::list_of_maps(const std::string& key) {
  const YAML::Node n = *lookup(key, true);
  if (!n.IsSequence()) fail(key, "expected a list");
  std::vector<YamlMap> out;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", key_path(key), i);
    if (!n[i].IsMap())
      throw ConfigError(
          fmt::format("{}: {}: expected a mapping of keys to values", where(n[i].Mark()), p));
    out.emplace_back(n[i], file_, p);
  }
  return out;
}

YAML::Node YamlMap::node(const std::string& key) { return *lookup(key, true); }

void YamlMap::finish() const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (used_.count(key)) continue;
    throw ConfigError(fmt::format("{}: {}: unknown key '{}' (expected one of: {})",
                                  where(mark_of(key)), path_.empty() ? "top level" : path_, key,
                                  fmt::join(used_, ", ")));
  }
}

}  // namespace hpvp
