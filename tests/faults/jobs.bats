#!/usr/bin/env bats
# Jobs that misbehave towards their supervisor: one that closes its output and runs on, one
# that writes as fast as it can, one whose processes leave its process group. Each is tracked,
# stopped and accounted for.

load faults

setup_file() {
	start_stack --max-running 4 --grace 1
}

teardown_file() {
	stop_stack
}

teardown() {
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
	end_markers
}

# pgid PID: a process's process group, from /proc.
pgid() {
	local line
	read -r line <"/proc/$1/stat"
	read -r -a f <<<"${line##*) }"
	echo "${f[2]}"
}

@test "a job that closes its output and runs on is still running, and a stop ends it" {
	marker=$(new_marker)
	start user1 "{\"command\":[\"sh\",\"-c\",\"echo before; exec >&- 2>&-; exec sleep $marker\"]}"
	id=$ID
	until_n 1 "$marker"
	# jobsupd has read the end of its output...
	until_job user1 "$id" '.output_bytes == 7' 
	# ...and the job runs on, as it is: its output's end is not its own.
	api user1 GET "/jobs/$id?wait=1"
	[ "$(field state)" = running ]
	[ -n "$(pids_with "$marker")" ]
	api user1 DELETE "/jobs/$id"
	[ "$(field state)" = stopped ]
	[ "$(field signal)" = SIGTERM ]
	api user1 GET "/jobs/$id"
	[ "$(field output)" = before ]
	[ -z "$(pids_with "$marker")" ]

	# One that does the same and then exits by itself ends with its own status.
	start user1 '{"command":["sh","-c","echo bye; exec >&- 2>&-; sleep 0.2; exit 4"]}'
	wait_end user1 "$ID"
	[ "$(field state)" = failed ]
	[ "$(field exit_code)" = 4 ]
	[ "$(field output)" = bye ]
}

@test "a job writing 1 GiB as fast as it can: every byte counted and kept, jobsupd bounded" {
	sup=$(pid_of jobsupd)
	start user1 '{"command":["head","-c","1G","/dev/zero"]}'
	id=$ID
	# jobsupd answers meanwhile.
	api user2 GET /jobs
	[ "$HTTP" = 200 ]
	wait_end user1 "$id"
	[ "$(field state)" = succeeded ]
	[ "$(field output_bytes)" = 1073741824 ]
	# 1 GiB is exactly --output-max: all of it is in the spool, the newest 1 MiB in memory.
	[ "$(field output_truncated)" = false ]
	[ "$(field output_dropped)" = 0 ]
	[ "$(field output | wc -c)" -le 1048577 ] # --output-cap, and echo's newline
	[ "$(curl -sS --cacert "$CERTS/ca.crt" --cert "$CERTS/user1.crt" --key "$CERTS/user1.key" \
		"https://localhost:$PORT/jobs/$id/output" | wc -c)" = 1073741824 ]
	# What jobsupd holds is its caps, not what passed through it (sanitizers and valgrind
	# hold much more of their own).
	if ! instrumented; then
		hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$sup/status")
		[ "$hwm" -lt $((64 * 1024)) ]
	fi

	# One that never ends by itself goes past --output-max, and is stopped, with what it wrote
	# counted and what the spool could not keep counted as dropped.
	start user1 '{"command":["cat","/dev/zero"]}'
	id=$ID
	until_job user1 "$id" '.output_truncated'
	api user1 DELETE "/jobs/$id"
	[ "$(field state)" = stopped ]
	[ "$(field output_bytes)" -gt 1073741824 ]
	[ "$(field output_dropped)" = $(($(field output_bytes) - 1073741824)) ]
}

@test "processes that leave the job's process group are still the job's: stopped, and ended with it" {
	[ "$(containment)" != process-group ] ||
		skip "no cgroups here: a process that leaves the job's group is out of reach (see CONTAINMENT.md)"
	marker=$(new_marker)
	# perl (in every Debian) moves itself into a process group of its own, and sleeps for good
	# (the marker is an argument it ignores: perl's sleep takes 32 bits).
	start user1 "{\"command\":[\"sh\",\"-c\",\"perl -e 'setpgrp(0, 0); sleep 1 while 1' $marker & echo started; wait\"]}"
	id=$ID
	main=$(field pid)
	until_n 1 "^perl .*$marker"
	moved=$(pids_with "^perl .*$marker")
	until_true '[ "$(pgid "$moved")" = "$moved" ]' 
	[ "$(pgid "$main")" = "$main" ]
	api user1 DELETE "/jobs/$id"
	[ "$(field state)" = stopped ]
	[ -z "$(pids_with "$marker")" ]

	# The main process exits and leaves the other behind: the job ends, and so does it.
	start user1 "{\"command\":[\"sh\",\"-c\",\"perl -e 'setpgrp(0, 0); sleep 1 while 1' $marker & sleep 0.2\"]}"
	wait_end user1 "$ID"
	[ "$(field state)" = succeeded ]
	[ -z "$(pids_with "$marker")" ]
}
