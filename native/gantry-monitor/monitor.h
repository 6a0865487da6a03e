/* Pieces of gantry-monitor that only move bytes: the json-file log writer,
 * attach-socket framing, SCM_RIGHTS receive and timestamps. */
#ifndef GANTRY_MONITOR_H
#define GANTRY_MONITOR_H
#include <stddef.h>
#include "common/write-all.h"

/* Frames monitor -> client: [stream][0][0][0][len u32 BE][payload], docker's stdcopy
 * header; stream 1 stdout, 2 stderr, 4 = exit (payload: decimal exit code). */
enum { STREAM_STDOUT = 1, STREAM_STDERR = 2, STREAM_EXIT = 4 };
/* Frames client -> monitor use the same header: 0 stdin bytes, 1 resize "ROWS COLS", 2 close stdin. */
enum { CLIENT_STDIN = 0, CLIENT_RESIZE = 1, CLIENT_CLOSE_STDIN = 2 };

#define LOG_LINE_MAX 16384

struct line_buf {
  char data[LOG_LINE_MAX];
  size_t len;
};

struct log_writer {
  const char *path;
  int fd;
  long long size, max_size;
  int max_file;
  /* 1: the CRI log format instead of json-file lines. */
  int cri;
  struct line_buf out, err;
};

int log_open(struct log_writer *w, const char *path, long long max_size, int max_file);
void log_write(struct log_writer *w, const char *stream, const char *buf, size_t len);
void log_flush(struct log_writer *w);
void log_reopen(struct log_writer *w);

struct frame_reader {
  unsigned char hdr[8];
  size_t hdr_len;
  char *payload;
  size_t want, got;
};
typedef void (*frame_handler)(int type, const char *payload, size_t len);
void frame_reader_init(struct frame_reader *r);
/* Reads what is available; returns 0 on EOF, -1 on error, 1 otherwise. */
int frame_reader_pump(struct frame_reader *r, int fd, frame_handler h);

int send_frame(int fd, int stream, const char *buf, size_t len);
int recv_fd(int sock);
void rfc3339_now(char *out, size_t size);

#endif
