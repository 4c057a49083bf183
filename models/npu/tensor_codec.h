// Conversion between NPU tensors as stored in memory and the working buffers
// of the functional kernels (npu_kernels.h). Pure C++, no SystemC.
//
// Memory formats (docs/npu-arithmetic.md, "Storage"):
//  - integer tensors of 8, 4 or 2 bits: two's complement, packed low bits
//    first: element i occupies bits [(i*bits) % 8, +bits) of byte
//    (i*bits) / 8. Working buffers hold one sign-extended int8_t per element.
//  - fp16 tensors: IEEE binary16, little-endian, 2 bytes per element.
//  - fp32 tensors, fp32 bias: IEEE binary32, little-endian.
//  - int32 arrays (bias, per-channel mult/shift): little-endian.
// All functions are byte-order independent of the host.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hpvp::npu {

// binary16 <-> binary32. fp32_to_fp16 rounds to nearest, ties to even;
// magnitudes >= 65520 become +-inf, results below 2^-14 become subnormals
// (or +-0), a NaN stays a NaN: sign kept, quiet bit set, top 9 payload bits
// kept (as F16C/VCVTPS2PH). fp16_to_fp32 is exact (NaN payload kept as is).
uint16_t fp32_to_fp16(float f);
float fp16_to_fp32(uint16_t h);

// Packed integer tensors; bits is 8, 4 or 2. src/dst hold packed_bytes(n, bits)
// bytes. unpack sign-extends every element to int8_t. pack stores the low
// `bits` bits of every value (callers pass values within the range) and
// writes 0 to the unused high bits of a final partial byte.
void unpack_int(const uint8_t* src, uint64_t n, int bits, int8_t* dst);
void pack_int(const int8_t* src, uint64_t n, int bits, uint8_t* dst);

// Float tensors; bits is 16 (binary16, converted exactly to float; packing
// rounds once with fp32_to_fp16) or 32 (binary32, copied).
void unpack_float(const uint8_t* src, uint64_t n, int bits, float* dst);
void pack_float(const float* src, uint64_t n, int bits, uint8_t* dst);

// Little-endian 32-bit arrays (bias, mult/shift).
void unpack_i32(const uint8_t* src, uint64_t n, int32_t* dst);
void pack_i32(const int32_t* src, uint64_t n, uint8_t* dst);
void unpack_f32(const uint8_t* src, uint64_t n, float* dst);

}  // namespace hpvp::npu
