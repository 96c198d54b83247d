/* request.c - privacyctl's request commands. */
#include "commands.h"

const struct pv_cmd pc_request_cmds[] = {
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
