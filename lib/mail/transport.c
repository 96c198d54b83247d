/*
 * transport.c - sending rendered messages: SMTP through libcurl, or files
 * in a Maildir-style directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "db.h"
#include "mail.h"

struct pv_transport {
	/* dir: */
	char *dir;
	/* smtp: */
	CURL *curl;
	char *password;
	/* What the server said, from curl's debug stream (see debug_cb). */
	char lastreply[512]; /* the last reply before QUIT (all its lines) */
	char failreply[512]; /* the first 4xx/5xx reply of this message */
	char lastcmd[16];    /* the verb of the last command sent */
	int inreply;         /* lastreply is a multi-line reply not ended */
	int quitting;        /* QUIT was sent: later replies are not ours */
	char errbuf[CURL_ERROR_SIZE];
};

static curl_socket_t loopback_socket(void *ctx, curlsocktype purpose,
				     struct curl_sockaddr *a)
{
	(void)ctx;
	if (purpose != CURLSOCKTYPE_IPCXN || !pv_addr_loopback(&a->addr))
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype, a->protocol);
}

void pv_curl_loopback_only(void *curl)
{
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, loopback_socket);
}

void pv_curl_any_address(void *curl)
{
	curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, NULL);
}

static int host_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int r = 0;

	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		r = pv_host_loopback(host);
		curl_free(host);
	}
	curl_url_cleanup(u);
	return r;
}

/*
 * Server replies arrive as CURLINFO_HEADER_IN, one line at a time, and our
 * commands as CURLINFO_HEADER_OUT.  Keep the reply that decided the fate
 * of the message: the first 4xx/5xx (to MAIL, RCPT or the final dot), or
 * else the last reply; never what comes after QUIT, which curl sends when
 * it closes a connection after a failure (a "221 Bye" is no answer about
 * the message).  Only the verb of a command is kept: RCPT TO carries an
 * address.
 */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
		    void *ctx)
{
	struct pv_transport *t = ctx;
	size_t n = size, l, i;
	int final;

	(void)h;
	while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	if (type == CURLINFO_HEADER_OUT) {
		for (i = 0; i < n && i < sizeof t->lastcmd - 1 &&
			    data[i] != ' ' && data[i] != ':' && data[i] != '\r';
		     i++)
			t->lastcmd[i] = data[i];
		t->lastcmd[i] = '\0';
		if (strcasecmp(t->lastcmd, "QUIT") == 0)
			t->quitting = 1;
		return 0;
	}
	if (type != CURLINFO_HEADER_IN || t->quitting)
		return 0;
	/* "250-..." continues a reply, "250 ..." (or a bare code) ends it. */
	final = !(n > 3 && data[3] == '-');
	if (!t->inreply)
		t->lastreply[0] = '\0';
	l = strlen(t->lastreply);
	if (l && l < sizeof t->lastreply - 1)
		t->lastreply[l++] = ' ';
	if (n > sizeof t->lastreply - 1 - l)
		n = sizeof t->lastreply - 1 - l;
	for (i = 0; i < n; i++) /* no control characters into the journal */
		t->lastreply[l + i] = (unsigned char)data[i] < ' ' ||
				      data[i] == 0x7f ? ' ' : data[i];
	t->lastreply[l + n] = '\0';
	t->inreply = !final;
	if (final && !t->failreply[0] &&
	    (t->lastreply[0] == '4' || t->lastreply[0] == '5'))
		snprintf(t->failreply, sizeof t->failreply, "%s",
			 t->lastreply);
	return 0;
}

static int open_dir(const char *path, struct pv_transport *t,
		    struct pv_err *e)
{
	static const char *const sub[] = {"", "/tmp", "/new", "/cur"};
	size_t i;

	if (!*path)
		return pv_fail(e, PV_USAGE, "transport: dir: needs a path");
	for (i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		char *p = xasprintf("%s%s", path, sub[i]);

		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			int st = pv_fail(e, PV_IOERR, "cannot create '%s': %s",
					 p, strerror(errno));

			free(p);
			return st;
		}
		free(p);
	}
	t->dir = xstrdup(path);
	return PV_OK;
}

static int open_smtp(const struct pv_cfg *cfg, struct pv_transport *t,
		     struct pv_err *e)
{
	const char *url = pv_cfg_str(cfg, "smtp.url", NULL);
	const char *tls = pv_cfg_str(cfg, "smtp.tls", "required");
	const char *user = pv_cfg_str(cfg, "smtp.user", NULL);
	const char *pwfile = pv_cfg_str(cfg, "smtp.password_file", NULL);
	const char *ca = pv_cfg_str(cfg, "smtp.ca_file", NULL);
	const char *envpw = getenv("PRIVACY_SMTP_PASSWORD");
	long long timeout;
	int smtps, st;

	if (!url || !*url)
		return pv_fail(e, PV_CONFIG, "smtp.url is not set (or use "
			       "--transport dir:PATH)");
	smtps = strncasecmp(url, "smtps://", 8) == 0;
	if (!smtps && strncasecmp(url, "smtp://", 7) != 0)
		return pv_fail(e, PV_CONFIG, "%s: smtp.url: must start with "
			       "smtp:// or smtps://",
			       pv_cfg_origin(cfg, "smtp.url"));
	if (strcmp(tls, "none") == 0) {
		if (smtps)
			return pv_fail(e, PV_CONFIG, "%s: smtp.tls: 'none' "
				       "contradicts smtps://",
				       pv_cfg_origin(cfg, "smtp.tls"));
		if (!host_is_loopback(url))
			return pv_fail(e, PV_CONFIG, "%s: smtp.tls: 'none' is "
				       "allowed only towards a loopback host",
				       pv_cfg_origin(cfg, "smtp.tls"));
	} else if (strcmp(tls, "required") != 0) {
		return pv_fail(e, PV_CONFIG, "%s: smtp.tls: must be "
			       "'required' or 'none'",
			       pv_cfg_origin(cfg, "smtp.tls"));
	}
	st = pv_cfg_int(cfg, "smtp.timeout", 30, &timeout, e);
	if (st)
		return st;
	if (timeout < 1 || timeout > 3600)
		return pv_fail(e, PV_CONFIG, "%s: smtp.timeout: must be 1 to "
			       "3600 seconds", pv_cfg_origin(cfg,
							    "smtp.timeout"));
	if (user && *user) {
		if (envpw && *envpw) {
			t->password = xstrdup(envpw);
		} else if (pwfile && *pwfile) {
			size_t n;

			st = pv_read_file(pwfile, 1, &t->password, &n, e);
			if (st)
				return st;
			while (n && (t->password[n - 1] == '\n' ||
				     t->password[n - 1] == '\r'))
				t->password[--n] = '\0';
		} else {
			return pv_fail(e, PV_CONFIG, "smtp.user is set but "
				       "neither smtp.password_file nor "
				       "PRIVACY_SMTP_PASSWORD");
		}
	}

	curl_global_init(CURL_GLOBAL_DEFAULT);
	t->curl = curl_easy_init();
	if (!t->curl)
		return pv_fail(e, PV_SOFTWARE, "smtp: cannot start libcurl");
	curl_easy_setopt(t->curl, CURLOPT_URL, url);
	if (strcmp(tls, "none") == 0) /* the address connected to, too */
		pv_curl_loopback_only(t->curl);
	curl_easy_setopt(t->curl, CURLOPT_USE_SSL,
			 strcmp(tls, "none") == 0 ? (long)CURLUSESSL_NONE
						  : (long)CURLUSESSL_ALL);
	curl_easy_setopt(t->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(t->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca && *ca)
		curl_easy_setopt(t->curl, CURLOPT_CAINFO, ca);
	if (t->password) {
		curl_easy_setopt(t->curl, CURLOPT_USERNAME, user);
		curl_easy_setopt(t->curl, CURLOPT_PASSWORD, t->password);
	}
	curl_easy_setopt(t->curl, CURLOPT_CONNECTTIMEOUT, (long)timeout);
	curl_easy_setopt(t->curl, CURLOPT_TIMEOUT, (long)timeout);
	/* Also for the QUIT when a connection is closed (default 120 s). */
	curl_easy_setopt(t->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT,
			 (long)timeout);
	curl_easy_setopt(t->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(t->curl, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->curl, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(t->curl, CURLOPT_DEBUGDATA, t);
	curl_easy_setopt(t->curl, CURLOPT_VERBOSE, 1L);
	return PV_OK;
}

int pv_transport_open(const struct pv_cfg *cfg, const char *spec,
		      struct pv_transport **out, struct pv_err *e)
{
	struct pv_transport *t = xcalloc(1, sizeof *t);
	int st;

	if (spec && strncmp(spec, "dir:", 4) == 0)
		st = open_dir(spec + 4, t, e);
	else if (spec)
		st = pv_fail(e, PV_USAGE, "transport: must be 'dir:PATH': "
			     "'%s'", spec);
	else
		st = open_smtp(cfg, t, e);
	if (st) {
		pv_transport_close(t);
		return st;
	}
	*out = t;
	return PV_OK;
}

/* The Q number of a file name: unique in the process, not per connection,
 * so that two connections writing in the same microsecond never pick the
 * same name (the O_EXCL open would fail, and stop the run). */
static unsigned long next_seq(void)
{
	static unsigned long seq;

	return __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
}

static int send_dir(struct pv_transport *t, const char *msg, size_t len,
		    char *reply, size_t replylen, struct pv_err *e)
{
	char host[64] = "localhost", name[160];
	char *tmp, *dst;
	struct timespec ts;
	size_t off = 0;
	int fd, st = PV_OK;

	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	for (char *p = host; *p; p++)
		if (*p == '/' || *p == ':')
			*p = '_';
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, sizeof name, "%lld.M%ldP%ldQ%lu.%s",
		 (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
		 next_seq(), host);
	tmp = xasprintf("%s/tmp/%s", t->dir, name);
	dst = xasprintf("%s/new/%s", t->dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		st = pv_fail(e, PV_IOERR, "cannot create '%s': %s", tmp,
			     strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, msg + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			st = pv_fail(e, PV_IOERR, "cannot write '%s': %s", tmp,
				     strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (!st && fsync(fd) < 0)
		st = pv_fail(e, PV_IOERR, "cannot write '%s': %s", tmp,
			     strerror(errno));
	if (close(fd) < 0 && !st)
		st = pv_fail(e, PV_IOERR, "cannot write '%s': %s", tmp,
			     strerror(errno));
	if (!st && rename(tmp, dst) < 0)
		st = pv_fail(e, PV_IOERR, "cannot rename '%s': %s", tmp,
			     strerror(errno));
	if (st)
		unlink(tmp);
	else
		snprintf(reply, replylen, "stored new/%s", name);
out:
	free(tmp);
	free(dst);
	return st;
}

struct upload {
	const char *p;
	size_t left;
	int kill; /* the crash tests' kill point: half the body, then die */
};

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *ctx)
{
	struct upload *u = ctx;
	size_t n = size * nmemb;

	if (u->kill == 2)
		pv_test_kill();
	if (u->kill == 1) {
		/* the first half of the body goes to the server, and the
		 * process dies when curl asks for the rest */
		u->kill = 2;
		if (n > u->left / 2)
			n = u->left / 2;
	}
	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static int send_smtp(struct pv_transport *t, const char *from, const char *to,
		     const char *msg, size_t len, char *reply,
		     size_t replylen, struct pv_err *e)
{
	struct curl_slist *rcpt = NULL;
	static long kill_nth = -1;
	struct upload u = {msg, len,
		pv_test_point("PRIVACY_TEST_KILL_IN_SEND", &kill_nth)};
	char *fromarg;
	long code = 0;
	int setup = 0;
	CURLcode rc;

	if (!pv_email_valid(from) || !pv_email_valid(to))
		return pv_fail(e, PV_DATAERR, "smtp: not a valid address");
	fromarg = xasprintf("<%s>", from);
	rcpt = curl_slist_append(rcpt, to);
	t->lastreply[0] = t->failreply[0] = t->lastcmd[0] = '\0';
	t->inreply = t->quitting = 0;
	t->errbuf[0] = '\0';
	curl_easy_setopt(t->curl, CURLOPT_MAIL_FROM, fromarg);
	curl_easy_setopt(t->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(t->curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(t->curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(t->curl, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)len);
	rc = curl_easy_perform(t->curl);
	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(t->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	free(fromarg);
	if (rc != CURLE_OK && !t->failreply[0]) {
		/* No answer (a timeout, a lost connection): the session is
		 * out of step, and a late reply to this message would be taken
		 * for the answer to the next one's MAIL.  curl may keep such a
		 * connection for reuse; a new handle has none. */
		CURL *fresh = curl_easy_duphandle(t->curl);
		curl_socket_t fd = CURL_SOCKET_BAD;

		/* Closing it would send QUIT and wait for the stalled server:
		 * shut the socket first, so that the QUIT fails at once. */
		if (curl_easy_getinfo(t->curl, CURLINFO_ACTIVESOCKET, &fd) ==
		    CURLE_OK && fd != CURL_SOCKET_BAD)
			shutdown(fd, SHUT_RDWR);
		if (fresh) {
			curl_easy_cleanup(t->curl);
			t->curl = fresh;
		}
	}
	if (rc != CURLE_OK && t->failreply[0])
		snprintf(reply, replylen, "%s", t->failreply);
	else
		snprintf(reply, replylen, "%s", t->lastreply[0] ? t->lastreply
			 : curl_easy_strerror(rc));

	switch (rc) {
	case CURLE_OK:
		return PV_OK;
	case CURLE_USE_SSL_FAILED:
		setup = PV_CONFIG;
		snprintf(reply, replylen, "smtp: the server does not offer "
			 "STARTTLS; nothing was sent");
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		setup = PV_CONFIG;
		snprintf(reply, replylen, "smtp: TLS failed: %.300s; nothing "
			 "was sent", t->errbuf[0] ? t->errbuf
						  : curl_easy_strerror(rc));
		break;
	case CURLE_LOGIN_DENIED:
		setup = PV_NOPERM;
		snprintf(reply, replylen, "smtp: authentication failed: %.300s",
			 t->failreply[0] ? t->failreply : t->lastreply);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		setup = PV_CONFIG;
		snprintf(reply, replylen, "smtp: %s", curl_easy_strerror(rc));
		break;
	default:
		break;
	}
	/* Set-up failed and the message did not go: its reply is why, not
	 * the last line of the conversation (an EHLO or "220 go ahead"). */
	if (setup)
		return pv_fail(e, setup, "%s", reply);
	if (t->failreply[0] == '5' || (!t->failreply[0] && code >= 500 &&
					code < 600))
		return pv_fail(e, PV_UNAVAILABLE, "smtp: refused: %s", reply);
	if (t->failreply[0] == '4' || (!t->failreply[0] && code >= 400 &&
					code < 500))
		return pv_fail(e, PV_TEMPFAIL, "smtp: deferred: %s", reply);
	/* No answer to the message: a timeout or a lost connection.  Say
	 * after which command (a message lost after DATA may have arrived). */
	if (t->lastcmd[0])
		snprintf(reply, replylen, "no reply after %s: %s", t->lastcmd,
			 t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
	else
		snprintf(reply, replylen, "%s", t->errbuf[0] ? t->errbuf
			 : curl_easy_strerror(rc));
	return pv_fail(e, PV_TEMPFAIL, "smtp: %s", reply);
}

int pv_transport_send(struct pv_transport *t, const char *from,
		      const char *to, const char *msg, size_t len,
		      char *reply, size_t replylen, struct pv_err *e)
{
	if (t->dir)
		return send_dir(t, msg, len, reply, replylen, e);
	return send_smtp(t, from, to, msg, len, reply, replylen, e);
}

void pv_transport_close(struct pv_transport *t)
{
	if (!t)
		return;
	if (t->curl)
		curl_easy_cleanup(t->curl);
	if (t->password) {
		pv_wipe(t->password, strlen(t->password));
		free(t->password);
	}
	free(t->dir);
	free(t);
}
