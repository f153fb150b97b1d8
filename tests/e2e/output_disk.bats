#!/usr/bin/env bats
# A full disk never fails a job nor stops jobsupd: the loss is counted, shown on the job, and
# logged once. The spool is on a 1 MiB tmpfs the test mounts (as root).

load helpers

setup_file() {
	[ "$(id -u)" = 0 ] || skip "mounting a small tmpfs needs root"
	SMALL=$(mktemp -d /tmp/jobworker-small.XXXXXX)
	mount -t tmpfs -o size=1m,mode=0700 tmpfs "$SMALL"
	export SMALL
	start_stack --output-dir "$SMALL/out"
}

teardown_file() {
	[ -n "${SMALL:-}" ] || return 0
	stop_stack
	umount "$SMALL" && rmdir "$SMALL"
}

@test "a job writing 3 MB onto a 1 MiB disk succeeds; what could not be written is counted" {
	start user1 '{"command":["sh","-c","head -c 3000000 /dev/zero | tr \"\\\\0\" d; echo done"]}'
	wait_end user1 "$ID"
	[ "$(field state)" = succeeded ]
	[ "$(field output_bytes)" = 3000005 ]
	lost=$(field output_lost)
	[ "$lost" -gt 1900000 ]
	[ "$(field output_truncated)" = true ]
	# Its recent window is whole, from memory.
	[[ "$(field output)" == *ddone ]]
	[ "$(grep -c "job $ID: its output cannot be written" "$STACK_DIR/stack.log")" = 1 ]
	# jobsupd serves on, and a small job after it keeps what fits.
	api user1 GET /healthz
	[ "$HTTP" = 200 ]
	rm -f "$SMALL"/out/*
}
