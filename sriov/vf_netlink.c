// SPDX-License-Identifier: GPL-2.0-only
/*
 * VF settings over rtnetlink: read a PF's VFs (RTM_GETLINK with
 * RTEXT_FILTER_VF) and change them (RTM_SETLINK IFLA_VFINFO_LIST), as
 * `ip link set PF vf N ...` does. Messages are built and replies parsed by
 * functions that do not touch a socket (vf_netlink.h) so that they are unit
 * tested byte for byte; the socket part only sends and receives.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "vf_netlink.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Some drivers answer EBUSY while a VF resets: a bounded retry. */
#define VF_BUSY_TRIES		6
#define VF_BUSY_FIRST_MS	25
#define VF_NL_TIMEOUT_S		30

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

static int put_vf_attr(struct nl_msg *msg, int vf, unsigned int field,
		       const struct vf_settings *s)
{
	switch (field) {
	case VF_FIELD_MAC: {
		struct ifla_vf_mac m = { .vf = (__u32)vf };

		memcpy(m.mac, s->mac, VF_MAC_LEN);
		return nla_put(msg, IFLA_VF_MAC, sizeof(m), &m);
	}
	case VF_FIELD_VLAN:
		if (s->vlan_proto == VF_VLAN_8021Q) {
			struct ifla_vf_vlan v = {
				.vf = (__u32)vf, .vlan = s->vlan, .qos = s->qos,
			};

			return nla_put(msg, IFLA_VF_VLAN, sizeof(v), &v);
		} else {
			struct ifla_vf_vlan_info v = {
				.vf = (__u32)vf, .vlan = s->vlan, .qos = s->qos,
				.vlan_proto = htons(ETH_P_8021AD),
			};
			struct nlattr *list;

			list = nla_nest_start(msg, IFLA_VF_VLAN_LIST);
			if (!list || nla_put(msg, IFLA_VF_VLAN_INFO, sizeof(v), &v))
				return -NLE_NOMEM;
			return nla_nest_end(msg, list);
		}
	case VF_FIELD_MIN_RATE:
	case VF_FIELD_MAX_RATE: {
		struct ifla_vf_rate r = {
			.vf = (__u32)vf, .min_tx_rate = s->min_tx_rate,
			.max_tx_rate = s->max_tx_rate,
		};

		return nla_put(msg, IFLA_VF_RATE, sizeof(r), &r);
	}
	case VF_FIELD_SPOOFCHK: {
		struct ifla_vf_spoofchk c = { .vf = (__u32)vf, .setting = s->spoofchk };

		return nla_put(msg, IFLA_VF_SPOOFCHK, sizeof(c), &c);
	}
	case VF_FIELD_TRUST: {
		struct ifla_vf_trust t = { .vf = (__u32)vf, .setting = s->trust };

		return nla_put(msg, IFLA_VF_TRUST, sizeof(t), &t);
	}
	case VF_FIELD_LINK_STATE: {
		struct ifla_vf_link_state l = {
			.vf = (__u32)vf, .link_state = (__u32)s->link_state,
		};

		return nla_put(msg, IFLA_VF_LINK_STATE, sizeof(l), &l);
	}
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

/* -------------------------------------------------------------- socket */

struct nl_reply {
	int error;		/* the request's NLMSG_ERROR, 0 for an ACK */
	char ext[256];		/* the kernel's extended ack message */
	bool have_link;
	struct vf_pf link;
};

static int nl_open(struct nl_sock **out, struct errbuf *eb)
{
	struct timeval tmo = { .tv_sec = VF_NL_TIMEOUT_S };
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, ret;

	if (!sk)
		return errbuf_set(eb, -ENOMEM, "out of memory for a netlink socket");
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (ret) {
		nl_socket_free(sk);
		return errbuf_set(eb, -EIO, "cannot open an rtnetlink socket: %s",
				  nl_geterror(ret));
	}
	/*
	 * The GETLINK reply of a PF with many VFs is larger than any fixed
	 * buffer: peek at each datagram's size and receive it whole.
	 */
	nl_socket_enable_msg_peek(sk);
	/* Drivers explain refusals in the extended ack: ask for it. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	/* A driver resetting a VF may take seconds, but never forever. */
	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	*out = sk;
	return 0;
}

/* Sends msg and reads until its NLMSG_ERROR (error or ACK) arrives. */
static int nl_transact(struct nl_sock *sk, struct nl_msg *msg,
		       struct nl_reply *rep, struct errbuf *eb)
{
	uint32_t seq;
	int ret;

	memset(rep, 0, sizeof(*rep));
	ret = nl_send_auto(sk, msg);
	if (ret < 0)
		return errbuf_set(eb, -EIO, "cannot send to rtnetlink: %s",
				  nl_geterror(ret));
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	for (;;) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		struct nlmsghdr *h;
		int n;

		n = nl_recv(sk, &peer, &buf, NULL);
		if (n <= 0) {
			free(buf);
			if (!n)
				return errbuf_set(eb, -ETIMEDOUT,
						  "no answer from the kernel's rtnetlink within %d s",
						  VF_NL_TIMEOUT_S);
			return errbuf_set(eb, -EIO, "cannot read from rtnetlink: %s",
					  nl_geterror(n));
		}
		if (peer.nl_pid != 0) {		/* not the kernel */
			free(buf);
			continue;
		}
		for (h = (struct nlmsghdr *)buf; nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				ret = vf_nl_parse_error(h, (size_t)n, &rep->error,
							rep->ext, sizeof(rep->ext));
				free(buf);
				if (ret)
					return errbuf_set(eb, ret,
							  "malformed netlink error message from the kernel");
				return 0;
			}
			if (h->nlmsg_type == RTM_NEWLINK && !rep->have_link) {
				ret = vf_nl_parse_link(h, (size_t)n, &rep->link, eb);
				if (ret) {
					free(buf);
					return ret;
				}
				rep->have_link = true;
			}
		}
		free(buf);
	}
}

/* ----------------------------------------------------------------- API */

void vf_pf_free(struct vf_pf *pf)
{
	free(pf->vfs);
	pf->vfs = NULL;
	pf->n = 0;
}

const struct vf_settings *vf_pf_find(const struct vf_pf *pf, int vf)
{
	for (size_t i = 0; i < pf->n; i++)
		if (pf->vfs[i].vf == vf)
			return &pf->vfs[i];
	return NULL;
}

int vf_get_all(const char *ifname, int ifindex, struct vf_pf *pf,
	       struct errbuf *eb)
{
	const char *who = ifname ? ifname : "";
	struct nl_reply rep;
	struct nl_msg *msg;
	struct nl_sock *sk;
	char idx[24];
	int ret;

	if (!ifname) {
		snprintf(idx, sizeof(idx), "#%d", ifindex);
		who = idx;
	}
	memset(pf, 0, sizeof(*pf));
	ret = vf_nl_build_getlink(ifname, ifindex, &msg);
	if (ret == -ENAMETOOLONG || ret == -EINVAL)
		return errbuf_set(eb, -EINVAL,
				  "'%s' is not a network interface name (at most %d characters)",
				  who, VF_IFNAMSIZ - 1);
	if (ret)
		return errbuf_set(eb, ret, "out of memory for a netlink message");
	ret = nl_open(&sk, eb);
	if (ret)
		goto err_msg;
	ret = nl_transact(sk, msg, &rep, eb);
	if (ret)
		goto err_sock;
	if (rep.error == -ENODEV) {
		ret = errbuf_set(eb, -ENODEV,
				 "no network interface '%s' ('ip link' lists them)", who);
		goto err_link;
	}
	if (rep.error) {
		ret = errbuf_set(eb, rep.error, "cannot read interface %s: %s%s%s",
				 who, strerror(-rep.error), rep.ext[0] ? ": " : "",
				 rep.ext);
		goto err_link;
	}
	if (!rep.have_link) {
		ret = errbuf_set(eb, -EBADMSG,
				 "the kernel acknowledged the query of %s without describing it",
				 who);
		goto err_sock;
	}
	*pf = rep.link;
	nl_socket_free(sk);
	nlmsg_free(msg);
	return 0;

err_link:
	vf_pf_free(&rep.link);
err_sock:
	nl_socket_free(sk);
err_msg:
	nlmsg_free(msg);
	return ret;
}

int vf_check(const struct vf_pf *pf, int vf, struct errbuf *eb)
{
	if (vf < 0 || vf >= pf->num_vfs) {
		if (pf->num_vfs == 0)
			return errbuf_set(eb, -ERANGE,
					  "%s: no VF %d (the PF has 0 VFs): it is not an SR-IOV PF, or its VFs are not created yet ('iopass sriov' creates them)",
					  pf->ifname, vf);
		return errbuf_set(eb, -ERANGE,
				  "%s: no VF %d (the PF has %d VF%s, numbered 0-%d)",
				  pf->ifname, vf, pf->num_vfs,
				  pf->num_vfs == 1 ? "" : "s", pf->num_vfs - 1);
	}
	if (!vf_pf_find(pf, vf))
		return errbuf_set(eb, -ENODATA,
				  "the driver of %s does not report the settings of VF %d, so they cannot be saved before a change",
				  pf->ifname, vf);
	if (!pf->up)
		return errbuf_set(eb, -ENETDOWN,
				  "%s is down and VF settings only apply on an up PF: run 'ip link set %s up' first",
				  pf->ifname, pf->ifname);
	return 0;
}

unsigned int vf_settings_diff(const struct vf_settings *cur,
			      const struct vf_settings *want, unsigned int mask)
{
	unsigned int diff = mask & ~cur->known & VF_FIELD_ALL;

	mask &= cur->known;
	if ((mask & VF_FIELD_MAC) && memcmp(cur->mac, want->mac, VF_MAC_LEN))
		diff |= VF_FIELD_MAC;
	if ((mask & VF_FIELD_VLAN) &&
	    (cur->vlan != want->vlan || cur->qos != want->qos ||
	     cur->vlan_proto != want->vlan_proto))
		diff |= VF_FIELD_VLAN;
	if ((mask & VF_FIELD_SPOOFCHK) && cur->spoofchk != want->spoofchk)
		diff |= VF_FIELD_SPOOFCHK;
	if ((mask & VF_FIELD_TRUST) && cur->trust != want->trust)
		diff |= VF_FIELD_TRUST;
	if ((mask & VF_FIELD_LINK_STATE) && cur->link_state != want->link_state)
		diff |= VF_FIELD_LINK_STATE;
	if ((mask & VF_FIELD_MIN_RATE) && cur->min_tx_rate != want->min_tx_rate)
		diff |= VF_FIELD_MIN_RATE;
	if ((mask & VF_FIELD_MAX_RATE) && cur->max_tx_rate != want->max_tx_rate)
		diff |= VF_FIELD_MAX_RATE;
	return diff;
}

static void describe_value(unsigned int field, const struct vf_settings *s,
			   char *buf, size_t len)
{
	char mac[18];

	switch (field) {
	case VF_FIELD_MAC:
		vf_mac_format(s->mac, mac);
		snprintf(buf, len, "mac %s", mac);
		break;
	case VF_FIELD_VLAN:
		snprintf(buf, len, "vlan %u qos %u proto %s", s->vlan, s->qos,
			 vf_vlan_proto_name(s->vlan_proto));
		break;
	case VF_FIELD_SPOOFCHK:
		snprintf(buf, len, "spoofchk %s", s->spoofchk ? "on" : "off");
		break;
	case VF_FIELD_TRUST:
		snprintf(buf, len, "trust %s", s->trust ? "on" : "off");
		break;
	case VF_FIELD_LINK_STATE:
		snprintf(buf, len, "state %s", vf_link_state_name(s->link_state));
		break;
	default:
		snprintf(buf, len, "min-rate %u max-rate %u", s->min_tx_rate,
			 s->max_tx_rate);
		break;
	}
}

static void fields_list(unsigned int fields, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int f = 1; f & VF_FIELD_ALL; f <<= 1) {
		if (!(fields & f))
			continue;
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
					"%s%s", off ? ", " : "", vf_field_name(f));
		if (off >= len)
			break;
	}
}

static int set_error(const struct vf_pf *pf, int vf, unsigned int field,
		     const struct vf_settings *s, const struct nl_reply *rep,
		     unsigned int changed, struct errbuf *eb)
{
	const char *what = field & (VF_FIELD_MIN_RATE | VF_FIELD_MAX_RATE) ?
			   "tx rates" : vf_field_name(field);
	char val[64], done[96], ext[300] = "";
	int err = rep->error;

	describe_value(field, s, val, sizeof(val));
	fields_list(changed, done, sizeof(done));
	if (rep->ext[0])
		snprintf(ext, sizeof(ext), " (kernel: %s)", rep->ext);
	if (changed)
		snprintf(done + strlen(done), sizeof(done) - strlen(done),
			 " already changed");
	if (err == -EOPNOTSUPP)
		return errbuf_set(eb, err,
				  "the driver of %s does not support setting %s on VFs%s%s%s",
				  pf->ifname, what, ext, changed ? "; " : "", done);
	if (err == -EPROTONOSUPPORT)
		return errbuf_set(eb, err,
				  "the driver of %s does not support VLAN protocol %s on VFs%s%s%s",
				  pf->ifname, vf_vlan_proto_name(s->vlan_proto), ext,
				  changed ? "; " : "", done);
	if (err == -EINVAL)
		return errbuf_set(eb, err,
				  "the driver of %s refused '%s' for VF %d: it does not support setting %s on VFs, or not to this value%s%s%s",
				  pf->ifname, val, vf, what, ext, changed ? "; " : "", done);
	if (err == -EPERM || err == -EACCES)
		return errbuf_set(eb, err,
				  "not allowed to change VF settings of %s: run as root (CAP_NET_ADMIN)",
				  pf->ifname);
	if (err == -EBUSY)
		return errbuf_set(eb, err,
				  "VF %d of %s stayed busy (EBUSY) through %d tries while setting %s; the VF may be resetting: try again%s%s%s",
				  vf, pf->ifname, VF_BUSY_TRIES, what, ext,
				  changed ? "; " : "", done);
	return errbuf_set(eb, err, "cannot set '%s' on VF %d of %s: %s%s%s%s",
			  val, vf, pf->ifname, strerror(-err), ext,
			  changed ? "; " : "", done);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int vf_apply(const struct vf_pf *pf, int vf, const struct vf_settings *want,
	     unsigned int mask, unsigned int *changed, struct errbuf *eb)
{
	const struct vf_settings *cur;
	struct vf_settings next;
	unsigned int diff, done = 0;
	struct nl_sock *sk;
	int ret;

	if (changed)
		*changed = 0;
	ret = vf_check(pf, vf, eb);
	if (ret)
		return ret;
	cur = vf_pf_find(pf, vf);
	diff = vf_settings_diff(cur, want, mask);
	if (!diff)
		return 0;

	/* IFLA_VF_RATE sets both rates: the one not asked for stays. */
	next = *want;
	next.vf = vf;
	if (!(mask & VF_FIELD_MIN_RATE))
		next.min_tx_rate = cur->known & VF_FIELD_MIN_RATE ? cur->min_tx_rate : 0;
	if (!(mask & VF_FIELD_MAX_RATE))
		next.max_tx_rate = cur->known & VF_FIELD_MAX_RATE ? cur->max_tx_rate : 0;
	if ((diff & (VF_FIELD_MIN_RATE | VF_FIELD_MAX_RATE)) && next.max_tx_rate &&
	    next.min_tx_rate > next.max_tx_rate)
		return errbuf_set(eb, -EINVAL,
				  "min-rate %u would exceed max-rate %u on VF %d of %s (0 means no limit); set both",
				  next.min_tx_rate, next.max_tx_rate, vf, pf->ifname);

	ret = nl_open(&sk, eb);
	if (ret)
		return ret;
	for (unsigned int f = 1; f & VF_FIELD_ALL; f <<= 1) {
		struct nl_reply rep;
		struct nl_msg *msg;

		if (!(diff & f) || (f == VF_FIELD_MAX_RATE && (diff & VF_FIELD_MIN_RATE)))
			continue;
		ret = vf_nl_build_setvf(pf->ifindex, vf, f, &next, &msg);
		if (ret) {
			ret = errbuf_set(eb, ret, "out of memory for a netlink message");
			break;
		}
		for (int try = 0; try < VF_BUSY_TRIES; try++) {
			if (try)
				sleep_ms(VF_BUSY_FIRST_MS << (try - 1));
			ret = nl_transact(sk, msg, &rep, eb);
			if (ret || rep.error != -EBUSY)
				break;
		}
		nlmsg_free(msg);
		if (!ret && rep.error)
			ret = set_error(pf, vf, f, &next, &rep, done, eb);
		if (ret)
			break;
		done |= f;
		if (f == VF_FIELD_MIN_RATE)
			done |= diff & VF_FIELD_MAX_RATE;
	}
	nl_socket_free(sk);
	if (changed)
		*changed = done;
	return ret;
}

int vf_set(const char *ifname, int vf, const struct vf_settings *want,
	   unsigned int mask, unsigned int *changed, struct errbuf *eb)
{
	struct vf_pf pf;
	int ret;

	if (changed)
		*changed = 0;
	ret = vf_get_all(ifname, 0, &pf, eb);
	if (ret)
		return ret;
	ret = vf_apply(&pf, vf, want, mask, changed, eb);
	vf_pf_free(&pf);
	return ret;
}

/* --------------------------------------------------------------- sysfs */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vf_pf_resolve(const char *sysfs, const char *arg,
		  char ifname[VF_IFNAMSIZ], struct errbuf *eb)
{
	char bdf[PCI_ADDR_STRLEN], rel[96], path[4200], *names[64], drv[64];
	struct pci_addr addr;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!strchr(arg, ':')) {
		if (!*arg || strlen(arg) >= VF_IFNAMSIZ || strchr(arg, '/') ||
		    strpbrk(arg, " \t\n"))
			return errbuf_set(eb, -EINVAL,
					  "'%s' is neither a PCI address (like 0000:03:00.0) nor a network interface name (1-%d characters, no '/', ':' or spaces)",
					  arg, VF_IFNAMSIZ - 1);
		strcpy(ifname, arg);
		return 0;
	}
	if (pci_addr_parse(arg, &addr))
		return errbuf_set(eb, -EINVAL,
				  "malformed PCI address '%s': expected [DDDD:]BB:DD.F in hex, like 0000:03:00.0",
				  arg);
	pci_addr_format(&addr, bdf);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	if (!sysfs_exists(sysfs, rel))
		return errbuf_set(eb, -ENODEV,
				  "no PCI device %s ('iopass list' shows the devices)", bdf);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/net", sysfs, bdf);
	d = opendir(path);
	if (!d) {
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
		if (sysfs_link_base(sysfs, rel, drv, sizeof(drv)))
			strcpy(drv, "no driver");
		return errbuf_set(eb, -ENODEV,
				  "PCI device %s has no network interface (driver: %s): VF settings need the PF bound to its network driver",
				  bdf, drv);
	}
	while ((de = readdir(d)) && n < ARRAY_SIZE(names)) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= VF_IFNAMSIZ)
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (!n)
		return errbuf_set(eb, -ENODEV,
				  "PCI device %s has no network interface: VF settings need the PF bound to its network driver",
				  bdf);
	/* Several ports on one function: the first by name speaks for the PF. */
	qsort(names, n, sizeof(names[0]), name_cmp);
	strcpy(ifname, names[0]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return 0;
}

void vf_pf_key(const char *sysfs, const char *ifname, char *key, size_t len)
{
	char rel[96], dev[64];
	struct pci_addr addr;

	snprintf(rel, sizeof(rel), "class/net/%s/device", ifname);
	if (sysfs_link_base(sysfs, rel, dev, sizeof(dev))) {
		snprintf(key, len, "net-%s", ifname);
		return;
	}
	if (!pci_addr_parse(dev, &addr)) {
		char bdf[PCI_ADDR_STRLEN];

		pci_addr_format(&addr, bdf);
		snprintf(key, len, "%s", bdf);
		return;
	}
	snprintf(key, len, "%s", dev);
}
