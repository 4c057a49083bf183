// Hand-over of a model workload to the model_runner firmware
// (sw/apps/model_runner): checks a model image (<hpvp/model_image.h>) and
// lays it out with its inputs in the firmware's `hpvp_workload_area`. Soc
// writes the blobs and the `hpvp_workload` struct (Soc::load_workload).
//
// Layout inside the area, every block 64-byte aligned:
//   model_addr    the image; its activation arena at model_addr + arena_offset
//                 (arena_bytes, zeroed by the loader)
//   inputs_addr   n_inputs x input_bytes raw inputs (uint8 HWC)
//   labels_addr   n_inputs uint8 labels (only with labels; else 0)
//   results_addr  n_inputs uint16 predicted classes (zeroed; the firmware fills them)
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "elf_loader.h"
#include <hpvp/model_image.h>

namespace hpvp {

class WorkloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WorkloadBlobs {
  std::string model_path;  // names the image in messages
  std::vector<uint8_t> model_image;
  std::vector<uint8_t> inputs;  // n_inputs x input_bytes
  uint32_t n_inputs = 0;
  uint32_t input_bytes = 0;
  std::vector<uint8_t> labels;  // one per input; empty = none
  uint32_t flags = 0;           // HPVM_RUN_*
};

struct WorkloadPlacement {
  uint64_t model_addr = 0, inputs_addr = 0, labels_addr = 0, results_addr = 0;
  uint64_t workload_struct_addr = 0;  // the firmware's hpvp_workload
  uint64_t end = 0;                   // one past the result array
};

struct WorkloadProgress {
  uint32_t done = 0;     // inputs finished
  uint32_t correct = 0;  // predictions equal to the label
};

// Throws WorkloadError "model image <path>: <reason>" unless the image passes
// the firmware's own check (hpvm_check_image, with the CRC) and its tensors
// lie inside the image and its arena.
void check_model_image(const std::vector<uint8_t>& image, const std::string& path);

// Decodes every NPU descriptor as the unit of its step will (precision from
// the unit table) and throws WorkloadError unless every operand lies inside
// the image and its arena and `next` links stay among the image's
// descriptors: a crafted image with a valid CRC cannot make the NPUs DMA over
// the firmware or the inputs. `vp run --model` calls it; Soc::load_workload
// does not, so tests can still hand broken images to the firmware.
void check_model_descriptors(const std::vector<uint8_t>& image, const std::string& path);

// Checks the image and the blobs' sizes against each other, checks that the
// firmware defines `hpvp_workload` (64 bytes, with HPVM_WORKLOAD_MAGIC) and
// `hpvp_workload_area`, and places the blobs in the area. Throws
// WorkloadError naming the problem (a firmware without the hand-over, a
// workload larger than the area: bytes needed vs available).
WorkloadPlacement place_workload(const ElfImage& firmware, const WorkloadBlobs& blobs);

// The struct the loader writes over the firmware's `hpvp_workload`.
hpvm_workload_t workload_struct(const WorkloadPlacement& p, const WorkloadBlobs& blobs);

}  // namespace hpvp
