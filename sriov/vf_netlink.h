/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sriov/ internal: rtnetlink message building and reply parsing for VF
 * settings, apart from the socket so that unit tests can check the exact
 * bytes built and feed canned (or garbage) replies without a kernel.
 */
#ifndef IOPASS_SRIOV_VF_NETLINK_H
#define IOPASS_SRIOV_VF_NETLINK_H

#include <stddef.h>

#include <netlink/msg.h>

#include "iopass/sriov.h"

/*
 * RTM_GETLINK for one interface, by name when ifname is non-NULL, else by
 * index, with IFLA_EXT_MASK = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS
 * (VF stats would make the reply of a PF with many VFs far larger).
 */
int vf_nl_build_getlink(const char *ifname, int ifindex, struct nl_msg **out);

/*
 * RTM_SETLINK ifindex: IFLA_VFINFO_LIST { IFLA_VF_INFO { one attribute } }
 * setting the one field (a single VF_FIELD_* bit; VF_FIELD_MIN_RATE and
 * VF_FIELD_MAX_RATE both build IFLA_VF_RATE with both of s's rates) to its
 * value in s. VLAN protocol 802.1Q uses IFLA_VF_VLAN, which every driver
 * takes; 802.1ad needs IFLA_VF_VLAN_LIST.
 */
int vf_nl_build_setvf(int ifindex, int vf, unsigned int field,
		      const struct vf_settings *s, struct nl_msg **out);

/*
 * Parses one RTM_NEWLINK message (h, with len bytes readable from h) into
 * pf. Never reads outside [h, h + len): a truncated message or a malformed
 * attribute is -EBADMSG with a message. Values a driver does not report
 * (spoofchk/trust of -1, a missing attribute) are left out of ->known.
 */
int vf_nl_parse_link(const struct nlmsghdr *h, size_t len, struct vf_pf *pf,
		     struct errbuf *eb);

/*
 * One NLMSG_ERROR message: *error := its (negative or 0) errno, msg := the
 * extended ack text (NLMSGERR_ATTR_MSG) or "". -EBADMSG when malformed.
 */
int vf_nl_parse_error(const struct nlmsghdr *h, size_t len, int *error,
		      char *msg, size_t msglen);

#endif
