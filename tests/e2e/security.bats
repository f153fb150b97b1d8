#!/usr/bin/env bats
# Defense in depth and hostile input end to end: jobapi's own checks, the sockets' permissions,
# jobsupd's peer check, the audit trail, and output nobody should trust.

load helpers

setup_file() {
	start_stack --max-running 4
}

teardown_file() {
	stop_stack
}

# fcgi PARAM=VALUE...: one request straight to jobapi's FastCGI socket, as if from nginx.
fcgi() {
	env -i "$@" cgi-fcgi -bind -connect "$STACK_DIR/run/jobapi.sock" 2>&1
}

@test "jobapi refuses a request nginx did not verify, or without a CN, with 403" {
	run fcgi REQUEST_METHOD=GET DOCUMENT_URI=/jobs
	[[ "$output" == *"Status: 403"* ]]
	[[ "$output" == *'"code":"forbidden"'* ]]
	[[ "$output" == *"verification: none"* ]]
	run fcgi REQUEST_METHOD=GET DOCUMENT_URI=/jobs SSL_CLIENT_VERIFY=FAILED:expired
	[[ "$output" == *"Status: 403"* ]]
	run fcgi REQUEST_METHOD=GET DOCUMENT_URI=/jobs SSL_CLIENT_VERIFY=SUCCESS
	[[ "$output" == *"Status: 403"* ]]
	[[ "$output" == *"no subject"* ]]
	run fcgi REQUEST_METHOD=GET DOCUMENT_URI=/jobs SSL_CLIENT_VERIFY=SUCCESS "SSL_CLIENT_S_DN=O=Job Worker"
	[[ "$output" == *"Status: 403"* ]]
	[[ "$output" == *"no common name"* ]]
	run fcgi REQUEST_METHOD=GET DOCUMENT_URI=/jobs SSL_CLIENT_VERIFY=SUCCESS "SSL_CLIENT_S_DN=CN=a,CN=b"
	[[ "$output" == *"Status: 403"* ]]
	run fcgi REQUEST_METHOD=GET DOCUMENT_URI=/jobs SSL_CLIENT_VERIFY=SUCCESS "SSL_CLIENT_S_DN=CN=user1"
	[[ "$output" == *"Status: 200"* ]]
}

@test "only the service user (and nginx's workers) can reach the sockets" {
	[ "$(stat -c %a "$STACK_DIR/run/private")" = 700 ]
	[ "$(stat -c %a "$STACK_DIR/run/private/jobsupd.sock")" = 600 ]
	if [ "$(id -u)" = 0 ]; then
		# nginx's workers run as nobody:nogroup: the socket is theirs through the group.
		[ "$(stat -c '%a %G' "$STACK_DIR/run/jobapi.sock")" = "660 nogroup" ]
	else
		[ "$(stat -c %a "$STACK_DIR/run/jobapi.sock")" = 600 ]
	fi
}

@test "jobsupd refuses a connection from another uid (SO_PEERCRED)" {
	[ "$(id -u)" = 0 ] || skip "needs root, to act as another user"
	# A jobapi running as nobody, allowed past the 0700 directory, is still refused by jobsupd.
	sock=$STACK_DIR/intruder.sock
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=+dac_override,+dac_read_search --ambient-caps=+dac_override,+dac_read_search \
		"$BUILD/jobapi" --socket "$sock" --socket-mode 0666 \
		--supervisor "$STACK_DIR/run/private/jobsupd.sock" >"$STACK_DIR/intruder.log" 2>&1 3>&- &
	intruder=$!
	for ((i = 0; i < 200; i++)); do
		[ -S "$sock" ] && break
		sleep 0.025
	done
	out=$(env -i REQUEST_METHOD=GET DOCUMENT_URI=/jobs SSL_CLIENT_VERIFY=SUCCESS \
		SSL_CLIENT_S_DN=CN=admin,OU=admins cgi-fcgi -bind -connect "$sock" 2>&1)
	kill -TERM "$intruder"
	wait "$intruder"
	[[ "$out" == *"Status: 503"* ]]
	grep -q "refused a connection from uid $(id -u nobody)" "$STACK_DIR/stack.log"
}

@test "the audit trail logs each action with who, what and which job, one line each" {
	api user1 POST /jobs -d '{"command":["echo","line one\nfake line\u001b[31m"]}'
	id=$(field id)
	api user1 DELETE /jobs
	api admin DELETE /jobs
	start user2 '{"command":["sleep","30"]}'
	api admin DELETE "/jobs/$ID"
	log=$STACK_DIR/stack.log
	grep -q "audit user=\"user1\" action=start job=$id command=\[\"echo\",\"line one\\\\nfake line\\\\u001b\[31m\"\]" "$log"
	grep -q 'audit user="user1" action=stop-all scope=own jobs=\[\]' "$log"
	grep -q "audit user=\"admin\" action=stop job=$ID" "$log"
	# Nothing a command holds can start a line of its own.
	! grep -q '^fake line' "$log"
	! grep -q $'\033' "$log"
}

@test "hostile output: valid JSON everywhere, raw bytes from /output, escaped in jobctl" {
	printf 'bad\377\376utf8 nul\000 esc\033[2J\033]0;title\007 c1\302\233 end' >"$STACK_DIR/hostile"
	start user1 "{\"command\":[\"cat\",\"$STACK_DIR/hostile\"]}"
	id=$ID
	wait_end user1 "$id"
	jq -e . <<<"$BODY" >/dev/null
	[ "$(field output_bytes)" = "$(stat -c %s "$STACK_DIR/hostile")" ]
	jq -e '.output | startswith("bad\ufffd\ufffdutf8 nul\u0000 esc\u001b[2J")' <<<"$BODY"
	for path in /jobs /jobs/logs "/jobs/$id"; do
		api user1 GET "$path"
		jq -e . <<<"$BODY" >/dev/null
	done
	curl -sS --cacert "$CERTS/ca.crt" --cert "$CERTS/user1.crt" --key "$CERTS/user1.key" \
		"https://localhost:$PORT/jobs/$id/output" | cmp - "$STACK_DIR/hostile"

	run "$JOBCTL" status "$id"
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\033'* && "$output" != *$'\007'* && "$output" != *$'\302\233'* ]]
	[[ "$output" == *'bad\xff\xfeutf8 nul\x00 esc\x1b[2J\x1b]0;title\x07 c1\xc2\x9b end'* ]]
	run "$JOBCTL" logs
	[[ "$output" != *$'\033'* ]]
	"$JOBCTL" logs "$id" | cmp - "$STACK_DIR/hostile"
}
