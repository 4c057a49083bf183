// Workload hand-over (platform/workload.h, Soc::load_workload) with a model
// image built by hand: one int8 RELU descriptor on NPU slot 0 over a 1x1x10
// tensor, identity input LUT.
//
//  - Host-only tests: placement arithmetic, the firmware symbol checks, the
//    size checks, and every image rejection (magic, version, size, checksum).
//  - With build/sw/model_runner.elf: its hand-over symbols, and an end-to-end
//    run on configs/biglittle.yaml checking the results array and progress.
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "platform_config.h"
#include "soc.h"
#include "workload.h"
#include <hpvp/hw/npu.h>
#include <hpvp/model_image.h>

namespace {

using hpvp::ElfImage;
using hpvp::ElfSegment;
using hpvp::WorkloadBlobs;
using hpvp::WorkloadError;
using hpvp::WorkloadPlacement;

constexpr uint32_t kClasses = 10;

// Image layout (offsets from the image base, 64-byte aligned sections).
constexpr uint32_t kUnitsOffset = 128;
constexpr uint32_t kTensorsOffset = 192;
constexpr uint32_t kStepsOffset = 256;
constexpr uint32_t kDescsOffset = 320;
constexpr uint32_t kLutOffset = 448;
constexpr uint32_t kMetaOffset = kLutOffset + 256 * 4;
constexpr char kMeta[] = R"({"name":"relu10"})";
constexpr uint32_t kImageBytes = 1536;
constexpr uint32_t kArenaBytes = 128;
constexpr uint32_t kInTensorOffset = kImageBytes;
constexpr uint32_t kOutTensorOffset = kImageBytes + 64;

// Reference CRC-32 (IEEE, reflected, as zlib), bit by bit: independent of
// the nibble-table version in hpvm_runtime.c.
uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = ~0u;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

template <typename T>
void put(std::vector<uint8_t>& img, uint32_t offset, const T& v) {
  std::memcpy(img.data() + offset, &v, sizeof v);
}

hpvm_header_t& header(std::vector<uint8_t>& img) {
  return *reinterpret_cast<hpvm_header_t*>(img.data());
}

// Recomputes the checksum after an edit.
void seal(std::vector<uint8_t>& img) {
  header(img).checksum = 0;
  header(img).checksum = crc32(img.data(), header(img).image_bytes);
}

hpvm_tensor_t vector_tensor(uint32_t offset) {
  hpvm_tensor_t t{};
  t.offset = offset;
  t.bytes = kClasses;
  t.h = t.w = 1;
  t.c = kClasses;
  t.format = HPVM_FMT_INT8;
  const float one = 1.0f;
  std::memcpy(&t.scale_bits, &one, 4);
  return t;
}

// out = clamp(in, 0, 127) with an identity requantisation (2^30 * 2^(1-31)).
npu_desc_t relu_desc() {
  npu_desc_t d{};
  d.op = NPU_OP_RELU;
  d.in_addr = kInTensorOffset;
  d.out_addr = kOutTensorOffset;
  d.in_h = d.in_w = d.out_h = d.out_w = 1;
  d.in_c = d.out_c = kClasses;
  d.groups = 1;
  d.act_min = 0;
  d.act_max = 127;
  d.mult = 1 << 30;
  d.shift = 1;
  return d;
}

void put_header(std::vector<uint8_t>& img) {
  hpvm_header_t h{};
  h.magic = HPVM_MAGIC;
  h.version_major = HPVM_VERSION_MAJOR;
  h.version_minor = HPVM_VERSION_MINOR;
  h.header_bytes = sizeof(hpvm_header_t);
  h.image_bytes = kImageBytes;
  h.arena_offset = kImageBytes;
  h.arena_bytes = kArenaBytes;
  h.n_units = 1, h.units_offset = kUnitsOffset;
  h.n_tensors = 2, h.tensors_offset = kTensorsOffset;
  h.n_steps = 1, h.steps_offset = kStepsOffset;
  h.n_descs = 1, h.descs_offset = kDescsOffset;
  h.input_tensor = 0, h.output_tensor = 1;
  h.input_lut_offset = kLutOffset, h.input_channels = 1;
  h.meta_offset = kMetaOffset, h.meta_bytes = sizeof kMeta - 1;
  put(img, 0, h);
}

std::vector<uint8_t> relu_image() {
  std::vector<uint8_t> img(kImageBytes, 0);
  put_header(img);
  hpvm_unit_t unit{};
  unit.slot = 0;
  unit.precision = NPU_PREC_INT8;
  unit.layers = 1;
  put(img, kUnitsOffset, unit);
  put(img, kTensorsOffset, vector_tensor(kInTensorOffset));
  put(img, kTensorsOffset + sizeof(hpvm_tensor_t), vector_tensor(kOutTensorOffset));
  hpvm_step_t step{};
  step.kind = HPVM_STEP_NPU;
  step.unit = 0;
  step.first = 0;
  step.count = 1;
  put(img, kStepsOffset, step);
  put(img, kDescsOffset, relu_desc());
  for (uint32_t p = 0; p < 256; ++p) put(img, kLutOffset + 4 * p, p);  // identity (as int8)
  std::memcpy(img.data() + kMetaOffset, kMeta, sizeof kMeta - 1);
  seal(img);
  return img;
}

// Input k has its largest value at element k % 10, plus a negative element
// (raw 200 = int8 -56) that the RELU clears.
WorkloadBlobs relu_workload(uint32_t n, bool labels) {
  WorkloadBlobs b;
  b.model_path = "relu10.hpvm";
  b.model_image = relu_image();
  b.n_inputs = n;
  b.input_bytes = kClasses;
  for (uint32_t k = 0; k < n; ++k) {
    for (uint32_t e = 0; e < kClasses; ++e) b.inputs.push_back(static_cast<uint8_t>(10 + e));
    b.inputs[k * kClasses + k % kClasses] = 120;
    b.inputs[k * kClasses + (k + 1) % kClasses] = 200;
    if (labels) b.labels.push_back(static_cast<uint8_t>(k % 3 == 2 ? 9 - k % kClasses : k % 10));
  }
  return b;
}

constexpr uint64_t kStructAddr = 0x80001000;
constexpr uint64_t kAreaAddr = 0x80010000;

// A firmware image with just what place_workload looks at.
ElfImage fake_firmware(uint64_t area_addr = kAreaAddr, uint64_t area_size = 1 << 20) {
  ElfImage fw;
  fw.path = "fw.elf";
  fw.entry = 0x80000000;
  ElfSegment data;
  data.address = kStructAddr;
  data.bytes.assign(sizeof(hpvm_workload_t), 0);
  const uint32_t magic = HPVM_WORKLOAD_MAGIC;
  std::memcpy(data.bytes.data(), &magic, 4);
  data.mem_size = data.bytes.size();
  fw.segments.push_back(data);
  fw.symbols["hpvp_workload"] = {kStructAddr, sizeof(hpvm_workload_t)};
  fw.symbols["hpvp_workload_area"] = {area_addr, area_size};
  return fw;
}

std::string error_of(const ElfImage& fw, const WorkloadBlobs& b) {
  try {
    hpvp::place_workload(fw, b);
  } catch (const WorkloadError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---- placement ---------------------------------------------------------------

TEST(WorkloadPlacement, LaysOutImageArenaInputsLabelsResults) {
  const WorkloadBlobs b = relu_workload(3, true);
  const WorkloadPlacement p = hpvp::place_workload(fake_firmware(), b);
  EXPECT_EQ(p.workload_struct_addr, kStructAddr);
  EXPECT_EQ(p.model_addr, kAreaAddr);
  // Image and arena: 1536 + 128 = 1664 bytes, already 64-aligned.
  EXPECT_EQ(p.inputs_addr, kAreaAddr + 1664);
  EXPECT_EQ(p.labels_addr, kAreaAddr + 1664 + 64) << "30 bytes of inputs, aligned up";
  EXPECT_EQ(p.results_addr, kAreaAddr + 1664 + 128) << "3 labels, aligned up";
  EXPECT_EQ(p.end, p.results_addr + 6);

  const hpvm_workload_t w = hpvp::workload_struct(p, b);
  EXPECT_EQ(w.magic, HPVM_WORKLOAD_MAGIC);
  EXPECT_EQ(w.model_addr, kAreaAddr);
  EXPECT_EQ(w.inputs_addr, p.inputs_addr);
  EXPECT_EQ(w.n_inputs, 3u);
  EXPECT_EQ(w.input_bytes, kClasses);
  EXPECT_EQ(w.labels_addr, p.labels_addr);
  EXPECT_EQ(w.results_addr, p.results_addr);
  EXPECT_EQ(w.done, 0u);
  EXPECT_EQ(w.correct, 0u);
}

TEST(WorkloadPlacement, AlignsTheImageAndOmitsAbsentLabels) {
  WorkloadBlobs b = relu_workload(2, false);
  b.flags = HPVM_RUN_VERBOSE;
  const WorkloadPlacement p = hpvp::place_workload(fake_firmware(kAreaAddr + 8), b);
  EXPECT_EQ(p.model_addr, kAreaAddr + 64);
  EXPECT_EQ(p.inputs_addr, kAreaAddr + 64 + 1664);
  EXPECT_EQ(p.labels_addr, 0u);
  EXPECT_EQ(p.results_addr, p.inputs_addr + 64) << "20 bytes of inputs, aligned up";
  EXPECT_EQ(hpvp::workload_struct(p, b).flags, HPVM_RUN_VERBOSE);
}

TEST(WorkloadPlacement, ArenaBeyondTheImageIsReserved) {
  WorkloadBlobs b = relu_workload(1, false);
  const uint32_t old_arena = header(b.model_image).arena_offset;
  header(b.model_image).arena_offset = 4096;  // a gap after the 1536-byte image
  header(b.model_image).arena_bytes = 2000;
  auto* tensors =
      reinterpret_cast<hpvm_tensor_t*>(b.model_image.data() + header(b.model_image).tensors_offset);
  for (uint32_t i = 0; i < header(b.model_image).n_tensors; ++i)
    tensors[i].offset += 4096 - old_arena;  // tensors stay inside the moved arena
  seal(b.model_image);
  const WorkloadPlacement p = hpvp::place_workload(fake_firmware(), b);
  EXPECT_EQ(p.inputs_addr, kAreaAddr + 6144) << "4096 + 2000 aligned up to 64";
}

TEST(WorkloadPlacement, ExactFitIsAcceptedOneByteLessIsNot) {
  const WorkloadBlobs b = relu_workload(4, true);
  const WorkloadPlacement p = hpvp::place_workload(fake_firmware(), b);
  const uint64_t needed = p.end - kAreaAddr;
  EXPECT_NO_THROW(hpvp::place_workload(fake_firmware(kAreaAddr, needed), b));
  const std::string e = error_of(fake_firmware(kAreaAddr, needed - 1), b);
  EXPECT_NE(e.find("does not fit"), std::string::npos) << e;
  EXPECT_NE(e.find("needs " + std::to_string(needed) + " bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("has " + std::to_string(needed - 1)), std::string::npos) << e;
  EXPECT_NE(e.find("fw.elf"), std::string::npos) << e;
}

// ---- firmware checks -----------------------------------------------------------

TEST(WorkloadFirmware, MissingSymbolsNameTheRunnerFirmware) {
  ElfImage fw = fake_firmware();
  fw.symbols.erase("hpvp_workload");
  std::string e = error_of(fw, relu_workload(1, false));
  EXPECT_NE(e.find("firmware fw.elf has no hpvp_workload symbol"), std::string::npos) << e;
  EXPECT_NE(e.find("build/sw/model_runner.elf"), std::string::npos) << e;

  fw = fake_firmware();
  fw.symbols.erase("hpvp_workload_area");
  e = error_of(fw, relu_workload(1, false));
  EXPECT_NE(e.find("has no hpvp_workload_area symbol"), std::string::npos) << e;
}

TEST(WorkloadFirmware, StructMustBe64BytesWithTheMagic) {
  ElfImage fw = fake_firmware();
  fw.symbols["hpvp_workload"].size = 60;
  std::string e = error_of(fw, relu_workload(1, false));
  EXPECT_NE(e.find("size 60"), std::string::npos) << e;

  fw = fake_firmware();
  fw.segments[0].bytes[0] ^= 1;
  e = error_of(fw, relu_workload(1, false));
  EXPECT_NE(e.find("magic"), std::string::npos) << e;

  fw = fake_firmware();
  fw.segments[0].bytes.clear();  // in .bss: no initial magic
  e = error_of(fw, relu_workload(1, false));
  EXPECT_NE(e.find("hpvp_workload is not"), std::string::npos) << e;
}

// ---- blob checks ---------------------------------------------------------------

TEST(WorkloadBlobsCheck, SizesMustAgree) {
  WorkloadBlobs b = relu_workload(2, true);
  b.inputs.pop_back();
  EXPECT_NE(error_of(fake_firmware(), b).find("expected 2 inputs x 10 bytes"), std::string::npos);

  b = relu_workload(2, true);
  b.labels.pop_back();
  EXPECT_NE(error_of(fake_firmware(), b).find("labels: 1 for 2 inputs"), std::string::npos);

  b = relu_workload(2, false);
  b.input_bytes = 5;
  b.inputs.resize(10);
  const std::string e = error_of(fake_firmware(), b);
  EXPECT_NE(e.find("relu10.hpvm: takes 1x1x10 = 10-byte inputs"), std::string::npos) << e;
}

TEST(WorkloadBlobsCheck, NoInputsIsAnEmptyRun) {
  const WorkloadBlobs b = relu_workload(0, false);
  const WorkloadPlacement p = hpvp::place_workload(fake_firmware(), b);
  EXPECT_EQ(p.end, p.results_addr);
}

// ---- image checks --------------------------------------------------------------

std::string image_error(std::vector<uint8_t> img) {
  try {
    hpvp::check_model_image(img, "m.hpvm");
  } catch (const WorkloadError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(WorkloadImage, HandBuiltImageIsValid) { EXPECT_EQ(image_error(relu_image()), "(no error)"); }

TEST(WorkloadImage, BadMagic) {
  auto img = relu_image();
  header(img).magic = 0x12345678;
  seal(img);
  EXPECT_EQ(image_error(img), "model image m.hpvm: not an HPVM model image (bad magic)");
}

TEST(WorkloadImage, VersionMajorMustMatchAndMinorNotBeNewer) {
  auto img = relu_image();
  header(img).version_major = HPVM_VERSION_MAJOR + 1;
  seal(img);
  EXPECT_EQ(image_error(img), "model image m.hpvm: unsupported model image version");
  img = relu_image();
  header(img).version_minor = HPVM_VERSION_MINOR + 1;
  seal(img);
  EXPECT_EQ(image_error(img), "model image m.hpvm: unsupported model image version");
}

TEST(WorkloadImage, ChecksumCoversTheWholeImage) {
  auto img = relu_image();
  img[kMetaOffset + 3] ^= 0x20;  // last section
  EXPECT_EQ(image_error(img), "model image m.hpvm: model image checksum mismatch");
  img = relu_image();
  header(img).checksum ^= 1;
  EXPECT_EQ(image_error(img), "model image m.hpvm: model image checksum mismatch");
}

TEST(WorkloadImage, TruncatedOrInconsistent) {
  auto img = relu_image();
  img.resize(kImageBytes - 1);
  EXPECT_EQ(image_error(img), "model image m.hpvm: truncated or inconsistent model image");
  img = relu_image();
  header(img).n_descs = 100;  // past the end
  seal(img);
  EXPECT_EQ(image_error(img), "model image m.hpvm: truncated or inconsistent model image");
  EXPECT_EQ(image_error({}), "model image m.hpvm: truncated or inconsistent model image");
}

TEST(WorkloadImage, TensorsMustLieInTheImageOrArena) {
  auto img = relu_image();
  hpvm_tensor_t out = vector_tensor(kOutTensorOffset + 60);  // 1660 + 10 > 1536 + 128
  put(img, kTensorsOffset + sizeof(hpvm_tensor_t), out);
  seal(img);
  const std::string e = image_error(img);
  EXPECT_EQ(e, "model image m.hpvm: a tensor lies outside the arena or is smaller than its shape");
}

// ---- with the real firmware ----------------------------------------------------

const std::string kRunnerElf = std::string(HPVP_FIRMWARE_DIR) + "/model_runner.elf";

TEST(WorkloadRunner, FirmwareDefinesTheHandOver) {
  if (!std::filesystem::exists(kRunnerElf)) GTEST_SKIP() << "no firmware at " << kRunnerElf;
  const ElfImage fw = hpvp::read_elf(kRunnerElf);
  const auto wl = fw.symbol_info("hpvp_workload");
  const auto area = fw.symbol_info("hpvp_workload_area");
  ASSERT_TRUE(wl && area);
  EXPECT_EQ(wl->size, sizeof(hpvm_workload_t));
  EXPECT_EQ(area->size, 112u << 20);
  EXPECT_EQ(area->address % 64, 0u);
  EXPECT_LE(area->address + area->size, 0x88000000u - 4 * 64 * 1024) << "below the stacks";
  for (const ElfSegment& seg : fw.segments)
    EXPECT_LE(seg.address + seg.mem_size, area->address) << "the area is in no segment";
  EXPECT_NO_THROW(hpvp::place_workload(fw, relu_workload(10000, true)));
}

TEST(WorkloadRunner, OtherFirmwareIsRejected) {
  const std::string hello = std::string(HPVP_FIRMWARE_DIR) + "/hello.elf";
  if (!std::filesystem::exists(hello)) GTEST_SKIP() << "no firmware at " << hello;
  const std::string e = error_of(hpvp::read_elf(hello), relu_workload(1, false));
  EXPECT_NE(e.find("hello.elf has no hpvp_workload symbol: use build/sw/model_runner.elf"),
            std::string::npos)
      << e;
}

// Expected class of relu_workload input k.
uint16_t expected_class(uint32_t k) { return static_cast<uint16_t>(k % kClasses); }

struct RunnerRun {
  hpvp::RunOutcome outcome;
  std::string uart;
  std::vector<uint16_t> results;
  std::vector<hpvp::WorkloadProgress> progress;  // sampled every 20 us
};

// Runs model_runner.elf on configs/biglittle.yaml with `blobs` (none: no
// load_workload). One per process: SystemC elaborates once.
RunnerRun run_runner(const WorkloadBlobs* blobs) {
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  hpvp::PlatformConfig cfg =
      hpvp::load_platform_config(std::string(HPVP_SOURCE_DIR) + "/configs/biglittle.yaml");
  tlm::tlm_global_quantum::instance().set(cfg.quantum);
  auto soc = std::make_unique<hpvp::Soc>("soc", cfg);
  soc->load_firmware(hpvp::read_elf(kRunnerElf));
  if (blobs) soc->load_workload(*blobs);
  RunnerRun r;
  for (int slice = 0; slice < 2000 && soc->outcome().kind == hpvp::RunOutcome::Kind::kRunning;
       ++slice) {
    sc_core::sc_start(sc_core::sc_time(20, sc_core::SC_US));
    r.progress.push_back(soc->workload_progress());
  }
  r.outcome = soc->outcome();
  r.uart = soc->uart()->transmitted();
  r.results = soc->workload_results();
  return r;
}

uint64_t runner_area_addr() { return *hpvp::read_elf(kRunnerElf).symbol("hpvp_workload_area"); }

#define REQUIRE_RUNNER() \
  if (!std::filesystem::exists(kRunnerElf)) GTEST_SKIP() << "no firmware at " << kRunnerElf

TEST(WorkloadRunner, RunsTheModelOnBigLittle) {
  REQUIRE_RUNNER();
  constexpr uint32_t kInputs = 25;
  WorkloadBlobs b = relu_workload(kInputs, true);
  b.flags = HPVM_RUN_VERBOSE;
  uint32_t expected_correct = 0;
  for (uint32_t k = 0; k < kInputs; ++k) expected_correct += b.labels[k] == expected_class(k);
  ASSERT_EQ(expected_correct, 17u) << "every third label is wrong";

  const RunnerRun r = run_runner(&b);
  const std::string& out = r.uart;
  ASSERT_EQ(r.outcome.kind, hpvp::RunOutcome::Kind::kExited) << out;
  EXPECT_EQ(r.outcome.exit_code, 0) << out;
  // Progress is readable while the firmware runs and never goes backwards.
  ASSERT_FALSE(r.progress.empty());
  for (size_t i = 1; i < r.progress.size(); ++i) {
    EXPECT_GE(r.progress[i].done, r.progress[i - 1].done);
    EXPECT_LE(r.progress[i].correct, r.progress[i].done);
  }
  EXPECT_EQ(r.progress.back().done, kInputs);
  EXPECT_EQ(r.progress.back().correct, expected_correct);
  ASSERT_EQ(r.results.size(), kInputs);
  for (uint32_t k = 0; k < kInputs; ++k)
    EXPECT_EQ(r.results[k], expected_class(k)) << "input " << k;

  EXPECT_NE(out.find("model_runner: 1536 byte image, 1 units, 1 steps, 25 inputs\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("model_runner: 25 inputs, 17 correct (68.00 %)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("step 0: npu0 int8 descriptors 0..0 (relu..relu)"), std::string::npos) << out;
  EXPECT_EQ(out.find("step 0:", out.find("step 0:") + 1), std::string::npos)
      << "steps are printed for the first input only";
  EXPECT_NE(out.find("model_runner: npu0 int8 cycles="), std::string::npos) << out;
  EXPECT_NE(out.find("layers=25\n"), std::string::npos) << out;
}

TEST(WorkloadRunner, WithoutLabelsPrintsTheCountOnly) {
  REQUIRE_RUNNER();
  const WorkloadBlobs b = relu_workload(3, false);
  const RunnerRun r = run_runner(&b);
  EXPECT_EQ(r.outcome.exit_code, 0) << r.uart;
  EXPECT_NE(r.uart.find("model_runner: 3 inputs\n"), std::string::npos) << r.uart;
  EXPECT_EQ(r.uart.find("step 0:"), std::string::npos) << "not verbose";
  EXPECT_EQ(r.results, (std::vector<uint16_t>{0, 1, 2}));
  EXPECT_EQ(r.progress.back().correct, 0u);
}

TEST(WorkloadRunner, WithoutAWorkloadExits2) {
  REQUIRE_RUNNER();
  const RunnerRun r = run_runner(nullptr);
  EXPECT_EQ(r.outcome.exit_code, 2) << r.uart;
  EXPECT_NE(r.uart.find("no model loaded"), std::string::npos) << r.uart;
}

TEST(WorkloadRunner, MissingOrMismatchedUnitsExit4) {
  REQUIRE_RUNNER();
  WorkloadBlobs b = relu_workload(1, false);
  hpvm_unit_t unit{};
  unit.slot = 2;  // little0: int4
  unit.precision = NPU_PREC_INT8;
  put(b.model_image, kUnitsOffset, unit);
  header(b.model_image).n_units = 2;
  unit.slot = 6;  // empty
  put(b.model_image, kUnitsOffset + sizeof unit, unit);
  // The step must run on a listed unit, or the image itself is malformed.
  auto* step = reinterpret_cast<hpvm_step_t*>(b.model_image.data() + kStepsOffset);
  step->unit = 2;
  seal(b.model_image);
  const RunnerRun r = run_runner(&b);
  EXPECT_EQ(r.outcome.exit_code, 4) << r.uart;
  EXPECT_NE(r.uart.find("needs an int8 NPU in slot 2, found int4"), std::string::npos) << r.uart;
  EXPECT_NE(r.uart.find("needs an int8 NPU in slot 6, which is empty"), std::string::npos)
      << r.uart;
}

TEST(WorkloadRunner, NpuErrorNamesTheDescriptorAndExits5) {
  REQUIRE_RUNNER();
  WorkloadBlobs b = relu_workload(2, true);
  npu_desc_t d = relu_desc();
  d.act_min = 100, d.act_max = 50;  // empty clamp: bad quantisation
  put(b.model_image, kDescsOffset, d);
  seal(b.model_image);
  const RunnerRun r = run_runner(&b);
  EXPECT_EQ(r.outcome.exit_code, 5) << r.uart;
  const std::string addr = fmt::format("0x{:08x}", runner_area_addr() + kDescsOffset);
  EXPECT_NE(
      r.uart.find("step 0: npu0: descriptor #0 (relu): bad quantisation (ERROR_ADDR " + addr + ")"),
      std::string::npos)
      << r.uart;
  EXPECT_EQ(r.progress.back().done, 0u);
}

}  // namespace

std::string descriptor_error(std::vector<uint8_t> img) {
  try {
    hpvp::check_model_descriptors(img, "m.hpvm");
  } catch (const WorkloadError& e) {
    return e.what();
  }
  return "(no error)";
}

npu_desc_t& descriptor(std::vector<uint8_t>& img) {
  return *reinterpret_cast<npu_desc_t*>(img.data() + kDescsOffset);
}

TEST(WorkloadImage, DescriptorOperandsMustLieInTheImageOrArena) {
  EXPECT_EQ(descriptor_error(relu_image()), "(no error)");
  auto img = relu_image();
  descriptor(img).out_addr = kImageBytes + kArenaBytes - 4;  // 10 bytes from 4 before the end
  EXPECT_EQ(descriptor_error(img),
            "model image m.hpvm: descriptor 0: output [1660, +10) lies outside the image and its "
            "arena (1664 bytes)");
  img = relu_image();
  descriptor(img).next = 0x10000;  // not one of the image's descriptors
  EXPECT_NE(descriptor_error(img).find("next 0x10000 is not a descriptor of the image"),
            std::string::npos);
  img = relu_image();
  descriptor(img).op = 99;
  EXPECT_NE(descriptor_error(img).find("descriptor 0: unknown op 99"), std::string::npos)
      << descriptor_error(img);
}

TEST(WorkloadImage, NpuStepsMustRunOnAListedUnit) {
  auto img = relu_image();
  reinterpret_cast<hpvm_step_t*>(img.data() + kStepsOffset)->unit = 5;  // not in the unit table
  seal(img);
  EXPECT_EQ(image_error(img),
            "model image m.hpvm: a step names a missing descriptor, tensor or unit");
}
