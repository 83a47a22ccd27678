"""Writes N labelled benchmark images (ImageFolder: real/, fake/), sides 64-1024 px, about half JPEG and half PNG.

Content is smooth random colour fields (low-resolution noise enlarged bicubically) so files have realistic sizes;
a fixed seed makes every run write the same files."""
import multiprocessing
import os
import sys

import numpy as np
from PIL import Image


def write_one(args):
    out_dir, i, seed = args
    rng = np.random.default_rng([seed, i])
    label = "real" if i % 2 == 0 else "fake"
    w = int(rng.integers(64, 1025))
    h = int(np.clip(w * rng.uniform(0.75, 1.33), 64, 1024))
    small = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    img = Image.fromarray(small, "RGB").resize((w, h), Image.BICUBIC)
    # a little fine texture so JPEG/PNG sizes resemble photos
    noise = rng.integers(-4, 5, size=(h, w, 3), dtype=np.int16)
    arr = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    img = Image.fromarray(arr, "RGB")
    name = os.path.join(out_dir, label, "img_%06d" % i)
    if os.path.exists(name + ".jpg") or os.path.exists(name + ".png"):
        return  # image i is the same in every run (seeded by i): keep what an earlier, smaller run wrote
    if rng.random() < 0.5:
        img.save(name + ".jpg", quality=90)
    else:
        img.save(name + ".png", compress_level=6)


def main(out_dir, n, seed=1):
    for label in ("real", "fake"):
        os.makedirs(os.path.join(out_dir, label), exist_ok=True)
    with multiprocessing.Pool(os.cpu_count()) as pool:
        for _ in pool.imap_unordered(write_one, [(out_dir, i, seed) for i in range(n)], chunksize=16):
            pass


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
