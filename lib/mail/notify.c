/*
 * notify.c - routing and delivering outbox events (see notify.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "export.h"
#include "web.h"
#include "location.h"
#include "mail.h"
#include "notify.h"
#include "notify_int.h"
#include "outbox.h"
#include "progress.h"
#include "summary.h"
#include "words.h"

enum { GIVE_UP_SECS = 5 * 86400, FIRST_DELAY = 300, MAX_DELAY = 6 * 3600 };

/* Business mails sent as one: a location's (--digest: run 0), or a
 * location's erasures of one bulk run (the list mail). */
struct bucket {
	long long loc, run;
	long long *ids;
	size_t n, cap;
};

struct pv_notify {
	sqlite3 *db;
	const struct pv_cfg *cfg;
	struct pv_notify_opts o;
	struct pv_writer *out;
	struct pv_progress prog; /* deliveries, on a terminal */
	long long *ids;
	size_t nids, capids;
	int pending, in_txn;
	struct pv_transport *tr;
	struct pv_webhook *wh;
	sqlite3_stmt *get_event, *get_deliv, *put_deliv, *set_event,
		*get_cust, *scrub;
	struct bucket *buckets;
	size_t nb;
	int nfailed, ndeferred, noroute;
	int setup_status;
	char *msgid; /* the Message-ID of the e-mail being recorded, or NULL */
	/* the payload of event parsed_id as compose parsed it (for record:
	 * one parse per delivery), or NULL */
	json_t *parsed;
	long long parsed_id;
	int list_txn; /* recording the events of a list mail: one transaction */
	char *list_ids; /* the events a list mail tells of: "12-40 45" */
	int scrubbed; /* a payload was scrubbed: checkpoint at the end */
	time_t now;
	char nowbuf[PV_TIME_LEN];
};

struct event {
	long long id, loc, cust, req, run;
	char *type, *audience, *payload, *status;
	time_t at;
};

static void event_free(struct event *ev)
{
	free(ev->type);
	free(ev->audience);
	free(ev->payload);
	free(ev->status);
	memset(ev, 0, sizeof *ev);
}

static int add_id(long long **ids, size_t *n, size_t *cap, long long id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*ids)[i] == id)
			return 0;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*ids = xrealloc(*ids, *cap * sizeof **ids);
	}
	(*ids)[(*n)++] = id;
	return 1;
}

int pv_notify_new(sqlite3 *db, const struct pv_cfg *cfg,
		  const struct pv_notify_opts *o, struct pv_writer *out,
		  struct pv_notify **np, struct pv_err *e)
{
	struct pv_notify *n = xcalloc(1, sizeof *n);

	n->db = db;
	n->cfg = cfg;
	n->o = *o;
	n->out = out;
	n->now = pv_now();
	pv_time_fmt(n->now, n->nowbuf);
	if (o->to && !pv_email_valid(o->to)) {
		free(n);
		return pv_fail(e, PV_USAGE, "--to: not a valid e-mail address");
	}
	n->get_event = pv_db_prepare(db, "SELECT type, coalesce(retried_at, "
				     "at), location_id, customer_id, "
				     "request_id, audience, payload, status, run "
				     "FROM events WHERE id = ?", e);
	n->get_deliv = pv_db_prepare(db, "SELECT status, attempts, message_id "
				     "FROM deliveries WHERE event_id = ? AND "
				     "channel = ?", e);
	n->put_deliv = pv_db_prepare(db, "INSERT INTO deliveries (event_id, "
				     "channel, status, attempts, "
				     "next_attempt_at, last_reply, delivered_at, "
				     "message_id) "
				     "VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7) "
				     "ON CONFLICT (event_id, channel) DO UPDATE "
				     "SET status = ?3, attempts = attempts + 1, "
				     "next_attempt_at = ?4, last_reply = ?5, "
				     "delivered_at = ?6, message_id = "
				     "coalesce(message_id, ?7)", e);
	n->set_event = pv_db_prepare(db, "UPDATE events SET status = ?2, "
				     "attempts = attempts + 1, "
				     "next_attempt_at = ?3, last_reply = ?4, "
				     "delivered_at = ?5 WHERE id = ?1", e);
	/* A request of a person we hold nothing about keeps the address
	 * that asked (lib/request.h): its customer events go there. */
	n->get_cust = pv_db_prepare(db, "SELECT email, trim(coalesce("
				    "first_name, '') || ' ' || coalesce("
				    "last_name, '')) FROM customers WHERE "
				    "id = ?1 UNION ALL SELECT requester_email, "
				    "'' FROM requests WHERE ?1 = 0 AND id = ?2 "
				    "AND customer_id IS NULL AND "
				    "requester_email IS NOT NULL LIMIT 1", e);
	n->scrub = pv_db_prepare(db, "UPDATE events SET payload = ?2, "
				 "scrubbed = 1 WHERE id = ?1", e);
	if (!n->get_event || !n->get_deliv || !n->put_deliv || !n->set_event ||
	    !n->get_cust || !n->scrub) {
		int st = e->status;

		pv_notify_free(n);
		return st;
	}
	*np = n;
	return PV_OK;
}

void pv_notify_free(struct pv_notify *n)
{
	size_t i;

	if (!n)
		return;
	if (n->in_txn)
		pv_db_rollback(n->db);
	sqlite3_finalize(n->get_event);
	sqlite3_finalize(n->get_deliv);
	sqlite3_finalize(n->put_deliv);
	sqlite3_finalize(n->set_event);
	sqlite3_finalize(n->get_cust);
	sqlite3_finalize(n->scrub);
	pv_transport_close(n->tr);
	pv_webhook_close(n->wh);
	for (i = 0; i < n->nb; i++)
		free(n->buckets[i].ids);
	free(n->buckets);
	free(n->ids);
	free(n);
}

/* "noun.verb": lowercase letters, digits, '-', '_', at least one dot
 * inside.  Types without a text of their own are compliance findings. */
static int valid_event(const char *t)
{
	const char *p;
	size_t n = strlen(t);

	if (n < 3 || n > 64 || t[0] == '.' || t[n - 1] == '.' ||
	    !strchr(t, '.'))
		return 0;
	for (p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

/* A piped record as a JSON object: nested values as they were, the
 * others as strings.  With frame, without the event's frame and without
 * "to" (the address a customer event of an erased person keeps: only the
 * library sets it, so that no piped record can send a mail elsewhere). */
static json_t *record_json(const struct pv_rec *r, int frame_too)
{
	static const char *const frame[] = {"id", "event", "at", "location",
		"audience", "customer_id", "request_id", "to"};
	json_t *o = json_object();
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		const char *v = r->vals[i];
		json_t *j = NULL;
		int skip = 0;

		for (k = 0; !frame_too && k < sizeof frame / sizeof frame[0];
		     k++)
			skip |= strcmp(r->keys[i], frame[k]) == 0;
		if (skip)
			continue;
		if (v && (v[0] == '{' || v[0] == '['))
			j = json_loads(v, 0, NULL);
		if (!j)
			j = v ? json_string(v) : json_null();
		json_object_set_new(o, r->keys[i], j);
	}
	return o;
}

/* Fields of a piped record that are not the event's frame, as JSON. */
static char *record_fields(const struct pv_rec *r)
{
	json_t *o = record_json(r, 0);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	return s;
}

/*
 * An export document piped from dsar-export (`dsar-export --request N |
 * notify`): queued for its subject as the export event (lib/export.h),
 * so that the customer gets it by mail and its request is completed on
 * delivery.
 */
static int queue_export(struct pv_notify *n, const struct pv_rec *r,
			struct pv_err *e)
{
	json_t *doc = record_json(r, 1), *sub;
	struct pv_location loc = {0};
	json_int_t cust = 0, req = 0;
	const char *slug = NULL;
	long long id = 0;
	char *text;
	int st;

	sub = json_object_get(doc, "subject");
	if (json_is_integer(json_object_get(sub, "customer_id")))
		cust = json_integer_value(json_object_get(sub, "customer_id"));
	if (json_is_integer(json_object_get(sub, "request_id")))
		req = json_integer_value(json_object_get(sub, "request_id"));
	if (json_is_string(json_object_get(sub, "location")))
		slug = json_string_value(json_object_get(sub, "location"));
	if (cust <= 0) {
		json_decref(doc);
		return pv_fail(e, PV_DATAERR, "%s:%ld: subject.customer_id: "
			       "missing (the export of an erased subject is "
			       "not mailed)", r->file, r->line);
	}
	if (!slug) {
		json_decref(doc);
		return pv_fail(e, PV_DATAERR, "%s:%ld: subject.location: "
			       "missing", r->file, r->line);
	}
	st = pv_location_get(n->db, slug, &loc, e);
	if (st == PV_NOINPUT)
		st = pv_fail(e, PV_DATAERR, "%s:%ld: subject.location: no such "
			     "location: '%.64s'", r->file, r->line, slug);
	if (!st) {
		text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
		st = pv_export_queue(n->db, loc.id, cust, req, NULL, text,
				     strlen(text), &id, e);
		pv_wipe(text, strlen(text));
		free(text);
	}
	json_decref(doc);
	pv_location_free(&loc);
	if (!st)
		add_id(&n->ids, &n->nids, &n->capids, id);
	return st;
}

/* The report of an erasure (dsar-erase): the events it queued. */
static int select_events(struct pv_notify *n, const struct pv_rec *r,
			 const char *ids, struct pv_err *e)
{
	json_t *a = json_loads(ids, 0, NULL), *v;
	size_t i;
	int st = PV_OK;

	if (!json_is_array(a))
		st = pv_fail(e, PV_DATAERR, "%s:%ld: events: not a list of "
			     "event ids", r->file, r->line);
	json_array_foreach(a, i, v) {
		int found = 0;

		if (st)
			break;
		if (json_is_integer(v)) {
			sqlite3_reset(n->get_event);
			sqlite3_bind_int64(n->get_event, 1,
					   json_integer_value(v));
			found = sqlite3_step(n->get_event) == SQLITE_ROW;
			sqlite3_reset(n->get_event);
		}
		if (!found)
			st = pv_fail(e, PV_DATAERR, "%s:%ld: events: no such "
				     "event in the outbox", r->file, r->line);
		else
			add_id(&n->ids, &n->nids, &n->capids,
			       json_integer_value(v));
	}
	json_decref(a);
	return st;
}

static int rec_ll(const struct pv_rec *r, const char *key, long long *v,
		  struct pv_err *e)
{
	const char *s = pv_rec_val(r, key);

	*v = 0;
	if (!s)
		return PV_OK;
	if (pv_parse_ll(s, v) != 0 || *v <= 0)
		return pv_fail(e, PV_DATAERR, "%s:%ld: %s: not a positive "
			       "integer", r->file, r->line, key);
	return PV_OK;
}

/* The outbox event a piped record names, or 0. */
static long long existing_event(struct pv_notify *n, const struct pv_rec *r)
{
	const char *ids = pv_rec_val(r, "id"), *type = pv_rec_val(r, "event");
	long long id;
	int found = 0;

	if (!ids || !type || pv_parse_ll(ids, &id) != 0 || id <= 0)
		return 0;
	sqlite3_reset(n->get_event);
	sqlite3_bind_int64(n->get_event, 1, id);
	if (sqlite3_step(n->get_event) == SQLITE_ROW)
		found = strcmp(pv_col_text(n->get_event, 0), type) == 0;
	sqlite3_reset(n->get_event);
	return found ? id : 0;
}

static int queue_record(struct pv_notify *n, const struct pv_rec *r,
			struct pv_err *e)
{
	const char *type = pv_rec_val(r, "event");
	const char *slug = pv_rec_val(r, "location");
	const char *aud = pv_rec_val(r, "audience");
	struct pv_location loc = {0};
	long long id, cust, req;
	char *fields, detail[128], obj[64];
	int st;

	if ((id = existing_event(n, r)) != 0) {
		add_id(&n->ids, &n->nids, &n->capids, id);
		return PV_OK;
	}
	if (!type && pv_rec_val(r, "format") &&
	    strcmp(pv_rec_val(r, "format"), PV_EXPORT_FORMAT) == 0)
		return queue_export(n, r, e);
	if (!type && pv_rec_val(r, "events"))
		return select_events(n, r, pv_rec_val(r, "events"), e);
	if (!type)
		return pv_fail(e, PV_DATAERR, "%s:%ld: event: missing",
			       r->file, r->line);
	if (!valid_event(type))
		return pv_fail(e, PV_DATAERR, "%s:%ld: event: not an event "
			       "type (like 'request.received')", r->file,
			       r->line);
	if (!aud)
		aud = "business";
	if (strcmp(aud, "business") != 0 && strcmp(aud, "customer") != 0)
		return pv_fail(e, PV_DATAERR, "%s:%ld: audience: must be "
			       "'business' or 'customer'", r->file, r->line);
	if ((st = rec_ll(r, "customer_id", &cust, e)) ||
	    (st = rec_ll(r, "request_id", &req, e)))
		return st;
	if (strcmp(aud, "customer") == 0 && !cust && !n->o.to)
		return pv_fail(e, PV_DATAERR, "%s:%ld: customer_id: missing "
			       "(an event for the customer)", r->file,
			       r->line);
	if (!slug && !n->o.to)
		return pv_fail(e, PV_DATAERR, "%s:%ld: location: missing",
			       r->file, r->line);
	if (slug) {
		st = pv_location_get(n->db, slug, &loc, e);
		if (st == PV_NOINPUT)
			return pv_fail(e, PV_DATAERR, "%s:%ld: location: no "
				       "such location: '%.64s'", r->file,
				       r->line, slug);
		if (st)
			return st;
	}
	fields = record_fields(r);
	st = pv_event_add(n->db, type, loc.id, cust, req, aud, fields, &id, e);
	free(fields);
	pv_location_free(&loc);
	if (st)
		return st;
	snprintf(obj, sizeof obj, "event:%lld", id);
	snprintf(detail, sizeof detail, "{\"event\":\"%.64s\",\"source\":"
		 "\"stdin\"}", type);
	st = pv_audit(n->db, "notify.queue", obj, detail, e);
	if (st)
		return st;
	add_id(&n->ids, &n->nids, &n->capids, id);
	return PV_OK;
}

int pv_notify_add_input(struct pv_notify *n, struct pv_input *in,
			struct pv_err *e)
{
	struct pv_rec *recs = NULL;
	size_t nrec = 0, cap = 0, i;
	int st = PV_OK, got;

	/* All input first, then the write transaction: the tool before us
	 * in the pipe (dsar-erase, dsar-export) writes to the database
	 * until it is done, and must not wait for our lock. */
	for (;;) {
		if (nrec == cap) {
			cap = cap ? 2 * cap : 16;
			recs = xrealloc(recs, cap * sizeof *recs);
		}
		memset(&recs[nrec], 0, sizeof *recs);
		got = pv_input_next(in, &recs[nrec], e);
		if (got != 1) {
			pv_rec_free(&recs[nrec]);
			break;
		}
		nrec++;
	}
	if (got < 0) {
		st = e->status;
		goto out;
	}
	st = pv_db_begin(n->db, e);
	for (i = 0; !st && i < nrec; i++)
		st = queue_record(n, &recs[i], e);
	if (st) {
		pv_db_rollback(n->db);
		n->nids = 0;
		goto out;
	}
	if (n->o.dry_run)
		n->in_txn = 1; /* rolled back by pv_notify_free */
	else
		st = pv_db_commit(n->db, e);
out:
	for (i = 0; i < nrec; i++)
		pv_rec_free(&recs[i]);
	free(recs);
	return st;
}

void pv_notify_add_pending(struct pv_notify *n)
{
	n->pending = 1;
}

static int requeue(struct pv_notify *n, long long id, struct pv_err *e)
{
	static const char *const sql[] = {
		"DELETE FROM deliveries WHERE event_id = ?1 AND status = "
		"'failed'",
		"UPDATE events SET status = 'pending', next_attempt_at = NULL, "
		"retried_at = ?2 WHERE id = ?1",
	};
	char obj[64];

	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		sqlite3_stmt *st = pv_db_prepare(n->db, sql[i], e);
		int rc;

		if (!st)
			return e->status;
		sqlite3_bind_int64(st, 1, id);
		if (i == 1)
			pv_bind_text(st, 2, n->nowbuf);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return pv_db_fail(n->db, e, "events");
	}
	snprintf(obj, sizeof obj, "event:%lld", id);
	return pv_audit(n->db, "notify.retry", obj, NULL, e);
}

int pv_notify_retry(struct pv_notify *n, long long id, long *n_out,
		    struct pv_err *e)
{
	sqlite3_stmt *st;
	long long *ids = NULL;
	size_t nids = 0, cap = 0, i;
	int rc;

	*n_out = 0;
	st = pv_db_prepare(n->db, "SELECT id, status, scrubbed FROM events "
			   "WHERE (?1 = 0 AND status = 'failed' AND scrubbed = 0) "
			   "OR id = ?1 ORDER BY id", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	rc = PV_OK;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *status = pv_col_text(st, 1);

		if (id && strcmp(status, "failed") != 0)
			rc = pv_fail(e, PV_DATAERR, "event %lld is %s, not "
				     "failed: nothing to retry", id, status);
		else if (id && sqlite3_column_int(st, 2))
			rc = pv_fail(e, PV_DATAERR, "event %lld: its content "
				     "was removed after it failed; it cannot "
				     "be sent again", id);
		else
			add_id(&ids, &nids, &cap, sqlite3_column_int64(st, 0));
	}
	sqlite3_finalize(st);
	if (!rc && id && nids == 0)
		rc = pv_fail(e, PV_NOINPUT, "no such event: %lld", id);
	if (rc || nids == 0) {
		free(ids);
		return rc;
	}
	if ((rc = pv_db_begin(n->db, e))) {
		free(ids);
		return rc;
	}
	for (i = 0; !rc && i < nids; i++)
		rc = requeue(n, ids[i], e);
	if (rc || n->o.dry_run)
		pv_db_rollback(n->db);
	else
		rc = pv_db_commit(n->db, e);
	for (i = 0; !rc && i < nids; i++)
		add_id(&n->ids, &n->nids, &n->capids, ids[i]);
	if (!rc)
		*n_out = (long)nids;
	free(ids);
	return rc;
}

static int load_event(struct pv_notify *n, long long id, struct event *ev)
{
	sqlite3_stmt *s = n->get_event;
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ev->id = id;
		ev->type = xstrdup(pv_col_text(s, 0));
		if (pv_time_parse(pv_col_text(s, 1), &ev->at) != 0)
			ev->at = n->now;
		ev->loc = sqlite3_column_int64(s, 2);
		ev->cust = sqlite3_column_int64(s, 3);
		ev->req = sqlite3_column_int64(s, 4);
		ev->audience = xstrdup(pv_col_text(s, 5));
		ev->payload = xstrdup(pv_col_text(s, 6));
		ev->status = xstrdup(pv_col_text(s, 7));
		ev->run = sqlite3_column_int64(s, 8);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW;
}

/* Placeholder values for a template. */
struct tctx {
	json_t *payload;
	const struct event *ev;
	const struct pv_location *loc;
	const char *lang, *tz;
	char idbuf[32], *details;
	char *vals[32];
	int nvals;
};

static const char *const optional_keys[] = {
	"reason", "due", "first_due", "extended_due", "code", "expires",
	"type", "fix", "customers", "events", "received", "channel", "status",
	"request_id", "customer_id", "external_id", "email", "name", "phone",
	"count", "message", "finding", "details", "location", "location_name",
	"erased", "kept", "first_name", "last_name", "result", "link",
	"locations", NULL,
};

static const char *const date_keys[] = {
	"due", "first_due", "extended_due", "expires", "received", "until",
	"oldest", "at", "erase_on", NULL,
};

static int in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

static const char *keep(struct tctx *c, char *s)
{
	if (c->nvals >= 32) {
		free(s);
		return "";
	}
	c->vals[c->nvals++] = s;
	return s;
}

/* A field of the payload, or of its "customer" object (erasure.completed
 * keeps the identifiers there). */
static json_t *field_of(json_t *p, const char *name)
{
	json_t *v = json_object_get(p, name);

	if (!v && json_is_object(json_object_get(p, "customer")))
		v = json_object_get(json_object_get(p, "customer"), name);
	return v;
}

static int is_de(const struct tctx *c)
{
	return strcmp(c->lang, "de") == 0;
}

/* "- Termine\n- Kundendaten ...\n": erasure.confirmation's "erased"
 * list, or erasure.completed's deleted and anonymised tables. */
static char *erased_words(struct tctx *c)
{
	struct pv_buf b = {0};
	json_t *a = json_object_get(c->payload, "erased"), *v;
	const char *k;
	size_t i;

	pv_buf_adds(&b, "");
	if (json_is_array(a)) {
		json_array_foreach(a, i, v)
			if (json_is_string(v))
				pv_buf_addf(&b, "- %s\n", pv_words_section(
					json_string_value(v), c->lang));
	}
	for (i = 0; i < 2; i++) {
		json_t *o = json_object_get(c->payload, i ? "anonymised"
							  : "deleted");

		json_object_foreach(o, k, v)
			if (json_is_integer(v) && json_integer_value(v) > 0)
				pv_buf_addf(&b, "- %s (%lld)\n",
					    pv_words_section(k, c->lang),
					    (long long)json_integer_value(v));
	}
	if (!b.len)
		pv_buf_adds(&b, is_de(c) ? "- nichts\n" : "- nothing\n");
	return pv_buf_detach(&b);
}

/* What an erasure kept, until when and why, in sentences. */
static char *kept_words(struct tctx *c)
{
	struct pv_buf b = {0};
	json_t *a = json_object_get(c->payload, "kept"), *v;
	json_t *r = json_object_get(c->payload, "retained");
	char date[64];
	const char *k;
	size_t i;
	int any = 0;

	pv_buf_adds(&b, "");
	json_array_foreach(a, i, v) {
		json_t *t = json_object_get(v, "table");
		json_t *u = json_object_get(v, "until");
		json_t *bs = json_object_get(v, "basis");

		if (!json_is_string(t))
			continue;
		if (!any)
			pv_buf_adds(&b, is_de(c)
				    ? "Aufbewahrt, weil das Gesetz es "
				      "verlangt:\n"
				    : "Kept, because the law requires it:\n");
		any = 1;
		pv_words_date(json_string_value(u), NULL, c->lang, 1, date,
			      sizeof date);
		pv_buf_addf(&b, is_de(c) ? "- %s (%lld) bis zum %s: "
					   "gesetzliche Aufbewahrungspflicht%s%s%s\n"
					 : "- %s (%lld) until %s: a legal "
					   "duty to keep them%s%s%s\n",
			    pv_words_section(json_string_value(t), c->lang),
			    (long long)json_integer_value(
				    json_object_get(v, "count")),
			    date, json_is_string(bs) ? " (" : "",
			    json_is_string(bs) ? json_string_value(bs) : "",
			    json_is_string(bs) ? ")" : "");
	}
	if (any)
		pv_buf_adds(&b, is_de(c)
			    ? "Bis dahin sind diese Unterlagen gesperrt: wir "
			      "verwenden sie nur, wenn das Gesetz es verlangt "
			      "(etwa bei einer Prüfung durch das Finanzamt), und "
			      "löschen sie danach.\n"
			    : "Until then they are locked away: we use them only "
			      "where the law requires it (such as a tax audit), "
			      "and erase them afterwards.\n");
	json_object_foreach(r, k, v)
		if (json_is_integer(v) && json_integer_value(v) > 0) {
			if (!any)
				pv_buf_adds(&b, is_de(c)
					    ? "Aufbewahrt (gesetzliche "
					      "Aufbewahrungspflicht, gesperrt):\n"
					    : "Kept (a legal duty, locked "
					      "away):\n");
			any = 1;
			pv_buf_addf(&b, "- %s (%lld)\n",
				    pv_words_section(k, c->lang),
				    (long long)json_integer_value(v));
		}
	if (!any)
		pv_buf_adds(&b, is_de(c) ? "Aufbewahrt wird nichts.\n"
					 : "Nothing is kept.\n");
	return pv_buf_detach(&b);
}

/* The locations an export covers, as people list them ("Salon Nord und
 * Salon Mitte", J9): the event's own, then those of the document's
 * other_locations. */
static char *locations_words(struct tctx *c)
{
	json_t *doc = json_object_get(c->payload, PV_EXPORT_EVENT_DOC);
	json_t *o = json_object_get(doc, "other_locations"), *v;
	const char *names[16];
	struct pv_buf b = {0};
	size_t i, n = 0;

	if (c->loc && c->loc->id)
		names[n++] = c->loc->name;
	json_array_foreach(o, i, v) {
		json_t *nm = json_object_get(json_object_get(v, "subject"),
					     "location_name");
		size_t k;

		if (!json_is_string(nm) || n == 16)
			continue;
		for (k = 0; k < n; k++)
			if (strcmp(names[k], json_string_value(nm)) == 0)
				break;
		if (k == n)
			names[n++] = json_string_value(nm);
	}
	pv_buf_adds(&b, "");
	for (i = 0; i < n; i++)
		pv_buf_addf(&b, "%s%s", i == 0 ? "" : i + 1 < n ? ", " :
			    is_de(c) ? " und " : " and ", names[i]);
	return pv_buf_detach(&b);
}

static const char *tlookup(void *vctx, const char *name)
{
	struct tctx *c = vctx;
	json_t *v;
	char buf[128];

	if (strcmp(name, "event") == 0) {
		const char *w = pv_words_event(c->ev->type, c->lang);

		/* a type without words: what kind of message, not the
		 * machine's name for it */
		if (w == c->ev->type)
			w = strncmp(w, "consent.", 8) == 0 ? is_de(c) ?
			    "Änderung einer Einwilligung" : "Change of consent"
			    : is_de(c) ? "Befund" : "Finding";
		return w;
	}
	if (strcmp(name, "event_id") == 0)
		return c->idbuf;
	if (strcmp(name, "details") == 0)
		return c->details;
	if (strcmp(name, "location_name") == 0 && c->loc && c->loc->id)
		return c->loc->name;
	if (strcmp(name, "location") == 0 && c->loc && c->loc->id)
		return c->loc->slug;
	if (strcmp(name, "erased") == 0)
		return keep(c, erased_words(c));
	if (strcmp(name, "kept") == 0)
		return keep(c, kept_words(c));
	if (strcmp(name, "locations") == 0)
		return keep(c, locations_words(c));
	v = c->payload ? field_of(c->payload, name) : NULL;
	/* a labelled line of an identifier the customer never gave
	 * ("Telefon: –"), not an empty one that looks like a fault */
	if ((strcmp(name, "email") == 0 || strcmp(name, "phone") == 0) &&
	    (!json_is_string(v) || !*json_string_value(v)))
		return "\xe2\x80\x93";
	if (strcmp(name, "name") == 0 && !json_is_string(v)) {
		json_t *f = field_of(c->payload, "first_name");
		json_t *l = field_of(c->payload, "last_name");

		return keep(c, xasprintf("%s%s%s", json_is_string(f) ?
					 json_string_value(f) : "",
					 json_is_string(f) && json_is_string(l)
					 ? " " : "", json_is_string(l) ?
					 json_string_value(l) : ""));
	}
	if (json_is_string(v)) {
		const char *sv = json_string_value(v);

		if (strcmp(name, "type") == 0)
			return pv_words_request_type(sv, c->lang);
		if (strcmp(name, "status") == 0 || strcmp(name, "channel") == 0 ||
		    strcmp(name, "what") == 0 ||
		    strcmp(name, "result") == 0 ||
		    strcmp(name, "purpose") == 0 || strcmp(name, "source") == 0)
			return pv_words_status(sv, c->lang);
		if (in_list(date_keys, name))
			return keep(c, xstrdup(pv_words_date(sv, c->tz, c->lang,
							     0, buf,
							     sizeof buf)));
		return sv;
	}
	if (v) {
		if (json_is_null(v))
			return "";
		return keep(c, json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT));
	}
	if (in_list(optional_keys, name))
		return "";
	return NULL;
}

/* The other fields of an event as labelled lines ("Frist: 1. Juli 2026"),
 * nested objects one level deep, for the findings of check. */
static char *details_of(struct tctx *c)
{
	/* "fix" and "or" are check's commands for the terminal: the mail
	 * says what to do in words (pv_words_remedy), which also explains
	 * the English "reason" of the findings that have one */
	static const char *const skip[] = {"id", "event", "at", "audience",
		"export", "code", "to", "location", "customer_id", "fix", "or",
		NULL};
	const char *remedy = pv_words_remedy(c->ev->type, c->lang);
	struct pv_buf b = {0};
	const char *k;
	json_t *v;

	pv_buf_adds(&b, "");
	json_object_foreach(c->payload, k, v) {
		if (in_list(skip, k) || json_is_null(v) ||
		    (remedy && strcmp(k, "reason") == 0))
			continue;
		if (json_is_object(v)) {
			const char *k2;
			json_t *v2;

			json_object_foreach(v, k2, v2) {
				const char *s = tlookup(c, k2);

				if (json_is_null(v2))
					continue;
				pv_buf_addf(&b, "%s: ", pv_words_field(k2,
								       c->lang));
				if (json_is_string(v2) && s &&
				    field_of(c->payload, k2) == v2)
					pv_buf_adds(&b, s);
				else if (json_is_string(v2))
					pv_buf_adds(&b, json_string_value(v2));
				else {
					char *d = json_dumps(v2, JSON_ENCODE_ANY
							     | JSON_COMPACT);

					pv_buf_adds(&b, d);
					free(d);
				}
				pv_buf_addc(&b, '\n');
			}
			continue;
		}
		pv_buf_addf(&b, "%s: %s\n", pv_words_field(k, c->lang),
			    tlookup(c, k) ? tlookup(c, k) : "");
	}
	if (remedy)
		pv_buf_addf(&b, "%s%s\n%s\n", b.len ? "\n" : "",
			    is_de(c) ? "Was zu tun ist:" : "What to do:",
			    remedy);
	return pv_buf_detach(&b);
}

/* The signature: for the customer, the controller's name and how to
 * reach it (config "controller"); for the business, a plain note. */
static void signature(struct pv_notify *n, const struct event *ev,
		      const struct pv_location *loc, const char *lang,
		      struct pv_buf *b)
{
	const char *name = pv_cfg_str(n->cfg, "controller.name", NULL);
	const char *addr = pv_cfg_str(n->cfg, "controller.address", NULL);
	const char *mail = pv_cfg_str(n->cfg, "controller.email", NULL);
	const char *phone = pv_cfg_str(n->cfg, "controller.phone", NULL);
	const char *lname = loc && loc->id ? loc->name : NULL;
	int de = strcmp(lang, "de") == 0;

	pv_buf_adds(b, "\n-- \n");
	if (strcmp(ev->audience, "customer") != 0) {
		pv_buf_addf(b, de ? "Automatische Nachricht zum Datenschutz%s%s\n"
				  : "Automatic privacy message%s%s\n",
			    lname ? de ? " bei " : " for " : "",
			    lname ? lname : "");
		return;
	}
	pv_buf_addf(b, de ? "Mit freundlichen Grüßen\n%s\n"
			  : "Kind regards\n%s\n",
		    name ? name : lname ? lname : "");
	if (lname && name && strcmp(lname, name) != 0)
		pv_buf_addf(b, "%s\n", lname);
	if (addr)
		pv_buf_addf(b, "%s\n", addr);
	if (mail || phone)
		pv_buf_addf(b, "%s%s%s%s\n", de ? "" : "", mail ? mail : "",
			    mail && phone ? " · " : "", phone ? phone : "");
}

/* Subject and body of an event's message. */
static int compose(struct pv_notify *n, const struct event *ev,
		   const struct pv_location *loc, char **subject, char **body,
		   json_t **payload, struct pv_err *e)
{
	const struct pv_notify_text *t = pv_notify_text(ev->type);
	const char *lang = loc && loc->id ? loc->language : "en";
	const char *tname = ev->type;
	struct tctx c = {0};
	struct pv_buf bs = {0}, bb = {0};
	char *ts = NULL, *tb = NULL;
	int st, i;

	if (strcmp(t->name, ev->type) != 0)
		tname = t->name;
	c.payload = json_loads(ev->payload, 0, NULL);
	if (!json_is_object(c.payload)) {
		json_decref(c.payload);
		c.payload = json_object();
	}
	c.ev = ev;
	c.loc = loc;
	c.lang = lang;
	c.tz = loc && loc->id ? loc->timezone : NULL;
	snprintf(c.idbuf, sizeof c.idbuf, "%lld", ev->id);
	c.details = details_of(&c);
	st = pv_tmpl_load(n->cfg, tname, lang,
			  strcmp(lang, "de") == 0 ? t->de : t->en, &ts, &tb,
			  e);
	if (!st)
		st = pv_tmpl_render(tname, ts, tlookup, &c, &bs, e);
	if (!st)
		st = pv_tmpl_render(tname, tb, tlookup, &c, &bb, e);
	free(ts);
	free(tb);
	free(c.details);
	for (i = 0; i < c.nvals; i++)
		free(c.vals[i]);
	if (st) {
		json_decref(c.payload);
		pv_buf_free(&bs);
		pv_buf_free(&bb);
		return st;
	}
	signature(n, ev, loc, lang, &bb);
	*subject = pv_buf_detach(&bs);
	*body = pv_buf_detach(&bb);
	*payload = c.payload;
	return PV_OK;
}

static void emit(struct pv_notify *n, const struct event *ev,
		 const char *channel, const char *status, const char *reply,
		 const char *to)
{
	pv_progress_add(&n->prog, 1);
	if (n->o.sum)
		pv_summary_add(n->o.sum, NULL, status, 1);
	if (pv_quiet) {
		/* -q: nothing on success (a cron line sends no mail); a
		 * delivery given up for good is said, once, on stderr (a
		 * deferred one is tried again by the next run) */
		if (strcmp(status, "failed") == 0)
			pv_warn("event %lld (%s): not delivered by %s%s%s",
				ev->id, ev->type, channel, pv_verbose ? ": " :
				"", pv_verbose && reply ? reply : "");
		return;
	}
	pv_w_begin(n->out);
	pv_w_int(n->out, "event_id", ev->id);
	pv_w_str(n->out, "event", ev->type);
	pv_w_str(n->out, "channel", channel);
	pv_w_str(n->out, "status", status);
	pv_w_str(n->out, "reply", reply);
	if (pv_verbose && to)
		pv_w_str(n->out, "to", to);
	pv_w_end(n->out);
}

static const char *deliv_status(struct pv_notify *n, long long id,
				const char *channel, char *buf, size_t len)
{
	sqlite3_stmt *s = n->get_deliv;

	snprintf(buf, len, "none");
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	pv_bind_text(s, 2, channel);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(buf, len, "%s", pv_col_text(s, 0));
	sqlite3_reset(s);
	return buf;
}

static int deliv_attempts(struct pv_notify *n, long long id,
			  const char *channel)
{
	sqlite3_stmt *s = n->get_deliv;
	int a = 0;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	pv_bind_text(s, 2, channel);
	if (sqlite3_step(s) == SQLITE_ROW)
		a = sqlite3_column_int(s, 1);
	sqlite3_reset(s);
	return a;
}

/* Keep only the frame of the event: ids, type, time, location.  parsed:
 * the payload already parsed (by compose), or NULL. */
static char *scrubbed_payload(const char *payload, json_t *parsed)
{
	static const char *const keep[] = {"id", "event", "at", "location",
		"customer_id", "request_id", "audience"};
	json_t *p = parsed ? json_incref(parsed) : json_loads(payload, 0, NULL);
	json_t *o = json_object();
	char *s;
	size_t i;

	for (i = 0; p && i < sizeof keep / sizeof keep[0]; i++) {
		json_t *v = json_object_get(p, keep[i]);

		if (v)
			json_object_set(o, keep[i], v);
	}
	json_decref(p);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* Under the write lock: was the event's customer erased while its mail
 * was in flight?  Then the server's reply, which may quote the address,
 * is not kept (the erasure has already cleared the replies it found). */
static int customer_erased(struct pv_notify *n, const struct event *ev)
{
	sqlite3_stmt *st;
	int gone;

	if (!ev->cust)
		return 0;
	st = pv_db_stmt(n->db, "SELECT 1 FROM customers WHERE id = ?", NULL);
	if (!st)
		return 1;
	sqlite3_bind_int64(st, 1, ev->cust);
	gone = sqlite3_step(st) != SQLITE_ROW;
	sqlite3_reset(st);
	return gone;
}

/*
 * Record the outcome of one delivery of one channel, and the event's
 * resulting state, in one transaction with its audit entry.  channels: the
 * channels this event needs.
 */
static int record(struct pv_notify *n, const struct event *ev,
		  const char *channel, const char *dstatus, const char *reply,
		  const char *const *channels, int nch, struct pv_err *e)
{
	char next[PV_TIME_LEN], obj[64], detail[160], buf[16];
	const char *evstatus = "delivered";
	long long *told = NULL;
	size_t ntold = 0;
	const char *nextp = NULL;
	int st, i, attempts, final, any_pending = 0, any_deferred = 0,
		any_failed = 0;

	if (n->o.dry_run)
		return PV_OK;
	if (strcmp(dstatus, "deferred") == 0) {
		long delay = FIRST_DELAY;

		attempts = deliv_attempts(n, ev->id, channel);
		for (i = 0; i < attempts && delay < MAX_DELAY; i++)
			delay *= 2;
		if (delay > MAX_DELAY)
			delay = MAX_DELAY;
		pv_time_fmt(n->now + delay, next);
		nextp = next;
	}
	st = n->list_txn ? PV_OK : pv_db_begin(n->db, e);
	if (st)
		return st;
	if (reply && customer_erased(n, ev))
		reply = NULL; /* it may quote the erased address */
	sqlite3_reset(n->put_deliv);
	sqlite3_bind_int64(n->put_deliv, 1, ev->id);
	pv_bind_text(n->put_deliv, 2, channel);
	pv_bind_text(n->put_deliv, 3, dstatus);
	pv_bind_text(n->put_deliv, 4, nextp);
	pv_bind_text(n->put_deliv, 5, reply);
	pv_bind_text(n->put_deliv, 6, strcmp(dstatus, "delivered") == 0
				      ? n->nowbuf : NULL);
	pv_bind_text(n->put_deliv, 7, strcmp(channel, "email") == 0
				      ? n->msgid : NULL);
	if (sqlite3_step(n->put_deliv) != SQLITE_DONE) {
		st = pv_db_fail(n->db, e, "deliveries");
		goto fail;
	}
	sqlite3_reset(n->put_deliv);
	for (i = 0; i < nch; i++) {
		const char *s = deliv_status(n, ev->id, channels[i], buf,
					     sizeof buf);

		any_pending |= strcmp(s, "none") == 0 ||
			       strcmp(s, "pending") == 0;
		any_deferred |= strcmp(s, "deferred") == 0;
		any_failed |= strcmp(s, "failed") == 0;
	}
	if (any_deferred)
		evstatus = "deferred";
	else if (any_pending)
		evstatus = "pending";
	else if (any_failed)
		evstatus = "failed";
	final = !any_deferred && !any_pending;
	sqlite3_reset(n->set_event);
	sqlite3_bind_int64(n->set_event, 1, ev->id);
	pv_bind_text(n->set_event, 2, evstatus);
	pv_bind_text(n->set_event, 3, nextp);
	pv_bind_text(n->set_event, 4, reply);
	pv_bind_text(n->set_event, 5, !any_deferred && !any_pending &&
				      !any_failed ? n->nowbuf : NULL);
	if (sqlite3_step(n->set_event) != SQLITE_DONE) {
		st = pv_db_fail(n->db, e, "events");
		goto fail;
	}
	sqlite3_reset(n->set_event);
	/* An export answers its request only once the server accepted the
	 * mail that carries it (lib/export.h). */
	if (strcmp(channel, "email") == 0 &&
	    strcmp(dstatus, "delivered") == 0 &&
	    (strcmp(ev->type, PV_EXPORT_EVENT) == 0 ||
	     strcmp(ev->type, PV_EXPORT_LINK_EVENT) == 0)) {
		if ((st = pv_export_delivered(n->db, ev->id, ev->req, &told,
					      &ntold, e)))
			goto fail;
	}
	/* A failed event keeps its payload: notify --retry sends it again
	 * once the cause is fixed. */
	if (final && !any_failed) {
		char *p = scrubbed_payload(ev->payload, n->parsed_id == ev->id
					   ? n->parsed : NULL);

		sqlite3_reset(n->scrub);
		sqlite3_bind_int64(n->scrub, 1, ev->id);
		pv_bind_text(n->scrub, 2, p);
		i = sqlite3_step(n->scrub);
		sqlite3_reset(n->scrub);
		free(p);
		if (i != SQLITE_DONE) {
			st = pv_db_fail(n->db, e, "events");
			goto fail;
		}
		n->scrubbed = 1;
	}
	snprintf(obj, sizeof obj, "event:%lld", ev->id);
	snprintf(detail, sizeof detail, "{\"channel\":\"%s\",\"status\":"
		 "\"%s\",\"event_status\":\"%s\"}", channel, dstatus,
		 evstatus);
	st = pv_audit(n->db, "notify.deliver", obj, detail, e);
	if (st)
		goto fail;
	if (!n->list_txn)
		st = pv_db_commit(n->db, e);
	/* the businesses hear of it in this run */
	for (size_t k = 0; !st && k < ntold; k++)
		add_id(&n->ids, &n->nids, &n->capids, told[k]);
	free(told);
	return st;
fail:
	free(told);
	sqlite3_reset(n->put_deliv);
	sqlite3_reset(n->set_event);
	if (!n->list_txn) /* else the caller rolls the whole list back */
		pv_db_rollback(n->db);
	return st;
}

/* Map a send status to a delivery status; a retry past 5 days fails. */
static const char *outcome(struct pv_notify *n, const struct event *ev,
			   int st, char *reply, size_t len)
{
	if (st == PV_OK)
		return "delivered";
	if (st == PV_TEMPFAIL) {
		if (n->now - ev->at >= GIVE_UP_SECS) {
			size_t l = strlen(reply);

			snprintf(reply + l, len - l, " (given up after 5 days)");
			return "failed";
		}
		return "deferred";
	}
	return "failed";
}

static void count(struct pv_notify *n, const char *status)
{
	if (strcmp(status, "failed") == 0)
		n->nfailed++;
	else if (strcmp(status, "deferred") == 0)
		n->ndeferred++;
}

static int setup_error(struct pv_notify *n, int st)
{
	if (st == PV_CONFIG || st == PV_NOPERM || st == PV_USAGE ||
	    st == PV_IOERR || st == PV_SOFTWARE) {
		n->setup_status = st;
		return 1;
	}
	return 0;
}

static int customer_address(struct pv_notify *n, long long cust,
			    long long req, char **addr, char **name)
{
	sqlite3_stmt *s = n->get_cust;
	int found = 0;

	*addr = *name = NULL;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, cust);
	sqlite3_bind_int64(s, 2, req);
	if (sqlite3_step(s) == SQLITE_ROW && pv_col_text(s, 0)) {
		*addr = xstrdup(pv_col_text(s, 0));
		*name = xstrdup(pv_col_text(s, 1) ? pv_col_text(s, 1) : "");
		found = 1;
	}
	sqlite3_reset(s);
	return found;
}

/* The address a customer event of an erased person keeps (only the
 * library writes "to": record_json drops it from piped records). */
static int kept_address(const struct event *ev, char **addr, char **name)
{
	json_t *p = json_loads(ev->payload, 0, NULL);
	json_t *to = json_object_get(p, "to");
	json_t *fn = json_object_get(p, "first_name");
	json_t *ln = json_object_get(p, "last_name");
	int found = 0;

	if (json_is_string(to) && pv_email_valid(json_string_value(to))) {
		*addr = xstrdup(json_string_value(to));
		*name = xasprintf("%s%s%s", json_is_string(fn) ?
				  json_string_value(fn) : "",
				  json_is_string(fn) && json_is_string(ln) ?
				  " " : "", json_is_string(ln) ?
				  json_string_value(ln) : "");
		found = 1;
	}
	json_decref(p);
	return found;
}

/* The Message-ID an earlier attempt of this e-mail used, or NULL. */
static char *deliv_msgid(struct pv_notify *n, long long id)
{
	sqlite3_stmt *s = n->get_deliv;
	char *m = NULL;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	pv_bind_text(s, 2, "email");
	if (sqlite3_step(s) == SQLITE_ROW && pv_col_text(s, 2))
		m = xstrdup(pv_col_text(s, 2));
	sqlite3_reset(s);
	return m;
}

/* msgid: in, the Message-ID to use (NULL: a new one); out, the one used
 * (NULL when nothing was rendered), newly allocated. */
static int send_mail(struct pv_notify *n, const struct pv_location *loc,
		     long long evid, const char *to, const char *to_name,
		     const char *subject, const char *body,
		     const struct pv_mail_attach *more, size_t nmore,
		     json_t *attach, char **msgid, char *reply,
		     size_t replylen, struct pv_err *e)
{
	/* The event a message carries, for the business's tools and our
	 * crash tests: in a header, never in the text a person reads. */
	char idbuf[32];
	const char *hdrs[] = {"X-Privacy-Event-Id", idbuf, NULL, NULL};
	const char *lhdrs[] = {"X-Privacy-Event-Ids", n->list_ids, NULL, NULL};
	struct pv_mail m = {0};
	struct pv_mail_attach parts[2] = {{0}};
	struct pv_buf msg = {0}, html = {0};
	char *att = NULL;
	int st;

	m.from = pv_cfg_str(n->cfg, "mail.from", NULL);
	if (!m.from)
		return pv_fail(e, PV_CONFIG, "mail.from is not set");
	m.from_name = pv_cfg_str(n->cfg, "mail.from_name",
				 loc && loc->id ? loc->name : NULL);
	m.reply_to = pv_cfg_str(n->cfg, "mail.reply_to", NULL);
	snprintf(idbuf, sizeof idbuf, "%lld", evid);
	if (evid)
		m.headers = hdrs;
	else if (n->list_ids)
		m.headers = lhdrs; /* a list mail: the events it tells of */
	m.to = to;
	m.to_name = to_name;
	m.subject = subject;
	m.body = body;
	m.attach = more;
	m.nattach = nmore;
	if (attach) {
		int de = loc && loc->id && strcmp(loc->language, "de") == 0;

		att = json_dumps(attach, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				 JSON_ENCODE_ANY);
		parts[0].name = de ? "auskunft.json" : "your-data.json";
		parts[0].type = "application/json";
		parts[0].data = att;
		parts[0].len = strlen(att);
		m.attach = parts;
		m.nattach = 1;
		/* The same document, for reading and printing. */
		st = pv_export_html(att, parts[0].len, loc && loc->id ?
				    loc->timezone : NULL, &html, e);
		if (st) {
			pv_wipe(att, parts[0].len);
			free(att);
			pv_buf_free(&html);
			return st;
		}
		parts[1].name = de ? "auskunft.html" : "your-data.html";
		parts[1].type = "text/html; charset=utf-8";
		parts[1].data = html.s;
		parts[1].len = html.len;
		m.nattach = 2;
	}
	m.message_id = msgid ? *msgid : NULL;
	st = pv_mail_render(&m, n->now, &msg, msgid, e);
	if (att) {
		pv_wipe(att, strlen(att));
		free(att);
	}
	if (html.s)
		pv_wipe(html.s, html.len);
	pv_buf_free(&html);
	if (st) {
		pv_buf_free(&msg);
		return st;
	}
	if (n->o.dry_run) {
		snprintf(reply, replylen, "%zu bytes not sent (dry run)",
			 msg.len);
		pv_buf_free(&msg);
		return PV_OK;
	}
	if (!n->tr) {
		st = pv_transport_open(n->cfg, n->o.transport, &n->tr, e);
		if (st) {
			pv_buf_free(&msg);
			return st;
		}
	}
	st = pv_transport_send(n->tr, m.from, to, msg.s, msg.len, reply,
			       replylen, e);
	pv_buf_free(&msg);
	return st;
}

static struct bucket *bucket_of(struct pv_notify *n, long long loc,
				long long run)
{
	size_t i;

	for (i = 0; i < n->nb; i++)
		if (n->buckets[i].loc == loc && n->buckets[i].run == run)
			return &n->buckets[i];
	n->buckets = xrealloc(n->buckets, (n->nb + 1) * sizeof *n->buckets);
	memset(&n->buckets[n->nb], 0, sizeof *n->buckets);
	n->buckets[n->nb].loc = loc;
	n->buckets[n->nb].run = run;
	return &n->buckets[n->nb++];
}

/* retention.purged: its list of records as CSV, for the business's
 * spreadsheet (no personal data: kinds, numbers, dates, the basis). */
static void purged_csv(json_t *payload, struct pv_buf *csv)
{
	static const char *const cols[] = {"kind", "record_key",
		"record_date", "retain_until", "basis"};
	json_t *r;
	size_t i, k;

	for (k = 0; k < 5; k++)
		pv_buf_addf(csv, "%s%s", k ? "," : "", cols[k]);
	pv_buf_adds(csv, "\r\n");
	json_array_foreach(json_object_get(payload, "records"), i, r) {
		for (k = 0; k < 5; k++) {
			json_t *v = json_object_get(r, cols[k]);

			if (k)
				pv_buf_addc(csv, ',');
			if (json_is_string(v))
				pv_csv_cell(csv, json_string_value(v),
					    json_string_length(v), 1);
		}
		pv_buf_adds(csv, "\r\n");
	}
}

static int deliver_email(struct pv_notify *n, const struct event *ev,
			 const struct pv_location *loc,
			 const char *const *ch, int nch, struct pv_err *e)
{
	char reply[512] = "", *subject = NULL, *body = NULL;
	char *caddr = NULL, *cname = NULL, *msgid = NULL;
	struct pv_mail_attach part = {0};
	struct pv_buf csv = {0};
	const char *to, *status;
	json_t *payload = NULL;
	int st;

	if (strcmp(ev->audience, "customer") == 0 && !n->o.to) {
		if (!customer_address(n, ev->cust, ev->req, &caddr, &cname) &&
		    !kept_address(ev, &caddr, &cname)) {
			snprintf(reply, sizeof reply, "no e-mail address on "
				 "file for customer %lld", ev->cust);
			emit(n, ev, "email", "failed", reply, NULL);
			n->nfailed++;
			return record(n, ev, "email", "failed", reply, ch,
				      nch, e);
		}
		to = caddr;
	} else {
		to = n->o.to ? n->o.to : loc->notify_email;
	}
	st = compose(n, ev, loc, &subject, &body, &payload, e);
	msgid = deliv_msgid(n, ev->id);
	if (!st && strcmp(ev->type, "retention.purged") == 0) {
		purged_csv(payload, &csv);
		part.name = loc && loc->id && strcmp(loc->language, "de") == 0
			    ? "abgelaufene-unterlagen.csv"
			    : "expired-records.csv";
		part.type = "text/csv; charset=utf-8";
		part.data = csv.s;
		part.len = csv.len;
	}
	if (!st) {
		char *prev = msgid;

		st = send_mail(n, loc, ev->id, to,
			       cname && *cname ? cname : NULL,
			       subject, body, csv.s ? &part : NULL,
			       csv.s ? 1 : 0,
			       strcmp(ev->type, PV_EXPORT_EVENT) == 0
			       ? json_object_get(payload, PV_EXPORT_EVENT_DOC)
			       : NULL,
			       &msgid, reply, sizeof reply, e);
		if (msgid != prev)
			free(prev);
	}
	free(subject);
	free(body);
	pv_buf_free(&csv);
	if (st && setup_error(n, st)) {
		json_decref(payload);
		emit(n, ev, "email", "pending", e->msg, to);
		free(caddr);
		free(cname);
		free(msgid);
		return st;
	}
	if (st == PV_DATAERR) {
		snprintf(reply, sizeof reply, "%.500s", e->msg);
		st = PV_UNAVAILABLE;
	}
	status = n->o.dry_run ? "dry-run" : outcome(n, ev, st, reply,
						    sizeof reply);
	emit(n, ev, "email", status, reply, to);
	count(n, status);
	free(caddr);
	free(cname);
	n->msgid = msgid;
	n->parsed = payload;
	n->parsed_id = ev->id;
	st = record(n, ev, "email", status, reply, ch, nch, e);
	n->parsed = NULL;
	json_decref(payload);
	n->msgid = NULL;
	free(msgid);
	return st;
}

static int deliver_webhook(struct pv_notify *n, const struct event *ev,
			   const struct pv_location *loc,
			   const char *const *ch, int nch, struct pv_err *e)
{
	char reply[512] = "", did[96];
	const char *status;
	int st = PV_OK;

	if (!n->wh)
		st = pv_webhook_open(n->cfg, &n->wh, e);
	if (st) {
		setup_error(n, st);
		emit(n, ev, "webhook", "pending", e->msg, NULL);
		return st;
	}
	snprintf(did, sizeof did, "%s-%lld", loc->slug, ev->id);
	if (n->o.dry_run) {
		snprintf(reply, sizeof reply, "not sent (dry run)");
		st = PV_OK;
	} else {
		st = pv_webhook_post(n->wh, loc->notify_webhook, ev->type, did,
				     n->now, ev->payload, strlen(ev->payload),
				     reply, sizeof reply, e);
		if (st == PV_CONFIG) {
			snprintf(reply, sizeof reply, "%.500s", e->msg);
			st = PV_UNAVAILABLE;
		}
	}
	status = n->o.dry_run ? "dry-run" : outcome(n, ev, st, reply,
						    sizeof reply);
	emit(n, ev, "webhook", status, reply, NULL);
	count(n, status);
	return record(n, ev, "webhook", status, reply, ch, nch, e);
}

static int deliver(struct pv_notify *n, long long id, struct pv_err *e)
{
	struct event ev = {0};
	struct pv_location loc = {0};
	const char *ch[2];
	char buf[16];
	int nch = 0, st = PV_OK, i, business;

	if (!load_event(n, id, &ev))
		return PV_OK;
	if (strcmp(ev.status, "delivered") == 0 ||
	    strcmp(ev.status, "failed") == 0) {
		emit(n, &ev, "none", "skipped", strcmp(ev.status,
			"delivered") == 0 ? "already delivered"
					  : "already failed", NULL);
		event_free(&ev);
		return PV_OK;
	}
	if (ev.loc) {
		st = pv_location_get_id(n->db, ev.loc, &loc, e);
		if (st) {
			event_free(&ev);
			return st;
		}
	}
	business = strcmp(ev.audience, "business") == 0;
	if (!business || n->o.to || loc.notify_email)
		ch[nch++] = "email";
	if (business && !n->o.to && loc.notify_webhook)
		ch[nch++] = "webhook";
	if (nch == 0) {
		emit(n, &ev, "none", "pending", "the location has no "
		     "notify-email or notify-webhook", NULL);
		n->noroute++;
		goto out;
	}
	for (i = 0; i < nch && !n->setup_status; i++) {
		const char *ds = deliv_status(n, id, ch[i], buf, sizeof buf);

		if (strcmp(ds, "delivered") == 0 || strcmp(ds, "failed") == 0)
			continue;
		/* a bulk run's erasures: one mail with the list */
		if (strcmp(ch[i], "email") == 0 && business && ev.run &&
		    strcmp(ev.type, "erasure.completed") == 0) {
			struct bucket *b = bucket_of(n, ev.loc, ev.run);

			add_id(&b->ids, &b->n, &b->cap, id);
			continue;
		}
		if (strcmp(ch[i], "email") == 0 && business && n->o.digest) {
			struct bucket *b = bucket_of(n, ev.loc, 0);

			add_id(&b->ids, &b->n, &b->cap, id);
			continue;
		}
		if (strcmp(ch[i], "email") == 0)
			st = deliver_email(n, &ev, &loc, ch, nch, e);
		else
			st = deliver_webhook(n, &ev, &loc, ch, nch, e);
		if (st && !setup_error(n, st))
			st = PV_OK;
	}
out:
	pv_location_free(&loc);
	event_free(&ev);
	return n->setup_status ? n->setup_status : PV_OK;
}

static int deliver_digest(struct pv_notify *n, struct bucket *b,
			  struct pv_err *e)
{
	struct pv_location loc = {0};
	struct event *evs = xcalloc(b->n, sizeof *evs);
	struct pv_buf all = {0};
	char reply[512] = "", *subject = NULL, *body = NULL, cnt[32];
	const struct pv_notify_text *t = pv_notify_text("digest");
	const char *status;
	size_t i;
	int st;

	st = pv_location_get_id(n->db, b->loc, &loc, e);
	for (i = 0; !st && i < b->n; i++) {
		char *s = NULL, *bd = NULL;
		json_t *p = NULL;

		load_event(n, b->ids[i], &evs[i]);
		st = compose(n, &evs[i], &loc, &s, &bd, &p, e);
		if (!st)
			pv_buf_addf(&all, "== %s ==\n\n%s\n", s, bd);
		free(s);
		free(bd);
		json_decref(p);
	}
	if (!st) {
		struct event dev = {0};
		json_t *p;
		char *ts = NULL, *tb = NULL;
		struct pv_buf bs = {0}, bb = {0};
		struct tctx c = {0};

		dev.type = "digest";
		snprintf(cnt, sizeof cnt, "%zu", b->n);
		p = json_object();
		json_object_set_new(p, "count", json_string(cnt));
		c.payload = p;
		c.ev = &dev;
		c.loc = &loc;
		c.lang = loc.language;
		c.tz = loc.timezone;
		c.details = all.s;
		st = pv_tmpl_load(n->cfg, "digest", loc.language,
				  strcmp(loc.language, "de") == 0 ? t->de
								  : t->en,
				  &ts, &tb, e);
		if (!st)
			st = pv_tmpl_render("digest", ts, tlookup, &c, &bs, e);
		if (!st)
			st = pv_tmpl_render("digest", tb, tlookup, &c, &bb, e);
		free(ts);
		free(tb);
		json_decref(p);
		subject = pv_buf_detach(&bs);
		body = pv_buf_detach(&bb);
	}
	if (!st)
		st = send_mail(n, &loc, 0, n->o.to ? n->o.to : loc.notify_email,
			       NULL, subject, body, NULL, 0, NULL, NULL, reply,
			       sizeof reply, e);
	free(subject);
	free(body);
	pv_buf_free(&all);
	if (st && setup_error(n, st)) {
		for (i = 0; i < b->n; i++)
			if (evs[i].type)
				emit(n, &evs[i], "email", "pending", e->msg,
				     NULL);
		goto out;
	}
	status = n->o.dry_run ? "dry-run" : outcome(n, &evs[0], st, reply,
						    sizeof reply);
	st = PV_OK;
	for (i = 0; i < b->n && !st; i++) {
		const char *ch[2] = {"email", "webhook"};
		int nch = loc.notify_webhook && !n->o.to ? 2 : 1;

		emit(n, &evs[i], "email", status, reply, NULL);
		count(n, status);
		st = record(n, &evs[i], "email", status, reply, ch, nch, e);
	}
out:
	for (i = 0; i < b->n; i++)
		event_free(&evs[i]);
	free(evs);
	pv_location_free(&loc);
	return st;
}

/* An event of a list bucket that is alone in its run: its usual mail. */
static int deliver_alone(struct pv_notify *n, long long id, struct pv_err *e)
{
	const char *ch[2] = {"email", "webhook"};
	struct pv_location loc = {0};
	struct event ev = {0};
	int st;

	if (!load_event(n, id, &ev))
		return PV_OK;
	st = pv_location_get_id(n->db, ev.loc, &loc, e);
	if (!st) {
		st = deliver_email(n, &ev, &loc, ch, loc.notify_webhook &&
				   !n->o.to ? 2 : 1, e);
		if (st && !setup_error(n, st))
			st = PV_OK;
	}
	pv_location_free(&loc);
	event_free(&ev);
	return st;
}

/* Add the integer counts of object `from` to those of `to`. */
static void add_counts(json_t *to, json_t *from)
{
	const char *k;
	json_t *v;

	json_object_foreach(from, k, v) {
		json_int_t had = json_integer_value(json_object_get(to, k));

		if (json_is_integer(v))
			json_object_set_new(to, k, json_integer(
				had + json_integer_value(v)));
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* "12-40 45 47-48": the event ids of a list mail, for its header. */
static char *id_ranges(const long long *ids, size_t n)
{
	long long *v = xcalloc(n ? n : 1, sizeof *v);
	struct pv_buf b = {0};
	size_t i, j;

	memcpy(v, ids, n * sizeof *v);
	qsort(v, n, sizeof *v, cmp_ll);
	pv_buf_adds(&b, "");
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[j - 1] + 1; j++)
			;
		pv_buf_addf(&b, "%s%lld", i ? " " : "", v[i]);
		if (j - 1 > i)
			pv_buf_addf(&b, "-%lld", v[j - 1]);
	}
	free(v);
	return pv_buf_detach(&b);
}

/* The list's columns: what the business needs to find each customer in
 * its other systems (booking, till, newsletter), and how long what the
 * law makes us keep stays restricted; nothing else. */
static const char *const list_cols[] = {"external_id", "first_name",
	"last_name", "email", "phone", "restricted_until"};

/*
 * The erasures of one bulk run at one location: one mail to the business
 * with the list as a CSV attachment instead of a mail per customer; each
 * event's delivery is recorded (and its payload scrubbed) as for a mail
 * of its own.
 */
static int deliver_list(struct pv_notify *n, struct bucket *b,
			struct pv_err *e)
{
	const struct pv_notify_text *t = pv_notify_text("erasure.list");
	struct pv_location loc = {0};
	struct event *evs, dev = {0};
	struct pv_buf csv = {0}, bs = {0}, bb = {0};
	struct pv_mail_attach part = {0};
	char reply[512] = "", num[32], *ts = NULL, *tb = NULL, *msgid = NULL;
	json_t *p = json_object(), *sums[3];
	static const char *const sumk[] = {"deleted", "anonymised",
					   "retained"};
	struct tctx c = {0};
	const char *status;
	long long restricted = 0;
	size_t i, k;
	int st;

	if (b->n == 1) {
		json_decref(p);
		return deliver_alone(n, b->ids[0], e);
	}
	evs = xcalloc(b->n, sizeof *evs);
	for (k = 0; k < 3; k++)
		sums[k] = json_object();
	st = pv_location_get_id(n->db, b->loc, &loc, e);
	for (k = 0; k < sizeof list_cols / sizeof list_cols[0]; k++)
		pv_buf_addf(&csv, "%s%s", k ? "," : "", list_cols[k]);
	pv_buf_adds(&csv, "\r\n");
	for (i = 0; !st && i < b->n; i++) {
		json_t *ep, *cust;

		load_event(n, b->ids[i], &evs[i]);
		ep = json_loads(evs[i].payload ? evs[i].payload : "{}", 0,
				NULL);
		cust = json_object_get(ep, "customer");
		for (k = 0; k < sizeof list_cols / sizeof list_cols[0]; k++) {
			json_t *v = json_object_get(k < 5 ? cust : ep,
						    list_cols[k]);

			if (k)
				pv_buf_addc(&csv, ',');
			if (json_is_string(v))
				pv_csv_cell(&csv, json_string_value(v),
					    json_string_length(v), 1);
		}
		pv_buf_adds(&csv, "\r\n");
		for (k = 0; k < 3; k++)
			add_counts(sums[k], json_object_get(ep, sumk[k]));
		restricted += json_is_string(json_object_get(
			ep, "restricted_until"));
		json_decref(ep);
	}
	if (st)
		goto out;
	snprintf(num, sizeof num, "%zu", b->n);
	json_object_set_new(p, "count", json_string(num));
	snprintf(num, sizeof num, "%lld", restricted);
	json_object_set_new(p, "restricted", json_string(num));
	for (k = 0; k < 3; k++)
		json_object_set(p, sumk[k], sums[k]);
	dev.type = "erasure.list";
	dev.audience = "business";
	c.payload = p;
	c.ev = &dev;
	c.loc = &loc;
	c.lang = loc.language;
	c.tz = loc.timezone;
	c.details = "";
	st = pv_tmpl_load(n->cfg, "erasure.list", loc.language,
			  strcmp(loc.language, "de") == 0 ? t->de : t->en,
			  &ts, &tb, e);
	if (!st)
		st = pv_tmpl_render("erasure.list", ts, tlookup, &c, &bs, e);
	if (!st)
		st = pv_tmpl_render("erasure.list", tb, tlookup, &c, &bb, e);
	for (i = 0; i < (size_t)c.nvals; i++)
		free(c.vals[i]);
	free(ts);
	free(tb);
	if (!st) {
		signature(n, &dev, &loc, loc.language, &bb);
		part.name = strcmp(loc.language, "de") == 0
			    ? "geloeschte-kunden.csv" : "erased-customers.csv";
		part.type = "text/csv; charset=utf-8";
		part.data = csv.s;
		part.len = csv.len;
		/* a list sent again after its answer was lost keeps its
		 * Message-ID, so that the receiver can drop the copy */
		msgid = deliv_msgid(n, evs[0].id);
		n->list_ids = id_ranges(b->ids, b->n);
		{
			char *prev = msgid;

			st = send_mail(n, &loc, 0, n->o.to ? n->o.to
					: loc.notify_email, NULL, bs.s, bb.s,
				       &part, 1, NULL, &msgid, reply,
				       sizeof reply, e);
			if (msgid != prev)
				free(prev);
		}
		free(n->list_ids);
		n->list_ids = NULL;
	}
	if (st && setup_error(n, st)) {
		for (i = 0; i < b->n; i++)
			if (evs[i].type)
				emit(n, &evs[i], "email", "pending", e->msg,
				     NULL);
		goto out;
	}
	if (st == PV_DATAERR) {
		snprintf(reply, sizeof reply, "%.500s", e->msg);
		st = PV_UNAVAILABLE;
	}
	status = n->o.dry_run ? "dry-run" : outcome(n, &evs[0], st, reply,
						    sizeof reply);
	/* One transaction for the list: a crash repeats the one message in
	 * flight, as for a mail of its own, never a part of it. */
	st = n->o.dry_run ? PV_OK : pv_db_begin(n->db, e);
	n->list_txn = 1;
	n->msgid = msgid;
	for (i = 0; i < b->n && !st; i++) {
		const char *ch[2] = {"email", "webhook"};
		int nch = loc.notify_webhook && !n->o.to ? 2 : 1;

		emit(n, &evs[i], "email", status, reply, NULL);
		count(n, status);
		st = record(n, &evs[i], "email", status, reply, ch, nch, e);
	}
	n->list_txn = 0;
	n->msgid = NULL;
	if (!n->o.dry_run && st)
		pv_db_rollback(n->db);
	else if (!n->o.dry_run)
		st = pv_db_commit(n->db, e);
out:
	free(msgid);
	if (csv.s)
		pv_wipe(csv.s, csv.len);
	pv_buf_free(&csv);
	pv_buf_free(&bs);
	if (bb.s)
		pv_wipe(bb.s, bb.len);
	pv_buf_free(&bb);
	json_decref(p);
	for (k = 0; k < 3; k++)
		json_decref(sums[k]);
	for (i = 0; i < b->n; i++)
		event_free(&evs[i]);
	free(evs);
	pv_location_free(&loc);
	return st;
}

static int run_all(struct pv_notify *n, struct pv_err *e);

int pv_notify_run(struct pv_notify *n, struct pv_err *e)
{
	int st, normal = 0;

	/* One commit per delivery, right after the server's answer: in WAL
	 * mode NORMAL keeps each across a crash or kill of the process and
	 * only skips its fsync, which a power failure can undo; then the
	 * last deliveries are made again, under their Message-IDs, as after
	 * a lost answer (notify(1)).  An fsync per mail capped a run at the
	 * disk's flush rate (bench/RESULTS.md).  Events queued from stdin
	 * are committed before this, with the connection's FULL. */
	if (!n->o.dry_run && sqlite3_get_autocommit(n->db)) {
		if ((st = pv_db_exec(n->db, "PRAGMA synchronous = NORMAL", e)))
			return st;
		normal = 1;
	}
	pv_progress_start(&n->prog, "deliveries", 0);
	st = run_all(n, e);
	pv_progress_end(&n->prog);
	if (normal && sqlite3_get_autocommit(n->db)) {
		struct pv_err fe = {0};

		(void)pv_db_exec(n->db, "PRAGMA synchronous = FULL", &fe);
	}

	/* A scrubbed payload (an erasure.completed names the erased
	 * customer) must leave no copy behind: the old page stays in the
	 * main file, and the new one in the WAL, until a checkpoint, which
	 * the close of the last connection does only when no other process
	 * has the database open (found by tests/security-erase.t).  The
	 * deliveries are committed either way; a failed checkpoint is made
	 * good by the next one. */
	if (n->scrubbed && sqlite3_get_autocommit(n->db)) {
		struct pv_err ce = {0};

		(void)pv_db_checkpoint_truncate(n->db, &ce);
	}
	return st;
}

static int run_all(struct pv_notify *n, struct pv_err *e)
{
	size_t i;
	int st = PV_OK;

	if (n->pending) {
		sqlite3_stmt *s = pv_db_prepare(n->db, "SELECT id FROM events "
			"WHERE status IN ('pending', 'deferred') AND "
			"(next_attempt_at IS NULL OR next_attempt_at <= ?) "
			"ORDER BY id", e);

		if (!s)
			return e->status;
		pv_bind_text(s, 1, n->nowbuf);
		while (sqlite3_step(s) == SQLITE_ROW)
			add_id(&n->ids, &n->nids, &n->capids,
			       sqlite3_column_int64(s, 0));
		sqlite3_finalize(s);
	}
	for (i = 0; i < n->nids; i++) {
		st = deliver(n, n->ids[i], e);
		if (st)
			return st;
	}
	for (i = 0; i < n->nb && !n->setup_status; i++) {
		st = n->buckets[i].run ? deliver_list(n, &n->buckets[i], e)
				       : deliver_digest(n, &n->buckets[i], e);
		if (st)
			return st;
	}
	if (n->setup_status)
		return n->setup_status;
	if (n->noroute)
		return pv_fail(e, PV_CONFIG, "%d events wait: their location "
			       "has no notify-email or notify-webhook",
			       n->noroute);
	if (n->nfailed)
		return pv_fail(e, PV_UNAVAILABLE, "%d deliveries failed for "
			       "good", n->nfailed);
	if (n->ndeferred)
		return pv_fail(e, PV_TEMPFAIL, "%d deliveries deferred; run "
			       "again later", n->ndeferred);
	return PV_OK;
}
