#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/write-all.h"

void rfc3339_now(char *out, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  char base[32];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, size, "%s.%09ldZ", base, ts.tv_nsec);
}

/* ---- json-file log ---- */

int log_open(struct log_writer *w, const char *path, long long max_size, int max_file) {
  memset(w, 0, sizeof *w);
  w->path = path;
  w->max_size = max_size;
  w->max_file = max_file < 1 ? 1 : max_file;
  w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (w->fd < 0) return -1;
  struct stat st;
  w->size = fstat(w->fd, &st) == 0 ? st.st_size : 0;
  return 0;
}

/* A new file at the path (after someone renamed the old one); pending partial lines are kept. */
void log_reopen(struct log_writer *w) {
  if (w->fd >= 0) close(w->fd);
  w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  struct stat st;
  w->size = w->fd >= 0 && fstat(w->fd, &st) == 0 ? st.st_size : 0;
}

/* path.N -> path.N+1 ..., path -> path.1; with max-file 1 the file is truncated. */
static void log_rotate(struct log_writer *w) {
  char from[4200], to[4200];
  close(w->fd);
  if (w->max_file > 1) {
    for (int i = w->max_file - 1; i >= 1; i--) {
      snprintf(from, sizeof from, i == 1 ? "%s" : "%s.%d", w->path, i - 1);
      snprintf(to, sizeof to, "%s.%d", w->path, i);
      rename(from, to);
    }
    w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  } else {
    w->fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
  }
  w->size = 0;
}

/* Escapes like Go's encoding/json (which docker's json-file uses), HTML-safe. */
static size_t json_escape(char *dst, const char *src, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)src[i];
    switch (c) {
      case '"': dst[o++] = '\\', dst[o++] = '"'; break;
      case '\\': dst[o++] = '\\', dst[o++] = '\\'; break;
      case '\n': dst[o++] = '\\', dst[o++] = 'n'; break;
      case '\r': dst[o++] = '\\', dst[o++] = 'r'; break;
      case '\t': dst[o++] = '\\', dst[o++] = 't'; break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
          memcpy(dst + o, "\\u00", 4);
          o += 4;
          dst[o++] = hex[c >> 4];
          dst[o++] = hex[c & 15];
        } else {
          dst[o++] = (char)c;
        }
    }
  }
  return o;
}

/* The kubelet's format: a line ending in \n is F(ull) without it; anything else is P(artial), a 16K piece of a
 * longer line or, as containerd writes it, what was left without a newline at the end, so `kubectl logs` adds none. */
static size_t cri_entry(char *entry, const char *now, const char *stream, const char *line, size_t len) {
  int full = len > 0 && line[len - 1] == '\n';
  size_t o = (size_t)sprintf(entry, "%s %s %c ", now, stream, full ? 'F' : 'P');
  memcpy(entry + o, line, full ? len - 1 : len);
  o += full ? len - 1 : len;
  entry[o++] = '\n';
  return o;
}

static void log_entry(struct log_writer *w, const char *stream, const char *line, size_t len) {
  static char entry[LOG_LINE_MAX * 6 + 256];
  char now[64];
  rfc3339_now(now, sizeof now);
  size_t o = 0;
  if (w->cri) {
    o = cri_entry(entry, now, stream, line, len);
    if (w->fd >= 0 && write_all(w->fd, entry, o) == 0) w->size += (long long)o;
    return;
  }
  memcpy(entry, "{\"log\":\"", 8);
  o = 8;
  o += json_escape(entry + o, line, len);
  o += (size_t)snprintf(entry + o, sizeof entry - o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, now);
  if (w->max_size > 0 && w->size > 0 && w->size + (long long)o > w->max_size) log_rotate(w);
  if (w->fd >= 0 && write_all(w->fd, entry, o) == 0) w->size += (long long)o;
}

/* Splits output into lines like docker: one entry per line, long lines in 16K pieces. */
void log_write(struct log_writer *w, const char *stream, const char *buf, size_t len) {
  struct line_buf *lb = stream[3] == 'e' ? &w->err : &w->out;
  for (size_t i = 0; i < len; i++) {
    lb->data[lb->len++] = buf[i];
    if (buf[i] == '\n' || lb->len == LOG_LINE_MAX) {
      log_entry(w, stream, lb->data, lb->len);
      lb->len = 0;
    }
  }
}

void log_flush(struct log_writer *w) {
  if (w->out.len) log_entry(w, "stdout", w->out.data, w->out.len), w->out.len = 0;
  if (w->err.len) log_entry(w, "stderr", w->err.data, w->err.len), w->err.len = 0;
}

/* ---- attach framing ---- */

int send_frame(int fd, int stream, const char *buf, size_t len) {
  unsigned char hdr[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
  if (write_all(fd, (const char *)hdr, 8) < 0) return -1;
  return write_all(fd, buf, len);
}

void frame_reader_init(struct frame_reader *r) { memset(r, 0, sizeof *r); }

int frame_reader_pump(struct frame_reader *r, int fd, frame_handler h) {
  char buf[8192];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n == 0) return 0;
  if (n < 0) return errno == EAGAIN || errno == EINTR ? 1 : -1;
  for (ssize_t i = 0; i < n;) {
    if (r->hdr_len < 8) {
      r->hdr[r->hdr_len++] = (unsigned char)buf[i++];
      if (r->hdr_len == 8) {
        r->want = ((size_t)r->hdr[4] << 24) | ((size_t)r->hdr[5] << 16) | ((size_t)r->hdr[6] << 8) | r->hdr[7];
        if (r->want > (1 << 20)) return -1;
        r->got = 0;
        r->payload = malloc(r->want ? r->want : 1);
        if (!r->payload) return -1;
      }
    } else {
      size_t take = (size_t)(n - i) < r->want - r->got ? (size_t)(n - i) : r->want - r->got;
      memcpy(r->payload + r->got, buf + i, take);
      r->got += take;
      i += (ssize_t)take;
    }
    if (r->hdr_len == 8 && r->got == r->want) {
      h(r->hdr[0], r->payload, r->want);
      free(r->payload);
      r->payload = NULL;
      r->hdr_len = 0;
    }
  }
  return 1;
}

int recv_fd(int sock) {
  char name[256];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}
