/*
 * web-int.h - what the pages of privacy-web share (web-app.c routes,
 * web-consent.c, web-request.c).  Not part of the library's API.
 */
#ifndef PV_WEB_INT_H
#define PV_WEB_INT_H

#include "cfg.h"
#include "location.h"
#include "web.h"

/* The text in the page's language. */
#define WT(a, de, en) ((a)->lang == PV_WEB_EN ? (en) : (de))

struct pv_web_app {
	const struct pv_cfg *cfg;
	const char *db_path;
	sqlite3 *db;             /* opened by the route: RO or RW */
	struct pv_web_req *req;
	unsigned char key[PV_KEY_LEN];
	int have_key;
	enum pv_web_lang lang;
	struct pv_buf body;      /* the page's content, inside <main> */
	struct pv_buf *out;      /* the whole CGI response */
	int done;                /* a response is in out */
	struct pv_err *e;
};

/* Finish with a page: status, site name (may be NULL), title, and the
 * content gathered in a->body; extra header lines or NULL. */
void pv_web_finish(struct pv_web_app *a, int status, const char *site,
		   const char *title, const char *extra);
/* An error page in the app's language: status, title and one sentence. */
void pv_web_error(struct pv_web_app *a, int status, const char *site,
		  const char *title, const char *text);

/* The date of an RFC 3339 time as people of the page's language write
 * it (01.02.2026, 2026-02-01). */
void pv_web_date(const struct pv_web_app *a, const char *t, char out[16]);

/* Open the database (rw: read-write) and load the web key. */
int pv_web_open(struct pv_web_app *a, int rw);

/* 1 when privacy-web serves the location slug (config web.locations, a
 * comma-separated list of slugs; unset: every location). */
int pv_web_location_served(const struct pv_web_app *a, const char *slug);

/* The client's address as evidence: REMOTE_ADDR when it is an IP address,
 * else NULL; the user agent cut to 512 bytes of printable UTF-8, or NULL
 * (into buf). */
const char *pv_web_client_ip(const struct pv_web_app *a);
const char *pv_web_client_ua(const struct pv_web_app *a, char buf[513]);

/* A per-hour limit from the config (web.KEY), default def. */
long long pv_web_cfg_limit(const struct pv_web_app *a, const char *key,
			   long long def);

/* Count a hit of the client address in bucket; 1 when it is over the
 * limit (a 429 page is then in out), 0 when it may go on, -1 on error. */
int pv_web_rate(struct pv_web_app *a, const char *bucket, long long max);

/* The pages. */
int pv_web_consent(struct pv_web_app *a, int decline_link);
int pv_web_request_form(struct pv_web_app *a);
int pv_web_code(struct pv_web_app *a);
int pv_web_export(struct pv_web_app *a);

#endif
