/* NPU programming interface: registers and the layer descriptor. This header
 * is the single definition shared by the C++ model (models/npu) and the C
 * firmware driver (sw/drivers/npu). All fields are little-endian. See
 * docs/npu.md for semantics and docs/npu-arithmetic.md for rounding and
 * saturation rules. */
#ifndef HPVP_HW_NPU_H
#define HPVP_HW_NPU_H

#include <stdint.h>

/* ---- registers (32-bit, offsets from the NPU's base) ---- */
#define NPU_REG_ID 0x00u          /* RO: NPU_ID_MAGIC */
#define NPU_REG_CAPS 0x04u        /* RO: precision | dataflow<<4 | compute model<<8 */
#define NPU_REG_ARRAY_ROWS 0x08u  /* RO */
#define NPU_REG_ARRAY_COLS 0x0Cu  /* RO */
#define NPU_REG_CTRL 0x10u        /* WO: NPU_CTRL_* */
#define NPU_REG_STATUS 0x14u      /* RO: NPU_STATUS_* | error code << 8 */
#define NPU_REG_IRQ_ENABLE 0x18u  /* RW: NPU_IRQ_* */
#define NPU_REG_IRQ_STATUS 0x1Cu  /* W1C: NPU_IRQ_* */
#define NPU_REG_DESC_PTR 0x20u    /* RW: address of the first descriptor */
#define NPU_REG_DESC_DONE 0x24u   /* RO: descriptors completed since START */
#define NPU_REG_ERROR_ADDR 0x28u  /* RO: descriptor address that failed */
#define NPU_REG_IFMAP_SPAD 0x2Cu  /* RO: input scratchpad bytes */
#define NPU_REG_FILTER_SPAD 0x30u /* RO: weight scratchpad bytes */
#define NPU_REG_OFMAP_SPAD 0x34u  /* RO: output scratchpad bytes */
/* 64-bit performance counters (low word at the offset, high word at +4);
 * cleared by NPU_CTRL_CLEAR_COUNTERS, accumulate across runs. */
#define NPU_REG_CNT_CYCLES 0x40u    /* busy cycles (NPU clock) */
#define NPU_REG_CNT_COMPUTE 0x48u   /* cycles the array computes */
#define NPU_REG_CNT_STALL 0x50u     /* cycles waiting for DMA */
#define NPU_REG_CNT_MACS 0x58u      /* multiply-accumulates performed */
#define NPU_REG_CNT_DMA_IN 0x60u    /* bytes read by the DMA */
#define NPU_REG_CNT_DMA_OUT 0x68u   /* bytes written by the DMA */
#define NPU_REG_CNT_ENERGY_PJ 0x70u /* dynamic + static energy, picojoules */
#define NPU_REG_CNT_LAYERS 0x78u    /* descriptors executed */
#define NPU_REGS_SIZE 0x1000u

#define NPU_ID_MAGIC 0x4E505531u /* "NPU1" */

/* Platform convention (every config in configs/, checked by VirtMap tests): NPU i's
 * register block and PLIC source; firmware probes slots 0..NPU_MAX_SLOTS-1. */
#define NPU_SLOT_BASE(i) (0x40000000u + 0x1000u * (uint32_t)(i))
#define NPU_SLOT_IRQ(i) (1u + (uint32_t)(i))
#define NPU_MAX_SLOTS 8u

#define NPU_CTRL_START 0x1u /* start at DESC_PTR (ignored while busy) */
#define NPU_CTRL_CLEAR_COUNTERS 0x2u

#define NPU_STATUS_BUSY 0x1u
#define NPU_STATUS_DONE 0x2u  /* last run completed */
#define NPU_STATUS_ERROR 0x4u /* last run stopped on a bad descriptor */
#define NPU_STATUS_ERR_SHIFT 8u

#define NPU_IRQ_DONE 0x1u
#define NPU_IRQ_ERROR 0x2u

/* NPU_REG_CAPS fields */
enum npu_precision {
  NPU_PREC_INT8 = 0, /* int8 weights, int8 activations */
  NPU_PREC_INT4 = 1, /* int4 weights and activations, packed two per byte */
  NPU_PREC_INT2 = 2, /* int2/ternary weights packed four per byte, int8 activations */
  NPU_PREC_FP16 = 3, /* IEEE binary16 tensors, fp32 accumulation, fp32 bias */
  NPU_PREC_FP32 = 4  /* IEEE binary32 */
};
enum npu_dataflow { NPU_DATAFLOW_OS = 0, NPU_DATAFLOW_WS = 1, NPU_DATAFLOW_IS = 2 };
enum npu_compute_model {
  NPU_MODEL_SYSTOLIC = 0,  /* rows x cols systolic array, SCALE-Sim counting */
  NPU_MODEL_ANALOG_IMC = 1 /* analog in-memory crossbar (DIANA/ODiMO cost model) */
};

/* Error codes (STATUS bits 15:8) */
enum npu_error {
  NPU_ERR_NONE = 0,
  NPU_ERR_BAD_OP = 1,        /* unknown op */
  NPU_ERR_BAD_SHAPE = 2,     /* inconsistent or zero dimensions */
  NPU_ERR_MISALIGNED = 3,    /* descriptor or tensor address not aligned */
  NPU_ERR_BUS = 4,           /* DMA got an error response (unmapped address) */
  NPU_ERR_SPAD_OVERFLOW = 5, /* a minimal tile does not fit a scratchpad */
  NPU_ERR_BAD_QUANT = 6,     /* shift/multiplier/clamp out of range */
  NPU_ERR_UNSUPPORTED = 7    /* op/flag not supported by this NPU */
};

/* ---- layer descriptor (NPU_DESC_SIZE bytes, 8-byte aligned) ---- */
enum npu_op {
  NPU_OP_CONV2D = 1,  /* conv with stride/padding/groups (depthwise: groups = in_c = out_c) */
  NPU_OP_GEMM = 2,    /* out[m][n] = sum_k in[m][k] * w[n][k]: m = in_h, k = in_c, n = out_c */
  NPU_OP_MAXPOOL = 3, /* k_h x k_w window, stride, padding (padding never wins) */
  NPU_OP_AVGPOOL = 4, /* divisor = in-bounds elements of the window */
  NPU_OP_GAP = 5,     /* global average pool: out 1x1xC */
  NPU_OP_ADD = 6,     /* element-wise in + in2, each rescaled (see docs/npu.md) */
  NPU_OP_RELU = 7     /* clamp to [act_min, act_max] (ReLU, ReLU6) with requant */
};

#define NPU_FLAG_BIAS 0x1u        /* add bias[out_c] (int32; fp32 on float NPUs) */
#define NPU_FLAG_PER_CHANNEL 0x2u /* mult/shift from quant_addr arrays, else mult/shift fields */
#define NPU_FLAG_IRQ 0x4u         /* raise NPU_IRQ_DONE after this descriptor too */

typedef struct npu_desc {
  uint32_t op;                /*  0 npu_op */
  uint32_t flags;             /*  4 NPU_FLAG_* */
  uint32_t next;              /*  8 next descriptor address, 0 ends the list */
  uint32_t in_addr;           /* 12 input tensor, NHWC (batch 1) */
  uint32_t in2_addr;          /* 16 second input (ADD) */
  uint32_t w_addr;            /* 20 weights: [out_c][k_h][k_w][in_c/groups] (OHWI); GEMM [n][k] */
  uint32_t bias_addr;         /* 24 bias[out_c] */
  uint32_t quant_addr;        /* 28 per-channel: int32 mult[out_c] then int32 shift[out_c] */
  uint32_t out_addr;          /* 32 output tensor, NHWC */
  uint16_t in_h, in_w;        /* 36, 38 */
  uint16_t in_c;              /* 40 */
  uint16_t out_c;             /* 42 */
  uint16_t out_h, out_w;      /* 44, 46 */
  uint8_t k_h, k_w;           /* 48, 49 */
  uint8_t stride_h, stride_w; /* 50, 51 */
  uint8_t pad_top, pad_left, pad_bottom, pad_right; /* 52..55 */
  uint16_t groups;                                  /* 56: 1 = dense conv */
  uint16_t reserved0;                               /* 58: must be 0 */
  int32_t in_zp;                                    /* 60 input zero point */
  int32_t in2_zp;                                   /* 64 second input zero point (ADD) */
  int32_t out_zp;                                   /* 68 output zero point */
  int32_t act_min;       /* 72 output clamp, in output units (float NPUs: fp32 bits) */
  int32_t act_max;       /* 76 */
  int32_t mult;          /* 80 output requant multiplier (Q31) unless PER_CHANNEL */
  int32_t shift;         /* 84 output requant shift (>0 left, <0 right) */
  int32_t in_mult;       /* 88 ADD: input rescale multiplier (Q31) */
  int32_t in_shift;      /* 92 */
  int32_t in2_mult;      /* 96 ADD: second input rescale multiplier (Q31) */
  int32_t in2_shift;     /* 100 */
  uint32_t reserved1[6]; /* 104..127: must be 0 */
} npu_desc_t;

#define NPU_DESC_SIZE 128u

#ifdef __cplusplus
static_assert(sizeof(npu_desc_t) == NPU_DESC_SIZE, "descriptor layout");
#else
_Static_assert(sizeof(npu_desc_t) == NPU_DESC_SIZE, "descriptor layout");
#endif

#endif
