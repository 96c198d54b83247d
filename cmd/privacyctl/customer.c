/* customer.c - customer, appointment and invoice imports, customer list
 * and show, the marketing audience. */
#include <string.h>

#include "clock.h"
#include "commands.h"
#include "consent.h"
#include "customer.h"
#include "dialect.h"
#include "import.h"
#include "location.h"
#include "mapping.h"
#include "subject.h"

enum { MAX_SHOWN = 100 };

struct shown {
	long n;
};

static void report_row(void *arg, const struct pv_err *e)
{
	struct shown *s = arg;

	/* the expected differences of a nightly sync (an erased customer's
	 * rows skipped, a consent known better here kept) are notices,
	 * counted in the summary: -q leaves them out */
	if (e->status == PV_PARTIAL && pv_quiet)
		return;
	if (s->n++ < MAX_SHOWN)
		pv_report(e);
}

/* --delimiter: ',' ';' or a tab, also by name. */
static int pc_delimiter(const char *s, char *out)
{
	static const struct {
		const char *name;
		char c;
	} t[] = {
		{",", ','}, {"comma", ','}, {";", ';'}, {"semicolon", ';'},
		{"\t", '\t'}, {"tab", '\t'}, {"\\t", '\t'},
	};

	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp(s, t[i].name) == 0)
			return *out = t[i].c, 0;
	return -1;
}

/* Shared by the four imports (consent.c calls it too). */
int pc_import(struct pv_ctx *c, enum pv_import_kind kind)
{
	struct pv_import_opts o = {0};
	struct pv_import_stats s;
	struct shown shown = {0};
	enum pv_fmt fmt = PV_FMT_AUTO;
	struct pv_input *in;
	const char *f = pv_opt(c, "input-format");
	const char *d = pv_opt(c, "delimiter");
	const char *enc = pv_opt(c, "encoding");
	const char *map = pv_opt(c, "map");
	struct pv_map *m = NULL;
	struct pv_policy *pol = NULL;
	char delim = 0;
	int st;

	if (map) {
		/* the mapping's dialect, unless the options say otherwise */
		if ((st = pv_map_load(map, &m, &c->err)))
			return st;
		if (!(o.map = pv_map_kind(m, pv_import_kind_name(kind)))) {
			st = pv_fail(&c->err, PV_USAGE, "mapping '%s' has no "
				     "%s", map, pv_import_kind_name(kind));
			goto out;
		}
		if (!d)
			d = pv_map_delimiter(m);
		if (!enc)
			enc = pv_map_encoding(m);
	}
	if (f && pv_fmt_parse(f, 1, &fmt) != 0) {
		st = pv_usage(c, "unknown input format '%s' (auto, ndjson, "
			      "json, csv)", f);
		goto out;
	}
	if (d && pc_delimiter(d, &delim) != 0) {
		st = pv_usage(c, "unknown delimiter '%s' (',', ';' or tab)", d);
		goto out;
	}
	if (enc && !pv_dialect_encoding(enc)) {
		st = pv_usage(c, "unknown encoding '%s' (%s)", enc,
			      PV_DIALECT_ENCODINGS);
		goto out;
	}
	o.date_fmt = pv_opt(c, "date-format");
	if (!o.date_fmt && m)
		o.date_fmt = pv_map_date_format(m);
	o.location = pv_opt(c, "location");
	o.db_path = c->db_path;
	o.skip_invalid = pv_flag(c, "skip-invalid");
	o.dry_run = pv_flag(c, "dry-run");
	/* records past their active period stay out (retention.h) */
	if (kind != PV_IMPORT_CUSTOMERS && kind != PV_IMPORT_CONSENTS) {
		if ((st = pv_policy_load(c->cfg, &pol, &c->err)))
			goto out;
		o.policy = pol;
	}
	if (o.location) {
		struct pv_location l = {0};

		st = pv_location_get(c->db, o.location, &l, &c->err);
		pv_location_free(&l);
		if (st)
			goto out;
	}
	in = pv_input_open(c->argc, c->argv, fmt);
	if ((st = pv_input_dialect(in, delim, enc, &c->err))) {
		pv_input_close(in);
		goto out;
	}
	st = pv_import(c->db, kind, in, &o, report_row, &shown, &s, &c->err);
	pv_input_close(in);
	if (shown.n > MAX_SHOWN)
		pv_warn("%ld more messages not shown", shown.n - MAX_SHOWN);
	if (st == PV_OK || st == PV_PARTIAL)
		pv_import_write_stats(c->out, kind, &s, o.dry_run);
out:
	pv_policy_free(pol);
	pv_map_free(m);
	return st;
}

static int cmd_customer_import(struct pv_ctx *c)
{
	return pc_import(c, PV_IMPORT_CUSTOMERS);
}

static int cmd_appointment_import(struct pv_ctx *c)
{
	return pc_import(c, PV_IMPORT_APPOINTMENTS);
}

static int cmd_invoice_import(struct pv_ctx *c)
{
	return pc_import(c, PV_IMPORT_INVOICES);
}

/* --location SLUG as an id (0 when not given). */
int pc_location_id(struct pv_ctx *c, long long *id)
{
	const char *slug = pv_opt(c, "location");
	struct pv_location l = {0};
	int st;

	*id = 0;
	if (!slug)
		return PV_OK;
	st = pv_location_get(c->db, slug, &l, &c->err);
	*id = l.id;
	pv_location_free(&l);
	return st;
}

static int cmd_customer_list(struct pv_ctx *c)
{
	struct pv_customer_filter f = {0};
	const char *since = pv_opt(c, "inactive-since");
	char cutoff[PV_TIME_LEN];
	long long n;
	int st;

	pv_writer_type(c->out, "customer");

	f.email = pv_opt(c, "email");
	f.name = pv_opt(c, "name");
	f.phone = pv_opt(c, "phone");
	f.external_id = pv_opt(c, "external-id");
	if ((st = pv_opt_limit(c, &f.limit)))
		return st;
	f.marketing = pv_opt(c, "marketing");
	if (f.marketing && !pv_customer_marketing_filter_valid(f.marketing))
		return pv_usage(c, "--marketing: must be valid, invalid, "
				"needs-repermission or none");
	if (since) {
		struct pv_duration d;

		if (pv_duration_parse(since, &d) != 0)
			return pv_usage(c, "--inactive-since: not a duration "
					"(3y, 18m, 6w, 30d): '%s'", since);
		f.inactive_before = pv_time_fmt(pv_time_sub(pv_now(), &d),
						cutoff);
	}
	f.notice_passed = pv_flag(c, "notice-passed");
	if (f.notice_passed && !since)
		return pv_usage(c, "--notice-passed goes with "
				"--inactive-since");
	if ((st = pc_location_id(c, &f.location_id)))
		return st;
	if ((st = pv_customer_list(c->db, &f, c->out, &n, &c->err)))
		return st;
	return pv_nothing_matched(c, n, "customer");
}

static int cmd_customer_show(struct pv_ctx *c)
{
	struct pv_subject_opts so = {0};
	struct pv_subject s;
	int st;

	so.customer = c->argc ? c->argv[0] : NULL;
	so.email = pv_opt(c, "email");
	so.external_id = pv_opt(c, "external-id");
	so.location = pv_opt(c, "location");
	if (!so.customer && !so.email && !so.external_id)
		return pv_usage(c, "name a customer id, --email or "
				"--external-id");
	if (!!so.customer + !!so.email + !!so.external_id > 1)
		return pv_usage(c, "give one of a customer id, --email and "
				"--external-id");
	st = pv_subject_from_opts(c->db, &so, &s, &c->err);
	if (st)
		return st;
	return pv_customer_write(c->db, s.customer_id, c->out, &c->err);
}

static int cmd_marketing_audience(struct pv_ctx *c)
{
	long long loc, n;
	int st;

	pv_writer_type(c->out, "audience");

	if ((st = pc_location_id(c, &loc)))
		return st;
	if ((st = pv_marketing_audience(c->db, loc, c->out, &n, &c->err)))
		return st;
	if (n == 0 && pv_quiet) /* nothing matched: privacy(7) */
		return PV_PARTIAL;
	if (n == 0)
		return pv_fail(&c->err, PV_PARTIAL, "nobody may receive "
			       "marketing now (marketing off, or no valid "
			       "consent)");
	return PV_OK;
}

#define IMPORT_OPTS                                                        \
	{"location", 0, "SLUG", "the location of rows without a location "  \
	 "column"},                                                         \
	{"skip-invalid", 0, NULL, "import the valid rows, report the "      \
	 "others, exit 1"},                                                 \
	{"dry-run", 'n', NULL, "check and count, change nothing"},          \
	{"input-format", 0, "FORMAT:auto|ndjson|json|csv",                     \
	 "auto (default), ndjson, json, csv"},                               \
	PC_DIALECT_OPTS,                                                    \
	{"map", 0, "NAME|FILE", "read the export of a booking system "     \
	 "through a mapping file (privacy-mapping(5))"},                   \
	{NULL, 0, NULL, NULL}

static const struct pv_opt import_opts[] = {IMPORT_OPTS};
static const struct pv_opt list_opts[] = {
	{"location", 0, "SLUG", "only customers of this location"},
	{"email", 0, "ADDR", "only customers with this e-mail address"},
	{"name", 0, "TEXT", "only customers whose name contains TEXT "
	 "(case does not matter)"},
	{"phone", 0, "NUMBER", "only customers with this phone number "
	 "(spaces, dashes and a +49 or 0 prefix do not matter)"},
	{"external-id", 0, "X", "only the customer with this booking-system "
	 "id"},
	{"limit", 0, "N", "at most N customers"},
	{"marketing", 0, "STATE:valid|invalid|needs-repermission|unproven|"
	 "none", "valid, invalid, needs-repermission, unproven (a later "
	 "opt-in without proof: a double opt-in fixes it) or none"},
	{"inactive-since", 0, "DURATION", "no appointment within DURATION "
	 "(3y, 18m), and a customer for longer"},
	{"notice-passed", 0, NULL, "with --inactive-since: only those whose "
	 "deletion notice's day has come (customer notice)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt show_opts[] = {
	{"email", 0, "ADDR", "the customer with this e-mail address"},
	{"external-id", 0, "X", "the customer with this booking-system id "
	 "(with --location)"},
	{"location", 0, "SLUG", "with --email or --external-id: in this "
	 "location"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt audience_opts[] = {
	{"location", 0, "SLUG", "only customers of this location"},
	{NULL, 0, NULL, NULL},
};

const struct pv_cmd pc_customer_cmds[] = {
	{"customer import", "[FILE...]", "import or update customers",
	 import_opts, PV_CMD_DB_RW | PV_CMD_STDIN | PV_CMD_SINGLE, 0, -1,
	 cmd_customer_import},
	{"customer list", "", "list customers", list_opts, PV_CMD_DB_RO, 0, 0,
	 cmd_customer_list},
	{"customer show", "[ID]", "show a customer with bookings, invoices "
	 "and consent state", show_opts, PV_CMD_DB_RO | PV_CMD_SINGLE, 0, 1,
	 cmd_customer_show},
	{"appointment import", "[FILE...]", "import or update appointments",
	 import_opts, PV_CMD_DB_RW | PV_CMD_STDIN | PV_CMD_SINGLE, 0, -1,
	 cmd_appointment_import},
	{"invoice import", "[FILE...]", "import or update invoices",
	 import_opts, PV_CMD_DB_RW | PV_CMD_STDIN | PV_CMD_SINGLE, 0, -1,
	 cmd_invoice_import},
	{"marketing audience", "", "list the customers who may receive "
	 "marketing now", audience_opts, PV_CMD_DB_RO, 0, 0,
	 cmd_marketing_audience},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
