#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole regression suite (unit,
# integration and QEMU reference tests) with CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HPVP_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j "${HPVP_JOBS:-$(nproc)}" "$@"
