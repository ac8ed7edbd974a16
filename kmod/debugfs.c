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
 *
 * vms/ID/ (one directory per VM, named by its id, which no other live VM
 * has; hvctl status shows it): "stats", the VM's state and exit counters,
 * summed and per vCPU, with the names hvctl status --json uses; "exits",
 * each vCPU's exit history (kmod/trace.c), oldest first. Both are read
 * without stopping the VM; counters of a running VM move while they are
 * printed.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/special_insns.h>

#include "hvm.h"

static struct dentry *hvm_debugfs_dir;
static struct dentry *hvm_debugfs_vms;

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

/* HVM_STAT_* as hvctl status --json names them (ctl/cmd_list.c). */
static const char *const hvm_stat_names[__HVM_STAT_MAX] = {
	[HVM_STAT_EXITS] = "total",
	[HVM_STAT_IO] = "io",
	[HVM_STAT_IO_IGNORED] = "io_ignored",
	[HVM_STAT_HLT] = "hlt",
	[HVM_STAT_CPUID] = "cpuid",
	[HVM_STAT_MSR] = "msr",
	[HVM_STAT_HYPERCALL] = "hypercall",
	[HVM_STAT_NPF] = "npf",
	[HVM_STAT_INTR] = "intr",
	[HVM_STAT_NMI] = "nmi",
	[HVM_STAT_SHUTDOWN] = "shutdown",
	[HVM_STAT_EXCEPTION] = "exception",
	[HVM_STAT_OTHER] = "other",
	[HVM_STAT_RUNS] = "runs",
	[HVM_STAT_TIMER] = "timer",
};

static const char *const hvm_state_names[] = {
	[HVM_VM_CREATED] = "created",
	[HVM_VM_RUNNING] = "running",
	[HVM_VM_STOPPED] = "stopped",
};

static const char *const hvm_reason_names[] = {
	[HVM_STOP_NONE] = "none",
	[HVM_STOP_USER] = "user",
	[HVM_STOP_EXIT] = "exit",
	[HVM_STOP_HALT] = "halt",
	[HVM_STOP_SHUTDOWN] = "shutdown",
	[HVM_STOP_FAULT] = "fault",
	[HVM_STOP_UNHANDLED] = "unhandled",
	[HVM_STOP_ENTRY_FAILED] = "entry-failed",
	[HVM_STOP_INTERNAL] = "internal",
	[HVM_STOP_REBOOT] = "reboot",
};

static const char *hvm_name_of(const char *const *names, size_t nr, u32 v)
{
	return v < nr && names[v] ? names[v] : "unknown";
}

/*
 * "key value" lines: the VM's, then "vcpuN.key value" for each vCPU. The
 * sums are what netlink's HVM_A_VM_STATS reports.
 */
static int hvm_vm_stats_show(struct seq_file *m, void *unused)
{
	struct hvm_vm *vm = m->private;
	u64 sum[__HVM_STAT_MAX] = {};
	unsigned int i, s;
	u32 state, reason;

	spin_lock(&vm->state_lock);
	state = vm->state;
	reason = vm->stop_reason;
	spin_unlock(&vm->state_lock);

	for (i = 0; i < vm->nr_vcpus; i++)
		for (s = 0; s < __HVM_STAT_MAX; s++)
			sum[s] += READ_ONCE(vm->vcpus[i]->stats[s]);

	seq_printf(m, "name %s\nid %u\nstate %s\nstop_reason %s\n", vm->name,
		   vm->id,
		   hvm_name_of(hvm_state_names, ARRAY_SIZE(hvm_state_names), state),
		   hvm_name_of(hvm_reason_names, ARRAY_SIZE(hvm_reason_names), reason));
	for (s = HVM_STAT_EXITS; s < __HVM_STAT_MAX; s++)
		seq_printf(m, "%s %llu\n", hvm_stat_names[s], sum[s]);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct hvm_vcpu *vcpu = vm->vcpus[i];

		for (s = HVM_STAT_EXITS; s < __HVM_STAT_MAX; s++)
			seq_printf(m, "vcpu%u.%s %llu\n", i, hvm_stat_names[s],
				   READ_ONCE(vcpu->stats[s]));
		seq_printf(m, "vcpu%u.guest_ns %llu\nvcpu%u.host_ns %llu\n",
			   i, READ_ONCE(vcpu->guest_ns), i, READ_ONCE(vcpu->host_ns));
		seq_printf(m, "vcpu%u.exits_seen %llu\n", i,
			   READ_ONCE(vcpu->exits_seen));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvm_vm_stats);

/* Per vCPU: a header, then one line per exit of its history, oldest first. */
static int hvm_vm_exits_show(struct seq_file *m, void *unused)
{
	struct hvm_vm *vm = m->private;
	struct hvm_exit_record *rec;
	unsigned int i, j, n;
	u64 seen;

	rec = kmalloc_array(HVM_EXIT_HISTORY, sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	for (i = 0; i < vm->nr_vcpus; i++) {
		n = hvm_exit_log_read(vm->vcpus[i], rec, &seen);
		seq_printf(m, "vcpu %u: %llu exits since the start, the last %u:\n",
			   i, seen, n);
		seq_printf(m, "%10s %16s %-10s %18s %18s\n", "#", "time_ns",
			   "reason", "rip", "info");
		for (j = 0; j < n; j++)
			seq_printf(m, "%10llu %16llu %-10s %#18llx %#18llx\n",
				   rec[j].seq, rec[j].time_ns,
				   hvm_name_of(hvm_exit_reason_names,
					       __HVM_EXIT_REASON_MAX,
					       rec[j].reason),
				   rec[j].rip, rec[j].info);
	}
	kfree(rec);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvm_vm_exits);

/**
 * hvm_debugfs_vm_add() - create vms/ID/ for a new VM
 * @vm: the VM, with all its vCPUs, before anyone else can find it
 *
 * The files point at @vm without a reference: hvm_debugfs_vm_remove() runs
 * in the VM's teardown, long before the VM is freed, and waits for readers.
 */
void hvm_debugfs_vm_add(struct hvm_vm *vm)
{
	struct dentry *vms = READ_ONCE(hvm_debugfs_vms);
	char name[16];

	if (IS_ERR_OR_NULL(vms))
		return;
	snprintf(name, sizeof(name), "%u", vm->id);
	vm->debugfs = debugfs_create_dir(name, vms);
	debugfs_create_file("stats", 0400, vm->debugfs, vm, &hvm_vm_stats_fops);
	debugfs_create_file("exits", 0400, vm->debugfs, vm, &hvm_vm_exits_fops);
}

/**
 * hvm_debugfs_vm_remove() - remove vms/ID/ of a VM being destroyed
 * @vm: the VM
 *
 * debugfs_remove() waits for the files' handlers that already run.
 */
void hvm_debugfs_vm_remove(struct hvm_vm *vm)
{
	debugfs_remove(vm->debugfs);
	vm->debugfs = NULL;
}

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
	WRITE_ONCE(hvm_debugfs_vms, debugfs_create_dir("vms", hvm_debugfs_dir));
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
	hvm_debugfs_vms = NULL;
}
