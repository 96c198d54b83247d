/*
 * import.h - customers, appointments, invoices and consent events from the
 * booking system (CSV with a header, NDJSON or a JSON array).
 *
 * Rows are upserted by (location, external id) (invoices by number,
 * consent events by customer, purpose, event and time): a row equal to
 * what is stored is counted as unchanged and not written, so a re-import
 * changes nothing.  Every row is validated field by field: unknown
 * column, missing required field, strict dates and times, e-mail address,
 * numbers, known words, unknown customer reference, duplicate key within
 * the input.  All input is one transaction: by default any bad row means
 * nothing is imported (PV_DATAERR); with skip_invalid the good rows are
 * imported and the status is PV_PARTIAL.
 *
 * Dates may also come as DD.MM.YYYY, D.M.YY or in date_fmt; times as
 * local "DD.MM.YYYY HH:MM" (or ISO without an offset), which are taken in
 * the row's location's time zone (lib/dialect.h).  A CSV file's unknown
 * and missing columns are reported once, at its header line, with a hint
 * when the header looks like another separator's; a missing location is
 * reported once per file.
 *
 * A customer row whose location and external id match a tombstone is
 * not re-created; one whose e-mail address alone matches is the same
 * person with a new record: imported as a new customer (a notice, an
 * audit entry "customer.returning", counted as returning).  And
 * the appointment, invoice and consent rows of an erased customer (a
 * tombstone of location and customer_external_id) are not written:
 * reported as notices (PV_PARTIAL) and counted as skipped, status PV_OK,
 * so that a nightly sync of the full export succeeds.  Marketing columns of a
 * customer row (marketing_email yes/no, marketing_opt_in_at,
 * marketing_source) become consent ledger events; an import never turns a
 * withdrawn consent back on (reported, counted as kept_withdrawn).
 */
#ifndef PV_IMPORT_H
#define PV_IMPORT_H

#include <sqlite3.h>

#include "rec.h"
#include "retention.h"
#include "util.h"

enum pv_import_kind {
	PV_IMPORT_CUSTOMERS,
	PV_IMPORT_APPOINTMENTS,
	PV_IMPORT_INVOICES,
	PV_IMPORT_CONSENTS,
};
const char *pv_import_kind_name(enum pv_import_kind k); /* "customers" */
/* Is name a column of the kind's import? */
int pv_import_field_known(enum pv_import_kind k, const char *name);
struct pv_map_kind;

struct pv_import_opts {
	const char *location; /* --location, or NULL */
	const char *db_path;  /* for the tombstone key beside it */
	int skip_invalid;
	int dry_run;          /* validate and count, then roll back */
	const char *date_fmt; /* strptime(3) format of dates and local times
			       * that are neither ISO nor German, or NULL */
	struct pv_map_kind *map; /* lib/mapping.h: the export's columns onto
				  * ours, custom attributes; or NULL */
	/* the retention policy: appointments and invoices whose active
	 * period ended (retention.h) are not inserted again (counted as
	 * expired), and the fields it clears stay cleared; NULL: none */
	const struct pv_policy *policy;
};

struct pv_import_stats {
	long long rows, inserted, updated, unchanged, rejected, skipped;
	long long consents_granted, consents_withdrawn, kept_withdrawn;
	long long returning; /* new customers whose e-mail was erased */
	long long expired;   /* rows past their active period, not stored */
};

/* Called for every bad row (e->status PV_DATAERR: rejected) and every
 * notice (PV_PARTIAL: skipped or kept withdrawn), with a message
 * "file:line: field: reason" free of personal data. */
typedef void (*pv_import_report_fn)(void *arg, const struct pv_err *e);

/*
 * Import all records of in.  Returns PV_OK (also when rows were skipped
 * as erased), PV_PARTIAL (rows rejected with skip_invalid), PV_DATAERR (bad rows: nothing imported),
 * or a hard error (I/O, database) with e set and nothing imported.  The
 * summary is audited ("<kind>.import", counts only) in the same
 * transaction.
 */
int pv_import(sqlite3 *db, enum pv_import_kind kind, struct pv_input *in,
	      const struct pv_import_opts *o, pv_import_report_fn report,
	      void *arg, struct pv_import_stats *s, struct pv_err *e);

/* The summary as one record. */
void pv_import_write_stats(struct pv_writer *w, enum pv_import_kind kind,
			   const struct pv_import_stats *s, int dry_run);

#endif
