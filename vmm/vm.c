// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM: /dev/kvm, the in-kernel interrupt controllers and PIT, RAM,
 * vCPUs, the core devices, the kernel, and the loop that runs it all
 * until the guest stops.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acpi.h"
#include "pci.h"
#include "testdev.h"
#include "vm_impl.h"

/* Partial console lines are written out this often. */
#define VM_CONSOLE_FLUSH_MS	20

void vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = 256ULL << 20;
	cfg->cpus = 1;
	cfg->console_out_fd = STDOUT_FILENO;
	cfg->console_in_fd = -1;
}

int vm_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	}
	if (shift && *end == 'i')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = (uint64_t)v << shift;
	return 0;
}

int vm_fd(struct vm *vm)
{
	return vm->fd;
}

static int vm_open_kvm(struct vm *vm, struct errbuf *eb)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			return errbuf_set(eb, ret,
				"/dev/kvm does not exist: load the KVM module (modprobe kvm_intel or kvm_amd) and enable virtualization (VT-x/AMD-V) in the firmware");
		if (ret == -EACCES || ret == -EPERM)
			return errbuf_set(eb, ret,
				"cannot open /dev/kvm: permission denied; add the user to group kvm (usermod -aG kvm USER, then log in again)");
		return errbuf_set(eb, ret, "cannot open /dev/kvm: %s",
				  strerror(-ret));
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION)
		return errbuf_set(eb, -EINVAL,
				  "/dev/kvm speaks KVM API %d, not %d", ret,
				  KVM_API_VERSION);
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0 ||
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0)
		return errbuf_set(eb, -ENOTSUP,
				  "this kernel's KVM is too old (needs immediate_exit and an in-kernel irqchip: Linux 4.11 or later)");
	do {
		vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	} while (vm->fd < 0 && errno == EINTR);
	if (vm->fd < 0)
		return errbuf_set(eb, -errno, "KVM_CREATE_VM: %s",
				  strerror(errno));
	return 0;
}

/*
 * KVM's 8259s come out of reset unmasked and wired to the BSP's LINT0 in
 * virtual-wire mode. A hardware-reduced ACPI guest never programs them
 * (Linux drops to its null PIC), so every ISA interrupt (COM1, the GED)
 * would also reach LINT0 through an unprogrammed PIC as a bogus vector.
 * Masked, as firmware leaves them; guests that use the PIC (acpi=off, the
 * test guest) program the masks themselves.
 */
static int vm_mask_pic(struct vm *vm, struct errbuf *eb)
{
	for (uint32_t id = KVM_IRQCHIP_PIC_MASTER;
	     id <= KVM_IRQCHIP_PIC_SLAVE; id++) {
		struct kvm_irqchip chip = { .chip_id = id };

		if (ioctl(vm->fd, KVM_GET_IRQCHIP, &chip) < 0)
			return errbuf_set(eb, -errno, "KVM_GET_IRQCHIP: %s",
					  strerror(errno));
		chip.chip.pic.imr = 0xff;
		if (ioctl(vm->fd, KVM_SET_IRQCHIP, &chip) < 0)
			return errbuf_set(eb, -errno, "KVM_SET_IRQCHIP: %s",
					  strerror(errno));
	}
	return 0;
}

static int vm_setup_irqchip(struct vm *vm, struct errbuf *eb)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t ident = KVM_IDENT_MAP_ADDR;

	/* VMX runs real mode through these; SVM ignores them. */
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		return errbuf_set(eb, -errno, "KVM_SET_TSS_ADDR: %s",
				  strerror(errno));
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
		  KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
	    ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
		return errbuf_set(eb, -errno, "KVM_SET_IDENTITY_MAP_ADDR: %s",
				  strerror(errno));
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return errbuf_set(eb, -errno, "KVM_CREATE_IRQCHIP: %s",
				  strerror(errno));
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return errbuf_set(eb, -errno, "KVM_CREATE_PIT2: %s",
				  strerror(errno));
	return vm_mask_pic(vm, eb);
}

static int vm_setup_vcpus(struct vm *vm, unsigned int ncpus,
			  struct errbuf *eb)
{
	int max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int ret;

	if (max <= 0)
		max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 0 && ncpus > (unsigned int)max)
		return errbuf_set(eb, -EINVAL,
				  "--cpus %u is more than this host's KVM allows (%d); use fewer",
				  ncpus, max);
	ret = cpuid_init(vm, eb);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < ncpus; i++) {
		ret = vcpu_create(vm, i, eb);
		if (ret)
			return ret;
	}
	return 0;
}

/* A whole file, read-only. */
struct file_map {
	void *data;
	size_t size;
};

static int file_map_open(const char *path, const char *what,
			 struct file_map *fm, struct errbuf *eb)
{
	struct stat st;
	int fd, ret = 0;

	fm->data = NULL;
	fm->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errbuf_set(eb, -errno, "cannot open %s %s: %s; check %s",
				  what, path, strerror(errno),
				  !strcmp(what, "kernel") ? "--kernel" :
				  "--initrd");
	if (fstat(fd, &st) < 0) {
		ret = errbuf_set(eb, -errno, "cannot stat %s %s: %s", what,
				 path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		ret = errbuf_set(eb, -EINVAL,
				 "%s %s is %s, not a %s image", what, path,
				 S_ISREG(st.st_mode) ? "empty" :
				 "not a regular file", what);
		goto out;
	}
	fm->data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fm->data == MAP_FAILED) {
		fm->data = NULL;
		ret = errbuf_set(eb, -errno, "cannot map %s %s: %s", what,
				 path, strerror(errno));
		goto out;
	}
	fm->size = st.st_size;
out:
	close(fd);
	return ret;
}

static void file_map_close(struct file_map *fm)
{
	if (fm->data)
		munmap(fm->data, fm->size);
	fm->data = NULL;
}

static int vm_load_kernel(struct vm *vm, const struct vm_config *cfg,
			  struct errbuf *eb)
{
	struct file_map kernel, initrd = { 0 };
	int ret;

	ret = file_map_open(cfg->kernel, "kernel", &kernel, eb);
	if (ret)
		return ret;
	ret = boot_pvh_load(vm, kernel.data, kernel.size, cfg->cmdline, eb);
	if (ret == -ENOEXEC) {
		if (cfg->initrd) {
			ret = file_map_open(cfg->initrd, "initrd", &initrd,
					    eb);
			if (ret)
				goto out;
		}
		ret = boot_linux_load(vm, kernel.data, kernel.size,
				      initrd.data, initrd.size, cfg->cmdline,
				      eb);
	} else if (!ret && cfg->initrd) {
		ret = errbuf_set(eb, -EINVAL,
				 "--initrd works with a Linux bzImage only; %s is a PVH ELF",
				 cfg->kernel);
	}
	if (ret == -ENOEXEC)
		errbuf_set(eb, ret,
			   "kernel %s is neither a PVH ELF nor a Linux bzImage; check --kernel",
			   cfg->kernel);
out:
	file_map_close(&initrd);
	file_map_close(&kernel);
	return ret;
}

struct pci_bus *vm_pci_bus(struct vm *vm)
{
	return vm->pci_bus;
}

void vm_set_pci_bus(struct vm *vm, struct pci_bus *bus)
{
	vm->pci_bus = bus;
}

struct irq_router *vm_irq_router(struct vm *vm)
{
	return vm->irq_router;
}

void vm_set_irq_router(struct vm *vm, struct irq_router *r)
{
	vm->irq_router = r;
}

/*
 * The PCI host bridge (which owns 0xcf9), the test device when asked for,
 * and the ACPI registers.
 */
static int vm_devices_init(struct vm *vm, const struct vm_config *cfg,
			   struct errbuf *eb)
{
	int ret;

	ret = pci_bus_init(vm, eb);
	if (ret)
		return ret;
	pci_bus_set_cf9_handler(vm->pci_bus, reset_cf9_io, vm->reset);
	if (cfg->testdev) {
		ret = testdev_init(vm, eb);
		if (ret)
			return ret;
	}
	return acpi_pm_init(vm, eb);
}

void vm_add_prefault(struct vm *vm, uint64_t gpa, uint64_t size)
{
	if (vm->nprefault < ARRAY_SIZE(vm->prefault) && size)
		vm->prefault[vm->nprefault++] = (typeof(vm->prefault[0])){
			gpa & ~4095ULL, size + (gpa & 4095),
		};
}

/* Linux 6.10; older headers lack it. */
#ifndef KVM_PRE_FAULT_MEMORY
struct kvm_pre_fault_memory {
	__u64 gpa;
	__u64 size;
	__u64 flags;
	__u64 padding[5];
};
#define KVM_CAP_PRE_FAULT_MEMORY 236
#define KVM_PRE_FAULT_MEMORY	_IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif

/*
 * Maps what the guest touches first (kernel image, boot data) in the
 * stage-2 page tables now, in one ioctl, instead of one EPT/NPT violation
 * exit per page once it runs: under nested virtualisation each of those
 * costs tens of microseconds. Only an optimisation: failures are ignored.
 */
static void vm_prefault_boot(struct vm *vm)
{
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
		  KVM_CAP_PRE_FAULT_MEMORY) <= 0)
		return;
	for (unsigned int i = 0; i < vm->nprefault; i++) {
		struct kvm_pre_fault_memory pf = {
			.gpa = vm->prefault[i].gpa,
			.size = (vm->prefault[i].size + 4095) & ~4095ULL,
		};

		while (pf.size && ioctl(vm->vcpus[0].fd, KVM_PRE_FAULT_MEMORY,
					&pf) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				break;
		}
	}
}

int vm_create(const struct vm_config *cfg, struct vm **vmp,
	      struct errbuf *eb)
{
	struct vm *vm;
	int ret;

	*vmp = NULL;
	if (!cfg->kernel)
		return errbuf_set(eb, -EINVAL, "no kernel: give --kernel FILE");
	if (cfg->cpus < 1 || cfg->cpus > VM_CPUS_MAX)
		return errbuf_set(eb, -EINVAL,
				  "--cpus must be between 1 and %d", VM_CPUS_MAX);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return errbuf_set(eb, -ENOMEM, "out of memory");
	vm->kvm_fd = vm->fd = vm->mem_fd = vm->stop_efd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	vm->vcpus = calloc(cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		ret = errbuf_set(eb, -ENOMEM, "out of memory");
		goto err;
	}
	for (unsigned int i = 0; i < cfg->cpus; i++)
		vm->vcpus[i].fd = -1;
	vm->ncpus = cfg->cpus;
	vm->console_in_fd = cfg->console_in_fd;

	ret = vcpu_signal_init(eb);
	if (ret)
		goto err;
	ret = vm_open_kvm(vm, eb);
	if (ret)
		goto err;
	vm->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_efd < 0) {
		ret = errbuf_set(eb, -errno, "eventfd: %s", strerror(errno));
		goto err;
	}
	/*
	 * RAM before the irqchip: a memory slot added while there are no
	 * in-kernel devices yet costs KVM much less to publish.
	 */
	ret = memory_init(vm, cfg->mem_size, cfg->hugepages, cfg->private_ram,
			  eb);
	if (ret)
		goto err;
	ret = vm_setup_irqchip(vm, eb);
	if (ret)
		goto err;
	ret = vm_setup_vcpus(vm, cfg->cpus, eb);
	if (ret)
		goto err;
	ret = serial_init(vm, cfg->console_out_fd, eb);
	if (ret)
		goto err;
	ret = reset_init(vm, eb);
	if (ret)
		goto err;
	ret = vm_devices_init(vm, cfg, eb);
	if (ret)
		goto err;
	/* Before the kernel: the loaders pass the RSDP's address on. */
	ret = acpi_tables_write(vm, &vm->rsdp, eb);
	if (ret)
		goto err;
	ret = mptable_write(vm, eb);
	if (ret)
		goto err;
	ret = vm_load_kernel(vm, cfg, eb);
	if (ret)
		goto err;
	ret = vcpu_setup_boot(&vm->vcpus[0], &vm->entry, eb);
	if (ret)
		goto err;
	vm_prefault_boot(vm);
	*vmp = vm;
	return 0;

err:
	vm_destroy(vm);
	return ret;
}

static void vm_kick_all(struct vm *vm)
{
	uint64_t one = 1;

	for (unsigned int i = 0; i < vm->ncpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	if (write(vm->stop_efd, &one, sizeof(one)) < 0) {
		/* Only EAGAIN (counter full) is possible: already woken. */
	}
}

void vm_stop(struct vm *vm, enum vm_exit_reason reason, uint32_t status,
	     const char *fmt, ...)
{
	int expected = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, 1))
		return;
	vm->exit.reason = reason;
	vm->exit.status = status;
	va_start(ap, fmt);
	vsnprintf(vm->stop_msg, sizeof(vm->stop_msg), fmt, ap);
	va_end(ap);
	vm_kick_all(vm);
}

void vm_request_stop(struct vm *vm)
{
	int expected = 0;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, 1))
		return;
	vm->exit.reason = VM_EXIT_SIGNAL;
	vm->exit.status = 0;
	vm_kick_all(vm);
}

static void vm_join_vcpus(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].thread_started = false;
	}
}

/* Runs until the VM stops: signals, console input, console flushes. */
static void vm_loop(struct vm *vm, int sig_fd, int in_fd)
{
	struct pollfd pfd[3] = {
		{ .fd = vm->stop_efd, .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = in_fd, .events = POLLIN },
	};
	uint8_t buf[256];

	while (!atomic_load(&vm->stopping)) {
		int n = poll(pfd, in_fd >= 0 ? 3 : 2, VM_CONSOLE_FLUSH_MS);

		if (n < 0 && errno != EINTR) {
			vm_stop(vm, VM_EXIT_ERROR, 0, "poll: %s",
				strerror(errno));
			break;
		}
		if (n <= 0) {
			serial_flush(vm->serial);
			continue;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si))
				vm_stop(vm, VM_EXIT_SIGNAL, si.ssi_signo,
					"stopped by signal %u", si.ssi_signo);
		}
		if (in_fd >= 0 && pfd[2].revents) {
			ssize_t r = read(in_fd, buf, sizeof(buf));

			if (r > 0)
				serial_input(vm->serial, buf, r);
			else if (r == 0 || (errno != EINTR && errno != EAGAIN))
				pfd[2].fd = -1;	/* EOF: stop polling it */
		}
	}
}

int vm_run(struct vm *vm, struct vm_exit *exit, struct errbuf *eb)
{
	sigset_t block, old;
	int sig_fd, ret = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	sig_fd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0) {
		ret = errbuf_set(eb, -errno, "signalfd: %s", strerror(errno));
		goto out_mask;
	}
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		pthread_attr_t attr;

		pthread_attr_init(&attr);
		if (vm->numa)
			pthread_attr_setaffinity_np(&attr, sizeof(vm->numa_cpus), &vm->numa_cpus);
		ret = -pthread_create(&vcpu->thread, &attr, vcpu_thread, vcpu);
		pthread_attr_destroy(&attr);
		if (ret) {
			errbuf_set(eb, ret, "cannot start vCPU thread %u: %s",
				   i, strerror(-ret));
			vm_request_stop(vm);
			vm_join_vcpus(vm);
			goto out_close;
		}
		vcpu->thread_started = true;
	}
	vm_loop(vm, sig_fd, vm->console_in_fd);
	vm_join_vcpus(vm);
	serial_flush(vm->serial);
	*exit = vm->exit;
	if (vm->exit.reason == VM_EXIT_ERROR || vm->exit.reason ==
	    VM_EXIT_SHUTDOWN)
		errbuf_set(eb, 0, "%s", vm->stop_msg);
out_close:
	close(sig_fd);
out_mask:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int vm_exit_status(const struct vm_exit *exit)
{
	switch (exit->reason) {
	case VM_EXIT_STATUS:
		return exit->status <= 255 ? (int)exit->status : 1;
	case VM_EXIT_RESET:
	case VM_EXIT_POWEROFF:
		return 0;
	case VM_EXIT_SIGNAL:
		return 128 + (exit->status ? (int)exit->status : SIGTERM);
	case VM_EXIT_SHUTDOWN:
	case VM_EXIT_ERROR:
	default:
		return -1;
	}
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->pci_bus)
		pci_bus_exit(vm);
	acpi_pm_exit(vm);
	reset_exit(vm);
	serial_exit(vm);
	for (unsigned int i = 0; vm->vcpus && i < vm->ncpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	iobus_exit(vm);
	memory_exit(vm);
	if (vm->stop_efd >= 0)
		close(vm->stop_efd);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm->cpuid);
	free(vm->vcpus);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}
