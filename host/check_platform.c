// SPDX-License-Identifier: GPL-2.0-only
/*
 * host check, the platform: hardware virtualization and KVM, the IOMMU in
 * the firmware and in the kernel, interrupt remapping and VFIO. libvirt's
 * virt-host-validate checks the first few and says what is wrong; here
 * each finding also says what to change (the kernel parameter, the module,
 * the modprobe option) and where.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_impl.h"

#define GRUB_HOWTO " on the kernel command line (GRUB_CMDLINE_LINUX in " \
		   "/etc/default/grub, then update-grub) and reboot"

static bool path_access(const char *root, const char *rel, int mode)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, mode) == 0;
}

/* Entries of root/rel, "." and ".." aside; names in list (space separated). */
static int dir_count(const char *root, const char *rel, char *list, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (list && len)
		list[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (list && len)
			host_append(list, len, "%s%s", n ? " " : "", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static bool param_on(const char *sysfs, const char *module, const char *param)
{
	char rel[160], v[16];

	snprintf(rel, sizeof(rel), "module/%s/parameters/%s", module, param);
	if (sysfs_read_str(sysfs, rel, v, sizeof(v)))
		return false;
	return v[0] == '1' || v[0] == 'Y' || v[0] == 'y';
}

/* CPU: "vmx" (Intel VT-x) or "svm" (AMD-V) among /proc/cpuinfo's flags. */
enum cpu_virt { CPU_UNKNOWN, CPU_NONE, CPU_VMX, CPU_SVM };

static enum cpu_virt cpu_virt(const char *procfs)
{
	enum cpu_virt v = CPU_UNKNOWN;
	char *text, *line, *save = NULL;

	if (host_read_file(procfs, "cpuinfo", &text))
		return CPU_UNKNOWN;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon, *w, *wsave = NULL;

		if (strncmp(line, "flags", 5))
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		v = CPU_NONE;
		for (w = strtok_r(colon + 1, " \t", &wsave); w;
		     w = strtok_r(NULL, " \t", &wsave)) {
			if (!strcmp(w, "vmx"))
				v = CPU_VMX;
			else if (!strcmp(w, "svm"))
				v = CPU_SVM;
		}
		break;	/* every CPU has the same flags */
	}
	free(text);
	return v;
}

static int check_kvm(const struct host_env *env, struct host_report *rep)
{
	enum cpu_virt cv = cpu_virt(env->procfs);
	const char *mod = cv == CPU_SVM ? "kvm_amd" : "kvm_intel";
	char seen[256], fix[512];
	bool kvm_mod;
	int ret;

	/*
	 * Some sandboxes hide the flags while KVM works: /dev/kvm is the
	 * proof that counts.
	 */
	if (cv == CPU_NONE && !path_access(env->dev, "kvm", F_OK))
		ret = host_report_add(rep, "cpu_virt", HOST_FAIL,
			"hardware virtualization in the CPU",
			"no vmx or svm flag in /proc/cpuinfo",
			"enable Intel VT-x or AMD-V (SVM) in the firmware setup; "
			"in a virtual machine, give it the host CPU's virtualization "
			"(nested: kvm_intel/kvm_amd nested=1 on its host, and a CPU "
			"model with vmx or svm)");
	else
		ret = host_report_add(rep, "cpu_virt", cv == CPU_UNKNOWN ?
			HOST_WARN : HOST_OK, "hardware virtualization in the CPU",
			cv == CPU_UNKNOWN ? "cannot read /proc/cpuinfo" :
			cv == CPU_NONE ? "no vmx or svm flag in /proc/cpuinfo, but "
			"/dev/kvm exists (the flags are hidden here)" :
			cv == CPU_SVM ? "svm (AMD-V)" : "vmx (Intel VT-x)",
			"mount /proc");
	if (ret)
		return ret;

	kvm_mod = host_module_loaded(env->sysfs, "kvm_amd") ||
		  host_module_loaded(env->sysfs, "kvm_intel");
	if (kvm_mod)
		mod = host_module_loaded(env->sysfs, "kvm_amd") ? "kvm_amd" : "kvm_intel";
	if (!path_access(env->dev, "kvm", F_OK)) {
		snprintf(seen, sizeof(seen), "no /dev/kvm%s", kvm_mod ? "" :
			 " (neither kvm_intel nor kvm_amd is loaded)");
		snprintf(fix, sizeof(fix),
			 "modprobe %s; at boot: echo %s > /etc/modules-load.d/kvm.conf; "
			 "when modprobe fails, dmesg says why (often: virtualization "
			 "disabled in the firmware setup)", mod, mod);
		return host_report_add(rep, "kvm", HOST_FAIL, "KVM (/dev/kvm)",
				       seen, fix);
	}
	if (!path_access(env->dev, "kvm", R_OK | W_OK))
		return host_report_add(rep, "kvm", HOST_FAIL, "KVM (/dev/kvm)",
			"/dev/kvm exists but this user cannot open it read-write",
			"run iopass as root, or add the user to the group that "
			"owns /dev/kvm (usermod -aG kvm USER; ls -l /dev/kvm)");
	snprintf(seen, sizeof(seen), "/dev/kvm%s%s", kvm_mod ? ", module " : "",
		 kvm_mod ? mod : "");
	ret = host_report_add(rep, "kvm", HOST_OK, "KVM (/dev/kvm)", seen, NULL);
	if (ret || !kvm_mod)
		return ret;

	/* Nested: a guest that runs its own VMs (a testbed, a CI runner). */
	if (param_on(env->sysfs, mod, "nested")) {
		snprintf(seen, sizeof(seen), "%s nested=1", mod);
		return host_report_add(rep, "kvm_nested", HOST_OK,
				       "nested virtualization", seen, NULL);
	}
	snprintf(seen, sizeof(seen), "%s nested=0: guests cannot run VMs of their own", mod);
	snprintf(fix, sizeof(fix),
		 "only if guests run their own VMs: echo 'options %s nested=1' > "
		 "/etc/modprobe.d/kvm-nested.conf, then with no VM running: "
		 "modprobe -r %s && modprobe %s", mod, mod, mod);
	return host_report_add(rep, "kvm_nested", HOST_WARN,
			       "nested virtualization", seen, fix);
}

/* The command line's words that decide the IOMMU, for seen and fix. */
struct iommu_cmdline {
	char intel[32], amd[32], iommu[32], passthrough[8];
	bool has_intel, has_amd, has_iommu, has_passthrough;
};

static void read_iommu_cmdline(const char *procfs, struct iommu_cmdline *c)
{
	c->has_intel = host_cmdline_has(procfs, "intel_iommu", c->intel, sizeof(c->intel));
	c->has_amd = host_cmdline_has(procfs, "amd_iommu", c->amd, sizeof(c->amd));
	c->has_iommu = host_cmdline_has(procfs, "iommu", c->iommu, sizeof(c->iommu));
	c->has_passthrough = host_cmdline_has(procfs, "iommu.passthrough",
					      c->passthrough, sizeof(c->passthrough));
}

static void describe_cmdline(const struct iommu_cmdline *c, char *buf, size_t len)
{
	size_t k = strlen(buf);

	host_append(buf, len, "; kernel command line:");
	if (c->has_intel)
		host_append(buf, len, " intel_iommu=%s", c->intel);
	if (c->has_amd)
		host_append(buf, len, " amd_iommu=%s", c->amd);
	if (c->has_iommu)
		host_append(buf, len, " iommu=%s", c->iommu);
	if (c->has_passthrough)
		host_append(buf, len, " iommu.passthrough=%s", c->passthrough);
	if (strlen(buf) == k + strlen("; kernel command line:"))
		host_append(buf, len, " no IOMMU parameters");
}

/* The firmware's table (DMAR: Intel VT-d; IVRS: AMD-Vi), 0 when neither. */
static const char *iommu_table(const char *sysfs)
{
	if (sysfs_exists(sysfs, "firmware/acpi/tables/DMAR"))
		return "DMAR";
	if (sysfs_exists(sysfs, "firmware/acpi/tables/IVRS"))
		return "IVRS";
	return NULL;
}

static int check_iommu(const struct host_env *env, struct host_report *rep,
		       bool *active)
{
	const char *table = iommu_table(env->sysfs);
	char units[256], seen[768], fix[768] = "";
	struct iommu_cmdline c;
	int nunits, ngroups, ret;

	read_iommu_cmdline(env->procfs, &c);
	nunits = dir_count(env->sysfs, "class/iommu", units, sizeof(units));
	ngroups = dir_count(env->sysfs, "kernel/iommu_groups", NULL, 0);
	*active = ngroups > 0;

	if (table)
		snprintf(seen, sizeof(seen), "ACPI %s table (%s)", table,
			 !strcmp(table, "DMAR") ? "Intel VT-d" : "AMD-Vi");
	else if (nunits)
		snprintf(seen, sizeof(seen), "no ACPI DMAR/IVRS table, but IOMMU units %s", units);
	else
		snprintf(seen, sizeof(seen), "no ACPI DMAR or IVRS table");
	ret = host_report_add(rep, "iommu_firmware", table || nunits ? HOST_OK : HOST_FAIL,
		"IOMMU described by the firmware", seen,
		"enable the IOMMU in the firmware setup (Intel: VT-d; AMD: "
		"AMD-Vi or IOMMU); without it no device can be assigned safely");
	if (ret)
		return ret;

	if (*active) {
		snprintf(seen, sizeof(seen), "IOMMU units %s; %d IOMMU groups",
			 nunits ? units : "(none listed)", ngroups);
		describe_cmdline(&c, seen, sizeof(seen));
		ret = host_report_add(rep, "iommu", HOST_OK,
				      "IOMMU enabled by the kernel", seen, NULL);
	} else {
		snprintf(seen, sizeof(seen), "no IOMMU groups in /sys/kernel/iommu_groups");
		describe_cmdline(&c, seen, sizeof(seen));
		if (c.has_iommu && !strcmp(c.iommu, "off"))
			host_append(fix, sizeof(fix), "remove iommu=off, ");
		if (c.has_amd && !strcmp(c.amd, "off"))
			host_append(fix, sizeof(fix), "remove amd_iommu=off, ");
		if (table && !strcmp(table, "IVRS"))
			host_append(fix, sizeof(fix), "add iommu=pt (AMD-Vi is on by default)");
		else if (c.has_intel && strcmp(c.intel, "on"))
			host_append(fix, sizeof(fix), "replace intel_iommu=%s by intel_iommu=on iommu=pt",
				    c.intel);
		else if (!c.has_intel)
			host_append(fix, sizeof(fix), "add intel_iommu=on iommu=pt");
		else
			host_append(fix, sizeof(fix), "keep intel_iommu=on, add iommu=pt");
		host_append(fix, sizeof(fix), "%s%s", GRUB_HOWTO, table ? "" :
			    "; first enable the IOMMU in the firmware setup");
		ret = host_report_add(rep, "iommu", HOST_FAIL,
				      "IOMMU enabled by the kernel", seen, fix);
	}
	if (ret || !*active)
		return ret;

	/*
	 * iommu=pt: the host's own devices skip translation (their groups'
	 * default domain is "identity"); assigned devices are translated all
	 * the same. Not a matter of safety, of the host's I/O speed.
	 */
	{
		char rel[64], type[32], list[4096];
		int ident = 0, dma = 0;
		char *save = NULL;

		dir_count(env->sysfs, "kernel/iommu_groups", list, sizeof(list));
		for (char *g = strtok_r(list, " ", &save); g; g = strtok_r(NULL, " ", &save)) {
			snprintf(rel, sizeof(rel), "kernel/iommu_groups/%s/type", g);
			if (sysfs_read_str(env->sysfs, rel, type, sizeof(type)))
				continue;
			if (!strcmp(type, "identity"))
				ident++;
			else
				dma++;
		}
		if (ident || (c.has_iommu && !strcmp(c.iommu, "pt")) ||
		    (c.has_passthrough && c.passthrough[0] == '1')) {
			snprintf(seen, sizeof(seen),
				 "passthrough for host-owned devices (%d groups identity, %d translated)",
				 ident, dma);
			return host_report_add(rep, "iommu_passthrough", HOST_OK,
					       "host devices in IOMMU passthrough", seen, NULL);
		}
		snprintf(seen, sizeof(seen),
			 "every group translated (%d groups of type DMA): the host's own "
			 "NICs and disks pay for IOMMU translation", dma);
		return host_report_add(rep, "iommu_passthrough", HOST_WARN,
			"host devices in IOMMU passthrough", seen,
			"add iommu=pt" GRUB_HOWTO " (assigned devices stay translated "
			"and isolated)");
	}
}

/*
 * Interrupt remapping: with it, the kernel names its interrupt chips IR-*
 * in /proc/interrupts (IR-PCI-MSI, IR-IO-APIC). Without it, VFIO type1
 * refuses to attach a device unless allow_unsafe_interrupts is set, which
 * lets a guest forge MSIs that look like any device's.
 */
static int check_intremap(const struct host_env *env, struct host_report *rep,
			  bool iommu_active)
{
	char *text, *save = NULL, chips[256] = "", seen[512], fix[768] = "";
	char v[16];
	int ret;

	if (host_read_file(env->procfs, "interrupts", &text))
		return host_report_add(rep, "interrupt_remapping", HOST_WARN,
				       "interrupt remapping", "cannot read /proc/interrupts",
				       "mount /proc");
	for (char *w = strtok_r(text, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		char word[48];

		if (strncmp(w, "IR-", 3))
			continue;
		snprintf(word, sizeof(word), " %s,", w);
		if (strstr(chips, word) || strlen(chips) + strlen(word) >= sizeof(chips))
			continue;
		host_append(chips, sizeof(chips), "%s", word);
	}
	free(text);
	if (chips[0]) {
		chips[strlen(chips) - 1] = '\0';
		snprintf(seen, sizeof(seen), "remapped interrupt chips in /proc/interrupts:%s", chips);
		ret = host_report_add(rep, "interrupt_remapping", HOST_OK,
				      "interrupt remapping", seen, NULL);
	} else {
		snprintf(seen, sizeof(seen), "no IR-* interrupt chips in /proc/interrupts%s",
			 iommu_active ? "" : " (and no IOMMU)");
		if (host_cmdline_has(env->procfs, "intremap", v, sizeof(v)) && !strcmp(v, "off"))
			host_append(fix, sizeof(fix), "remove intremap=off" GRUB_HOWTO "; ");
		if (host_cmdline_has(env->procfs, "nointremap", NULL, 0))
			host_append(fix, sizeof(fix), "remove nointremap" GRUB_HOWTO "; ");
		if (!iommu_active)
			host_append(fix, sizeof(fix), "enable the IOMMU first (see 'iommu'); ");
		host_append(fix, sizeof(fix),
			    "enable interrupt remapping in the firmware setup (part of "
			    "VT-d / AMD-Vi; x2APIC too). Without it VFIO refuses to assign "
			    "devices; 'options vfio_iommu_type1 allow_unsafe_interrupts=1' "
			    "forces it but lets a guest forge other devices' interrupts");
		ret = host_report_add(rep, "interrupt_remapping", HOST_FAIL,
				      "interrupt remapping", seen, fix);
	}
	if (ret)
		return ret;
	if (param_on(env->sysfs, "vfio_iommu_type1", "allow_unsafe_interrupts"))
		return host_report_add(rep, "unsafe_interrupts", HOST_WARN,
			"VFIO without unsafe interrupts",
			"vfio_iommu_type1 allow_unsafe_interrupts=Y: a guest can send "
			"interrupts as any device",
			"remove allow_unsafe_interrupts=1 from /etc/modprobe.d/*.conf and "
			"the kernel command line, then reload vfio_iommu_type1 (no VM running)");
	return 0;
}

static int check_vfio(const struct host_env *env, struct host_report *rep)
{
	static const char *const mods[] = { "vfio", "vfio_pci", "vfio_iommu_type1" };
	char missing[128] = "", seen[512], fix[512];
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(mods); i++)
		if (!host_module_loaded(env->sysfs, mods[i]))
			host_append(missing, sizeof(missing), "%s%s",
				    missing[0] ? ", " : "", mods[i]);
	if (missing[0]) {
		snprintf(seen, sizeof(seen), "not loaded: %s", missing);
		snprintf(fix, sizeof(fix),
			 "modprobe vfio-pci vfio_iommu_type1; at boot: printf "
			 "'vfio-pci\\nvfio_iommu_type1\\n' > /etc/modules-load.d/vfio.conf");
		ret = host_report_add(rep, "vfio_modules", HOST_FAIL,
				      "VFIO modules loaded", seen, fix);
	} else {
		ret = host_report_add(rep, "vfio_modules", HOST_OK, "VFIO modules loaded",
				      "vfio, vfio_pci, vfio_iommu_type1", NULL);
	}
	if (ret)
		return ret;

	if (!path_access(env->dev, "vfio/vfio", F_OK))
		ret = host_report_add(rep, "dev_vfio", HOST_FAIL, "/dev/vfio/vfio",
			"no /dev/vfio/vfio (the VFIO container device)",
			"modprobe vfio (it creates /dev/vfio/vfio); with devtmpfs "
			"mounted on /dev it appears at once");
	else if (!path_access(env->dev, "vfio/vfio", R_OK | W_OK))
		ret = host_report_add(rep, "dev_vfio", HOST_FAIL, "/dev/vfio/vfio",
			"/dev/vfio/vfio exists but this user cannot open it read-write",
			"run iopass as root (assigning devices needs it), or give the "
			"user access to /dev/vfio/vfio and the groups' /dev/vfio/N");
	else {
		snprintf(seen, sizeof(seen), "/dev/vfio/vfio; %s",
			 path_access(env->dev, "iommu", F_OK) ?
			 "/dev/iommu too (iommufd is used)" :
			 "no /dev/iommu (no iommufd: VFIO type1 is used)");
		ret = host_report_add(rep, "dev_vfio", HOST_OK, "/dev/vfio/vfio", seen, NULL);
	}
	if (ret)
		return ret;
	if (param_on(env->sysfs, "vfio", "enable_unsafe_noiommu_mode"))
		return host_report_add(rep, "vfio_noiommu", HOST_WARN,
			"VFIO without no-IOMMU mode",
			"vfio enable_unsafe_noiommu_mode=Y: devices opened that way "
			"can DMA anywhere in host memory",
			"echo N > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode "
			"and remove vfio.enable_unsafe_noiommu_mode from the kernel "
			"command line and /etc/modprobe.d");
	return 0;
}

int host_check_platform(const struct host_env *env, struct host_report *rep)
{
	bool active = false;
	int ret;

	ret = check_kvm(env, rep);
	if (!ret)
		ret = check_iommu(env, rep, &active);
	if (!ret)
		ret = check_intremap(env, rep, active);
	if (!ret && host_cmdline_has(env->procfs, "pcie_acs_override", NULL, 0))
		ret = host_report_add(rep, "acs_override", HOST_WARN,
			"IOMMU groups as the hardware isolates them",
			"pcie_acs_override on the kernel command line (an out-of-tree "
			"patch): groups are split where the hardware does not isolate "
			"devices, so a guest's device may reach its neighbours",
			"remove pcie_acs_override" GRUB_HOWTO "; assign whole groups "
			"instead, or move the card to a slot behind a port with ACS");
	if (!ret)
		ret = check_vfio(env, rep);
	return ret;
}
