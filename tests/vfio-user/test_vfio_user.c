// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vfio-user client (vfio/vfio_user.c) against a real peer: the
 * vfio-user-edu server, started per test as its own process. Everything goes
 * through the transport's ops table, as vfio_pci drives it: regions (config
 * space, BAR0 registers, the sparse-mmap area through its fd), interrupts
 * (MSI and INTx eventfds), DMA through the memfd the client maps (and the
 * isolation: DMA outside it fails in the server), reset, and the bad cases
 * (no server, stale socket, a peer speaking nonsense, a silent peer, a
 * server that dies).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "iopass/vfio.h"
#include "vfio/vfio_user_sock.h"

#define RAM_IOVA	0x100000ull
#define RAM_SIZE	(2ull << 20)

struct server {
	pid_t pid;
	char dir[64];
	char sock[128];
	char log[128];
};

static struct server srv;

/* Starts vfio-user-edu with extra arguments; waits for "listening". */
static void server_start(const char *arg1, const char *arg2)
{
	char line[256];
	int out[2];
	FILE *f;

	strcpy(srv.dir, "/tmp/iopass-vu-XXXXXX");
	assert_non_null(mkdtemp(srv.dir));
	snprintf(srv.sock, sizeof(srv.sock), "%s/edu.sock", srv.dir);
	snprintf(srv.log, sizeof(srv.log), "%s/server.log", srv.dir);
	assert_int_equal(pipe(out), 0);
	srv.pid = fork();
	assert_true(srv.pid >= 0);
	if (!srv.pid) {
		const char *argv[8] = { VFIO_USER_EDU, "--socket-path", srv.sock };
		int n = 3;

		if (arg1)
			argv[n++] = arg1;
		if (arg2)
			argv[n++] = arg2;
		/* A test that dies (an assertion, a sanitizer) takes it along. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(out[1], 1);
		if (!freopen(srv.log, "w", stderr))
			_exit(126);
		execv(VFIO_USER_EDU, (char **)argv);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, "listening on"));
	fclose(f);
}

static void server_stop(void)
{
	char cmd[160];
	int st;

	if (srv.pid > 0) {
		kill(srv.pid, SIGTERM);
		waitpid(srv.pid, &st, 0);
		srv.pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", srv.dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", srv.dir);
}

/* How often the server's log has a line containing s. */
static int server_log_count(const char *s)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(srv.log, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, s) != NULL;
	fclose(f);
	return n;
}

static struct vfio_transport *connect_ok(void)
{
	struct vfio_transport *t = NULL;
	struct errbuf eb = { "" };
	int ret = vfio_user_connect(srv.sock, &t, &eb);

	if (ret)
		fail_msg("connect: %s", eb.msg);
	return t;
}

static uint32_t cfg_read(struct vfio_transport *t, uint32_t off, size_t len)
{
	uint32_t v = 0;

	assert_int_equal(t->ops->region_read(t, VFIO_PCI_CONFIG_REGION_INDEX,
					     off, &v, len), 0);
	return v;
}

static void cfg_write16(struct vfio_transport *t, uint32_t off, uint16_t v)
{
	assert_int_equal(t->ops->region_write(t, VFIO_PCI_CONFIG_REGION_INDEX,
					      off, &v, 2), 0);
}

static uint64_t reg_read(struct vfio_transport *t, uint64_t off, size_t len)
{
	uint64_t v = 0;

	assert_int_equal(t->ops->region_read(t, VFIO_PCI_BAR0_REGION_INDEX,
					     off, &v, len), 0);
	return v;
}

static void reg_write(struct vfio_transport *t, uint64_t off, size_t len,
		      uint64_t v)
{
	assert_int_equal(t->ops->region_write(t, VFIO_PCI_BAR0_REGION_INDEX,
					      off, &v, len), 0);
}

/* The eventfd's count after up to ms milliseconds (0: it never fired). */
static uint64_t efd_wait(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, ms) == 1)
		assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	return v;
}

static void edu_dma(struct vfio_transport *t, uint64_t src, uint64_t dst,
		    uint64_t cnt, uint64_t cmd)
{
	reg_write(t, 0x80, 8, src);
	reg_write(t, 0x88, 8, dst);
	reg_write(t, 0x90, 8, cnt);
	reg_write(t, 0x98, 8, cmd | 1);
	assert_int_equal(reg_read(t, 0x98, 8) & 1, 0);
}

/* ---- the device through the ops -------------------------------------------- */

static void test_info_and_config(void **state)
{
	struct vfio_transport *t = connect_ok();
	uint32_t flags, nreg, nirq;
	struct vfio_region r;
	struct vfio_irq irq;

	(void)state;
	assert_string_equal(t->ops->name, "vfio-user");
	assert_non_null(strstr(t->name, srv.sock));
	assert_int_equal(t->ops->device_info(t, &flags, &nreg, &nirq), 0);
	assert_true(flags & VFIO_DEVICE_FLAGS_PCI);
	assert_true(flags & VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(nreg, VFIO_PCI_NUM_REGIONS);
	assert_int_equal(nirq, VFIO_PCI_NUM_IRQS);

	assert_int_equal(t->ops->region_info(t, VFIO_PCI_CONFIG_REGION_INDEX, &r), 0);
	assert_int_equal(r.size, 256);
	assert_int_equal(r.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);
	assert_int_equal(r.mmap_fd, -1);
	assert_int_equal(cfg_read(t, PCI_VENDOR_ID, 4), 0x11e81234);
	assert_int_equal(cfg_read(t, PCI_CAPABILITY_LIST, 1), 0x40);
	assert_int_equal(cfg_read(t, 0x40, 1), PCI_CAP_ID_MSI);
	/* Read-only bits stay, writable ones take. */
	cfg_write16(t, PCI_VENDOR_ID, 0xdead);
	assert_int_equal(cfg_read(t, PCI_VENDOR_ID, 2), 0x1234);
	cfg_write16(t, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(cfg_read(t, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	assert_int_equal(t->ops->region_info(t, 2, &r), 0);
	assert_int_equal(r.size, 0);
	assert_int_equal(t->ops->region_info(t, VFIO_PCI_NUM_REGIONS, &r), -EINVAL);

	assert_int_equal(t->ops->irq_info(t, VFIO_PCI_MSI_IRQ_INDEX, &irq), 0);
	assert_int_equal(irq.count, 1);
	assert_true(irq.flags & VFIO_IRQ_INFO_EVENTFD);
	assert_int_equal(t->ops->irq_info(t, VFIO_PCI_MSIX_IRQ_INDEX, &irq), 0);
	assert_int_equal(irq.count, 0);
	assert_int_equal(t->ops->irq_info(t, 99, &irq), -EINVAL);
	t->ops->close(t);
}

static void test_registers(void **state)
{
	struct vfio_transport *t = connect_ok();
	static const uint32_t fact[] = { 1, 1, 2, 6, 24, 120, 720, 5040 };
	uint32_t n;

	(void)state;
	assert_int_equal(reg_read(t, 0x00, 4), 0x010000ed);
	reg_write(t, 0x04, 4, 0x12345678);
	assert_int_equal(reg_read(t, 0x04, 4), ~0x12345678u);
	for (n = 0; n < ARRAY_SIZE(fact); n++) {
		reg_write(t, 0x08, 4, n);
		assert_int_equal(reg_read(t, 0x20, 4) & 1, 0);
		assert_int_equal(reg_read(t, 0x08, 4), fact[n]);
	}
	/* edu's access rules: 32-bit only below 0x80. */
	assert_int_equal(reg_read(t, 0x00, 8), ~0ull);
	assert_int_equal(reg_read(t, 0x00, 2), 0xffff);
	/* Outside the region: refused by the client. */
	assert_int_equal(t->ops->region_read(t, VFIO_PCI_BAR0_REGION_INDEX,
					     0x100000 - 2, &n, 4), -EINVAL);
	assert_int_equal(t->ops->region_read(t, 3, 0, &n, 4), -EINVAL);
	t->ops->close(t);
}

/* The sparse area: the fd is real shared memory, coherent with the messages. */
static void test_sparse_mmap(void **state)
{
	struct vfio_transport *t = connect_ok();
	uint8_t pat[4096], back[4096];
	struct vfio_region r, again;
	uint8_t *m;
	size_t i;

	(void)state;
	assert_int_equal(t->ops->region_info(t, VFIO_PCI_BAR0_REGION_INDEX, &r), 0);
	assert_int_equal(r.size, 0x100000);
	assert_true(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
	assert_true(r.mmap_fd >= 0);
	assert_int_equal(r.nareas, 1);
	assert_int_equal(r.areas[0].off, 0x80000);
	assert_int_equal(r.areas[0].size, 0x80000);
	/* Asked again: the same, cached descriptor. */
	assert_int_equal(t->ops->region_info(t, VFIO_PCI_BAR0_REGION_INDEX, &again), 0);
	assert_int_equal(again.mmap_fd, r.mmap_fd);

	m = mmap(NULL, r.areas[0].size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 r.mmap_fd, r.mmap_offset + r.areas[0].off);
	assert_true(m != MAP_FAILED);
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = i * 7 + 3;
	memcpy(m + 0x1000, pat, sizeof(pat));
	/* Bigger than one transfer? No: 4 KiB, but read in one message. */
	assert_int_equal(t->ops->region_read(t, 0, 0x81000, back, sizeof(back)), 0);
	assert_memory_equal(back, pat, sizeof(pat));
	memset(pat, 0x5a, 64);
	assert_int_equal(t->ops->region_write(t, 0, 0x82000, pat, 64), 0);
	assert_memory_equal(m + 0x2000, pat, 64);
	munmap(m, r.areas[0].size);
	t->ops->close(t);
}

static void test_msi(void **state)
{
	struct vfio_transport *t = connect_ok();
	int32_t efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	(void)state;
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
					  VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_TRIGGER, &efd), 0);
	reg_write(t, 0x60, 4, 0x42);
	assert_int_equal(efd_wait(efd, 2000), 1);
	assert_int_equal(reg_read(t, 0x24, 4), 0x42);
	reg_write(t, 0x64, 4, 0x42);
	assert_int_equal(reg_read(t, 0x24, 4), 0);
	/* Factorial with its completion interrupt. */
	reg_write(t, 0x20, 4, 0x80);
	reg_write(t, 0x08, 4, 10);
	assert_int_equal(efd_wait(efd, 2000), 1);
	assert_int_equal(reg_read(t, 0x08, 4), 3628800);
	assert_int_equal(reg_read(t, 0x24, 4), 1);
	reg_write(t, 0x64, 4, 1);
	/* Detached (-1 in the array): no more signals. */
	close(efd);
	efd = -1;
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
					  VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_TRIGGER, &efd), 0);
	assert_int_equal(server_log_count("SET_IRQS MSI eventfd cleared"), 1);
	/* Two vectors on a one-vector index: the server refuses. */
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_MSI_IRQ_INDEX, 0, 2,
					  VFIO_IRQ_SET_DATA_NONE |
					  VFIO_IRQ_SET_ACTION_TRIGGER, NULL), -EINVAL);
	t->ops->close(t);
}

/* INTx: level-triggered and automasked, like kernel VFIO's. */
static void test_intx(void **state)
{
	struct vfio_transport *t = connect_ok();
	int32_t efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int32_t rfd = eventfd(0, EFD_CLOEXEC);
	uint64_t one = 1;
	const uint32_t unmask = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;

	(void)state;
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					  VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_TRIGGER, &efd), 0);
	reg_write(t, 0x60, 4, 1);
	assert_int_equal(efd_wait(efd, 2000), 1);
	reg_write(t, 0x60, 4, 2);
	assert_int_equal(efd_wait(efd, 100), 0);	/* masked */
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					  unmask, NULL), 0);
	assert_int_equal(efd_wait(efd, 2000), 1);	/* still asserted */
	reg_write(t, 0x64, 4, 3);
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					  unmask, NULL), 0);
	assert_int_equal(efd_wait(efd, 100), 0);	/* deasserted */
	/* Disable the whole index (count 0). */
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_INTX_IRQ_INDEX, 0, 0,
					  VFIO_IRQ_SET_DATA_NONE |
					  VFIO_IRQ_SET_ACTION_TRIGGER, NULL), 0);
	reg_write(t, 0x60, 4, 1);
	assert_int_equal(efd_wait(efd, 100), 0);
	reg_write(t, 0x64, 4, 1);

	/* Kernel VFIO's resampler: UNMASK with an eventfd (KVM signals it at EOI). */
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					  VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_TRIGGER, &efd), 0);
	assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					  VFIO_IRQ_SET_DATA_EVENTFD |
					  VFIO_IRQ_SET_ACTION_UNMASK, &rfd), 0);
	reg_write(t, 0x60, 4, 4);
	assert_int_equal(efd_wait(efd, 2000), 1);
	assert_int_equal(write(rfd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(efd_wait(efd, 2000), 1);	/* unmasked, still high */
	reg_write(t, 0x64, 4, 4);
	assert_int_equal(write(rfd, &one, sizeof(one)), sizeof(one));
	assert_int_equal(efd_wait(efd, 100), 0);
	close(rfd);
	close(efd);
	t->ops->close(t);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (i * 31 + seed * 17 + 1) & 0xff;
}

/* The transport's own DMA mapping (vfio.h's vfio_dma), one region. */
static int dma_map(struct vfio_transport *t, uint64_t iova, uint64_t size,
		   int fd, uint64_t off, bool writable)
{
	struct vm_ram_region r = {
		.gpa = iova, .size = size, .fd = fd, .fd_offset = off,
	};

	return t->dma->ops->map(t->dma, &r, writable, NULL);
}

static int dma_unmap(struct vfio_transport *t, uint64_t iova, uint64_t size)
{
	return t->dma->ops->unmap(t->dma, iova, size);
}

static void test_dma_and_isolation(void **state)
{
	struct vfio_transport *t = connect_ok();
	int ram = memfd_create("guest-ram", MFD_CLOEXEC);
	int ro = memfd_create("ro", MFD_CLOEXEC);
	uint8_t *g, pat[256];

	(void)state;
	assert_int_equal(ftruncate(ram, RAM_SIZE), 0);
	assert_int_equal(ftruncate(ro, 0x10000), 0);
	g = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, ram, 0);
	assert_true(g != MAP_FAILED);
	assert_int_equal(dma_map(t, RAM_IOVA, RAM_SIZE, ram, 0, true), 0);
	/* Overlaps and unaligned maps are refused. */
	assert_int_equal(dma_map(t, RAM_IOVA + 0x1000, 0x1000, ram, 0, true),
			 -EEXIST);
	assert_int_equal(dma_map(t, 0x900000, 0x800, ram, 0, true), -EINVAL);
	assert_int_equal(dma_map(t, 0x800000, 0x10000, ro, 0, false), 0);

	/* Bus mastering off: the device cannot DMA. */
	fill(g + 0x1000, sizeof(pat), 1);
	edu_dma(t, RAM_IOVA + 0x1000, 0x40000, sizeof(pat), 0);
	assert_int_equal(server_log_count("bus mastering is off"), 1);
	cfg_write16(t, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/* RAM -> device -> RAM. */
	edu_dma(t, RAM_IOVA + 0x1000, 0x40000, sizeof(pat), 0);
	edu_dma(t, 0x40000, RAM_IOVA + 0x80000, sizeof(pat), 2);
	assert_memory_equal(g + 0x80000, g + 0x1000, sizeof(pat));
	/* Spanning the end of the mapping: refused whole. */
	memset(g + RAM_SIZE - 0x80, 0, 0x80);
	edu_dma(t, 0x40000, RAM_IOVA + RAM_SIZE - 0x80, 0x100, 2);
	assert_int_equal(g[RAM_SIZE - 0x80], 0);
	assert_int_equal(server_log_count("DMA fault"), 1);

	/* Outside what the client mapped: faults, nothing moves. */
	memcpy(pat, g + 0x1000, sizeof(pat));
	edu_dma(t, 0x400000, 0x40000, sizeof(pat), 0);
	edu_dma(t, 0x40000, RAM_IOVA + 0x90000, sizeof(pat), 2);
	assert_memory_equal(g + 0x90000, pat, sizeof(pat));
	edu_dma(t, 0x40000, 0x400000, sizeof(pat), 2);
	/* Read-only mapping: readable, not writable. */
	edu_dma(t, 0x40000, 0x800000, sizeof(pat), 2);
	edu_dma(t, 0x800000, 0x40000, 16, 0);
	assert_int_equal(server_log_count("DMA fault"), 4);
	/* Outside the device buffer: refused. */
	edu_dma(t, RAM_IOVA, 0x40000 + 4000, 200, 0);
	assert_int_equal(server_log_count("outside the device buffer"), 1);
	/* DMA-done interrupt. */
	{
		int32_t efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		assert_int_equal(t->ops->set_irqs(t, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
						  VFIO_IRQ_SET_DATA_EVENTFD |
						  VFIO_IRQ_SET_ACTION_TRIGGER,
						  &efd), 0);
		edu_dma(t, RAM_IOVA, 0x40000, 16, 4);
		assert_int_equal(efd_wait(efd, 2000), 1);
		assert_int_equal(reg_read(t, 0x24, 4), 0x100);
		close(efd);
	}

	/* Unmapped: the same range now faults. */
	assert_int_equal(dma_unmap(t, RAM_IOVA, RAM_SIZE), 0);
	edu_dma(t, RAM_IOVA + 0x1000, 0x40000, 16, 0);
	assert_int_equal(server_log_count("DMA fault"), 5);
	assert_int_equal(dma_unmap(t, RAM_IOVA, RAM_SIZE), -ENOENT);

	/* Reset: registers back to power-on, still connected. */
	reg_write(t, 0x04, 4, 5);
	assert_int_equal(t->ops->reset(t), 0);
	assert_int_equal(reg_read(t, 0x04, 4), 0);
	assert_int_equal(cfg_read(t, PCI_COMMAND, 2), 0);
	munmap(g, RAM_SIZE);
	close(ram);
	close(ro);
	t->ops->close(t);
}

static void *hammer(void *arg)
{
	struct vfio_transport *t = arg;
	uint32_t v;
	int i;

	for (i = 0; i < 2000; i++) {
		if (t->ops->region_read(t, 0, 0, &v, 4) || v != 0x010000ed)
			return (void *)1;
	}
	return NULL;
}

/* vCPU threads trap BAR accesses concurrently: replies must not cross. */
static void test_concurrent(void **state)
{
	struct vfio_transport *t = connect_ok();
	pthread_t th[3];
	void *r;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, t), 0);
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], &r);
		assert_null(r);
	}
	t->ops->close(t);
}

/* The server dies under us: an error, then the connection stays down. */
static void test_server_dies(void **state)
{
	struct vfio_transport *t = connect_ok();
	uint32_t v;
	int st;

	(void)state;
	kill(srv.pid, SIGKILL);
	waitpid(srv.pid, &st, 0);
	srv.pid = 0;
	assert_int_not_equal(t->ops->region_read(t, 0, 0, &v, 4), 0);
	assert_int_equal(t->ops->region_read(t, 0, 0, &v, 4), -EIO);
	t->ops->close(t);
}

/* ---- bad peers and bad paths ----------------------------------------------- */

static void expect_connect_error(const char *path, int err, const char *msg)
{
	struct vfio_transport *t = (void *)1;
	struct errbuf eb = { "" };

	assert_int_equal(vfio_user_connect(path, &t, &eb), err);
	assert_null(t);
	print_message("%s\n", eb.msg);
	if (!strstr(eb.msg, msg))
		fail_msg("message '%s' lacks '%s'", eb.msg, msg);
	assert_null(strchr(eb.msg, '\n'));
}

static void test_no_server(void **state)
{
	char path[200];
	int fd;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)state;
	expect_connect_error("/nonexistent/x.sock", -ENOENT,
			     "no vfio-user server at /nonexistent/x.sock; start it first");
	expect_connect_error("", -EINVAL, "socket path");
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	expect_connect_error(path, -ENAMETOOLONG, "longer than");

	/* A socket file nobody listens on: refused. */
	strcpy(srv.dir, "/tmp/iopass-vu-XXXXXX");
	assert_non_null(mkdtemp(srv.dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stale.sock", srv.dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	expect_connect_error(sa.sun_path, -ECONNREFUSED, "refused the connection");
	unlink(sa.sun_path);
	rmdir(srv.dir);
}

static void test_nonsense_garbage(void **state)
{
	(void)state;
	expect_connect_error(srv.sock, -EPROTO, "speaks nonsense in the VERSION reply");
}

static void test_nonsense_version(void **state)
{
	(void)state;
	expect_connect_error(srv.sock, -EPROTO, "speaks protocol 7.0; iopass speaks 0.0");
}

static void test_nonsense_fds(void **state)
{
	(void)state;
	expect_connect_error(srv.sock, -EPROTO, "came with 2 file descriptors");
}

static void test_nonsense_silent(void **state)
{
	(void)state;
	setenv("IOPASS_VFIO_USER_TIMEOUT_MS", "300", 1);
	expect_connect_error(srv.sock, -ETIMEDOUT, "did not answer VERSION within 300 ms");
	unsetenv("IOPASS_VFIO_USER_TIMEOUT_MS");
}

/* Caught at connect, where the reason can still be told. */
static void test_nonsense_regioninfo(void **state)
{
	(void)state;
	expect_connect_error(srv.sock, -EPROTO,
			     "DEVICE_GET_REGION_INFO reply: region 0 capability at offset 4000 is outside");
}

/* ---- the server's side of bad input, over a raw socket ----------------------- */

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	strcpy(sa.sun_path, srv.sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Sends one command; returns the reply's error (0: success), -1: closed. */
static int raw_call(int fd, uint16_t cmd, const void *payload, size_t len,
		    const int *fds, unsigned int nfds)
{
	struct vfio_user_hdr h = {
		.id = 7, .cmd = cmd, .size = VFIO_USER_HDR_SIZE + len,
	};
	uint8_t buf[512];
	int rfds[VFIO_USER_FDS_MAX];
	unsigned int rn;

	vfio_user_hdr_put(buf, &h);
	if (len)
		memcpy(buf + VFIO_USER_HDR_SIZE, payload, len);
	assert_int_equal(usock_send(fd, buf, h.size, fds, nfds,
				    now_ms() + 2000), 0);
	if (vfio_user_sock_recv_msg(fd, buf, sizeof(buf), &h, rfds, &rn,
				    now_ms() + 2000, NULL))
		return -1;
	vfio_user_close_fds(rfds, rn);
	assert_int_equal(h.id, 7);
	return (h.flags & VFIO_USER_F_ERROR) ? (int)h.error : 0;
}

static void test_server_rejects(void **state)
{
	struct vfio_user_version v = { .major = 0, .minor = 0 };
	struct vfio_user_irq_set is = {
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSI_IRQ_INDEX, .count = 2,
	};
	uint8_t p[256];
	int fd = raw_connect(), efd = eventfd(0, EFD_CLOEXEC), n;
	uint8_t junk[16];

	(void)state;
	vfio_user_caps_default(&v.caps);
	/* Anything before VERSION is refused. */
	n = vfio_user_device_info_req_put(p, sizeof(p));
	assert_int_equal(raw_call(fd, VFIO_USER_DEVICE_GET_INFO, p, n, NULL, 0), EINVAL);
	n = vfio_user_version_put(p, sizeof(p), &v);
	assert_int_equal(raw_call(fd, VFIO_USER_VERSION, p, n, NULL, 0), 0);
	/* Two vectors, one eventfd. */
	n = vfio_user_irq_set_put(p, sizeof(p), &is);
	assert_int_equal(raw_call(fd, VFIO_USER_DEVICE_SET_IRQS, p, n, &efd, 1), EINVAL);
	/* A command nobody defined. */
	assert_int_equal(raw_call(fd, 99, NULL, 0, NULL, 0), ENOTSUP);
	/* A region read of a wrong length. */
	memset(p, 0, 16);
	assert_int_equal(raw_call(fd, VFIO_USER_REGION_READ, p, 20, NULL, 0), EINVAL);
	/* A header with unknown flags: the server drops us. */
	memset(junk, 0xee, sizeof(junk));
	assert_int_equal(send(fd, junk, sizeof(junk), MSG_NOSIGNAL), sizeof(junk));
	{
		struct pollfd pf = { .fd = fd, .events = POLLIN };

		assert_int_equal(poll(&pf, 1, 2000), 1);
		assert_int_equal(recv(fd, junk, sizeof(junk), 0), 0);
	}
	assert_true(server_log_count("message flags 0xeeeeeeee") >= 1);
	close(efd);
	close(fd);
}

static int setup_normal(void **state)
{
	(void)state;
	server_start(NULL, NULL);
	return 0;
}

#define NONSENSE_SETUP(kind)						\
	static int setup_##kind(void **state)				\
	{								\
		(void)state;						\
		server_start("--nonsense", #kind);			\
		return 0;						\
	}
NONSENSE_SETUP(garbage)
NONSENSE_SETUP(version)
NONSENSE_SETUP(silent)
NONSENSE_SETUP(fds)
NONSENSE_SETUP(regioninfo)

static int teardown(void **state)
{
	(void)state;
	server_stop();
	return 0;
}

#define WITH(test, setup) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		WITH(test_info_and_config, setup_normal),
		WITH(test_registers, setup_normal),
		WITH(test_sparse_mmap, setup_normal),
		WITH(test_msi, setup_normal),
		WITH(test_intx, setup_normal),
		WITH(test_dma_and_isolation, setup_normal),
		WITH(test_concurrent, setup_normal),
		WITH(test_server_dies, setup_normal),
		WITH(test_server_rejects, setup_normal),
		cmocka_unit_test(test_no_server),
		WITH(test_nonsense_garbage, setup_garbage),
		WITH(test_nonsense_version, setup_version),
		WITH(test_nonsense_silent, setup_silent),
		WITH(test_nonsense_fds, setup_fds),
		WITH(test_nonsense_regioninfo, setup_regioninfo),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
