#!/usr/bin/env bats
# Every error is the API's JSON, nginx's own included: raw requests that nginx refuses before
# jobapi sees them, each answered with its status, Content-Type: application/json and a body
# {"error": {"code", "message"}} ending in a newline (docs/api.md, "Errors"; nginx/errors.conf).

load helpers

setup_file() {
	start_stack
}

teardown_file() {
	stop_stack
}

# raw LINE...: send the lines, each ended by CRLF, then an empty line, over TLS with user1's
# certificate, exactly as written; the answer goes to ANSWER, split into HEADERS and BODY, its
# status in HTTP. nginx closes the connection after each of these errors.
raw() {
	local line req=
	for line in "$@"; do req+="$line"$'\r\n'; done
	req+=$'\r\n'
	send "$req"
}

# send BYTES: the same, with the request as given.
send() {
	ANSWER=$BATS_TEST_TMPDIR/answer
	printf '%s' "$1" | timeout 10 openssl s_client -quiet -ign_eof -connect "127.0.0.1:$PORT" \
		-servername localhost -CAfile "$CERTS/ca.crt" -cert "$CERTS/user1.crt" \
		-key "$CERTS/user1.key" >"$ANSWER" 2>/dev/null
	split_answer
}

split_answer() {
	HEADERS=$(sed -n '1,/^\r*$/p' "$ANSWER" | tr -d '\r')
	BODY=$(sed '1,/^\r*$/d' "$ANSWER")
	HTTP=$(head -1 <<<"$HEADERS" | cut -d' ' -f2)
}

# is_error STATUS CODE: the answer is STATUS with the API's error CODE, as JSON.
is_error() {
	[ "$HTTP" = "$1" ] || { echo "status $HTTP, not $1:"; head -c 800 "$ANSWER"; return 1; }
	[ "$(header Content-Type)" = application/json ] ||
		{ echo "Content-Type: $(header Content-Type)"; head -c 800 "$ANSWER"; return 1; }
	jq -e . <<<"$BODY" >/dev/null || { echo "not JSON: $BODY"; return 1; }
	[ "$(error_code)" = "$2" ] || { echo "error $(error_code), not $2"; return 1; }
	[ -n "$(jq -r '.error.message // empty' <<<"$BODY")" ] || { echo "no message"; return 1; }
	[ "$(tail -c 1 "$ANSWER" | od -An -tx1 | tr -d ' ')" = 0a ] || { echo "no newline"; return 1; }
}

long() { head -c "$1" /dev/zero | tr '\0' a; }

@test "a dot-dot path above the root is 400 bad_request" {
	raw 'GET /jobs/..%2F..%2Fetc%2Fpasswd HTTP/1.1' 'Host: localhost'
	is_error 400 bad_request
	raw 'GET /../../etc/passwd HTTP/1.1' 'Host: localhost'
	is_error 400 bad_request
}

@test "a malformed request line or header is 400 bad_request" {
	raw 'GET /jobs HTTP/1.1' 'Host: localhost' 'a header line without a colon'
	is_error 400 bad_request
	raw 'GET /jobs HTTP/1.1' # no Host
	is_error 400 bad_request
	raw 'GET /jobs HTTP/1.1' 'Host: localhost' 'Host: localhost'
	is_error 400 bad_request
	raw 'get /jobs HTTP/1.1' 'Host: localhost'
	is_error 400 bad_request
}

@test "a malformed chunked body is 400 bad_request" {
	send $'POST /jobs HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'
	is_error 400 bad_request
}

@test "a 20 kB header is 431 headers_too_large" {
	raw 'GET /jobs HTTP/1.1' 'Host: localhost' "X-Big: $(long 20000)"
	is_error 431 headers_too_large
}

@test "a 10 kB URI is 414 uri_too_long" {
	raw "GET /jobs/$(long 10000) HTTP/1.1" 'Host: localhost'
	is_error 414 uri_too_long
}

@test "plain HTTP to the HTTPS port is 400 https_required" {
	curl -sS -o "$BATS_TEST_TMPDIR/body" -D "$BATS_TEST_TMPDIR/headers" \
		"http://127.0.0.1:$PORT/jobs"
	cat "$BATS_TEST_TMPDIR/headers" "$BATS_TEST_TMPDIR/body" >"$BATS_TEST_TMPDIR/answer"
	ANSWER=$BATS_TEST_TMPDIR/answer
	split_answer
	is_error 400 https_required
}

@test "a Transfer-Encoding other than chunked is 501 not_implemented" {
	raw 'POST /jobs HTTP/1.1' 'Host: localhost' 'Transfer-Encoding: gzip'
	is_error 501 not_implemented
}

@test "HTTP/2.0 or above in the request line is 505 http_version_not_supported" {
	raw 'GET /jobs HTTP/2.0' 'Host: localhost'
	is_error 505 http_version_not_supported
	raw 'GET /jobs HTTP/3.0' 'Host: localhost'
	is_error 505 http_version_not_supported
}

@test "TRACE, which nginx refuses itself, is 405 method_not_allowed with Allow" {
	raw 'TRACE /jobs HTTP/1.1' 'Host: localhost'
	is_error 405 method_not_allowed
	[ -n "$(header Allow)" ]
}

@test "nginx's own answers are JSON whatever the path's extension" {
	raw 'GET /index.html HTTP/1.1' 'Host: localhost' 'Connection: close'
	is_error 404 not_found
	raw 'GET /.errors/bad_request HTTP/1.1' 'Host: localhost' 'Connection: close'
	is_error 404 not_found
}

@test "the installed site has the same error pages, and nginx -t accepts it" {
	d=$BATS_TEST_TMPDIR/root
	make -C "$REPO" -s install PREFIX="$d/usr" SYSCONFDIR="$d/etc" >/dev/null
	site=$d/usr/share/jobworker/nginx-site.conf
	cmp "$REPO/nginx/errors.conf" "$d/usr/share/jobworker/errors.conf"
	grep -q "^[[:space:]]*include $d/usr/share/jobworker/errors.conf;" "$site"
	cp "$CERTS"/{server.crt,server.key,ca.crt,crl.pem} "$d/etc/jobworker/certs/"
	printf 'pid %s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\ninclude %s;\n}\n' \
		"$d" "$site" >"$d/nginx.conf"
	nginx=$(command -v nginx || echo /usr/sbin/nginx)
	run "$nginx" -t -p "$d/" -c "$d/nginx.conf"
	[ "$status" = 0 ] || { echo "$output"; false; }
}
