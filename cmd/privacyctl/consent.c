/* consent.c - the consent ledger: grant, withdraw, show, list, import. */
#include <string.h>

#include "clock.h"
#include "commands.h"
#include "consent.h"
#include "db.h"
#include "subject.h"

static int customer_arg(struct pv_ctx *c, long long *id)
{
	struct pv_subject_opts so = {0};
	struct pv_subject s;
	int st;

	so.customer = c->argv[0];
	st = pv_subject_from_opts(c->db, &so, &s, &c->err);
	if (st == PV_USAGE)
		return pv_usage(c, "%s", c->err.msg);
	*id = s.customer_id;
	return st;
}

static int record(struct pv_ctx *c, const char *event)
{
	struct pv_consent_event ev = {0};
	enum pv_consent_state state;
	char at[PV_TIME_LEN];
	long long id;
	int st;

	ev.purpose = pv_opt(c, "purpose");
	ev.event = event;
	ev.source = pv_opt(c, "source");
	ev.ip = pv_opt(c, "ip");
	ev.user_agent = pv_opt(c, "user-agent");
	ev.text_version = pv_opt(c, "text-version");
	if (!ev.purpose)
		return pv_usage(c, "missing --purpose");
	if (!ev.source) {
		if (strcmp(event, "granted") == 0)
			return pv_usage(c, "missing --source");
		ev.source = "staff";
	}
	ev.at = pv_time_fmt(pv_now(), at);
	if ((st = customer_arg(c, &id)))
		return st;
	if ((st = pv_db_begin(c->db, &c->err)))
		return st;
	st = pv_consent_append(c->db, id, &ev, &c->err);
	if (!st)
		st = pv_consent_state(c->db, id, ev.purpose, &state, NULL, NULL,
				      &c->err);
	if (!st && pv_flag(c, "dry-run")) {
		pv_db_rollback(c->db);
	} else if (!st) {
		st = pv_db_commit(c->db, &c->err);
	} else {
		pv_db_rollback(c->db);
		if (st == PV_USAGE)
			return pv_usage(c, "%s", c->err.msg);
		return st;
	}
	if (st)
		return st;
	pv_w_begin(c->out);
	pv_w_int(c->out, "customer_id", id);
	pv_w_str(c->out, "purpose", ev.purpose);
	pv_w_str(c->out, "event", event);
	pv_w_str(c->out, "at", at);
	pv_w_str(c->out, "source", ev.source);
	pv_w_str(c->out, "state", pv_consent_state_name(state));
	pv_w_bool(c->out, "dry_run", pv_flag(c, "dry-run"));
	pv_w_end(c->out);
	return PV_OK;
}

static int cmd_consent_grant(struct pv_ctx *c)
{
	return record(c, "granted");
}

static int cmd_consent_withdraw(struct pv_ctx *c)
{
	return record(c, "withdrawn");
}

static int cmd_consent_show(struct pv_ctx *c)
{
	long long id;
	int st;

	if ((st = customer_arg(c, &id)))
		return st;
	return pv_consent_write_history(c->db, id, c->out, &c->err);
}

static int cmd_consent_list(struct pv_ctx *c)
{
	long long loc, n;
	int st;

	pv_writer_type(c->out, "consent");

	if ((st = pc_location_id(c, &loc)))
		return st;
	st = pv_consent_write_states(c->db, loc,
				     pv_flag(c, "needs-repermission"), c->out,
				     &n, &c->err);
	if (st)
		return st;
	if (n == 0)
		return pv_fail(&c->err, PV_PARTIAL, "no consent matched");
	return PV_OK;
}

static int cmd_consent_import(struct pv_ctx *c)
{
	return pc_import(c, PV_IMPORT_CONSENTS);
}

static const struct pv_opt grant_opts[] = {
	{"purpose", 0, "PURPOSE", "marketing-email or marketing-sms "
	 "(required)"},
	{"source", 0, "SOURCE", "booking-form, staff, import, double-opt-in"
	 " or re-permission (required)"},
	{"ip", 0, "IP", "evidence: the IP address the consent came from"},
	{"user-agent", 0, "UA", "evidence: the browser's user agent"},
	{"text-version", 0, "V", "evidence: the version of the consent text"},
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt withdraw_opts[] = {
	{"purpose", 0, "PURPOSE", "marketing-email or marketing-sms "
	 "(required)"},
	{"source", 0, "SOURCE", "where the withdrawal came from (default "
	 "staff)"},
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt no_opts[] = {{NULL, 0, NULL, NULL}};
static const struct pv_opt list_opts[] = {
	{"location", 0, "SLUG", "only customers of this location"},
	{"needs-repermission", 0, NULL, "only pre-2018 opt-ins without "
	 "proof"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt import_opts[] = {
	{"location", 0, "SLUG", "the location of rows without a location "
	 "column"},
	{"skip-invalid", 0, NULL, "import the valid rows, report the others, "
	 "exit 1"},
	{"dry-run", 'n', NULL, "check and count, change nothing"},
	{"input-format", 0, "FORMAT", "auto (default), ndjson, json, csv"},
	PC_DIALECT_OPTS,
	{NULL, 0, NULL, NULL},
};

const struct pv_cmd pc_consent_cmds[] = {
	{"consent grant", "CUSTOMER", "record a consent", grant_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_consent_grant},
	{"consent withdraw", "CUSTOMER", "record a withdrawal", withdraw_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_consent_withdraw},
	{"consent show", "CUSTOMER", "show a customer's consent history",
	 no_opts, PV_CMD_DB_RO, 1, 1, cmd_consent_show},
	{"consent list", "", "list the current consent state per customer "
	 "and purpose", list_opts, PV_CMD_DB_RO, 0, 0, cmd_consent_list},
	{"consent import", "[FILE...]", "import consent events into the "
	 "ledger", import_opts, PV_CMD_DB_RW | PV_CMD_STDIN | PV_CMD_SINGLE, 0,
	 -1, cmd_consent_import},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
