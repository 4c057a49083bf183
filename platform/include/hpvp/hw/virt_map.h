/* Addresses of the default platform (configs/virt.yaml), which follows QEMU's
 * `virt` machine so a bare-metal ELF runs on both. The VP takes its address
 * map from the YAML config; the firmware takes it from here, and the test
 * VirtMap.ConfigMatchesFirmwareHeader checks that the two agree. */
#ifndef HPVP_HW_VIRT_MAP_H
#define HPVP_HW_VIRT_MAP_H

#define VIRT_FINISHER_BASE 0x00100000u
#define VIRT_CLINT_BASE 0x02000000u
#define VIRT_PLIC_BASE 0x0c000000u
#define VIRT_UART0_BASE 0x10000000u
#define VIRT_DRAM_BASE 0x80000000u
#define VIRT_DRAM_SIZE 0x08000000u       /* 128 MiB */
#define VIRT_UART0_IRQ 10u               /* PLIC source, as on QEMU virt */
#define VIRT_CLINT_TIMEBASE_HZ 10000000u /* mtime frequency, as on QEMU virt */

#endif
