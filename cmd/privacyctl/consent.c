/* consent.c - privacyctl's consent commands. */
#include "commands.h"

const struct pv_cmd pc_consent_cmds[] = {
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
