/*
 * notify.h - delivering outbox events by e-mail and to webhooks.
 *
 * Routing: an event for the business goes to its location's notify-email
 * (and notify-webhook when set); an event for the customer to the
 * customer's address on file, looked up at delivery time.  Each (event,
 * channel) has a state in the deliveries table: pending, delivered,
 * deferred (4xx, timeouts, HTTP 5xx/408/429: retried with a growing delay,
 * given up after 5 days) or failed (5xx, HTTP 4xx).  events.status is their
 * sum; when an event is delivered or failed for good its payload is
 * scrubbed down to ids.  Every state change is audited (ids only) in the
 * transaction that records it, one transaction per delivery, so that a
 * crash repeats at most the message in flight.
 */
#ifndef PV_NOTIFY_H
#define PV_NOTIFY_H

#include <sqlite3.h>
#include <time.h>

#include "cfg.h"
#include "rec.h"
#include "util.h"

struct pv_webhook;

/* https://, or http:// towards a loopback host. */
int pv_webhook_url_ok(const char *url);
/* The secret from PRIVACY_WEBHOOK_SECRET or webhook.secret_file (0600). */
int pv_webhook_open(const struct pv_cfg *cfg, struct pv_webhook **out,
		    struct pv_err *e);
/* "sha256=" + hex HMAC-SHA256(key, timestamp "." delivery_id "." body). */
void pv_webhook_sign(const unsigned char *key, size_t keylen,
		     const char *timestamp, const char *delivery_id,
		     const char *body, size_t len, char out[72]);
/* POST body with X-Privacy-Event, -Delivery, -Timestamp, -Signature; 10 s
 * timeout.  PV_OK on 2xx; PV_TEMPFAIL on 408, 429, 5xx, timeouts and
 * connection errors; PV_UNAVAILABLE on other answers; reply gets
 * "HTTP 503" or the transport error. */
int pv_webhook_post(struct pv_webhook *w, const char *url, const char *event,
		    const char *delivery_id, time_t now, const char *body,
		    size_t len, char *reply, size_t replylen, struct pv_err *e);
void pv_webhook_close(struct pv_webhook *w);

struct pv_notify_opts {
	const char *to;        /* --to: every e-mail goes here instead */
	const char *transport; /* --transport dir:PATH, or NULL for SMTP */
	int digest;            /* one business mail per location */
	int dry_run;           /* render, send nothing, change nothing */
	struct pv_summary *sum; /* counts of the records' statuses, or NULL */
};

struct pv_notify;
struct pv_summary;

int pv_notify_new(sqlite3 *db, const struct pv_cfg *cfg,
		  const struct pv_notify_opts *o, struct pv_writer *out,
		  struct pv_notify **n, struct pv_err *e);
/*
 * Take piped event records, all or none, into the outbox: a record whose
 * "id" names an outbox event selects it (delivered once however often it
 * is piped); any other record needs "event" and "location" (unless --to)
 * and is queued as a new event.  PV_DATAERR "file:line: field: reason" on
 * the first bad record, nothing queued.  Deliver them with pv_notify_run.
 */
int pv_notify_add_input(struct pv_notify *n, struct pv_input *in,
			struct pv_err *e);
/* Also deliver what waits in the outbox and is due (--pending). */
void pv_notify_add_pending(struct pv_notify *n);
/*
 * Requeue failed events and deliver them in this run (--retry ID: id > 0;
 * --retry-failed: id 0, every failed event): the failed channels become
 * pending again, the give-up time counts from now, audited
 * ("notify.retry", ids only).  PV_NOINPUT "no such event: N";
 * PV_DATAERR for an event that is not failed, or whose content was
 * scrubbed (it cannot be sent again).  *n_out gets the number requeued.
 */
int pv_notify_retry(struct pv_notify *n, long long id, long *n_out,
		    struct pv_err *e);
/*
 * Deliver; one output record per delivery {event_id, event, channel,
 * status, reply}.  Returns PV_OK when everything was delivered,
 * PV_TEMPFAIL when something was deferred, PV_UNAVAILABLE when something
 * failed for good, or the status of a set-up error (config, TLS, AUTH:
 * the event stays pending).
 */
int pv_notify_run(struct pv_notify *n, struct pv_err *e);
void pv_notify_free(struct pv_notify *n);

#endif
