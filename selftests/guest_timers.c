// SPDX-License-Identifier: GPL-2.0
/*
 * guest_timers: the platform's timers and chipset registers (kmod/pit.c,
 * kmod/rtc.c, kmod/platform.c) and the guest TSC offset, seen from a guest.
 * guests/timers.c checks the 8254 (status read-back, counting, latch,
 * access modes, BCD, counter 2's gate and OUT in port 0x61: what Linux's
 * PIT TSC calibration uses), the CMOS RTC (NMI-mask bit, status registers,
 * RAM, setting the time, binary and 12-hour formats, UF/PF flags), PCI
 * configuration with no device and the i8042 status; the host checks the
 * RTC's time of day against its own clock and that ten mode 0 countdowns
 * of 0xffff PIT clocks took at least 549 ms. Counter 0 runs periodic and
 * one-shot (its IRQ 0 host timer fires; no interrupt controller listens
 * yet) and is left at its fastest rate when the VM stops. The reset paths (0xCF9 and
 * the keyboard controller's 0xFE) stop the VM with reason reboot, exit
 * status 2 from hvctl run and wait. guests/acpi-pm.c checks the ACPI PM
 * block (kmod/acpi_pm.c): the 24-bit PM timer's width, monotonicity, wrap
 * and rate against the 8254, PM1_STS/PM1_EN/PM1_CNT semantics, and that
 * SLP_EN with the DSDT's \_S5 type stops the VM with reason halt.
 */
#include <time.h>

#include "hvm_harness.h"

#define TAG "tm"

/* 10 * 65535 clocks of 1.193182 MHz. */
#define COUNTDOWN_NS	549238000ull

FIXTURE(tm) {
	struct hvm_guest_run g;
	struct hvm_exec c;
};

FIXTURE_SETUP(tm)
{
	ASSERT_EQ(0, hvm_load_hvm());
}

FIXTURE_TEARDOWN(tm)
{
	hvm_cmd_free(&self->c);
	hvm_guest_run_free(&self->g);
	hvm_destroy_prefix(hvm_vm_prefix(TAG));
}

static const char want_head[] =
	"tsc-starts-near-0 ok\n"
	"tsc-write ok\n"
	"pit-status-null ok\n"
	"pit-status-loaded ok\n"
	"pit-counts-1ms ok\n"
	"pit-latch-holds ok\n"
	"pit-readback-status-first ok\n"
	"pit-readback-count ok\n"
	"pit-lsb-only ok\n"
	"pit-msb-only ok\n"
	"pit-bcd-held ok\n"
	"pit-bcd-counts ok\n"
	"gate2-low-holds ok\n"
	"port61-gate-bit ok\n"
	"gate2-high-counts ok\n"
	"out2-low-after-load ok\n"
	"out2-high-after-countdown ok\n"
	"pit0-periodic-counts ok\n"
	"pit0-oneshot-wraps ok\n"
	"port61-refresh-toggles ok\n"
	"rtc-index-port-floats ok\n"
	"rtc-a-nmi-off ok\n"
	"rtc-b-nmi-off ok\n"
	"rtc-d-nmi-off ok\n"
	"rtc-ram ok\n"
	"rtc-ram-nmi-off ok\n";

static const char want_tail[] =
	"rtc-set-sec ok\n"
	"rtc-set-date ok\n"
	"rtc-set-wday ok\n"
	"rtc-set-hour-min ok\n"
	"rtc-binary ok\n"
	"rtc-12h-pm ok\n"
	"rtc-24h ok\n"
	"rtc-c-update ok\n"
	"rtc-c-cleared ok\n"
	"rtc-c-periodic ok\n"
	"pci-addr-readback ok\n"
	"pci-data-none ok\n"
	"pci-data-none-dev1 ok\n"
	"pci-addr-reserved ok\n"
	"pci-byte-floats ok\n"
	"rst-cnt-initial ok\n"
	"rst-cnt-keeps ok\n"
	"i8042-status ok\n"
	"i8042-data ok\n"
	"i8042-no-reset ok\n"
	"0 checks failed\n";

TEST_F(tm, pit_rtc_pci_and_tsc_as_a_guest_sees_them)
{
	uint64_t t0, t1;
	char want[4096], line[64];
	const char *p;
	struct tm tm = { 0 };
	time_t guest, host;
	int r;

	t0 = hvm_now_ns();
	r = hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M", "timers.elf", 120,
			  NULL, false);
	t1 = hvm_now_ns();
	host = time(NULL);
	ASSERT_GUEST_RAN(&self->g, r);

	/* The RTC line: the host's UTC time of day, within a few seconds. */
	p = self->g.console ? strstr(self->g.console, "rtc-time: ") : NULL;
	ASSERT_NE(NULL, p);
	ASSERT_EQ(6, sscanf(p, "rtc-time: %4d-%2d-%2d %2d:%2d:%2d", &tm.tm_year,
			    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			    &tm.tm_sec));
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	guest = timegm(&tm);
	TH_LOG("guest RTC %ld, host %ld", (long)guest, (long)host);
	/* Read before the run ended; the run took under 120 s. */
	ASSERT_LE(guest, host + 2);
	ASSERT_GE(guest + (time_t)((t1 - t0) / 1000000000ull) + 3, host);
	snprintf(line, sizeof(line), "%.*s", (int)(strchr(p, '\n') - p + 1), p);

	snprintf(want, sizeof(want), "%s%s%s", want_head, line, want_tail);
	ASSERT_OUTPUT(want, self->g.console);
	ASSERT_STOP_REASON(HVM_STOP_EXIT, &self->g.st);
	ASSERT_EQ(0ull, self->g.st.exit_code);
	/* OUT2 rose only after each full countdown. */
	TH_LOG("run took %llu ms", (unsigned long long)(t1 - t0) / 1000000);
	ASSERT_GE(t1 - t0, COUNTDOWN_NS);
}

/* hvctl run GUEST: the console is stdout, the reason on stderr. */
#define RUN(c, guest)							\
	hvctl((c), "run", hvm_guest(guest), "--timeout", "60", NULL)

TEST_F(tm, cf9_reset_stops_with_reboot_status_2)
{
	RUN(&self->c, "reset-cf9.bin");
	if (self->c.status != 2)
		TH_LOG("status %d: %s", self->c.status, self->c.err);
	ASSERT_EQ(2, self->c.status);
	ASSERT_NE(NULL, strstr(self->c.err, "stopped: reboot\n"));

	ASSERT_GUEST_RAN(&self->g, hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M",
						 "reset-cf9.bin", 60, NULL, false));
	ASSERT_STOP_REASON(HVM_STOP_REBOOT, &self->g.st);
	ASSERT_EQ(2, self->g.wait_status);
}

TEST_F(tm, keyboard_controller_reset_stops_with_reboot_status_2)
{
	RUN(&self->c, "reset-kbd.bin");
	if (self->c.status != 2)
		TH_LOG("status %d: %s", self->c.status, self->c.err);
	ASSERT_EQ(2, self->c.status);
	ASSERT_NE(NULL, strstr(self->c.err, "stopped: reboot\n"));

	ASSERT_GUEST_RAN(&self->g, hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M",
						 "reset-kbd.bin", 60, NULL, false));
	ASSERT_STOP_REASON(HVM_STOP_REBOOT, &self->g.st);
	ASSERT_EQ(2, self->g.wait_status);
}

static const char want_pm_head[] =
	"tmr-24-bits ok\n"
	"tmr-monotonic ok\n";

static const char want_pm_rate[] =
	"tmr-rate-not-slow ok\n"
	"tmr-rate-not-fast ok\n";

/* AMD-V machines; Bochs (VT-x) leaves these to them (acpi-pm.c slow_clock()). */
static const char want_pm_slow_parts[] =
	"tmr-wraps ok\n"
	"tmr-wrap-step-small ok\n"
	"sts-set-by-msb ok\n"
	"sts-write-0-keeps ok\n"
	"sts-write-other-keeps ok\n"
	"sts-write-1-clears ok\n"
	"sts-sets-again ok\n"
	"sts-byte-clears ok\n";

static const char want_pm_tail[] =
	"en-initial ok\n"
	"en-defined-bits ok\n"
	"en-byte-write ok\n"
	"en-cleared ok\n"
	"evt-dword ok\n"
	"port-606-floats ok\n"
	"cnt-sci-en ok\n"
	"cnt-sci-en-stays ok\n"
	"cnt-slp-typ-bm-rld ok\n"
	"cnt-slp-en-other-type ok\n"
	"cnt-slp-typ-byte ok\n"
	"cnt-cleared ok\n"
	"0 checks failed\n";

TEST_F(tm, acpi_pm_timer_and_registers_then_s5_halts)
{
	char want[2048], line[64];
	const char *p;
	unsigned long long cycles;

	ASSERT_GUEST_RAN(&self->g, hvm_guest_run(&self->g, hvm_vm_name(TAG), "16M",
						 "acpi-pm.elf", 120, NULL, false));
	/* The cost of one PM timer read in guest TSC cycles: logged only. */
	p = self->g.console ? strstr(self->g.console, "tmr-read-cycles: ") : NULL;
	ASSERT_NE(NULL, p);
	ASSERT_EQ(1, sscanf(p, "tmr-read-cycles: %llu", &cycles));
	TH_LOG("one PM timer read: %llu TSC cycles", cycles);
	snprintf(line, sizeof(line), "%.*s", (int)(strchr(p, '\n') - p + 1), p);

	snprintf(want, sizeof(want), "%s%s%s%s%s", want_pm_head, line, want_pm_rate,
		 hvm_host_vendor() == HVM_VENDOR_AMD ? want_pm_slow_parts :
		 "tmr-wrap: not run (VT-x)\nsts: not run (VT-x)\n", want_pm_tail);
	ASSERT_OUTPUT(want, self->g.console);
	/* SLP_TYP 5 | SLP_EN: soft off ends the VM as a halt, code 0. */
	ASSERT_STOP_REASON(HVM_STOP_HALT, &self->g.st);
	ASSERT_EQ(0ull, self->g.st.exit_code);
}

TEST_HARNESS_MAIN
