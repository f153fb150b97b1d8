# Helpers for the end-to-end tests: start the real stack (nginx, jobapi, jobsupd) on a free port
# in a temporary directory, call it with curl and jobctl, and stop it leaving nothing behind.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=${JOBWORKER_BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$REPO/$BUILD
BUILD=$(cd "$BUILD" && pwd)
CERTS=$REPO/certs
JOBCTL=$BUILD/jobctl

source "$REPO/tests/stack.bash"

# start_stack [-k] [-c] [JOBSUPD_ARGS...]: in setup_file. -k: keep the rest running when one
# process exits; -c: a copy of the certificates (STACK_DIR/certs) that the test may change.
# Exports STACK_DIR, PORT, STACK_PID and what jobctl needs to reach the stack.
start_stack() {
	local keep= copy=
	while [ "${1:-}" = -k ] || [ "${1:-}" = -c ]; do
		[ "$1" = -k ] && keep=-k
		[ "$1" = -c ] && copy=1
		shift
	done
	# Not under /tmp: jobs get a /tmp of their own, and their work directories live in it.
	STACK_DIR=$(mktemp -d /var/tmp/jobworker-e2e.XXXXXX)
	# nginx workers (nobody, under a root master) pass through it; jobs, each under a uid of
	# its owner's own, write there the files tests look for (sticky, as /tmp).
	chmod 1777 "$STACK_DIR"
	if [ -n "$copy" ]; then
		cp -r "$CERTS" "$STACK_DIR/certs"
	fi
	# Each stack has its own cgroup root, which jobsupd cleans at start.
	if ! stack_up "$STACK_DIR" "$BUILD" $keep -- --cgroup-root "$(cgroup_root)" "$@"; then
		sed 's/^/# /' "$STACK_DIR/stack.log" >&3
		rm -rf "$STACK_DIR"
		return 1
	fi
	export STACK_DIR PORT STACK_PID
	export JOBCTL_URL=https://localhost:$PORT
	export JOBCTL_CERT=$CERTS/user1.crt JOBCTL_KEY=$CERTS/user1.key JOBCTL_CACERT=$CERTS/ca.crt
}

# cgroup_root: this stack's cgroup root (under each hierarchy's top).
cgroup_root() { echo "jobworker-test.${STACK_DIR##*.}"; }

# cgroup_roots: the directories of this stack's cgroup root that exist, on v2 or any v1
# hierarchy.
cgroup_roots() { ls -d /sys/fs/cgroup/"$(cgroup_root)" /sys/fs/cgroup/*/"$(cgroup_root)" 2>/dev/null; }

# adopt PID: a process a test started in place of one of the stack's (a restarted jobsupd);
# stop_stack ends it first.
adopt() { echo "$1" >>"$STACK_DIR/adopted"; }

# stop_stack: in teardown_file. Fails when a process of the stack or a job is left behind.
stop_stack() {
	[ -n "${STACK_PID:-}" ] || return 0
	local p i
	for p in $(cat "$STACK_DIR/adopted" 2>/dev/null); do
		kill -TERM "$p" 2>/dev/null
		for ((i = 0; i < 200; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.025; done
	done
	if ! stack_down "$STACK_DIR" "$(cgroup_root)"; then
		sed 's/^/# /' "$STACK_DIR/stack.log" >&3
		rm -rf "$STACK_DIR"
		return 1
	fi
	rm -rf "$STACK_DIR"
}

# pid_of jobsupd|jobapi|nginx
pid_of() { cat "$STACK_DIR/run/$1.pid"; }

# api USER METHOD PATH [CURL_ARGS...]: sets HTTP (the status), BODY, BODY_FILE (the body's bytes
# as they came) and HEADERS. Each shell has files of its own (by $BASHPID): a call in the
# background, say a wait that is answered when the job ends, must not write into the body of a
# call in the foreground.
api() {
	local user=$1 method=$2 path=$3
	shift 3
	local tmp=$BATS_TEST_TMPDIR/api.$BASHPID
	HTTP=$(curl -sS -o "$tmp.body" -D "$tmp.headers" -w '%{http_code}' \
		--cacert "$CERTS/ca.crt" --cert "$CERTS/$user.crt" --key "$CERTS/$user.key" \
		-X "$method" "https://localhost:$PORT$path" "$@")
	BODY_FILE=$tmp.body
	BODY=$(cat "$BODY_FILE")
	HEADERS=$(tr -d '\r' <"$tmp.headers")
}

# header NAME: the value of a header of the last api call.
header() { grep -i "^$1:" <<<"$HEADERS" | head -1 | sed 's/^[^:]*: *//'; }

# start USER JSON_BODY: start a job (as application/json); sets ID (and BODY, HEADERS as api
# does).
start() {
	api "$1" POST /jobs --json "$2"
	[ "$HTTP" = 201 ] || { echo "start failed: $HTTP $BODY" >&2; return 1; }
	ID=$(jq -r .id <<<"$BODY")
}

# wait_end USER ID: wait for the job to end (the server's bounded wait, asked again as needed);
# leaves the final job in BODY.
wait_end() {
	local i
	for ((i = 0; i < 10; i++)); do
		api "$1" GET "/jobs/$2?wait=30"
		[ "$HTTP" = 200 ] || return 1
		case $(jq -r .state <<<"$BODY") in queued | running) ;; *) return 0 ;; esac
	done
	return 1
}

# run_job USER JSON: start it, wait for its end; BODY is the final job.
run_job() {
	start "$1" "$2"
	wait_end "$1" "$ID"
}

# until_output USER ID TEXT: wait until the job's output holds TEXT.
until_output() {
	until_true "api $1 GET /jobs/$2/output && [[ \$BODY == *'$3'* ]]"
}

# field NAME: a field of the job in BODY.
field() { jq -r ".$1" <<<"$BODY"; }

# error_code: the error code in BODY.
error_code() { jq -r .error.code <<<"$BODY"; }

# pids_in_group PGID: the processes of a process group, from /proc.
pids_in_group() {
	local want=$1 stat line p
	local -a f
	for stat in /proc/[0-9]*/stat; do
		read -r line <"$stat" 2>/dev/null || continue
		read -r -a f <<<"${line##*) }" # state ppid pgrp ...
		if [ "${f[2]:-}" = "$want" ]; then
			p=${stat#/proc/}
			echo "${p%/stat}"
		fi
	done
}

# How long a wait for something that is bound to happen lasts before the test fails: long, as
# the machines that run the tests are shared and may be slow for a while; a passing test does
# not wait for it.
WAIT_S=30

# until_n N PATTERN: wait (at most WAIT_S) until N processes match PATTERN (see pids_with).
until_n() { until_true "[ \$(pids_with '$2' | wc -l) -ge $1 ]"; }

# until_true COMMAND: wait (at most WAIT_S) until the shell COMMAND succeeds.
until_true() {
	local end=$((SECONDS + WAIT_S))
	while [ "$SECONDS" -le "$end" ]; do
		eval "$1" && return 0
		sleep 0.02
	done
	echo "not so after $WAIT_S s: $1" >&2
	return 1
}

# gone PID: wait (at most WAIT_S) until the process has exited.
gone() { until_true "! kill -0 $1 2>/dev/null"; }

# start_ready LOG CMD...: start CMD, a daemon given --ready-fd 3, in the stack's directory with
# its output appended to LOG, and wait until it says it listens (at most WAIT_S: sanitizers are
# slow). A socket file is not enough: it exists from bind(), before listen(). Sets READY_PID;
# the daemon is adopted (stop_stack ends it), ready or not.
start_ready() {
	local log=$1 fifo=$STACK_DIR/ready.fifo r w line st=0
	shift
	rm -f "$fifo" && mkfifo -m 600 "$fifo" || return 1
	exec {w}<>"$fifo" {r}<"$fifo"
	rm -f "$fifo"
	(cd "$STACK_DIR" && exec "$@" >>"$log" 2>&1 3>&"$w" {w}>&- {r}<&-) &
	READY_PID=$!
	adopt "$READY_PID"
	exec {w}>&- # so that a daemon that dies first gives end-of-file at once
	read -r -t "$WAIT_S" -u "$r" line || st=$?
	exec {r}<&-
	[ "$st" = 0 ] || echo "not ready: $*" >&2
	return "$st"
}

# new_jobsupd [ARGS...]: start jobsupd again on the stack's socket and cgroup root (under
# JOBSUPD_WRAPPER too, as the stack did).
new_jobsupd() {
	local -a wrapper
	local st=0
	read -r -a wrapper <<<"${JOBSUPD_WRAPPER:-}"
	start_ready "$STACK_DIR/stack.log" "${wrapper[@]}" "$BUILD/jobsupd" --ready-fd 3 \
		--socket run/private/jobsupd.sock --cgroup-root "$(cgroup_root)" "$@" || st=$?
	echo "$READY_PID" >"$STACK_DIR/run/jobsupd.pid"
	return $st
}

# new_jobapi: start jobapi again, as the stack did; it replaces the dead one's socket.
new_jobapi() {
	local args=() st=0
	[ "$(id -u)" = 0 ] && args=(--socket-group nogroup --socket-mode 0660)
	start_ready "$STACK_DIR/stack.log" "$BUILD/jobapi" --ready-fd 3 --socket run/jobapi.sock \
		--supervisor run/private/jobsupd.sock "${args[@]}" || st=$?
	echo "$READY_PID" >"$STACK_DIR/run/jobapi.pid"
	return $st
}

# containment: how the stack's jobsupd contains jobs (from its start-up line).
containment() { sed -n 's/.*containment: \([a-z0-9-]*\).*/\1/p' "$STACK_DIR/stack.log" | head -1; }

# new_marker: a unique_number to put in a job's command line, to find its processes by. Those
# still running when the test ends, whatever became of it, are ended by end_markers (teardown).
new_marker() {
	local m
	m=$(unique_number)
	echo "$m" >>"$STACK_DIR/markers"
	echo "$m"
}

# pkill_marker MARKER: end the processes that hold MARKER as a number of its own (a test's own
# processes, by pid).
pkill_marker() {
	local p
	for p in $(pids_with "$(token "$1")"); do kill -KILL "$p" 2>/dev/null; done
	return 0
}

end_markers() {
	local m
	for m in $(cat "$STACK_DIR/markers" 2>/dev/null); do pkill_marker "$m"; done
	rm -f "$STACK_DIR/markers"
}

# supervisor_connections: how many connections jobsupd has from jobapi, from /metrics (the one
# that asks stays open, idle in jobapi's pool).
supervisor_connections() {
	api admin GET /metrics
	sed -n 's/^jobworker_supervisor_connections \([0-9]*\)$/\1/p' <<<"$BODY"
}

# while_down STATUS CODE: with a part of the stack down, a read and a start are both answered
# STATUS, with the error CODE and Retry-After: 1.
while_down() {
	local m
	for m in GET POST; do
		if [ $m = GET ]; then api user1 GET /jobs; else api user1 POST /jobs --json '{"command":["true"]}'; fi
		[ "$HTTP" = "$1" ] || { echo "$m answered $HTTP, not $1" >&2; return 1; }
		[ "$(error_code)" = "$2" ] || { echo "$m: error $(error_code), not $2" >&2; return 1; }
		[ "$(header Retry-After)" = 1 ] || { echo "$m: no Retry-After: 1" >&2; return 1; }
	done
}

# unique_number: eleven digits to put in a job's command line (as a sleep's seconds, say) and
# find its processes by: pids_with "$(token N)" for N matches only where N stands alone.
unique_number() { printf '9%05d%05d\n' "$RANDOM" "$RANDOM"; }
token() { printf '(^|[^0-9])%s([^0-9]|$)\n' "$1"; }

# pids_with PATTERN: processes whose command line (arguments joined by spaces) matches the
# extended regular expression PATTERN. No process is forked: there may be hundreds to read.
pids_with() {
	local f p
	local -a args
	for f in /proc/[0-9]*/cmdline; do
		mapfile -d '' args 2>/dev/null <"$f" || continue
		if [[ "${args[*]}" =~ $1 ]]; then
			p=${f#/proc/}
			echo "${p%/cmdline}"
		fi
	done
	return 0
}

# followers: how many clients jobsupd counts as following output or events (its /metrics).
followers() {
	api admin GET /metrics
	sed -n 's/^jobworker_followers \([0-9]*\)$/\1/p' <<<"$BODY"
}

# fds PID / threads PID: what a process holds, from /proc.
fds() { ls "/proc/$1/fd" | wc -l; }
threads() { ls "/proc/$1/task" | wc -l; }

# follow USER ID FILE: follow a job's output into FILE in the background (unbuffered); sets
# FOLLOWER to the curl's pid.
follow() {
	curl -sS -N --cacert "$CERTS/ca.crt" --cert "$CERTS/$1.crt" --key "$CERTS/$1.key" \
		-o "$3" "https://localhost:$PORT/jobs/$2/output?follow=1" 3>&- &
	FOLLOWER=$!
}

# stalling_reader USER ID N FILE: in the background, follow the job's output, take its first N
# bytes into FILE, then read nothing until $STACK_DIR/release exists, then the rest into
# FILE.out. Should a failing test never release it, it gives up once the stack's directory is
# gone (stop_stack), or after ten minutes. Sets STALLING (its pid).
stalling_reader() {
	curl -sS -N --cacert "$CERTS/ca.crt" --cert "$CERTS/$1.crt" --key "$CERTS/$1.key" \
		"https://localhost:$PORT/jobs/$2/output?follow=1" 3>&- |
		(dd bs=1 count="$3" of="$4" 2>/dev/null
		for ((i = 0; i < 12000; i++)); do
			[ -e "$STACK_DIR/release" ] || [ ! -d "$STACK_DIR" ] && break
			sleep 0.05
		done
		cat >"$4.out") 3>&- &
	STALLING=$!
}

# stalled_follower USER: a job of USER's that prints "started", waits for $STACK_DIR/go, then
# writes 8 MB of random bytes (kept in $STACK_DIR/data); and a stalling_reader of it that takes
# the first line ($STACK_DIR/slow, the rest in slow.out). Once the follower is attached, lets
# the job write. Sets ID and SLOW (the follower's pid).
stalled_follower() {
	local d=$STACK_DIR
	head -c 8000000 /dev/urandom >"$d/data"
	rm -f "$d/go" "$d/release"
	start "$1" "{\"command\":[\"sh\",\"-c\",\"echo started; while [ ! -e $d/go ]; do sleep 0.02; done; cat $d/data\"]}" ||
		return 1
	stalling_reader "$1" "$ID" 8 "$d/slow"
	SLOW=$STALLING
	attached started "$d/slow" || return 1
	touch "$d/go"
}

# attached LINE FILE...: wait (bounded) until each follower has received the job's first line,
# LINE: it is then attached. curl writes the body as it arrives, but headers only at the end.
attached() {
	local line=$1 f i
	shift
	for f in "$@"; do
		for ((i = 0; i < 400; i++)); do
			[ "$(head -c ${#line} "$f" 2>/dev/null)" = "$line" ] && break
			sleep 0.025
		done
		[ "$(head -c ${#line} "$f" 2>/dev/null)" = "$line" ] || return 1
	done
}
