/*
 * mapping.c - mapping files (privacy-mapping(5)): loaded with libyaml
 * through cfg.c's node tree, so errors carry "file:line" like the config's.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cfg.h"
#include "clock.h"
#include "dialect.h"
#include "import.h"
#include "mapping.h"

#ifndef PV_MAPPINGDIR
#define PV_MAPPINGDIR "/usr/local/share/privacyctl/mappings"
#endif

enum { CONV = 48 }; /* a converted value: cents, a date, a local time */

struct val {
	char *from, *to;
};

struct col {
	char *src;    /* the export's column */
	char *field;  /* ours, or NULL */
	char *custom; /* an attribute, or NULL */
	int decimal;  /* euros to cents */
	char *format; /* strptime(3) format of a date or time */
	struct val *vals;
	size_t nvals;
	const char *other; /* "*": the value of any other; NULL: refused */
};

struct pv_map_kind {
	enum pv_import_kind kind;
	struct col *cols;
	size_t n;
	char *key;
	int ignore_unmapped;
	char (*conv)[CONV]; /* scratch, one per column */
	struct pair {
		const char *k, *v;
	} *tmp; /* scratch: the mapped fields of a row */
	size_t tcap;
	int this_year;
};

struct pv_map {
	struct pv_cfg *doc;
	char *origin;
	const char *delim, *encoding, *date_format;
	struct pv_map_kind *kinds[3];
};

static const char *const kind_names[] = {
	"customers", "appointments", "invoices",
};
static const enum pv_import_kind kind_enum[] = {
	PV_IMPORT_CUSTOMERS, PV_IMPORT_APPOINTMENTS, PV_IMPORT_INVOICES,
};

int pv_attr_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || (*s >= '0' && *s <= '9'))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int bad_node(struct pv_err *e, const struct pv_node *n,
		    const char *key, const char *why)
{
	return pv_fail(e, PV_CONFIG, "%s: %s: %s", n->origin, key, why);
}

static const char *scalar(const struct pv_node *map, const char *key)
{
	const struct pv_node *n = pv_node_get(map, key);

	return n && n->type == PV_NODE_SCALAR ? n->value : NULL;
}

static void kind_free(struct pv_map_kind *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		free(k->cols[i].vals);
	free(k->cols);
	free(k->conv);
	free(k->tmp);
	free(k);
}

void pv_map_free(struct pv_map *m)
{
	if (!m)
		return;
	for (int i = 0; i < 3; i++)
		kind_free(m->kinds[i]);
	pv_cfg_free(m->doc);
	free(m->origin);
	free(m);
}

/* One column: "field", "ignore", or a map of field/custom/format/values. */
static int load_col(struct pv_map_kind *k, const struct pv_node *n,
		    struct col *c, struct pv_err *e)
{
	const struct pv_node *v;

	memset(c, 0, sizeof *c);
	c->src = n->key;
	if (n->type == PV_NODE_SCALAR) {
		if (strcmp(n->value, "ignore") == 0)
			return PV_OK;
		c->field = n->value;
	} else if (n->type == PV_NODE_MAP) {
		for (v = n->child; v; v = v->next)
			if (strcmp(v->key, "field") && strcmp(v->key, "custom") &&
			    strcmp(v->key, "format") && strcmp(v->key, "values"))
				return bad_node(e, v, v->key, "unknown key "
						"(field, custom, format, "
						"values)");
		c->field = (char *)scalar(n, "field");
		c->custom = (char *)scalar(n, "custom");
		c->format = (char *)scalar(n, "format");
		if (!c->field == !c->custom)
			return bad_node(e, n, n->key, "give either field or "
					"custom");
		if (c->format && strcmp(c->format, "decimal") == 0) {
			c->decimal = 1;
			c->format = NULL;
		}
		if ((v = pv_node_get(n, "values"))) {
			const struct pv_node *x;

			if (v->type != PV_NODE_MAP)
				return bad_node(e, v, "values", "not a map of "
						"source value: our value");
			for (x = v->child; x; x = x->next)
				c->nvals++;
			c->vals = xcalloc(c->nvals, sizeof *c->vals);
			c->nvals = 0;
			for (x = v->child; x; x = x->next) {
				if (x->type != PV_NODE_SCALAR)
					return bad_node(e, x, x->key, "not a "
							"value");
				if (strcmp(x->key, "*") == 0) {
					c->other = x->value;
					continue;
				}
				c->vals[c->nvals].from = x->key;
				c->vals[c->nvals++].to = x->value;
			}
		}
	} else {
		return bad_node(e, n, n->key, "not a column name or a map");
	}
	if (c->field && !pv_import_field_known(k->kind, c->field))
		return pv_fail(e, PV_CONFIG, "%s: %s: no such column of %s "
			       "import: '%s'", n->origin, n->key,
			       kind_names[k->kind], c->field);
	if (c->custom && !pv_attr_name_valid(c->custom))
		return pv_fail(e, PV_CONFIG, "%s: %s: custom: not a name of "
			       "a-z, 0-9 and _: '%s'", n->origin, n->key,
			       c->custom);
	if (c->custom && k->kind == PV_IMPORT_INVOICES)
		return bad_node(e, n, n->key, "invoices have no custom "
				"attributes (customers and appointments do)");
	return PV_OK;
}

static int load_kind(struct pv_map *m, int i, const struct pv_node *n,
		     struct pv_err *e)
{
	struct pv_map_kind *k = xcalloc(1, sizeof *k);
	const struct pv_node *cols, *c, *x;
	const char *u;
	int st;

	m->kinds[i] = k;
	k->kind = kind_enum[i];
	{
		struct tm tm;

		pv_tz_local(pv_now(), "UTC", &tm);
		k->this_year = tm.tm_year + 1900;
	}
	if (n->type != PV_NODE_MAP)
		return bad_node(e, n, n->key, "not a map of columns, key, "
				"unmapped");
	for (x = n->child; x; x = x->next)
		if (strcmp(x->key, "columns") && strcmp(x->key, "key") &&
		    strcmp(x->key, "unmapped"))
			return bad_node(e, x, x->key, "unknown key (columns, "
					"key, unmapped)");
	cols = pv_node_get(n, "columns");
	if (!cols || cols->type != PV_NODE_MAP)
		return bad_node(e, n, n->key, "columns: missing, or not a "
				"map of the export's columns");
	for (c = cols->child; c; c = c->next)
		k->n++;
	k->cols = xcalloc(k->n ? k->n : 1, sizeof *k->cols);
	k->conv = xcalloc(k->n ? k->n : 1, sizeof *k->conv);
	k->n = 0;
	for (c = cols->child; c; c = c->next) {
		/* counted first: a column refused after its values table
		 * was made is freed with the others */
		st = load_col(k, c, &k->cols[k->n++], e);
		if (st)
			return st;
	}
	if ((x = pv_node_get(n, "key"))) {
		if (x->type != PV_NODE_SCALAR ||
		    !pv_import_field_known(k->kind, x->value) ||
		    strcmp(x->value, "external_id") == 0)
			return bad_node(e, x, "key", "not one of our columns "
					"(email, phone)");
		if (k->kind != PV_IMPORT_CUSTOMERS)
			return bad_node(e, x, "key", "only customers have a "
					"stand-in key");
		k->key = x->value;
	}
	if ((u = scalar(n, "unmapped"))) {
		if (strcmp(u, "ignore") && strcmp(u, "error"))
			return bad_node(e, pv_node_get(n, "unmapped"),
					"unmapped", "must be error or ignore");
		k->ignore_unmapped = strcmp(u, "ignore") == 0;
	}
	return PV_OK;
}

static int load_doc(struct pv_map *m, struct pv_err *e)
{
	const struct pv_node *root = m->doc->root, *x;
	int st;

	for (x = root->child; x; x = x->next) {
		int i, known = 0;

		for (i = 0; i < 3; i++)
			if (strcmp(x->key, kind_names[i]) == 0) {
				if ((st = load_kind(m, i, x, e)))
					return st;
				known = 1;
			}
		if (known || strcmp(x->key, "description") == 0)
			continue;
		if (strcmp(x->key, "delimiter") && strcmp(x->key, "encoding") &&
		    strcmp(x->key, "date_format"))
			return bad_node(e, x, x->key, "unknown key "
					"(description, delimiter, encoding, "
					"date_format, customers, appointments, "
					"invoices)");
		if (x->type != PV_NODE_SCALAR)
			return bad_node(e, x, x->key, "not a string");
	}
	m->delim = scalar(root, "delimiter");
	m->encoding = scalar(root, "encoding");
	m->date_format = scalar(root, "date_format");
	if (m->delim && !(strlen(m->delim) == 1 &&
			  pv_dialect_delim_valid(*m->delim)) &&
	    strcmp(m->delim, "tab") != 0)
		return bad_node(e, pv_node_get(root, "delimiter"), "delimiter",
				"must be ',', ';' or tab");
	if (m->encoding && !pv_dialect_encoding(m->encoding))
		return bad_node(e, pv_node_get(root, "encoding"), "encoding",
				"unknown (" PV_DIALECT_ENCODINGS ")");
	if (!m->kinds[0] && !m->kinds[1] && !m->kinds[2])
		return pv_fail(e, PV_CONFIG, "%s: no customers, appointments "
			       "or invoices to map", m->origin);
	return PV_OK;
}

/* A failed load frees the mapping; its message may quote a key or value
 * of the file (with a YAML block scalar, several lines of it): every
 * control character becomes '?', so the message stays one line and
 * cannot steer a terminal. */
static int finish(struct pv_map *m, int st, struct pv_map **out,
		  struct pv_err *e)
{
	if (st) {
		for (char *c = e->msg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		pv_map_free(m);
		return st;
	}
	*out = m;
	return PV_OK;
}

int pv_map_load_mem(const char *name, const char *text, size_t len,
		    struct pv_map **out, struct pv_err *e)
{
	struct pv_map *m = xcalloc(1, sizeof *m);
	int st;

	*out = NULL;
	m->origin = xstrdup(name ? name : "mapping");
	m->doc = pv_cfg_new();
	st = pv_yaml_load_mem(m->doc, m->origin, text, len, e);
	if (!st)
		st = load_doc(m, e);
	return finish(m, st, out, e);
}

/* NAME.yaml in the directories of pv_map_load. */
static char *find(const char *name)
{
	const char *env = getenv("PRIVACY_MAPPINGS");
	char exe[4096], *p, *path;
	ssize_t n;

	if (env && *env) {
		path = xasprintf("%s/%s.yaml", env, name);
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	path = xasprintf("%s/%s.yaml", PV_MAPPINGDIR, name);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	/* the tree: bin/privacyctl -> mappings/ */
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if ((p = strrchr(exe, '/')))
		*p = '\0';
	path = xasprintf("%s/../mappings/%s.yaml", exe, name);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	return NULL;
}

int pv_map_load(const char *arg, struct pv_map **out, struct pv_err *e)
{
	struct pv_map *m;
	size_t n = strlen(arg);
	char *path;
	int st;

	*out = NULL;
	if (strchr(arg, '/') || (n > 5 && strcmp(arg + n - 5, ".yaml") == 0)) {
		path = xstrdup(arg);
	} else {
		if (!pv_attr_name_valid(arg) && strspn(arg, "abcdefghijklmn"
			"opqrstuvwxyz0123456789-_") != n)
			return pv_fail(e, PV_USAGE, "not a mapping name or "
				       "file: '%s'", arg);
		if (!(path = find(arg)))
			return pv_fail(e, PV_NOINPUT, "no such mapping: '%s' "
				       "(see privacy-mapping(5))", arg);
	}
	if (access(path, R_OK) != 0) {
		st = pv_fail(e, PV_NOINPUT, "no such mapping file: '%s'",
			     path);
		free(path);
		return st;
	}
	m = xcalloc(1, sizeof *m);
	m->origin = path;
	m->doc = pv_cfg_new();
	st = pv_yaml_load_file(m->doc, path, e);
	if (!st)
		st = load_doc(m, e);
	return finish(m, st, out, e);
}

const char *pv_map_delimiter(const struct pv_map *m)
{
	return m->delim;
}

const char *pv_map_encoding(const struct pv_map *m)
{
	return m->encoding;
}

const char *pv_map_date_format(const struct pv_map *m)
{
	return m->date_format;
}

const char *pv_map_origin(const struct pv_map *m)
{
	return m->origin;
}

struct pv_map_kind *pv_map_kind(const struct pv_map *m, const char *kind)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(kind, kind_names[i]) == 0)
			return m->kinds[i];
	return NULL;
}

const char *pv_map_key(const struct pv_map_kind *k)
{
	return k->key;
}

void pv_attrs_free(struct pv_attrs *a)
{
	free(a->a);
	memset(a, 0, sizeof *a);
}

static void attr_add(struct pv_attrs *a, const char *name, const char *v)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 8;
		a->a = xrealloc(a->a, a->cap * sizeof *a->a);
	}
	a->a[a->n].name = name;
	a->a[a->n++].value = v;
}

static const struct col *col_of(const struct pv_map_kind *k, const char *src,
				size_t *idx)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->cols[i].src, src) == 0) {
			*idx = i;
			return &k->cols[i];
		}
	return NULL;
}

/* The value of src through column c, or NULL when it cannot be had. */
static const char *convert(const struct pv_map_kind *k, const struct col *c,
			   size_t idx, const char *v, const char **why)
{
	char *out = k->conv[idx];

	if (c->nvals || c->other) {
		size_t n = strlen(v);

		while (n && v[n - 1] == ' ')
			n--;
		while (n && *v == ' ')
			v++, n--;
		for (size_t i = 0; i < c->nvals; i++)
			if (strlen(c->vals[i].from) == n &&
			    strncasecmp(c->vals[i].from, v, n) == 0)
				return c->vals[i].to;
		if (c->other)
			return c->other;
		*why = "a value the mapping does not list";
		return NULL;
	}
	if (!*v)
		return v;
	if (c->decimal) {
		long long cents;

		if (pv_dialect_amount(v, &cents) != 0) {
			*why = "not an amount (1.234,50 or 1234.50)";
			return NULL;
		}
		snprintf(out, CONV, "%lld", cents);
		return out;
	}
	if (c->format) {
		struct pv_local_time t;
		char d[11];

		/* dates as ISO dates, times as local ISO times: the import
		 * takes those in the location's zone */
		if (pv_dialect_date(v, c->format, k->this_year, d) == 0) {
			snprintf(out, CONV, "%s", d);
			return out;
		}
		if (pv_dialect_local_time(v, c->format, k->this_year, &t) ==
		    0) {
			snprintf(out, CONV, "%04d-%02d-%02d %02d:%02d:%02d",
				 t.y, t.m, t.d, t.hh, t.mm, t.ss);
			return out;
		}
		*why = "not a date or time of the mapping's format";
		return NULL;
	}
	return v;
}

void pv_map_apply(struct pv_map_kind *k, const struct pv_rec *src,
		  struct pv_rec *dst, struct pv_attrs *attrs, int *used_key,
		  void (*bad)(void *arg, const char *col, const char *why),
		  void *arg)
{
	const char *mkt = NULL, *key = NULL, *xid = NULL;
	size_t idx, n = 0;

	pv_rec_clear(dst);
	attrs->n = 0;
	*used_key = 0;
	dst->file = src->file;
	dst->line = src->line;
	dst->hline = src->hline;
	if (k->tcap < src->n + 1) {
		k->tcap = src->n + 1;
		k->tmp = xrealloc(k->tmp, k->tcap * sizeof *k->tmp);
	}
	for (size_t j = 0; j < src->n; j++) {
		const struct col *c = col_of(k, src->keys[j], &idx);
		const char *v = src->vals[j], *why = NULL;

		if (!c) {
			if (!k->ignore_unmapped) {
				k->tmp[n].k = src->keys[j];
				k->tmp[n++].v = v;
			}
			continue;
		}
		if (!c->field && !c->custom)
			continue; /* ignore */
		if (v && !(v = convert(k, c, idx, v, &why))) {
			bad(arg, c->src, why);
			continue;
		}
		if (c->custom) {
			attr_add(attrs, c->custom, v ? v : "");
			continue;
		}
		if (strcmp(c->field, "marketing_email") == 0)
			mkt = v;
		if (strcmp(c->field, "external_id") == 0 && v && *v)
			xid = v;
		if (k->key && strcmp(c->field, k->key) == 0)
			key = v;
		k->tmp[n].k = c->field;
		k->tmp[n++].v = v;
	}
	for (size_t i = 0; i < n; i++) {
		/* The opt-in date and source of an export belong to its
		 * "yes": with a "no" they date the customer's leaving. */
		if ((!mkt || strcmp(mkt, "yes") != 0) &&
		    (strcmp(k->tmp[i].k, "marketing_opt_in_at") == 0 ||
		     strcmp(k->tmp[i].k, "marketing_source") == 0))
			continue;
		pv_rec_add(dst, k->tmp[i].k, k->tmp[i].v);
	}
	if (!xid && k->key && key && *key) {
		pv_rec_add(dst, "external_id", key);
		*used_key = 1;
	}
}
