/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-user-edu's --nonsense modes: a server that answers wrongly or fails
 * on purpose, for the client's bad-input and fault tests.
 */
#ifndef IOPASS_VFIO_USER_NONSENSE_H
#define IOPASS_VFIO_USER_NONSENSE_H

enum nonsense {
	NS_NONE,
	NS_GARBAGE,	/* text instead of a VERSION reply */
	NS_VERSION,	/* a VERSION reply with major version 7 */
	NS_SILENT,	/* reads requests and never answers */
	NS_REGIONINFO,	/* region info whose capability points past the reply */
	NS_FDS,		/* a DEVICE_GET_INFO reply with two stray descriptors */
	NS_RESET,	/* every DEVICE_RESET fails (EIO) */
	NS_RESET_LATE,	/* the first DEVICE_RESET of a client works, later fail */
};

/* The mode called name, or NS_NONE for a name there is none of. */
enum nonsense nonsense_parse(const char *name);
/* "garbage|version|...", for the usage line. */
const char *nonsense_names(void);
/*
 * Whether the nth DEVICE_RESET (from 0, counted per client) fails in mode
 * kind: 0, or the errno the reply carries.
 */
int nonsense_reset_error(enum nonsense kind, unsigned int nth);

#endif
