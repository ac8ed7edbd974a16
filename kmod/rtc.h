/* SPDX-License-Identifier: GPL-2.0 */
/* The MC146818-compatible CMOS real-time clock at ports 0x70/0x71. */
#ifndef _HVM_RTC_H
#define _HVM_RTC_H

struct hvm_vm;

#define HVM_RTC_BASE		0x70
#define HVM_RTC_IRQ		8

int hvm_rtc_create(struct hvm_vm *vm);
void hvm_rtc_destroy(struct hvm_vm *vm);

#endif /* _HVM_RTC_H */
