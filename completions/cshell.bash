# SPDX-License-Identifier: GPL-3.0-or-later
# bash completion for cshell: options, the builtin subcommands usable from
# outside (cshell sandbox|image …), their flags, and live sandbox and
# image names from `cshell sandbox ls --names` / `cshell image ls --names`.

_cshell_names()
{
	cshell "$1" ls --names 2>/dev/null
}

_cshell()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd=${COMP_WORDS[1]-} sub=${COMP_WORDS[2]-}
	local opts='-c -i -s -e -u -x -f -n -v -C -a -o -O --norc --rcfile --posix --help --version'
	local subcommands='sandbox sb image monitor up down'
	local sb_subs='create ls inspect exec stop start rm logs diff commit run stats'
	local sb_flags='--image --layer --mount --env --workdir --hostname --user --cpus --memory --pids --net --cap-add --cap-drop --seccomp --read-only --insecure --trace --json -f --on --label --spread --binpack --replicas'
	local img_subs='pull ls inspect tag rm prune push import export build'
	local img_flags='--json --platform --insecure --quiet --names --tag --rebuild'
	local up_flags='--locked --rebuild --on --here --help'

	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		case $cur in
		-*) COMPREPLY=($(compgen -W "$opts" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "$subcommands" -- "$cur") $(compgen -f -- "$cur")) ;;
		esac
		return
	fi
	case $cmd in
	sandbox | sb)
		if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "$sb_subs" -- "$cur"))
		elif [ "$prev" = --image ]; then
			COMPREPLY=($(compgen -W "$(_cshell_names image)" -- "$cur"))
		elif [ "$prev" = --net ]; then
			COMPREPLY=($(compgen -W 'none host private private:host slirp' -- "$cur"))
		elif [ "$prev" = --seccomp ]; then
			COMPREPLY=($(compgen -W 'default unconfined' -- "$cur") $(compgen -f -- "$cur"))
		elif [ "$prev" = --layer ]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$sb_flags" -- "$cur"))
		else
			case $sub in
			create | run | ls) ;;
			*) COMPREPLY=($(compgen -W "$(_cshell_names sandbox)" -- "$cur")) ;;
			esac
		fi
		;;
	image)
		if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "$img_subs" -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$img_flags" -- "$cur"))
		else
			case $sub in
			import) COMPREPLY=($(compgen -f -- "$cur")) ;;
			build) COMPREPLY=($(compgen -d -- "$cur")) ;;
			inspect | rm | tag | push | export) COMPREPLY=($(compgen -W "$(_cshell_names image)" -- "$cur")) ;;
			esac
		fi
		;;
	up | down)
		# after --, a command of the environment: nothing to offer here
		if [[ $cur == -* ]]; then
			[ "$cmd" = up ] && COMPREPLY=($(compgen -W "$up_flags" -- "$cur"))
			[ "$cmd" = down ] && COMPREPLY=($(compgen -W '--rm --help' -- "$cur"))
		else
			COMPREPLY=($(compgen -d -- "$cur"))
		fi
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
}
complete -F _cshell cshell
