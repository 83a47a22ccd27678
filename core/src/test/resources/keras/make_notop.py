#!/usr/bin/python3
"""Writes Keras ResNet50 *notop* weight files (the layout of
~/.keras/models/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5) with RANDOM weights, WITHOUT TensorFlow.

Needs only Debian's python3-h5py and python3-numpy. The file is what Keras's save_weights writes: root attributes
layer_names (every layer, in the model's layer order), backend and keras_version; one group per layer with a
weight_names attribute and the weights under <layer>/<weight name>. Batch-norm moving statistics are set to the
statistics of a few random calibration images, as a trained network's are, so activations stay of order one.

    /usr/bin/python3 make_notop.py                  # the test fixtures of core's KerasBackboneTest (run here)
    /usr/bin/python3 make_notop.py --full OUT.h5 [--size PX]   # true ResNet50 shapes (about 94 MB), BN statistics
                                      # calibrated at PX (default 64): for trying `train --backbone-weights OUT.h5`
                                      # without the real file

The test fixtures are a reduced-width ResNet50 (stem 2, stage widths 2-4-8-16 instead of 64-64-128-256-512, the
same 3-4-6-3 blocks and Keras geometry) so they stay small; the expected pooled features come from the NumPy forward
pass of make_fixtures.py, with caffe preprocessing (RGB -> BGR, minus the ImageNet mean, no scaling) in front.
"""
import json
import sys

import numpy as np

import make_fixtures as mf

CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68])
SMALL_WIDTHS = [2, 2, 4, 8, 16]
FULL_WIDTHS = [64, 64, 128, 256, 512]
CALIBRATION = 32


def tf2_layer_order(m):
    """The layers in tf.keras 2.x's model.layers order: in a projection block the shortcut convolution comes after
    the second ReLU, then the third convolution, the shortcut BN and the third BN (what model.summary() lists)."""
    names = [l["config"]["name"] for l in m.layers]
    out = []
    i = 0
    while i < len(names):
        n = names[i]
        if n.endswith("_0_conv") or n.startswith("res") and n.endswith("_branch1"):
            # creation order: 0_conv 0_bn 1_conv 1_bn 1_relu 2_conv 2_bn 2_relu 3_conv 3_bn add out
            block = names[i:i + 12]
            c0, b0, c1, b1, r1, c2, b2, r2, c3, b3, add, relu = block
            out += [c1, b1, r1, c2, b2, r2, c0, c3, b0, b3, add, relu]
            i += 12
        else:
            out.append(n)
            i += 1
    return out


def calibrate(m, x):
    """Sets every BN's moving mean and variance to the batch statistics of its input on images x."""
    acts = {m.input: x.astype(np.float64)}
    for name, fn, inputs in m.ops:
        a = [acts[i] for i in inputs]
        ws = dict(m.weights.get(name, []))
        if "moving_mean" in ws:
            ws["moving_mean"][:] = a[0].mean(axis=(0, 1, 2))
            ws["moving_variance"][:] = a[0].var(axis=(0, 1, 2)) + 1e-3
        acts[name] = fn(a)


def build(widths, size, scheme):
    """ResNet50 notop from a caffe-preprocessed input; returns (model, last layer)."""
    mf.RNG = np.random.default_rng(20261205)  # the same weights whatever the naming scheme
    m = mf.Model(size, "resnet50")
    x, _ = mf.resnet50(m, m.input, widths, scheme)
    calibrate(m, caffe(mf.RNG.uniform(0, 255, (CALIBRATION, size, size, 3))))
    return m, x


def caffe(rgb):
    """keras.applications.resnet50.preprocess_input: RGB -> BGR, minus the ImageNet mean, no scaling."""
    return rgb[..., ::-1] - CAFFE_MEAN_BGR


def save_weights(path, m, order, rename=None, weight_style="tf2"):
    """Keras save_weights layout. rename: layer name -> name in the file; weight_style legacy writes Keras 1's
    weight names (<layer>_W, <layer>_b, <layer>_running_mean, <layer>_running_std)."""
    import h5py
    rename = rename or {}
    legacy = {"kernel": "W", "bias": "b", "gamma": "gamma", "beta": "beta", "moving_mean": "running_mean",
              "moving_variance": "running_std"}
    with h5py.File(path, "w", libver="latest") as f:
        f.attrs["layer_names"] = np.array([rename.get(n, n).encode() for n in order])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0" if weight_style == "tf2" else b"1.2.2"
        for n in order:
            fn = rename.get(n, n)
            g = f.create_group(fn)
            ws = m.weights.get(n, [])
            if weight_style == "tf2":
                wnames = [f"{fn}/{w}:0" for w, _ in ws]
            else:
                wnames = [f"{fn}_{legacy[w]}:0" for w, _ in ws]
            g.attrs["weight_names"] = np.array([w.encode() for w in wnames], dtype="S")
            for wn, (w, arr) in zip(wnames, ws):
                g.create_dataset(wn, data=arr)


def small():
    size = 32
    m, out = build(SMALL_WIDTHS, size, "tf2")
    order = tf2_layer_order(m)
    save_weights("notop_tf2.h5", m, order)

    # the same weights under the older keras-applications names (res2a_branch2a / bn2a_branch2a), Keras 1 style
    legacy, _ = build(SMALL_WIDTHS, size, "legacy")
    save_weights("notop_legacy.h5", legacy, tf2_layer_order(legacy), weight_style="legacy")

    # the same weights under names neither scheme knows: loaded by layer order
    rename = {}
    k = 0
    for n in order:
        kind = "conv2d" if n.endswith("_conv") else "batch_normalization" if n.endswith("_bn") else None
        if kind and m.weights.get(n):
            k += 1
            rename[n] = f"{kind}_{k}"
    save_weights("notop_renamed.h5", m, order, rename=rename)

    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (2, size, size, 3)).astype(np.float64)  # 8-bit pixels, as images have
    pooled = m.forward(caffe(rgb))[out].mean(axis=(1, 2))
    with open("notop.expected.json", "w") as f:
        json.dump({"widths": SMALL_WIDTHS, "shape": list(rgb.shape),
                   "rgb": [float(v) for v in rgb.astype(np.float32).ravel()],
                   "pooled": [[float(v) for v in row] for row in pooled]}, f)


def full(path, size):
    m, _ = build(FULL_WIDTHS, size, "tf2")
    save_weights(path, m, tf2_layer_order(m))


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) in (2, 4) and args[0] == "--full" and (len(args) == 2 or args[2] == "--size"):
        # BN statistics calibrated at the size the network will see (stage 5 is 1x1 at 32 px, 2x2 at 64 px)
        full(args[1], int(args[3]) if len(args) == 4 else 64)
    elif not args:
        small()
    else:
        sys.exit("usage: make_notop.py [--full OUT.h5 [--size PX]]")
