// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt lines: a device model raises or lowers its line with
 * hvm_irq_line(); every interrupt controller the platform has (the 8259A
 * pair for ISA IRQs 0-15, the I/O APIC for GSIs 0-23) registered itself as
 * a sink at VM creation and sees each change. Numbering follows the ISA
 * IRQ / GSI identity the MP table and MADT describe (with the usual
 * IRQ0 -> GSI2 override handled by the I/O APIC model), so a device never
 * needs to know which controllers exist.
 */
#include "hvm.h"

/**
 * hvm_irq_add_sink() - an interrupt controller listens to every line
 * @vm: the VM being created (not yet visible)
 * @fn: called with the line and its new level
 * @priv: passed to @fn
 *
 * Return: 0, or -ENOSPC.
 */
int hvm_irq_add_sink(struct hvm_vm *vm, hvm_irq_sink_fn fn, void *priv)
{
	if (vm->nr_irq_sinks == HVM_IRQ_SINKS)
		return -ENOSPC;
	vm->irq_sinks[vm->nr_irq_sinks].fn = fn;
	vm->irq_sinks[vm->nr_irq_sinks].priv = priv;
	vm->nr_irq_sinks++;
	return 0;
}

/**
 * hvm_irq_line() - set the level of interrupt line @irq
 * @vm: the VM
 * @irq: ISA IRQ / GSI, below HVM_NR_IRQS
 * @level: asserted
 *
 * Any context that may take a spinlock (hrtimer callbacks included): the
 * controllers lock their own state. Edge-triggered inputs see a rising
 * edge when @level goes from false to true.
 */
void hvm_irq_line(struct hvm_vm *vm, unsigned int irq, bool level)
{
	unsigned int i;

	if (WARN_ON_ONCE(irq >= HVM_NR_IRQS))
		return;
	for (i = 0; i < vm->nr_irq_sinks; i++)
		vm->irq_sinks[i].fn(vm, vm->irq_sinks[i].priv, irq, level);
}

/**
 * hvm_irq_pulse() - raise and lower @irq: one edge
 * @vm: the VM
 * @irq: ISA IRQ / GSI
 */
void hvm_irq_pulse(struct hvm_vm *vm, unsigned int irq)
{
	hvm_irq_line(vm, irq, true);
	hvm_irq_line(vm, irq, false);
}
