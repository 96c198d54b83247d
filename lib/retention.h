/*
 * retention.h - the retention policy, legal holds and restricted storage.
 *
 * The policy says, per kind of data, what an erasure does with it:
 * "delete", "anonymise" (keep the row for statistics, drop every personal
 * field and the link to the person) or "retain" (move the row to the
 * restricted table `retained` for `years` counted from the end of the
 * calendar year of the record's date, keeping `fields`, with the legal
 * `basis` as text).  It comes from the config key `retention:`; a table
 * the config does not name keeps the shipped German default:
 *
 *   customers, appointments: delete
 *   invoices: retain 8 years, basis "§ 147 Abs. 3 AO, § 14b UStG",
 *             every field
 *   consents: retain 3 years, basis "§§ 195, 199 BGB", every field: the
 *             whole ledger (grants, withdrawals, evidence), counted from
 *             the end of the year of its LAST event, so that the business
 *             can prove a consent, and its withdrawal, until claims about
 *             them are time-barred
 *
 * Retained rows are restricted (Art. 18 GDPR, § 35 Abs. 3 BDSG): no
 * customer listing, marketing run or export to third parties reads the
 * `retained` table; only `privacyctl retention list` and a purge do.
 */
#ifndef PV_RETENTION_H
#define PV_RETENTION_H

#include <sqlite3.h>

#include "cfg.h"
#include "rec.h"
#include "util.h"

enum pv_ret_action { PV_RET_DELETE, PV_RET_ANONYMISE, PV_RET_RETAIN };

/* What the code knows about a table a rule may name. */
struct pv_ret_table {
	const char *name;        /* "invoices" */
	const char *date_col;    /* the record's date: "issued_on" */
	const char *key_col;     /* what identifies it to people: "number" */
	const char *const *fields;   /* every column a rule may keep */
	const char *const *personal; /* cleared by anonymise */
	unsigned actions;        /* allowed: 1 << enum pv_ret_action */
	const char *loc_col;     /* its location, when not "location_id" */
};

struct pv_ret_rule {
	const struct pv_ret_table *table;
	enum pv_ret_action action;
	int years;            /* retain */
	char *basis;          /* retain */
	const char **fields;  /* retain: NULL-terminated, from table->fields */
	/* Storage limitation for the living (Art. 5(1)(e) GDPR): records
	 * of customers who stay are deleted (or, with active_clear, lose
	 * those personal fields) active_years after the end of their year;
	 * 0: kept while the customer is.  Appointments and invoices only. */
	int active_years;
	const char **active_clear; /* NULL-terminated, from table->personal */
};

/* The tables in the order an erasure handles them (customers last). */
struct pv_policy {
	int n;
	struct pv_ret_rule rule[8];
};

/*
 * Build the policy from the config (the default for every table it does
 * not name).  PV_CONFIG with "file:line: retention.KEY: reason" for an
 * unknown table, field, key or action, a missing or bad years or basis,
 * or an action the table does not allow (customers can only be deleted;
 * consents cannot be anonymised: a consent is about its person).
 */
int pv_policy_load(const struct pv_cfg *c, struct pv_policy **out,
		   struct pv_err *e);
void pv_policy_free(struct pv_policy *p);
const char *pv_ret_action_name(enum pv_ret_action a);

/*
 * The retention statement of the Art. 15 information, derived from the
 * policy so that what the export promises is what an erasure does: one
 * line per table, in German (de) or English, passed to fn.
 */
void pv_policy_statement(const struct pv_policy *p, int de,
			 void (*fn)(void *arg, const char *line), void *arg);

/*
 * The end of retention for a record dated `date` (YYYY-MM-DD or an RFC
 * 3339 time): 31 December of the record's year plus `years`.
 * 2024-03-10 + 8 -> "2032-12-31".  The year of a time is the one in the
 * location's zone tz (NULL: UTC): 2024-12-31T23:30:00Z is 2025 in
 * Europe/Berlin.  -1 when the date is malformed.
 */
int pv_ret_until(const char *date, int years, const char *tz, char out[11]);
/* Today (pv_now) as YYYY-MM-DD in the zone tz (NULL: UTC). */
void pv_ret_today(const char *tz, char out[11]);
/* Register the SQL functions pv_until(date, years, tz) and pv_today(tz)
 * on the connection (their rules as above). */
int pv_ret_sql_functions(sqlite3 *db, struct pv_err *e);

/*
 * Write the restricted records as {id, location, kind, record_key,
 * record_date, retain_until, basis, request_id, created_at, data}; with
 * expired_only only those whose period ended before today (pv_now, in
 * the location's time zone).
 */
int pv_retained_write(sqlite3 *db, int expired_only, struct pv_writer *w,
		      struct pv_err *e);

/*
 * Delete the restricted records whose period ended before today (in the
 * location's time zone), and the live records of customers who stay
 * whose active period ended (deleted, or their active_clear fields
 * cleared; status "deleted" or "cleared"), held records excepted, in one
 * transaction with one audit entry ("retention.purge", counts by kind),
 * writing {id, location, kind, record_key, retain_until, status} for each
 * ("purged", or "expired" with dry_run, which changes nothing); a purged
 * restricted record also has "events": the "retention.purged" event that
 * tells its location's business of the run's purge, one per location
 * that has a notify-email or notify-webhook, with the list of records (kind, record_key, record_date, retain_until,
 * basis), queued in the same transaction.  *count
 * receives the number of records.  The caller checkpoints the WAL.
 */
int pv_retained_purge(sqlite3 *db, const struct pv_policy *p, int dry_run,
		      struct pv_writer *w, long long *count, struct pv_err *e);

/*
 * Hold a record past the end of its retention (a running tax audit), or
 * release it (reason NULL): kind "invoices" (key: the number) or
 * "appointments" (key: the external id), of location_id; the live record
 * and any retained copy of it.  A held record is not purged.  Audited
 * ("retention.hold", "retention.release"; kind and key, no reason).
 * PV_NOINPUT when no such record; PV_USAGE for an unknown kind or an
 * empty reason.  *changed is 0 when it already was in that state.
 */
int pv_retention_hold(sqlite3 *db, const char *kind, long long location_id,
		      const char *key, const char *reason, int dry_run,
		      int *changed, struct pv_err *e);

/*
 * Live records whose active period ended (not held): their number and
 * the oldest end, for check; location_id 0: all.
 */
int pv_retention_active_expired(sqlite3 *db, const struct pv_policy *p,
				long long location_id, long long *count,
				char oldest[11], struct pv_err *e);

/* The rule of table when it has an active period, else NULL. */
const struct pv_ret_rule *pv_ret_active_rule(const struct pv_policy *p,
					     const char *table);

/*
 * Put a customer under legal hold (Art. 17(3)(e): an erasure is refused
 * with the reason) or lift it (reason NULL).  Audited ("customer.hold",
 * "customer.unhold"; the reason is not logged, it may name people).
 * PV_NOINPUT for an unknown customer, PV_USAGE for an empty reason.
 * *changed is 0 when the customer already was in that state.
 */
int pv_customer_hold(sqlite3 *db, long long customer_id, const char *reason,
		     int dry_run, int *changed, struct pv_err *e);

#endif
