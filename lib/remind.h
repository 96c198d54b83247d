/* remind.h - repeated findings about a request: sent again only when they
 * change or after an interval, and acknowledged or snoozed by staff. */
#ifndef PV_REMIND_H
#define PV_REMIND_H

#include <sqlite3.h>

#include "cfg.h"
#include "util.h"

/* A finding about a request (overdue, deadline near) is reported again by
 * `check --new` only after this many days, unless it changes: the config
 * key check.repeat_days (privacy-config(5)), by default this. */
#define PV_REMIND_DAYS 7

/* check.repeat_days (1 to 365; PV_REMIND_DAYS when not set) in *days.
 * PV_CONFIG "origin: check.repeat_days: reason" when it is not. */
int pv_remind_days(const struct pv_cfg *cfg, long *days, struct pv_err *e);

/*
 * 1 when `check --new` should leave out the finding event about request
 * id (status, due: its current state and day number of its deadline):
 * acknowledged for this state and deadline (and its passing: an
 * acknowledged near deadline is reported when it passes) until a day not
 * yet come, or
 * reported with the same event, state and deadline less than `days`
 * days ago.  0 when it is to be reported: then it is remembered as
 * reported today.  -1 on a database error (e set).
 */
int pv_remind_skip(sqlite3 *db, long long id, const char *event,
		   const char *status, long due, long days, struct pv_err *e);

/*
 * Acknowledge the findings about request id until the day until (-1: as
 * long as its state and deadline stay as they are), in the caller's
 * transaction.  The reason is kept with the acknowledgement, never in the
 * audit log.  PV_NOINPUT for no such request, PV_DATAERR for a closed one
 * or a day already past.
 */
int pv_remind_ack(sqlite3 *db, long long id, long until, const char *reason,
		  struct pv_err *e);

/* 1 when an acknowledgement (ack_key, ack_until: -1 for none) is in force
 * for a request in this state (status, due, passed), else 0: what
 * `request show` and `request list` report as "acknowledged". */
int pv_remind_acked(const char *ack_key, long ack_until, const char *status,
		    long due, int passed);

#endif
