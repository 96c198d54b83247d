/*
 * web-consent.c - the page behind the confirm and decline links of
 * consent-send's mails.
 *
 * GET and HEAD show what the customer is asked and change nothing: mail
 * scanners fetch every link.  Only a POST of the page's own form, with the
 * CSRF token bound to the link's token, records the answer (campaign.h:
 * pv_consent_answer, with REMOTE_ADDR and the user agent as evidence).
 * RFC 8058 one-click unsubscribing (a POST of "List-Unsubscribe=One-Click"
 * by the mail client, without our page) works on the decline link only.
 */
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "clock.h"
#include "db.h"
#include "token.h"
#include "web-int.h"

/* What a token stands for, read without using it. */
struct link {
	long long message_row, customer_id;
	char purposes[64], kind[16], answer[16], answered_at[32];
	char expires[32], slug[64], language[4];
	char *location;
	int expired;
};

static int lookup(struct pv_web_app *a, const char *token, struct link *l,
		  int *found)
{
	char hash[65], now[PV_TIME_LEN];
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	memset(l, 0, sizeof *l);
	pv_token_hash(token, hash);
	st = pv_db_prepare(a->db,
		"SELECT m.id, m.customer_id, m.purposes, g.kind, m.answer,"
		" m.answered_at, m.token_expires_at, l.slug, l.name,"
		" coalesce(s.language, 'de'), m.token_hash"
		" FROM campaign_messages m JOIN campaigns g"
		" ON g.id = m.campaign_id JOIN customers c"
		" ON c.id = m.customer_id JOIN locations l"
		" ON l.id = c.location_id LEFT JOIN settings s"
		" ON s.location_id = l.id"
		" WHERE m.token_hash = ?1 AND m.token_expires_at IS NOT NULL",
		a->e);
	if (!st)
		return a->e->status;
	pv_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    pv_token_hash_equal(pv_col_text(st, 10), hash)) {
		*found = 1;
		l->message_row = sqlite3_column_int64(st, 0);
		l->customer_id = sqlite3_column_int64(st, 1);
		snprintf(l->purposes, sizeof l->purposes, "%s",
			 pv_col_text(st, 2));
		snprintf(l->kind, sizeof l->kind, "%s", pv_col_text(st, 3));
		if (pv_col_text(st, 4))
			snprintf(l->answer, sizeof l->answer, "%s",
				 pv_col_text(st, 4));
		if (pv_col_text(st, 5))
			snprintf(l->answered_at, sizeof l->answered_at, "%s",
				 pv_col_text(st, 5));
		snprintf(l->expires, sizeof l->expires, "%s",
			 pv_col_text(st, 6));
		snprintf(l->slug, sizeof l->slug, "%s", pv_col_text(st, 7));
		l->location = xstrdup(pv_col_text(st, 8));
		snprintf(l->language, sizeof l->language, "%s",
			 pv_col_text(st, 9));
		l->expired = strcmp(pv_time_fmt(pv_now(), now), l->expires)
			     >= 0;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = pv_db_fail(a->db, a->e, "campaign_messages");
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return PV_OK;
}

/* "news and offers by e-mail and by text message" */
static void purposes_text(const struct pv_web_app *a, const char *p,
			  struct pv_buf *b)
{
	int first = 1;

	while (*p) {
		size_t n = strcspn(p, ",");
		int sms = n == 13 && strncmp(p, "marketing-sms", 13) == 0;

		if (!first)
			pv_buf_adds(b, WT(a, " und ", " and "));
		pv_buf_adds(b, first ? WT(a, "Neuigkeiten und Angebote ",
					  "news and offers ") : "");
		pv_buf_adds(b, sms ? WT(a, "per SMS", "by text message") :
				     WT(a, "per E-Mail", "by e-mail"));
		first = 0;
		p += n;
		if (*p == ',')
			p++;
	}
}

/* The date part of an RFC 3339 time, as people in the language write it. */
static void date_text(const struct pv_web_app *a, const char *t,
		      char out[16])
{
	int y, m, d;

	if (!t || sscanf(t, "%4d-%2d-%2d", &y, &m, &d) != 3)
		snprintf(out, 16, "?");
	else if (a->lang == PV_WEB_EN)
		snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	else
		snprintf(out, 16, "%02d.%02d.%04d", d, m, y);
}

static void answered_page(struct pv_web_app *a, const struct link *l)
{
	char date[16];
	int yes = strcmp(l->answer, "confirmed") == 0;

	date_text(a, l->answered_at, date);
	pv_buf_reset(&a->body);
	if (strcmp(l->answer, "expired") == 0 || (!*l->answer && l->expired))
		pv_web_escf(&a->body, "<p>%s</p>\n",
			    WT(a, "Dieser Link ist abgelaufen. Sie m\xc3\xbc"
			       "ssen nichts weiter tun: ohne Ihre Zustimmung "
			       "schicken wir Ihnen keine Werbung.",
			       "This link has expired. There is nothing more "
			       "for you to do: without your consent we send "
			       "you no advertising."));
	else
		pv_web_escf(&a->body, "<p>%s %s.</p>\n",
			    yes ? WT(a, "Sie haben bereits zugestimmt, am",
				     "You already agreed, on") :
				  WT(a, "Sie haben bereits abgelehnt, am",
				     "You already declined, on"),
			    date);
	pv_web_finish(a, 410, l->location,
		      WT(a, "Bereits beantwortet", "Already answered"), NULL);
}

static void not_found(struct pv_web_app *a)
{
	pv_web_error(a, 404, NULL,
		     WT(a, "Link nicht g\xc3\xbcltig", "Link not valid"),
		     WT(a, "Diesen Link kennen wir nicht. Bitte \xc3\xb6"
			"ffnen Sie ihn genau so, wie er in der E-Mail steht.",
			"We do not know this link. Please open it exactly as "
			"it appears in the e-mail."));
}

static void ask_page(struct pv_web_app *a, const struct link *l,
		     const char *token, int decline_link)
{
	struct pv_buf what = {0};
	char csrf[65], date[16];
	int doi = strcmp(l->kind, "double-opt-in") == 0;

	purposes_text(a, l->purposes, &what);
	pv_web_csrf(a->key, token, csrf);
	date_text(a, l->expires, date);
	pv_buf_reset(&a->body);
	if (doi)
		pv_web_escf(&a->body, "<p>%s <strong>%s</strong> %s</p>\n",
			    WT(a, "Bitte best\xc3\xa4tigen Sie, dass Sie von",
			       "Please confirm that you want"),
			    what.s, WT(a, "erhalten m\xc3\xb6" "chten.",
				       "from us."));
	else
		pv_web_escf(&a->body, "<p>%s <strong>%s</strong>%s</p>\n",
			    WT(a, "Sie haben uns fr\xc3\xbcher erlaubt, "
			       "Ihnen", "Some time ago you allowed us to send "
			       "you"), what.s,
			    WT(a, " zu schicken. Wir m\xc3\xb6" "chten Sie "
			       "fragen, ob das so bleiben soll.",
			       ". We would like to ask you whether that "
			       "should stay so."));
	/* Until the archived consent texts are in the ledger, the page
	 * states the consent it records, in the words of the mail. */
	pv_web_escf(&a->body, "<p>%s</p>\n<blockquote>",
		    WT(a, "Der Text Ihrer Einwilligung:",
		       "The text you agree to:"));
	pv_web_escf(&a->body, WT(a, "Ich bin einverstanden, dass %s mir %s "
				 "schickt. Ich kann diese Einwilligung "
				 "jederzeit f\xc3\xbcr die Zukunft widerrufen, "
				 "zum Beispiel \xc3\xbc" "ber den Abmeldelink "
				 "in jeder Nachricht.",
				 "I agree that %s may send me %s. I can "
				 "withdraw this consent at any time for the "
				 "future, for example with the unsubscribe "
				 "link in every message."),
		    l->location, what.s);
	pv_buf_adds(&a->body, "</blockquote>\n");
	pv_web_escf(&a->body,
		    "<form method=\"post\" action=\"%s%s\">\n"
		    "<input type=\"hidden\" name=\"t\" value=\"%s\">\n"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		    "<div class=\"buttons\">\n"
		    "<button class=\"yes\" type=\"submit\" name=\"answer\" "
		    "value=\"confirm\" id=\"confirm\">%s</button>\n"
		    "<button class=\"no\" type=\"submit\" name=\"answer\" "
		    "value=\"decline\" id=\"decline\">%s</button>\n"
		    "</div>\n</form>\n",
		    a->req->script, decline_link ? "/decline" : "/confirm",
		    token, csrf, WT(a, "Ja, ich stimme zu", "Yes, I agree"),
		    WT(a, "Nein, danke", "No, thank you"));
	pv_web_escf(&a->body, WT(a, "<p class=\"note\">Sie k\xc3\xb6nnen bis "
				 "zum %s antworten. Wenn Sie nicht antworten, "
				 "schicken wir Ihnen keine Werbung mehr.</p>\n",
				 "<p class=\"note\">You can answer until %s. If "
				 "you do not answer, we send you no more "
				 "advertising.</p>\n"), date);
	pv_web_finish(a, 200, l->location,
		      doi ? WT(a, "Bitte best\xc3\xa4tigen Sie",
			       "Please confirm") :
			    WT(a, "D\xc3\xbcrfen wir Ihnen weiter schreiben?",
			       "May we keep writing to you?"), NULL);
	pv_buf_free(&what);
}

static void thanks_page(struct pv_web_app *a, const struct link *l,
			int confirm)
{
	pv_buf_reset(&a->body);
	pv_web_escf(&a->body, "<p class=\"%s\">%s</p>\n",
		    confirm ? "ok" : "",
		    confirm ? WT(a, "Vielen Dank! Ihre Einwilligung ist "
				 "gespeichert. Sie k\xc3\xb6nnen sie jederzeit "
				 "widerrufen.", "Thank you! Your consent is "
				 "recorded. You can withdraw it at any time.") :
			      WT(a, "Schade, aber in Ordnung: Wir schicken "
				 "Ihnen keine Werbung mehr.", "Understood: we "
				 "will send you no more advertising."));
	pv_web_finish(a, 200, l->location,
		      confirm ? WT(a, "Danke f\xc3\xbcr Ihre Zustimmung",
				   "Thank you for your consent") :
				WT(a, "Sie sind abgemeldet",
				   "You are unsubscribed"), NULL);
}

/* The token: the form's (our page), the query's (?t=), or the path's
 * last segment (/confirm/TOKEN). */
static const char *token_of(const struct pv_web_req *r)
{
	const char *t = pv_web_form(r, "t");
	const char *slash;

	if (!t)
		t = pv_web_query(r, "t");
	if (!t && (slash = strchr(r->path + 1, '/')))
		t = slash + 1;
	return t;
}

int pv_web_consent(struct pv_web_app *a, int decline_link)
{
	struct pv_web_req *r = a->req;
	int post = strcmp(r->method, "POST") == 0;
	const char *token = token_of(r);
	const char *answer, *ip, *ua;
	struct pv_answer ans;
	struct link l = {0};
	struct pv_err e2 = {0};
	char uabuf[513];
	int st, found, confirm, one_click;

	if (!token || !pv_token_wellformed(token)) {
		not_found(a);
		return PV_OK;
	}
	if ((st = pv_web_open(a, post)) || (st = lookup(a, token, &l, &found)))
		goto out;
	if (!found || !pv_web_location_served(a, l.slug)) {
		not_found(a);
		goto out;
	}
	a->lang = pv_web_lang_of(l.language);
	if (*l.answer || l.expired) {
		answered_page(a, &l);
		goto out;
	}
	if (!post) {
		ask_page(a, &l, token, decline_link);
		goto out;
	}

	/* RFC 8058: the mail client's one-click POST, without our page */
	answer = pv_web_form(r, "answer");
	one_click = !answer && pv_web_form(r, "List-Unsubscribe") &&
		    strcmp(pv_web_form(r, "List-Unsubscribe"), "One-Click") == 0;
	if (one_click && !decline_link) {
		pv_web_error(a, 403, l.location,
			     WT(a, "Nicht erlaubt", "Not allowed"),
			     WT(a, "Dieser Link meldet nicht ab.",
				"This link does not unsubscribe."));
		goto out;
	}
	if (!one_click) {
		if (!answer || (strcmp(answer, "confirm") &&
				strcmp(answer, "decline"))) {
			pv_web_error(a, 400, l.location, pv_web_reason(400),
				     WT(a, "Bitte w\xc3\xa4hlen Sie eine "
					"Antwort auf der Seite.",
					"Please choose an answer on the "
					"page."));
			goto out;
		}
		if (!pv_web_csrf_ok(a->key, token, pv_web_form(r, "csrf"))) {
			pv_web_error(a, 403, l.location,
				     WT(a, "Formular nicht g\xc3\xbcltig",
					"Form not valid"),
				     WT(a, "Bitte \xc3\xb6" "ffnen Sie den "
					"Link aus der E-Mail noch einmal und "
					"antworten Sie dort.",
					"Please open the link from the e-mail "
					"again and answer there."));
			goto out;
		}
	}
	confirm = !one_click && strcmp(answer, "confirm") == 0;
	st = pv_web_rate(a, "answer", pv_web_cfg_limit(a, "answers_per_hour",
							 60));
	if (st) {
		st = st < 0 ? a->e->status : PV_OK;
		goto out;
	}
	ip = pv_web_client_ip(a);
	ua = pv_web_client_ua(a, uabuf);
	st = pv_consent_answer(a->db, token, confirm, ip, ua, &ans, &e2);
	if (st == PV_DATAERR || st == PV_NOINPUT) {
		/* answered or expired meanwhile, or the customer erased */
		struct link again;

		st = lookup(a, token, &again, &found);
		if (!st && found && (*again.answer || again.expired))
			answered_page(a, &again);
		else if (!st)
			not_found(a);
		free(again.location);
		goto out;
	}
	if (st) {
		*a->e = e2;
		goto out;
	}
	thanks_page(a, &l, confirm);
out:
	free(l.location);
	return st;
}
