#!/usr/bin/env bash
# bloc on a GPU machine, the checks behind docs/results.md ("NVIDIA H100
# through OpenCL"): the test suites, the main job, hyperclean (linear and
# two-layer model, MEHA and IAPTT-GM, the naive and oracle references),
# l2reg, the CPU kernel shape for comparison, the MEHA iteration against
# its roofline and the PyTorch peer on CUDA, cross-device compare against
# every other device (PoCL on the same machine), the bench suite and the
# hyper-cleaning table of every method. Each step has a time limit; the
# whole takes about 5 minutes on an H100.
#   bench/device_check.sh [BUILD_DIR] [OUT_DIR]
#   SKIP="table bench" leaves steps out (steps: tests main runs shape roofline compare bench table)
# (a build from scripts/prefix-build.sh: source its env.sh first)
set -uo pipefail
build=${1:-build}
out=${2:-results/device-check}
b=$build/bloc
mkdir -p "$out"
step() { echo; echo "=== $* ($(date +%T))"; }
want() {
  case " ${SKIP:-} " in *" $1 "*) echo; echo "=== $1: skipped (SKIP)"; return 1 ;; esac
}
step devices
"$b" devices
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
if want tests; then
  step tests
  timeout 300 ctest --test-dir "$build" -j8 > "$out/ctest.txt" 2>&1
  echo "ctest exit $?"; grep -E "tests passed|Failed|\*\*\*" "$out/ctest.txt"
fi
if want main; then
  step main job
  timeout 60 "$b" run configs/meha_toy_nonconvex_1d.yaml --progress none --out "$out/main" | tail -4
fi
if want runs; then
  for c in meha_hyperclean meha_hyperclean_mlp iaptt_hyperclean_mlp hyperclean_mlp_naive hyperclean_mlp_oracle \
           meha_l2reg; do
    step "$c"
    timeout 120 "$b" run "configs/$c.yaml" --progress none --out "$out/$c" | tail -4
  done
fi
if want shape; then
  step "meha_hyperclean, CPU kernel shape (50 iterations)"
  BLOC_KERNEL_SHAPE=cpu timeout 120 "$b" run configs/meha_hyperclean.yaml --set iterations=50 --progress none \
    --out "$out/meha_hyperclean_cpu_shape" | tail -3
fi
if want roofline; then
  step roofline and the PyTorch peer on CUDA
  timeout 120 "$build/bloc_bench_hyperclean" --iters 200 --fresh-probe | tee "$out/roofline.txt" | tail -24
  if python3 -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then
    for m in manual autograd; do
      timeout 120 python3 bench/peers/hyperclean_meha_torch.py --iters 200 --device cuda --mode "$m" | tail -1
    done
  fi
fi
if want compare; then
  step compare across devices
  timeout 120 "$b" compare configs/meha_toy_merely_convex.yaml --devices all --precision fp32,fp64 \
    --out "$out/compare_toy" | tail -8
  for p in fp32 fp64; do
    timeout 200 "$b" compare configs/meha_hyperclean.yaml --devices all --precision $p --set iterations=100 \
      --out "$out/compare_hyperclean_$p" | tail -4
  done
fi
if want bench; then
  step bench suite
  timeout 300 "$b" bench --repeats 3 --out "$out/bench" | tail -30
fi
if want table; then
  step hyper-cleaning table
  OUT_DIR=$out/table timeout 300 bench/hyperclean_table.sh "$build" | tail -22
fi
echo; echo "results in $out"
