/* SPDX-License-Identifier: GPL-2.0-only */
/* host/ internal: the groups of checks and the readers they share. */
#ifndef IOPASS_HOST_IMPL_H
#define IOPASS_HOST_IMPL_H

#include <stdarg.h>

#include "iopass/host.h"

int host_check_platform(const struct host_env *env, struct host_report *rep);
int host_check_memory(const struct host_env *env,
		      const struct host_check_opts *opts,
		      struct host_report *rep);
int host_check_devices(const struct host_env *env, struct host_report *rep);

/* root/rel, whole, NUL-terminated, malloc'd. */
int host_read_file(const char *root, const char *rel, char **out);
/* printf onto the end of buf. */
void host_append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
