#!/usr/bin/env bash
# The dashboard's tests: those without a browser (web/'s pure modules, the PKCS#12 files), then
# those in a real browser (Debian's chromium driven by playwright-core) against the real stack,
# started on a free port in a temporary directory and stopped at the end, leaving nothing behind.
#   tests/browser/run.sh [BUILD]       (make browser-test installs what it needs first)
# A screenshot of each page lands in BUILD/browser/; with DOCS_SCREENSHOT=1 the dashboard's
# also in docs/dashboard.png (the README's).
set -u
cd "$(dirname "$0")/../.." || exit 2
build=${1:-build}
source tests/stack.bash

node --test tests/browser/unit.test.mjs || exit 1

dir=$(mktemp -d /var/tmp/jobworker-browser.XXXXXX) # not /tmp: jobs have their own
chmod 755 "$dir" # nginx workers (nobody, under a root master) pass through it
root=jobworker-browser.${dir##*.}
if ! stack_up "$dir" "$build" -- --cgroup-root "$root" --grace 2 --max-running 8; then
	echo "browser tests: the stack did not start:" >&2
	cat "$dir/stack.log" >&2
	rm -rf "$dir"
	exit 1
fi
echo "browser tests: the stack is on https://localhost:$PORT"

# node and the browser in a process group of their own, so that none of theirs outlives them.
mkdir -p "$build/browser"
JOBWORKER_URL=https://localhost:$PORT JOBWORKER_SHOTS=$build/browser \
	NODE_EXTRA_CA_CERTS=$PWD/certs/ca.crt \
	setsid node --test --test-concurrency=1 --test-timeout=120000 tests/browser/dashboard.test.mjs &
node_pid=$!
trap 'kill -TERM -- -$node_pid 2>/dev/null' INT TERM
wait "$node_pid"
status=$?
for ((i = 0; i < 100; i++)); do kill -0 -- "-$node_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 -- "-$node_pid" 2>/dev/null; then
	echo "browser tests: processes of the test run were left running; killing them" >&2
	kill -KILL -- "-$node_pid" 2>/dev/null
	status=1
fi

if ! stack_down "$dir" "$root"; then
	tail -50 "$dir/stack.log" | sed 's/^/# /' >&2
	status=1
fi
rm -rf "$dir"
[ "$status" = 0 ] && echo "browser tests: passed" || echo "browser tests: FAILED" >&2
exit "$status"
