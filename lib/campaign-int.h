/*
 * campaign-int.h - the campaign object, shared by the files of lib/ that
 * own its parts (not for cmd/): campaign.c the journal (open, queue, send
 * states), campaign-audience.c who may be asked (eligibility, the
 * audience phase).  The answers are the consent ledger's (consent.h).
 */
#ifndef PV_CAMPAIGN_INT_H
#define PV_CAMPAIGN_INT_H

#include "campaign.h"
#include "clock.h"
#include "tombstone.h"

struct pv_campaign {
	sqlite3 *db;
	long long id;
	int kind;
	long long location_id;
	char name[128];
	int lockfd;
	struct pv_token_key key;
	int have_key;
	struct pv_tomb *tomb;
	sqlite3_stmt *st_cust, *st_latest, *st_journal, *st_ins, *st_requeue;
	sqlite3_stmt *st_asked;
	sqlite3_stmt *st_next, *st_sending, *st_expires, *st_result, *st_cancel;
	int created_now;    /* created in the open transaction */
	int pass;           /* pv_campaign_next: 0 sending, 1 the rest */
	int defer_tokens;   /* pv_campaign_next leaves the tokens out */
	long long last_row;
	char now[PV_TIME_LEN];
	/* pv_campaign_next's strings */
	struct pv_buf strs;
	char status[16];
	char expires[PV_TIME_LEN];
};

/* campaign.c: create the campaign in the open transaction unless it
 * exists (a campaign with nobody to ask is recorded with no messages). */
int pv_campaign_record(struct pv_campaign *c, struct pv_err *e);

/* campaign-audience.c: prepare the statements of pv_campaign_check. */
int pv_campaign_prepare_audience(struct pv_campaign *c, struct pv_err *e);

#endif
