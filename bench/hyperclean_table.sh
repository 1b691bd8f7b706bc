#!/usr/bin/env bash
# Data hyper-cleaning table (docs/results.md, issue 6): every method
# (first-order, unrolled, implicit; METHODS picks some) from its config
# (configs/<method>_hyperclean.yaml, step sizes from bench/hyperclean_tune.sh)
# and the reference models (configs/hyperclean_naive.yaml,
# hyperclean_oracle.yaml), same data (seed 0), fp32,
# on the default device. Accuracy is the refit's (the LL solved again from
# 0 with the learned weights by 1000 accelerated gradient steps; the
# references get the same refit with their fixed weights); "gap closed" =
# (acc - naive) / (oracle - naive) on test.
#   bench/hyperclean_table.sh [BUILD_DIR] [LOG_EVERY]     (default 100: a refit every 100 iterations)
set -euo pipefail
build=${1:-build}
every=${2:-100}
out=${OUT_DIR:-results/bench-hyperclean}
methods=${METHODS:-meha f2sa bome vpbgd iaptt rhg trhg bda borep aid_cg aid_neumann soba masoba stocbio ttsa}
mkdir -p "$out"
for ref in naive oracle; do
  "$build/bloc" run "configs/hyperclean_$ref.yaml" --out "$out/$ref" --progress none > "$out/$ref.log"
done
for m in $methods; do
  "$build/bloc" run "configs/${m}_hyperclean.yaml" --set log_every="$every" --out "$out/$m" --progress none \
    > "$out/$m.log" || echo "$m: failed, see $out/$m.log"
done
/usr/bin/python3 - "$out" $methods <<'PY'
import csv, json, os, sys
out, methods = sys.argv[1], sys.argv[2:]
summ = lambda name: json.load(open(os.path.join(out, name, "summary.json")))
naive, oracle = summ("naive")["final"], summ("oracle")["final"]
lo, hi = naive["refit_test_acc"], oracle["refit_test_acc"]
s = summ(methods[0])
print(f"Device: {s['device']['name']} ({s['device']['platform']} {s['device']['driver']}), "
      f"{s['config']['precision']}, seed {s['config']['seed']}\n")
print("| model | settings | iterations | refit test acc | refit val acc | gap closed | F1 (x >= 0) "
      "| F1 (x > median) | test acc of y | 90% of the gap at | ms / iteration | loop s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for name, f in (("naive (uniform weights)", naive), ("oracle (clean samples only)", oracle)):
    print(f"| {name} | ll_prox_gd + refit | - | {f['refit_test_acc']:.4f} | {f['refit_val_acc']:.4f} | "
          f"{(f['refit_test_acc'] - lo) / (hi - lo):.0%} | - | - | {f['test_acc']:.4f} (1000 GD steps) | - | - | - |")
start = None
for m in methods:
    p = os.path.join(out, m, "summary.json")
    if not os.path.exists(p):
        print(f"| {m} | failed | | | | | | | | | | |")
        continue
    s = json.load(open(p)); f = s["final"]; t = s["timing"]; c = s["config"]["solver"]
    rows = list(csv.DictReader(open(os.path.join(out, m, "trajectory.csv"))))
    if start is None:
        start = rows[0]
    reach = next((r for r in rows[1:] if (float(r["refit_test_acc"]) - lo) >= 0.9 * (hi - lo)), None)
    ms = 1e3 * t["device_per_iteration_s"]
    at = f"{reach['iteration']} ({int(reach['iteration']) * ms / 1e3:.1f} s)" if reach else "not reached"
    settings = ", ".join(f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}"
                         for k, v in c.items() if k != "name")
    print(f"| {m} | {settings} | {f['iteration']} | {f['refit_test_acc']:.4f} | {f['refit_val_acc']:.4f} | "
          f"{(f['refit_test_acc'] - lo) / (hi - lo):.0%} | {f['f1']:.4f} | {f['f1_median']:.4f} | {f['test_acc']:.4f} | "
          f"{at} | {ms:.1f} | {t['loop_wall_seconds']:.1f} |")
if start:
    print(f"\nStart (x = 0, every weight sigma(0) = 1/2): refit test accuracy {float(start['refit_test_acc']):.4f}, "
          f"validation {float(start['refit_val_acc']):.4f}; F1 (x >= 0) {float(start['f1']):.4f}.")
print("ms / iteration: device time (median of profiled iterations); loop s: wall time of the run including "
      "the evaluations (each with its 1000-step refit) at every log point.")
PY
