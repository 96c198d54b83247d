/*
 * consent.h - the consent ledger and what it proves (Art. 7(1) GDPR,
 * § 7 UWG).
 *
 * A customer's consent for a purpose is read from the latest ledger event
 * (by time, then id):
 *   valid               latest is 'confirmed', or a 'granted' dated on or
 *                       after 2018-05-25 with GDPR-grade evidence (a text
 *                       version and an IP or user agent)
 *   needs-repermission  latest is 'granted' before 2018-05-25 without
 *                       such evidence (no confirmation since)
 *   unproven            latest is 'granted' on or after 2018-05-25
 *                       without evidence (waiting for double opt-in)
 *   none                no events, or latest is declined, withdrawn or
 *                       expired
 * An "active opt-in" is valid, needs-repermission or unproven.
 */
#ifndef PV_CONSENT_H
#define PV_CONSENT_H

#include <sqlite3.h>

#include "util.h"

/* SQL over a consents row (alias k) that is true when the row proves
 * consent by itself. */
#define PV_CONSENT_PROVEN_SQL                                              \
	"(k.event = 'confirmed' OR (k.event = 'granted' AND "              \
	"k.at >= '2018-05-25' AND k.text_version IS NOT NULL AND "         \
	"(k.evidence_ip IS NOT NULL OR k.evidence_user_agent IS NOT NULL)))"

/* The cut-off date of pre-GDPR opt-ins. */
#define PV_GDPR_DATE "2018-05-25"

/*
 * Customers of a location with an active opt-in (any purpose) that is not
 * valid: these block marketing=on.  *count receives their number; when ids
 * is not NULL, their ids are appended comma-separated.
 */
int pv_marketing_blockers(sqlite3 *db, long long location_id,
			  long long *count, struct pv_buf *ids,
			  struct pv_err *e);

#endif
