#!/usr/bin/python3
"""Durability of the Home Agent's binding cache under SIGKILL.

docs/architecture.md: "A Binding Acknowledgement leaves only after the
binding it acknowledges is committed to the store." So whatever moment
mip6d is killed at, every binding whose BA (status 0) reached the host must
come back when mip6d restarts on the same database, with the care-of
address and sequence number that BA acknowledged (or a later one the test
sent, committed just before the kill but whose BA never left).

Each round streams a few thousand valid BUs (new home addresses, plus moves
of bindings from earlier rounds to a new care-of address) as fast as the
Home Agent takes them, collects the BAs on a second thread, SIGKILLs mip6d
at a random point in the stream, restarts it, and compares
`mip6ctl binding list` with what was acknowledged.
"""

import os
import random
import socket
import struct
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import IPPROTO_MH, Key, Lab, InNamespace, addr, binding_update, frame, ntp_timestamp  # noqa: E402

HA = "2001:db8:a::1"
HA_MAC = "02:00:00:00:0a:99"
ROUTER_MAC = "02:00:00:00:0a:01"
KEY = Key("site-b-hosts", 1001, "hmac-sha256", "00112233445566778899aabbccddeeff")
ROUNDS = 5
NEW_PER_ROUND = 2000
MOVES_PER_ROUND = 500
WINDOW = 256  # BUs in flight before the sender waits for BAs
SEED = int(os.environ.get("ROAM6_CRASH_SEED", str(int(time.time()))))


def config(lab):
    return """role = "home-agent"
node_name = "ha-crash"
control_socket = "%s"
log_level = "warning"
[interfaces]
uplink = "ha0"
[home_agent]
address = "%s"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 3600
database = "%s"
replay_window = 60
durable_sync = false
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "%s"
router_link_local = "fe80::1"
router_mac = "%s"
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
%s
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
""" % (lab.path("ha.sock"), HA, lab.path("bindings.sqlite"), HA, ROUTER_MAC, KEY.toml())


class FastBindingUpdates:
    """BUs for many home addresses, fast: one frame built with scapy
    (harness.binding_update) as the template, then per BU the home address,
    sequence number and timestamp patched in, the authenticator (hmac) and
    the MH checksum recomputed by hand. scapy takes milliseconds per packet,
    too slow for thousands. same_as_scapy() proves the two paths agree."""

    def __init__(self, coa):
        self.coa = coa
        self.template = bytearray(frame(HA_MAC, ROUTER_MAC, binding_update(
            coa, HA, "2001:db8:a::ffff", 0, 900, KEY, timestamp=0)))
        p = harness.parse_ipv6_frame(bytes(self.template))
        assert [t for t, _ in p["headers"]] == [60] and p["upper"] == IPPROTO_MH
        self.hao = 14 + 40 + 8  # DestOpt header: next, len, PadN(4), HAO type, len, address
        assert self.template[self.hao - 2:self.hao] == b"\xc9\x10"
        self.mh = 14 + 40 + 24
        options = {t: o for o, t, _ in harness.walk_options(p["payload"])}
        self.timestamp = self.mh + options[10] + 2
        self.auth = options[9]
        self.end = len(self.template)

    def build(self, hoa, seq, timestamp):
        f = bytearray(self.template)
        f[self.hao:self.hao + 16] = harness.ip6(hoa)
        mh = self.mh
        struct.pack_into("!H", f, mh + 4, 0)
        struct.pack_into("!H", f, mh + 6, seq)
        struct.pack_into("!Q", f, self.timestamp, timestamp)
        covered = f[mh:mh + self.auth + 7]
        f[mh + self.auth + 7:self.end] = KEY.authenticator(self.coa, hoa, covered)
        body = bytes(f[mh:self.end])
        pseudo = harness.ip6(hoa) + harness.ip6(HA) + struct.pack("!IxxxB", len(body), IPPROTO_MH)
        struct.pack_into("!H", f, mh + 4, 0xFFFF - harness.ones_complement_sum(pseudo + body))
        return bytes(f)

    def same_as_scapy(self, hoa, seq, timestamp):
        return self.build(hoa, seq, timestamp) == frame(HA_MAC, ROUTER_MAC, binding_update(
            self.coa, HA, hoa, seq, 900, KEY, timestamp=timestamp))


def binding_ack(f):
    """A BA frame as (home address, care-of address, sequence, status,
    authentic: its authenticator checked with KEY); None for other frames."""
    # Ethernet | IPv6 (next header 43) | type 2 routing header | MH (BA)
    if len(f) < 14 + 40 + 24 + 12 or f[12:14] != b"\x86\xdd" or f[14 + 6] != 43:
        return None
    rh = f[54:78]
    if rh[0] != IPPROTO_MH or rh[2] != 2:
        return None
    mh = f[78:]
    if mh[2] != 6:
        return None
    hoa = addr(rh[8:24])
    coa = addr(f[14 + 24:14 + 40])
    auth_at = len(mh) - 39
    covered = bytearray(mh[:auth_at + 7])
    covered[4:6] = b"\x00\x00"
    authentic = mh[auth_at] == 9 and mh[auth_at + 7:] == KEY.authenticator(coa, hoa, covered)
    return hoa, coa, struct.unpack("!H", mh[8:10])[0], mh[6], authentic


class BaCollector(threading.Thread):
    """Reads BAs off the router's port until stopped; keeps those that are
    authentic (the BA's authenticator checked with the key) by (hoa, seq)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.accepted = {}  # (hoa, seq) -> coa
        self.refused = []
        self.count = 0
        self.forged = 0
        self.stopping = threading.Event()

    def run(self):
        sock = self.port.sock
        sock.settimeout(0.05)
        while not self.stopping.is_set():
            try:
                data, address = sock.recvfrom(65535)
            except socket.timeout:
                continue
            if address[2] == harness.PACKET_OUTGOING:
                continue
            self.take(data)

    def take(self, f):
        ba = binding_ack(f)
        if ba is None:
            return
        hoa, coa, seq, status, authentic = ba
        if not authentic:
            self.forged += 1
            return
        self.count += 1
        if status == 0:
            self.accepted[(hoa, seq)] = coa
        else:
            self.refused.append((hoa, seq, status))

    def stop(self):
        self.stopping.set()
        self.join(5)


class HomeAgentLink(unittest.TestCase):
    """A Home Agent on a link to a router port the test sends and listens
    on (the Home Agent not yet started). tests/cluster runs it on etcd."""
    maxDiff = None

    def setUp(self):
        self.lab = Lab()
        self.addCleanup(self.lab.close)
        self.addCleanup(lambda: harness.test_failed(self) and harness.print_logs(self.lab.daemons, 3000))
        self.ns_ha = self.lab.namespace("ha")
        self.ns_router = self.lab.namespace("rt")
        self.lab.veth(self.ns_ha, "ha0", self.ns_router, "rt0", mac_a=HA_MAC, mac_b=ROUTER_MAC)
        self.lab.disable_ipv6(self.ns_ha, "ha0")
        self.lab.disable_ipv6(self.ns_router, "rt0")
        self.ha = self.lab.daemon(self.ns_ha, config(self.lab), "ha")
        self.rx = self.lab.port(self.ns_router, "rt0")
        with InNamespace(self.ns_router):
            # Protocol 0: this socket only sends, nothing queues up on it.
            self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            self.tx.setsockopt(socket.SOL_SOCKET, 32, 8 << 20)  # SO_SNDBUFFORCE
            self.tx.bind(("rt0", 0))
        self.addCleanup(self.tx.close)

    def stream(self, frames, kill_at):
        """Sends `frames`, at most WINDOW ahead of the BAs; SIGKILLs mip6d
        right after frame number `kill_at`. Returns the collector."""
        collector = BaCollector(self.rx)
        collector.start()
        try:
            for i, f in enumerate(frames):
                deadline = time.monotonic() + 5
                while i - collector.count >= WINDOW:
                    if time.monotonic() > deadline:
                        raise AssertionError("the Home Agent stopped answering at BU %d\n%s" % (i, self.ha.log()[-3000:]))
                    time.sleep(0.0005)
                self.tx.send(f)
                if i == kill_at:
                    self.ha.kill()
                    break
            # BAs that left before the kill are on their way or queued here.
            time.sleep(0.3)
        finally:
            collector.stop()
        return collector


class HomeAgentCrash(HomeAgentLink):

    def test_acknowledged_bindings_survive_sigkill(self):
        print("seed", SEED, file=sys.stderr)
        rng = random.Random(SEED)
        sent_states = {}  # hoa -> set of (coa, seq) ever sent
        known = {}        # hoa -> (coa, seq): the verified content of the store
        self.ha.start()
        started = time.monotonic()
        for round_number in range(ROUNDS):
            coa = "2001:db8:b::%x" % (0x10 + round_number)
            plan = []
            for i in range(NEW_PER_ROUND):
                plan.append(("2001:db8:a::%x:%x" % (round_number + 1, i + 1), (round_number * 7 + i) & 0xFFFF))
            movable = sorted(known)
            for hoa in rng.sample(movable, min(MOVES_PER_ROUND, len(movable))):
                plan.append((hoa, (known[hoa][1] + 1) & 0xFFFF))
            rng.shuffle(plan)
            built = time.monotonic()
            builder = FastBindingUpdates(coa)
            for hoa, seq in plan[:3]:
                self.assertTrue(builder.same_as_scapy(hoa, seq, ntp_timestamp()))
            frames = []
            for hoa, seq in plan:
                frames.append(builder.build(hoa, seq, ntp_timestamp()))
                sent_states.setdefault(hoa, set()).add((coa, seq))
            built = time.monotonic() - built
            kill_at = rng.randrange(len(plan) // 5, len(plan) * 4 // 5)

            t0 = time.monotonic()
            collector = self.stream(frames, kill_at)
            streamed = time.monotonic() - t0
            self.assertEqual(collector.forged, 0)
            self.assertEqual(collector.refused, [])
            self.assertEqual(self.ha.proc.returncode, -9, "mip6d was SIGKILLed")

            t0 = time.monotonic()
            self.ha.start()
            restarted = time.monotonic() - t0
            listed = self.ha.ctl("binding", "list")["bindings"]
            store = {b["home_address"]: (b["care_of_address"], b["sequence"]) for b in listed}
            self.assertEqual(len(store), len(listed), "one binding per home address")
            self.assertEqual(self.ha.stats()["bindings.restored"], len(store))

            # Every acknowledged binding is there, as acknowledged or as a
            # later BU of ours for the same home address.
            lost = []
            for (hoa, seq), ba_coa in collector.accepted.items():
                self.assertEqual(ba_coa, coa)
                got = store.get(hoa)
                if got is None or (got != (coa, seq) and not self.later(got, seq, sent_states[hoa])):
                    lost.append((hoa, seq, got))
            self.assertEqual(lost, [], "acknowledged bindings lost or rolled back (seed %d)" % SEED)
            # Nothing in the store that the test did not send, and nothing
            # known before the round went missing.
            for hoa, state in store.items():
                self.assertIn(state, sent_states.get(hoa, set()), hoa)
            for hoa, state in known.items():
                self.assertIn(hoa, store, "binding %s %s vanished" % (hoa, state))
            known = store
            print("round %d: %d BUs built in %.2f s, killed after %d, %d BAs in %.2f s, "
                  "%d bindings restored in %.2f s" % (round_number, len(plan), built, kill_at + 1,
                                                     len(collector.accepted), streamed, len(store),
                                                     restarted), file=sys.stderr)
            self.assertGreater(len(collector.accepted), 0, "no BA at all before the kill")
        self.assertEqual(self.ha.stop(), 0, self.ha.log()[-2000:])
        print("total %.1f s" % (time.monotonic() - started), file=sys.stderr)

    @staticmethod
    def later(got, acked_seq, sent):
        """`got` is a state the test sent with a sequence number newer than
        the acknowledged one (committed, its BA lost in the kill)."""
        return got in sent and 0 < ((got[1] - acked_seq) & 0xFFFF) < 0x8000


if __name__ == "__main__":
    harness.skip_unless_root()
    unittest.main(verbosity=2)
