/*
 * texts.c - the built-in German and English texts of notify's messages.
 * Each can be replaced by <templates>/<name>.<lang>.txt (privacy-config(5)).
 * Placeholders are the event's fields as people write them (notify.c,
 * lib/words.h): dates ("1. Juli 2026"), the request type, status and
 * channel in words, {{name}}, {{erased}} and {{kept}} (lists of what an
 * erasure removed and kept, until when and why), {{locations}} (the
 * locations an export covers, J9); {{details}} lists the
 * other fields as labelled lines.  No text names a tool or an internal
 * id other than the request number; notify adds the signature (the
 * controller's name and contact, from the config).  Any other event type, such as the findings of
 * `privacyctl check` (request.deadline-near, marketing.unproven-consent,
 * outbox.undelivered, ...), is a compliance finding with the "check" text:
 * {{event}} is its name in words (lib/words.c pv_words_event) and
 * {{details}} ends with what to do in words (pv_words_remedy), never
 * check's command.
 */
#include <string.h>

#include "notify_int.h"

static const struct pv_notify_text texts[] = {
	/* --- to the customer --------------------------------------------- */
	{"request.verification",
	 "Subject: Ihr Bestätigungscode für Ihre Datenschutzanfrage bei {{location_name}}\n\n"
	 "Guten Tag,\n\n"
	 "bei {{location_name}} ist eine Anfrage in Ihrem Namen eingegangen: "
	 "{{type}}. Damit niemand anderes Ihre Daten erhält, bestätigen Sie "
	 "bitte, dass die Anfrage von Ihnen kommt, mit diesem Code:\n\n"
	 "    {{code}}\n\n"
	 "Der Code gilt bis {{expires}} und nur einmal.\n\n"
	 "Wenn Sie keine Anfrage gestellt haben, können Sie diese Nachricht "
	 "ignorieren; es geschieht dann nichts.\n",
	 "Subject: Your confirmation code for your privacy request at {{location_name}}\n\n"
	 "Hello,\n\n"
	 "{{location_name}} has received a request in your name: {{type}}. "
	 "So that nobody else gets your data, please confirm that the request "
	 "is yours with this code:\n\n"
	 "    {{code}}\n\n"
	 "The code is valid until {{expires}}, and only once.\n\n"
	 "If you did not make a request, you can ignore this message; "
	 "nothing will happen.\n"},
	{"request.receipt",
	 "Subject: Wir haben Ihre Datenschutzanfrage erhalten\n\n"
	 "Guten Tag,\n\n"
	 "wir haben Ihre Anfrage erhalten und kümmern uns darum:\n\n"
	 "Anfrage Nr.: {{request_id}}\n"
	 "Art: {{type}}\n"
	 "Eingegangen am: {{received}}\n"
	 "Antwort spätestens bis: {{due}}\n\n"
	 "So lange haben wir nach Art. 12 Abs. 3 DSGVO Zeit; meist geht es "
	 "schneller. Wenn Sie Fragen haben, antworten Sie einfach auf diese "
	 "E-Mail.\n",
	 "Subject: We have received your privacy request\n\n"
	 "Hello,\n\n"
	 "we have received your request and are taking care of it:\n\n"
	 "Request no.: {{request_id}}\n"
	 "Type: {{type}}\n"
	 "Received: {{received}}\n"
	 "Answer by: {{due}} at the latest\n\n"
	 "That is the time Art. 12(3) GDPR gives us; usually it is quicker. "
	 "If you have a question, just reply to this e-mail.\n"},
	{"export.ready",
	 "Subject: Ihre Daten bei {{location_name}}: Ihre Auskunft\n\n"
	 "Guten Tag,\n\n"
	 "Sie haben uns um Auskunft über Ihre Daten gebeten (Anfrage Nr. "
	 "{{request_id}}). Im Anhang finden Sie alles, was wir bei "
	 "{{locations}} über Sie gespeichert haben:\n\n"
	 "- auskunft.html: zum Lesen und Ausdrucken, mit den Angaben, wozu "
	 "wir Ihre Daten verwenden, wie lange wir sie aufbewahren und welche "
	 "Rechte Sie haben (Art. 15 DSGVO);\n"
	 "- auskunft.json: dieselben Daten in einem maschinenlesbaren Format, "
	 "das Sie einem anderen Anbieter geben können (Art. 20 DSGVO).\n\n"
	 "Wenn etwas nicht stimmt oder Sie Fragen haben, antworten Sie einfach "
	 "auf diese E-Mail.\n",
	 "Subject: Your data at {{location_name}}: your copy\n\n"
	 "Hello,\n\n"
	 "you asked us what data we hold about you (request no. "
	 "{{request_id}}). Attached is everything we have stored about you "
	 "at {{locations}}:\n\n"
	 "- your-data.html: to read and print, with what we use your data "
	 "for, how long we keep it and what your rights are (Art. 15 GDPR);\n"
	 "- your-data.json: the same data in a machine-readable format that "
	 "you can give to another provider (Art. 20 GDPR).\n\n"
	 "If anything is wrong or you have a question, just reply to this "
	 "e-mail.\n"},
	{"erasure.confirmation",
	 "Subject: Ihre Daten bei {{location_name}} wurden gelöscht\n\n"
	 "Guten Tag,\n\n"
	 "wie Sie es verlangt haben (Anfrage Nr. {{request_id}}), haben wir "
	 "Ihre Daten gelöscht (Art. 17 DSGVO).\n\n"
	 "Gelöscht:\n{{erased}}\n"
	 "{{kept}}\n"
	 "Sie erhalten von uns keine weiteren Nachrichten.\n",
	 "Subject: Your data at {{location_name}} has been erased\n\n"
	 "Hello,\n\n"
	 "as you asked (request no. {{request_id}}), we have erased your "
	 "data (Art. 17 GDPR).\n\n"
	 "Erased:\n{{erased}}\n"
	 "{{kept}}\n"
	 "You will get no further messages from us.\n"},
	{"export.link",
	 "Subject: Ihre Daten bei {{location_name}}: Ihre Auskunft liegt bereit\n\n"
	 "Guten Tag,\n\n"
	 "Sie haben uns um Auskunft über Ihre Daten gebeten (Anfrage Nr. "
	 "{{request_id}}). Alles, was {{location_name}} über Sie gespeichert "
	 "hat (Art. 15 und 20 DSGVO), liegt für Sie bereit:\n\n"
	 "{{link}}\n\n"
	 "Zum Öffnen brauchen Sie den Code, mit dem Sie Ihre Anfrage "
	 "bestätigt haben. Der Link gilt bis {{expires}}; danach löschen wir "
	 "die gespeicherte Auskunft.\n",
	 "Subject: Your data at {{location_name}}: your copy is ready\n\n"
	 "Hello,\n\n"
	 "you asked us what data we hold about you (request no. "
	 "{{request_id}}). Everything {{location_name}} has stored about you "
	 "(Art. 15 and 20 GDPR) is ready for you:\n\n"
	 "{{link}}\n\n"
	 "To open it you need the code with which you confirmed your "
	 "request. The link works until {{expires}}; then we delete the "
	 "stored copy.\n"},
	{"request.extended",
	 "Subject: Ihre Datenschutzanfrage Nr. {{request_id}}: wir brauchen etwas länger\n\n"
	 "Guten Tag,\n\n"
	 "Ihre Anfrage können wir nicht in der üblichen Frist beantworten. "
	 "Nach Art. 12 Abs. 3 DSGVO verlängern wir die Frist bis zum "
	 "{{extended_due}}.\n\n"
	 "Art der Anfrage: {{type}}\n"
	 "Grund der Verlängerung: {{reason}}\n\n"
	 "Bisher lief die Frist bis zum {{due}}. Sie erhalten unsere "
	 "Antwort spätestens am {{extended_due}}.\n",
	 "Subject: Your privacy request no. {{request_id}}: we need a little longer\n\n"
	 "Hello,\n\n"
	 "we cannot answer your request within the usual time. Under "
	 "Art. 12(3) GDPR we extend the deadline to {{extended_due}}.\n\n"
	 "Your request: {{type}}\n"
	 "Reason for the extension: {{reason}}\n\n"
	 "The deadline was {{due}}. You will have our answer by "
	 "{{extended_due}} at the latest.\n"},
	{"request.rejected",
	 "Subject: Ihre Datenschutzanfrage Nr. {{request_id}}\n\n"
	 "Guten Tag,\n\n"
	 "Ihre Anfrage können wir leider nicht erfüllen.\n\n"
	 "Art der Anfrage: {{type}}\n"
	 "Grund der Ablehnung: {{reason}}\n\n"
	 "Wenn Sie damit nicht einverstanden sind, können Sie (Art. 12 "
	 "Abs. 4 DSGVO):\n"
	 "- sich bei einer Datenschutz-Aufsichtsbehörde beschweren (Art. 77 "
	 "DSGVO), zum Beispiel bei der Behörde des Bundeslandes, in dem Sie "
	 "wohnen;\n"
	 "- einen gerichtlichen Rechtsbehelf einlegen (Art. 79 DSGVO).\n\n"
	 "Sie können sich natürlich auch jederzeit direkt an uns wenden.\n",
	 "Subject: Your privacy request no. {{request_id}}\n\n"
	 "Hello,\n\n"
	 "we are sorry, we cannot fulfil your request.\n\n"
	 "Your request: {{type}}\n"
	 "Reason: {{reason}}\n\n"
	 "If you do not agree, you can (Art. 12(4) GDPR):\n"
	 "- lodge a complaint with a data protection supervisory authority "
	 "(Art. 77 GDPR), for example the one where you live;\n"
	 "- seek a judicial remedy (Art. 79 GDPR).\n\n"
	 "You are of course always welcome to contact us directly.\n"},
	{"request.no-data",
	 "Subject: Ihre Anfrage {{request_id}} bei {{location_name}}\n\n"
	 "Guten Tag,\n\nSie haben gefragt, welche Daten {{location_name}} "
	 "über Sie speichert (Art. 15 DSGVO). Zu Ihrer E-Mail-Adresse haben "
	 "wir keine Daten über Sie gespeichert.\n\n"
	 "Anfrage Nr.: {{request_id}}\n",
	 "Subject: Your request {{request_id}} to {{location_name}}\n\n"
	 "Hello,\n\nyou asked which data {{location_name}} holds about you "
	 "(Art. 15 GDPR). We hold no data about you under your e-mail "
	 "address.\n\n"
	 "Request no.: {{request_id}}\n"},
	{"request.nothing-to-erase",
	 "Subject: Ihre Anfrage {{request_id}} bei {{location_name}}\n\n"
	 "Guten Tag,\n\nSie haben gebeten, Ihre Daten zu löschen (Art. 17 "
	 "DSGVO). Zu Ihrer E-Mail-Adresse haben wir keine Daten über Sie "
	 "gespeichert; es gibt nichts zu löschen.\n\n"
	 "Anfrage Nr.: {{request_id}}\n",
	 "Subject: Your request {{request_id}} to {{location_name}}\n\n"
	 "Hello,\n\nyou asked us to erase your data (Art. 17 GDPR). We hold "
	 "no data about you under your e-mail address, so there is nothing "
	 "to erase.\n\n"
	 "Request no.: {{request_id}}\n"},
	{"request.retained-only",
	 "Subject: Ihre Anfrage {{request_id}} bei {{location_name}}\n\n"
	 "Guten Tag,\n\nSie haben sich mit einer Anfrage an uns gewandt: "
	 "{{type}}. Ihre Kundendaten haben wir bereits gelöscht. Einige "
	 "Unterlagen müssen wir nach dem Gesetz aber noch aufbewahren; sie "
	 "sind gesperrt (Art. 18 DSGVO).\n\n"
	 "{{kept}}\n"
	 "Sonst haben wir zu Ihrer E-Mail-Adresse keine Daten über Sie "
	 "gespeichert.\n\n"
	 "Anfrage Nr.: {{request_id}}\n",
	 "Subject: Your request {{request_id}} to {{location_name}}\n\n"
	 "Hello,\n\nyou sent us a request: {{type}}. We have already erased "
	 "your customer data. Some records, however, we must keep by law; "
	 "they are restricted (Art. 18 GDPR).\n\n"
	 "{{kept}}\n"
	 "Apart from these we hold no data about you under your e-mail "
	 "address.\n\n"
	 "Request no.: {{request_id}}\n"},
	/* --- to the business ---------------------------------------------- */
	{"request.received",
	 "Subject: Neue Datenschutzanfrage Nr. {{request_id}} ({{location_name}})\n\n"
	 "Eine Datenschutzanfrage ist eingegangen.\n\n"
	 "Anfrage Nr.: {{request_id}}\n"
	 "Art: {{type}}\n"
	 "Eingang über: {{channel}}\n"
	 "Eingegangen am: {{received}}\n"
	 "Stand: {{status}}\n"
	 "Frist: {{due}}\n",
	 "Subject: New privacy request no. {{request_id}} ({{location_name}})\n\n"
	 "A privacy request has been received.\n\n"
	 "Request no.: {{request_id}}\n"
	 "Type: {{type}}\n"
	 "Received by: {{channel}}\n"
	 "Received: {{received}}\n"
	 "Status: {{status}}\n"
	 "Due: {{due}}\n"},
	{"request.cancelled",
	 "Subject: Datenschutzanfrage Nr. {{request_id}} zurückgezogen\n\n"
	 "Die Anfrage Nr. {{request_id}} wurde zurückgezogen und ist "
	 "geschlossen. Der Kunde erhält dazu keine Nachricht.\n\n"
	 "Art: {{type}}\n"
	 "Grund: {{reason}}\n",
	 "Subject: Privacy request no. {{request_id}} withdrawn\n\n"
	 "Request no. {{request_id}} was withdrawn and is closed. The "
	 "customer gets no message about it.\n\n"
	 "Type: {{type}}\n"
	 "Reason: {{reason}}\n"},
	{"request.objection-done",
	 "Subject: Widerspruch gegen Werbung: Anfrage Nr. {{request_id}} erledigt\n\n"
	 "Ein Kunde hat der Werbung widersprochen (Art. 21 DSGVO). Alle "
	 "Einwilligungen in Werbung sind widerrufen; er erhält keine Werbung "
	 "mehr. Bitte nehmen Sie ihn auch aus allen anderen Verteilern "
	 "(Newsletter, SMS).\n",
	 "Subject: Objection to marketing: request no. {{request_id}} completed\n\n"
	 "A customer has objected to direct marketing (Art. 21 GDPR). Every "
	 "marketing consent is withdrawn; they receive no more marketing. "
	 "Please remove them from every other list too (newsletter, "
	 "text messages).\n"},
	{"request.restriction-done",
	 "Subject: Verarbeitung eingeschränkt: Anfrage Nr. {{request_id}} erledigt\n\n"
	 "Die Verarbeitung der Daten eines Kunden ist eingeschränkt (Art. 18 "
	 "DSGVO): die Daten werden nur noch gespeichert, er erhält keine "
	 "Werbung. Bitte verfahren Sie in anderen Systemen ebenso.\n",
	 "Subject: Processing restricted: request no. {{request_id}} completed\n\n"
	 "Processing of a customer's data is restricted (Art. 18 GDPR): the "
	 "data is only stored, and they receive no marketing. Please do the "
	 "same in other systems.\n"},
	{"request.rectification-done",
	 "Subject: Daten berichtigt: Anfrage Nr. {{request_id}} erledigt\n\n"
	 "Die Daten eines Kunden wurden berichtigt (Art. 16 DSGVO). Bitte "
	 "berichtigen Sie sie auch in anderen Systemen.\n",
	 "Subject: Data corrected: request no. {{request_id}} completed\n\n"
	 "A customer's data has been corrected (Art. 16 GDPR). Please correct "
	 "it in other systems too.\n"},
	{"request.completed",
	 "Subject: Datenschutzanfrage Nr. {{request_id}} erledigt\n\n"
	 "Die Anfrage Nr. {{request_id}} ist erledigt.\n\n"
	 "Art: {{type}}\n"
	 "Ergebnis: {{result}}\n",
	 "Subject: Privacy request no. {{request_id}} completed\n\n"
	 "Request no. {{request_id}} is completed.\n\n"
	 "Type: {{type}}\n"
	 "Result: {{result}}\n"},
	{"erasure.completed",
	 "Subject: Bitte auch in anderen Systemen löschen: Kunde {{external_id}} ({{location_name}})\n\n"
	 "Die Daten eines Kunden wurden gelöscht (Art. 17 DSGVO). Bitte "
	 "löschen Sie ihn auch in allen anderen Systemen (Kasse, Newsletter, "
	 "Kalender, Telefon). Damit finden Sie ihn:\n\n"
	 "Kundennummer: {{external_id}}\n"
	 "Name: {{name}}\n"
	 "E-Mail: {{email}}\n"
	 "Telefon: {{phone}}\n\n"
	 "Gelöscht:\n{{erased}}\n"
	 "{{kept}}\n"
	 "Diese Angaben löschen wir nach dem Versand dieser Nachricht auch "
	 "aus dem Postausgang.\n",
	 "Subject: Please erase in other systems too: customer {{external_id}} ({{location_name}})\n\n"
	 "A customer's data has been erased (Art. 17 GDPR). Please remove "
	 "the customer from every other system too (till, newsletter, "
	 "calendar, phone). To find them:\n\n"
	 "Customer number: {{external_id}}\n"
	 "Name: {{name}}\n"
	 "E-mail: {{email}}\n"
	 "Phone: {{phone}}\n\n"
	 "Erased:\n{{erased}}\n"
	 "{{kept}}\n"
	 "These details are removed from the outbox once this message is "
	 "sent.\n"},
	{"erasure.list",
	 "Subject: Bitte auch in anderen Systemen löschen: {{count}} Kunden ({{location_name}})\n\n"
	 "Die Daten von {{count}} Kunden wurden in einem Durchgang gelöscht "
	 "(Art. 17 DSGVO), etwa weil sie lange nicht mehr gebucht haben. "
	 "Bitte löschen Sie sie auch in allen anderen Systemen (Kasse, "
	 "Newsletter, Kalender, Telefon).\n\n"
	 "Die Liste im Anhang (geloeschte-kunden.csv, für jede "
	 "Tabellenkalkulation) nennt für jeden Kunden, womit Sie ihn finden: "
	 "Kundennummer (external_id), Vorname, Nachname, E-Mail und Telefon, "
	 "und bis wann Unterlagen gesperrt aufbewahrt werden "
	 "(restricted_until), wo das Gesetz es verlangt; das betrifft "
	 "{{restricted}} von {{count}} Kunden.\n\n"
	 "Gelöscht:\n{{erased}}\n"
	 "{{kept}}\n"
	 "Bitte löschen Sie die Liste, wenn Sie fertig sind. Diese Angaben "
	 "löschen wir nach dem Versand dieser Nachricht auch aus dem "
	 "Postausgang.\n",
	 "Subject: Please erase in other systems too: {{count}} customers ({{location_name}})\n\n"
	 "The data of {{count}} customers has been erased in one run (Art. 17 "
	 "GDPR), for instance because they have not booked for a long time. "
	 "Please remove them from every other system too (till, newsletter, "
	 "calendar, phone).\n\n"
	 "The attached list (erased-customers.csv, for any spreadsheet) gives "
	 "for each customer what you need to find them: customer number "
	 "(external_id), first name, last name, e-mail and phone, and until "
	 "when records the law makes us keep stay locked away "
	 "(restricted_until); that is the case for {{restricted}} of "
	 "{{count}} customers.\n\n"
	 "Erased:\n{{erased}}\n"
	 "{{kept}}\n"
	 "Please delete the list once you are done. These details are "
	 "removed from the outbox once this message is sent.\n"},
	{"retention.purged",
	 "Subject: Aufbewahrungsfrist abgelaufen: {{count}} Unterlagen gelöscht ({{location_name}})\n\n"
	 "Für {{count}} Unterlagen gelöschter Kunden (etwa Rechnungen) ist "
	 "die gesetzliche Aufbewahrungsfrist abgelaufen; wir haben sie "
	 "endgültig gelöscht.\n\n"
	 "Die Liste im Anhang (abgelaufene-unterlagen.csv) nennt Art, "
	 "Nummer, Datum, Frist und Rechtsgrundlage jeder Unterlage, damit Sie "
	 "Kopien in anderen Systemen (Buchhaltung, Ablage) ebenfalls löschen "
	 "können, soweit dort keine eigene Pflicht gilt.\n",
	 "Subject: Retention period over: {{count}} records deleted ({{location_name}})\n\n"
	 "The legal retention period of {{count}} records of erased "
	 "customers (such as invoices) has ended; we have deleted them for "
	 "good.\n\n"
	 "The attached list (expired-records.csv) gives the kind, number, "
	 "date, end of retention and legal basis of each, so that you can "
	 "delete copies in your other systems (accounting, files) too, "
	 "unless a duty of their own applies there.\n"},
	{"deadline.approaching",
	 "Subject: Frist läuft ab: Datenschutzanfrage Nr. {{request_id}} bis {{due}}\n\n"
	 "Die Frist der Anfrage Nr. {{request_id}} endet am {{due}}. Bitte "
	 "beantworten Sie sie bis dahin (Art. 12 Abs. 3 DSGVO).\n\n"
	 "Art: {{type}}\n"
	 "Eingegangen am: {{received}}\n"
	 "Stand: {{status}}\n",
	 "Subject: Deadline near: privacy request no. {{request_id}} due {{due}}\n\n"
	 "The deadline of request no. {{request_id}} ends on {{due}}. "
	 "Please answer it by then (Art. 12(3) GDPR).\n\n"
	 "Type: {{type}}\n"
	 "Received: {{received}}\n"
	 "Status: {{status}}\n"},
	{"request.overdue",
	 "Subject: Frist überschritten: Datenschutzanfrage Nr. {{request_id}}\n\n"
	 "Die Frist der Anfrage Nr. {{request_id}} ist am {{due}} "
	 "abgelaufen. Bitte beantworten Sie sie sofort (Art. 12 Abs. 3 "
	 "DSGVO).\n\n"
	 "Art: {{type}}\n"
	 "Eingegangen am: {{received}}\n"
	 "Stand: {{status}}\n",
	 "Subject: Deadline passed: privacy request no. {{request_id}}\n\n"
	 "The deadline of request no. {{request_id}} passed on {{due}}. "
	 "Please answer it at once (Art. 12(3) GDPR).\n\n"
	 "Type: {{type}}\n"
	 "Received: {{received}}\n"
	 "Status: {{status}}\n"},
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
	 "Subject: {{event}} ({{location_name}})\n\n"
	 "Bei {{location_name}}: {{event}}.\n\n{{details}}\n",
	 "Subject: {{event}} ({{location_name}})\n\n"
	 "At {{location_name}}: {{event}}.\n\n"
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
