// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pool configuration parser (sriov/pool_conf.c) on any bytes. Checks
 * beyond "no crash": an error leaves nothing behind and says where
 * (FILE:LINE:COL) in one line; a config that parses holds only what its
 * limits allow, and every PF selector formats (at any buffer size) into a
 * string that parses back to the same selector.
 */
#include <stdint.h>
#include <string.h>

#include "iopass/sriov.h"
#include "fuzz_input.h"

static void check_str(const char *s, size_t cap)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
}

static void check_pf(const struct pool_pf *pf)
{
	char buf[256], small[8];
	struct pool_conf again;
	struct errbuf eb;
	char conf[512];

	FUZZ_CHECK(pf->nranges <= POOL_RANGES_MAX);
	for (size_t i = 0; i < pf->nranges; i++)
		FUZZ_CHECK(pf->ranges[i].first <= pf->ranges[i].last);
	if (pf->by_ifname) {
		check_str(pf->ifname, sizeof(pf->ifname));
		FUZZ_CHECK(pf->ifname[0]);
	}
	/* Truncating buffers of every small size stay NUL-terminated. */
	for (size_t len = 1; len <= sizeof(small); len++) {
		memset(small, 'x', sizeof(small));
		pool_pf_format(pf, small, len);
		FUZZ_CHECK(memchr(small, '\0', len) != NULL);
	}
	pool_pf_format(pf, buf, sizeof(buf));
	/* What it prints is what an operator would write back. */
	snprintf(conf, sizeof(conf), "[pool p]\npf = %s\n", buf);
	FUZZ_CHECK(pool_conf_parse("again", conf, strlen(conf), &again,
				   &eb) == 0);
	FUZZ_CHECK(again.npools == 1 && again.pools[0].npfs == 1);
	/* item_pf zeroes the selector first: the bytes are comparable. */
	FUZZ_CHECK(!memcmp(&again.pools[0].pfs[0], pf, sizeof(*pf)));
	pool_conf_free(&again);
}

static void check_pool(const struct pool_conf *conf, const struct pool *p)
{
	check_str(p->name, sizeof(p->name));
	FUZZ_CHECK(p->name[0]);
	FUZZ_CHECK(pool_conf_find(conf, p->name) == p);
	FUZZ_CHECK(p->nvendors <= POOL_LIST_MAX && p->ndevices <= POOL_LIST_MAX &&
		   p->naddrs <= POOL_LIST_MAX && p->ndrivers <= POOL_LIST_MAX &&
		   p->nclasses <= POOL_LIST_MAX && p->npfs <= POOL_LIST_MAX);
	/* A pool without selectors would take every function of the host. */
	FUZZ_CHECK(p->nvendors || p->ndevices || p->naddrs || p->ndrivers ||
		   p->nclasses || p->npfs);
	for (size_t i = 0; i < p->ndrivers; i++)
		check_str(p->drivers[i], sizeof(p->drivers[i]));
	for (size_t i = 0; i < p->nclasses; i++)
		FUZZ_CHECK(p->classes[i] != 0x06 &&
			   pool_class_name(p->classes[i]));
	for (size_t i = 0; i < p->npfs; i++)
		check_pf(&p->pfs[i]);
	if (p->vf.mask & VF_FIELD_VLAN)
		FUZZ_CHECK(p->vf.want.vlan <= 4094);
	FUZZ_CHECK(p->vf.want.qos <= 7);
	if (p->vf.want.qos || p->vf.want.vlan_proto == VF_VLAN_8021AD)
		FUZZ_CHECK(p->vf.want.vlan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool_conf conf;
	struct errbuf eb = { "" };
	int ret;

	ret = pool_conf_parse("f.conf", (const char *)data, size, &conf, &eb);
	if (ret) {
		FUZZ_CHECK(ret < 0);
		FUZZ_CHECK(!conf.pools && !conf.npools);
		FUZZ_CHECK(!strncmp(eb.msg, "f.conf:", 7));
		FUZZ_CHECK(!strchr(eb.msg, '\n'));
		return 0;
	}
	FUZZ_CHECK(conf.npools <= POOL_MAX);
	for (size_t i = 0; i < conf.npools; i++)
		check_pool(&conf, &conf.pools[i]);
	pool_conf_free(&conf);
	return 0;
}
