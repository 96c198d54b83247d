#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "outbox.h"
#include "rec.h"

int pv_event_add(sqlite3 *db, const char *type, long long location_id,
		 long long customer_id, long long request_id,
		 const char *audience, const char *fields_json, long long *id,
		 struct pv_err *e)
{
	return pv_event_add_run(db, type, location_id, customer_id,
				request_id, audience, fields_json, NULL, id,
				e);
}

/* The row, with an empty payload; its id in *eid. */
static int insert_event(sqlite3 *db, const char *type, const char *at,
			long long location_id, long long customer_id,
			long long request_id, const char *audience,
			long long *eid, struct pv_err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = pv_db_stmt(db, "INSERT INTO events (type, at, location_id, "
			   "customer_id, request_id, audience, payload) "
			   "VALUES (?, ?, ?, ?, ?, ?, '{}')", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, type);
	pv_bind_text(st, 2, at);
	if (location_id)
		sqlite3_bind_int64(st, 3, location_id);
	if (customer_id)
		sqlite3_bind_int64(st, 4, customer_id);
	if (request_id)
		sqlite3_bind_int64(st, 5, request_id);
	pv_bind_text(st, 6, audience);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "outbox");
	*eid = sqlite3_last_insert_rowid(db);
	return PV_OK;
}

/* The payload into the row (and the run's key). */
static int set_payload(sqlite3 *db, long long eid, const char *payload,
		       long long *run, struct pv_err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = pv_db_stmt(db, "UPDATE events SET payload = ?, run = ? WHERE "
			   "id = ?", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, payload);
	if (run) {
		if (!*run)
			*run = eid;
		sqlite3_bind_int64(st, 2, *run);
	} else {
		sqlite3_bind_null(st, 2);
	}
	sqlite3_bind_int64(st, 3, eid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "outbox");
	return PV_OK;
}

/* The location's slug, or NULL (a cached statement's text: use it before
 * the next call). */
static const char *location_slug(sqlite3 *db, long long location_id,
				 sqlite3_stmt **stp, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_stmt(db, "SELECT slug FROM locations WHERE "
				      "id = ?", e);

	*stp = st;
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, location_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		return pv_col_text(st, 0);
	return NULL;
}

int pv_event_add_own(sqlite3 *db, const char *type, long long location_id,
		     long long customer_id, long long request_id,
		     const char *audience, const char *fields_json,
		     long long *run, long long *id, struct pv_err *e)
{
	char at[PV_TIME_LEN];
	struct pv_buf b = {0};
	long long eid = 0;
	int rc;

	pv_time_fmt(pv_now(), at);
	if ((rc = insert_event(db, type, at, location_id, customer_id,
			       request_id, audience, &eid, e)))
		return rc;
	/* the keys in pv_event_add_run's order */
	pv_buf_addf(&b, "{\"id\":%lld,\"event\":", eid);
	pv_json_quote(&b, type, strlen(type));
	pv_buf_adds(&b, ",\"at\":");
	pv_json_quote(&b, at, strlen(at));
	if (location_id) {
		sqlite3_stmt *st;
		const char *slug = location_slug(db, location_id, &st, e);

		if (!st) {
			pv_buf_free(&b);
			return e->status;
		}
		if (slug) {
			pv_buf_adds(&b, ",\"location\":");
			pv_json_quote(&b, slug, strlen(slug));
		}
		sqlite3_reset(st);
	}
	if (customer_id)
		pv_buf_addf(&b, ",\"customer_id\":%lld", customer_id);
	if (request_id)
		pv_buf_addf(&b, ",\"request_id\":%lld", request_id);
	pv_buf_adds(&b, ",\"audience\":");
	pv_json_quote(&b, audience, strlen(audience));
	if (fields_json && fields_json[0] == '{' && fields_json[1] != '}') {
		pv_buf_addc(&b, ',');
		pv_buf_adds(&b, fields_json + 1);
	} else {
		pv_buf_addc(&b, '}');
	}
	rc = set_payload(db, eid, b.s, run, e);
	/* the fields may hold personal data */
	pv_wipe(b.s, b.len);
	pv_buf_free(&b);
	if (!rc && id)
		*id = eid;
	return rc;
}

/* The keys every payload has, added by pv_event_add_own. */
static const char *const added_keys[] = {
	"id", "event", "at", "location", "customer_id", "request_id",
	"audience", NULL,
};

int pv_event_add_run(sqlite3 *db, const char *type, long long location_id,
		     long long customer_id, long long request_id,
		     const char *audience, const char *fields_json,
		     long long *run, long long *id, struct pv_err *e)
{
	json_t *fields;
	char *own = NULL;
	int rc;

	/* the caller's fields as pv_event_add_own takes them: an object
	 * whose keys are not the added ones (those win, as they did) */
	if (fields_json) {
		fields = json_loads(fields_json, 0, NULL);
		if (!json_is_object(fields)) {
			json_decref(fields);
			return pv_fail(e, PV_SOFTWARE,
				       "outbox: event fields are not a JSON object");
		}
		for (const char *const *k = added_keys; *k; k++)
			json_object_del(fields, *k);
		own = json_dumps(fields, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(fields);
		if (!own)
			return pv_fail(e, PV_SOFTWARE, "outbox: out of memory");
	}
	rc = pv_event_add_own(db, type, location_id, customer_id, request_id,
			      audience, own, run, id, e);
	if (own) {
		/* the fields may hold personal data */
		pv_wipe(own, strlen(own));
		free(own);
	}
	return rc;
}
