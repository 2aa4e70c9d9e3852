// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopass vm run: boot a kernel in a KVM virtual machine (vmm/).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "iopass/orch.h"
#include "iopass/vmm.h"
#include "commands.h"
#include "vm_run.h"

static const char vm_usage[] =
"usage: iopass vm run --kernel FILE [--initrd FILE] [--cmdline STR]\n"
"                     [--mem SIZE] [--cpus N] [--hugepages] [--console FILE]\n"
"                     [--device SPEC]... [--nic SPEC]... [--testdev]\n"
"                     [--numa N] [--name NAME [--daemon]]\n"
"                     [--config FILE]\n"
"       iopass vm list [--json]\n"
"       iopass vm stop NAME [--timeout SECONDS]\n"
"\n"
"Boot a kernel in a KVM virtual machine and run it until it stops.\n"
"\n"
"The kernel is either a PVH ELF (an ELF with a Xen PHYS32_ENTRY note, such\n"
"as iopass's test guest) or a Linux x86-64 bzImage (boot protocol 2.12 or\n"
"later, entered at its 64-bit entry point). The machine has an in-kernel\n"
"LAPIC/IOAPIC/PIC and PIT, hardware-reduced ACPI tables (CPUs, IOAPIC,\n"
"the PCI host bridge with its INTx routing and ECAM, a power button,\n"
"poweroff and reset) and an MP table for kernels without ACPI, a 16550\n"
"UART as COM1 (0x3f8, IRQ 4), a PCI host bridge (config mechanism #1 and\n"
"ECAM), and no firmware. Guest RAM is private with transparent huge\n"
"pages, or a memfd that backends map when the VM has a --nic or a\n"
"vfio-user device.\n"
"\n"
"options:\n"
"  -k, --kernel FILE    the kernel to boot (required)\n"
"  -i, --initrd FILE    initial ramdisk (bzImage only), placed at the top of\n"
"                       RAM below 4 GiB\n"
"  -c, --cmdline STR    kernel command line. A bzImage also gets\n"
"                       console=ttyS0 unless STR sets console= itself\n"
"  -m, --mem SIZE       guest RAM, with an optional K, M, G or T suffix\n"
"                       (binary units): 256M, 2G. Default 256M. RAM above\n"
"                       2.75 GiB is placed above 4 GiB\n"
"  -p, --cpus N         vCPUs, 1-%d. Default 1\n"
"      --hugepages      back RAM with huge pages from the hugetlb pool\n"
"                       (/proc/sys/vm/nr_hugepages); SIZE must then be a\n"
"                       multiple of 2M\n"
"      --console FILE   write the guest's COM1 output to FILE instead of\n"
"                       standard output\n"
"      --nic pool:NAME[,mac=MAC][,vlan=ID]\n"
"                       a NIC placed on the best datapath there is, each\n"
"                       choice printed with its reason ('iopass vm list\n"
"                       --json' keeps them): a free VF of pool NAME ('iopass\n"
"                       pool list'), leased and assigned like --device\n"
"                       pool:NAME, with MAC and VLAN set on the VF; else a\n"
"                       VMDq queue pool of iopass-switch's uplink when it has\n"
"                       VMDq; else a vhost-user port on iopass-switch (MAC\n"
"                       and VLAN its pool's), started first when it does not\n"
"                       run ('iopass switch start' with the words of\n"
"                       $IOPASS_SWITCH_START_ARGS; it stays up for later\n"
"                       VMs). MAC default: random. The port or the VF goes\n"
"                       back when the VM ends (or by 'iopass gc')\n"
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
"  -d, --device SPEC    give the guest a device of its own (repeatable):\n"
"                       BDF   a host PCI function bound to vfio-pci ('iopass\n"
"                             bind BDF'), its whole IOMMU group viable; all\n"
"                             guest RAM is pinned and mapped for its DMA\n"
"                             (RLIMIT_MEMLOCK must allow it: ulimit -l)\n"
"                       pool:NAME   the first free member of the pool NAME\n"
"                             ('iopass pool list'), leased to this VM: bound\n"
"                             to vfio-pci, its VF settings applied, and put\n"
"                             back as it was found when the VM ends (or by\n"
"                             'iopass gc' if the VMM is killed)\n"
"                       vfio-user:PATH   a device served by another process\n"
"                             on the UNIX socket PATH\n"
"                       options, after a comma: irq=relay injects MSI/MSI-X\n"
"                       from a VMM thread instead of KVM irqfds (for\n"
"                       comparison); vf_token=UUID for a VF whose PF is\n"
"                       bound to vfio-pci. The device is reset when the VM\n"
"                       starts and when it ends, and stays on vfio-pci\n"
"      --testdev        put iopass's test PCI device (1234:10a5) on the bus,\n"
"                       for the test guest's pci, irq and exits suites\n"
"      --return         a --device BDF still on a host driver is borrowed:\n"
"                       bound to vfio-pci (with the safety checks of 'iopass\n"
"                       bind') and given back to its driver when the VM ends\n"
"      --numa N         guest RAM (preferred) and vCPU threads on NUMA node N;\n"
"                       default: the node of its devices, on a host of more\n"
"                       than one node (a warning when they span nodes)\n"
"      --name NAME      register the VM as NAME under the state directory\n"
"                       ($IOPASS_STATE_DIR or /run/iopass): 'iopass vm list'\n"
"                       shows it, 'iopass vm stop NAME' stops it\n"
"      --daemon         run in the background (needs --name); the command\n"
"                       returns once the VM is set up, or fails with the\n"
"                       error. COM1 goes to --console or to\n"
"                       <state>/vms/NAME.log\n"
"  -C, --config FILE    read options from FILE first: one 'key = value' per\n"
"                       line, a key being a long option without its dashes\n"
"                       (kernel = bzImage, mem = 1G, daemon = yes); options\n"
"                       given on the command line come after the file's\n"
"  -h, --help           show this help\n"
"\n"
"When standard input is a terminal, what is typed goes to COM1.\n"
"\n"
"exit status:\n"
"  0     the guest powered off (ACPI S5: what a Linux 'poweroff' does),\n"
"        wrote 0 to port 0xf4, or reset the machine (ACPI reset register,\n"
"        port 0xcf9, i8042 0xfe: what a Linux 'reboot' does; the VM ends,\n"
"        it does not boot again)\n"
"  N     the guest wrote N (1-255) to port 0xf4; 1 for larger values\n"
"  1     the guest crashed (triple fault) or the VMM failed\n"
"  2     bad options, or a host that cannot run the VM (no /dev/kvm,\n"
"        not enough memory, no IOMMU, a --device not bound to vfio-pci, its\n"
"        group not viable, in use by another VM, RLIMIT_MEMLOCK too low);\n"
"        the message says what to change\n"
"  130   stopped by SIGINT (143: SIGTERM)\n"
"\n"
"examples:\n"
"  iopass vm run --kernel build/guest/testguest.elf --mem 256M --testdev\n"
"  iopass vm run --config web1.conf --name web1 --daemon\n"
"  iopass vm run --kernel guest.elf --nic vhost-user:/run/sw/p0.sock,mac=52:54:00:00:00:01\n"
"  iopass vm run --kernel bzImage --initrd initrd.img --cpus 2 --mem 1G \\\n"
"      --cmdline 'quiet panic=-1'\n"
"  iopass bind 0000:00:03.0 && iopass vm run --kernel build/guest/testguest.elf \\\n"
"      --device 0000:00:03.0 --cmdline 'suites=pci pci.expect=1234:11e8'\n";

enum { OPT_HUGEPAGES = 0x100, OPT_CONSOLE, OPT_NAME, OPT_DAEMON, OPT_RETURN,
       OPT_NIC, OPT_NUMA, OPT_TESTDEV };

static const struct option vm_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'c' },
	{ "mem", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'p' },
	{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "nic", required_argument, NULL, OPT_NIC },
	{ "device", required_argument, NULL, 'd' },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "daemon", no_argument, NULL, OPT_DAEMON },
	{ "return", no_argument, NULL, OPT_RETURN },
	{ "numa", required_argument, NULL, OPT_NUMA },
	{ "testdev", no_argument, NULL, OPT_TESTDEV },
	{ "config", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void vm_print_usage(FILE *f)
{
	fprintf(f, vm_usage, VM_CPUS_MAX, VMM_NIC_SERVER_WAIT_S, VMM_NICS_MAX);
}

static int vm_bad_option(char **argv, int optopt_c)
{
	const char *arg = argv[optind - 1];

	if (optopt_c && (strchr("kicmpdC", optopt_c) || optopt_c >= OPT_NIC))
		cli_error("vm run: option '%s' needs a value; 'iopass vm run --help' describes it",
			  arg);
	else
		cli_error("vm run: unknown option '%s'; 'iopass vm run --help' lists the options",
			  arg);
	return EXIT_USAGE;
}

static int vm_parse(int argc, char **argv, struct vm_config *cfg,
		    struct vm_run_opts *opts, struct orch_vm_config *ocfg)
{
	struct errbuf eb = { "" };
	uint64_t mem;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":k:i:c:m:p:d:C:h", vm_options,
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
		case 'p':
		case OPT_NUMA: {
			unsigned long long n;

			if (c == OPT_NUMA) {
				if (num_parse(optarg, 0, 1023, &n)) {
					cli_error("--numa '%s' is not a NUMA node number", optarg);
					return EXIT_USAGE;
				}
				ocfg->numa = (int)n;
				break;
			}

			if (num_parse(optarg, 1, VM_CPUS_MAX, &n)) {
				cli_error("--cpus '%s' is not a number from 1 to %d",
					  optarg, VM_CPUS_MAX);
				return EXIT_USAGE;
			}
			cfg->cpus = (unsigned int)n;
			break;
		}
		case OPT_HUGEPAGES:
			cfg->hugepages = true;
			break;
		case OPT_CONSOLE:
			opts->console = optarg;
			break;
		case OPT_NAME:
			if (!orch_vm_name_valid(optarg)) {
				cli_error("--name '%s' is not a VM name: use 1-%d letters, digits, '-', '_' or '.'",
					  optarg, ORCH_VM_NAME_MAX);
				return EXIT_USAGE;
			}
			opts->name = optarg;
			break;
		case OPT_DAEMON:
			opts->daemon = true;
			break;
		case OPT_RETURN:
			ocfg->return_borrowed = true;
			break;
		case OPT_TESTDEV:
			cfg->testdev = true;
			break;
		case 'C':
			/* Loaded before parsing (vm_conf_merge). */
			break;
		case OPT_NIC:
		case 'd':
			if ((c == 'd' ? orch_vm_config_add_device :
			     orch_vm_config_add_nic)(ocfg, optarg, &eb)) {
				cli_error("%s", eb.msg);
				return EXIT_USAGE;
			}
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
	if (opts->daemon && !opts->name) {
		cli_error("vm run: --daemon needs --name NAME, so that 'iopass vm stop NAME' can find the VM");
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

/*
 * How a NIC starts iopass-switch when none runs: `iopass switch start`'s
 * options in $IOPASS_SWITCH_START_ARGS, checked before anything is taken.
 */
static int vm_switch_start_opts(void)
{
	static struct orch_switch_opts opts;
	static char *words, *args[64];
	const char *env = getenv("IOPASS_SWITCH_START_ARGS");
	const char *ctl = NULL;
	bool foreground = false;
	char *w, *save = NULL;
	int na = 0;

	args[na++] = "start";
	if (env && *env) {
		words = strdup(env);
		if (!words) {
			cli_error("out of memory");
			return EXIT_FAIL;
		}
		for (w = strtok_r(words, " \t", &save); w && na < 63;
		     w = strtok_r(NULL, " \t", &save))
			args[na++] = w;
	}
	args[na] = NULL;
	if (cli_switch_opts(na, args, "IOPASS_SWITCH_START_ARGS", &opts,
			    &foreground, &ctl))
		return EXIT_USAGE;
	if (ctl)
		cli_orch()->switch_ctl = ctl;
	cli_orch()->switch_start = &opts;
	return 0;
}

static int vm_run_cmd(int argc, char **argv)
{
	struct vm_run_opts opts = { NULL, NULL, false };
	struct orch_vm_config cfg;
	struct orch_vm *vm = NULL;
	struct termios saved;
	bool raw = false;
	struct errbuf eb = { "" };
	struct vm_exit ex = { 0 };
	sigset_t stop, old;
	char **conf, **args;
	int nconf, nargs, ret, pipe_wr = -1, status;

	orch_vm_config_init(&cfg);
	ret = vm_conf_merge(vm_options, ARRAY_SIZE(vm_options), argc, argv,
			    &nargs, &args, &conf, &nconf);
	if (ret)
		return ret;
	ret = vm_parse(nargs, args, &cfg.vm, &opts, &cfg);
	if (ret) {
		ret = ret < 0 ? EXIT_OK : ret;
		goto out_args;
	}
	for (unsigned int i = 0; i < cfg.nnics; i++)
		if (!strncmp(cfg.nic[i], "pool:", 5)) {
			ret = vm_switch_start_opts();
			if (ret)
				goto out_args;
			break;
		}
	if (opts.daemon && (ret = orch_daemon_fork(&pipe_wr, &status, &eb))) {
		if (ret > 0)
			printf("started VM '%s' (VMM pid %d); 'iopass vm stop %s' stops it\n",
			       opts.name, ret, opts.name);
		else if (ret != -ECHILD)
			cli_error("%s", eb.msg);
		ret = ret > 0 ? EXIT_OK : ret == -ECHILD ? status : EXIT_FAIL;
		goto out_args;
	}
	cfg.name = opts.name;
	cfg.console = opts.console;
	cfg.console_log = opts.daemon;
	if (!opts.daemon && isatty(STDIN_FILENO))
		cfg.vm.console_in_fd = STDIN_FILENO;
	/* A console reader that goes away must not kill the VM. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * SIGINT/SIGTERM stay blocked from here to the end of the run
	 * (vm_run takes them through a signalfd), so a signal during set-up
	 * stops the VM at once instead of killing iopass with devices open.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	ret = orch_vm_create(cli_orch(), &cfg, &vm, &eb);
	if (ret) {
		cli_error("%s", eb.msg);
		ret = orch_err_fixable(ret) ? EXIT_USAGE : EXIT_FAIL;
		goto out;
	}
	orch_daemon_ready(&pipe_wr, orch_vm_console_fd(vm));
	raw = cfg.vm.console_in_fd >= 0 && vm_tty_raw(&saved);
	ret = orch_vm_run(vm, &ex, &eb);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (ret) {
		cli_error("%s", eb.msg);
		ret = EXIT_FAIL;
	} else if ((ret = vm_exit_status(&ex)) < 0) {
		cli_error(ex.reason == VM_EXIT_SHUTDOWN ?
			  "%s: the guest crashed" : "%s", eb.msg);
		ret = EXIT_FAIL;
	}
	/* Teardown failures are printed as they happen (events). */
	if (orch_vm_destroy(vm, &eb) && !ret)
		ret = EXIT_FAIL;
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pipe_wr >= 0)
		close(pipe_wr);
out_args:
	if (args != argv)
		free(args);
	orch_conf_free(nconf, conf);
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
	if (!strcmp(argv[1], "list"))
		return cmd_vm_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stop"))
		return cmd_vm_stop(argc - 1, argv + 1);
	cli_error("vm: unknown subcommand '%s'; 'iopass vm --help' describes run, list and stop",
		  argv[1]);
	return EXIT_USAGE;
}
