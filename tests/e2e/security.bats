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
	start_ready "$STACK_DIR/intruder.log" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=+dac_override,+dac_read_search --ambient-caps=+dac_override,+dac_read_search \
		"$BUILD/jobapi" --ready-fd 3 --socket "$sock" --socket-mode 0666 \
		--supervisor "$STACK_DIR/run/private/jobsupd.sock"
	intruder=$READY_PID
	out=$(env -i REQUEST_METHOD=GET DOCUMENT_URI=/jobs SSL_CLIENT_VERIFY=SUCCESS \
		SSL_CLIENT_S_DN=CN=admin,OU=admins cgi-fcgi -bind -connect "$sock" 2>&1)
	kill -TERM "$intruder"
	wait "$intruder"
	[[ "$out" == *"Status: 503"* ]]
	grep -q "refused a connection from uid $(id -u nobody)" "$STACK_DIR/stack.log"
}

@test "the audit trail logs each action with who, what and which job, one line each" {
	api user1 POST /jobs --json '{"command":["echo","line one\nfake line\u001b[31m"]}'
	id=$(field id)
	wait_end user1 "$id" # so that the stop-all below has nothing to stop
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

# log_ids USER: the ids of the jobs in USER's log, for comparing before and after.
log_ids() {
	api "$1" GET /jobs/logs
	jq -r '[.logs[].id] | join(",")' <<<"$BODY"
}

@test "415: a body not declared application/json (a cross-site form's) starts nothing" {
	before=$(log_ids user1)
	flag=$STACK_DIR/started-by-415
	job="{\"command\":[\"touch\",\"$flag\"]}"
	for type in text/plain application/x-www-form-urlencoded 'multipart/form-data; boundary=x' \
		application/jsonp 'text/plain; a=application/json'; do
		api user1 POST /jobs -H "Content-Type: $type" --data-binary "$job"
		[ "$HTTP" = 415 ] || { echo "$type: $HTTP $BODY"; false; }
		[ "$(error_code)" = unsupported_media_type ]
		[ "$(jq -r .error.message <<<"$BODY")" = \
			"send the body with Content-Type: application/json (it came as $type)" ]
	done
	api user1 POST /jobs -H 'Content-Type:' --data-binary "$job" # no Content-Type at all
	[ "$HTTP" = 415 ]
	[[ "$(jq -r .error.message <<<"$BODY")" == *"without a Content-Type"* ]]
	api user1 POST /jobs -H 'Content-Type: text/plain' -H 'Transfer-Encoding: chunked' \
		--data-binary "$job"
	[ "$HTTP" = 415 ]
	# Bodies anywhere, not only where a job starts.
	api user1 DELETE /jobs -H 'Content-Type: text/plain' --data-binary x
	[ "$HTTP" = 415 ]
	[ "$(log_ids user1)" = "$before" ]
	[ ! -e "$flag" ]

	# The media type in any case, with parameters; a body-less POST needs no type.
	for type in 'application/json; charset=utf-8' Application/JSON 'application/json ;charset=UTF-8'; do
		api user1 POST /jobs -H "Content-Type: $type" --data-binary '{"command":["true"]}'
		[ "$HTTP" = 201 ] || { echo "$type: $HTTP $BODY"; false; }
	done
	api user1 POST "/jobs/$(field id)/restart"
	[ "$HTTP" = 201 ]
	api admin GET /metrics
	grep -Eq '^jobworker_http_requests_total\{status="415"\} ([8-9]|[1-9][0-9]+)$' <<<"$BODY"
}

@test "403: a request from another origin is refused, whatever its method; our own origin is served" {
	start user1 '{"command":["sleep","30"]}'
	id=$ID
	before=$(log_ids user1)
	flag=$STACK_DIR/started-by-403
	api user1 POST /jobs -H 'Origin: https://evil.example' --json "{\"command\":[\"touch\",\"$flag\"]}"
	[ "$HTTP" = 403 ]
	[ "$(error_code)" = forbidden ]
	[ "$(jq -r .error.message <<<"$BODY")" = "requests from another origin (https://evil.example) are refused; this service's origin is https://localhost:$PORT" ]
	api user1 GET /jobs -H 'Origin: https://evil.example'
	[ "$HTTP" = 403 ]
	[ "$(error_code)" = forbidden ]
	api user1 DELETE "/jobs/$id" -H 'Origin: https://evil.example'
	[ "$HTTP" = 403 ]
	for origin in null "http://localhost:$PORT" "https://localhost:$((PORT + 1))" https://localhost \
		"https://127.0.0.1:$PORT" "https://localhost:$PORT.evil.example"; do
		api user1 GET "/jobs/$id" -H "Origin: $origin"
		[ "$HTTP" = 403 ] || { echo "$origin: $HTTP"; false; }
		[[ "$(jq -r .error.message <<<"$BODY")" == "requests from another origin ($origin) are refused"* ]]
	done
	[ "$(log_ids user1)" = "$before" ]
	[ ! -e "$flag" ]
	api user1 GET "/jobs/$id"
	[ "$(field state)" = running ]

	# The service's own origin (its pages, one day /ui/), and no Origin at all, are served.
	api user1 POST /jobs -H "Origin: https://localhost:$PORT" --json '{"command":["true"]}'
	[ "$HTTP" = 201 ]
	api user1 GET /jobs -H "Origin: https://localhost:$PORT"
	[ "$HTTP" = 200 ]
	api user1 DELETE "/jobs/$id" -H "Origin: https://localhost:$PORT"
	[ "$HTTP" = 200 ]
	[ "$(field state)" = stopped ]
}

@test "jobctl declares its bodies JSON and sends no Origin: start, status and stop work" {
	run "$JOBCTL" start -- sleep 30
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+$ ]]
	id=$output
	run "$JOBCTL" status "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *running* ]]
	run "$JOBCTL" restart "$id"
	[ "$status" -eq 0 ]
	run "$JOBCTL" stop --all
	[ "$status" -eq 0 ]
	[[ "$output" == *stopped* ]]
}
