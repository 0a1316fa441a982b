#!/usr/bin/env bash
# The image carries every shared library runledger-operator links against:
# each of the binary's direct dependencies (its ELF NEEDED entries) must come
# from a package the Dockerfile's runtime stage installs, or from
# debian:12-slim itself. A library added to the build but not to the
# Dockerfile would make the image fail at its first start, far from here.
#
#   tests/image_libraries.sh BINARY DOCKERFILE
set -euo pipefail
bin="$1" dockerfile="$2"

# Always in debian:12-slim: the C and C++ runtimes.
in_base=(libc6 libstdc++6 libgcc-s1)
# The package names of the runtime stage's `apt-get install` (the last FROM).
mapfile -t installed < <(awk '/^FROM /{stage = ""} {stage = stage "\n" $0} END {print stage}' "$dockerfile" |
  sed -n '/--no-install-recommends/,/&& rm /p' | tr ' \\' '\n\n' |
  grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm)$')
((${#installed[@]})) || { echo "no runtime packages found in $dockerfile" >&2; exit 1; }

missing=0
while read -r soname; do
  path="$(ldd "$bin" | awk -v so="$soname" '$1 == so {print $3}')"
  [[ -n "$path" ]] || { echo "ldd does not resolve $soname" >&2; missing=1; continue; }
  # dpkg knows a file by the path its package installed: try both sides
  # of the /lib -> /usr/lib link.
  package=""
  for p in "$path" "$(readlink -f "$path")"; do
    [[ -n "$package" ]] || package="$( (dpkg -S "$p" 2>/dev/null || true) | head -1 | cut -d: -f1)"
  done
  if [[ -z "$package" ]]; then
    echo "$soname ($path) belongs to no Debian package" >&2
    missing=1
  elif [[ " ${installed[*]} ${in_base[*]} " != *" $package "* ]]; then
    echo "$soname comes from $package, which the Dockerfile's runtime stage does not install" >&2
    missing=1
  fi
done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
((missing == 0)) && echo "every library of $(basename "$bin") is in the image (${installed[*]})"
exit "$missing"
