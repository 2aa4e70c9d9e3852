// SPDX-License-Identifier: GPL-2.0-only
/* What gcc may call even in freestanding code, and a number parser. */
#include "guest.h"

void *memset(void *s, int c, size_t n)
{
	void *d = s;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *dd = d;

	asm volatile("rep movsb" : "+D"(dd), "+S"(s), "+c"(n) : : "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

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
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

static int digit(char c, unsigned int base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return d < (int)base ? d : -1;
}

static size_t parse_base(const char *s, size_t len, unsigned int base,
			 uint64_t *val)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && digit(s[i], base) >= 0; i++)
		v = v * base + digit(s[i], base);
	if (i)
		*val = v;
	return i;
}

size_t parse_hex(const char *s, size_t len, uint64_t *val)
{
	return parse_base(s, len, 16, val);
}

size_t parse_u64(const char *s, size_t len, uint64_t *val)
{
	size_t n;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		n = parse_base(s + 2, len - 2, 16, val);
		return n ? n + 2 : 0;
	}
	return parse_base(s, len, 10, val);
}
