/*
 * erase.h - erasure of subjects by the retention policy (Art. 17 GDPR).
 *
 * For each subject, atomically: the rows the policy deletes are deleted,
 * the ones it anonymises lose every personal field and the link to the
 * person, the ones it retains move to the restricted table `retained`
 * (with end date, basis and a keyed subject reference); the subject's
 * requests stay but no longer point at the person; the customer row goes;
 * tombstones of external id, e-mail and phone are written; an
 * `erasure.completed` event for the business goes to the outbox (with
 * external id, name, e-mail and phone, so that the business can find the
 * customer in its other systems; notify scrubs them after delivery; the
 * erasures without a request are one run of the outbox, told of in one
 * mail with their list, lib/outbox.h); an
 * audit entry "customer.erase" with counts only.  A customer under legal
 * hold is not touched.
 *
 * Transactions.  A failing subject leaves no trace and the others go on.
 * When the connection is not in a transaction already, the eraser opens
 * one and commits after `batch` subjects (group commit: one fsync per
 * batch instead of one per subject, which is what makes a stream fast
 * under synchronous=FULL) and whenever pv_eraser_flush is called.  The
 * subjects of such a batch are planned one by one (their reads, so a
 * subject that cannot be planned fails at once) and their rows are
 * written together before the commit, a set statement per table; when
 * that fails, the transaction (which holds that batch only) is rolled
 * back and each subject is done on its own in a SAVEPOINT of its own
 * (pv_eraser_on_fail).  Inside the
 * caller's transaction, and with a batch of 1, every subject runs in its
 * own savepoint at once.  The report
 * records of a batch are written only after its commit, so a report never
 * claims an erasure that a crash undid.  A crash (kill -9) loses at most
 * the uncommitted batch: every subject is fully erased or untouched.
 * When the caller is in a transaction already (a request being
 * processed), the eraser works inside it, writes each report at once,
 * and the caller commits, then checkpoints (pv_db_checkpoint_truncate).
 */
#ifndef PV_ERASE_H
#define PV_ERASE_H

#include <sqlite3.h>

#include "rec.h"
#include "retention.h"
#include "subject.h"
#include "util.h"

/* The event that tells the person who asked for the erasure what was
 * erased and what is kept, until when and why (customer; payload "to",
 * "first_name", "last_name", "erased": [table], "kept": [{table, count,
 * until, basis}]); queued with the erasure when it fulfils a request and
 * the customer had an e-mail address. */
#define PV_ERASURE_CONFIRMATION "erasure.confirmation"

struct pv_erase_opts {
	const char *db_path; /* for the tombstone key beside the database */
	int dry_run;         /* plan only: nothing at all is changed */
	int batch;           /* subjects per commit; 0 or 1: one each */
	int unchecked_ok;    /* a request whose identity was never checked
			      * may be fulfilled (request.h) */
};

struct pv_eraser;
struct pv_summary;

/* Prepare the statements (reused for every subject) and load (or, unless
 * dry run, create) the tombstone key.  The policy must outlive the
 * eraser. */
int pv_eraser_open(sqlite3 *db, const struct pv_policy *pol,
		   const struct pv_erase_opts *o, struct pv_eraser **out,
		   struct pv_err *e);

/*
 * Erase one subject (or, with dry_run, plan it) and write its report
 * record to w: {customer_id, location, request_id, status ("erased",
 * "planned", "held"), reason (held), events: [the ids of the outbox
 * events it queued, for notify; not in a dry run], deleted: [{table, count}],
 * anonymised: [{table, count}], retained: [{table, count, until,
 * basis}]}.  Returns PV_OK; PV_PARTIAL for a customer under legal hold
 * (its report says so, e says "customer N: under legal hold"); PV_NOINPUT
 * when the customer is gone; PV_DATAERR when a record to retain has a
 * malformed date; another status for a database error.  On any error the
 * subject is left untouched and the other subjects of the batch are not
 * affected.  Messages start with "customer N: " and hold no personal data.
 */
int pv_erase_subject(struct pv_eraser *er, const struct pv_subject *s,
		     struct pv_writer *w, struct pv_err *e);

/* Count every report written from now on into sum (lib/summary.h): its
 * status ("erased", "planned", "held") and, per table, the rows in its
 * deleted, anonymised and retained arrays.  A report dropped with a
 * failed batch is not counted.  sum must outlive the eraser. */
void pv_eraser_summary(struct pv_eraser *er, struct pv_summary *sum);

/* Subjects erased (or planned into the group in hand) but not committed
 * yet. */
int pv_eraser_pending(const struct pv_eraser *er);
/* In a stream, a subject's rows are written with those of its group at
 * the group's commit, and a subject can fail only then (a failure the
 * group's set statements run into, repeated when that subject is done on
 * its own; it is left untouched and has no report).  fn is told of each
 * such failure, with the status and message pv_erase_subject would have
 * returned; without fn the message goes to stderr. */
void pv_eraser_on_fail(struct pv_eraser *er,
		       void (*fn)(void *arg, int status,
				  const struct pv_err *e),
		       void *arg);

/* Commit the open batch and write its reports.  On a failed commit the
 * whole batch is rolled back and its reports are dropped. */
int pv_eraser_flush(struct pv_eraser *er, struct pv_writer *w,
		    struct pv_err *e);

/* Flush, checkpoint and truncate the WAL when anything was erased (no
 * residue of the erased values in the -wal file), free.  Counts of the
 * run: erased (or planned), held. */
int pv_eraser_close(struct pv_eraser *er, struct pv_writer *w,
		    long long *erased, long long *held, struct pv_err *e);

#endif
