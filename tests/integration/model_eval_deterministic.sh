#!/usr/bin/env bash
# Determinism of `vp eval`: two runs of the Fashion-MNIST workload (first 200
# test images, big0 + little0, the default runner firmware) give identical
# accuracies, predictions agreement, instruction counts and simulated times.
#   model_eval_deterministic.sh <vp> <config> <workload>
set -uo pipefail
vp=$1 config=$2 workload=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for i in 1 2; do
  "$vp" eval --config "$config" --workload "$workload" --map big0 --map little0 --limit 200 \
    --json "$dir/eval$i.json" >"$dir/out$i.txt" 2>"$dir/err$i.txt" </dev/null
  status=$?
  if [ "$status" -ne 0 ]; then
    echo "FAIL: run $i: vp eval exited $status"; cat "$dir/out$i.txt"; tail -n 20 "$dir/err$i.txt"
    exit 1
  fi
done
/usr/bin/python3 - "$dir/eval1.json" "$dir/eval2.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
keys = ["mapping", "precision", "vp_accuracy", "reference_accuracy", "identical", "vp_exit_code",
        "simulated_ps", "instructions", "conversions_per_input", "image_bytes"]
fails = []
if a["fp32_accuracy"] != b["fp32_accuracy"]:
    fails.append(f"fp32 accuracy {a['fp32_accuracy']} vs {b['fp32_accuracy']}")
if len(a["mappings"]) != 2 or len(b["mappings"]) != 2:
    fails.append("expected two mappings")
for x, y in zip(a["mappings"], b["mappings"]):
    for k in keys:
        if x[k] != y[k]:
            fails.append(f"{x['mapping']}: {k} {x[k]} vs {y[k]}")
    if x["simulated_ps"] <= 0 or x["identical"] != 200:
        fails.append(f"{x['mapping']}: simulated {x['simulated_ps']} ps, identical {x['identical']}/200")
for f in fails:
    print("FAIL:", f)
if fails:
    sys.exit(1)
print("ok: " + ", ".join("%s %.3f %d ps" % (m["mapping"], m["vp_accuracy"], m["simulated_ps"]) for m in a["mappings"]))
PY
