/* customer.c - privacyctl's customer commands. */
#include "commands.h"

const struct pv_cmd pc_customer_cmds[] = {
	{NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
};
