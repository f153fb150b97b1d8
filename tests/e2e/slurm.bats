#!/usr/bin/env bats
# Jobs on a Slurm cluster (issue 16): jobsupd --executor slurm runs one srun per job, against a
# real single-node cluster of its own (tests/slurm/cluster.sh: munged, slurmctld and slurmd as
# root, their config under a temporary directory). The same API: start, follow, status with
# output, exit codes and signals, stop with a grace, timeouts, Slurm's memory limit, its queue.
# As root, with Debian's slurmctld, slurmd, slurm-client and munge installed (make test
# installs them as root); otherwise each test says why it skips.

load helpers

setup_file() {
	# Why these tests cannot run here, or nothing.
	WHY_NOT=$("$REPO/tests/slurm/cluster.sh" check || true)
	export WHY_NOT
	[ -z "$WHY_NOT" ] || return 0
	CLUSTER=$(mktemp -d /var/tmp/jobworker-slurm.XXXXXX)
	export CLUSTER
	if ! "$REPO/tests/slurm/cluster.sh" start "$CLUSTER" >"$CLUSTER/start.log" 2>&1; then
		sed 's/^/# /' "$CLUSTER/start.log" "$CLUSTER"/*.log >&3
		"$REPO/tests/slurm/cluster.sh" stop "$CLUSTER"
		return 1
	fi
	export SLURM_CONF=$CLUSTER/slurm.conf
	# Of jobsupd's SLURM_* variables only SLURM_CONF reaches srun (a jobsupd started in an
	# allocation would otherwise put every job into it): this one must not.
	export SLURM_JOBWORKER_PROBE=leaked
	# Slurm runs a job as an account its node knows: both identities are mapped to nobody's.
	printf 'user1 = nobody\nadmin = nobody\n' >"$CLUSTER/users"
	NODE_CPUS=$(sinfo --noheader --partition=debug --format=%c)
	export NODE_CPUS
	# More jobs in Slurm at once than the node has CPUs: the rest wait in Slurm's queue.
	start_stack -k --executor slurm --users "$CLUSTER/users" --work-root "$CLUSTER/work" --grace 2 \
		--max-running $((NODE_CPUS + 4))
}

teardown_file() {
	[ -n "${CLUSTER:-}" ] || return 0
	stop_stack
	local status=$?
	"$REPO/tests/slurm/cluster.sh" stop "$CLUSTER"
	rm -rf "$CLUSTER"
	return $status
}

setup() {
	[ -z "$WHY_NOT" ] || skip "$WHY_NOT"
}

teardown() {
	[ -n "${CLUSTER:-}" ] || return 0
	[ -n "${PORT:-}" ] && api admin DELETE /jobs >/dev/null || true
	rm -f "$CLUSTER/go"
}

# A job that waits for $CLUSTER/go (the test makes it; the job, as nobody, may see it).
WAITS='"sh","-c","echo waiting; while [ ! -e '"'"'$GO'"'"' ]; do sleep 0.05; done; echo went"'

@test "a job runs through srun as its owner's account, and says where it ran" {
	run_job user1 '{"command":["sh","-c","echo out; echo err >&2; echo $SLURM_JOB_ID; id -un"]}'
	[ "$(field state)" = succeeded ]
	[ "$(field exit_code)" = 0 ]
	[ "$(field executor)" = slurm ]
	[ "$(field containment)" = slurm ]
	[ "$(field run_as.user)" = nobody ]
	[ "$(field slurm.node)" = localhost ]
	[ "$(field slurm.partition)" = debug ]
	[ "$(field slurm.cpus_per_task)" = null ]
	# srun runs its prolog as the account: from the work root, which every account reaches.
	[ -x "$CLUSTER/work/.jobprolog" ]
	slurm_id=$(field slurm.job_id)
	api user1 GET "/jobs/$ID/output?stream=stdout"
	[ "$BODY" = "$(printf 'out\n%s\nnobody' "$slurm_id")" ]
	api user1 GET "/jobs/$ID/output?stream=stderr"
	[ "$BODY" = err ]
	# Slurm's own account of it agrees.
	scontrol -o show job "$slurm_id" | grep -q "JobName=jobworker-$ID "
}

@test "srun gets jobsupd's SLURM_CONF, and none of its other SLURM_* variables" {
	run_job user1 '{"command":["sh","-c","echo \"$SLURM_CONF ${SLURM_JOBWORKER_PROBE:-none}\""]}'
	[ "$(field state)" = succeeded ]
	[ "$(field output)" = "$CLUSTER/slurm.conf none" ]
}

@test "exit codes and signals are reported as on this host, from Slurm's account" {
	run_job user1 '{"command":["sh","-c","exit 3"]}'
	[ "$(field state)" = failed ] && [ "$(field exit_code)" = 3 ] && [ "$(field signal)" = null ]
	# srun itself exits 137 for both of these; Slurm's account tells them apart.
	run_job user1 '{"command":["sh","-c","exit 137"]}'
	[ "$(field exit_code)" = 137 ] && [ "$(field signal)" = null ]
	run_job user1 '{"command":["sh","-c","kill -KILL $$"]}'
	[ "$(field state)" = failed ] && [ "$(field exit_code)" = null ]
	[ "$(field signal)" = SIGKILL ]
	[ "$(field error)" = "killed by SIGKILL (Killed)" ]
	run_job user1 '{"command":["sh","-c","kill -SEGV $$"]}'
	[ "$(field signal)" = SIGSEGV ]
}

@test "a job Slurm cannot start fails, and says so" {
	run_job user1 '{"command":["/nonexistent/command"]}'
	[ "$(field state)" = failed ]
	[ "$(field slurm.job_id)" != null ]
}

@test "output is followed live while the job runs on its node" {
	start user1 "{\"command\":[${WAITS//\$GO/$CLUSTER/go}]}"
	until_output user1 "$ID" waiting
	api user1 GET "/jobs/$ID"
	[ "$(field state)" = running ]
	[ "$(field slurm.job_id)" != null ]
	follow user1 "$ID" "$BATS_TEST_TMPDIR/followed"
	attached waiting "$BATS_TEST_TMPDIR/followed"
	touch "$CLUSTER/go"
	wait_end user1 "$ID"
	wait "$FOLLOWER"
	[ "$(field output)" = "$(printf 'waiting\nwent')" ]
	[ "$(cat "$BATS_TEST_TMPDIR/followed")" = "$(printf 'waiting\nwent')" ]
}

@test "a stop is SIGTERM to the job's processes through Slurm: its trap runs" {
	start user1 '{"command":["sh","-c","trap \"echo got TERM; exit 7\" TERM; echo ready; while :; do sleep 0.05; done"]}'
	until_output user1 "$ID" ready
	api user1 DELETE "/jobs/$ID"
	[ "$HTTP" = 200 ]
	[ "$(field state)" = stopped ]
	[ "$(field exit_code)" = 7 ]
	[ "$(field error)" = "stopped by user1" ]
	api user1 GET "/jobs/$ID/output"
	[[ $BODY == *"got TERM"* ]]
}

@test "a job that ignores SIGTERM is killed when the grace is over" {
	start user1 '{"command":["sh","-c","trap \"\" TERM; echo ready; while :; do sleep 0.05; done"]}'
	until_output user1 "$ID" ready
	api user1 DELETE "/jobs/$ID"
	[ "$(field state)" = stopped ]
	[ "$(field signal)" = SIGKILL ]
	[[ $(field error) == *"did not exit within 2 s of SIGTERM and was killed"* ]]
}

@test "a timeout keeps its second resolution (Slurm's --time is a backstop in minutes)" {
	run_job user1 '{"command":["sleep","100"],"timeout_s":2}'
	[ "$(field state)" = timed_out ]
	[ "$(field signal)" = SIGTERM ]
	[ "$(field error)" = "timed out after 2 s" ]
	scontrol -o show job "$(field slurm.job_id)" | grep -q 'TimeLimit=00:02:00'
}

@test "Slurm's memory limit ends a job with an out-of-memory reason" {
	run_job user1 '{"command":["python3","-c","b = bytearray(400 << 20); print(len(b))"],"limits":{"memory_bytes":67108864}}'
	[ "$(field state)" = failed ]
	[ "$(field signal)" = SIGKILL ]
	[ "$(field error)" = "out of memory (limit 67108864 bytes, Slurm's --mem)" ]
	scontrol -o show job "$(field slurm.job_id)" | grep -q 'JobState=OUT_OF_MEMORY'
}

@test "cpu_percent asks Slurm for whole CPUs, rounded up, and the job shows the rounding" {
	run_job user1 '{"command":["true"],"limits":{"cpu_percent":150}}'
	[ "$(field state)" = succeeded ]
	[ "$(field limits.cpu_percent)" = 150 ]
	[ "$(field slurm.cpus_per_task)" = 2 ]
	scontrol -o show job "$(field slurm.job_id)" | grep -q 'MinCPUsNode=2'
}

@test "what Slurm cannot enforce is refused, and so is more than its largest node has" {
	api user1 POST /jobs --json '{"command":["true"],"limits":{"pids":10}}'
	[ "$HTTP" = 400 ] && [ "$(error_code)" = invalid_request ]
	[[ $(jq -r .error.message <<<"$BODY") == *"run on Slurm"* ]]
	api user1 POST /jobs --json '{"command":["true"],"limits":{"io_bytes_per_s":1048576}}'
	[ "$HTTP" = 400 ]
	api user1 POST /jobs --json '{"command":["true"],"network":"none"}'
	[ "$HTTP" = 400 ] && [[ $(jq -r .error.message <<<"$BODY") == *"Slurm's nodes"* ]]
	# The request's env is srun's: what srun itself would read is refused.
	for name in LD_PRELOAD SLURM_NTASKS SRUN_CPUS_PER_TASK SPANK_X; do
		api user1 POST /jobs --json "{\"command\":[\"true\"],\"env\":{\"$name\":\"2\"}}"
		[ "$HTTP" = 400 ] && [[ $(jq -r .error.message <<<"$BODY") == "env.$name cannot be set"* ]]
	done
	api user1 POST /jobs --json "{\"command\":[\"true\"],\"limits\":{\"cpu_percent\":$((NODE_CPUS * 100 + 1))}}"
	[ "$HTTP" = 400 ]
	api user1 GET /jobs
	[ "$(jq '.jobs | length' <<<"$BODY")" = 0 ]
}

@test "an identity without a cluster account is refused" {
	api user2 POST /jobs --json '{"command":["true"]}'
	[ "$HTTP" = 403 ] && [ "$(error_code)" = forbidden ]
	[[ $(jq -r .error.message <<<"$BODY") == *"no cluster account"* ]]
}

@test "more jobs than the node has CPUs: the rest wait in Slurm's queue, queued, then run" {
	local n=$((NODE_CPUS + 2)) i ids=()
	for ((i = 0; i < n; i++)); do
		start user1 "{\"command\":[${WAITS//\$GO/$CLUSTER/go}]}"
		ids+=("$ID")
	done
	# NODE_CPUS run; two wait in Slurm (each asks one CPU), with no Slurm id yet.
	until_true "api user1 GET /jobs && [ \$(jq '[.jobs[] | select(.state == \"running\")] | length' <<<\"\$BODY\") = $NODE_CPUS ]"
	[ "$(jq '[.jobs[] | select(.state == "queued")] | length' <<<"$BODY")" = 2 ]
	[ "$(jq '[.jobs[] | select(.state == "queued" and .slurm.job_id == null and .started_at == null)] | length' <<<"$BODY")" = 2 ]
	# Each srun asks slurmctld on its own time.
	until_true "[ \$(squeue --noheader --states=PENDING --format=%j | grep -c '^jobworker-') = 2 ]"
	touch "$CLUSTER/go"
	for ID in "${ids[@]}"; do
		wait_end user1 "$ID"
		[ "$(field state)" = succeeded ]
		[ "$(field slurm.job_id)" != null ]
	done
}

@test "stop-all stops running jobs and cancels those waiting in Slurm" {
	local n=$((NODE_CPUS + 1)) i
	for ((i = 0; i < n; i++)); do start user1 "{\"command\":[${WAITS//\$GO/$CLUSTER/go}]}"; done
	until_true "api user1 GET /jobs && [ \$(jq '[.jobs[] | select(.state == \"running\")] | length' <<<\"\$BODY\") = $NODE_CPUS ]"
	api user1 DELETE /jobs
	[ "$HTTP" = 200 ]
	[ "$(jq '[.jobs[] | select(.state == "stopped")] | length' <<<"$BODY")" = "$n" ]
	[ "$(jq -r '[.jobs[] | select(.slurm.job_id == null)][0].error' <<<"$BODY")" = "stopped by user1 before it started" ]
	until_true "[ -z \"\$(squeue --noheader --states=PENDING,RUNNING --format=%j | grep '^jobworker-')\" ]"
}

@test "restart runs the same command again, on Slurm, as a new Slurm job" {
	run_job user1 '{"command":["sh","-c","echo again"],"limits":{"memory_bytes":134217728}}'
	first=$(field slurm.job_id)
	api user1 POST "/jobs/$ID/restart"
	[ "$HTTP" = 201 ]
	ID=$(jq -r .id <<<"$BODY")
	wait_end user1 "$ID"
	[ "$(field state)" = succeeded ] && [ "$(field output)" = again ]
	[ "$(field limits.memory_bytes)" = 134217728 ]
	[ "$(field slurm.job_id)" != "$first" ]
}

@test "jobctl shows where a Slurm job ran" {
	id=$("$JOBCTL" start --cpu 50 -- sh -c 'echo hi')
	"$JOBCTL" wait "$id"
	run "$JOBCTL" status "$id"
	[ "$status" = 0 ]
	[[ $output == *"executor:  slurm, job "*" on localhost (partition debug), 1 CPU per task"* ]]
	[[ $output == *"contained: slurm"* ]]
}

@test "a default limit over what Slurm's largest node has keeps jobsupd from starting" {
	local most=$((NODE_CPUS * 100)) asked=$((NODE_CPUS * 100 + 100))
	cd "$BATS_TEST_TMPDIR"
	run timeout 30 "$BUILD/jobsupd" --executor slurm --users "$CLUSTER/users" \
		--work-root "$BATS_TEST_TMPDIR/work" \
		--socket "$BATS_TEST_TMPDIR/refused.sock" --max-cpu "$asked" --default-cpu "$asked"
	[ "$status" = 1 ]
	[[ $output == *"cannot start: --default-cpu $asked is over what Slurm's largest node has ($most)"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/refused.sock" ]
}

@test "on a partition with a MaxTime, timeouts stay within it, less the grace and a minute" {
	local args=(--executor slurm --users "$CLUSTER/users" --work-root "$CLUSTER/work" --grace 2
		--max-running $((NODE_CPUS + 4)))
	local sup
	sup=$(pid_of jobsupd)
	kill -TERM "$sup"
	gone "$sup"
	# short's MaxTime is 5 minutes: 300 s, less the grace (2) and a minute.
	new_jobsupd "${args[@]}" --slurm-partition short
	grep -q "MaxTime 5 min" "$STACK_DIR/stack.log"
	until_true 'api user1 POST /jobs --json "{\"command\":[\"true\"],\"timeout_s\":600}"; [ "$HTTP" = 400 ]'
	[[ $(jq -r .error.message <<<"$BODY") == *"between 1 and 238"* ]]
	run_job user1 '{"command":["true"]}'
	[ "$(field state)" = succeeded ]
	[ "$(field timeout_s)" = 238 ]
	[ "$(field slurm.partition)" = short ]
	scontrol -o show job "$(field slurm.job_id)" | grep -q 'TimeLimit=00:05:00'

	sup=$(pid_of jobsupd)
	kill -TERM "$sup"
	gone "$sup"
	new_jobsupd "${args[@]}"
}
