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
#include <time.h>
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

json_object *orch_vms_json(const struct orch_vm_entry *e, size_t n)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_tokener_parse(e[i].details);

		if (!o)
			continue;
		json_object_object_add(o, "alive", json_object_new_boolean(e[i].alive));
		json_object_array_add(arr, o);
	}
	return arr;
}

static void add_word(char *buf, size_t len, const char *word)
{
	size_t k = strlen(buf);

	snprintf(buf + k, len - k, "%s%s", k ? " " : "", word);
}

/* "0000:01:00.2 nic0=vf:0000:01:00.3 nic1=vhost-user:vm42-nic1" */
static void vm_what(const char *details, char *buf, size_t len)
{
	json_object *o = json_tokener_parse(details), *arr, *v;
	char word[128];

	buf[0] = '\0';
	/* A device is { "spec", ... } (an older record: the spec alone). */
	if (o && json_object_object_get_ex(o, "devices", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *dev = json_object_array_get_idx(arr, i);

			if (json_object_object_get_ex(dev, "spec", &v))
				dev = v;
			add_word(buf, len, json_object_get_string(dev));
		}
	if (o && json_object_object_get_ex(o, "nics", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *nic = json_object_array_get_idx(arr, i);
			const char *path = "?", *where = "";

			if (json_object_object_get_ex(nic, "path", &v))
				path = json_object_get_string(v);
			if (json_object_object_get_ex(nic, "bdf", &v) ||
			    json_object_object_get_ex(nic, "port", &v) ||
			    json_object_object_get_ex(nic, "socket", &v))
				where = json_object_get_string(v);
			snprintf(word, sizeof(word), "nic%zu=%s%s%s", i, path,
				 *where ? ":" : "", where);
			add_word(buf, len, word);
		}
	if (!buf[0])
		snprintf(buf, len, "-");
	json_object_put(o);
}

void orch_vm_entry_text(const struct orch_vm_entry *e, char *uptime, size_t ulen,
			char *what, size_t wlen)
{
	long long s = (long long)time(NULL) - e->started;

	if (s < 0)
		s = 0;
	if (!e->alive)
		snprintf(uptime, ulen, "-");
	else if (s < 3600)
		snprintf(uptime, ulen, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(uptime, ulen, "%lldh%02lldm", s / 3600, s / 60 % 60);
	vm_what(e->details, what, wlen);
}
