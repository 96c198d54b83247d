#!/bin/bash
# Imports of CSV as booking systems and spreadsheets write it (issue 20):
# separators detected or given, encodings (UTF-8 with or without BOM,
# windows-1252, iso-8859-1, UTF-16), German and other dates, local times,
# and the errors that help: a bad header at line 1 with a hint, a file in
# another encoding named with the option, a missing location said once.
. "$(dirname "$0")/lib.sh"
export PRIVACY_NOW=2026-11-29T12:00:00Z

privacyctl init >/dev/null
privacyctl location add mitte --name "Salon Mitte" >/dev/null

# One customer file in UTF-8, German style: semicolons, German dates.
cat >de.csv <<'EOF'
external_id;first_name;last_name;email;birth_date;city;notes;marketing_email;marketing_opt_in_at
D-1;Jürgen;Müller;j.mueller@example.de;31.12.1980;Köln;"Farbe; Nr. 7";yes;02.04.2016
D-2;Änne;Weiß;;1.2.80;Düsseldorf;;no;
EOF
want="D-1|Jürgen|Müller|1980-12-31|Köln|Farbe; Nr. 7
D-2|Änne|Weiß|1980-02-01|Düsseldorf|"
stored() {
	sql "SELECT external_id, first_name, last_name, birth_date, city,
		ifnull(notes, '') FROM customers WHERE external_id LIKE 'D-%'
		ORDER BY external_id"
}

run privacyctl customer import --location mitte de.csv
status 0 "semicolons are detected from the header line"
is "$(stored)" "$want" "German dates (DD.MM.YYYY, D.M.YY) stored as ISO dates, a quoted ';' kept"
is "$(sql "SELECT at FROM consents")" "2016-04-02T00:00:00Z" "a German opt-in date becomes the grant's time"

# The same file in each encoding and separator: the same rows, unchanged.
printf '\357\273\277' | cat - de.csv >bom.csv
iconv -f utf-8 -t windows-1252 de.csv >cp1252.csv
iconv -f utf-8 -t iso-8859-1 de.csv >latin1.csv
iconv -f utf-8 -t utf-16 de.csv >utf16.csv
tr ';' '\t' <de.csv | sed 's/"Farbe\t Nr. 7"/"Farbe; Nr. 7"/' >tab.tsv
sed 's/;/,/g; s/"Farbe, Nr. 7"/"Farbe; Nr. 7"/' de.csv >comma.csv
for c in "bom.csv" "cp1252.csv --encoding windows-1252" \
	 "latin1.csv --encoding iso-8859-1" "utf16.csv --encoding utf-16" \
	 "tab.tsv" "tab.tsv --delimiter tab" "comma.csv" \
	 "de.csv --delimiter ;" "de.csv --encoding UTF-8"; do
	run privacyctl customer import --location mitte $c
	status 0 "$c: imported"
	is "$(jget unchanged <"$out") $(jget changed <"$out")" "2 false" "$c: the same rows as the UTF-8 file"
done
is "$(stored)" "$want" "and stored as from the UTF-8 file"

# Local times: in the location's time zone; --date-format for the rest.
printf 'external_id;customer_external_id;starts_at\nT-1;D-1;24.11.2026 14:30\nT-2;D-1;2026-07-01 09:00\nT-3;D-2;2026-07-01T09:00:00Z\n' >appts.csv
run privacyctl appointment import --location mitte appts.csv
status 0 "appointments with local times"
is "$(sql "SELECT group_concat(starts_at, ' ') FROM (SELECT starts_at FROM appointments ORDER BY external_id)")" \
	"2026-11-24T13:30:00Z 2026-07-01T07:00:00Z 2026-07-01T09:00:00Z" \
	"local times taken in Europe/Berlin (winter and summer), RFC 3339 as given"
printf 'number,customer_external_id,issued_on,total_cents\nR-1,D-1,11/24/2026,4550\n' >us.csv
snapshot before_us
run privacyctl invoice import --location mitte us.csv
status 65 "a US date without --date-format: 65"
like "$(stderr)" "^privacyctl: us.csv:2: issued_on: not a date \(YYYY-MM-DD, DD.MM.YYYY, D.M.YY; others with --date-format\)$" "  the formats and the option are named"
unchanged before_us "  nothing imported"
run privacyctl invoice import --location mitte --date-format %m/%d/%Y us.csv
status 0 "with --date-format %m/%d/%Y"
is "$(sql "SELECT issued_on FROM invoices WHERE number = 'R-1'")" "2026-11-24" "  stored as an ISO date"

# --- errors that help -------------------------------------------------
snapshot before
bad() { # name regex-of-the-one-message, then the command
	local name=$1 re=$2
	shift 2
	run "$@"
	status 65 "$name: exit 65"
	like "$(head -n 1 "$err")" "$re" "$name: the message"
	like "$(tail -n 1 "$err")" "bad rows?: nothing imported$" "$name: nothing imported"
	unchanged before "$name: database unchanged"
}
bad "a ';' file read with ','" \
	"^privacyctl: de.csv:1: a header of one column: looks ';'-separated: try --delimiter ';'$" \
	privacyctl customer import --location mitte --delimiter , de.csv
is "$(wc -l <"$err")" 2 "  one message for the header, none per row"
bad "a tab file read with ';'" "^privacyctl: tab.tsv:1: a header of one column: looks tab-separated: try --delimiter tab$" \
	privacyctl customer import --location mitte --delimiter ';' tab.tsv
bad "windows-1252 read as UTF-8" \
	"^privacyctl: cp1252.csv:2: first_name: invalid UTF-8: looks like windows-1252 \(try --encoding windows-1252, or --encoding iso-8859-1\)$" \
	privacyctl customer import --location mitte cp1252.csv
bad "UTF-16 read as UTF-8" "^privacyctl: utf16.csv:1: column 1: NUL character: looks like utf-16 \(try --encoding utf-16\)$" \
	privacyctl customer import --location mitte utf16.csv
printf 'external_id;first_name\nD-9;a\201b\n' >undef.csv
bad "a byte windows-1252 does not have" "^privacyctl: undef.csv:2: not windows-1252 text \(byte 29\): check --encoding$" \
	privacyctl customer import --location mitte --encoding windows-1252 undef.csv
printf 'first_name;last_name\nOtto;Huber\n' >noid.csv
bad "no external_id column" "^privacyctl: noid.csv:1: external_id: missing column \(a mapping file can name it, or a stable key instead: --map\)$" \
	privacyctl customer import --location mitte noid.csv
printf 'external_id;first_name;shoe_size\nD-7;Otto;44\nD-8;Ida;38\n' >col.csv
bad "an unknown column" "^privacyctl: col.csv:1: shoe_size: unknown column$" \
	privacyctl customer import --location mitte col.csv
is "$(wc -l <"$err")" 2 "  said once, at the header"
printf 'external_id,first_name;last_name\nD-7,Otto;Huber\n' >mixed.csv
bad "a header of two separators" "^privacyctl: mixed.csv:1: first_name;last_name: unknown column: looks ';'-separated: try --delimiter ';'$" \
	privacyctl customer import --location mitte --delimiter , mixed.csv
# a bad row late in a file of another dialect: one transaction, nothing in
{ head -n 3 de.csv; printf 'D-3;Otto;Huber;;30.02.1990;;;no;\n'; } | iconv -f utf-8 -t windows-1252 >late.csv
bad "a bad row after good ones" "^privacyctl: late.csv:4: birth_date: not a date" \
	privacyctl customer import --location mitte --encoding windows-1252 late.csv

# Several locations and no location column: one message naming --location.
privacyctl location add nord --name "Studio Nord" >/dev/null
snapshot before
{ echo "external_id,customer_external_id,starts_at"
  for i in $(seq 1 300); do echo "N-$i,D-1,2026-01-01T10:00:00Z"; done; } >many.csv
bad "no location column, two locations" \
	"^privacyctl: many.csv:1: location: no location column: there are 2 locations: name one with --location$" \
	privacyctl appointment import many.csv
is "$(wc -l <"$err")" 2 "  one message for 300 rows, and the count"
is "$(tail -n 1 "$err")" "privacyctl: 300 bad rows: nothing imported" "  every row counted"
# errors stay capped
{ echo "external_id,birth_date"; for i in $(seq 1 150); do echo "B-$i,1990-02-30"; done; } >dates.csv
bad "150 bad dates" "^privacyctl: dates.csv:2: birth_date: not a date" \
	privacyctl customer import --location mitte dates.csv
is "$(grep -c 'dates.csv:' "$err")" 100 "  100 shown"
like "$(sed -n 101p "$err")" "^privacyctl: 50 more messages not shown$" "  the rest counted"

# Usage errors
for o in "--delimiter x" "--encoding ebcdic"; do
	run privacyctl customer import --location mitte $o de.csv
	status 64 "$o: usage error"
done
like "$(stderr)" "unknown encoding 'ebcdic' \(utf-8, windows-1252, iso-8859-1" "  the encodings are listed"

done_testing
