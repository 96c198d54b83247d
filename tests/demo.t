#!/bin/bash
# make demo's narrated run works start to end (every step in tools/demo.d).
. "$(dirname "$0")/lib.sh"

run sh "$TOP/tools/demo.sh"
status 0 "the demo runs to the end"
like "$(stdout)" "== Done\." "the demo reaches its last line"
grep -q '"marketing":"on"' "$out"; ok $? "the demo ends with marketing switched on"
like "$(stdout)" 'auskunft\.json, application/json' "J1: the demo shows the customer's mail with the export attached"
like "$(stdout)" 'Ihre Daten bei Studio Süd wurden gelöscht' "J2: and the erasure confirmation"

# the customer's mails of J1 and J2 are shown as the customer reads them:
# the text, not only a subject, and nothing a customer should not meet
mails=$(/usr/bin/python3 - "$out" <<'PY'
import re, sys
t = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], encoding="utf-8").read())
j = t[t.index("== J1 and J2"):]
j = j[:j.index("\n== ", 1)]
for m in re.findall(r"   \.-+\n((?:   \|.*\n)+)   '-+", j):
    if re.search(r"^   \| To: .*<", m, re.M):  # to a person, not the business
        print(m.replace("   | ", "").replace("   |", "") + "=====")
PY
)
diag "the customer's mails in the demo:"
printf '%s\n' "$mails" | sed 's/^/#   /'
is "$(grep -c '^=====' <<<"$mails")" 3 "J1 and J2: the customer's three mails are shown (code, answer, confirmation)"
like "$mails" $'Guten Tag,\n\nbei Studio Süd ist eine Anfrage in Ihrem Namen eingegangen: Auskunft \\(Art\\. 15 DSGVO\\)' "J1: the code mail's text"
like "$mails" $'\n    [A-Z0-9]{4}-[A-Z0-9]{4}\n' "J1: with the code to type"
like "$mails" 'auskunft\.html: zum Lesen und Ausdrucken' "J1: the answer says what is attached"
like "$mails" 'Rechnungen \(1\) bis zum 31\. Dezember 2033: gesetzliche Aufbewahrungspflicht' "J2: what is kept, until when and why"
like "$mails" $'Mit freundlichen Grüßen\nStudio Süd GmbH' "signed by the controller"
unlike "$mails" '[0-9]{4}-[0-9]{2}-[0-9]{2}|privacyctl|notify|dsar-|[{}]|_id\b|\b(access|erasure|booking-form)\b' "no ISO dates, tool names, JSON or machine words in them"

done_testing
