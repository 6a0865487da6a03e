/* Node addon of the pre-warmed CLI worker (src/cli/prewarm/): the few calls a
 * Node process cannot make itself. The worker takes one request from the
 * `gantry` front end (native/gantry-front) over a unix socket: the caller's
 * stdio as SCM_RIGHTS fds plus its cwd, umask, argv and environment, and then
 * puts those fds on 0, 1 and 2 (dup2) before anything opens process.stdout.
 * Mechanism only: the protocol is described in src/cli/prewarm/protocol.ts. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "napi-min.h"

#define HEADER_LEN 8
#define MAX_BODY (4u << 20)
#define STDIO_FDS 3

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int arg_int(napi_env env, napi_value v) {
  int32_t n = -1;
  napi_get_value_int32(env, v, &n);
  return n;
}

static int arg_path(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != 0 || len == 0 || len >= size - 1) return -1;
  return 0;
}

static napi_value int_value(napi_env env, int n) {
  napi_value v;
  napi_create_int32(env, n, &v);
  return v;
}

static napi_value null_value(napi_env env) {
  napi_value v;
  napi_get_null(env, &v);
  return v;
}

/* claim(lockPath): an fd holding an exclusive flock, or -1 when another worker holds it. */
static napi_value claim(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || arg_path(env, argv[0], path, sizeof path) < 0) return throw_errno(env, "claim: bad path");
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return throw_errno(env, "claim: open");
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    int held = errno == EWOULDBLOCK;
    close(fd);
    if (held) return int_value(env, -1);
    return throw_errno(env, "claim: flock");
  }
  return int_value(env, fd);
}

/* listen(socketPath): a listening unix socket bound at the path (replacing what was there:
 * the caller holds the claim, so whatever is there is stale). */
static napi_value listen_at(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || arg_path(env, argv[0], addr.sun_path, sizeof addr.sun_path) < 0) {
    errno = ENAMETOOLONG;
    return throw_errno(env, "listen: bad socket path");
  }
  /* Non-blocking: the workers sharing it all wake for one caller and one wins the
   * accept; a blocking accept would leave the others stuck in it past their idle time. */
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, "listen: socket");
  unlink(addr.sun_path);
  mode_t old = umask(0077);
  int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  umask(old);
  if (rc < 0 || listen(fd, 64) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return throw_errno(env, "listen: bind");
  }
  return int_value(env, fd);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_readable(int fd, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  for (;;) {
    int n = poll(&p, 1, timeout_ms);
    if (n >= 0 || errno != EINTR) return n;
  }
}

/* Reads the request header with its fds; 0 on success, -1 when the client is unusable. */
static int read_header(int conn, int fds[STDIO_FDS], uint32_t *body_len) {
  unsigned char header[HEADER_LEN];
  char control[CMSG_SPACE(sizeof(int) * STDIO_FDS)];
  struct iovec iov = {.iov_base = header, .iov_len = sizeof header};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  if (wait_readable(conn, 5000) <= 0) return -1;
  ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
  int got = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    int *in = (int *)CMSG_DATA(c);
    for (int i = 0; i < count; i++) {
      if (got < STDIO_FDS) fds[got++] = in[i];
      else close(in[i]);
    }
  }
  if (n != HEADER_LEN || got != STDIO_FDS || memcmp(header, "GPW1", 4) != 0) {
    for (int i = 0; i < got; i++) close(fds[i]);
    return -1;
  }
  *body_len = (uint32_t)header[4] | (uint32_t)header[5] << 8 | (uint32_t)header[6] << 16 | (uint32_t)header[7] << 24;
  return *body_len <= MAX_BODY ? 0 : (close(fds[0]), close(fds[1]), close(fds[2]), -1);
}

static int read_body(int conn, char *body, uint32_t len) {
  for (uint32_t off = 0; off < len;) {
    if (wait_readable(conn, 5000) <= 0) return -1;
    ssize_t n = read(conn, body + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    off += (uint32_t)n;
  }
  return 0;
}

/* accept(listenFd, timeoutMs): the next well-formed request from a process of our own
 * uid as { conn, fds: [stdin, stdout, stderr], body: Buffer }, or null after timeoutMs idle. */
static napi_value accept_request(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return throw_errno(env, "accept: arguments");
  int lfd = arg_int(env, argv[0]);
  long long deadline = now_ms() + arg_int(env, argv[1]);
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return null_value(env);
    int r = wait_readable(lfd, (int)left);
    if (r < 0) return throw_errno(env, "accept: poll");
    if (r == 0) return null_value(env);
    int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN) continue;
      return throw_errno(env, "accept");
    }
    struct ucred cred;
    socklen_t clen = sizeof cred;
    int fds[STDIO_FDS];
    uint32_t len = 0;
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != geteuid() ||
        read_header(conn, fds, &len) < 0) {
      close(conn);
      continue;
    }
    char *body = malloc(len ? len : 1);
    if (!body || read_body(conn, body, len) < 0) {
      free(body);
      close(conn);
      for (int i = 0; i < STDIO_FDS; i++) close(fds[i]);
      continue;
    }
    napi_value result, fd_array, buf;
    napi_create_object(env, &result);
    napi_set_named_property(env, result, "conn", int_value(env, conn));
    napi_create_array_with_length(env, STDIO_FDS, &fd_array);
    for (int i = 0; i < STDIO_FDS; i++) napi_set_element(env, fd_array, (uint32_t)i, int_value(env, fds[i]));
    napi_set_named_property(env, result, "fds", fd_array);
    napi_create_buffer_copy(env, len, body, NULL, &buf);
    napi_set_named_property(env, result, "body", buf);
    free(body);
    return result;
  }
}

/* dup2(from, to): to becomes a copy of from (without close-on-exec, as stdio must be). */
static napi_value dup_to(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || dup2(arg_int(env, argv[0]), arg_int(env, argv[1])) < 0) return throw_errno(env, "dup2");
  return NULL;
}

/* spawnDetached(file, [argv...], [fds...]): starts file in a session of its own with
 * /dev/null as stdio, the given fds as 3, 4, ... and / as cwd, without waiting for
 * it (posix_spawn: a vfork, cheap even for a large Node process, which
 * child_process.spawn would fork). Returns the pid. */
static napi_value spawn_detached(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char file[4096];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || arg_path(env, argv[0], file, sizeof file) < 0) return throw_errno(env, "spawnDetached: arguments");
  char *args[18] = {file};
  static char storage[16][4096];
  for (uint32_t i = 0; i < 16; i++) {
    napi_value item;
    if (napi_get_element(env, argv[1], i, &item) != 0 || arg_path(env, item, storage[i], sizeof storage[i]) < 0) break;
    args[i + 1] = storage[i];
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  for (int fd = 0; fd < 3; fd++) posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
  for (uint32_t i = 0; i < 8; i++) {
    napi_value item;
    int32_t fd = -1;
    if (napi_get_element(env, argv[2], i, &item) != 0 || napi_get_value_int32(env, item, &fd) != 0 || fd < 0) break;
    posix_spawn_file_actions_adddup2(&actions, fd, 3 + (int)i);
  }
  posix_spawn_file_actions_addchdir_np(&actions, "/");
  extern char **environ;
  pid_t pid;
  int rc = posix_spawn(&pid, file, &actions, &attr, args, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return throw_errno(env, "spawnDetached");
  }
  return int_value(env, pid);
}

/* setCloexec(fd): fds a predecessor handed over must not reach this worker's children. */
static napi_value set_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int fd = argc < 1 ? -1 : arg_int(env, argv[0]);
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return throw_errno(env, "setCloexec");
  return NULL;
}

/* The link to the front end, watched by a thread of its own so that neither a
 * busy event loop nor synchronous work delays it: 'S' + signal number raises
 * that signal (SIGINT, SIGQUIT and SIGWINCH on the worker's process group, as a
 * terminal sends them; others on the worker), and the end of the link, unless
 * the worker is reporting its exit, means the front end was killed: the worker
 * dies at once, as a command killed with its process would. */
static atomic_int link_armed;

static void *follow_link(void *arg) {
  int fd = (int)(intptr_t)arg;
  unsigned char buf[64];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof buf - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (atomic_load(&link_armed)) kill(getpid(), SIGKILL);
      return NULL;
    }
    have += (size_t)n;
    size_t i = 0;
    for (; i + 1 < have; i += 2) {
      int signo = buf[i + 1];
      if (buf[i] != 'S' || signo <= 0 || signo >= NSIG) continue;
      int group = signo == SIGINT || signo == SIGQUIT || signo == SIGWINCH;
      kill(group ? -getpid() : getpid(), signo);
    }
    memmove(buf, buf + i, have - i);
    have -= i;
  }
}

/* followFrontEnd(conn): starts the thread above. */
static napi_value follow_front_end(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay with Node's threads */
  atomic_store(&link_armed, 1);
  int rc = pthread_create(&thread, &attr, follow_link, (void *)(intptr_t)(argc < 1 ? -1 : arg_int(env, argv[0])));
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return throw_errno(env, "followFrontEnd");
  }
  return NULL;
}

/* releaseFrontEnd(): the worker is exiting on its own: the link's end is expected. */
static napi_value release_front_end(napi_env env, napi_callback_info info) {
  atomic_store(&link_armed, 0);
  return NULL;
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, (size_t)-1, cb, NULL, &fn);
  napi_set_named_property(env, exports, name, fn);
}

__attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  export_fn(env, exports, "claim", claim);
  export_fn(env, exports, "listen", listen_at);
  export_fn(env, exports, "accept", accept_request);
  export_fn(env, exports, "dup2", dup_to);
  export_fn(env, exports, "spawnDetached", spawn_detached);
  export_fn(env, exports, "setCloexec", set_cloexec);
  export_fn(env, exports, "followFrontEnd", follow_front_end);
  export_fn(env, exports, "releaseFrontEnd", release_front_end);
  return exports;
}
