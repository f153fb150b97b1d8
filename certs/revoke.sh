#!/bin/sh
# Revoke a client certificate of the prototype CA and remake the CRL nginx checks (ssl_crl);
# a running nginx of this checkout reloads it.
#
# usage: revoke.sh NAME [DIR]   (NAME.crt in DIR, default: the directory of this script)
set -eu

name=${1:?usage: revoke.sh NAME [DIR]}
dir=${2:-$(dirname "$0")}
cd "$dir"
[ -f "$name.crt" ] || { echo "revoke.sh: no certificate $dir/$name.crt" >&2; exit 1; }
openssl ca -config ca.cnf -revoke "$name.crt" -batch 2>&1 | grep -v '^Using configuration'
openssl ca -config ca.cnf -gencrl -out crl.pem -batch 2>&1 | grep -v '^Using configuration' || true
echo "revoked $name: $(openssl crl -in crl.pem -noout -text | grep -c 'Serial Number') certificate(s) in crl.pem"

# nginx reads the CRL when it starts or reloads.
pidfile=../run/nginx.pid
if [ -s "$pidfile" ] && kill -HUP "$(cat "$pidfile")" 2>/dev/null; then
	echo "nginx (pid $(cat "$pidfile")) reloads the CRL"
fi
