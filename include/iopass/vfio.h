/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio/: one host (or vfio-user) PCI device driven by a guest.
 *
 * Two layers:
 *   transport  what the device is reached through: kernel VFIO (a device fd
 *              from an iommu_domain) or vfio-user (a UNIX socket to another
 *              process). One ops table, VFIO's own numbering (region and irq
 *              indexes, VFIO_REGION_INFO_FLAG_*, VFIO_IRQ_SET_*) for both.
 *   vfio_pci   the device on the VM's PCI bus: virtualised config space,
 *              BARs mmap'd into guest memory slots where the region allows
 *              it (the MSI-X table/PBA page trapped, sparse areas honoured),
 *              the rest trapped; MSI-X / MSI / INTx through KVM irqfds; reset
 *              at attach and detach; the expansion ROM read-only.
 * And an assignment set: every device of one VM, with the DMA domain they
 * share and guest RAM mapped in it (IOVA = guest-physical address).
 */
#ifndef IOPASS_VFIO_H
#define IOPASS_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iopass/iommu.h"
#include "iopass/util.h"
#include "iopass/vmm.h"

/* ---- DMA: how a device reaches guest RAM ---------------------------------
 *
 * One interface, two implementations (cloud-hypervisor's ExternalDmaMapping
 * is the model): kernel VFIO maps the VMM's own mapping of guest RAM into
 * the IOMMU domain its devices share, and the kernel pins it; vfio-user
 * hands the RAM's memfd to the server, which maps it itself. Only guest RAM
 * (vm_ram_regions()) is ever mapped, at IOVA = guest-physical address.
 */
struct vfio_dma;

struct vfio_dma_ops {
	/* r for the device's DMA at IOVA r->gpa; read-only unless writable. */
	int (*map)(struct vfio_dma *d, const struct vm_ram_region *r,
		   bool writable, struct errbuf *eb);
	int (*unmap)(struct vfio_dma *d, uint64_t iova, uint64_t size);
};

struct vfio_dma {
	const struct vfio_dma_ops *ops;
};

/* Kernel VFIO: the IOMMU domain every kernel device of one VM shares. */
struct vfio_dma_domain {
	struct vfio_dma dma;
	struct iommu_domain *dom;
};

void vfio_dma_domain_init(struct vfio_dma_domain *d, struct iommu_domain *dom);
/* All of the VM's RAM, writable; on failure what this call mapped is unmapped. */
int vfio_dma_map_ram(struct vfio_dma *d, struct vm *vm, struct errbuf *eb);

/* ---- transport --------------------------------------------------------- */

#define VFIO_SPARSE_MAX		8

struct vfio_region {
	uint32_t index;
	uint32_t flags;		/* VFIO_REGION_INFO_FLAG_READ/WRITE/MMAP */
	uint64_t size;
	/* When MMAP: mmap(fd, mmap_offset + area.off) maps an area. */
	int mmap_fd;
	uint64_t mmap_offset;
	/* Mappable parts; none with MMAP set means the whole region. */
	unsigned int nareas;
	struct {
		uint64_t off;
		uint64_t size;
	} areas[VFIO_SPARSE_MAX];
};

struct vfio_irq {
	uint32_t index;		/* VFIO_PCI_INTX/MSI/MSIX_IRQ_INDEX */
	uint32_t count;
	uint32_t flags;		/* VFIO_IRQ_INFO_* */
};

struct vfio_transport;

struct vfio_transport_ops {
	const char *name;	/* "vfio", "vfio-user" */
	/* VFIO_DEVICE_FLAGS_*, number of regions and irq indexes. */
	int (*device_info)(struct vfio_transport *t, uint32_t *flags,
			   uint32_t *nregions, uint32_t *nirqs);
	int (*region_info)(struct vfio_transport *t, uint32_t index,
			   struct vfio_region *r);
	/* Full-length access or -errno (never short). */
	int (*region_read)(struct vfio_transport *t, uint32_t index,
			   uint64_t off, void *buf, size_t len);
	int (*region_write)(struct vfio_transport *t, uint32_t index,
			    uint64_t off, const void *buf, size_t len);
	int (*irq_info)(struct vfio_transport *t, uint32_t index,
			struct vfio_irq *irq);
	/*
	 * VFIO_DEVICE_SET_IRQS: flags are VFIO_IRQ_SET_DATA_* |
	 * VFIO_IRQ_SET_ACTION_*; fds holds count eventfds (-1: none) for
	 * DATA_EVENTFD, NULL otherwise.
	 */
	int (*set_irqs)(struct vfio_transport *t, uint32_t index,
			uint32_t start, uint32_t count, uint32_t flags,
			const int32_t *fds);
	/* -ENOTTY when the device has no reset. */
	int (*reset)(struct vfio_transport *t);
	void (*close)(struct vfio_transport *t);
};

struct vfio_transport {
	const struct vfio_transport_ops *ops;
	char name[128];		/* "0000:00:02.0", "vfio-user:/run/x.sock" */
	/*
	 * The device's own DMA mapping (vfio-user: its server maps the
	 * memfd); NULL when its DMA goes through the IOMMU domain it shares
	 * with the VM's other kernel devices (a vfio_dma_domain).
	 */
	struct vfio_dma *dma;
};

/*
 * Kernel VFIO: opens addr through the domain (group viability, vfio-pci
 * binding, VF token for a VF of a PF bound to vfio-pci: vf_token may be
 * NULL when the PF is not on vfio-pci).
 */
int vfio_kernel_open(struct iommu_domain *dom, const struct pci_addr *addr,
		     const char *vf_token, struct vfio_transport **out,
		     struct errbuf *eb);
/*
 * vfio-user client (QEMU docs/interop/vfio-user.rst): connects to path,
 * negotiates the version, and speaks the protocol. -ECONNREFUSED/-ENOENT
 * with a message naming the socket, -EPROTO when the peer speaks nonsense.
 */
int vfio_user_connect(const char *path, struct vfio_transport **out,
		      struct errbuf *eb);

/* ---- the device on the VM's PCI bus -------------------------------------- */

struct vfio_pci;

/*
 * Resets the device, reads its regions and irqs, builds the virtual config
 * space and registers it on the VM's bus. Takes ownership of t (closed on
 * failure too).
 */
int vfio_pci_attach(struct vm *vm, struct vfio_transport *t,
		    struct vfio_pci **out, struct errbuf *eb);
/* Disables interrupts, unmaps BARs, resets the device, closes t. */
void vfio_pci_detach(struct vfio_pci *vp);
/*
 * Extension: the same, and a reset that fails is returned (-errno) with a
 * message naming the device and what to do; everything else is done all
 * the same.
 */
int vfio_pci_detach_checked(struct vfio_pci *vp, struct errbuf *eb);

/*
 * Extension: attach with options. irq_relay: no KVM irqfds for MSI/MSI-X;
 * a thread reads the vectors' eventfds and injects with KVM_SIGNAL_MSI
 * (the ",irq=relay" device option, for comparing against irqfd delivery).
 */
struct vfio_pci_opts {
	bool irq_relay;
};
int vfio_pci_attach_opts(struct vm *vm, struct vfio_transport *t,
			 const struct vfio_pci_opts *opts,
			 struct vfio_pci **out, struct errbuf *eb);
/* Extension: what the CLI tells the user about an attached device. */
struct vfio_pci_desc {
	struct pci_addr guest;	/* where it sits on the guest's bus */
	bool relay;		/* MSI/MSI-X through the relay thread */
	bool reset;		/* VFIO_DEVICE_FLAGS_RESET: reset at attach/detach */
	bool bus_reset;		/* no reset of its own: a bus reset (the VM has the bus) */
	char reset_note[256];	/* without reset: how it is reset, or what would help */
	uint32_t msix_vectors;	/* 0: no MSI-X */
	uint32_t msi_vectors;	/* 0: no MSI */
	bool intx;
	bool rom;
};
void vfio_pci_describe(struct vfio_pci *vp, struct vfio_pci_desc *d);

/* ---- every assigned device of one VM ------------------------------------ */

struct vfio_set;

int vfio_set_create(struct vm *vm, struct vfio_set **out, struct errbuf *eb);
/*
 * spec: "BDF" (kernel VFIO: a domain is opened on first use, guest RAM
 * checked against RLIMIT_MEMLOCK and mapped) or "vfio-user:PATH". Errors
 * leave nothing bound, mapped or pinned by this call; -EINVAL/-ENOENT/
 * -EBUSY/-ENODEV/-ENOMEM/-EPROTO name the cause and the fix.
 */
int vfio_set_add(struct vfio_set *s, const char *spec, struct errbuf *eb);
/*
 * Extension: the spec grammar, for the CLI's early checks (a device given
 * twice is refused before anything is opened). "BDF[,OPT...]" or
 * "vfio-user:PATH[,irq=MODE]"; OPT is irq=irqfd|relay or vf_token=UUID.
 * user_path is the socket path (without the options).
 */
struct vfio_spec {
	bool user;
	struct pci_addr addr;		/* !user */
	char user_path[4096];		/* user */
	bool irq_relay;
	char vf_token[40];		/* "" when none */
};
int vfio_spec_parse(const char *spec, struct vfio_spec *out,
		    struct errbuf *eb);
/*
 * The one "device given twice" check: -EBUSY naming both when spec is the
 * same device as one of given[0..n) (the same PCI address, or the same
 * vfio-user socket). Specs that do not parse (pool:NAME) never match.
 */
int vfio_spec_twice(const char *const *given, size_t n, const char *spec,
		    struct errbuf *eb);
/* Extension: the devices added so far, in order (NULL past the end). */
struct vfio_pci *vfio_set_device(struct vfio_set *s, size_t i);
/* Extension: the kernel DMA domain (NULL before the first kernel device). */
struct iommu_domain *vfio_set_domain(struct vfio_set *s);
/* Detaches every device (reset, still on vfio-pci), unmaps, closes. */
void vfio_set_destroy(struct vfio_set *s);
/* Extension: the same; the first failed reset is returned and described. */
int vfio_set_destroy_checked(struct vfio_set *s, struct errbuf *eb);

#endif
