#!/usr/bin/env python3
"""When a QEMU or libvirt test's guest stops answering, qemu_guest.the_guest_failed
decides whether the guest itself failed (the test then runs once more with
a fresh guest) or the network failed it (the test fails). Blaming the guest
for roam6's failure would hide it, so the cases that must not blame the
guest matter most here: a guest that runs and whose tap dropped nothing for
it is never blamed, whatever its counters say.

Consoles are files written as the guest writes them (guest_init.sh's
heartbeat), their age set with os.utime.
"""

import contextlib
import os
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import qemu_guest  # noqa: E402

BOOT = "SeaBIOS\nBooting from ROM...\nroam6-guest: ready home_address=2001:db8:a::1001/64 mac=52:54:00:00:00:01\n"


def beats(uptimes_and_rx):
    return "".join("roam6-guest: alive uptime=%.2f rx=%d tx=%d\n" % (u, rx, rx // 2) for u, rx in uptimes_and_rx)


class TheGuestFailed(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.now = time.time()

    def tearDown(self):
        self.dir.cleanup()

    def console(self, name, text, age_s):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(text)
        os.utime(path, (self.now - age_s, self.now - age_s))
        return path

    def verdict(self, paths, tap_dropped=0, running=True):
        return qemu_guest.the_guest_failed(paths, tap_dropped, running, now=self.now)

    def test_a_kernel_panic_on_either_console_is_the_guests(self):
        source = self.console("src", BOOT + beats([(10, 5), (11, 9)]), 30)
        destination = self.console("dst", "BUG: kernel NULL pointer dereference\nKernel panic - not syncing: "
                                          "Fatal exception in interrupt\n", 1)
        self.assertEqual(self.verdict([source, destination]), "Kernel panic - not syncing: Fatal exception in "
                                                              "interrupt")

    def test_a_guest_silent_since_its_move_stopped_running(self):
        # The source's last heartbeat before the move; the destination's
        # console was made when its QEMU started, and never written.
        source = self.console("src", BOOT + beats([(10, 5), (11, 9)]), 20)
        destination = self.console("dst", "", 21)
        why = self.verdict([source, destination])
        self.assertIsNotNone(why)
        self.assertIn("no heartbeat", why)

    def test_a_guest_its_hypervisor_holds_paused_is_not_blamed_for_its_silence(self):
        # A migration that failed (a hook that broke it, say) leaves the
        # guest paused: silent, but not by its own doing.
        source = self.console("src", BOOT + beats([(10, 5), (11, 9)]), 20)
        destination = self.console("dst", "", 21)
        self.assertIsNone(self.verdict([source, destination], running=False))

    def test_a_guest_whose_heartbeat_goes_on_is_running(self):
        source = self.console("src", BOOT + beats([(10, 5), (11, 9)]), 20)
        destination = self.console("dst", beats([(12, 9), (13, 20), (14, 31)]), 0.5)
        self.assertIsNone(self.verdict([source, destination]))

    def test_a_nic_that_takes_nothing_while_its_tap_drops_is_the_guests(self):
        destination = self.console("dst", BOOT + beats([(t, 40) for t in range(12, 24)]), 0.5)
        why = self.verdict([destination], tap_dropped=5000)
        self.assertIsNotNone(why)
        self.assertIn("NIC took no frame", why)

    def test_a_network_that_delivers_nothing_is_never_blamed_on_the_guest(self):
        # Same silent NIC, but its tap dropped nothing: nothing reached it,
        # which is the network's failure (roam6's), not the guest's.
        destination = self.console("dst", BOOT + beats([(t, 40) for t in range(12, 24)]), 0.5)
        self.assertIsNone(self.verdict([destination], tap_dropped=0))
        self.assertIsNone(self.verdict([destination], tap_dropped=qemu_guest.TAP_DROPS_OF_A_STALLED_NIC - 1))

    def test_a_nic_that_still_takes_frames_is_not_stalled_whatever_its_tap_dropped(self):
        # A guest under TCG falls behind a 1 kHz stream: its tap drops some,
        # it takes the rest.
        destination = self.console("dst", BOOT + beats([(t, 100 * t) for t in range(12, 24)]), 0.5)
        self.assertIsNone(self.verdict([destination], tap_dropped=5000))

    def test_a_kernel_bug_after_which_it_sends_nothing_is_the_guests(self):
        source = self.console("src", BOOT + beats([(4, 5), (5, 9)]), 20)
        destination = self.console("dst", "[    5.894818] BUG: scheduling while atomic: swapper/0/0/0x00000002\n" + "".join(
            "roam6-guest: alive uptime=%d rx=%d tx=697\n" % (t, 1000 * t) for t in range(6, 20)), 0.5)
        why = self.verdict([source, destination])
        self.assertIsNotNone(why)
        self.assertIn("BUG: scheduling while atomic", why)
        self.assertIn("has sent nothing since", why)

    def test_a_kernel_bug_is_not_blamed_while_the_guest_still_sends(self):
        destination = self.console("dst", BOOT + "[    5.8] BUG: scheduling while atomic: swapper/0\n" +
                                   beats([(t, 100 * t) for t in range(6, 20)]), 0.5)
        self.assertIsNone(self.verdict([destination]))

    def test_a_guest_that_takes_frames_and_sends_nothing_is_not_blamed_without_a_kernel_bug(self):
        # roam6 could deliver frames the guest has no reason to answer.
        destination = self.console("dst", BOOT + "".join(
            "roam6-guest: alive uptime=%d rx=%d tx=697\n" % (t, 1000 * t) for t in range(6, 20)), 0.5)
        self.assertIsNone(self.verdict([destination]))

    def test_a_short_lull_is_not_a_stall(self):
        destination = self.console("dst", BOOT + beats([(12, 5), (13, 40), (14, 40), (15, 40)]), 0.5)
        self.assertIsNone(self.verdict([destination], tap_dropped=5000))

    def test_a_guest_that_never_booted_is_not_blamed_here(self):
        # No heartbeat ever: the test's own failure (boot, ready line) says why.
        self.assertIsNone(self.verdict([self.console("src", "SeaBIOS\n", 60)]))

    def test_a_line_cut_by_the_end_of_the_file_is_skipped(self):
        destination = self.console("dst", BOOT + beats([(12, 5), (13, 9)]) + "roam6-guest: alive uptime=14.0 r", 0.5)
        self.assertEqual([b["rx"] for b in qemu_guest.heartbeats(qemu_guest.console_text(destination))], [5, 9])
        self.assertIsNone(self.verdict([destination], tap_dropped=5000))

    def test_a_report_keeps_the_last_heartbeats_and_everything_else(self):
        text = BOOT + beats([(t, t) for t in range(10, 20)]) + "Kernel panic - not syncing: x\n"
        shown = qemu_guest.console_for_a_report(text).splitlines()
        self.assertIn("[7 heartbeats left out]", shown)
        self.assertEqual(sum(qemu_guest.HEARTBEAT in line for line in shown), 3)
        self.assertEqual(shown[-1], "Kernel panic - not syncing: x")
        self.assertIn("Booting from ROM...", shown)


class ProbeGivesUp(unittest.TestCase):
    """probe(give_up=...) stops at the first unanswered datagram whose
    give_up() names a reason, instead of spending every datagram's tries."""

    def setUp(self):
        # A port nothing listens on: no echo ever comes.
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
            self.port = s.getsockname()[1]

    def test_a_reason_raises_guest_failed_after_the_first_unanswered_datagram(self):
        asked = []

        def give_up():
            asked.append(True)
            return "no heartbeat on its console for 9 s: the guest stopped running"
        with self.assertRaises(qemu_guest.GuestFailed) as raised:
            qemu_guest.probe(contextlib.nullcontext(), "::1", count=10, port=self.port, timeout=0.05, tries=2,
                             give_up=give_up)
        self.assertEqual(len(asked), 1)
        self.assertIn("stopped running", str(raised.exception))

    def test_no_reason_lets_the_probe_finish_and_report(self):
        asked = []
        results = qemu_guest.probe(contextlib.nullcontext(), "::1", count=3, port=self.port, timeout=0.05,
                                   give_up=lambda: asked.append(True))
        self.assertEqual(results, [(False, None)] * 3)
        self.assertEqual(len(asked), 3)


if __name__ == "__main__":
    unittest.main()
