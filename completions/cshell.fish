# SPDX-License-Identifier: GPL-3.0-or-later
# fish completion for cshell: options, the builtin subcommands usable from
# outside, their flags, and live sandbox and image names.

function __cshell_names
    cshell $argv[1] ls --names 2>/dev/null
end

set -l subcommands sandbox sb image monitor up down
complete -c cshell -n "not __fish_seen_subcommand_from $subcommands" -a "$subcommands" -d 'cshell command'
complete -c cshell -s c -d 'run the command string' -r
complete -c cshell -s i -d 'interactive'
complete -c cshell -s e -d 'exit on error'
complete -c cshell -s x -d 'trace commands'
complete -c cshell -l norc -d 'skip the start-up file'
complete -c cshell -l rcfile -r -d 'start-up file to read'
complete -c cshell -l posix -d 'extensions off'
complete -c cshell -s O -x -a 'nullglob failglob globskipdots expand_aliases' -d 'shopt option'
complete -c cshell -l help -d 'usage'
complete -c cshell -l version -d 'version'

set -l sb_subs create ls inspect exec stop start rm logs diff commit run stats
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb; and not __fish_seen_subcommand_from $sb_subs" -f -a "$sb_subs"
complete -c cshell -n "__fish_seen_subcommand_from inspect exec stop start rm logs diff commit; and __fish_seen_subcommand_from sandbox sb" -f -a "(__cshell_names sandbox)"
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l image -x -a "(__cshell_names image)" -d 'image reference'
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l layer -r -d 'layer directory'
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l mount -r -d 'SRC:DST[:ro]'
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l env -x -d 'K=V'
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l workdir -x
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l hostname -x
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l user -x
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l cpus -x
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l memory -x
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l pids -x
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l net -x -a 'none host private private:host slirp'
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l seccomp -r -a 'default unconfined'
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l read-only
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l insecure
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l json
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l on -x -d 'HOST, host spec or auto'
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l label -x -d 'K=V'
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l spread
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l binpack
complete -c cshell -n "__fish_seen_subcommand_from sandbox sb" -l replicas -x

set -l img_subs pull ls inspect tag rm prune push import export build
complete -c cshell -n "__fish_seen_subcommand_from image; and not __fish_seen_subcommand_from $img_subs" -f -a "$img_subs"
complete -c cshell -n "__fish_seen_subcommand_from image; and __fish_seen_subcommand_from inspect rm tag push export" -f -a "(__cshell_names image)"
complete -c cshell -n "__fish_seen_subcommand_from image" -l json
complete -c cshell -n "__fish_seen_subcommand_from image" -l insecure

complete -c cshell -n "__fish_seen_subcommand_from image; and __fish_seen_subcommand_from build" -s t -l tag -x -d 'image name'
complete -c cshell -n "__fish_seen_subcommand_from up" -l locked -d 'fail on drift from Cshellfile.lock'
complete -c cshell -n "__fish_seen_subcommand_from up" -l on -x -d 'build and run on a host (a name, auto, a label)'
complete -c cshell -n "__fish_seen_subcommand_from up" -l here -d 'build and run here, whatever on says'
complete -c cshell -n "__fish_seen_subcommand_from up image" -l rebuild -d 'run every step again'
complete -c cshell -n "__fish_seen_subcommand_from down" -l rm -d 'remove the sandbox'
