#!/usr/bin/env bats
# For operators: installing, health and metrics, and the OpenAPI description against what the
# server really answers.

load helpers

setup_file() {
	start_stack -k --max-running 4 --grace 1
}

teardown_file() {
	stop_stack
}

@test "make install puts everything in place under DESTDIR, and make uninstall takes it away" {
	d=$BATS_TEST_TMPDIR/root
	make -C "$REPO" -s install DESTDIR="$d" PREFIX=/usr/local >/dev/null
	for f in usr/local/bin/jobctl usr/local/sbin/jobsupd usr/local/sbin/jobapi; do
		[ -x "$d/$f" ] || { echo "no $f"; false; }
	done
	for f in usr/local/share/man/man1/jobctl.1 usr/local/share/man/man8/jobsupd.8 \
		usr/local/share/man/man8/jobapi.8 usr/local/lib/systemd/system/jobsupd.service \
		usr/local/lib/systemd/system/jobapi.service usr/local/lib/sysusers.d/jobworker.conf \
		usr/local/share/bash-completion/completions/jobctl \
		usr/local/share/jobworker/nginx-site.conf usr/local/share/jobworker/jobapi_params \
		usr/local/share/jobworker/fastcgi_jobapi usr/local/share/jobworker/errors.conf \
		etc/jobworker/jobworker.env; do
		[ -f "$d/$f" ] || { echo "no $f"; false; }
	done
	! grep -rl '@[A-Z]*@' "$d/usr/local/lib/systemd" "$d/usr/local/share/jobworker" "$d/etc"
	grep -q '^ExecStart=/usr/local/sbin/jobsupd ' "$d/usr/local/lib/systemd/system/jobsupd.service"
	grep -q '^Delegate=yes' "$d/usr/local/lib/systemd/system/jobsupd.service"
	grep -q '^NoNewPrivileges=yes' "$d/usr/local/lib/systemd/system/jobapi.service"
	"$d/usr/local/bin/jobctl" --version
	# The installed jobctl looks for certificates where an installed one should.
	run env -u JOBCTL_CERT -u JOBCTL_KEY -u JOBCTL_CACERT -u XDG_CONFIG_HOME HOME=/home/someone \
		"$d/usr/local/bin/jobctl" config
	[[ "$output" == *"/home/someone/.config/jobctl/client.crt"* ]]
	[[ "$output" == *"/etc/jobworker/certs/ca.crt"* ]]
	for m in "$d"/usr/local/share/man/man*/*; do
		mandoc -T lint -W warning "$m"
	done
	# The completion script loads and completes commands.
	run bash -c "source '$d/usr/local/share/bash-completion/completions/jobctl'; COMP_WORDS=(jobctl st); COMP_CWORD=1; _jobctl; echo \${COMPREPLY[*]}"
	[ "$output" = "start stop status" ]

	make -C "$REPO" -s uninstall DESTDIR="$d" PREFIX=/usr/local
	[ -z "$(find "$d" -type f)" ]
}

@test "systemd-analyze verify passes on the units" {
	command -v systemd-analyze >/dev/null || skip "no systemd-analyze here"
	p=$BATS_TEST_TMPDIR/prefix
	make -C "$REPO" -s install PREFIX="$p" SYSCONFDIR="$p/etc" >/dev/null
	run env SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no \
		"$p/lib/systemd/system/jobsupd.service" "$p/lib/systemd/system/jobapi.service"
	echo "$output"
	[ "$status" -eq 0 ]
	make -C "$REPO" -s uninstall PREFIX="$p" SYSCONFDIR="$p/etc"
}

@test "GET /healthz: 200 while jobsupd answers, 503 while it does not" {
	api user1 GET /healthz
	[ "$HTTP" = 200 ]
	[ "$(jq -r .status <<<"$BODY")" = ok ]
	sup=$(pid_of jobsupd)
	kill -TERM "$sup"
	gone "$sup"
	api user1 GET /healthz
	[ "$HTTP" = 503 ]
	[ "$(error_code)" = unavailable ]
	[ "$(header Retry-After)" = 1 ]
	new_jobsupd --max-running 4 --grace 1
	for ((i = 0; i < 200; i++)); do
		api user1 GET /healthz
		[ "$HTTP" = 200 ] && break
		sleep 0.025
	done
	[ "$HTTP" = 200 ]
}

# A strict reader of Prometheus' text format: comments are HELP or TYPE, every sample's
# family is declared first with a known type, names and labels are well formed, values are
# numbers, counters end in _total. Prints the samples as "name{labels} value".
check_metrics() {
	awk '
	function fail(m) { print "bad metrics line " NR ": " m ": " $0 > "/dev/stderr"; bad = 1; exit 1 }
	/^# HELP / { if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("help name"); help[$3] = 1; next }
	/^# TYPE / {
		if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("type name")
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) fail("type")
		if ($4 == "counter" && $3 !~ /_total$/) fail("counter without _total")
		type[$3] = $4; next
	}
	/^#/ { fail("comment") }
	/^$/ { fail("empty line") }
	{
		if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? /)) fail("sample")
		name = $1; sub(/\{.*/, "", name)
		if (!(name in type)) fail("no TYPE before the sample")
		if (!(name in help)) fail("no HELP")
		if ($2 !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) fail("value")
		if (NF != 2) fail("fields")
		print
	}' <<<"$1"
}

@test "GET /metrics: Prometheus text for admins only, with the figures that matter" {
	start user1 '{"command":["sh","-c","echo hello"]}'
	wait_end user1 "$ID"
	api user1 GET /metrics
	[ "$HTTP" = 403 ]
	[ "$(error_code)" = forbidden ]
	api admin GET /metrics
	[ "$HTTP" = 200 ]
	[[ "$(header Content-Type)" == text/plain* ]]
	samples=$(check_metrics "$BODY")
	for m in 'jobworker_jobs{state="succeeded"}' jobworker_queue_length jobworker_running \
		jobworker_spawned_total jobworker_spawn_failures_total jobworker_output_bytes_total \
		jobworker_followers 'jobworker_http_requests_total{status="200"}' \
		'jobworker_http_requests_total{status="403"}'; do
		grep -qF "$m " <<<"$samples" || { echo "no $m"; false; }
	done
	value() { grep -F "$1 " <<<"$samples" | awk '{print $2}'; }
	[ "$(value 'jobworker_jobs{state="succeeded"}')" -ge 1 ]
	[ "$(value jobworker_spawned_total)" -ge 1 ]
	[ "$(value jobworker_output_bytes_total)" -ge 6 ]
	[ "$(value 'jobworker_http_requests_total{status="403"}')" -ge 1 ]
}

@test "docs/openapi.yaml is valid and describes exactly the routes the server answers" {
	documented=$(python3 "$BATS_TEST_DIRNAME/openapi_check.py" "$REPO/docs/openapi.yaml" | sort)
	[ -n "$documented" ]
	start user1 '{"command":["sleep","30"]}'
	id=$ID
	answered=
	for path in /jobs /jobs/logs /jobs/events "/jobs/$id" "/jobs/$id/output" "/jobs/$id/restart" \
		/healthz /metrics "/jobs/$id/other" /jobs/logs/x /other /; do
		for method in GET POST DELETE PUT PATCH; do
			# The event stream does not end: its 200 is all there is to see.
			api admin "$method" "$path" --max-time 5 || [ "$path" = /jobs/events ]
			# Not a path it has, or not a method the path takes: not a route.
			[ "$HTTP" = 405 ] && continue
			[ "$HTTP" = 404 ] && [[ "$(jq -r .error.message <<<"$BODY")" == "no such path"* ]] && continue
			answered+="$method ${path//$id/\{id\}}"$'\n'
		done
	done
	answered=$(sort <<<"$answered" | sed '/^$/d')
	diff <(echo "$documented") <(echo "$answered")
}
