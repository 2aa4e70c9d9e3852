/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio/ internal: one assigned device on the VM's bus (struct vfio_pci),
 * shared by vfio_pci.c (attach/detach, BARs), vfio_pci_config.c (config
 * space virtualisation) and vfio_pci_irq.c (MSI-X, MSI, INTx).
 *
 * Locking: the bus lock (config accesses, BAR map/unmap) is taken before
 * vp->irq_lock, which is taken before the MSI-X table's lock (msix_*), so
 * the msix_ops callbacks run with irq_lock held and never take it.
 */
#ifndef IOPASS_VFIO_IMPL_H
#define IOPASS_VFIO_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "iopass/vfio.h"

#define VFIO_CFG_STD		256	/* emulated/passed through here */
#define VFIO_PAGE		4096ULL
#define VFIO_BAR_PIECES		(VFIO_SPARSE_MAX + 4)

/* A page-aligned piece of a BAR that is a KVM memory slot while mapped. */
struct vfio_piece {
	uint64_t off;
	uint64_t size;
	void *hva;
	int slot;		/* -1 when not mapped */
};

struct vfio_pci_bar {
	struct vfio_region r;
	bool io;
	unsigned int flags;	/* PCI_BAR_* as added to the bus */
	void *map[VFIO_SPARSE_MAX];	/* per area, MAP_FAILED if none */
	struct vfio_piece pieces[VFIO_BAR_PIECES];
	int npieces;
};

/* One MSI/MSI-X vector: an eventfd the device signals. */
struct vfio_vec {
	int efd;
	bool routed;		/* has a GSI route */
	bool irqfd;		/* efd is a KVM irqfd on gsi */
	bool masked;
	uint32_t gsi;
	uint64_t addr;		/* MSI (and relay): what to send */
	uint32_t data;
};

enum vfio_irq_mode { VFIO_IRQ_NONE, VFIO_IRQ_INTX, VFIO_IRQ_MSI,
		     VFIO_IRQ_MSIX };

struct vfio_pci {
	struct vm *vm;
	struct vfio_transport *t;
	struct pci_device *pci;
	uint32_t dev_flags;
	bool relay;		/* ",irq=relay": userspace injects */

	struct vfio_pci_bar bars[PCI_NUM_BARS];
	uint8_t hw_cfg[VFIO_CFG_STD];	/* as read at attach */
	bool emul[VFIO_CFG_STD];	/* byte is ours, not the device's */

	/* Expansion ROM: a read-only copy mapped while the guest enables it. */
	uint8_t *rom;
	uint64_t rom_size;	/* guest BAR size (power of two >= 4K) */
	int rom_slot;
	uint64_t rom_addr;

	pthread_mutex_t irq_lock;
	enum vfio_irq_mode mode;
	struct vfio_vec *vecs;
	uint32_t nvecs;		/* max(MSI-X table size, MSI vectors) */

	int msi_cap;		/* 0: none */
	bool msi_64, msi_pvm;
	uint32_t msi_max;	/* vectors the device can do */
	uint32_t msi_on;	/* vectors enabled now */
	uint32_t msi_pending;

	int msix_cap;
	uint32_t msix_nvec;
	int msix_table_bar, msix_pba_bar;
	uint64_t msix_table_off, msix_pba_off;
	struct msix *msix;

	bool intx_able;		/* pin != 0 and the device has INTx */
	bool intx_on;
	int intx_efd, intx_resample;
	uint32_t intx_gsi;

	pthread_t relay_thread;
	bool relay_running;
	int relay_epfd, relay_stop;

	/*
	 * No reset of its own: reset with a VFIO hot (bus) reset, at start
	 * and exit, since the VM has every function on its bus.
	 */
	bool bus_reset;
	char reset_note[256];	/* how it is reset, or why it is not */
};

/* The kernel VFIO device fd of t, -1 for another transport. */
int vfio_kernel_fd(struct vfio_transport *t);

/*
 * vfio_bus_reset.c. After each device a VM gets: every kernel device
 * without a reset of its own whose bus's functions the VM now all has is
 * reset with VFIO_DEVICE_PCI_HOT_RESET (marked bus_reset); the others get
 * a note saying what would make it possible. A hot reset that fails is an
 * error (the device may hold its last user's state). At exit, the marked
 * devices' buses are reset again, before any device is closed.
 */
int vfio_bus_reset_plan(struct vfio_pci **devs, size_t n, struct iommu_domain *dom,
			struct errbuf *eb);
int vfio_bus_reset_exit(struct vfio_pci **devs, size_t n, struct iommu_domain *dom,
			struct errbuf *eb);

/*
 * vfio_pci.c, in the order attach uses them; unit tests build a device on
 * a bus of their own with the same steps. vfio_device_setup() resets the
 * device and learns its INTx; vfio_pci_build() virtualises config space,
 * sets up BARs and interrupts and registers pci (made with
 * vfio_pci_dev_ops and vp as opaque); vfio_pci_free() undoes all but the
 * bus device.
 */
extern const struct pci_device_ops vfio_pci_dev_ops;
struct vfio_pci *vfio_pci_alloc(struct vm *vm, struct vfio_transport *t,
				const struct vfio_pci_opts *opts);
int vfio_device_setup(struct vfio_pci *vp, struct errbuf *eb);
int vfio_pci_build(struct vfio_pci *vp, struct pci_device *pci,
		   struct errbuf *eb);
void vfio_pci_free(struct vfio_pci *vp);

/* vfio_kernel.c: parses a VFIO_DEVICE_GET_REGION_INFO reply (pure). */
int vfio_region_info_parse(const void *buf, size_t len, struct vfio_region *r,
			   uint64_t *fd_offset);

/* vfio_pci.c: BAR pieces (mappable areas minus trapped pages), pure. */
int vfio_bar_pieces(const struct vfio_region *r,
		    const struct iova_range *holes, size_t nholes,
		    struct vfio_piece *out, int max);

/* vfio_pci_config.c */
int vfio_config_init(struct vfio_pci *vp, struct errbuf *eb);
void vfio_config_read(struct pci_device *dev, uint32_t off, uint32_t len,
		      uint32_t *val);
void vfio_config_write(struct pci_device *dev, uint32_t off, uint32_t len,
		       uint32_t val);
/*
 * Where the guest's ROM BAR says the ROM copy decodes now (false: nowhere);
 * vfio_rom_update() maps it there. Pure, for the config fuzzer.
 */
bool vfio_rom_wanted(struct vfio_pci *vp, uint64_t *addr);
void vfio_rom_update(struct vfio_pci *vp);

/* vfio_pci_irq.c (irq_lock held unless said otherwise) */
int vfio_irq_init(struct vfio_pci *vp, struct errbuf *eb);	/* unlocked */
void vfio_irq_exit(struct vfio_pci *vp);			/* unlocked */
void vfio_msi_update(struct vfio_pci *vp);
uint32_t vfio_msi_pending(struct vfio_pci *vp);
void vfio_msix_control(struct vfio_pci *vp, bool enable, bool fmask);
void vfio_msix_pba_read(struct vfio_pci *vp, uint64_t off, uint8_t *data,
			uint32_t len);
int vfio_intx_enable(struct vfio_pci *vp);
void vfio_intx_disable(struct vfio_pci *vp);
/* Back to no interrupts (guest reset, detach). */
void vfio_irq_reset(struct vfio_pci *vp);

#endif
