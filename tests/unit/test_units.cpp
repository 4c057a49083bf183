// Quantities with units as written in configs and on the command line.
#include "units.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <systemc>

using sc_core::SC_MS;
using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::SC_SEC;
using sc_core::SC_US;
using sc_core::sc_time;
namespace units = hpvp::units;

namespace {

uint64_t ps(const sc_time& t) { return t.value() / sc_time(1, SC_PS).value(); }

TEST(Units, ParseTimeAccepts) {
  const std::vector<std::pair<std::string, uint64_t>> ok = {
      {"10 us", 10'000'000},   {"10us", 10'000'000},      {"1 s", 1'000'000'000'000},
      {"2 ms", 2'000'000'000}, {"13.75 ns", 13'750},       {"1 ps", 1},
      {"0 ns", 0},             {"  5 ns  ", 5'000},        {"1e3 ns", 1'000'000},
      {"0.5 ns", 500},         {"100 ps", 100},            {"1.5 ps", 2},  // rounded to ps
  };
  for (const auto& [text, expect] : ok) {
    const auto t = units::parse_time(text);
    ASSERT_TRUE(t.has_value()) << "'" << text << "'";
    EXPECT_EQ(ps(*t), expect) << "'" << text << "'";
  }
}

TEST(Units, ParseTimeRejects) {
  for (const char* bad : {"", "   ", "10", "ns", "-5 ns", "+5 ns", "5 NS", "5 sec", "5 ns x",
                          "inf ns", "nan ns", "5 ns ns", "five ns", "5 n s", "1e999 s"}) {
    EXPECT_FALSE(units::parse_time(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(Units, ParseFrequency) {
  EXPECT_DOUBLE_EQ(*units::parse_frequency_hz("100 MHz"), 100e6);
  EXPECT_DOUBLE_EQ(*units::parse_frequency_hz("1.5GHz"), 1.5e9);
  EXPECT_DOUBLE_EQ(*units::parse_frequency_hz("32.768 kHz"), 32768.0);
  EXPECT_DOUBLE_EQ(*units::parse_frequency_hz("50 Hz"), 50.0);
  for (const char* bad : {"fast", "100", "100 mhz", "100 MHZ", "0 MHz", "-1 MHz", "100 MHz!",
                          "MHz", "inf Hz", "", "10 ns"}) {
    EXPECT_FALSE(units::parse_frequency_hz(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(Units, ParseInteger) {
  EXPECT_EQ(*units::parse_integer("0"), 0u);
  EXPECT_EQ(*units::parse_integer("42"), 42u);
  EXPECT_EQ(*units::parse_integer(" 42 "), 42u);
  EXPECT_EQ(*units::parse_integer("0x80000000"), 0x80000000u);
  EXPECT_EQ(*units::parse_integer("0XfF"), 0xffu);
  EXPECT_EQ(*units::parse_integer("18446744073709551615"), ~uint64_t{0});
  for (const char* bad : {"", "0x", "0xg", "-1", "+1", "1.5", "1e3", "12 34", "18446744073709551616",
                          "0x10000000000000000", "abc", "0x-5", "4 KiB"}) {
    EXPECT_FALSE(units::parse_integer(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(Units, ParseSize) {
  EXPECT_EQ(*units::parse_size_bytes("4096"), 4096u);
  EXPECT_EQ(*units::parse_size_bytes("0x1000"), 4096u);
  EXPECT_EQ(*units::parse_size_bytes("64 KiB"), 65536u);
  EXPECT_EQ(*units::parse_size_bytes("128 MiB"), 128u << 20);
  EXPECT_EQ(*units::parse_size_bytes("2 GiB"), 2ull << 30);
  EXPECT_EQ(*units::parse_size_bytes("16 B"), 16u);
  EXPECT_EQ(*units::parse_size_bytes("1.5 KiB"), 1536u);
  EXPECT_EQ(*units::parse_size_bytes("2KiB"), 2048u);
  for (const char* bad : {"", "KiB", "1 KB", "1 kib", "-4 KiB", "0.5 B", "1.0001 KiB", "big",
                          "64 KiB extra", "1e30 GiB", "inf B"}) {
    EXPECT_FALSE(units::parse_size_bytes(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(Units, ParseBandwidth) {
  EXPECT_DOUBLE_EQ(*units::parse_bandwidth_bytes_per_s("12.8 GB/s"), 12.8e9);
  EXPECT_DOUBLE_EQ(*units::parse_bandwidth_bytes_per_s("16 GB/s"), 16e9);
  EXPECT_DOUBLE_EQ(*units::parse_bandwidth_bytes_per_s("100 MB/s"), 100e6);
  EXPECT_DOUBLE_EQ(*units::parse_bandwidth_bytes_per_s("1 kB/s"), 1e3);
  EXPECT_DOUBLE_EQ(*units::parse_bandwidth_bytes_per_s("1 KiB/s"), 1024.0);
  EXPECT_DOUBLE_EQ(*units::parse_bandwidth_bytes_per_s("2 MiB/s"), 2.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*units::parse_bandwidth_bytes_per_s("1 GiB/s"), 1024.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*units::parse_bandwidth_bytes_per_s("8 B/s"), 8.0);
  for (const char* bad : {"", "12.8", "12.8 GB", "12.8 Gb/s", "0 GB/s", "-1 GB/s", "fast",
                          "12.8 gb/s", "12.8 GB/s/s"}) {
    EXPECT_FALSE(units::parse_bandwidth_bytes_per_s(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(Units, FormatTime) {
  EXPECT_EQ(units::format_time(sc_time(12.345, SC_US)), "12.345 us");
  EXPECT_EQ(units::format_time(sc_time(1, SC_SEC)), "1.000000 s");
  EXPECT_EQ(units::format_time(sc_time(2.5, SC_MS)), "2.500 ms");
  EXPECT_EQ(units::format_time(sc_time(13.75, SC_NS)), "13.750 ns");
  EXPECT_EQ(units::format_time(sc_time(999, SC_PS)), "999 ps");
  EXPECT_EQ(units::format_time(sc_core::SC_ZERO_TIME), "0 ps");
}

TEST(Units, FormatThenParseRoundTrips) {
  for (const sc_time& t : {sc_time(12.345, SC_US), sc_time(2.5, SC_MS), sc_time(13.75, SC_NS),
                           sc_time(999, SC_PS)}) {
    const auto back = units::parse_time(units::format_time(t));
    ASSERT_TRUE(back.has_value()) << units::format_time(t);
    EXPECT_EQ(*back, t) << units::format_time(t);
  }
}

}  // namespace
