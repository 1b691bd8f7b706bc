#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan; CMake option
# BLOC_FUZZ) and runs each for SECONDS (default 60) from the seed corpus in
# tests/fuzz/corpus/<target>/, then prints one line per target with its
# executions and crashes. Exit status 1 if any target crashed, leaked, hung
# (-timeout) or ran out of memory; the reproducers are in
# BUILD/fuzz-work/<target>/artifacts/ (copy one to tests/fuzz/regressions/
# <target>/ once fixed, so test_fuzz_corpus replays it).
#
#   scripts/fuzz.sh [SECONDS]          environment: CC (clang-14),
#                                      BLOC_FUZZ_BUILD (build-fuzz),
#                                      BLOC_FUZZ_JOBS (targets run at once: 1)
set -uo pipefail
secs=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BLOC_FUZZ_BUILD:-$root/build-fuzz}
jobs=${BLOC_FUZZ_JOBS:-1}
cc=${CC:-clang-14}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$build"
if ! CC=$cc cmake -S "$root" -B "$build" -DBLOC_FUZZ=ON -DBLOC_TESTS=OFF >"$build/fuzz-cmake.log" 2>&1 ||
   ! cmake --build "$build" -j2 >"$build/fuzz-build.log" 2>&1; then
  cat "$build/fuzz-cmake.log" "$build/fuzz-build.log" 2>/dev/null | tail -30
  echo "fuzz: FAILED to build the fuzz targets (see above)"
  exit 1
fi

targets=()
for t in config npy idx; do
  [ -x "$build/tests/fuzz/fuzz_$t" ] && targets+=("$t")
done
[ -x "$build/tests/fuzz/fuzz_idx" ] || echo "fuzz: idx target not built (host/idx.c absent on this branch)"

run_one() {
  local t=$1 work=$build/fuzz-work/$1
  rm -rf "$work/artifacts"
  mkdir -p "$work/corpus" "$work/artifacts"
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$root/tests/fuzz/corpus/$t" >"$work/log" 2>&1
  echo $? >"$work/status"
}

start=$(date +%s)
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=0
total_execs=0
for t in "${targets[@]}"; do
  work=$build/fuzz-work/$t
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  execs=${execs:-0}
  crashes=$(find "$work/artifacts" -type f | wc -l)
  status=$(cat "$work/status")
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  units=$(find "$work/corpus" -type f | wc -l)
  total_execs=$((total_execs + execs))
  verdict=ok
  if [ "$crashes" -gt 0 ] || [ "$status" -ne 0 ]; then
    verdict=FAILED
    failed=1
    grep -m 5 -E "ERROR|SUMMARY|Assertion|runtime error" "$work/log" | sed 's/^/    /'
    find "$work/artifacts" -type f | sed 's/^/    reproducer: /'
  fi
  printf 'fuzz %-6s %10d executions in %ss, %d crashes, coverage %s edges, corpus %d units: %s\n' \
    "$t" "$execs" "$secs" "$crashes" "${cov:-?}" "$units" "$verdict"
done
echo "fuzz: ${#targets[@]} targets, $total_execs executions, $(( $(date +%s) - start )) s wall: $([ $failed -eq 0 ] && echo ok || echo FAILED)"
exit $failed
