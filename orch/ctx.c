// SPDX-License-Identifier: GPL-2.0-only
/* The context every orch/ call takes, and what its errors mean. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "iopass/state.h"

#include "orch_impl.h"

void orch_ctx_init(struct orch_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->state = state_default_dir();
	ctx->sysfs = sysfs_default_root();
	ctx->procfs = procfs_default_root();
	ctx->pools = pool_conf_default_path();
}

bool orch_err_fixable(int err)
{
	switch (err) {
	case -EINVAL: case -EBUSY: case -ENODEV: case -ENOENT: case -EROFS:
	case -EEXIST: case -EACCES: case -EPERM: case -ENOSPC: case -EDQUOT:
	case -ENOTDIR: case -E2BIG: case -ESRCH:
	/* What the host lacks for a VM: memory (or RLIMIT_MEMLOCK), IOVA
	 * space, a vfio-user server to talk to, a device it can drive. */
	case -ENOMEM: case -ERANGE: case -ECONNREFUSED: case -EPROTO:
	case -EOPNOTSUPP:
		return true;
	default:
		return false;
	}
}

void orch_event(const struct orch_ctx *ctx, enum orch_event kind,
		const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!ctx->event)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->event(ctx->opaque, kind, msg);
}

void orch_switch_ctl(const struct orch_ctx *ctx, char *buf, size_t len)
{
	if (ctx->switch_ctl)
		snprintf(buf, len, "%s", ctx->switch_ctl);
	else
		snprintf(buf, len, "%s/switch.sock", ctx->state);
}
