/* Reset entry of every HPVP firmware image. QEMU (-bios none) and the VP both
 * start all harts at the ELF entry in M-mode with a0 = hartid. */

  .section .text.rt_start, "ax"
  .globl _start
  .type _start, @function
_start:
  /* gp must be loaded without relaxation: a relaxed `la gp` would itself
   * become gp-relative before gp is valid. */
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop

  /* Each hart owns a stack slot below the top of DRAM (hart 0 on top). Only
   * hart 0 runs the program; the others park, but still get a valid sp so a
   * stray trap on them does not scribble over the heap. */
  csrr t0, mhartid
  lui t1, %hi(__max_harts)
  addi t1, t1, %lo(__max_harts)
  bgeu t0, t1, .Lpark
  la sp, __stack_top
  lui t1, %hi(__hart_stack_size)
  addi t1, t1, %lo(__hart_stack_size)
  mul t1, t1, t0
  sub sp, sp, t1
  bnez t0, .Lpark

  /* RISC-V TLS is variant I with no TCB offset: tp points at the start of the
   * TLS block. The only thread uses the .tdata template in place (the loader
   * already put its initial values there), so only .tbss needs clearing. */
  la tp, __tls_base
  la a0, __tbss_start
  la a1, __tbss_end
  call .Lzero

  la a0, __bss_start
  la a1, __bss_end
  call .Lzero

  /* Until a program installs something else, traps go to the default
   * handler, which reports them and exits. */
  la t0, rt_trap_entry
  csrw mtvec, t0

  call __libc_init_array
  li a0, 0   /* argc */
  li a1, 0   /* argv */
  call main
  tail exit

/* Zeroes [a0, a1); both word aligned (the linker script aligns the bounds). */
.Lzero:
  bgeu a0, a1, 2f
1:
  sw zero, 0(a0)
  addi a0, a0, 4
  bltu a0, a1, 1b
2:
  ret

/* Secondary harts sleep forever; interrupts stay disabled (mstatus.MIE = 0
 * at reset), and wfi may return spuriously, hence the loop. */
.Lpark:
  wfi
  j .Lpark
  .size _start, . - _start
