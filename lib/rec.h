/*
 * rec.h - records on stdin and stdout: NDJSON, JSON arrays and CSV.
 *
 * Reading: a record is a flat list of (key, value) strings in input order.
 * JSON numbers and booleans arrive as their text ("42", "true"), JSON null
 * as a NULL value, nested objects and arrays as their compact JSON text.
 * CSV cells are strings; an empty cell is "" (not NULL).  Every value is
 * valid UTF-8 (invalid input is an error); a UTF-8 BOM is skipped; CRLF and
 * LF both end lines; quoted CSV cells may hold newlines.  Memory is
 * constant in the length of the input (one record at a time).
 *
 * Writing: a small streaming writer.  NDJSON writes one object per line,
 * JSON one pretty array (or, with PV_W_SINGLE, one pretty document).  CSV
 * and tables are written at the end: CSV has a header of the record
 * type's columns followed by every other key a record had (no field is
 * lost in a mixed stream; an empty result is the header alone), RFC 4180
 * quoting, and cells that a spreadsheet would run as a formula are
 * neutralised with a leading '.  A table (PV_FMT_TABLE) is aligned text
 * of the type's most useful columns, fitted to the terminal.
 */
#ifndef PV_REC_H
#define PV_REC_H

#include <stdio.h>

#include "util.h"

/* PV_FMT_TABLE: for a person (table.h); pv_fmt_parse never returns it. */
enum pv_fmt {
	PV_FMT_AUTO = 0, PV_FMT_NDJSON, PV_FMT_JSON, PV_FMT_CSV, PV_FMT_TABLE
};

/* "ndjson", "json", "csv" (and "auto" when allow_auto). */
int pv_fmt_parse(const char *s, int allow_auto, enum pv_fmt *out);

struct pv_rec {
	size_t n, cap;
	char **keys;
	char **vals;      /* vals[i] == NULL: JSON null */
	const char *file; /* for messages: the operand, or "stdin" */
	long line;        /* line where the record starts */
	long hline;       /* CSV: the line of the file's header row; else 0 */
	unsigned char *nested; /* nested[i]: JSON object or array (as text) */
	/* private: the buffers of keys and values, kept from record to
	 * record (no malloc and free per field) */
	char **vbuf;
	size_t *kcap, *vcap, nbuf;
};

/* Standard input was closed when the program started (it reads
 * /dev/null instead); reading it is then an error, not an empty input. */
extern int pv_stdin_closed;

/* Value of key, or NULL when absent or null.  Owned by the record. */
const char *pv_rec_get(const struct pv_rec *r, const char *key);
/* Like pv_rec_get but "" counts as absent too. */
const char *pv_rec_val(const struct pv_rec *r, const char *key);
int pv_rec_has(const struct pv_rec *r, const char *key);
/* Was the value of the i-th key a JSON object or array?  (Its value is
 * then its compact JSON text; a text field must refuse it.) */
int pv_rec_nested(const struct pv_rec *r, size_t i);
void pv_rec_clear(struct pv_rec *r); /* keep the allocation for reuse */
/* Append a field (copies key and val; val NULL for null). */
void pv_rec_add(struct pv_rec *r, const char *key, const char *val);
void pv_rec_free(struct pv_rec *r);

/*
 * Input over the operands of a command ("-" or none: stdin), one file after
 * the other.  fmt PV_FMT_AUTO detects each file's format from its first
 * non-blank byte: '{' NDJSON, '[' JSON array, otherwise CSV with a header.
 */
struct pv_input;
struct pv_input *pv_input_open(int nfiles, char **files, enum pv_fmt fmt);
/* A CSV header must name at least one of keys (NULL-terminated, kept by
 * the caller), or the file is bad data at its first line (subjects:
 * one line of garbage is no header of an empty list). */
void pv_input_need_one(struct pv_input *in, const char *const *keys);
/*
 * Next record into *r (which the caller owns and reuses).  Returns 1 for a
 * record, 0 at the end of all input, -1 on error with e set: PV_DATAERR and
 * "file:line: field: reason" for bad data, PV_NOINPUT for a missing file,
 * PV_IOERR for a read error.  After a bad record (PV_DATAERR) the caller may
 * call again to go on with the next record where the format allows it
 * (NDJSON line, JSON array element); when it does not, the next call
 * returns 0 for that file and goes on with the next file.
 */
int pv_input_next(struct pv_input *in, struct pv_rec *r, struct pv_err *e);
void pv_input_close(struct pv_input *in);
/*
 * The CSV dialect (lib/dialect.h), before the first pv_input_next: the
 * separator (0: detected from each file's header line) and the encoding
 * of the files (NULL or "utf-8": UTF-8; others are decoded with iconv;
 * not for pv_input_mem).  PV_USAGE for an unknown separator or encoding.
 */
int pv_input_dialect(struct pv_input *in, char delim, const char *encoding,
		     struct pv_err *e);
/* The separator of the current (or last) CSV file. */
char pv_input_delim(const struct pv_input *in);
/* Parse one buffer of input (for unit tests and fuzzing). */
struct pv_input *pv_input_mem(const char *name, const char *buf, size_t len,
			      enum pv_fmt fmt);

/* Writer. */
enum { PV_W_SINGLE = 1,
       /* CSV written row by row with the first record's keys as its
        * header (constant memory; the records have the same keys) */
       PV_W_STREAM = 2 };
struct pv_writer;
struct pv_writer *pv_writer_new(FILE *f, enum pv_fmt fmt, int flags);
void pv_w_begin(struct pv_writer *w); /* start a top-level record */
void pv_w_end(struct pv_writer *w);   /* end it; NDJSON/CSV flush a line */
/* Fields; key is NULL inside an array.  str with val NULL writes null. */
void pv_w_str(struct pv_writer *w, const char *key, const char *val);
void pv_w_strn(struct pv_writer *w, const char *key, const char *val,
	       size_t len);
void pv_w_int(struct pv_writer *w, const char *key, long long v);
void pv_w_bool(struct pv_writer *w, const char *key, int v);
void pv_w_null(struct pv_writer *w, const char *key);
/* A ready-made JSON text, written as is (must be valid JSON). */
void pv_w_raw(struct pv_writer *w, const char *key, const char *json);
/* A compact JSON text (as this writer makes it without layout: no space
 * outside strings), copied as is: 1.  0 and nothing written when the
 * writer lays its output out (pretty JSON) or makes CSV cells of it; the
 * caller then writes the value field by field.  For a value repeated in
 * every record of a stream, rendered once (export's Art. 15 text). */
int pv_w_compact(struct pv_writer *w, const char *key, const char *json,
		 size_t len);
/* Nested values: in CSV a nested value becomes one cell of compact JSON. */
void pv_w_obj(struct pv_writer *w, const char *key);
void pv_w_arr(struct pv_writer *w, const char *key);
void pv_w_close(struct pv_writer *w);
/* Finish (close a JSON array), flush, and check the stream: PV_IOERR on a
 * failed write.  Frees the writer; does not close f. */
int pv_writer_finish(struct pv_writer *w, struct pv_err *e);
/* Record types and their columns (rectype.c, privacy-records(5)). */
struct pv_rectype {
	const char *name;
	const char *columns; /* CSV: every field, comma-separated */
	const char *table;   /* a table on a terminal: the useful few */
	int vertical;        /* a table lists each record as key and value */
};
const struct pv_rectype *pv_rectype(const char *name);
const struct pv_rectype *pv_rectype_at(size_t i); /* NULL after the last */
/* Name the type of the records to come, before the first: CSV then has a
 * header even with no records, and a table shows the type's columns.
 * NULL: no header after all (the command failed before any record). */
void pv_writer_type(struct pv_writer *w, const char *type);
/* The format the writer writes (PV_FMT_TABLE for a table). */
enum pv_fmt pv_writer_fmt(const struct pv_writer *w);
/* Number of top-level records written so far. */
long pv_writer_count(const struct pv_writer *w);

/* Helpers shared with other writers (export CSV, mail bodies). */
void pv_json_quote(struct pv_buf *b, const char *s, size_t n);
/* RFC 4180 cell with formula neutralisation. */
void pv_csv_cell(struct pv_buf *b, const char *s, size_t n, int neutralise);
/* The text of a cell as pv_csv_cell writes it with neutralise, before
 * RFC 4180 quoting: a ' before a formula at its start, and before one
 * after a ';', ',', tab or line break (past quotes and spaces), where a
 * spreadsheet splitting at another separator would start a cell. */
void pv_csv_neutralise(struct pv_buf *b, const char *s, size_t n);
/* Would a spreadsheet run this cell as a formula? */
int pv_csv_is_formula(const char *s, size_t n);

#endif
