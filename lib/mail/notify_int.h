/* notify_int.h - shared inside lib/mail/ only. */
#ifndef PV_NOTIFY_INT_H
#define PV_NOTIFY_INT_H

struct pv_notify_text {
	const char *name; /* event type, or "check", "consent", "digest" */
	const char *de, *en;
};

/* The built-in text of an event type: consent.* share one, and every
 * type without a text of its own (check findings) gets the "check" one. */
const struct pv_notify_text *pv_notify_text(const char *event);

#endif
