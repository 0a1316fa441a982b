#!/usr/bin/env python3
"""Checks the locking annotations (base/mutex.h) with clang's -Wthread-safety.

g++ ignores GUARDED_BY, REQUIRES and friends; this compiles every source of
the operator's libraries once more with clang-14, syntax only, with the
analysis on and its warnings as errors. A member read without its lock, or a
LockHeld method called without it, fails this test.

usage: thread_safety.py BUILD_DIR SOURCE_DIR
"""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys


def main():
    build, source = sys.argv[1], os.path.realpath(sys.argv[2])
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    roots = [os.path.join(source, d) + os.sep for d in ("operator", "controllers")]
    jobs = []
    for e in entries:
        path = os.path.realpath(e["file"])
        if not any(path.startswith(r) for r in roots):
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
    print(f"thread_safety: {len(jobs) - failed}/{len(jobs)} sources clean")
    sys.exit(1 if failed else 0)


main()
