// SPDX-License-Identifier: GPL-2.0-only
/*
 * Folding a failed program's log into the few lines that explain it. When
 * iopass-switch fails to start, DPDK's cleanup prints the same EAL line for
 * every memory segment it unmaps (60 of "Unexpected size 0 of DMA remapping
 * cleared" were seen), after the error, so a plain tail of the log shows
 * only those. Here each distinct line appears once, with how often it came,
 * and the program's own error goes last, where a reader looks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iopass/util.h"

struct fold_line {
	const char *s;
	size_t len;
	unsigned int count;
	bool last;		/* begins with the prefix: goes after the rest */
};

/* Appends to a growing string; false when out of memory. */
static bool put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap ? *cap * 2 : 256) + n;
		char *nb = realloc(*buf, ncap);

		if (!nb)
			return false;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

static bool put_line(char **buf, size_t *len, size_t *cap, const char *indent,
		     const struct fold_line *l)
{
	char count[48] = "";

	if (l->count > 1)
		snprintf(count, sizeof(count), " [%u times]", l->count);
	return put(buf, len, cap, indent, strlen(indent)) &&
	       put(buf, len, cap, l->s, l->len) &&
	       put(buf, len, cap, count, strlen(count)) && put(buf, len, cap, "\n", 1);
}

char *log_fold(const char *text, size_t len, unsigned int max_lines,
	       const char *last_prefix, const char *indent)
{
	struct fold_line *lines = NULL;
	size_t n = 0, cap = 0, olen = 0, ocap = 0, plen = last_prefix ? strlen(last_prefix) : 0;
	unsigned int kept = 0, skip;
	char *out = NULL;
	const char *p = text, *end = text + len;

	if (!indent)
		indent = "";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t i;

		while (l && (p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		if (l) {
			for (i = 0; i < n; i++)
				if (lines[i].len == l && !memcmp(lines[i].s, p, l))
					break;
			if (i < n) {
				lines[i].count++;
			} else {
				if (n == cap) {
					struct fold_line *nl2;

					cap = cap ? cap * 2 : 32;
					nl2 = realloc(lines, cap * sizeof(*lines));
					if (!nl2)
						goto err;
					lines = nl2;
				}
				lines[n++] = (struct fold_line){
					.s = p, .len = l, .count = 1,
					.last = plen && l >= plen && !memcmp(p, last_prefix, plen),
				};
			}
		}
		p = nl ? nl + 1 : end;
	}
	for (size_t i = 0; i < n; i++)
		kept += !lines[i].last;
	skip = kept > max_lines ? kept - max_lines : 0;
	if (!put(&out, &olen, &ocap, "", 0))
		goto err;
	for (size_t i = 0; i < n; i++) {
		if (lines[i].last)
			continue;
		if (skip) {
			skip--;
			continue;
		}
		if (!put_line(&out, &olen, &ocap, indent, &lines[i]))
			goto err;
	}
	for (size_t i = 0; i < n; i++)
		if (lines[i].last && !put_line(&out, &olen, &ocap, indent, &lines[i]))
			goto err;
	free(lines);
	return out;

err:
	free(lines);
	free(out);
	return NULL;
}
