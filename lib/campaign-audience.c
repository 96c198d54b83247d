/*
 * campaign-audience.c - who may be asked: the verdict on one customer
 * (eligibility and the reasons of a skip, campaign.h), the default
 * audience, and the audience phase of a run that queues the eligible in
 * the journal (campaign.c).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "campaign-int.h"
#include "consent.h"
#include "db.h"
#include "json.h"
#include "subject.h"

/* The events of one customer, the latest of each purpose first
 * (pv_campaign_check takes the first row of each purpose).  Not the
 * window of PV_CONSENT_LATEST_CTE: for a customer's few rows its set-up
 * cost 88,000 instructions a call, the send loop's largest part after
 * GMime (bench/RESULTS.md); the same rule, by the same order. */
static const char sql_latest[] =
	"SELECT k.purpose, k.event, " PV_CONSENT_STATE_CASE
	" FROM consents k WHERE k.customer_id = ?1"
	" ORDER BY k.purpose, " PV_CONSENT_LATEST_ORDER;

int pv_campaign_prepare_audience(struct pv_campaign *c, struct pv_err *e)
{
	sqlite3 *db = c->db;

	if (!(c->st_cust = pv_db_prepare(db,
		"SELECT c.location_id, c.email, c.external_id, c.phone, l.slug,"
		" c.restricted_at IS NOT NULL OR c.objected_at IS NOT NULL"
		" FROM customers c JOIN locations l ON l.id = c.location_id"
		" WHERE c.id = ?1", e)) ||
	    !(c->st_latest = pv_db_prepare(db, sql_latest, e)) ||
	    !(c->st_journal = pv_db_prepare(db,
		"SELECT status FROM campaign_messages WHERE campaign_id = ?1"
		" AND customer_id = ?2", e)) ||
	    /* Asked for re-permission by another campaign: a message that
	     * went out or may still go (failed and cancelled ones never
	     * reached the customer). */
	    !(c->st_asked = pv_db_prepare(db,
		"SELECT g.name FROM campaign_messages m"
		" JOIN campaigns g ON g.id = m.campaign_id"
		" WHERE m.customer_id = ?1 AND m.campaign_id <> ?2"
		" AND g.kind = 'repermission' AND m.status IN ('queued',"
		" 'sending', 'sent', 'deferred') ORDER BY m.id LIMIT 1", e)))
		return e->status;
	return PV_OK;
}

int pv_campaign_erased(struct pv_campaign *c, const char *location,
		       const char *external_id, const char *email,
		       struct pv_err *e)
{
	if (!c->tomb)
		return 0;
	return pv_tomb_match(c->tomb, c->db, location,
			     location ? external_id : NULL, email, NULL, e);
}

int pv_campaign_check(struct pv_campaign *c, long long customer_id,
		      struct pv_elig *v, struct pv_err *e)
{
	sqlite3_stmt *st = c->st_cust;
	int rc, withdrawn = 0, proven = 0, other = 0, erased, blocked;
	char email[320] = "", ext[256] = "", phone[64] = "", slug[64] = "";
	char last[64] = "\x01";
	struct pv_buf p = {0};

	memset(v, 0, sizeof *v);
	v->customer_id = customer_id;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, customer_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		v->reason = "erased";
		return PV_OK;
	}
	if (rc != SQLITE_ROW)
		return pv_db_fail(c->db, e, "customers");
	v->location_id = sqlite3_column_int64(st, 0);
#define COPY(dst, i) snprintf(dst, sizeof dst, "%s", \
			      pv_col_text(st, i) ? pv_col_text(st, i) : "")
	COPY(email, 1);
	COPY(ext, 2);
	COPY(phone, 3);
	COPY(slug, 4);
#undef COPY
	blocked = sqlite3_column_int(st, 5);
	sqlite3_reset(st);
	if (blocked) { /* restricted (Art. 18) or objected (Art. 21(2)) */
		v->reason = "restricted";
		return PV_OK;
	}

	/* Only the same booking-system record (location and external id) is
	 * the erased person come back (a restored backup); the same address
	 * or phone under a new id is a new relationship (a returning
	 * customer, a family landline) and is asked like anybody else. */
	erased = c->tomb ? pv_tomb_match(c->tomb, c->db, slug, ext, NULL,
					 NULL, e) : 0;
	if (erased < 0)
		return e->status;
	if (erased) {
		v->reason = "erased";
		return PV_OK;
	}
	if (c->location_id && v->location_id != c->location_id) {
		v->reason = "other-location";
		return PV_OK;
	}

	st = c->st_latest;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, customer_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ev = pv_col_text(st, 1);
		enum pv_consent_state cs =
			pv_consent_state_parse(pv_col_text(st, 2));
		const char *pur = pv_col_text(st, 0);

		/* an earlier event of a purpose already seen */
		if (strcmp(pur, last) == 0)
			continue;
		snprintf(last, sizeof last, "%s", pur);
		if (cs == PV_CONSENT_VALID) {
			proven++;
		} else if (cs != PV_CONSENT_NONE) {
			if ((c->kind == PV_CAMP_REPERMISSION) ==
			    (cs == PV_CONSENT_NEEDS_REPERMISSION))
				pv_buf_addf(&p, "%s%s", p.len ? "," : "",
					    pv_col_text(st, 0));
			else
				other++;
		} else if (strcmp(ev, "withdrawn") == 0 ||
			   strcmp(ev, "declined") == 0) {
			withdrawn++;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		pv_buf_free(&p);
		return pv_db_fail(c->db, e, "consents");
	}
	if (p.len)
		snprintf(v->purposes, sizeof v->purposes, "%s", p.s);

	if (c->id) {
		st = c->st_journal;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c->id);
		sqlite3_bind_int64(st, 2, customer_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			snprintf(v->journal, sizeof v->journal, "%s",
				 pv_col_text(st, 0));
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			pv_buf_free(&p);
			return pv_db_fail(c->db, e, "campaign_messages");
		}
	}

	if (c->kind == PV_CAMP_REPERMISSION && p.len) {
		st = c->st_asked;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, customer_id);
		sqlite3_bind_int64(st, 2, c->id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			snprintf(v->asked_by, sizeof v->asked_by, "%s",
				 pv_col_text(st, 0));
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			pv_buf_free(&p);
			return pv_db_fail(c->db, e, "campaign_messages");
		}
	}

	if (withdrawn)
		v->reason = "withdrawn";
	else if (!p.len && proven)
		v->reason = "confirmed";
	else if (strcmp(v->journal, "sent") == 0)
		v->reason = "already-mailed";
	else if (strcmp(v->journal, "failed") == 0)
		v->reason = "failed";
	else if (*v->asked_by)
		v->reason = "already-asked";
	else if (!p.len)
		v->reason = "not-eligible";
	else if (!*email || !pv_email_valid(email))
		v->reason = "no-address";
	pv_buf_free(&p);
	return PV_OK;
}

int pv_campaign_audience(struct pv_campaign *c,
			 int (*fn)(void *arg, const struct pv_elig *v),
			 void *arg, struct pv_err *e)
{
	/* Candidates: an open grant of the campaign's kind as the latest
	 * event of some purpose, or a row in this campaign's journal. */
	/* The latest event of a customer and purpose is the one no other
	 * event of theirs follows (PV_CONSENT_LATEST_ORDER: at, then id),
	 * an index probe of consents_customer per row; the window of
	 * PV_CONSENT_LATEST_CTE sorted the whole ledger, 32,000
	 * instructions a row (bench/RESULTS.md). */
	static const char sql[] =
		"WITH latest AS (SELECT k.* FROM consents k"
		" JOIN customers c ON c.id = k.customer_id"
		" WHERE (?1 = 0 OR c.location_id = ?1) AND NOT EXISTS ("
		"  SELECT 1 FROM consents k2 WHERE k2.customer_id ="
		"  k.customer_id AND k2.purpose = k.purpose AND (k2.at > k.at"
		"  OR (k2.at = k.at AND k2.id > k.id))))"
		" SELECT k.customer_id FROM latest k"
		" WHERE " PV_CONSENT_STATE_CASE " = ?2"
		" UNION SELECT customer_id FROM campaign_messages"
		" WHERE campaign_id = ?3 ORDER BY 1";
	sqlite3_stmt *st = pv_db_prepare(c->db, sql, e);
	struct pv_elig v;
	int rc, r = PV_OK;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, c->location_id);
	pv_bind_text(st, 2, c->kind == PV_CAMP_REPERMISSION ?
		     "needs-repermission" : "unproven");
	sqlite3_bind_int64(st, 3, c->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = pv_campaign_check(c, sqlite3_column_int64(st, 0), &v,
					   e)))
			break;
		if ((r = fn(arg, &v)))
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = pv_db_fail(c->db, e, "consents");
	sqlite3_finalize(st);
	return r;
}

/* ---- the audience phase ----------------------------------------------- */

struct enq {
	struct pv_campaign *c;
	const char *domain;
	int dry_run;
	struct pv_writer *w;
	struct pv_campaign_counts *n;
	struct pv_err *e;
	const char *input; /* "file:line" of a record, or NULL */
};

static int enq_one(void *arg, const struct pv_elig *v)
{
	struct enq *q = arg;
	int queued, st;

	if (q->dry_run) {
		pv_w_begin(q->w);
		pv_w_int(q->w, "customer_id", v->customer_id);
		pv_w_str(q->w, "campaign", q->c->name);
		pv_w_bool(q->w, "eligible", v->reason == NULL);
		pv_w_str(q->w, "reason", v->reason);
		pv_w_str(q->w, "purposes", *v->purposes ? v->purposes : NULL);
		pv_w_str(q->w, "journal", *v->journal ? v->journal : NULL);
		if (v->reason && strcmp(v->reason, "already-asked") == 0)
			pv_w_str(q->w, "asked_by", v->asked_by);
		pv_w_end(q->w);
		if (v->reason)
			q->n->skipped++;
		else
			q->n->queued++;
		return 0;
	}
	if (v->reason) {
		pv_w_begin(q->w);
		pv_w_int(q->w, "customer_id", v->customer_id);
		pv_w_str(q->w, "campaign", q->c->name);
		pv_w_str(q->w, "status", "skipped");
		pv_w_str(q->w, "reason", v->reason);
		if (strcmp(v->reason, "already-asked") == 0)
			pv_w_str(q->w, "asked_by", v->asked_by);
		pv_w_end(q->w);
		q->n->skipped++;
		return 0;
	}
	if ((st = pv_campaign_queue(q->c, v, q->domain, &queued, q->e)))
		return st;
	if (queued)
		q->n->queued++;
	else
		q->n->pending++;
	return 0;
}

static int enq_records(struct enq *q, struct pv_input *in)
{
	struct pv_rec r = {0};
	struct pv_subject s;
	struct pv_elig v;
	int rc, st = PV_OK;

	while ((rc = pv_input_next(in, &r, q->e)) == 1) {
		st = pv_subject_from_rec(q->c->db, &r, &s, q->e);
		if (st == PV_NOINPUT) {
			struct pv_err e2 = {0};
			int er = pv_campaign_erased(q->c,
						    pv_rec_val(&r, "location"),
						    pv_rec_val(&r, "external_id"),
						    pv_rec_val(&r, "email"), &e2);

			if (er < 0) {
				*q->e = e2;
				st = e2.status;
				break;
			}
			if (!er)
				break;
			pv_w_begin(q->w);
			pv_w_null(q->w, "customer_id");
			pv_w_str(q->w, "campaign", q->c->name);
			if (q->dry_run) {
				pv_w_bool(q->w, "eligible", 0);
				pv_w_str(q->w, "reason", "erased");
			} else {
				pv_w_str(q->w, "status", "skipped");
				pv_w_str(q->w, "reason", "erased");
			}
			{
				char pos[300];

				snprintf(pos, sizeof pos, "%s:%ld", r.file,
					 r.line);
				pv_w_str(q->w, "input", pos);
			}
			pv_w_end(q->w);
			q->n->skipped++;
			st = PV_OK;
			continue;
		}
		if (st)
			break;
		if ((st = pv_campaign_check(q->c, s.customer_id, &v, q->e)) ||
		    (st = enq_one(q, &v)))
			break;
	}
	if (rc < 0)
		st = q->e->status;
	pv_rec_free(&r);
	return st;
}

int pv_campaign_enqueue(struct pv_campaign *c, struct pv_input *in,
			const char *domain, int dry_run, struct pv_writer *w,
			struct pv_campaign_counts *n, struct pv_err *e)
{
	struct enq q = {c, domain, dry_run, w, n, e, NULL};
	int st;

	if (!dry_run && !c->have_key)
		return pv_fail(e, PV_SOFTWARE, "campaign opened without key");
	if ((st = pv_db_begin(c->db, e)))
		return st;
	if (in)
		st = enq_records(&q, in);
	else
		st = pv_campaign_audience(c, enq_one, &q, e);
	if (st || dry_run)
		goto undo;
	/* Nobody to ask is recorded too: the cron resume run
	 * (consent-send --campaign NAME) then finds it, with no messages. */
	if ((st = pv_campaign_record(c, e)))
		goto undo;
	if (n->queued) {
		char obj[64];
		char *detail = pv_jsonf("{s:I, s:I}", "queued",
					(json_int_t)n->queued, "skipped",
					(json_int_t)n->skipped);

		snprintf(obj, sizeof obj, "campaign:%lld", c->id);
		st = pv_audit(c->db, "campaign.queue", obj, detail, e);
		free(detail);
		if (st)
			goto undo;
	}
	if ((st = pv_db_commit(c->db, e)))
		goto undo;
	c->created_now = 0;
	return PV_OK;
undo:
	pv_db_rollback(c->db);
	if (c->created_now)
		c->id = 0; /* created in the transaction just undone */
	c->created_now = 0;
	return st;
}
