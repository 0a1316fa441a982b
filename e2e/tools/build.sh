#!/usr/bin/env bash
# Builds the pinned control-plane tools (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, etcd, kwok, kwokctl) from the Go module proxy into a
# cache directory outside the checkout, keyed by the pinned versions, so every
# clone on this machine shares one build. Prints the bin directory.
#
# The kubelet stand-in (runledger-kubelet, e2e/tools/kubelet) is our own code:
# it has a cache entry of its own, keyed by its pins and its sources, linked
# into the bin directory. Changing it rebuilds only it, never the control plane.
# So does versitygw (e2e/tools/versitygw), the S3 server e2e/s3 runs, keyed
# by its go.mod/go.sum, and helm (e2e/tools/helm), which the chart's tests
# lint and render with.
#
# First build on 2 cores: about 15 minutes, 7 more for the stand-in and 4
# for versitygw; later builds reuse the cache.
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
versitygw_recipe=1
versitygw_key="$( (echo "recipe=$versitygw_recipe"; cat "$here"/versitygw/go.mod "$here"/versitygw/go.sum) |
  sha256sum | cut -c1-16)"
versitygw_dir="$cache_root/versitygw-$versitygw_key"
helm_recipe=1
helm_key="$( (echo "recipe=$helm_recipe"; cat "$here"/helm/go.mod "$here"/helm/go.sum) |
  sha256sum | cut -c1-16)"
helm_dir="$cache_root/helm-$helm_key"
helm_version="$(awk '$1 == "require" && $2 == "helm.sh/helm/v4" {print $3}' "$here/helm/go.mod")"
versitygw_version="$(awk '$2 == "github.com/versity/versitygw" {print $3}' "$here/versitygw/go.mod")"
check=false
[[ "${1:-}" == "--check" ]] && check=true

need_go() {
  # Go may be installed without being on PATH (the official tarball's place).
  command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || { echo "build.sh: Go 1.26 is needed to build the tools" >&2; exit 1; }
}

# own_tool DIR NAME MODULE PACKAGE LDFLAGS: builds NAME from PACKAGE of
# e2e/tools/MODULE into its own cache entry DIR if missing, and links it into
# $bin (replacing the link atomically: a running tool keeps its binary). Two
# checkouts with different pins or sources relink it in turn.
own_tool() {
  local dir="$1" name="$2" module="$3" pkg="$4" flags="$5"
  if [[ ! -x "$dir/$name" ]]; then
    # Only `e2e/cluster up` and `e2e/s3 up` run them: the checking commands
    # (status, kubectl, down) must keep working without them.
    $check && return 0
    mkdir -p "$dir"
    (
      flock 7
      if [[ ! -x "$dir/$name" ]]; then
        need_go
        echo "building $name ..." >&2
        (cd "$here/$module" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$flags" \
          -o "$dir/$name.tmp" "$pkg")
        mv "$dir/$name.tmp" "$dir/$name"
      fi
    ) 7>"$dir/.lock"
  fi
  touch "$dir/.lock"  # Marks the build as in use (see the clean-up below).
  if [[ "$(readlink "$bin/$name" 2>/dev/null)" != "$dir/$name" ]]; then
    ln -sfn "$dir/$name" "$bin/.$name.$$"
    mv -T "$bin/.$name.$$" "$bin/$name"
  fi
}
own_tools() {
  own_tool "$kubelet_dir" runledger-kubelet kubelet . "-s -w"
  own_tool "$versitygw_dir" versitygw versitygw github.com/versity/versitygw/cmd/versitygw \
    "-s -w -X main.Version=$versitygw_version"
  own_tool "$helm_dir" helm helm helm.sh/helm/v4/cmd/helm \
    "-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version"
}

if [[ -f "$bin/.complete" ]]; then
  touch "$bin/.complete"  # Marks the build as in use (see the clean-up below).
  own_tools
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
  own_tools
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
own_tools
# Builds for other pinned versions take about 500 MB each. Remove those no
# other checkout has used for a week (a cluster or build holds their lock).
for old in "$cache_root"/tools-*; do
  [[ "$old" == "$cache_root/tools-$key" ]] && continue
  [[ -n "$(find "$old/bin/.complete" -mtime +7 2>/dev/null)" ]] || continue
  (flock -n 9 && rm -rf "$old") 9>"$old/bin/.lock" || true
done
for old in "$cache_root"/kubelet-* "$cache_root"/versitygw-* "$cache_root"/helm-*; do
  [[ "$old" == "$kubelet_dir" || "$old" == "$versitygw_dir" || "$old" == "$helm_dir" ]] && continue
  [[ -n "$(find "$old/.lock" -mtime +7 2>/dev/null)" ]] || continue
  (flock -n 7 && rm -rf "$old") 7>"$old/.lock" || true
done
echo "$bin"
