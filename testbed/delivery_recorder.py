"""When each probe reached a guest's tap on each host: a packet socket in
every host's namespace takes the kernel's timestamp of each frame a tap
(libvirt's vnetN, the testbed's tapN) is given to send to its QEMU, and
keeps those that carry roam6-probe's magic, by sequence number.

Why a test needs it: in zero-loss mode the source host replays what it
delivered to a migrating guest since `REPLAY_BEFORE_STOP` before QEMU's
STOP (mip6d/host/host_agent.hpp), because what still sat unread in the tap
then dies with the source QEMU. A TCG guest on two busy cores has been seen
more than 100 ms behind its tap at the STOP (2026-12-06, packet captures of
the libvirt zero-loss test): the frames it had not read by then were given
to its tap before that window and are lost. That is the guest not reading
its NIC, as a tap drop is, and not a packet roam6 failed to save; the
tests tell the two apart with unread_before_the_window(), which names only
probes that reached the source's tap before the window and no host's tap
after it.
"""

import ctypes
import socket
import struct
import threading
import time

import harness

PROBE_MAGIC = b"R6PB"  # testbed/probe/probe_packet.hpp
# What a source replays before QEMU's STOP: HostAgent::replay_before_stop.
REPLAY_BEFORE_STOP_NS = 20_000_000
SO_TIMESTAMPNS = 35
SO_ATTACH_FILTER = 26
SO_RCVBUFFORCE = 33
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_OUTGOING = 4
GUEST_TAPS = ("vnet", "tap")


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


# Classic BPF: only what the namespace sends (pkttype OUTGOING), its first
# 256 bytes. The socket sees every interface of a busy namespace, and a
# Python thread on loaded cores must not fall a buffer behind.
_OUTGOING_ONLY = (_SockFilter * 4)(
    _SockFilter(0x28, 0, 0, 0xfffff004),  # ldh pkttype (SKF_AD_OFF + SKF_AD_PKTTYPE)
    _SockFilter(0x15, 0, 1, PACKET_OUTGOING),  # jeq OUTGOING
    _SockFilter(0x06, 0, 0, 256),  # ret 256
    _SockFilter(0x06, 0, 0, 0))  # ret 0


class DeliveryRecorder:
    """Records from construction to stop(); `namespaces`: {host name: its
    network namespace}."""

    def __init__(self, namespaces):
        self.sockets = {}
        for host, ns in namespaces.items():
            with harness.InNamespace(ns):
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(harness.ETH_P_ALL))
            s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                         struct.pack("HL", len(_OUTGOING_ONLY), ctypes.addressof(_OUTGOING_ONLY)))
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
            s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)  # counts from here
            s.settimeout(0.2)
            self.sockets[host] = s
        # The kernel stamps CLOCK_REALTIME; the testbed's marks are CLOCK_MONOTONIC.
        self.realtime_minus_monotonic = time.time_ns() - time.monotonic_ns()
        self.given = {host: {} for host in namespaces}  # host -> {sequence: [t_ns, ...]}
        # Frames a socket had no room for: what it says of a host is then
        # incomplete (a lost probe it did not see is not excused).
        self.dropped = {host: 0 for host in namespaces}
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._record, args=(h, s), daemon=True)
                        for h, s in self.sockets.items()]
        for t in self.threads:
            t.start()

    def _record(self, host, s):
        given = self.given[host]
        while not self.stopping.is_set():
            try:
                frame, ancillary, _, address = s.recvmsg(2048, 64)
            except socket.timeout:
                continue
            except OSError:
                return
            if address[2] != PACKET_OUTGOING or not address[0].startswith(GUEST_TAPS):
                continue
            at = frame.find(PROBE_MAGIC)
            if at < 0 or len(frame) < at + 8:
                continue
            sequence = struct.unpack("!I", frame[at + 4:at + 8])[0]
            stamp = next((data for level, kind, data in ancillary
                          if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS), None)
            if stamp is None:
                continue
            seconds, nanoseconds = struct.unpack("qq", stamp[:16])
            given.setdefault(sequence, []).append(
                seconds * 1_000_000_000 + nanoseconds - self.realtime_minus_monotonic)

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)
        for host, s in self.sockets.items():
            if s.fileno() >= 0:
                self.dropped[host] += struct.unpack("II", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]
                s.close()
        return self.given

    def unread_before_the_window(self, sequences, source, stop_ns):
        return unread_before_the_window(self.given, sequences, source, stop_ns)


def describe(given, sequences, stop_ns, limit=40):
    """For a failure report: when each of `sequences` was given to which
    host's guest tap, in ms after QEMU's STOP (`stop_ns`)."""
    out = []
    for sequence in sequences[:limit]:
        seen = ["%s %+.1f" % (host, (t - stop_ns) / 1e6) for host, times in sorted(given.items())
                for t in times.get(sequence, [])]
        out.append("%d: %s" % (sequence, ", ".join(seen) or "no tap"))
    return "; ".join(out) + ("; ..." if len(sequences) > limit else "")


def unread_before_the_window(given, sequences, source, stop_ns):
    """Of `sequences` (lost probes), those `source`'s guest tap was given
    (`given`: DeliveryRecorder.stop()'s) before REPLAY_BEFORE_STOP_NS ahead
    of QEMU's STOP (`stop_ns`, CLOCK_MONOTONIC), and no tap of any host was
    given again after it: left unread by the guest beyond what the source
    replays."""
    limit = stop_ns - REPLAY_BEFORE_STOP_NS
    out = []
    for sequence in sequences:
        at_source = given.get(source, {}).get(sequence, [])
        later = [t for times in given.values() for t in times.get(sequence, []) if t >= limit]
        if at_source and min(at_source) < limit and not later:
            out.append(sequence)
    return out
