#include "consent.h"
#include "db.h"

int pv_marketing_blockers(sqlite3 *db, long long location_id,
			  long long *count, struct pv_buf *ids,
			  struct pv_err *e)
{
	static const char sql[] =
		"WITH latest AS (SELECT k.*, row_number() OVER ("
		"  PARTITION BY k.customer_id, k.purpose"
		"  ORDER BY k.at DESC, k.id DESC) AS rn"
		"  FROM consents k JOIN customers c ON c.id = k.customer_id"
		"  WHERE c.location_id = ?1)"
		" SELECT DISTINCT k.customer_id FROM latest k WHERE k.rn = 1"
		" AND k.event = 'granted' AND NOT " PV_CONSENT_PROVEN_SQL
		" ORDER BY k.customer_id";
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	*count = 0;
	sqlite3_bind_int64(st, 1, location_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ids)
			pv_buf_addf(ids, "%s%lld", *count ? "," : "",
				    (long long)sqlite3_column_int64(st, 0));
		(*count)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "consents");
	return PV_OK;
}
