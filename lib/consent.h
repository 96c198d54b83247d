/*
 * consent.h - the consent ledger and what it proves (Art. 7(1) GDPR,
 * § 7 UWG).
 *
 * A customer's consent for a purpose is read from the latest ledger event
 * (by time, then id):
 *   valid               the latest event proves consent by itself (below)
 *   needs-repermission  latest is a 'granted' before 2018-05-25 that does
 *                       not (no confirmation since)
 *   unproven            latest is a 'granted' on or after 2018-05-25 that
 *                       does not (waiting for double opt-in)
 *   none                no events, or latest is declined, withdrawn or
 *                       expired
 * An "active opt-in" is valid, needs-repermission or unproven.
 *
 * The proof rules (privacy(7), "Consent proof"): an event proves consent
 *   - 'confirmed': the answer to a double opt-in or re-permission mail,
 *     with the archived text it answered;
 *   - a 'granted' from a signed paper form (source 'paper' with the
 *     form's reference in document): written consent, Art. 7(1) GDPR;
 *   - a 'granted' with GDPR-grade web evidence (a text version and an IP
 *     address or user agent), except for marketing-email: for e-mail
 *     advertising German courts accept only the double opt-in
 *     confirmation as proof of a web opt-in (BGH, 10.2.2011, I ZR 164/09;
 *     § 7 Abs. 2 Nr. 3 UWG), so such a grant stays unproven until
 *     confirmed.
 * Whatever the date: an opt-in from before 25 May 2018 that carries such
 * proof stays valid (Recital 171 GDPR) and is not asked again.
 */
#ifndef PV_CONSENT_H
#define PV_CONSENT_H

#include <sqlite3.h>

#include "rec.h"
#include "token.h"
#include "util.h"

/* The cut-off of pre-GDPR opt-ins: 25 May 2018, 00:00 in German legal
 * time (CEST), the UTC instant that consents' `at` is compared with. */
#define PV_GDPR_DATE "2018-05-24T22:00:00Z"

/* SQL over a consents row (alias k) that is true when the row proves
 * consent by itself (the rules above: written once, here). */
#define PV_CONSENT_PROVEN_SQL                                              \
	"(k.event = 'confirmed' OR (k.event = 'granted' AND "              \
	"((k.source = 'paper' AND k.document IS NOT NULL) OR "             \
	"(k.purpose <> 'marketing-email' AND "                             \
	"(k.text_version IS NOT NULL OR k.text_id IS NOT NULL) AND "       \
	"(k.evidence_ip IS NOT NULL OR k.evidence_user_agent IS NOT NULL)))))"

/* The rest of the rule at the top of this file, once: which event of a
 * customer and purpose is the latest (the first in this order), and the
 * state that latest event k gives. */
#define PV_CONSENT_LATEST_ORDER "k.at DESC, k.id DESC"
#define PV_CONSENT_STATE_CASE                                              \
	"(CASE WHEN " PV_CONSENT_PROVEN_SQL " THEN 'valid' "               \
	"WHEN k.event <> 'granted' THEN 'none' "                           \
	"WHEN k.at < '" PV_GDPR_DATE "' THEN 'needs-repermission' "        \
	"ELSE 'unproven' END)"

/* A common table expression "latest": every ledger row k of customers c
 * (consents JOIN customers) that satisfy WHERE, with rn = 1 on the latest
 * event of each customer and purpose:
 *   "WITH " PV_CONSENT_LATEST_CTE("c.location_id = ?1")
 *   " SELECT ... FROM latest k WHERE k.rn = 1" */
#define PV_CONSENT_LATEST_CTE(WHERE)                                       \
	"latest AS (SELECT k.*, row_number() OVER ("                       \
	"PARTITION BY k.customer_id, k.purpose ORDER BY "                  \
	PV_CONSENT_LATEST_ORDER ") AS rn FROM consents k "                 \
	"JOIN customers c ON c.id = k.customer_id WHERE " WHERE ")"

/*
 * Customers of a location with an active opt-in (any purpose) that is not
 * valid: these block marketing=on.  *count receives their number; when ids
 * is not NULL, their ids are appended comma-separated.
 */
int pv_marketing_blockers(sqlite3 *db, long long location_id,
			  long long *count, struct pv_buf *ids,
			  struct pv_err *e);

/* The state of one purpose for one customer (see the top of this file). */
enum pv_consent_state {
	PV_CONSENT_NONE = 0,
	PV_CONSENT_VALID,
	PV_CONSENT_NEEDS_REPERMISSION,
	PV_CONSENT_UNPROVEN,
};
const char *pv_consent_state_name(enum pv_consent_state s);
/* The state of a name of PV_CONSENT_STATE_CASE (none when unknown). */
enum pv_consent_state pv_consent_state_parse(const char *name);

/* SQL expression: the state name of purpose P ('marketing-email') for the
 * customer aliased c, from the latest ledger event (uses the index
 * consents_customer). */
#define PV_CONSENT_STATE_SQL(P)                                            \
	"coalesce((SELECT " PV_CONSENT_STATE_CASE " FROM consents k "      \
	"WHERE k.customer_id = c.id AND k.purpose = " P                    \
	" ORDER BY " PV_CONSENT_LATEST_ORDER " LIMIT 1), 'none')"

/* Purposes, events and sources the ledger knows (NULL-terminated). */
extern const char *const pv_consent_purposes[];
extern const char *const pv_consent_events[];
extern const char *const pv_consent_sources[];
int pv_consent_word(const char *const *list, const char *s); /* 1: in list */

/*
 * The current state of a purpose for a customer, and the latest event
 * (NULL when there is none; latest_at gets its time, "" when none).
 * Reused by consent-send.
 */
int pv_consent_state(sqlite3 *db, long long customer_id, const char *purpose,
		     enum pv_consent_state *state, char latest_event[16],
		     char latest_at[32], struct pv_err *e);

/* One ledger event. at is RFC 3339 UTC; the strings may be NULL.
 * text_id: the archived text it rests on (0: none); document: the
 * reference of a signed paper form (source "paper"). */
struct pv_consent_event {
	const char *purpose, *event, *at, *source;
	const char *ip, *user_agent, *text_version, *campaign;
	long long text_id;
	const char *document;
};

/*
 * Append an event in the caller's transaction (audited, no personal
 * data: the customer id, purpose, event and source).  Values are checked:
 * PV_USAGE for an unknown purpose, event or source; PV_DATAERR for a bad
 * IP address or control characters in the user agent.
 */
int pv_consent_append(sqlite3 *db, long long customer_id,
		      const struct pv_consent_event *ev, struct pv_err *e);

/*
 * The one writer of ledger events: a cached INSERT.  pv_consent_append
 * uses it for one event (with the checks and the audit entry above); an
 * import keeps one open for all its rows (their values checked by the
 * import's field rules, audited in the import's summary).
 * pv_consent_writer_add inserts ev as it is (recorded_at = now, at = now
 * when ev->at is NULL); *ledger_id (may be NULL) gets the new row's id.
 * Used error codes: PV_SOFTWARE, PV_TEMPFAIL from the database.
 */
struct pv_consent_writer;
int pv_consent_writer_open(sqlite3 *db, struct pv_consent_writer **out,
			   struct pv_err *e);
int pv_consent_writer_add(struct pv_consent_writer *w, long long customer_id,
			  const struct pv_consent_event *ev, const char *now,
			  long long *ledger_id, struct pv_err *e);
void pv_consent_writer_close(struct pv_consent_writer *w);

/* "a.b.c.d" or an IPv6 address: 1 when valid. */
int pv_ip_valid(const char *s);

/* Records: the full history of one customer, oldest first. */
int pv_consent_write_history(sqlite3 *db, long long customer_id,
			     struct pv_writer *w, struct pv_err *e);

/*
 * Records: the current state per customer and purpose of customers with
 * ledger events (location_id 0: all; only_reperm: only those needing
 * re-permission).  *count gets the number written.
 */
int pv_consent_write_states(sqlite3 *db, long long location_id,
			    int only_reperm, struct pv_writer *w,
			    long long *count, struct pv_err *e);

/*
 * Records: the customers who may receive marketing now: their location has
 * marketing=on and at least one purpose is valid.  location_id 0: all.
 */
int pv_marketing_audience(sqlite3 *db, long long location_id,
			  struct pv_writer *w, long long *count,
			  struct pv_err *e);

/* ---- the archive of consent texts (consent-text.c) ---------------------
 *
 * What a person agreed to must be shown later exactly (Art. 7(1) GDPR):
 * each text is archived once, versioned per name and language (1, 2, ...)
 * and hashed (SHA-256 of "subject\n\n" when there is a subject, then the
 * body), and every consent event that rests on it points to it (consents
 * text_id, and text_version = its SHA-256).  Campaign mails are archived as
 * their templates before personalisation (name "consent-repermission" or
 * "consent-double-opt-in", the {{placeholders}} left in); the forms'
 * consent wording by `privacyctl consent text add`.  Archived texts never
 * change (a trigger refuses it) and hold no personal data.
 */
struct pv_consent_text_ref {
	long long id;      /* consent_texts.id */
	int version;
	char sha256[65];
	int created;       /* archive: 1 when this call added it */
};

/*
 * Archive a text in the caller's transaction, or find the identical one
 * archived before (same name, language and hash: nothing is written).  A
 * new one gets the next version of its name and language and is audited.
 * Used error codes: PV_USAGE a name or language that is not a-z 0-9 - _ .;
 * PV_DATAERR an empty body or text that is not UTF-8.
 */
int pv_consent_text_archive(sqlite3 *db, const char *name, const char *lang,
			    const char *subject, const char *body,
			    struct pv_consent_text_ref *ref, struct pv_err *e);

/* An archived text (the strings are allocated: pv_consent_text_free). */
struct pv_consent_text {
	struct pv_consent_text_ref ref;
	char name[64], language[8], created_at[32];
	char *subject; /* NULL for a form text */
	char *body;
};

/*
 * Fetch an archived text by spec: its id, "NAME:LANG:VERSION", or its
 * SHA-256.  Used error codes: PV_USAGE a spec of none of these forms;
 * PV_NOINPUT no such text.  pv_consent_text_by_id: the same by id (for
 * pv_token_info.text_id).
 */
int pv_consent_text_get(sqlite3 *db, const char *spec,
			struct pv_consent_text *t, struct pv_err *e);
int pv_consent_text_by_id(sqlite3 *db, long long id,
			  struct pv_consent_text *t, struct pv_err *e);
void pv_consent_text_free(struct pv_consent_text *t);

/* Records: {text_id, name, language, version, sha256, created_at} and,
 * with with_text, {subject, body}; the list is all of them. */
void pv_consent_text_write(struct pv_writer *w,
			   const struct pv_consent_text *t, int with_text);
int pv_consent_text_list(sqlite3 *db, struct pv_writer *w, long long *count,
			 struct pv_err *e);

/* ---- answers to campaign messages (consent-answer.c) -------------------
 *
 * Each campaign message (campaign.h) carries two tokens (token.h): the
 * confirm token of its confirm link and the decline token of its decline
 * and List-Unsubscribe links.  They are separate capabilities: the one
 * cannot act as the other, and the first answer through either kills
 * both.  The contract for a caller that shows a page before the person
 * answers (privacy-web):
 *
 *   GET/HEAD   pv_consent_token_lookup: reads only, never writes; shows
 *              what the token is for (location, campaign, kind, purposes,
 *              action) and whether it is still open.
 *   POST       pv_consent_token_use with the action of the button pressed
 *              and the evidence (REMOTE_ADDR, the User-Agent): writes the
 *              answer to the ledger, in one transaction.
 *
 * Neither function prints, logs or echoes the token; messages name the
 * journal row ("message N"), never the customer.
 */

/* What a token is for, as lookup finds it. */
struct pv_token_info {
	long long message_row;  /* campaign_messages.id */
	long long customer_id;
	int action;             /* PV_TOKEN_CONFIRM or PV_TOKEN_DECLINE */
	char status[8];         /* "open", "used" (answered), "expired" */
	char campaign[128];     /* the campaign's name */
	char kind[16];          /* "repermission" or "double-opt-in" */
	char purposes[64];      /* asked for: "marketing-email,..." */
	char location[64];      /* the customer's location: slug, */
	char location_name[256]; /* name */
	char language[8];       /* and language ("de", "en") */
	char expires_at[32];    /* RFC 3339 UTC */
	char answer[16];        /* "" or confirmed, declined, expired */
	char answered_at[32];
	char text_hash[65];     /* SHA-256 of the archived text, or "" */
	long long text_id;      /* the archived text (pv_consent_text_by_id:
				 * the mail's template as sent, before
				 * personalisation), 0 when none */
};

/*
 * Look a token up without using it.  Reads only (no transaction, no
 * audit), so it is safe for a GET or HEAD and for a mail scanner's
 * prefetch.  PV_OK with *ti filled whenever the token is one a campaign
 * sent, whatever its status (an answered or expired token is PV_OK with
 * status "used" or "expired": the caller shows it as gone, 410).
 * Used error codes: PV_DATAERR a malformed token; PV_NOINPUT a token no
 * campaign sent (forged, or never handed to a transport) or whose
 * customer was erased (*ti is then all zero); PV_SOFTWARE, PV_TEMPFAIL
 * (busy) from the database.
 */
int pv_consent_token_lookup(sqlite3 *db, const char *token,
			    struct pv_token_info *ti, struct pv_err *e);

/* The outcome of an answer. */
struct pv_answer {
	long long customer_id;
	long long message_row;
	char campaign[128];
	char kind[16];
	char purposes[64];
	char event[16]; /* confirmed, withdrawn, expired */
	char at[32];
};

/*
 * Use a token: action PV_TOKEN_CONFIRM writes a 'confirmed' ledger event
 * for each purpose asked, PV_TOKEN_DECLINE a 'withdrawn' one, each with
 * the time, the evidence ip and ua (either may be NULL), the campaign and
 * the text version; marks the message answered, which kills both of its
 * tokens.  One transaction (BEGIN IMMEDIATE: two uses at once cannot both
 * win), audited without personal data.  Errors change nothing.
 * Used error codes: PV_DATAERR a malformed token, a token of the other
 * action ("is a decline token: it cannot confirm"), one already used
 * ("already used (confirmed)") or expired ("expired at T"); PV_NOINPUT as
 * for lookup; PV_USAGE an ip that is not an IPv4/IPv6 address or a ua
 * that is not 1 to 512 bytes of printable UTF-8 (the message names
 * --ip / --user-agent); PV_TEMPFAIL database busy.
 */
int pv_consent_token_use(sqlite3 *db, const char *token, int action,
			 const char *ip, const char *ua, struct pv_answer *a,
			 struct pv_err *e);

/*
 * Expire the requests whose tokens ran out unanswered (whatever became of
 * the mail: sent, deferred or refused; expiring a consent only ever stops
 * marketing, so it is the safe side): each gets an
 * 'expired' ledger event per purpose asked (unless the purpose was
 * answered otherwise since), so those opt-ins stop counting as active.
 * fn is called per expired request (before commit; dry_run: nothing is
 * written).  One transaction, audited.
 */
int pv_consent_expire(sqlite3 *db, int dry_run,
		      int (*fn)(void *arg, const struct pv_answer *a),
		      void *arg, long long *count, struct pv_err *e);

#endif
