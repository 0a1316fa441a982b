#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 in build-fuzz/ and runs each
# for SECONDS (default 20). CI runs `fuzz/run.sh 20`; run longer by hand,
# e.g. `fuzz/run.sh 3600`. Crashes are written to build-fuzz/crashes/.
# Needs clang-14 and libclang-rt-14-dev (Debian).
set -euo pipefail
seconds="${1:-20}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${FUZZ_JOBS:-2}"

cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNLEDGER_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
# FUZZ_TARGETS (binary:corpus pairs) picks some; the default is every target.
targets="${FUZZ_TARGETS:-wal_record_fuzz:wal chunk_fuzz:chunk manifest_fuzz:manifest \
  watch_event_fuzz:watch_event \
  api_error_fuzz:api_error kubeconfig_fuzz:kubeconfig \
  capture_metric_line_fuzz:capture_metric_line search_filter_fuzz:search_filter}"
# Only the picked binaries are built (an ASan build of all of them is slow).
bins=""
for target in $targets; do bins="$bins ${target%%:*}"; done
# shellcheck disable=SC2086 # one word per binary
ninja -C "$build" -j"$jobs" $bins fuzz_make_seeds

mkdir -p "$build/crashes"
status=0
for target in $targets; do
  bin="${target%%:*}"
  corpus_name="${target##*:}"
  corpus="$build/corpus/$corpus_name"
  mkdir -p "$corpus"
  # Seeds: the committed ones plus freshly generated ones (formats may change).
  cp -n "$root/fuzz/corpus/$corpus_name"/* "$corpus/" 2>/dev/null || true
  "$build/fuzz/fuzz_make_seeds" "$build/seeds"
  cp -n "$build/seeds/$corpus_name"/* "$corpus/" 2>/dev/null || true
  echo "fuzz: $bin for ${seconds}s"
  if ! "$build/fuzz/$bin" "$corpus" -max_total_time="$seconds" -max_len=200000 \
      -rss_limit_mb=2048 -artifact_prefix="$build/crashes/$bin-" -print_final_stats=1 \
      2>"$build/$bin.log"; then
    echo "fuzz: $bin FAILED; see $build/$bin.log and $build/crashes/" >&2
    tail -40 "$build/$bin.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/$bin.log" | tr '\n' ' '
    echo
  fi
done
exit $status
