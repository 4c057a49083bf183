#!/usr/bin/env bash
# Accuracy regression of the model compiler + runner firmware: `vp eval` of
# the Fashion-MNIST workload on biglittle for big0 (int8) and little0 (int4)
# on the first 500 test images. Every VP run must exit 0, the VP's
# predictions must equal the host-side reference of the same image for all
# 500 inputs, and the accuracies must stay in the expected bands (measured:
# int8 91.6 %, int4 86.8 %, fp32 92.6 %).
#   model_eval_accuracy.sh <vp> <config> <workload> <model_runner.elf>
set -uo pipefail
vp=$1 config=$2 workload=$3 fw=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$vp" eval --config "$config" --workload "$workload" --firmware "$fw" --map big0 --map little0 \
  --limit 500 --json "$dir/eval.json" >"$dir/out.txt" 2>"$dir/err.txt" </dev/null
status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL: vp eval exited $status (0 expected)"
  cat "$dir/out.txt"; tail -n 20 "$dir/err.txt"
  exit 1
fi
/usr/bin/python3 - "$dir/eval.json" <<'PY' || { cat "$dir/out.txt"; exit 1; }
import json, sys
d = json.load(open(sys.argv[1]))
fails = []
def check(ok, what):
    if not ok:
        fails.append(what)
check(d["inputs"] == 500, f"inputs {d['inputs']} != 500")
fp32 = d["fp32_accuracy"]
check(0.91 <= fp32 <= 0.94, f"fp32 accuracy {fp32} outside [0.91, 0.94]")
bands = {"big0": ("int8", 0.90, 0.94), "little0": ("int4", 0.84, 0.90)}
seen = set()
for m in d["mappings"]:
    name = m["mapping"]
    seen.add(name)
    prec, lo, hi = bands[name]
    check(m["precision"] == prec, f"{name}: precision {m['precision']} != {prec}")
    check(m["vp_exit_code"] == 0, f"{name}: VP exit code {m['vp_exit_code']}")
    check(m["identical"] == 500, f"{name}: only {m['identical']}/500 VP predictions equal the host reference")
    check(m["vp_accuracy"] == m["reference_accuracy"],
          f"{name}: VP accuracy {m['vp_accuracy']} != reference {m['reference_accuracy']}")
    check(lo <= m["vp_accuracy"] <= hi, f"{name}: accuracy {m['vp_accuracy']} outside [{lo}, {hi}]")
    check(m["simulated_ps"] > 0 and m["instructions"] > 0, f"{name}: nothing simulated")
    check(m["conversions_per_input"] == 0, f"{name}: {m['conversions_per_input']} conversions")
    check(m["vp_accuracy"] <= fp32 + 0.005, f"{name}: quantized accuracy above fp32")
check(seen == set(bands), f"mappings {sorted(seen)}")
for f in fails:
    print("FAIL:", f)
if fails:
    sys.exit(1)
print("ok: fp32 %.3f, %s" % (fp32, ", ".join("%s %s %.3f" % (m["mapping"], m["precision"], m["vp_accuracy"]) for m in d["mappings"])))
PY
