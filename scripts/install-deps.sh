#!/usr/bin/env bash
# Installs every Debian package roam6 needs to build, test and run its demo.
# Idempotent: silent when nothing is missing. Only Debian's archive is used.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config clang-14 libclang-rt-14-dev
  # libraries
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libssl-dev libsqlite3-dev libtomlplusplus-dev nlohmann-json3-dev
  libdpdk-dev dpdk libpcap-dev libmnl-dev
  # vswitch-plugin: OVSDB rows and libvirt metadata, ovs-ofctl run as a child
  libxml2-dev libboost-filesystem-dev
  # migration-hooks: roam6-libvirt-events (libvirt lifecycle events)
  libvirt-dev
  # Open vSwitch (userspace and DPDK datapaths) for the plugin's tests; roam6
  # runs private instances, never the system's
  openvswitch-switch openvswitch-switch-dpdk
  # mip6d's [metrics] listener: prometheus-cpp's Exposer (libprometheus-cpp-pull)
  prometheus-cpp-dev
  # dpdk-testpmd: the datapath benchmark runs it next to roam6 for the ratio
  dpdk-dev
  # trafgen: only bench/vswitch_bench.py needs it (guest load through OVS)
  netsniff-ng
  # test and demo tooling
  python3 python3-scapy iproute2 procps iputils-ping ethtool
  # the QEMU test guest (tests/qemu): QEMU under TCG, a busybox-static
  # initramfs packed with cpio (its kernel is apt-get download'ed by the test)
  qemu-system-x86 busybox-static cpio
  # real libvirt (tests/libvirt, roam6-testbed --libvirt): private libvirtd
  # instances, one per testbed host; -system makes the libvirt-qemu user the
  # daemon resolves at start (its services are not started: see below)
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients
  # the Home Agent cluster's store (tests/cluster): private etcd members,
  # never the system's (its service is not started: see below)
  etcd-server
  # its v3 gRPC API for the store's transactions: gRPC and protobuf for C++,
  # and etcd's own .proto files with those they import (gogoproto, Google's
  # API annotations), which Debian ships in etcd's Go source package
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler golang-etcd-server-dev
  # testbed/roam6-plot: each move's timeline as SVG and PNG (the demo's pictures)
  gnuplot-nox
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# Packages with services (Open vSwitch) must not start them: roam6 runs its
# own instances, and the system's would hold the default sockets.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  own_policy=1
fi
trap 'if ((own_policy)); then rm -f "$policy"; fi' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
