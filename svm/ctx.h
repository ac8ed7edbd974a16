/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvm AMD-V backend: the world switch proper and the core-kernel context
 * tracking around it. ctx.c includes <linux/kvm_host.h> for the
 * guest_state_*() and guest_timing_*() inlines, and so must not see
 * vmcb.h (its names clash with <asm/svm.h>): only plain types cross here.
 */
#ifndef _HVM_SVM_CTX_H
#define _HVM_SVM_CTX_H

/* entry.S */
int svm_vmrun(unsigned long *gprs, unsigned long vmcb_pa,
	      unsigned long host_vmsave_pa);

/* ctx.c */
int svm_enter_guest(unsigned long *gprs, unsigned long vmcb_pa,
		    unsigned long host_vmsave_pa);
void svm_guest_timing_enter(void);
void svm_guest_timing_exit(void);

#endif /* _HVM_SVM_CTX_H */
