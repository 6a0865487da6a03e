/*
 * gantry-ptyrelay: the engine's side of `exec -t`. Node cannot receive a file
 * descriptor over a unix socket (SCM_RIGHTS), so this program does it:
 *
 *   gantry-ptyrelay SOCKET [--stdin]
 *
 * It listens on SOCKET, writes "ready\n" on fd 3, receives the pty master from
 * the runtime and relays stdin -> master and master -> stdout until the pty's
 * last slave closes (read gives EIO). Its stdio are the engine's pipes, not a
 * terminal: the engine relays them to the caller (its CLI's terminal, or a
 * daemon's HTTP socket), which owns raw mode. Lines "resize ROWS COLS\n" on
 * fd 3 set the pty's window size. On stdin EOF it sends the terminal's EOF
 * character (^D), as typing it would.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "common/write-all.h"

#define CONTROL_FD 3

static int receive_master(const char *path) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (s < 0 || strlen(path) >= sizeof a.sun_path) {
    fprintf(stderr, "gantry-ptyrelay: socket %s: %s\n", path, s < 0 ? strerror(errno) : "path too long");
    return -1;
  }
  strcpy(a.sun_path, path);
  unlink(path);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0) {
    fprintf(stderr, "gantry-ptyrelay: bind %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (write_all(CONTROL_FD, "ready\n", 6) < 0) {
    fprintf(stderr, "gantry-ptyrelay: control fd: %s\n", strerror(errno));
    return -1;
  }
  int c;
  do c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  while (c < 0 && errno == EINTR);
  if (c < 0) {
    fprintf(stderr, "gantry-ptyrelay: accept: %s\n", strerror(errno));
    return -1;
  }
  char name[256], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { name, sizeof name };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n;
  do n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
    fprintf(stderr, "gantry-ptyrelay: no pty master received\n");
    return -1;
  }
  int master;
  memcpy(&master, CMSG_DATA(cm), sizeof master);
  close(c);
  close(s);
  unlink(path);
  return master;
}

/* Applies every complete "resize ROWS COLS" line in buf; returns the bytes left (a partial line). */
static size_t apply_resizes(int master, char *buf, size_t len) {
  char *start = buf, *nl;
  while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
    *nl = 0;
    unsigned rows, cols;
    if (sscanf(start, "resize %u %u", &rows, &cols) == 2) {
      struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
      ioctl(master, TIOCSWINSZ, &ws);
    }
    start = nl + 1;
  }
  size_t left = len - (size_t)(start - buf);
  if (left == len && len >= 63) return 0; /* no line in a full buffer: garbage, dropped */
  memmove(buf, start, left);
  return left;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: gantry-ptyrelay SOCKET [--stdin]\n");
    return 2;
  }
  int forward_stdin = argc > 2 && strcmp(argv[2], "--stdin") == 0;
  signal(SIGPIPE, SIG_IGN);

  int master = receive_master(argv[1]);
  if (master < 0) return 1;

  char buf[16384], ctl[64];
  size_t ctl_len = 0;
  int stdin_open = forward_stdin, control = CONTROL_FD;
  for (;;) {
    struct pollfd fds[3] = { { master, POLLIN, 0 }, { control, POLLIN, 0 }, { stdin_open ? 0 : -1, POLLIN, 0 } };
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "gantry-ptyrelay: poll: %s\n", strerror(errno));
      return 1;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = read(control, ctl + ctl_len, sizeof ctl - 1 - ctl_len);
      if (r > 0) ctl_len = apply_resizes(master, ctl, ctl_len + (size_t)r);
      else if (r == 0 || errno != EINTR) {
        close(control); /* the engine stopped sending sizes; the relay goes on */
        control = -1;
      }
    }
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = read(0, buf, sizeof buf);
      if (r > 0) {
        if (write_all(master, buf, (size_t)r) < 0) stdin_open = 0;
      } else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
        struct termios t;
        char eof = tcgetattr(master, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
        write_all(master, &eof, 1);
        stdin_open = 0;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = read(master, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break; /* EIO: every slave fd is closed, the process is gone */
      if (write_all(1, buf, (size_t)r) < 0) break;
    }
  }
  return 0;
}
