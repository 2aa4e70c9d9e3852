// SPDX-License-Identifier: GPL-2.0-only
/*
 * Moving a PCI function between drivers: driver_override, unbind from the
 * current driver, drivers_probe, then check where it landed. new_id is never
 * used: it is global (every matching device follows) and racy.
 */
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "iopass/state.h"
#include "iopass/sriov.h"

extern char **environ;

static void step(const struct bind_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void step(const struct bind_ctx *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!ctx->step)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->step(ctx->opaque, buf);
}

static bool dry(const struct bind_ctx *ctx)
{
	return ctx->flags & BIND_DRY_RUN;
}

static void record_name(const struct pci_addr *addr, char *name, size_t len)
{
	char bdf[PCI_ADDR_STRLEN];

	pci_addr_format(addr, bdf);
	snprintf(name, len, "drivers/%s", bdf);
}

int pci_driver_original(const char *state, const struct pci_addr *addr,
			char *driver, size_t len)
{
	char name[64], *content;
	size_t n;
	int ret;

	record_name(addr, name, sizeof(name));
	ret = state_read(state, name, &content, NULL);
	if (ret)
		return ret;
	/* One line: anything after it stays, so that validation refuses it. */
	n = strlen(content);
	if (n && content[n - 1] == '\n')
		content[--n] = '\0';
	ret = n < len ? 0 : -EINVAL;
	snprintf(driver, len, "%s", content);
	free(content);
	return ret;
}

static int current_driver(const struct bind_ctx *ctx, const char *bdf,
			  char *drv, size_t len)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
	if (sysfs_link_base(ctx->sysfs, rel, drv, len))
		drv[0] = '\0';
	return 0;
}

/* The driver's module is loaded on demand (vfio-pci is not, at boot). */
static int ensure_driver(const struct bind_ctx *ctx, const char *driver,
			 struct errbuf *eb)
{
	char rel[128], *argv[] = { "modprobe", "-q", "--", NULL, NULL };
	int st;
	pid_t pid;

	/* Never an option to modprobe, nor a path under sysfs. */
	if (!str_name_valid(driver, 63)) {
		char esc[STR_ESC_MAX];

		return errbuf_set(eb, -EINVAL, "'%s' is not a driver name (letters, digits, "
				  "'_' and '-'): check --driver",
				  str_escape(driver, esc, sizeof(esc)));
	}
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s", driver);
	if (sysfs_exists(ctx->sysfs, rel))
		return 0;
	step(ctx, "load kernel module %s", driver);
	if (dry(ctx))
		return 0;
	argv[3] = (char *)driver;
	if (!strcmp(ctx->sysfs, "/sys") &&
	    !posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ) &&
	    waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st) &&
	    sysfs_exists(ctx->sysfs, rel))
		return 0;
	return errbuf_set(eb, -ENOENT,
			  "driver %s is not available: 'modprobe %s' failed; "
			  "install or build the module (for vfio-pci: CONFIG_VFIO_PCI)",
			  driver, driver);
}

static void forget_original(const struct bind_ctx *ctx, const struct pci_addr *addr)
{
	char name[64];

	record_name(addr, name, sizeof(name));
	state_remove(ctx->state, name);
}

static int save_original(const struct bind_ctx *ctx, const struct pci_addr *addr,
			 const char *cur, bool *created, struct errbuf *eb)
{
	char name[64], orig[64], content[80];
	int ret;

	*created = false;
	if (!pci_driver_original(ctx->state, addr, orig, sizeof(orig)))
		return 0;
	if (dry(ctx))
		return 0;
	ret = state_mkdir(ctx->state, "drivers", eb);
	if (ret)
		return ret;
	record_name(addr, name, sizeof(name));
	snprintf(content, sizeof(content), "%s\n", cur);
	ret = state_write(ctx->state, name, content, eb);
	*created = !ret;
	return ret;
}

static int write_attr(const struct bind_ctx *ctx, const char *rel,
		      const char *val, struct errbuf *eb)
{
	int ret;

	if (dry(ctx))
		return 0;
	ret = sysfs_write_str(ctx->sysfs, rel, val);
	if (ret)
		errbuf_set(eb, ret, "writing '%s' to %s/%s failed: %s%s",
			   val[0] == '\n' ? "" : val, ctx->sysfs, rel, strerror(-ret),
			   ret == -EBUSY ? " (the device or its driver is busy, e.g. "
					   "still probing or resetting: try again in a "
					   "moment; dmesg may say more)" : "");
	return ret;
}

static int set_override(const struct bind_ctx *ctx, const char *bdf,
			const char *driver, struct errbuf *eb)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver_override", bdf);
	if (driver[0])
		step(ctx, "set %s driver_override to %s", bdf, driver);
	else
		step(ctx, "clear %s driver_override", bdf);
	/* A lone newline clears the override. */
	return write_attr(ctx, rel, driver[0] ? driver : "\n", eb);
}

static int detach(const struct bind_ctx *ctx, const char *bdf, const char *cur,
		  struct errbuf *eb)
{
	char rel[128];

	if (!cur[0])
		return 0;
	step(ctx, "unbind %s from %s", bdf, cur);
	snprintf(rel, sizeof(rel), "bus/pci/drivers/%s/unbind", cur);
	return write_attr(ctx, rel, bdf, eb);
}

/* drivers_probe fails when no driver wants the device: that is checked after. */
static void probe(const struct bind_ctx *ctx, const char *bdf)
{
	step(ctx, "probe drivers for %s", bdf);
	if (!dry(ctx))
		sysfs_write_str(ctx->sysfs, "bus/pci/drivers_probe", bdf);
}

static int func_exists(const struct bind_ctx *ctx, const struct pci_addr *addr,
		       char bdf[PCI_ADDR_STRLEN], struct errbuf *eb)
{
	char rel[128];

	pci_addr_format(addr, bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	if (!sysfs_exists(ctx->sysfs, rel))
		return errbuf_set(eb, -ENODEV,
				  "no PCI function %s on this host ('iopass list' shows them)",
				  bdf);
	return 0;
}

static int refuse_if_in_use(const struct bind_ctx *ctx, const struct pci_addr *addr,
			    const char *bdf, const char *cur, struct errbuf *eb)
{
	char why[512];

	if (!cur[0] || (ctx->flags & BIND_FORCE))
		return 0;
	if (!pci_func_in_use(ctx->sysfs, ctx->procfs, addr, why, sizeof(why)))
		return 0;
	return errbuf_set(eb, -EBUSY,
			  "refusing to take %s from %s: %s; the host would lose it. "
			  "Stop using it first, or pass --force",
			  bdf, cur, why);
}

/*
 * A bridge (class 06xx: host, ISA, PCI-to-PCI) is part of the host's
 * topology, never a device a guest can use: moving one off its driver can
 * cut off everything behind it.
 */
static int refuse_bridge(const struct bind_ctx *ctx, const char *bdf,
			 struct errbuf *eb)
{
	char rel[128];
	uint64_t cls;

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/class", bdf);
	if ((ctx->flags & BIND_FORCE) || sysfs_read_u64(ctx->sysfs, rel, 16, &cls) ||
	    (cls >> 16) != 0x06)
		return 0;
	return errbuf_set(eb, -EINVAL,
			  "refusing to move %s: it is a bridge (class 0x%04x), part of the "
			  "host's PCI topology, not a device a guest can use; pass --force "
			  "to do it anyway", bdf, (unsigned int)(cls >> 8));
}

int pci_driver_bind(const struct bind_ctx *ctx, const struct pci_addr *addr,
		    const char *driver, struct errbuf *eb)
{
	char bdf[PCI_ADDR_STRLEN], cur[64], now[64];
	bool created;
	int ret;

	ret = func_exists(ctx, addr, bdf, eb);
	if (!ret)
		ret = refuse_bridge(ctx, bdf, eb);
	if (!ret && !str_name_valid(driver, 63))
		ret = ensure_driver(ctx, driver, eb);	/* says what is wrong */
	if (ret)
		return ret;
	current_driver(ctx, bdf, cur, sizeof(cur));
	if (!strcmp(cur, driver)) {
		step(ctx, "%s is already bound to %s", bdf, driver);
		return 0;
	}
	ret = refuse_if_in_use(ctx, addr, bdf, cur, eb);
	if (ret)
		return ret;
	ret = ensure_driver(ctx, driver, eb);
	if (ret)
		return ret;
	ret = save_original(ctx, addr, cur, &created, eb);
	if (ret)
		return ret;
	ret = set_override(ctx, bdf, driver, eb);
	if (ret)
		goto err_forget;
	ret = detach(ctx, bdf, cur, eb);
	if (ret)
		goto err_clear;
	probe(ctx, bdf);
	if (dry(ctx))
		return 0;
	current_driver(ctx, bdf, now, sizeof(now));
	if (!strcmp(now, driver))
		return 0;
	ret = errbuf_set(eb, -EIO, "%s did not bind to %s (it is on %s); see dmesg",
			 bdf, driver, now[0] ? now : "no driver");

err_clear:
	{
		struct errbuf ignored;

		/*
		 * Where the device is now, read again: a failed unbind jumps
		 * here before `now` was ever read (found by the EBUSY fault
		 * test under valgrind: a branch on uninitialised bytes).
		 */
		set_override(ctx, bdf, "", &ignored);
		current_driver(ctx, bdf, now, sizeof(now));
		if (strcmp(now, cur)) {
			detach(ctx, bdf, now, &ignored);
			probe(ctx, bdf);
			current_driver(ctx, bdf, now, sizeof(now));
		}
		if (strcmp(now, cur)) {
			size_t l = strlen(eb->msg);

			snprintf(eb->msg + l, sizeof(eb->msg) - l,
				 "; rolling back to %s failed too (it is on %s): "
				 "'iopass restore %s' retries",
				 cur[0] ? cur : "no driver", now[0] ? now : "no driver", bdf);
			return ret;
		}
	}
err_forget:
	if (created)
		forget_original(ctx, addr);
	return ret;
}

int pci_driver_unbind(const struct bind_ctx *ctx, const struct pci_addr *addr,
		      struct errbuf *eb)
{
	char bdf[PCI_ADDR_STRLEN], cur[64];
	bool created;
	int ret;

	ret = func_exists(ctx, addr, bdf, eb);
	if (ret)
		return ret;
	current_driver(ctx, bdf, cur, sizeof(cur));
	if (!cur[0]) {
		step(ctx, "%s has no driver", bdf);
		return 0;
	}
	ret = refuse_if_in_use(ctx, addr, bdf, cur, eb);
	if (ret)
		return ret;
	ret = save_original(ctx, addr, cur, &created, eb);
	if (ret)
		return ret;
	ret = detach(ctx, bdf, cur, eb);
	if (ret && created)
		forget_original(ctx, addr);
	return ret;
}

int pci_driver_restore(const struct bind_ctx *ctx, const struct pci_addr *addr,
		       struct errbuf *eb)
{
	char bdf[PCI_ADDR_STRLEN], orig[64], cur[64];
	int ret;

	pci_addr_format(addr, bdf);
	current_driver(ctx, bdf, cur, sizeof(cur));
	ret = pci_driver_original(ctx->state, addr, orig, sizeof(orig));
	if (ret == -ENOENT)
		return errbuf_set(eb, -ENOENT,
				  "nothing to restore for %s: iopass has not moved it "
				  "(it is on %s)", bdf, cur[0] ? cur : "no driver");
	if (ret)
		return errbuf_set(eb, ret, "cannot read the record of %s's original driver: %s",
				  bdf, strerror(-ret));
	/* What the record says is checked, and its driver loaded, before anything moves. */
	if (orig[0] && !str_name_valid(orig, 63)) {
		char esc[STR_ESC_MAX];

		return errbuf_set(eb, -EINVAL,
				  "the record %s/drivers/%s holds '%s', not a driver name: "
				  "nothing was changed. put the original driver's name in it, "
				  "or remove it and bind the device with 'iopass bind'",
				  ctx->state, bdf, str_escape(orig, esc, sizeof(esc)));
	}
	if (orig[0] && strcmp(cur, orig)) {
		ret = ensure_driver(ctx, orig, eb);
		if (ret)
			return ret;
	}
	ret = set_override(ctx, bdf, "", eb);
	if (ret)
		return ret;
	if (strcmp(cur, orig)) {
		ret = detach(ctx, bdf, cur, eb);
		if (ret)
			return ret;
		if (orig[0])
			probe(ctx, bdf);
	} else {
		step(ctx, "%s is already on %s", bdf, orig[0] ? orig : "no driver");
	}
	if (dry(ctx))
		return 0;
	current_driver(ctx, bdf, cur, sizeof(cur));
	if (strcmp(cur, orig))
		return errbuf_set(eb, -EIO,
				  "%s did not go back to %s (it is on %s); see dmesg",
				  bdf, orig[0] ? orig : "no driver", cur[0] ? cur : "no driver");
	forget_original(ctx, addr);
	return 0;
}

json_object *bind_result_json(const struct pci_addr *addr, bool dry_run,
			      json_object *steps, const char *error)
{
	json_object *out = json_object_new_object();
	char bdf[PCI_ADDR_STRLEN];

	pci_addr_format(addr, bdf);
	json_object_object_add(out, "bdf", json_object_new_string(bdf));
	json_object_object_add(out, "ok", json_object_new_boolean(!error));
	json_object_object_add(out, "dry_run", json_object_new_boolean(dry_run));
	json_object_object_add(out, "steps", steps);
	json_object_object_add(out, "error", error ? json_object_new_string(error) : NULL);
	return out;
}
