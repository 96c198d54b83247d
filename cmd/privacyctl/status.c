/* status.c - privacyctl status: the overview of every location. */
#include "commands.h"
#include "status.h"

static int cmd_status(struct pv_ctx *c)
{
	struct pv_status_report s;
	int st = pv_status_collect(c->db, pv_opt(c, "location"), &s, &c->err);

	if (st == PV_OK && c->html) {
		struct pv_buf b = {0};

		pv_status_html(&s, &b);
		fwrite(b.s, 1, b.len, stdout); /* checked at the exit */
		pv_buf_free(&b);
	} else if (st == PV_OK) {
		pv_writer_type(c->out, "status");
		pv_status_write(&s, c->out);
	}
	pv_status_free(&s);
	return st;
}

static const struct pv_opt status_opts[] = {
	{"location", 'l', "SLUG", "only this location"},
	{NULL, 0, NULL, NULL},
};

const struct pv_cmd pc_status_cmds[] = {
	{"status", "", "the overview: requests by due date, notifications, "
	 "consent health, marketing, retained records, audit log; -f html "
	 "for a page to mail", status_opts,
	 PV_CMD_DB_RO | PV_CMD_HTML, 0, 0, cmd_status},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
