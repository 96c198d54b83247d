# Erasure (dsar-erase): a customer with invoices is erased; the invoices
# stay, restricted, until the end of their retention period.
say "Erasure: delete what may go, keep the invoices the tax law demands"
# A customer with an appointment and an invoice (the booking system's data;
# inserted directly so that this step stands on its own).
privacyctl init >/dev/null
privacyctl location show mitte >/dev/null 2>&1 ||
	privacyctl location add mitte --name "Salon Mitte" >/dev/null
sqlite3 "$PRIVACY_DB" "
INSERT INTO customers (location_id, external_id, first_name, last_name,
  email, phone, created_at, updated_at)
SELECT id, 'demo-erase-1', 'Erika', 'Mustermann', 'erika@example.org',
  '+49 30 1234567', '2023-01-01T00:00:00Z', '2023-01-01T00:00:00Z'
FROM locations WHERE slug = 'mitte';
INSERT INTO appointments (location_id, customer_id, external_id, starts_at, service)
SELECT location_id, id, 'demo-appt-1', '2024-03-10T10:00:00Z', 'cut'
FROM customers WHERE external_id = 'demo-erase-1';
INSERT INTO invoices (location_id, customer_id, number, issued_on, total_cents,
  billing_name, billing_address)
SELECT location_id, id, 'DEMO-2024-001', '2024-03-10', 4500,
  'Erika Mustermann', 'Hauptstr. 1, 10115 Berlin'
FROM customers WHERE external_id = 'demo-erase-1';"
note "Erika has one appointment and one invoice of 10 March 2024."
step dsar-erase -n --external-id demo-erase-1 --location mitte
note "That was the plan (-n); now for real:"
step dsar-erase --external-id demo-erase-1 --location mitte
note "The customer and the appointment are gone; the invoice stays, restricted:"
step privacyctl retention list -f json
note "Kept until 2032-12-31: 8 years from the end of 2024 (§ 147 AO)."
note "Until then it is in no listing or export; then this deletes it:"
step env PRIVACY_NOW=2033-01-01T00:00:00Z dsar-erase --purge-expired
