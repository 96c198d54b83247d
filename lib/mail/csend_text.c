/*
 * csend_text.c - the built-in texts of consent campaigns.
 *
 * They carry no advertising: a re-permission mail may itself count as
 * advertising under German law (§ 7 UWG), so it says who asks, why, what
 * the customer would agree to, how to answer and how to withdraw later,
 * and who the controller is; nothing about offers.  Overridable per
 * language in the config's templates directory
 * (<dir>/consent-repermission.de.txt, ...).
 */
#include <string.h>

#include "csend.h"

static const char reperm_de[] =
	"Subject: Ihre Einwilligung: bitte bestätigen Sie oder lehnen Sie ab\n"
	"\n"
	"{{salutation}}\n"
	"\n"
	"Sie haben uns, {{location}}, vor dem 25. Mai 2018 erlaubt, Ihnen\n"
	"{{purposes}} zu senden. Seit der Datenschutz-Grundverordnung müssen\n"
	"wir nachweisen können, dass Sie eingewilligt haben. Für Ihre\n"
	"damalige Einwilligung haben wir diesen Nachweis nicht, deshalb\n"
	"fragen wir Sie einmalig, ob sie weiter gelten soll.\n"
	"\n"
	"Wenn Sie bestätigen, willigen Sie ein, dass wir Ihnen\n"
	"{{purposes}} senden. Sie können diese Einwilligung jederzeit ohne\n"
	"Angabe von Gründen mit Wirkung für die Zukunft widerrufen.\n"
	"\n"
	"Einwilligung bestätigen:\n"
	"{{confirm_url}}\n"
	"\n"
	"Ablehnen (Sie erhalten dann keine solchen Nachrichten mehr):\n"
	"{{decline_url}}\n"
	"\n"
	"Die Links gelten bis zum {{expires}}. Antworten Sie nicht, gilt\n"
	"Ihre alte Einwilligung danach als erloschen und wir schreiben Ihnen\n"
	"zu diesem Zweck nicht mehr.\n"
	"\n"
	"Widerruf später: eine formlose Nachricht an {{controller_email}}\n"
	"genügt.\n"
	"\n"
	"Verantwortlich:\n"
	"{{controller_name}}\n"
	"{{controller_address}}\n"
	"{{controller_email}}\n";

static const char reperm_en[] =
	"Subject: Your consent: please confirm or decline\n"
	"\n"
	"{{salutation}}\n"
	"\n"
	"Before 25 May 2018 you allowed us, {{location}}, to send you\n"
	"{{purposes}}. Since the General Data Protection Regulation we must\n"
	"be able to prove that you consented. We hold no such proof for your\n"
	"earlier consent, so we ask you once whether it should stay valid.\n"
	"\n"
	"If you confirm, you agree that we send you {{purposes}}. You can\n"
	"withdraw this consent at any time, without giving reasons, with\n"
	"effect for the future.\n"
	"\n"
	"Confirm your consent:\n"
	"{{confirm_url}}\n"
	"\n"
	"Decline (you will then receive no such messages):\n"
	"{{decline_url}}\n"
	"\n"
	"The links are valid until {{expires}}. If you do not answer, your\n"
	"old consent lapses after that date and we will not write to you for\n"
	"this purpose again.\n"
	"\n"
	"To withdraw later, a short message to {{controller_email}} is\n"
	"enough.\n"
	"\n"
	"Controller:\n"
	"{{controller_name}}\n"
	"{{controller_address}}\n"
	"{{controller_email}}\n";

static const char doi_de[] =
	"Subject: Bitte bestätigen Sie Ihre Anmeldung\n"
	"\n"
	"{{salutation}}\n"
	"\n"
	"bei {{location}} wurde mit dieser E-Mail-Adresse die Einwilligung\n"
	"erteilt, {{purposes}} zu erhalten. Damit wir sicher sein können,\n"
	"dass die Anmeldung von Ihnen kommt, bestätigen Sie sie bitte.\n"
	"\n"
	"Wenn Sie bestätigen, willigen Sie ein, dass wir Ihnen\n"
	"{{purposes}} senden. Sie können diese Einwilligung jederzeit ohne\n"
	"Angabe von Gründen mit Wirkung für die Zukunft widerrufen.\n"
	"\n"
	"Anmeldung bestätigen:\n"
	"{{confirm_url}}\n"
	"\n"
	"Das war ich nicht / ablehnen:\n"
	"{{decline_url}}\n"
	"\n"
	"Die Links gelten bis zum {{expires}}. Ohne Bestätigung senden wir\n"
	"Ihnen nichts.\n"
	"\n"
	"Widerruf später: eine formlose Nachricht an {{controller_email}}\n"
	"genügt.\n"
	"\n"
	"Verantwortlich:\n"
	"{{controller_name}}\n"
	"{{controller_address}}\n"
	"{{controller_email}}\n";

static const char doi_en[] =
	"Subject: Please confirm your sign-up\n"
	"\n"
	"{{salutation}}\n"
	"\n"
	"At {{location}}, this e-mail address was used to consent to\n"
	"receiving {{purposes}}. To be sure that the sign-up came from you,\n"
	"please confirm it.\n"
	"\n"
	"If you confirm, you agree that we send you {{purposes}}. You can\n"
	"withdraw this consent at any time, without giving reasons, with\n"
	"effect for the future.\n"
	"\n"
	"Confirm your sign-up:\n"
	"{{confirm_url}}\n"
	"\n"
	"This was not me / decline:\n"
	"{{decline_url}}\n"
	"\n"
	"The links are valid until {{expires}}. Without a confirmation we\n"
	"send you nothing.\n"
	"\n"
	"To withdraw later, a short message to {{controller_email}} is\n"
	"enough.\n"
	"\n"
	"Controller:\n"
	"{{controller_name}}\n"
	"{{controller_address}}\n"
	"{{controller_email}}\n";

const char *pv_csend_builtin(const char *name, const char *lang)
{
	int en = strcmp(lang, "en") == 0;

	if (strcmp(lang, "de") != 0 && !en)
		return NULL;
	if (strcmp(name, "consent-repermission") == 0)
		return en ? reperm_en : reperm_de;
	if (strcmp(name, "consent-double-opt-in") == 0)
		return en ? doi_en : doi_de;
	return NULL;
}
