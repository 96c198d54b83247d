# A booking system's own export, as German Excel saves it (issue 20):
# semicolons, Windows-1252, German dates, decimal commas, custom columns.
say "Imports: a German Excel export through a shipped mapping"
note "examples/de-excel/kunden.csv is Windows-1252 with ';' and German column names:"
step sh -c "head -n 2 '$EXAMPLES/de-excel/kunden.csv' | iconv -f windows-1252 -t utf-8"
note "Read as UTF-8 it is refused, with the likely encoding and the option named:"
expect 65 privacyctl customer import --location mitte --delimiter ';' "$EXAMPLES/de-excel/kunden.csv"
note "The mapping de-excel knows its separator, encoding and columns; the colour"
note "formula, skin type and allergies become custom attributes of each customer:"
step privacyctl customer import --location mitte --map de-excel "$EXAMPLES/de-excel/kunden.csv"
step privacyctl appointment import --location mitte --map de-excel "$EXAMPLES/de-excel/termine.csv"
step privacyctl invoice import --location mitte --map de-excel "$EXAMPLES/de-excel/rechnungen.csv"
note "They are part of what the customer is told under Art. 15:"
step sh -c "dsar-export --email mehmet.oeztuerk@example.de --location mitte -f csv | grep attributes"
