/*
 * words.h - values as people write them, in German or English: dates
 * ("1. Juli 2026", "1 July 2026"), request types and statuses, sums of
 * money, the names of what is stored.  For the mails (lib/mail/notify.c)
 * and the HTML report of an export (lib/export_html.c); records and
 * machine output keep RFC 3339 dates and the enum values.
 *
 * lang is "de" or anything else for English.  Every function returns its
 * input (or a generic word) for a value it does not know, never NULL
 * for a non-NULL input.
 */
#ifndef PV_WORDS_H
#define PV_WORDS_H

#include <stddef.h>

/*
 * A date "YYYY-MM-DD" as "1. Juli 2026" / "1 July 2026"; a time (RFC
 * 3339) as the local date and time in the IANA zone tz (NULL: UTC),
 * "2. Juni 2026, 11:00 Uhr" / "2 June 2026, 11:00"; with date_only the
 * local date alone.  Anything else is copied.  Returns buf.
 */
char *pv_words_date(const char *s, const char *tz, const char *lang,
		    int date_only, char *buf, size_t n);

/* "erasure" -> "Löschung (Art. 17 DSGVO)" / "erasure (Art. 17 GDPR)". */
const char *pv_words_request_type(const char *type, const char *lang);
/* "in-progress" -> "in Bearbeitung" / "in progress", also channels. */
const char *pv_words_status(const char *status, const char *lang);
/* A finding or event type in a mail's words: "outbox.failed" ->
 * "Benachrichtigungen endgültig gescheitert"; unknown ones are copied. */
const char *pv_words_event(const char *type, const char *lang);
/* What to do about a finding of check, as a sentence; NULL for others. */
const char *pv_words_remedy(const char *type, const char *lang);
/* A table or section of the data: "appointments" -> "Termine". */
const char *pv_words_section(const char *name, const char *lang);
/* A field name: "first_name" -> "Vorname"; unknown ones are copied. */
const char *pv_words_field(const char *name, const char *lang);
/* Cents as money: 3500, "EUR" -> "35,00 €" / "€35.00".  Returns buf. */
char *pv_words_money(long long cents, const char *currency, const char *lang,
		     char *buf, size_t n);

#endif
