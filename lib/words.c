/*
 * words.c - values as people write them (see words.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "words.h"

static const char *const months_de[] = {"Januar", "Februar", "März",
	"April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
	"November", "Dezember"};
static const char *const months_en[] = {"January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December"};

static int is_de(const char *lang)
{
	return lang && strcmp(lang, "de") == 0;
}

char *pv_words_date(const char *s, const char *tz, const char *lang,
		    int date_only, char *buf, size_t n)
{
	int y, m, d, de = is_de(lang);
	time_t t;
	struct tm tm;

	if (!s) {
		snprintf(buf, n, "%s", "");
		return buf;
	}
	if (strlen(s) == 10 && pv_date_parse(s, &y, &m, &d) == 0) {
		snprintf(buf, n, de ? "%d. %s %d" : "%d %s %d", d,
			 de ? months_de[m - 1] : months_en[m - 1], y);
		return buf;
	}
	if (pv_time_parse(s, &t) != 0) {
		snprintf(buf, n, "%s", s);
		return buf;
	}
	if (tz && *tz)
		pv_tz_local(t, tz, &tm);
	else
		gmtime_r(&t, &tm);
	if (date_only)
		snprintf(buf, n, de ? "%d. %s %d" : "%d %s %d", tm.tm_mday,
			 de ? months_de[tm.tm_mon] : months_en[tm.tm_mon],
			 tm.tm_year + 1900);
	else
		snprintf(buf, n, de ? "%d. %s %d, %02d:%02d Uhr"
				    : "%d %s %d, %02d:%02d", tm.tm_mday,
			 de ? months_de[tm.tm_mon] : months_en[tm.tm_mon],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	return buf;
}

struct word {
	const char *key, *de, *en;
};

static const char *lookup(const struct word *w, const char *key,
			  const char *lang)
{
	if (!key)
		return "";
	for (; w->key; w++)
		if (strcmp(w->key, key) == 0)
			return is_de(lang) ? w->de : w->en;
	return key;
}

static const struct word types[] = {
	{"access", "Auskunft (Art. 15 DSGVO)", "access (Art. 15 GDPR)"},
	{"portability", "Datenübertragbarkeit (Art. 20 DSGVO)",
	 "data portability (Art. 20 GDPR)"},
	{"erasure", "Löschung (Art. 17 DSGVO)", "erasure (Art. 17 GDPR)"},
	{"rectification", "Berichtigung (Art. 16 DSGVO)",
	 "rectification (Art. 16 GDPR)"},
	{"restriction", "Einschränkung der Verarbeitung (Art. 18 DSGVO)",
	 "restriction of processing (Art. 18 GDPR)"},
	{"objection", "Widerspruch (Art. 21 DSGVO)",
	 "objection (Art. 21 GDPR)"},
	{NULL, NULL, NULL},
};

const char *pv_words_request_type(const char *type, const char *lang)
{
	return lookup(types, type, lang);
}

static const struct word statuses[] = {
	{"unverified", "Bestätigung ausstehend", "awaiting confirmation"},
	{"received", "eingegangen", "received"},
	{"verified", "bestätigt", "confirmed"},
	{"in-progress", "in Bearbeitung", "in progress"},
	{"completed", "erledigt", "completed"},
	{"rejected", "abgelehnt", "rejected"},
	{"cancelled", "zurückgezogen", "withdrawn"},
	{"booking-form", "Buchungsformular", "booking form"},
	{"email", "E-Mail", "e-mail"},
	{"phone", "Telefon", "phone"},
	{"letter", "Brief", "letter"},
	{"web", "Formular auf unserer Website", "the form on our website"},
	{"in-person", "persönlich", "in person"},
	/* the files that check finds readable by others */
	{"database", "Datenbank", "database"},
	{"database WAL", "Datenbank (Schreibprotokoll)", "database (write-ahead log)"},
	{"database shared memory", "Datenbank (gemeinsamer Speicher)",
	 "database (shared memory)"},
	{"tombstone key", "Schlüssel der Löschvermerke", "key of the erasure records"},
	{"tombstone log", "Löschvermerke", "erasure records"},
	{"SMTP password file", "Passwortdatei des Mailservers",
	 "password file of the mail server"},
	{"marketing-email", "Werbung per E-Mail", "marketing by e-mail"},
	{"marketing-sms", "Werbung per SMS", "marketing by text message"},
	{"granted", "erteilt", "granted"},
	{"confirmed", "bestätigt", "confirmed"},
	{"declined", "abgelehnt", "declined"},
	{"withdrawn", "widerrufen", "withdrawn"},
	{"expired", "abgelaufen", "expired"},
	{"import", "Übernahme aus dem Buchungssystem",
	 "taken over from the booking system"},
	{"staff", "durch unser Team", "by our staff"},
	{"double-opt-in", "Bestätigung per E-Mail (Double-Opt-in)",
	 "confirmation by e-mail (double opt-in)"},
	{"re-permission", "erneute Einwilligung", "renewed consent"},
	{"export delivered", "die Auskunft wurde dem Kunden per E-Mail "
	 "zugestellt", "the customer has received the export by e-mail"},
	{"export delivered, this location's data included", "die Auskunft "
	 "wurde dem Kunden per E-Mail zugestellt; sie enthält auch die Daten, "
	 "die dieser Standort über ihn gespeichert hat", "the customer has "
	 "received the export by e-mail; it includes the data this location "
	 "holds about them"},
	/* how far the export of a request went (its result in the
	 * export's own list of requests) */
	{"stdout", "erstellt", "prepared"},
	{"file", "erstellt", "prepared"},
	{"queued", "erstellt, wird per E-Mail versandt",
	 "prepared, being sent by e-mail"},
	{"delivered", "per E-Mail zugestellt", "delivered by e-mail"},
	/* the results of request.completed and request.*-done */
	{"no-data-answered", "zu der anfragenden E-Mail-Adresse sind keine "
	 "Daten gespeichert; das haben wir der Person geantwortet",
	 "no data is held about the address that asked; the person was told "
	 "so"},
	{"retained-answered", "die Kundendaten sind gelöscht, nur gesetzlich "
	 "aufzubewahrende Unterlagen sind noch da (gesperrt); das haben wir der "
	 "Person geantwortet, mit Frist und Grund", "the customer's data is "
	 "erased; only records kept under a legal duty remain (restricted); "
	 "the person was told so, with until when and why"},
	{"marketing-withdrawn", "alle Einwilligungen in Werbung widerrufen; "
	 "von aller Werbung ausgeschlossen", "every marketing consent "
	 "withdrawn; excluded from all marketing"},
	{"processing-restricted", "Verarbeitung eingeschränkt (Art. 18 "
	 "DSGVO); von aller Werbung ausgeschlossen", "processing restricted "
	 "(Art. 18 GDPR); excluded from all marketing"},
	{"data-corrected", "Daten berichtigt", "data corrected"},
	{NULL, NULL, NULL},
};

const char *pv_words_status(const char *status, const char *lang)
{
	return lookup(statuses, status, lang);
}

/* The findings of privacyctl check and the other events that are mailed
 * with the generic texts ("check", "consent"). */
static const struct word events[] = {
	{"marketing.unproven-consent", "Werbung ohne nachweisbare Einwilligung",
	 "Marketing without provable consent"},
	{"outbox.undelivered", "Benachrichtigungen noch nicht zugestellt",
	 "Notifications not delivered yet"},
	{"outbox.failed", "Benachrichtigungen endgültig gescheitert",
	 "Notifications failed for good"},
	{"retention.expired", "Aufbewahrungsfrist abgelaufen",
	 "Retention period over"},
	{"retention.active-expired", "Aufbewahrungsfrist von Kundendaten "
	 "abgelaufen", "Retention period of customer data over"},
	{"erasure.restored-customers", "Gelöschte Kunden sind wieder da",
	 "Erased customers are back"},
	{"erasure.tombstones-missing", "Löschvermerke fehlen in der Datenbank",
	 "Erasure records missing from the database"},
	{"security.insecure-permissions", "Unsichere Dateirechte",
	 "Insecure file permissions"},
	{"security.erasure-cleanup-pending", "Bereinigung nach einer Löschung "
	 "steht aus", "Clean-up after an erasure pending"},
	{"audit.chain-broken", "Protokollkette beschädigt", "Audit log chain broken"},
	{"settings.notify-email-missing", "Keine Adresse für Benachrichtigungen "
	 "eingestellt", "No notification address set"},
	{"consent.granted", "Einwilligung erteilt", "Consent granted"},
	{"consent.confirmed", "Einwilligung bestätigt", "Consent confirmed"},
	{"consent.declined", "Einwilligung abgelehnt", "Consent declined"},
	{"consent.withdrawn", "Einwilligung widerrufen", "Consent withdrawn"},
	{"consent.expired", "Einwilligung abgelaufen", "Consent expired"},
	{NULL, NULL, NULL},
};

const char *pv_words_event(const char *type, const char *lang)
{
	return lookup(events, type, lang);
}

/* What to do about a finding, in words for the person who runs the
 * salon: the commands that check prints are for the terminal, not for a
 * mail. */
static const struct word remedies[] = {
	{"marketing.unproven-consent", "Bitten Sie diese Kunden erneut um "
	 "ihre Einwilligung, oder schalten Sie die Werbung für diesen "
	 "Standort ab; bis dahin erhalten sie keine Werbung.",
	 "Ask these customers for their consent again, or switch marketing "
	 "off for this location; until then they receive no marketing."},
	{"outbox.undelivered", "Der Versand wird bei jedem Lauf erneut "
	 "versucht. Bleibt es dabei, prüfen Sie die Einstellungen des "
	 "Mailservers.",
	 "Sending is tried again on every run. If this stays, check the "
	 "settings of the mail server."},
	{"outbox.failed", "Beheben Sie die Ursache (Anschrift, Mailserver) und "
	 "lassen Sie die gescheiterten Benachrichtigungen erneut senden.",
	 "Fix the cause (an address, the mail server) and have the failed "
	 "notifications sent again."},
	{"retention.expired", "Lassen Sie die Unterlagen löschen, deren "
	 "Aufbewahrungsfrist abgelaufen ist.",
	 "Have the records whose retention period is over deleted."},
	{"retention.active-expired", "Lassen Sie die Kundendaten löschen, "
	 "deren Aufbewahrungsfrist abgelaufen ist.",
	 "Have the customer data whose retention period is over deleted."},
	{"erasure.restored-customers", "Vermutlich wurde eine ältere "
	 "Sicherung eingespielt. Lassen Sie die früheren Löschungen erneut "
	 "ausführen.",
	 "An older backup was probably restored. Have the earlier erasures "
	 "carried out again."},
	{"erasure.tombstones-missing", "Lassen Sie die früheren Löschungen "
	 "erneut ausführen.", "Have the earlier erasures carried out again."},
	{"security.insecure-permissions", "Die Datei darf nur für das "
	 "Benutzerkonto der Datenschutz-Werkzeuge lesbar sein.",
	 "The file must be readable only by the account that runs the "
	 "privacy tools."},
	{"security.erasure-cleanup-pending", "Nach einer Löschung konnten alte "
	 "Kopien gelöschter Angaben noch nicht aus der Datenbankdatei entfernt "
	 "werden, weil ein anderes Programm sie offen hält. Das wird bei jedem "
	 "Lauf erneut versucht; schließen Sie lange laufende Programme.",
	 "After an erasure, old copies of erased details could not yet be "
	 "removed from the database file because another program keeps it "
	 "open. This is tried again on every run; close long-running "
	 "programs."},
	{"audit.chain-broken", "Das Protokoll wurde verändert oder ist "
	 "beschädigt. Bewahren Sie eine Kopie auf und ziehen Sie Ihre "
	 "technische Betreuung hinzu.",
	 "The log was changed or is damaged. Keep a copy and call in your "
	 "technical support."},
	{"settings.notify-email-missing", "Tragen Sie in den Einstellungen "
	 "des Standorts eine Adresse für Benachrichtigungen ein; sonst "
	 "erfahren Sie nicht von neuen Anfragen.",
	 "Enter an address for notifications in the location's settings; "
	 "otherwise you are not told about new requests."},
	{NULL, NULL, NULL},
};

const char *pv_words_remedy(const char *type, const char *lang)
{
	const char *s = type ? lookup(remedies, type, lang) : NULL;

	return s == type ? NULL : s;
}

static const struct word sections[] = {
	{"customer", "Ihre Angaben", "Your details"},
	{"customers", "Kundendaten (Name, Kontaktdaten, Anschrift, Notizen)",
	 "customer details (name, contact details, address, notes)"},
	{"appointments", "Termine", "Appointments"},
	{"invoices", "Rechnungen", "Invoices"},
	{"consents", "Einwilligungen", "Consents"},
	{"requests", "Datenschutzanfragen", "Privacy requests"},
	{"retained", "Aufbewahrte Unterlagen", "Records kept"},
	{"campaign_messages", "Einwilligungsanfragen per E-Mail",
	 "consent request mails"},
	{"events", "Benachrichtigungen", "notifications"},
	{NULL, NULL, NULL},
};

const char *pv_words_section(const char *name, const char *lang)
{
	return lookup(sections, name, lang);
}

static const struct word fields[] = {
	{"id", "Nr.", "No."},
	{"name", "Name", "Name"},
	{"address", "Anschrift", "Address"},
	{"location", "Standort", "Location"},
	{"external_id", "Kundennummer", "Customer number"},
	{"first_name", "Vorname", "First name"},
	{"last_name", "Nachname", "Last name"},
	{"email", "E-Mail", "E-mail"},
	{"phone", "Telefon", "Phone"},
	{"birth_date", "Geburtsdatum", "Date of birth"},
	{"street", "Straße", "Street"},
	{"postal_code", "Postleitzahl", "Postcode"},
	{"city", "Ort", "Town"},
	{"country", "Land", "Country"},
	{"notes", "Notizen", "Notes"},
	{"legal_hold", "Sperre wegen eines Rechtsstreits",
	 "Legal hold"},
	{"restricted_at", "Verarbeitung eingeschränkt seit (Art. 18 DSGVO)",
	 "Processing restricted since (Art. 18 GDPR)"},
	{"objected_at", "Widerspruch gegen Werbung seit (Art. 21 DSGVO)",
	 "Objected to marketing since (Art. 21 GDPR)"},
	{"created_at", "Angelegt am", "Created"},
	{"updated_at", "Zuletzt geändert", "Last changed"},
	{"starts_at", "Termin", "Date"},
	{"service", "Leistung", "Service"},
	{"staff", "Bei", "With"},
	{"price_cents", "Preis", "Price"},
	{"number", "Rechnungsnummer", "Invoice number"},
	{"issued_on", "Datum", "Date"},
	{"total_cents", "Betrag", "Amount"},
	{"currency", "Währung", "Currency"},
	{"billing_name", "Rechnungsname", "Billing name"},
	{"billing_address", "Rechnungsanschrift", "Billing address"},
	{"retained", "Aufbewahrt", "Kept"},
	{"purpose", "Zweck", "Purpose"},
	{"event", "Vorgang", "What happened"},
	{"at", "Zeitpunkt", "When"},
	{"source", "Quelle", "Source"},
	{"evidence_ip", "IP-Adresse (Nachweis)", "IP address (proof)"},
	{"evidence_user_agent", "Browser (Nachweis)", "Browser (proof)"},
	{"text_version", "Fassung des Einwilligungstexts",
	 "Version of the consent text"},
	{"document", "Beleg", "Document"},
	{"recorded_at", "Erfasst am", "Recorded"},
	{"customer_since", "Kunde seit", "Customer since"},
	{"attributes", "Weitere Angaben", "Further details"},
	{"campaign", "Anfrage", "Request"},
	{"type", "Art", "Type"},
	{"channel", "Eingang über", "Received by"},
	{"status", "Stand", "Status"},
	{"received_at", "Eingegangen am", "Received"},
	{"due_on", "Frist", "Due"},
	{"extended_due_on", "Verlängerte Frist", "Extended deadline"},
	{"extension_reason", "Grund der Verlängerung", "Reason for extension"},
	{"reject_reason", "Grund der Ablehnung", "Reason for rejection"},
	{"note", "Vermerk", "Note"},
	{"result", "Ergebnis", "Result"},
	{"export", "Auskunft", "Copy of your data"},
	{"kind", "Art", "Kind"},
	{"record_key", "Kennzeichen", "Reference"},
	{"basis", "Rechtsgrundlage", "Legal basis"},
	{"retain_until", "Aufbewahrt bis", "Kept until"},
	{"until", "Aufbewahrt bis", "Kept until"},
	{"data", "Inhalt", "Content"},
	{"withheld", "Nicht herausgegeben", "Withheld"},
	{"reason", "Grund", "Reason"},
	/* the fields of check's findings */
	{"customers", "Kunden", "Customers"},
	{"events", "Benachrichtigungen", "Notifications"},
	{"oldest", "Älteste seit", "Oldest since"},
	{"records", "Unterlagen", "Records"},
	{"what", "Was", "What"},
	{"mode", "Dateirechte", "File mode"},
	{"file", "Datei", "File"},
	{"tombstones", "Löschvermerke", "Erasure records"},
	{"bad_entry", "Fehlerhafter Eintrag Nr.", "Bad entry no."},
	{"count", "Anzahl", "Count"},
	{NULL, NULL, NULL},
};

const char *pv_words_field(const char *name, const char *lang)
{
	return lookup(fields, name, lang);
}

char *pv_words_money(long long cents, const char *currency, const char *lang,
		     char *buf, size_t n)
{
	const char *sign = cents < 0 ? "-" : "";
	long long a = cents < 0 ? -cents : cents;
	int eur = !currency || strcmp(currency, "EUR") == 0;

	if (is_de(lang))
		snprintf(buf, n, "%s%lld,%02lld %s", sign, a / 100, a % 100,
			 eur ? "€" : currency);
	else if (eur)
		snprintf(buf, n, "%s€%lld.%02lld", sign, a / 100, a % 100);
	else
		snprintf(buf, n, "%s%s %lld.%02lld", sign, currency, a / 100,
			 a % 100);
	return buf;
}
