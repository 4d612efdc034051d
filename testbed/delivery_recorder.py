"""Where each probe met a guest's tap, on every host: a packet socket in
every host's namespace takes the kernel's time of each probe frame (UDP
with roam6-probe's magic) a guest tap (libvirt's vnetN, the testbed's tapN)
is given to send to its QEMU, and of each echo the guest sends into it.

Why a test needs it: the zero-loss tests with a real guest must tell a
probe roam6 lost from one the guest lost. roam6's part ends where it gives
a probe to the guest's tap and starts again where the guest's echo leaves
it. A TCG guest on two busy cores was seen 25 to 480 ms behind its tap when
QEMU stopped it (2026-12-06, packet captures of the libvirt zero-loss test):
what it had not read by then was given to the source's tap before the
window the source replays (`REPLAY_BEFORE_STOP_NS` ahead of QEMU's STOP,
mip6d/host/host_agent.hpp) and dies with the source QEMU; and a guest just
resumed has let probes given to its tap go unanswered. the_guests_own()
names those; a probe that reached no tap when it should have, or whose echo
the guest sent and the correspondent never got, stays roam6's.
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
GUEST_TAPS = ("vnet", "tap")


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


# Classic BPF: only untunnelled probe frames (IPv6, UDP, the magic right
# after the UDP header), their first 256 bytes. The socket sees every
# interface of a busy namespace, and a Python thread on loaded cores must
# not fall a buffer behind.
_PROBES_ONLY = (_SockFilter * 8)(
    _SockFilter(0x28, 0, 0, 12),  # ldh [12]: ethertype
    _SockFilter(0x15, 0, 5, 0x86DD),  # jeq IPv6, else drop
    _SockFilter(0x30, 0, 0, 20),  # ldb [20]: next header
    _SockFilter(0x15, 0, 3, 17),  # jeq UDP, else drop
    _SockFilter(0x20, 0, 0, 62),  # ld [62]: the UDP payload's first word
    _SockFilter(0x15, 0, 1, struct.unpack("!I", PROBE_MAGIC)[0]),  # jeq magic, else drop
    _SockFilter(0x06, 0, 0, 256),  # ret 256
    _SockFilter(0x06, 0, 0, 0))  # drop: ret 0


class DeliveryRecorder:
    """Records from construction to stop(); `namespaces`: {host name: its
    network namespace}. given / answered: {host: {sequence: [t_ns, ...]}},
    CLOCK_MONOTONIC as the testbed's marks."""

    def __init__(self, namespaces):
        self.sockets = {}
        for host, ns in namespaces.items():
            with harness.InNamespace(ns):
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(harness.ETH_P_ALL))
            s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                         struct.pack("HL", len(_PROBES_ONLY), ctypes.addressof(_PROBES_ONLY)))
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
            s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)  # counts from here
            s.settimeout(0.2)
            self.sockets[host] = s
        # The kernel stamps CLOCK_REALTIME; the testbed's marks are CLOCK_MONOTONIC.
        self.realtime_minus_monotonic = time.time_ns() - time.monotonic_ns()
        self.given = {host: {} for host in namespaces}
        self.answered = {host: {} for host in namespaces}
        # Frames a socket had no room for: what it says of a host is then
        # incomplete (so a lost probe it did not see stays roam6's).
        self.dropped = {host: 0 for host in namespaces}
        self.unstamped = {host: 0 for host in namespaces}
        self.errors = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._record, args=(h, s), daemon=True)
                        for h, s in self.sockets.items()]
        for t in self.threads:
            t.start()

    def _record(self, host, s):
        while not self.stopping.is_set():
            try:
                frame, ancillary, _, address = s.recvmsg(2048, 64)
            except socket.timeout:
                continue
            except OSError as e:  # kept going: a gap must not pass unseen
                if len(self.errors) < 20:
                    self.errors.append("%s: %s" % (host, e))
                continue
            # Python names the interface when it reads the frame: one read
            # after its tap went (the source's, once QEMU exits) has no name.
            # Only guest taps come and go in a testbed host.
            if not (address[0] == "" or address[0].startswith(GUEST_TAPS)) or len(frame) < 70:
                continue
            sequence = struct.unpack("!I", frame[66:70])[0]
            stamp = next((data for level, kind, data in ancillary
                          if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16), None)
            if stamp is None:  # now is later than the kernel's time: never excuses more
                self.unstamped[host] += 1
                t = time.monotonic_ns()
            else:
                seconds, nanoseconds = struct.unpack("qq", stamp[:16])
                t = seconds * 1_000_000_000 + nanoseconds - self.realtime_minus_monotonic
            to_the_guest = address[2] == harness.PACKET_OUTGOING
            (self.given if to_the_guest else self.answered)[host].setdefault(sequence, []).append(t)

    def stop(self):
        """Ends the recording (twice is harmless); returns `given`."""
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)
        for host, s in self.sockets.items():
            if s.fileno() >= 0:
                self.dropped[host] += struct.unpack("II", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]
                s.close()
        return self.given

    def summary(self):
        """For a failure report: what each host's socket saw, and any trouble."""
        parts = ["%s: %d probes given, %d answered, %d dropped, %d without the kernel's time" % (
            host, len(self.given[host]), len(self.answered[host]), self.dropped[host], self.unstamped[host])
            for host in sorted(self.given)]
        return "; ".join(parts + self.errors)

    def describe(self, sequences, stop_ns, limit=40):
        """For a failure report: when each of `sequences` was given to and
        answered from which host's guest tap, in ms after QEMU's STOP."""
        out = []
        for sequence in sequences[:limit]:
            seen = ["%s %s %+.1f" % (what, host, (t - stop_ns) / 1e6)
                    for what, record in (("given", self.given), ("answered", self.answered))
                    for host, times in sorted(record.items()) for t in times.get(sequence, [])]
            out.append("%d: %s" % (sequence, ", ".join(seen) or "no tap"))
        return "; ".join(out) + ("; ..." if len(sequences) > limit else "")

    def the_guests_own(self, sequences, source, stop_ns):
        return the_guests_own(self.given, self.answered, sequences, source, stop_ns)


def the_guests_own(given, answered, sequences, source, stop_ns):
    """Of `sequences` (probes lost in a move from `source`; QEMU stopped the
    guest there at `stop_ns`), those the guest lost: never answered from any
    tap, and given to its tap where it would read them, the source's before
    the window the source replays or another host's. Everything else is
    roam6's: given to no tap, given only to the source inside the window
    (not replayed), or answered and lost on the way back."""
    limit = stop_ns - REPLAY_BEFORE_STOP_NS
    out = []
    for sequence in sequences:
        if any(sequence in times for times in answered.values()):
            continue
        early = any(t < limit for t in given.get(source, {}).get(sequence, []))
        elsewhere = any(sequence in times for host, times in given.items() if host != source)
        if early or elsewhere:
            out.append(sequence)
    return out
