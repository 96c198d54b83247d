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
extern const struct pv_cmd pc_status_cmds[];    /* status.c */
/* customer.c: shared by the import commands and --location options */
#include "import.h"
int pc_import(struct pv_ctx *c, enum pv_import_kind kind);
/* The CSV dialect options of every import (lib/dialect.h). */
#define PC_DIALECT_OPTS                                                    \
	{"delimiter", 0, "SEP", "the CSV separator: ',' ';' or tab "        \
	 "(default: detected from the header line)"},                       \
	{"encoding", 0, "ENC", "utf-8 (default), windows-1252, iso-8859-1, " \
	 "iso-8859-15, utf-16"},                                            \
	{"date-format", 0, "FMT", "strptime(3) format of dates that are "   \
	 "neither YYYY-MM-DD nor DD.MM.YYYY"}
int pc_location_id(struct pv_ctx *c, long long *id);
#endif
