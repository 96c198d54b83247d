/* t-campaign.c - unit tests of lib/token.c and lib/campaign.c: tokens,
 * eligibility, the journal, answers and expiry, on a real SQLite file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "campaign.h"
#include "clock.h"
#include "consent.h"
#include "db.h"
#include "tap.h"
#include "token.h"

static char tmpdir[] = "/tmp/t-campaign.XXXXXX";
static char dbpath[256];

static long long q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "# %s: %s\n", sql, msg);
		exit(1);
	}
}

static const char fixture[] =
	"INSERT INTO locations (id, slug, name, created_at) VALUES"
	" (1, 'mitte', 'Salon Mitte', '2026-01-01'),"
	" (2, 'nord', 'Studio Nord', '2026-01-01');"
	"INSERT INTO settings (location_id) VALUES (1), (2);"
	"INSERT INTO customers (id, location_id, external_id, first_name,"
	" email, created_at, updated_at) VALUES"
	" (1, 1, 'c1', 'Anna', 'anna@example.org', 'x', 'x'),"   /* pre */
	" (2, 1, 'c2', 'Ben', 'ben@example.org', 'x', 'x'),"     /* withdrew */
	" (3, 1, 'c3', 'Cem', 'cem@example.org', 'x', 'x'),"     /* confirmed */
	" (4, 1, 'c4', 'Dora', NULL, 'x', 'x'),"                 /* no address */
	" (5, 1, 'c5', 'Emil', 'emil@example.org', 'x', 'x'),"   /* new, DOI */
	" (6, 2, 'c6', 'Fay', 'fay@example.org', 'x', 'x'),"     /* pre, nord */
	" (7, 1, 'c7', 'Gus', 'gus@example.org', 'x', 'x');"     /* pre, sms */
	"INSERT INTO consents (customer_id, purpose, event, at, source,"
	" recorded_at) VALUES"
	" (1, 'marketing-email', 'granted', '2016-03-01', 'import', 'x'),"
	" (2, 'marketing-email', 'granted', '2016-03-01', 'import', 'x'),"
	" (2, 'marketing-email', 'withdrawn', '2019-03-01', 'staff', 'x'),"
	" (3, 'marketing-email', 'granted', '2016-03-01', 'import', 'x'),"
	" (3, 'marketing-email', 'confirmed', '2020-03-01', 'staff', 'x'),"
	" (4, 'marketing-email', 'granted', '2017-03-01', 'import', 'x'),"
	" (5, 'marketing-email', 'granted', '2025-03-01', 'booking form', 'x'),"
	" (6, 'marketing-email', 'granted', '2015-03-01', 'import', 'x'),"
	" (7, 'marketing-email', 'granted', '2016-03-01', 'import', 'x'),"
	" (7, 'marketing-sms', 'granted', '2017-03-01', 'import', 'x');";

static int collect(void *arg, const struct pv_elig *v)
{
	char *s = arg;
	size_t n = strlen(s);

	snprintf(s + n, 1024 - n, "%lld:%s;", v->customer_id,
		 v->reason ? v->reason : v->purposes);
	return 0;
}

int main(void)
{
	struct pv_err e = {0};
	struct pv_campaign *c = NULL;
	struct pv_campaign_counts n = {0};
	struct pv_cmsg m;
	struct pv_answer a;
	struct pv_token_key key;
	struct stat sb;
	char verdicts[1024] = "", tok[PV_TOKEN_LEN + 1], tok2[PV_TOKEN_LEN + 1];
	char hash[65], tokens[8][PV_TOKEN_LEN + 1];
	char dtokens[8][PV_TOKEN_LEN + 1];
	struct pv_consent_text_ref txt_h = {0, 0, "h", 0};
	struct pv_consent_text_ref txt_h1 = {0, 0, "h1", 0};
	struct pv_consent_text_ref txt_h2 = {0, 0, "h2", 0};
	char *keypath;
	(void)tok2;
	sqlite3 *db;
	long long cnt;
	int st, i, r;

	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(dbpath, sizeof dbpath, "%s/p.db", tmpdir);
	setenv("PRIVACY_NOW", "2026-02-01T10:00:00Z", 1);
	pv_clock_init(&e);

	/* tokens */
	ok(!pv_token_wellformed(""), "empty token is malformed");
	ok(!pv_token_wellformed("abc"), "short token is malformed");
	ok(!pv_token_wellformed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"),
	   "a token with + is malformed");
	ok(!pv_token_wellformed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"),
	   "a token with non-zero padding bits is malformed");
	ok(pv_token_wellformed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	   "43 base64url characters are well-formed");
	ok(!pv_token_wellformed("-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	   "a leading - is malformed (it would read as an option)");
	ok(pv_token_wellformed("~AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-"
			       "") == 0, "- last is not zero padding");
	ok(pv_token_wellformed("~-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	   "~ first, - later");
	ok(!pv_token_wellformed("A~AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	   "~ only first");

	st = pv_db_open(dbpath, PV_DB_RW | PV_DB_CREATE, &db, &e);
	is_int(st, 0, "database created");
	exec(db, fixture);

	st = pv_token_key_open(dbpath, 0, &key, &e);
	is_int(st, PV_NOINPUT, "no key yet, not created when not asked");
	st = pv_token_key_open(dbpath, 1, &key, &e);
	is_int(st, 0, "key created");
	keypath = xasprintf("%s.campaign-key", dbpath);
	ok(stat(keypath, &sb) == 0 && (sb.st_mode & 0777) == 0600 &&
	   sb.st_size == 32, "key file is 32 bytes, 0600");
	pv_token_derive(&key, PV_TOKEN_CONFIRM, "abc.consent@example.org", tok);
	pv_token_derive(&key, PV_TOKEN_CONFIRM, "abc.consent@example.org",
			tok2);
	is_str(tok, tok2, "derivation is deterministic");
	pv_token_derive(&key, PV_TOKEN_DECLINE, "abc.consent@example.org",
			tok2);
	ok(strcmp(tok, tok2) != 0, "the decline token is another token");
	ok(pv_token_wellformed(tok), "derived token is well-formed");
	{
		/* The token is HMAC-SHA256(key, context NUL Message-ID), as
		 * token.h says and as the tokens in customers' mailboxes were
		 * made: computed here in one piece, without the key's
		 * precomputed states. */
		static const char *const ctx[2] = {
			"privacyctl consent confirm v2",
			"privacyctl consent decline v2"};
		const char *mid = "abc.consent@example.org";

		for (int act = 0; act < 2; act++) {
			unsigned char in[128], mac[crypto_auth_hmacsha256_BYTES];
			char want[PV_TOKEN_LEN + 1], got[PV_TOKEN_LEN + 1];
			size_t cl = strlen(ctx[act]) + 1;

			memcpy(in, ctx[act], cl);
			memcpy(in + cl, mid, strlen(mid));
			crypto_auth_hmacsha256(mac, in, cl + strlen(mid), key.k);
			sodium_bin2base64(want, sizeof want, mac, sizeof mac,
				sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			if (want[0] == '-')
				want[0] = '~';
			pv_token_derive(&key, act ? PV_TOKEN_DECLINE :
					PV_TOKEN_CONFIRM, mid, got);
			is_str(got, want, act ? "the decline token is the HMAC "
			       "of its context and the Message-ID" :
			       "the confirm token is the HMAC of its context "
			       "and the Message-ID");
		}
	}
	{
		int lead = 0;

		for (i = 0; i < 2000; i++) {
			char mid[64];

			snprintf(mid, sizeof mid, "%d.consent@example.org", i);
			pv_token_derive(&key, i % 2 ? PV_TOKEN_DECLINE :
					PV_TOKEN_CONFIRM, mid, tok2);
			lead += tok2[0] == '~';
			if (!pv_token_wellformed(tok2) || tok2[0] == '-')
				break;
		}
		is_int(i, 2000, "2000 derived tokens are well-formed, none "
		       "starts with -");
		ok(lead > 0, "some start with ~ instead");
	}
	pv_token_derive(&key, PV_TOKEN_CONFIRM, "abd.consent@example.org",
			tok2);
	ok(strcmp(tok, tok2) != 0, "another Message-ID, another token");
	pv_token_hash(tok, hash);
	ok(pv_token_hash_equal(hash, hash), "hash equals itself");
	hash[0] = hash[0] == 'a' ? 'b' : 'a';
	{
		char h2[65];

		pv_token_hash(tok, h2);
		ok(!pv_token_hash_equal(hash, h2), "a changed hash differs");
	}
	chmod(keypath, 0644);
	st = pv_token_key_open(dbpath, 0, &key, &e);
	is_int(st, PV_NOPERM, "a key readable by others is refused");
	chmod(keypath, 0600);

	/* dry run of a re-permission campaign: nothing written */
	cnt = q1(db, "SELECT count(*) FROM audit");
	st = pv_campaign_open(db, dbpath, "r1", PV_CAMP_REPERMISSION, "mitte",
			      1, 0, &c, &e);
	is_int(st, 0, "dry open of a new campaign");
	is_int(pv_campaign_id(c), 0, "not created by a dry open");
	st = pv_campaign_audience(c, collect, verdicts, &e);
	is_int(st, 0, "audience walk");
	is_str(verdicts, "1:marketing-email;4:no-address;"
	       "7:marketing-email,marketing-sms;",
	       "default audience: pre-GDPR opt-ins of the location only");
	verdicts[0] = '\0';
	for (i = 1; i <= 7; i++) {
		struct pv_elig v;

		pv_campaign_check(c, i, &v, &e);
		collect(verdicts, &v);
	}
	is_str(verdicts, "1:marketing-email;2:withdrawn;3:confirmed;"
	       "4:no-address;5:not-eligible;6:other-location;"
	       "7:marketing-email,marketing-sms;",
	       "every reason of a skip");
	pv_campaign_close(c);
	is_int(q1(db, "SELECT count(*) FROM campaigns"), 0, "no campaign");
	is_int(q1(db, "SELECT count(*) FROM audit"), cnt, "no audit entry");

	/* the real run */
	{
		FILE *devnull = fopen("/dev/null", "w");
		struct pv_writer *w = pv_writer_new(devnull, PV_FMT_NDJSON, 0);
		struct pv_campaign *c2 = NULL;

		st = pv_campaign_open(db, dbpath, "r1", PV_CAMP_REPERMISSION,
				      "mitte", 0, 1, &c, &e);
		is_int(st, 0, "open for real");
		st = pv_campaign_open(db, dbpath, "r1", 0, NULL, 0, 1, &c2, &e);
		is_int(st, PV_TEMPFAIL, "a second run is refused while one runs");
		st = pv_campaign_enqueue(c, NULL, "example.org", 0, w, &n, &e);
		is_int(st, 0, "enqueue");
		is_int(n.queued, 2, "two queued");
		is_int(n.skipped, 1, "one skipped (no address)");
		is_int(q1(db, "SELECT count(*) FROM campaigns WHERE name = 'r1'"
			  " AND kind = 'repermission' AND location_id = 1"), 1,
		       "campaign created on the first queued message");
		is_int(q1(db, "SELECT count(*) FROM campaign_messages WHERE"
			  " status = 'queued' AND token_expires_at IS NULL"), 2,
		       "journal: two queued rows");
		is_int(q1(db, "SELECT count(*) FROM campaign_messages WHERE"
			  " length(token_hash) = 64 AND message_id LIKE"
			  " '%.consent@example.org'"), 2,
		       "only the token's hash and the Message-ID stored");
		memset(&n, 0, sizeof n);
		st = pv_campaign_enqueue(c, NULL, "example.org", 0, w, &n, &e);
		is_int(n.queued + n.pending * 10, 20,
		       "a second enqueue queues nothing new");

		for (i = 0; (r = pv_campaign_next(c, &m, &e)) == 1; i++) {
			snprintf(tokens[i], sizeof tokens[i], "%s",
				 m.confirm_token);
			snprintf(dtokens[i], sizeof dtokens[i], "%s",
				 m.decline_token);
			st = pv_campaign_sending(c, &m, &txt_h, 30, &e);
			is_int(st, 0, "marked sending");
			ok(m.expires_at &&
			   strcmp(m.expires_at, "2026-03-03T10:00:00Z") == 0,
			   "token expires 30 days later");
			if (i == 0)
				break; /* "killed" while in flight */
		}
		pv_campaign_close(c);
		is_int(q1(db, "SELECT count(*) FROM campaign_messages WHERE"
			  " status = 'sending'"), 1, "one left in flight");

		/* resume: the in-flight one first, same token */
		st = pv_campaign_open(db, dbpath, "r1", 0, NULL, 0, 1, &c, &e);
		is_int(st, 0, "resume without --kind");
		r = pv_campaign_next(c, &m, &e);
		is_int(r, 1, "a message to resend");
		is_str(m.status, "sending", "the in-flight one comes first");
		is_str(m.confirm_token, tokens[0], "with the same token");
		is_str(m.decline_token, dtokens[0], "and decline token");
		pv_campaign_sending(c, &m, &txt_h1, 30, &e);
		pv_campaign_result(c, &m, "sent", "250 ok", 0, &e);
		r = pv_campaign_next(c, &m, &e);
		is_int(r, 1, "then the queued one");
		snprintf(tokens[1], sizeof tokens[1], "%s", m.confirm_token);
		pv_campaign_sending(c, &m, &txt_h2, 30, &e);
		pv_campaign_result(c, &m, "deferred", "451 later", 600, &e);
		r = pv_campaign_next(c, &m, &e);
		is_int(r, 0, "a deferred one waits for its time");
		pv_campaign_close(c);
		is_int(q1(db, "SELECT attempts FROM campaign_messages WHERE"
			  " customer_id = 1"), 2, "the resent one: 2 attempts");

		/* wrong kind / location */
		st = pv_campaign_open(db, dbpath, "r1", PV_CAMP_DOI, NULL, 0, 1,
				      &c, &e);
		is_int(st, PV_USAGE, "another kind is refused");
		st = pv_campaign_open(db, dbpath, "r1", 0, "nord", 0, 1, &c,
				      &e);
		is_int(st, PV_USAGE, "another location is refused");
		st = pv_campaign_open(db, dbpath, "r1", 0, "nowhere", 0, 1, &c,
				      &e);
		is_int(st, PV_NOINPUT, "an unknown location is 66");
		st = pv_campaign_open(db, dbpath, "r9", 0, NULL, 0, 1, &c, &e);
		is_int(st, PV_NOINPUT, "a new campaign needs a kind");
		pv_writer_finish(w, &e);
		fclose(devnull);
	}

	/* answers */
	st = pv_consent_token_use(db, "nonsense", PV_TOKEN_CONFIRM, NULL, NULL, &a, &e);
	is_int(st, PV_DATAERR, "malformed token: 65");
	st = pv_consent_token_use(db,
				  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
				  PV_TOKEN_CONFIRM, NULL, NULL, &a, &e);
	is_int(st, PV_NOINPUT, "unknown token: 66");
	st = pv_consent_token_use(db, tokens[0], PV_TOKEN_CONFIRM, "300.1.1.1",
				  NULL, &a, &e);
	is_int(st, PV_USAGE, "a bad --ip: 64");
	cnt = q1(db, "SELECT count(*) FROM consents");
	{
		struct pv_token_info ti;

		st = pv_consent_token_lookup(db, dtokens[0], &ti, &e);
		is_int(st, 0, "look up the decline token");
		ok(ti.action == PV_TOKEN_DECLINE && ti.customer_id == 1 &&
		   strcmp(ti.status, "open") == 0 &&
		   strcmp(ti.campaign, "r1") == 0 &&
		   strcmp(ti.kind, "repermission") == 0 &&
		   strcmp(ti.location, "mitte") == 0 &&
		   strcmp(ti.location_name, "Salon Mitte") == 0 &&
		   strcmp(ti.purposes, "marketing-email") == 0 &&
		   strcmp(ti.text_hash, "h1") == 0,
		   "lookup: decline, open, campaign, kind, location, purposes");
		st = pv_consent_token_lookup(db, tokens[0], &ti, &e);
		ok(st == 0 && ti.action == PV_TOKEN_CONFIRM,
		   "look up the confirm token: confirm");
		st = pv_consent_token_use(db, dtokens[0], PV_TOKEN_CONFIRM,
					  NULL, NULL, &a, &e);
		is_int(st, PV_DATAERR, "the decline token cannot confirm");
		ok(strstr(e.msg, "decline token") != NULL, "says so");
		st = pv_consent_token_use(db, tokens[0], PV_TOKEN_DECLINE,
					  NULL, NULL, &a, &e);
		is_int(st, PV_DATAERR, "the confirm token cannot decline");
		is_int(q1(db, "SELECT count(*) FROM consents"), cnt,
		       "lookups and misuse write nothing");
	}
	st = pv_consent_token_use(db, tokens[0], PV_TOKEN_CONFIRM, "192.0.2.7",
				  "Mozilla/5.0", &a, &e);
	is_int(st, 0, "confirm");
	is_int(a.customer_id, 1, "customer 1 confirmed");
	is_int(q1(db, "SELECT count(*) FROM consents WHERE customer_id = 1 AND"
		  " event = 'confirmed' AND evidence_ip = '192.0.2.7' AND"
		  " evidence_user_agent = 'Mozilla/5.0' AND text_version = 'h1'"
		  " AND campaign = 'r1' AND source = 're-permission' AND"
		  " at = '2026-02-01T10:00:00Z'"), 1,
	       "ledger: confirmed with time, IP, UA, campaign, text hash");
	st = pv_consent_token_use(db, tokens[0], PV_TOKEN_CONFIRM, NULL, NULL,
				  &a, &e);
	is_int(st, PV_DATAERR, "a used token: 65");
	ok(strstr(e.msg, "already used") != NULL, "says already used");
	st = pv_consent_token_use(db, dtokens[0], PV_TOKEN_DECLINE, NULL, NULL,
				  &a, &e);
	is_int(st, PV_DATAERR, "the confirmation killed the decline token");
	ok(strstr(e.msg, "already used (confirmed)") != NULL, "says so");
	is_int(q1(db, "SELECT count(*) FROM consents"), cnt + 1,
	       "misuse changed nothing");
	{
		long long blockers = -1;

		pv_marketing_blockers(db, 1, &blockers, NULL, &e);
		is_int(blockers, 3, "customers 4, 5 and 7 still block "
		       "marketing");
	}

	/* expiry */
	setenv("PRIVACY_NOW", "2026-03-03T10:00:01Z", 1);
	pv_clock_init(&e);
	st = pv_consent_expire(db, 1, NULL, NULL, &cnt, &e);
	is_int(cnt, 1, "dry run: one request would expire");
	is_int(q1(db, "SELECT count(*) FROM consents WHERE event = 'expired'"),
	       0, "dry run writes nothing");
	st = pv_consent_expire(db, 0, NULL, NULL, &cnt, &e);
	is_int(st, 0, "expire");
	is_int(cnt, 1, "one expired (the deferred one)");
	st = pv_consent_token_use(db, tokens[1], PV_TOKEN_CONFIRM, NULL, NULL,
				  &a, &e);
	is_int(st, PV_DATAERR, "a token of a deferred, expired request: 65");
	st = pv_consent_expire(db, 0, NULL, NULL, &cnt, &e);
	is_int(cnt, 0, "expire again: nothing left");
	is_int(q1(db, "SELECT count(*) FROM audit WHERE action IN"
		  " ('campaign.create', 'campaign.queue', 'consent.confirm',"
		  " 'consent.expire')"), 4, "each change audited");
	pv_db_close(db);
	free(keypath);
	return done_testing();
}
