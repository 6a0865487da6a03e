/* Decoding of the launch plan (docs/helper-protocol.md) and sync-fd reporting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan.h"

struct cursor { const unsigned char *p, *end; int bad; };

static int read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -errno;
    if (r == 0) return -EPIPE;
    got += (size_t)r;
  }
  return 0;
}

static uint32_t get_u32(struct cursor *c) {
  if (c->end - c->p < 4) { c->bad = 1; return 0; }
  uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
  c->p += 4;
  return v;
}

static int64_t get_int(struct cursor *c) {
  uint64_t lo = get_u32(c), hi = get_u32(c);
  return (int64_t)(lo | hi << 32);
}

static char *get_str_len(struct cursor *c, size_t *len) {
  uint32_t n = get_u32(c);
  if (c->bad || (size_t)(c->end - c->p) < n) { c->bad = 1; return NULL; }
  char *s = malloc((size_t)n + 1);
  if (!s) { c->bad = 1; return NULL; }
  memcpy(s, c->p, n);
  s[n] = 0;
  c->p += n;
  if (len) *len = n;
  return s;
}

static char *get_str(struct cursor *c) { return get_str_len(c, NULL); }

#define GROW(arr, n) do { void *np_ = realloc((arr), sizeof(*(arr)) * ((n) + 2)); if (!np_) return -ENOMEM; (arr) = np_; } while (0)

static char **get_str_list(struct cursor *c) {
  int64_t n = get_int(c);
  if (c->bad || n < 0 || n > 100000) { c->bad = 1; return NULL; }
  char **v = calloc((size_t)n + 1, sizeof(char *));
  if (!v) { c->bad = 1; return NULL; }
  for (int64_t i = 0; i < n; i++) v[i] = get_str(c);
  return v;
}

static int decode_record(struct plan *p, uint32_t tag, struct cursor *c) {
  switch (tag) {
  case T_MODE: p->mode = get_int(c); break;
  case T_CLONE_FLAGS: p->clone_flags = get_int(c); break;
  case T_NS_JOIN:
    GROW(p->joins, p->njoins);
    p->joins[p->njoins].type = get_int(c);
    p->joins[p->njoins++].path = get_str(c);
    break;
  case T_UID_MAP: p->uid_map = get_str(c); break;
  case T_GID_MAP: p->gid_map = get_str(c); break;
  case T_SETGROUPS_DENY: p->setgroups_deny = get_int(c); break;
  case T_ROOTFS: p->rootfs = get_str(c); break;
  case T_OP: {
    GROW(p->ops, p->nops);
    struct op *o = &p->ops[p->nops++];
    o->kind = get_int(c); o->opflags = get_int(c); o->mountflags = get_int(c); o->mode = get_int(c);
    o->uid = get_int(c); o->gid = get_int(c); o->major = get_int(c); o->minor = get_int(c);
    o->src = get_str(c); o->dst = get_str(c); o->fstype = get_str(c); o->data = get_str(c);
    break;
  }
  case T_RLIMIT:
    GROW(p->rlimits, p->nrlimits);
    p->rlimits[p->nrlimits].resource = get_int(c);
    p->rlimits[p->nrlimits].soft = get_int(c);
    p->rlimits[p->nrlimits++].hard = get_int(c);
    break;
  case T_CAPS:
    p->has_caps = 1;
    for (int i = 0; i < 5; i++) p->caps[i] = (uint64_t)get_int(c);
    break;
  case T_SECCOMP:
    p->has_seccomp = 1;
    p->seccomp_flags = get_int(c);
    p->seccomp_prog = get_str_len(c, &p->seccomp_len);
    break;
  case T_NO_NEW_PRIVS: p->no_new_privs = get_int(c); break;
  case T_UID: p->uid = get_int(c); break;
  case T_GID: p->gid = get_int(c); break;
  case T_ADDITIONAL_GID: GROW(p->gids, p->ngids); p->gids[p->ngids++] = get_int(c); break;
  case T_UMASK: p->umask = get_int(c); break;
  case T_CWD: p->cwd = get_str(c); break;
  case T_ENV: GROW(p->env, p->nenv); p->env[p->nenv++] = get_str(c); p->env[p->nenv] = NULL; break;
  case T_ARG: GROW(p->argv, p->nargv); p->argv[p->nargv++] = get_str(c); p->argv[p->nargv] = NULL; break;
  case T_OOM_SCORE_ADJ: p->has_oom = 1; p->oom_score_adj = get_int(c); break;
  case T_CONSOLE_SOCKET: p->console_socket = get_str(c); break;
  case T_CONSOLE_SIZE: p->rows = get_int(c); p->cols = get_int(c); break;
  case T_CGROUP_PROCS: GROW(p->procs, p->nprocs); p->procs[p->nprocs++] = get_str(c); break;
  case T_FIFO: p->fifo = get_str(c); break;
  case T_HOOK: {
    GROW(p->hooks, p->nhooks);
    struct hook *h = &p->hooks[p->nhooks++];
    h->timeout = get_int(c); h->path = get_str(c); h->args = get_str_list(c); h->env = get_str_list(c);
    break;
  }
  case T_STATE_JSON: p->state_before = get_str(c); p->state_after = get_str(c); break;
  case T_WAIT: p->wait = get_int(c); break;
  case T_PRESERVE_FDS: p->preserve_fds = get_int(c); break;
  case T_TERMINAL: p->terminal = get_int(c); break;
  case T_SESSION_KEYRING: p->keyring = get_str(c); break;
  case T_PID_FILE: p->pid_file = get_str(c); break;
  case T_LOOPBACK_UP: p->loopback_up = get_int(c); break;
  case T_FIFO_VIA_DIR: p->fifo_via_dir = get_int(c); break;
  case T_DIE_WITH_PARENT: p->die_with_parent = get_int(c); break;
  case T_IO_PRIORITY: p->has_ioprio = 1; p->ioprio = get_int(c); break;
  case T_PERSONALITY: p->has_personality = 1; p->persona = get_int(c); break;
  case T_SCHEDULER: p->has_sched = 1; for (int i = 0; i < 7; i++) p->sched[i] = get_int(c); break;
  case T_CPU_AFFINITY: {
    int64_t stage = get_int(c);
    if (stage < 1 || stage > 2) return -EPROTO;
    p->affinity[stage] = get_str_len(c, &p->affinity_len[stage]);
    break;
  }
  default: return -EPROTO; /* an unknown tag means TS and C disagree on the version */
  }
  return c->bad ? -EPROTO : 0;
}

int plan_read(int fd, struct plan *p) {
  unsigned char hdr[12];
  int r = read_full(fd, hdr, sizeof hdr);
  if (r) return r;
  struct cursor hc = { hdr, hdr + sizeof hdr, 0 };
  uint32_t magic = get_u32(&hc), version = get_u32(&hc), len = get_u32(&hc);
  if (magic != PLAN_MAGIC || version != PLAN_VERSION || len > (64u << 20)) return -EPROTO;
  unsigned char *buf = malloc(len ? len : 1);
  if (!buf) return -ENOMEM;
  if ((r = read_full(fd, buf, len))) return r;
  memset(p, 0, sizeof *p);
  p->umask = -1;
  p->env = calloc(1, sizeof(char *));
  p->argv = calloc(1, sizeof(char *));
  if (!p->env || !p->argv) return -ENOMEM;
  struct cursor c = { buf, buf + len, 0 };
  while (c.p < c.end) {
    uint32_t tag = get_u32(&c), plen = get_u32(&c);
    if (c.bad || (size_t)(c.end - c.p) < plen) return -EPROTO;
    struct cursor rc = { c.p, c.p + plen, 0 };
    if ((r = decode_record(p, tag, &rc))) return r;
    c.p += plen;
  }
  return 0;
}

void report_line(int sync_fd, const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = (int)sizeof buf - 2;
  buf[n++] = '\n';
  if (sync_fd >= 0) {
    ssize_t w = write(sync_fd, buf, (size_t)n);
    (void)w;
  }
}

void report_error(int sync_fd, long step, const char *name, int err, const char *detail) {
  char clean[2048];
  size_t i = 0;
  for (; detail && detail[i] && i < sizeof clean - 1; i++) clean[i] = detail[i] == '\n' || detail[i] == '\t' ? ' ' : detail[i];
  clean[i] = 0;
  report_line(sync_fd, "error %ld %d %s\t%s", step, err, name, clean);
  if (sync_fd < 0) fprintf(stderr, "gantry-init: %s %s: %s\n", name, clean, strerror(err));
}
