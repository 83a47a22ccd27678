#!/usr/bin/python3
"""Writes the Keras-format test fixtures of core's KerasImportTest WITHOUT TensorFlow.

Needs only Debian's python3-h5py and python3-numpy (apt-get install -y python3-h5py python3-numpy). Each model is
written in the tf.keras 2.x HDF5 layout (root attributes keras_version, backend, model_config; weights under
model_weights/<layer>/<layer>/<name>:0 with weight_names attributes), with random weights from a fixed seed, and the
expected outputs come from a NumPy forward pass written here (NHWC, Keras geometry: TF 'same' padding, explicit
ZeroPadding2D, BN epsilon from the config). Run from this folder: /usr/bin/python3 make_fixtures.py
"""
import json
import zipfile

import h5py
import numpy as np

RNG = np.random.default_rng(20261204)
KERAS_VERSION = "2.15.0"


class Model:
    """A tf.keras 2.x functional model under construction: layer configs, weights and a NumPy forward pass."""

    def __init__(self, size, name="model"):
        self.name = name
        self.layers = []
        self.weights = {}  # layer -> [(weight name, array)]
        self.ops = []  # (layer name, fn(inputs) -> output, input names)
        self.input = "input_1"
        self.layers.append({"class_name": "InputLayer", "config": {
            "batch_input_shape": [None, size, size, 3], "dtype": "float32", "sparse": False, "ragged": False,
            "name": self.input}, "name": self.input, "inbound_nodes": []})
        self.size = size

    def add(self, cls, name, inputs, config, fn, weights=()):
        config = dict(config)
        config.update({"name": name, "trainable": True, "dtype": "float32"})
        inputs = [inputs] if isinstance(inputs, str) else inputs
        self.layers.append({"class_name": cls, "config": config, "name": name,
                            "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]]})
        self.weights[name] = list(weights)
        self.ops.append((name, fn, inputs))
        return name

    # ---- layers -------------------------------------------------------------------------------------------------
    def conv(self, name, x, filters, k, stride=1, padding="valid", cin=None, groups=1):
        w = RNG.normal(0, np.sqrt(2.0 / (k * k * cin)), (k, k, cin // groups, filters)).astype(np.float32)
        b = RNG.normal(0, 0.05, filters).astype(np.float32)
        cfg = {"filters": filters, "kernel_size": [k, k], "strides": [stride, stride], "padding": padding,
               "data_format": "channels_last", "dilation_rate": [1, 1], "groups": groups, "activation": "linear",
               "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
               "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
               "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
               "bias_constraint": None}
        return self.add("Conv2D", name, x, cfg, lambda a: conv2d(a[0], w, b, stride, padding),
                        [("kernel", w), ("bias", b)])

    def bn(self, name, x, c, eps=1.001e-5):
        gamma = RNG.uniform(0.5, 1.5, c).astype(np.float32)
        beta = RNG.normal(0, 0.1, c).astype(np.float32)
        mean = RNG.normal(0, 0.1, c).astype(np.float32)
        var = RNG.uniform(0.5, 1.5, c).astype(np.float32)
        cfg = {"axis": [3] if not name.startswith("head") else [1], "momentum": 0.99, "epsilon": eps, "center": True,
               "scale": True, "beta_initializer": {"class_name": "Zeros", "config": {}},
               "gamma_initializer": {"class_name": "Ones", "config": {}},
               "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
               "moving_variance_initializer": {"class_name": "Ones", "config": {}},
               "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}
        fn = lambda a: (a[0] - mean) / np.sqrt(var.astype(np.float64) + eps) * gamma + beta
        return self.add("BatchNormalization", name, x, cfg, fn,
                        [("gamma", gamma), ("beta", beta), ("moving_mean", mean), ("moving_variance", var)])

    def relu(self, name, x):
        return self.add("Activation", name, x, {"activation": "relu"}, lambda a: np.maximum(a[0], 0))

    def zero_pad(self, name, x, p):
        return self.add("ZeroPadding2D", name, x, {"padding": [[p, p], [p, p]], "data_format": "channels_last"},
                        lambda a: np.pad(a[0], ((0, 0), (p, p), (p, p), (0, 0))))

    def max_pool(self, name, x, k, s):
        return self.add("MaxPooling2D", name, x, {"pool_size": [k, k], "padding": "valid", "strides": [s, s],
                                                  "data_format": "channels_last"}, lambda a: max_pool(a[0], k, s))

    def add_(self, name, xs):
        return self.add("Add", name, xs, {}, lambda a: a[0] + a[1])

    def gap(self, name, x):
        return self.add("GlobalAveragePooling2D", name, x, {"data_format": "channels_last", "keepdims": False},
                        lambda a: a[0].mean(axis=(1, 2)))

    def concat(self, name, xs):
        return self.add("Concatenate", name, xs, {"axis": -1}, lambda a: np.concatenate(a, axis=-1))

    def dense(self, name, x, cin, units, activation="linear"):
        w = RNG.normal(0, np.sqrt(1.0 / cin), (cin, units)).astype(np.float32)
        b = RNG.normal(0, 0.1, units).astype(np.float32)
        cfg = {"units": units, "activation": activation, "use_bias": True,
               "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
               "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
               "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
               "bias_constraint": None}
        act = {"linear": lambda z: z, "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
               "softmax": lambda z: np.exp(z - z.max(-1, keepdims=True)) / np.exp(z - z.max(-1, keepdims=True))
               .sum(-1, keepdims=True), "relu": lambda z: np.maximum(z, 0)}[activation]
        return self.add("Dense", name, x, cfg, lambda a: act(a[0] @ w + b), [("kernel", w), ("bias", b)])

    def dropout(self, name, x, rate):
        return self.add("Dropout", name, x, {"rate": rate, "noise_shape": None, "seed": None}, lambda a: a[0])

    def rescaling(self, name, x, scale, offset):
        return self.add("Rescaling", name, x, {"scale": scale, "offset": offset}, lambda a: a[0] * scale + offset)

    def random_flip(self, name, x):
        return self.add("RandomFlip", name, x, {"mode": "horizontal", "seed": None}, lambda a: a[0])

    def raw(self, cls, name, x, cfg):
        return self.add(cls, name, x, cfg, lambda a: a[0])

    # ---- output -------------------------------------------------------------------------------------------------
    def forward(self, x, upto=None):
        acts = {self.input: x.astype(np.float64)}
        for name, fn, inputs in self.ops:
            acts[name] = fn([acts[i] for i in inputs])
            if name == upto:
                break
        return acts

    def config(self, output):
        if self.name == "sequential":  # layers in order, no graph wiring
            layers = [{"class_name": l["class_name"], "config": l["config"]} for l in self.layers]
            return {"class_name": "Sequential", "config": {"name": self.name, "layers": layers},
                    "keras_version": KERAS_VERSION, "backend": "tensorflow"}
        return {"class_name": "Functional", "config": {"name": self.name, "trainable": True, "layers": self.layers,
                                                      "input_layers": [[self.input, 0, 0]],
                                                      "output_layers": [[output, 0, 0]]},
                "keras_version": KERAS_VERSION, "backend": "tensorflow"}

    def save(self, path, output, keras_version=KERAS_VERSION, model_config=True, config=None):
        with h5py.File(path, "w", libver="earliest") as f:
            f.attrs["keras_version"] = keras_version.encode()
            f.attrs["backend"] = b"tensorflow"
            if model_config:
                f.attrs["model_config"] = json.dumps(config or self.config(output)).encode()
            mw = f.create_group("model_weights")
            names = [l["config"]["name"] for l in self.layers]
            mw.attrs["layer_names"] = np.array([n.encode() for n in names])
            mw.attrs["backend"] = b"tensorflow"
            mw.attrs["keras_version"] = keras_version.encode()
            for n in names:
                g = mw.create_group(n)
                ws = self.weights.get(n, [])
                g.attrs["weight_names"] = np.array([f"{n}/{w}:0".encode() for w, _ in ws], dtype="S")
                if ws:
                    inner = g.create_group(n)
                    for w, arr in ws:
                        inner.create_dataset(f"{w}:0", data=arr)


def conv2d(x, w, b, stride, padding):
    k = w.shape[0]
    n, h, wd, c = x.shape
    if padding == "same":
        oh = -(-h // stride)
        ow = -(-wd // stride)
        ph = max((oh - 1) * stride + k - h, 0)
        pw = max((ow - 1) * stride + k - wd, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh = (h - k) // stride + 1
        ow = (wd - k) // stride + 1
    out = np.zeros((n, oh, ow, w.shape[3]))
    for i in range(k):
        for j in range(k):
            patch = x[:, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride, :]
            out += patch @ w[i, j].astype(np.float64)
    return out + b


def max_pool(x, k, s):
    n, h, w, c = x.shape
    oh = (h - k) // s + 1
    ow = (w - k) // s + 1
    out = np.full((n, oh, ow, c), -np.inf)
    for i in range(k):
        for j in range(k):
            out = np.maximum(out, x[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s, :])
    return out


def resnet50(m, x, widths, names="tf2"):
    """ResNet50 notop with Keras geometry (bottlenecks 3-4-6-3) at tiny widths; returns (last layer, channels)."""
    x = m.zero_pad("conv1_pad", x, 3)
    x = m.conv(name("conv1_conv", names), x, widths[0], 7, 2, "valid", cin=3)
    x = m.bn(name("conv1_bn", names), x, widths[0])
    x = m.relu("conv1_relu", x)
    x = m.zero_pad("pool1_pad", x, 1)
    x = m.max_pool("pool1_pool", x, 3, 2)
    cin = widths[0]
    for stage, blocks in zip(range(2, 6), (3, 4, 6, 3)):
        f = widths[stage - 1]
        for blk in range(1, blocks + 1):
            p = f"conv{stage}_block{blk}"
            stride = 2 if (blk == 1 and stage > 2) else 1
            if blk == 1:
                sc = m.conv(name(p + "_0_conv", names), x, 4 * f, 1, stride, cin=cin)
                sc = m.bn(name(p + "_0_bn", names), sc, 4 * f)
            else:
                sc = x
            y = m.conv(name(p + "_1_conv", names), x, f, 1, stride, cin=cin)
            y = m.bn(name(p + "_1_bn", names), y, f)
            y = m.relu(p + "_1_relu", y)
            y = m.conv(name(p + "_2_conv", names), y, f, 3, 1, "same", cin=f)
            y = m.bn(name(p + "_2_bn", names), y, f)
            y = m.relu(p + "_2_relu", y)
            y = m.conv(name(p + "_3_conv", names), y, 4 * f, 1, cin=f)
            y = m.bn(name(p + "_3_bn", names), y, 4 * f)
            x = m.add_(p + "_add", [sc, y])
            x = m.relu(p + "_out", x)
            cin = 4 * f
    return x, cin


def name(n, scheme):
    """tf.keras 2.x names, or the keras-applications names of older files (res2a_branch2a, bn2a_branch2a)."""
    if scheme == "tf2" or not n.startswith("conv") or n.startswith("conv1_"):
        if scheme != "tf2" and n == "conv1_conv":
            return "conv1"
        if scheme != "tf2" and n == "conv1_bn":
            return "bn_conv1"
        return n
    stage, blk, i, kind = n[4], int(n.split("block")[1].split("_")[0]), n.split("_")[2], n.split("_")[3]
    branch = "branch1" if i == "0" else "branch2" + "abc"[int(i) - 1]
    return ("res" if kind == "conv" else "bn") + stage + "abcdef"[blk - 1] + "_" + branch


def expected(m, out, x, path):
    y = m.forward(x)[out]
    with open(path, "w") as f:
        json.dump({"shape": list(x.shape), "input": [float(v) for v in x.astype(np.float32).ravel()],
                   "output": [[float(v) for v in row] for row in y]}, f)


def seed_model():
    """The seed's shape: ResNet50 notop + a small conv branch, concatenated, and its head, sigmoid out."""
    m = Model(32, "seed")
    r, rc = resnet50(m, m.input, [4, 2, 2, 2, 2])
    rp = m.gap("resnet_gap", r)
    c = m.conv("cnn_conv1", m.input, 4, 3, 1, "same", cin=3)
    c = m.bn("cnn_bn1", c, 4)
    c = m.relu("cnn_relu1", c)
    c = m.max_pool("cnn_pool1", c, 2, 2)
    c = m.conv("cnn_conv2", c, 6, 3, 1, "same", cin=4)
    c = m.bn("cnn_bn2", c, 6)
    c = m.relu("cnn_relu2", c)
    cp = m.gap("cnn_gap", c)
    h = m.concat("concat", [rp, cp])
    h = m.dense("head_dense1", h, rc + 6, 12, "relu")
    h = m.bn("head_bn1", h, 12)
    h = m.dropout("head_drop1", h, 0.3)
    h = m.dense("head_dense2", h, 12, 6, "relu")
    h = m.bn("head_bn2", h, 6)
    h = m.dropout("head_drop2", h, 0.2)
    out = m.dense("output", h, 6, 1, "sigmoid")
    return m, out


def small_model(head="softmax", rescale=True, groups=1):
    """Rescaling + RandomFlip in front of a conv branch; softmax or sigmoid head. Input 0-255 when rescaling."""
    m = Model(24, "small")
    x = m.input
    if rescale:
        x = m.rescaling("rescaling", x, 1.0 / 255, 0.0)
        x = m.random_flip("random_flip", x)
    x = m.conv("conv1", x, 4, 3, 1, "same", cin=3)
    x = m.bn("bn1", x, 4)
    x = m.relu("relu1", x)
    x = m.conv("conv2", x, 4, 3, 1, "same", cin=4, groups=groups)
    x = m.bn("bn2", x, 4)
    x = m.relu("relu2", x)
    x = m.gap("gap", x)
    out = m.dense("output", x, 4, 2 if head == "softmax" else 1, head)
    return m, out


def sequential_model():
    """A Sequential model: conv, BN, ReLU, global pooling, Dense(1, sigmoid)."""
    m = Model(16, "sequential")
    x = m.conv("conv", m.input, 3, 3, 1, "same", cin=3)
    x = m.bn("bn", x, 3)
    x = m.relu("relu", x)
    x = m.gap("gap", x)
    out = m.dense("output", x, 3, 1, "sigmoid")
    return m, out


def main():
    m, out = seed_model()
    m.save("seed_hybrid.h5", out)
    expected(m, out, RNG.uniform(-1, 1, (2, 32, 32, 3)), "seed_hybrid.expected.json")

    m, out = small_model("softmax")
    m.save("rescaling_softmax.h5", out)
    expected(m, out, RNG.uniform(0, 255, (2, 24, 24, 3)), "rescaling_softmax.expected.json")

    m, out = small_model("sigmoid", rescale=False)
    m.save("plain_sigmoid.h5", out)
    expected(m, out, RNG.uniform(0, 1, (2, 24, 24, 3)), "plain_sigmoid.expected.json")

    m, out = sequential_model()
    m.save("sequential_sigmoid.h5", out)
    expected(m, out, RNG.uniform(0, 1, (2, 16, 16, 3)), "sequential_sigmoid.expected.json")

    # refused files
    m, out = small_model("sigmoid", rescale=False, groups=2)
    m.save("refused_groups.h5", out)
    m, out = small_model("sigmoid", rescale=False)
    m.save("refused_keras3.h5", out, keras_version="3.3.3")
    m.save("refused_weights_only.h5", out, model_config=False)
    m, out = small_model("sigmoid", rescale=False)
    m.raw("TFOpLambda", "tf.math.truediv", m.input, {"function": "math.truediv"})
    m.layers[-1]["inbound_nodes"] = [["input_1", 0, 0, {"y": 127.5, "name": None}]]
    m.save("refused_tfoplambda.h5", out)
    m, out = small_model("sigmoid", rescale=False)
    cfg = m.config(out)
    inner = Model(24, "resnet50").config("input_1")
    inner["name"] = "resnet50"
    inner["inbound_nodes"] = [[["input_1", 0, 0, {"training": False}]]]
    cfg["config"]["layers"].insert(1, inner)
    m.save("refused_nested.h5", out, config=cfg)
    m, out = small_model("sigmoid", rescale=False)
    m.raw("MultiHeadAttention", "attention", "relu2", {"num_heads": 2, "key_dim": 4})
    m.save("refused_unsupported.h5", out)
    with zipfile.ZipFile("refused_keras3.keras", "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3"}))
        z.writestr("config.json", json.dumps(m.config(out)))


if __name__ == "__main__":
    main()
