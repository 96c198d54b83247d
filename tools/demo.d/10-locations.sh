# Two locations, their privacy settings, and the audit log.
say "A salon with two locations"
note "One SQLite file holds everything; PRIVACY_DB names it."
step privacyctl init
step privacyctl location add mitte --name "Salon Mitte" --holidays DE-BE
step privacyctl location add nord --name "Studio Nord" --holidays DE-HH

say "Per-location privacy settings"
note "Mitte lets customers' requests run by themselves and is told by e-mail;"
note "Nord answers each request by hand within the legal deadline."
step privacyctl settings set mitte requests=self-service notify-email=team@salon-mitte.example
step privacyctl settings set nord requests=manual notify-email=info@studio-nord.example language=en
step privacyctl settings show -f csv
expect 64 privacyctl settings set nord colour=blue

say "Every change is in the hash-chained audit log"
step privacyctl audit list -f json
step privacyctl audit verify
