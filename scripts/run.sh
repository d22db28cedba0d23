#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make run: the embedded default.  A sandbox named "default" over the
# host's own root (read-only, no registry needed) with a persistent
# writable layer, created on first use and started when stopped, and an
# interactive cshell entered into it.  If the sandbox cannot be made here,
# say why and start cshell on the host instead.
bin=${1:?usage: scripts/run.sh BINDIR [ARGS...]}
shift
# make's own variables are not the user's: a `make` in the shell would
# print "Entering directory" and inherit -j and friends
unset MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES MAKE_TERMOUT MAKE_TERMERR \
	MAKE_JOBSERVER_AUTH
cshell=$bin/cshell
if ! "$cshell" sandbox inspect default >/dev/null 2>&1; then
	"$cshell" sandbox create default || fail=1
elif ! "$cshell" -c '@default true' 2>/dev/null; then
	"$cshell" sandbox start default || fail=1
fi
if [ -n "${fail:-}" ]; then
	echo "make run: no sandbox here (see above); starting cshell on the host" >&2
	exec "$cshell" "$@"
fi
exec "$cshell" --enter default "$@"
