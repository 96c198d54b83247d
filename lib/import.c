/*
 * import.c - the booking system's data in, one transaction, streaming.
 *
 * Each kind is a table of fields; a row's values are checked, then looked
 * up by their key through a UNIQUE index and compared column by column,
 * so that only real changes are written.  Every statement is prepared
 * once and reused for all rows.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "dialect.h"
#include "import.h"
#include "json.h"
#include "location.h"
#include "mapping.h"
#include "progress.h"
#include "tombstone.h"

enum ftype {
	F_TEXT,   /* any UTF-8 (the reader checked it) */
	F_LINE,   /* no control characters */
	F_EMAIL,
	F_DATE,   /* YYYY-MM-DD, stored as given */
	F_TIME,   /* RFC 3339, stored in UTC */
	F_TIME_OR_DATE,
	F_CENTS,  /* whole number >= 0 */
	F_AMOUNT, /* whole number, may be negative (credit notes) */
	F_YESNO,
	F_CURRENCY,
	F_PURPOSE,
	F_EVENT,
	F_SOURCE,
	F_IP,
	F_LOCATION,
};

struct field {
	const char *name;
	enum ftype type;
	int required;
};

enum { MAXF = 16 };

struct kind {
	const char *name;
	const struct field *fields;
	const char *key;      /* the field that is the key within a location */
	int has_customer_ref; /* customer_external_id */
};

static const struct field customer_fields[] = {
	{"external_id", F_LINE, 1}, {"location", F_LOCATION, 0},
	{"first_name", F_TEXT, 0},  {"last_name", F_TEXT, 0},
	{"email", F_EMAIL, 0},      {"phone", F_LINE, 0},
	{"birth_date", F_DATE, 0},  {"street", F_TEXT, 0},
	{"postal_code", F_LINE, 0}, {"city", F_TEXT, 0},
	{"country", F_LINE, 0},     {"notes", F_TEXT, 0},
	{"marketing_email", F_YESNO, 0},
	{"marketing_opt_in_at", F_TIME_OR_DATE, 0},
	{"marketing_source", F_SOURCE, 0},
	/* the booking system's "customer since": inactive cleanup never
	 * selects a customer younger than its period */
	{"customer_since", F_DATE, 0},
	{NULL, 0, 0},
};
/* indexes into customer_fields */
enum { C_XID, C_LOC, C_FIRST, C_LAST, C_EMAIL, C_PHONE, C_BIRTH, C_STREET,
       C_POSTAL, C_CITY, C_COUNTRY, C_NOTES, C_MKT, C_MKT_AT, C_MKT_SRC,
       C_SINCE };

static const struct field appointment_fields[] = {
	{"external_id", F_LINE, 1}, {"location", F_LOCATION, 0},
	{"customer_external_id", F_LINE, 1}, {"starts_at", F_TIME, 1},
	{"service", F_TEXT, 0},     {"staff", F_TEXT, 0},
	{"price_cents", F_CENTS, 0}, {"notes", F_TEXT, 0},
	{NULL, 0, 0},
};
static const struct field invoice_fields[] = {
	{"number", F_LINE, 1},      {"location", F_LOCATION, 0},
	{"customer_external_id", F_LINE, 1}, {"issued_on", F_DATE, 1},
	{"total_cents", F_AMOUNT, 1}, {"currency", F_CURRENCY, 0},
	{"billing_name", F_TEXT, 0}, {"billing_address", F_TEXT, 0},
	{NULL, 0, 0},
};
static const struct field consent_fields[] = {
	{"customer_external_id", F_LINE, 1}, {"location", F_LOCATION, 0},
	{"purpose", F_PURPOSE, 1},  {"event", F_EVENT, 1},
	{"at", F_TIME_OR_DATE, 1},  {"source", F_SOURCE, 1},
	{"evidence_ip", F_IP, 0},   {"evidence_user_agent", F_LINE, 0},
	{"text_version", F_LINE, 0}, {"document", F_LINE, 0},
	{NULL, 0, 0},
};
enum { K_XID, K_LOC, K_PURPOSE, K_EVENT, K_AT, K_SOURCE, K_IP, K_UA, K_TV,
       K_DOC };

static const struct kind kinds[] = {
	[PV_IMPORT_CUSTOMERS] = {"customers", customer_fields, "external_id", 0},
	[PV_IMPORT_APPOINTMENTS] = {"appointments", appointment_fields,
				    "external_id", 1},
	[PV_IMPORT_INVOICES] = {"invoices", invoice_fields, "number", 1},
	[PV_IMPORT_CONSENTS] = {"consents", consent_fields, NULL, 1},
};

const char *pv_import_kind_name(enum pv_import_kind k)
{
	return kinds[k].name;
}

static int field_index(const struct field *f, const char *name);

int pv_import_field_known(enum pv_import_kind k, const char *name)
{
	return field_index(kinds[k].fields, name) >= 0;
}

/* A set of strings (keys seen in this input), open addressing; the hash
 * is kept beside the string so that probing and growing touch only the
 * table, not the strings. */
struct slot {
	uint64_t h;
	char *s;
	long long v; /* a value kept with the key (customer ids) */
};

struct strset {
	struct slot *slot;
	size_t cap, n;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* The slot of the key, added (*added = 1, v 0) when it was new. */
static struct slot *strset_put(struct strset *set, const char *k, size_t n,
			       int *added)
{
	uint64_t h = fnv(k, n);
	size_t i;

	if ((set->n + 1) * 2 > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 1024;
		struct slot *big = xcalloc(cap, sizeof *big);

		for (i = 0; i < set->cap; i++) {
			size_t j;

			if (!set->slot[i].s)
				continue;
			j = set->slot[i].h & (cap - 1);
			while (big[j].s)
				j = (j + 1) & (cap - 1);
			big[j] = set->slot[i];
		}
		free(set->slot);
		set->slot = big;
		set->cap = cap;
	}
	i = h & (set->cap - 1);
	for (; set->slot[i].s; i = (i + 1) & (set->cap - 1))
		if (set->slot[i].h == h && strncmp(set->slot[i].s, k, n) == 0 &&
		    set->slot[i].s[n] == '\0') {
			*added = 0;
			return &set->slot[i];
		}
	set->slot[i].h = h;
	set->slot[i].s = xstrndup(k, n);
	set->slot[i].v = 0;
	set->n++;
	*added = 1;
	return &set->slot[i];
}

/* 1 when the key was new (and is now in the set), 0 when seen before. */
static int strset_add(struct strset *set, const char *k, size_t n)
{
	int added;

	strset_put(set, k, n, &added);
	return added;
}

static void strset_free(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i].s);
	free(set->slot);
	memset(set, 0, sizeof *set);
}

/* The import's state. */
struct imp {
	sqlite3 *db;
	const struct kind *k;
	enum pv_import_kind kind;
	const struct pv_import_opts *o;
	pv_import_report_fn report;
	void *arg;
	struct pv_import_stats *s;
	struct pv_err *e;
	char now[PV_TIME_LEN];
	/* locations: the last one looked up, and the default */
	char loc_slug[64];
	long long loc_id;
	long long default_id;
	char default_slug[64];
	int default_tried;
	struct pv_err default_err;
	const char *row_slug;
	/* time zones of the locations above, for local times (dialect.h) */
	char loc_tz[64], default_tz[64];
	const char *row_tz;
	int this_year;
	/* the file whose header was checked, and what was found */
	const char *hdr_file;
	long hdr_line;
	int hdr_bad, loc_told;
	long err_line; /* row_error at this line instead of the row's */
	/* a mapping (lib/mapping.h): the row as mapped, its custom
	 * attributes, and the file whose stand-in key was announced */
	struct pv_rec mapped;
	struct pv_attrs attrs;
	int map_bad;
	const char *key_told;
	sqlite3_stmt *st_attr_set, *st_attr_del;
	struct strset seen;
	/* customer ids by external id, of location refs_loc: an appointment
	 * or invoice file names the same customers again and again */
	struct strset refs;
	long long refs_loc;
	struct pv_tomb *tomb;
	int tombs; /* any tombstones at all? */
	int returning; /* this row's e-mail matches an erased customer's */
	/* the active period of this kind's rows (retention.h), and the
	 * zone and today of the location last looked up for it */
	const struct pv_ret_rule *active;
	long long act_loc;
	char act_tz[64], act_today[11];
	sqlite3_stmt *st_tz;
	int last_known; /* the previous row was already stored */
	int colguess[MAXF * 2]; /* field index of the column at j, or -1 */
	sqlite3_stmt *st_try; /* the insert, ON CONFLICT DO NOTHING */
	sqlite3_stmt *st_loc, *st_sel, *st_ins, *st_upd, *st_cust, *st_latest;
	struct pv_consent_writer *consents; /* the ledger's one writer */
	/* this row */
	const struct pv_rec *r;
	const char *v[MAXF];
	char norm[MAXF][PV_TIME_LEN];
	long long num[MAXF];
	struct pv_local_time lt[MAXF]; /* local times, made UTC by location */
	unsigned local;                /* bit i: v[i] is in lt[i] */
	int bad;
};

static void row_error(struct imp *im, int status, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void row_error(struct imp *im, int status, const char *field,
		      const char *fmt, ...)
{
	struct pv_err re = {0};
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	pv_fail(&re, status, "%s:%ld: %s: %s", im->r->file,
		im->err_line ? im->err_line : im->r->line, field, why);
	if (status == PV_DATAERR)
		im->bad = 1;
	if (im->report)
		im->report(im->arg, &re);
}

static int field_index(const struct field *f, const char *name)
{
	for (int i = 0; f[i].name; i++)
		if (strcmp(f[i].name, name) == 0)
			return i;
	return -1;
}

static void check_value(struct imp *im, int i)
{
	const struct field *f = &im->k->fields[i];
	const char *v = im->v[i];
	int y, m, d;
	time_t t;

	switch (f->type) {
	case F_TEXT:
	case F_LOCATION:
		break;
	case F_LINE:
		if (pv_has_ctl(v))
			row_error(im, PV_DATAERR, f->name, "control characters "
				  "not allowed");
		break;
	case F_EMAIL:
		if (!pv_email_valid(v))
			row_error(im, PV_DATAERR, f->name, "not a valid e-mail "
				  "address");
		break;
	case F_DATE:
		if (pv_date_parse(v, &y, &m, &d) == 0)
			break;
		/* 31.12.1980, 1.2.80, or --date-format */
		if (pv_dialect_date(v, im->o->date_fmt, im->this_year,
				    im->norm[i]) == 0)
			im->v[i] = im->norm[i];
		else
			row_error(im, PV_DATAERR, f->name, "not a date "
				  "(YYYY-MM-DD, DD.MM.YYYY, D.M.YY%s)",
				  im->o->date_fmt ? " or --date-format" :
				  "; others with --date-format");
		break;
	case F_TIME:
	case F_TIME_OR_DATE:
		if ((f->type == F_TIME ? pv_time_parse(v, &t) :
		     pv_time_or_date_parse(v, &t)) == 0) {
			im->v[i] = pv_time_fmt(t, im->norm[i]);
			break;
		}
		if (pv_dialect_local_time(v, im->o->date_fmt, im->this_year,
					  &im->lt[i]) == 0) {
			/* UTC once the row's location is known */
			im->local |= 1u << i;
			break;
		}
		if (f->type == F_TIME_OR_DATE &&
		    pv_dialect_date(v, im->o->date_fmt, im->this_year,
				    im->norm[i]) == 0 &&
		    pv_time_or_date_parse(im->norm[i], &t) == 0) {
			im->v[i] = pv_time_fmt(t, im->norm[i]);
			break;
		}
		row_error(im, PV_DATAERR, f->name, "not an RFC 3339 time%s "
			  "(or DD.MM.YYYY HH:MM%s)", f->type == F_TIME_OR_DATE ?
			  " or date" : "", im->o->date_fmt ? ", --date-format" :
			  "; others with --date-format");
		break;
	case F_CENTS:
	case F_AMOUNT:
		if (pv_parse_ll(v, &im->num[i]) != 0 ||
		    (f->type == F_CENTS && im->num[i] < 0))
			row_error(im, PV_DATAERR, f->name, "not a whole number "
				  "of cents%s", f->type == F_CENTS ?
				  " (0 or more)" : "");
		break;
	case F_YESNO:
		if (strcmp(v, "yes") && strcmp(v, "no"))
			row_error(im, PV_DATAERR, f->name, "must be yes or no");
		break;
	case F_CURRENCY:
		if (strlen(v) != 3 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' ||
		    v[1] > 'Z' || v[2] < 'A' || v[2] > 'Z')
			row_error(im, PV_DATAERR, f->name, "not an ISO 4217 "
				  "code (EUR)");
		break;
	case F_PURPOSE:
		if (!pv_consent_word(pv_consent_purposes, v))
			row_error(im, PV_DATAERR, f->name, "must be "
				  "marketing-email or marketing-sms");
		break;
	case F_EVENT:
		if (!pv_consent_word(pv_consent_events, v))
			row_error(im, PV_DATAERR, f->name, "must be granted, "
				  "confirmed, declined, withdrawn or expired");
		break;
	case F_SOURCE:
		if (!pv_consent_word(pv_consent_sources, v))
			row_error(im, PV_DATAERR, f->name, "must be "
				  "booking-form, staff, paper, import, "
				  "double-opt-in or re-permission");
		break;
	case F_IP:
		if (!pv_ip_valid(v))
			row_error(im, PV_DATAERR, f->name, "not an IP address");
		break;
	}
}

/* The location of this row: 1 and *id, 0 when reported bad, -1 on a
 * database error. */
static int row_location(struct imp *im, long long *id, const char **slug)
{
	const char *col = im->v[1]; /* every kind has location second */
	const char *want = im->o->location;
	int rc;

	if (want && col && strcmp(want, col) != 0) {
		row_error(im, PV_DATAERR, "location", "'%s' differs from "
			  "--location '%s'", col, want);
		return 0;
	}
	if (!want)
		want = col;
	if (!want) {
		if (!im->default_tried) {
			struct pv_location l = {0};

			im->default_tried = 1;
			if (pv_location_resolve(im->db, NULL, &l,
						&im->default_err) == PV_OK) {
				im->default_id = l.id;
				snprintf(im->default_slug,
					 sizeof im->default_slug, "%s",
					 l.slug);
				snprintf(im->default_tz, sizeof im->default_tz,
					 "%s", l.timezone);
			}
			pv_location_free(&l);
		}
		if (!im->default_id) {
			/* the same for every row: said once per file, at
			 * its header when it has one */
			if (!im->loc_told) {
				im->loc_told = 1;
				im->err_line = im->r->hline;
				row_error(im, PV_DATAERR, "location", "no "
					  "location column: %s",
					  im->default_err.msg);
				im->err_line = 0;
			}
			im->bad = 1;
			return 0;
		}
		*id = im->default_id;
		*slug = im->default_slug;
		im->row_tz = im->default_tz;
		return 1;
	}
	if (im->loc_id && strcmp(im->loc_slug, want) == 0) {
		*id = im->loc_id;
		*slug = im->loc_slug;
		im->row_tz = im->loc_tz;
		return 1;
	}
	sqlite3_reset(im->st_loc);
	pv_bind_text(im->st_loc, 1, want);
	rc = sqlite3_step(im->st_loc);
	if (rc == SQLITE_ROW) {
		im->loc_id = sqlite3_column_int64(im->st_loc, 0);
		snprintf(im->loc_slug, sizeof im->loc_slug, "%s", want);
		snprintf(im->loc_tz, sizeof im->loc_tz, "%s",
			 pv_col_text(im->st_loc, 1));
		*id = im->loc_id;
		*slug = im->loc_slug;
		im->row_tz = im->loc_tz;
		return 1;
	}
	if (rc != SQLITE_DONE) {
		pv_db_fail(im->db, im->e, "locations");
		return -1;
	}
	row_error(im, PV_DATAERR, "location", "no such location: '%s'", want);
	return 0;
}

/* Customer id by external id: >0, 0 when unknown, -1 on error.  The
 * import does not add or remove customers of these rows' kinds, so a
 * found id is remembered (12% of the instructions of an appointment
 * import were this look-up). */
static long long customer_ref(struct imp *im, long long loc, const char *xid)
{
	struct slot *sl;
	long long id = 0;
	int rc, added;

	if (loc != im->refs_loc) {
		strset_free(&im->refs);
		im->refs_loc = loc;
	}
	sl = strset_put(&im->refs, xid, strlen(xid), &added);
	if (sl->v > 0)
		return sl->v;
	sqlite3_reset(im->st_cust);
	sqlite3_bind_int64(im->st_cust, 1, loc);
	pv_bind_text(im->st_cust, 2, xid);
	rc = sqlite3_step(im->st_cust);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(im->st_cust, 0);
	else if (rc != SQLITE_DONE)
		return pv_db_fail(im->db, im->e, "customers"), -1;
	sqlite3_reset(im->st_cust);
	sl->v = id;
	return id;
}

/*
 * Values of the upserted columns, in the order of the SQL below: text
 * (NULL for absent) or, where num_col says so, integers.
 */
struct colval {
	const char *s;
	long long i;
	int is_int, is_null;
};

static int same(sqlite3_stmt *st, int col, const struct colval *v)
{
	int t = sqlite3_column_type(st, col);

	if (v->is_null)
		return t == SQLITE_NULL;
	if (t == SQLITE_NULL)
		return 0;
	if (v->is_int)
		return t == SQLITE_INTEGER &&
		       sqlite3_column_int64(st, col) == v->i;
	return t == SQLITE_TEXT &&
	       (size_t)sqlite3_column_bytes(st, col) == strlen(v->s) &&
	       memcmp(sqlite3_column_text(st, col), v->s, strlen(v->s)) == 0;
}

static void bind_val(sqlite3_stmt *st, int i, const struct colval *v)
{
	if (v->is_null)
		sqlite3_bind_null(st, i);
	else if (v->is_int)
		sqlite3_bind_int64(st, i, v->i);
	else
		sqlite3_bind_text(st, i, v->s, -1, SQLITE_STATIC);
}

static struct colval tv(const char *s)
{
	struct colval c = {s, 0, 0, s == NULL};

	return c;
}

static struct colval iv(long long i, int null)
{
	struct colval c = {NULL, i, 1, null};

	return c;
}

static const char *const upsert_sql[][3] = {
	[PV_IMPORT_CUSTOMERS] = {
		"SELECT id, first_name, last_name, email, phone, birth_date,"
		" street, postal_code, city, country, notes, customer_since"
		" FROM customers WHERE location_id = ?1 AND external_id = ?2",
		"INSERT INTO customers (location_id, external_id, first_name,"
		" last_name, email, phone, birth_date, street, postal_code, city,"
		" country, notes, customer_since, created_at, updated_at) VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
		" ?14)",
		"UPDATE customers SET first_name = ?3, last_name = ?4,"
		" email = ?5, phone = ?6, birth_date = ?7, street = ?8,"
		" postal_code = ?9, city = ?10, country = ?11, notes = ?12,"
		" customer_since = ?13, updated_at = ?14 WHERE id = ?1",
	},
	[PV_IMPORT_APPOINTMENTS] = {
		"SELECT id, customer_id, starts_at, service, staff, price_cents,"
		" notes FROM appointments WHERE location_id = ?1 AND"
		" external_id = ?2",
		"INSERT INTO appointments (location_id, external_id,"
		" customer_id, starts_at, service, staff, price_cents, notes)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		"UPDATE appointments SET customer_id = ?3, starts_at = ?4,"
		" service = ?5, staff = ?6, price_cents = ?7, notes = ?8"
		" WHERE id = ?1",
	},
	[PV_IMPORT_INVOICES] = {
		"SELECT id, customer_id, issued_on, total_cents, currency,"
		" billing_name, billing_address FROM invoices WHERE"
		" location_id = ?1 AND number = ?2",
		"INSERT INTO invoices (location_id, number, customer_id,"
		" issued_on, total_cents, currency, billing_name,"
		" billing_address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		"UPDATE invoices SET customer_id = ?3, issued_on = ?4,"
		" total_cents = ?5, currency = ?6, billing_name = ?7,"
		" billing_address = ?8 WHERE id = ?1",
	},
	[PV_IMPORT_CONSENTS] = {
		"SELECT id FROM consents WHERE customer_id = ?1 AND"
		" purpose = ?2 AND at = ?3 AND event = ?4",
		NULL, /* appended by the ledger's writer (consent.h) */
		NULL,
	},
};

static int insert(struct imp *im, long long loc, const char *key,
		  const struct colval *vals, int n, sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, loc);
	pv_bind_text(st, 2, key);
	for (int i = 0; i < n; i++)
		bind_val(st, i + 3, &vals[i]);
	if (im->kind == PV_IMPORT_CUSTOMERS)
		pv_bind_text(st, 3 + n, im->now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return pv_db_fail(im->db, im->e, im->k->name), -1;
	return 0;
}

/*
 * Upsert one row of values (vals[0..n-1] are ?3...).  *id gets the row
 * id; *what 'i', 'u' or '=' (unchanged); 'n' when new and not inserted
 * because dont_insert.  Returns 0 or -1 on a database error.
 */
static int upsert(struct imp *im, long long loc, const char *key,
		  const struct colval *vals, int n, long long *id, char *what,
		  int (*may_insert)(struct imp *, long long, const char *))
{
	int rc, diff = 0;

	/*
	 * A new row costs one index probe when it is simply inserted (ON
	 * CONFLICT DO NOTHING tells us when it was not new).  Inputs are
	 * mostly all new or mostly known, so follow the previous row.
	 */
	if (!may_insert && !im->last_known) {
		if (insert(im, loc, key, vals, n, im->st_try))
			return -1;
		if (sqlite3_changes(im->db) == 1) {
			*id = sqlite3_last_insert_rowid(im->db);
			*what = 'i';
			return 0;
		}
	}
	sqlite3_reset(im->st_sel);
	sqlite3_bind_int64(im->st_sel, 1, loc);
	pv_bind_text(im->st_sel, 2, key);
	rc = sqlite3_step(im->st_sel);
	if (rc == SQLITE_ROW) {
		im->last_known = 1;
		*id = sqlite3_column_int64(im->st_sel, 0);
		for (int i = 0; i < n && !diff; i++)
			diff = !same(im->st_sel, i + 1, &vals[i]);
		sqlite3_reset(im->st_sel);
		*what = '=';
		if (!diff)
			return 0;
		sqlite3_reset(im->st_upd);
		sqlite3_clear_bindings(im->st_upd);
		sqlite3_bind_int64(im->st_upd, 1, *id);
		for (int i = 0; i < n; i++)
			bind_val(im->st_upd, i + 3, &vals[i]);
		if (im->kind == PV_IMPORT_CUSTOMERS)
			pv_bind_text(im->st_upd, 3 + n, im->now);
		if (sqlite3_step(im->st_upd) != SQLITE_DONE)
			return pv_db_fail(im->db, im->e, im->k->name), -1;
		*what = 'u';
		return 0;
	}
	sqlite3_reset(im->st_sel);
	if (rc != SQLITE_DONE)
		return pv_db_fail(im->db, im->e, im->k->name), -1;
	if (may_insert) {
		int m = may_insert(im, loc, key);

		if (m < 0)
			return -1;
		if (!m) {
			*what = 'n';
			return 0;
		}
	}
	im->last_known = 0;
	if (insert(im, loc, key, vals, n, im->st_ins))
		return -1;
	*id = sqlite3_last_insert_rowid(im->db);
	*what = 'i';
	return 0;
}

/* Not a customer erased earlier? */
static int not_tombstoned(struct imp *im, long long loc, const char *key)
{
	int m;

	if (!im->tombs)
		return 1;
	m = pv_tomb_match(im->tomb, im->db, im->row_slug, key, im->v[C_EMAIL],
			  im->v[C_PHONE], im->e);
	if (m < 0)
		return -1;
	if (m & PV_TOMB_EXTERNAL_ID) {
		/* the same booking-system record: an erasure stays done */
		row_error(im, PV_PARTIAL, "external_id", "matches a customer "
			  "erased earlier: not re-created");
		return 0;
	}
	/* The same person under a new record (a new id, another location)
	 * is a new customer relationship: imported, told.  A phone number
	 * alone is no person (a family landline). */
	im->returning = (m & PV_TOMB_EMAIL) != 0;
	return 1;
}

/* A new relationship of a person erased earlier: a notice and an audit
 * entry (ids only); the new customer starts with nothing of the old. */
static int returning(struct imp *im, long long id)
{
	char obj[48];
	char *detail = pv_jsonf("{s:s}", "location", im->row_slug);
	int rc;

	row_error(im, PV_PARTIAL, "email", "matches a customer erased "
		  "earlier: imported as a new customer relationship "
		  "(customer %lld)", id);
	im->s->returning++;
	snprintf(obj, sizeof obj, "customer:%lld", id);
	rc = pv_audit(im->db, "customer.returning", obj, detail, im->e);
	free(detail);
	return rc ? -1 : 0;
}

/* The latest marketing-email (or purpose) event: 1 with ev/at, 0 none. */
static int latest(struct imp *im, long long cid, const char *purpose,
		  char ev[16], char at[PV_TIME_LEN])
{
	int rc;

	sqlite3_reset(im->st_latest);
	sqlite3_bind_int64(im->st_latest, 1, cid);
	pv_bind_text(im->st_latest, 2, purpose);
	rc = sqlite3_step(im->st_latest);
	if (rc == SQLITE_ROW) {
		snprintf(ev, 16, "%s", pv_col_text(im->st_latest, 0));
		snprintf(at, PV_TIME_LEN, "%s", pv_col_text(im->st_latest, 1));
		sqlite3_reset(im->st_latest);
		return 1;
	}
	sqlite3_reset(im->st_latest);
	if (rc != SQLITE_DONE)
		return pv_db_fail(im->db, im->e, "consents"), -1;
	return 0;
}

static int is_active(const char *ev)
{
	return !strcmp(ev, "granted") || !strcmp(ev, "confirmed");
}

static int add_event(struct imp *im, long long cid, const char *purpose,
		     const char *event, const char *at, const char *source,
		     const char *ip, const char *ua, const char *tv,
		     const char *doc)
{
	struct pv_consent_event ev = {purpose, event, at, source, ip, ua, tv,
				      NULL, 0, doc};

	if (pv_consent_writer_add(im->consents, cid, &ev, im->now, NULL,
				  im->e))
		return -1;
	return 0;
}

/* The marketing columns of a customer row. */
static int customer_marketing(struct imp *im, long long cid, int is_new)
{
	const char *mkt = im->v[C_MKT];
	char ev[16] = "", at[PV_TIME_LEN] = "";
	int have = 0;

	if (!mkt)
		return 0;
	if (!is_new && (have = latest(im, cid, "marketing-email", ev, at)) < 0)
		return -1;
	if (strcmp(mkt, "no") == 0) {
		if (!have || !is_active(ev))
			return 0;
		if (add_event(im, cid, "marketing-email", "withdrawn", im->now,
			      "import", NULL, NULL, NULL, NULL))
			return -1;
		im->s->consents_withdrawn++;
		return 0;
	}
	if (have && is_active(ev))
		return 0;
	if (have) {
		/* The customer withdrew (or declined): a plain "yes" of the
		 * booking system carries no evidence of a new consent. */
		row_error(im, PV_PARTIAL, "marketing_email", "customer %lld "
			  "has %s marketing e-mail on %s: 'yes' ignored "
			  "(record a new grant with evidence)", cid, ev, at);
		im->s->kept_withdrawn++;
		return 0;
	}
	if (add_event(im, cid, "marketing-email", "granted",
		      im->v[C_MKT_AT] ? im->v[C_MKT_AT] : im->now,
		      im->v[C_MKT_SRC] ? im->v[C_MKT_SRC] : "import", NULL,
		      NULL, NULL, NULL))
		return -1;
	im->s->consents_granted++;
	return 0;
}

/*
 * The custom attributes of the row (a mapping's custom columns) for the
 * customer or appointment id: set, changed, or removed when empty.  A
 * row whose only change is an attribute counts as updated.  0, or -1 on
 * a database error.
 */
static int write_attrs(struct imp *im, long long id, char *what)
{
	const struct pv_attrs *a = &im->attrs;
	const char *tbl = im->kind == PV_IMPORT_CUSTOMERS ?
				  "customer_attributes" : "appointment_attributes";
	const char *col = im->kind == PV_IMPORT_CUSTOMERS ? "customer_id" :
							     "appointment_id";
	int changed = 0;

	if (!a->n || *what == 'n')
		return 0;
	if (!im->st_attr_set) {
		char *set = xasprintf("INSERT INTO %s (%s, name, value) VALUES "
				      "(?1, ?2, ?3) ON CONFLICT (%s, name) DO "
				      "UPDATE SET value = excluded.value WHERE "
				      "value IS NOT excluded.value", tbl, col,
				      col);
		char *del = xasprintf("DELETE FROM %s WHERE %s = ?1 AND name "
				      "= ?2", tbl, col);

		im->st_attr_set = pv_db_prepare(im->db, set, im->e);
		im->st_attr_del = pv_db_prepare(im->db, del, im->e);
		free(set);
		free(del);
		if (!im->st_attr_set || !im->st_attr_del)
			return -1;
	}
	for (size_t i = 0; i < a->n; i++) {
		sqlite3_stmt *st = *a->a[i].value ? im->st_attr_set :
						    im->st_attr_del;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		pv_bind_text(st, 2, a->a[i].name);
		if (*a->a[i].value)
			pv_bind_text(st, 3, a->a[i].value);
		if (sqlite3_step(st) != SQLITE_DONE)
			return pv_db_fail(im->db, im->e, tbl), -1;
		changed |= sqlite3_changes(im->db) > 0;
	}
	if (changed && *what == '=')
		*what = 'u';
	return 0;
}

static void count(struct imp *im, char what)
{
	if (what == 'i')
		im->s->inserted++;
	else if (what == 'u')
		im->s->updated++;
	else if (what == '=')
		im->s->unchanged++;
	else
		im->s->skipped++;
}

/*
 * A row naming a customer who is not here: the rows of an erased
 * customer (a tombstone of the location and external id) are what the
 * booking system's full export brings every night, skipped and counted;
 * any other unknown customer is bad input.  0, or -1 on an error.
 */
static int unknown_ref(struct imp *im, const char *xid)
{
	int m = 0;

	if (im->tombs) {
		m = pv_tomb_match(im->tomb, im->db, im->row_slug, xid, NULL,
				  NULL, im->e);
		if (m < 0)
			return -1;
	}
	if (m & PV_TOMB_EXTERNAL_ID) {
		row_error(im, PV_PARTIAL, "customer_external_id", "a customer "
			  "erased earlier: row skipped");
		im->s->skipped++;
		return 0;
	}
	row_error(im, PV_DATAERR, "customer_external_id", "unknown customer");
	return 0;
}

/*
 * Storage limitation for the living: is this appointment or invoice past
 * its active period at its location?  1 yes, 0 no, -1 on an error.
 */
static int active_over(struct imp *im, long long loc, const char *date)
{
	char until[11];
	int rc;

	if (!im->active || !date)
		return 0;
	if (loc != im->act_loc) {
		if (!im->st_tz && !(im->st_tz = pv_db_prepare(im->db, "SELECT "
				    "timezone FROM locations WHERE id = ?",
				    im->e)))
			return -1;
		sqlite3_bind_int64(im->st_tz, 1, loc);
		rc = sqlite3_step(im->st_tz);
		snprintf(im->act_tz, sizeof im->act_tz, "%s", rc == SQLITE_ROW ?
			 pv_col_text(im->st_tz, 0) : "UTC");
		sqlite3_reset(im->st_tz);
		pv_ret_today(im->act_tz, im->act_today);
		im->act_loc = loc;
	}
	if (pv_ret_until(date, im->active->active_years, im->act_tz, until))
		return 0;
	return strcmp(until, im->act_today) < 0;
}

/* An expired row that is not stored yet stays out. */
static int not_expired(struct imp *im, long long loc, const char *key)
{
	(void)loc;
	(void)key;
	im->s->expired++;
	return 0;
}

/* The values of the fields the active rule clears: NULL. */
static void clear_fields(struct imp *im, struct colval *vals)
{
	/* vals[] of appointments: ..., notes at 5; of invoices:
	 * billing_name at 4, billing_address at 5 */
	for (int i = 0; im->active->active_clear[i]; i++) {
		const char *f = im->active->active_clear[i];

		if (strcmp(f, "notes") == 0 || strcmp(f, "billing_address") == 0)
			vals[5] = tv(NULL);
		else if (strcmp(f, "billing_name") == 0)
			vals[4] = tv(NULL);
	}
}

/* Write one checked row: 0, or -1 on a database error. */
static int write_row(struct imp *im, long long loc)
{
	const char **v = im->v;
	struct colval vals[12];
	long long id = 0, cid = 0;
	char what = 0;
	int over = 0;

	if (im->k->has_customer_ref) {
		cid = customer_ref(im, loc, v[im->kind == PV_IMPORT_CONSENTS ?
					      K_XID : 2]);
		if (cid < 0)
			return -1;
		if (!cid)
			return unknown_ref(im, v[im->kind == PV_IMPORT_CONSENTS ?
					       K_XID : 2]);
	}
	switch (im->kind) {
	case PV_IMPORT_CUSTOMERS:
		for (int i = C_FIRST; i <= C_NOTES; i++)
			vals[i - C_FIRST] = tv(v[i]);
		vals[C_NOTES - C_FIRST + 1] = tv(v[C_SINCE]);
		im->returning = 0;
		if (upsert(im, loc, v[C_XID], vals, C_NOTES - C_FIRST + 2, &id,
			   &what, im->tombs ? not_tombstoned : NULL) ||
		    write_attrs(im, id, &what))
			return -1;
		count(im, what);
		if (what == 'i' && im->returning && returning(im, id))
			return -1;
		if (what != 'n' && customer_marketing(im, id, what == 'i'))
			return -1;
		return 0;
	case PV_IMPORT_APPOINTMENTS:
		vals[0] = iv(cid, 0);
		vals[1] = tv(v[3]);
		vals[2] = tv(v[4]);
		vals[3] = tv(v[5]);
		vals[4] = iv(im->num[6], v[6] == NULL);
		vals[5] = tv(v[7]);
		if ((over = active_over(im, loc, v[3])) < 0)
			return -1;
		if (over && im->active->active_clear)
			clear_fields(im, vals);
		if (upsert(im, loc, v[0], vals, 6, &id, &what, over &&
			   !im->active->active_clear ? not_expired : NULL) ||
		    write_attrs(im, id, &what))
			return -1;
		if (what != 'n')
			count(im, what);
		return 0;
	case PV_IMPORT_INVOICES:
		vals[0] = iv(cid, 0);
		vals[1] = tv(v[3]);
		vals[2] = iv(im->num[4], 0);
		vals[3] = tv(v[5] ? v[5] : "EUR");
		vals[4] = tv(v[6]);
		vals[5] = tv(v[7]);
		if ((over = active_over(im, loc, v[3])) < 0)
			return -1;
		if (over && im->active->active_clear)
			clear_fields(im, vals);
		if (upsert(im, loc, v[0], vals, 6, &id, &what, over &&
			   !im->active->active_clear ? not_expired : NULL))
			return -1;
		if (what != 'n')
			count(im, what);
		return 0;
	case PV_IMPORT_CONSENTS:
		break;
	}
	/* A consent event: append unless already in the ledger. */
	{
		char ev[16], at[PV_TIME_LEN];
		int rc, have;

		sqlite3_reset(im->st_sel);
		sqlite3_bind_int64(im->st_sel, 1, cid);
		pv_bind_text(im->st_sel, 2, v[K_PURPOSE]);
		pv_bind_text(im->st_sel, 3, v[K_AT]);
		pv_bind_text(im->st_sel, 4, v[K_EVENT]);
		rc = sqlite3_step(im->st_sel);
		sqlite3_reset(im->st_sel);
		if (rc == SQLITE_ROW) {
			im->s->unchanged++;
			return 0;
		}
		if (rc != SQLITE_DONE)
			return pv_db_fail(im->db, im->e, "consents"), -1;
		if ((have = latest(im, cid, v[K_PURPOSE], ev, at)) < 0)
			return -1;
		/* a signed paper form's reference: only with source paper,
		 * where it is the proof (consent.h) */
		if (v[K_DOC] && strcmp(v[K_SOURCE], "paper") != 0) {
			row_error(im, PV_DATAERR, "document", "only with "
				  "source paper (a signed form's reference)");
			return 0;
		}
		if (have && !is_active(ev) && strcmp(v[K_EVENT], "granted") == 0 &&
		    strcmp(v[K_AT], at) > 0 && !v[K_DOC] &&
		    !(v[K_TV] && (v[K_IP] || v[K_UA]))) {
			row_error(im, PV_DATAERR, "event", "a grant after the "
				  "customer's %s on %s needs evidence "
				  "(text_version and evidence_ip or "
				  "evidence_user_agent)", ev, at);
			return 0;
		}
		if (add_event(im, cid, v[K_PURPOSE], v[K_EVENT], v[K_AT],
			      v[K_SOURCE], v[K_IP], v[K_UA], v[K_TV], v[K_DOC]))
			return -1;
		im->s->inserted++;
	}
	return 0;
}

/* A name as the header of a column is written: [a-z][a-z0-9_]*, short. */
static int column_name_like(const char *k)
{
	size_t n = 0;

	if (!(*k >= 'a' && *k <= 'z'))
		return 0;
	for (; k[n]; n++)
		if (!((k[n] >= 'a' && k[n] <= 'z') ||
		      (k[n] >= '0' && k[n] <= '9') || k[n] == '_'))
			return 0;
	return n <= 40;
}

/* A known column, or one among the parts of a header read with another
 * separator. */
static int names_a_column(const struct field *f, const char *k)
{
	char part[64];

	if (field_index(f, k) >= 0)
		return 1;
	while (*k) {
		size_t n = strcspn(k, ";,\t");

		if (n < sizeof part) {
			memcpy(part, k, n);
			part[n] = '\0';
			if (field_index(f, part) >= 0)
				return 1;
		}
		k += n;
		if (*k)
			k++;
	}
	return 0;
}

/* A header cell, perhaps a whole header read with another separator:
 * each of its parts written like a column name. */
static int header_like(const char *k)
{
	char part[64];

	while (*k) {
		size_t n = strcspn(k, ";,\t");

		if (n >= sizeof part)
			return 0;
		memcpy(part, k, n);
		part[n] = '\0';
		if (n && !column_name_like(part))
			return 0;
		k += n;
		if (*k)
			k++;
	}
	return 1;
}

/* The hint for a header cell that is a whole header of another
 * separator: "external_id;first_name;..." read with ','. */
static const char *delim_hint(const char *name)
{
	if (strchr(name, ';'))
		return ": looks ';'-separated: try --delimiter ';'";
	if (strchr(name, '\t'))
		return ": looks tab-separated: try --delimiter tab";
	if (strchr(name, ','))
		return ": looks ','-separated: try --delimiter ','";
	return "";
}

/*
 * A CSV file's columns, once, at its header line: unknown columns and
 * missing required ones are the header's fault, not each row's.  Every
 * row of a file with a bad header is rejected without a message of its
 * own.
 */
static void check_header(struct imp *im)
{
	const struct field *f = im->k->fields;
	const struct pv_rec *r = im->r;
	int other_sep = 0;

	im->hdr_file = r->file;
	im->hdr_line = r->hline;
	im->hdr_bad = 0;
	im->loc_told = 0;
	im->err_line = r->hline;
	/* A file that lost its header row: its first customer's values
	 * became the column names.  Said once, naming no value. */
	for (size_t j = 0; j < r->n; j++)
		other_sep |= names_a_column(f, r->keys[j]);
	if (r->n && !other_sep) {
		row_error(im, PV_DATAERR, "header", "none of the %zu columns "
			  "is known: is the header row missing?", r->n);
		im->hdr_bad = 1;
		im->err_line = 0;
		return;
	}
	other_sep = 0;
	for (size_t j = 0; j < r->n; j++) {
		char pos[32];

		if (field_index(f, r->keys[j]) >= 0)
			continue;
		/* A column name is shown as it is; anything else may be a
		 * customer's data: its position only, unless -v. */
		snprintf(pos, sizeof pos, "column %zu", j + 1);
		row_error(im, PV_DATAERR, pv_verbose ||
			  header_like(r->keys[j]) ? r->keys[j] : pos,
			  "unknown column%s", delim_hint(r->keys[j]));
		other_sep |= *delim_hint(r->keys[j]) != '\0';
		im->hdr_bad = 1;
	}
	/* the columns are all there, behind the wrong separator */
	for (int i = 0; f[i].name && !other_sep; i++) {
		if (!f[i].required || pv_rec_has(r, f[i].name))
			continue;
		row_error(im, PV_DATAERR, f[i].name, "missing column%s",
			  im->hdr_bad || i > 0 ? "" : " (a mapping file can "
			  "name it, or a stable key instead: --map)");
		im->hdr_bad = 1;
	}
	im->err_line = 0;
}

static void map_bad(void *arg, const char *col, const char *why)
{
	struct imp *im = arg;

	row_error(im, PV_DATAERR, col, "%s", why);
	im->map_bad = 1;
}

/* The record through the mapping into im->mapped: 1. */
static int map_row(struct imp *im, const struct pv_rec *r)
{
	int used_key;

	pv_map_apply(im->o->map, r, &im->mapped, &im->attrs, &used_key,
		     map_bad, im);
	if (used_key && im->key_told != r->file) {
		/* said once per file, at its header */
		im->key_told = r->file;
		im->err_line = r->hline;
		row_error(im, PV_PARTIAL, "external_id", "no external id in "
			  "the file: the mapping's key '%s' stands in (a "
			  "changed %s makes a new customer)",
			  pv_map_key(im->o->map), pv_map_key(im->o->map));
		im->err_line = 0;
	}
	return 1;
}

/* Check one record: fills im->v; 1 when the row may be written. */
static int check_row(struct imp *im, long long *loc)
{
	const struct field *f = im->k->fields;
	const struct pv_rec *r = im->r;
	const char *slug = NULL;
	struct pv_buf key = {0};
	int i, lr;

	memset(im->v, 0, sizeof im->v);
	im->bad = im->map_bad;
	im->local = 0;
	if (r->hline && (r->file != im->hdr_file || r->hline != im->hdr_line))
		check_header(im);
	if (r->hline && im->hdr_bad) {
		im->bad = 1;
		return 0;
	}
	for (size_t j = 0; j < r->n; j++) {
		/* rows of one file have their columns in the same order */
		i = j < MAXF * 2 ? im->colguess[j] : -1;
		if (i < 0 || strcmp(f[i].name, r->keys[j]) != 0) {
			i = field_index(f, r->keys[j]);
			if (j < MAXF * 2)
				im->colguess[j] = i;
		}
		if (i < 0) {
			char pos[32];

			/* A column name is shown as it is; anything else may
			 * be a customer's data (a file without its header
			 * row): its position only, unless -v. */
			snprintf(pos, sizeof pos, "column %zu", j + 1);
			row_error(im, PV_DATAERR, pv_verbose ||
				  column_name_like(r->keys[j]) ? r->keys[j] :
				  pos, "unknown column");
			continue;
		}
		if (pv_rec_nested(r, j)) { /* {"first_name":{"a":1}} */
			row_error(im, PV_DATAERR, f[i].name, "a JSON object "
				  "or array where a value is expected");
			continue;
		}
		if (r->vals[j] && *r->vals[j])
			im->v[i] = r->vals[j];
	}
	for (i = 0; f[i].name; i++) {
		if (!im->v[i]) {
			if (f[i].required)
				row_error(im, PV_DATAERR, f[i].name,
					  "missing");
			continue;
		}
		check_value(im, i);
	}
	if (im->kind == PV_IMPORT_CUSTOMERS && im->v[C_MKT] &&
	    strcmp(im->v[C_MKT], "yes") != 0 &&
	    (im->v[C_MKT_AT] || im->v[C_MKT_SRC]))
		row_error(im, PV_DATAERR, im->v[C_MKT_AT] ?
			  "marketing_opt_in_at" : "marketing_source",
			  "given without marketing_email=yes");
	if (im->kind == PV_IMPORT_CUSTOMERS && !im->v[C_MKT] &&
	    (im->v[C_MKT_AT] || im->v[C_MKT_SRC]))
		row_error(im, PV_DATAERR, im->v[C_MKT_AT] ?
			  "marketing_opt_in_at" : "marketing_source",
			  "given without marketing_email=yes");
	lr = row_location(im, loc, &slug);
	im->row_slug = slug;
	if (lr < 0)
		return -1;
	if (lr == 0 || im->bad)
		return 0;
	for (i = 0; im->local && f[i].name; i++) {
		const struct pv_local_time *lt = &im->lt[i];

		if (!(im->local >> i & 1))
			continue;
		im->v[i] = pv_time_fmt(pv_tz_mktime(im->row_tz, lt->y, lt->m,
						    lt->d, lt->hh, lt->mm,
						    lt->ss), im->norm[i]);
	}
	/* duplicate key within this input */
	pv_buf_addf(&key, "%lld", *loc);
	if (im->kind == PV_IMPORT_CONSENTS) {
		for (i = 0; i <= K_AT; i++)
			if (i != K_LOC) {
				pv_buf_addc(&key, '\x1f');
				pv_buf_adds(&key, im->v[i]);
			}
	} else {
		pv_buf_addc(&key, '\x1f');
		pv_buf_adds(&key, im->v[0]);
	}
	if (!strset_add(&im->seen, key.s, key.len))
		row_error(im, PV_DATAERR, im->kind == PV_IMPORT_CONSENTS ?
			  "customer_external_id" : f[0].name,
			  "duplicate key within the input");
	pv_buf_free(&key);
	return !im->bad;
}

static int prepare_all(struct imp *im)
{
	struct pv_err *e = im->e;
	sqlite3_stmt *st;
	int rc;

	im->st_loc = pv_db_prepare(im->db, "SELECT id, timezone FROM locations "
				   "WHERE slug = ?1", e);
	im->st_sel = pv_db_prepare(im->db, upsert_sql[im->kind][0], e);
	im->st_ins = upsert_sql[im->kind][1] ?
		pv_db_prepare(im->db, upsert_sql[im->kind][1], e) : NULL;
	if (upsert_sql[im->kind][2]) {
		char *try = xasprintf("%s ON CONFLICT DO NOTHING",
				      upsert_sql[im->kind][1]);

		im->st_upd = pv_db_prepare(im->db, upsert_sql[im->kind][2], e);
		im->st_try = pv_db_prepare(im->db, try, e);
		free(try);
	}
	im->st_cust = pv_db_prepare(im->db, "SELECT id FROM customers WHERE "
				    "location_id = ?1 AND external_id = ?2", e);
	im->st_latest = pv_db_prepare(im->db, "SELECT k.event, k.at FROM "
				      "consents k WHERE k.customer_id = ?1 AND "
				      "k.purpose = ?2 ORDER BY "
				      PV_CONSENT_LATEST_ORDER " LIMIT 1", e);
	if (!im->st_loc || !im->st_sel ||
	    (upsert_sql[im->kind][1] && !im->st_ins) || !im->st_cust ||
	    !im->st_latest ||
	    pv_consent_writer_open(im->db, &im->consents, e) ||
	    (upsert_sql[im->kind][2] && (!im->st_upd || !im->st_try)))
		return e->status;
	if (!(st = pv_db_prepare(im->db, "SELECT EXISTS (SELECT 1 FROM "
				 "tombstones)", e)))
		return e->status;
	rc = sqlite3_step(st);
	im->tombs = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return pv_db_fail(im->db, e, "tombstones");
	if (im->tombs && im->o->db_path)
		return pv_tomb_open(im->o->db_path, 0, &im->tomb, e);
	im->tombs = 0;
	return PV_OK;
}

static void finalize_all(struct imp *im)
{
	sqlite3_finalize(im->st_loc);
	sqlite3_finalize(im->st_sel);
	sqlite3_finalize(im->st_ins);
	sqlite3_finalize(im->st_upd);
	sqlite3_finalize(im->st_try);
	sqlite3_finalize(im->st_cust);
	sqlite3_finalize(im->st_tz);
	sqlite3_finalize(im->st_latest);
	pv_consent_writer_close(im->consents);
	sqlite3_finalize(im->st_attr_set);
	sqlite3_finalize(im->st_attr_del);
	pv_rec_free(&im->mapped);
	pv_attrs_free(&im->attrs);
	pv_tomb_close(im->tomb);
	strset_free(&im->seen);
	strset_free(&im->refs);
}

static int audit_summary(struct imp *im)
{
	const struct pv_import_stats *s = im->s;
	char action[48], obj[80];
	char *detail;
	int rc;

	snprintf(action, sizeof action, "%s.import", im->k->name);
	detail = pv_jsonf("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			  "inserted", (json_int_t)s->inserted,
			  "updated", (json_int_t)s->updated,
			  "unchanged", (json_int_t)s->unchanged,
			  "rejected", (json_int_t)s->rejected,
			  "skipped", (json_int_t)s->skipped,
			  "consents_granted", (json_int_t)s->consents_granted,
			  "consents_withdrawn",
			  (json_int_t)s->consents_withdrawn);
	if (im->o->location)
		snprintf(obj, sizeof obj, "location:%s", im->o->location);
	rc = pv_audit(im->db, action, im->o->location ? obj : NULL, detail,
		      im->e);
	free(detail);
	return rc;
}

int pv_import(sqlite3 *db, enum pv_import_kind kind, struct pv_input *in,
	      const struct pv_import_opts *o, pv_import_report_fn report,
	      void *arg, struct pv_import_stats *s, struct pv_err *e)
{
	struct imp im = {0};
	struct pv_rec r = {0};
	struct pv_progress prog;
	char what[64];
	int rc, st = PV_OK, got;

	memset(s, 0, sizeof *s);
	im.db = db;
	im.kind = kind;
	im.k = &kinds[kind];
	im.o = o;
	im.report = report;
	im.arg = arg;
	im.s = s;
	im.e = e;
	if (kind == PV_IMPORT_APPOINTMENTS || kind == PV_IMPORT_INVOICES)
		im.active = pv_ret_active_rule(o->policy, im.k->name);
	pv_time_fmt(pv_now(), im.now);
	{
		struct tm tm;

		pv_tz_local(pv_now(), "UTC", &tm);
		im.this_year = tm.tm_year + 1900;
	}
	for (size_t j = 0; j < MAXF * 2; j++)
		im.colguess[j] = -1;
	/* One transaction adds rows all over the table's indexes: with
	 * SQLite's default cache of 2 MB their pages went out to the WAL and
	 * were read back again and again (300,000 appointments: 517,555
	 * reads and 235,631 writes; with 64 MB, 12,056 and 31,945, and the
	 * import a third faster; bench/RESULTS.md).  It stays set on the
	 * caller's connection. */
	if ((st = pv_db_exec(db, "PRAGMA cache_size = -65536", e)))
		return st;
	if ((st = pv_db_begin(db, e)))
		return st;
	if ((st = prepare_all(&im)))
		goto fail;
	snprintf(what, sizeof what, "%s read", im.k->name);
	pv_progress_start(&prog, what, 0);
	while ((got = pv_input_next(in, &r, e)) != 0) {
		long long loc = 0;

		pv_progress_add(&prog, 1);
		if (got < 0) {
			if (e->status != PV_DATAERR) {
				st = e->status;
				break;
			}
			/* a structural error of the input: a bad row */
			if (report)
				report(arg, e);
			s->rows++;
			s->rejected++;
			pv_err_clear(e);
			continue;
		}
		s->rows++;
		im.r = &r;
		im.map_bad = 0;
		if (o->map && map_row(&im, &r))
			im.r = &im.mapped;
		rc = check_row(&im, &loc);
		if (rc < 0) {
			st = e->status;
			break;
		}
		if (rc == 0) {
			s->rejected++;
			continue;
		}
		if (write_row(&im, loc)) {
			st = e->status;
			break;
		}
		if (im.bad)
			s->rejected++;
	}
	pv_progress_end(&prog);
	pv_rec_free(&r);
	if (st)
		goto fail;
	if (s->rejected && !o->skip_invalid) {
		st = pv_fail(e, PV_DATAERR, "%lld bad row%s: nothing imported",
			     s->rejected, s->rejected == 1 ? "" : "s");
		goto fail;
	}
	if ((st = audit_summary(&im)))
		goto fail;
	if (o->dry_run) {
		pv_db_rollback(db);
	} else if ((st = pv_db_commit(db, e))) {
		goto fail;
	}
	finalize_all(&im);
	if (s->rejected)
		return pv_fail(e, PV_PARTIAL, "%lld bad row%s not imported",
			       s->rejected, s->rejected == 1 ? "" : "s");
	/* rows skipped as erased, consents kept: what a nightly sync of
	 * the full export expects (import.h) */
	return PV_OK;
fail:
	finalize_all(&im);
	pv_db_rollback(db);
	return st;
}

void pv_import_write_stats(struct pv_writer *w, enum pv_import_kind kind,
			   const struct pv_import_stats *s, int dry_run)
{
	pv_w_begin(w);
	pv_w_str(w, "import", kinds[kind].name);
	pv_w_int(w, "rows", s->rows);
	pv_w_int(w, "inserted", s->inserted);
	pv_w_int(w, "updated", s->updated);
	pv_w_int(w, "unchanged", s->unchanged);
	pv_w_int(w, "rejected", s->rejected);
	pv_w_int(w, "skipped", s->skipped);
	pv_w_int(w, "consents_granted", s->consents_granted);
	pv_w_int(w, "consents_withdrawn", s->consents_withdrawn);
	pv_w_int(w, "kept_withdrawn", s->kept_withdrawn);
	pv_w_int(w, "returning", s->returning);
	pv_w_int(w, "expired", s->expired);
	pv_w_bool(w, "changed", !dry_run && (s->inserted || s->updated ||
				s->consents_granted || s->consents_withdrawn));
	pv_w_bool(w, "dry_run", dry_run);
	pv_w_end(w);
}
