#!/usr/bin/env bash
# The whole test suite in a sanitizer build: AddressSanitizer (with
# LeakSanitizer) and UndefinedBehaviorSanitizer, compiled by clang-14 (or
# $CC), together with the OpenCL object counts (BLOC_DEBUG_COUNTS: every
# object released, checked at each process exit) and fault injection
# (BLOC_FAULTS: tests/test_faults.c runs). Build in build-san/ (or
# $BLOC_SAN_BUILD), then ctest; prints one summary line and exits non-zero
# on any failure, sanitizer report or outstanding OpenCL object.
#
# Third-party leaks (ocl-icd, PoCL and its LLVM, Oclgrind) are suppressed by
# tests/sanitizers/lsan.supp; bloc's own code has no suppression.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BLOC_SAN_BUILD:-$root/build-san}
cc=${CC:-clang-14}
command -v "$cc" >/dev/null || cc=gcc
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitizers/ubsan.supp}

start=$(date +%s)
mkdir -p "$build"
if ! CC=$cc cmake -S "$root" -B "$build" -DBLOC_WERROR=ON -DBLOC_SANITIZE=ON -DBLOC_DEBUG_COUNTS=ON \
       -DBLOC_FAULTS=ON >"$build/sanitize-cmake.log" 2>&1 ||
   ! cmake --build "$build" -j2 >"$build/sanitize-build.log" 2>&1; then
  tail -30 "$build/sanitize-cmake.log" "$build/sanitize-build.log"
  echo "sanitize: FAILED to build ($cc, ASan+UBSan)"
  exit 1
fi
built=$(date +%s)
ctest --test-dir "$build" --output-on-failure -j2 >"$build/sanitize-ctest.log" 2>&1
rc=$?
end=$(date +%s)
grep -E "tests passed|Failed|\*\*\*|check_stderr:" "$build/sanitize-ctest.log" | tail -20
result=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$build/sanitize-ctest.log" | tail -1)
if [ $rc -ne 0 ]; then
  tail -60 "$build/sanitize-ctest.log"
fi
echo "sanitize: $cc ASan+UBSan+counts+faults: ${result:-no result}; build $((built - start)) s, tests $((end - built)) s: $([ $rc -eq 0 ] && echo ok || echo FAILED)"
exit $rc
