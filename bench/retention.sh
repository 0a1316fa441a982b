#!/usr/bin/env bash
# bench/retention.sh: a RetentionPolicy pass over BENCH_OBJECTS artifact
# objects in one Experiment, next to the limit: the same S3 server's raw
# list + 1000-key DeleteObjects, measured here in the same run with the same
# S3 client (bench/retention_objects.cpp).
#
#   bench/retention.sh
#
# Environment: BENCH_OBJECTS (default 100000), BENCH_RUNS (TrainingRuns they
# belong to, default 100), BENCH_REPS (repetitions, medians reported,
# default 3), BUILD_DIR (default build-bench, RelWithDebInfo).
#
# Set-up: versitygw on loopback (e2e/s3), the operator on the local cluster
# (e2e/operator) with the Experiment's artifactStore in its bucket, and
# BENCH_RUNS runs made with the mlflow client, ended 40 days ago. Each
# repetition fills the bucket with BENCH_OBJECTS objects under the runs'
# prefixes (not timed), then
#   enforce: a policy change (a new generation) starts a pass that keeps 30
#            days, so every run is due: from the patch to the status showing
#            the pass done (list, plan, delete, record each run, status);
#   raw:     the same number of objects filled again, listed and deleted by
#            the benchmark tool directly.
# The last line is the summary (ratio = raw_s / enforce_s; 1 is the limit):
#   retention: objects=… enforce_s=… raw_s=… ratio=…
set -euo pipefail
source "$(dirname "$0")/lib.sh"
objects="${BENCH_OBJECTS:-100000}"
runs="${BENCH_RUNS:-100}"
reps="${BENCH_REPS:-3}"
per_run=$((objects / runs))
say() { echo "retention: $*" >&2; }
s3="bench-retention-$$"
bench_cleanup() { "$root/e2e/s3" down "$s3" >/dev/null 2>&1; }
bench_start retention runledger-operator runledger-capture retention_objects
tool="$build/bench/retention_objects"

"$root/e2e/s3" up "$s3" versitygw >/dev/null
"$root/e2e/s3" mkbucket "$s3" bench >/dev/null
read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY < <("$root/e2e/s3" credentials "$s3")
AWS_ENDPOINT_URL="$("$root/e2e/s3" endpoint "$s3")"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL

kubectl create namespace "$ns" >/dev/null
RUNLEDGER_BUILD_DIR="$build" "$root/e2e/operator" up "$ns" -- --namespace "$ns" \
  --leader-election-id "$ns" --kube-api-qps 500 --kube-api-burst 1000 --log-level warn \
  --s3-endpoint "$AWS_ENDPOINT_URL" >&2
kubectl apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: runledger.dev/v1alpha1
kind: Experiment
metadata: {name: bench, labels: {retention: bench}}
spec:
  artifactStore: s3://bench/artifacts
  primaryMetric: {name: val_auc, goal: maximize}
YAML

say "creating $runs runs"
MLFLOW_TRACKING_URI="http://127.0.0.1:$("$root/e2e/operator" port "$ns" tracking)" \
MLFLOW_TRACKING_TOKEN="$("$root/e2e/operator" token "$ns")" "$python" - "$runs" >"$tmp/client.out" <<'PY'
import sys, time
from mlflow import MlflowClient
client = MlflowClient()
exp = client.get_experiment_by_name("bench")
ended = int(time.time() * 1000) - 40 * 86400 * 1000
for i in range(int(sys.argv[1])):
    run = client.create_run(exp.experiment_id, run_name=f"r{i}")
    client.set_terminated(run.info.run_id, "FINISHED", end_time=ended)
    print("run_id=" + run.info.run_id, flush=True)
PY
sed -n 's/^run_id=//p' "$tmp/client.out" >"$tmp/run_ids"
deadline=$((SECONDS + 300))
until [[ "$(kubectl get tr -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' |
  grep -c Succeeded)" == "$runs" ]]; do
  ((SECONDS < deadline)) || { say "the runs never all showed Succeeded"; exit 1; }
  sleep 0.5
done

prefix="$ns/bench/"
generation=0
enforce=() raw=()
for rep in $(seq "$reps"); do
  say "rep $rep: filling $((per_run * runs)) objects"
  "$tool" fill s3://bench/artifacts "$prefix" "$tmp/run_ids" "$per_run" 8 >/dev/null
  schedule="@every $((rep + 1))h"  # Each rep a new generation: a pass at once.
  start=$(date +%s.%N)
  kubectl apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: runledger.dev/v1alpha1
kind: RetentionPolicy
metadata: {name: bench}
spec:
  experimentSelector: {matchLabels: {retention: bench}}
  schedule: "$schedule"
  safety: {maxDeletePercentPerRun: 100}
  tiers:
  - name: default
    keep: 30d
YAML
  generation=$((generation + 1))
  deadline=$((SECONDS + 1800))
  until [[ "$(kubectl get rp bench -n "$ns" -o \
    jsonpath='{.status.observedGeneration}/{.status.summary.deleted}/{.status.pass.startedAt}')" == \
    "$generation/$runs/" ]]; do
    ((SECONDS < deadline)) || { say "the pass did not finish"; exit 1; }
    sleep 0.1
  done
  end=$(date +%s.%N)
  enforce+=("$(awk "BEGIN {print $end - $start}")")
  left="$("$tool" count s3://bench/artifacts "$prefix")"
  [[ "$left" == objects=0 ]] || { say "after the pass: $left"; exit 1; }

  "$tool" fill s3://bench/artifacts "raw/$prefix" "$tmp/run_ids" "$per_run" 8 >/dev/null
  line="$("$tool" raw s3://bench/artifacts "raw/$prefix")"
  raw+=("$(sed -n 's/.*raw_s=\([0-9.]*\).*/\1/p' <<<"$line")")
  say "rep $rep: enforce_s=${enforce[-1]} raw: $line"
done

enforce_s="$(median "${enforce[@]}")"
raw_s="$(median "${raw[@]}")"
printf 'retention: objects=%d enforce_s=%.2f raw_s=%.2f ratio=%.2f\n' "$((per_run * runs))" \
  "$enforce_s" "$raw_s" "$(awk "BEGIN {print $raw_s / $enforce_s}")"
