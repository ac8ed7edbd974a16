// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR policy: an explicit allowlist. Everything not listed injects #GP,
 * so a guest never reads or writes a host MSR it does not own.
 *
 * HVM_MSR_ARCH entries live in the VMCB/VMCS (the hardware switches them on
 * entry and exit); the backend reads and writes its copy. HVM_MSR_CORE
 * entries are emulated here.
 */
#include <asm/msr-index.h>
#include <asm/apicdef.h>

#include "hvm.h"
#include "lapic.h"

struct hvm_msr_rule {
	u32 msr;
	u8 kind;
	bool writable;
};

static const struct hvm_msr_rule hvm_msr_rules[] = {
	{ MSR_EFER,			HVM_MSR_ARCH, true },
	{ MSR_IA32_CR_PAT,		HVM_MSR_ARCH, true },
	{ MSR_FS_BASE,			HVM_MSR_ARCH, true },
	{ MSR_GS_BASE,			HVM_MSR_ARCH, true },
	{ MSR_KERNEL_GS_BASE,		HVM_MSR_ARCH, true },
	{ MSR_STAR,			HVM_MSR_ARCH, true },
	{ MSR_LSTAR,			HVM_MSR_ARCH, true },
	{ MSR_CSTAR,			HVM_MSR_ARCH, true },
	{ MSR_SYSCALL_MASK,		HVM_MSR_ARCH, true },
	{ MSR_IA32_SYSENTER_CS,		HVM_MSR_ARCH, true },
	{ MSR_IA32_SYSENTER_ESP,	HVM_MSR_ARCH, true },
	{ MSR_IA32_SYSENTER_EIP,	HVM_MSR_ARCH, true },
	{ MSR_IA32_TSC,			HVM_MSR_ARCH, true },
	{ MSR_IA32_APICBASE,		HVM_MSR_CORE, true },
	{ MSR_IA32_TSC_DEADLINE,	HVM_MSR_CORE, true },
	{ MSR_AMD64_NB_CFG,		HVM_MSR_CORE, true },
	{ MSR_IA32_MISC_ENABLE,		HVM_MSR_CORE, true },
};

/**
 * hvm_msr_policy() - who handles an access to @msr
 * @msr: the MSR index (ECX)
 * @write: WRMSR rather than RDMSR
 *
 * Return: HVM_MSR_ARCH, HVM_MSR_CORE, or HVM_MSR_DENY (inject #GP).
 */
enum hvm_msr_kind hvm_msr_policy(u32 msr, bool write)
{
	unsigned int i;

	/* x2APIC registers: the local APIC decides what exists (#GP else). */
	if (msr >= APIC_BASE_MSR && msr <= APIC_BASE_MSR + 0xff)
		return HVM_MSR_CORE;
	for (i = 0; i < ARRAY_SIZE(hvm_msr_rules); i++) {
		const struct hvm_msr_rule *r = &hvm_msr_rules[i];

		if (r->msr != msr)
			continue;
		if (write && !r->writable)
			return HVM_MSR_DENY;
		return r->kind;
	}
	return HVM_MSR_DENY;
}

/**
 * hvm_msr_core_read() - read an MSR the core emulates
 * @vcpu: the vCPU
 * @msr: the MSR index
 * @val: the value read
 *
 * Return: 0, or -EINVAL: inject #GP.
 */
int hvm_msr_core_read(struct hvm_vcpu *vcpu, u32 msr, u64 *val)
{
	/*
	 * NB_CFG (AMD family 10h+ northbridge configuration): Linux's
	 * arch/x86/pci/amd_bus.c reads it with plain RDMSR on every AMD CPU
	 * of family 10h or later and sets EnableCf8ExtCfg. There is no
	 * northbridge and no extended config space: it reads 0 and writes
	 * are ignored, as KVM does.
	 */
	if (msr == MSR_AMD64_NB_CFG) {
		*val = 0;
		return 0;
	}
	/*
	 * IA32_MISC_ENABLE: Linux's verify_cpu reads it with plain RDMSR on
	 * every Intel family 6 model >= 0xd CPU (to clear XD_DISABLE) before
	 * it has an IDT. It reads as KVM's reset value: BTS and PEBS
	 * unavailable, nothing else enabled (no feature it controls is
	 * virtualized: no MWAIT, no thermal control, XD never disabled).
	 */
	if (msr == MSR_IA32_MISC_ENABLE) {
		*val = MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |
		       MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;
		return 0;
	}
	/* IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC: kmod/lapic.c. */
	return hvm_lapic_msr_read(vcpu, msr, val);
}

/**
 * hvm_msr_core_write() - write an MSR the core emulates
 * @vcpu: the vCPU
 * @msr: the MSR index
 * @val: the value to write
 *
 * Return: 0, or -EINVAL: inject #GP (reserved bits, invalid
 * IA32_APIC_BASE transitions, x2APIC registers outside x2APIC mode).
 */
int hvm_msr_core_write(struct hvm_vcpu *vcpu, u32 msr, u64 val)
{
	/* See hvm_msr_core_read(): accepted, nothing to control. */
	if (msr == MSR_AMD64_NB_CFG || msr == MSR_IA32_MISC_ENABLE)
		return 0;
	return hvm_lapic_msr_write(vcpu, msr, val);
}
