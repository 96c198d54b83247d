# Privacy requests: a self-service erasure request from intake to
# completion, and a manual access request with its legal deadline.
say "Privacy requests and their deadlines"
privacyctl init >/dev/null
privacyctl location show mitte >/dev/null 2>&1 ||
	privacyctl location add mitte --name "Salon Mitte" --holidays DE-BE >/dev/null
privacyctl location show nord >/dev/null 2>&1 ||
	privacyctl location add nord --name "Studio Nord" --holidays DE-HH >/dev/null
step privacyctl settings set mitte requests=self-service notify-email=team@salon-mitte.example
step privacyctl settings set nord requests=manual notify-email=info@studio-nord.example
if ! privacyctl --dump-options | grep -q 'customer import'; then
	# until `privacyctl customer import` exists: two customers by SQL
	note "(two customers, added with sqlite3 until customer import exists)"
	sqlite3 "$PRIVACY_DB" "INSERT INTO customers (location_id, external_id, first_name, email, created_at, updated_at) SELECT id, 'K-1001', 'Erika', 'erika@example.org', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM locations WHERE slug = 'mitte'; INSERT INTO customers (location_id, external_id, first_name, email, created_at, updated_at) SELECT id, 'N-77', 'Hans', 'hans@example.org', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM locations WHERE slug = 'nord';"
else
	printf '%s\n' '{"location":"mitte","external_id":"K-1001","first_name":"Erika","email":"erika@example.org"}' \
		'{"location":"nord","external_id":"N-77","first_name":"Hans","email":"hans@example.org"}' |
		privacyctl customer import >/dev/null
fi

note "Erika asks through the booking form to be erased; the salon runs"
note "requests by itself, so a one-time code goes to her address on file."
export PRIVACY_NOW=2026-03-31T23:30:00Z
step privacyctl request new --type erasure --external-id K-1001 --location mitte --channel booking-form
rid=$(privacyctl request list --location mitte --status unverified | sed -n 's/.*"request_id":\([0-9]*\).*/\1/p' | tail -1)
code=$(sqlite3 "$PRIVACY_DB" "SELECT json_extract(payload, '\$.code') FROM events WHERE request_id = $rid AND type = 'request.verification'")
note "(notify mails the code; here we read it from the outbox)"
expect 65 privacyctl request verify "$rid" WRONGCODE
step privacyctl request verify "$rid" "$code"

note "Hans writes to the studio for a copy of his data; the studio answers"
note "by hand. Received 23:30 UTC on 31 March = 1 April in Hamburg, so the"
note "deadline is 1 May, a holiday: Monday 4 May."
step privacyctl request new --type access --external-id N-77 --location nord --channel letter
export PRIVACY_NOW=2026-04-28T08:00:00Z
note "A week before, the daily check warns (privacyctl check | notify):"
expect 1 privacyctl check --location nord -q
unset PRIVACY_NOW
