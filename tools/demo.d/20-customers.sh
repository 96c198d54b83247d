# Customers, the consent ledger and the marketing switch (issue 3).
say "Customers: import the sample salon (examples/salon)"
privacyctl init >/dev/null
privacyctl location show mitte >/dev/null 2>&1 ||
	privacyctl location add mitte --name "Salon Mitte" >/dev/null
step privacyctl customer import --location mitte "$EXAMPLES/salon/customers.csv"
step privacyctl appointment import --location mitte "$EXAMPLES/salon/appointments.csv"
step privacyctl invoice import --location mitte "$EXAMPLES/salon/invoices.csv"
note "Importing the same file again changes nothing, and says so:"
step privacyctl customer import --location mitte "$EXAMPLES/salon/customers.csv"
note "A bad row: nothing is imported, the row and field are named (exit 65)."
printf 'external_id,first_name,birth_date\nK-2001,Jörg,1990-02-30\n' >"$DEMO/bad.csv"
expect 65 privacyctl customer import --location mitte "$DEMO/bad.csv"

say "Marketing: can it be switched on?"
step privacyctl consent list --location mitte
note "Two opt-ins date from before 25 May 2018 and prove nothing; one is"
note "unproven until the customer confirms. So marketing stays off:"
expect 1 privacyctl -v settings set mitte marketing=on
note "They must be asked again (re-permission); this list feeds consent-send:"
step privacyctl consent list --location mitte --needs-repermission
note "Record the salon's double opt-in confirmations: Zoë's opt-in is proven now,"
note "but the pre-2018 ones still have no answer, so marketing stays off:"
step privacyctl consent import --location mitte "$EXAMPLES/salon/consents.csv"
expect 1 privacyctl settings set mitte marketing=on
step privacyctl customer show --email aenne.schroeder@example.de -f json
