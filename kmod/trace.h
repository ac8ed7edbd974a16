/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvm's tracepoints: hvm:hvm_entry, hvm:hvm_exit, hvm:hvm_vm_state.
 *
 * Modelled on KVM's arch/x86/kvm/trace.h. Disabled, each costs a patched-out
 * jump (a static key) on its path. Names of exit reasons and VM states are
 * in the events' print formats (TRACE_DEFINE_ENUM), so perf, trace-cmd and
 * the ftrace "trace" file all print them.
 *
 * kmod/trace.c defines CREATE_TRACE_POINTS and includes this header; the
 * build finds it again through TRACE_INCLUDE_PATH "." and the -I of kmod/
 * in Kbuild (the usual way for an out-of-tree module).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM hvm

#if !defined(_HVM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _HVM_TRACE_H

#include <linux/tracepoint.h>

#include "hvm.h"

/* Pseudo states of hvm_vm_state: before creation and after destroy. */
#define HVM_TRACE_VM_NEW	0xfe
#define HVM_TRACE_VM_DESTROYED	0xff

/* The enum values in the print formats, for perf and trace-cmd. */
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_NONE);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_IO);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_CPUID);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_RDMSR);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_WRMSR);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_HLT);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_HYPERCALL);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_XSETBV);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_CR);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_NPF);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_EXCEPTION);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_INVD);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_UD);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_RDPMC);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_SHUTDOWN);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_IRQ_WINDOW);
TRACE_DEFINE_ENUM(HVM_EXIT_REASON_NMI_WINDOW);
TRACE_DEFINE_ENUM(HVM_VM_CREATED);
TRACE_DEFINE_ENUM(HVM_VM_RUNNING);
TRACE_DEFINE_ENUM(HVM_VM_STOPPED);
TRACE_DEFINE_ENUM(HVM_STOP_NONE);
TRACE_DEFINE_ENUM(HVM_STOP_USER);
TRACE_DEFINE_ENUM(HVM_STOP_EXIT);
TRACE_DEFINE_ENUM(HVM_STOP_HALT);
TRACE_DEFINE_ENUM(HVM_STOP_SHUTDOWN);
TRACE_DEFINE_ENUM(HVM_STOP_FAULT);
TRACE_DEFINE_ENUM(HVM_STOP_UNHANDLED);
TRACE_DEFINE_ENUM(HVM_STOP_ENTRY_FAILED);
TRACE_DEFINE_ENUM(HVM_STOP_INTERNAL);
TRACE_DEFINE_ENUM(HVM_STOP_REBOOT);

/*
 * hvm_entry - the vCPU is about to enter the guest: fired by the backends
 * right before every VMRUN / VM entry (one ops->vcpu_run may enter many
 * times, see hvm_exit_fast()), interrupts off
 * @vcpu: the vCPU; its register file holds the RIP the guest resumes at
 */
TRACE_EVENT(hvm_entry,
	    TP_PROTO(struct hvm_vcpu *vcpu),
	    TP_ARGS(vcpu),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, vcpu)
			     __field(u64, rip)),
	    TP_fast_assign(__entry->vm = vcpu->vm->id;
			   __entry->vcpu = vcpu->index;
			   __entry->rip = vcpu->rip;),
	    TP_printk("vm %u vcpu %u rip 0x%llx",
		      __entry->vm, __entry->vcpu, __entry->rip)
);

/*
 * hvm_exit - the core handles one exit (kmod/exit.c)
 * @vcpu: the vCPU; its register file holds the exiting instruction's RIP
 * @reason: enum hvm_exit_reason
 * @info: the qualification (uapi enum hvm_exit_reason)
 */
TRACE_EVENT(hvm_exit,
	    TP_PROTO(struct hvm_vcpu *vcpu, u32 reason, u64 info),
	    TP_ARGS(vcpu, reason, info),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(u32, vcpu)
			     __field(u32, reason)
			     __field(u64, rip)
			     __field(u64, info)),
	    TP_fast_assign(__entry->vm = vcpu->vm->id;
			   __entry->vcpu = vcpu->index;
			   __entry->reason = reason;
			   __entry->rip = vcpu->rip;
			   __entry->info = info;),
	    TP_printk("vm %u vcpu %u reason %s rip 0x%llx info 0x%llx",
		      __entry->vm, __entry->vcpu,
		      __print_symbolic(__entry->reason,
				       { HVM_EXIT_REASON_NONE, "none" },
				       { HVM_EXIT_REASON_IO, "io" },
				       { HVM_EXIT_REASON_CPUID, "cpuid" },
				       { HVM_EXIT_REASON_RDMSR, "rdmsr" },
				       { HVM_EXIT_REASON_WRMSR, "wrmsr" },
				       { HVM_EXIT_REASON_HLT, "hlt" },
				       { HVM_EXIT_REASON_HYPERCALL, "hypercall" },
				       { HVM_EXIT_REASON_XSETBV, "xsetbv" },
				       { HVM_EXIT_REASON_CR, "cr" },
				       { HVM_EXIT_REASON_NPF, "npf" },
				       { HVM_EXIT_REASON_EXCEPTION, "exception" },
				       { HVM_EXIT_REASON_INVD, "invd" },
				       { HVM_EXIT_REASON_UD, "ud" },
				       { HVM_EXIT_REASON_RDPMC, "rdpmc" },
				       { HVM_EXIT_REASON_SHUTDOWN, "shutdown" },
				       { HVM_EXIT_REASON_IRQ_WINDOW, "irq_window" },
				       { HVM_EXIT_REASON_NMI_WINDOW, "nmi_window" }),
		      __entry->rip, __entry->info)
);

/*
 * hvm_vm_state - a VM changes state (kmod/vm.c, kmod/vcpu.c)
 * @vm: the VM
 * @old: enum hvm_vm_state, or HVM_TRACE_VM_NEW at creation
 * @new: enum hvm_vm_state, or HVM_TRACE_VM_DESTROYED
 * @reason: enum hvm_stop_reason (HVM_STOP_NONE unless @new is stopped)
 */
TRACE_EVENT(hvm_vm_state,
	    TP_PROTO(struct hvm_vm *vm, u32 old, u32 new, u32 reason),
	    TP_ARGS(vm, old, new, reason),
	    TP_STRUCT__entry(__field(u32, vm)
			     __array(char, name, HVM_NAME_MAX + 1)
			     __field(u32, old)
			     __field(u32, new)
			     __field(u32, reason)),
	    TP_fast_assign(__entry->vm = vm->id;
			   memcpy(__entry->name, vm->name, HVM_NAME_MAX + 1);
			   __entry->old = old;
			   __entry->new = new;
			   __entry->reason = reason;),
	    TP_printk("vm %u name %s %s -> %s reason %s",
		      __entry->vm, __entry->name,
		      __print_symbolic(__entry->old,
				       { HVM_VM_CREATED, "created" },
				       { HVM_VM_RUNNING, "running" },
				       { HVM_VM_STOPPED, "stopped" },
				       { HVM_TRACE_VM_NEW, "new" },
				       { HVM_TRACE_VM_DESTROYED, "destroyed" }),
		      __print_symbolic(__entry->new,
				       { HVM_VM_CREATED, "created" },
				       { HVM_VM_RUNNING, "running" },
				       { HVM_VM_STOPPED, "stopped" },
				       { HVM_TRACE_VM_NEW, "new" },
				       { HVM_TRACE_VM_DESTROYED, "destroyed" }),
		      __print_symbolic(__entry->reason,
				       { HVM_STOP_NONE, "none" },
				       { HVM_STOP_USER, "user" },
				       { HVM_STOP_EXIT, "exit" },
				       { HVM_STOP_HALT, "halt" },
				       { HVM_STOP_SHUTDOWN, "shutdown" },
				       { HVM_STOP_FAULT, "fault" },
				       { HVM_STOP_UNHANDLED, "unhandled" },
				       { HVM_STOP_ENTRY_FAILED, "entry-failed" },
				       { HVM_STOP_INTERNAL, "internal" },
				       { HVM_STOP_REBOOT, "reboot" }))
);

#endif /* _HVM_TRACE_H */

/* Out of the tree: define_trace.h finds "./trace.h" through -I kmod/. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace

#include <trace/define_trace.h>
