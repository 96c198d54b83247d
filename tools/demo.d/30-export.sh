# Access (dsar-export): everything held about one customer, as the law asks
# for it; a trade secret withheld with its reason; CSV for a spreadsheet.
say "Access: what do we store about Erika? (Art. 15 GDPR)"
privacyctl init >/dev/null
privacyctl location show mitte >/dev/null 2>&1 ||
	privacyctl location add mitte --name "Salon Mitte" >/dev/null
printf '%s\n' '{"location":"mitte","external_id":"demo-export-1","first_name":"Erika","last_name":"Mustermann","email":"erika.export@example.org","notes":"zahlt oft spät"}' |
	privacyctl customer import >/dev/null
printf '%s\n' '{"location":"mitte","external_id":"demo-export-t1","customer_external_id":"demo-export-1","starts_at":"2026-02-01T10:00:00Z","service":"Schnitt"}' |
	privacyctl appointment import >/dev/null
cat >"$DEMO/export.yaml" <<'YAML'
controller:
  name: Salon Mitte GmbH
  email: datenschutz@salon-mitte.example
trade_secrets:
  - customers.notes
YAML
note "The staff's notes are a trade secret here (export.yaml: trade_secrets)."
step dsar-export -c "$DEMO/export.yaml" --external-id demo-export-1 --location mitte -f json
note "The same as one value per row, safe to open in a spreadsheet:"
step sh -c "dsar-export --external-id demo-export-1 --location mitte -f csv | head -5"
note "Each export is in the audit log, by customer id only:"
step sh -c "privacyctl audit list | tail -1"
