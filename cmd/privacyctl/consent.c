/* consent.c - the consent ledger: grant, withdraw, show, list, import. */
#include <stdlib.h>
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
	*id = s.customer_id;
	return st;
}

static int record(struct pv_ctx *c, const char *event)
{
	struct pv_consent_event ev = {0};
	enum pv_consent_state state;
	char at[PV_TIME_LEN], text_sha[65];
	long long id;
	int st;

	ev.purpose = pv_opt(c, "purpose");
	ev.event = event;
	ev.source = pv_opt(c, "source");
	ev.ip = pv_opt(c, "ip");
	ev.user_agent = pv_opt(c, "user-agent");
	ev.text_version = pv_opt(c, "text-version");
	ev.document = pv_opt(c, "document");
	if (!ev.purpose)
		return pv_usage(c, "missing --purpose");
	if (ev.source && strcmp(ev.source, "paper") == 0 &&
	    (!ev.document || !*ev.document))
		return pv_usage(c, "--source paper needs --document (the "
				"signed form's reference)");
	if (ev.document && (!ev.source || strcmp(ev.source, "paper") != 0))
		return pv_usage(c, "--document goes with --source paper");
	if (ev.document && (strlen(ev.document) > 256 ||
			    !pv_utf8_valid(ev.document, strlen(ev.document))))
		return pv_usage(c, "--document: at most 256 bytes of UTF-8");
	if (!ev.source) {
		if (strcmp(event, "granted") == 0)
			return pv_usage(c, "missing --source");
		ev.source = "staff";
	}
	ev.at = pv_time_fmt(pv_now(), at);
	if ((st = customer_arg(c, &id)))
		return st;
	if (pv_opt(c, "text")) {
		struct pv_consent_text t;

		if (ev.text_version)
			return pv_usage(c, "--text and --text-version: give "
					"one");
		st = pv_consent_text_get(c->db, pv_opt(c, "text"), &t,
					 &c->err);
		if (st)
			return st;
		ev.text_id = t.ref.id;
		snprintf(text_sha, sizeof text_sha, "%s", t.ref.sha256);
		ev.text_version = text_sha;
		pv_consent_text_free(&t);
	}
	if ((st = pv_db_begin(c->db, &c->err)))
		return st;
	st = pv_consent_append(c->db, id, &ev, &c->err);
	if (!st)
		st = pv_consent_state(c->db, id, ev.purpose, &state, NULL, NULL,
				      &c->err);
	if (st || pv_flag(c, "dry-run"))
		pv_db_rollback(c->db);
	else
		st = pv_db_commit(c->db, &c->err);
	if (st)
		return st;
	pv_w_begin(c->out);
	pv_w_int(c->out, "customer_id", id);
	pv_w_str(c->out, "purpose", ev.purpose);
	pv_w_str(c->out, "event", event);
	pv_w_str(c->out, "at", at);
	pv_w_str(c->out, "source", ev.source);
	if (ev.document)
		pv_w_str(c->out, "document", ev.document);
	if (ev.text_id)
		pv_w_int(c->out, "text_id", ev.text_id);
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

	pv_writer_type(c->out, "consent-event");
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
	return pv_nothing_matched(c, n, "consent");
}

static int cmd_consent_import(struct pv_ctx *c)
{
	return pc_import(c, PV_IMPORT_CONSENTS);
}

static int cmd_consent_text_add(struct pv_ctx *c)
{
	const char *path = c->argc > 0 ? c->argv[0] : "-";
	struct pv_consent_text_ref ref;
	char *body = NULL;
	size_t len = 0;
	int st;

	if (!pv_opt(c, "name") || !pv_opt(c, "language"))
		return pv_usage(c, "missing --name or --language");
	st = pv_read_file(strcmp(path, "-") == 0 ? "/dev/stdin" : path, 0,
			  &body, &len, &c->err);
	if (st)
		goto out;
	if (!body || len == 0 || memchr(body, 0, len)) {
		st = pv_fail(&c->err, PV_DATAERR, "%s: the text is empty or "
			     "binary", path);
		goto out;
	}
	if ((st = pv_db_begin(c->db, &c->err)))
		goto out;
	st = pv_consent_text_archive(c->db, pv_opt(c, "name"),
				     pv_opt(c, "language"), NULL, body, &ref,
				     &c->err);
	if (!st && pv_flag(c, "dry-run"))
		pv_db_rollback(c->db);
	else if (!st)
		st = pv_db_commit(c->db, &c->err);
	if (st) {
		pv_db_rollback(c->db);
		goto out;
	}
	pv_w_begin(c->out);
	pv_w_int(c->out, "text_id", ref.id);
	pv_w_str(c->out, "name", pv_opt(c, "name"));
	pv_w_str(c->out, "language", pv_opt(c, "language"));
	pv_w_int(c->out, "version", ref.version);
	pv_w_str(c->out, "sha256", ref.sha256);
	pv_w_bool(c->out, "new", ref.created);
	pv_w_bool(c->out, "dry_run", pv_flag(c, "dry-run"));
	pv_w_end(c->out);
out:
	free(body);
	return st;
}

static int cmd_consent_text_list(struct pv_ctx *c)
{
	long long n;
	int st = pv_consent_text_list(c->db, c->out, &n, &c->err);

	if (!st && n == 0)
		return pv_fail(&c->err, PV_PARTIAL, "no consent text archived");
	return st;
}

static int cmd_consent_text_show(struct pv_ctx *c)
{
	struct pv_consent_text t;
	int st = pv_consent_text_get(c->db, c->argv[0], &t, &c->err);

	if (st)
		return st;
	pv_consent_text_write(c->out, &t, 1);
	pv_consent_text_free(&t);
	return PV_OK;
}

static const struct pv_opt text_add_opts[] = {
	{"name", 0, "NAME", "what the text is, e.g. booking-form (required)"},
	{"language", 0, "LANG", "its language, e.g. de (required)"},
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};

static const struct pv_opt grant_opts[] = {
	{"purpose", 0, "PURPOSE:marketing-email|marketing-sms",
	 "marketing-email or marketing-sms "
	 "(required)"},
	{"source", 0, "SOURCE", "booking-form, staff, paper, import, "
	 "double-opt-in or re-permission (required)"},
	{"ip", 0, "IP", "evidence: the IP address the consent came from"},
	{"user-agent", 0, "UA", "evidence: the browser's user agent"},
	{"text-version", 0, "V", "evidence: the version of the consent text"},
	{"text", 0, "TEXT", "evidence: the archived text agreed to (id, "
	 "NAME:LANG:VERSION or SHA-256)"},
	{"document", 0, "REF", "with --source paper: the signed form's "
	 "reference (proof)"},
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt withdraw_opts[] = {
	{"purpose", 0, "PURPOSE:marketing-email|marketing-sms",
	 "marketing-email or marketing-sms "
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
	{"input-format", 0, "FORMAT:auto|ndjson|json|csv",
	 "auto (default), ndjson, json, csv"},
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
	{"consent text-add", "[FILE]", "archive a consent text (a form's "
	 "wording) once, versioned and hashed", text_add_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 0, 1, cmd_consent_text_add},
	{"consent text-list", "", "list the archived consent texts", no_opts,
	 PV_CMD_DB_RO, 0, 0, cmd_consent_text_list},
	{"consent text-show", "TEXT", "show an archived consent text (id, "
	 "NAME:LANG:VERSION or SHA-256)", no_opts,
	 PV_CMD_DB_RO | PV_CMD_SINGLE, 1, 1, cmd_consent_text_show},
	{"consent import", "[FILE...]", "import consent events into the "
	 "ledger", import_opts, PV_CMD_DB_RW | PV_CMD_STDIN | PV_CMD_SINGLE, 0,
	 -1, cmd_consent_import},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
