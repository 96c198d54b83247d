/*
 * audit.h - the append-only, hash-chained audit log.
 *
 * Each row holds the SHA-256 of its own content and of the previous row's
 * hash; the newest row's id and hash are also kept in meta('audit_head'),
 * so that deleting the newest rows is seen too.  Triggers refuse UPDATE and
 * DELETE through SQL.  The log holds no personal data: ids, slugs, setting
 * names and values, counts.
 */
#ifndef PV_AUDIT_H
#define PV_AUDIT_H

#include <sqlite3.h>

#include "util.h"

/*
 * Append an entry in the caller's transaction.  action: "settings.set",
 * "customer.import", ...; object: "location:salon-mitte", "customer:42";
 * detail: a JSON object text or NULL.  The actor is the program and the
 * login name of the user running it.
 */
int pv_audit(sqlite3 *db, const char *action, const char *object,
	     const char *detail_json, struct pv_err *e);
/* That actor: "privacyctl/anna" (static storage). */
const char *pv_audit_actor(void);

/*
 * Verify the chain.  Returns PV_OK when intact; PV_PARTIAL with *bad_id
 * (the first bad entry, or the last good one + 1 when rows are missing at
 * the end) and why ("hash mismatch", "previous hash mismatch", "missing
 * entries after", ...) when not; another status on a database error.
 */
int pv_audit_verify(sqlite3 *db, long long *bad_id, char *why, size_t whylen,
		    long long *count, struct pv_err *e);

/* Hex SHA-256 (65 bytes with NUL). */
void pv_sha256_hex(const void *p, size_t n, char out[65]);

#endif
