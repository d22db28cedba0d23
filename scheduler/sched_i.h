/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sched_i.h — private to scheduler/: the event loop the fan-out engine
 * runs on (modelled on redis' ae.c: file events plus timers over poll(2)),
 * and process spawning.
 */
#ifndef CSHELL_SCHEDULER_SCHED_I_H
#define CSHELL_SCHEDULER_SCHED_I_H

#include "scheduler/scheduler.h"

struct sch_loop;
typedef void (*sch_fd_fn)(struct sch_loop *l, int fd, void *data);
/* Returns the next delay in ms to run again, or -1 to be removed. */
typedef int64_t (*sch_timer_fn)(struct sch_loop *l, int64_t id, void *data);

struct sch_loop *sch_loop_new(void);
void sch_loop_free(struct sch_loop *l);
/* Calls fn when fd is readable (or hung up).  One entry per fd. */
void sch_loop_add_fd(struct sch_loop *l, int fd, sch_fd_fn fn, void *data);
void sch_loop_del_fd(struct sch_loop *l, int fd);
/* Calls fn once after ms milliseconds.  Returns the timer's id (> 0). */
int64_t sch_loop_add_timer(struct sch_loop *l, int64_t ms, sch_timer_fn fn,
			   void *data);
void sch_loop_del_timer(struct sch_loop *l, int64_t id);
void sch_loop_stop(struct sch_loop *l);
/* Runs until sch_loop_stop() or until nothing is registered. */
void sch_loop_run(struct sch_loop *l);
int64_t sch_now_ms(void);

/* Forks and execs argv (PATH searched) with fds[0..2] as its stdin,
 * stdout and stderr (-1: /dev/null), in a session of its own (a fair
 * share of the CPU under autogroups; signals from the terminal do not
 * reach it).  Returns the pid or -1 with err. */
pid_t sch_spawn(char *const *argv, const int fds[3], struct cs_error *err);
/* Takes the exclusive lock "<path>.lock" that guards every write of
 * path (waiting for it).  Returns the fd or -1 with err. */
int sch_lock_for(const char *path, struct cs_error *err);
/* The ssh program: $CSHELL_SSH or "ssh". */
const char *sch_ssh_prog(void);

#endif
