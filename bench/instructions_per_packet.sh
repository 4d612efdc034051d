#!/usr/bin/env bash
# Instructions per packet of each datapath pipeline, counted by callgrind
# (this VM has no hardware counters; instruction counts, unlike cycles, do
# not move with a noisy machine). Prints one table:
#   scenario  bindings  packets  stage instructions/pkt  pipeline instructions/pkt
# where the stage runs from a filled burst to its transmission and the
# pipeline's own figure is the stage less transmission alone (the same
# subtraction the cycle figures of datapath_bench make).
#
# Usage: bench/instructions_per_packet.sh [--check BASELINE] [BUILD_DIR] [BINDINGS]
#   BUILD_DIR defaults to build/release, BINDINGS to 1,1000,1000000.
#   --check: after the table, compare each pipeline figure with the same
#   scenario and bindings in BASELINE (this script's own output, e.g.
#   bench/instructions_baseline.txt) and exit 1 if one grew by more than
#   CHECK_TOLERANCE (default 2 %). Counts move by a few tenths of an
#   instruction between runs (per-burst work spread over a different number
#   of packets; the bench fixes the table's hash seed under --instructions),
#   so anything beyond that is the code; a new compiler or DPDK moves them
#   too: save a new baseline then.
# Under callgrind the bench runs ~50 x slower: 0.3 s of its clock per
# figure counts some tens of thousands of packets, enough for a per-packet
# mean; a million bindings take a minute or two to load.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=
if [[ ${1:-} == --check ]]; then
  baseline=${2:?--check needs a baseline file}
  [[ -r $baseline ]] || { echo "no baseline $baseline" >&2; exit 2; }
  shift 2
fi
build=${1:-build/release}
bindings=${2:-1,1000,1000000}
bench=$build/bench/datapath_bench
[[ -x $bench ]] || { echo "no $bench: build the release preset first" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }

out=$(mktemp -d /tmp/roam6-instructions.XXXXXX)
trap '[[ -n ${ROAM6_KEEP_CALLGRIND:-} ]] || rm -rf "$out"' EXIT
valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg.out" \
  "$bench" --instructions --no-testpmd --memory no-huge --seconds 0.3 --bindings "$bindings" \
  >"$out/bench.log" 2>"$out/valgrind.log" || { cat "$out/bench.log" "$out/valgrind.log" >&2; exit 1; }

# One dump per run, in the order the runs went: "desc: Trigger: Client
# Request: <scenario> <bindings> <packets>" and "summary: <Ir>".
table=$out/table.txt
{
printf "%-12s %10s %10s %24s %27s\n" scenario bindings packets "stage instructions/pkt" \
  "pipeline instructions/pkt"
for n in $(ls "$out" | sed -nE 's/^cg\.out\.([0-9]+)$/\1/p' | sort -n); do
  f=$out/cg.out.$n
  label=$(sed -nE 's/^desc: Trigger: Client Request: (.*)$/\1/p' "$f")
  ir=$(sed -nE 's/^summary: ([0-9]+).*/\1/p' "$f")
  echo "$label $ir"
done | awk '
  $1 == "transmit" { transmit = $4 / $3; next }
  { stage = $4 / $3; printf "%-12s %10d %10d %24.1f %27.1f\n", $1, $2, $3, stage, stage - transmit }'
} | tee "$table"

[[ -n $baseline ]] || exit 0
# Scenario and bindings name a row in both; column 5 is the pipeline's figure.
awk -v tolerance="${CHECK_TOLERANCE:-2}" '
  /^#/ || $1 == "scenario" { next }
  NR == FNR { before[$1 " " $2] = $5; next }
  ($1 " " $2) in before {
    b = before[$1 " " $2]; growth = b > 0 ? 100 * ($5 - b) / b : 0
    verdict = growth > tolerance ? "REGRESSED" : "ok"
    if (growth > tolerance) failed = 1
    printf "check %-12s %10s: %.1f -> %.1f instructions/pkt (%+.1f %%) %s\n", $1, $2, b, $5, growth, verdict
    checked++
  }
  END {
    if (checked == 0) { print "check: no row of the baseline matches"; exit 1 }
    exit failed
  }' "$baseline" "$table"
