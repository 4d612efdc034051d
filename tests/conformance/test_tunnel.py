"""IPv6-in-IPv6 (RFC 2473): the outer packet and, recursively, the inner one,
with and without the Tunnel Encapsulation Limit option, both ways; and the
encapsulation rules roam6's builder applies (hop limit, traffic class, flow
label, encapsulation limit)."""

import struct
import unittest

from conformance import (
    ConformanceTest,
    build_fails,
    build_many,
    decode_many,
    error_names,
    ip6_bytes,
    upper_layer_checksum_ok,
)
from scapy.all import Raw, raw
from scapy.layers.inet import UDP
from scapy.layers.inet6 import (
    HAO,
    HBHOptUnknown,
    ICMPv6EchoRequest,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    MIP6MH_BU,
    PadN,
)

HA = "2001:db8:a::1"
HOA = "2001:db8:a::100"
COA = "2001:db8:b::100"
CN = "2001:db8:c::1"


def tel(limit):
    """RFC 2473 5.1: Tunnel Encapsulation Limit option, type 4, length 1.
    scapy 2.5 has no class for it, so it is written as a generic option."""
    return HBHOptUnknown(otype=4, optdata=bytes([limit]))


def same_address(a, b):
    return ip6_bytes(a) == ip6_bytes(b)


def with_payload_length(data, length):
    return data[:4] + struct.pack("!H", length) + data[6:]


class ScapyToOurs(ConformanceTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        echo = IPv6(src=CN, dst=HOA, hlim=63, tc=0x28, fl=0xABCDE) / ICMPv6EchoRequest(id=5, seq=6, data=b"payload")
        bu = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / MIP6MH_BU(seq=7, flags="HA", mhtime=150)
        udp = IPv6(src=HOA, dst=CN) / UDP(sport=40000, dport=443) / b"data"
        c = []
        for inner in (echo, bu, udp):
            c.append(("plain %s" % inner.lastlayer().name, IPv6(src=HA, dst=COA, tc=0xB8) / inner, inner, None))
            for limit in (0, 4, 255):
                c.append(("tel %d %s" % (limit, inner.lastlayer().name),
                          IPv6(src=HA, dst=COA) / IPv6ExtHdrDestOpt(options=[tel(limit)]) / inner, inner, limit))
        c.append(("inner with its own limit", IPv6(src=HA, dst=COA) / IPv6(src=CN, dst=HOA) / IPv6ExtHdrDestOpt(options=[tel(2)]) / UDP(), None, None))
        c.append(("tunnel in tunnel", IPv6(src=HA, dst=COA) / IPv6(src="2001:db8:ff::1", dst="2001:db8:ff::2") / echo, None, None))
        cls.cases = [(name, IPv6(raw(p)), inner, limit) for name, p, inner, limit in c]
        cls.decoded = decode_many([raw(p) for _, p, _, _ in cls.cases])

    def test_outer_and_inner(self):
        for (name, pkt, inner, limit), d in zip(self.cases, self.decoded):
            with self.subTest(name):
                self.assertEqual(d["errors"], [])
                t = d["tunnel"]
                outer = pkt[IPv6]
                self.assertTrue(same_address(t["outer_src"], outer.src))
                self.assertTrue(same_address(t["outer_dst"], outer.dst))
                self.assertEqual(t["outer_traffic_class"], outer.tc)
                self.assertEqual(d["extensions"]["upper_protocol"], 41)
                self.assertEqual(d["extensions"]["tunnel_encapsulation_limit"], limit)
                inner_at = 40 if limit is None else 48
                if name == "inner with its own limit":
                    inner_at = 40
                self.assertEqual(t["inner_offset"], inner_at)
                inner_pkt = IPv6(raw(pkt)[inner_at:])
                ip = t["inner"]["ipv6"]
                self.assertEqual((ip["payload_length"], ip["next_header"], ip["hop_limit"], ip["traffic_class"], ip["flow_label"]),
                                 (inner_pkt.plen, inner_pkt.nh, inner_pkt.hlim, inner_pkt.tc, inner_pkt.fl))
                self.assertTrue(same_address(ip["src"], inner_pkt.src))
                self.assertTrue(same_address(ip["dst"], inner_pkt.dst))
                self.assertEqual(t["inner"]["errors"], [])
                if inner is not None and ICMPv6EchoRequest in inner:
                    self.assertEqual((t["inner"]["icmpv6"]["identifier"], t["inner"]["icmpv6"]["sequence"]), (5, 6))
                    self.assertTrue(t["inner"]["icmpv6"]["checksum_valid"])
                if inner is not None and MIP6MH_BU in inner:
                    self.assertEqual(t["inner"]["mobility"]["sequence"], 7)
                    self.assertTrue(t["inner"]["mobility"]["checksum_valid"])
                    self.assertEqual(t["inner"]["extensions"]["home_address"], HOA)
                if inner is not None and UDP in inner:
                    self.assertEqual(t["inner"]["udp"], {"src_port": 40000, "dst_port": 443})
                if name == "inner with its own limit":
                    self.assertEqual(t["inner"]["extensions"]["tunnel_encapsulation_limit"], 2)
                if name == "tunnel in tunnel":
                    self.assertEqual(t["inner"]["tunnel"]["inner"]["icmpv6"]["sequence"], 6)


class OursToScapy(ConformanceTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        echo = {"layer": "echo_request", "src": CN, "dst": HOA, "identifier": 5, "sequence": 6, "data": "7061796c6f6164",
                "hop_limit": 63, "traffic_class": 0x28, "flow_label": 0xABCDE}
        unlabelled = dict(echo, flow_label=0)
        other_flow = dict(unlabelled, dst="2001:db8:a::200")
        inner_tel3 = raw(IPv6(src=CN, dst=HOA, hlim=9) / IPv6ExtHdrDestOpt(options=[tel(3)]) / UDP(sport=1, dport=2)).hex()
        bu = {"layer": "binding_update", "src": COA, "dst": HA, "hao": HOA, "sequence": 7, "lifetime_units": 150}
        d = [
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo, "origin": "local"},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo, "encapsulation_limit": 4},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo, "encapsulation_limit": 0},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo, "hop_limit": 255, "traffic_class": 0, "flow_label": 0},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo, "traffic_class": 0xB8, "flow_label": 0xFFFFF},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": unlabelled, "flow_label_key": 42},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": unlabelled, "flow_label_key": 42},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": other_flow, "flow_label_key": 42},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": inner_tel3, "encapsulation_limit": 7},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": inner_tel3},
            {"layer": "ip6ip6", "src": COA, "dst": HA, "inner": bu},
            {"layer": "ip6ip6", "src": HA, "dst": COA, "inner": {"layer": "ip6ip6", "src": "2001:db8:ff::1", "dst": "2001:db8:ff::2",
                                                              "inner": echo, "encapsulation_limit": 2}},
        ]
        cls.descriptions = d
        cls.packets = build_many(d)
        cls.inner_bytes = build_many([echo, unlabelled, other_flow, bu]) + [bytes.fromhex(inner_tel3)]
        cls.decoded = decode_many(cls.packets)

    def test_scapy_reads_outer_and_inner(self):
        for i, (desc, data, dec) in enumerate(zip(self.descriptions, self.packets, self.decoded)):
            with self.subTest(i=i, desc=desc):
                self.assertEqual(dec["errors"], [])
                pkt = IPv6(data)
                outer = pkt[IPv6]
                self.assertEqual((outer.src, outer.dst, outer.hlim, outer.plen), (desc["src"], desc["dst"], desc.get("hop_limit", 64), len(data) - 40))
                inner_desc = desc["inner"]
                if isinstance(inner_desc, str):
                    inner_src = bytes.fromhex(inner_desc)
                elif inner_desc["layer"] == "ip6ip6":
                    inner_src = None
                else:
                    inner_src = build_many([inner_desc])[0]
                # Encapsulation limit: the inner packet's, less one (RFC 2473
                # 4.1.1 (c)), else the tunnel's own (d), else none (e).
                inner_limit = 3 if isinstance(inner_desc, str) else inner_desc.get("encapsulation_limit")
                want_limit = inner_limit - 1 if inner_limit is not None else desc.get("encapsulation_limit")
                if want_limit is None:
                    self.assertEqual(outer.nh, 41)
                    inner_at = 40
                else:
                    self.assertEqual(outer.nh, 60)
                    dest = pkt[IPv6ExtHdrDestOpt]
                    self.assertEqual((dest.nh, dest.len), (41, 0))
                    limit_opt, pad = dest.options
                    self.assertEqual((limit_opt.otype, limit_opt.optlen, limit_opt.optdata), (4, 1, bytes([want_limit])))
                    self.assertIsInstance(pad, PadN)
                    self.assertEqual((pad.optlen, pad.optdata), (1, b"\x00"))
                    inner_at = 48
                inner = data[inner_at:]
                if inner_src is not None:
                    # The inner packet travels unchanged but for its hop limit:
                    # decremented when forwarded (RFC 2473 3.1), not when local.
                    decrement = 0 if desc.get("origin") == "local" else 1
                    self.assertEqual(inner[:7] + inner[8:], inner_src[:7] + inner_src[8:])
                    self.assertEqual(inner[7], inner_src[7] - decrement)
                    inner_pkt = IPv6(inner_src)
                    # Traffic class copied unless fixed; flow label copied when
                    # set, else derived (never 0), unless fixed.
                    self.assertEqual(outer.tc, desc.get("traffic_class", inner_pkt.tc))
                    if "flow_label" in desc:
                        self.assertEqual(outer.fl, desc["flow_label"])
                    elif inner_pkt.fl:
                        self.assertEqual(outer.fl, inner_pkt.fl)
                    else:
                        self.assertTrue(0 < outer.fl <= 0xFFFFF)
                # Our decoder sees the same inner packet.
                self.assertEqual(dec["tunnel"]["inner_offset"], inner_at)
                self.assertEqual(dec["tunnel"]["inner"]["errors"], [])

    def test_flow_labels_follow_flows(self):
        same_a, same_b, other = (IPv6(self.packets[i]).fl for i in (6, 7, 8))
        self.assertEqual(same_a, same_b)
        self.assertNotEqual(same_a, other)

    def test_nested(self):
        pkt = IPv6(self.packets[-1])
        # The middle tunnel's limit of 2 makes the outer one 1 (RFC 2473 4.1.1 (c)).
        self.assertEqual(pkt[IPv6ExtHdrDestOpt].options[0].optdata, b"\x01")
        middle = pkt[IPv6ExtHdrDestOpt].payload
        self.assertIsInstance(middle, IPv6)
        self.assertEqual(middle.nh, 60)
        self.assertEqual(middle[IPv6ExtHdrDestOpt].options[0].optdata, b"\x02")
        inner = middle[IPv6ExtHdrDestOpt].payload
        self.assertIsInstance(inner, IPv6)
        self.assertEqual((middle.hlim, inner.hlim), (63, 62))  # each forwarding decrements
        self.assertEqual(inner[ICMPv6EchoRequest].seq, 6)
        self.assertTrue(upper_layer_checksum_ok(inner.src, inner.dst, 58, raw(inner[ICMPv6EchoRequest])))

    def test_refused(self):
        echo = {"layer": "echo_request", "src": CN, "dst": HOA, "identifier": 1, "sequence": 1}
        inner_tel0 = raw(IPv6(src=CN, dst=HOA) / IPv6ExtHdrDestOpt(options=[tel(0)]) / UDP()).hex()
        cases = [
            ({"layer": "ip6ip6", "src": HA, "dst": COA, "inner": inner_tel0}, "tunnel_encapsulation_limit_reached"),
            ({"layer": "ip6ip6", "src": HA, "dst": COA, "inner": dict(echo, hop_limit=1)}, "inner_hop_limit_exhausted"),
            ({"layer": "ip6ip6", "src": HA, "dst": COA, "inner": dict(echo, hop_limit=0)}, "inner_hop_limit_exhausted"),
            ({"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo, "hop_limit": 0}, "value_out_of_range"),
            ({"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo, "flow_label": 0x100000}, "value_out_of_range"),
            ({"layer": "ip6ip6", "src": HA, "dst": COA, "inner": "60000000"}, "truncated_ipv6_header"),
            ({"layer": "ip6ip6", "src": HA, "dst": COA, "inner": echo, "origin": "elsewhere"}, "origin"),
        ]
        for desc, want in cases:
            with self.subTest(desc):
                self.assertIn(want, build_fails(desc))
        # A packet this node originates keeps hop limit 1.
        local = build_many([{"layer": "ip6ip6", "src": HA, "dst": COA, "inner": dict(echo, hop_limit=1), "origin": "local"}])[0]
        self.assertEqual(IPv6(local)[IPv6].payload.hlim, 1)


class Malformed(ConformanceTest):
    def test_bad_tunnels(self):
        inner = raw(IPv6(src=CN, dst=HOA) / ICMPv6EchoRequest(data=b"x" * 20))
        outer = raw(IPv6(src=HA, dst=COA, nh=41, plen=len(inner)))
        cases = [
            (raw(IPv6(src=HA, dst=COA) / IPv6ExtHdrFragment(m=1, id=1) / IPv6(inner)), ["tunnel_packet_fragmented"]),
            (with_payload_length(outer, 20) + inner[:20], ["truncated_inner_packet"]),
            (with_payload_length(outer, 50) + inner[:50], ["truncated_inner_packet"]),  # inner promises more
            (outer + bytes([0x40]) + inner[1:], ["bad_ip_version"]),
            (outer + with_payload_length(raw(IPv6(inner))[:40], 0)[:6] + b"\x00" + inner[7:], ["jumbogram_unsupported"]),
            (with_payload_length(outer, 0), ["truncated_inner_packet"]),
        ]
        decoded = decode_many([data for data, _ in cases])
        for (data, want), d in zip(cases, decoded):
            with self.subTest(want=want, data=data.hex()):
                self.assertEqual(error_names(d), want)
                self.assertEqual(d["errors"][0]["layer"], "tunnel")
                self.assertNotIn("tunnel", d)
        # A later fragment is not decapsulated at all.
        later = raw(IPv6(src=HA, dst=COA) / IPv6ExtHdrFragment(offset=10, nh=41, id=1) / Raw(b"\x00" * 40))
        d = decode_many([later])[0]
        self.assertEqual(d["errors"], [])
        self.assertTrue(d["upper"]["later_fragment"])
        self.assertNotIn("tunnel", d)

    def test_nesting_is_bounded(self):
        pkt = IPv6(src=CN, dst=HOA) / ICMPv6EchoRequest()
        for _ in range(12):
            pkt = IPv6(src=HA, dst=COA) / pkt
        d = decode_many([raw(pkt)])[0]
        depth, layer = 0, d
        while "tunnel" in layer:
            layer = layer["tunnel"]["inner"]
            depth += 1
        self.assertEqual(layer, {"not_decoded": "nesting limit"})
        self.assertLess(depth, 12)


if __name__ == "__main__":
    unittest.main()
