/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake sysfs tree in a temp directory, laid out like the kernel's
 * (devices/pci0000:00/BDF with bus/pci/devices/BDF links), for the unit
 * tests of edge cases no real machine here has. Helpers abort the test on
 * any filesystem error.
 */
#ifndef IOPASS_TESTS_FAKESYS_H
#define IOPASS_TESTS_FAKESYS_H

struct fakesys {
	char root[256];
};

void fakesys_init(struct fakesys *fs);
/* cmocka fixtures: *state is a fresh struct fakesys, removed afterwards. */
int fakesys_setup(void **state);
int fakesys_teardown(void **state);
void fakesys_cleanup(struct fakesys *fs);
void fakesys_write(struct fakesys *fs, const char *rel, const char *content);
void fakesys_symlink(struct fakesys *fs, const char *rel, const char *target);
void fakesys_remove(struct fakesys *fs, const char *rel);

/* A PCI function with vendor, device, class and subsystem ids. */
void fakesys_add_pci(struct fakesys *fs, const char *bdf, unsigned int vendor,
		     unsigned int device, unsigned int class);
void fakesys_set_attr(struct fakesys *fs, const char *bdf, const char *attr,
		      const char *value);
void fakesys_set_driver(struct fakesys *fs, const char *bdf, const char *drv);
void fakesys_set_group(struct fakesys *fs, const char *bdf, int group);
/* Makes pf an SR-IOV PF (total VFs) and vf its VF number idx. */
void fakesys_make_pf(struct fakesys *fs, const char *pf, int total, int num);
void fakesys_add_vf(struct fakesys *fs, const char *pf, int idx, const char *vf,
		    unsigned int vendor, unsigned int device);

/*
 * Runs a shell command (the tests build one around IOPASS_BIN), puts what
 * it printed (stdout and whatever it redirects) in out, NUL-terminated and
 * cut at len - 1 bytes, asserts that it exited, returns its exit status.
 */
int run_capture(const char *cmd, char *out, size_t len);

#endif
