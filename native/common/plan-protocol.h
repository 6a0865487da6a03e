/* Launch-plan wire format shared by src/runtime/plan/encode.ts and gantry-init.
 * Described in docs/helper-protocol.md; bump PLAN_VERSION on any change. */
#ifndef GANTRY_PLAN_PROTOCOL_H
#define GANTRY_PLAN_PROTOCOL_H

#define PLAN_MAGIC 0x59544e47u /* "GNTY" little-endian */
#define PLAN_VERSION 6u

/* fds the helper is started with */
#define PLAN_FD 3 /* TS -> helper: the plan, then one-byte replies */
#define SYNC_FD 4 /* helper -> TS: text lines (pid, hooks, ready, error) */
#define PRESERVED_FD_BASE 5 /* --preserve-fds arrive here, become 3.. in the process */

enum plan_tag {
  T_MODE = 1,          /* int: MODE_CREATE or MODE_EXEC */
  T_CLONE_FLAGS = 2,   /* int: CLONE_NEW* for namespaces to create */
  T_NS_JOIN = 3,       /* int nstype, str path */
  T_UID_MAP = 4,       /* str: uid_map contents */
  T_GID_MAP = 5,       /* str */
  T_SETGROUPS_DENY = 6,/* int */
  T_ROOTFS = 7,        /* str: host path of the rootfs */
  T_OP = 8,            /* struct op (see below) */
  T_RLIMIT = 9,        /* int resource, int soft, int hard */
  T_CAPS = 10,         /* 5 x u64: bounding effective inheritable permitted ambient */
  T_SECCOMP = 11,      /* int flags, bytes program */
  T_NO_NEW_PRIVS = 12, /* int */
  T_UID = 13,          /* int */
  T_GID = 14,          /* int */
  T_ADDITIONAL_GID = 15, /* int, repeated */
  T_UMASK = 16,        /* int */
  T_CWD = 17,          /* str */
  T_ENV = 18,          /* str, repeated */
  T_ARG = 19,          /* str, repeated */
  T_OOM_SCORE_ADJ = 20,/* int */
  T_CONSOLE_SOCKET = 21, /* str */
  T_CONSOLE_SIZE = 22, /* int rows, int cols */
  T_CGROUP_PROCS = 23, /* str, repeated */
  T_FIFO = 24,         /* str: exec.fifo to create and block on */
  T_HOOK = 25,         /* startContainer hook: int timeout, str path, int nargs, str args..., int nenv, str env... */
  T_STATE_JSON = 26,   /* str before, str after: startContainer hooks get before + <host pid> + after */
  T_WAIT = 27,         /* int: the helper's parent waits for the process and exits with its status */
  T_PRESERVE_FDS = 28, /* int */
  T_TERMINAL = 29,     /* int */
  T_SESSION_KEYRING = 30, /* str: join a new session keyring with this name */
  T_PID_FILE = 31,     /* str: the parent writes the process's pid here once it is set up */
  T_LOOPBACK_UP = 32,  /* int: bring "lo" up in the new network namespace */
  T_IO_PRIORITY = 33,  /* int: ioprio_set(IOPRIO_WHO_PROCESS, 0, value) */
  T_PERSONALITY = 34,  /* int: personality(value) */
  T_SCHEDULER = 35,    /* int policy, int flags, int nice, int priority, int runtime, int deadline, int period: sched_setattr */
  T_CPU_AFFINITY = 36, /* int stage (1 initial: the helper before the cgroup join, 2 final: the process before execve), str cpu_set_t bytes */
  T_FIFO_VIA_DIR = 37, /* int: reopen FIFO through its directory (opened before any namespace is joined), not /proc/self/fd: for a root without /proc */
  T_DIE_WITH_PARENT = 38, /* int: the process is cloned as the helper's sibling (CLONE_PARENT) and is killed when that parent dies */
  T_END = 0xffff
};

enum plan_mode { MODE_CREATE = 1, MODE_EXEC = 2 };

/* A plan is: u32 magic, u32 version, u32 total length of the records, then records
 * (u32 tag, u32 payload length, payload). A payload is a sequence of fields:
 * int = i64 little-endian, str = u32 length + bytes (no NUL).
 * T_OP payload: int kind, int opflags, int mountflags, int mode, int uid, int gid,
 * int major, int minor, str src, str dst, str fstype, str data. */
enum op_kind {
  OP_MOUNT = 1,      /* mount(src, dst, fstype, flags, data) */
  OP_REMOUNT = 2,    /* mount(NULL, dst, NULL, MS_REMOUNT|flags|locked flags) */
  OP_MKDIR = 3,      /* mkdir -p dst mode */
  OP_SYMLINK = 4,    /* symlink src -> dst */
  OP_MKNOD = 5,      /* mknod dst mode major:minor, chown uid:gid */
  OP_CHOWN = 6,      /* chown dst uid gid */
  OP_PIVOT_ROOT = 7, /* pivot_root into the rootfs */
  OP_MOVE_ROOT = 8,  /* move the rootfs onto / and chroot (--no-pivot) */
  OP_MASK = 9,       /* hide dst: /dev/null bind for files, read-only tmpfs for dirs */
  OP_READONLY = 10,  /* bind dst onto itself read-only */
  OP_SYSCTL = 11,    /* write data to dst (a /proc/sys path) */
  OP_HOSTNAME = 12,  /* sethostname(data) */
  OP_DOMAINNAME = 13,/* setdomainname(data) */
  OP_CHDIR = 14,     /* chdir(dst) */
  OP_HOOKS = 15,     /* write "hooks" on the sync fd and wait for one byte on the plan fd */
  OP_CHMOD = 16,     /* chmod dst mode */
  OP_CHROOT = 17     /* chroot into the root, mounts untouched (no mount namespace) */
};

/* opflags */
#define OPF_IN_ROOT 1u     /* dst resolves inside the root (RESOLVE_IN_ROOT) */
#define OPF_MKDIR 2u       /* create dst as a directory first */
#define OPF_MKFILE 4u      /* create dst as an empty file first */
#define OPF_MKAUTO 8u      /* create dst like src (dir or file) first */
#define OPF_OPTIONAL 16u   /* a missing dst is not an error */
#define OPF_REOPEN_ROOT 32u /* afterwards the root is dst (the rootfs bind-mounted onto itself) */
#define OPF_ENCLOSING_MOUNT 64u /* dst is a host path: the mount containing it (EINVAL, not a mount point: retry with its parent) */

#endif
