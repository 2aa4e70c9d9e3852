// SPDX-License-Identifier: GPL-2.0-only
/* iopass vf show|set|restore: SR-IOV VF settings of a PF, over rtnetlink. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "iopass/sriov.h"
#include "iopass/state.h"

#include "commands.h"

static void vf_usage(FILE *f)
{
	fprintf(f,
"usage: iopass vf show PF [--json]\n"
"       iopass vf set PF VF SETTING... [--dry-run]\n"
"       iopass vf restore PF VF [--dry-run]\n"
"\n"
"Show and change the settings a PF's driver applies to one of its SR-IOV\n"
"virtual functions (what 'ip link set PF vf VF ...' does), keeping the VF's\n"
"original settings so that they can be put back when its tenant is gone.\n"
"\n"
"PF is the physical function's network interface (ens1f0) or its PCI\n"
"address (0000:03:00.0, resolved to its interface through sysfs). VF is the\n"
"VF's number under the PF, from 0.\n"
"\n"
"  show     every VF of PF with its MAC, VLAN, QoS, VLAN protocol, spoof\n"
"           check, trust, link state, tx rates and whether its originals are\n"
"           saved; '-' where the driver does not report a value\n"
"  set      change the settings given, leaving the others as they are.\n"
"           Before iopass first changes a VF, its full current settings are\n"
"           saved in the state directory; later changes keep that first\n"
"           record. Settings already at the value asked for are not sent.\n"
"  restore  put the saved original settings back, then forget them (the\n"
"           record is kept when anything fails, so nothing is lost)\n"
"\n"
"SETTINGs (any order, each at most once):\n"
"  mac M              administrative MAC, six hex bytes (02:00:00:00:00:01);\n"
"                     multicast MACs are refused; 00:00:00:00:00:00 clears it\n"
"                     (lets the VF choose its own), where the driver allows\n"
"  vlan V             VLAN ID 0-4095 the VF's traffic is tagged with; 0: none\n"
"    qos Q            802.1p priority 0-7 of that tag (default 0)\n"
"    proto P          tag protocol 802.1Q (default) or 802.1ad\n"
"  spoofchk on|off    drop frames whose source MAC is not the VF's\n"
"  trust on|off       let the VF set its own MAC and use promiscuous modes\n"
"  state auto|enable|disable\n"
"                     the VF's link: follow the PF's, always up, always down\n"
"  min-rate R         guaranteed tx rate in Mbit/s (0: none)\n"
"  max-rate R         tx rate limit in Mbit/s (0: no limit)\n"
"\n"
"Options:\n"
"  --json             show: one JSON object (pf, ifname, num_vfs, vfs[])\n"
"  --dry-run          set, restore: check everything and print what would\n"
"                     change, change nothing\n"
"  -h, --help         this help\n"
"\n"
"Every argument is checked before anything is changed. The PF must be up\n"
"('ip link set PF up'): drivers apply VF settings only then. Some drivers\n"
"answer 'busy' while a VF resets; iopass retries a few times.\n"
"\n"
"Environment: IOPASS_STATE_DIR (default /run/iopass) holds the saved\n"
"originals as vf/PF-vfN.json; IOPASS_SYSFS_ROOT reads another sysfs tree.\n"
"Exit status: 0 done (or nothing to do), 1 the driver or the state directory\n"
"refused, 2 bad arguments or a PF/VF that cannot be changed as asked\n"
"(unknown, out of range, down, not permitted).\n");
}

struct vf_cmd {
	const char *sub;
	bool json, dry_run;
	int npos;
	char *pos[64];
};

/* Flags may stand anywhere; "--" ends them. */
static int split_args(int argc, char **argv, struct vf_cmd *c)
{
	bool flags = true;

	memset(c, 0, sizeof(*c));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (flags && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			vf_usage(stdout);
			return EXIT_OK + 100;
		}
		if (flags && !strcmp(a, "--")) {
			flags = false;
		} else if (flags && !strcmp(a, "--json")) {
			c->json = true;
		} else if (flags && !strcmp(a, "--dry-run")) {
			c->dry_run = true;
		} else if (flags && a[0] == '-' && a[1] == '-') {
			cli_error("unknown option '%s'; see 'iopass vf --help'", a);
			return EXIT_USAGE;
		} else if (!c->sub) {
			c->sub = a;
		} else if (c->npos < (int)ARRAY_SIZE(c->pos)) {
			c->pos[c->npos++] = argv[i];
		} else {
			cli_error("too many arguments; see 'iopass vf --help'");
			return EXIT_USAGE;
		}
	}
	return -1;
}

/* Errors before anything changed: bad input or a PF that cannot work. */
static int early_exit(int err)
{
	switch (err) {
	case -EINVAL: case -ENODEV: case -ERANGE: case -ENETDOWN:
	case -ENODATA: case -EPERM: case -EACCES: case -ENAMETOOLONG:
		return EXIT_USAGE;
	}
	return EXIT_FAIL;
}

static void print_changes(const char *ifname, int vf, const char *verb,
			  unsigned int fields, const struct vf_settings *cur,
			  const struct vf_settings *want)
{
	struct vf_settings w = *want;
	char a[64], b[64];

	w.known = VF_FIELD_ALL;
	if (!fields) {
		printf("%s VF %d: nothing to change\n", ifname, vf);
		return;
	}
	for (unsigned int f = 1; f & VF_FIELD_ALL; f <<= 1) {
		if (!(fields & f))
			continue;
		vf_field_format(f, cur, a, sizeof(a));
		vf_field_format(f, &w, b, sizeof(b));
		printf("%s VF %d: %s %s %s -> %s\n", ifname, vf, verb,
		       vf_field_name(f), a, b);
	}
}

static bool is_saved(const char *key, int vf)
{
	struct vf_settings s;

	return !vf_state_load(state_default_dir(), key, vf, &s, NULL);
}

static int vf_show(const struct vf_cmd *c)
{
	const char *sysfs = sysfs_default_root();
	char ifname[VF_IFNAMSIZ], key[128];
	struct errbuf eb;
	struct vf_pf pf;
	int ret;

	if (c->npos != 1) {
		cli_error("'vf show' takes one PF (interface or PCI address); see 'iopass vf --help'");
		return EXIT_USAGE;
	}
	if (c->dry_run) {
		cli_error("--dry-run is for 'vf set' and 'vf restore'");
		return EXIT_USAGE;
	}
	ret = vf_pf_resolve(sysfs, c->pos[0], ifname, &eb);
	if (!ret)
		ret = vf_get_all(ifname, 0, &pf, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		return early_exit(ret);
	}
	vf_pf_key(sysfs, pf.ifname, key, sizeof(key));
	if (c->json) {
		cli_print_json(vf_pf_json(&pf, key, state_default_dir()));
		vf_pf_free(&pf);
		return EXIT_OK;
	}
	printf("%s (%s): %s, %d VF%s", pf.ifname, key, pf.up ? "up" : "down",
	       pf.num_vfs, pf.num_vfs == 1 ? "" : "s");
	if ((int)pf.n != pf.num_vfs)
		printf(" (the driver reports settings of %zu)", pf.n);
	putchar('\n');
	for (size_t i = 0; i < pf.n + !!pf.n; i++) {
		char row[160];

		vf_settings_row(i ? &pf.vfs[i - 1] : NULL, i && is_saved(key, pf.vfs[i - 1].vf),
				row, sizeof(row));
		puts(row);
	}
	vf_pf_free(&pf);
	return EXIT_OK;
}

/* Resolves PF, reads it and checks VF: everything short of changing. */
static int prepare(const char *arg, int vf, char ifname[VF_IFNAMSIZ],
		   struct vf_pf *pf, struct vf_settings *cur)
{
	struct errbuf eb;
	int ret;

	ret = vf_pf_resolve(sysfs_default_root(), arg, ifname, &eb);
	if (!ret)
		ret = vf_get_all(ifname, 0, pf, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		return early_exit(ret);
	}
	ret = vf_check(pf, vf, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		vf_pf_free(pf);
		return early_exit(ret);
	}
	*cur = *vf_pf_find(pf, vf);
	return -1;
}

/*
 * What 'vf set' and 'vf restore' check first: the positional arguments
 * (ok_npos, else usage), no --json, the VF index. -1 when all is well.
 */
static int vf_cmd_start(const struct vf_cmd *c, bool ok_npos,
			const char *usage, int *vf)
{
	struct errbuf eb;

	if (!ok_npos) {
		cli_error("%s", usage);
		return EXIT_USAGE;
	}
	if (c->json) {
		cli_error("--json is for 'vf show'");
		return EXIT_USAGE;
	}
	if (vf_index_parse(c->pos[1], vf, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	return -1;
}

/* A change was made (ret from the library): what changed, then any error. */
static int vf_cmd_finish(const char *ifname, int vf, const char *done,
			 int ret, unsigned int changed,
			 const struct vf_settings *cur,
			 const struct vf_settings *want,
			 const struct errbuf *eb)
{
	if (!ret || changed)
		print_changes(ifname, vf, done, changed, cur, want);
	if (ret) {
		cli_error("%s", eb->msg);
		return ret == -EPERM || ret == -EACCES ? EXIT_USAGE : EXIT_FAIL;
	}
	return EXIT_OK;
}

static int vf_cmd_set(const struct vf_cmd *c)
{
	struct vf_settings want = { 0 }, cur;
	char ifname[VF_IFNAMSIZ];
	unsigned int mask, diff, changed;
	struct errbuf eb;
	struct vf_pf pf;
	int vf, ret;

	ret = vf_cmd_start(c, c->npos >= 2,
			   "'vf set' needs PF, VF and settings: 'iopass vf set ens1f0 0 mac 02:00:00:00:00:01'; see 'iopass vf --help'",
			   &vf);
	if (ret >= 0)
		return ret;
	if (vf_args_parse(c->npos - 2, c->pos + 2, &want, &mask, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	ret = prepare(c->pos[0], vf, ifname, &pf, &cur);
	if (ret >= 0)
		return ret;
	if (vf_rates_check(&cur, &want, mask, &eb)) {
		cli_error("%s: %s", ifname, eb.msg);
		vf_pf_free(&pf);
		return EXIT_USAGE;
	}
	diff = vf_settings_diff(&cur, &want, mask);
	vf_pf_free(&pf);
	if (c->dry_run) {
		print_changes(ifname, vf, "would set", diff, &cur, &want);
		return EXIT_OK;
	}
	ret = vf_state_set(state_default_dir(), sysfs_default_root(), ifname, vf,
			   &want, mask, &changed, &eb);
	return vf_cmd_finish(ifname, vf, "set", ret, changed, &cur, &want, &eb);
}

static int vf_cmd_restore(const struct vf_cmd *c)
{
	struct vf_settings orig, cur;
	char ifname[VF_IFNAMSIZ], key[128];
	unsigned int diff, changed;
	struct errbuf eb;
	struct vf_pf pf;
	int vf, ret;

	ret = vf_cmd_start(c, c->npos == 2,
			   "'vf restore' takes PF and VF: 'iopass vf restore ens1f0 0'; see 'iopass vf --help'",
			   &vf);
	if (ret >= 0)
		return ret;
	ret = prepare(c->pos[0], vf, ifname, &pf, &cur);
	if (ret >= 0)
		return ret;
	vf_pf_free(&pf);
	vf_pf_key(sysfs_default_root(), ifname, key, sizeof(key));
	ret = vf_state_load(state_default_dir(), key, vf, &orig, &eb);
	if (ret == -ENOENT) {
		cli_error("no saved settings for %s VF %d in %s/vf/: iopass has not changed it, or it was restored already",
			  ifname, vf, state_default_dir());
		return EXIT_FAIL;
	}
	if (ret) {
		cli_error("%s", eb.msg);
		return EXIT_FAIL;
	}
	diff = vf_settings_diff(&cur, &orig, orig.known);
	if (c->dry_run) {
		print_changes(ifname, vf, "would restore", diff, &cur, &orig);
		return EXIT_OK;
	}
	ret = vf_restore(state_default_dir(), sysfs_default_root(), ifname, vf,
			 &changed, &eb);
	return vf_cmd_finish(ifname, vf, "restored", ret, changed, &cur, &orig,
			     &eb);
}

int cmd_vf(int argc, char **argv)
{
	struct vf_cmd c;
	int ret = split_args(argc, argv, &c);

	if (ret == EXIT_OK + 100)
		return EXIT_OK;
	if (ret >= 0)
		return ret;
	if (!c.sub) {
		vf_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(c.sub, "show"))
		return vf_show(&c);
	if (!strcmp(c.sub, "set"))
		return vf_cmd_set(&c);
	if (!strcmp(c.sub, "restore"))
		return vf_cmd_restore(&c);
	cli_error("unknown 'vf' subcommand '%s': show, set or restore; see 'iopass vf --help'",
		  c.sub);
	return EXIT_USAGE;
}
