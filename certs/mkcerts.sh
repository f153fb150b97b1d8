#!/bin/sh
# Make the prototype's certificates: a CA, a server certificate for localhost and 127.0.0.1,
# and client certificates user1, user2 (role user) and admin (OU=admins). ECDSA P-256.
#
# Key usage keeps each certificate to its job: the CA only signs; the server certificate has
# extendedKeyUsage serverAuth and the client certificates clientAuth, so neither can stand in
# for the other. These keys are committed for the prototype only: see README.md.
#
# usage: mkcerts.sh [DIR]       (default: the directory of this script)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here}
cd "$dir"
days=3650
subj_o="/O=Job Worker"

ext=$(mktemp)
trap 'rm -f "$ext" ./*.csr ./*.srl ./*.old' EXIT

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
	chmod 600 "$1.key"
}

# sign NAME SUBJECT EXTENSIONS
sign() {
	printf '%s\n' "$3" >"$ext"
	openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days "$days" -sha256 -extfile "$ext" -out "$1.crt" 2>/dev/null
}

key ca
openssl req -x509 -new -key ca.key -subj "$subj_o/CN=Job Worker CA" -days "$days" -sha256 \
	-addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" -out ca.crt

key server
sign server "$subj_o/CN=localhost" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
authorityKeyIdentifier=keyid"

client="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
authorityKeyIdentifier=keyid"
for user in user1 user2; do
	key "$user"
	sign "$user" "$subj_o/OU=users/CN=$user" "$client"
done
key admin
sign admin "$subj_o/OU=admins/CN=admin" "$client"

# An empty revocation list and the database `openssl ca` keeps it with (see revoke.sh).
: >index.txt
echo 1000 >crlnumber
openssl ca -config ca.cnf -gencrl -out crl.pem -batch 2>/dev/null

# The client certificates as PKCS#12, for browsers.
"$here/mkp12.sh" .

echo "certificates written to $(pwd)"
