// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID a guest sees: the host's values, filtered.
 *
 * - the hypervisor-present bit (1:ECX[31]) is set, and 0x40000000 returns
 *   the signature "hvmhvmhvmhvm";
 * - VMX/SVM and every feature hvm does not virtualize are hidden: no local
 *   no MONITOR/MWAIT,
 *   no performance counters, debug store, machine check, speculation-control
 *   MSRs (not in the MSR allowlist), PKU, LA57, SGX, PT, XSAVES;
 * - OSXSAVE/OSPKE mirror the guest's CR4;
 * - the local APIC (kmod/lapic.c) is advertised as it exists: APIC
 *   (1:EDX[9], mirroring IA32_APIC_BASE.EN as the SDM says), x2APIC and
 *   TSC-deadline (1:ECX[21], [24]); AMD's extended APIC space is hidden;
 * - leaves beyond what we filter read as zero.
 */
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/fpu/xcr.h>

#include "hvm.h"
#include "lapic.h"

#define HVM_CPUID_SIGNATURE	0x40000000
#define HVM_CPUID_FEATURES	0x40000001
#define HVM_MAX_BASIC_LEAF	0xd
#define HVM_MAX_EXT_LEAF	0x80000008

/* leaf 1 */
#define F1_ECX_DTES64		BIT(2)
#define F1_ECX_MONITOR		BIT(3)
#define F1_ECX_DSCPL		BIT(4)
#define F1_ECX_VMX		BIT(5)
#define F1_ECX_SMX		BIT(6)
#define F1_ECX_EST		BIT(7)
#define F1_ECX_TM2		BIT(8)
#define F1_ECX_SDBG		BIT(11)
#define F1_ECX_PDCM		BIT(15)
#define F1_ECX_PCID		BIT(17)
#define F1_ECX_DCA		BIT(18)
#define F1_ECX_X2APIC		BIT(21)
#define F1_ECX_TSC_DEADLINE	BIT(24)
#define F1_ECX_FMA		BIT(12)
#define F1_ECX_XSAVE		BIT(26)
#define F1_ECX_OSXSAVE		BIT(27)
#define F1_ECX_AVX		BIT(28)
#define F1_ECX_F16C		BIT(29)
#define F1_ECX_HYPERVISOR	BIT(31)
#define F1_EDX_MCE		BIT(7)
#define F1_EDX_APIC		BIT(9)
#define F1_EDX_MTRR		BIT(12)
#define F1_EDX_MCA		BIT(14)
#define F1_EDX_DS		BIT(21)
#define F1_EDX_ACPI		BIT(22)
#define F1_EDX_TM		BIT(29)
#define F1_EDX_PBE		BIT(31)

/* leaf 7.0 */
#define F7_EBX_SGX		BIT(2)
#define F7_EBX_INVPCID		BIT(10)
#define F7_EBX_PQM		BIT(12)
#define F7_EBX_MPX		BIT(14)
#define F7_EBX_PQE		BIT(15)
#define F7_EBX_PT		BIT(25)
#define F7_ECX_PKU		BIT(3)
#define F7_ECX_OSPKE		BIT(4)
#define F7_ECX_WAITPKG		BIT(5)
#define F7_ECX_CET_SS		BIT(7)
#define F7_ECX_LA57		BIT(16)
#define F7_ECX_RDPID		BIT(22)
#define F7_ECX_SGX_LC		BIT(30)
#define F7_EDX_FSRM		BIT(4)

/* 0x80000001 */
#define FE1_ECX_SVM		BIT(2)
#define FE1_ECX_EXTAPIC		BIT(3)
#define FE1_ECX_OSVW		BIT(9)
#define FE1_ECX_IBS		BIT(10)
#define FE1_ECX_SKINIT		BIT(12)
#define FE1_ECX_WDT		BIT(13)
#define FE1_ECX_LWP		BIT(15)
#define FE1_ECX_TOPOEXT		BIT(22)
#define FE1_ECX_PERFCTR_CORE	BIT(23)
#define FE1_ECX_PERFCTR_NB	BIT(24)
#define FE1_ECX_PERFCTR_LLC	BIT(28)
#define FE1_EDX_RDTSCP		BIT(27)

/* 0xd.1 */
#define FD1_EAX_XSAVEC		BIT(1)
#define FD1_EAX_XSAVES		BIT(3)
#define FD1_EAX_XFD		BIT(4)

/*
 * The host's XCR0, read once at module load: CPUID exits are handled
 * inside the guest context (hvm_exit_fast()), where XCR0 holds the guest's.
 */
static u64 hvm_host_xcr0_val;

/** hvm_cpuid_init() - note the host's XCR0 (module load, host context) */
void hvm_cpuid_init(void)
{
	hvm_host_xcr0_val = boot_cpu_has(X86_FEATURE_OSXSAVE) ?
			    xgetbv(XCR_XFEATURE_ENABLED_MASK) : 0;
}

static u64 hvm_host_xcr0(void)
{
	return hvm_host_xcr0_val;
}

/*
 * The standard-format XSAVE area size for the components in @mask (SDM
 * vol. 1 13.4.1): the legacy region and header (576 bytes), up to the end
 * of the highest component, from the host's CPUID.(EAX=0DH,ECX=i) offset
 * (EBX) and size (EAX).
 */
static u32 hvm_xsave_size(u64 mask)
{
	u32 size = 576, eax, ebx, ecx, edx;
	unsigned int i;

	for (i = 2; i < 64; i++) {
		if (!(mask & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		size = max(size, ebx + eax);
	}
	return size;
}

/*
 * Long by design: one case per CPUID leaf, read as a table of what is
 * hidden.
 */
void hvm_cpuid(struct hvm_vcpu *vcpu, u64 guest_cr4,
	       u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	u32 leaf = *eax, sub = *ecx;
	u32 a = 0, b = 0, c = 0, d = 0;
	u32 max;

	if ((leaf & 0xffffff00) == HVM_CPUID_SIGNATURE) {
		if (leaf == HVM_CPUID_SIGNATURE) {
			a = HVM_CPUID_FEATURES;
			memcpy(&b, "hvmh", 4);
			memcpy(&c, "vmhv", 4);
			memcpy(&d, "mhvm", 4);
		} else if (leaf == HVM_CPUID_FEATURES) {
			a = HVM_HYPERCALL_VERSION;
		}
		goto out;
	}

	if (leaf & 0x80000000) {
		max = min_t(u32, cpuid_eax(0x80000000), HVM_MAX_EXT_LEAF);
	} else {
		max = min_t(u32, cpuid_eax(0), HVM_MAX_BASIC_LEAF);
	}
	if (leaf > max)
		goto out;

	cpuid_count(leaf, sub, &a, &b, &c, &d);

	switch (leaf) {
	case 0:
	case 0x80000000:
		a = max;
		break;
	case 1:
		c &= ~(F1_ECX_DTES64 | F1_ECX_MONITOR | F1_ECX_DSCPL | F1_ECX_VMX |
		       F1_ECX_SMX | F1_ECX_EST | F1_ECX_TM2 | F1_ECX_SDBG |
		       F1_ECX_PDCM | F1_ECX_PCID | F1_ECX_DCA | F1_ECX_X2APIC |
		       F1_ECX_TSC_DEADLINE | F1_ECX_OSXSAVE);
		c |= F1_ECX_HYPERVISOR;
		if (guest_cr4 & X86_CR4_OSXSAVE)
			c |= F1_ECX_OSXSAVE;
		c |= F1_ECX_X2APIC | F1_ECX_TSC_DEADLINE;
		/* No MTRR MSRs are virtualized: guest RAM is write-back (EPT IPAT / NPT). */
		d &= ~(F1_EDX_MCE | F1_EDX_APIC | F1_EDX_MTRR | F1_EDX_MCA |
		       F1_EDX_DS | F1_EDX_ACPI | F1_EDX_TM | F1_EDX_PBE);
		if (hvm_lapic_hw_enabled(vcpu))
			d |= F1_EDX_APIC;
		/* Initial APIC ID = vCPU index; one logical CPU per package. */
		b = (b & 0xffff) | (1 << 16) | (vcpu->index << 24);
		/*
		 * A backend without XSAVE for guests (hvm_guest_xcr0_mask 0,
		 * e.g. vmx xsave=N): no XSAVE, and nothing that needs it.
		 */
		if (!hvm_guest_xcr0_mask)
			c &= ~(F1_ECX_FMA | F1_ECX_XSAVE | F1_ECX_AVX | F1_ECX_F16C);
		break;
	case 7:
		if (sub != 0) {
			a = b = c = d = 0;
			break;
		}
		a = 0;
		b &= ~(F7_EBX_SGX | F7_EBX_INVPCID | F7_EBX_PQM | F7_EBX_MPX |
		       F7_EBX_PQE | F7_EBX_PT);
		/*
		 * CET shadow stacks: CR4.CET is never the guest's (both backends
		 * #GP it) and its MSRs are denied, so do not advertise it.
		 */
		c &= ~(F7_ECX_PKU | F7_ECX_OSPKE | F7_ECX_WAITPKG | F7_ECX_LA57 |
		       F7_ECX_RDPID | F7_ECX_SGX_LC | F7_ECX_CET_SS);
		d &= F7_EDX_FSRM;
		if (!hvm_guest_xcr0_mask) {	/* AVX2, AVX-512 and kin */
			b &= ~(BIT(5) | BIT(16) | BIT(17) | BIT(21) | BIT(26) |
			       BIT(27) | BIT(28) | BIT(30) | BIT(31));
			c &= ~(BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) |
			       BIT(12) | BIT(14));
			d &= ~(BIT(2) | BIT(3) | BIT(8) | BIT(23));
		}
		break;
	case 0xd: {
		/*
		 * Only the components a guest XSETBV may enable (x87, SSE,
		 * AVX, AVX-512: hvm_guest_xcr0_mask; never PKRU, AMX, ...),
		 * and the sizes for the guest's own XCR0 (EBX) and for all of
		 * them (ECX), as SDM vol. 1 13.2 defines sub-leaf 0.
		 */
		u64 xcr0 = hvm_host_xcr0() & hvm_guest_xcr0_mask;

		if (!hvm_guest_xcr0_mask) {
			a = b = c = d = 0;
			break;
		}
		if (sub == 0) {
			a &= (u32)xcr0;
			d &= (u32)(xcr0 >> 32);
			b = hvm_xsave_size(hvm_ops->get_ctl(vcpu, HVM_CTL_XCR0) & xcr0);
			c = hvm_xsave_size(xcr0);
		} else if (sub == 1) {
			/*
			 * EBX would be the compacted size for XCR0 | IA32_XSS
			 * (SDM vol. 1 13.2): hvm does not compute it, so no
			 * compaction (XSAVEC) and no XSAVES; guests use the
			 * standard format sized by sub-leaf 0. (Linux checks
			 * the two agree: "XSAVE consistency problem".)
			 */
			a &= ~(FD1_EAX_XSAVEC | FD1_EAX_XSAVES | FD1_EAX_XFD);
			b = c = d = 0;
		} else if (sub >= 64 || !(xcr0 & BIT_ULL(sub))) {
			a = b = c = d = 0;
		}
		break;
	}
	case 0x80000001:
		c &= ~(FE1_ECX_SVM | FE1_ECX_EXTAPIC | FE1_ECX_OSVW | FE1_ECX_IBS |
		       FE1_ECX_SKINIT | FE1_ECX_WDT | FE1_ECX_LWP | FE1_ECX_TOPOEXT |
		       FE1_ECX_PERFCTR_CORE | FE1_ECX_PERFCTR_NB | FE1_ECX_PERFCTR_LLC);
		d &= ~FE1_EDX_RDTSCP;
		break;
	case 0x80000002 ... 0x80000006:
		break;		/* brand string, caches */
	case 0x80000007:
		a = b = c = 0;
		d &= BIT(8);	/* invariant TSC only */
		break;
	case 0x80000008:
		b = 0;		/* IBPB/IBRS/SSBD...: their MSRs are not allowed */
		c = 0;		/* one core */
		break;
	case 2:
	case 4:
		break;		/* cache descriptors */
	default:
		/* Power, thermal, perfmon, topology, DCA...: not virtualized. */
		a = b = c = d = 0;
		break;
	}
out:
	*eax = a;
	*ebx = b;
	*ecx = c;
	*edx = d;
}
