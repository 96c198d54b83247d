/*
 * The record types of the listings, with their columns: the CSV header
 * (every field the type has, in this order, even for an empty result;
 * a field not listed here still gets a column, after these) and the few
 * columns a table on a terminal shows.  privacy-records(5) lists them;
 * tests/csv.t checks that every field the commands write is a column.
 */
#include <string.h>

#include "rec.h"

static const struct pv_rectype types[] = {
	{"status",
	 "location,name,at,requests_open,requests_overdue,"
	 "requests_due_this_week,requests_waiting_for_code,"
	 "notifications_waiting,notifications_failed,consent_unproven,"
	 "consent_needs_repermission,consent_needs_double_opt_in,consent_fix,"
	 "marketing,retained_expiring_30d,retained_expired,audit_intact,"
	 "audit_entries,audit_verified_at",
	 NULL, 1},
	{"location",
	 "location,name,timezone,holidays,requests,marketing,notify_email,"
	 "notify_webhook,language",
	 "location,name,timezone,requests,marketing,notify_email", 0},
	{"settings",
	 "location,requests,marketing,notify_email,notify_webhook,language",
	 "location,requests,marketing,notify_email,notify_webhook,language", 0},
	{"audit", "id,at,actor,action,object,detail,hash",
	 "id,at,actor,action,object", 0},
	{"customer",
	 "customer_id,location,external_id,first_name,last_name,email,phone,"
	 "marketing_email,marketing_sms,last_appointment_at",
	 "customer_id,location,external_id,first_name,last_name,email,phone,"
	 "last_appointment_at", 0},
	{"audience",
	 "customer_id,location,external_id,first_name,last_name,email,phone,"
	 "marketing_email,marketing_sms",
	 "customer_id,location,first_name,last_name,email,marketing_email,"
	 "marketing_sms", 0},
	{"consent",
	 "customer_id,location,external_id,purpose,state,latest_event,"
	 "latest_at",
	 "customer_id,location,purpose,state,latest_at", 0},
	{"consent-event",
	 "customer_id,ledger_id,purpose,event,at,source,evidence_ip,"
	 "evidence_user_agent,text_version,campaign,recorded_at,text_id,"
	 "document",
	 "ledger_id,purpose,event,at,source,campaign,text_version,document",
	 0},
	{"request",
	 "request_id,location,customer_id,type,channel,status,received,due,"
	 "first_due,extended_due,overdue,extension_reason,reject_reason,note,"
	 "result,error,updated,acknowledged,acknowledged_until,"
	 "acknowledged_by,acknowledged_reason",
	 "request_id,location,customer_id,type,status,due,overdue", 0},
	{"retained",
	 "id,location,kind,record_key,record_date,retain_until,basis,"
	 "request_id,created_at,data",
	 "id,location,kind,record_key,retain_until,basis", 0},
	{"check",
	 "event,at,location,request_id,customer_id,type,status,due,customers,"
	 "events,records,oldest,file,what,mode,bad_entry,reason,fix",
	 "event,location,request_id,type,due,customers,events,records,"
	 "oldest,fix", 0},
};

const struct pv_rectype *pv_rectype(const char *name)
{
	for (size_t i = 0; name && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

const struct pv_rectype *pv_rectype_at(size_t i)
{
	return i < sizeof types / sizeof types[0] ? &types[i] : NULL;
}
