#!/usr/bin/env python3
"""Run Oils' spec tests (spec/*.test.sh) against several shells, scored strictly.

Usage: tests/spec/external/oils.py OILS_DIR [-j N] [-t SECS] [-o OUTDIR]
                                   [-f FILE.test.sh ...] [-s LABEL=CMD ...]

OILS_DIR is an extracted oils-for-unix/oils tree (its spec/ directory is
what is read).  Without -f, the files run are the "POSIX-relevant" ones:
every spec/*.test.sh whose "## compare_shells:" header names dash.

Strict scoring: a case passes for a shell only when its stdout, stderr and
status match the case's unqualified assertions ("## stdout:", "## STDOUT:",
"## status:", ...; status 0 when none is given).  Per-shell annotations
("## OK bash stdout:", "## N-I dash status:", "## BUG ...") are ignored, so
every shell is held to the same expectation.

Each case is fed on stdin to every shell, in a fresh temp directory (also
$TMP), with PATH=OILS_DIR/spec/bin:..., $SH naming the shell, LC_ALL=C.UTF-8,
and a per-case timeout (killed: counts as a failure, reported as TIME).

Prints one line per file with each shell's pass count, then the totals;
writes each failing case (script, expected, actual) to OUTDIR/LABEL/FILE.txt.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

KEY_VALUE_RE = re.compile(
    r'''\#\#\s+(?:(OK(?:-\d)?|BUG(?:-\d)?|N-I)\s+([\w+/]+)\s+)?([\w\-]+):\s*(.*)''')


def classify(line, raw):
    """One line as sh_spec.py's lexer sees it: (kind, item), or None to skip."""
    if not raw and not line.strip():
        return None
    if line.startswith('####'):
        return 'begin', line[4:].strip()
    m = KEY_VALUE_RE.match(line)
    if m:
        qual, _shells, name, value = m.groups()
        return ('multi' if name in ('STDOUT', 'STDERR') else 'kv'), (qual, name, value)
    if re.match(r'##\s+END', line):
        return 'end', None
    if line.lstrip().startswith('#'):
        return None  # comments are dropped, even inside code and STDOUT blocks
    return 'plain', line


def parse_file(path):
    """Return the cases of one spec file: dicts with desc, code and the
    unqualified assertions (qualified ones are dropped)."""
    with open(path, encoding='utf-8', errors='surrogateescape') as f:
        lines = f.read().splitlines(True)
    pos = [0]

    def next_tok(raw=False):
        while pos[0] < len(lines):
            line = lines[pos[0]]
            pos[0] += 1
            t = classify(line, raw)
            if t is not None:
                return t + (pos[0],)
        return ('eof', None, pos[0])

    cases = []
    tok = [next_tok()]

    def key_values(case):
        while True:
            kind, item, _ = tok[0]
            if kind == 'multi':
                qual, name, _ = item
                body = []
                while True:
                    tok[0] = next_tok(raw=True)
                    if tok[0][0] != 'plain':
                        break
                    body.append(tok[0][1])
                if not qual:
                    case[name.lower()] = ''.join(body)
                if tok[0][0] == 'end':
                    tok[0] = next_tok()
            elif kind == 'kv':
                qual, name, value = item
                if not qual:
                    if name in ('stdout', 'stderr', 'code'):
                        case[name] = value + '\n' if name != 'code' else value
                    elif name in ('stdout-json', 'stderr-json'):
                        case[name[:-5]] = json.loads(value)
                    elif name == 'status':
                        case['status'] = int(value)
                tok[0] = next_tok()
            else:
                return

    while tok[0][0] != 'begin' and tok[0][0] != 'eof':
        tok[0] = next_tok()  # file metadata
    while tok[0][0] == 'begin':
        case = {'desc': tok[0][1], 'line': tok[0][2]}
        cases.append(case)
        tok[0] = next_tok()
        key_values(case)
        if 'code' not in case:
            code = []
            while tok[0][0] == 'plain':
                code.append(tok[0][1])
                tok[0] = next_tok(raw=True)
            case['code'] = ''.join(code)
            key_values(case)
        while tok[0][0] not in ('begin', 'eof'):
            tok[0] = next_tok()
    return cases


def run_case(argv, code, env, timeout):
    tmp = tempfile.mkdtemp(prefix='oils-case.')
    env = dict(env)
    env['TMP'] = tmp
    try:
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=tmp, env=env,
                             start_new_session=True)
        try:
            out, err = p.communicate(code.encode('utf-8', 'surrogateescape'),
                                     timeout=timeout)
            status = p.returncode
            if status < 0:
                status = 128 - status
            timed_out = False
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, err = p.communicate()
            status, timed_out = None, True
    finally:
        subprocess.run(['chmod', '-R', 'u+rwx', tmp], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    return out.decode('utf-8', 'surrogateescape'), err.decode('utf-8', 'surrogateescape'), \
        status, timed_out


def verdict(case, out, err, status, timed_out):
    if timed_out:
        return 'TIME'
    if 'stdout' in case and out != case['stdout']:
        return 'FAIL'
    if 'stderr' in case and err != case['stderr']:
        return 'FAIL'
    if status != case.get('status', 0):
        return 'FAIL'
    return 'pass'


def posix_files(spec_dir):
    names = []
    for name in sorted(os.listdir(spec_dir)):
        if not name.endswith('.test.sh'):
            continue
        with open(os.path.join(spec_dir, name), errors='replace') as f:
            for line in f:
                if line.startswith('## compare_shells:'):
                    if 'dash' in line.split(':', 1)[1].split():
                        names.append(name)
                    break
    return names


def python2_dir():
    """A directory holding a `python2` for spec/bin's helpers (they are
    Python 2 scripts); python3 stands in when there is none."""
    d = tempfile.mkdtemp(prefix='oils-py2.')
    found = shutil.which('python2.7')
    pyenv = os.path.expanduser('~/.pyenv/versions')
    if os.path.isdir(pyenv):
        for v in sorted(os.listdir(pyenv)):
            cand = os.path.join(pyenv, v, 'bin', 'python2')
            if v.startswith('2.') and os.access(cand, os.X_OK):
                found = cand
    os.symlink(found or shutil.which('python3'), os.path.join(d, 'python2'))
    return d


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, '..', '..', '..'))
    ap = argparse.ArgumentParser()
    ap.add_argument('oils_dir')
    ap.add_argument('-j', type=int, default=3)
    ap.add_argument('-t', type=float, default=10)
    ap.add_argument('-o', default=None, help='directory for failure details')
    ap.add_argument('-f', action='append', default=[], help='spec file name')
    ap.add_argument('-s', action='append', default=[], help='LABEL=COMMAND (split on spaces)')
    a = ap.parse_args()
    spec_dir = os.path.join(a.oils_dir, 'spec')
    shells = [s.split('=', 1) for s in a.s] or [
        ['cshell', os.path.join(repo, 'build', 'bin', 'cshell')],
        ['dash', 'dash'], ['bash-posix', 'bash --posix'], ['bash', 'bash']]
    shells = [(label, cmd.split()) for label, cmd in shells]
    files = a.f or posix_files(spec_dir)
    py2 = python2_dir()
    base_env = {'PATH': os.path.join(os.path.abspath(spec_dir), 'bin') + ':' + py2 + ':/usr/bin:/bin',
                'LC_ALL': 'C.UTF-8', 'REPO_ROOT': os.path.abspath(a.oils_dir)}
    totals = {label: 0 for label, _ in shells}
    ncases = 0
    print('%-30s %5s %s' % ('file', 'cases', ' '.join('%10s' % l for l, _ in shells)))
    with concurrent.futures.ThreadPoolExecutor(a.j) as pool:
        for name in files:
            cases = parse_file(os.path.join(spec_dir, name))
            jobs = {}
            for ci, case in enumerate(cases):
                for label, argv in shells:
                    env = dict(base_env, SH=argv[0] if '/' in argv[0] else shutil.which(argv[0]))
                    jobs[(ci, label)] = pool.submit(run_case, argv, case['code'], env, a.t)
            counts = {label: 0 for label, _ in shells}
            details = {label: [] for label, _ in shells}
            for ci, case in enumerate(cases):
                for label, _ in shells:
                    out, err, status, to = jobs[(ci, label)].result()
                    v = verdict(case, out, err, status, to)
                    if v == 'pass':
                        counts[label] += 1
                    else:
                        details[label].append((ci, case, v, out, err, status))
            ncases += len(cases)
            for label in counts:
                totals[label] += counts[label]
            print('%-30s %5d %s' % (name, len(cases), ' '.join('%10d' % counts[l] for l, _ in shells)),
                  flush=True)
            if a.o:
                for label, fails in details.items():
                    os.makedirs(os.path.join(a.o, label), exist_ok=True)
                    with open(os.path.join(a.o, label, name + '.txt'), 'w',
                              errors='surrogateescape') as f:
                        for ci, case, v, out, err, status in fails:
                            f.write('=== %s #%d line %d: %s [%s]\n' % (name, ci, case['line'],
                                                                    case['desc'], v))
                            f.write(case['code'])
                            f.write('--- expected status %d stdout:\n%s' % (
                                case.get('status', 0), case.get('stdout', '(any)\n')))
                            if 'stderr' in case:
                                f.write('--- expected stderr:\n%s' % case['stderr'])
                            f.write('--- got status %s stdout:\n%s--- stderr:\n%s\n' % (
                                status, out, err[:600]))
    shutil.rmtree(py2, ignore_errors=True)
    print('%-30s %5d %s' % ('TOTAL', ncases, ' '.join('%10d' % totals[l] for l, _ in shells)))


if __name__ == '__main__':
    main()
