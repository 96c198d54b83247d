/* export.c - the Art. 15 / Art. 20 document of a subject. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "export.h"
#include "json.h"
#include "mapping.h"
#include "outbox.h"
#include "request.h"
#include "retention.h"
#include "tombstone.h"

/* The tables of the document, in the order they appear in data. */
enum { T_CUST, T_APPT, T_INV, T_CONS, T_REQ, T_N };
static const char *const tnames[T_N] = {
	"customers", "appointments", "invoices", "consents", "requests",
};
/* Columns (by name) that are bookkeeping of the statement, not data. */
static const char *const sql[T_N] = {
	"SELECT c.id, l.slug AS location, c.external_id, c.first_name, "
	"c.last_name, c.email, c.phone, c.birth_date, c.street, "
	"c.postal_code, c.city, c.country, c.notes, c.legal_hold, "
	"c.restricted_at, c.objected_at, "
	"c.created_at, c.updated_at, l.name, coalesce(s.language, 'de') "
	"FROM customers c JOIN locations l ON l.id = c.location_id "
	"LEFT JOIN settings s ON s.location_id = c.location_id "
	"WHERE c.id = ?1",
	"SELECT id, external_id, starts_at, service, staff, price_cents, "
	"notes FROM appointments WHERE customer_id = ?1 "
	"ORDER BY starts_at, id",
	"SELECT id, number, issued_on, total_cents, currency, billing_name, "
	"billing_address FROM invoices WHERE customer_id = ?1 "
	"ORDER BY issued_on, id",
	"SELECT id, purpose, event, at, source, evidence_ip, "
	"evidence_user_agent, text_version, campaign, recorded_at "
	"FROM consents WHERE customer_id = ?1 ORDER BY at, id",
	"SELECT r.id, l.slug AS location, r.type, r.channel, r.status, "
	"r.received_at, r.due_on, r.extended_due_on, r.extension_reason, "
	"r.reject_reason, r.note, r.result, r.created_at, r.updated_at "
	"FROM requests r JOIN locations l ON l.id = r.location_id "
	"WHERE r.customer_id = ?1 ORDER BY r.received_at, r.id",
};
static const char ret_sql[] =
	"SELECT id, kind, record_key, record_date, data, basis, retain_until, "
	"created_at FROM retained WHERE subject_ref = ?1 AND "
	"(kind = 'invoices') = ?2 ORDER BY kind, record_date, id";

enum { MAX_DEPTH = 16 };

struct pv_exporter {
	sqlite3 *db;
	const struct pv_cfg *cfg;
	int csv;
	sqlite3_stmt *st[T_N];
	sqlite3_stmt *ret;
	sqlite3_stmt *count_ret; /* erased subjects */
	struct pv_tomb *tomb;
	struct pv_policy *pol; /* the retention statement */
	unsigned long long secret[T_N]; /* bit i: column i withheld */
	/* custom attributes (import mappings): their statements, and the
	 * names trade_secrets withholds ("customers.attributes.NAME") */
	sqlite3_stmt *attr[2]; /* T_CUST, T_APPT */
	sqlite3_stmt *appt_attr_any; /* has the customer's any appointment? */
	const char *secret_attr[2][32];
	int nsecret_attr[2];
	/* while writing one document */
	struct pv_writer *w;
	long long nsubjects; /* exported by this exporter */
	long long cid;
	const char *lang;
	const char *section;
	char recid[48];
	struct pv_buf path, val;
	struct pv_buf info[2]; /* the information rendered: en, de */
	size_t plen[MAX_DEPTH];
	int arr[MAX_DEPTH], idx[MAX_DEPTH];
	int depth;
};

/* --- one emitter for the nested document and the CSV long form ------- */

/* CSV: the field path of key below the current level. */
static const char *field(struct pv_exporter *x, const char *key)
{
	struct pv_buf *p = &x->path;

	if (x->depth && p->len)
		pv_buf_addc(p, '.');
	if (key) {
		pv_buf_adds(p, key);
	} else if (x->depth && x->arr[x->depth - 1]) {
		pv_buf_addf(p, "%d", x->idx[x->depth - 1]++);
	}
	return p->s ? p->s : "";
}

static void unfield(struct pv_exporter *x)
{
	x->path.len = x->depth ? x->plen[x->depth - 1] : 0;
	if (x->path.s)
		x->path.s[x->path.len] = '\0';
}

/* A row of the CSV document; a number (num) is written as it is: a
 * credit note of -3500 stays a number, not a neutralised text. */
static void csv_row_as(struct pv_exporter *x, const char *key, const char *v,
		       int num)
{
	struct pv_writer *w = x->w;

	pv_w_begin(w);
	if (x->cid)
		pv_w_int(w, "customer_id", x->cid);
	else
		pv_w_str(w, "customer_id", NULL);
	pv_w_str(w, "section", x->section);
	pv_w_str(w, "record_id", x->recid);
	pv_w_str(w, "field", field(x, key));
	if (num)
		pv_w_raw(w, "value", v);
	else
		pv_w_str(w, "value", v);
	pv_w_end(w);
	unfield(x);
}

static void csv_row(struct pv_exporter *x, const char *key, const char *v)
{
	csv_row_as(x, key, v, 0);
}

/* A JSON number: -?digits[.digits][e[+-]digits] */
static int json_number(const char *s)
{
	if (!s)
		return 0;
	if (*s == '-')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return 0;
	s += strspn(s, "0123456789");
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		s += strspn(s, "0123456789");
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		s += strspn(s, "0123456789");
	}
	return *s == '\0';
}

static void e_str(struct pv_exporter *x, const char *key, const char *v)
{
	if (x->csv)
		csv_row(x, key, v);
	else
		pv_w_str(x->w, key, v);
}

static void e_int(struct pv_exporter *x, const char *key, long long v)
{
	char buf[32];

	if (!x->csv) {
		pv_w_int(x->w, key, v);
		return;
	}
	snprintf(buf, sizeof buf, "%lld", v);
	csv_row_as(x, key, buf, 1);
}

static void e_bool(struct pv_exporter *x, const char *key, int v)
{
	if (x->csv)
		csv_row(x, key, v ? "true" : "false");
	else
		pv_w_bool(x->w, key, v);
}

static void e_raw(struct pv_exporter *x, const char *key, const char *json)
{
	if (x->csv)
		csv_row_as(x, key, json, json_number(json));
	else
		pv_w_raw(x->w, key, json);
}

static void e_open(struct pv_exporter *x, const char *key, int arr)
{
	if (!x->csv) {
		if (arr)
			pv_w_arr(x->w, key);
		else
			pv_w_obj(x->w, key);
		return;
	}
	field(x, key);
	x->plen[x->depth] = x->path.len;
	x->arr[x->depth] = arr;
	x->idx[x->depth] = 0;
	if (x->depth < MAX_DEPTH - 1)
		x->depth++;
}

static void e_close(struct pv_exporter *x)
{
	if (!x->csv) {
		pv_w_close(x->w);
		return;
	}
	if (x->depth)
		x->depth--;
	unfield(x);
}

/* A section of the CSV long form (a JSON object or array in the
 * document); record_id "" for the parts that are not table rows. */
static void section(struct pv_exporter *x, const char *name)
{
	x->section = name;
	x->recid[0] = '\0';
	x->depth = 0;
	unfield(x);
}

/* Structure that only the nested document has. */
static void j_open(struct pv_exporter *x, const char *key, int arr)
{
	if (!x->csv)
		e_open(x, key, arr);
}

static void j_close(struct pv_exporter *x)
{
	if (!x->csv)
		e_close(x);
}

/* --- config --------------------------------------------------------- */

static void node(struct pv_exporter *x, const char *key,
		 const struct pv_node *n)
{
	switch (n->type) {
	case PV_NODE_SCALAR:
		e_str(x, key, n->value);
		break;
	case PV_NODE_MAP:
	case PV_NODE_SEQ:
		e_open(x, key, n->type == PV_NODE_SEQ);
		for (const struct pv_node *c = n->child; c; c = c->next)
			node(x, n->type == PV_NODE_MAP ? c->key : NULL, c);
		e_close(x);
		break;
	}
}

struct deftext {
	const char *key;
	const char *de[10];
	const char *en[10];
};

/* Defaults for a business that books customers, used when the config
 * has no processing section (or not this item of it). */
static const struct deftext defaults[] = {
	{"purposes",
	 {"Vereinbarung, Durchführung und Abrechnung von Terminen "
	  "(Art. 6 Abs. 1 lit. b DSGVO)",
	  "Erfüllung gesetzlicher Aufbewahrungspflichten für Rechnungen "
	  "(Art. 6 Abs. 1 lit. c DSGVO)",
	  "Werbung per E-Mail oder SMS nur mit Ihrer Einwilligung "
	  "(Art. 6 Abs. 1 lit. a DSGVO)",
	  "Bearbeitung Ihrer Datenschutzanfragen (Art. 6 Abs. 1 lit. c DSGVO)",
	  NULL},
	 {"booking, providing and billing appointments (Art. 6(1)(b) GDPR)",
	  "keeping invoices as required by law (Art. 6(1)(c) GDPR)",
	  "marketing by e-mail or text message only with your consent "
	  "(Art. 6(1)(a) GDPR)",
	  "handling your privacy requests (Art. 6(1)(c) GDPR)", NULL}},
	{"categories",
	 {"Stammdaten (Name, Geburtsdatum)",
	  "Kontaktdaten (E-Mail-Adresse, Telefonnummer, Anschrift)",
	  "Termine und in Anspruch genommene Leistungen", "Rechnungsdaten",
	  "Einwilligungen und ihre Nachweise", "Datenschutzanfragen", NULL},
	 {"master data (name, date of birth)",
	  "contact data (e-mail address, phone number, postal address)",
	  "appointments and services received", "invoice data",
	  "consents and their evidence", "privacy requests", NULL}},
	{"recipients",
	 {"IT-Dienstleister als Auftragsverarbeiter (Art. 28 DSGVO)",
	  "Steuerberatung und Finanzbehörden, soweit gesetzlich "
	  "vorgeschrieben (Rechnungsdaten)", NULL},
	 {"IT service providers as processors (Art. 28 GDPR)",
	  "tax advisers and tax authorities where the law requires it "
	  "(invoice data)", NULL}},
	/* Derived from the retention policy (pv_policy_statement), so that
	 * it says what an erasure does: on 5e6c13d this text promised to
	 * keep the consent proof while the erasure deleted it. */
	{"retention", {NULL}, {NULL}},
	{"source",
	 {"Bei Ihnen erhoben (Buchung, Besuch, Einwilligungsformular)",
	  NULL},
	 {"collected from you (booking, visit, consent form)", NULL}},
	{"rights",
	 {"Auskunft (Art. 15 DSGVO)", "Berichtigung (Art. 16 DSGVO)",
	  "Löschung (Art. 17 DSGVO)",
	  "Einschränkung der Verarbeitung (Art. 18 DSGVO)",
	  "Datenübertragbarkeit (Art. 20 DSGVO)",
	  "Widerspruch (Art. 21 DSGVO)",
	  "Widerruf einer Einwilligung mit Wirkung für die Zukunft "
	  "(Art. 7 Abs. 3 DSGVO)",
	  "Beschwerde bei einer Aufsichtsbehörde (Art. 77 DSGVO)", NULL},
	 {"access (Art. 15 GDPR)", "rectification (Art. 16 GDPR)",
	  "erasure (Art. 17 GDPR)",
	  "restriction of processing (Art. 18 GDPR)",
	  "data portability (Art. 20 GDPR)", "objection (Art. 21 GDPR)",
	  "withdrawal of consent for the future (Art. 7(3) GDPR)",
	  "complaint to a supervisory authority (Art. 77 GDPR)", NULL}},
};
enum { NDEFAULTS = sizeof defaults / sizeof defaults[0] };

static void statement_line(void *arg, const char *line)
{
	e_str(arg, NULL, line);
}

static void information_items(struct pv_exporter *x)
{
	const struct pv_node *p = pv_cfg_node(x->cfg, "processing");
	int de = strcmp(x->lang, "en") != 0;

	j_open(x, "information", 0);
	e_str(x, "language", de ? "de" : "en");
	for (int i = 0; i < NDEFAULTS; i++) {
		const struct deftext *d = &defaults[i];
		const struct pv_node *n = p ? pv_node_get(p, d->key) : NULL;
		const char *const *t = de ? d->de : d->en;

		if (n) {
			node(x, d->key, n);
			continue;
		}
		e_open(x, d->key, 1);
		if (strcmp(d->key, "retention") == 0)
			pv_policy_statement(x->pol, de, statement_line, x);
		for (; *t; t++)
			e_str(x, NULL, *t);
		e_close(x);
	}
	/* Items of the config that the defaults do not name (a "legal_basis"
	 * or "automated_decisions" statement) are shown too. */
	for (const struct pv_node *c = p ? p->child : NULL; c; c = c->next) {
		int known = 0;

		for (int i = 0; i < NDEFAULTS; i++)
			known |= strcmp(c->key, defaults[i].key) == 0;
		if (!known)
			node(x, c->key, c);
	}
	j_close(x);
}

/*
 * The information is the same in every document of a language: it is
 * rendered once (by the same writer code, so byte for byte the same) and
 * copied into each compact JSON document.  It is half of the document
 * of an average customer; the format keeps it in every document, each
 * document stands alone.
 */
static void information(struct pv_exporter *x)
{
	static const char pre[] = "{\"information\":";
	int de = strcmp(x->lang, "en") != 0;
	struct pv_buf *b = &x->info[de];
	struct pv_writer *w = x->w, *t;
	struct pv_err e = {0};
	char *mem = NULL;
	size_t n = 0;
	FILE *f;
	int ok;

	section(x, "information");
	if (x->csv) {
		information_items(x);
		return;
	}
	if (!b->len && (f = open_memstream(&mem, &n))) {
		t = pv_writer_new(f, PV_FMT_NDJSON, 0);
		x->w = t;
		pv_w_begin(t);
		information_items(x);
		pv_w_end(t);
		x->w = w;
		ok = pv_writer_finish(t, &e) == 0;
		ok = fclose(f) == 0 && ok;
		/* mem is {"information":{...}} and a newline */
		if (ok && n > sizeof pre + 1 &&
		    memcmp(mem, pre, sizeof pre - 1) == 0 &&
		    memcmp(mem + n - 2, "}\n", 2) == 0)
			pv_buf_add(b, mem + sizeof pre - 1,
				   n - (sizeof pre - 1) - 2);
		free(mem);
	}
	if (!b->len || !pv_w_compact(w, "information", b->s, b->len))
		information_items(x);
}

static void controller(struct pv_exporter *x)
{
	const struct pv_node *n = pv_cfg_node(x->cfg, "controller");

	section(x, "controller");
	if (n && n->type == PV_NODE_MAP) {
		if (!x->csv)
			node(x, "controller", n);
		else
			for (const struct pv_node *c = n->child; c; c = c->next)
				node(x, c->key, c);
	} else if (!x->csv) {
		pv_w_null(x->w, "controller");
	}
}

/* --- rows ------------------------------------------------------------ */

static const char *withheld_reason(const struct pv_exporter *x)
{
	if (strcmp(x->lang, "en") == 0)
		return "trade secret of the controller (Recital 63 GDPR)";
	return "Geschäftsgeheimnis des Verantwortlichen "
	       "(Erwägungsgrund 63 DSGVO)";
}

/* Columns first..last-1 of the current row of st. */
static void columns(struct pv_exporter *x, sqlite3_stmt *st, int t,
		    int first, int ncol)
{
	for (int i = first; i < ncol; i++) {
		const char *name = sqlite3_column_name(st, i);

		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			if (x->csv)
				csv_row(x, name, NULL);
			else
				pv_w_null(x->w, name);
			break;
		case SQLITE_INTEGER:
			if (t >= 0 && (x->secret[t] >> i & 1))
				goto withheld;
			e_int(x, name, sqlite3_column_int64(st, i));
			break;
		default:
			if (t >= 0 && (x->secret[t] >> i & 1))
				goto withheld;
			e_str(x, name, pv_col_text(st, i));
			break;
		withheld:
			e_open(x, name, 0);
			e_bool(x, "withheld", 1);
			e_str(x, "reason", withheld_reason(x));
			e_close(x);
			break;
		}
	}
}

static void row_begin(struct pv_exporter *x, const char *prefix,
		      long long id)
{
	if (x->csv) /* the record id is a CSV column only */
		snprintf(x->recid, sizeof x->recid, "%s%lld", prefix, id);
	x->depth = 0;
	unfield(x);
	j_open(x, NULL, 0);
}

/* The custom attributes of a customer (t T_CUST) or an appointment
 * (T_APPT), as an object "attributes" when there are any; the ones named
 * in trade_secrets withheld like a column. */
static int attributes(struct pv_exporter *x, int t, long long id,
		      struct pv_err *e)
{
	sqlite3_stmt *st = x->attr[t == T_APPT];
	int rc, n = 0;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!n++)
			e_open(x, "attributes", 0);
		const char *name = pv_col_text(st, 0);
		int secret = 0;

		for (int i = 0; i < x->nsecret_attr[t == T_APPT]; i++)
			secret |= !strcmp(x->secret_attr[t == T_APPT][i], name);
		if (!secret) {
			e_str(x, name, pv_col_text(st, 1));
			continue;
		}
		e_open(x, name, 0);
		e_bool(x, "withheld", 1);
		e_str(x, "reason", withheld_reason(x));
		e_close(x);
	}
	sqlite3_reset(st);
	if (n)
		e_close(x);
	if (rc != SQLITE_DONE)
		return pv_db_fail(x->db, e, "attributes");
	return PV_OK;
}

/* All rows of table t for the subject, as an array named key. */
static int rows(struct pv_exporter *x, int t, const char *key,
		struct pv_err *e)
{
	sqlite3_stmt *st = x->st[t];
	int ncol = sqlite3_column_count(st), rc, attrs = 0;

	/* One question for all of the customer's appointments, instead of
	 * one per appointment when most have no attributes (12 % of a
	 * location export's instructions, bench/RESULTS.md). */
	if (t == T_APPT) {
		sqlite3_stmt *q = x->appt_attr_any;

		sqlite3_bind_int64(q, 1, x->cid);
		rc = sqlite3_step(q);
		attrs = rc == SQLITE_ROW && sqlite3_column_int(q, 0);
		sqlite3_reset(q);
		if (rc != SQLITE_ROW)
			return pv_db_fail(x->db, e, "attributes");
	}
	section(x, key);
	j_open(x, key, 1);
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, x->cid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_begin(x, "", sqlite3_column_int64(st, 0));
		columns(x, st, t, 0, ncol);
		if (t == T_INV)
			e_bool(x, "retained", 0);
		if (attrs &&
		    attributes(x, t, sqlite3_column_int64(st, 0), e)) {
			sqlite3_reset(st);
			return e->status;
		}
		j_close(x);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(x->db, e, tnames[t]);
	if (t != T_INV)
		j_close(x);
	return PV_OK;
}

/* Rows kept under retention after an erasure (kind invoices, or the
 * others); the invoices array is still open when invoices is set. */
static int retained(struct pv_exporter *x, const char *ref, int invoices,
		    struct pv_err *e)
{
	sqlite3_stmt *st = x->ret;
	int rc;

	if (!invoices) {
		section(x, "retained");
		j_open(x, "retained", 1);
	}
	if (!st || !ref)
		goto done;
	sqlite3_reset(st);
	pv_bind_text(st, 1, ref);
	sqlite3_bind_int(st, 2, invoices);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_begin(x, "retained-", sqlite3_column_int64(st, 0));
		e_int(x, "id", sqlite3_column_int64(st, 0));
		if (invoices) {
			e_str(x, "number", pv_col_text(st, 2));
			e_str(x, "issued_on", pv_col_text(st, 3));
		} else {
			e_str(x, "kind", pv_col_text(st, 1));
			e_str(x, "record_key", pv_col_text(st, 2));
			e_str(x, "record_date", pv_col_text(st, 3));
		}
		e_raw(x, "data", pv_col_text(st, 4));
		e_bool(x, "retained", 1);
		e_str(x, "basis", pv_col_text(st, 5));
		e_str(x, "retain_until", pv_col_text(st, 6));
		e_str(x, "retained_at", pv_col_text(st, 7));
		j_close(x);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(x->db, e, "retained");
done:
	j_close(x);
	return PV_OK;
}

/* --- open, close ------------------------------------------------------ */

static int trade_secrets(struct pv_exporter *x, struct pv_err *e)
{
	const struct pv_node *n = pv_cfg_node(x->cfg, "trade_secrets");

	if (!n)
		return PV_OK;
	if (n->type != PV_NODE_SEQ)
		return pv_fail(e, PV_CONFIG, "%s: trade_secrets: not a list of "
			       "table.field", n->origin);
	for (const struct pv_node *c = n->child; c; c = c->next) {
		const char *v = c->value, *dot;
		int t, found = 0;

		if (c->type != PV_NODE_SCALAR || !(dot = strchr(v, '.')))
			return pv_fail(e, PV_CONFIG, "%s: trade_secrets: not "
				       "table.field: '%s'", c->origin,
				       c->type == PV_NODE_SCALAR ? v : "");
		for (t = 0; t < T_N; t++)
			if (strlen(tnames[t]) == (size_t)(dot - v) &&
			    strncmp(tnames[t], v, dot - v) == 0)
				break;
		/* a custom attribute: "customers.attributes.colour_formula" */
		if ((t == T_CUST || t == T_APPT) &&
		    strncmp(dot + 1, "attributes.", 11) == 0 &&
		    pv_attr_name_valid(dot + 12) &&
		    x->nsecret_attr[t == T_APPT] < 32) {
			x->secret_attr[t == T_APPT]
				      [x->nsecret_attr[t == T_APPT]++] = dot + 12;
			continue;
		}
		if (t < T_N && strcmp(dot + 1, "id") != 0 &&
		    strcmp(dot + 1, "location") != 0) {
			int ncol = sqlite3_column_count(x->st[t]);

			if (t == T_CUST)
				ncol -= 2; /* nor the location's name and
					    * language */
			for (int i = 0; i < ncol; i++) {
				if (strcmp(sqlite3_column_name(x->st[t], i),
					   dot + 1) == 0) {
					x->secret[t] |= 1ULL << i;
					found = 1;
				}
			}
		}
		if (!found)
			return pv_fail(e, PV_CONFIG, "%s: trade_secrets: no "
				       "such field (or one that cannot be "
				       "withheld): '%s'", c->origin, v);
	}
	return PV_OK;
}

int pv_exporter_open(sqlite3 *db, const struct pv_cfg *cfg,
		     const char *db_path, enum pv_fmt fmt,
		     struct pv_exporter **out, struct pv_err *e)
{
	struct pv_exporter *x = xcalloc(1, sizeof *x);
	const struct pv_node *p;
	int st;

	x->db = db;
	x->cfg = cfg;
	x->csv = fmt == PV_FMT_CSV;
	if ((st = pv_policy_load(cfg, &x->pol, e)))
		goto fail;
	/* A subject's rows lie scattered over the tables (appointments in
	 * the order they were booked): 8 MiB of page cache instead of 2
	 * hold a location's working set at size S and cut the re-reads of
	 * an export of many subjects by four (bench/RESULTS.md).  Allocated
	 * as pages are read: a single subject does not pay for it. */
	if ((st = pv_db_exec(db, "PRAGMA cache_size = -8192", e)))
		goto fail;
	for (int t = 0; t < T_N; t++)
		if (!(x->st[t] = pv_db_prepare(db, sql[t], e)))
			goto fail;
	if (!(x->ret = pv_db_prepare(db, ret_sql, e)))
		goto fail;
	if (!(x->attr[0] = pv_db_prepare(db, "SELECT name, value FROM "
					 "customer_attributes WHERE "
					 "customer_id = ?1 ORDER BY name", e)) ||
	    !(x->attr[1] = pv_db_prepare(db, "SELECT name, value FROM "
					 "appointment_attributes WHERE "
					 "appointment_id = ?1 ORDER BY name", e)) ||
	    !(x->appt_attr_any = pv_db_prepare(db, "SELECT EXISTS (SELECT 1 "
					 "FROM appointments a JOIN "
					 "appointment_attributes t ON "
					 "t.appointment_id = a.id WHERE "
					 "a.customer_id = ?1)", e)))
		goto fail;
	if ((st = trade_secrets(x, e)))
		goto fail;
	p = pv_cfg_node(cfg, "processing");
	if (p && p->type != PV_NODE_MAP) {
		pv_fail(e, PV_CONFIG, "%s: processing: not a map of purposes, "
			"categories, recipients, retention, source, rights",
			p->origin);
		goto fail;
	}
	p = pv_cfg_node(cfg, "controller");
	if (p && p->type != PV_NODE_MAP) {
		pv_fail(e, PV_CONFIG, "%s: controller: not a map of name, "
			"address, email, phone, dpo", p->origin);
		goto fail;
	}
	if (db_path && (st = pv_tomb_open(db_path, 0, &x->tomb, e)))
		goto fail;
	*out = x;
	return PV_OK;
fail:
	pv_exporter_close(x);
	return e->status;
}

void pv_exporter_close(struct pv_exporter *x)
{
	if (!x)
		return;
	for (int t = 0; t < T_N; t++)
		sqlite3_finalize(x->st[t]);
	sqlite3_finalize(x->ret);
	sqlite3_finalize(x->attr[0]);
	sqlite3_finalize(x->attr[1]);
	sqlite3_finalize(x->appt_attr_any);
	sqlite3_finalize(x->count_ret);
	pv_tomb_close(x->tomb);
	pv_policy_free(x->pol);
	pv_buf_free(&x->path);
	pv_buf_free(&x->val);
	pv_buf_free(&x->info[0]);
	pv_buf_free(&x->info[1]);
	free(x);
}

/* --- the document ----------------------------------------------------- */

static int subject_doc(struct pv_exporter *x, const struct pv_subject *s,
		       struct pv_writer *w, const struct pv_subject *more,
		       size_t nmore, int nested, struct pv_err *e);

/* The same person's documents at the controller's other locations
 * (more, nmore: pv_request_linked), after the request's own document:
 * nested in its "other_locations" in JSON, following it in the CSV long
 * form (whose rows carry each one's customer_id).  The exporter's state
 * of the outer document is kept. */
static int others(struct pv_exporter *x, const struct pv_subject *s,
		  const struct pv_subject *more, size_t nmore,
		  struct pv_err *e)
{
	struct pv_writer *w = x->w;
	const char *lang = x->lang;
	long long cid = x->cid;
	int rc = PV_OK;

	if (!x->csv)
		pv_w_arr(w, "other_locations");
	for (size_t i = 0; !rc && i < nmore; i++) {
		struct pv_subject o = more[i];

		o.request_id = s->request_id;
		rc = subject_doc(x, &o, w, NULL, 0, !x->csv, e);
	}
	if (!x->csv)
		pv_w_close(w);
	x->w = w;
	x->lang = lang;
	x->cid = cid;
	return rc;
}

/* The document; c is the customer statement on its row, or NULL for an
 * erased subject of whom only retained records are left.  nested: an
 * object inside the current record (other_locations), not a record. */
static int document(struct pv_exporter *x, const struct pv_subject *s,
		    sqlite3_stmt *c, const char *slug, const char *xid,
		    const char *ref, const struct pv_subject *more,
		    size_t nmore, int nested, struct pv_err *e)
{
	struct pv_writer *w = x->w;
	char now[PV_TIME_LEN];
	int rc, ncol = c ? sqlite3_column_count(c) : 0;

	pv_time_fmt(pv_now(), now);
	if (!x->csv && nested)
		pv_w_obj(w, NULL);
	else if (!x->csv)
		pv_w_begin(w);
	section(x, "document");
	e_str(x, "format", PV_EXPORT_FORMAT);
	e_str(x, "generated_at", now);
	section(x, "subject");
	j_open(x, "subject", 0);
	if (c)
		e_int(x, "customer_id", s->customer_id);
	else if (!x->csv)
		pv_w_null(w, "customer_id");
	e_str(x, "location", slug);
	/* the name a person knows the location by (J9: a document may
	 * cover several) */
	if (c)
		e_str(x, "location_name", pv_col_text(c, ncol - 2));
	e_str(x, "external_id", xid);
	if (s->request_id)
		e_int(x, "request_id", s->request_id);
	if (!c)
		e_bool(x, "erased", 1);
	j_close(x);
	controller(x);
	information(x);

	j_open(x, "data", 0);
	section(x, "customer");
	if (c) {
		snprintf(x->recid, sizeof x->recid, "%lld", s->customer_id);
		j_open(x, "customer", 0);
		columns(x, c, T_CUST, 0, ncol - 2);
		if ((rc = attributes(x, T_CUST, s->customer_id, e)))
			return rc;
		j_close(x);
	} else if (!x->csv) {
		pv_w_null(w, "customer");
	}
	/* An erased subject has no rows left in the tables (customer id 0
	 * matches none): only the retained records. */
	if ((rc = rows(x, T_APPT, "appointments", e)) ||
	    (rc = rows(x, T_INV, "invoices", e)) ||
	    (rc = retained(x, ref, 1, e)) ||
	    (rc = rows(x, T_CONS, "consents", e)) ||
	    (rc = rows(x, T_REQ, "requests", e)) ||
	    (rc = retained(x, ref, 0, e)))
		return rc;
	j_close(x);
	/* the customer statement is no longer read: the others may use it */
	if (nmore && !x->csv && (rc = others(x, s, more, nmore, e)))
		return rc;
	if (!x->csv && nested)
		pv_w_close(w);
	else if (!x->csv)
		pv_w_end(w);
	if (nmore && x->csv)
		return others(x, s, more, nmore, e);
	return PV_OK;
}

int pv_export_subject(struct pv_exporter *x, const struct pv_subject *s,
		      struct pv_writer *w, struct pv_err *e)
{
	struct pv_subject *more = NULL;
	size_t nmore = 0;
	int rc;

	/* From the second subject on, a stream of them (a location, a
	 * list): their rows lie all over the tables, and 32 MiB of page
	 * cache hold more of them (M, a location's 30,000 subjects: 296,736
	 * reads -> 66,571, peak 13 -> 39 MB; bench/RESULTS.md).  A single
	 * subject keeps the 8 MiB of pv_exporter_open. */
	if (++x->nsubjects == 2 &&
	    (rc = pv_db_exec(x->db, "PRAGMA cache_size = -32768", e)))
		return rc;
	/* a request by e-mail address covers the person at every location
	 * of the controller (J9) */
	if (s->request_id &&
	    (rc = pv_request_linked(x->db, s->request_id, &more, &nmore, e)))
		return rc;
	rc = subject_doc(x, s, w, more, nmore, 0, e);
	free(more);
	return rc;
}

static int subject_doc(struct pv_exporter *x, const struct pv_subject *s,
		       struct pv_writer *w, const struct pv_subject *more,
		       size_t nmore, int nested, struct pv_err *e)
{
	sqlite3_stmt *c = x->st[T_CUST];
	char lang[4], ref[65];
	const char *slug, *xid;
	int rc, have_ref;

	x->w = w;
	x->cid = s->customer_id;
	sqlite3_reset(c);
	sqlite3_bind_int64(c, 1, s->customer_id);
	rc = sqlite3_step(c);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(c);
		if (rc == SQLITE_DONE)
			return pv_fail(e, PV_NOINPUT, "no such customer: %lld",
				       s->customer_id);
		return pv_db_fail(x->db, e, "customers");
	}
	/* The customer statement stays on its row while the other tables
	 * are read; it is reset at the end. */
	snprintf(lang, sizeof lang, "%s",
		 pv_col_text(c, sqlite3_column_count(c) - 1));
	x->lang = lang;
	slug = pv_col_text(c, 1);
	xid = pv_col_text(c, 2);
	have_ref = pv_tomb_hash(x->tomb, "external_id", slug, xid, ref) == 0;
	rc = document(x, s, c, slug, xid, have_ref ? ref : NULL, more, nmore,
		      nested, e);
	sqlite3_reset(c);
	pv_wipe(ref, sizeof ref);
	x->w = NULL;
	return rc;
}

int pv_export_erased(struct pv_exporter *x, const char *slug,
		     const char *external_id, struct pv_writer *w,
		     long long *nretained, char tag[17], struct pv_err *e)
{
	struct pv_subject s = {0};
	char lang[4] = "de", ref[65];
	int rc;

	*nretained = 0;
	if (pv_tomb_hash(x->tomb, "external_id", slug, external_id, ref) != 0)
		return pv_fail(e, PV_NOINPUT, "no such customer with that "
			       "external id at '%s'", slug);
	if (!x->count_ret) {
		x->count_ret = pv_db_prepare(x->db, "SELECT count(*), "
			"(SELECT coalesce(s.language, 'de') FROM locations l "
			"LEFT JOIN settings s ON s.location_id = l.id "
			"WHERE l.slug = ?2) FROM retained r JOIN locations l "
			"ON l.id = r.location_id WHERE r.subject_ref = ?1 "
			"AND l.slug = ?2", e);
		if (!x->count_ret)
			return e->status;
	}
	sqlite3_reset(x->count_ret);
	pv_bind_text(x->count_ret, 1, ref);
	pv_bind_text(x->count_ret, 2, slug);
	if (sqlite3_step(x->count_ret) != SQLITE_ROW) {
		rc = pv_db_fail(x->db, e, "retained");
		sqlite3_reset(x->count_ret);
		return rc;
	}
	*nretained = sqlite3_column_int64(x->count_ret, 0);
	if (pv_col_text(x->count_ret, 1))
		snprintf(lang, sizeof lang, "%s",
			 pv_col_text(x->count_ret, 1));
	sqlite3_reset(x->count_ret);
	if (!*nretained) {
		pv_wipe(ref, sizeof ref);
		return pv_fail(e, PV_NOINPUT, "no such customer with that "
			       "external id at '%s'", slug);
	}
	if (tag)
		snprintf(tag, 17, "%.16s", ref);
	if (!w) {
		pv_wipe(ref, sizeof ref);
		return PV_OK;
	}
	x->w = w;
	x->cid = 0;
	x->lang = lang;
	rc = document(x, &s, NULL, slug, external_id, ref, NULL, 0, 0, e);
	pv_wipe(ref, sizeof ref);
	x->w = NULL;
	return rc;
}

int pv_export_audit(sqlite3 *wdb, const long long *ids, int n,
		    const char *dest, struct pv_err *e)
{
	struct pv_buf d = {0};
	char obj[48];
	int rc;

	if (n <= 0)
		return PV_OK;
	pv_buf_addf(&d, "{\"to\":\"%s\"", strcmp(dest, "file") == 0 ? "file" :
		    strcmp(dest, "outbox") == 0 ? "outbox" : "stdout");
	if (n == 1) {
		snprintf(obj, sizeof obj, "customer:%lld", ids[0]);
	} else {
		snprintf(obj, sizeof obj, "customers");
		pv_buf_addf(&d, ",\"count\":%d,\"customer_ids\":[", n);
		for (int i = 0; i < n; i++)
			pv_buf_addf(&d, "%s%lld", i ? "," : "", ids[i]);
		pv_buf_addc(&d, ']');
	}
	pv_buf_addc(&d, '}');
	rc = pv_audit(wdb, "customer.export", obj, d.s, e);
	pv_buf_free(&d);
	return rc;
}

int pv_export_audit_erased(sqlite3 *wdb, const char *slug,
			   long long nretained, const char *dest,
			   struct pv_err *e)
{
	char obj[96], detail[128];

	snprintf(obj, sizeof obj, "location:%s", slug);
	snprintf(detail, sizeof detail, "{\"to\":\"%s\",\"erased_subject\":"
		 "true,\"retained\":%lld}", strcmp(dest, "file") == 0 ?
		 "file" : "stdout", nretained);
	return pv_audit(wdb, "customer.export", obj, detail, e);
}

int pv_export_queue(sqlite3 *db, long long location_id, long long customer_id,
		    long long request_id, const char *rtype, const char *doc,
		    size_t len, long long *eid, struct pv_err *e)
{
	struct pv_buf f = {0};
	int rc;

	pv_buf_adds(&f, "{\"type\":");
	pv_json_quote(&f, rtype ? rtype : "access",
		      strlen(rtype ? rtype : "access"));
	pv_buf_adds(&f, ",\"format\":\"" PV_EXPORT_FORMAT "\",\""
		    PV_EXPORT_EVENT_DOC "\":");
	pv_buf_add(&f, doc, len);
	pv_buf_addc(&f, '}');
	rc = pv_event_add(db, PV_EXPORT_EVENT, location_id, customer_id,
			  request_id, "customer", f.s, eid, e);
	pv_wipe(f.s, f.len);
	pv_buf_free(&f);
	if (!rc)
		rc = pv_export_audit(db, &customer_id, 1, "outbox", e);
	return rc;
}

int pv_export_delivered(sqlite3 *db, long long eid, long long request_id,
			long long **told, size_t *ntold, struct pv_err *e)
{
	sqlite3_stmt *st;
	long long loc = 0, cust = 0;
	char type[32] = "", status[32] = "", *result, *fields;
	int rc;

	*told = NULL;
	*ntold = 0;
	if (!request_id)
		return PV_OK;
	st = pv_db_prepare(db, "SELECT location_id, customer_id, type, status "
			   "FROM requests WHERE id = ?", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, request_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		loc = sqlite3_column_int64(st, 0);
		cust = sqlite3_column_int64(st, 1);
		snprintf(type, sizeof type, "%s", pv_col_text(st, 2));
		snprintf(status, sizeof status, "%s", pv_col_text(st, 3));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return PV_OK; /* the request is gone: nothing to complete */
	if (rc != SQLITE_ROW)
		return pv_db_fail(db, e, "requests");
	if (strcmp(status, "completed") == 0 || strcmp(status, "rejected") == 0 ||
	    strcmp(status, "unverified") == 0)
		return PV_OK;
	result = pv_jsonf("{s:s,s:I}", "export", "delivered", "event_id",
			  (json_int_t)eid);
	/* The export has reached the person: whoever let it go out (request
	 * process after the code, staff with dsar-export) checked the
	 * identity then, so completing it needs no second check. */
	rc = pv_request_record_result(db, request_id, result,
				      PV_RESULT_COMPLETE |
				      PV_RESULT_UNCHECKED_OK, e);
	free(result);
	if (rc)
		return rc;
	fields = pv_jsonf("{s:s,s:s}", "type", type, "result",
			  "export delivered");
	*told = xcalloc(1, sizeof **told);
	rc = pv_event_add(db, "request.completed", loc, cust, request_id,
			  "business", fields, &(*told)[0], e);
	*ntold = !rc;
	/* the answer covered the person at the controller's other
	 * locations too (J9): each one's business hears of it */
	free(fields);
	fields = pv_jsonf("{s:s,s:s}", "type", type, "result",
			  "export delivered, this location's data included");
	if (!rc) {
		struct pv_subject *more = NULL;
		size_t n = 0;

		rc = pv_request_linked(db, request_id, &more, &n, e);
		for (size_t i = 0; !rc && i < n; i++) {
			size_t k;

			for (k = 0; k < i; k++)
				if (more[k].location_id == more[i].location_id)
					break;
			if (k < i || more[i].location_id == loc)
				continue;
			*told = xrealloc(*told, (*ntold + 1) * sizeof **told);
			rc = pv_event_add(db, "request.completed",
					  more[i].location_id,
					  more[i].customer_id, request_id,
					  "business", fields,
					  &(*told)[*ntold], e);
			*ntold += !rc;
		}
		free(more);
	}
	free(fields);
	return rc;
}
