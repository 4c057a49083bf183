/* NS16550A UART register layout (byte registers, register shift 0), as on
 * QEMU virt. Shared by the C++ model and the C firmware. */
#ifndef HPVP_HW_UART16550_H
#define HPVP_HW_UART16550_H

#define UART_REG_RBR 0x0u /* read, DLAB=0: receive buffer */
#define UART_REG_THR 0x0u /* write, DLAB=0: transmit holding */
#define UART_REG_DLL 0x0u /* DLAB=1: divisor latch low */
#define UART_REG_IER 0x1u /* DLAB=0: interrupt enable */
#define UART_REG_DLM 0x1u /* DLAB=1: divisor latch high */
#define UART_REG_IIR 0x2u /* read: interrupt identification */
#define UART_REG_FCR 0x2u /* write: FIFO control */
#define UART_REG_LCR 0x3u /* line control (bit 7 = DLAB) */
#define UART_REG_MCR 0x4u /* modem control */
#define UART_REG_LSR 0x5u /* line status */
#define UART_REG_MSR 0x6u /* modem status */
#define UART_REG_SCR 0x7u /* scratch */
#define UART_SIZE 0x100u

#define UART_LCR_DLAB 0x80u
#define UART_LSR_DR 0x01u   /* data ready */
#define UART_LSR_THRE 0x20u /* transmit holding register empty */
#define UART_LSR_TEMT 0x40u /* transmitter empty */
#define UART_IER_ERBFI 0x01u /* receive data available interrupt */
#define UART_IER_ETBEI 0x02u /* THR empty interrupt */

#endif
