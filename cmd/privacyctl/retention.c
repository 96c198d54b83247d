/* retention.c - privacyctl's retention commands. */
#include "commands.h"

const struct pv_cmd pc_retention_cmds[] = {
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
