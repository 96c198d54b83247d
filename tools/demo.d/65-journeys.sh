# Issue 14, J1 and J2 as the customer lives them: a booking-form request,
# the code by mail, the answer by mail.  Mails go to a directory here (no
# mail server needed); each is shown as its reader sees it.
say "J1 and J2: a customer asks for her data, another for erasure"
privacyctl init >/dev/null
privacyctl location show studio >/dev/null 2>&1 ||
	privacyctl location add studio --name "Studio Süd" --holidays DE-BY >/dev/null
step privacyctl settings set studio requests=self-service notify-email=team@studio-sued.example language=de
privacyctl customer import --location studio "$EXAMPLES/salon/customers.csv" >/dev/null
privacyctl appointment import --location studio "$EXAMPLES/salon/appointments.csv" >/dev/null
privacyctl invoice import --location studio "$EXAMPLES/salon/invoices.csv" >/dev/null
cat >"$DEMO/journeys.yaml" <<YAML
mail:
  from: datenschutz@studio-sued.example
controller:
  name: Studio Süd GmbH
  address: Sendlinger Str. 3, 80331 München
  email: datenschutz@studio-sued.example
  phone: "+49 89 123456"
YAML
export PRIVACY_CONFIG="$DEMO/journeys.yaml"
MAILDIR="$DEMO/journey-mail"
# show_new: the mails delivered since the last call, as people read them
show_new() {
	/usr/bin/python3 - "$MAILDIR/new" "$DEMO/.seen" <<'PY'
import email, glob, os, sys
from email import policy
seen = set(open(sys.argv[2]).read().split()) if os.path.exists(sys.argv[2]) else set()
for f in sorted(glob.glob(sys.argv[1] + "/*"), key=os.path.getmtime):
    if os.path.basename(f) in seen:
        continue
    seen.add(os.path.basename(f))
    m = email.message_from_binary_file(open(f, "rb"), policy=policy.default)
    print("   .----------------------------------------------------------")
    for h in ("From", "To", "Subject"):
        print("   | %s: %s" % (h, m[h]))
    print("   |")
    for line in m.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip().split("\n"):
        print("   | " + line)
    for p in m.iter_attachments():
        print("   | [attachment: %s, %s, %d bytes]" % (p.get_filename(), p.get_content_type(), len(p.get_content())))
    print("   '----------------------------------------------------------")
open(sys.argv[2], "w").write("\n".join(seen))
PY
}
# the code in the newest mail that has one, as the customer reads it
show_new_code() {
	/usr/bin/python3 - "$MAILDIR/new" <<'PY'
import email, glob, os, re, sys
from email import policy
for f in sorted(glob.glob(sys.argv[1] + "/*"), key=os.path.getmtime, reverse=True):
    b = email.message_from_binary_file(open(f, "rb"), policy=policy.default).get_body(("plain",)).get_content()
    m = re.search(r"\n {4}(\S+)\r?\n", b)
    if m:
        print(m.group(1))
        break
PY
}
export PRIVACY_NOW=2026-07-01T08:00:00Z

note "J1: Jürgen asks through the booking form what the studio stores about"
note "him. The booking system records the request; the cron line mails the code."
step privacyctl request new --type access --external-id K-1001 --location studio --channel booking-form
rid=$(privacyctl request list --location studio --status unverified | sed -n 's/.*"request_id":\([0-9]*\).*/\1/p' | tail -1)
step notify --pending --transport "dir:$MAILDIR" -q
show_new
code=$(show_new_code)
note "He types the code from the mail into the booking page:"
step sh -c "printf '%s\n' '$code' | privacyctl request verify $rid"
note "The cron lines: request process queues the export, notify mails it;"
note "the request is completed only once the mail server accepted the mail."
step privacyctl request process --location studio
step notify --pending --transport "dir:$MAILDIR" -q
show_new
step sh -c "privacyctl request show $rid | sed -n 's/.*\"status\":\"\\([a-z-]*\\)\".*/status: \\1/p' | head -1"

note "J2: Änne asks to be erased. Invoices stay, restricted, as the law demands."
step privacyctl request new --type erasure --external-id K-1002 --location studio --channel booking-form
rid=$(privacyctl request list --location studio --status unverified | sed -n 's/.*"request_id":\([0-9]*\).*/\1/p' | tail -1)
notify --pending --transport "dir:$MAILDIR" -q
show_new >/dev/null
code=$(show_new_code)
step sh -c "printf '%s\n' '$code' | privacyctl request verify $rid"
step privacyctl request process --location studio
step notify --pending --transport "dir:$MAILDIR" -q
show_new
unset PRIVACY_CONFIG PRIVACY_NOW
