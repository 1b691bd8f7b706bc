#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets under tests/fuzz/corpus/.

config: the shipped configs and the config test files (good and bad).
npy:    small .npy images in the layouts the reader accepts (1.0, 2.0, 3.0
        headers; <f8 and <f4; 1-D and 2-D) and a few it rejects.
idx:    IDX images and labels, plain and gzip'd, and a few broken ones.
Run from the repository root: python3 tests/fuzz/make_seeds.py"""
import glob
import gzip
import os
import struct

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(root, "tests", "fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- config ---------------------------------------------------------------
for path in sorted(glob.glob(os.path.join(root, "configs", "*.yaml"))):
    write("config", os.path.basename(path), open(path, "rb").read())
for kind in ("good", "bad"):
    for path in sorted(glob.glob(os.path.join(root, "tests", "configs", kind, "*.yaml"))):
        write("config", kind + "_" + os.path.basename(path), open(path, "rb").read())
write("config", "resume_keys.yaml",
      b"problem: {name: toy_nonconvex_1d, n: 2}\nsolver: {name: meha}\niterations: 100\n"
      b"log_every: 10\ncheckpoint_every: 20\ndivergence: {blowup: 1e3}\n")


# --- npy ------------------------------------------------------------------
def npy(major, dict_text, payload):
    lenbytes = 2 if major == 1 else 4
    hl = len(dict_text) + 1
    while (8 + lenbytes + hl) % 64:
        hl += 1
    head = b"\x93NUMPY" + bytes([major, 0]) + hl.to_bytes(lenbytes, "little")
    return head + dict_text.encode() + b" " * (hl - 1 - len(dict_text)) + b"\n" + payload


f8 = lambda v: b"".join(struct.pack("<d", x) for x in v)
f4 = lambda v: b"".join(struct.pack("<f", x) for x in v)
write("npy", "f8_1d_v1.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", f8([1, -2.5, 3e10])))
write("npy", "f4_2d_v1.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                 f4([0, 1, 2, 3, 4, 5])))
write("npy", "f8_2d_v2.npy", npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f8([1, 2, 3, 4])))
write("npy", "f8_1d_v3.npy", npy(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", f8([7])))
write("npy", "f8_empty.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", b""))
write("npy", "fortran.npy", npy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1), }", f8([1, 2])))
write("npy", "int.npy", npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", f8([1, 2])))
write("npy", "3d.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }", f8([1])))
write("npy", "truncated.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", f8([1, 2])))
write("npy", "nan.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                            f8([float("nan"), float("inf")])))

# --- idx ------------------------------------------------------------------
def idx(magic, dims, data):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


images = idx(0x803, [2, 3, 3], range(18))
labels = idx(0x801, [5], [0, 9, 3, 1, 2])
write("idx", "images.idx", images)
write("idx", "labels.idx", labels)
write("idx", "images.idx.gz", gzip.compress(images, mtime=0))
write("idx", "labels.idx.gz", gzip.compress(labels, mtime=0))
write("idx", "labels_two_members.gz", gzip.compress(labels[:6], mtime=0) + gzip.compress(labels[6:], mtime=0))
write("idx", "label_range.idx", idx(0x801, [2], [3, 10]))
write("idx", "zero_dim.idx", idx(0x803, [0, 3, 3], []))
write("idx", "trailing.idx", labels + b"\x00")
write("idx", "short.idx", images[:-4])
write("idx", "bad_magic.idx", idx(0x802, [2, 2], [0, 0, 0, 0]))
