#!/usr/bin/env bash
# The unrolled family's figures (docs/results.md, "Unrolled family (issue 4)"):
#   1. 500 outer iterations x K = 40 of IAPTT-GM on toy_iaptt_1d (constant
#      step, as the published code), three runs: process wall time and the
#      summary's loop and per-iteration times;
#   2. the shipped config that meets the bar |x - x*| < 0.01;
#   3. device memory (summary.json device_bytes) for K = 1000, all rows
#      stored vs checkpoint m = 32, on toy_iaptt_1d (n = 1) and n = 10000;
#   4. the four methods on the three toy problems.
#   bench/unrolled.sh [BUILD_DIR] [DEVICE]
set -euo pipefail
build=${1:-build}
device=${2:-}
out=${OUT_DIR:-results/bench-unrolled}
dev_args=()
[ -n "$device" ] && dev_args=(--device "$device")
run() { "$build/bloc" run "$@" "${dev_args[@]}" --progress none >/dev/null; }
mkdir -p "$out/configs"
run configs/iaptt_toy_iaptt_1d.yaml --set iterations=1 --out "$out/warmup" # program into the cache

echo "## 1. IAPTT-GM, toy_iaptt_1d, 500 x K = 40, constant step"
for i in 1 2 3; do
  t0=$(date +%s.%N)
  run configs/iaptt_toy_iaptt_1d.yaml --set solver.decay=0 --set iterations=500 --out "$out/time500-$i"
  t1=$(date +%s.%N)
  python3 - "$out/time500-$i/summary.json" "$t0" "$t1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); t = s["timing"]; f = s["final"]
print(f"process {float(sys.argv[3]) - float(sys.argv[2]):.3f} s, start-up {t['startup_seconds']:.3f} s, "
      f"loop {t['loop_wall_seconds']:.3f} s, {1e6 * t['wall_per_iteration_s']:.0f} us/iter wall, "
      f"{1e6 * t['device_per_iteration_s']:.0f} us/iter device, {t['launches_per_iteration']} launches/iter, "
      f"x_err {f['x_err']:.5f}")
PY
done

echo "## 2. configs/iaptt_toy_iaptt_1d.yaml (the bar), evaluated every iteration"
run configs/iaptt_toy_iaptt_1d.yaml --set log_every=1 --out "$out/bar"
python3 - "$out/bar" <<'PY'
import csv, json, sys
s = json.load(open(sys.argv[1] + "/summary.json")); f = s["final"]
rows = list(csv.DictReader(open(sys.argv[1] + "/trajectory.csv")))
first = min(int(r["iteration"]) for r in rows if float(r["x_err"]) < 0.01)
last = max(int(r["iteration"]) for r in rows if float(r["x_err"]) >= 0.01)
env = max(float(r["x_err"]) for r in rows if int(r["iteration"]) > 2000)
print(f"{f['iteration']} iterations: |x - x*| = {f['x_err']:.3g}, ll_gap {f['ll_gap']:.3g}; first below 0.01 at "
      f"iteration {first}, last at or above 0.01: {last}; max after 2000: {env:.4f}")
PY

echo "## 3. device memory, K = 1000"
for n in 1 10000; do
  for m in 0 32; do
    run configs/iaptt_toy_iaptt_1d.yaml --set problem.n=$n --set solver.K=1000 --set solver.checkpoint=$m \
      --set iterations=1 --set log_every=1 --out "$out/mem-iaptt-$n-$m"
    run configs/rhg_toy_nonconvex_1d.yaml --set problem.n=$n --set solver.K=1000 --set solver.checkpoint=$m \
      --set iterations=1 --set log_every=1 --out "$out/mem-rhg-$n-$m"
  done
done
python3 - "$out" <<'PY'
import json, sys
print("| solver | problem | n | stored (m = 0) | checkpoint m = 32 | launches/iter stored, m = 32 |")
print("|---|---|---|---|---|---|")
for solver, problem in (("iaptt", "toy_iaptt_1d"), ("rhg", "toy_nonconvex_1d")):
    for n in (1, 10000):
        a = json.load(open(f"{sys.argv[1]}/mem-{solver}-{n}-0/summary.json"))
        b = json.load(open(f"{sys.argv[1]}/mem-{solver}-{n}-32/summary.json"))
        print(f"| {solver} | {problem} | {n} | {a['device_bytes']:,} B | {b['device_bytes']:,} B | "
              f"{a['timing']['launches_per_iteration']}, {b['timing']['launches_per_iteration']} |")
PY

echo "## 4. the four methods"
# problem block, solver settings per method, iterations
write() { # name problem-yaml solver-yaml iterations
  printf 'problem: %s\nsolver: %s\nprecision: fp64\niterations: %s\nlog_every: 100\n' "$2" "$3" "$4" \
    > "$out/configs/$1.yaml"
}
P1='{name: toy_iaptt_1d}'
write iaptt-toy_iaptt "$P1" '{name: iaptt, K: 40, s: 5.0e-4, alpha_x: 0.1, alpha_z: 0.1, decay: 200}' 3000
write rhg-toy_iaptt "$P1" '{name: rhg, K: 40, s: 5.0e-4, alpha: 0.1, decay: 200}' 3000
write trhg-toy_iaptt "$P1" '{name: trhg, K: 40, T: 10, s: 5.0e-4, alpha: 0.1, decay: 200}' 3000
write bda-toy_iaptt "$P1" '{name: bda, K: 40, s_u: 5.0e-4, s_l: 5.0e-4, mu0: 0.5, mu_decay: 0.9, alpha: 0.1, decay: 200}' 3000
P2='{name: toy_merely_convex, n: 10}'
write iaptt-toy_merely_convex "$P2" '{name: iaptt, K: 20, s: 0.5, alpha_x: 0.5, alpha_z: 0.5}' 500
write rhg-toy_merely_convex "$P2" '{name: rhg, K: 20, s: 0.5, alpha: 0.5}' 500
write trhg-toy_merely_convex "$P2" '{name: trhg, K: 20, T: 5, s: 0.5, alpha: 0.5}' 500
write bda-toy_merely_convex "$P2" '{name: bda, K: 20, s_u: 0.5, s_l: 0.5, mu0: 0.5, mu_decay: 0.9, alpha: 0.5}' 500
P3='{name: toy_nonconvex_1d, n: 1, x0: 0, y0: 4}'
write iaptt-toy_nonconvex "$P3" '{name: iaptt, K: 20, s: 0.5, alpha_x: 0.1, alpha_z: 0.1}' 500
write rhg-toy_nonconvex "$P3" '{name: rhg, K: 20, s: 0.5, alpha: 0.1}' 500
write trhg-toy_nonconvex "$P3" '{name: trhg, K: 20, T: 5, s: 0.5, alpha: 0.1}' 500
write bda-toy_nonconvex "$P3" '{name: bda, K: 20, s_u: 0.5, s_l: 0.5, mu0: 0.5, mu_decay: 0.9, alpha: 0.1}' 500
for c in "$out"/configs/*.yaml; do
  name=$(basename "$c" .yaml)
  run "$c" --out "$out/table/$name"
done
python3 - "$out/table" <<'PY'
import json, os, sys
order = ["iaptt", "rhg", "trhg", "bda"]
print("| problem | method | iterations | x error | F | LL metric | wall us/iter | launches/iter |")
print("|---|---|---|---|---|---|---|---|")
for problem, xm, llm in (("toy_iaptt", "x_err", "ll_gap"), ("toy_merely_convex", "x_err", "ll_residual"),
                         ("toy_nonconvex", "x_rel_err", "ll_residual")):
    for m in order:
        s = json.load(open(os.path.join(sys.argv[1], f"{m}-{problem}", "summary.json")))
        f, t = s["final"], s["timing"]
        print(f"| {s['config']['problem']['name']} | {m} | {f['iteration']} | {xm} {f[xm]:.3g} | {f['F']:.6g} | "
              f"{llm} {f[llm]:.3g} | {1e6 * t['wall_per_iteration_s']:.0f} | {t['launches_per_iteration']} |")
PY
