/* Filesystem and namespace primitives. Paths flagged OPF_IN_ROOT are resolved with
 * openat2(RESOLVE_IN_ROOT) so symlinks in the rootfs cannot point outside it, and
 * mounts then target the resolved fd through /proc/self/fd/N. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "ops.h"

const char *op_name(int64_t kind) {
  switch (kind) {
  case OP_MOUNT: return "mount";
  case OP_REMOUNT: return "remount";
  case OP_MKDIR: return "mkdir";
  case OP_SYMLINK: return "symlink";
  case OP_MKNOD: return "mknod";
  case OP_CHOWN: return "chown";
  case OP_PIVOT_ROOT: return "pivot_root";
  case OP_MOVE_ROOT: return "move_root";
  case OP_CHROOT: return "chroot";
  case OP_MASK: return "mask";
  case OP_READONLY: return "readonly";
  case OP_SYSCTL: return "sysctl";
  case OP_HOSTNAME: return "sethostname";
  case OP_DOMAINNAME: return "setdomainname";
  case OP_CHDIR: return "chdir";
  case OP_HOOKS: return "hooks";
  case OP_CHMOD: return "chmod";
  default: return "unknown";
  }
}

static int resolve_in(int dirfd, const char *path, int flags) {
  struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd;
  do fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && (errno == EAGAIN || errno == EINTR));
  return fd;
}

/* Opens path (O_PATH) either inside the root or on the host. */
static int open_path(const struct op_ctx *ctx, const struct op *o, const char *path, int flags) {
  if (o->opflags & OPF_IN_ROOT) return resolve_in(ctx->root_fd, path, flags);
  return open(path, flags | O_CLOEXEC);
}

/* mkdir -p inside the root: each prefix is resolved in the root, so an existing
 * symlink component is followed but never out of the root. Returns an fd of the dir. */
static int mkdir_p_in_root(int root_fd, const char *path, mode_t mode) {
  char *copy = strdup(path), *save = NULL;
  if (!copy) return -1;
  int dir = dup(root_fd);
  char prefix[4096] = "";
  for (char *part = strtok_r(copy, "/", &save); part && dir >= 0; part = strtok_r(NULL, "/", &save)) {
    if (strlen(prefix) + strlen(part) + 2 >= sizeof prefix) { errno = ENAMETOOLONG; close(dir); dir = -1; break; }
    strcat(prefix, "/");
    strcat(prefix, part);
    int next = resolve_in(root_fd, prefix, O_PATH | O_DIRECTORY);
    if (next < 0 && errno == ENOENT) {
      if (mkdirat(dir, part, mode) < 0 && errno != EEXIST) { int e = errno; close(dir); dir = -1; errno = e; break; }
      next = resolve_in(root_fd, prefix, O_PATH | O_DIRECTORY);
    }
    int e = errno;
    close(dir);
    dir = next;
    errno = e;
  }
  free(copy);
  return dir;
}

/* Splits path into a resolved parent dir fd (created if missing) and the base name. */
static int parent_in_root(int root_fd, const char *path, char *base, size_t baselen) {
  const char *slash = strrchr(path, '/');
  const char *b = slash ? slash + 1 : path;
  if (!*b || strlen(b) >= baselen) { errno = EINVAL; return -1; }
  strcpy(base, b);
  char parent[4096];
  size_t plen = slash ? (size_t)(slash - path) : 0;
  if (plen >= sizeof parent) { errno = ENAMETOOLONG; return -1; }
  memcpy(parent, path, plen);
  parent[plen] = 0;
  return mkdir_p_in_root(root_fd, plen ? parent : "/", 0755);
}

static int create_file_in_root(int root_fd, const char *path) {
  char base[256];
  int dir = parent_in_root(root_fd, path, base, sizeof base);
  if (dir < 0) return -1;
  int fd = openat(dir, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  int e = errno;
  close(dir);
  if (fd < 0 && e != EEXIST) { errno = e; return -1; }
  if (fd >= 0) close(fd);
  return 0;
}

/* Resolves the op's target, creating it first when asked. */
static int open_target(const struct op_ctx *ctx, const struct op *o) {
  int fd = open_path(ctx, o, o->dst, O_PATH);
  if (fd >= 0 || errno != ENOENT || !(o->opflags & OPF_IN_ROOT)) return fd;
  int want_dir = (o->opflags & OPF_MKDIR) != 0, want_file = (o->opflags & OPF_MKFILE) != 0;
  if (o->opflags & OPF_MKAUTO) {
    struct stat st;
    if (stat(o->src, &st) < 0) return -1;
    if (S_ISDIR(st.st_mode)) want_dir = 1; else want_file = 1;
  }
  if (want_dir) {
    int d = mkdir_p_in_root(ctx->root_fd, o->dst, 0755);
    if (d < 0) return -1;
    close(d);
  } else if (want_file) {
    if (create_file_in_root(ctx->root_fd, o->dst) < 0) return -1;
  } else {
    errno = ENOENT;
    return -1;
  }
  return open_path(ctx, o, o->dst, O_PATH);
}

static void fd_path(int fd, char *buf, size_t n) { snprintf(buf, n, "/proc/self/fd/%d", fd); }

/* MS_REMOUNT must keep the flags the kernel locked on the mount (user namespaces). */
static unsigned long locked_flags(const char *path) {
  struct statvfs s;
  unsigned long f = 0;
  if (statvfs(path, &s) < 0) return 0;
  if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV) f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

static int do_mount(const struct op_ctx *ctx, const struct op *o) {
  int fd = open_target(ctx, o);
  if (fd < 0) return errno;
  char target[64];
  fd_path(fd, target, sizeof target);
  const char *src = *o->src ? o->src : NULL, *type = *o->fstype ? o->fstype : NULL, *data = *o->data ? o->data : NULL;
  int r = mount(src, target, type, (unsigned long)o->mountflags, data);
  int e = errno;
  close(fd);
  return r < 0 ? e : 0;
}

/* A propagation change of the mount that contains a host path: changing the
 * propagation of a directory that is not a mount point fails with EINVAL, so
 * walk up until one is found (at the latest "/"). */
static int do_mount_enclosing(const struct op *o) {
  char path[4096];
  if (strlen(o->dst) >= sizeof path) return ENAMETOOLONG;
  strcpy(path, o->dst);
  for (;;) {
    if (mount(NULL, path, NULL, (unsigned long)o->mountflags, NULL) == 0) return 0;
    if (errno != EINVAL || strcmp(path, "/") == 0) return errno;
    char *slash = strrchr(path, '/');
    if (!slash) return EINVAL;
    if (slash == path) slash[1] = 0;
    else *slash = 0;
  }
}

static int do_remount(const struct op_ctx *ctx, const struct op *o) {
  int fd = open_path(ctx, o, o->dst, O_PATH);
  if (fd < 0) return errno;
  char target[64];
  fd_path(fd, target, sizeof target);
  unsigned long flags = (unsigned long)o->mountflags | MS_REMOUNT | locked_flags(target);
  int r = mount(NULL, target, NULL, flags, *o->data ? o->data : NULL);
  int e = errno;
  close(fd);
  return r < 0 ? e : 0;
}

static int do_mask(const struct op_ctx *ctx, const struct op *o) {
  int fd = open_path(ctx, o, o->dst, O_PATH);
  if (fd < 0) return errno == ENOENT ? 0 : errno;
  struct stat st;
  char target[64];
  fd_path(fd, target, sizeof target);
  int r;
  if (fstat(fd, &st) < 0) r = -1;
  else if (S_ISDIR(st.st_mode)) r = mount("tmpfs", target, "tmpfs", MS_RDONLY, "size=0k");
  else r = mount("/dev/null", target, NULL, MS_BIND, NULL);
  int e = errno;
  close(fd);
  return r < 0 ? e : 0;
}

static int do_readonly(const struct op_ctx *ctx, const struct op *o) {
  int fd = open_path(ctx, o, o->dst, O_PATH);
  if (fd < 0) return errno == ENOENT ? 0 : errno;
  char target[64];
  fd_path(fd, target, sizeof target);
  int r = mount(target, target, NULL, MS_BIND | MS_REC, NULL);
  int e = errno;
  close(fd);
  if (r < 0) return e;
  /* reopen: the bind created a new mount over the old fd's */
  fd = open_path(ctx, o, o->dst, O_PATH);
  if (fd < 0) return errno;
  fd_path(fd, target, sizeof target);
  r = mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(target), NULL);
  e = errno;
  close(fd);
  return r < 0 ? e : 0;
}

static int do_mknod(const struct op_ctx *ctx, const struct op *o) {
  char base[256];
  int dir = parent_in_root(ctx->root_fd, o->dst, base, sizeof base);
  if (dir < 0) return errno;
  int e = 0;
  /* an existing node is kept, as runc does: /dev may be a bind of the host's */
  if (mknodat(dir, base, (mode_t)o->mode, makedev((unsigned)o->major, (unsigned)o->minor)) < 0) e = errno == EEXIST ? -1 : errno;
  if (e == 0 && fchownat(dir, base, (uid_t)o->uid, (gid_t)o->gid, AT_SYMLINK_NOFOLLOW) < 0) e = errno;
  if (e == 0 && fchmodat(dir, base, (mode_t)o->mode & 07777, 0) < 0) e = errno;
  close(dir);
  return e < 0 ? 0 : e;
}

static int do_symlink(const struct op_ctx *ctx, const struct op *o) {
  char base[256];
  int dir = parent_in_root(ctx->root_fd, o->dst, base, sizeof base);
  if (dir < 0) return errno;
  int e = symlinkat(o->src, dir, base) < 0 && errno != EEXIST ? errno : 0;
  close(dir);
  return e;
}

static int do_chown_chmod(const struct op_ctx *ctx, const struct op *o) {
  int fd = open_path(ctx, o, o->dst, O_PATH);
  if (fd < 0) return errno;
  char target[64];
  fd_path(fd, target, sizeof target);
  int r = o->kind == OP_CHOWN ? chown(target, (uid_t)o->uid, (gid_t)o->gid) : chmod(target, (mode_t)o->mode);
  int e = errno;
  close(fd);
  return r < 0 ? e : 0;
}

static int do_pivot_root(struct op_ctx *ctx) {
  if (fchdir(ctx->root_fd) < 0) return errno;
  /* pivot onto itself, then detach the old root stacked underneath */
  if (syscall(SYS_pivot_root, ".", ".") < 0) return errno;
  if (umount2(".", MNT_DETACH) < 0) return errno;
  if (chdir("/") < 0) return errno;
  int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  close(ctx->root_fd);
  ctx->root_fd = fd;
  return 0;
}

/* Without a mount namespace the host's mounts must stay as they are: chroot only. */
static int do_chroot(struct op_ctx *ctx, int move_root) {
  if (fchdir(ctx->root_fd) < 0) return errno;
  if (move_root && mount(".", "/", NULL, MS_MOVE, NULL) < 0) return errno;
  if (chroot(".") < 0) return errno;
  if (chdir("/") < 0) return errno;
  int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  close(ctx->root_fd);
  ctx->root_fd = fd;
  return 0;
}

static int do_sysctl(const struct op_ctx *ctx, const struct op *o) {
  int fd = open_path(ctx, o, o->dst, O_WRONLY | O_TRUNC);
  if (fd < 0) return errno;
  size_t n = strlen(o->data);
  int e = write(fd, o->data, n) != (ssize_t)n ? (errno ? errno : EIO) : 0;
  close(fd);
  return e;
}

static int do_hooks(const struct op_ctx *ctx) {
  report_line(ctx->sync_fd, "hooks");
  char c;
  ssize_t r;
  do r = read(ctx->plan_fd, &c, 1);
  while (r < 0 && errno == EINTR);
  if (r < 0) return errno;
  return r == 1 && c == '1' ? 0 : ECANCELED;
}

int op_run(struct op_ctx *ctx, const struct op *o) {
  errno = 0;
  switch (o->kind) {
  case OP_MOUNT: return (o->opflags & OPF_ENCLOSING_MOUNT) ? do_mount_enclosing(o) : do_mount(ctx, o);
  case OP_REMOUNT: return do_remount(ctx, o);
  case OP_MKDIR: {
    int fd = mkdir_p_in_root(ctx->root_fd, o->dst, (mode_t)o->mode);
    if (fd < 0) return errno;
    close(fd);
    return 0;
  }
  case OP_SYMLINK: return do_symlink(ctx, o);
  case OP_MKNOD: return do_mknod(ctx, o);
  case OP_CHOWN:
  case OP_CHMOD: return do_chown_chmod(ctx, o);
  case OP_PIVOT_ROOT: return do_pivot_root(ctx);
  case OP_MOVE_ROOT: return do_chroot(ctx, 1);
  case OP_CHROOT: return do_chroot(ctx, 0);
  case OP_MASK: return do_mask(ctx, o);
  case OP_READONLY: return do_readonly(ctx, o);
  case OP_SYSCTL: return do_sysctl(ctx, o);
  case OP_HOSTNAME: return sethostname(o->data, strlen(o->data)) < 0 ? errno : 0;
  case OP_DOMAINNAME: return setdomainname(o->data, strlen(o->data)) < 0 ? errno : 0;
  case OP_CHDIR: return chdir(o->dst) < 0 ? errno : 0;
  case OP_HOOKS: return do_hooks(ctx);
  default: return EINVAL;
  }
}
