#!/usr/bin/python3
"""Export topology-only torchvision networks (random, seeded weights) to ONNX.

Run with Debian's interpreter (python3-torch, python3-torchvision, python3-onnx):
    /usr/bin/python3 zoo/torchvision/export.py --out build/zoo

The build runs this through the `hpvp_zoo` CMake target (zoo/CMakeLists.txt),
so the multi-megabyte ONNX files never enter git. The weights are NOT
pretrained: the files are workloads for the NPU model compiler and the
simulator (shapes, MACs, memory traffic), not classifiers. Each model is
built right after torch.manual_seed(seed) and its BatchNorm statistics are
calibrated on seeded random inputs, so the files are byte-identical from run
to run on the same torch build.

Models (batch 1, float32 NCHW input `input`, output `logits`):
  resnet18      torchvision ResNet-18,   1x3x224x224 -> 1x1000
  mobilenet_v2  torchvision MobileNetV2, 1x3x224x224 -> 1x1000
  resnet8       CIFAR-style ResNet-8 defined here, 1x3x32x32 -> 1x10
"""
import argparse
import hashlib
import io
import os
import sys
import time

import onnx
import torch
import torch.nn as nn
import torchvision

# What the HPVP importer accepts (it folds BatchNormalization into Conv and
# drops Identity/Dropout); anything else must be removed at export time.
ALLOWED_ONNX_OPS = {"Conv", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool",
                    "Add", "Flatten", "Reshape", "Gemm", "MatMul", "BatchNormalization",
                    "Identity", "Dropout", "Constant"}
DEFAULT_SEED = 20240607
OPSET = 13


def tv_model(name):
    """A torchvision model without pretrained weights, across the API change
    in torchvision 0.13 (`weights=` replaced `pretrained=`)."""
    ctor = getattr(torchvision.models, name)
    try:
        return ctor(weights=None)
    except TypeError:
        return ctor(pretrained=False)


class BasicBlock(nn.Module):
    """ResNet basic block; a strided 1x1 conv projects the shortcut when the
    shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class ResNet8(nn.Module):
    """CIFAR-style ResNet-8 (32x32 input, widths 16/32/64, 10 classes): a
    residual network small enough for quick end-to-end runs on the VP."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.stages = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 32, 2),
                                    BasicBlock(32, 64, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stages(self.stem(x))), 1))


class FlattenHead(nn.Module):
    """Runs `features`, global average pooling, torch.flatten and `classifier`.
    Used for MobileNetV2 so the head exports as GlobalAveragePool + Flatten
    whatever torchvision's forward() does (older releases reshape with
    x.shape[0], which exports as a Shape/Gather/Unsqueeze/Concat chain)."""

    def __init__(self, features, classifier):
        super().__init__()
        self.features = features
        self.classifier = classifier

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


def build(name):
    """(module, input shape) of a zoo model."""
    if name == "resnet18":
        return tv_model("resnet18"), (1, 3, 224, 224)
    if name == "mobilenet_v2":
        m = tv_model("mobilenet_v2")
        return FlattenHead(m.features, m.classifier), (1, 3, 224, 224)
    if name == "resnet8":
        return ResNet8(), (1, 3, 32, 32)
    raise ValueError(name)


MODELS = ("resnet18", "mobilenet_v2", "resnet8")


@torch.no_grad()
def calibrate_batchnorm(model, shape, batch=8):
    """Set the BatchNorm running statistics to those of one batch of N(0, 1)
    inputs. Freshly built BatchNorm is the identity (mean 0, var 1), so the
    folded biases would all be zero and the activations would grow or shrink
    layer after layer; calibrated, every layer sees about unit-variance
    activations and non-zero biases, like a trained network does."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one batch gives its exact statistics
    model.train()
    model(torch.randn((batch,) + tuple(shape[1:])))
    model.eval()


def export_bytes(name, seed):
    """Serialized ONNX model and its op set. Eval mode plus constant folding
    folds BatchNorm into the Conv weights and removes Dropout."""
    torch.manual_seed(seed)
    model, shape = build(name)
    calibrate_batchnorm(model, shape)
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(shape), buf, opset_version=OPSET,
                          input_names=["input"], output_names=["logits"],
                          do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    proto = onnx.load_from_string(buf.getvalue())
    meta = {
        "weights": "random (not pretrained): topology-only workload",
        "seed": str(seed),
        "source": f"torchvision {torchvision.__version__}" if name != "resnet8"
                  else "zoo/torchvision/export.py ResNet8",
        "input_shape": "x".join(str(d) for d in shape),
    }
    for k, v in meta.items():
        p = proto.metadata_props.add()
        p.key, p.value = k, v
    proto.producer_name = "hpvp-zoo/torchvision/export.py"
    proto.graph.name = name
    onnx.checker.check_model(proto)
    ops = sorted({n.op_type for n in proto.graph.node})
    return proto.SerializeToString(), ops, sum(p.numel() for p in model.parameters())


def write_atomic(path, data):
    """Write via a temporary file so an interrupted export never leaves a
    truncated .onnx that the build would take as up to date."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # same float summation order on every machine
    for name in args.models:
        t0 = time.time()
        data, ops, params = export_bytes(name, args.seed)
        bad = sorted(set(ops) - ALLOWED_ONNX_OPS)
        if bad:
            sys.exit(f"{name}: exported graph uses unsupported ops: {' '.join(bad)}")
        path = os.path.join(args.out, f"{name}.onnx")
        write_atomic(path, data)
        print(f"{name}: {path} {len(data)} B, {params} params, "
              f"sha256 {hashlib.sha256(data).hexdigest()}, {time.time() - t0:.1f} s")
        print(f"{name}: ops {' '.join(ops)}")


if __name__ == "__main__":
    main()
