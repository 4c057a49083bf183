/* hpvp_workload_area: where the VP places a workload for model_runner (the
 * model image and its arena, the raw inputs, labels and the result array;
 * see platform/workload.h). Defined here rather than in C because GCC emits a
 * zero-initialised array in a named section as 112 MiB of file bytes
 * (PROGBITS); @nobits keeps both the object and the ELF small. virt.ld puts
 * .workload after .bss, outside every loadable segment, so neither the
 * loaders nor crt0 touch it. The symbol's size tells the VP how much fits. */
  .section .workload, "aw", @nobits
  .globl hpvp_workload_area
  .type hpvp_workload_area, @object
  .balign 64
hpvp_workload_area:
  .skip 112 * 1024 * 1024
  .size hpvp_workload_area, . - hpvp_workload_area
