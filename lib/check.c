/* check.c - the compliance check (see check.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "calendar.h"
#include "check.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "remind.h"
#include "request.h"
#include "retention.h"
#include "tombstone.h"

struct loc {
	long long id;
	char *slug, *tz, *requests, *marketing;
	int has_email;
};

/* A file found readable or writable by group or others. */
struct bad_file {
	char *path;
	const char *what;
	unsigned mode;
};

struct global {
	struct bad_file files[8];
	int nfiles;
	int audit_broken;
	int scrub_pending; /* an erasure's clean-up is owed */
	long long bad_entry;
	char why[256];
	/* the tombstone log against the database (a restored backup) */
	struct pv_tomb_found *restored;
	size_t nrestored;
	long long tombs_missing;
};

static void begin(struct pv_writer *w, const char *event, const char *at,
		  const char *slug)
{
	pv_w_begin(w);
	pv_w_str(w, "event", event);
	pv_w_str(w, "at", at);
	pv_w_str(w, "location", slug);
}

static void check_file(struct global *g, const char *path, const char *what)
{
	struct stat sb;

	if (!path || g->nfiles == (int)(sizeof g->files / sizeof g->files[0]))
		return;
	if (stat(path, &sb) != 0)
		return; /* absent: nothing to protect */
	if ((sb.st_mode & 077) == 0)
		return;
	g->files[g->nfiles].path = xstrdup(path);
	g->files[g->nfiles].what = what;
	g->files[g->nfiles].mode = (unsigned)(sb.st_mode & 07777);
	g->nfiles++;
}

static int global_checks(sqlite3 *db, const struct pv_cfg *cfg,
			 const char *db_path, struct global *g,
			 struct pv_err *e)
{
	static const char *const sfx[] = {"-wal", "-shm", ".key",
					  ".tombstones"};
	static const char *const what[] = {"database WAL", "database shared "
					   "memory", "tombstone key",
					   "tombstone log"};
	struct pv_tomb *t = NULL;
	long long n = 0;
	int rc;

	memset(g, 0, sizeof *g);
	check_file(g, db_path, "database");
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		char *p = pv_db_sidecar(db_path, sfx[i]);

		check_file(g, p, what[i]);
		free(p);
	}
	check_file(g, pv_cfg_str(cfg, "smtp.password_file", NULL),
		   "SMTP password file");
	g->scrub_pending = pv_db_scrub_pending(db_path);
	/* a key or log that cannot be read is reported above or by its
	 * user; the comparison needs both */
	if (db_path && pv_tomb_open(db_path, 0, &t, e) == PV_OK &&
	    pv_tomb_log_scan(t, db, 0, &g->restored, &g->nrestored,
			     &g->tombs_missing, e) != PV_OK) {
		g->restored = NULL;
		g->nrestored = 0;
		g->tombs_missing = 0;
	}
	pv_tomb_close(t);
	pv_err_clear(e);
	rc = pv_audit_verify(db, &g->bad_entry, g->why, sizeof g->why, &n, e);
	if (rc == PV_PARTIAL) {
		g->audit_broken = 1;
		pv_err_clear(e);
		rc = PV_OK;
	}
	return rc;
}

static void write_global(struct pv_writer *w, const struct global *g,
			 const char *at, const char *slug, long *found)
{
	char mode[8];

	for (int i = 0; i < g->nfiles; i++) {
		begin(w, "security.insecure-permissions", at, slug);
		pv_w_str(w, "file", g->files[i].path);
		pv_w_str(w, "what", g->files[i].what);
		snprintf(mode, sizeof mode, "%04o", g->files[i].mode);
		pv_w_str(w, "mode", mode);
		{
			/* a command to run as it stands: the path quoted */
			struct pv_buf q = {0};

			pv_buf_adds(&q, "chmod 600 '");
			for (const char *p = g->files[i].path; *p; p++)
				if (*p == '\'')
					pv_buf_adds(&q, "'\\''");
				else
					pv_buf_addc(&q, *p);
			pv_buf_addc(&q, '\'');
			pv_w_str(w, "fix", q.s);
			pv_buf_free(&q);
		}
		pv_w_end(w);
		(*found)++;
	}
	if (g->scrub_pending) {
		begin(w, "security.erasure-cleanup-pending", at, slug);
		pv_w_str(w, "reason", "a reader kept the WAL from being "
			 "checkpointed after an erasure: old copies of erased "
			 "values may still be in the database file or its WAL");
		pv_w_str(w, "fix", "retried by every run of a tool; close "
			 "long-running readers");
		pv_w_end(w);
		(*found)++;
	}
	if (g->tombs_missing) {
		begin(w, "erasure.tombstones-missing", at, slug);
		pv_w_int(w, "tombstones", g->tombs_missing);
		pv_w_str(w, "fix", "dsar-erase --replay-tombstones");
		pv_w_end(w);
		(*found)++;
	}
	if (g->audit_broken) {
		begin(w, "audit.chain-broken", at, slug);
		pv_w_int(w, "bad_entry", g->bad_entry);
		pv_w_str(w, "reason", g->why);
		pv_w_end(w);
		(*found)++;
	}
}

static int count_min(sqlite3 *db, const char *sql, long long id,
		     const char *arg, long long *count, char *min, size_t n,
		     struct pv_err *e)
{
	sqlite3_stmt *st = pv_db_prepare(db, sql, e);
	int rc;

	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	pv_bind_text(st, 2, arg);
	rc = sqlite3_step(st);
	*count = 0;
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		snprintf(min, n, "%s", pv_col_text(st, 1) ? pv_col_text(st, 1)
							  : "");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return pv_db_fail(db, e, "check");
	return PV_OK;
}

static int check_location(sqlite3 *db, const struct pv_cfg *cfg,
			  const struct loc *l, const struct global *g,
			  int fresh, const char *at, struct pv_writer *w,
			  long *found,
			  struct pv_err *e)
{
	struct pv_request_filter f = {0};
	time_t now = pv_now();
	char since[PV_TIME_LEN], today[PV_TIME_LEN], min[PV_TIME_LEN];
	char *fix;
	long long count;
	long n;
	int rc;

	f.location = l->slug;
	if (fresh) {
		f.skip = pv_remind_skip;
		if ((rc = pv_remind_days(cfg, &f.skip_days, e)))
			return rc;
	}
	f.overdue = 1;
	f.event = "request.overdue";
	if ((rc = pv_request_list(db, &f, w, &n, e)))
		return rc;
	*found += n;
	f.overdue = 0;
	f.due_before = now + PV_DUE_SOON_DAYS * 86400L;
	f.event = "request.deadline-near";
	if ((rc = pv_request_list(db, &f, w, &n, e)))
		return rc;
	*found += n;

	if (strcmp(l->marketing, "on") == 0) {
		if ((rc = pv_marketing_blockers(db, l->id, &count, NULL, e)))
			return rc;
		if (count) {
			begin(w, "marketing.unproven-consent", at, l->slug);
			pv_w_int(w, "customers", count);
			fix = xasprintf("privacyctl consent list "
					"--needs-repermission --location %s | "
					"consent-send --campaign reperm-%s "
					"--kind repermission", l->slug,
					l->slug);
			pv_w_str(w, "fix", fix);
			free(fix);
			fix = xasprintf("privacyctl settings set %s "
					"marketing=off", l->slug);
			pv_w_str(w, "or", fix);
			free(fix);
			pv_w_end(w);
			(*found)++;
		}
	}
	count = 0;
	for (size_t i = 0; i < g->nrestored; i++)
		count += g->restored[i].location_id == l->id;
	if (count) {
		/* live again: a backup from before their erasure */
		begin(w, "erasure.restored-customers", at, l->slug);
		pv_w_int(w, "customers", count);
		pv_w_str(w, "fix", "dsar-erase --replay-tombstones");
		pv_w_end(w);
		(*found)++;
	}
	if (strcmp(l->requests, "self-service") == 0 && !l->has_email) {
		begin(w, "settings.notify-email-missing", at, l->slug);
		fix = xasprintf("privacyctl settings set %s "
				"notify-email=ADDRESS", l->slug);
		pv_w_str(w, "fix", fix);
		free(fix);
		pv_w_end(w);
		(*found)++;
	}

	pv_time_fmt(now - 86400, since);
	if ((rc = count_min(db, "SELECT count(*), min(at) FROM events WHERE "
			    "location_id = ?1 AND status IN ('pending', "
			    "'deferred') AND at < ?2", l->id, since, &count,
			    min, sizeof min, e)))
		return rc;
	if (count) {
		begin(w, "outbox.undelivered", at, l->slug);
		pv_w_int(w, "events", count);
		pv_w_str(w, "oldest", min);
		pv_w_str(w, "fix", "notify --pending");
		pv_w_end(w);
		(*found)++;
	}
	/* failed for good: only a retry sends them, once the cause (an
	 * address, the server) is fixed */
	if ((rc = count_min(db, "SELECT count(*), min(at) FROM events WHERE "
			    "location_id = ?1 AND status = 'failed' AND "
			    "scrubbed = 0 AND ?2 IS NOT NULL", l->id, since,
			    &count, min, sizeof min, e)))
		return rc;
	if (count) {
		begin(w, "outbox.failed", at, l->slug);
		pv_w_int(w, "events", count);
		pv_w_str(w, "oldest", min);
		pv_w_str(w, "fix", "notify --retry-failed");
		pv_w_end(w);
		(*found)++;
	}

	{
		struct pv_policy *pol = NULL;
		char oldest[11];

		/* storage limitation for the living (retention.h) */
		if (pv_policy_load(cfg, &pol, e) == PV_OK) {
			rc = pv_retention_active_expired(db, pol, l->id, &count,
							 oldest, e);
			pv_policy_free(pol);
			if (rc)
				return rc;
			if (count) {
				begin(w, "retention.active-expired", at,
				      l->slug);
				pv_w_int(w, "records", count);
				pv_w_str(w, "oldest", oldest);
				pv_w_str(w, "fix", "dsar-erase --purge-expired");
				pv_w_end(w);
				(*found)++;
			}
		} else {
			pv_err_clear(e); /* reported by the tools that use it */
		}
	}
	pv_date_fmt(pv_cal_local_date(now, l->tz), today);
	if ((rc = count_min(db, "SELECT count(*), min(retain_until) FROM "
			    "retained WHERE location_id = ?1 AND "
			    "retain_until < ?2", l->id, today, &count, min,
			    sizeof min, e)))
		return rc;
	if (count) {
		begin(w, "retention.expired", at, l->slug);
		pv_w_int(w, "records", count);
		pv_w_str(w, "oldest", min);
		pv_w_str(w, "fix", "dsar-erase --purge-expired");
		pv_w_end(w);
		(*found)++;
	}
	return PV_OK;
}

int pv_check(sqlite3 *db, const struct pv_cfg *cfg, const char *db_path,
	     const char *slug, int fresh, struct pv_writer *w,
	     long *findings, struct pv_err *e)
{
	struct loc *locs = NULL;
	size_t nloc = 0, cap = 0;
	struct global g;
	char at[PV_TIME_LEN];
	sqlite3_stmt *st;
	int rc;

	*findings = 0;
	memset(&g, 0, sizeof g);
	/* a bad repeat interval is refused before anything is written */
	if (fresh) {
		long days;

		if ((rc = pv_remind_days(cfg, &days, e)))
			return rc;
	}
	st = pv_db_prepare(db, "SELECT l.id, l.slug, l.timezone, "
			   "coalesce(s.requests, 'manual'), "
			   "coalesce(s.marketing, 'off'), "
			   "coalesce(s.notify_email, '') <> '' FROM locations l "
			   "LEFT JOIN settings s ON s.location_id = l.id "
			   "WHERE ?1 IS NULL OR l.slug = ?1 ORDER BY l.slug",
			   e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, slug);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nloc == cap) {
			cap = cap ? 2 * cap : 8;
			locs = xrealloc(locs, cap * sizeof *locs);
		}
		locs[nloc].id = sqlite3_column_int64(st, 0);
		locs[nloc].slug = xstrdup(pv_col_text(st, 1));
		locs[nloc].tz = xstrdup(pv_col_text(st, 2));
		locs[nloc].requests = xstrdup(pv_col_text(st, 3));
		locs[nloc].marketing = xstrdup(pv_col_text(st, 4));
		locs[nloc].has_email = sqlite3_column_int(st, 5);
		nloc++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		rc = pv_db_fail(db, e, "locations");
	else if (slug && nloc == 0)
		rc = pv_fail(e, PV_NOINPUT, "no such location: '%s'", slug);
	else
		rc = global_checks(db, cfg, db_path, &g, e);
	pv_time_fmt(pv_now(), at);
	if (!rc && nloc == 0)
		write_global(w, &g, at, NULL, findings);
	for (size_t i = 0; !rc && i < nloc; i++) {
		write_global(w, &g, at, locs[i].slug, findings);
		rc = check_location(db, cfg, &locs[i], &g, fresh, at, w,
				    findings, e);
	}
	for (int i = 0; i < g.nfiles; i++)
		free(g.files[i].path);
	free(g.restored);
	for (size_t i = 0; i < nloc; i++) {
		free(locs[i].slug);
		free(locs[i].tz);
		free(locs[i].requests);
		free(locs[i].marketing);
	}
	free(locs);
	if (rc)
		return rc;
	return *findings ? PV_PARTIAL : PV_OK;
}
