/* web.c - the CGI core of privacy-web (web.h). */
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "web.h"

/* ---- the request ------------------------------------------------------ */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pv_web_urldecode(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '+') {
			*w++ = ' ';
		} else if (*s == '%') {
			int h = hexval((unsigned char)s[1]), l;

			if (h < 0 || (l = hexval((unsigned char)s[2])) < 0 ||
			    (h == 0 && l == 0))
				return -1; /* a bad escape, or a NUL */
			*w++ = (char)(h * 16 + l);
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return 0;
}

/* Split "a=1&b=2" (modified in place) into fields.  A value may hold
 * spaces and line breaks (a textarea); nothing else below 0x20. */
static int split_fields(char *s, struct pv_web_field *f, int *n,
			const char **why)
{
	*n = 0;
	while (s && *s) {
		char *amp = strchr(s, '&'), *eq;
		size_t vlen;

		if (amp)
			*amp = '\0';
		if (*s) {
			if (*n >= PV_WEB_MAX_FIELDS)
				return *why = "too many parameters", 400;
			eq = strchr(s, '=');
			if (eq)
				*eq = '\0';
			if (pv_web_urldecode(s) ||
			    (eq && pv_web_urldecode(eq + 1)))
				return *why = "bad percent-encoding", 400;
			f[*n].name = s;
			f[*n].value = eq ? eq + 1 : s + strlen(s);
			vlen = strlen(f[*n].value);
			if (!pv_utf8_valid(s, strlen(s)) || pv_has_ctl(s) ||
			    !pv_utf8_valid(f[*n].value, vlen))
				return *why = "not UTF-8", 400;
			for (const char *p = f[*n].value; *p; p++)
				if (((unsigned char)*p < 0x20 && *p != '\n' &&
				     *p != '\r' && *p != '\t') || *p == 0x7f)
					return *why = "control character", 400;
			for (int i = 0; i < *n; i++)
				if (strcmp(f[i].name, s) == 0)
					return *why = "parameter given twice",
					       400;
			(*n)++;
		}
		s = amp ? amp + 1 : NULL;
	}
	return 0;
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

int pv_web_parse(struct pv_web_req *r, FILE *in, const char **why)
{
	const char *m = env_or("REQUEST_METHOD", "GET");
	const char *qs = env_or("QUERY_STRING", "");
	const char *ct, *cl;
	char *q;
	long long len;
	size_t got;
	int st;

	memset(r, 0, sizeof *r);
	*why = "";
	r->path = env_or("PATH_INFO", "/");
	r->script = env_or("SCRIPT_NAME", "");
	r->remote_addr = env_or("REMOTE_ADDR", NULL);
	r->user_agent = env_or("HTTP_USER_AGENT", NULL);
	snprintf(r->method, sizeof r->method, "%s",
		 strlen(m) < sizeof r->method ? m : "?");
	r->head = strcmp(r->method, "HEAD") == 0;
	if (strcmp(r->method, "GET") && !r->head && strcmp(r->method, "POST"))
		return *why = "method not allowed", 405;
	if (strlen(r->path) > PV_WEB_MAX_PATH)
		return r->path = "/", *why = "path too long", 414;
	if (pv_has_ctl(r->path) || !pv_utf8_valid(r->path, strlen(r->path)))
		return r->path = "/", *why = "bad path", 400;
	if (strlen(qs) > PV_WEB_MAX_QUERY)
		return *why = "query too long", 414;
	if (strlen(r->script) > PV_WEB_MAX_PATH || pv_has_ctl(r->script) ||
	    strpbrk(r->script, "\"'<>&"))
		r->script = "";

	/* query and body share one buffer: query, NUL, body, NUL */
	q = xmalloc(strlen(qs) + 1 + PV_WEB_MAX_BODY + 1);
	r->body = q;
	memcpy(q, qs, strlen(qs) + 1);
	if ((st = split_fields(q, r->q, &r->nq, why)))
		return st;
	if (strcmp(r->method, "POST") != 0)
		return 0;

	cl = env_or("CONTENT_LENGTH", NULL);
	if (!cl)
		return *why = "length required", 411;
	if (pv_parse_ll(cl, &len) || len < 0)
		return *why = "bad content length", 400;
	if (len > PV_WEB_MAX_BODY)
		return *why = "body too large", 413;
	ct = env_or("CONTENT_TYPE", "");
	/* "application/x-www-form-urlencoded", optionally with a charset */
	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
	    (ct[33] && ct[33] != ';' && ct[33] != ' '))
		return *why = "not a form", 415;
	q = r->body + strlen(qs) + 1;
	got = len ? fread(q, 1, (size_t)len, in) : 0;
	if (got != (size_t)len)
		return *why = "body shorter than its length", 400;
	q[got] = '\0';
	if (memchr(q, '\0', got))
		return *why = "NUL in body", 400;
	return split_fields(q, r->f, &r->nf, why);
}

void pv_web_req_free(struct pv_web_req *r)
{
	free(r->body);
	r->body = NULL;
}

static const char *field(const struct pv_web_field *f, int n,
			 const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return f[i].value;
	return NULL;
}

const char *pv_web_query(const struct pv_web_req *r, const char *name)
{
	return field(r->q, r->nq, name);
}

const char *pv_web_form(const struct pv_web_req *r, const char *name)
{
	return field(r->f, r->nf, name);
}

/* ---- HTML ------------------------------------------------------------- */

void pv_web_esc(struct pv_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': pv_buf_adds(b, "&amp;"); break;
		case '<': pv_buf_adds(b, "&lt;"); break;
		case '>': pv_buf_adds(b, "&gt;"); break;
		case '"': pv_buf_adds(b, "&quot;"); break;
		case '\'': pv_buf_adds(b, "&#39;"); break;
		default: pv_buf_addc(b, *s);
		}
	}
}

void pv_web_escf(struct pv_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			pv_buf_addc(b, *p);
		} else if (p[1] == 's') {
			pv_web_esc(b, va_arg(ap, const char *));
			p++;
		} else if (p[1] == 'd') {
			pv_buf_addf(b, "%d", va_arg(ap, int));
			p++;
		} else if (strncmp(p + 1, "lld", 3) == 0) {
			pv_buf_addf(b, "%lld", va_arg(ap, long long));
			p += 3;
		} else if (p[1] == '%') {
			pv_buf_addc(b, '%');
			p++;
		} else {
			pv_buf_addc(b, *p);
		}
	}
	va_end(ap);
}

enum pv_web_lang pv_web_lang_of(const char *code)
{
	return code && strcmp(code, "en") == 0 ? PV_WEB_EN : PV_WEB_DE;
}

/* The one stylesheet, inline (no external resources); the CSP names its
 * hash, so no 'unsafe-inline' is needed. */
static const char css[] =
	"body{margin:0;background:#f4f1ec;color:#222;"
	"font:17px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
	"main{max-width:36em;margin:2em auto;background:#fff;"
	"padding:1.5em 2em 2em;border-radius:10px;"
	"box-shadow:0 1px 4px rgba(0,0,0,.12)}"
	"header{border-bottom:1px solid #e4ddd2;margin-bottom:1em}"
	"header p{margin:0 0 .6em;color:#6b5d4d;font-size:.95em;"
	"letter-spacing:.03em;text-transform:uppercase}"
	"h1{font-size:1.45em;line-height:1.25;margin:.2em 0 .6em}"
	"blockquote{margin:1em 0;padding:.8em 1em;background:#f7f5f1;"
	"border-left:4px solid #b59a74;white-space:pre-line}"
	"form{margin:1em 0}label{display:block;font-weight:600;"
	"margin:1em 0 .3em}"
	"input[type=email],input[type=text],select{width:100%;"
	"box-sizing:border-box;font:inherit;padding:.5em;"
	"border:1px solid #a99c8b;border-radius:6px}"
	"fieldset{border:0;padding:0;margin:1em 0}legend{font-weight:600;padding:0;margin-bottom:.3em}"
	"fieldset label{font-weight:400;margin:.3em 0}"
	".buttons{display:flex;gap:.8em;flex-wrap:wrap;margin-top:1.4em}"
	"button{font:inherit;font-weight:600;padding:.65em 1.4em;"
	"border-radius:6px;border:1px solid #2f6b4f;cursor:pointer}"
	"button.yes{background:#2f6b4f;color:#fff}"
	"button.no{background:#fff;color:#7a2e2e;border-color:#7a2e2e}"
	"button.alt{background:#fff;color:#2f6b4f}"
	".buttons form{margin:0}"
	".note{color:#555;font-size:.92em}"
	".ok{color:#2f6b4f}.err{color:#7a2e2e}"
	"footer{margin-top:2em;color:#777;font-size:.85em}";

static void css_hash(char out[64])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)css, sizeof css - 1);
	sodium_bin2base64(out, 64, h, sizeof h,
			  sodium_base64_VARIANT_ORIGINAL);
}

void pv_web_page(struct pv_buf *out, enum pv_web_lang lang,
		 const char *site, const char *title, const char *body)
{
	pv_web_escf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, "
		    "initial-scale=1\">\n"
		    "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
		    "<title>%s</title>\n",
		    lang == PV_WEB_EN ? "en" : "de", title);
	pv_buf_adds(out, "<style>");
	pv_buf_adds(out, css);
	pv_buf_adds(out, "</style>\n</head>\n<body>\n<main>\n");
	if (site && *site)
		pv_web_escf(out, "<header><p>%s</p></header>\n", site);
	pv_web_escf(out, "<h1>%s</h1>\n", title);
	pv_buf_adds(out, body);
	pv_web_escf(out, "<footer>%s</footer>\n</main>\n</body>\n</html>\n",
		    lang == PV_WEB_EN ?
		    "This page sets no cookies and loads nothing from "
		    "elsewhere." :
		    "Diese Seite setzt keine Cookies und l\xc3\xa4" "dt "
		    "nichts von anderswo.");
}

const char *pv_web_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

void pv_web_respond(struct pv_buf *out, int status, const char *type,
		    const char *extra, const char *body, size_t len, int head)
{
	char hash[64], style[96];

	css_hash(hash);
	snprintf(style, sizeof style, "style-src 'sha256-%s'", hash);
	pv_web_respond_csp(out, status, type, style, body, len, head, extra);
}

void pv_web_respond_csp(struct pv_buf *out, int status, const char *type,
			const char *style, const char *body, size_t len,
			int head, const char *extra)
{
	pv_buf_addf(out, "Status: %d %s\r\n", status, pv_web_reason(status));
	pv_buf_addf(out, "Content-Type: %s\r\n",
		    type ? type : "text/html; charset=utf-8");
	pv_buf_addf(out, "Content-Length: %zu\r\n", len);
	pv_buf_addf(out, "Content-Security-Policy: default-src 'none'; %s; "
		    "form-action 'self'; frame-ancestors 'none'; "
		    "base-uri 'none'\r\n", style);
	pv_buf_adds(out, "Referrer-Policy: no-referrer\r\n"
		    "Cache-Control: no-store\r\n"
		    "X-Content-Type-Options: nosniff\r\n"
		    "X-Frame-Options: DENY\r\n");
	if (status == 405)
		pv_buf_adds(out, "Allow: GET, HEAD, POST\r\n");
	if (extra)
		pv_buf_adds(out, extra);
	pv_buf_adds(out, "\r\n");
	if (!head)
		pv_buf_add(out, body, len);
}

/* ---- keys, CSRF, rate limits ----------------------------------------- */

int pv_web_key(const char *db_path, unsigned char key[PV_KEY_LEN],
	       struct pv_err *e)
{
	char *path = pv_db_sidecar(db_path, ".web-key");
	int st = pv_key_file(path, "web key", 1, key, NULL, e);

	free(path);
	return st;
}

static void hmac_hex(const unsigned char key[PV_KEY_LEN], const char *ctx,
		     const char *a, const char *b, char out[65])
{
	crypto_auth_hmacsha256_state s;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&s, key, PV_KEY_LEN);
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)ctx,
				      strlen(ctx) + 1);
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)a,
				      strlen(a) + 1);
	if (b)
		crypto_auth_hmacsha256_update(&s, (const unsigned char *)b,
					      strlen(b));
	crypto_auth_hmacsha256_final(&s, mac);
	sodium_bin2hex(out, 65, mac, sizeof mac);
	sodium_memzero(&s, sizeof s);
}

void pv_web_csrf(const unsigned char key[PV_KEY_LEN], const char *token,
		 char out[65])
{
	hmac_hex(key, "privacy-web csrf v1", token, NULL, out);
}

int pv_web_csrf_ok(const unsigned char key[PV_KEY_LEN], const char *token,
		   const char *given)
{
	char want[65];

	if (!given || strlen(given) != 64)
		return 0;
	pv_web_csrf(key, token, want);
	return sodium_memcmp(want, given, 64) == 0;
}

int pv_web_limit(sqlite3 *db, const unsigned char key[PV_KEY_LEN],
		 const char *bucket, const char *addr, long long max,
		 int *over, struct pv_err *e)
{
	char hash[65], now[PV_TIME_LEN], since[PV_TIME_LEN];
	sqlite3_stmt *st = NULL;
	time_t t = pv_now();
	long long hits = 0;
	int rc, s;

	*over = 0;
	hmac_hex(key, "privacy-web rate v1", bucket, addr ? addr : "", hash);
	pv_time_fmt(t, now);
	pv_time_fmt(t - 3600, since);
	if ((s = pv_db_begin(db, e)))
		return s;
	st = pv_db_prepare(db, "DELETE FROM web_limits WHERE window_start"
			   " <= ?1", e);
	if (!st)
		goto fail;
	pv_bind_text(st, 1, since);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto dbfail;
	st = pv_db_prepare(db, "SELECT hits FROM web_limits WHERE key = ?1",
			   e);
	if (!st)
		goto fail;
	pv_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		hits = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto dbfail;
	if (hits >= max) {
		*over = 1;
		pv_db_rollback(db);
		return PV_OK;
	}
	st = pv_db_prepare(db, "INSERT INTO web_limits (key, window_start, "
			   "hits) VALUES (?1, ?2, 1) ON CONFLICT (key) DO "
			   "UPDATE SET hits = hits + 1", e);
	if (!st)
		goto fail;
	pv_bind_text(st, 1, hash);
	pv_bind_text(st, 2, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto dbfail;
	return pv_db_commit(db, e);
dbfail:
	pv_db_fail(db, e, "web_limits");
fail:
	pv_db_rollback(db);
	return e->status ? e->status : PV_SOFTWARE;
}
