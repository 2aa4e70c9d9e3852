/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers every module shares: an error message buffer that libraries fill
 * and only the CLI prints, sysfs file access under a configurable root (so
 * unit tests can point it at a fake tree), PCI address and MAC parsing, and
 * UNIX stream sockets.
 */
#ifndef IOPASS_UTIL_H
#define IOPASS_UTIL_H

#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Libraries return 0 or -errno and, on error, say what was wrong and what to
 * do about it here. A NULL errbuf is allowed: the message is dropped.
 */
struct errbuf {
	char msg[1024];
};

int errbuf_set(struct errbuf *eb, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void errbuf_clear(struct errbuf *eb);

/*
 * s is a decimal number from min to max, digits only (no blanks, no sign):
 * 0 and *out, -EINVAL (not a number), -ERANGE (outside min..max).
 */
int num_parse(const char *s, unsigned long long min, unsigned long long max,
	      unsigned long long *out);

/*
 * A sysfs CPU list ("0-3,8,10-11", a newline allowed at its end; "" is no
 * CPU) into set: -EINVAL on garbage, -ERANGE past CPU_SETSIZE or for a
 * range going down.
 */
int cpulist_parse(const char *s, cpu_set_t *set);

/*
 * Input printed back (in an error message): s with backslash, control
 * characters and non-ASCII bytes escaped (\n, \t, \r, \xHH), cut with
 * "..." to fit len. Returns buf.
 */
const char *str_escape(const char *s, char *buf, size_t len);
#define STR_ESC_MAX	160	/* a buffer for str_escape() of a name */
/* 1..max printable ASCII characters (blanks allowed), nothing else. */
bool str_printable(const char *s, size_t max);
/*
 * A kernel driver's (or module's) name: 1..max of letters, digits, '_' and
 * '-', not starting with '-' (so it can never be taken for an option).
 */
bool str_name_valid(const char *s, size_t max);

/*
 * A message line: fmt formatted into buf, its control characters (a
 * newline from refused input) escaped so that it stays one line; only a
 * newline followed by two blanks (an indented continuation, such as a
 * switch's log tail) is kept.
 */
void str_vline(char *buf, size_t len, const char *fmt, va_list ap);

/*
 * The first of names (long options without "--", NULL-terminated) given
 * more than once in argv[1..] before "--" (as "--name", "--name=V" or a
 * prefix getopt_long would take), or NULL.
 */
const char *opt_repeated(int argc, char *const argv[], const char *const names[]);

/* How many of s[0..len) are valid UTF-8 (len when all are). */
size_t utf8_valid_len(const char *s, size_t len);

/* The value of a hex digit, or -1. */
int hex_digit(char c);

/*
 * "52:54:00:12:34:56": exactly len = 17 characters, hex digits in either
 * case. -EINVAL (mac untouched) otherwise; says nothing of unicast.
 */
int mac_parse(const char *s, size_t len, uint8_t mac[6]);
/* "52:54:00:12:34:56" (lower case, NUL-terminated) into buf. */
void mac_format(const uint8_t mac[6], char buf[18]);

/* "DDDD:BB:DD.F" (domain optional on input, always printed). */
struct pci_addr {
	uint16_t domain;
	uint8_t bus;
	uint8_t dev;
	uint8_t fn;
};

#define PCI_ADDR_STRLEN 13	/* "0000:00:00.0" + NUL */

int pci_addr_parse(const char *s, struct pci_addr *addr);
void pci_addr_format(const struct pci_addr *addr, char buf[PCI_ADDR_STRLEN]);
int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b);

/*
 * sysfs access. Every path is relative to a root: "/sys" on a host, a temp
 * directory in unit tests. Reads strip the trailing newline.
 */
const char *sysfs_default_root(void);	/* $IOPASS_SYSFS_ROOT or "/sys" */
int sysfs_read_str(const char *root, const char *rel, char *buf, size_t len);
int sysfs_read_u64(const char *root, const char *rel, int base, uint64_t *val);
int sysfs_read_s64(const char *root, const char *rel, int64_t *val);
/* The last path component of a symlink's target ("vfio-pci", "12"). */
int sysfs_link_base(const char *root, const char *rel, char *buf, size_t len);
int sysfs_write_str(const char *root, const char *rel, const char *val);
bool sysfs_exists(const char *root, const char *rel);

/* procfs root: $IOPASS_PROCFS_ROOT or "/proc" (fake trees in unit tests). */
const char *procfs_default_root(void);

/*
 * UNIX stream sockets (util/usock.c): what every client and server of
 * iopass's sockets shares (vhost-user, vfio-user, iopass-switch's and a VM's
 * control sockets). Deadlines are CLOCK_MONOTONIC milliseconds (now_ms());
 * descriptors travel as SCM_RIGHTS with a message's first byte; nothing
 * raises SIGPIPE. Errors are -errno without a message: the caller knows
 * what it was talking to and says so.
 */
#define USOCK_FDS_MAX	16	/* descriptors one message may carry */

/* CLOCK_MONOTONIC in milliseconds: what deadlines are measured in. */
int64_t now_ms(void);

/*
 * A SOCK_STREAM | SOCK_CLOEXEC socket (blocking) connected to path, >= 0.
 * A listener whose backlog is full is retried until timeout_ms. -ENAMETOOLONG
 * (path longer than sun_path allows), -ENOENT (no socket there),
 * -ECONNREFUSED (nobody listens), -ETIMEDOUT, -errno.
 */
int usock_connect(const char *path, int timeout_ms);
/*
 * A listening SOCK_STREAM | SOCK_CLOEXEC | flags socket bound at path (which
 * must not exist), its file mode exactly mode whatever the umask: >= 0 or
 * -errno.
 */
int usock_listen(const char *path, mode_t mode, int backlog, int flags);
/* SO_PEERCRED: the uid of the process at the other end. */
int usock_peer_uid(int fd, uid_t *uid);
/*
 * Whether the peer may control what listens here: root or the listener's
 * own uid (*uid: the peer's, (uid_t)-1 when unknown).
 */
bool usock_peer_trusted(int fd, uid_t *uid);
/*
 * All of buf[0..len); fds (nfds <= USOCK_FDS_MAX) go with its first byte.
 * Waits for room until deadline, on a blocking socket too. 0, -ETIMEDOUT,
 * -EPIPE/-ECONNRESET (the peer is gone), -errno.
 */
int usock_send(int fd, const void *buf, size_t len, const int *fds,
	       unsigned int nfds, int64_t deadline);
/*
 * Exactly len bytes by deadline. Descriptors that come with them are added
 * to fds[*nfds..maxfds) (the caller owns them, on error too; fds and nfds
 * may be NULL when maxfds is 0); more than maxfds, or a set the kernel
 * truncated, is -EMSGSIZE (the extra ones closed). 0, -ECONNRESET (end of
 * file first), -ETIMEDOUT, -errno.
 */
int usock_recv(int fd, void *buf, size_t len, int *fds, unsigned int *nfds,
	       unsigned int maxfds, int64_t deadline);

/*
 * A program's log, made readable for an error message: identical lines
 * folded into their first one with a count (a DPDK program that fails
 * prints some EAL lines dozens of times), the last max_lines of them kept,
 * and the lines that begin with last_prefix (the program's own error) put
 * after them, last. The text holds no NULs; a missing last newline is fine.
 * Returns a malloc'd string of "\n"-ended lines, each indented by indent
 * (empty for an empty log), or NULL when out of memory.
 */
char *log_fold(const char *text, size_t len, unsigned int max_lines,
	       const char *last_prefix, const char *indent);

/*
 * The Prometheus text exposition format (version 0.0.4), for iopass metrics
 * and iopass-switch's /metrics: a growing buffer of families, each a HELP and
 * a TYPE line followed by its samples. Label values are escaped (\\, \",
 * \n); names must already be valid ([a-zA-Z_:][a-zA-Z0-9_:]*). Out of
 * memory sticks: prom->oom, and nothing more is added.
 */
struct prom {
	char *buf;
	size_t len;
	size_t cap;
	bool oom;
};

/* type: "counter" or "gauge". Every sample of a family follows its header. */
void prom_family(struct prom *p, const char *name, const char *type,
		 const char *help);
/* name{k1="v1",...} value; the labels are NULL-terminated key, value pairs. */
void prom_sample(struct prom *p, const char *name, uint64_t value, ...)
	__attribute__((sentinel));
void prom_free(struct prom *p);

#endif
