/*
 * killer.c - run a command and SIGKILL it after a delay, for tests/crash.t.
 *
 *   killer USEC COMMAND [ARG...]
 *
 * Starts COMMAND, waits up to USEC microseconds for it to finish, then
 * kills it with SIGKILL.  Prints "killed" or "exited STATUS" and exits 0;
 * exits 2 when the command cannot be started.  A command that finishes
 * early is not waited for any longer (SIGCHLD ends the wait).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	sigset_t chld;
	long usec;
	pid_t pid;
	int st;

	if (argc < 3) {
		fprintf(stderr, "usage: killer USEC COMMAND [ARG...]\n");
		return 2;
	}
	usec = strtol(argv[1], NULL, 10);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	pid = fork();
	if (pid < 0) {
		perror("killer: fork");
		return 2;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		execvp(argv[2], argv + 2);
		perror("killer: exec");
		_exit(127);
	}
	ts.tv_sec = usec / 1000000;
	ts.tv_nsec = (usec % 1000000) * 1000;
	/* the only child: a SIGCHLD means it has ended */
	while (sigtimedwait(&chld, NULL, &ts) < 0 && errno == EINTR)
		;
	kill(pid, SIGKILL); /* harmless when it has exited: not yet reaped */
	if (waitpid(pid, &st, 0) < 0) {
		perror("killer: waitpid");
		return 2;
	}
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		printf("killed\n");
	else
		printf("exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	return 0;
}
