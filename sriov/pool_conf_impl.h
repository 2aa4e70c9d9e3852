/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sriov/ internal: the pool configuration parser, split in two ideas: the
 * file's structure (lines, sections, keys, lists, errors: pool_conf.c) and
 * the values of each key (pool_items.c).
 */
#ifndef IOPASS_SRIOV_POOL_CONF_IMPL_H
#define IOPASS_SRIOV_POOL_CONF_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "iopass/sriov.h"

#define CONF_LINE_MAX	4096		/* bytes, without the newline */

enum key_kind {
	KIND_LIST,	/* comma separated values; the key may repeat */
	KIND_REPEAT,	/* one value a line; the key may repeat */
	KIND_ONCE,	/* one value, set once per pool */
};

enum key_id {
	K_VENDOR, K_DEVICE, K_ADDRESS, K_DRIVER, K_CLASS, K_PF, K_VFS_ONLY,
	K_MAC, K_VLAN, K_QOS, K_VLAN_PROTO, K_SPOOFCHK, K_TRUST, K_STATE,
	K_MAX_TX_RATE, K_MIN_TX_RATE, K_COUNT,
};

struct parser;
typedef int (*item_fn)(struct parser *p, const char *s, size_t col);

struct key {
	const char *name;
	enum key_kind kind;
	item_fn parse;
};

struct parser {
	const char *fname;
	struct errbuf *eb;
	struct pool_conf *conf;
	struct pool *cur;		/* NULL before the first section */
	size_t cur_col;			/* of cur's '[' */
	unsigned int line;
	const struct key *key;		/* the key being parsed */
	unsigned int key_line[K_COUNT];	/* where cur set each key; 0: unset */
	size_t key_col[K_COUNT];
	char buf[CONF_LINE_MAX + 1];
};

/* pool_items.c: every key, in enum key_id order. */
extern const struct key pool_conf_keys[K_COUNT];

/* pool_conf.c */
/*
 * "FNAME:LINE:COL: message" (col 0-based in the line, printed from 1) in
 * the errbuf; returns -EINVAL.
 */
int conf_perr(struct parser *p, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* " (did you mean 'x'?)" for the closest of n names, or "". */
void conf_suggest(const char *word, const char *const *names, size_t n,
		  char *out, size_t len);
/*
 * Splits s in place at commas and calls fn on each item, blanks trimmed,
 * with its column; an empty item is an error saying empty_msg.
 */
typedef int (*conf_item_fn)(struct parser *p, char *item, size_t col,
			    void *arg);
int conf_split_list(struct parser *p, char *s, size_t col, conf_item_fn fn,
		    void *arg, const char *empty_msg);

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

#endif
