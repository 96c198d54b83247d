/*
 * cfg.h - configuration: YAML files, environment and flags, with origins.
 *
 * Layers, lowest first: built-in defaults, /etc/privacyctl/config.yaml,
 * the user file ($XDG_CONFIG_HOME/privacyctl/config.yaml, or instead the
 * file named by PRIVACY_CONFIG, or instead by -c/--config), the
 * environment (PRIVACY_DB -> database), and flags (--db).  Maps merge key
 * by key; a scalar or a sequence in a higher layer replaces the lower one.
 * Every node remembers where it came from ("file:line", "env PRIVACY_DB",
 * "--db", "default").
 *
 * Keys are addressed with dots: "smtp.url", "retention.invoices.years".
 */
#ifndef PV_CFG_H
#define PV_CFG_H

#include "rec.h"
#include "util.h"

enum pv_node_type { PV_NODE_SCALAR, PV_NODE_MAP, PV_NODE_SEQ };

struct pv_node {
	enum pv_node_type type;
	char *key;    /* within its parent map; NULL in a sequence */
	char *value;  /* scalars only */
	char *origin; /* "file:line", "env NAME", "--flag", "default" */
	struct pv_node *child, *last, *next; /* maps and sequences */
};

struct pv_cfg {
	struct pv_node *root; /* a map */
	char *user_file;      /* the user-level file that was (to be) read */
};

struct pv_cfg *pv_cfg_new(void);
void pv_cfg_free(struct pv_cfg *c);

/*
 * Load the standard layers.  config_flag is the -c value or NULL.
 * A missing system or default user file is fine; a missing file named by
 * -c or PRIVACY_CONFIG is PV_NOINPUT; a malformed file is PV_CONFIG with
 * "file:line: reason"; an unknown top-level key is PV_CONFIG too.
 */
int pv_cfg_load(struct pv_cfg *c, const char *config_flag, struct pv_err *e);
/* Merge one YAML file as the highest layer so far. */
int pv_cfg_load_file(struct pv_cfg *c, const char *path, struct pv_err *e);
/* Merge YAML text (unit tests, fuzzing). */
int pv_cfg_load_mem(struct pv_cfg *c, const char *name, const char *text,
		    size_t len, struct pv_err *e);
/* Another YAML document (a mapping file, lib/mapping.h) read into a
 * pv_cfg of its own: the same limits, errors and origins, but any keys at
 * the top level. */
int pv_yaml_load_file(struct pv_cfg *c, const char *path, struct pv_err *e);
int pv_yaml_load_mem(struct pv_cfg *c, const char *name, const char *text,
		     size_t len, struct pv_err *e);
/* Set a scalar at a dotted key, creating maps on the way. */
void pv_cfg_set(struct pv_cfg *c, const char *key, const char *value,
		const char *origin);

/* Lookups by dotted key: NULL when absent. */
const struct pv_node *pv_cfg_node(const struct pv_cfg *c, const char *key);
const char *pv_cfg_str(const struct pv_cfg *c, const char *key,
		       const char *def);
/* Child of a map by key. */
const struct pv_node *pv_node_get(const struct pv_node *map, const char *key);
/* "file:line" or other origin of a key, for messages; "" when absent. */
const char *pv_cfg_origin(const struct pv_cfg *c, const char *key);

/* Typed scalars: PV_CONFIG "origin: key: reason" when malformed. */
int pv_cfg_int(const struct pv_cfg *c, const char *key, long long def,
	       long long *out, struct pv_err *e);
int pv_cfg_bool(const struct pv_cfg *c, const char *key, int def, int *out,
		struct pv_err *e);

/* Write every scalar as a record {key, value[, origin]}, in key order of
 * the files (sequence items as key.N). */
void pv_cfg_dump(const struct pv_cfg *c, struct pv_writer *w,
		 int with_origin);

#endif
