#!/usr/bin/env bash
# Writes a VCD with `vp run --trace`, checks it holds the expected signals and
# that GTKWave's vcd2fst accepts it.
#   trace_vcd.sh <vp> <config> <elf>
set -euo pipefail
vp=$1 config=$2 elf=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$vp" run --quiet --config "$config" --firmware "$elf" --trace "$dir/run.vcd" >/dev/null </dev/null
# Full hierarchical names from the $scope/$var declarations.
/usr/bin/python3 - "$dir/run.vcd" soc.cpu0.pc soc.cpu0.instret soc.cpu0.wfi soc.bus.address \
  soc.bus.transactions soc.cpu0_mtip <<'PY'
import sys
scopes, names = [], set()
for line in open(sys.argv[1]):
    f = line.split()
    if not f: continue
    if f[0] == "$scope": scopes.append(f[2])
    elif f[0] == "$upscope": scopes.pop()
    elif f[0] == "$var": names.add(".".join(scopes[1:] + [f[4]]))
    elif f[0] == "$enddefinitions": break
missing = [s for s in sys.argv[2:] if s not in names]
if missing:
    sys.exit("FAIL: not in VCD: " + ", ".join(missing))
PY
vcd2fst "$dir/run.vcd" "$dir/run.fst" >/dev/null
[ -s "$dir/run.fst" ] || { echo "FAIL: vcd2fst produced no FST"; exit 1; }
fst2vcd "$dir/run.fst" >"$dir/back.vcd" 2>/dev/null
grep -q 'cpu0' "$dir/back.vcd" || { echo "FAIL: FST round trip lost the signals"; exit 1; }
echo "ok: VCD $(wc -c <"$dir/run.vcd") bytes, FST $(wc -c <"$dir/run.fst") bytes"
