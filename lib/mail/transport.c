/*
 * transport.c - sending rendered messages: SMTP, or files in a
 * Maildir-style directory.
 *
 * libcurl opens the SMTP session (connection, greeting, EHLO, STARTTLS
 * with the certificate checked, AUTH: CURLOPT_CONNECT_ONLY); the messages
 * and the QUIT go over that session with our own commands (curl_easy_send
 * and curl_easy_recv), because libcurl's SMTP waits for the reply to every
 * command: MAIL, RCPT, DATA, the final dot, four round trips a message.
 * When the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in
 * one write and the message in the next: two.  (libcurl closes a
 * CONNECT_ONLY connection without QUIT: it takes it for dead.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
	long timeout;        /* smtp.timeout, seconds */
	curl_socket_t fd;    /* the open session's socket, or CURL_SOCKET_BAD */
	/* What the server offers, from its reply to the last EHLO. */
	int in_ehlo;         /* the reply being read answers EHLO */
	int pipelining;      /* PIPELINING (RFC 2920) */
	int size;            /* SIZE (RFC 1870) */
	int smtputf8;        /* SMTPUTF8 (RFC 6531) */
	/* What the server said (see take_line). */
	char lastreply[512]; /* the last reply (all its lines) */
	char failreply[512]; /* the first 4xx/5xx reply of this message */
	char lastcmd[16];    /* the verb of the last command sent */
	int inreply;         /* lastreply is a multi-line reply not ended */
	char errbuf[CURL_ERROR_SIZE];
	/* Received and not yet read as reply lines. */
	char in[2048];
	size_t inoff, inlen;
	struct pv_buf out;   /* the commands or the message being sent */
	int awaiting;        /* a message went; its reply is still to come */
	struct timespec deadline; /* for the message's exchange */
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
 * One line of a reply (without its line end).  Keep the reply that decided
 * the fate of the message: the first 4xx/5xx (to MAIL, RCPT, DATA or the
 * final dot), or else the last reply.  (The answer to our QUIT is read
 * after the message's reply was taken: a "221 Bye" is never one.)
 * Returns 1 when the line ends its reply.
 */
static int take_line(struct pv_transport *t, const char *data, size_t n)
{
	size_t l, i;
	int final;

	while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	/* "250-..." continues a reply, "250 ..." (or a bare code) ends it. */
	final = !(n > 3 && data[3] == '-');
	if (t->in_ehlo && n > 4) {
		const char *kw = data + 4;
		size_t k = n - 4;

		if (k >= 10 && strncasecmp(kw, "PIPELINING", 10) == 0 &&
		    (k == 10 || kw[10] == ' '))
			t->pipelining = 1;
		if (k >= 4 && strncasecmp(kw, "SIZE", 4) == 0 &&
		    (k == 4 || kw[4] == ' '))
			t->size = 1;
		if (k == 8 && strncasecmp(kw, "SMTPUTF8", 8) == 0)
			t->smtputf8 = 1;
	}
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
	return final;
}

/* The verb of a command curl sent.  Only a verb we know is kept: RCPT TO
 * carries an address, and the lines that continue an AUTH carry the user
 * name and the password (base64), which must not end up in a reply
 * stored as "no reply after ...". */
static void took_command(struct pv_transport *t, const char *data, size_t n)
{
	static const char *const verbs[] = {"EHLO", "HELO", "STARTTLS",
		"AUTH", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT"};
	size_t i, v;

	for (i = 0; i < n && data[i] != ' ' && data[i] != ':' &&
		    data[i] != '\r' && data[i] != '\n';
	     i++)
		;
	for (v = 0; v < sizeof verbs / sizeof verbs[0]; v++)
		if (i == strlen(verbs[v]) &&
		    strncasecmp(data, verbs[v], i) == 0)
			break;
	if (v == sizeof verbs / sizeof verbs[0])
		return;
	snprintf(t->lastcmd, sizeof t->lastcmd, "%s", verbs[v]);
	/* A new EHLO (after STARTTLS) says anew what the server offers. */
	t->in_ehlo = strcmp(t->lastcmd, "EHLO") == 0;
	if (t->in_ehlo || strcmp(t->lastcmd, "HELO") == 0)
		t->pipelining = t->size = t->smtputf8 = 0;
}

/* While curl opens and closes the session, the server's replies arrive
 * as CURLINFO_HEADER_IN, one line at a time, and curl's commands as
 * CURLINFO_HEADER_OUT. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
		    void *ctx)
{
	struct pv_transport *t = ctx;

	(void)h;
	if (type == CURLINFO_HEADER_OUT)
		took_command(t, data, size);
	else if (type == CURLINFO_HEADER_IN)
		take_line(t, data, size);
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
	t->timeout = (long)timeout;
	curl_easy_setopt(t->curl, CURLOPT_CONNECTTIMEOUT, (long)timeout);
	curl_easy_setopt(t->curl, CURLOPT_TIMEOUT, (long)timeout);
	/* Also for each reply while curl opens the session (default
	 * 120 s). */
	curl_easy_setopt(t->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT,
			 (long)timeout);
	curl_easy_setopt(t->curl, CURLOPT_NOSIGNAL, 1L);
	/* curl opens the session up to AUTH; the messages are ours. */
	curl_easy_setopt(t->curl, CURLOPT_CONNECT_ONLY, 1L);
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

	t->fd = CURL_SOCKET_BAD;

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

/* ---- the SMTP session ---------------------------------------------------- */

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 3600000 ? 3600000 : (long)ms;
}

/* Wait until the socket can be read or written (ev): 0, or -1 at the
 * deadline or when the socket failed (why says). */
static int wait_fd(struct pv_transport *t, short ev,
		   const struct timespec *deadline, char *why, size_t whylen)
{
	struct pollfd p = {t->fd, ev, 0};
	int r;

	do
		r = poll(&p, 1, (int)ms_left(deadline));
	while (r < 0 && errno == EINTR);
	if (r > 0)
		return 0;
	if (r == 0)
		snprintf(why, whylen, "timeout after %ld s", t->timeout);
	else
		snprintf(why, whylen, "%s", strerror(errno));
	return -1;
}

static int send_all(struct pv_transport *t, const char *p, size_t n,
		    const struct timespec *deadline, char *why, size_t whylen)
{
	while (n) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(t->curl, p, n, &sent);

		if (rc == CURLE_AGAIN) {
			if (wait_fd(t, POLLOUT, deadline, why, whylen) < 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK) {
			snprintf(why, whylen, "%s", curl_easy_strerror(rc));
			return -1;
		}
		p += sent;
		n -= sent;
	}
	return 0;
}

/* More bytes from the server into t->in: 1, or 0 when the server closed
 * the connection, or -1 (why says). */
static int fill(struct pv_transport *t, const struct timespec *deadline,
		char *why, size_t whylen)
{
	for (;;) {
		size_t got = 0;
		CURLcode rc = curl_easy_recv(t->curl, t->in, sizeof t->in,
					     &got);

		if (rc == CURLE_AGAIN) {
			if (wait_fd(t, POLLIN, deadline, why, whylen) < 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK) {
			snprintf(why, whylen, "%s", curl_easy_strerror(rc));
			return -1;
		}
		if (!got) {
			snprintf(why, whylen, "the server closed the "
				 "connection");
			return 0;
		}
		t->inoff = 0;
		t->inlen = got;
		return 1;
	}
}

/* Read one reply, all its lines (into t->lastreply, see take_line): its
 * code, or -1 when none came (why says). */
static int read_reply(struct pv_transport *t, const struct timespec *deadline,
		      char *why, size_t whylen)
{
	char line[512];
	size_t n = 0;

	for (;;) {
		char c;

		if (t->inoff == t->inlen && fill(t, deadline, why, whylen) <= 0)
			return -1;
		c = t->in[t->inoff++];
		if (c != '\n') {
			if (n < sizeof line) /* the rest of a long line goes */
				line[n++] = c;
			continue;
		}
		if (take_line(t, line, n)) {
			const char *r = t->lastreply;

			if (r[0] < '1' || r[0] > '5' || r[1] < '0' ||
			    r[1] > '9' || r[2] < '0' || r[2] > '9') {
				snprintf(why, whylen, "not an SMTP reply");
				return -1;
			}
			return (r[0] - '0') * 100 + (r[1] - '0') * 10 +
			       (r[2] - '0');
		}
		n = 0;
	}
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* The message as SMTP carries it: a dot that begins a line doubled
 * (RFC 5321 4.5.2), a line end after the last line, the final dot. */
static void put_message(struct pv_buf *b, const char *msg, size_t len)
{
	size_t i, from = 0;

	for (i = 0; i < len; i++)
		if (msg[i] == '.' && (i == 0 || (i >= 2 && msg[i - 1] == '\n' &&
						  msg[i - 2] == '\r'))) {
			pv_buf_add(b, msg + from, i + 1 - from);
			from = i; /* the dot again */
		}
	pv_buf_add(b, msg + from, len - from);
	if (len < 2 || msg[len - 2] != '\r' || msg[len - 1] != '\n')
		pv_buf_adds(b, "\r\n");
	pv_buf_adds(b, ".\r\n");
}

/* Drop a session that is out of step (a reply may still come for what
 * was sent, and would be taken for the answer to the next command) or
 * whose server is gone: the socket is shut, so that nothing more is read
 * or written on it.  The handle is made anew: curl keeps a connection for
 * reuse, and a new handle has none. */
static void smtp_close(struct pv_transport *t)
{
	curl_socket_t fd = t->fd;
	CURL *fresh;

	if (fd == CURL_SOCKET_BAD)
		curl_easy_getinfo(t->curl, CURLINFO_ACTIVESOCKET, &fd);
	if (fd != CURL_SOCKET_BAD)
		shutdown(fd, SHUT_RDWR);
	fresh = curl_easy_duphandle(t->curl);
	if (fresh) {
		curl_easy_cleanup(t->curl);
		t->curl = fresh;
	}
	t->fd = CURL_SOCKET_BAD;
	t->inoff = t->inlen = 0;
	t->awaiting = 0;
}

/* Is the open session still there?  A server that timed out an idle
 * session has closed it, or said 421 and closed it: nothing may arrive
 * before the next command. */
static int smtp_alive(struct pv_transport *t)
{
	size_t got = 0;
	CURLcode rc;

	if (t->inoff < t->inlen)
		return 0;
	rc = curl_easy_recv(t->curl, t->in, sizeof t->in, &got);
	return rc == CURLE_AGAIN;
}

/* curl opens the session: connection, greeting, EHLO, STARTTLS, AUTH. */
static CURLcode smtp_open(struct pv_transport *t)
{
	CURLcode rc;

	t->pipelining = t->size = t->in_ehlo = 0;
	rc = curl_easy_perform(t->curl);
	if (rc == CURLE_OK &&
	    (curl_easy_getinfo(t->curl, CURLINFO_ACTIVESOCKET, &t->fd) !=
	     CURLE_OK || t->fd == CURL_SOCKET_BAD))
		rc = CURLE_COULDNT_CONNECT;
	t->in_ehlo = 0;
	return rc;
}

/* Opening the session failed: what the message's reply and status are. */
static int open_failed(struct pv_transport *t, CURLcode rc, char *reply,
		       size_t replylen, struct pv_err *e)
{
	long code = 0;
	int setup = 0;

	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
	smtp_close(t);
	if (t->failreply[0])
		snprintf(reply, replylen, "%s", t->failreply);
	else
		snprintf(reply, replylen, "%s", t->lastreply[0] ? t->lastreply
			 : curl_easy_strerror(rc));
	switch (rc) {
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
	/* No answer: a timeout, a lost connection.  Say after which
	 * command. */
	if (t->lastcmd[0])
		snprintf(reply, replylen, "no reply after %s: %s", t->lastcmd,
			 t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
	else
		snprintf(reply, replylen, "%s", t->errbuf[0] ? t->errbuf
			 : curl_easy_strerror(rc));
	return pv_fail(e, PV_TEMPFAIL, "smtp: %s", reply);
}

/* Send the commands in t->out, whose verbs are cmds[0..n-1], and read
 * their replies: all at once when the server offers PIPELINING, else one
 * after the other, stopping at the first refusal.  codes[] gets the
 * replies (0: not sent).  -1: no reply (why says). */
static int exchange(struct pv_transport *t, const char *const *cmds,
		    const size_t *ends, int n, int *codes,
		    const struct timespec *deadline, char *why, size_t whylen)
{
	size_t from = 0;
	int i, j;

	for (i = 0; i < n; i++)
		codes[i] = 0;
	for (i = 0; i < n; i = j) {
		j = t->pipelining ? n : i + 1;
		snprintf(t->lastcmd, sizeof t->lastcmd, "%s", cmds[i]);
		if (send_all(t, t->out.s + from, ends[j - 1] - from, deadline,
			     why, whylen) < 0)
			return -1;
		from = ends[j - 1];
		for (int k = i; k < j; k++) {
			snprintf(t->lastcmd, sizeof t->lastcmd, "%s", cmds[k]);
			codes[k] = read_reply(t, deadline, why, whylen);
			if (codes[k] < 0)
				return -1;
		}
		if (codes[j - 1] >= 400)
			break;
	}
	return 0;
}

/* The outcome of a message whose exchange ended in step: the first
 * refusal, or else the last reply (the 250 to the final dot). */
static int outcome(struct pv_transport *t, char *reply, size_t replylen,
		   struct pv_err *e)
{
	if (t->failreply[0]) {
		snprintf(reply, replylen, "%s", t->failreply);
		if (t->failreply[0] == '5')
			return pv_fail(e, PV_UNAVAILABLE, "smtp: refused: %s",
				       reply);
		return pv_fail(e, PV_TEMPFAIL, "smtp: deferred: %s", reply);
	}
	snprintf(reply, replylen, "%s", t->lastreply);
	return PV_OK;
}

/* No answer (a timeout, a lost connection): the session is out of step.
 * Say after which command: a message lost after DATA may have arrived. */
static int lost(struct pv_transport *t, const char *why, char *reply,
		size_t replylen, struct pv_err *e)
{
	smtp_close(t);
	if (t->failreply[0])
		return outcome(t, reply, replylen, e);
	snprintf(reply, replylen, "no reply after %s: %s", t->lastcmd, why);
	return pv_fail(e, PV_TEMPFAIL, "smtp: %s", reply);
}

/* A reply that makes no sense there (a 250 to DATA): out of step. */
static int unexpected(struct pv_transport *t, char *reply, size_t replylen,
		      struct pv_err *e)
{
	snprintf(reply, replylen, "unexpected reply to %s: %s", t->lastcmd,
		 t->lastreply);
	smtp_close(t);
	return pv_fail(e, PV_TEMPFAIL, "smtp: %s", reply);
}

static int start_smtp(struct pv_transport *t, const char *from,
		      const char *to, const char *msg, size_t len, char *reply,
		      size_t replylen, struct pv_err *e)
{
	static const char *const cmds[] = {"MAIL", "RCPT", "DATA"};
	static long kill_nth = -1;
	int kill = pv_test_point("PRIVACY_TEST_KILL_IN_SEND", &kill_nth);
	size_t ends[3];
	int codes[3], in_step = 1;
	char why[160] = "";

	if (!pv_email_valid(from) || !pv_email_valid(to))
		return pv_fail(e, PV_DATAERR, "smtp: not a valid address");
	t->lastreply[0] = t->failreply[0] = t->lastcmd[0] = '\0';
	t->inreply = 0;
	t->errbuf[0] = '\0';
	if (t->fd != CURL_SOCKET_BAD && !smtp_alive(t))
		smtp_close(t);
	if (t->fd == CURL_SOCKET_BAD) {
		CURLcode rc = smtp_open(t);

		if (rc != CURLE_OK)
			return open_failed(t, rc, reply, replylen, e);
		t->lastreply[0] = t->failreply[0] = t->lastcmd[0] = '\0';
		t->inreply = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t->deadline);
	t->deadline.tv_sec += t->timeout;

	/* MAIL, RCPT, DATA */
	t->out.len = 0;
	pv_buf_addf(&t->out, "MAIL FROM:<%s>", from);
	if (t->size)
		pv_buf_addf(&t->out, " SIZE=%zu", len);
	if (t->smtputf8 && (!ascii(from) || !ascii(to)))
		pv_buf_adds(&t->out, " SMTPUTF8");
	pv_buf_adds(&t->out, "\r\n");
	ends[0] = t->out.len;
	pv_buf_addf(&t->out, "RCPT TO:<%s>\r\n", to);
	ends[1] = t->out.len;
	pv_buf_adds(&t->out, "DATA\r\n");
	ends[2] = t->out.len;
	if (exchange(t, cmds, ends, 3, codes, &t->deadline, why,
		     sizeof why) < 0)
		return lost(t, why, reply, replylen, e);
	if (codes[0] / 100 == 2 && codes[1] / 100 == 2 && codes[2] == 354) {
		/* the message; its reply is read by finish_smtp */
		t->out.len = 0;
		put_message(&t->out, msg, len);
		snprintf(t->lastcmd, sizeof t->lastcmd, "DATA");
		if (kill) { /* the crash tests: half the message, then die */
			send_all(t, t->out.s, t->out.len / 2, &t->deadline, why,
				 sizeof why);
			pv_test_kill();
		}
		if (send_all(t, t->out.s, t->out.len, &t->deadline, why,
			     sizeof why) < 0) {
			/* A server that refuses a message while it comes
			 * (too large) may answer and close: its answer is
			 * the outcome, if it is there. */
			char why2[160];

			(void)read_reply(t, &t->deadline, why2, sizeof why2);
			return lost(t, why, reply, replylen, e);
		}
		t->awaiting = 1;
		reply[0] = '\0';
		return PV_OK;
	}
	/* Refused before the message.  A server that said 354 all the same
	 * gets an empty message (which it must refuse: no recipient); then
	 * RSET ends the transaction. */
	if (codes[2] == 354 &&
	    (send_all(t, ".\r\n", 3, &t->deadline, why, sizeof why) < 0 ||
	     read_reply(t, &t->deadline, why, sizeof why) < 0))
		in_step = 0;
	if (!t->failreply[0]) /* 2xx or 3xx where they make no sense */
		return unexpected(t, reply, replylen, e);
	if (in_step) {
		snprintf(t->lastcmd, sizeof t->lastcmd, "RSET");
		if (send_all(t, "RSET\r\n", 6, &t->deadline, why,
			     sizeof why) < 0 ||
		    read_reply(t, &t->deadline, why, sizeof why) / 100 != 2)
			in_step = 0;
	}
	if (!in_step)
		smtp_close(t);
	return outcome(t, reply, replylen, e);
}

static int finish_smtp(struct pv_transport *t, char *reply, size_t replylen,
		       struct pv_err *e)
{
	char why[160] = "";
	int code;

	t->awaiting = 0;
	code = read_reply(t, &t->deadline, why, sizeof why);
	if (code < 0)
		return lost(t, why, reply, replylen, e);
	if (code / 100 != 2 && code < 400)
		return unexpected(t, reply, replylen, e);
	return outcome(t, reply, replylen, e);
}

int pv_transport_start(struct pv_transport *t, const char *from,
		       const char *to, const char *msg, size_t len,
		       char *reply, size_t replylen, struct pv_err *e)
{
	if (t->dir)
		return send_dir(t, msg, len, reply, replylen, e);
	return start_smtp(t, from, to, msg, len, reply, replylen, e);
}

int pv_transport_finish(struct pv_transport *t, char *reply,
			size_t replylen, struct pv_err *e)
{
	if (!t->awaiting)
		return PV_OK;
	return finish_smtp(t, reply, replylen, e);
}

int pv_transport_send(struct pv_transport *t, const char *from,
		      const char *to, const char *msg, size_t len,
		      char *reply, size_t replylen, struct pv_err *e)
{
	int st = pv_transport_start(t, from, to, msg, len, reply, replylen,
				    e);

	return st ? st : pv_transport_finish(t, reply, replylen, e);
}

void pv_transport_close(struct pv_transport *t)
{
	if (!t)
		return;
	if (t->curl && t->awaiting) /* a reply would be taken for QUIT's */
		smtp_close(t);
	if (t->curl && t->fd != CURL_SOCKET_BAD) {
		/* QUIT (RFC 5321 4.1.1.10), its answer awaited as long as
		 * any other */
		char why[160];

		clock_gettime(CLOCK_MONOTONIC, &t->deadline);
		t->deadline.tv_sec += t->timeout;
		if (send_all(t, "QUIT\r\n", 6, &t->deadline, why,
			     sizeof why) == 0)
			(void)read_reply(t, &t->deadline, why, sizeof why);
	}
	if (t->curl)
		curl_easy_cleanup(t->curl);
	pv_buf_free(&t->out);
	if (t->password) {
		pv_wipe(t->password, strlen(t->password));
		free(t->password);
	}
	free(t->dir);
	free(t);
}
