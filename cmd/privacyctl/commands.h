/* commands.h - the command tables of privacyctl, one per file. */
#ifndef PC_COMMANDS_H
#define PC_COMMANDS_H
#include "cli.h"
extern const struct pv_cmd pc_core_cmds[];      /* core.c */
extern const struct pv_cmd pc_customer_cmds[];  /* customer.c */
extern const struct pv_cmd pc_consent_cmds[];   /* consent.c */
extern const struct pv_cmd pc_campaign_cmds[];  /* campaign.c */
extern const struct pv_cmd pc_request_cmds[];   /* request.c */
extern const struct pv_cmd pc_retention_cmds[]; /* retention.c */
#endif
