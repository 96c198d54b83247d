/* campaign.c - privacyctl's consent confirm, decline and expire commands
 * (the answers to consent-send's mails). */
#include <string.h>

#include "campaign.h"
#include "commands.h"
#include "secret.h"

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

/* The token, the address and the user agent need not be in argv, where
 * other local users see them (ps): a web page passes them in the
 * environment (CGI's REMOTE_ADDR and HTTP_USER_AGENT are taken as they
 * are) or the token on standard input. */
static const char *const ip_env[] = {"PRIVACY_IP", "REMOTE_ADDR", NULL};
static const char *const ua_env[] = {"PRIVACY_USER_AGENT", "HTTP_USER_AGENT",
				     NULL};

static int answer(struct pv_ctx *c, int action)
{
	struct pv_answer a;
	char token[128];
	const char *ip = pv_opt(c, "ip"), *ua = pv_opt(c, "user-agent");
	int st;

	if (c->argc > 0)
		snprintf(token, sizeof token, "%.*s", (int)sizeof token - 1,
			 c->argv[0]);
	else if ((st = pv_secret_input("PRIVACY_TOKEN", "token", token,
				       sizeof token, &c->err)))
		return st;
	if (!ip)
		ip = pv_env_first(ip_env);
	if (!ua)
		ua = pv_env_first(ua_env);
	st = pv_consent_token_use(c->db, token, action, ip, ua, &a, &c->err);
	pv_wipe(token, sizeof token);
	if (st)
		return st;
	write_answer(c->out, &a);
	return PV_OK;
}

static int cmd_confirm(struct pv_ctx *c)
{
	return answer(c, PV_TOKEN_CONFIRM);
}

static int cmd_decline(struct pv_ctx *c)
{
	return answer(c, PV_TOKEN_DECLINE);
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
	{"ip", 0, "IP", "the address the answer came from (evidence; default "
	 "PRIVACY_IP or REMOTE_ADDR)"},
	{"user-agent", 0, "UA", "the browser's user agent (evidence; default "
	 "PRIVACY_USER_AGENT or HTTP_USER_AGENT)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt expire_opts[] = {
	{"dry-run", 'n', NULL, "list what would expire, change nothing"},
	{NULL, 0, NULL, NULL},
};

const struct pv_cmd pc_campaign_cmds[] = {
	{"consent confirm", "[TOKEN]",
	 "record a confirmation from a campaign mail as consent proof (the "
	 "token from PRIVACY_TOKEN or standard input)",
	 confirm_opts, PV_CMD_DB_RW | PV_CMD_SINGLE, 0, 1, cmd_confirm},
	{"consent decline", "[TOKEN]",
	 "record a refusal from a campaign mail as a withdrawal (the token "
	 "from PRIVACY_TOKEN or standard input)", confirm_opts,
	 PV_CMD_DB_RW | PV_CMD_SINGLE, 0, 1, cmd_decline},
	{"consent expire", "",
	 "expire campaign requests left unanswered past their token's expiry",
	 expire_opts, PV_CMD_DB_RW, 0, 0, cmd_expire},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
