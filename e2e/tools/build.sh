#!/usr/bin/env bash
# Builds the pinned control-plane tools (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, etcd, kwok, kwokctl) from the Go module proxy into a
# cache directory outside the checkout, keyed by the pinned versions, so every
# clone on this machine shares one build. Prints the bin directory.
#
# First build on 2 cores: about 15 minutes; later builds reuse the cache.
# With --check it never builds: it prints the bin directory if the tools are
# there and otherwise fails with a message saying to run e2e/setup.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${RUNLEDGER_CACHE:-$HOME/.cache/runledger}"

# The key changes whenever a pinned version (go.mod/go.sum) or the recipe
# below does: bump `recipe` when changing how the tools are built.
recipe=1
key="$( (echo "recipe=$recipe"; cat "$here"/*/go.mod "$here"/*/go.sum) | sha256sum | cut -c1-16)"
bin="$cache_root/tools-$key/bin"
if [[ -f "$bin/.complete" ]]; then
  touch "$bin/.complete"  # Marks the build as in use (see the clean-up below).
  echo "$bin"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "the pinned Kubernetes tools are not built yet: run e2e/setup (about 15 minutes the first time)" >&2
  exit 1
fi
mkdir -p "$bin"
# Two callers (say a demo and a test run) must not build into one directory at once.
exec 9>"$bin/.lock"
flock 9
if [[ -f "$bin/.complete" ]]; then
  echo "$bin"
  exit 0
fi

# Go may be installed without being on PATH (the official tarball's place).
command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "build.sh: Go 1.26 is needed to build the tools" >&2; exit 1; }

k8s_version=v1.36.3
pkg=k8s.io/component-base/version
k8s_ldflags="-s -w -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=36 \
 -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
kwok_ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v0.8.0 \
 -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=$k8s_version"

build() { # module-dir output package ldflags
  local dir="$1" out="$2" pkg="$3" flags="$4"
  [[ -x "$bin/$out" ]] && return 0
  echo "building $out ..." >&2
  (cd "$here/$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "$flags" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
}

build etcd etcd go.etcd.io/etcd/server/v3 "-s -w"
build kwok kwok sigs.k8s.io/kwok/cmd/kwok "$kwok_ldflags"
build kwok kwokctl sigs.k8s.io/kwok/cmd/kwokctl "$kwok_ldflags"
build kubernetes kubectl k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
build kubernetes kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags"
build kubernetes kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build kubernetes kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
touch "$bin/.complete"
# Builds for other pinned versions take about 500 MB each. Remove those no
# other checkout has used for a week (a cluster or build holds their lock).
for old in "$cache_root"/tools-*; do
  [[ "$old" == "$cache_root/tools-$key" ]] && continue
  [[ -n "$(find "$old/bin/.complete" -mtime +7 2>/dev/null)" ]] || continue
  (flock -n 9 && rm -rf "$old") 9>"$old/bin/.lock" || true
done
echo "$bin"
