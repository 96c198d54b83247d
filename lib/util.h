/*
 * util.h - status codes, error reporting, memory and string buffers.
 *
 * Every library function that can fail takes a struct pv_err * and returns
 * a pv_status (0 on success).  On failure it fills the error with the status
 * and a message in the house style: lowercase, no full stop, the problem
 * first, the subject in quotes, no personal data.  Library functions never
 * print and never exit; only cmd/ turns an error into a message and an exit
 * status.  The one exception is running out of memory: the x*() allocators
 * print and exit 70, as git's do.
 */
#ifndef PV_UTIL_H
#define PV_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum pv_status {
	PV_OK = 0,
	PV_PARTIAL = 1,      /* done, but some records failed or nothing matched */
	PV_USAGE = 64,       /* usage error */
	PV_DATAERR = 65,     /* bad input data */
	PV_NOINPUT = 66,     /* named subject, request or file does not exist */
	PV_UNAVAILABLE = 69, /* the other side refused for good */
	PV_SOFTWARE = 70,    /* internal error */
	PV_IOERR = 74,       /* I/O error */
	PV_TEMPFAIL = 75,    /* temporary failure: retry later */
	PV_NOPERM = 77,      /* permission */
	PV_CONFIG = 78,      /* configuration error */
};

struct pv_err {
	int status;
	char msg[1024];
};

/* Set e (when not NULL) and return status. */
int pv_fail(struct pv_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pv_err_clear(struct pv_err *e);

/* Program name for diagnostics, set once by main. */
extern const char *pv_progname;
extern int pv_verbose; /* -v: personal data may appear in diagnostics */
extern int pv_quiet;   /* -q */
void pv_set_progname(const char *argv0);

/*
 * SIGTERM and SIGINT for the tools that work through a stream of records
 * (dsar-erase, dsar-export): pv_stop_install makes the first one only set
 * pv_stop_sig, and interrupt a read of the input that waits, so that the
 * tool finishes the record in hand, commits and reports what it did, and
 * exits with pv_stop_status() (143 for SIGTERM, 130 for SIGINT).  A
 * second signal ends the process at once, removing the file named by
 * pv_stop_partial (a document being written) first.
 */
#include <signal.h>
extern volatile sig_atomic_t pv_stop_sig;
void pv_stop_install(void);
void pv_stop_partial(const char *path); /* NULL: none */
int pv_stop_status(void);

/* "prog: message\n" on stderr. */
void pv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pv_report(const struct pv_err *e);

/* The worse of two statuses, for a run over many records: a hard error
 * beats "partial", which beats success. */
int pv_status_merge(int a, int b);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable byte buffer, always NUL-terminated when s != NULL. */
struct pv_buf {
	char *s;
	size_t len, cap;
};
void pv_buf_grow(struct pv_buf *b, size_t extra);
void pv_buf_adds(struct pv_buf *b, const char *s);

/* Inline: an export writes every byte through these (bench/RESULTS.md).
 * cap > len whenever s != NULL (the NUL), so the room test cannot
 * overflow. */
static inline void pv_buf_add(struct pv_buf *b, const void *p, size_t n)
{
	if (n >= b->cap - b->len)
		pv_buf_grow(b, n);
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static inline void pv_buf_addc(struct pv_buf *b, char c)
{
	if (b->cap - b->len < 2)
		pv_buf_grow(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}
void pv_buf_addf(struct pv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pv_buf_reset(struct pv_buf *b);
void pv_buf_free(struct pv_buf *b);
/* Hand the string over to the caller (never NULL); the buffer is emptied. */
char *pv_buf_detach(struct pv_buf *b);

/* Strict UTF-8 check (no overlongs, no surrogates, nothing above U+10FFFF). */
int pv_utf8_valid(const char *s, size_t n);

/* Strict decimal parsing: the whole string, no sign unless allowed. */
int pv_parse_ll(const char *s, long long *out);

/* A plausible e-mail address (addr-spec, no display name, no spaces,
 * no CR/LF, one @, a dot in the domain). */
int pv_email_valid(const char *s);
/* Any control character (below 0x20, or DEL)? NULL has none. */
int pv_has_ctl(const char *s);
/*
 * Plain-text transports (smtp.tls: none, http:// webhooks) only towards
 * the machine itself: pv_addr_loopback is 127.0.0.0/8, ::1 or an IPv4-
 * mapped 127.x; pv_host_loopback is true when HOST (a name, an address,
 * or [an IPv6 address]) resolves, and only to loopback addresses (a name
 * like "127.attacker.example" is whatever its DNS says).
 */
struct sockaddr;
int pv_addr_loopback(const struct sockaddr *sa);
int pv_host_loopback(const char *host);

/* Slug: [a-z0-9][a-z0-9-]{0,62} */
int pv_slug_valid(const char *s);

/* Secure memory wipe for secrets. */
void pv_wipe(void *p, size_t n);

/* Read a whole small file (secrets, templates).  With must_be_private,
 * a file readable or writable by group or others is refused (77). */
int pv_read_file(const char *path, int must_be_private, char **out,
		 size_t *len, struct pv_err *e);

/* Create the file PATH, mode 0600, holding the LEN bytes of BUF, all or
 * nothing: a crash at any moment leaves no file or the whole one (it is
 * written under a temporary name, flushed, then linked into place).
 * 0, or -1 with errno; EEXIST when PATH exists (another run made it). */
int pv_create_whole(const char *path, const void *buf, size_t len);

#endif
