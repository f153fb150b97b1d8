#!/usr/bin/env bats
# The HTTP API end to end, with curl: every endpoint, every error of the contract, who sees what.

load helpers

setup_file() {
	start_stack -k --grace 1 --max-running 4
}

teardown_file() {
	stop_stack
}

teardown() {
	# Leave no job running for the next test.
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

@test "start, list, status, output, log: a job runs and its output comes back" {
	start user1 '{"command":["sh","-c","echo hello; echo world >&2"]}'
	id=$ID
	[ "$(header Location)" = "/jobs/$id" ]
	[ "$(field owner)" = user1 ]
	[ "$(jq -c .command <<<"$BODY")" = '["sh","-c","echo hello; echo world >&2"]' ]
	[ "$(field timeout_s)" = 3600 ]
	wait_end user1 "$id"
	[ "$(field state)" = succeeded ]
	[ "$(field exit_code)" = 0 ]
	[ "$(field pid)" = null ]
	[ "$(field output)" = $'hello\nworld' ]
	[ "$(field output_bytes)" = 12 ]
	[ "$(field output_truncated)" = false ]
	api user1 GET "/jobs/$id/output"
	[ "$HTTP" = 200 ]
	[ "$(header Content-Type)" = application/octet-stream ]
	[ "$BODY" = $'hello\nworld' ]
	api user1 GET /jobs/logs
	[ "$(jq -r '.logs[0].id' <<<"$BODY")" = "$id" ]
	[ "$(jq -r '.logs[0] | has("output")' <<<"$BODY")" = false ]
}

@test "GET /jobs lists running and queued jobs, oldest first; finished ones only in the log" {
	start user1 '{"command":["sleep","30"]}'
	a=$ID
	start user1 '{"command":["sleep","30"]}'
	b=$ID
	start user1 '{"command":["true"]}'
	done_id=$ID
	wait_end user1 "$done_id"
	api user1 GET /jobs
	[ "$HTTP" = 200 ]
	[ "$(jq -r '[.jobs[].id] | join(",")' <<<"$BODY")" = "$a,$b" ]
	[ "$(jq -r '.jobs[0].state' <<<"$BODY")" = running ]
	[ "$(jq -r '.jobs[0].pid | type' <<<"$BODY")" = number ]
	api user1 GET /jobs/logs
	[ "$(jq -r '[.logs[].id] | .[0:3] | join(",")' <<<"$BODY")" = "$done_id,$b,$a" ]
}

@test "DELETE stops a job and answers with its final state; DELETE /jobs stops all of mine" {
	start user1 '{"command":["sleep","30"]}'
	a=$ID
	start user1 '{"command":["sleep","30"]}'
	b=$ID
	start user2 '{"command":["sleep","30"]}'
	other=$ID
	api user1 DELETE "/jobs/$a"
	[ "$HTTP" = 200 ]
	[ "$(field state)" = stopped ]
	[ "$(field signal)" = SIGTERM ]
	[ "$(field error)" = "stopped by user1" ]
	api user1 DELETE /jobs
	[ "$HTTP" = 200 ]
	[ "$(jq -r '[.jobs[] | .id + ":" + .state] | join(",")' <<<"$BODY")" = "$b:stopped" ]
	api user2 GET "/jobs/$other"
	[ "$(field state)" = running ]
	api user1 DELETE /jobs
	[ "$(jq -c .jobs <<<"$BODY")" = "[]" ]
}

@test "a user sees and stops only its own jobs; another's job is 404; an admin sees all" {
	start user1 '{"command":["sleep","30"]}'
	id=$ID
	api user2 GET "/jobs/$id"
	[ "$HTTP" = 404 ]
	[ "$(error_code)" = not_found ]
	api user2 GET "/jobs/$id/output"
	[ "$HTTP" = 404 ]
	api user2 DELETE "/jobs/$id"
	[ "$HTTP" = 404 ]
	api user2 GET /jobs
	[ "$(jq -r "[.jobs[].id] | index(\"$id\")" <<<"$BODY")" = null ]
	api user2 GET /jobs/logs
	[ "$(jq -r "[.logs[].id] | index(\"$id\")" <<<"$BODY")" = null ]
	api user2 DELETE /jobs
	[ "$(jq -c .jobs <<<"$BODY")" = "[]" ]
	api user1 GET "/jobs/$id"
	[ "$(field state)" = running ]

	api admin GET /jobs
	[ "$(jq -r ".jobs[] | select(.id == \"$id\") | .owner" <<<"$BODY")" = user1 ]
	api admin DELETE "/jobs/$id"
	[ "$HTTP" = 200 ]
	[ "$(field error)" = "stopped by admin" ]
}

@test "every byte 0..255 comes back exactly from /output and as valid JSON from /jobs/{id}" {
	fmt=
	for i in $(seq 0 255); do fmt+=$(printf '\\%03o' "$i"); done
	printf "$fmt" >"$STACK_DIR/bytes.bin"
	[ "$(stat -c %s "$STACK_DIR/bytes.bin")" = 256 ]
	start user1 "{\"command\":[\"cat\",\"$STACK_DIR/bytes.bin\"]}"
	id=$ID
	wait_end user1 "$id"
	[ "$(field output_bytes)" = 256 ]
	jq -e . <<<"$BODY" >/dev/null
	# 128 ASCII characters, then each invalid UTF-8 byte as one U+FFFD.
	[ "$(jq -r '.output | length' <<<"$BODY")" = 256 ]
	[ "$(jq -r '.output[128:] | explode | unique | .[0]' <<<"$BODY")" = 65533 ]
	curl -sS --cacert "$CERTS/ca.crt" --cert "$CERTS/user1.crt" --key "$CERTS/user1.key" \
		-o "$STACK_DIR/back.bin" "https://localhost:$PORT/jobs/$id/output"
	cmp "$STACK_DIR/bytes.bin" "$STACK_DIR/back.bin"
}

@test "a command that cannot be executed fails with 127 and says why" {
	start user1 '{"command":["/no/such/program","x"]}'
	id=$ID
	[ "$(field state)" = failed ]
	[ "$(field exit_code)" = 127 ]
	[[ "$(field error)" == *"No such file or directory"* ]]
	start user1 '{"command":["no-such-program-anywhere"]}'
	id=$ID
	[ "$(field exit_code)" = 127 ]
}

@test "a job that starts children leaves none after it is stopped" {
	start user1 '{"command":["sh","-c","sleep 300 & sleep 300 & wait"]}'
	id=$ID
	pgid=$(field pid)
	for ((i = 0; i < 100; i++)); do
		[ "$(pids_in_group "$pgid" | wc -l)" -ge 3 ] && break
		sleep 0.05
	done
	[ "$(pids_in_group "$pgid" | wc -l)" -ge 3 ]
	api user1 DELETE "/jobs/$id"
	[ "$(field state)" = stopped ]
	[ -z "$(pids_in_group "$pgid")" ]
}

@test "a job that ignores SIGTERM is killed after the grace period" {
	start user1 '{"command":["sh","-c","trap \"\" TERM; echo ready; while :; do sleep 1; done"]}'
	id=$ID
	until_output user1 "$id" ready # the trap is set
	api user1 DELETE "/jobs/$id"
	[ "$HTTP" = 200 ]
	[ "$(field state)" = stopped ]
	[ "$(field signal)" = SIGKILL ]
	[[ "$(field error)" == *"did not exit within 1 s of SIGTERM"* ]]
}

@test "a job past its timeout is timed_out" {
	start user1 '{"command":["sleep","30"],"timeout_s":1}'
	id=$ID
	wait_end user1 "$id"
	[ "$(field state)" = timed_out ]
	[ "$(field error)" = "timed out after 1 s" ]
}

@test "400: bodies that are not JSON, wrong fields, NUL bytes, bad timeouts" {
	for body in '' 'nope' '{"command":["ls"]' '{"command":["ls"]} x' $'{"command":["a\x01"]}'; do
		api user1 POST /jobs --json "$body"
		[ "$HTTP" = 400 ]
		[ "$(error_code)" = invalid_json ]
	done
	for body in '[]' '{}' '{"command":"ls"}' '{"command":[]}' '{"command":["ls",1]}' \
		'{"command":["a\u0000b"]}' '{"command":["ls"],"timeout_s":0}' \
		'{"command":["ls"],"timeout_s":-5}' '{"command":["ls"],"timeout_s":86401}' \
		'{"command":["ls"],"timeout_s":"10"}' '{"command":["ls"],"timeout_s":2.5}' \
		'{"command":["ls"],"extra":1}'; do
		api user1 POST /jobs --json "$body"
		[ "$HTTP" = 400 ] || { echo "$body: $HTTP $BODY"; false; }
		[ "$(error_code)" = invalid_request ]
		[ "$(jq -r '.error.message | length' <<<"$BODY")" -gt 10 ]
	done
	api user1 GET /jobs/logs
	before=$(jq '.logs | length' <<<"$BODY")
	api user1 GET "/jobs/1?wait=abc"
	[ "$HTTP" = 400 ]
	api user1 GET "/jobs?x=1"
	[ "$HTTP" = 400 ]
	api user1 GET /jobs/logs
	[ "$(jq '.logs | length' <<<"$BODY")" = "$before" ]
}

@test "400 command_too_long: too many bytes or arguments" {
	long=$(head -c 4097 /dev/zero | tr '\0' a)
	api user1 POST /jobs --json "{\"command\":[\"echo\",\"$long\"]}"
	[ "$HTTP" = 400 ]
	[ "$(error_code)" = command_too_long ]
	args=$(printf ',"x"%.0s' $(seq 256))
	api user1 POST /jobs --json "{\"command\":[\"echo\"$args]}"
	[ "$HTTP" = 400 ]
	[ "$(error_code)" = command_too_long ]
}

@test "404 for unknown jobs, malformed ids and other paths; 405 with Allow" {
	api user1 GET /jobs/999999
	[ "$HTTP" = 404 ]
	[ "$(error_code)" = not_found ]
	[ "$(jq -r .error.message <<<"$BODY")" = "job 999999 not found" ]
	api user1 GET /jobs/a.b
	[ "$HTTP" = 404 ]
	api user1 GET /jobs/1/nothing
	[ "$HTTP" = 404 ]
	api user1 GET /other
	[ "$HTTP" = 404 ]
	[ "$(error_code)" = not_found ]
	api user1 PUT /jobs
	[ "$HTTP" = 405 ]
	[ "$(error_code)" = method_not_allowed ]
	[ "$(header Allow)" = "GET, POST, DELETE" ]
	api user1 POST /jobs/1
	[ "$HTTP" = 405 ]
	[ "$(header Allow)" = "GET, DELETE" ]
	api user1 DELETE /jobs/logs
	[ "$(header Allow)" = GET ]
}

@test "409 when stopping a job that has ended" {
	start user1 '{"command":["true"]}'
	id=$ID
	wait_end user1 "$id"
	api user1 DELETE "/jobs/$id"
	[ "$HTTP" = 409 ]
	[ "$(error_code)" = not_active ]
}

@test "413 for a body over 64 KiB" {
	head -c 70000 /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/big"
	api user1 POST /jobs --json @"$BATS_TEST_TMPDIR/big"
	[ "$HTTP" = 413 ]
	[ "$(error_code)" = too_large ]
}

@test "certificates: none, from another CA, or without a CN are refused" {
	run curl -sS --cacert "$CERTS/ca.crt" "https://localhost:$PORT/jobs"
	[[ "$output" == *bad_certificate* ]]
	d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=Other CA" -keyout "$d/other-ca.key" -out "$d/other-ca.crt" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=user1" \
		-keyout "$d/mallory.key" -out "$d/mallory.csr" 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\n' >"$d/ext"
	openssl x509 -req -in "$d/mallory.csr" -CA "$d/other-ca.crt" -CAkey "$d/other-ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext" -out "$d/mallory.crt" 2>/dev/null
	code=$(curl -sS -o "$d/body" -w '%{http_code}' --cacert "$CERTS/ca.crt" \
		--cert "$d/mallory.crt" --key "$d/mallory.key" "https://localhost:$PORT/jobs")
	[ "$code" = 400 ]
	[ "$(jq -r .error.code "$d/body")" = bad_certificate ]

	# Signed by the project's CA, but with no common name: jobapi refuses it.
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=Job Worker" \
		-keyout "$d/nocn.key" -out "$d/nocn.csr" 2>/dev/null
	openssl x509 -req -in "$d/nocn.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" \
		-CAcreateserial -CAserial "$d/ca.srl" -days 2 -extfile "$d/ext" -out "$d/nocn.crt" 2>/dev/null
	code=$(curl -sS -o "$d/body" -w '%{http_code}' --cacert "$CERTS/ca.crt" \
		--cert "$d/nocn.crt" --key "$d/nocn.key" "https://localhost:$PORT/jobs")
	[ "$code" = 403 ]
	[ "$(jq -r .error.code "$d/body")" = forbidden ]
	[[ "$(jq -r .error.message "$d/body")" == *"no common name"* ]]
}

@test "503 with Retry-After while jobsupd is down; jobapi reconnects when it is back" {
	start user1 '{"command":["true"]}'
	id=$ID
	sup=$(pid_of jobsupd)
	kill -TERM "$sup"
	gone "$sup"
	while_down 503 unavailable

	# A new jobsupd on the same socket: the same jobapi serves again, without a restart.
	new_jobsupd --grace 1
	api user1 GET /jobs
	[ "$HTTP" = 200 ]
	start user1 '{"command":["true"]}'
	[ "$ID" = 1 ] # a new supervisor, a new job table
	kill -TERM "$(pid_of jobsupd)"
	wait "$(pid_of jobsupd)"
}
