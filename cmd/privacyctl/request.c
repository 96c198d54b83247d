/* request.c - privacyctl's request commands and the compliance check. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "commands.h"
#include "db.h"
#include "location.h"
#include "remind.h"
#include "request.h"
#include "secret.h"
#include "subject.h"

static int request_id(struct pv_ctx *c, long long *id)
{
	if (pv_parse_ll(c->argv[0], id) != 0 || *id <= 0)
		return pv_usage(c, "not a request id: '%s'", c->argv[0]);
	return PV_OK;
}

static int show(struct pv_ctx *c, long long id)
{
	return pv_request_show(c->db, id, c->out, &c->err);
}

static int cmd_new(struct pv_ctx *c)
{
	struct pv_subject_opts so = {
		NULL, pv_opt(c, "customer"), pv_opt(c, "email"),
		pv_opt(c, "external-id"), pv_opt(c, "location"),
	};
	struct pv_request_in in = {0};
	const char *rec = pv_opt(c, "received");
	long long id;
	int st, dup = 0;

	in.type = pv_opt(c, "type");
	in.channel = pv_opt(c, "channel");
	in.verified = pv_flag(c, "verified");
	if (!in.type)
		return pv_usage(c, "missing --type");
	if (rec && pv_time_or_date_parse(rec, &in.received) != 0)
		return pv_usage(c, "--received: not an RFC 3339 time or date: "
				"'%s'", rec);
	if ((st = pv_request_in_check(&in, &c->err)))
		return st;
	if ((st = pv_request_subject(c->db, &so, &in, &c->err)))
		return st;
	if (rec && strlen(rec) == 10 && in.location_id) {
		/* a bare date is a day of the location's calendar */
		struct pv_location loc;

		if ((st = pv_location_get_id(c->db, in.location_id, &loc,
					     &c->err)))
			return st;
		pv_time_or_local_date_parse(rec, loc.timezone, &in.received);
		pv_location_free(&loc);
	}
	in.duplicate = &dup;
	if ((st = pv_request_new(c->db, c->cfg, &in, &id, &c->err)))
		return st;
	if (dup && !pv_quiet)
		pv_warn("request %lld of this type is open for this subject "
			"already: linked to it, no second deadline", id);
	return pv_request_show_intake(c->db, id, dup, c->out, &c->err);
}

/*
 * The code comes from PRIVACY_CODE or the first line of stdin, so that it
 * is in no process's argv; the operand form stays for old scripts (the
 * manual says it is visible in ps).
 */
static int cmd_verify(struct pv_ctx *c)
{
	const char *by = pv_opt(c, "verified-by");
	char code[128];
	long long id;
	int st, got = 0;

	if ((st = request_id(c, &id)))
		return st;
	if (by) {
		if (c->argc > 1)
			return pv_usage(c, "a code and --verified-by exclude "
					"each other");
		if ((st = pv_request_verify_by(c->db, id, by, &c->err)))
			return st;
		return show(c, id);
	}
	if (c->argc > 1) {
		if (strlen(c->argv[1]) >= sizeof code)
			return pv_usage(c, "not a code");
		snprintf(code, sizeof code, "%s", c->argv[1]);
	} else if ((st = pv_secret_input("PRIVACY_CODE", "code", code,
					 sizeof code, &c->err))) {
		if (st != PV_USAGE)
			return st;
		code[0] = '\0';
	}
	for (const char *p = code; *p; p++)
		if (*p != ' ' && *p != '\t')
			got = 1;
	if (!got)
		return pv_usage(c, "no code: give the customer's code on stdin "
				"or in PRIVACY_CODE, or say how staff checked "
				"the identity with --verified-by METHOD");
	st = pv_request_verify(c->db, id, code, &c->err);
	pv_wipe(code, sizeof code);
	if (st)
		return st;
	return show(c, id);
}

static int cmd_resend(struct pv_ctx *c)
{
	long long id;
	int st;

	if ((st = request_id(c, &id)))
		return st;
	if ((st = pv_request_resend_code(c->db, id, &c->err)))
		return st;
	return show(c, id);
}

static int cmd_cancel(struct pv_ctx *c)
{
	long long id;
	int st;

	if ((st = request_id(c, &id)))
		return st;
	if ((st = pv_request_cancel(c->db, id, pv_opt(c, "reason"), &c->err)))
		return st;
	return show(c, id);
}

static int cmd_extend(struct pv_ctx *c)
{
	const char *by = pv_opt(c, "by");
	long long id, n = 0;
	int st;

	if ((st = request_id(c, &id)))
		return st;
	if (!by)
		return pv_usage(c, "missing --by 1|2");
	if (pv_parse_ll(by, &n) != 0 || (n != 1 && n != 2))
		return pv_usage(c, "--by: must be 1 or 2 (months)");
	if ((st = pv_request_extend(c->db, c->cfg, id, (int)n,
				    pv_opt(c, "reason"), &c->err)))
		return st;
	return show(c, id);
}

static int cmd_reject(struct pv_ctx *c)
{
	long long id;
	int st;

	if ((st = request_id(c, &id)))
		return st;
	if ((st = pv_request_reject(c->db, id, pv_opt(c, "reason"), &c->err)))
		return st;
	return show(c, id);
}

static int cmd_complete(struct pv_ctx *c)
{
	long long id;
	int st;

	if ((st = request_id(c, &id)))
		return st;
	if ((st = pv_request_complete(c->db, id, pv_opt(c, "note"),
				      pv_flag(c, "unverified-ok"), &c->err)))
		return st;
	return show(c, id);
}

static int cmd_show(struct pv_ctx *c)
{
	long long id;
	int st;

	if ((st = request_id(c, &id)))
		return st;
	return show(c, id);
}

static int cmd_list(struct pv_ctx *c)
{
	struct pv_request_filter f = {0};
	const char *within = pv_opt(c, "due-within");
	struct pv_duration d;
	long n;
	int st;

	pv_writer_type(c->out, "request");

	const char *statuses[16], *types[16];

	f.nstatus = pv_opt_all(c, "status", statuses, 16);
	f.ntype = pv_opt_all(c, "type", types, 16);
	if (f.nstatus > 16 || f.ntype > 16)
		return pv_usage(c, "at most 16 --status and --type");
	f.statuses = statuses;
	f.types = types;
	f.location = pv_opt(c, "location");
	f.open = pv_flag(c, "open");
	if ((st = pv_opt_limit(c, &f.limit)))
		return st;
	f.overdue = pv_flag(c, "overdue");
	if (f.overdue)
		f.event = "request.overdue";
	if (within) {
		if (f.overdue)
			return pv_usage(c, "--overdue and --due-within "
					"exclude each other");
		if (pv_duration_parse(within, &d) != 0)
			return pv_usage(c, "--due-within: not a duration "
					"(7d, 2w, 1m): '%s'", within);
		f.due_before = pv_time_add(pv_now(), &d);
		f.event = "request.deadline-near";
	}
	if ((st = pv_request_list(c->db, &f, c->out, &n, &c->err)))
		return st;
	return pv_nothing_matched(c, n, "request");
}

static int cmd_process(struct pv_ctx *c)
{
	const char *lim = pv_opt(c, "limit");
	long long limit = 0;

	if (lim && (pv_parse_ll(lim, &limit) != 0 || limit <= 0))
		return pv_usage(c, "--limit: not a positive whole number: "
				"'%s'", lim);
	return pv_request_process(c->db, c->cfg, c->db_path,
				  pv_opt(c, "location"), (long)limit,
				  pv_flag(c, "dry-run"), c->out, &c->err);
}

static int cmd_check(struct pv_ctx *c)
{
	int fresh = pv_flag(c, "new");
	const char *name;
	long n;
	int st, rc;

	pv_writer_type(c->out, "check");
	name = pv_cfg_str(c->cfg, "controller.name", NULL);
	if ((!name || !*name) && !pv_quiet)
		pv_warn("warning: no controller in the configuration: exports "
			"and mails name none (set controller.name and "
			"controller.email, privacy-config(5))");
	if (fresh) {
		/* what is reported is remembered: read-write, in one
		 * transaction */
		pv_db_close(c->db);
		c->db = NULL;
		if ((st = pv_db_open(c->db_path, PV_DB_RW, &c->db, &c->err)) ||
		    (st = pv_db_begin(c->db, &c->err)))
			return st;
	}
	st = pv_check(c->db, c->cfg, c->db_path, pv_opt(c, "location"), fresh,
		      c->out, &n, &c->err);
	if (fresh && st != PV_OK && st != PV_PARTIAL)
		pv_db_rollback(c->db);
	else if (fresh && (rc = pv_db_commit(c->db, &c->err)))
		return rc;

	if (st == PV_PARTIAL && !pv_quiet)
		pv_warn("%ld finding%s", n, n == 1 ? "" : "s");
	return st;
}

static int cmd_ack(struct pv_ctx *c)
{
	const char *until = pv_opt(c, "until");
	long long id;
	long day = -1;
	int y, m, d, st;

	if ((st = request_id(c, &id)))
		return st;
	if (until) {
		if (pv_date_parse(until, &y, &m, &d) != 0)
			return pv_usage(c, "--until: not a date (YYYY-MM-DD): "
					"'%s'", until);
		day = pv_days_from_civil(y, m, d);
	}
	if ((st = pv_db_begin(c->db, &c->err)))
		return st;
	if ((st = pv_remind_ack(c->db, id, day, pv_opt(c, "reason"),
				&c->err))) {
		pv_db_rollback(c->db);
		return st;
	}
	if ((st = pv_db_commit(c->db, &c->err)))
		return st;
	return show(c, id);
}

static const struct pv_opt no_opts[] = {{NULL, 0, NULL, NULL}};
static const struct pv_opt new_opts[] = {
	{"type", 't', "TYPE:access|portability|erasure|rectification|"
	 "restriction|objection", "access, portability, erasure, "
	 "rectification, restriction or objection (required)"},
	{"customer", 0, "ID", "the subject by customer id"},
	{"email", 0, "ADDR", "the subject by e-mail address"},
	{"external-id", 0, "X", "the subject by booking-system id (with "
	 "--location)"},
	{"location", 'l', "SLUG", "the customer's location"},
	{"channel", 0, "CHANNEL:booking-form|email|phone|letter|in-person|web",
	 "booking-form, email (default), phone, "
	 "letter, in-person or web"},
	{"received", 0, "TIME", "when the request arrived (default now)"},
	{"verified", 0, NULL, "the caller vouches for the identity (the "
	 "customer is logged in)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt extend_opts[] = {
	{"by", 0, "MONTHS:1|2", "1 or 2 further months (required)"},
	{"reason", 0, "TEXT", "why, for the customer (required)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt reject_opts[] = {
	{"reason", 0, "TEXT", "why, for the customer (required)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt verify_opts[] = {
	{"verified-by", 0, "METHOD", "staff checked the identity by other "
	 "means, such as \"ID card at the counter\""},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt cancel_opts[] = {
	{"reason", 0, "TEXT", "why the customer withdrew it (required)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt complete_opts[] = {
	{"note", 0, "TEXT", "what was done"},
	{"unverified-ok", 0, NULL, "complete although the identity was never "
	 "checked"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt list_opts[] = {
	{"status", 0, "STATUS:unverified|received|verified|in-progress|"
	 "completed|rejected|cancelled", "only requests in this status "
	 "(repeat for several)"},
	{"type", 't', "TYPE:access|portability|erasure|rectification|"
	 "restriction|objection", "only requests of this type (repeat for "
	 "several)"},
	{"open", 0, NULL, "only open requests (not completed, rejected or "
	 "cancelled)"},
	{"limit", 0, "N", "at most N requests, the earliest due first"},
	{"location", 'l', "SLUG", "only requests of this location"},
	{"overdue", 0, NULL, "only open requests past their deadline"},
	{"due-within", 0, "DURATION", "only open requests due within "
	 "DURATION (7d, 2w)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt process_opts[] = {
	{"location", 'l', "SLUG", "only this location"},
	{"limit", 0, "N", "at most N requests"},
	{"dry-run", 'n', NULL, "show what would be done, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt ack_opts[] = {
	{"until", 0, "DATE", "silent until this day (YYYY-MM-DD); default: "
	 "until the request's state or deadline changes"},
	{"reason", 0, "TEXT", "why, for staff (kept, not audited)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt check_opts[] = {
	{"location", 'l', "SLUG", "only this location"},
	{"new", 0, NULL, "request findings only when new, changed or last "
	 "reported check.repeat_days (default 7) days ago, and not "
	 "acknowledged (cron)"},
	{NULL, 0, NULL, NULL},
};

const struct pv_cmd pc_request_cmds[] = {
	{"request new", "--type TYPE --customer ID|--email A|--external-id X",
	 "record a privacy request and compute its deadline", new_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 0, 0, cmd_new},
	{"request verify", "ID [--verified-by METHOD]", "accept the "
	 "customer's code (stdin or PRIVACY_CODE), or record how staff "
	 "checked the identity", verify_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 2, cmd_verify},
	{"request resend-code", "ID", "send a fresh code (the old one dies), "
	 "at most 3 times", no_opts, PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1,
	 cmd_resend},
	{"request cancel", "ID --reason TEXT", "the customer withdrew the "
	 "request: close it without a mail to them", cancel_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_cancel},
	{"request extend", "ID --by 1|2 --reason TEXT",
	 "extend the deadline once, before it passes", extend_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_extend},
	{"request reject", "ID --reason TEXT", "reject a request, with the "
	 "reason", reject_opts, PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_reject},
	{"request complete", "ID", "mark a request done by hand",
	 complete_opts, PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_complete},
	{"request ack", "ID [--until DATE] [--reason TEXT]",
	 "acknowledge or snooze the findings about a request in check --new",
	 ack_opts, PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_ack},
	{"request list", "", "list requests, by status, type, deadline",
	 list_opts, PV_CMD_DB_RO, 0, 0, cmd_list},
	{"request show", "ID", "show a request with its history", no_opts,
	 PV_CMD_DB_RO | PV_CMD_SINGLE, 1, 1, cmd_show},
	{"request process", "", "fulfil the verified requests of "
	 "self-service locations (cron)", process_opts, PV_CMD_DB_RW, 0, 0,
	 cmd_process},
	{"check", "", "report what needs attention: deadlines, consent, "
	 "settings, outbox, retention, permissions, audit chain", check_opts,
	 PV_CMD_DB_RO, 0, 0, cmd_check},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
