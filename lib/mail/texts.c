/*
 * texts.c - the built-in German and English texts of notify's messages.
 * Each can be replaced by <templates>/<name>.<lang>.txt (privacy-config(5)).
 * {{details}} lists the event's own fields, one "key: value" per line.
 * Field names are those the producers write (lib/request.c: due, expires,
 * reason, code, type).  Any other event type, such as the findings of
 * `privacyctl check` (request.deadline-near, marketing.unproven-consent,
 * outbox.undelivered, ...), is a compliance finding with the "check" text.
 */
#include <string.h>

#include "notify_int.h"

static const struct pv_notify_text texts[] = {
	{"request.received",
	 "Subject: Datenschutzanfrage {{request_id}} eingegangen ({{location_name}})\n\n"
	 "Eine Anfrage nach der DSGVO ist eingegangen.\n\n"
	 "Anfrage: {{request_id}}\nArt: {{type}}\nFrist: {{due}}\n\n"
	 "{{details}}\n",
	 "Subject: Privacy request {{request_id}} received ({{location_name}})\n\n"
	 "A request under the GDPR has been received.\n\n"
	 "Request: {{request_id}}\nType: {{type}}\nDue: {{due}}\n\n"
	 "{{details}}\n"},
	{"request.verification",
	 "Subject: Ihr Bestätigungscode für {{location_name}}\n\n"
	 "Guten Tag,\n\nIhr Bestätigungscode lautet: {{code}}\n\n"
	 "Er gilt bis {{expires}} und nur einmal. Wenn Sie keine Anfrage "
	 "gestellt haben, können Sie diese Nachricht ignorieren.\n",
	 "Subject: Your verification code for {{location_name}}\n\n"
	 "Hello,\n\nYour verification code is: {{code}}\n\n"
	 "It is valid until {{expires}} and only once. If you did not "
	 "make a request, you can ignore this message.\n"},
	{"export.ready",
	 "Subject: Ihre Datenauskunft von {{location_name}}\n\n"
	 "Guten Tag,\n\nim Anhang finden Sie alle Daten, die {{location_name}} "
	 "über Sie speichert (Art. 15 und 20 DSGVO), als JSON-Datei.\n\n"
	 "Anfrage: {{request_id}}\n",
	 "Subject: Your data from {{location_name}}\n\n"
	 "Hello,\n\nattached is everything {{location_name}} stores about you "
	 "(Art. 15 and 20 GDPR), as a JSON file.\n\n"
	 "Request: {{request_id}}\n"},
	{"export.link",
	 "Subject: Ihre Datenauskunft von {{location_name}}\n\n"
	 "Guten Tag,\n\nalle Daten, die {{location_name}} über Sie speichert "
	 "(Art. 15 und 20 DSGVO), liegen für Sie bereit:\n\n{{link}}\n\n"
	 "Zum Öffnen brauchen Sie den Code, mit dem Sie Ihre Anfrage "
	 "bestätigt haben. Der Link gilt bis {{expires}}; danach löschen wir "
	 "die gespeicherte Auskunft.\n\nAnfrage: {{request_id}}\n",
	 "Subject: Your data from {{location_name}}\n\n"
	 "Hello,\n\neverything {{location_name}} stores about you (Art. 15 "
	 "and 20 GDPR) is ready for you:\n\n{{link}}\n\n"
	 "To open it you need the code with which you confirmed your "
	 "request. The link works until {{expires}}; then we delete the "
	 "stored copy.\n\nRequest: {{request_id}}\n"},
	{"request.extended",
	 "Subject: Ihre Anfrage {{request_id}}: Frist verlängert\n\n"
	 "Guten Tag,\n\ndie Frist zur Beantwortung Ihrer Anfrage wurde nach "
	 "Art. 12 Abs. 3 DSGVO bis {{due}} verlängert.\n\n"
	 "Grund: {{reason}}\n",
	 "Subject: Your request {{request_id}}: deadline extended\n\n"
	 "Hello,\n\nthe deadline for answering your request has been extended "
	 "under Art. 12(3) GDPR to {{due}}.\n\n"
	 "Reason: {{reason}}\n"},
	{"request.rejected",
	 "Subject: Ihre Anfrage {{request_id}} wurde abgelehnt\n\n"
	 "Guten Tag,\n\nIhre Anfrage konnte nicht erfüllt werden.\n\n"
	 "Grund: {{reason}}\n\n"
	 "Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren "
	 "und einen gerichtlichen Rechtsbehelf einlegen (Art. 12 Abs. 4 "
	 "DSGVO).\n",
	 "Subject: Your request {{request_id}} was rejected\n\n"
	 "Hello,\n\nyour request could not be fulfilled.\n\n"
	 "Reason: {{reason}}\n\n"
	 "You may lodge a complaint with a supervisory authority and seek a "
	 "judicial remedy (Art. 12(4) GDPR).\n"},
	{"request.no-data",
	 "Subject: Ihre Anfrage {{request_id}} bei {{location_name}}\n\n"
	 "Guten Tag,\n\nSie haben gefragt, welche Daten {{location_name}} "
	 "über Sie speichert (Art. 15 DSGVO). Zu Ihrer E-Mail-Adresse haben "
	 "wir keine Daten über Sie gespeichert.\n\n"
	 "Anfrage: {{request_id}}\n",
	 "Subject: Your request {{request_id}} to {{location_name}}\n\n"
	 "Hello,\n\nyou asked which data {{location_name}} holds about you "
	 "(Art. 15 GDPR). We hold no data about you under your e-mail "
	 "address.\n\n"
	 "Request: {{request_id}}\n"},
	{"request.nothing-to-erase",
	 "Subject: Ihre Anfrage {{request_id}} bei {{location_name}}\n\n"
	 "Guten Tag,\n\nSie haben gebeten, Ihre Daten zu löschen (Art. 17 "
	 "DSGVO). Zu Ihrer E-Mail-Adresse haben wir keine Daten über Sie "
	 "gespeichert; es gibt nichts zu löschen.\n\n"
	 "Anfrage: {{request_id}}\n",
	 "Subject: Your request {{request_id}} to {{location_name}}\n\n"
	 "Hello,\n\nyou asked us to erase your data (Art. 17 GDPR). We hold "
	 "no data about you under your e-mail address, so there is nothing "
	 "to erase.\n\n"
	 "Request: {{request_id}}\n"},
	{"request.cancelled",
	 "Subject: Datenschutzanfrage {{request_id}} zurückgezogen\n\n"
	 "Die Anfrage {{request_id}} wurde zurückgezogen und ist geschlossen. "
	 "Der Kunde erhält dazu keine Nachricht.\n\n"
	 "Grund: {{reason}}\n",
	 "Subject: Privacy request {{request_id}} withdrawn\n\n"
	 "Request {{request_id}} was withdrawn and is closed. The customer "
	 "gets no message about it.\n\n"
	 "Reason: {{reason}}\n"},
	{"request.completed",
	 "Subject: Datenschutzanfrage {{request_id}} erledigt\n\n"
	 "Die Anfrage {{request_id}} ({{type}}) ist erledigt.\n\n"
	 "{{details}}\n",
	 "Subject: Privacy request {{request_id}} completed\n\n"
	 "Request {{request_id}} ({{type}}) is completed.\n\n"
	 "{{details}}\n"},
	{"erasure.completed",
	 "Subject: Kundendaten gelöscht ({{location_name}}): bitte auch in "
	 "anderen Systemen löschen\n\n"
	 "Die Daten eines Kunden wurden gelöscht (Art. 17 DSGVO). Bitte "
	 "löschen Sie den Kunden auch in allen anderen Systemen (Kasse, "
	 "Newsletter, Kalender). Kennzeichen zum Auffinden:\n\n"
	 "{{details}}\n",
	 "Subject: Customer data erased ({{location_name}}): please erase in "
	 "other systems too\n\n"
	 "A customer's data has been erased (Art. 17 GDPR). Please remove the "
	 "customer from every other system too (till, newsletter, calendar). "
	 "Identifiers to find them:\n\n"
	 "{{details}}\n"},
	{"deadline.approaching",
	 "Subject: Frist läuft ab: Anfrage {{request_id}} bis {{due}}\n\n"
	 "Die Frist der Anfrage {{request_id}} endet am {{due}}.\n\n"
	 "{{details}}\n",
	 "Subject: Deadline near: request {{request_id}} due {{due}}\n\n"
	 "The deadline of request {{request_id}} ends on {{due}}.\n\n"
	 "{{details}}\n"},
	{"request.overdue",
	 "Subject: Frist überschritten: Anfrage {{request_id}}\n\n"
	 "Die Frist der Anfrage {{request_id}} ist am {{due}} abgelaufen. "
	 "Bitte sofort beantworten (Art. 12 Abs. 3 DSGVO).\n\n"
	 "{{details}}\n",
	 "Subject: Deadline passed: request {{request_id}}\n\n"
	 "The deadline of request {{request_id}} passed on {{due}}. "
	 "Please answer at once (Art. 12(3) GDPR).\n\n"
	 "{{details}}\n"},
	{"customer.inactive-notice",
	 "Subject: Ihre Daten bei {{location_name}} werden am {{erase_on}} "
	 "gelöscht\n\n"
	 "Guten Tag,\n\nSie waren lange nicht mehr bei uns. Damit wir Daten "
	 "nicht länger als nötig speichern (Art. 5 Abs. 1 lit. e DSGVO), "
	 "löschen wir Ihre Kundendaten am {{erase_on}}, wenn Sie bis dahin "
	 "keinen neuen Termin buchen.\n\n"
	 "Möchten Sie Kundin oder Kunde bleiben, buchen Sie einfach wieder "
	 "einen Termin. Rechnungen bewahren wir so lange auf, wie das "
	 "Steuerrecht es verlangt.\n",
	 "Subject: Your data at {{location_name}} will be deleted on "
	 "{{erase_on}}\n\n"
	 "Hello,\n\nwe have not seen you for a long time. So that we do not "
	 "keep data longer than needed (Art. 5(1)(e) GDPR), your customer "
	 "data will be deleted on {{erase_on}} unless you book again before "
	 "then.\n\n"
	 "If you would like to stay a customer, simply book an appointment. "
	 "Invoices are kept as long as tax law requires.\n"},
	{"check",
	 "Subject: Datenschutz-Prüfung: {{event}} ({{location_name}})\n\n"
	 "Die Prüfung hat einen Befund ergeben:\n\n{{details}}\n",
	 "Subject: Compliance check: {{event}} ({{location_name}})\n\n"
	 "The compliance check found:\n\n{{details}}\n"},
	{"consent",
	 "Subject: Einwilligung: {{event}} ({{location_name}})\n\n"
	 "{{details}}\n",
	 "Subject: Consent: {{event}} ({{location_name}})\n\n"
	 "{{details}}\n"},
	{"digest",
	 "Subject: Datenschutz: {{count}} Ereignisse ({{location_name}})\n\n"
	 "{{details}}\n",
	 "Subject: Privacy: {{count}} events ({{location_name}})\n\n"
	 "{{details}}\n"},
};

const struct pv_notify_text *pv_notify_text(const char *event)
{
	const char *name = event;
	size_t i;

	if (strcmp(event, "request.deadline-near") == 0)
		name = "deadline.approaching";
	else if (strncmp(event, "consent.", 8) == 0 && strlen(event) > 8)
		name = "consent";
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (strcmp(texts[i].name, name) == 0)
			return &texts[i];
	return pv_notify_text("check");
}
