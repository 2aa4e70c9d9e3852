// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prometheus text format: what node_exporter's textfile collector and a
 * Prometheus scrape read. Only what iopass needs: counters and gauges with
 * integer values and labels.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/util.h"

static void put(struct prom *p, const char *s, size_t n)
{
	if (p->oom)
		return;
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		char *g;

		while (cap < p->len + n + 1)
			cap *= 2;
		g = realloc(p->buf, cap);
		if (!g) {
			p->oom = true;
			return;
		}
		p->buf = g;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void puts_(struct prom *p, const char *s)
{
	put(p, s, strlen(s));
}

/* HELP text escapes \ and newline; label values also ". */
static void escaped(struct prom *p, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(p, "\\\\", 2);
		else if (*s == '\n')
			put(p, "\\n", 2);
		else if (quote && *s == '"')
			put(p, "\\\"", 2);
		else
			put(p, s, 1);
	}
}

void prom_family(struct prom *p, const char *name, const char *type,
		 const char *help)
{
	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	escaped(p, help, false);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, " ");
	puts_(p, type);
	puts_(p, "\n");
}

void prom_sample(struct prom *p, const char *name, uint64_t value, ...)
{
	char num[32];
	const char *k;
	bool first = true;
	va_list ap;

	puts_(p, name);
	va_start(ap, value);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		puts_(p, first ? "{" : ",");
		first = false;
		puts_(p, k);
		puts_(p, "=\"");
		escaped(p, v ? v : "", true);
		puts_(p, "\"");
	}
	va_end(ap);
	if (!first)
		puts_(p, "}");
	snprintf(num, sizeof(num), " %" PRIu64 "\n", value);
	puts_(p, num);
}

void prom_free(struct prom *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}
