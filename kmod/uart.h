/* SPDX-License-Identifier: GPL-2.0 */
/*
 * COM1: the 16550A model (kmod/uart.c). Its state, struct hvm_uart, is
 * embedded in struct hvm_vm (kmod/hvm.h) under vm->uart_lock.
 */
#ifndef HVM_UART_H
#define HVM_UART_H

#include "hvm.h"

#define HVM_COM1_BASE		0x3f8
#define HVM_COM1_IRQ		4

int hvm_uart_create(struct hvm_vm *vm);
void hvm_uart_destroy(struct hvm_vm *vm);

/**
 * hvm_uart_input() - bytes typed on the host side arrive at COM1's receiver
 * @vm: the VM
 * @buf: the bytes (kernel memory)
 * @len: how many are offered
 *
 * Return: how many the receiver took: at most its free space (16 bytes of
 * FIFO, or the one holding register while the FIFOs are off), 0 while the
 * receiver is full, while the guest's DTR is off (its driver is not ready)
 * or in loopback (the serial input is then disconnected).
 * Nothing is ever dropped: the caller offers the rest again later.
 */
unsigned int hvm_uart_input(struct hvm_vm *vm, const u8 *buf, unsigned int len);

/** hvm_uart_rx_space() - bytes hvm_uart_input() would take now */
unsigned int hvm_uart_rx_space(struct hvm_vm *vm);

/* Append one byte to the console ring (the caller holds vm->uart_lock). */
void hvm_console_putc(struct hvm_vm *vm, u8 c);

#endif /* HVM_UART_H */
