/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest_harness.h plus the assertions the hvm tests share. Include this
 * instead of the harness in every test.
 */
#ifndef HVM_HARNESS_H
#define HVM_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The 6.1 harness's TEST()/TEST_F() wrappers and its SIGALRM handler do not
 * use all of their parameters; -Wextra would flag every test for it.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "hvm_test.h"

/* hvctl ARGS... must exit 0; on failure the log shows its stderr. */
#define HVCTL_OK(c, ...)						\
	do {								\
		hvctl((c), __VA_ARGS__, NULL);				\
		if ((c)->status)					\
			TH_LOG("hvctl " #__VA_ARGS__ ": status %d%s: %s",	\
			       (c)->status,				\
			       (c)->timed_out ? " (timed out)" : "",	\
			       (c)->err);				\
		ASSERT_EQ(0, (c)->status);				\
	} while (0)

/*
 * hvctl ARGS... must fail the SPEC way: exit status 1 and exactly one line
 * "hvctl: <what failed>: <why>" on stderr.
 */
#define HVCTL_FAILS(c, ...)						\
	do {								\
		hvctl((c), __VA_ARGS__, NULL);				\
		if ((c)->status != 1)					\
			TH_LOG("hvctl " #__VA_ARGS__ ": status %d, stderr: %s", \
			       (c)->status, (c)->err);			\
		ASSERT_EQ(1, (c)->status);				\
		ASSERT_TRUE(hvm_one_error_line((c)->err)) {		\
			TH_LOG("stderr is not one 'hvctl: ...: ...' line: '%s'", \
			       (c)->err);				\
		}							\
	} while (0)

/* A netlink call must fail with exactly -err and carry an extack message. */
#define ASSERT_NL_ERR(err, r, extack)					\
	do {								\
		int nl_r_ = (r);					\
		if (nl_r_ != -(err))					\
			TH_LOG("got %d (%s), want -%s; extack '%s'", nl_r_, \
			       strerror(-nl_r_), #err, (extack));	\
		ASSERT_EQ(-(err), nl_r_);				\
		ASSERT_NE(0, (extack)[0]) {				\
			TH_LOG("error %s carries no extack message", #err); \
		}							\
	} while (0)

/* The step and its stderr when hvm_guest_run() failed. */
#define ASSERT_GUEST_RAN(g, rc)						\
	do {								\
		if ((rc))						\
			TH_LOG("hvctl %s failed: status %d%s: %s",		\
			       (g)->failed_step, (g)->cmd.status,	\
			       (g)->cmd.timed_out ? " (timed out)" : "", \
			       (g)->cmd.err);				\
		ASSERT_EQ(0, (rc));					\
		ASSERT_TRUE((g)->have_st);				\
	} while (0)

/* Compare console output with what the guest must print, showing both. */
#define ASSERT_OUTPUT(want, got)					\
	do {								\
		const char *g_ = (got) ? (got) : "";			\
		if (strcmp((want), g_))					\
			TH_LOG("console:\n%s\nexpected:\n%s", g_, (want)); \
		ASSERT_STREQ((want), g_);				\
	} while (0)

#define ASSERT_STOP_REASON(want, st)					\
	do {								\
		if ((st)->stop_reason != (uint32_t)(want))		\
			TH_LOG("stop reason %s, want %s (exit code 0x%llx, " \
			       "rip 0x%llx, fault 0x%llx, hw 0x%llx)",	\
			       hvm_stop_reason_name((st)->stop_reason),	\
			       hvm_stop_reason_name(want),		\
			       (unsigned long long)(st)->exit_code,	\
			       (unsigned long long)(st)->stop_rip,	\
			       (unsigned long long)(st)->fault_gpa,	\
			       (unsigned long long)(st)->hw_error);	\
		ASSERT_EQ((uint32_t)(want), (st)->stop_reason);		\
	} while (0)

static inline bool hvm_one_error_line(const char *err)
{
	const char *nl = strchr(err, '\n');

	return !strncmp(err, "hvctl: ", 7) && nl && !nl[1] &&
	       strstr(err + 7, ": ") && strstr(err + 7, ": ") < nl;
}

/* "<tag>-<pid>-": every VM this test process names with hvm_vm_name(tag). */
static inline const char *hvm_vm_prefix(const char *tag)
{
	static char buf[HVM_NAME_MAX + 1];

	snprintf(buf, sizeof(buf), "%.8s-%d-", tag, (int)getpid());
	return buf;
}

#endif /* HVM_HARNESS_H */
