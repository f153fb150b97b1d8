#!/usr/bin/env bats
# GET /jobs/events: the changes to jobs the caller may see, pushed as Server-Sent Events; a
# client resuming with Last-Event-ID gets what it missed while that is held, else "reset";
# bounded like the followers; jobctl list --watch.

load helpers

setup_file() {
	start_stack --max-running 2 --max-log 3 --max-events 12 --max-followers 3
}

teardown_file() {
	stop_stack
}

# The streams a test ended hold their places until jobsupd has seen each client go (through
# nginx and jobapi): the next test starts with all three places free.
teardown() {
	until_true '[ "$(followers)" = 0 ]'
}

# watch USER FILE [LAST_EVENT_ID]: stream events into FILE in the background; sets WATCHER.
watch() {
	local extra=()
	[ -n "${3:-}" ] && extra=(-H "Last-Event-ID: $3")
	: >"$2"
	curl -sS -N --cacert "$CERTS/ca.crt" --cert "$CERTS/$1.crt" --key "$CERTS/$1.key" \
		"${extra[@]}" -D "$2.headers" -o "$2" "https://localhost:$PORT/jobs/events" 3>&- &
	WATCHER=$!
	until_true "grep -q '^: events from' $2"
}

# events FILE: "ID EVENT JOB_ID STATE" for each event in FILE.
events() {
	awk '/^id: /{id=$2} /^event: /{ev=$2} /^data: /{sub(/^data: /,""); print id, ev, $0}' "$1" |
		while read -r id ev json; do echo "$id $ev $(jq -r '.id + " " + .state' <<<"$json")"; done
}

@test "a job's life as events, with increasing ids; another user sees none of it, an admin all" {
	d=$STACK_DIR
	watch user1 "$d/u1"
	u1=$WATCHER
	watch user2 "$d/u2"
	u2=$WATCHER
	watch admin "$d/adm"
	adm=$WATCHER
	start user1 '{"command":["true"]}'
	id=$ID
	until_true "events $d/u1 | grep -q ' ended $id succeeded'"
	events "$d/u1" >"$d/u1.ev"
	[ "$(cut -d' ' -f2-3 "$d/u1.ev" | tr '\n' ' ')" = "created $id started $id ended $id " ]
	# The ids increase, one by one.
	[ "$(cut -d' ' -f1 "$d/u1.ev" | sort -n -c && echo sorted)" = sorted ]
	until_true "events $d/adm | grep -q ' ended $id succeeded'"
	diff <(cut -d' ' -f1-3 "$d/u1.ev") <(events "$d/adm" | cut -d' ' -f1-3)
	[ -z "$(events "$d/u2")" ]
	kill "$u1" "$u2" "$adm"
	wait "$u1" "$u2" "$adm" 2>/dev/null || true
	grep -qi '^Content-Type: text/event-stream' "$d/u1.headers"
}

@test "a job leaving the log is an event too" {
	d=$STACK_DIR
	watch user1 "$d/rm"
	w=$WATCHER
	api user1 GET /jobs/logs
	oldest=$(jq -r '.logs[-1].id' <<<"$BODY")
	for n in 1 2 3; do
		start user1 '{"command":["true"]}'
		wait_end user1 "$ID"
	done
	until_true "events $d/rm | grep -q ' removed $oldest '"
	kill "$w"
	wait "$w" 2>/dev/null || true
}

@test "Last-Event-ID: what was missed while held; a reset when it is gone or from another jobsupd" {
	d=$STACK_DIR
	watch user1 "$d/first"
	w=$WATCHER
	start user1 '{"command":["true"]}'
	a=$ID
	until_true "events $d/first | grep -q ' ended $a '"
	kill "$w"
	wait "$w" 2>/dev/null || true
	last=$(events "$d/first" | tail -1 | cut -d' ' -f1)
	start user1 '{"command":["true"]}'
	b=$ID
	wait_end user1 "$b"
	# Resuming: exactly the events after the last one seen.
	watch user1 "$d/resumed" "$last"
	w=$WATCHER
	until_true "events $d/resumed | grep -q ' ended $b '"
	[ "$(events "$d/resumed" | head -1 | cut -d' ' -f1)" = $((last + 1)) ]
	! grep -q '^event: reset' "$d/resumed"
	kill "$w"
	wait "$w" 2>/dev/null || true
	# Twelve events are held: after four more jobs (twelve events and more), they are gone.
	for n in 1 2 3 4 5; do
		start user1 '{"command":["true"]}'
		wait_end user1 "$ID"
	done
	watch user1 "$d/old" "$last"
	w=$WATCHER
	until_true "grep -q '^event: reset' $d/old"
	kill "$w"
	wait "$w" 2>/dev/null || true
	watch user1 "$d/future" 999999
	w=$WATCHER
	until_true "grep -q '^event: reset' $d/future"
	kill "$w"
	wait "$w" 2>/dev/null || true
	api user1 GET /jobs/events -H 'Last-Event-ID: twelve'
	[ "$HTTP" = 400 ]
}

@test "event streams are bounded with the followers: past --max-followers, 503" {
	d=$STACK_DIR
	pids=()
	for n in 1 2 3; do
		watch user1 "$d/b$n"
		pids+=("$WATCHER")
	done
	api user1 GET /jobs/events
	[ "$HTTP" = 503 ]
	[ "$(error_code)" = unavailable ]
	kill "${pids[@]}"
	wait "${pids[@]}" 2>/dev/null || true
	until_true "api user1 GET /jobs/events -m 1; [ \"\$HTTP\" = 200 ]"
}

@test "jobctl list --watch prints the table, then a line per change" {
	d=$STACK_DIR
	start user1 '{"command":["sleep","600"]}'
	sleeper=$ID
	"$JOBCTL" list --watch >"$d/watch.out" 2>"$d/watch.err" 3>&- &
	w=$!
	until_true "grep -q '^ID' $d/watch.out"
	grep -q "^$sleeper .*running" "$d/watch.out"
	start user1 '{"command":["echo","hi"]}'
	id=$ID
	until_true "grep -q '^ended  *$id  *succeeded' $d/watch.out"
	grep -q "^created  *$id " "$d/watch.out"
	api user1 DELETE "/jobs/$sleeper"
	until_true "grep -q '^ended  *$sleeper  *stopped' $d/watch.out"
	kill "$w"
	wait "$w" 2>/dev/null || true
	[ ! -s "$d/watch.err" ]
}
