#!/usr/bin/env bash
# Time per MEHA iteration on hyperclean (configs/meha_hyperclean.yaml: 5000
# train / 5000 validation samples, linear 784 -> 10, fp32) on the default
# device, against
#   - its roofline bound, max(bytes / bandwidth, flops / peak) summed over the
#     iteration's kernels, peaks from the device probe host/probe.c (cached per device;
#     FRESH=1 measures again), and
#   - the same algorithm in PyTorch (bench/peers/hyperclean_meha_torch.py: same
#     data, start and update rules), timed in the same run, rounds interleaved.
#   bench/hyperclean_roofline.sh [BUILD_DIR] [ROUNDS]        ITERS=30 iterations per timing
# Setup (Debian 12): apt-get install python3-torch libopenblas0-pthread
# (the peer needs OpenBLAS: with the reference BLAS PyTorch is ~10x slower).
# PyTorch runs with torch.set_num_threads(2) (and, as a check, 1), OpenBLAS
# with its default thread count (the number of cores); bloc's PoCL device
# uses every core. On a loaded machine two-thread runtimes lose whole time
# slices when one of their threads is preempted: print the load average.
set -euo pipefail
build=${1:-build}
rounds=${2:-3}
iters=${ITERS:-30}
py=/usr/bin/python3
out=${OUT_DIR:-results/bench-hyperclean-roofline}
mkdir -p "$out"
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "PyTorch not found for $py: apt-get install python3-torch libopenblas0-pthread" >&2
  exit 2
fi
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
case "$blas" in
  *openblas*) ;;
  *) echo "warning: libblas.so.3 -> $blas, not OpenBLAS: the peer will be slow (apt-get install libopenblas0-pthread)" >&2 ;;
esac
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
fresh=()
[ "${FRESH:-0}" = 1 ] && fresh=(--fresh-probe)
: > "$out/bloc.jsonl"
: > "$out/torch.jsonl"
for r in $(seq 1 "$rounds"); do
  clb=(--no-clblast)
  [ "$r" = 1 ] && clb=()
  [ "$r" = 1 ] && [ ${#fresh[@]} -gt 0 ] && clb+=("${fresh[@]}")
  "$build/bloc_bench_hyperclean" --iters "$iters" "${clb[@]}" | tee "$out/bloc-$r.txt" | tail -1 >> "$out/bloc.jsonl"
  [ "$r" = 1 ] && sed '$d' "$out/bloc-1.txt"
  for run in "manual 2" "autograd 2" "manual 1"; do
    set -- $run
    "$py" bench/peers/hyperclean_meha_torch.py --iters "$iters" --threads "$2" --mode "$1" \
      | tee "$out/torch-$1-$2-$r.txt" | tail -1 >> "$out/torch.jsonl"
  done
  [ "$r" = 1 ] && grep -v '^{' "$out/torch-manual-2-1.txt" | sed -n '1,4p'
done
"$py" - "$out" <<'PY'
import json, statistics, sys
out = sys.argv[1]
b = [json.loads(l) for l in open(f"{out}/bloc.jsonl")]
t = [json.loads(l) for l in open(f"{out}/torch.jsonl")]
med = lambda v: statistics.median(v)
bound = med([x["bound_ms"] for x in b])
wall = med([x["wall_ms"] for x in b]); dev = med([x["device_median_ms"] for x in b])
best_wall = min(x["wall_ms"] for x in b)
man = [x["ms_per_iter"] for x in t if x["mode"] == "manual" and x["threads"] == 2]
auto = [x["ms_per_iter"] for x in t if x["mode"] == "autograd" and x["threads"] == 2]
man1 = [x["ms_per_iter"] for x in t if x["mode"] == "manual" and x["threads"] == 1]
print(f"\n{len(b)} rounds of {b[0]['iters']} iterations; medians over rounds (best in brackets)")
print(f"roofline bound    {bound:8.2f} ms  ({b[0]['mflop']:.0f} MFLOP, {b[0]['mbytes']:.0f} MB per iteration; "
      f"peaks {b[0]['fma_gflops']:.0f} GFLOP/s, {b[0]['bw_gbs']:.1f} GB/s)")
idle = med([x.get("wall_idle_ms", float("nan")) for x in b])
print(f"bloc wall         {wall:8.2f} ms  [{best_wall:.2f}]  = {wall / bound:.2f}x the bound [{best_wall / bound:.2f}x]; "
      f"device idle between launches {idle:.2f} ms")
print(f"bloc device       {dev:8.2f} ms  = {dev / bound:.2f}x the bound (sum of kernel times)")
print(f"PyTorch manual, threads 2    {med(man):8.2f} ms  [{min(man):.2f}]  = {med(man) / wall:.2f}x bloc's wall time")
print(f"PyTorch autograd, threads 2  {med(auto):8.2f} ms  [{min(auto):.2f}]  = {med(auto) / wall:.2f}x bloc's wall time")
print(f"PyTorch manual, torch threads 1 (OpenBLAS still 2)  {med(man1):8.2f} ms  [{min(man1):.2f}]  = "
      f"{med(man1) / wall:.2f}x bloc's wall time")
print(f"load average at the end: {open('/proc/loadavg').read().split()[:3]}")
PY
