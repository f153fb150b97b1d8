#!/usr/bin/env bats
# Limits end to end: the FIFO queue under --max-running, the queue bound (429), the log cap.

load helpers

setup_file() {
	start_stack --max-running 2 --max-queued 4 --max-log 50 --grace 1
}

teardown_file() {
	stop_stack
}

teardown() {
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

@test "jobs start in FIFO order and never more than --max-running at once" {
	events=$STACK_DIR/events
	go=$STACK_DIR/go
	: >"$events"
	chmod 666 "$events" # the jobs' (each owner's uid) to append to
	rm -f "$go"
	# Each job records its start, holds its place until the test says go, records its end.
	ids=()
	for n in 1 2 3 4 5 6; do
		start user1 "{\"command\":[\"sh\",\"-c\",\"echo start >>$events; while [ ! -e $go ]; do sleep 0.02; done; echo end >>$events\"]}"
		ids+=("$ID")
	done
	api user1 GET /jobs
	[ "$(jq -r '[.jobs[].state] | join(",")' <<<"$BODY")" = running,running,queued,queued,queued,queued ]
	[ "$(jq -r '[.jobs[].id] | join(",")' <<<"$BODY")" = "$(IFS=,; echo "${ids[*]}")" ]
	touch "$go"
	for id in "${ids[@]}"; do wait_end user1 "$id"; done

	# The jobs' own record of what ran at once: never more than two.
	running=0
	max=0
	while read -r e; do
		[ "$e" = start ] && running=$((running + 1)) || running=$((running - 1))
		[ "$running" -gt "$max" ] && max=$running
	done <"$events"
	[ "$max" = 2 ]
	[ "$(grep -c start "$events")" = 6 ]

	# The server's record: each started no earlier than the one submitted before it, and the
	# third only once one of the first two had finished.
	api user1 GET /jobs/logs
	starts=$(jq -r '[.logs[] | select(.command[0] == "sh")] | sort_by(.id | tonumber) | .[].started_at' <<<"$BODY")
	[ "$starts" = "$(sort <<<"$starts")" ]
	third_start=$(sed -n 3p <<<"$starts")
	first_end=$(jq -r '[.logs[] | select(.command[0] == "sh")] | sort_by(.id | tonumber) | .[0:2] | map(.finished_at) | min' <<<"$BODY")
	[[ ! "$third_start" < "$first_end" ]]
}

@test "429 queue_full with Retry-After past --max-queued, and nothing changes" {
	for n in 1 2 3 4 5 6; do start user1 '{"command":["sleep","30"]}'; done
	api user1 GET /jobs/logs
	before=$(jq -c '[.logs[].id]' <<<"$BODY")
	api user1 POST /jobs --json '{"command":["sleep","30"]}'
	[ "$HTTP" = 429 ]
	[ "$(error_code)" = queue_full ]
	[ "$(header Retry-After)" = 1 ]
	[[ "$(jq -r .error.message <<<"$BODY")" == *"--max-queued 4"* ]]
	api user1 GET /jobs/logs
	[ "$(jq -c '[.logs[].id]' <<<"$BODY")" = "$before" ]
	# A stop frees a place.
	api user1 DELETE /jobs
	api user1 POST /jobs --json '{"command":["true"]}'
	[ "$HTTP" = 201 ]
}

@test "the log keeps the 50 most recent finished jobs" {
	api user1 GET /jobs/logs
	first_new=$(($(jq -r '[.logs[].id | tonumber] | max // 0' <<<"$BODY") + 1))
	# One after another, so that they end in the order of their ids.
	for n in $(seq 60); do run_job user1 '{"command":["true"]}'; done
	last=$ID
	api user1 GET /jobs/logs
	[ "$(jq '.logs | length' <<<"$BODY")" = 50 ]
	[ "$(jq -r '.logs[0].id' <<<"$BODY")" = "$last" ]
	[ "$(jq -r '.logs[49].id' <<<"$BODY")" = $((last - 49)) ]
	# Evicted with their output.
	api user1 GET "/jobs/$first_new"
	[ "$HTTP" = 404 ]
	api user1 GET "/jobs/$first_new/output"
	[ "$HTTP" = 404 ]
}
