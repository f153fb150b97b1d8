#!/usr/bin/env bats
# docs/openapi.yaml against the running stack: real answers (jobs in each phase, the list, the
# log, each error the API gives) validated against the document's own schemas and statuses
# (tests/e2e/openapi_check.py, JSON Schema draft 2020-12), so that the two cannot drift.

load helpers

DOC=$REPO/docs/openapi.yaml

setup_file() {
	# One job runs at a time and two wait, so that queued jobs and a full queue are easy to get.
	start_stack -k --grace 1 --max-running 1 --max-queued 2
}

teardown_file() {
	stop_stack
}

teardown() {
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

# expect STATUS USER METHOD PATH [CURL_ARGS...]: call the API as api does, check the status,
# and keep the answer in ANSWERS for the document's check, under the path's template.
expect() {
	local want=$1 user=$2 method=$3 path=$4 template n
	shift 4
	api "$user" "$method" "$path" "$@"
	[ "$HTTP" = "$want" ] || { echo "$method $path: $HTTP, not $want: $BODY" >&2; return 1; }
	template=${path%%\?*}
	[[ $template == /jobs/logs* ]] || template=$(sed -E 's|^/jobs/[^/]+|/jobs/{id}|' <<<"$template")
	n=$(($(wc -l <"$ANSWERS/cases") + 1))
	cp "$BODY_FILE" "$ANSWERS/$n.body"
	printf '%s\n' "$HEADERS" >"$ANSWERS/$n.headers"
	echo "$method $template $HTTP $n" >>"$ANSWERS/cases"
}

# validated: every answer kept so far validates against the document.
validated() {
	run python3 "$BATS_TEST_DIRNAME/openapi_check.py" "$DOC" answers "$ANSWERS"
	echo "$output"
	[ "$status" -eq 0 ]
}

setup() {
	ANSWERS=$BATS_TEST_TMPDIR/answers
	mkdir -p "$ANSWERS"
	: >"$ANSWERS/cases"
}

@test "docs/openapi.yaml is OpenAPI 3.1 whose references resolve and schemas are valid" {
	run python3 "$BATS_TEST_DIRNAME/openapi_check.py" "$DOC"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "GET /jobs" ]
}

@test "jobs queued, running and ended, with output; the list, the log, a restart, health, metrics" {
	m=$(new_marker)
	expect 201 user1 POST /jobs --json "{\"command\":[\"sleep\",\"$m\"]}"
	running=$(field id)
	[ "$(field state)" = running ]
	expect 201 user1 POST /jobs --json '{"command":["sh","-c","echo out; echo err >&2"],"timeout_s":60}'
	queued=$(field id)
	[ "$(field state)" = queued ]
	expect 200 user1 GET "/jobs/$running"
	expect 200 user1 GET "/jobs/$queued"
	expect 200 user1 GET /jobs
	[ "$(jq '.jobs | length' <<<"$BODY")" = 2 ]
	expect 200 user1 GET /jobs/logs
	expect 200 user1 DELETE "/jobs/$running"
	[ "$(field state)" = stopped ]
	expect 200 user1 GET "/jobs/$queued?wait=30"
	[ "$(field state)" = succeeded ]
	[ "$(field output)" = $'out\nerr' ]
	expect 200 user1 GET "/jobs/$queued/output"
	expect 201 user1 POST "/jobs/$queued/restart"
	wait_end user1 "$(field id)"
	expect 201 user1 POST /jobs --json '{"command":["/no/such/program"]}'
	[ "$(field state)" = failed ]
	expect 200 user1 GET "/jobs/$(field id)"
	expect 201 user1 POST /jobs --json "{\"command\":[\"sleep\",\"$m\"]}"
	expect 200 user1 DELETE /jobs
	[ "$(jq '.jobs | length' <<<"$BODY")" = 1 ]
	expect 200 user1 GET /jobs/logs
	[ "$(jq '.logs | length' <<<"$BODY")" -ge 5 ]
	expect 200 user1 GET /healthz
	expect 200 admin GET /metrics
	validated
}

@test "each error the API gives is a status its operation lists, with a body the document allows" {
	expect 400 user1 POST /jobs --json 'nope'
	[ "$(error_code)" = invalid_json ]
	expect 400 user1 POST /jobs --json '{"command":[]}'
	[ "$(error_code)" = invalid_request ]
	expect 400 user1 GET "/jobs?x=1"
	[ "$(error_code)" = invalid_request ]
	expect 400 user1 GET "/jobs/1?wait=61"
	expect 400 user1 POST /jobs --json "{\"command\":[\"echo\",\"$(head -c 4097 /dev/zero | tr '\0' a)\"]}"
	[ "$(error_code)" = command_too_long ]
	expect 403 user1 GET /metrics
	[ "$(error_code)" = forbidden ]
	expect 403 user1 POST /jobs -H 'Origin: https://evil.example' --json '{"command":["true"]}'
	expect 403 user1 GET /jobs/logs -H 'Origin: null'
	expect 404 user1 GET /jobs/999999
	[ "$(error_code)" = not_found ]
	expect 404 user1 DELETE /jobs/a.b
	expect 404 user1 POST /jobs/999999/restart
	expect 404 user1 GET /jobs/999999/output
	expect 404 user1 GET /other
	expect 405 user1 PUT /jobs
	[ "$(error_code)" = method_not_allowed ]
	expect 405 user1 POST /jobs/1
	expect 405 user1 DELETE /healthz
	start user1 '{"command":["true"]}'
	wait_end user1 "$ID"
	expect 409 user1 DELETE "/jobs/$ID"
	[ "$(error_code)" = not_active ]
	head -c 70000 /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/big"
	expect 413 user1 POST /jobs --json @"$BATS_TEST_TMPDIR/big"
	expect 415 user1 POST /jobs -H 'Content-Type: text/plain' --data-binary '{"command":["true"]}'
	[ "$(error_code)" = unsupported_media_type ]
	expect 415 user1 GET /jobs -H 'Content-Type: text/plain' --data-binary x

	# A full queue: one runs, two wait, the next is refused.
	m=$(new_marker)
	for i in 1 2 3; do start user1 "{\"command\":[\"sleep\",\"$m\"]}"; done
	expect 429 user1 POST /jobs --json '{"command":["true"]}'
	[ "$(error_code)" = queue_full ]
	expect 429 user1 POST "/jobs/$ID/restart"
	api user1 DELETE /jobs

	# jobsupd down: what jobapi answers meanwhile; then a new one for the tests after.
	sup=$(pid_of jobsupd)
	kill -TERM "$sup"
	gone "$sup"
	expect 503 user1 GET /jobs
	[ "$(error_code)" = unavailable ]
	expect 503 user1 POST /jobs --json '{"command":["true"]}'
	expect 503 user1 GET /healthz
	new_jobsupd --grace 1 --max-running 1 --max-queued 2
	validated
}

@test "the check catches drift: an extra field, a missing one, an unknown state or code, a status not listed" {
	start user1 '{"command":["echo","hi"]}'
	wait_end user1 "$ID"
	expect 200 user1 GET "/jobs/$ID"
	validated
	good=$ANSWERS/1.body
	bad() { # bad STATUS METHOD PATH JQ_FILTER: a changed copy of the good answer must fail
		: >"$ANSWERS/cases"
		jq -c "$4" "$good" >"$ANSWERS/2.body"
		cp "$ANSWERS/1.headers" "$ANSWERS/2.headers"
		echo "$2 $3 $1 2" >"$ANSWERS/cases"
		run python3 "$BATS_TEST_DIRNAME/openapi_check.py" "$DOC" answers "$ANSWERS"
		[ "$status" -eq 1 ] || { echo "not caught: $1 $2 $3 $4"; return 1; }
	}
	bad 200 GET '/jobs/{id}' '. + {extra: 1}'
	bad 200 GET '/jobs/{id}' 'del(.usage)'
	bad 200 GET '/jobs/{id}' 'del(.output)'
	bad 200 GET '/jobs/{id}' '.state = "done"'
	bad 200 GET '/jobs/{id}' '.exit_code = "0"'
	bad 200 GET '/jobs/{id}' '.limits.pids = 0'
	bad 200 GET '/jobs/{id}' '.usage.extra = 1'
	bad 200 DELETE '/jobs/{id}' '.' # a job with its output, where none is given
	bad 200 GET /jobs '{jobs: [.]}'
	bad 200 GET /jobs/logs '{logs: [.], more: 1}'
	bad 200 GET /jobs '{jobs: [del(.output) | .id = "a b"]}'
	bad 400 POST /jobs '{error: {code: "nope", message: "x"}}'
	bad 400 POST /jobs '{error: {code: "invalid_json"}}'
	bad 400 POST /jobs '{error: {code: "invalid_json", message: "x", extra: 1}}'
	# 409 is not GET /jobs's; its default response is nginx's errors only.
	bad 409 GET /jobs '{error: {code: "not_active", message: "x"}}'
	bad 404 GET /jobs '{error: {code: "not_found", message: "x"}}'
	bad 200 PUT /jobs '.'
}
