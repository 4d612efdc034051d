#!/usr/bin/env python3
"""Zero-loss mode (testbed/roam6_testbed.py, mode = "zero-loss"): roam6's
Home Agent with hand_over_forwarding. One guest moves home -> paris ->
rome -> home under the correspondent's 1 kHz probes:

- at the pause the source holds the guest's packets (guest.pause, as
  roam6-libvirt-events sends it on libvirt's Suspended event);
- when the destination's Binding Update is accepted the Home Agent tells
  the source where the binding went (RFC 5846 Binding Revocation
  Indication), the source acknowledges it and sends what it held and what
  still reaches it back through its tunnel, and the Home Agent relays those
  packets to the destination;
- leaving home, the home host holds what the home link sends the paused
  guest; the Home Agent, which remembers the home host from its
  deregistration there, tells it where the guest went, and it tunnels what
  it held to the Home Agent;
- what reached the guest's tap between just before QEMU's stop and
  libvirt's Suspended event (the source knew from guest.migrating to
  remember it, and guest.pause carries the stop's time) is held again and
  handed over with the rest;
- so on every move no probe is lost; coming home the source forwards
  natively, and the home host announces the guest at once.

What each move added and lost is printed; docs/benchmarks.md has the
figures.
"""

import csv
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testbed"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import roam6_testbed as tb  # noqa: E402
import harness  # noqa: E402

THREE_SITES = os.path.join(HERE, "..", "..", "testbed", "sites", "three-sites.toml")


def ha_stats(bed):
    proc = subprocess.run([tb.MIP6CTL, "--socket", bed.lab.path("ha.sock"), "--json", "stats"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, check=True)
    return json.loads(proc.stdout)


def lost_probes(timeline):
    """(sequence, when it was sent) of each lost probe (roam6-probe's
    timeline, CLOCK_MONOTONIC ns)."""
    with open(timeline) as f:
        return [(int(r["sequence"]), int(r["sent_ns"])) for r in csv.DictReader(f) if not r["received_ns"]]


def lost_probes_sent_ns(timeline):
    """When each lost probe was sent."""
    return [t for _, t in lost_probes(timeline)]


def move_marks_ns(marks_path, move_id):
    """The testbed's marks of one move: {event: CLOCK_MONOTONIC ns}."""
    out = {}
    with open(marks_path) as f:
        for line in f:
            mark = json.loads(line)
            if mark["move"] == move_id:
                out[mark["event"]] = mark["t_ns"]
    return out


def uplink(stats):
    return stats["datapath"]["ports"]["uplink"]



class ZeroLossMoves(unittest.TestCase):

    def test_moves_lose_no_probe(self):
        self.check_moves(delay_ms=0)

    def test_moves_across_a_slow_wan_lose_no_probe(self):
        # Every host 30 ms from the Home Agent: the guest's last packets are
        # still crossing the WAN when a move home deletes its binding (the
        # Home Agent keeps the tunnel a moment for them), and the source
        # holds for a full round trip before the notice reaches it.
        self.check_moves(delay_ms=30)

    def check_moves(self, delay_ms):
        tb.skip_unless_ready()
        d = tb.Description.load(THREE_SITES)
        d.mode = "zero-loss"
        d.home.delay_ms = delay_ms
        bed = tb.Testbed(d)
        try:
            g = bed.guests[0]
            bed.wait_bound(g)
            probe = bed.start_probe(g)
            time.sleep(0.5)
            hosts = {}
            for destination, move_id in (("paris-1", "home>paris"), ("rome-1", "paris>rome"),
                                         ("home-1", "rome>home")):
                source = g.host
                bed.move(g, bed.host(destination), move_id)
                bed.wait_bound(g)
                bed.settle()
                hosts[move_id] = (source.request("stats"), bed.host(destination).request("stats"))
            time.sleep(0.5)
            report = bed.stop_probe(probe)
            moves = {m["move"]: m for m in report["moves"]}
            for m in report["moves"]:
                print("move %s: outage %.1f ms (pause %.1f, added %.1f), %d lost, %d duplicated, %d reordered" % (
                    m["move"], m["outage_ms"], m["pause_ms"] or 0, m["added_ms"] or 0, m["lost"], m["duplicated"],
                    m.get("reordered", 0)), file=sys.stderr)
            ha = ha_stats(bed)
            print("HA hand_over: %s" % json.dumps(ha["hand_over"]), file=sys.stderr)

            # home -> paris: held at home, handed over after the notice.
            home, _ = hosts["home>paris"]
            self.assertGreater(home["hand_over"]["notices"]["forwarding"], 0, json.dumps(home["hand_over"]))
            self.assertGreater(uplink(home)["handed_over"], 0, "home-1 handed over nothing it held")
            # paris -> rome: held at paris, forwarded to rome after the notice.
            paris, rome = hosts["paris>rome"]
            self.assertGreater(paris["hand_over"]["notices"]["forwarding"], 0, json.dumps(paris["hand_over"]))
            self.assertGreater(uplink(paris)["handed_over"], 0, "paris-1 forwarded nothing it held")
            self.assertGreater(uplink(ha)["handed_over"], 0, "the Home Agent relayed nothing")
            # What reached the source between just before the guest's stop
            # and the pause event met a guest that no longer read (the
            # emulated tap, down): each source replayed it into the hand-over.
            for move_id in ("home>paris", "paris>rome", "rome>home"):
                source, _ = hosts[move_id]
                self.assertGreater(uplink(source)["replayed"], 0, "%s: the source replayed nothing" % move_id)
            # No probe is lost on any move: home -> paris, the home host
            # held what the home link sent and tunnelled it to the Home
            # Agent; rome -> home, the source forwarded natively.
            lost = lost_probes_sent_ns(probe.timeline)
            for move_id in ("home>paris", "paris>rome", "rome>home"):
                m = moves[move_id]
                marks = move_marks_ns(bed.marks_path, move_id)
                during = [t for t in lost if marks["migrate"] <= t <= marks["resume"] + 2_000_000_000]
                self.assertEqual(during, [], "%s: probes sent %s ms after the pause were lost: %s" % (
                    move_id, [round((t - marks["pause"]) / 1e6, 1) for t in during], m))
            # The guest's own packets, reverse-tunnelled by the host it left
            # just before it paused, still reach the Home Agent after a move
            # home deleted the binding: the tunnel lingers for them.
            self.assertEqual(uplink(ha)["drop_tunnel_unknown_binding"], 0,
                             "the Home Agent dropped the guest's last reverse-tunnelled packets")
            self.assertGreaterEqual(ha["hand_over"]["notices"]["acknowledged"], 3)
            self.assertEqual(ha["hand_over"]["notices"]["unanswered"], 0)
        except BaseException:
            harness.print_logs(bed.lab.daemons[:4])
            print("datapath and WAN counters:\n%s" % bed.diagnostics(), file=sys.stderr)
            raise
        finally:
            bed.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
