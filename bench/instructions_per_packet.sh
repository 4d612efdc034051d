#!/usr/bin/env bash
# Instructions per packet of each datapath pipeline, counted by callgrind
# (this VM has no hardware counters; instruction counts, unlike cycles, do
# not move with a noisy machine). Prints one table:
#   scenario  bindings  packets  stage instructions/pkt  pipeline instructions/pkt
# where the stage runs from a filled burst to its transmission and the
# pipeline's own figure is the stage less transmission alone (the same
# subtraction the cycle figures of datapath_bench make).
#
# Usage: bench/instructions_per_packet.sh [BUILD_DIR] [BINDINGS]
#   BUILD_DIR defaults to build/release, BINDINGS to 1,1000,1000000.
# Under callgrind the bench runs ~50 x slower: 0.3 s of its clock per
# figure counts some tens of thousands of packets, enough for a per-packet
# mean; a million bindings take a minute or two to load.
set -euo pipefail
cd "$(dirname "$0")/.."
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
