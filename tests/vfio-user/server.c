// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-user-edu: a vfio-user server (QEMU docs/interop/vfio-user.rst)
 * offering QEMU's edu device (edu_dev.c), for iopass's tests. It is a real
 * peer: it speaks the protocol through the same codec as the client but
 * owns the device side, maps the guest memory the client hands it in
 * DMA_MAP, and signals the eventfds it gets in SET_IRQS. DMA anywhere the
 * client did not map fails here, which is the isolation property of an
 * IOMMU, over vfio-user.
 *
 * usage: vfio-user-edu --socket-path PATH [--once] [--no-mmap]
 *                      [--nonsense KIND]
 * Serves one client at a time. --once: exit when the first client leaves.
 * --nonsense KIND answers wrongly or fails, for the client's bad-input and
 * fault tests (the kinds: nonsense.h).
 * Logs to stderr; prints "listening on PATH" on stdout when ready.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "edu_dev.h"
#include "nonsense.h"
#include "vfio/vfio_user_sock.h"

#define XFER_MAX		(64u << 10)
#define BUF_SIZE		(VFIO_USER_HDR_SIZE + VFIO_USER_REGION_RW_SIZE + XFER_MAX)
#define DMA_MAPS_MAX		64
#define MSG_TIMEOUT_MS		5000
/* The upper half of BAR0 is plain memory the client may mmap (sparse). */
#define BAR0_MMAP_OFF		0x80000
#define NUM_REGIONS		VFIO_PCI_NUM_REGIONS
#define NUM_IRQS		VFIO_PCI_NUM_IRQS

struct dma_map {
	uint64_t iova, size;
	uint32_t flags;
	uint8_t *va;
};

struct server {
	const char *path;
	bool once, no_mmap;
	enum nonsense nonsense;
	int lsock, csock, sigfd;
	struct edu_dev edu;
	int bar_fd;		/* memfd behind BAR0's mmap-able half */
	uint8_t *bar_mem;
	struct dma_map maps[DMA_MAPS_MAX];
	unsigned int nmaps;
	int intx_fd, msi_fd;
	int intx_unmask_fd;	/* signalled: unmask INTx (KVM's resampler) */
	bool intx_masked;
	bool negotiated;	/* VERSION done: it must come first */
	unsigned int resets;	/* DEVICE_RESETs of this client */
	uint8_t buf[BUF_SIZE];
	uint8_t out[BUF_SIZE];
};

static void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void srv_log(const char *fmt, ...)
{
	va_list ap;

	fputs("vfio-user-edu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- the device's view of the host ------------------------------------------- */

static struct dma_map *dma_find(struct server *s, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < s->nmaps; i++)
		if (addr >= s->maps[i].iova &&
		    addr - s->maps[i].iova < s->maps[i].size)
			return &s->maps[i];
	return NULL;
}

/* All of [addr, addr + len) first, then the copy: no partial DMA. */
static int host_dma(void *opaque, uint64_t addr, void *buf, size_t len,
		    bool to_ram)
{
	uint32_t need = to_ram ? VFIO_USER_DMA_WRITE_OK : VFIO_USER_DMA_READ_OK;
	struct server *s = opaque;
	uint64_t a, left, n;
	struct dma_map *m;
	uint8_t *b = buf;

	if (addr + len < addr)
		return -EFAULT;
	for (a = addr, left = len; left; a += n, left -= n) {
		m = dma_find(s, a);
		if (!m || !(m->flags & need))
			return -EFAULT;
		n = m->size - (a - m->iova);
		if (n > left)
			n = left;
	}
	for (a = addr, left = len; left; a += n, b += n, left -= n) {
		m = dma_find(s, a);
		n = m->size - (a - m->iova);
		if (n > left)
			n = left;
		if (to_ram)
			memcpy(m->va + (a - m->iova), b, n);
		else
			memcpy(b, m->va + (a - m->iova), n);
	}
	return 0;
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		srv_log("cannot signal an eventfd: %s", strerror(errno));
}

static bool intx_disabled(struct server *s)
{
	uint16_t cmd;

	edu_cfg_read(&s->edu, PCI_COMMAND, &cmd, sizeof(cmd));
	return cmd & PCI_COMMAND_INTX_DISABLE;
}

/*
 * MSI when the client gave an MSI eventfd (the client virtualises the MSI
 * capability, as kernel VFIO does); else INTx, level-triggered and
 * automasked: one signal, then nothing until the client unmasks.
 */
static void host_irq_raise(void *opaque)
{
	struct server *s = opaque;

	if (s->msi_fd >= 0) {
		signal_fd(s->msi_fd);
	} else if (s->intx_fd >= 0 && !s->intx_masked && !intx_disabled(s)) {
		s->intx_masked = true;
		signal_fd(s->intx_fd);
	}
}

static void intx_unmask(struct server *s)
{
	s->intx_masked = false;
	if (s->edu.irq_status && s->msi_fd < 0)
		host_irq_raise(s);	/* still asserted */
}

/* ---- regions ------------------------------------------------------------------ */

static void region_describe(struct server *s, uint32_t index,
			    struct vfio_region *r)
{
	memset(r, 0, sizeof(*r));
	r->index = index;
	r->mmap_fd = -1;
	if (index == VFIO_PCI_BAR0_REGION_INDEX) {
		r->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		r->size = EDU_BAR0_SIZE;
		if (!s->no_mmap) {
			r->flags |= VFIO_REGION_INFO_FLAG_MMAP;
			r->mmap_fd = s->bar_fd;
			r->nareas = 1;
			r->areas[0].off = BAR0_MMAP_OFF;
			r->areas[0].size = EDU_BAR0_SIZE - BAR0_MMAP_OFF;
		}
	} else if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		r->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		r->size = EDU_CFG_SIZE;
	}
}

static int bar0_access(struct server *s, uint64_t off, uint8_t *data,
		       uint32_t len, bool write)
{
	uint64_t v = 0;

	if (off >= BAR0_MMAP_OFF) {
		if (write)
			memcpy(s->bar_mem + off, data, len);
		else
			memcpy(data, s->bar_mem + off, len);
		return 0;
	}
	if (off + len > BAR0_MMAP_OFF)
		return -EINVAL;		/* straddles registers and memory */
	if (len != 4 && len != 8) {
		if (!write)
			memset(data, 0xff, len);
		return 0;		/* edu ignores other sizes */
	}
	if (write) {
		memcpy(&v, data, len);
		edu_mmio_write(&s->edu, off, len, v);
	} else {
		v = edu_mmio_read(&s->edu, off, len);
		memcpy(data, &v, len);
	}
	return 0;
}

static int region_access(struct server *s, struct vfio_user_region_rw *rw,
			 uint8_t *data, bool write)
{
	struct vfio_region r;

	if (rw->region >= NUM_REGIONS)
		return -EINVAL;
	region_describe(s, rw->region, &r);
	if (!(r.flags & (write ? VFIO_REGION_INFO_FLAG_WRITE :
			 VFIO_REGION_INFO_FLAG_READ)) ||
	    rw->offset > r.size || rw->count > r.size - rw->offset)
		return -EINVAL;
	if (rw->region == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (write)
			edu_cfg_write(&s->edu, rw->offset, data, rw->count);
		else
			edu_cfg_read(&s->edu, rw->offset, data, rw->count);
		return 0;
	}
	return bar0_access(s, rw->offset, data, rw->count, write);
}

/* ---- requests ------------------------------------------------------------------ */

static int do_dma_map(struct server *s, const uint8_t *p, size_t len,
		      int *fds, unsigned int nfds, struct errbuf *eb)
{
	struct vfio_user_dma_map m;
	unsigned int i;
	int prot = 0;
	void *va;
	int ret;

	ret = vfio_user_dma_map_get(p, len, nfds, &m, eb);
	if (ret)
		return ret;
	if (!nfds)
		return errbuf_set(eb, -ENOTSUP, "DMA_MAP without a descriptor: this server has no DMA_READ/WRITE path");
	if ((m.addr | m.size | m.offset) & (VFIO_USER_PAGE_SIZE - 1))
		return errbuf_set(eb, -EINVAL, "DMA_MAP 0x%llx+0x%llx is not page aligned",
				  (unsigned long long)m.addr, (unsigned long long)m.size);
	for (i = 0; i < s->nmaps; i++)
		if (m.addr < s->maps[i].iova + s->maps[i].size &&
		    s->maps[i].iova < m.addr + m.size)
			return errbuf_set(eb, -EEXIST, "DMA_MAP 0x%llx+0x%llx overlaps a mapping",
					  (unsigned long long)m.addr,
					  (unsigned long long)m.size);
	if (s->nmaps == DMA_MAPS_MAX)
		return errbuf_set(eb, -ENOSPC, "DMA_MAP: already %d mappings", DMA_MAPS_MAX);
	if (m.flags & VFIO_USER_DMA_READ_OK)
		prot |= PROT_READ;
	if (m.flags & VFIO_USER_DMA_WRITE_OK)
		prot |= PROT_WRITE;
	va = mmap(NULL, m.size, prot ? prot : PROT_NONE, MAP_SHARED, fds[0],
		  m.offset);
	if (va == MAP_FAILED)
		return errbuf_set(eb, -errno, "DMA_MAP: cannot map the descriptor: %s",
				  strerror(errno));
	s->maps[s->nmaps++] = (struct dma_map){
		.iova = m.addr, .size = m.size, .flags = m.flags, .va = va,
	};
	srv_log("DMA_MAP 0x%llx+0x%llx%s%s", (unsigned long long)m.addr,
	     (unsigned long long)m.size, prot & PROT_READ ? " r" : "",
	     prot & PROT_WRITE ? " w" : "");
	return 0;
}

static int do_dma_unmap(struct server *s, const uint8_t *p, size_t len,
			unsigned int nfds, int *outlen, struct errbuf *eb)
{
	struct vfio_user_dma_unmap u;
	unsigned int i;
	int ret;

	ret = vfio_user_dma_unmap_get(p, len, nfds, &u, eb);
	if (ret)
		return ret;
	for (i = 0; i < s->nmaps; i++)
		if (s->maps[i].iova == u.addr && s->maps[i].size == u.size)
			break;
	if (i == s->nmaps)
		return errbuf_set(eb, -ENOENT, "DMA_UNMAP 0x%llx+0x%llx is not a mapping",
				  (unsigned long long)u.addr, (unsigned long long)u.size);
	munmap(s->maps[i].va, s->maps[i].size);
	s->maps[i] = s->maps[--s->nmaps];
	u.argsz = VFIO_USER_DMA_UNMAP_SIZE;
	*outlen = vfio_user_dma_unmap_put(s->out + VFIO_USER_HDR_SIZE,
					  BUF_SIZE - VFIO_USER_HDR_SIZE, &u);
	return 0;
}

static void irq_fd_set(int *slot, int fd)
{
	if (*slot >= 0)
		close(*slot);
	*slot = fd;
}

static int do_set_irqs(struct server *s, const uint8_t *p, size_t len,
		       int *fds, unsigned int nfds, struct errbuf *eb)
{
	uint32_t data, action;
	struct vfio_user_irq_set is;
	int ret, *slot;

	ret = vfio_user_irq_set_get(p, len, nfds, &is, eb);
	if (ret)
		return ret;
	data = is.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = is.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (is.index != VFIO_PCI_INTX_IRQ_INDEX && is.index != VFIO_PCI_MSI_IRQ_INDEX)
		return errbuf_set(eb, -EINVAL, "SET_IRQS index %u: edu has INTx and MSI only",
				  is.index);
	if (is.start + is.count > 1)
		return errbuf_set(eb, -EINVAL, "SET_IRQS %u+%u: index %u has one interrupt",
				  is.start, is.count, is.index);
	slot = is.index == VFIO_PCI_MSI_IRQ_INDEX ? &s->msi_fd : &s->intx_fd;

	if (!is.count) {		/* DATA_NONE, count 0: disable the index */
		irq_fd_set(slot, -1);
		if (is.index == VFIO_PCI_INTX_IRQ_INDEX)
			irq_fd_set(&s->intx_unmask_fd, -1);
		return 0;
	}
	if (data == VFIO_IRQ_SET_DATA_BOOL && !is.bools[0])
		return 0;
	if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
			irq_fd_set(slot, nfds ? fds[0] : -1);
			if (nfds)
				fds[0] = -1;	/* kept */
			if (is.index == VFIO_PCI_INTX_IRQ_INDEX)
				s->intx_masked = false;
			srv_log("SET_IRQS %s eventfd %s", is.index ? "MSI" : "INTx",
			     *slot >= 0 ? "set" : "cleared");
		} else if (*slot >= 0) {
			signal_fd(*slot);	/* a loopback trigger */
		}
		return 0;
	}
	/* MASK/UNMASK: INTx only (MSI is not maskable here). */
	if (is.index != VFIO_PCI_INTX_IRQ_INDEX ||
	    (data == VFIO_IRQ_SET_DATA_EVENTFD && action != VFIO_IRQ_SET_ACTION_UNMASK))
		return errbuf_set(eb, -EINVAL, "SET_IRQS flags 0x%x unsupported for index %u",
				  is.flags, is.index);
	/*
	 * UNMASK with an eventfd is kernel VFIO's resampler: each signal on
	 * it unmasks (KVM signals it at the guest's EOI of the INTx).
	 */
	if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
		irq_fd_set(&s->intx_unmask_fd, nfds ? fds[0] : -1);
		if (nfds)
			fds[0] = -1;
		return 0;
	}
	if (action == VFIO_IRQ_SET_ACTION_MASK)
		s->intx_masked = true;
	else
		intx_unmask(s);
	return 0;
}

static int do_region_rw(struct server *s, uint16_t cmd, const uint8_t *p,
			size_t len, unsigned int nfds, int *outlen,
			struct errbuf *eb)
{
	bool write = cmd == VFIO_USER_REGION_WRITE;
	struct vfio_user_region_rw rw;
	uint8_t *out = s->out + VFIO_USER_HDR_SIZE;
	int ret;

	ret = vfio_user_region_rw_get(p, len, nfds, XFER_MAX, write, &rw, eb);
	if (ret)
		return ret;
	if (write)
		memcpy(out + VFIO_USER_REGION_RW_SIZE, rw.data, rw.count);
	ret = region_access(s, &rw, out + VFIO_USER_REGION_RW_SIZE, write);
	if (ret)
		return errbuf_set(eb, ret, "%s of region %u 0x%llx+%u: not inside a %s region",
				  vfio_user_cmd_name(cmd), rw.region,
				  (unsigned long long)rw.offset, rw.count,
				  write ? "writable" : "readable");
	rw.data = out + VFIO_USER_REGION_RW_SIZE;
	*outlen = vfio_user_region_rw_put(out, BUF_SIZE - VFIO_USER_HDR_SIZE,
					  &rw, !write);
	return 0;
}

static int do_version(struct server *s, const uint8_t *p, size_t len,
		      unsigned int nfds, int *outlen, struct errbuf *eb)
{
	struct vfio_user_version v;
	int ret;

	ret = vfio_user_version_get(p, len, nfds, &v, eb);
	if (ret)
		return -EINVAL;
	if (v.major != VFIO_USER_MAJOR)
		return errbuf_set(eb, -ENOTSUP, "client speaks protocol %u.%u, we speak %u.x",
				  v.major, v.minor, VFIO_USER_MAJOR);
	v.major = s->nonsense == NS_VERSION ? 7 : VFIO_USER_MAJOR;
	v.minor = VFIO_USER_MINOR;
	v.caps.max_msg_fds = VFIO_USER_FDS_MAX;
	v.caps.max_data_xfer_size = XFER_MAX;
	v.caps.max_dma_maps = DMA_MAPS_MAX;
	v.caps.pgsizes = VFIO_USER_PAGE_SIZE;
	*outlen = vfio_user_version_put(s->out + VFIO_USER_HDR_SIZE,
					BUF_SIZE - VFIO_USER_HDR_SIZE, &v);
	return 0;
}

/* Region info, with the nonsense mode's broken capability offset. */
static int do_region_info(struct server *s, const uint8_t *p, size_t len,
			  unsigned int nfds, int *outlen, int *fd,
			  struct errbuf *eb)
{
	uint8_t *out = s->out + VFIO_USER_HDR_SIZE;
	uint32_t index, argsz, bad = 4000;
	struct vfio_region r;
	int ret;

	ret = vfio_user_region_info_req_get(p, len, nfds, &index, &argsz, eb);
	if (ret)
		return ret;
	if (index >= NUM_REGIONS)
		return errbuf_set(eb, -EINVAL, "no region %u", index);
	region_describe(s, index, &r);
	*outlen = vfio_user_region_info_put(out, BUF_SIZE - VFIO_USER_HDR_SIZE,
					    argsz, &r);
	if (s->nonsense == NS_REGIONINFO && *outlen > VFIO_USER_REGION_INFO_SIZE)
		memcpy(out + 12, &bad, sizeof(bad));
	*fd = r.mmap_fd;
	return 0;
}

static int do_irq_info(const uint8_t *p, size_t len, unsigned int nfds,
		       uint8_t *out, int *outlen, struct errbuf *eb)
{
	struct vfio_irq irq = { 0 };
	uint32_t index;
	int ret;

	ret = vfio_user_irq_info_req_get(p, len, nfds, &index, eb);
	if (ret)
		return ret;
	if (index >= NUM_IRQS)
		return errbuf_set(eb, -EINVAL, "no irq index %u", index);
	irq.index = index;
	if (index == VFIO_PCI_INTX_IRQ_INDEX) {
		irq.count = 1;
		irq.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			    VFIO_IRQ_INFO_AUTOMASKED;
	} else if (index == VFIO_PCI_MSI_IRQ_INDEX) {
		irq.count = 1;
		irq.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
	}
	*outlen = vfio_user_irq_info_put(out, BUF_SIZE - VFIO_USER_HDR_SIZE, &irq);
	return 0;
}

/*
 * One request: the reply's payload goes to s->out after the header, with
 * at most one descriptor. Returns 0 or -errno for an error reply.
 */
static int handle(struct server *s, const struct vfio_user_hdr *h,
		  int *fds, unsigned int nfds, int *outlen, int *outfd,
		  struct errbuf *eb)
{
	const uint8_t *p = s->buf + VFIO_USER_HDR_SIZE;
	uint8_t *out = s->out + VFIO_USER_HDR_SIZE;
	size_t len = h->size - VFIO_USER_HDR_SIZE;
	struct vfio_user_device_info info = {
		.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
		.num_regions = NUM_REGIONS, .num_irqs = NUM_IRQS,
	};
	uint32_t argsz;
	int ret;

	*outlen = 0;
	*outfd = -1;
	if (h->cmd != VFIO_USER_VERSION && !s->negotiated)
		return errbuf_set(eb, -EINVAL, "%s before VERSION",
				  vfio_user_cmd_name(h->cmd));
	switch (h->cmd) {
	case VFIO_USER_VERSION:
		if (s->negotiated)
			return errbuf_set(eb, -EINVAL, "a second VERSION");
		ret = do_version(s, p, len, nfds, outlen, eb);
		s->negotiated = !ret;
		return ret;
	case VFIO_USER_DMA_MAP:
		return do_dma_map(s, p, len, fds, nfds, eb);
	case VFIO_USER_DMA_UNMAP:
		return do_dma_unmap(s, p, len, nfds, outlen, eb);
	case VFIO_USER_DEVICE_GET_INFO:
		ret = vfio_user_device_info_req_get(p, len, nfds, &argsz, eb);
		if (!ret)
			*outlen = vfio_user_device_info_put(out, BUF_SIZE - VFIO_USER_HDR_SIZE,
							    &info);
		return ret;
	case VFIO_USER_DEVICE_GET_REGION_INFO:
		return do_region_info(s, p, len, nfds, outlen, outfd, eb);
	case VFIO_USER_DEVICE_GET_IRQ_INFO:
		return do_irq_info(p, len, nfds, out, outlen, eb);
	case VFIO_USER_DEVICE_SET_IRQS:
		return do_set_irqs(s, p, len, fds, nfds, eb);
	case VFIO_USER_REGION_READ:
	case VFIO_USER_REGION_WRITE:
		return do_region_rw(s, h->cmd, p, len, nfds, outlen, eb);
	case VFIO_USER_DEVICE_RESET:
		if (vfio_user_empty_get(p, len, nfds, "DEVICE_RESET", eb))
			return -EINVAL;
		ret = nonsense_reset_error(s->nonsense, s->resets++);
		if (ret)
			return errbuf_set(eb, -ret, "reset fails (--nonsense)");
		edu_reset(&s->edu);
		srv_log("DEVICE_RESET");
		return 0;
	default:
		return errbuf_set(eb, -ENOTSUP, "command %u (%s) is not supported",
				  h->cmd, vfio_user_cmd_name(h->cmd));
	}
}

static int reply(struct server *s, const struct vfio_user_hdr *req, int err,
		 int outlen, int outfd)
{
	struct vfio_user_hdr h = {
		.id = req->id, .cmd = req->cmd,
		.size = VFIO_USER_HDR_SIZE + (err ? 0 : outlen),
		.flags = VFIO_USER_F_TYPE_REPLY | (err ? VFIO_USER_F_ERROR : 0),
		.error = err ? -err : 0,
	};
	int fds[2] = { outfd, outfd };
	unsigned int nfds = outfd >= 0 && !err;

	if (req->flags & VFIO_USER_F_NO_REPLY)
		return 0;
	if (s->nonsense == NS_FDS && req->cmd == VFIO_USER_DEVICE_GET_INFO) {
		fds[0] = fds[1] = s->bar_fd;
		nfds = 2;
	}
	vfio_user_hdr_put(s->out, &h);
	return usock_send(s->csock, s->out, h.size, fds, nfds,
			  now_ms() + MSG_TIMEOUT_MS);
}

static void client_gone(struct server *s)
{
	unsigned int i;

	/* The specification: unmap and close what the client gave us. */
	for (i = 0; i < s->nmaps; i++)
		munmap(s->maps[i].va, s->maps[i].size);
	s->nmaps = 0;
	irq_fd_set(&s->msi_fd, -1);
	irq_fd_set(&s->intx_fd, -1);
	irq_fd_set(&s->intx_unmask_fd, -1);
	close(s->csock);
	s->csock = -1;
	s->negotiated = false;
	s->resets = 0;
	srv_log("client disconnected (%lu DMA faults so far)", s->edu.dma_faults);
}

static void serve_garbage(struct server *s)
{
	static const char text[] = "this is not a vfio-user server, just nonsense";

	if (send(s->csock, text, sizeof(text), MSG_NOSIGNAL) < 0)
		srv_log("send: %s", strerror(errno));
}

/* Reads and answers one message; false when the client is gone. */
static bool serve_one(struct server *s)
{
	int fds[VFIO_USER_FDS_MAX], outlen, outfd, ret;
	struct errbuf eb = { "" };
	struct vfio_user_hdr h;
	unsigned int nfds;

	ret = vfio_user_sock_recv_msg(s->csock, s->buf, BUF_SIZE, &h, fds,
				      &nfds, now_ms() + MSG_TIMEOUT_MS,
				      &eb);
	if (ret == -ECONNRESET)
		return false;
	if (ret) {
		srv_log("dropping the client: %s", ret == -EBADMSG ? eb.msg : strerror(-ret));
		return false;
	}
	if (s->nonsense == NS_SILENT) {
		vfio_user_close_fds(fds, nfds);
		return true;
	}
	if (s->nonsense == NS_GARBAGE) {
		vfio_user_close_fds(fds, nfds);
		serve_garbage(s);
		return true;
	}
	if ((h.flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_COMMAND) {
		srv_log("dropping the client: it sent a reply (id %u) to nothing", h.id);
		vfio_user_close_fds(fds, nfds);
		return false;
	}
	ret = handle(s, &h, fds, nfds, &outlen, &outfd, &eb);
	vfio_user_close_fds(fds, nfds);
	if (ret)
		srv_log("%s: %s", vfio_user_cmd_name(h.cmd), eb.msg[0] ? eb.msg : strerror(-ret));
	if (!ret && outlen < 0) {
		srv_log("%s: reply does not fit", vfio_user_cmd_name(h.cmd));
		ret = -EIO;
	}
	if (reply(s, &h, ret, outlen, outfd)) {
		srv_log("cannot reply to %s", vfio_user_cmd_name(h.cmd));
		return false;
	}
	return true;
}

/* ---- set-up ---------------------------------------------------------------------- */

static int listen_on(struct server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(s->path) >= sizeof(sa.sun_path)) {
		srv_log("socket path %s is too long", s->path);
		return -1;
	}
	strcpy(sa.sun_path, s->path);
	/* A stale socket of an earlier run; anything else is not ours. */
	if (!lstat(s->path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			srv_log("%s exists and is not a socket", s->path);
			return -1;
		}
		unlink(s->path);
	}
	s->lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lsock < 0 || bind(s->lsock, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(s->lsock, 4)) {
		srv_log("cannot listen on %s: %s", s->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int bar_mem_create(struct server *s)
{
	s->bar_fd = memfd_create("edu-bar0", MFD_CLOEXEC);
	if (s->bar_fd < 0 || ftruncate(s->bar_fd, EDU_BAR0_SIZE)) {
		srv_log("memfd: %s", strerror(errno));
		return -1;
	}
	s->bar_mem = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, s->bar_fd, 0);
	if (s->bar_mem == MAP_FAILED) {
		srv_log("mmap: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int signals_block(struct server *s)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	return s->sigfd < 0 ? -1 : 0;
}

static int parse_args(struct server *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, 'o' },
		{ "no-mmap", no_argument, NULL, 'm' },
		{ "nonsense", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			s->path = optarg;
			break;
		case 'o':
			s->once = true;
			break;
		case 'm':
			s->no_mmap = true;
			break;
		case 'n':
			s->nonsense = nonsense_parse(optarg);
			if (!s->nonsense) {
				srv_log("unknown --nonsense %s", optarg);
				return -1;
			}
			break;
		case 'h':
			printf("usage: vfio-user-edu --socket-path PATH [--once] [--no-mmap] "
			       "[--nonsense %s]\n", nonsense_names());
			exit(0);
		default:
			return -1;
		}
	}
	if (!s->path || optind != argc) {
		srv_log("usage: vfio-user-edu --socket-path PATH [--once] [--no-mmap] [--nonsense KIND]");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct server srv = {
		.lsock = -1, .csock = -1, .sigfd = -1, .bar_fd = -1,
		.intx_fd = -1, .msi_fd = -1, .intx_unmask_fd = -1,
	};
	struct server *s = &srv;
	struct edu_host host = {
		.dma = host_dma, .irq_raise = host_irq_raise, .opaque = s,
	};
	int status = 0;

	if (parse_args(s, argc, argv))
		return 2;
	if (signals_block(s) || bar_mem_create(s) || listen_on(s))
		return 1;
	edu_init(&s->edu, &host);
	printf("listening on %s\n", s->path);
	fflush(stdout);

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = s->sigfd, .events = POLLIN },
			{ .fd = s->csock >= 0 ? s->csock : s->lsock, .events = POLLIN },
			{ .fd = s->intx_unmask_fd, .events = POLLIN },
		};

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			srv_log("poll: %s", strerror(errno));
			status = 1;
			break;
		}
		if (pfd[0].revents) {
			srv_log("stopping on a signal");
			break;
		}
		if (pfd[2].revents & POLLIN) {
			uint64_t n;

			if (read(s->intx_unmask_fd, &n, sizeof(n)) == sizeof(n))
				intx_unmask(s);
		}
		if (!pfd[1].revents)
			continue;
		if (s->csock < 0) {
			s->csock = accept4(s->lsock, NULL, NULL,
					   SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (s->csock >= 0)
				srv_log("client connected");
			continue;
		}
		if (!serve_one(s)) {
			client_gone(s);
			if (s->once)
				break;
		}
	}
	if (s->csock >= 0)
		client_gone(s);
	unlink(s->path);
	return status;
}
