#!/bin/sh
# A single-host Slurm cluster for the tests and the benchmark, run as root without systemd:
# munged, slurmctld and slurmd, each with its config, state, logs and sockets under one directory
# of its own (never /etc/slurm or /run/munge).
#
#   cluster.sh start DIR   start the cluster in DIR (made if missing); prints the SLURM_CONF line
#   cluster.sh stop DIR    stop what `start` started in DIR, by the pids it recorded
#   cluster.sh check       why a cluster cannot be started here (status 1), or nothing
#
# One node, "localhost" on 127.0.0.1, with this machine's CPUs and 4 GiB of memory (DefMemPerCPU
# 256 MiB: CPUs, not memory, bound how many jobs run at once). One such cluster at a time on a
# machine: the node's cgroups (slurm_localhost) are named after it, and `stop` empties them.
# Two partitions of that node: debug (the default, no time limit) and short (MaxTime 5 minutes). A second node on 127.0.0.2 with a
# port of its own was tried: Debian 12's slurmctld refuses that config ("Duplicated
# NodeHostName"), so the tests have one node.
# On cgroup v1 jobs are tracked and confined with cgroups (memory limits enforced by the kernel);
# elsewhere with proctrack/linuxproc and jobacct_gather's own memory check.
set -eu

die() { echo "cluster.sh: $*" >&2; exit 1; }

# Two distinct free ports below the ephemeral range (where no outgoing connection can take one
# before the daemon binds it), as tests/stack.bash picks the stack's.
free_ports() {
	python3 -c '
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
held = []
while len(held) < 2:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randrange(10000, low)))
        held.append(s)
    except OSError:
        s.close()
print(*(h.getsockname()[1] for h in held))'
}

wait_for() { # seconds command...: true once the command succeeds
	n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

# Why a cluster cannot be started here, on stdout (and status 1); nothing when it can.
check() {
	if [ "$(id -u)" != 0 ]; then
		echo "a Slurm cluster of our own needs root (slurmd runs jobs as their users)"
		return 1
	fi
	for cmd in munged slurmctld slurmd srun scontrol sinfo; do
		if ! PATH=$PATH:/usr/sbin command -v "$cmd" >/dev/null 2>&1; then
			echo "$cmd is not installed (apt-get install slurmctld slurmd slurm-client munge)"
			return 1
		fi
	done
}

start() {
	dir=$1
	why=$(check) || die "$why"
	PATH=$PATH:/usr/sbin
	mkdir -p "$dir/ctld" "$dir/spool" "$dir/munge"
	dir=$(cd "$dir" && pwd)
	[ -e "$dir/pids" ] && die "a cluster already runs in $dir (cluster.sh stop $dir)"

	# munged runs as its own user and wants a socket directory all may enter and none but it write.
	chown munge: "$dir/munge"
	chmod 755 "$dir/munge"
	dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
	chown munge: "$dir/munge/munge.key"
	chmod 400 "$dir/munge/munge.key"
	chmod 711 "$dir"
	su -s /bin/sh munge -c "munged --socket=$dir/munge/munge.socket --key-file=$dir/munge/munge.key \
		--pid-file=$dir/munge/munged.pid --log-file=$dir/munge/munged.log \
		--seed-file=$dir/munge/munged.seed" || die "munged did not start: $(tail -3 "$dir/munge/munged.log" 2>/dev/null)"
	echo "munged $(cat "$dir/munge/munged.pid")" >"$dir/pids"

	if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] && [ -d /sys/fs/cgroup/memory ]; then
		track="ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
JobAcctGatherType=jobacct_gather/cgroup"
		printf 'CgroupPlugin=cgroup/v1\nCgroupMountpoint=/sys/fs/cgroup\nConstrainRAMSpace=yes\nConstrainSwapSpace=yes\nAllowedSwapSpace=0\n' >"$dir/cgroup.conf"
	else
		track="ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill"
		printf 'CgroupPlugin=autodetect\n' >"$dir/cgroup.conf"
	fi
	cpus=$(nproc)
	ports=$(free_ports)
	cat >"$dir/slurm.conf" <<CONF
ClusterName=jobworker
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=${ports% *}
SlurmdPort=${ports#* }
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd-%n.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
$track
MpiDefault=none
ReturnToService=2
KillWait=30
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=4096 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=ALL MaxTime=5 State=UP
CONF
	export SLURM_CONF="$dir/slurm.conf"
	slurmctld -f "$SLURM_CONF" || die "slurmctld did not start: $(tail -5 "$dir/slurmctld.log")"
	wait_for 10 test -s "$dir/slurmctld.pid" || die "slurmctld wrote no pid file"
	echo "slurmctld $(cat "$dir/slurmctld.pid")" >>"$dir/pids"
	slurmd -f "$SLURM_CONF" -N localhost || die "slurmd did not start: $(tail -5 "$dir/slurmd-localhost.log")"
	wait_for 10 test -s "$dir/slurmd-localhost.pid" || die "slurmd wrote no pid file"
	echo "slurmd $(cat "$dir/slurmd-localhost.pid")" >>"$dir/pids"
	wait_for 30 sh -c 'sinfo -h -N -o %t | grep -qx idle' ||
		die "the node did not become idle: $(sinfo -N 2>&1; tail -5 "$dir/slurmd-localhost.log")"
	echo "SLURM_CONF=$SLURM_CONF"
}

stop() {
	dir=$1
	[ -e "$dir/pids" ] || return 0
	# Reverse order: the node, then the controller, then munged; each by the pid it recorded.
	tac "$dir/pids" | while read -r name pid; do
		if kill "$pid" 2>/dev/null; then
			wait_for 20 sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
		fi
		: "$name"
	done
	rm -f "$dir/pids"
	# Steps slurmd could not end (the controller gone first) are still in the node's cgroups:
	# those processes, by the pids the cgroups list, then the cgroups, empty.
	find /sys/fs/cgroup/*/slurm_localhost -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u |
		while read -r pid; do kill -KILL "$pid" 2>/dev/null; done
	sleep 0.2
	# What slurmd made in each cgroup hierarchy, now empty (rmdir leaves anything in use).
	find /sys/fs/cgroup/*/slurm_localhost /sys/fs/cgroup/slurm_localhost -depth -type d \
		-exec rmdir {} + 2>/dev/null
	return 0
}

case "${1:-}" in
start) [ $# = 2 ] || die "usage: cluster.sh start DIR"; start "$2" ;;
stop) [ $# = 2 ] || die "usage: cluster.sh stop DIR"; stop "$2" ;;
check) check ;;
*) die "usage: cluster.sh start|stop DIR, or cluster.sh check" ;;
esac
