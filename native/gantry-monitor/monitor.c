/*
 * gantry-monitor: the per-container monitor (Gantry's conmon).
 *
 *   gantry-monitor --dir D [--log FILE] [--log-max-size N] [--log-max-file N] [--cri-log FILE]
 *                  [--pidfile P] [--tty] [--stdin] [--oom-file F]
 *                  [--exit-arg A]... [--health-arg A]... [--health-interval-ms N]
 *                  [--mount-overlay CWD TARGET OPTIONS]
 *                  -- HELPER ARGV...
 *
 * With --mount-overlay it first mounts the container's overlay rootfs on TARGET
 * (OPTIONS' layer paths are relative to CWD, to stay under the kernel's
 * one-page option limit); a failure is reported on the runtime's sync pipe
 * (fd 4, the helper protocol's "error" line) and nothing is started. It becomes
 * a child subreaper, creates the container's stdio (pipes, or a
 * console socket D/console.sock that receives the pty master), fork+execs the
 * helper argv with those as fds 0-2 (every other inherited fd is kept for the
 * helper and closed in the monitor), and then:
 *  - writes output to the docker json-file log FILE with rotation, and to a
 *    Kubernetes CRI log (`<RFC3339Nano> <stream> <P|F> <line>`) with --cri-log,
 *    reopened at its path on SIGUSR1 (the kubelet's ReopenContainerLog);
 *  - serves attach clients on D/attach.sock (framing: docs/cli.md "attach protocol");
 *  - learns the container pid from P once the helper has exited, reaps it (the
 *    helper clones it as our child; it dies with us, so a killed monitor never
 *    leaves a container nobody reaps) and writes D/exit.json atomically
 *    {"exitCode","oomKilled","finishedAt"}, oomKilled when the counter in F
 *    (the cgroup's memory.oom_control or memory.events) counts a kill;
 *  - spawns the health argv every interval while the container runs;
 *  - unmounts TARGET once the container is gone (before exit.json: whoever sees
 *    that finds the rootfs released; if it is busy, the engine retries);
 *  - finally execs the exit argv, if any (restart policies, --rm of detached runs).
 * Policy lives in TypeScript; this program only moves bytes and records facts.
 */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 256
#define MAX_CLIENTS 16
#define MAX_INHERITED 64
#define MAX_REAPED 32

struct options {
  const char *dir, *log, *pidfile, *oom_file;
  const char *mount_cwd, *mount_target, *mount_options;
  const char *cri_log;
  long long log_max_size;
  int log_max_file, tty, stdin_open;
  long long health_interval_ms;
  char *exit_argv[MAX_ARGS];
  int exit_argc;
  char *health_argv[MAX_ARGS];
  int health_argc;
  char **helper_argv;
};

struct client {
  int fd;
  struct frame_reader in;
};

static struct options opt = {.log_max_file = 1};
static struct log_writer logw, cri_logw;
static struct client clients[MAX_CLIENTS];
static int attach_listener = -1, console_listener = -1, pty_master = -1;
static int out_r = -1, err_r = -1, in_w = -1;
static pid_t helper_pid = -1, container_pid = -1, health_pid = -1;
/* The runtime may write the pid file just after its helper exits: retry for a while. */
static int pidfile_wait_ms = -1;
static struct { pid_t pid; int status; } reaped[MAX_REAPED];
static int nreaped;

static void die(const char *what) {
  char path[4096];
  snprintf(path, sizeof path, "%s/monitor.err", opt.dir ? opt.dir : "/tmp");
  FILE *f = fopen(path, "w");
  if (f) {
    fprintf(f, "%s: %s\n", what, strerror(errno));
    fclose(f);
  }
  _exit(1);
}

static void parse_args(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) {
      i++;
      break;
    }
    if (!strcmp(a, "--tty")) opt.tty = 1;
    else if (!strcmp(a, "--stdin")) opt.stdin_open = 1;
    else if (!v) break;
    else if (!strcmp(a, "--dir")) opt.dir = v, i++;
    else if (!strcmp(a, "--log")) opt.log = v, i++;
    else if (!strcmp(a, "--cri-log")) opt.cri_log = v, i++;
    else if (!strcmp(a, "--pidfile")) opt.pidfile = v, i++;
    else if (!strcmp(a, "--oom-file")) opt.oom_file = v, i++;
    else if (!strcmp(a, "--log-max-size")) opt.log_max_size = atoll(v), i++;
    else if (!strcmp(a, "--log-max-file")) opt.log_max_file = atoi(v), i++;
    else if (!strcmp(a, "--health-interval-ms")) opt.health_interval_ms = atoll(v), i++;
    else if (!strcmp(a, "--mount-overlay") && i + 3 < argc) opt.mount_cwd = argv[i + 1], opt.mount_target = argv[i + 2], opt.mount_options = argv[i + 3], i += 3;
    else if (!strcmp(a, "--exit-arg") && opt.exit_argc < MAX_ARGS - 1) opt.exit_argv[opt.exit_argc++] = argv[++i];
    else if (!strcmp(a, "--health-arg") && opt.health_argc < MAX_ARGS - 1) opt.health_argv[opt.health_argc++] = argv[++i];
    else break;
  }
  if (!opt.dir || i >= argc) {
    fprintf(stderr, "usage: gantry-monitor --dir DIR [options] -- HELPER ARGV...\n");
    exit(2);
  }
  opt.helper_argv = &argv[i];
}

static int listen_unix(const char *name) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", opt.dir, name) >= (int)sizeof sa.sun_path) {
    errno = ENAMETOOLONG;
    die("socket path");
  }
  unlink(sa.sun_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
  if (listen(fd, 16) < 0) die("listen");
  return fd;
}

/* The runtime's sync pipe as the helper sees it (docs/helper-protocol.md). */
#define RUNTIME_SYNC_FD 4

/* Mounts the overlay rootfs; on failure reports it the way the helper reports a failed step. */
static void mount_rootfs(void) {
  int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int err = 0;
  if (here < 0 || chdir(opt.mount_cwd) < 0 || mount("overlay", opt.mount_target, "overlay", 0, opt.mount_options) < 0) err = errno;
  if (here >= 0 && fchdir(here) < 0 && !err) err = errno;
  if (here >= 0) close(here);
  if (!err) return;
  dprintf(RUNTIME_SYNC_FD, "error -1 %d mount overlay rootfs\t%s\n", err, opt.mount_target);
  errno = err;
  die("mount rootfs");
}

static void write_pidfile(void) {
  char path[4096], tmp[4200], buf[32];
  snprintf(path, sizeof path, "%s/monitor.pid", opt.dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open monitor.pid");
  int n = snprintf(buf, sizeof buf, "%d", (int)getpid());
  if (write(fd, buf, n) != n) die("write monitor.pid");
  close(fd);
  if (rename(tmp, path) < 0) die("rename monitor.pid");
}

/* fds the caller gave us (the helper's plan/sync pipes): kept for the helper only. */
static int inherited[MAX_INHERITED], ninherited;
static void collect_inherited(void) {
  for (int fd = 3; fd < 1024 && ninherited < MAX_INHERITED; fd++)
    if (fcntl(fd, F_GETFD) >= 0) inherited[ninherited++] = fd;
}

static void spawn_helper(int in_r, int out_w, int err_w, sigset_t *oldmask) {
  helper_pid = fork();
  if (helper_pid < 0) die("fork helper");
  if (helper_pid > 0) return;
  sigprocmask(SIG_SETMASK, oldmask, NULL);
  int null = open("/dev/null", O_RDWR);
  if (dup2(in_r >= 0 ? in_r : null, 0) < 0 || dup2(out_w >= 0 ? out_w : null, 1) < 0 || dup2(err_w >= 0 ? err_w : null, 2) < 0) _exit(127);
  for (int i = 0; i < ninherited; i++) fcntl(inherited[i], F_SETFD, 0);
  execvp(opt.helper_argv[0], opt.helper_argv);
  _exit(127);
}

static void broadcast(int stream, const char *buf, size_t len) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i].fd < 0) continue;
    if (send_frame(clients[i].fd, stream, buf, len) < 0) {
      close(clients[i].fd);
      clients[i].fd = -1;
    }
  }
}

/* Reads what is available on an output fd; returns 0 at EOF/EIO. */
static int pump_output(int fd, int stream) {
  char buf[32768];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      if (opt.log) log_write(&logw, stream == STREAM_STDERR ? "stderr" : "stdout", buf, (size_t)n);
      if (opt.cri_log) log_write(&cri_logw, stream == STREAM_STDERR ? "stderr" : "stdout", buf, (size_t)n);
      broadcast(stream, buf, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 1;
    return 0;
  }
}

static void close_stdin(void) {
  if (in_w >= 0) close(in_w), in_w = -1;
}

static void handle_client_frame(int type, const char *payload, size_t len) {
  if (type == CLIENT_STDIN) {
    int fd = pty_master >= 0 ? pty_master : in_w;
    if (fd >= 0) write_all(fd, payload, len);
  } else if (type == CLIENT_RESIZE && pty_master >= 0) {
    unsigned rows = 0, cols = 0;
    char tmp[32];
    size_t n = len < sizeof tmp - 1 ? len : sizeof tmp - 1;
    memcpy(tmp, payload, n);
    tmp[n] = 0;
    if (sscanf(tmp, "%u %u", &rows, &cols) == 2) {
      struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
      ioctl(pty_master, TIOCSWINSZ, &ws);
    }
  } else if (type == CLIENT_CLOSE_STDIN) {
    if (pty_master < 0) close_stdin();
  }
}

static void accept_clients(void) {
  for (;;) {
    int fd = accept4(attach_listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int placed = 0;
    for (int i = 0; i < MAX_CLIENTS && !placed; i++)
      if (clients[i].fd < 0) {
        clients[i].fd = fd;
        frame_reader_init(&clients[i].in);
        placed = 1;
      }
    if (!placed) close(fd);
  }
}

static void receive_console(void) {
  int fd = accept4(console_listener, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) return;
  int master = recv_fd(fd);
  close(fd);
  if (master < 0) return;
  pty_master = master;
  fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);
  close(console_listener);
  console_listener = -1;
}

static int read_pidfile(void) {
  if (!opt.pidfile) return -1;
  char buf[32] = {0};
  int fd = open(opt.pidfile, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 ? atoi(buf) : -1;
}

/* The kernel counts the cgroup's OOM kills as "oom_kill N": v1 in memory.oom_control,
 * v2 in memory.events; the engine names the container's file. */
static long oom_kills(void) {
  if (!opt.oom_file) return 0;
  FILE *f = fopen(opt.oom_file, "re");
  if (!f) return 0;
  char key[64];
  long val, kills = 0;
  while (fscanf(f, "%63s %ld", key, &val) == 2)
    if (!strcmp(key, "oom_kill")) kills = val;
  fclose(f);
  return kills;
}

static void write_exit(int status) {
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  char path[4096], tmp[4200], now[64], buf[256];
  rfc3339_now(now, sizeof now);
  int n = snprintf(buf, sizeof buf, "{\"exitCode\":%d,\"oomKilled\":%s,\"finishedAt\":\"%s\"}\n", code,
                   oom_kills() > 0 ? "true" : "false", now);
  snprintf(path, sizeof path, "%s/exit.json", opt.dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    write_all(fd, buf, (size_t)n);
    fsync(fd);
    close(fd);
    rename(tmp, path);
  }
  char codebuf[16];
  int m = snprintf(codebuf, sizeof codebuf, "%d", code);
  broadcast(STREAM_EXIT, codebuf, (size_t)m);
}

static void spawn_health(void) {
  if (health_pid > 0 || opt.health_argc == 0 || container_pid <= 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    execvp(opt.health_argv[0], opt.health_argv);
    _exit(127);
  }
  if (pid > 0) health_pid = pid;
}

/* Returns 1 once the container (or a helper that failed to create it) is gone. */
static int reap(int *container_status) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    if (pid == health_pid) {
      health_pid = -1;
    } else if (pid == helper_pid) {
      helper_pid = 0;
      container_pid = read_pidfile();
      if (container_pid <= 0) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !opt.pidfile) {
          *container_status = status;
          return 1;
        }
        pidfile_wait_ms = 0;
      }
    } else if (nreaped < MAX_REAPED) {
      reaped[nreaped].pid = pid;
      reaped[nreaped++].status = status;
    }
  }
  if (pidfile_wait_ms >= 0 && container_pid <= 0) {
    container_pid = read_pidfile();
    if (container_pid > 0) pidfile_wait_ms = -1;
    else if (pidfile_wait_ms > 30000) {
      *container_status = 127 << 8;
      return 1;
    }
  }
  if (container_pid > 0)
    for (int i = 0; i < nreaped; i++)
      if (reaped[i].pid == container_pid) {
        *container_status = reaped[i].status;
        return 1;
      }
  return 0;
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  if (opt.mount_target) mount_rootfs();
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
  collect_inherited();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("prctl subreaper");

  int in_r = -1, out_w = -1, err_w = -1, p[2];
  if (opt.tty) {
    console_listener = listen_unix("console.sock");
  } else {
    if (pipe2(p, O_CLOEXEC) < 0) die("pipe stdout");
    out_r = p[0], out_w = p[1];
    if (pipe2(p, O_CLOEXEC) < 0) die("pipe stderr");
    err_r = p[0], err_w = p[1];
    if (opt.stdin_open) {
      if (pipe2(p, O_CLOEXEC) < 0) die("pipe stdin");
      in_r = p[0], in_w = p[1];
    }
  }
  attach_listener = listen_unix("attach.sock");
  if (opt.log && log_open(&logw, opt.log, opt.log_max_size, opt.log_max_file) < 0) die("open log");
  if (opt.cri_log && log_open(&cri_logw, opt.cri_log, 0, 1) < 0) die("open cri log");
  cri_logw.cri = 1;

  sigset_t mask, oldmask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGPIPE);
  sigaddset(&mask, SIGUSR1);
  sigprocmask(SIG_BLOCK, &mask, &oldmask);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  int tfd = -1;
  if (opt.health_argc > 0 && opt.health_interval_ms > 0) {
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec its = {
        .it_interval = {opt.health_interval_ms / 1000, (opt.health_interval_ms % 1000) * 1000000},
        .it_value = {opt.health_interval_ms / 1000, (opt.health_interval_ms % 1000) * 1000000},
    };
    if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) die("timerfd");
  }
  write_pidfile();
  spawn_helper(in_r, out_w, err_w, &oldmask);

  /* The helper's copies are the only ones that matter now; the caller sees
   * EOF on its sync pipe when the helper exits. */
  for (int i = 0; i < ninherited; i++) close(inherited[i]);
  if (in_r >= 0) close(in_r);
  if (out_w >= 0) close(out_w);
  if (err_w >= 0) close(err_w);
  if (out_r >= 0) fcntl(out_r, F_SETFL, O_NONBLOCK);
  if (err_r >= 0) fcntl(err_r, F_SETFL, O_NONBLOCK);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
  }

  int status = 0, done = 0;
  while (!done) {
    struct pollfd pfd[8 + MAX_CLIENTS];
    int n = 0, idx_client0;
    pfd[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = attach_listener, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = console_listener, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = pty_master, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = out_r, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = err_r, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = tfd, .events = POLLIN};
    idx_client0 = n;
    for (int i = 0; i < MAX_CLIENTS; i++) pfd[n++] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
    int ready = poll(pfd, n, pidfile_wait_ms >= 0 ? 20 : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (ready == 0 && pidfile_wait_ms >= 0) {
      pidfile_wait_ms += 20;
      done = reap(&status);
      continue;
    }
    /* Clients first: one that connected before the output was written must get it
     * (run attaches before start, and its connect returns once queued, not accepted). */
    if (pfd[1].revents) accept_clients();
    if (pfd[4].revents && !pump_output(out_r, STREAM_STDOUT)) close(out_r), out_r = -1;
    if (pfd[5].revents && !pump_output(err_r, STREAM_STDERR)) close(err_r), err_r = -1;
    if (pfd[3].revents && !pump_output(pty_master, STREAM_STDOUT)) close(pty_master), pty_master = -1;
    if (pfd[2].revents) receive_console();
    if (pfd[6].revents) {
      unsigned long long ticks;
      if (read(tfd, &ticks, sizeof ticks) > 0) spawn_health();
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
      if (!pfd[idx_client0 + i].revents || clients[i].fd < 0) continue;
      if (frame_reader_pump(&clients[i].in, clients[i].fd, handle_client_frame) <= 0) {
        close(clients[i].fd);
        clients[i].fd = -1;
      }
    }
    if (pfd[0].revents) {
      struct signalfd_siginfo si;
      int reopen = 0;
      while (read(sfd, &si, sizeof si) > 0) reopen |= si.ssi_signo == SIGUSR1;
      /* SIGUSR1: the kubelet rotated the CRI log (renamed it); write a new file at its path. */
      if (reopen && opt.cri_log) log_reopen(&cri_logw);
      done = reap(&status);
    }
  }
  /* Whatever the container wrote before exiting is still in the pipes; clients
   * still queued on the socket get it too. */
  accept_clients();
  if (out_r >= 0) pump_output(out_r, STREAM_STDOUT);
  if (err_r >= 0) pump_output(err_r, STREAM_STDERR);
  if (pty_master >= 0) pump_output(pty_master, STREAM_STDOUT);
  if (opt.log) log_flush(&logw);
  if (opt.cri_log) log_flush(&cri_logw);
  if (opt.mount_target) umount2(opt.mount_target, 0);
  write_exit(status);
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd >= 0) close(clients[i].fd);
  if (opt.exit_argc > 0) {
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    execvp(opt.exit_argv[0], opt.exit_argv);
  }
  return 0;
}
