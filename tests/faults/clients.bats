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
	if [ -n "${HOLDER:-}" ]; then
		exec 4>&-
		kill "$HOLDER" 2>/dev/null
		wait "$HOLDER" 2>/dev/null
	fi
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

# hold RAW HALF_HEADERS HALF_BODIES: open and hold that many connections (see hold.py); what
# it says is in HELD.
hold() {
	local in=$BATS_TEST_TMPDIR/hold.in
	HELD=$BATS_TEST_TMPDIR/hold.out
	mkfifo "$in"
	"$BATS_TEST_DIRNAME/hold.py" "$PORT" "$CERTS" "$@" <"$in" >"$HELD" 2>&1 3>&- &
	HOLDER=$!
	exec 4>"$in" # the holder's stdin, open until the test ends it
	until_true 'grep -q holding "$HELD" || ! kill -0 "$HOLDER"'
	grep -q holding "$HELD" || { cat "$HELD" >&2; return 1; }
}

# unhold: close the held connections.
unhold() {
	exec 4>&-
	wait "$HOLDER"
	HOLDER=
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

@test "clients that send half a request and stall: others are served, jobapi never sees them, nginx drops them" {
	api_fds=$(fds "$(pid_of jobapi)")
	hold 0 20 20
	served
	# nginx keeps requests from jobapi until they are whole: the stalled ones hold no jobapi
	# thread and no supervisor connection (the pool keeps 8, --threads; one more may serve
	# the metrics asked for here).
	[ "$(fds "$(pid_of jobapi)")" -le $((api_fds + 9)) ]
	[ "$(supervisor_connections)" -le 9 ]
	# After client_header_timeout and client_body_timeout (10 s), nginx closes them all.
	SECONDS=0
	while ! grep -q '^closed 40$' "$HELD" && [ "$SECONDS" -lt 30 ]; do sleep 0.2; done
	grep -q '^closed 40$' "$HELD"
	unhold
	served
	# The half POSTs started nothing.
	api admin GET /jobs/logs
	[ "$(jq '[.logs[] | select(.command != ["echo", "served"])] | length' <<<"$BODY")" = 0 ]
}

@test "500 connections held open: others are served, and once they close all is as before" {
	api_fds=$(fds "$(pid_of jobapi)")
	hold 440 30 30
	[ "$(head -1 "$HELD")" = "holding 500" ]
	served
	for n in 1 2 3 4 5; do served; done
	unhold
	served
	[ "$(fds "$(pid_of jobapi)")" -le $((api_fds + 9)) ]
	api admin GET /healthz
	[ "$HTTP" = 200 ]
}
