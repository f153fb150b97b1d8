#!/bin/sh
# Make a PKCS#12 file per client certificate (user1.p12, user2.p12, admin.p12) from its committed
# .crt and .key, for importing into a browser (README.md, "The web dashboard"). The keys and
# certificates themselves are not changed. mkcerts.sh calls this after making new ones.
#
# The password is "jobworker" (P12_PASSWORD overrides it): some browsers and key stores refuse a
# file without one. OpenSSL 3's defaults (AES-256-CBC, PBKDF2, HMAC-SHA256), which Chromium,
# Chrome, Firefox and Windows 10+ import; macOS's Keychain before macOS 15 may want the legacy
# format: P12_LEGACY=1 (3DES and SHA-1, as OpenSSL 1.1 made them).
#
# usage: mkp12.sh [DIR]       (default: the directory of this script)
set -eu

dir=${1:-$(dirname "$0")}
cd "$dir"
pass=${P12_PASSWORD:-jobworker}
legacy=
[ -n "${P12_LEGACY:-}" ] && legacy="-certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1"

for who in user1 user2 admin; do
	# shellcheck disable=SC2086 # legacy is a list of options
	P12_PASS=$pass openssl pkcs12 -export -in "$who.crt" -inkey "$who.key" \
		-name "$who (Job Worker)" -passout env:P12_PASS $legacy -out "$who.p12.new"
	chmod 600 "$who.p12.new"
	mv "$who.p12.new" "$who.p12"
done
echo "PKCS#12 files written to $(pwd) (password: $pass)"
