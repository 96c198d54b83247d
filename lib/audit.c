#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "db.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

void pv_sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, p, n);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* The hashed content: every column but the hash itself, separated by a
 * byte that cannot occur in them (unit separator), the id included so that
 * reordering rows breaks the chain. */
static void row_hash(long long id, const char *at, const char *actor,
		     const char *action, const char *object,
		     const char *detail, const char *prev, char out[65])
{
	struct pv_buf b = {0};

	pv_buf_addf(&b, "%lld", id);
	const char *parts[] = {at, actor, action, object, detail, prev};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		pv_buf_addc(&b, '\x1f');
		pv_buf_adds(&b, parts[i] ? parts[i] : "\x1e");
	}
	pv_sha256_hex(b.s, b.len, out);
	pv_buf_free(&b);
}

/*
 * The name of uid in /etc/passwd, read without malloc: 1 when found.
 * glibc's getpwuid crashes (SIGSEGV in nss_database_check_reload_and_get,
 * or an abort) when an allocation of its NSS state fails, which
 * tests/faults.t's failing allocations can hit; local users never get
 * there.  Users of other NSS sources (LDAP, sssd) still go to getpwuid.
 */
static int passwd_name(uid_t uid, char *out, size_t outsz)
{
	static char f[1 << 16];
	ssize_t n, got = 0;
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while (got < (ssize_t)sizeof f - 1 &&
	       (n = read(fd, f + got, sizeof f - 1 - got)) > 0)
		got += n;
	close(fd);
	if (got <= 0 || got >= (ssize_t)sizeof f - 1)
		return 0; /* unreadable, or too big for the buffer */
	f[got] = '\0';
	for (char *line = f, *next; line && *line; line = next) {
		char *name = line, *c1, *c2, *end;
		unsigned long long u;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!(c1 = strchr(name, ':')) || !(c2 = strchr(c1 + 1, ':')))
			continue;
		u = strtoull(c2 + 1, &end, 10);
		if (end == c2 + 1 || *end != ':' || u != (unsigned long long)uid)
			continue;
		*c1 = '\0';
		if (!*name || (size_t)(c1 - name) >= outsz)
			return 0;
		memcpy(out, name, (size_t)(c1 - name) + 1);
		return 1;
	}
	return 0;
}

static const char *actor(void)
{
	static char buf[128];
	char name[64];
	struct passwd *pw;

	if (!buf[0]) {
		if (!passwd_name(geteuid(), name, sizeof name)) {
			pw = getpwuid(geteuid());
			snprintf(name, sizeof name, "%s", pw ? pw->pw_name : "?");
		}
		snprintf(buf, sizeof buf, "%s/%s", pv_progname, name);
	}
	return buf;
}

const char *pv_audit_actor(void)
{
	return actor();
}

static int read_head(sqlite3 *db, long long *id, char hash[65],
		     struct pv_err *e)
{
	sqlite3_stmt *st;
	const char *v;
	int rc;

	*id = 0;
	strcpy(hash, GENESIS);
	st = pv_db_stmt(db, "SELECT value FROM meta WHERE key = 'audit_head'",
			e);
	if (!st)
		return e->status;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (v = pv_col_text(st, 0)) &&
	    sscanf(v, "%lld:%64s", id, hash) != 2) {
		sqlite3_reset(st);
		return pv_fail(e, PV_DATAERR, "audit: malformed chain head");
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = pv_db_fail(db, e, "audit");
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	return PV_OK;
}

int pv_audit(sqlite3 *db, const char *action, const char *object,
	     const char *detail_json, struct pv_err *e)
{
	char prev[65], hash[65], at[PV_TIME_LEN], head[96];
	sqlite3_stmt *st;
	long long last, id;
	int rc;

	if (sodium_init() < 0)
		return pv_fail(e, PV_SOFTWARE, "audit: libsodium init failed");
	if ((rc = read_head(db, &last, prev, e)))
		return rc;
	/* Ids are assigned here, not by SQLite, so that they are in the hash
	 * and follow the head even after rows were deleted behind our back. */
	if (!(st = pv_db_stmt(db, "SELECT max(id) FROM audit", e)))
		return e->status;
	sqlite3_step(st);
	id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id < last)
		id = last;
	id++;
	pv_time_fmt(pv_now(), at);
	row_hash(id, at, actor(), action, object, detail_json, prev, hash);

	st = pv_db_stmt(db, "INSERT INTO audit (id, at, actor, action, "
			"object, detail, prev_hash, hash) VALUES "
			"(?, ?, ?, ?, ?, ?, ?, ?)", e);
	if (!st)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	pv_bind_text(st, 2, at);
	pv_bind_text(st, 3, actor());
	pv_bind_text(st, 4, action);
	pv_bind_text(st, 5, object);
	pv_bind_text(st, 6, detail_json);
	pv_bind_text(st, 7, prev);
	pv_bind_text(st, 8, hash);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "audit");

	snprintf(head, sizeof head, "%lld:%s", id, hash);
	st = pv_db_stmt(db, "INSERT INTO meta (key, value) VALUES "
			"('audit_head', ?) ON CONFLICT (key) DO UPDATE "
			"SET value = excluded.value", e);
	if (!st)
		return e->status;
	pv_bind_text(st, 1, head);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(db, e, "audit");
	return PV_OK;
}

int pv_audit_verify(sqlite3 *db, long long *bad_id, char *why, size_t whylen,
		    long long *count, struct pv_err *e)
{
	char expect_prev[65], hash[65], head_hash[65];
	long long head_id, id = 0, n = 0;
	sqlite3_stmt *st;
	int rc, broken = 0;

	if (sodium_init() < 0)
		return pv_fail(e, PV_SOFTWARE, "audit: libsodium init failed");
	if ((rc = read_head(db, &head_id, head_hash, e)))
		return rc;
	strcpy(expect_prev, GENESIS);
	if (sqlite3_prepare_v2(db, "SELECT id, at, actor, action, object, "
			       "detail, prev_hash, hash FROM audit ORDER BY id",
			       -1, &st, NULL))
		return pv_db_fail(db, e, "audit");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *stored_prev = pv_col_text(st, 6);
		const char *stored = pv_col_text(st, 7);

		id = sqlite3_column_int64(st, 0);
		n++;
		row_hash(id, pv_col_text(st, 1), pv_col_text(st, 2),
			 pv_col_text(st, 3), pv_col_text(st, 4),
			 pv_col_text(st, 5), stored_prev ? stored_prev : "",
			 hash);
		if (!stored_prev || strcmp(stored_prev, expect_prev) != 0) {
			snprintf(why, whylen, "does not follow the entry "
				 "before it (an entry was deleted, inserted or "
				 "moved)");
			broken = 1;
			break;
		}
		if (!stored || strcmp(stored, hash) != 0) {
			snprintf(why, whylen, "content does not match its hash "
				 "(the entry was changed)");
			broken = 1;
			break;
		}
		memcpy(expect_prev, stored, 65);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return pv_db_fail(db, e, "audit");
	if (count)
		*count = n;
	if (broken) {
		*bad_id = id;
		return PV_PARTIAL;
	}
	if (id != head_id || strcmp(expect_prev, head_hash) != 0) {
		if (id < head_id) {
			*bad_id = id + 1;
			snprintf(why, whylen, "missing: the log ends before "
				 "its recorded head (entry %lld)", head_id);
		} else {
			*bad_id = id;
			snprintf(why, whylen, "is not the recorded head of the "
				 "log (an entry was added or replaced)");
		}
		return PV_PARTIAL;
	}
	return PV_OK;
}
