#!/usr/bin/env bash
# Runs every libFuzzer target in <build-dir>/tests/fuzz for <seconds> each,
# starting from its committed seed corpus (copied, so the repository's corpus
# only changes on purpose). Two at a time on a 2-core machine.
# Writes <log-dir>/fuzz-count and fuzz-failed; exits non-zero on any crash,
# sanitizer report or leak.
set -uo pipefail
BUILD=${1:?build dir}
SECONDS_EACH=${2:-60}
LOG_DIR=${3:-$BUILD/fuzz-logs}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$LOG_DIR"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mapfile -t TARGETS < <(find "$BUILD/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
echo "${#TARGETS[@]}" >"$LOG_DIR/fuzz-count"
echo 0 >"$LOG_DIR/fuzz-failed"
if ((${#TARGETS[@]} == 0)); then
  echo "no fuzz targets found under $BUILD/tests/fuzz" >&2
  echo 1 >"$LOG_DIR/fuzz-failed"
  exit 1
fi

run_one() {
  local target=$1 name corpus
  name=$(basename "$target")
  corpus="$WORK/$name"
  mkdir -p "$corpus"
  cp -r "$HERE/corpus/$name/." "$corpus/" 2>/dev/null || true
  if "$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$WORK/$name-" "$corpus" >"$LOG_DIR/$name.log" 2>&1; then
    echo "  $name: ok ($(grep -E 'stat::number_of_executed_units' "$LOG_DIR/$name.log" | awk '{print $2}') runs)"
    return 0
  fi
  echo "  $name: FAILED (log: $LOG_DIR/$name.log)"
  grep -E "ERROR|SUMMARY|runtime error" "$LOG_DIR/$name.log" | head -5
  return 1
}

failed=0
pids=()
names=()
for target in "${TARGETS[@]}"; do
  run_one "$target" &
  pids+=($!)
  names+=("$target")
  if ((${#pids[@]} == 2)); then
    for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
    pids=()
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done

echo "$failed" >"$LOG_DIR/fuzz-failed"
((failed == 0))
