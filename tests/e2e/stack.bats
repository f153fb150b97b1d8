#!/usr/bin/env bats
# `make run` (nginx/stack.sh) comes up again in the same directory and on the same port after
# any of its processes, stack.sh itself included, was killed with SIGKILL, with nothing to
# clean by hand; and a stack that still runs is not disturbed by a second one.

load helpers

setup() {
	STACK_DIR=$(mktemp -d /var/tmp/jobworker-e2e.XXXXXX) # not /tmp: jobs have their own
	chmod 755 "$STACK_DIR" # nginx workers (nobody, under a root master) pass through it
	STACK_PID=
}

# Whatever a failed test left running, by the pids it saw (tests/e2e/helpers.bash's stop_stack
# and this file's own records), then the directory.
teardown() {
	local p
	for p in $(cat "$STACK_DIR/seen" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	[ -z "${STACK_PID:-}" ] || stop_stack
	rm -rf "$STACK_DIR"
}

# up: start the stack in STACK_DIR; with STACK_PORT set, on that port.
up() {
	stack_up "$STACK_DIR" "$BUILD" -- --cgroup-root "$(cgroup_root)" --grace 1 || {
		sed 's/^/# /' "$STACK_DIR/stack.log" >&3
		return 1
	}
}

# procs: the stack's processes: stack.sh, jobsupd, jobapi, nginx and nginx's workers.
procs() {
	echo "$STACK_PID"
	cat "$STACK_DIR"/run/{jobsupd,jobapi,nginx}.pid
	cat /proc/"$(pid_of nginx)"/task/*/children
}

# ended PID: wait (bounded) until the stack.sh we started has ended, and reap it.
ended() {
	until_true "[ ! -e /proc/$1 ] || grep -q '^[0-9]* ([^)]*) Z' /proc/$1/stat"
	wait "$1" 2>/dev/null || true
}

# serves: the stack answers a request.
serves() {
	api user1 GET /healthz
	[ "$HTTP" = 200 ] || { echo "GET /healthz: $HTTP $BODY" >&2; return 1; }
}

# killed_then_up WHAT: kill WHAT (jobsupd, jobapi, nginx or stack) of a running stack with
# SIGKILL, start the stack again in the same directory and on the same port: it serves, and
# once it is stopped, no process of either stack is left. The second stack's log is left in
# BATS_TEST_TMPDIR/stack.log.
killed_then_up() {
	local victim old p
	up
	serves
	old=$(procs)
	echo "$old" >"$STACK_DIR/seen"
	if [ "$1" = stack ]; then victim=$STACK_PID; else victim=$(pid_of "$1"); fi
	kill -KILL "$victim"
	ended "$STACK_PID" # a killed daemon ends its stack.sh, which stops the rest
	STACK_PID=
	STACK_PORT=$PORT up
	serves
	cp "$STACK_DIR/stack.log" "$BATS_TEST_TMPDIR/stack.log"
	stop_stack
	STACK_PID=
	for p in $old; do gone "$p"; done
}

@test "after jobsupd was killed, the stack starts again at once" {
	killed_then_up jobsupd
}

@test "after jobapi was killed, the stack starts again at once" {
	killed_then_up jobapi
}

@test "after the nginx master was killed, the stack starts again at once on the same port" {
	killed_then_up nginx
}

@test "after stack.sh itself was killed, the next one stops what it left running and starts" {
	killed_then_up stack
	grep -q "stopping jobsupd (pid .*), left running by a stack.sh that died" "$BATS_TEST_TMPDIR/stack.log"
}

@test "a second stack in the same directory refuses to start and leaves the first serving" {
	up
	first=$STACK_PID
	run "$REPO/nginx/stack.sh" -d "$STACK_DIR" -p "$PORT" -b "$BUILD" 3>&-
	[ "$status" = 1 ]
	[[ "$output" == *"a stack is already running here (stack.sh, pid $first); stop that first"* ]]
	STACK_PID=$first
	serves
}
