/* retention.c - privacyctl's retention commands and legal holds. */
#include "commands.h"
#include "retention.h"

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
	if (st == PV_USAGE)
		return pv_usage(c, "%s", c->err.msg);
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

static int cmd_retention_list(struct pv_ctx *c)
{
	pv_writer_type(c->out, "retained");
	return pv_retained_write(c->db, pv_flag(c, "expired"), c->out,
				 &c->err);
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
	{"retention list", "", "list the records kept under a legal duty, "
	 "restricted, with basis and end", list_opts, PV_CMD_DB_RO, 0, 0,
	 cmd_retention_list},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
