# bash completion for jobctl: commands, options, and job ids (from `jobctl logs`).
_jobctl_ids() {
	jobctl logs 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_jobctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="start stop list ls status logs wait restart config help"
	local globals="--url --cert --key --cacert --json --help --version"
	local cmd="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--url | --cert | --key | --cacert) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--cert | --key | --cacert) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--cwd) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--url | --timeout | --env | --memory | --cpu | --pids | --io | --owner) return ;;
	--state) COMPREPLY=($(compgen -W "queued running succeeded failed stopped timed_out" -- "$cur")); return ;;
	--signal | -s) COMPREPLY=($(compgen -W "TERM INT HUP QUIT USR1 USR2 KILL" -- "$cur")); return ;;
	esac
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$commands $globals" -- "$cur"))
		return
	fi
	case $cmd in
	start)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--timeout --memory --cpu --pids --io --cwd --env --no-network --follow -f -- $globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -c -- "$cur"))
		fi ;;
	stop) COMPREPLY=($(compgen -W "--all --signal $globals $(_jobctl_ids)" -- "$cur")) ;;
	logs) COMPREPLY=($(compgen -W "-f --follow $globals $(_jobctl_ids)" -- "$cur")) ;;
	wait) COMPREPLY=($(compgen -W "--timeout $globals $(_jobctl_ids)" -- "$cur")) ;;
	status | restart) COMPREPLY=($(compgen -W "$globals $(_jobctl_ids)" -- "$cur")) ;;
	list | ls) COMPREPLY=($(compgen -W "--all --state --owner $globals" -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "$globals" -- "$cur")) ;;
	esac
}
complete -F _jobctl jobctl
