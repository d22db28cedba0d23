# SPDX-License-Identifier: GPL-3.0-or-later
# tests/backend/echo/: a trivial target backend and builtin, written the
# way any module adds one (docs/shell.md, "Adding a backend"): its file and
# these lines.  The top Makefile gives test modules only to the test build
# of the shell, build/test-backend/bin/cshell (make test-backend);
# tests/integration/shell-backend-plugin.sh drives it.
cshell_SRCS += tests/backend/echo/target_echo.c
SH_BACKENDS += 90:echo
SH_BUILTINS += echo_targets=echo-targets
