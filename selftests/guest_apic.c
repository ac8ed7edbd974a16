// SPDX-License-Identifier: GPL-2.0
/*
 * guest_apic: the interrupt controllers (kmod/lapic.c, ioapic.c, pic.c)
 * from inside a guest. guests/apic.c checks, with the selftests' device
 * (testdev=1: its LINE register drives an interrupt line, its TIMER gives
 * an independent time reference):
 *
 *  - the local APIC's reset state, version, IA32_APIC_BASE and the CPUID
 *    bits (APIC, x2APIC, TSC-deadline);
 *  - xAPIC MMIO through MOV, OR, ADD, AND, XCHG, byte and 8-byte forms, and
 *    TPR = CR8 in both directions;
 *  - IRR/ISR/PPR priority: three self IPIs come in priority order, one per
 *    EOI; TPR masking by class; all-including-self; ESR on an illegal vector;
 *  - the timer: one-shot (one tick, then CCR 0), HLT woken by it, periodic
 *    (tick count within 50% of 100 over 500 ms), TSC-deadline (ignored in
 *    other modes, disarmed by 0, fires, reads 0 afterwards, past deadline
 *    fires at once);
 *  - the I/O APIC: version, level-triggered Remote IRR and EOI (resent while
 *    asserted), masking, edge pins, IRQ 0 on pin 2, logical destinations;
 *  - the 8259A pair through LINT0 ExtINT: vectors from ICW2, IRR/ISR reads,
 *    non-specific EOI, the slave through the cascade, ELCR masks, LINT0
 *    masked stops it;
 *  - x2APIC: MSR access, SELF IPI, 64-bit ICR, the #GP cases, the
 *    IA32_APIC_BASE transitions (SDM vol. 3A 10.12.5) and a fixed base.
 */
#include <fcntl.h>
#include <unistd.h>

#include "hvm_harness.h"

#define TAG "ap"


#define ASSERT_GUEST_EXIT0(g)						\
	do {								\
		ASSERT_STOP_REASON(HVM_STOP_EXIT, &(g)->st);		\
		ASSERT_EQ(0ull, (g)->st.exit_code);			\
	} while (0)

FIXTURE(ap) {
	struct hvm_guest_run g;
};

FIXTURE_SETUP(ap)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(ap)
{
	hvm_set_testdev(false);
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static const char want[] =
	"id: id=00000000 ver=00050014 base=fee00900 cpuid-apic=1 x2apic=1 deadline=1\n"
	"reset: svr=000000ff lvtt=00010000 lint0=00010000 dfr=ffffffff tpr=00000000\n"
	"enable: svr=000001ff ldr=01000000\n"
	"forms: movl=20 or=30 add=40 and=40 xchg=40/50 movb=60 movzbl=60 movq=60 cr8=6 tpr-after-cr8=20\n"
	"ipi: irr1=01000000 irr2=00040020 icr=00040052\n"
	"isr: after-first isr2=00040000 ppr=50 window-again=1\n"
	"order: 52 45 38 n=3 isr=00000000 ppr=00\n"
	"tpr: 60->0 50->0 ppr=50 4f->1\n"
	"allinc: 1 esr=00000020 esr-cleared=00000000\n"
	"oneshot: ccr-running=1 ticks=1 later=1 ccr=0 icr=20000000\n"
	"hlt-wake: timer=1 ref=0\n"
	"periodic: ccr-running=1 ticks-within-50%=1 dcr=3 stopped=0\n"
	"deadline: ignored=0 tmict=0 armed=1 disarmed=0 fired=1 msr=0 past=2\n"
	"ioapic: ver=00170011 id=01000000 rte4=00010000/00000000\n"
	"level: n=1 rte=0000c060 tmr3=00000001 again=2 low=2 rte=00008060 masked=2 unmasked=3\n"
	"edge: n=1 second=2 rte=00000061 irq0-pin2=1\n"
	"logical: match=3 other=3\n"
	"pic: irr=a9 n=1 isr=08 apic-isr3=00000000 imr=f3 isr-after-eoi=00\n"
	"pic-slave: n=1 slave-isr=04 master-isr=04 after-eoi=00/00 elcr=f8/04\n"
	"pic-masked-lint0: n=1\n"
	"x2apic: before=13 base=fee00d00 id=0 ver=50014 ldr=1 tpr=20 mmio=ffffffff self-ipi=1 icr=1/40046\n"
	"x2apic-gp: rd-selfipi=13 wr-eoi1=13 rd-dfr=13 wr-ldr=13 to-xapic=13 move=13 disable=-1 cpuid-apic=0 to-x2=13 enable=-1 svr=000000ff\n"
	"done\n";

TEST_F_TIMEOUT(ap, local_apic_ioapic_and_pic_conform, 150)
{
	int r;

	ASSERT_EQ(0, hvm_set_testdev(true));
	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "apic.elf", 120,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_NE(NULL, self->g.console);
	ASSERT_OUTPUT(want, self->g.console);
	ASSERT_GUEST_EXIT0(&self->g);
}

/*
 * Issue 9: "a 1000 Hz periodic guest timer drifts < 1% over 10 s". The
 * guest (apic-drift.elf) runs the timer for 10 seconds of the CMOS RTC
 * (the host's time of day; 2 on VT-x, i.e. Bochs, whose instruction-
 * counted clock has no noise and whose guest seconds are expensive); the
 * VM's timer statistic counts the periods that elapsed. The interrupts the guest took can only be fewer: under
 * make check's load a late vCPU thread finds ticks merged (reported).
 */
TEST_F_TIMEOUT(ap, periodic_timer_at_1000_hz_keeps_its_rate_within_one_percent, 150)
{
	unsigned int want = hvm_host_vendor() == HVM_VENDOR_AMD ? 10 : 2;
	unsigned int seconds = 0, ticks = 0;
	unsigned long long periods;
	int r;

	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "apic-drift.elf", 120,
			  NULL, false);
	ASSERT_GUEST_RAN(&self->g, r);
	ASSERT_NE(NULL, self->g.console);
	ASSERT_EQ(2, sscanf(self->g.console, "drift: seconds=%u ticks=%u",
			    &seconds, &ticks)) {
		TH_LOG("console: %s", self->g.console);
	}
	ASSERT_GUEST_EXIT0(&self->g);
	ASSERT_EQ(want, seconds);
	periods = self->g.st.stats[HVM_STAT_TIMER];
	TH_LOG("%u s of RTC time: %llu timer periods, %u interrupts taken",
	       seconds, periods, ticks);
	/* 1000 periods a second, within 1% */
	ASSERT_LE(seconds * 990ull, periods);
	ASSERT_GE(seconds * 1010ull, periods);
	/* taken interrupts: never more than the periods, and plenty of them */
	ASSERT_GE(periods, (unsigned long long)ticks);
	ASSERT_LE(seconds * 100u, ticks);
}

TEST_HARNESS_MAIN
