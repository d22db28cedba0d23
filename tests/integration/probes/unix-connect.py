# SPDX-License-Identifier: GPL-3.0-or-later
# unix-connect.py PATH|@NAME… — connects to each unix socket and prints
# "ADDR=REPLY", or "ADDR=ERRNO" when refused (read on stdin by a python3
# inside a sandbox, whose /tmp may be covered).
import errno, socket, sys
for a in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    try:
        s.connect(a.replace("@", "\0", 1) if a.startswith("@") else a)
        r = s.recv(16).decode().strip() or "empty"
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e))
    print("%s=%s" % (a, r))
