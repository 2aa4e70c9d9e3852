// SPDX-License-Identifier: GPL-2.0-only
/* vfio-user-edu's --nonsense modes (nonsense.h). */
#include <errno.h>
#include <string.h>

#include "iopass/util.h"
#include "nonsense.h"

static const struct {
	const char *name;
	enum nonsense kind;
} kinds[] = {
	{ "garbage", NS_GARBAGE }, { "version", NS_VERSION },
	{ "silent", NS_SILENT }, { "regioninfo", NS_REGIONINFO },
	{ "fds", NS_FDS }, { "reset", NS_RESET },
	{ "reset-late", NS_RESET_LATE },
};

enum nonsense nonsense_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(name, kinds[i].name))
			return kinds[i].kind;
	return NS_NONE;
}

const char *nonsense_names(void)
{
	return "garbage|version|silent|regioninfo|fds|reset|reset-late";
}

int nonsense_reset_error(enum nonsense kind, unsigned int nth)
{
	if (kind == NS_RESET || (kind == NS_RESET_LATE && nth > 0))
		return EIO;
	return 0;
}
