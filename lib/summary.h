/*
 * summary.h - the summary record that ends a stream (privacy-records(5)):
 *
 *   {"summary":{"program":"dsar-erase","dry_run":false,"records":7,
 *               "erased":6,"failed":1,...}}
 *
 * One record, the last, with the counts of the run: how many input
 * records were read and what became of them, in the words of the
 * records' own "status" values.  Tools that read records pass over it
 * silently (pv_input_next never returns it), so `dsar-erase | notify`
 * and `... | dsar-erase | notify` go on working.  It is written in NDJSON
 * and JSON; CSV and a table on a terminal have no place for it, so there
 * it is one line on standard error instead.  -q leaves it out, and so
 * does a run that had nothing to do (all counts 0): a cron line with
 * nothing new says nothing.
 */
#ifndef PV_SUMMARY_H
#define PV_SUMMARY_H

#include "rec.h"

enum { PV_SUMMARY_MAX = 24 };

struct pv_summary {
	int dry_run;
	size_t n;
	struct {
		char group[16]; /* "" for a count at the top, else the name of
				 * the object it is in ("deleted") */
		char key[40];
		long long v;
	} c[PV_SUMMARY_MAX];
};

/* Start empty; dry_run is written as such. */
void pv_summary_init(struct pv_summary *s, int dry_run);
/* Add n to the count key (group NULL: at the top; else inside the object
 * named group).  A key is written in the order of its first add, so add
 * 0 to the ones that must always be there.  Past PV_SUMMARY_MAX keys a
 * new key is dropped (a summary, not a report). */
void pv_summary_add(struct pv_summary *s, const char *group, const char *key,
		    long long n);
/* The count of key at the top, 0 when never added. */
long long pv_summary_get(const struct pv_summary *s, const char *key);
/* Write the record to w (NDJSON, JSON), or the line to stderr (CSV, a
 * table); nothing with -q or when every count is 0. */
void pv_summary_write(struct pv_writer *w, const struct pv_summary *s);
/* Is r a summary record?  (Its only field is "summary", an object.) */
int pv_rec_is_summary(const struct pv_rec *r);

#endif
