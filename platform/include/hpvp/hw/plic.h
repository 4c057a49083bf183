/* Platform-level interrupt controller (RISC-V PLIC specification layout, as
 * on QEMU virt). Context c is hart c's M-mode context. Shared by the C++
 * model and the C firmware. */
#ifndef HPVP_HW_PLIC_H
#define HPVP_HW_PLIC_H

#define PLIC_PRIORITY(src) (0x000000u + 4u * (src))              /* 32-bit */
#define PLIC_PENDING(word) (0x001000u + 4u * (word))             /* sources 32*word.. */
#define PLIC_ENABLE(ctx, word) (0x002000u + 0x80u * (ctx) + 4u * (word))
#define PLIC_THRESHOLD(ctx) (0x200000u + 0x1000u * (ctx))
#define PLIC_CLAIM(ctx) (0x200004u + 0x1000u * (ctx)) /* read: claim, write: complete */
#define PLIC_SIZE 0x4000000u
#define PLIC_MAX_SOURCES 1024u

#endif
