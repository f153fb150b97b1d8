#!/usr/bin/env bats
# Live output end to end: many followers, late and stalled followers, waiting, start -f.

load helpers

setup_file() {
	# The window of recent output (1 MiB) is far smaller than what these jobs write: only the
	# spool gives each follower every byte.
	start_stack --max-running 4
}

teardown_file() {
	stop_stack
}

teardown() {
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

# A job that says "ready", waits for $1 to exist, then writes $2 in $3 bursts of $4 bytes.
bursts_job() {
	echo "{\"command\":[\"sh\",\"-c\",\"echo ready; while [ ! -e $1 ]; do sleep 0.02; done; i=0; while [ \$i -lt $3 ]; do dd if=$2 bs=$4 skip=\$i count=1 2>/dev/null; i=\$((i + 1)); sleep 0.02; done\"]}"
}

# body FILE: what a follower received after the job's "ready" line.
body() { tail -c +7 "$1"; }

@test "64 followers of a job writing 10 MB of random bytes in bursts all get exactly its bytes" {
	d=$STACK_DIR
	head -c 10240000 /dev/urandom >"$d/data"
	want=$(sha256sum <"$d/data")
	start user1 "$(bursts_job "$d/go" "$d/data" 40 256000)"
	id=$ID
	# Fill nginx's pool of kept jobapi connections first (at most 4 idle), so that what is
	# counted after is what the followers left, not the pool.
	for n in $(seq 8); do (api user1 GET /jobs) 3>&- & done
	wait
	api_pid=$(pid_of jobapi)
	sup_pid=$(pid_of jobsupd)
	conns=$(supervisor_connections)
	api_fds=$(($(fds "$api_pid") - conns))
	sup_fds=$(($(fds "$sup_pid") - conns))
	api_threads=$(threads "$api_pid")

	followers=()
	for n in $(seq 64); do
		follow user1 "$id" "$d/f$n"
		followers+=("$FOLLOWER")
	done
	files=()
	for n in $(seq 64); do files+=("$d/f$n"); done
	attached ready "${files[@]}"
	touch "$d/go"
	for p in "${followers[@]}"; do wait "$p"; done
	for n in $(seq 64); do
		[ "$(body "$d/f$n" | sha256sum)" = "$want" ] || { echo "follower $n differs"; false; }
	done
	wait_end user1 "$id"
	[ "$(field state)" = succeeded ]
	[ "$(field output_bytes)" = 10240006 ]

	# Nothing is left behind: no descriptor, no thread. Not counted: the connections between
	# jobapi and jobsupd, as many as jobapi's pool keeps idle (up to --threads, some of them
	# the followers' own), which /metrics tells. jobapi may hold up to 4 more: the FastCGI
	# connections nginx keeps idle, which the requests above may not all have opened.
	for ((i = 0; i < 100; i++)); do
		conns=$(supervisor_connections)
		[ "$(($(fds "$api_pid") - conns))" -le $((api_fds + 4)) ] &&
			[ "$(($(fds "$sup_pid") - conns))" -le "$sup_fds" ] && break
		sleep 0.05
	done
	[ "$(($(fds "$api_pid") - conns))" -le $((api_fds + 4)) ]
	[ "$(($(fds "$sup_pid") - conns))" -le "$sup_fds" ]
	[ "$(threads "$api_pid")" = "$api_threads" ]
}

@test "a follower that comes after the job ended gets the whole kept output at once" {
	d=$STACK_DIR
	head -c 3000000 /dev/urandom >"$d/late"
	start user1 "{\"command\":[\"cat\",\"$d/late\"]}"
	wait_end user1 "$ID"
	follow user1 "$ID" "$d/late.out"
	wait "$FOLLOWER"
	cmp "$d/late" "$d/late.out"
}

@test "a stalled follower delays neither the job nor another follower" {
	d=$STACK_DIR
	# More output than the pipes and sockets between jobsupd and a stalled reader hold (4 MB
	# did fit: a TCP send buffer alone grows to 4 MB), so that the stall reaches jobsupd.
	head -c 12288000 /dev/urandom >"$d/s.data"
	rm -f "$d/s.go" "$d/release"
	start user1 "$(bursts_job "$d/s.go" "$d/s.data" 48 256000)"
	id=$ID
	# This one reads the first line, then stops reading until released: its output piles up
	# in a pipe nobody drains.
	stalling_reader user1 "$id" 6 "$d/stalled"
	stalled=$STALLING
	follow user1 "$id" "$d/brisk"
	brisk=$FOLLOWER
	attached ready "$d/stalled" "$d/brisk"
	touch "$d/s.go"

	wait "$brisk"
	body "$d/brisk" | cmp "$d/s.data" -
	wait_end user1 "$id"
	[ "$(field state)" = succeeded ]
	# Nothing waited for it: the job ended, and the other follower had every byte, while this
	# one was still stalled (it makes stalled.out only once released).
	[ ! -e "$d/stalled.out" ]

	touch "$d/release"
	wait "$stalled"
	cmp "$d/s.data" "$d/stalled.out"
}

@test "a follower of a silent or a queued job has the answer's status and headers at once" {
	d=$STACK_DIR
	rm -f "$d/q.go"
	# A silent job and three more fill the four running places (--max-running 4); one more waits
	# in the queue. None writes a byte until the test says so.
	start user1 "{\"command\":[\"sh\",\"-c\",\"while [ ! -e $d/q.go ]; do sleep 0.02; done; echo out\"]}"
	silent=$ID
	for n in 1 2 3; do
		start user1 "{\"command\":[\"sh\",\"-c\",\"while [ ! -e $d/q.go ]; do sleep 0.02; done\"]}"
	done
	start user1 '{"command":["echo","queued"]}'
	queued=$ID
	api user1 GET "/jobs/$queued"
	[ "$(field state)" = queued ]
	for id in "$silent" "$queued"; do
		curl -sS -N -D "$d/h$id" -o "$d/b$id" --cacert "$CERTS/ca.crt" \
			--cert "$CERTS/user1.crt" --key "$CERTS/user1.key" \
			"https://localhost:$PORT/jobs/$id/output?follow=1" 3>&- &
		pids+=($!)
	done
	for id in "$silent" "$queued"; do
		for ((i = 0; i < 400; i++)); do
			grep -q '^HTTP/1.1 200' "$d/h$id" 2>/dev/null && break
			sleep 0.025
		done
		grep -q '^HTTP/1.1 200' "$d/h$id"
		[ ! -s "$d/b$id" ] # no byte yet: the headers came first
	done
	touch "$d/q.go"
	wait "${pids[@]}"
	[ "$(cat "$d/b$silent")" = out ]
	[ "$(cat "$d/b$queued")" = queued ]
}

@test "GET ?wait= answers when the job ends" {
	start user1 '{"command":["sh","-c","sleep 1; echo done"]}'
	api user1 GET "/jobs/$ID?wait=30"
	[ "$HTTP" = 200 ]
	[ "$(field state)" = succeeded ]
	[ "$(field output)" = done ]
	start user1 '{"command":["sleep","30"]}'
	api user1 GET "/jobs/$ID?wait=1"
	[ "$HTTP" = 200 ]
	[ "$(field state)" = running ]
	api user1 GET "/jobs/$ID?wait=61"
	[ "$HTTP" = 400 ]
}

@test "jobctl wait exits with the job's status: 0, 3, 128+9 when killed, 124 when timed out" {
	id=$("$JOBCTL" start true)
	run "$JOBCTL" wait "$id"
	[ "$status" -eq 0 ]
	id=$("$JOBCTL" start -- sh -c 'exit 3')
	run "$JOBCTL" wait "$id"
	[ "$status" -eq 3 ]
	[ "$output" = "job $id failed (3)" ]
	id=$("$JOBCTL" start -- sh -c 'kill -KILL $$')
	run "$JOBCTL" wait "$id"
	[ "$status" -eq 137 ]
	[[ "$output" == "job $id failed (SIGKILL): killed by SIGKILL"* ]]
	id=$("$JOBCTL" start --timeout 1 -- sleep 30)
	run "$JOBCTL" wait "$id"
	[ "$status" -eq 124 ]
	[ "$output" = "job $id timed_out (SIGTERM): timed out after 1 s" ]
	# Its own --timeout: the job is still running, so 124 and a clear line.
	id=$("$JOBCTL" start sleep 30)
	run "$JOBCTL" wait --timeout 1 "$id"
	[ "$status" -eq 124 ]
	[ "$output" = "jobctl: job $id has not ended after 1 s" ]
}

@test "jobctl start -f prints the output as written, in order, and exits with the job's status" {
	d=$STACK_DIR
	rm -f "$d/f.go"
	# The job prints a line, then waits for the test (its timeout bounds the wait).
	"$JOBCTL" start -f --timeout 60 -- sh -c \
		"echo first; while [ ! -e $d/f.go ]; do sleep 0.02; done; echo last; exit 5" \
		>"$d/f.out" 2>&1 3>&- &
	jobctl_pid=$!
	# The first line is printed while the job still runs: it cannot end before f.go exists.
	attached first "$d/f.out"
	[ "$(cat "$d/f.out")" = first ]
	kill -0 "$jobctl_pid"
	touch "$d/f.go"
	status=0
	wait "$jobctl_pid" || status=$?
	[ "$status" -eq 5 ]
	mapfile -t lines <"$d/f.out"
	[ "${#lines[@]}" = 3 ]
	[ "${lines[0]}" = first ]
	[ "${lines[1]}" = last ]
	[[ "${lines[2]}" == "job "*" failed (5)" ]]
}

@test "jobctl logs -f follows a running job to its end" {
	id=$("$JOBCTL" start -- sh -c 'echo one; sleep 1; echo two')
	run "$JOBCTL" logs -f "$id"
	[ "$status" -eq 0 ]
	[ "$output" = $'one\ntwo' ]
}
