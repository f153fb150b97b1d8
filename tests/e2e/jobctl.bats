#!/usr/bin/env bats
# jobctl end to end: what a user types and reads, and the exit codes scripts rely on.

load helpers

setup_file() {
	start_stack --max-running 4 --grace 1
}

teardown_file() {
	stop_stack
}

teardown() {
	[ -n "${PORT:-}" ] && "$JOBCTL" --cert "$CERTS/admin.crt" --key "$CERTS/admin.key" stop --all >/dev/null 2>&1 || true
}

@test "start prints the id; status shows the job and its output once it has ended" {
	run "$JOBCTL" start -- sh -c 'echo hi there'
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+$ ]]
	id=$output
	run "$JOBCTL" wait "$id"
	[ "$status" -eq 0 ]
	[ "$output" = "job $id succeeded (0)" ]
	run "$JOBCTL" status "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"state:     succeeded"* ]]
	[[ "$output" == *"command:   sh -c 'echo hi there'"* ]]
	[[ "$output" == *$'--- output ---\nhi there'* ]]
}

@test "list and logs show aligned tables; logs ID prints the raw output" {
	id=$("$JOBCTL" start sleep 30)
	run "$JOBCTL" list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^ID\ +STATE\ +PID\ +OWNER\ +STARTED\ +COMMAND$ ]]
	[[ "$output" =~ $id\ +running\ +[0-9]+\ +user1\ +(just\ now|[0-9]+s\ ago)\ +sleep\ 30 ]]
	"$JOBCTL" stop "$id"
	run "$JOBCTL" logs
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^ID\ +STATE\ +EXIT\ +OWNER\ +FINISHED\ +TOOK\ +COMMAND$ ]]
	[[ "$output" =~ $id\ +stopped\ +SIGTERM\ +user1\ +(just\ now|[0-9]+s\ ago)\ +[0-9.]+s\ +sleep\ 30 ]]

	id=$("$JOBCTL" start -- printf 'a\000b\nc')
	"$JOBCTL" wait "$id"
	"$JOBCTL" logs "$id" >"$BATS_TEST_TMPDIR/out"
	printf 'a\000b\nc' | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "stop and stop --all print each job's final state" {
	a=$("$JOBCTL" start sleep 30)
	b=$("$JOBCTL" start sleep 30)
	run "$JOBCTL" stop "$a"
	[ "$status" -eq 0 ]
	[ "$output" = "job $a stopped (SIGTERM): stopped by user1" ]
	run "$JOBCTL" stop --all
	[ "$status" -eq 0 ]
	[ "$output" = "job $b stopped (SIGTERM): stopped by user1" ]
	run "$JOBCTL" stop --all
	[ "$output" = "no running or queued jobs to stop" ]
}

@test "--json prints the API's JSON" {
	run "$JOBCTL" --json start -- true
	[ "$status" -eq 0 ]
	[ "$(jq -r .owner <<<"$output")" = user1 ]
	run "$JOBCTL" list --json
	jq -e '.jobs | type == "array"' <<<"$output"
}

@test "exit 1 with the API's message when it refuses" {
	run "$JOBCTL" status 424242
	[ "$status" -eq 1 ]
	[ "$output" = "jobctl: job 424242 not found" ]
	id=$("$JOBCTL" start true)
	"$JOBCTL" wait "$id"
	run "$JOBCTL" stop "$id"
	[ "$status" -eq 1 ]
	[ "$output" = "jobctl: job $id has already ended" ]
	run "$JOBCTL" start --timeout 0 -- true
	[ "$status" -eq 2 ]
}

@test "another user's job is not found; an admin sees it" {
	id=$("$JOBCTL" start sleep 30)
	run "$JOBCTL" --cert "$CERTS/user2.crt" --key "$CERTS/user2.key" status "$id"
	[ "$status" -eq 1 ]
	[ "$output" = "jobctl: job $id not found" ]
	run "$JOBCTL" --cert "$CERTS/admin.crt" --key "$CERTS/admin.key" status "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"owner:     user1"* ]]
}

@test "exit 2 for usage errors, with help" {
	run "$JOBCTL"
	[ "$status" -eq 2 ]
	run "$JOBCTL" frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command: frobnicate"* ]]
	run "$JOBCTL" start
	[ "$status" -eq 2 ]
	run "$JOBCTL" status 'a/b'
	[ "$status" -eq 2 ]
	run "$JOBCTL" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: jobctl"* ]]
	run "$JOBCTL" stop --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: jobctl stop"* ]]
	# Sizes: what is not one is refused before anything is sent (a sign once crashed it).
	for size in -5 " 5" +5 5x 0 ""; do
		run "$JOBCTL" start --memory "$size" -- true
		[ "$status" -eq 2 ]
		[[ "$output" == *"--memory wants a size like 256M"* ]]
	done
}

@test "exit 3 when it cannot connect or TLS fails, with one clear line" {
	run "$JOBCTL" --url https://localhost:1 list
	[ "$status" -eq 3 ]
	[ "$output" = 'jobctl: cannot connect to https://localhost:1: connection refused; is `make run` running?' ]
	run "$JOBCTL" --cert /nonexistent.crt list
	[ "$status" -eq 3 ]
	[ "$output" = "jobctl: cannot read the client certificate /nonexistent.crt: No such file or directory" ]
	# The server's certificate checked against a CA that did not sign it.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=Other CA" -keyout "$BATS_TEST_TMPDIR/o.key" -out "$BATS_TEST_TMPDIR/o.crt" 2>/dev/null
	run "$JOBCTL" --cacert "$BATS_TEST_TMPDIR/o.crt" list
	[ "$status" -eq 3 ]
	[[ "$output" == "jobctl: TLS with https://localhost:$PORT failed:"* ]]
}

@test "tables escape what a job or user wrote, never raw escape sequences" {
	id=$("$JOBCTL" start -- printf $'\033[31mred\n')
	"$JOBCTL" wait "$id" >/dev/null
	# The job has ended: list shows it only with --all. Each table must hold the job's row, its
	# command escaped, for the absence of ESC to mean anything.
	run "$JOBCTL" list --all
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\033'* ]]
	[[ "$output" =~ (^|$'\n')$id\ +succeeded\ .*printf\ \'\\x1b\[31mred\\n\' ]]
	run "$JOBCTL" logs
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\033'* ]]
	[[ "$output" == *"printf '\\x1b[31mred\\n'"* ]]
	run "$JOBCTL" status "$id"
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\033'* ]]
	[[ "$output" == *'\x1b[31mred'* ]]
}

@test "list --all, --state and --owner filter; restart starts the same job anew" {
	a=$("$JOBCTL" start -- sh -c 'exit 4')
	"$JOBCTL" wait "$a" >/dev/null || true
	b=$("$JOBCTL" start sleep 30)
	run "$JOBCTL" list --all
	[[ "$output" == *"$a "*failed* ]]
	[[ "$output" == *"$b "*running* ]]
	run "$JOBCTL" list --state running
	[[ "$output" != *"$a "*failed* ]]
	[[ "$output" == *"$b "*running* ]]
	run "$JOBCTL" list --state failed
	[[ "$output" == *"$a "*failed* ]]
	run "$JOBCTL" --cert "$CERTS/admin.crt" --key "$CERTS/admin.key" list --owner user2
	[ "$output" = "no running or queued jobs match" ]
	run "$JOBCTL" list --state bogus
	[ "$status" -eq 2 ]

	run "$JOBCTL" restart "$a"
	[ "$status" -eq 0 ]
	c=$output
	[ "$c" != "$a" ]
	run "$JOBCTL" wait "$c"
	[ "$status" -eq 4 ]
	run "$JOBCTL" --json status "$c"
	[ "$(jq -c .command <<<"$output")" = '["sh","-c","exit 4"]' ]
	run "$JOBCTL" status "$a"
	[[ "$output" == *"state:     failed"* ]]
}

@test "stop --signal begins with a gentler signal" {
	id=$("$JOBCTL" start -- sh -c 'trap "echo got INT; exit 0" INT; echo ready; while :; do sleep 0.1; done')
	until_output user1 "$id" ready # the trap is set
	run "$JOBCTL" stop --signal INT "$id"
	[ "$status" -eq 0 ]
	[ "$output" = "job $id stopped (0): stopped by user1" ]
	[ "$("$JOBCTL" logs "$id")" = $'ready\ngot INT' ]
	run "$JOBCTL" stop --signal STOP 1
	[ "$status" -eq 2 ]
	api user1 DELETE "/jobs/1?signal=BOGUS"
	[ "$HTTP" = 400 ]
}

@test "--version, config with its sources, and colour only on a terminal without NO_COLOR" {
	run "$JOBCTL" --version
	[[ "$output" =~ ^jobctl\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	cfg=$BATS_TEST_TMPDIR/xdg
	mkdir -p "$cfg/jobctl"
	printf '# mine\nurl = https://localhost:1\ncacert=/etc/cacert.pem\n' >"$cfg/jobctl/config"
	run env -u JOBCTL_URL -u JOBCTL_CACERT XDG_CONFIG_HOME="$cfg" "$JOBCTL" --key /k.key config
	[[ "${lines[0]}" =~ ^url\ +https://localhost:1\ +\($cfg/jobctl/config:2\)$ ]]
	[[ "${lines[1]}" =~ ^cert\ +.*user1.crt\ +\(JOBCTL_CERT\)$ ]]
	[[ "${lines[2]}" =~ ^key\ +/k.key\ +\(flag\ --key\)$ ]]
	[[ "${lines[3]}" =~ ^cacert\ +/etc/cacert.pem\ +\($cfg/jobctl/config:3\)$ ]]
	# A flag beats the variable, which beats the file.
	run env -u JOBCTL_URL XDG_CONFIG_HOME="$cfg" "$JOBCTL" list
	[ "$status" -eq 3 ]
	[[ "$output" == *"https://localhost:1"* ]]
	printf 'nonsense\n' >"$cfg/jobctl/config"
	run env XDG_CONFIG_HOME="$cfg" "$JOBCTL" config
	[ "$status" -eq 2 ]
	[[ "$output" == *"config:1: expected key = value"* ]]

	id=$("$JOBCTL" start sleep 30)
	# On a terminal (script gives one), the state is coloured; with NO_COLOR it is not.
	run script -qec "$JOBCTL list" /dev/null
	[[ "$output" == *$'\033[36mrunning\033[0m'* ]]
	run script -qec "env NO_COLOR=1 $JOBCTL list" /dev/null
	[[ "$output" != *$'\033['* ]]
	run "$JOBCTL" list
	[[ "$output" != *$'\033['* ]]
}
