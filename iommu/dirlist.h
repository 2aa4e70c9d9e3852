/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu/ internal: the entries of a sysfs directory that parse as elements
 * (a group id, a PCI address), collected into a sorted malloc'd array.
 */
#ifndef IOPASS_IOMMU_DIRLIST_H
#define IOPASS_IOMMU_DIRLIST_H

#include <stdbool.h>
#include <stddef.h>

/* Fills *elem from an entry name; false skips the entry. */
typedef bool (*dirlist_parse_fn)(const char *name, void *elem);

/*
 * *out: every parsed entry, sorted with cmp; free() it (NULL when none).
 * -errno when the directory cannot be read (opendir's errno) or -ENOMEM.
 */
int dirlist_collect(const char *path, size_t elem_size, dirlist_parse_fn parse,
		    int (*cmp)(const void *, const void *), void **out,
		    size_t *n);

#endif
