#!/usr/bin/env bats
# The spool's bounds: --output-max per job (counted and dropped), --output-total in all (the
# oldest ended jobs' outputs deleted first, and their records say so), and a job leaving the log
# takes its output with it.

load helpers

setup_file() {
	start_stack --max-running 1 --output-max 400K --output-total 1M --max-log 5
}

teardown_file() {
	stop_stack
}

# files_of ID: the job's spool files that exist.
files_of() { ls "$STACK_DIR/run/output/$1".* 2>/dev/null; }
spool_size() { du -cb "$STACK_DIR"/run/output/*.out "$STACK_DIR"/run/output/*.idx 2>/dev/null | tail -1 | cut -f1; }

@test "past --output-max, output is read, counted and dropped, and the job says so" {
	start user1 '{"command":["sh","-c","head -c 500000 /dev/zero | tr \"\\\\0\" a"]}'
	wait_end user1 "$ID"
	[ "$(field state)" = succeeded ]
	[ "$(field output_bytes)" = 500000 ]
	[ "$(field output_dropped)" = $((500000 - 409600)) ]
	[ "$(field output_truncated)" = true ]
	api user1 GET "/jobs/$ID/output"
	[ "${#BODY}" = 409600 ]
}

@test "the spool stays under --output-total: the oldest ended jobs' outputs go first; the log's eviction takes files too" {
	ids=()
	for n in 1 2 3 4; do
		start user1 '{"command":["sh","-c","head -c 300000 /dev/zero | tr \"\\\\0\" b"]}'
		ids+=("$ID")
		wait_end user1 "$ID"
		[ "$(field state)" = succeeded ]
		[ "$(spool_size)" -le 1048576 ]
	done
	# 400 kB and four of 300 kB do not fit in 1 MiB: the two oldest went, and say so.
	api user1 GET "/jobs/${ids[0]}"
	[ "$(field output_deleted)" = true ]
	[ "$(field output_truncated)" = true ]
	[ -z "$(files_of "${ids[0]}")" ]
	for n in 1 2 3; do
		api user1 GET "/jobs/${ids[$n]}"
		[ "$(field output_deleted)" = false ]
		[ -n "$(files_of "${ids[$n]}")" ]
	done
	[ "$(ls "$STACK_DIR"/run/output/*.out | wc -l)" = 3 ]
	# Three more: the log (5) lets the three oldest go, and their files with them.
	for n in 1 2 3; do
		start user1 '{"command":["true"]}'
		wait_end user1 "$ID"
	done
	api user1 GET /jobs/logs
	[ "$(jq '.logs | length' <<<"$BODY")" = 5 ]
	[ -z "$(files_of "${ids[1]}")" ] # evicted from the log, its output not deleted before
	for f in "$STACK_DIR"/run/output/*.out; do
		id=$(basename "$f" .out)
		jq -e --arg id "$id" '.logs | map(.id) | index($id)' <<<"$BODY" >/dev/null
	done
}

@test "the deleted output of a job: its recent window still answers; tail, stream and Range are refused" {
	api user1 GET /jobs/logs
	# Fill the spool again, so that the oldest kept job's output is deleted.
	for n in 1 2 3 4; do
		start user1 '{"command":["sh","-c","head -c 300000 /dev/zero | tr \"\\\\0\" c"]}'
		last=$ID
		wait_end user1 "$ID"
	done
	api user1 GET /jobs/logs
	oldest=$(jq -r '[.logs[] | select(.output_deleted)][0].id' <<<"$BODY")
	[ "$oldest" != null ]
	api user1 GET "/jobs/$oldest/output"
	[ "$HTTP" = 200 ]
	[ "${#BODY}" -gt 0 ]
	api user1 GET "/jobs/$oldest/output?tail=1"
	[ "$HTTP" = 400 ]
	[[ "$(jq -r .error.message <<<"$BODY")" == *"not kept"* ]]
	api user1 GET "/jobs/$last/output?tail=1"
	[ "$HTTP" = 200 ]
}
