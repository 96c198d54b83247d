/* inactive.c - the notice before an inactive customer's erasure (see
 * inactive.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "db.h"
#include "inactive.h"
#include "json.h"
#include "outbox.h"

int pv_inactive_notice(sqlite3 *db, long long location_id,
		       const char *cutoff, int days, int dry_run,
		       struct pv_writer *w, long long *count,
		       struct pv_err *e)
{
	static const char sql[] =
		"SELECT * FROM (SELECT c.id, l.id AS loc, l.slug, l.timezone,"
		" c.email IS NOT NULL AND c.email <> '' AS mail,"
		" coalesce(c.customer_since, c.created_at) AS since,"
		" c.inactive_notice_at AS notice_at,"
		" (SELECT max(a.starts_at) FROM appointments a"
		"  WHERE a.customer_id = c.id) AS last_at"
		" FROM customers c JOIN locations l ON l.id = c.location_id"
		" WHERE (?1 = 0 OR c.location_id = ?1)"
		" AND c.legal_hold IS NULL)"
		" WHERE " PV_INACTIVE_SQL("?2") " AND NOT " PV_NOTICED_SQL
		" ORDER BY id";
	sqlite3_stmt *sel = NULL, *upd = NULL;
	char now[PV_TIME_LEN], on[PV_TIME_LEN], obj[48];
	time_t t = pv_now();
	int st = PV_OK, rc;

	*count = 0;
	pv_time_fmt(t, now);
	if (!dry_run && (st = pv_db_begin(db, e)))
		return st;
	sel = pv_db_prepare(db, sql, e);
	if (sel && !dry_run)
		upd = pv_db_prepare(db, "UPDATE customers SET "
				    "inactive_notice_at = ?2, "
				    "inactive_erase_on = ?3 WHERE id = ?1", e);
	if (!sel || (!dry_run && !upd)) {
		st = e->status;
		goto out;
	}
	sqlite3_bind_int64(sel, 1, location_id);
	pv_bind_text(sel, 2, cutoff);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(sel, 0);
		long long loc = sqlite3_column_int64(sel, 1);
		const char *slug = pv_col_text(sel, 2);
		int mail = sqlite3_column_int(sel, 4);
		char *fields;

		pv_date_fmt(pv_cal_local_date(t, pv_col_text(sel, 3)) + days,
			    on);
		pv_w_begin(w);
		pv_w_int(w, "customer_id", id);
		pv_w_str(w, "location", slug);
		pv_w_str(w, "erase_on", on);
		pv_w_bool(w, "mailed", mail);
		pv_w_end(w);
		(*count)++;
		if (dry_run)
			continue;
		sqlite3_bind_int64(upd, 1, id);
		pv_bind_text(upd, 2, now);
		pv_bind_text(upd, 3, on);
		rc = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (rc != SQLITE_DONE) {
			st = pv_db_fail(db, e, "customers");
			goto out;
		}
		fields = pv_jsonf("{s:s}", "erase_on", on);
		if (mail)
			st = pv_event_add(db, "customer.inactive-notice", loc, id,
					  0, "customer", fields, NULL, e);
		snprintf(obj, sizeof obj, "customer:%lld", id);
		if (!st)
			st = pv_audit(db, "customer.inactive-notice", obj,
				      fields, e);
		free(fields);
		if (st)
			goto out;
	}
	if (rc != SQLITE_DONE)
		st = pv_db_fail(db, e, "customers");
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	if (dry_run)
		return st;
	if (st) {
		pv_db_rollback(db);
		return st;
	}
	return pv_db_commit(db, e);
}
