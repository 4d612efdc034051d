#!/bin/sh
# Runs datapath_bench on hugepages and gives them back afterwards.
#
# The bench itself only uses hugepages that are already free (and falls back
# to --no-huge otherwise); this script is the operator's way to lend it some
# for one run: it raises vm.nr_hugepages by what the bench needs, mounts
# hugetlbfs if nothing is mounted at /dev/hugepages, runs the bench, and
# restores the previous reservation whatever happens. Needs root.
#
# Usage: bench/run_datapath_bench.sh [path/to/datapath_bench] [bench options...]
set -eu

bench=${1:-build/release/bench/datapath_bench}
[ $# -gt 0 ] && shift
pages_needed=1024   # 2 MiB pages: the bench's hugepage_mb_needed (1536 MiB) and some slack

nr=/proc/sys/vm/nr_hugepages
before=$(cat "$nr")
mounted_here=no
restore() {
  echo "$before" > "$nr"
  if [ "$mounted_here" = yes ]; then umount /dev/hugepages || true; fi
}
trap restore EXIT INT TERM

echo $((before + pages_needed)) > "$nr"
mkdir -p /dev/hugepages
if ! mountpoint -q /dev/hugepages; then
  mount -t hugetlbfs nodev /dev/hugepages
  mounted_here=yes
fi
"$bench" --memory huge "$@"
