#!/bin/bash
# privacyctl init, help, version, config show, output checks.
. "$(dirname "$0")/lib.sh"

run privacyctl --version
status 0 "--version exits 0"
like "$(stdout)" '^privacyctl [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"

run privacyctl --help
status 0 "--help exits 0"
like "$(stdout)" 'location add' "--help lists commands"
is "$(stderr)" "" "--help writes nothing on stderr"

run privacyctl
status 64 "no command is a usage error"
like "$(stderr)" 'usage: privacyctl' "no command prints usage on stderr"

run privacyctl frobnicate
status 64 "unknown command is exit 64"
like "$(stderr)" "unknown command 'frobnicate'" "unknown command is named"

run privacyctl frobnicate --help
status 64 "--help of an unknown command is exit 64, not the help"
like "$(stderr)" "unknown command 'frobnicate'" "--help of an unknown command names it"
is "$(stdout)" "" "--help of an unknown command prints no help on stdout"

run privacyctl customer frobnicate --help
status 64 "unknown verb of a known noun is exit 64, with or without --help"
like "$(stderr)" "unknown command 'customer frobnicate'" "the unknown verb is named with its noun"
like "$(stderr)" 'customer import' "the noun's commands are listed"

run privacyctl customer
status 64 "a noun alone is a usage error"
like "$(stderr)" 'customer import' "a noun alone lists its commands"

run privacyctl customer --help
status 0 "noun --help exits 0"
like "$(stdout)" 'customer import' "noun --help lists its commands on stdout"

run privacyctl location list --bogus
status 64 "unknown option is exit 64"
like "$(stderr)" "unknown option '--bogus'" "unknown option is named"

run privacyctl location add --help
status 0 "command --help exits 0"
like "$(stdout)" '--timezone TZ' "command --help lists its options"
like "$(stdout)" '--db PATH' "command --help lists the common options"

run privacyctl location
status 64 "a noun alone is a usage error"
like "$(stderr)" 'location list' "a noun alone lists its commands"

run privacyctl location list
status 66 "a missing database is exit 66"
like "$(stderr)" "run 'privacyctl init'" "a missing database says what to do"
[ ! -e "$PRIVACY_DB" ]; ok $? "reading does not create the database"

# init
run privacyctl init
status 0 "init creates the database"
is "$(jget database <"$out")" "$PRIVACY_DB" "init names the database"
is "$(jget schema_version <"$out")" "1" "init reports the schema version"
is "$(stat -c %a "$PRIVACY_DB")" "600" "the database file is 0600"
is "$(sql 'PRAGMA journal_mode')" "wal" "the database is in WAL mode"
run privacyctl init
status 0 "init is idempotent"
is "$(sql 'PRAGMA user_version')" "1" "user_version after init"
run privacyctl location add mitte --name Mitte
for f in "$PRIVACY_DB-wal" "$PRIVACY_DB-shm"; do
	[ ! -e "$f" ] || is "$(stat -c %a "$f")" "600" "$(basename "$f") is 0600"
done

# umask does not widen the files
rm -f "$PRIVACY_DB"*
(umask 0; privacyctl init >/dev/null)
is "$(stat -c %a "$PRIVACY_DB")" "600" "the database is 0600 whatever the umask"

# XDG default path
(unset PRIVACY_DB; privacyctl init >/dev/null)
[ -f "$HOME/.local/share/privacyctl/privacy.db" ]; ok $? "default database under XDG data home"
(unset PRIVACY_DB; XDG_DATA_HOME="$SCRATCH/xdg" privacyctl init >/dev/null)
[ -f "$SCRATCH/xdg/privacyctl/privacy.db" ]; ok $? "XDG_DATA_HOME is honoured"

# --db beats PRIVACY_DB
run privacyctl --db "$SCRATCH/other.db" init
status 0 "--db before the command"
[ -f "$SCRATCH/other.db" ]; ok $? "--db beats PRIVACY_DB"
run privacyctl init --db "$SCRATCH/third.db"
[ -f "$SCRATCH/third.db" ]; ok $? "--db after the command"

# a database from the future is refused
sqlite3 "$SCRATCH/future.db" 'PRAGMA user_version = 99'
chmod 600 "$SCRATCH/future.db" # a database open to others is refused first (77)
run privacyctl --db "$SCRATCH/future.db" location list
status 78 "a newer schema is refused"
like "$(stderr)" "newer than this version supports" "the refusal says why"

# not a database
echo "hello" >"$SCRATCH/notadb"
run privacyctl --db "$SCRATCH/notadb" location list
[ "$rc" -ne 0 ] && [ "$_crashed" -eq 0 ]; ok $? "a file that is not a database fails cleanly"

# stdout errors are reported
run privacyctl location list
status 1 "location list on an empty database: nothing matched is 1 (issue 17)"
privacyctl location list -f json >/dev/full 2>"$SCRATCH/full.err"
is "$?" "74" "a failed write to stdout is exit 74"
like "$(cat "$SCRATCH/full.err")" "write error" "the write error is reported"

# formats
run privacyctl location list -f xml
status 64 "unknown format is a usage error"
run privacyctl location list -f json
is "$(stdout)" "[]" "empty JSON list"

# config show
cat >"$SCRATCH/c.yaml" <<'YAML'
controller:
  name: Salon Beispiel GmbH
  email: datenschutz@example.org
YAML
run privacyctl -c "$SCRATCH/c.yaml" config show --origin
status 0 "config show"
grep -q '"key":"controller.name","value":"Salon Beispiel GmbH","origin":"[^"]*c.yaml:2"' "$out"
ok $? "config show --origin names file and line"
grep -q '"key":"database","value":"[^"]*privacy.db","origin":"env PRIVACY_DB"' "$out"
ok $? "PRIVACY_DB is shown with its origin"
run privacyctl -c "$SCRATCH/c.yaml" --db /tmp/x.db config show --origin
grep -q '"key":"database","value":"/tmp/x.db","origin":"--db"' "$out"
ok $? "--db beats the environment in config show"
PRIVACY_CONFIG="$SCRATCH/c.yaml" run privacyctl config show
grep -q 'Salon Beispiel' "$out"; ok $? "PRIVACY_CONFIG is read"

printf 'controller:\n  name: [unclosed\n' >"$SCRATCH/bad.yaml"
run privacyctl -c "$SCRATCH/bad.yaml" config show
status 78 "a malformed config is exit 78"
like "$(stderr)" 'bad.yaml:[0-9]+' "the config error names file and line"

run privacyctl -c "$SCRATCH/missing.yaml" config show
status 66 "a missing -c file is exit 66"

printf 'colour: blue\n' >"$SCRATCH/unknown.yaml"
run privacyctl -c "$SCRATCH/unknown.yaml" config show
status 78 "an unknown config key is exit 78"
like "$(stderr)" 'unknown.yaml:1: colour' "the unknown key is named with its line"

# PRIVACY_NOW
PRIVACY_NOW=yesterday run privacyctl location list
status 64 "a bad PRIVACY_NOW is a usage error"

# closed stdin/stdout/stderr do not make the database our output
privacyctl location list >&- 2>&-
[ $? -lt 128 ]; ok $? "closed stdout does not crash"

done_testing
