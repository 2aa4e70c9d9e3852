// SPDX-License-Identifier: GPL-2.0-only
/*
 * Strict decimal numbers for command lines and records: what strtol takes
 * besides (leading blanks, a sign, an empty string, trailing junk) is
 * refused, so that " 2", "+2" or "2x" never pass for 2.
 */
#include <errno.h>

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
