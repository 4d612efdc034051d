#!/usr/bin/python3
"""A real mip6d Home Agent against Binding Updates written in Python.

mip6d runs in its own network namespace on one end of a veth pair (kernel
IPv6 disabled there); the test is the home link's router on the other end,
in a second namespace, and talks raw Ethernet frames through an AF_PACKET
socket. Every BU is built here with scapy and struct (RFC 4285 options by
hand, authenticator with Python's hmac), every answer is taken apart byte by
byte and checked against docs/signalling.md: the HA decision table, the BA
fields, the BA's own authenticator, the MH checksum, the counters of
docs/operations.md, and `mip6ctl binding show`.
"""

import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import (  # noqa: E402
    IPPROTO_MH,
    Key,
    Lab,
    binding_update,
    counter_delta,
    frame,
    ip6,
    ntp_timestamp,
    ntp_to_unix,
    parse_ipv6_frame,
    upper_layer_checksum_ok,
    walk_options,
)
from scapy.all import Ether, raw  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    HAO,
    ICMPv6EchoRequest,
    ICMPv6ND_NS,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrRouting,
    MIP6MH_BA,
    MIP6MH_Generic,
    in6_getnsma,
    in6_getnsmac,
)

HA = "2001:db8:a::1"
HA_MAC = "02:00:00:00:0a:99"
ROUTER_MAC = "02:00:00:00:0a:01"
COA = "2001:db8:b::2"
COA2 = "2001:db8:b::3"
MAX_LIFETIME = 600
REPLAY_WINDOW = 7

K256 = Key("site-b-hosts", 1001, "hmac-sha256", "00112233445566778899aabbccddeeff")
K96 = Key("site-b-sha1", 1002, "hmac-sha1-96", "8899aabbccddeeff00112233445566778899aabb")
ROGUE = Key("rogue", 1003, "hmac-sha256", "f0e1d2c3b4a5968778695a4b3c2d1e0f")

# Counters that move on their own (unsolicited NAs after a new binding).
# The replay memory's gauges too: records come with every accepted BU and go
# on a purge timer (tests of their own below).
ASYNC_COUNTERS = ("ports.", "control.", "nd.na_announced", "replay.records", "replay.expired")


def config(lab):
    return """role = "home-agent"
node_name = "ha-conformance"
control_socket = "%s"
log_level = "debug"
[interfaces]
uplink = "ha0"
[home_agent]
address = "%s"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = %d
database = "%s"
replay_window = %d
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
%s%s%s
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
[[policy]]
key = "site-b-sha1"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
""" % (lab.path("ha.sock"), HA, MAX_LIFETIME, lab.path("bindings.sqlite"), REPLAY_WINDOW, HA,
       ROUTER_MAC, K256.toml(), K96.toml(), ROGUE.toml())


class Sent:
    """One BU as sent: what the answer must refer to."""

    def __init__(self, pkt, coa, hoa, seq, timestamp, key):
        self.pkt, self.coa, self.hoa, self.seq, self.timestamp, self.key = pkt, coa, hoa, seq, timestamp, key


class HomeAgentConformance(unittest.TestCase):
    maxDiff = None
    _next_host = 0x100

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab()
        try:
            cls.ns_ha = cls.lab.namespace("ha")
            cls.ns_router = cls.lab.namespace("rt")
            cls.lab.veth(cls.ns_ha, "ha0", cls.ns_router, "rt0", mac_a=HA_MAC, mac_b=ROUTER_MAC)
            cls.lab.disable_ipv6(cls.ns_ha, "ha0")
            cls.lab.disable_ipv6(cls.ns_router, "rt0")
            cls.ha = cls.lab.daemon(cls.ns_ha, config(cls.lab), "ha").start()
            cls.port = cls.lab.port(cls.ns_router, "rt0")
        except BaseException:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def setUp(self):
        self.assertIsNone(self.ha.proc.poll(), "mip6d died:\n" + self.ha.log())

    def tearDown(self):
        if harness.test_failed(self):
            print("\n---- mip6d log (tail) ----\n" + self.ha.log()[-3000:], file=sys.stderr)
        # A crash is a failure of whichever case caused it.
        self.assertIsNone(self.ha.proc.poll(), "mip6d died:\n" + self.ha.log())

    # ------------------------------------------------------------------
    # helpers

    @classmethod
    def new_hoa(cls):
        cls._next_host += 1
        return "2001:db8:a::%x" % cls._next_host

    def bu(self, hoa, seq, units=100, key=K256, coa=COA, timestamp="now", **kw):
        if timestamp == "now":
            timestamp = ntp_timestamp()
        pkt = binding_update(coa, HA, hoa, seq, units, key, timestamp=timestamp, **kw)
        return Sent(pkt, coa, hoa, seq, timestamp, key)

    def send(self, pkt):
        self.port.send(frame(HA_MAC, ROUTER_MAC, pkt))

    def is_mh_answer(self, f):
        p = parse_ipv6_frame(f)
        return p is not None and p["upper"] == IPPROTO_MH and p["eth_src"] == HA_MAC

    def exchange(self, sent, timeout=2.0):
        """Sends a BU, returns the Mobility Header frame that answers it."""
        self.send(sent.pkt)
        answer = self.port.receive(self.is_mh_answer, timeout)
        self.assertIsNotNone(answer, "no answer within %.0f s\n%s" % (timeout, self.ha.log()[-3000:]))
        return answer

    def assert_silent(self, pkt, duration=1.0):
        """Nothing but unsolicited NAs comes back within `duration`."""
        self.send(pkt)

        def anything(f):
            p = parse_ipv6_frame(f)
            if p is None:
                return True
            return not (p["upper"] == 58 and p["payload"][:1] == b"\x88" and p["dst"] == "ff02::1"
                        and p["src"] == HA)

        got = self.port.receive_all(anything, duration)
        if got:
            self.fail("expected no answer, got %s" % [Ether(f).summary() for f in got])

    def assert_counters(self, before, expected):
        after = self.ha.stats()
        self.assertEqual(counter_delta(before, after, ignore=ASYNC_COUNTERS), expected)
        return after

    def assert_ba(self, f, sent, status, seq=None, units=0, echo=True, ha_clock=False):
        """Every field of a BA, by hand from the bytes, then cross-read with
        scapy. Returns the Replay Protection timestamp (or None)."""
        seq = sent.seq if seq is None else seq
        p = parse_ipv6_frame(f)
        self.assertIsNotNone(p)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (HA_MAC, ROUTER_MAC))
        self.assertEqual(p["version"], 6)
        self.assertEqual(p["plen"], p["frame_payload"])
        self.assertEqual((p["src"], p["dst"]), (HA, sent.coa))
        # Exactly one extension header: type 2 routing header to the HoA.
        self.assertEqual([t for t, _ in p["headers"]], [43])
        rh = p["headers"][0][1]
        self.assertEqual(len(rh), 24)
        self.assertEqual(rh[0], IPPROTO_MH)  # next header
        self.assertEqual(rh[1], 2)  # Hdr Ext Len
        self.assertEqual(rh[2], 2)  # routing type 2
        self.assertEqual(rh[3], 1)  # segments left
        self.assertEqual(rh[4:8], b"\x00" * 4)
        self.assertEqual(rh[8:24], ip6(sent.hoa))
        self.assertEqual(p["upper"], IPPROTO_MH)

        mh = p["payload"]
        self.assertEqual(mh[0], 59, "payload proto")
        self.assertEqual((mh[1] + 1) * 8, len(mh), "header len")
        self.assertEqual(mh[2], 6, "MH type BA")
        self.assertEqual(mh[3], 0, "reserved")
        # RFC 6275 6.1.1: pseudo-header with the final destination (the HoA).
        self.assertTrue(upper_layer_checksum_ok(HA, sent.hoa, IPPROTO_MH, mh), "MH checksum")
        got_status, flags, got_seq, got_units = struct.unpack("!BBHH", mh[6:12])
        self.assertEqual(got_status, status, "status\n" + self.ha.log()[-2000:])
        self.assertEqual(flags, 0, "K/R/P flags and reserved bits clear")
        self.assertEqual(got_seq, seq, "sequence")
        self.assertEqual(got_units, units, "lifetime (4 s units)")

        options = [(o, t, d) for o, t, d in walk_options(mh) if t not in (0, 1)]
        for o, t, d in walk_options(mh):
            if t == 1:
                self.assertEqual(d, b"\x00" * len(d), "PadN content")
        types = [t for _, t, _ in options]
        timestamp = None
        if echo or ha_clock:
            self.assertEqual(types, [10, 9], "Replay Protection, then MN-HA last")
            offset, _, data = options[0]
            self.assertEqual(offset % 8, 2, "Replay Protection at 8n+2")
            self.assertEqual(len(data), 8)
            timestamp = struct.unpack("!Q", data)[0]
            if ha_clock:
                self.assertNotEqual(timestamp, sent.timestamp)
                self.assertLess(abs(ntp_to_unix(timestamp) - time.time()), 2.0, "the HA's own clock")
            else:
                self.assertEqual(timestamp, sent.timestamp, "timestamp echoed")
        else:
            self.assertEqual(types, [9], "only the MN-HA option")
        auth_at, _, auth = options[-1]
        self.assertEqual(auth_at % 4, 1, "MN-HA option at 4n+1")
        self.assertEqual(auth_at + 2 + len(auth), len(mh), "MN-HA option last")
        self.assertEqual(auth[0], 1, "subtype MN-HA")
        self.assertEqual(struct.unpack("!I", auth[1:5])[0], sent.key.spi, "SPI")
        self.assertEqual(len(auth) - 5, sent.key.size, "authenticator size")
        covered = bytearray(mh[: auth_at + 7])
        covered[4:6] = b"\x00\x00"
        self.assertEqual(auth[5:], sent.key.authenticator(sent.coa, sent.hoa, covered), "BA authenticator")

        # scapy reads the same.
        s = Ether(f)
        self.assertEqual(s[IPv6ExtHdrRouting].type, 2)
        self.assertEqual(s[IPv6ExtHdrRouting].addresses, [sent.hoa])
        self.assertEqual((s[MIP6MH_BA].status, s[MIP6MH_BA].seq, s[MIP6MH_BA].mhtime), (status, seq, units))
        return timestamp

    def assert_binding(self, hoa, coa, seq, lifetime, key=K256, flags="AH"):
        b = self.ha.ctl("binding", "show", hoa)
        self.assertEqual(b["home_address"], hoa)
        self.assertEqual(b["care_of_address"], coa)
        self.assertEqual(b["tunnel"], coa)
        self.assertEqual(b["sequence"], seq)
        self.assertEqual(b["spi"], key.spi)
        self.assertEqual(b["key"], key.name)
        self.assertEqual(b["flags"], flags)
        self.assertLessEqual(b["lifetime"], lifetime)
        self.assertGreaterEqual(b["lifetime"], lifetime - 5)
        listed = [x for x in self.ha.ctl("binding", "list")["bindings"] if x["home_address"] == hoa]
        self.assertEqual(len(listed), 1)
        self.assertEqual(listed[0]["care_of_address"], coa)

    def assert_no_binding(self, hoa):
        status, error = self.ha.ctl_refused("binding", "show", hoa)
        self.assertEqual(status, 1, error)
        self.assertEqual(error["code"], "unknown_binding", error)
        listed = [x for x in self.ha.ctl("binding", "list")["bindings"] if x["home_address"] == hoa]
        self.assertEqual(listed, [])

    def register(self, hoa, seq, units=100, key=K256, coa=COA):
        """A binding to work with: BU accepted, checked briefly."""
        sent = self.bu(hoa, seq, units, key=key, coa=coa)
        self.assert_ba(self.exchange(sent), sent, 0, units=units)
        return sent

    def refused(self, sent, status, seq=None, ha_clock=False, echo=True, replayed=False):
        before = self.ha.stats()
        self.assert_ba(self.exchange(sent), sent, status, seq=seq, units=0, echo=echo, ha_clock=ha_clock)
        expected = {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.refused": 1,
            "bu.refused_by_status.%d" % status: 1, "ba.sent": 1}
        if replayed:
            expected["replay.refused"] = 1
        self.assert_counters(before, expected)

    # ------------------------------------------------------------------
    # accepted

    def test_accepted_new_binding(self):
        hoa = self.new_hoa()
        before = self.ha.stats()
        sent = self.bu(hoa, seq=10, units=100)
        self.assert_ba(self.exchange(sent), sent, 0, units=100)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.accepted": 1,
            "bindings.created": 1, "bindings.current": 1, "ba.sent": 1})
        self.assert_binding(hoa, COA, 10, 400)

    def test_refresh(self):
        hoa = self.new_hoa()
        self.register(hoa, 20, units=50)
        before = self.ha.stats()
        sent = self.bu(hoa, seq=21, units=100)
        self.assert_ba(self.exchange(sent), sent, 0, units=100)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.accepted": 1,
            "bindings.refreshed": 1, "ba.sent": 1})
        self.assert_binding(hoa, COA, 21, 400)

    def test_moved_to_another_care_of_address(self):
        hoa = self.new_hoa()
        first = self.register(hoa, 30)
        # RFC 4285 6: the timestamp must be newer than the last one accepted
        # for the home address, whichever care-of address that came from: a
        # host whose clock lags is refused with 144 and told the number to
        # beat (the HA's clock, or the last accepted when that is ahead).
        lagging = self.bu(hoa, seq=31, coa=COA2, timestamp=first.timestamp - (1 << 32))
        answer = self.exchange(lagging)
        to_beat = self.assert_ba(answer, lagging, 144, units=0, echo=False, ha_clock=True)
        self.assertGreaterEqual(to_beat, first.timestamp)
        self.assert_binding(hoa, COA, 30, 400)
        before = self.ha.stats()
        sent = self.bu(hoa, seq=32, coa=COA2, timestamp=to_beat + 1)
        self.assert_ba(self.exchange(sent), sent, 0, units=100)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.accepted": 1,
            "bindings.moved": 1, "ba.sent": 1})
        self.assert_binding(hoa, COA2, 32, 400)

    def test_lifetime_capped_by_max_lifetime(self):
        hoa = self.new_hoa()
        sent = self.bu(hoa, seq=40, units=1000)  # 4000 s asked
        self.assert_ba(self.exchange(sent), sent, 0, units=MAX_LIFETIME // 4)
        self.assert_binding(hoa, COA, 40, MAX_LIFETIME)
        # The largest value the field holds is capped the same way.
        sent = self.bu(hoa, seq=41, units=0xFFFF)
        self.assert_ba(self.exchange(sent), sent, 0, units=MAX_LIFETIME // 4)
        self.assert_binding(hoa, COA, 41, MAX_LIFETIME)

    def test_hmac_sha1_96_key_accepted(self):
        hoa = self.new_hoa()
        before = self.ha.stats()
        sent = self.bu(hoa, seq=50, units=25, key=K96)
        f = self.exchange(sent)
        self.assert_ba(f, sent, 0, units=25)
        auth = [d for _, t, d in walk_options(parse_ipv6_frame(f)["payload"]) if t == 9][0]
        self.assertEqual(len(auth), 5 + 12)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.accepted": 1,
            "bindings.created": 1, "bindings.current": 1, "ba.sent": 1})
        self.assert_binding(hoa, COA, 50, 100, key=K96)

    # ------------------------------------------------------------------
    # deregistration

    def test_deregistration_and_133(self):
        hoa = self.new_hoa()
        self.register(hoa, 60)
        before = self.ha.stats()
        sent = self.bu(hoa, seq=61, units=0)
        self.assert_ba(self.exchange(sent), sent, 0, units=0)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.accepted": 1,
            "bindings.deleted": 1, "bindings.current": -1, "ba.sent": 1})
        self.assert_no_binding(hoa)
        # Nothing left to remove: 133, with the BU's own sequence number.
        self.refused(self.bu(hoa, seq=62, units=0), 133)
        self.assert_no_binding(hoa)
        # Never registered at all: 133 as well.
        self.refused(self.bu(self.new_hoa(), seq=1, units=0), 133)

    # ------------------------------------------------------------------
    # sequence numbers

    def test_135_carries_the_last_accepted_sequence(self):
        hoa = self.new_hoa()
        self.register(hoa, 1000)
        self.refused(self.bu(hoa, seq=1000), 135, seq=1000)  # equal is not newer
        self.refused(self.bu(hoa, seq=999), 135, seq=1000)
        self.refused(self.bu(hoa, seq=1000 + 0x8000), 135, seq=1000)  # half the space ahead
        self.assert_binding(hoa, COA, 1000, 400)
        sent = self.bu(hoa, seq=1000 + 0x7FFF)  # the farthest still newer
        self.assert_ba(self.exchange(sent), sent, 0, units=100)
        self.assert_binding(hoa, COA, 1000 + 0x7FFF, 400)

    def test_sequence_wraps_modulo_2_16(self):
        hoa = self.new_hoa()
        self.register(hoa, 0xFFFE)
        self.register(hoa, 0xFFFF)
        sent = self.bu(hoa, seq=0)
        self.assert_ba(self.exchange(sent), sent, 0, units=100)
        self.assert_binding(hoa, COA, 0, 400)
        self.refused(self.bu(hoa, seq=0xFFFF), 135, seq=0)

    # ------------------------------------------------------------------
    # authentication

    def test_146_bad_authenticator(self):
        hoa = self.new_hoa()
        before = self.ha.stats()
        sent = self.bu(hoa, seq=70, corrupt=True)
        # Refused with MIPV6-AUTH-FAIL, signed with the SPI's own key.
        self.assert_ba(self.exchange(sent), sent, 146, units=0)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.dropped.bad_authenticator": 1,
            "bu.refused": 1, "bu.refused_by_status.146": 1, "ba.sent": 1})
        self.assert_no_binding(hoa)
        with self.subTest("sha1-96"):
            sent = self.bu(hoa, seq=71, key=K96, corrupt=True)
            self.assert_ba(self.exchange(sent), sent, 146, units=0)
        with self.subTest("an existing binding is left alone"):
            self.register(hoa, 72)
            sent = self.bu(hoa, seq=73, coa=COA2, corrupt=True)
            self.assert_ba(self.exchange(sent), sent, 146, units=0)
            self.assert_binding(hoa, COA, 72, 400)

    def test_no_authentication_option_is_dropped_silently(self):
        hoa = self.new_hoa()
        before = self.ha.stats()
        self.assert_silent(self.bu(hoa, seq=80, with_auth=False).pkt)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.dropped.no_authentication": 1})
        self.assert_no_binding(hoa)

    def test_unknown_spi_is_dropped_silently(self):
        hoa = self.new_hoa()
        before = self.ha.stats()
        self.assert_silent(self.bu(hoa, seq=81, spi=4242).pkt)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.dropped.unknown_spi": 1})
        self.assert_no_binding(hoa)

    # ------------------------------------------------------------------
    # replay protection

    def test_145_missing_replay_protection(self):
        hoa = self.new_hoa()
        self.refused(self.bu(hoa, seq=90, timestamp=None), 145, echo=False)
        self.assert_no_binding(hoa)

    def test_144_stale_and_future_timestamps_carry_the_home_agents_clock(self):
        hoa = self.new_hoa()
        now = time.time()
        for name, t in (("stale", now - 60), ("future", now + 60),
                        ("just outside the window", now - REPLAY_WINDOW - 2)):
            with self.subTest(name):
                self.refused(self.bu(hoa, seq=100, timestamp=ntp_timestamp(t)), 144, ha_clock=True)
        self.assert_no_binding(hoa)
        with self.subTest("inside the window"):
            sent = self.bu(hoa, seq=101, timestamp=ntp_timestamp(now - REPLAY_WINDOW + 3))
            self.assert_ba(self.exchange(sent), sent, 0, units=100)

    def test_144_timestamp_not_newer_than_the_last_accepted(self):
        hoa = self.new_hoa()
        first = self.register(hoa, 110)
        # A replay of the accepted BU's timestamp with a fresh sequence number.
        self.refused(self.bu(hoa, seq=111, timestamp=first.timestamp), 144, ha_clock=True, replayed=True)
        self.refused(self.bu(hoa, seq=112, timestamp=first.timestamp - 1), 144, ha_clock=True, replayed=True)
        self.assert_binding(hoa, COA, 110, 400)

    # ------------------------------------------------------------------
    # replay memory: RFC 4285 6 says a timestamp must be newer than the last
    # one accepted for the home address. That memory must not end with the
    # binding, a restart, or a move (docs/security.md).

    def test_144_replay_after_deregistration(self):
        hoa = self.new_hoa()
        captured = self.register(hoa, 200)
        time.sleep(0.01)
        gone = self.bu(hoa, seq=201, units=0)
        self.assert_ba(self.exchange(gone), gone, 0, units=0)
        self.assert_no_binding(hoa)
        # The captured registration, resent well inside the window.
        self.refused(captured, 144, ha_clock=True, replayed=True)
        self.assert_no_binding(hoa)

    def test_144_replay_after_expiry(self):
        hoa = self.new_hoa()
        captured = self.register(hoa, 210, units=1)  # 4 s
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not any(x["home_address"] == hoa for x in self.ha.ctl("binding", "list")["bindings"]):
                break
            time.sleep(0.1)
        self.assert_no_binding(hoa)
        # About 4 s after it was sent: still inside the 7 s window.
        self.refused(captured, 144, ha_clock=True, replayed=True)
        self.assert_no_binding(hoa)

    def test_144_replay_from_an_earlier_care_of_address(self):
        hoa = self.new_hoa()
        from_b = self.register(hoa, 220)
        time.sleep(0.01)
        moved = self.bu(hoa, seq=221, coa=COA2)
        self.assert_ba(self.exchange(moved), moved, 0, units=100)
        time.sleep(0.01)
        gone = self.bu(hoa, seq=222, units=0, coa=COA2)
        self.assert_ba(self.exchange(gone), gone, 0, units=0)
        # No binding left, so RFC 6275 9.5.1 puts no bound on the sequence
        # number: only the remembered timestamp stops the replay.
        self.refused(from_b, 144, ha_clock=True, replayed=True)
        self.assert_no_binding(hoa)

    def test_144_replay_after_a_restart_within_the_window(self):
        hoa = self.new_hoa()
        captured = self.register(hoa, 230)
        time.sleep(0.01)
        gone = self.bu(hoa, seq=231, units=0)
        self.assert_ba(self.exchange(gone), gone, 0, units=0)
        # Killed outright: the record was committed before the BA left.
        self.ha.kill()
        self.ha.start()
        self.assertGreaterEqual(self.ha.stats()["replay.restored"], 1)
        self.refused(captured, 144, ha_clock=True, replayed=True)
        self.assert_no_binding(hoa)

    # ------------------------------------------------------------------
    # addresses that can never be bound

    def test_home_addresses_no_node_may_own_get_no_answer(self):
        # RFC 4291 2.4-2.5: multicast, unspecified, loopback, link-local and
        # IPv4-mapped addresses are no node's home address. No BA may carry
        # them in its type 2 routing header: silence, counted.
        for bad in ("ff02::1", "ff0e::101", "::", "::1", "fe80::100", "::ffff:192.0.2.7"):
            with self.subTest(bad):
                before = self.ha.stats()
                self.assert_silent(self.bu(bad, seq=240).pkt, duration=0.3)
                self.assert_counters(before, {
                    "frames.received": 1, "mh.received": 1, "bu.received": 1,
                    "bu.dropped.unbindable_home_address": 1})
        # Not even a wrong authenticator earns a 146 toward such an address.
        before = self.ha.stats()
        self.assert_silent(binding_update(COA, HA, "ff02::1", 241, 100, K256, corrupt=True), duration=0.3)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1,
            "bu.dropped.unbindable_home_address": 1})

    def test_134_another_guests_link_layer_identifier(self):
        """A binding made for one guest's MAC (RFC 5213 8.6 Mobile Node
        Link-layer Identifier, as roam6's hosts send it) is not moved,
        refreshed or deleted for another: 134, nothing changed
        (docs/signalling.md "One address, one guest")."""
        def identifier(mac):
            # At MH offset 12: PadN to 8n (the option's alignment), then
            # type 25, length, two reserved octets, the MAC.
            return harness.padding(4) + bytes([25, 8, 0, 0]) + bytes.fromhex(mac.replace(":", ""))

        hoa = self.new_hoa()
        sent = self.bu(hoa, seq=10, extra_options=identifier("52:54:00:00:00:01"))
        self.assert_ba(self.exchange(sent), sent, 0, units=100)
        self.assertEqual(self.ha.ctl("binding", "show", hoa)["link_layer_id"], "52:54:00:00:00:01")
        self.refused(self.bu(hoa, seq=11, coa=COA, extra_options=identifier("52:54:00:00:00:02")), 134)
        self.refused(self.bu(hoa, seq=12, units=0, extra_options=identifier("52:54:00:00:00:02")), 134)
        self.assert_binding(hoa, COA, 10, 400)
        # The same guest, and a BU without the option, still refresh it.
        sent = self.bu(hoa, seq=11, extra_options=identifier("52:54:00:00:00:01"))
        self.assert_ba(self.exchange(sent), sent, 0, units=100)
        self.register(hoa, 12)
        self.assertEqual(self.ha.ctl("binding", "show", hoa)["link_layer_id"], "52:54:00:00:00:01")

    def test_129_reserved_home_addresses(self):
        # Inside the home prefix but never a node's: the HA's own address,
        # the Subnet-Router anycast address (RFC 4291 2.6.1) and the
        # reserved subnet anycast addresses (RFC 2526; fdff:...:fffe is the
        # Mobile IPv6 Home-Agents anycast address).
        for reserved in (HA, "2001:db8:a::", "2001:db8:a:0:fdff:ffff:ffff:fffe",
                         "2001:db8:a:0:fdff:ffff:ffff:ff80"):
            with self.subTest(reserved):
                self.refused(self.bu(reserved, seq=250), 129)
                self.assert_no_binding(reserved)

    # ------------------------------------------------------------------
    # registration rules

    def test_129_key_not_allowed_by_policy(self):
        hoa = self.new_hoa()
        self.refused(self.bu(hoa, seq=120, key=ROGUE), 129)
        self.assert_no_binding(hoa)
        with self.subTest("care-of address outside the key's prefixes"):
            self.refused(self.bu(hoa, seq=121, coa="2001:db8:c::2"), 129)
            self.assert_no_binding(hoa)

    def test_132_home_address_outside_the_home_prefix(self):
        hoa = "2001:db8:f::100"
        self.refused(self.bu(hoa, seq=130), 132)
        self.assert_no_binding(hoa)

    def test_129_h_flag_clear_and_139_with_a_binding(self):
        hoa = self.new_hoa()
        self.refused(self.bu(hoa, seq=140, flags="A"), 129)
        self.assert_no_binding(hoa)
        self.register(hoa, 141)
        self.refused(self.bu(hoa, seq=142, flags="A"), 139)
        self.assert_binding(hoa, COA, 141, 400)

    def test_unusable_care_of_address_is_dropped_silently(self):
        # A link-local IPv6 source: no BA may go there (RFC 4291 2.5.6).
        hoa = self.new_hoa()
        before = self.ha.stats()
        self.assert_silent(self.bu(hoa, seq=150, coa="fe80::2").pkt)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.dropped.unusable_source": 1})
        self.assert_no_binding(hoa)
        # A link-local Alternate Care-of Address (RFC 6275 6.2.5, at 8n+6).
        alternate = b"\x01\x00" + b"\x03\x10" + socket.inet_pton(socket.AF_INET6, "fe80::2")
        before = self.ha.stats()
        self.assert_silent(self.bu(hoa, seq=151, extra_options=alternate).pkt)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1,
            "bu.dropped.unusable_care_of_address": 1})
        self.assert_no_binding(hoa)

    def test_no_acknowledge_flag_no_ba(self):
        hoa = self.new_hoa()
        before = self.ha.stats()
        self.assert_silent(self.bu(hoa, seq=160, flags="H").pkt, duration=0.5)
        self.assert_counters(before, {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.accepted": 1,
            "bindings.created": 1, "bindings.current": 1})
        self.assert_binding(hoa, COA, 160, 400, flags="H")

    # ------------------------------------------------------------------
    # malformed Mobility Headers: dropped, no BA, counted

    def malformed(self, pkt_bytes, expected):
        before = self.ha.stats()
        self.assert_silent(pkt_bytes)
        self.assert_counters(before, expected)

    def valid_bu_bytes(self, hoa, seq):
        return bytearray(raw(self.bu(hoa, seq).pkt))

    def test_malformed_truncated_mh(self):
        hoa = self.new_hoa()
        pkt = self.valid_bu_bytes(hoa, 170)
        # Header Len says 8 bytes more than the packet holds (IPv6 payload
        # length matches the shortened packet).
        cut = pkt[:-8]
        struct.pack_into("!H", cut, 4, len(cut) - 40)
        self.malformed(cut, {"frames.received": 1, "mh.received": 1, "mh.malformed": 1})
        with self.subTest("shorter than the fixed MH"):
            cut = pkt[: 40 + 24 + 4]
            struct.pack_into("!H", cut, 4, len(cut) - 40)
            self.malformed(cut, {"frames.received": 1, "mh.received": 1, "mh.malformed": 1})
        with self.subTest("header length too short for a BU"):
            mh = MIP6MH_Generic(mhtype=5, len=0, msg=b"\x00\x01")
            pkt = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)]) / mh
            self.malformed(raw(pkt), {"frames.received": 1, "mh.received": 1, "mh.malformed": 1})
        self.assert_no_binding(hoa)

    def test_malformed_bad_checksum(self):
        hoa = self.new_hoa()
        pkt = self.valid_bu_bytes(hoa, 171)
        pkt[64 + 4] ^= 0x5A  # the MH starts after IPv6 (40) and the DestOpt header (24)
        self.malformed(pkt, {"frames.received": 1, "mh.received": 1, "mh.bad_checksum": 1})
        self.assert_no_binding(hoa)

    def test_malformed_bad_option_length(self):
        hoa = self.new_hoa()
        # A Replay Protection option of 6 bytes instead of 8 (checksum and
        # authenticator valid).
        bad = harness.padding(6) + struct.pack("!BB", 10, 6) + b"\x00" * 6
        self.malformed(raw(self.bu(hoa, 172, timestamp=None, extra_options=bad).pkt), {
            "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.dropped.bad_options": 1})
        with self.subTest("an option running past the end of the MH"):
            over = struct.pack("!BB", 2, 32) + b"\x00\x00"
            self.malformed(raw(self.bu(hoa, 173, timestamp=None, with_auth=False, extra_options=over).pkt), {
                "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.dropped.bad_options": 1})
        with self.subTest("an option after the MN-HA option"):
            sent = self.bu(hoa, 174)
            pkt = bytearray(raw(sent.pkt))
            # Append a Binding Refresh Advice (4 bytes) + PadN (4 bytes)
            # after the authentication option: 8 more bytes of MH.
            pkt += struct.pack("!BBH", 2, 2, 1) + harness.padding(4)
            struct.pack_into("!H", pkt, 4, len(pkt) - 40)
            pkt[64 + 1] += 1
            pkt[64 + 4:64 + 6] = b"\x00\x00"
            checksum = 0xFFFF - harness.ones_complement_sum(
                ip6(hoa) + ip6(HA) + struct.pack("!IxxxB", len(pkt) - 64, IPPROTO_MH) + bytes(pkt[64:]))
            struct.pack_into("!H", pkt, 64 + 4, checksum)
            self.malformed(pkt, {
                "frames.received": 1, "mh.received": 1, "bu.received": 1, "bu.dropped.bad_options": 1})
        self.assert_no_binding(hoa)

    def test_malformed_payload_proto_not_59(self):
        hoa = self.new_hoa()
        sent = self.bu(hoa, 174)
        sent.pkt[harness.MIP6MH_BU].nh = 6
        sent.pkt[harness.MIP6MH_BU].cksum = None
        pkt = raw(sent.pkt)
        self.assertTrue(upper_layer_checksum_ok(hoa, HA, IPPROTO_MH, pkt[64:]))
        self.malformed(pkt, {"frames.received": 1, "mh.received": 1, "mh.malformed": 1})
        self.assert_no_binding(hoa)

    def test_unknown_mh_type_gets_binding_error_status_2(self):
        hoa = self.new_hoa()
        mh = MIP6MH_Generic(mhtype=42, len=1, res=0, msg=b"\x00" * 10)
        pkt = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)]) / mh
        before = self.ha.stats()
        self.send(pkt)
        f = self.port.receive(self.is_mh_answer, 2.0)
        self.assertIsNotNone(f, "no Binding Error")
        p = parse_ipv6_frame(f)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (HA_MAC, ROUTER_MAC))
        self.assertEqual((p["src"], p["dst"]), (HA, COA))  # RFC 6275 9.3.3: to the source
        self.assertEqual(p["headers"], [])
        self.assertEqual(p["plen"], p["frame_payload"])
        be = p["payload"]
        self.assertEqual(len(be), 24)
        self.assertEqual(be[0], 59)
        self.assertEqual(be[1], 2)
        self.assertEqual(be[2], 7, "MH type Binding Error")
        self.assertEqual(be[3], 0)
        self.assertTrue(upper_layer_checksum_ok(HA, COA, IPPROTO_MH, be), "BE checksum")
        self.assertEqual(be[6], 2, "status: unrecognized MH type")
        self.assertEqual(be[7], 0)
        self.assertEqual(be[8:24], ip6(hoa), "home address from the HAO")
        self.assert_counters(before, {"frames.received": 1, "mh.received": 1, "mh.malformed": 1, "be.sent": 1})

    def test_no_binding_error_to_a_source_that_is_not_unicast(self):
        # RFC 6275 9.3.3: the BE goes to the source only when it is unicast.
        hoa = self.new_hoa()
        for source in ("::", "ff02::1"):
            with self.subTest(source):
                mh = MIP6MH_Generic(mhtype=42, len=1, res=0, msg=b"\x00" * 10)
                pkt = IPv6(src=source, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)]) / mh
                self.malformed(raw(pkt), {"frames.received": 1, "mh.received": 1, "mh.malformed": 1})

    def test_unknown_mh_type_with_bad_checksum_is_dropped(self):
        # RFC 6275 9.2: the checksum is verified before the MH type; a
        # corrupted message earns no Binding Error (and the decision table
        # puts "bad checksum" before "unknown MH type").
        hoa = self.new_hoa()
        mh = MIP6MH_Generic(mhtype=42, len=1, res=0, cksum=0x1234, msg=b"\x00" * 10)
        pkt = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)]) / mh
        self.malformed(raw(pkt), {"frames.received": 1, "mh.received": 1, "mh.bad_checksum": 1})

    def test_messages_a_home_agent_does_not_act_on(self):
        hoa = self.new_hoa()
        # (With a Home Address option and no binding, a BA earns a Binding
        # Error status 1 instead: test_extension_header_rules.py.)
        ba = IPv6(src=COA, dst=HA) / MIP6MH_BA(status=0, flags=0, seq=1, mhtime=1)
        self.malformed(raw(ba), {"frames.received": 1, "mh.received": 1, "mh.ignored": 1})
        with self.subTest("a BU with a type 2 routing header"):
            # RFC 6275 6.4: Segments Left of a type 2 routing header is 1;
            # this one is discarded before the BU is looked at.
            sent = self.bu(hoa, 176)
            rh2 = (IPv6(src=COA, dst=HA) / IPv6ExtHdrRouting(type=2, addresses=[hoa], segleft=0)
                   / IPv6(raw(sent.pkt))[IPv6ExtHdrDestOpt])
            self.malformed(raw(rh2), {"frames.received": 1, "discard.type2_routing_header.segments_left": 1})
        with self.subTest("MH for another address"):
            other = self.bu(hoa, 175).pkt
            other[IPv6].dst = "2001:db8:a::2"
            self.malformed(raw(other), {"frames.received": 1, "frames.not_for_us": 1})
        self.assert_no_binding(hoa)

    # ------------------------------------------------------------------
    # neighbour discovery on the home link

    def solicit(self, target, src="fe80::a01", dad=False):
        group = in6_getnsma(ip6(target))
        group_text = harness.addr(group)
        ns = Ether(dst=in6_getnsmac(group), src=ROUTER_MAC) / IPv6(
            src="::" if dad else src, dst=group_text, hlim=255) / ICMPv6ND_NS(tgt=target)
        if not dad:
            ns = ns / ICMPv6NDOptSrcLLAddr(lladdr=ROUTER_MAC)
        self.port.send(raw(ns))

    def is_na_for(self, target):
        def match(f):
            p = parse_ipv6_frame(f)
            return (p is not None and p["upper"] == 58 and p["payload"][:1] == b"\x88"
                    and p["payload"][8:24] == ip6(target))
        return match

    def assert_na(self, f, target, solicited, dst, eth_dst, sources):
        p = parse_ipv6_frame(f)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (HA_MAC, eth_dst))
        self.assertEqual(p["dst"], dst)
        self.assertIn(p["src"], sources)
        self.assertEqual(p["hlim"], 255)
        self.assertEqual(p["headers"], [])
        icmp = p["payload"]
        self.assertTrue(upper_layer_checksum_ok(p["src"], p["dst"], 58, icmp), "ICMPv6 checksum")
        self.assertEqual((icmp[0], icmp[1]), (136, 0))
        flags = icmp[4]
        self.assertEqual(flags & 0x80, 0, "R clear")
        self.assertEqual(bool(flags & 0x40), solicited, "S flag")
        self.assertEqual(flags & 0x20, 0x20, "O set")
        self.assertEqual(icmp[8:24], ip6(target))
        # Target Link-layer Address option: the HA's MAC.
        self.assertEqual(icmp[24:26], b"\x02\x01")
        self.assertEqual(":".join("%02x" % b for b in icmp[26:32]), HA_MAC)

    def test_echo_request_to_the_home_agent(self):
        before = self.ha.stats()
        echo = (Ether(dst=HA_MAC, src=ROUTER_MAC) / IPv6(src=COA, dst=HA, hlim=60)
                / ICMPv6EchoRequest(id=0x1234, seq=7, data=b"roam6 ping"))
        self.port.send(raw(echo))

        def reply(f):
            p = parse_ipv6_frame(f)
            return p is not None and p["upper"] == 58 and p["payload"][:1] == b"\x81"

        f = self.port.receive(reply, 2.0)
        self.assertIsNotNone(f, "no echo reply")
        p = parse_ipv6_frame(f)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (HA_MAC, ROUTER_MAC))
        self.assertEqual((p["src"], p["dst"]), (HA, COA))
        icmp = p["payload"]
        self.assertTrue(upper_layer_checksum_ok(HA, COA, 58, icmp))
        self.assertEqual(icmp[1], 0)
        self.assertEqual(struct.unpack("!HH", icmp[4:8]), (0x1234, 7))
        self.assertEqual(icmp[8:], b"roam6 ping")
        self.assert_counters(before, {"frames.received": 1, "icmp.echo_replies": 1})

    def test_neighbour_solicitations(self):
        with self.subTest("the HA's own address"):
            before = self.ha.stats()
            self.solicit(HA)
            f = self.port.receive(self.is_na_for(HA), 2.0)
            self.assertIsNotNone(f, "no NA for the HA address")
            self.assert_na(f, HA, True, "fe80::a01", ROUTER_MAC, (HA,))
            self.assert_counters(before, {"frames.received": 1, "nd.ns_answered": 1})

        hoa = self.new_hoa()
        with self.subTest("three unsolicited NAs for a new binding, at once and one second apart"):
            # Another binding's announcements are under way: the new one's
            # first NA must not wait for them.
            self.register(self.new_hoa(), 179)
            time.sleep(0.3)
            sent = self.bu(hoa, 180)
            start = time.monotonic()
            self.send(sent.pkt)
            # The first NA may leave before or after the BA: collect both.
            na_for_hoa = self.is_na_for(hoa)
            got, times = [], []
            while time.monotonic() - start < 2.7:
                f = self.port.receive(lambda f: self.is_mh_answer(f) or na_for_hoa(f),
                                      2.7 - (time.monotonic() - start))
                if f is None:
                    break
                got.append(f)
                times.append(time.monotonic() - start)
            bas = [f for f in got if self.is_mh_answer(f)]
            nas = [(t, f) for t, f in zip(times, got) if not self.is_mh_answer(f)]
            self.assertEqual(len(bas), 1)
            self.assert_ba(bas[0], sent, 0, units=100)
            self.assertEqual(len(nas), 3, ["%.2f s %s" % (t, Ether(f).summary()) for t, f in nas])
            at = [t for t, _ in nas]
            self.assertLess(at[0], 0.25, "first NA at %.2f s" % at[0])
            for earlier, later in zip(at, at[1:]):
                self.assertAlmostEqual(later - earlier, 1.0, delta=0.25)
            nas = [f for _, f in nas]
            for f in nas:
                self.assert_na(f, hoa, False, "ff02::1", "33:33:00:00:00:01", (HA,))

        with self.subTest("a bound home address"):
            before = self.ha.stats()
            self.solicit(hoa)
            f = self.port.receive(self.is_na_for(hoa), 2.0)
            self.assertIsNotNone(f, "no NA for the bound HoA")
            # RFC 4861 7.2.4 / RFC 6275 10.4.1: from an address of the HA's
            # own interface, never the proxied home address.
            self.assert_na(f, hoa, True, "fe80::a01", ROUTER_MAC, (HA,))
            self.assert_counters(before, {"frames.received": 1, "nd.ns_answered": 1})

        with self.subTest("DAD for a bound home address"):
            before = self.ha.stats()
            self.solicit(hoa, dad=True)
            f = self.port.receive(self.is_na_for(hoa), 2.0)
            self.assertIsNotNone(f, "no NA for the DAD probe")
            self.assert_na(f, hoa, False, "ff02::1", "33:33:00:00:00:01", (HA,))
            self.assert_counters(before, {"frames.received": 1, "nd.ns_answered": 1})

        with self.subTest("an address nobody holds"):
            free = self.new_hoa()
            self.solicit(free)
            self.assertEqual(self.port.receive_all(self.is_na_for(free), 0.5), [])


if __name__ == "__main__":
    harness.skip_unless_root()
    unittest.main(verbosity=2)
