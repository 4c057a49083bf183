/* picolibc stdio over UART0 and program exit through the test finisher. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <hpvp/hw/test_finisher.h>
#include <hpvp/hw/uart16550.h>
#include <hpvp/hw/virt_map.h>
#include <hpvp/rt.h>

/* Bounds the wait for the transmitter so a UART model that never reports
 * TEMT cannot hang _exit. */
#define UART_DRAIN_SPINS 100000

static inline uint8_t uart_lsr(void) { return *rt_reg8(VIRT_UART0_BASE + UART_REG_LSR); }

static int uart_putc(char c, FILE *file) {
  (void)file;
  while (!(uart_lsr() & UART_LSR_THRE)) {
  }
  *rt_reg8(VIRT_UART0_BASE + UART_REG_THR) = (uint8_t)c;
  return (unsigned char)c;
}

static int uart_getc(FILE *file) {
  (void)file;
  while (!(uart_lsr() & UART_LSR_DR)) {
  }
  return *rt_reg8(VIRT_UART0_BASE + UART_REG_RBR);
}

/* Unbuffered: every character goes straight to the UART, so output written
 * just before a crash or an exit is never lost. No "\n" -> "\r\n" mapping:
 * the UART stream is compared byte for byte by the tests. */
static FILE uart_file = FDEV_SETUP_STREAM(uart_putc, uart_getc, NULL, _FDEV_SETUP_RW);

FILE *const stdin = &uart_file;
FILE *const stdout = &uart_file;
FILE *const stderr = &uart_file;

static void uart_drain(void) {
  for (int i = 0; i < UART_DRAIN_SPINS && !(uart_lsr() & UART_LSR_TEMT); i++) {
  }
}

/* Called by exit() after atexit handlers. Status 0 -> PASS; anything else
 * -> FAIL with the low 16 bits as the code (a multiple of 0x10000 maps to 1
 * so it still fails). */
void _exit(int status) {
  uint32_t code = (uint32_t)status & 0xffffu;
  if (status != 0 && code == 0) code = 1;
  uint32_t cmd = status == 0 ? FINISHER_PASS : (FINISHER_FAIL | (code << 16));
  uart_drain();
  *rt_reg32(VIRT_FINISHER_BASE + FINISHER_REG_CONTROL) = cmd;
  for (;;) rt_wfi(); /* the finisher stops the machine; never returns */
}
