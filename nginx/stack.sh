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
# Pid files: DIR/run/stack.pid (this script), DIR/run/jobsupd.pid, DIR/run/jobapi.pid,
# DIR/run/nginx.pid. DIR/run/stack.procs records the same processes with their start times and
# the boot, so that a later stack.sh tells them from processes that merely reuse their pids.
#
# Readiness: jobsupd and jobapi say they listen on a pipe (--ready-fd), which cannot be left
# over from an earlier run as a socket file can (a new socket often gets the dead one's inode).
# A stack whose stack.sh was killed (SIGKILL) leaves its daemons running: the next stack.sh in
# the same directory stops them (TERM, then KILL), by the pids it recorded, before it starts.
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

boot=$(cat /proc/sys/kernel/random/boot_id)
# start_time PID: when the process started (clock ticks after boot, /proc/PID/stat's 22nd
# field); fails when there is no such process or it is a zombie (it has ended).
start_time() {
	local line
	local -a f
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	read -r -a f <<<"${line##*) }" # from the 3rd field, the state, on
	[ "${f[0]}" != Z ] && echo "${f[19]}"
}
# record NAME PID: a process this stack started, in run/stack.procs.
record() { echo "$1 $2 $(start_time "$2")" >>run/stack.procs; }
# recorded NAME: the pid that run/stack.procs records for NAME, whether or not it still runs.
recorded() { awk -v n="$1" '$1 == n { print $2 }' run/stack.procs 2>/dev/null; }
# ours NAME: the pid recorded for NAME, when that very process still runs (same boot, same
# start time): a pid alone may have been taken by another process since.
ours() {
	local name pid start
	[ "$(sed -n 's/^boot //p' run/stack.procs 2>/dev/null)" = "$boot" ] || return 1
	while read -r name pid start; do
		[ "$name" = "$1" ] && [ -n "$start" ] && [ "$(start_time "$pid")" = "$start" ] &&
			echo "$pid" && return 0
	done <run/stack.procs
	return 1
}
# gone NAME PID: wait up to ~10 s for a process that is not our child to end.
gone() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(start_time "$2")" = "$(awk -v n="$1" '$1 == n { print $3 }' run/stack.procs)" ] ||
			return 0
		sleep 0.05
	done
	return 1
}
# stop_stale NAME PID: stop a daemon of a stack whose stack.sh died: TERM, then KILL. nginx
# through its process group (stack.sh starts it in one of its own), its workers with it.
stop_stale() {
	local target=$2
	[ "$1" = nginx ] && target=-$2
	say "stopping $1 (pid $2), left running by a stack.sh that died"
	kill -TERM -- "$target" 2>/dev/null
	gone "$1" "$2" && return 0
	say "$1 (pid $2) did not stop within 10 s of SIGTERM; killing it"
	kill -KILL -- "$target" 2>/dev/null
	gone "$1" "$2"
}

# One stack per directory. A live stack.sh owns it; without one, what its stack left running
# is stopped; anything else alive under a pid file (started by hand, or by an older stack.sh)
# is not ours to stop.
if p=$(ours stack); then
	say "a stack is already running here (stack.sh, pid $p); stop that first"
	exit 1
fi
for name in nginx jobapi jobsupd; do
	p=$(ours $name) || continue
	stop_stale $name "$p" || { say "$name (pid $p) does not end; stop it first"; exit 1; }
done
for name in jobsupd jobapi nginx; do
	[ -s "run/$name.pid" ] || continue
	p=$(cat "run/$name.pid")
	if [ "$p" != "$(recorded $name)" ] && kill -0 "$p" 2>/dev/null; then
		say "$name is already running here (pid $p); stop that first"
		exit 1
	fi
	rm -f "run/$name.pid"
done
echo $$ >run/stack.pid
echo "boot $boot" >run/stack.procs
record stack $$
conf=nginx/jobworker.conf
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
if [ "$port" != 8443 ] || [ "$dir" != "$repo" ] || [ -n "${NGINX_EXTRA:-}${NGINX_HTTP_EXTRA:-}" ]; then
	# A copy in run/: its certificate paths (../certs) still resolve from there.
	[ -e certs ] || ln -s "$repo/certs" certs
	# The dashboard's files (nginx's alias web/ is relative to the prefix, this directory).
	[ -e web ] || ln -s "$repo/web" web
	extra= http_extra=
	[ -n "${NGINX_EXTRA:-}" ] && extra="include $(abspath "$NGINX_EXTRA");"
	[ -n "${NGINX_HTTP_EXTRA:-}" ] && http_extra="include $(abspath "$NGINX_HTTP_EXTRA");"
	sed -e "s/listen 127.0.0.1:8443 /listen 127.0.0.1:$port /" \
		-e "s|^\(\t*\)location / {|\1$extra\n\1location / {|" \
		-e "s|^\(\t*\)server {|\1$http_extra\n\1server {|" \
		"$repo/nginx/jobworker.conf" >run/jobworker.conf
	cp "$repo/nginx/fastcgi_jobapi" "$repo/nginx/jobapi_params" "$repo/nginx/errors.conf" \
		"$repo/nginx/web.conf" run/
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
nginx_pid=
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
		# An nginx master that did not end cleanly (SIGKILL) may have left its workers
		# running, holding the port: they are still in its process group.
		[ "$p" = "$nginx_pid" ] && [ "$st" != 0 ] && kill -KILL -- "-$p" 2>/dev/null
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
	rm -f run/jobsupd.pid run/jobapi.pid run/stack.pid run/stack.procs
}
trap 'stop; exit $failed' INT TERM HUP

not_started() {
	say "$1 did not start"
	stop
	exit 1
}
# ready_pipe: a pipe for the next daemon to say it is ready on: READY_W, the end it gets as
# fd 3, and READY_R, ours. A FIFO opened both ways first (so that neither open blocks), then
# removed: what remains is an anonymous pipe.
ready_pipe() {
	rm -f run/ready.fifo && mkfifo -m 600 run/ready.fifo &&
		exec {READY_W}<>run/ready.fifo {READY_R}<run/ready.fifo
	local st=$?
	rm -f run/ready.fifo
	return $st
}
# wait_ready WHAT: its line on the pipe, within 30 s (valgrind and sanitizers are slow). Once
# our write end is closed, a daemon that dies first gives end-of-file at once.
wait_ready() {
	local line st
	exec {READY_W}>&-
	read -r -t 30 -u "$READY_R" line
	st=$?
	exec {READY_R}<&-
	[ $st = 0 ] || not_started "$1"
}
# nginx has no readiness notification. Its pid file (a stale one was removed above) is
# written once its sockets are bound; with its pid alive and the port accepting, it serves.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
nginx_ready() { [ "$(cat run/nginx.pid 2>/dev/null)" = "$1" ] && kill -0 "$1" && port_open; }

# Jobs get a /tmp of their own, so work directories under the host's /tmp (a checkout there)
# would be out of their sight: those go to /var/tmp then, one work root per run directory.
work=()
given_root() { local a; for a; do case $a in --work-root | --work-root=*) return 0 ;; esac; done; return 1; }
case "$(pwd -P)/" in
/tmp/*)
	if ! given_root "$@"; then
		work=(--work-root "/var/tmp/jobworker-work.$(pwd -P | cksum | cut -d' ' -f1)")
		say "run directory under /tmp: jobs' work directories are in ${work[1]}"
	fi
	;;
esac

ready_pipe || not_started jobsupd
read -r -a wrapper <<<"${JOBSUPD_WRAPPER:-}"
"${wrapper[@]}" "$build/jobsupd" --socket run/private/jobsupd.sock --ready-fd 3 "${work[@]}" "$@" \
	3>&"$READY_W" {READY_W}>&- {READY_R}<&- &
pids+=($!)
echo $! >run/jobsupd.pid
record jobsupd $!
wait_ready jobsupd

ready_pipe || not_started jobapi
"$build/jobapi" --socket run/jobapi.sock --supervisor run/private/jobsupd.sock --ready-fd 3 \
	"${api_args[@]}" 3>&"$READY_W" {READY_W}>&- {READY_R}<&- &
pids+=($!)
echo $! >run/jobapi.pid
record jobapi $!
wait_ready jobapi

# Debian puts nginx in /usr/sbin, which an ordinary user's PATH may lack. In a session (and
# so a process group) of its own, so that its workers can be found and stopped even when the
# master was killed; setsid execs nginx itself, as bash's child is no group leader.
nginx=$(command -v nginx || echo /usr/sbin/nginx)
setsid "$nginx" -p "$dir/" -c "$conf" "${nginx_args[@]}" &
nginx_pid=$!
pids+=($!)
record nginx $!
for ((i = 0; i < 200; i++)); do
	nginx_ready $nginx_pid 2>/dev/null && break
	kill -0 $nginx_pid 2>/dev/null || break
	sleep 0.05
done
nginx_ready $nginx_pid 2>/dev/null || not_started nginx
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
