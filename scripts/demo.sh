#!/usr/bin/env bash
# Sets everything up and runs the default demo scenario on the default
# platform (configs/virt.yaml): the greeting firmware, then the CPU benchmark
# with statistics written to build/demo-stats.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HPVP_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
export SC_COPYRIGHT_MESSAGE=DISABLE
echo "== vp run: hello"
"$build/sim/vp" run --config "$root/configs/virt.yaml" --firmware "$build/sw/hello.elf"
echo "== vp run: cpubench (stats in $build/demo-stats.json)"
"$build/sim/vp" run --config "$root/configs/virt.yaml" --firmware "$build/sw/cpubench.elf" \
  --stats "$build/demo-stats.json"
