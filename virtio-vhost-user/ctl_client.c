// SPDX-License-Identifier: GPL-2.0-only
/* A client of the switch's control socket: one request, its whole reply. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "iopass/state.h"
#include "iopass/vhost.h"

void switch_default_ctl(char *buf, size_t len)
{
	snprintf(buf, len, "%s/switch.sock", state_default_dir());
}

void switch_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static int ctl_connect(const char *ctl, int timeout_ms, struct errbuf *eb)
{
	int fd = usock_connect(ctl, timeout_ms);

	if (fd == -ENAMETOOLONG)
		return errbuf_set(eb, fd, "control socket path %s is too long", ctl);
	if (fd < 0)
		return errbuf_set(eb, fd, "no switch listens at %s (%s); start one with "
				  "'iopass switch start'", ctl, strerror(-fd));
	return fd;
}

static int push_line(char ***lines, size_t *n, const char *s, size_t len)
{
	char **nl = realloc(*lines, (*n + 1) * sizeof(*nl));

	if (!nl)
		return -ENOMEM;
	*lines = nl;
	nl[*n] = strndup(s, len);
	if (!nl[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

int switch_call(const char *ctl, const char *request, int timeout_ms,
		char ***lines, size_t *nlines, struct errbuf *eb)
{
	char buf[SWITCH_LINE_MAX * 4];
	size_t have = 0;
	int64_t deadline = now_ms() + timeout_ms;
	int fd, err, werr;

	*lines = NULL;
	*nlines = 0;
	fd = ctl_connect(ctl, timeout_ms, eb);
	if (fd < 0)
		return fd;
	/*
	 * Never a SIGPIPE (MSG_NOSIGNAL): a switch that closed on us (too
	 * many clients, a refused uid) has said why before closing, so its
	 * answer is read even when the request could not be written.
	 */
	snprintf(buf, sizeof(buf), "%s\n", request);
	werr = usock_send(fd, buf, strlen(buf), NULL, 0, deadline);
	if (werr && werr != -EPIPE && werr != -ECONNRESET) {
		err = errbuf_set(eb, werr, "writing to %s: %s", ctl, strerror(-werr));
		goto out;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char *nl;
		int64_t left = deadline - now_ms();
		ssize_t r;

		/* Complete lines first: a reply may arrive in one read. */
		while ((nl = memchr(buf, '\n', have))) {
			const char *msg = NULL;
			int fin;

			*nl = '\0';
			fin = switch_reply_final(buf, &msg);
			if (fin == 1) {
				err = 0;
				goto out;
			}
			if (fin < 0) {
				err = fin == -EPROTO ?
				      errbuf_set(eb, -EPROTO, "bad reply from %s: %.80s", ctl, buf) :
				      errbuf_set(eb, fin, "%s", msg);
				goto out;
			}
			err = push_line(lines, nlines, buf, (size_t)(nl - buf));
			if (err) {
				errbuf_set(eb, err, "out of memory");
				goto out;
			}
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
		if (have == sizeof(buf)) {
			err = errbuf_set(eb, -EPROTO, "reply line from %s too long", ctl);
			goto out;
		}
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			err = errbuf_set(eb, -ETIMEDOUT, "the switch at %s did not answer '%s' "
					 "within %d ms", ctl, request, timeout_ms);
			goto out;
		}
		r = read(fd, buf + have, sizeof(buf) - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = errbuf_set(eb, -ECONNRESET, "the switch at %s closed the connection "
					 "before %s '%s'%s", ctl, werr ? "taking" : "answering",
					 request, werr ? "; it may be busy with other control "
					 "clients: try again" : "");
			goto out;
		}
		have += (size_t)r;
	}
out:
	close(fd);
	if (err) {
		switch_lines_free(*lines, *nlines);
		*lines = NULL;
		*nlines = 0;
	}
	return err;
}

static json_object *kv_to_json(const struct switch_kv *kv, unsigned int n)
{
	json_object *o = json_object_new_object();

	for (unsigned int i = 0; i < n; i++) {
		const char *v = kv[i].val;
		char *end;
		long long num = strtoll(v, &end, 10);

		/* Counters and ids are numbers; MACs, names and paths strings. */
		if (*v && !*end && (v[0] != '0' || !v[1]))
			json_object_object_add(o, kv[i].key, json_object_new_int64(num));
		else
			json_object_object_add(o, kv[i].key, json_object_new_string(v));
	}
	return o;
}

json_object *switch_records_json(char **lines, size_t n, const char *only)
{
	json_object *root = json_object_new_object();
	json_object *ports = json_object_new_array(), *pools = json_object_new_array();
	json_object *queues = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct switch_kv kv[SWITCH_MAX_KV];
		const char *type;
		unsigned int nkv;

		if (switch_kv_split(lines[i], &type, kv, SWITCH_MAX_KV, &nkv))
			continue;
		if (!strcmp(type, "port"))
			json_object_array_add(ports, kv_to_json(kv, nkv));
		else if (!strcmp(type, "pool"))
			json_object_array_add(pools, kv_to_json(kv, nkv));
		else if (!strcmp(type, "queue"))
			json_object_array_add(queues, kv_to_json(kv, nkv));
		else if (!strcmp(type, "switch") || !strcmp(type, "uplink"))
			json_object_object_add(root, type, kv_to_json(kv, nkv));
	}
	if (only) {
		json_object_put(root);
		json_object_put(queues);
		json_object_put(!strcmp(only, "port") ? pools : ports);
		return !strcmp(only, "port") ? ports : pools;
	}
	json_object_object_add(root, "ports", ports);
	json_object_object_add(root, "pools", pools);
	json_object_object_add(root, "queues", queues);
	return root;
}

char *switch_records_text(char **lines, size_t n)
{
	unsigned int hdr_port = 0, hdr_pool = 0, hdr_queue = 0;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		struct switch_kv kv[SWITCH_MAX_KV];
		const char *type;
		unsigned int nkv;

		if (switch_kv_split(lines[i], &type, kv, SWITCH_MAX_KV, &nkv))
			continue;
#define G(k) (switch_kv_get(kv, nkv, k) ? switch_kv_get(kv, nkv, k) : "-")
		if (!strcmp(type, "port")) {
			if (!hdr_port++)
				fprintf(f, "%-12s %-5s %-6s %-17s %4s %4s %12s %12s %10s %10s  %s\n",
					"PORT", "STATE", "MODE", "MAC", "VLAN", "POOL", "RX-PKTS",
					"TX-PKTS", "RX-DROPS", "TX-DROPS", "SOCKET");
			fprintf(f, "%-12s %-5s %-6s %-17s %4s %4s %12s %12s %10s %10s  %s\n",
				G("name"), G("state"), G("mode"), G("mac"), G("vlan"), G("pool"),
				G("rx_packets"), G("tx_packets"), G("rx_drops"), G("tx_drops"),
				*G("path") ? G("path") : "-");
		} else if (!strcmp(type, "pool")) {
			if (!hdr_pool++)
				fprintf(f, "%s%-4s %-17s %4s %-12s %-8s %5s %12s %12s %14s %10s  %s\n",
					hdr_port ? "\n" : "", "POOL", "MAC", "VLAN", "PORT",
					"BACKEND", "QUEUE", "QUEUE-PKTS", "PACKETS", "BYTES",
					"DROPS", "WHY");
			fprintf(f, "%-4s %-17s %4s %-12s %-8s %5s %12s %12s %14s %10s  %s\n",
				G("id"), G("mac"), G("vlan"), G("port"), G("backend"), G("queue"),
				G("queue_packets"), G("packets"), G("bytes"), G("drops"), G("why"));
		} else if (!strcmp(type, "queue")) {
			if (!hdr_queue++)
				fprintf(f, "\n%-5s %-8s %-8s %-12s %12s %14s\n", "QUEUE",
					"NIC-POOL", "ROLE", "PORT", "PACKETS", "BYTES");
			fprintf(f, "%-5s %-8s %-8s %-12s %12s %14s\n", G("id"), G("nic_pool"),
				G("role"), G("port"), G("packets"), G("bytes"));
		} else if (!strcmp(type, "switch")) {
			fprintf(f, "switch: %s worker lcore(s), %s classifier, %s port(s), "
				"up to %s pools (%s of %s in NIC pools free), lossless %s\n",
				G("workers"), G("classifier"), G("ports"), G("max_pools"),
				G("hw_free"), G("hw_pools"), G("lossless"));
		} else if (!strcmp(type, "uplink")) {
			fprintf(f, "uplink %s: rx %s pkts %s bytes (%s dropped, %s to unknown "
				"MACs), tx %s pkts %s bytes (%s dropped)\n\n", G("name"),
				G("rx_packets"), G("rx_bytes"), G("rx_drops"), G("rx_unknown"),
				G("tx_packets"), G("tx_bytes"), G("tx_drops"));
		}
#undef G
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}
