/* SPDX-License-Identifier: GPL-2.0-only */
/* What orch/'s files share and nobody else sees. */
#ifndef IOPASS_ORCH_IMPL_H
#define IOPASS_ORCH_IMPL_H

#include <json-c/json.h>

#include "iopass/orch.h"

/* <state>/vhost: the owner locks of the switch ports VMs added. */
#define ORCH_PORTS_DIR		"vhost"
#define ORCH_SWITCH_TIMEOUT_MS	10000

/*
 * A VM control socket's request line, {"request": "WORD"} or a bare WORD,
 * into word: true when WORD is 1 to len - 1 lower-case letters (what the
 * socket then acts on), false for anything else (tests/fuzz).
 */
bool orch_control_request(const char *line, char *word, size_t len);

/* One line to ctx->event, printf-style; nothing when nobody listens. */
void orch_event(const struct orch_ctx *ctx, enum orch_event kind,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* ctx->switch_ctl, or <state>/switch.sock. */
void orch_switch_ctl(const struct orch_ctx *ctx, char *buf, size_t len);

/* { "spec", "path", "why", "bdf" | "port", "socket", "mac" } */
struct json_object *orch_nic_json(const struct orch_nic *nic);
/*
 * The switch ports whose VMM died (their owner lock is free), deleted;
 * *names (malloc'd) says which. Returns how many, or -errno.
 */
int orch_nic_gc(const struct orch_ctx *ctx, bool dry_run, char ***names,
		size_t *n);

/*
 * reset_warn.c: before the guest runs, which device (taken[i]: its BDF, ""
 * for a vfio-user one) no reset reaches, and what would help.
 */
void orch_reset_preflight(const struct orch_ctx *ctx, const char *const *taken,
			  unsigned int n);

#endif
