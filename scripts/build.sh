#!/usr/bin/env bash
# Installs the dependencies and builds everything (vp, tests, benchmarks and
# the RISC-V firmware) into ./build. Idempotent; ccache speeds up rebuilds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HPVP_BUILD_DIR:-$root/build}
"$root/scripts/install-deps.sh"
jobs=${HPVP_JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$build" -j "$jobs"
