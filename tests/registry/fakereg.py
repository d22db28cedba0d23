#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""fakereg.py — a tiny read-only registry over an OCI layout, for tests
that need a registry to misbehave in ways a real one refuses to.

  fakereg.py LAYOUT PORTFILE [--fault F]

Serves GET /v2/, /v2/<name>/manifests/<tag|digest> and
/v2/<name>/blobs/<digest> on 127.0.0.1 (a free port, written to
PORTFILE).  Faults:
  wrong-digest   every layer blob is served with one byte flipped
  truncate       blobs announce their full length, send half, then close
                 (every time: Range requests are ignored)
  flaky          the first request of each layer blob breaks after half;
                 Range requests are answered (206), so a resume succeeds
  norange        the same break, but Range is ignored (a full 200 again),
                 so the client must start the blob over
  stall          the first request of each layer blob sends half of it
                 and then stalls (60 s) before closing, so a test can
                 interrupt the pull mid-blob; Range requests are answered
                 (206) and logged in PORTFILE.ranges, as with flaky
  big-manifest   manifests are padded to 5 MiB
  bearer         requires "Authorization: Bearer good-token", handed out
                 by GET /token (anonymous) after a 401 challenge
Runs until killed.
"""
import http.server
import json
import os
import sys
import time

LAYOUT = sys.argv[1]
PORTFILE = sys.argv[2]
FAULT = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--fault" else ""


RANGES = []
SEEN = set()


def blob_path(digest):
    if not digest.startswith("sha256:") or "/" in digest:
        return None
    return os.path.join(LAYOUT, "blobs", "sha256", digest[7:])


def index():
    with open(os.path.join(LAYOUT, "index.json")) as f:
        return json.load(f)


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body=b"", ctype="application/json", length=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def authorized(self):
        if FAULT != "bearer":
            return True
        if self.headers.get("Authorization") == "Bearer good-token":
            return True
        host = self.headers.get("Host")
        self.send_response(401)
        self.send_header("WWW-Authenticate",
                         'Bearer realm="http://%s/token",service="fake",scope="repository:x:pull"' % host)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/token":
            return self.send(200, json.dumps({"token": "good-token"}).encode())
        if not self.authorized():
            return
        if p == "/v2/":
            return self.send(200, b"{}")
        parts = p.split("/")
        if len(parts) < 5 or parts[1] != "v2":
            return self.send(404)
        kind, ref = parts[-2], parts[-1]
        if kind == "manifests":
            desc = None
            for m in index()["manifests"]:
                if m["digest"] == ref or m.get("annotations", {}).get(
                        "org.opencontainers.image.ref.name") == ref:
                    desc = m
            if desc is None and blob_path(ref) and os.path.exists(blob_path(ref)):
                with open(blob_path(ref)) as f:
                    desc = {"digest": ref, "mediaType": json.load(f).get("mediaType")}
            if desc is None:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            with open(blob_path(desc["digest"]), "rb") as f:
                body = f.read()
            if FAULT == "big-manifest":
                body = body[:-1] + b" " * (5 << 20) + b"}"
            return self.send(200, body, desc["mediaType"])
        if kind == "blobs":
            bp = blob_path(ref)
            if not bp or not os.path.exists(bp):
                return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
            with open(bp, "rb") as f:
                body = f.read()
            is_json = body[:1] == b"{"
            if FAULT == "wrong-digest" and not is_json:
                body = body[:-1] + bytes([body[-1] ^ 1])
            rng = self.headers.get("Range", "")
            if FAULT in ("flaky", "stall") and not is_json and rng.startswith("bytes="):
                start = int(rng[6:].split("-")[0])
                RANGES.append(start)
                part = body[start:]
                self.send_response(206)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                self.wfile.write(part)
                with open(PORTFILE + ".ranges", "a") as f:
                    f.write("%s %d\n" % (ref, start))
                return
            if FAULT == "norange" and not is_json:
                if ref in SEEN:
                    return self.send(200, body, "application/octet-stream")
                SEEN.add(ref)
            if FAULT == "stall" and not is_json:
                if ref in SEEN:
                    return self.send(200, body, "application/octet-stream")
                SEEN.add(ref)
            if (FAULT in ("truncate", "flaky", "norange", "stall")) and not is_json:
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if FAULT == "stall":
                    time.sleep(60)
                self.close_connection = True
                return
            return self.send(200, body, "application/octet-stream")
        return self.send(404)

    do_HEAD = do_GET


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
