/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one definition of every record the helper writes to stdout.
 *
 * Wire format: each frame is a little-endian __u32 payload length followed by the payload, which
 * is one of the structs below, starting with its __u32 `type` (enum cw_record_type). Every struct
 * has explicit padding so its layout has no compiler-inserted holes; the TypeScript decoder's
 * layout table (packages/ebpf-helper/src/layout.ts) is checked against this header by a test that
 * compiles it (src/layout.test.ts).
 *
 * Includers provide the __u8/__u16/__u32/__u64 types: vmlinux.h in BPF code, <linux/types.h> in
 * user space.
 */
#ifndef CAUSEWAY_H
#define CAUSEWAY_H

#define CW_PROTOCOL_VERSION 1
#define CW_COMM_LEN 16
#define CW_RUNQ_SLOTS 16 /* log2 buckets of run-queue delay in microseconds; the last is open */
#define CW_MAX_FRAME_BYTES 4096

enum cw_record_type {
	CW_REC_HELLO = 1,
	CW_REC_OOM_KILL = 2,
	CW_REC_PROCESS_EXIT = 3,
	CW_REC_TCP_CONNECT = 4,
	CW_REC_TCP_LISTEN = 5,
	CW_REC_CGROUP_COUNTERS = 6,
	CW_REC_CONN_RETRANSMITS = 7,
	CW_REC_INTERVAL_END = 8,
};

/* Flags in cw_hello.flags: which fallbacks the helper ended up using. */
enum cw_hello_flags {
	CW_HELLO_TP_BTF = 1,   /* programs attached as tp_btf (else raw tracepoints) */
	CW_HELLO_RINGBUF = 2,  /* events through the BPF ring buffer (else perf buffer) */
	CW_HELLO_OOM_VICTIM_TASK = 4, /* OOM victim task seen directly (else cgroups from the killer) */
	CW_HELLO_SCHED_INFO = 8, /* run-queue delay read from task->sched_info (else wake-ups timed) */
};

/* First record after a successful attach. */
struct cw_hello {
	__u32 type;
	__u32 version;
	__u32 flags;
	__u32 interval_ms;
	__u64 boot_time_ns; /* CLOCK_BOOTTIME at start; event timestamps use the same clock */
};

/* oom/mark_victim: the kernel chose `pid` as the OOM victim. */
struct cw_oom_kill {
	__u32 type;
	__u32 pid;          /* victim tgid, from the tracepoint arguments */
	__u64 ts_ns;
	__u64 cgroup_id;    /* victim's cgroup v2 id (0 if the victim could not be resolved) */
	__u64 memcg_id;     /* victim's cgroup v1 memory-controller id (0 on pure cgroup v2) */
	__u32 killer_pid;   /* the task in whose context the OOM killer ran */
	__u32 _pad;
	char comm[CW_COMM_LEN];
};

/* sched_process_exit of a thread-group leader. */
struct cw_process_exit {
	__u32 type;
	__u32 pid;
	__u64 ts_ns;
	__u64 cgroup_id;
	__u32 ppid;
	__u32 exit_code;    /* task->exit_code: (status << 8) | (core dumped 0x80) | signal */
	char comm[CW_COMM_LEN];
};

enum cw_connect_result {
	CW_CONNECT_OK = 1,     /* SYN_SENT -> ESTABLISHED */
	CW_CONNECT_FAILED = 2, /* SYN_SENT -> CLOSE */
};

/* Addresses are network byte order; IPv4 uses the first 4 bytes. Ports are host byte order. */
struct cw_tcp_connect {
	__u32 type;
	__u32 pid;          /* the connecting task (0 if the connect was not seen in process context) */
	__u64 ts_ns;
	__u64 cgroup_id;    /* cgroup of the connecting task, captured at SYN_SENT */
	__u16 family;       /* AF_INET (2) or AF_INET6 (10) */
	__u16 sport;
	__u16 dport;
	__u8 result;        /* enum cw_connect_result */
	__u8 _pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* A socket entered (listening = 1) or left (listening = 0) the LISTEN state. */
struct cw_tcp_listen {
	__u32 type;
	__u32 pid;
	__u64 ts_ns;
	__u64 cgroup_id;
	__u16 family;
	__u16 port;
	__u8 listening;
	__u8 _pad[3];
	__u8 addr[16];
};

/*
 * Per-cgroup counters, cumulative since the helper started (gauges are current values). Written
 * once per cgroup at every interval.
 */
struct cw_cgroup_counters {
	__u32 type;
	__u32 _pad;
	__u64 cgroup_id;
	__u64 runq_delay_sum_ns;
	__u64 runq_delay_count;
	__u64 runq_delay_hist[CW_RUNQ_SLOTS]; /* slot i: delay in [2^(i-1), 2^i) us; slot 0: < 1 us */
	__u64 tcp_retransmits;
	__u64 tcp_connects_ok;
	__u64 tcp_connects_failed;
	__s64 tcp_active;    /* established connections now open */
	__s64 tcp_listening; /* listening sockets now open */
};

/* Retransmits of one connection, cumulative, written at every interval while non-zero. */
struct cw_conn_retransmits {
	__u32 type;
	__u32 _pad;
	__u64 cgroup_id;
	__u64 retransmits;
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 _pad2;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Closes one interval's batch of counter records. */
struct cw_interval_end {
	__u32 type;
	__u32 cgroups;       /* cw_cgroup_counters records in this batch */
	__u64 ts_ns;
	__u64 events_lost;   /* events dropped because the ring/perf buffer was full */
};

/* ---- BPF map keys and values shared by the two sides (not on the wire) ---- */

struct cw_conn_key {
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 _pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct cw_conn_value {
	__u64 cgroup_id;
	__u64 retransmits;
};

/* Value of the per-CPU counters map keyed by cgroup id; summed over CPUs by user space. */
struct cw_counters_value {
	__u64 runq_delay_sum_ns;
	__u64 runq_delay_count;
	__u64 runq_delay_hist[CW_RUNQ_SLOTS];
	__u64 tcp_retransmits;
	__u64 tcp_connects_ok;
	__u64 tcp_connects_failed;
	__s64 tcp_active;
	__s64 tcp_listening;
};

#endif /* CAUSEWAY_H */
