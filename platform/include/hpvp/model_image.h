/* HPVP model image ("HPVM"): a compiled DNN as the firmware runs it. This
 * header is the single definition shared by the model compiler
 * (sim/compiler, `vp compile`), the VP's workload loader, the host-side
 * reference and the firmware runner (sw/apps/model_runner). See
 * docs/model-compiler.md for how it is produced and used.
 *
 * Layout (all offsets are from the image base, all fields little-endian,
 * every section 64-byte aligned):
 *
 *   hpvm_header
 *   hpvm_unit[n_units]       NPUs the model was compiled for (slot, precision)
 *   hpvm_tensor[n_tensors]   activation tensors (in the arena) and their quantization
 *   hpvm_step[n_steps]       what the firmware does per input, in order
 *   npu_desc_t[n_descs]      NPU layer descriptors (<hpvp/hw/npu.h>), chained per step
 *   input LUT                input_channels x 256 x uint32: input element for each
 *                            channel and raw pixel value 0..255 (lut[c * 256 + p])
 *   weights, biases, per-channel quantization arrays
 *   metadata                 UTF-8 JSON (model name, source, mapping, per-layer names)
 *   ---- image_bytes ----
 *   activation arena         arena_bytes, not stored: the loader reserves it right after
 *                            the image (at image base + arena_offset)
 *
 * Addresses inside descriptors are offsets from the image base; a non-zero
 * address field is relocated by adding the load address (offset 0 is the
 * header, so 0 keeps meaning "none"). The checksum is the CRC-32 (IEEE 802.3,
 * as zlib's crc32) of the image_bytes bytes with the checksum field read as
 * zero; verify it before relocating. */
#ifndef HPVP_MODEL_IMAGE_H
#define HPVP_MODEL_IMAGE_H

#include <stdint.h>

#define HPVM_MAGIC 0x4D565048u /* "HPVM" */
/* A reader accepts an image whose major version equals its own and whose
 * minor version is not newer. */
#define HPVM_VERSION_MAJOR 1u
#define HPVM_VERSION_MINOR 0u
#define HPVM_ALIGN 64u

/* Storage format of an activation tensor. Integer formats hold
 * real = scale * (q - zero_point). */
enum hpvm_format {
  HPVM_FMT_INT8 = 0, /* one int8 per byte */
  HPVM_FMT_INT4 = 1, /* two int4 per byte, low nibble first */
  HPVM_FMT_FP16 = 3, /* IEEE binary16 */
  HPVM_FMT_FP32 = 4  /* IEEE binary32 */
};

enum hpvm_step_kind {
  HPVM_STEP_NPU = 1,    /* run descriptors [first, first + count) (chained) on NPU slot `unit` */
  HPVM_STEP_CONVERT = 2 /* host core converts tensor `src` into tensor `dst` (format change) */
};

typedef struct hpvm_header {
  uint32_t magic;          /*   0 HPVM_MAGIC */
  uint16_t version_major;  /*   4 */
  uint16_t version_minor;  /*   6 */
  uint32_t header_bytes;   /*   8 sizeof(hpvm_header_t) */
  uint32_t image_bytes;    /*  12 size of the stored image */
  uint32_t checksum;       /*  16 CRC-32, see above */
  uint32_t arena_offset;   /*  20 activation arena start (>= image_bytes, aligned) */
  uint32_t arena_bytes;    /*  24 */
  uint32_t n_units;        /*  28 */
  uint32_t units_offset;   /*  32 */
  uint32_t n_tensors;      /*  36 */
  uint32_t tensors_offset; /*  40 */
  uint32_t n_steps;        /*  44 */
  uint32_t steps_offset;   /*  48 */
  uint32_t n_descs;        /*  52 */
  uint32_t descs_offset;   /*  56 */
  uint32_t input_tensor;   /*  60 index of the network input */
  uint32_t output_tensor;  /*  64 index of the network output (class scores) */
  uint32_t input_lut_offset; /* 68 input_channels x 256 x uint32 (low bits: the element) */
  uint32_t input_channels; /*  72 channels of one input pixel (raw inputs are HWC uint8) */
  uint32_t meta_offset;    /*  76 JSON metadata */
  uint32_t meta_bytes;     /*  80 */
  uint32_t reserved[11];   /*  84..127 must be 0 */
} hpvm_header_t;

typedef struct hpvm_unit {
  uint16_t slot;      /* NPU slot (NPU_SLOT_BASE) */
  uint8_t precision;  /* enum npu_precision the layers were quantized for */
  uint8_t reserved0;
  uint32_t layers;    /* descriptors that run on this unit */
  uint32_t reserved[2];
} hpvm_unit_t;

typedef struct hpvm_tensor {
  uint32_t offset;      /*  0 from the image base (in the arena) */
  uint32_t bytes;       /*  4 */
  uint16_t h, w, c;     /*  8 NHWC, batch 1 */
  uint8_t format;       /* 14 enum hpvm_format */
  uint8_t reserved0;    /* 15 */
  int32_t zero_point;   /* 16 integer formats */
  uint32_t scale_bits;  /* 20 fp32 bit pattern; 1.0f for float formats */
  uint32_t reserved[2]; /* 24..31 */
} hpvm_tensor_t;

/* CONVERT semantics (computed identically by the firmware and the host
 * reference, sw/drivers/hpvm_runtime.c):
 *   int -> int:     q' = clamp(npu_mbqm(q - zp, mult, shift) + zp', range of dst)
 *   int -> float:   x  = (float)(q - zp) * scale            (scale = `scale_bits`)
 *   float -> int:   q' = clamp(round_half_away(x * scale) + zp', range of dst)
 *                   (scale = `scale_bits` = 1 / dst scale; the rounding is
 *                   (int32_t)(v +- 0.5f) in binary32, a NaN gives zp')
 *   float -> float: fp16 <-> fp32 (rounded to nearest even) */
typedef struct hpvm_step {
  uint16_t kind;        /*  0 enum hpvm_step_kind */
  uint16_t unit;        /*  2 NPU: slot */
  uint32_t first;       /*  4 NPU: first descriptor index;  CONVERT: src tensor */
  uint32_t count;       /*  8 NPU: descriptors;             CONVERT: dst tensor */
  int32_t mult;         /* 12 CONVERT int -> int */
  int32_t shift;        /* 16 CONVERT int -> int */
  uint32_t scale_bits;  /* 20 CONVERT with a float side */
  uint32_t reserved[2]; /* 24..31 */
} hpvm_step_t;

/* Firmware <-> VP hand-over for workload runs: the runner firmware defines
 * `hpvp_workload` (this struct, in .data with magic set) and a NOLOAD area
 * `hpvp_workload_area`; `vp run --model` / `vp eval` place the image, its
 * arena, the raw inputs and the result array in that area and fill the
 * address fields before the hart starts. */
#define HPVM_WORKLOAD_MAGIC 0x4B4C5748u /* "HWLK" */
typedef struct hpvm_workload {
  uint32_t magic;        /* set by the firmware */
  uint32_t model_addr;   /* image base (arena follows at arena_offset) */
  uint32_t inputs_addr;  /* n_inputs raw inputs, input_bytes each (uint8 HWC) */
  uint32_t n_inputs;
  uint32_t input_bytes;
  uint32_t labels_addr;  /* uint8 label per input, 0 = no labels */
  uint32_t results_addr; /* firmware writes uint16 predicted class per input */
  uint32_t done;         /* firmware: inputs finished so far (progress) */
  uint32_t correct;      /* firmware: predictions equal to the label */
  uint32_t flags;        /* HPVM_RUN_* */
  uint32_t reserved[6];
} hpvm_workload_t;

#define HPVM_RUN_VERBOSE 0x1u    /* print one line per step for the first input */
#define HPVM_RUN_VERIFY_CRC 0x2u /* the firmware verifies the image checksum too */

#ifdef __cplusplus
static_assert(sizeof(hpvm_header_t) == 128, "hpvm header layout");
static_assert(sizeof(hpvm_unit_t) == 16, "hpvm unit layout");
static_assert(sizeof(hpvm_tensor_t) == 32, "hpvm tensor layout");
static_assert(sizeof(hpvm_step_t) == 32, "hpvm step layout");
static_assert(sizeof(hpvm_workload_t) == 64, "hpvm workload layout");
#else
_Static_assert(sizeof(hpvm_header_t) == 128, "hpvm header layout");
_Static_assert(sizeof(hpvm_unit_t) == 16, "hpvm unit layout");
_Static_assert(sizeof(hpvm_tensor_t) == 32, "hpvm tensor layout");
_Static_assert(sizeof(hpvm_step_t) == 32, "hpvm step layout");
_Static_assert(sizeof(hpvm_workload_t) == 64, "hpvm workload layout");
#endif

#endif
