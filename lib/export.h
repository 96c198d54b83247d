/*
 * export.h - everything held about a subject, as Art. 15 / Art. 20 GDPR
 * ask for it.
 *
 * One document per subject (format "privacyctl-export/1", described in
 * privacy-records(5)): subject, generated_at, controller (config), the
 * Art. 15(1) information (config "processing", with German or English
 * defaults by the location's language), and the data: customer,
 * appointments, invoices (with the ones kept under retention after an
 * erasure, marked "retained": true), consents (the whole ledger with its
 * evidence) and requests.  Fields listed in the config's trade_secrets
 * ("customers.notes") are present with their content withheld and the
 * reason (Recital 63).
 *
 * In CSV the document is written in long form, one value per record:
 * customer_id, section, record_id, field, value (nested values flattened
 * to "a.0.b"); the CSV writer neutralises formulas.
 *
 * Speed: every statement is prepared once by pv_exporter_open and reused
 * for every subject; rows go straight from SQLite to the writer, so memory
 * does not grow with the number of rows of a subject or of subjects.  The
 * information is rendered once per language and copied into each compact
 * JSON document.  pv_exporter_open sets the connection's page cache to
 * 8 MiB (PRAGMA cache_size): a subject's rows are scattered.
 */
#ifndef PV_EXPORT_H
#define PV_EXPORT_H

#include <sqlite3.h>

#include "cfg.h"
#include "rec.h"
#include "subject.h"
#include "util.h"

/* The value of the document's "format" field. */
#define PV_EXPORT_FORMAT "privacyctl-export/1"

/*
 * The outbox event that carries an export document to its subject, and
 * the one field of its payload that holds the document.  Its producers
 * (request process, notify reading a piped document) queue it with
 * pv_export_queue; notify attaches that field and calls
 * pv_export_delivered once the server accepted the mail.
 */
#define PV_EXPORT_EVENT "export.ready"
#define PV_EXPORT_EVENT_DOC "export"

struct pv_exporter;

/*
 * Prepare the statements and read the config (controller, processing,
 * trade_secrets).  fmt is the format of the writers the documents will go
 * to (CSV selects the long form).  db_path, when not NULL, is used to load
 * the tombstone key beside the database, which finds retained records of
 * the subject; without a key there are none.  PV_CONFIG with the origin
 * for a malformed processing or trade_secrets entry.  db and cfg must
 * outlive the exporter; db may be read-only.
 */
int pv_exporter_open(sqlite3 *db, const struct pv_cfg *cfg,
		     const char *db_path, enum pv_fmt fmt,
		     struct pv_exporter **out, struct pv_err *e);
void pv_exporter_close(struct pv_exporter *x);

/*
 * Write the document of one subject to w (a top-level record in JSON and
 * NDJSON; in CSV one record per value).  Reads only; writes no audit
 * entry (see pv_export_audit).  PV_NOINPUT when the customer no longer
 * exists; another status on a database error, after which w may hold a
 * partial document.  Messages hold ids only.
 *
 * The subject of a request (s->request_id) by e-mail address is the
 * person at every location of the controller (J9): the documents of the
 * request's other customers (pv_request_linked) follow in the array
 * "other_locations" of its document, each a whole document of its own
 * location (in CSV: their rows follow, each with its customer_id).
 * Every producer of an answer to a request (dsar-export, request
 * process) goes through here.
 */
int pv_export_subject(struct pv_exporter *x, const struct pv_subject *s,
		      struct pv_writer *w, struct pv_err *e);

/*
 * The document of an erased subject, of whom only records retained under
 * a legal duty are left (Art. 15 covers them too): found by the keyed
 * reference of location slug and external id (the tombstone key, see
 * pv_exporter_open), written with subject.customer_id null, "erased":
 * true, customer null and only the retained records.  *nretained is
 * their number.  PV_NOINPUT "no such customer with that external id at
 * 'slug'" when nothing is retained for that reference (or there is no
 * key): the same message as for an unknown customer, so the answer does
 * not tell whether the person was ever a customer.  With w NULL it
 * only checks and counts.  tag, when not NULL, gets the first 16 hex
 * digits of the keyed reference: a name for the subject's file that
 * does not reveal who it is.
 */
int pv_export_erased(struct pv_exporter *x, const char *slug,
		     const char *external_id, struct pv_writer *w,
		     long long *nretained, char tag[17], struct pv_err *e);

/*
 * The audit entry of an export of n subjects (ids), in the caller's
 * transaction on a writable connection: action "customer.export", object
 * "customer:ID" for one subject, else "customers" with the ids in the
 * detail; dest is "stdout" or "file" (never a path, which may name the
 * person).  No personal data.
 */
int pv_export_audit(sqlite3 *wdb, const long long *ids, int n,
		    const char *dest, struct pv_err *e);
/* The same for an erased subject: object "location:SLUG", detail with
 * "erased_subject": true and the number of retained records; never the
 * external id, which would name who was erased. */
int pv_export_audit_erased(sqlite3 *wdb, const char *slug,
			   long long nretained, const char *dest,
			   struct pv_err *e);

/*
 * The document doc (a JSON object text of len bytes) as a self-contained
 * HTML page (lib/export_html.c): the language of its information
 * section, times in the zone tz (NULL: UTC), no script and no external
 * resource, every value escaped.  PV_DATAERR when doc is not a JSON
 * object.
 */
int pv_export_html(const char *doc, size_t len, const char *tz,
		   struct pv_buf *out, struct pv_err *e);

/*
 * Queue the document doc (a JSON object text of len bytes, the output of
 * pv_export_subject) for its subject, in the caller's transaction: event
 * PV_EXPORT_EVENT for the customer with the fields "type" (rtype, the
 * request type, or "access"), "format" and PV_EXPORT_EVENT_DOC.
 * request_id may be 0.  The export is audited (dest "outbox").  *eid
 * gets the event id when not NULL.
 */
int pv_export_queue(sqlite3 *db, long long location_id, long long customer_id,
		    long long request_id, const char *rtype, const char *doc,
		    size_t len, long long *eid, struct pv_err *e);

/*
 * The mail of export event eid reached the customer (the server accepted
 * it), in the caller's transaction: its request, when it has one that is
 * still open, becomes completed with the result {"export": "delivered",
 * "event_id": eid}, and the business is told (request.completed), and
 * the business of each other location the answer covered (J9).  Not
 * before: a mail that is refused leaves the request open.  *told (the
 * caller's to free, also on error) gets the ids of the businesses'
 * events, *ntold their number (0 when nothing was completed).
 */
int pv_export_delivered(sqlite3 *db, long long eid, long long request_id,
			long long **told, size_t *ntold, struct pv_err *e);

#endif
