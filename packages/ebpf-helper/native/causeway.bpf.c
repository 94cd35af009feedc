// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel side of the Causeway helper: run-queue delay, OOM kills, process exits, the TCP
 * connection lifecycle and retransmits, keyed by cgroup v2 id.
 *
 * Every hook has a tp_btf program and a raw tracepoint twin; user space loads one set (see
 * causeway.c). Handlers read kernel memory only through BPF_CORE_READ, so they are the same for
 * both program types.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "causeway.h"

#define AF_INET 2
#define AF_INET6 10
#define TASK_RUNNING 0

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile bool use_ringbuf = true;
/* Read run-queue delay from task->sched_info (CONFIG_SCHED_INFO) instead of timing wake-ups. */
const volatile bool use_sched_info = true;
/* CLOCK_MONOTONIC when the helper started: tasks started later are counted from zero. */
const volatile __u64 start_ns = 0;

/* Events dropped because the buffer was full; read by user space through the mmaped .bss. */
__u64 events_lost = 0;

union cw_event {
	struct cw_oom_kill oom;
	struct cw_process_exit exit;
	struct cw_tcp_connect connect;
	struct cw_tcp_listen listen;
};

#define RINGBUF_BYTES (256 * 1024)
#define RINGBUF_WAKEUP_BYTES (RINGBUF_BYTES / 4)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} events SEC(".maps");

/* Scratch space for building an event when the perf buffer is used instead of the ring. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union cw_event);
} heap SEC(".maps");

/* A task's waits are added to its cgroup's counters in batches of this many (or once a jiffy). */
#define RUNQ_FLUSH_WAITS 32
#define PF_EXITING 0x00000004

struct runq_seen {
	__u64 run_delay;       /* task->sched_info.run_delay when last switched out */
	__u64 pcount;          /* task->sched_info.pcount then; 0 = not seen yet */
	__u64 pending_sum_ns;  /* waits not yet added to the cgroup's counters */
	__u64 flushed_jiffies;
	__u32 pending_count;
	__u32 pending_hist[CW_RUNQ_SLOTS];
	__u32 _pad;
};

/* task -> what its run-queue accounting said last time (the sched_info path). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct runq_seen);
} runq_task_seen SEC(".maps");

/* pid -> time it became runnable, for the raw tracepoint programs (LRU: exited tasks age out). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} runq_start SEC(".maps");

/*
 * task -> time it became runnable, for the tp_btf programs: task-local storage needs no hashing
 * and is freed with the task. 0 means "not waiting".
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} runq_task_ts SEC(".maps");

/*
 * cgroup v2 id -> counters, per CPU. LRU, so that the counters of deleted cgroups make room for
 * new ones instead of filling the map; an evicted cgroup that comes back restarts from zero.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct cw_counters_value);
} counters SEC(".maps");

struct connect_start {
	__u64 cgroup_id;
	__u32 pid;
	__u32 _pad;
};

/* socket -> the task that started connecting it (SYN_SENT), for softirq-time transitions. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct connect_start);
} connecting SEC(".maps");

/* socket -> owning cgroup for open connections and listeners. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} sock_cgroup SEC(".maps");

struct conn_retransmits {
	struct cw_conn_value v;
	__u64 closed; /* set when the socket closed: user space deletes the entry after emitting it */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cw_conn_key);
	__type(value, struct conn_retransmits);
} conn_retransmits SEC(".maps");

/* ---- helpers ---- */

static __always_inline void *reserve_event(__u64 size)
{
	__u32 zero = 0;
	void *e;

	if (use_ringbuf)
		e = bpf_ringbuf_reserve(&events, size, 0);
	else
		e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		__sync_fetch_and_add(&events_lost, 1);
	return e;
}

static __always_inline void submit_event(void *ctx, void *e, __u64 size)
{
	if (use_ringbuf) {
		/*
		 * Waking the reader costs a self-IPI per event (about 11 us on a VM). User space polls
		 * every --event-delay-ms instead, and is woken only when a backlog builds up.
		 */
		__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > RINGBUF_WAKEUP_BYTES ?
				      BPF_RB_FORCE_WAKEUP :
				      BPF_RB_NO_WAKEUP;

		bpf_ringbuf_submit(e, flags);
		return;
	}
	if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, e, size) < 0)
		__sync_fetch_and_add(&events_lost, 1);
}

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

/* The v1 memory-controller cgroup id (equal to the v2 id when memory is on the unified tree). */
static __always_inline __u64 task_memcg_id(struct task_struct *task)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cset;
	int idx;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	idx = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (idx < 0 || idx >= CGROUP_SUBSYS_COUNT)
		return 0;
	cset = BPF_CORE_READ(task, cgroups);
	if (!cset)
		return 0;
	bpf_core_read(&css, sizeof(css), &cset->subsys[idx]);
	if (!css)
		return 0;
	return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline __u64 current_cgroup_id(void)
{
	return bpf_get_current_cgroup_id();
}

/* Cgroup recorded in the socket at creation (kernels >= 5.15 keep a cgroup pointer there). */
static __always_inline __u64 sock_owner_cgroup_id(const struct sock *sk)
{
	if (!bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return 0;
	return BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
}

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	struct task_struct___pre514 *old = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ(old, state);
}

static __always_inline struct cw_counters_value *counters_for(__u64 cgroup_id)
{
	struct cw_counters_value *v, zero = {};

	v = bpf_map_lookup_elem(&counters, &cgroup_id);
	if (v)
		return v;
	bpf_map_update_elem(&counters, &cgroup_id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&counters, &cgroup_id);
}

/* Histogram slot of a delay in microseconds: 0 for < 1 us, else floor(log2(us)) + 1, capped. */
static __always_inline __u32 log2_slot(__u64 us)
{
	__u32 v, r, shift;

	if (us == 0)
		return 0;
	v = us > 0xffffffffull ? 0xffffffffu : (__u32)us;
	r = (v > 0xffff) << 4;
	v >>= r;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	r += 1;
	return r < CW_RUNQ_SLOTS - 1 ? r : CW_RUNQ_SLOTS - 1;
}

/* ---- run-queue delay ---- */

/* `waits` waits of `delta` ns in total (the histogram takes their mean). */
static __always_inline void account_runq_waits(__u64 cgroup_id, __u64 delta, __u64 waits)
{
	struct cw_counters_value *c;

	if ((__s64)delta < 0 || waits == 0)
		return;
	c = counters_for(cgroup_id);
	if (!c)
		return;
	c->runq_delay_sum_ns += delta;
	c->runq_delay_count += waits;
	c->runq_delay_hist[log2_slot(delta / waits / 1000) & (CW_RUNQ_SLOTS - 1)] += waits;
}

static __always_inline void account_runq_delay(__u64 cgroup_id, __u64 delta)
{
	account_runq_waits(cgroup_id, delta, 1);
}

static __always_inline void mark_runnable(struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);
	__u64 ts;

	if (!pid)
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&runq_start, &pid, &ts, BPF_ANY);
}

static __always_inline void on_switch(struct task_struct *prev, struct task_struct *next)
{
	__u64 *tsp, delta;
	__u32 pid;

	if (task_state(prev) == TASK_RUNNING)
		mark_runnable(prev); /* preempted: back on the run queue now */

	pid = BPF_CORE_READ(next, pid);
	if (!pid)
		return;
	tsp = bpf_map_lookup_elem(&runq_start, &pid);
	if (!tsp)
		return;
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&runq_start, &pid);
	account_runq_delay(task_cgroup_id(next), delta);
}

/*
 * The same for tp_btf, the hot path: task pointers are BTF-typed, so fields are read with plain
 * loads instead of bpf_probe_read_kernel calls, and start times live in task storage.
 */
static __always_inline void btf_mark_runnable(struct task_struct *p)
{
	__u64 *ts;

	if (!p->pid)
		return;
	ts = bpf_task_storage_get(&runq_task_ts, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		*ts = bpf_ktime_get_ns();
}

static __always_inline long btf_task_state(struct task_struct *t)
{
	struct task_struct___pre514 *old = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return old->state;
}

/*
 * The cheapest path: the scheduler already sums each task's run-queue wait (sched_info.run_delay,
 * one more pcount per arrival on a CPU). At switch-out, the growth since the task's last
 * switch-out is the wait before this run. No wake-up hooks and no clock reads are needed.
 */
static __always_inline void btf_on_switch_out(struct task_struct *prev)
{
	struct cw_counters_value *c;
	struct runq_seen *seen;
	__u64 delay, count, delta, waits, now;

	if (!prev->pid)
		return;
	seen = bpf_task_storage_get(&runq_task_seen, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!seen)
		return;
	delay = prev->sched_info.run_delay;
	count = prev->sched_info.pcount;
	if (seen->pcount == 0 && prev->start_time < start_ns) {
		/* running before the helper started: its earlier waits are not ours to count */
		seen->run_delay = delay;
		seen->pcount = count;
		return;
	}
	if (count == seen->pcount)
		return;
	waits = count - seen->pcount;
	delta = delay - seen->run_delay;
	seen->run_delay = delay;
	seen->pcount = count;
	if ((__s64)delta < 0)
		return;

	/*
	 * Batch in task storage: the per-CPU cgroup map lookup is the dearest step, so it runs once
	 * per RUNQ_FLUSH_WAITS waits, once a jiffy, and when the task exits.
	 */
	seen->pending_sum_ns += delta;
	seen->pending_count += waits;
	seen->pending_hist[log2_slot(delta / waits / 1000) & (CW_RUNQ_SLOTS - 1)] += waits;
	now = bpf_jiffies64();
	if (seen->pending_count < RUNQ_FLUSH_WAITS && now == seen->flushed_jiffies &&
	    !(prev->flags & PF_EXITING))
		return;
	seen->flushed_jiffies = now;
	c = counters_for(prev->cgroups->dfl_cgrp->kn->id);
	if (c) {
		c->runq_delay_sum_ns += seen->pending_sum_ns;
		c->runq_delay_count += seen->pending_count;
		for (int i = 0; i < CW_RUNQ_SLOTS; i++)
			c->runq_delay_hist[i] += seen->pending_hist[i];
	}
	seen->pending_sum_ns = 0;
	seen->pending_count = 0;
	__builtin_memset(seen->pending_hist, 0, sizeof(seen->pending_hist));
}

static __always_inline void btf_on_switch(struct task_struct *prev, struct task_struct *next)
{
	__u64 *ts, start;

	if (btf_task_state(prev) == TASK_RUNNING)
		btf_mark_runnable(prev);
	if (!next->pid)
		return;
	ts = bpf_task_storage_get(&runq_task_ts, next, 0, 0);
	if (!ts || !*ts)
		return;
	start = *ts;
	*ts = 0;
	account_runq_delay(next->cgroups->dfl_cgrp->kn->id, bpf_ktime_get_ns() - start);
}

/* ---- process exit ---- */

static __always_inline void on_exit(void *ctx, struct task_struct *task)
{
	struct cw_process_exit *e;
	__u32 pid = BPF_CORE_READ(task, pid);

	if (pid != BPF_CORE_READ(task, tgid))
		return; /* only whole processes: the thread-group leader */
	e = reserve_event(sizeof(*e));
	if (!e)
		return;
	e->type = CW_REC_PROCESS_EXIT;
	e->pid = pid;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = task_cgroup_id(task);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	submit_event(ctx, e, sizeof(*e));
}

/* ---- OOM kill ---- */

static __always_inline void on_oom_victim(void *ctx, __u32 pid, struct task_struct *victim)
{
	struct task_struct *current = (void *)bpf_get_current_task();
	struct cw_oom_kill *e = reserve_event(sizeof(*e));

	if (!e)
		return;
	e->type = CW_REC_OOM_KILL;
	e->pid = pid;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->killer_pid = bpf_get_current_pid_tgid() >> 32;
	e->_pad = 0;
	if (victim) {
		e->cgroup_id = task_cgroup_id(victim);
		e->memcg_id = task_memcg_id(victim);
		BPF_CORE_READ_STR_INTO(&e->comm, victim, comm);
	} else {
		/*
		 * Only the pid is known. A memcg OOM runs in a task charging the same memcg, so the
		 * killer's memory cgroup is the victim's or its descendant's.
		 */
		e->cgroup_id = 0;
		e->memcg_id = task_memcg_id(current);
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	}
	submit_event(ctx, e, sizeof(*e));
}

/* ---- TCP ---- */

static __always_inline void read_endpoints(const struct sock *sk, __u16 family, __u8 *saddr,
					   __u8 *daddr, __u16 *sport, __u16 *dport)
{
	*sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (*sport == 0) {
		/* tcp_set_state releases the local port (skc_num = 0) before the CLOSE tracepoint;
		 * inet_sport still holds it */
		const struct inet_sock *inet = (const void *)sk;

		*sport = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	}
	*dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		__u32 s = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memset(saddr, 0, 16);
		__builtin_memset(daddr, 0, 16);
		__builtin_memcpy(saddr, &s, 4);
		__builtin_memcpy(daddr, &d, 4);
	} else {
		/* saddr/daddr are pointers here, so BPF_CORE_READ_INTO would copy one byte */
		bpf_core_read(saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline void emit_connect(void *ctx, const struct sock *sk, __u16 family,
					 struct connect_start *start, __u8 result)
{
	struct cw_tcp_connect *e = reserve_event(sizeof(*e));

	if (!e)
		return;
	e->type = CW_REC_TCP_CONNECT;
	e->pid = start->pid;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = start->cgroup_id;
	e->family = family;
	e->result = result;
	e->_pad = 0;
	read_endpoints(sk, family, e->saddr, e->daddr, &e->sport, &e->dport);
	submit_event(ctx, e, sizeof(*e));
}

static __always_inline void emit_listen(void *ctx, const struct sock *sk, __u16 family,
					__u64 cgroup_id, __u8 listening)
{
	struct cw_tcp_listen *e = reserve_event(sizeof(*e));
	__u8 daddr[16];
	__u16 dport;

	if (!e)
		return;
	e->type = CW_REC_TCP_LISTEN;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = cgroup_id;
	e->family = family;
	e->listening = listening;
	e->_pad[0] = e->_pad[1] = e->_pad[2] = 0;
	read_endpoints(sk, family, e->addr, daddr, &e->port, &dport);
	submit_event(ctx, e, sizeof(*e));
}

static __always_inline void conn_key_of(const struct sock *sk, __u16 family, struct cw_conn_key *k)
{
	k->family = family;
	k->_pad = 0;
	read_endpoints(sk, family, k->saddr, k->daddr, &k->sport, &k->dport);
}

static __always_inline void on_set_state(void *ctx, const struct sock *sk, int old, int new)
{
	__u64 skp = (__u64)sk, cg, *cgp;
	struct cw_counters_value *c;
	struct connect_start *start;
	__u16 family;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;

	if (new == TCP_SYN_SENT) {
		struct connect_start s = {
			.cgroup_id = current_cgroup_id(),
			.pid = bpf_get_current_pid_tgid() >> 32,
		};
		bpf_map_update_elem(&connecting, &skp, &s, BPF_ANY);
		bpf_map_update_elem(&sock_cgroup, &skp, &s.cgroup_id, BPF_ANY);
		return;
	}

	if (old == TCP_SYN_SENT) {
		start = bpf_map_lookup_elem(&connecting, &skp);
		if (start && (new == TCP_ESTABLISHED || new == TCP_CLOSE)) {
			__u8 ok = new == TCP_ESTABLISHED;

			emit_connect(ctx, sk, family, start,
				     ok ? CW_CONNECT_OK : CW_CONNECT_FAILED);
			c = counters_for(start->cgroup_id);
			if (c) {
				if (ok)
					__sync_fetch_and_add(&c->tcp_connects_ok, 1);
				else
					__sync_fetch_and_add(&c->tcp_connects_failed, 1);
			}
		}
		bpf_map_delete_elem(&connecting, &skp);
	}

	if (new == TCP_LISTEN) {
		cg = current_cgroup_id();
		bpf_map_update_elem(&sock_cgroup, &skp, &cg, BPF_ANY);
		c = counters_for(cg);
		if (c)
			__sync_fetch_and_add(&c->tcp_listening, 1);
		emit_listen(ctx, sk, family, cg, 1);
		return;
	}

	cgp = bpf_map_lookup_elem(&sock_cgroup, &skp);
	/*
	 * A socket accepted from a listener is cloned in LISTEN state and moves LISTEN -> SYN_RECV;
	 * it was never registered as a listener, so it is not a listener closing.
	 */
	if (old == TCP_LISTEN && !cgp)
		return;
	if (cgp) {
		cg = *cgp;
	} else {
		/* passive open: the child socket inherited the listener's cgroup */
		cg = sock_owner_cgroup_id(sk);
		if (new == TCP_ESTABLISHED)
			bpf_map_update_elem(&sock_cgroup, &skp, &cg, BPF_ANY);
	}

	if (old == TCP_LISTEN) {
		c = counters_for(cg);
		if (c)
			__sync_fetch_and_add(&c->tcp_listening, -1);
		emit_listen(ctx, sk, family, cg, 0);
	}
	if (new == TCP_ESTABLISHED) {
		c = counters_for(cg);
		if (c)
			__sync_fetch_and_add(&c->tcp_active, 1);
	}
	if (old == TCP_ESTABLISHED) {
		c = counters_for(cg);
		if (c)
			__sync_fetch_and_add(&c->tcp_active, -1);
	}
	if (new == TCP_CLOSE) {
		struct cw_conn_key k;
		struct conn_retransmits *r;

		bpf_map_delete_elem(&sock_cgroup, &skp);
		conn_key_of(sk, family, &k);
		r = bpf_map_lookup_elem(&conn_retransmits, &k);
		if (r)
			r->closed = 1;
	}
}

static __always_inline void on_retransmit(const struct sock *sk)
{
	__u64 skp = (__u64)sk, cg, *cgp;
	struct cw_counters_value *c;
	struct conn_retransmits *r;
	struct cw_conn_key k;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family != AF_INET && family != AF_INET6)
		return;
	cgp = bpf_map_lookup_elem(&sock_cgroup, &skp);
	cg = cgp ? *cgp : sock_owner_cgroup_id(sk);

	c = counters_for(cg);
	if (c)
		__sync_fetch_and_add(&c->tcp_retransmits, 1);

	conn_key_of(sk, family, &k);
	r = bpf_map_lookup_elem(&conn_retransmits, &k);
	if (!r) {
		struct conn_retransmits init = { .v = { .cgroup_id = cg } };

		bpf_map_update_elem(&conn_retransmits, &k, &init, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&conn_retransmits, &k);
		if (!r)
			return;
	}
	__sync_fetch_and_add(&r->v.retransmits, 1);
}

/* ---- tp_btf programs ---- */

SEC("tp_btf/sched_wakeup")
int BPF_PROG(cw_btf_sched_wakeup, struct task_struct *p)
{
	btf_mark_runnable(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(cw_btf_sched_wakeup_new, struct task_struct *p)
{
	btf_mark_runnable(p);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(cw_btf_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (use_sched_info)
		btf_on_switch_out(prev);
	else
		btf_on_switch(prev, next);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(cw_btf_sched_process_exit, struct task_struct *task)
{
	on_exit(ctx, task);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(cw_btf_inet_sock_set_state, const struct sock *sk, const int old, const int new)
{
	on_set_state(ctx, sk, old, new);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(cw_btf_tcp_retransmit_skb, const struct sock *sk)
{
	on_retransmit(sk);
	return 0;
}

/* Kernels >= 6.8 pass the victim task; loaded only when the BTF prototype says so. */
SEC("tp_btf/mark_victim")
int BPF_PROG(cw_btf_mark_victim, struct task_struct *task)
{
	on_oom_victim(ctx, BPF_CORE_READ(task, tgid), task);
	return 0;
}

/* ---- raw tracepoint twins (no BTF-typed attach) ---- */

SEC("raw_tp/sched_wakeup")
int BPF_PROG(cw_raw_sched_wakeup, struct task_struct *p)
{
	mark_runnable(p);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(cw_raw_sched_wakeup_new, struct task_struct *p)
{
	mark_runnable(p);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(cw_raw_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(prev, next);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(cw_raw_sched_process_exit, struct task_struct *task)
{
	on_exit(ctx, task);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(cw_raw_inet_sock_set_state, const struct sock *sk, int old, int new)
{
	on_set_state(ctx, sk, old, new);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(cw_raw_tcp_retransmit_skb, const struct sock *sk)
{
	on_retransmit(sk);
	return 0;
}

/*
 * Kernels < 6.8 pass only the victim's pid (arg 0). A raw tracepoint rather than the classic
 * tp/oom/mark_victim, so that no tracefs mount is needed.
 */
SEC("raw_tp/mark_victim")
int BPF_PROG(cw_raw_mark_victim_pid, int pid)
{
	on_oom_victim(ctx, pid, NULL);
	return 0;
}
