#!/usr/bin/env bash
# Checks the CRDs and samples against a live API server (uses $KUBECTL, default
# kubectl, and the current kubeconfig): installs crds/*.yaml, applies the valid
# samples, expects every crds/samples/invalid/*.yaml to be refused with its
# "# expect:" text in kubectl's error, then applies immutability/original.yaml
# and expects every other file there to be refused the same way.
# Usage: crds/check-samples.sh [namespace]   (namespace is created; default
# runledger-crd-check). Exits non-zero if any check fails. Leaves the CRDs
# installed and deletes the namespace at the end.
set -uo pipefail
kubectl="${KUBECTL:-kubectl}"
ns="${1:-runledger-crd-check}"
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
expect_of() { sed -n 's/^# expect: //p' "$1" | head -1; }

"$kubectl" apply -f "$dir" >/dev/null || { echo "FAIL installing CRDs"; exit 1; }
"$kubectl" wait --for condition=established --timeout=60s \
  crd/experiments.runledger.dev crd/trainingruns.runledger.dev \
  crd/retentionpolicies.runledger.dev >/dev/null || { echo "FAIL CRDs not established"; exit 1; }
"$kubectl" create namespace "$ns" >/dev/null 2>&1 || true

for f in "$dir"/samples/*.yaml; do
  if out=$("$kubectl" apply --validate=strict -n "$ns" -f "$f" 2>&1); then ok "valid   ${f#$dir/}"
  else bad "valid   ${f#$dir/}: $out"; fi
done

for f in "$dir"/samples/invalid/*.yaml; do
  want="$(expect_of "$f")"
  if out=$("$kubectl" apply -n "$ns" -f "$f" 2>&1); then
    bad "refuse  ${f#$dir/}: was accepted"
    "$kubectl" delete -n "$ns" -f "$f" --ignore-not-found >/dev/null 2>&1
  elif [[ "$out" == *"$want"* ]]; then ok "refuse  ${f#$dir/}"
  else bad "refuse  ${f#$dir/}: error lacks '$want': $out"; fi
done

imm="$dir/samples/immutability"
"$kubectl" delete -n "$ns" -f "$imm/original.yaml" --ignore-not-found >/dev/null 2>&1
if out=$("$kubectl" apply -n "$ns" -f "$imm/original.yaml" 2>&1) && [[ "$out" == *"$(expect_of "$imm/original.yaml")"* ]]; then
  ok "create  samples/immutability/original.yaml"
else bad "create  samples/immutability/original.yaml: $out"; fi
for f in "$imm"/*.yaml; do
  [[ "$f" == "$imm/original.yaml" ]] && continue
  want="$(expect_of "$f")"
  if out=$("$kubectl" apply -n "$ns" -f "$f" 2>&1); then bad "refuse  ${f#$dir/}: was accepted"
  elif [[ "$out" == *"$want"* ]]; then ok "refuse  ${f#$dir/}"
  else bad "refuse  ${f#$dir/}: error lacks '$want': $out"; fi
done

"$kubectl" delete namespace "$ns" --wait=false >/dev/null 2>&1
exit $fail
