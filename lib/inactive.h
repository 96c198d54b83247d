/*
 * inactive.h - inactive cleanup with a notice period (Art. 5(1)(e) GDPR:
 * data of customers who stopped coming is not kept for ever).
 *
 * A customer is inactive since a cutoff when they have no appointment at
 * or after it AND became a customer before it: the booking system's
 * customer_since when imported, else the day the customer was created
 * here.  So a customer created within the period is never selected.
 *
 * The optional notice: pv_inactive_notice announces the deletion `days`
 * ahead to each inactive customer not noticed yet (a "customer.inactive-
 * notice" outbox event that notify mails to the customer, in the
 * location's language), recording when and for which day.  A notice
 * counts while it is newer than the customer's last appointment: a new
 * booking voids it, and a later inactivity gets a new one.  `customer
 * list --inactive-since D --notice-passed` then selects only those whose
 * announced day has come (in the location's time zone) without a new
 * booking; that list feeds dsar-erase.
 */
#ifndef PV_INACTIVE_H
#define PV_INACTIVE_H

#include <sqlite3.h>

#include "rec.h"
#include "util.h"

/* SQL over customers c with a column last_at (the latest appointment's
 * start) and ?N the cutoff: true when inactive since the cutoff. */
#define PV_INACTIVE_SQL(cut)                                               \
	"((last_at IS NULL OR last_at < " cut ") AND "                     \
	"coalesce(since, '') < " cut ")"
/* ... and the notice is current (newer than the last appointment). */
#define PV_NOTICED_SQL                                                     \
	"(notice_at IS NOT NULL AND notice_at > coalesce(last_at, ''))"

/*
 * Announce the deletion to every inactive customer (location_id 0: of
 * every location) without a current notice, in one transaction: the
 * customer's inactive_notice_at and inactive_erase_on (today + days in
 * the location's zone), an outbox event for the customer when they have
 * an e-mail address, an audit entry "customer.inactive-notice" (ids and
 * the date).  Writes {customer_id, location, erase_on, mailed} for each
 * (dry_run: the same, nothing changed).  *count gets their number.
 */
int pv_inactive_notice(sqlite3 *db, long long location_id,
		       const char *cutoff, int days, int dry_run,
		       struct pv_writer *w, long long *count,
		       struct pv_err *e);

#endif
