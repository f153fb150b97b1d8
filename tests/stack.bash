# stack_up DIR BUILD [STACK_OPTIONS...] [-- JOBSUPD_ARGS...]: start nginx/stack.sh in the
# background with DIR as its directory, on a free port below the ephemeral range (where no
# outgoing connection can hold it; three tries), its log in DIR/stack.log. Sets PORT and
# STACK_PID once it is ready; fails otherwise (the log says why). NGINX_EXTRA and the other
# variables stack.sh reads pass through. With STACK_PORT set, on that port alone, once (a
# stack started again where one was, as `make run` is).
stack_up() {
	local dir=$1 build=$2 attempt i low
	shift 2
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	for attempt in 1 2 3; do
		if [ -n "${STACK_PORT:-}" ]; then
			[ "$attempt" = 1 ] || break
			PORT=$STACK_PORT
		else
			PORT=$((10000 + RANDOM % (low - 10000)))
			(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue
		fi
		: >"$dir/stack.log" # there before the background shell opens it, for the grep below
		# fd 3 is bats' own: the stack must not hold it, or bats waits for it.
		"$(dirname "${BASH_SOURCE[0]}")/../nginx/stack.sh" -d "$dir" -p "$PORT" -b "$build" "$@" \
			>"$dir/stack.log" 2>&1 3>&- &
		STACK_PID=$!
		# Ready within 60 s, valgrind or a sanitizer included; a port taken ends it sooner.
		for ((i = 0; i < 2400; i++)); do
			grep -q 'stack: ready' "$dir/stack.log" && return 0
			kill -0 "$STACK_PID" 2>/dev/null || break
			sleep 0.025
		done
		kill -TERM "$STACK_PID" 2>/dev/null
		wait "$STACK_PID" 2>/dev/null
	done
	STACK_PID=
	return 1
}

# stack_down DIR ROOT: stop the stack that stack_up started in DIR (STACK_PID) and check that it
# ended cleanly: exit status 0, no sanitizer or valgrind report in its log, no process, socket
# or cgroup (under ROOT) left behind. 0, or 1 after saying why on stderr.
stack_down() {
	local dir=$1 root=$2 pids p i left status=0
	local reports='Sanitizer|runtime error:|ERROR SUMMARY: [1-9]|definitely lost: [1-9]'
	pids=$(cat "$dir"/run/*.pid 2>/dev/null)
	kill -TERM "$STACK_PID" 2>/dev/null
	wait "$STACK_PID" 2>/dev/null || { echo "the stack did not exit cleanly" >&2; status=1; }
	for ((i = 0; i < 200; i++)); do
		left=
		for p in $pids; do kill -0 "$p" 2>/dev/null && left+=" $p"; done
		[ -z "$left" ] && break
		sleep 0.05
	done
	[ -z "$left" ] || { echo "processes of the stack still running:$left" >&2; status=1; }
	if [ -e "$dir/run/jobapi.sock" ] || [ -e "$dir/run/private/jobsupd.sock" ]; then
		echo "a socket was left behind" >&2
		status=1
	fi
	if ls -d /sys/fs/cgroup/"$root" /sys/fs/cgroup/*/"$root" 2>/dev/null | grep -q .; then
		echo "cgroups were left behind under $root" >&2
		status=1
	fi
	if grep -qE "$reports" "$dir/stack.log"; then
		grep -B2 -A30 -E "$reports" "$dir/stack.log" | head -80 >&2
		status=1
	fi
	return $status
}
