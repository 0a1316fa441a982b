#!/usr/bin/env bash
# Builds the pinned control-plane tools (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, etcd, kwok, kwokctl) from the Go module proxy into a
# cache directory outside the checkout, keyed by the pinned versions, so every
# clone on this machine shares one build. Prints the bin directory.
#
# The kubelet stand-in (runledger-kubelet, e2e/tools/kubelet) is our own code:
# it has a cache entry of its own, keyed by its pins and its sources, linked
# into the bin directory. Changing it rebuilds only it, never the control plane.
#
# First build on 2 cores: about 15 minutes, and 7 more for the stand-in;
# later builds reuse the cache.
# With --check it never builds: it prints the bin directory if the tools are
# there and otherwise fails with a message saying to run e2e/setup.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${RUNLEDGER_CACHE:-$HOME/.cache/runledger}"

# The key changes whenever a pinned version (go.mod/go.sum) or the recipe
# below does: bump `recipe` when changing how the tools are built.
recipe=1
control_plane=(etcd kubernetes kwok)
key="$( (echo "recipe=$recipe"
  for m in "${control_plane[@]}"; do cat "$here/$m/go.mod"; done
  for m in "${control_plane[@]}"; do cat "$here/$m/go.sum"; done) | sha256sum | cut -c1-16)"
bin="$cache_root/tools-$key/bin"
kubelet_recipe=1
kubelet_key="$( (echo "recipe=$kubelet_recipe"; cat "$here"/kubelet/go.mod "$here"/kubelet/go.sum "$here"/kubelet/*.go) |
  sha256sum | cut -c1-16)"
kubelet_dir="$cache_root/kubelet-$kubelet_key"
check=false
[[ "${1:-}" == "--check" ]] && check=true

need_go() {
  # Go may be installed without being on PATH (the official tarball's place).
  command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || { echo "build.sh: Go 1.26 is needed to build the tools" >&2; exit 1; }
}

# Builds runledger-kubelet into its own cache entry if missing and links it
# into $bin (replacing the link atomically: a running stand-in keeps its
# binary). Two checkouts with different stand-in sources relink it in turn.
kubelet() {
  if [[ ! -x "$kubelet_dir/runledger-kubelet" ]]; then
    # Only `e2e/cluster up` runs it: the checking commands (status, kubectl,
    # down) must keep working without it.
    $check && return 0
    mkdir -p "$kubelet_dir"
    (
      flock 7
      if [[ ! -x "$kubelet_dir/runledger-kubelet" ]]; then
        need_go
        echo "building runledger-kubelet ..." >&2
        (cd "$here/kubelet" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" \
          -o "$kubelet_dir/runledger-kubelet.tmp" .)
        mv "$kubelet_dir/runledger-kubelet.tmp" "$kubelet_dir/runledger-kubelet"
      fi
    ) 7>"$kubelet_dir/.lock"
  fi
  touch "$kubelet_dir/.lock"  # Marks the build as in use (see the clean-up below).
  if [[ "$(readlink "$bin/runledger-kubelet" 2>/dev/null)" != "$kubelet_dir/runledger-kubelet" ]]; then
    ln -sfn "$kubelet_dir/runledger-kubelet" "$bin/.runledger-kubelet.$$"
    mv -T "$bin/.runledger-kubelet.$$" "$bin/runledger-kubelet"
  fi
}

if [[ -f "$bin/.complete" ]]; then
  touch "$bin/.complete"  # Marks the build as in use (see the clean-up below).
  kubelet
  echo "$bin"
  exit 0
fi
if $check; then
  echo "the pinned Kubernetes tools are not built yet: run e2e/setup (about 15 minutes the first time)" >&2
  exit 1
fi
mkdir -p "$bin"
# Two callers (say a demo and a test run) must not build into one directory at once.
exec 9>"$bin/.lock"
flock 9
if [[ -f "$bin/.complete" ]]; then
  kubelet
  echo "$bin"
  exit 0
fi
need_go

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
kubelet
# Builds for other pinned versions take about 500 MB each. Remove those no
# other checkout has used for a week (a cluster or build holds their lock).
for old in "$cache_root"/tools-*; do
  [[ "$old" == "$cache_root/tools-$key" ]] && continue
  [[ -n "$(find "$old/bin/.complete" -mtime +7 2>/dev/null)" ]] || continue
  (flock -n 9 && rm -rf "$old") 9>"$old/bin/.lock" || true
done
for old in "$cache_root"/kubelet-*; do
  [[ "$old" == "$kubelet_dir" ]] && continue
  [[ -n "$(find "$old/.lock" -mtime +7 2>/dev/null)" ]] || continue
  (flock -n 7 && rm -rf "$old") 7>"$old/.lock" || true
done
echo "$bin"
