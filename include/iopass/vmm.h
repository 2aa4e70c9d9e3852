/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iopass VMM: a virtual machine on KVM. Guest RAM is a memfd (or hugetlbfs
 * memory) so that other processes (vhost-user backends) can map it and
 * VFIO can pin it. The guest is either a PVH ELF (the freestanding test
 * guest) or a Linux bzImage booted through the 64-bit boot protocol.
 *
 * All functions return 0 or -errno and, on error, leave a one-line message
 * in the errbuf naming the cause and the fix.
 */
#ifndef IOPASS_VMM_H
#define IOPASS_VMM_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "iopass/util.h"

struct vm;

#define VM_MEM_MIN		(2ULL << 20)
#define VM_CPUS_MAX		64

struct vm_config {
	const char *kernel;	/* PVH ELF or bzImage (required) */
	const char *initrd;	/* bzImage only; NULL for none */
	const char *cmdline;	/* NULL for none */
	uint64_t mem_size;	/* bytes, multiple of 4 KiB (2 MiB with hugepages) */
	unsigned int cpus;	/* 1 .. VM_CPUS_MAX */
	bool hugepages;		/* back RAM with MFD_HUGETLB (default page size) */
	/*
	 * RAM no other process maps: anonymous, with transparent huge pages
	 * (a faster boot). Then no vhost-user NIC and no vfio-user device
	 * can be added (they map guest RAM through its memfd); ignored with
	 * hugepages.
	 */
	bool private_ram;
	/*
	 * The guest's COM1: bytes it writes go to console_out_fd (line
	 * buffered); bytes read from console_in_fd (-1: none) reach the guest.
	 * The caller owns both descriptors (and the terminal mode of a tty).
	 */
	int console_out_fd;
	int console_in_fd;
	/*
	 * iopass's test PCI device (1234:10a5, include/iopass/testdev.h) on
	 * the bus: for the freestanding test guest's suites, not for real VMs.
	 */
	bool testdev;
};

/* cpus 1, 256 MiB, console on stdout, no input. */
void vm_config_init(struct vm_config *cfg);

/*
 * Parses "256M", "2G", "1048576", "64K" (binary units, optional "iB"/"B").
 * Returns -EINVAL on garbage, -ERANGE on overflow.
 */
int vm_parse_size(const char *s, uint64_t *bytes);

/* Opens /dev/kvm, creates RAM, vCPUs and devices, loads the kernel. */
int vm_create(const struct vm_config *cfg, struct vm **vmp,
	      struct errbuf *eb);

enum vm_exit_reason {
	VM_EXIT_STATUS,		/* the guest wrote its status to port 0xf4 */
	VM_EXIT_RESET,		/* i8042 0xfe, CF9 or ACPI reset: a reboot */
	VM_EXIT_POWEROFF,	/* ACPI S5 (Linux's poweroff) */
	VM_EXIT_SHUTDOWN,	/* triple fault */
	VM_EXIT_SIGNAL,		/* SIGINT or SIGTERM reached vm_run */
	VM_EXIT_ERROR,		/* KVM or the VMM failed: see the errbuf */
};

struct vm_exit {
	enum vm_exit_reason reason;
	uint32_t status;	/* VM_EXIT_STATUS: the value; _SIGNAL: signo */
};

/*
 * Runs the guest until it stops. SIGINT and SIGTERM are blocked in the
 * calling thread (and so in every vCPU thread) and taken through a
 * signalfd while the VM runs; the previous mask is restored on return.
 * Returns 0 with *exit filled when the guest stopped (for any reason,
 * VM_EXIT_ERROR included), -errno if the VM could not be started.
 */
int vm_run(struct vm *vm, struct vm_exit *exit, struct errbuf *eb);

/*
 * What a VM's end means as a process's exit status (`iopass vm run`'s):
 * 0 for a poweroff, a reset (a guest's reboot ends the VM) and a 0 written
 * to port 0xf4; N for N (1-255) there and 1 above; 128 + signo for a
 * signal; -1 when the guest crashed or the VMM failed (vm_run's errbuf
 * says which).
 */
int vm_exit_status(const struct vm_exit *exit);

/* Asks a running VM to stop (any thread; async-signal-safe). */
void vm_request_stop(struct vm *vm);

/*
 * Presses the ACPI power button (an event of the DSDT's Generic Event
 * Device): a guest that handles it (Linux's button driver and whatever
 * listens to KEY_POWER: systemd-logind, acpid) powers off, and the VM ends
 * with VM_EXIT_POWEROFF. A guest may also ignore it. Any thread.
 * TODO: nothing presses it yet: `iopass vm stop` still stops a VM hard;
 * a graceful stop (button, then a timeout) needs a control-socket verb in
 * orch/. Until then a guest's own poweroff is the clean way out.
 */
int vm_power_button(struct vm *vm);

void vm_destroy(struct vm *vm);

/* ====================================================================
 * PCI device model (owned by the PCI engineer; appended below this line)
 * ==================================================================== */

struct vm;
struct pci_device;

/*
 * A PCI function on the VM's bus 0 (vfio/, virtio-pci, the test device).
 * The bus emulates the type 0 header, BAR sizing and placement, the command
 * register and the capability list; a device describes itself with the
 * pci_device_* / pci_cfg_* / pci_cap_* calls below before registering, and
 * the ops table lets it see (and change) what the guest does.
 *
 * Every op may be NULL and runs with the bus lock held: it must not access
 * the config space of another device through the bus.
 */
struct pci_device_ops {
	/*
	 * After the emulated value of [off, off + len) was read into *val:
	 * a device may replace it (vfio: fields read from the hardware).
	 */
	void (*cfg_read)(struct pci_device *dev, uint32_t off, uint32_t len,
			 uint32_t *val);
	/*
	 * After the emulated config space took the write (writable bits
	 * only), with the value the guest wrote: MSI/MSI-X control changes,
	 * forwarding to hardware.
	 */
	void (*cfg_write)(struct pci_device *dev, uint32_t off, uint32_t len,
			  uint32_t val);
	/*
	 * BAR `bar` starts decoding at guest address addr (the guest enabled
	 * decoding or moved the BAR). Trapped BARs (a pci_bar_fn) are already
	 * registered with the VM; this is for BARs backed by memory slots,
	 * ioeventfds. A failure leaves the BAR not decoding.
	 */
	int (*bar_map)(struct pci_device *dev, int bar, uint64_t addr,
		       uint64_t size);
	void (*bar_unmap)(struct pci_device *dev, int bar, uint64_t addr,
			  uint64_t size);
	/* Function level reset: the config space is already back to reset. */
	void (*reset)(struct pci_device *dev);
};

#define PCI_NUM_BARS		6
#define PCI_BAR_IO		(1u << 0)	/* else memory */
#define PCI_BAR_MEM64		(1u << 1)	/* takes BARs bar and bar + 1 */
#define PCI_BAR_PREFETCH	(1u << 2)

/*
 * A trapped access to a BAR: off is the offset into the BAR, data holds len
 * (1, 2, 4 or 8) little-endian bytes, off + len <= the BAR's size.
 */
typedef void (*pci_bar_fn)(struct pci_device *dev, int bar, uint64_t off,
			   uint8_t *data, uint32_t len, bool is_write);

int pci_device_create(struct vm *vm, const char *name,
		      const struct pci_device_ops *ops, void *opaque,
		      struct pci_device **out, struct errbuf *eb);
/* class_code: base class << 16 | subclass << 8 | prog-if. */
void pci_device_set_ids(struct pci_device *dev, uint16_t vendor,
			uint16_t device, uint32_t class_code, uint8_t revision,
			uint16_t subsys_vendor, uint16_t subsys);
/*
 * size is rounded up to a power of two (memory: at least 4 KiB so that it
 * can be a memory slot; I/O: 4 to 256 bytes). fn NULL: not trapped, the
 * device's bar_map does the work.
 */
int pci_device_add_bar(struct pci_device *dev, int bar, uint64_t size,
		       unsigned int flags, pci_bar_fn fn);
/*
 * Puts the device on bus 0 (next free slot), places its BARs in the VM's
 * windows and enables decoding, as firmware would.
 */
int pci_device_register(struct pci_device *dev, struct errbuf *eb);
/* Unmaps the BARs and takes the device off the bus. NULL is allowed. */
void pci_device_destroy(struct pci_device *dev);
/* The config space back to its reset state, then ops->reset. */
void pci_device_reset(struct pci_device *dev);

/*
 * The GSI (IOAPIC pin) a bus-0 slot's INTx pin (1-4: INTA-INTD) is wired
 * to: the PCI swizzle over pins 16-23. The DSDT's _PRT and the MP table
 * tell the guest the same; an assigned device's INTx irqfd uses it.
 */
uint32_t vm_pci_intx_gsi(unsigned int slot, unsigned int pin);

void *pci_device_opaque(struct pci_device *dev);
struct vm *pci_device_vm(struct pci_device *dev);
void pci_device_addr(struct pci_device *dev, struct pci_addr *addr);
/*
 * The BAR's guest address while it decodes; false when it does not. Takes
 * the bus lock: not from inside a pci_device_ops callback.
 */
bool pci_device_bar_addr(struct pci_device *dev, int bar, uint64_t *addr);

/*
 * Raw config space of the device, no side effects (the device's own view
 * and set-up). Out-of-range bytes read 0 and are not written; len 1..4.
 */
uint32_t pci_cfg_get(struct pci_device *dev, uint32_t off, uint32_t len);
void pci_cfg_set(struct pci_device *dev, uint32_t off, uint32_t len,
		 uint32_t val);
/* Which bits the guest may write / clear by writing 1. */
void pci_cfg_set_wmask(struct pci_device *dev, uint32_t off, uint32_t len,
		       uint32_t mask);
void pci_cfg_set_w1c(struct pci_device *dev, uint32_t off, uint32_t len,
		     uint32_t mask);

/*
 * Capabilities. pci_cap_add() links a capability of len bytes (id and next
 * included) at off, or at the first free dword after the header and the
 * existing capabilities when off is 0, and returns its offset or -errno.
 */
int pci_cap_add(struct pci_device *dev, uint8_t id, uint32_t len,
		uint32_t off);
/* Offset of the first capability id after start (0: from the head). */
int pci_cap_find(struct pci_device *dev, uint8_t id, uint32_t start);
/* MSI: 1 << log2_vectors vectors, 64-bit address or not, no masking. */
int pci_cap_add_msi(struct pci_device *dev, uint32_t off,
		    unsigned int log2_vectors, bool addr64);
int pci_cap_add_msix(struct pci_device *dev, uint32_t off, uint32_t nvec,
		     int table_bar, uint32_t table_off, int pba_bar,
		     uint32_t pba_off);

/* The message the guest programmed into an MSI capability at cap. */
struct pci_msi_msg {
	bool enabled;
	uint64_t addr;
	uint32_t data;
};
void pci_msi_get(struct pci_device *dev, uint32_t cap,
		 struct pci_msi_msg *msg);

/*
 * MSI-X table and PBA emulation. The device traps the guest's accesses to
 * the table and PBA ranges of its BAR and hands them to msix_table_access()
 * and msix_pba_access(), and forwards MSI-X control changes (from its
 * cfg_write) with msix_set_control(). A vector that fires while masked
 * (vector mask, function mask or MSI-X disabled) becomes pending in the PBA
 * and is delivered when unmasked.
 *
 * The callbacks run with the table's lock held and must not call back into
 * the table.
 */
struct msix_ops {
	/*
	 * The vector's effective state changed: newly masked or unmasked, or
	 * its address/data changed while unmasked (update an irqfd route).
	 */
	void (*vector_update)(void *opaque, uint32_t vec, bool masked,
			      uint64_t addr, uint32_t data);
	/* Send the message now (a pending vector that was just unmasked). */
	void (*vector_deliver)(void *opaque, uint32_t vec, uint64_t addr,
			       uint32_t data);
};

struct msix;

#define MSIX_ENTRY_SIZE		16
#define MSIX_MAX_VECTORS	2048
#define MSIX_TABLE_SIZE(n)	((uint64_t)(n) * MSIX_ENTRY_SIZE)
#define MSIX_PBA_SIZE(n)	((((uint64_t)(n) + 63) / 64) * 8)

int msix_create(uint32_t nvec, const struct msix_ops *ops, void *opaque,
		struct msix **out);
void msix_destroy(struct msix *m);
/* Guest accesses, off relative to the table / PBA start; any off/len. */
void msix_table_access(struct msix *m, uint64_t off, uint8_t *data,
		       uint32_t len, bool is_write);
void msix_pba_access(struct msix *m, uint64_t off, uint8_t *data,
		     uint32_t len, bool is_write);
void msix_set_control(struct msix *m, bool enabled, bool func_masked);
/*
 * The device raises vector vec: sent now through vector_deliver (returns
 * 1), or pending in the PBA while masked (0); -EINVAL for a bad vector.
 */
int msix_fire(struct msix *m, uint32_t vec);
bool msix_vector_masked(struct msix *m, uint32_t vec);
bool msix_vector_pending(struct msix *m, uint32_t vec);
/* Entries back to masked, address/data zero, nothing pending. */
void msix_reset(struct msix *m);

/*
 * Interrupt routing (KVM GSI routes, irqfd, ioeventfd). The table KVM gets
 * always keeps the default IOAPIC/PIC routes of GSIs 0-23; MSI routes take
 * GSIs from 24 up.
 */
int irq_msi_route_add(struct vm *vm, uint64_t addr, uint32_t data,
		      uint32_t *gsi);
int irq_msi_route_update(struct vm *vm, uint32_t gsi, uint64_t addr,
			 uint32_t data);
int irq_msi_route_del(struct vm *vm, uint32_t gsi);
/* resample_fd < 0: edge (MSI); else a level-triggered INTx with resample. */
int irq_irqfd_assign(struct vm *vm, int fd, uint32_t gsi, int resample_fd);
int irq_irqfd_deassign(struct vm *vm, int fd, uint32_t gsi);
/* KVM_SIGNAL_MSI: one message, from userspace. */
int irq_signal_msi(struct vm *vm, uint64_t addr, uint32_t data);
/* KVM_IRQ_LINE. */
int irq_line_set(struct vm *vm, uint32_t gsi, bool level);

#define IRQ_IOEVENTFD_PIO	(1u << 0)
#define IRQ_IOEVENTFD_DATAMATCH	(1u << 1)
/* len 0 matches any access size (KVM_CAP_IOEVENTFD_ANY_LENGTH). */
int irq_ioeventfd_assign(struct vm *vm, int fd, uint64_t addr, uint32_t len,
			 unsigned int flags, uint64_t datamatch);
int irq_ioeventfd_deassign(struct vm *vm, int fd, uint64_t addr, uint32_t len,
			   unsigned int flags, uint64_t datamatch);

/* ====================================================================
 * Guest memory as other parts of iopass see it (vfio/ DMA mapping,
 * vhost-user frontends, assigned BARs).
 * ==================================================================== */

/*
 * Guest RAM is one memfd mapped once, placed in at most two guest-physical
 * ranges (below the 32-bit PCI hole and above 4 GiB). A region is exactly
 * what may be mapped for a device's DMA or shared with a vhost-user backend:
 * nothing else of the VMM's address space is ever handed out.
 */
#define VM_RAM_REGIONS_MAX	2

struct vm_ram_region {
	uint64_t gpa;
	uint64_t size;
	void *hva;		/* the VMM's mapping */
	int fd;			/* the memfd (owned by the VM: do not close) */
	uint64_t fd_offset;	/* of gpa in fd */
};

/* Fills up to max regions, sorted by gpa; returns how many. */
int vm_ram_regions(struct vm *vm, struct vm_ram_region *r, int max);
/* True when guest RAM comes from huge pages (--hugepages). */
bool vm_ram_hugepages(struct vm *vm);
/*
 * Guest RAM preferred on NUMA node `node` (the pages already there move)
 * and the vCPU threads vm_run() starts on cpus (none: RAM only). Before
 * anything pins the RAM (VFIO), or pinned pages stay where they are.
 */
int vm_numa_place(struct vm *vm, unsigned int node, const cpu_set_t *cpus,
		  struct errbuf *eb);

/*
 * Host memory mapped straight into the guest (no exits): BARs of assigned
 * devices, backed device memory. gpa, size and hva 4 KiB aligned. Returns a
 * slot id >= 0 or -errno (-ENOSPC: out of KVM slots).
 */
int vm_map_user_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *hva,
		       bool readonly);
int vm_unmap_user_memory(struct vm *vm, int slot);

/* Guest RAM only: NULL when [gpa, gpa + len) is not wholly inside RAM. */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* ====================================================================
 * Network interfaces (vmm/virtio_net.c): a virtio-net-pci function whose
 * rings a vhost-user backend (iopass-switch, DPDK's net_vhost) serves. The
 * VMM only sets the rings up: kicks reach the backend through a KVM
 * ioeventfd and its interrupts reach the guest through a KVM irqfd.
 * ==================================================================== */

#define VMM_NICS_MAX		8
#define VMM_NIC_PATH_MAX	107	/* sun_path, NUL excluded */
#define VMM_NIC_SERVER_WAIT_S	30

struct vmm_nic_config {
	char socket[VMM_NIC_PATH_MAX + 1];	/* the backend's unix socket */
	uint8_t mac[6];
	bool mac_set;		/* else random, locally administered */
	/*
	 * The VMM owns the socket and the backend connects (and reconnects)
	 * to it: iopass-switch client-mode ports. vmm_nic_add() waits up to
	 * VMM_NIC_SERVER_WAIT_S for the first connection.
	 */
	bool server;
	/*
	 * Backend events once the VM runs (connection lost, back, refused),
	 * one line each, from the NIC's own thread. NULL: not reported.
	 */
	void (*log)(void *opaque, const char *msg);
	void *log_opaque;
};

/*
 * Connects to the backend (it must be listening; in server mode: waits for
 * it to connect), checks what it offers
 * (VIRTIO_F_VERSION_1 at least) and puts the NIC on the VM's PCI bus. When
 * the backend goes away later the NIC reconnects and gives the new backend
 * the guest's rings where they were. Torn down by vm_destroy().
 */
int vmm_nic_add(struct vm *vm, const struct vmm_nic_config *cfg,
		struct errbuf *eb);

#endif
