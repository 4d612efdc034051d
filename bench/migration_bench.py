#!/usr/bin/python3
"""Migration benchmark: what a live migration costs beyond the guest's own
pause, in the testbed (testbed/roam6_testbed.py, docs/testbed.md).

For each one-way delay of the home site's WAN link (--delays, default 0 and
50 ms): one guest, three sites, the correspondent's probes at 1 kHz, and
--rounds rounds of moves paris-1 -> rome-1 -> paris-1 after a first
home-1 -> paris-1, ending with a move home. Per move kind it prints the
median and worst of:
  added       outage less the guest's own pause (roam6-probe's report)
  lost, dup   probes lost and duplicated
  BU@HA       the Binding Update reaching the Home Agent, ms after the resume
  BA@HA       the Home Agent's answer leaving it, ms after the resume
BU and BA are seen on the Home Agent's port of the home site switch
(AF_PACKET, kernel timestamps), so the split shows where the time goes.

The domain XML the destination's hooks get carries the source's last
sequence number, as roam6-libvirt-events keeps it in the domain's metadata
(docs/migration.md); --no-hand-over leaves it out, and the destination's
first BU may then meet a 135 and cost one more round trip.

--mode zero-loss runs roam6's Home Agent with hand_over_forwarding: the
source holds from the pause and forwards through the Home Agent
(docs/signalling.md); "lost" should then count only what reached the source
between the pause and libvirt's Suspended event.

Then --guests guests (default 100) leave home for paris-1 at once (one
pause, one resume, every request pipelined on one control connection as an
events daemon sends them): the time from their resume until the last is
bound (goal: one round trip to the Home Agent + 100 ms), taken from the
destination mip6d's own clock (guest.list's resumed_at and bound_at),
each guest's own resume-to-bound time, and what the re-bind cost the
destination and the Home Agent: their control threads' CPU time and their
write-type system calls (/proc/PID/io), from the resume until the last BA.

--hugepages gives every mip6d DPDK memory from the machine's hugepages, as
in production: without them each table page is faulted in at its first
write, which at 1 000 guests costs the Home Agent ~50 ms of CPU during the
re-bind (docs/benchmarks.md). The machine must have them free (the bench
says how many).

Figures, not pass/fail; nothing here is in ctest. Needs root and a built
tree (build/release). Record results in docs/benchmarks.md.
"""

import argparse
import json
import os
import socket
import statistics
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testbed"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

import roam6_testbed as tb  # noqa: E402
import harness  # noqa: E402

THREE_SITES = os.path.join(HERE, "..", "testbed", "sites", "three-sites.toml")
SO_TIMESTAMPNS = 35
MH_BU, MH_BA = 5, 6


def mobility_type(frame):
    """The Mobility Header type of an Ethernet/IPv6 frame, or None."""
    if len(frame) < 54 or frame[12:14] != b"\x86\xdd":
        return None
    nh, at = frame[20], 54
    while nh in (0, 43, 60) and at + 2 <= len(frame):
        nh, at = frame[at], at + (frame[at + 1] + 1) * 8
    if nh == 135 and at + 3 <= len(frame):
        return frame[at + 2]
    return None


class MobilitySniffer:
    """Timestamps BUs reaching and BAs leaving the Home Agent's port; marks
    them on the testbed's clock under the move in progress."""

    def __init__(self, bed, namespace, interface):
        self.bed = bed
        self.move = None
        # A thousand guests' BUs and BAs at once: room for all of them while
        # this thread waits for a core (timestamps are the kernel's).
        self.port = harness.RawPort(namespace, interface, rcvbuf=16 << 20)
        self.port.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.seen = []  # (event, CLOCK_REALTIME ns)
        # Kernel timestamps are CLOCK_REALTIME; the marks are monotonic.
        self.offset_ns = time.monotonic_ns() - time.time_ns()
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.port.sock.settimeout(0.2)
        while True:
            try:
                data, ancillary, _, _ = self.port.sock.recvmsg(2048, 64)
            except socket.timeout:
                if self.stop:  # only once what was queued has been read
                    return
                continue
            except OSError:
                return
            kind = mobility_type(data)
            if kind not in (MH_BU, MH_BA) or self.move is None:
                continue
            stamp = time.monotonic_ns()
            for level, type_, value in ancillary:
                if level == socket.SOL_SOCKET and type_ == SO_TIMESTAMPNS:
                    seconds, nanoseconds = struct.unpack("qq", value[:16])
                    stamp = seconds * 1000000000 + nanoseconds + self.offset_ns
            event = "bu_at_ha" if kind == MH_BU else "ba_from_ha"
            self.seen.append((event, stamp - self.offset_ns))
            self.bed.marks.write(json.dumps({"t_ns": stamp, "move": self.move, "event": event}) + "\n")

    def close(self):
        self.stop = True
        self.thread.join(timeout=2)
        self.port.close()


def first_event_ms(move, event):
    """ms after the resume of the first `event` of a move (events_ms are
    relative to the pause)."""
    e = move["events_ms"]
    if event not in e or "resume" not in e:
        return None
    return e[event] - e["resume"]


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return "%.1f / %.1f" % (statistics.median(values), max(values))


def run_moves(delay_ms, rounds, pause_ms, sequence_in_xml, mode="standard", hugepages=False):
    d = tb.Description.load(THREE_SITES)
    d.hugepages = hugepages
    d.mode = mode
    d.home.delay_ms = delay_ms
    bed = tb.Testbed(d)
    try:
        g = bed.guests[0]
        bed.wait_bound(g, timeout=30)
        sniffer = MobilitySniffer(bed, bed.site_switch_ns[d.home.name], "s-ha")
        probe = bed.start_probe(g, name="bench-probe")
        time.sleep(1.0)
        plan = [("home-1", "paris-1")]
        for _ in range(rounds):
            plan += [("paris-1", "rome-1"), ("rome-1", "paris-1")]
        plan.append(("paris-1", "home-1"))
        kinds = {}
        for i, (source, destination) in enumerate(plan, 1):
            kind = "home -> foreign" if source.startswith("home") else (
                "foreign -> home" if destination.startswith("home") else "foreign -> foreign")
            kinds[str(i)] = kind
            sniffer.move = str(i)
            bed.move(g, bed.host(destination), str(i), pause_ms=pause_ms,
                     sequence_in_xml=sequence_in_xml)
            bed.wait_bound(g, timeout=30)
            bed.settle()
            time.sleep(0.3)
        report = bed.stop_probe(probe)
        sniffer.close()
        # The sniffer's marks arrived after the probe read the file: report again.
        report = json.loads(tb.subprocess.run(
            [tb.PROBE, "report", "--timeline", probe.timeline, "--marks", bed.marks_path, "--json"],
            stdout=tb.subprocess.PIPE, check=True).stdout)
        rows = {}
        for m in report["moves"]:
            rows.setdefault(kinds[m["move"]], []).append(m)
        return rows
    finally:
        bed.close()


def control_thread_cpu_s(daemon):
    """CPU time (s) the daemon's control thread (its main thread: the event
    loop all of mip6d's control state lives on) has run so far, from the
    scheduler's own account (/proc/PID/task/PID/schedstat, ns)."""
    with open("/proc/%d/task/%d/schedstat" % (daemon.pid, daemon.pid)) as f:
        return int(f.read().split()[0]) / 1e9


def write_syscalls(daemon):
    """Write-type system calls (write, send, sendmsg...) the daemon's process
    has made so far (/proc/PID/io syscw, every thread): a count that, unlike
    CPU time, the busy machine does not blur."""
    with open("/proc/%d/io" % daemon.pid) as f:
        for line in f:
            if line.startswith("syscw:"):
                return int(line.split()[1])
    return 0


def run_many(count, pause_ms, delay_ms, hugepages=False):
    """(first resume -> last bound, [each guest's resume -> bound],
    {first BU at the HA, last BU at it, last BA from it, and the CPU time
    the destination's and the Home Agent's control threads spent from the
    resume until all were bound}) in seconds after the first resume, from
    the destination's clock and the kernel's timestamps at the Home Agent's
    port (one machine, one clock); None if not all bound in 120 s.

    The CPU times say what the re-bind costs roam6 itself: the testbed
    shares 2 cores among its switches, OVS instances and guests' relays, so
    the wall-clock figure is mostly this machine's contention."""
    d = tb.Description.load(THREE_SITES)
    d.foreign = d.foreign[:1]
    d.guest_count = count
    d.home.delay_ms = delay_ms
    d.hugepages = hugepages
    bed = tb.Testbed(d)
    try:
        for g in bed.guests:
            bed.wait_bound(g, timeout=300)
        dst = bed.host("paris-1")
        sniffer = MobilitySniffer(bed, bed.site_switch_ns[d.home.name], "s-ha")
        sniffer.move = "all"
        daemons = {"destination": dst.mip6d, "ha": bed.ha}
        cpu = {}

        writes = {}

        def at_resume():
            cpu.update({k: control_thread_cpu_s(d) for k, d in daemons.items()})
            writes.update({k: write_syscalls(d) for k, d in daemons.items()})
        try:
            resumed = bed.move_all(bed.guests, dst, "all", pause_ms=pause_ms, at_resume=at_resume)
            names = {g.name for g in bed.guests}
            # Every BA seen leaving the Home Agent first: the destination's
            # control thread is not to spend its time on guest.list before.
            while (sum(1 for event, _ in sniffer.seen if event == "ba_from_ha") < count
                   and time.monotonic() - resumed < 10):
                time.sleep(0.05)
            time.sleep(0.05)  # the BAs' way back to the destination
            cpu = {k: control_thread_cpu_s(daemons[k]) - v for k, v in cpu.items()}
            writes = {k: write_syscalls(daemons[k]) - v for k, v in writes.items()}
            while True:
                listed = [st for st in dst.request("guest.list")["guests"] if st["name"] in names]
                if len(listed) == len(names) and all(st["bound_at"] for st in listed):
                    break
                if time.monotonic() - resumed > 120:
                    return None
                time.sleep(0.05)
            time.sleep(0.5)  # the sniffer's last frames
        finally:
            sniffer.close()
        first = min(st["resumed_at"] for st in listed)
        bus = [ns / 1e9 - first for event, ns in sniffer.seen if event == "bu_at_ha"]
        bas = [ns / 1e9 - first for event, ns in sniffer.seen if event == "ba_from_ha"]
        ha = {"first_bu": min(bus) if bus else None, "last_bu": max(bus) if bus else None,
              "last_ba": max(bas) if bas else None, "bus": len(bus), "bas": len(bas),
              "destination_cpu": cpu["destination"], "ha_cpu": cpu["ha"],
              "destination_writes": writes["destination"], "ha_writes": writes["ha"]}
        return (max(st["bound_at"] for st in listed) - first,
                sorted(st["bound_at"] - st["resumed_at"] for st in listed), ha)
    finally:
        bed.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delays", default="0,50", help="one-way delays of the home site's WAN link, ms")
    parser.add_argument("--rounds", type=int, default=5, help="paris <-> rome round trips per delay")
    parser.add_argument("--pause-ms", type=float, default=20.0)
    parser.add_argument("--guests", type=int, default=100, help="guests moved at once (0: skip)")
    parser.add_argument("--only-many", action="store_true", help="skip the single-guest moves")
    parser.add_argument("--no-hand-over", action="store_true",
                        help="the domain XML carries no sequence number: the destination's first BU "
                             "may meet a 135 (one more round trip)")
    parser.add_argument("--mode", choices=("standard", "zero-loss"), default="standard",
                        help="zero-loss: roam6's Home Agent with hand_over_forwarding (docs/signalling.md)")
    parser.add_argument("--hugepages", action="store_true",
                        help="DPDK memory from hugepages, as in production (they must be free on the machine)")
    args = parser.parse_args()
    tb.skip_unless_ready()
    print("mode: %s%s" % (args.mode, ", hugepages" if args.hugepages else ""))
    print("%-6s %-19s %5s %-15s %-11s %-9s %-13s %-13s" % (
        "delay", "move", "n", "added ms", "lost", "dup", "BU@HA ms", "BA@HA ms"))
    print("%-6s %-19s %5s %-15s %-11s %-9s %-13s %-13s" % ("", "", "", "median / max", "med / max",
                                                           "med / max", "med / max", "med / max"))
    for delay in [float(x) for x in args.delays.split(",")] if not args.only_many else []:
        rows = run_moves(delay, args.rounds, args.pause_ms, not args.no_hand_over, args.mode, args.hugepages)
        for kind in ("home -> foreign", "foreign -> foreign", "foreign -> home"):
            moves = rows.get(kind, [])
            print("%-6s %-19s %5d %-15s %-11s %-9s %-13s %-13s" % (
                "%g" % delay, kind, len(moves), summary([m["added_ms"] for m in moves]),
                summary([m["lost"] for m in moves]), summary([m["duplicated"] for m in moves]),
                summary([first_event_ms(m, "bu_at_ha") for m in moves]),
                summary([first_event_ms(m, "ba_from_ha") for m in moves])), flush=True)
    if args.guests:
        print("\n%-6s %7s %-24s %-34s %-54s %-40s %s" % ("delay", "guests", "resume -> last bound ms",
                                                   "each guest: min / median / max ms",
                                                   "at the HA: first BU / last BU / last BA ms (BUs, BAs)",
                                                   "control-thread CPU ms: destination / HA",
                                                   "write syscalls: destination / HA"))
        for delay in [float(x) for x in args.delays.split(",")]:
            result = run_many(args.guests, args.pause_ms, delay, args.hugepages)
            if result is None:
                print("%-6g %7d not all bound within 120 s" % (delay, args.guests), flush=True)
                continue
            whole, each, ha = result
            ms = lambda x: "-" if x is None else "%.1f" % (x * 1000)  # noqa: E731
            print("%-6g %7d %-24.1f %-34s %-54s %-40s %d / %d" % (
                delay, args.guests, whole * 1000, "%.1f / %.1f / %.1f" % (
                    each[0] * 1000, statistics.median(each) * 1000, each[-1] * 1000),
                "%s / %s / %s (%d, %d)" % (ms(ha["first_bu"]), ms(ha["last_bu"]), ms(ha["last_ba"]), ha["bus"],
                                           ha["bas"]),
                "%s / %s" % (ms(ha["destination_cpu"]), ms(ha["ha_cpu"])), ha["destination_writes"],
                ha["ha_writes"]), flush=True)


if __name__ == "__main__":
    main()
