/* `gantry`'s front end (bin/gantry execs it once built). It hands the command
 * line to a pre-warmed worker (src/cli/prewarm/worker.ts: Node already started,
 * the CLI already loaded) when one is waiting for a caller exactly like this one,
 * and otherwise runs the CLI in a fresh Node, starting a worker for next time.
 * Protocol: src/cli/prewarm/protocol.ts. GANTRY_PREWARM=0 turns workers off. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define ACK 'A'
#define EXIT 'E'
#define SIGNAL 'S'
/* How long to wait for a worker that is still loading before running the command here. */
#define ACK_TIMEOUT_MS 20000

struct install {
  char cli[PATH_MAX + 16];/* <root>/dist/src/cli */
  char entry[PATH_MAX + 48];/* what a fresh Node runs: launch.cjs (bundle) or main.js (modules newer) */
  char node[PATH_MAX];
  int bundled;
};

/* ---- where things are ---- */

static int find_install(struct install *in) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = 0;
  for (int up = 0; up < 3; up++) { /* <root>/native/build/gantry-front */
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = 0;
  }
  snprintf(in->cli, sizeof in->cli, "%s/dist/src/cli", exe);
  char bundle[PATH_MAX + 32], modules[PATH_MAX + 32];
  snprintf(bundle, sizeof bundle, "%s/gantry.cjs", in->cli);
  snprintf(modules, sizeof modules, "%s/main.js", in->cli);
  struct stat b, m;
  int have_b = stat(bundle, &b) == 0, have_m = stat(modules, &m) == 0;
  /* as `[ gantry.cjs -nt main.js ]`: a later `tsc` alone makes the modules newer, and then they are used */
  in->bundled = have_b && (!have_m || b.st_mtim.tv_sec > m.st_mtim.tv_sec ||
                           (b.st_mtim.tv_sec == m.st_mtim.tv_sec && b.st_mtim.tv_nsec > m.st_mtim.tv_nsec));
  snprintf(in->entry, sizeof in->entry, "%s/%s", in->cli, in->bundled ? "launch.cjs" : "main.js");
  return 0;
}

static int find_node(char *out, size_t size) {
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path; *p;) {
    const char *end = strchrnul(p, ':');
    int len = (int)(end - p);
    snprintf(out, size, "%.*s/node", len ? len : 1, len ? p : ".");
    if (access(out, X_OK) == 0) return 0;
    p = *end ? end + 1 : end;
  }
  return -1;
}

/* ---- the key: what a command inherits from its caller besides the request ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

static uint64_t fnv_str(uint64_t h, const char *s) { return fnv(h, s, strlen(s) + 1); }

static uint64_t fnv_file(uint64_t h, const char *path, const char *only_prefixes) {
  char buf[8192];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fnv_str(h, path);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) n = 0;
  buf[n] = 0;
  if (!only_prefixes) return fnv(h, buf, (size_t)n);
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    char *colon = strchr(line, ':');
    if (!colon) continue;
    char name[64];
    snprintf(name, sizeof name, " %.*s ", (int)(colon - line), line);
    if (strstr(only_prefixes, name)) h = fnv_str(h, line);
  }
  return h;
}

static uint64_t fnv_stat(uint64_t h, const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return fnv_str(h, path);
  uint64_t v[4] = {st.st_dev, st.st_ino, (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec};
  return fnv(h, v, sizeof v);
}

static void worker_key(const struct install *in, char out[17]) {
  static const char *ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"};
  uint64_t h = 14695981039346656037ull;
  char path[PATH_MAX + 32], link[128];
  snprintf(path, sizeof path, "%s/gantry.cjs", in->cli);
  h = fnv_str(fnv_stat(h, path), path);
  h = fnv_str(fnv_stat(h, in->node), in->node);
  h = fnv_stat(h, "/"); /* chroot */
  h = fnv_file(h, "/proc/self/status", " Uid Gid Groups CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp ");
  h = fnv_file(h, "/proc/self/cgroup", NULL);
  h = fnv_file(h, "/proc/self/oom_score_adj", NULL);
  h = fnv_file(h, "/proc/self/attr/current", NULL); /* LSM label, where there is one */
  for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
    snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    h = fnv_str(h, link);
  }
  for (int r = 0; r < RLIM_NLIMITS; r++) {
    struct rlimit rl = {0, 0};
    getrlimit(r, &rl);
    h = fnv(h, &rl, sizeof rl);
  }
  int nice = getpriority(PRIO_PROCESS, 0);
  h = fnv(h, &nice, sizeof nice);
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0) h = fnv(h, &cpus, sizeof cpus);
  snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The per-user directory of worker sockets, created 0700; refused unless it is ours alone. */
static int socket_dir(char *out, size_t size) {
  uid_t uid = geteuid();
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (uid == 0) snprintf(out, size, "/run/gantry-prewarm");
  else if (xdg && *xdg == '/') snprintf(out, size, "%s/gantry-prewarm", xdg);
  else snprintf(out, size, "/tmp/gantry-prewarm-%u", (unsigned)uid);
  mkdir(out, 0700);
  struct stat st;
  if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077)) return -1;
  return 0;
}

/* ---- talking to a worker ---- */

static int link_fd = -1;
static volatile sig_atomic_t last_signal;

static void forward_signal(int signo) {
  unsigned char msg[2] = {SIGNAL, (unsigned char)signo};
  last_signal = signo;
  send(link_fd, msg, sizeof msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int append(char **buf, size_t *len, size_t *cap, const char *s) {
  size_t n = strlen(s) + 1;
  if (*len + n > *cap) {
    size_t want = (*cap + n) * 2;
    char *p = realloc(*buf, want);
    if (!p) return -1;
    *buf = p;
    *cap = want;
  }
  memcpy(*buf + *len, s, n);
  *len += n;
  return 0;
}

static int send_request(int fd, int argc, char **argv) {
  char cwd[PATH_MAX], num[32];
  if (!getcwd(cwd, sizeof cwd)) return -1;
  for (int i = 0; i < 3; i++)
    if (fcntl(i, F_GETFD) < 0) return -1; /* a closed stdio fd: leave it to a fresh process */
  char *body = NULL;
  size_t len = 0, cap = 0;
  mode_t mask = umask(0);
  umask(mask);
  int bad = append(&body, &len, &cap, cwd);
  snprintf(num, sizeof num, "%o", (unsigned)mask);
  bad |= append(&body, &len, &cap, num);
  snprintf(num, sizeof num, "%d", argc - 1);
  bad |= append(&body, &len, &cap, num);
  for (int i = 1; i < argc; i++) bad |= append(&body, &len, &cap, argv[i]);
  for (char **e = environ; *e; e++) bad |= append(&body, &len, &cap, *e);
  if (bad) return free(body), -1;

  unsigned char header[8] = {'G', 'P', 'W', '1', len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, (len >> 24) & 0xff};
  int fds[3] = {0, 1, 2};
  char control[CMSG_SPACE(sizeof fds)];
  memset(control, 0, sizeof control);
  struct iovec iov = {.iov_base = header, .iov_len = sizeof header};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof fds);
  memcpy(CMSG_DATA(c), fds, sizeof fds);
  int rc = sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof header ? 0 : -1;
  for (size_t off = 0; rc == 0 && off < len;) {
    ssize_t n = send(fd, body + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) rc = -1;
    else off += (size_t)n;
  }
  free(body);
  return rc;
}

static int read_byte(int fd, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  for (;;) {
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -2;
    unsigned char b;
    ssize_t n = read(fd, &b, 1);
    if (n < 0 && errno == EINTR) continue;
    return n == 1 ? b : -1;
  }
}

/* Runs the command in a worker. Returns only when no worker took it. */
static void run_in_worker(const char *dir, const char *key, int argc, char **argv) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s.sock", dir, key) >= (int)sizeof addr.sun_path) return;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || send_request(fd, argc, argv) < 0 ||
      read_byte(fd, ACK_TIMEOUT_MS) != ACK) {
    close(fd); /* a worker that has not acknowledged yet sees this and leaves the command to us */
    return;
  }
  link_fd = fd;
  const char *debug = getenv("GANTRY_DEBUG");
  if (debug && !strcmp(debug, "1")) {
    struct ucred peer = {0};
    socklen_t len = sizeof peer;
    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len);
    fprintf(stderr, "gantry: served by pre-warmed worker %d\n", (int)peer.pid);
  }
  static const int forwarded[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH, SIGUSR1, SIGUSR2, SIGALRM};
  struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaction(forwarded[i], &sa, NULL);
  for (;;) {
    int b = read_byte(fd, -1);
    if (b == EXIT) {
      int code = read_byte(fd, -1);
      if (code >= 0) _exit(code);
    }
    if (b < 0) break;
  }
  /* The worker died without an exit status: from a signal we forwarded, end the same way. */
  if (last_signal) {
    signal(last_signal, SIG_DFL);
    raise(last_signal);
  }
  fprintf(stderr, "gantry: the command's process ended without an exit status\n");
  _exit(125);
}

/* Starts a worker for the next call unless one holds the key's lock already. */
static void start_worker(const struct install *in, const char *dir, const char *key) {
  char lock[PATH_MAX + 32], script[PATH_MAX + 48];
  snprintf(lock, sizeof lock, "%s/%s.lock", dir, key);
  int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  int free_lock = flock(fd, LOCK_EX | LOCK_NB) == 0;
  close(fd);
  if (!free_lock) return;
  snprintf(script, sizeof script, "%s/prewarm-worker.cjs", in->cli);
  pid_t pid = fork();
  if (pid != 0) {
    if (pid > 0) waitpid(pid, NULL, 0);
    return;
  }
  /* double fork: the worker is nobody's child, leads its own session and process
   * group (it signals the group as a terminal would), and holds none of the
   * caller's fds or cwd */
  if (fork() != 0 || setsid() < 0) _exit(0);
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || chdir("/") < 0) _exit(1);
  dup2(null, 0), dup2(null, 1), dup2(null, 2);
  close_range(3, ~0u, 0);
  execl(in->node, "node", script, dir, key, (char *)NULL);
  _exit(127);
}

int main(int argc, char **argv) {
  /* Node parses NODE_EXTRA_CA_CERTS at every start-up (~60 ms here); only registry
   * connections need it, so it travels as GANTRY_EXTRA_CA_CERTS to the registry client. */
  const char *ca = getenv("NODE_EXTRA_CA_CERTS");
  if (ca) {
    setenv("GANTRY_EXTRA_CA_CERTS", ca, 1);
    unsetenv("NODE_EXTRA_CA_CERTS");
  }
  struct install in = {0};
  if (find_install(&in) < 0 || find_node(in.node, sizeof in.node) < 0) {
    fprintf(stderr, "gantry: cannot find %s\n", in.node[0] ? "the CLI" : "node in PATH");
    return 125;
  }
  const char *prewarm = getenv("GANTRY_PREWARM");
  /* NODE_OPTIONS shapes a Node process from its start: a worker started for someone else would not honour it. */
  if (in.bundled && !(prewarm && !strcmp(prewarm, "0")) && !getenv("NODE_OPTIONS")) {
    char dir[PATH_MAX], key[17];
    if (socket_dir(dir, sizeof dir) == 0) {
      worker_key(&in, key);
      run_in_worker(dir, key, argc, argv);
      start_worker(&in, dir, key);
    }
  }
  /* Node 20 reads `--env-file` anywhere on its command line: "--" keeps our arguments ours. */
  char **args = calloc((size_t)argc + 3, sizeof *args);
  if (!args) return 125;
  args[0] = "node";
  args[1] = in.entry;
  args[2] = "--";
  memcpy(args + 3, argv + 1, sizeof *args * (size_t)(argc - 1));
  execv(in.node, args);
  fprintf(stderr, "gantry: exec %s: %s\n", in.node, strerror(errno));
  return 125;
}
