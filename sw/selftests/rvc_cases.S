/* RVC cases that need exact code placement. Linker relaxation is disabled so
 * the offsets asserted with AT_OFFSET_MOD4 stay as assembled. */
  .option rvc
  .option norelax

/* Fails the build unless the next instruction is at (fn + k) with k % 4 ==
 * want, i.e. at a known position relative to the 4-byte-aligned entry. */
.macro W32 insn:vararg  /* forces the 32-bit encoding */
  .option push
  .option norvc
  \insn
  .option pop
.endm

.macro AT_OFFSET_MOD4 fn, want
  .if ((. - \fn) % 4) != \want
  .error "instruction not at the intended halfword position"
  .endif
.endm

/* uint32_t rvc_mixed(uint32_t x): 16- and 32-bit instructions interleaved so
 * that every 32-bit instruction starts at an address = 2 (mod 4); a jalr and a
 * taken branch land on such addresses too. Returns
 * ((((x + 1) + 0x100) << 1) + 0x12345000) ^ 0x55, plus 0x1000 from the
 * branch-target path. */
  .section .text.rvc_mixed, "ax"
  .balign 4
  .globl rvc_mixed
  .type rvc_mixed, @function
rvc_mixed:
  c.addi a0, 1
  AT_OFFSET_MOD4 rvc_mixed, 2
  W32 addi a0, a0, 0x100
  AT_OFFSET_MOD4 rvc_mixed, 2
  W32 lui a1, 0x12345
  c.slli a0, 1
  c.add a0, a1
  AT_OFFSET_MOD4 rvc_mixed, 2
  W32 lla t0, .Lmixed_target  /* auipc + addi */
  c.jr t0
  c.li a0, 0              /* skipped */
.Lmixed_target:
  AT_OFFSET_MOD4 rvc_mixed, 2
  W32 xori a0, a0, 0x55
  AT_OFFSET_MOD4 rvc_mixed, 2
  W32 lui a2, 1
  AT_OFFSET_MOD4 rvc_mixed, 2
  W32 bne a2, zero, .Lmixed_branch /* taken, from and to 2 (mod 4) */
  c.li a0, 0              /* skipped */
  c.nop
.Lmixed_branch:           /* at offset 42 (branches are not constant-size to gas) */
  W32 add a0, a0, a2
  c.jr ra
  .size rvc_mixed, . - rvc_mixed

/* uint32_t rvc_page_cross(void): returns 12, computed by a 32-bit instruction
 * whose two halves lie in different 4 KiB pages. The padding before it is
 * never executed. */
  .section .text.rvc_page_cross, "ax"
  .balign 4096
rvc_page_pad:
  .fill 2046, 2, 0x0001   /* c.nop */
  .globl rvc_page_cross
  .type rvc_page_cross, @function
rvc_page_cross:
  c.li a0, 5
  .if ((. - rvc_page_pad) != 4094)
  .error "rvc_page_cross: addi does not straddle the page boundary"
  .endif
  W32 addi a0, a0, 7
  c.jr ra
  .size rvc_page_cross, . - rvc_page_cross
