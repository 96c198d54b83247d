#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "consent.h"
#include "db.h"
#include "request.h"
#include "status.h"

static int count_requests(sqlite3 *db, const char *slug,
			  struct pv_status_loc *l, struct pv_err *e)
{
	static const char *const open[] = {"unverified", "received",
					   "verified", "in-progress"};
	struct pv_request_filter f = {0};
	struct pv_duration week = {0};
	long n;
	int st;

	f.location = slug;
	l->open = 0;
	for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
		f.status = open[i];
		if ((st = pv_request_list(db, &f, NULL, &n, e)))
			return st;
		l->open += n;
		if (i == 0)
			l->waiting_code = n;
	}
	f.status = NULL;
	f.overdue = 1;
	if ((st = pv_request_list(db, &f, NULL, &l->overdue, e)))
		return st;
	f.overdue = 0;
	pv_duration_parse("7d", &week);
	f.due_before = pv_time_add(pv_now(), &week);
	return pv_request_list(db, &f, NULL, &l->due_week, e);
}

/* Two counts from one row of SQL bound to the location (and a date). */
static int two(sqlite3 *db, const char *sql, long long id, const char *day,
	       long long *a, long long *b, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	pv_bind_text(st, 2, day);
	rc = sqlite3_step(st);
	*a = *b = 0;
	if (rc == SQLITE_ROW) {
		*a = sqlite3_column_int64(st, 0);
		*b = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? PV_OK : pv_db_fail(db, e, "status");
}

int pv_unproven_split(sqlite3 *db, long long location_id,
		      long long *repermission, long long *double_opt_in,
		      struct pv_err *e)
{
	/* unproven opt-ins: before the GDPR a re-permission campaign fixes
	 * them, after it a double opt-in campaign */
	static const char consent_sql[] =
		"WITH " PV_CONSENT_LATEST_CTE("c.location_id = ?1") ","
		" st AS (SELECT k.customer_id, " PV_CONSENT_STATE_CASE " AS s"
		"  FROM latest k WHERE k.rn = 1)"
		" SELECT count(DISTINCT CASE WHEN s = 'needs-repermission'"
		"  THEN customer_id END),"
		" count(DISTINCT CASE WHEN s = 'unproven'"
		"  THEN customer_id END) FROM st";

	return two(db, consent_sql, location_id, NULL, repermission,
		   double_opt_in, e);
}

static int collect_one(sqlite3 *db, long long id, const char *tz,
		       struct pv_status_loc *l, struct pv_err *e)
{
	static const char outbox_sql[] =
		"SELECT coalesce(sum(status IN ('pending', 'deferred')), 0),"
		" coalesce(sum(status = 'failed'), 0) FROM events"
		" WHERE location_id = ?1";
	static const char retained_sql[] =
		"SELECT coalesce(sum(retain_until >= ?2 AND"
		"  retain_until <= date(?2, '+30 days')), 0),"
		" coalesce(sum(retain_until < ?2), 0) FROM retained"
		" WHERE location_id = ?1";
	char today[PV_TIME_LEN];
	int st;

	pv_date_fmt(pv_cal_local_date(pv_now(), tz), today);
	if ((st = count_requests(db, l->slug, l, e)))
		return st;
	if ((st = pv_unproven_split(db, id, &l->repermission,
				    &l->double_opt_in, e)))
		return st;
	if ((st = pv_marketing_blockers(db, id, &l->unproven, NULL, e)))
		return st;
	if ((st = two(db, outbox_sql, id, NULL, &l->notify_waiting,
		      &l->notify_failed, e)))
		return st;
	return two(db, retained_sql, id, today, &l->expiring, &l->expired, e);
}

int pv_status_collect(sqlite3 *db, const char *slug, struct pv_status_report *s,
		      struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT l.id, l.slug, l.name, "
					 "l.timezone, s.marketing, s.requests "
					 "FROM locations l JOIN settings s ON "
					 "s.location_id = l.id WHERE ?1 IS NULL"
					 " OR l.slug = ?1 ORDER BY l.slug", e);
	char why[256];
	int rc, r = PV_OK;

	memset(s, 0, sizeof *s);
	pv_time_fmt(pv_now(), s->at);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, slug);
	while (r == PV_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pv_status_loc *l;

		s->loc = xrealloc(s->loc, (s->n + 1) * sizeof *s->loc);
		l = memset(&s->loc[s->n++], 0, sizeof *l);
		snprintf(l->slug, sizeof l->slug, "%s", pv_col_text(st, 1));
		l->name = xstrdup(pv_col_text(st, 2));
		snprintf(l->marketing, sizeof l->marketing, "%s",
			 pv_col_text(st, 4));
		snprintf(l->requests, sizeof l->requests, "%s",
			 pv_col_text(st, 5));
		r = collect_one(db, sqlite3_column_int64(st, 0),
				pv_col_text(st, 3), l, e);
	}
	if (r == PV_OK && rc != SQLITE_DONE)
		r = pv_db_fail(db, e, "locations");
	sqlite3_finalize(st);
	if (r)
		return r;
	if (slug && !s->n)
		return pv_fail(e, PV_NOINPUT, "no such location: '%s'", slug);
	r = pv_audit_verify(db, &s->audit_bad, why, sizeof why,
			    &s->audit_entries, e);
	if (r == PV_PARTIAL)
		pv_err_clear(e);
	else if (r)
		return r;
	s->audit_intact = r == PV_OK;
	return PV_OK;
}

static const char *campaign_fix(const struct pv_status_loc *l)
{
	if (l->repermission && l->double_opt_in)
		return "re-permission and double opt-in campaigns";
	if (l->repermission)
		return "re-permission campaign";
	if (l->double_opt_in)
		return "double opt-in campaign";
	return NULL;
}

void pv_status_write(const struct pv_status_report *s, struct pv_writer *w)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct pv_status_loc *l = &s->loc[i];

		pv_w_begin(w);
		pv_w_str(w, "location", l->slug);
		pv_w_str(w, "name", l->name);
		pv_w_str(w, "at", s->at);
		pv_w_int(w, "requests_open", l->open);
		pv_w_int(w, "requests_overdue", l->overdue);
		pv_w_int(w, "requests_due_this_week", l->due_week);
		pv_w_int(w, "requests_waiting_for_code", l->waiting_code);
		pv_w_int(w, "notifications_waiting", l->notify_waiting);
		pv_w_int(w, "notifications_failed", l->notify_failed);
		pv_w_int(w, "consent_unproven", l->unproven);
		pv_w_int(w, "consent_needs_repermission", l->repermission);
		pv_w_int(w, "consent_needs_double_opt_in", l->double_opt_in);
		pv_w_str(w, "consent_fix", campaign_fix(l));
		pv_w_str(w, "marketing", l->marketing);
		pv_w_int(w, "retained_expiring_30d", l->expiring);
		pv_w_int(w, "retained_expired", l->expired);
		pv_w_bool(w, "audit_intact", s->audit_intact);
		pv_w_int(w, "audit_entries", s->audit_entries);
		pv_w_str(w, "audit_verified_at", s->at);
		pv_w_end(w);
	}
}

long pv_status_findings(const struct pv_status_report *s)
{
	long n = !s->audit_intact;

	for (size_t i = 0; i < s->n; i++) {
		const struct pv_status_loc *l = &s->loc[i];

		n += l->overdue + l->notify_failed + l->expired +
		     (strcmp(l->marketing, "on") == 0 ? l->unproven : 0);
	}
	return n;
}

static void esc(struct pv_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': pv_buf_adds(b, "&amp;"); break;
		case '<': pv_buf_adds(b, "&lt;"); break;
		case '>': pv_buf_adds(b, "&gt;"); break;
		case '"': pv_buf_adds(b, "&quot;"); break;
		case '\'': pv_buf_adds(b, "&#39;"); break;
		default: pv_buf_addc(b, *s);
		}
	}
}

/* One row: what, how many, and what to do when it needs doing. */
static void row(struct pv_buf *b, const char *id, const char *what,
		long long n, int bad, const char *todo)
{
	pv_buf_addf(b, "<tr id=\"%s\"><th>", id);
	esc(b, what);
	pv_buf_addf(b, "</th><td%s>%lld</td><td>", bad && n ? " class=\"bad\""
						  : "", n);
	if (n && todo)
		esc(b, todo);
	pv_buf_adds(b, "</td></tr>\n");
}

void pv_status_html(const struct pv_status_report *s, struct pv_buf *b)
{
	pv_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n<title>Privacy status ");
	esc(b, s->at);
	pv_buf_adds(b, "</title>\n<style>\n"
		    "body { font-family: sans-serif; margin: 2em; }\n"
		    "table { border-collapse: collapse; margin-bottom: 2em; }\n"
		    "th, td { border: 1px solid #ccc; padding: .3em .6em; "
		    "text-align: left; }\n"
		    "td.bad { color: #a00; font-weight: bold; }\n"
		    "</style>\n</head>\n<body>\n<h1>Privacy status</h1>\n<p>");
	esc(b, s->at);
	pv_buf_adds(b, " (UTC)</p>\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct pv_status_loc *l = &s->loc[i];
		const char *fix = campaign_fix(l);
		char todo[160];

		pv_buf_adds(b, "<h2 class=\"location\" id=\"loc-");
		esc(b, l->slug);
		pv_buf_adds(b, "\">");
		esc(b, l->name);
		pv_buf_adds(b, " (");
		esc(b, l->slug);
		pv_buf_adds(b, ")</h2>\n<table>\n");
		row(b, "requests-overdue", "Requests past their deadline",
		    l->overdue, 1, "privacyctl request list --overdue");
		row(b, "requests-due-this-week", "Requests due this week",
		    l->due_week, 0, "privacyctl request list --due-within 7d");
		row(b, "requests-waiting-for-code", "Requests waiting for the "
		    "customer's code", l->waiting_code, 0, NULL);
		row(b, "requests-open", "Open requests", l->open, 0, NULL);
		row(b, "notifications-waiting", "Notifications waiting",
		    l->notify_waiting, 0, "notify --pending");
		row(b, "notifications-failed", "Notifications failed",
		    l->notify_failed, 1, "privacyctl check");
		snprintf(todo, sizeof todo, "a %s (consent-send)",
			 fix ? fix : "");
		row(b, "consent-unproven", "Customers with an unproven "
		    "marketing opt-in", l->unproven,
		    strcmp(l->marketing, "on") == 0, todo);
		pv_buf_adds(b, "<tr id=\"marketing\"><th>Marketing</th><td>");
		esc(b, l->marketing);
		pv_buf_adds(b, "</td><td></td></tr>\n");
		row(b, "retained-expiring", "Retained records ending within "
		    "30 days", l->expiring, 0, NULL);
		row(b, "retained-expired", "Retained records past their end",
		    l->expired, 1, "dsar-erase --purge-expired");
		pv_buf_adds(b, "</table>\n");
	}
	pv_buf_addf(b, "<p id=\"audit\">Audit log: %s, %lld entries, verified "
		    "", s->audit_intact ? "intact" : "BROKEN",
		    s->audit_entries);
	esc(b, s->at);
	pv_buf_adds(b, ".</p>\n</body>\n</html>\n");
}

void pv_status_free(struct pv_status_report *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->loc[i].name);
	free(s->loc);
	memset(s, 0, sizeof *s);
}
