#!/usr/bin/env python3
"""roam6-wan between two namespaces, measured with roam6-probe.

    [a] a0 --- wa [wan: roam6-wan] wb --- b0 [b]

- the one-way delay is each port's delay, summed: the probes' round trip
  is twice that, to well under a millisecond (median);
- loss set at run time through the control socket drops about that share
  in each direction, and is counted per port;
- frames are never duplicated or reordered by it;
- a port set down passes nothing, and everything again once up;
- a malformed command gets an error answer, the WAN keeps running.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

import harness  # noqa: E402
from harness import Lab, run  # noqa: E402

WAN = os.environ.get("ROAM6_WAN", "")
PROBE = os.environ.get("ROAM6_PROBE", "")


class Wan(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.skip_unless_root()
        if not WAN or not PROBE:
            print("skipped: ROAM6_WAN / ROAM6_PROBE not set")
            sys.exit(harness.SKIP_RETURN_CODE)
        cls.lab = Lab()
        cls.procs = []
        try:
            cls.a = cls.lab.namespace("a", ipv6=True)
            cls.wan = cls.lab.namespace("wan")
            cls.b = cls.lab.namespace("b", ipv6=True)
            cls.lab.veth(cls.a, "a0", cls.wan, "wa")
            cls.lab.veth(cls.wan, "wb", cls.b, "b0")
            for ns, ifname, address in ((cls.a, "a0", "2001:db8:f::a"), (cls.b, "b0", "2001:db8:f::b")):
                run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.%s.accept_dad=0" % ifname])
                run(["ip", "-n", ns, "addr", "add", address + "/64", "dev", ifname, "nodad"])
                # A veth leaves UDP checksums to "hardware" that is not there;
                # roam6-wan copies frames as they are, so whatever sends into
                # it completes its checksums itself (as the testbed's routers).
                run(["ip", "netns", "exec", ns, "ethtool", "-K", ifname, "tx", "off"])
            cls.control = cls.lab.path("wan.sock")
            cls.wan_log = open(cls.lab.path("wan.log"), "w")
            cls.wan_proc = subprocess.Popen(
                ["ip", "netns", "exec", cls.wan, WAN, "--port", "wa,delay=20", "--port", "wb,delay=5",
                 "--control", cls.control], stdout=cls.wan_log, stderr=subprocess.STDOUT)
            cls.procs.append(cls.wan_proc)
            cls.echo = subprocess.Popen(["ip", "netns", "exec", cls.b, PROBE, "echo", "--port", "7447"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cls.procs.append(cls.echo)
            deadline = time.monotonic() + 5
            while not os.path.exists(cls.control) and time.monotonic() < deadline:
                time.sleep(0.02)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
        cls.lab.close()

    def command(self, text):
        client_path = self.lab.path("client-%d.sock" % time.monotonic_ns())
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.bind(client_path)
            s.settimeout(5)
            s.sendto(text.encode(), self.control)
            return s.recv(65536).decode()
        finally:
            s.close()
            os.unlink(client_path)

    def probe(self, duration_ms, rate=1000):
        timeline = self.lab.path("timeline-%d.csv" % time.monotonic_ns())
        proc = subprocess.run(["ip", "netns", "exec", self.a, PROBE, "send", "--to", "2001:db8:f::b",
                               "--rate", str(rate), "--duration-ms", str(duration_ms), "--drain-ms", "300",
                               "--timeline", timeline, "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        rows = []
        with open(timeline) as f:
            next(f)
            for line in f:
                seq, sent, received, copies, reordered = line.strip().split(",")
                rows.append((int(sent), int(received) if received else None, int(copies), int(reordered)))
        return json.loads(proc.stdout), rows

    def test_1_delay_is_the_sum_of_the_ports_and_nothing_is_duplicated(self):
        # Neighbour discovery first, through the WAN like everything else.
        self.probe(300)
        report, rows = self.probe(1500)
        rtts = [(r - s) / 1e6 for s, r, _, _ in rows if r is not None]
        self.assertGreater(len(rtts), 1000)
        self.assertEqual(report["lost"], 0, report)
        self.assertEqual(report["duplicated"], 0)
        self.assertEqual(report["reordered"], 0)
        median = statistics.median(rtts)
        self.assertLess(abs(median - 50.0), 1.0, "round trip %.3f ms, expected 2 x (20 + 5)" % median)
        self.assertGreaterEqual(min(rtts), 50.0)

    def test_2_loss_set_at_run_time_is_applied_and_counted(self):
        self.assertEqual(self.command("set wa loss=0.1"), "ok")
        try:
            report, rows = self.probe(3000, rate=2000)
        finally:
            self.assertEqual(self.command("set wa loss=0"), "ok")
        # Each probe crosses wa twice (out and back): 1 - 0.9^2 = 19 % lost.
        share = report["lost"] / report["sent"]
        self.assertGreater(share, 0.14, report)
        self.assertLess(share, 0.24, report)
        stats = json.loads(self.command("stats"))
        self.assertGreater(stats["wa"]["lost_in"], 0)
        self.assertGreater(stats["wa"]["lost_out"], 0)
        self.assertEqual(stats["wb"]["lost_in"] + stats["wb"]["lost_out"], 0)
        self.assertEqual(stats["wa"]["loss"], 0)

    def test_3_a_port_that_is_down_passes_nothing_until_it_is_up(self):
        self.assertEqual(self.command("set wb up=0"), "ok")
        sent_before = json.loads(self.command("stats"))["wb"]["sent"]
        try:
            report, _ = self.probe(300)
            stats = json.loads(self.command("stats"))
        finally:
            self.assertEqual(self.command("set wb up=1"), "ok")
        self.assertEqual(report["answered"], 0, report)
        self.assertEqual(stats["wb"]["sent"], sent_before, "frames went out of a port that is down")
        self.assertFalse(stats["wb"]["up"])
        report, _ = self.probe(300)
        self.assertEqual(report["lost"], 0, report)

    def test_4_bad_commands_are_answered_and_change_nothing(self):
        self.assertTrue(self.command("set wa loss=7").startswith("error"))
        self.assertTrue(self.command("set nosuch delay=1").startswith("error"))
        self.assertTrue(self.command("explode").startswith("error"))
        self.assertEqual(json.loads(self.command("stats"))["wa"]["delay_ms"], 20)
        self.assertIsNone(self.wan_proc.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
