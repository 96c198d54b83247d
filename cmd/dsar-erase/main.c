/*
 * dsar-erase - erase subjects by the retention policy (Art. 17 GDPR):
 * delete, anonymise, or keep restricted until a legal retention period
 * ends; purge what has expired.  The work is in lib/erase.c and
 * lib/retention.c; this file reads subjects and maps failures to the exit
 * status.
 */
#include <poll.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "db.h"
#include "erase.h"
#include "progress.h"
#include "request.h"
#include "retention.h"
#include "subject.h"
#include "summary.h"
#include "tombstone.h"

/* Nothing buffered upstream: commit what is pending rather than hold the
 * write lock (and the reports) while the pipe is quiet. */
static int input_idle(void)
{
	struct pollfd p = {0, POLLIN, 0};

	return poll(&p, 1, 0) == 0;
}

/* A failure of one record: report it and go on (exit 1), unless the
 * database itself failed. */
static int one_failed(int st, const struct pv_err *e)
{
	pv_report(e);
	if (st == PV_PARTIAL || st == PV_DATAERR || st == PV_NOINPUT)
		return PV_PARTIAL;
	return st;
}

/* A subject that failed when its group was written (pv_eraser_on_fail). */
struct late {
	struct pv_summary *sum; /* a stream's, or NULL */
	int st;
};

static void late_fail(void *arg, int st, const struct pv_err *e)
{
	struct late *l = arg;

	if (l->sum)
		pv_summary_add(l->sum, NULL, "failed", 1);
	l->st = pv_status_merge(l->st, one_failed(st, e));
}

static int purge(struct pv_ctx *c, const struct pv_policy *pol, int dry)
{
	long long n = 0, before = pv_writer_count(c->out);
	int st;

	if (c->argc)
		return pv_usage(c, "--purge-expired takes no operands");
	st = pv_retained_purge(c->db, pol, dry, c->out, &n, &c->err);
	if (!st && !dry && n)
		st = pv_db_checkpoint_truncate(c->db, &c->err);
	if (!st) {
		struct pv_summary sum;

		pv_summary_init(&sum, dry);
		pv_summary_add(&sum, NULL, "records",
			       pv_writer_count(c->out) - before);
		pv_summary_write(c->out, &sum);
	}
	return st;
}

/*
 * A restored backup: the tombstones the log has and the database lacks
 * go back in, then every live customer the log says was erased is
 * erased again (the same reports as any erasure).
 */
static int replay(struct pv_ctx *c, struct pv_eraser *er, int dry)
{
	struct pv_tomb_found *f = NULL;
	struct pv_tomb *t = NULL;
	size_t n = 0;
	long long missing = 0;
	int st, began = 0;

	if (c->argc)
		return pv_usage(c, "--replay-tombstones takes no operands");
	if ((st = pv_tomb_open(c->db_path, 0, &t, &c->err)))
		return st;
	if (!dry) {
		if ((st = pv_db_begin(c->db, &c->err)))
			goto out;
		began = 1;
	}
	if ((st = pv_tomb_log_scan(t, c->db, !dry, &f, &n, &missing,
				   &c->err)))
		goto out;
	if (!dry && missing) {
		char d[64];

		snprintf(d, sizeof d, "{\"tombstones\":%lld}", missing);
		if ((st = pv_audit(c->db, "tombstone.restore", NULL, d,
				   &c->err)))
			goto out;
	}
	if (began) {
		began = 0;
		if ((st = pv_db_commit(c->db, &c->err)))
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct pv_subject s = {0};
		struct pv_err e;
		int rc;

		s.customer_id = f[i].customer_id;
		if ((rc = pv_erase_subject(er, &s, c->out, &e))) {
			rc = one_failed(rc, &e);
			if (rc != PV_PARTIAL) {
				c->err.status = rc;
				c->err.msg[0] = '\0';
				st = rc;
				break;
			}
			st = pv_status_merge(st, rc);
		}
	}
out:
	if (began)
		pv_db_rollback(c->db);
	free(f);
	pv_tomb_close(t);
	return st;
}

/* Erase the subject of one record; 1 when the run must stop (st set).
 * A record that fails is counted in sum; the eraser counts the others. */
static int erase_rec(struct pv_ctx *c, struct pv_eraser *er,
		     const struct pv_rec *r, struct pv_summary *sum, int *st)
{
	struct pv_subject s;
	struct pv_err e;
	int rc;

	pv_summary_add(sum, NULL, "records", 1);
	rc = pv_subject_from_rec(c->db, r, &s, &e);
	if (!rc && s.request_id)
		rc = pv_request_identity_checked(c->db, s.request_id,
						 pv_flag(c, "unverified-ok"),
						 &e);
	if (!rc) {
		rc = pv_erase_subject(er, &s, c->out, &e);
		if (rc == PV_PARTIAL) {
			/* held: its report says so, and counts it */
			*st = pv_status_merge(*st, one_failed(rc, &e));
			return 0;
		}
	}
	if (!rc)
		return 0;
	pv_summary_add(sum, NULL, "failed", 1);
	rc = one_failed(rc, &e);
	if (rc != PV_PARTIAL) {
		/* already reported */
		c->err.status = rc;
		c->err.msg[0] = '\0';
		*st = rc;
		return 1;
	}
	*st = pv_status_merge(*st, rc);
	return 0;
}

/* More subjects than this in a stream are confirmed at a terminal. */
#define ASK_ABOVE 5

/*
 * At a terminal (stderr), without -n or --yes: the whole stream first,
 * then "erase N subjects? [y/N]" on /dev/tty when N > ASK_ABOVE; only
 * "y" erases.  Cron and scripts (stderr not a terminal) go on as before.
 */
static int erase_asked(struct pv_ctx *c, struct pv_eraser *er,
		       struct pv_input *in, struct pv_progress *prog,
		       struct pv_summary *sum)
{
	struct pv_rec *recs = NULL;
	size_t n = 0, cap = 0, i;
	struct pv_err e;
	int st = PV_OK, rc;
	char q[64];

	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			recs = xrealloc(recs, cap * sizeof *recs);
		}
		memset(&recs[n], 0, sizeof *recs);
		rc = pv_input_next(in, &recs[n], &e);
		if (rc == 1) {
			n++;
			continue;
		}
		pv_rec_free(&recs[n]);
		if (rc == 0 || pv_stop_sig)
			break;
		if (e.status != PV_DATAERR) {
			c->err = e;
			st = e.status;
			goto out;
		}
		pv_summary_add(sum, NULL, "records", 1);
		pv_summary_add(sum, NULL, "failed", 1);
		st = pv_status_merge(st, one_failed(e.status, &e));
	}
	if (pv_stop_sig)
		goto out;
	snprintf(q, sizeof q, "erase %zu subjects", n);
	if (n > ASK_ABOVE && !pv_confirm_tty(q)) {
		st = pv_fail(&c->err, PV_PARTIAL, "not confirmed: nothing "
			     "erased (--yes erases without asking)");
		/* the answer was no: no run to sum up either */
		pv_summary_init(sum, 0);
		goto out;
	}
	prog->total = (long long)n;
	for (i = 0; i < n && !pv_stop_sig; i++) {
		pv_progress_add(prog, 1);
		if (erase_rec(c, er, &recs[i], sum, &st))
			break;
	}
out:
	for (i = 0; i < n; i++)
		pv_rec_free(&recs[i]);
	free(recs);
	return st;
}

/* One subject; for a request by e-mail address also the same person at
 * the controller's other locations (J9), those first: the request's own
 * customer, last, completes it. */
static int erase_request(struct pv_ctx *c, struct pv_eraser *er,
			 const struct pv_subject *s)
{
	struct pv_subject *more = NULL;
	size_t n = 0;
	int st = PV_OK;

	if (s->request_id &&
	    (st = pv_request_linked(c->db, s->request_id, &more, &n,
				    &c->err)))
		return st;
	for (size_t i = 0; !st && i < n; i++)
		st = pv_erase_subject(er, &more[i], c->out, &c->err);
	free(more);
	if (st)
		return st;
	return pv_erase_subject(er, s, c->out, &c->err);
}

static int erase_stream(struct pv_ctx *c, struct pv_eraser *er, int dry,
			struct pv_summary *sum)
{
	struct pv_input *in = pv_input_open(c->argc, c->argv, PV_FMT_AUTO);
	struct pv_progress prog;
	struct pv_rec r = {0};
	struct pv_err e;
	int st = PV_OK, rc;

	pv_input_need_one(in, pv_subject_keys);
	/* a progress line when stderr is a terminal (for long streams) */
	pv_progress_start(&prog, dry ? "subjects planned" : "subjects done",
			  0);
	if (!dry && !pv_flag(c, "yes") && isatty(2)) {
		st = erase_asked(c, er, in, &prog, sum);
		pv_progress_end(&prog);
		pv_input_close(in);
		return st;
	}
	for (;;) {
		if (pv_stop_sig) /* SIGTERM, SIGINT: the batch in hand is
				  * committed and reported by the close */
			break;
		if (pv_eraser_pending(er) && c->argc == 0 && input_idle() &&
		    (rc = pv_eraser_flush(er, c->out, &c->err))) {
			st = rc;
			break;
		}
		rc = pv_input_next(in, &r, &e);
		if (rc == 0 || (rc < 0 && pv_stop_sig))
			break;
		if (rc < 0) {
			if (e.status != PV_DATAERR) {
				c->err = e;
				st = e.status;
				break;
			}
			pv_summary_add(sum, NULL, "records", 1);
			pv_summary_add(sum, NULL, "failed", 1);
			st = pv_status_merge(st, one_failed(e.status, &e));
			continue;
		}
		pv_progress_add(&prog, 1);
		if (erase_rec(c, er, &r, sum, &st))
			break;
	}
	pv_progress_end(&prog);
	pv_rec_free(&r);
	pv_input_close(in);
	return st;
}

/* The subject options that go together; PV_USAGE (said) or PV_OK. */
static int check_subject(struct pv_ctx *c, const struct pv_subject_opts *so)
{
	int named = pv_subject_given(so);

	if (pv_flag(c, "replay-tombstones") && named)
		return pv_usage(c, "--replay-tombstones erases no named "
				"subject");
	if (so->location && !so->email && !so->external_id)
		return pv_usage(c, "--location goes with --email or "
				"--external-id");
	if (named && c->argc)
		return pv_usage(c, "name a subject by option or by records, "
				"not both");
	if (!named && c->argc == 0 && isatty(0) &&
	    !pv_flag(c, "replay-tombstones"))
		return pv_usage(c, "name a subject (--customer, --email, "
				"--external-id, --request) or give records on "
				"stdin");
	return PV_OK;
}

static int run(struct pv_ctx *c)
{
	struct pv_subject_opts so = {
		pv_opt(c, "request"), pv_opt(c, "customer"), pv_opt(c, "email"),
		pv_opt(c, "external-id"), pv_opt(c, "location"),
	};
	const char *every = pv_opt(c, "commit-every");
	int dry = pv_flag(c, "dry-run");
	struct pv_erase_opts eo = {c->db_path, dry, 1000,
				   pv_flag(c, "unverified-ok")};
	struct pv_policy *pol = NULL;
	struct pv_eraser *er = NULL;
	struct pv_subject s;
	struct pv_summary sum;
	struct late late = {NULL, PV_OK};
	long long n, rid;
	int st, st2, stream = 0;

	if (every) {
		if (pv_parse_ll(every, &n) || n < 1 || n > 100000)
			return pv_usage(c, "--commit-every: must be a whole "
					"number from 1 to 100000");
		eo.batch = (int)n;
	}
	if ((st = pv_policy_load(c->cfg, &pol, &c->err)))
		goto out;
	if (pv_flag(c, "purge-expired")) {
		st = pv_subject_given(&so) ?
		     pv_usage(c, "--purge-expired erases no subject") :
		     purge(c, pol, dry);
		goto out;
	}
	if ((st = check_subject(c, &so)))
		goto out;
	if (pv_subject_given(&so)) {
		st = pv_subject_from_opts(c->db, &so, &s, &c->err);
		if (!st && s.request_id)
			st = pv_request_identity_checked(c->db, s.request_id,
							 eo.unchecked_ok,
							 &c->err);
		if (st == PV_NOINPUT && so.request &&
		    pv_parse_ll(so.request, &rid) == 0 &&
		    pv_request_completed(c->db, rid, "erasure")) {
			/* a re-run of a finished erasure: done already */
			pv_err_clear(&c->err);
			pv_w_begin(c->out);
			pv_w_int(c->out, "request_id", rid);
			pv_w_str(c->out, "status", "already-erased");
			pv_w_end(c->out);
			st = PV_OK;
			goto out;
		}
		if (st)
			goto out;
	}
	if ((st = pv_eraser_open(c->db, pol, &eo, &er, &c->err)))
		goto out;
	pv_eraser_on_fail(er, late_fail, &late);
	pv_stop_install();
	if (pv_flag(c, "replay-tombstones"))
		st = replay(c, er, dry);
	else if (pv_subject_given(&so))
		st = erase_request(c, er, &s);
	else {
		/* a stream ends with its summary record */
		stream = 1;
		pv_summary_init(&sum, dry);
		pv_summary_add(&sum, NULL, "records", 0);
		pv_summary_add(&sum, NULL, dry ? "planned" : "erased", 0);
		pv_summary_add(&sum, NULL, "held", 0);
		pv_summary_add(&sum, NULL, "failed", 0);
		pv_eraser_summary(er, &sum);
		late.sum = &sum;
		st = erase_stream(c, er, dry, &sum);
	}
	if (st && st != PV_PARTIAL && c->err.msg[0] == '\0') {
		/* reported already; close without a second message */
		struct pv_err e;

		pv_eraser_close(er, c->out, NULL, NULL, &e);
	} else if ((st2 = pv_eraser_close(er, c->out, NULL, NULL,
					  st ? &(struct pv_err){0} :
					  &c->err))) {
		st = pv_status_merge(st, st2);
	}
	st = pv_status_merge(st, late.st);
	if (stream && sum.n && (st == PV_OK || st == PV_PARTIAL))
		pv_summary_write(c->out, &sum);
	if (pv_stop_sig && !st) {
		/* what was committed is reported; the rest of the input is
		 * left for a rerun */
		pv_warn("stopped by signal %d: the subjects reported above "
			"are erased, the rest of the input is not",
			(int)pv_stop_sig);
		st = pv_stop_status();
	}
out:
	pv_policy_free(pol);
	return st;
}

static const struct pv_opt opts[] = {
	{"customer", 0, "ID", "erase the customer with this id"},
	{"email", 0, "ADDRESS", "erase the customer with this e-mail address"},
	{"external-id", 0, "ID", "erase the customer with this booking-system "
	 "id (with --location)"},
	{"location", 0, "SLUG", "the location of --external-id or --email"},
	{"request", 0, "ID", "erase the subject of this privacy request"},
	{"unverified-ok", 0, NULL, "fulfil a request whose identity was never "
	 "checked (received), on staff's word"},
	{"dry-run", 'n', NULL, "print the plan, change nothing"},
	{"yes", 'y', NULL, "erase a stream of more than 5 subjects without "
	 "asking (asked only when stderr is a terminal)"},
	{"purge-expired", 0, NULL, "delete retained records whose period has "
	 "ended"},
	{"replay-tombstones", 0, NULL, "erase again whoever the tombstone log "
	 "says was erased (a restored backup)"},
	{"commit-every", 0, "N", "subjects per transaction commit in a stream "
	 "(default 1000)"},
	{NULL, 0, NULL, NULL},
};

static const struct pv_cmd cmds[] = {
	{"", "[FILE...]", "erase subjects by the retention policy", opts,
	 PV_CMD_DB_RW, 0, -1, run},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
static const struct pv_cmd *const groups[] = {cmds, NULL};

static const struct pv_prog prog = {
	"dsar-erase",
	"Erase subjects: delete, anonymise, or keep restricted what the law "
	"demands.",
	groups,
};

int main(int argc, char **argv)
{
	return pv_main(&prog, argc, argv);
}
