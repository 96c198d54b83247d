#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "campaign-int.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "json.h"
#include "tombstone.h"


int pv_campaign_kind_parse(const char *s)
{
	if (strcmp(s, "repermission") == 0)
		return PV_CAMP_REPERMISSION;
	if (strcmp(s, "double-opt-in") == 0)
		return PV_CAMP_DOI;
	return 0;
}

const char *pv_campaign_kind_name(int kind)
{
	return kind == PV_CAMP_DOI ? "double-opt-in" : "repermission";
}

long long pv_campaign_id(const struct pv_campaign *c)
{
	return c->id;
}

sqlite3 *pv_campaign_db(const struct pv_campaign *c)
{
	return c->db;
}

const char *pv_campaign_name(const struct pv_campaign *c)
{
	return c->name;
}

int pv_campaign_kind(const struct pv_campaign *c)
{
	return c->kind;
}

static int take_lock(struct pv_campaign *c, const char *db_path,
		     struct pv_err *e)
{
	char *path = pv_db_sidecar(db_path, ".campaign-lock");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		pv_fail(e, PV_IOERR, "cannot open '%s': %s", path,
			strerror(errno));
		free(path);
		return e->status;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		free(path);
		return pv_fail(e, PV_TEMPFAIL, "another consent-send is running "
			       "on this database, try again later");
	}
	free(path);
	c->lockfd = fd;
	return PV_OK;
}

static int load_campaign(struct pv_campaign *c, const char *name, int kind,
			 const char *location, int dry_run, struct pv_err *e)
{
	sqlite3_stmt *st;
	long long loc = 0;
	int rc;

	if (location) {
		st = pv_db_prepare(c->db, "SELECT id FROM locations WHERE "
				   "slug = ?1", e);
		if (!st)
			return e->status;
		pv_bind_text(st, 1, location);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			loc = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return pv_fail(e, PV_NOINPUT, "no such location: '%s'",
				       location);
		if (rc != SQLITE_ROW)
			return pv_db_fail(c->db, e, "locations");
	}
	st = pv_db_prepare(c->db, "SELECT id, kind, coalesce(location_id, 0) "
			   "FROM campaigns WHERE name = ?1", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int k = pv_campaign_kind_parse(pv_col_text(st, 1));
		long long l = sqlite3_column_int64(st, 2);

		c->id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (kind && kind != k)
			return pv_fail(e, PV_USAGE, "campaign '%s' is a %s "
				       "campaign", name,
				       pv_campaign_kind_name(k));
		if (location && l != loc)
			return pv_fail(e, PV_USAGE, "campaign '%s' is for "
				       "another location", name);
		c->kind = k;
		c->location_id = l;
		return PV_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(c->db, e, "campaigns");
	if (!kind)
		return pv_fail(e, PV_NOINPUT, "no such campaign: '%s' (give "
			       "--kind to start it)", name);
	c->kind = kind;
	c->location_id = loc;
	return PV_OK;
}

/* Create the campaign (in the caller's transaction): on its first queued
 * message, or at the end of an audience that queued nothing
 * (pv_campaign_record), so that its later resume runs find it. */
static int create_campaign(struct pv_campaign *c, struct pv_err *e)
{
	const char *location = NULL;
	sqlite3_stmt *st;
	long long loc = c->location_id;
	int rc, st2;

	if (loc) {
		st = pv_db_prepare(c->db, "SELECT slug FROM locations WHERE "
				   "id = ?1", e);
		if (!st)
			return e->status;
		sqlite3_bind_int64(st, 1, loc);
		if (sqlite3_step(st) == SQLITE_ROW)
			location = xstrdup(pv_col_text(st, 0));
		sqlite3_finalize(st);
	}
	st = pv_db_prepare(c->db, "INSERT INTO campaigns (name, kind, "
			   "location_id, created_at) VALUES (?1, ?2, ?3, ?4)",
			   e);
	if (!st)
		goto fail;
	pv_bind_text(st, 1, c->name);
	pv_bind_text(st, 2, pv_campaign_kind_name(c->kind));
	if (loc)
		sqlite3_bind_int64(st, 3, loc);
	pv_bind_text(st, 4, c->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		pv_db_fail(c->db, e, "campaigns");
		goto fail;
	}
	c->id = sqlite3_last_insert_rowid(c->db);
	c->created_now = 1;
	{
		char obj[64];
		char *detail = pv_jsonf("{s:s, s:s?}", "kind",
					pv_campaign_kind_name(c->kind),
					"location", location);

		snprintf(obj, sizeof obj, "campaign:%lld", c->id);
		st2 = pv_audit(c->db, "campaign.create", obj, detail, e);
		free(detail);
		if (st2)
			goto fail;
	}
	free((char *)location);
	return PV_OK;
fail:
	free((char *)location);
	return e->status ? e->status : PV_SOFTWARE;
}

static int prepare_all(struct pv_campaign *c, struct pv_err *e)
{
	sqlite3 *db = c->db;

	if (pv_campaign_prepare_audience(c, e) ||
	    !(c->st_ins = pv_db_prepare(db,
		"INSERT INTO campaign_messages (campaign_id, customer_id,"
		" purposes, message_id, token_hash, decline_token_hash,"
		" queued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?7, ?6)", e)) ||
	    !(c->st_requeue = pv_db_prepare(db,
		"UPDATE campaign_messages SET status = 'queued', purposes = ?3,"
		" last_reply = NULL WHERE campaign_id = ?1 AND customer_id = ?2"
		" AND status = 'cancelled'", e)) ||
	    /* The next message after ?2: one arm per status, each a range
	     * of the (campaign_id, status) index in id order, merged; a
	     * single WHERE with the statuses in a CASE or OR read every
	     * message of the campaign and sorted them, on every call. */
	    !(c->st_next = pv_db_prepare(db,
		"WITH pick (id) AS ("
		"  SELECT id FROM campaign_messages WHERE ?3 = 0"
		"   AND campaign_id = ?1 AND status = 'sending' AND id > ?2"
		"  UNION ALL"
		"  SELECT id FROM campaign_messages WHERE ?3 <> 0"
		"   AND campaign_id = ?1 AND status = 'queued' AND id > ?2"
		"  UNION ALL"
		"  SELECT id FROM campaign_messages WHERE ?3 <> 0"
		"   AND campaign_id = ?1 AND status = 'deferred' AND id > ?2"
		"   AND next_attempt_at <= ?4"
		"  ORDER BY 1 LIMIT 1)"
		" SELECT m.id, m.customer_id, m.status, m.message_id,"
		" m.purposes, m.attempts, m.token_expires_at, c.email,"
		" c.first_name, c.last_name, l.slug, l.name,"
		" coalesce(s.language, 'de')"
		" FROM pick JOIN campaign_messages m ON m.id = pick.id"
		" LEFT JOIN customers c ON c.id = m.customer_id"
		" LEFT JOIN locations l ON l.id = c.location_id"
		" LEFT JOIN settings s ON s.location_id = l.id", e)) ||
	    /* Not RETURNING: SQLite buffers its rows in a temporary table,
	     * whose page cache is allocated and freed on every message. */
	    !(c->st_sending = pv_db_prepare(db,
		"UPDATE campaign_messages SET status = 'sending',"
		" attempts = attempts + 1, text_hash = ?2, text_id = ?4,"
		" token_expires_at = max(coalesce(token_expires_at, ?3), ?3)"
		" WHERE id = ?1", e)) ||
	    !(c->st_expires = pv_db_prepare(db,
		"SELECT token_expires_at FROM campaign_messages WHERE id = ?1",
		e)) ||
	    !(c->st_result = pv_db_prepare(db,
		"UPDATE campaign_messages SET status = ?2, last_reply = ?3,"
		/* back to the queue: nothing went out (TLS, AUTH set-up),
		 * so it was no attempt */
		" attempts = attempts - (?2 = 'queued'),"
		" sent_at = CASE ?2 WHEN 'sent' THEN ?4 END,"
		" next_attempt_at = ?5 WHERE id = ?1", e)) ||
	    !(c->st_cancel = pv_db_prepare(db,
		"UPDATE campaign_messages SET status = 'cancelled',"
		" last_reply = ?2 WHERE id = ?1", e)))
		return e->status;
	return PV_OK;
}

int pv_campaign_open(sqlite3 *db, const char *db_path, const char *name,
		     int kind, const char *location, int dry_run, int lock,
		     struct pv_campaign **out, struct pv_err *e)
{
	struct pv_campaign *c = xcalloc(1, sizeof *c);
	int st;

	c->db = db;
	c->lockfd = -1;
	pv_time_fmt(pv_now(), c->now);
	if (strlen(name) >= sizeof c->name || !*name) {
		st = pv_fail(e, PV_USAGE, "campaign name must be 1 to %zu "
			     "bytes", sizeof c->name - 1);
		goto fail;
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	if (lock && (st = take_lock(c, db_path, e)))
		goto fail;
	if ((st = load_campaign(c, name, kind, location, dry_run, e)))
		goto fail;
	/* Two commits per message ('sending', then the outcome): in WAL mode
	 * NORMAL keeps every commit across a crash or kill of the process
	 * and only skips the fsync, which a power failure can undo; then the
	 * last messages are sent again, with their Message-IDs and tokens
	 * (see consent-send(1)).  An fsync per commit would cap a run at
	 * the disk's flush rate. */
	if (!dry_run && (st = pv_db_exec(db, "PRAGMA synchronous = NORMAL", e)))
		goto fail;
	st = pv_token_key_open(db_path, !dry_run, &c->key, e);
	if (st == PV_NOINPUT && dry_run)
		st = PV_OK;
	else if (!st)
		c->have_key = 1;
	if (st)
		goto fail;
	if ((st = pv_tomb_open(db_path, 0, &c->tomb, e)))
		goto fail;
	if ((st = prepare_all(c, e)))
		goto fail;
	*out = c;
	return PV_OK;
fail:
	pv_campaign_close(c);
	return st;
}

void pv_campaign_close(struct pv_campaign *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->st_cust);
	sqlite3_finalize(c->st_latest);
	sqlite3_finalize(c->st_journal);
	sqlite3_finalize(c->st_asked);
	sqlite3_finalize(c->st_ins);
	sqlite3_finalize(c->st_requeue);
	sqlite3_finalize(c->st_next);
	sqlite3_finalize(c->st_sending);
	sqlite3_finalize(c->st_expires);
	sqlite3_finalize(c->st_result);
	sqlite3_finalize(c->st_cancel);
	if (c->tomb)
		pv_tomb_close(c->tomb);
	if (c->lockfd >= 0)
		close(c->lockfd);
	pv_token_key_wipe(&c->key);
	pv_buf_free(&c->strs);
	free(c);
}

int pv_campaign_record(struct pv_campaign *c, struct pv_err *e)
{
	return c->id ? PV_OK : create_campaign(c, e);
}

int pv_campaign_queue(struct pv_campaign *c, const struct pv_elig *v,
		      const char *domain, int *queued, struct pv_err *e)
{
	char mid[320], token[PV_TOKEN_LEN + 1], hash[65], dhash[65];
	sqlite3_stmt *st;
	int rc;

	*queued = 0;
	if (v->reason || !c->have_key)
		return PV_OK;
	if (!c->id && (rc = create_campaign(c, e)))
		return rc;
	if (*v->journal && strcmp(v->journal, "cancelled") != 0)
		return PV_OK;
	if (*v->journal) {
		st = c->st_requeue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c->id);
		sqlite3_bind_int64(st, 2, v->customer_id);
		pv_bind_text(st, 3, v->purposes);
	} else {
		pv_message_id_new(domain, mid, sizeof mid);
		pv_token_derive(&c->key, PV_TOKEN_CONFIRM, mid, token);
		pv_token_hash(token, hash);
		pv_token_derive(&c->key, PV_TOKEN_DECLINE, mid, token);
		pv_token_hash(token, dhash);
		pv_wipe(token, sizeof token);
		st = c->st_ins;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c->id);
		sqlite3_bind_int64(st, 2, v->customer_id);
		pv_bind_text(st, 3, v->purposes);
		pv_bind_text(st, 4, mid);
		pv_bind_text(st, 5, hash);
		pv_bind_text(st, 6, c->now);
		pv_bind_text(st, 7, dhash);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(c->db, e, "campaign_messages");
	*queued = sqlite3_changes(c->db) > 0;
	return PV_OK;
}

int pv_campaign_next(struct pv_campaign *c, struct pv_cmsg *m,
		     struct pv_err *e)
{
	sqlite3_stmt *st = c->st_next;
	int rc;

	memset(m, 0, sizeof *m);
	for (;;) {
		char nowbuf[PV_TIME_LEN];

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c->id);
		sqlite3_bind_int64(st, 2, c->last_row);
		sqlite3_bind_int(st, 3, c->pass);
		pv_bind_text(st, 4, pv_time_fmt(pv_now(), nowbuf));
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			break;
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			pv_db_fail(c->db, e, "campaign_messages");
			return -1;
		}
		if (c->pass)
			return 0;
		c->pass = 1;
		c->last_row = 0;
	}
	/* Keep the strings past the statement's reset: one buffer, offsets
	 * turned into pointers once it stops growing. */
	{
		static const int cols[] = {3, 4, 7, 8, 9, 10, 11, 12, 6};
		size_t off[9];
		int i;

		pv_buf_reset(&c->strs);
		for (i = 0; i < 9; i++) {
			const char *s = pv_col_text(st, cols[i]);

			off[i] = s ? c->strs.len : (size_t)-1;
			if (s)
				pv_buf_add(&c->strs, s, strlen(s) + 1);
		}
#define AT(i) (off[i] == (size_t)-1 ? NULL : c->strs.s + off[i])
		m->message_id = AT(0);
		m->purposes = AT(1);
		m->email = AT(2);
		m->first_name = AT(3);
		m->last_name = AT(4);
		m->location_slug = AT(5);
		m->location_name = AT(6);
		m->language = AT(7);
		if (AT(8)) {
			snprintf(c->expires, sizeof c->expires, "%s", AT(8));
			m->expires_at = c->expires;
		}
#undef AT
	}
	m->row = sqlite3_column_int64(st, 0);
	m->customer_id = sqlite3_column_int64(st, 1);
	snprintf(c->status, sizeof c->status, "%s", pv_col_text(st, 2));
	m->status = c->status;
	m->attempts = sqlite3_column_int(st, 5);
	sqlite3_reset(st);
	c->last_row = m->row;
	if (!c->defer_tokens)
		pv_campaign_tokens(c, m);
	return 1;
}

void pv_campaign_defer_tokens(struct pv_campaign *c)
{
	c->defer_tokens = 1;
}

void pv_campaign_tokens(const struct pv_campaign *c, struct pv_cmsg *m)
{
	if (c->have_key) {
		pv_token_derive(&c->key, PV_TOKEN_CONFIRM, m->message_id,
				m->confirm_token);
		pv_token_derive(&c->key, PV_TOKEN_DECLINE, m->message_id,
				m->decline_token);
	}
}

/* Step st in a transaction of its own, committed; or in the caller's,
 * when one is open (campaign.h: the caller commits or rolls back). */
static int step_commit(struct pv_campaign *c, sqlite3_stmt *st,
		       struct pv_err *e)
{
	int rc, s, own = sqlite3_get_autocommit(c->db);

	if (own && (s = pv_db_begin(c->db, e)))
		return s;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	if (rc != SQLITE_DONE) {
		s = pv_db_fail(c->db, e, "campaign_messages");
		sqlite3_reset(st);
		if (own)
			pv_db_rollback(c->db);
		return s;
	}
	sqlite3_reset(st);
	if (own && (s = pv_db_commit(c->db, e))) {
		pv_db_rollback(c->db);
		return s;
	}
	return PV_OK;
}

int pv_campaign_cancel(struct pv_campaign *c, const struct pv_cmsg *m,
		       const char *reason, struct pv_err *e)
{
	sqlite3_stmt *st = c->st_cancel;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, m->row);
	pv_bind_text(st, 2, reason);
	return step_commit(c, st, e);
}

int pv_campaign_sending(struct pv_campaign *c, struct pv_cmsg *m,
			const struct pv_consent_text_ref *text,
			long token_days, struct pv_err *e)
{
	sqlite3_stmt *st = c->st_sending;
	char exp[PV_TIME_LEN];
	int rc, s, own = sqlite3_get_autocommit(c->db);

	pv_time_fmt(pv_now() + (time_t)token_days * 86400, exp);
	if (own && (s = pv_db_begin(c->db, e)))
		return s;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, m->row);
	pv_bind_text(st, 2, text->sha256);
	pv_bind_text(st, 3, exp);
	if (text->id)
		sqlite3_bind_int64(st, 4, text->id);
	else
		sqlite3_bind_null(st, 4);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		st = c->st_expires;
		sqlite3_bind_int64(st, 1, m->row);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			snprintf(c->expires, sizeof c->expires, "%s",
				 pv_col_text(st, 0));
			m->expires_at = c->expires;
			rc = SQLITE_DONE;
		}
		sqlite3_reset(st);
	}
	if (rc != SQLITE_DONE) {
		s = pv_db_fail(c->db, e, "campaign_messages");
		if (own)
			pv_db_rollback(c->db);
		return s;
	}
	if (own && (s = pv_db_commit(c->db, e))) {
		pv_db_rollback(c->db);
		return s;
	}
	m->attempts++;
	return PV_OK;
}

int pv_campaign_result(struct pv_campaign *c, const struct pv_cmsg *m,
		       const char *status, const char *reply, long retry_secs,
		       struct pv_err *e)
{
	sqlite3_stmt *st = c->st_result;
	char now[PV_TIME_LEN], next[PV_TIME_LEN];
	time_t t = pv_now();

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, m->row);
	pv_bind_text(st, 2, status);
	pv_bind_text(st, 3, reply);
	pv_bind_text(st, 4, pv_time_fmt(t, now));
	if (strcmp(status, "deferred") == 0)
		pv_bind_text(st, 5, pv_time_fmt(t + retry_secs, next));
	else
		sqlite3_bind_null(st, 5);
	return step_commit(c, st, e);
}

int pv_campaign_text(struct pv_campaign *c, const char *name,
		     const char *lang, const char *subject, const char *body,
		     struct pv_consent_text_ref *ref, struct pv_err *e)
{
	int s;

	if ((s = pv_db_begin(c->db, e)))
		return s;
	if ((s = pv_consent_text_archive(c->db, name, lang, subject, body, ref,
					 e)) ||
	    (s = pv_db_commit(c->db, e))) {
		pv_db_rollback(c->db);
		return s;
	}
	return PV_OK;
}

int pv_campaign_deferred(struct pv_campaign *c, long long *n,
			 struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(c->db, "SELECT count(*) FROM"
					 " campaign_messages WHERE campaign_id"
					 " = ?1 AND status = 'deferred'", e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, c->id);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return pv_db_fail(c->db, e, "campaign_messages");
	return PV_OK;
}

int pv_campaign_audit_run(struct pv_campaign *c, const char *counts_json,
			  struct pv_err *e)
{
	char obj[64];
	int s;

	if (!c->id)
		return PV_OK;
	snprintf(obj, sizeof obj, "campaign:%lld", c->id);
	if ((s = pv_db_begin(c->db, e)))
		return s;
	if ((s = pv_audit(c->db, "campaign.run", obj, counts_json, e)) ||
	    (s = pv_db_commit(c->db, e))) {
		pv_db_rollback(c->db);
		return s;
	}
	return PV_OK;
}
