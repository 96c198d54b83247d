#!/bin/sh
# make deps: install the Debian packages privacyctl needs to build, test
# and run its demo (lighttpd, chromium and selenium for the browser
# tests of privacy-web; hyperfine and time for make bench; jq for the
# README's record examples).  Idempotent:
# only what is missing is installed, and 'apt-get update' runs only then.
set -eu

PKGS="gcc make pkg-config perl sqlite3 libsqlite3-dev libcurl4-openssl-dev \
libyaml-dev libjansson-dev libcsv-dev libsodium-dev libgmime-3.0-dev \
python3 python3-aiosmtpd openssl ca-certificates mandoc clang \
libclang-rt-14-dev valgrind lighttpd chromium chromium-driver \
python3-selenium hyperfine time jq"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	   grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "deps: all packages are installed"
	exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: missing:$missing; run as root or install sudo" >&2
	exit 1
fi
echo "deps: installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
