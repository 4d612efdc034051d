"""The testbed's real guest: an unmodified Linux under QEMU (TCG) whose NIC
is a tap plugged into a host's br-int as libvirt plugs it, live-migrated
between hosts by QEMU itself (tests/qemu/qemu_guest.py, guest_image.py).

Where a namespace guest's move is emulated (its relay's ports going down
and up), this one is QEMU's: the destination QEMU waits with `-incoming`,
the source's QMP `migrate` copies the running guest, QEMU's STOP event on
the source and RESUME event on the destination are what libvirt turns into
its Suspended and Resumed events (the marks `pause` and `resume` carry
QEMU's own timestamps), and the guest's announce (RARP, unsolicited NA) is
the guest's and QEMU's own. roam6 is told what roam6-libvirt-events would
tell it: `guest.migrating` before the migration, `guest.pause` at the STOP
(with its time), `guest.resume` with the RESUME's time,
`guest.detach moved` at the source; the hooks run in libvirt's order.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "qemu"))

import qemu_guest  # noqa: E402
import roam6_testbed as tb  # noqa: E402
from harness import run  # noqa: E402


class QemuTestbedGuest(tb.Guest):
    def __init__(self, bed, k, nic="virtio-net-pci"):
        super().__init__(bed, k, None)
        self.nic = nic
        self.qemu = None  # the QEMU process it runs in now
        # Its own marks: its pause and resume are QEMU's, not the moment the
        # testbed pauses the namespace guests moving alongside.
        self.marks_path = bed.lab.path(self.name + "-marks.jsonl")
        self.marks = open(self.marks_path, "a")
        bed.closing.append(self.marks.close)

    def start_qemu(self, bed, host, name, incoming=None):
        q = qemu_guest.QemuGuest(bed.lab, host.namespace, name, self.mac, self.home_address, nic=self.nic,
                                 tap=self.vnet, incoming=incoming)
        bed.processes.append(q)
        qemu_guest.wait_for_tap(host.namespace, self.vnet)
        run(["ip", "-n", host.namespace, "link", "set", self.vnet, "up"])
        return q


def boot(bed, k, nic="virtio-net-pci"):
    """A QEMU guest boots on the first home host: hooks, tap on br-int,
    flows, the guest up (~10 s under TCG), then Started/Booted."""
    g = QemuTestbedGuest(bed, k, nic)
    h = next(h for h in bed.hosts if h.site.home)
    bed.progress("QEMU guest %s (%s, %s) boots on %s" % (g.name, nic, g.home_address, h.name))
    xml = g.domain_xml()
    for operation in ("prepare", "start"):
        h.hook(g.name, operation, "begin", xml)
    g.qemu = g.start_qemu(bed, h, g.name + "-0")
    h.ovs.add_vm_ports(tb.BRIDGE, [(g.vnet, g.mac, "iface-" + g.name, g.uuid)])
    h.hook(g.name, "started", "begin", xml)
    bed.wait_flows(h, [g])
    g.qemu.wait_ready()
    g.host = h
    h.request("guest.resume", {"name": g.name})
    bed.guests.append(g)
    return g


def move(bed, g, dst, move_id):
    """Live-migrates g to host dst with QEMU; returns QEMU's own figures
    (query-migrate: total-time, downtime, ms)."""
    src = g.host
    st = src.guest(g.name)
    xml = g.domain_xml(sequence=st["sequence"] if st and st["resumed"] else None)
    uri = "unix:" + bed.lab.path("%s-migration-%s.sock" % (g.name, move_id))
    bed.mark(move_id, "migrate", g.marks)
    for operation in ("migrate", "prepare"):
        dst.hook(g.name, operation, "begin", xml)
    incoming = g.start_qemu(bed, dst, "%s-%s" % (g.name, move_id), incoming=uri)
    dst.ovs.add_vm_ports(tb.BRIDGE, [(g.vnet, g.mac, "iface-" + g.name, g.uuid)])
    for operation in ("start", "started"):
        dst.hook(g.name, operation, "begin", xml)
    bed.wait_flows(dst, [g])
    bed.mark(move_id, "destination_ready", g.marks)

    source_qmp, destination_qmp = g.qemu.qmp(), incoming.qmp()
    try:
        # roam6-libvirt-events: the migration's first pass on the source.
        src.requests([("guest.migrating", {"name": g.name})], refusals_ok=("unknown_guest", "invalid_argument"))
        source_qmp.execute("migrate", uri=uri)
        stopped = source_qmp.wait_event("STOP")
        # roam6-libvirt-events: Suspended (migrated) on the source, dated by
        # QEMU's STOP.
        src.requests([("guest.pause", {"name": g.name, "timestamp": qemu_guest.event_time(stopped)})],
                     refusals_ok=("unknown_guest", "invalid_argument"))
        bed.mark(move_id, "pause_event", g.marks)
        resumed = destination_qmp.wait_event("RESUME")
        # Resumed (migrated) here, Stopped (migrated) there.
        dst.requests([("guest.resume", {"name": g.name, "timestamp": qemu_guest.event_time(resumed)})])
        bed.mark(move_id, "resume_event", g.marks)
        src.requests([("guest.detach", {"name": g.name, "mode": "moved"})], refusals_ok=("unknown_guest",))
        offset = time.time() - time.monotonic()
        bed.mark_at(move_id, "pause", qemu_guest.event_time(stopped) - offset, g.marks)
        bed.mark_at(move_id, "resume", qemu_guest.event_time(resumed) - offset, g.marks)
        deadline = time.monotonic() + 60
        while (info := source_qmp.execute("query-migrate")).get("status") != "completed":
            if time.monotonic() > deadline:
                raise tb.TestbedError("migration of %s did not complete: %s" % (g.name, info))
            time.sleep(0.05)
    finally:
        source_qmp.close()
        destination_qmp.close()
    old, g.qemu, g.host = g.qemu, incoming, dst

    def source_cleanup():
        src.ovs.del_ports([g.vnet])
        for operation in ("stopped", "release"):
            src.hook(g.name, operation, "end", xml)
        old.stop()
    bed.later(tb.SOURCE_CLEANUP_DELAY, source_cleanup)
    return {"total_ms": info.get("total-time"), "downtime_ms": info.get("downtime")}
