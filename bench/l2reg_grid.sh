#!/usr/bin/env bash
# MEHA (one ridge weight per pixel) vs a grid search over one shared lambda
# on l2reg (configs/meha_l2reg.yaml, configs/l2reg_grid.yaml: 1000 train /
# 1000 validation / 10000 test Fashion-MNIST images), both run by bloc. Every
# model is judged by its refit (the LL solved again by 1000 accelerated
# gradient steps with the hyperparameters found); the grid point is chosen
# by refit validation accuracy. MEHA runs twice: from its config's start
# (lambda = e^-7 everywhere) and from the grid's best shared lambda with
# the x step of that start's tuning (WARM_ALPHA, chosen by refit validation
# accuracy over 30, 100, 300, 1000).
#   bench/l2reg_grid.sh [BUILD_DIR] [DEVICE]
set -euo pipefail
build=${1:-build}
device=${2:-}
out=${OUT_DIR:-results/bench-l2reg}
warm_alpha=${WARM_ALPHA:-300}
dev_args=()
[ -n "$device" ] && dev_args=(--device "$device")
rm -rf "$out"
for lx in -13 -11 -9 -8 -7 -6 -5 -4 -3 -2 -1; do
  "$build/bloc" run configs/l2reg_grid.yaml "${dev_args[@]}" --set problem.x0=$lx --out "$out/grid/$lx" \
    --progress none >/dev/null
done
"$build/bloc" run configs/meha_l2reg.yaml "${dev_args[@]}" --out "$out/meha" --progress none >/dev/null
best=$(/usr/bin/python3 - "$out" <<'PY'
import glob, json, os, sys
grid = [json.load(open(p)) for p in glob.glob(os.path.join(sys.argv[1], "grid", "*", "summary.json"))]
print(max(grid, key=lambda s: s["final"]["refit_val_acc"])["config"]["problem"]["x0"])
PY
)
"$build/bloc" run configs/meha_l2reg.yaml "${dev_args[@]}" --set problem.x0="$best" --set solver.alpha="$warm_alpha" \
  --out "$out/meha_warm" --progress none >/dev/null
/usr/bin/python3 - "$out" <<'PY'
import glob, json, math, os, sys
out = sys.argv[1]
grid = [json.load(open(p)) for p in glob.glob(os.path.join(out, "grid", "*", "summary.json"))]
total = sum(s["timing"]["startup_seconds"] + s["timing"]["loop_wall_seconds"] for s in grid)
best = max(grid, key=lambda s: s["final"]["refit_val_acc"])
secs = lambda s: s["timing"]["startup_seconds"] + s["timing"]["loop_wall_seconds"]
m = json.load(open(os.path.join(out, "meha", "summary.json")))
mt = secs(m)
w = json.load(open(os.path.join(out, "meha_warm", "summary.json")))
print(f"Device: {m['device']['name']} ({m['device']['platform']} {m['device']['driver']})\n")
print("| method | runs x iterations | time (s) | refit val acc | refit test acc | val acc of y | test acc of y | lambda (geometric mean) |")
print("|---|---|---|---|---|---|---|---|")
f = best["final"]
print(f"| grid over a shared lambda (best: e^{best['config']['problem']['x0']:g}) | {len(grid)} x {f['iteration']} | "
      f"{total:.1f} | {f['refit_val_acc']:.4f} | {f['refit_test_acc']:.4f} | {f['val_acc']:.4f} | {f['test_acc']:.4f} | "
      f"{f['lambda_gmean']:.3g} |")
f = m["final"]
print(f"| MEHA, one lambda per pixel | 1 x {f['iteration']} | {mt:.1f} | {f['refit_val_acc']:.4f} | "
      f"{f['refit_test_acc']:.4f} | {f['val_acc']:.4f} | {f['test_acc']:.4f} | {f['lambda_gmean']:.3g} |")
f = w["final"]; c = w["config"]
print(f"| MEHA, one lambda per pixel, from the grid's best (e^{c['problem']['x0']:g}, alpha {c['solver']['alpha']:g}) | "
      f"{len(grid)} x {best['final']['iteration']} + 1 x {f['iteration']} | {total + secs(w):.1f} | {f['refit_val_acc']:.4f} | "
      f"{f['refit_test_acc']:.4f} | {f['val_acc']:.4f} | {f['test_acc']:.4f} | {f['lambda_gmean']:.3g} |")
PY
