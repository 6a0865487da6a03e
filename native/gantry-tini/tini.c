/*
 * gantry-tini: the init `gantry run --init` puts at /dev/init (like docker's tini).
 *
 *   /dev/init [--] PROG [ARGS...]
 *
 * As the container's pid 1 it runs PROG as its child, forwards every signal it
 * can catch to that child, reaps every zombie re-parented to it, and exits
 * with the child's status (128+N when the child was killed by signal N).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals that describe the init's own faults or job control on its tty are not forwarded. */
static int forwarded(int sig) {
  switch (sig) {
  case SIGFPE: case SIGILL: case SIGSEGV: case SIGBUS: case SIGABRT: case SIGTRAP: case SIGSYS:
  case SIGTTIN: case SIGTTOU: case SIGTSTP: case SIGKILL: case SIGSTOP: case SIGCHLD:
    return 0;
  default:
    return 1;
  }
}

int main(int argc, char **argv) {
  int first = 1;
  if (first < argc && strcmp(argv[first], "--") == 0) first++;
  if (first >= argc) {
    fprintf(stderr, "usage: %s [--] PROG [ARGS...]\n", argv[0]);
    return 2;
  }

  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);

  pid_t child = fork();
  if (child < 0) {
    perror("gantry-tini: fork");
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[first], argv + first);
    fprintf(stderr, "gantry-tini: exec %s: %s\n", argv[first], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }

  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0) {
      if (errno == EINTR) continue;
      perror("gantry-tini: sigwaitinfo");
      return 1;
    }
    if (sig != SIGCHLD) {
      if (forwarded(sig)) kill(child, sig);
      continue;
    }
    /* Reap everything that has exited: the child and any orphan re-parented to us. */
    for (;;) {
      int status;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
}
