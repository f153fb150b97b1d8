#!/usr/bin/env bats
# With --output-dir none, output lives in memory only, as the trade-off says: the most recent
# --output-cap bytes; a follower that falls behind them skips ahead; what needs the whole
# output (tail, stream, a Range) is refused, plainly.

load helpers

setup_file() {
	start_stack --output-dir none --output-cap 1M
}

teardown_file() {
	stop_stack
}

@test "in memory only: the window answers, tail, stream and Range are refused, nothing is written" {
	start user1 '{"command":["seq","300000"]}'
	wait_end user1 "$ID"
	[ "$(field output_truncated)" = true ]
	api user1 GET "/jobs/$ID/output"
	[ "$HTTP" = 200 ]
	[ "${#BODY}" -le 1048576 ]
	[ "$(tail -1 <<<"$BODY")" = 300000 ]
	for q in "tail=1" "stream=stdout"; do
		api user1 GET "/jobs/$ID/output?$q"
		[ "$HTTP" = 400 ]
	done
	api user1 GET "/jobs/$ID/output" -r 5-
	[ "$HTTP" = 400 ]
	[ ! -e "$STACK_DIR/run/output" ] || [ -z "$(ls "$STACK_DIR/run/output")" ]
}

@test "in memory only, a follower that falls behind the kept window skips ahead to it" {
	d=$STACK_DIR
	head -c 8000000 /dev/urandom >"$d/data"
	rm -f "$d/go" "$d/release"
	start user1 "{\"command\":[\"sh\",\"-c\",\"echo started; while [ ! -e $d/go ]; do sleep 0.02; done; cat $d/data\"]}"
	id=$ID
	curl -sS -N --cacert "$CERTS/ca.crt" --cert "$CERTS/user1.crt" --key "$CERTS/user1.key" \
		"https://localhost:$PORT/jobs/$id/output?follow=1" 3>&- |
		(dd bs=1 count=8 of="$d/slow" 2>/dev/null
		for ((i = 0; i < 1200; i++)); do [ -e "$d/release" ] && break; sleep 0.05; done
		cat >"$d/slow.out") 3>&- &
	slow=$!
	attached started "$d/slow"
	touch "$d/go"
	wait_end user1 "$id"
	[ "$(field output_truncated)" = true ]
	touch "$d/release"
	wait "$slow"
	# It missed what was overwritten while it stalled, and got the whole window (1 MiB) after.
	[ "$(stat -c %s "$d/slow.out")" -lt 8000000 ]
	cmp <(tail -c 1048576 "$d/data") <(tail -c 1048576 "$d/slow.out")
}
