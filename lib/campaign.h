/*
 * campaign.h - consent campaigns: who may be asked (campaign-audience.c)
 * and the send journal (campaign.c) (Art. 7(1) GDPR, § 7 UWG).  The answers to the messages (confirm,
 * decline, expire) belong to the consent ledger: consent.h.
 *
 * Kinds:
 *   repermission   ask again for pre-GDPR opt-ins: purposes whose latest
 *                  ledger event is a 'granted' dated before 2018-05-25
 *                  without proof (consent.h: needs-repermission)
 *   double-opt-in  confirm new opt-ins: purposes whose latest event is a
 *                  'granted' on or after 2018-05-25 without proof
 *                  (consent.h: unproven)
 * Never asked, whatever the input says (the reason of the skip):
 *   erased          an identifier matches a tombstone (or the customer
 *                   named by a record no longer exists but was erased)
 *   withdrawn       the latest event of some purpose is withdrawn or
 *                   declined
 *   confirmed       every opt-in is already proven
 *   already-mailed  this campaign sent to the customer before
 *   failed          this campaign's mail was refused for good (5xx)
 *   already-asked   (repermission) another re-permission campaign asked
 *                   the customer (sent, or queued, deferred or sending
 *                   there): a customer is asked for re-permission at most
 *                   once, whatever the campaign (§ 7 UWG: the mail asking
 *                   is itself advertising); asked_by names that campaign
 *   no-address      no usable e-mail address
 *   other-location  the campaign is for another location
 *   not-eligible    nothing for this kind of campaign to ask (no opt-in,
 *                   expired, or an opt-in of the other kind)
 *
 * The journal: one campaign_messages row per customer and campaign,
 * 'queued' -> 'sending' (committed before the message is handed to the
 * transport) -> 'sent' (with the server's reply) | 'deferred' (4xx or
 * timeout: retried by a later run after a delay) | 'failed' (5xx); a row
 * whose customer is no longer eligible when its turn comes is 'cancelled'.
 * Rows left 'sending' by a killed run are sent again first, with the same
 * Message-ID and tokens (token.h).  One run per database at a time (a lock
 * file beside the database).
 */
#ifndef PV_CAMPAIGN_H
#define PV_CAMPAIGN_H

#include <sqlite3.h>
#include <time.h>

#include "consent.h"
#include "rec.h"
#include "token.h"
#include "util.h"

/* ---- campaign.c: the campaign and its send journal ---------------- */

enum pv_campaign_kind { PV_CAMP_REPERMISSION = 1, PV_CAMP_DOI = 2 };

/* "repermission" / "double-opt-in"; 0 when unknown. */
int pv_campaign_kind_parse(const char *s);
const char *pv_campaign_kind_name(int kind);

struct pv_campaign;
struct pv_elig; /* the verdict on a customer: campaign-audience.c */

/*
 * Open the campaign called name, creating it (audited) on first use unless
 * dry_run.  kind 0 takes the stored kind; location NULL means all
 * locations.  PV_USAGE when it exists with another kind or location,
 * PV_NOINPUT for an unknown location, or when dry_run and kind 0 and the
 * campaign does not exist.  lock: take the run lock (PV_TEMPFAIL when
 * another run holds it).  Loads (or, unless dry_run, creates) the token
 * key.  The statements are prepared once and reused.
 */
int pv_campaign_open(sqlite3 *db, const char *db_path, const char *name,
		     int kind, const char *location, int dry_run, int lock,
		     struct pv_campaign **out, struct pv_err *e);
void pv_campaign_close(struct pv_campaign *c);
long long pv_campaign_id(const struct pv_campaign *c); /* 0 when dry new */
int pv_campaign_kind(const struct pv_campaign *c);
const char *pv_campaign_name(const struct pv_campaign *c);
/*
 * Put an eligible verdict into the journal, in the caller's transaction:
 * a new 'queued' row with a fresh Message-ID, or a 'cancelled' row back to
 * 'queued'.  Rows already queued, deferred or sending are left alone.
 * Message-IDs use domain.  *queued is 1 when a row was written.
 */
int pv_campaign_queue(struct pv_campaign *c, const struct pv_elig *v,
		      const char *domain, int *queued, struct pv_err *e);

/* ---- campaign-audience.c: who may be asked ------------------------- */

/* The verdict on one customer. */
struct pv_elig {
	long long customer_id;
	long long location_id;
	const char *reason;   /* NULL when the customer is to be mailed */
	char purposes[64];    /* purposes asked for, comma-separated */
	char journal[16];     /* status of an existing journal row, or "" */
	char asked_by[128];   /* already-asked: the campaign that asked */
};

/* Judge one customer (who must exist).  Does not write. */
int pv_campaign_check(struct pv_campaign *c, long long customer_id,
		      struct pv_elig *v, struct pv_err *e);

/*
 * Walk the default audience: every customer of the campaign's location(s)
 * with an opt-in of the campaign's kind, plus those this campaign has
 * already queued.  fn is called with each verdict; a non-zero return stops
 * the walk and is returned.
 */
int pv_campaign_audience(struct pv_campaign *c,
			 int (*fn)(void *arg, const struct pv_elig *v),
			 void *arg, struct pv_err *e);

/*
 * Whether an erased customer is named by a record that selects no
 * existing customer: 1 when its email or external_id (with location)
 * matches a tombstone, 0 when not, -1 on error.
 */
int pv_campaign_erased(struct pv_campaign *c, const char *location,
		       const char *external_id, const char *email,
		       struct pv_err *e);

struct pv_campaign_counts {
	long long queued, pending, skipped; /* enqueue */
	long long sent, deferred, failed, cancelled; /* sending */
};

/*
 * The audience phase of a run, in one transaction: each customer named by
 * the records of in (NULL: the default audience) is judged; the eligible
 * are queued (with Message-IDs of domain), each skip is written to w as
 * {customer_id, campaign, status "skipped", reason}.  With dry_run nothing
 * is written to the database and every verdict goes to w as
 * {customer_id, campaign, eligible, reason, purposes, journal}.  A bad
 * record (PV_DATAERR, or PV_NOINPUT for a customer that does not exist and
 * was not erased) stops the phase and rolls everything back.  A record
 * naming an erased customer is a skip "erased" with its input position.
 */
int pv_campaign_enqueue(struct pv_campaign *c, struct pv_input *in,
			const char *domain, int dry_run, struct pv_writer *w,
			struct pv_campaign_counts *n, struct pv_err *e);

/* ---- campaign.c: sending, message by message ----------------------- */

/* A message to send, with what its text needs (owned by the campaign,
 * valid until the next call). */
struct pv_cmsg {
	long long row;          /* campaign_messages.id */
	long long customer_id;
	const char *status;     /* before this run: queued, deferred, sending */
	const char *message_id; /* without angle brackets */
	char confirm_token[PV_TOKEN_LEN + 1]; /* token.h: two capabilities */
	char decline_token[PV_TOKEN_LEN + 1];
	const char *purposes;
	const char *email, *first_name, *last_name;
	const char *location_slug, *location_name, *language;
	int attempts;
	const char *expires_at; /* token expiry once sent, else NULL */
};

/*
 * The next message of the journal to send: first those left 'sending' by
 * a killed run, then 'queued', then 'deferred' ones whose time has come,
 * each at most once per run (in id order).  Returns 1 with *m filled, 0
 * when none is left, or a status < 0 ... (-1) with e set.
 */
int pv_campaign_next(struct pv_campaign *c, struct pv_cmsg *m,
		     struct pv_err *e);

/*
 * The three changes of a message below (cancel, sending, result) each
 * commit a transaction of their own; when the caller has one open
 * (pv_db_begin), they join it instead and the caller commits or rolls
 * back: consent-send records a message's outcome in the transaction that
 * marks its connection's next message 'sending' (one commit a message;
 * still at most one message per connection in flight).
 */

/* The tokens of m (from its Message-ID and the campaign key): after
 * pv_campaign_defer_tokens, pv_campaign_next leaves them out, and the
 * caller derives them with pv_campaign_tokens where it likes (consent-send:
 * outside its lock; it reads only the key). */
void pv_campaign_defer_tokens(struct pv_campaign *c);
void pv_campaign_tokens(const struct pv_campaign *c, struct pv_cmsg *m);

/* The campaign's database connection (for the caller's transaction). */
sqlite3 *pv_campaign_db(const struct pv_campaign *c);

/* Mark a row 'cancelled' (customer no longer eligible), committed. */
int pv_campaign_cancel(struct pv_campaign *c, const struct pv_cmsg *m,
		       const char *reason, struct pv_err *e);

/*
 * Mark m 'sending' and commit, before the message goes to the transport:
 * the tokens expire token_days after the latest attempt; text is the
 * archived text of the mail (its template before personalisation,
 * consent.h), which the answer's ledger events will point to.
 * m->expires_at and m->attempts are updated.
 */
int pv_campaign_sending(struct pv_campaign *c, struct pv_cmsg *m,
			const struct pv_consent_text_ref *text,
			long token_days, struct pv_err *e);

/* Record the outcome and commit: status "sent", "deferred" (next attempt
 * after retry_secs) or "failed"; reply is the server's reply or the error
 * (no personal data). */
int pv_campaign_result(struct pv_campaign *c, const struct pv_cmsg *m,
		       const char *status, const char *reply, long retry_secs,
		       struct pv_err *e);

/* Archive the text of the campaign's mails (a template before
 * personalisation: name, language, subject, body) once, committed
 * (consent.h: pv_consent_text_archive). */
int pv_campaign_text(struct pv_campaign *c, const char *name,
		     const char *lang, const char *subject, const char *body,
		     struct pv_consent_text_ref *ref, struct pv_err *e);

/* How many of the campaign's messages wait as 'deferred'. */
int pv_campaign_deferred(struct pv_campaign *c, long long *n,
			 struct pv_err *e);

/* Audit a run's counts (JSON object text) in its own transaction. */
int pv_campaign_audit_run(struct pv_campaign *c, const char *counts_json,
			  struct pv_err *e);

#endif
