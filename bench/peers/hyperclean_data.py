"""The hyperclean data draw of problems/hyperclean.c, replicated bit for bit
(host/rng.c: splitmix64 counter streams; partial Fisher-Yates), so a peer
runs on exactly the samples and corrupted labels bloc uses.

    draw(seed, n_train, n_val, n_test, corruption, root) -> dict of numpy arrays
"""
import gzip
import os
import struct

import numpy as np

M64 = (1 << 64) - 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Stream:
    """bloc_rng_stream(seed, stream): draw k is mix64(mix64(seed) + stream 2^48 + k)."""

    def __init__(self, seed, stream):
        self.base = (mix64(seed & M64) + (stream << 48)) & M64
        self.k = 0

    def u64(self):
        v = mix64((self.base + self.k) & M64)
        self.k += 1
        return v

    def below(self, n):
        limit = M64 - M64 % n
        while True:
            v = self.u64()
            if v < limit:
                return v % n


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    nd = magic & 0xFF
    (m,) = struct.unpack(">I", data[:4])
    assert m == magic, f"{path}: bad magic {m:#x}"
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd)
    assert arr.size == int(np.prod(dims)), f"{path}: wrong size"
    return arr.reshape(dims)


def draw(seed=0, n_train=5000, n_val=5000, n_test=10000, corruption=0.5,
         root=os.environ.get("BLOC_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")):
    images = read_idx(os.path.join(root, "train-images-idx3-ubyte.gz"), 0x803)
    labels = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz"), 0x801)
    total = images.shape[0]
    need = n_train + n_val + n_test
    idx = list(range(total))
    r = Stream(seed, 0)
    for j in range(need):  # partial Fisher-Yates: idx[0 .. need) is the draw
        pick = j + r.below(total - j)
        idx[j], idx[pick] = idx[pick], idx[j]
    sel = np.array(idx[:need])
    X = images[sel].reshape(need, -1).astype(np.float64) / 255.0
    t = labels[sel].astype(np.int64)
    ntr = n_train
    ncorrupt = int(np.floor(corruption * ntr + 0.5))
    pos = list(range(ntr))
    rc, rl = Stream(seed, 1), Stream(seed, 2)
    noisy = t[:ntr].copy()
    clean = np.ones(ntr)
    for j in range(ncorrupt):
        pick = j + rc.below(ntr - j)
        pos[j], pos[pick] = pos[pick], pos[j]
        i = pos[j]
        noisy[i] = (t[i] + 1 + rl.below(9)) % 10
        clean[i] = 0
    return dict(A_train=X[:ntr], t_train=noisy, t_train_true=t[:ntr], clean=clean,
                A_val=X[ntr:ntr + n_val], t_val=t[ntr:ntr + n_val],
                A_test=X[ntr + n_val:], t_test=t[ntr + n_val:], index=sel)
