// SPDX-License-Identifier: GPL-2.0-only
/*
 * rtnetlink messages for VF settings (vf_netlink.h): RTM_GETLINK and
 * RTM_SETLINK requests built, RTM_NEWLINK and NLMSG_ERROR replies parsed,
 * without a socket, so that unit tests check the bytes and feed canned or
 * garbage replies. Every attribute of a reply is length-checked before it
 * is read. vf_netlink.c sends and receives them.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "vf_netlink.h"

/* ------------------------------------------------------------ building */

int vf_nl_build_getlink(const char *ifname, int ifindex, struct nl_msg **out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;

	if (!ifname && ifindex <= 0)
		return -EINVAL;
	if (ifname && strlen(ifname) >= VF_IFNAMSIZ)
		return -ENAMETOOLONG;
	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return -ENOMEM;
	if (!ifname)
		ifi.ifi_index = ifindex;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) ||
	    (ifname && nla_put_string(msg, IFLA_IFNAME, ifname)) ||
	    nla_put_u32(msg, IFLA_EXT_MASK,
			RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS))
		goto err_free;
	*out = msg;
	return 0;

err_free:
	nlmsg_free(msg);
	return -ENOMEM;
}

/*
 * The attribute structs are zeroed whole, padding included: an initializer
 * leaves padding undefined, and those bytes would go to the kernel (found
 * by valgrind: ifla_vf_vlan_info has two).
 */
static int put_vf_attr(struct nl_msg *msg, int vf, unsigned int field,
		       const struct vf_settings *s)
{
	union {
		struct ifla_vf_mac mac;
		struct ifla_vf_vlan vlan;
		struct ifla_vf_vlan_info vlan_info;
		struct ifla_vf_rate rate;
		struct ifla_vf_spoofchk spoofchk;
		struct ifla_vf_trust trust;
		struct ifla_vf_link_state link;
	} a;
	struct nlattr *list;

	memset(&a, 0, sizeof(a));
	switch (field) {
	case VF_FIELD_MAC:
		a.mac.vf = (__u32)vf;
		memcpy(a.mac.mac, s->mac, VF_MAC_LEN);
		return nla_put(msg, IFLA_VF_MAC, sizeof(a.mac), &a.mac);
	case VF_FIELD_VLAN:
		if (s->vlan_proto == VF_VLAN_8021Q) {
			a.vlan.vf = (__u32)vf;
			a.vlan.vlan = s->vlan;
			a.vlan.qos = s->qos;
			return nla_put(msg, IFLA_VF_VLAN, sizeof(a.vlan),
				       &a.vlan);
		}
		a.vlan_info.vf = (__u32)vf;
		a.vlan_info.vlan = s->vlan;
		a.vlan_info.qos = s->qos;
		a.vlan_info.vlan_proto = htons(ETH_P_8021AD);
		list = nla_nest_start(msg, IFLA_VF_VLAN_LIST);
		if (!list || nla_put(msg, IFLA_VF_VLAN_INFO,
				     sizeof(a.vlan_info), &a.vlan_info))
			return -NLE_NOMEM;
		return nla_nest_end(msg, list);
	case VF_FIELD_MIN_RATE:
	case VF_FIELD_MAX_RATE:
		a.rate.vf = (__u32)vf;
		a.rate.min_tx_rate = s->min_tx_rate;
		a.rate.max_tx_rate = s->max_tx_rate;
		return nla_put(msg, IFLA_VF_RATE, sizeof(a.rate), &a.rate);
	case VF_FIELD_SPOOFCHK:
		a.spoofchk.vf = (__u32)vf;
		a.spoofchk.setting = s->spoofchk;
		return nla_put(msg, IFLA_VF_SPOOFCHK, sizeof(a.spoofchk),
			       &a.spoofchk);
	case VF_FIELD_TRUST:
		a.trust.vf = (__u32)vf;
		a.trust.setting = s->trust;
		return nla_put(msg, IFLA_VF_TRUST, sizeof(a.trust), &a.trust);
	case VF_FIELD_LINK_STATE:
		a.link.vf = (__u32)vf;
		a.link.link_state = (__u32)s->link_state;
		return nla_put(msg, IFLA_VF_LINK_STATE, sizeof(a.link),
			       &a.link);
	}
	return -NLE_INVAL;
}

int vf_nl_build_setvf(int ifindex, int vf, unsigned int field,
		      const struct vf_settings *s, struct nl_msg **out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nlattr *list, *info;
	struct nl_msg *msg;
	int ret;

	if (ifindex <= 0 || vf < 0 || !field || (field & (field - 1)) ||
	    (field & ~VF_FIELD_ALL))
		return -EINVAL;
	msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return -ENOMEM;
	ret = -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO))
		goto err_free;
	list = nla_nest_start(msg, IFLA_VFINFO_LIST);
	if (!list)
		goto err_free;
	info = nla_nest_start(msg, IFLA_VF_INFO);
	if (!info)
		goto err_free;
	if (put_vf_attr(msg, vf, field, s))
		goto err_free;
	if (nla_nest_end(msg, info) || nla_nest_end(msg, list))
		goto err_free;
	*out = msg;
	return 0;

err_free:
	nlmsg_free(msg);
	return ret;
}

/* ------------------------------------------------------------- parsing */

/* The payload of nla when it holds at least size bytes, else NULL. */
static const void *attr_data(const struct nlattr *nla, size_t size)
{
	if (!nla || (size_t)nla_len(nla) < size)
		return NULL;
	return nla_data(nla);
}

static int bad_attr(struct errbuf *eb, const char *what)
{
	return errbuf_set(eb, -EBADMSG,
			  "malformed netlink reply from the kernel: %s is truncated", what);
}

static int parse_vlan(struct nlattr *tb[], struct vf_settings *s, int *vf,
		      struct errbuf *eb)
{
	struct ifla_vf_vlan_info vi;
	struct ifla_vf_vlan v;
	struct nlattr *a;
	int rem;

	if (tb[IFLA_VF_VLAN_LIST]) {
		nla_for_each_nested(a, tb[IFLA_VF_VLAN_LIST], rem) {
			const void *p;

			if (nla_type(a) != IFLA_VF_VLAN_INFO)
				continue;
			p = attr_data(a, sizeof(vi));
			if (!p)
				return bad_attr(eb, "IFLA_VF_VLAN_INFO");
			memcpy(&vi, p, sizeof(vi));
			if (*vf < 0)
				*vf = (int)vi.vf;
			if (vi.vlan > 4095 || vi.qos > 7)
				return 0;
			/*
			 * 0: the driver overwrote the kernel's 802.1Q preset
			 * without setting a protocol (netdevsim before any
			 * VLAN was set): an untagged or 802.1Q VF.
			 */
			if (vi.vlan_proto == htons(ETH_P_8021Q) || !vi.vlan_proto)
				s->vlan_proto = VF_VLAN_8021Q;
			else if (vi.vlan_proto == htons(ETH_P_8021AD))
				s->vlan_proto = VF_VLAN_8021AD;
			else
				return 0;	/* a protocol we cannot name: unknown */
			s->vlan = (uint16_t)vi.vlan;
			s->qos = (uint8_t)vi.qos;
			s->known |= VF_FIELD_VLAN;
			return 0;	/* only the outer tag is settable */
		}
	}
	if (tb[IFLA_VF_VLAN]) {
		const void *p = attr_data(tb[IFLA_VF_VLAN], sizeof(v));

		if (!p)
			return bad_attr(eb, "IFLA_VF_VLAN");
		memcpy(&v, p, sizeof(v));
		if (*vf < 0)
			*vf = (int)v.vf;
		if (v.vlan > 4095 || v.qos > 7)
			return 0;
		s->vlan = (uint16_t)v.vlan;
		s->qos = (uint8_t)v.qos;
		s->vlan_proto = VF_VLAN_8021Q;
		s->known |= VF_FIELD_VLAN;
	}
	return 0;
}

/* A u32-setting attribute ({vf, setting}): -1 means "driver did not say". */
static int parse_setting(struct nlattr *nla, const char *what, int *vf,
			 uint32_t *setting, bool *known, struct errbuf *eb)
{
	struct { __u32 vf; __u32 setting; } v;
	const void *p;

	*known = false;
	if (!nla)
		return 0;
	p = attr_data(nla, sizeof(v));
	if (!p)
		return bad_attr(eb, what);
	memcpy(&v, p, sizeof(v));
	if (*vf < 0)
		*vf = (int)v.vf;
	*setting = v.setting;
	*known = v.setting != (__u32)-1;
	return 0;
}

static int parse_vf_info(struct nlattr *info, int pos, struct vf_settings *s,
			 struct errbuf *eb)
{
	struct nlattr *tb[IFLA_VF_MAX + 1];
	struct ifla_vf_rate r;
	struct ifla_vf_mac m;
	uint32_t val = 0;
	bool known;
	int vf = -1, ret;
	const void *p;

	memset(s, 0, sizeof(*s));
	if (nla_parse_nested(tb, IFLA_VF_MAX, info, NULL))
		return bad_attr(eb, "IFLA_VF_INFO");
	if (tb[IFLA_VF_MAC]) {
		p = attr_data(tb[IFLA_VF_MAC], sizeof(m));
		if (!p)
			return bad_attr(eb, "IFLA_VF_MAC");
		memcpy(&m, p, sizeof(m));
		vf = (int)m.vf;
		memcpy(s->mac, m.mac, VF_MAC_LEN);
		s->known |= VF_FIELD_MAC;
	}
	ret = parse_vlan(tb, s, &vf, eb);
	if (ret)
		return ret;
	if (tb[IFLA_VF_RATE]) {
		p = attr_data(tb[IFLA_VF_RATE], sizeof(r));
		if (!p)
			return bad_attr(eb, "IFLA_VF_RATE");
		memcpy(&r, p, sizeof(r));
		if (vf < 0)
			vf = (int)r.vf;
		s->min_tx_rate = r.min_tx_rate;
		s->max_tx_rate = r.max_tx_rate;
		s->known |= VF_FIELD_MIN_RATE | VF_FIELD_MAX_RATE;
	}
	ret = parse_setting(tb[IFLA_VF_SPOOFCHK], "IFLA_VF_SPOOFCHK", &vf, &val,
			    &known, eb);
	if (ret)
		return ret;
	if (known) {
		s->spoofchk = val != 0;
		s->known |= VF_FIELD_SPOOFCHK;
	}
	ret = parse_setting(tb[IFLA_VF_TRUST], "IFLA_VF_TRUST", &vf, &val,
			    &known, eb);
	if (ret)
		return ret;
	if (known) {
		s->trust = val != 0;
		s->known |= VF_FIELD_TRUST;
	}
	ret = parse_setting(tb[IFLA_VF_LINK_STATE], "IFLA_VF_LINK_STATE", &vf,
			    &val, &known, eb);
	if (ret)
		return ret;
	if (known && val <= IFLA_VF_LINK_STATE_DISABLE) {
		s->link_state = (enum vf_link_state)val;
		s->known |= VF_FIELD_LINK_STATE;
	}
	/* The kernel puts the VF number in every struct; fall back to order. */
	s->vf = vf >= 0 && vf <= 0xffff ? vf : pos;
	return 0;
}

static int parse_vfinfo_list(struct nlattr *list, struct vf_pf *pf,
			     struct errbuf *eb)
{
	struct nlattr *info;
	size_t count = 0;
	int rem, ret;

	nla_for_each_nested(info, list, rem)
		if (nla_type(info) == IFLA_VF_INFO)
			count++;
	if (!count)
		return 0;
	pf->vfs = calloc(count, sizeof(*pf->vfs));
	if (!pf->vfs)
		return errbuf_set(eb, -ENOMEM, "out of memory for %zu VFs", count);
	nla_for_each_nested(info, list, rem) {
		if (nla_type(info) != IFLA_VF_INFO)
			continue;
		ret = parse_vf_info(info, (int)pf->n, &pf->vfs[pf->n], eb);
		if (ret)
			return ret;
		pf->n++;
	}
	return 0;
}

int vf_nl_parse_link(const struct nlmsghdr *h, size_t len, struct vf_pf *pf,
		     struct errbuf *eb)
{
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	const void *p;
	int ret;

	memset(pf, 0, sizeof(*pf));
	if (len < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len)
		return errbuf_set(eb, -EBADMSG,
				  "malformed netlink reply from the kernel: message truncated");
	if (h->nlmsg_type != RTM_NEWLINK)
		return errbuf_set(eb, -EBADMSG,
				  "unexpected netlink message type %u from the kernel (wanted RTM_NEWLINK)",
				  h->nlmsg_type);
	if (h->nlmsg_len < NLMSG_SPACE(sizeof(*ifi)))
		return bad_attr(eb, "the RTM_NEWLINK header");
	ifi = nlmsg_data(h);
	pf->ifindex = ifi->ifi_index;
	pf->up = ifi->ifi_flags & IFF_UP;
	if (nla_parse(tb, IFLA_MAX,
		      (struct nlattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(*ifi))),
		      (int)(h->nlmsg_len - NLMSG_SPACE(sizeof(*ifi))), NULL))
		return bad_attr(eb, "the RTM_NEWLINK attributes");
	if (tb[IFLA_IFNAME]) {
		size_t n = (size_t)nla_len(tb[IFLA_IFNAME]);

		if (n >= VF_IFNAMSIZ)
			n = VF_IFNAMSIZ - 1;
		memcpy(pf->ifname, nla_data(tb[IFLA_IFNAME]), n);
		pf->ifname[n] = '\0';	/* the attribute's own NUL or ours */
	}
	if (tb[IFLA_NUM_VF]) {
		uint32_t num;

		p = attr_data(tb[IFLA_NUM_VF], sizeof(num));
		if (!p)
			return bad_attr(eb, "IFLA_NUM_VF");
		memcpy(&num, p, sizeof(num));
		pf->num_vfs = num > 0xffff ? 0xffff : (int)num;
	}
	if (tb[IFLA_VFINFO_LIST]) {
		ret = parse_vfinfo_list(tb[IFLA_VFINFO_LIST], pf, eb);
		if (ret) {
			vf_pf_free(pf);
			return ret;
		}
	}
	return 0;
}

int vf_nl_parse_error(const struct nlmsghdr *h, size_t len, int *error,
		      char *msg, size_t msglen)
{
	const struct nlmsgerr *e;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off;

	if (msglen)
		msg[0] = '\0';
	if (len < NLMSG_HDRLEN || h->nlmsg_len > len ||
	    h->nlmsg_type != NLMSG_ERROR ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return -EBADMSG;
	e = nlmsg_data(h);
	*error = e->error;
	if (*error > 0)		/* not an errno the kernel sends */
		*error = -*error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || !msglen ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return 0;
	off = sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return 0;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_ALIGN(off);
	if (NLMSG_LENGTH(off) >= h->nlmsg_len)
		return 0;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)NLMSG_DATA(h) + off),
		      (int)(h->nlmsg_len - NLMSG_LENGTH(off)), NULL))
		return 0;
	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
		size_t n = strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]),
				   (size_t)nla_len(tb[NLMSGERR_ATTR_MSG]));

		if (n >= msglen)
			n = msglen - 1;
		memcpy(msg, nla_data(tb[NLMSGERR_ATTR_MSG]), n);
		msg[n] = '\0';
	}
	return 0;
}
