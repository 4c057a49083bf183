#!/usr/bin/env bash
# Runs a command and checks its exit status and output.
#   expect_run.sh [--exit N | --nonzero] [--stdout ERE]... [--stderr ERE]...
#                 [--no-stdout ERE]... -- command args...
# Every --stdout/--stderr pattern must match some line (grep -E); every
# --no-stdout pattern must match none. Prints the output on failure.
set -uo pipefail
expect_exit=0
nonzero=0
stdout_res=() stderr_res=() absent_res=()
while [ $# -gt 0 ]; do
  case "$1" in
    --exit) expect_exit=$2; shift 2 ;;
    --nonzero) nonzero=1; shift ;;
    --stdout) stdout_res+=("$2"); shift 2 ;;
    --stderr) stderr_res+=("$2"); shift 2 ;;
    --no-stdout) absent_res+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "expect_run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err" </dev/null
status=$?
fail=0
if [ "$nonzero" = 1 ]; then
  [ "$status" -ne 0 ] || { echo "FAIL: expected a non-zero exit status, got 0"; fail=1; }
elif [ "$status" -ne "$expect_exit" ]; then
  echo "FAIL: expected exit status $expect_exit, got $status"; fail=1
fi
for re in "${stdout_res[@]+"${stdout_res[@]}"}"; do
  grep -Eq -- "$re" "$out" || { echo "FAIL: stdout does not match /$re/"; fail=1; }
done
for re in "${stderr_res[@]+"${stderr_res[@]}"}"; do
  grep -Eq -- "$re" "$err" || { echo "FAIL: stderr does not match /$re/"; fail=1; }
done
for re in "${absent_res[@]+"${absent_res[@]}"}"; do
  if grep -Eq -- "$re" "$out"; then echo "FAIL: stdout unexpectedly matches /$re/"; fail=1; fi
done
if [ "$fail" -ne 0 ]; then
  echo "--- command: $*"; echo "--- stdout:"; tail -n 40 "$out"; echo "--- stderr:"; tail -n 40 "$err"
  exit 1
fi
echo "ok: exit $status"
