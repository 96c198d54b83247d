#!/bin/bash
# make install / uninstall with DESTDIR and PREFIX
. "$(dirname "$0")/lib.sh"

dest="$SCRATCH/dest"
make -s -C "$TOP" install DESTDIR="$dest" PREFIX=/usr >"$SCRATCH/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr"
for b in "$TOP"/bin/*; do
	name=$(basename "$b")
	[ -x "$dest/usr/bin/$name" ]; ok $? "$name is installed"
	[ -f "$dest/usr/share/man/man1/$name.1" ]; ok $? "$name.1 is installed"
	[ -f "$dest/usr/share/bash-completion/completions/$name" ]; ok $? "$name bash completion is installed"
	[ -f "$dest/usr/share/zsh/site-functions/_$name" ]; ok $? "$name zsh completion is installed"
done
for m in privacy.7 privacy-records.5 privacy-config.5; do
	sec=${m##*.}
	[ -f "$dest/usr/share/man/man$sec/$m" ]; ok $? "$m is installed"
done
"$dest/usr/bin/privacyctl" --version >/dev/null; ok $? "the installed binary runs"
make -s -C "$TOP" uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
ok $? "make uninstall"
is "$(find "$dest" -type f | wc -l)" "0" "uninstall removes every installed file"

done_testing
