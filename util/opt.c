// SPDX-License-Identifier: GPL-2.0-only
/*
 * getopt_long takes the last of a repeated option: `--owner a --owner b`
 * would quietly lease to b. Options that must be given once are checked
 * here first.
 */
#include <string.h>

#include "iopass/util.h"

const char *opt_repeated(int argc, char *const argv[], const char *const names[])
{
	for (size_t n = 0; names[n]; n++) {
		int seen = 0;

		for (int i = 1; i < argc && argv[i] && strcmp(argv[i], "--"); i++) {
			const char *a = argv[i];
			size_t l;

			if (strncmp(a, "--", 2))
				continue;
			a += 2;
			l = strcspn(a, "=");
			/* getopt_long takes a unique prefix too ("--own"). */
			if (l && !strncmp(names[n], a, l) && ++seen > 1)
				return names[n];
		}
	}
	return NULL;
}
