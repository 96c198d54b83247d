/*
 * mapping.h - mapping files: a booking system's export columns and values
 * onto the columns of the imports (privacy-mapping(5)).
 *
 * A mapping is a YAML file with the CSV dialect of the export (delimiter,
 * encoding, date_format) and, per import (customers, appointments,
 * invoices), the source columns: each maps to one of our columns (with a
 * value table, a date format or "decimal" for amounts in euros), to a
 * custom attribute kept per customer or appointment, or is ignored.  A
 * kind may name a stable key (one of our columns, e.g. email) that stands
 * in for the external id when the export has none.
 *
 * Loaded once per import; applied to every record.  Nothing here prints.
 */
#ifndef PV_MAPPING_H
#define PV_MAPPING_H

#include "rec.h"
#include "util.h"

struct pv_map;

/*
 * Load a mapping by NAME (looked up as NAME.yaml in $PRIVACY_MAPPINGS, the
 * installed directory PV_MAPPINGDIR, then the mappings/ directory of the
 * tree the binary was built in) or FILE (anything with a '/' or ending in
 * ".yaml").  Used error codes: PV_NOINPUT (no such mapping or file),
 * PV_CONFIG ("file:line: key: reason" for a malformed mapping).
 */
int pv_map_load(const char *name_or_file, struct pv_map **out,
		struct pv_err *e);
/* The same from memory (fuzzing, unit tests). */
int pv_map_load_mem(const char *name, const char *text, size_t len,
		    struct pv_map **out, struct pv_err *e);
void pv_map_free(struct pv_map *m);

/* The dialect the mapping names, or NULL: the command line overrides. */
const char *pv_map_delimiter(const struct pv_map *m);
const char *pv_map_encoding(const struct pv_map *m);
const char *pv_map_date_format(const struct pv_map *m);
/* The path it was read from (for messages). */
const char *pv_map_origin(const struct pv_map *m);

/* One kind's part ("customers", "appointments", "invoices"), or NULL when
 * the mapping has none.  Owned by the mapping; not for two threads. */
struct pv_map_kind;
struct pv_map_kind *pv_map_kind(const struct pv_map *m, const char *kind);
/* The column standing in for the external id ("email"), or NULL. */
const char *pv_map_key(const struct pv_map_kind *k);

/* Custom attributes of one row: names from the mapping, values from the
 * record (valid until the next record). */
struct pv_attr {
	const char *name, *value;
};
struct pv_attrs {
	struct pv_attr *a;
	size_t n, cap;
};
void pv_attrs_free(struct pv_attrs *a);

/*
 * Map one source record src into dst (cleared first; our column names;
 * file, line and hline copied) and its custom columns into attrs.  A
 * source column the mapping does not know is passed on under its own
 * name (the import reports it as unknown, once per file) unless the kind
 * says "unmapped: ignore".  A value the mapping cannot convert is reported
 * through bad(arg, source column, reason) and left out; the reason holds
 * no value.  *used_key is set when the key column stood in for the
 * external id.
 */
void pv_map_apply(struct pv_map_kind *k, const struct pv_rec *src,
		  struct pv_rec *dst, struct pv_attrs *attrs, int *used_key,
		  void (*bad)(void *arg, const char *col, const char *why),
		  void *arg);

/* A custom attribute name: [a-z0-9_], 1-64 bytes, not starting with a
 * digit. */
int pv_attr_name_valid(const char *s);

#endif
