#!/usr/bin/env bash
# Run every test and end with one line: "N passed, N failed".
#   tests/run.sh BUILD [unit|e2e|faults]...     (default: unit e2e)
# Unit tests are the cmocka programs in BUILD/tests (their TAP output is counted); end-to-end
# tests are the bats files in tests/e2e, and the fault tests those in tests/faults, run against
# the binaries in BUILD. A test program's
# full output is shown only when something in it failed.
set -u
cd "$(dirname "$0")/.." || exit 2
build=${1:?usage: tests/run.sh BUILD [unit|e2e|faults]...}
shift
kinds=${*:-unit e2e}
pass=0
fail=0
skips=0

# count FILE: add the ok / not ok lines of a TAP log to the totals (a skipped test is neither
# passed nor failed: bats says "ok N ... # skip", cmocka "not ok N # SKIP"); 1 if any failed.
# Sets OK and SKIPPED to the log's own.
count() {
	local bad skipped_ok skipped_bad
	skipped_ok=$(grep -c '^ok .* # skip' "$1")
	skipped_bad=$(grep -c '^not ok .* # SKIP' "$1")
	SKIPPED=$((skipped_ok + skipped_bad))
	OK=$(($(grep -c '^ok ' "$1") - skipped_ok))
	bad=$(($(grep -c '^not ok ' "$1") - skipped_bad))
	pass=$((pass + OK))
	skips=$((skips + SKIPPED))
	fail=$((fail + bad))
	[ "$bad" -eq 0 ]
}

# Sanitizer builds (make SAN=1): report leaks, stop at the first error, with a stack trace.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT

if [[ " $kinds " == *" unit "* ]]; then
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
		status=$?
		if ! count "$log" || [ "$status" -ne 0 ]; then
			echo "--- $(basename "$t") (exit $status):"
			cat "$log"
			# A crash before any TAP line still counts as a failure.
			grep -q '^not ok ' "$log" || fail=$((fail + 1))
		else
			echo "$(basename "$t"): $OK passed"
		fi
	done
fi

export JOBWORKER_BUILD=$build
for kind in e2e faults; do
	[[ " $kinds " == *" $kind "* ]] || continue
	for f in tests/$kind/*.bats; do
		[ -e "$f" ] || continue
		bats --tap "$f" >"$log" 2>&1
		status=$?
		if ! count "$log" || [ "$status" -ne 0 ]; then
			echo "--- $(basename "$f") (exit $status):"
			cat "$log"
			grep -q '^not ok ' "$log" || fail=$((fail + 1))
		else
			echo "$(basename "$f"): $OK passed$([ "$SKIPPED" -gt 0 ] && echo ", $SKIPPED skipped")"
		fi
	done
done

echo "$pass passed, $fail failed$([ "$skips" -gt 0 ] && echo ", $skips skipped")"
[ "$fail" -eq 0 ]
