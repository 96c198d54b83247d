/*
 * bench/smtp-curl.c - the floor of sending through libcurl: N messages of
 * LEN bytes over one SMTP connection, one curl_easy_perform each, the way
 * consent-send's transport uses libcurl (MAIL FROM, RCPT TO, DATA, the
 * body from a read callback, the connection kept), and nothing else: no
 * database, no rendering.  bench/run.sh sets it beside smtp-source and
 * consent-send, so that a run shows what libcurl's lock-step session
 * costs on the machine, apart from what the tool adds.
 *
 *	bench/smtp-curl URL N LEN
 *
 * Stands alone (no lib/), like bench/gen.  Exit 0, or 1 with curl's
 * message on the first failed message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *ctx)
{
	struct upload *u = ctx;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

int main(int argc, char **argv)
{
	static const char line[] = "Lorem ipsum dolor sit amet, consetetur "
				   "sadipscing elitr, sed diam nonumy eirmod\r\n";
	struct curl_slist *rcpt;
	long n, len, i;
	size_t off;
	char *msg;
	CURL *c;

	if (argc != 4 || (n = atol(argv[2])) < 1 || (len = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: smtp-curl URL N LEN\n");
		return 64;
	}
	msg = malloc((size_t)len + sizeof line + 128);
	if (!msg)
		return 1;
	off = (size_t)sprintf(msg, "From: <bench@salon.example>\r\n"
			      "To: <kunde@example.com>\r\n"
			      "Subject: bench\r\n\r\n");
	while (off < (size_t)len) {
		memcpy(msg + off, line, sizeof line - 1);
		off += sizeof line - 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	rcpt = curl_slist_append(NULL, "<kunde@example.com>");
	if (!c || !rcpt)
		return 1;
	curl_easy_setopt(c, CURLOPT_URL, argv[1]);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, "<bench@salon.example>");
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	for (i = 0; i < n; i++) {
		struct upload u = {msg, off};
		CURLcode rc;

		curl_easy_setopt(c, CURLOPT_READDATA, &u);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)off);
		if ((rc = curl_easy_perform(c)) != CURLE_OK) {
			fprintf(stderr, "smtp-curl: message %ld: %s\n", i + 1,
				curl_easy_strerror(rc));
			return 1;
		}
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(msg);
	return 0;
}
