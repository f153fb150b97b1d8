#!/usr/bin/env bash
# The soak: the real stack with --max-running 4 --max-queued 200 in a temporary directory, 50
# clients for SOAK_SECONDS (default 60), then the soak's account of it (see soak.c), and the
# stack stopped: it must exit cleanly, with no sanitizer report, leaving no process, socket or
# cgroup behind.
#
#   tests/soak/run.sh BUILD        SOAK_SECONDS, SOAK_CLIENTS; JOBSUPD_WRAPPER (valgrind)
set -u
cd "$(dirname "$0")/../.." || exit 2
repo=$(pwd)
build=$(cd "${1:?usage: tests/soak/run.sh BUILD}" && pwd)
seconds=${SOAK_SECONDS:-60}
clients=${SOAK_CLIENTS:-50}
limits=(--max-running 4 --max-queued 200 --max-log 500 --output-cap 65536)

T=$(mktemp -d /var/tmp/jobworker-soak.XXXXXX) # not /tmp: jobs have their own
chmod 755 "$T"
mkdir -p "$T/slots"
# The job program runs in the job's sandbox, whose /tmp is its own: a checkout under /tmp
# would hide it, so it runs from here.
cp "$build/soak/soak_job" "$T/soak_job" || exit 1
# Jobs run as their owners' uids, which share the slot files: made here, each writable by all
# (the directory is not, so no job can replace another's file).
for f in violations slot.{0..63}; do
	install -m 666 /dev/null "$T/slots/$f" || exit 1
done
root=jobworker-soak.${T##*.}
stack=
cleanup() {
	if [ -n "$stack" ]; then
		kill -TERM "$stack" 2>/dev/null
		wait "$stack" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source tests/stack.bash
if ! stack_up "$T" "$build" -- "${limits[@]}" --grace 1 --cgroup-root "$root"; then
	cat "$T/stack.log"
	exit 1
fi
stack=$STACK_PID
port=$PORT

# Sanitizer and valgrind builds keep freed memory aside: their RSS says nothing of leaks
# (their own leak checks do).
rss=
case $build in */san) rss=--no-rss ;; esac
[ -n "${JOBSUPD_WRAPPER:-}" ] && rss=--no-rss

status=0
"$build/soak/soak" "https://localhost:$port" --certs "$repo/certs" \
	--job "$T/soak_job" --slots "$T/slots" \
	--supervisor "$(cat "$T/run/jobsupd.pid")" --api "$(cat "$T/run/jobapi.pid")" \
	--clients "$clients" --seconds "$seconds" "${limits[@]}" $rss || status=1

if ! stack_down "$T" "$root" 2>"$T/down"; then
	sed 's/^/soak: /' "$T/down"
	status=1
fi
stack=
if [ "$status" = 0 ]; then
	echo "soak: the stack stopped cleanly and left nothing behind"
else
	echo "--- the stack's log (last lines):"
	tail -20 "$T/stack.log"
fi
exit $status
