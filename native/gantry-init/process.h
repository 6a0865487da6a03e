/* The container process's last steps before execve. */
#ifndef GANTRY_INIT_PROCESS_H
#define GANTRY_INIT_PROCESS_H
#include "plan.h"

/* Runs everything after the namespace and mount setup and execs argv[0].
 * Returns only on failure (already reported on sync_fd). */
int process_finish(struct plan *p, int plan_fd, int sync_fd, int console_fd, int fifo_fd);

/* Applies oom_score_adj; returns 0 or errno (reported by the caller). */
int process_oom_score_adj(const struct plan *p);

#endif
