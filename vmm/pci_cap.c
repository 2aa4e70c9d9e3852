// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capability lists in the first 256 bytes of config space: building them
 * (linking, no overlaps, read-only headers) and the MSI and MSI-X
 * capability layouts. Walks are bounded: a list the guest cannot change
 * is still walked as if it could loop.
 */
#include <errno.h>

#include "pci.h"

#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAPABILITY_LIST	0x34
#define CAP_FIRST		0x40
#define CAP_END			0x100
#define CAP_MAX_WALK		48	/* (256 - 64) / 4 */

#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_MSIX		0x11

static bool cap_range_free(struct pci_device *dev, uint32_t off, uint32_t len)
{
	for (uint32_t o = off; o < off + len; o++)
		if (dev->cap_used[o / 8] & (1u << (o % 8)))
			return false;
	return true;
}

static void cap_range_take(struct pci_device *dev, uint32_t off, uint32_t len)
{
	for (uint32_t o = off; o < off + len; o++)
		dev->cap_used[o / 8] |= 1u << (o % 8);
}

int pci_cap_add(struct pci_device *dev, uint8_t id, uint32_t len,
		uint32_t off)
{
	uint32_t ptr, last = 0;
	int n;

	if (len < 2 || len > CAP_END - CAP_FIRST || dev->registered)
		return -EINVAL;
	if (!off) {
		for (off = CAP_FIRST; off + len <= CAP_END; off += 4)
			if (cap_range_free(dev, off, len))
				break;
		if (off + len > CAP_END)
			return -ENOSPC;
	} else if (off < CAP_FIRST || (off & 3) || off + len > CAP_END) {
		return -EINVAL;
	} else if (!cap_range_free(dev, off, len)) {
		return -EBUSY;
	}

	/* Append, so that the list is in the order the device built it. */
	ptr = dev->cfg[PCI_CAPABILITY_LIST];
	for (n = 0; ptr && n < CAP_MAX_WALK; n++) {
		last = ptr;
		ptr = dev->cfg[ptr + 1];
	}
	if (ptr)
		return -ELOOP;
	cap_range_take(dev, off, len);
	dev->cfg[off] = id;
	dev->cfg[off + 1] = 0;
	if (last)
		dev->cfg[last + 1] = off;
	else
		dev->cfg[PCI_CAPABILITY_LIST] = off;
	dev->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	return off;
}

int pci_cap_find(struct pci_device *dev, uint8_t id, uint32_t start)
{
	uint32_t ptr;
	int n;

	if (start >= CAP_END)
		return -ENOENT;
	ptr = start ? dev->cfg[start + 1] : dev->cfg[PCI_CAPABILITY_LIST];
	for (n = 0; n < CAP_MAX_WALK; n++) {
		ptr &= 0xfc;
		if (ptr < CAP_FIRST)
			return -ENOENT;
		if (dev->cfg[ptr] == id)
			return ptr;
		ptr = dev->cfg[ptr + 1];
	}
	return -ELOOP;
}

/*
 * Control: enable (and multiple message enable when there is more than one
 * vector) writable. Address: dword aligned. Data: 16 bits.
 */
int pci_cap_add_msi(struct pci_device *dev, uint32_t off,
		    unsigned int log2_vectors, bool addr64)
{
	uint32_t len = addr64 ? 14 : 10;
	uint32_t data = addr64 ? 12 : 8;
	int cap;

	if (log2_vectors > 5)
		return -EINVAL;
	cap = pci_cap_add(dev, PCI_CAP_ID_MSI, len, off);
	if (cap < 0)
		return cap;
	pci_cfg_set(dev, cap + 2, 2, (addr64 ? 0x80 : 0) | log2_vectors << 1);
	pci_cfg_set_wmask(dev, cap + 2, 2, log2_vectors ? 0x71 : 0x01);
	pci_cfg_set_wmask(dev, cap + 4, 4, 0xfffffffc);
	if (addr64)
		pci_cfg_set_wmask(dev, cap + 8, 4, 0xffffffff);
	pci_cfg_set_wmask(dev, cap + data, 2, 0xffff);
	return cap;
}

void pci_msi_get(struct pci_device *dev, uint32_t cap,
		 struct pci_msi_msg *msg)
{
	uint16_t ctrl = pci_cfg_get(dev, cap + 2, 2);
	bool addr64 = ctrl & 0x80;

	msg->enabled = ctrl & 1;
	msg->addr = pci_cfg_get(dev, cap + 4, 4);
	if (addr64)
		msg->addr |= (uint64_t)pci_cfg_get(dev, cap + 8, 4) << 32;
	msg->data = pci_cfg_get(dev, cap + (addr64 ? 12 : 8), 2);
}

/* Control: table size RO, enable and function mask writable. */
int pci_cap_add_msix(struct pci_device *dev, uint32_t off, uint32_t nvec,
		     int table_bar, uint32_t table_off, int pba_bar,
		     uint32_t pba_off)
{
	int cap;

	if (!nvec || nvec > MSIX_MAX_VECTORS || table_bar < 0 ||
	    table_bar >= PCI_NUM_BARS || pba_bar < 0 ||
	    pba_bar >= PCI_NUM_BARS || (table_off & 7) || (pba_off & 7))
		return -EINVAL;
	if (!dev->bars[table_bar].size ||
	    MSIX_TABLE_SIZE(nvec) > dev->bars[table_bar].size ||
	    table_off > dev->bars[table_bar].size - MSIX_TABLE_SIZE(nvec))
		return -ERANGE;
	if (!dev->bars[pba_bar].size ||
	    MSIX_PBA_SIZE(nvec) > dev->bars[pba_bar].size ||
	    pba_off > dev->bars[pba_bar].size - MSIX_PBA_SIZE(nvec))
		return -ERANGE;
	cap = pci_cap_add(dev, PCI_CAP_ID_MSIX, 12, off);
	if (cap < 0)
		return cap;
	pci_cfg_set(dev, cap + 2, 2, nvec - 1);
	pci_cfg_set_wmask(dev, cap + 2, 2, 0xc000);
	pci_cfg_set(dev, cap + 4, 4, table_off | table_bar);
	pci_cfg_set(dev, cap + 8, 4, pba_off | pba_bar);
	return cap;
}
