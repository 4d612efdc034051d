#!/usr/bin/env python3
"""testbed/delivery_recorder.py: it records, with the kernel's time, the
probes a guest tap is given (outgoing on a vnetN/tapN, roam6-probe's magic)
and nothing else; and it accepts a lost probe as left unread in the source's
tap only when that tap was given it before the source's replay window and
no tap was given it after."""

import os
import socket
import struct
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "testbed"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402
import delivery_recorder as dr  # noqa: E402

MS = 1_000_000


def probe_frame(sequence, magic=b"R6PB"):
    payload = magic + struct.pack("!IQ", sequence, 0) + bytes(16)
    ip = struct.pack("!IHBB", 6 << 28, 8 + len(payload), 17, 64) + bytes(32)
    return bytes(6) + b"\x02" + bytes(5) + b"\x86\xdd" + ip + struct.pack("!HHHH", 1, 7, 8 + len(payload), 0) + payload


class Recording(unittest.TestCase):
    def setUp(self):
        self.lab = harness.Lab()
        self.addCleanup(self.lab.close)
        self.ns = self.lab.namespace("rec")
        self.lab.veth(self.ns, "vnet7", self.ns, "peer7")
        self.lab.veth(self.ns, "up7", self.ns, "other7")

    def send(self, interface, frame):
        with harness.InNamespace(self.ns):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((interface, 0))
        s.send(frame)
        s.close()

    def test_records_probes_given_to_a_guest_tap_with_the_kernels_time(self):
        recorder = dr.DeliveryRecorder({"h": self.ns})
        before = time.monotonic_ns()
        self.send("vnet7", probe_frame(41))
        self.send("vnet7", probe_frame(42))
        self.send("up7", probe_frame(43))  # not a guest's tap
        self.send("vnet7", probe_frame(44, magic=b"XXXX"))  # not a probe
        self.send("peer7", probe_frame(45))  # the guest's way out: incoming on vnet7
        time.sleep(0.5)
        after = time.monotonic_ns()
        given = recorder.stop()
        self.assertEqual(sorted(given["h"]), [41, 42])
        self.assertEqual(recorder.dropped, {"h": 0})
        for sequence in (41, 42):
            (t,) = given["h"][sequence]
            self.assertTrue(before - 5 * MS <= t <= after, (before, t, after))


class UnreadBeforeTheWindow(unittest.TestCase):
    STOP = 10_000 * MS

    def test_given_to_the_source_before_the_window_and_never_after(self):
        early = self.STOP - dr.REPLAY_BEFORE_STOP_NS - 1
        given = {"src": {1: [early]}, "dst": {}}
        self.assertEqual(dr.unread_before_the_window(given, [1], "src", self.STOP), [1])

    def test_within_the_window_is_roam6s_to_save(self):
        inside = self.STOP - dr.REPLAY_BEFORE_STOP_NS
        given = {"src": {1: [inside]}, "dst": {}}
        self.assertEqual(dr.unread_before_the_window(given, [1], "src", self.STOP), [])

    def test_given_again_after_the_window_is_roam6s_to_save(self):
        early = self.STOP - dr.REPLAY_BEFORE_STOP_NS - 5 * MS
        given = {"src": {1: [early]}, "dst": {1: [self.STOP + 300 * MS]}}
        self.assertEqual(dr.unread_before_the_window(given, [1], "src", self.STOP), [])

    def test_never_given_to_the_source_is_roam6s_to_save(self):
        given = {"src": {}, "dst": {1: [self.STOP - 500 * MS]}}
        self.assertEqual(dr.unread_before_the_window(given, [1], "src", self.STOP), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
