#include <string.h>

#include "consent.h"
#include "customer.h"
#include "inactive.h"
#include "retention.h"
#include "db.h"
#include "tombstone.h"

static const char *const customer_cols[] = {
	"external_id", "first_name", "last_name", "email", "phone",
	"birth_date", "street", "postal_code", "city", "country", "notes",
	"legal_hold", "created_at", "updated_at", NULL,
};

static int write_children(sqlite3 *db, long long id, struct pv_writer *w,
			  struct pv_err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = pv_db_prepare(db, "SELECT external_id, starts_at, service, staff,"
			   " price_cents, notes FROM appointments WHERE "
			   "customer_id = ?1 ORDER BY starts_at, id", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	pv_w_arr(w, "appointments");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pv_w_obj(w, NULL);
		pv_w_str(w, "external_id", pv_col_text(st, 0));
		pv_w_str(w, "starts_at", pv_col_text(st, 1));
		pv_w_str(w, "service", pv_col_text(st, 2));
		pv_w_str(w, "staff", pv_col_text(st, 3));
		if (sqlite3_column_type(st, 4) == SQLITE_NULL)
			pv_w_null(w, "price_cents");
		else
			pv_w_int(w, "price_cents", sqlite3_column_int64(st, 4));
		pv_w_str(w, "notes", pv_col_text(st, 5));
		pv_w_close(w);
	}
	pv_w_close(w);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "appointments");

	st = pv_db_prepare(db, "SELECT number, issued_on, total_cents, "
			   "currency, billing_name, billing_address FROM "
			   "invoices WHERE customer_id = ?1 ORDER BY issued_on,"
			   " id", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	pv_w_arr(w, "invoices");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pv_w_obj(w, NULL);
		pv_w_str(w, "number", pv_col_text(st, 0));
		pv_w_str(w, "issued_on", pv_col_text(st, 1));
		pv_w_int(w, "total_cents", sqlite3_column_int64(st, 2));
		pv_w_str(w, "currency", pv_col_text(st, 3));
		pv_w_str(w, "billing_name", pv_col_text(st, 4));
		pv_w_str(w, "billing_address", pv_col_text(st, 5));
		pv_w_close(w);
	}
	pv_w_close(w);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "invoices");
	return PV_OK;
}

int pv_customer_write(sqlite3 *db, long long id, struct pv_writer *w,
		      struct pv_err *e)
{
	static const char sql[] =
		"SELECT l.slug, c.external_id, c.first_name, c.last_name,"
		" c.email, c.phone, c.birth_date, c.street, c.postal_code,"
		" c.city, c.country, c.notes, c.legal_hold, c.created_at,"
		" c.updated_at, "
		PV_CONSENT_STATE_SQL("'marketing-email'") ", "
		PV_CONSENT_STATE_SQL("'marketing-sms'")
		" FROM customers c JOIN locations l ON l.id = c.location_id"
		" WHERE c.id = ?1";
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return pv_db_fail(db, e, "customers");
		return pv_fail(e, PV_NOINPUT, "no such customer: %lld", id);
	}
	pv_w_begin(w);
	pv_w_int(w, "customer_id", id);
	pv_w_str(w, "location", pv_col_text(st, 0));
	for (int i = 0; customer_cols[i]; i++)
		pv_w_strn(w, customer_cols[i], pv_col_text(st, i + 1),
			  (size_t)sqlite3_column_bytes(st, i + 1));
	pv_w_obj(w, "consent");
	pv_w_str(w, "marketing-email", pv_col_text(st, 15));
	pv_w_str(w, "marketing-sms", pv_col_text(st, 16));
	pv_w_close(w);
	sqlite3_finalize(st);
	rc = write_children(db, id, w, e);
	pv_w_end(w);
	return rc;
}

static const char *const marketing_filters[] = {
	"valid", "invalid", "needs-repermission", "unproven", "none", NULL,
};

int pv_customer_marketing_filter_valid(const char *s)
{
	return pv_consent_word(marketing_filters, s);
}

/* The same number, whichever way it was written (tombstone.h). */
static int same_phone(const char *a, const char *b)
{
	struct pv_buf x = {0}, y = {0};
	int same = b && pv_phone_e164(a, &x) == 0 &&
		   pv_phone_e164(b, &y) == 0 && strcmp(x.s, y.s) == 0;

	pv_buf_free(&x);
	pv_buf_free(&y);
	return same;
}

int pv_customer_list(sqlite3 *db, const struct pv_customer_filter *f,
		     struct pv_writer *w, long long *count, struct pv_err *e)
{
	static const char sql[] =
		"SELECT * FROM (SELECT c.id, l.slug, c.external_id,"
		" c.first_name, c.last_name, c.email, "
		PV_CONSENT_STATE_SQL("'marketing-email'") " AS se, "
		PV_CONSENT_STATE_SQL("'marketing-sms'") " AS ss,"
		" (SELECT max(a.starts_at) FROM appointments a"
		"  WHERE a.customer_id = c.id) AS last_at,"
		" coalesce(c.customer_since, c.created_at) AS since,"
		" c.inactive_notice_at AS notice_at,"
		" c.inactive_erase_on AS erase_on, l.timezone AS tz, c.phone"
		" FROM customers c JOIN locations l ON l.id = c.location_id"
		" WHERE (?1 = 0 OR c.location_id = ?1)"
		" AND (?2 IS NULL OR c.email = ?2)"
		" AND (?6 IS NULL OR instr(lower(coalesce(c.first_name, '') ||"
		"  ' ' || coalesce(c.last_name, '')), lower(?6)) > 0)"
		" AND (?7 = 0 OR c.phone IS NOT NULL)"
		" AND (?8 IS NULL OR c.external_id = ?8))"
		" WHERE (?3 IS NULL"
		"  OR (?3 = 'valid' AND 'valid' IN (se, ss))"
		"  OR (?3 = 'needs-repermission' AND"
		"   'needs-repermission' IN (se, ss))"
		"  OR (?3 = 'unproven' AND 'unproven' IN (se, ss))"
		"  OR (?3 = 'invalid' AND (se IN ('needs-repermission',"
		"   'unproven') OR ss IN ('needs-repermission', 'unproven')))"
		"  OR (?3 = 'none' AND se = 'none' AND ss = 'none'))"
		" AND (?4 IS NULL OR " PV_INACTIVE_SQL("?4") ")"
		" AND (?5 = 0 OR (" PV_NOTICED_SQL
		"  AND erase_on <= pv_today(tz)))"
		" ORDER BY id";
	sqlite3_stmt *st;
	int rc;

	if ((rc = pv_ret_sql_functions(db, e)))
		return rc;
	if (!(st = pv_db_prepare(db, sql, e)))
		return e->status;
	*count = 0;
	sqlite3_bind_int64(st, 1, f->location_id);
	pv_bind_text(st, 2, f->email);
	pv_bind_text(st, 3, f->marketing);
	pv_bind_text(st, 4, f->inactive_before);
	sqlite3_bind_int(st, 5, f->notice_passed);
	pv_bind_text(st, 6, f->name);
	sqlite3_bind_int(st, 7, f->phone != NULL);
	pv_bind_text(st, 8, f->external_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (f->phone && !same_phone(f->phone, pv_col_text(st, 13)))
			continue;
		pv_w_begin(w);
		pv_w_int(w, "customer_id", sqlite3_column_int64(st, 0));
		pv_w_str(w, "location", pv_col_text(st, 1));
		pv_w_str(w, "external_id", pv_col_text(st, 2));
		pv_w_str(w, "first_name", pv_col_text(st, 3));
		pv_w_str(w, "last_name", pv_col_text(st, 4));
		pv_w_str(w, "email", pv_col_text(st, 5));
		pv_w_str(w, "phone", pv_col_text(st, 13));
		pv_w_str(w, "marketing_email", pv_col_text(st, 6));
		pv_w_str(w, "marketing_sms", pv_col_text(st, 7));
		pv_w_str(w, "last_appointment_at", pv_col_text(st, 8));
		pv_w_end(w);
		if (++(*count) == f->limit)
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return pv_db_fail(db, e, "customers");
	return PV_OK;
}
