#!/usr/bin/env bash
# Installs bloc's build, run and test dependencies from Debian packages.
# Does nothing when they are all present; otherwise needs root (or sudo).
# --reliability adds the tools of the reliability checks (.ci/run):
# clang-14 with libFuzzer and the sanitizer runtimes, and valgrind.
set -euo pipefail
pkgs=(build-essential cmake pkg-config
      ocl-icd-opencl-dev opencl-c-headers clinfo pocl-opencl-icd
      libclblast-dev libyaml-dev libcriterion-dev zlib1g-dev
      dataset-fashion-mnist oclgrind gnuplot-nox)
if [ "${1:-}" = "--reliability" ]; then
  pkgs+=(clang-14 libclang-rt-14-dev valgrind)
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--reliability]" >&2
  exit 2
fi
# Oclgrind (an OpenCL simulator: a second implementation for bloc compare
# and memory checks) ships its ICD file unregistered.
register_oclgrind() {
  local icd=/etc/OpenCL/vendors/oclgrind.icd lib=/usr/lib/oclgrind/liboclgrind-rt-icd.so
  [ -f "$lib" ] && [ ! -f "$icd" ] || return 0
  echo "$lib" | $sudo tee "$icd" >/dev/null
}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then register_oclgrind; exit 0; fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
register_oclgrind
