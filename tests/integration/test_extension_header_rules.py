#!/usr/bin/python3
"""RFC 8200 and RFC 6275 rules for the headers in front of what mip6d acts
on, against real daemons of both roles (docs/signalling.md, "RFC 8200 rules
on the signalling path").

Every packet is built with scapy (options, routing headers, the Home Address
option, Mobility Headers; RFC 4285 authenticators with Python's hmac), every
answer taken apart byte by byte. The expected answers come from:

  RFC 8200 4.2  unrecognised option, by the two high-order bits of its type:
                00 skip, 01 discard, 10 discard + Parameter Problem code 2
                pointing at the option type (even for a multicast
                destination), 11 the same only for a unicast destination
  RFC 8200 4.4  unrecognised routing type: Segments Left 0, ignore the header;
                otherwise discard + Parameter Problem code 0 pointing at the
                Routing Type field
  RFC 6275 6.4  a type 2 routing header has Segments Left 1
  RFC 6275 9.3.1, 9.3.3, 6.1.9  a Home Address option outside a Binding
                Update needs a binding from the packet's source, else the
                packet is dropped and a Binding Error status 1 goes to the
                source, carrying the option's home address
  RFC 4443 2.4  (c) the error carries as much of the invoking packet as fits
                in 1280 octets; (e) none about multicast destinations (the
                code-2 exception aside); (f) rate-limited

Home Agent: mip6d in one namespace, the test is its home link's router on
the other end of a veth pair. Host: mip6d with an uplink (the test is the
site router and, through it, the Home Agent) and a guest port (the test is
the guest).
"""

import os
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import (  # noqa: E402
    IPPROTO_MH,
    BU_BASE,
    Key,
    Lab,
    RawOptions,
    binding_update,
    bu_options,
    counter_delta,
    frame,
    ip6,
    parse_ipv6_frame,
    upper_layer_checksum_ok,
    walk_options,
)
from scapy.all import Ether, raw  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    HAO,
    HBHOptUnknown,
    ICMPv6EchoRequest,
    ICMPv6ND_NS,
    ICMPv6ND_RS,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    MIP6MH_BA,
    MIP6MH_BRR,
    PadN,
    in6_getnsma,
    in6_getnsmac,
)

HA = "2001:db8:a::1"
HA_MAC = "02:00:00:00:0a:99"
HOME_ROUTER_MAC = "02:00:00:00:0a:01"
HOME_ROUTER_LL = "fe80::1"
COA = "2001:db8:b::2"
HOST_MAC = "02:00:00:00:0b:02"
SITE_ROUTER_MAC = "02:00:00:00:0b:01"
G1_MAC = "52:54:00:00:00:01"
G1_HOA = "2001:db8:a::100"
G1_LL = "fe80::5054:ff:fe00:1"

KEY = Key("site-b-hosts", 1001, "hmac-sha256", "00112233445566778899aabbccddeeff")

ICMPV6 = 58
PARAMETER_PROBLEM = 4
CODE_ERRONEOUS_HEADER_FIELD = 0   # RFC 4443 3.4
CODE_UNRECOGNISED_OPTION = 2
IPV6_HEADER = 40
# Counters that move on their own: unsolicited NAs after a new binding, the
# host's retransmissions and periodic Router Advertisements.
ASYNC = ("ports.", "control.", "nd.na_announced", "bu.sent", "nd.ra_sent", "replay.records", "replay.expired")

SITES = """
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
"""


def ha_config(lab, per_second, burst):
    return """role = "home-agent"
node_name = "ha-rfc8200"
control_socket = "%s"
log_level = "debug"
error_messages_per_second = %d
error_messages_burst = %d
[interfaces]
uplink = "ha0"
[home_agent]
address = "%s"
home_prefixes = ["2001:db8:a::/64"]
database = "%s"
%s%s
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
""" % (lab.path("ha.sock"), per_second, burst, HA, lab.path("ha.sqlite"), SITES, KEY.toml())


def host_config(lab):
    return """role = "host"
node_name = "host-rfc8200"
control_socket = "%s"
log_level = "debug"
[interfaces]
uplink = "up0"
guests = "guests0"
[host]
site = "site-b"
care_of_address = "%s"
key = "site-b-hosts"
%s%s
[[guests]]
name = "g1"
mac = "%s"
home_address = "%s"
home_site = "site-a"
""" % (lab.path("host.sock"), COA, SITES, KEY.toml(), G1_MAC, G1_HOA)


def unknown_option(option_type):
    """An option no node knows, of `option_type` (its two high-order bits
    are the action, RFC 8200 4.2), with four octets of data."""
    return HBHOptUnknown(otype=option_type, optdata=b"\x00" * 4)


def parameter_problem(test, f, src, dst, eth_src, eth_dst, code, pointer, invoking):
    """Every field of an ICMPv6 Parameter Problem, from the bytes."""
    p = parse_ipv6_frame(f)
    test.assertIsNotNone(p)
    test.assertEqual((p["eth_src"], p["eth_dst"]), (eth_src, eth_dst))
    test.assertEqual((p["src"], p["dst"]), (src, dst))
    test.assertEqual(p["headers"], [])
    test.assertEqual(p["upper"], ICMPV6)
    test.assertEqual(p["plen"], p["frame_payload"])
    icmp = p["payload"]
    test.assertTrue(upper_layer_checksum_ok(src, dst, ICMPV6, icmp), "ICMPv6 checksum")
    test.assertEqual((icmp[0], icmp[1]), (PARAMETER_PROBLEM, code), "type 4, code")
    test.assertEqual(struct.unpack("!I", icmp[4:8])[0], pointer, "pointer")
    # RFC 4443 2.4 (c): as much of the invoking packet as fits in 1280.
    test.assertLessEqual(IPV6_HEADER + len(icmp), 1280)
    test.assertEqual(icmp[8:], bytes(invoking)[:1280 - IPV6_HEADER - 8], "invoking packet")
    return p


def mh_checksum_over(pkt, src, dst):
    """`pkt` (IPv6 bytes) with its Mobility Header's checksum set for the
    pseudo-header source `src` and destination `dst` (RFC 8200 8.1)."""
    at, nh = IPV6_HEADER, pkt[6]
    while nh != IPPROTO_MH:
        nh, at = pkt[at], at + (pkt[at + 1] + 1) * 8
    mh = pkt[at:]
    mh[4:6] = b"\x00\x00"
    pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(mh), IPPROTO_MH)
    struct.pack_into("!H", mh, 4, 0xFFFF - harness.ones_complement_sum(pseudo + bytes(mh)))
    pkt[at:] = mh
    return bytes(pkt)


def is_icmp_error(f):
    p = parse_ipv6_frame(f)
    return p is not None and p["upper"] == ICMPV6 and p["payload"][:1] == bytes([PARAMETER_PROBLEM])


# --------------------------------------------------------------------------
# Home Agent


class HomeAgentBase(unittest.TestCase):
    maxDiff = None
    PER_SECOND = 1000  # high enough that no test but the rate limit's meets it
    BURST = 1000
    _next_host = 0x800

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab()
        try:
            cls.ns_ha = cls.lab.namespace("ha")
            cls.ns_router = cls.lab.namespace("rt")
            cls.lab.veth(cls.ns_ha, "ha0", cls.ns_router, "rt0", mac_a=HA_MAC, mac_b=HOME_ROUTER_MAC)
            cls.lab.disable_ipv6(cls.ns_ha, "ha0")
            cls.lab.disable_ipv6(cls.ns_router, "rt0")
            cls.ha = cls.lab.daemon(cls.ns_ha, ha_config(cls.lab, cls.PER_SECOND, cls.BURST), "ha").start()
            cls.port = cls.lab.port(cls.ns_router, "rt0")
        except BaseException:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def setUp(self):
        self.assertIsNone(self.ha.proc.poll(), "mip6d died:\n" + self.ha.log())
        self.port.drain()

    def tearDown(self):
        if harness.test_failed(self):
            print("\n---- mip6d log (tail) ----\n" + self.ha.log()[-3000:], file=sys.stderr)
        self.assertIsNone(self.ha.proc.poll(), "mip6d died:\n" + self.ha.log())

    @classmethod
    def new_hoa(cls):
        cls._next_host += 1
        return "2001:db8:a::%x" % cls._next_host

    def bu(self, hoa, seq):
        return binding_update(COA, HA, hoa, seq, 100, KEY)

    def bu_with_options(self, hoa, seq, options):
        """A BU whose Destination Options header holds `options` in front
        of the Home Address option (scapy aligns the latter at 8n+6). scapy
        takes the Home Address option for the checksum's source only when it
        comes first: the MH checksum is computed here, over the home address
        (RFC 6275 6.1.1)."""
        pkt = self.bu(hoa, seq)
        pkt[IPv6ExtHdrDestOpt].options = list(options) + pkt[IPv6ExtHdrDestOpt].options
        return mh_checksum_over(bytearray(raw(pkt)), hoa, HA)

    def send(self, pkt, eth_dst=HA_MAC):
        self.port.send(frame(eth_dst, HOME_ROUTER_MAC, pkt))

    def answers(self, duration):
        """Every frame the HA sends within `duration`, but the unsolicited
        NAs for new bindings."""
        def wanted(f):
            p = parse_ipv6_frame(f)
            if p is None:
                return True
            return not (p["upper"] == ICMPV6 and p["payload"][:1] == b"\x88" and p["dst"] == "ff02::1")
        return self.port.receive_all(wanted, duration)

    def one_answer(self, pkt, duration=1.0, eth_dst=HA_MAC):
        self.send(pkt, eth_dst)
        got = self.answers(duration)
        self.assertEqual(len(got), 1, [Ether(f).summary() for f in got])
        return got[0]

    def silent(self, pkt, duration=1.0, eth_dst=HA_MAC):
        self.send(pkt, eth_dst)
        got = self.answers(duration)
        self.assertEqual(got, [], [Ether(f).summary() for f in got])

    def assert_counters(self, before, expected):
        self.assertEqual(counter_delta(before, self.ha.stats(), ignore=ASYNC), expected)

    def assert_no_binding(self, hoa):
        listed = [b for b in self.ha.ctl("binding", "list")["bindings"] if b["home_address"] == hoa]
        self.assertEqual(listed, [])

    def assert_ba(self, f, hoa, seq, status=0):
        p = parse_ipv6_frame(f)
        self.assertEqual((p["src"], p["dst"]), (HA, COA))
        self.assertEqual(p["upper"], IPPROTO_MH)
        mh = p["payload"]
        self.assertEqual(mh[2], 6, "a Binding Acknowledgement")
        self.assertTrue(upper_layer_checksum_ok(HA, hoa, IPPROTO_MH, mh), "MH checksum")
        got_status, _, got_seq = struct.unpack("!BBH", mh[6:10])
        self.assertEqual((got_status, got_seq), (status, seq))

    def assert_binding_error_1(self, f, hoa, to=COA):
        """RFC 6275 6.1.9 / 9.3.3: straight to the source, no extension
        headers, MH type 7, status 1, the Home Address option's address."""
        p = parse_ipv6_frame(f)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (HA_MAC, HOME_ROUTER_MAC))
        self.assertEqual((p["src"], p["dst"]), (HA, to))
        self.assertEqual(p["headers"], [])
        self.assertEqual(p["upper"], IPPROTO_MH)
        be = p["payload"]
        self.assertEqual(len(be), 24)
        self.assertEqual((be[0], be[1], be[2]), (59, 2, 7), "payload proto, length, MH type 7")
        self.assertTrue(upper_layer_checksum_ok(HA, to, IPPROTO_MH, be), "MH checksum")
        self.assertEqual(be[6], 1, "status 1: unknown binding for Home Address destination option")
        self.assertEqual(be[8:24], ip6(hoa), "home address from the option")


class HomeAgentRules(HomeAgentBase):

    # RFC 8200 4.2, by action ----------------------------------------------

    def test_option_action_00_is_skipped(self):
        # 00: skip over this option and continue processing the header.
        hoa = self.new_hoa()
        before = self.ha.stats()
        pkt = self.bu_with_options(hoa, 10, [unknown_option(0x1E)])
        self.assert_ba(self.one_answer(pkt), hoa, 10)
        self.assert_counters(before, {"frames.received": 1, "mh.received": 1, "bu.received": 1,
                                      "bu.accepted": 1, "bindings.created": 1, "bindings.current": 1,
                                      "ba.sent": 1})
        self.assertEqual(self.ha.ctl("binding", "show", hoa)["care_of_address"], COA)

    def test_option_action_01_discards_silently(self):
        # 01: discard the packet.
        hoa = self.new_hoa()
        before = self.ha.stats()
        self.silent(self.bu_with_options(hoa, 20, [unknown_option(0x5E)]))
        self.assert_counters(before, {"frames.received": 1, "discard.unknown_option.action_01": 1})
        self.assert_no_binding(hoa)

    def test_option_action_10_gets_parameter_problem_code_2(self):
        # 10: discard and send Parameter Problem code 2 to the source,
        # pointing at the option type. The option is the first of the
        # Destination Options header: octet 2 of it, 40 + 2 into the packet.
        hoa = self.new_hoa()
        pkt = raw(self.bu_with_options(hoa, 30, [unknown_option(0x9E)]))
        self.assertEqual(pkt[42], 0x9E)
        before = self.ha.stats()
        f = self.one_answer(pkt)
        parameter_problem(self, f, HA, COA, HA_MAC, HOME_ROUTER_MAC, CODE_UNRECOGNISED_OPTION, 42, pkt)
        self.assert_counters(before, {"frames.received": 1, "discard.unknown_option.action_10": 1,
                                      "error_messages.parameter_problem_sent": 1})
        self.assert_no_binding(hoa)

    def test_option_action_11_to_unicast_gets_parameter_problem(self):
        # 11: as 10, the destination being unicast. Here the option sits in a
        # Hop-by-Hop header (RFC 8200 4.3), behind a PadN of 4 octets:
        # 40 + 2 + 4.
        hoa = self.new_hoa()
        bu = self.bu(hoa, 40)
        pkt = raw(IPv6(src=COA, dst=HA) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00\x00"), unknown_option(0xC7)])
                  / bu[IPv6ExtHdrDestOpt])
        self.assertEqual(pkt[46], 0xC7)
        before = self.ha.stats()
        f = self.one_answer(pkt)
        parameter_problem(self, f, HA, COA, HA_MAC, HOME_ROUTER_MAC, CODE_UNRECOGNISED_OPTION, 46, pkt)
        self.assert_counters(before, {"frames.received": 1, "discard.unknown_option.action_11": 1,
                                      "error_messages.parameter_problem_sent": 1})
        self.assert_no_binding(hoa)

    def solicitation(self, option_type):
        """A Neighbour Solicitation of the HA's own address, to its
        solicited-node group, with an unknown option in front."""
        group = harness.addr(in6_getnsma(ip6(HA)))
        return (Ether(dst=in6_getnsmac(in6_getnsma(ip6(HA))), src=HOME_ROUTER_MAC)
                / IPv6(src="fe80::a01", dst=group, hlim=255)
                / IPv6ExtHdrDestOpt(options=[unknown_option(option_type)])
                / ICMPv6ND_NS(tgt=HA) / ICMPv6NDOptSrcLLAddr(lladdr=HOME_ROUTER_MAC))

    def test_multicast_destination_action_11_silent_action_10_answered(self):
        # To a multicast address: 11 discards without a word; 10 is answered
        # all the same (RFC 8200 4.2; RFC 4443 2.4 (e.2)'s exception).
        before = self.ha.stats()
        self.port.send(raw(self.solicitation(0xDE)))
        got = self.answers(1.0)
        self.assertEqual(got, [], [Ether(f).summary() for f in got])
        self.assert_counters(before, {"frames.received": 1, "discard.unknown_option.action_11": 1})

        before = self.ha.stats()
        ns = self.solicitation(0x9E)
        self.port.send(raw(ns))
        got = self.answers(1.0)
        self.assertEqual(len(got), 1, [Ether(f).summary() for f in got])
        parameter_problem(self, got[0], HA, "fe80::a01", HA_MAC, HOME_ROUTER_MAC, CODE_UNRECOGNISED_OPTION, 42,
                          raw(ns[IPv6]))
        self.assert_counters(before, {"frames.received": 1, "discard.unknown_option.action_10": 1,
                                      "error_messages.parameter_problem_sent": 1})

    # RFC 8200 4.4 ---------------------------------------------------------

    def test_unknown_routing_type_with_segments_left(self):
        # Segments Left non-zero: discard, Parameter Problem code 0 pointing
        # at the Routing Type (octet 2 of the routing header, 40 + 2).
        for routing_type in (0, 253):
            with self.subTest(routing_type=routing_type):
                hoa = self.new_hoa()
                bu = self.bu(hoa, 50)
                pkt = raw(IPv6(src=COA, dst=HA)
                          / IPv6ExtHdrRouting(type=routing_type, segleft=1, addresses=["2001:db8:c::1"])
                          / bu[IPv6ExtHdrDestOpt])
                self.assertEqual(pkt[42], routing_type)
                before = self.ha.stats()
                f = self.one_answer(pkt)
                parameter_problem(self, f, HA, COA, HA_MAC, HOME_ROUTER_MAC, CODE_ERRONEOUS_HEADER_FIELD, 42, pkt)
                self.assert_counters(before, {"frames.received": 1, "discard.unknown_routing_type": 1,
                                              "error_messages.parameter_problem_sent": 1})
                self.assert_no_binding(hoa)

    def test_unknown_routing_type_without_segments_left_is_ignored(self):
        # Segments Left zero: ignore the header, process the next one.
        hoa = self.new_hoa()
        bu = self.bu(hoa, 60)
        pkt = (IPv6(src=COA, dst=HA) / IPv6ExtHdrRouting(type=253, segleft=0, addresses=["2001:db8:c::1"])
               / bu[IPv6ExtHdrDestOpt])
        before = self.ha.stats()
        self.assert_ba(self.one_answer(pkt), hoa, 60)
        self.assert_counters(before, {"frames.received": 1, "mh.received": 1, "bu.received": 1,
                                      "bu.accepted": 1, "bindings.created": 1, "bindings.current": 1,
                                      "ba.sent": 1})

    # RFC 6275 6.4 ---------------------------------------------------------

    def test_type2_routing_headers_never_end_at_a_home_agent(self):
        # Only a mobile node takes a type 2 routing header (its address must
        # be the node's own home address); with two addresses it is not
        # even one (Hdr Ext Len 2).
        hoa = self.new_hoa()
        bu = self.bu(hoa, 70)
        for segleft, addresses, counter in ((1, [hoa], "discard.type2_routing_header.not_mobile_node"),
                                            (1, [hoa, hoa], "discard.type2_routing_header.bad_length")):
            with self.subTest(counter):
                pkt = (IPv6(src=COA, dst=HA) / IPv6ExtHdrRouting(type=2, segleft=segleft, addresses=addresses)
                       / bu[IPv6ExtHdrDestOpt])
                before = self.ha.stats()
                self.silent(pkt)
                expected = {"frames.received": 1, counter: 1}
                if len(addresses) > 1:
                    expected["frames.malformed"] = 1
                self.assert_counters(before, expected)
        self.assert_no_binding(hoa)

    # RFC 6275 9.3.1 -------------------------------------------------------

    def test_home_address_option_without_binding_gets_binding_error_1(self):
        hoa = self.new_hoa()
        hao = IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)])
        messages = (
            ("Binding Refresh Request", MIP6MH_BRR(res2=0)),
            ("Binding Acknowledgement", MIP6MH_BA(status=0, flags=0, seq=1, mhtime=1)),
            ("echo request", ICMPv6EchoRequest(id=7, seq=1, data=b"roam6")),
        )
        for name, message in messages:
            with self.subTest(name):
                before = self.ha.stats()
                f = self.one_answer(IPv6(src=COA, dst=HA) / hao / message)
                self.assert_binding_error_1(f, hoa)
                self.assert_counters(before, {"frames.received": 1, "discard.home_address_option.no_binding": 1,
                                              "error_messages.binding_error_sent": 1})

        with self.subTest("bound from another care-of address"):
            self.assert_ba(self.one_answer(self.bu(hoa, 80)), hoa, 80)
            before = self.ha.stats()
            f = self.one_answer(IPv6(src="2001:db8:b::3", dst=HA) / hao / MIP6MH_BRR(res2=0))
            self.assert_binding_error_1(f, hoa, to="2001:db8:b::3")
            self.assert_counters(before, {"frames.received": 1, "discard.home_address_option.no_binding": 1,
                                          "error_messages.binding_error_sent": 1})

        with self.subTest("bound from this care-of address: on to the Mobility Header rules"):
            before = self.ha.stats()
            self.silent(IPv6(src=COA, dst=HA) / hao / MIP6MH_BRR(res2=0))
            self.assert_counters(before, {"frames.received": 1, "mh.received": 1, "mh.ignored": 1})

        with self.subTest("never to a source that is not unicast (RFC 6275 9.3.3)"):
            other = self.new_hoa()
            before = self.ha.stats()
            self.silent(IPv6(src="::", dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=other)]) / MIP6MH_BRR(res2=0))
            self.assert_counters(before, {"frames.received": 1, "discard.home_address_option.no_binding": 1,
                                          "error_messages.not_allowed": 1})


class HomeAgentRateLimit(HomeAgentBase):
    """RFC 4443 2.4 (f) with error_messages_per_second = 1, burst = 4."""
    PER_SECOND = 1
    BURST = 4

    def test_a_burst_of_bad_packets_gets_at_most_the_burst_of_errors(self):
        hoa = self.new_hoa()
        pkt = raw(self.bu_with_options(hoa, 90, [unknown_option(0x9E)]))
        before = self.ha.stats()
        start = time.monotonic()
        for _ in range(25):
            self.send(pkt)
        elapsed = time.monotonic() - start
        got = self.port.receive_all(is_icmp_error, 1.0)
        # The bucket starts full (4); one more token per second of sending.
        self.assertGreaterEqual(len(got), self.BURST)
        self.assertLessEqual(len(got), self.BURST + int(elapsed * self.PER_SECOND))
        for f in got:
            parameter_problem(self, f, HA, COA, HA_MAC, HOME_ROUTER_MAC, CODE_UNRECOGNISED_OPTION, 42, pkt)
        self.assert_counters(before, {"frames.received": 25, "discard.unknown_option.action_10": 25,
                                      "error_messages.parameter_problem_sent": len(got),
                                      "error_messages.rate_limited": 25 - len(got)})
        # The bucket emptied at the start of the burst; 1.4 s later it holds
        # one token (and less than two).
        time.sleep(max(0.0, start + 1.4 - time.monotonic()))
        self.port.drain()
        for _ in range(5):
            self.send(pkt)
        self.assertEqual(len(self.port.receive_all(is_icmp_error, 0.5)), 1)
        self.assert_no_binding(hoa)


# --------------------------------------------------------------------------
# Host


class SentBu:
    def __init__(self, seq, timestamp):
        self.seq, self.timestamp = seq, timestamp


class HostRules(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab()
        try:
            cls.ns_host = cls.lab.namespace("host")
            cls.ns_router = cls.lab.namespace("rt")
            cls.ns_guest = cls.lab.namespace("gst")
            cls.lab.veth(cls.ns_host, "up0", cls.ns_router, "rt0", mac_a=HOST_MAC, mac_b=SITE_ROUTER_MAC)
            cls.lab.veth(cls.ns_host, "guests0", cls.ns_guest, "guest0", mac_b=G1_MAC)
            for ns, link in ((cls.ns_host, "up0"), (cls.ns_host, "guests0"), (cls.ns_router, "rt0"),
                             (cls.ns_guest, "guest0")):
                cls.lab.disable_ipv6(ns, link)
            cls.host = cls.lab.daemon(cls.ns_host, host_config(cls.lab), "host").start()
            cls.uplink = cls.lab.port(cls.ns_router, "rt0")
            cls.guest = cls.lab.port(cls.ns_guest, "guest0")
        except BaseException:
            cls.lab.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def setUp(self):
        self.assertIsNone(self.host.proc.poll(), "mip6d died:\n" + self.host.log())
        self.uplink.drain()
        self.guest.drain()
        self.host.ctl("guest", "attach", "g1")
        self.host.ctl("guest", "resume", "g1")
        self.last_bu = self.next_bu()

    def tearDown(self):
        if harness.test_failed(self):
            print("\n---- mip6d log (tail) ----\n" + self.host.log()[-3000:], file=sys.stderr)
        self.assertIsNone(self.host.proc.poll(), "mip6d died:\n" + self.host.log())
        self.host.ctl("guest", "detach", "g1", "--moved")

    # ------------------------------------------------------------------

    @staticmethod
    def is_bu(f):
        p = parse_ipv6_frame(f)
        return p is not None and p["upper"] == IPPROTO_MH and p["payload"][2:3] == b"\x05"

    def next_bu(self, timeout=3.0):
        """The next BU the host sends: its sequence number and timestamp."""
        f = self.uplink.receive(self.is_bu, timeout)
        self.assertIsNotNone(f, "no Binding Update from the host")
        mh = parse_ipv6_frame(f)["payload"]
        seq = struct.unpack("!H", mh[6:8])[0]
        stamps = [d for _, t, d in walk_options(mh) if t == 10]
        self.assertEqual(len(stamps), 1)
        return SentBu(seq, struct.unpack("!Q", stamps[0])[0])

    def latest_bu(self):
        """The BU to answer: the last one sent (a retransmission carries a
        new sequence number)."""
        while True:
            f = self.uplink.receive(self.is_bu, 0.05)
            if f is None:
                return self.last_bu
            mh = parse_ipv6_frame(f)["payload"]
            stamps = [d for _, t, d in walk_options(mh) if t == 10]
            self.last_bu = SentBu(struct.unpack("!H", mh[6:8])[0], struct.unpack("!Q", stamps[0])[0])

    def binding_ack(self, bu, segleft=1, after_routing=None, before_routing=None):
        """The Home Agent's BA to `bu` (RFC 6275 6.1.8, RFC 4285): type 2
        routing header to the home address, Replay Protection echoing the
        BU's timestamp, MN-HA authenticator over CoA | HoA | MH through the
        SPI with checksum zero. scapy fills in the MH checksum (with the
        home address as destination while a segment is left)."""
        options, auth_at = bu_options(bu.timestamp, KEY)

        def mh(opts, cksum):
            return MIP6MH_BA(status=0, flags=0, res=0, res2=0, seq=bu.seq, mhtime=150, cksum=cksum,
                             autopad=0, options=[RawOptions(data=opts)])

        covered = bytearray(raw(mh(options, 0)))[: auth_at + 7]
        mac = KEY.authenticator(COA, G1_HOA, covered)
        at = auth_at - BU_BASE + 7
        options = options[:at] + mac + options[at + len(mac):]
        pkt = IPv6(src=HA, dst=COA, hlim=60)
        if before_routing is not None:
            pkt = pkt / before_routing
        pkt = pkt / IPv6ExtHdrRouting(type=2, segleft=segleft, addresses=[G1_HOA])
        if after_routing is not None:
            pkt = pkt / after_routing
        return raw(pkt / mh(options, None))

    def send_uplink(self, pkt):
        self.uplink.send(frame(HOST_MAC, SITE_ROUTER_MAC, pkt))

    def state(self):
        for b in self.host.ctl("binding", "list")["bindings"]:
            if b["name"] == "g1":
                return b["state"]
        return None

    def wait_state(self, state, timeout=2.0):
        deadline = time.monotonic() + timeout
        while self.state() != state:
            if time.monotonic() > deadline:
                self.fail("g1 is %s, not %s" % (self.state(), state))
            time.sleep(0.01)

    def stats_delta(self, before):
        return counter_delta(before, self.host.stats(), ignore=ASYNC)

    # ------------------------------------------------------------------

    def test_ba_with_type2_segments_left_0_is_discarded(self):
        # RFC 6275 6.4: Segments Left of a type 2 routing header is 1. The
        # same BA, authentic, with 0 there is dropped; with 1 it binds.
        bu = self.latest_bu()
        before = self.host.stats()
        self.send_uplink(self.binding_ack(bu, segleft=0))
        time.sleep(0.3)
        self.assertEqual(self.state(), "registering")
        delta = self.stats_delta(before)
        self.assertEqual(delta.get("discard.type2_routing_header.segments_left"), 1, delta)
        self.assertNotIn("ba.received", delta)
        self.assertEqual(self.uplink.receive_all(lambda f: not self.is_bu(f), 0.2), [])

        self.send_uplink(self.binding_ack(self.latest_bu()))
        self.wait_state("bound")

    def test_ba_with_unknown_option_gets_parameter_problem(self):
        # RFC 8200 4.2, action 10, in a Destination Options header after the
        # routing header: the option type is 40 + 24 + 2 into the packet.
        # The host answers from its care-of address, to the BA's source.
        bu = self.latest_bu()
        pkt = self.binding_ack(bu, after_routing=IPv6ExtHdrDestOpt(options=[unknown_option(0x9E)]))
        self.assertEqual(pkt[66], 0x9E)
        before = self.host.stats()
        self.send_uplink(pkt)
        f = self.uplink.receive(is_icmp_error, 1.0)
        self.assertIsNotNone(f, "no Parameter Problem")
        parameter_problem(self, f, COA, HA, HOST_MAC, SITE_ROUTER_MAC, CODE_UNRECOGNISED_OPTION, 66, pkt)
        self.assertEqual(self.state(), "registering")
        delta = self.stats_delta(before)
        self.assertEqual(delta.get("discard.unknown_option.action_10"), 1, delta)
        self.assertEqual(delta.get("error_messages.parameter_problem_sent"), 1, delta)
        self.assertNotIn("ba.received", delta)

        with self.subTest("unknown routing type with segments left: code 0"):
            bu = self.latest_bu()
            pkt = self.binding_ack(bu, before_routing=IPv6ExtHdrRouting(type=0, segleft=1, addresses=[COA]))
            self.send_uplink(pkt)
            f = self.uplink.receive(is_icmp_error, 1.0)
            self.assertIsNotNone(f, "no Parameter Problem")
            parameter_problem(self, f, COA, HA, HOST_MAC, SITE_ROUTER_MAC, CODE_ERRONEOUS_HEADER_FIELD, 42, pkt)
            self.assertEqual(self.state(), "registering")

        with self.subTest("action 00: the BA binds"):
            self.send_uplink(self.binding_ack(self.latest_bu(),
                                              after_routing=IPv6ExtHdrDestOpt(options=[unknown_option(0x3E)])))
            self.wait_state("bound")

    def router_solicitation(self, option_type, dst="ff02::2", eth_dst="33:33:00:00:00:02"):
        return raw(Ether(src=G1_MAC, dst=eth_dst) / IPv6(src=G1_LL, dst=dst, hlim=255)
                   / IPv6ExtHdrDestOpt(options=[unknown_option(option_type)])
                   / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=G1_MAC))

    def test_guest_router_solicitations(self):
        # The host answers the guest as its home router: a Router
        # Solicitation it must discard is answered (or not) as that router.
        self.guest.drain()
        before = self.host.stats()
        rs = self.router_solicitation(0x9E)
        self.guest.send(rs)
        got = self.guest.receive_all(lambda f: parse_ipv6_frame(f) is not None, 1.0)
        self.assertEqual(len(got), 1, [Ether(f).summary() for f in got])  # no Router Advertisement
        parameter_problem(self, got[0], HOME_ROUTER_LL, G1_LL, HOME_ROUTER_MAC, G1_MAC, CODE_UNRECOGNISED_OPTION,
                          42, rs[14:])
        with self.subTest("action 11 to the all-routers group: nothing"):
            self.guest.send(self.router_solicitation(0xDE))
            got = self.guest.receive_all(lambda f: parse_ipv6_frame(f) is not None, 1.0)
            self.assertEqual(got, [], [Ether(f).summary() for f in got])
        delta = self.stats_delta(before)
        self.assertEqual(delta.get("discard.unknown_option.action_10"), 1, delta)
        self.assertEqual(delta.get("discard.unknown_option.action_11"), 1, delta)
        self.assertNotIn("nd.rs_answered", delta)


if __name__ == "__main__":
    harness.skip_unless_root()
    unittest.main(verbosity=2)
