// SPDX-License-Identifier: GPL-2.0
/*
 * Mini runtime for the C guests: COM1 output, a small printf, the exit
 * port, an IDT whose handlers report vector and error code, and the
 * fixup mechanism tests use to survive an expected #GP/#UD.
 */
#include "guest.h"

volatile uintptr_t guest_fixup_ip;
volatile int guest_trap_vector = -1;
volatile uintptr_t guest_trap_error;

/* ---- COM1 ---- */

/* A standard 16550 driver's init: 115200 8N1, FIFOs on, no interrupts. */
void guest_uart_init(void)
{
	outb(COM1 + 1, 0x00);		/* IER: no interrupts */
	outb(COM1 + 3, 0x80);		/* LCR: DLAB */
	outb(COM1 + 0, 0x01);		/* DLL: 115200 baud */
	outb(COM1 + 1, 0x00);		/* DLM */
	outb(COM1 + 3, 0x03);		/* LCR: 8N1, DLAB off */
	outb(COM1 + 2, 0xc7);		/* FCR: enable and clear FIFOs */
	outb(COM1 + 4, 0x0b);		/* MCR: DTR, RTS, OUT2 */
}

void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & UART_LSR_THRE))
		;
	outb(COM1, (u8)c);
}

void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

void write_serial(const void *buf, size_t n)
{
	outsb(COM1, buf, n);
}

void guest_exit(u32 code)
{
	outl(EXIT_PORT, code);
	/* Only reached if the exit port did not stop us. */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---- libc bits ---- */

void *memset(void *s, int c, size_t n)
{
	u8 *p = s;

	while (n--)
		*p++ = (u8)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

const char *strstr(const char *h, const char *n)
{
	size_t len = strlen(n);

	for (; *h; h++)
		if (!strncmp(h, n, len))
			return h;
	return NULL;
}

u64 cmdline_u64(const char *cmdline, const char *key, u64 def)
{
	size_t klen = strlen(key);
	const char *p = cmdline;
	u64 v = 0;

	while (p && *p) {
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, key, klen) &&
		    p[klen] == '=') {
			p += klen + 1;
			if (p[0] == '0' && p[1] == 'x') {
				for (p += 2;; p++) {
					if (*p >= '0' && *p <= '9')
						v = v * 16 + (u64)(*p - '0');
					else if (*p >= 'a' && *p <= 'f')
						v = v * 16 + (u64)(*p - 'a' + 10);
					else
						break;
				}
			} else {
				for (; *p >= '0' && *p <= '9'; p++)
					v = v * 10 + (u64)(*p - '0');
			}
			return v;
		}
		p++;
	}
	return def;
}

/*
 * u64 / 10 without a libgcc call, so the 32-bit guests link freestanding
 * (Hacker's Delight, divu10).
 */
static u64 udiv10(u64 n, unsigned int *rem)
{
	u64 q, r;

	q = (n >> 1) + (n >> 2);
	q += q >> 4;
	q += q >> 8;
	q += q >> 16;
	q += q >> 32;
	q >>= 3;
	r = n - ((q << 3) + (q << 1));
	if (r > 9) {
		q++;
		r -= 10;
	}
	*rem = (unsigned int)r;
	return q;
}

struct outbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void emit(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void emit_num(struct outbuf *o, u64 v, unsigned int base, int width,
		     bool zero, bool neg)
{
	char tmp[24];
	int n = 0;
	unsigned int rem;

	do {
		if (base == 16) {
			tmp[n++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} else {
			v = udiv10(v, &rem);
			tmp[n++] = (char)('0' + rem);
		}
	} while (v);
	if (neg)
		width--;
	if (neg && zero)
		emit(o, '-');
	for (; width > n; width--)
		emit(o, zero ? '0' : ' ');
	if (neg && !zero)
		emit(o, '-');
	while (n)
		emit(o, tmp[--n]);
}

/* %[0][width][l|ll|z]{d,u,x,s,c,p,%} */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool zero = false;
		int width = 0, lng = 0;
		u64 v;

		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			zero = true;
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		/* size_t is as wide as long on both guest ABIs. */
		while (*fmt == 'l' || *fmt == 'z')
			lng++, fmt++;
		switch (*fmt) {
		case 'd': {
			long long s;

			s = lng >= 2 ? va_arg(ap, long long) :
			    lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			emit_num(&o, s < 0 ? -(u64)s : (u64)s, 10, width, zero,
				 s < 0);
			break;
		}
		case 'u':
		case 'x':
			v = lng >= 2 ? va_arg(ap, unsigned long long) :
			    lng == 1 ? va_arg(ap, unsigned long) :
			    va_arg(ap, unsigned int);
			emit_num(&o, v, *fmt == 'x' ? 16 : 10, width, zero, false);
			break;
		case 'p':
			emit(&o, '0');
			emit(&o, 'x');
			emit_num(&o, (uintptr_t)va_arg(ap, void *), 16, width,
				 zero, false);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			while (*s)
				emit(&o, *s++);
			break;
		}
		case 'c':
			emit(&o, (char)va_arg(ap, int));
			break;
		case '%':
			emit(&o, '%');
			break;
		default:
			emit(&o, '%');
			emit(&o, *fmt);
			if (!*fmt)
				fmt--;
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts_serial(buf);
	return n;
}

/* ---- CPU ---- */

enum guest_vendor guest_cpu_vendor(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	/* "AuthenticAMD" / "HygonGenuine" vs "GenuineIntel", by EBX. */
	if (b == 0x68747541 || b == 0x6f677948)
		return VENDOR_AMD;
	if (b == 0x756e6547)
		return VENDOR_INTEL;
	return VENDOR_OTHER;
}

int guest_checks_failed;

void guest_check(const char *what, u32 got, u32 want)
{
	if (got == want) {
		printf("%s ok\n", what);
		return;
	}
	printf("%s: got 0x%x, want 0x%x\n", what, got, want);
	guest_checks_failed++;
}

int try_rdmsr(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;

	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "rdmsr" GUEST_TRY_END
			 : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = (u64)hi << 32 | lo;
	return guest_try_done();
}

int try_wrmsr(u32 msr, u64 val)
{
	guest_try_arm();
	__asm__ volatile(GUEST_TRY_BEGIN "wrmsr" GUEST_TRY_END
			 : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
			 : "memory");
	return guest_try_done();
}

/* ---- IDT ---- */

extern const uintptr_t guest_trap_stubs[32];

#ifdef __x86_64__
struct idt_gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
};
#else
struct idt_gate {
	u16 off0, sel;
	u8 zero, type;
	u16 off1;
};
#endif

struct __attribute__((packed)) idt_desc {
	u16 limit;
	uintptr_t base;
};

static struct idt_gate idt[32];

void guest_idt_init(void)
{
	u16 cs;
	int i;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (i = 0; i < 32; i++) {
		uintptr_t h = guest_trap_stubs[i];

		idt[i].off0 = (u16)h;
		idt[i].sel = cs;
		idt[i].type = 0x8e;	/* present, DPL 0, interrupt gate */
		idt[i].off1 = (u16)(h >> 16);
#ifdef __x86_64__
		idt[i].off2 = (u32)((u64)h >> 32);
#endif
	}
	struct idt_desc d = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(d));
}

static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#MF", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

void guest_trap(struct trap_frame *f)
{
	if (guest_fixup_ip) {
		guest_trap_vector = (int)f->vector;
		guest_trap_error = f->error;
		f->ip = guest_fixup_ip;
		guest_fixup_ip = 0;
		return;
	}
	printf("unexpected exception %s (vector %u) error 0x%lx at ip 0x%lx\n",
	       vector_names[f->vector & 31], (unsigned int)f->vector,
	       (unsigned long)f->error, (unsigned long)f->ip);
	guest_exit(GUEST_EXIT_UNEXPECTED_TRAP);
}
