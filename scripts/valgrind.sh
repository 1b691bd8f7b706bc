#!/usr/bin/env bash
# Valgrind memcheck on short `bloc run`s of an existing build (build/ or
# $BLOC_BUILD): a cold start (program compiled) with checkpoints, a warm
# start that diverges (guard, last good state written), and a resume.
# Each must show 0 errors and 0 bytes definitely lost once the driver's
# own reports are suppressed (tests/sanitizers/valgrind.supp: ld.so, PoCL,
# LLVM, ocl-icd). Prints one line per run and a summary line; exit status 1
# on any error or leak.
#
# Only the PoCL platform is loaded (OCL_ICD_VENDORS): Oclgrind's ICD brings
# its own LLVM and clang, which valgrind takes minutes to load, and the runs
# do not use it.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BLOC_BUILD:-$root/build}
bloc=$build/bloc
work=$build/valgrind
[ -x "$bloc" ] || { echo "valgrind: no $bloc (build first)"; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind: valgrind is not installed"; exit 1; }
rm -rf "$work"
mkdir -p "$work"
export BLOC_CACHE_DIR=$work/cache
if [ -f /etc/OpenCL/vendors/pocl.icd ]; then
  export OCL_ICD_VENDORS=/etc/OpenCL/vendors/pocl.icd
fi
cfg=$root/configs/meha_toy_nonconvex_1d.yaml
vg=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
    --error-exitcode=99 --num-callers=40 --suppressions="$root/tests/sanitizers/valgrind.supp")

failed=0
check() { # name, expected exit status, bloc arguments...
  local name=$1 want=$2
  shift 2
  local log=$work/$name.log t0=$(date +%s)
  "${vg[@]}" "$bloc" "$@" >"$log" 2>&1
  local rc=$? secs=$(( $(date +%s) - t0 ))
  local errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
  local lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
  local suppressed=$(sed -n 's/.*ERROR SUMMARY: .*(suppressed: \([0-9]*\) from.*/\1/p' "$log" | tail -1)
  lost=${lost:-0}
  local verdict=ok
  if [ "$rc" -ne "$want" ] || [ "${errors:-1}" != 0 ] || [ "$lost" != 0 ]; then
    verdict=FAILED
    failed=1
    grep -E "^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|[0-9,]+ bytes in)" -A12 "$log" | head -60
  fi
  printf 'valgrind %-10s exit %d (want %d), %s errors, %s bytes definitely lost, %s suppressed, %d s: %s\n' \
    "$name" "$rc" "$want" "${errors:-?}" "$lost" "${suppressed:-?}" "$secs" "$verdict"
}

check cold 0 run "$cfg" --set iterations=200 --set log_every=50 --set checkpoint_every=100 \
  --progress none --out "$work/run"
check diverge 3 run "$cfg" --set solver.variant=code --set solver.c0=2 --set iterations=300 --set log_every=100 \
  --progress none --out "$work/diverge"
check resume 0 run --resume "$work/run" --progress none
echo "valgrind: memcheck on 3 short runs: $([ $failed -eq 0 ] && echo "0 errors, 0 bytes definitely lost: ok" || echo FAILED)"
exit $failed
