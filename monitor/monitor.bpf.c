// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * monitor.bpf.c — the kernel side of monitor/: CO-RE programs on BTF
 * tracepoints (tp_btf, so no tracefs mount is needed) that write
 * struct mon_wire_* records (wire_i.h) into one ring buffer.
 *
 * Read in this order: in_monitored() (the cgroup filter every program runs
 * first), fill_hdr() (pids, also as seen in the sandbox's pid namespace),
 * then one program per event: exec, exit, and the sys_enter/sys_exit pair
 * that turns openat/connect into one record carrying the result.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "monitor/wire_i.h"

/* "GPL" is the string the kernel knows for any GPL version: it unlocks
 * the GPL-only helpers (bpf_get_current_task_btf) */
char LICENSE[] SEC("license") = "GPL";

/* Set by load.c before load. */
const volatile __u32 want_open = 0;
const volatile __u32 want_connect = 0;
/* Buffered bytes at which a record wakes the reader up at once; below it
 * records are submitted without a wake-up and the reader drains them on
 * its poll timeout, so a busy sandbox costs one wake-up per batch. */
const volatile __u64 wake_bytes = 256 * 1024;

#if defined(__TARGET_ARCH_x86)
#define NR_OPEN 2
#define NR_CONNECT 42
#define NR_OPENAT 257
#define NR_OPENAT2 437
#elif defined(__TARGET_ARCH_arm64)
#define NR_OPEN -1 /* arm64 has only openat */
#define NR_CONNECT 203
#define NR_OPENAT 56
#define NR_OPENAT2 437
#else
#error "syscall numbers of this architecture are missing"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* v2 cgroup id -> how to report its tasks; filled by mon_add_cgroup(). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct mon_wire_cg);
} monitored SEC(".maps");

/* pid_tgid -> a syscall between sys_enter and sys_exit.  LRU: a thread
 * killed inside connect() never reaches sys_exit, its entry ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct mon_wire_pending);
} pending SEC(".maps");

/* Records that did not fit in the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;
}

static __always_inline void *reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		count_lost();
	return e;
}

static __always_inline void submit(void *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wake_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/*
 * Is the current task in a monitored cgroup or below one?  Walks the
 * task's v2 ancestors from the root down (the helper returns 0 past the
 * task's own level) and keeps the deepest match, so a sandbox monitored
 * inside a monitored parent is reported as itself.
 */
static __always_inline int in_monitored(__u64 *cgid, __u32 *pidns_level)
{
	struct mon_wire_cg *cg;
	int found = 0;

	for (int i = 0; i < MON_WIRE_MAX_LEVELS; i++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(i);

		if (!id)
			break;
		cg = bpf_map_lookup_elem(&monitored, &id);
		if (cg) {
			*cgid = id;
			*pidns_level = cg->pidns_level;
			found = 1;
		}
	}
	return found;
}

/*
 * The number of pid p at a pid-namespace level.  struct pid holds one
 * struct upid per level, from the initial namespace (0) down to the one
 * the task was created in (pid->level); numbers[level].nr is what getpid()
 * returns there.  The sandbox's level comes from user space (the NSpid
 * count of its init); MON_WIRE_OWN_NS means the task's own (deepest)
 * level.  0 when the task is not visible at that level.
 */
static __always_inline __u32 pid_at(struct pid *p, __u32 want)
{
	unsigned int level = BPF_CORE_READ(p, level);
	int nr = 0;

	if (want != MON_WIRE_OWN_NS) {
		if (want > level)
			return 0;
		level = want;
	}
	if (level >= MON_WIRE_MAX_LEVELS)
		return 0;
	bpf_core_read(&nr, sizeof(nr), &p->numbers[level].nr);
	return nr;
}

static __always_inline void fill_hdr(struct mon_wire_hdr *h, __u32 type,
				     __u64 cgid, __u32 pidns_level)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	h->type = type;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->ns_pid =
		pid_at(BPF_CORE_READ(t, group_leader, thread_pid), pidns_level);
	h->ns_tid = pid_at(BPF_CORE_READ(t, thread_pid), pidns_level);
	h->uid = (__u32)uid_gid;
	h->gid = uid_gid >> 32;
	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = cgid;
	h->task_cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(mon_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct mon_wire_exec *e;
	__u32 pidns_level;
	__u64 cgid, start, end, len;
	long n;

	if (!in_monitored(&cgid, &pidns_level))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->hdr, MON_WIRE_EXEC, cgid, pidns_level);
	n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				      BPF_CORE_READ(bprm, filename));
	e->filename_len = n > 0 ? n : 0;
	/* argv of the new image: the stack strings between arg_start and
	 * arg_end, NUL separated; only the first MON_WIRE_ARGS bytes fit */
	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	len = end > start ? end - start : 0;
	e->args_total = len;
	if (len > MON_WIRE_ARGS)
		len = MON_WIRE_ARGS;
	e->args_len = 0;
	if (len && bpf_probe_read_user(e->args, len, (void *)start) == 0)
		e->args_len = len;
	submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(mon_exit, struct task_struct *p)
{
	struct mon_wire_exit *e;
	__u32 pidns_level;
	__u64 cgid;

	/* one record per process: from the last thread to go (do_exit has
	 * already taken it off signal->live when the tracepoint fires) */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (!in_monitored(&cgid, &pidns_level))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	fill_hdr(&e->hdr, MON_WIRE_EXIT, cgid, pidns_level);
	/* the last thread need not be the leader: report the process */
	e->hdr.tid = e->hdr.pid;
	e->hdr.ns_tid = e->hdr.ns_pid;
	/* do_group_exit() hands every thread the group's code */
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->runtime_ns =
		bpf_ktime_get_ns() - BPF_CORE_READ(p, group_leader, start_time);
	e->pad = 0;
	submit(e);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(mon_sys_enter, struct pt_regs *regs, long id)
{
	struct mon_wire_pending pe = {};
	__u64 pid_tgid;

	if (want_open && (id == NR_OPENAT || id == NR_OPENAT2)) {
		pe.arg = PT_REGS_PARM1_CORE_SYSCALL(regs);
		pe.ptr = PT_REGS_PARM2_CORE_SYSCALL(regs);
		if (id == NR_OPENAT)
			pe.flags = PT_REGS_PARM3_CORE_SYSCALL(regs);
		else
			pe.ptr2 = PT_REGS_PARM3_CORE_SYSCALL(regs);
	} else if (want_open && id == NR_OPEN) {
		pe.arg = -100; /* AT_FDCWD */
		pe.ptr = PT_REGS_PARM1_CORE_SYSCALL(regs);
		pe.flags = PT_REGS_PARM2_CORE_SYSCALL(regs);
	} else if (want_connect && id == NR_CONNECT) {
		pe.arg = PT_REGS_PARM1_CORE_SYSCALL(regs);
		pe.ptr = PT_REGS_PARM2_CORE_SYSCALL(regs);
		pe.flags = PT_REGS_PARM3_CORE_SYSCALL(regs);
	} else {
		return 0;
	}
	if (!in_monitored(&pe.cgroup_id, &pe.pidns_level))
		return 0;
	pe.nr = id;
	pid_tgid = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pending, &pid_tgid, &pe, BPF_ANY);
	return 0;
}

/* The user memory is read here, not at sys_enter: by now the kernel has
 * copied it in itself, so it is faulted in and the read cannot fail on a
 * page not yet touched. */
static __always_inline void finish_open(struct mon_wire_pending *pe, long ret)
{
	struct mon_wire_open *e = reserve(sizeof(*e));
	long n;

	if (!e)
		return;
	fill_hdr(&e->hdr, MON_WIRE_OPEN, pe->cgroup_id, pe->pidns_level);
	e->result = ret;
	e->dfd = pe->arg;
	e->flags = pe->flags;
	if (pe->nr == NR_OPENAT2) {
		__u64 flags = 0;

		bpf_probe_read_user(&flags, sizeof(flags), (void *)pe->ptr2);
		e->flags = flags;
	}
	n = bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)pe->ptr);
	e->path_len = n > 0 ? n : 0;
	e->pad = 0;
	submit(e);
}

static __always_inline void finish_connect(struct mon_wire_pending *pe,
					   long ret)
{
	struct mon_wire_connect *e = reserve(sizeof(*e));
	__u32 len = pe->flags;

	if (!e)
		return;
	fill_hdr(&e->hdr, MON_WIRE_CONNECT, pe->cgroup_id, pe->pidns_level);
	e->result = ret;
	e->fd = pe->arg;
	e->addrlen = len;
	if (len > MON_WIRE_SOCKADDR)
		len = MON_WIRE_SOCKADDR;
	e->sa_len = 0;
	if (len && bpf_probe_read_user(e->sa, len, (void *)pe->ptr) == 0)
		e->sa_len = len;
	e->pad = 0;
	submit(e);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(mon_sys_exit, struct pt_regs *regs, long ret)
{
	struct mon_wire_pending *pe;
	__u64 pid_tgid;
	long nr;

	/* every syscall of the host passes here: the number first, the map
	 * only for the few we watch */
#if defined(__TARGET_ARCH_x86)
	nr = BPF_CORE_READ(regs, orig_ax);
#else
	nr = BPF_CORE_READ(regs, syscallno);
#endif
	if (nr != NR_OPENAT && nr != NR_OPENAT2 && nr != NR_OPEN &&
	    nr != NR_CONNECT)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	pe = bpf_map_lookup_elem(&pending, &pid_tgid);
	if (!pe)
		return 0;
	if (pe->nr == NR_CONNECT)
		finish_connect(pe, ret);
	else
		finish_open(pe, ret);
	bpf_map_delete_elem(&pending, &pid_tgid);
	return 0;
}
