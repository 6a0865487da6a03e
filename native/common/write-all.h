/* write(2) until all of buf is written, retrying on EINTR: one copy for every native program. */
#ifndef GANTRY_WRITE_ALL_H
#define GANTRY_WRITE_ALL_H
#include <errno.h>
#include <stddef.h>
#include <unistd.h>

static inline int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}
#endif
