/*
 * web.h - privacy-web, the customer's side of the suite, as a CGI program
 * (RFC 3875): one process per HTTP request, behind lighttpd (mod_cgi),
 * nginx (fcgiwrap) or Apache (mod_cgi).
 *
 * web.c       the CGI core: the request from the environment and stdin
 *             (application/x-www-form-urlencoded only, sizes limited),
 *             HTML escaping, the page template in the location's language,
 *             the response with its security headers, the CSRF token, the
 *             rate limits per client address
 * web-app.c   routing and what the pages share; web-consent.c the
 *             consent answers, web-request.c the self-service request
 *             form and its code page, web-export.c the export download
 *
 * Rules every page keeps (DESIGN.md, "The customer's side"):
 *   - GET and HEAD never change the database (mail scanners fetch every
 *     link); changes come by POST only, and a POST that acts on a link's
 *     token carries the CSRF token of the page that showed it;
 *   - no JavaScript and no external resources: the Content-Security-Policy
 *     allows only the page's own inline stylesheet (by its hash) and forms
 *     posting to the same origin;
 *   - tokens travel in URLs, so Referrer-Policy: no-referrer, and no page
 *     is cached (Cache-Control: no-store);
 *   - nothing on stderr (the server's error log) names a person, a token,
 *     a code, an address or a user agent.
 */
#ifndef PV_WEB_H
#define PV_WEB_H

#include <sqlite3.h>
#include <stdio.h>

#include "cfg.h"
#include "secret.h"
#include "util.h"

enum {
	PV_WEB_MAX_BODY = 8192,  /* bytes of a form body: 413 above */
	PV_WEB_MAX_QUERY = 2048, /* bytes of QUERY_STRING: 414 above */
	PV_WEB_MAX_PATH = 512,   /* bytes of PATH_INFO: 414 above */
	PV_WEB_MAX_FIELDS = 32,  /* parameters in a query or a body: 400 */
};

struct pv_web_field {
	char *name, *value; /* percent-decoded, NUL-terminated */
};

/* One HTTP request, as the web server hands it over. */
struct pv_web_req {
	char method[8];         /* GET, HEAD or POST */
	int head;               /* HEAD: the response has no body */
	const char *path;       /* PATH_INFO, "/" when empty */
	const char *script;     /* SCRIPT_NAME, for the links of the pages */
	const char *remote_addr, *user_agent; /* NULL when unset */
	struct pv_web_field q[PV_WEB_MAX_FIELDS], f[PV_WEB_MAX_FIELDS];
	int nq, nf;             /* query and form (POST body) parameters */
	char *body;             /* the raw body (owned) */
};

/*
 * Read the request from the environment (REQUEST_METHOD, PATH_INFO,
 * SCRIPT_NAME, QUERY_STRING, CONTENT_TYPE, CONTENT_LENGTH, REMOTE_ADDR,
 * HTTP_USER_AGENT) and, for a POST, CONTENT_LENGTH bytes of body from in.
 * Returns 0, or the HTTP status to answer with: 405 for a method other
 * than GET, HEAD and POST; 411 for a POST without a length; 413 for a body
 * over PV_WEB_MAX_BODY; 414 for a query or path too long; 415 for a body
 * that is not application/x-www-form-urlencoded; 400 for a malformed
 * query or body (bad percent-encoding, not UTF-8, control characters, a
 * parameter given twice, too many).  *why gets a short reason (no data
 * from the request).  The request is usable (method, path) even when a
 * status is returned; pv_web_req_free it either way.
 */
int pv_web_parse(struct pv_web_req *r, FILE *in, const char **why);
void pv_web_req_free(struct pv_web_req *r);

/* A query or form parameter by name, or NULL. */
const char *pv_web_query(const struct pv_web_req *r, const char *name);
const char *pv_web_form(const struct pv_web_req *r, const char *name);

/* Percent-decode an application/x-www-form-urlencoded string (+ is a
 * space) in place; -1 on a bad escape. */
int pv_web_urldecode(char *s);

/* Append s with & < > " ' escaped for HTML text and attribute values. */
void pv_web_esc(struct pv_buf *b, const char *s);
/* Append printf-style text, each %s argument HTML-escaped (only %s, %d,
 * %lld and %% are known). */
void pv_web_escf(struct pv_buf *b, const char *fmt, ...);

/* The page languages. */
enum pv_web_lang { PV_WEB_DE = 0, PV_WEB_EN = 1 };
enum pv_web_lang pv_web_lang_of(const char *code); /* "en" -> EN, else DE */

/*
 * The page around body: a complete HTML document in lang with title,
 * the site's name (the location, may be NULL) as its heading, and the
 * inline stylesheet whose hash the Content-Security-Policy names.
 */
void pv_web_page(struct pv_buf *out, enum pv_web_lang lang,
		 const char *site, const char *title, const char *body);

/*
 * The CGI response: a Status line, Content-Type, Content-Length, the
 * security headers (Content-Security-Policy, Referrer-Policy: no-referrer,
 * Cache-Control: no-store, X-Content-Type-Options: nosniff, X-Frame-Options:
 * DENY), extra (more header lines, each ending in "\r\n", or NULL), and
 * the body unless head.  type NULL means text/html; charset=utf-8.
 */
void pv_web_respond(struct pv_buf *out, int status, const char *type,
		    const char *extra, const char *body, size_t len, int head);

/* The same with another style-src directive (style: "style-src
 * 'unsafe-inline'" for the export report, which has its own stylesheet;
 * never a script source). */
void pv_web_respond_csp(struct pv_buf *out, int status, const char *type,
			const char *style, const char *body, size_t len,
			int head, const char *extra);

/* The reason phrase of an HTTP status ("Not Found"). */
const char *pv_web_reason(int status);

/* The web key "<db>.web-key" (secret.h rules; created on first use): the
 * CSRF tokens and the keyed hashes of client addresses. */
int pv_web_key(const char *db_path, unsigned char key[PV_KEY_LEN],
	       struct pv_err *e);

/* The CSRF token of a page acting on a link token: hex HMAC-SHA256 under
 * the web key of the token; and its check in constant time (1: good). */
void pv_web_csrf(const unsigned char key[PV_KEY_LEN], const char *token,
		 char out[65]);
int pv_web_csrf_ok(const unsigned char key[PV_KEY_LEN], const char *token,
		   const char *given);

/*
 * Count one hit of the client address addr in bucket ("request", "code",
 * "answer") and commit, in its own transaction: at most max hits per
 * hour.  *over is set (and nothing counted) when the address is over the
 * limit.  The table web_limits holds only a keyed hash (HMAC under the web
 * key) of bucket and address, never the address; rows of past hours are
 * removed on the way.
 */
int pv_web_limit(sqlite3 *db, const unsigned char key[PV_KEY_LEN],
		 const char *bucket, const char *addr, long long max,
		 int *over, struct pv_err *e);

/*
 * The export download (web-export.c; export.delivery: link).
 *
 * pv_web_export_code: the code page verified request_id with code: keep
 * the code's keyed hash (web key), so that the download can ask for it
 * again.  In the caller's transaction or alone.
 *
 * pv_web_export_store: for request process, in its transaction: with
 * export.delivery: link and a request verified on the web, store the
 * document doc (len bytes of JSON) under a fresh random link token for
 * export.link_days (default 7, 1 to 90), queue the customer's mail
 * (event export.link with "type", "link" from export.link_url with
 * {token}, and "expires") as *eid, audit the export, and set *stored.
 * Otherwise *stored is 0 and the caller attaches the document as before.
 * PV_CONFIG for a missing or bad export.link_url or link_days.
 *
 * pv_web_export_purge: delete stored documents whose link expired (and
 * kept codes of requests never fulfilled, after 90 days).
 */
int pv_web_export_code(sqlite3 *db, const unsigned char key[PV_KEY_LEN],
		       long long request_id, const char *code,
		       struct pv_err *e);
int pv_web_export_store(sqlite3 *db, const struct pv_cfg *cfg,
			long long request_id, const char *rtype,
			const char *doc, size_t len, long long *eid,
			int *stored, struct pv_err *e);
int pv_web_export_purge(sqlite3 *db, struct pv_err *e);
#define PV_EXPORT_LINK_EVENT "export.link"

/*
 * Answer one request: read it (pv_web_parse on in), route it to its page,
 * and append the whole CGI response to out.  The database at db_path is
 * opened read-only for GET and HEAD, read-write for POST.  Errors the
 * customer causes become pages with their HTTP status; a status returned
 * (with e set, no personal data) means an internal failure, after which
 * out holds a 500 or 503 page all the same.
 */
int pv_web_run(const struct pv_cfg *cfg, const char *db_path, FILE *in,
	       struct pv_buf *out, struct pv_err *e);

#endif
