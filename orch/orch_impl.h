/* SPDX-License-Identifier: GPL-2.0-only */
/* What orch/'s files share and nobody else sees. */
#ifndef IOPASS_ORCH_IMPL_H
#define IOPASS_ORCH_IMPL_H

#include "iopass/orch.h"

/* <state>/vhost: the owner locks of the switch ports VMs added. */
#define ORCH_PORTS_DIR		"vhost"
#define ORCH_SWITCH_TIMEOUT_MS	10000

/* One line to ctx->event, printf-style; nothing when nobody listens. */
void orch_event(const struct orch_ctx *ctx, enum orch_event kind,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* ctx->switch_ctl, or <state>/switch.sock. */
void orch_switch_ctl(const struct orch_ctx *ctx, char *buf, size_t len);

#endif
