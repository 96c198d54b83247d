# tests/journeys/requests.sh - what the request journeys (J7-J9, J11, J12)
# share: a salon set up from an empty database through the public
# commands, the real test SMTP server, and mails read back as MIME.
# Source it after ../lib.sh.

# journey_setup: the test SMTP server (plain SMTP on loopback) and the
# config notify sends through; PRIVACY_CONFIG is exported.
journey_setup() {
	start_smtpd "$SCRATCH/smtp"
	{
		printf 'smtp:\n  url: smtp://127.0.0.1:%s\n  tls: none\n' "$SMTP_PORT"
		printf '  timeout: 5\n'
		salon_config
	} >"$SCRATCH/config.yaml"
	export PRIVACY_CONFIG=$SCRATCH/config.yaml
}

# mails_to ADDR: the files of the messages the server accepted for ADDR,
# oldest first.
mails_to() {
	grep -l -i -E "^X-Test-Rcpt-To: $1[[:space:]]*\$" \
		"$SCRATCH"/smtp/msg/*.eml 2>/dev/null | sort
}
nmails_to() { mails_to "$1" | grep -c . ; }
nmails() { ls "$SCRATCH"/smtp/msg 2>/dev/null | grep -c '\.eml$'; }

# mail FILE WHAT: the message parsed as MIME (Python's email package):
# WHAT is subject, body (the text/plain part), or a header name;
# attachments lists "filename content-type" per attachment.
mail() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys
from email import policy
from email.parser import BytesParser
raw = open(sys.argv[1], "rb").read()
# the server's envelope lines come first; the message follows them
while raw.startswith(b"X-Test-"):
    raw = raw.split(b"\r\n", 1)[1]
m = BytesParser(policy=policy.default).parsebytes(raw)
w = sys.argv[2]
if w == "body":
    sys.stdout.write(m.get_body(("plain",)).get_content())
elif w == "attachments":
    for p in m.iter_attachments():
        print(p.get_filename(), p.get_content_type())
else:
    v = m[w]
    sys.stdout.write("" if v is None else str(v))
PY
}

# code_in FILE: the verification code as the customer reads it in the mail.
code_in() {
	mail "$1" body | grep -Eo '[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}' |
		head -1
}
