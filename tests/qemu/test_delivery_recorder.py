#!/usr/bin/env python3
"""testbed/delivery_recorder.py: it records, with the kernel's time, the
probes a guest tap is given (outgoing on a vnetN/tapN) and the echoes the
guest sends into it (incoming), and nothing else; and it calls a lost probe
the guest's only when the guest never answered it and it was given to the
guest's tap where the guest would read it."""

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


def probe_frame(sequence, magic=b"R6PB", next_header=17):
    payload = magic + struct.pack("!IQ", sequence, 0) + bytes(16)
    ip = struct.pack("!IHBB", 6 << 28, 8 + len(payload), next_header, 64) + bytes(32)
    return (b"\x02" + bytes(5) + b"\x02" + bytes(5) + b"\x86\xdd" + ip
            + struct.pack("!HHHH", 1, 7, 8 + len(payload), 0) + payload)


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

    def test_records_what_a_guest_tap_is_given_and_answers_with_the_kernels_time(self):
        recorder = dr.DeliveryRecorder({"h": self.ns})
        before = time.monotonic_ns()
        self.send("vnet7", probe_frame(41))  # given to the guest
        self.send("vnet7", probe_frame(42))
        self.send("peer7", probe_frame(43))  # the guest's echo: into vnet7
        self.send("up7", probe_frame(44))  # not a guest's tap
        self.send("vnet7", probe_frame(45, magic=b"XXXX"))  # not a probe
        self.send("vnet7", probe_frame(46, next_header=6))  # not UDP
        time.sleep(0.5)
        after = time.monotonic_ns()
        given = recorder.stop()
        self.assertEqual(sorted(given["h"]), [41, 42])
        self.assertEqual(sorted(recorder.answered["h"]), [43])
        self.assertEqual(recorder.dropped, {"h": 0})
        self.assertEqual(recorder.unstamped, {"h": 0})
        for t in (given["h"][41][0], given["h"][42][0], recorder.answered["h"][43][0]):
            self.assertTrue(before - 5 * MS <= t <= after, (before, t, after))


class TheGuestsOwn(unittest.TestCase):
    STOP = 10_000 * MS
    EARLY = STOP - dr.REPLAY_BEFORE_STOP_NS - 1
    INSIDE = STOP - dr.REPLAY_BEFORE_STOP_NS

    def own(self, given, answered=None):
        return dr.the_guests_own(given, answered or {}, [1], "src", self.STOP)

    def test_given_to_the_source_before_the_window_and_never_answered(self):
        self.assertEqual(self.own({"src": {1: [self.EARLY]}, "dst": {}}), [1])

    def test_given_to_the_destination_and_never_answered(self):
        self.assertEqual(self.own({"src": {}, "dst": {1: [self.STOP + 300 * MS]}}), [1])

    def test_given_to_the_source_inside_the_window_only_was_roam6s_to_replay(self):
        self.assertEqual(self.own({"src": {1: [self.INSIDE]}, "dst": {}}), [])

    def test_replayed_to_the_destination_and_never_answered(self):
        self.assertEqual(self.own({"src": {1: [self.INSIDE]}, "dst": {1: [self.STOP + 300 * MS]}}), [1])

    def test_given_to_no_tap_is_roam6s(self):
        self.assertEqual(self.own({"src": {}, "dst": {}}), [])

    def test_answered_and_lost_on_the_way_back_is_roam6s(self):
        self.assertEqual(self.own({"src": {1: [self.EARLY]}, "dst": {}}, {"src": {1: [self.EARLY + MS]}}), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
