#!/usr/bin/env bash
# Prints HPVP's performance figures. Usage: bench/run.sh [build dir]
#  1. ISS speed: `vp run` on the cpubench firmware (int8 GEMM, CRC-32, sort,
#     sieve, gcd, collatz), best of 3 runs, in simulated instructions per
#     host second (MIPS).
#  2. TLM throughput: b_transport calls per second through the shared bus.
#  3. NPU timing model: SCALE-Sim-style cycles and tiled-plan cycles of
#     ResNet-18 / MobileNetV2 on a 16x16 array (OS/WS/IS), and the host time
#     of compute_cycles + plan_layer over a whole network.
#  4. NPU functional kernels: simulated MAC/s of run_int_layer on typical
#     int8 layers next to a plain host int8 GEMM, and their ratio.
#  5. RTL MAC array (rtl/, verilated): RTL clock cycles per host second of
#     8x8 and 16x16 arrays in the bare C++ harness (docs/rtl.md).
#  6. Model evaluation: `vp eval` of the Fashion-MNIST CNN on the 10,000 test
#     images, int8 alone and int8 + int4 (target: well under a minute), and
#     `vp run --model` of ResNet-18 / MobileNetV2 (host seconds per image).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
vp=$build/sim/vp
elf=$build/sw/cpubench.elf
export SC_COPYRIGHT_MESSAGE=DISABLE

echo "== ISS: cpubench on configs/virt.yaml (best of 3)"
best=0
for i in 1 2 3; do
  stats=$(mktemp)
  "$vp" run --quiet --config "$root/configs/virt.yaml" --firmware "$elf" --stats "$stats" \
    --host-stats >/dev/null
  read -r insns secs mips < <(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["vp"]["instructions"], d["host"]["seconds"], d["host"]["mips"])' "$stats")
  rm -f "$stats"
  printf '  run %d: %d instructions in %.3f s host = %.1f MIPS\n' "$i" "$insns" "$secs" "$mips"
  best=$(/usr/bin/python3 -c "print(max($best, $mips))")
done
printf 'ISS MIPS (best of 3): %.1f  (reference: ~25 MIPS for a typical SystemC RISC-V VP; 10x target = 250)\n' "$best"

echo "== TLM transactions per second"
"$build/bench/bench_tlm" --benchmark_min_time=0.2

echo "== NPU timing model (ResNet-18, MobileNetV2; 16x16 int8)"
"$build/bench/bench_npu_timing" --benchmark_min_time=0.2

echo "== NPU functional kernels: simulated int8 MAC/s vs a plain host int8 GEMM (ratio target >= 0.25)"
"$build/bench/bench_npu_kernels" --benchmark_min_time=0.2

echo "== RTL MAC array (verilated, rtl/): RTL cycles per host second, bare C++ harness"
if [ -x "$build/bench/bench_rtl_array" ]; then
  "$build/bench/bench_rtl_array" --benchmark_min_time=0.2
else
  echo "  not built (Verilator not found)"
fi

echo "== RTL co-simulation inside the VP vs bare verilated harness (overhead target <= 1.5x)"
if [ -x "$build/bench/bench_rtl_cosim" ]; then
  "$build/bench/bench_rtl_cosim"
else
  echo "(not built: Verilator missing)"
fi

echo "== Model evaluation: Fashion-MNIST CNN, 10,000 test images through the platform"
workload="$root/configs/workloads/fashion_mnist.yaml"
if [ -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
  for maps in "--map big0" "--map big0 --map little0"; do
    # shellcheck disable=SC2086
    "$build/sim/vp" eval --config "$root/configs/biglittle.yaml" --workload "$workload" $maps \
      | grep -E "big0|little0|fp32|wall"
  done
else
  echo "  Fashion-MNIST not installed (dataset-fashion-mnist)"
fi

echo "== Model run: ResNet-18 and MobileNetV2 (224x224) on big0, one image"
tmp=$(mktemp -d)
for net in resnet18 mobilenet_v2; do
  "$build/sim/vp" compile --config "$root/configs/biglittle.yaml" --model "$build/zoo/$net.onnx" \
    --map big0 -o "$tmp/$net.hpvm" > /dev/null
  "$build/sim/vp" run --config "$root/configs/biglittle.yaml" --firmware "$build/sw/model_runner.elf" \
    --model "$tmp/$net.hpvm" 2>&1 >/dev/null | sed "s/^/  $net: /"
done
rm -rf "$tmp"
