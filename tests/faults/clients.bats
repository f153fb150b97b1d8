#!/usr/bin/env bats
# Hostile or stalled clients: half requests that never finish, and 500 connections held open.
# Everyone else is still served, at once; nothing of it reaches jobapi or jobsupd.

load faults

setup_file() {
	start_stack --grace 1
}

teardown_file() {
	stop_stack
}

teardown() {
	[ -n "${HOLDER:-}" ] && { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; }
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

# hold RAW HALF_HEADERS HALF_BODIES: open and hold that many connections (see hold.py).
hold() {
	local i
	mkfifo "$STACK_DIR/hold.in"
	"$BATS_TEST_DIRNAME/hold.py" "$PORT" "$CERTS" "$@" <"$STACK_DIR/hold.in" \
		>"$STACK_DIR/hold.out" 2>&1 3>&- &
	HOLDER=$!
	exec 4>"$STACK_DIR/hold.in" # the holder's stdin, open until the test ends it
	for ((i = 0; i < 400; i++)); do
		grep -q holding "$STACK_DIR/hold.out" && return 0
		kill -0 "$HOLDER" 2>/dev/null || break
		sleep 0.05
	done
	cat "$STACK_DIR/hold.out" >&2
	return 1
}

# unhold: close the held connections.
unhold() {
	exec 4>&-
	wait "$HOLDER"
	HOLDER=
	rm -f "$STACK_DIR/hold.in"
}

# served: what an ordinary user does still works: list, start, wait, output, jobctl.
served() {
	api user2 GET /jobs
	[ "$HTTP" = 200 ]
	start user2 '{"command":["echo","served"]}'
	wait_end user2 "$ID"
	[ "$(field state)" = succeeded ]
	api user2 GET "/jobs/$ID/output"
	[ "$BODY" = served ]
	JOBCTL_CERT=$CERTS/user2.crt JOBCTL_KEY=$CERTS/user2.key run "$JOBCTL" list
	[ "$status" = 0 ]
}

@test "clients that send half a request and stall: others are served, jobapi never sees them" {
	api_fds=$(fds "$(pid_of jobapi)")
	hold 0 20 20
	served
	# nginx keeps whole requests from jobapi until they are whole: the stalled ones hold no
	# jobapi thread and no supervisor connection.
	[ "$(fds "$(pid_of jobapi)")" -le $((api_fds + 8)) ]
	api admin GET /metrics
	[ "$(grep '^jobworker_supervisor_connections ' <<<"$BODY" | cut -d' ' -f2)" -le 8 ]
	unhold
	served
	# The half POSTs started nothing.
	api admin GET /jobs/logs
	[ "$(jq '[.logs[] | select(.command != ["echo", "served"])] | length' <<<"$BODY")" = 0 ]
}

@test "500 connections held open: others are served, and once they close all is as before" {
	hold 440 30 30
	[ "$(cat "$STACK_DIR/hold.out")" = "holding 500" ]
	served
	for n in 1 2 3 4 5; do served; done
	unhold
	served
}
