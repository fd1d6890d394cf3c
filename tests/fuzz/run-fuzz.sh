#!/bin/sh
# run-fuzz.sh — runs one libFuzzer target for a fixed number of executions over a freshly written
# seed corpus. Usage: run-fuzz.sh FUZZER|'' SEED-WRITER {decode|framer} RUNS
# Exit 77 (skipped) when no fuzzer could be built (no clang / libFuzzer).
set -eu

fuzzer=$1 seeds=$2 which=$3 runs=$4

if [ -z "$fuzzer" ] || [ ! -x "$fuzzer" ]; then
        echo "fuzzer not built (clang with -fsanitize=fuzzer unavailable): skipped"
        exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ntk-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
"$seeds" "$work/decode" "$work/framer"
mkdir "$work/new"

# Leaks and UB are failures; ASan must not spend minutes on an adversarial allocation.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

start=$(date +%s)
rc=0
"$fuzzer" -runs="$runs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -seed=1 \
        -print_final_stats=1 -artifact_prefix="$work/" "$work/new" "$work/$which" \
        > "$work/log" 2>&1 || rc=$?
tail -n 40 "$work/log"
if [ "$rc" -ne 0 ]; then
        for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
                [ -e "$a" ] || continue
                echo "artifact $(basename "$a"):"
                od -A d -t x1 "$a" | head -n 40
        done
        exit 1
fi
echo "$(basename "$fuzzer"): $runs executions in $(( $(date +%s) - start )) s"
