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
	{"location",
	 "location,name,timezone,holidays,requests,marketing,notify_email,"
	 "notify_webhook,language",
	 "location,name,timezone,requests,marketing,notify_email"},
	{"settings",
	 "location,requests,marketing,notify_email,notify_webhook,language",
	 "location,requests,marketing,notify_email,notify_webhook,language"},
	{"audit", "id,at,actor,action,object,detail,hash",
	 "id,at,actor,action,object"},
	{"customer",
	 "customer_id,location,external_id,first_name,last_name,email,phone,"
	 "marketing_email,marketing_sms,last_appointment_at",
	 "customer_id,location,external_id,first_name,last_name,email,"
	 "last_appointment_at"},
	{"audience",
	 "customer_id,location,external_id,first_name,last_name,email,phone,"
	 "marketing_email,marketing_sms",
	 "customer_id,location,first_name,last_name,email,marketing_email,"
	 "marketing_sms"},
	{"consent",
	 "customer_id,location,external_id,purpose,state,latest_event,"
	 "latest_at",
	 "customer_id,location,purpose,state,latest_at"},
	{"request",
	 "request_id,location,customer_id,type,channel,status,received,due,"
	 "first_due,extended_due,overdue,extension_reason,reject_reason,note,"
	 "result,error,updated",
	 "request_id,location,customer_id,type,status,due,overdue"},
	{"retained",
	 "id,location,kind,record_key,record_date,retain_until,basis,"
	 "request_id,created_at,data",
	 "id,location,kind,record_key,retain_until,basis"},
	{"check",
	 "event,at,location,request_id,customer_id,type,status,due,customers,"
	 "events,records,oldest,file,what,mode,bad_entry,reason,fix",
	 "event,location,request_id,type,due,customers,events,records,"
	 "oldest,fix"},
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
