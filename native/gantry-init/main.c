/* gantry-init: executes a launch plan written by Gantry's TypeScript runtime
 * (docs/helper-protocol.md). The parent part joins namespaces, clones the
 * container process into new ones, places it in its cgroup, writes its id maps and
 * reports its pid; the child runs the plan's operations and execs the user process. */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ops.h"
#include "process.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* A container must not reach the host binary through /proc/self/exe
 * (CVE-2019-5736): run from a sealed, anonymous copy. */
static void reexec_from_sealed_memfd(char **argv) {
#define FAIL(step) do { report_error(SYNC_FD, -1, step, errno, "/proc/self/exe"); exit(125); } while (0)
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) FAIL("open self");
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS) { close(self); return; }
  int mfd = memfd_create("gantry-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) FAIL("memfd_create");
  struct stat st;
  if (fstat(self, &st) < 0) FAIL("stat self");
  for (off_t off = 0; off < st.st_size;) {
    ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
    if (n < 0) FAIL("copy self to memfd");
    if (n == 0) { errno = EIO; FAIL("copy self to memfd"); }
  }
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) FAIL("seal memfd");
  close(self);
  fexecve(mfd, argv, environ);
  FAIL("fexecve memfd");
#undef FAIL
}

static int connect_console(const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; close(s); return -1; }
  strcpy(a.sun_path, path);
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) { int e = errno; close(s); errno = e; return -1; }
  return s;
}

static int write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  size_t n = strlen(data);
  int e = write(fd, data, n) != (ssize_t)n ? errno : 0;
  close(fd);
  return e;
}

static int write_id_maps(const struct plan *p, pid_t pid) {
  char path[64];
  int e;
  if (p->uid_map) {
    snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
    if ((e = write_file(path, p->uid_map))) return e;
  }
  if (p->setgroups_deny) {
    snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
    if ((e = write_file(path, "deny"))) return e;
  }
  if (p->gid_map) {
    snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
    if ((e = write_file(path, p->gid_map))) return e;
  }
  return 0;
}

/* A new network namespace starts with "lo" down; runc brings it up, and so do we. */
static int loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  struct ifreq ifr = { 0 };
  strcpy(ifr.ifr_name, "lo");
  int e = 0;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) e = errno;
  else if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) e = errno;
  }
  close(s);
  return e;
}

/* The container process: waits for the parent's go, then runs the plan. */
static int run_child(struct plan *p, int go_fd, struct process_fds *fds) {
  int plan_fd = fds->plan, sync_fd = fds->sync;
  char go[32];
  ssize_t r;
  do r = read(go_fd, go, sizeof go - 1); /* one small write: our host pid */
  while (r < 0 && errno == EINTR);
  if (r <= 0) return 1; /* the parent failed and reported */
  go[r] = 0;
  p->host_pid = strtol(go, NULL, 10);
  close(go_fd);
  int e;
  if (p->clone_flags & CLONE_NEWUSER) {
    /* become root of the new user namespace now that the maps exist */
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) { e = errno; report_error(sync_fd, -1, "setuid in user namespace", e, "linux.uidMappings"); return 1; }
  }
  /* a fresh session keyring, so containers do not share the host's keys */
  if (p->keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, p->keyring) < 0 && errno != ENOSYS) {
    e = errno; report_error(sync_fd, -1, "join session keyring", e, p->keyring); return 1;
  }
  /* only now, inside the container's cgroup, so that it becomes the namespace's root */
  if ((p->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
    e = errno; report_error(sync_fd, -1, "unshare cgroup namespace", e, "linux.namespaces"); return 1;
  }
  if (p->loopback_up && (e = loopback_up())) { report_error(sync_fd, -1, "bring up loopback", e, "lo"); return 1; }
  if ((e = process_oom_score_adj(p))) { report_error(sync_fd, -1, "oom_score_adj", e, "process.oomScoreAdj"); return 1; }
  struct op_ctx ctx = { .root_fd = -1, .plan_fd = plan_fd, .sync_fd = sync_fd, .rootfs = p->rootfs };
  if (p->rootfs) {
    ctx.root_fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (ctx.root_fd < 0) { e = errno; report_error(sync_fd, -1, "open rootfs", e, p->rootfs); return 1; }
  }
  for (size_t i = 0; i < p->nops; i++) {
    const struct op *o = &p->ops[i];
    if ((o->opflags & OPF_IN_ROOT) && ctx.root_fd < 0) { report_error(sync_fd, (long)i, op_name(o->kind), EINVAL, "no rootfs"); return 1; }
    if ((e = op_run(&ctx, o))) {
      if (e == ENOENT && (o->opflags & OPF_OPTIONAL)) continue;
      report_error(sync_fd, (long)i, op_name(o->kind), e, o->dst);
      return 1;
    }
    if (o->opflags & OPF_REOPEN_ROOT) {
      int fd = open(o->dst, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) { e = errno; report_error(sync_fd, (long)i, "open rootfs", e, o->dst); return 1; }
      if (ctx.root_fd >= 0) close(ctx.root_fd);
      ctx.root_fd = fd;
    }
  }
  if (ctx.root_fd >= 0) close(ctx.root_fd);
  process_finish(p, fds);
  return 127;
}

static int setns_all(const struct plan *p, int sync_fd) {
  for (size_t i = 0; i < p->njoins; i++) {
    int fd = open(p->joins[i].path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { int e = errno; report_error(sync_fd, -1, "open namespace", e, p->joins[i].path); return e; }
    if (setns(fd, (int)p->joins[i].type) < 0) { int e = errno; report_error(sync_fd, -1, "setns", e, p->joins[i].path); close(fd); return e; }
    close(fd);
  }
  return 0;
}

/* Opens the pid file's directory: it is a host path, and exec joins the container's mounts. */
static int open_parent_dir(const char *path, const char **base) {
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  if (!slash) return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
  return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Atomically, like runc: a reader never sees a partial pid. */
static int write_pid_file(int dirfd, const char *base, pid_t pid) {
  char tmp[512], buf[32];
  snprintf(tmp, sizeof tmp, ".%s.%d.tmp", base, getpid());
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  int n = snprintf(buf, sizeof buf, "%d", pid);
  int ok = write(fd, buf, (size_t)n) == n;
  close(fd);
  if (!ok || renameat(dirfd, tmp, dirfd, base) < 0) { unlinkat(dirfd, tmp, 0); return -1; }
  return 0;
}

static int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

int main(int argc, char **argv) {
  (void)argc;
  reexec_from_sealed_memfd(argv);
  signal(SIGPIPE, SIG_IGN);
  struct plan plan;
  int r = plan_read(PLAN_FD, &plan);
  if (r) {
    report_error(SYNC_FD, -1, "read plan", -r, "");
    return 125;
  }
  /* move our pipes out of the way of the process's preserved fds (3..) */
  int min_fd = PRESERVED_FD_BASE + (int)plan.preserve_fds;
  int plan_fd = fcntl(PLAN_FD, F_DUPFD_CLOEXEC, min_fd), sync_fd = fcntl(SYNC_FD, F_DUPFD_CLOEXEC, min_fd);
  if (plan_fd < 0 || sync_fd < 0) { report_error(SYNC_FD, -1, "dup sync fds", errno, ""); return 125; }
  close(PLAN_FD);
  close(SYNC_FD);
  int e, console_fd = -1, fifo_fd = -1, fifo_dir = -1;
  const char *fifo_base = NULL;
  if (plan.console_socket) {
    console_fd = connect_console(plan.console_socket);
    if (console_fd < 0) { report_error(sync_fd, -1, "connect console socket", errno, plan.console_socket); return 125; }
  }
  if (plan.fifo) {
    if (mkfifo(plan.fifo, 0622) < 0) { report_error(sync_fd, -1, "mkfifo", errno, plan.fifo); return 125; }
    if (chmod(plan.fifo, 0622) < 0) { report_error(sync_fd, -1, "chmod exec fifo", errno, plan.fifo); return 125; }
    fifo_fd = open(plan.fifo, O_PATH | O_CLOEXEC);
    if (fifo_fd < 0) { report_error(sync_fd, -1, "open exec fifo", errno, plan.fifo); return 125; }
    /* only when asked: the container's processes could reach the host through a directory fd */
    if (plan.fifo_via_dir && (fifo_dir = open_parent_dir(plan.fifo, &fifo_base)) < 0) {
      report_error(sync_fd, -1, "open exec fifo directory", errno, plan.fifo);
      return 125;
    }
  }
  const char *pid_base = NULL;
  int pid_dir = -1;
  if (plan.pid_file && (pid_dir = open_parent_dir(plan.pid_file, &pid_base)) < 0) {
    report_error(sync_fd, -1, "open pid file directory", errno, plan.pid_file);
    return 125;
  }
  /* before the process joins the container's cgroup (it inherits our mask) */
  if (plan.affinity[1] && (e = set_affinity(plan.affinity[1], plan.affinity_len[1]))) {
    report_error(sync_fd, -1, "sched_setaffinity", e, "process.execCPUAffinity.initial");
    return 125;
  }
  /* opened before setns: the cgroup files are host paths */
  int procs_fds[plan.nprocs + 1];
  for (size_t i = 0; i < plan.nprocs; i++) {
    procs_fds[i] = open(plan.procs[i], O_WRONLY | O_CLOEXEC);
    if (procs_fds[i] < 0) { report_error(sync_fd, -1, "open cgroup", errno, plan.procs[i]); return 125; }
  }
  if ((e = setns_all(&plan, sync_fd))) return 125;
  int go[2], ready[2];
  if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) { report_error(sync_fd, -1, "pipe", errno, ""); return 125; }
  /* fork-like clone: the child continues here with a copy of our memory. With
   * die_with_parent it is our parent's child (CLONE_PARENT), so it can die with it. */
  pid_t parent = getppid();
  unsigned long flags = (unsigned long)(plan.clone_flags & ~CLONE_NEWCGROUP) | SIGCHLD | (plan.die_with_parent ? CLONE_PARENT : 0);
  pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
  if (pid < 0) { report_error(sync_fd, -1, "clone", errno, "linux.namespaces"); return 125; }
  if (pid == 0) {
    close(go[1]);
    close(ready[0]);
    struct process_fds fds = { .plan = plan_fd, .sync = sync_fd, .console = console_fd, .fifo = fifo_fd, .fifo_dir = fifo_dir, .fifo_name = fifo_base, .ready = ready[1] };
    _exit(run_child(&plan, go[0], &fds));
  }
  close(go[0]);
  close(ready[1]);
  for (size_t i = 0; i < plan.nprocs; i++) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", pid);
    if (write(procs_fds[i], buf, (size_t)n) != n) {
      report_error(sync_fd, -1, "join cgroup", errno, plan.procs[i]);
      kill(pid, SIGKILL);
      return 125;
    }
    close(procs_fds[i]);
  }
  if ((plan.clone_flags & CLONE_NEWUSER) && (e = write_id_maps(&plan, pid))) {
    report_error(sync_fd, -1, "write id mappings", e, "linux.uidMappings");
    kill(pid, SIGKILL);
    return 125;
  }
  report_line(sync_fd, "pid %d", pid);
  char pidbuf[32];
  int pidlen = snprintf(pidbuf, sizeof pidbuf, "%d", pid);
  if (write(go[1], pidbuf, (size_t)pidlen) != pidlen) { kill(pid, SIGKILL); return 125; }
  close(go[1]);
  close(plan_fd);
  if (console_fd >= 0) close(console_fd);
  if (fifo_fd >= 0) close(fifo_fd);
  if (fifo_dir >= 0) close(fifo_dir);
  /* Exit 0 only once the process is set up, so a wrapper (the engine's monitor)
   * can trust our status; the pid file is there by then. */
  char c;
  ssize_t n;
  do n = read(ready[0], &c, 1);
  while (n < 0 && errno == EINTR);
  close(ready[0]);
  int status;
  if (n != 1) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return 1;
  }
  /* The process set its parent-death signal before "ready": a parent that died
   * before that (we were reparented too) would leave it running unmonitored. */
  if (plan.die_with_parent && getppid() != parent) {
    report_error(sync_fd, -1, "parent died", ESRCH, "");
    kill(pid, SIGKILL);
    return 125;
  }
  if (pid_dir >= 0 && write_pid_file(pid_dir, pid_base, pid) < 0) {
    report_error(sync_fd, -1, "write pid file", errno, plan.pid_file);
    kill(pid, SIGKILL);
    return 125;
  }
  /* our copy of the sync fd closes last: EOF tells the runtime that everything is done */
  close(sync_fd);
  if (!plan.wait) return 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 125;
  return exit_status(status);
}
