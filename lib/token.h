/*
 * token.h - single-use answer tokens of consent campaigns.
 *
 * Each campaign message carries two tokens, two separate capabilities:
 * the confirm token (its confirm link) and the decline token (its decline
 * and List-Unsubscribe links).  One cannot act as the other, so a mail
 * scanner that fetches the decline link cannot confirm, and nobody who
 * holds only the confirm link can withdraw.
 *
 * A token is 43 characters of base64url (no padding, and a leading '-'
 * written as '~' so that a token never looks like an option): the 256-bit
 * HMAC-SHA256, under a random 32-byte key kept beside the database
 * ("<db>.campaign-key", 0600, created with O_EXCL on first use, never in
 * the database), of a context naming the action ("privacyctl consent
 * confirm v2" or "... decline v2", with its NUL) and the message's
 * Message-ID, whose local part carries 128 random bits from libsodium.
 * The database stores only each token's SHA-256, so a copy of the database
 * alone answers no campaign; with the key, a message left 'sending' by a
 * killed run is sent again with the same Message-ID and the same tokens,
 * without a token ever being stored.  Single use (the first answer kills
 * both tokens) and expiry are kept by the journal; the answers are in
 * consent.h (pv_consent_token_lookup, pv_consent_token_use).
 */
#ifndef PV_TOKEN_H
#define PV_TOKEN_H

#include <stddef.h>

#include <sodium.h>

#include "secret.h"
#include "util.h"

enum { PV_TOKEN_LEN = 43, PV_TOKEN_KEYLEN = PV_KEY_LEN };

struct pv_token_key {
	unsigned char k[PV_TOKEN_KEYLEN];
	/* HMAC-SHA256 under k, already fed each action's context: a token
	 * costs one update and the final (bench/RESULTS.md) */
	crypto_auth_hmacsha256_state confirm, decline;
};

/* Load the key beside db_path; create it when missing and create is set.
 * PV_NOPERM for a key file readable by group or others, PV_CONFIG for a
 * key of the wrong size, PV_NOINPUT when missing and !create (pv_key_file
 * in secret.h does the work). */
int pv_token_key_open(const char *db_path, int create,
		      struct pv_token_key *key, struct pv_err *e);
void pv_token_key_wipe(struct pv_token_key *key);

/* A new Message-ID "<32 hex random>.consent@domain" (without angle
 * brackets), 128 random bits; out must hold 64 + strlen(domain) bytes. */
void pv_message_id_new(const char *domain, char *out, size_t n);

/* What a token may do. */
enum pv_token_action { PV_TOKEN_CONFIRM = 1, PV_TOKEN_DECLINE = 2 };
const char *pv_token_action_name(int action); /* "confirm", "decline" */

/* The token of a message for one action: deterministic in (key, action,
 * message_id); the two actions' tokens are unrelated. */
void pv_token_derive(const struct pv_token_key *key, int action,
		     const char *message_id, char out[PV_TOKEN_LEN + 1]);

/* 1 when s has the form of a token, else 0. */
int pv_token_wellformed(const char *s);

/* Hex SHA-256 of the token text: what the journal stores. */
void pv_token_hash(const char *token, char out[65]);

/* Constant-time equality of two hex hashes of 64 characters. */
int pv_token_hash_equal(const char *a, const char *b);

#endif
