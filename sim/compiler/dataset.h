// Raw network inputs: IDX files (the MNIST/Fashion-MNIST format, optionally
// gzip-compressed) and deterministic random inputs for networks without a
// dataset (timing studies).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hpvp::compiler {

struct Dataset {
  uint32_t count = 0;
  uint32_t h = 0, w = 0, c = 1;  // one input: h * w * c bytes, HWC
  std::vector<uint8_t> pixels;   // count inputs back to back
  std::vector<uint8_t> labels;   // count labels, or empty
  uint32_t input_bytes() const { return h * w * c; }
  const uint8_t* input(uint32_t i) const { return pixels.data() + size_t(i) * input_bytes(); }
  // The first `n` inputs (and labels).
  Dataset first(uint32_t n) const;
};

// IDX images (type ubyte, 3 dims N x H x W, or 4 dims N x H x W x C) and
// optional labels (ubyte, 1 dim N). Throws CompileError naming the file.
Dataset read_idx(const std::string& images, const std::string& labels = "");

// Throws CompileError naming `file` unless one input of `d` is an
// h x w x c image (HWC bytes) as the network wants.
void check_input_shape(const Dataset& d, uint32_t c, uint32_t h, uint32_t w,
                       const std::string& file);

// `count` inputs of h x w x c uniform random bytes from `seed`.
Dataset random_inputs(uint32_t count, uint32_t h, uint32_t w, uint32_t c, uint64_t seed);

}  // namespace hpvp::compiler
