// SPDX-License-Identifier: GPL-2.0
/*
 * The rest of a PC chipset a kernel touches while it boots and reboots:
 *
 * 0xCF8-0xCFF  PCI configuration mechanism #1 (PCI Local Bus 3.0 3.2.2.3.2,
 *              PIIX3/PIIX4 datasheets): a 32-bit access to 0xCF8 is
 *              CONFIG_ADDRESS (bit 31 enable, bits 23-2 bus/device/function/
 *              register; the reserved bits 30-24 and 1-0 read 0); data at
 *              0xCFC-0xCFF reads all ones and drops writes, as for an
 *              absent device: no bus has any. Linux's pci_check_type1()
 *              finds the mechanism, its sanity check finds no host bridge,
 *              and the kernel goes on without PCI.
 *              A byte at 0xCF9 is the Reset Control register (PIIX4 RC,
 *              ICH/PCH "RST_CNT"): bit 1 SYS_RST, bit 3 FULL_RST kept,
 *              bit 2 RST_CPU set by a write resets the machine (Linux
 *              writes 0x02 then 0x06, or 0x0E for a full reset).
 *              Other byte and word accesses to 0xCF8-0xCFB float.
 *
 * 0x60/0x64    The i8042 keyboard controller, only as much as an absent
 *              keyboard needs: status (0x64) reads OBF | SYS with IBF
 *              clear, data (0x60) reads 0xff. So Linux's i8042_flush()
 *              keeps finding "data" and reports "No controller found" at
 *              once instead of timing out on commands, while the reset
 *              path's kb_wait() sees an empty input buffer. Commands
 *              0xF0-0xFE with bit 0 clear pulse the CPU reset line
 *              (8042 "pulse output port"; Linux's BOOT_KBD writes 0xFE),
 *              and so does command 0xD1 (write output port) followed by a
 *              data byte with bit 0 (the reset line) clear.
 *
 * A reset stops the VM with reason reboot: hvm does not rebuild the
 * machine's power-on state, hvctl does what the user asked for next.
 */
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "hvm.h"
#include "platform.h"

#define PCI_CONF_ADDR_MASK	0x80fffffcU

#define RST_CNT_SYS_RST		0x02
#define RST_CNT_RST_CPU		0x04
#define RST_CNT_FULL_RST	0x08

#define I8042_STR_OBF		0x01
#define I8042_STR_SYS		0x04
#define I8042_CMD_WRITE_OUTPUT	0xd1
#define I8042_OUT_RESET		0x01	/* output port bit 0: CPU reset, active low */

/* Locking: @lock protects the three registers. */
struct hvm_platform {
	spinlock_t lock;
	u32 conf_addr;
	u8 rst_cnt;
	bool i8042_output_next;	/* 0xD1 was written: 0x60 is the output port */
};

static int hvm_reboot(struct hvm_vcpu *vcpu)
{
	return hvm_vcpu_stop(vcpu, HVM_STOP_REBOOT, 0);
}

static int pci_read(struct hvm_vcpu *vcpu, void *priv, u16 port,
		    unsigned int size, u32 *val)
{
	struct hvm_platform *p = priv;

	if (port == HVM_PCI_CONF_ADDR && size == 4) {
		spin_lock(&p->lock);
		*val = p->conf_addr;
		spin_unlock(&p->lock);
	} else if (port == HVM_PCI_RST_CNT && size == 1) {
		spin_lock(&p->lock);
		*val = p->rst_cnt;
		spin_unlock(&p->lock);
	} else {
		/* Configuration data of a device that is not there; floating bus. */
		*val = ~0U;
	}
	return 0;
}

static int pci_write(struct hvm_vcpu *vcpu, void *priv, u16 port,
		     unsigned int size, u32 val)
{
	struct hvm_platform *p = priv;

	if (port == HVM_PCI_CONF_ADDR && size == 4) {
		spin_lock(&p->lock);
		p->conf_addr = val & PCI_CONF_ADDR_MASK;
		spin_unlock(&p->lock);
	} else if (port == HVM_PCI_RST_CNT && size == 1) {
		if (val & RST_CNT_RST_CPU)
			return hvm_reboot(vcpu);
		spin_lock(&p->lock);
		p->rst_cnt = val & (RST_CNT_SYS_RST | RST_CNT_FULL_RST);
		spin_unlock(&p->lock);
	}
	return 0;
}

static const struct hvm_pio_ops hvm_pci_ops = {
	.read = pci_read,
	.write = pci_write,
};

static int i8042_read(struct hvm_vcpu *vcpu, void *priv, u16 port,
		      unsigned int size, u32 *val)
{
	*val = port == HVM_I8042_CMD ? I8042_STR_OBF | I8042_STR_SYS : 0xff;
	if (size > 1)
		*val |= ~0U << 8;	/* 0x61 and 0x65 belong to others */
	return 0;
}

static int i8042_write(struct hvm_vcpu *vcpu, void *priv, u16 port,
		       unsigned int size, u32 val)
{
	struct hvm_platform *p = priv;
	u8 b = val;
	bool reset;

	spin_lock(&p->lock);
	if (port == HVM_I8042_CMD) {
		p->i8042_output_next = b == I8042_CMD_WRITE_OUTPUT;
		reset = (b & 0xf0) == 0xf0 && !(b & I8042_OUT_RESET);
	} else {
		reset = p->i8042_output_next && !(b & I8042_OUT_RESET);
		p->i8042_output_next = false;
	}
	spin_unlock(&p->lock);
	return reset ? hvm_reboot(vcpu) : 0;
}

static const struct hvm_pio_ops hvm_i8042_ops = {
	.read = i8042_read,
	.write = i8042_write,
};

/**
 * hvm_platform_create() - give @vm PCI configuration, 0xCF9 and the i8042
 * @vm: the VM being created (not yet visible)
 *
 * Return: 0 or a negative errno, with nothing left allocated.
 */
int hvm_platform_create(struct hvm_vm *vm)
{
	struct hvm_platform *p;
	int r;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	spin_lock_init(&p->lock);
	r = hvm_pio_register(vm, HVM_PCI_CONF_ADDR, 8, &hvm_pci_ops, p);
	if (!r)
		r = hvm_pio_register(vm, HVM_I8042_DATA, 1, &hvm_i8042_ops, p);
	if (!r)
		r = hvm_pio_register(vm, HVM_I8042_CMD, 1, &hvm_i8042_ops, p);
	if (r) {
		kfree(p);
		return r;
	}
	vm->platform = p;
	return 0;
}

/**
 * hvm_platform_destroy() - free what hvm_platform_create() allocated
 * @vm: the VM; no vCPU runs
 */
void hvm_platform_destroy(struct hvm_vm *vm)
{
	kfree(vm->platform);
	vm->platform = NULL;
}
