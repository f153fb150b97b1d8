#!/usr/bin/env bats
# TLS end to end, with openssl s_client and curl against the real nginx: what is refused and
# what works, and revocation.

load helpers

setup_file() {
	start_stack -c
	export TC=$STACK_DIR/certs # this stack's own copy: the test revokes in it
}

teardown_file() {
	stop_stack
}

# handshake [S_CLIENT_ARGS...]: one GET /jobs through openssl s_client; its output in OUT.
handshake() {
	OUT=$(printf 'GET /jobs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
			-CAfile "$TC/ca.crt" -verify_return_error -ign_eof "$@" 2>&1)
}

# get_with CERT KEY [CURL_ARGS...]: GET /jobs with that certificate; sets HTTP and BODY.
get_with() {
	local cert=$1 key=$2
	shift 2
	HTTP=$(curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --cacert "$TC/ca.crt" \
		--cert "$cert" --key "$key" "$@" "https://localhost:$PORT/jobs")
	BODY=$(cat "$BATS_TEST_TMPDIR/b")
}

# sign NAME EXTENSIONS [OPENSSL_CA_ARGS...]: a client certificate from this stack's CA.
sign() {
	local name=$1 ext=$2
	shift 2
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/O=Job Worker/CN=$name" -keyout "$TC/$name.key" -out "$TC/$name.csr" 2>/dev/null
	printf '%s\n' "$ext" >"$TC/$name.ext"
	(cd "$TC" && openssl ca -config ca.cnf -batch -notext -in "$name.csr" -out "$name.crt" \
		-extfile "$name.ext" "$@" 2>/dev/null)
}

@test "TLS 1.2 and TLS 1.3 with the committed certificates work" {
	handshake -tls1_2 -cert "$TC/user1.crt" -key "$TC/user1.key"
	[[ "$OUT" == *"HTTP/1.1 200 OK"* ]]
	[[ "$OUT" == *"Protocol  : TLSv1.2"* ]]
	[[ "$OUT" == *"Cipher    : ECDHE-ECDSA-"*"GCM"* || "$OUT" == *"Cipher    : ECDHE-ECDSA-CHACHA20"* ]]
	handshake -tls1_3 -cert "$TC/user1.crt" -key "$TC/user1.key"
	[[ "$OUT" == *"HTTP/1.1 200 OK"* ]]
	[[ "$OUT" == *"TLSv1.3"* ]]
	get_with "$TC/user1.crt" "$TC/user1.key" --tlsv1.2 --tls-max 1.2
	[ "$HTTP" = 200 ]
	get_with "$TC/user1.crt" "$TC/user1.key" --tlsv1.3
	[ "$HTTP" = 200 ]
}

@test "TLS 1.0 and 1.1 are refused by the server" {
	# The client is allowed the old versions (SECLEVEL=0): the refusal is the server's alert.
	for v in -tls1 -tls1_1; do
		! handshake "$v" -cipher 'DEFAULT:@SECLEVEL=0' -cert "$TC/user1.crt" -key "$TC/user1.key"
		[[ "$OUT" == *"alert protocol version"* ]]
		[[ "$OUT" != *"HTTP/1.1"* ]]
	done
}

@test "ciphers without ECDHE or without AEAD are refused" {
	for c in ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES256-SHA AES128-GCM-SHA256 AES256-SHA256; do
		! handshake -tls1_2 -cipher "$c" -cert "$TC/user1.crt" -key "$TC/user1.key"
		[[ "$OUT" == *"alert handshake failure"* ]] || { echo "$c: $OUT"; false; }
	done
}

@test "no client certificate is refused" {
	handshake -tls1_3
	[[ "$OUT" == *"HTTP/1.1 400"* ]]
	[[ "$OUT" == *bad_certificate* ]]
	code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$TC/ca.crt" "https://localhost:$PORT/jobs")
	[ "$code" = 400 ]
}

@test "a certificate from another CA is refused" {
	d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=Job Worker CA" -keyout "$d/evil-ca.key" -out "$d/evil-ca.crt" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/OU=admins/CN=admin" \
		-keyout "$d/evil.key" -out "$d/evil.csr" 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\n' >"$d/ext"
	openssl x509 -req -in "$d/evil.csr" -CA "$d/evil-ca.crt" -CAkey "$d/evil-ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext" -out "$d/evil.crt" 2>/dev/null
	get_with "$d/evil.crt" "$d/evil.key"
	[ "$HTTP" = 400 ]
	[ "$(jq -r .error.code <<<"$BODY")" = bad_certificate ]
}

@test "an expired certificate from the project CA is refused" {
	sign expired "extendedKeyUsage=clientAuth" -startdate 20200101000000Z -enddate 20200102000000Z
	openssl x509 -in "$TC/expired.crt" -noout -checkend 0 && false
	get_with "$TC/expired.crt" "$TC/expired.key"
	[ "$HTTP" = 400 ]
	[ "$(jq -r .error.code <<<"$BODY")" = bad_certificate ]
}

@test "a certificate without clientAuth usage is refused as a client certificate" {
	# The server's own certificate (serverAuth only) ...
	get_with "$TC/server.crt" "$TC/server.key"
	[ "$HTTP" = 400 ]
	# ... and one made for a user but with serverAuth instead of clientAuth.
	sign wrongusage "extendedKeyUsage=serverAuth"
	get_with "$TC/wrongusage.crt" "$TC/wrongusage.key"
	[ "$HTTP" = 400 ]
	[ "$(jq -r .error.code <<<"$BODY")" = bad_certificate ]
	# The same made with clientAuth works: the usage is what is refused.
	sign rightusage "extendedKeyUsage=clientAuth"
	get_with "$TC/rightusage.crt" "$TC/rightusage.key"
	[ "$HTTP" = 200 ]
}

@test "make revoke NAME=user2 puts user2 on the CRL and nginx refuses it; others still work" {
	get_with "$TC/user2.crt" "$TC/user2.key"
	[ "$HTTP" = 200 ]
	run make -C "$REPO" -s revoke NAME=user2 CERTDIR="$TC"
	[ "$status" -eq 0 ]
	[[ "$output" == *"revoked user2"* ]]
	[[ "$output" == *"reloads the CRL"* ]]
	openssl crl -in "$TC/crl.pem" -noout -text | grep -q "$(openssl x509 -in "$TC/user2.crt" -noout -serial | cut -d= -f2)"
	# nginx's new workers take over from the old ones as they finish.
	for ((i = 0; i < 200; i++)); do
		get_with "$TC/user2.crt" "$TC/user2.key"
		[ "$HTTP" = 400 ] && break
		sleep 0.05
	done
	[ "$HTTP" = 400 ] || { tail -30 "$STACK_DIR/stack.log" | sed 's/^/# /' >&3; false; }
	[ "$(jq -r .error.code <<<"$BODY")" = bad_certificate ]
	get_with "$TC/user1.crt" "$TC/user1.key"
	[ "$HTTP" = 200 ]
}
