/* The container process's last steps before execve. */
#ifndef GANTRY_INIT_PROCESS_H
#define GANTRY_INIT_PROCESS_H
#include "plan.h"

/* The fds the container process holds while it is set up. */
struct process_fds {
  int plan, sync, console, fifo;
  int fifo_dir; const char *fifo_name; /* the fifo's directory (host) with FIFO_VIA_DIR, else -1 */
  int ready; /* one byte on it tells the helper's parent that setup succeeded */
};

/* Runs everything after the namespace and mount setup and execs argv[0].
 * Returns only on failure (already reported on the sync fd). */
int process_finish(struct plan *p, struct process_fds *fds);

/* sched_setaffinity(0) from cpu_set_t bytes; returns 0 or errno. */
int set_affinity(const char *mask, size_t len);

/* Applies oom_score_adj; returns 0 or errno (reported by the caller). */
int process_oom_score_adj(const struct plan *p);

#endif
