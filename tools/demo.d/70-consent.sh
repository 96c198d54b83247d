# 70-consent.sh - a re-permission campaign: ask the pre-GDPR opt-ins again,
# record two confirmations, let the rest expire, switch marketing on.
say "Consent: re-permission for opt-ins from before 25 May 2018"
privacyctl init >/dev/null
privacyctl location show demo-konsens >/dev/null 2>&1 ||
	privacyctl location add demo-konsens --name "Salon Konsens" >/dev/null
note "Four customers whose e-mail opt-ins date from 2016, without proof:"
cat >"$DEMO/konsens.csv" <<'CSV'
external_id,first_name,last_name,email,marketing_email,marketing_opt_in_at
K-1,Anna,Becker,anna.becker@example.org,yes,2016-06-01
K-2,Jonas,Wolf,jonas.wolf@example.org,yes,2016-09-12
K-3,Lea,Krause,lea.krause@example.org,yes,2017-02-03
K-4,Emre,Yilmaz,emre.yilmaz@example.org,yes,2017-11-20
CSV
step privacyctl customer import --location demo-konsens "$DEMO/konsens.csv"
cat >"$DEMO/consent.yaml" <<'YAML'
controller:
  name: Salon Konsens GmbH
  address: Hauptstr. 1, 10115 Berlin
  email: datenschutz@salon-konsens.example
consent:
  confirm_url: https://salon-konsens.example/einwilligung/ja?t={token}
  decline_url: https://salon-konsens.example/einwilligung/nein?t={token}
YAML
export PRIVACY_CONFIG="$DEMO/consent.yaml"
note "Marketing cannot go on while those opt-ins are unproven:"
expect 1 privacyctl settings set demo-konsens marketing=on
note "Who would be asked (nothing is sent or written):"
step consent-send --campaign demo-reperm --kind repermission --location demo-konsens -n
note "Send, here into a maildir instead of an SMTP server:"
step consent-send --campaign demo-reperm --kind repermission --location demo-konsens \
	--transport "dir:$DEMO/consent-mail"
note "A second run mails nobody twice:"
step consent-send --campaign demo-reperm --transport "dir:$DEMO/consent-mail"
note "One of the mails:"
sed -n '/^Subject/,$p' "$(ls "$DEMO"/consent-mail/new/* | head -1)" | head -30
note "Two customers click their confirm link; the web page runs:"
for f in $(ls "$DEMO"/consent-mail/new/* | head -2); do
	tok=$(/usr/bin/python3 -c 'import email, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(re.search(r"/ja\?t=([A-Za-z0-9_~-]+)", m.get_payload(decode=True).decode()).group(1))' "$f")
	step privacyctl consent confirm "$tok" --ip 192.0.2.10 --user-agent "Mozilla/5.0"
done
note "Thirty-one days later the rest have not answered: their old opt-ins lapse."
step env PRIVACY_NOW="$(date -u -d '+31 days' +%Y-%m-%dT%H:%M:%SZ)" privacyctl consent expire
step privacyctl settings set demo-konsens marketing=on
unset PRIVACY_CONFIG
