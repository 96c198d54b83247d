/*
 * notify - deliver outbox events and piped event records by e-mail and to
 * webhooks (lib/mail/notify.c does the work).
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db.h"
#include "mail/notify.h"
#include "summary.h"

static int run(struct pv_ctx *c)
{
	struct pv_notify_opts o = {0};
	struct pv_summary sum;
	struct pv_notify *n = NULL;
	struct pv_input *in = NULL;
	const char *tr = pv_opt(c, "transport");
	int pending = pv_flag(c, "pending"), st, lockfd = -1;
	const char *retry = pv_opt(c, "retry");
	int retry_failed = pv_flag(c, "retry-failed");
	long long rid = 0;
	long nretry = 0;

	o.to = pv_opt(c, "to");
	o.transport = tr;
	o.digest = pv_flag(c, "digest");
	o.dry_run = pv_flag(c, "dry-run");
	/* the run ends with its summary record (privacy-records(5)) */
	pv_summary_init(&sum, o.dry_run);
	pv_summary_add(&sum, NULL, o.dry_run ? "dry-run" : "delivered", 0);
	if (!o.dry_run) {
		pv_summary_add(&sum, NULL, "deferred", 0);
		pv_summary_add(&sum, NULL, "failed", 0);
	}
	o.sum = &sum;
	if (tr && strncmp(tr, "dir:", 4) != 0)
		return pv_usage(c, "--transport: must be dir:PATH: '%s'", tr);
	if (tr && !tr[4])
		return pv_usage(c, "--transport: dir: needs a path");
	if (o.digest && !pending)
		return pv_usage(c, "--digest works on --pending");
	if (retry && (pv_parse_ll(retry, &rid) != 0 || rid <= 0))
		return pv_usage(c, "--retry: not an event id: '%s'", retry);
	if ((retry || retry_failed) && c->argc)
		return pv_usage(c, "--retry and --retry-failed take no "
				"operands");
	if (retry && retry_failed)
		return pv_usage(c, "--retry ID or --retry-failed, not both");
	if (!pending && !retry && !retry_failed && c->argc == 0 && isatty(0))
		return pv_usage(c, "reads event records from standard input "
				"or files; or use --pending");
	/* One run at a time: two runs would both send what waits. */
	if (!o.dry_run && (st = pv_db_run_lock(c->db_path, ".notify-lock",
					       "notify", &lockfd, &c->err)))
		goto out;
	if ((st = pv_notify_new(c->db, c->cfg, &o, c->out, &n, &c->err)))
		goto out;
	if (retry || retry_failed) {
		st = pv_notify_retry(n, rid, &nretry, &c->err);
	} else if (!pending || c->argc > 0) {
		in = pv_input_open(c->argc, c->argv, PV_FMT_AUTO);
		st = pv_notify_add_input(n, in, &c->err);
		pv_input_close(in);
	}
	if (!st && pending)
		pv_notify_add_pending(n);
	if (!st) {
		st = pv_notify_run(n, &c->err);
		/* also when some deliveries failed or wait (for a retry,
		 * or for a location's notification address): then most */
		if (st == PV_OK || st == PV_PARTIAL || st == PV_UNAVAILABLE ||
		    st == PV_TEMPFAIL || st == PV_CONFIG)
			pv_summary_write(c->out, &sum);
	}
out:
	pv_notify_free(n);
	if (lockfd >= 0)
		close(lockfd);
	return st;
}

static const struct pv_opt opts[] = {
	{"pending", 0, NULL, "deliver what waits in the outbox (and is due)"},
	{"digest", 0, NULL, "with --pending: one mail per location with all "
	 "its business events"},
	{"to", 0, "ADDR", "send every e-mail to ADDR instead (webhooks are "
	 "skipped)"},
	{"transport", 0, "dir:PATH", "store messages as files in the "
	 "Maildir-style directory PATH instead of SMTP"},
	{"retry", 0, "ID", "send the failed event ID again (once its cause "
	 "is fixed)"},
	{"retry-failed", 0, NULL, "send every failed event again"},
	{"dry-run", 'n', NULL, "compose, but send nothing and change nothing"},
	{NULL, 0, NULL, NULL},
};

static const struct pv_cmd cmds[] = {
	{"", "[FILE...]", "deliver events by e-mail and to webhooks", opts,
	 PV_CMD_DB_RW, 0, -1, run},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};

static const struct pv_cmd *const groups[] = {cmds, NULL};

static const struct pv_prog prog = {
	"notify",
	"Deliver privacy events to the business, the customer or a webhook.",
	groups,
};

int main(int argc, char **argv)
{
	return pv_main(&prog, argc, argv);
}
