#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "schema.h"

static int busy_timeout(void);

int pv_db_schema_version(void)
{
	return pv_nmigrations;
}

char *pv_db_path(const struct pv_cfg *c)
{
	const char *p = c ? pv_cfg_str(c, "database", NULL) : NULL;
	const char *xdg, *home;

	if (p && *p)
		return xstrdup(p);
	xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/privacyctl/privacy.db", xdg);
	home = getenv("HOME");
	return xasprintf("%s/.local/share/privacyctl/privacy.db",
			 home && *home ? home : ".");
}

char *pv_db_sidecar(const char *db_path, const char *suffix)
{
	return xasprintf("%s%s", db_path, suffix);
}

int pv_db_fail(sqlite3 *db, struct pv_err *e, const char *what)
{
	int rc = sqlite3_errcode(db);
	int st;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return pv_fail(e, PV_TEMPFAIL,
			       "%s: database is busy, try again later", what);
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		st = PV_IOERR;
		break;
	case SQLITE_CONSTRAINT:
		st = PV_DATAERR;
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		st = PV_DATAERR;
		break;
	default:
		st = PV_SOFTWARE;
	}
	return pv_fail(e, st, "%s: %s", what, sqlite3_errmsg(db));
}

int pv_db_exec(sqlite3 *db, const char *sql, struct pv_err *e)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return pv_db_fail(db, e, "database");
	return PV_OK;
}

static sqlite3_stmt *stmt_cached_only(sqlite3 *db, const char *sql);

/* One statement, prepared once per connection (sqlite3_exec parses it on
 * every call: a sending run begins and commits two transactions a
 * message); sqlite3_exec when the cache is full. */
int pv_db_exec1(sqlite3 *db, const char *sql, const char *what,
		struct pv_err *e)
{
	sqlite3_stmt *st = stmt_cached_only(db, sql);
	int rc;

	if (!st) {
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return pv_db_fail(db, e, what);
		return PV_OK;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		int s = pv_db_fail(db, e, what);

		sqlite3_reset(st);
		return s;
	}
	sqlite3_reset(st);
	return PV_OK;
}

int pv_db_begin(sqlite3 *db, struct pv_err *e)
{
	return pv_db_exec1(db, "BEGIN IMMEDIATE", "database", e);
}

/*
 * Kill points for the crash tests (HACKING.md, "Kill points"): with
 * VAR=N in the environment, the Nth call of pv_test_kill_point(VAR, ...)
 * makes the process kill itself with SIGKILL (with
 * PRIVACY_TEST_KILL_SIGNAL=TERM or INT, it sends itself that signal, to
 * test a tool's orderly stop at a known point).  The points are where a
 * power cut may come anyway (before or after a commit, in the middle of
 * a message): a variable set by mistake costs a rerun, never data.  A
 * kill after a random sleep is not a test: a fast run outruns it.
 */
static pthread_mutex_t kill_mu = PTHREAD_MUTEX_INITIALIZER;

int pv_test_point(const char *var, long *left)
{
	int now = 0;

	pthread_mutex_lock(&kill_mu);
	if (*left < 0) {
		const char *v = getenv(var);
		long long n;

		*left = v && pv_parse_ll(v, &n) == 0 && n > 0 &&
			n < 1000000000 ? (long)n : 0;
	}
	if (*left > 0 && --*left == 0)
		now = 1;
	pthread_mutex_unlock(&kill_mu);
	return now;
}

void pv_test_kill(void)
{
	const char *sig = getenv("PRIVACY_TEST_KILL_SIGNAL");

	raise(sig && strcmp(sig, "TERM") == 0 ? SIGTERM :
	      sig && strcmp(sig, "INT") == 0 ? SIGINT : SIGKILL);
}

void pv_test_kill_point(const char *var, long *left)
{
	if (pv_test_point(var, left))
		pv_test_kill();
}

int pv_db_commit(sqlite3 *db, struct pv_err *e)
{
	static long before = -1, after = -1;

	/* the whole transaction written, not committed: a kill here must
	 * leave nothing of it (and a message sent just before it is the one
	 * in flight) */
	pv_test_kill_point("PRIVACY_TEST_KILL_BEFORE_COMMIT", &before);
	{
		int st = pv_db_exec1(db, "COMMIT", "commit", e);

		if (st) {
			pv_db_rollback(db);
			return st;
		}
	}
	pv_test_kill_point("PRIVACY_TEST_KILL_AFTER_COMMIT", &after);
	return PV_OK;
}

void pv_db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *pv_db_prepare(sqlite3 *db, const char *sql, struct pv_err *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
			       NULL) != SQLITE_OK) {
		pv_db_fail(db, e, "prepare");
		return NULL;
	}
	return st;
}

/*
 * The statement cache: a few dozen statements over all connections, so a
 * list searched in order, by connection and SQL text (by content: a
 * pointer could be a reused buffer).  Entries of a connection go when
 * pv_db_close closes it.  A full cache does not evict: it prepares a
 * statement that only pv_db_close finalizes (never happens with the
 * helpers' fixed SQL).
 */
enum { STMT_CACHE = 64 };
static struct {
	sqlite3 *db;
	char *sql;
	sqlite3_stmt *st;
} stmt_cache[STMT_CACHE];
static int stmt_cached;
static pthread_mutex_t stmt_mu = PTHREAD_MUTEX_INITIALIZER;

/* The cached statement of db for sql, or NULL; *room: whether the
 * cache could take another. */
static sqlite3_stmt *stmt_find(sqlite3 *db, const char *sql, int *room)
{
	sqlite3_stmt *st = NULL;

	pthread_mutex_lock(&stmt_mu);
	for (int i = 0; i < stmt_cached && !st; i++)
		if (stmt_cache[i].db == db &&
		    strcmp(stmt_cache[i].sql, sql) == 0)
			st = stmt_cache[i].st;
	*room = stmt_cached < STMT_CACHE;
	pthread_mutex_unlock(&stmt_mu);
	return st;
}

sqlite3_stmt *pv_db_stmt(sqlite3 *db, const char *sql, struct pv_err *e)
{
	int room;
	sqlite3_stmt *st = stmt_find(db, sql, &room);

	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (!(st = pv_db_prepare(db, sql, e)))
		return NULL;
	pthread_mutex_lock(&stmt_mu);
	if (stmt_cached < STMT_CACHE) {
		stmt_cache[stmt_cached].db = db;
		stmt_cache[stmt_cached].sql = xstrdup(sql);
		stmt_cache[stmt_cached].st = st;
		stmt_cached++;
	}
	pthread_mutex_unlock(&stmt_mu);
	return st;
}

/* The cached statement for sql, prepared now if the cache has room;
 * NULL when it has none (or sql does not prepare). */
static sqlite3_stmt *stmt_cached_only(sqlite3 *db, const char *sql)
{
	struct pv_err e = {0};
	int room;
	sqlite3_stmt *st = stmt_find(db, sql, &room);

	return st ? st : room ? pv_db_stmt(db, sql, &e) : NULL;
}

/* Forget (and finalize) the cached statements of a connection. */
static void stmt_forget(sqlite3 *db)
{
	int i, j = 0;

	pthread_mutex_lock(&stmt_mu);
	for (i = 0; i < stmt_cached; i++) {
		if (stmt_cache[i].db == db) {
			sqlite3_finalize(stmt_cache[i].st);
			free(stmt_cache[i].sql);
			continue;
		}
		stmt_cache[j++] = stmt_cache[i];
	}
	stmt_cached = j;
	pthread_mutex_unlock(&stmt_mu);
}

void pv_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void pv_bind_text_opt(sqlite3_stmt *st, int i, const char *s)
{
	pv_bind_text(st, i, s && *s ? s : NULL);
}

const char *pv_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* The note that a clean-up after an erasure is owed: DB.scrub-pending. */
static char *scrub_note(sqlite3 *db)
{
	const char *path = sqlite3_db_filename(db, "main");

	return path && *path ? pv_db_sidecar(path, ".scrub-pending") : NULL;
}

/* One TRUNCATE checkpoint that never waits: with a reader of another
 * process in the way, SQLite would hold the write lock for the whole busy
 * timeout and stall every other writer (issue 18, 6). */
static int truncate_now(sqlite3 *db)
{
	int rc, log = -1;

	/* a connection that has read nothing yet is not in WAL mode, and
	 * its checkpoint would be a no-op "done" */
	sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL,
		     NULL);
	sqlite3_busy_timeout(db, 0);
	rc = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE,
				       &log, NULL);
	sqlite3_busy_timeout(db, busy_timeout());
	if (rc == SQLITE_OK && log != 0)
		rc = SQLITE_BUSY; /* not in WAL mode, or not emptied */
	return rc;
}

int pv_db_checkpoint_truncate(sqlite3 *db, struct pv_err *e)
{
	char *note = scrub_note(db);
	int rc = SQLITE_BUSY, fd;

	/* a few quick tries, each holding the lock only for itself */
	for (int i = 0; i < 10; i++) {
		struct timespec ts = {0, 20 * 1000 * 1000};

		rc = truncate_now(db);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		nanosleep(&ts, NULL);
	}
	if (rc == SQLITE_OK) {
		if (note)
			unlink(note);
		free(note);
		return PV_OK;
	}
	/* What was erased is committed: that is done.  Its old copies in
	 * the file and the WAL go at the next checkpoint, which every run of
	 * a tool tries (pv_db_open, pv_db_close); check reports the note
	 * until then. */
	if (note && (fd = open(note, O_WRONLY | O_CREAT | O_CLOEXEC,
			       0600)) >= 0)
		close(fd);
	free(note);
	(void)e;
	return PV_OK;
}

int pv_db_scrub_pending(const char *db_path)
{
	char *note = pv_db_sidecar(db_path, ".scrub-pending");
	int pending = access(note, F_OK) == 0;

	free(note);
	return pending;
}

/* A clean-up owed by an earlier erasure: tried by every tool that opens
 * the database (a reading one through a connection of its own). */
static void scrub_retry(const char *path, sqlite3 *db)
{
	sqlite3 *w = NULL;

	if (!pv_db_scrub_pending(path))
		return;
	if (db && sqlite3_db_readonly(db, "main") == 0) {
		if (truncate_now(db) == SQLITE_OK) {
			char *note = scrub_note(db);

			if (note)
				unlink(note);
			free(note);
		}
		return;
	}
	if (sqlite3_open_v2(path, &w, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
	    truncate_now(w) == SQLITE_OK) {
		char *note = pv_db_sidecar(path, ".scrub-pending");

		unlink(note);
		free(note);
	}
	sqlite3_close(w);
}

/* Create the file 0600 ourselves, so that SQLite's -wal and -shm, which
 * take the main file's mode, are private too whatever the umask. */
static int create_file(const char *path, int mode, struct pv_err *e)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	struct stat sb;
	int fd;

	if (slash && slash != dir) {
		*slash = '\0';
		/* a mistyped --db must not grow a tree of directories:
		 * mkdir -p only when asked (init --parents, the XDG default) */
		if (!(mode & PV_DB_PARENTS) && stat(dir, &sb) != 0) {
			pv_fail(e, PV_NOINPUT, "cannot create database '%s': no "
				"directory '%s' (init --parents creates it)",
				path, dir);
			free(dir);
			return e->status;
		}
		for (char *p = dir + 1; *p; p++) {
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		}
		mkdir(dir, 0700);
	}
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return pv_fail(e, PV_IOERR, "cannot create database '%s': %s",
			       path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return PV_OK;
}

static int user_version(sqlite3 *db, int *v, struct pv_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL))
		return pv_db_fail(db, e, "database");
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return pv_db_fail(db, e, "database");
	return PV_OK;
}

static int migrate(sqlite3 *db, int from, struct pv_err *e)
{
	char pragma[64];
	int st;

	if ((st = pv_db_begin(db, e)))
		return st;
	/* Re-read inside the write lock: another process may have migrated. */
	if ((st = user_version(db, &from, e)))
		goto fail;
	for (int v = from; v < pv_nmigrations; v++) {
		if ((st = pv_db_exec(db, pv_migrations[v], e)))
			goto fail;
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
		 pv_nmigrations);
	if ((st = pv_db_exec(db, pragma, e)))
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_db_rollback(db);
	return st;
}

static int busy_timeout(void)
{
	const char *s = getenv("PRIVACY_BUSY_TIMEOUT");
	long long v;

	if (s && pv_parse_ll(s, &v) == 0 && v >= 0 && v < 3600000)
		return (int)v;
	return 5000;
}

int pv_db_run_lock(const char *db_path, const char *suffix, const char *what,
		   int *fdp, struct pv_err *e)
{
	char *path = pv_db_sidecar(db_path, suffix);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int waited = 0, limit = busy_timeout();

	*fdp = -1;
	if (fd < 0) {
		pv_fail(e, PV_IOERR, "cannot open '%s': %s", path,
			strerror(errno));
		free(path);
		return e->status;
	}
	free(path);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = {0, 20 * 1000 * 1000};

		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return pv_fail(e, PV_IOERR, "lock: %s", strerror(errno));
		}
		if (waited >= limit) {
			close(fd);
			return pv_fail(e, PV_TEMPFAIL, "another %s is running "
				       "on this database, try again later",
				       what);
		}
		nanosleep(&ts, NULL);
		waited += 20;
	}
	*fdp = fd;
	return PV_OK;
}

/*
 * A WAL database cannot be opened, not even for reading, where its -shm
 * cannot be created: on a read-only file system (a backup, a snapshot).
 * Nobody can change the file there, so it is opened as immutable, unless
 * a -wal with content is left over, which immutable mode would ignore.
 * Returns the URI to open, or NULL to open the path as usual.
 */
static int uri_ro_fs(const char *path)
{
	struct statvfs vfs;

	return statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

static char *readonly_fs_uri(const char *path)
{
	struct statvfs vfs;
	struct stat sb;
	struct pv_buf b = {0};
	char *wal;
	const char *p;
	int busy;

	if (statvfs(path, &vfs) < 0 || !(vfs.f_flag & ST_RDONLY))
		return NULL;
	wal = xasprintf("%s-wal", path);
	busy = stat(wal, &sb) == 0 && sb.st_size > 0;
	free(wal);
	if (busy)
		return NULL;
	pv_buf_adds(&b, "file:");
	for (p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			pv_buf_addf(&b, "%%%02X", (unsigned char)*p);
		else
			pv_buf_addc(&b, *p);
	}
	pv_buf_adds(&b, "?immutable=1");
	return pv_buf_detach(&b);
}

/* PRIVACY_DB_SHARED=1: the operator means a database that group or
 * others may read (a shared group of staff accounts). */
static int shared_ok(void)
{
	const char *v = getenv("PRIVACY_DB_SHARED");

	return v && strcmp(v, "1") == 0;
}

int pv_db_open(const char *path, int mode, sqlite3 **out, struct pv_err *e)
{
	sqlite3 *db = NULL;
	struct stat sb;
	int flags, st, v, rc, on = 1;
	struct statvfs vfs;
	char *uri;

	*out = NULL;
	if (stat(path, &sb) < 0) {
		if (errno != ENOENT || !(mode & PV_DB_CREATE))
			return pv_fail(e, errno == ENOENT ? PV_NOINPUT : PV_IOERR,
				       "cannot open database '%s': %s%s", path,
				       strerror(errno),
				       errno == ENOENT ?
				       " (run 'privacyctl init')" : "");
		if ((st = create_file(path, mode, e)))
			return st;
	} else if (!S_ISREG(sb.st_mode)) {
		return pv_fail(e, PV_IOERR, "not a regular file: '%s'", path);
	} else if ((sb.st_mode & 077) && !shared_ok()) {
		/* The database holds every customer's data: a file others
		 * may read (a copy made under umask 022) is refused, as a
		 * secret file is, unless the operator says it is meant. */
		return pv_fail(e, PV_NOPERM, "database '%s' is open to group "
			       "or others (mode %04o): chmod 600 it, or set "
			       "PRIVACY_DB_SHARED=1 if that is meant", path,
			       (unsigned)(sb.st_mode & 07777));
	}

	if ((mode & PV_DB_RW) && statvfs(path, &vfs) == 0 &&
	    (vfs.f_flag & ST_RDONLY))
		return pv_fail(e, PV_IOERR, "cannot write database '%s': "
			       "read-only file system", path);
	flags = (mode & PV_DB_RW) ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	uri = (mode & PV_DB_RW) ? NULL : readonly_fs_uri(path);
	rc = sqlite3_open_v2(uri ? uri : path, &db, flags | SQLITE_OPEN_NOMUTEX |
			     (uri ? SQLITE_OPEN_URI : 0), NULL);
	free(uri);
	if (rc) {
		st = pv_fail(e, rc == SQLITE_NOMEM || !db ? PV_SOFTWARE :
			     PV_IOERR, "cannot open database '%s': %s", path,
			     db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return st;
	}
	sqlite3_extended_result_codes(db, 0);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, &on);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &on);
	sqlite3_busy_timeout(db, busy_timeout());

	if ((st = user_version(db, &v, e)))
		goto fail;
	if (v > pv_nmigrations) {
		st = pv_fail(e, PV_CONFIG,
			     "database '%s' has schema version %d, newer than "
			     "this version supports (%d): upgrade privacyctl",
			     path, v, pv_nmigrations);
		goto fail;
	}
	if (mode & PV_DB_RW) {
		if ((st = pv_db_exec(db, "PRAGMA journal_mode = WAL", e)) ||
		    (st = pv_db_exec(db, "PRAGMA synchronous = FULL", e)))
			goto fail;
	}
	if ((st = pv_db_exec(db, "PRAGMA foreign_keys = ON;"
				 "PRAGMA secure_delete = ON", e)))
		goto fail;
	if (v < pv_nmigrations) {
		if (!(mode & PV_DB_RW)) {
			st = pv_fail(e, PV_CONFIG,
				     "database '%s' needs an upgrade: run "
				     "'privacyctl init'", path);
			goto fail;
		}
		if ((st = migrate(db, v, e)))
			goto fail;
	}
	if (!uri_ro_fs(path))
		scrub_retry(path, db);
	*out = db;
	return PV_OK;
fail:
	stmt_forget(db); /* a migration's BEGIN and COMMIT */
	sqlite3_close(db);
	return st;
}

void pv_db_close(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (!db)
		return;
	stmt_forget(db);
	while ((st = sqlite3_next_stmt(db, NULL)))
		sqlite3_finalize(st);
	/* Copy what this connection wrote into the database file now, and
	 * empty the -wal: a read-only connection still open (dsar-export
	 * keeps one) would close last, and a reader cannot checkpoint, so
	 * the writes would stay in the -wal after the tool exits (a plain
	 * copy of the file would miss them) and the -wal would grow by each
	 * run.  Without a busy handler: with a reader of another process
	 * still at work, this is a passive checkpoint and never waits. */
	if (sqlite3_db_readonly(db, "main") == 0) {
		char *note = scrub_note(db);
		int log = -1;

		sqlite3_busy_timeout(db, 0);
		if (sqlite3_wal_checkpoint_v2(db, "main",
					      SQLITE_CHECKPOINT_TRUNCATE, &log,
					      NULL) == SQLITE_OK && log == 0 &&
		    note)
			unlink(note); /* a clean-up owed is done too */
		free(note);
	}
	sqlite3_close(db);
}
