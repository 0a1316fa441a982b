#!/usr/bin/env bash
# bench/tracking.sh: runledger's tracking API against `mlflow server`, side by
# side on this machine with one load generator (bench/tracking_load.cpp,
# keep-alive HTTP/1.1, the same request bytes to both).
#
#   bench/tracking.sh
#
# Environment: BENCH_RUNS (runs in the search case, default 10000),
# BENCH_SECONDS (per load case, default 5), BENCH_REPS (repetitions of each
# load case, medians reported, default 3), BENCH_STATUS_SECONDS (the status
# write case, default 60), BUILD_DIR (default build-bench, RelWithDebInfo:
# the project's default build type).
#
# Servers: runledger's operator (optimised build, on the local cluster through
# e2e/operator, scoped to a namespace of its own, API QPS raised to 500 so
# creating the search case's runs is not throttled) and mlflow server
# (mlflow==3.17.2 from e2e/python's venv, sqlite backend in a temp dir,
# default workers).
# Cases, on each server:
#   batch1000 / batch10  log-batch of 1000 / 10 points, 8 connections
#   metric1 / metric8    single log-metric at concurrency 1 / 8
#   search               runs/search over BENCH_RUNS runs with the filter
#                        metrics.loss < 0.5 and order_by metrics.loss,
#                        100 results (30 requests on runledger, 5 on mlflow)
# and on runledger alone: status writes per run per minute while 4 runs log
# as fast as they can (every watch event of those TrainingRuns counts).
# The last line is the summary:
#   tracking: batch_points_per_s=… ratio_batch=… log_metric_p99_ms=… search_p50_ms=… ratio_search=… status_writes_per_run_min=…
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs="${BENCH_RUNS:-10000}"
seconds="${BENCH_SECONDS:-5}"
reps="${BENCH_REPS:-3}"
status_seconds="${BENCH_STATUS_SECONDS:-60}"
say() { echo "tracking: $*" >&2; }
mlflow_pid=""
bench_cleanup() {
  [[ -n "$mlflow_pid" ]] && kill "$mlflow_pid" 2>/dev/null && wait "$mlflow_pid" 2>/dev/null
}
bench_start tracking runledger-operator runledger-capture tracking_load
load="$build/bench/tracking_load"

# --- the two servers -------------------------------------------------------
kubectl create namespace "$ns" >/dev/null
RUNLEDGER_BUILD_DIR="$build" "$root/e2e/operator" up "$ns" -- --namespace "$ns" \
  --leader-election-id "$ns" --kube-api-qps 500 --kube-api-burst 1000 --log-level warn >&2
runledger="127.0.0.1:$("$root/e2e/operator" port "$ns" tracking)"
token="$("$root/e2e/operator" token "$ns")"

port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$python" -m mlflow server --backend-store-uri "sqlite:///$tmp/mlflow.db" \
  --default-artifact-root "$tmp/artifacts" --host 127.0.0.1 --port "$port" >"$tmp/mlflow.log" 2>&1 &
mlflow_pid=$!
mlflow="127.0.0.1:$port"
deadline=$((SECONDS + 120))
until curl -sf "http://$mlflow/health" >/dev/null; do
  ((SECONDS < deadline)) || { cat "$tmp/mlflow.log" >&2; say "mlflow server did not start"; exit 1; }
  sleep 0.5
done

# call ADDRESS TOKEN ENDPOINT JSON FIELD: POSTs and prints FIELD (a.b.c) of the answer.
call() {
  local auth=()
  [[ "$2" != - ]] && auth=(-H "Authorization: Bearer $2")
  curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d "$4" "http://$1/api/2.0/mlflow/$3" |
    "$python" -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."): v = v[k]
print(v)' "$5"
}
# keyed KEY LINES...: the median of KEY=value over the lines.
keyed() {
  local key="$1"
  shift
  median $(printf '%s\n' "$@" | sed -n "s/.*\b$key=\([0-9.]*\).*/\1/p")
}

declare -A result
# measure NAME ADDRESS TOKEN: every case on one server, into result[NAME.case.key].
measure() {
  local name="$1" address="$2" tok="$3" exp run lines search_exp requests
  exp="$(call "$address" "$tok" experiments/create '{"name": "bench-load"}' experiment_id)"
  run="$(call "$address" "$tok" runs/create "{\"experiment_id\": \"$exp\"}" run.info.run_id)"
  for size in 1000 10; do
    lines=()
    for _ in $(seq "$reps"); do lines+=("$("$load" "$address" "$tok" batch "$run" "$size" 8 "$seconds")"); done
    result[$name.batch$size]="$(keyed points_per_s "${lines[@]}")"
    say "$name batch$size: ${lines[*]}"
  done
  for conns in 1 8; do
    lines=()
    for _ in $(seq "$reps"); do lines+=("$("$load" "$address" "$tok" metric "$run" "$conns" "$seconds")"); done
    result[$name.metric$conns.rps]="$(keyed req_per_s "${lines[@]}")"
    result[$name.metric$conns.p50]="$(keyed p50_ms "${lines[@]}")"
    result[$name.metric$conns.p99]="$(keyed p99_ms "${lines[@]}")"
    say "$name metric$conns: ${lines[*]}"
  done
  search_exp="$(call "$address" "$tok" experiments/create '{"name": "bench-search"}' experiment_id)"
  say "$name: creating $runs runs"
  say "$name runs: $("$load" "$address" "$tok" runs "$search_exp" "$runs" 8)"
  requests=30
  [[ "$name" == mlflow ]] && requests=5
  lines=("$("$load" "$address" "$tok" search "$search_exp" "$requests")")
  result[$name.search.p50]="$(keyed p50_ms "${lines[@]}")"
  result[$name.search.p99]="$(keyed p99_ms "${lines[@]}")"
  say "$name search: ${lines[*]}"
}

measure runledger "$runledger" "$token"
measure mlflow "$mlflow" -

# --- status writes while runs log (runledger) -------------------------------
exp="$(call "$runledger" "$token" experiments/create '{"name": "bench-status"}' experiment_id)"
status_runs=()
for i in 1 2 3 4; do
  status_runs+=("$(call "$runledger" "$token" runs/create "{\"experiment_id\": \"$exp\", \"run_name\": \"status-$i\"}" run.info.run_id)")
done
timeout "$status_seconds" "$root/e2e/cluster" kubectl get tr -n "$ns" --watch-only \
  -o 'jsonpath={.metadata.name}{"\n"}' >"$tmp/watch" 2>/dev/null &
pids=($!)
for run in "${status_runs[@]}"; do
  "$load" "$runledger" "$token" metric "$run" 1 "$status_seconds" >/dev/null &
  pids+=($!)
done
wait "${pids[@]}" || true # timeout ends the watch with status 124.
writes="$(grep -c '^status-' "$tmp/watch" || true)"
per_run_min="$(awk -v w="$writes" -v s="$status_seconds" 'BEGIN {printf "%.1f", w / 4 / (s / 60)}')"
say "status: $writes watch events of 4 logging runs in $status_seconds s"

# --- report ------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}'; }
printf '\n| case | runledger | mlflow server | ratio |\n|---|---|---|---|\n'
for size in 1000 10; do
  printf '| log-batch %s points, 8 conns (points/s) | %s | %s | %s× |\n' "$size" \
    "${result[runledger.batch$size]}" "${result[mlflow.batch$size]}" \
    "$(ratio "${result[runledger.batch$size]}" "${result[mlflow.batch$size]}")"
done
for conns in 1 8; do
  printf '| log-metric, concurrency %s (req/s; p50 / p99 ms) | %s; %s / %s | %s; %s / %s | %s× |\n' "$conns" \
    "${result[runledger.metric$conns.rps]}" "${result[runledger.metric$conns.p50]}" "${result[runledger.metric$conns.p99]}" \
    "${result[mlflow.metric$conns.rps]}" "${result[mlflow.metric$conns.p50]}" "${result[mlflow.metric$conns.p99]}" \
    "$(ratio "${result[runledger.metric$conns.rps]}" "${result[mlflow.metric$conns.rps]}")"
done
printf '| runs/search over %s runs (p50 / p99 ms) | %s / %s | %s / %s | %s× |\n' "$runs" \
  "${result[runledger.search.p50]}" "${result[runledger.search.p99]}" \
  "${result[mlflow.search.p50]}" "${result[mlflow.search.p99]}" \
  "$(ratio "${result[mlflow.search.p50]}" "${result[runledger.search.p50]}")"
printf '| status writes per run per minute while logging | %s | — | |\n\n' "$per_run_min"
echo "tracking: batch_points_per_s=${result[runledger.batch1000]}" \
  "ratio_batch=$(ratio "${result[runledger.batch1000]}" "${result[mlflow.batch1000]}")" \
  "log_metric_p99_ms=${result[runledger.metric1.p99]}" \
  "search_p50_ms=${result[runledger.search.p50]}" \
  "ratio_search=$(ratio "${result[mlflow.search.p50]}" "${result[runledger.search.p50]}")" \
  "status_writes_per_run_min=$per_run_min"
