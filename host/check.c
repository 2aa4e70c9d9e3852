// SPDX-License-Identifier: GPL-2.0-only
/*
 * host check: the report, the roots it reads and the readers the checks
 * share. The checks themselves are in check_platform.c (CPU, KVM, IOMMU,
 * VFIO), check_memory.c (hugepages, locked memory, NUMA, state) and
 * check_devices.c (groups, SR-IOV PFs, resets).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/host.h"
#include "iopass/state.h"
#include "host_impl.h"

void host_env_default(struct host_env *env)
{
	const char *dev = getenv("IOPASS_DEV_ROOT");

	env->sysfs = sysfs_default_root();
	env->procfs = procfs_default_root();
	env->dev = dev && *dev ? dev : "/dev";
	env->state = state_default_dir();
	env->pools = pool_conf_default_path();
}

const char *host_level_name(enum host_level l)
{
	switch (l) {
	case HOST_OK:
		return "ok";
	case HOST_WARN:
		return "warn";
	default:
		return "fail";
	}
}

json_object *host_report_json(const struct host_report *rep)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	json_object *sum = json_object_new_object();

	for (size_t i = 0; i < rep->n; i++) {
		const struct host_finding *f = &rep->f[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "check", json_object_new_string(f->check));
		json_object_object_add(e, "level",
				       json_object_new_string(host_level_name(f->level)));
		json_object_object_add(e, "title", json_object_new_string(f->title));
		json_object_object_add(e, "seen", json_object_new_string(f->seen));
		json_object_object_add(e, "fix", f->fix[0] ?
				       json_object_new_string(f->fix) : NULL);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "findings", arr);
	for (int l = HOST_OK; l <= HOST_FAIL; l++)
		json_object_object_add(sum, host_level_name(l),
				       json_object_new_int((int)rep->count[l]));
	json_object_object_add(o, "summary", sum);
	return o;
}

int host_report_add(struct host_report *rep, const char *check,
		    enum host_level level, const char *title, const char *seen,
		    const char *fix)
{
	struct host_finding *grown, *f;

	grown = realloc(rep->f, (rep->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	rep->f = grown;
	f = &rep->f[rep->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->check, sizeof(f->check), "%s", check);
	f->level = level;
	snprintf(f->title, sizeof(f->title), "%s", title);
	snprintf(f->seen, sizeof(f->seen), "%s", seen ? seen : "");
	snprintf(f->fix, sizeof(f->fix), "%s", fix && level != HOST_OK ? fix : "");
	rep->count[level]++;
	return 0;
}

void host_report_free(struct host_report *rep)
{
	free(rep->f);
	memset(rep, 0, sizeof(*rep));
}

int host_check(const struct host_env *env, const struct host_check_opts *opts,
	       struct host_report *rep, struct errbuf *eb)
{
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = host_check_platform(env, rep);
	if (!ret)
		ret = host_check_memory(env, opts, rep);
	if (!ret)
		ret = host_check_devices(env, rep);
	if (ret) {
		host_report_free(rep);
		return errbuf_set(eb, ret, "host check: %s", strerror(-ret));
	}
	return 0;
}

/* ---- shared readers --------------------------------------------------------- */

int host_read_file(const char *root, const char *rel, char **out)
{
	char path[PATH_MAX];
	size_t cap = 4096, len = 0;
	char *buf;
	FILE *f;

	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + len, 1, cap - len - 1, f);

		len += got;
		if (len < cap - 1)
			break;
		/* procfs files are bounded; 4 MiB is far beyond any of them. */
		if (cap >= (4u << 20))
			break;
		char *grown = realloc(buf, cap * 2);

		if (!grown) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = grown;
		cap *= 2;
	}
	fclose(f);
	if (!buf)
		return -ENOMEM;
	buf[len] = '\0';
	*out = buf;
	return 0;
}

bool host_cmdline_has(const char *procfs, const char *key, char *value,
		      size_t len)
{
	size_t klen = strlen(key);
	char *text, *save = NULL;
	bool found = false;

	if (value && len)
		value[0] = '\0';
	if (host_read_file(procfs, "cmdline", &text))
		return false;
	/* The last occurrence wins, as for the kernel's own parsing. */
	for (char *w = strtok_r(text, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(w, key, klen) || (w[klen] && w[klen] != '='))
			continue;
		found = true;
		if (value && len)
			snprintf(value, len, "%s", w[klen] == '=' ? w + klen + 1 : "");
	}
	free(text);
	return found;
}

bool host_module_loaded(const char *sysfs, const char *name)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "module/%s", name);
	return sysfs_exists(sysfs, rel);
}

void host_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t k = strlen(buf);
	va_list ap;

	if (k >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + k, len - k, fmt, ap);
	va_end(ap);
}
