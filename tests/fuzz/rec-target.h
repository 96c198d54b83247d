/*
 * rec-target.h - the record readers under fuzzing; included by
 * fuzz-rec-ndjson.c, fuzz-rec-json.c and fuzz-rec-csv.c with FUZZ_FMT set.
 *
 * Invariants checked for every input:
 * - the reader ends: at most one record or error per input byte (+1);
 * - an error is PV_DATAERR or PV_IOERR with a one-line message that starts
 *   with the input's name and holds no control characters;
 * - keys and values are valid UTF-8, line numbers start at 1 and never go
 *   back;
 * - every record written as NDJSON by pv_writer reads back identically,
 *   and (CSV) written as CSV reads back as pv_csv_neutralise makes it
 *   (a ' before a formula at the start or after a separator).
 */
#include <string.h>

#include "dialect.h"
#include "fuzz.h"
#include "rec.h"

static void check_err(const struct pv_err *e)
{
	FUZZ_CHECK(e->status == PV_DATAERR || e->status == PV_IOERR);
	FUZZ_CHECK(strncmp(e->msg, "fuzz:", 5) == 0);
	for (const char *p = e->msg; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void check_same(const struct pv_rec *a, const struct pv_rec *b)
{
	FUZZ_CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		FUZZ_CHECK(strcmp(a->keys[i], b->keys[i]) == 0);
		FUZZ_CHECK(!a->vals[i] == !b->vals[i]);
		FUZZ_CHECK(!a->vals[i] || strcmp(a->vals[i], b->vals[i]) == 0);
	}
}

/* Write r with a fresh writer in fmt, into a memory buffer. */
static char *write_one(const struct pv_rec *r, enum pv_fmt fmt, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct pv_writer *w;
	struct pv_err e;

	FUZZ_CHECK(f != NULL);
	w = pv_writer_new(f, fmt, 0);
	pv_w_begin(w);
	for (size_t i = 0; i < r->n; i++)
		pv_w_str(w, r->keys[i], r->vals[i]);
	pv_w_end(w);
	FUZZ_CHECK(pv_writer_finish(w, &e) == 0);
	fclose(f);
	return buf;
}

static void roundtrip_ndjson(const struct pv_rec *r)
{
	size_t len;
	char *buf = write_one(r, PV_FMT_NDJSON, &len);
	struct pv_input *in = pv_input_mem("rt", buf, len, PV_FMT_NDJSON);
	struct pv_rec back = { 0 };
	struct pv_err e;

	FUZZ_CHECK(len > 0 && buf[len - 1] == '\n');
	FUZZ_CHECK(memchr(buf, '\n', len) == buf + len - 1);
	FUZZ_CHECK(pv_input_next(in, &back, &e) == 1);
	check_same(r, &back);
	FUZZ_CHECK(pv_input_next(in, &back, &e) == 0);
	pv_input_close(in);
	pv_rec_free(&back);
	free(buf);
}

/* Cell as the CSV writer is expected to neutralise it. */
static int same_cell(const char *orig, const char *back)
{
	struct pv_buf b = { 0 };
	int same;

	pv_csv_neutralise(&b, orig, strlen(orig));
	same = strcmp(b.s ? b.s : "", back) == 0;
	pv_buf_free(&b);
	return same;
}

static void roundtrip_csv(const struct pv_rec *r)
{
	size_t len;
	char *buf;
	struct pv_input *in;
	struct pv_rec back = { 0 };
	struct pv_err e;

	/* One empty cell is a blank line, which CSV cannot tell apart. */
	if (r->n == 1 && (!r->vals[0] || !*r->vals[0]))
		return;
	buf = write_one(r, PV_FMT_CSV, &len);
	/* The reader detects the separator from the header line: a header
	 * of unquoted cells full of ';' or tabs reads as that (the records
	 * of the tools have fixed names). */
	if (pv_dialect_sniff(buf, len) != ',') {
		free(buf);
		return;
	}
	in = pv_input_mem("rt", buf, len, PV_FMT_CSV);
	FUZZ_CHECK(pv_input_next(in, &back, &e) == 1);
	FUZZ_CHECK(back.n == r->n);
	for (size_t i = 0; i < r->n; i++) {
		FUZZ_CHECK(same_cell(r->keys[i], back.keys[i]));
		FUZZ_CHECK(same_cell(r->vals[i] ? r->vals[i] : "",
				     back.vals[i]));
	}
	FUZZ_CHECK(pv_input_next(in, &back, &e) == 0);
	pv_input_close(in);
	pv_rec_free(&back);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_input *in = pv_input_mem("fuzz", (const char *)data, size,
					   FUZZ_FMT);
	struct pv_rec r = { 0 };
	struct pv_err e;
	size_t steps = 0;
	long line = 0;
	int rc;

	while ((rc = pv_input_next(in, &r, &e)) != 0) {
		FUZZ_CHECK(++steps <= size + 1);
		if (rc < 0) {
			check_err(&e);
			continue;
		}
		FUZZ_CHECK(rc == 1);
		FUZZ_CHECK(r.line >= 1 && r.line >= line);
		line = r.line;
		for (size_t i = 0; i < r.n; i++) {
			FUZZ_CHECK(pv_utf8_valid(r.keys[i], strlen(r.keys[i])));
			FUZZ_CHECK(!r.vals[i] ||
				   pv_utf8_valid(r.vals[i], strlen(r.vals[i])));
		}
		roundtrip_ndjson(&r);
		if (FUZZ_FMT == PV_FMT_CSV)
			roundtrip_csv(&r);
	}
	/* The end is sticky. */
	FUZZ_CHECK(pv_input_next(in, &r, &e) == 0);
	pv_input_close(in);
	pv_rec_free(&r);
	return 0;
}
