#!/usr/bin/env bash
# The roam6 demo: installs what is missing, builds the release preset, then
# runs the main job. Exits 0 when everything worked.
#
# Main job (today), in two acts:
# 1. a guest whose home is site A runs on a host at site B behind a real
#    Open vSwitch bridge: libvirt's port transaction, roam6-vswitchd naming
#    and steering the guest, mip6d registering it with the Home Agent, the
#    guest reaching a correspondent from its home address through OVS, the
#    DPDK datapath and the tunnel, and the flows coming back after
#    ovs-vswitchd restarts (scripts/demo_guest_on_ovs.py; network
#    namespaces, needs root);
# 2. what site B's wire sees meanwhile -- the home-link emulation (RS/RA,
#    NS/NA), the Binding Update and Acknowledgement (Home Address option,
#    type 2 routing header, replay protection, RFC 4285 authentication) and
#    data through the ip6ip6 tunnel -- as a capture made with scapy and
#    decoded by roam6-decode with roam6's wire library.
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
DEMO_TARGETS=(mip6d mip6ctl roam6-vswitchd roam6-decode roam6-build)

step "build (release preset: ${DEMO_TARGETS[*]})"
logged "$DEMO_DIR/configure.log" cmake --preset release
logged "$DEMO_DIR/build.log" cmake --build --preset release -j "$JOBS" --target "${DEMO_TARGETS[@]}"
DECODE=build/release/tools/roam6-decode

# ---------------------------------------------------------------- main job
main_job() {
  local capture=$DEMO_DIR/bu-ba-exchange.pcap

  step "act 1: a guest from site A on an Open vSwitch host at site B"
  MIP6D=build/release/mip6d/mip6d MIP6CTL=build/release/mip6d/mip6ctl \
    ROAM6_VSWITCHD=build/release/vswitch-plugin/roam6-vswitchd \
    /usr/bin/python3 scripts/demo_guest_on_ovs.py

  step "act 2: the same exchange on site B's wire"

  step "capture: guest at site B -- home-link emulation, BU/BA, tunnelled data (scapy)"
  /usr/bin/python3 tests/conformance/make_demo_capture.py "$capture"

  step "decode: $DECODE $capture"
  "$DECODE" "$capture"

  # Every frame must decode cleanly: the demo fails on any wire error.
  local errors
  errors=$("$DECODE" --json "$capture" | grep -c '"errors":\[{' || true)
  if ((errors != 0)); then
    echo "demo: $errors frame(s) did not decode cleanly" >&2
    exit 1
  fi
}

main_job
step "done"
