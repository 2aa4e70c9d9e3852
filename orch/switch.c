// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting and stopping iopass-switch, the DPDK vhost-user backend: its
 * command line (EAL options, hugepages when they fit), a background start
 * that returns once it answers on its control socket, a stop that returns
 * once it has closed its socket. A library call, so that a VMM that needs
 * a switch for a NIC starts one without running `iopass switch start`.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iopass/state.h"
#include "iopass/vmdq.h"

#include "orch_impl.h"

#define HUGE_DIR	"/dev/hugepages"
#define LOG_TAIL_LINES	8

/*
 * Hugepages when the system's hugetlbfs (/dev/hugepages) is mounted and has
 * room for all of --mem. Only that mount: the EAL would otherwise take
 * pages from any hugetlbfs it finds, a test's private one included.
 */
static bool hugepages_fit(unsigned int mem_mb)
{
	FILE *f = fopen("/proc/mounts", "r");
	unsigned long free_pages = 0, size_kb = 0;
	char line[512], mnt[256], type[64];
	bool mounted = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %255s %63s", mnt, type) == 2 &&
		    !strcmp(mnt, HUGE_DIR) && !strcmp(type, "hugetlbfs"))
			mounted = true;
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	if (!mounted || !f) {
		if (f)
			fclose(f);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	return free_pages * size_kb >= (unsigned long)mem_mb * 1024;
}

static int switch_binary(const struct orch_switch_opts *o, char *buf, size_t len)
{
	const char *env = getenv("IOPASS_SWITCH_BIN");
	char self[PATH_MAX];
	ssize_t r;

	if (o->bin || (env && *env)) {
		snprintf(buf, len, "%s", o->bin ? o->bin : env);
		return 0;
	}
	/* Beside the running program: a build tree or an install. */
	r = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (r < 0)
		return -errno;
	self[r] = '\0';
	snprintf(buf, len, "%s/iopass-switch", dirname(self));
	return access(buf, X_OK) ? -ENOENT : 0;
}

/*
 * Without --lcores, on a host of more than one NUMA node: the control and
 * the forwarding lcore on two CPUs of a PCI uplink's node (both on one when
 * it has one), so that the worker polls the NIC's queues and touches its
 * frames from the NIC's node. DPDK's --lcores 0@A,1@B.
 */
static void switch_lcores(const struct orch_ctx *ctx, const struct orch_switch_opts *o,
			  struct orch_switch_cmd *cmd)
{
	char bdf[PCI_ADDR_STRLEN];
	const char *dev = bdf;
	struct orch_numa n;
	struct pci_addr pa;
	int a = -1, b = -1;

	cmd->lcores[0] = '\0';
	if (o->lcores || !o->uplink || pci_addr_parse(o->uplink, &pa))
		return;
	pci_addr_format(&pa, bdf);
	if (orch_numa_pick(ctx->sysfs, -1, &dev, 1, &n, NULL) || n.node < 0)
		return;
	for (int c = 0; c < CPU_SETSIZE && b < 0; c++)
		if (CPU_ISSET(c, &n.cpus))
			*(a < 0 ? &a : &b) = c;
	if (a < 0)
		return;		/* a node of memory only */
	snprintf(cmd->lcores, sizeof(cmd->lcores), "0@%d,1@%d", a, b < 0 ? a : b);
	orch_event(ctx, ORCH_EVENT_INFO, "iopass-switch on NUMA node %d, its uplink %s's: "
		   "lcores %s", n.node, bdf, cmd->lcores);
}

/*
 * The switch's own options checked here, as the switch would: a bad one is
 * one line before anything starts, not a DPDK start-up log that ends in it.
 */
static int opts_check(const struct orch_switch_opts *o, struct errbuf *eb)
{
	static const char *const kinds[] = { "auto", "software", "hardware" };
	char esc[STR_ESC_MAX], line[SWITCH_LINE_MAX + 16];
	unsigned long long v;
	struct switch_req req;
	struct errbuf why;
	bool known = !o->classifier;

	for (size_t i = 0; !known && i < ARRAY_SIZE(kinds); i++)
		known = !strcmp(o->classifier, kinds[i]);
	if (!known)
		return errbuf_set(eb, -EINVAL, "--classifier '%s' is not auto, software or "
				  "hardware", str_escape(o->classifier, esc, sizeof(esc)));
	if (o->max_pools && num_parse(o->max_pools, 1, VMDQ_MAX_POOLS, &v))
		return errbuf_set(eb, -EINVAL, "--max-pools '%s' is not a number from 1 to %d",
				  str_escape(o->max_pools, esc, sizeof(esc)), VMDQ_MAX_POOLS);
	if (o->hw_pools && num_parse(o->hw_pools, 1, VMDQ_MAX_HW_POOLS - 1, &v))
		return errbuf_set(eb, -EINVAL, "--hw-pools '%s' is not a number from 1 to %d",
				  str_escape(o->hw_pools, esc, sizeof(esc)), VMDQ_MAX_HW_POOLS - 1);
	for (unsigned int i = 0; i < o->nports && i < ORCH_SWITCH_PORTS_MAX; i++) {
		snprintf(line, sizeof(line), "port add %s", o->ports[i]);
		if (switch_req_parse(line, &req, &why))
			return errbuf_set(eb, -EINVAL, "--port '%s': %s (see 'iopass switch "
					  "--help')", str_escape(o->ports[i], esc, sizeof(esc)),
					  why.msg);
	}
	return 0;
}

int orch_switch_cmd(const struct orch_ctx *ctx, const struct orch_switch_opts *o,
		    struct orch_switch_cmd *cmd, struct errbuf *eb)
{
	unsigned int mem_mb = o->mem_mb ? o->mem_mb : 512;
	char **args = cmd->argv;
	struct pci_addr pa;
	int na = 0, ret;

	if (o->nports > ORCH_SWITCH_PORTS_MAX ||
	    o->neal + 2 * o->nports + 24 > ORCH_SWITCH_ARGS_MAX)
		return errbuf_set(eb, -E2BIG, "too many switch options (%u ports, %u EAL options)",
				  o->nports, o->neal);
	ret = opts_check(o, eb);
	if (ret)
		return ret;
	orch_switch_ctl(ctx, cmd->ctl, sizeof(cmd->ctl));
	/* The switch runs elsewhere (setsid, its own cwd): a path from here. */
	if (cmd->ctl[0] != '/') {
		char cwd[PATH_MAX], rel[SWITCH_PATH_MAX];

		snprintf(rel, sizeof(rel), "%s", cmd->ctl);
		if (!getcwd(cwd, sizeof(cwd)))
			snprintf(cwd, sizeof(cwd), ".");
		if ((size_t)snprintf(cmd->ctl, sizeof(cmd->ctl), "%s/%s", cwd, rel) >=
		    sizeof(cmd->ctl))
			return errbuf_set(eb, -ENAMETOOLONG, "the control socket %s/%s is longer "
					  "than a socket path may be: give --ctl as a short "
					  "absolute path", cwd, rel);
	}
	if (switch_binary(o, cmd->bin, sizeof(cmd->bin)))
		return errbuf_set(eb, -ENOENT, "iopass-switch not found beside iopass; build it "
				  "(cmake --build BUILD) or set IOPASS_SWITCH_BIN");
	if (!o->log || !strncmp(cmd->ctl, ctx->state, strlen(ctx->state))) {
		ret = state_mkdir(ctx->state, NULL, eb);
		if (ret)
			return ret;
	}
	snprintf(cmd->mem, sizeof(cmd->mem), "%u", mem_mb);
	snprintf(cmd->prefix, sizeof(cmd->prefix), "%s", o->prefix ? o->prefix : "");
	if (!o->prefix)	/* distinct per switch: DPDK programs may run side by side */
		snprintf(cmd->prefix, sizeof(cmd->prefix), "iopass-switch-%d", getpid());
	switch_lcores(ctx, o, cmd);
	args[na++] = cmd->bin;
	args[na++] = cmd->lcores[0] ? "--lcores" : "-l";
	args[na++] = cmd->lcores[0] ? cmd->lcores : (char *)(o->lcores ? o->lcores : "0,1");
	args[na++] = "--file-prefix";
	args[na++] = cmd->prefix;
	args[na++] = "-m";
	args[na++] = cmd->mem;
	if (o->no_huge || !hugepages_fit(mem_mb)) {
		args[na++] = "--no-huge";
		args[na++] = "--single-file-segments";
	} else {
		args[na++] = "--huge-dir";
		args[na++] = HUGE_DIR;
	}
	if (o->uplink && !pci_addr_parse(o->uplink, &pa)) {
		args[na++] = "-a";
		args[na++] = (char *)o->uplink;
	} else {
		/* Never probe the host's own NICs unless asked to. */
		args[na++] = "--no-pci";
		if (o->uplink) {
			args[na++] = "--vdev";
			args[na++] = (char *)o->uplink;
		}
	}
	for (unsigned int i = 0; i < o->neal; i++)
		args[na++] = o->eal[i];
	args[na++] = "--";
	args[na++] = "--ctl";
	args[na++] = cmd->ctl;
	if (o->classifier) {
		args[na++] = "--classifier";
		args[na++] = (char *)o->classifier;
	}
	if (o->lossless)
		args[na++] = "--lossless";
	if (o->max_pools) {
		args[na++] = "--max-pools";
		args[na++] = (char *)o->max_pools;
	}
	if (o->hw_pools) {
		args[na++] = "--hw-pools";
		args[na++] = (char *)o->hw_pools;
	}
	if (o->metrics) {
		args[na++] = "--metrics";
		args[na++] = (char *)o->metrics;
	}
	for (unsigned int i = 0; i < o->nports; i++) {
		args[na++] = "--port";
		args[na++] = (char *)o->ports[i];
	}
	args[na] = NULL;
	return 0;
}

static bool switch_answers(const char *ctl)
{
	struct errbuf eb;
	char **lines;
	size_t n;

	if (switch_call(ctl, "ping", 1000, &lines, &n, &eb))
		return false;
	switch_lines_free(lines, n);
	return true;
}

/*
 * What this start wrote to the log (from offset on), folded (util/log_fold.c:
 * repeated EAL lines once with a count, the switch's own error last), after
 * msg in eb; when it does not all fit, its end does: that says why.
 */
static void log_tail(struct errbuf *eb, const char *log, bool in_state, off_t offset)
{
	size_t have = strlen(eb->msg), room = sizeof(eb->msg) - have - 2;
	char *text = NULL, *out = NULL, *p;
	size_t len = 0, cap = 0;
	ssize_t r;
	/* the state directory's switch.log: never through a symlink */
	int fd = open(log, O_RDONLY | O_CLOEXEC | (in_state ? O_NOFOLLOW : 0));

	if (fd < 0 || lseek(fd, offset, SEEK_SET) < 0)
		goto out;
	for (;;) {
		if (len + 4096 > cap) {
			char *n = realloc(text, cap + 65536);

			if (!n)
				goto out;
			text = n;
			cap += 65536;
		}
		r = read(fd, text + len, cap - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	out = log_fold(text ? text : "", len, LOG_TAIL_LINES, "iopass-switch:", "  ");
	if (!out)
		goto out;
	len = strlen(out);
	while (len && out[len - 1] == '\n')
		out[--len] = '\0';
	p = out;
	if (len > room) {
		/* Whole lines from the end. */
		p = out + len - room;
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	snprintf(eb->msg + have, sizeof(eb->msg) - have, "\n%s", p);
out:
	free(out);
	free(text);
	if (fd >= 0)
		close(fd);
}

int orch_switch_start(const struct orch_ctx *ctx, const struct orch_switch_opts *o,
		      struct orch_switch_info *info, struct errbuf *eb)
{
	unsigned int wait_s = o->wait_s ? o->wait_s : 60;
	struct orch_switch_cmd cmd;
	int fd, status, ret;
	off_t start;
	pid_t pid;

	memset(info, 0, sizeof(*info));
	ret = orch_switch_cmd(ctx, o, &cmd, eb);
	if (ret)
		return ret;
	snprintf(info->ctl, sizeof(info->ctl), "%s", cmd.ctl);
	if (o->log)
		snprintf(info->log, sizeof(info->log), "%s", o->log);
	else
		snprintf(info->log, sizeof(info->log), "%s/switch.log", ctx->state);
	/* Else the running one would answer the pings below. */
	if (switch_answers(cmd.ctl))
		return errbuf_set(eb, -EEXIST, "a switch already runs at %s; 'iopass switch stop' "
				  "it first or give another --ctl", cmd.ctl);
	if (o->log)
		fd = open(info->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	else	/* never through a symlink planted in the state directory */
		fd = state_open(ctx->state, "switch.log", O_WRONLY | O_CREAT | O_APPEND,
				0600, eb);
	if (fd < 0 && o->log)
		return errbuf_set(eb, -errno, "cannot open the log %s: %s", info->log,
				  strerror(errno));
	if (fd < 0)
		return fd;
	start = lseek(fd, 0, SEEK_END);	/* where this run's lines begin */
	pid = fork();
	if (pid < 0) {
		ret = errbuf_set(eb, -errno, "fork: %s", strerror(errno));
		close(fd);
		return ret;
	}
	if (!pid) {
		int nul = open("/dev/null", O_RDONLY);
		sigset_t none;

		/* Nothing of the caller's: no blocked signals, no descriptors. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setsid();
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close_range(3, ~0U, 0);
		execv(cmd.argv[0], cmd.argv);
		fprintf(stderr, "iopass: cannot run %s: %s\n", cmd.argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	info->pid = pid;
	for (unsigned int t = 0; t < wait_s * 10; t++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			errbuf_set(eb, -ECHILD, "iopass-switch exited (%s %d) before it answered; "
				   "its log %s says (repeated lines folded):",
				   WIFEXITED(status) ? "status" : "signal",
				   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				   info->log);
			log_tail(eb, info->log, !o->log, start < 0 ? 0 : start);
			return -ECHILD;
		}
		if (switch_answers(cmd.ctl))
			return 0;
		usleep(100 * 1000);
	}
	kill(pid, SIGTERM);
	return errbuf_set(eb, -ETIMEDOUT, "iopass-switch (pid %d) did not answer on %s within %u s; "
			  "stopped it. See %s", pid, cmd.ctl, wait_s, info->log);
}

int orch_switch_stop(const struct orch_ctx *ctx, struct errbuf *eb)
{
	char ctl[SWITCH_PATH_MAX], **lines;
	struct stat st;
	size_t n;
	int ret;

	orch_switch_ctl(ctx, ctl, sizeof(ctl));
	ret = switch_call(ctl, "stop", ORCH_SWITCH_TIMEOUT_MS, &lines, &n, eb);
	if (ret)
		return ret;
	switch_lines_free(lines, n);
	/* The switch removes its socket last, once every port is closed. */
	for (int t = 0; t < 150; t++) {
		if (stat(ctl, &st))
			return 0;
		usleep(100 * 1000);
	}
	return errbuf_set(eb, -ETIMEDOUT, "the switch at %s did not finish within 15 s", ctl);
}
