#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "json.h"
#include "location.h"
#include "status.h"

const char *const pv_setting_keys[] = {
	"requests", "marketing", "notify-email", "notify-webhook", "language",
	NULL,
};

const char *const pv_setting_words[] = {
	"requests=self-service", "requests=manual", "marketing=on",
	"marketing=off", "notify-email=", "notify-webhook=", "language=de",
	"language=en", NULL,
};

static const char select_cols[] =
	"SELECT l.id, l.slug, l.name, l.timezone, l.holidays, s.requests, "
	"s.marketing, s.notify_email, s.notify_webhook, s.language "
	"FROM locations l JOIN settings s ON s.location_id = l.id ";

void pv_location_free(struct pv_location *l)
{
	free(l->name);
	free(l->notify_email);
	free(l->notify_webhook);
	memset(l, 0, sizeof *l);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void fill(sqlite3_stmt *st, struct pv_location *l)
{
	memset(l, 0, sizeof *l);
	l->id = sqlite3_column_int64(st, 0);
	snprintf(l->slug, sizeof l->slug, "%s", pv_col_text(st, 1));
	l->name = xstrdup(pv_col_text(st, 2));
	snprintf(l->timezone, sizeof l->timezone, "%s", pv_col_text(st, 3));
	snprintf(l->holidays, sizeof l->holidays, "%s", pv_col_text(st, 4));
	snprintf(l->requests, sizeof l->requests, "%s", pv_col_text(st, 5));
	snprintf(l->marketing, sizeof l->marketing, "%s", pv_col_text(st, 6));
	l->notify_email = dup_or_null(pv_col_text(st, 7));
	l->notify_webhook = dup_or_null(pv_col_text(st, 8));
	snprintf(l->language, sizeof l->language, "%s", pv_col_text(st, 9));
}

static int get_by(sqlite3 *db, const char *where, const char *slug,
		  long long id, struct pv_location *l, struct pv_err *e)
{
	char sql[512];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof sql, "%s%s", select_cols, where);
	/* cached: notify looks up the location of every event (its
	 * preparation was a sixth of a delivery) */
	if (!(st = pv_db_stmt(db, sql, e)))
		return e->status;
	if (slug)
		pv_bind_text(st, 1, slug);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill(st, l);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return PV_OK;
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "locations");
	if (slug)
		return pv_fail(e, PV_NOINPUT, "no such location: '%s'", slug);
	return pv_fail(e, PV_NOINPUT, "no such location: %lld", id);
}

int pv_location_get(sqlite3 *db, const char *slug, struct pv_location *l,
		    struct pv_err *e)
{
	return get_by(db, "WHERE l.slug = ?", slug, 0, l, e);
}

int pv_location_get_id(sqlite3 *db, long long id, struct pv_location *l,
		       struct pv_err *e)
{
	return get_by(db, "WHERE l.id = ?", NULL, id, l, e);
}

int pv_location_resolve(sqlite3 *db, const char *slug, struct pv_location *l,
			struct pv_err *e)
{
	sqlite3_stmt *st;
	long long n = 0, id = 0;

	if (slug)
		return pv_location_get(db, slug, l, e);
	if (!(st = pv_db_prepare(db, "SELECT count(*), min(id) FROM locations",
				 e)))
		return e->status;
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (n == 0)
		return pv_fail(e, PV_NOINPUT, "no location yet: add one with "
			       "'privacyctl location add'");
	if (n > 1)
		return pv_fail(e, PV_USAGE, "there are %lld locations: name "
			       "one with --location", n);
	return pv_location_get_id(db, id, l, e);
}

static int step_done(sqlite3 *db, sqlite3_stmt *st, const char *what,
		     struct pv_err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return pv_db_fail(db, e, what);
	return PV_OK;
}

int pv_location_add(sqlite3 *db, const char *slug, const char *name,
		    const char *tz, const char *region, struct pv_err *e)
{
	char at[PV_TIME_LEN], obj[96];
	sqlite3_stmt *st;
	char *detail;
	int rc;

	if (!tz)
		tz = "Europe/Berlin";
	if (!region)
		region = "DE";
	if (!pv_slug_valid(slug))
		return pv_fail(e, PV_USAGE, "invalid location slug '%s': use "
			       "lowercase letters, digits and '-'", slug);
	if (!*name || !pv_utf8_valid(name, strlen(name)) ||
	    strpbrk(name, "\r\n"))
		return pv_fail(e, PV_USAGE, "invalid location name");
	if (!pv_tz_valid(tz))
		return pv_fail(e, PV_USAGE, "unknown time zone '%s'", tz);
	if (!pv_cal_region_valid(region))
		return pv_fail(e, PV_USAGE, "unknown holiday region '%s' (DE, "
			       "DE-BW ... DE-TH, DE-BY-KATH, DE-BY-EVANG)",
			       region);
	if ((rc = pv_db_begin(db, e)))
		return rc;
	st = pv_db_prepare(db, "INSERT INTO locations (slug, name, timezone, "
			   "holidays, created_at) VALUES (?, ?, ?, ?, ?)", e);
	if (!st)
		goto fail;
	pv_time_fmt(pv_now(), at);
	pv_bind_text(st, 1, slug);
	pv_bind_text(st, 2, name);
	pv_bind_text(st, 3, tz);
	pv_bind_text(st, 4, region);
	pv_bind_text(st, 5, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		int cons = sqlite3_errcode(db) == SQLITE_CONSTRAINT;

		sqlite3_finalize(st);
		if (cons)
			pv_fail(e, PV_DATAERR, "location exists already: '%s'",
				slug);
		else
			pv_db_fail(db, e, "locations");
		goto fail;
	}
	sqlite3_finalize(st);
	st = pv_db_prepare(db, "INSERT INTO settings (location_id) VALUES "
			   "(last_insert_rowid())", e);
	if (!st || step_done(db, st, "settings", e))
		goto fail;
	snprintf(obj, sizeof obj, "location:%s", slug);
	detail = pv_jsonf("{s:s,s:s}", "timezone", tz, "holidays", region);
	rc = pv_audit(db, "location.add", obj, detail, e);
	free(detail);
	if (rc)
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

static long long count_of(sqlite3 *db, const char *sql, long long id)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int pv_location_remove(sqlite3 *db, const char *slug, struct pv_err *e)
{
	static const struct {
		const char *what, *sql;
	} deps[] = {
		{"customers", "SELECT count(*) FROM customers WHERE location_id = ?"},
		{"privacy requests", "SELECT count(*) FROM requests WHERE location_id = ?"},
		{"retained records", "SELECT count(*) FROM retained WHERE location_id = ?"},
		{"invoices", "SELECT count(*) FROM invoices WHERE location_id = ?"},
		{"appointments", "SELECT count(*) FROM appointments WHERE location_id = ?"},
	};
	struct pv_location l;
	sqlite3_stmt *st;
	char obj[96];
	int rc;

	if ((rc = pv_db_begin(db, e)))
		return rc;
	if ((rc = pv_location_get(db, slug, &l, e)))
		goto fail;
	for (size_t i = 0; i < sizeof deps / sizeof deps[0]; i++) {
		long long n = count_of(db, deps[i].sql, l.id);

		if (n != 0) {
			pv_location_free(&l);
			if (n < 0)
				pv_db_fail(db, e, "locations");
			else
				pv_fail(e, PV_PARTIAL, "location still has %lld "
					"%s: '%s'", n, deps[i].what, slug);
			goto fail;
		}
	}
	/* Delivered history goes with the location; what was never
	 * delivered would be lost silently, so refuse instead. */
	if (count_of(db, "SELECT count(*) FROM events WHERE location_id = ? "
		     "AND status IN ('pending', 'deferred')", l.id) > 0) {
		pv_fail(e, PV_PARTIAL, "location still has undelivered events "
			"(run notify --pending): '%s'", slug);
		pv_location_free(&l);
		goto fail;
	}
	st = pv_db_prepare(db, "DELETE FROM events WHERE location_id = ?", e);
	if (!st)
		goto fail_l;
	sqlite3_bind_int64(st, 1, l.id);
	if (step_done(db, st, "events", e))
		goto fail_l;
	st = pv_db_prepare(db, "DELETE FROM locations WHERE id = ?", e);
	if (!st)
		goto fail_l;
	sqlite3_bind_int64(st, 1, l.id);
	if (step_done(db, st, "locations", e))
		goto fail_l;
	pv_location_free(&l);
	snprintf(obj, sizeof obj, "location:%s", slug);
	if (pv_audit(db, "location.remove", obj, NULL, e))
		goto fail;
	return pv_db_commit(db, e);
fail_l:
	pv_location_free(&l);
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}

int pv_location_write(sqlite3 *db, const char *slug, struct pv_writer *w,
		      int with_settings, struct pv_err *e)
{
	char sql[512];
	sqlite3_stmt *st;
	int rc, n = 0;

	snprintf(sql, sizeof sql, "%s%s ORDER BY l.slug", select_cols,
		 slug ? "WHERE l.slug = ?" : "");
	if (!(st = pv_db_prepare(db, sql, e)))
		return e->status;
	if (slug)
		pv_bind_text(st, 1, slug);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pv_location l;

		fill(st, &l);
		pv_w_begin(w);
		pv_w_str(w, "location", l.slug);
		if (!with_settings) {
			pv_w_str(w, "name", l.name);
			pv_w_str(w, "timezone", l.timezone);
			pv_w_str(w, "holidays", l.holidays);
		}
		pv_w_str(w, "requests", l.requests);
		pv_w_str(w, "marketing", l.marketing);
		pv_w_str(w, "notify_email", l.notify_email);
		pv_w_str(w, "notify_webhook", l.notify_webhook);
		pv_w_str(w, "language", l.language);
		pv_w_end(w);
		pv_location_free(&l);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "locations");
	if (slug && n == 0)
		return pv_fail(e, PV_NOINPUT, "no such location: '%s'", slug);
	return PV_OK;
}

/* Plain HTTP only towards loopback: a webhook carries personal data.
 * The host is checked by what it resolves to, not by its spelling
 * ("http://127.attacker.example" is not loopback). */
static int webhook_valid(const char *url)
{
	const char *h, *end;
	char host[256];

	if (strpbrk(url, " \t\r\n\"<>\\^`{|}"))
		return 0;
	if (strncmp(url, "https://", 8) == 0)
		return url[8] != '\0' && url[8] != '/';
	if (strncmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	if (*h == '[')
		end = strchr(h, ']') ? strchr(h, ']') + 1 : h + strlen(h);
	else
		end = h + strcspn(h, ":/?#@");
	if (end[0] == '@' || (size_t)(end - h) >= sizeof host ||
	    strchr(h, '@'))
		return 0;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	return pv_host_loopback(host);
}

struct change {
	const char *key, *column;
	char *old, *new;
};

static int check_pair(const char *k, const char *v, struct change *c,
		      struct pv_err *e)
{
	if (strcmp(k, "requests") == 0) {
		if (strcmp(v, "self-service") && strcmp(v, "manual"))
			return pv_fail(e, PV_USAGE, "requests: must be "
				       "self-service or manual");
		c->column = "requests";
	} else if (strcmp(k, "marketing") == 0) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return pv_fail(e, PV_USAGE, "marketing: must be on or "
				       "off");
		c->column = "marketing";
	} else if (strcmp(k, "language") == 0) {
		if (strcmp(v, "de") && strcmp(v, "en"))
			return pv_fail(e, PV_USAGE, "language: must be de or "
				       "en");
		c->column = "language";
	} else if (strcmp(k, "notify-email") == 0 ||
		   strcmp(k, "notify_email") == 0) {
		if (*v && !pv_email_valid(v))
			return pv_fail(e, PV_DATAERR, "notify-email: not a "
				       "valid e-mail address");
		c->column = "notify_email";
	} else if (strcmp(k, "notify-webhook") == 0 ||
		   strcmp(k, "notify_webhook") == 0) {
		if (*v && !webhook_valid(v))
			return pv_fail(e, PV_DATAERR, "notify-webhook: not an "
				       "https URL (plain http only to "
				       "loopback)");
		c->column = "notify_webhook";
	} else {
		return pv_fail(e, PV_USAGE, "unknown setting '%s' (requests, "
			       "marketing, notify-email, notify-webhook, "
			       "language)", k);
	}
	c->key = k;
	c->new = *v ? xstrdup(v) : NULL;
	return PV_OK;
}

static const char *current(const struct pv_location *l, const char *column)
{
	if (strcmp(column, "requests") == 0)
		return l->requests;
	if (strcmp(column, "marketing") == 0)
		return l->marketing;
	if (strcmp(column, "language") == 0)
		return l->language;
	if (strcmp(column, "notify_email") == 0)
		return l->notify_email;
	return l->notify_webhook;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Ids that fit a message, whole: "1,2,3 and 40 more". */
static void cut_ids(struct pv_buf *ids, long long n, size_t room)
{
	long long kept = 0;
	size_t end = 0;

	if (ids->len <= room)
		return;
	for (size_t i = 0; i < ids->len && i <= room; i++)
		if (ids->s[i] == ',')
			end = i, kept++;
	ids->len = end;
	ids->s[end] = '\0';
	pv_buf_addf(ids, " and %lld more", n - kept);
}

/* Why marketing stays off: how many, of which kind, and the lists and
 * campaigns that fix them. */
static int marketing_refusal(sqlite3 *db, const struct pv_location *l,
			     long long n, struct pv_buf *ids, struct pv_err *e)
{
	long long reperm = 0, doi = 0;
	char why[640];
	int rc;

	if ((rc = pv_unproven_split(db, l->id, &reperm, &doi, e)))
		return rc;
	snprintf(why, sizeof why, "marketing stays off: %lld customer%s of "
		 "'%s' %s an active opt-in without valid consent: %lld from "
		 "before 25 May 2018 need re-permission ('privacyctl consent "
		 "list --needs-repermission --location %s', consent-send "
		 "--kind repermission), %lld a double opt-in ('privacyctl "
		 "customer list --marketing unproven --location %s', "
		 "consent-send --kind double-opt-in)", n, n == 1 ? "" : "s",
		 l->slug, n == 1 ? "has" : "have", reperm, l->slug, doi,
		 l->slug);
	if (!pv_verbose)
		return pv_fail(e, PV_PARTIAL, "%s", why);
	cut_ids(ids, n, sizeof e->msg - strlen(why) - 48);
	return pv_fail(e, PV_PARTIAL, "%s (customer ids: %s)", why, ids->s);
}

int pv_settings_set(sqlite3 *db, const char *slug, int npairs,
		    char *const *pairs, int dry_run, struct pv_err *e)
{
	struct change *ch = xcalloc((size_t)npairs, sizeof *ch);
	struct pv_location l = {0};
	char obj[96], sql[128];
	int rc = PV_OK, i;

	for (i = 0; i < npairs && !rc; i++) {
		char *eq = strchr(pairs[i], '=');
		char *k;

		if (!eq) {
			rc = pv_fail(e, PV_USAGE, "expected KEY=VALUE: '%s'",
				     pairs[i]);
			break;
		}
		k = xstrndup(pairs[i], (size_t)(eq - pairs[i]));
		rc = check_pair(k, eq + 1, &ch[i], e);
		if (rc)
			free(k);
		else
			ch[i].key = k;
	}
	for (int a = 0; !rc && a < npairs; a++)
		for (int b = a + 1; b < npairs; b++)
			if (!rc && strcmp(ch[a].column, ch[b].column) == 0)
				rc = pv_fail(e, PV_USAGE, "setting given twice: "
					     "'%s'", ch[b].key);
	if (rc)
		goto out;
	if ((rc = pv_db_begin(db, e)))
		goto out;
	if ((rc = pv_location_get(db, slug, &l, e)))
		goto fail;
	for (i = 0; i < npairs; i++) {
		if (strcmp(ch[i].column, "marketing") == 0 && ch[i].new &&
		    strcmp(ch[i].new, "on") == 0 &&
		    strcmp(l.marketing, "on") != 0) {
			struct pv_buf ids = {0};
			long long n;

			if ((rc = pv_marketing_blockers(db, l.id, &n, &ids, e)))
				goto fail;
			if (n > 0) {
				rc = marketing_refusal(db, &l, n, &ids, e);
				pv_buf_free(&ids);
				goto fail;
			}
			pv_buf_free(&ids);
		}
	}
	snprintf(obj, sizeof obj, "location:%s", slug);
	for (i = 0; i < npairs; i++) {
		const char *old = current(&l, ch[i].column);
		sqlite3_stmt *st;
		char *detail;

		if (same(old, ch[i].new))
			continue;
		snprintf(sql, sizeof sql, "UPDATE settings SET %s = ? WHERE "
			 "location_id = ?", ch[i].column);
		if (!(st = pv_db_prepare(db, sql, e))) {
			rc = e->status;
			goto fail;
		}
		pv_bind_text(st, 1, ch[i].new);
		sqlite3_bind_int64(st, 2, l.id);
		if ((rc = step_done(db, st, "settings", e)))
			goto fail;
		detail = pv_jsonf("{s:s,s:s?,s:s?}", "key", ch[i].column,
				  "old", old, "new", ch[i].new);
		rc = pv_audit(db, "settings.set", obj, detail, e);
		free(detail);
		if (rc)
			goto fail;
	}
	if (dry_run)
		pv_db_rollback(db);
	else
		rc = pv_db_commit(db, e);
	goto out;
fail:
	pv_db_rollback(db);
out:
	pv_location_free(&l);
	for (i = 0; i < npairs; i++) {
		free((char *)ch[i].key);
		free(ch[i].new);
	}
	free(ch);
	return rc;
}
