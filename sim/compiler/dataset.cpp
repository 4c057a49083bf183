#include "dataset.h"

#include <fmt/format.h>
#include <random>
#include <zlib.h>

#include "compile_error.h"

namespace hpvp::compiler {

Dataset Dataset::first(uint32_t n) const {
  Dataset d = *this;
  d.count = std::min(n, count);
  d.pixels.resize(size_t(d.count) * input_bytes());
  if (!d.labels.empty()) d.labels.resize(d.count);
  return d;
}

namespace {

// Whole file, gunzipped when it is gzip (zlib reads plain files unchanged).
std::vector<uint8_t> read_maybe_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw CompileError(fmt::format("{}: cannot open file", path));
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  const bool failed = n < 0;
  gzclose(f);
  if (failed) throw CompileError(fmt::format("{}: corrupt gzip data", path));
  return out;
}

uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// IDX header: 0, 0, type (0x08 = ubyte), number of dims, dims (big-endian).
std::vector<uint32_t> idx_dims(const std::vector<uint8_t>& data, const std::string& path) {
  if (data.size() < 4 || data[0] != 0 || data[1] != 0)
    throw CompileError(fmt::format("{}: not an IDX file (bad magic)", path));
  if (data[2] != 0x08)
    throw CompileError(
        fmt::format("{}: IDX element type 0x{:02x}; only unsigned bytes (0x08) are "
                    "supported",
                    path, data[2]));
  const size_t ndim = data[3];
  if (data.size() < 4 + 4 * ndim) throw CompileError(fmt::format("{}: truncated IDX header", path));
  std::vector<uint32_t> dims;
  uint64_t elements = 1;
  for (size_t i = 0; i < ndim; ++i) {
    dims.push_back(be32(&data[4 + 4 * i]));
    elements *= dims.back();
  }
  if (data.size() != 4 + 4 * ndim + elements)
    throw CompileError(fmt::format("{}: {} data bytes, the dims need {}", path,
                                   data.size() - 4 - 4 * ndim, elements));
  return dims;
}

}  // namespace

Dataset read_idx(const std::string& images, const std::string& labels) {
  std::vector<uint8_t> data = read_maybe_gz(images);
  const std::vector<uint32_t> dims = idx_dims(data, images);
  if (dims.size() != 3 && dims.size() != 4)
    throw CompileError(
        fmt::format("{}: IDX images need 3 (N x H x W) or 4 (N x H x W x C) dims, "
                    "got {}",
                    images, dims.size()));
  Dataset d;
  d.count = dims[0];
  d.h = dims[1];
  d.w = dims[2];
  d.c = dims.size() == 4 ? dims[3] : 1;
  d.pixels.assign(data.begin() + 4 + 4 * long(dims.size()), data.end());
  if (labels.empty()) return d;
  std::vector<uint8_t> l = read_maybe_gz(labels);
  const std::vector<uint32_t> ldims = idx_dims(l, labels);
  if (ldims.size() != 1 || ldims[0] != d.count)
    throw CompileError(
        fmt::format("{}: expected {} labels (1 dim) for {}", labels, d.count, images));
  d.labels.assign(l.begin() + 8, l.end());
  return d;
}

void check_input_shape(const Dataset& d, uint32_t c, uint32_t h, uint32_t w,
                       const std::string& file) {
  if (d.h != h || d.w != w || d.c != c)
    throw CompileError(
        fmt::format("{}: inputs are {}x{}x{} (H x W x C), the network input is "
                    "{}x{}x{}",
                    file, d.h, d.w, d.c, h, w, c));
}

Dataset random_inputs(uint32_t count, uint32_t h, uint32_t w, uint32_t c, uint64_t seed) {
  Dataset d;
  d.count = count;
  d.h = h;
  d.w = w;
  d.c = c;
  std::mt19937_64 rng(seed);
  d.pixels.resize(size_t(count) * d.input_bytes());
  for (auto& p : d.pixels) p = uint8_t(rng() >> 56);
  return d;
}

}  // namespace hpvp::compiler
