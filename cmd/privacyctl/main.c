/*
 * privacyctl - the database, per-location privacy settings, customers,
 * consents, privacy requests, audit log, retention and compliance check.
 *
 * Each noun keeps its commands in a file of its own (a table ending with
 * a NULL name); this file only lists the tables.
 */
#include "cli.h"
#include "commands.h"

static const struct pv_cmd *const groups[] = {
	pc_core_cmds,
	pc_customer_cmds,
	pc_consent_cmds,
	pc_campaign_cmds,
	pc_request_cmds,
	pc_retention_cmds,
	pc_status_cmds,
	NULL,
};

static const struct pv_prog prog = {
	"privacyctl",
	"Privacy (GDPR) operations for businesses that book customers.",
	groups,
};

int main(int argc, char **argv)
{
	return pv_main(&prog, argc, argv);
}
