#!/usr/bin/env bash
# Benchmarks the metric store on this machine: the disk's own limits, durable
# appends from 1, 8 and 32 threads, paced acknowledgement latency,
# compaction, bytes per point and a 1,000,000-point history read.
#   bench/store.sh [SECONDS_PER_CASE]     (default 5)
# BENCH_DIR picks the scratch directory (default: build-store/bench-tmp, on
# the same disk as the WAL would be). The last line is the summary:
#   store: points_per_s=... ack_p99_ms=... fsync_per_s=... bytes_per_point=... history_read_ms=...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build-store}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$build" -j"${JOBS:-2}" store_bench >/dev/null
"$build/bench/store_bench" "${BENCH_DIR:-$build/bench-tmp}" "${1:-5}"
