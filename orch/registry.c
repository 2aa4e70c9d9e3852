// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running VMs, as records under <state>/vms. A record is only trusted while
 * its lock is held: the VMM takes the lock before it writes the record and
 * keeps it until it has let go of every device, so a free lock means the VMM
 * is gone (or going) whatever the pid in the record says.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "iopass/orch.h"
#include "iopass/state.h"

#define VMS_DIR		"vms"

bool orch_vm_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > ORCH_VM_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("-_.", name[i]))
			return false;
	return true;
}

static int vm_path(char *buf, size_t len, const char *name, const char *ext)
{
	int n = snprintf(buf, len, VMS_DIR "/%s.%s", name, ext);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int vm_record_parse(const char *text, struct orch_vm_entry *e)
{
	json_object *o = json_tokener_parse(text), *v;
	int ret = -EINVAL;

	if (!o || !json_object_is_type(o, json_type_object))
		goto out;
	if (json_object_object_get_ex(o, "pid", &v) &&
	    json_object_is_type(v, json_type_int))
		e->pid = (pid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "started", &v) &&
	    json_object_is_type(v, json_type_int))
		e->started = json_object_get_int64(v);
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

static int vm_record_write(const char *state, const char *rec,
			   const char *name, long long started,
			   const char *details, struct errbuf *eb)
{
	char *text = NULL;
	int ret;

	if (asprintf(&text, "{ \"name\": \"%s\", \"pid\": %d, \"started\": %lld%s%s }\n",
		     name, (int)getpid(), started,
		     details && *details ? ", " : "", details ? details : "") < 0)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	ret = state_write(state, rec, text, eb);
	free(text);
	return ret;
}

int orch_registry_add(const char *state, const char *name, const char *details,
		      struct errbuf *eb)
{
	char lock[PATH_MAX], rec[PATH_MAX];
	int fd, ret;

	if (!orch_vm_name_valid(name))
		return errbuf_set(eb, -EINVAL,
			"'%s' is not a VM name: use 1-%d letters, digits, '-', '_' or '.'",
			name, ORCH_VM_NAME_MAX);
	ret = state_mkdir(state, VMS_DIR, eb);
	if (ret)
		return ret;
	if (vm_path(lock, sizeof(lock), name, "lock") ||
	    vm_path(rec, sizeof(rec), name, "json"))
		return errbuf_set(eb, -ENAMETOOLONG, "VM name too long");
	fd = state_lock(state, lock, false, eb);
	if (fd == -EWOULDBLOCK) {
		struct orch_vm_entry e = { .pid = 0 };
		char *old = NULL;

		if (!state_read(state, rec, &old, NULL))
			vm_record_parse(old, &e);
		free(old);
		if (e.pid > 0)
			return errbuf_set(eb, -EEXIST,
				"a VM named '%s' is already running (pid %d); pick another --name or 'iopass vm stop %s'",
				name, (int)e.pid, name);
		return errbuf_set(eb, -EEXIST,
			"a VM named '%s' is already running; pick another --name or 'iopass vm stop %s'",
			name, name);
	}
	if (fd < 0)
		return fd;
	ret = vm_record_write(state, rec, name, (long long)time(NULL), details,
			      eb);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int orch_registry_update(const char *state, const char *name,
			 const char *details, struct errbuf *eb)
{
	struct orch_vm_entry e = { .started = (long long)time(NULL) };
	char rec[PATH_MAX], *old = NULL;

	if (vm_path(rec, sizeof(rec), name, "json"))
		return errbuf_set(eb, -ENAMETOOLONG, "VM name too long");
	/* The start time stays what orch_registry_add() wrote. */
	if (!state_read(state, rec, &old, NULL))
		vm_record_parse(old, &e);
	free(old);
	return vm_record_write(state, rec, name, e.started, details, eb);
}

void orch_registry_remove(const char *state, const char *name, int lock_fd)
{
	char path[PATH_MAX];

	if (!vm_path(path, sizeof(path), name, "json"))
		state_remove(state, path);
	if (!vm_path(path, sizeof(path), name, "sock"))
		state_remove(state, path);
	/*
	 * The lock file goes too (a VMM waiting on it retakes the one at the
	 * path: state_lock()). NAME.log stays: the guest's console is what
	 * tells why a VM stopped or crashed; the next VM of the name
	 * truncates it (docs/vm.md).
	 */
	if (lock_fd >= 0 && !vm_path(path, sizeof(path), name, "lock"))
		state_unlock(state, path, lock_fd);
	else if (lock_fd >= 0)
		close(lock_fd);
}

int orch_registry_list(const char *state, struct orch_vm_entry **out, size_t *n,
		       struct errbuf *eb)
{
	struct orch_vm_entry *list = NULL;
	char **names = NULL;
	size_t count = 0, i, got = 0;
	int ret;

	*out = NULL;
	*n = 0;
	ret = state_list(state, VMS_DIR, ".json", &names, &count);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return errbuf_set(eb, ret, "cannot list %s/" VMS_DIR ": %s",
				  state, strerror(-ret));
	list = calloc(count ? count : 1, sizeof(*list));
	if (!list) {
		state_list_free(names, count);
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	for (i = 0; i < count; i++) {
		struct orch_vm_entry *e = &list[got];
		char path[PATH_MAX];
		size_t len = strlen(names[i]) - strlen(".json");

		if (len > ORCH_VM_NAME_MAX)
			continue;
		memcpy(e->name, names[i], len);
		e->name[len] = '\0';
		if (vm_path(path, sizeof(path), e->name, "json"))
			continue;
		ret = state_read(state, path, &e->details, NULL);
		/* Records are 0600: another user must not take "none" for
		 * an answer. */
		if (ret == -EACCES) {
			state_list_free(names, count);
			orch_vms_free(list, got);
			return errbuf_set(eb, ret, "cannot read %s/%s: Permission denied; VM "
					  "records are their owner's alone: run as root", state, path);
		}
		if (ret)
			continue;
		if (vm_record_parse(e->details, e)) {
			free(e->details);
			memset(e, 0, sizeof(*e));
			continue;
		}
		vm_path(path, sizeof(path), e->name, "lock");
		e->alive = state_lock_held(state, path);
		got++;
	}
	state_list_free(names, count);
	*out = list;
	*n = got;
	return 0;
}

void orch_vms_free(struct orch_vm_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++)
		free(e[i].details);
	free(e);
}

int orch_registry_gc(const char *state, bool dry_run, char ***names, size_t *n)
{
	struct orch_vm_entry *list;
	size_t count, i, k = 0;
	char **dead;
	int ret;

	*names = NULL;
	*n = 0;
	ret = orch_registry_list(state, &list, &count, NULL);
	if (ret)
		return ret;
	dead = calloc(count + 1, sizeof(*dead));
	if (!dead) {
		orch_vms_free(list, count);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		char lock[PATH_MAX];
		int fd;

		if (list[i].alive)
			continue;
		/* Take the lock so that a VM starting under this name waits. */
		vm_path(lock, sizeof(lock), list[i].name, "lock");
		fd = dry_run ? -1 : state_lock(state, lock, false, NULL);
		if (!dry_run && fd < 0)
			continue;
		dead[k] = strdup(list[i].name);
		if (dead[k])
			k++;
		if (!dry_run)
			orch_registry_remove(state, list[i].name, fd);
	}
	orch_vms_free(list, count);
	*names = dead;
	*n = k;
	return (int)k;
}
