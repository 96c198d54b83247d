/*
 * web-request.c - the self-service request form and its code page.
 *
 * The form takes a location, a kind of request and an e-mail address.  The
 * answer page is the same whether or not the address belongs to a
 * customer, so that the form tells nobody who is a customer.  The request
 * is created 'unverified' (channel web) the way `privacyctl request new
 * --email` makes it (pv_request_subject): for a customer it covers the
 * same address at every location of the controller (J9); for an address
 * we hold nothing about it is recorded all the same and answered "we
 * hold no data about you" (J8).  The code goes through the outbox to the
 * address (request.h); the code page then verifies it.  Both POSTs count against the client address
 * (web.requests_per_hour, web.codes_per_hour), and wrong codes count
 * against the request (PV_VERIFY_ATTEMPTS).
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "request.h"
#include "web-int.h"

static const char *const kinds[] = {
	"access", "portability", "erasure", "objection", NULL,
};

static const char *kind_text(const struct pv_web_app *a, const char *k)
{
	if (strcmp(k, "access") == 0)
		return WT(a, "Auskunft: eine Kopie meiner Daten (Art. 15 DSGVO)",
			  "Access: a copy of my data (Art. 15 GDPR)");
	if (strcmp(k, "portability") == 0)
		return WT(a, "Meine Daten in einem maschinenlesbaren Format "
			  "(Art. 20 DSGVO)", "My data in a machine-readable "
			  "format (Art. 20 GDPR)");
	if (strcmp(k, "erasure") == 0)
		return WT(a, "L\xc3\xb6schung meiner Daten (Art. 17 DSGVO)",
			  "Erasure of my data (Art. 17 GDPR)");
	return WT(a, "Widerspruch gegen Werbung (Art. 21 DSGVO)",
		  "Objection to marketing (Art. 21 GDPR)");
}

struct loc {
	long long id;
	char slug[64], lang[4];
	char *name;
};

/* The locations this site serves, by name. */
static int served(struct pv_web_app *a, struct loc **out, int *n)
{
	sqlite3_stmt *st = pv_db_prepare(a->db,
		"SELECT l.id, l.slug, l.name, coalesce(s.language, 'de')"
		" FROM locations l LEFT JOIN settings s ON s.location_id = l.id"
		" ORDER BY l.name, l.slug", a->e);
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return a->e->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct loc *l;

		if (!pv_web_location_served(a, pv_col_text(st, 1)))
			continue;
		*out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
		l = &(*out)[(*n)++];
		l->id = sqlite3_column_int64(st, 0);
		snprintf(l->slug, sizeof l->slug, "%s", pv_col_text(st, 1));
		l->name = xstrdup(pv_col_text(st, 2));
		snprintf(l->lang, sizeof l->lang, "%s", pv_col_text(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(a->db, a->e, "locations");
	return PV_OK;
}

static void locs_free(struct loc *l, int n)
{
	for (int i = 0; i < n; i++)
		free(l[i].name);
	free(l);
}

/* The site's name: the location when there is one, else the controller. */
static const char *site_name(const struct pv_web_app *a, struct loc *l,
			     int n)
{
	return n == 1 ? l[0].name :
			pv_cfg_str(a->cfg, "controller.name", NULL);
}

static void code_form(struct pv_web_app *a, const char *email)
{
	pv_web_escf(&a->body,
		    "<form method=\"post\" action=\"%s/code\">\n"
		    "<label for=\"email\">%s</label>\n"
		    "<input type=\"email\" name=\"email\" id=\"email\" "
		    "value=\"%s\" required autocomplete=\"email\">\n"
		    "<label for=\"code\">%s</label>\n"
		    "<input type=\"text\" name=\"code\" id=\"code\" required "
		    "autocomplete=\"one-time-code\" autocapitalize=\"characters\" "
		    "spellcheck=\"false\">\n"
		    "<div class=\"buttons\"><button class=\"yes\" "
		    "type=\"submit\" id=\"send\">%s</button></div>\n"
		    "</form>\n",
		    a->req->script, WT(a, "Ihre E-Mail-Adresse",
				       "Your e-mail address"),
		    email ? email : "", WT(a, "Der Code aus der E-Mail",
					   "The code from the e-mail"),
		    WT(a, "Code best\xc3\xa4tigen", "Confirm the code"));
}

static void form(struct pv_web_app *a, struct loc *l, int n,
		 const char *slug, const char *kind, const char *email,
		 const char *error)
{
	if (error)
		pv_web_escf(&a->body, "<p class=\"err\">%s</p>\n", error);
	pv_web_escf(&a->body, "<p>%s</p>\n",
		    WT(a, "Hier k\xc3\xb6nnen Sie Auskunft \xc3\xbc" "ber Ihre "
		       "Daten verlangen, ihre L\xc3\xb6schung, oder der "
		       "Werbung widersprechen.", "Here you can ask for a "
		       "copy of your data or its erasure, or object to "
		       "marketing."));
	pv_web_escf(&a->body, "<form method=\"post\" action=\"%s/request\">\n",
		    a->req->script);
	if (n == 1) {
		pv_web_escf(&a->body, "<input type=\"hidden\" name=\"location\""
			    " value=\"%s\">\n", l[0].slug);
	} else {
		pv_web_escf(&a->body, "<label for=\"location\">%s</label>\n"
			    "<select name=\"location\" id=\"location\">\n",
			    WT(a, "Standort", "Location"));
		for (int i = 0; i < n; i++)
			pv_web_escf(&a->body, "<option value=\"%s\"%s>%s"
				    "</option>\n", l[i].slug,
				    slug && strcmp(slug, l[i].slug) == 0 ?
				    " selected" : "", l[i].name);
		pv_buf_adds(&a->body, "</select>\n");
	}
	pv_web_escf(&a->body, "<fieldset><legend>%s</legend>\n",
		    WT(a, "Was m\xc3\xb6" "chten Sie?", "What would you like?"));
	for (int i = 0; kinds[i]; i++)
		pv_web_escf(&a->body, "<label><input type=\"radio\" "
			    "name=\"kind\" value=\"%s\" id=\"kind-%s\"%s> %s"
			    "</label>\n", kinds[i], kinds[i],
			    (kind ? strcmp(kind, kinds[i]) == 0 : i == 0) ?
			    " checked" : "", kind_text(a, kinds[i]));
	pv_web_escf(&a->body, "</fieldset>\n<label for=\"email\">%s</label>\n"
		    "<input type=\"email\" name=\"email\" id=\"email\" "
		    "value=\"%s\" required autocomplete=\"email\">\n"
		    "<div class=\"buttons\"><button class=\"yes\" "
		    "type=\"submit\" id=\"send\">%s</button></div>\n</form>\n"
		    "<p class=\"note\">%s</p>\n",
		    WT(a, "Ihre E-Mail-Adresse, wie Sie sie bei uns angegeben "
		       "haben", "Your e-mail address, as you gave it to us"),
		    email ? email : "", WT(a, "Anfrage senden", "Send"),
		    WT(a, "Wir schicken einen Code an diese Adresse. Mit dem "
		       "Code best\xc3\xa4tigen Sie, dass die Anfrage von Ihnen "
		       "kommt.",
		       "We send a code to this address. With the code you "
		       "confirm that the request comes from you."));
}

static int valid_kind(const char *k)
{
	for (int i = 0; k && kinds[i]; i++)
		if (strcmp(k, kinds[i]) == 0)
			return 1;
	return 0;
}

/* The customer of location loc with this address (the latest one updated
 * when there are several), 0 when there is none. */
static int customer_by_email(struct pv_web_app *a, long long loc,
			     const char *email, long long *id)
{
	sqlite3_stmt *st = pv_db_prepare(a->db,
		"SELECT id FROM customers WHERE location_id = ?1 AND email = ?2"
		" ORDER BY updated_at DESC, id DESC LIMIT 1", a->e);
	int rc;

	*id = 0;
	if (!st)
		return a->e->status;
	sqlite3_bind_int64(st, 1, loc);
	pv_bind_text(st, 2, email);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return pv_db_fail(a->db, a->e, "customers");
	return PV_OK;
}

int pv_web_request_form(struct pv_web_app *a)
{
	struct pv_web_req *r = a->req;
	int post = strcmp(r->method, "POST") == 0;
	const char *slug = pv_web_form(r, "location");
	const char *kind = pv_web_form(r, "kind");
	const char *email = pv_web_form(r, "email");
	struct loc *l = NULL, *chosen = NULL;
	struct pv_request_in in = {0};
	struct pv_subject_opts so = {0};
	long long cid, rid;
	int st, n = 0;

	if ((st = pv_web_open(a, post)) || (st = served(a, &l, &n)))
		goto out;
	if (n == 1)
		a->lang = pv_web_lang_of(l[0].lang);
	pv_buf_reset(&a->body);
	if (n == 0) {
		pv_web_error(a, 404, NULL, WT(a, "Seite nicht gefunden",
					      "Page not found"),
			     WT(a, "Hier werden keine Anfragen angenommen.",
				"This site takes no requests."));
		goto out;
	}
	if (!post) {
		form(a, l, n, NULL, NULL, NULL, NULL);
		pv_web_finish(a, 200, site_name(a, l, n),
			      WT(a, "Ihre Daten bei uns", "Your data with us"),
			      NULL);
		goto out;
	}
	for (int i = 0; slug && i < n; i++)
		if (strcmp(l[i].slug, slug) == 0)
			chosen = &l[i];
	if (!chosen || !valid_kind(kind) || !email ||
	    !pv_email_valid(email) || strlen(email) > 254) {
		form(a, l, n, slug, valid_kind(kind) ? kind : NULL,
		     email && strlen(email) <= 254 ? email : NULL,
		     !chosen ? WT(a, "Bitte w\xc3\xa4hlen Sie einen Standort.",
				  "Please choose a location.") :
		     !valid_kind(kind) ? WT(a, "Bitte w\xc3\xa4hlen Sie, was "
					    "Sie m\xc3\xb6" "chten.",
					    "Please choose what you would "
					    "like.") :
		     WT(a, "Bitte geben Sie eine g\xc3\xbcltige "
			"E-Mail-Adresse an.", "Please enter a valid e-mail "
			"address."));
		pv_web_finish(a, 400, site_name(a, l, n),
			      WT(a, "Ihre Daten bei uns", "Your data with us"),
			      NULL);
		goto out;
	}
	st = pv_web_rate(a, "request", pv_web_cfg_limit(a, "requests_per_hour",
							  10));
	if (st) {
		st = st < 0 ? a->e->status : PV_OK;
		goto out;
	}
	/* as privacyctl request new --email --location does it */
	so.email = email;
	so.location = chosen->slug;
	st = pv_request_subject(a->db, &so, &in, a->e);
	if (st == PV_DATAERR) {
		/* several customers of the location have the address: the
		 * latest one's, which covers the others elsewhere */
		if ((st = customer_by_email(a, chosen->id, email, &cid)))
			goto out;
		in.customer_id = cid;
		in.location_id = chosen->id;
		in.email = NULL;
		in.by_email = 1;
	}
	if (st)
		goto out;
	in.type = kind;
	in.channel = "web";
	if ((st = pv_request_new(a->db, a->cfg, &in, &rid, a->e)))
		goto out;
	/* the same page whether or not the address is a customer's */
	pv_web_escf(&a->body, "<p>%s <strong>%s</strong>%s</p>\n<p>%s</p>\n",
		    WT(a, "Danke! Wir haben soeben einen Code an",
		       "Thank you! We have just sent a code to"), email,
		    WT(a, " geschickt.", "."),
		    WT(a, "Geben Sie den Code hier ein, um Ihre Anfrage zu "
		       "best\xc3\xa4tigen.", "Enter the code here to confirm "
		       "your request."));
	code_form(a, email);
	pv_web_finish(a, 200, chosen->name,
		      WT(a, "Bitte pr\xc3\xbc" "fen Sie Ihr Postfach",
			 "Please check your inbox"), NULL);
out:
	locs_free(l, n);
	return st;
}

/* The unverified requests of the served locations for this address,
 * newest first (a few at most). */
static int pending(struct pv_web_app *a, const char *email, long long ids[4],
		   char names[4][128], int *n)
{
	sqlite3_stmt *st = pv_db_prepare(a->db,
		"SELECT r.id, l.slug, l.name FROM requests r"
		" LEFT JOIN customers c ON c.id = r.customer_id"
		" JOIN locations l ON l.id = r.location_id"
		/* a customer's, or of an address we hold nothing about */
		" WHERE coalesce(c.email, r.requester_email) = ?1"
		" AND r.status = 'unverified'"
		" ORDER BY r.id DESC LIMIT 16", a->e);
	int rc;

	*n = 0;
	if (!st)
		return a->e->status;
	pv_bind_text(st, 1, email);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < 4) {
		if (!pv_web_location_served(a, pv_col_text(st, 1)))
			continue;
		ids[*n] = sqlite3_column_int64(st, 0);
		snprintf(names[*n], 128, "%s", pv_col_text(st, 2));
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return pv_db_fail(a->db, a->e, "requests");
	return PV_OK;
}

int pv_web_code(struct pv_web_app *a)
{
	struct pv_web_req *r = a->req;
	int post = strcmp(r->method, "POST") == 0;
	const char *email = pv_web_form(r, "email");
	const char *code = pv_web_form(r, "code");
	char names[4][128];
	long long ids[4];
	int st, n = 0, ok = -1;

	struct loc *l = NULL;
	int nl = 0;

	if ((st = pv_web_open(a, post)) || (st = served(a, &l, &nl)))
		return st;
	if (nl == 1)
		a->lang = pv_web_lang_of(l[0].lang);
	locs_free(l, nl);
	pv_buf_reset(&a->body);
	if (!post) {
		pv_web_escf(&a->body, "<p>%s</p>\n",
			    WT(a, "Geben Sie die Adresse Ihrer Anfrage und den "
			       "Code aus unserer E-Mail ein.", "Enter the "
			       "address of your request and the code from our "
			       "e-mail."));
		code_form(a, NULL);
		pv_web_finish(a, 200, pv_cfg_str(a->cfg, "controller.name",
						 NULL),
			      WT(a, "Code eingeben", "Enter your code"), NULL);
		return PV_OK;
	}
	if (!email || !code || !*code || strlen(code) > 64 ||
	    !pv_email_valid(email) || strlen(email) > 254) {
		pv_web_escf(&a->body, "<p class=\"err\">%s</p>\n",
			    WT(a, "Bitte geben Sie Ihre E-Mail-Adresse und den "
			       "Code ein.", "Please enter your e-mail address "
			       "and the code."));
		code_form(a, email && strlen(email) <= 254 ? email : NULL);
		pv_web_finish(a, 400, NULL, WT(a, "Code eingeben",
					       "Enter your code"), NULL);
		return PV_OK;
	}
	st = pv_web_rate(a, "code", pv_web_cfg_limit(a, "codes_per_hour", 10));
	if (st)
		return st < 0 ? a->e->status : PV_OK;
	if ((st = pending(a, email, ids, names, &n)))
		return st;
	for (int i = 0; i < n && ok < 0; i++) {
		struct pv_err e2 = {0};

		st = pv_request_verify(a->db, ids[i], code, &e2);
		if (st == PV_OK)
			ok = i;
		else if (st != PV_DATAERR && st != PV_NOPERM) {
			*a->e = e2;
			return st;
		}
	}
	/* keep the code's keyed hash: the export download asks for it */
	if (ok >= 0 && (st = pv_web_export_code(a->db, a->key, ids[ok], code,
						a->e)))
		return st;
	if (ok < 0) {
		pv_web_escf(&a->body, "<p class=\"err\">%s</p>\n",
			    WT(a, "Dieser Code passt zu keiner offenen Anfrage "
			       "dieser Adresse, oder er ist abgelaufen. Bitte "
			       "pr\xc3\xbc" "fen Sie ihn.", "This code matches no "
			       "open request of this address, or it has "
			       "expired. Please check it."));
		code_form(a, email);
		pv_web_finish(a, 400, NULL, WT(a, "Code eingeben",
					       "Enter your code"), NULL);
		return PV_OK;
	}
	pv_web_escf(&a->body, "<p class=\"ok\">%s</p>\n<p>%s</p>\n",
		    WT(a, "Danke! Ihre Anfrage ist best\xc3\xa4tigt.",
		       "Thank you! Your request is confirmed."),
		    WT(a, "Wir bearbeiten sie so bald wie m\xc3\xb6glich, "
		       "sp\xc3\xa4testens innerhalb eines Monats, und schreiben "
		       "Ihnen an die Adresse, die wir von Ihnen haben.",
		       "We will deal with it as soon as we can, within a "
		       "month at the latest, and write to you at the address "
		       "we have on file."));
	pv_web_finish(a, 200, names[ok], WT(a, "Anfrage best\xc3\xa4tigt",
					    "Request confirmed"), NULL);
	return PV_OK;
}
