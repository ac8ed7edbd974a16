// SPDX-License-Identifier: GPL-2.0
/* Numbers on the command line: sizes, addresses, counts, seconds. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "hvctl.h"

/*
 * Decimal or 0x-hexadecimal digits, then an optional K, M or G (powers of
 * 1024, either case). No sign, no spaces, no octal; overflow is an error.
 */
int parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10, mult = 1;
	const char *p = s;
	int digits = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++, digits++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return -ERANGE;
	}
	if (!digits)
		return -EINVAL;
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1ULL << 10;
		p++;
		break;
	case 'm': case 'M':
		mult = 1ULL << 20;
		p++;
		break;
	case 'g': case 'G':
		mult = 1ULL << 30;
		p++;
		break;
	default:
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	if (__builtin_mul_overflow(v, mult, &v))
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int ret;

	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
	}
	ret = parse_size(s, &v);
	if (ret)
		return ret;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = v;
	return 0;
}

/* Seconds, decimal with an optional fraction: "5", "0.25". Must be > 0. */
int parse_seconds(const char *s, uint64_t *ns)
{
	char *end;
	double v;

	if (!(*s >= '0' && *s <= '9') && *s != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0)
		return -EINVAL;
	if (v * 1e9 >= 18446744073709551615.0)
		return -ERANGE;
	*ns = (uint64_t)(v * 1e9);
	if (!*ns)
		*ns = 1;
	return 0;
}

/* The form parse_size() reads: "16M", "1G", "12K", or plain bytes. */
const char *format_size(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "GMK";

	for (int i = 0; i < 3; i++) {
		uint64_t unit = 1ULL << (10 * (3 - i));

		if (v && !(v % unit)) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(v / unit), units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

/*
 * Human-readable sizes, in binary units: "512 B", "16 MiB", "1.5 GiB".
 * Whole multiples of the largest unit that fits print without a fraction;
 * others always carry one decimal, so "16.0 MiB" says "about" (rounded; a
 * value that rounds up to 1024 units moves to the next unit). --json
 * prints exact bytes instead.
 */
const char *format_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned __int128 tenths;
	unsigned int u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && v >> (10 * (u + 1)))
		u++;
	if (!(v & ((1ULL << (10 * u)) - 1))) {
		snprintf(buf, len, "%llu %s", (unsigned long long)(v >> (10 * u)),
			 units[u]);
		return buf;
	}
	/* v / 1024^u to one decimal, rounded half up. */
	tenths = ((unsigned __int128)v * 10 + (1ULL << (10 * u)) / 2) >> (10 * u);
	if (tenths >= 10240 && u + 1 < sizeof(units) / sizeof(units[0])) {
		u++;
		tenths = ((unsigned __int128)v * 10 + (1ULL << (10 * u)) / 2) >> (10 * u);
	}
	snprintf(buf, len, "%llu.%llu %s", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10), units[u]);
	return buf;
}

/* x / d rounded half up, for x, d > 0 without overflow. */
static uint64_t div_round(uint64_t x, uint64_t d)
{
	return x / d + (x % d >= d - d / 2);
}

/*
 * Human-readable durations: three significant digits below a minute
 * ("850 ns", "12.3 us", "1.23 s", "59.9 s"), then whole seconds in minutes,
 * hours and days ("2 min 3 s", "1 h 0 min 5 s", "3 d 4 h 5 min 6 s").
 */
const char *format_duration(uint64_t ns, char *buf, size_t len)
{
	static const struct {
		uint64_t ns;
		const char *name;
	} units[] = {
		{ 1, "ns" }, { 1000, "us" }, { 1000000, "ms" }, { 1000000000, "s" },
	};
	uint64_t s, m, h, d;

	for (unsigned int u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		uint64_t unit = units[u].ns, limit = u == 3 ? 60 : 1000;
		uint64_t hundredths, tenths, whole;

		if (ns >= limit * unit)
			continue;
		if (u == 0) {
			snprintf(buf, len, "%llu ns", (unsigned long long)ns);
			return buf;
		}
		/* Pick the precision from the rounded value, not the raw one. */
		hundredths = div_round(ns, unit / 100);
		if (hundredths < 1000) {
			snprintf(buf, len, "%llu.%02llu %s",
				 (unsigned long long)(hundredths / 100),
				 (unsigned long long)(hundredths % 100), units[u].name);
			return buf;
		}
		tenths = div_round(ns, unit / 10);
		if (tenths < 10 * (limit < 100 ? limit : 100)) {
			snprintf(buf, len, "%llu.%llu %s",
				 (unsigned long long)(tenths / 10),
				 (unsigned long long)(tenths % 10), units[u].name);
			return buf;
		}
		whole = div_round(ns, unit);
		if (whole < limit) {
			snprintf(buf, len, "%llu %s", (unsigned long long)whole,
				 units[u].name);
			return buf;
		}
		/* Rounds up to the next unit: its "1.00" form, or minutes. */
	}
	s = div_round(ns, 1000000000);
	if (s < 60) {
		snprintf(buf, len, "%llu s", (unsigned long long)s);
		return buf;
	}
	m = s / 60;
	h = m / 60;
	d = h / 24;
	if (d)
		snprintf(buf, len, "%llu d %llu h %llu min %llu s",
			 (unsigned long long)d, (unsigned long long)(h % 24),
			 (unsigned long long)(m % 60), (unsigned long long)(s % 60));
	else if (h)
		snprintf(buf, len, "%llu h %llu min %llu s", (unsigned long long)h,
			 (unsigned long long)(m % 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu min %llu s", (unsigned long long)m,
			 (unsigned long long)(s % 60));
	return buf;
}
