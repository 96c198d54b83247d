/*
 * csend.h - the sending phase of consent-send: render each journal message
 * from its template, mark it 'sending', hand it to a transport, record the
 * outcome (campaign.h), over N connections at a bounded rate.
 */
#ifndef PV_CSEND_H
#define PV_CSEND_H

#include "campaign.h"
#include "cfg.h"
#include "rec.h"
#include "util.h"

struct pv_csend_opts {
	const char *transport; /* "dir:PATH", or NULL for smtp.url */
	int connections;       /* parallel transports, >= 1 */
	double rate;           /* messages per second at most; 0: no limit */
	int progress;          /* a progress line on stderr */
};

/* What a run needs from the config, checked before anything is written:
 * consent.confirm_url and consent.decline_url with "{token}", a sender
 * (consent.from, else controller.email), consent.token_days (1..365,
 * default 30), consent.retry_minutes (default 15), consent.max_attempts
 * (default 10), consent.unsubscribe_mailto (an address or unset).
 * PV_CONFIG "key: reason" otherwise.
 * Every message carries List-Unsubscribe (RFC 2369) with its decline link
 * (and a mailto: link to unsubscribe_mailto when set), and, when the
 * decline link is https, List-Unsubscribe-Post: List-Unsubscribe=One-Click
 * (RFC 8058): the mail program's unsubscribe button POSTs to the decline
 * link, which only the decline token's capability answers. */
struct pv_csend_cfg {
	const char *confirm_url, *decline_url, *from, *from_name;
	const char *unsubscribe_mailto;
	long long token_days, retry_minutes, max_attempts;
};
int pv_csend_config(const struct pv_cfg *cfg, struct pv_csend_cfg *out,
		    struct pv_err *e);

/* The domain of the sender, for Message-IDs. */
const char *pv_csend_domain(const struct pv_csend_cfg *k);

/*
 * Open the transports (before the audience phase, so that a bad transport
 * changes nothing), then, after pv_campaign_enqueue, send.  One record per
 * message to w: {customer_id, campaign, status (sent, deferred, failed,
 * skipped), reason (skipped), message_id, reply, attempts, resent}.
 * Returns PV_OK when the sending ran (see the counts in n), else the
 * status of what stopped it (a transport set-up error, the database).
 */
struct pv_csend;
int pv_csend_open(const struct pv_cfg *cfg, const struct pv_csend_cfg *k,
		  const struct pv_csend_opts *o, struct pv_csend **out,
		  struct pv_err *e);
int pv_csend_run(struct pv_csend *s, struct pv_campaign *c,
		 struct pv_writer *w, struct pv_campaign_counts *n,
		 struct pv_err *e);
void pv_csend_close(struct pv_csend *s);

/* The built-in templates, "consent-repermission" and
 * "consent-double-opt-in", in "de" and "en" (NULL for others). */
const char *pv_csend_builtin(const char *name, const char *lang);

#endif
