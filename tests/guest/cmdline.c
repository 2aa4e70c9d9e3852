// SPDX-License-Identifier: GPL-2.0-only
/* The command line: space-separated key=value words, kept as one copy. */
#include "guest.h"

static char cmdline[1024];

void cmdline_set(const char *s, size_t len)
{
	if (len >= sizeof(cmdline))
		len = sizeof(cmdline) - 1;
	memcpy(cmdline, s, len);
	cmdline[len] = '\0';
}

bool cmdline_get(const char *key, const char **val, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		const char *w;

		while (*p == ' ')
			p++;
		for (w = p; *p && *p != ' '; p++)
			;
		if ((size_t)(p - w) > klen && !strncmp(w, key, klen) &&
		    w[klen] == '=') {
			*val = w + klen + 1;
			*len = p - *val;
			return true;
		}
	}
	return false;
}
