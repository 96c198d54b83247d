/*
 * db.h - the SQLite database: open, create, pragmas, migrations.
 *
 * The file and its -wal/-shm are created 0600.  Foreign keys, WAL,
 * secure_delete and SQLITE_DBCONFIG_DEFENSIVE are on; the busy timeout is
 * PRIVACY_BUSY_TIMEOUT milliseconds (default 5000).  Numbered migrations
 * (PRAGMA user_version) are applied by pv_db_open when writing; a database
 * written by a newer version is refused (PV_CONFIG).
 */
#ifndef PV_DB_H
#define PV_DB_H

#include <sqlite3.h>

#include "cfg.h"
#include "util.h"

enum {
	PV_DB_RO = 0,     /* read only; the database must exist and be current */
	PV_DB_RW = 1,     /* read and write; migrate when needed */
	PV_DB_CREATE = 2, /* with RW: create when missing */
	PV_DB_PARENTS = 4, /* with CREATE: and its missing directories */
};

/* The schema version this build writes: the number of migrations. */
int pv_db_schema_version(void);

/* --db > PRIVACY_DB > config database > $XDG_DATA_HOME/privacyctl/privacy.db.
 * (cfg already holds PRIVACY_DB and --db as "database".)  Newly allocated. */
char *pv_db_path(const struct pv_cfg *c);

int pv_db_open(const char *path, int mode, sqlite3 **out, struct pv_err *e);
void pv_db_close(sqlite3 *db);

/* Turn the last SQLite error into a pv status: BUSY/LOCKED -> TEMPFAIL,
 * FULL/IOERR/READONLY -> IOERR, CONSTRAINT -> DATAERR, else SOFTWARE. */
int pv_db_fail(sqlite3 *db, struct pv_err *e, const char *what);

int pv_db_exec(sqlite3 *db, const char *sql, struct pv_err *e);
/* One statement (BEGIN, COMMIT), prepared once per connection; what
 * names it in an error. */
int pv_db_exec1(sqlite3 *db, const char *sql, const char *what,
		struct pv_err *e);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback never fails loudly). */
int pv_db_begin(sqlite3 *db, struct pv_err *e);
int pv_db_commit(sqlite3 *db, struct pv_err *e);
void pv_db_rollback(sqlite3 *db);
/*
 * Kill points for the crash tests (HACKING.md): pv_test_point is true at
 * its Nth call when VAR=N is set in the environment (LEFT: the caller's
 * static counter, -1 at first); pv_test_kill kills the process (SIGKILL,
 * or PRIVACY_TEST_KILL_SIGNAL=TERM|INT); pv_test_kill_point is both.
 * pv_db_commit has PRIVACY_TEST_KILL_BEFORE_COMMIT and
 * PRIVACY_TEST_KILL_AFTER_COMMIT, the SMTP transport
 * PRIVACY_TEST_KILL_IN_SEND.
 */
int pv_test_point(const char *var, long *left);
void pv_test_kill(void);
void pv_test_kill_point(const char *var, long *left);

/* Prepare (persistent); NULL with e set on error. */
sqlite3_stmt *pv_db_prepare(sqlite3 *db, const char *sql, struct pv_err *e);

/*
 * A statement kept prepared for the life of the connection, for the
 * helpers that run the same SQL once per subject or message (audit,
 * outbox, tombstones): looked up by its SQL text (a literal, usually),
 * returned reset with its bindings cleared.  The connection owns it:
 * never finalize it; reset it after use so that it holds no read
 * transaction open.  pv_db_close finalizes it.  Thread-safe lookup; the
 * statement itself is used under the connection's rules.  NULL with e
 * set on error.
 */
sqlite3_stmt *pv_db_stmt(sqlite3 *db, const char *sql, struct pv_err *e);

/* Bind helpers: text NULL binds NULL; empty text binds NULL with _opt. */
void pv_bind_text(sqlite3_stmt *st, int i, const char *s);
void pv_bind_text_opt(sqlite3_stmt *st, int i, const char *s);
/* Column text as const char * (NULL for SQL NULL). */
const char *pv_col_text(sqlite3_stmt *st, int i);

/*
 * Checkpoint the WAL and truncate it (after an erasure), without holding
 * the write lock while a reader is in the way.  A reader's open snapshot
 * can stop it: then the note DB.scrub-pending says a clean-up is owed,
 * every later open and close of the database by any tool tries again,
 * and check reports it meanwhile.  Returns PV_OK either way: what was
 * erased is committed.
 */
int pv_db_checkpoint_truncate(sqlite3 *db, struct pv_err *e);
/* Is a clean-up after an erasure still owed? */
int pv_db_scrub_pending(const char *db_path);

/* The file holding the tombstone HMAC key, beside the database. */
char *pv_db_sidecar(const char *db_path, const char *suffix);

/*
 * One run at a time per database: an exclusive flock on the file
 * DB_PATH SUFFIX (created 0600), waiting up to the busy timeout
 * (PRIVACY_BUSY_TIMEOUT), then PV_TEMPFAIL "another WHAT is running".
 * The lock goes with the returned descriptor (close it, or exit).
 */
int pv_db_run_lock(const char *db_path, const char *suffix, const char *what,
		   int *fd, struct pv_err *e);

#endif
