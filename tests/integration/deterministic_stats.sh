#!/usr/bin/env bash
# Runs the same config + firmware twice and checks the UART output and the
# stats JSON are bit-identical (the determinism contract).
#   deterministic_stats.sh <vp> <config> <elf>
set -euo pipefail
vp=$1 config=$2 elf=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for i in 1 2; do
  "$vp" run --quiet --config "$config" --firmware "$elf" --stats "$dir/stats$i.json" \
    >"$dir/out$i.txt" </dev/null
done
cmp "$dir/out1.txt" "$dir/out2.txt"
cmp "$dir/stats1.json" "$dir/stats2.json"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["vp"]["instructions"] > 0; assert d["components"]["cpu0"]["instructions"] == d["vp"]["instructions"]' "$dir/stats1.json"
echo "ok: two runs identical ($(wc -c <"$dir/stats1.json") bytes of stats)"
