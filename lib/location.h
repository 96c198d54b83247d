/*
 * location.h - locations and their privacy settings.
 *
 * Settings per location: requests (self-service | manual), marketing
 * (on | off), notify-email, notify-webhook, language (de | en).  Every
 * change is audited with the old and the new value.
 */
#ifndef PV_LOCATION_H
#define PV_LOCATION_H

#include <sqlite3.h>

#include "rec.h"
#include "util.h"

struct pv_location {
	long long id;
	char slug[64];
	char *name;
	char timezone[64];
	char holidays[16];
	char requests[16];  /* "self-service" | "manual" */
	char marketing[4];  /* "on" | "off" */
	char *notify_email; /* NULL when unset */
	char *notify_webhook;
	char language[4];
};

void pv_location_free(struct pv_location *l);

/* By slug: PV_NOINPUT "no such location: 'slug'". */
int pv_location_get(sqlite3 *db, const char *slug, struct pv_location *l,
		    struct pv_err *e);
int pv_location_get_id(sqlite3 *db, long long id, struct pv_location *l,
		       struct pv_err *e);
/* The named location, or the only one when slug is NULL (PV_USAGE when
 * there are several, PV_NOINPUT when there is none). */
int pv_location_resolve(sqlite3 *db, const char *slug, struct pv_location *l,
			struct pv_err *e);

/* Add (audited, in its own transaction).  tz and region may be NULL for
 * the defaults Europe/Berlin and DE. */
int pv_location_add(sqlite3 *db, const char *slug, const char *name,
		    const char *tz, const char *region, struct pv_err *e);
/* Remove: refused (PV_PARTIAL) while customers, requests or retained
 * records still belong to it. */
int pv_location_remove(sqlite3 *db, const char *slug, struct pv_err *e);

/* Records: one per location (slug NULL: all). */
int pv_location_write(sqlite3 *db, const char *slug, struct pv_writer *w,
		      int with_settings, struct pv_err *e);

/*
 * Apply KEY=VALUE pairs to one location, all or none, audited.  An unknown
 * key is PV_USAGE naming the valid ones; a bad value PV_DATAERR (a bad
 * address) or PV_USAGE (not one of the choices).  marketing=on is refused
 * with PV_PARTIAL while opt-ins of the location lack valid consent (see
 * pv_marketing_blockers in consent.h).  With dry_run nothing is written.
 */
int pv_settings_set(sqlite3 *db, const char *slug, int npairs,
		    char *const *pairs, int dry_run, struct pv_err *e);

/* Valid values, for messages and completions. */
extern const char *const pv_setting_keys[];
/* The KEY=VALUE operands of `settings set` as completions offer them:
 * each key with each of its values ("requests=manual"), or "key=" for a
 * free value (an address, a URL).  tests/completion.t checks that each
 * is accepted. */
extern const char *const pv_setting_words[];

#endif
