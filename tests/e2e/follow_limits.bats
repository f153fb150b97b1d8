#!/usr/bin/env bats
# Followers and waiters are bounded, in jobsupd and in jobapi; a client that leaves frees its
# place once nginx has seen it go; ordinary requests are served all the while.

load helpers

setup_file() {
	export JOBAPI_ARGS="--threads 4 --max-followers 6"
	start_stack --max-running 4 --max-followers 4
}

teardown_file() {
	stop_stack
}

# follow_once USER ID FILE: try to follow; 0 once attached (FOLLOWER streams into FILE), 1 as
# soon as the follower has ended, refused (or, attached but silent, once ended here).
follow_once() {
	local file=$3
	rm -f "$file"
	follow "$1" "$2" "$file"
	until_true '[ "$(head -c 7 "$file" 2>/dev/null)" = started ] || ! kill -0 "$FOLLOWER" 2>/dev/null'
	[ "$(head -c 7 "$file" 2>/dev/null)" = started ] && return 0
	kill "$FOLLOWER" 2>/dev/null
	wait "$FOLLOWER" 2>/dev/null
	return 1
}

@test "past --max-followers: 503, ordinary requests still served, a departed follower's place freed" {
	d=$STACK_DIR
	start user1 '{"command":["sh","-c","echo started; sleep 300"]}'
	id=$ID
	# jobapi's pool keeps up to --threads (4) supervisor connections idle, the followers' and
	# waits' among them, so up to four more may be open at the end than now; no more.
	for n in $(seq 30); do api user1 GET /jobs; done
	sup_fds=$(fds "$(pid_of jobsupd)")
	pids=()
	for n in 1 2 3 4; do
		follow user1 "$id" "$d/f$n"
		pids+=("$FOLLOWER")
	done
	attached started "$d/f1" "$d/f2" "$d/f3" "$d/f4"

	# jobsupd's bound: four followers.
	api user1 GET "/jobs/$id/output?follow=1"
	[ "$HTTP" = 503 ]
	[ "$(error_code)" = unavailable ]
	[[ "$(jq -r .error.message <<<"$BODY")" == *"following output (4, --max-followers)"* ]]
	[ "$(header Retry-After)" = 1 ]

	# jobapi's bound: six long-lived requests, here the four followers and two waits. Until
	# both waits hold their places, a seventh is refused by jobsupd instead, at once.
	(api user1 GET "/jobs/$id?wait=60") 3>&- &
	w1=$!
	(api user1 GET "/jobs/$id?wait=60") 3>&- &
	w2=$!
	for ((i = 0; i < 200; i++)); do
		api user1 GET "/jobs/$id/output?follow=1"
		[[ "$(jq -r .error.message <<<"$BODY")" == *"waiting or stopping jobs (6,"* ]] && break
		sleep 0.025
	done
	[ "$HTTP" = 503 ]
	[[ "$(jq -r .error.message <<<"$BODY")" == *"waiting or stopping jobs (6, --max-followers)"* ]]

	# Meanwhile, ordinary requests are served.
	api user1 GET /jobs
	[ "$HTTP" = 200 ]
	api user2 POST /jobs --json '{"command":["true"]}'
	[ "$HTTP" = 201 ]

	# Followers that leave free their places.
	kill "${pids[@]}"
	wait "${pids[@]}" 2>/dev/null || true
	until_true 'follow_once user1 "$id" "$d/again"'
	[ "$(cat "$d/again")" = started ]

	# The others' places come free as well, each once nginx has seen its client go: the stop,
	# also a long-lived request, is then served.
	until_true 'api user1 DELETE "/jobs/$id"; [ "$HTTP" != 503 ]'
	[ "$HTTP" = 200 ]
	[ "$(field state)" = stopped ]
	wait "$FOLLOWER" "$w1" "$w2"
	for ((i = 0; i < 100; i++)); do
		[ "$(fds "$(pid_of jobsupd)")" -le $((sup_fds + 4)) ] && break
		sleep 0.05
	done
	[ "$(fds "$(pid_of jobsupd)")" -le $((sup_fds + 4)) ]
}

@test "a follower that stalls while the job writes 8 MB gets every byte afterwards, from the spool" {
	d=$STACK_DIR
	stalled_follower user1
	id=$ID slow=$SLOW
	# The job ends while its follower reads nothing: the follower did not hold it back.
	wait_end user1 "$id"
	[ "$(field state)" = succeeded ]
	[ "$(field output_truncated)" = false ]
	touch "$d/release"
	wait "$slow"
	cmp <(printf 'started\n'; cat "$d/data") <(cat "$d/slow" "$d/slow.out")
}
