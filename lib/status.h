/*
 * status.h - the overview a business owner opens on Monday: per location
 * the open requests by due date, the notifications waiting or failed, the
 * consent health, the marketing switch, retained records expiring, and the
 * audit chain (verified now).  Read only.
 */
#ifndef PV_STATUS_H
#define PV_STATUS_H

#include <sqlite3.h>

#include "clock.h"
#include "rec.h"
#include "util.h"

struct pv_status_loc {
	char slug[64];
	char *name;
	char marketing[4], requests[16];
	long open, overdue, due_week, waiting_code;
	long long notify_waiting, notify_failed;
	long long unproven, repermission, double_opt_in;
	long long expiring, expired; /* retained: within 30 days, past */
};

struct pv_status_report {
	char at[PV_TIME_LEN];
	struct pv_status_loc *loc;
	size_t n;
	int audit_intact;
	long long audit_entries, audit_bad;
};

/* The customers of a location with an unproven active opt-in: granted
 * before 25 May 2018 (a re-permission campaign fixes them) and after it
 * (a double opt-in campaign). */
int pv_unproven_split(sqlite3 *db, long long location_id,
		      long long *repermission, long long *double_opt_in,
		      struct pv_err *e);

/* Every location, or the one named by slug (PV_NOINPUT when unknown). */
int pv_status_collect(sqlite3 *db, const char *slug, struct pv_status_report *s,
		      struct pv_err *e);
/* One record per location (record type "status", privacy-records(5)). */
void pv_status_write(const struct pv_status_report *s, struct pv_writer *w);
/* One self-contained HTML page: no script, no external resource, every
 * value escaped; fit to be opened or mailed. */
void pv_status_html(const struct pv_status_report *s, struct pv_buf *out);
/* The number of things that need someone (overdue requests, failed
 * notifications, unproven consents under marketing on, expired records,
 * a broken audit chain). */
long pv_status_findings(const struct pv_status_report *s);
void pv_status_free(struct pv_status_report *s);

#endif
