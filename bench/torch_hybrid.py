#!/usr/bin/env python3
"""The hybrid network of org.deepguard.core.model.HybridNetwork (NetworkConfig.defaults), written in PyTorch for
a side-by-side speed and memory comparison. Prints one JSON line like SpeedBenchmark.

Geometry kept identical to ours, layer by layer:
- CNN branch: 4 blocks of conv3x3 (no bias) - BN - ReLU, 2x2 max-pool between blocks, channels 32-64-128-256,
  then global average pool.
- ResNet50 (bottlenecks 3-4-6-3, standard 32x downsampling): conv7x7/2 - BN - ReLU - maxpool3x3/2; the stride of
  a downsampling block sits on its first 1x1 conv and on the 1x1 projection (DL4J zoo / original ResNet layout,
  not torchvision's v1.5, which strides the 3x3); every conv has a bias, as DL4J's do by default; global average pool.
- Head on the concatenation [cnn 256, resnet 2048]: Linear 512 + ReLU - BN - Dropout 0.3 - Linear 128 + ReLU - BN -
  Dropout 0.2 - Linear 2. Training: cross-entropy, Adam, L2 1e-4 on the first head layer, L2 gradient clipping at
  5 per layer (our ClipL2PerLayer).

Usage: torch_hybrid.py LABEL SIZE ROUNDS
"""
import json
import os
import resource
import statistics
import sys
import time

import torch
from torch import nn

BATCH = int(os.environ.get("BATCH", "32"))


def conv_bn(cin, cout, k, stride=1, bias=True):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=bias), nn.BatchNorm2d(cout, eps=1e-5)]


class Bottleneck(nn.Module):
    def __init__(self, cin, width, cout, stride, project):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, width, 1, stride), nn.ReLU(inplace=True),
                                  *conv_bn(width, width, 3), nn.ReLU(inplace=True),
                                  *conv_bn(width, cout, 1))
        self.short = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if project else nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.short(x))


class Hybrid(nn.Module):
    def __init__(self, cnn=(32, 64, 128, 256)):
        super().__init__()
        layers, cin = [], 3
        for i, c in enumerate(cnn):
            layers += [*conv_bn(cin, c, 3, bias=False), nn.ReLU(inplace=True)]
            if i < len(cnn) - 1:
                layers.append(nn.MaxPool2d(2, 2))
            cin = c
        self.cnn = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        res = [*conv_bn(3, 64, 7, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, padding=1)]
        cin = 64
        for stage, (width, cout, blocks) in enumerate([(64, 256, 3), (128, 512, 4), (256, 1024, 6), (512, 2048, 3)]):
            for b in range(blocks):
                stride = 2 if b == 0 and stage > 0 else 1
                res.append(Bottleneck(cin, width, cout, stride, b == 0))
                cin = cout
        self.resnet = nn.Sequential(*res, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.dense1 = nn.Linear(cnn[-1] + 2048, 512)
        self.head = nn.Sequential(nn.ReLU(inplace=True), nn.BatchNorm1d(512), nn.Dropout(0.3),
                                  nn.Linear(512, 128), nn.ReLU(inplace=True), nn.BatchNorm1d(128), nn.Dropout(0.2),
                                  nn.Linear(128, 2))

    def forward(self, x):
        return self.head(self.dense1(torch.cat([self.cnn(x), self.resnet(x)], 1)))


def measure(out, name, images, warmup, rounds, step):
    """name_ips: images per wall-clock second (median round); name_best_ips: fastest round; name_cpu_ips: per
    second of process CPU time (all threads, median round)."""
    for _ in range(warmup):
        step()
    wall, cpu = [], []
    for _ in range(rounds):
        cpu0, start = time.process_time(), time.perf_counter()
        step()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu0)
    out[name + "_ips"] = images / statistics.median(wall)
    out[name + "_best_ips"] = images / min(wall)
    out[name + "_cpu_ips"] = images / statistics.median(cpu)


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else "pytorch"
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(2)
    torch.manual_seed(1)
    net = Hybrid()
    one = torch.rand(1, 3, size, size)
    batch = torch.rand(BATCH, 3, size, size)
    labels = torch.arange(BATCH) % 2
    decay = [net.dense1.weight]  # DL4J's l2 applies to weights, not biases
    rest = [p for n, p in net.named_parameters() if n != "dense1.weight"]
    opt = torch.optim.Adam([{"params": rest}, {"params": decay, "weight_decay": 1e-4}], lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear, nn.BatchNorm2d, nn.BatchNorm1d))]

    def infer(x):
        net.eval()
        with torch.inference_mode():
            net(x)

    def train():
        net.train()
        opt.zero_grad(set_to_none=True)
        loss_fn(net(batch), labels).backward()
        for m in layers:
            nn.utils.clip_grad_norm_(m.parameters(), 5.0)
        opt.step()

    out = {"impl": label, "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": BATCH}
    measure(out, "infer1", 1, 2, max(rounds, 10), lambda: infer(one))
    measure(out, "infer32", BATCH, 1, rounds, lambda: infer(batch))
    measure(out, "train32", BATCH, 2, rounds, train)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    print(json.dumps(out))


if __name__ == "__main__":
    main()
