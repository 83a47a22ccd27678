#!/usr/bin/env python3
"""Writes N JPEG (q90) images of exactly SIDE x SIDE px into DIR for the end-to-end pipeline benchmark: smooth
random colour fields with fine noise, so the files and the decoder's work resemble photos'. Seeded: every run
writes the same files. Usage: gen_photos.py DIR N SIDE"""
import os
import sys

import numpy as np
from PIL import Image


def main(out_dir, n, side):
    os.makedirs(out_dir, exist_ok=True)
    for i in range(n):
        name = os.path.join(out_dir, "photo_%04d_%d.jpg" % (i, side))
        if os.path.exists(name):
            continue
        rng = np.random.default_rng([side, i])
        small = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
        img = Image.fromarray(small, "RGB").resize((side, side), Image.BICUBIC)
        noise = rng.integers(-6, 7, size=(side, side, 3), dtype=np.int16)
        arr = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
        Image.fromarray(arr, "RGB").save(name, quality=90)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
