/*
 * consent-text.c - the archive of the texts people agree to (consent.h).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "json.h"

/* The hash covers the subject (when there is one) and the body, so that a
 * mail whose subject changed is another version. */
static void text_hash(const char *subject, const char *body, char out[65])
{
	struct pv_buf b = {0};

	if (subject) {
		pv_buf_adds(&b, subject);
		pv_buf_adds(&b, "\n\n");
	}
	pv_buf_adds(&b, body);
	pv_sha256_hex(b.s, b.len, out);
	pv_buf_free(&b);
}

static int name_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

int pv_consent_text_archive(sqlite3 *db, const char *name, const char *lang,
			    const char *subject, const char *body,
			    struct pv_consent_text_ref *ref, struct pv_err *e)
{
	sqlite3_stmt *st;
	char now[PV_TIME_LEN], obj[48];
	int rc, s;
	char *detail;

	memset(ref, 0, sizeof *ref);
	if (!name_ok(name, 63))
		return pv_fail(e, PV_USAGE, "text name: 1 to 63 of a-z 0-9 - _ .");
	if (!name_ok(lang, 7))
		return pv_fail(e, PV_USAGE, "text language: a language code "
			       "such as de or en");
	if (!body || !*body || !pv_utf8_valid(body, strlen(body)) ||
	    (subject && (!pv_utf8_valid(subject, strlen(subject)) ||
			 pv_has_ctl(subject))))
		return pv_fail(e, PV_DATAERR, "text: must be non-empty UTF-8");
	text_hash(subject, body, ref->sha256);
	st = pv_db_prepare(db, "SELECT id, version FROM consent_texts WHERE"
			   " name = ?1 AND language = ?2 AND sha256 = ?3", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, name);
	pv_bind_text(st, 2, lang);
	pv_bind_text(st, 3, ref->sha256);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ref->id = sqlite3_column_int64(st, 0);
		ref->version = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return PV_OK;
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "consent_texts");

	st = pv_db_prepare(db, "INSERT INTO consent_texts (name, language,"
			   " version, subject, body, sha256, created_at)"
			   " SELECT ?1, ?2, coalesce(max(version), 0) + 1, ?3,"
			   " ?4, ?5, ?6 FROM consent_texts WHERE name = ?1 AND"
			   " language = ?2 RETURNING id, version", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, name);
	pv_bind_text(st, 2, lang);
	pv_bind_text_opt(st, 3, subject);
	pv_bind_text(st, 4, body);
	pv_bind_text(st, 5, ref->sha256);
	pv_bind_text(st, 6, pv_time_fmt(pv_now(), now));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ref->id = sqlite3_column_int64(st, 0);
		ref->version = sqlite3_column_int(st, 1);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || !ref->id)
		return pv_db_fail(db, e, "consent_texts");
	ref->created = 1;
	snprintf(obj, sizeof obj, "consent-text:%lld", ref->id);
	detail = pv_jsonf("{s:s, s:s, s:i, s:s}", "name", name, "language",
			  lang, "version", ref->version, "sha256", ref->sha256);
	s = pv_audit(db, "consent.text", obj, detail, e);
	free(detail);
	return s;
}

static const char sql_text[] =
	"SELECT id, name, language, version, subject, body, sha256,"
	" created_at FROM consent_texts";

static int fill(sqlite3_stmt *st, struct pv_consent_text *t)
{
	memset(t, 0, sizeof *t);
	t->ref.id = sqlite3_column_int64(st, 0);
	snprintf(t->name, sizeof t->name, "%s", pv_col_text(st, 1));
	snprintf(t->language, sizeof t->language, "%s", pv_col_text(st, 2));
	t->ref.version = sqlite3_column_int(st, 3);
	t->subject = pv_col_text(st, 4) ? xstrdup(pv_col_text(st, 4)) : NULL;
	t->body = xstrdup(pv_col_text(st, 5));
	snprintf(t->ref.sha256, sizeof t->ref.sha256, "%s",
		 pv_col_text(st, 6));
	snprintf(t->created_at, sizeof t->created_at, "%s",
		 pv_col_text(st, 7));
	return PV_OK;
}

int pv_consent_text_get(sqlite3 *db, const char *spec,
			struct pv_consent_text *t, struct pv_err *e)
{
	struct pv_buf q = {0};
	sqlite3_stmt *st;
	char name[64] = "", lang[8] = "";
	long long id = 0;
	int version = 0, rc, n = 0;

	memset(t, 0, sizeof *t);
	pv_buf_adds(&q, sql_text);
	if (spec && strlen(spec) == 64 && strspn(spec, "0123456789abcdef")
	    == 64) {
		pv_buf_adds(&q, " WHERE sha256 = ?1 ORDER BY id LIMIT 1");
	} else if (spec && sscanf(spec, "%63[a-z0-9_.-]:%7[a-z]:%d%n", name,
				  lang, &version, &n) == 3 &&
		   (size_t)n == strlen(spec) && version > 0) {
		pv_buf_adds(&q, " WHERE name = ?2 AND language = ?3 AND"
			    " version = ?4");
	} else if (spec && *spec && strspn(spec, "0123456789") ==
		   strlen(spec) && strlen(spec) < 18) {
		id = atoll(spec);
		pv_buf_adds(&q, " WHERE id = ?5");
	} else {
		pv_buf_free(&q);
		return pv_fail(e, PV_USAGE, "text: give an id, NAME:LANG:VERSION"
			       " or the SHA-256");
	}
	st = pv_db_prepare(db, q.s, e);
	pv_buf_free(&q);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, spec);
	pv_bind_text(st, 2, name);
	pv_bind_text(st, 3, lang);
	sqlite3_bind_int(st, 4, version);
	sqlite3_bind_int64(st, 5, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill(st, t);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return pv_fail(e, PV_NOINPUT, "no such consent text: '%s'",
			       spec);
	if (rc != SQLITE_ROW)
		return pv_db_fail(db, e, "consent_texts");
	return PV_OK;
}

int pv_consent_text_by_id(sqlite3 *db, long long id,
			  struct pv_consent_text *t, struct pv_err *e)
{
	char spec[24];

	snprintf(spec, sizeof spec, "%lld", id);
	return pv_consent_text_get(db, spec, t, e);
}

void pv_consent_text_free(struct pv_consent_text *t)
{
	free(t->subject);
	free(t->body);
	t->subject = t->body = NULL;
}

void pv_consent_text_write(struct pv_writer *w, const struct pv_consent_text *t,
			   int with_text)
{
	pv_w_begin(w);
	pv_w_int(w, "text_id", t->ref.id);
	pv_w_str(w, "name", t->name);
	pv_w_str(w, "language", t->language);
	pv_w_int(w, "version", t->ref.version);
	pv_w_str(w, "sha256", t->ref.sha256);
	pv_w_str(w, "created_at", t->created_at);
	if (with_text) {
		pv_w_str(w, "subject", t->subject);
		pv_w_str(w, "body", t->body);
	}
	pv_w_end(w);
}

int pv_consent_text_list(sqlite3 *db, struct pv_writer *w, long long *count,
			 struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT id, name, language,"
					 " version, subject, body, sha256,"
					 " created_at FROM consent_texts"
					 " ORDER BY name, language, version",
					 e);
	struct pv_consent_text t;
	int rc;

	*count = 0;
	if (!st)
		return e->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fill(st, &t);
		pv_consent_text_write(w, &t, 0);
		pv_consent_text_free(&t);
		(*count)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "consent_texts");
	return PV_OK;
}
