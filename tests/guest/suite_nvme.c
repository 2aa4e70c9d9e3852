// SPDX-License-Identifier: GPL-2.0-only
/*
 * nvme: the first steps of an NVMe driver against whatever controller is on
 * the bus (class 01:08:02): a host's PF or SR-IOV VF assigned by iopass, or
 * QEMU's emulated one. Reset the controller, give it an admin queue pair in
 * guest RAM, enable it, route MSI-X vector 0 (the admin completion queue's)
 * to our LAPIC and IDENTIFY the controller: the command and the data are
 * DMA through the IOMMU, the completion is an MSI-X write through it too.
 *
 * nvme.serial=S and nvme.cntlid=N, when given, must match the identify
 * data (the host passes what it sees of the controller).
 * Register layout and queue entries: NVM Express Base Specification 2.0,
 * sections 3.1 (registers), 4.2-4.6 (queues and entries), 5.17 (Identify).
 */
#include "pci.h"

#define NVME_CLASS		0x010802	/* mass storage, NVM, NVMe */

#define NVME_REG_CAP		0x00	/* 64-bit */
#define  CAP_MQES(c)		((c) & 0xffff)
#define  CAP_TO(c)		(((c) >> 24) & 0xff)	/* 500 ms units */
#define  CAP_DSTRD(c)		(((c) >> 32) & 0xf)
#define  CAP_CSS_NVM(c)		(((c) >> 37) & 1)
#define  CAP_MPSMIN(c)		(((c) >> 48) & 0xf)
#define NVME_REG_VS		0x08
#define NVME_REG_CC		0x14
#define  CC_EN			0x1
#define  CC_IOSQES		(6 << 16)	/* 64-byte SQ entries */
#define  CC_IOCQES		(4 << 20)	/* 16-byte CQ entries */
#define NVME_REG_CSTS		0x1c
#define  CSTS_RDY		0x1
#define  CSTS_CFS		0x2
#define NVME_REG_AQA		0x24
#define NVME_REG_ASQ		0x28	/* 64-bit */
#define NVME_REG_ACQ		0x30	/* 64-bit */
#define NVME_DOORBELLS		0x1000

#define NVME_ADMIN_IDENTIFY	0x06
#define  IDENTIFY_CNS_CTRL	0x01
#define ID_VID			0
#define ID_SSVID		2
#define ID_SN			4
#define  ID_SN_LEN		20
#define ID_MN			24
#define  ID_MN_LEN		40
#define ID_FR			64
#define  ID_FR_LEN		8
#define ID_CNTLID		78

#define QUEUE_ENTRIES		16
#define NVME_VECTOR		0x42
#define IRQ_TIMEOUT		4000000000ull	/* cycles */
#define IRQ_QUIET		20000000ull
/* Per 500 ms of CAP.TO, with room for a fast TSC. */
#define TO_CYCLES		2500000000ull

struct nvme_sqe {
	uint32_t cdw0;		/* opcode | command id << 16 */
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1;
	uint64_t prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	uint32_t dw0;
	uint32_t dw1;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;	/* phase in bit 0, status field above */
};

_Static_assert(sizeof(struct nvme_sqe) == 64, "SQ entry is 64 bytes");
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQ entry is 16 bytes");

static struct nvme_sqe asq[QUEUE_ENTRIES] __noinit
	__attribute__((aligned(4096)));
static volatile struct nvme_cqe acq[QUEUE_ENTRIES] __noinit
	__attribute__((aligned(4096)));
static uint8_t id_buf[4096] __noinit __attribute__((aligned(4096)));
static volatile unsigned int nvme_irqs;

struct nvme {
	struct pci_dev *pci;
	uint64_t bar0;
	uint64_t cap;
	uint32_t db_stride;
};

static uint32_t nvme_read(const struct nvme *n, uint32_t reg)
{
	return mmio_read32(n->bar0 + reg);
}

static void nvme_write(const struct nvme *n, uint32_t reg, uint32_t v)
{
	mmio_write32(n->bar0 + reg, v);
}

/* 64-bit registers as two 32-bit halves, low first: every host takes it. */
static void nvme_write64(const struct nvme *n, uint32_t reg, uint64_t v)
{
	nvme_write(n, reg, v);
	nvme_write(n, reg + 4, v >> 32);
}

static void nvme_irq_handler(struct trap_frame *f)
{
	(void)f;
	nvme_irqs++;
	lapic_eoi();
}

static bool wait_ready(const struct nvme *n, bool ready)
{
	uint64_t t0 = rdtsc(), limit = (CAP_TO(n->cap) + 1) * TO_CYCLES;

	while (!!(nvme_read(n, NVME_REG_CSTS) & CSTS_RDY) != ready) {
		if (rdtsc() - t0 > limit)
			return false;
		cpu_relax();
	}
	return true;
}

static struct pci_dev *nvme_find(void)
{
	struct pci_dev *list;
	unsigned int i, n = pci_scan(&list);

	for (i = 0; i < n; i++)
		if (list[i].class == NVME_CLASS)
			return &list[i];
	return NULL;
}

/* Copies a space-padded identify string, trimmed, NUL-terminated. */
static void id_string(char *out, const uint8_t *p, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	while (i && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

static void test_regs(struct nvme *n)
{
	uint32_t vs;

	test_begin("nvme.regs");
	n->cap = nvme_read(n, NVME_REG_CAP) |
		 (uint64_t)nvme_read(n, NVME_REG_CAP + 4) << 32;
	vs = nvme_read(n, NVME_REG_VS);
	n->db_stride = 4u << CAP_DSTRD(n->cap);
	pr("# nvme " BDF_FMT " %04x:%04x BAR0 0x%lx size 0x%lx CAP 0x%016lx "
	   "version %u.%u.%u\n", BDF_ARGS(n->pci), n->pci->vendor,
	   n->pci->device, n->bar0, n->pci->bar[0].size, n->cap, vs >> 16,
	   (vs >> 8) & 0xff, vs & 0xff);
	test_check(n->cap != ~0ull, "CAP reads all ones: BAR0 not decoded");
	test_check(CAP_CSS_NVM(n->cap), "no NVM command set in CAP.CSS");
	test_check(CAP_MPSMIN(n->cap) == 0, "4 KiB pages not supported "
		   "(MPSMIN %lu)", CAP_MPSMIN(n->cap));
	test_check(CAP_MQES(n->cap) + 1 >= QUEUE_ENTRIES, "queues of at most "
		   "%lu entries", CAP_MQES(n->cap) + 1);
	test_check(vs >= 0x10000, "version 0x%x", vs);
	test_end();
}

static bool test_enable(struct nvme *n)
{
	uint32_t csts;
	int err;

	test_begin("nvme.reset");
	nvme_write(n, NVME_REG_CC, 0);
	test_check(wait_ready(n, false), "CSTS.RDY stays 1 after CC.EN=0");
	test_end();

	test_begin("nvme.msix");
	err = lapic_init();
	test_check(!err, "LAPIC unusable (%d)", err);
	if (!err) {
		irq_set_handler(NVME_VECTOR, nvme_irq_handler);
		err = msix_enable(n->pci, 0, NVME_VECTOR);
		test_check(err != -1, "no MSI-X capability");
		test_check(err != -3, "MSI-X table BAR not assigned");
	}
	test_end();
	if (err)
		return false;

	test_begin("nvme.enable");
	memset(asq, 0, sizeof(asq));
	memset((void *)acq, 0, sizeof(acq));
	nvme_write(n, NVME_REG_AQA,
		   (QUEUE_ENTRIES - 1) << 16 | (QUEUE_ENTRIES - 1));
	nvme_write64(n, NVME_REG_ASQ, (uint64_t)asq);
	nvme_write64(n, NVME_REG_ACQ, (uint64_t)acq);
	nvme_write(n, NVME_REG_CC, CC_IOSQES | CC_IOCQES | CC_EN);
	test_check(wait_ready(n, true), "CSTS.RDY never 1 after CC.EN=1 "
		   "(CSTS 0x%x)", nvme_read(n, NVME_REG_CSTS));
	csts = nvme_read(n, NVME_REG_CSTS);
	test_check(!(csts & CSTS_CFS), "controller fatal status (CSTS 0x%x)",
		   csts);
	test_end();
	return (csts & (CSTS_RDY | CSTS_CFS)) == CSTS_RDY;
}

/* cmdline key as a string, at most size-1 chars; false if absent. */
static bool cmdline_str(const char *key, char *out, size_t size)
{
	const char *v;
	size_t len;

	if (!cmdline_get(key, &v, &len))
		return false;
	if (len >= size)
		len = size - 1;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

static void check_identify(const struct nvme *n)
{
	char sn[ID_SN_LEN + 1], mn[ID_MN_LEN + 1], fr[ID_FR_LEN + 1];
	char want[64];
	uint16_t vid = id_buf[ID_VID] | id_buf[ID_VID + 1] << 8;
	uint16_t cntlid = id_buf[ID_CNTLID] | id_buf[ID_CNTLID + 1] << 8;
	uint64_t want_id;

	id_string(sn, id_buf + ID_SN, ID_SN_LEN);
	id_string(mn, id_buf + ID_MN, ID_MN_LEN);
	id_string(fr, id_buf + ID_FR, ID_FR_LEN);
	pr("# nvme identify: vid %04x sn '%s' mn '%s' fr '%s' cntlid %u\n",
	   vid, sn, mn, fr, cntlid);
	test_check(vid == n->pci->vendor, "identify VID %04x, PCI vendor "
		   "%04x", vid, n->pci->vendor);
	test_check(sn[0] && mn[0], "empty serial or model number");
	if (cmdline_str("nvme.serial", want, sizeof(want)))
		test_check(!strncmp(sn, want, sizeof(sn)) &&
			   strlen(sn) == strlen(want),
			   "serial '%s', the host says '%s'", sn, want);
	if (cmdline_str("nvme.cntlid", want, sizeof(want)) &&
	    test_check(parse_u64(want, strlen(want), &want_id) ==
		       strlen(want), "bad nvme.cntlid="))
		test_check(cntlid == want_id, "controller id %u, the host "
			   "says %lu", cntlid, want_id);
}

static void test_identify(struct nvme *n)
{
	const uint16_t cid = 0x1d;
	volatile struct nvme_cqe *cqe = &acq[0];
	uint64_t t0, cycles;
	uint16_t sc;

	test_begin("nvme.identify");
	memset(id_buf, 0, sizeof(id_buf));
	asq[0] = (struct nvme_sqe){
		.cdw0 = NVME_ADMIN_IDENTIFY | (uint32_t)cid << 16,
		.prp1 = (uint64_t)id_buf,	/* 4 KiB, page aligned */
		.cdw10 = IDENTIFY_CNS_CTRL,
	};
	nvme_irqs = 0;
	asm volatile("" : : : "memory");
	t0 = rdtsc();
	/* Admin SQ tail doorbell (queue 0, doorbell 0). */
	nvme_write(n, NVME_DOORBELLS, 1);
	if (!test_check(irq_wait(&nvme_irqs, 1, IRQ_TIMEOUT),
			"no MSI-X interrupt for the completion (CQE status "
			"0x%04x)", cqe->status)) {
		test_end();
		return;
	}
	cycles = rdtsc() - t0;
	test_check(cqe->status & 1, "completion phase bit 0: the entry is "
		   "not new");
	sc = cqe->status >> 1;
	test_check(!sc, "status 0x%x (type %u code 0x%02x)", sc,
		   (sc >> 8) & 7, sc & 0xff);
	test_check(cqe->cid == cid && cqe->sqid == 0 && cqe->sqhd == 1,
		   "completion cid 0x%x sqid %u sqhd %u, want 0x%x 0 1",
		   cqe->cid, cqe->sqid, cqe->sqhd, cid);
	/* Admin CQ head doorbell: the entry is consumed. */
	nvme_write(n, NVME_DOORBELLS + n->db_stride, 1);
	irq_wait(&nvme_irqs, 2, IRQ_QUIET);
	test_check(nvme_irqs == 1, "%u interrupts for one completion",
		   nvme_irqs);
	pr("# nvme.identify: completion after %lu cycles\n", cycles);
	check_identify(n);
	test_end();
}

static void nvme_run(void)
{
	struct nvme n = { .pci = nvme_find() };

	if (!n.pci || !n.pci->bar[0].base || n.pci->bar[0].io) {
		test_result_fail("nvme", n.pci ? "NVMe BAR0 unassigned" :
				 "no NVMe controller (class 01:08:02)");
		return;
	}
	n.bar0 = n.pci->bar[0].base;
	pci_enable(n.pci, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	test_regs(&n);
	if (test_enable(&n))
		test_identify(&n);
	/* Leave it off: the next owner (the host, a reset) finds it idle. */
	nvme_write(&n, NVME_REG_CC, 0);
	wait_ready(&n, false);
	msix_disable(n.pci);
}

const struct suite suite_nvme = {
	.name = "nvme",
	.by_default = false,
	.run = nvme_run,
};
