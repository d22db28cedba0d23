#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""mkimage.py — builds OCI image layouts for the image tests.

  mkimage.py OUT TAG [--arch A] LAYER...       a normal image
     LAYER = DIR[:gzip|:zstd|:none]           (a directory, tarred sorted)
  mkimage.py --evil KIND OUT TAG               one malicious layer:
     dotdot, abs, symlink-parent, hardlink-outside, bigfile
  mkimage.py --index OUT TAG SRC:TAG:OS/ARCH...  an index over images that
     earlier calls wrote into the same OUT

The layout can be served by fakereg.py or copied to a registry with
`skopeo copy oci:OUT:TAG docker://…`.  Prints the manifest digest.
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile


def put_blob(out, data):
    d = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def compress(raw, comp):
    if comp == "gzip":
        import gzip
        return gzip.compress(raw, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
    if comp == "zstd":
        z = subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True)
        return z.stdout, "application/vnd.oci.image.layer.v1.tar+zstd"
    return raw, "application/vnd.oci.image.layer.v1.tar"


def tar_dir(path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(dirs + files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, path)
                ti = t.gettarinfo(full, rel)
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = ""
                ti.mtime = 0
                if ti.isreg():
                    with open(full, "rb") as f:
                        t.addfile(ti, f)
                else:
                    t.addfile(ti)
    return buf.getvalue()


def evil_tar(kind):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def reg(name, data=b"pwned\n"):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))

        def link(name, target, typ):
            ti = tarfile.TarInfo(name)
            ti.type = typ
            ti.linkname = target
            t.addfile(ti)

        escape = os.environ.get("EVIL_TARGET", "/tmp/cshell-evil-target")
        reg("ok-before")
        if kind == "dotdot":
            reg("a/../../" + os.path.basename(escape))
        elif kind == "abs":
            reg(escape)
        elif kind == "symlink-parent":
            link("lnk", os.path.dirname(escape), tarfile.SYMTYPE)
            reg("lnk/" + os.path.basename(escape))
        elif kind == "hardlink-outside":
            link("hl", escape, tarfile.LNKTYPE)
        elif kind == "hardlink-dotdot":
            link("hl", "../../etc/passwd", tarfile.LNKTYPE)
        elif kind == "bigfile":
            reg("big", b"x" * (1 << 20))
        else:
            raise SystemExit("unknown evil kind " + kind)
    return buf.getvalue()


def write_image(out, tag, layers, arch="amd64", add_to_index=True):
    """layers: list of (raw tar bytes, compression).  Returns the
    manifest descriptor."""
    descs, diff_ids = [], []
    for raw, comp in layers:
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        blob, mt = compress(raw, comp)
        descs.append({"mediaType": mt, "digest": put_blob(out, blob), "size": len(blob)})
    config = {
        "architecture": arch, "os": "linux", "created": "2026-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/bin", "FOO=bar", "NL=a\nb"], "Cmd": ["/bin/sh"],
                   "WorkingDir": "/tmp", "User": "0:0"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    cblob = json.dumps(config).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": put_blob(out, cblob), "size": len(cblob)},
        "layers": descs,
    }
    mblob = json.dumps(manifest).encode()
    desc = {"mediaType": manifest["mediaType"], "digest": put_blob(out, mblob),
            "size": len(mblob)}
    if add_to_index:
        add_ref(out, tag, desc)
    return desc


def add_ref(out, tag, desc):
    idx_path = os.path.join(out, "index.json")
    try:
        with open(idx_path) as f:
            idx = json.load(f)
    except FileNotFoundError:
        idx = {"schemaVersion": 2, "manifests": []}
    name = "org.opencontainers.image.ref.name"
    idx["manifests"] = [m for m in idx["manifests"]
                        if m.get("annotations", {}).get(name) != tag]
    d = dict(desc)
    d["annotations"] = {name: tag}
    idx["manifests"].append(d)
    with open(idx_path, "w") as f:
        json.dump(idx, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def find_ref(out, tag):
    with open(os.path.join(out, "index.json")) as f:
        for m in json.load(f)["manifests"]:
            if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
                return m
    raise SystemExit("no tag " + tag)


def main(argv):
    if argv[0] == "--evil":
        kind, out, tag = argv[1:4]
        desc = write_image(out, tag, [(evil_tar(kind), "gzip")])
    elif argv[0] == "--index":
        out, tag = argv[1:3]
        entries = []
        for spec in argv[3:]:
            src_tag, plat = spec.split(":", 1)
            m = dict(find_ref(out, src_tag))
            m.pop("annotations", None)
            os_, arch = plat.split("/", 1)
            m["platform"] = {"os": os_, "architecture": arch}
            entries.append(m)
        idx = {"schemaVersion": 2,
               "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": entries}
        blob = json.dumps(idx).encode()
        desc = {"mediaType": idx["mediaType"], "digest": put_blob(out, blob),
                "size": len(blob)}
        add_ref(out, tag, desc)
    else:
        out, tag = argv[0:2]
        arch = "amd64"
        rest = argv[2:]
        if rest and rest[0] == "--arch":
            arch, rest = rest[1], rest[2:]
        layers = []
        for spec in rest:
            d, _, comp = spec.partition(":")
            layers.append((tar_dir(d), comp or "gzip"))
        desc = write_image(out, tag, layers, arch)
    print(desc["digest"])


if __name__ == "__main__":
    main(sys.argv[1:])
