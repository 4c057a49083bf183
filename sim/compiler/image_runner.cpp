#include "image_runner.h"

#include <cstring>
#include <fmt/format.h>

#include "compile_error.h"
#include "hpvm_runtime.h"
#include "npu/layer_compute.h"

namespace hpvp::compiler {

ImageRunner::ImageRunner(std::vector<uint8_t> image, const std::string& origin)
    : mem_(std::move(image)), origin_(origin) {
  const enum hpvm_check c = hpvm_check_image(mem_.data(), mem_.size(), 1);
  if (c != HPVM_OK) throw CompileError(fmt::format("{}: {}", origin, hpvm_check_name(c)));
  const hpvm_header_t h = *hpvm_header(mem_.data());
  if (h.image_bytes != mem_.size())
    throw CompileError(
        fmt::format("{}: {} bytes, the header says {}", origin, mem_.size(), h.image_bytes));
  mem_.resize(size_t(h.arena_offset) + h.arena_bytes, 0);
  hpvm_relocate(mem_.data(), 0);
  const hpvm_tensor_t* in = hpvm_tensor(mem_.data(), h.input_tensor);
  input_bytes_ = hpvm_elements(in);
}

unsigned ImageRunner::run(const uint8_t* raw) {
  const hpvm_header_t h = *hpvm_header(mem_.data());
  uint8_t* base = mem_.data();
  hpvm_load_input(base, raw, base + hpvm_tensor(base, h.input_tensor)->offset);
  for (uint32_t i = 0; i < h.n_steps; ++i) {
    const hpvm_step_t s = *hpvm_step(base, i);
    if (s.kind == HPVM_STEP_NPU) {
      run_npu_step(s.first, s.count, s.unit);
    } else {
      const hpvm_tensor_t* src = hpvm_tensor(base, s.first);
      const hpvm_tensor_t* dst = hpvm_tensor(base, s.count);
      hpvm_convert(&s, src, base + src->offset, dst, base + dst->offset);
    }
  }
  const hpvm_tensor_t* out = hpvm_tensor(base, h.output_tensor);
  return hpvm_argmax(out, base + out->offset);
}

std::vector<uint8_t> ImageRunner::output() const {
  const hpvm_header_t* h = hpvm_header(mem_.data());
  const hpvm_tensor_t* out = hpvm_tensor(mem_.data(), h->output_tensor);
  return {mem_.begin() + out->offset, mem_.begin() + out->offset + out->bytes};
}

void ImageRunner::run_npu_step(uint32_t first, uint32_t count, uint16_t slot) {
  const hpvm_header_t h = *hpvm_header(mem_.data());
  // hpvm_check_image (constructor) made sure the unit table lists the slot.
  const auto p = static_cast<npu::Precision>(hpvm_unit_precision(mem_.data(), slot));
  const npu::MemoryReader read = [this](uint32_t addr, uint8_t* dst, uint64_t len) {
    if (uint64_t(addr) + len > mem_.size()) return false;
    std::memcpy(dst, mem_.data() + addr, len);
    return true;
  };
  std::vector<uint8_t> out;
  for (uint32_t i = first; i < first + count; ++i) {
    npu_desc_t d;
    std::memcpy(&d, mem_.data() + h.descs_offset + size_t(i) * NPU_DESC_SIZE, sizeof d);
    npu::Layer l;
    std::string why;
    npu_error e = npu::decode_layer(d, p, l, why);
    if (e == NPU_ERR_NONE) e = npu::compute_layer(l, npu::formats_of(p), read, out, why);
    if (e != NPU_ERR_NONE || uint64_t(l.out_addr) + out.size() > mem_.size())
      throw CompileError(fmt::format("{}: descriptor {}: {}", origin_, i,
                                     why.empty() ? "output outside memory" : why));
    std::memcpy(mem_.data() + l.out_addr, out.data(), out.size());
  }
}

}  // namespace hpvp::compiler
