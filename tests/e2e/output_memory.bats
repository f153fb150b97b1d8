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
	stalled_follower user1
	id=$ID slow=$SLOW
	wait_end user1 "$id"
	[ "$(field output_truncated)" = true ]
	touch "$d/release"
	wait "$slow"
	# It missed what was overwritten while it stalled, and got the whole window (1 MiB) after.
	[ "$(stat -c %s "$d/slow.out")" -lt 8000000 ]
	cmp <(tail -c 1048576 "$d/data") <(tail -c 1048576 "$d/slow.out")
}
