// SPDX-License-Identifier: Apache-2.0
/*
 * User side of the Causeway helper. Loads and attaches causeway.bpf.c, then writes framed records
 * (see causeway.h) to stdout: discrete events as they arrive, counters every --interval-ms.
 * Exit codes are documented in ../README.md and exported by src/exit-codes.ts.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "causeway.h"
#include "causeway.skel.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_INTERNAL = 1,
	EXIT_USAGE = 2,
	EXIT_NO_BTF = 3,
	EXIT_NO_PERMISSION = 4,
	EXIT_LOAD_FAILED = 5,
	EXIT_OUTPUT_CLOSED = 6,
};

static volatile sig_atomic_t stopping;
static bool output_closed;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static __u64 now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Writes one frame: little-endian length, then the record. x86 and arm64 are little-endian. */
static int write_frame(const void *record, __u32 size)
{
	const char *parts[2] = { (const char *)&size, record };
	size_t lens[2] = { sizeof(size), size };

	if (output_closed)
		return -1;
	for (int i = 0; i < 2; i++) {
		size_t done = 0;

		while (done < lens[i]) {
			ssize_t n = write(STDOUT_FILENO, parts[i] + done, lens[i] - done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				output_closed = true;
				return -1;
			}
			done += (size_t)n;
		}
	}
	return 0;
}

static int expected_size(__u32 type)
{
	switch (type) {
	case CW_REC_OOM_KILL: return sizeof(struct cw_oom_kill);
	case CW_REC_PROCESS_EXIT: return sizeof(struct cw_process_exit);
	case CW_REC_TCP_CONNECT: return sizeof(struct cw_tcp_connect);
	case CW_REC_TCP_LISTEN: return sizeof(struct cw_tcp_listen);
	default: return -1;
	}
}

static void forward_event(const void *data, size_t size)
{
	__u32 type;
	int want;

	if (size < sizeof(type))
		return;
	memcpy(&type, data, sizeof(type));
	want = expected_size(type);
	if (want < 0 || (size_t)want > size)
		return;
	write_frame(data, (__u32)want);
}

static int on_ringbuf_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	forward_event(data, size);
	return output_closed ? -1 : 0;
}

static void on_perf_event(void *ctx, int cpu, void *data, __u32 size)
{
	(void)ctx;
	(void)cpu;
	forward_event(data, size);
}

static void on_perf_lost(void *ctx, int cpu, __u64 count)
{
	struct causeway_bpf *skel = ctx;

	(void)cpu;
	__atomic_fetch_add(&skel->bss->events_lost, count, __ATOMIC_RELAXED);
}

static int emit_counters(struct causeway_bpf *skel, int ncpus)
{
	int counters_fd = bpf_map__fd(skel->maps.counters);
	int conns_fd = bpf_map__fd(skel->maps.conn_retransmits);
	struct cw_counters_value *percpu = calloc((size_t)ncpus, sizeof(*percpu));
	struct {
		struct cw_conn_value v;
		__u64 closed;
	} conn;
	struct cw_conn_key ckey, cnext, *cprev = NULL;
	struct cw_interval_end end = { .type = CW_REC_INTERVAL_END };
	__u64 key, next, *prev = NULL;

	if (!percpu)
		return -1;
	while (bpf_map_get_next_key(counters_fd, prev, &next) == 0) {
		struct cw_cgroup_counters rec = { .type = CW_REC_CGROUP_COUNTERS, .cgroup_id = next };

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counters_fd, &key, percpu) != 0)
			continue;
		for (int c = 0; c < ncpus; c++) {
			const struct cw_counters_value *v = &percpu[c];

			rec.runq_delay_sum_ns += v->runq_delay_sum_ns;
			rec.runq_delay_count += v->runq_delay_count;
			for (int s = 0; s < CW_RUNQ_SLOTS; s++)
				rec.runq_delay_hist[s] += v->runq_delay_hist[s];
			rec.tcp_retransmits += v->tcp_retransmits;
			rec.tcp_connects_ok += v->tcp_connects_ok;
			rec.tcp_connects_failed += v->tcp_connects_failed;
			rec.tcp_active += v->tcp_active;
			rec.tcp_listening += v->tcp_listening;
		}
		write_frame(&rec, sizeof(rec));
		end.cgroups++;
	}
	free(percpu);

	while (bpf_map_get_next_key(conns_fd, cprev, &cnext) == 0) {
		struct cw_conn_retransmits rec = { .type = CW_REC_CONN_RETRANSMITS };

		ckey = cnext;
		cprev = &ckey;
		if (bpf_map_lookup_elem(conns_fd, &ckey, &conn) != 0)
			continue;
		rec.cgroup_id = conn.v.cgroup_id;
		rec.retransmits = conn.v.retransmits;
		rec.family = ckey.family;
		rec.sport = ckey.sport;
		rec.dport = ckey.dport;
		memcpy(rec.saddr, ckey.saddr, sizeof(rec.saddr));
		memcpy(rec.daddr, ckey.daddr, sizeof(rec.daddr));
		write_frame(&rec, sizeof(rec));
		/* Deleting the current key is safe: get_next_key from a missing key restarts at the
		 * first, and closed entries never come back, so the walk still ends. */
		if (conn.closed) {
			bpf_map_delete_elem(conns_fd, &ckey);
			cprev = NULL;
		}
	}

	end.ts_ns = now_ns(CLOCK_BOOTTIME);
	end.events_lost = __atomic_load_n(&skel->bss->events_lost, __ATOMIC_RELAXED);
	return write_frame(&end, sizeof(end));
}

/* Whether this kernel's mark_victim tracepoint passes the victim task (>= 6.8) rather than a pid. */
static bool mark_victim_has_task(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	const struct btf_param *params;
	bool result = false;
	__s32 id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "btf_trace_mark_victim", BTF_KIND_TYPEDEF);
	if (id > 0) {
		t = btf__type_by_id(btf, id);                  /* typedef */
		t = btf__type_by_id(btf, t->type);             /* pointer */
		if (t && btf_is_ptr(t))
			t = btf__type_by_id(btf, t->type);     /* func proto */
		if (t && btf_is_func_proto(t) && btf_vlen(t) >= 2) {
			params = btf_params(t);
			t = btf__type_by_id(btf, params[1].type); /* params[0] is the void * ctx */
			result = t && btf_is_ptr(t);
		}
	}
	btf__free(btf);
	return result;
}

/* Whether task_struct has sched_info (CONFIG_SCHED_INFO), whose run_delay the kernel maintains. */
static bool kernel_has_sched_info(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	bool found = false;
	__s32 id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (int i = 0; t && i < btf_vlen(t) && !found; i++) {
		const char *name = btf__name_by_offset(btf, btf_members(t)[i].name_off);

		found = name && strcmp(name, "sched_info") == 0;
	}
	btf__free(btf);
	return found;
}

static void select_programs(struct causeway_bpf *skel, bool btf_set, bool oom_task, bool sched_info)
{
	struct bpf_program *btf_progs[] = {
		skel->progs.cw_btf_sched_wakeup, skel->progs.cw_btf_sched_wakeup_new,
		skel->progs.cw_btf_sched_switch, skel->progs.cw_btf_sched_process_exit,
		skel->progs.cw_btf_inet_sock_set_state, skel->progs.cw_btf_tcp_retransmit_skb,
	};
	struct bpf_program *raw_progs[] = {
		skel->progs.cw_raw_sched_wakeup, skel->progs.cw_raw_sched_wakeup_new,
		skel->progs.cw_raw_sched_switch, skel->progs.cw_raw_sched_process_exit,
		skel->progs.cw_raw_inet_sock_set_state, skel->progs.cw_raw_tcp_retransmit_skb,
	};

	for (size_t i = 0; i < sizeof(btf_progs) / sizeof(btf_progs[0]); i++) {
		bpf_program__set_autoload(btf_progs[i], btf_set);
		bpf_program__set_autoload(raw_progs[i], !btf_set);
	}
	/* with sched_info, run-queue delay needs sched_switch only */
	bpf_program__set_autoload(skel->progs.cw_btf_sched_wakeup, btf_set && !sched_info);
	bpf_program__set_autoload(skel->progs.cw_btf_sched_wakeup_new, btf_set && !sched_info);
	bpf_program__set_autoload(skel->progs.cw_btf_mark_victim, btf_set && oom_task);
	bpf_program__set_autoload(skel->progs.cw_raw_mark_victim_pid, !(btf_set && oom_task));
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void usage(FILE *to)
{
	fprintf(to, "usage: causeway-helper [--interval-ms N] [--event-delay-ms N] [--raw-tracepoints] [--perf-buffer]\n"
		    "                      [--wakeup-timing]\n"
		    "Writes framed records (causeway.h) to stdout. Needs root or CAP_BPF+CAP_PERFMON.\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "event-delay-ms", required_argument, NULL, 'e' },
		{ "raw-tracepoints", no_argument, NULL, 'r' },
		{ "wakeup-timing", no_argument, NULL, 'w' },
		{ "perf-buffer", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct causeway_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct perf_buffer *pb = NULL;
	bool want_btf = true, want_ringbuf = true, want_sched_info = true, btf_set, oom_task, sched_info;
	long interval_ms = 1000, event_delay_ms = 100;
	int opt, err, rc = EXIT_OK, ncpus;
	struct sigaction sa = { .sa_handler = on_signal };
	struct cw_hello hello = { .type = CW_REC_HELLO, .version = CW_PROTOCOL_VERSION };
	__u64 next_emit;

	while ((opt = getopt_long(argc, argv, "i:e:rpwh", options, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'i':
			errno = 0;
			interval_ms = strtol(optarg, &end, 10);
			if (errno || *end || interval_ms < 10 || interval_ms > 3600000) {
				fprintf(stderr, "causeway-helper: --interval-ms must be 10..3600000, got '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'e':
			errno = 0;
			event_delay_ms = strtol(optarg, &end, 10);
			if (errno || *end || event_delay_ms < 1 || event_delay_ms > 10000) {
				fprintf(stderr, "causeway-helper: --event-delay-ms must be 1..10000, got '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'r': want_btf = false; break;
		case 'w': want_sched_info = false; break;
		case 'p': want_ringbuf = false; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr, "causeway-helper: kernel BTF not readable at /sys/kernel/btf/vmlinux (%s); "
				"a kernel built with CONFIG_DEBUG_INFO_BTF=y (>= 5.8) is required\n",
			strerror(errno));
		return EXIT_NO_BTF;
	}

	libbpf_set_print(libbpf_print);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "causeway-helper: cannot count CPUs: %s\n", strerror(-ncpus));
		return EXIT_INTERNAL;
	}

	btf_set = want_btf;
	oom_task = mark_victim_has_task();
	sched_info = want_sched_info && kernel_has_sched_info();
	want_ringbuf = want_ringbuf &&
		       libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;

	for (;;) {
		skel = causeway_bpf__open();
		if (!skel) {
			fprintf(stderr, "causeway-helper: cannot open BPF object: %s\n", strerror(errno));
			return EXIT_INTERNAL;
		}
		skel->rodata->use_ringbuf = want_ringbuf;
		if (!want_ringbuf) {
			bpf_map__set_type(skel->maps.events, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
			bpf_map__set_key_size(skel->maps.events, sizeof(int));
			bpf_map__set_value_size(skel->maps.events, sizeof(int));
			bpf_map__set_max_entries(skel->maps.events, 0);
		}
		skel->rodata->use_sched_info = btf_set && sched_info;
		skel->rodata->start_ns = now_ns(CLOCK_MONOTONIC);
		select_programs(skel, btf_set, oom_task, btf_set && sched_info);
		/* task storage (>= 5.11) serves only the tp_btf set; raw tracepoints use a hash */
		bpf_map__set_autocreate(skel->maps.runq_task_ts, btf_set);
		bpf_map__set_autocreate(skel->maps.runq_task_seen, btf_set);
		bpf_map__set_autocreate(skel->maps.runq_start, !btf_set);
		err = causeway_bpf__load(skel);
		if (!err || !btf_set || -err == EPERM || -err == EACCES)
			break;
		/* tp_btf not available (no BPF_PROG_TYPE_TRACING): retry with raw tracepoints */
		fprintf(stderr, "causeway-helper: tp_btf programs did not load (%s); using raw tracepoints\n",
			strerror(-err));
		causeway_bpf__destroy(skel);
		btf_set = false;
	}
	if (err) {
		int e = -err;

		if (e == EPERM || e == EACCES) {
			fprintf(stderr, "causeway-helper: permission denied loading BPF programs; run as root "
					"or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE\n");
			rc = EXIT_NO_PERMISSION;
		} else {
			fprintf(stderr, "causeway-helper: loading BPF programs failed: %s (kernel >= 5.8 with "
					"BTF, ring buffer and the sched/tcp/sock/oom tracepoints is required)\n",
				strerror(e));
			rc = EXIT_LOAD_FAILED;
		}
		goto cleanup;
	}
	err = causeway_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "causeway-helper: attaching BPF programs failed: %s\n", strerror(-err));
		rc = (-err == EPERM || -err == EACCES) ? EXIT_NO_PERMISSION : EXIT_LOAD_FAILED;
		goto cleanup;
	}

	if (want_ringbuf)
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_ringbuf_event, NULL, NULL);
	else
		pb = perf_buffer__new(bpf_map__fd(skel->maps.events), 64, on_perf_event, on_perf_lost,
				      skel, NULL);
	if (!rb && !pb) {
		fprintf(stderr, "causeway-helper: cannot open the event buffer: %s\n", strerror(errno));
		rc = EXIT_LOAD_FAILED;
		goto cleanup;
	}

	/* libbpf parsed the kernel's BTF (several MB) while loading; give that memory back */
	malloc_trim(0);

	hello.flags = (btf_set ? CW_HELLO_TP_BTF : 0) | (want_ringbuf ? CW_HELLO_RINGBUF : 0) |
		      (btf_set && oom_task ? CW_HELLO_OOM_VICTIM_TASK : 0) |
		      (btf_set && sched_info ? CW_HELLO_SCHED_INFO : 0);
	hello.interval_ms = (__u32)interval_ms;
	hello.boot_time_ns = now_ns(CLOCK_BOOTTIME);
	write_frame(&hello, sizeof(hello));

	next_emit = now_ns(CLOCK_MONOTONIC) + (__u64)interval_ms * 1000000ull;
	while (!stopping && !output_closed) {
		__u64 now = now_ns(CLOCK_MONOTONIC);
		int timeout_ms = now >= next_emit ? 0 : (int)((next_emit - now) / 1000000ull) + 1;

		if (timeout_ms > event_delay_ms)
			timeout_ms = (int)event_delay_ms;
		if (rb) {
			/* events are submitted without wake-ups (see submit_event): drain on every tick */
			err = ring_buffer__poll(rb, timeout_ms);
			if (err >= 0)
				err = ring_buffer__consume(rb);
		} else {
			err = perf_buffer__poll(pb, timeout_ms);
		}
		if (err < 0 && err != -EINTR && !output_closed) {
			fprintf(stderr, "causeway-helper: polling events failed: %s\n", strerror(-err));
			rc = EXIT_INTERNAL;
			break;
		}
		if (now_ns(CLOCK_MONOTONIC) >= next_emit) {
			emit_counters(skel, ncpus);
			next_emit += (__u64)interval_ms * 1000000ull;
		}
	}
	if (output_closed && rc == EXIT_OK)
		rc = EXIT_OUTPUT_CLOSED;

cleanup:
	ring_buffer__free(rb);
	perf_buffer__free(pb);
	causeway_bpf__destroy(skel); /* detaches every program and frees the maps */
	return rc;
}
