#!/usr/bin/env bash
# The bench report: runs `bloc bench` on a suite, convergence runs over
# seeds, renders the plots (gnuplot SVG) and writes docs/bench/README.md.
#   bench/report.sh [BUILD_DIR] [DEVICES] [PRECISIONS]
# e.g. bench/report.sh build all fp32,fp64 (every device, simulators included)
set -euo pipefail
build=${1:-build}
devices=${2:-}
precisions=${3:-fp32,fp64}
doc=docs/bench
work=${WORK_DIR:-results/bench-report}
mkdir -p "$doc/data" "$work"
dev_args=()
[ -n "$devices" ] && dev_args=(--devices "$devices")

cut -d' ' -f1-3 /proc/loadavg > "$doc/data/loadavg_before.txt"
"$build/bloc" bench bench/suites/default.txt "${dev_args[@]}" --precision "$precisions" --out "$work/bench" \
  | tee "$work/bench.txt"
cp "$work/bench/bench.csv" "$work/bench/nodes.csv" "$work/bench/bench.json" "$doc/data/"
python3 bench/plots.py bars "$doc/time_per_iteration.svg" "$doc/data/bench.csv"

# convergence over seeds (seed = the instance of the seeded problems)
groups=()
for m in meha bome vpbgd f2sa; do
  dirs=()
  for s in 0 1 2 3 4; do
    "$build/bloc" run "configs/${m}_quadratic.yaml" --set seed=$s --out "$work/conv/quadratic-$m-$s" --progress none >/dev/null
    dirs+=("$work/conv/quadratic-$m-$s")
  done
  groups+=("$m=$(IFS=,; echo "${dirs[*]}")")
done
python3 bench/plots.py convergence "$doc/convergence_quadratic.svg" hypergrad_sq "${groups[@]}"
groups=()
for m in meha bome vpbgd f2sa; do
  "$build/bloc" run "configs/${m}_toy_nonconvex_1d.yaml" --out "$work/conv/toy-$m" --progress none >/dev/null
  groups+=("$m=$work/conv/toy-$m")
done
python3 bench/plots.py convergence "$doc/convergence_toy_nonconvex_1d.svg" x_rel_err "${groups[@]}"

cut -d' ' -f1-3 /proc/loadavg > "$doc/data/loadavg_after.txt"
python3 bench/report_md.py "$doc"
echo "report: $doc/README.md"
