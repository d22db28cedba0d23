# SPDX-License-Identifier: GPL-3.0-or-later
# unix-listen.py PATH|@NAME… — the host side of the unix socket tests
# (sandbox-hardening.sh, sandbox-net-isolation.sh): listens on each path
# (@NAME: abstract) and says "hello" to whoever connects; prints "ready"
# once listening, and runs until killed (the tests bound it by timeout).
import socket, sys, threading, time
def serve(s):
    while True:
        try:
            c, _ = s.accept()
            c.sendall(b"hello\n")
            c.close()
        except OSError:
            return
for a in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX)
    s.bind(a.replace("@", "\0", 1) if a.startswith("@") else a)
    s.listen(16)
    threading.Thread(target=serve, args=(s,), daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(60)
