// Strict reading of YAML mappings for configs: every value is looked up
// through a YamlMap, which knows the file and the key path, reports errors as
// "file:line:col: key.path: what was expected", and — in finish() — rejects
// keys that were never read, so nothing the user wrote is silently ignored.
// YAML merge keys (`<<: *anchor`) are resolved here, since yaml-cpp does not.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <systemc>
#include <vector>
#include <yaml-cpp/yaml.h>

namespace hpvp {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class YamlMap {
 public:
  // `node` must be a mapping; `path` is its key path ("" for the root).
  YamlMap(const YAML::Node& node, std::string file, std::string path);

  // Loads and parses a whole file; syntax errors become ConfigError.
  static YamlMap load_file(const std::string& file);

  bool has(const std::string& key) const;
  std::string string(const std::string& key);
  std::string string(const std::string& key, const std::string& fallback);
  std::string choice(const std::string& key, const std::vector<std::string>& allowed);
  uint64_t integer(const std::string& key);
  uint64_t integer(const std::string& key, uint64_t fallback);
  uint64_t size(const std::string& key);
  uint64_t size(const std::string& key, uint64_t fallback);
  double frequency(const std::string& key);
  double frequency(const std::string& key, double fallback);
  sc_core::sc_time time(const std::string& key);
  sc_core::sc_time time(const std::string& key, const sc_core::sc_time& fallback);
  double bandwidth(const std::string& key);
  double bandwidth(const std::string& key, double fallback);
  double number(const std::string& key, double fallback);
  // Integer / finite number within [lo, hi]; out-of-range values are errors.
  uint64_t integer_in(const std::string& key, uint64_t fallback, uint64_t lo, uint64_t hi);
  double number_in(const std::string& key, double fallback, double lo, double hi);
  // "file:line:col: key.path" of this map, for errors found after parsing.
  std::string location() const;
  bool boolean(const std::string& key, bool fallback);
  YamlMap map(const std::string& key);
  std::optional<YamlMap> optional_map(const std::string& key);
  std::vector<YamlMap> list_of_maps(const std::string& key);
  // Raw node access for sub-parsers (marks the key as used).
  YAML::Node node(const std::string& key);

  // Marks a key as deliberately not read (e.g. overridden by another file).
  void skip(const std::string& key) { used_.insert(key); }

  // Throws ConfigError for the first key that no getter asked for.
  void finish() const;

  // An error located at this map (or at `key` when given).
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

 private:
  std::optional<YAML::Node> lookup(const std::string& key, bool required);
  std::string scalar_text(const std::string& key, const YAML::Node& n, const std::string& expected);
  template <typename T, typename Parse>
  T parsed(const std::string& key, const std::string& expected, Parse parse);
  template <typename T, typename Parse>
  T parsed_or(const std::string& key, T fallback, const std::string& expected, Parse parse);
  std::string key_path(const std::string& key) const;
  std::string where(const YAML::Mark& mark) const;
  YAML::Mark mark_of(const std::string& key) const;

  void resolve_merge_keys(const YAML::Node& node);

  YAML::Node node_;
  std::map<std::string, YAML::Mark> key_marks_;  // where each key is written
  YAML::Mark self_mark_;                         // where the map starts
  std::string file_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace hpvp
