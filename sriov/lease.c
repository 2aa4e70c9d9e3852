// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>

#include <json-c/json.h>

#include "iopass/iommu.h"
#include "iopass/lease.h"
#include "iopass/state.h"

#define LEASE_DIR	"leases"
#define ALLOC_LOCK	"leases/.alloc.lock"

static int copy_str(json_object *o, const char *key, char *dst, size_t len,
		    bool required, struct errbuf *eb)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return errbuf_set(eb, -EINVAL, "lease record has no '%s'", key);
		dst[0] = '\0';
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return errbuf_set(eb, -EINVAL, "lease record: '%s' is not a string", key);
	s = json_object_get_string(v);
	if (strlen(s) >= len || memchr(s, '\n', strlen(s)))
		return errbuf_set(eb, -EINVAL, "lease record: '%s' is malformed", key);
	strcpy(dst, s);
	return 0;
}

int lease_parse(const char *buf, size_t len, struct lease *l, struct errbuf *eb)
{
	struct json_tokener *tok = json_tokener_new();
	struct pci_addr addr;
	json_object *o, *v;
	size_t end;
	int ret;

	memset(l, 0, sizeof(*l));
	if (!tok)
		return -ENOMEM;
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	/* One object and nothing after it but blanks: a torn write is not a record. */
	end = o ? json_tokener_get_parse_end(tok) : len;
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r\n", buf[end]) && buf[end])
		end++;
	if (!o || !json_object_is_type(o, json_type_object) || end != len) {
		json_object_put(o);
		return errbuf_set(eb, -EINVAL, "lease record is not a JSON object");
	}
	ret = copy_str(o, "bdf", l->bdf, sizeof(l->bdf), true, eb);
	if (!ret && pci_addr_parse(l->bdf, &addr))
		ret = errbuf_set(eb, -EINVAL, "lease record: bad bdf '%s'", l->bdf);
	if (!ret)
		ret = copy_str(o, "owner", l->owner, sizeof(l->owner), true, eb);
	if (!ret && !l->owner[0])
		ret = errbuf_set(eb, -EINVAL, "lease record: empty owner");
	if (!ret)
		ret = copy_str(o, "pool", l->pool, sizeof(l->pool), false, eb);
	if (!ret)
		ret = copy_str(o, "orig_driver", l->orig_driver, sizeof(l->orig_driver), false, eb);
	if (!ret)
		ret = copy_str(o, "driver", l->driver, sizeof(l->driver), false, eb);
	if (!ret && json_object_object_get_ex(o, "pid", &v)) {
		int64_t pid = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || pid < 0 || pid > 0x3fffffff)
			ret = errbuf_set(eb, -EINVAL, "lease record: bad pid");
		l->pid = (int)pid;
	}
	if (!ret && json_object_object_get_ex(o, "since", &v)) {
		if (!json_object_is_type(v, json_type_int))
			ret = errbuf_set(eb, -EINVAL, "lease record: bad since");
		l->since = json_object_get_int64(v);
	}
	if (!ret)
		ret = copy_str(o, "vf_ifname", l->vf_ifname, sizeof(l->vf_ifname), false, eb);
	l->vf_index = -1;
	if (!ret && json_object_object_get_ex(o, "vf_index", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		int64_t idx = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || idx < 0 || idx > 0xffff)
			ret = errbuf_set(eb, -EINVAL, "lease record: bad vf_index");
		l->vf_index = (int)idx;
	}
	if (!ret && l->vf_ifname[0] && l->vf_index < 0)
		ret = errbuf_set(eb, -EINVAL, "lease record: vf_ifname without vf_index");
	json_object_put(o);
	return ret;
}

int lease_format(const struct lease *l, char *buf, size_t len)
{
	json_object *o = json_object_new_object();
	int n;

	json_object_object_add(o, "bdf", json_object_new_string(l->bdf));
	json_object_object_add(o, "owner", json_object_new_string(l->owner));
	json_object_object_add(o, "pool", l->pool[0] ? json_object_new_string(l->pool) : NULL);
	json_object_object_add(o, "pid", json_object_new_int(l->pid));
	json_object_object_add(o, "since", json_object_new_int64(l->since));
	json_object_object_add(o, "orig_driver", json_object_new_string(l->orig_driver));
	json_object_object_add(o, "driver", json_object_new_string(l->driver));
	if (l->vf_ifname[0]) {
		json_object_object_add(o, "vf_ifname", json_object_new_string(l->vf_ifname));
		json_object_object_add(o, "vf_index", json_object_new_int(l->vf_index));
	}
	n = snprintf(buf, len, "%s\n", json_object_to_json_string_ext(o,
		     JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static void rec_name(const char *bdf, const char *ext, char *name, size_t len)
{
	snprintf(name, len, LEASE_DIR "/%s.%s", bdf, ext);
}

/* Before reading: a record is a regular file of a sane size, nothing else. */
static int record_shape(const char *state, const char *name, struct errbuf *eb)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", state, name);
	if (lstat(path, &st))
		return errno == ENOENT ? -ENOENT : 0;	/* state_read says why */
	if (S_ISLNK(st.st_mode))
		return errbuf_set(eb, -EINVAL, "is a symbolic link");
	if (!S_ISREG(st.st_mode))
		return errbuf_set(eb, -EINVAL, "is not a regular file");
	if (!st.st_size)
		return errbuf_set(eb, -EINVAL, "is empty");
	if (st.st_size > 65536)
		return errbuf_set(eb, -EINVAL, "is %lld bytes, far more than a lease record",
				  (long long)st.st_size);
	return 0;
}

int lease_read(const char *state, const char *bdf, struct lease *l,
	       struct errbuf *eb)
{
	char name[64], *content, esc[STR_ESC_MAX];
	struct errbuf why;
	int ret;

	memset(l, 0, sizeof(*l));
	rec_name(bdf, "json", name, sizeof(name));
	ret = record_shape(state, name, &why);
	if (ret == -ENOENT)
		return ret;
	if (!ret)
		ret = state_read(state, name, &content, &why);
	if (ret == -ENOENT)
		return ret;
	if (ret == -EACCES || ret == -EPERM)	/* not ours to read: not broken */
		return errbuf_set(eb, ret, "%s", why.msg);
	if (!ret) {
		ret = lease_parse(content, strlen(content), l, &why);
		free(content);
	}
	if (!ret && strcmp(l->bdf, bdf))
		ret = errbuf_set(&why, -EINVAL, "names %s", str_escape(l->bdf, esc, sizeof(esc)));
	if (ret)
		errbuf_set(eb, ret, "lease record %s/%s is broken: %s", state, name, why.msg);
	return ret;
}

/*
 * The names of the records under leases/ ("BDF.json"), and *list: a zeroed
 * array of as many elements of elem bytes.
 */
static int record_names(const char *state, char ***names, size_t *count,
			size_t elem, void **list, struct errbuf *eb)
{
	int ret = state_list(state, LEASE_DIR, ".json", names, count);

	if (ret)
		return errbuf_set(eb, ret, "cannot list %s/" LEASE_DIR ": %s", state,
				  strerror(-ret));
	*list = calloc(*count ? *count : 1, elem);
	if (!*list) {
		state_list_free(*names, *count);
		return errbuf_set(eb, -ENOMEM, "out of memory");
	}
	return 0;
}

int lease_list(const char *state, struct lease **leases, size_t *n,
	       struct errbuf *eb)
{
	struct lease *list;
	size_t count, k = 0;
	char **names;
	void *mem;
	int ret;

	ret = record_names(state, &names, &count, sizeof(*list), &mem, eb);
	if (ret)
		return ret;
	list = mem;
	for (size_t i = 0; i < count; i++) {
		char bdf[PCI_ADDR_STRLEN + 8];

		snprintf(bdf, sizeof(bdf), "%.*s", (int)(strlen(names[i]) - 5), names[i]);
		/* A broken record is skipped here: lease_list_broken() lists it. */
		if (!lease_read(state, bdf, &list[k], NULL))
			k++;
	}
	state_list_free(names, count);
	*leases = list;
	*n = k;
	return 0;
}

bool lease_orphaned(const char *state, const struct lease *l)
{
	char name[64];

	if (!l->pid)
		return false;
	rec_name(l->bdf, "lock", name, sizeof(name));
	return !state_lock_held(state, name);
}

enum lease_holder lease_holder(const char *state, const struct lease *l,
				char *text, size_t len)
{
	enum lease_holder h;

	if (!l->pid)
		h = LEASE_PERSISTENT;
	else if (lease_orphaned(state, l))
		h = LEASE_GONE;
	/* Held, but not by iopass itself: the command it ran holds it. */
	else if (kill(l->pid, 0) && errno == ESRCH)
		h = LEASE_HELD_BY_CMD;
	else
		h = LEASE_HELD;
	if (text)
		snprintf(text, len, h == LEASE_PERSISTENT ? "persistent" : "pid %d%s", l->pid,
			 h == LEASE_GONE ? " GONE" : h == LEASE_HELD_BY_CMD ? " CMD" : "");
	return h;
}

static void current_driver(const char *sysfs, const char *bdf, char *drv, size_t len)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
	if (sysfs_link_base(sysfs, rel, drv, len))
		drv[0] = '\0';
}

static void drop_record(const char *state, const char *bdf)
{
	char name[64];

	rec_name(bdf, "json", name, sizeof(name));
	state_remove(state, name);
	rec_name(bdf, "lock", name, sizeof(name));
	state_remove(state, name);
}

/* Picks a candidate under the allocation lock and writes its record. */
static int pick(const struct lease_ctx *ctx, const struct pci_addr *cands,
		size_t n, struct lease *l, int *hold_fd, struct errbuf *eb)
{
	const char *state = ctx->bind.state;
	int leased = 0, busy = 0, broken = 0, lock, ret = -EBUSY;
	char why[512] = "", name[64], rec[2048];

	ret = state_mkdir(state, LEASE_DIR, eb);
	if (ret)
		return ret;
	lock = state_lock(state, ALLOC_LOCK, true, eb);
	if (lock < 0)
		return lock;
	ret = -EBUSY;
	for (size_t i = 0; i < n; i++) {
		struct lease other;

		pci_addr_format(&cands[i], l->bdf);
		ret = lease_read(state, l->bdf, &other, NULL);
		if (ret != -ENOENT) {
			leased++;
			broken += ret != 0;
			ret = -EBUSY;
			continue;
		}
		ret = -EBUSY;
		if (!(ctx->bind.flags & BIND_FORCE) &&
		    pci_func_in_use(ctx->bind.sysfs, ctx->bind.procfs, &cands[i],
				    why, sizeof(why))) {
			busy++;
			continue;
		}
		ret = 0;
		break;
	}
	if (ret) {
		char nb[160] = "";

		if (broken)
			snprintf(nb, sizeof(nb), " (%d of them by a broken record: 'iopass "
				 "leases' shows it, 'iopass gc --broken' removes it)", broken);
		errbuf_set(eb, ret, "no free device%s%s: %zu candidate(s), %d leased%s, "
			   "%d in use by the host%s%s", l->pool[0] ? " in pool " : "",
			   l->pool, n, leased, nb, busy, busy ? " (last: " : "",
			   busy ? why : "");
		if (busy) {
			size_t k = strlen(eb->msg);

			snprintf(eb->msg + k, sizeof(eb->msg) - k, ")");
		}
		goto out;
	}
	current_driver(ctx->bind.sysfs, l->bdf, l->orig_driver, sizeof(l->orig_driver));
	if (ctx->bind.flags & BIND_DRY_RUN)
		goto out;
	if (hold_fd) {
		rec_name(l->bdf, "lock", name, sizeof(name));
		*hold_fd = state_lock(state, name, false, eb);
		if (*hold_fd < 0) {
			ret = *hold_fd;
			goto out;
		}
	}
	lease_format(l, rec, sizeof(rec));
	rec_name(l->bdf, "json", name, sizeof(name));
	ret = state_write(state, name, rec, eb);
	if (ret && hold_fd) {
		close(*hold_fd);
		*hold_fd = -1;
	}
out:
	close(lock);
	return ret;
}

static void random_mac(uint8_t mac[VF_MAC_LEN])
{
	FILE *f = fopen("/dev/urandom", "re");

	if (!f || fread(mac, 1, VF_MAC_LEN, f) != VF_MAC_LEN) {
		unsigned long long t = (unsigned long long)time(NULL) ^
			((unsigned long long)getpid() << 20);

		for (int i = 0; i < VF_MAC_LEN; i++)
			mac[i] = (uint8_t)(t >> (8 * i));
	}
	if (f)
		fclose(f);
	mac[0] = (mac[0] & 0xfc) | 0x02;	/* unicast, locally administered */
}

/*
 * The VF's network settings for the lease: the pool's, plus spoof checking
 * on by default, applied through the PF's interface with the originals
 * saved first. A VF of a PF without a network interface (storage) is left
 * alone unless the pool asks for settings, which is then an error.
 */
static int apply_vf_settings(const struct lease_ctx *ctx, const struct pci_addr *addr,
			     const struct pool_vf_settings *vf, struct lease *l,
			     struct errbuf *eb)
{
	struct vf_settings want = vf ? vf->want : (struct vf_settings){ 0 };
	unsigned int mask = vf ? vf->mask : 0;
	char pf[PCI_ADDR_STRLEN], ifname[VF_IFNAMSIZ];
	struct pci_func f;
	int ret;

	if (pci_func_read(ctx->bind.sysfs, addr, &f, NULL) || !f.is_vf || f.vf_index < 0) {
		if (mask)
			return errbuf_set(eb, -EINVAL, "pool %s sets VF settings but %s is not a VF",
					  l->pool, l->bdf);
		return 0;
	}
	pci_addr_format(&f.pf, pf);
	if (vf_pf_resolve(ctx->bind.sysfs, pf, ifname, NULL)) {
		if (mask)
			return errbuf_set(eb, -EINVAL,
					  "pool %s sets VF network settings but the PF %s of %s "
					  "has no network interface", l->pool, pf, l->bdf);
		return 0;
	}
	if (!(mask & VF_FIELD_SPOOFCHK)) {
		want.spoofchk = true;
		mask |= VF_FIELD_SPOOFCHK;
	}
	if (vf && vf->mac_auto)
		random_mac(want.mac);
	if (ctx->bind.step) {
		char what[128];

		snprintf(what, sizeof(what), "apply VF settings to %s vf %d", ifname, f.vf_index);
		ctx->bind.step(ctx->bind.opaque, what);
	}
	if (ctx->bind.flags & BIND_DRY_RUN)
		return 0;
	ret = vf_state_set(ctx->bind.state, ctx->bind.sysfs, ifname, f.vf_index, &want,
			   mask, NULL, eb);
	if (ret)
		return ret;
	snprintf(l->vf_ifname, sizeof(l->vf_ifname), "%s", ifname);
	l->vf_index = f.vf_index;
	return 0;
}

/* Rewrites the record once the VF settings are known to need restoring. */
static int update_record(const char *state, const struct lease *l, struct errbuf *eb)
{
	char name[64], rec[2048];

	rec_name(l->bdf, "json", name, sizeof(name));
	lease_format(l, rec, sizeof(rec));
	return state_write(state, name, rec, eb);
}

bool lease_owner_valid(const char *owner)
{
	size_t n = strlen(owner);

	if (!n || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (owner[i] < 0x21 || owner[i] > 0x7e || owner[i] == '"' ||
		    owner[i] == '\\')
			return false;
	return true;
}

int lease_acquire(const struct lease_ctx *ctx, const struct pci_addr *cands,
		  size_t n, const char *owner, const char *pool,
		  const struct pool_vf_settings *vf, const char *driver,
		  int *hold_fd, struct lease *out, struct errbuf *eb)
{
	struct iommu_group_info g;
	struct pci_addr addr;
	struct errbuf ignored;
	int ret, group;

	memset(out, 0, sizeof(*out));
	if (!lease_owner_valid(owner))
		return errbuf_set(eb, -EINVAL,
				  "owner '%s' must be 1-63 printable characters without spaces or quotes",
				  owner);
	snprintf(out->owner, sizeof(out->owner), "%s", owner);
	snprintf(out->pool, sizeof(out->pool), "%s", pool ? pool : "");
	snprintf(out->driver, sizeof(out->driver), "%s", driver);
	out->pid = hold_fd ? (int)getpid() : 0;
	out->since = (long long)time(NULL);
	out->vf_index = -1;
	if (hold_fd)
		*hold_fd = -1;
	ret = pick(ctx, cands, n, out, hold_fd, eb);
	if (ret)
		return ret;
	pci_addr_parse(out->bdf, &addr);
	ret = apply_vf_settings(ctx, &addr, vf, out, eb);
	if (!ret && out->vf_ifname[0])
		ret = update_record(ctx->bind.state, out, eb);
	if (ret)
		goto err_vf;
	ret = pci_driver_bind(&ctx->bind, &addr, driver, eb);
	if (ret)
		goto err_vf;
	if (ctx->bind.flags & BIND_DRY_RUN)
		return 0;
	group = iommu_group_of(ctx->bind.sysfs, &addr);
	if (group >= 0) {
		ret = iommu_group_check(ctx->bind.sysfs, group, &g, eb);
		free(g.members);
		if (ret)
			goto err_restore;
	}
	return 0;

err_restore:
	pci_driver_restore(&ctx->bind, &addr, &ignored);
err_vf:
	if (out->vf_ifname[0])
		vf_restore(ctx->bind.state, ctx->bind.sysfs, out->vf_ifname, out->vf_index,
			   NULL, &ignored);
	if (!(ctx->bind.flags & BIND_DRY_RUN))
		drop_record(ctx->bind.state, out->bdf);
	if (hold_fd && *hold_fd >= 0) {
		close(*hold_fd);
		*hold_fd = -1;
	}
	return ret;
}

static int release_one(const struct lease_ctx *ctx, const struct lease *l,
		       struct errbuf *eb)
{
	char rel[128], cur[64];
	struct pci_addr addr;
	int ret;

	pci_addr_parse(l->bdf, &addr);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/reset", l->bdf);
	if (sysfs_exists(ctx->bind.sysfs, rel)) {
		if (ctx->bind.step)
			ctx->bind.step(ctx->bind.opaque, "reset the device");
		if (!(ctx->bind.flags & BIND_DRY_RUN))
			sysfs_write_str(ctx->bind.sysfs, rel, "1");
	}
	if (l->vf_ifname[0]) {
		if (ctx->bind.step)
			ctx->bind.step(ctx->bind.opaque, "restore the VF's original settings");
		ret = ctx->bind.flags & BIND_DRY_RUN ? 0 :
			vf_restore(ctx->bind.state, ctx->bind.sysfs, l->vf_ifname,
				   l->vf_index, NULL, eb);
		if (ret && ret != -ENOENT)
			return ret;
	}
	current_driver(ctx->bind.sysfs, l->bdf, cur, sizeof(cur));
	if (strcmp(cur, l->orig_driver)) {
		ret = pci_driver_restore(&ctx->bind, &addr, eb);
		if (ret)
			return ret;
	}
	if (!(ctx->bind.flags & BIND_DRY_RUN))
		drop_record(ctx->bind.state, l->bdf);
	return 0;
}

int lease_release(const struct lease_ctx *ctx, const char *bdf, struct errbuf *eb)
{
	struct lease l;
	int ret;

	ret = lease_read(ctx->bind.state, bdf, &l, eb);
	if (ret == -ENOENT)
		return errbuf_set(eb, ret, "%s is not leased ('iopass leases' lists the leases)",
				  bdf);
	if (ret == -EINVAL && (ctx->bind.flags & BIND_FORCE))
		return lease_drop_broken(ctx, bdf, eb);
	if (ret == -EINVAL) {
		size_t k = strlen(eb ? eb->msg : "");

		if (eb)
			snprintf(eb->msg + k, sizeof(eb->msg) - k,
				 ". 'iopass release %s --force' removes it (the device "
				 "stays where it is)", bdf);
	}
	if (ret)
		return ret;
	if (l.pid && !lease_orphaned(ctx->bind.state, &l) && l.pid != (int)getpid() &&
	    !(ctx->bind.flags & BIND_FORCE))
		return errbuf_set(eb, -EBUSY,
				  "%s is held by running process %d (owner %s): stop it, "
				  "or pass --force", bdf, l.pid, l.owner);
	return release_one(ctx, &l, eb);
}

int lease_gc(const struct lease_ctx *ctx, int *released, struct errbuf *eb)
{
	struct lease *list;
	int lock, ret, first_err = 0;
	size_t n;

	*released = 0;
	ret = lease_list(ctx->bind.state, &list, &n, eb);
	if (ret)
		return ret;
	if (!n) {
		free(list);
		return 0;
	}
	lock = state_lock(ctx->bind.state, ALLOC_LOCK, true, eb);
	if (lock < 0) {
		free(list);
		return lock;
	}
	for (size_t i = 0; i < n; i++) {
		struct errbuf one;

		if (!lease_orphaned(ctx->bind.state, &list[i]))
			continue;
		if (ctx->bind.step) {
			char what[160];

			snprintf(what, sizeof(what), "%s: owner %s (pid %d) is gone: releasing",
				 list[i].bdf, list[i].owner, list[i].pid);
			ctx->bind.step(ctx->bind.opaque, what);
		}
		ret = release_one(ctx, &list[i], &one);
		if (ret && !first_err) {
			first_err = ret;
			errbuf_set(eb, ret, "%s", one.msg);
		} else if (!ret) {
			(*released)++;
		}
	}
	close(lock);
	free(list);
	return first_err;
}

int lease_list_broken(const char *state, struct lease_broken **out, size_t *n,
		      struct errbuf *eb)
{
	struct lease_broken *list;
	size_t count, k = 0;
	char **names;
	void *mem;
	int ret;

	*out = NULL;
	*n = 0;
	ret = record_names(state, &names, &count, sizeof(*list), &mem, eb);
	if (ret)
		return ret;
	list = mem;
	for (size_t i = 0; i < count; i++) {
		struct lease_broken *b = &list[k];
		struct pci_addr a;
		struct lease l;
		struct errbuf why;
		char esc[STR_ESC_MAX];

		snprintf(b->bdf, sizeof(b->bdf), "%.*s", (int)(strlen(names[i]) - 5), names[i]);
		if (pci_addr_parse(b->bdf, &a) || strlen(b->bdf) != PCI_ADDR_STRLEN - 1) {
			snprintf(b->why, sizeof(b->why), "lease record %s/" LEASE_DIR "/%s is "
				 "broken: its name is not a PCI address (DDDD:BB:DD.F.json)",
				 state, str_escape(names[i], esc, sizeof(esc)));
			k++;
		} else if (lease_read(state, b->bdf, &l, &why) == -EINVAL) {
			snprintf(b->why, sizeof(b->why), "%s", why.msg);
			k++;
		}
	}
	state_list_free(names, count);
	*out = list;
	*n = k;
	return 0;
}

int lease_drop_broken(const struct lease_ctx *ctx, const char *bdf, struct errbuf *eb)
{
	const char *state = ctx->bind.state;
	char name[96], esc[STR_ESC_MAX];
	struct errbuf why;
	struct lease l;
	int alloc, hold, ret;

	/* Under the allocation lock: nobody takes the device meanwhile. */
	alloc = state_lock(state, ALLOC_LOCK, true, eb);
	if (alloc < 0)
		return alloc;
	ret = lease_read(state, bdf, &l, &why);
	if (ret != -EINVAL) {	/* unreadable to us is not broken */
		ret = errbuf_set(eb, ret ? ret : -EEXIST, "the lease record of %s is %s: "
				 "'iopass release %s' releases a lease", str_escape(bdf, esc,
				 sizeof(esc)), ret == -ENOENT ? "gone" : ret ? "unreadable" :
				 "not broken", bdf);
		goto out;
	}
	/* A live process holding its lock may still use the device. */
	snprintf(name, sizeof(name), LEASE_DIR "/%s.lock", bdf);
	hold = state_lock(state, name, false, NULL);
	if (hold < 0) {
		ret = errbuf_set(eb, -EBUSY, "%s; a running process holds its lock "
				 "(%s/%s): stop it first", why.msg, state, name);
		goto out;
	}
	if (ctx->bind.step) {
		snprintf(why.msg, sizeof(why.msg), "remove the broken lease record of %s",
			 str_escape(bdf, esc, sizeof(esc)));
		ctx->bind.step(ctx->bind.opaque, why.msg);
	}
	ret = 0;
	if (!(ctx->bind.flags & BIND_DRY_RUN)) {
		snprintf(name, sizeof(name), LEASE_DIR "/%s.json", bdf);
		ret = state_remove(state, name);
		snprintf(name, sizeof(name), LEASE_DIR "/%s.lock", bdf);
		state_remove(state, name);
		if (ret && ret != -ENOENT)
			errbuf_set(eb, ret, "cannot remove %s/%s: %s", state, name,
				   strerror(-ret));
		else
			ret = 0;
	}
	close(hold);
out:
	close(alloc);
	return ret;
}

json_object *lease_json(const struct lease *l, const struct lease_broken *b,
			bool orphaned)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "bdf", json_object_new_string(l ? l->bdf : b->bdf));
	json_object_object_add(o, "owner", l ? json_object_new_string(l->owner) : NULL);
	if (!l) {
		json_object_object_add(o, "broken", json_object_new_string(b->why));
		return o;
	}
	json_object_object_add(o, "pool", l->pool[0] ? json_object_new_string(l->pool) : NULL);
	json_object_object_add(o, "pid", l->pid ? json_object_new_int(l->pid) : NULL);
	json_object_object_add(o, "orphaned", json_object_new_boolean(orphaned));
	json_object_object_add(o, "since", json_object_new_int64(l->since));
	json_object_object_add(o, "orig_driver", json_object_new_string(l->orig_driver));
	json_object_object_add(o, "driver", json_object_new_string(l->driver));
	return o;
}
