#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "erase.h"
#include "outbox.h"
#include "request.h"
#include "summary.h"
#include "tombstone.h"

struct item {
	int rule;
	int action; /* the rule's, or delete for retention already over */
	long long count;
	char until[11];
};

struct report {
	long long customer_id, request_id;
	long long events[2]; /* the outbox events of the erasure */
	int nevents;
	char slug[64];
	int held;
	char *reason;
	struct item *items;
	int nitems;
};

struct rule_stmts {
	sqlite3_stmt *plan; /* count, or (until, count) groups for retain */
	sqlite3_stmt *keep; /* retain: INSERT INTO retained ... SELECT */
	sqlite3_stmt *act;  /* DELETE or anonymising UPDATE */
};

struct pv_eraser {
	sqlite3 *db;
	const struct pv_policy *pol;
	int dry_run, batch, own_tx, unchecked_ok;
	char *db_path;
	struct pv_tomb *tomb;
	int keyed; /* the key file exists (created at the first erasure) */
	sqlite3_stmt *cust, *unlink, *sp, *release, *rollback_to, *probe;
	sqlite3_stmt *purge[4]; /* purge_sql */
	struct rule_stmts rs[8];
	struct report *queue;
	int nq, capq;
	long long erased, held;
	int checkpoint;
	struct pv_summary *sum; /* counts of the reports written, or NULL */
	long long run; /* the outbox run of the erasures without a request */
	/* a group: subjects planned, their rows not yet touched */
	struct pend *pend;
	int npend, cappend;
	int grouped; /* the set statements below are prepared */
	sqlite3_stmt *g_clear, *g_fill, *g_unlink;
	sqlite3_stmt *g_purge[4];
	struct rule_stmts grs[8];
	void (*on_fail)(void *arg, int status, const struct pv_err *e);
	void *fail_arg;
};

/*
 * The send journals (campaign_messages, and the outbox's events and
 * deliveries) have no foreign key to customers: their rows outlive an
 * erasure.  A campaign message not yet sent is cancelled, so that no run
 * mails the erased address; and every server reply kept for the customer
 * goes, since a relay may quote the address in it ("550 5.1.1 <a@b>:
 * Recipient address rejected").  ?1 is the customer id.
 *
 * Most subjects have no request, message or event: the probe below looks
 * first (three index probes), and the UPDATEs of a table run only when it
 * has rows of the customer.  Each UPDATE costs more than its probe even
 * when it changes nothing: it opens an ephemeral table (a two-pass
 * update of an indexed column, or the subquery of deliveries).
 */
static const char probe_sql[] =
	"SELECT EXISTS (SELECT 1 FROM requests WHERE customer_id = ?1),"
	" EXISTS (SELECT 1 FROM campaign_messages WHERE customer_id = ?1),"
	" EXISTS (SELECT 1 FROM events WHERE customer_id = ?1)";

static const char *const purge_sql[] = {
	"UPDATE campaign_messages SET status = 'cancelled', last_reply ="
	" 'erased', next_attempt_at = NULL WHERE customer_id = ?1 AND (status"
	" = 'queued' OR status = 'deferred' OR status = 'sending')",
	"UPDATE campaign_messages SET last_reply = NULL WHERE customer_id = ?1"
	" AND last_reply IS NOT NULL AND last_reply <> 'erased'",
	"UPDATE events SET last_reply = NULL WHERE customer_id = ?1 AND"
	" last_reply IS NOT NULL",
	"UPDATE deliveries SET last_reply = NULL WHERE last_reply IS NOT NULL"
	" AND event_id IN (SELECT id FROM events WHERE customer_id = ?1)",
};

/* Table and column names below come from the fixed tables of
 * retention.c (the config can only pick among them), never from input. */
static int prepare_rule(struct pv_eraser *er, const struct pv_ret_rule *r,
			struct rule_stmts *rs, int group, struct pv_err *e)
{
	const struct pv_ret_table *t = r->table;
	const char *who = strcmp(t->name, "customers") == 0 ? "id" :
			  "customer_id";
	struct pv_buf b = {0};

	if (group)
		goto write;
	if (r->action == PV_RET_RETAIN) {
		pv_buf_addf(&b, "SELECT pv_until(%s, %d, ?2) AS u, count(*) "
			    "FROM %s WHERE %s = ?1 GROUP BY u ORDER BY u",
			    t->date_col, r->years, t->name, who);
	} else {
		pv_buf_addf(&b, "SELECT count(*) FROM %s WHERE %s = ?1",
			    t->name, who);
	}
	rs->plan = pv_db_prepare(er->db, b.s, e);
	pv_buf_reset(&b);
	if (!rs->plan)
		goto fail;
	if (er->dry_run) {
		pv_buf_free(&b);
		return PV_OK;
	}
write:
	switch (r->action) {
	case PV_RET_RETAIN:
		pv_buf_addf(&b, "INSERT INTO retained (location_id, kind, "
			    "record_key, record_date, data, basis, "
			    "retain_until, request_id, subject_ref, "
			    "email_ref, created_at) SELECT %s, '%s', "
			    "CAST(%s AS TEXT), %s, json_object(",
			    t->loc_col ? t->loc_col : "location_id", t->name,
			    t->key_col, t->date_col);
		for (int i = 0; r->fields[i]; i++) {
			if (strcmp(r->fields[i], "attributes") == 0) {
				/* they go with the row; kept, they are
				 * kept with it */
				pv_buf_addf(&b, "%s'attributes', (SELECT "
					    "json_group_object(name, value) "
					    "FROM appointment_attributes WHERE "
					    "appointment_id = appointments.id)",
					    i ? ", " : "");
				continue;
			}
			pv_buf_addf(&b, "%s'%s', %s", i ? ", " : "",
				    r->fields[i], r->fields[i]);
		}
		/* a record whose retention is already over is not kept */
		/* ?6: the location's time zone, ?7 its today, ?8 the
		 * keyed e-mail reference */
		if (group) /* each subject's values from its row of
			    * pv_group, the subjects in their order */
			pv_buf_addf(&b, "), ?2, pv_until(%s, %d, g_tz), "
				    "g_rid, g_ref, g_eref, ?5 FROM "
				    "temp.pv_group CROSS JOIN %s ON %s = g_cid "
				    "WHERE pv_until(%s, %d, g_tz) >= g_today "
				    "ORDER BY g_seq, %s.id", t->date_col,
				    r->years, t->name, who, t->date_col,
				    r->years, t->name);
		else
			pv_buf_addf(&b, "), ?2, pv_until(%s, %d, ?6), ?3, ?4, "
				    "?8, ?5 FROM %s WHERE %s = ?1 AND "
				    "pv_until(%s, %d, ?6) >= ?7 ORDER BY id",
				    t->date_col, r->years, t->name, who,
				    t->date_col, r->years);
		rs->keep = pv_db_prepare(er->db, b.s, e);
		pv_buf_reset(&b);
		if (!rs->keep)
			goto fail;
		/* the originals go: */
		/* FALLTHROUGH */
	case PV_RET_DELETE:
		pv_buf_addf(&b, "DELETE FROM %s WHERE %s", t->name, who);
		break;
	case PV_RET_ANONYMISE:
		pv_buf_addf(&b, "UPDATE %s SET customer_id = NULL", t->name);
		for (int i = 0; t->personal && t->personal[i]; i++)
			pv_buf_addf(&b, ", %s = NULL", t->personal[i]);
		pv_buf_addf(&b, " WHERE customer_id");
		break;
	}
	pv_buf_adds(&b, group ? " IN (SELECT g_cid FROM temp.pv_group)" :
		    " = ?1");
	rs->act = pv_db_prepare(er->db, b.s, e);
	pv_buf_free(&b);
	return rs->act ? PV_OK : e->status;
fail:
	pv_buf_free(&b);
	return e->status;
}

static void pend_drop(struct pv_eraser *er, int from);

/* The statements of a group (group_run): each subject's row in the
 * temporary table pv_group, and the set statements of the purge, the
 * requests and the policy's rules over all of them at once. */
static const char group_in[] = " IN (SELECT g_cid FROM temp.pv_group)";

static int prepare_group(struct pv_eraser *er, struct pv_err *e)
{
	struct pv_buf b = {0};
	int st;

	if ((st = pv_db_exec(er->db, "CREATE TEMP TABLE IF NOT EXISTS "
			     "pv_group (g_seq INTEGER PRIMARY KEY, g_cid "
			     "INTEGER NOT NULL UNIQUE, g_rid INTEGER, g_ref "
			     "TEXT, g_eref TEXT, g_tz TEXT, g_today TEXT)",
			     e)))
		return st;
	er->g_clear = pv_db_prepare(er->db, "DELETE FROM temp.pv_group", e);
	er->g_fill = er->g_clear ? pv_db_prepare(er->db, "INSERT INTO "
						 "temp.pv_group VALUES (?, ?, "
						 "?, ?, ?, ?, ?)", e) : NULL;
	pv_buf_addf(&b, "UPDATE requests SET customer_id = NULL, updated_at "
		    "= ?1 WHERE customer_id%s", group_in);
	er->g_unlink = er->g_fill ? pv_db_prepare(er->db, b.s, e) : NULL;
	if (!er->g_unlink) {
		pv_buf_free(&b);
		return e->status;
	}
	for (int i = 0; i < 4; i++) {
		/* purge_sql with the group for its one "customer_id = ?1" */
		const char *at = strstr(purge_sql[i], " = ?1");

		pv_buf_reset(&b);
		pv_buf_add(&b, purge_sql[i], (size_t)(at - purge_sql[i]));
		pv_buf_adds(&b, group_in);
		pv_buf_adds(&b, at + 5);
		if (!(er->g_purge[i] = pv_db_prepare(er->db, b.s, e))) {
			pv_buf_free(&b);
			return e->status;
		}
	}
	pv_buf_free(&b);
	for (int i = 0; i < er->pol->n; i++)
		if ((st = prepare_rule(er, &er->pol->rule[i], &er->grs[i], 1,
				       e)))
			return st;
	er->grouped = 1;
	return PV_OK;
}

static void rule_stmts_free(struct rule_stmts *rs)
{
	sqlite3_finalize(rs->plan);
	sqlite3_finalize(rs->keep);
	sqlite3_finalize(rs->act);
}

static void eraser_free(struct pv_eraser *er)
{
	if (!er)
		return;
	sqlite3_finalize(er->cust);
	sqlite3_finalize(er->unlink);
	sqlite3_finalize(er->sp);
	sqlite3_finalize(er->release);
	sqlite3_finalize(er->rollback_to);
	sqlite3_finalize(er->probe);
	for (int i = 0; i < 4; i++)
		sqlite3_finalize(er->purge[i]);
	sqlite3_finalize(er->g_clear);
	sqlite3_finalize(er->g_fill);
	sqlite3_finalize(er->g_unlink);
	for (int i = 0; i < 4; i++)
		sqlite3_finalize(er->g_purge[i]);
	for (int i = 0; i < 8; i++) {
		rule_stmts_free(&er->rs[i]);
		rule_stmts_free(&er->grs[i]);
	}
	pend_drop(er, 0);
	free(er->pend);
	for (int i = 0; i < er->nq; i++) {
		free(er->queue[i].reason);
		free(er->queue[i].items);
	}
	free(er->queue);
	pv_tomb_close(er->tomb);
	free(er->db_path);
	free(er);
}

int pv_eraser_open(sqlite3 *db, const struct pv_policy *pol,
		   const struct pv_erase_opts *o, struct pv_eraser **out,
		   struct pv_err *e)
{
	struct pv_eraser *er = xcalloc(1, sizeof *er);
	int st;

	*out = NULL;
	er->db = db;
	er->pol = pol;
	er->dry_run = o->dry_run;
	er->unchecked_ok = o->unchecked_ok;
	er->batch = o->batch > 1 ? o->batch : 1;
	if ((st = pv_ret_sql_functions(db, e)))
		goto fail;
	/* A stream touches the same index pages again and again: a larger
	 * cache saves reads.  A subject's savepoint (a single subject, or a
	 * group that failed) keeps the old content of every page it changes
	 * in a sub-journal, which SQLite spills to a temporary file past
	 * 64 KB: two writes per page.  In memory it costs a few hundred KB
	 * per subject, freed at release.  The WAL is checkpointed at
	 * SQLite's default of 4 MB: with a group's set statements, a
	 * larger one made the M bench slower (bench/RESULTS.md).  These stay
	 * set on the caller's connection. */
	if (!o->dry_run && (st = pv_db_exec(db, "PRAGMA cache_size = -65536;"
					    "PRAGMA temp_store = MEMORY",
					    e)))
		goto fail;
	/* The key is created at the first erasure, not before: a refused
	 * or empty run leaves no file behind. */
	er->db_path = xstrdup(o->db_path);
	if ((st = pv_tomb_open(o->db_path, 0, &er->tomb, e)))
		goto fail;
	er->cust = pv_db_prepare(db, "SELECT c.external_id, c.first_name, "
				 "c.last_name, c.email, c.phone, c.legal_hold, "
				 "l.slug, c.location_id, l.timezone FROM "
				 "customers c JOIN "
				 "locations l ON l.id = c.location_id WHERE "
				 "c.id = ?", e);
	if (!er->cust) {
		st = e->status;
		goto fail;
	}
	if (!o->dry_run) {
		er->unlink = pv_db_prepare(db, "UPDATE requests SET "
					   "customer_id = NULL, updated_at = ? "
					   "WHERE customer_id = ?", e);
		er->sp = er->unlink ? pv_db_prepare(db, "SAVEPOINT pv_erase",
						    e) : NULL;
		er->release = er->sp ? pv_db_prepare(db, "RELEASE pv_erase",
						     e) : NULL;
		er->rollback_to = er->release ? pv_db_prepare(db, "ROLLBACK "
							      "TO pv_erase",
							      e) : NULL;
		er->probe = er->rollback_to ? pv_db_prepare(db, probe_sql,
							    e) : NULL;
		if (!er->probe) {
			st = e->status;
			goto fail;
		}
		for (int i = 0; i < 4; i++)
			if (!(er->purge[i] = pv_db_prepare(db, purge_sql[i],
							   e))) {
				st = e->status;
				goto fail;
			}
	}
	for (int i = 0; i < pol->n; i++)
		if ((st = prepare_rule(er, &pol->rule[i], &er->rs[i], 0, e)))
			goto fail;
	if (!o->dry_run && er->batch > 1 && (st = prepare_group(er, e)))
		goto fail;
	*out = er;
	return PV_OK;
fail:
	eraser_free(er);
	return st;
}

static int step_done(sqlite3 *db, sqlite3_stmt *st, struct pv_err *e,
		     const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, what);
	return PV_OK;
}

static void add_item(struct report *r, int rule, int action, long long n,
		     const char *until)
{
	struct item *it;

	if (r->nitems && r->items[r->nitems - 1].rule == rule &&
	    r->items[r->nitems - 1].action == action && !until) {
		r->items[r->nitems - 1].count += n;
		return;
	}
	r->items = xrealloc(r->items, (size_t)(r->nitems + 1) * sizeof *it);
	it = &r->items[r->nitems++];
	it->rule = rule;
	it->action = action;
	it->count = n;
	snprintf(it->until, sizeof it->until, "%s", until ? until : "");
}

static int plan(struct pv_eraser *er, long long cid, const char *tz,
		struct report *r, struct pv_err *e)
{
	char now[11];

	/* the location's today: the until day itself is still kept */
	pv_ret_today(tz, now);
	for (int i = 0; i < er->pol->n; i++) {
		const struct pv_ret_rule *rule = &er->pol->rule[i];
		sqlite3_stmt *st = er->rs[i].plan;
		int rc;

		sqlite3_bind_int64(st, 1, cid);
		if (rule->action == PV_RET_RETAIN)
			pv_bind_text(st, 2, tz);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (rule->action != PV_RET_RETAIN) {
				long long n = sqlite3_column_int64(st, 0);

				if (n)
					add_item(r, i, (int)rule->action, n,
						 NULL);
				continue;
			}
			if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
				long long bad = sqlite3_column_int64(st, 1);

				sqlite3_reset(st);
				return pv_fail(e, PV_DATAERR, "customer %lld: "
					       "%s: %s: not a date in %lld "
					       "record(s) to retain", cid,
					       rule->table->name,
					       rule->table->date_col, bad);
			}
			/* until < today: the period is over, the record
			 * goes like any other (retained purge's rule) */
			if (strcmp(pv_col_text(st, 0), now) < 0)
				add_item(r, i, PV_RET_DELETE,
					 sqlite3_column_int64(st, 1), NULL);
			else
				add_item(r, i, PV_RET_RETAIN,
					 sqlite3_column_int64(st, 1),
					 pv_col_text(st, 0));
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return pv_db_fail(er->db, e, rule->table->name);
	}
	return PV_OK;
}

/* Per action: {"table": n, ...} summed over the until groups. */
static void counts_json(struct pv_buf *b, const struct pv_eraser *er,
			const struct report *r, enum pv_ret_action a)
{
	int first = 1;

	pv_buf_addc(b, '{');
	for (int i = 0; i < er->pol->n; i++) {
		long long n = 0;
		int any = 0;

		for (int k = 0; k < r->nitems; k++)
			if (r->items[k].rule == i &&
			    r->items[k].action == (int)a) {
				n += r->items[k].count;
				any = 1;
			}
		if (!any)
			continue;
		pv_buf_addf(b, "%s\"%s\":%lld", first ? "" : ",",
			    er->pol->rule[i].table->name, n);
		first = 0;
	}
	pv_buf_addc(b, '}');
}

static void add_str(struct pv_buf *b, const char *key, const char *v)
{
	pv_buf_addf(b, ",\"%s\":", key);
	if (v)
		pv_json_quote(b, v, strlen(v));
	else
		pv_buf_adds(b, "null");
}

/* What the customer is told (erasure.confirmation): the tables erased,
 * and per table kept, how much, until when and under which duty. */
static void confirmation_json(struct pv_buf *b, const struct pv_eraser *er,
			      const struct report *r)
{
	int first = 1;

	pv_buf_adds(b, ",\"erased\":[");
	for (int i = 0; i < er->pol->n; i++) {
		int any = 0;

		for (int k = 0; k < r->nitems; k++)
			any |= r->items[k].rule == i &&
			       r->items[k].action != PV_RET_RETAIN &&
			       r->items[k].count > 0;
		if (!any)
			continue;
		pv_buf_addf(b, "%s\"%s\"", first ? "" : ",",
			    er->pol->rule[i].table->name);
		first = 0;
	}
	pv_buf_adds(b, "],\"kept\":[");
	first = 1;
	for (int k = 0; k < r->nitems; k++) {
		const struct item *it = &r->items[k];
		const char *basis = er->pol->rule[it->rule].basis;

		if (it->action != PV_RET_RETAIN || it->count <= 0)
			continue;
		pv_buf_addf(b, "%s{\"table\":\"%s\",\"count\":%lld,"
			    "\"until\":\"%s\",\"basis\":", first ? "" : ",",
			    er->pol->rule[it->rule].table->name, it->count,
			    it->until);
		if (basis)
			pv_json_quote(b, basis, strlen(basis));
		else
			pv_buf_adds(b, "null");
		pv_buf_addc(b, '}');
		first = 0;
	}
	pv_buf_addc(b, ']');
}

static void summary_json(struct pv_buf *b, const struct pv_eraser *er,
			 const struct report *r)
{
	pv_buf_adds(b, "\"deleted\":");
	counts_json(b, er, r, PV_RET_DELETE);
	pv_buf_adds(b, ",\"anonymised\":");
	counts_json(b, er, r, PV_RET_ANONYMISE);
	pv_buf_adds(b, ",\"retained\":");
	counts_json(b, er, r, PV_RET_RETAIN);
}

/* ,"restricted_until":"YYYY-MM-DD": the last day a retained record of
 * the subject is kept (restricted), when any is. */
static void restricted_until(struct pv_buf *b, const struct report *r)
{
	const char *last = NULL;

	for (int k = 0; k < r->nitems; k++)
		if (r->items[k].action == PV_RET_RETAIN &&
		    r->items[k].until[0] &&
		    (!last || strcmp(r->items[k].until, last) > 0))
			last = r->items[k].until;
	if (last)
		pv_buf_addf(b, ",\"restricted_until\":\"%s\"", last);
}

struct cust {
	char *f[8]; /* external_id, first, last, email, phone, hold, slug,
		       time zone */
	long long location_id;
};

static void cust_free(struct cust *c)
{
	for (int i = 0; i < 8; i++) {
		if (c->f[i]) {
			pv_wipe(c->f[i], strlen(c->f[i]));
			free(c->f[i]);
		}
		c->f[i] = NULL;
	}
}

static int load_customer(struct pv_eraser *er, long long cid, struct cust *c,
			 struct pv_err *e)
{
	sqlite3_stmt *st = er->cust;
	int rc;

	memset(c, 0, sizeof *c);
	sqlite3_bind_int64(st, 1, cid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		for (int i = 0; i < 7; i++)
			if (pv_col_text(st, i))
				c->f[i] = xstrdup(pv_col_text(st, i));
		c->location_id = sqlite3_column_int64(st, 7);
		if (pv_col_text(st, 8))
			c->f[7] = xstrdup(pv_col_text(st, 8));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return pv_fail(e, PV_NOINPUT, "no such customer: %lld", cid);
	if (rc != SQLITE_ROW)
		return pv_db_fail(er->db, e, "customers");
	return PV_OK;
}

/* What a subject's rows are written with: the time, the location's
 * today, and the keyed references of its external id and e-mail. */
struct keys {
	char at[PV_TIME_LEN], today[11], ref[65], eref[65];
	int have_ref, have_eref;
};

static int keys_make(struct pv_eraser *er, const struct cust *c,
		     struct keys *k, struct pv_err *e)
{
	int st;

	pv_time_fmt(pv_now(), k->at);
	pv_ret_today(c->f[7], k->today);
	if (!er->keyed) {
		struct pv_tomb *t;

		if ((st = pv_tomb_open(er->db_path, 1, &t, e)))
			return st;
		pv_tomb_close(er->tomb);
		er->tomb = t;
		er->keyed = 1;
	}
	k->have_ref = pv_tomb_hash(er->tomb, "external_id", c->f[6], c->f[0],
				   k->ref) == 0;
	k->have_eref = pv_tomb_hash(er->tomb, "email", NULL, c->f[3],
				    k->eref) == 0;
	return PV_OK;
}

/* The rows the policy planned for rule i of report r: all, and kept. */
static void planned(const struct report *r, int i, long long *all,
		    long long *kept)
{
	for (int k = 0; k < r->nitems; k++)
		if (r->items[k].rule == i) {
			*all += r->items[k].count;
			if (r->items[k].action == PV_RET_RETAIN)
				*kept += r->items[k].count;
		}
}

/* The subject's rows, a statement each: a single subject, and each
 * subject of a group whose set statements failed (group_run). */
static int exec_data(struct pv_eraser *er, const struct pv_subject *s,
		     const struct cust *c, const struct report *r,
		     const struct keys *k, struct pv_err *e)
{
	int st, has[3];

	sqlite3_bind_int64(er->probe, 1, s->customer_id);
	if (sqlite3_step(er->probe) != SQLITE_ROW) {
		st = pv_db_fail(er->db, e, "requests");
		sqlite3_reset(er->probe);
		return st;
	}
	for (int i = 0; i < 3; i++)
		has[i] = sqlite3_column_int(er->probe, i);
	sqlite3_reset(er->probe);
	if (has[0]) {
		sqlite3_bind_text(er->unlink, 1, k->at, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(er->unlink, 2, s->customer_id);
		if ((st = step_done(er->db, er->unlink, e, "requests")))
			return st;
	}
	for (int i = 0; i < 4; i++) {
		if (!has[1 + i / 2])
			continue;
		sqlite3_bind_int64(er->purge[i], 1, s->customer_id);
		if ((st = step_done(er->db, er->purge[i], e, i < 2 ?
				    "campaign_messages" : "events")))
			return st;
	}
	for (int i = 0; i < er->pol->n; i++) {
		const struct pv_ret_rule *rule = &er->pol->rule[i];
		struct rule_stmts *rs = &er->rs[i];
		long long all = 0, kept = 0;

		planned(r, i, &all, &kept);
		if (rs->keep) {
			sqlite3_bind_int64(rs->keep, 1, s->customer_id);
			pv_bind_text(rs->keep, 2, rule->basis);
			if (s->request_id)
				sqlite3_bind_int64(rs->keep, 3, s->request_id);
			else
				sqlite3_bind_null(rs->keep, 3);
			pv_bind_text(rs->keep, 4, k->have_ref ? k->ref : NULL);
			pv_bind_text(rs->keep, 5, k->at);
			pv_bind_text(rs->keep, 6, c->f[7]);
			pv_bind_text(rs->keep, 7, k->today);
			pv_bind_text(rs->keep, 8, k->have_eref ? k->eref : NULL);
			if ((st = step_done(er->db, rs->keep, e, "retained")))
				return st;
			if (sqlite3_changes(er->db) != kept)
				return pv_fail(e, PV_TEMPFAIL, "customer %lld: "
					       "%s changed while erasing, try "
					       "again", s->customer_id,
					       rule->table->name);
		}
		sqlite3_bind_int64(rs->act, 1, s->customer_id);
		if ((st = step_done(er->db, rs->act, e, rule->table->name)))
			return st;
		if (sqlite3_changes(er->db) != all)
			return pv_fail(e, PV_TEMPFAIL, "customer %lld: %s "
				       "changed while erasing, try again",
				       s->customer_id, rule->table->name);
	}
	return PV_OK;
}

/* After its rows: the subject's tombstones, its events, its audit entry
 * and its request's result. */
static int exec_tail(struct pv_eraser *er, const struct pv_subject *s,
		     const struct cust *c, struct report *r, struct pv_err *e)
{
	char obj[64];
	int st;
	struct pv_buf b = {0};

	if ((st = pv_tomb_add(er->tomb, er->db, c->f[6], c->f[0], c->f[3],
			      c->f[4], e)))
		return st;

	/* What the business needs to find the customer elsewhere. */
	pv_buf_adds(&b, "{\"customer\":{\"external_id\":");
	pv_json_quote(&b, c->f[0], strlen(c->f[0]));
	add_str(&b, "first_name", c->f[1]);
	add_str(&b, "last_name", c->f[2]);
	add_str(&b, "email", c->f[3]);
	add_str(&b, "phone", c->f[4]);
	pv_buf_adds(&b, "},");
	summary_json(&b, er, r);
	restricted_until(&b, r);
	pv_buf_addc(&b, '}');
	/* Erasures by policy (no request) are one run: the business hears
	 * of them in one message with the list (lib/outbox.h); an erasure
	 * someone asked for is told of on its own. */
	st = pv_event_add_own(er->db, "erasure.completed", c->location_id,
			      s->customer_id, s->request_id, "business", b.s,
			      s->request_id ? NULL : &er->run, &r->events[0],
			      e);
	pv_wipe(b.s, b.len);
	pv_buf_reset(&b);
	if (st)
		goto out;
	r->nevents = 1;

	/* The person who asked is told what was erased and what is kept,
	 * until when and why (Art. 12(3), 17): at the address they had,
	 * which the event keeps ("to") until notify scrubs it. */
	if (s->request_id && c->f[3] && *c->f[3]) {
		pv_buf_adds(&b, "{\"type\":\"erasure\",\"to\":");
		pv_json_quote(&b, c->f[3], strlen(c->f[3]));
		add_str(&b, "first_name", c->f[1]);
		add_str(&b, "last_name", c->f[2]);
		confirmation_json(&b, er, r);
		pv_buf_addc(&b, '}');
		st = pv_event_add_own(er->db, PV_ERASURE_CONFIRMATION,
				      c->location_id, s->customer_id,
				      s->request_id, "customer", b.s, NULL,
				      &r->events[1], e);
		pv_wipe(b.s, b.len);
		pv_buf_reset(&b);
		if (st)
			goto out;
		r->nevents = 2;
	}

	pv_buf_addf(&b, "{\"location\":");
	pv_json_quote(&b, c->f[6], strlen(c->f[6]));
	if (s->request_id)
		pv_buf_addf(&b, ",\"request_id\":%lld", s->request_id);
	pv_buf_addc(&b, ',');
	summary_json(&b, er, r);
	pv_buf_addc(&b, '}');
	snprintf(obj, sizeof obj, "customer:%lld", s->customer_id);
	st = pv_audit(er->db, "customer.erase", obj, b.s, e);
	/* The erasure fulfils its request (lib/request.h). */
	if (!st && s->request_id)
		st = pv_request_record_result(er->db, s->request_id, b.s,
					      PV_RESULT_COMPLETE |
					      (er->unchecked_ok
					       ? PV_RESULT_UNCHECKED_OK : 0),
					      e);
out:
	pv_buf_free(&b);
	return st;
}

static int execute(struct pv_eraser *er, const struct pv_subject *s,
		   const struct cust *c, struct report *r, struct pv_err *e)
{
	struct keys k;
	int st;

	if ((st = keys_make(er, c, &k, e)) ||
	    (st = exec_data(er, s, c, r, &k, e)))
		return st;
	return exec_tail(er, s, c, r, e);
}

static void write_report(const struct pv_eraser *er, const struct report *r,
			 struct pv_writer *w)
{
	static const char *const arrays[] = {"deleted", "anonymised",
					     "retained"};
	const char *status = r->held ? "held" : er->dry_run ? "planned" :
			     "erased";

	pv_w_begin(w);
	pv_w_int(w, "customer_id", r->customer_id);
	pv_w_str(w, "location", r->slug);
	if (r->request_id)
		pv_w_int(w, "request_id", r->request_id);
	else
		pv_w_null(w, "request_id");
	pv_w_str(w, "status", status);
	if (er->sum)
		pv_summary_add(er->sum, NULL, status, 1);
	/* notify reads these: `dsar-erase ... | notify` sends them */
	if (!er->dry_run) {
		pv_w_arr(w, "events");
		for (int k = 0; k < r->nevents; k++)
			pv_w_int(w, NULL, r->events[k]);
		pv_w_close(w);
	}
	if (r->held)
		pv_w_str(w, "reason", r->reason);
	for (int a = 0; a < 3 && !r->held; a++) {
		pv_w_arr(w, arrays[a]);
		for (int k = 0; k < r->nitems; k++) {
			const struct item *it = &r->items[k];
			const struct pv_ret_rule *rule =
				&er->pol->rule[it->rule];

			if (it->action != a)
				continue;
			pv_w_obj(w, NULL);
			pv_w_str(w, "table", rule->table->name);
			pv_w_int(w, "count", it->count);
			if (er->sum)
				pv_summary_add(er->sum, arrays[a],
					       rule->table->name, it->count);
			if (a == PV_RET_RETAIN) {
				pv_w_str(w, "until", it->until);
				pv_w_str(w, "basis", rule->basis);
			}
			pv_w_close(w);
		}
		pv_w_close(w);
	}
	pv_w_end(w);
}

static void report_free(struct report *r)
{
	free(r->reason);
	free(r->items);
	memset(r, 0, sizeof *r);
}

/* Queue (own transaction) or write at once (the caller's transaction). */
static void emit(struct pv_eraser *er, struct report *r, struct pv_writer *w)
{
	if (er->dry_run || !er->own_tx) {
		write_report(er, r, w);
		report_free(r);
		return;
	}
	if (er->nq == er->capq) {
		er->capq = er->capq ? 2 * er->capq : 16;
		er->queue = xrealloc(er->queue, (size_t)er->capq *
				     sizeof *er->queue);
	}
	er->queue[er->nq++] = *r;
	memset(r, 0, sizeof *r);
}

/* A subject of the group in hand: planned, its rows not yet touched
 * (held: only its report). */
struct pend {
	struct pv_subject s;
	struct cust c;
	struct report r;
	struct keys k;
	int held;
};

static void pend_drop(struct pv_eraser *er, int from)
{
	for (int i = from; i < er->npend; i++) {
		cust_free(&er->pend[i].c);
		report_free(&er->pend[i].r);
	}
	if (from < er->npend)
		er->npend = from;
}

/* "customer N: " before a message that does not name its subject yet. */
static int subject_fail(const struct pv_subject *s, int st, struct pv_err *e)
{
	if (!strstr(e->msg, "customer ")) {
		char msg[sizeof e->msg];

		memcpy(msg, e->msg, sizeof msg);
		pv_fail(e, st, "customer %lld: %.960s", s->customer_id, msg);
	}
	return st;
}

/* A customer under legal hold: its report says so, with the reason. */
static int held(struct pv_eraser *er, const struct pv_subject *s,
		const struct cust *c, struct report *r, struct pv_err *e)
{
	r->held = 1;
	r->reason = xstrdup(c->f[5]);
	er->held++;
	if (pv_verbose)
		return pv_fail(e, PV_PARTIAL, "customer %lld: under legal hold, "
			       "not erased: %s", s->customer_id, c->f[5]);
	return pv_fail(e, PV_PARTIAL, "customer %lld: under legal hold, not "
		       "erased", s->customer_id);
}

static int step_all(sqlite3 *db, sqlite3_stmt *st, struct pv_err *e,
		    const char *what, long long want)
{
	int rc = step_done(db, st, e, what);

	if (!rc && want >= 0 && sqlite3_changes(db) != want)
		return pv_fail(e, PV_TEMPFAIL, "%s changed while erasing, "
			       "try again", what);
	return rc;
}

/* The rows of every subject of the group, a set statement each, then
 * each subject's tombstones, events, audit entry and request result,
 * and the tombstone log of them all. */
static int group_sets(struct pv_eraser *er, const char *at, struct pv_err *e)
{
	int st, seq = 0;

	if ((st = step_done(er->db, er->g_clear, e, "pv_group")))
		return st;
	for (int i = 0; i < er->npend; i++) {
		struct pend *p = &er->pend[i];

		if (p->held)
			continue;
		sqlite3_bind_int(er->g_fill, 1, ++seq);
		sqlite3_bind_int64(er->g_fill, 2, p->s.customer_id);
		if (p->s.request_id)
			sqlite3_bind_int64(er->g_fill, 3, p->s.request_id);
		else
			sqlite3_bind_null(er->g_fill, 3);
		pv_bind_text(er->g_fill, 4, p->k.have_ref ? p->k.ref : NULL);
		pv_bind_text(er->g_fill, 5, p->k.have_eref ? p->k.eref : NULL);
		pv_bind_text(er->g_fill, 6, p->c.f[7]);
		pv_bind_text(er->g_fill, 7, p->k.today);
		if ((st = step_done(er->db, er->g_fill, e, "pv_group")))
			return st;
	}
	pv_bind_text(er->g_unlink, 1, at);
	if ((st = step_done(er->db, er->g_unlink, e, "requests")))
		return st;
	for (int i = 0; i < 4; i++)
		if ((st = step_done(er->db, er->g_purge[i], e, i < 2 ?
				    "campaign_messages" : "events")))
			return st;
	for (int i = 0; i < er->pol->n; i++) {
		const struct pv_ret_rule *rule = &er->pol->rule[i];
		struct rule_stmts *rs = &er->grs[i];
		long long all = 0, kept = 0;

		for (int k = 0; k < er->npend; k++)
			if (!er->pend[k].held)
				planned(&er->pend[k].r, i, &all, &kept);
		if (rs->keep) {
			pv_bind_text(rs->keep, 2, rule->basis);
			pv_bind_text(rs->keep, 5, at);
			if ((st = step_all(er->db, rs->keep, e, "retained",
					   kept)))
				return st;
		}
		if ((st = step_all(er->db, rs->act, e, rule->table->name,
				   all)))
			return st;
	}
	for (int i = 0; i < er->npend; i++) {
		struct pend *p = &er->pend[i];

		if (!p->held && (st = exec_tail(er, &p->s, &p->c, &p->r, e)))
			return subject_fail(&p->s, st, e);
	}
	return pv_tomb_log_write(er->tomb, e);
}

/* One subject of a group whose set statements failed, on its own in a
 * savepoint: the path of pv_erase_subject for a single subject. */
static int group_one(struct pv_eraser *er, struct pend *p, struct pv_err *e)
{
	int st;

	if ((st = step_done(er->db, er->sp, e, "savepoint")))
		return st;
	if (!(st = exec_data(er, &p->s, &p->c, &p->r, &p->k, e)) &&
	    !(st = exec_tail(er, &p->s, &p->c, &p->r, e)))
		st = pv_tomb_log_write(er->tomb, e);
	if (st) {
		pv_tomb_log_drop(er->tomb);
		sqlite3_step(er->rollback_to);
		sqlite3_reset(er->rollback_to);
		p->r.nevents = 0;
	}
	sqlite3_step(er->release);
	sqlite3_reset(er->release);
	return st ? subject_fail(&p->s, st, e) : PV_OK;
}

/*
 * Erase the subjects of the group in hand and queue their reports, in
 * their order, for the commit that follows.  The transaction holds no
 * other write (group_add commits a group before it plans the next).  The
 * set statements do the rows of all of them at once: a statement each
 * per table instead of one per subject and table, and no savepoint, whose
 * copy of every page the group changes would cost more than the
 * statements.  When they fail, the transaction is rolled back and each
 * subject is done on its own in its savepoint: the one that fails is
 * told of through on_fail (or on stderr) and has no report, the others
 * are erased.  A failure that is not the subject's (the database, the
 * disk) ends the group: returned, with the subjects after it not done.
 */
static int group_run(struct pv_eraser *er, struct pv_err *e)
{
	char at[PV_TIME_LEN];
	struct pv_err ge;
	int st = PV_OK, n = 0;

	for (int i = 0; i < er->npend; i++)
		n += !er->pend[i].held;
	pv_err_clear(&ge);
	if (n)
		pv_time_fmt(pv_now(), at);
	/* a failure of the set statements is not reported: each subject's
	 * own failure is, below */
	if (n && !group_sets(er, at, &ge)) {
		er->erased += n;
		er->checkpoint = 1;
	} else if (n) {
		pv_tomb_log_drop(er->tomb);
		pv_db_rollback(er->db);
		for (int i = 0; i < er->npend; i++)
			er->pend[i].r.nevents = 0;
		if ((st = pv_db_begin(er->db, e))) {
			er->own_tx = 0;
			pend_drop(er, 0);
			return st;
		}
		pv_err_clear(&ge);
		for (int i = 0; i < er->npend && !st; i++) {
			struct pend *p = &er->pend[i];
			int rc;

			if (p->held)
				continue;
			if (!(rc = group_one(er, p, &ge))) {
				er->erased++;
				er->checkpoint = 1;
				continue;
			}
			p->held = -1; /* failed: no report */
			if (rc != PV_DATAERR && rc != PV_NOINPUT &&
			    rc != PV_PARTIAL) {
				*e = ge;
				st = rc;
				pend_drop(er, i + 1);
			} else if (er->on_fail) {
				er->on_fail(er->fail_arg, rc, &ge);
			} else {
				pv_report(&ge);
			}
		}
	}
	for (int i = 0; i < er->npend; i++) {
		struct pend *p = &er->pend[i];

		if (p->held >= 0)
			emit(er, &p->r, NULL);
		cust_free(&p->c);
		report_free(&p->r);
	}
	er->npend = 0;
	return st;
}

/* The subject planned into the group in hand (a stream in transactions
 * of its own): nothing written yet. */
static int group_add(struct pv_eraser *er, const struct pv_subject *s,
		     struct pv_writer *w, struct pv_err *e)
{
	struct pend *p;
	int st, began = 0;

	/* twice in one group: the group with the first is committed
	 * first */
	for (int i = 0; i < er->npend; i++)
		if (er->pend[i].s.customer_id == s->customer_id) {
			if ((st = pv_eraser_flush(er, w, e)))
				return st;
			break;
		}
	if (sqlite3_get_autocommit(er->db)) {
		if ((st = pv_db_begin(er->db, e)))
			return st;
		er->own_tx = 1;
		began = 1;
	}
	if (er->npend == er->cappend) {
		er->cappend = er->cappend ? 2 * er->cappend : 64;
		er->pend = xrealloc(er->pend, (size_t)er->cappend *
				    sizeof *er->pend);
	}
	p = &er->pend[er->npend];
	memset(p, 0, sizeof *p);
	p->s = *s;
	p->r.customer_id = s->customer_id;
	p->r.request_id = s->request_id;
	if ((st = load_customer(er, s->customer_id, &p->c, e)))
		goto fail;
	snprintf(p->r.slug, sizeof p->r.slug, "%s", p->c.f[6] ? p->c.f[6] :
		 "");
	if (p->c.f[5]) {
		p->held = 1;
		st = held(er, s, &p->c, &p->r, e);
		cust_free(&p->c);
		er->npend++;
	} else {
		if ((st = plan(er, s->customer_id, p->c.f[7], &p->r, e)) ||
		    (st = keys_make(er, &p->c, &p->k, e)))
			goto fail;
		er->npend++;
	}
	if (er->nq + er->npend >= er->batch) {
		struct pv_err fe;
		int rc = pv_eraser_flush(er, w, &fe);

		if (rc) {
			*e = fe;
			return rc;
		}
	}
	return st;
fail:
	cust_free(&p->c);
	report_free(&p->r);
	if (began && er->nq == 0 && er->npend == 0) {
		pv_db_rollback(er->db);
		er->own_tx = 0;
	}
	return subject_fail(s, st, e);
}

int pv_erase_subject(struct pv_eraser *er, const struct pv_subject *s,
		     struct pv_writer *w, struct pv_err *e)
{
	struct report r = {0};
	struct cust c;
	int st, began = 0;

	if (er->grouped && (er->own_tx || sqlite3_get_autocommit(er->db)))
		return group_add(er, s, w, e);
	r.customer_id = s->customer_id;
	r.request_id = s->request_id;
	if (!er->dry_run) {
		if (sqlite3_get_autocommit(er->db)) {
			if ((st = pv_db_begin(er->db, e)))
				return st;
			er->own_tx = 1;
			began = 1;
		}
		if ((st = step_done(er->db, er->sp, e, "savepoint"))) {
			if (began)
				pv_db_rollback(er->db);
			return st;
		}
	}
	if ((st = load_customer(er, s->customer_id, &c, e)))
		goto fail;
	snprintf(r.slug, sizeof r.slug, "%s", c.f[6] ? c.f[6] : "");
	if (c.f[5]) {
		st = held(er, s, &c, &r, e);
		cust_free(&c);
		goto held;
	}
	if ((st = plan(er, s->customer_id, c.f[7], &r, e)))
		goto fail;
	if (!er->dry_run && (st = execute(er, s, &c, &r, e)))
		goto fail;
	/* the tombstone log outside the database, once the subject is
	 * done (synced before the commit, pv_eraser_flush) */
	if (!er->dry_run && (st = pv_tomb_log_write(er->tomb, e)))
		goto fail;
	cust_free(&c);
	er->erased++;
	if (!er->dry_run) {
		if ((st = step_done(er->db, er->release, e, "savepoint")))
			goto fail;
		er->checkpoint = 1;
	}
	emit(er, &r, w);
	if (er->own_tx && er->nq >= er->batch)
		return pv_eraser_flush(er, w, e);
	return PV_OK;
held:
	if (!er->dry_run) {
		int rc = step_done(er->db, er->release, e, "savepoint");

		if (rc) {
			report_free(&r);
			return rc;
		}
	}
	emit(er, &r, w);
	if (er->own_tx && er->nq >= er->batch) {
		struct pv_err fe;

		if (pv_eraser_flush(er, w, &fe))
			*e = fe;
		return e->status;
	}
	return st;
fail:
	pv_tomb_log_drop(er->tomb);
	cust_free(&c);
	report_free(&r);
	if (!er->dry_run) {
		sqlite3_step(er->rollback_to);
		sqlite3_reset(er->rollback_to);
		sqlite3_step(er->release);
		sqlite3_reset(er->release);
		if (began && er->nq == 0)
			pv_db_rollback(er->db);
	}
	return subject_fail(s, st, e);
}

void pv_eraser_summary(struct pv_eraser *er, struct pv_summary *sum)
{
	er->sum = sum;
}

int pv_eraser_pending(const struct pv_eraser *er)
{
	return er->nq + er->npend;
}

void pv_eraser_on_fail(struct pv_eraser *er,
		       void (*fn)(void *arg, int status,
				  const struct pv_err *e),
		       void *arg)
{
	er->on_fail = fn;
	er->fail_arg = arg;
}

int pv_eraser_flush(struct pv_eraser *er, struct pv_writer *w,
		    struct pv_err *e)
{
	int st = PV_OK;

	if (er->dry_run)
		return PV_OK;
	if (er->npend && (st = group_run(er, e))) {
		/* what was erased before the failure is committed */
		struct pv_err fe;

		(void)pv_eraser_flush(er, w, &fe);
		return st;
	}
	/* the log holds an erasure before the database does: a crash in
	 * between leaves one that `dsar-erase --replay-tombstones` ends */
	if ((st = pv_tomb_log_sync(er->tomb, e)))
		return st;
	if (!er->own_tx)
		return PV_OK;
	if (!sqlite3_get_autocommit(er->db))
		st = pv_db_commit(er->db, e);
	for (int i = 0; i < er->nq; i++) {
		if (!st)
			write_report(er, &er->queue[i], w);
		report_free(&er->queue[i]);
	}
	er->nq = 0;
	er->own_tx = 0;
	return st;
}

int pv_eraser_close(struct pv_eraser *er, struct pv_writer *w,
		    long long *erased, long long *held, struct pv_err *e)
{
	int st;

	if (!er)
		return PV_OK;
	st = pv_eraser_flush(er, w, e);
	if (!st && er->checkpoint && sqlite3_get_autocommit(er->db))
		st = pv_db_checkpoint_truncate(er->db, e);
	if (erased)
		*erased = er->erased;
	if (held)
		*held = er->held;
	eraser_free(er);
	return st;
}
