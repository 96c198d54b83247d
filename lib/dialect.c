/*
 * dialect.c - separators, encodings, dates and amounts of real exports.
 *
 * Conversion goes through glibc's iconv: no new dependency, and it knows
 * every encoding a spreadsheet writes.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "dialect.h"

int pv_dialect_delim_valid(int c)
{
	return c == ',' || c == ';' || c == '\t';
}

char pv_dialect_sniff(const char *s, size_t n)
{
	size_t comma = 0, semi = 0, tab = 0;
	int quoted = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (c == '\n' || c == '\r')
			break;
		else if (c == ',')
			comma++;
		else if (c == ';')
			semi++;
		else if (c == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

const char *pv_dialect_delim_name(char c)
{
	return c == ';' ? "';'" : c == '\t' ? "tab" : "','";
}

static const struct {
	const char *name, *canon;
} encodings[] = {
	{"utf-8", "utf-8"},           {"utf8", "utf-8"},
	{"windows-1252", "windows-1252"}, {"cp1252", "windows-1252"},
	{"iso-8859-1", "iso-8859-1"}, {"latin1", "iso-8859-1"},
	{"iso-8859-15", "iso-8859-15"}, {"latin9", "iso-8859-15"},
	{"utf-16", "utf-16"},         {"utf-16le", "utf-16le"},
	{"utf-16be", "utf-16be"},
};

const char *pv_dialect_encoding(const char *name)
{
	for (size_t i = 0; name && i < sizeof encodings / sizeof *encodings;
	     i++)
		if (strcasecmp(name, encodings[i].name) == 0)
			return encodings[i].canon;
	return NULL;
}

const char *pv_dialect_utf8_hint(const char *s, size_t n, int nul)
{
	size_t zeros = 0;

	for (size_t i = 0; i < n; i++)
		zeros += s[i] == '\0';
	/* UTF-16 text read byte by byte: every other byte of Latin text is
	 * NUL, and the BOM is FF FE or FE FF */
	if ((n >= 4 && zeros * 3 >= n) ||
	    (n >= 2 && (((unsigned char)s[0] == 0xff &&
			 (unsigned char)s[1] == 0xfe) ||
			((unsigned char)s[0] == 0xfe &&
			 (unsigned char)s[1] == 0xff))))
		return nul ? "NUL character: looks like utf-16 (try "
			     "--encoding utf-16)" :
			     "invalid UTF-8: looks like utf-16 (try "
			     "--encoding utf-16)";
	if (nul)
		return "NUL character";
	/* Single bytes of 0x80-0xFF: one of the 8-bit code pages.  German
	 * Excel and most Windows software write windows-1252, which agrees
	 * with iso-8859-1 on every letter. */
	return "invalid UTF-8: looks like windows-1252 (try --encoding "
	       "windows-1252, or --encoding iso-8859-1)";
}

/* ---- decoding ---------------------------------------------------------- */

enum { RAW = 16384 };

struct pv_dec {
	iconv_t cd;
	pv_dec_src src;
	void *arg;
	char raw[RAW];
	size_t rpos, rlen;
	int eof;
	unsigned long long off;
};

int pv_dec_open(const char *encoding, pv_dec_src src, void *arg,
		struct pv_dec **out, struct pv_err *e)
{
	const char *canon = pv_dialect_encoding(encoding);
	struct pv_dec *d;
	iconv_t cd;

	*out = NULL;
	if (!canon)
		return pv_fail(e, PV_USAGE, "unknown encoding '%s' (%s)",
			       encoding ? encoding : "", PV_DIALECT_ENCODINGS);
	cd = iconv_open("UTF-8", canon);
	if (cd == (iconv_t)-1)
		return pv_fail(e, PV_USAGE, "encoding '%s' not supported "
			       "here: %s", canon, strerror(errno));
	d = xcalloc(1, sizeof *d);
	d->cd = cd;
	d->src = src;
	d->arg = arg;
	*out = d;
	return PV_OK;
}

ssize_t pv_dec_read(struct pv_dec *d, char *buf, size_t n)
{
	char *o = buf;
	size_t olen = n;

	for (;;) {
		char *i = d->raw + d->rpos;
		size_t ilen = d->rlen - d->rpos, r;

		if (ilen) {
			r = iconv(d->cd, &i, &ilen, &o, &olen);
			d->off += (size_t)(i - (d->raw + d->rpos));
			d->rpos = (size_t)(i - d->raw);
			if (r == (size_t)-1 && errno == EILSEQ)
				return o > buf ? o - buf : -1;
			if (r == (size_t)-1 && errno == E2BIG)
				return o - buf; /* buf is full (n >= 8) */
			/* EINVAL: a sequence cut by the end of raw: more */
		}
		if (o > buf)
			return o - buf;
		if (d->eof) {
			if (d->rpos < d->rlen) {
				errno = EINVAL;
				return -1;
			}
			return 0;
		}
		/* keep the cut sequence, read more behind it */
		memmove(d->raw, d->raw + d->rpos, d->rlen - d->rpos);
		d->rlen -= d->rpos;
		d->rpos = 0;
		{
			ssize_t got = d->src(d->arg, d->raw + d->rlen,
					     RAW - d->rlen);

			if (got < 0)
				return -1;
			if (got == 0)
				d->eof = 1;
			d->rlen += (size_t)got;
		}
	}
}

unsigned long long pv_dec_offset(const struct pv_dec *d)
{
	return d->off;
}

void pv_dec_close(struct pv_dec *d)
{
	if (!d)
		return;
	iconv_close(d->cd);
	free(d);
}

/* ---- dates, times, amounts -------------------------------------------- */

/* 1 to max digits at *p: their value, or -1. */
static int digits(const char **p, int min, int max)
{
	int v = 0, k = 0;

	while (k < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		k++;
	}
	return k >= min ? v : -1;
}

static int full_year(int y, int ndig, int this_year)
{
	if (ndig == 4)
		return y;
	y += this_year / 100 * 100;
	return y > this_year ? y - 100 : y;
}

static int valid_date(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= pv_days_in_month(y, m);
}

/* The date part at *p: ISO or German; *p moves past it. */
static int date_part(const char **p, int this_year, int *y, int *m, int *d)
{
	const char *s = *p, *q;
	int a, b, c;

	q = s;
	if ((a = digits(&q, 4, 4)) >= 0 && *q == '-') {
		q++;
		if ((b = digits(&q, 2, 2)) < 0 || *q++ != '-' ||
		    (c = digits(&q, 2, 2)) < 0)
			return -1;
		*y = a, *m = b, *d = c;
		*p = q;
		return valid_date(*y, *m, *d) ? 0 : -1;
	}
	q = s;
	if ((a = digits(&q, 1, 2)) < 0 || *q++ != '.' ||
	    (b = digits(&q, 1, 2)) < 0 || *q++ != '.')
		return -1;
	s = q;
	if ((c = digits(&q, 2, 4)) < 0 || (q - s != 2 && q - s != 4))
		return -1;
	*y = full_year(c, (int)(q - s), this_year), *m = b, *d = a;
	*p = q;
	return valid_date(*y, *m, *d) ? 0 : -1;
}

/* strptime with fmt, the whole of v. */
static int by_format(const char *v, const char *fmt, struct tm *tm)
{
	const char *end;

	memset(tm, 0, sizeof *tm);
	tm->tm_mday = 1;
	end = strptime(v, fmt, tm);
	if (!end || *end)
		return -1;
	return valid_date(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday) ?
		       0 : -1;
}

int pv_dialect_date(const char *v, const char *fmt, int this_year,
		    char out[11])
{
	const char *p = v;
	int y, m, d;
	struct tm tm;

	if (date_part(&p, this_year, &y, &m, &d) == 0 && *p == '\0')
		goto ok;
	if (!fmt || by_format(v, fmt, &tm) != 0)
		return -1;
	y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
ok:
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return 0;
}

int pv_dialect_local_time(const char *v, const char *fmt, int this_year,
			  struct pv_local_time *t)
{
	const char *p = v;
	struct tm tm;

	memset(t, 0, sizeof *t);
	if (date_part(&p, this_year, &t->y, &t->m, &t->d) == 0 &&
	    (*p == ' ' || *p == 'T')) {
		p++;
		while (*p == ' ')
			p++;
		if ((t->hh = digits(&p, 1, 2)) < 0 || *p++ != ':' ||
		    (t->mm = digits(&p, 2, 2)) < 0)
			return -1;
		if (*p == ':') {
			p++;
			if ((t->ss = digits(&p, 2, 2)) < 0)
				return -1;
		}
		if (*p || t->hh > 23 || t->mm > 59 || t->ss > 59)
			return -1;
		return 0;
	}
	if (!fmt || by_format(v, fmt, &tm) != 0)
		return -1;
	t->y = tm.tm_year + 1900, t->m = tm.tm_mon + 1, t->d = tm.tm_mday;
	t->hh = tm.tm_hour, t->mm = tm.tm_min, t->ss = tm.tm_sec;
	return t->hh <= 23 && t->mm <= 59 && t->ss <= 59 ? 0 : -1;
}

int pv_dialect_amount(const char *v, long long *cents)
{
	char dec = 0, other;
	const char *p = v, *end = v + strlen(v), *last;
	long long whole = 0, frac = 0;
	int neg = 0, nfrac = 0, any = 0;

	/* an optional currency after the number */
	while (end > p && end[-1] == ' ')
		end--;
	if (end - p >= 2 && memcmp(end - 2, "\xe2\x82\xac", 2) == 0)
		return -1; /* a cut euro sign */
	if (end - p >= 3 && memcmp(end - 3, "\xe2\x82\xac", 3) == 0)
		end -= 3;
	else if (end - p >= 3 && memcmp(end - 3, "EUR", 3) == 0)
		end -= 3;
	while (end > p && end[-1] == ' ')
		end--;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	/* the decimal separator: the last ',' or '.' with 1-2 digits after */
	for (last = end; last > p && last[-1] >= '0' && last[-1] <= '9';)
		last--;
	if (last > p && (last[-1] == ',' || last[-1] == '.') &&
	    end - last >= 1 && end - last <= 2)
		dec = last[-1];
	other = dec == ',' ? '.' : dec == '.' ? ',' : 0;
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9') {
			if (dec && p >= last) {
				frac = frac * 10 + (*p - '0');
				nfrac++;
			} else {
				if (whole > 92233720368547757LL / 10)
					return -1;
				whole = whole * 10 + (*p - '0');
			}
			any = 1;
		} else if (dec && *p == dec && p == last - 1) {
			continue;
		} else if ((*p == other || (!dec && (*p == '.' ||
						      *p == ','))) &&
			   any && end - p > 3 && p[1] >= '0' &&
			   p[1] <= '9') {
			/* a thousands separator: three digits follow */
			const char *q = p + 1;

			while (q < end && *q >= '0' && *q <= '9')
				q++;
			if (q - p - 1 != 3)
				return -1;
		} else {
			return -1;
		}
	}
	if (!any)
		return -1;
	if (nfrac == 1)
		frac *= 10;
	*cents = whole * 100 + frac;
	if (neg)
		*cents = -*cents;
	return 0;
}
