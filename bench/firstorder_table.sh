#!/usr/bin/env bash
# Issue 3 table: each first-order method's final error on toy_nonconvex_1d at
# n = 1, 10, 100, 1000 and on quadratic, with iterations and time, on one device.
#   bench/firstorder_table.sh [BUILD_DIR] [DEVICE]
set -euo pipefail
build=${1:-build}
device=${2:-}
out=${OUT_DIR:-results/bench-firstorder}
dev_args=()
[ -n "$device" ] && dev_args=(--device "$device")
run() { # config tag [--set ...]
  local cfg=$1 tag=$2; shift 2
  "$build/bloc" run "configs/$cfg.yaml" "${dev_args[@]}" --out "$out/$tag" --progress none "$@" >/dev/null || true
}
for m in meha bome vpbgd f2sa; do
  for n in 1 10 100 1000; do
    run "${m}_toy_nonconvex_1d" "$m-toy_nonconvex_1d-n$n" --set problem.n=$n
  done
  [ -f "configs/${m}_quadratic.yaml" ] && run "${m}_quadratic" "$m-quadratic"
done
python3 - "$out" <<'PY'
import json, sys, glob, os, csv
def first_metric(s):
    fin = s["final"]
    keys = [k for k in fin if k not in ("iteration", "F", "f")]
    return keys[0], fin[keys[0]]
def start_metric(d, name):
    with open(os.path.join(d, "trajectory.csv")) as f:
        row = next(csv.DictReader(f))
    return float(row[name])
rows = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*", "summary.json"))):
    s = json.load(open(path)); c = s["config"]; t = s["timing"]
    name, val = first_metric(s)
    start = start_metric(os.path.dirname(path), name)
    n = c["problem"].get("n", c["problem"].get("dim_x", ""))
    rows.append((c["solver"]["name"], c["problem"]["name"], n, s["status"], s["final"]["iteration"], name, start,
                 val, 1e6 * t["wall_per_iteration_s"], t["loop_wall_seconds"]))
print(f"Device: {s['device']['name']} ({s['device']['platform']} {s['device']['driver']}), {c['precision']}\n")
print("| method | problem | n | status | iterations | metric | start | final | factor | wall us/iter | loop s |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in sorted(rows, key=lambda r: (r[1], r[0], int(r[2]) if str(r[2]).isdigit() else 0)):
    m, p, n, st, it, name, start, val, us, loop = r
    fac = f"{start/val:.3g}" if val and val == val else "-"
    print(f"| {m} | {p} | {n} | {st} | {it} | {name} | {start:.3g} | {val:.3g} | {fac} | {us:.1f} | {loop:.2f} |")
PY
