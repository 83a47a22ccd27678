"""Reference Python loop for the scan benchmark: for every image, SHA-256 of the bytes, full decode with PIL,
conversion to RGB, and a 64-bit DCT perceptual hash (imagehash.phash, or the same algorithm inline when Debian has
no python3-imagehash package). Prints images/s."""
import hashlib
import os
import sys
import time

from PIL import Image

try:
    import imagehash

    def phash(img):
        return str(imagehash.phash(img))
    IMPL = "imagehash.phash"
except ImportError:  # bookworm ships no python3-imagehash: same algorithm as imagehash.phash (hash_size 8)
    import numpy as np
    import scipy.fftpack

    def phash(img):
        pixels = np.asarray(img.convert("L").resize((32, 32), Image.LANCZOS), dtype=np.float64)
        dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
        low = dct[:8, :8]
        bits = (low > np.median(low)).flatten()
        return "%016x" % int("".join("1" if b else "0" for b in bits), 2)
    IMPL = "inline phash (PIL + scipy, as imagehash.phash)"


def main(root):
    files = []
    for dirpath, _, names in os.walk(root):
        files.extend(os.path.join(dirpath, n) for n in names if n.lower().endswith((".jpg", ".jpeg", ".png")))
    files.sort()
    start = time.time()
    ok = 0
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        hashlib.sha256(data).hexdigest()
        try:
            with Image.open(path) as img:
                img.load()
                rgb = img.convert("RGB")
                phash(rgb)
                ok += 1
        except Exception:
            pass
    secs = time.time() - start
    print("python %s: %d files, %d decoded, %.1f s, %.1f images/s" % (IMPL, len(files), ok, secs, len(files) / secs))


if __name__ == "__main__":
    main(sys.argv[1])
