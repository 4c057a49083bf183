#!/usr/bin/env bash
# `vp compile` of an ONNX model, then `vp run --model` of the image with the
# model_runner firmware and --stats: exit 0, and the stats' "model" section
# lists every compiled layer with its unit, runs = the number of inputs,
# cycles > 0 and energy_pj > 0, MACs adding up to inputs x the model's MACs.
# Once on one unit, once with a per-layer mapping across an int8 and an int4
# unit (CONVERT steps on the host core).
#   model_run_stats.sh <vp> <config> <model_runner.elf> <model.onnx> <unit> <per-layer map>
set -uo pipefail
vp=$1 config=$2 fw=$3 model=$4 unit=$5 mixed=$6
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
inputs=3
fail=0
for map in "$unit" "$mixed"; do
  if ! "$vp" compile --config "$config" --model "$model" --map "$map" -o "$dir/model.hpvm" --layers \
      >"$dir/compile.txt" 2>"$dir/compile.err" </dev/null; then
    echo "FAIL: vp compile --map $map"; cat "$dir/compile.txt" "$dir/compile.err"; exit 1
  fi
  if ! "$vp" run --quiet --config "$config" --firmware "$fw" --model "$dir/model.hpvm" \
      --random-inputs "$inputs" --stats "$dir/stats.json" >"$dir/run.txt" 2>"$dir/run.err" </dev/null; then
    echo "FAIL: vp run --model (map $map) exited non-zero"; tail -n 20 "$dir/run.txt" "$dir/run.err"; exit 1
  fi
  /usr/bin/python3 - "$dir/stats.json" "$dir/compile.txt" "$inputs" "$map" <<'PY' || fail=1
import json, re, sys
stats, compile_out, inputs, mapping = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3]), sys.argv[4]
d = json.load(open(stats))
fails = []
macs = int(re.search(r"\(\d+ layers, (\d+) MACs", compile_out).group(1))
conversions = int(re.search(r"(\d+) conversions per input", compile_out).group(1))
# --layers table: "  <name> <op> <unit> <macs>" after the header line
table = [l.split() for l in compile_out.splitlines()[2:] if l.startswith("  ")]
if "model" not in d:
    print("FAIL: no 'model' section in the stats"); sys.exit(1)
m = d["model"]
layers = m["layers"]
if len(layers) != len(table) or not layers:
    fails.append(f"{len(layers)} layers in the stats, {len(table)} compiled")
for l, row in zip(layers, table):
    if l["name"] != row[0] or l["unit"] != row[2]:
        fails.append(f"layer {l['name']} on {l['unit']}, compiled {row[0]} on {row[2]}")
    for k in ("cycles", "energy_pj"):
        if not l.get(k, 0) > 0:
            fails.append(f"layer {l['name']}: {k} = {l.get(k)}")
    if l.get("runs") != inputs:
        fails.append(f"layer {l['name']}: runs = {l.get('runs')}, {inputs} inputs")
    if l.get("macs") != inputs * int(row[3]):
        fails.append(f"layer {l['name']}: macs = {l.get('macs')}, {inputs} x {row[3]} expected")
total = sum(l.get("macs", 0) for l in layers)
if total != inputs * macs:
    fails.append(f"{total} MACs in the stats, {inputs} x {macs} expected")
if m.get("conversions_per_input") != conversions:
    fails.append(f"conversions_per_input {m.get('conversions_per_input')} != {conversions}")
if "," in mapping and conversions == 0:
    fails.append("a mixed int8/int4 mapping without CONVERT steps")
for f in fails:
    print(f"FAIL ({mapping}):", f)
if fails:
    sys.exit(1)
print(f"ok ({mapping}): {len(layers)} layers, {total} MACs, {conversions} conversions/input")
PY
done
exit $fail
