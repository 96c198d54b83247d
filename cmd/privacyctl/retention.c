/* retention.c - privacyctl's retention commands and legal holds. */
#include "clock.h"
#include "commands.h"
#include "inactive.h"
#include "location.h"
#include "retention.h"
#include "tombstone.h"

static int customer_id(struct pv_ctx *c, long long *id)
{
	if (pv_parse_ll(c->argv[0], id) != 0 || *id <= 0)
		return pv_usage(c, "not a customer id: '%s'", c->argv[0]);
	return PV_OK;
}

static int hold(struct pv_ctx *c, const char *reason)
{
	int dry = pv_flag(c, "dry-run"), changed = 0, st;
	long long id;

	if ((st = customer_id(c, &id)))
		return st;
	st = pv_customer_hold(c->db, id, reason, dry, &changed, &c->err);
	if (st)
		return st;
	pv_w_begin(c->out);
	pv_w_int(c->out, "customer_id", id);
	pv_w_str(c->out, "legal_hold", reason);
	pv_w_bool(c->out, "changed", changed);
	pv_w_end(c->out);
	return PV_OK;
}

static int cmd_hold(struct pv_ctx *c)
{
	const char *reason = pv_opt(c, "reason");

	if (!reason)
		return pv_usage(c, "missing --reason");
	return hold(c, reason);
}

static int cmd_unhold(struct pv_ctx *c)
{
	return hold(c, NULL);
}

static int cmd_unblock(struct pv_ctx *c)
{
	const char *reason = pv_opt(c, "reason");
	struct pv_location l = {0};
	struct pv_tomb *t = NULL;
	int dry = pv_flag(c, "dry-run"), st;

	if (!reason || !*reason)
		return pv_usage(c, "missing --reason");
	if ((st = pv_location_resolve(c->db, pv_opt(c, "location"), &l,
				      &c->err)))
		goto out;
	if ((st = pv_tomb_open(c->db_path, 0, &t, &c->err)))
		goto out;
	st = pv_tomb_unblock(t, c->db, l.slug, c->argv[0], reason, dry,
			     &c->err);
	if (st)
		goto out;
	pv_w_begin(c->out);
	pv_w_str(c->out, "location", l.slug);
	pv_w_str(c->out, "external_id", c->argv[0]);
	pv_w_str(c->out, "status", dry ? "would-unblock" : "unblocked");
	pv_w_end(c->out);
out:
	pv_tomb_close(t);
	pv_location_free(&l);
	return st;
}

static int cmd_notice(struct pv_ctx *c)
{
	const char *since = pv_opt(c, "inactive-since");
	const char *days_s = pv_opt(c, "days");
	char cutoff[PV_TIME_LEN];
	struct pv_duration d;
	long long days = 30, n, loc;
	int st;

	if (!since)
		return pv_usage(c, "missing --inactive-since");
	if (pv_duration_parse(since, &d) != 0)
		return pv_usage(c, "--inactive-since: not a duration (3y, 18m, "
				"6w, 30d): '%s'", since);
	if (days_s && (pv_parse_ll(days_s, &days) != 0 || days < 1 ||
		       days > 365))
		return pv_usage(c, "--days: must be a whole number from 1 to "
				"365");
	pv_time_fmt(pv_time_sub(pv_now(), &d), cutoff);
	if ((st = pc_location_id(c, &loc)))
		return st;
	return pv_inactive_notice(c->db, loc, cutoff, (int)days,
				  pv_flag(c, "dry-run"), c->out, &n, &c->err);
}

static int record_hold(struct pv_ctx *c, const char *reason)
{
	struct pv_location l = {0};
	int changed = 0, st;

	if ((st = pv_location_resolve(c->db, pv_opt(c, "location"), &l,
				      &c->err)))
		goto out;
	st = pv_retention_hold(c->db, c->argv[0], l.id, c->argv[1], reason,
			       pv_flag(c, "dry-run"), &changed, &c->err);
	if (st)
		goto out;
	pv_w_begin(c->out);
	pv_w_str(c->out, "location", l.slug);
	pv_w_str(c->out, "kind", c->argv[0]);
	pv_w_str(c->out, "record_key", c->argv[1]);
	pv_w_str(c->out, "hold_reason", reason);
	pv_w_bool(c->out, "changed", changed);
	pv_w_end(c->out);
out:
	pv_location_free(&l);
	return st;
}

static int cmd_record_hold(struct pv_ctx *c)
{
	const char *reason = pv_opt(c, "reason");

	if (!reason)
		return pv_usage(c, "missing --reason");
	return record_hold(c, reason);
}

static int cmd_record_release(struct pv_ctx *c)
{
	return record_hold(c, NULL);
}

static int cmd_retention_list(struct pv_ctx *c)
{
	int st;

	pv_writer_type(c->out, "retained");
	if ((st = pv_retained_write(c->db, pv_flag(c, "expired"), c->out,
				    &c->err)))
		return st;
	return pv_nothing_matched(c, pv_writer_count(c->out),
				  "retained record");
}

static const struct pv_opt hold_opts[] = {
	{"reason", 0, "TEXT", "why the customer must not be erased "
	 "(required)"},
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt unhold_opts[] = {
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt unblock_opts[] = {
	{"location", 0, "SLUG", "the location of the external id"},
	{"reason", 0, "TEXT", "why the record may come back (required)"},
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt notice_opts[] = {
	{"inactive-since", 0, "DURATION", "who is inactive: no appointment "
	 "within DURATION and a customer for longer (required)"},
	{"days", 0, "N", "the notice period: the deletion is announced for "
	 "N days ahead (default 30)"},
	{"location", 0, "SLUG", "only customers of this location"},
	{"dry-run", 'n', NULL, "show who would be told, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt rhold_opts[] = {
	{"reason", 0, "TEXT", "why the record must be kept past its end "
	 "(required)"},
	{"location", 0, "SLUG", "the record's location"},
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt rrelease_opts[] = {
	{"location", 0, "SLUG", "the record's location"},
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt list_opts[] = {
	{"expired", 0, NULL, "only records whose retention period has ended"},
	{NULL, 0, NULL, NULL},
};

const struct pv_cmd pc_retention_cmds[] = {
	{"customer hold", "ID --reason TEXT", "put a customer under legal "
	 "hold: an erasure is refused", hold_opts, PV_CMD_DB_RW, 1, 1,
	 cmd_hold},
	{"customer unhold", "ID", "lift a customer's legal hold", unhold_opts,
	 PV_CMD_DB_RW, 1, 1, cmd_unhold},
	{"customer unblock", "EXTERNAL_ID --reason TEXT", "let an erased "
	 "booking-system record be imported again", unblock_opts,
	 PV_CMD_DB_RW, 1, 1, cmd_unblock},
	{"customer notice", "--inactive-since DURATION", "announce the "
	 "deletion to inactive customers, a notice period ahead",
	 notice_opts, PV_CMD_DB_RW, 0, 0, cmd_notice},
	{"retention hold", "KIND KEY --reason TEXT", "keep a record past the "
	 "end of its retention (invoices NUMBER, appointments ID)",
	 rhold_opts, PV_CMD_DB_RW, 2, 2, cmd_record_hold},
	{"retention release", "KIND KEY", "let a held record go at the end "
	 "of its retention", rrelease_opts, PV_CMD_DB_RW, 2, 2,
	 cmd_record_release},
	{"retention list", "", "list the records kept under a legal duty, "
	 "restricted, with basis and end", list_opts, PV_CMD_DB_RO, 0, 0,
	 cmd_retention_list},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
