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
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <json-c/json.h>

#include "iopass/orch.h"
#include "iopass/state.h"
#include "iopass/vmm.h"
#include "commands.h"

static const char vm_usage[] =
"usage: iopass vm run --kernel FILE [--initrd FILE] [--cmdline STR]\n"
"                     [--mem SIZE] [--cpus N] [--hugepages] [--console FILE]\n"
"                     [--name NAME [--daemon]] [--config FILE]\n"
"       iopass vm list [--json]\n"
"       iopass vm stop NAME [--timeout SECONDS]\n"
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
"  iopass vm run --config web1.conf --name web1 --daemon\n"
"  iopass vm run --kernel bzImage --initrd initrd.img --cpus 2 --mem 1G \\\n"
"      --cmdline 'quiet panic=-1'\n";

enum { OPT_HUGEPAGES = 0x100, OPT_CONSOLE, OPT_NAME, OPT_DAEMON };

static const struct option vm_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'c' },
	{ "mem", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'p' },
	{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "daemon", no_argument, NULL, OPT_DAEMON },
	{ "config", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void vm_print_usage(FILE *f)
{
	fprintf(f, vm_usage, VM_CPUS_MAX);
}

static int vm_bad_option(char **argv, int optopt_c)
{
	const char *arg = argv[optind - 1];

	if (optopt_c && strchr("kicmp", optopt_c))
		cli_error("vm run: option '%s' needs a value; 'iopass vm run --help' describes it",
			  arg);
	else
		cli_error("vm run: unknown option '%s'; 'iopass vm run --help' lists the options",
			  arg);
	return EXIT_USAGE;
}

/* What `vm run` takes besides the VM's own configuration. */
struct vm_run_opts {
	const char *console;
	const char *name;
	bool daemon;
};

static int vm_parse(int argc, char **argv, struct vm_config *cfg,
		    struct vm_run_opts *opts)
{
	uint64_t mem;
	char *end;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":k:i:c:m:p:C:h", vm_options,
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
			opts->console = optarg;
			break;
		case OPT_NAME:
			if (!vm_name_valid(optarg)) {
				cli_error("--name '%s' is not a VM name: use 1-%d letters, digits, '-', '_' or '.'",
					  optarg, VM_NAME_MAX);
				return EXIT_USAGE;
			}
			opts->name = optarg;
			break;
		case OPT_DAEMON:
			opts->daemon = true;
			break;
		case 'C':
			/* Loaded before parsing (vm_conf_merge). */
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

/*
 * --config FILE: the file's words go first, then the command line's, so the
 * command line wins for single options and adds to repeatable ones.
 */
static int vm_conf_merge(int argc, char **argv, int *nargc, char ***nargv,
			 char ***conf, int *nconf)
{
	struct vm_conf_key keys[ARRAY_SIZE(vm_options)];
	const char *path = NULL;
	struct errbuf eb;
	size_t nkeys = 0;
	char **v;
	int i, k;

	*conf = NULL;
	*nconf = 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-C")) &&
		    i + 1 < argc)
			path = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
	}
	if (!path) {
		*nargc = argc;
		*nargv = argv;
		return 0;
	}
	for (i = 0; vm_options[i].name; i++) {
		if (!strcmp(vm_options[i].name, "config") ||
		    !strcmp(vm_options[i].name, "help"))
			continue;
		keys[nkeys].name = vm_options[i].name;
		keys[nkeys++].has_value = vm_options[i].has_arg != no_argument;
	}
	if (vm_conf_load(path, keys, nkeys, nconf, conf, &eb)) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	v = calloc(argc + *nconf + 1, sizeof(*v));
	if (!v) {
		vm_conf_free(*nconf, *conf);
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	v[0] = argv[0];
	for (k = 0; k < *nconf; k++)
		v[1 + k] = (*conf)[k];
	for (i = 1; i < argc; i++)
		v[1 + k++] = argv[i];
	*nargc = 1 + k;
	*nargv = v;
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

/* The registered VM's control socket asks it to stop like SIGTERM would. */
static void vm_ctl_stop(void *opaque)
{
	vm_request_stop(opaque);
}

static int vm_ctl_status(void *opaque, char *buf, size_t len)
{
	(void)opaque;
	return snprintf(buf, len, "{ \"state\": \"running\", \"pid\": %d }",
			(int)getpid());
}

/*
 * --daemon: the child sets the VM up with its stderr on a pipe, so that a
 * set-up error reaches the parent, which prints it and exits with the
 * child's status. Once the VM runs, the child points stderr at its log and
 * the pipe's EOF with nothing read tells the parent it started.
 */
static int vm_daemonize(const char *name, int *pipe_wr)
{
	char buf[1024];
	size_t got = 0;
	int p[2], status;
	pid_t pid;
	ssize_t r;

	fflush(NULL);
	if (pipe2(p, O_CLOEXEC)) {
		cli_error("pipe: %s", strerror(errno));
		return EXIT_FAIL;
	}
	pid = fork();
	if (pid < 0) {
		cli_error("fork: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		close(p[0]);
		setsid();
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		dup2(p[1], STDERR_FILENO);
		*pipe_wr = p[1];
		return -1;	/* the child goes on */
	}
	close(p[1]);
	while (got + 1 < sizeof(buf) &&
	       (r = read(p[0], buf + got, sizeof(buf) - 1 - got)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		got += r;
	}
	close(p[0]);
	if (got) {
		buf[got] = '\0';
		fputs(buf, stderr);
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			return WEXITSTATUS(status);
		return EXIT_FAIL;
	}
	printf("started VM '%s' (VMM pid %d); 'iopass vm stop %s' stops it\n",
	       name, (int)pid, name);
	return EXIT_OK;
}

/* The VM set up: the daemon's stderr moves from the parent's pipe to a log. */
static void vm_daemon_ready(int *pipe_wr, int log_fd)
{
	if (*pipe_wr < 0)
		return;
	dup2(log_fd >= 0 ? log_fd : STDOUT_FILENO, STDERR_FILENO);
	close(*pipe_wr);
	*pipe_wr = -1;
}

static int vm_open_console(const struct vm_run_opts *opts, int *fd)
{
	char path[4096];
	const char *file = opts->console;
	struct errbuf eb;

	*fd = -1;
	if (!file && opts->daemon) {
		if (state_mkdir(state_default_dir(), "vms", &eb)) {
			cli_error("%s", eb.msg);
			return EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "%s/vms/%s.log",
			 state_default_dir(), opts->name);
		file = path;
	}
	if (!file)
		return 0;
	*fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (*fd < 0) {
		cli_error("cannot open --console %s: %s", file, strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

static int vm_run_cmd(int argc, char **argv)
{
	struct vm_run_opts opts = { NULL, NULL, false };
	struct vm_control *ctl = NULL;
	struct vm_config cfg;
	struct termios saved;
	bool raw = false;
	struct errbuf eb = { "" };
	struct vm_exit ex = { 0 };
	struct vm *vm = NULL;
	char **conf, **args;
	int nconf, nargs, ret, out_fd = -1, lock_fd = -1, pipe_wr = -1;

	vm_config_init(&cfg);
	ret = vm_conf_merge(argc, argv, &nargs, &args, &conf, &nconf);
	if (ret)
		return ret;
	ret = vm_parse(nargs, args, &cfg, &opts);
	if (ret) {
		ret = ret < 0 ? EXIT_OK : ret;
		goto out_args;
	}
	if (opts.daemon) {
		ret = vm_daemonize(opts.name, &pipe_wr);
		if (ret >= 0)
			goto out_args;
	}
	if (opts.name) {
		json_object *k = json_object_new_string(cfg.kernel);
		char details[4096 + 128];

		snprintf(details, sizeof(details),
			 "\"kernel\": %s, \"mem\": %llu, \"cpus\": %u",
			 json_object_to_json_string_ext(k, JSON_C_TO_STRING_NOSLASHESCAPE),
			 (unsigned long long)cfg.mem_size, cfg.cpus);
		json_object_put(k);
		lock_fd = vm_registry_add(state_default_dir(), opts.name,
					  details, &eb);
		if (lock_fd < 0) {
			cli_error("%s", eb.msg);
			ret = cli_exit_code(lock_fd);
			goto out;
		}
	}
	ret = vm_open_console(&opts, &out_fd);
	if (ret)
		goto out;
	if (out_fd >= 0)
		cfg.console_out_fd = out_fd;
	if (!opts.daemon && isatty(STDIN_FILENO))
		cfg.console_in_fd = STDIN_FILENO;
	/* A console reader that goes away must not kill the VM. */
	signal(SIGPIPE, SIG_IGN);

	ret = vm_create(&cfg, &vm, &eb);
	if (ret) {
		cli_error("%s", eb.msg[0] ? eb.msg : strerror(-ret));
		ret = EXIT_USAGE;
		goto out;
	}
	if (opts.name &&
	    vm_control_start(state_default_dir(), opts.name, vm_ctl_stop,
			     vm_ctl_status, vm, &ctl, &eb)) {
		cli_error("%s", eb.msg);
		ret = EXIT_FAIL;
		goto out;
	}
	vm_daemon_ready(&pipe_wr, out_fd);
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
out:
	vm_control_stop(ctl);
	if (vm)
		vm_destroy(vm);
	if (lock_fd >= 0)
		vm_registry_remove(state_default_dir(), opts.name, lock_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (pipe_wr >= 0)
		close(pipe_wr);
out_args:
	if (args != argv)
		free(args);
	vm_conf_free(nconf, conf);
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
