/* The decoded launch plan and the helper's step reporting. */
#ifndef GANTRY_INIT_PLAN_H
#define GANTRY_INIT_PLAN_H
#include <stdint.h>
#include <stddef.h>
#include "common/plan-protocol.h"

struct op {
  int64_t kind, opflags, mountflags, mode, uid, gid, major, minor;
  char *src, *dst, *fstype, *data;
};

struct ns_join { int64_t type; char *path; };
struct rlim { int64_t resource, soft, hard; };
struct hook { int64_t timeout; char *path; char **args; char **env; };

struct plan {
  int64_t mode, clone_flags, setgroups_deny, no_new_privs, uid, gid, umask;
  int64_t oom_score_adj, wait, preserve_fds, terminal, rows, cols, loopback_up, fifo_via_dir, die_with_parent;
  int has_oom, has_caps, has_seccomp, has_ioprio, has_personality;
  int64_t ioprio, persona;
  int has_sched; int64_t sched[7]; /* policy flags nice priority runtime deadline period */
  char *affinity[3]; size_t affinity_len[3]; /* [1] initial, [2] final: cpu_set_t bytes */
  uint64_t caps[5]; /* bounding effective inheritable permitted ambient */
  int64_t seccomp_flags;
  char *seccomp_prog; size_t seccomp_len;
  char *uid_map, *gid_map, *rootfs, *cwd, *console_socket, *fifo, *state_before, *state_after, *keyring, *pid_file;
  long host_pid; /* the process's pid in the runtime's pid namespace, sent by the parent */
  struct ns_join *joins; size_t njoins;
  struct op *ops; size_t nops;
  struct rlim *rlimits; size_t nrlimits;
  int64_t *gids; size_t ngids;
  char **env; size_t nenv;   /* NULL-terminated */
  char **argv; size_t nargv; /* NULL-terminated */
  char **procs; size_t nprocs;
  struct hook *hooks; size_t nhooks;
};

/* Reads and decodes one plan from fd; returns 0 or -errno. */
int plan_read(int fd, struct plan *p);

/* Reporting on the sync fd: "error <step> <errno> <name>\t<detail>". */
void report_error(int sync_fd, long step, const char *name, int err, const char *detail);
void report_line(int sync_fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
