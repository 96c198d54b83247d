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

#include "clock.h"
#include "consent.h"
#include "db.h"
#include "token.h"
#include "web-int.h"

/* What a token stands for, read without using it (consent.h): *found is
 * 0 for a token no campaign sent, or whose customer was erased. */
static int lookup(struct pv_web_app *a, const char *token,
		  struct pv_token_info *ti, int *found)
{
	struct pv_err e2 = {0};
	int st = pv_consent_token_lookup(a->db, token, ti, &e2);

	*found = st == PV_OK;
	if (st == PV_NOINPUT || st == PV_DATAERR)
		return PV_OK;
	if (st)
		*a->e = e2;
	return st;
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

static void answered_page(struct pv_web_app *a,
			  const struct pv_token_info *l)
{
	char date[16];
	int yes = strcmp(l->answer, "confirmed") == 0;

	pv_web_date(a, l->answered_at, date);
	pv_buf_reset(&a->body);
	if (strcmp(l->status, "expired") == 0 ||
	    strcmp(l->answer, "expired") == 0)
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
	pv_web_finish(a, 410, l->location_name,
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

/* The question, the text agreed to, and the button of the link's action:
 * the confirm and the decline token are separate capabilities (token.h),
 * so each page offers the one its token can do and points to the other
 * link of the mail for the other answer. */
/* A mail text's lines as paragraphs for a page: a single line break
 * becomes a space, except after a line ending in ':' or made of one
 * placeholder (a link, the lines of an address). */
static char *reflow(const char *t)
{
	struct pv_buf b = {0};
	const char *line = t;

	pv_buf_adds(&b, "");
	for (const char *p = t; *p; p++) {
		int keep;

		if (*p != '\n') {
			pv_buf_addc(&b, *p);
			continue;
		}
		keep = p[1] == '\n' || p[1] == '\0' || p == t || p[-1] == '\n' ||
		       p[-1] == ':' ||
		       (line[0] == '{' && line[1] == '{' && p - line >= 4 &&
			p[-1] == '}' && p[-2] == '}' &&
			!memchr(line + 2, '}', (size_t)(p - line - 4)));
		pv_buf_addc(&b, keep ? '\n' : ' ');
		line = p + 1;
	}
	return pv_buf_detach(&b);
}

/* An archived mail text with its {{placeholders}} filled, escaped. */
static void render(struct pv_web_app *a, const struct pv_token_info *l,
		   const char *text, const char *purposes, const char *date)
{
	const struct pv_cfg *cfg = a->cfg;
	char *flowed = reflow(text);
	const char *t = flowed;

	while (*t) {
		const char *open = strstr(t, "{{"), *close, *v = "";
		char name[40];

		if (!open || !(close = strstr(open + 2, "}}"))) {
			pv_web_esc(&a->body, t);
			break;
		}
		{
			char *part = xstrndup(t, (size_t)(open - t));

			pv_web_esc(&a->body, part);
			free(part);
		}
		snprintf(name, sizeof name, "%.*s",
			 (int)(close - open - 2) < 39 ?
			 (int)(close - open - 2) : 39, open + 2);
		if (strcmp(name, "salutation") == 0)
			v = WT(a, "Guten Tag,", "Hello,");
		else if (strcmp(name, "location") == 0)
			v = l->location_name;
		else if (strcmp(name, "purposes") == 0)
			v = purposes;
		else if (strcmp(name, "expires") == 0)
			v = date;
		else if (strcmp(name, "confirm_url") == 0)
			v = WT(a, "[unten: \xe2\x80\x9eJa, ich stimme "
			       "zu\xe2\x80\x9c]", "[below: \xe2\x80\x9cYes, I "
			       "agree\xe2\x80\x9d]");
		else if (strcmp(name, "decline_url") == 0)
			v = WT(a, "[der Ablehnen-Link in Ihrer E-Mail]",
			       "[the decline link in your e-mail]");
		else if (strcmp(name, "controller_name") == 0)
			v = pv_cfg_str(cfg, "controller.name", l->location_name);
		else if (strcmp(name, "controller_address") == 0)
			v = pv_cfg_str(cfg, "controller.address", "");
		else if (strcmp(name, "controller_email") == 0)
			v = pv_cfg_str(cfg, "controller.email",
				       pv_cfg_str(cfg, "mail.from", ""));
		pv_web_esc(&a->body, v); /* names of the person: left out */
		t = close + 2;
	}
	free(flowed);
}

static void ask_page(struct pv_web_app *a, const struct pv_token_info *l,
		     const char *token)
{
	struct pv_consent_text text;
	struct pv_err e2 = {0};
	struct pv_buf what = {0};
	char csrf[65], date[16];
	int doi = strcmp(l->kind, "double-opt-in") == 0;
	int decline = l->action == PV_TOKEN_DECLINE;

	purposes_text(a, l->purposes, &what);
	pv_web_csrf(a->key, token, csrf);
	pv_web_date(a, l->expires_at, date);
	pv_buf_reset(&a->body);
	if (decline)
		pv_web_escf(&a->body, "<p>%s <strong>%s</strong>%s</p>\n",
			    WT(a, "Sie m\xc3\xb6" "chten von uns keine",
			       "You would like no more"), what.s,
			    WT(a, " mehr erhalten? Dann best\xc3\xa4tigen Sie "
			       "das bitte hier.", " from us? Then please "
			       "confirm it here."));
	else if (doi)
		pv_web_escf(&a->body, "<p>%s <strong>%s</strong> %s</p>\n",
			    WT(a, "Bitte best\xc3\xa4tigen Sie, dass Sie von "
			       "uns", "Please confirm that you want"),
			    what.s, WT(a, "erhalten m\xc3\xb6" "chten.",
				       "from us."));
	else
		pv_web_escf(&a->body, "<p>%s <strong>%s</strong>%s</p>\n",
			    WT(a, "Sie haben uns fr\xc3\xbc" "her erlaubt, "
			       "Ihnen", "Some time ago you allowed us to send "
			       "you"), what.s,
			    WT(a, " zu schicken. Wir m\xc3\xb6" "chten Sie "
			       "fragen, ob das so bleiben soll.",
			       ". We would like to ask you whether that "
			       "should stay so."));
	if (!decline && l->text_id &&
	    pv_consent_text_by_id(a->db, l->text_id, &text, &e2) == PV_OK) {
		/* the archived text of the mail (consent.h), its placeholders
		 * filled as in the mail, except the person's name */
		pv_web_escf(&a->body, "<p>%s %d):</p>\n<blockquote>",
			    WT(a, "Der Text, dem Sie zustimmen (Fassung",
			       "The text you agree to (version"),
			    text.ref.version);
		render(a, l, text.body, what.s, date);
		pv_buf_adds(&a->body, "</blockquote>\n");
		pv_consent_text_free(&text);
	} else if (!decline) {
		/* a message sent before texts were archived: the consent
		 * statement in the words of the mail */
		pv_web_escf(&a->body, "<p>%s</p>\n<blockquote>",
			    WT(a, "Der Text Ihrer Einwilligung:",
			       "The text you agree to:"));
		pv_web_escf(&a->body,
			    WT(a, "Ich bin einverstanden, dass %s mir %s "
			       "schickt. Ich kann diese Einwilligung jederzeit "
			       "f\xc3\xbcr die Zukunft widerrufen, zum Beispiel "
			       "\xc3\xbc" "ber den Abmeldelink in jeder "
			       "Nachricht.",
			       "I agree that %s may send me %s. I can withdraw "
			       "this consent at any time for the future, for "
			       "example with the unsubscribe link in every "
			       "message."),
			    l->location_name, what.s);
		pv_buf_adds(&a->body, "</blockquote>\n");
	}
	pv_web_escf(&a->body,
		    "<form method=\"post\" action=\"%s%s\">\n"
		    "<input type=\"hidden\" name=\"t\" value=\"%s\">\n"
		    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
		    "<div class=\"buttons\">\n"
		    "<button class=\"%s\" type=\"submit\" name=\"answer\" "
		    "value=\"%s\" id=\"%s\">%s</button>\n"
		    "</div>\n</form>\n",
		    a->req->script, decline ? "/decline" : "/confirm", token,
		    csrf, decline ? "no" : "yes",
		    decline ? "decline" : "confirm",
		    decline ? "decline" : "confirm",
		    decline ? WT(a, "Keine Werbung mehr", "No more advertising")
			    : WT(a, "Ja, ich stimme zu", "Yes, I agree"));
	if (decline)
		pv_web_escf(&a->body, "<p class=\"note\">%s</p>\n",
			    WT(a, "Wenn Sie doch zustimmen m\xc3\xb6" "chten, "
			       "nutzen Sie den Best\xc3\xa4tigungslink in "
			       "unserer E-Mail.", "If you would rather agree, "
			       "use the confirm link in our e-mail."));
	else
		pv_web_escf(&a->body,
			    WT(a, "<p class=\"note\">Sie k\xc3\xb6nnen bis zum "
			       "%s antworten. Wenn Sie nicht zustimmen "
			       "m\xc3\xb6" "chten, m\xc3\xbc" "ssen Sie nichts "
			       "tun: ohne Ihre Zustimmung schicken wir Ihnen "
			       "keine Werbung mehr.</p>\n",
			       "<p class=\"note\">You can answer until %s. If "
			       "you do not want to agree, there is nothing to "
			       "do: without your consent we send you no more "
			       "advertising.</p>\n"), date);
	pv_web_finish(a, 200, l->location_name,
		      decline ? WT(a, "Abmelden", "Unsubscribe") :
		      doi ? WT(a, "Bitte best\xc3\xa4tigen Sie",
			       "Please confirm") :
			    WT(a, "D\xc3\xbcrfen wir Ihnen weiter schreiben?",
			       "May we keep writing to you?"), NULL);
	pv_buf_free(&what);
}

static void thanks_page(struct pv_web_app *a, const struct pv_token_info *l,
			int confirm)
{
	pv_buf_reset(&a->body);
	pv_web_escf(&a->body, "<p class=\"%s\">%s</p>\n",
		    confirm ? "ok" : "",
		    confirm ? WT(a, "Vielen Dank! Ihre Einwilligung ist "
				 "gespeichert. Sie k\xc3\xb6nnen sie jederzeit "
				 "widerrufen.", "Thank you! Your consent is "
				 "recorded. You can withdraw it at any time.") :
			      WT(a, "In Ordnung: Wir schicken Ihnen keine "
				 "Werbung mehr.", "Understood: we will send you "
				 "no more advertising."));
	pv_web_finish(a, 200, l->location_name,
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

int pv_web_consent(struct pv_web_app *a, int decline_path)
{
	struct pv_web_req *r = a->req;
	int post = strcmp(r->method, "POST") == 0;
	const char *token = token_of(r);
	const char *answer, *ip, *ua, *lu;
	struct pv_token_info l, again;
	struct pv_answer ans;
	struct pv_err e2 = {0};
	char uabuf[513];
	int st, found, one_click, action;

	(void)decline_path; /* the token says what it may do */
	if (!token || !pv_token_wellformed(token)) {
		not_found(a);
		return PV_OK;
	}
	if ((st = pv_web_open(a, post)) || (st = lookup(a, token, &l, &found)))
		return st;
	if (!found || !pv_web_location_served(a, l.location)) {
		not_found(a);
		return PV_OK;
	}
	a->lang = pv_web_lang_of(l.language);
	if (strcmp(l.status, "open") != 0) {
		answered_page(a, &l);
		return PV_OK;
	}
	if (!post) {
		ask_page(a, &l, token);
		return PV_OK;
	}

	/* RFC 8058: the mail client's one-click POST, without our page; on
	 * the decline capability only */
	answer = pv_web_form(r, "answer");
	lu = pv_web_form(r, "List-Unsubscribe");
	one_click = !answer && lu && strcmp(lu, "One-Click") == 0;
	action = l.action;
	if (one_click && action != PV_TOKEN_DECLINE) {
		pv_web_error(a, 403, l.location_name,
			     WT(a, "Nicht erlaubt", "Not allowed"),
			     WT(a, "Dieser Link meldet nicht ab.",
				"This link does not unsubscribe."));
		return PV_OK;
	}
	if (!one_click) {
		if (!answer || strcmp(answer,
				      pv_token_action_name(action)) != 0) {
			pv_web_error(a, 400, l.location_name,
				     pv_web_reason(400),
				     WT(a, "Bitte antworten Sie mit dem Knopf "
					"auf der Seite.", "Please answer with "
					"the button on the page."));
			return PV_OK;
		}
		if (!pv_web_csrf_ok(a->key, token, pv_web_form(r, "csrf"))) {
			pv_web_error(a, 403, l.location_name,
				     WT(a, "Formular nicht g\xc3\xbcltig",
					"Form not valid"),
				     WT(a, "Bitte \xc3\xb6" "ffnen Sie den "
					"Link aus der E-Mail noch einmal und "
					"antworten Sie dort.",
					"Please open the link from the e-mail "
					"again and answer there."));
			return PV_OK;
		}
	}
	st = pv_web_rate(a, "answer", pv_web_cfg_limit(a, "answers_per_hour",
							 60));
	if (st)
		return st < 0 ? a->e->status : PV_OK;
	ip = pv_web_client_ip(a);
	ua = pv_web_client_ua(a, uabuf);
	st = pv_consent_token_use(a->db, token, action, ip, ua, &ans, &e2);
	if (st == PV_DATAERR || st == PV_NOINPUT) {
		/* answered or expired meanwhile, or the customer erased */
		if ((st = lookup(a, token, &again, &found)))
			return st;
		if (found)
			answered_page(a, &again);
		else
			not_found(a);
		return PV_OK;
	}
	if (st) {
		*a->e = e2;
		return st;
	}
	thanks_page(a, &l, action == PV_TOKEN_CONFIRM);
	return PV_OK;
}
