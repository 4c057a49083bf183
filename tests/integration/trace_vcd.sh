#!/usr/bin/env bash
# Writes a VCD with `vp run --trace`, checks it holds the expected signals and
# that GTKWave's vcd2fst accepts it.
#   trace_vcd.sh <vp> <config> <elf>
set -euo pipefail
vp=$1 config=$2 elf=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$vp" run --quiet --config "$config" --firmware "$elf" --trace "$dir/run.vcd" >/dev/null </dev/null
for sig in 'cpu0.pc' 'cpu0.instret' 'bus.address' 'bus.transactions' 'cpu0_mtip'; do
  grep -q "\$var .* ${sig//./\\.} " "$dir/run.vcd" || { echo "FAIL: $sig not in VCD"; exit 1; }
done
vcd2fst "$dir/run.vcd" "$dir/run.fst" >/dev/null
[ -s "$dir/run.fst" ] || { echo "FAIL: vcd2fst produced no FST"; exit 1; }
fst2vcd "$dir/run.fst" >"$dir/back.vcd" 2>/dev/null
grep -q 'cpu0' "$dir/back.vcd" || { echo "FAIL: FST round trip lost the signals"; exit 1; }
echo "ok: VCD $(wc -c <"$dir/run.vcd") bytes, FST $(wc -c <"$dir/run.fst") bytes"
