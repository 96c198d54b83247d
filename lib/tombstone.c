#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "json.h"
#include "secret.h"
#include "tombstone.h"

struct pv_tomb {
	int have_key;
	unsigned char key[PV_KEY_LEN];
	char *log_path;        /* <db>.tombstones */
	int log_fd;            /* open for appending, or -1 */
	int log_dirty;         /* written since the last sync */
	struct pv_buf pending; /* lines of this subject, not yet written */
};

int pv_tomb_open(const char *db_path, int create, struct pv_tomb **out,
		 struct pv_err *e)
{
	struct pv_tomb *t = xcalloc(1, sizeof *t);
	char *path = pv_db_sidecar(db_path, ".key");
	int st = pv_key_file(path, "tombstone key", create, t->key, NULL, e);

	free(path);
	t->log_fd = -1;
	t->log_path = pv_db_sidecar(db_path, ".tombstones");
	if (st == PV_NOINPUT && !create) {
		st = PV_OK; /* no key yet: no tombstones to match */
		pv_err_clear(e);
	}
	else if (!st)
		t->have_key = 1;
	if (st) {
		pv_tomb_close(t);
		return st;
	}
	*out = t;
	return PV_OK;
}

void pv_tomb_close(struct pv_tomb *t)
{
	if (!t)
		return;
	pv_wipe(t->key, sizeof t->key);
	if (t->log_fd >= 0)
		close(t->log_fd);
	free(t->log_path);
	pv_buf_free(&t->pending);
	free(t);
}

/*
 * A phone number in E.164 ("+49301234567"): separators dropped, the
 * trunk "(0)" of "+49 (0)30 ..." too; "0049 30 ..." (international
 * prefix) and "030 ..." (German national form) become "+49 30 ...".  A
 * number without either (a local number) stays its digits.  0, or -1
 * when it has fewer than 3 digits or is too long for a phone number.
 */
int pv_phone_e164(const char *v, struct pv_buf *b)
{
	char d[40];
	size_t n = 0;
	int plus = 0;

	for (const char *p = v; *p; p++) {
		if (*p == '+' && n == 0 && !plus)
			plus = 1;
		else if (p[0] == '(' && p[1] == '0' && p[2] == ')' &&
			 (plus || n))
			p += 2;
		else if (isdigit((unsigned char)*p)) {
			if (n == sizeof d - 1)
				return -1;
			d[n++] = *p;
		}
	}
	d[n] = '\0';
	if (n < 3)
		return -1;
	if (plus) {
		pv_buf_addc(b, '+');
		pv_buf_adds(b, d);
	} else if (d[0] == '0' && d[1] == '0') {
		pv_buf_addc(b, '+');
		pv_buf_adds(b, d + 2);
	} else if (d[0] == '0') {
		pv_buf_adds(b, "+49");
		pv_buf_adds(b, d + 1);
	} else {
		pv_buf_adds(b, d);
	}
	return 0;
}

/* The normalised identifier, or NULL when there is none. */
static char *normalise(const char *kind, const char *slug, const char *v)
{
	struct pv_buf b = {0};

	if (!v)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	if (!*v)
		return NULL;
	pv_buf_adds(&b, kind);
	pv_buf_addc(&b, ':');
	if (strcmp(kind, "email") == 0) {
		size_t n = strlen(v);

		while (n && isspace((unsigned char)v[n - 1]))
			n--;
		for (size_t i = 0; i < n; i++)
			pv_buf_addc(&b, (char)tolower((unsigned char)v[i]));
	} else if (strcmp(kind, "phone") == 0) {
		if (pv_phone_e164(v, &b) != 0) {
			pv_buf_free(&b);
			return NULL;
		}
	} else {
		pv_buf_adds(&b, slug ? slug : "");
		pv_buf_addc(&b, ':');
		pv_buf_adds(&b, v);
	}
	return pv_buf_detach(&b);
}

static void tomb_hash(const struct pv_tomb *t, const char *s, char out[65])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256(mac, (const unsigned char *)s, strlen(s),
			       t->key);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}

int pv_tomb_add(struct pv_tomb *t, sqlite3 *db, const char *slug,
		const char *external_id, const char *email, const char *phone,
		struct pv_err *e)
{
	const char *kinds[] = {"external_id", "email", "phone"};
	const char *vals[] = {external_id, email, phone};
	char at[PV_TIME_LEN], h[65];
	sqlite3_stmt *st;

	if (!t->have_key)
		return pv_fail(e, PV_SOFTWARE, "tombstone key not loaded");
	st = pv_db_stmt(db, "INSERT OR IGNORE INTO tombstones (hash, kind, "
			"created_at) VALUES (?, ?, ?)", e);
	if (!st)
		return e->status;
	pv_time_fmt(pv_now(), at);
	for (int i = 0; i < 3; i++) {
		char *n = normalise(kinds[i], slug, vals[i]);

		if (!n)
			continue;
		tomb_hash(t, n, h);
		pv_wipe(n, strlen(n));
		free(n);
		pv_buf_addf(&t->pending, "erase %s %s %s\n", at, kinds[i], h);
		sqlite3_reset(st);
		pv_bind_text(st, 1, h);
		pv_bind_text(st, 2, kinds[i]);
		pv_bind_text(st, 3, at);
		if (sqlite3_step(st) != SQLITE_DONE) {
			int rc = pv_db_fail(db, e, "tombstone");

			sqlite3_reset(st);
			return rc;
		}
	}
	sqlite3_reset(st);
	return PV_OK;
}

int pv_tomb_match(struct pv_tomb *t, sqlite3 *db, const char *slug,
		  const char *external_id, const char *email,
		  const char *phone, struct pv_err *e)
{
	const char *kinds[] = {"external_id", "email", "phone"};
	const char *vals[] = {external_id, email, phone};
	sqlite3_stmt *st;
	char h[65];
	int found = 0;

	if (!t->have_key)
		return 0;
	st = pv_db_stmt(db, "SELECT 1 FROM tombstones WHERE hash = ?", e);
	if (!st)
		return -1;
	for (int i = 0; i < 3; i++) {
		char *n = normalise(kinds[i], slug, vals[i]);
		int rc;

		if (!n)
			continue;
		tomb_hash(t, n, h);
		free(n);
		sqlite3_reset(st);
		pv_bind_text(st, 1, h);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			found |= 1 << i; /* PV_TOMB_EXTERNAL_ID, ... */
		} else if (rc != SQLITE_DONE) {
			pv_db_fail(db, e, "tombstone");
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return found;
}

int pv_tomb_hash(struct pv_tomb *t, const char *kind, const char *slug,
		 const char *value, char out[65])
{
	char *n;

	if (!t || !t->have_key || !(n = normalise(kind, slug, value)))
		return -1;
	tomb_hash(t, n, out);
	pv_wipe(n, strlen(n));
	free(n);
	return 0;
}

/* ---- the tombstone log beside the key -------------------------------- */

static int log_open(struct pv_tomb *t, struct pv_err *e)
{
	struct stat sb;

	if (t->log_fd >= 0)
		return PV_OK;
	t->log_fd = open(t->log_path, O_WRONLY | O_APPEND | O_CREAT |
			 O_CLOEXEC | O_NOFOLLOW, 0600);
	if (t->log_fd < 0)
		return pv_fail(e, PV_IOERR, "cannot open tombstone log '%s': "
			       "%s", t->log_path, strerror(errno));
	if (fstat(t->log_fd, &sb) != 0 || (sb.st_mode & 077) ||
	    !S_ISREG(sb.st_mode)) {
		close(t->log_fd);
		t->log_fd = -1;
		return pv_fail(e, PV_NOPERM, "tombstone log '%s' is readable "
			       "or writable by group or others (chmod 600)",
			       t->log_path);
	}
	return PV_OK;
}

int pv_tomb_log_write(struct pv_tomb *t, struct pv_err *e)
{
	const char *p = t->pending.s;
	size_t left = t->pending.len;
	int st;

	if (!left)
		return PV_OK;
	if ((st = log_open(t, e)))
		return st;
	while (left) {
		ssize_t w = write(t->log_fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return pv_fail(e, PV_IOERR, "cannot write tombstone log "
				       "'%s': %s", t->log_path,
				       strerror(errno));
		p += w;
		left -= (size_t)w;
	}
	pv_buf_reset(&t->pending);
	t->log_dirty = 1;
	return PV_OK;
}

void pv_tomb_log_drop(struct pv_tomb *t)
{
	if (t)
		pv_buf_reset(&t->pending);
}

int pv_tomb_log_sync(struct pv_tomb *t, struct pv_err *e)
{
	if (!t || !t->log_dirty || t->log_fd < 0)
		return PV_OK;
	if (fdatasync(t->log_fd) != 0)
		return pv_fail(e, PV_IOERR, "cannot write tombstone log '%s': "
			       "%s", t->log_path, strerror(errno));
	t->log_dirty = 0;
	return PV_OK;
}

/* One hash of the log: its kind, the time of its latest line, and
 * whether that line erased (1) or lifted (0) it. */
struct entry {
	char hash[65];
	char kind[12];
	char at[PV_TIME_LEN];
	long seq;
	int erased;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->hash, y->hash);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int hash_cmp(const void *key, const void *el)
{
	return strcmp(key, ((const struct entry *)el)->hash);
}

/*
 * The log's hashes, one entry each (its latest line), sorted by hash.  A
 * line cut short by a crash, or anything else not of the log's form, is
 * skipped.  A missing log is an empty one.
 */
static int log_load(struct pv_tomb *t, struct entry **out, size_t *n,
		    struct pv_err *e)
{
	char *buf = NULL, *line, *save = NULL;
	struct entry *v = NULL;
	size_t len = 0, cap = 0, k = 0, j;
	int st;

	*out = NULL;
	*n = 0;
	if (access(t->log_path, F_OK) != 0)
		return PV_OK;
	if ((st = pv_read_file(t->log_path, 1, &buf, &len, e)))
		return st;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char op[12], at[PV_TIME_LEN], kind[12], hash[80];
		struct entry *x;

		if (sscanf(line, "%11s %31s %11s %79s", op, at, kind, hash) !=
		    4 || strlen(hash) != 64 || (strcmp(op, "erase") &&
						strcmp(op, "unblock")) ||
		    (strcmp(kind, "external_id") && strcmp(kind, "email") &&
		     strcmp(kind, "phone")))
			continue;
		if (k == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * sizeof *v);
		}
		x = &v[k];
		snprintf(x->hash, sizeof x->hash, "%s", hash);
		snprintf(x->kind, sizeof x->kind, "%s", kind);
		snprintf(x->at, sizeof x->at, "%s", at);
		x->seq = (long)k;
		x->erased = strcmp(op, "erase") == 0;
		k++;
	}
	free(buf);
	if (k)
		qsort(v, k, sizeof *v, entry_cmp);
	/* keep the latest line of each hash */
	for (size_t i = j = 0; i < k; i++) {
		if (i + 1 < k && strcmp(v[i].hash, v[i + 1].hash) == 0)
			continue;
		v[j++] = v[i];
	}
	*out = v;
	*n = k ? j : 0;
	return PV_OK;
}

static int erased_in(const struct entry *v, size_t n, const char *h)
{
	const struct entry *x = n ? bsearch(h, v, n, sizeof *v, hash_cmp) :
			NULL;

	return x && x->erased;
}

int pv_tomb_log_scan(struct pv_tomb *t, sqlite3 *db, int restore,
		     struct pv_tomb_found **found, size_t *nfound,
		     long long *missing, struct pv_err *e)
{
	struct entry *v = NULL;
	size_t n = 0, nf = 0, capf = 0;
	struct pv_tomb_found *f = NULL;
	sqlite3_stmt *has = NULL, *ins = NULL, *cust = NULL;
	int st, rc = SQLITE_DONE;

	*found = NULL;
	*nfound = 0;
	*missing = 0;
	if ((st = log_load(t, &v, &n, e)))
		return st;
	if (n && !t->have_key) {
		free(v);
		return pv_fail(e, PV_CONFIG, "the tombstone log '%s' needs the "
			       "tombstone key beside the database",
			       t->log_path);
	}
	if (!n)
		return PV_OK;
	has = pv_db_prepare(db, "SELECT 1 FROM tombstones WHERE hash = ?", e);
	if (restore && has)
		ins = pv_db_prepare(db, "INSERT OR IGNORE INTO tombstones "
				    "(hash, kind, created_at) VALUES (?, ?, ?)",
				    e);
	if (has && (ins || !restore))
		cust = pv_db_prepare(db, "SELECT c.id, c.location_id, "
				     "c.external_id, l.slug FROM customers c "
				     "JOIN locations l ON l.id = c.location_id "
				     "ORDER BY c.id", e);
	if (!cust) {
		st = e->status;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].erased)
			continue;
		pv_bind_text(has, 1, v[i].hash);
		rc = sqlite3_step(has);
		sqlite3_reset(has);
		if (rc == SQLITE_ROW)
			continue;
		if (rc != SQLITE_DONE)
			break;
		(*missing)++;
		if (!restore)
			continue;
		pv_bind_text(ins, 1, v[i].hash);
		pv_bind_text(ins, 2, v[i].kind);
		pv_bind_text(ins, 3, v[i].at);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE)
			break;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		st = pv_db_fail(db, e, "tombstones");
		goto out;
	}
	while ((rc = sqlite3_step(cust)) == SQLITE_ROW) {
		char h[65];

		if (pv_tomb_hash(t, "external_id", pv_col_text(cust, 3),
				 pv_col_text(cust, 2), h) != 0 ||
		    !erased_in(v, n, h))
			continue;
		if (nf == capf) {
			capf = capf ? 2 * capf : 16;
			f = xrealloc(f, capf * sizeof *f);
		}
		f[nf].customer_id = sqlite3_column_int64(cust, 0);
		f[nf].location_id = sqlite3_column_int64(cust, 1);
		nf++;
	}
	if (rc != SQLITE_DONE) {
		st = pv_db_fail(db, e, "customers");
		goto out;
	}
	*found = f;
	*nfound = nf;
	f = NULL;
out:
	free(f);
	free(v);
	sqlite3_finalize(has);
	sqlite3_finalize(ins);
	sqlite3_finalize(cust);
	return st;
}

int pv_tomb_unblock(struct pv_tomb *t, sqlite3 *db, const char *slug,
		    const char *external_id, const char *reason, int dry_run,
		    struct pv_err *e)
{
	struct entry *v = NULL;
	size_t n = 0;
	char h[65], at[PV_TIME_LEN], obj[96];
	sqlite3_stmt *st = NULL;
	char *detail = NULL;
	int rc, in_db = 0, in_log;
	long long lift;

	if (!reason || !*reason)
		return pv_fail(e, PV_USAGE, "--reason: required (why the block "
			       "is lifted)");
	if (pv_tomb_hash(t, "external_id", slug, external_id, h) != 0)
		return pv_fail(e, PV_NOINPUT, "no erased customer with this "
			       "external id in '%s'", slug);
	if ((rc = log_load(t, &v, &n, e)))
		return rc;
	in_log = erased_in(v, n, h);
	free(v);
	if ((rc = pv_db_begin(db, e)))
		return rc;
	st = pv_db_prepare(db, "DELETE FROM tombstones WHERE hash = ? AND "
			   "kind = 'external_id'", e);
	if (!st)
		goto fail;
	pv_bind_text(st, 1, h);
	if (sqlite3_step(st) != SQLITE_DONE) {
		pv_db_fail(db, e, "tombstones");
		goto fail;
	}
	in_db = sqlite3_changes(db) > 0;
	sqlite3_finalize(st);
	st = NULL;
	if (!in_db && !in_log) {
		pv_fail(e, PV_NOINPUT, "no erased customer with this external "
			"id in '%s'", slug);
		goto fail;
	}
	pv_time_fmt(pv_now(), at);
	st = pv_db_prepare(db, "INSERT INTO tombstone_lifts (hash, reason, "
			   "lifted_at) VALUES (?, ?, ?)", e);
	if (!st)
		goto fail;
	pv_bind_text(st, 1, h);
	pv_bind_text(st, 2, reason);
	pv_bind_text(st, 3, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		pv_db_fail(db, e, "tombstone_lifts");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	lift = sqlite3_last_insert_rowid(db);
	snprintf(obj, sizeof obj, "location:%s", slug);
	/* the reason may name people: it stays in tombstone_lifts */
	detail = pv_jsonf("{s:I}", "lift", (json_int_t)lift);
	if (pv_audit(db, "customer.unblock", obj, detail, e))
		goto fail;
	free(detail);
	detail = NULL;
	if (dry_run) {
		pv_db_rollback(db);
		return PV_OK;
	}
	/* the log first: a restored backup must not block again what
	 * staff lifted */
	pv_buf_addf(&t->pending, "unblock %s external_id %s\n", at, h);
	if ((rc = pv_tomb_log_write(t, e)) || (rc = pv_tomb_log_sync(t, e)))
		goto fail;
	return pv_db_commit(db, e);
fail:
	pv_tomb_log_drop(t);
	free(detail);
	sqlite3_finalize(st);
	pv_db_rollback(db);
	return e->status;
}
