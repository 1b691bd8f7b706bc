#!/usr/bin/env bash
# Step-size grids for the hyperclean configs, chosen by the validation
# accuracy of the refit (refit_val_acc: the LL solved again with the learned
# weights); test accuracy is printed but never used to choose.
#   bench/hyperclean_tune.sh [BUILD_DIR]            all methods
#   METHODS="meha f2sa" bench/hyperclean_tune.sh    some
# (all: meha f2sa bome vpbgd iaptt rhg trhg bda borep aid_cg aid_neumann
# soba masoba stocbio ttsa; the default is the first-order four)
# Each grid point runs the method's config (configs/<method>_hyperclean.yaml)
# with its iterations and an evaluation at the end only. Output: one TSV row
# per run in $OUT_DIR/tune.tsv and the best row per method.
set -euo pipefail
build=${1:-build}
out=${OUT_DIR:-results/bench-hyperclean-tune}
methods=${METHODS:-meha f2sa bome vpbgd}
mkdir -p "$out"
tsv="$out/tune.tsv"
[ -f "$tsv" ] || printf "method\tsettings\trefit_val_acc\trefit_test_acc\tf1\tval_acc\ttest_acc\tseconds\n" > "$tsv"

grid() { # method -> lines of --set arguments
  case $1 in
    meha) for a in 300 1000 3000 10000; do for b in 0.02 0.05; do
            echo "solver.alpha=$a solver.beta=$b solver.eta=$b"; done; done ;;
    f2sa) for a in 300 1000 3000; do for dl in 0.01 0.1; do
            echo "solver.alpha=$a solver.delta=$dl"; done; done ;;
    bome) for s in 20000 200000 2000000 20000000; do for xi in 0.02 0.05; do
            echo "solver.x_scale=$s solver.xi=$xi"; done; done ;;
    vpbgd) for s in 20000 200000 2000000; do for r in 1 10; do
            echo "solver.x_scale=$s solver.rho0=$r"; done; done ;;
    iaptt) for a in 3000 10000 30000; do echo "solver.alpha_x=$a"; done ;;
    rhg|trhg|bda) for a in 10000 30000 100000; do echo "solver.alpha=$a"; done ;;
    borep) for e in 1 3; do echo "solver.eta=$e"; done ;;
    aid_cg|aid_neumann|stocbio|soba|masoba|ttsa)
          for e in 10000 30000; do echo "solver.eta=$e"; done ;;
  esac
}

for m in $methods; do
  while read -r settings; do
    tag=$(echo "$settings" | tr ' =' '_-')
    dir="$out/$m/$tag"
    mkdir -p "$out/$m"
    if [ ! -f "$dir/summary.json" ]; then
      sets=()
      for s in $settings; do sets+=(--set "$s"); done
      it=$(awk '/^iterations:/ {print $2}' "configs/${m}_hyperclean.yaml")
      "$build/bloc" run "configs/${m}_hyperclean.yaml" "${sets[@]}" --set log_every="$it" --out "$dir" \
        --progress none > "$dir.log" 2>&1 || { echo "$m $settings: failed ($(tail -1 "$dir.log"))"; continue; }
      /usr/bin/python3 - "$dir/summary.json" "$m" "$settings" >> "$tsv" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); f = s["final"]; t = s["timing"]
print("\t".join([sys.argv[2], sys.argv[3]] + [f"{f[k]:.4f}" for k in
      ("refit_val_acc", "refit_test_acc", "f1", "val_acc", "test_acc")] + [f"{t['loop_wall_seconds']:.1f}"]))
PY
    fi
  done < <(grid "$m")
done
column -t -s $'\t' "$tsv"
echo
echo "best by refit_val_acc:"
for m in $methods; do
  awk -F'\t' -v m="$m" '$1 == m && $3 > best { best = $3; row = $0 } END { if (row) print row }' "$tsv"
done
