/*
 * webhook.c - signed HTTP POSTs of events (libcurl, HMAC-SHA256).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "mail.h"
#include "notify.h"

struct pv_webhook {
	CURL *curl;
	unsigned char *secret;
	size_t secretlen;
	long timeout; /* seconds, webhook.timeout */
	char *ca_file; /* webhook.ca_file, or NULL: the system's */
	char errbuf[CURL_ERROR_SIZE];
};

int pv_webhook_url_ok(const char *url)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int ok = 0;

	if (!url)
		return 0;
	u = curl_url();
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (strcasecmp(scheme, "https") == 0)
			ok = 1;
		else if (strcasecmp(scheme, "http") == 0)
			ok = pv_host_loopback(host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

int pv_webhook_open(const struct pv_cfg *cfg, struct pv_webhook **out,
		    struct pv_err *e)
{
	const char *file = pv_cfg_str(cfg, "webhook.secret_file", NULL);
	const char *env = getenv("PRIVACY_WEBHOOK_SECRET");
	struct pv_webhook *w;
	char *s = NULL;
	size_t n = 0;
	long long timeout;
	int st;

	if (env && *env) {
		s = xstrdup(env);
		n = strlen(s);
	} else if (file && *file) {
		st = pv_read_file(file, 1, &s, &n, e);
		if (st)
			return st;
		while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
			s[--n] = '\0';
	}
	if (!s || n < 16) {
		if (s) {
			pv_wipe(s, n);
			free(s);
		}
		return pv_fail(e, PV_CONFIG, "webhook: a secret of at least 16 "
			       "bytes is needed (webhook.secret_file or "
			       "PRIVACY_WEBHOOK_SECRET)");
	}
	st = pv_cfg_int(cfg, "webhook.timeout", 10, &timeout, e);
	if (!st && (timeout < 1 || timeout > 300))
		st = pv_fail(e, PV_CONFIG, "%s: webhook.timeout: must be 1 to "
			     "300 seconds", pv_cfg_origin(cfg,
							 "webhook.timeout"));
	if (st) {
		pv_wipe(s, n);
		free(s);
		return st;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	w = xcalloc(1, sizeof *w);
	w->timeout = (long)timeout;
	w->secret = (unsigned char *)s;
	w->secretlen = n;
	w->curl = curl_easy_init();
	if (!w->curl) {
		pv_webhook_close(w);
		return pv_fail(e, PV_SOFTWARE, "webhook: cannot start libcurl");
	}
	/* a receiver with a private CA, as smtp.ca_file for the relay:
	 * verification stays on, against this file */
	if (pv_cfg_str(cfg, "webhook.ca_file", NULL))
		w->ca_file = xstrdup(pv_cfg_str(cfg, "webhook.ca_file", NULL));
	*out = w;
	return PV_OK;
}

void pv_webhook_sign(const unsigned char *key, size_t keylen,
		     const char *timestamp, const char *delivery_id,
		     const char *body, size_t len, char out[72])
{
	crypto_auth_hmacsha256_state h;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&h, key, keylen);
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)timestamp,
				      strlen(timestamp));
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)".", 1);
	/* The delivery id too (issue 18 item 15): a receiver that drops
	 * duplicates by it cannot be made to drop a real event by a
	 * replayed request with another id. */
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)delivery_id,
				      strlen(delivery_id));
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&h, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 65, mac, sizeof mac);
}

static size_t sink(char *p, size_t size, size_t n, void *ctx)
{
	struct pv_buf *b = ctx;

	if (b->len < 200)
		pv_buf_add(b, p, size * n > 200 ? 200 : size * n);
	return size * n;
}

int pv_webhook_post(struct pv_webhook *w, const char *url, const char *event,
		    const char *delivery_id, time_t now, const char *body,
		    size_t len, char *reply, size_t replylen, struct pv_err *e)
{
	struct curl_slist *h = NULL;
	struct pv_buf resp = {0};
	char ts[32], sig[72], *hdr;
	long code = 0;
	CURLcode rc;

	if (!pv_webhook_url_ok(url))
		return pv_fail(e, PV_CONFIG, "webhook: only https://, or "
			       "http:// to a loopback host");
	snprintf(ts, sizeof ts, "%lld", (long long)now);
	pv_webhook_sign(w->secret, w->secretlen, ts, delivery_id, body, len,
			sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	hdr = xasprintf("X-Privacy-Event: %s", event);
	h = curl_slist_append(h, hdr);
	free(hdr);
	hdr = xasprintf("X-Privacy-Delivery: %s", delivery_id);
	h = curl_slist_append(h, hdr);
	free(hdr);
	hdr = xasprintf("X-Privacy-Timestamp: %s", ts);
	h = curl_slist_append(h, hdr);
	free(hdr);
	hdr = xasprintf("X-Privacy-Signature: %s", sig);
	h = curl_slist_append(h, hdr);
	free(hdr);
	h = curl_slist_append(h, "Expect:");

	curl_easy_reset(w->curl);
	w->errbuf[0] = '\0';
	curl_easy_setopt(w->curl, CURLOPT_URL, url);
	if (strncasecmp(url, "https:", 6) != 0)
		pv_curl_loopback_only(w->curl);
	else
		pv_curl_any_address(w->curl);
	curl_easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)len);
	/* The whole exchange, a stalled body included, within the timeout. */
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT, w->timeout);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, w->timeout);
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(w->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(w->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (w->ca_file)
		curl_easy_setopt(w->curl, CURLOPT_CAINFO, w->ca_file);
	curl_easy_setopt(w->curl, CURLOPT_USERAGENT, "privacyctl-notify");
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, w->errbuf);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, &resp);
	rc = curl_easy_perform(w->curl);
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	pv_buf_free(&resp);

	if (rc != CURLE_OK) {
		snprintf(reply, replylen, "%s", w->errbuf[0] ? w->errbuf
			 : curl_easy_strerror(rc));
		/* A certificate that does not verify: nothing was sent,
		 * and the receiver can mend it; kept for a retry, never
		 * failed for good at the first attempt (nor sent). */
		if (rc == CURLE_PEER_FAILED_VERIFICATION ||
		    rc == CURLE_SSL_CACERT_BADFILE ||
		    rc == CURLE_SSL_CONNECT_ERROR)
			return pv_fail(e, PV_TEMPFAIL, "webhook: TLS: %s",
				       reply);
		return pv_fail(e, PV_TEMPFAIL, "webhook: %s", reply);
	}
	snprintf(reply, replylen, "HTTP %ld", code);
	if (code >= 200 && code < 300)
		return PV_OK;
	if (code >= 300 && code < 400) {
		/* Not followed: the signed event goes only where the
		 * business said, never to a host a redirect names. */
		snprintf(reply, replylen, "HTTP %ld: redirects are not followed",
			 code);
		return pv_fail(e, PV_UNAVAILABLE, "webhook: refused: %s",
			       reply);
	}
	if (code == 408 || code == 429 || code >= 500)
		return pv_fail(e, PV_TEMPFAIL, "webhook: deferred: %s", reply);
	return pv_fail(e, PV_UNAVAILABLE, "webhook: refused: %s", reply);
}

void pv_webhook_close(struct pv_webhook *w)
{
	if (!w)
		return;
	if (w->curl)
		curl_easy_cleanup(w->curl);
	if (w->secret) {
		pv_wipe(w->secret, w->secretlen);
		free(w->secret);
	}
	free(w->ca_file);
	free(w);
}
