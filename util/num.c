// SPDX-License-Identifier: GPL-2.0-only
/*
 * Strict decimal numbers for command lines and records: what strtol takes
 * besides (leading blanks, a sign, an empty string, trailing junk) is
 * refused, so that " 2", "+2" or "2x" never pass for 2.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "iopass/util.h"

int num_parse(const char *s, unsigned long long min, unsigned long long max,
	      unsigned long long *out)
{
	unsigned long long v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - d) / 10 || d > max)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min)
		return -ERANGE;
	*out = v;
	return 0;
}

int cpulist_parse(const char *s, cpu_set_t *set)
{
	char buf[4096], *rest = buf, *item;

	CPU_ZERO(set);
	if (!s || (size_t)snprintf(buf, sizeof(buf), "%s", s) >= sizeof(buf))
		return -EINVAL;
	buf[strcspn(buf, "\n")] = '\0';
	/* An empty list is a node without CPUs: valid, and empty. */
	if (!buf[0])
		return 0;
	while ((item = strsep(&rest, ","))) {
		unsigned long long lo, hi;
		char *dash = strchr(item, '-');
		int ret;

		if (dash)
			*dash = '\0';
		ret = num_parse(item, 0, CPU_SETSIZE - 1, &lo);
		if (!ret)
			ret = dash ? num_parse(dash + 1, lo, CPU_SETSIZE - 1, &hi) : 0;
		if (ret)
			return ret;
		for (unsigned long long c = lo; c <= (dash ? hi : lo); c++)
			CPU_SET(c, set);
	}
	return 0;
}
