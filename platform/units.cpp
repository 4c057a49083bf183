#include "units.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <utility>
#include <vector>

namespace hpvp::units {

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Splits "12.5 MHz" into 12.5 and "MHz". Rejects empty numbers, trailing junk
// inside the number, negative and non-finite values.
std::optional<std::pair<double, std::string>> split(const std::string& text) {
  const std::string s = trim(text);
  if (s.empty() || s[0] == '-' || s[0] == '+') return std::nullopt;
  const char* begin = s.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value) || value < 0) return std::nullopt;
  return std::make_pair(value, trim(std::string(end)));
}

template <typename T>
std::optional<double> scaled(const std::string& text,
                             const std::vector<std::pair<const char*, T>>& table) {
  auto parts = split(text);
  if (!parts) return std::nullopt;
  for (const auto& [unit, factor] : table)
    if (parts->second == unit) return parts->first * static_cast<double>(factor);
  return std::nullopt;
}

}  // namespace

std::optional<sc_core::sc_time> parse_time(const std::string& text) {
  static const std::vector<std::pair<const char*, double>> kUnits = {
      {"s", 1e12}, {"ms", 1e9}, {"us", 1e6}, {"ns", 1e3}, {"ps", 1.0}};
  auto ps = scaled(text, kUnits);
  if (!ps) return std::nullopt;
  return sc_core::sc_time(std::round(*ps), sc_core::SC_PS);
}

std::optional<double> parse_frequency_hz(const std::string& text) {
  static const std::vector<std::pair<const char*, double>> kUnits = {
      {"Hz", 1.0}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
  auto hz = scaled(text, kUnits);
  if (!hz || *hz <= 0) return std::nullopt;
  return hz;
}

std::optional<uint64_t> parse_integer(const std::string& text) {
  const std::string s = trim(text);
  if (s.empty() || s[0] == '-' || s[0] == '+') return std::nullopt;
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, hex ? 16 : 10);
  if (errno != 0 || end == s.c_str() || *end != '\0') return std::nullopt;
  return static_cast<uint64_t>(v);
}

std::optional<uint64_t> parse_size_bytes(const std::string& text) {
  if (auto plain = parse_integer(text)) return plain;
  static const std::vector<std::pair<const char*, double>> kUnits = {
      {"B", 1.0}, {"KiB", 1024.0}, {"MiB", 1024.0 * 1024}, {"GiB", 1024.0 * 1024 * 1024}};
  auto bytes = scaled(text, kUnits);
  if (!bytes || *bytes != std::floor(*bytes) || *bytes > 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(*bytes);
}

std::optional<double> parse_bandwidth_bytes_per_s(const std::string& text) {
  static const std::vector<std::pair<const char*, double>> kUnits = {
      {"B/s", 1.0},
      {"kB/s", 1e3},
      {"MB/s", 1e6},
      {"GB/s", 1e9},
      {"KiB/s", 1024.0},
      {"MiB/s", 1024.0 * 1024},
      {"GiB/s", 1024.0 * 1024 * 1024}};
  auto bw = scaled(text, kUnits);
  if (!bw || *bw <= 0) return std::nullopt;
  return bw;
}

std::string format_time(const sc_core::sc_time& t) {
  const double ps = t.to_seconds() * 1e12;
  if (ps >= 1e12) return fmt::format("{:.6f} s", ps / 1e12);
  if (ps >= 1e9) return fmt::format("{:.3f} ms", ps / 1e9);
  if (ps >= 1e6) return fmt::format("{:.3f} us", ps / 1e6);
  if (ps >= 1e3) return fmt::format("{:.3f} ns", ps / 1e3);
  return fmt::format("{:.0f} ps", ps);
}

}  // namespace hpvp::units
