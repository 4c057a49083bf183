// Merges VCD files that share a timescale into one file, so SystemC signals
// (sc_trace) and verilated RTL internals (VerilatedVcdC) sit on one time
// axis in one waveform. Identifier codes are renamed so they stay unique;
// each input may be wrapped in a named scope.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace hpvp {

class VcdError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct VcdInput {
  std::string path;
  std::string scope;  // wrap the file's declarations in this scope ("" = none)
};

// Throws VcdError naming the file when an input is unreadable, malformed, or
// has a different $timescale than the first.
void merge_vcd(const std::vector<VcdInput>& inputs, const std::string& output);

}  // namespace hpvp
