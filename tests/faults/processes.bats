#!/usr/bin/env bats
# Faults of the stack's own processes, on the real stack under load: jobapi or jobsupd killed
# outright, nginx reloaded during follows. The rest keeps working and recovers by itself.

load faults

setup_file() {
	start_stack -k --grace 1
}

teardown_file() {
	stop_stack
}

teardown() {
	[ -e "$STACK_DIR/load-stop" ] || { [ -n "${LOAD_PIDS:-}" ] && load_stop; } || true
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
	end_markers
}

@test "kill -9 jobapi under load: 502 meanwhile, a new jobapi serves at once, jobsupd and its jobs untouched" {
	start user1 '{"command":["sleep","300"]}'
	id=$ID
	job=$(field pid)
	sup=$(pid_of jobsupd)
	load_start user1 /jobs
	load_mark 200
	load_seen 20 200

	api_pid=$(pid_of jobapi)
	kill -KILL "$api_pid"
	gone "$api_pid"
	while_down 502 bad_gateway

	new_jobapi
	api user1 GET "/jobs/$id" # the first request after it is back
	[ "$HTTP" = 200 ]
	[ "$(field state)" = running ]
	[ "$(field pid)" = "$job" ]
	load_mark 200
	load_seen 20 200
	load_stop
	load_only 200 502
	# Nothing of jobsupd's changed: the same process, the same job, and its numbering goes on.
	[ "$(pid_of jobsupd)" = "$sup" ]
	kill -0 "$sup"
	kill -0 "$job"
	start user1 '{"command":["true"]}'
	[ "$ID" -gt "$id" ]
	api user1 DELETE "/jobs/$id"
	[ "$(field state)" = stopped ]
}

@test "kill -9 jobsupd under load: 503 with Retry-After meanwhile, jobapi reconnects, no job left running" {
	marker=$(new_marker)
	start user1 "{\"command\":[\"sh\",\"-c\",\"setsid sleep $marker & sleep $marker.1\"]}"
	main=$(field pid)
	until_n 2 "$marker"
	api_pid=$(pid_of jobapi)
	load_start user1 /jobs
	load_mark 200
	load_seen 20 200

	sup=$(pid_of jobsupd)
	kill -KILL "$sup"
	gone "$sup"
	while_down 503 unavailable
	# The job's main process dies with its supervisor (PR_SET_PDEATHSIG).
	gone "$main"

	new_jobsupd --grace 1
	load_mark 200
	load_seen 20 200
	api user1 GET /jobs
	[ "$HTTP" = 200 ]
	[ "$(jq '.jobs | length' <<<"$BODY")" = 0 ]
	load_stop
	load_only 200 503
	[ "$(pid_of jobapi)" = "$api_pid" ] # no restart of jobapi

	# What the job started and left its session lived on in the job's cgroup, until the new
	# jobsupd cleaned the cgroups of the dead one. Process groups cannot do that.
	if [ "$(containment)" = process-group ]; then
		skip "no cgroups here: a job's daemon outlives a killed jobsupd (see CONTAINMENT.md)"
	fi
	grep -q "removed 1 cgroups a previous jobsupd left behind" "$STACK_DIR/stack.log"
	[ -z "$(pids_with "$marker")" ]
}

@test "nginx reloaded during follows and requests: every follower gets every byte, no request fails" {
	d=$STACK_DIR
	rm -f "$d/reloaded"
	# Half its lines before the reload, half after: the followers are attached throughout.
	start user1 "{\"command\":[\"sh\",\"-c\",\"echo started; for i in 1 2 3 4 5; do echo before \$i; done; while [ ! -e $d/reloaded ]; do sleep 0.02; done; for i in 1 2 3 4 5; do echo after \$i; sleep 0.05; done\"]}"
	id=$ID
	followers=()
	for n in 1 2 3 4 5; do
		follow user1 "$id" "$d/f$n"
		followers+=("$FOLLOWER")
	done
	attached started "$d/f1" "$d/f2" "$d/f3" "$d/f4" "$d/f5"
	load_start user1 /jobs
	load_mark 200
	load_seen 10 200

	# What `nginx -s reload` does: SIGHUP to the master. New workers take new connections; the
	# old ones finish what they serve, follows included.
	master=$(pid_of nginx)
	old_workers=$(pgrep -P "$master")
	kill -HUP "$master"
	until_true '[ -n "$(comm -13 <(echo "$old_workers") <(pgrep -P "$master"))" ]'
	for p in "${followers[@]}"; do kill -0 "$p"; done # still following
	touch "$d/reloaded"
	load_mark 200
	load_seen 10 200

	for p in "${followers[@]}"; do wait "$p"; done
	wait_end user1 "$id"
	api user1 GET "/jobs/$id/output"
	for n in 1 2 3 4 5; do
		[ "$(cat "$d/f$n")" = "$BODY" ] || { echo "follower $n differs"; false; }
	done
	[ "$(grep -c '^after' "$d/f1")" = 5 ]
	load_stop
	load_only 200
	[ "$(pid_of nginx)" = "$master" ]
	kill -0 "$master"
}
