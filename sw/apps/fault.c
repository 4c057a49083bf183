/* Deliberately faults with no trap hook installed, to exercise the default
 * trap handler: it must print the TRAP report and exit with 0x40 | 5 (load
 * access fault). 0x00200000 is unmapped on QEMU virt and on the VP. */
#include <stdio.h>

#include <hpvp/rt.h>

#define UNMAPPED_ADDR 0x00200000u

int main(void) {
  printf("fault: loading from unmapped address 0x%08x\n", UNMAPPED_ADDR);
  uint32_t value = *rt_reg32(UNMAPPED_ADDR);
  printf("fault: ERROR, load returned 0x%08lx without trapping\n", (unsigned long)value);
  return 1;
}
