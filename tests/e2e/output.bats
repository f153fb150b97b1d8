#!/usr/bin/env bats
# Each job's whole output, kept on disk: read whole, by Range, the last lines, one stream, each
# with follow; followers that stall or lose their connection miss nothing; jobctl logs.

load helpers

setup_file() {
	start_stack -k --max-running 1 --grace 1
}

teardown_file() {
	stop_stack
}

teardown() {
	# Lets go a follower stalled until then, if its test failed before.
	touch "${STACK_DIR:-/nonexistent}/stalled.go" 2>/dev/null || true
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

# A job writing N bytes that anyone can make again: AES-CTR of zeros under a fixed key.
KEY=000102030405060708090a0b0c0d0e0f
stream_of() { openssl enc -aes-128-ctr -nosalt -K $KEY -iv 0 -in /dev/zero 2>/dev/null | head -c "$1"; }
bytes_job() {
	echo "{\"command\":[\"sh\",\"-c\",\"openssl enc -aes-128-ctr -nosalt -K $KEY -iv 0 -in /dev/zero 2>/dev/null | head -c $1\"]}"
}

# output_bytes ID N: wait (bounded) until the job has written N bytes.
output_reaches() { until_true "api user1 GET /jobs/$1; [ \"\$(field output_bytes)\" -ge $2 ]"; }

follower() {
	"$REPO/tests/e2e/follower.py" "https://localhost:$PORT$1" "$CERTS/user1.crt" \
		"$CERTS/user1.key" "$CERTS/ca.crt" "${@:2}"
}

@test "a job of 200000 lines: GET /output and jobctl logs give every byte, from the first" {
	start user1 '{"command":["seq","200000"]}'
	wait_end user1 "$ID"
	[ "$(field output_bytes)" = "$(seq 200000 | wc -c)" ]
	[ "$(field output_truncated)" = false ]
	# The recent window alone is in the job object; the whole is in the spool.
	[ "$(field output | head -1)" != 1 ]
	curl -sS --cacert "$CERTS/ca.crt" --cert "$CERTS/user1.crt" --key "$CERTS/user1.key" \
		-o "$STACK_DIR/whole" "https://localhost:$PORT/jobs/$ID/output"
	cmp <(seq 200000) "$STACK_DIR/whole"
	"$JOBCTL" logs "$ID" >"$STACK_DIR/logs"
	cmp <(seq 200000) "$STACK_DIR/logs"
	"$JOBCTL" logs --tail 3 "$ID" >"$STACK_DIR/tail"
	cmp <(seq 199998 200000) "$STACK_DIR/tail"
}

@test "Range: 206 with Content-Range, 416 past the end, 400 for what is not one range" {
	start user1 '{"command":["printf","0123456789"]}'
	wait_end user1 "$ID"
	api user1 GET "/jobs/$ID/output" -r 3-
	[ "$HTTP" = 206 ] && [ "$BODY" = 3456789 ]
	[ "$(header Content-Range)" = "bytes 3-9/10" ]
	[ "$(header X-Output-Offset)" = 3 ]
	api user1 GET "/jobs/$ID/output" -r 2-4
	[ "$HTTP" = 206 ] && [ "$BODY" = 234 ]
	api user1 GET "/jobs/$ID/output" -r 10-
	[ "$HTTP" = 416 ] && [ "$(error_code)" = range_not_satisfiable ]
	api user1 GET "/jobs/$ID/output" -H 'Range: bytes=0-1,4-5'
	[ "$HTTP" = 400 ] && [ "$(error_code)" = invalid_request ]
	api user1 GET "/jobs/$ID/output?tail=1" -r 0-
	[ "$HTTP" = 400 ]
}

@test "stdout and stderr apart, and as written; tail and stream combine, with follow too" {
	start user1 '{"command":["sh","-c","echo o1; echo e1 >&2; echo o2; echo e2 >&2; echo o3; exec sleep 600"]}'
	id=$ID
	output_reaches "$id" 15
	api user1 GET "/jobs/$id/output?stream=stdout"
	[ "$BODY" = $'o1\no2\no3' ]
	api user1 GET "/jobs/$id/output?stream=stderr"
	[ "$BODY" = $'e1\ne2' ]
	api user1 GET "/jobs/$id/output"
	[ "$(sort <<<"$BODY" | tr '\n' ' ')" = "e1 e2 o1 o2 o3 " ]
	api user1 GET "/jobs/$id/output?stream=stdout&tail=2"
	[ "$BODY" = $'o2\no3' ]
	api user1 GET "/jobs/$id/output?stream=stdout&tail=2&stream=stderr"
	[ "$HTTP" = 400 ]
	api user1 GET "/jobs/$id/output?stream=both"
	[ "$HTTP" = 400 ]
	# Followed: what is there, then the rest until the end (the stop ends it).
	follower "/jobs/$id/output?follow=1&stream=stderr&tail=1" "$STACK_DIR/f1" >"$STACK_DIR/f1.status" 3>&- &
	f=$!
	until_true "[ \"\$(cat $STACK_DIR/f1 2>/dev/null)\" = e2 ]"
	api user1 DELETE "/jobs/$id"
	wait "$f"
	[ "$(cat "$STACK_DIR/f1")" = e2 ]
	[ "$(cat "$STACK_DIR/f1.status")" = "200 0" ] || [ "$(cut -d' ' -f1 "$STACK_DIR/f1.status")" = 200 ]
}

@test "a follower that reads nothing while the job writes 10 MB at full speed gets every byte" {
	rm -f "$STACK_DIR/stalled.go"
	start user1 '{"command":["sleep","600"]}'
	blocker=$ID
	start user1 "$(bytes_job 10000000)"
	id=$ID # queued behind the blocker: followed from its first byte
	follower "/jobs/$id/output?follow=1" "$STACK_DIR/stalled" --stall-after 1 \
		--stall-until "$STACK_DIR/stalled.go" >/dev/null 2>"$STACK_DIR/stalled.err" 3>&- &
	f=$!
	until_true '[ "$(followers)" = 1 ]'
	api user1 DELETE "/jobs/$blocker"
	# The job runs to its end while its follower holds one byte and reads nothing more.
	wait_end user1 "$id"
	[ "$(field state)" = succeeded ]
	until_true "grep -q stalled $STACK_DIR/stalled.err"
	[ "$(stat -c %s "$STACK_DIR/stalled")" = 1 ]
	touch "$STACK_DIR/stalled.go"
	wait "$f"
	cmp <(stream_of 10000000) "$STACK_DIR/stalled"
}

@test "a follow cut off mid-way and resumed with a Range gets the rest exactly" {
	start user1 '{"command":["sleep","600"]}'
	blocker=$ID
	start user1 "$(bytes_job 3000000)"
	id=$ID
	follower "/jobs/$id/output?follow=1" "$STACK_DIR/part" --cut-after 1234567 >/dev/null 3>&- &
	f=$!
	until_true '[ "$(followers)" = 1 ]'
	api user1 DELETE "/jobs/$blocker"
	wait "$f"
	[ "$(stat -c %s "$STACK_DIR/part")" = 1234567 ]
	follower "/jobs/$id/output?follow=1" "$STACK_DIR/rest" --range bytes=1234567- \
		>"$STACK_DIR/rest.status" 3>&-
	[ "$(cat "$STACK_DIR/rest.status")" = "206 1234567" ]
	cmp <(stream_of 3000000) <(cat "$STACK_DIR/part" "$STACK_DIR/rest")
}

@test "jobctl logs -f resumes after its connection drops (jobapi killed), with no gap and no repeat" {
	start user1 '{"command":["sh","-c","i=0; while [ $i -lt 40 ]; do echo line $i; i=$((i + 1)); sleep 0.1; done"]}'
	id=$ID
	"$JOBCTL" logs -f "$id" >"$STACK_DIR/followed" 2>"$STACK_DIR/followed.err" 3>&- &
	f=$!
	until_true "grep -q 'line 5' $STACK_DIR/followed"
	old=$(pid_of jobapi)
	kill -KILL "$old"
	gone "$old"
	new_jobapi
	wait "$f"
	diff <(for i in $(seq 0 39); do echo "line $i"; done) "$STACK_DIR/followed"
}

@test "jobctl logs: --stdout, --stderr, --tail, and its usage errors" {
	start user1 '{"command":["sh","-c","echo out; echo err >&2; echo out2"]}'
	wait_end user1 "$ID"
	[ "$("$JOBCTL" logs --stdout "$ID")" = $'out\nout2' ]
	[ "$("$JOBCTL" logs --stderr "$ID")" = err ]
	[ "$("$JOBCTL" logs --stdout --tail 1 "$ID")" = out2 ]
	run "$JOBCTL" logs --stdout --stderr "$ID"
	[ "$status" = 2 ]
	run "$JOBCTL" logs --tail 0 "$ID"
	[ "$status" = 2 ]
	run "$JOBCTL" logs --tail 3
	[ "$status" = 2 ]
}
