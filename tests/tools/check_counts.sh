#!/bin/sh
# Runs one test executable of a BLOC_DEBUG_COUNTS build and fails if any of
# its processes (Criterion runs each test in a child) ended with OpenCL
# objects outstanding: host/cltrack.c reports those on stderr at exit, and
# Criterion does not count a child's exit status once its test has passed.
log=$(mktemp)
"$@" 2>"$log"
rc=$?
cat "$log" >&2
if grep -q "OpenCL objects outstanding at exit" "$log"; then
  echo "check_counts: OpenCL objects outstanding at exit of $1 (see above)" >&2
  rc=1
fi
rm -f "$log"
exit $rc
