/* Console, identity, capabilities, rlimits, seccomp, start gate and execve:
 * the container process's final steps, in the order runc uses. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "process.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char *rlimit_name(int64_t r) {
  static const char *names[] = { "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
    "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
    "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME" };
  return r >= 0 && r < 16 ? names[r] : "RLIMIT_?";
}

int process_oom_score_adj(const struct plan *p) {
  if (!p->has_oom) return 0;
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)p->oom_score_adj);
  int e = write(fd, buf, (size_t)n) != n ? errno : 0;
  close(fd);
  return e;
}

static int send_fd(int sock, int fd, const char *name) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = { (void *)name, strlen(name) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? errno : 0;
}

/* Opens a pty in the container's devpts, sends the master over the console socket
 * and makes the slave the controlling terminal and stdio. */
static int setup_console(const struct plan *p, int console_fd, const char **step) {
  *step = "open /dev/ptmx";
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return errno;
  int unlock = 0, ptn;
  *step = "unlock pty";
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &ptn) < 0) return errno;
  *step = "open pty slave";
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) return errno;
  if (p->rows > 0 && p->cols > 0) {
    struct winsize ws = { .ws_row = (unsigned short)p->rows, .ws_col = (unsigned short)p->cols };
    *step = "set console size";
    if (ioctl(slave, TIOCSWINSZ, &ws) < 0) return errno;
  }
  char name[64];
  snprintf(name, sizeof name, "/dev/pts/%d", ptn);
  *step = "send pty master to console socket";
  int e = send_fd(console_fd, master, name);
  if (e) return e;
  close(master);
  close(console_fd);
  *step = "setsid";
  if (setsid() < 0 && errno != EPERM) return errno;
  *step = "set controlling terminal";
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return errno;
  *step = "dup pty slave to stdio";
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0) return errno;
  if (slave > 2) close(slave);
  return 0;
}

/* execvpe looks at the helper's PATH; the container's env decides. */
static int find_executable(const struct plan *p, char *out, size_t n) {
  const char *arg0 = p->argv[0];
  if (!arg0 || !*arg0) return ENOENT;
  if (strchr(arg0, '/')) {
    snprintf(out, n, "%s", arg0);
    return access(out, X_OK) < 0 ? errno : 0;
  }
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t i = 0; i < p->nenv; i++)
    if (!strncmp(p->env[i], "PATH=", 5)) path = p->env[i] + 5;
  int last = ENOENT;
  while (*path) {
    const char *end = strchrnul(path, ':');
    snprintf(out, n, "%.*s/%s", (int)(end - path), path, arg0);
    struct stat st;
    if (access(out, X_OK) == 0 && stat(out, &st) == 0 && S_ISREG(st.st_mode)) return 0;
    if (errno != ENOENT) last = errno;
    path = *end ? end + 1 : end;
  }
  return last;
}

static int apply_rlimits(const struct plan *p, int sync_fd) {
  for (size_t i = 0; i < p->nrlimits; i++) {
    struct rlimit rl = { (rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard };
    if (setrlimit((int)p->rlimits[i].resource, &rl) < 0) {
      int e = errno;
      report_error(sync_fd, -1, "rlimit", e, rlimit_name(p->rlimits[i].resource));
      return e;
    }
  }
  return 0;
}

static int capset_sets(uint64_t eff, uint64_t perm, uint64_t inh) {
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2] = {
    { (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
    { (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) },
  };
  return (int)syscall(SYS_capset, &h, d);
}

static int install_seccomp(const struct plan *p) {
  struct sock_fprog prog = { (unsigned short)(p->seccomp_len / 8), (struct sock_filter *)p->seccomp_prog };
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)p->seccomp_flags, &prog) < 0 ? errno : 0;
}

/* Adds cap to the effective set, keeping the permitted and inheritable ones. */
static int raise_effective(int cap) {
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) < 0) return -1;
  d[cap / 32].effective |= 1U << (cap % 32);
  return (int)syscall(SYS_capset, &h, d);
}

/* Switches to the process user while keeping the planned capabilities.
 * Loading a filter without no_new_privs takes CAP_SYS_ADMIN, and the filter goes in
 * just before execve: until then the capability stays effective and permitted. That
 * changes nothing after execve, whose capabilities come from the bounding, inheritable
 * and ambient sets and the file, never from the old effective or permitted set. */
static int set_identity(const struct plan *p, int sync_fd) {
  int e;
  const uint64_t keep = p->has_seccomp && !p->no_new_privs ? 1ULL << CAP_SYS_ADMIN : 0;
  const int keep_uncapped = keep && !p->has_caps && p->uid != 0; /* setuid would clear it */
#define FAIL(step, detail) do { e = errno; report_error(sync_fd, -1, step, e, detail); return e; } while (0)
  if (p->has_caps) {
    for (int cap = 0; cap <= 63; cap++) {
      if (p->caps[0] & (1ULL << cap)) continue;
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) FAIL("drop bounding capability", "process.capabilities.bounding");
    }
  }
  if ((p->has_caps || keep_uncapped) && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) FAIL("prctl keepcaps", "");
  gid_t gids[p->ngids + 1];
  for (size_t i = 0; i < p->ngids; i++) gids[i] = (gid_t)p->gids[i];
  if (setgroups(p->ngids, gids) < 0 && !(errno == EPERM && p->setgroups_deny)) FAIL("setgroups", "process.user.additionalGids");
  if (setresgid((gid_t)p->gid, (gid_t)p->gid, (gid_t)p->gid) < 0) FAIL("setgid", "process.user.gid");
  if (setresuid((uid_t)p->uid, (uid_t)p->uid, (uid_t)p->uid) < 0) FAIL("setuid", "process.user.uid");
  if (keep_uncapped && raise_effective(CAP_SYS_ADMIN) < 0) FAIL("capset", "linux.seccomp needs CAP_SYS_ADMIN without process.noNewPrivileges");
  if (p->has_caps) {
    if (capset_sets(p->caps[1] | keep, p->caps[3] | keep, p->caps[2]) < 0) FAIL("capset", "process.capabilities");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) FAIL("clear ambient capabilities", "");
    for (int cap = 0; cap <= 63; cap++)
      if ((p->caps[4] & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        FAIL("raise ambient capability", "process.capabilities.ambient");
  }
  if (p->umask >= 0) umask((mode_t)p->umask);
#undef FAIL
  return 0;
}

/* Runs one startContainer hook with the state on stdin, killing it at its timeout.
 * On failure, why says what happened, in the runtime's words for the other hooks. */
static int run_hook(const struct plan *p, const struct hook *h, char *why, size_t n) {
  int in[2];
  int e;
  if (pipe2(in, O_CLOEXEC) < 0) { e = errno; snprintf(why, n, "hook %s: pipe: %s", h->path, strerror(e)); return e; }
  pid_t pid = fork();
  if (pid < 0) { e = errno; snprintf(why, n, "hook %s: fork: %s", h->path, strerror(e)); close(in[0]); close(in[1]); return e; }
  if (pid == 0) {
    dup2(in[0], 0);
    char *empty[] = { h->path, NULL };
    execve(h->path, h->args && h->args[0] ? h->args : empty, h->env ? h->env : empty + 1);
    _exit(127);
  }
  close(in[0]);
  char state[16384];
  int len = snprintf(state, sizeof state, "%s%ld%s", p->state_before ? p->state_before : "{\"pid\":", p->host_pid, p->state_after ? p->state_after : "}");
  if (len > 0) {
    ssize_t w = write(in[1], state, (size_t)len < sizeof state ? (size_t)len : sizeof state - 1);
    (void)w;
  }
  close(in[1]);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
      if (WIFEXITED(status)) snprintf(why, n, "hook %s: exit status %d", h->path, WEXITSTATUS(status));
      else snprintf(why, n, "hook %s: killed by signal %d", h->path, WTERMSIG(status));
      return ECHILD;
    }
    if (r < 0 && errno != EINTR) { e = errno; snprintf(why, n, "hook %s: wait: %s", h->path, strerror(e)); return e; }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (h->timeout > 0 && now.tv_sec - start.tv_sec >= h->timeout) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      snprintf(why, n, "hook %s timed out after %llds", h->path, (long long)h->timeout);
      return ETIMEDOUT;
    }
    struct timespec tick = { 0, 5 * 1000 * 1000 };
    nanosleep(&tick, NULL);
  }
}

/* Blocks until `start` opens the fifo for reading; returns our write end or -errno.
 * Reopened through /proc, or, for a root without /proc (a chroot without a mount
 * namespace), through its directory. */
static int wait_for_start(const struct process_fds *fds) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fds->fifo);
  int fd = fds->fifo_dir >= 0 ? openat(fds->fifo_dir, fds->fifo_name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC) : open(path, O_WRONLY | O_CLOEXEC);
  int e = errno;
  close(fds->fifo);
  if (fds->fifo_dir >= 0) close(fds->fifo_dir);
  return fd < 0 ? -e : fd;
}

/* One write (atomic below PIPE_BUF): "0" lets `start` return, anything else is its error. */
static int answer_start(int start_fd, const char *msg) {
  size_t n = strlen(msg);
  int e = write(start_fd, msg, n) != (ssize_t)n ? errno : 0;
  close(start_fd);
  return e;
}

/* A failure between `start` and execve: start's error (msg, or "step: error"), or an error line (exec). */
static int fail_start(int start_fd, int sync_fd, const char *step, int e, const char *msg) {
  if (start_fd < 0) { report_error(sync_fd, -1, step, e, ""); return e; }
  char text[256];
  if (!msg) snprintf(text, sizeof text, "%s: %s", step, strerror(e));
  answer_start(start_fd, msg ? msg : text);
  return e;
}

/* The kernel's struct sched_attr (sched_setattr(2)); glibc 2.36 has no wrapper. */
struct sched_attr_v1 {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

static int set_scheduler(const struct plan *p) {
  struct sched_attr_v1 a = {
    .size = sizeof a, .sched_policy = (uint32_t)p->sched[0], .sched_flags = (uint64_t)p->sched[1],
    .sched_nice = (int32_t)p->sched[2], .sched_priority = (uint32_t)p->sched[3],
    .sched_runtime = (uint64_t)p->sched[4], .sched_deadline = (uint64_t)p->sched[5], .sched_period = (uint64_t)p->sched[6],
  };
  return syscall(SYS_sched_setattr, 0, &a, 0) < 0 ? errno : 0;
}

int set_affinity(const char *mask, size_t len) {
  cpu_set_t set;
  CPU_ZERO(&set);
  memcpy(&set, mask, len < sizeof set ? len : sizeof set);
  return sched_setaffinity(0, sizeof set, &set) < 0 ? errno : 0;
}

int process_finish(struct plan *p, struct process_fds *fds) {
  int e, sync_fd = fds->sync, fifo_fd = fds->fifo, console_fd = fds->console;
  const char *step = "";
  if (p->terminal) {
    if (console_fd < 0) { report_error(sync_fd, -1, "console", EINVAL, "process.terminal needs a console socket"); return EINVAL; }
    if ((e = setup_console(p, console_fd, &step))) { report_error(sync_fd, -1, "console", e, step); return e; }
  } else if (p->mode == MODE_CREATE && setsid() < 0 && errno != EPERM) {
    e = errno; report_error(sync_fd, -1, "setsid", e, ""); return e;
  }
  if (p->cwd && *p->cwd && chdir(p->cwd) < 0) { e = errno; report_error(sync_fd, -1, "chdir", e, p->cwd); return e; }
  char exe[4096];
  if ((e = find_executable(p, exe, sizeof exe))) {
    report_error(sync_fd, -1, "exec", e, p->argv[0] ? p->argv[0] : "");
    return e;
  }
  if ((e = set_identity(p, sync_fd))) return e;
  /* After the identity change, which clears it. */
  if (p->die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) { e = errno; report_error(sync_fd, -1, "prctl", e, "PR_SET_PDEATHSIG"); return e; }
  if ((e = apply_rlimits(p, sync_fd))) return e;
  if (p->has_ioprio && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)p->ioprio) < 0) {
    e = errno; report_error(sync_fd, -1, "ioprio_set", e, "process.ioPriority"); return e;
  }
  if (p->has_personality && personality((unsigned long)p->persona) < 0) {
    e = errno; report_error(sync_fd, -1, "personality", e, "linux.personality"); return e;
  }
  if (p->has_sched && (e = set_scheduler(p))) { report_error(sync_fd, -1, "sched_setattr", e, "process.scheduler"); return e; }
  if (p->affinity[2] && (e = set_affinity(p->affinity[2], p->affinity_len[2]))) {
    report_error(sync_fd, -1, "sched_setaffinity", e, "process.execCPUAffinity.final"); return e;
  }
  report_line(sync_fd, "ready");
  if (write(fds->ready, "1", 1) != 1) { e = errno; report_error(sync_fd, -1, "report ready", e, ""); return e; }
  close(fds->ready);
  if (fifo_fd >= 0) {
    /* create: the runtime is done with us; until start, nobody reads these */
    close(sync_fd);
    close(fds->plan);
    sync_fd = -1;
  } /* exec: both stay open (close-on-exec), so EOF tells the runtime that execve happened */
  int start_fd = -1;
  if (fifo_fd >= 0 && (start_fd = wait_for_start(fds)) < 0) { e = -start_fd; report_error(sync_fd, -1, "open exec fifo", e, p->fifo); return e; }
  /* `start` waits for the answer: from here a failure fails it */
  for (size_t i = 0; i < p->nhooks; i++) {
    char why[1024], msg[1100];
    if (!(e = run_hook(p, &p->hooks[i], why, sizeof why))) continue;
    snprintf(msg, sizeof msg, "error running startContainer hook #%zu: %s", i, why);
    return fail_start(start_fd, sync_fd, "startContainer hook", e, msg);
  }
  /* preserved fds arrive at PRESERVED_FD_BASE.. and become 3.. ; nothing else survives execve */
  for (int i = 0; i < p->preserve_fds; i++)
    if (dup2(PRESERVED_FD_BASE + i, 3 + i) < 0) return fail_start(start_fd, sync_fd, "preserve fds", errno, NULL);
  if (syscall(SYS_close_range, 3 + (unsigned)p->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) return fail_start(start_fd, sync_fd, "close_range", errno, NULL);
  if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail_start(start_fd, sync_fd, "no_new_privs", errno, NULL);
  if (start_fd >= 0 && (e = answer_start(start_fd, "0"))) { report_error(sync_fd, -1, "write exec fifo", e, p->fifo); return e; }
  signal(SIGPIPE, SIG_DFL);
  /* Last, like runc: the profile need allow nothing of ours but execve. */
  if (p->has_seccomp && (e = install_seccomp(p))) { report_error(sync_fd, -1, "seccomp", e, "linux.seccomp"); return e; }
  execve(exe, p->argv, p->env);
  e = errno;
  report_error(sync_fd, -1, "exec", e, exe);
  return e;
}
