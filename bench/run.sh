#!/usr/bin/env bash
# The benchmark: the real stack with its default configuration, and in the same run the ceilings
# it is measured against (the same nginx and TLS answering by itself, or in front of a minimal
# libfcgi responder; posix_spawn; task-spooler; a plain pipe; curl; bare srun on a Slurm
# cluster of its own). Each figure is the median
# of ROUNDS rounds. Prints one table and writes it to BUILD/bench.txt.
#
#   bench/run.sh BUILD          ROUNDS=5, MANY=100000 (jobs for the memory figure) to change
set -u
cd "$(dirname "$0")/.." || exit 2
repo=$(pwd)
build=$(cd "${1:?usage: bench/run.sh BUILD}" && pwd)
rounds=${ROUNDS:-5}
many=${MANY:-100000}
out=$build/bench.txt
load=$build/bench/load

T=$(mktemp -d /var/tmp/jobworker-bench.XXXXXX) # not /tmp: jobs have their own
chmod 755 "$T"
mkdir -p "$T/run"
source tests/stack.bash

pids=()
cleanup() {
	[ -n "${TS_SOCKET:-}" ] && tsp -K >/dev/null 2>&1
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	[ -e "$T/slurm/pids" ] && tests/slurm/cluster.sh stop "$T/slurm"
	rm -rf "$T"
}
trap cleanup EXIT

"$build/bench/fcgi_ceiling" "$T/run/ceiling.sock" 8 &
pids+=($!)
if ! NGINX_EXTRA=$repo/bench/ceilings.conf NGINX_HTTP_EXTRA=$repo/bench/ceilings-http.conf \
	stack_up "$T" "$build" -- --cgroup-root "jobworker-bench.${T##*.}"; then
	cat "$T/stack.log"
	exit 1
fi
pids+=("$STACK_PID")
port=$PORT
url=https://localhost:$port
export JOBCTL_URL=$url JOBCTL_CERT=$repo/certs/user1.crt JOBCTL_KEY=$repo/certs/user1.key
export JOBCTL_CACERT=$repo/certs/ca.crt
sup=$(cat "$T/run/jobsupd.pid")
running=$(sed -n 's/.*max-running \([0-9]*\).*/\1/p' "$T/stack.log" | head -1)
jobctl=$build/jobctl

say() { printf '%s\n' "$*" >&2; }
# key KEY LINE: the value of KEY=... in a line of load's output.
key() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }
# median: of the numbers on stdin.
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# measure NAME CMD...: run CMD for every round; then `med NAME KEY` is the median of KEY.
declare -A results
measure() {
	local name=$1 r
	shift
	results[$name]=
	for ((r = 0; r < rounds; r++)); do results[$name]+="$("$@")"$'\n'; done
}
med() {
	local line
	while read -r line; do [ -n "$line" ] && key "$2" "$line"; done <<<"${results[$1]}" | median
}
# lowest NAME KEY: the least of KEY over the rounds.
lowest() {
	local line
	while read -r line; do [ -n "$line" ] && key "$2" "$line"; done <<<"${results[$1]}" | sort -g | head -1
}
now() { date +%s.%N; }

rows=()
# row FIGURE VALUE CEILING RATIO TARGET MET
row() { rows+=("$(printf '%-44s %14s %14s %8s %12s %4s' "$@")"); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
meets() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN {ok = dir == ">=" ? v >= t : v <= t; print (ok ? "yes" : "NO")}'; }
# against FIGURE VALUE CEILING OP TARGET: a row of VALUE against CEILING, whose ratio must be
# OP (>= or <=) TARGET.
against() {
	local r
	r=$(ratio "$2" "$3")
	row "$1" "$2" "$3" "$r" "$4 $5" "$(meets "$r" "$5" "$4")"
}

# --- reads ---
say "reads: GET /jobs/{id}, GET /jobs with 50 jobs, and the ceilings"
id=$("$jobctl" start true)
"$jobctl" wait "$id" >/dev/null
# rate PATH: 4 clients reading PATH for 2 s.
rate() { "$load" rate "$url" --threads 4 --seconds 2 --path "$1"; }
measure job rate "/jobs/$id"
measure fcgi rate /ceiling/fcgi
measure nginx rate /ceiling/return
job_rps=$(med job rps) job_p50=$(med job p50_us) job_p99=$(med job p99_us)
fcgi_rps=$(med fcgi rps) fcgi_p50=$(med fcgi p50_us) fcgi_p99=$(med fcgi p99_us)
nginx_rps=$(med nginx rps)
"$load" submit "$url" --count 50 --post '{"command":["sleep","3600"]}' >/dev/null
# The ceiling answers as many bytes as the list is: the same transport work on both sides.
list_bytes=$(curl -sS --cacert "$JOBCTL_CACERT" --cert "$JOBCTL_CERT" --key "$JOBCTL_KEY" \
	"$url/jobs" | wc -c)
measure list rate /jobs
measure list_fcgi rate "/ceiling/fcgi?bytes=$list_bytes"
list_rps=$(med list rps) list_p50=$(med list p50_us) list_p99=$(med list p99_us)
lfcgi_rps=$(med list_fcgi rps) lfcgi_p50=$(med list_fcgi p50_us) lfcgi_p99=$(med list_fcgi p99_us)
"$jobctl" stop --all >/dev/null
against "GET /jobs/{id}, req/s (4 clients)" "$job_rps" "$fcgi_rps" '>=' 0.8
row "  p50 / p99, us" "$job_p50 / $job_p99" "$fcgi_p50 / $fcgi_p99" "" "" ""
against "GET /jobs with 50 jobs ($list_bytes B), req/s" "$list_rps" "$lfcgi_rps" '>=' 0.8
row "  p50 / p99, us" "$list_p50 / $list_p99" "$lfcgi_p50 / $lfcgi_p99" "" "" ""
row "nginx alone (return 200), req/s" "$nginx_rps" "" "" "" ""

# --- starts ---
say "starts: 1000 jobs of true from 4 clients; posix_spawn; task-spooler"
measure starts "$load" jobs "$url" --threads 4 --count 1000
measure spawn "$build/bench/spawn_ceiling" 1000 4
start_rate=$(med starts jobs_per_s)
spawn_rate=$(med spawn jobs_per_s)
export TS_SOCKET=$T/tsp.sock TS_MAXFINISHED=2000 TS_SAVELIST=
tsp_run() {
	tsp -K >/dev/null 2>&1
	tsp -S "$running" >/dev/null 2>&1
	local t0=$(now) j
	for ((j = 0; j < 1000; j++)); do tsp true >/dev/null; done
	tsp -w >/dev/null 2>&1
	while tsp | grep -qE ' (running|queued) '; do tsp -w >/dev/null 2>&1 || sleep 0.01; done
	awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "jobs_per_s=%.0f\n", 1000 / (b - a)}'
}
measure tsp tsp_run
tsp_rate=$(med tsp jobs_per_s)
containment=$(sed -n 's/.*containment: \([a-z0-9-]*\).*/\1/p' "$T/stack.log" | head -1)
against "jobs of true started+finished /s ($containment)" "$start_rate" "$spawn_rate" '>=' 0.5
against "  vs task-spooler (tsp -S $running)" "$start_rate" "$tsp_rate" '>=' 1.5
# The same from a second stack without cgroups: what a cgroup per job costs.
if [ "$containment" != process-group ]; then
	T2=$T/nocg
	mkdir -p "$T2"
	stack_up "$T2" "$build" -- --cgroup none || { cat "$T2/stack.log"; exit 1; }
	pids+=("$STACK_PID")
	port2=$PORT
	measure starts_nocg "$load" jobs "https://localhost:$port2" --threads 4 --count 1000
	nocg_rate=$(med starts_nocg jobs_per_s)
	against "  the same with --cgroup none" "$nocg_rate" "$spawn_rate" '>=' 0.5
	kill -TERM "${pids[-1]}"
	wait "${pids[-1]}"
fi

# The same from a stack with --isolation none (jobs as jobsupd's user, no namespaces), in the
# same run: what the sandbox costs. It may cost at most half the start rate.
isolation=$(sed -n 's/.*isolation: \([a-z]*\).*/\1/p' "$T/stack.log" | head -1)
if [ "$isolation" != none ]; then
	T3=$T/noiso
	mkdir -p "$T3"
	stack_up "$T3" "$build" -- --isolation none --cgroup-root "jobworker-bench-noiso.${T##*.}" ||
		{ cat "$T3/stack.log"; exit 1; }
	pids+=("$STACK_PID")
	measure starts_noiso "$load" jobs "https://localhost:$PORT" --threads 4 --count 1000
	noiso_rate=$(med starts_noiso jobs_per_s)
	against "  sandboxed (above) vs --isolation none" "$start_rate" "$noiso_rate" '>=' 0.5
	kill -TERM "${pids[-1]}"
	wait "${pids[-1]}"
fi

# --- output ---
say "output: a job writing 1 GiB, and the same into a pipe"
out_run() {
	local id started finished
	id=$("$jobctl" start -- head -c 1G /dev/zero)
	"$jobctl" --json wait "$id" >"$T/out.json"
	jq -r '[.started_at, .finished_at] | map(.[0:19] + "Z" | fromdate) as $s |
		map(capture("\\.(?<ms>[0-9]+)Z").ms | tonumber) as $m |
		"seconds=\(($s[1] - $s[0]) + ($m[1] - $m[0]) / 1000)"' "$T/out.json"
}
pipe_run() {
	local t0=$(now)
	sh -c 'head -c 1G /dev/zero | cat >/dev/null'
	awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "seconds=%.3f\n", b - a}'
}
# The spool's own ceiling: the same bytes written to a file beside the jobs' spool files, as
# fast as this filesystem takes them (its page cache, and its writeback once that fills).
file_run() {
	local t0=$(now)
	mkdir -p "$T/run/output"
	sh -c "head -c 1G /dev/zero >'$T/run/output/ceiling.bin'"
	awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "seconds=%.3f\n", b - a}'
	rm -f "$T/run/output/ceiling.bin"
}
measure out out_run
measure pipe pipe_run
measure file file_run
out_s=$(med out seconds)
pipe_s=$(med pipe seconds)
file_s=$(med file seconds)
r=$(ratio "$pipe_s" "$out_s")
row "1 GiB of output (into its spool), seconds" "$out_s" "$pipe_s" "$r" ">= 0.8" "$(meets "$r" 0.8 '>=')"
r=$(ratio "$file_s" "$out_s")
row "  the same against writing it to a file there" "$out_s" "$file_s" "$r" ">= 0.8" "$(meets "$r" 0.8 '>=')"

say "followers: 64 of a job writing 100 MB, and one"
KEY=000102030405060708090a0b0c0d0e0f
fan_want=$(openssl enc -aes-128-ctr -nosalt -K $KEY -iv 0 -in /dev/zero 2>/dev/null |
	head -c 100000000 | sha256sum)
cert=(--cacert "$repo/certs/ca.crt" --cert "$repo/certs/user1.crt" --key "$repo/certs/user1.key")
admin=(--cacert "$repo/certs/ca.crt" --cert "$repo/certs/admin.crt" --key "$repo/certs/admin.key")
# fan_run N: N followers attach to a queued job (every slot held by a sleeper), which then
# writes 100 MB; prints their rate in all (MB/s, from the release to the last one done) and
# how many got exactly the job's bytes.
fan_run() {
	local n=$1 id b i t0 exact=0 blockers=() fpids=()
	for ((b = 0; b < running; b++)); do blockers+=("$("$jobctl" start -- sleep 600)"); done
	id=$("$jobctl" start -- sh -c "openssl enc -aes-128-ctr -nosalt -K $KEY -iv 0 -in /dev/zero 2>/dev/null | head -c 100000000")
	for ((i = 0; i < n; i++)); do
		curl -sS -N "${cert[@]}" "$url/jobs/$id/output?follow=1" | sha256sum >"$T/fan.$i" &
		fpids+=($!)
	done
	for ((i = 0; i < 400; i++)); do
		curl -sS "${admin[@]}" "$url/metrics" | grep -q "^jobworker_followers $n\$" && break
		sleep 0.05
	done
	t0=$(now)
	for b in "${blockers[@]}"; do "$jobctl" stop "$b" >/dev/null; done
	wait "${fpids[@]}"
	local t1=$(now)
	for ((i = 0; i < n; i++)); do [ "$(cat "$T/fan.$i")" = "$fan_want" ] && exact=$((exact + 1)); done
	awk -v n="$n" -v a="$t0" -v b="$t1" -v e="$exact" \
		'BEGIN {printf "rate=%.0f exact=%d\n", n * 100 / (b - a), e}'
}
measure fan1 fan_run 1
measure fan64 fan_run 64
fan1=$(med fan1 rate)
fan64=$(med fan64 rate)
exact=$(lowest fan64 exact)
row "64 followers of 100 MB, MB/s in all" "$fan64" "$fan1" "$(ratio "$fan64" "$fan1")" "" ""
row "  of them byte-exact, every round" "$exact / 64" "" "" "64" "$([ "$exact" = 64 ] && echo yes || echo NO)"

# --- latencies ---
say "latency: following, and starting"
follow_run() {
	local id
	id=$("$jobctl" start -- sh -c 'i=0; while [ $i -lt 200 ]; do date +%s.%N; sleep 0.01; i=$((i + 1)); done')
	"$load" follow "$url" --path "/jobs/$id/output?follow=1"
}
measure follow follow_run
f50=$(med follow p50_us)
f99=$(med follow p99_us)
row "follow latency p50 / p99, us" "$f50 / $f99" "" "" "p99 <= 5000" "$(meets "$f99" 5000 '<=')"
measure startlat "$load" startlat "$url" --count 100
s50=$(med startlat p50_us)
s99=$(med startlat p99_us)
row "start latency p50 / p99, us" "$s50 / $s99" "" "" "p99 <= 5000" "$(meets "$s99" 5000 '<=')"

# --- memory ---
say "memory: every cap full, then $many short jobs"
rss() { awk -v k="$1:" '$1 == k {print $2 * 1024}' "/proc/$sup/status"; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
# The log full of jobs with full output, every slot running, the queue full.
"$load" jobs "$url" --count 50 --post '{"command":["head","-c","2M","/dev/urandom"]}' >/dev/null
"$load" submit "$url" --count "$running" --post '{"command":["sleep","3600"]}' >/dev/null
"$load" submit "$url" --count 1000 --threads 4 >/dev/null
full=$(rss VmRSS)
peak=$(rss VmHWM)
"$jobctl" stop --all >/dev/null
row "jobsupd RSS, every cap full, MiB" "$(mib "$full")" "" "" "<= 64" "$(meets "$(mib "$full")" 64 '<=')"
row "  its peak (VmHWM) so far, MiB" "$(mib "$peak")" "" "" "<= 64" "$(meets "$(mib "$peak")" 64 '<=')"
"$load" jobs "$url" --threads 4 --count 1000 >/dev/null
after_1k=$(rss VmRSS)
"$load" jobs "$url" --threads 4 --count $((many - 1000)) >/dev/null
after_many=$(rss VmRSS)
r=$(ratio "$after_many" "$after_1k")
row "jobsupd RSS after 1k / ${many} jobs, MiB" "$(mib "$after_1k") / $(mib "$after_many")" "" "$r" "flat" "$(meets "$r" 1.1 '<=')"

# --- Slurm ---
# Jobs through Slurm (--executor slurm) against bare srun from a shell, on a single-node cluster
# of the benchmark's own (tests/slurm/cluster.sh), the same number at once on both sides (as
# many as the node has CPUs). As root with Slurm installed; else the row says why not.
slurm_jobs=${SLURM_JOBS:-200}
if ! why=$(tests/slurm/cluster.sh check); then
	say "Slurm: skipped: $why"
	row "jobs through Slurm vs bare srun" "skipped (see above)" "" "" "" ""
elif ! tests/slurm/cluster.sh start "$T/slurm" >"$T/slurm.log" 2>&1; then
	cat "$T/slurm.log" >&2
	row "jobs through Slurm vs bare srun" "skipped: the cluster did not start" "" "" "" ""
else
	say "Slurm: $slurm_jobs jobs of true through the job worker; as many bare sruns"
	export SLURM_CONF=$T/slurm/slurm.conf
	cpus=$(sinfo --noheader --partition=debug --format=%c)
	printf 'user1 = nobody\n' >"$T/slurm/users"
	T4=$T/slurmstack
	mkdir -p "$T4"
	if stack_up "$T4" "$build" -- --executor slurm --users "$T/slurm/users" \
		--work-root "$T/slurm/work" --max-running "$cpus"; then
		pids+=("$STACK_PID")
		measure slurm "$load" jobs "https://localhost:$PORT" --threads 4 --count "$slurm_jobs"
		# bare_srun N: the same number of `srun true`, N at once.
		bare_srun() {
			local t0=$(now)
			seq "$slurm_jobs" | xargs -P "$1" -I{} srun --quiet --input=none true
			awk -v a="$t0" -v b="$(now)" -v n="$slurm_jobs" 'BEGIN {printf "jobs_per_s=%.1f\n", n / (b - a)}'
		}
		measure srun bare_srun "$cpus"
		measure srun1 bare_srun 1
		against "jobs through Slurm /s vs bare srun ($cpus at once)" "$(med slurm jobs_per_s)" \
			"$(med srun jobs_per_s)" '>=' 0.8
		# An srun started the moment another ended often finds that one's allocation still
		# completing, and waits for Slurm's next scheduling pass; one at a time never does.
		against "  vs bare srun one at a time" "$(med slurm jobs_per_s)" "$(med srun1 jobs_per_s)" \
			'>=' 0.8
		kill -TERM "$STACK_PID" 2>/dev/null
		wait "$STACK_PID" 2>/dev/null
	else
		cat "$T4/stack.log" >&2
	fi
	tests/slurm/cluster.sh stop "$T/slurm"
	unset SLURM_CONF
fi

# --- jobctl ---
say "jobctl list against one curl call"
jobctl_run() {
	local t0=$(now) i
	for ((i = 0; i < 20; i++)); do "$jobctl" list >/dev/null; done
	awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "ms=%.2f\n", (b - a) * 50}'
}
curl_run() {
	local t0=$(now) i
	for ((i = 0; i < 20; i++)); do
		curl -sS -o /dev/null --cacert "$JOBCTL_CACERT" --cert "$JOBCTL_CERT" \
			--key "$JOBCTL_KEY" "$url/jobs"
	done
	awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "ms=%.2f\n", (b - a) * 50}'
}
measure jobctl jobctl_run
measure curl curl_run
jc=$(med jobctl ms)
cu=$(med curl ms)
against "one jobctl list vs one curl, ms" "$jc" "$cu" '<=' 1.1

{
	printf 'job worker benchmark, %s, %s CPUs, max-running %s, median of %s rounds\n' \
		"$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$running" "$rounds"
	printf '%-44s %14s %14s %8s %12s %4s\n' figure value ceiling ratio target met
	printf '%s\n' "${rows[@]}"
} | tee "$out"
