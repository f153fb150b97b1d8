# Helpers for the fault tests, on top of the end-to-end helpers: background load that records
# every status it gets, restarting a killed jobapi or jobsupd, and finding a job's processes.

load ../e2e/helpers

# load_start USER PATH: LOADERS (default 4) loops of requests in the background, each status on
# a line of STACK_DIR/load.N, until load_stop.
load_start() {
	local n
	rm -f "$STACK_DIR"/load.* "$STACK_DIR/load-stop"
	LOAD_PIDS=()
	for ((n = 0; n < ${LOADERS:-4}; n++)); do
		(
			while [ ! -e "$STACK_DIR/load-stop" ]; do
				curl -sS -o /dev/null -w '%{http_code}\n' --max-time 30 \
					--cacert "$CERTS/ca.crt" --cert "$CERTS/$1.crt" --key "$CERTS/$1.key" \
					"https://localhost:$PORT$2" 2>/dev/null || echo 000
			done >"$STACK_DIR/load.$n"
		) 3>&- &
		LOAD_PIDS+=($!)
	done
}

# load_stop: end the loops; LOAD_STATUSES then holds each status seen, with its count.
load_stop() {
	touch "$STACK_DIR/load-stop"
	wait "${LOAD_PIDS[@]}"
	LOAD_STATUSES=$(cat "$STACK_DIR"/load.* | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ')
	echo "load: $LOAD_STATUSES" >&3
}

# load_count STATUS: answers of STATUS the loops have had so far.
load_count() { cat "$STACK_DIR"/load.* 2>/dev/null | grep -c "^$1$" || true; }

# load_seen N STATUS: wait (at most WAIT_S) until the loops have had N more answers of STATUS than
# when load_mark STATUS was last called.
load_mark() { LOAD_MARK=$(load_count "$1"); }
load_seen() { until_true "[ \$(load_count $2) -ge $((LOAD_MARK + $1)) ]"; }

# load_only STATUS...: every status the loops saw is one of these.
load_only() {
	local s ok
	for s in $(cat "$STACK_DIR"/load.* | sort -u); do
		ok=
		for want in "$@"; do [ "$s" = "$want" ] && ok=1; done
		[ -n "$ok" ] || { echo "the load saw status $s" >&2; return 1; }
	done
}

# until_job USER ID JQ_CONDITION: wait (at most WAIT_S) until the job meets the condition.
until_job() {
	until_true "api $1 GET /jobs/$2 && jq -e '$3' <<<\"\$BODY\" >/dev/null"
}

# instrumented: whether the stack runs under a sanitizer (make SAN=1) or valgrind, whose own
# memory says nothing of the stack's.
instrumented() { [[ "$BUILD" == */san ]] || [ -n "${JOBSUPD_WRAPPER:-}" ]; }
