/*
 * request.c - privacy requests: intake, identity check, deadlines,
 * extension, rejection, completion, listing.  Fulfilment (process) is in
 * request-process.c.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "json.h"
#include "location.h"
#include "outbox.h"
#include "remind.h"
#include "request.h"
#include "request-int.h"
#include "secret.h"
#include "subject.h"
#include "tombstone.h"

const char *const pv_request_types[] = {
	"access", "portability", "erasure", "rectification", "restriction",
	"objection", NULL,
};
const char *const pv_request_channels[] = {
	"booking-form", "email", "phone", "letter", "in-person", "web", NULL,
};
const char *const pv_request_statuses[] = {
	"unverified", "received", "verified", "in-progress", "completed",
	"rejected", "cancelled", NULL,
};

int pv_req_in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static void join_list(const char *const *list, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; list[i] && len < n; i++)
		len += snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
				list[i]);
}

int pv_req_is_final(const char *status)
{
	return strcmp(status, "completed") == 0 ||
	       strcmp(status, "rejected") == 0 ||
	       strcmp(status, "cancelled") == 0;
}

#define REQ_COLS                                                           \
	"r.id, r.location_id, coalesce(r.customer_id, 0), l.slug, "        \
	"l.timezone, l.holidays, coalesce(s.requests, 'manual'), r.type, " \
	"r.channel, r.status, r.received_at, r.due_on, r.extended_due_on, "\
	"r.verify_hash, r.verify_attempts, r.verify_expires_at, "          \
	"r.extension_reason, r.reject_reason, r.note, r.result, r.error, " \
	"r.updated_at, r.verify_resends, r.verified_by, r.cancel_reason, "  \
	"r.requester_email IS NOT NULL AND r.customer_id IS NULL, "        \
	"m.ack_key, m.ack_until, m.ack_by, m.ack_reason "
#define REQ_FROM                                                           \
	"FROM requests r JOIN locations l ON l.id = r.location_id "        \
	"LEFT JOIN settings s ON s.location_id = r.location_id "           \
	"LEFT JOIN reminders m ON m.request_id = r.id "

static long parse_day(const char *s)
{
	int y, m, d;

	if (!s || pv_date_parse(s, &y, &m, &d) != 0)
		return -1;
	return pv_days_from_civil(y, m, d);
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

void pv_req_fill(sqlite3_stmt *st, struct pv_req *r)
{
	const char *v;

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->location_id = sqlite3_column_int64(st, 1);
	r->customer_id = sqlite3_column_int64(st, 2);
	copy(r->slug, sizeof r->slug, pv_col_text(st, 3));
	copy(r->tz, sizeof r->tz, pv_col_text(st, 4));
	copy(r->region, sizeof r->region, pv_col_text(st, 5));
	copy(r->mode, sizeof r->mode, pv_col_text(st, 6));
	copy(r->type, sizeof r->type, pv_col_text(st, 7));
	copy(r->channel, sizeof r->channel, pv_col_text(st, 8));
	copy(r->status, sizeof r->status, pv_col_text(st, 9));
	if (pv_time_parse(pv_col_text(st, 10), &r->received) != 0)
		r->received = 0;
	r->due = parse_day(pv_col_text(st, 11));
	r->xdue = parse_day(pv_col_text(st, 12));
	copy(r->verify_hash, sizeof r->verify_hash, pv_col_text(st, 13));
	r->attempts = sqlite3_column_int(st, 14);
	v = pv_col_text(st, 15);
	if (!v || pv_time_parse(v, &r->verify_expires) != 0)
		r->verify_expires = 0;
	r->resends = sqlite3_column_int(st, 22);
	r->unknown = sqlite3_column_int(st, 25);
}

/* The deadline that runs now: the extended one when there is one. */
long pv_req_due(const struct pv_req *r)
{
	return r->xdue >= 0 ? r->xdue : r->due;
}

int pv_req_load(sqlite3 *db, long long id, struct pv_req *r,
		struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT " REQ_COLS REQ_FROM
					 "WHERE r.id = ?", e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		pv_req_fill(st, r);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return PV_OK;
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "requests");
	return pv_fail(e, PV_NOINPUT, "no such request: %lld", id);
}

/* One statement that must run to completion. */
static int exec_done(sqlite3 *db, sqlite3_stmt *st, const char *what,
		     struct pv_err *e)
{
	int rc;

	if (!st)
		return e->status;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, what);
	return PV_OK;
}

int pv_req_history(sqlite3 *db, long long id, const char *status,
		   const char *note, struct pv_err *e)
{
	char at[PV_TIME_LEN];
	sqlite3_stmt *st = pv_db_prepare(db, "INSERT INTO request_history "
					 "(request_id, at, status, note) "
					 "VALUES (?, ?, ?, ?)", e);

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
	pv_bind_text(st, 3, status);
	pv_bind_text_opt(st, 4, note);
	return exec_done(db, st, "request history", e);
}

/* Status change + history + audit, in the caller's transaction.  detail
 * is a JSON object text without personal data, or NULL. */
int pv_req_change(sqlite3 *db, const struct pv_req *r, const char *status,
		  const char *action, const char *note, const char *detail,
		  struct pv_err *e)
{
	char at[PV_TIME_LEN], obj[64];
	sqlite3_stmt *st;
	int rc;

	st = pv_db_prepare(db, "UPDATE requests SET status = ?, updated_at = ? "
			   "WHERE id = ?", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, status);
	pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
	sqlite3_bind_int64(st, 3, r->id);
	if ((rc = exec_done(db, st, "requests", e)))
		return rc;
	if ((rc = pv_req_history(db, r->id, status, note, e)))
		return rc;
	snprintf(obj, sizeof obj, "request:%lld", r->id);
	return pv_audit(db, action, obj, detail, e);
}

static int tz_region(const char *tz)
{
	return tz && *tz;
}

int pv_req_due_for(const struct pv_cfg *cfg, const char *slug,
		   const char *tz, const char *region, time_t received,
		   int months, long *due, struct pv_err *e)
{
	long *extra = NULL;
	size_t n = 0;
	int rc;

	if ((rc = pv_cal_extra_days(cfg, slug, &extra, &n, e)))
		return rc;
	*due = pv_cal_due(received, tz_region(tz) ? tz : "UTC", region, extra,
			  n, months);
	free(extra);
	return PV_OK;
}

/*
 * Codes people can type: PV_CODE_LEN characters of Crockford's base32
 * (digits and capitals without I, L, O, U), 40 random bits.  That is
 * enough because a code lives PV_VERIFY_HOURS, dies after
 * PV_VERIFY_ATTEMPTS wrong guesses, and a request gets at most
 * PV_VERIFY_RESENDS fresh ones; it is too little for a plain hash, so the
 * database keeps only an HMAC under a key beside it ("<db>.code-key"),
 * bound to the request id: a copy of the database tells nobody the code,
 * and a code answers only its own request.
 */
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void new_code(char out[PV_CODE_LEN + 1])
{
	for (int i = 0; i < PV_CODE_LEN; i++)
		out[i] = crockford[randombytes_uniform(32)];
	out[PV_CODE_LEN] = 0;
}

/* The key beside the database (created when create is set). */
static int code_key(sqlite3 *db, int create, unsigned char key[PV_KEY_LEN],
		    struct pv_err *e)
{
	const char *f = sqlite3_db_filename(db, "main");
	char *path;
	int rc;

	if (!f || !*f)
		return pv_fail(e, PV_SOFTWARE, "the code key needs a "
			       "database file");
	path = xasprintf("%s.code-key", f);
	rc = pv_key_file(path, "code key", create, key, NULL, e);
	free(path);
	return rc;
}

/*
 * The keyed hash of a code as typed: case, spaces and dashes do not
 * count, and the letters people mistake for digits (I, L, O) are read as
 * the digits (Crockford).  -1 when it cannot be a code.
 */
static int code_hash(const unsigned char key[PV_KEY_LEN], long long id,
		     const char *code, char out[65])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char norm[64];
	size_t k;
	int rc = 0;

	k = (size_t)snprintf(norm, sizeof norm, "%lld:", id);
	for (const char *p = code; *p && !rc; p++) {
		char ch = *p;

		if (ch == ' ' || ch == '-')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch == 'I' || ch == 'L')
			ch = '1';
		else if (ch == 'O')
			ch = '0';
		if (!strchr(crockford, ch) || ch == 0 ||
		    k + 1 >= sizeof norm)
			rc = -1;
		else
			norm[k++] = ch;
	}
	norm[k] = 0;
	if (!rc && strlen(strchr(norm, ':') + 1) != PV_CODE_LEN)
		rc = -1;
	if (!rc) {
		crypto_auth_hmacsha256(mac, (const unsigned char *)norm, k,
				       key);
		sodium_bin2hex(out, 65, mac, sizeof mac);
	}
	sodium_memzero(norm, sizeof norm);
	sodium_memzero(mac, sizeof mac);
	return rc;
}

/*
 * In the caller's transaction: a fresh code for request r (the old one,
 * if any, dies), valid PV_VERIFY_HOURS, with PV_VERIFY_ATTEMPTS
 * attempts, and the outbox event that mails it to the address on file.
 */
static int issue_code(sqlite3 *db, const unsigned char key[PV_KEY_LEN],
		      long long id, const char *type, long long location_id,
		      long long customer_id, struct pv_err *e)
{
	char code[PV_CODE_LEN + 1], shown[PV_CODE_LEN + 2], hash[65];
	char exp_s[PV_TIME_LEN], *fields;
	sqlite3_stmt *st;
	int rc;

	new_code(code);
	code_hash(key, id, code, hash);
	/* shown in two halves, as people read it out: 7KQ4-M2XD */
	snprintf(shown, sizeof shown, "%.4s-%s", code, code + 4);
	pv_time_fmt(pv_now() + PV_VERIFY_HOURS * 3600, exp_s);
	st = pv_db_prepare(db, "UPDATE requests SET verify_hash = ?, "
			   "verify_expires_at = ?, verify_attempts = 0 "
			   "WHERE id = ?", e);
	if (st) {
		pv_bind_text(st, 1, hash);
		pv_bind_text(st, 2, exp_s);
		sqlite3_bind_int64(st, 3, id);
	}
	if ((rc = exec_done(db, st, "requests", e))) {
		sodium_memzero(code, sizeof code);
		sodium_memzero(shown, sizeof shown);
		return rc;
	}
	fields = pv_jsonf("{s:s,s:s,s:s}", "type", type, "code", shown,
			  "expires", exp_s);
	sodium_memzero(code, sizeof code);
	sodium_memzero(shown, sizeof shown);
	rc = pv_event_add(db, "request.verification", location_id,
			  customer_id, id, "customer", fields, NULL, e);
	sodium_memzero(fields, strlen(fields));
	free(fields);
	return rc;
}

static int customer_email(sqlite3 *db, long long cid, int *has,
			  struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT email IS NOT NULL AND "
					 "email <> '' FROM customers WHERE "
					 "id = ?", e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, cid);
	rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return pv_fail(e, PV_NOINPUT, "no such customer: %lld", cid);
	if (rc != SQLITE_ROW)
		return pv_db_fail(db, e, "customers");
	return PV_OK;
}

/*
 * Export, erasure and completion need a request whose identity was
 * checked: by the code (verified), or by staff.  A request that is
 * received (nobody checked who asked) passes only when staff say so
 * (unchecked_ok); one waiting for its code never does.
 */
static int identity_checked(const struct pv_req *r, int unchecked_ok,
			    struct pv_err *e)
{
	if (strcmp(r->status, "unverified") == 0)
		return pv_fail(e, PV_DATAERR, "request %lld is unverified: "
			       "check the identity first (request verify)",
			       r->id);
	if (strcmp(r->status, "received") == 0 && !unchecked_ok)
		return pv_fail(e, PV_DATAERR, "request %lld: the identity of "
			       "the person who asked was never checked: "
			       "check it first (request verify --verified-by "
			       "METHOD) or say --unverified-ok", r->id);
	return PV_OK;
}

/* The location a request about nobody we know came to: the one named,
 * else the first one (the controller's; one location is the usual). */
static int intake_location(sqlite3 *db, const char *slug, long long *id,
			   struct pv_err *e)
{
	struct pv_location loc;
	sqlite3_stmt *st;
	int rc;

	if (slug) {
		if ((rc = pv_location_get(db, slug, &loc, e)))
			return rc;
		*id = loc.id;
		pv_location_free(&loc);
		return PV_OK;
	}
	if (!(st = pv_db_prepare(db, "SELECT min(id) FROM locations", e)))
		return e->status;
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return pv_db_fail(db, e, "locations");
	if (!*id)
		return pv_fail(e, PV_NOINPUT, "no location yet: privacyctl "
			       "location add");
	return PV_OK;
}

/* A request by e-mail address: the first customer with the address at
 * any location (not one where several have it), into in; 1 when there is
 * one, 0 when not, -1 on error (e set). */
static int first_customer(sqlite3 *db, const char *email,
			  struct pv_request_in *in, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_stmt(db, "SELECT id, location_id "
				      "FROM customers WHERE email = ?1 "
				      "AND NOT EXISTS (SELECT 1 FROM "
				      "customers d WHERE d.email = ?1 "
				      "GROUP BY d.location_id HAVING "
				      "count(*) > 1) "
				      "ORDER BY id LIMIT 1", e);
	int rc;

	if (!st)
		return -1;
	pv_bind_text(st, 1, email);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		in->customer_id = sqlite3_column_int64(st, 0);
		in->location_id = sqlite3_column_int64(st, 1);
		in->email = NULL;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE) {
		pv_db_fail(db, e, "customers");
		return -1;
	}
	return 0;
}

int pv_request_subject(sqlite3 *db, const struct pv_subject_opts *so,
		       struct pv_request_in *in, struct pv_err *e)
{
	struct pv_subject s;
	int rc;

	in->by_email = so->email && !so->customer && !so->external_id &&
		       !so->request;
	/* several locations may know the address: the request goes to the
	 * first one's customer and covers the others */
	if (in->by_email && !so->location &&
	    (rc = first_customer(db, so->email, in, e)) != 0)
		return rc < 0 ? e->status : PV_OK;
	rc = pv_subject_from_opts(db, so, &s, e);
	/* not a customer of the location asked, but of another one of the
	 * controller: the request is that customer's (and covers the
	 * others), not "we hold no data about you" */
	if (rc == PV_NOINPUT && in->by_email && so->location) {
		struct pv_err fe = {0};
		int found = first_customer(db, so->email, in, &fe);

		if (found) {
			*e = fe; /* the lookup's error, or none */
			return found < 0 ? e->status : PV_OK;
		}
	}
	if (rc == PV_NOINPUT && so->email && !so->customer &&
	    !so->external_id && !so->request) {
		/* nobody we know: recorded all the same (request.h) */
		in->customer_id = 0;
		in->email = so->email;
		return intake_location(db, so->location, &in->location_id, e);
	}
	if (rc)
		return rc;
	if (so->location && so->customer) {
		struct pv_location loc;

		if ((rc = pv_location_get(db, so->location, &loc, e)))
			return rc;
		rc = loc.id != s.location_id;
		pv_location_free(&loc);
		if (rc)
			return pv_fail(e, PV_USAGE, "customer %lld does not "
				       "belong to location '%s'",
				       s.customer_id, so->location);
	}
	in->customer_id = s.customer_id;
	in->location_id = s.location_id;
	in->email = NULL;
	return PV_OK;
}

/*
 * In the caller's transaction: the open request of the same type for the
 * same subject (the customer, or the address that asked when it matched
 * nobody), 0 when there is none.
 */
static int open_duplicate(sqlite3 *db, const struct pv_request_in *in,
			  long long *dup, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT id FROM requests WHERE "
					 "type = ?1 AND status NOT IN "
					 "('completed', 'rejected', "
					 "'cancelled') AND (customer_id = ?2 "
					 "OR (?2 = 0 AND customer_id IS NULL "
					 "AND requester_email = ?3 COLLATE "
					 "NOCASE)) ORDER BY id LIMIT 1", e);
	int rc;

	*dup = 0;
	if (!st)
		return e->status;
	pv_bind_text(st, 1, in->type);
	sqlite3_bind_int64(st, 2, in->customer_id);
	pv_bind_text(st, 3, in->customer_id ? NULL : in->email);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*dup = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return pv_db_fail(db, e, "requests");
	return PV_OK;
}

/* In the caller's transaction: the same request again is a line in the
 * first one's history and the audit log; no deadline, no mail. */
static int link_duplicate(sqlite3 *db, long long dup, const char *channel,
			  struct pv_err *e)
{
	char obj[64], *note, *detail;
	struct pv_req r;
	int rc;

	if ((rc = pv_req_load(db, dup, &r, e)))
		return rc;
	note = xasprintf("asked again (%s): linked to this request, no "
			 "second deadline", channel);
	rc = pv_req_history(db, dup, r.status, note, e);
	free(note);
	if (rc)
		return rc;
	snprintf(obj, sizeof obj, "request:%lld", dup);
	detail = pv_jsonf("{s:s}", "channel", channel);
	rc = pv_audit(db, "request.duplicate", obj, detail, e);
	free(detail);
	return rc;
}

/*
 * In the caller's transaction: the customers with the same address at the
 * controller's other locations are linked to request id (J9); fulfilment
 * goes through them with the request's own customer.
 */
static int link_locations(sqlite3 *db, long long id, long long cid,
			  struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "INSERT INTO request_customers "
		"(request_id, customer_id) SELECT ?1, c.id FROM customers c "
		"JOIN customers p ON p.id = ?2 WHERE c.email = p.email AND "
		"c.location_id <> p.location_id ORDER BY c.id", e);

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, cid);
	return exec_done(db, st, "request_customers", e);
}

int pv_request_linked(sqlite3 *db, long long id, struct pv_subject **out,
		  size_t *n, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT c.id, c.location_id "
		"FROM request_customers rc JOIN customers c ON c.id = "
		"rc.customer_id WHERE rc.request_id = ? ORDER BY c.id", e);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 4;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		memset(&(*out)[*n], 0, sizeof **out);
		(*out)[*n].customer_id = sqlite3_column_int64(st, 0);
		(*out)[*n].location_id = sqlite3_column_int64(st, 1);
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return pv_db_fail(db, e, "request_customers");
	}
	return PV_OK;
}

int pv_request_in_check(const struct pv_request_in *in, struct pv_err *e)
{
	const char *channel = in->channel ? in->channel : "email";
	char list[160];

	if (!in->type || !pv_req_in_list(pv_request_types, in->type)) {
		join_list(pv_request_types, list, sizeof list);
		return pv_fail(e, PV_USAGE, "--type: must be one of %s", list);
	}
	if (!pv_req_in_list(pv_request_channels, channel)) {
		join_list(pv_request_channels, list, sizeof list);
		return pv_fail(e, PV_USAGE, "--channel: must be one of %s",
			       list);
	}
	return PV_OK;
}

int pv_request_new(sqlite3 *db, const struct pv_cfg *cfg,
		   const struct pv_request_in *in, long long *id,
		   struct pv_err *e)
{
	char at[PV_TIME_LEN], rec[PV_TIME_LEN], due_s[PV_TIME_LEN];
	char obj[64];
	unsigned char key[PV_KEY_LEN];
	const char *channel = in->channel ? in->channel : "email";
	const char *status;
	struct pv_location loc = {0};
	time_t now = pv_now(), received = in->received ? in->received : now;
	sqlite3_stmt *st;
	char *detail, *fields;
	long due;
	int rc, need_code, has_email = 0;

	if ((rc = pv_request_in_check(in, e)))
		return rc;
	if (received > now)
		return pv_fail(e, PV_USAGE, "--received: lies in the future");
	if ((rc = pv_location_get_id(db, in->location_id, &loc, e)))
		return rc;
	rc = pv_req_due_for(cfg, loc.slug, loc.timezone, loc.holidays,
			    received, 1, &due, e);
	/* privacy-web's form (channel web) is anonymous: its requests always
	 * wait for the code, at manual locations too */
	need_code = ((strcmp(loc.requests, "self-service") == 0 &&
		      strcmp(channel, "booking-form") == 0) ||
		     strcmp(channel, "web") == 0) && !in->verified;
	if (!rc && in->customer_id)
		rc = customer_email(db, in->customer_id, &has_email, e);
	else if (!rc)
		has_email = in->email && *in->email;
	if (!rc && !in->customer_id && !has_email)
		rc = pv_fail(e, PV_USAGE, "a request needs a customer or the "
			     "address that asked");
	if (!rc && need_code && !has_email)
		rc = pv_fail(e, PV_DATAERR, "customer %lld has no e-mail "
			     "address on file to send the code to: check the "
			     "identity otherwise and use --verified",
			     in->customer_id);
	if (!rc && need_code)
		rc = code_key(db, 1, key, e);
	if (rc) {
		pv_location_free(&loc);
		return rc;
	}
	status = need_code ? "unverified" : in->verified ? "verified"
							 : "received";
	if ((rc = pv_db_begin(db, e))) {
		pv_location_free(&loc);
		sodium_memzero(key, sizeof key);
		return rc;
	}
	if (in->duplicate)
		*in->duplicate = 0;
	if (open_duplicate(db, in, id, e))
		goto fail;
	if (*id) {
		if (link_duplicate(db, *id, channel, e))
			goto fail;
		if (in->duplicate)
			*in->duplicate = 1;
		pv_location_free(&loc);
		sodium_memzero(key, sizeof key);
		return pv_db_commit(db, e);
	}
	pv_time_fmt(now, at);
	pv_time_fmt(received, rec);
	pv_date_fmt(due, due_s);
	st = pv_db_prepare(db, "INSERT INTO requests (location_id, "
			   "customer_id, type, channel, status, received_at, "
			   "due_on, created_at, updated_at, requester_email) "
			   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?8, ?9)", e);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, loc.id);
	if (in->customer_id)
		sqlite3_bind_int64(st, 2, in->customer_id);
	pv_bind_text(st, 9, in->customer_id ? NULL : in->email);
	pv_bind_text(st, 3, in->type);
	pv_bind_text(st, 4, channel);
	pv_bind_text(st, 5, status);
	pv_bind_text(st, 6, rec);
	pv_bind_text(st, 7, due_s);
	pv_bind_text(st, 8, at);
	if (exec_done(db, st, "requests", e))
		goto fail;
	*id = sqlite3_last_insert_rowid(db);
	if (pv_req_history(db, *id, status, channel, e))
		goto fail;
	if (in->by_email && in->customer_id &&
	    link_locations(db, *id, in->customer_id, e))
		goto fail;
	snprintf(obj, sizeof obj, "request:%lld", *id);
	detail = pv_jsonf("{s:s,s:s,s:s,s:s,s:I,s:s}", "location", loc.slug,
			  "type", in->type, "channel", channel, "status",
			  status, "customer_id", (json_int_t)in->customer_id,
			  "due", due_s);
	if (!in->customer_id) { /* the audit names no person: "none" */
		free(detail);
		detail = pv_jsonf("{s:s,s:s,s:s,s:s,s:s,s:s}", "location",
				  loc.slug, "type", in->type, "channel",
				  channel, "status", status, "customer",
				  "none", "due", due_s);
	}
	rc = pv_audit(db, "request.new", obj, detail, e);
	free(detail);
	if (rc)
		goto fail;
	if (need_code) {
		rc = issue_code(db, key, *id, in->type, loc.id,
				in->customer_id, e);
	} else {
		fields = pv_jsonf("{s:s,s:s,s:s,s:s,s:s,s:s}", "type",
				  in->type, "channel", channel, "status",
				  status, "received", rec, "due", due_s,
				  "customer", in->customer_id ? "found"
				  : "none with the address that asked");
		rc = pv_event_add(db, "request.received", loc.id,
				  in->customer_id, *id, "business", fields,
				  NULL, e);
		/* At a manual location the person hears that the request
		 * arrived and by when it is answered (issue 14, J3). */
		if (!rc && has_email && strcmp(loc.requests, "manual") == 0)
			rc = pv_event_add(db, "request.receipt", loc.id,
					  in->customer_id, *id, "customer",
					  fields, NULL, e);
		free(fields);
	}
	if (rc)
		goto fail;
	pv_location_free(&loc);
	sodium_memzero(key, sizeof key);
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	pv_location_free(&loc);
	sodium_memzero(key, sizeof key);
	return e->status ? e->status : PV_SOFTWARE;
}

/* Inside the caller's transaction: a wrong code is counted and audited
 * (committed by the caller, so the count survives the refusal). */
static int count_wrong(sqlite3 *db, const struct pv_req *r, struct pv_err *e)
{
	char obj[64], *detail;
	sqlite3_stmt *st;
	int rc;

	st = pv_db_prepare(db, "UPDATE requests SET verify_attempts = "
			   "verify_attempts + 1 WHERE id = ?", e);
	if (st)
		sqlite3_bind_int64(st, 1, r->id);
	if ((rc = exec_done(db, st, "requests", e)))
		return rc;
	snprintf(obj, sizeof obj, "request:%lld", r->id);
	detail = pv_jsonf("{s:i}", "attempt", r->attempts + 1);
	rc = pv_audit(db, "request.verify-failed", obj, detail, e);
	free(detail);
	return rc;
}

/* In the caller's transaction: the request is verified (how: note and
 * detail), its code is gone, and the business is told. */
static int mark_verified(sqlite3 *db, const struct pv_req *r,
			 const char *by, const char *note, const char *detail,
			 struct pv_err *e)
{
	char due_s[PV_TIME_LEN], rec[PV_TIME_LEN], *fields;
	sqlite3_stmt *st;
	int rc;

	st = pv_db_prepare(db, "UPDATE requests SET verify_hash = NULL, "
			   "verify_expires_at = NULL, verified_by = ? "
			   "WHERE id = ?", e);
	if (st) {
		pv_bind_text(st, 1, by);
		sqlite3_bind_int64(st, 2, r->id);
	}
	if ((rc = exec_done(db, st, "requests", e)) ||
	    (rc = pv_req_change(db, r, "verified", "request.verify", note,
				detail, e)))
		return rc;
	pv_date_fmt(pv_req_due(r), due_s);
	pv_time_fmt(r->received, rec);
	/* the same fields as at intake (pv_request_new): the business's
	 * mail states when the request came in */
	fields = pv_jsonf("{s:s,s:s,s:s,s:s,s:s}", "type", r->type, "channel",
			  r->channel, "status", "verified", "received", rec,
			  "due", due_s);
	rc = pv_event_add(db, "request.received", r->location_id,
			  r->customer_id, r->id, "business", fields, NULL, e);
	free(fields);
	return rc;
}

/*
 * The whole check runs in one IMMEDIATE transaction, from reading the
 * count to writing it: two attempts at once cannot both see the last
 * free attempt, and a wrong one is counted before anybody is answered.
 */
int pv_request_verify(sqlite3 *db, long long id, const char *code,
		      struct pv_err *e)
{
	unsigned char key[PV_KEY_LEN];
	char hash[65];
	struct pv_req r;
	int rc, left, have_key;

	if (!code || !*code)
		return pv_fail(e, PV_USAGE, "request %lld: no code given", id);
	rc = code_key(db, 0, key, e);
	if (rc && rc != PV_NOINPUT)
		return rc;
	have_key = rc == PV_OK;
	if ((rc = pv_db_begin(db, e)))
		goto out;
	if ((rc = pv_req_load(db, id, &r, e)))
		goto fail;
	if (strcmp(r.status, "unverified") != 0) {
		rc = pv_fail(e, PV_DATAERR, "request %lld is %s, not waiting "
			     "for a code", id, r.status);
		goto fail;
	}
	if (r.attempts >= PV_VERIFY_ATTEMPTS) {
		rc = pv_fail(e, PV_NOPERM, "too many wrong codes for request "
			     "%lld: the code is no longer accepted (request "
			     "resend-code sends a new one)", id);
		goto fail;
	}
	if (!r.verify_expires || pv_now() >= r.verify_expires) {
		rc = pv_fail(e, PV_NOPERM, "the code for request %lld has "
			     "expired (valid %d hours; request resend-code "
			     "sends a new one)", id, (int)PV_VERIFY_HOURS);
		goto fail;
	}
	if (!have_key || code_hash(key, id, code, hash) != 0 ||
	    strlen(r.verify_hash) != 64 ||
	    sodium_memcmp(hash, r.verify_hash, 64) != 0) {
		if ((rc = count_wrong(db, &r, e)) ||
		    (rc = pv_db_commit(db, e)))
			goto fail;
		left = PV_VERIFY_ATTEMPTS - r.attempts - 1;
		if (left <= 0)
			rc = pv_fail(e, PV_DATAERR, "wrong code for request "
				     "%lld: no attempts left", id);
		else
			rc = pv_fail(e, PV_DATAERR, "wrong code for request "
				     "%lld: %d attempt%s left", id, left,
				     left == 1 ? "" : "s");
		goto out;
	}
	if ((rc = mark_verified(db, &r, NULL, "code accepted",
				"{\"by\":\"code\"}", e)) ||
	    (rc = pv_db_commit(db, e)))
		goto fail;
	goto out;
fail:
	pv_db_rollback(db);
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int pv_request_verify_by(sqlite3 *db, long long id, const char *method,
			 struct pv_err *e)
{
	struct pv_req r;
	char *note;
	int rc;

	if (!method || !*method)
		return pv_fail(e, PV_USAGE, "--verified-by: say how the "
			       "identity was checked");
	if ((rc = pv_db_begin(db, e)))
		return rc;
	if ((rc = pv_req_load(db, id, &r, e)))
		goto fail;
	if (strcmp(r.status, "unverified") != 0 &&
	    strcmp(r.status, "received") != 0) {
		rc = pv_fail(e, PV_DATAERR, "request %lld is %s, not waiting "
			     "for an identity check", id, r.status);
		goto fail;
	}
	note = xasprintf("identity checked by staff: %s", method);
	rc = mark_verified(db, &r, method, note, "{\"by\":\"staff\"}", e);
	free(note);
	if (rc || (rc = pv_db_commit(db, e)))
		goto fail;
	return PV_OK;
fail:
	pv_db_rollback(db);
	return rc;
}

int pv_request_resend_code(sqlite3 *db, long long id, struct pv_err *e)
{
	unsigned char key[PV_KEY_LEN];
	char obj[64], *detail;
	sqlite3_stmt *st;
	struct pv_req r;
	int rc, has = 0;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if (strcmp(r.status, "unverified") != 0)
		return pv_fail(e, PV_DATAERR, "request %lld is %s, not waiting "
			       "for a code", id, r.status);
	if (r.resends >= PV_VERIFY_RESENDS)
		return pv_fail(e, PV_NOPERM, "request %lld: %d codes were "
			       "sent again already: check the identity "
			       "otherwise (request verify --verified-by)", id,
			       (int)PV_VERIFY_RESENDS);
	if (r.unknown)
		has = 1; /* the code goes to the address that asked */
	else if ((rc = customer_email(db, r.customer_id, &has, e)))
		return rc;
	if (!has)
		return pv_fail(e, PV_DATAERR, "customer %lld has no e-mail "
			       "address on file to send the code to",
			       r.customer_id);
	if ((rc = code_key(db, 1, key, e)))
		return rc;
	if ((rc = pv_db_begin(db, e)))
		goto out;
	/* read again under the lock: two resends at once count twice */
	if ((rc = pv_req_load(db, id, &r, e)))
		goto fail;
	if (strcmp(r.status, "unverified") != 0 ||
	    r.resends >= PV_VERIFY_RESENDS) {
		rc = pv_fail(e, PV_TEMPFAIL, "request %lld changed meanwhile: "
			     "try again", id);
		goto fail;
	}
	st = pv_db_prepare(db, "UPDATE requests SET verify_resends = "
			   "verify_resends + 1, updated_at = ? WHERE id = ?",
			   e);
	if (st) {
		char at[PV_TIME_LEN];

		pv_bind_text(st, 1, pv_time_fmt(pv_now(), at));
		sqlite3_bind_int64(st, 2, id);
	}
	if ((rc = exec_done(db, st, "requests", e)))
		goto fail;
	if ((rc = pv_req_history(db, id, r.status, "new code sent", e)))
		goto fail;
	snprintf(obj, sizeof obj, "request:%lld", id);
	detail = pv_jsonf("{s:i}", "resend", r.resends + 1);
	rc = pv_audit(db, "request.resend-code", obj, detail, e);
	free(detail);
	if (rc || (rc = issue_code(db, key, id, r.type, r.location_id,
				   r.customer_id, e)) ||
	    (rc = pv_db_commit(db, e)))
		goto fail;
	goto out;
fail:
	pv_db_rollback(db);
out:
	sodium_memzero(key, sizeof key);
	return rc;
}

int pv_request_identity_checked(sqlite3 *db, long long id, int unchecked_ok,
				struct pv_err *e)
{
	struct pv_req r;
	int rc;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	return identity_checked(&r, unchecked_ok, e);
}

static int text_given(const char *s)
{
	if (!s)
		return 0;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 1;
	return 0;
}

static int must_be_open(const struct pv_req *r, const char *what,
			struct pv_err *e)
{
	if (pv_req_is_final(r->status))
		return pv_fail(e, PV_DATAERR, "request %lld is %s already: "
			       "it cannot be %s", r->id, r->status, what);
	return PV_OK;
}

int pv_request_extend(sqlite3 *db, const struct pv_cfg *cfg, long long id,
		      int by, const char *reason, struct pv_err *e)
{
	char due_s[PV_TIME_LEN], new_s[PV_TIME_LEN], at[PV_TIME_LEN];
	char *detail, *fields;
	sqlite3_stmt *st;
	struct pv_req r;
	long xdue;
	int rc;

	if (by != 1 && by != 2)
		return pv_fail(e, PV_USAGE, "--by: must be 1 or 2 (months)");
	if (!text_given(reason))
		return pv_fail(e, PV_USAGE, "--reason is required: an "
			       "extension must be explained to the customer "
			       "(Art. 12(3) GDPR)");
	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if ((rc = must_be_open(&r, "extended", e)))
		return rc;
	pv_date_fmt(r.due, due_s);
	if (r.xdue >= 0)
		return pv_fail(e, PV_DATAERR, "request %lld was extended "
			       "already: a deadline can be extended only once",
			       id);
	if (pv_cal_due_passed(r.due, pv_now(), r.tz))
		return pv_fail(e, PV_DATAERR, "request %lld: the deadline %s "
			       "has passed: an extension must be made before "
			       "it", id, due_s);
	if ((rc = pv_req_due_for(cfg, r.slug, r.tz, r.region, r.received,
				 1 + by, &xdue, e)))
		return rc;
	pv_date_fmt(xdue, new_s);
	if ((rc = pv_db_begin(db, e)))
		return rc;
	st = pv_db_prepare(db, "UPDATE requests SET extended_due_on = ?, "
			   "extension_reason = ?, updated_at = ? WHERE id = ?",
			   e);
	if (st) {
		pv_bind_text(st, 1, new_s);
		pv_bind_text(st, 2, reason);
		pv_bind_text(st, 3, pv_time_fmt(pv_now(), at));
		sqlite3_bind_int64(st, 4, id);
	}
	if (exec_done(db, st, "requests", e))
		goto fail;
	detail = pv_jsonf("{s:i,s:s,s:s}", "by_months", by, "due", due_s,
			  "extended_due", new_s);
	rc = pv_req_change(db, &r, r.status, "request.extend", reason, detail,
			   e);
	free(detail);
	if (rc)
		goto fail;
	fields = pv_jsonf("{s:s,s:s,s:s,s:s}", "type", r.type, "due", due_s,
			  "extended_due", new_s, "reason", reason);
	rc = pv_event_add(db, "request.extended", r.location_id, r.customer_id,
			  id, "customer", fields, NULL, e);
	free(fields);
	if (rc)
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

int pv_request_reject(sqlite3 *db, long long id, const char *reason,
		      struct pv_err *e)
{
	char at[PV_TIME_LEN], *fields;
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	if (!text_given(reason))
		return pv_fail(e, PV_USAGE, "--reason is required: a "
			       "rejection must give the customer its reasons "
			       "(Art. 12(4) GDPR)");
	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if ((rc = must_be_open(&r, "rejected", e)))
		return rc;
	if ((rc = pv_db_begin(db, e)))
		return rc;
	st = pv_db_prepare(db, "UPDATE requests SET reject_reason = ?, "
			   "verify_hash = NULL, verify_expires_at = NULL, "
			   "updated_at = ? WHERE id = ?",
			   e);
	if (st) {
		pv_bind_text(st, 1, reason);
		pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
		sqlite3_bind_int64(st, 3, id);
	}
	if (exec_done(db, st, "requests", e) ||
	    pv_req_change(db, &r, "rejected", "request.reject", reason, NULL,
			  e))
		goto fail;
	fields = pv_jsonf("{s:s,s:s}", "type", r.type, "reason", reason);
	rc = pv_event_add(db, "request.rejected", r.location_id, r.customer_id,
			  id, "customer", fields, NULL, e);
	free(fields);
	if (rc)
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

/*
 * In the caller's transaction: the answer to a person we hold nothing
 * about, for the address that asked: "we hold no data about you", or for
 * an erasure "there is nothing to erase"; the business is told.  The
 * texts are the same whoever asks, so that the answer reveals nothing to
 * anybody but the owner of the address.  *result gets what the request
 * keeps.
 */
/*
 * What is still kept under a legal duty (restricted) of an erased person
 * with the address that asked request id, found by the keyed e-mail
 * reference of the retained records (lib/erase.c, the tombstone key
 * beside the database): *kept gets the list erasure.confirmation's text
 * reads ({"table", "count", "until", "basis"} each), or NULL when nothing
 * is kept (or no key exists: nobody was erased yet).
 */
static int kept_for_address(sqlite3 *db, long long id, json_t **kept,
			    struct pv_err *e)
{
	const char *path = sqlite3_db_filename(db, "main");
	struct pv_tomb *t = NULL;
	sqlite3_stmt *st = NULL;
	char ref[65];
	int rc = PV_OK, have = 0;

	*kept = NULL;
	if (!path || !*path || (rc = pv_tomb_open(path, 0, &t, e)))
		return rc;
	st = pv_db_prepare(db, "SELECT requester_email FROM requests WHERE "
			   "id = ?", e);
	if (!st) {
		rc = e->status;
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		have = pv_tomb_hash(t, "email", NULL, pv_col_text(st, 0),
				    ref) == 0;
	sqlite3_finalize(st);
	if (!have)
		goto out;
	st = pv_db_prepare(db, "SELECT kind, count(*), max(retain_until), "
			   "basis FROM retained WHERE email_ref = ? "
			   "GROUP BY kind, basis ORDER BY kind, basis", e);
	if (!st) {
		rc = e->status;
		goto out;
	}
	pv_bind_text(st, 1, ref);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!*kept)
			*kept = json_array();
		json_array_append_new(*kept, json_pack("{s:s,s:I,s:s,s:s}",
			"table", pv_col_text(st, 0), "count",
			(json_int_t)sqlite3_column_int64(st, 1), "until",
			pv_col_text(st, 2), "basis", pv_col_text(st, 3)));
	}
	sqlite3_finalize(st);
	rc = rc == SQLITE_DONE ? PV_OK : pv_db_fail(db, e, "retained");
out:
	sodium_memzero(ref, sizeof ref);
	pv_tomb_close(t);
	if (rc) {
		json_decref(*kept);
		*kept = NULL;
	}
	return rc;
}

int pv_req_answer_unknown(sqlite3 *db, const struct pv_req *r,
			  char **result, struct pv_err *e)
{
	const char *ev = strcmp(r->type, "erasure") == 0
			 ? "request.nothing-to-erase" : "request.no-data";
	json_t *kept;
	char *fields;
	int rc;

	*result = NULL;
	if ((rc = kept_for_address(db, r->id, &kept, e)))
		return rc;
	if (kept) {
		/* an erased person of whom records are kept under a legal
		 * duty: not "no data", but what is kept, until when, why */
		ev = "request.retained-only";
		fields = pv_jsonf("{s:s,s:o}", "type", r->type, "kept", kept);
	} else {
		fields = pv_jsonf("{s:s}", "type", r->type);
	}
	rc = pv_event_add(db, ev, r->location_id, 0, r->id, "customer",
			  fields, NULL, e);
	free(fields);
	if (rc)
		return rc;
	/* results are words' keys (lib/words.c): the mail says them in
	 * its language */
	fields = pv_jsonf("{s:s,s:s}", "type", r->type, "result",
			  kept ? "retained-answered" : "no-data-answered");
	rc = pv_event_add(db, "request.completed", r->location_id, 0, r->id,
			  "business", fields, NULL, e);
	free(fields);
	if (rc)
		return rc;
	*result = pv_jsonf("{s:s,s:s}", "held", kept ? "retained" : "nothing",
			   "answer", ev);
	return PV_OK;
}

int pv_req_on_record(const struct pv_req *r)
{
	return strcmp(r->type, "objection") == 0 ||
	       strcmp(r->type, "restriction") == 0 ||
	       strcmp(r->type, "rectification") == 0;
}

/* In the caller's transaction: the customer's row gets col = now. */
static int mark_customer(sqlite3 *db, long long cid, const char *col,
			 const char *at, struct pv_err *e)
{
	char *sql = xasprintf("UPDATE customers SET %s = coalesce(%s, ?1), "
			      "updated_at = ?1 WHERE id = ?2", col, col);
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);

	free(sql);
	if (st) {
		pv_bind_text(st, 1, at);
		sqlite3_bind_int64(st, 2, cid);
	}
	return exec_done(db, st, "customers", e);
}

/* Objection to direct marketing (Art. 21(2), (3)): every marketing
 * consent that stands is withdrawn in the ledger, and the customer is
 * marked, which keeps them out of audiences and campaigns for good. */
static int object_marketing(sqlite3 *db, long long cid, const char *at,
			    struct pv_buf *list, struct pv_err *e)
{
	int rc;

	for (int i = 0; pv_consent_purposes[i]; i++) {
		struct pv_consent_event ev = {0};
		enum pv_consent_state state;
		char latest[16] = "", latest_at[32];

		if ((rc = pv_consent_state(db, cid, pv_consent_purposes[i],
					   &state, latest, latest_at, e)))
			return rc;
		if (!*latest || strcmp(latest, "withdrawn") == 0 ||
		    strcmp(latest, "declined") == 0)
			continue;
		ev.purpose = pv_consent_purposes[i];
		ev.event = "withdrawn";
		ev.at = at;
		ev.source = "staff";
		if ((rc = pv_consent_append(db, cid, &ev, e)))
			return rc;
		pv_buf_addf(list, "%s\"%s\"", list->len ? "," : "",
			    pv_consent_purposes[i]);
	}
	return mark_customer(db, cid, "objected_at", at, e);
}

/*
 * In the caller's transaction: what an objection, a restriction or a
 * rectification request asks of the customer's record; the business is
 * told.  A rectification needs note (what staff corrected: PV_USAGE
 * without).  *result gets what the request keeps.
 */
int pv_req_fulfil_person(sqlite3 *db, const struct pv_req *r,
			 const char *note, char **result, struct pv_err *e)
{
	char at[PV_TIME_LEN], *fields;
	struct pv_buf list = {0};
	const char *what, *ev;
	int rc = PV_OK;

	*result = NULL;
	pv_time_fmt(pv_now(), at);
	if (!r->customer_id)
		return pv_fail(e, PV_NOINPUT, "request %lld no longer points "
			       "at a customer", r->id);
	if (strcmp(r->type, "objection") == 0) {
		rc = object_marketing(db, r->customer_id, at, &list, e);
		what = "marketing-withdrawn";
		if (!rc)
			*result = xasprintf("{\"withdrawn\":[%s],\"marketing\":"
					    "\"excluded\"}",
					    list.s ? list.s : "");
	} else if (strcmp(r->type, "restriction") == 0) {
		rc = mark_customer(db, r->customer_id, "restricted_at", at, e);
		what = "processing-restricted";
		if (!rc)
			*result = pv_jsonf("{s:s}", "restricted", at);
	} else if (strcmp(r->type, "rectification") == 0) {
		if (!text_given(note))
			return pv_fail(e, PV_USAGE, "--note is required: say "
				       "what was corrected (Art. 16 GDPR)");
		what = "data-corrected";
		*result = pv_jsonf("{s:b}", "corrected", 1);
	} else {
		return pv_fail(e, PV_SOFTWARE, "request %lld: %s is not done "
			       "on the record", r->id, r->type);
	}
	pv_buf_free(&list);
	if (rc)
		return rc;
	/* its own event, whose text says what was done (request.completed
	 * tells of an answer mailed to the customer) */
	ev = strcmp(r->type, "objection") == 0 ? "request.objection-done"
	     : strcmp(r->type, "restriction") == 0
	     ? "request.restriction-done" : "request.rectification-done";
	fields = pv_jsonf("{s:s,s:s}", "type", r->type, "result", what);
	rc = pv_event_add(db, ev, r->location_id, r->customer_id, r->id,
			  "business", fields, NULL, e);
	free(fields);
	if (rc) {
		free(*result);
		*result = NULL;
	}
	return rc;
}

int pv_request_cancel(sqlite3 *db, long long id, const char *reason,
		      struct pv_err *e)
{
	char at[PV_TIME_LEN], *fields;
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	if (!text_given(reason))
		return pv_fail(e, PV_USAGE, "--reason is required: say why the "
			       "request is withdrawn");
	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if ((rc = must_be_open(&r, "cancelled", e)))
		return rc;
	if ((rc = pv_db_begin(db, e)))
		return rc;
	st = pv_db_prepare(db, "UPDATE requests SET cancel_reason = ?, "
			   "verify_hash = NULL, verify_expires_at = NULL, "
			   "updated_at = ? WHERE id = ?", e);
	if (st) {
		pv_bind_text(st, 1, reason);
		pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
		sqlite3_bind_int64(st, 3, id);
	}
	if (exec_done(db, st, "requests", e) ||
	    pv_req_change(db, &r, "cancelled", "request.cancel", reason, NULL,
			  e))
		goto fail;
	/* no mail to the customer, who withdrew it; the business is told */
	fields = pv_jsonf("{s:s,s:s}", "type", r.type, "reason", reason);
	rc = pv_event_add(db, "request.cancelled", r.location_id,
			  r.customer_id, id, "business", fields, NULL, e);
	free(fields);
	if (rc)
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

int pv_request_complete(sqlite3 *db, long long id, const char *note,
			int unchecked_ok, struct pv_err *e)
{
	char at[PV_TIME_LEN];
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if ((rc = must_be_open(&r, "completed", e)) ||
	    (rc = identity_checked(&r, unchecked_ok, e)))
		return rc;
	if ((rc = pv_db_begin(db, e)))
		return rc;
	if (r.unknown || pv_req_on_record(&r)) {
		/* nobody else can answer it: completing it sends the answer;
		 * an objection, restriction or rectification is done here */
		char *result = NULL;

		if ((rc = r.unknown ? pv_req_answer_unknown(db, &r, &result, e)
				    : pv_req_fulfil_person(db, &r, note,
							   &result, e)))
			goto fail;
		st = pv_db_prepare(db, "UPDATE requests SET result = ? WHERE "
				   "id = ?", e);
		if (st) {
			pv_bind_text(st, 1, result);
			sqlite3_bind_int64(st, 2, id);
		}
		free(result);
		if (exec_done(db, st, "requests", e))
			goto fail;
	}
	st = pv_db_prepare(db, "UPDATE requests SET note = coalesce(?, note), "
			   "error = NULL, updated_at = ? WHERE id = ?", e);
	if (st) {
		pv_bind_text_opt(st, 1, note);
		pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
		sqlite3_bind_int64(st, 3, id);
	}
	if (exec_done(db, st, "requests", e) ||
	    pv_req_change(db, &r, "completed", "request.complete", note,
			  strcmp(r.status, "received") == 0
			  ? "{\"by\":\"hand\",\"identity\":\"unchecked\"}"
			  : "{\"by\":\"hand\"}", e))
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

int pv_request_record_result(sqlite3 *db, long long id, const char *result,
			     int flags, struct pv_err *e)
{
	const char *status = flags & PV_RESULT_COMPLETE ? "completed"
							: "in-progress";
	char at[PV_TIME_LEN], *detail;
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if (pv_req_is_final(r.status))
		return pv_fail(e, PV_DATAERR, "request %lld is %s already: it "
			       "is not fulfilled again", id, r.status);
	if ((rc = identity_checked(&r, flags & PV_RESULT_UNCHECKED_OK, e)))
		return rc;
	st = pv_db_prepare(db, "UPDATE requests SET result = ?, error = NULL, "
			   "updated_at = ? WHERE id = ?", e);
	if (st) {
		pv_bind_text(st, 1, result);
		pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
		sqlite3_bind_int64(st, 3, id);
	}
	if ((rc = exec_done(db, st, "requests", e)))
		return rc;
	detail = pv_jsonf("{s:s}", "status", status);
	rc = pv_req_change(db, &r, status, "request.result", NULL, detail, e);
	free(detail);
	return rc;
}

/* -1 when the request is in-progress with this very error already. */
static int same_error(sqlite3 *db, const struct pv_req *r, const char *msg,
		      struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT error FROM requests "
					 "WHERE id = ?", e);
	int same = 0, rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, r->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && pv_col_text(st, 0) &&
	    strcmp(pv_col_text(st, 0), msg) == 0 &&
	    strcmp(r->status, "in-progress") == 0)
		same = -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return pv_db_fail(db, e, "requests");
	return same;
}

int pv_request_record_error(sqlite3 *db, long long id, const char *msg,
			    struct pv_err *e)
{
	char at[PV_TIME_LEN], *detail;
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if (pv_req_is_final(r.status))
		return pv_fail(e, PV_DATAERR, "request %lld is %s already",
			       id, r.status);
	if ((rc = same_error(db, &r, msg, e)) != 0)
		return rc < 0 ? PV_OK : rc; /* nothing new: no new history */
	if ((rc = pv_db_begin(db, e)))
		return rc;
	st = pv_db_prepare(db, "UPDATE requests SET error = ?, updated_at = ? "
			   "WHERE id = ?", e);
	if (st) {
		pv_bind_text(st, 1, msg);
		pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
		sqlite3_bind_int64(st, 3, id);
	}
	detail = pv_jsonf("{s:s}", "error", msg);
	rc = exec_done(db, st, "requests", e);
	if (!rc)
		rc = pv_req_change(db, &r, "in-progress", "request.failed", msg,
				   detail, e);
	free(detail);
	if (rc) {
		pv_db_rollback(db);
		return rc;
	}
	return pv_db_commit(db, e);
}

/* Staff's acknowledgement of the request's findings (request ack), while
 * it is in force: until which day (null: while the state and deadline
 * stay as they are), by whom, why. */
static void write_ack(struct pv_writer *w, sqlite3_stmt *st,
		      const struct pv_req *r, int open, time_t now)
{
	char buf[PV_TIME_LEN];
	long until = sqlite3_column_type(st, 27) == SQLITE_NULL
		     ? -1 : (long)sqlite3_column_int64(st, 27);
	int acked = open && pv_remind_acked(pv_col_text(st, 26), until,
					    r->status, pv_req_due(r),
					    pv_cal_due_passed(pv_req_due(r),
							      now, r->tz));

	pv_w_bool(w, "acknowledged", acked);
	if (acked && until >= 0)
		pv_w_str(w, "acknowledged_until", pv_date_fmt(until, buf));
	else
		pv_w_null(w, "acknowledged_until");
	pv_w_str(w, "acknowledged_by", acked ? pv_col_text(st, 28) : NULL);
	pv_w_str(w, "acknowledged_reason", acked ? pv_col_text(st, 29) : NULL);
}

/* Fields of one request record (the row as REQ_COLS). */
static void write_fields(struct pv_writer *w, sqlite3_stmt *st,
			 const struct pv_req *r, time_t now)
{
	char buf[PV_TIME_LEN];
	const char *v;
	int open = !pv_req_is_final(r->status);

	pv_w_int(w, "request_id", r->id);
	pv_w_str(w, "location", r->slug);
	if (r->customer_id)
		pv_w_int(w, "customer_id", r->customer_id);
	else
		pv_w_null(w, "customer_id");
	pv_w_str(w, "type", r->type);
	pv_w_str(w, "channel", r->channel);
	pv_w_str(w, "status", r->status);
	pv_w_str(w, "received", pv_col_text(st, 10));
	pv_w_str(w, "due", pv_date_fmt(pv_req_due(r), buf));
	pv_w_str(w, "first_due", pv_col_text(st, 11));
	pv_w_str(w, "extended_due", pv_col_text(st, 12));
	pv_w_bool(w, "overdue", open && pv_cal_due_passed(pv_req_due(r), now,
							    r->tz));
	pv_w_str(w, "extension_reason", pv_col_text(st, 16));
	pv_w_str(w, "reject_reason", pv_col_text(st, 17));
	pv_w_str(w, "cancel_reason", pv_col_text(st, 24));
	pv_w_str(w, "verified_by", pv_col_text(st, 23));
	pv_w_str(w, "note", pv_col_text(st, 18));
	if ((v = pv_col_text(st, 19)))
		pv_w_raw(w, "result", v);
	else
		pv_w_null(w, "result");
	pv_w_str(w, "error", pv_col_text(st, 20));
	pv_w_str(w, "updated", pv_col_text(st, 21));
	write_ack(w, st, r, open, now);
}

static int show_one(sqlite3 *db, long long id, int intake, int duplicate,
		    struct pv_writer *w, struct pv_err *e);

int pv_request_show(sqlite3 *db, long long id, struct pv_writer *w,
		    struct pv_err *e)
{
	return show_one(db, id, 0, 0, w, e);
}

int pv_request_show_intake(sqlite3 *db, long long id, int duplicate,
			   struct pv_writer *w, struct pv_err *e)
{
	return show_one(db, id, 1, duplicate, w, e);
}

static int show_one(sqlite3 *db, long long id, int intake, int duplicate,
		    struct pv_writer *w, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT " REQ_COLS REQ_FROM
					 "WHERE r.id = ?", e);
	struct pv_req r;
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return pv_fail(e, PV_NOINPUT, "no such request: %lld",
				       id);
		return pv_db_fail(db, e, "requests");
	}
	pv_req_fill(st, &r);
	pv_w_begin(w);
	write_fields(w, st, &r, pv_now());
	if (intake)
		pv_w_bool(w, "duplicate", duplicate);
	sqlite3_finalize(st);
	st = pv_db_prepare(db, "SELECT at, status, note FROM request_history "
			   "WHERE request_id = ? ORDER BY id", e);
	if (!st) {
		pv_w_end(w);
		return e->status;
	}
	sqlite3_bind_int64(st, 1, id);
	pv_w_arr(w, "history");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pv_w_obj(w, NULL);
		pv_w_str(w, "at", pv_col_text(st, 0));
		pv_w_str(w, "status", pv_col_text(st, 1));
		pv_w_str(w, "note", pv_col_text(st, 2));
		pv_w_close(w);
	}
	pv_w_close(w);
	pv_w_end(w);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "request history");
	return PV_OK;
}

int pv_request_completed(sqlite3 *db, long long id, const char *type)
{
	struct pv_err e = {0};
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT 1 FROM requests WHERE "
					 "id = ? AND type = ? AND status = "
					 "'completed'", &e);
	int done;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	pv_bind_text(st, 2, type);
	done = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return done;
}

/* ",a,b," of one and several values, each checked against list (for
 * instr() in SQL); nothing when none is given. */
static int any_of(const char *const *list, const char *opt, const char *one,
		  const char *const *more, int nmore, struct pv_buf *out,
		  struct pv_err *e)
{
	for (int i = -1; i < nmore; i++) {
		const char *v = i < 0 ? one : more[i];
		char all[160];

		if (!v)
			continue;
		if (!pv_req_in_list(list, v)) {
			join_list(list, all, sizeof all);
			return pv_fail(e, PV_USAGE, "%s: must be one of %s",
				       opt, all);
		}
		pv_buf_addf(out, "%s%s,", out->len ? "" : ",", v);
	}
	return PV_OK;
}

int pv_request_list(sqlite3 *db, const struct pv_request_filter *f,
		    struct pv_writer *w, long *n, struct pv_err *e)
{
	/* The SQL narrows by UTC dates with a day to spare; the exact test
	 * is made in the location's zone below. */
	static const char sql[] =
		"SELECT " REQ_COLS REQ_FROM
		"WHERE (?1 IS NULL OR instr(?1, ',' || r.status || ',') > 0) "
		"AND (?2 IS NULL OR instr(?2, ',' || r.type || ',') > 0) "
		"AND (?3 IS NULL OR l.slug = ?3) "
		"AND (?4 = 0 OR r.status NOT IN ('completed', 'rejected', "
		"  'cancelled')) "
		"AND (?5 IS NULL OR coalesce(r.extended_due_on, r.due_on) "
		"  <= ?5) "
		"ORDER BY coalesce(r.extended_due_on, r.due_on), r.id";
	char limit[PV_TIME_LEN], at[PV_TIME_LEN];
	time_t now = pv_now();
	int narrow = f->overdue || f->due_before;
	struct pv_buf statuses = {0}, types = {0};
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	*n = 0;
	if ((rc = any_of(pv_request_statuses, "--status", f->status,
			 f->statuses, f->nstatus, &statuses, e)) ||
	    (rc = any_of(pv_request_types, "--type", f->type, f->types,
			 f->ntype, &types, e))) {
		pv_buf_free(&statuses);
		pv_buf_free(&types);
		return rc;
	}
	if (f->location) {
		struct pv_location loc;

		if ((rc = pv_location_get(db, f->location, &loc, e)))
			return rc;
		pv_location_free(&loc);
	}
	if ((st = pv_db_prepare(db, sql, e))) {
		pv_bind_text(st, 1, statuses.s); /* bound as a copy */
		pv_bind_text(st, 2, types.s);
	}
	pv_buf_free(&statuses);
	pv_buf_free(&types);
	if (!st)
		return e->status;
	pv_bind_text(st, 3, f->location);
	sqlite3_bind_int(st, 4, narrow || f->open);
	if (narrow) {
		long d = pv_cal_local_date(f->due_before ? f->due_before : now,
					   "UTC") + 1;

		pv_bind_text(st, 5, pv_date_fmt(d, limit));
	}
	pv_time_fmt(now, at);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int passed;

		pv_req_fill(st, &r);
		passed = pv_cal_due_passed(pv_req_due(&r), now, r.tz);
		if (f->overdue && !passed)
			continue;
		if (f->due_before &&
		    (passed || pv_cal_due_end(pv_req_due(&r), r.tz) >
				       f->due_before))
			continue;
		if (f->skip) {
			int k = f->skip(db, r.id, f->event, r.status,
					pv_req_due(&r), f->skip_days, e);

			if (k < 0) {
				sqlite3_finalize(st);
				return e->status;
			}
			if (k)
				continue;
		}
		pv_w_begin(w);
		if (f->event) {
			pv_w_str(w, "event", f->event);
			pv_w_str(w, "at", at);
		}
		write_fields(w, st, &r, now);
		pv_w_end(w);
		if (++(*n) == f->limit) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "requests");
	return PV_OK;
}
