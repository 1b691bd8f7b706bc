#!/usr/bin/python3
"""MEHA on hyperclean in PyTorch: the peer of bench/hyperclean_roofline.sh.

Same data (hyperclean_data.py replicates bloc's seeded draw bit for bit), same
model (linear 784 -> 10 with bias, softmax CE, (mu/2)||W||^2), same start
(x = 0, y = theta = 0), same update rules as host/solvers/meha.c (paper form,
shared/spec/algorithms.md), fp32, same iteration count. Two ways to get the
gradients:
  manual    the closed forms bloc's kernels compute, in bloc's order: one GEMM
            per forward or backward pass; the LL forward at theta and y as
            one 784 x 20 GEMM, whose P = softmax - onehot (it depends on y
            and theta alone) gives, at the new x, grad_y f at y and the next
            iteration's grad_y f at theta in one 20 x 784 GEMM: 6 products
            per iteration, as bloc
  autograd  torch.autograd.grad on the objectives, as most users would write it
Prints the BLAS PyTorch uses and its thread count, then one JSON line.

    hyperclean_meha_torch.py [--iters N] [--warmup W] [--threads T] [--mode manual|autograd]
                             [--device cpu|cuda]
--device cuda runs the same steps on the GPU (timing synchronizes before and
after the timed loop), the peer of bloc on an NVIDIA GPU through OpenCL.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hyperclean_data  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--iters", type=int, default=50)
ap.add_argument("--warmup", type=int, default=5)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--mode", choices=["manual", "autograd"], default="manual")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
# configs/meha_hyperclean.yaml
for k, v in dict(alpha=1000.0, beta=0.05, eta=0.05, gamma=1.0, c0=1.0, p=0.49, mu=1e-3).items():
    ap.add_argument("--" + k, type=float, default=v)
a = ap.parse_args()

torch.set_num_threads(a.threads)
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
for line in torch.__config__.show().splitlines():
    if "BLAS" in line or "CPU capability" in line:
        print("  " + line.strip()[:200])
blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
print(f"  libblas.so.3 -> {blas}")
dev = torch.device(a.device)
if a.device == "cuda":
    print(f"  device {torch.cuda.get_device_name(0)}")
    torch.set_default_device(dev)


def sync():
    if a.device == "cuda":
        torch.cuda.synchronize()


d = hyperclean_data.draw(seed=a.seed)
f32 = torch.float32
A = torch.tensor(d["A_train"], dtype=f32, device=dev)
t = torch.tensor(d["t_train"], device=dev)
Av = torch.tensor(d["A_val"], dtype=f32, device=dev)
tv = torch.tensor(d["t_val"], device=dev)
n, nv, K = A.shape[0], Av.shape[0], 10
rows, rows_v = torch.arange(n), torch.arange(nv)


def ce_rows(Z, labels):
    return torch.logsumexp(Z, 1) - Z[torch.arange(Z.shape[0]), labels]


# ---- manual gradients (equations (1)-(6) of problems/hyperclean.cl)
def residual(Z, labels, scale):
    """R = scale (softmax(Z) - onehot), scale per row."""
    P = torch.softmax(Z, 1)
    P[torch.arange(Z.shape[0]), labels] -= 1
    return P * scale[:, None]


def grad_y_f(x, W, b):
    Z = A @ W.t() + b
    R = residual(Z, t, torch.sigmoid(x) / n)
    return R.t() @ A + a.mu * W, R.sum(0)


def grad_y_F(W, b):
    Z = Av @ W.t() + b
    R = residual(Z, tv, torch.full((nv,), 1.0 / nv))
    return R.t() @ Av, R.sum(0)


def grad_x_diff(x, W, b, tW, tb):
    """grad_x f(x, y) - grad_x f(x, theta) and P of both points: one forward
    GEMM for both."""
    Z = A @ torch.cat([W, tW]).t()
    Zy, Zt = Z[:, :K] + b, Z[:, K:] + tb
    s = torch.sigmoid(x)
    one = torch.ones(n)
    return s * (1 - s) * (ce_rows(Zy, t) - ce_rows(Zt, t)) / n, torch.cat([residual(Zy, t, one),
                                                                           residual(Zt, t, one)], 1)


def grad_y_from_P(x, P, W, tW):
    """grad_y f at y and theta from their P at the weights of x: one backward
    GEMM for both."""
    R = P * (torch.sigmoid(x) / n)[:, None]
    G = R.t() @ A
    s = R.sum(0)
    return (G[:K] + a.mu * W, s[:K]), (G[K:] + a.mu * tW, s[K:])


def step_manual(k, x, W, b, tW, tb, gt=None):
    """gt: grad_y f(x, theta) from the previous iteration (None: compute it)."""
    ick = 1.0 / (a.c0 * (k + 1) ** a.p)
    gW, gb = gt if gt is not None else grad_y_f(x, tW, tb)
    tW = tW - a.eta * (gW + (tW - W) / a.gamma)
    tb = tb - a.eta * (gb + (tb - b) / a.gamma)
    gx, P = grad_x_diff(x, W, b, tW, tb)
    x = x - a.alpha * gx  # grad_x F = 0
    gFW, gFb = grad_y_F(W, b)
    (gW, gb), gt = grad_y_from_P(x, P, W, tW)
    W = W - a.beta * (ick * gFW + gW - (W - tW) / a.gamma)
    b = b - a.beta * (ick * gFb + gb - (b - tb) / a.gamma)
    return x, W, b, tW, tb, gt


# ---- autograd
def f_obj(x, W, b):
    ce = torch.nn.functional.cross_entropy(torch.addmm(b, A, W.t()), t, reduction="none")
    return (torch.sigmoid(x) * ce).mean() + 0.5 * a.mu * (W * W).sum()


def F_obj(W, b):
    return torch.nn.functional.cross_entropy(torch.addmm(b, Av, W.t()), tv)


def step_autograd(k, x, W, b, tW, tb, gt=None):
    ick = 1.0 / (a.c0 * (k + 1) ** a.p)
    tW.requires_grad_(True)
    tb.requires_grad_(True)
    gW, gb = torch.autograd.grad(f_obj(x, tW, tb), (tW, tb))
    with torch.no_grad():
        tW = tW - a.eta * (gW + (tW - W) / a.gamma)
        tb = tb - a.eta * (gb + (tb - b) / a.gamma)
    x.requires_grad_(True)
    (gx,) = torch.autograd.grad(f_obj(x, W, b) - f_obj(x, tW, tb), (x,))  # F does not depend on x
    with torch.no_grad():
        x = x - a.alpha * gx
    W.requires_grad_(True)
    b.requires_grad_(True)
    gW, gb = torch.autograd.grad(ick * F_obj(W, b) + f_obj(x, W, b), (W, b))
    with torch.no_grad():
        W = W - a.beta * (gW - (W - tW) / a.gamma)
        b = b - a.beta * (gb - (b - tb) / a.gamma)
    return x, W.detach(), b.detach(), tW.detach(), tb.detach(), None


step = step_manual if a.mode == "manual" else step_autograd
x = torch.zeros(n)
W, b = torch.zeros(K, A.shape[1]), torch.zeros(K)
tW, tb = W.clone(), b.clone()
state = (x, W, b, tW, tb, None)
with torch.set_grad_enabled(a.mode == "autograd"):
    for k in range(a.warmup):
        state = step(k, *state)
    sync()
    t0 = time.perf_counter()
    for k in range(a.warmup, a.warmup + a.iters):
        state = step(k, *state)
    sync()
    sec = (time.perf_counter() - t0) / a.iters
x, W, b, tW, tb, _ = state
with torch.no_grad():
    Fv = F_obj(W, b).item()
    val_acc = (torch.addmm(b, Av, W.t()).argmax(1) == tv).float().mean().item()
    clean = torch.tensor(d["clean"], dtype=f32, device=dev)
    pred = (x >= 0).float()
    f1 = (2 * (pred * clean).sum() / (pred.sum() + clean.sum())).item()
print(f"{a.mode}: {1e3 * sec:.2f} ms per iteration over {a.iters} iterations (after {a.warmup}); "
      f"after {a.warmup + a.iters}: F {Fv:.6f}, val_acc {val_acc:.4f}, F1 {f1:.4f}")
print(json.dumps(dict(mode=a.mode, device=a.device, threads=torch.get_num_threads(), ms_per_iter=1e3 * sec,
                      iterations=a.warmup + a.iters, F=Fv, val_acc=val_acc, f1=f1, blas=blas)))
