#!/usr/bin/python3
"""Reproducible training of a small NPU-friendly CNN on Fashion-MNIST.

Run with Debian's interpreter (python3-torch, python3-onnx, dataset-fashion-mnist):
    /usr/bin/python3 zoo/fashion_mnist/train.py --out zoo/fashion_mnist

Only these ops are used so the HPVP NPU model compiler can map the graph:
Conv2d, BatchNorm2d (folded into Conv at export), ReLU, MaxPool2d,
global average pool, Flatten, Linear (Gemm).
No network access needed: the IDX files are parsed with gzip/struct/numpy.
"""
import argparse
import gzip
import json
import os
import platform
import random
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR_DEFAULT = "/usr/share/datasets/fashion-mnist"
ALLOWED_ONNX_OPS = {"Conv", "Gemm", "Relu", "Clip", "MaxPool", "AveragePool",
                    "GlobalAveragePool", "Add", "Flatten", "Reshape"}
# Input normalisation: x = (pixel/255 - MEAN) / STD, NCHW float32, 1x28x28.
MEAN = 0.2860
STD = 0.3530


def read_idx(path):
    """Parse an IDX file (optionally .gz) into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: unsupported IDX header")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size mismatch")
    return arr.reshape(dims)


def find_idx(data_dir, stem):
    for name in (stem, stem + ".gz"):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{stem}[.gz] not found in {data_dir}")


def load_split(data_dir, prefix):
    x = read_idx(find_idx(data_dir, f"{prefix}-images-idx3-ubyte"))
    y = read_idx(find_idx(data_dir, f"{prefix}-labels-idx1-ubyte"))
    x = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)
    x = (x - MEAN) / STD
    y = torch.from_numpy(y.astype(np.int64))
    return x, y


class SmallCNN(nn.Module):
    def __init__(self, w=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
            nn.MaxPool2d(2),                                              # 14x14
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.MaxPool2d(2),                                              # 7x7
            nn.Conv2d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm2d(4 * w), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),                                      # GlobalAveragePool
            nn.Flatten(),
        )
        self.classifier = nn.Linear(4 * w, 10)

    def forward(self, x):
        return self.classifier(self.features(x))


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@torch.no_grad()
def evaluate(model, x, y, bs=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), bs):
        correct += (model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum().item()
    return correct / len(x)


# ---------------------------------------------------------------------------
# Minimal numpy interpreter for the exported graph (onnxruntime is not
# available in the Debian environment); it evaluates the .onnx file itself.
def _conv(x, w, b, pads, strides, group):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - kh) // strides[0] + 1
    ow = (x.shape[3] - kw) // strides[1] + 1
    out = np.empty((n, m, oh, ow), dtype=np.float32)
    mg = m // group
    for g in range(group):
        xg = x[:, g * cg:(g + 1) * cg]
        cols = np.empty((n, cg, kh, kw, oh, ow), dtype=np.float32)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j] = xg[:, :, i:i + strides[0] * oh:strides[0], j:j + strides[1] * ow:strides[1]]
        wg = w[g * mg:(g + 1) * mg].reshape(mg, -1)
        out[:, g * mg:(g + 1) * mg] = np.einsum("mk,nkhw->nmhw", wg, cols.reshape(n, -1, oh, ow), optimize=True)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _pool(x, k, s, pads, mode):
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
               constant_values=(-np.inf if mode == "max" else 0.0))
    oh = (x.shape[2] - k[0]) // s[0] + 1
    ow = (x.shape[3] - k[1]) // s[1] + 1
    win = [x[:, :, i:i + s[0] * oh:s[0], j:j + s[1] * ow:s[1]] for i in range(k[0]) for j in range(k[1])]
    st = np.stack(win, 0)
    return st.max(0) if mode == "max" else st.mean(0)


def run_onnx_numpy(model_proto, x):
    from onnx import numpy_helper, helper
    env = {t.name: numpy_helper.to_array(t).astype(np.float32) if t.data_type == 1 else numpy_helper.to_array(t)
           for t in model_proto.graph.initializer}
    env[model_proto.graph.input[0].name] = x
    for node in model_proto.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Conv":
            k = ins[1].shape[2:]
            r = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                      a.get("pads", [0, 0, 0, 0]), a.get("strides", [1, 1]), a.get("group", 1))
            assert list(a.get("dilations", [1, 1])) == [1, 1] and tuple(a.get("kernel_shape", k)) == tuple(k)
        elif op == "Relu":
            r = np.maximum(ins[0], 0)
        elif op == "Clip":
            r = np.clip(ins[0], ins[1] if len(ins) > 1 else None, ins[2] if len(ins) > 2 else None)
        elif op == "MaxPool":
            r = _pool(ins[0], a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), "max")
        elif op == "AveragePool":
            r = _pool(ins[0], a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0]), "avg")
        elif op == "GlobalAveragePool":
            r = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            r = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Reshape":
            r = ins[0].reshape([d if d != 0 else ins[0].shape[i] for i, d in enumerate(ins[1])])
        elif op == "Add":
            r = ins[0] + ins[1]
        elif op == "Gemm":
            A = ins[0].T if a.get("transA", 0) else ins[0]
            B = ins[1].T if a.get("transB", 0) else ins[1]
            r = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                r = r + a.get("beta", 1.0) * ins[2]
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = r.astype(np.float32)
    return env[model_proto.graph.output[0].name]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--data", default=DATA_DIR_DEFAULT)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-onnx-check", action="store_true", help="skip numpy evaluation of the .onnx file")
    args = ap.parse_args()

    t_start = time.time()
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    seed_all(args.seed)
    os.makedirs(args.out, exist_ok=True)

    xtr, ytr = load_split(args.data, "train")
    xte, yte = load_split(args.data, "t10k")
    print(f"train {tuple(xtr.shape)} test {tuple(xte.shape)}", flush=True)

    model = SmallCNN(args.width)
    n_params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = (len(xtr) + args.batch - 1) // args.batch
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr * 10, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.25)
    gen = torch.Generator().manual_seed(args.seed)

    t_train = time.time()
    history = []
    for ep in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        tot_loss, t0 = 0.0, time.time()
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            xb, yb = xtr[idx], ytr[idx]
            # deterministic random horizontal flip augmentation
            flip = torch.rand(len(xb), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.item() * len(idx)
        acc = evaluate(model, xte, yte)
        history.append({"epoch": ep + 1, "train_loss": round(tot_loss / len(xtr), 4),
                        "test_acc": round(acc, 4), "epoch_seconds": round(time.time() - t0, 1)})
        print(json.dumps(history[-1]), flush=True)
    train_seconds = time.time() - t_train

    # ---- export ------------------------------------------------------------
    import onnx
    model.eval()
    onnx_path = os.path.join(args.out, "fashion_mnist_cnn.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(onnx_path)
    meta = {
        "preprocess": f"x = (pixel/255 - {MEAN}) / {STD}; input float32 NCHW [N,1,28,28]",
        "input_mean": str(MEAN), "input_std": str(STD),
        "labels": "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot",
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist)",
        "seed": str(args.seed),
    }
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    m.producer_name = "hpvp-zoo/fashion_mnist/train.py"
    onnx.checker.check_model(m)
    onnx.save(m, onnx_path)
    ops = sorted({n.op_type for n in m.graph.node})
    bad = set(ops) - ALLOWED_ONNX_OPS
    if bad:
        raise SystemExit(f"exported graph uses unsupported ops: {bad}")

    # fp32 accuracy of the exported model (PyTorch eval mode, same weights)
    acc_torch = evaluate(model, xte, yte)
    acc_onnx = None
    max_abs_diff = None
    if not args.no_onnx_check:
        correct, diff = 0, 0.0
        with torch.no_grad():
            for i in range(0, len(xte), 500):
                xb = xte[i:i + 500]
                lo = run_onnx_numpy(m, xb.numpy())
                diff = max(diff, float(np.abs(lo - model(xb).numpy()).max()))
                correct += int((lo.argmax(1) == yte[i:i + 500].numpy()).sum())
        acc_onnx, max_abs_diff = correct / len(xte), diff

    metrics = {
        "model": "fashion_mnist_cnn.onnx",
        "test_images": int(len(xte)),
        "fp32_test_accuracy_torch_eval": acc_torch,
        "fp32_test_accuracy_onnx_numpy_ref": acc_onnx,
        "onnx_vs_torch_max_abs_logit_diff": max_abs_diff,
        "onnxruntime_available": False,
        "epochs": args.epochs, "batch": args.batch, "max_lr": args.lr * 10, "width": args.width,
        "params": n_params,
        "seed": args.seed, "threads": args.threads,
        "train_seconds": round(train_seconds, 1),
        "total_seconds": round(time.time() - t_start, 1),
        "onnx_bytes": os.path.getsize(onnx_path),
        "onnx_opset": 13,
        "onnx_ops": ops,
        "preprocess": meta["preprocess"],
        "torch_version": torch.__version__,
        "onnx_version": onnx.__version__,
        "numpy_version": np.__version__,
        "python": sys.executable + " " + platform.python_version(),
        "command": " ".join([sys.executable] + sys.argv),
        "history": history,
    }
    try:
        import onnxruntime  # noqa: F401
        metrics["onnxruntime_available"] = True
    except ImportError:
        pass
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    print(json.dumps({k: metrics[k] for k in ("fp32_test_accuracy_torch_eval", "fp32_test_accuracy_onnx_numpy_ref",
                                              "train_seconds", "total_seconds", "onnx_bytes", "onnx_ops")}))


if __name__ == "__main__":
    main()
