// SPDX-License-Identifier: GPL-2.0-only
/*
 * VF settings over rtnetlink: read a PF's VFs (RTM_GETLINK with
 * RTEXT_FILTER_VF) and change them (RTM_SETLINK IFLA_VFINFO_LIST), as
 * `ip link set PF vf N ...` does. Messages are built and replies parsed in
 * vf_nlmsg.c (vf_netlink.h), without a socket, so that they are unit tested
 * byte for byte; this file sends and receives them, retries a busy driver,
 * and finds a PF's interface in sysfs.
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

void vf_field_format(unsigned int field, const struct vf_settings *s,
		     char *buf, size_t len)
{
	if (!(s->known & field)) {
		snprintf(buf, len, "?");
		return;
	}
	switch (field) {
	case VF_FIELD_MAC:
		mac_format(s->mac, buf);
		break;
	case VF_FIELD_VLAN:
		snprintf(buf, len, "%u qos %u proto %s", s->vlan, s->qos,
			 vf_vlan_proto_name(s->vlan_proto));
		break;
	case VF_FIELD_SPOOFCHK:
		snprintf(buf, len, "%s", s->spoofchk ? "on" : "off");
		break;
	case VF_FIELD_TRUST:
		snprintf(buf, len, "%s", s->trust ? "on" : "off");
		break;
	case VF_FIELD_LINK_STATE:
		snprintf(buf, len, "%s", vf_link_state_name(s->link_state));
		break;
	case VF_FIELD_MIN_RATE:
		snprintf(buf, len, "%u", s->min_tx_rate);
		break;
	default:
		snprintf(buf, len, "%u", s->max_tx_rate);
		break;
	}
}

/* "vlan 5 qos 0 proto 802.1Q"; both rates go in one kernel attribute. */
static void describe_value(unsigned int field, const struct vf_settings *s,
			   char *buf, size_t len)
{
	struct vf_settings all = *s;
	char v[40], min[12], max[12];

	all.known = VF_FIELD_ALL;
	if (field & (VF_FIELD_MIN_RATE | VF_FIELD_MAX_RATE)) {
		vf_field_format(VF_FIELD_MIN_RATE, &all, min, sizeof(min));
		vf_field_format(VF_FIELD_MAX_RATE, &all, max, sizeof(max));
		snprintf(buf, len, "min-rate %s max-rate %s", min, max);
		return;
	}
	vf_field_format(field, &all, v, sizeof(v));
	snprintf(buf, len, "%s %s", vf_field_name(field), v);
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
	char val[64], done[160], ext[300] = "";
	int err = rep->error;

	describe_value(field, s, val, sizeof(val));
	fields_list(changed, done, sizeof(done));
	if (rep->ext[0])
		snprintf(ext, sizeof(ext), " (kernel: %s)", rep->ext);
	if (changed)
		snprintf(done + strlen(done), sizeof(done) - strlen(done),
			 " changed and could not be put back ('iopass vf restore')");
	else
		snprintf(done, sizeof(done), "nothing was changed");
	if (err == -EOPNOTSUPP)
		return errbuf_set(eb, err,
				  "the driver of %s does not support setting %s on VFs%s%s%s",
				  pf->ifname, what, ext, "; ", done);
	if (err == -EPROTONOSUPPORT)
		return errbuf_set(eb, err,
				  "the driver of %s does not support VLAN protocol %s on VFs%s%s%s",
				  pf->ifname, vf_vlan_proto_name(s->vlan_proto), ext,
				  "; ", done);
	if (err == -EINVAL)
		return errbuf_set(eb, err,
				  "the driver of %s refused '%s' for VF %d: it does not support setting %s on VFs, or not to this value%s%s%s",
				  pf->ifname, val, vf, what, ext, "; ", done);
	if (err == -EPERM || err == -EACCES)
		return errbuf_set(eb, err,
				  "not allowed to change VF settings of %s: run as root (CAP_NET_ADMIN)",
				  pf->ifname);
	if (err == -EBUSY)
		return errbuf_set(eb, err,
				  "VF %d of %s stayed busy (EBUSY) through %d tries while setting %s; the VF may be resetting: try again%s%s%s",
				  vf, pf->ifname, VF_BUSY_TRIES, what, ext,
				  "; ", done);
	return errbuf_set(eb, err, "cannot set '%s' on VF %d of %s: %s%s%s%s",
			  val, vf, pf->ifname, strerror(-err), ext,
			  "; ", done);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* One field of VF vf to s's value, retried while the VF is busy. */
static int set_one(struct nl_sock *sk, const struct vf_pf *pf, int vf, unsigned int f,
		   const struct vf_settings *s, struct nl_reply *rep, struct errbuf *eb)
{
	struct nl_msg *msg;
	int ret;

	rep->error = 0;
	ret = vf_nl_build_setvf(pf->ifindex, vf, f, s, &msg);
	if (ret)
		return errbuf_set(eb, ret, "out of memory for a netlink message");
	for (int try = 0; try < VF_BUSY_TRIES; try++) {
		if (try)
			sleep_ms(VF_BUSY_FIRST_MS << (try - 1));
		ret = nl_transact(sk, msg, rep, eb);
		if (ret || rep->error != -EBUSY)
			break;
	}
	nlmsg_free(msg);
	return ret;
}

int vf_apply(const struct vf_pf *pf, int vf, const struct vf_settings *want,
	     unsigned int mask, unsigned int *changed, struct errbuf *eb)
{
	const struct vf_settings *cur;
	struct vf_settings next;
	struct nl_reply rep = { .error = 0 };
	unsigned int diff, done = 0, f = 0;
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
	for (f = 1; f & VF_FIELD_ALL; f <<= 1) {
		if (!(diff & f) || (f == VF_FIELD_MAX_RATE && (diff & VF_FIELD_MIN_RATE)))
			continue;
		ret = set_one(sk, pf, vf, f, &next, &rep, eb);
		if (ret || rep.error)
			break;
		done |= f;
		if (f == VF_FIELD_MIN_RATE)
			done |= diff & VF_FIELD_MAX_RATE;
	}
	/*
	 * A driver that refuses one field (igb: link state, 802.1ad, a minimum
	 * rate) must not leave the VF half changed: the fields set before it
	 * go back to what they were, so a refused command changed nothing.
	 */
	if ((ret || rep.error) && done) {
		struct vf_settings back = *cur;
		struct nl_reply brep;

		back.vf = vf;
		for (unsigned int b = 1; b & VF_FIELD_ALL; b <<= 1) {
			if (!(done & b) || (b == VF_FIELD_MAX_RATE && (done & VF_FIELD_MIN_RATE)))
				continue;
			if (!set_one(sk, pf, vf, b, &back, &brep, NULL) && !brep.error)
				done &= ~(b == VF_FIELD_MIN_RATE ? b | VF_FIELD_MAX_RATE : b);
		}
	}
	if (!ret && rep.error)
		ret = set_error(pf, vf, f, &next, &rep, done, eb);
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
