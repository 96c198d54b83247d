#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util.h"

const char *pv_progname = "privacyctl";
int pv_verbose;
int pv_quiet;

int pv_fail(struct pv_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->status = status;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return status;
}

void pv_err_clear(struct pv_err *e)
{
	e->status = 0;
	e->msg[0] = '\0';
}

void pv_set_progname(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	pv_progname = slash ? slash + 1 : argv0;
}

/* A diagnostic is one line of text: control characters (C0, DEL, and
 * C1 as UTF-8) from the data would move the cursor or start a terminal
 * escape sequence; each is printed as '?'. */
void pv_warn(const char *fmt, ...)
{
	char buf[2048];
	unsigned char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (p = (unsigned char *)buf; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			*p = '?';
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*p = '?';
			memmove(p + 1, p + 2, strlen((char *)p + 2) + 1);
		}
	}
	fprintf(stderr, "%s: %s\n", pv_progname, buf);
}

void pv_report(const struct pv_err *e)
{
	if (e->msg[0])
		pv_warn("%s", e->msg);
}

static int severity(int s)
{
	switch (s) {
	case PV_OK:
		return 0;
	case PV_PARTIAL:
		return 1;
	case PV_TEMPFAIL:
		return 2;
	default:
		return 3;
	}
}

int pv_status_merge(int a, int b)
{
	return severity(b) > severity(a) ? b : a;
}

static void oom(void)
{
	static const char msg[] = ": out of memory\n";

	/* No allocation and no stdio on this path. */
	if (write(2, pv_progname, strlen(pv_progname)) < 0 ||
	    write(2, msg, sizeof msg - 1) < 0)
		_exit(PV_SOFTWARE);
	_exit(PV_SOFTWARE);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return s;
}

void pv_buf_grow(struct pv_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (need < b->len)
		oom();
	b->cap = b->cap ? b->cap : 64;
	while (b->cap < need)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

void pv_buf_adds(struct pv_buf *b, const char *s)
{
	pv_buf_add(b, s, strlen(s));
}

void pv_buf_addf(struct pv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	pv_buf_grow(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		pv_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void pv_buf_reset(struct pv_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void pv_buf_free(struct pv_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *pv_buf_detach(struct pv_buf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

int pv_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		unsigned need, min, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, min = 0x80, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, min = 0x800, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, min = 0x10000, cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

int pv_parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int pv_email_valid(const char *s)
{
	const char *at, *dot, *p;

	if (!s || strlen(s) > 254)
		return 0;
	at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || at - s > 64)
		return 0;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' ||
		    c == '(' || c == ')' || c == ',' || c == ';' ||
		    c == ':' || c == '\\' || c == '"' || c == '[' || c == ']')
			return 0;
	}
	if (s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
		return 0;
	dot = strrchr(at + 1, '.');
	if (!dot || dot == at + 1 || !dot[1])
		return 0;
	if (at[1] == '-' || at[1] == '.')
		return 0;
	return pv_utf8_valid(s, strlen(s));
}

int pv_has_ctl(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int pv_slug_valid(const char *s)
{
	size_t n = 0;

	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return 0;
	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
	}
	return n <= 63;
}

void pv_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

int pv_create_whole(const char *path, const void *buf, size_t len)
{
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	int fd, err = 0;

	unlink(tmp); /* left by a killed run that had our pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
	} else {
		if (write(fd, buf, len) != (ssize_t)len)
			err = errno ? errno : EIO;
		else if (fsync(fd) < 0)
			err = errno;
		close(fd);
		/* link, unlike rename, never replaces a file made meanwhile */
		if (!err && link(tmp, path) < 0)
			err = errno;
		unlink(tmp);
	}
	free(tmp);
	errno = err;
	return err ? -1 : 0;
}

int pv_read_file(const char *path, int must_be_private, char **out,
		 size_t *len, struct pv_err *e)
{
	struct pv_buf b = {0};
	struct stat st;
	char chunk[4096];
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pv_fail(e, errno == ENOENT ? PV_NOINPUT : PV_IOERR,
			       "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return pv_fail(e, PV_IOERR, "cannot stat '%s': %s", path,
			       strerror(errno));
	}
	if (must_be_private && (st.st_mode & 077)) {
		close(fd);
		return pv_fail(e, PV_NOPERM,
			       "secret file is accessible by group or others "
			       "(chmod 600): '%s'", path);
	}
	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			pv_wipe(chunk, sizeof chunk);
			pv_buf_free(&b);
			return pv_fail(e, PV_IOERR, "cannot read '%s': %s",
				       path, strerror(errno));
		}
		pv_buf_add(&b, chunk, (size_t)r);
	}
	pv_wipe(chunk, sizeof chunk);
	close(fd);
	if (len)
		*len = b.len;
	*out = pv_buf_detach(&b);
	return PV_OK;
}

int pv_addr_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const unsigned char *a = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127;
	}
	return 0;
}

int pv_host_loopback(const char *host)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char buf[256];
	size_t n;
	int ok;

	if (!host || !*host)
		return 0;
	n = strlen(host);
	if (host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof buf) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 0;
	ok = res != NULL;
	for (ai = res; ai; ai = ai->ai_next)
		if (!pv_addr_loopback(ai->ai_addr))
			ok = 0;
	freeaddrinfo(res);
	return ok;
}

volatile sig_atomic_t pv_stop_sig;
static char stop_partial[4096];

static void on_stop(int sig)
{
	if (pv_stop_sig) {
		if (stop_partial[0])
			unlink(stop_partial);
		_exit(128 + sig);
	}
	pv_stop_sig = sig;
}

void pv_stop_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a waiting read returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

void pv_stop_partial(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (n >= sizeof stop_partial)
		n = 0;
	stop_partial[0] = '\0';
	if (n) {
		memcpy(stop_partial + 1, path + 1, n - 1);
		stop_partial[n] = '\0';
		stop_partial[0] = path[0];
	}
}

int pv_stop_status(void)
{
	return pv_stop_sig ? 128 + pv_stop_sig : 0;
}
