#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pv_progress_start(struct pv_progress *p, const char *what,
		       long long total)
{
	p->what = what;
	p->done = 0;
	p->total = total;
	p->on = !pv_quiet && isatty(2);
	p->last = p->on ? mono() : 0;
}

void pv_progress_add(struct pv_progress *p, long long n)
{
	double now;

	p->done += n;
	/* Only at a terminal; the clock then costs nothing beside a
	 * record's work, and a slow stream (mail) shows too. */
	if (!p->on)
		return;
	now = mono();
	if (now - p->last < 0.2)
		return;
	p->last = now;
	if (p->total > 0)
		fprintf(stderr, "\r%s: %lld/%lld %s (%lld%%)", pv_progname,
			p->done, p->total, p->what, p->done * 100 / p->total);
	else
		fprintf(stderr, "\r%s: %lld %s", pv_progname, p->done, p->what);
}

void pv_progress_end(struct pv_progress *p)
{
	if (p->on)
		fprintf(stderr, "\r\033[K");
	p->on = 0;
}

int pv_confirm_tty(const char *question)
{
	FILE *t = fopen("/dev/tty", "r+");
	char line[64];
	int yes = 0;

	if (!t)
		return 0;
	fprintf(t, "%s: %s? [y/N] ", pv_progname, question);
	fflush(t);
	if (fgets(line, sizeof line, t)) {
		line[strcspn(line, "\r\n")] = '\0';
		yes = strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 ||
		      strcmp(line, "yes") == 0;
	}
	fclose(t);
	return yes;
}
