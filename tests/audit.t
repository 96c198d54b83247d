#!/bin/bash
# privacyctl audit list|verify and tampering through the sqlite3 shell
. "$(dirname "$0")/lib.sh"

setup() {
	rm -f "$PRIVACY_DB"*
	privacyctl init >/dev/null
	PRIVACY_NOW=2026-03-01T10:00:00Z privacyctl location add mitte --name M >/dev/null
	PRIVACY_NOW=2026-03-02T10:00:00Z privacyctl settings set mitte requests=self-service >/dev/null
	PRIVACY_NOW=2026-03-03T10:00:00Z privacyctl settings set mitte language=en >/dev/null
	PRIVACY_NOW=2026-03-04T10:00:00Z privacyctl settings set mitte requests=manual >/dev/null
	PRIVACY_NOW=2026-03-05T10:00:00Z privacyctl location add nord --name N >/dev/null
}
# The triggers refuse changes through SQL; a tamperer drops them first.
tamper() {
	sql "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; $1"
}

setup
run privacyctl audit list
status 0 "audit list"
is "$(wc -l <"$out")" "5" "five entries"
is "$(sed -n 2p "$out" | jget action)" "settings.set" "entry action"
is "$(sed -n 2p "$out" | jget at)" "2026-03-02T10:00:00Z" "entries carry PRIVACY_NOW"
like "$(sed -n 2p "$out" | jget actor)" '^privacyctl/' "the actor is the program and user"
is "$(sed -n 2p "$out" | jget actor)" "privacyctl/$(id -un)" "the user's name (read from /etc/passwd without NSS for local users)"
run privacyctl audit list --since 2026-03-04
is "$(wc -l <"$out")" "2" "--since filters"
run privacyctl audit list --since soon
status 64 "a bad --since is a usage error"

run privacyctl audit verify
status 0 "an intact chain verifies"
is "$(stdout)" '{"intact":true,"entries":5}' "verify reports the entries"

sql "UPDATE audit SET action = 'x' WHERE id = 2" 2>/dev/null
[ $? -ne 0 ]; ok $? "the audit table refuses UPDATE through SQL"
sql "DELETE FROM audit WHERE id = 2" 2>/dev/null
[ $? -ne 0 ]; ok $? "the audit table refuses DELETE through SQL"
is "$(sql "SELECT count(*) FROM audit WHERE action = 'settings.set'")" "3" "refused changes leave the entries as they were"

tamper "UPDATE audit SET detail = '{\"key\":\"requests\",\"old\":\"manual\",\"new\":\"manual\"}' WHERE id = 2"
run privacyctl audit verify
status 1 "a changed entry is found"
is "$(jget bad_entry <"$out")" "2" "the changed entry is named"
like "$(stderr)" "audit chain broken at entry 2: content does not match" "the message names entry and cause"

setup
tamper "DELETE FROM audit WHERE id = 3"
run privacyctl audit verify
status 1 "a deleted entry is found"
is "$(jget bad_entry <"$out")" "4" "the entry after the gap is named"

setup
tamper "DELETE FROM audit WHERE id = 5"
run privacyctl audit verify
status 1 "a deleted last entry is found"
is "$(jget bad_entry <"$out")" "5" "the missing last entry is named"

setup
tamper "INSERT INTO audit SELECT 6, at, actor, action, object, detail, hash, hash FROM audit WHERE id = 5"
run privacyctl audit verify
status 1 "an appended entry is found"
is "$(jget bad_entry <"$out")" "6" "the appended entry is named"

setup
tamper "UPDATE audit SET id = 100 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = 100"
run privacyctl audit verify
status 1 "reordered entries are found"
is "$(jget bad_entry <"$out")" "2" "the first moved entry is named"

setup
tamper "INSERT INTO audit VALUES (0, '2026-01-01T00:00:00Z', 'x', 'settings.set', 'location:mitte', NULL, '0000000000000000000000000000000000000000000000000000000000000000', 'abc')"
run privacyctl audit verify
status 1 "an entry inserted before the first is found"
is "$(jget bad_entry <"$out")" "0" "the inserted entry is named"

# the chain goes on correctly after more entries
setup
privacyctl settings set mitte language=de >/dev/null
run privacyctl audit verify
status 0 "a longer chain still verifies"

done_testing
