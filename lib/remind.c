/* remind.c - repeated findings about a request (see remind.h). */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "db.h"
#include "remind.h"
#include "request-int.h"

static long today(void)
{
	return pv_cal_local_date(pv_now(), "UTC");
}

int pv_remind_days(const struct pv_cfg *cfg, long *days, struct pv_err *e)
{
	long long d;
	int st;

	*days = PV_REMIND_DAYS;
	if ((st = pv_cfg_int(cfg, "check.repeat_days", PV_REMIND_DAYS, &d, e)))
		return st;
	if (d < 1 || d > 365)
		return pv_fail(e, PV_CONFIG, "%s: check.repeat_days: must be "
			       "1 to 365 days", pv_cfg_origin(cfg,
							      "check.repeat_days"));
	*days = (long)d;
	return PV_OK;
}

int pv_remind_skip(sqlite3 *db, long long id, const char *event,
		   const char *status, long due, long days, struct pv_err *e)
{
	char key[96], state[64];
	long now = today();
	sqlite3_stmt *st;
	int skip = 0, rc;

	/* an acknowledged near deadline does not silence its passing */
	snprintf(state, sizeof state, "%s|%ld|%s", status, due,
		 strcmp(event, "request.overdue") == 0 ? "passed" : "open");
	snprintf(key, sizeof key, "%s|%s", event, state);
	st = pv_db_prepare(db, "SELECT key, sent_on, ack_key, ack_until FROM "
			   "reminders WHERE request_id = ?", e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *k = pv_col_text(st, 0), *ak = pv_col_text(st, 2);

		if (ak && strcmp(ak, state) == 0 &&
		    (sqlite3_column_type(st, 3) == SQLITE_NULL ||
		     now < sqlite3_column_int64(st, 3)))
			skip = 1; /* acknowledged, for this state, until */
		else if (k && strcmp(k, key) == 0 &&
			 sqlite3_column_type(st, 1) != SQLITE_NULL &&
			 now - sqlite3_column_int64(st, 1) < days)
			skip = 1; /* reported lately, unchanged */
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		pv_db_fail(db, e, "reminders");
		return -1;
	}
	if (skip)
		return 1;
	st = pv_db_prepare(db, "INSERT INTO reminders (request_id, key, "
			   "sent_on) VALUES (?1, ?2, ?3) ON CONFLICT "
			   "(request_id) DO UPDATE SET key = ?2, sent_on = ?3",
			   e);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	pv_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		pv_db_fail(db, e, "reminders");
		return -1;
	}
	return 0;
}

int pv_remind_acked(const char *ack_key, long ack_until, const char *status,
		    long due, int passed)
{
	char state[64];

	if (!ack_key)
		return 0;
	snprintf(state, sizeof state, "%s|%ld|%s", status, due,
		 passed ? "passed" : "open");
	return strcmp(ack_key, state) == 0 &&
	       (ack_until < 0 || today() < ack_until);
}

int pv_remind_ack(sqlite3 *db, long long id, long until, const char *reason,
		  struct pv_err *e)
{
	char state[64], obj[32], detail[64], day[PV_TIME_LEN];
	struct pv_req r;
	sqlite3_stmt *st;
	int rc;

	if ((rc = pv_req_load(db, id, &r, e)))
		return rc;
	if (pv_req_is_final(r.status))
		return pv_fail(e, PV_DATAERR, "request %lld is %s: nothing to "
			       "acknowledge", id, r.status);
	if (until >= 0 && until <= today())
		return pv_fail(e, PV_DATAERR, "--until: %s is not after today",
			       pv_date_fmt(until, day));
	snprintf(state, sizeof state, "%s|%ld|%s", r.status, pv_req_due(&r),
		 pv_cal_due_passed(pv_req_due(&r), pv_now(), r.tz) ? "passed"
								   : "open");
	st = pv_db_prepare(db, "INSERT INTO reminders (request_id, ack_key, "
			   "ack_until, ack_reason, ack_by) VALUES (?1, ?2, ?3, "
			   "?4, ?5) ON CONFLICT (request_id) DO UPDATE SET "
			   "ack_key = ?2, ack_until = ?3, ack_reason = ?4, "
			   "ack_by = ?5", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	pv_bind_text(st, 2, state);
	if (until >= 0)
		sqlite3_bind_int64(st, 3, until);
	pv_bind_text(st, 4, reason);
	pv_bind_text(st, 5, pv_audit_actor());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "reminders");
	/* the reason is staff's free text: kept above, not in the log */
	snprintf(obj, sizeof obj, "request:%lld", id);
	if (until >= 0)
		snprintf(detail, sizeof detail, "{\"until\":\"%s\"}",
			 pv_date_fmt(until, day));
	else
		snprintf(detail, sizeof detail, "{\"until\":null}");
	return pv_audit(db, "request.ack", obj, detail, e);
}
