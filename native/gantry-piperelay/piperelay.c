/*
 * gantry-piperelay: the caller's side of `gantry exec` without -t. The exec'd
 * process gets pipes, never the caller's own fds (which a background child
 * could keep using after exec returns), as with docker's shim:
 *
 *   gantry-piperelay [--stdin]
 *
 * It makes a pipe for the process's stdout and stderr (and stdin with --stdin),
 * writes "ready IN OUT ERR\n" on fd 3 naming its fds of the process's ends (IN
 * is -1 without --stdin), which the engine opens as /proc/<pid>/fd/N (Node
 * cannot make a pipe), and closes its copies when the engine answers "opened".
 * It relays fd 0 -> stdin pipe (its EOF closes the pipe) and the output pipes
 * -> fds 1 and 2, spliced where the fds allow. On "exited" (the process is
 * gone) it stops reading fd 0 and drains the output pipes until they close, or
 * for at most 2 s when a background child holds them (docker's exec waits as
 * long), then exits 0. If fd 3 closes without "exited", the engine is gone: it
 * exits at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common/write-all.h"

#define DRAIN_MS 2000

/*
 * Moves what src has to dst: splice(2) (no copy through us; one side is always
 * a pipe), or read+write where dst or src cannot splice (a tty, an O_APPEND
 * file), then for good. Returns the bytes moved, 0 at EOF, -1 on an error that
 * ends this stream (EPIPE: the caller stopped reading), -2 to retry (EINTR).
 */
static ssize_t move_chunk(int src, int dst, int *can_splice, char *buf, size_t size) {
  if (*can_splice) {
    ssize_t n = splice(src, NULL, dst, NULL, size, 0);
    if (n >= 0) return n;
    if (errno == EINTR) return -2;
    if (errno != EINVAL) return -1;
    *can_splice = 0;
  }
  ssize_t r = read(src, buf, size);
  if (r < 0) return errno == EINTR || errno == EAGAIN ? -2 : -1;
  if (r > 0 && write_all(dst, buf, (size_t)r) < 0) return -1;
  return r;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

int main(int argc, char **argv) {
  int forward_stdin = argc > 1 && strcmp(argv[1], "--stdin") == 0;
  signal(SIGPIPE, SIG_IGN);
  /* [0] is the process's end, [1] ours */
  int in[2] = { -1, -1 }, out[2], err[2], p[2];
  if (forward_stdin) {
    if (pipe2(p, O_CLOEXEC) < 0) { perror("gantry-piperelay: pipe"); return 1; }
    in[0] = p[0];
    in[1] = p[1];
  }
  if (pipe2(p, O_CLOEXEC) < 0) { perror("gantry-piperelay: pipe"); return 1; }
  out[0] = p[1];
  out[1] = p[0];
  if (pipe2(p, O_CLOEXEC) < 0) { perror("gantry-piperelay: pipe"); return 1; }
  err[0] = p[1];
  err[1] = p[0];
  char line[64];
  int n = snprintf(line, sizeof line, "ready %d %d %d\n", in[0], out[0], err[0]);
  if (write_all(3, line, (size_t)n) < 0) { perror("gantry-piperelay: control fd"); return 1; }

  char ctl[64];
  size_t ctl_len = 0;
  int control = 3, opened = 0, exited = 0, stdin_open = forward_stdin;
  long long deadline = -1;
  char buf[65536];
  int can_splice[3] = { 1, 1, 1 }; /* per destination: stdin pipe, fd 1, fd 2 */
  for (;;) {
    if (exited && out[1] < 0 && err[1] < 0) break;
    int timeout = -1;
    if (deadline >= 0) {
      long long left = deadline - now_ms();
      if (left <= 0) break;
      timeout = (int)left;
    }
    struct pollfd fds[4] = {
      { control, POLLIN, 0 },
      { stdin_open ? 0 : -1, POLLIN, 0 },
      { out[1], POLLIN, 0 },
      { err[1], POLLIN, 0 },
    };
    if (poll(fds, 4, timeout) < 0) {
      if (errno == EINTR) continue;
      perror("gantry-piperelay: poll");
      return 1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = read(control, ctl + ctl_len, sizeof ctl - 1 - ctl_len);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        if (!exited) return 0; /* the engine is gone: nobody waits for the output */
        close_fd(&control);
      } else {
        ctl_len += (size_t)r;
        ctl[ctl_len] = 0;
        if (!opened && strstr(ctl, "opened\n")) {
          opened = 1;
          close_fd(&in[0]);
          close_fd(&out[0]);
          close_fd(&err[0]);
        }
        if (!exited && strstr(ctl, "exited\n")) {
          exited = 1;
          stdin_open = 0;
          close_fd(&in[1]);
          deadline = now_ms() + DRAIN_MS;
        }
        if (ctl_len >= sizeof ctl - 1) ctl_len = 0;
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = move_chunk(0, in[1], &can_splice[0], buf, sizeof buf);
      if (r == 0 || r == -1) {
        stdin_open = 0;
        close_fd(&in[1]); /* the process reads EOF, as with docker exec -i */
      }
    }
    for (int i = 0; i < 2; i++) {
      int *src = i ? &err[1] : &out[1];
      if (!(fds[2 + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = move_chunk(*src, 1 + i, &can_splice[1 + i], buf, sizeof buf);
      /* EOF, or the caller stopped reading (EPIPE): the writers get EPIPE from now on */
      if (r == 0 || r == -1) close_fd(src);
    }
  }
  return 0;
}
