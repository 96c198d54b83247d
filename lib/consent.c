#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "json.h"

int pv_marketing_blockers(sqlite3 *db, long long location_id,
			  long long *count, struct pv_buf *ids,
			  struct pv_err *e)
{
	static const char sql[] =
		"WITH " PV_CONSENT_LATEST_CTE("c.location_id = ?1")
		" SELECT DISTINCT k.customer_id FROM latest k WHERE k.rn = 1"
		" AND " PV_CONSENT_STATE_CASE " IN ('needs-repermission',"
		" 'unproven') ORDER BY k.customer_id";
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	*count = 0;
	sqlite3_bind_int64(st, 1, location_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ids)
			pv_buf_addf(ids, "%s%lld", *count ? "," : "",
				    (long long)sqlite3_column_int64(st, 0));
		(*count)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "consents");
	return PV_OK;
}

const char *const pv_consent_purposes[] = {"marketing-email", "marketing-sms",
					   NULL};
const char *const pv_consent_events[] = {"granted", "confirmed", "declined",
					 "withdrawn", "expired", NULL};
const char *const pv_consent_sources[] = {"booking-form", "staff", "paper",
					  "import", "double-opt-in",
					  "re-permission", NULL};

int pv_consent_word(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

const char *pv_consent_state_name(enum pv_consent_state s)
{
	switch (s) {
	case PV_CONSENT_VALID:
		return "valid";
	case PV_CONSENT_NEEDS_REPERMISSION:
		return "needs-repermission";
	case PV_CONSENT_UNPROVEN:
		return "unproven";
	case PV_CONSENT_NONE:
		break;
	}
	return "none";
}

enum pv_consent_state pv_consent_state_parse(const char *name)
{
	for (int s = PV_CONSENT_VALID; s <= PV_CONSENT_UNPROVEN; s++)
		if (strcmp(name, pv_consent_state_name(s)) == 0)
			return (enum pv_consent_state)s;
	return PV_CONSENT_NONE;
}

int pv_consent_state(sqlite3 *db, long long customer_id, const char *purpose,
		     enum pv_consent_state *state, char latest_event[16],
		     char latest_at[32], struct pv_err *e)
{
	static const char sql[] =
		"SELECT k.event, k.at, " PV_CONSENT_STATE_CASE
		" FROM consents k WHERE k.customer_id = ?1 AND k.purpose = ?2"
		" ORDER BY " PV_CONSENT_LATEST_ORDER " LIMIT 1";
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, customer_id);
	pv_bind_text(st, 2, purpose);
	*state = PV_CONSENT_NONE;
	if (latest_event)
		latest_event[0] = '\0';
	if (latest_at)
		latest_at[0] = '\0';
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *ev = pv_col_text(st, 0), *at = pv_col_text(st, 1);

		if (latest_event)
			snprintf(latest_event, 16, "%s", ev);
		if (latest_at)
			snprintf(latest_at, 32, "%s", at);
		*state = pv_consent_state_parse(pv_col_text(st, 2));
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "consents");
	return PV_OK;
}

int pv_ip_valid(const char *s)
{
	unsigned char buf[16];

	return s && (inet_pton(AF_INET, s, buf) == 1 ||
		     inet_pton(AF_INET6, s, buf) == 1);
}

struct pv_consent_writer {
	sqlite3 *db;
	sqlite3_stmt *ins;
};

int pv_consent_writer_open(sqlite3 *db, struct pv_consent_writer **out,
			   struct pv_err *e)
{
	static const char sql[] =
		"INSERT INTO consents (customer_id, purpose, event, at, source,"
		" evidence_ip, evidence_user_agent, text_version, campaign,"
		" recorded_at, text_id, document) VALUES (?1, ?2, ?3, ?4, ?5,"
		" ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	struct pv_consent_writer *w = xcalloc(1, sizeof *w);

	w->db = db;
	if (!(w->ins = pv_db_prepare(db, sql, e))) {
		free(w);
		*out = NULL;
		return e->status;
	}
	*out = w;
	return PV_OK;
}

int pv_consent_writer_add(struct pv_consent_writer *w, long long customer_id,
			  const struct pv_consent_event *ev, const char *now,
			  long long *ledger_id, struct pv_err *e)
{
	sqlite3_stmt *st = w->ins;
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, customer_id);
	pv_bind_text(st, 2, ev->purpose);
	pv_bind_text(st, 3, ev->event);
	pv_bind_text(st, 4, ev->at ? ev->at : now);
	pv_bind_text(st, 5, ev->source);
	pv_bind_text_opt(st, 6, ev->ip);
	pv_bind_text_opt(st, 7, ev->user_agent);
	pv_bind_text_opt(st, 8, ev->text_version);
	pv_bind_text_opt(st, 9, ev->campaign);
	pv_bind_text(st, 10, now);
	if (ev->text_id)
		sqlite3_bind_int64(st, 11, ev->text_id);
	else
		sqlite3_bind_null(st, 11);
	pv_bind_text_opt(st, 12, ev->document);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(w->db, e, "consents");
	if (ledger_id)
		*ledger_id = sqlite3_last_insert_rowid(w->db);
	return PV_OK;
}

void pv_consent_writer_close(struct pv_consent_writer *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->ins);
	free(w);
}

int pv_consent_append(sqlite3 *db, long long customer_id,
		      const struct pv_consent_event *ev, struct pv_err *e)
{
	char now[PV_TIME_LEN], obj[48];
	struct pv_consent_writer *w;
	long long id = 0;
	char *detail;
	int rc;

	if (!pv_consent_word(pv_consent_purposes, ev->purpose))
		return pv_fail(e, PV_USAGE, "purpose: must be marketing-email "
			       "or marketing-sms");
	if (!pv_consent_word(pv_consent_events, ev->event))
		return pv_fail(e, PV_USAGE, "event: must be granted, confirmed,"
			       " declined, withdrawn or expired");
	if (!pv_consent_word(pv_consent_sources, ev->source))
		return pv_fail(e, PV_USAGE, "source: must be booking-form, "
			       "staff, paper, import, double-opt-in or "
			       "re-permission");
	if (ev->ip && *ev->ip && !pv_ip_valid(ev->ip))
		return pv_fail(e, PV_DATAERR, "ip: not an IP address");
	if (pv_has_ctl(ev->user_agent) || pv_has_ctl(ev->text_version) ||
	    pv_has_ctl(ev->document))
		return pv_fail(e, PV_DATAERR, "evidence: control characters");
	if ((rc = pv_consent_writer_open(db, &w, e)))
		return rc;
	pv_time_fmt(pv_now(), now);
	rc = pv_consent_writer_add(w, customer_id, ev, now, &id, e);
	pv_consent_writer_close(w);
	if (rc)
		return rc;
	snprintf(obj, sizeof obj, "customer:%lld", customer_id);
	detail = pv_jsonf("{s:s, s:s, s:s, s:I}", "purpose", ev->purpose,
			  "event", ev->event, "source", ev->source, "ledger_id",
			  (json_int_t)id);
	rc = pv_audit(db, "consent.record", obj, detail, e);
	free(detail);
	return rc;
}

int pv_consent_write_history(sqlite3 *db, long long customer_id,
			     struct pv_writer *w, struct pv_err *e)
{
	static const char sql[] =
		"SELECT k.id, k.purpose, k.event, k.at, k.source, k.evidence_ip,"
		" k.evidence_user_agent, k.text_version, k.campaign,"
		" k.recorded_at, k.text_id, k.document FROM consents k"
		" WHERE k.customer_id = ?1"
		" ORDER BY k.at, k.id";
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, customer_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pv_w_begin(w);
		pv_w_int(w, "customer_id", customer_id);
		pv_w_int(w, "ledger_id", sqlite3_column_int64(st, 0));
		pv_w_str(w, "purpose", pv_col_text(st, 1));
		pv_w_str(w, "event", pv_col_text(st, 2));
		pv_w_str(w, "at", pv_col_text(st, 3));
		pv_w_str(w, "source", pv_col_text(st, 4));
		pv_w_str(w, "evidence_ip", pv_col_text(st, 5));
		pv_w_str(w, "evidence_user_agent", pv_col_text(st, 6));
		pv_w_str(w, "text_version", pv_col_text(st, 7));
		pv_w_str(w, "campaign", pv_col_text(st, 8));
		pv_w_str(w, "recorded_at", pv_col_text(st, 9));
		if (sqlite3_column_type(st, 10) == SQLITE_NULL)
			pv_w_null(w, "text_id");
		else
			pv_w_int(w, "text_id", sqlite3_column_int64(st, 10));
		pv_w_str(w, "document", pv_col_text(st, 11));
		pv_w_end(w);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "consents");
	return PV_OK;
}

int pv_consent_write_states(sqlite3 *db, long long location_id,
			    int only_reperm, struct pv_writer *w,
			    long long *count, struct pv_err *e)
{
	static const char sql[] =
		"WITH " PV_CONSENT_LATEST_CTE("?1 = 0 OR c.location_id = ?1") ","
		" st AS (SELECT k.customer_id, k.purpose, k.event, k.at, "
		PV_CONSENT_STATE_CASE " AS state FROM latest k WHERE k.rn = 1)"
		" SELECT s.customer_id, l.slug, c.external_id, s.purpose,"
		" s.state, s.event, s.at FROM st s"
		" JOIN customers c ON c.id = s.customer_id"
		" JOIN locations l ON l.id = c.location_id"
		" WHERE ?2 = 0 OR s.state = 'needs-repermission'"
		" ORDER BY s.customer_id, s.purpose";
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	*count = 0;
	sqlite3_bind_int64(st, 1, location_id);
	sqlite3_bind_int(st, 2, only_reperm);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pv_w_begin(w);
		pv_w_int(w, "customer_id", sqlite3_column_int64(st, 0));
		pv_w_str(w, "location", pv_col_text(st, 1));
		pv_w_str(w, "external_id", pv_col_text(st, 2));
		pv_w_str(w, "purpose", pv_col_text(st, 3));
		pv_w_str(w, "state", pv_col_text(st, 4));
		pv_w_str(w, "latest_event", pv_col_text(st, 5));
		pv_w_str(w, "latest_at", pv_col_text(st, 6));
		pv_w_end(w);
		(*count)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "consents");
	return PV_OK;
}

int pv_marketing_audience(sqlite3 *db, long long location_id,
			  struct pv_writer *w, long long *count,
			  struct pv_err *e)
{
	static const char sql[] =
		"SELECT * FROM (SELECT c.id, l.slug, c.external_id,"
		" c.first_name, c.last_name, c.email, c.phone, "
		PV_CONSENT_STATE_SQL("'marketing-email'") " AS se, "
		PV_CONSENT_STATE_SQL("'marketing-sms'") " AS ss"
		" FROM customers c JOIN locations l ON l.id = c.location_id"
		" JOIN settings s ON s.location_id = l.id"
		" WHERE s.marketing = 'on' AND (?1 = 0 OR l.id = ?1)"
		/* restricted (Art. 18) or objected (Art. 21(2)): never */
		" AND c.restricted_at IS NULL AND c.objected_at IS NULL)"
		" WHERE se = 'valid' OR ss = 'valid' ORDER BY id";
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	*count = 0;
	sqlite3_bind_int64(st, 1, location_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int em = strcmp(pv_col_text(st, 7), "valid") == 0;
		int sms = strcmp(pv_col_text(st, 8), "valid") == 0;

		pv_w_begin(w);
		pv_w_int(w, "customer_id", sqlite3_column_int64(st, 0));
		pv_w_str(w, "location", pv_col_text(st, 1));
		pv_w_str(w, "external_id", pv_col_text(st, 2));
		pv_w_str(w, "first_name", pv_col_text(st, 3));
		pv_w_str(w, "last_name", pv_col_text(st, 4));
		pv_w_str(w, "email", em ? pv_col_text(st, 5) : NULL);
		pv_w_str(w, "phone", sms ? pv_col_text(st, 6) : NULL);
		pv_w_bool(w, "marketing_email", em);
		pv_w_bool(w, "marketing_sms", sms);
		pv_w_end(w);
		(*count)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "customers");
	return PV_OK;
}
