/* Host-core side of running an HPVM model image (<hpvp/model_image.h>):
 * header checks, CRC-32, relocation, raw input -> input tensor, format
 * conversions between units, argmax. Plain C without MMIO, integer and
 * IEEE binary32 arithmetic only, so the firmware (sw/apps/model_runner) and
 * the host-side reference (sim/compiler) compile this same file and produce
 * bit-identical tensors. */
#ifndef HPVP_HPVM_RUNTIME_H
#define HPVP_HPVM_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include <hpvp/hw/npu.h>
#include <hpvp/model_image.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32): start with crc = 0. */
uint32_t hpvm_crc32(uint32_t crc, const uint8_t *data, size_t len);

enum hpvm_check {
  HPVM_OK = 0,
  HPVM_BAD_MAGIC,
  HPVM_BAD_VERSION,
  HPVM_BAD_SIZE, /* header/section offsets outside the image */
  HPVM_BAD_CHECKSUM,
  HPVM_BAD_TENSOR, /* a tensor outside the arena, smaller than its shape, or of no format */
  HPVM_BAD_STEP    /* a step of unknown kind, or naming a missing descriptor, tensor or unit */
};
const char *hpvm_check_name(enum hpvm_check c);

/* Validates magic, version, section bounds and (if `verify_crc`) the
 * checksum of an image of `bytes` bytes. */
enum hpvm_check hpvm_check_image(const uint8_t *image, size_t bytes, int verify_crc);

/* Relocates every descriptor of an image loaded at `base` (the address the
 * NPUs see): adds `base` to each non-zero address field. Call once. */
void hpvm_relocate(uint8_t *image, uint32_t base);

/* Section accessors (no checks: call hpvm_check_image first). */
static inline const hpvm_header_t *hpvm_header(const uint8_t *image) {
  return (const hpvm_header_t *)image;
}
static inline const hpvm_tensor_t *hpvm_tensor(const uint8_t *image, uint32_t i) {
  return (const hpvm_tensor_t *)(image + hpvm_header(image)->tensors_offset) + i;
}
static inline const hpvm_step_t *hpvm_step(const uint8_t *image, uint32_t i) {
  return (const hpvm_step_t *)(image + hpvm_header(image)->steps_offset) + i;
}
static inline const hpvm_unit_t *hpvm_unit(const uint8_t *image, uint32_t i) {
  return (const hpvm_unit_t *)(image + hpvm_header(image)->units_offset) + i;
}

/* Precision (enum npu_precision) the unit table gives NPU slot `slot`, or -1
 * if the table does not list it. */
int hpvm_unit_precision(const uint8_t *image, uint32_t slot);

/* Elements of a tensor and bits per element of a format. */
static inline uint32_t hpvm_elements(const hpvm_tensor_t *t) {
  return (uint32_t)t->h * t->w * t->c;
}
unsigned hpvm_format_bits(unsigned format);

/* Writes the network input from one raw input (`input_channels`-channel HWC
 * uint8, h * w * c bytes) through the image's LUT into `dst`, the input
 * tensor's memory (hpvm_tensor(image, header->input_tensor)). */
void hpvm_load_input(const uint8_t *image, const uint8_t *raw, uint8_t *dst);

/* Performs a CONVERT step: `src`/`dst` are the tensors' memory. */
void hpvm_convert(const hpvm_step_t *step, const hpvm_tensor_t *src_t, const uint8_t *src,
                  const hpvm_tensor_t *dst_t, uint8_t *dst);

/* Index of the largest element (the first one on ties) of a tensor in
 * memory, counted in ONNX's channel-major order (c, y, x) although memory is
 * NHWC, so it is the class index of a flattened output; float formats
 * compare numerically (a NaN never wins; -0 == +0). */
uint32_t hpvm_argmax(const hpvm_tensor_t *t, const uint8_t *data);

#ifdef __cplusplus
}
#endif

#endif
