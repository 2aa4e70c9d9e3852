// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass vm run: boot a kernel in a KVM virtual machine (vmm/).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "iopass/vmm.h"
#include "commands.h"

static const char vm_usage[] =
"usage: iopass vm run --kernel FILE [--initrd FILE] [--cmdline STR]\n"
"                     [--mem SIZE] [--cpus N] [--hugepages] [--console FILE]\n"
"                     [--nic vhost-user:PATH[,mac=MAC][,server]]...\n"
"\n"
"Boot a kernel in a KVM virtual machine and run it until it stops.\n"
"\n"
"The kernel is either a PVH ELF (an ELF with a Xen PHYS32_ENTRY note, such\n"
"as iopass's test guest) or a Linux x86-64 bzImage (boot protocol 2.12 or\n"
"later, entered at its 64-bit entry point). The machine has an in-kernel\n"
"LAPIC/IOAPIC/PIC and PIT, an MP table listing the CPUs and the IOAPIC, a\n"
"16550 UART as COM1 (0x3f8, IRQ 4), a PCI host bridge (config mechanism #1\n"
"and ECAM) with the iopass test device, and no firmware. Guest RAM is a\n"
"memfd, shared-mappable by vhost-user backends.\n"
"\n"
"options:\n"
"  -k, --kernel FILE    the kernel to boot (required)\n"
"  -i, --initrd FILE    initial ramdisk (bzImage only), placed at the top of\n"
"                       RAM below 4 GiB\n"
"  -c, --cmdline STR    kernel command line. A bzImage also gets\n"
"                       console=ttyS0 and pci=conf1 unless STR sets\n"
"                       console= or pci= itself\n"
"  -m, --mem SIZE       guest RAM, with an optional K, M, G or T suffix\n"
"                       (binary units): 256M, 2G. Default 256M. RAM above\n"
"                       2.75 GiB is placed above 4 GiB\n"
"  -p, --cpus N         vCPUs, 1-%d. Default 1\n"
"      --hugepages      back RAM with huge pages from the hugetlb pool\n"
"                       (/proc/sys/vm/nr_hugepages); SIZE must then be a\n"
"                       multiple of 2M\n"
"      --console FILE   write the guest's COM1 output to FILE instead of\n"
"                       standard output\n"
"      --nic vhost-user:PATH[,mac=MAC][,server]\n"
"                       a virtio-net-pci NIC (1af4:1041) whose packets a\n"
"                       vhost-user backend listening on unix socket PATH\n"
"                       moves (iopass-switch, DPDK's net_vhost). MAC is\n"
"                       52:54:00:12:34:56 style; default random. The\n"
"                       backend must be running; if it restarts, the NIC\n"
"                       reconnects (link down meanwhile). With server,\n"
"                       iopass creates PATH and waits up to %d s for the\n"
"                       backend to connect (iopass-switch client-mode\n"
"                       ports), and again whenever it goes. Up to %d NICs\n"
"  -h, --help           show this help\n"
"\n"
"When standard input is a terminal, what is typed goes to COM1.\n"
"\n"
"exit status:\n"
"  0     the guest wrote 0 to port 0xf4, or reset the machine (i8042 0xfe,\n"
"        port 0xcf9: what a Linux 'reboot' does)\n"
"  N     the guest wrote N (1-255) to port 0xf4; 1 for larger values\n"
"  1     the guest crashed (triple fault) or the VMM failed\n"
"  2     bad options, or a host that cannot run the VM (no /dev/kvm,\n"
"        not enough memory); the message says what to change\n"
"  130   stopped by SIGINT (143: SIGTERM)\n"
"\n"
"examples:\n"
"  iopass vm run --kernel build/guest/testguest.elf --mem 256M\n"
"  iopass vm run --kernel guest.elf --nic vhost-user:/run/sw/p0.sock,mac=52:54:00:00:00:01\n"
"  iopass vm run --kernel bzImage --initrd initrd.img --cpus 2 --mem 1G \\\n"
"      --cmdline 'quiet panic=-1'\n";

enum { OPT_HUGEPAGES = 0x100, OPT_CONSOLE, OPT_NIC };

/* The --nic options, parsed; NICs are made once the VM exists. */
struct vm_nics {
	struct vm_nic_config cfg[VM_NICS_MAX];
	int n;
};

static const struct option vm_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'c' },
	{ "mem", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'p' },
	{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "nic", required_argument, NULL, OPT_NIC },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void vm_print_usage(FILE *f)
{
	fprintf(f, vm_usage, VM_CPUS_MAX, VM_NIC_SERVER_WAIT_S, VM_NICS_MAX);
}

static int vm_bad_option(char **argv, int optopt_c)
{
	const char *arg = argv[optind - 1];

	if (optopt_c && (strchr("kicmp", optopt_c) || optopt_c == OPT_NIC))
		cli_error("vm run: option '%s' needs a value; 'iopass vm run --help' describes it",
			  arg);
	else
		cli_error("vm run: unknown option '%s'; 'iopass vm run --help' lists the options",
			  arg);
	return EXIT_USAGE;
}

static int vm_parse_nic(const char *spec, struct vm_nics *nics)
{
	struct errbuf eb;

	if (nics->n == VM_NICS_MAX) {
		cli_error("vm run: more than %d --nic options", VM_NICS_MAX);
		return EXIT_USAGE;
	}
	if (vm_nic_parse(spec, &nics->cfg[nics->n], &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	nics->n++;
	return 0;
}

static int vm_parse(int argc, char **argv, struct vm_config *cfg,
		    const char **console, struct vm_nics *nics)
{
	uint64_t mem;
	char *end;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":k:i:c:m:p:h", vm_options,
				NULL)) != -1) {
		switch (c) {
		case 'k':
			cfg->kernel = optarg;
			break;
		case 'i':
			cfg->initrd = optarg;
			break;
		case 'c':
			cfg->cmdline = optarg;
			break;
		case 'm':
			if (vm_parse_size(optarg, &mem)) {
				cli_error("--mem '%s' is not a size: give bytes with an optional K, M, G suffix (256M, 2G)",
					  optarg);
				return EXIT_USAGE;
			}
			cfg->mem_size = mem;
			break;
		case 'p': {
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 1 ||
			    n > VM_CPUS_MAX) {
				cli_error("--cpus '%s' is not a number from 1 to %d",
					  optarg, VM_CPUS_MAX);
				return EXIT_USAGE;
			}
			cfg->cpus = n;
			break;
		}
		case OPT_HUGEPAGES:
			cfg->hugepages = true;
			break;
		case OPT_CONSOLE:
			*console = optarg;
			break;
		case OPT_NIC:
			if (vm_parse_nic(optarg, nics))
				return EXIT_USAGE;
			break;
		case 'h':
			vm_print_usage(stdout);
			return -1;
		case ':':
			return vm_bad_option(argv, optopt);
		default:
			return vm_bad_option(argv, 0);
		}
	}
	if (optind < argc) {
		cli_error("vm run: unexpected argument '%s'; 'iopass vm run --help' lists the options",
			  argv[optind]);
		return EXIT_USAGE;
	}
	if (!cfg->kernel) {
		cli_error("vm run: no kernel; give --kernel FILE (a PVH ELF or a bzImage)");
		return EXIT_USAGE;
	}
	return 0;
}

/* Typed keys go to the guest at once, unechoed; ^C still stops the VM. */
static bool vm_tty_raw(struct termios *saved)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, saved))
		return false;
	t = *saved;
	t.c_lflag &= ~(ICANON | ECHO | ECHONL | IEXTEN);
	t.c_iflag &= ~(ICRNL | INLCR | IXON);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return !tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static int vm_exit_code(const struct vm_exit *ex, const char *msg)
{
	switch (ex->reason) {
	case VM_EXIT_STATUS:
		if (ex->status == 0)
			return EXIT_OK;
		return ex->status <= 255 ? (int)ex->status : EXIT_FAIL;
	case VM_EXIT_RESET:
		return EXIT_OK;
	case VM_EXIT_SIGNAL:
		return 128 + (ex->status ? (int)ex->status : SIGTERM);
	case VM_EXIT_SHUTDOWN:
		cli_error("%s: the guest crashed", msg);
		return EXIT_FAIL;
	case VM_EXIT_ERROR:
	default:
		cli_error("%s", msg);
		return EXIT_FAIL;
	}
}

/* Backend events of a running VM's NICs (the NIC's own thread). */
static void vm_nic_log(void *opaque, const char *msg)
{
	(void)opaque;
	cli_error("%s", msg);
}

static int vm_add_nics(struct vm *vm, struct vm_nics *nics)
{
	struct errbuf eb = { "" };

	for (int i = 0; i < nics->n; i++) {
		nics->cfg[i].log = vm_nic_log;
		if (vm_nic_add(vm, &nics->cfg[i], &eb)) {
			cli_error("%s", eb.msg);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int vm_run_cmd(int argc, char **argv)
{
	struct vm_nics nics = { .n = 0 };
	struct vm_config cfg;
	const char *console = NULL;
	struct termios saved;
	bool raw = false;
	struct errbuf eb = { "" };
	struct vm_exit ex = { 0 };
	struct vm *vm;
	int ret, out_fd = -1;

	vm_config_init(&cfg);
	ret = vm_parse(argc, argv, &cfg, &console, &nics);
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	if (console) {
		out_fd = open(console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644);
		if (out_fd < 0) {
			cli_error("cannot open --console %s: %s", console,
				  strerror(errno));
			return EXIT_USAGE;
		}
		cfg.console_out_fd = out_fd;
	}
	if (isatty(STDIN_FILENO))
		cfg.console_in_fd = STDIN_FILENO;
	/* A console reader that goes away must not kill the VM. */
	signal(SIGPIPE, SIG_IGN);

	ret = vm_create(&cfg, &vm, &eb);
	if (ret) {
		cli_error("%s", eb.msg[0] ? eb.msg : strerror(-ret));
		ret = EXIT_USAGE;
		goto out;
	}
	ret = vm_add_nics(vm, &nics);
	if (ret) {
		vm_destroy(vm);
		goto out;
	}
	raw = cfg.console_in_fd >= 0 && vm_tty_raw(&saved);
	ret = vm_run(vm, &ex, &eb);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (ret) {
		cli_error("%s", eb.msg);
		ret = EXIT_FAIL;
	} else {
		ret = vm_exit_code(&ex, eb.msg);
	}
	vm_destroy(vm);
out:
	if (out_fd >= 0)
		close(out_fd);
	return ret;
}

int cmd_vm(int argc, char **argv)
{
	if (argc < 2) {
		vm_print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		vm_print_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "run"))
		return vm_run_cmd(argc - 1, argv + 1);
	cli_error("vm: unknown subcommand '%s'; 'iopass vm --help' describes 'run'",
		  argv[1]);
	return EXIT_USAGE;
}
