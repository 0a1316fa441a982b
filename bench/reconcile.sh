#!/usr/bin/env bash
# bench/reconcile.sh [N] [CACHED]: how fast the operator turns N TrainingRuns
# into Running pods, against the raw writes an unthrottled client needs for
# the same end state, plus the operator's RSS with CACHED runs in its cache.
#
#   N       runs per phase (default 1000)
#   CACHED  runs in the RSS phase (default 10000; 0 skips it)
#
# Phases, on the local cluster (e2e/cluster up):
#   1. operator: namespace bench-op-<pid>, operator "bench-op" watching only
#      it with --kube-api-qps 200 --kube-api-burst 400 and OP_WORKERS (16)
#      TrainingRun workers, one Experiment, then N
#      runs created by 16 parallel `kubectl create -f` workers (BATCH
#      manifests per call). Timed from the first create until every run has
#      status.phase Running. Requests per run: the operator's
#      rest_client_requests_total delta over the phase, divided by N (also
#      by HTTP method).
#   2. raw: namespace bench-raw-<pid>, no bench operator. The same 16 workers and
#      batches create the runs, then a Job per run (the same pod template,
#      labelled runledger.dev/run), then patch each run's status to Running.
#      Timed until every pod is Running.
#   3. rss: CACHED runs in bench-rss-<pid> whose Experiment requires a tag
#      they lack (they stall; no Jobs), then an operator for that namespace; RSS is read once its
#      runledger_cache_objects_trainingruns gauge reaches CACHED and its
#      reconciles have settled.
#
# Pods carry kwok.runledger.dev/hold so they stay Running. They go to fake
# nodes this script adds (bench-kwok-<pid>-*, 250 pods each), tainted so no
# one else's pods land there; the two shared kwok nodes hold only 500 pods.
# Everything the script makes is deleted on exit.
#
# Last line:
#   reconcile: runs=… operator_s=… raw_s=… ratio=… rss_mb_10k=… requests_per_run=…
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
N="${1:-1000}"
CACHED="${2:-10000}"
WORKERS=16
BATCH="${BATCH:-25}"
QPS=200
BURST=400
# As many reconcile workers as the raw phase has clients (default 4).
OP_WORKERS="${OP_WORKERS:-16}"
OP=bench-op
id=$$
op_ns="bench-op-$id"
raw_ns="bench-raw-$id"
rss_ns="bench-rss-$id"
tmp="$(mktemp -d)"

kc() { "$root/e2e/cluster" kubectl "$@"; }
log() { echo "reconcile: $*" >&2; }
now() { date +%s.%N; }

cleanup() {
  set +e
  "$root/e2e/operator" down "$OP" >/dev/null 2>&1
  kc delete namespace "$op_ns" "$raw_ns" "$rss_ns" --ignore-not-found --wait=false >/dev/null 2>&1
  kc delete node -l "runledger.dev/bench=$id" --ignore-not-found --wait=false >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$root/e2e/cluster" up >/dev/null

# ---- fake nodes for the pods of both phases --------------------------------
nodes=$(((2 * N + 249) / 250))
for ((i = 0; i < nodes; i++)); do
  cat <<NODE
apiVersion: v1
kind: Node
metadata:
  name: bench-kwok-$id-$i
  annotations: {kwok.x-k8s.io/node: fake}
  labels: {kubernetes.io/hostname: bench-kwok-$id-$i, kubernetes.io/os: linux, type: kwok, runledger.dev/bench: "$id"}
spec:
  taints: [{key: runledger.dev/bench, value: "$id", effect: NoSchedule}]
---
NODE
done >"$tmp/nodes.yaml"
kc apply -f "$tmp/nodes.yaml" >/dev/null
deadline=$((SECONDS + 60))
until [[ "$(kc get nodes -l "runledger.dev/bench=$id" -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)" == "$nodes" ]]; do
  ((SECONDS < deadline)) || { log "bench nodes not Ready after 60s"; exit 1; }
  sleep 0.5
done
log "$nodes bench nodes Ready"

# ---- manifests ---------------------------------------------------------------
# The pod template the run carries and the raw Job copies.
pod_template() { # indent
  local p="$1"
  cat <<TPL
${p}metadata:
${p}  annotations: {kwok.runledger.dev/hold: "1"}
${p}  labels: {app.kubernetes.io/part-of: recsys}
${p}spec:
${p}  nodeSelector: {runledger.dev/bench: "$id"}
${p}  tolerations: [{key: runledger.dev/bench, operator: Equal, value: "$id", effect: NoSchedule}]
${p}  containers:
${p}  - name: trainer
${p}    image: registry.example.com/ml/ranker:2024.06
${p}    command: [python, train.py, --config, configs/lora.yaml]
TPL
}
run_yaml() { # name
  cat <<RUN
apiVersion: runledger.dev/v1alpha1
kind: TrainingRun
metadata:
  name: $1
  labels: {team: recsys}
spec:
  experimentRef: recsys-v3
  dataset: {uri: "s3://lake/events/train", snapshotId: "1234567890"}
  params: {lr: 3e-4, batch_size: 128, epochs: 3, amp: true, model: resnet50, lora_rank: 16, warmup_ratio: 0.05}
  tags: {team: recsys, task: ranking, model_family: resnet, purpose: candidate, ticket: ML-42}
  template:
RUN
  pod_template "    "
  echo "---"
}
job_yaml() { # name: the Job the operator would make, without its injections
  cat <<JOB
apiVersion: batch/v1
kind: Job
metadata:
  name: $1
  labels: {runledger.dev/run: $1, runledger.dev/experiment: recsys-v3}
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {kwok.runledger.dev/hold: "1"}
      labels: {app.kubernetes.io/part-of: recsys, runledger.dev/run: $1}
    spec:
      restartPolicy: Never
      nodeSelector: {runledger.dev/bench: "$id"}
      tolerations: [{key: runledger.dev/bench, operator: Equal, value: "$id", effect: NoSchedule}]
      containers:
      - name: trainer
        image: registry.example.com/ml/ranker:2024.06
        command: [python, train.py, --config, configs/lora.yaml]
---
JOB
}
experiment_yaml() { # [required tag the runs lack]
  cat <<EXP
apiVersion: runledger.dev/v1alpha1
kind: Experiment
metadata: {name: recsys-v3}
spec:
  primaryMetric: {name: val_auc, goal: maximize}
EXP
  [[ -n "${1:-}" ]] && echo "  requiredTags: [$1]"
  true
}

# Writes $tmp/<prefix>/<worker>/<batch>.{runs,jobs,names} for n runs named r-<i>,
# split over the workers round-robin by batch.
make_batches() { # prefix n with_jobs
  local dir="$tmp/$1" n="$2" jobs="$3" b=0 i
  mkdir -p "$dir"
  for ((w = 0; w < WORKERS; w++)); do mkdir -p "$dir/$w"; done
  for ((i = 0; i < n; i += BATCH, b++)); do
    local w=$((b % WORKERS)) f
    f="$dir/$w/$b"
    for ((j = i; j < i + BATCH && j < n; j++)); do
      run_yaml "r-$j" >>"$f.runs"
      [[ "$jobs" == 1 ]] && job_yaml "r-$j" >>"$f.jobs"
      echo "r-$j" >>"$f.names"
    done
  done
}

# 16 workers, each creating its batches of runs (and, raw, the Jobs and the
# status patches of each batch right after it).
run_workers() { # prefix ns raw
  local dir="$tmp/$1" ns="$2" raw="$3" pids=() w
  for ((w = 0; w < WORKERS; w++)); do
    (
      for f in "$dir/$w"/*.runs; do
        [[ -e "$f" ]] || continue
        base="${f%.runs}"
        kc create -n "$ns" -f "$f" >/dev/null
        if [[ "$raw" == 1 ]]; then
          kc create -n "$ns" -f "$base.jobs" >/dev/null
          # shellcheck disable=SC2046
          kc patch -n "$ns" tr $(cat "$base.names") --subresource=status --type=merge \
            -p '{"status":{"phase":"Running"}}' >/dev/null
        fi
      done
    ) &
    pids+=($!)
  done
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  return $rc
}

count_phase() { # ns resource phase
  kc get "$2" -n "$1" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' 2>/dev/null | grep -c "^$3\$" || true
}

wait_phase() { # ns resource want timeout
  local deadline=$((SECONDS + $4)) got
  while :; do
    got="$(count_phase "$1" "$2" Running)"
    [[ "$got" -ge "$3" ]] && return 0
    if ((SECONDS >= deadline)); then
      log "$1: only $got of $3 $2 Running after $4s"
      return 1
    fi
    sleep 0.5
  done
}

metric_sum() { # port name: the sum of every series of that metric
  curl -sf "http://127.0.0.1:$1/metrics" | python3 -c '
import sys
name = sys.argv[1]
total = 0.0
for line in sys.stdin:
    if line.startswith("#"):
        continue
    key, _, value = line.rstrip().rpartition(" ")
    if key == name or key.startswith(name + "{"):
        total += float(value)
print(int(total) if total == int(total) else total)' "$2"
}

by_method() { # port: "METHOD count" per method of rest_client_requests_total, all codes
  curl -sf "http://127.0.0.1:$1/metrics" | python3 -c '
import re, sys
counts = {}
for line in sys.stdin:
    m = re.match(r"rest_client_requests_total\{(.*)\} (\S+)$", line.strip())
    if not m:
        continue
    method = re.search(r"method=\"([^\"]*)\"", m.group(1)).group(1)
    counts[method] = counts.get(method, 0) + float(m.group(2))
for method, n in sorted(counts.items()):
    print(method, int(n))'
}

per_run_by_method() { # before after n: "GET 1.02, POST 3.00, ..." per run
  python3 -c '
import sys
def read(text):
    return {k: int(v) for k, v in (l.split() for l in text.splitlines() if l.strip())}
a, b, n = read(sys.argv[1]), read(sys.argv[2]), int(sys.argv[3])
print(", ".join(f"{m} {(b[m] - a.get(m, 0)) / n:.2f}" for m in sorted(b)))' "$1" "$2" "$3"
}

timeout_s=$((120 + N / 2))

# ---- 1. operator -------------------------------------------------------------
log "phase 1: operator (--kube-api-qps $QPS --kube-api-burst $BURST), $N runs, $WORKERS workers x $BATCH per kubectl call"
make_batches op "$N" 0
make_batches raw "$N" 1
kc create namespace "$op_ns" >/dev/null
"$root/e2e/operator" up "$OP" -- --namespace "$op_ns" --leader-election-id "bench-op-$id" \
  --kube-api-qps "$QPS" --kube-api-burst "$BURST" --trainingrun-workers "$OP_WORKERS" >/dev/null
port="$("$root/e2e/operator" port "$OP" metrics)"
experiment_yaml | kc apply -n "$op_ns" -f - >/dev/null
# Wait until the leader has the Experiment counted, so its startup is not timed.
deadline=$((SECONDS + 60))
until [[ -n "$(kc get experiment recsys-v3 -n "$op_ns" -o jsonpath='{.status.experimentId}' 2>/dev/null)" ]]; do
  ((SECONDS < deadline)) || { log "the operator never wrote the Experiment's status"; exit 1; }
  sleep 0.2
done
req0="$(metric_sum "$port" rest_client_requests_total)"
methods0="$(by_method "$port")"
t0="$(now)"
run_workers op "$op_ns" 0
t_created="$(now)"
wait_phase "$op_ns" tr "$N" "$timeout_s"
t1="$(now)"
op_s="$(python3 -c "print(f'{$t1 - $t0:.2f}')")"
op_create_s="$(python3 -c "print(f'{$t_created - $t0:.2f}')")"
sleep 2 # let the last status writes land before counting
req1="$(metric_sum "$port" rest_client_requests_total)"
methods_per_run="$(per_run_by_method "$methods0" "$(by_method "$port")" "$N")"
requests_per_run="$(python3 -c "print(f'{($req1 - $req0) / $N:.2f}')")"
op_rss_mb="$(python3 -c "print(f'{$(metric_sum "$port" process_resident_memory_bytes) / 1048576:.1f}')")"
jobs_made="$(kc get jobs -n "$op_ns" --no-headers 2>/dev/null | wc -l)"
pods_running="$(count_phase "$op_ns" pods Running)"
log "operator: ${op_s}s (creates done at ${op_create_s}s), $jobs_made Jobs, $pods_running pods Running, $requests_per_run requests/run, RSS ${op_rss_mb} MB"
log "operator requests per run by method: $methods_per_run"
"$root/e2e/operator" down "$OP" >/dev/null
kc delete namespace "$op_ns" --wait=false >/dev/null

# ---- 2. raw ------------------------------------------------------------------
log "phase 2: raw writes, $N runs"
kc create namespace "$raw_ns" >/dev/null
# An operator watching all namespaces (another engineer's) would launch these
# runs itself; a requirement they lack stalls them there, at one status write.
experiment_yaml bench-unlaunched | kc apply -n "$raw_ns" -f - >/dev/null
t0="$(now)"
run_workers raw "$raw_ns" 1
t_created="$(now)"
wait_phase "$raw_ns" pods "$N" "$timeout_s"
t1="$(now)"
raw_s="$(python3 -c "print(f'{$t1 - $t0:.2f}')")"
raw_create_s="$(python3 -c "print(f'{$t_created - $t0:.2f}')")"
raw_tr_running="$(count_phase "$raw_ns" tr Running)"
log "raw: ${raw_s}s (writes done at ${raw_create_s}s), $raw_tr_running runs with status Running"
kc delete namespace "$raw_ns" --wait=false >/dev/null
ratio="$(python3 -c "print(f'{$op_s / $raw_s:.2f}')")"

# ---- 3. rss ------------------------------------------------------------------
rss_mb=n/a
cache_s=n/a
if ((CACHED > 0)); then
  log "phase 3: RSS with $CACHED cached runs"
  old_batch="$BATCH"
  BATCH=100
  make_batches rss "$CACHED" 0
  BATCH="$old_batch"
  kc create namespace "$rss_ns" >/dev/null
  experiment_yaml bench-unlaunched | kc apply -n "$rss_ns" -f - >/dev/null
  t0="$(now)"
  run_workers rss "$rss_ns" 0
  log "created $CACHED runs in $(python3 -c "print(f'{$(now) - $t0:.1f}')")s"
  "$root/e2e/operator" up "$OP" -- --namespace "$rss_ns" --leader-election-id "bench-op-$id" \
    --kube-api-qps "$QPS" --kube-api-burst "$BURST" >/dev/null
  port="$("$root/e2e/operator" port "$OP" metrics)"
  t0="$(now)"
  deadline=$((SECONDS + 300))
  until [[ "$(metric_sum "$port" runledger_cache_objects_trainingruns)" -ge "$CACHED" ]]; do
    ((SECONDS < deadline)) || { log "cache never reached $CACHED"; exit 1; }
    sleep 0.5
  done
  cache_s="$(python3 -c "print(f'{$(now) - $t0:.1f}')")"
  # Each stalled run gets one status write. Read RSS
  # once the reconcile count has stopped moving (or after 300 s).
  last=-1
  deadline=$((SECONDS + 300))
  while :; do
    cur="$(metric_sum "$port" controller_runtime_reconcile_total)"
    [[ "$cur" == "$last" ]] && break
    ((SECONDS < deadline)) || break
    last="$cur"
    sleep 3
  done
  rss_bytes="$(metric_sum "$port" process_resident_memory_bytes)"
  rss_mb="$(python3 -c "print(f'{$rss_bytes / 1048576:.1f}')")"
  log "rss: ${rss_mb} MB with $(metric_sum "$port" runledger_cache_objects_trainingruns) cached runs (cache full ${cache_s}s after ready; $cur reconciles)"
  "$root/e2e/operator" down "$OP" >/dev/null
fi

printf '\n| measurement | value |\n|---|---|\n'
printf '| runs | %s (%s workers, %s manifests per kubectl call) |\n' "$N" "$WORKERS" "$BATCH"
printf '| operator (qps %s, burst %s, %s workers): first create -> all Running | %s s (creates done at %s s) |\n' "$QPS" "$BURST" "$OP_WORKERS" "$op_s" "$op_create_s"
printf '| raw writes: first create -> all pods Running | %s s (writes done at %s s) |\n' "$raw_s" "$raw_create_s"
printf '| ratio operator / raw (target <= 1.2) | %s |\n' "$ratio"
printf '| operator API requests per run | %s (%s) |\n' "$requests_per_run" "$methods_per_run"
printf '| operator RSS after phase 1 | %s MB |\n' "$op_rss_mb"
printf '| operator RSS with %s cached runs (target <= 64 MB) | %s MB |\n\n' "$CACHED" "$rss_mb"
echo "reconcile: runs=$N operator_s=$op_s raw_s=$raw_s ratio=$ratio rss_mb_10k=$rss_mb requests_per_run=$requests_per_run"
