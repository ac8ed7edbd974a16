// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hvm: the bulk-data path. An open file is bound to one VM with
 * HVM_IOC_ATTACH; then guest memory, vCPU registers and console bytes move
 * through ioctls. Control (create/start/stop/destroy) stays on netlink.
 *
 * The file holds a reference to its VM, so guest memory stays valid even if
 * the VM is destroyed meanwhile; operations on a destroyed VM fail with
 * ENODEV.
 */
#define pr_fmt(fmt) "hvm: " fmt

#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/compat.h>
#include <linux/sched/signal.h>
#include <linux/poll.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "hvm.h"
#include "uart.h"

struct hvm_file {
	struct mutex lock;	/* protects vm (set once) */
	struct hvm_vm *vm;
	u64 console_pos;	/* [a] where the last CONSOLE_READ ended (poll) */
};

static int hvm_dev_open(struct inode *inode, struct file *file)
{
	struct hvm_file *hf;

	hf = kzalloc(sizeof(*hf), GFP_KERNEL_ACCOUNT);
	if (!hf)
		return -ENOMEM;
	mutex_init(&hf->lock);
	file->private_data = hf;
	return nonseekable_open(inode, file);
}

static int hvm_dev_release(struct inode *inode, struct file *file)
{
	struct hvm_file *hf = file->private_data;

	if (hf->vm)
		hvm_vm_put(hf->vm);
	kfree(hf);
	return 0;
}

static bool hvm_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static int hvm_ioc_version(void __user *arg)
{
	struct hvm_version v = {
		.api_version = HVM_API_VERSION,
		.caps = HVM_CAP_MEM_IO | HVM_CAP_REGS | HVM_CAP_CONSOLE | HVM_CAP_WAIT |
			HVM_CAP_CONSOLE_INPUT,
	};

	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int hvm_ioc_attach(struct hvm_file *hf, void __user *arg)
{
	struct hvm_attach a;
	struct hvm_vm *vm;
	int r = 0;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.flags || !hvm_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	if (!memchr(a.name, 0, sizeof(a.name)) || !hvm_name_valid(a.name))
		return -EINVAL;

	mutex_lock(&hf->lock);
	if (hf->vm) {
		r = -EBUSY;
		goto out;
	}
	vm = hvm_vm_get(a.name);
	if (IS_ERR(vm)) {
		r = PTR_ERR(vm);
		goto out;
	}
	a.vm_id = vm->id;
	if (copy_to_user(arg, &a, sizeof(a))) {
		hvm_vm_put(vm);
		r = -EFAULT;
		goto out;
	}
	hf->vm = vm;
out:
	mutex_unlock(&hf->lock);
	return r;
}

static int hvm_ioc_mem(struct hvm_vm *vm, void __user *arg, bool write)
{
	struct hvm_mem_io io;
	u64 end;

	if (copy_from_user(&io, arg, sizeof(io)))
		return -EFAULT;
	if (io.flags || io.reserved)
		return -EINVAL;
	if (check_add_overflow(io.gpa, io.size, &end) || end > vm->mem_size)
		return -EINVAL;
	if (check_add_overflow(io.uaddr, io.size, &end))
		return -EFAULT;
	if (!io.size)
		return 0;
	if (READ_ONCE(vm->dead))
		return -ENODEV;

	if (write)
		return hvm_mem_copy_from_user(vm, io.gpa, u64_to_user_ptr(io.uaddr), io.size);
	return hvm_mem_copy_to_user(vm, io.gpa, u64_to_user_ptr(io.uaddr), io.size);
}

#define HVM_CR0_VALID	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
			 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)
#define HVM_CR4_VALID	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
			 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
			 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
			 X86_CR4_FSGSBASE | X86_CR4_OSXSAVE | X86_CR4_SMEP | \
			 X86_CR4_SMAP | X86_CR4_UMIP)
#define HVM_EFER_VALID	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)
#define HVM_RFLAGS_VALID 0x3f7fd7ULL	/* architectural bits 0-21 */
#define HVM_SEG_L	(1 << 9)
#define HVM_SEG_DB	(1 << 10)

/*
 * Architectural checks every vendor would otherwise make the CPU do (and
 * fail VM entry on); the backend's set_regs adds what is vendor-specific.
 */
static int hvm_regs_check(const struct hvm_regs *r)
{
	bool pg = r->cr0 & X86_CR0_PG, lme = r->efer & EFER_LME;

	if (r->flags || !hvm_zero(r->reserved, sizeof(r->reserved)))
		return -EINVAL;
	if ((r->cr0 & ~HVM_CR0_VALID) || (r->cr4 & ~HVM_CR4_VALID) ||
	    (r->efer & ~HVM_EFER_VALID) || (r->rflags & ~HVM_RFLAGS_VALID))
		return -EINVAL;
	if (pg && !(r->cr0 & X86_CR0_PE))
		return -EINVAL;
	if ((r->cr0 & X86_CR0_NW) && !(r->cr0 & X86_CR0_CD))
		return -EINVAL;
	if (r->cr3 >> 52)
		return -EINVAL;
	/* Long mode: LMA follows LME && PG, needs PAE, code not both L and D. */
	if (!!(r->efer & EFER_LMA) != (lme && pg))
		return -EINVAL;
	if (lme && pg && !(r->cr4 & X86_CR4_PAE))
		return -EINVAL;
	if ((r->efer & EFER_LMA) && (r->cs.attrib & HVM_SEG_L) &&
	    (r->cs.attrib & HVM_SEG_DB))
		return -EINVAL;
	if (!(r->efer & EFER_LMA) && (r->rip >> 32))
		return -EINVAL;
	if (r->gdt.pad[0] || r->gdt.pad[1] || r->gdt.pad[2] ||
	    r->idt.pad[0] || r->idt.pad[1] || r->idt.pad[2])
		return -EINVAL;
	return 0;
}

static int hvm_ioc_regs(struct hvm_vm *vm, void __user *arg, bool set)
{
	struct hvm_regs *regs;
	u32 index;
	int r;

	regs = kmalloc(sizeof(*regs), GFP_KERNEL);
	if (!regs)
		return -ENOMEM;
	if (copy_from_user(regs, arg, sizeof(*regs))) {
		r = -EFAULT;
		goto out_free;
	}
	index = regs->vcpu;
	if (index >= vm->nr_vcpus) {
		r = -EINVAL;
		goto out_free;
	}
	if (set) {
		r = hvm_regs_check(regs);
		if (r)
			goto out_free;
		regs->rflags |= X86_EFLAGS_FIXED;
	} else if (regs->flags) {
		r = -EINVAL;
		goto out_free;
	}

	mutex_lock(&vm->lock);
	if (vm->dead) {
		r = -ENODEV;
		goto out_unlock;
	}
	if (READ_ONCE(vm->state) == HVM_VM_RUNNING) {
		r = -EBUSY;
		goto out_unlock;
	}
	if (set) {
		r = hvm_ops->set_regs(vm->vcpus[index], regs);
		/* A new state is not halted (nor is an event pending for it). */
		if (!r)
			vm->vcpus[index]->halted = false;
	} else {
		memset(regs, 0, sizeof(*regs));
		hvm_ops->get_regs(vm->vcpus[index], regs);
		regs->vcpu = index;
		r = 0;
	}
out_unlock:
	mutex_unlock(&vm->lock);
	if (!r && !set && copy_to_user(arg, regs, sizeof(*regs)))
		r = -EFAULT;
out_free:
	kfree(regs);
	return r;
}

static bool hvm_console_ready(struct hvm_vm *vm, u64 pos)
{
	return READ_ONCE(vm->console_head) != pos ||
	       READ_ONCE(vm->state) != HVM_VM_RUNNING || READ_ONCE(vm->dead);
}

static int hvm_ioc_console(struct hvm_file *hf, struct hvm_vm *vm, void __user *arg)
{
	struct hvm_console_read c;
	u64 head, oldest, pos, n, i;
	u8 *bounce;
	int r = 0;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~HVM_CONSOLE_WAIT) || c.len || c.state || c.lost ||
	    !hvm_zero(c.reserved, sizeof(c.reserved)))
		return -EINVAL;

	if ((c.flags & HVM_CONSOLE_WAIT) &&
	    wait_event_interruptible(vm->console_wq, hvm_console_ready(vm, c.pos)))
		return -EINTR;

	n = min_t(u64, c.size, HVM_CONSOLE_SIZE);
	bounce = n ? kvmalloc(n, GFP_KERNEL) : NULL;
	if (n && !bounce)
		return -ENOMEM;

	spin_lock(&vm->uart_lock);
	head = vm->console_head;
	c.state = READ_ONCE(vm->state);
	if (c.pos > head) {
		spin_unlock(&vm->uart_lock);
		r = -EINVAL;
		goto out_free;
	}
	oldest = head > HVM_CONSOLE_SIZE ? head - HVM_CONSOLE_SIZE : 0;
	pos = max(c.pos, oldest);
	c.lost = pos - c.pos;
	n = min(n, head - pos);
	for (i = 0; i < n; i++)
		bounce[i] = vm->console[(pos + i) & (HVM_CONSOLE_SIZE - 1)];
	spin_unlock(&vm->uart_lock);

	if (n && copy_to_user(u64_to_user_ptr(c.uaddr), bounce, n)) {
		r = -EFAULT;
		goto out_free;
	}
	c.len = n;
	c.pos = pos + n;
	WRITE_ONCE(hf->console_pos, c.pos);
	if (copy_to_user(arg, &c, sizeof(c)))
		r = -EFAULT;
out_free:
	kvfree(bounce);
	return r;
}

static bool hvm_console_writable(struct hvm_vm *vm)
{
	return hvm_uart_rx_space(vm) ||
	       READ_ONCE(vm->state) != HVM_VM_RUNNING || READ_ONCE(vm->dead);
}

/*
 * Bytes for COM1's receiver. They are copied in before the receiver is
 * touched, so a bad buffer changes nothing; the receiver takes at most its
 * free space, and the caller offers the rest again (nothing is dropped).
 */
static int hvm_ioc_console_write(struct hvm_vm *vm, void __user *arg)
{
	struct hvm_console_write w;
	u8 buf[HVM_UART_FIFO];
	unsigned int n;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	if ((w.flags & ~HVM_CONSOLE_WAIT) || w.len || w.state ||
	    !hvm_zero(w.reserved, sizeof(w.reserved)))
		return -EINVAL;
	if (!w.size || w.size > HVM_CONSOLE_WRITE_MAX)
		return -EINVAL;
	n = min_t(u32, w.size, sizeof(buf));
	if (copy_from_user(buf, u64_to_user_ptr(w.uaddr), n))
		return -EFAULT;

	for (;;) {
		if (READ_ONCE(vm->dead))
			return -ENODEV;
		w.state = READ_ONCE(vm->state);
		w.len = hvm_uart_input(vm, buf, n);
		if (w.len || !(w.flags & HVM_CONSOLE_WAIT) ||
		    w.state != HVM_VM_RUNNING)
			break;
		if (wait_event_interruptible(vm->console_wq, hvm_console_writable(vm)))
			return -EINTR;
	}
	return copy_to_user(arg, &w, sizeof(w)) ? -EFAULT : 0;
}

static bool hvm_stopped(struct hvm_vm *vm)
{
	return READ_ONCE(vm->state) != HVM_VM_RUNNING || READ_ONCE(vm->dead);
}

static int hvm_ioc_wait(struct hvm_vm *vm, void __user *arg)
{
	struct hvm_wait w;
	long r;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	if (w.flags || w.reserved || w.state || w.stop_reason || w.exit_code)
		return -EINVAL;

	if (w.timeout_ns) {
		u64 j = nsecs_to_jiffies64(w.timeout_ns);

		r = wait_event_interruptible_timeout(vm->state_wq, hvm_stopped(vm),
						     min_t(u64, j ?: 1, MAX_SCHEDULE_TIMEOUT - 1));
		if (!r)
			return -ETIMEDOUT;
	} else {
		r = wait_event_interruptible(vm->state_wq, hvm_stopped(vm));
	}
	if (r < 0)
		return -EINTR;
	if (READ_ONCE(vm->dead))
		return -ENODEV;

	spin_lock(&vm->state_lock);
	w.state = vm->state;
	w.stop_reason = vm->stop_reason;
	w.exit_code = vm->exit_code;
	spin_unlock(&vm->state_lock);
	return copy_to_user(arg, &w, sizeof(w)) ? -EFAULT : 0;
}

static long hvm_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hvm_file *hf = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct hvm_vm *vm;

	switch (cmd) {
	case HVM_IOC_VERSION:
		return hvm_ioc_version(uarg);
	case HVM_IOC_ATTACH:
		return hvm_ioc_attach(hf, uarg);
	case HVM_IOC_WRITE_MEM:
	case HVM_IOC_READ_MEM:
	case HVM_IOC_SET_REGS:
	case HVM_IOC_GET_REGS:
	case HVM_IOC_CONSOLE_READ:
	case HVM_IOC_CONSOLE_WRITE:
	case HVM_IOC_WAIT:
		break;
	default:
		return -ENOTTY;
	}

	mutex_lock(&hf->lock);
	vm = hf->vm;
	mutex_unlock(&hf->lock);
	if (!vm)
		return -ENXIO;	/* not attached */

	switch (cmd) {
	case HVM_IOC_WRITE_MEM:
		return hvm_ioc_mem(vm, uarg, true);
	case HVM_IOC_READ_MEM:
		return hvm_ioc_mem(vm, uarg, false);
	case HVM_IOC_SET_REGS:
		return hvm_ioc_regs(vm, uarg, true);
	case HVM_IOC_GET_REGS:
		return hvm_ioc_regs(vm, uarg, false);
	case HVM_IOC_CONSOLE_READ:
		return hvm_ioc_console(hf, vm, uarg);
	case HVM_IOC_CONSOLE_WRITE:
		return hvm_ioc_console_write(vm, uarg);
	case HVM_IOC_WAIT:
		return hvm_ioc_wait(vm, uarg);
	default:
		return -ENOTTY;
	}
}

/*
 * POLLIN: console output past this file's last read, or the VM is not
 * running (a read then reports its state); POLLOUT: COM1's receiver has
 * room; POLLHUP: the VM was destroyed; POLLERR: not attached.
 */
static __poll_t hvm_dev_poll(struct file *file, poll_table *wait)
{
	struct hvm_file *hf = file->private_data;
	struct hvm_vm *vm;
	__poll_t mask = 0;

	mutex_lock(&hf->lock);
	vm = hf->vm;
	mutex_unlock(&hf->lock);
	if (!vm)
		return EPOLLERR;

	poll_wait(file, &vm->console_wq, wait);
	if (READ_ONCE(vm->dead))
		return EPOLLHUP | EPOLLIN | EPOLLRDNORM;
	if (hvm_console_ready(vm, READ_ONCE(hf->console_pos)))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (hvm_uart_rx_space(vm))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static const struct file_operations hvm_dev_fops = {
	.owner = THIS_MODULE,
	.open = hvm_dev_open,
	.release = hvm_dev_release,
	.unlocked_ioctl = hvm_dev_ioctl,
	.poll = hvm_dev_poll,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice hvm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hvm",
	.fops = &hvm_dev_fops,
	.mode = 0600,
};

int hvm_chardev_init(void)
{
	return misc_register(&hvm_misc);
}

void hvm_chardev_exit(void)
{
	misc_deregister(&hvm_misc);
}
