/*
 * mail.h - e-mail messages (GMime), templates, and how they are sent.
 *
 * Only consent-send and notify link this part of lib/ (libcurl and GMime
 * cost start-up time).  Shared by both: whichever feature comes first
 * implements a function, the other uses it.
 *
 * Message rules (DESIGN.md "Security rules"): no header value ever carries
 * CR, LF or NUL from data (they are folded to spaces before encoding);
 * non-ASCII header text is RFC 2047 encoded in UTF-8; bodies are UTF-8,
 * quoted-printable, with CRLF line ends; every message has Date,
 * Message-ID, From, To, Subject, MIME-Version, and Auto-Submitted:
 * auto-generated (RFC 3834: every message of the suite is sent by a
 * machine, so that auto-responders do not answer it).
 */
#ifndef PV_MAIL_H
#define PV_MAIL_H

#include <stddef.h>
#include <time.h>

#include "cfg.h"
#include "util.h"

struct pv_mail_attach {
	const char *name; /* file name, e.g. "auskunft.json" */
	const char *type; /* "application/json", "text/html; charset=utf-8" */
	const char *data;
	size_t len;
};

struct pv_mail {
	const char *from;       /* addr-spec, e.g. "datenschutz@salon.example" */
	const char *from_name;  /* display name or NULL */
	const char *to;         /* addr-spec */
	const char *to_name;    /* display name or NULL (may be anything) */
	/* More header fields or NULL: name, value, name, value, ..., NULL;
	 * each value is cleaned of CR, LF and NUL like the others (used for
	 * List-Unsubscribe, RFC 2369, and List-Unsubscribe-Post, RFC 8058). */
	const char *const *headers;
	const char *subject;    /* UTF-8, may be anything */
	const char *body;       /* UTF-8 text, LF or CRLF line ends */
	const char *message_id; /* "<...@...>"; NULL: a new one is made */
	const char *reply_to;   /* or NULL */
	/* Optional attachments (an export as JSON and as HTML). */
	const struct pv_mail_attach *attach;
	size_t nattach;
};

/*
 * Render a complete RFC 5322 message into *out (CRLF line ends), dated
 * `date`.  *msgid (when not NULL) receives the Message-ID used, newly
 * allocated.  PV_DATAERR when an address is not valid.
 */
int pv_mail_render(const struct pv_mail *m, time_t date, struct pv_buf *out,
		   char **msgid, struct pv_err *e);

/* A new Message-ID "<random@domain>" for the domain of the From address. */
char *pv_mail_new_msgid(const char *from);

/*
 * Templates: text with {{name}} placeholders.  lookup returns the value of
 * a placeholder or NULL when it is unknown, which makes rendering fail
 * with PV_CONFIG "template: {{name}}: unknown placeholder".  A template
 * file starts with a "Subject: ..." line, then an empty line, then the
 * body.
 */
typedef const char *(*pv_tmpl_lookup)(void *ctx, const char *name);
int pv_tmpl_render(const char *name, const char *text, pv_tmpl_lookup lookup,
		   void *ctx, struct pv_buf *out, struct pv_err *e);
/* Load "<templates dir>/<name>.<lang>.txt" from the config's `templates`
 * directory when it exists, else the built-in text; split into subject
 * and body (both newly allocated). */
int pv_tmpl_load(const struct pv_cfg *cfg, const char *name, const char *lang,
		 const char *builtin, char **subject, char **body,
		 struct pv_err *e);

/*
 * Transports.  spec: "dir:PATH" writes each message as a file into the
 * Maildir-style directory PATH (tmp/ then new/); NULL uses the config's
 * smtp.url (smtp:// with STARTTLS required, smtps://; `smtp.tls: none`
 * allowed only towards a loopback host; certificates verified; AUTH with
 * smtp.user and the password from smtp.password_file (0600) or
 * PRIVACY_SMTP_PASSWORD).  One connection is reused for many messages.
 */
struct pv_transport;
int pv_transport_open(const struct pv_cfg *cfg, const char *spec,
		      struct pv_transport **out, struct pv_err *e);
/*
 * Send one rendered message.  Returns PV_OK (reply holds the server's
 * final answer, e.g. "250 2.0.0 Ok: queued as X"), PV_TEMPFAIL (4xx,
 * timeout, connection lost: retry later), PV_UNAVAILABLE (5xx: refused for
 * good) or PV_CONFIG / PV_NOPERM (TLS or AUTH set-up: nothing was sent).
 */
int pv_transport_send(struct pv_transport *t, const char *from,
		      const char *to, const char *msg, size_t len,
		      char *reply, size_t replylen, struct pv_err *e);
/*
 * pv_transport_send in two halves, so that the caller can work while the
 * server takes the message: start sends it (over SMTP: up to the final
 * dot) and returns as send does when the outcome is known already (a
 * refusal, a lost connection, the dir: transport); when it returns PV_OK,
 * finish (before the transport's next message) waits for the server's
 * answer and returns as send does.  finish without a message in flight
 * returns PV_OK and leaves reply as start wrote it.
 */
int pv_transport_start(struct pv_transport *t, const char *from,
		       const char *to, const char *msg, size_t len,
		       char *reply, size_t replylen, struct pv_err *e);
int pv_transport_finish(struct pv_transport *t, char *reply,
			size_t replylen, struct pv_err *e);
void pv_transport_close(struct pv_transport *t);

/* A curl handle that may connect only to loopback addresses (plain-text
 * SMTP and HTTP: the address the name resolves to when connecting, not
 * only when the configuration was read), and back to any address. */
void pv_curl_loopback_only(void *curl);
void pv_curl_any_address(void *curl);

#endif
