/*
 * export_html.c - the export document as a page a person can read and
 * print (dsar-export -f html, the customer's access mail): the same
 * content as the JSON document, in the language of its Art. 15
 * information, self-contained (no script, no external resource, one
 * inline style sheet), every value escaped, dates and sums as people
 * write them (lib/words.h).
 */
#include <jansson.h>
#include <string.h>

#include "export.h"
#include "words.h"

struct page {
	struct pv_buf *b;
	const char *lang, *tz;
	int de;
	int level; /* of a section's heading: 3 below a location's */
	json_t *doc; /* the whole document: the locations' names */
};

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

static const char *T(const struct page *p, const char *de, const char *en)
{
	return p->de ? de : en;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The name a person knows a location by, for its slug in a record
 * ("nord" -> "Salon Nord"): from the subjects of the document and of its
 * other locations (J9); NULL if none has it. */
static const char *location_name(const struct page *p, const char *slug)
{
	json_t *others = json_object_get(p->doc, "other_locations"), *d;
	size_t i, n = json_is_array(others) ? json_array_size(others) : 0;

	for (i = 0; i <= n; i++) {
		json_t *sub, *l, *nm;

		d = i == 0 ? p->doc : json_array_get(others, i - 1);
		sub = json_object_get(d, "subject");
		l = json_object_get(sub, "location");
		nm = json_object_get(sub, "location_name");
		if (json_is_string(l) && json_is_string(nm) &&
		    strcmp(json_string_value(l), slug) == 0)
			return json_string_value(nm);
	}
	return NULL;
}

/* One value, in words.  obj: the record it belongs to (for a currency). */
static void value(const struct page *p, const char *key, json_t *v,
		  json_t *obj)
{
	char buf[128];

	if (!v || json_is_null(v)) {
		pv_buf_adds(p->b, "–");
	} else if (json_is_true(v)) {
		pv_buf_adds(p->b, T(p, "ja", "yes"));
	} else if (json_is_false(v)) {
		pv_buf_adds(p->b, T(p, "nein", "no"));
	} else if (json_is_integer(v) && ends_with(key, "_cents")) {
		json_t *c = obj ? json_object_get(obj, "currency") : NULL;

		esc(p->b, pv_words_money(json_integer_value(v),
					 json_is_string(c) ? json_string_value(c)
							   : NULL,
					 p->lang, buf, sizeof buf));
	} else if (json_is_number(v)) {
		pv_buf_addf(p->b, "%.15g", json_number_value(v));
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (strcmp(key, "type") == 0 && obj &&
		    json_object_get(obj, "due_on"))
			esc(p->b, pv_words_request_type(s, p->lang));
		else if (strcmp(key, "status") == 0 ||
			 strcmp(key, "channel") == 0 ||
			 strcmp(key, "purpose") == 0 ||
			 strcmp(key, "event") == 0 || strcmp(key, "source") == 0 ||
			 strcmp(key, "export") == 0)
			esc(p->b, pv_words_status(s, p->lang));
		else if (strcmp(key, "kind") == 0)
			esc(p->b, pv_words_section(s, p->lang));
		else if (strcmp(key, "location") == 0 &&
			 location_name(p, s))
			esc(p->b, location_name(p, s));
		else if (ends_with(key, "_at") || ends_with(key, "_on") ||
			 strcmp(key, "at") == 0 || strcmp(key, "until") == 0 ||
			 strcmp(key, "birth_date") == 0 ||
			 strcmp(key, "retain_until") == 0)
			esc(p->b, pv_words_date(s, p->tz, p->lang,
						 strcmp(key, "starts_at") != 0 &&
						 strcmp(key, "at") != 0,
						 buf, sizeof buf));
		else if (s[0] == '{') {
			json_t *o = json_loads(s, 0, NULL);

			if (json_is_object(o)) {
				const char *k;
				json_t *x;
				int first = 1;

				json_object_foreach(o, k, x) {
					if (strcmp(k, "event_id") == 0)
						continue;
					if (!first)
						pv_buf_adds(p->b, "; ");
					first = 0;
					esc(p->b, pv_words_field(k, p->lang));
					pv_buf_adds(p->b, ": ");
					value(p, k, x, o);
				}
			} else {
				esc(p->b, s);
			}
			json_decref(o);
		} else {
			esc(p->b, s);
		}
	} else if (json_is_object(v) && json_is_true(json_object_get(v,
						      "withheld"))) {
		json_t *r = json_object_get(v, "reason");

		pv_buf_adds(p->b, "<em>");
		esc(p->b, T(p, "vorhanden, Inhalt nicht herausgegeben",
			    "present, content withheld"));
		if (json_is_string(r)) {
			pv_buf_adds(p->b, ": ");
			esc(p->b, json_string_value(r));
		}
		pv_buf_adds(p->b, "</em>");
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		int first = 1;

		json_object_foreach(v, k, x) {
			if (strcmp(k, "event_id") == 0)
				continue;
			if (!first)
				pv_buf_adds(p->b, "; ");
			first = 0;
			esc(p->b, pv_words_field(k, p->lang));
			pv_buf_adds(p->b, ": ");
			value(p, k, x, v);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x) {
			if (i)
				pv_buf_adds(p->b, ", ");
			value(p, key, x, obj);
		}
	}
}

/* One record as a two-column table of field and value. */
static void record(const struct page *p, json_t *o)
{
	const char *k;
	json_t *v;

	pv_buf_adds(p->b, "<table class=\"record\">\n");
	json_object_foreach(o, k, v) {
		pv_buf_adds(p->b, "<tr><th scope=\"row\">");
		esc(p->b, pv_words_field(k, p->lang));
		pv_buf_adds(p->b, "</th><td>");
		value(p, k, v, o);
		pv_buf_adds(p->b, "</td></tr>\n");
	}
	pv_buf_adds(p->b, "</table>\n");
}

/* Rows of records as a table, columns from the first record. */
static void rows(const struct page *p, json_t *a)
{
	json_t *first = json_array_get(a, 0), *o, *v;
	const char *k;
	size_t i;

	if (!json_array_size(a)) {
		pv_buf_adds(p->b, "<p class=\"none\">");
		esc(p->b, T(p, "Keine.", "None."));
		pv_buf_adds(p->b, "</p>\n");
		return;
	}
	if (!json_is_object(first)) {
		pv_buf_adds(p->b, "<ul>\n");
		json_array_foreach(a, i, o) {
			pv_buf_adds(p->b, "<li>");
			value(p, "", o, NULL);
			pv_buf_adds(p->b, "</li>\n");
		}
		pv_buf_adds(p->b, "</ul>\n");
		return;
	}
	pv_buf_adds(p->b, "<table class=\"rows\">\n<thead><tr>");
	json_object_foreach(first, k, v) {
		pv_buf_adds(p->b, "<th scope=\"col\">");
		esc(p->b, pv_words_field(k, p->lang));
		pv_buf_adds(p->b, "</th>");
	}
	pv_buf_adds(p->b, "</tr></thead>\n<tbody>\n");
	json_array_foreach(a, i, o) {
		pv_buf_adds(p->b, "<tr>");
		json_object_foreach(first, k, v) {
			pv_buf_adds(p->b, "<td>");
			value(p, k, json_object_get(o, k), o);
			pv_buf_adds(p->b, "</td>");
		}
		pv_buf_adds(p->b, "</tr>\n");
	}
	pv_buf_adds(p->b, "</tbody>\n</table>\n");
}

static void heading(const struct page *p, const char *text)
{
	pv_buf_addf(p->b, "<h%d>", p->level);
	esc(p->b, text);
	pv_buf_addf(p->b, "</h%d>\n", p->level);
}

/* The data of one document: a section per table. */
static void data_of(const struct page *p, json_t *data)
{
	const char *k;
	json_t *v;

	json_object_foreach(data, k, v) {
		if (json_is_null(v))
			continue;
		heading(p, pv_words_section(k, p->lang));
		if (json_is_object(v))
			record(p, v);
		else if (json_is_array(v))
			rows(p, v);
	}
}

/* A location's part of a document that covers several (J9): its name as
 * the heading, its data below. */
static void location_part(struct page *p, json_t *doc)
{
	json_t *sub = json_object_get(doc, "subject");
	json_t *name = json_object_get(sub, "location_name");

	if (!json_is_string(name))
		name = json_object_get(sub, "location");
	pv_buf_adds(p->b, "<h2 class=\"location\">");
	esc(p->b, json_is_string(name) ? json_string_value(name) : "");
	pv_buf_adds(p->b, "</h2>\n");
	p->level = 3;
	data_of(p, json_object_get(doc, "data"));
	p->level = 2;
}

static void list(const struct page *p, json_t *info, const char *key,
		 const char *de, const char *en)
{
	json_t *a = json_object_get(info, key);

	if (!json_is_array(a))
		return;
	pv_buf_adds(p->b, "<h3>");
	esc(p->b, T(p, de, en));
	pv_buf_adds(p->b, "</h3>\n");
	rows(p, a);
}

static const char style[] =
	"body{font-family:sans-serif;max-width:48em;margin:2em auto;"
	"padding:0 1em;color:#111;line-height:1.4}"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;"
	"border-bottom:1px solid #999}h3{font-size:1em}"
	"table{border-collapse:collapse;width:100%;margin:.5em 0}"
	"th,td{text-align:left;vertical-align:top;padding:.3em .5em;"
	"border:1px solid #ccc}th{background:#f0f0f0}"
	"table.record th{width:35%}p.none{color:#555}"
	"@media print{body{margin:0;max-width:none}h2{break-after:avoid}"
	"tr{break-inside:avoid}}";

int pv_export_html(const char *doc, size_t len, const char *tz,
		   struct pv_buf *out, struct pv_err *e)
{
	json_error_t je;
	json_t *d = json_loadb(doc, len, 0, &je), *info, *data, *ctl, *v;
	json_t *others;
	struct page p = {out, "en", tz, 0, 2, d};
	const char *name = NULL;
	char buf[96];

	if (!json_is_object(d)) {
		json_decref(d);
		return pv_fail(e, PV_DATAERR, "export: not an export document");
	}
	info = json_object_get(d, "information");
	data = json_object_get(d, "data");
	ctl = json_object_get(d, "controller");
	v = json_object_get(info, "language");
	if (json_is_string(v) && strcmp(json_string_value(v), "de") == 0) {
		p.lang = "de";
		p.de = 1;
	}
	if (json_is_string(json_object_get(ctl, "name")))
		name = json_string_value(json_object_get(ctl, "name"));
	pv_buf_addf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
		    "content=\"width=device-width\">\n<title>", p.lang);
	esc(out, T(&p, "Ihre Daten", "Your data"));
	if (name) {
		pv_buf_adds(out, T(&p, " bei ", " at "));
		esc(out, name);
	}
	pv_buf_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>",
		    style);
	esc(out, T(&p, "Ihre Daten", "Your data"));
	if (name) {
		pv_buf_adds(out, T(&p, " bei ", " at "));
		esc(out, name);
	}
	pv_buf_adds(out, "</h1>\n<p>");
	esc(out, T(&p, "Auskunft nach Art. 15 DSGVO über alle Daten, die wir "
		   "über Sie gespeichert haben. Die beigefügte JSON-Datei "
		   "enthält dieselben Daten in maschinenlesbarer Form "
		   "(Art. 20 DSGVO).",
		   "Everything we store about you, as Art. 15 GDPR "
		   "provides. The attached JSON file holds the same data "
		   "in a machine-readable form (Art. 20 GDPR)."));
	pv_buf_adds(out, "</p>\n<p>");
	esc(out, T(&p, "Stand: ", "As of: "));
	v = json_object_get(d, "generated_at");
	esc(out, pv_words_date(json_string_value(v), tz, p.lang, 1, buf,
			       sizeof buf));
	pv_buf_adds(out, "</p>\n");
	if (json_is_object(ctl)) {
		heading(&p, T(&p, "Verantwortlich", "Controller"));
		record(&p, ctl);
	}
	others = json_object_get(d, "other_locations");
	if (json_is_array(others) && json_array_size(others)) {
		size_t i;

		pv_buf_adds(out, "<p>");
		esc(out, T(&p, "Sie sind an mehreren unserer Standorte Kundin "
			   "oder Kunde; "
			   "hier sind Ihre Daten von jedem Standort.",
			   "You are a customer at several of our locations; "
			   "here is your data from each of them."));
		pv_buf_adds(out, "</p>\n");
		location_part(&p, d);
		json_array_foreach(others, i, v)
			if (json_is_object(v))
				location_part(&p, v);
	} else {
		data_of(&p, data);
	}
	if (json_is_object(info)) {
		heading(&p, T(&p, "Was wir mit Ihren Daten tun (Art. 15 Abs. 1 "
			      "DSGVO)", "How we process your data (Art. 15(1) "
			      "GDPR)"));
		list(&p, info, "purposes", "Zwecke", "Purposes");
		list(&p, info, "categories", "Kategorien von Daten",
		     "Categories of data");
		list(&p, info, "recipients", "Empfänger", "Recipients");
		list(&p, info, "retention", "Speicherdauer", "How long we keep "
		     "them");
		list(&p, info, "source", "Herkunft", "Source");
		list(&p, info, "rights", "Ihre Rechte", "Your rights");
	}
	pv_buf_adds(out, "</body>\n</html>\n");
	json_decref(d);
	return PV_OK;
}
