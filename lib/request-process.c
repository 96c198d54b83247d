/*
 * request-process.c - automatic fulfilment of the verified requests of
 * self-service locations (see request.h).
 *
 * Each request runs in one transaction: the fulfilment (lib/erase), the
 * result on the request, its history and audit, and the events.  On any
 * error that transaction is rolled back and, in a second one, the request
 * is marked in-progress with the error, so that the next run retries it.
 * The status is read again inside the transaction (BEGIN IMMEDIATE), so
 * two runs at once never fulfil a request twice.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "erase.h"
#include "export.h"
#include "web.h"
#include "json.h"
#include "outbox.h"
#include "request-int.h"
#include "request.h"
#include "retention.h"

/* The types process fulfils: a rectification needs a person's judgement.
 * An objection to direct marketing must be honoured as it comes (Art.
 * 21(3)); a restriction only keeps the record still. */
#define PROCESS_TYPES                                                      \
	"('access', 'portability', 'erasure', 'objection', 'restriction')"

struct run {
	sqlite3 *db;
	const struct pv_cfg *cfg;
	const char *db_path;
	int dry_run;
	struct pv_policy *pol;
	struct pv_exporter *x; /* opened at the first access request */
	struct pv_writer *w;
};

static void report(struct pv_writer *w, const struct pv_req *r,
		   const char *status, const char *result, const char *error)
{
	pv_w_begin(w);
	pv_w_int(w, "request_id", r->id);
	pv_w_str(w, "location", r->slug);
	if (r->customer_id)
		pv_w_int(w, "customer_id", r->customer_id);
	else
		pv_w_null(w, "customer_id");
	pv_w_str(w, "type", r->type);
	pv_w_str(w, "status", status);
	if (result)
		pv_w_raw(w, "result", result);
	if (error)
		pv_w_str(w, "error", error);
	pv_w_end(w);
}

/*
 * Erasure reports of several subjects, one JSON object a line, the
 * request's own customer first: that one's object with the others in
 * "other_locations" (J9), the shape of the export document
 * (pv_export_subject).  Takes lines; the text returned is the caller's
 * to free.
 */
static char *with_others(char *lines)
{
	json_t *first = NULL, *others = json_array();
	char *out, *save = NULL;
	size_t n = strlen(lines);

	for (char *l = strtok_r(lines, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(l, 0, NULL);

		if (!o)
			continue;
		if (!first)
			first = o;
		else
			json_array_append_new(others, o);
	}
	pv_wipe(lines, n);
	free(lines);
	if (!first)
		first = json_object();
	json_object_set_new(first, "other_locations", others);
	out = json_dumps(first, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(first);
	return out;
}

/* The eraser's report of the request's subjects, as a JSON object text. */
static int erase_one(struct run *run, const struct pv_req *r, char **result,
		     struct pv_err *e)
{
	struct pv_erase_opts o = {run->db_path, run->dry_run, 1, 0};
	struct pv_subject s = {r->customer_id, r->location_id, r->id};
	struct pv_eraser *er = NULL;
	struct pv_subject *more = NULL;
	struct pv_writer *mw;
	struct pv_err we = {0};
	char *buf = NULL;
	size_t len = 0, nmore = 0;
	FILE *mf;
	int rc;

	*result = NULL;
	if (!r->customer_id)
		return pv_fail(e, PV_NOINPUT, "request %lld no longer points "
			       "at a customer", r->id);
	if ((rc = pv_eraser_open(run->db, run->pol, &o, &er, e)))
		return rc;
	if (!(mf = open_memstream(&buf, &len))) {
		pv_eraser_close(er, NULL, NULL, NULL, &we);
		return pv_fail(e, PV_SOFTWARE, "out of memory");
	}
	mw = pv_writer_new(mf, PV_FMT_NDJSON, 0);
	rc = pv_erase_subject(er, &s, mw, e);
	if (rc == PV_PARTIAL)
		pv_fail(e, PV_PARTIAL, "customer %lld is under legal hold: "
			"erasure refused (Art. 17(3) GDPR); reject the request "
			"with the reason", r->customer_id);
	/* the same person at the controller's other locations (J9): each
	 * location's business hears of its own erasure */
	if (!rc)
		rc = pv_request_linked(run->db, r->id, &more, &nmore, e);
	for (size_t i = 0; !rc && i < nmore; i++) {
		rc = pv_erase_subject(er, &more[i], mw, e);
		if (rc == PV_PARTIAL)
			pv_fail(e, PV_PARTIAL, "customer %lld is under legal "
				"hold: erasure refused (Art. 17(3) GDPR); "
				"reject the request with the reason",
				more[i].customer_id);
	}
	free(more);
	pv_eraser_close(er, mw, NULL, NULL, rc ? &we : e);
	pv_writer_finish(mw, &we);
	fclose(mf);
	while (len && (buf[len - 1] == '\n'))
		buf[--len] = 0;
	if (rc || !len) {
		free(buf);
		return rc ? rc : pv_fail(e, PV_SOFTWARE, "no erasure report");
	}
	*result = nmore ? with_others(buf) : buf;
	return PV_OK;
}

/*
 * Access and portability (Art. 15, 20): the subject's export document goes
 * to the outbox for the customer (pv_export_queue: notify mails it to the
 * address on file and scrubs it after delivery).  The request stays
 * in-progress until the server accepted that mail (pv_export_delivered
 * completes it and tells the business).  *result gets what the request
 * keeps: where the document went, no personal data.
 */
static int export_one(struct run *run, const struct pv_req *r,
		      char **result, struct pv_err *e)
{
	struct pv_subject s = {r->customer_id, r->location_id, r->id};
	struct pv_writer *mw;
	struct pv_err we = {0};
	char *doc = NULL;
	long long eid = 0;
	size_t len = 0;
	FILE *mf;
	int rc, stored = 0;

	*result = NULL;
	if (!r->customer_id)
		return pv_fail(e, PV_NOINPUT, "request %lld no longer points "
			       "at a customer", r->id);
	if (!run->x && (rc = pv_exporter_open(run->db, run->cfg, run->db_path,
					      PV_FMT_NDJSON, &run->x, e)))
		return rc;
	if (!(mf = open_memstream(&doc, &len)))
		return pv_fail(e, PV_SOFTWARE, "out of memory");
	mw = pv_writer_new(mf, PV_FMT_NDJSON, 0);
	/* with the same person's records at the controller's other
	 * locations (J9), as dsar-export --request writes them */
	rc = pv_export_subject(run->x, &s, mw, e);
	if (pv_writer_finish(mw, &we) && !rc)
		rc = pv_fail(e, PV_IOERR, "export: %s", we.msg);
	fclose(mf);
	while (len && doc[len - 1] == '\n')
		doc[--len] = 0;
	if (!rc && !len)
		rc = pv_fail(e, PV_SOFTWARE, "request %lld: empty export",
			     r->id);
	if (rc) {
		free(doc);
		return rc;
	}
	if (run->dry_run) {
		*result = pv_jsonf("{s:s,s:I}", "export", "planned", "bytes",
				   (json_int_t)len);
		free(doc);
		return PV_OK;
	}
	/* export.delivery: link (privacy-web) for requests verified there */
	rc = pv_web_export_store(run->db, run->cfg, r->id, r->type, doc, len,
				 &eid, &stored, e);
	if (!rc && !stored)
		rc = pv_export_queue(run->db, r->location_id, r->customer_id,
				     r->id, r->type, doc, len, &eid, e);
	pv_wipe(doc, len);
	free(doc);
	if (rc)
		return rc;
	*result = pv_jsonf("{s:s,s:I,s:I}", "export", stored ? "link" :
			   "queued", "event_id", (json_int_t)eid, "bytes",
			   (json_int_t)len);
	return PV_OK;
}

static int fulfil(struct run *run, long long id, int *done,
		  struct pv_err *e)
{
	struct pv_req r;
	char *result = NULL;
	int rc, done_now;

	*done = 0;
	if ((rc = pv_db_begin(run->db, e)))
		return rc;
	if ((rc = pv_req_load(run->db, id, &r, e)))
		goto fail;
	if (pv_req_is_final(r.status) ||
	    (strcmp(r.status, "verified") != 0 &&
	     strcmp(r.status, "in-progress") != 0)) {
		pv_db_rollback(run->db); /* done by another run meanwhile */
		return PV_OK;
	}
	if (r.unknown && run->dry_run)
		result = pv_jsonf("{s:s}", "answer", "planned");
	else if (r.unknown)
		rc = pv_req_answer_unknown(run->db, &r, &result, e);
	else if (strcmp(r.type, "objection") == 0 ||
		 strcmp(r.type, "restriction") == 0)
		rc = pv_req_fulfil_person(run->db, &r, NULL, &result, e);
	else if (strcmp(r.type, "erasure") == 0)
		rc = erase_one(run, &r, &result, e);
	else if (strcmp(r.type, "access") == 0 ||
		 strcmp(r.type, "portability") == 0)
		rc = export_one(run, &r, &result, e);
	else
		rc = pv_fail(e, PV_SOFTWARE, "request %lld: %s cannot be "
			     "fulfilled automatically", id, r.type);
	if (rc)
		goto fail;
	if (run->dry_run) {
		pv_db_rollback(run->db);
		report(run->w, &r, "planned", result, NULL);
		free(result);
		*done = 1;
		return PV_OK;
	}
	/* lib/erase records the result on the request itself (as it does
	 * for dsar-erase --request), in the same transaction.  An export
	 * completes its request when its mail is delivered (notify); the
	 * answer to a person we hold nothing about has no document to wait
	 * for and completes at once. */
	done_now = r.unknown || pv_req_on_record(&r);
	if ((strcmp(r.type, "erasure") != 0 || r.unknown) &&
	    (rc = pv_request_record_result(run->db, id, result,
					   done_now ? PV_RESULT_COMPLETE : 0,
					   e)))
		goto fail;
	if ((rc = pv_db_commit(run->db, e)))
		goto fail;
	if (strcmp(r.type, "erasure") == 0 && !r.unknown) {
		struct pv_err ce = {0};

		/* No copy of the erased values may stay in the WAL.  The
		 * erasure is committed either way; a failed checkpoint is
		 * made good by the next one. */
		(void)pv_db_checkpoint_truncate(run->db, &ce);
	}
	if (strcmp(r.type, "erasure") == 0)
		r.customer_id = 0; /* the request no longer points at it */
	report(run->w, &r, strcmp(r.type, "erasure") == 0 || done_now
			   ? "completed" : "in-progress", result, NULL);
	free(result);
	*done = 1;
	return PV_OK;
fail:
	pv_db_rollback(run->db);
	free(result);
	return rc ? rc : PV_SOFTWARE;
}

/* Did the last run fail on this request with the same message? */
static int same_error(sqlite3 *db, long long id, const char *msg)
{
	struct pv_err e = {0};
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT error FROM requests "
					 "WHERE id = ?", &e);
	int same = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && pv_col_text(st, 0))
		same = strcmp(pv_col_text(st, 0), msg) == 0;
	sqlite3_finalize(st);
	return same;
}

int pv_request_process(sqlite3 *db, const struct pv_cfg *cfg,
		       const char *db_path, const char *slug, long limit,
		       int dry_run, struct pv_writer *w, struct pv_err *e)
{
	static const char sql[] =
		"SELECT r.id FROM requests r "
		"JOIN locations l ON l.id = r.location_id "
		"JOIN settings s ON s.location_id = r.location_id "
		"WHERE s.requests = 'self-service' "
		"AND r.type IN " PROCESS_TYPES " "
		"AND r.status IN ('verified', 'in-progress') "
		/* an export sent once waits for its mail (notify --retry) */
		"AND NOT EXISTS (SELECT 1 FROM events ev WHERE ev.request_id "
		"= r.id AND ev.type IN ('" PV_EXPORT_EVENT "', '"
		PV_EXPORT_LINK_EVENT "')) "
		"AND (?1 IS NULL OR l.slug = ?1) "
		"ORDER BY r.id LIMIT ?2";
	struct run run = {db, cfg, db_path, dry_run, NULL, NULL, w};
	long long *ids = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc, worst = PV_OK;

	/* the stored exports of expired download links go (privacy-web) */
	if (!dry_run && (rc = pv_web_export_purge(db, e)))
		return rc;
	if (slug) {
		sqlite3_stmt *q = pv_db_prepare(db, "SELECT 1 FROM locations "
						"WHERE slug = ?", e);

		if (!q)
			return e->status;
		pv_bind_text(q, 1, slug);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc == SQLITE_DONE)
			return pv_fail(e, PV_NOINPUT, "no such location: '%s'",
				       slug);
		if (rc != SQLITE_ROW)
			return pv_db_fail(db, e, "locations");
	}
	if ((rc = pv_policy_load(cfg, &run.pol, e)))
		return rc;
	/* The ids first: no read statement stays open across the writes. */
	if (!(st = pv_db_prepare(db, sql, e))) {
		pv_policy_free(run.pol);
		return e->status;
	}
	pv_bind_text(st, 1, slug);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			ids = xrealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		pv_policy_free(run.pol);
		return pv_db_fail(db, e, "requests");
	}
	for (size_t i = 0; i < n; i++) {
		struct pv_err fe = {0};
		struct pv_req r;
		int done, again;

		rc = fulfil(&run, ids[i], &done, &fe);
		if (!rc)
			continue;
		if (rc == PV_TEMPFAIL || rc == PV_IOERR) {
			/* the database itself: stop, the next run goes on */
			*e = fe;
			worst = rc;
			break;
		}
		again = same_error(db, ids[i], fe.msg);
		if (!dry_run &&
		    pv_request_record_error(db, ids[i], fe.msg, e) != PV_OK) {
			worst = e->status;
			break;
		}
		if (again && pv_quiet && !dry_run) {
			/* cron: the same refusal as last run is no news (a
			 * legal hold would mail every five minutes); check
			 * still lists the request, and the status stays 1 */
			worst = pv_status_merge(worst, PV_PARTIAL);
			continue;
		}
		if (pv_req_load(db, ids[i], &r, e) == PV_OK)
			report(w, &r, dry_run ? r.status : "in-progress", NULL,
			       fe.msg);
		pv_fail(e, PV_PARTIAL, "%s", fe.msg);
		worst = pv_status_merge(worst, PV_PARTIAL);
	}
	free(ids);
	pv_policy_free(run.pol);
	if (run.x)
		pv_exporter_close(run.x);
	return worst;
}
