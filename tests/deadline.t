#!/bin/bash
# Deadlines of privacy requests: Art. 12(3) GDPR counted per Regulation
# 1182/71, in the location's time zone and holiday region.
. "$(dirname "$0")/lib.sh"

privacyctl init >/dev/null
n=0
# loc SLUG REGION [TZ]: a location with one customer (id = its number).
loc() {
	n=$((n + 1))
	privacyctl location add "$1" --name "L $1" --holidays "$2" \
		--timezone "${3:-Europe/Berlin}" >/dev/null
	printf '{"external_id":"k","email":"c%s@example.org"}\n' "$n" |
		privacyctl customer import --location "$1" >/dev/null
}
loc de DE
loc utc DE UTC
loc by DE-BY
loc nw DE-NW
loc be DE-BE
loc bb DE-BB
loc sn DE-SN
loc th DE-TH
loc bw DE-BW
loc extra DE

cid() { sql "SELECT c.id FROM customers c JOIN locations l ON l.id = c.location_id WHERE l.slug = '$1'"; }

# due LOC RECEIVED: the due date of a request received then.
due() {
	PRIVACY_NOW=2029-01-01T00:00:00Z run privacyctl request new \
		--type access --customer "$(cid "$1")" --received "$2"
	if [ "$rc" -ne 0 ]; then
		echo "status $rc: $(stderr)"
		return
	fi
	jget due <"$out"
	# closed again, so that the next one is no duplicate (J12)
	PRIVACY_NOW=2029-01-01T00:00:00Z privacyctl request cancel \
		"$(jget request_id <"$out")" --reason "test" >/dev/null
}

# month ends and leap years
is "$(due de 2026-01-15T10:00:00Z)" 2026-02-16 "15 Jan 2026 -> 15 Feb, a Sunday -> Monday 16 Feb"
is "$(due de 2026-01-31T10:00:00Z)" 2026-03-02 "31 Jan 2026 -> 28 Feb (no 31st), a Saturday -> Monday 2 Mar"
is "$(due de 2024-01-31T10:00:00Z)" 2024-02-29 "31 Jan 2024 (leap year) -> Thursday 29 Feb"
is "$(due de 2024-01-30T10:00:00Z)" 2024-02-29 "30 Jan 2024 -> 29 Feb, the last day"
is "$(due de 2027-01-31T10:00:00Z)" 2027-03-01 "31 Jan 2027 -> 28 Feb, a Sunday -> Monday 1 Mar"
is "$(due de 2028-01-31T10:00:00Z)" 2028-02-29 "31 Jan 2028 (leap year) -> Tuesday 29 Feb"
is "$(due de 2026-08-31T10:00:00Z)" 2026-09-30 "31 Aug -> 30 Sep"
is "$(due de 2026-12-15T10:00:00Z)" 2027-01-15 "across the year end"
# weekends
is "$(due de 2026-08-12T10:00:00Z)" 2026-09-14 "due on a Saturday moves to Monday"
is "$(due de 2026-07-16T10:00:00Z)" 2026-08-17 "due on a Sunday moves to Monday"
is "$(due de 2026-03-10T10:00:00Z)" 2026-04-10 "a plain Friday stays"
# national holidays, Easter-based ones in several years
is "$(due de 2026-03-03T10:00:00Z)" 2026-04-07 "2026: Good Friday, weekend, Easter Monday -> Tuesday 7 Apr"
is "$(due de 2025-03-18T10:00:00Z)" 2025-04-22 "2025: Good Friday 18 Apr -> Tuesday 22 Apr"
is "$(due de 2027-04-06T10:00:00Z)" 2027-05-07 "2027: Ascension 6 May -> Friday 7 May"
is "$(due de 2024-04-20T10:00:00Z)" 2024-05-21 "2024: Whit Monday 20 May -> Tuesday 21 May"
is "$(due de 2026-04-01T08:00:00Z)" 2026-05-04 "Labour Day (Friday 1 May 2026) -> Monday 4 May"
is "$(due de 2026-09-03T10:00:00Z)" 2026-10-05 "Day of German Unity (Saturday 3 Oct) -> Monday 5 Oct"
is "$(due de 2026-11-25T10:00:00Z)" 2026-12-28 "Christmas: 25 Dec Friday, weekend, so Monday 28 Dec"
# state holidays
is "$(due nw 2026-05-04T10:00:00Z)" 2026-06-05 "DE-NW: Corpus Christi 4 Jun 2026 -> Friday 5 Jun"
is "$(due be 2026-05-04T10:00:00Z)" 2026-06-04 "DE-BE: no Corpus Christi, due 4 Jun"
is "$(due nw 2027-04-27T10:00:00Z)" 2027-05-28 "DE-NW: Corpus Christi 2027 (Easter 28 Mar + 60 = Thursday 27 May) -> Friday 28 May"
is "$(due sn 2027-04-27T10:00:00Z)" 2027-05-27 "DE-SN: Corpus Christi is no state-wide holiday: due Thursday 27 May"
is "$(due by 2025-12-06T10:00:00Z)" 2026-01-07 "DE-BY: Epiphany 6 Jan -> Wednesday 7 Jan"
is "$(due de 2025-12-06T10:00:00Z)" 2026-01-06 "DE: 6 Jan is a working day"
is "$(due sn 2026-10-18T10:00:00Z)" 2026-11-19 "DE-SN: Repentance Day 18 Nov 2026 -> Thursday 19 Nov"
is "$(due be 2026-10-18T10:00:00Z)" 2026-11-18 "DE-BE: 18 Nov 2026 is a working day"
is "$(due be 2027-02-08T10:00:00Z)" 2027-03-09 "DE-BE: Women's Day 8 Mar 2027 -> Tuesday 9 Mar"
is "$(due bb 2027-02-08T10:00:00Z)" 2027-03-08 "DE-BB: 8 Mar is a working day"
is "$(due th 2027-08-20T10:00:00Z)" 2027-09-21 "DE-TH: Children's Day 20 Sep 2027 -> Tuesday 21 Sep"
is "$(due bw 2027-10-01T10:00:00Z)" 2027-11-02 "DE-BW: All Saints 1 Nov 2027 -> Tuesday 2 Nov"
is "$(due by 2026-07-15T10:00:00Z)" 2026-08-17 "DE-BY: Assumption 15 Aug (a Saturday), Sunday -> Monday 17 Aug"
# time zone: receipt late on the last day of a month, UTC
is "$(due de 2026-03-31T23:30:00Z)" 2026-05-04 "23:30 UTC on 31 Mar is 1 Apr in Berlin: due 1 May, a holiday -> Monday 4 May"
is "$(due utc 2026-03-31T23:30:00Z)" 2026-04-30 "the same instant at a UTC location is 31 Mar: due Thursday 30 Apr"
is "$(due de 2026-01-31T23:30:00Z)" 2026-03-02 "23:30 UTC on 31 Jan is 1 Feb in Berlin: 1 Mar, a Sunday -> 2 Mar"
is "$(due de 2026-01-31T22:59:59Z)" 2026-03-02 "22:59:59 UTC is still 31 Jan in Berlin"
is "$(due de 2026-10-31T23:30:00Z)" 2026-12-01 "31 Oct 23:30 UTC is 1 Nov in Berlin (winter time): due Tuesday 1 Dec"
is "$(due de 2026-10-31T22:30:00Z)" 2026-11-30 "31 Oct 22:30 UTC is still 31 Oct in Berlin (UTC+1): due Monday 30 Nov"
is "$(due utc 2026-10-31T23:30:00Z)" 2026-11-30 "at a UTC location 31 Oct: due Monday 30 Nov"

# extra days per location from the config
cat >"$SCRATCH/cfg.yaml" <<'YAML'
holidays:
  extra: [2026-06-11, 2026-06-12]
YAML
export PRIVACY_CONFIG="$SCRATCH/cfg.yaml"
is "$(due extra 2026-05-11T10:00:00Z)" 2026-06-15 "extra days from the config count like holidays"
is "$(due de 2026-05-11T10:00:00Z)" 2026-06-11 "another location does not get them"
printf 'holidays:\n  extra: [2026-13-01]\n' >"$SCRATCH/cfg.yaml"
snapshot before
PRIVACY_NOW=2026-05-12T00:00:00Z run privacyctl request new --type access --customer "$(cid extra)"
status 78 "a malformed extra day is a configuration error"
like "$(stderr)" "cfg.yaml:2: holidays.extra: not a date: '2026-13-01'" "the message names the file, line and key"
unchanged before "nothing recorded"
unset PRIVACY_CONFIG

# extension: once, before the first deadline, with a reason; counted from
# the receipt, the new date moved off weekends and holidays again
mk() { # mk LOC RECEIVED NOW [TYPE] -> id
	PRIVACY_NOW=$3 privacyctl request new --type "${4:-erasure}" --customer "$(cid "$1")" --received "$2" | jget request_id
}
id=$(mk sn 2024-08-31T10:00:00Z 2024-09-02T10:00:00Z)
PRIVACY_NOW=2024-09-10T10:00:00Z run privacyctl request extend "$id" --by 1 --reason "many records in three systems"
status 0 "extend by one month"
is "$(jget due <"$out") $(jget first_due <"$out")" "2024-11-01 2024-09-30" "DE-SN: 31 Aug + 2 months = 31 Oct, Reformation Day -> 1 Nov; the first due stays"
is "$(jget extension_reason <"$out")" "many records in three systems" "the reason is kept"
is "$(sql "SELECT type || ' ' || audience || ' ' || json_extract(payload, '\$.extended_due') FROM events WHERE request_id = $id ORDER BY id DESC LIMIT 1")" "request.extended customer 2024-11-01" "the customer is told the new date"
is "$(sql "SELECT detail FROM audit WHERE action = 'request.extend' AND object = 'request:$id'")" '{"by_months":1,"due":"2024-09-30","extended_due":"2024-11-01"}' "the extension is audited without the reason text"
id=$(mk bw 2024-08-31T10:00:00Z 2024-09-02T10:00:00Z)
PRIVACY_NOW=2024-09-10T10:00:00Z run privacyctl request extend "$id" --by 1 --reason "volume"
is "$(jget due <"$out")" "2024-10-31" "DE-BW: 31 Oct is a working day"
id=$(mk de 2026-01-31T10:00:00Z 2026-02-02T10:00:00Z)
PRIVACY_NOW=2026-02-10T10:00:00Z run privacyctl request extend "$id" --by 2 --reason "complex"
status 0 "extend by two months"
is "$(jget due <"$out")" "2026-04-30" "31 Jan + 3 months = 30 Apr (counted from receipt, not from the shifted 2 Mar)"

snapshot before
PRIVACY_NOW=2026-02-11T10:00:00Z run privacyctl request extend "$id" --by 1 --reason "again"
status 65 "a second extension is refused"
is "$(stderr)" "privacyctl: request $id was extended already: a deadline can be extended only once" "the refusal says why"
unchanged before "a refused second extension changes nothing"

# (an access request: the erasure above is still open, and the same one
# again would be linked to it)
id=$(mk de 2026-01-05T10:00:00Z 2026-01-05T10:00:00Z access)
is "$(privacyctl request show "$id" | jget due)" "2026-02-05" "due Thursday 5 Feb"
snapshot before
PRIVACY_NOW=2026-02-05T23:00:00Z run privacyctl request extend "$id" --by 1 --reason "late"
status 65 "an extension after the deadline (00:00 on 6 Feb in Berlin) is refused"
is "$(stderr)" "privacyctl: request $id: the deadline 2026-02-05 has passed: an extension must be made before it" "the late extension is explained"
unchanged before "a late extension changes nothing"
PRIVACY_NOW=2026-02-05T10:00:00Z run privacyctl request extend "$id" --by 1
status 64 "an extension without a reason is a usage error"
like "$(stderr)" "--reason is required" "the missing reason is named"
PRIVACY_NOW=2026-02-05T10:00:00Z run privacyctl request extend "$id" --by 1 --reason "   "
status 64 "a blank reason is no reason"
PRIVACY_NOW=2026-02-05T10:00:00Z run privacyctl request extend "$id" --by 3 --reason "x"
status 64 "--by 3 is refused"
like "$(stderr)" "--by: must be 1 or 2" "the allowed values are named"
PRIVACY_NOW=2026-02-05T10:00:00Z run privacyctl request extend "$id" --reason "x"
status 64 "--by is required"
PRIVACY_NOW=2026-02-05T10:00:00Z run privacyctl request extend 9999 --by 1 --reason "x"
status 66 "an unknown request is exit 66"
is "$(stderr)" "privacyctl: no such request: 9999" "the unknown id is named"
PRIVACY_NOW=2026-02-05T10:00:00Z run privacyctl request extend abc --by 1 --reason "x"
status 64 "a malformed id is a usage error"
unchanged before "refused extensions change nothing"
PRIVACY_NOW=2026-02-05T22:59:59Z run privacyctl request extend "$id" --by 1 --reason "in time"
status 0 "23:59:59 in Berlin on the due date is still in time"
is "$(jget due <"$out")" "2026-03-05" "5 Jan + 2 months = Thursday 5 Mar"

done_testing
