/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu/: DMA remapping. IOMMU groups from sysfs and their viability (first
 * part); the DMA domain that devices are attached to and guest RAM is mapped
 * into, with a VFIO type1 and an iommufd backend (second part).
 */
#ifndef IOPASS_IOMMU_H
#define IOPASS_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/util.h"

/* True when the kernel has an IOMMU with groups (/sys/kernel/iommu_groups). */
bool iommu_present(const char *sysfs);

/* The device's group number, or -ENOENT when it has none (no IOMMU). */
int iommu_group_of(const char *sysfs, const struct pci_addr *addr);

/*
 * Every PCI function in a group, sorted by address. *devs is malloc'd (free
 * it); non-PCI members (rare) are skipped.
 */
int iommu_group_devices(const char *sysfs, int group, struct pci_addr **devs,
			size_t *n);

/*
 * Group viability: a group can be handed to a VM only whole, and only when
 * every member is bound to vfio-pci, has no driver, or is a PCI bridge (the
 * kernel's own rule for VFIO). iommu_group_check() fills info and returns 0
 * when viable; -EBUSY with a message naming every offending device and its
 * driver when not; -ENOENT when the group does not exist.
 */
struct iommu_group_member {
	struct pci_addr addr;
	char bdf[PCI_ADDR_STRLEN];
	char driver[64];	/* "" when none */
	uint32_t class;
	bool ok;		/* vfio-pci, no driver, or a bridge */
};

struct iommu_group_info {
	int id;
	bool viable;
	size_t n;
	struct iommu_group_member *members;	/* free() */
};

int iommu_group_check(const char *sysfs, int group, struct iommu_group_info *info,
		      struct errbuf *eb);
struct json_object;
/* `iopass groups --json`: { group, viable, devices: [{ bdf, driver, class, ok }] } */
struct json_object *iommu_group_json(const struct iommu_group_info *g);

/* Every group number on this host, sorted. *ids is malloc'd. */
int iommu_group_list(const char *sysfs, int **ids, size_t *n);

/* ====================================================================
 * DMA domain
 * ==================================================================== */

/*
 * One DMA address space shared by every device assigned to one VM: guest RAM
 * is mapped at IOVA = guest-physical address, so a device's DMA reaches that
 * VM's RAM and nothing else. Two backends behind one ops table:
 *   type1    /dev/vfio/vfio container + group fds (VFIO_TYPE1v2_IOMMU when
 *            offered, else VFIO_TYPE1_IOMMU);
 *   iommufd  /dev/iommu IOAS + /dev/vfio/devices/vfioN cdevs (compiled in
 *            when the kernel headers have it: IOPASS_HAVE_IOMMUFD).
 */
enum iommu_backend {
	IOMMU_BACKEND_AUTO,	/* iommufd when /dev/iommu exists, else type1 */
	IOMMU_BACKEND_TYPE1,
	IOMMU_BACKEND_IOMMUFD,
};

/* An inclusive IOVA range [start, last]. */
struct iova_range {
	uint64_t start;
	uint64_t last;
};

struct iommu_domain;

struct iommu_domain_ops {
	const char *name;	/* "vfio-type1", "iommufd" */
	int (*open)(struct iommu_domain *d, struct errbuf *eb);
	/*
	 * Opens one device for VFIO device ioctls: type1 opens its group,
	 * checks VIABLE, adds it to the container (the first group also sets
	 * the IOMMU type and reads ranges and page sizes), then
	 * VFIO_GROUP_GET_DEVICE_FD with "BDF" or "BDF vf_token=UUID";
	 * iommufd opens the device's cdev, binds it and attaches it to the
	 * IOAS.
	 */
	int (*device_open)(struct iommu_domain *d, const struct pci_addr *addr,
			   int group, const char *vf_token, int *devfd,
			   struct errbuf *eb);
	void (*device_close)(struct iommu_domain *d,
			     const struct pci_addr *addr, int devfd);
	/* One map/unmap call: iova, size and hva already aligned and chunked. */
	int (*map)(struct iommu_domain *d, uint64_t iova, uint64_t size,
		   void *hva, bool writable);
	int (*unmap)(struct iommu_domain *d, uint64_t iova, uint64_t size);
	void (*close)(struct iommu_domain *d);
	/* The open group's fd (a VFIO hot reset names groups by fd); may be NULL. */
	int (*group_fd)(struct iommu_domain *d, int group);
};

struct iommu_map_stats {
	uint64_t calls;		/* map ioctls made */
	uint64_t bytes;		/* mapped now */
};

/*
 * Opens a domain. sysfs and dev are roots ("/sys", "/dev"; fake trees in
 * unit tests). -ENODEV with a message saying how to enable the IOMMU when
 * the host has none (no groups, no /dev/vfio/vfio).
 */
int iommu_domain_open(enum iommu_backend backend, const char *sysfs,
		      const char *dev, struct iommu_domain **out,
		      struct errbuf *eb);
const char *iommu_domain_backend(struct iommu_domain *d);
/*
 * The fd of a group the domain holds (type1), for VFIO_DEVICE_PCI_HOT_RESET:
 * -ENOENT when the domain does not hold it, -EOPNOTSUPP for a backend
 * without group fds.
 */
int iommu_domain_group_fd(struct iommu_domain *d, int group);
/*
 * Opens a device (see iommu_domain_ops.device_open) after checking that its
 * whole group is viable (iommu_group_check: -EBUSY names the offenders) and
 * that it is bound to vfio-pci (-EINVAL saying `iopass bind BDF` fixes it).
 */
int iommu_domain_device_open(struct iommu_domain *d,
			     const struct pci_addr *addr, const char *vf_token,
			     int *devfd, struct errbuf *eb);
void iommu_domain_device_close(struct iommu_domain *d,
			       const struct pci_addr *addr, int devfd);
/*
 * Maps [iova, iova + size) to hva for device DMA, in the largest chunks the
 * page-size bitmap allows, after checking the range lies inside the usable
 * IOVA ranges (VFIO_IOMMU_GET_INFO's IOVA-range capability minus every
 * attached group's reserved_regions). Undoes a partial map on failure.
 */
int iommu_domain_map(struct iommu_domain *d, uint64_t iova, uint64_t size,
		     void *hva, struct errbuf *eb);
int iommu_domain_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size);
/* Usable IOVA ranges (sorted, merged); valid until the next attach. */
const struct iova_range *iommu_domain_ranges(struct iommu_domain *d,
					     size_t *n);
uint64_t iommu_domain_pgsizes(struct iommu_domain *d);
void iommu_domain_stats(struct iommu_domain *d, struct iommu_map_stats *st);
/* Unmaps everything still mapped, closes devices and the domain. */
void iommu_domain_close(struct iommu_domain *d);

/*
 * The pieces of the above that are pure logic (unit-tested).
 *
 * Splits [iova, iova + size) into chunks each of which is one naturally
 * aligned page size from pgsizes, as large as possible; calls fn for each and
 * stops at the first error. Returns the number of chunks or -errno.
 */
int iommu_chunk_plan(uint64_t iova, uint64_t size, uint64_t pgsizes,
		     int (*fn)(uint64_t iova, uint64_t size, void *arg),
		     void *arg);
/*
 * Parses a group's reserved_regions file, one "0x<start> 0x<last> <type>"
 * per line, into *out (malloc'd, *n entries); -EINVAL on a malformed line.
 */
int iommu_reserved_parse(const char *text, struct iova_range **out, size_t *n);
/* Removes every sub range from *ranges (an array of *n, realloc'd). */
int iova_ranges_subtract(struct iova_range **ranges, size_t *n,
			 const struct iova_range *sub, size_t nsub);
/*
 * Sorts and merges overlapping or adjacent ranges in place (extension: the
 * backends and iova_ranges_subtract() share it).
 */
void iova_ranges_normalize(struct iova_range *r, size_t *n);
/* True when [start, start + size) lies wholly inside one range. */
bool iova_ranges_contain(const struct iova_range *r, size_t n, uint64_t start,
			 uint64_t size);
/*
 * Pinning bytes of guest RAM needs RLIMIT_MEMLOCK >= what is already locked
 * + bytes (CAP_IPC_LOCK lifts it). -ENOMEM with a message giving the needed
 * size and how to raise it (ulimit -l, LimitMEMLOCK=, limits.conf).
 * rlim: the current soft limit (RLIM_INFINITY for none); locked: bytes
 * already locked by this process (VmLck).
 */
int iommu_memlock_check(uint64_t bytes, uint64_t rlim, uint64_t locked,
			bool cap_ipc_lock, struct errbuf *eb);
/* The same with this process's real limit, VmLck and capability. */
int iommu_memlock_check_self(uint64_t bytes, struct errbuf *eb);

/*
 * Extension: walks a VFIO info capability chain (struct vfio_info_cap_header,
 * offsets from the start of the len-byte reply, starting at off) for id;
 * bounded and range-checked. NULL when absent. type1's GET_INFO and vfio/'s
 * region info share it.
 */
const void *vfio_info_cap_find(const void *buf, size_t len, uint32_t off,
			       uint16_t id);

/*
 * Extension: who holds /dev/vfio/GROUP open (the kernel lets one process
 * open a group; a second open is -EBUSY). Scans procfs (/proc/PID/fd links)
 * for another process than self; 0 with *pid and comm (its name) filled,
 * -ENOENT when none is found (no permission to look, or it just closed).
 */
int iommu_group_holder(const char *procfs, int group, int self, int *pid,
		       char *comm, size_t len);

#endif
