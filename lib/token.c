#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "secret.h"
#include "token.h"

/* Keep the two capabilities apart from each other and from any other use
 * of an HMAC key (v1 was one token for both links). */
static const char confirm_ctx[] = "privacyctl consent confirm v2";
static const char decline_ctx[] = "privacyctl consent decline v2";

const char *pv_token_action_name(int action)
{
	return action == PV_TOKEN_DECLINE ? "decline" : "confirm";
}

static void key_context(const struct pv_token_key *key,
			crypto_auth_hmacsha256_state *s, const char *ctx)
{
	crypto_auth_hmacsha256_init(s, key->k, sizeof key->k);
	crypto_auth_hmacsha256_update(s, (const unsigned char *)ctx,
				      strlen(ctx) + 1);
}

int pv_token_key_open(const char *db_path, int create,
		      struct pv_token_key *key, struct pv_err *e)
{
	char *path = pv_db_sidecar(db_path, ".campaign-key");
	int st = pv_key_file(path, "campaign key", create, key->k, NULL, e);

	if (!st) {
		key_context(key, &key->confirm, confirm_ctx);
		key_context(key, &key->decline, decline_ctx);
	}
	if (st == PV_NOINPUT && !create)
		pv_fail(e, PV_NOINPUT, "no campaign key '%s': no campaign was "
			"sent from this database", path);
	free(path);
	return st;
}

void pv_token_key_wipe(struct pv_token_key *key)
{
	pv_wipe(key, sizeof *key);
}

void pv_message_id_new(const char *domain, char *out, size_t n)
{
	unsigned char r[16];
	char hex[sizeof r * 2 + 1];

	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	snprintf(out, n, "%s.consent@%s", hex, domain);
}

void pv_token_derive(const struct pv_token_key *key, int action,
		     const char *message_id, char out[PV_TOKEN_LEN + 1])
{
	crypto_auth_hmacsha256_state s = action == PV_TOKEN_DECLINE ?
					 key->decline : key->confirm;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_update(&s, (const unsigned char *)message_id,
				      strlen(message_id));
	crypto_auth_hmacsha256_final(&s, mac);
	sodium_bin2base64(out, PV_TOKEN_LEN + 1, mac, sizeof mac,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	/* A leading '-' would read as an option on a command line: '~'
	 * (also URL-safe, never produced by base64url) stands in for it. */
	if (out[0] == '-')
		out[0] = '~';
	pv_wipe(mac, sizeof mac);
	pv_wipe(&s, sizeof s);
}

int pv_token_wellformed(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (i >= PV_TOKEN_LEN)
			return 0;
		if (i == 0 && c == '-')
			return 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' ||
		      (c == '-' && i > 0) || (c == '~' && i == 0)))
			return 0;
	}
	/* 256 bits in 43 characters: the last one carries 4 bits and two
	 * zero bits, so its value is a multiple of 4. */
	return i == PV_TOKEN_LEN &&
	       strchr("AEIMQUYcgkosw048", s[PV_TOKEN_LEN - 1]) != NULL;
}

void pv_token_hash(const char *token, char out[65])
{
	pv_sha256_hex(token, strlen(token), out);
}

int pv_token_hash_equal(const char *a, const char *b)
{
	if (strlen(a) != 64 || strlen(b) != 64)
		return 0;
	return sodium_memcmp(a, b, 64) == 0;
}
