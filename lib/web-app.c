/* web-app.c - privacy-web's routes and what its pages share (web-int.h). */
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "db.h"
#include "web-int.h"

void pv_web_finish(struct pv_web_app *a, int status, const char *site,
		   const char *title, const char *extra)
{
	struct pv_buf html = {0};

	pv_web_page(&html, a->lang, site, title, a->body.s ? a->body.s : "");
	pv_web_respond(a->out, status, NULL, extra, html.s, html.len,
		       a->req->head);
	pv_buf_free(&html);
	a->done = 1;
}

void pv_web_error(struct pv_web_app *a, int status, const char *site,
		  const char *title, const char *text)
{
	pv_buf_reset(&a->body);
	pv_web_escf(&a->body, "<p>%s</p>\n", text);
	pv_web_finish(a, status, site, title,
		      status == 429 ? "Retry-After: 3600\r\n" :
		      status == 503 ? "Retry-After: 60\r\n" : NULL);
}

void pv_web_date(const struct pv_web_app *a, const char *t, char out[16])
{
	int y, m, d;

	if (!t || sscanf(t, "%4d-%2d-%2d", &y, &m, &d) != 3)
		snprintf(out, 16, "?");
	else if (a->lang == PV_WEB_EN)
		snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	else
		snprintf(out, 16, "%02d.%02d.%04d", d, m, y);
}

int pv_web_open(struct pv_web_app *a, int rw)
{
	int st;

	if (!a->db && (st = pv_db_open(a->db_path, rw ? PV_DB_RW : PV_DB_RO,
				       &a->db, a->e)))
		return st;
	if (!a->have_key) {
		if ((st = pv_web_key(a->db_path, a->key, a->e)))
			return st;
		a->have_key = 1;
	}
	return PV_OK;
}

int pv_web_location_served(const struct pv_web_app *a, const char *slug)
{
	const char *list = pv_cfg_str(a->cfg, "web.locations", NULL);
	size_t n = strlen(slug);

	if (!list)
		return 1;
	while (*list) {
		size_t k;

		list += strspn(list, " ,");
		k = strcspn(list, " ,");
		if (k == n && strncmp(list, slug, n) == 0)
			return 1;
		list += k;
	}
	return 0;
}

const char *pv_web_client_ip(const struct pv_web_app *a)
{
	const char *ip = a->req->remote_addr;

	return ip && pv_ip_valid(ip) ? ip : NULL;
}

const char *pv_web_client_ua(const struct pv_web_app *a, char buf[513])
{
	const char *ua = a->req->user_agent;
	size_t n;

	if (!ua || !*ua || pv_has_ctl(ua))
		return NULL;
	n = strlen(ua);
	if (n > 512) {
		n = 512;
		/* not in the middle of a UTF-8 sequence */
		while (n > 0 && ((unsigned char)ua[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, ua, n);
	buf[n] = '\0';
	return pv_utf8_valid(buf, n) && n ? buf : NULL;
}

long long pv_web_cfg_limit(const struct pv_web_app *a, const char *key,
			   long long def)
{
	char k[64];
	long long v = def;
	struct pv_err e = {0};

	snprintf(k, sizeof k, "web.%s", key);
	if (pv_cfg_int(a->cfg, k, def, &v, &e) || v < 1)
		return def;
	return v;
}

int pv_web_rate(struct pv_web_app *a, const char *bucket, long long max)
{
	int over = 0;

	if (pv_web_limit(a->db, a->key, bucket, a->req->remote_addr, max,
			 &over, a->e))
		return -1;
	if (over)
		pv_web_error(a, 429, NULL,
			     WT(a, "Zu viele Versuche", "Too many attempts"),
			     WT(a, "Von Ihrem Anschluss kamen in der letzten "
				"Stunde zu viele Anfragen. Bitte versuchen Sie "
				"es sp\xc3\xa4ter noch einmal.",
				"Too many requests came from your connection "
				"in the last hour. Please try again later."));
	return over;
}

static int route(struct pv_web_app *a)
{
	const char *p = a->req->path;

	/* /confirm, /decline (and /unsubscribe, RFC 8058), with the token in
	 * the query (?t=) or as the next path segment */
	if (strcmp(p, "/confirm") == 0 || strncmp(p, "/confirm/", 9) == 0)
		return pv_web_consent(a, 0);
	if (strcmp(p, "/decline") == 0 || strncmp(p, "/decline/", 9) == 0 ||
	    strcmp(p, "/unsubscribe") == 0 ||
	    strncmp(p, "/unsubscribe/", 13) == 0)
		return pv_web_consent(a, 1);
	if (strcmp(p, "/") == 0 || strcmp(p, "/request") == 0)
		return pv_web_request_form(a);
	if (strcmp(p, "/code") == 0)
		return pv_web_code(a);
	if (strcmp(p, "/export") == 0)
		return pv_web_export(a);
	pv_web_error(a, 404, NULL, WT(a, "Seite nicht gefunden",
				      "Page not found"),
		     WT(a, "Diese Seite gibt es nicht. Bitte pr\xc3\xbc" "fen "
			"Sie den Link.", "There is no such page. Please check "
			"the link."));
	return PV_OK;
}

int pv_web_run(const struct pv_cfg *cfg, const char *db_path, FILE *in,
	       struct pv_buf *out, struct pv_err *e)
{
	struct pv_web_req req;
	struct pv_web_app a = {0};
	const char *why;
	int hs, st = PV_OK;

	a.cfg = cfg;
	a.db_path = db_path;
	a.req = &req;
	a.out = out;
	a.e = e;
	a.lang = pv_web_lang_of(pv_cfg_str(cfg, "web.language", "de"));
	hs = pv_web_parse(&req, in, &why);
	if (hs) {
		const char *de = "Die Anfrage konnte nicht gelesen werden.";
		const char *en = "The request could not be read.";

		if (hs == 413)
			de = "Die gesendeten Daten sind zu gro\xc3\x9f.",
			en = "What was sent is too large.";
		else if (hs == 414)
			de = "Die Adresse ist zu lang.",
			en = "The address is too long.";
		else if (hs == 405)
			de = "Diese Art von Anfrage wird nicht unterst\xc3\xbc"
			     "tzt.",
			en = "This kind of request is not supported.";
		else if (hs == 415)
			de = "Bitte senden Sie das Formular dieser Seite.",
			en = "Please send the form of this page.";
		pv_web_error(&a, hs, NULL, pv_web_reason(hs),
			     WT(&a, de, en));
	} else {
		st = route(&a);
	}
	if (st && !a.done) {
		int busy = st == PV_TEMPFAIL;

		pv_web_error(&a, busy ? 503 : 500, NULL,
			     WT(&a, "Ein Fehler ist aufgetreten",
				"Something went wrong"),
			     busy ? WT(&a, "Bitte versuchen Sie es in einer "
				       "Minute noch einmal.",
				       "Please try again in a minute.") :
				    WT(&a, "Bitte versuchen Sie es sp\xc3\xa4"
				       "ter noch einmal.",
				       "Please try again later."));
	}
	pv_buf_free(&a.body);
	pv_wipe(a.key, sizeof a.key);
	pv_db_close(a.db);
	pv_web_req_free(&req);
	return st;
}
