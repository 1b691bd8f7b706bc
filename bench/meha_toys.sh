#!/usr/bin/env bash
# Runs MEHA on the toy problems in fp32 and fp64 on one device and prints a
# Markdown table from the runs' summary.json files.
#   bench/meha_toys.sh [BUILD_DIR] [DEVICE]
set -euo pipefail
build=${1:-build}
device=${2:-}
out=${OUT_DIR:-results/bench-meha-toys}
dev_args=()
[ -n "$device" ] && dev_args=(--device "$device")
for cfg in meha_toy_merely_convex meha_toy_nonconvex_1d; do
  for prec in fp32 fp64; do
    "$build/bloc" run "configs/$cfg.yaml" "${dev_args[@]}" --set precision=$prec --out "$out/$cfg-$prec" --progress none >/dev/null
  done
done
python3 - "$out" <<'PY'
import json, sys, glob, os
rows = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*", "summary.json"))):
    s = json.load(open(path))
    fin, t, c = s["final"], s["timing"], s["config"]
    metrics = ", ".join(f"{k} {v:.3g}" for k, v in fin.items() if k not in ("iteration", "F", "f"))
    rows.append(f"| {c['problem']['name']} | {c['precision']} | {fin['iteration']} | {fin['F']:.6g} | {metrics} "
                f"| {1e6*t['wall_per_iteration_s']:.1f} | {1e6*t['device_per_iteration_s']:.2f} | {t['launches_per_iteration']} |")
print(f"Device: {s['device']['name']} ({s['device']['platform']} {s['device']['driver']})\n")
print("| problem | precision | iterations | F | final metrics | wall us/iter | device us/iter | launches/iter |")
print("|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
PY
