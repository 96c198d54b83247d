#!/bin/bash
# privacyctl status (issue 17 item 2): per location the open requests by
# due date, notifications waiting and failed, consent health and the
# campaign that fixes it, the marketing switch, retained records ending
# soon and past, the audit chain; a table on a terminal, records for
# scripts, and one self-contained HTML page that can be mailed.
. "$(dirname "$0")/lib.sh"
export NO_COLOR=1
unset COLUMNS

SMTPD="$SCRATCH/smtpd"
mkdir -p "$SMTPD"
serve "$SMTPD" /usr/bin/python3 "$TOP/tests/smtp-faultd.py" --dir "$SMTPD"
SMTP_PORT=$SERVE_PORT
{
	salon_config
	echo "smtp:"
	echo "  url: smtp://127.0.0.1:$SMTP_PORT"
	echo "  tls: none"
	echo "  timeout: 60"
} >config.yaml
export PRIVACY_CONFIG="$SCRATCH/config.yaml"

export PRIVACY_NOW=2026-01-02T09:00:00Z
privacyctl init >/dev/null
privacyctl location add mitte --name "Salon <Mitte> & Co" >/dev/null
privacyctl location add nord --name "Studio Nord" >/dev/null
privacyctl settings set mitte requests=self-service notify-email=team@mitte.example >/dev/null
privacyctl settings set nord notify-email=info@nord.example >/dev/null
# two opt-ins from before 25 May 2018 and one after, none of them proven
printf 'external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at\n%s\n%s\n%s\n%s\n' \
	'K-1,Erika,Mustermann,erika@example.org,yes,2016-04-02' \
	'K-2,Max,Muster,max@example.org,yes,2017-01-01' \
	'K-3,Lena,Neu,lena@example.org,yes,2020-06-01' \
	'K-4,Otto,Ohne,otto@example.org,no,' >c.csv
privacyctl customer import --location mitte c.csv >/dev/null
privacyctl customer import --location nord c.csv >/dev/null
printf 'number,customer_external_id,issued_on,total_cents\nRE-1,K-4,2019-02-01,3500\n' >i.csv
privacyctl invoice import --location nord i.csv >/dev/null

# nord (manual): one request overdue by March, one due in its first week
privacyctl request new --type access --customer 5 --received 2026-01-02 >/dev/null
export PRIVACY_NOW=2026-02-04T09:00:00Z
privacyctl request new --type access --customer 6 >/dev/null
# mitte (self-service): a request from the booking form waits for the code
privacyctl request new --type erasure --customer 1 --channel booking-form >/dev/null
# the mails so far are refused for good; the next one waits
echo rcpt550 >"$SMTPD/mode"
notify --pending -q >/dev/null 2>&1
export PRIVACY_NOW=2026-03-02T09:00:00Z
privacyctl request new --type access --customer 7 >/dev/null
# an erasure in nord keeps the invoice of 2019 until the end of 2027
dsar-erase --customer 8 >/dev/null
snapshot before

failed_nord=$(sql "SELECT count(*) FROM events e JOIN locations l ON l.id = e.location_id WHERE l.slug = 'nord' AND e.status = 'failed'")
waiting_nord=$(sql "SELECT count(*) FROM events e JOIN locations l ON l.id = e.location_id WHERE l.slug = 'nord' AND e.status IN ('pending', 'deferred')")
[ "$failed_nord" -gt 0 ] && [ "$waiting_nord" -gt 0 ]
ok $? "the fixture has failed ($failed_nord) and waiting ($waiting_nord) notifications in nord"

run privacyctl status
status 0 "status exits 0"
is "$(wc -l <"$out")" 2 "one record per location"
rec() { grep "\"location\":\"$1\"" "$out"; }
f() { rec "$1" | jget "$2"; }
is "$(f nord requests_open)" 3 "nord: three open requests"
is "$(f nord requests_overdue)" 1 "nord: one past its deadline"
is "$(f nord requests_due_this_week)" 1 "nord: one due this week"
is "$(f nord requests_waiting_for_code)" 0 "nord: none waits for a code"
is "$(f mitte requests_waiting_for_code)" 1 "mitte: the booking-form request waits for the customer's code"
is "$(f mitte requests_overdue)" 0 "mitte: nothing overdue"
is "$(f nord notifications_failed)" "$failed_nord" "nord: the refused mails are failed notifications"
is "$(f nord notifications_waiting)" "$waiting_nord" "nord: the new mail is waiting"
is "$(f mitte consent_unproven)" 3 "mitte: three customers with an unproven opt-in"
is "$(f mitte consent_needs_repermission)" 2 "two from before the GDPR need re-permission"
is "$(f mitte consent_needs_double_opt_in)" 1 "one from after it needs a double opt-in"
is "$(f mitte consent_fix)" "re-permission and double opt-in campaigns" "the campaigns that fix them are named"
is "$(f nord consent_unproven)" 3 "nord: the same three (the erased customer had no opt-in)"
is "$(f mitte marketing)" off "the marketing switch"
is "$(f nord retained_expiring_30d)" 0 "nothing retained ends within 30 days in March 2026"
is "$(f nord audit_intact)" true "the audit chain is intact"
is "$(f nord audit_entries)" "$(sql 'SELECT count(*) FROM audit')" "with all its entries"
is "$(f nord audit_verified_at)" 2026-03-02T09:00:00Z "verified now"
unchanged before "status changes nothing"

PRIVACY_NOW=2027-12-10T09:00:00Z run privacyctl status --location nord
is "$(jget retained_expiring_30d <"$out")" 1 "in December 2027 the invoice's retention ends within 30 days"
is "$(jget retained_expired <"$out")" 0 "and has not ended"
PRIVACY_NOW=2028-01-03T09:00:00Z run privacyctl status --location nord
is "$(jget retained_expired <"$out")" 1 "in January 2028 it is past its end"
run privacyctl status --location nowhere
status 66 "an unknown location is exit 66"

# on a terminal: one block per location, key and value
run /usr/bin/python3 "$TOP/tests/pty.py" privacyctl status
status 0 "status on a terminal"
like "$(stdout)" $'location +mitte\n' "the table names the location"
like "$(stdout)" 'requests_overdue +1' "and the counts, one per line"
unlike "$(stdout)" '^\{' "no JSON on a terminal"

# one HTML page, parsed
run privacyctl status -f html
status 0 "status -f html exits 0"
/usr/bin/python3 - "$out" <<'PY' >parsed.txt
import sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.row, self.cells, self.rows = [], None, [], {}
        self.h2, self.loc, self.external, self.text = [], None, [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            if k in a: self.external.append(a[k])
        if tag in ("script", "link", "img", "iframe"): self.external.append(tag)
        if tag == "h2": self.loc = a.get("id", "")[4:]; self.h2.append("")
        if tag == "tr": self.row, self.cells = a.get("id"), []
        if tag in ("td", "th"): self.cells.append("")
        self.stack.append(tag)
    def handle_endtag(self, tag):
        self.stack.pop()
        if tag == "tr": self.rows[(self.loc, self.row)] = self.cells
    def handle_data(self, d):
        self.text.append(d)
        if self.stack and self.stack[-1] == "h2": self.h2[-1] += d
        if self.stack and self.stack[-1] in ("td", "th"): self.cells[-1] += d

p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
print("external", len(p.external))
print("h2", "|".join(p.h2))
for (loc, row), cells in sorted(p.rows.items()):
    print(loc, row, cells[1], cells[2] if len(cells) > 2 else "")
print("audit", "".join(p.text).split("Audit log: ")[1].split(",")[0])
PY
ok $? "the page parses as HTML"
is "$(grep '^external' parsed.txt)" "external 0" "no script and no external resource"
is "$(grep '^h2' parsed.txt)" "h2 Salon <Mitte> & Co (mitte)|Studio Nord (nord)" "one section per location, names escaped"
grep -q '&lt;Mitte&gt; &amp; Co' "$out"; ok $? "the name is escaped in the source"
like "$(grep '^nord requests-overdue' parsed.txt)" '^nord requests-overdue 1 privacyctl request list --overdue$' "overdue requests, with what to run"
like "$(grep '^nord requests-due-this-week' parsed.txt)" ' 1 ' "due this week"
like "$(grep '^mitte requests-waiting-for-code' parsed.txt)" ' 1 ' "waiting for a code"
like "$(grep '^nord notifications-failed' parsed.txt)" " $failed_nord " "failed notifications"
like "$(grep '^nord notifications-waiting' parsed.txt)" " $waiting_nord notify --pending" "waiting notifications"
like "$(grep '^mitte consent-unproven' parsed.txt)" ' 3 a re-permission and double opt-in campaigns' "consent health and its campaign"
like "$(grep '^mitte marketing' parsed.txt)" ' off ' "marketing switch"
like "$(grep '^nord retained-expiring' parsed.txt)" ' 0 ' "retained records ending soon"
is "$(grep '^audit' parsed.txt)" "audit intact" "the audit chain"

# mailed: the recipe of privacy(7) (notify sends events, not pages)
start_smtpd "$SCRATCH/mailbox"
MAIL_TO=owner@salon.example
# the example of privacy(7) as written, sent to the test's server
awk '/^Mail the owner the status page/ { on = 1 } on && /^\.Bd/ { body = 1; next }
	body && /^\.Ed/ { exit } body { gsub(/\\e/, "\\"); print }' "$TOP/man/privacy.7" |
	sed -e "s|smtp://mail.example:587 --ssl-reqd|smtp://127.0.0.1:$SMTP_PORT|" >mail.sh
grep -q 'privacyctl status -f html' mail.sh; ok $? "privacy(7) has the mail example"
bash -e mail.sh >curl.out 2>&1
rc_mail=$?
[ $rc_mail -eq 0 ] || cat curl.out >&2
ok $rc_mail "the page is sent with curl"
msg=$(grep -rl "^To: $MAIL_TO" "$SCRATCH/mailbox" 2>/dev/null | head -1)
[ -n "$msg" ]; ok $? "the SMTP server received it"
/usr/bin/python3 - "$msg" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
body = m.get_body(("html",)).get_content()
assert m["Subject"] == "Privacy status", m["Subject"]
assert "Studio Nord (nord)" in body and "&lt;Mitte&gt;" in body, body[:200]
PY
ok $? "the mail is the page, as a text/html part (parsed as MIME)"

done_testing
