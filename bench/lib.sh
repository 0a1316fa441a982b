# bench/lib.sh: sourced by the benchmarks that run the operator on the local
# cluster (tracking.sh, retention.sh).
#
#   bench_start NAME TARGET...
#     builds TARGETs optimised in $build (BUILD_DIR, default build-bench,
#     RelWithDebInfo: the project's default build type), finds e2e/python's
#     interpreter ($python), brings the cluster up and holds it, and sets
#     $ns (bench-NAME-<pid>, not yet created) and $tmp (a fresh directory).
#     On exit it calls the script's bench_cleanup (if defined), stops the
#     operator replica named $ns, deletes the namespace, releases the
#     cluster and removes $tmp.
#   median V...   the median of the numbers (the upper one of an even count)
#   kubectl ...   the cluster's pinned kubectl
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-bench}"

kubectl() { "$root/e2e/cluster" kubectl "$@"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

bench_start() {
  local name="$1"
  shift
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build" "$@" >/dev/null
  python="$("$root/e2e/python")"
  "$root/e2e/cluster" up >/dev/null
  "$root/e2e/cluster" acquire $$
  ns="bench-$name-$$"
  tmp="$(mktemp -d)"
  trap bench_finish EXIT
}

bench_finish() {
  if declare -F bench_cleanup >/dev/null; then bench_cleanup || true; fi
  "$root/e2e/operator" down "$ns" >/dev/null 2>&1 || true
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  "$root/e2e/cluster" release $$
  rm -rf "$tmp"
}
