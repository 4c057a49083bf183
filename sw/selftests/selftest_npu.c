/* NPU driver and programming-model self-test, on every NPU npu_probe()
 * finds: error reporting (bad op, misaligned descriptor, bus error, error in
 * the middle of a list), interrupts, START while busy, the npu_wait()
 * watchdog, counters, and a small GEMM checked against the CPU. Without
 * NPUs (QEMU, virt.yaml) it checks only that probing finds none. Exit
 * status = failed checks. */
#include <stdio.h>
#include <string.h>

#include <hpvp/rt.h>

#include "npu.h"

#define UNMAPPED 0x00200000u /* nothing answers here (see apps/fault.c) */
#define GEMM_M 4
#define GEMM_K 8
#define GEMM_N 4

static npu_desc_t descs[4] __attribute__((aligned(8)));
/* act_in is also the relu input (16 values) */
static uint8_t act_in[GEMM_M * GEMM_K * 4] __attribute__((aligned(8)));
static uint8_t act_out[64] __attribute__((aligned(8)));
static uint8_t gemm_w[GEMM_N * GEMM_K * 4] __attribute__((aligned(8)));
static int32_t gemm_bias[GEMM_N];
static uint8_t gemm_out[GEMM_M * GEMM_N * 4] __attribute__((aligned(8)));

static uint8_t big_in[32768] __attribute__((aligned(8)));
static uint8_t big_out[32768] __attribute__((aligned(8)));

static uint32_t a32(const void *p) { return (uint32_t)(uintptr_t)p; }

/* An element-wise layer over 32 KiB in and out: tens of microseconds of DMA. */
static void big_relu_desc(npu_desc_t *d, const struct npu_info *n) {
  struct npu_quant q = npu_quant_default(n->precision);
  struct npu_shape s = {(uint16_t)(32768u * 8u / npu_act_bits(n->precision) / 256u), 1, 256};
  npu_desc_relu(d, big_in, s, big_out, &q);
}

/* A valid element-wise layer over 16 values. */
static void relu_desc(npu_desc_t *d, const struct npu_info *n) {
  struct npu_quant q = npu_quant_default(n->precision);
  struct npu_shape s = {1, 1, 16};
  npu_desc_relu(d, act_in, s, act_out, &q);
}

static void expect_error(const struct npu_info *n, const npu_desc_t *first, unsigned code,
                         uint32_t err_addr, uint32_t done) {
  uint32_t irqs = npu_irq_count(n);
  uint32_t st = npu_run(n, first);
  CHECK_EQ(st & (NPU_STATUS_BUSY | NPU_STATUS_DONE | NPU_STATUS_ERROR), NPU_STATUS_ERROR);
  CHECK_EQ(npu_status_error(st), code);
  CHECK_EQ(npu_error_addr(n), err_addr);
  CHECK_EQ(npu_desc_done(n), done);
  CHECK(npu_irq_count(n) > irqs);
}

static void test_errors(const struct npu_info *n) {
  memset(descs, 0, sizeof descs);
  descs[0].op = 99;
  expect_error(n, &descs[0], NPU_ERR_BAD_OP, a32(&descs[0]), 0);

  relu_desc(&descs[0], n);
  expect_error(n, (const npu_desc_t *)((const uint8_t *)&descs[0] + 4), NPU_ERR_MISALIGNED,
               a32(&descs[0]) + 4, 0);

  relu_desc(&descs[0], n);
  descs[0].in_addr = UNMAPPED;
  expect_error(n, &descs[0], NPU_ERR_BUS, a32(&descs[0]), 0);

  relu_desc(&descs[0], n);
  relu_desc(&descs[1], n);
  descs[1].out_w = 2; /* shape no longer matches the input */
  npu_desc_chain(&descs[0], &descs[1], false);
  expect_error(n, &descs[0], NPU_ERR_BAD_SHAPE, a32(&descs[1]), 1);
}

static void test_run_control(const struct npu_info *n) {
  /* A list of three layers with an extra interrupt after the first: one
   * npu_wait() covers the whole list. */
  for (int i = 0; i < 3; i++) relu_desc(&descs[i], n);
  npu_desc_chain(&descs[0], &descs[1], true);
  npu_desc_chain(&descs[1], &descs[2], false);
  uint32_t irqs = npu_irq_count(n);
  CHECK(npu_start(n, &descs[0]));
  CHECK(!npu_start(n, &descs[0])); /* BUSY right after START */
  uint32_t st = npu_wait(n);
  CHECK(npu_status_ok(st));
  CHECK_EQ(npu_desc_done(n), 3);
  CHECK(npu_irq_count(n) - irqs >= 1);
  CHECK(npu_irq_count(n) - irqs <= 2);

  /* A watchdog shorter than the run: npu_wait_timeout() returns with BUSY
   * still set, the watchdog disarmed and interrupts enabled again; a second
   * wait collects the run. */
  big_relu_desc(&descs[0], n);
  CHECK(npu_start(n, &descs[0]));
  st = npu_wait_timeout(n, 1);
  CHECK(npu_wait_timed_out(st));
  CHECK_EQ(csr_read(mie) & MIE_MTIE, 0);
  CHECK(csr_read(mstatus) & MSTATUS_MIE);
  uint64_t t0 = rt_mtime();
  st = npu_wait(n);
  CHECK(npu_status_ok(st));
  CHECK_EQ(npu_desc_done(n), 1);
  CHECK(rt_mtime() - t0 < NPU_WAIT_TIMEOUT_TICKS / 2); /* woken by the NPU, not the watchdog */
}

static void test_counters(const struct npu_info *n) {
  npu_clear_counters(n);
  struct npu_counters c;
  npu_read_counters(n, &c);
  CHECK_EQ(c.layers, 0);
  CHECK_EQ(c.macs, 0);
  CHECK_EQ(c.cycles, 0);
  relu_desc(&descs[0], n);
  CHECK(npu_status_ok(npu_run(n, &descs[0])));
  npu_read_counters(n, &c);
  CHECK_EQ(c.layers, 1);
  CHECK(c.cycles > 0);
  CHECK(c.dma_in > 0);
  CHECK(c.dma_out > 0);
  uint64_t e0 = npu_read_counter(n, NPU_REG_CNT_ENERGY_PJ);
  CHECK(npu_read_counter(n, NPU_REG_CNT_ENERGY_PJ) >= e0);
}

/* out = in . w^T + bias on small integers: exact on every precision, so the
 * CPU computes the expected values directly. */
static void test_gemm(const struct npu_info *n) {
  const unsigned p = n->precision;
  const int wlo = p == NPU_PREC_INT2 ? -1 : p == NPU_PREC_INT4 ? -8 : -5;
  const int whi = p == NPU_PREC_INT2 ? 1 : p == NPU_PREC_INT4 ? 7 : 5;
  uint32_t rng = 0x1234567u;
  int8_t x[GEMM_M * GEMM_K], w[GEMM_N * GEMM_K];
  for (int i = 0; i < GEMM_M * GEMM_K; i++) {
    rng = rng * 1103515245u + 12345u;
    x[i] = (int8_t)((int)((rng >> 16) % 15u) - 7); /* [-7, 7]: int4 activations too */
  }
  for (int i = 0; i < GEMM_N * GEMM_K; i++) {
    rng = rng * 1103515245u + 12345u;
    w[i] = (int8_t)(wlo + (int)((rng >> 16) % (unsigned)(whi - wlo + 1)));
  }
  for (int j = 0; j < GEMM_N; j++) gemm_bias[j] = 3 * j - 4;

  struct npu_quant q = npu_quant_default(p);
  if (npu_is_float(p)) {
    for (int i = 0; i < GEMM_M * GEMM_K; i++) {
      float f = (float)x[i];
      if (p == NPU_PREC_FP16) {
        uint16_t h = npu_f32_to_f16(npu_f32_bits(f));
        memcpy(act_in + 2 * i, &h, 2);
      } else {
        memcpy(act_in + 4 * i, &f, 4);
      }
    }
    for (int i = 0; i < GEMM_N * GEMM_K; i++) {
      float f = (float)w[i];
      if (p == NPU_PREC_FP16) {
        uint16_t h = npu_f32_to_f16(npu_f32_bits(f));
        memcpy(gemm_w + 2 * i, &h, 2);
      } else {
        memcpy(gemm_w + 4 * i, &f, 4);
      }
    }
    for (int j = 0; j < GEMM_N; j++) {
      float f = (float)gemm_bias[j];
      memcpy(&gemm_bias[j], &f, 4);
    }
  } else {
    q.in_zp = 1;
    q.out_zp = -2;
    q.mult = 1 << 30; /* x 0.25 */
    q.shift = -1;
    if (p == NPU_PREC_INT4) {
      npu_pack_int4(act_in, x, GEMM_M * GEMM_K);
      npu_pack_int4(gemm_w, w, GEMM_N * GEMM_K);
    } else {
      memcpy(act_in, x, sizeof x);
      if (p == NPU_PREC_INT2)
        npu_pack_int2(gemm_w, w, GEMM_N * GEMM_K);
      else
        memcpy(gemm_w, w, sizeof w);
    }
  }
  npu_desc_gemm(&descs[0], act_in, GEMM_M, GEMM_K, gemm_w, gemm_bias, gemm_out, GEMM_N, &q);
  uint32_t st = npu_run(n, &descs[0]);
  CHECK(npu_status_ok(st));
  if (!npu_status_ok(st)) npu_print_status(n, st);

  unsigned bad = 0;
  for (int i = 0; i < GEMM_M; i++)
    for (int j = 0; j < GEMM_N; j++) {
      int32_t acc = 0;
      for (int k = 0; k < GEMM_K; k++) acc += (x[i * GEMM_K + k] - q.in_zp) * w[j * GEMM_K + k];
      int idx = i * GEMM_N + j;
      if (npu_is_float(p)) {
        int32_t want = acc + 3 * j - 4; /* small integers: exact in fp16 and fp32 */
        float got;
        if (p == NPU_PREC_FP16) {
          uint16_t h;
          memcpy(&h, gemm_out + 2 * idx, 2);
          got = npu_bits_f32(npu_f16_to_f32(h));
        } else {
          memcpy(&got, gemm_out + 4 * idx, 4);
        }
        bad += got != (float)want;
      } else {
        int32_t want = npu_clamp(npu_mbqm(acc + gemm_bias[j], q.mult, q.shift) + q.out_zp,
                                 q.act_min, q.act_max);
        int32_t got = p == NPU_PREC_INT4 ? npu_get_int4(gemm_out, (size_t)idx)
                                         : ((int8_t *)gemm_out)[idx];
        bad += got != want;
      }
    }
  CHECK_EQ(bad, 0);
  struct npu_counters c;
  npu_read_counters(n, &c);
  CHECK(c.macs >= GEMM_M * GEMM_K * GEMM_N);
}

int main(void) {
  static struct npu_info npus[NPU_MAX_SLOTS];
  unsigned count = npu_probe(npus, NPU_MAX_SLOTS);
  printf("selftest_npu: %u NPU%s\n", count, count == 1 ? "" : "s");
  CHECK(count <= NPU_MAX_SLOTS);
  for (unsigned i = 0; i < count; i++) {
    const struct npu_info *n = &npus[i];
    char name[48];
    snprintf(name, sizeof name, "npu%u (%s, %lux%lu)", n->slot, npu_precision_name(n->precision),
             (unsigned long)n->rows, (unsigned long)n->cols);
    rt_test_group(name);
    CHECK_EQ(n->base, NPU_SLOT_BASE(n->slot));
    CHECK_EQ(n->irq, NPU_PLIC_SOURCE(n->slot));
    CHECK(n->precision <= NPU_PREC_FP32);
    CHECK(n->rows > 0 && n->cols > 0);
    test_errors(n);
    test_run_control(n);
    test_counters(n);
    test_gemm(n);
  }
  return rt_test_summary();
}
