// Host-side reference of an HPVM model image: runs the steps exactly as the
// firmware does (input LUT, CONVERT steps, argmax: the shared C code in
// sw/drivers/hpvm_runtime.c) with the NPU layers computed by the same
// functional kernels as the NPU model (models/npu/layer_compute.h), without
// SystemC, buses or timing. `vp eval` compares the platform's predictions
// with these, input by input.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hpvp::compiler {

class ImageRunner {
 public:
  // Checks the image (magic, version, bounds, checksum) and relocates it for
  // base 0; throws CompileError naming `origin`.
  ImageRunner(std::vector<uint8_t> image, const std::string& origin);

  // Runs one raw input (HWC uint8, input_bytes() bytes); returns the class.
  unsigned run(const uint8_t* raw);
  uint32_t input_bytes() const { return input_bytes_; }
  // The output tensor's bytes after the last run.
  std::vector<uint8_t> output() const;

 private:
  void run_npu_step(uint32_t first, uint32_t count, uint16_t slot);

  std::vector<uint8_t> mem_;  // image followed by its arena; addresses = offsets
  std::string origin_;
  uint32_t input_bytes_ = 0;
};

}  // namespace hpvp::compiler
