/*
 * seccomp-load: installs a compiled seccomp filter, then execs a command.
 * A test tool for the TypeScript BPF compiler:
 *   seccomp-load PROGRAM_FILE FLAGS COMMAND [ARG...]
 * PROGRAM_FILE holds struct sock_filter[] as the compiler writes it; FLAGS is
 * the SECCOMP_FILTER_FLAG_* bit mask (decimal).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char *step) {
	fprintf(stderr, "seccomp-load: %s: %s\n", step, strerror(errno));
	return 127;
}

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: seccomp-load PROGRAM_FILE FLAGS COMMAND [ARG...]\n");
		return 127;
	}
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) return fail("open program");
	struct stat st;
	if (fstat(fd, &st) < 0) return fail("stat program");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 || st.st_size > 4096 * (off_t)sizeof(struct sock_filter)) {
		errno = EINVAL;
		return fail("program size");
	}
	struct sock_filter *insns = malloc(st.st_size);
	if (insns == NULL) return fail("malloc");
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = read(fd, (char *)insns + done, st.st_size - done);
		if (n <= 0) return fail("read program");
		done += n;
	}
	close(fd);
	struct sock_fprog prog = { .len = (unsigned short)(st.st_size / sizeof(struct sock_filter)), .filter = insns };
	unsigned long flags = strtoul(argv[2], NULL, 10);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail("prctl(PR_SET_NO_NEW_PRIVS)");
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (rc < 0) return fail("seccomp(SECCOMP_SET_MODE_FILTER)");
	execvp(argv[3], argv + 3);
	return fail("exec");
}
