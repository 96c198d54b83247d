/*
 * table.h - records laid out for a person at a terminal: an aligned table
 * of the most useful columns, long values shortened to fit the width.
 *
 * The writer (rec.c) feeds it the display text of each cell; the table
 * holds every row until it is printed (a person reads a screenful, so the
 * memory is that of the listing).  Cells are UTF-8; control characters
 * were already replaced by the writer.
 */
#ifndef PV_TABLE_H
#define PV_TABLE_H

#include "util.h"

struct pv_table;

/* columns: the columns to show, comma-separated, in order (those no row
 * has are left out); NULL: every key, in order of first appearance.
 * PV_TABLE_VERTICAL: one record as "key  value" lines (a show command);
 * PV_TABLE_UNION: columns first, then every other key a row has (CSV). */
enum { PV_TABLE_VERTICAL = 1, PV_TABLE_UNION = 2 };
struct pv_table *pv_table_new(const char *columns, int flags);
void pv_table_row(struct pv_table *t);
void pv_table_cell(struct pv_table *t, const char *key, size_t klen,
		   const char *val, size_t vlen);
/* Lay the table out into out; width 0: no limit; bold: the header in
 * bold (a terminal without NO_COLOR). */
void pv_table_render(struct pv_table *t, struct pv_buf *out, int width,
		     int bold);
/* The cells as CSV lines (they are CSV cells already) under a header of
 * every column, keys encoded by cell(): RFC 4180, CRLF. */
void pv_table_csv(struct pv_table *t, struct pv_buf *out,
		  void (*cell)(struct pv_buf *, const char *, size_t, int));
long pv_table_rows(const struct pv_table *t);
void pv_table_free(struct pv_table *t);

/* The width of the terminal on fd: COLUMNS when set to a number, else
 * the terminal's, else 0 (no limit). */
int pv_term_width(int fd);
/* May the output on fd be coloured: a terminal, and NO_COLOR unset or
 * empty (https://no-color.org). */
int pv_term_color(int fd);

#endif
