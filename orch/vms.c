// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VMs under the state directory, by name: what each is (a live one is
 * asked through its control socket, a dead one has only its record), and
 * stopping one from outside its VMM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "iopass/state.h"

#include "orch_impl.h"

#define STATUS_TIMEOUT_MS	1000

/* The "vm" object of a status answer, as text; NULL when it has none. */
static char *status_vm(const char *reply)
{
	json_object *o = json_tokener_parse(reply), *vm;
	char *text = NULL;

	if (o && json_object_object_get_ex(o, "vm", &vm) &&
	    json_object_is_type(vm, json_type_object))
		text = strdup(json_object_to_json_string_ext(vm, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

int orch_vms_list(const struct orch_ctx *ctx, struct orch_vm_entry **out,
		  size_t *n, struct errbuf *eb)
{
	int ret = orch_registry_list(ctx->state, out, n, eb);

	for (size_t i = 0; !ret && i < *n; i++) {
		struct orch_vm_entry *e = &(*out)[i];
		char *reply, *vm;

		/* A VM that does not answer still has its record to show. */
		if (!e->alive || orch_control_call(ctx->state, e->name, "status",
						   &reply, STATUS_TIMEOUT_MS, NULL))
			continue;
		vm = status_vm(reply);
		free(reply);
		if (vm) {
			free(e->details);
			e->details = vm;
		}
	}
	return ret;
}

/* Until the VM's lock is free (its VMM has let go of everything). */
static bool vm_wait_gone(const char *state, const char *name, int timeout_s)
{
	char lock[ORCH_VM_NAME_MAX + 16];

	snprintf(lock, sizeof(lock), "vms/%s.lock", name);
	for (int i = 0; i < timeout_s * 10; i++) {
		if (!state_lock_held(state, lock))
			return true;
		usleep(100 * 1000);
	}
	return !state_lock_held(state, lock);
}

int orch_vm_stop_named(const struct orch_ctx *ctx, const char *name,
		       int timeout_s, struct errbuf *eb)
{
	struct orch_vm_entry *list, *e = NULL;
	char *reply = NULL;
	size_t n;
	int ret;

	ret = orch_registry_list(ctx->state, &list, &n, eb);
	if (ret)
		return ret;
	for (size_t i = 0; i < n && !e; i++)
		if (!strcmp(list[i].name, name))
			e = &list[i];
	if (!e || !e->alive) {
		ret = e ? errbuf_set(eb, -ESRCH, "VM '%s' is not running (its VMM died); 'iopass gc' releases its devices",
				     name) :
			  errbuf_set(eb, -ENOENT, "no VM named '%s'; 'iopass vm list' shows the running VMs",
				     name);
		orch_vms_free(list, n);
		return ret;
	}
	ret = orch_control_call(ctx->state, name, "stop", &reply, 5000, eb);
	free(reply);
	/* The lock is held, so the pid is the VMM's: SIGTERM stops it too. */
	if (ret && e->pid > 0 && !kill(e->pid, SIGTERM))
		ret = 0;
	orch_vms_free(list, n);
	if (ret)
		return ret;
	if (!vm_wait_gone(ctx->state, name, timeout_s))
		return errbuf_set(eb, -ETIMEDOUT, "VM '%s' asked to stop but still running after %d s; try again or kill its VMM and run 'iopass gc'",
				  name, timeout_s);
	return 0;
}
