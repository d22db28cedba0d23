#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make run: the embedded default, a toolbox.  A sandbox named "default"
# over the host's own root (read-only, no registry needed) with a
# persistent writable layer, the project directory (where make runs) live
# from the host, so edits on either side show on the other, and a network
# through NAT that cannot reach the host's own services.  Created on first
# use and started when stopped; an interactive cshell entered into it.
# If the sandbox cannot be made here, say why and start cshell on the
# host instead.  `sandbox rm -f default` makes the next run start afresh.
bin=${1:?usage: scripts/run.sh BINDIR [ARGS...]}
shift
# make's own variables are not the user's: a `make` in the shell would
# print "Entering directory" and inherit -j and friends
unset MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES MAKE_TERMOUT MAKE_TERMERR \
	MAKE_JOBSERVER_AUTH
cshell=$bin/cshell
project=$(pwd -P)
if ! "$cshell" sandbox inspect default >/dev/null 2>&1; then
	if ! "$cshell" sandbox create default --mount "$project:$project" \
		--net private 2>/dev/null; then
		echo "make run: no network for the sandbox here; it gets none" >&2
		"$cshell" sandbox create default --mount "$project:$project" ||
			fail=1
	fi
elif ! "$cshell" -c '@default true' 2>/dev/null; then
	"$cshell" sandbox start default || fail=1
fi
if [ -n "${fail:-}" ]; then
	echo "make run: no sandbox here (see above); starting cshell on the host" >&2
	exec "$cshell" "$@"
fi
exec "$cshell" --enter default "$@"
