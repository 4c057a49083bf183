/* Core-local interruptor (SiFive CLINT layout, as on QEMU virt). Shared by the
 * C++ model and the C firmware. */
#ifndef HPVP_HW_CLINT_H
#define HPVP_HW_CLINT_H

#define CLINT_MSIP(hart) (0x0000u + 4u * (hart))     /* 32-bit, bit 0 */
#define CLINT_MTIMECMP(hart) (0x4000u + 8u * (hart)) /* 64-bit */
#define CLINT_MTIME 0xBFF8u                          /* 64-bit */
#define CLINT_SIZE 0x10000u
#define CLINT_MAX_HARTS 4095u

#endif
