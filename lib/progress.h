/*
 * progress.h - a progress line on stderr for long work, only when stderr
 * is a terminal and -q was not given: first after 0.2 s, then at most
 * five updates a second.  dsar-erase, dsar-export, notify, consent-send
 * and the imports use it (privacy(7)).
 */
#ifndef PV_PROGRESS_H
#define PV_PROGRESS_H

struct pv_progress {
	const char *what; /* "customers imported" */
	long long done;
	long long total;  /* 0 when unknown */
	int on;
	double last;
};

void pv_progress_start(struct pv_progress *p, const char *what,
		       long long total);
/* Count n more; redraws when due. Cheap enough to call per record. */
void pv_progress_add(struct pv_progress *p, long long n);
/* Clear the line. */
void pv_progress_end(struct pv_progress *p);

/* Ask a yes/no question on /dev/tty (the person at the terminal, also when
 * standard input is a pipe): "prog: QUESTION? [y/N] ".  1 for "y" or
 * "yes"; 0 for anything else, no answer, or no terminal. */
int pv_confirm_tty(const char *question);

#endif
