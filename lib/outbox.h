/*
 * outbox.h - events, written in the same transaction as the change they
 * report, so that none is lost; notify delivers them.
 */
#ifndef PV_OUTBOX_H
#define PV_OUTBOX_H

#include <sqlite3.h>

#include "util.h"

/*
 * Queue an event.  type: "request.received", "erasure.completed", ...;
 * audience: "business" (the location's notify-email / webhook) or
 * "customer" (the address on file).  customer_id and request_id may be 0.
 * fields_json: a JSON object text with the event's own fields (may hold
 * personal data; notify scrubs it after delivery) or NULL.  The stored
 * payload is that object with "id", "event", "at", "location" and the ids
 * added.  *id receives the event id when id is not NULL.
 */
int pv_event_add(sqlite3 *db, const char *type, long long location_id,
		 long long customer_id, long long request_id,
		 const char *audience, const char *fields_json, long long *id,
		 struct pv_err *e);

/*
 * The same, for one of many events of a bulk run (an erasure by policy of
 * many customers): *run is the run's key, 0 before its first event, which
 * then becomes the key (its own id).  notify tells a location's business
 * of the business events of one run and type in one message (notify.h).
 */
int pv_event_add_run(sqlite3 *db, const char *type, long long location_id,
		     long long customer_id, long long request_id,
		     const char *audience, const char *fields_json,
		     long long *run, long long *id, struct pv_err *e);

/*
 * pv_event_add_run for a caller that writes its fields itself: fields_json
 * is a compact JSON object text (pv_json_quote'd strings) none of whose
 * keys is one of those added ("id", "event", "at", "location",
 * "customer_id", "request_id", "audience").  The payload is the same
 * object as pv_event_add_run's, made without parsing and re-writing the
 * fields (a batch erasure writes one per subject).
 */
int pv_event_add_own(sqlite3 *db, const char *type, long long location_id,
		     long long customer_id, long long request_id,
		     const char *audience, const char *fields_json,
		     long long *run, long long *id, struct pv_err *e);

#endif
