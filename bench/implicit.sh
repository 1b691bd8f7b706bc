#!/usr/bin/env bash
# The implicit family's figures (docs/results.md, "Implicit family (issue 5)"):
#   1. the seven methods on quadratic, full batch: hypergrad_sq from start to
#      end (the 1e4 bar), iterations, time per iteration; TTSA with its random
#      truncation (the shipped config) and in the deterministic limit;
#   2. the estimators' bias and variance against the exact hypergradient at
#      x0, y = y*(x0) (bloc_estimators), full batch and minibatch 32;
#   3. stochastic runs on quadratic (batch 32, one instance: data_seed 0),
#      5 seeds, 1000 iterations each: median and 20-80% band of
#      hypergrad_sq, plot;
#   4. rnn_unbounded in its exploding-gradient regime (scale_rec 3): SOBA,
#      MA-SOBA, BO-REP over step sizes and seeds, table and plots.
#   bench/implicit.sh [BUILD_DIR] [DEVICE]
#   SECTIONS="1 2 3 4" chooses sections; REUSE=1 keeps existing runs of
#   sections 3 and 4 (summaries and plots only).
set -euo pipefail
build=${1:-build}
device=${2:-}
out=${OUT_DIR:-results/bench-implicit}
doc=docs/implicit
sections=${SECTIONS:-1 2 3 4}
dev_args=()
[ -n "$device" ] && dev_args=(--device "$device")
run() { "$build/bloc" run "$@" "${dev_args[@]}" --progress none >/dev/null; }
# run_to DIR ARGS...: run into DIR unless REUSE=1 and DIR holds a finished run
run_to() {
  local dir=$1; shift
  if [ "${REUSE:-0}" = 1 ] && [ -f "$dir/summary.json" ]; then return 0; fi
  run "$@" --out "$dir"
}
mkdir -p "$out" "$doc"
methods="borep aid_cg aid_neumann stocbio soba masoba ttsa"
has() { [[ " $sections " == *" $1 "* ]]; }

if has 1; then
echo "## 1. quadratic, full batch"
for m in $methods; do
  run "configs/${m}_quadratic.yaml" --out "$out/det/$m"
done
run configs/ttsa_quadratic.yaml --set solver.truncation=expected --set solver.decay=0 --set solver.eta=0.2 \
  --set iterations=300 --set log_every=50 --out "$out/det/ttsa_expected"
python3 - "$out/det" $methods ttsa_expected <<'PY'
import csv, json, os, sys
root = sys.argv[1]
print("| method | precision | iterations | hypergrad_sq start | end | decrease | wall us/iter | launches/iter |")
print("|---|---|---|---|---|---|---|---|")
for m in sys.argv[2:]:
    rows = list(csv.DictReader(open(os.path.join(root, m, "trajectory.csv"))))
    s = json.load(open(os.path.join(root, m, "summary.json")))
    a, b = float(rows[0]["hypergrad_sq"]), float(rows[-1]["hypergrad_sq"])
    name = "ttsa (truncation: expected)" if m == "ttsa_expected" else m
    print(f"| {name} | {s['config']['precision']} | {rows[-1]['iteration']} | {a:.4g} | {b:.3g} | {a / b:.2g} | "
          f"{1e6 * s['timing']['wall_per_iteration_s']:.0f} | {s['timing']['launches_per_iteration']} |")
last = [float(r["hypergrad_sq"]) for r in csv.DictReader(open(os.path.join(root, "ttsa", "trajectory.csv")))
        if int(r["iteration"]) >= 20000]
print(f"\nttsa (random truncation) from iteration 20000 to 30000: hypergrad_sq between {min(last):.3g} and {max(last):.3g}")
PY
fi

if has 2; then
echo "## 2. estimators at x0, y = y*(x0) (fp64)"
printf "| method | batch | samples | rel. bias | its std. error | rel. std | rel. rmse |\n|---|---|---|---|---|---|---|\n"
for b in 0 32; do
  for m in $methods; do
    sets=(--set precision=fp64 --set problem.batch=$b --set problem.data_seed=0)
    samples=1000
    [ "$b" = 0 ] && [ "$m" != ttsa ] && samples=20
    "$build/bloc_estimators" "configs/${m}_quadratic.yaml" "${sets[@]}" --warm 300 --samples $samples |
      awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $5, $6, $7, $8}'
  done
done
fi

if has 3; then
echo "## 3. quadratic, minibatch 32, seeds 0-4 (instance: data_seed 0)"
groups=()
for m in $methods; do
  dirs=()
  extra=(--set iterations=1000 --set log_every=25) # one budget for all
  for s in 0 1 2 3 4; do
    run_to "$out/sto/$m-$s" "configs/${m}_quadratic.yaml" --set problem.batch=32 --set problem.data_seed=0 \
      --set seed=$s "${extra[@]}"
    dirs+=("$out/sto/$m-$s")
  done
  groups+=("$m=$(IFS=,; echo "${dirs[*]}")")
done
python3 bench/plots.py convergence "$doc/quadratic_minibatch.svg" hypergrad_sq "${groups[@]}"
python3 - "$out/sto" $methods <<'PY'
import csv, os, sys
def q(v, p):
    v = sorted(v); x = p * (len(v) - 1); i = int(x); j = min(i + 1, len(v) - 1)
    return v[i] + (v[j] - v[i]) * (x - i)
root = sys.argv[1]
print("| method | iterations | hypergrad_sq start | final: median | 20% | 80% | wall s (median) |")
print("|---|---|---|---|---|---|---|")
for m in sys.argv[2:]:
    runs = [list(csv.DictReader(open(os.path.join(root, f"{m}-{s}", "trajectory.csv")))) for s in range(5)]
    end = [float(r[-1]["hypergrad_sq"]) for r in runs]
    wall = [float(r[-1]["wall_s"]) for r in runs]
    print(f"| {m} | {runs[0][-1]['iteration']} | {float(runs[0][0]['hypergrad_sq']):.4g} | {q(end, .5):.3g} | "
          f"{q(end, .2):.3g} | {q(end, .8):.3g} | {q(wall, .5):.2f} |")
PY
fi

if has 4; then
scale=${RNN_SCALE_REC:-3}
echo "## 4. rnn_unbounded, scale_rec $scale, batch 64: step sizes x seeds"
etas=${RNN_ETAS:-0.00001 0.0001 0.001 0.01 0.03}
seeds=${RNN_SEEDS:-0 1 2}
for eta in $etas; do
  for m in soba masoba borep; do
    for seed in $seeds; do
      run_to "$out/rnn/$m-$eta-$seed" "configs/${m}_rnn_unbounded.yaml" --set problem.scale_rec=$scale \
        --set solver.eta=$eta --set seed=$seed || true # exit 3 (NaN) keeps its trajectory
    done
  done
done
python3 - "$out/rnn" "$etas" "$seeds" <<'PY'
import csv, math, os, sys
root, etas, seeds = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def med(v):
    v = sorted(v); n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])
print("| eta | method | h start | h final (median) | h best (median) | ||x|| final (median) | val_acc final (median) | blown up | NaN |")
print("|---|---|---|---|---|---|---|---|---|")
for eta in etas:
    for m in ("soba", "masoba", "borep"):
        fin, best, xfin, acc, blown, nan = [], [], [], [], 0, 0
        for s in seeds:
            rows = list(csv.DictReader(open(os.path.join(root, f"{m}-{eta}-{s}", "trajectory.csv"))))
            h = [float(r["h"]) for r in rows]
            if not all(math.isfinite(float(r["F"])) for r in rows):
                nan += 1
            h0, x0, x1 = h[0], float(rows[0]["x_norm"]), float(rows[-1]["x_norm"])
            fin.append(h[-1]); best.append(min(h)); acc.append(float(rows[-1]["val_acc"])); xfin.append(x1)
            # blown up: the weights more than doubled and h = F(x, y*(x)) ended above its start
            if x1 > 2 * x0 and h[-1] > h0:
                blown += 1
        print(f"| {eta} | {m} | {h0:.4f} | {med(fin):.4f} | {med(best):.4f} | {med(xfin):.3g} | {med(acc):.3f} | "
              f"{blown} of {len(seeds)} | {nan} of {len(seeds)} |")
PY
# the plots: each METHOD:ETA over the seeds
plot=${RNN_PLOT:-soba:0.03 masoba:0.03 borep:0.03 soba:0.0001}
for metric in h:lin x_norm; do
  groups=()
  for me in $plot; do
    m=${me%%:*} eta=${me#*:} dirs=()
    for seed in $seeds; do dirs+=("$out/rnn/$m-$eta-$seed"); done
    groups+=("${m}_eta_$eta=$(IFS=,; echo "${dirs[*]}")")
  done
  python3 bench/plots.py convergence "$doc/rnn_stability_${metric%%:*}.svg" "$metric" "${groups[@]}"
done
fi
