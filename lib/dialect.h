/*
 * dialect.h - the shapes booking systems write their exports in: the CSV
 * separator, the character encoding, date formats and decimal commas.
 *
 * The CSV reader (rec.c) detects the separator of a file from its header
 * line and decodes other encodings to UTF-8 through iconv (glibc); the
 * import (import.c) turns German and other dates into ISO 8601 and
 * decimal amounts into cents.  Nothing here prints or exits.
 */
#ifndef PV_DIALECT_H
#define PV_DIALECT_H

#include <sys/types.h>
#include <time.h>

#include "util.h"

/* The separators that are detected: ',' ';' '\t'. */
int pv_dialect_delim_valid(int c);
/*
 * The separator of a header line (s, n: the bytes up to and perhaps past
 * its first newline): the most frequent of ',' ';' and tab outside double
 * quotes; ',' when there is none (a one-column file).
 */
char pv_dialect_sniff(const char *s, size_t n);
/* The separator as users write it in messages and options: "';'", "tab". */
const char *pv_dialect_delim_name(char c);

/*
 * Encodings: "utf-8" (the default; a BOM is skipped), "windows-1252",
 * "iso-8859-1", "iso-8859-15", "utf-16" (with BOM, else big-endian),
 * "utf-16le", "utf-16be"; case does not matter, "cp1252" and "latin1" are
 * understood.  The canonical name, or NULL when unknown.
 */
const char *pv_dialect_encoding(const char *name);
/* The words of the option, for messages and --help. */
#define PV_DIALECT_ENCODINGS "utf-8, windows-1252, iso-8859-1, " \
	"iso-8859-15, utf-16, utf-16le, utf-16be"

/*
 * Bytes that are not UTF-8 (a cell the reader refused): the message for
 * it, naming the likely encoding and the option, e.g. "invalid UTF-8:
 * looks like windows-1252 (try --encoding windows-1252)".  A static
 * string.  nul: the cell held a NUL byte (UTF-16 text read as UTF-8).
 */
const char *pv_dialect_utf8_hint(const char *s, size_t n, int nul);

/*
 * A decoder from an encoding to UTF-8, over any source of bytes (a file
 * descriptor, or memory for tests and fuzzing).  Bytes that are not valid
 * in the encoding are an error (EILSEQ); a sequence cut off at the end of
 * the input too (EINVAL).
 */
typedef ssize_t (*pv_dec_src)(void *arg, char *buf, size_t n);
struct pv_dec;
/* PV_USAGE "unknown encoding" when iconv does not know it. */
int pv_dec_open(const char *encoding, pv_dec_src src, void *arg,
		struct pv_dec **out, struct pv_err *e);
/* Up to n bytes of UTF-8 into buf (n >= 8): their count, 0 at the end,
 * -1 with errno set (EILSEQ, EINVAL, or the source's). */
ssize_t pv_dec_read(struct pv_dec *d, char *buf, size_t n);
/* Bytes of input consumed so far (for "at byte N" in messages). */
unsigned long long pv_dec_offset(const struct pv_dec *d);
void pv_dec_close(struct pv_dec *d);

/*
 * A date as salons' software writes it, into "YYYY-MM-DD": ISO 8601
 * (YYYY-MM-DD), German DD.MM.YYYY and D.M.YY (also with '/' or '-' after
 * a day), or the strptime(3) format fmt (e.g. "%m/%d/%Y") when given.  A
 * two-digit year is in the century that puts it at most this_year (a
 * birthday 1.2.80 is 1980).  0, or -1 when it is not a real date.
 */
int pv_dialect_date(const char *v, const char *fmt, int this_year,
		    char out[11]);
/*
 * A local date and time ("24.11.2026 14:30", "2026-11-24 14:30:00", or
 * fmt with %H:%M) as its parts: 0, or -1.  The import turns them into UTC
 * in the location's time zone.
 */
struct pv_local_time {
	int y, m, d, hh, mm, ss;
};
int pv_dialect_local_time(const char *v, const char *fmt, int this_year,
			  struct pv_local_time *out);
/*
 * An amount of money as a decimal ("1.234,50", "35,5", "35.00", "-12",
 * with an optional " €" or " EUR") into cents: 0, or -1.  The separator
 * followed by one or two digits at the end is the decimal one; the other
 * one separates thousands.
 */
int pv_dialect_amount(const char *v, long long *cents);

#endif
