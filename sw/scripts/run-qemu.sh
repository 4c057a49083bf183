#!/bin/sh
# Runs one firmware ELF on QEMU's virt machine (the reference platform) and
# checks its exit status, which the test finisher sets to the program's code.
#   run-qemu.sh [--expect N] firmware.elf [extra qemu args...]
# QEMU_CPU overrides the -cpu option; QEMU_TIMEOUT the time limit (s).
set -eu
expect=0
if [ "${1:-}" = "--expect" ]; then
  expect=$2
  shift 2
fi
elf=$1
shift
status=0
timeout "${QEMU_TIMEOUT:-60}" qemu-system-riscv32 -M virt -smp 1 -bios none -nographic \
  -cpu "${QEMU_CPU:-rv32}" -kernel "$elf" "$@" </dev/null || status=$?
if [ "$status" -ne "$expect" ]; then
  echo "run-qemu.sh: $elf exited with $status, expected $expect" >&2
  exit 1
fi
