#!/usr/bin/env bash
# Installs every Debian package HPVP needs. Idempotent: re-running only
# installs what is missing. Run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  # host build
  build-essential cmake ninja-build ccache pkg-config git
  # simulation kernel and libraries
  libsystemc-dev verilator libyaml-cpp-dev libcli11-dev libfmt-dev libspdlog-dev
  libelf-dev nlohmann-json3-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # RISC-V firmware toolchain and C library
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  # reference machine for firmware portability tests, waveform tools
  qemu-system-misc gtkwave
  # DNN workloads
  libonnx-dev libprotobuf-dev protobuf-compiler zlib1g-dev
  python3 python3-numpy python3-torch python3-torchvision python3-onnx
  dataset-fashion-mnist
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
