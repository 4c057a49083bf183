// Parsing of quantities with units, as written in configs and on the command
// line: times ("10 us"), frequencies ("100 MHz"), sizes ("128 MiB", "0x1000")
// and bandwidths ("12.8 GB/s"). Each returns nullopt when the text is not a
// well-formed, finite, non-negative quantity of that kind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <systemc>

namespace hpvp::units {

std::optional<sc_core::sc_time> parse_time(const std::string& text);
std::optional<double> parse_frequency_hz(const std::string& text);
std::optional<uint64_t> parse_size_bytes(const std::string& text);
std::optional<double> parse_bandwidth_bytes_per_s(const std::string& text);
std::optional<uint64_t> parse_integer(const std::string& text);  // decimal or 0x hex

std::string format_time(const sc_core::sc_time& t);  // "12.345 us"

}  // namespace hpvp::units
