# tests/journeys/journey.sh - what every journey test shares; source it
# after ../lib.sh.  A salon with one location from an empty database, the
# real test SMTP server, and the mails read back as their receiver sees
# them (tests/journeys/mail.py, /usr/bin/python3's email package).
#
#   salon_setup MODE [LANG]  init, location "mitte" (requests=MODE), its
#                            notify-email, customers imported from CSV
#   mails                    the received mails, oldest first
#   nmails                   how many
#   mail_to ADDR             the newest mail to ADDR
#   mailf FILE ARGS...       mail.py FILE ARGS...
#   show_mail FILE           print the mail as diagnostics (the test's log
#                            shows every mail a customer gets)
#   mail_reads_well FILE LANG NAME [business]  nothing a reader should
#                            not meet (a customer's mail also greets)

JDIR="$TOP/tests/journeys"

salon_setup() {
	privacyctl init >/dev/null
	privacyctl location add mitte --name "Salon Mitte" >/dev/null
	privacyctl settings set mitte requests="$1" \
		notify-email=team@salon-mitte.example language="${2:-de}" >/dev/null
	cat >customers.csv <<'CSV'
external_id,first_name,last_name,email,phone,street,postal_code,city
K-1001,Jürgen,Müller,juergen@kunde.example,+49 30 1234567,Friedrichstraße 12,10117,Berlin
K-1002,Änne,Schröder,aenne@kunde.example,+49 30 7654321,Schönhauser Allee 5,10435,Berlin
K-1003,Paul,Ohnemail,,+49 30 5555555,Torstraße 1,10119,Berlin
CSV
	privacyctl customer import --location mitte customers.csv >/dev/null
	cat >appointments.csv <<'CSV'
external_id,customer_external_id,starts_at,service,staff,price_cents
T-1,K-1001,2025-06-01T10:00:00+02:00,Herrenhaarschnitt,Sabine,3500
T-2,K-1002,2025-10-12T14:30:00+02:00,Färben,Jörg,8900
CSV
	privacyctl appointment import --location mitte appointments.csv >/dev/null
	cat >invoices.csv <<'CSV'
number,customer_external_id,issued_on,total_cents,currency,billing_name,billing_address
RE-2025-0412,K-1002,2025-10-12,8900,EUR,Änne Schröder,"Schönhauser Allee 5, 10435 Berlin"
CSV
	privacyctl invoice import --location mitte invoices.csv >/dev/null
	start_smtpd smtp --no-starttls
	{
		salon_config | sed 's/^  email: datenschutz@salon.example$/&\
  phone: "+49 30 999999"/'
		cat <<YAML
smtp:
  url: smtp://127.0.0.1:$SMTP_PORT
  tls: none
  timeout: 5
YAML
	} >config.yaml
	export PRIVACY_CONFIG="$SCRATCH/config.yaml"
}

mails() { ls smtp/msg/*.eml 2>/dev/null; }
nmails() { mails | wc -l; }
mailf() { /usr/bin/python3 "$JDIR/mail.py" "$@"; }
# the newest mail whose header FIELD contains TEXT: mail_by FIELD TEXT
mail_by() {
	local f last=
	for f in $(mails); do
		case "$(mailf "$f" field "$1")" in *"$2"*) last=$f ;; esac
	done
	printf '%s' "$last"
}
mail_to() { mail_by To "$1"; }
show_mail() {
	diag "---- mail $(basename "$1") ----"
	mailf "$1" show | sed 's/^/#   /'
}
mail_reads_well() { # FILE LANG NAME [business]
	local p
	p=$(mailf "$1" lint "$2" ${4:-})
	is "$p" "" "$3: reads well (no machine words, ISO dates, tool names; Auto-Submitted)"
}
