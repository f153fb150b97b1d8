#!/usr/bin/env bats
# Jobs run as their owner, sandboxed (issue 13): a uid per identity, PID and mount namespaces
# with jobinit as PID 1, a private /tmp, no privileges, network namespaces on request, and the
# request's cwd and env. As root only: that is where jobsupd gives each identity its own uid.

load helpers

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	start_stack --grace 1
}

teardown_file() {
	stop_stack
}

setup() {
	[ "$(id -u)" = 0 ] || skip "jobs get a uid of their own only under a root jobsupd"
}

teardown() {
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
}

@test "a job's uid is not 0, differs per identity, owns its work directory, and isolation says so" {
	run_job user1 '{"command":["id","-u"]}'
	u1=$(field output)
	[ "$u1" = "$(field run_as.uid)" ]
	[ "$(field run_as.gid)" = "$u1" ]
	[ "$(field run_as.user)" = null ]
	[ "$(jq -c .isolation <<<"$BODY")" = '["user","pid","mount","tmp","no_new_privileges"]' ]
	run_job user2 '{"command":["id","-u"]}'
	u2=$(field output)
	[ "$u1" != 0 ] && [ "$u2" != 0 ] && [ "$u1" != "$u2" ]
	[ "$u1" -ge 61184 ] && [ "$u1" -le 65519 ]
	[ "$(stat -c '%u %a' "$STACK_DIR/run/work/user1")" = "$u1 700" ]
	[ "$(stat -c '%u %a' "$STACK_DIR/run/work/user2")" = "$u2 700" ]
	# The same uid again: it is kept as the owner of the work directory.
	run_job user1 '{"command":["sh","-c","id -u; pwd; echo $HOME $USER $JOB_ID"]}'
	[ "$(field output)" = "$u1"$'\n'"$STACK_DIR/run/work/user1"$'\n'"$STACK_DIR/run/work/user1 user1 $ID" ]
}

@test "user2's job cannot see or signal user1's running job, nor read its work directory or /tmp" {
	start user1 '{"command":["sh","-c","echo secret >/tmp/s1; echo secret >$HOME/s1; chmod 644 $HOME/s1; echo ready; exec sleep 300"]}'
	id1=$ID
	host_pid=$(field pid)
	until_output user1 "$id1" ready
	run_job user2 "{\"command\":[\"sh\",\"-c\",\"ps ax; ls -A /tmp; cat $STACK_DIR/run/work/user1/s1; kill -TERM $host_pid; kill -TERM -1; echo end\"]}"
	out=$(field output)
	[[ $out != *"sleep 300"* ]]
	[[ $out != *s1$'\n'* ]]
	[[ $out != *secret* ]]
	[[ $out == *"Permission denied"* ]]
	# It ran to its end (stderr's lines may come after stdout's: two pipes).
	grep -qx end <<<"$out"
	# ps inside shows only the job's processes: its init, sh and ps.
	[ "$(grep -c '^ *[0-9]' <<<"$out")" -le 4 ]
	api user1 GET "/jobs/$id1"
	[ "$(field state)" = running ]
	api user1 DELETE "/jobs/$id1"
	[ "$(field state)" = stopped ]
}

@test "no job can read the service's private keys" {
	chmod 600 "$CERTS"/*.key # as stack.sh leaves them
	run_job user1 "{\"command\":[\"cat\",\"$CERTS/ca.key\",\"$CERTS/server.key\"]}"
	[ "$(field state)" = failed ]
	[[ "$(field output)" != *PRIVATE* ]]
	# Refused by their mode; in a checkout under /tmp, not even there (a job's /tmp is its own).
	local why='Permission denied'
	[[ "$(realpath "$CERTS")/" == /tmp/* ]] && why='No such file or directory'
	[ "$(grep -c "$why" <<<"$(field output)")" = 2 ]
	run_job admin "{\"command\":[\"cat\",\"$CERTS/ca.key\"]}"
	[ "$(field state)" = failed ]
}

@test "no new privileges and no capabilities" {
	run_job user1 '{"command":["grep","-E","^(NoNewPrivs|CapInh|CapPrm|CapEff|CapBnd|CapAmb):","/proc/self/status"]}'
	out=$(field output)
	[[ $out == *$'NoNewPrivs:\t1'* ]]
	[ "$(grep -c $'\t0000000000000000$' <<<"$out")" = 5 ]
}

@test "network none: only loopback, and it is up; the host's otherwise" {
	run_job user1 '{"command":["sh","-c","tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d \" \"; ip -o link show up 2>&1 | cut -d: -f2"],"network":"none"}'
	[ "$(field state)" = succeeded ]
	[ "$(field output)" = $'lo\n lo' ]
	[ "$(tail -n +3 /proc/net/dev | wc -l)" -ge 1 ]
	[ "$(jq -c .isolation <<<"$BODY")" = '["user","pid","mount","tmp","network","no_new_privileges"]' ]
	# Nor does /sys show it the host's interfaces.
	run_job user1 '{"command":["ls","/sys/class/net"],"network":"none"}'
	[ "$(field output)" = lo ]
	run_job user1 '{"command":["sh","-c","tail -n +3 /proc/net/dev | wc -l"],"network":"host"}'
	[ "$(field output)" = "$(tail -n +3 /proc/net/dev | wc -l)" ]
	[ "$(jq -c '.isolation | index("network")' <<<"$BODY")" = null ]
}

@test "a double-forking job leaves no zombie, and stopping it ends every process" {
	m=$(new_marker)
	# An orphan that ends (its parent has gone) is reaped by the job's init: once it has ended,
	# the job waits (at most 5 s) for no zombie to be left, and prints how many are.
	script="(sh -c 'sleep 0.1; : >/tmp/o' &); (setsid sleep $m &); (sh -c 'sleep $m' &)"
	script+='; until [ -e /tmp/o ]; do sleep 0.05; done'
	script+='; for i in $(seq 100); do ps -eo stat= | grep -q Z || break; sleep 0.05; done'
	script+="; ps -eo stat= | grep -c Z; echo ready; exec sleep $m"
	start user1 "$(jq -cn --arg s "$script" '{command: ["sh", "-c", $s]}')"
	id=$ID
	until_output user1 "$id" ready
	api user1 GET "/jobs/$id/output"
	[ "$(head -1 <<<"$BODY")" = 0 ]
	[ "$(pids_with "$(token "$m")" | wc -l)" -ge 3 ]
	api user1 DELETE "/jobs/$id"
	[ "$(field state)" = stopped ]
	[ "$(field signal)" = SIGTERM ]
	until_true "[ \$(pids_with '$(token "$m")' | wc -l) = 0 ]"
}

@test "a job killed by SIGKILL reports SIGKILL; one killed by a signal it raised reports that" {
	start user1 '{"command":["sleep","300"]}'
	api user1 DELETE "/jobs/$ID?signal=KILL"
	[ "$(field signal)" = SIGKILL ]
	run_job user1 '{"command":["sh","-c","kill -SEGV $$"]}'
	[ "$(field state)" = failed ]
	[ "$(field signal)" = SIGSEGV ]
	[ "$(field exit_code)" = null ]
}

@test "cwd and env arrive, and a restart keeps them and the network" {
	run_job user1 '{"command":["sh","-c","pwd; echo \"$GREETING\" $LANG $PATH"],"cwd":"/usr","env":{"GREETING":"hi there","LANG":"C","PATH":"/bin:/usr/bin"},"network":"none"}'
	[ "$(field output)" = $'/usr\nhi there C /bin:/usr/bin' ]
	api user1 POST "/jobs/$(field id)/restart"
	[ "$HTTP" = 201 ]
	wait_end user1 "$(field id)"
	[ "$(field output)" = $'/usr\nhi there C /bin:/usr/bin' ]
	[[ "$(jq -c .isolation <<<"$BODY")" == *network* ]]
	run "$JOBCTL" start -f --cwd /etc --env A=b --env C=d=e -- sh -c 'pwd; echo $A $C'
	[ "$status" -eq 0 ]
	[ "$(head -2 <<<"$output")" = $'/etc\nb d=e' ]
}

@test "jobctl status shows whom a job ran as and its isolation" {
	id=$("$JOBCTL" start --no-network -- true)
	"$JOBCTL" wait "$id"
	run "$JOBCTL" status "$id"
	[[ "$output" == *"run as:    (uid "[0-9]*", gid "[0-9]*")"* ]]
	[[ "$output" == *"isolation: user, pid, mount, tmp, network, no_new_privileges"* ]]
}

@test "a bad cwd, env name or network is a clear error; a cwd the job cannot enter fails it" {
	api user1 POST /jobs --json '{"command":["true"],"cwd":"relative"}'
	[ "$HTTP" = 400 ] && [[ "$(jq -r .error.message <<<"$BODY")" == *'"cwd" must be an absolute path'* ]]
	api user1 POST /jobs --json '{"command":["true"],"env":{"A-B":"x"}}'
	[ "$HTTP" = 400 ] && [[ "$(jq -r .error.message <<<"$BODY")" == *'env name "A-B" is not a variable name'* ]]
	api user1 POST /jobs --json '{"command":["true"],"env":{"JOB_ID":"7"}}'
	[ "$HTTP" = 400 ] && [[ "$(jq -r .error.message <<<"$BODY")" == *"set by the job worker"* ]]
	api user1 POST /jobs --json '{"command":["true"],"env":{"A":1}}'
	[ "$HTTP" = 400 ] && [[ "$(jq -r .error.message <<<"$BODY")" == *"env.A must be a string"* ]]
	api user1 POST /jobs --json '{"command":["true"],"network":"bridge"}'
	[ "$HTTP" = 400 ] && [[ "$(jq -r .error.message <<<"$BODY")" == *'"network" is "host" or "none"'* ]]
	run_job user1 '{"command":["true"],"cwd":"/root"}'
	[ "$(field state)" = failed ]
	[[ "$(field error)" == 'cannot enter the working directory "/root" as uid '*': Permission denied' ]]
	run "$JOBCTL" start --env 9X=1 -- true
	[ "$status" -eq 2 ]
	run "$JOBCTL" start --cwd rel -- true
	[ "$status" -eq 2 ]
}
