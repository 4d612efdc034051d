#!/bin/busybox sh
# /init of the QEMU test guest (busybox-static): an unmodified Linux guest
# with nothing of roam6 in it. Its home address comes from the kernel
# command line (roam6.home_address=ADDR/LEN); like the testbed's namespace
# guests it keeps that address wherever it runs, routes via fe80::1 (its
# home router), takes no SLAAC address and answers probes on UDP 7447.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Before the NIC exists, so it takes them: busybox ip has no nodad, so DAD
# goes off here (the emulated links have no duplicates, and a tentative
# address would delay the first echo); no SLAAC address, no solicitations.
for c in all default; do
  echo 0 > /proc/sys/net/ipv6/conf/$c/accept_dad
  echo 0 > /proc/sys/net/ipv6/conf/$c/autoconf
  echo 0 > /proc/sys/net/ipv6/conf/$c/router_solicitations
done
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover \
         virtio_net e1000; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
home_address=
for word in $(cat /proc/cmdline); do
  case "$word" in roam6.home_address=*) home_address=${word#roam6.home_address=} ;; esac
done
ip link set lo up
ip link set eth0 up
[ -n "$home_address" ] && ip -6 addr add "$home_address" dev eth0
ip -6 route add default via fe80::1 dev eth0
/bin/guest_echo 7447 &
# The NIC's link comes up a moment after (e1000: ~1-2 s of link
# negotiation); ready means it can answer.
for i in $(seq 1 100); do
  [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && break
  sleep 0.1
done
echo "roam6-guest: ready home_address=$home_address mac=$(cat /sys/class/net/eth0/address)"
# A heartbeat on the console, with what its NIC took and sent: a test whose
# guest stops answering can tell a guest that stopped running (its kernel
# hung or crashed) or whose NIC stopped taking frames from a network that
# failed to deliver to it (tests/qemu/qemu_guest.py, the_guest_failed).
while true; do
  sleep 1
  read uptime idle < /proc/uptime
  echo "roam6-guest: alive uptime=$uptime rx=$(cat /sys/class/net/eth0/statistics/rx_packets)" \
       "tx=$(cat /sys/class/net/eth0/statistics/tx_packets)"
done
