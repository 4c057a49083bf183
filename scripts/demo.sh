#!/usr/bin/env bash
# Sets everything up and runs the default demo scenario:
#  1. the greeting firmware on the default platform (configs/virt.yaml);
#  2. a multi-layer CNN on the big.LITTLE accelerator (configs/biglittle.yaml):
#     the network runs on every NPU (int8 "big", int4 "LITTLE") and once
#     split across both precisions; the firmware prints result checksums that
#     the host reference (tests/unit/test_npu_net_reference.cpp) reproduces,
#     and the per-NPU statistics are summarised from build/demo-stats.json;
#  3. the Fashion-MNIST CNN of the model zoo, compiled for the int8 and the
#     int4 NPUs, evaluated on the 10,000 test images through the platform
#     (firmware driving the NPUs) next to the host reference and fp32;
#  4. ResNet-18 (224x224, topology-only torchvision export) end to end on
#     big0 with cycles, MACs and energy per layer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HPVP_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
export SC_COPYRIGHT_MESSAGE=DISABLE
echo "== vp run: hello on configs/virt.yaml"
"$build/sim/vp" run --config "$root/configs/virt.yaml" --firmware "$build/sw/hello.elf"
echo
echo "== vp run: npu_net on configs/biglittle.yaml (stats: $build/demo-stats.json)"
"$build/sim/vp" run --config "$root/configs/biglittle.yaml" --firmware "$build/sw/npu_net.elf" \
  --stats "$build/demo-stats.json" | grep -E "^(checksum|mixed plan|npu_net)"
/usr/bin/python3 - "$build/demo-stats.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("\n%-8s %-5s %-6s %8s %9s %8s %8s %6s %12s" % ("npu", "prec", "array", "layers", "busy cyc",
      "compute", "stall", "util", "energy (nJ)"))
for name, c in d["components"].items():
    if "precision" not in c:
        continue
    print("%-8s %-5s %-6s %8d %9d %8d %8d %6.3f %12.1f" % (name, c["precision"],
          "%dx%d" % (c["array"]["rows"], c["array"]["cols"]), c["layers"], c["busy_cycles"],
          c["compute_cycles"], c["stall_cycles"], c["utilization"], c["energy_pj"]["total"] / 1e3))
print("\nsimulated time %.3f ms, %d instructions" % (d["vp"]["simulated_time_ps"] / 1e9,
      d["vp"]["instructions"]))
PY

echo
echo "== vp eval: Fashion-MNIST CNN on configs/biglittle.yaml, int8 (big0) and int4 (little0)"
"$build/sim/vp" eval --config "$root/configs/biglittle.yaml" \
  --workload "$root/configs/workloads/fashion_mnist.yaml" --map big0 --map little0
echo
echo "== vp compile + vp run: ResNet-18 on big0 (per-layer table, last lines)"
"$build/sim/vp" compile --config "$root/configs/biglittle.yaml" --model "$build/zoo/resnet18.onnx" \
  --map big0 -o "$build/resnet18_big0.hpvm"
"$build/sim/vp" run --config "$root/configs/biglittle.yaml" --firmware "$build/sw/model_runner.elf" \
  --model "$build/resnet18_big0.hpvm" --stats "$build/resnet18-stats.json" --layers -q | tail -n 6
