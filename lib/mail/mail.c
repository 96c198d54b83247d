/*
 * mail.c - RFC 5322 messages with GMime, and {{placeholder}} templates.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <sodium.h>

#include "mail.h"

static void mail_init_once(void)
{
	g_mime_init();
}

/* Once, from whichever thread renders first (consent-send renders on
 * its connections' threads). */
static void mail_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, mail_init_once);
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* The header section (up to the first empty line) is 7-bit. */
static int headers_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return 0;
		if (s[i] == '\n' && i + 2 < n && s[i + 1] == '\r' &&
		    s[i + 2] == '\n')
			return 1;
	}
	return 1;
}

/* A header value from data: CR, LF, NUL and other C0 controls become
 * spaces, so that nothing from data can start a new header line. */
static char *header_clean(const char *s)
{
	char *r, *p;

	if (!s)
		return NULL;
	r = xstrdup(s);
	for (p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	/* Invalid UTF-8 would reach the header as raw 8-bit bytes (GMime
	 * encodes only what it can decode): replace the non-ASCII. */
	if (!pv_utf8_valid(r, strlen(r)))
		for (p = r; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	return r;
}

char *pv_mail_new_msgid(const char *from)
{
	unsigned char rnd[16];
	char hex[33];
	const char *at = from ? strrchr(from, '@') : NULL;
	const char *dom = at && at[1] ? at + 1 : "localhost";
	char *dclean, *r;

	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	dclean = header_clean(dom);
	r = xasprintf("<%s@%s>", hex, dclean);
	free(dclean);
	return r;
}

static void add_mailbox(GMimeMessage *msg, GMimeAddressType type,
			const char *name, const char *addr)
{
	char *n = header_clean(name);
	InternetAddress *ia = internet_address_mailbox_new(n ? n : "", addr);

	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(g_mime_message_get_addresses(msg, type), ia);
	g_object_unref(ia);
	free(n);
}

/* Text with LF line ends becomes CRLF; lone CRs become CRLF too (NULs
 * are dropped).  Written in runs: a byte at a time was a tenth of a
 * consent mail's cost. */
static void body_crlf(struct pv_buf *b, const char *s, size_t n)
{
	size_t i = 0;

	pv_buf_grow(b, n + n / 8 + 3);
	while (i < n) {
		size_t j = i;

		while (j < n && s[j] != '\r' && s[j] != '\n' && s[j] != '\0')
			j++;
		pv_buf_add(b, s + i, j - i);
		if (j == n)
			break;
		if (s[j] != '\0')
			pv_buf_add(b, "\r\n", 2);
		if (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
			j++;
		i = j + 1;
	}
	if (!b->len || b->s[b->len - 1] != '\n')
		pv_buf_add(b, "\r\n", 2);
}

/* A structured header of URLs (List-Unsubscribe): GMime would fold its
 * long words as RFC 2047 encoded-words, which no mail program reads as
 * URLs.  ASCII values are written as they are, folded after commas. */
static void append_structured(GMimeObject *obj, const char *name,
			      const char *value)
{
	char *v = header_clean(value), *p;
	GMimeHeader *h;
	struct pv_buf raw = {0};
	size_t col = strlen(name) + 1;
	int ascii = 1;

	for (p = v; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = 0;
	g_mime_object_append_header(obj, name, v, "utf-8");
	h = g_mime_header_list_get_header(g_mime_object_get_header_list(obj),
					  name);
	if (ascii && h) {
		for (p = v; *p;) {
			size_t n = strcspn(p, ",");

			if (p != v && col + 1 + n > 78) {
				pv_buf_adds(&raw, "\n");
				col = 0;
			}
			pv_buf_addf(&raw, " %.*s", (int)n, p);
			col += n + 1;
			p += n;
			if (*p == ',') {
				pv_buf_adds(&raw, ",");
				col++;
				p++;
				while (*p == ' ')
					p++;
			}
		}
		pv_buf_adds(&raw, "\n");
		g_mime_header_set_raw_value(h, raw.s);
		pv_buf_free(&raw);
	}
	free(v);
}

/* Decode the text of an encoded word (B or Q) into b; 0 if malformed. */
static int ew_decode(char enc, const char *t, size_t n, struct pv_buf *b)
{
	size_t i;

	if (enc == 'b' || enc == 'B') {
		unsigned char *bin = xmalloc(n + 1);
		size_t bl = 0;
		int r = sodium_base642bin(bin, n + 1, t, n, NULL, &bl, NULL,
					  sodium_base64_VARIANT_ORIGINAL);

		if (r == 0)
			pv_buf_add(b, bin, bl);
		free(bin);
		return r == 0;
	}
	for (i = 0; i < n; i++) {
		if (t[i] == '_') {
			pv_buf_addc(b, ' ');
		} else if (t[i] == '=' && i + 2 < n &&
			   isxdigit((unsigned char)t[i + 1]) &&
			   isxdigit((unsigned char)t[i + 2])) {
			char hx[3] = {t[i + 1], t[i + 2], 0};

			pv_buf_addc(b, (char)strtol(hx, NULL, 16));
			i += 2;
		} else if (t[i] == '=') {
			return 0;
		} else {
			pv_buf_addc(b, t[i]);
		}
	}
	return 1;
}

/* RFC 2047 section 2: an encoded word is at most 75 characters.  GMime
 * writes a long run of non-ASCII text (a long German word, a name) as
 * one word of any length; such a word is split here into several
 * B-encoded words of whole UTF-8 characters, each on its own folded
 * line (adjacent encoded words are read as one text, section 6.2). */
#define EW_MAX 75
static void split_encoded_words(struct pv_buf *out)
{
	const char *s = out->s, *end, *hend = NULL, *p;
	struct pv_buf r = {0}, dec = {0};

	end = s + out->len;
	for (p = s; p + 3 < end; p++)
		if (memcmp(p, "\r\n\r\n", 4) == 0) {
			hend = p + 2;
			break;
		}
	if (!hend)
		return;
	p = s;
	while (p < hend) {
		const char *w = memmem(p, (size_t)(hend - p), "=?", 2);
		const char *q1, *we;
		char cs[32];
		size_t cl;

		if (!w)
			break;
		q1 = memchr(w + 2, '?', (size_t)(hend - w - 2));
		/* an encoded word is one token: its charset and text are
		 * printable ASCII without space or '?' (section 2), so it
		 * never reaches across a line into the next header field */
		we = q1 && q1 + 3 < hend && q1[2] == '?' ? q1 + 3 : NULL;
		while (we && we < hend && *we > ' ' && *we < 0x7f && *we != '?')
			we++;
		if (we && (we + 1 >= hend || we[0] != '?' || we[1] != '='))
			we = NULL;
		for (const char *c = w + 2; we && c < q1; c++)
			if (*c <= ' ' || *c >= 0x7f)
				we = NULL;
		if (!we || (cl = (size_t)(q1 - w - 2)) >= sizeof cs) {
			pv_buf_add(&r, p, (size_t)(w + 2 - p));
			p = w + 2;
			continue;
		}
		pv_buf_add(&r, p, (size_t)(w - p));
		memcpy(cs, w + 2, cl);
		cs[cl] = '\0';
		dec.len = 0;
		if ((size_t)(we + 2 - w) <= EW_MAX ||
		    strcasecmp(cs, "utf-8") != 0 ||
		    !ew_decode(q1[1], q1 + 3, (size_t)(we - q1 - 3), &dec)) {
			pv_buf_add(&r, w, (size_t)(we + 2 - w));
			p = we + 2;
			continue;
		}
		{
			/* "=?UTF-8?b?" + base64 of 45 bytes (60) + "?=" */
			size_t i = 0, first = 1;

			while (i < dec.len) {
				size_t n = dec.len - i > 45 ? 45 : dec.len - i;
				char b64[64];

				/* back to the start of a UTF-8 character */
				while (n > 1 && i + n < dec.len &&
				       ((unsigned char)dec.s[i + n] & 0xc0) ==
				       0x80)
					n--;
				sodium_bin2base64(b64, sizeof b64,
						  (const unsigned char *)dec.s + i,
						  n,
						  sodium_base64_VARIANT_ORIGINAL);
				if (!first)
					pv_buf_adds(&r, "\r\n ");
				pv_buf_addf(&r, "=?UTF-8?b?%s?=", b64);
				first = 0;
				i += n;
			}
		}
		p = we + 2;
	}
	pv_buf_add(&r, p, (size_t)(end - p));
	pv_buf_free(&dec);
	pv_buf_reset(out);
	pv_buf_add(out, r.s, r.len);
	pv_buf_free(&r);
}

/*
 * The plain message (one text/plain part, no attachment) written directly:
 * what GMime writes for it, without its object tree, which cost 0.65 M
 * instructions per message (bench/RESULTS.md).  Only for short header
 * values; a display name that is not a plain phrase and a subject that
 * is not plain ASCII are still encoded by GMime's own functions.  Returns
 * 0 when written, -1 to leave the message to the general path.
 */
enum { FAST_MAX = 512, FOLD_AT = 78 };

/* "Name: value" folded before a space when a line would pass FOLD_AT. */
static void fold_header(struct pv_buf *out, const char *name,
			const char *value)
{
	size_t col = strlen(name) + 1;
	const char *p = value;

	pv_buf_adds(out, name);
	pv_buf_addc(out, ':');
	while (*p) {
		/* a token: the spaces before a word and the word */
		size_t n = strspn(p, " ");

		n += strcspn(p + n, " ");
		if (col + (*p == ' ' ? 0 : 1) + n > FOLD_AT &&
		    col > strlen(name) + 1 && *p == ' ') {
			pv_buf_add(out, "\r\n", 2);
			col = 0;
		} else if (col == strlen(name) + 1 && *p != ' ') {
			pv_buf_addc(out, ' ');
			col++;
		}
		pv_buf_add(out, p, n);
		col += n;
		p += n;
	}
	if (col == strlen(name) + 1)
		pv_buf_addc(out, ' ');
	pv_buf_add(out, "\r\n", 2);
}

/* Printable ASCII, nothing a reader could take for an encoded word. */
static int plain_text(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return 0;
	return strstr(s, "=?") == NULL;
}

/* A phrase of atoms (RFC 5322 3.2.3) separated by single spaces. */
static int plain_phrase(const char *s)
{
	const char *p;

	if (!*s || *s == ' ')
		return 0;
	for (p = s; *p; p++) {
		if (*p == ' ') {
			if (p[1] == ' ' || p[1] == '\0')
				return 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80)
			if (!strchr("!#$%&'*+-/=?^_`{|}~", *p))
				return 0;
	}
	return strstr(s, "=?") == NULL;
}

static int fast_mailbox(struct pv_buf *out, const char *hname,
			const char *name, const char *addr)
{
	char *n = header_clean(name);
	char *v;

	if (!n || !*n) {
		v = xstrdup(addr);
	} else if (strlen(n) > FAST_MAX) {
		free(n);
		return -1;
	} else if (plain_phrase(n)) {
		v = xasprintf("%s <%s>", n, addr);
	} else {
		InternetAddress *ia;
		char *g;

		mail_init();
		ia = internet_address_mailbox_new(n, addr);
		internet_address_set_charset(ia, "utf-8");
		g = internet_address_to_string(ia, NULL, TRUE);
		g_object_unref(ia);
		v = g ? xstrdup(g) : NULL;
		g_free(g);
		if (!v) {
			free(n);
			return -1;
		}
	}
	free(n);
	fold_header(out, hname, v);
	free(v);
	return 0;
}

/* Quoted-printable (RFC 2045 6.7) of text with CRLF line ends: lines of
 * at most 76 characters, soft breaks with '=', a space or tab before a
 * line end encoded. */
static void qp_encode(struct pv_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, col = 0;
	char *o;

	/* at most 3 bytes a byte, and a soft break each 25 of them (at
	 * least; 20 here for room) */
	pv_buf_grow(out, 3 * n + 3 * (n / 20 + 2) + 1);
	o = out->s + out->len;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int eol, enc;
		size_t tl;

		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
			i++;
			continue;
		}
		eol = i + 1 == n || (s[i + 1] == '\r' && i + 2 < n &&
				     s[i + 2] == '\n');
		enc = c == '=' || c > 126 || (c < 32 && c != '\t') ||
		      ((c == ' ' || c == '\t') && eol);
		tl = enc ? 3 : 1;
		/* room for the token and, unless the line ends after it, a
		 * soft break */
		if (col + tl > (eol ? 76u : 75u)) {
			*o++ = '=';
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
		}
		if (enc) {
			*o++ = '=';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
		col += tl;
	}
	out->len = (size_t)(o - out->s);
	out->s[out->len] = '\0';
}

static void fast_date(struct pv_buf *out, time_t date)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu",
					 "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May",
					 "Jun", "Jul", "Aug", "Sep", "Oct",
					 "Nov", "Dec"};
	struct tm tm;

	gmtime_r(&date, &tm);
	pv_buf_addf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
		    wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon],
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int render_fast(const struct pv_mail *m, time_t date,
		       const char *idcore, struct pv_buf *out)
{
	char *subject;
	struct pv_buf body = {0};
	size_t start = out->len;

	if (m->nattach || !plain_text(idcore) || strchr(idcore, ' ') ||
	    strpbrk(idcore, "<>") || strlen(idcore) > FAST_MAX)
		return -1;
	for (const char *const *h = m->headers; h && h[0] && h[1]; h += 2)
		if (!plain_text(h[1]) || strlen(h[1]) > 4 * FAST_MAX)
			return -1;
	subject = header_clean(m->subject ? m->subject : "");
	if (strlen(subject) > FAST_MAX) {
		free(subject);
		return -1;
	}
	fast_date(out, date);
	if (fast_mailbox(out, "From", m->from_name, m->from))
		goto fallback;
	if (m->reply_to && pv_email_valid(m->reply_to) &&
	    is_ascii(m->reply_to) &&
	    fast_mailbox(out, "Reply-To", NULL, m->reply_to))
		goto fallback;
	if (plain_text(subject)) {
		fold_header(out, "Subject", subject);
	} else {
		char *g;

		mail_init();
		g = g_mime_utils_header_encode_text(NULL, subject, "utf-8");
		if (!g)
			goto fallback;
		fold_header(out, "Subject", g);
		g_free(g);
	}
	if (fast_mailbox(out, "To", m->to_name, m->to))
		goto fallback;
	pv_buf_adds(out, "Auto-Submitted: auto-generated\r\n");
	pv_buf_addf(out, "Message-Id: <%s>\r\n", idcore);
	/* as append_structured: folded after commas */
	for (const char *const *h = m->headers; h && h[0] && h[1]; h += 2) {
		size_t col = strlen(h[0]) + 1;
		const char *v = h[1], *p;

		pv_buf_adds(out, h[0]);
		pv_buf_addc(out, ':');
		for (p = v; *p;) {
			size_t n = strcspn(p, ",");

			if (p != v && col + 1 + n > 78) {
				pv_buf_add(out, "\r\n", 2);
				col = 0;
			}
			pv_buf_addc(out, ' ');
			pv_buf_add(out, p, n);
			col += n + 1;
			p += n;
			if (*p == ',') {
				pv_buf_addc(out, ',');
				col++;
				p++;
				while (*p == ' ')
					p++;
			}
		}
		pv_buf_add(out, "\r\n", 2);
	}
	pv_buf_adds(out, "MIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	body_crlf(&body, m->body ? m->body : "", m->body ? strlen(m->body) : 0);
	qp_encode(out, body.s, body.len);
	pv_buf_free(&body);
	free(subject);
	return 0;
fallback:
	free(subject);
	out->len = start;
	return -1;
}

int pv_mail_render(const struct pv_mail *m, time_t date, struct pv_buf *out,
		   char **msgid, struct pv_err *e)
{
	GMimeMessage *msg;
	GMimeTextPart *text;
	GMimeFormatOptions *fo;
	GMimeStream *stream;
	GByteArray *bytes;
	GDateTime *dt;
	struct pv_buf body = {0};
	char *subject, *id, *idcore;
	size_t n;

	if (!m->from || !pv_email_valid(m->from) || !is_ascii(m->from))
		return pv_fail(e, PV_CONFIG, "mail: not a valid sender address");
	if (!m->to || !pv_email_valid(m->to))
		return pv_fail(e, PV_DATAERR,
			       "mail: not a valid recipient address");
	/* An address cannot be RFC 2047 encoded; UTF-8 in one needs
	 * SMTPUTF8 (RFC 6531), which is not supported. */
	if (!is_ascii(m->to))
		return pv_fail(e, PV_DATAERR, "mail: recipient address is not "
			       "ASCII (internationalised addresses are not "
			       "supported)");
	if (m->body && !pv_utf8_valid(m->body, strlen(m->body)))
		return pv_fail(e, PV_DATAERR, "mail: body is not valid UTF-8");
	if (m->message_id) {
		char *c = header_clean(m->message_id), *p;

		/* A Message-ID is ASCII (RFC 5322 msg-id), never encoded. */
		for (p = c; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		id = xasprintf("%s", c);
		free(c);
	} else {
		id = pv_mail_new_msgid(m->from);
	}
	n = strlen(id);
	idcore = (n > 2 && id[0] == '<' && id[n - 1] == '>')
		 ? xstrndup(id + 1, n - 2) : xstrdup(id);
	pv_buf_reset(out);
	if (render_fast(m, date, idcore, out) == 0) {
		free(idcore);
		goto written;
	}
	mail_init();

	msg = g_mime_message_new(TRUE);
	add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from);
	add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, m->to_name, m->to);
	if (m->reply_to && pv_email_valid(m->reply_to) &&
	    is_ascii(m->reply_to))
		add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, NULL,
			    m->reply_to);
	subject = header_clean(m->subject ? m->subject : "");
	g_mime_message_set_subject(msg, subject, "utf-8");
	free(subject);
	dt = g_date_time_new_from_unix_utc((gint64)date);
	g_mime_message_set_date(msg, dt);
	g_date_time_unref(dt);
	/* RFC 3834 5.1: no auto-responder answers a machine's message. */
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
				 "auto-generated", NULL);

	g_mime_message_set_message_id(msg, idcore);
	free(idcore);
	for (const char *const *h = m->headers; h && h[0] && h[1]; h += 2)
		append_structured(GMIME_OBJECT(msg), h[0], h[1]);

	body_crlf(&body, m->body ? m->body : "", m->body ? strlen(m->body) : 0);
	/* Not g_mime_text_part_set_text: it would convert the text to the
	 * smallest charset that holds it (iso-8859-1).  We send UTF-8. */
	text = g_mime_text_part_new_with_subtype("plain");
	{
		GMimeStream *bs = g_mime_stream_mem_new_with_buffer(body.s,
								  body.len);
		GMimeDataWrapper *bw = g_mime_data_wrapper_new_with_stream(
			bs, GMIME_CONTENT_ENCODING_DEFAULT);

		g_mime_part_set_content(GMIME_PART(text), bw);
		g_object_unref(bw);
		g_object_unref(bs);
	}
	g_mime_text_part_set_charset(text, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(text),
					 GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	pv_buf_free(&body);

	if (m->nattach) {
		GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");

		g_mime_multipart_add(mp, GMIME_OBJECT(text));
		g_object_unref(text);
		for (size_t k = 0; k < m->nattach; k++) {
			const struct pv_mail_attach *a = &m->attach[k];
			GMimePart *att;
			GMimeStream *ms;
			GMimeDataWrapper *dw;
			GMimeContentType *ct;
			char *aname = header_clean(a->name ? a->name
						   : "attachment");

			ct = g_mime_content_type_parse(NULL, a->type ? a->type
						       : "application/octet-stream");
			att = g_mime_part_new_with_type(
				g_mime_content_type_get_media_type(ct),
				g_mime_content_type_get_media_subtype(ct));
			if (g_mime_content_type_get_parameter(ct, "charset"))
				g_mime_object_set_content_type_parameter(
					GMIME_OBJECT(att), "charset",
					g_mime_content_type_get_parameter(
						ct, "charset"));
			g_object_unref(ct);
			ms = g_mime_stream_mem_new_with_buffer(a->data, a->len);
			dw = g_mime_data_wrapper_new_with_stream(
				ms, GMIME_CONTENT_ENCODING_DEFAULT);
			g_mime_part_set_content(att, dw);
			g_object_unref(dw);
			g_object_unref(ms);
			g_mime_part_set_filename(att, aname);
			g_mime_object_set_content_disposition_parameter(
				GMIME_OBJECT(att), "filename", aname);
			g_mime_part_set_content_encoding(
				att, GMIME_CONTENT_ENCODING_BASE64);
			free(aname);
			g_mime_multipart_add(mp, GMIME_OBJECT(att));
			g_object_unref(att);
		}
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mp));
		g_object_unref(mp);
	} else {
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(text));
		g_object_unref(text);
	}

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	stream = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, stream);
	g_mime_stream_flush(stream);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	pv_buf_reset(out);
	pv_buf_add(out, bytes->data, bytes->len);
	g_object_unref(stream);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
written:
	split_encoded_words(out);
	/* The last guard: GMime turns an "xn--" domain into Unicode, and an
	 * invalid one into garbage; a header is 7-bit or not sent at all. */
	if (!headers_ascii(out->s, out->len)) {
		free(id);
		pv_buf_reset(out);
		return pv_fail(e, PV_DATAERR, "mail: a header cannot be "
			       "written in ASCII (an address with a bad "
			       "international domain?)");
	}
	if (msgid)
		*msgid = id;
	else
		free(id);
	return PV_OK;
}

int pv_tmpl_render(const char *name, const char *text, pv_tmpl_lookup lookup,
		   void *ctx, struct pv_buf *out, struct pv_err *e)
{
	const char *p = text, *open, *close;
	char key[64];
	size_t klen;

	pv_buf_reset(out);
	pv_buf_adds(out, "");
	while ((open = strstr(p, "{{")) != NULL) {
		const char *v;
		const char *k;

		pv_buf_add(out, p, (size_t)(open - p));
		close = strstr(open + 2, "}}");
		if (!close)
			return pv_fail(e, PV_CONFIG,
				       "template '%s': '{{' without '}}'",
				       name);
		k = open + 2;
		while (k < close && *k == ' ')
			k++;
		klen = (size_t)(close - k);
		while (klen && k[klen - 1] == ' ')
			klen--;
		if (klen == 0 || klen >= sizeof key)
			return pv_fail(e, PV_CONFIG,
				       "template '%s': empty or overlong "
				       "placeholder", name);
		memcpy(key, k, klen);
		key[klen] = '\0';
		/* Names are [A-Za-z0-9_.-]: anything else (a newline, bytes
		 * of another placeholder) must not reach the message. */
		if (strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
			   "qrstuvwxyz0123456789_.-") != klen)
			return pv_fail(e, PV_CONFIG,
				       "template '%s': bad placeholder name",
				       name);
		v = lookup(ctx, key);
		if (!v)
			return pv_fail(e, PV_CONFIG,
				       "template '%s': {{%s}}: unknown "
				       "placeholder", name, key);
		pv_buf_adds(out, v);
		p = close + 2;
	}
	pv_buf_adds(out, p);
	return PV_OK;
}

/* "Subject: ...\n\nbody" into its two parts. */
static int tmpl_split(const char *what, const char *text, char **subject,
		      char **body, struct pv_err *e)
{
	const char *nl, *s;
	size_t n;

	if (strncmp(text, "Subject:", 8) != 0)
		return pv_fail(e, PV_CONFIG, "template '%s': the first line "
			       "must be 'Subject: ...'", what);
	s = text + 8;
	while (*s == ' ' || *s == '\t')
		s++;
	nl = strchr(s, '\n');
	n = nl ? (size_t)(nl - s) : strlen(s);
	if (n && s[n - 1] == '\r')
		n--;
	if (nl && (nl[1] == '\n' || (nl[1] == '\r' && nl[2] == '\n')))
		nl += nl[1] == '\n' ? 2 : 3;
	else if (nl)
		return pv_fail(e, PV_CONFIG, "template '%s': an empty line "
			       "must follow the subject", what);
	*subject = xstrndup(s, n);
	*body = xstrdup(nl ? nl : "");
	return PV_OK;
}

int pv_tmpl_load(const struct pv_cfg *cfg, const char *name, const char *lang,
		 const char *builtin, char **subject, char **body,
		 struct pv_err *e)
{
	const char *dir = pv_cfg_str(cfg, "templates", NULL);
	char *path, *text = NULL;
	int st;

	if (dir && *dir) {
		path = xasprintf("%s/%s.%s.txt", dir, name, lang);
		st = pv_read_file(path, 0, &text, NULL, e);
		if (st == PV_NOINPUT) {
			text = NULL;
		} else if (st) {
			free(path);
			return st;
		} else if (!pv_utf8_valid(text, strlen(text))) {
			free(text);
			st = pv_fail(e, PV_CONFIG, "template '%s': not valid "
				     "UTF-8", path);
			free(path);
			return st;
		}
		if (text) {
			st = tmpl_split(path, text, subject, body, e);
			free(text);
			free(path);
			return st;
		}
		free(path);
	}
	if (!builtin)
		return pv_fail(e, PV_CONFIG, "template '%s.%s': not found",
			       name, lang);
	return tmpl_split(name, builtin, subject, body, e);
}
