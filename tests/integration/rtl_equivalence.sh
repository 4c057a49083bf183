#!/usr/bin/env bash
# RTL-vs-TLM equivalence on the whole platform: the same firmware on a
# config and on its `compute: rtl` twin prints identical checksums, and every
# NPU reports identical cycle, compute, stall and MAC counts; the RTL NPUs
# really ran the verilated array (rtl_cycles > 0; pool/add/relu layers use
# the vector unit, so their cycles are not RTL clock edges).
#   rtl_equivalence.sh <vp> <tlm config> <rtl config> <elf>
set -euo pipefail
vp=$1 tlm=$2 rtl=$3 elf=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$vp" run --quiet --config "$tlm" --firmware "$elf" --stats "$dir/tlm.json" >"$dir/tlm.txt" </dev/null
"$vp" run --quiet --config "$rtl" --firmware "$elf" --stats "$dir/rtl.json" >"$dir/rtl.txt" </dev/null
diff <(grep -E '^(checksum|layers)' "$dir/tlm.txt") <(grep -E '^(checksum|layers)' "$dir/rtl.txt")
/usr/bin/python3 - "$dir/tlm.json" "$dir/rtl.json" <<'PY'
import json, sys
tlm = json.load(open(sys.argv[1]))["components"]
rtl = json.load(open(sys.argv[2]))["components"]
rtl_npus = 0
for name, t in tlm.items():
    if "precision" not in t:
        continue
    r = rtl[name]
    for key in ("busy_cycles", "compute_cycles", "stall_cycles", "macs", "layers"):
        if t[key] != r[key]:
            sys.exit(f"FAIL: {name}.{key}: tlm {t[key]} != rtl {r[key]}")
    if r["compute"] == "rtl":
        rtl_npus += 1
        if r["rtl_cycles"] == 0:
            sys.exit(f"FAIL: {name} is compute: rtl but the RTL array never ran")
        print(f"{name}: {r['layers']} layers, {r['compute_cycles']} compute cycles, "
              f"{r['rtl_cycles']} RTL clock edges")
if rtl_npus == 0:
    sys.exit("FAIL: no NPU uses compute: rtl in " + sys.argv[2])
PY
echo "ok: checksums and per-NPU cycle counts identical"
