/* recvtty: test tool for console sockets. Listens on an AF_UNIX path, accepts one
 * connection, receives the pty master (SCM_RIGHTS), prints "name <pty name>" on
 * stderr, then copies the pty's output to stdout until the pty closes.
 * Usage: recvtty SOCKET_PATH */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: recvtty SOCKET_PATH\n"); return 2; }
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  if (s < 0 || strlen(argv[1]) >= sizeof a.sun_path) { perror("recvtty: socket"); return 1; }
  strcpy(a.sun_path, argv[1]);
  unlink(argv[1]);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0) { perror("recvtty: bind"); return 1; }
  /* tell the caller the socket is ready */
  fprintf(stderr, "listening\n");
  int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) { perror("recvtty: accept"); return 1; }
  char name[256] = "", cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { name, sizeof name - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!cm || cm->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "recvtty: no fd received\n"); return 1; }
  int pty;
  memcpy(&pty, CMSG_DATA(cm), sizeof pty);
  name[n] = 0;
  fprintf(stderr, "name %s\n", name);
  close(c);
  close(s);
  unlink(argv[1]);
  char buf[4096];
  for (;;) {
    ssize_t r = read(pty, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break; /* EIO once the slave side is closed */
    if (write(1, buf, (size_t)r) != r) return 1;
  }
  return 0;
}
