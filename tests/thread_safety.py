#!/usr/bin/env python3
"""Checks the locking annotations (base/mutex.h) with clang's -Wthread-safety.

g++ ignores GUARDED_BY, REQUIRES and friends; this compiles the sources of
the operator's libraries once more with clang-14, syntax only, with the
analysis on and its warnings as errors. A member read without its lock, or a
LockHeld method called without it, fails this test. Only sources that can
meet an annotation are compiled: those that include base/mutex.h, directly
or through the project's headers (the others have nothing to check, and
compiling them all took longer than the test's timeout on a busy machine).

usage: thread_safety.py BUILD_DIR SOURCE_DIR
"""
import concurrent.futures
import functools
import json
import os
import re
import shlex
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def uses_mutex(path, include_dirs):
    """True if `path` includes base/mutex.h, itself or through headers."""
    seen = set()

    @functools.lru_cache(maxsize=None)
    def includes(p):
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                return tuple(INCLUDE.findall(f.read()))
        except OSError:
            return ()

    def visit(p):
        if p in seen:
            return False
        seen.add(p)
        for name in includes(p):
            if name == "base/mutex.h":
                return True
            for d in [os.path.dirname(p)] + include_dirs:
                candidate = os.path.join(d, name)
                if os.path.isfile(candidate):
                    if visit(os.path.realpath(candidate)):
                        return True
                    break
        return False

    return visit(path)


def main():
    build, source = sys.argv[1], os.path.realpath(sys.argv[2])
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    roots = [os.path.join(source, d) + os.sep for d in ("operator", "controllers")]
    include_dirs = [os.path.join(source, "operator"), source]
    jobs = []
    skipped = 0
    for e in entries:
        path = os.path.realpath(e["file"])
        if not any(path.startswith(r) for r in roots):
            continue
        if not uses_mutex(path, include_dirs):
            skipped += 1
            continue
        args = shlex.split(e["command"])
        # Drop the launcher/compiler, the output and dependency-file options.
        while args and not args[0].startswith("-"):
            args.pop(0)
        keep, skip = [], False
        for a in args:
            if skip:
                skip = False
                continue
            if a in ("-o", "-MF", "-MT", "-c"):
                skip = a != "-c"
                continue
            if a in ("-MD",) or a == e["file"]:
                continue
            keep.append(a)
        jobs.append((path, ["clang++-14", "-fsyntax-only", "-Wthread-safety",
                            "-Wthread-safety-beta", "-Werror=thread-safety",
                            "-Wno-unknown-warning-option"] + keep + [path], e["directory"]))
    if not jobs:
        sys.exit("thread_safety: no sources found in compile_commands.json")

    def run(job):
        path, cmd, cwd = job
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        return path, r.returncode, r.stderr

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for path, code, err in pool.map(run, jobs):
            if code != 0:
                failed += 1
                print(f"--- {os.path.relpath(path, source)}\n{err}")
    print(f"thread_safety: {len(jobs) - failed}/{len(jobs)} sources clean "
          f"({skipped} without base/mutex.h not compiled)")
    sys.exit(1 if failed else 0)


main()
