/* Trap entry: saves the interrupted context in a struct rt_trap_frame on the
 * current stack, calls rt_trap_dispatch(frame) and returns with mret,
 * restoring registers, mepc and mstatus from the (possibly modified) frame.
 * Layout must match struct rt_trap_frame in hpvp/rt.h. */

#define FRAME_SIZE 160
#define X(n) (4 * (n))
#define F_MEPC 128
#define F_MCAUSE 132
#define F_MTVAL 136
#define F_MSTATUS 140
#define F_VECTOR 144

/* Every entry point allocates the frame and frees t0 to carry the vector
 * slot (-1 for direct mode) into the common code. */
.macro ENTER slot
  addi sp, sp, -FRAME_SIZE
  sw t0, X(5)(sp)
  li t0, \slot
  j rt_trap_common
.endm

  .section .text.rt_trap, "ax"
  .balign 4
  .globl rt_trap_entry
  .type rt_trap_entry, @function
rt_trap_entry:
  ENTER -1
  .size rt_trap_entry, . - rt_trap_entry

/* Vectored mode: exceptions enter slot 0, interrupt cause n enters slot n.
 * Each slot must be exactly one 4-byte instruction, hence norvc. */
  .balign 64
  .globl rt_trap_vector_table
  .type rt_trap_vector_table, @object
rt_trap_vector_table:
  .option push
  .option norvc
  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  j .Lslot\n
  .endr
  .option pop
  .size rt_trap_vector_table, . - rt_trap_vector_table

  .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
.Lslot\n:
  ENTER \n
  .endr

rt_trap_common:
  sw t0, F_VECTOR(sp)
  sw x1, X(1)(sp)
  sw x3, X(3)(sp)
  sw x4, X(4)(sp)
  .irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
  sw x\n, X(\n)(sp)
  .endr
  addi t0, sp, FRAME_SIZE
  sw t0, X(2)(sp)
  csrr t0, mepc
  sw t0, F_MEPC(sp)
  csrr t0, mcause
  sw t0, F_MCAUSE(sp)
  csrr t0, mtval
  sw t0, F_MTVAL(sp)
  csrr t0, mstatus
  sw t0, F_MSTATUS(sp)

  /* The interrupted code (e.g. a register-clobbering ISA test) may have
   * changed gp/tp; the C handler needs the runtime's values. */
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la tp, __tls_base

  mv a0, sp
  call rt_trap_dispatch

  lw t0, F_MEPC(sp)
  csrw mepc, t0
  lw t0, F_MSTATUS(sp)
  csrw mstatus, t0
  lw x1, X(1)(sp)
  lw x3, X(3)(sp)
  lw x4, X(4)(sp)
  .irp n, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
  lw x\n, X(\n)(sp)
  .endr
  addi sp, sp, FRAME_SIZE
  mret
  .size rt_trap_common, . - rt_trap_common
