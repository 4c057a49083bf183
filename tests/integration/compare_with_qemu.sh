#!/usr/bin/env bash
# Runs one ELF on the VP and on QEMU's virt machine and checks both exit 0
# and print the same lines matching a pattern (e.g. checksums): QEMU is the
# reference for what the firmware computes.
#   compare_with_qemu.sh <vp> <config> <elf> <line-ERE>
set -euo pipefail
vp=$1 config=$2 elf=$3 pattern=$4
vp_out=$(mktemp) qemu_out=$(mktemp)
trap 'rm -f "$vp_out" "$qemu_out"' EXIT
"$vp" run --quiet --config "$config" --firmware "$elf" >"$vp_out" </dev/null
timeout "${QEMU_TIMEOUT:-120}" qemu-system-riscv32 -M virt -smp 1 -bios none -nographic \
  -kernel "$elf" </dev/null | tr -d '\r' >"$qemu_out"
if ! diff <(grep -E -- "$pattern" "$vp_out") <(grep -E -- "$pattern" "$qemu_out"); then
  echo "FAIL: VP and QEMU disagree on lines matching /$pattern/ (< vp, > qemu)"
  exit 1
fi
lines=$(grep -Ec -- "$pattern" "$vp_out")
[ "$lines" -gt 0 ] || { echo "FAIL: no line matches /$pattern/"; exit 1; }
echo "ok: $lines matching lines identical on VP and QEMU"
