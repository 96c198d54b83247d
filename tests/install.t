#!/bin/bash
# make install / uninstall with DESTDIR and PREFIX
. "$(dirname "$0")/lib.sh"

dest="$SCRATCH/dest"
make -s -C "$TOP" install DESTDIR="$dest" PREFIX=/usr >"$SCRATCH/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr"
for b in "$TOP"/bin/*; do
	name=$(basename "$b")
	[ -x "$dest/usr/bin/$name" ]; ok $? "$name is installed"
	sec=1
	[ -f "$TOP/man/$name.8" ] && sec=8 # privacy-web, a CGI program
	[ -f "$dest/usr/share/man/man$sec/$name.$sec" ]; ok $? "$name.$sec is installed"
	[ -f "$dest/usr/share/bash-completion/completions/$name" ]; ok $? "$name bash completion is installed"
	[ -f "$dest/usr/share/zsh/site-functions/_$name" ]; ok $? "$name zsh completion is installed"
done
for m in privacy.7 privacy-records.5 privacy-config.5 privacy-mapping.5; do
	sec=${m##*.}
	[ -f "$dest/usr/share/man/man$sec/$m" ]; ok $? "$m is installed"
done
for m in "$TOP"/mappings/*.yaml; do
	cmp -s "$m" "$dest/usr/share/privacyctl/mappings/$(basename "$m")"
	ok $? "mapping $(basename "$m") is installed"
done
"$dest/usr/bin/privacyctl" --version >/dev/null; ok $? "the installed binary runs"
# --map NAME finds an installed mapping (PRIVACY_MAPPINGS names the
# directory: the binary was built for PREFIX=/usr/local)
export PRIVACY_DB="$SCRATCH/i.db"
"$dest/usr/bin/privacyctl" init >/dev/null && "$dest/usr/bin/privacyctl" location add m --name M >/dev/null
PRIVACY_MAPPINGS="$dest/usr/share/privacyctl/mappings" \
	"$dest/usr/bin/privacyctl" customer import -n --map de-excel "$TOP/examples/de-excel/kunden.csv" >/dev/null
ok $? "an installed mapping is found by name"
make -s -C "$TOP" uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
ok $? "make uninstall"
is "$(find "$dest" -type f | wc -l)" "0" "uninstall removes every installed file"

# make STATIC=1: the core libraries linked in.  Its link command (make -n) is
# run into the scratch directory, so that bin/ stays as the other tests use it.
cmd=$(make -s -n -C "$TOP" STATIC=1 -W cmd/privacyctl/main.o bin/privacyctl | grep -- '-o bin/privacyctl')
like "$cmd" "-Wl,-Bstatic .*-lsqlite3.*-Wl,-Bdynamic" "STATIC=1 links the core libraries statically"
(cd "$TOP" && eval "${cmd/-o bin\/privacyctl/-o $SCRATCH/privacyctl-static}") >"$SCRATCH/static.log" 2>&1
ok $? "the STATIC=1 link of privacyctl succeeds"
unlike "$(ldd "$SCRATCH/privacyctl-static")" "libsqlite3|libyaml|libjansson|libsodium|libcsv" "no shared core library left"
PRIVACY_DB="$SCRATCH/static.db" "$SCRATCH/privacyctl-static" init >/dev/null
ok $? "the static build creates a database"
PRIVACY_DB="$SCRATCH/static.db" "$SCRATCH/privacyctl-static" location add mitte --name Mitte >/dev/null &&
printf 'external_id,first_name,marketing_email,marketing_opt_in_at\nK-1,Erika,yes,2019-01-02\n' >"$SCRATCH/c.csv" &&
PRIVACY_DB="$SCRATCH/static.db" "$SCRATCH/privacyctl-static" customer import --location mitte "$SCRATCH/c.csv" >/dev/null
ok $? "and imports into it"
is "$(sqlite3 "$SCRATCH/static.db" "SELECT count(*) FROM customers; SELECT event FROM consents")" "1
granted" "the rows are there"

# make STATIC=full: the core tools without any shared library
cmd=$(make -s -n -C "$TOP" STATIC=full -W cmd/privacyctl/main.o bin/privacyctl | grep -- '-o bin/privacyctl')
like "$cmd" " -static .*-lsqlite3" "STATIC=full links privacyctl fully statically"
if sanitized privacyctl; then
	# the sanitizer runtimes cannot be linked into a static program
	echo "ok $((_n + 1)) # skip the STATIC=full link: a sanitizer build"
	_n=$((_n + 1))
else
	(cd "$TOP" && eval "${cmd/-o bin\/privacyctl/-o $SCRATCH/privacyctl-full}") >"$SCRATCH/full.log" 2>&1
	ok $? "the STATIC=full link of privacyctl succeeds"
	like "$(ldd "$SCRATCH/privacyctl-full" 2>&1)" "not a dynamic executable" "no shared library at all"
	PRIVACY_DB="$SCRATCH/full.db" "$SCRATCH/privacyctl-full" init >/dev/null &&
	PRIVACY_DB="$SCRATCH/full.db" "$SCRATCH/privacyctl-full" location add mitte --name Mitte >/dev/null
	ok $? "the fully static build writes a database"
	is "$(sqlite3 "$SCRATCH/full.db" "SELECT DISTINCT actor FROM audit")" "privacyctl/$(id -un)" "its audit entries name the user (getpwuid without shared NSS modules)"
	is "$(PRIVACY_DB="$SCRATCH/full.db" "$TOP/bin/privacyctl" audit verify | jget intact)" "true" "the normal build verifies its audit chain"
fi

done_testing
