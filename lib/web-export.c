/*
 * web-export.c - the export download (export.delivery: link).
 *
 * When privacy-web's code page verifies a request, it keeps a keyed hash
 * of the code (web_exports.code_hash, HMAC under the web key).  When the
 * request is fulfilled (request process) and the config says
 * export.delivery: link, the document is stored in that row with the hash
 * of a fresh random token and an expiry (export.link_days), and the
 * customer's mail (event export.link) carries the link instead of the
 * attachment.  The page behind the link asks for the code again and then
 * serves the readable HTML report and the JSON file.  A request verified
 * any other way has no code to ask for, so its export goes as an
 * attachment, as before.  Expired documents are deleted (pv_web_export_purge,
 * run by every POST of privacy-web and by request process); a trigger
 * deletes a customer's stored exports with the customer.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "export.h"
#include "json.h"
#include "location.h"
#include "outbox.h"
#include "token.h"
#include "web-int.h"

enum { EXPORT_ATTEMPTS = 5 };

/* The keyed hash of a code as typed: case, spaces and dashes do not
 * count, and I, L, O read as 1, 1, 0 (as request.c reads codes). */
static void code_hash(const unsigned char key[PV_KEY_LEN], long long id,
		      const char *code, char out[65])
{
	crypto_auth_hmacsha256_state s;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char norm[80];
	size_t k = (size_t)snprintf(norm, sizeof norm, "%lld:", id);

	for (const char *p = code; *p && k + 1 < sizeof norm; p++) {
		char ch = *p;

		if (ch == ' ' || ch == '-')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch == 'I' || ch == 'L')
			ch = '1';
		else if (ch == 'O')
			ch = '0';
		norm[k++] = ch;
	}
	crypto_auth_hmacsha256_init(&s, key, PV_KEY_LEN);
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)
				      "privacy-web export code v1", 27);
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)norm, k);
	crypto_auth_hmacsha256_final(&s, mac);
	sodium_bin2hex(out, 65, mac, sizeof mac);
	sodium_memzero(norm, sizeof norm);
	sodium_memzero(&s, sizeof s);
}

int pv_web_export_code(sqlite3 *db, const unsigned char key[PV_KEY_LEN],
		       long long request_id, const char *code,
		       struct pv_err *e)
{
	char hash[65], now[PV_TIME_LEN];
	sqlite3_stmt *st;
	int rc;

	code_hash(key, request_id, code, hash);
	st = pv_db_prepare(db, "INSERT INTO web_exports (request_id, "
			   "customer_id, code_hash, created_at) SELECT id, "
			   "customer_id, ?2, ?3 FROM requests WHERE id = ?1 "
			   "AND customer_id IS NOT NULL ON CONFLICT "
			   "(request_id) DO UPDATE SET code_hash = ?2", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, request_id);
	pv_bind_text(st, 2, hash);
	pv_bind_text(st, 3, pv_time_fmt(pv_now(), now));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "web_exports");
	return PV_OK;
}

int pv_web_export_purge(sqlite3 *db, struct pv_err *e)
{
	char now[PV_TIME_LEN], old[PV_TIME_LEN];
	sqlite3_stmt *st;
	int rc;

	pv_time_fmt(pv_now(), now);
	/* a code kept for a request that was never fulfilled: 90 days */
	pv_time_fmt(pv_now() - 90 * 86400, old);
	st = pv_db_prepare(db, "DELETE FROM web_exports WHERE expires_at <= ?1"
			   " OR (expires_at IS NULL AND created_at <= ?2)", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, now);
	pv_bind_text(st, 2, old);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "web_exports");
	return PV_OK;
}

/* A fresh link token: 256 random bits in the form of token.h. */
static void new_token(char out[PV_TOKEN_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, PV_TOKEN_LEN + 1, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (out[0] == '-')
		out[0] = '~';
	sodium_memzero(raw, sizeof raw);
}

int pv_web_export_store(sqlite3 *db, const struct pv_cfg *cfg,
			long long request_id, const char *rtype,
			const char *doc, size_t len, long long *eid,
			int *stored, struct pv_err *e)
{
	const char *url = pv_cfg_str(cfg, "export.link_url", NULL);
	char token[PV_TOKEN_LEN + 1], hash[65], exp[PV_TIME_LEN];
	long long days = 7, cid = 0, loc = 0;
	struct pv_buf link = {0};
	sqlite3_stmt *st;
	char *fields;
	const char *p;
	int rc;

	*stored = 0;
	if (strcmp(pv_cfg_str(cfg, "export.delivery", "attachment"),
		   "link") != 0)
		return PV_OK;
	if (!url || !(p = strstr(url, "{token}")) ||
	    (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
		return pv_fail(e, PV_CONFIG, "%s: export.link_url: an http(s) "
			       "URL with {token} is needed for "
			       "export.delivery: link",
			       pv_cfg_origin(cfg, "export.delivery"));
	if ((rc = pv_cfg_int(cfg, "export.link_days", 7, &days, e)))
		return rc;
	if (days < 1 || days > 90)
		return pv_fail(e, PV_CONFIG, "%s: export.link_days: 1 to 90",
			       pv_cfg_origin(cfg, "export.link_days"));
	/* only a request verified on the web has a code to ask for */
	st = pv_db_prepare(db, "SELECT w.customer_id, r.location_id FROM "
			   "web_exports w JOIN requests r ON r.id = "
			   "w.request_id WHERE w.request_id = ?1 AND "
			   "w.token_hash IS NULL", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, request_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cid = sqlite3_column_int64(st, 0);
		loc = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return pv_db_fail(db, e, "web_exports");
	if (rc == SQLITE_DONE)
		return PV_OK;

	new_token(token);
	pv_token_hash(token, hash);
	pv_time_fmt(pv_now() + (time_t)days * 86400, exp);
	st = pv_db_prepare(db, "UPDATE web_exports SET token_hash = ?2, "
			   "document = ?3, expires_at = ?4 WHERE request_id "
			   "= ?1", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, request_id);
	pv_bind_text(st, 2, hash);
	sqlite3_bind_text(st, 3, doc, (int)len, SQLITE_TRANSIENT);
	pv_bind_text(st, 4, exp);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "web_exports");
	pv_buf_add(&link, url, (size_t)(p - url));
	pv_buf_adds(&link, token);
	pv_buf_adds(&link, p + 7);
	sodium_memzero(token, sizeof token);
	fields = pv_jsonf("{s:s,s:s,s:s}", "type", rtype, "link", link.s,
			  "expires", exp);
	pv_wipe(link.s, link.len);
	pv_buf_free(&link);
	rc = pv_event_add(db, PV_EXPORT_LINK_EVENT, loc, cid, request_id, "customer",
			  fields, eid, e);
	pv_wipe(fields, strlen(fields));
	free(fields);
	if (!rc)
		rc = pv_export_audit(db, &cid, 1, "link", e);
	if (!rc)
		*stored = 1;
	return rc;
}

/* ---- the page ----------------------------------------------------------- */

struct dl {
	long long request_id, customer_id;
	char code_hash[65], expires[32];
	char *doc;
	int attempts, expired;
	struct pv_location loc;
};

static int dl_lookup(struct pv_web_app *a, const char *token, struct dl *d,
		     int *found)
{
	char hash[65], now[PV_TIME_LEN];
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	memset(d, 0, sizeof *d);
	pv_token_hash(token, hash);
	st = pv_db_prepare(a->db, "SELECT w.request_id, w.customer_id, "
			   "w.code_hash, w.expires_at, w.document, w.attempts,"
			   " r.location_id, w.token_hash FROM web_exports w "
			   "JOIN requests r ON r.id = w.request_id WHERE "
			   "w.token_hash = ?1", a->e);
	if (!st)
		return a->e->status;
	pv_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && pv_token_hash_equal(pv_col_text(st, 7), hash)) {
		long long loc = sqlite3_column_int64(st, 6);

		d->request_id = sqlite3_column_int64(st, 0);
		d->customer_id = sqlite3_column_int64(st, 1);
		snprintf(d->code_hash, sizeof d->code_hash, "%s",
			 pv_col_text(st, 2));
		snprintf(d->expires, sizeof d->expires, "%s",
			 pv_col_text(st, 3));
		if (pv_col_text(st, 4))
			d->doc = xstrdup(pv_col_text(st, 4));
		d->attempts = sqlite3_column_int(st, 5);
		d->expired = !d->doc || strcmp(pv_time_fmt(pv_now(), now),
					       d->expires) >= 0;
		sqlite3_finalize(st);
		if ((rc = pv_location_get_id(a->db, loc, &d->loc, a->e)))
			return rc;
		*found = 1;
		return PV_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return pv_db_fail(a->db, a->e, "web_exports");
	return PV_OK;
}

static void dl_free(struct dl *d)
{
	if (d->doc) {
		pv_wipe(d->doc, strlen(d->doc));
		free(d->doc);
	}
	pv_location_free(&d->loc);
}

static void code_form(struct pv_web_app *a, const char *token,
		      const char *error)
{
	char csrf[65];

	pv_web_csrf(a->key, token, csrf);
	if (error)
		pv_web_escf(&a->body, "<p class=\"err\">%s</p>\n", error);
	pv_web_escf(&a->body, "<p>%s</p>\n",
		    WT(a, "Ihre Datenauskunft liegt bereit. Geben Sie bitte den "
		       "Code ein, mit dem Sie Ihre Anfrage best\xc3\xa4tigt "
		       "haben.", "Your copy of your data is ready. Please "
		       "enter the code with which you confirmed your "
		       "request."));
	pv_web_escf(&a->body,
		    "<form method=\"post\" action=\"%s/export\">\n"
		    "<input type=\"hidden\" name=\"t\" value=\"%s\">\n"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		    "<label for=\"code\">%s</label>\n"
		    "<input type=\"text\" name=\"code\" id=\"code\" required "
		    "autocomplete=\"one-time-code\" spellcheck=\"false\">\n"
		    "<div class=\"buttons\"><button class=\"yes\" "
		    "type=\"submit\" id=\"open\">%s</button></div>\n</form>\n",
		    a->req->script, token, csrf,
		    WT(a, "Ihr Code", "Your code"),
		    WT(a, "Auskunft \xc3\xb6" "ffnen", "Open my data"));
}

/* The page after the right code: the report and the file, each a POST
 * that carries the code again (GET never serves the data). */
static void choice_page(struct pv_web_app *a, const char *token,
			const char *code, const struct dl *d)
{
	char csrf[65], date[16];

	pv_web_csrf(a->key, token, csrf);
	pv_buf_reset(&a->body);
	pv_web_escf(&a->body, "<p class=\"ok\">%s</p>\n<p>%s</p>\n",
		    WT(a, "Der Code stimmt.", "The code is right."),
		    WT(a, "Hier sind alle Daten, die wir \xc3\xbc" "ber Sie "
		       "speichern: als Bericht zum Lesen und Drucken, und als "
		       "Datei f\xc3\xbcr andere Programme (JSON).",
		       "Here is everything we store about you: as a report to "
		       "read and print, and as a file for other programs "
		       "(JSON)."));
	pv_web_date(a, d->expires, date);
	pv_buf_adds(&a->body, "<div class=\"buttons\">\n");
	for (int i = 0; i < 2; i++)
		pv_web_escf(&a->body,
			    "<form method=\"post\" action=\"%s/export\">\n"
			    "<input type=\"hidden\" name=\"t\" value=\"%s\">\n"
			    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
			    "<input type=\"hidden\" name=\"code\" value=\"%s\">\n"
			    "<input type=\"hidden\" name=\"what\" value=\"%s\">\n"
			    "<button class=\"%s\" type=\"submit\" id=\"%s\">%s"
			    "</button>\n</form>\n",
			    a->req->script, token, csrf, code,
			    i ? "json" : "html", i ? "alt" : "yes",
			    i ? "json" : "html",
			    i ? WT(a, "JSON-Datei herunterladen",
				   "Download the JSON file") :
				WT(a, "Bericht ansehen", "View the report"));
	pv_buf_adds(&a->body, "</div>\n");
	pv_web_escf(&a->body, "<p class=\"note\">%s %s%s</p>\n",
		    WT(a, "Der Link gilt bis zum", "The link works until"),
		    date, WT(a, "; danach l\xc3\xb6schen wir die gespeicherte "
			     "Auskunft.", "; then we delete the stored copy."));
	pv_web_finish(a, 200, d->loc.name,
		      WT(a, "Ihre Datenauskunft", "Your data"), NULL);
}

static int count_attempt(struct pv_web_app *a, long long request_id)
{
	sqlite3_stmt *st;
	int rc, s;

	if ((s = pv_db_begin(a->db, a->e)))
		return s;
	st = pv_db_prepare(a->db, "UPDATE web_exports SET attempts = "
			   "attempts + 1 WHERE request_id = ?1", a->e);
	if (!st) {
		pv_db_rollback(a->db);
		return a->e->status;
	}
	sqlite3_bind_int64(st, 1, request_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		s = pv_db_fail(a->db, a->e, "web_exports");
		pv_db_rollback(a->db);
		return s;
	}
	return pv_db_commit(a->db, a->e);
}

int pv_web_export(struct pv_web_app *a)
{
	struct pv_web_req *r = a->req;
	int post = strcmp(r->method, "POST") == 0;
	const char *token = pv_web_form(r, "t");
	const char *code = pv_web_form(r, "code");
	const char *what = pv_web_form(r, "what");
	char hash[65];
	struct dl d = {0};
	int st, found = 0;

	if (!token)
		token = pv_web_query(r, "t");
	if (!token || !pv_token_wellformed(token)) {
		pv_web_error(a, 404, NULL, WT(a, "Link nicht g\xc3\xbcltig",
					      "Link not valid"),
			     WT(a, "Diesen Link kennen wir nicht.",
				"We do not know this link."));
		return PV_OK;
	}
	if ((st = pv_web_open(a, post)))
		return st;
	if (post && (st = pv_web_export_purge(a->db, a->e)))
		return st;
	if ((st = dl_lookup(a, token, &d, &found)))
		goto out;
	if (!found || !pv_web_location_served(a, d.loc.slug)) {
		pv_web_error(a, 404, NULL, WT(a, "Link nicht g\xc3\xbcltig",
					      "Link not valid"),
			     WT(a, "Diesen Link kennen wir nicht, oder die "
				"Auskunft ist schon gel\xc3\xb6scht.",
				"We do not know this link, or the data has "
				"already been deleted."));
		goto out;
	}
	a->lang = pv_web_lang_of(d.loc.language);
	if (d.expired || d.attempts >= EXPORT_ATTEMPTS) {
		pv_web_error(a, 410, d.loc.name,
			     WT(a, "Link abgelaufen", "Link expired"),
			     d.expired ?
			     WT(a, "Die Auskunft ist nicht mehr abrufbar. Sie "
				"k\xc3\xb6nnen jederzeit eine neue verlangen.",
				"The data can no longer be fetched. You can "
				"ask for it again at any time.") :
			     WT(a, "Zu viele falsche Codes: der Link ist "
				"gesperrt. Sie k\xc3\xb6nnen eine neue Auskunft "
				"verlangen.", "Too many wrong codes: the link "
				"is locked. You can ask for your data again."));
		goto out;
	}
	if (!post) {
		pv_buf_reset(&a->body);
		code_form(a, token, NULL);
		pv_web_finish(a, 200, d.loc.name,
			      WT(a, "Ihre Datenauskunft", "Your data"), NULL);
		goto out;
	}
	if (!pv_web_csrf_ok(a->key, token, pv_web_form(r, "csrf"))) {
		pv_web_error(a, 403, d.loc.name,
			     WT(a, "Formular nicht g\xc3\xbcltig",
				"Form not valid"),
			     WT(a, "Bitte \xc3\xb6" "ffnen Sie den Link aus der "
				"E-Mail noch einmal.", "Please open the link "
				"from the e-mail again."));
		goto out;
	}
	st = pv_web_rate(a, "code", pv_web_cfg_limit(a, "codes_per_hour", 10));
	if (st) {
		st = st < 0 ? a->e->status : PV_OK;
		goto out;
	}
	if (code && strlen(code) <= 64)
		code_hash(a->key, d.request_id, code, hash);
	if (!code || strlen(code) > 64 ||
	    sodium_memcmp(hash, d.code_hash, 64) != 0) {
		if ((st = count_attempt(a, d.request_id)))
			goto out;
		pv_buf_reset(&a->body);
		code_form(a, token, WT(a, "Der Code stimmt nicht.",
				       "The code is not right."));
		pv_web_finish(a, 400, d.loc.name,
			      WT(a, "Ihre Datenauskunft", "Your data"), NULL);
		goto out;
	}
	if (what && strcmp(what, "json") == 0) {
		pv_web_respond(a->out, 200, "application/json; charset=utf-8",
			       "Content-Disposition: attachment; "
			       "filename=\"datenauskunft.json\"\r\n",
			       d.doc, strlen(d.doc), r->head);
		a->done = 1;
	} else if (what && strcmp(what, "html") == 0) {
		struct pv_buf html = {0};

		if ((st = pv_export_html(d.doc, strlen(d.doc),
					 d.loc.timezone, &html, a->e)))
			goto out;
		/* the report has its own inline stylesheet */
		pv_web_respond_csp(a->out, 200, NULL, "style-src "
				   "'unsafe-inline'", html.s, html.len,
				   r->head, NULL);
		pv_wipe(html.s, html.len);
		pv_buf_free(&html);
		a->done = 1;
	} else {
		choice_page(a, token, code, &d);
	}
out:
	dl_free(&d);
	return st;
}
