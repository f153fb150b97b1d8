#!/usr/bin/env bash
# Run the whole job worker in the foreground: jobsupd, then jobapi, then nginx, with the logs of
# all three on this terminal. Ctrl-C, SIGTERM or SIGHUP stops all three (front first) and
# removes their sockets; if one of them dies, the others are stopped too.
#
# usage: stack.sh [-d DIR] [-p PORT] [-b BUILD] [-k] [-- JOBSUPD_ARGS...]
#   -d DIR    where run/ goes, and nginx's prefix (default: the checkout)
#   -p PORT   HTTPS port on 127.0.0.1 (default 8443)
#   -b BUILD  where the binaries are (default: the checkout's build/)
#   -k        keep the others running when one exits (for tests that restart one)
# JOBAPI_ARGS, if set, is passed to jobapi (e.g. "--threads 16 --max-followers 64");
# JOBSUPD_WRAPPER, if set, runs jobsupd under it (e.g. valgrind and its options);
# NGINX_EXTRA and NGINX_HTTP_EXTRA, if set, are files added to the server and to the http
# block of nginx's configuration (the benchmark's ceilings).
# Pid files: DIR/run/jobsupd.pid, DIR/run/jobapi.pid, DIR/run/nginx.pid.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$repo
port=8443
build=$repo/build
keep=
while getopts d:p:b:k opt; do
	case $opt in
	k) keep=1 ;;
	d) dir=$(cd "$OPTARG" && pwd) || exit 2 ;;
	p) port=$OPTARG ;;
	b) build=$(cd "$OPTARG" && pwd) || exit 2 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $port in
'' | *[!0-9]*) echo "stack.sh: PORT must be a number, not '$port'" >&2; exit 2 ;;
esac

say() { printf 'stack: %s\n' "$*" >&2; }

cd "$dir" || exit 1
mkdir -p run/nginx run/private || exit 1
# The checkout's private keys are for the service alone: no job (another uid) may read them.
chmod 600 "$repo"/certs/*.key 2>/dev/null
chmod 700 run/private
# One stack per directory: a live one keeps its sockets; a dead one's pid files are stale.
for name in jobsupd jobapi nginx; do
	if [ -s "run/$name.pid" ] && kill -0 "$(cat "run/$name.pid")" 2>/dev/null; then
		say "$name is already running here (pid $(cat "run/$name.pid")); stop that first"
		exit 1
	fi
	rm -f "run/$name.pid"
done
conf=nginx/jobworker.conf
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
if [ "$port" != 8443 ] || [ "$dir" != "$repo" ] || [ -n "${NGINX_EXTRA:-}${NGINX_HTTP_EXTRA:-}" ]; then
	# A copy in run/: its certificate paths (../certs) still resolve from there.
	[ -e certs ] || ln -s "$repo/certs" certs
	extra= http_extra=
	[ -n "${NGINX_EXTRA:-}" ] && extra="include $(abspath "$NGINX_EXTRA");"
	[ -n "${NGINX_HTTP_EXTRA:-}" ] && http_extra="include $(abspath "$NGINX_HTTP_EXTRA");"
	sed -e "s/listen 127.0.0.1:8443 /listen 127.0.0.1:$port /" \
		-e "s|^\(\t*\)location / {|\1$extra\n\1location / {|" \
		-e "s|^\(\t*\)server {|\1$http_extra\n\1server {|" \
		"$repo/nginx/jobworker.conf" >run/jobworker.conf
	cp "$repo/nginx/fastcgi_jobapi" "$repo/nginx/jobapi_params" run/
	conf=run/jobworker.conf
fi

read -r -a api_args <<<"${JOBAPI_ARGS:-}"
nginx_args=()
if [ "$(id -u)" = 0 ]; then
	# A root master runs its workers as nobody: they reach jobapi's socket through the
	# group nogroup, and the run directory through its search permission.
	chmod 755 run
	api_args+=(--socket-group nogroup --socket-mode 0660)
	nginx_args=(-g 'user nobody nogroup;')
fi

pids=()
declare -A ended # pid -> exit status, for those already reaped
stopping=
failed=0
# Stop the processes, front first; any that does not exit cleanly makes the stack fail. Each
# daemon removes its own socket as it exits (and a new one replaces a stale one).
stop() {
	stopping=1
	trap '' INT TERM HUP
	local i p st
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		p=${pids[i]}
		if [ -n "${ended[$p]:-}" ]; then
			st=${ended[$p]}
		else
			kill -TERM "$p" 2>/dev/null
			wait "$p" 2>/dev/null
			st=$?
		fi
		# 130 and 143: it ended on the same Ctrl-C or SIGTERM that stops the stack. -1: it
		# ended then too, and bash's `wait -n`, cut short by that signal, kept its status.
		case $st in
		0 | 130 | 143 | -1) ;;
		*)
			say "process $p exited with status $st"
			failed=1
			;;
		esac
	done
	rm -f run/jobsupd.pid run/jobapi.pid
}
trap 'stop; exit $failed' INT TERM HUP

# wait_for WHAT PID TEST...: until TEST passes with PID alive, or PID dies (at most ~10 s).
wait_for() {
	local what=$1 pid=$2 i
	shift 2
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	say "$what did not start"
	stop
	exit 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
inode() { stat -c %i "$1" 2>/dev/null || echo none; }
# fresh_socket PATH OLD_INODE: PATH is a socket, and not the (stale) one that was there before.
fresh_socket() { [ -S "$1" ] && [ "$(inode "$1")" != "$2" ]; }

old=$(inode run/private/jobsupd.sock)
read -r -a wrapper <<<"${JOBSUPD_WRAPPER:-}"
"${wrapper[@]}" "$build/jobsupd" --socket run/private/jobsupd.sock "$@" &
pids+=($!)
echo $! >run/jobsupd.pid
wait_for jobsupd $! fresh_socket run/private/jobsupd.sock "$old"

old=$(inode run/jobapi.sock)
"$build/jobapi" --socket run/jobapi.sock --supervisor run/private/jobsupd.sock "${api_args[@]}" &
pids+=($!)
echo $! >run/jobapi.pid
wait_for jobapi $! fresh_socket run/jobapi.sock "$old"

# Debian puts nginx in /usr/sbin, which an ordinary user's PATH may lack.
nginx=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx" -p "$dir/" -c "$conf" "${nginx_args[@]}" &
pids+=($!)
wait_for nginx $! port_open
say "ready on https://localhost:$port (Ctrl-C stops it)"

# Whichever ends first, the rest follow it (with -k, only a signal ends the stack).
while :; do
	done_pid=
	wait -n -p done_pid "${pids[@]}"
	status=$?
	[ -n "$done_pid" ] && ended[$done_pid]=$status
	[ -n "$stopping" ] && exit $failed
	[ -z "$done_pid" ] && continue # a signal whose trap did not exit
	if [ -z "$keep" ]; then
		say "a process exited (status $status); stopping the rest"
		stop
		# Status 0: it was asked to stop (a Ctrl-C reaches all three at once), not a failure.
		[ "$status" -eq 0 ] && exit $failed
		exit 1
	fi
	say "process $done_pid exited (status $status); the others keep running (-k)"
	alive=()
	for p in "${pids[@]}"; do [ "$p" != "$done_pid" ] && alive+=("$p"); done
	[ ${#alive[@]} -gt 0 ] || exit 1
	pids=("${alive[@]}")
done
