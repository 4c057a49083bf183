/* Smallest end-to-end check: UART output, CSR reads and a clean exit. */
#include <stdio.h>

#include <hpvp/rt.h>

int main(void) {
  printf("Hello from HPVP!\n");
  printf("misa=0x%08lx mhartid=%lu\n", (unsigned long)csr_read(misa),
         (unsigned long)csr_read(mhartid));
  return 0;
}
