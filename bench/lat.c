/*
 * lat.c - latency of one process per subject, process start included.
 *
 *	bench/lat IDFILE PROG ARG... ('{}' in an ARG is replaced by the id)
 *
 * For each line of IDFILE runs PROG once (posix_spawnp, stdout to
 * /dev/null, stdin from /dev/null) and measures the wall-clock time from
 * the spawn to its exit.  Prints "n p50_ms p99_ms max_ms failures" on one
 * line.  A driver in C rather than a shell loop, so that the figure is the
 * tool's own and not the shell's fork overhead.  Exit 1 when any run did
 * not exit 0.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* nearest-rank percentile of sorted v[n] */
static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

int main(int argc, char **argv)
{
	FILE *f;
	char line[256];
	double *t = NULL;
	size_t n = 0, cap = 0, fails = 0;
	int i, nargs;
	char **av;
	posix_spawn_file_actions_t fa;

	if (argc < 3) {
		fputs("usage: lat IDFILE PROG [ARG...]\n", stderr);
		return 64;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "lat: cannot read '%s': %s\n", argv[1],
			strerror(errno));
		return 66;
	}
	nargs = argc - 2;
	av = calloc((size_t)nargs + 1, sizeof *av);
	if (!av)
		return 70;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	while (fgets(line, sizeof line, f)) {
		char bufs[8][300];
		int nb = 0;
		pid_t pid;
		int ws;
		double t0;

		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		for (i = 0; i < nargs; i++) {
			char *p = strstr(argv[i + 2], "{}");

			if (p && nb < 8) {
				snprintf(bufs[nb], sizeof bufs[nb], "%.*s%s%s",
					 (int)(p - argv[i + 2]), argv[i + 2],
					 line, p + 2);
				av[i] = bufs[nb++];
			} else {
				av[i] = argv[i + 2];
			}
		}
		t0 = now_ms();
		if (posix_spawnp(&pid, av[0], &fa, NULL, av, environ)) {
			fprintf(stderr, "lat: cannot run '%s'\n", av[0]);
			return 69;
		}
		if (waitpid(pid, &ws, 0) < 0)
			return 70;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			t = realloc(t, cap * sizeof *t);
			if (!t)
				return 70;
		}
		t[n++] = now_ms() - t0;
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			fails++;
	}
	fclose(f);
	if (!n) {
		fputs("lat: no ids\n", stderr);
		return 65;
	}
	qsort(t, n, sizeof *t, cmp);
	printf("%zu %.3f %.3f %.3f %zu\n", n, pct(t, n, 50), pct(t, n, 99),
	       t[n - 1], fails);
	free(t);
	free(av);
	posix_spawn_file_actions_destroy(&fa);
	return fails ? 1 : 0;
}
