/* campaign.c - privacyctl's consent confirm, decline and expire commands
 * (the answers to consent-send's mails). */
#include "campaign.h"
#include "commands.h"

static void write_answer(struct pv_writer *w, const struct pv_answer *a)
{
	pv_w_begin(w);
	pv_w_str(w, "event", a->event[0] ? a->event : "expired");
	pv_w_str(w, "at", a->at);
	pv_w_int(w, "customer_id", a->customer_id);
	pv_w_str(w, "campaign", a->campaign);
	pv_w_str(w, "kind", a->kind);
	pv_w_int(w, "message", a->message_row);
	pv_w_str(w, "purposes", a->purposes);
	pv_w_end(w);
}

static int answer(struct pv_ctx *c, int confirm)
{
	struct pv_answer a;
	int st = pv_consent_answer(c->db, c->argv[0], confirm,
				   confirm ? pv_opt(c, "ip") : NULL,
				   confirm ? pv_opt(c, "user-agent") : NULL,
				   &a, &c->err);

	if (st == PV_USAGE)
		return pv_usage(c, "%s", c->err.msg);
	if (st)
		return st;
	write_answer(c->out, &a);
	return PV_OK;
}

static int cmd_confirm(struct pv_ctx *c)
{
	return answer(c, 1);
}

static int cmd_decline(struct pv_ctx *c)
{
	return answer(c, 0);
}

static int expire_one(void *arg, const struct pv_answer *a)
{
	write_answer(arg, a);
	return 0;
}

static int cmd_expire(struct pv_ctx *c)
{
	long long n = 0;

	return pv_consent_expire(c->db, pv_flag(c, "dry-run"), expire_one,
				 c->out, &n, &c->err);
}

static const struct pv_opt confirm_opts[] = {
	{"ip", 0, "IP", "the address the confirmation came from (evidence)"},
	{"user-agent", 0, "UA", "the browser's user agent (evidence)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt no_opts[] = {{NULL, 0, NULL, NULL}};
static const struct pv_opt expire_opts[] = {
	{"dry-run", 'n', NULL, "list what would expire, change nothing"},
	{NULL, 0, NULL, NULL},
};

const struct pv_cmd pc_campaign_cmds[] = {
	{"consent confirm", "TOKEN",
	 "record a confirmation from a campaign mail as consent proof",
	 confirm_opts, PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_confirm},
	{"consent decline", "TOKEN",
	 "record a refusal from a campaign mail as a withdrawal", no_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 1, 1, cmd_decline},
	{"consent expire", "",
	 "expire campaign requests left unanswered past their token's expiry",
	 expire_opts, PV_CMD_DB_RW, 0, 0, cmd_expire},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
