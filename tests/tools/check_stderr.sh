#!/bin/sh
# Runs one test executable of a reliability build (BLOC_DEBUG_COUNTS or
# BLOC_SANITIZE) and fails it when any of its processes reported a fault
# on stderr at exit. Criterion runs each test in a child process and does
# not count the child's exit status once the test has passed, so two kinds
# of report would otherwise be lost:
# - host/cltrack.c: "OpenCL objects outstanding at exit" (counts build);
# - LeakSanitizer, and any other sanitizer report (sanitizer build).
log=$(mktemp)
"$@" 2>"$log"
rc=$?
cat "$log" >&2
for pattern in "OpenCL objects outstanding at exit" "ERROR: LeakSanitizer" "ERROR: AddressSanitizer" \
               "runtime error:"; do
  if grep -q "$pattern" "$log"; then
    echo "check_stderr: '$pattern' reported by a process of $1 (see above)" >&2
    rc=1
  fi
done
rm -f "$log"
exit $rc
