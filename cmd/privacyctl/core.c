/* core.c - init, config, location, settings and audit commands. */
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "commands.h"
#include "db.h"
#include "location.h"

static int cmd_init(struct pv_ctx *c)
{
	pv_w_begin(c->out);
	pv_w_str(c->out, "database", c->db_path);
	pv_w_int(c->out, "schema_version", pv_db_schema_version());
	pv_w_end(c->out);
	return PV_OK;
}

static int cmd_config_show(struct pv_ctx *c)
{
	if (!pv_cfg_node(c->cfg, "database"))
		pv_cfg_set(c->cfg, "database", c->db_path, "default");
	pv_cfg_dump(c->cfg, c->out, pv_flag(c, "origin"));
	return PV_OK;
}

static int cmd_location_add(struct pv_ctx *c)
{
	const char *name = pv_opt(c, "name");
	int st;

	if (!name)
		return pv_usage(c, "missing --name");
	if (pv_flag(c, "if-missing")) {
		struct pv_location l;

		/* a fixture's second run: the location is there, fine */
		if (pv_location_get(c->db, c->argv[0], &l, &c->err) == PV_OK) {
			pv_location_free(&l);
			return pv_location_write(c->db, c->argv[0], c->out, 0,
						 &c->err);
		}
		pv_err_clear(&c->err);
	}
	st = pv_location_add(c->db, c->argv[0], name, pv_opt(c, "timezone"),
			     pv_opt(c, "holidays"), &c->err);
	if (st)
		return st;
	return pv_location_write(c->db, c->argv[0], c->out, 0, &c->err);
}

static int cmd_location_list(struct pv_ctx *c)
{
	int st;

	pv_writer_type(c->out, "location");
	if ((st = pv_location_write(c->db, NULL, c->out, 0, &c->err)))
		return st;
	return pv_nothing_matched(c, pv_writer_count(c->out), "location");
}

static int cmd_location_show(struct pv_ctx *c)
{
	return pv_location_write(c->db, c->argv[0], c->out, 0, &c->err);
}

static int cmd_location_remove(struct pv_ctx *c)
{
	int st = pv_location_remove(c->db, c->argv[0], &c->err);

	if (st)
		return st;
	pv_w_begin(c->out);
	pv_w_str(c->out, "location", c->argv[0]);
	pv_w_str(c->out, "status", "removed");
	pv_w_end(c->out);
	return PV_OK;
}

static int cmd_settings_show(struct pv_ctx *c)
{
	pv_writer_type(c->out, "settings");
	return pv_location_write(c->db, c->argc ? c->argv[0] : NULL, c->out, 1,
				 &c->err);
}

static int cmd_settings_set(struct pv_ctx *c)
{
	int dry = pv_flag(c, "dry-run");
	int st = pv_settings_set(c->db, c->argv[0], c->argc - 1, c->argv + 1,
				 dry, &c->err);

	if (st)
		return st;
	return pv_location_write(c->db, c->argv[0], c->out, 1, &c->err);
}

static int cmd_audit_list(struct pv_ctx *c)
{
	const char *since = pv_opt(c, "since");
	char sincebuf[PV_TIME_LEN];
	struct pv_duration d;
	sqlite3_stmt *st;
	time_t t;
	long limit;
	int rc;

	pv_writer_type(c->out, "audit");

	if ((rc = pv_opt_limit(c, &limit)))
		return rc;
	if (since) {
		/* a duration back from now (1d, 2w), like the other filters,
		 * or a point in time */
		if (pv_duration_parse(since, &d) == 0)
			t = pv_time_sub(pv_now(), &d);
		else if (pv_time_or_date_parse(since, &t) != 0)
			return pv_usage(c, "--since: not a duration (1d, 2w, "
					"6m), RFC 3339 time or date: '%s'",
					since);
		pv_time_fmt(t, sincebuf);
	}
	/* --limit: the latest N, still oldest first */
	st = pv_db_prepare(c->db, "SELECT * FROM (SELECT id, at, actor, "
			   "action, object, detail, hash FROM audit WHERE ?1 IS "
			   "NULL OR at >= ?1 ORDER BY id DESC LIMIT ?2) ORDER "
			   "BY id", &c->err);
	if (!st)
		return c->err.status;
	pv_bind_text(st, 1, since ? sincebuf : NULL);
	sqlite3_bind_int64(st, 2, limit ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *detail = pv_col_text(st, 5);

		pv_w_begin(c->out);
		pv_w_int(c->out, "id", sqlite3_column_int64(st, 0));
		pv_w_str(c->out, "at", pv_col_text(st, 1));
		pv_w_str(c->out, "actor", pv_col_text(st, 2));
		pv_w_str(c->out, "action", pv_col_text(st, 3));
		pv_w_str(c->out, "object", pv_col_text(st, 4));
		if (detail)
			pv_w_raw(c->out, "detail", detail);
		else
			pv_w_null(c->out, "detail");
		pv_w_str(c->out, "hash", pv_col_text(st, 6));
		pv_w_end(c->out);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return pv_db_fail(c->db, &c->err, "audit");
	return pv_nothing_matched(c, pv_writer_count(c->out), "audit entry");
}

static int cmd_audit_verify(struct pv_ctx *c)
{
	long long bad = 0, n = 0;
	char why[256] = "";
	int st = pv_audit_verify(c->db, &bad, why, sizeof why, &n, &c->err);

	if (st && st != PV_PARTIAL)
		return st;
	pv_w_begin(c->out);
	pv_w_bool(c->out, "intact", st == PV_OK);
	pv_w_int(c->out, "entries", n);
	if (st == PV_PARTIAL) {
		pv_w_int(c->out, "bad_entry", bad);
		pv_w_str(c->out, "reason", why);
	}
	pv_w_end(c->out);
	if (st == PV_PARTIAL)
		pv_fail(&c->err, PV_PARTIAL, "audit chain broken at entry "
			"%lld: %s", bad, why);
	return st;
}

static const struct pv_opt no_opts[] = {{NULL, 0, NULL, NULL}};
static const struct pv_opt init_opts[] = {
	{"parents", 'p', NULL, "create the database's missing directories "
	 "too"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt config_show_opts[] = {
	{"origin", 0, NULL, "show where each value came from"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt location_add_opts[] = {
	{"name", 0, "NAME", "the location's name (required)"},
	{"timezone", 0, "TZ", "IANA time zone (default Europe/Berlin)"},
	{"if-missing", 0, NULL, "a location of that slug is fine: change "
	 "nothing, exit 0 (for fixtures)"},
	{"holidays", 0, "REGION", "holiday region: DE, DE-BW ... DE-TH, "
	 "DE-BY-KATH or DE-BY-EVANG (default DE)"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt settings_set_opts[] = {
	{"dry-run", 'n', NULL, "check and show, change nothing"},
	{NULL, 0, NULL, NULL},
};
static const struct pv_opt audit_list_opts[] = {
	{"since", 0, "TIME", "only entries at or after TIME: a duration back "
	 "from now (1d, 2w), RFC 3339 or YYYY-MM-DD"},
	{"limit", 0, "N", "only the latest N entries"},
	{NULL, 0, NULL, NULL},
};

const struct pv_cmd pc_core_cmds[] = {
	{"init", "", "create the database, or bring it up to date",
	 init_opts, PV_CMD_DB_RW | PV_CMD_DB_CREATE | PV_CMD_SINGLE, 0, 0,
	 cmd_init},
	{"config show", "", "show the effective configuration",
	 config_show_opts, 0, 0, 0, cmd_config_show},
	{"location add", "SLUG --name NAME", "add a location",
	 location_add_opts, PV_CMD_DB_RW, 1, 1, cmd_location_add},
	{"location list", "", "list the locations", no_opts, PV_CMD_DB_RO, 0,
	 0, cmd_location_list},
	{"location show", "SLUG", "show one location", no_opts,
	 PV_CMD_DB_RO | PV_CMD_SINGLE, 1, 1, cmd_location_show},
	{"location remove", "SLUG", "remove a location that holds no data",
	 no_opts, PV_CMD_DB_RW, 1, 1, cmd_location_remove},
	{"settings show", "[SLUG]", "show the privacy settings of locations",
	 no_opts, PV_CMD_DB_RO, 0, 1, cmd_settings_show},
	{"settings set", "SLUG KEY=VALUE...",
	 "change settings: requests, marketing, notify-email, "
	 "notify-webhook, language", settings_set_opts, PV_CMD_DB_RW, 2, -1,
	 cmd_settings_set},
	{"audit list", "", "list the audit log", audit_list_opts, PV_CMD_DB_RO,
	 0, 0, cmd_audit_list},
	{"audit verify", "", "check the audit log's hash chain", no_opts,
	 PV_CMD_DB_RO | PV_CMD_SINGLE, 0, 0, cmd_audit_verify},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
