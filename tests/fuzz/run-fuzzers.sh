#!/usr/bin/env bash
# Runs every libFuzzer target in <build-dir>/tests/fuzz for <seconds> each,
# starting from its committed seed corpus (copied, so the repository's corpus
# only changes on purpose). Two at a time on a 2-core machine
# (ROAM6_FUZZ_JOBS to change that).
#
#   tests/fuzz/run-fuzzers.sh <build-dir> [seconds, default 60] [log-dir]
#
# Prints one line per target; writes <log-dir>/<target>.log, any crash input
# as <log-dir>/<target>-crash-* (or -leak-, -timeout-, -oom-), and
# <log-dir>/fuzz-count and fuzz-failed. Exits non-zero on any crash,
# sanitizer report, failed check, leak, timeout or missing seed corpus.
# Reproduce a failure with: <build-dir>/tests/fuzz/<target> <crash file>
set -uo pipefail
BUILD=${1:?usage: run-fuzzers.sh <build-dir> [seconds] [log-dir]}
SECONDS_EACH=${2:-60}
LOG_DIR=${3:-$BUILD/fuzz-logs}
JOBS=${ROAM6_FUZZ_JOBS:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$LOG_DIR"
LOG_DIR=$(cd "$LOG_DIR" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

TARGETS=()
if [[ -d $BUILD/tests/fuzz ]]; then
  mapfile -t TARGETS < <(find "$BUILD/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
fi
echo "${#TARGETS[@]}" >"$LOG_DIR/fuzz-count"
echo 0 >"$LOG_DIR/fuzz-failed"
if ((${#TARGETS[@]} == 0)); then
  echo "no fuzz targets found under $BUILD/tests/fuzz (configure and build the 'fuzz' preset)" >&2
  echo 1 >"$LOG_DIR/fuzz-failed"
  exit 1
fi
echo "fuzzing ${#TARGETS[@]} targets for ${SECONDS_EACH}s each, $JOBS at a time (logs: $LOG_DIR)"

run_one() {
  local target=$1 name corpus log stats
  name=$(basename "$target")
  corpus="$WORK/$name"
  log="$LOG_DIR/$name.log"
  rm -f "$LOG_DIR/$name"-crash-* "$LOG_DIR/$name"-leak-* "$LOG_DIR/$name"-timeout-* "$LOG_DIR/$name"-oom-*
  if [[ ! -d $HERE/corpus/$name ]] || [[ -z $(ls -A "$HERE/corpus/$name") ]]; then
    echo "  $name: FAILED (no seed corpus in tests/fuzz/corpus/$name; run tests/fuzz/make_seed_corpus.py)"
    return 1
  fi
  mkdir -p "$corpus"
  cp -r "$HERE/corpus/$name/." "$corpus/"
  if "$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$LOG_DIR/$name-" "$corpus" >"$log" 2>&1; then
    stats=$(awk '/stat::number_of_executed_units/ {runs=$2} /^#[0-9]+.*cov:/ {cov=$0}
                 END {sub(/.*cov: /, "", cov); sub(/ corp:.*/, "", cov); printf "%s runs, cov %s", runs, cov}' "$log")
    echo "  $name: ok ($stats)"
    return 0
  fi
  # One write, so the lines of two targets finishing together do not mix.
  printf '%s\n%s\n' "  $name: FAILED (log: $log)" \
    "$(grep -E "fuzz check failed|ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -6 | sed 's/^/    /')"
  return 1
}

failed=0
pids=()
for target in "${TARGETS[@]}"; do
  run_one "$target" &
  pids+=($!)
  if ((${#pids[@]} == JOBS)); then
    for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
    pids=()
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done

echo "$failed" >"$LOG_DIR/fuzz-failed"
echo "fuzz: $((${#TARGETS[@]} - failed)) passed, $failed failed"
((failed == 0))
