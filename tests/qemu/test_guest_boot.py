#!/usr/bin/env python3
"""A real, unmodified Linux guest under QEMU (TCG), built from Debian's
kernel and busybox-static (guest_image.py), on a tap in a namespace:

- it boots, brings up its home address on its NIC, and says so on its
  serial console with its MAC;
- it answers probes sent to its home address, every one, from that
  address: with virtio-net, and with e1000 (the NIC whose guest sends no
  unsolicited NA after a move);
- QEMU and the namespace are gone afterwards, also when a test fails.

The base of the migration tests with a real guest (issue 12).
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import harness  # noqa: E402
import qemu_guest  # noqa: E402

HOME_ADDRESS = "2001:db8:a::1001"


class GuestBoot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            print("skipped: needs root (namespaces, taps)")
            sys.exit(harness.SKIP_RETURN_CODE)
        if not os.access(qemu_guest.QEMU, os.X_OK):
            raise AssertionError("no %s: run scripts/install-deps.sh (qemu-system-x86)" % qemu_guest.QEMU)

    def setUp(self):
        self.lab = harness.Lab()
        self.guests = []

    def tearDown(self):
        for g in self.guests:
            g.stop()
        self.lab.close()

    def boot_and_probe(self, nic, mac):
        ns = self.lab.namespace("q", ipv6=True)
        g = qemu_guest.QemuGuest(self.lab, ns, "g1", mac, HOME_ADDRESS, nic=nic)
        self.guests.append(g)
        qemu_guest.wait_for_tap(ns, g.tap)
        qemu_guest.tap_up_as_home_router(ns, g.tap)
        ready = g.wait_ready()
        self.assertIn("home_address=%s/64" % HOME_ADDRESS, ready)
        self.assertIn("mac=%s" % mac, ready)
        results = qemu_guest.probe(harness.InNamespace(ns), HOME_ADDRESS)
        self.assertEqual(results, [(True, HOME_ADDRESS)] * len(results), g.console()[-1500:])

    def test_a_virtio_guest_boots_and_answers_at_its_home_address(self):
        self.boot_and_probe("virtio-net-pci", "52:54:00:00:10:01")

    def test_an_e1000_guest_boots_and_answers_at_its_home_address(self):
        self.boot_and_probe("e1000", "52:54:00:00:10:02")


if __name__ == "__main__":
    unittest.main()
