#include "workload.h"

#include <cstring>
#include <fmt/format.h>

#include "hpvm_runtime.h"
#include "npu/layer_compute.h"
#include "npu/npu_layer.h"

namespace hpvp {

namespace {

constexpr uint64_t kAlign = HPVM_ALIGN;
constexpr uint64_t kWorkloadStructBytes = sizeof(hpvm_workload_t);

uint64_t align_up(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

const hpvm_header_t& header_of(const std::vector<uint8_t>& image) {
  return *hpvm_header(image.data());
}

// The bytes the loaded ELF puts at `addr`, if a segment's file part holds them.
bool initial_bytes(const ElfImage& elf, uint64_t addr, void* out, size_t len) {
  for (const ElfSegment& seg : elf.segments) {
    if (addr >= seg.address && addr + len <= seg.address + seg.bytes.size()) {
      std::memcpy(out, seg.bytes.data() + (addr - seg.address), len);
      return true;
    }
  }
  return false;
}

ElfSymbol workload_struct_symbol(const ElfImage& fw) {
  const auto s = fw.symbol_info("hpvp_workload");
  if (!s)
    throw WorkloadError(fmt::format(
        "firmware {} has no hpvp_workload symbol: use build/sw/model_runner.elf", fw.path));
  uint32_t magic = 0;
  if (s->size != kWorkloadStructBytes || !initial_bytes(fw, s->address, &magic, sizeof magic) ||
      magic != HPVM_WORKLOAD_MAGIC)
    throw WorkloadError(fmt::format(
        "firmware {}: hpvp_workload is not a {}-byte hpvm_workload_t with magic 0x{:08x} in "
        ".data (size {}, magic 0x{:08x}): rebuild model_runner against <hpvp/model_image.h>",
        fw.path, kWorkloadStructBytes, HPVM_WORKLOAD_MAGIC, s->size, magic));
  return *s;
}

ElfSymbol workload_area_symbol(const ElfImage& fw) {
  const auto s = fw.symbol_info("hpvp_workload_area");
  if (!s || s->size == 0)
    throw WorkloadError(
        fmt::format("firmware {} has no hpvp_workload_area symbol (or it has size 0): use "
                    "build/sw/model_runner.elf",
                    fw.path));
  return *s;
}

void check_blob_sizes(const WorkloadBlobs& b) {
  if (b.inputs.size() != uint64_t{b.n_inputs} * b.input_bytes)
    throw WorkloadError(fmt::format("workload inputs: {} bytes, expected {} inputs x {} bytes",
                                    b.inputs.size(), b.n_inputs, b.input_bytes));
  if (!b.labels.empty() && b.labels.size() != b.n_inputs)
    throw WorkloadError(
        fmt::format("workload labels: {} for {} inputs", b.labels.size(), b.n_inputs));
  const hpvm_header_t& h = header_of(b.model_image);
  const hpvm_tensor_t* in = hpvm_tensor(b.model_image.data(), h.input_tensor);
  if (b.n_inputs != 0 && b.input_bytes != hpvm_elements(in))
    throw WorkloadError(fmt::format(
        "model image {}: takes {}x{}x{} = {}-byte inputs, the workload's inputs have {} bytes",
        b.model_path, in->h, in->w, in->c, hpvm_elements(in), b.input_bytes));
}

void check_descriptor(const std::vector<uint8_t>& image, uint32_t index, npu::Precision p,
                      uint64_t end, const std::string& path) {
  npu_desc_t d;
  std::memcpy(&d, image.data() + header_of(image).descs_offset + uint64_t{index} * NPU_DESC_SIZE,
              sizeof d);
  npu::Layer l;
  std::string why;
  if (npu::decode_layer(d, p, l, why) != NPU_ERR_NONE)
    throw WorkloadError(fmt::format("model image {}: descriptor {}: {}", path, index, why));
  const npu::Formats f = npu::formats_of(p);
  struct Operand {
    const char* what;
    uint32_t addr;
    uint64_t bytes;
  };
  const Operand ops[] = {
      {"input", l.in_addr, npu::tensor_bytes(f, l.in_elements(), f.act_bits)},
      {"input2", l.in2_addr,
       l.op == npu::Op::kAdd ? npu::tensor_bytes(f, l.in_elements(), f.act_bits) : 0},
      {"weights", l.w_addr, npu::tensor_bytes(f, l.weight_elements(), f.weight_bits)},
      {"bias", l.bias_addr, l.has_bias() ? 4 * uint64_t(l.out_c) : 0},
      {"quant", l.quant_addr, l.per_channel() ? 8 * uint64_t(l.out_c) : 0},
      {"output", l.out_addr, npu::output_bytes(l, f)}};
  for (const Operand& o : ops)
    if (o.bytes != 0 && (o.addr == 0 || o.addr + o.bytes > end))
      throw WorkloadError(
          fmt::format("model image {}: descriptor {}: {} [{}, +{}) lies outside "
                      "the image and its arena ({} bytes)",
                      path, index, o.what, o.addr, o.bytes, end));
  const uint64_t descs_end =
      header_of(image).descs_offset + uint64_t{header_of(image).n_descs} * NPU_DESC_SIZE;
  if (d.next != 0 && (d.next < header_of(image).descs_offset || d.next + NPU_DESC_SIZE > descs_end))
    throw WorkloadError(
        fmt::format("model image {}: descriptor {}: next 0x{:x} is not a "
                    "descriptor of the image",
                    path, index, d.next));
}

}  // namespace

void check_model_image(const std::vector<uint8_t>& image, const std::string& path) {
  const hpvm_check c = hpvm_check_image(image.data(), image.size(), 1);
  if (c != HPVM_OK)
    throw WorkloadError(fmt::format("model image {}: {}", path, hpvm_check_name(c)));
}

// Every operand of every descriptor, as the NPU of the step's precision will
// read or write it, lies inside the image and its arena: a crafted image (with
// a valid CRC) cannot make the NPUs DMA over the firmware or the inputs.
void check_model_descriptors(const std::vector<uint8_t>& image, const std::string& path) {
  const hpvm_header_t& h = header_of(image);
  const uint64_t end = uint64_t{h.arena_offset} + h.arena_bytes;
  for (uint32_t s = 0; s < h.n_steps; ++s) {
    const hpvm_step_t* step = hpvm_step(image.data(), s);
    if (step->kind != HPVM_STEP_NPU) continue;
    // check_model_image (hpvm_check_image) made sure the unit table lists it.
    const auto precision =
        static_cast<npu::Precision>(hpvm_unit_precision(image.data(), step->unit));
    for (uint32_t i = step->first; i < step->first + step->count; ++i)
      check_descriptor(image, i, precision, end, path);
  }
}

WorkloadPlacement place_workload(const ElfImage& firmware, const WorkloadBlobs& blobs) {
  const ElfSymbol wl = workload_struct_symbol(firmware);
  const ElfSymbol area = workload_area_symbol(firmware);
  check_model_image(blobs.model_image, blobs.model_path);
  check_blob_sizes(blobs);

  const hpvm_header_t& h = header_of(blobs.model_image);
  WorkloadPlacement p;
  p.workload_struct_addr = wl.address;
  p.model_addr = align_up(area.address);
  p.inputs_addr = align_up(p.model_addr + h.arena_offset + h.arena_bytes);
  uint64_t at = p.inputs_addr + blobs.inputs.size();
  if (!blobs.labels.empty()) {
    p.labels_addr = align_up(at);
    at = p.labels_addr + blobs.labels.size();
  }
  p.results_addr = align_up(at);
  p.end = p.results_addr + uint64_t{blobs.n_inputs} * sizeof(uint16_t);

  const uint64_t area_end = area.address + area.size;
  if (p.end > area_end)
    throw WorkloadError(fmt::format(
        "workload does not fit: it needs {} bytes (model image and arena {}, inputs {}, labels "
        "{}, results {}) but hpvp_workload_area of {} has {}",
        p.end - area.address, uint64_t{h.arena_offset} + h.arena_bytes, blobs.inputs.size(),
        blobs.labels.size(), uint64_t{blobs.n_inputs} * sizeof(uint16_t), firmware.path,
        area.size));
  if (area_end > (uint64_t{1} << 32))
    throw WorkloadError(fmt::format("firmware {}: hpvp_workload_area ends above 4 GiB (0x{:x})",
                                    firmware.path, area_end));
  return p;
}

hpvm_workload_t workload_struct(const WorkloadPlacement& p, const WorkloadBlobs& blobs) {
  hpvm_workload_t w{};
  w.magic = HPVM_WORKLOAD_MAGIC;
  w.model_addr = static_cast<uint32_t>(p.model_addr);
  w.inputs_addr = static_cast<uint32_t>(p.inputs_addr);
  w.n_inputs = blobs.n_inputs;
  w.input_bytes = blobs.input_bytes;
  w.labels_addr = static_cast<uint32_t>(p.labels_addr);
  w.results_addr = static_cast<uint32_t>(p.results_addr);
  w.flags = blobs.flags;
  return w;
}

}  // namespace hpvp
