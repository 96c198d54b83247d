/*
 * consent-send - re-permission and double opt-in campaigns over SMTP.
 *
 * Two phases: the audience (lib/campaign.c: who is asked, each skip with
 * its reason, the eligible queued in the journal in one transaction), then
 * the sending (lib/mail/csend.c).  A rerun with the same --campaign
 * resumes from the journal.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "campaign.h"
#include "cli.h"
#include "mail/csend.h"
#include "summary.h"
#include <jansson.h>

#include "json.h"

static int parse_num(const char *s, long long lo, long long hi,
		     long long *out)
{
	return pv_parse_ll(s, out) == 0 && *out >= lo && *out <= hi;
}

/* Records on stdin when it is a pipe or a file; a terminal or /dev/null
 * (cron) means the default audience. */
static int stdin_has_records(void)
{
	struct stat sb;

	if (isatty(0) || fstat(0, &sb) < 0)
		return 0;
	return S_ISFIFO(sb.st_mode) || S_ISREG(sb.st_mode) ||
	       S_ISSOCK(sb.st_mode);
}

static int run(struct pv_ctx *c)
{
	const char *name = pv_opt(c, "campaign");
	const char *kindname = pv_opt(c, "kind");
	int dry = pv_flag(c, "dry-run");
	struct pv_csend_opts o = {pv_opt(c, "transport"), 1, 0, 0};
	struct pv_campaign_counts n = {0};
	struct pv_campaign *camp = NULL;
	struct pv_csend *snd = NULL;
	struct pv_input *in = NULL;
	struct pv_csend_cfg k;
	long long v;
	int kind = 0, st, ran = 0;
	char *counts;

	if (!name)
		return pv_usage(c, "missing --campaign");
	if (kindname && !(kind = pv_campaign_kind_parse(kindname)))
		return pv_usage(c, "--kind: must be repermission or "
				"double-opt-in");
	if (pv_opt(c, "connections")) {
		if (!parse_num(pv_opt(c, "connections"), 1, 64, &v))
			return pv_usage(c, "--connections: must be 1 to 64");
		o.connections = (int)v;
	}
	if (pv_opt(c, "rate")) {
		if (!parse_num(pv_opt(c, "rate"), 1, 1000000, &v))
			return pv_usage(c, "--rate: must be 1 to 1000000 "
					"messages a second");
		o.rate = (double)v;
	}
	if (o.transport && strncmp(o.transport, "dir:", 4) != 0)
		return pv_usage(c, "--transport: only dir:PATH (SMTP is set in "
				"the config's smtp.url)");
	o.progress = isatty(2) && !pv_quiet;

	if ((st = pv_csend_config(c->cfg, &k, &c->err)))
		return st;
	st = pv_campaign_open(c->db, c->db_path, name, kind,
			      pv_opt(c, "location"), dry, !dry, &camp, &c->err);
	if (st)
		return st;
	if (!dry && (st = pv_csend_open(c->cfg, &k, &o, &snd, &c->err)))
		goto out;
	if (c->argc)
		in = pv_input_open(c->argc, c->argv, PV_FMT_AUTO);
	else if (stdin_has_records())
		in = pv_input_open(0, NULL, PV_FMT_AUTO);
	if ((st = pv_campaign_enqueue(camp, in, pv_csend_domain(&k), dry,
				      c->out, &n, &c->err)))
		goto out;
	ran = 1;
	if (dry)
		goto out;
	st = pv_csend_run(snd, camp, c->out, &n, &c->err);
	counts = pv_jsonf("{s:I, s:I, s:I, s:I, s:I, s:I}",
			  "queued", (json_int_t)n.queued,
			  "skipped", (json_int_t)(n.skipped + n.cancelled),
			  "sent", (json_int_t)n.sent,
			  "deferred", (json_int_t)n.deferred,
			  "failed", (json_int_t)n.failed,
			  "status", (json_int_t)st);
	if (n.sent || n.deferred || n.failed || n.cancelled) {
		struct pv_err e2 = {0};

		if (pv_campaign_audit_run(camp, counts, &e2) && !st) {
			c->err = e2;
			st = e2.status;
		}
	}
	free(counts);
	if (st)
		goto out;
	if ((st = pv_campaign_deferred(camp, &v, &c->err)))
		goto out;
	if (n.failed)
		st = pv_fail(&c->err, PV_UNAVAILABLE, "%lld message(s) refused "
			     "for good, %lld deferred", n.failed, v);
	else if (v)
		st = pv_fail(&c->err, PV_TEMPFAIL, "%lld message(s) deferred: "
			     "run again later", v);
out:
	if (ran && (st == PV_OK || st == PV_PARTIAL || st == PV_UNAVAILABLE ||
		    st == PV_TEMPFAIL)) {
		/* the run's last record (privacy-records(5)) */
		struct pv_summary sum;

		pv_summary_init(&sum, dry);
		pv_summary_add(&sum, NULL, "queued", n.queued);
		pv_summary_add(&sum, NULL, "skipped", n.skipped + n.cancelled);
		if (!dry) {
			pv_summary_add(&sum, NULL, "sent", n.sent);
			pv_summary_add(&sum, NULL, "deferred", n.deferred);
			pv_summary_add(&sum, NULL, "failed", n.failed);
		}
		pv_summary_write(c->out, &sum);
	}
	if (in)
		pv_input_close(in);
	pv_csend_close(snd);
	pv_campaign_close(camp);
	return st;
}

static const struct pv_opt opts[] = {
	{"campaign", 0, "NAME", "the campaign: created on first use, resumed "
	 "after (required)"},
	{"kind", 0, "KIND:repermission|double-opt-in",
	 "repermission or double-opt-in (required to "
	 "start a campaign)"},
	{"location", 0, "SLUG", "only customers of this location"},
	{"connections", 0, "N", "parallel SMTP connections (default 1)"},
	{"rate", 0, "N", "at most N messages a second"},
	{"transport", 0, "SPEC", "dir:PATH: write the messages as files "
	 "instead of sending"},
	{"dry-run", 'n', NULL, "send and write nothing; list the audience "
	 "with eligibility"},
	{NULL, 0, NULL, NULL},
};

static const struct pv_cmd cmds[] = {
	{"", "[FILE...]", "send a re-permission or double opt-in campaign",
	 opts, PV_CMD_DB_RW, 0, -1, run},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};

static const struct pv_cmd *const groups[] = {cmds, NULL};

static const struct pv_prog prog = {
	"consent-send",
	"Consent mail campaigns: re-permission and double opt-in.",
	groups,
};

int main(int argc, char **argv)
{
	return pv_main(&prog, argc, argv);
}
