#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "calendar.h"
#include "outbox.h"
#include "retention.h"

#define A(x) (1u << (x))

static const char *const cust_fields[] = {
	"external_id", "first_name", "last_name", "email", "phone",
	"birth_date", "street", "postal_code", "city", "country", "notes", NULL,
};
/* "attributes": the appointment's custom attributes (import mappings),
 * kept as one object */
static const char *const appt_fields[] = {
	"external_id", "starts_at", "service", "staff", "price_cents", "notes",
	"attributes", NULL,
};
static const char *const appt_personal[] = {"notes", NULL};
static const char *const inv_fields[] = {
	"number", "issued_on", "total_cents", "currency", "billing_name",
	"billing_address", NULL,
};
static const char *const inv_personal[] = {
	"billing_name", "billing_address", NULL,
};
static const char *const cons_fields[] = {
	"purpose", "event", "at", "source", "evidence_ip",
	"evidence_user_agent", "text_version", "text_id", "document",
	"campaign", NULL,
};

/* A person's consent ledger is kept as one: its period runs from the end
 * of the year of its last event (a withdrawal years after the grant keeps
 * the grant too: the proof is the pair).  The ledger has no location of
 * its own; it is the customer's (?1 of erase.c). */
#define CONS_LAST "(SELECT max(k2.at) FROM consents k2 WHERE " \
	"k2.customer_id = consents.customer_id)"
#define CONS_LOC "(SELECT c2.location_id FROM customers c2 WHERE " \
	"c2.id = consents.customer_id)"

/* Customers go last: the others point at them. */
static const struct pv_ret_table tables[] = {
	{"consents", CONS_LAST, "id", cons_fields, NULL,
	 A(PV_RET_DELETE) | A(PV_RET_RETAIN), CONS_LOC},
	{"appointments", "starts_at", "external_id", appt_fields,
	 appt_personal, A(PV_RET_DELETE) | A(PV_RET_ANONYMISE) | A(PV_RET_RETAIN),
	 NULL},
	{"invoices", "issued_on", "number", inv_fields, inv_personal,
	 A(PV_RET_DELETE) | A(PV_RET_ANONYMISE) | A(PV_RET_RETAIN), NULL},
	{"customers", "created_at", "external_id", cust_fields, NULL,
	 A(PV_RET_DELETE), NULL},
};
enum { NTABLES = sizeof tables / sizeof tables[0] };

static const char *const action_names[] = {"delete", "anonymise", "retain"};

const char *pv_ret_action_name(enum pv_ret_action a)
{
	return action_names[a];
}

static void set_default(struct pv_ret_rule *r, const struct pv_ret_table *t)
{
	memset(r, 0, sizeof *r);
	r->table = t;
	r->action = PV_RET_DELETE;
	if (strcmp(t->name, "invoices") == 0 ||
	    strcmp(t->name, "consents") == 0) {
		size_t n = 0;
		int inv = strcmp(t->name, "invoices") == 0;

		r->action = PV_RET_RETAIN;
		/* Consents: the business must prove them (Art. 7(1) GDPR)
		 * against claims (§ 7 UWG, § 823, § 1004 BGB) until those are
		 * time-barred: 3 years from the end of the year (§§ 195, 199
		 * BGB). */
		r->years = inv ? 8 : 3;
		/* an invoice of a customer who stays goes when its duty
		 * ends, as it would after an erasure */
		r->active_years = inv ? 8 : 0;
		r->basis = xstrdup(inv ? "§ 147 Abs. 3 AO, § 14b UStG" :
				   "§§ 195, 199 BGB; Nachweis der "
				   "Einwilligung, Art. 7 Abs. 1 DSGVO");
		while (t->fields[n])
			n++;
		r->fields = xcalloc(n + 1, sizeof *r->fields);
		memcpy(r->fields, t->fields, n * sizeof *r->fields);
	}
}

static void rule_clear(struct pv_ret_rule *r)
{
	free(r->basis);
	free(r->fields);
	free(r->active_clear);
	r->basis = NULL;
	r->fields = NULL;
	r->active_clear = NULL;
}

static const char *in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return *list;
	return NULL;
}

static int bad(struct pv_err *e, const struct pv_node *n, const char *table,
	       const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int bad(struct pv_err *e, const struct pv_node *n, const char *table,
	       const char *key, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	pv_fail(e, PV_CONFIG, "%s: retention.%s%s%s: %s",
		n->origin ? n->origin : "config", table, key ? "." : "",
		key ? key : "", why);
	/* Keys and values come from the file: a newline or an escape
	 * sequence in them must not split the message or drive the terminal
	 * (found by fuzz-retention). */
	for (char *p = e->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return PV_CONFIG;
}

/* active: {years: N, clear: [field, ...]} (see retention.h) */
static int parse_active(const struct pv_node *n, const struct pv_ret_table *t,
			struct pv_ret_rule *r, struct pv_err *e)
{
	const struct pv_node *k, *years = NULL, *clear = NULL, *f;
	size_t cnt = 0, i = 0;

	if (strcmp(t->name, "appointments") && strcmp(t->name, "invoices"))
		return bad(e, n, t->name, "active", "%s", "only for "
			   "appointments and invoices");
	if (n->type != PV_NODE_MAP)
		return bad(e, n, t->name, "active", "%s", "must be a map with "
			   "years (and clear)");
	for (k = n->child; k; k = k->next) {
		if (strcmp(k->key, "years") == 0)
			years = k;
		else if (strcmp(k->key, "clear") == 0)
			clear = k;
		else
			return bad(e, k, t->name, "active", "unknown key '%s' "
				   "(years, clear)", k->key);
	}
	if (!years || years->type != PV_NODE_SCALAR || !years->value ||
	    pv_parse_ll(years->value, &(long long){0}) != 0 ||
	    atoll(years->value) < 1 || atoll(years->value) > 100)
		return bad(e, years ? years : n, t->name, "active.years", "%s",
			   "must be a whole number from 1 to 100");
	r->active_years = atoi(years->value);
	if (!clear)
		return PV_OK;
	if (clear->type != PV_NODE_SEQ || !clear->child)
		return bad(e, clear, t->name, "active.clear", "%s", "must be a "
			   "list of personal fields");
	for (f = clear->child; f; f = f->next, cnt++)
		if (f->type != PV_NODE_SCALAR || !f->value ||
		    !in_list(t->personal, f->value))
			return bad(e, f, t->name, "active.clear", "not a "
				   "personal field of %s: '%s'", t->name,
				   f->type == PV_NODE_SCALAR && f->value ?
				   f->value : "?");
	r->active_clear = xcalloc(cnt + 1, sizeof *r->active_clear);
	for (f = clear->child; f; f = f->next)
		r->active_clear[i++] = in_list(t->personal, f->value);
	return PV_OK;
}

static int parse_rule(const struct pv_node *n, const struct pv_ret_table *t,
		      struct pv_ret_rule *r, struct pv_err *e)
{
	const struct pv_node *k, *act = NULL, *years = NULL, *basis = NULL,
			     *fields = NULL, *active = NULL;
	int a, st;

	if (n->type != PV_NODE_MAP)
		return bad(e, n, t->name, NULL, "%s", "must be a map with "
			   "action (and years, basis, fields for retain)");
	for (k = n->child; k; k = k->next) {
		if (strcmp(k->key, "action") == 0)
			act = k;
		else if (strcmp(k->key, "years") == 0)
			years = k;
		else if (strcmp(k->key, "basis") == 0)
			basis = k;
		else if (strcmp(k->key, "fields") == 0)
			fields = k;
		else if (strcmp(k->key, "active") == 0)
			active = k;
		else
			return bad(e, k, t->name, k->key, "unknown key '%s' "
				   "(action, years, basis, fields, active)",
				   k->key);
	}
	if (!act)
		return bad(e, n, t->name, "action", "%s", "missing");
	if (act->type != PV_NODE_SCALAR || !act->value)
		return bad(e, act, t->name, "action", "%s", "must be delete, "
			   "anonymise or retain");
	for (a = 0; a < 3; a++)
		if (strcmp(act->value, action_names[a]) == 0)
			break;
	if (a == 3)
		return bad(e, act, t->name, "action", "unknown action '%s' "
			   "(delete, anonymise, retain)", act->value);
	if (!(t->actions & A(a)))
		return bad(e, act, t->name, "action", "'%s' is not possible "
			   "for this table", act->value);
	memset(r, 0, sizeof *r);
	r->table = t;
	r->action = (enum pv_ret_action)a;
	if (active && (st = parse_active(active, t, r, e)))
		return st;
	if (a != PV_RET_RETAIN) {
		if (years || basis || fields)
			return bad(e, years ? years : basis ? basis : fields,
				   t->name, years ? "years" : basis ? "basis" :
				   "fields", "%s", "only for action retain");
		return PV_OK;
	}
	if (!years)
		return bad(e, n, t->name, "years", "%s", "missing (retain "
			   "needs years)");
	if (years->type != PV_NODE_SCALAR || !years->value ||
	    pv_parse_ll(years->value, &(long long){0}) != 0 ||
	    atoll(years->value) < 1 || atoll(years->value) > 100)
		return bad(e, years, t->name, "years", "%s", "must be a whole "
			   "number from 1 to 100");
	r->years = atoi(years->value);
	if (!basis || basis->type != PV_NODE_SCALAR || !basis->value ||
	    !*basis->value)
		return bad(e, basis ? basis : n, t->name, "basis", "%s",
			   "missing (retain needs the legal basis)");
	if (fields) {
		const struct pv_node *f;
		size_t cnt = 0, i = 0;

		if (fields->type != PV_NODE_SEQ || !fields->child)
			return bad(e, fields, t->name, "fields", "%s", "must "
				   "be a list of the fields to keep");
		for (f = fields->child; f; f = f->next) {
			const struct pv_node *g;

			if (f->type != PV_NODE_SCALAR || !f->value ||
			    !in_list(t->fields, f->value))
				return bad(e, f, t->name, "fields", "unknown "
					   "field '%s'", f->type ==
					   PV_NODE_SCALAR && f->value ?
					   f->value : "?");
			/* twice would be a duplicate key in the retained
			 * record's JSON (found by fuzz-retention) */
			for (g = fields->child; g != f; g = g->next)
				if (strcmp(g->value, f->value) == 0)
					return bad(e, f, t->name, "fields",
						   "field '%s' listed twice",
						   f->value);
			cnt++;
		}
		r->fields = xcalloc(cnt + 1, sizeof *r->fields);
		for (f = fields->child; f; f = f->next)
			r->fields[i++] = in_list(t->fields, f->value);
	} else {
		size_t cnt = 0;

		while (t->fields[cnt])
			cnt++;
		r->fields = xcalloc(cnt + 1, sizeof *r->fields);
		memcpy(r->fields, t->fields, cnt * sizeof *r->fields);
	}
	r->basis = xstrdup(basis->value);
	return PV_OK;
}

int pv_policy_load(const struct pv_cfg *c, struct pv_policy **out,
		   struct pv_err *e)
{
	const struct pv_node *root = c ? pv_cfg_node(c, "retention") : NULL;
	struct pv_policy *p = xcalloc(1, sizeof *p);
	const struct pv_node *n;
	int st;

	p->n = NTABLES;
	for (int i = 0; i < NTABLES; i++)
		set_default(&p->rule[i], &tables[i]);
	*out = NULL;
	if (root && root->type == PV_NODE_SCALAR && root->value &&
	    *root->value) {
		st = pv_fail(e, PV_CONFIG, "%s: retention: must be a map of "
			     "tables", root->origin ? root->origin : "config");
		goto fail;
	}
	for (n = root && root->type == PV_NODE_MAP ? root->child : NULL; n;
	     n = n->next) {
		int i;

		for (i = 0; i < NTABLES; i++)
			if (strcmp(n->key, tables[i].name) == 0)
				break;
		if (i == NTABLES) {
			st = bad(e, n, n->key, NULL, "unknown table '%s' "
				 "(customers, appointments, invoices, "
				 "consents)", n->key);
			goto fail;
		}
		rule_clear(&p->rule[i]);
		if ((st = parse_rule(n, &tables[i], &p->rule[i], e)))
			goto fail;
	}
	*out = p;
	return PV_OK;
fail:
	pv_policy_free(p);
	return st;
}

void pv_policy_free(struct pv_policy *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		rule_clear(&p->rule[i]);
	free(p);
}

int pv_ret_until(const char *date, int years, const char *tz, char out[11])
{
	int y, m, d;
	char day[11];
	time_t t;

	if (!date || strlen(date) < 10)
		return -1;
	if (strlen(date) > 10) {
		/* a time: its year where the record was made */
		if (pv_time_parse(date, &t) != 0)
			return -1;
		pv_civil_from_days(pv_cal_local_date(t, tz ? tz : "UTC"), &y,
				   &m, &d);
	} else {
		memcpy(day, date, 10);
		day[10] = '\0';
		if (pv_date_parse(day, &y, &m, &d) != 0)
			return -1;
	}
	snprintf(out, 11, "%04u-12-31", (unsigned)(y + years) % 10000u);
	return 0;
}

void pv_ret_today(const char *tz, char out[11])
{
	char buf[PV_TIME_LEN];

	pv_date_fmt(pv_cal_local_date(pv_now(), tz ? tz : "UTC"), buf);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

/* pv_until(date, years, tz): the end of retention, NULL for a bad date */
static void sql_until(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	const char *d = (const char *)sqlite3_value_text(v[0]);
	const char *tz = (const char *)sqlite3_value_text(v[2]);
	char out[11];

	(void)argc;
	if (pv_ret_until(d, sqlite3_value_int(v[1]), tz, out) != 0)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

/* pv_today(tz): today's date in that zone (pv_now) */
static void sql_today(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	char out[11];

	(void)argc;
	pv_ret_today((const char *)sqlite3_value_text(v[0]), out);
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

int pv_ret_sql_functions(sqlite3 *db, struct pv_err *e)
{
	/* not DETERMINISTIC: pv_today reads the clock */
	if (sqlite3_create_function_v2(db, "pv_until", 3, SQLITE_UTF8 |
				       SQLITE_DETERMINISTIC, NULL, sql_until,
				       NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(db, "pv_today", 1, SQLITE_UTF8, NULL,
				       sql_today, NULL, NULL, NULL) !=
		    SQLITE_OK)
		return pv_db_fail(db, e, "retention");
	return PV_OK;
}

int pv_retained_write(sqlite3 *db, int expired_only, struct pv_writer *w,
		      struct pv_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = pv_ret_sql_functions(db, e)))
		return rc;
	st = pv_db_prepare(db, "SELECT r.id, l.slug, r.kind, r.record_key, "
			   "r.record_date, r.retain_until, r.basis, "
			   "r.request_id, r.created_at, r.data FROM retained r "
			   "JOIN locations l ON l.id = r.location_id WHERE ?1 "
			   "= 0 OR r.retain_until < pv_today(l.timezone) ORDER "
			   "BY r.retain_until, r.id", e);
	if (!st)
		return e->status;
	sqlite3_bind_int(st, 1, expired_only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pv_w_begin(w);
		pv_w_int(w, "id", sqlite3_column_int64(st, 0));
		pv_w_str(w, "location", pv_col_text(st, 1));
		pv_w_str(w, "kind", pv_col_text(st, 2));
		pv_w_str(w, "record_key", pv_col_text(st, 3));
		pv_w_str(w, "record_date", pv_col_text(st, 4));
		pv_w_str(w, "retain_until", pv_col_text(st, 5));
		pv_w_str(w, "basis", pv_col_text(st, 6));
		if (sqlite3_column_type(st, 7) == SQLITE_NULL)
			pv_w_null(w, "request_id");
		else
			pv_w_int(w, "request_id", sqlite3_column_int64(st, 7));
		pv_w_str(w, "created_at", pv_col_text(st, 8));
		pv_w_raw(w, "data", pv_col_text(st, 9));
		pv_w_end(w);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "retained");
	return PV_OK;
}

/* The WHERE of a table's live records past their active period (not
 * held, of a customer), over t joined with locations l. */
static void active_where(struct pv_buf *b, const struct pv_ret_rule *r)
{
	pv_buf_addf(b, "t.customer_id IS NOT NULL AND t.hold_reason IS NULL "
		    "AND pv_until(t.%s, %d, l.timezone) < pv_today(l.timezone)",
		    r->table->date_col, r->active_years);
	if (r->active_clear) {
		pv_buf_adds(b, " AND (");
		for (int i = 0; r->active_clear[i]; i++)
			pv_buf_addf(b, "%st.%s IS NOT NULL", i ? " OR " : "",
				    r->active_clear[i]);
		pv_buf_adds(b, ")");
	}
}

/* Storage limitation for the living: one rule's expired live records,
 * reported, then deleted or cleared.  Table and column names come from
 * the fixed tables above, never from input. */
static int purge_active(sqlite3 *db, const struct pv_ret_rule *r,
			int dry_run, struct pv_writer *w, long long *n,
			struct pv_err *e)
{
	struct pv_buf b = {0};
	sqlite3_stmt *st = NULL;
	const char *name = r->table->name;
	int rc;

	*n = 0;
	pv_buf_addf(&b, "SELECT t.id, l.slug, CAST(t.%s AS TEXT), "
		    "pv_until(t.%s, %d, l.timezone) FROM %s t JOIN locations l "
		    "ON l.id = t.location_id WHERE ", r->table->key_col,
		    r->table->date_col, r->active_years, name);
	active_where(&b, r);
	pv_buf_adds(&b, " ORDER BY t.id");
	if (!(st = pv_db_prepare(db, b.s, e)))
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pv_w_begin(w);
		pv_w_int(w, "id", sqlite3_column_int64(st, 0));
		pv_w_str(w, "location", pv_col_text(st, 1));
		pv_w_str(w, "kind", name);
		pv_w_str(w, "record_key", pv_col_text(st, 2));
		pv_w_str(w, "retain_until", pv_col_text(st, 3));
		pv_w_str(w, "status", dry_run ? "expired" : r->active_clear ?
			 "cleared" : "deleted");
		pv_w_end(w);
		(*n)++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE) {
		pv_db_fail(db, e, name);
		goto fail;
	}
	if (dry_run || !*n) {
		pv_buf_free(&b);
		return PV_OK;
	}
	pv_buf_reset(&b);
	if (r->active_clear) {
		pv_buf_addf(&b, "UPDATE %s SET ", name);
		for (int i = 0; r->active_clear[i]; i++)
			pv_buf_addf(&b, "%s%s = NULL", i ? ", " : "",
				    r->active_clear[i]);
	} else {
		pv_buf_addf(&b, "DELETE FROM %s", name);
	}
	pv_buf_addf(&b, " WHERE id IN (SELECT t.id FROM %s t JOIN locations l "
		    "ON l.id = t.location_id WHERE ", name);
	active_where(&b, r);
	pv_buf_adds(&b, ")");
	if (!(st = pv_db_prepare(db, b.s, e)))
		goto fail;
	if (sqlite3_step(st) != SQLITE_DONE) {
		pv_db_fail(db, e, name);
		goto fail;
	}
	sqlite3_finalize(st);
	pv_buf_free(&b);
	return PV_OK;
fail:
	sqlite3_finalize(st);
	pv_buf_free(&b);
	return e->status;
}

/* The purge's events: one per location ("retention.purged", for the
 * business) with the list of its records whose period ended, so that
 * copies in its other systems can go too; only where the business has an
 * address (notify-email or -webhook): the list stays in the outbox until
 * it is delivered, and then it is scrubbed. */
struct purge_ev {
	long long *loc, *id;
	size_t n;
};

static int purge_events(sqlite3 *db, struct purge_ev *ev, struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, "SELECT r.location_id, "
		"json_object('count', CAST(count(*) AS TEXT), 'records', "
		"json_group_array(json_object('kind', r.kind, 'record_key', "
		"r.record_key, 'record_date', r.record_date, 'retain_until', "
		"r.retain_until, 'basis', r.basis))) FROM retained r JOIN "
		"locations l ON l.id = r.location_id JOIN settings s ON "
		"s.location_id = r.location_id WHERE r.retain_until < "
		"pv_today(l.timezone) AND r.hold_reason IS NULL AND "
		"(s.notify_email IS NOT NULL OR s.notify_webhook IS NOT NULL) "
		"GROUP BY r.location_id ORDER BY r.location_id", e);
	int rc, st2 = PV_OK;

	if (!st)
		return e->status;
	while (!st2 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id;

		st2 = pv_event_add(db, "retention.purged",
				   sqlite3_column_int64(st, 0), 0, 0,
				   "business", pv_col_text(st, 1), &id, e);
		if (st2)
			break;
		ev->loc = xrealloc(ev->loc, (ev->n + 1) * sizeof *ev->loc);
		ev->id = xrealloc(ev->id, (ev->n + 1) * sizeof *ev->id);
		ev->loc[ev->n] = sqlite3_column_int64(st, 0);
		ev->id[ev->n++] = id;
	}
	sqlite3_finalize(st);
	if (!st2 && rc != SQLITE_DONE)
		st2 = pv_db_fail(db, e, "retained");
	return st2;
}

int pv_retained_purge(sqlite3 *db, const struct pv_policy *p, int dry_run,
		      struct pv_writer *w, long long *count, struct pv_err *e)
{
	struct purge_ev ev = {0};
	sqlite3_stmt *sel = NULL, *del = NULL, *sum = NULL;
	long long n = 0;
	char *detail = NULL, now[11];
	struct pv_buf act = {0};
	int st, rc;

	*count = 0;
	/* each location's own today (German legal time: an invoice kept
	 * until 31 December goes at midnight in Berlin, not at 01:00) */
	pv_ret_today(NULL, now);
	if ((st = pv_ret_sql_functions(db, e)))
		return st;
	if (!dry_run && (st = pv_db_begin(db, e)))
		return st;
	if (!dry_run && (st = purge_events(db, &ev, e)))
		goto fail;
	sel = pv_db_prepare(db, "SELECT r.id, l.slug, r.kind, r.record_key, "
			    "r.retain_until, r.location_id FROM retained r "
			    "JOIN locations l "
			    "ON l.id = r.location_id WHERE r.retain_until < "
			    "pv_today(l.timezone) AND r.hold_reason IS NULL "
			    "ORDER BY r.retain_until, r.id", e);
	if (!sel) {
		st = e->status;
		goto fail;
	}
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		pv_w_begin(w);
		pv_w_int(w, "id", sqlite3_column_int64(sel, 0));
		pv_w_str(w, "location", pv_col_text(sel, 1));
		pv_w_str(w, "kind", pv_col_text(sel, 2));
		pv_w_str(w, "record_key", pv_col_text(sel, 3));
		pv_w_str(w, "retain_until", pv_col_text(sel, 4));
		pv_w_str(w, "status", dry_run ? "expired" : "purged");
		/* notify reads it: `dsar-erase --purge-expired | notify` */
		for (size_t k = 0; k < ev.n; k++)
			if (ev.loc[k] == sqlite3_column_int64(sel, 5)) {
				pv_w_arr(w, "events");
				pv_w_int(w, NULL, ev.id[k]);
				pv_w_close(w);
			}
		pv_w_end(w);
		n++;
	}
	if (rc != SQLITE_DONE) {
		st = pv_db_fail(db, e, "retained");
		goto fail;
	}
	*count = n;
	if (n && !dry_run) {
		sum = pv_db_prepare(db, "SELECT json_object('before', ?1, "
				    "'purged', json_group_object(kind, n)) FROM "
				    "(SELECT kind, count(*) AS n FROM retained r "
				    "JOIN locations l ON l.id = r.location_id "
				    "WHERE r.retain_until < pv_today(l.timezone) "
				    "AND r.hold_reason IS NULL GROUP BY kind "
				    "ORDER BY kind)", e);
		if (!sum) {
			st = e->status;
			goto fail;
		}
		pv_bind_text(sum, 1, now);
		if (sqlite3_step(sum) != SQLITE_ROW) {
			st = pv_db_fail(db, e, "retained");
			goto fail;
		}
		detail = xstrdup(pv_col_text(sum, 0));
		del = pv_db_prepare(db, "DELETE FROM retained WHERE "
				    "hold_reason IS NULL AND retain_until < "
				    "(SELECT pv_today(timezone) FROM locations "
				    "WHERE id = retained.location_id)", e);
		if (!del) {
			st = e->status;
			goto fail;
		}
		if (sqlite3_step(del) != SQLITE_DONE) {
			st = pv_db_fail(db, e, "retained");
			goto fail;
		}
		if ((st = pv_audit(db, "retention.purge", "retained", detail,
				   e)))
			goto fail;
	}
	/* the records of customers who stay */
	for (int i = 0; p && i < p->n; i++) {
		long long k = 0;

		if (!p->rule[i].active_years)
			continue;
		if ((st = purge_active(db, &p->rule[i], dry_run, w, &k, e)))
			goto fail;
		if (k)
			pv_buf_addf(&act, "%s\"%s\":%lld", act.len ? "," : "{",
				    p->rule[i].table->name, k);
		*count += k;
	}
	if (act.len && !dry_run) {
		pv_buf_addc(&act, '}');
		if ((st = pv_audit(db, "retention.purge-active", NULL, act.s,
				   e)))
			goto fail;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(sum);
	sqlite3_finalize(del);
	free(detail);
	pv_buf_free(&act);
	free(ev.loc);
	free(ev.id);
	if (dry_run)
		return PV_OK;
	if (!*count) {
		pv_db_rollback(db);
		return PV_OK;
	}
	return pv_db_commit(db, e);
fail:
	sqlite3_finalize(sel);
	sqlite3_finalize(sum);
	sqlite3_finalize(del);
	free(detail);
	pv_buf_free(&act);
	free(ev.loc);
	free(ev.id);
	if (!dry_run)
		pv_db_rollback(db);
	return st;
}

int pv_retention_active_expired(sqlite3 *db, const struct pv_policy *p,
				long long location_id, long long *count,
				char oldest[11], struct pv_err *e)
{
	int st;

	*count = 0;
	oldest[0] = '\0';
	if ((st = pv_ret_sql_functions(db, e)))
		return st;
	for (int i = 0; p && i < p->n; i++) {
		const struct pv_ret_rule *r = &p->rule[i];
		struct pv_buf b = {0};
		sqlite3_stmt *q;
		int rc;

		if (!r->active_years)
			continue;
		pv_buf_addf(&b, "SELECT count(*), min(pv_until(t.%s, %d, "
			    "l.timezone)) FROM %s t JOIN locations l ON l.id = "
			    "t.location_id WHERE (?1 = 0 OR t.location_id = ?1) "
			    "AND ", r->table->date_col, r->active_years,
			    r->table->name);
		active_where(&b, r);
		q = pv_db_prepare(db, b.s, e);
		pv_buf_free(&b);
		if (!q)
			return e->status;
		sqlite3_bind_int64(q, 1, location_id);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			const char *m = pv_col_text(q, 1);

			*count += sqlite3_column_int64(q, 0);
			if (m && (!oldest[0] || strcmp(m, oldest) < 0))
				snprintf(oldest, 11, "%s", m);
		}
		sqlite3_finalize(q);
		if (rc != SQLITE_ROW)
			return pv_db_fail(db, e, r->table->name);
	}
	return PV_OK;
}

const struct pv_ret_rule *pv_ret_active_rule(const struct pv_policy *p,
					     const char *table)
{
	for (int i = 0; p && i < p->n; i++)
		if (p->rule[i].active_years &&
		    strcmp(p->rule[i].table->name, table) == 0)
			return &p->rule[i];
	return NULL;
}

int pv_retention_hold(sqlite3 *db, const char *kind, long long location_id,
		      const char *key, const char *reason, int dry_run,
		      int *changed, struct pv_err *e)
{
	const char *col;
	char sql[256], obj[300];
	sqlite3_stmt *st = NULL;
	long long found = 0, ch = 0;
	int s;

	*changed = 0;
	if (strcmp(kind, "invoices") == 0)
		col = "number";
	else if (strcmp(kind, "appointments") == 0)
		col = "external_id";
	else
		return pv_fail(e, PV_USAGE, "unknown kind '%s' (invoices, "
			       "appointments)", kind);
	if (reason && !*reason)
		return pv_fail(e, PV_USAGE, "--reason: must not be empty");
	if ((s = pv_db_begin(db, e)))
		return s;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0)
			snprintf(sql, sizeof sql, "UPDATE %s SET hold_reason = ?3 "
				 "WHERE location_id = ?1 AND %s = ?2 AND "
				 "hold_reason IS NOT ?3", kind, col);
		else
			snprintf(sql, sizeof sql, "UPDATE retained SET "
				 "hold_reason = ?3 WHERE location_id = ?1 AND "
				 "kind = '%s' AND record_key = ?2 AND "
				 "hold_reason IS NOT ?3", kind);
		if (!(st = pv_db_prepare(db, sql, e)))
			goto fail;
		sqlite3_bind_int64(st, 1, location_id);
		pv_bind_text(st, 2, key);
		pv_bind_text(st, 3, reason);
		if (sqlite3_step(st) != SQLITE_DONE) {
			pv_db_fail(db, e, kind);
			goto fail;
		}
		ch += sqlite3_changes(db);
		sqlite3_finalize(st);
		if (pass == 0)
			snprintf(sql, sizeof sql, "SELECT count(*) FROM %s "
				 "WHERE location_id = ?1 AND %s = ?2", kind,
				 col);
		else
			snprintf(sql, sizeof sql, "SELECT count(*) FROM "
				 "retained WHERE location_id = ?1 AND kind = "
				 "'%s' AND record_key = ?2", kind);
		if (!(st = pv_db_prepare(db, sql, e)))
			goto fail;
		sqlite3_bind_int64(st, 1, location_id);
		pv_bind_text(st, 2, key);
		if (sqlite3_step(st) == SQLITE_ROW)
			found += sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
	}
	if (!found) {
		pv_fail(e, PV_NOINPUT, "no such record: %s '%s'", kind, key);
		goto fail;
	}
	if (ch) {
		/* kind and key (an invoice number, a booking id) name no
		 * person; the reason may, and stays in the record */
		snprintf(obj, sizeof obj, "%s:%s", kind, key);
		if (pv_audit(db, reason ? "retention.hold" : "retention.release",
			     obj, NULL, e))
			goto fail;
	}
	*changed = ch > 0;
	if (dry_run) {
		pv_db_rollback(db);
		return PV_OK;
	}
	return pv_db_commit(db, e);
fail:
	sqlite3_finalize(st);
	pv_db_rollback(db);
	return e->status;
}

int pv_customer_hold(sqlite3 *db, long long customer_id, const char *reason,
		     int dry_run, int *changed, struct pv_err *e)
{
	sqlite3_stmt *st;
	char obj[64], at[PV_TIME_LEN];
	char *old = NULL;
	int rc, s;

	*changed = 0;
	if (reason && !*reason)
		return pv_fail(e, PV_USAGE, "--reason: must not be empty");
	if (!dry_run && (s = pv_db_begin(db, e)))
		return s;
	st = pv_db_prepare(db, "SELECT legal_hold FROM customers WHERE id = ?",
			   e);
	if (!st) {
		s = e->status;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, customer_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && pv_col_text(st, 0))
		old = xstrdup(pv_col_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		s = pv_fail(e, PV_NOINPUT, "no such customer: %lld",
			    customer_id);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		s = pv_db_fail(db, e, "customers");
		goto fail;
	}
	if ((!reason && !old) || (reason && old && strcmp(reason, old) == 0)) {
		free(old);
		pv_db_rollback(db);
		return PV_OK;
	}
	free(old);
	old = NULL;
	*changed = 1;
	if (dry_run)
		return PV_OK;
	st = pv_db_prepare(db, "UPDATE customers SET legal_hold = ?, "
			   "updated_at = ? WHERE id = ?", e);
	if (!st) {
		s = e->status;
		goto fail;
	}
	pv_bind_text(st, 1, reason);
	pv_bind_text(st, 2, pv_time_fmt(pv_now(), at));
	sqlite3_bind_int64(st, 3, customer_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		s = pv_db_fail(db, e, "customers");
		goto fail;
	}
	snprintf(obj, sizeof obj, "customer:%lld", customer_id);
	if ((s = pv_audit(db, reason ? "customer.hold" : "customer.unhold",
			  obj, NULL, e)))
		goto fail;
	return pv_db_commit(db, e);
fail:
	free(old);
	pv_db_rollback(db);
	return s;
}

/* The words of the Art. 15 statement per table: what, and the date its
 * period counts from. */
static const struct {
	const char *table, *de, *en, *from_de, *from_en;
} words[] = {
	{"consents", "Einwilligungen und ihre Nachweise (Erteilung, Widerruf, "
	 "Belege)", "consents and their evidence (grants, withdrawals, proof)",
	 "ihres letzten Ereignisses", "of their last event"},
	{"appointments", "Termine", "appointments", "des Termins",
	 "of the appointment"},
	{"invoices", "Rechnungen", "invoices", "der Rechnung",
	 "of the invoice"},
	{"customers", "Stamm- und Kontaktdaten", "master and contact data",
	 "", ""},
};

void pv_policy_statement(const struct pv_policy *p, int de,
			 void (*fn)(void *arg, const char *line), void *arg)
{
	for (int i = 0; i < p->n; i++) {
		const struct pv_ret_rule *r = &p->rule[i];
		const char *what = r->table->name, *from = "";
		char *line;

		for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
			if (strcmp(words[k].table, r->table->name) == 0) {
				what = de ? words[k].de : words[k].en;
				from = de ? words[k].from_de : words[k].from_en;
			}
		switch (r->action) {
		case PV_RET_RETAIN:
			line = de ? xasprintf("%s: bis Sie die Löschung "
					      "verlangen; danach %d %s ab Ende "
					      "des Kalenderjahres %s "
					      "aufbewahrt (%s), in dieser Zeit "
					      "eingeschränkt (Art. 18 DSGVO)",
					      what, r->years, r->years == 1 ?
					      "Jahr" : "Jahre", from, r->basis)
				  : xasprintf("%s: until you ask for erasure; "
					      "then kept for %d year%s from the "
					      "end of the calendar year %s (%s), "
					      "restricted during that time "
					      "(Art. 18 GDPR)", what, r->years,
					      r->years == 1 ? "" : "s", from,
					      r->basis);
			break;
		case PV_RET_ANONYMISE:
			line = de ? xasprintf("%s: bis Sie die Löschung "
					      "verlangen; danach nur ohne "
					      "Bezug zu Ihrer Person", what)
				  : xasprintf("%s: until you ask for erasure; "
					      "then only without anything that "
					      "identifies you", what);
			break;
		default:
			line = de ? xasprintf("%s: bis Sie die Löschung "
					      "verlangen oder der Zweck "
					      "entfällt", what)
				  : xasprintf("%s: until you ask for erasure "
					      "or the purpose ends", what);
			break;
		}
		fn(arg, line);
		free(line);
	}
}
