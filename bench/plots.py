#!/usr/bin/env python3
"""Plots for the bench report, rendered to SVG by gnuplot (standard library only).

  plots.py convergence OUT.svg METRIC[:lin] LABEL=DIR[,DIR...] ...
      metric vs iteration and vs wall time: median over the runs of each
      label (seeds) with the 20-80% band; one SVG with two panels; a log
      y axis, linear with METRIC:lin.
  plots.py bars OUT.svg BENCH_CSV
      time per iteration (device and wall, median with min-max range) per
      (solver, problem), one bar group per device and precision.
"""
import csv
import os
import subprocess
import sys
import tempfile


def quantile(v, q):
    v = sorted(v)
    if not v:
        return float("nan")
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def read_traj(path, metric):
    with open(os.path.join(path, "trajectory.csv")) as f:
        rows = list(csv.DictReader(f))
    return [(int(r["iteration"]), float(r["wall_s"]), float(r[metric])) for r in rows]


def gnuplot(script):
    """Runs a script whose first line sets an svg terminal; OUT.png renders with pngcairo instead."""
    out = script.split("set output '", 1)[1].split("'", 1)[0]
    if out.endswith(".png"):
        script = script.replace("set terminal svg", "set terminal pngcairo", 1).replace(" dynamic", "", 1)
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def convergence(out, metric, groups):
    metric, _, scale = metric.partition(":")
    tmp = tempfile.mkdtemp()
    series = []
    for g in groups:
        label, dirs = g.split("=", 1)
        trajs = [read_traj(d, metric) for d in dirs.split(",")]
        n = min(len(t) for t in trajs)
        path = os.path.join(tmp, label + ".dat")
        with open(path, "w") as f:
            for i in range(n):
                vals = [t[i][2] for t in trajs]
                times = [t[i][1] for t in trajs]
                f.write("%d %g %g %g %g\n" % (trajs[0][i][0], quantile(times, 0.5), quantile(vals, 0.5),
                                               quantile(vals, 0.2), quantile(vals, 0.8)))
        series.append((label, path, len(trajs)))
    plots_it = ", ".join(
        "'%s' u 1:4:5 w filledcurves fs transparent solid 0.25 noborder lc %d notitle, "
        "'%s' u 1:3 w lines lw 2 lc %d t '%s (%d runs)'" % (p, i + 1, p, i + 1, l, n)
        for i, (l, p, n) in enumerate(series))
    plots_t = ", ".join(
        "'%s' u 2:4:5 w filledcurves fs transparent solid 0.25 noborder lc %d notitle, "
        "'%s' u 2:3 w lines lw 2 lc %d t '%s'" % (p, i + 1, p, i + 1, l)
        for i, (l, p, n) in enumerate(series))
    gnuplot("""set terminal svg size 1100,420 dynamic noenhanced font 'sans,11'
set output '%s'
set multiplot layout 1,2 title '%s: median and 20-80%% band over seeds'
%s
set grid
set key top right
set xlabel 'iteration'
set ylabel '%s'
plot %s
set xlabel 'wall time (s)'
plot %s
unset multiplot
""" % (out, metric, "" if scale == "lin" else "set logscale y\nset format y '%.0e'", metric, plots_it, plots_t))


def bars(out, bench_csv):
    with open(bench_csv) as f:
        rows = list(csv.DictReader(f))
    tmp = tempfile.mkdtemp()
    dat = os.path.join(tmp, "bars.dat")
    with open(dat, "w") as f:
        for r in rows:
            name = "%s/%s %s" % (r["solver"], r["problem"], r["precision"])
            f.write("\"%s\" %g %g %g %g %g %g\n" % (
                name, 1e6 * float(r["device_s_median"]), 1e6 * float(r["device_s_min"]),
                1e6 * float(r["device_s_max"]), 1e6 * float(r["wall_s_median"]), 1e6 * float(r["wall_s_min"]),
                1e6 * float(r["wall_s_max"])))
    devices = sorted(set(r["device"] for r in rows))
    gnuplot("""set terminal svg size 1100,%d dynamic noenhanced font 'sans,11'
set output '%s'
set title 'time per iteration on %s (median, min-max over repeats)'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set logscale y
set grid ytics
set ylabel 'microseconds'
set xtics rotate by -35 left
set key top left
plot '%s' u 2:3:4:xtic(1) t 'device (profiling events)', '' u 5:6:7 t 'wall clock'
""" % (520, out, " / ".join(devices), dat))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "convergence":
        convergence(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "bars":
        bars(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
