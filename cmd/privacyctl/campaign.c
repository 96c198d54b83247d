/* campaign.c - privacyctl's consent confirm, decline and expire commands
 * (the answers to consent-send's mails). */
#include "commands.h"

const struct pv_cmd pc_campaign_cmds[] = {
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
