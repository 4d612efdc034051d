#!/usr/bin/env bash
# The roam6 demo: installs what is missing, builds the release preset, then
# runs the main job. Exits 0 when everything worked.
#
# Main job, in two acts:
# 1. live migration across sites: the testbed (testbed/roam6-testbed, sites
#    from testbed/sites/three-sites.toml) builds a home site with its Home
#    Agent, two foreign sites and a correspondent around a WAN, each host
#    with mip6d, the DPDK datapath, a private Open vSwitch and
#    roam6-vswitchd; a namespace guest moves home -> paris -> rome -> home
#    the way libvirt and QEMU move it (roam6-libvirt-hook called in
#    libvirt's order, pause, resume, announce), and a real Linux guest
#    under QEMU (TCG; built from Debian's kernel and busybox, tests/qemu)
#    runs under a real libvirtd on every host and is moved by `virsh
#    migrate --live`, roam6 told of it only by its libvirt hook and
#    lifecycle events, while the correspondent sends each 1000 probes a
#    second; each move's outage, the guest's own pause and what
#    roam6 added are printed next to Kagemusha's figure, and each move's
#    timeline is drawn as SVG and PNG (testbed/roam6-plot, gnuplot);
# 2. a guest from site A on an Open vSwitch host at site B, and the flows
#    coming back after ovs-vswitchd restarts (scripts/demo_guest_on_ovs.py).
# (What a foreign site's wire carries, decoded: docs/examples/roam6-decode.md.)
# Network namespaces: needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_DIR=build/demo
JOBS=${ROAM6_JOBS:-$(nproc)}

step() { printf '\n== %s\n' "$*"; }

# Runs a command with its output in a log file; shows the log's end on failure.
logged() {  # <log> <command...>
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -40 "$log"
    echo "demo: failed: $* (full log: $log)" >&2
    exit 1
  fi
}

# ---------------------------------------------------------------- set-up
step "dependencies"
scripts/install-deps.sh
mkdir -p "$DEMO_DIR"

# What the main job runs. It builds these targets only, so the demo does
# not wait for (or fail on) parts it does not use; a demo that runs mip6d
# adds its targets here.
DEMO_TARGETS=(mip6d mip6ctl roam6-vswitchd roam6-libvirt-hook roam6-libvirt-events roam6-wan roam6-probe)

step "build (release preset: ${DEMO_TARGETS[*]})"
logged "$DEMO_DIR/configure.log" cmake --preset release
logged "$DEMO_DIR/build.log" cmake --build --preset release -j "$JOBS" --target "${DEMO_TARGETS[@]}"

# ---------------------------------------------------------------- main job
main_job() {
  # Pictures of an earlier run would be listed with this one's.
  rm -rf "$DEMO_DIR/migration" "$DEMO_DIR/migration-zero-loss"
  step "act 1: guests live-migrate home -> paris -> rome -> home under 1000 probes/s (standard mode): a namespace guest, and a real Linux guest under QEMU that libvirt moves (virsh migrate --live)"
  testbed/roam6-testbed run testbed/sites/three-sites.toml --mode standard --libvirt --out "$DEMO_DIR/migration"

  step "act 1b: the same moves in zero-loss mode (the source holds, the Home Agent says where, the source forwards)"
  testbed/roam6-testbed run testbed/sites/three-sites.toml --mode zero-loss --libvirt \
    --out "$DEMO_DIR/migration-zero-loss"

  step "each move's timeline: probes sent and echoed, the events of the move (testbed/roam6-plot)"
  local mode
  for mode in migration migration-zero-loss; do
    logged "$DEMO_DIR/plot-$mode.log" testbed/roam6-plot "$DEMO_DIR/$mode"
  done
  echo "pictures (SVG and PNG, one per move):"
  ls "$DEMO_DIR"/migration/move-*.svg "$DEMO_DIR"/migration-zero-loss/move-*.svg | sed 's/^/  /'

  step "act 2: a guest from site A on an Open vSwitch host at site B"
  MIP6D=build/release/mip6d/mip6d MIP6CTL=build/release/mip6d/mip6ctl \
    ROAM6_VSWITCHD=build/release/vswitch-plugin/roam6-vswitchd \
    /usr/bin/python3 scripts/demo_guest_on_ovs.py
}

main_job
step "done"
