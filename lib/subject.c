#include <string.h>

#include "db.h"
#include "subject.h"

static int by_customer(sqlite3 *db, long long id, struct pv_subject *s,
		       const char *where, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_stmt(db, "SELECT location_id FROM "
					 "customers WHERE id = ?", e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->customer_id = id;
		s->location_id = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return PV_OK;
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "customers");
	return pv_fail(e, PV_NOINPUT, "%sno such customer: %lld", where, id);
}

static int by_request(sqlite3 *db, long long id, struct pv_subject *s,
		      const char *where, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_stmt(db, "SELECT customer_id FROM requests "
					 "WHERE id = ?", e);
	long long cid = 0;
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		cid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return pv_db_fail(db, e, "requests");
	if (rc == SQLITE_DONE)
		return pv_fail(e, PV_NOINPUT, "%sno such request: %lld", where,
			       id);
	if (!cid)
		return pv_fail(e, PV_NOINPUT, "%srequest %lld no longer points "
			       "at a customer (erased)", where, id);
	rc = by_customer(db, cid, s, where, e);
	s->request_id = id;
	return rc;
}

static int location_id(sqlite3 *db, const char *slug, long long *id,
		       const char *where, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_stmt(db, "SELECT id FROM locations WHERE "
					 "slug = ?", e);
	int rc;

	if (!st)
		return e->status;
	pv_bind_text(st, 1, slug);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return PV_OK;
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "locations");
	return pv_fail(e, PV_NOINPUT, "%sno such location: '%s'", where, slug);
}

static int by_external(sqlite3 *db, const char *xid, const char *slug,
		       struct pv_subject *s, const char *where,
		       struct pv_err *e)
{
	sqlite3_stmt *st;
	long long lid;
	int rc;

	if (!slug)
		return pv_fail(e, PV_DATAERR, "%sexternal_id: needs a location",
			       where);
	if ((rc = location_id(db, slug, &lid, where, e)))
		return rc;
	st = pv_db_stmt(db, "SELECT id FROM customers WHERE location_id = ? "
			   "AND external_id = ?", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, lid);
	pv_bind_text(st, 2, xid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->customer_id = sqlite3_column_int64(st, 0);
		s->location_id = lid;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return PV_OK;
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "customers");
	if (pv_verbose)
		return pv_fail(e, PV_NOINPUT, "%sno such customer: external id "
			       "'%s' at '%s'", where, xid, slug);
	return pv_fail(e, PV_NOINPUT, "%sno such customer with that external "
		       "id at '%s'", where, slug);
}

static int by_email(sqlite3 *db, const char *email, const char *slug,
		    struct pv_subject *s, const char *where, struct pv_err *e)
{
	sqlite3_stmt *st;
	long long lid = 0, n = 0;
	int rc;

	if (slug && (rc = location_id(db, slug, &lid, where, e)))
		return rc;
	st = pv_db_stmt(db, "SELECT id, location_id FROM customers WHERE "
			   "email = ?1 AND (?2 = 0 OR location_id = ?2) "
			   "ORDER BY id LIMIT 2", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, lid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0) {
			s->customer_id = sqlite3_column_int64(st, 0);
			s->location_id = sqlite3_column_int64(st, 1);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "customers");
	if (n > 1)
		return pv_fail(e, PV_DATAERR, "%semail: several customers have "
			       "this address; name the location", where);
	if (n == 1)
		return PV_OK;
	if (pv_verbose)
		return pv_fail(e, PV_NOINPUT, "%sno customer with e-mail '%s'",
			       where, email);
	return pv_fail(e, PV_NOINPUT, "%sno customer with that e-mail address",
		       where);
}

static int parse_id(const char *v, const char *field, long long *id,
		    const char *where, struct pv_err *e)
{
	if (pv_parse_ll(v, id) != 0 || *id <= 0)
		return pv_fail(e, PV_DATAERR, "%s%s: not a positive whole "
			       "number", where, field);
	return PV_OK;
}

int pv_subject_from_rec(sqlite3 *db, const struct pv_rec *r,
			struct pv_subject *s, struct pv_err *e)
{
	char where[512];
	const char *v;
	long long id;
	int rc;

	memset(s, 0, sizeof *s);
	snprintf(where, sizeof where, "%s:%ld: ", r->file ? r->file : "stdin",
		 r->line);
	if ((v = pv_rec_val(r, "request_id"))) {
		if ((rc = parse_id(v, "request_id", &id, where, e)))
			return rc;
		return by_request(db, id, s, where, e);
	}
	if ((v = pv_rec_val(r, "customer_id"))) {
		if ((rc = parse_id(v, "customer_id", &id, where, e)))
			return rc;
		return by_customer(db, id, s, where, e);
	}
	if ((v = pv_rec_val(r, "external_id")))
		return by_external(db, v, pv_rec_val(r, "location"), s, where,
				   e);
	if ((v = pv_rec_val(r, "email")))
		return by_email(db, v, pv_rec_val(r, "location"), s, where, e);
	return pv_fail(e, PV_DATAERR, "%sno subject: the record has none of "
		       "request_id, customer_id, external_id, email", where);
}

int pv_subject_given(const struct pv_subject_opts *o)
{
	return o->request || o->customer || o->email || o->external_id;
}

int pv_subject_from_opts(sqlite3 *db, const struct pv_subject_opts *o,
			 struct pv_subject *s, struct pv_err *e)
{
	int n = !!o->request + !!o->customer + !!o->email + !!o->external_id;
	long long id;
	int rc;

	memset(s, 0, sizeof *s);
	if (n != 1)
		return pv_fail(e, PV_USAGE, "name one subject: --request, "
			       "--customer, --email or --external-id");
	if (o->request) {
		if ((rc = parse_id(o->request, "--request", &id, "", e)))
			return e->status = PV_USAGE;
		return by_request(db, id, s, "", e);
	}
	if (o->customer) {
		if ((rc = parse_id(o->customer, "--customer", &id, "", e)))
			return e->status = PV_USAGE;
		return by_customer(db, id, s, "", e);
	}
	if (o->external_id) {
		if (!o->location)
			return pv_fail(e, PV_USAGE, "--external-id needs "
				       "--location");
		return by_external(db, o->external_id, o->location, s, "", e);
	}
	rc = by_email(db, o->email, o->location, s, "", e);
	if (rc == PV_DATAERR)
		return pv_fail(e, PV_USAGE, "several customers have this "
			       "e-mail address: add --location");
	return rc;
}

const char *const pv_subject_keys[] = {
	"request_id", "customer_id", "external_id", "email", NULL,
};
