/*
 * privacy-web - the customer's side, as a CGI program (RFC 3875): the
 * pages behind the confirm and decline links of consent mails, the
 * self-service request form and its code page.  Everything is in lib/web*.c;
 * this front end hands the request to pv_web_run and writes its response.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "web.h"

static int run(struct pv_ctx *c)
{
	struct pv_buf out = {0};
	int st = pv_web_run(c->cfg, c->db_path, stdin, &out, &c->err);

	if (out.len && fwrite(out.s, 1, out.len, stdout) != out.len && !st)
		st = pv_fail(&c->err, PV_IOERR, "cannot write the response");
	pv_buf_free(&out);
	return st;
}

static const struct pv_opt opts[] = {
	{NULL, 0, NULL, NULL},
};

static const struct pv_cmd cmds[] = {
	{"", "", "answer one CGI request from the environment and stdin",
	 opts, PV_CMD_NO_OUTPUT, 0, 0, run},
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};

static const struct pv_cmd *const groups[] = {cmds, NULL};

static const struct pv_prog prog = {
	"privacy-web",
	"The customer's pages: consent answers, requests, codes (CGI).",
	groups,
};

int main(int argc, char **argv)
{
	/* RFC 3875 4.4: a server may pass the words of a query without '='
	 * as arguments; under CGI the arguments are never ours. */
	if (getenv("GATEWAY_INTERFACE") && argc > 1)
		argc = 1;
	return pv_main(&prog, argc, argv);
}
