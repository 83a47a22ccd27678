#!/usr/bin/env python3
"""The shipped default scoring pipeline (what `train` writes and `detect` runs) in PyTorch + PIL + NumPy, for the
end-to-end comparison with core/src/test/.../bench/PipelineBenchmark.java in bench/run-speed.sh. Prints one JSON line
with CPU milliseconds per image for each phase (medians of ROUNDS timed passes after one warm-up pass), images per
CPU-second, GMAC per image, GMAC per CPU-second of the network phase, and peak RSS.

Same work per image as the Java side, step by step:
- decode: PIL open, EXIF orientation, convert to RGB;
- views: the 3 x 3 grid of native 64 px patches (PatchVoting.offsets: at most grid positions per axis, never closer
  than half a patch), scaled to [0,1] and normalised with the ImageNet mean/std, CHW float32;
- cue: the Durall et al. spectral profile (luma, centred power-of-two crop <= 128 px, mean removed, Hann window,
  2-D FFT power, 64 ring means normalised by the non-DC mean, dB) plus the resampling-periodicity features
  (second differences on a centred <= 512 px luma crop, per-phase means for periods 2..8, log max/min), each part
  scored by a logistic regression;
- network: 3 ensemble members, each: fixed 5x5 SRM high-pass conv 3->9 (no bias), 4 blocks conv3x3 (no bias) - BN -
  ReLU with 2x2 max-pool between them, channels 32-64-128-256, global average pool, head Linear 512 + ReLU - BN -
  Dropout - Linear 128 + ReLU - BN - Dropout - Linear 2, softmax; eval mode under torch.inference_mode(), the
  members run one after the other on a batch of 16 images' patches (as `detect` batches); log-odds averaged over
  members, then over an image's patches, fused with the cue.
Weights are random (speed does not depend on them).

Usage: torch_pipeline.py LABEL IMAGE_DIR ROUNDS
"""
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
from PIL import Image, ImageOps
from torch import nn

BATCH = 16
SIZE = 64
GRID = 3
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(3, 1, 1)


def member(channels=(32, 64, 128, 256)):
    layers = [nn.Conv2d(3, 9, 5, padding=2, bias=False)]
    cin = 9
    for i, c in enumerate(channels):
        layers += [nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        if i < len(channels) - 1:
            layers.append(nn.MaxPool2d(2, 2))
        cin = c
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(cin, 512), nn.ReLU(inplace=True), nn.BatchNorm1d(512), nn.Dropout(0.3),
               nn.Linear(512, 128), nn.ReLU(inplace=True), nn.BatchNorm1d(128), nn.Dropout(0.2),
               nn.Linear(128, 2), nn.Softmax(dim=1)]
    net = nn.Sequential(*layers)
    for m in net.modules():  # running statistics away from their defaults, as after training
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 2.0)
    return net.eval()


def offsets(length):
    span = length - SIZE
    if span <= 0:
        return [0]
    n = min(GRID, 1 + int(np.ceil(span / (SIZE / 2.0))))
    if n == 1:
        return [span // 2]
    return [int(round(i * span / (n - 1))) for i in range(n)]


def views(rgb):
    a = np.asarray(rgb)
    h, w = a.shape[:2]
    out = []
    for y in offsets(h):
        for x in offsets(w):
            p = a[y:y + SIZE, x:x + SIZE].astype(np.float32).transpose(2, 0, 1) / 255.0
            out.append((p - MEAN) / STD)
    return out


def luma(a, x0, y0, w, h):
    c = a[y0:y0 + h, x0:x0 + w].astype(np.float64)
    return 0.299 * c[..., 0] + 0.587 * c[..., 1] + 0.114 * c[..., 2]


def spectrum(a, bins=64, crop=128):
    h, w = a.shape[:2]
    side = min(1 << (min(w, h).bit_length() - 1), crop)
    y = luma(a, (w - side) // 2, (h - side) // 2, side, side)
    y = y - y.mean()
    hann = np.sin(np.pi * (np.arange(side) + 0.5) / side) ** 2
    p = np.abs(np.fft.fft2(y * hann[:, None] * hann[None, :])) ** 2
    f = np.fft.fftfreq(side) * side
    r = np.rint(np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)).astype(np.int64)
    sums = np.bincount(r.ravel(), p.ravel())
    counts = np.bincount(r.ravel())
    ring = sums / np.maximum(counts, 1)
    norm = (p.sum() - p[0, 0]) / (p.size - 1)
    db = 10 * np.log10(ring / max(norm, 1e-30) + 1e-10)
    radii = (np.arange(bins) + 1) * (side / 2) / bins
    return np.interp(radii, np.arange(len(db)), db)


def resampling(a, max_period=8, eps=0.01, crop=512):
    h, w = a.shape[:2]
    cw, ch = min(w, crop), min(h, crop)
    y = luma(a, (w - cw) // 2, (h - ch) // 2, cw, ch)
    dx = np.abs(y[1:-1, 2:] - 2 * y[1:-1, 1:-1] + y[1:-1, :-2])
    dy = np.abs(y[2:, 1:-1] - 2 * y[1:-1, 1:-1] + y[:-2, 1:-1])
    ih, iw = dx.shape
    out = []
    for p in range(2, max_period + 1):
        pw, ph = iw // p * p, ih // p * p
        col = dx[:, :pw].reshape(ih, pw // p, p).mean(axis=(0, 1))
        row = dy[:ph].reshape(ph // p, p, iw).mean(axis=(0, 2))
        cell = (dx[:ph, :pw] + dy[:ph, :pw]).reshape(ph // p, p, pw // p, p).mean(axis=(0, 2))
        for v in (col, row, cell):
            out.append(np.log((v.max() + eps) / (v.min() + eps)))
    return np.array(out)


def main():
    label, folder, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    threads = int(os.environ.get("OMP_NUM_THREADS", "2"))
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    members = [member() for _ in range(3)]
    rng = np.random.default_rng(1)
    w_spec, w_res = rng.normal(size=64) * 0.01, rng.normal(size=21) * 0.1
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith((".jpg", ".png")))

    macs = 0
    def count(mod, inp, out):
        nonlocal macs
        if isinstance(mod, nn.Conv2d):
            macs += out.shape[2] * out.shape[3] * mod.out_channels * mod.in_channels * mod.kernel_size[0] \
                * mod.kernel_size[1]
        elif isinstance(mod, nn.Linear):
            macs += mod.in_features * mod.out_features
    hooks = [m.register_forward_hook(count) for net in members for m in net.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.inference_mode():
        for net in members:
            net(torch.zeros(1, 3, SIZE, SIZE))
    for h in hooks:
        h.remove()

    def one_pass():
        t = [0.0] * 4
        for start in range(0, len(files), BATCH):
            batch_views, counts, cues = [], [], []
            for f in files[start:start + BATCH]:
                c0 = time.process_time()
                img = Image.open(f)
                img = ImageOps.exif_transpose(img).convert("RGB")
                a = np.asarray(img)
                c1 = time.process_time()
                v = views(img)
                c2 = time.process_time()
                cue = float(spectrum(a) @ w_spec + resampling(a) @ w_res)
                c3 = time.process_time()
                batch_views += v
                counts.append(len(v))
                cues.append(cue)
                t[0] += c1 - c0
                t[1] += c2 - c1
                t[2] += c3 - c2
            c0 = time.process_time()
            x = torch.from_numpy(np.stack(batch_views))
            with torch.inference_mode():
                z = torch.zeros(x.shape[0], dtype=torch.float64)
                for net in members:
                    p = net(x).double().clamp_min(1e-7)
                    z += torch.log(p[:, 1]) - torch.log(p[:, 0])
                z /= len(members)
            zs = z.numpy()
            at, scores = 0, []
            for n, cue in zip(counts, cues):
                scores.append(1 / (1 + np.exp(-(zs[at:at + n].mean() + cue))))
                at += n
            t[3] += time.process_time() - c0
        return [1000 * v / len(files) for v in t]

    one_pass()  # warm-up
    runs = [one_pass() for _ in range(rounds)]
    med = [statistics.median(r[i] for r in runs) for i in range(4)]
    views_per_image = np.mean([len(views(Image.open(f).convert("RGB"))) for f in files[:8]])
    gmac = macs * views_per_image / 1e9
    total = sum(med)
    print(json.dumps({
        "impl": label, "images": len(files), "rounds": rounds,
        "decode_cpu_ms": round(med[0], 3), "views_cpu_ms": round(med[1], 3), "cue_cpu_ms": round(med[2], 3),
        "network_cpu_ms": round(med[3], 3), "total_cpu_ms": round(total, 3),
        "images_per_cpu_s": round(1000 / total, 3), "gmac_per_image": round(gmac, 3),
        "network_gmac_per_cpu_s": round(gmac / (med[3] / 1000), 3),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "backend": "torch %s, %d threads, mkldnn %s" % (torch.__version__, threads,
                                                         torch.backends.mkldnn.is_available()),
    }))


if __name__ == "__main__":
    main()
