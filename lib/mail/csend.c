#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "clock.h"
#include "csend.h"
#include "db.h"
#include "mail.h"
#include "progress.h"

enum { MAX_CONNECTIONS = 64 };

struct tmpl {
	char name[32], lang[8];
	char *subject, *body;
	struct pv_consent_text_ref text; /* the archived text */
};

struct pv_csend {
	const struct pv_cfg *cfg;
	const struct pv_csend_cfg *k;
	struct pv_csend_opts o;
	struct pv_transport *t[MAX_CONNECTIONS];
	int nt;
	/* the run */
	pthread_mutex_t mu;
	struct pv_campaign *c;
	struct pv_writer *w;
	struct pv_campaign_counts *n;
	int stop, status;
	int drained; /* the journal has nothing more to pick */
	int no_server; /* consecutive sends without any SMTP reply */
	struct pv_err err;
	struct tmpl tmpl[4];
	int ntmpl;
	struct timespec start;
	long long slots;
	struct pv_progress prog;
};

static int cfg_ll(const struct pv_cfg *cfg, const char *key, long long def,
		  long long lo, long long hi, long long *out, struct pv_err *e)
{
	int st = pv_cfg_int(cfg, key, def, out, e);

	if (st)
		return st;
	if (*out < lo || *out > hi)
		return pv_fail(e, PV_CONFIG, "%s: %s: must be %lld to %lld",
			       pv_cfg_origin(cfg, key), key, lo, hi);
	return PV_OK;
}

static int url_ok(const struct pv_cfg *cfg, const char *key, const char **out,
		  struct pv_err *e)
{
	const char *u = pv_cfg_str(cfg, key, NULL);

	if (!u || !*u)
		return pv_fail(e, PV_CONFIG, "%s: not set: the link in the "
			       "mail, with {token} for the token", key);
	if (!strstr(u, "{token}") ||
	    (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
		return pv_fail(e, PV_CONFIG, "%s: %s: must be an http(s) URL "
			       "with {token}", pv_cfg_origin(cfg, key), key);
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return pv_fail(e, PV_CONFIG, "%s: %s: no spaces or "
				       "control characters in a URL",
				       pv_cfg_origin(cfg, key), key);
	*out = u;
	return PV_OK;
}

int pv_csend_config(const struct pv_cfg *cfg, struct pv_csend_cfg *k,
		    struct pv_err *e)
{
	int st;

	memset(k, 0, sizeof *k);
	if ((st = url_ok(cfg, "consent.confirm_url", &k->confirm_url, e)) ||
	    (st = url_ok(cfg, "consent.decline_url", &k->decline_url, e)))
		return st;
	k->from = pv_cfg_str(cfg, "consent.from",
			     pv_cfg_str(cfg, "controller.email", NULL));
	if (!k->from || !pv_email_valid(k->from))
		return pv_fail(e, PV_CONFIG, "consent.from: not set or not an "
			       "e-mail address (nor controller.email)");
	k->from_name = pv_cfg_str(cfg, "controller.name", NULL);
	k->unsubscribe_mailto = pv_cfg_str(cfg, "consent.unsubscribe_mailto",
					   NULL);
	if (k->unsubscribe_mailto && !pv_email_valid(k->unsubscribe_mailto))
		return pv_fail(e, PV_CONFIG, "%s: consent.unsubscribe_mailto: "
			       "not an e-mail address",
			       pv_cfg_origin(cfg, "consent.unsubscribe_mailto"));
	if ((st = cfg_ll(cfg, "consent.token_days", 30, 1, 365,
			 &k->token_days, e)) ||
	    (st = cfg_ll(cfg, "consent.retry_minutes", 15, 1, 10080,
			 &k->retry_minutes, e)) ||
	    (st = cfg_ll(cfg, "consent.max_attempts", 10, 1, 1000,
			 &k->max_attempts, e)))
		return st;
	return PV_OK;
}

const char *pv_csend_domain(const struct pv_csend_cfg *k)
{
	return strrchr(k->from, '@') + 1;
}

int pv_csend_open(const struct pv_cfg *cfg, const struct pv_csend_cfg *k,
		  const struct pv_csend_opts *o, struct pv_csend **out,
		  struct pv_err *e)
{
	struct pv_csend *s = xcalloc(1, sizeof *s);
	int st = PV_OK;

	s->cfg = cfg;
	s->k = k;
	s->o = *o;
	if (s->o.connections < 1 || s->o.connections > MAX_CONNECTIONS) {
		free(s);
		return pv_fail(e, PV_USAGE, "--connections: must be 1 to %d",
			       MAX_CONNECTIONS);
	}
	for (s->nt = 0; s->nt < s->o.connections; s->nt++)
		if ((st = pv_transport_open(cfg, o->transport, &s->t[s->nt],
					    e)))
			break;
	if (st) {
		pv_csend_close(s);
		return st;
	}
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return PV_OK;
}

void pv_csend_close(struct pv_csend *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nt; i++)
		pv_transport_close(s->t[i]);
	for (int i = 0; i < s->ntmpl; i++) {
		free(s->tmpl[i].subject);
		free(s->tmpl[i].body);
	}
	free(s);
}

static struct tmpl *get_tmpl(struct pv_csend *s, const char *name,
			     const char *lang, struct pv_err *e)
{
	struct tmpl *t;
	const char *builtin;

	for (int i = 0; i < s->ntmpl; i++)
		if (strcmp(s->tmpl[i].name, name) == 0 &&
		    strcmp(s->tmpl[i].lang, lang) == 0)
			return &s->tmpl[i];
	if (s->ntmpl == 4) {
		pv_fail(e, PV_SOFTWARE, "too many templates");
		return NULL;
	}
	builtin = pv_csend_builtin(name, lang);
	if (!builtin)
		builtin = pv_csend_builtin(name, "de");
	t = &s->tmpl[s->ntmpl];
	if (pv_tmpl_load(s->cfg, name, lang, builtin, &t->subject, &t->body,
			 e))
		return NULL;
	/* What the customers are asked, exactly and once: the proof of
	 * what a confirmation agreed to. */
	if (pv_campaign_text(s->c, name, lang, t->subject, t->body, &t->text,
			     e)) {
		free(t->subject);
		free(t->body);
		t->subject = t->body = NULL;
		return NULL;
	}
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->lang, sizeof t->lang, "%s", lang);
	s->ntmpl++;
	return t;
}

/* The placeholders of the texts. */
struct vars {
	struct pv_csend *s;
	const struct pv_cmsg *m;
	int en;
	char salutation[512];
	char purposes[256];
	char expires[PV_TIME_LEN];
	char *confirm, *decline;
};

static char *link_for(const char *url, const char *token)
{
	const char *p = strstr(url, "{token}");
	struct pv_buf b = {0};

	pv_buf_add(&b, url, (size_t)(p - url));
	pv_buf_adds(&b, token);
	pv_buf_adds(&b, p + 7);
	return pv_buf_detach(&b);
}

static const char *lookup(void *arg, const char *name)
{
	struct vars *v = arg;
	const struct pv_cfg *cfg = v->s->cfg;

	if (strcmp(name, "salutation") == 0)
		return v->salutation;
	if (strcmp(name, "first_name") == 0)
		return v->m->first_name ? v->m->first_name : "";
	if (strcmp(name, "last_name") == 0)
		return v->m->last_name ? v->m->last_name : "";
	if (strcmp(name, "location") == 0)
		return v->m->location_name ? v->m->location_name : "";
	if (strcmp(name, "purposes") == 0)
		return v->purposes;
	if (strcmp(name, "confirm_url") == 0)
		return v->confirm;
	if (strcmp(name, "decline_url") == 0)
		return v->decline;
	if (strcmp(name, "expires") == 0)
		return v->expires;
	if (strcmp(name, "controller_name") == 0)
		return pv_cfg_str(cfg, "controller.name",
				  v->m->location_name ? v->m->location_name :
				  "");
	if (strcmp(name, "controller_address") == 0)
		return pv_cfg_str(cfg, "controller.address", "");
	if (strcmp(name, "controller_email") == 0)
		return pv_cfg_str(cfg, "controller.email", v->s->k->from);
	return NULL;
}

static void vars_init(struct vars *v, struct pv_csend *s,
		      const struct pv_cmsg *m)
{
	const char *fn = m->first_name ? m->first_name : "";
	const char *ln = m->last_name ? m->last_name : "";
	const char *p = m->purposes;

	memset(v, 0, sizeof *v);
	v->s = s;
	v->m = m;
	v->en = m->language && strcmp(m->language, "en") == 0;
	if (*fn || *ln)
		snprintf(v->salutation, sizeof v->salutation, "%s %s%s%s,",
			 v->en ? "Hello" : "Guten Tag", fn, *fn && *ln ? " " : "",
			 ln);
	else
		snprintf(v->salutation, sizeof v->salutation, "%s",
			 v->en ? "Hello," : "Guten Tag,");
	while (*p) {
		size_t n = strcspn(p, ",");
		int sms = strncmp(p, "marketing-sms", n) == 0 && n == 13;
		size_t len = strlen(v->purposes);

		snprintf(v->purposes + len, sizeof v->purposes - len, "%s%s",
			 len ? (v->en ? " and " : " und ") : "",
			 v->en ? (sms ? "news and offers by text message" :
				  "news and offers by e-mail") :
				 (sms ? "Neuigkeiten und Angebote per SMS" :
				  "Neuigkeiten und Angebote per E-Mail"));
		p += n;
		if (*p == ',')
			p++;
	}
	v->confirm = link_for(s->k->confirm_url, m->confirm_token);
	v->decline = link_for(s->k->decline_url, m->decline_token);
}

static void vars_free(struct vars *v)
{
	free(v->confirm);
	free(v->decline);
}

static void write_rec(struct pv_csend *s, const struct pv_cmsg *m,
		      const char *status, const char *reason,
		      const char *reply, int resent)
{
	struct pv_writer *w = s->w;

	pv_w_begin(w);
	pv_w_int(w, "customer_id", m->customer_id);
	pv_w_str(w, "campaign", pv_campaign_name(s->c));
	pv_w_str(w, "status", status);
	if (reason)
		pv_w_str(w, "reason", reason);
	pv_w_str(w, "message_id", m->message_id);
	pv_w_str(w, "reply", reply);
	pv_w_int(w, "attempts", m->attempts);
	pv_w_bool(w, "resent", resent);
	pv_w_end(w);
}

/*
 * One message of a connection, owned by its worker thread.  A worker
 * picks its next message under the lock (journal and eligibility: the
 * one SQLite connection), renders it without the lock (the connections
 * render in parallel), then, under the lock again, records the outcome
 * of its previous message and marks this one 'sending' in one
 * transaction, and sends it without the lock.  So every connection has
 * at most one message whose outcome the journal does not hold: the one
 * it is sending or has just sent (a kill duplicates at most that one),
 * and each message costs one commit, not two (bench/RESULTS.md).
 */
struct job {
	struct pv_cmsg m;  /* its strings point into strs */
	struct pv_buf strs;
	struct tmpl *t;
	char *to, *mid;
	struct pv_buf msg;
	int resent;
	/* the send's outcome, recorded with the connection's next
	 * message (or alone at the end); while awaiting, the server's
	 * answer is still to come (pv_transport_finish) */
	int sent, awaiting, st;
	char reply[sizeof ((struct pv_err *)0)->msg];
	struct pv_err se;
};

/* Copy the strings of m (valid until the journal's next call) into j. */
static void job_take(struct job *j, const struct pv_cmsg *m)
{
	const char *src[9] = {m->status, m->message_id, m->purposes, m->email,
			      m->first_name, m->last_name, m->location_name,
			      m->language, m->expires_at};
	const char **dst[9];
	size_t off[9];
	int i;

	j->m = *m;
	dst[0] = &j->m.status;
	dst[1] = &j->m.message_id;
	dst[2] = &j->m.purposes;
	dst[3] = &j->m.email;
	dst[4] = &j->m.first_name;
	dst[5] = &j->m.last_name;
	dst[6] = &j->m.location_name;
	dst[7] = &j->m.language;
	dst[8] = &j->m.expires_at;
	pv_buf_reset(&j->strs);
	for (i = 0; i < 9; i++) {
		off[i] = src[i] ? j->strs.len : (size_t)-1;
		if (src[i])
			pv_buf_add(&j->strs, src[i], strlen(src[i]) + 1);
	}
	/* pointers only once the buffer stops growing */
	for (i = 0; i < 9; i++)
		*dst[i] = off[i] == (size_t)-1 ? NULL : j->strs.s + off[i];
	j->m.location_slug = NULL;
}

static void job_clear(struct job *j)
{
	free(j->to);
	free(j->mid);
	j->to = j->mid = NULL;
	pv_wipe(j->m.confirm_token, sizeof j->m.confirm_token);
	pv_wipe(j->m.decline_token, sizeof j->m.decline_token);
	if (j->strs.s)
		pv_wipe(j->strs.s, j->strs.len);
	pv_buf_reset(&j->strs);
	j->sent = 0;
}

/* Under the lock: the next eligible message and its template.
 * 1: a job, 0: nothing left, -1: stop (s->status set). */
static int pick_job(struct pv_csend *s, struct job *j)
{
	struct pv_cmsg m;
	struct pv_elig v;
	struct pv_err *e = &s->err, re;
	sqlite3 *db = pv_campaign_db(s->c);
	int r;

	for (;;) {
		/* The reads of a message in one read transaction: one lock
		 * of the database for them all, not one each (bench/RESULTS.md:
		 * 16 fcntl calls a message, now 8). */
		if (pv_db_exec1(db, "BEGIN", "database", e)) {
			s->status = e->status;
			return -1;
		}
		r = pv_campaign_next(s->c, &m, e);
		if (r > 0 && pv_campaign_check(s->c, m.customer_id, &v, e))
			r = -1;
		if (pv_db_exec1(db, "COMMIT", "database", r < 0 ? &re : e)) {
			pv_db_rollback(db);
			if (r >= 0)
				r = -1;
		}
		if (r <= 0) {
			if (r < 0)
				s->status = e->status;
			return r < 0 ? -1 : 0;
		}
		if (!v.reason)
			break;
		if (pv_campaign_cancel(s->c, &m, v.reason, e)) {
			s->status = e->status;
			return -1;
		}
		write_rec(s, &m, "skipped", v.reason, NULL, 0);
		s->n->cancelled++;
	}
	j->t = get_tmpl(s, pv_campaign_kind(s->c) == PV_CAMP_DOI ?
			"consent-double-opt-in" : "consent-repermission",
			m.language ? m.language : "de", e);
	if (!j->t) {
		s->status = e->status;
		return -1;
	}
	job_take(j, &m);
	pv_wipe(m.confirm_token, sizeof m.confirm_token);
	pv_wipe(m.decline_token, sizeof m.decline_token);
	j->resent = strcmp(j->m.status, "sending") == 0;
	return 1;
}

/* Without the lock: the message of j, into j->msg. */
static int render_job(struct pv_csend *s, struct job *j, struct pv_err *e)
{
	const struct pv_cmsg *m = &j->m;
	struct vars vars;
	struct tmpl *t = j->t;
	struct pv_buf subj = {0}, body = {0};
	struct pv_mail mail;
	char *msgid = NULL, *toname = NULL, *unsub = NULL;
	const char *hdrs[5] = {NULL};
	int st;

	pv_campaign_tokens(s->c, &j->m);
	/* The expiry is the one the journal will hold: an earlier attempt's,
	 * or token_days from now. */
	{
		time_t exp = pv_now() + (time_t)s->k->token_days * 86400;
		char buf[PV_TIME_LEN];

		if (m->expires_at)
			pv_time_parse(m->expires_at, &exp);
		vars_init(&vars, s, m);
		pv_time_fmt(exp, buf);
		memcpy(vars.expires, buf, 10);
		vars.expires[10] = '\0';
	}
	if ((st = pv_tmpl_render("subject", t->subject, lookup, &vars, &subj,
				 e)) ||
	    (st = pv_tmpl_render("body", t->body, lookup, &vars, &body, e))) {
		vars_free(&vars);
		goto out;
	}
	/* The mail program's unsubscribe button: the decline link (RFC 2369),
	 * one click by POST when it is https (RFC 8058), and a mail to the
	 * business with the decline token in its subject when configured. */
	if (s->k->unsubscribe_mailto)
		unsub = xasprintf("<%s>, <mailto:%s?subject=unsubscribe%%20%s>",
				  vars.decline, s->k->unsubscribe_mailto,
				  m->decline_token);
	else
		unsub = xasprintf("<%s>", vars.decline);
	hdrs[0] = "List-Unsubscribe";
	hdrs[1] = unsub;
	if (strncmp(vars.decline, "https://", 8) == 0) {
		hdrs[2] = "List-Unsubscribe-Post";
		hdrs[3] = "List-Unsubscribe=One-Click";
	}
	vars_free(&vars);

	j->to = xstrdup(m->email);
	if (m->first_name || m->last_name)
		toname = xasprintf("%s%s%s", m->first_name ? m->first_name : "",
				   m->first_name && m->last_name ? " " : "",
				   m->last_name ? m->last_name : "");
	j->mid = xasprintf("<%s>", m->message_id);
	memset(&mail, 0, sizeof mail);
	mail.from = s->k->from;
	mail.from_name = s->k->from_name;
	mail.to = j->to;
	mail.to_name = toname;
	mail.subject = subj.s;
	mail.body = body.s;
	mail.message_id = j->mid;
	mail.headers = hdrs;
	pv_buf_reset(&j->msg);
	st = pv_mail_render(&mail, pv_now(), &j->msg, &msgid, e);
	free(toname);
	pv_wipe(unsub, strlen(unsub));
	free(msgid);
out:
	free(unsub);
	if (body.s)
		pv_wipe(body.s, body.len);
	pv_buf_free(&subj);
	pv_buf_free(&body);
	/* what the journal does not need is not kept */
	pv_wipe(j->m.confirm_token, sizeof j->m.confirm_token);
	return st ? (e->status ? e->status : PV_SOFTWARE) : PV_OK;
}

static double since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) +
	       (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/* The journal's status for a send's outcome; *retry for 'deferred'. */
static const char *outcome_of(struct pv_csend *s, const struct job *j,
			      long *retry)
{
	*retry = 0;
	switch (j->st) {
	case PV_OK:
		return "sent";
	case PV_TEMPFAIL:
		*retry = (long)s->k->retry_minutes * 60;
		for (int i = 1; i < j->m.attempts && *retry < 86400; i++)
			*retry *= 2;
		if (*retry > 86400)
			*retry = 86400;
		return j->m.attempts >= s->k->max_attempts ? "failed"
							   : "deferred";
	case PV_UNAVAILABLE:
		return "failed";
	default:
		/* Set-up (TLS, AUTH) or local trouble: nothing went out;
		 * back to the queue, and stop. */
		return "queued";
	}
}

/* Under the lock, in the open transaction: record j's outcome.
 * 0, or -1 with s->status set (the caller rolls back). */
static int record_job(struct pv_csend *s, struct job *j)
{
	struct pv_cmsg m = j->m;
	const char *status;
	long retry;

	/* Journal and output show the Message-ID without brackets. */
	m.message_id = j->mid + 1;
	if (j->mid[strlen(j->mid) - 1] == '>')
		j->mid[strlen(j->mid) - 1] = '\0';
	if (!j->reply[0])
		snprintf(j->reply, sizeof j->reply, "%s", j->se.msg);
	status = outcome_of(s, j, &retry);
	if (pv_campaign_result(s->c, &m, status, j->reply, retry, &s->err)) {
		s->status = s->err.status;
		s->stop = 1;
		return -1;
	}
	return 0;
}

/* Under the lock, after the commit that holds j's outcome: report it. */
static void report_job(struct pv_csend *s, struct job *j)
{
	struct pv_cmsg m = j->m;
	const char *status, *reply = j->reply;
	long retry;

	m.message_id = j->mid + 1;
	status = outcome_of(s, j, &retry);
	if (strcmp(status, "queued") == 0) {
		s->err = j->se;
		s->status = j->st;
		s->stop = 1;
		return;
	}
	write_rec(s, &m, status, NULL, reply, j->resent);
	/* No SMTP reply at all (connection refused, timeout) several times
	 * in a row: the server is away; stop instead of burning an attempt
	 * of every message in the journal.  The rest waits for a rerun. */
	if (j->st == PV_TEMPFAIL && !(reply[0] >= '2' && reply[0] <= '5')) {
		if (++s->no_server >= 3) {
			s->stop = 1;
			s->status = pv_fail(&s->err, PV_TEMPFAIL, "no answer "
					    "from the SMTP "
				"server (%s): stopped, run again later", reply);
		}
	} else {
		s->no_server = 0;
	}
	if (strcmp(status, "sent") == 0)
		s->n->sent++;
	else if (strcmp(status, "deferred") == 0)
		s->n->deferred++;
	else
		s->n->failed++;
	pv_progress_add(&s->prog, 1);
}

/* Will reporting j's outcome stop the run?  A set-up failure (its
 * status 'queued'), or the third send in a row without any SMTP reply
 * (report_job).  Then the connection's next message is not marked. */
static int stops_run(const struct pv_csend *s, const struct job *j)
{
	if (j->st != PV_OK && j->st != PV_TEMPFAIL && j->st != PV_UNAVAILABLE)
		return 1;
	return j->st == PV_TEMPFAIL &&
	       !(j->reply[0] >= '2' && j->reply[0] <= '5') &&
	       s->no_server + 1 >= 3;
}

/* Under the lock: one transaction with prev's outcome (when prev holds
 * one) and, unless the run stops, next marked 'sending' (next may be
 * NULL).  1: next is marked and may go, 0: it may not (stop), -1: the
 * transaction failed (s->status set; nothing of it happened). */
static int commit_step(struct pv_csend *s, struct job *prev, struct job *next)
{
	struct pv_err *e = &s->err;
	int go = 0;

	if (!(prev && prev->sent) && !next)
		return 0;
	if (pv_db_begin(pv_campaign_db(s->c), e))
		goto fail;
	if (prev && prev->sent && record_job(s, prev))
		goto fail_rb;
	if (next && !s->stop && !(prev && prev->sent && stops_run(s, prev))) {
		if (pv_campaign_sending(s->c, &next->m, &next->t->text,
					(long)s->k->token_days, e))
			goto fail_rb;
		go = 1;
	}
	if (pv_db_commit(pv_campaign_db(s->c), e))
		goto fail;
	if (prev && prev->sent) {
		report_job(s, prev);
		prev->sent = 0;
	}
	return go;
fail_rb:
	pv_db_rollback(pv_campaign_db(s->c));
fail:
	s->status = e->status ? e->status : PV_SOFTWARE;
	s->stop = 1;
	return -1;
}

struct worker {
	struct pv_csend *s;
	struct pv_transport *t;
	pthread_t th;
};

/* The answer to j, the connection's message in flight, if still to come.
 * Outside the lock: the server takes its time. */
static void finish_job(struct worker *wk, struct job *j)
{
	if (!j->awaiting)
		return;
	j->st = pv_transport_finish(wk->t, j->reply, sizeof j->reply, &j->se);
	j->awaiting = 0;
}

static void *work(void *arg)
{
	struct worker *wk = arg;
	struct pv_csend *s = wk->s;
	struct job jobs[2], *cur = &jobs[0], *prev = &jobs[1], *tmp;

	memset(jobs, 0, sizeof jobs);
	for (;;) {
		double wait = 0;
		int r, st;
		struct pv_err re = {0};

		pthread_mutex_lock(&s->mu);
		r = s->stop || s->drained ? 0 : pick_job(s, cur);
		/* nothing left to pick: the others still send what they
		 * picked; a failure stops them */
		if (r == 0)
			s->drained = 1;
		else if (r < 0)
			s->stop = 1;
		pthread_mutex_unlock(&s->mu);
		if (r <= 0)
			break;
		/* cur was picked and is rendered while the server takes
		 * prev; its answer goes into the commit that marks cur */
		st = render_job(s, cur, &re);
		finish_job(wk, prev);
		pthread_mutex_lock(&s->mu);
		if (st) {
			/* a message that cannot be written stops the run
			 * (it stays as it was in the journal) */
			if (!s->stop) {
				s->err = re;
				s->status = st;
			}
			s->stop = 1;
			pthread_mutex_unlock(&s->mu);
			job_clear(cur);
			break;
		}
		r = commit_step(s, prev, s->stop ? NULL : cur);
		if (r > 0 && s->o.rate > 0)
			wait = (double)s->slots++ / s->o.rate - since(&s->start);
		pthread_mutex_unlock(&s->mu);
		job_clear(prev);
		if (r <= 0) {
			job_clear(cur);
			break;
		}
		if (wait > 0) {
			struct timespec ts;

			ts.tv_sec = (time_t)wait;
			ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
		cur->reply[0] = '\0';
		memset(&cur->se, 0, sizeof cur->se);
		cur->st = pv_transport_start(wk->t, s->k->from, cur->to,
					     cur->msg.s, cur->msg.len,
					     cur->reply, sizeof cur->reply,
					     &cur->se);
		cur->sent = 1;
		cur->awaiting = cur->st == PV_OK;
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	/* the last message's outcome, alone */
	finish_job(wk, prev);
	pthread_mutex_lock(&s->mu);
	if (prev->sent)
		commit_step(s, prev, NULL);
	pthread_mutex_unlock(&s->mu);
	job_clear(prev);
	for (int i = 0; i < 2; i++) {
		pv_buf_free(&jobs[i].msg);
		pv_buf_free(&jobs[i].strs);
	}
	return NULL;
}

int pv_csend_run(struct pv_csend *s, struct pv_campaign *c,
		 struct pv_writer *w, struct pv_campaign_counts *n,
		 struct pv_err *e)
{
	struct worker wk[MAX_CONNECTIONS];
	int i, started = 0;

	s->c = c;
	/* the tokens of a message are derived by its worker, outside the
	 * lock (render_job) */
	pv_campaign_defer_tokens(c);
	s->w = w;
	s->n = n;
	s->stop = 0;
	s->drained = 0;
	s->status = PV_OK;
	memset(&s->err, 0, sizeof s->err);
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	if (s->o.progress)
		pv_progress_start(&s->prog, "messages sent", n->queued +
				  n->pending);
	if (s->nt == 1) {
		wk[0].s = s;
		wk[0].t = s->t[0];
		work(&wk[0]);
	} else {
		for (i = 0; i < s->nt; i++) {
			wk[i].s = s;
			wk[i].t = s->t[i];
			if (pthread_create(&wk[i].th, NULL, work, &wk[i]) != 0)
				break;
			started++;
		}
		for (i = 0; i < started; i++)
			pthread_join(wk[i].th, NULL);
		if (!started) {
			pv_progress_end(&s->prog);
			return pv_fail(e, PV_SOFTWARE, "cannot start threads");
		}
	}
	if (s->o.progress)
		pv_progress_end(&s->prog);
	if (s->status) {
		*e = s->err;
		if (!e->status)
			e->status = s->status;
		return s->status;
	}
	return PV_OK;
}
