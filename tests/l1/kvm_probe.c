// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_probe: can this machine run iopass's VMM here and now?
 *
 * A /dev/kvm that exists is not enough: the kvm modules may be loaded with
 * no device node (seen on build machines), the node may be a stand-in (a
 * bind-mounted /dev/null), or KVM may refuse to create a VM. So do what the
 * VMM does first: open it, check the API version, create a VM with a vCPU.
 *
 * Prints "usable" and exits 0, or prints why not (one line) and exits 1.
 * scripts/check uses it to decide where the l1 tests run; the l1 tests use
 * it to say why they skip when run straight from ctest on such a machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int kvm_probe(char *why, size_t len)
{
	int kvm, vm, vcpu, ver;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		snprintf(why, len, "cannot open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	ver = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm is not KVM (KVM_GET_API_VERSION: %s)",
			 ver < 0 ? strerror(errno) : "unexpected version");
		close(kvm);
		return -1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		snprintf(why, len, "KVM_CREATE_VM failed: %s", strerror(errno));
		close(kvm);
		return -1;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		snprintf(why, len, "KVM_CREATE_VCPU failed: %s", strerror(errno));
		close(vm);
		close(kvm);
		return -1;
	}
	close(vcpu);
	close(vm);
	close(kvm);
	return 0;
}

int main(void)
{
	char why[256];

	if (kvm_probe(why, sizeof(why))) {
		printf("%s\n", why);
		return 1;
	}
	printf("usable\n");
	return 0;
}
