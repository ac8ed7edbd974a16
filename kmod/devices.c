// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual platform: every device model a VM gets, created in one place
 * at VM creation (before the VM is visible, so their port and MMIO ranges
 * and interrupt sinks are constant afterwards) and destroyed in reverse
 * order when the last reference goes, after the vCPUs stopped.
 */
#include "acpi_pm.h"
#include "hvm.h"
#include "lapic.h"
#include "pit.h"
#include "platform.h"
#include "rtc.h"
#include "uart.h"

/**
 * hvm_devices_create() - give @vm its devices
 * @vm: the VM being created
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int hvm_devices_create(struct hvm_vm *vm)
{
	int r;

	r = hvm_pic_create(vm);
	if (r)
		return r;
	r = hvm_ioapic_create(vm);
	if (r)
		goto err_pic;
	r = hvm_lapic_create(vm);
	if (r)
		goto err_ioapic;
	r = hvm_testdev_init(vm);
	if (r)
		goto err_lapic;
	r = hvm_uart_create(vm);
	if (r)
		goto err_testdev;
	r = hvm_pit_create(vm);
	if (r)
		goto err_uart;
	r = hvm_rtc_create(vm);
	if (r)
		goto err_pit;
	r = hvm_platform_create(vm);
	if (r)
		goto err_rtc;
	r = hvm_acpi_pm_create(vm);
	if (r)
		goto err_platform;
	return 0;

err_platform:
	hvm_platform_destroy(vm);
err_rtc:
	hvm_rtc_destroy(vm);
err_pit:
	hvm_pit_destroy(vm);
err_uart:
	hvm_uart_destroy(vm);
err_testdev:
	hvm_testdev_free(vm);
err_lapic:
	hvm_lapic_destroy(vm);
err_ioapic:
	hvm_ioapic_destroy(vm);
err_pic:
	hvm_pic_destroy(vm);
	return r;
}

/**
 * hvm_devices_destroy() - free what hvm_devices_create() made
 * @vm: the VM; its vCPUs are stopped but still allocated (device timers
 *      may name one until they are cancelled here)
 */
void hvm_devices_destroy(struct hvm_vm *vm)
{
	hvm_acpi_pm_destroy(vm);
	hvm_platform_destroy(vm);
	hvm_rtc_destroy(vm);
	hvm_pit_destroy(vm);
	hvm_uart_destroy(vm);
	hvm_testdev_free(vm);
	hvm_lapic_destroy(vm);
	hvm_ioapic_destroy(vm);
	hvm_pic_destroy(vm);
}
