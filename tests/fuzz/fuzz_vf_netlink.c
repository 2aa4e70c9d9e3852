// SPDX-License-Identifier: GPL-2.0-only
/*
 * rtnetlink replies as sriov/vf_nlmsg.c parses them (vf_nl_parse_link,
 * vf_nl_parse_error) on any bytes. The kernel is trusted, but the parser
 * promises never to read outside [h, h + len) whatever the message says
 * (the input is a heap block of exactly len bytes, so ASan holds it to
 * that), and a message it accepts has a sane shape: NUL-terminated names,
 * VF entries that fit, an errno that is one.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include "sriov/vf_netlink.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vf_pf pf = { 0 };
	struct errbuf eb = { "" };
	char msg[64];
	uint8_t *buf;
	int ret, err;

	if (size < 1)
		return 0;
	/* The first byte picks the parser; the rest is the message. */
	size--;
	buf = malloc(size ? size : 1);
	FUZZ_CHECK(buf);
	memcpy(buf, data + 1, size);
	if (data[0] & 1) {
		memset(msg, 'x', sizeof(msg));
		ret = vf_nl_parse_error((const struct nlmsghdr *)buf, size, &err,
					msg, data[0] & 2 ? sizeof(msg) : 1);
		FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
		if (!ret) {
			FUZZ_CHECK(err <= 0);
			FUZZ_CHECK(memchr(msg, '\0', data[0] & 2 ? sizeof(msg) : 1));
		}
	} else {
		ret = vf_nl_parse_link((const struct nlmsghdr *)buf, size, &pf, &eb);
		if (ret) {
			FUZZ_CHECK(ret < 0 && eb.msg[0]);
		} else {
			FUZZ_CHECK(memchr(pf.ifname, '\0', sizeof(pf.ifname)));
			FUZZ_CHECK(!pf.n || pf.vfs);
			for (size_t i = 0; i < pf.n; i++) {
				FUZZ_CHECK(pf.vfs[i].vf >= 0);
				FUZZ_CHECK(!(pf.vfs[i].known & ~VF_FIELD_ALL));
			}
		}
		vf_pf_free(&pf);
	}
	free(buf);
	return 0;
}
