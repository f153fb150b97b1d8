#!/usr/bin/env bats
# SIGTERM to jobsupd while it runs 100 jobs, some ignoring SIGTERM, with clients following
# them: every job stopped, every stream ended cleanly, jobsupd exits 0, nothing left behind.

load faults

setup_file() {
	start_stack -k --max-running 100 --grace 1
}

teardown_file() {
	stop_stack
}

teardown() {
	end_markers
}

@test "SIGTERM to jobsupd with 100 running jobs and followers: all stopped, streams ended, exit 0" {
	d=$STACK_DIR
	marker=$(new_marker)
	for n in $(seq 100); do
		if [ $((n % 5)) = 0 ]; then # one in five ignores SIGTERM, and so does its child
			start user1 "{\"command\":[\"sh\",\"-c\",\"trap '' TERM; echo started; sleep $marker & wait\"]}"
		else
			start user1 "{\"command\":[\"sh\",\"-c\",\"echo started; exec sleep $marker\"]}"
		fi
		ids+=("$ID")
	done
	until_n 100 "^sleep $marker"
	api user1 GET /jobs
	[ "$(jq '[.jobs[] | select(.state == "running")] | length' <<<"$BODY")" = 100 ]

	followers=()
	files=()
	for n in $(seq 0 9); do
		follow user1 "${ids[n * 10 + 4 + n % 2]}" "$d/f$n" # every other one ignores SIGTERM
		followers+=("$FOLLOWER")
		files+=("$d/f$n")
	done
	attached started "${files[@]}"

	sup=$(pid_of jobsupd)
	kill -TERM "$sup"
	gone "$sup"
	# Each follower's stream ended as a stream should (curl exits 0), with the job's output.
	for p in "${followers[@]}"; do wait "$p"; done
	for f in "${files[@]}"; do [ "$(cat "$f")" = started ]; done
	grep -q "stopping 100 running and 0 queued jobs" "$d/stack.log"
	until_true 'grep -q "process $sup exited (status 0)" "$d/stack.log"' 
	[ -z "$(pids_with "$marker")" ]
	[ ! -e "$d/run/private/jobsupd.sock" ]
	[ -z "$(cgroup_roots)" ]

	# jobapi stays, and says jobsupd is not there.
	api user1 GET /jobs
	[ "$HTTP" = 503 ]
	[ "$(error_code)" = unavailable ]
}
