#!/usr/bin/env bats
# Containment end to end: a cgroup per job, its limits, stopping the whole tree, accounting,
# and no cgroup left behind. Skipped, saying why, where jobsupd has no writable cgroups.

load helpers

setup_file() {
	start_stack -k --max-running 8 --grace 1
	export CONTAINMENT=$(containment)
}

teardown_file() {
	stop_stack
}

setup() {
	[ "$CONTAINMENT" != process-group ] ||
		skip "jobsupd found no writable cgroups here (not root, or read-only cgroupfs)"
}

teardown() {
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

# The directories of job $1's cgroup, one per hierarchy.
cgroup_dirs() {
	local root=$(cgroup_root)
	if [ "$CONTAINMENT" = cgroup-v2 ]; then
		ls -d /sys/fs/cgroup/$root/$1 /sys/fs/cgroup/unified/$root/$1 2>/dev/null
	else
		ls -d /sys/fs/cgroup/*/$root/$1 2>/dev/null
	fi
}

@test "a job is in its own cgroup, and a stop ends all it started, daemons included" {
	marker=$(unique_number)
	start user1 "{\"command\":[\"sh\",\"-c\",\"setsid sleep $marker.1 & (sh -c 'sleep $marker.2 &') ; echo started; sleep $marker.3\"]}"
	id=$ID
	[ "$(field containment)" = "$CONTAINMENT" ]
	until_n 3 "$marker"
	[ -n "$(cgroup_dirs "$id")" ]
	api user1 DELETE "/jobs/$id"
	[ "$(field state)" = stopped ]
	[ -z "$(pids_with "$marker")" ]
	[ -z "$(cgroup_dirs "$id")" ]
}

@test "a job's end ends what it left running too, even what left its session" {
	marker=$(unique_number)
	start user1 "{\"command\":[\"sh\",\"-c\",\"setsid sleep $marker & echo bye\"]}"
	wait_end user1 "$ID"
	[ "$(field state)" = succeeded ]
	[ -z "$(pids_with "$marker")" ]
	[ -z "$(cgroup_dirs "$ID")" ]
}

@test "a fork bomb under pids 32 is contained, sees fork fail, and the host keeps working" {
	[ "$CONTAINMENT" = cgroup-v2 ] && [ ! -e "/sys/fs/cgroup/$(cgroup_root)/cgroup.subtree_control" ] &&
		skip "no pids controller"
	start user1 '{"command":["sh","-c","bomb() { bomb | bomb & }; bomb; sleep 3"],"limits":{"pids":32}}'
	id=$ID
	[ "$(jq -r .limits.pids <<<"$BODY")" = 32 ]
	start user2 '{"command":["echo","still here"]}'
	wait_end user2 "$ID"
	[ "$(field output)" = "still here" ]
	wait_end user1 "$id"
	[[ "$(field output)" == *"fork"* ]]
	[ -z "$(cgroup_dirs "$id")" ]
}

@test "a memory hog under memory_bytes 64M ends failed, out of memory" {
	start user1 '{"command":["sh","-c","head -c 400M /dev/zero | tail"],"limits":{"memory_bytes":67108864}}'
	wait_end user1 "$ID"
	[ "$(field state)" = failed ]
	[ "$(field error)" = "out of memory (limit 67108864 bytes)" ]
	[ "$(jq -r .usage.max_memory_bytes <<<"$BODY")" -le 67108864 ]
}

@test "a busy loop under cpu_percent 20 uses about a fifth of a CPU" {
	start user1 '{"command":["sh","-c","while :; do :; done"],"limits":{"cpu_percent":20},"timeout_s":3}'
	id=$ID
	# While it runs, its usage is read from its cgroup as it goes.
	seen=
	for ((i = 0; i < 50 && !seen; i++)); do
		api user1 GET "/jobs/$id"
		[ "$(field state)" = running ] || break
		[ "$(jq -r .usage.cpu_ms <<<"$BODY")" -gt 0 ] && seen=1
		sleep 0.05
	done
	[ -n "$seen" ]
	wait_end user1 "$id"
	[ "$(field state)" = timed_out ]
	cpu=$(jq -r .usage.cpu_ms <<<"$BODY")
	ran=$(jq -r '((.finished_at | .[0:19] + "Z" | fromdate) - (.started_at | .[0:19] + "Z" | fromdate)) * 1000' <<<"$BODY")
	# Well under the 100% it would take unlimited (a generous band: under 40%), yet running.
	[ "$cpu" -gt 0 ]
	[ "$((cpu * 100 / ran))" -lt 40 ] || { echo "cpu $cpu ms in $ran ms"; false; }
}

@test "jobctl start takes limits and status shows them with usage and containment" {
	id=$("$JOBCTL" start --memory 64M --cpu 50 --pids 64 -- sh -c 'echo hi')
	"$JOBCTL" wait "$id"
	run "$JOBCTL" status "$id"
	[[ "$output" == *"limits:    memory 64 MiB, cpu 50%, pids 64"* ]]
	[[ "$output" == *"contained: $CONTAINMENT"* ]]
	[[ "$output" == *"usage:     cpu "* ]]
	run "$JOBCTL" start --memory 999T -- true
	[ "$status" -eq 1 ]
	[[ "$output" == *"limits.memory_bytes must be at most"*"(--max-memory)"* ]]
}

@test "a killed jobsupd's cgroups are cleaned by the next one; none are left when it stops" {
	marker=$(unique_number)
	start user1 "{\"command\":[\"sh\",\"-c\",\"setsid sleep $marker & sleep $marker.1\"]}"
	id=$ID
	main=$(field pid)
	until_n 2 "$marker"
	# The job's main process, its init, dies with its supervisor (PR_SET_PDEATHSIG), and with it
	# its PID namespace: what it started, even in another session, dies too. The job's cgroup
	# stays behind.
	sup=$(pid_of jobsupd)
	kill -KILL "$sup"
	gone "$main"
	until_true "[ -z \"\$(pids_with $marker)\" ]"
	[ -n "$(cgroup_dirs "$id")" ]

	# The next jobsupd (on the same socket and cgroup root) cleans up first.
	new_jobsupd
	grep -q "removed 1 cgroups a previous jobsupd left behind" "$STACK_DIR/stack.log"
	[ -z "$(pids_with "$marker")" ]
	[ -z "$(cgroup_dirs "$id")" ]
	again=$(pid_of jobsupd)
	kill -TERM "$again"
	wait "$again"
	[ -z "$(cgroup_roots)" ]
}
