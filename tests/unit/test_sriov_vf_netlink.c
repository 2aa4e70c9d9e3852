// SPDX-License-Identifier: GPL-2.0-only
/*
 * VF settings over rtnetlink: the keyword parser, the exact messages built,
 * canned kernel replies (0, 1, 64 VFs, missing, truncated and garbage
 * attributes), extended-ack errors, and — as root — the real netlink error
 * path on a VF-less veth pair plus `iopass vf` input validation end to end.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "iopass/sriov.h"
#include "sriov/vf_netlink.h"

#include "fakesys.h"

#define TEST_IF "iopasst0"

/* ------------------------------------------------------------ keywords */

static int parse_words(const char *line, struct vf_settings *s,
		       unsigned int *mask, struct errbuf *eb)
{
	char buf[512], *argv[32], *save = NULL, *w;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w && argc < 32; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	memset(s, 0, sizeof(*s));
	*mask = 0;
	return vf_args_parse(argc, argv, s, mask, eb);
}

static void test_args_valid(void **state)
{
	struct vf_settings s;
	unsigned int m;
	struct errbuf eb;

	(void)state;
	assert_int_equal(parse_words("mac 02:00:00:00:00:01", &s, &m, &eb), 0);
	assert_int_equal(m, VF_FIELD_MAC);
	assert_memory_equal(s.mac, "\x02\0\0\0\0\x01", 6);
	assert_int_equal(parse_words("mac AA:bb:CC:dd:EE:f0", &s, &m, &eb), 0);
	assert_memory_equal(s.mac, "\xaa\xbb\xcc\xdd\xee\xf0", 6);
	/* All-zero: clears the administrative MAC. */
	assert_int_equal(parse_words("mac 00:00:00:00:00:00", &s, &m, &eb), 0);
	assert_int_equal(parse_words("vlan 100", &s, &m, &eb), 0);
	assert_int_equal(m, VF_FIELD_VLAN);
	assert_int_equal(s.vlan, 100);
	assert_int_equal(s.qos, 0);
	assert_int_equal(s.vlan_proto, VF_VLAN_8021Q);
	assert_int_equal(parse_words("vlan 4095 qos 7 proto 802.1ad", &s, &m, &eb), 0);
	assert_int_equal(s.vlan, 4095);
	assert_int_equal(s.qos, 7);
	assert_int_equal(s.vlan_proto, VF_VLAN_8021AD);
	assert_int_equal(parse_words("vlan 0 proto 802.1q qos 0", &s, &m, &eb), 0);
	assert_int_equal(s.vlan_proto, VF_VLAN_8021Q);
	assert_int_equal(parse_words("spoofchk off trust on state disable", &s, &m, &eb), 0);
	assert_int_equal(m, VF_FIELD_SPOOFCHK | VF_FIELD_TRUST | VF_FIELD_LINK_STATE);
	assert_false(s.spoofchk);
	assert_true(s.trust);
	assert_int_equal(s.link_state, VF_LINK_DISABLE);
	assert_int_equal(parse_words("state auto", &s, &m, &eb), 0);
	assert_int_equal(s.link_state, VF_LINK_AUTO);
	assert_int_equal(parse_words("state enable", &s, &m, &eb), 0);
	assert_int_equal(s.link_state, VF_LINK_ENABLE);
	assert_int_equal(parse_words("min-rate 100 max-rate 1000", &s, &m, &eb), 0);
	assert_int_equal(m, VF_FIELD_MIN_RATE | VF_FIELD_MAX_RATE);
	assert_int_equal(s.min_tx_rate, 100);
	assert_int_equal(s.max_tx_rate, 1000);
	/* max 0 is "no limit": any min goes with it. */
	assert_int_equal(parse_words("min-rate 500 max-rate 0", &s, &m, &eb), 0);
	assert_int_equal(parse_words("max_tx_rate 4294967295", &s, &m, &eb), 0);
	assert_int_equal(s.max_tx_rate, 4294967295u);
	assert_int_equal(parse_words("mac 02:00:00:00:00:02 vlan 5 qos 1 spoofchk on "
				     "trust off state auto min-rate 0 max-rate 10",
				     &s, &m, &eb), 0);
	assert_int_equal(m, VF_FIELD_ALL);
}

static void expect_bad(const char *line, const char *needle)
{
	struct vf_settings s;
	struct errbuf eb = { "" };
	unsigned int m = 0xdead;

	assert_int_equal(parse_words(line, &s, &m, &eb), -EINVAL);
	if (!strstr(eb.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", line, eb.msg, needle);
	assert_null(strchr(eb.msg, '\n'));
	assert_int_equal(m, 0);		/* *mask untouched on error */
}

static void test_args_invalid(void **state)
{
	(void)state;
	expect_bad("", "nothing to set");
	expect_bad("mac", "'mac' needs a value");
	expect_bad("mac 02:00:00:00:00", "malformed MAC");
	expect_bad("mac 02:00:00:00:00:01:02", "malformed MAC");
	expect_bad("mac 02-00-00-00-00-01", "malformed MAC");
	expect_bad("mac 2:0:0:0:0:1", "malformed MAC");
	expect_bad("mac 02:00:00:00:00:0g", "malformed MAC");
	expect_bad("mac 020000000001", "malformed MAC");
	expect_bad("mac 01:00:5e:00:00:01", "multicast");
	expect_bad("mac ff:ff:ff:ff:ff:ff", "multicast");
	expect_bad("vlan 4096", "0-4095");
	expect_bad("vlan -1", "0-4095");
	expect_bad("vlan 10x", "0-4095");
	expect_bad("vlan 99999999999999999999999", "0-4095");
	expect_bad("vlan", "needs a value");
	expect_bad("qos 3", "must follow 'vlan V'");
	expect_bad("proto 802.1ad vlan 3", "must follow 'vlan V'");
	expect_bad("vlan 3 qos 8", "0-7");
	expect_bad("vlan 3 qos 1 qos 2", "twice");
	expect_bad("vlan 3 proto 802.1x", "802.1Q or 802.1ad");
	expect_bad("vlan 3 proto 802.1q proto 802.1ad", "twice");
	expect_bad("spoofchk yes", "not on or off");
	expect_bad("trust 1", "not on or off");
	expect_bad("state up", "auto, enable or disable");
	expect_bad("min-rate fast", "Mbit/s");
	expect_bad("max-rate 1.5", "Mbit/s");
	expect_bad("max-rate -5", "Mbit/s");
	expect_bad("max-rate 4294967296", "Mbit/s");
	expect_bad("min-rate 200 max-rate 100", "exceeds max-rate");
	expect_bad("mac 02:00:00:00:00:01 mac 02:00:00:00:00:02", "given twice");
	expect_bad("vlan 1 vlan 2", "given twice");
	expect_bad("colour blue", "unknown VF setting 'colour'");
	expect_bad("rate 100", "unknown VF setting 'rate'");
	expect_bad("spoofchk on trust", "'trust' needs a value");
}

static void test_mac_format(void **state)
{
	uint8_t mac[6];
	char buf[18];

	(void)state;
	assert_int_equal(mac_parse("de:ad:be:ef:00:01", 17, mac), 0);
	mac_format(mac, buf);
	assert_string_equal(buf, "de:ad:be:ef:00:01");
	assert_int_equal(mac_parse("", 0, mac), -EINVAL);
	assert_int_equal(mac_parse("de:ad:be:ef:00:", 15, mac), -EINVAL);
	assert_string_equal(vf_field_name(VF_FIELD_LINK_STATE), "state");
	assert_string_equal(vf_field_name(VF_FIELD_MAX_RATE), "max-rate");
	assert_string_equal(vf_vlan_proto_name(VF_VLAN_8021AD), "802.1ad");
	assert_string_equal(vf_link_state_name(VF_LINK_DISABLE), "disable");
}

/* ------------------------------------------------------------ building */

static void test_build_getlink(void **state)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	struct nl_msg *msg;

	(void)state;
	assert_int_equal(vf_nl_build_getlink("ens1f0", 0, &msg), 0);
	h = nlmsg_hdr(msg);
	assert_int_equal(h->nlmsg_type, RTM_GETLINK);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ifi = nlmsg_data(h);
	assert_int_equal(ifi->ifi_index, 0);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL), 0);
	assert_non_null(tb[IFLA_IFNAME]);
	assert_string_equal(nla_get_string(tb[IFLA_IFNAME]), "ens1f0");
	assert_non_null(tb[IFLA_EXT_MASK]);
	assert_int_equal(nla_get_u32(tb[IFLA_EXT_MASK]),
			 RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
	/* Exactly these two attributes. */
	assert_int_equal(nlmsg_attrlen(h, sizeof(*ifi)),
			 nla_total_size(7) + nla_total_size(4));
	nlmsg_free(msg);

	assert_int_equal(vf_nl_build_getlink(NULL, 42, &msg), 0);
	h = nlmsg_hdr(msg);
	assert_int_equal(((struct ifinfomsg *)nlmsg_data(h))->ifi_index, 42);
	assert_int_equal(nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL), 0);
	assert_null(tb[IFLA_IFNAME]);
	assert_non_null(tb[IFLA_EXT_MASK]);
	nlmsg_free(msg);

	assert_int_equal(vf_nl_build_getlink(NULL, 0, &msg), -EINVAL);
	assert_int_equal(vf_nl_build_getlink("a-name-far-too-long", 0, &msg),
			 -ENAMETOOLONG);
}

/*
 * Checks msg is RTM_SETLINK 7 with exactly IFLA_VFINFO_LIST { IFLA_VF_INFO
 * { one attribute } } and returns that attribute.
 */
static struct nlattr *only_vf_attr(struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *a, *list = NULL, *info = NULL, *leaf = NULL;
	int rem, n = 0;

	assert_int_equal(h->nlmsg_type, RTM_SETLINK);
	assert_int_equal(h->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(((struct ifinfomsg *)nlmsg_data(h))->ifi_index, 7);
	nla_for_each_attr(a, nlmsg_attrdata(h, sizeof(struct ifinfomsg)),
			  nlmsg_attrlen(h, sizeof(struct ifinfomsg)), rem) {
		n++;
		list = a;
	}
	assert_int_equal(n, 1);
	assert_int_equal(nla_type(list), IFLA_VFINFO_LIST);
	n = 0;
	nla_for_each_nested(a, list, rem) {
		n++;
		info = a;
	}
	assert_int_equal(n, 1);
	assert_int_equal(nla_type(info), IFLA_VF_INFO);
	n = 0;
	nla_for_each_nested(a, info, rem) {
		n++;
		leaf = a;
	}
	assert_int_equal(n, 1);
	return leaf;
}

static void test_build_setvf(void **state)
{
	struct vf_settings s = {
		.mac = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 },
		.vlan = 100, .qos = 5, .vlan_proto = VF_VLAN_8021Q,
		.spoofchk = true, .trust = true, .link_state = VF_LINK_DISABLE,
		.min_tx_rate = 10, .max_tx_rate = 900,
	};
	struct nlattr *a, *inner;
	struct nl_msg *msg;
	int rem, n;

	(void)state;
	assert_int_equal(vf_nl_build_setvf(7, 3, VF_FIELD_MAC, &s, &msg), 0);
	a = only_vf_attr(msg);
	assert_int_equal(nla_type(a), IFLA_VF_MAC);
	assert_int_equal(nla_len(a), sizeof(struct ifla_vf_mac));
	{
		struct ifla_vf_mac *m = nla_data(a);
		uint8_t zero[26] = { 0 };

		assert_int_equal(m->vf, 3);
		assert_memory_equal(m->mac, s.mac, 6);
		assert_memory_equal(m->mac + 6, zero, sizeof(zero));
	}
	nlmsg_free(msg);

	assert_int_equal(vf_nl_build_setvf(7, 3, VF_FIELD_VLAN, &s, &msg), 0);
	a = only_vf_attr(msg);
	assert_int_equal(nla_type(a), IFLA_VF_VLAN);
	assert_int_equal(nla_len(a), sizeof(struct ifla_vf_vlan));
	assert_int_equal(((struct ifla_vf_vlan *)nla_data(a))->vf, 3);
	assert_int_equal(((struct ifla_vf_vlan *)nla_data(a))->vlan, 100);
	assert_int_equal(((struct ifla_vf_vlan *)nla_data(a))->qos, 5);
	nlmsg_free(msg);

	s.vlan_proto = VF_VLAN_8021AD;
	assert_int_equal(vf_nl_build_setvf(7, 3, VF_FIELD_VLAN, &s, &msg), 0);
	a = only_vf_attr(msg);
	assert_int_equal(nla_type(a), IFLA_VF_VLAN_LIST);
	n = 0;
	nla_for_each_nested(inner, a, rem) {
		struct ifla_vf_vlan_info *vi = nla_data(inner);

		n++;
		assert_int_equal(nla_type(inner), IFLA_VF_VLAN_INFO);
		assert_int_equal(nla_len(inner), sizeof(*vi));
		assert_int_equal(vi->vf, 3);
		assert_int_equal(vi->vlan, 100);
		assert_int_equal(vi->qos, 5);
		assert_int_equal(vi->vlan_proto, htons(ETH_P_8021AD));
	}
	assert_int_equal(n, 1);
	nlmsg_free(msg);

	for (unsigned int f = VF_FIELD_MIN_RATE; f <= VF_FIELD_MAX_RATE; f <<= 1) {
		assert_int_equal(vf_nl_build_setvf(7, 3, f, &s, &msg), 0);
		a = only_vf_attr(msg);
		assert_int_equal(nla_type(a), IFLA_VF_RATE);
		assert_int_equal(nla_len(a), sizeof(struct ifla_vf_rate));
		assert_int_equal(((struct ifla_vf_rate *)nla_data(a))->vf, 3);
		assert_int_equal(((struct ifla_vf_rate *)nla_data(a))->min_tx_rate, 10);
		assert_int_equal(((struct ifla_vf_rate *)nla_data(a))->max_tx_rate, 900);
		nlmsg_free(msg);
	}

	assert_int_equal(vf_nl_build_setvf(7, 3, VF_FIELD_SPOOFCHK, &s, &msg), 0);
	a = only_vf_attr(msg);
	assert_int_equal(nla_type(a), IFLA_VF_SPOOFCHK);
	assert_int_equal(nla_len(a), sizeof(struct ifla_vf_spoofchk));
	assert_int_equal(((struct ifla_vf_spoofchk *)nla_data(a))->vf, 3);
	assert_int_equal(((struct ifla_vf_spoofchk *)nla_data(a))->setting, 1);
	nlmsg_free(msg);

	s.trust = false;
	assert_int_equal(vf_nl_build_setvf(7, 3, VF_FIELD_TRUST, &s, &msg), 0);
	a = only_vf_attr(msg);
	assert_int_equal(nla_type(a), IFLA_VF_TRUST);
	assert_int_equal(nla_len(a), sizeof(struct ifla_vf_trust));
	assert_int_equal(((struct ifla_vf_trust *)nla_data(a))->setting, 0);
	nlmsg_free(msg);

	assert_int_equal(vf_nl_build_setvf(7, 3, VF_FIELD_LINK_STATE, &s, &msg), 0);
	a = only_vf_attr(msg);
	assert_int_equal(nla_type(a), IFLA_VF_LINK_STATE);
	assert_int_equal(nla_len(a), sizeof(struct ifla_vf_link_state));
	assert_int_equal(((struct ifla_vf_link_state *)nla_data(a))->link_state,
			 IFLA_VF_LINK_STATE_DISABLE);
	nlmsg_free(msg);

	/* One field per message; no index, no VF, no field: refused. */
	assert_int_equal(vf_nl_build_setvf(7, 3, VF_FIELD_MAC | VF_FIELD_VLAN, &s, &msg),
			 -EINVAL);
	assert_int_equal(vf_nl_build_setvf(7, 3, 0, &s, &msg), -EINVAL);
	assert_int_equal(vf_nl_build_setvf(7, 3, 1u << 9, &s, &msg), -EINVAL);
	assert_int_equal(vf_nl_build_setvf(0, 3, VF_FIELD_MAC, &s, &msg), -EINVAL);
	assert_int_equal(vf_nl_build_setvf(7, -1, VF_FIELD_MAC, &s, &msg), -EINVAL);
}

/* ------------------------------------------------------- canned replies */

#define R_NO_SPOOF	(1u << 0)	/* spoofchk/trust reported as -1 */
#define R_NO_VLANLIST	(1u << 1)	/* an old kernel: IFLA_VF_VLAN only */
#define R_8021AD	(1u << 2)
#define R_NO_RATE	(1u << 3)
#define R_DOWN		(1u << 4)
#define R_NO_LIST	(1u << 5)	/* IFLA_NUM_VF but no IFLA_VFINFO_LIST */
#define R_SHORT_MAC	(1u << 6)	/* a 4-byte IFLA_VF_MAC */
#define R_PROTO0	(1u << 7)	/* vlan_proto 0, as netdevsim reports it */

/* An RTM_NEWLINK as the kernel's rtnl_fill_vfinfo() lays it out. */
static struct nl_msg *canned_reply(int nvfs, unsigned int flags)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 7,
				 .ifi_flags = flags & R_DOWN ? 0 : IFF_UP };
	struct nl_msg *msg = nlmsg_alloc_size(1 << 18);
	struct nlattr *list, *vf, *vl;

	assert_non_null(msg);
	assert_non_null(nlmsg_put(msg, 0, 1, RTM_NEWLINK, 0, 0));
	assert_int_equal(nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	assert_int_equal(nla_put_string(msg, IFLA_IFNAME, "ens1f0"), 0);
	assert_int_equal(nla_put_u32(msg, IFLA_MTU, 1500), 0);
	if (nvfs < 0)
		return msg;		/* not an SR-IOV device */
	assert_int_equal(nla_put_u32(msg, IFLA_NUM_VF, (uint32_t)nvfs), 0);
	if (flags & R_NO_LIST)
		return msg;
	list = nla_nest_start(msg, IFLA_VFINFO_LIST);
	for (int i = 0; i < nvfs; i++) {
		struct ifla_vf_mac mac = { .vf = (__u32)i,
					   .mac = { 0x02, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i } };
		struct ifla_vf_broadcast bc;
		struct ifla_vf_vlan vlan = { .vf = (__u32)i, .vlan = (__u32)(i % 4096),
					     .qos = (__u32)(i % 8) };
		struct ifla_vf_vlan_info vi = { .vf = (__u32)i, .vlan = vlan.vlan,
						.qos = vlan.qos,
						.vlan_proto = flags & R_PROTO0 ? 0 :
							htons(flags & R_8021AD ? ETH_P_8021AD :
							      ETH_P_8021Q) };
		struct ifla_vf_rate rate = { .vf = (__u32)i, .min_tx_rate = (__u32)i,
					     .max_tx_rate = (__u32)(1000 + i) };
		struct ifla_vf_tx_rate txr = { .vf = (__u32)i, .rate = rate.max_tx_rate };
		struct ifla_vf_spoofchk sc = { .vf = (__u32)i,
					       .setting = flags & R_NO_SPOOF ? (__u32)-1 : (__u32)(i & 1) };
		struct ifla_vf_link_state ls = { .vf = (__u32)i, .link_state = (__u32)(i % 3) };
		struct ifla_vf_rss_query_en rq = { .vf = (__u32)i, .setting = (__u32)-1 };
		struct ifla_vf_trust tr = { .vf = (__u32)i,
					    .setting = flags & R_NO_SPOOF ? (__u32)-1 : (__u32)!(i & 1) };

		memset(bc.broadcast, 0xff, sizeof(bc.broadcast));
		vf = nla_nest_start(msg, IFLA_VF_INFO);
		assert_int_equal(nla_put(msg, IFLA_VF_MAC, flags & R_SHORT_MAC ? 4 : sizeof(mac),
					 &mac), 0);
		assert_int_equal(nla_put(msg, IFLA_VF_BROADCAST, sizeof(bc), &bc), 0);
		assert_int_equal(nla_put(msg, IFLA_VF_VLAN, sizeof(vlan), &vlan), 0);
		if (!(flags & R_NO_RATE)) {
			assert_int_equal(nla_put(msg, IFLA_VF_RATE, sizeof(rate), &rate), 0);
			assert_int_equal(nla_put(msg, IFLA_VF_TX_RATE, sizeof(txr), &txr), 0);
		}
		assert_int_equal(nla_put(msg, IFLA_VF_SPOOFCHK, sizeof(sc), &sc), 0);
		assert_int_equal(nla_put(msg, IFLA_VF_LINK_STATE, sizeof(ls), &ls), 0);
		assert_int_equal(nla_put(msg, IFLA_VF_RSS_QUERY_EN, sizeof(rq), &rq), 0);
		assert_int_equal(nla_put(msg, IFLA_VF_TRUST, sizeof(tr), &tr), 0);
		if (!(flags & R_NO_VLANLIST)) {
			vl = nla_nest_start(msg, IFLA_VF_VLAN_LIST);
			assert_int_equal(nla_put(msg, IFLA_VF_VLAN_INFO, sizeof(vi), &vi), 0);
			nla_nest_end(msg, vl);
		}
		nla_nest_end(msg, vf);
	}
	nla_nest_end(msg, list);
	return msg;
}

/* A malloc'd copy of exactly the message, so ASan sees any overread. */
static struct nlmsghdr *exact_copy(struct nl_msg *msg, size_t *len)
{
	struct nlmsghdr *h = nlmsg_hdr(msg), *c;

	*len = h->nlmsg_len;
	c = malloc(*len);
	assert_non_null(c);
	memcpy(c, h, *len);
	return c;
}

static void test_parse_no_vfs(void **state)
{
	struct nl_msg *msg;
	struct vf_pf pf;
	struct errbuf eb;

	(void)state;
	msg = canned_reply(-1, 0);		/* a veth: no IFLA_NUM_VF at all */
	assert_int_equal(vf_nl_parse_link(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
					  &pf, &eb), 0);
	assert_string_equal(pf.ifname, "ens1f0");
	assert_int_equal(pf.ifindex, 7);
	assert_true(pf.up);
	assert_int_equal(pf.num_vfs, 0);
	assert_int_equal(pf.n, 0);
	assert_null(pf.vfs);
	assert_int_equal(vf_check(&pf, 0, &eb), -ERANGE);
	assert_non_null(strstr(eb.msg, "no VF 0 (the PF has 0 VFs)"));
	nlmsg_free(msg);

	msg = canned_reply(0, 0);		/* an SR-IOV PF with 0 VFs */
	assert_int_equal(vf_nl_parse_link(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
					  &pf, &eb), 0);
	assert_int_equal(pf.num_vfs, 0);
	assert_int_equal(pf.n, 0);
	nlmsg_free(msg);

	msg = canned_reply(4, R_NO_LIST);	/* VFs whose settings are not reported */
	assert_int_equal(vf_nl_parse_link(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
					  &pf, &eb), 0);
	assert_int_equal(pf.num_vfs, 4);
	assert_int_equal(pf.n, 0);
	assert_int_equal(vf_check(&pf, 2, &eb), -ENODATA);
	assert_non_null(strstr(eb.msg, "does not report the settings of VF 2"));
	nlmsg_free(msg);
}

static void test_parse_one_vf(void **state)
{
	const struct vf_settings *s;
	struct nl_msg *msg;
	struct vf_pf pf;
	struct errbuf eb;

	(void)state;
	msg = canned_reply(1, 0);
	assert_int_equal(vf_nl_parse_link(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
					  &pf, &eb), 0);
	assert_int_equal(pf.num_vfs, 1);
	assert_int_equal(pf.n, 1);
	s = vf_pf_find(&pf, 0);
	assert_non_null(s);
	assert_int_equal(s->known, VF_FIELD_ALL);
	assert_memory_equal(s->mac, "\x02\0\0\0\0\0", 6);
	assert_int_equal(s->vlan, 0);
	assert_int_equal(s->vlan_proto, VF_VLAN_8021Q);
	assert_false(s->spoofchk);
	assert_true(s->trust);
	assert_int_equal(s->link_state, VF_LINK_AUTO);
	assert_int_equal(s->min_tx_rate, 0);
	assert_int_equal(s->max_tx_rate, 1000);
	assert_null(vf_pf_find(&pf, 1));
	assert_int_equal(vf_check(&pf, 0, &eb), 0);
	assert_int_equal(vf_check(&pf, 1, &eb), -ERANGE);
	assert_non_null(strstr(eb.msg, "no VF 1 (the PF has 1 VF, numbered 0-0)"));
	vf_pf_free(&pf);
	nlmsg_free(msg);

	msg = canned_reply(1, R_DOWN);
	assert_int_equal(vf_nl_parse_link(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
					  &pf, &eb), 0);
	assert_false(pf.up);
	assert_int_equal(vf_check(&pf, 0, &eb), -ENETDOWN);
	assert_non_null(strstr(eb.msg, "ip link set ens1f0 up"));
	vf_pf_free(&pf);
	nlmsg_free(msg);
}

static void test_parse_64_vfs(void **state)
{
	struct nl_msg *msg;
	struct vf_pf pf;
	struct errbuf eb;

	(void)state;
	msg = canned_reply(64, R_8021AD);
	/* Far more than a page: what fixed receive buffers lose. */
	assert_true(nlmsg_hdr(msg)->nlmsg_len > 8192);
	assert_int_equal(vf_nl_parse_link(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
					  &pf, &eb), 0);
	assert_int_equal(pf.num_vfs, 64);
	assert_int_equal(pf.n, 64);
	for (int i = 0; i < 64; i++) {
		const struct vf_settings *s = vf_pf_find(&pf, i);

		assert_non_null(s);
		assert_int_equal(s->known, VF_FIELD_ALL);
		assert_int_equal(s->mac[5], i);
		assert_int_equal(s->vlan, i);
		assert_int_equal(s->qos, i % 8);
		assert_int_equal(s->vlan_proto, VF_VLAN_8021AD);
		assert_int_equal(s->spoofchk, i & 1);
		assert_int_equal(s->trust, !(i & 1));
		assert_int_equal(s->link_state, i % 3);
		assert_int_equal(s->min_tx_rate, i);
		assert_int_equal(s->max_tx_rate, 1000 + i);
	}
	assert_int_equal(vf_check(&pf, 64, &eb), -ERANGE);
	assert_non_null(strstr(eb.msg, "no VF 64 (the PF has 64 VFs, numbered 0-63)"));
	vf_pf_free(&pf);
	nlmsg_free(msg);
}

static void test_parse_missing_attrs(void **state)
{
	const struct vf_settings *s;
	struct nl_msg *msg;
	struct vf_pf pf;
	struct errbuf eb;

	(void)state;
	/* Driver without spoofchk/trust reporting; an old kernel's VLAN. */
	msg = canned_reply(2, R_NO_SPOOF | R_NO_VLANLIST | R_NO_RATE);
	assert_int_equal(vf_nl_parse_link(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
					  &pf, &eb), 0);
	s = vf_pf_find(&pf, 1);
	assert_non_null(s);
	assert_int_equal(s->known, VF_FIELD_MAC | VF_FIELD_VLAN | VF_FIELD_LINK_STATE);
	assert_int_equal(s->vlan, 1);
	assert_int_equal(s->qos, 1);
	assert_int_equal(s->vlan_proto, VF_VLAN_8021Q);
	/* Unknown fields always count as "to change". */
	{
		struct vf_settings want = *s;

		assert_int_equal(vf_settings_diff(s, &want, VF_FIELD_ALL),
				 VF_FIELD_SPOOFCHK | VF_FIELD_TRUST |
				 VF_FIELD_MIN_RATE | VF_FIELD_MAX_RATE);
		want.mac[0] = 0x06;
		want.vlan = 9;
		assert_int_equal(vf_settings_diff(s, &want, VF_FIELD_MAC | VF_FIELD_VLAN),
				 VF_FIELD_MAC | VF_FIELD_VLAN);
		assert_int_equal(vf_settings_diff(s, &want, VF_FIELD_LINK_STATE), 0);
	}
	vf_pf_free(&pf);
	nlmsg_free(msg);

	/* A driver that leaves vlan_proto 0 means 802.1Q (or untagged). */
	msg = canned_reply(2, R_PROTO0);
	assert_int_equal(vf_nl_parse_link(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
					  &pf, &eb), 0);
	s = vf_pf_find(&pf, 1);
	assert_true(s->known & VF_FIELD_VLAN);
	assert_int_equal(s->vlan_proto, VF_VLAN_8021Q);
	vf_pf_free(&pf);
	nlmsg_free(msg);

	/* A too-short IFLA_VF_MAC is an error, not a read past it. */
	msg = canned_reply(1, R_SHORT_MAC);
	{
		size_t len;
		struct nlmsghdr *h = exact_copy(msg, &len);

		assert_int_equal(vf_nl_parse_link(h, len, &pf, &eb), -EBADMSG);
		assert_non_null(strstr(eb.msg, "IFLA_VF_MAC"));
		assert_null(pf.vfs);
		free(h);
	}
	nlmsg_free(msg);
}

static void test_parse_truncated_and_garbage(void **state)
{
	struct nlmsghdr *h, *g;
	struct nl_msg *msg;
	struct vf_pf pf;
	size_t len;
	int ok = 0;

	(void)state;
	msg = canned_reply(3, R_8021AD);
	h = exact_copy(msg, &len);
	nlmsg_free(msg);
	/* Every prefix of the buffer, both honest and lying nlmsg_len. */
	for (size_t cut = 0; cut < len; cut++) {
		struct nlmsghdr *c = malloc(cut ? cut : 1);

		memcpy(c, h, cut);
		if (cut >= NLMSG_HDRLEN) {
			assert_int_equal(vf_nl_parse_link(c, cut, &pf, NULL), -EBADMSG);
			c->nlmsg_len = (uint32_t)cut;	/* claims to be whole */
		}
		if (!vf_nl_parse_link(c, cut, &pf, NULL)) {
			ok++;
			assert_true(pf.n <= 3);
			vf_pf_free(&pf);
		}
		free(c);
	}
	assert_true(ok > 0);

	/* Random byte flips in a valid reply: never a crash or an overread. */
	srand(1234);
	g = malloc(len);
	for (int round = 0; round < 20000; round++) {
		memcpy(g, h, len);
		for (int k = rand() % 8 + 1; k > 0; k--)
			((uint8_t *)g)[NLMSG_HDRLEN + (size_t)rand() % (len - NLMSG_HDRLEN)] =
				(uint8_t)rand();
		if (!vf_nl_parse_link(g, len, &pf, NULL)) {
			assert_true(pf.n <= len / 4);
			vf_pf_free(&pf);
		}
	}
	/* Pure noise with a plausible header. */
	for (int round = 0; round < 5000; round++) {
		for (size_t i = 0; i < len; i++)
			((uint8_t *)g)[i] = (uint8_t)rand();
		g->nlmsg_len = (uint32_t)len;
		g->nlmsg_type = RTM_NEWLINK;
		if (!vf_nl_parse_link(g, len, &pf, NULL))
			vf_pf_free(&pf);
	}
	free(g);

	/* Not an RTM_NEWLINK at all. */
	h->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(vf_nl_parse_link(h, len, &pf, NULL), -EBADMSG);
	free(h);
}

/* An NLMSG_ERROR with the request echoed (or capped) and an extack text. */
static struct nlmsghdr *canned_error(int err, bool capped, const char *text,
				     size_t *len)
{
	struct nl_msg *msg = nlmsg_alloc_size(4096), *req;
	struct nlmsgerr e = { .error = err };
	struct nlmsghdr *h;
	struct vf_settings s = { 0 };
	size_t reqlen;

	assert_int_equal(vf_nl_build_setvf(7, 0, VF_FIELD_TRUST, &s, &req), 0);
	reqlen = nlmsg_hdr(req)->nlmsg_len;
	memcpy(&e.msg, nlmsg_hdr(req), sizeof(e.msg));
	h = nlmsg_put(msg, 0, 1, NLMSG_ERROR, 0,
		      (text ? NLM_F_ACK_TLVS : 0) | (capped ? NLM_F_CAPPED : 0));
	assert_non_null(h);
	assert_int_equal(nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO), 0);
	if (!capped)
		assert_int_equal(nlmsg_append(msg, (char *)nlmsg_hdr(req) + NLMSG_HDRLEN,
					      reqlen - NLMSG_HDRLEN, NLMSG_ALIGNTO), 0);
	if (text)
		assert_int_equal(nla_put_string(msg, NLMSGERR_ATTR_MSG, text), 0);
	nlmsg_free(req);
	h = exact_copy(msg, len);
	nlmsg_free(msg);
	return h;
}

static void test_parse_error(void **state)
{
	struct nlmsghdr *h;
	char text[64];
	size_t len;
	int err;

	(void)state;
	h = canned_error(-EOPNOTSUPP, false, "VF trust is not supported", &len);
	assert_int_equal(vf_nl_parse_error(h, len, &err, text, sizeof(text)), 0);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_string_equal(text, "VF trust is not supported");
	/* Every truncation: an error or a shorter text, never an overread. */
	for (size_t cut = 0; cut < len; cut++) {
		struct nlmsghdr *c = malloc(len);

		memcpy(c, h, len);
		c->nlmsg_len = (uint32_t)cut;
		if (!vf_nl_parse_error(c, cut, &err, text, sizeof(text)))
			assert_int_equal(err, -EOPNOTSUPP);
		free(c);
	}
	free(h);

	h = canned_error(-EINVAL, true, "VF number out of range", &len);
	assert_int_equal(vf_nl_parse_error(h, len, &err, text, 8), 0);
	assert_int_equal(err, -EINVAL);
	assert_string_equal(text, "VF numb");
	free(h);

	h = canned_error(0, true, NULL, &len);	/* a plain ACK */
	assert_int_equal(vf_nl_parse_error(h, len, &err, text, sizeof(text)), 0);
	assert_int_equal(err, 0);
	assert_string_equal(text, "");
	h->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(vf_nl_parse_error(h, len, &err, text, sizeof(text)), -EBADMSG);
	free(h);
}

/* --------------------------------------------- the real kernel (root) */

static char out[1 << 16];

static int run(const char *env, const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "%s %s %s 2>&1", env, IOPASS_BIN, args);
	return run_capture(cmd, out, sizeof(out));
}

static bool have_test_if;

static int setup_real(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	/* Left over from an interrupted run? */
	if (system("ip link del " TEST_IF " 2>/dev/null") == 0)
		fprintf(stderr, "removed a stale %s\n", TEST_IF);
	/* This host's kernel may lack dummy: a veth pair works everywhere. */
	have_test_if = !system("ip link add " TEST_IF " type dummy 2>/dev/null") ||
		       !system("ip link add " TEST_IF " type veth peer name " TEST_IF "p");
	return 0;
}

static int teardown_real(void **state)
{
	(void)state;
	if (have_test_if && system("ip link del " TEST_IF))
		fprintf(stderr, "warning: cannot remove %s\n", TEST_IF);
	have_test_if = false;
	return 0;
}

#define NEED_TEST_IF() do {						\
	if (!have_test_if) {						\
		print_message("skipped: needs root to create a test "	\
			      "interface (%s)\n", TEST_IF);		\
		skip();							\
	}								\
} while (0)

static void test_real_no_vfs(void **state)
{
	struct vf_settings want = { .mac = { 2, 0, 0, 0, 0, 1 } };
	unsigned int changed = 99;
	struct vf_pf pf;
	struct errbuf eb;

	(void)state;
	NEED_TEST_IF();
	assert_int_equal(vf_get_all(TEST_IF, 0, &pf, &eb), 0);
	assert_string_equal(pf.ifname, TEST_IF);
	assert_true(pf.ifindex > 0);
	assert_int_equal(pf.num_vfs, 0);
	assert_int_equal(pf.n, 0);
	vf_pf_free(&pf);
	assert_int_equal(vf_get_all(NULL, pf.ifindex, &pf, &eb), 0);
	assert_string_equal(pf.ifname, TEST_IF);
	vf_pf_free(&pf);

	assert_int_equal(vf_set(TEST_IF, 0, &want, VF_FIELD_MAC, &changed, &eb), -ERANGE);
	assert_int_equal(changed, 0);
	assert_non_null(strstr(eb.msg, "no VF 0 (the PF has 0 VFs)"));

	assert_int_equal(vf_get_all("iopass-nosuch", 0, &pf, &eb), -ENODEV);
	assert_non_null(strstr(eb.msg, "no network interface 'iopass-nosuch'"));
}

static void test_real_cli(void **state)
{
	struct fakesys fs;
	json_object *o, *v;
	char env[1024];

	(void)state;
	NEED_TEST_IF();
	fakesys_init(&fs);
	snprintf(env, sizeof(env), "IOPASS_STATE_DIR='%s/state'", fs.root);

	assert_int_equal(run(env, "vf show " TEST_IF " --json"), 0);
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "num_vfs", &v));
	assert_int_equal(json_object_get_int(v), 0);
	assert_true(json_object_object_get_ex(o, "ifname", &v));
	assert_string_equal(json_object_get_string(v), TEST_IF);
	assert_true(json_object_object_get_ex(o, "vfs", &v));
	assert_int_equal(json_object_array_length(v), 0);
	json_object_put(o);

	assert_int_equal(run(env, "vf show " TEST_IF), 0);
	assert_non_null(strstr(out, TEST_IF " (net-" TEST_IF "): "));
	assert_non_null(strstr(out, "0 VFs"));

	assert_int_equal(run(env, "vf set " TEST_IF " 0 mac 02:00:00:00:00:01"), 2);
	assert_non_null(strstr(out, "iopass: " TEST_IF ": no VF 0 (the PF has 0 VFs)"));
	assert_int_equal(run(env, "vf set " TEST_IF " 0 mac 02:00:00:00:00:01 --dry-run"), 2);
	assert_non_null(strstr(out, "no VF 0 (the PF has 0 VFs)"));
	assert_int_equal(run(env, "vf restore " TEST_IF " 0"), 2);
	assert_non_null(strstr(out, "no VF 0 (the PF has 0 VFs)"));
	/* Nothing was written to the state directory. */
	assert_false(access(strcat(strcpy(env, fs.root), "/state"), F_OK) == 0);

	/* A PF named by a PCI address resolves through sysfs .../net/. */
	fakesys_add_pci(&fs, "0000:05:00.0", 0x8086, 0x1572, 0x020000);
	fakesys_write(&fs, "bus/pci/devices/0000:05:00.0/net/" TEST_IF "/ifindex", "1");
	fakesys_add_pci(&fs, "0000:06:00.0", 0x8086, 0x1572, 0x020000);
	snprintf(env, sizeof(env), "IOPASS_SYSFS_ROOT='%s' IOPASS_STATE_DIR='%s/state'",
		 fs.root, fs.root);
	assert_int_equal(run(env, "vf set 05:00.0 0 trust on"), 2);
	assert_non_null(strstr(out, TEST_IF ": no VF 0 (the PF has 0 VFs)"));
	assert_int_equal(run(env, "vf set 0000:06:00.0 0 trust on"), 2);
	assert_non_null(strstr(out, "0000:06:00.0 has no network interface"));
	fakesys_cleanup(&fs);
}

/* Bad input: one "iopass: " line, exit 2, before any netlink or state. */
static void expect_usage(const char *args, const char *needle)
{
	char *nl;

	if (run("IOPASS_STATE_DIR=/nonexistent/iopass-state", args) != 2)
		fail_msg("'iopass %s' did not exit 2: %s", args, out);
	if (strncmp(out, "iopass: ", 8) || !strstr(out, needle))
		fail_msg("'iopass %s': '%s' lacks '%s'", args, out, needle);
	nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
}

static void test_cli_bad_input(void **state)
{
	(void)state;
	expect_usage("vf set 0000:zz:00.0 0 mac 02:00:00:00:00:01", "malformed PCI address");
	expect_usage("vf set 0000:7f:1f.7 0 mac 02:00:00:00:00:01", "no PCI device 0000:7f:1f.7");
	expect_usage("vf set iopass-nosuch 0 mac 02:00:00:00:00:01",
		     "no network interface 'iopass-nosuch'");
	expect_usage("vf set a/b 0 mac 02:00:00:00:00:01", "neither a PCI address");
	expect_usage("vf set lo -1 mac 02:00:00:00:00:01", "not a VF number");
	expect_usage("vf set lo 70000 mac 02:00:00:00:00:01", "not a VF number");
	expect_usage("vf set lo 0 mac 01:00:00:00:00:01", "multicast");
	expect_usage("vf set lo 0 mac 02:00:00:00:00", "malformed MAC");
	expect_usage("vf set lo 0 vlan 4096", "0-4095");
	expect_usage("vf set lo 0 vlan 1 qos 9", "0-7");
	expect_usage("vf set lo 0 max-rate lots", "Mbit/s");
	expect_usage("vf set lo 0 speed 10", "unknown VF setting 'speed'");
	expect_usage("vf set lo 0", "nothing to set");
	expect_usage("vf set lo", "needs PF, VF and settings");
	expect_usage("vf set lo 0 trust on --json", "--json is for 'vf show'");
	expect_usage("vf show", "takes one PF");
	expect_usage("vf show lo --dry-run", "--dry-run is for");
	expect_usage("vf restore lo", "takes PF and VF");
	expect_usage("vf frobnicate lo", "unknown 'vf' subcommand 'frobnicate'");
	expect_usage("vf show lo --colour", "unknown option '--colour'");
	/* An interface without VFs: the range error is bad input too. */
	expect_usage("vf set lo 0 mac 02:00:00:00:00:01", "lo: no VF 0 (the PF has 0 VFs)");
	assert_int_equal(run("", "vf --help"), 0);
	assert_non_null(strstr(out, "usage: iopass vf show PF"));
	assert_non_null(strstr(out, "00:00:00:00:00:00 clears it"));
	assert_int_equal(run("", "vf"), 2);
}

/* `vf set`'s rate check and `vf show`'s rows. */
static void test_rates_and_rows(void **state)
{
	struct vf_settings cur = { .vf = 3, .known = VF_FIELD_ALL, .max_tx_rate = 100 };
	struct vf_settings want = { .min_tx_rate = 200 };
	struct errbuf eb;
	char row[160];

	(void)state;
	assert_int_equal(vf_rates_check(&cur, &want, VF_FIELD_MIN_RATE, &eb), -EINVAL);
	assert_non_null(strstr(eb.msg, "min-rate 200 would exceed max-rate 100 of VF 3"));
	want.max_tx_rate = 0;	/* no limit */
	assert_int_equal(vf_rates_check(&cur, &want, VF_FIELD_MIN_RATE | VF_FIELD_MAX_RATE,
					&eb), 0);
	assert_int_equal(vf_rates_check(&cur, &want, VF_FIELD_MAC, &eb), 0);

	vf_settings_row(NULL, false, row, sizeof(row));
	assert_non_null(strstr(row, "VF   MAC"));
	cur.known = VF_FIELD_MAC | VF_FIELD_SPOOFCHK;
	cur.spoofchk = true;
	cur.mac[0] = 0x02;
	vf_settings_row(&cur, true, row, sizeof(row));
	assert_string_equal(row, "3    02:00:00:00:00:00 -     -   -       on       -     -       "
			    "-        -        yes");
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_rates_and_rows),
		cmocka_unit_test(test_args_valid),
		cmocka_unit_test(test_args_invalid),
		cmocka_unit_test(test_mac_format),
		cmocka_unit_test(test_build_getlink),
		cmocka_unit_test(test_build_setvf),
		cmocka_unit_test(test_parse_no_vfs),
		cmocka_unit_test(test_parse_one_vf),
		cmocka_unit_test(test_parse_64_vfs),
		cmocka_unit_test(test_parse_missing_attrs),
		cmocka_unit_test(test_parse_truncated_and_garbage),
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_cli_bad_input),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_no_vfs),
		cmocka_unit_test(test_real_cli),
	};
	int failed = cmocka_run_group_tests_name("vf_netlink", pure, NULL, NULL);

	return failed + cmocka_run_group_tests_name("vf_netlink_real_kernel", real,
						    setup_real, teardown_real);
}
