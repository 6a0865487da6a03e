/*
 * gantry-ptyrelay: the terminal side of `gantry exec -t`. Node cannot receive
 * a file descriptor over a unix socket (SCM_RIGHTS), so this program does it:
 *
 *   gantry-ptyrelay SOCKET [--stdin]
 *
 * It listens on SOCKET, writes "ready\n" on fd 3 (then closes it), receives
 * the pty master from the runtime, copies the caller's terminal size to it
 * (and again on every SIGWINCH), puts its stdin in raw mode when that is a
 * terminal and --stdin is given, and relays stdin -> master and master ->
 * stdout until the pty's last slave closes (read gives EIO). On stdin EOF it
 * sends the terminal's EOF character (^D), as typing it would.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "common/write-all.h"

static struct termios saved;
static int raw_set;

static void restore_terminal(void) {
  if (raw_set) tcsetattr(0, TCSANOW, &saved);
}

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

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
  if (write_all(3, "ready\n", 6) < 0) {
    fprintf(stderr, "gantry-ptyrelay: ready fd: %s\n", strerror(errno));
    return -1;
  }
  close(3);
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

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: gantry-ptyrelay SOCKET [--stdin]\n");
    return 2;
  }
  int forward_stdin = argc > 2 && strcmp(argv[2], "--stdin") == 0;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGWINCH);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);

  int master = receive_master(argv[1]);
  if (master < 0) return 1;
  copy_winsize(master);
  if (forward_stdin && isatty(0) && tcgetattr(0, &saved) == 0) {
    struct termios raw = saved;
    cfmakeraw(&raw);
    if (tcsetattr(0, TCSANOW, &raw) == 0) {
      raw_set = 1;
      atexit(restore_terminal);
    }
  }

  char buf[16384];
  int stdin_open = forward_stdin;
  for (;;) {
    struct pollfd fds[3] = { { master, POLLIN, 0 }, { sfd, POLLIN, 0 }, { stdin_open ? 0 : -1, POLLIN, 0 } };
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "gantry-ptyrelay: poll: %s\n", strerror(errno));
      return 1;
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) > 0) copy_winsize(master);
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
