#!/usr/bin/env bash
# MEHA (per-feature Lasso weights) vs a grid search over one shared lambda on
# sparse_regression, both run by bloc on one device. The grid point is chosen
# by validation MSE; test MSE and support F1 are reported for both.
#   bench/sparse_regression_grid.sh [BUILD_DIR] [DEVICE]
set -euo pipefail
build=${1:-build}
device=${2:-}
out=${OUT_DIR:-results/bench-sparse-regression}
dev_args=()
[ -n "$device" ] && dev_args=(--device "$device")
rm -rf "$out"
lambdas=$(python3 -c "print(' '.join(f'{10**(-3 + 3*i/19):.6g}' for i in range(20)))")
for l in $lambdas; do
  "$build/bloc" run configs/sparse_regression_grid.yaml "${dev_args[@]}" --set problem.x0=$l \
    --out "$out/grid/$l" --progress none >/dev/null
done
"$build/bloc" run configs/meha_sparse_regression.yaml "${dev_args[@]}" --out "$out/meha" --progress none >/dev/null
python3 - "$out" <<'PY'
import json, sys, glob, os
out = sys.argv[1]
grid = [json.load(open(p)) for p in glob.glob(os.path.join(out, "grid", "*", "summary.json"))]
total = sum(s["timing"]["startup_seconds"] + s["timing"]["loop_wall_seconds"] for s in grid)
best = min(grid, key=lambda s: s["final"]["val_mse"])
m = json.load(open(os.path.join(out, "meha", "summary.json")))
mt = m["timing"]["startup_seconds"] + m["timing"]["loop_wall_seconds"]
print(f"Device: {m['device']['name']} ({m['device']['platform']} {m['device']['driver']})\n")
print("| method | runs x iterations | time (s) | val MSE | test MSE | nnz | support F1 |")
print("|---|---|---|---|---|---|---|")
f = best["final"]
print(f"| grid over lambda (best: {best['config']['problem']['x0']:.4g}) | {len(grid)} x {f['iteration']} | {total:.2f} | "
      f"{f['val_mse']:.4f} | {f['test_mse']:.4f} | {f['nnz']:.0f} | {f['support_f1']:.3f} |")
f = m["final"]
print(f"| MEHA, per-feature weights | 1 x {f['iteration']} | {mt:.2f} | {f['val_mse']:.4f} | {f['test_mse']:.4f} | "
      f"{f['nnz']:.0f} | {f['support_f1']:.3f} |")
PY
