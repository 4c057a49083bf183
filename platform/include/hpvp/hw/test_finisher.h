/* Test finisher (QEMU virt "sifive_test" convention). Shared by the C++ model
 * and the C firmware: this header is the single definition of the layout. */
#ifndef HPVP_HW_TEST_FINISHER_H
#define HPVP_HW_TEST_FINISHER_H

#define FINISHER_REG_CONTROL 0x0u /* 32-bit, write-only */
#define FINISHER_FAIL 0x3333u     /* value | (exit_code << 16) */
#define FINISHER_PASS 0x5555u
#define FINISHER_RESET 0x7777u
#define FINISHER_SIZE 0x1000u

#endif
