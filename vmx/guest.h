/* SPDX-License-Identifier: GPL-2.0 */
/* vmx/guest.c: guest context and time accounting around a VM entry. */
#ifndef _HVM_VMX_GUEST_H
#define _HVM_VMX_GUEST_H

void vmx_guest_enter_irqoff(void);
void vmx_guest_exit_irqoff(void);
void vmx_guest_timing_enter_irqoff(void);
void vmx_guest_timing_exit_irqoff(void);

#endif /* _HVM_VMX_GUEST_H */
