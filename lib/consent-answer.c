/*
 * consent-answer.c - the answers to campaign messages: confirm and decline
 * through the message's two tokens, and expiry (declared in consent.h).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "json.h"
#include "token.h"

static int ua_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 512 || !pv_utf8_valid(s, n))
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* One ledger event per purpose of a comma-separated list (consent.h
 * checks and audits each). */
static int ledger_add(sqlite3 *db, long long customer_id,
		      const char *purposes, const char *event,
		      const char *source, const char *at, const char *ip,
		      const char *ua, const char *text_hash,
		      long long text_id, const char *campaign,
		      struct pv_err *e)
{
	const char *p = purposes;
	char purpose[32];
	int st;

	while (*p) {
		size_t n = strcspn(p, ",");
		struct pv_consent_event ev = {purpose, event, at, source,
					      ip, ua, text_hash, campaign,
					      text_id, NULL};

		snprintf(purpose, sizeof purpose, "%.*s", (int)n, p);
		if ((st = pv_consent_append(db, customer_id, &ev, e)))
			return st;
		p += n;
		if (*p == ',')
			p++;
	}
	return PV_OK;
}

/* The journal row of a token, whichever of its two tokens it is. */
static const char sql_token[] =
	"SELECT m.id, m.customer_id, m.purposes, m.token_hash,"
	" m.decline_token_hash, m.token_expires_at, m.text_hash, m.answer,"
	" m.answered_at, g.name, g.kind, c.id IS NOT NULL, l.slug, l.name,"
	" coalesce(s.language, 'de'), m.text_id"
	" FROM campaign_messages m JOIN campaigns g ON g.id = m.campaign_id"
	" LEFT JOIN customers c ON c.id = m.customer_id"
	" LEFT JOIN locations l ON l.id = c.location_id"
	" LEFT JOIN settings s ON s.location_id = l.id"
	" WHERE m.token_hash = ?1 OR m.decline_token_hash = ?1";

#define COPY(dst, i)                                                       \
	snprintf((dst), sizeof(dst), "%s",                                 \
		 pv_col_text(st, (i)) ? pv_col_text(st, (i)) : "")

static int find_token(sqlite3 *db, const char *token,
		      struct pv_token_info *ti, struct pv_err *e)
{
	char hash[65], now[PV_TIME_LEN];
	sqlite3_stmt *st;
	int rc, exists;

	memset(ti, 0, sizeof *ti);
	if (!pv_token_wellformed(token))
		return pv_fail(e, PV_DATAERR, "malformed token: a token is %d "
			       "characters of A-Z a-z 0-9 - _ (~ first)",
			       PV_TOKEN_LEN);
	pv_token_hash(token, hash);
	if (!(st = pv_db_prepare(db, sql_token, e)))
		return e->status;
	pv_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return pv_fail(e, PV_NOINPUT, "unknown token: no "
				       "campaign sent it");
		return pv_db_fail(db, e, "campaign_messages");
	}
	/* The index found the row; the hashes are compared in constant
	 * time all the same, and decide which capability this is. */
	if (pv_col_text(st, 3) && pv_token_hash_equal(pv_col_text(st, 3), hash))
		ti->action = PV_TOKEN_CONFIRM;
	else if (pv_col_text(st, 4) &&
		 pv_token_hash_equal(pv_col_text(st, 4), hash))
		ti->action = PV_TOKEN_DECLINE;
	ti->message_row = sqlite3_column_int64(st, 0);
	ti->customer_id = sqlite3_column_int64(st, 1);
	COPY(ti->purposes, 2);
	COPY(ti->expires_at, 5);
	COPY(ti->text_hash, 6);
	COPY(ti->answer, 7);
	COPY(ti->answered_at, 8);
	COPY(ti->campaign, 9);
	COPY(ti->kind, 10);
	exists = sqlite3_column_int(st, 11);
	COPY(ti->location, 12);
	COPY(ti->location_name, 13);
	COPY(ti->language, 14);
	ti->text_id = sqlite3_column_int64(st, 15);
	sqlite3_finalize(st);

	/* Never handed to a transport (no expiry yet): nobody can hold it. */
	if (!ti->action || !*ti->expires_at) {
		memset(ti, 0, sizeof *ti);
		return pv_fail(e, PV_NOINPUT, "unknown token: no campaign "
			       "sent it");
	}
	if (!exists) {
		long long row = ti->message_row;

		memset(ti, 0, sizeof *ti);
		return pv_fail(e, PV_NOINPUT, "token of message %lld: the "
			       "customer was erased", row);
	}
	pv_time_fmt(pv_now(), now);
	if (*ti->answer)
		snprintf(ti->status, sizeof ti->status, "used");
	else if (strcmp(now, ti->expires_at) >= 0)
		snprintf(ti->status, sizeof ti->status, "expired");
	else
		snprintf(ti->status, sizeof ti->status, "open");
	return PV_OK;
}
#undef COPY

int pv_consent_token_lookup(sqlite3 *db, const char *token,
			    struct pv_token_info *ti, struct pv_err *e)
{
	return find_token(db, token, ti, e);
}

static int evidence_ok(const char *ip, const char *ua, struct pv_err *e)
{
	if (ip && !pv_ip_valid(ip))
		return pv_fail(e, PV_USAGE, "--ip: not an IPv4 or IPv6 address");
	if (ua && !ua_valid(ua))
		return pv_fail(e, PV_USAGE, "--user-agent: must be 1 to 512 "
			       "bytes of printable UTF-8");
	return PV_OK;
}

int pv_consent_token_use(sqlite3 *db, const char *token, int action,
			 const char *ip, const char *ua, struct pv_answer *a,
			 struct pv_err *e)
{
	struct pv_token_info ti;
	char now[PV_TIME_LEN], obj[64];
	sqlite3_stmt *st = NULL;
	int confirm = action == PV_TOKEN_CONFIRM;
	const char *event = confirm ? "confirmed" : "withdrawn";
	int rc, s;
	char *detail;

	memset(a, 0, sizeof *a);
	if (action != PV_TOKEN_CONFIRM && action != PV_TOKEN_DECLINE)
		return pv_fail(e, PV_SOFTWARE, "token use: unknown action");
	if (!pv_token_wellformed(token))
		return find_token(db, token, &ti, e);
	if ((s = evidence_ok(ip, ua, e)))
		return s;
	pv_time_fmt(pv_now(), now);

	if ((s = pv_db_begin(db, e)))
		return s;
	if ((s = find_token(db, token, &ti, e)))
		goto fail;
	a->message_row = ti.message_row;
	a->customer_id = ti.customer_id;
	snprintf(a->purposes, sizeof a->purposes, "%s", ti.purposes);
	snprintf(a->campaign, sizeof a->campaign, "%s", ti.campaign);
	snprintf(a->kind, sizeof a->kind, "%s", ti.kind);
	if (ti.action != action) {
		pv_fail(e, PV_DATAERR, "token of message %lld is a %s token: it "
			"cannot %s", ti.message_row,
			pv_token_action_name(ti.action),
			pv_token_action_name(action));
		goto fail;
	}
	if (strcmp(ti.status, "used") == 0) {
		pv_fail(e, PV_DATAERR, "token of message %lld already used "
			"(%s)", ti.message_row, ti.answer);
		goto fail;
	}
	if (strcmp(ti.status, "expired") == 0) {
		pv_fail(e, PV_DATAERR, "token of message %lld expired at %s",
			ti.message_row, ti.expires_at);
		goto fail;
	}
	if ((s = ledger_add(db, a->customer_id, a->purposes, event,
			    strcmp(a->kind, "double-opt-in") == 0 ?
			    "double-opt-in" : "re-permission", now, ip, ua,
			    *ti.text_hash ? ti.text_hash : NULL, ti.text_id,
			    a->campaign, e)))
		goto fail;
	/* The answer kills both tokens of the message. */
	st = pv_db_prepare(db, "UPDATE campaign_messages SET answer = ?2,"
			   " answered_at = ?3 WHERE id = ?1 AND answer IS NULL",
			   e);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, a->message_row);
	pv_bind_text(st, 2, confirm ? "confirmed" : "declined");
	pv_bind_text(st, 3, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE || sqlite3_changes(db) != 1) {
		pv_db_fail(db, e, "campaign_messages");
		goto fail;
	}
	snprintf(obj, sizeof obj, "customer:%lld", a->customer_id);
	detail = pv_jsonf("{s:s, s:I, s:s}", "campaign", a->campaign,
			  "message", (json_int_t)a->message_row, "purposes",
			  a->purposes);
	s = pv_audit(db, confirm ? "consent.confirm" : "consent.decline", obj,
		     detail, e);
	free(detail);
	if (s)
		goto fail;
	if ((s = pv_db_commit(db, e)))
		goto fail;
	snprintf(a->event, sizeof a->event, "%s", event);
	snprintf(a->at, sizeof a->at, "%s", now);
	return PV_OK;
fail:
	sqlite3_finalize(st);
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

int pv_consent_expire(sqlite3 *db, int dry_run,
		      int (*fn)(void *arg, const struct pv_answer *a),
		      void *arg, long long *count, struct pv_err *e)
{
	/* Open requests past expiry whose customer still exists. */
	sqlite3_stmt *st = NULL, *up = NULL, *latest = NULL;
	char now[PV_TIME_LEN];
	struct pv_answer a;
	int rc, s;
	char *detail;

	*count = 0;
	pv_time_fmt(pv_now(), now);
	if ((s = pv_db_begin(db, e)))
		return s;
	st = pv_db_prepare(db,
		"SELECT m.id, m.customer_id, m.purposes, g.name, g.kind,"
		" m.text_hash, m.text_id FROM campaign_messages m"
		" JOIN campaigns g ON g.id = m.campaign_id"
		" JOIN customers c ON c.id = m.customer_id"
		" WHERE m.answer IS NULL AND m.token_expires_at <= ?1"
		" AND m.status <> 'cancelled' ORDER BY m.id", e);
	up = pv_db_prepare(db, "UPDATE campaign_messages SET answer ="
			   " 'expired', answered_at = ?2 WHERE id = ?1", e);
	latest = pv_db_prepare(db, "SELECT " PV_CONSENT_STATE_CASE " IN"
			       " ('needs-repermission', 'unproven')"
			       " FROM consents k"
			       " WHERE k.customer_id = ?1 AND k.purpose = ?2"
			       " ORDER BY " PV_CONSENT_LATEST_ORDER " LIMIT 1", e);
	if (!st || !up || !latest)
		goto fail;
	pv_bind_text(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pv_buf open = {0};
		const char *p;

		memset(&a, 0, sizeof a);
		a.message_row = sqlite3_column_int64(st, 0);
		a.customer_id = sqlite3_column_int64(st, 1);
		snprintf(a.campaign, sizeof a.campaign, "%s",
			 pv_col_text(st, 3));
		snprintf(a.kind, sizeof a.kind, "%s", pv_col_text(st, 4));
		snprintf(a.event, sizeof a.event, "expired");
		snprintf(a.at, sizeof a.at, "%s", now);
		/* Only purposes still waiting: an answer that came another
		 * way since (a new grant, a withdrawal) is left alone. */
		p = pv_col_text(st, 2);
		while (*p) {
			size_t n = strcspn(p, ",");
			sqlite3_stmt *q = latest;

			sqlite3_bind_int64(q, 1, a.customer_id);
			sqlite3_bind_text(q, 2, p, (int)n, SQLITE_TRANSIENT);
			if (sqlite3_step(q) == SQLITE_ROW &&
			    sqlite3_column_int(q, 0))
				pv_buf_addf(&open, "%s%.*s",
					    open.len ? "," : "", (int)n, p);
			sqlite3_reset(q);
			p += n;
			if (*p == ',')
				p++;
		}
		if (open.len)
			snprintf(a.purposes, sizeof a.purposes, "%s", open.s);
		pv_buf_free(&open);
		if (!dry_run && *a.purposes &&
		    (s = ledger_add(db, a.customer_id, a.purposes, "expired",
				    strcmp(a.kind, "double-opt-in") == 0 ?
				    "double-opt-in" : "re-permission", now,
				    NULL, NULL, pv_col_text(st, 5),
				    sqlite3_column_int64(st, 6), a.campaign,
				    e)))
			goto fail;
		if (!dry_run) {
			sqlite3_reset(up);
			sqlite3_bind_int64(up, 1, a.message_row);
			pv_bind_text(up, 2, now);
			if (sqlite3_step(up) != SQLITE_DONE) {
				pv_db_fail(db, e, "campaign_messages");
				goto fail;
			}
		}
		(*count)++;
		if (fn && (s = fn(arg, &a))) {
			pv_fail(e, s, "write error");
			goto fail;
		}
	}
	if (rc != SQLITE_DONE) {
		pv_db_fail(db, e, "campaign_messages");
		goto fail;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sqlite3_finalize(latest);
	st = up = latest = NULL;
	if (dry_run || !*count) {
		pv_db_rollback(db);
		return PV_OK;
	}
	detail = pv_jsonf("{s:I}", "expired", (json_int_t)*count);
	s = pv_audit(db, "consent.expire", NULL, detail, e);
	free(detail);
	if (s || (s = pv_db_commit(db, e)))
		goto fail;
	return PV_OK;
fail:
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sqlite3_finalize(latest);
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

