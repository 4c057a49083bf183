// tensor_codec: packing of sub-byte integer tensors, fp16 <-> fp32 conversion
// (checked against the independent double-based conversion of
// npu_reference.h and, where the host has it, the F16C instructions).
#include "npu/tensor_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "npu/npu_layer.h"
#include "npu_reference.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

namespace hpvp::npu {
namespace {

uint32_t bits(float f) { return ref::f32_bits(f); }
float from_bits(uint32_t u) { return ref::bits_f32(u); }

#if HAVE_X86
__attribute__((target("f16c"))) uint16_t f16c_convert(float f) {
  return uint16_t(_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT), 0));
}
bool have_f16c() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("f16c");
}
#endif

TEST(TensorCodecFp16, KnownValues) {
  EXPECT_EQ(fp32_to_fp16(0.0f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3C00);
  EXPECT_EQ(fp32_to_fp16(-2.0f), 0xC000);
  EXPECT_EQ(fp32_to_fp16(0.333333343f), 0x3555);
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7BFF);  // max half
  EXPECT_EQ(fp32_to_fp16(65519.996f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);  // tie above max: rounds to even = inf
  EXPECT_EQ(fp32_to_fp16(-65520.0f), 0xFC00);
  EXPECT_EQ(fp32_to_fp16(1e9f), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::max()), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1023.0f, -24)), 0x03FF);  // largest subnormal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie to even: 0
  EXPECT_EQ(fp32_to_fp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 ulp: tie to even 2
  EXPECT_EQ(fp32_to_fp16(std::ldexp(5.0f, -25)), 0x0002);  // 2.5 ulp: tie to even 2
  EXPECT_EQ(fp32_to_fp16(-std::ldexp(1.0f, -26)), 0x8000);  // underflow keeps the sign
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);      // tie, even is 1.0
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(3.0f, -11)), 0x3C02);      // tie, even is 1+2^-9
  EXPECT_EQ(fp32_to_fp16(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)), 0x3C01);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(2047.0f, -25)), 0x0400);  // 1023.5 subnormal ulps: tie to even -> normal
}

TEST(TensorCodecFp16, NanStaysNan) {
  const uint32_t nans[] = {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7FBFFFFFu, 0xFF800001u, 0x7FFFFFFFu};
  for (uint32_t u : nans) {
    const uint16_t h = fp32_to_fp16(from_bits(u));
    EXPECT_EQ(h & 0x7C00u, 0x7C00u) << std::hex << u;
    EXPECT_NE(h & 0x03FFu, 0u) << std::hex << u;
    EXPECT_EQ(h & 0x8000u, (u >> 16) & 0x8000u) << std::hex << u;
    EXPECT_TRUE(std::isnan(fp16_to_fp32(h)));
  }
  EXPECT_EQ(fp32_to_fp16(from_bits(0x7FC00000u)), 0x7E00);
  EXPECT_EQ(fp32_to_fp16(from_bits(0x7F800001u)), 0x7E00);  // signalling -> quiet
  EXPECT_EQ(bits(fp16_to_fp32(0x7E00)), 0x7FC00000u);
  EXPECT_EQ(bits(fp16_to_fp32(0xFD01)), 0xFFA02000u);  // payload kept
}

TEST(TensorCodecFp16, AllHalvesToFloatMatchReference) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = fp16_to_fp32(uint16_t(h));
    const float want = ref::fp16_to_fp32(uint16_t(h));
    ASSERT_EQ(bits(got), bits(want)) << std::hex << h;
    if (!std::isnan(got)) {
      ASSERT_EQ(fp32_to_fp16(got), h) << "round trip " << std::hex << h;
    }
  }
  EXPECT_EQ(fp16_to_fp32(0x7BFF), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(fp16_to_fp32(0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_EQ(bits(fp16_to_fp32(0x8000)), 0x80000000u);
  EXPECT_EQ(fp16_to_fp32(0x7C00), std::numeric_limits<float>::infinity());
}

// Every rounding boundary: each half, the midpoints to its neighbours, and
// the floats right next to those midpoints.
TEST(TensorCodecFp16, RoundingBoundariesMatchReference) {
  std::vector<float> probes;
  for (uint32_t h = 0; h < 0x7C00; ++h) {
    const double lo = ref::fp16_to_fp32(uint16_t(h));
    const double hi = h + 1 < 0x7C00 ? double(ref::fp16_to_fp32(uint16_t(h + 1))) : 65536.0;
    const float mid = float((lo + hi) / 2);  // exact in fp32
    ASSERT_EQ(double(mid), (lo + hi) / 2);
    for (float f : {float(lo), mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
      probes.push_back(f);
      probes.push_back(-f);
    }
  }
  for (float f : probes) ASSERT_EQ(fp32_to_fp16(f), ref::fp32_to_fp16(f)) << std::hexfloat << f;
#if HAVE_X86
  if (have_f16c()) {
    for (float f : probes) ASSERT_EQ(fp32_to_fp16(f), f16c_convert(f)) << std::hexfloat << f;
  }
#endif
}

TEST(TensorCodecFp16, RandomFloatsMatchReferenceAndF16c) {
  std::mt19937 rng(1234);
  // Uniform bit patterns (all exponents) and values near the half range.
  std::uniform_real_distribution<float> near(-70000.0f, 70000.0f);
  std::uniform_int_distribution<int> small_exp(-30, -10);
  const bool f16c = HAVE_X86 && [] {
#if HAVE_X86
    return have_f16c();
#else
    return false;
#endif
  }();
  for (int i = 0; i < 3000000; ++i) {
    float f;
    switch (i % 3) {
      case 0: f = from_bits(rng()); break;
      case 1: f = near(rng); break;
      default: f = std::ldexp(near(rng) / 70000.0f, small_exp(rng)); break;
    }
    const uint16_t got = fp32_to_fp16(f);
    ASSERT_EQ(got, ref::fp32_to_fp16(f)) << std::hex << bits(f);
#if HAVE_X86
    if (f16c) {
      ASSERT_EQ(got, f16c_convert(f)) << std::hex << bits(f);
    }
#endif
  }
}

TEST(TensorCodecInt, Int4Layout) {
  const int8_t v[] = {1, -1, -8, 7, 0};
  uint8_t b[3] = {0xAA, 0xAA, 0xAA};
  pack_int(v, 5, 4, b);
  EXPECT_EQ(b[0], 0xF1);  // element 0 in the low nibble
  EXPECT_EQ(b[1], 0x78);
  EXPECT_EQ(b[2], 0x00);  // unused high nibble written as 0
  int8_t u[5];
  unpack_int(b, 5, 4, u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(u[i], v[i]);
}

TEST(TensorCodecInt, Int2Layout) {
  const int8_t v[] = {1, -1, -2, 0, -1, 1};
  uint8_t b[2] = {0xFF, 0xFF};
  pack_int(v, 6, 2, b);
  EXPECT_EQ(b[0], 0x2D);  // 0b00'10'11'01: element 0 in bits 1:0
  EXPECT_EQ(b[1], 0x07);  // 0b0000'01'11, unused bits 0
  int8_t u[6];
  unpack_int(b, 6, 2, u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(u[i], v[i]);
}

TEST(TensorCodecInt, RoundTripsAllWidthsAndLengths) {
  std::mt19937 rng(7);
  for (int b : {8, 4, 2}) {
    const int lo = -(1 << (b - 1)), hi = (1 << (b - 1)) - 1;
    std::uniform_int_distribution<int> d(lo, hi);
    for (uint64_t n : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 33u, 1000u, 1001u, 1002u, 1003u}) {
      std::vector<int8_t> v(n), u(n);
      for (auto& x : v) x = int8_t(d(rng));
      std::vector<uint8_t> packed(packed_bytes(n, b));
      pack_int(v.data(), n, b, packed.data());
      unpack_int(packed.data(), n, b, u.data());
      ASSERT_EQ(u, v) << "bits " << b << " n " << n;
      // Every byte pattern unpacks to in-range values and repacks unchanged.
      std::vector<uint8_t> raw(packed_bytes(n, b));
      for (auto& x : raw) x = uint8_t(rng());
      const uint64_t full = (n * b) / 8;
      unpack_int(raw.data(), n, b, u.data());
      std::vector<uint8_t> again(raw.size());
      pack_int(u.data(), n, b, again.data());
      for (uint64_t i = 0; i < full; ++i) ASSERT_EQ(again[i], raw[i]);
      for (int8_t x : u) ASSERT_TRUE(x >= lo && x <= hi);
    }
  }
}

TEST(TensorCodecFloat, Fp16AndFp32Tensors) {
  const float v[] = {1.0f, -0.5f, 65504.0f, 1e-8f, 3.14159265f, 70000.0f};
  uint8_t b16[12];
  pack_float(v, 6, 16, b16);
  EXPECT_EQ(b16[0], 0x00);
  EXPECT_EQ(b16[1], 0x3C);  // little-endian 0x3C00
  float u[6];
  unpack_float(b16, 6, 16, u);
  EXPECT_EQ(u[0], 1.0f);
  EXPECT_EQ(u[1], -0.5f);
  EXPECT_EQ(u[2], 65504.0f);
  EXPECT_EQ(u[3], 0.0f);  // 1e-8 < 2^-25: rounds to 0
  EXPECT_EQ(u[4], 3.140625f);
  EXPECT_TRUE(std::isinf(u[5]));
  uint8_t b32[24];
  pack_float(v, 6, 32, b32);
  EXPECT_EQ(b32[3], 0x3F);  // 1.0f = 0x3F800000 little-endian
  EXPECT_EQ(b32[2], 0x80);
  unpack_float(b32, 6, 32, u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(bits(u[i]), bits(v[i]));
}

TEST(TensorCodecWords, LittleEndianInt32AndFloat) {
  const int32_t v[] = {1, -2, 0x12345678, std::numeric_limits<int32_t>::min()};
  uint8_t b[16];
  pack_i32(v, 4, b);
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(b[4], 0xFE);
  EXPECT_EQ(b[7], 0xFF);
  EXPECT_EQ(b[8], 0x78);
  EXPECT_EQ(b[11], 0x12);
  int32_t u[4];
  unpack_i32(b, 4, u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(u[i], v[i]);
  const uint8_t fb[4] = {0x00, 0x00, 0xC0, 0x3F};
  float f;
  unpack_f32(fb, 1, &f);
  EXPECT_EQ(f, 1.5f);
}

}  // namespace
}  // namespace hpvp::npu
