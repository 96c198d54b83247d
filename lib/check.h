/*
 * check.h - the compliance check: what a business must act on.
 *
 * Each finding is a record with "event", "at" (now), "location" and the
 * ids it concerns, so that `privacyctl check | notify` mails it to the
 * location's notification address:
 *   request.overdue              an open request past its deadline
 *   request.deadline-near        an open request due within 7 days
 *   marketing.unproven-consent   marketing on while opt-ins lack proof
 *   settings.notify-email-missing self-service without notify-email
 *   outbox.undelivered           events undelivered for more than a day
 *   retention.expired            retained records past their end
 *   retention.active-expired     records of customers who stay, past
 *                                their active period (retention.h)
 *   security.insecure-permissions the database or a secret file is
 *                                readable or writable by group or others
 *   audit.chain-broken           the audit log's hash chain is broken
 *   erasure.restored-customers   live customers whose erasure is in the
 *                                tombstone log (a restored backup)
 *   erasure.tombstones-missing   tombstones of the log the database lacks
 * Findings that concern the whole installation (files, audit log) are
 * reported once per location checked, since each location's address
 * must hear of them.  No personal data: ids, slugs, counts, paths.
 */
#ifndef PV_CHECK_H
#define PV_CHECK_H

#include <sqlite3.h>

#include "cfg.h"
#include "rec.h"
#include "util.h"

/* slug NULL: every location.  *findings gets the number of records
 * written.  fresh: the findings about a request only when new, changed,
 * last reported check.repeat_days ago and not acknowledged (remind.h); what
 * is reported is remembered (db read-write, in a transaction). */
int pv_check(sqlite3 *db, const struct pv_cfg *cfg, const char *db_path,
	     const char *slug, int fresh, struct pv_writer *w,
	     long *findings, struct pv_err *e);

#endif
