/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state directory: records that outlive one iopass process (leases,
 * saved VF settings, original drivers). $IOPASS_STATE_DIR or /run/iopass.
 * Every record is written whole (temp file + fsync + rename) so a crash or
 * a full disk never leaves half a record; ownership is an flock on a
 * record's lock file, so a dead owner is detected without trusting a pid.
 *
 * Every directory of the tree must be owned by the caller or root and
 * writable by neither group nor others (-EPERM, with the fix, otherwise);
 * no symlink is followed below the state directory itself; temporaries
 * have unpredictable names and are created O_EXCL; records and locks are
 * 0600. rel names ("leases/X.json") never hold "..".
 */
#ifndef IOPASS_STATE_H
#define IOPASS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "iopass/util.h"

const char *state_default_dir(void);

/* Creates dir/sub (and dir) when missing; says how to fix a read-only one. */
int state_mkdir(const char *dir, const char *sub, struct errbuf *eb);

/* Checks dir (sub NULL) or dir/sub, as every call here does. */
int state_check(const char *dir, const char *sub, struct errbuf *eb);

/*
 * openat() of dir/name in checked directories, O_NOFOLLOW|O_CLOEXEC added:
 * fd or -errno (-ENOENT silently when not creating).
 */
int state_open(const char *dir, const char *name, int flags, mode_t mode,
	       struct errbuf *eb);

/* dir/name := content, atomically; 0600. */
int state_write(const char *dir, const char *name, const char *content,
		struct errbuf *eb);

/*
 * path := content (len bytes) the same way, for files outside the state
 * directory (the pools file, a textfile collector's file): readers see the
 * old file or the new one, never a part.
 */
int file_write_atomic(const char *path, const char *content, size_t len,
		      struct errbuf *eb);

/* *content := dir/name, malloc'd and NUL-terminated; -ENOENT when absent. */
int state_read(const char *dir, const char *name, char **content,
	       struct errbuf *eb);

int state_remove(const char *dir, const char *name);

/*
 * Locks: state_lock() takes an exclusive flock on dir/name (created when
 * missing) and returns the fd (>= 0) that holds it; -EWOULDBLOCK when another
 * live process holds it. state_lock_held() asks without keeping the lock
 * (true for a lock the caller may not open: not its to call free).
 */
int state_lock(const char *dir, const char *name, bool wait, struct errbuf *eb);
/* Removes the lock file fd holds, then lets go: nothing is left behind. */
void state_unlock(const char *dir, const char *name, int fd);
bool state_lock_held(const char *dir, const char *name);

/* Names (not paths) of the entries of dir/sub ending in suffix, sorted. */
int state_list(const char *dir, const char *sub, const char *suffix,
	       char ***names, size_t *n);
void state_list_free(char **names, size_t n);

#endif
