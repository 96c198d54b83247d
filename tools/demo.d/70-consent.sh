# 70-consent.sh - a re-permission campaign: ask the pre-GDPR opt-ins again,
# record two confirmations, let the rest expire, switch marketing on.
say "Consent: re-permission for opt-ins from before 25 May 2018"
privacyctl init >/dev/null
privacyctl location show demo-konsens >/dev/null 2>&1 ||
	privacyctl location add demo-konsens --name "Salon Konsens" >/dev/null
# Four customers with marketing opt-ins from 2016/2017 and no proof.
# (Straight into the database here, so that this step stands on its own;
# 'privacyctl customer import' does this for real data.)
sqlite3 "$PRIVACY_DB" "
INSERT INTO customers (location_id, external_id, first_name, last_name,
  email, created_at, updated_at)
SELECT l.id, 'demo-' || n, 'Kundin', 'Nr. ' || n,
  'kundin' || n || '@example.org', '2016-01-01', '2016-01-01'
FROM locations l, (SELECT 1 AS n UNION SELECT 2 UNION SELECT 3 UNION SELECT 4)
WHERE l.slug = 'demo-konsens';
INSERT INTO consents (customer_id, purpose, event, at, source, recorded_at)
SELECT c.id, 'marketing-email', 'granted', '2016-06-01', 'import',
  '2016-06-01' FROM customers c WHERE c.external_id LIKE 'demo-%';"
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
	--transport "dir:$DEMO/mail"
note "A second run mails nobody twice:"
step consent-send --campaign demo-reperm --transport "dir:$DEMO/mail"
note "One of the mails:"
sed -n '/^Subject/,$p' "$(ls "$DEMO"/mail/new/* | head -1)" | head -30
note "Two customers click their confirm link; the web page runs:"
for f in $(ls "$DEMO"/mail/new/* | head -2); do
	tok=$(python3 -c 'import email, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(re.search(r"/ja\?t=([A-Za-z0-9_-]+)", m.get_payload(decode=True).decode()).group(1))' "$f")
	step privacyctl consent confirm "$tok" --ip 192.0.2.10 --user-agent "Mozilla/5.0"
done
note "Thirty-one days later the rest have not answered: their old opt-ins lapse."
step env PRIVACY_NOW="$(date -u -d '+31 days' +%Y-%m-%dT%H:%M:%SZ)" privacyctl consent expire
step privacyctl settings set demo-konsens marketing=on
unset PRIVACY_CONFIG
