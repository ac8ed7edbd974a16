// SPDX-License-Identifier: GPL-2.0
/*
 * hvm's debugfs directory (/sys/kernel/debug/hvm, root only).
 *
 * host_state: the CPU state a guest could leave behind if a world switch
 * forgot to restore it, read on the CPU the reader runs on, in the
 * reader's own context. A test pins itself to each CPU in turn, reads the
 * file before and after hostile guests ran there, and compares: every
 * line must be the same (issue "host-state integrity"). Context matters
 * for three values: FS_BASE and KERNEL_GS_BASE hold the reading task's
 * user FS and GS bases (the latter swapped in by SWAPGS on kernel entry,
 * SDM Vol. 2B "SWAPGS"), and CR4 may carry per-task bits (TSD, for a
 * seccomp-strict task) — the same reader sees the same values.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/special_insns.h>

#include "hvm.h"

static struct dentry *hvm_debugfs_dir;

/* MSRs in the order they are printed; an MSR the CPU lacks prints "-". */
static const struct {
	u32 index;
	const char *name;
} hvm_host_msrs[] = {
	{ MSR_EFER, "EFER" },
	{ MSR_STAR, "STAR" },
	{ MSR_LSTAR, "LSTAR" },
	{ MSR_CSTAR, "CSTAR" },
	{ MSR_SYSCALL_MASK, "SFMASK" },
	{ MSR_FS_BASE, "FS_BASE" },
	{ MSR_GS_BASE, "GS_BASE" },
	{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE" },
	{ MSR_IA32_SYSENTER_CS, "SYSENTER_CS" },
	{ MSR_IA32_SYSENTER_ESP, "SYSENTER_ESP" },
	{ MSR_IA32_SYSENTER_EIP, "SYSENTER_EIP" },
	{ MSR_IA32_CR_PAT, "PAT" },
	{ MSR_IA32_SPEC_CTRL, "SPEC_CTRL" },
	{ MSR_IA32_DEBUGCTLMSR, "DEBUGCTL" },
	{ MSR_TSC_AUX, "TSC_AUX" },
};

struct hvm_host_snapshot {
	int cpu;
	unsigned long cr0, cr4, dr[8];
	u64 xcr0;
	bool has_xcr0;
	struct desc_ptr gdt, idt;
	u16 tr;
	u64 msr[ARRAY_SIZE(hvm_host_msrs)];
	bool msr_ok[ARRAY_SIZE(hvm_host_msrs)];
};

/* Everything from one CPU: the reader cannot migrate in between. */
static void hvm_host_snapshot(struct hvm_host_snapshot *s)
{
	int i;

	s->cpu = get_cpu();
	s->cr0 = read_cr0();
	s->cr4 = __read_cr4();
	get_debugreg(s->dr[0], 0);
	get_debugreg(s->dr[1], 1);
	get_debugreg(s->dr[2], 2);
	get_debugreg(s->dr[3], 3);
	get_debugreg(s->dr[6], 6);
	get_debugreg(s->dr[7], 7);
	s->has_xcr0 = boot_cpu_has(X86_FEATURE_OSXSAVE);
	s->xcr0 = s->has_xcr0 ? xgetbv(XCR_XFEATURE_ENABLED_MASK) : 0;
	native_store_gdt(&s->gdt);
	store_idt(&s->idt);
	asm volatile("str %0" : "=r"(s->tr));
	for (i = 0; i < ARRAY_SIZE(hvm_host_msrs); i++)
		s->msr_ok[i] = !rdmsrl_safe(hvm_host_msrs[i].index, &s->msr[i]);
	put_cpu();
}

static int hvm_host_state_show(struct seq_file *m, void *unused)
{
	struct hvm_host_snapshot s;
	int i;

	hvm_host_snapshot(&s);
	seq_printf(m, "cpu %d\n", s.cpu);
	seq_printf(m, "CR0 %#lx\nCR4 %#lx\n", s.cr0, s.cr4);
	seq_printf(m, "DR0 %#lx\nDR1 %#lx\nDR2 %#lx\nDR3 %#lx\nDR6 %#lx\nDR7 %#lx\n",
		   s.dr[0], s.dr[1], s.dr[2], s.dr[3], s.dr[6], s.dr[7]);
	if (s.has_xcr0)
		seq_printf(m, "XCR0 %#llx\n", s.xcr0);
	else
		seq_puts(m, "XCR0 -\n");
	seq_printf(m, "GDTR %#lx/%#x\nIDTR %#lx/%#x\nTR %#x\n",
		   s.gdt.address, s.gdt.size, s.idt.address, s.idt.size, s.tr);
	for (i = 0; i < ARRAY_SIZE(hvm_host_msrs); i++) {
		if (s.msr_ok[i])
			seq_printf(m, "%s %#llx\n", hvm_host_msrs[i].name, s.msr[i]);
		else
			seq_printf(m, "%s -\n", hvm_host_msrs[i].name);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvm_host_state);

/**
 * hvm_debugfs_init() - create /sys/kernel/debug/hvm and its files
 *
 * debugfs is a debugging aid: a kernel without it (or a failure to
 * create the files) leaves hvm fully working, so nothing is returned.
 */
void hvm_debugfs_init(void)
{
	hvm_debugfs_dir = debugfs_create_dir("hvm", NULL);
	debugfs_create_file("host_state", 0400, hvm_debugfs_dir, NULL,
			    &hvm_host_state_fops);
}

/**
 * hvm_debugfs_exit() - remove hvm's debugfs directory
 *
 * debugfs_remove() waits for readers inside the files' handlers, so no
 * handler runs after the module's text is gone.
 */
void hvm_debugfs_exit(void)
{
	debugfs_remove(hvm_debugfs_dir);
	hvm_debugfs_dir = NULL;
}
