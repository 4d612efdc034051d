"""Neighbour Discovery (RFC 4861): Router Solicitation/Advertisement and
Neighbour Solicitation/Advertisement with every option roam6 uses (source/
target link-layer address, prefix information, MTU), both ways, plus the
validity checks of RFC 4861 6.1.1, 6.1.2, 7.1.1 and 7.1.2."""

import ipaddress
import unittest

from conformance import (
    ConformanceTest,
    SeededRandom,
    build_fails,
    build_many,
    decode_many,
    error_names,
    ip6_bytes,
    upper_layer_checksum_ok,
)
from scapy.all import Raw, raw
from scapy.layers.inet6 import (
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptRDNSS,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6NDOptUnknown,
    IPv6,
)
from scapy.packet import NoPayload

ROUTER_LL = "fe80::1"
HOST_LL = "fe80::5054:ff:fe12:3456"
HOA = "2001:db8:a::100"
MAC = "52:54:00:12:34:56"
ROUTER_MAC = "52:54:00:00:00:01"


def same_address(a, b):
    return ip6_bytes(a) == ip6_bytes(b)


def solicited_node(target):
    """RFC 4291 2.7.1: ff02::1:ff00:0/104 plus the low 24 bits."""
    low = ip6_bytes(target)[13:]
    return str(ipaddress.IPv6Address(bytes.fromhex("ff0200000000000000000001ff") + low))


def network(prefix, length):
    return ipaddress.IPv6Network("%s/%d" % (prefix, length), strict=False)


def nd_options(message):
    """The option layers scapy found after an ND message."""
    out, layer = [], message.payload
    while not isinstance(layer, NoPayload):
        out.append(layer)
        layer = layer.payload
    return out


def ra_other_flags(ra):
    """The six low bits of the RA flags octet, as scapy splits them (RFC
    4191 Prf, RFC 3775 H, RFC 4389 P, reserved)."""
    return (ra.H << 5) | (ra.prf << 3) | (ra.P << 2) | ra.res


class ScapyToOurs(ConformanceTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rnd = SeededRandom(4861)
        c = []
        c.append(("rs slla", IPv6(src=HOST_LL, dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=MAC)))
        c.append(("rs from ::", IPv6(src="::", dst="ff02::2", hlim=255) / ICMPv6ND_RS()))
        c.append(("rs res", IPv6(src=HOST_LL, dst="ff02::2", hlim=255) / ICMPv6ND_RS(res=0xFFFFFFFF)))
        for chlim in (0, 64, 255):
            for m, o in ((0, 0), (1, 0), (0, 1), (1, 1)):
                for h, prf, p, res in ((0, 0, 0, 0), (1, 3, 1, 3), (0, 1, 0, 0)):
                    c.append(("ra %d %d%d %d%d%d%d" % (chlim, m, o, h, prf, p, res),
                              IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255)
                              / ICMPv6ND_RA(chlim=chlim, M=m, O=o, H=h, prf=prf, P=p, res=res,
                                            routerlifetime=rnd.choice([0, 1800, 65535]),
                                            reachabletime=rnd.choice([0, 30000, 2**32 - 1]),
                                            retranstimer=rnd.choice([0, 1000, 2**32 - 1]))))
        prefix_sets = [
            [ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8:a::", L=1, A=1, validlifetime=2592000, preferredlifetime=604800)],
            [ICMPv6NDOptPrefixInfo(prefixlen=0, prefix="::", L=0, A=0, R=1, res1=0x1F, validlifetime=0, preferredlifetime=0)],
            [ICMPv6NDOptPrefixInfo(prefixlen=128, prefix=HOA, L=1, A=0, validlifetime=0xFFFFFFFF, preferredlifetime=0xFFFFFFFF)],
            # Host bits set: RFC 4861 4.6.2 has receivers ignore them.
            [ICMPv6NDOptPrefixInfo(prefixlen=48, prefix="2001:db8:1:2:3::abcd")],
            # Preferred above valid: a sender must not, but a receiver reads it as sent.
            [ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8:b::", validlifetime=10, preferredlifetime=20)],
            [ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8:%x::" % i) for i in range(9)],
        ]
        for prefixes in prefix_sets:
            pkt = IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RA(chlim=64, routerlifetime=1800)
            for opt in [ICMPv6NDOptSrcLLAddr(lladdr=ROUTER_MAC), ICMPv6NDOptMTU(mtu=1500)] + prefixes:
                pkt = pkt / opt
            c.append(("ra prefixes %s/%d" % (prefixes[0].prefix, len(prefixes)), pkt))
        for mtu in (0, 1280, 9000, 2**32 - 1):
            c.append(("ra mtu %d" % mtu, IPv6(src=ROUTER_LL, dst=HOST_LL, hlim=255) / ICMPv6ND_RA() / ICMPv6NDOptMTU(mtu=mtu)))
        c.append(("ra rdnss", IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RA()
                  / ICMPv6NDOptRDNSS(dns=["2001:db8::53"]) / ICMPv6NDOptSrcLLAddr(lladdr=ROUTER_MAC)))
        for target in (HOA, HOST_LL, "2001:db8:a::abcd:ef12"):
            c.append(("ns %s" % target, IPv6(src=HOST_LL, dst=solicited_node(target), hlim=255)
                      / ICMPv6ND_NS(tgt=target) / ICMPv6NDOptSrcLLAddr(lladdr=MAC)))
            c.append(("dad %s" % target, IPv6(src="::", dst=solicited_node(target), hlim=255) / ICMPv6ND_NS(tgt=target)))
            c.append(("ns unicast %s" % target, IPv6(src=HOST_LL, dst=target, hlim=255) / ICMPv6ND_NS(tgt=target)))
        for r in (0, 1):
            for s in (0, 1):
                for o in (0, 1):
                    dst = HOST_LL if s else "ff02::1"
                    c.append(("na R%d S%d O%d" % (r, s, o), IPv6(src=HOA, dst=dst, hlim=255)
                              / ICMPv6ND_NA(R=r, S=s, O=o, tgt=HOA) / ICMPv6NDOptDstLLAddr(lladdr=MAC)))
        c.append(("na res bits", IPv6(src=HOA, dst="ff02::1", hlim=255) / ICMPv6ND_NA(R=0, S=0, O=0, res=0x1FFFFFFF, tgt=HOA)))
        c.append(("na no option", IPv6(src=HOA, dst="ff02::1", hlim=255) / ICMPv6ND_NA(tgt=HOA)))
        cls.cases = [(name, IPv6(raw(p))) for name, p in c]
        cls.decoded = decode_many([raw(p) for _, p in cls.cases])

    def check_options(self, j, message):
        theirs = nd_options(message)
        ours = j["options"]
        self.assertEqual(len(ours), len(theirs))
        for o, t in zip(ours, theirs):
            self.assertEqual((o["type"], o["length"]), (t.type, t.len * 8))
            if t.type in (1, 2):
                self.assertEqual(o["address"], t.lladdr.lower())
            elif t.type == 3:
                want = network(t.prefix, t.prefixlen)
                self.assertEqual(ipaddress.IPv6Network(o["prefix"]), want)
                self.assertEqual((o["prefix_length"], o["on_link"], o["autonomous"], o["other_flags"],
                                  o["valid_lifetime"], o["preferred_lifetime"]),
                                 (t.prefixlen, bool(t.L), bool(t.A), (t.R << 5) | t.res1, t.validlifetime, t.preferredlifetime))
            elif t.type == 5:
                self.assertEqual(o["mtu"], t.mtu)
            else:
                self.assertEqual(o["name"], "unknown")
                self.assertEqual(o["data"], raw(t)[2 : t.len * 8].hex())

    def test_every_field(self):
        for (name, pkt), d in zip(self.cases, self.decoded):
            with self.subTest(name):
                self.assertEqual(d["errors"], [])
                j = d["icmpv6"]
                message = pkt[IPv6].payload
                self.assertEqual((j["type"], j["code"], j["checksum"]), (message.type, message.code, message.cksum))
                self.assertTrue(j["checksum_valid"])
                self.assertTrue(upper_layer_checksum_ok(pkt.src, pkt.dst, 58, raw(message)))
                if isinstance(message, ICMPv6ND_RA):
                    self.assertEqual(j["type_name"], "router_advertisement")
                    self.assertEqual((j["cur_hop_limit"], j["managed"], j["other_config"], j["other_flags"],
                                      j["router_lifetime"], j["reachable_time"], j["retrans_timer"]),
                                     (message.chlim, bool(message.M), bool(message.O), ra_other_flags(message),
                                      message.routerlifetime, message.reachabletime, message.retranstimer))
                elif isinstance(message, ICMPv6ND_RS):
                    self.assertEqual(j["type_name"], "router_solicitation")
                elif isinstance(message, ICMPv6ND_NS):
                    self.assertEqual(j["type_name"], "neighbour_solicitation")
                    self.assertTrue(same_address(j["target"], message.tgt))
                    self.assertEqual(j["duplicate_address_detection"], pkt.src == "::")
                else:
                    self.assertEqual(j["type_name"], "neighbour_advertisement")
                    self.assertEqual((j["router"], j["solicited"], j["override"]), (bool(message.R), bool(message.S), bool(message.O)))
                    self.assertTrue(same_address(j["target"], message.tgt))
                self.check_options(j, message)


class OursToScapy(ConformanceTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = []
        d.append({"layer": "router_solicitation", "src": HOST_LL, "source_link_layer": MAC})
        d.append({"layer": "router_solicitation", "src": "::"})
        d.append({"layer": "router_solicitation", "src": HOST_LL, "dst": ROUTER_LL})
        for managed, other in ((False, False), (True, True)):
            for flags in (0, 0x3F, 0x08):
                d.append({"layer": "router_advertisement", "src": ROUTER_LL, "cur_hop_limit": 64, "managed": managed,
                          "other_config": other, "other_flags": flags, "router_lifetime": 1800, "reachable_time": 30000,
                          "retrans_timer": 1000})
        d.append({"layer": "router_advertisement", "src": ROUTER_LL, "dst": HOST_LL, "cur_hop_limit": 0, "router_lifetime": 0,
                  "reachable_time": 2**32 - 1, "retrans_timer": 2**32 - 1})
        d.append({"layer": "router_advertisement", "src": ROUTER_LL, "router_lifetime": 65535, "cur_hop_limit": 255})
        d.append({"layer": "router_advertisement", "src": ROUTER_LL, "source_link_layer": ROUTER_MAC, "mtu": 1500, "prefixes": [
            {"prefix": "2001:db8:a::/64"},
            {"prefix": "2001:db8:1:2:3::abcd", "prefix_length": 48, "on_link": False, "autonomous": False, "other_flags": 0x3F,
             "valid_lifetime": 0, "preferred_lifetime": 0},
            {"prefix": HOA, "prefix_length": 128, "valid_lifetime": 4294967295, "preferred_lifetime": 4294967295},
            {"prefix": "::/0", "valid_lifetime": 100, "preferred_lifetime": 100},
        ]})
        d.append({"layer": "router_advertisement", "src": ROUTER_LL, "mtu": 2**32 - 1})
        for target in (HOA, HOST_LL):
            d.append({"layer": "neighbour_solicitation", "src": HOST_LL, "target": target, "source_link_layer": MAC})
            d.append({"layer": "neighbour_solicitation", "src": "::", "target": target})
            d.append({"layer": "neighbour_solicitation", "src": HOST_LL, "target": target, "dst": target})
        for router in (False, True):
            for solicited in (False, True):
                for override in (False, True):
                    na = {"layer": "neighbour_advertisement", "src": HOA, "target": HOA, "router": router,
                          "solicited": solicited, "override": override, "target_link_layer": MAC}
                    if solicited:
                        na["dst"] = HOST_LL
                    d.append(na)
        d.append({"layer": "neighbour_advertisement", "src": HOA, "target": HOA})
        cls.descriptions = d
        cls.packets = build_many(d)
        cls.decoded = decode_many(cls.packets)

    def test_scapy_reads_every_field(self):
        default_dst = {"router_solicitation": "ff02::2", "router_advertisement": "ff02::1", "neighbour_advertisement": "ff02::1"}
        for desc, data, dec in zip(self.descriptions, self.packets, self.decoded):
            with self.subTest(desc):
                self.assertEqual(dec["errors"], [])
                pkt = IPv6(data)
                ip = pkt[IPv6]
                layer = desc["layer"]
                dst = desc.get("dst") or default_dst.get(layer) or solicited_node(desc["target"])
                self.assertEqual((ip.src, ip.hlim, ip.nh, ip.plen), (desc["src"], 255, 58, len(data) - 40))
                self.assertTrue(same_address(ip.dst, dst))
                message = ip.payload
                self.assertEqual(message.code, 0)
                options = nd_options(message)
                by_type = {}
                for o in options:
                    by_type.setdefault(o.type, []).append(o)
                if layer == "router_solicitation":
                    self.assertIsInstance(message, ICMPv6ND_RS)
                    self.assertEqual(message.res, 0)
                elif layer == "router_advertisement":
                    self.assertIsInstance(message, ICMPv6ND_RA)
                    self.assertEqual((message.chlim, bool(message.M), bool(message.O), ra_other_flags(message),
                                      message.routerlifetime, message.reachabletime, message.retranstimer),
                                     (desc.get("cur_hop_limit", 64), desc.get("managed", False), desc.get("other_config", False),
                                      desc.get("other_flags", 0), desc.get("router_lifetime", 1800),
                                      desc.get("reachable_time", 0), desc.get("retrans_timer", 0)))
                    if "mtu" in desc:
                        (mtu,) = by_type.pop(5)
                        self.assertIsInstance(mtu, ICMPv6NDOptMTU)
                        self.assertEqual((mtu.len, mtu.res, mtu.mtu), (1, 0, desc["mtu"]))
                    got = by_type.pop(3, [])
                    self.assertEqual(len(got), len(desc.get("prefixes", [])))
                    for want, p in zip(desc.get("prefixes", []), got):
                        self.assertIsInstance(p, ICMPv6NDOptPrefixInfo)
                        text = want["prefix"]
                        length = want.get("prefix_length", int(text.split("/")[1]) if "/" in text else None)
                        net = network(text.split("/")[0], length)
                        # Host bits are written as zero (RFC 4861 4.6.2).
                        self.assertEqual((p.len, p.prefixlen, p.prefix), (4, length, str(net.network_address)))
                        self.assertEqual((p.L, p.A, (p.R << 5) | p.res1, p.res2),
                                         (int(want.get("on_link", True)), int(want.get("autonomous", True)), want.get("other_flags", 0), 0))
                        self.assertEqual((p.validlifetime, p.preferredlifetime),
                                         (want.get("valid_lifetime", 2592000), want.get("preferred_lifetime", 604800)))
                elif layer == "neighbour_solicitation":
                    self.assertIsInstance(message, ICMPv6ND_NS)
                    self.assertEqual((message.res, message.tgt), (0, desc["target"]))
                else:
                    self.assertIsInstance(message, ICMPv6ND_NA)
                    self.assertEqual((message.R, message.S, message.O, message.res, message.tgt),
                                     (int(desc.get("router", False)), int(desc.get("solicited", False)),
                                      int(desc.get("override", True)), 0, desc["target"]))
                for key, opt_type, cls_ in (("source_link_layer", 1, ICMPv6NDOptSrcLLAddr), ("target_link_layer", 2, ICMPv6NDOptDstLLAddr)):
                    if key in desc:
                        (o,) = by_type.pop(opt_type)
                        self.assertIsInstance(o, cls_)
                        self.assertEqual((o.len, o.lladdr), (1, desc[key]))
                self.assertEqual(by_type, {})  # nothing else
                self.assertTrue(upper_layer_checksum_ok(desc["src"], dst, 58, raw(message)))
                copy = IPv6(data)
                copy[IPv6].payload.cksum = None
                self.assertEqual(raw(copy)[42:44], data[42:44])

    def test_refused(self):
        cases = [
            ({"layer": "router_advertisement", "src": HOA}, "value_out_of_range"),  # RA source must be link-local
            ({"layer": "router_advertisement", "src": ROUTER_LL, "prefixes": [{"prefix": "2001:db8::/64", "valid_lifetime": 1,
                                                                                "preferred_lifetime": 2}]}, "value_out_of_range"),
            ({"layer": "router_advertisement", "src": ROUTER_LL, "prefixes": [{"prefix": "::", "prefix_length": 129}]}, "value_out_of_range"),
            ({"layer": "router_solicitation", "src": "::", "source_link_layer": MAC}, "value_out_of_range"),
            ({"layer": "neighbour_solicitation", "src": HOST_LL, "target": "ff02::1"}, "value_out_of_range"),
            ({"layer": "neighbour_solicitation", "src": "::", "target": HOA, "source_link_layer": MAC}, "value_out_of_range"),
            ({"layer": "neighbour_solicitation", "src": "::", "target": HOA, "dst": HOA}, "value_out_of_range"),
            ({"layer": "neighbour_advertisement", "src": HOA, "target": HOA, "solicited": True}, "value_out_of_range"),
            ({"layer": "neighbour_advertisement", "src": HOA, "target": "ff02::1"}, "value_out_of_range"),
            ({"layer": "neighbour_advertisement", "src": HOA, "target": HOA, "hop_limit": 64}, "unknown field"),
            ({"layer": "router_advertisement", "src": ROUTER_LL, "source_link_layer": "52:54:00"}, "not a MAC address"),
        ]
        for desc, want in cases:
            with self.subTest(desc):
                self.assertIn(want, build_fails(desc))


class Malformed(ConformanceTest):
    def test_validity_checks(self):
        ra = ICMPv6ND_RA(chlim=64)
        cases = [
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=64) / ra, "bad_nd_hop_limit"),
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RA(code=1), "bad_icmpv6_code"),
            (IPv6(src=HOA, dst="ff02::1", hlim=255) / ra, "bad_nd_source"),
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ra / ICMPv6NDOptUnknown(type=1, len=0, data=b"\x00" * 6), "zero_length_nd_option"),
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ra / ICMPv6NDOptUnknown(type=7, len=2, data=b"\x00" * 6), "nd_option_exceeds_message"),
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ra / ICMPv6NDOptSrcLLAddr(len=2, lladdr=MAC) / ICMPv6NDOptUnknown(type=99, len=1, data=b"\x00" * 6),
             "bad_nd_option_length"),
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ra / ICMPv6NDOptPrefixInfo(prefixlen=129), "bad_nd_prefix_length"),
            # A Prefix Information option of 3 units (RFC 4861 4.6.2: 4). scapy's
            # ICMPv6NDOptUnknown counts its len in octets, so len is set by hand.
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ra / ICMPv6NDOptUnknown(type=3, len=3, data=b"\x40" + b"\x00" * 21),
             "bad_nd_option_length"),
            # Its Length promising 4 units with 3 present.
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ra / ICMPv6NDOptUnknown(type=3, len=4, data=b"\x40" + b"\x00" * 21),
             "nd_option_exceeds_message"),
            # The last option cut after its Type octet.
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ra / ICMPv6NDOptMTU() / Raw(b"\x05"), "truncated_nd_option"),
            (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ra / ICMPv6NDOptMTU(len=2) / ICMPv6NDOptUnknown(type=99, len=1, data=b"\x00" * 6),
             "bad_nd_option_length"),
            (IPv6(src="::", dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=MAC), "nd_link_layer_option_from_unspecified_source"),
            (IPv6(src=HOST_LL, dst=solicited_node(HOA), hlim=255) / ICMPv6ND_NS(tgt="ff02::1"), "bad_nd_target"),
            (IPv6(src="::", dst="ff02::1", hlim=255) / ICMPv6ND_NS(tgt=HOA), "bad_nd_destination"),
            (IPv6(src="::", dst=solicited_node(HOA), hlim=255) / ICMPv6ND_NS(tgt=HOA) / ICMPv6NDOptSrcLLAddr(lladdr=MAC),
             "nd_link_layer_option_from_unspecified_source"),
            (IPv6(src=HOA, dst="ff02::1", hlim=255) / ICMPv6ND_NA(S=1, tgt=HOA), "bad_nd_destination"),
            (IPv6(src=HOA, dst=HOST_LL, hlim=255) / ICMPv6ND_NA(tgt="ff02::1"), "bad_nd_target"),
            (IPv6(src=HOA, dst=HOST_LL, hlim=254) / ICMPv6ND_NA(tgt=HOA), "bad_nd_hop_limit"),
            (IPv6(src=HOA, dst=HOST_LL, hlim=255) / ICMPv6ND_NA(code=3, tgt=HOA), "bad_icmpv6_code"),
        ]
        frames = [raw(p) for p, _ in cases]
        names = [want for _, want in cases]
        # Shorter than the fixed part (RA 16, NS/NA 24 octets), checksum right.
        from scapy.layers.inet6 import ICMPv6Unknown

        for icmp_type, size in ((134, 15), (135, 23), (136, 8), (133, 7)):
            src = ROUTER_LL if icmp_type == 134 else HOST_LL
            frames.append(raw(IPv6(src=src, dst="ff02::1", hlim=255) / ICMPv6Unknown(type=icmp_type, msgbody=b"\x00" * (size - 4))))
            names.append("truncated_nd_message")
        decoded = decode_many(frames)
        for data, want, d in zip(frames, names, decoded):
            with self.subTest(want=want, data=data.hex()):
                self.assertEqual(error_names(d), [want])
                self.assertEqual(d["errors"][0]["layer"], "nd")
                self.assertTrue(d["icmpv6"]["checksum_valid"])

    def test_truncated_at_every_length(self):
        """An RA with SLLA, MTU and Prefix Information cut at every length,
        Payload Length and checksum made consistent each time, so that each
        layer meets its own end (RFC 4861 4.2 and 4.6 framing)."""
        from scapy.layers.inet6 import PseudoIPv6
        from scapy.utils import checksum

        pkt = (IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RA(chlim=64)
               / ICMPv6NDOptSrcLLAddr(lladdr=ROUTER_MAC) / ICMPv6NDOptMTU(mtu=1500)
               / ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8:a::"))
        data = raw(pkt)
        option_ends = [56, 64, 72, 104]  # fixed part, then after each option
        frames, wants = [], []
        for n in range(40, len(data) + 1):
            message = bytearray(data[40:n])
            if len(message) >= 4:
                message[2:4] = b"\x00\x00"
                value = checksum(raw(PseudoIPv6(src=ROUTER_LL, dst="ff02::1", uplen=len(message), nh=58)) + bytes(message))
                message[2:4] = value.to_bytes(2, "big")
            frames.append(data[:4] + len(message).to_bytes(2, "big") + data[6:40] + bytes(message))
            if n < 44:
                wants.append(["truncated_icmpv6"])
            elif n < 56:
                wants.append(["truncated_nd_message"])
            elif n in option_ends:
                wants.append([])
            else:
                start = max(e for e in option_ends if e < n)
                wants.append(["truncated_nd_option"] if n - start < 2 else ["nd_option_exceeds_message"])
        decoded = decode_many(frames)
        for n, want, d in zip(range(40, len(data) + 1), wants, decoded):
            self.assertEqual(error_names(d), want, "cut at %d" % n)
            if n >= 44:
                self.assertTrue(d["icmpv6"]["checksum_valid"], n)
        self.assertEqual(len(decoded[-1]["icmpv6"]["options"]), 3)

    def test_bad_checksum_reported_once(self):
        pkt = IPv6(src=ROUTER_LL, dst="ff02::1", hlim=255) / ICMPv6ND_RA(cksum=0xBEEF)
        d = decode_many([raw(pkt)])[0]
        self.assertEqual(error_names(d), ["bad_icmpv6_checksum"])
        self.assertEqual(d["errors"][0]["layer"], "icmpv6")


if __name__ == "__main__":
    unittest.main()
