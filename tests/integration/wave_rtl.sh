#!/usr/bin/env bash
# `vp run --wave`: one waveform with SystemC signals and the RTL array's
# internals on one time axis. Checks that GTKWave's vcd2fst accepts the VCD,
# that the .fst form round-trips through fst2vcd, that both signal families
# are present, and that the RTL clock only runs while the NPU is busy.
#   wave_rtl.sh <vp> <config with a compute: rtl NPU named big0> <elf>
set -euo pipefail
vp=$1 config=$2 elf=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$vp" run --quiet --config "$config" --firmware "$elf" --wave "$dir/run.vcd" >/dev/null </dev/null
vcd2fst "$dir/run.vcd" "$dir/check.fst" >/dev/null
[ -s "$dir/check.fst" ] || { echo "FAIL: vcd2fst rejected the VCD"; exit 1; }
ls "$dir" | grep -q 'systemc\|rtl.vcd' && { echo "FAIL: temporary part files left behind"; exit 1; }
/usr/bin/python3 - "$dir/run.vcd" <<'PY'
import sys
scopes, ids = [], {}
busy_id = clk_id = None
busy, busy_times, clk_times = "0", [], []
t = 0
with open(sys.argv[1]) as f:
    for line in f:
        if line.startswith("$scope"):
            scopes.append(line.split()[2])
        elif line.startswith("$upscope"):
            scopes.pop()
        elif line.startswith("$var"):
            p = line.split()
            name = ".".join(scopes + [p[4]])
            ids[p[3]] = name
            if name == "SystemC.soc.big0.busy": busy_id = p[3]
            if name == "big0_rtl.hpvp_rtl.clk": clk_id = p[3]
        elif line.startswith("#"):
            t = int(line[1:])
        elif line[0] in "01" and busy_id and line[1:].strip() == busy_id:
            busy = line[0]
            busy_times.append((t, busy))
        elif line[0] == "1" and clk_id and line[1:].strip() == clk_id:
            clk_times.append((t, busy))
if busy_id is None or clk_id is None:
    sys.exit("FAIL: missing signals: big0.busy=%s rtl clk=%s" % (busy_id, clk_id))
if not clk_times:
    sys.exit("FAIL: the RTL clock never ticked")
idle = [tt for tt, b in clk_times if b != "1"]
if idle:
    sys.exit("FAIL: %d RTL clock edges while big0 was not busy (first at %d ps)" % (len(idle), idle[0]))
print("ok: %d signals, %d RTL clock edges, all inside big0's busy periods" % (len(ids), len(clk_times)))
PY
"$vp" run --quiet --config "$config" --firmware "$elf" --wave "$dir/run.fst" >/dev/null </dev/null
fst2vcd "$dir/run.fst" >"$dir/back.vcd" 2>/dev/null
grep -q 'acc_out' "$dir/back.vcd" || { echo "FAIL: FST lacks the RTL signals"; exit 1; }
grep -q 'busy' "$dir/back.vcd" || { echo "FAIL: FST lacks the SystemC signals"; exit 1; }
echo "ok: FST $(wc -c <"$dir/run.fst") bytes"
