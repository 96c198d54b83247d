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
#include "db.h"
#include "json.h"
#include "location.h"
#include "outbox.h"
#include "request.h"
#include "request-int.h"

const char *const pv_request_types[] = {
	"access", "portability", "erasure", "rectification", "restriction",
	"objection", NULL,
};
const char *const pv_request_channels[] = {
	"booking-form", "email", "phone", "letter", "in-person", NULL,
};
const char *const pv_request_statuses[] = {
	"unverified", "received", "verified", "in-progress", "completed",
	"rejected", NULL,
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
	       strcmp(status, "rejected") == 0;
}

#define REQ_COLS                                                           \
	"r.id, r.location_id, coalesce(r.customer_id, 0), l.slug, "        \
	"l.timezone, l.holidays, coalesce(s.requests, 'manual'), r.type, " \
	"r.channel, r.status, r.received_at, r.due_on, r.extended_due_on, "\
	"r.verify_hash, r.verify_attempts, r.verify_expires_at, "          \
	"r.extension_reason, r.reject_reason, r.note, r.result, r.error, " \
	"r.updated_at "
#define REQ_FROM                                                           \
	"FROM requests r JOIN locations l ON l.id = r.location_id "        \
	"LEFT JOIN settings s ON s.location_id = r.location_id "

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

/* 128 random bits as 26 characters of RFC 4648 base32. */
static void new_code(char out[27])
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char raw[17] = {0};
	unsigned bits = 0, acc = 0;
	size_t k = 0;

	randombytes_buf(raw, 16);
	for (size_t i = 0; i < 17 && k < 26; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5 && k < 26) {
			out[k++] = a[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[26] = 0;
	sodium_memzero(raw, sizeof raw);
}

/* The hash of a code as typed: case, spaces and dashes do not count. */
static int code_hash(const char *code, char out[65])
{
	char norm[64];
	size_t k = 0;

	for (const char *p = code; *p; p++) {
		char ch = *p;

		if (ch == ' ' || ch == '-')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (k + 1 >= sizeof norm)
			return -1;
		norm[k++] = ch;
	}
	norm[k] = 0;
	pv_sha256_hex(norm, k, out);
	sodium_memzero(norm, sizeof norm);
	return 0;
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

int pv_request_new(sqlite3 *db, const struct pv_cfg *cfg,
		   const struct pv_request_in *in, long long *id,
		   struct pv_err *e)
{
	char list[160], at[PV_TIME_LEN], rec[PV_TIME_LEN], due_s[PV_TIME_LEN];
	char exp_s[PV_TIME_LEN], code[27], hash[65], obj[64];
	const char *channel = in->channel ? in->channel : "email";
	const char *status;
	struct pv_location loc = {0};
	time_t now = pv_now(), received = in->received ? in->received : now;
	sqlite3_stmt *st;
	struct pv_req r;
	char *detail, *fields;
	long due;
	int rc, need_code, has_email = 0;

	if (!in->type || !pv_req_in_list(pv_request_types, in->type)) {
		join_list(pv_request_types, list, sizeof list);
		return pv_fail(e, PV_USAGE, "--type: must be one of %s", list);
	}
	if (!pv_req_in_list(pv_request_channels, channel)) {
		join_list(pv_request_channels, list, sizeof list);
		return pv_fail(e, PV_USAGE, "--channel: must be one of %s",
			       list);
	}
	if (received > now)
		return pv_fail(e, PV_USAGE, "--received: lies in the future");
	if ((rc = pv_location_get_id(db, in->location_id, &loc, e)))
		return rc;
	rc = pv_req_due_for(cfg, loc.slug, loc.timezone, loc.holidays,
			    received, 1, &due, e);
	need_code = strcmp(loc.requests, "self-service") == 0 &&
		    strcmp(channel, "booking-form") == 0 && !in->verified;
	if (!rc)
		rc = customer_email(db, in->customer_id, &has_email, e);
	if (!rc && need_code && !has_email)
		rc = pv_fail(e, PV_DATAERR, "customer %lld has no e-mail "
			     "address on file to send the code to: check the "
			     "identity otherwise and use --verified",
			     in->customer_id);
	if (rc) {
		pv_location_free(&loc);
		return rc;
	}
	status = need_code ? "unverified" : in->verified ? "verified"
							 : "received";
	if ((rc = pv_db_begin(db, e))) {
		pv_location_free(&loc);
		return rc;
	}
	pv_time_fmt(now, at);
	pv_time_fmt(received, rec);
	pv_date_fmt(due, due_s);
	pv_time_fmt(now + PV_VERIFY_HOURS * 3600, exp_s);
	if (need_code) {
		new_code(code);
		code_hash(code, hash);
	}
	st = pv_db_prepare(db, "INSERT INTO requests (location_id, "
			   "customer_id, type, channel, status, received_at, "
			   "due_on, verify_hash, verify_expires_at, created_at, "
			   "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			   "?10)", e);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, loc.id);
	sqlite3_bind_int64(st, 2, in->customer_id);
	pv_bind_text(st, 3, in->type);
	pv_bind_text(st, 4, channel);
	pv_bind_text(st, 5, status);
	pv_bind_text(st, 6, rec);
	pv_bind_text(st, 7, due_s);
	pv_bind_text(st, 8, need_code ? hash : NULL);
	pv_bind_text(st, 9, need_code ? exp_s : NULL);
	pv_bind_text(st, 10, at);
	if (exec_done(db, st, "requests", e))
		goto fail;
	*id = sqlite3_last_insert_rowid(db);
	memset(&r, 0, sizeof r);
	r.id = *id;
	if (pv_req_history(db, r.id, status, channel, e))
		goto fail;
	snprintf(obj, sizeof obj, "request:%lld", r.id);
	detail = pv_jsonf("{s:s,s:s,s:s,s:s,s:I,s:s}", "location", loc.slug,
			  "type", in->type, "channel", channel, "status",
			  status, "customer_id", (json_int_t)in->customer_id,
			  "due", due_s);
	rc = pv_audit(db, "request.new", obj, detail, e);
	free(detail);
	if (rc)
		goto fail;
	if (need_code) {
		fields = pv_jsonf("{s:s,s:s,s:s}", "type", in->type, "code",
				  code, "expires", exp_s);
		sodium_memzero(code, sizeof code);
		rc = pv_event_add(db, "request.verification", loc.id,
				  in->customer_id, r.id, "customer", fields,
				  NULL, e);
		sodium_memzero(fields, strlen(fields));
	} else {
		fields = pv_jsonf("{s:s,s:s,s:s,s:s,s:s}", "type", in->type,
				  "channel", channel, "status", status,
				  "received", rec, "due", due_s);
		rc = pv_event_add(db, "request.received", loc.id,
				  in->customer_id, r.id, "business", fields,
				  NULL, e);
	}
	free(fields);
	if (rc)
		goto fail;
	pv_location_free(&loc);
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	pv_location_free(&loc);
	return e->status ? e->status : PV_SOFTWARE;
}

/*
 * The one place where a code is used up or an attempt counted, each by a
 * conditional UPDATE inside the caller's write transaction, so that the
 * limit and single use hold against parallel runs (the checks before it
 * read a state another process may change): with hash, the code is
 * claimed (cleared) only while it is still the stored one, the request
 * still unverified and attempts are left; without, one more wrong
 * attempt is counted only while attempts are left.  *n is the attempt
 * number counted, or 1 for a claimed code; 0 when nothing matched.
 */
static int code_step(sqlite3 *db, long long id, const char *hash, int *n,
		     struct pv_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	st = pv_db_prepare(db, hash ?
			   "UPDATE requests SET verify_hash = NULL, "
			   "verify_expires_at = NULL WHERE id = ?1 AND "
			   "status = 'unverified' AND verify_hash = ?2 AND "
			   "verify_attempts < ?3 RETURNING 1" :
			   "UPDATE requests SET verify_attempts = "
			   "verify_attempts + 1 WHERE id = ?1 AND "
			   "status = 'unverified' AND verify_attempts < ?3 "
			   "RETURNING verify_attempts", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	pv_bind_text(st, 2, hash);
	sqlite3_bind_int(st, 3, PV_VERIFY_ATTEMPTS);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int(st, 0);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "requests");
	return PV_OK;
}

/* A wrong code: count it (audited) and commit, then refuse. */
static int wrong_code(sqlite3 *db, const struct pv_req *r, struct pv_err *e)
{
	char obj[64], *detail;
	int left, rc, n;

	if ((rc = pv_db_begin(db, e)))
		return rc;
	if ((rc = code_step(db, r->id, NULL, &n, e)))
		goto fail;
	if (n == 0) { /* parallel tries used up the attempts meanwhile */
		pv_db_rollback(db);
		return pv_fail(e, PV_NOPERM, "too many wrong codes for "
			       "request %lld: the code is no longer accepted",
			       r->id);
	}
	left = PV_VERIFY_ATTEMPTS - n;
	snprintf(obj, sizeof obj, "request:%lld", r->id);
	detail = pv_jsonf("{s:i}", "attempt", n);
	rc = pv_audit(db, "request.verify-failed", obj, detail, e);
	free(detail);
	if (rc || (rc = pv_db_commit(db, e)))
		goto fail;
	if (left <= 0)
		return pv_fail(e, PV_DATAERR, "wrong code for request %lld: "
			       "no attempts left", r->id);
	return pv_fail(e, PV_DATAERR, "wrong code for request %lld: %d "
		       "attempt%s left", r->id, left, left == 1 ? "" : "s");
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

int pv_request_verify(sqlite3 *db, long long id, const char *code,
		      struct pv_err *e)
{
	char hash[65], due_s[PV_TIME_LEN], *fields;
	struct pv_req r;
	int rc;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if (!code) {
		if (strcmp(r.status, "unverified") == 0)
			return pv_fail(e, PV_USAGE, "request %lld waits for "
				       "the code sent to the customer", id);
		if (strcmp(r.status, "received") != 0)
			return pv_fail(e, PV_DATAERR, "request %lld is %s, "
				       "not waiting for an identity check", id,
				       r.status);
	} else {
		if (strcmp(r.status, "unverified") != 0)
			return pv_fail(e, PV_DATAERR, "request %lld is %s, "
				       "not waiting for a code", id, r.status);
		if (r.attempts >= PV_VERIFY_ATTEMPTS)
			return pv_fail(e, PV_NOPERM, "too many wrong codes for "
				       "request %lld: the code is no longer "
				       "accepted", id);
		if (!r.verify_expires || pv_now() >= r.verify_expires)
			return pv_fail(e, PV_NOPERM, "the code for request "
				       "%lld has expired (valid %d hours)", id,
				       (int)PV_VERIFY_HOURS);
		if (code_hash(code, hash) != 0 ||
		    strlen(r.verify_hash) != 64 ||
		    sodium_memcmp(hash, r.verify_hash, 64) != 0)
			return wrong_code(db, &r, e);
	}
	if ((rc = pv_db_begin(db, e)))
		return rc;
	if (code) {
		int claimed;

		if (code_step(db, id, r.verify_hash, &claimed, e))
			goto fail;
		if (!claimed) { /* a parallel run used it, or the attempts */
			pv_db_rollback(db);
			return pv_fail(e, PV_DATAERR, "the code for request "
				       "%lld was used already or is no longer "
				       "accepted", id);
		}
	}
	if (pv_req_change(db, &r, "verified", "request.verify",
			  code ? "code accepted" : "identity checked by staff",
			  code ? "{\"by\":\"code\"}" : "{\"by\":\"staff\"}", e))
		goto fail;
	pv_date_fmt(pv_req_due(&r), due_s);
	fields = pv_jsonf("{s:s,s:s,s:s,s:s}", "type", r.type, "channel",
			  r.channel, "status", "verified", "due", due_s);
	rc = pv_event_add(db, "request.received", r.location_id,
			  r.customer_id, id, "business", fields, NULL, e);
	free(fields);
	if (rc)
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
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
			   "verify_hash = NULL, updated_at = ? WHERE id = ?",
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

int pv_request_complete(sqlite3 *db, long long id, const char *note,
			struct pv_err *e)
{
	char at[PV_TIME_LEN];
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if ((rc = must_be_open(&r, "completed", e)))
		return rc;
	if (strcmp(r.status, "unverified") == 0)
		return pv_fail(e, PV_DATAERR, "request %lld is unverified: "
			       "check the identity first (request verify)",
			       id);
	if ((rc = pv_db_begin(db, e)))
		return rc;
	st = pv_db_prepare(db, "UPDATE requests SET note = coalesce(?, note), "
			   "error = NULL, updated_at = ? WHERE id = ?", e);
	if (st) {
		pv_bind_text_opt(st, 1, note);
		pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
		sqlite3_bind_int64(st, 3, id);
	}
	if (exec_done(db, st, "requests", e) ||
	    pv_req_change(db, &r, "completed", "request.complete", note,
			  "{\"by\":\"hand\"}", e))
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

int pv_request_record_result(sqlite3 *db, long long id, const char *result,
			     int complete, struct pv_err *e)
{
	const char *status = complete ? "completed" : "in-progress";
	char at[PV_TIME_LEN], *detail;
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if (pv_req_is_final(r.status))
		return pv_fail(e, PV_DATAERR, "request %lld is %s already: it "
			       "is not fulfilled again", id, r.status);
	if (strcmp(r.status, "unverified") == 0)
		return pv_fail(e, PV_DATAERR, "request %lld is unverified: "
			       "check the identity first (request verify)",
			       id);
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
	pv_w_str(w, "note", pv_col_text(st, 18));
	if ((v = pv_col_text(st, 19)))
		pv_w_raw(w, "result", v);
	else
		pv_w_null(w, "result");
	pv_w_str(w, "error", pv_col_text(st, 20));
	pv_w_str(w, "updated", pv_col_text(st, 21));
}

int pv_request_show(sqlite3 *db, long long id, struct pv_writer *w,
		    struct pv_err *e)
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

int pv_request_list(sqlite3 *db, const struct pv_request_filter *f,
		    struct pv_writer *w, long *n, struct pv_err *e)
{
	/* The SQL narrows by UTC dates with a day to spare; the exact test
	 * is made in the location's zone below. */
	static const char sql[] =
		"SELECT " REQ_COLS REQ_FROM
		"WHERE (?1 IS NULL OR r.status = ?1) "
		"AND (?2 IS NULL OR r.type = ?2) "
		"AND (?3 IS NULL OR l.slug = ?3) "
		"AND (?4 = 0 OR r.status NOT IN ('completed', 'rejected')) "
		"AND (?5 IS NULL OR coalesce(r.extended_due_on, r.due_on) "
		"  <= ?5) "
		"ORDER BY coalesce(r.extended_due_on, r.due_on), r.id";
	char limit[PV_TIME_LEN], at[PV_TIME_LEN];
	time_t now = pv_now();
	int narrow = f->overdue || f->due_before;
	sqlite3_stmt *st;
	struct pv_req r;
	int rc;

	*n = 0;
	if (f->status && !pv_req_in_list(pv_request_statuses, f->status)) {
		char list[160];

		join_list(pv_request_statuses, list, sizeof list);
		return pv_fail(e, PV_USAGE, "--status: must be one of %s",
			       list);
	}
	if (f->type && !pv_req_in_list(pv_request_types, f->type)) {
		char list[160];

		join_list(pv_request_types, list, sizeof list);
		return pv_fail(e, PV_USAGE, "--type: must be one of %s", list);
	}
	if (f->location) {
		struct pv_location loc;

		if ((rc = pv_location_get(db, f->location, &loc, e)))
			return rc;
		pv_location_free(&loc);
	}
	if (!(st = pv_db_prepare(db, sql, e)))
		return e->status;
	pv_bind_text(st, 1, f->status);
	pv_bind_text(st, 2, f->type);
	pv_bind_text(st, 3, f->location);
	sqlite3_bind_int(st, 4, narrow);
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
		pv_w_begin(w);
		if (f->event) {
			pv_w_str(w, "event", f->event);
			pv_w_str(w, "at", at);
		}
		write_fields(w, st, &r, now);
		pv_w_end(w);
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "requests");
	return PV_OK;
}
