"""ICMPv6 (RFC 4443): echo request/reply and the four error messages with
their invoking packet, scapy -> ours and ours -> scapy, plus the malformed
cases."""

import struct
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
    HAO,
    ICMPv6DestUnreach,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6PacketTooBig,
    ICMPv6ParamProblem,
    ICMPv6TimeExceeded,
    ICMPv6Unknown,
    IPerror6,
    IPv6,
    IPv6ExtHdrDestOpt,
    MIP6MH_BU,
)

HA = "2001:db8:a::1"
HOA = "2001:db8:a::100"
COA = "2001:db8:b::100"
CN = "2001:db8:c::1"
ROUTER = "2001:db8:ff::1"

ERROR_CLASSES = {1: ICMPv6DestUnreach, 2: ICMPv6PacketTooBig, 3: ICMPv6TimeExceeded, 4: ICMPv6ParamProblem}
TYPE_NAMES = {1: "destination_unreachable", 2: "packet_too_big", 3: "time_exceeded", 4: "parameter_problem",
              128: "echo_request", 129: "echo_reply", 137: "redirect", 200: "unknown"}
DU_CODES = {0: "no_route", 1: "administratively_prohibited", 2: "beyond_scope_of_source", 3: "address_unreachable",
            4: "port_unreachable", 5: "source_address_failed_policy", 6: "reject_route", 7: "unknown"}
TE_CODES = {0: "hop_limit_exceeded", 1: "reassembly_time_exceeded", 2: "unknown"}
PP_CODES = {0: "erroneous_header_field", 1: "unrecognised_next_header", 2: "unrecognised_option", 3: "unknown"}


def same_address(a, b):
    return ip6_bytes(a) == ip6_bytes(b)


def invoking_bu():
    return raw(IPv6(src=COA, dst=HA, hlim=63) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / MIP6MH_BU(seq=7, flags="HA", mhtime=150))


def big_echo(size):
    return raw(IPv6(src=CN, dst=HOA, tc=0x28, fl=0x12345) / ICMPv6EchoRequest(id=1, seq=1, data=b"\xa5" * (size - 48)))


class ScapyToOurs(ConformanceTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rnd = SeededRandom(4443)
        c = []  # (name, packet, invoking bytes or None)
        for cls_ in (ICMPv6EchoRequest, ICMPv6EchoReply):
            for ident, seq in ((0, 0), (65535, 65535), (0x1234, 1)):
                for data in (b"", b"x", b"roam6!", bytes(rnd.randrange(256) for _ in range(1001))):
                    c.append(("%s %d/%d/%d" % (cls_.__name__, ident, seq, len(data)),
                              IPv6(src=HOA, dst=CN) / cls_(id=ident, seq=seq, data=data), None))
        invokings = [invoking_bu(), big_echo(1280)[:1232], big_echo(200), invoking_bu()[:50]]
        for inv in invokings:
            for mtu in (1280, 1500, 9000, 0, 2**32 - 1):
                c.append(("ptb %d/%d" % (mtu, len(inv)), IPv6(src=ROUTER, dst=CN) / ICMPv6PacketTooBig(mtu=mtu) / Raw(inv), inv))
            for code in DU_CODES:
                c.append(("du %d/%d" % (code, len(inv)), IPv6(src=ROUTER, dst=CN) / ICMPv6DestUnreach(code=code) / Raw(inv), inv))
            for code in TE_CODES:
                c.append(("te %d/%d" % (code, len(inv)), IPv6(src=ROUTER, dst=CN) / ICMPv6TimeExceeded(code=code) / Raw(inv), inv))
            for code in PP_CODES:
                for ptr in (0, 6, 40, 2**32 - 1):
                    c.append(("pp %d/%d/%d" % (code, ptr, len(inv)),
                              IPv6(src=ROUTER, dst=CN) / ICMPv6ParamProblem(code=code, ptr=ptr) / Raw(inv), inv))
        # scapy's own way: the invoking packet as a layer (parsed back as IPerror6).
        c.append(("ptb layered", IPv6(src=ROUTER, dst=CN) / ICMPv6PacketTooBig(mtu=1400) / IPv6(src=CN, dst=HOA) / ICMPv6EchoRequest(), None))
        c.append(("error without invoking packet", IPv6(src=ROUTER, dst=CN) / ICMPv6DestUnreach(code=3), b""))
        c.append(("redirect", IPv6(src="fe80::1", dst=CN, hlim=255) / ICMPv6Unknown(type=137, msgbody=b"\x00" * 36), None))
        c.append(("unknown type", IPv6(src=CN, dst=HOA) / ICMPv6Unknown(type=200, code=9, msgbody=b"\x01\x02"), None))
        cls.cases = [(name, IPv6(raw(p)), inv) for name, p, inv in c]
        cls.decoded = decode_many([raw(p) for _, p, _ in cls.cases])

    def test_header_and_checksum(self):
        for (name, pkt, _), d in zip(self.cases, self.decoded):
            with self.subTest(name):
                self.assertEqual(d["errors"], [])
                # From the bytes: scapy parses types it has no class for as Raw.
                message = raw(pkt)[40:]
                icmp_type, code, cksum = struct.unpack("!BBH", message[:4])
                j = d["icmpv6"]
                self.assertEqual((j["type"], j["code"], j["checksum"]), (icmp_type, code, cksum))
                self.assertEqual(j["type_name"], TYPE_NAMES[icmp_type])
                self.assertTrue(j["checksum_valid"])
                self.assertEqual(j["length"], len(message))
                self.assertTrue(upper_layer_checksum_ok(pkt.src, pkt.dst, 58, message))

    def test_message_fields(self):
        for (name, pkt, inv), d in zip(self.cases, self.decoded):
            with self.subTest(name):
                icmp = pkt[IPv6].payload
                j = d["icmpv6"]
                if j["type"] not in (1, 2, 3, 4, 128, 129):
                    self.assertEqual(j["body"], raw(pkt)[44:].hex())
                elif icmp.type in (128, 129):
                    self.assertEqual((j["identifier"], j["sequence"], j["data"]), (icmp.id, icmp.seq, icmp.data.hex()))
                elif icmp.type == 1:
                    self.assertEqual(j["code_name"], DU_CODES[icmp.code])
                elif icmp.type == 2:
                    self.assertEqual(j["mtu"], icmp.mtu)
                    self.assertEqual(j["path_mtu_estimate"], max(icmp.mtu, 1280))
                elif icmp.type == 3:
                    self.assertEqual(j["code_name"], TE_CODES[icmp.code])
                elif icmp.type == 4:
                    self.assertEqual(j["pointer"], icmp.ptr)
                    self.assertEqual(j["code_name"], PP_CODES[icmp.code])

    def test_invoking_packet_summary(self):
        for (name, pkt, inv), d in zip(self.cases, self.decoded):
            if d["icmpv6"]["type"] not in ERROR_CLASSES:
                continue
            icmp = pkt[IPv6].payload
            with self.subTest(name):
                inv_bytes = raw(icmp)[8:]
                j = d["icmpv6"]["invoking"]
                self.assertEqual(j["length"], len(inv_bytes))
                if len(inv_bytes) < 40:
                    self.assertEqual([e["error"] for e in j["errors"]], ["truncated_ipv6_header"])
                    continue
                inner = IPerror6(inv_bytes)
                self.assertEqual(j["truncated"], len(inv_bytes) < 40 + inner.plen)
                ip = j["ipv6"]
                self.assertEqual((ip["payload_length"], ip["next_header"], ip["hop_limit"], ip["traffic_class"], ip["flow_label"]),
                                 (inner.plen, inner.nh, inner.hlim, inner.tc, inner.fl))
                self.assertTrue(same_address(ip["src"], inner.src))
                self.assertTrue(same_address(ip["dst"], inner.dst))
                if inv == invoking_bu():
                    self.assertEqual(j["extensions"]["home_address"], HOA)
                    self.assertEqual(j["upper"]["name"], "mobility")


class OursToScapy(ConformanceTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rnd = SeededRandom(8201)
        bu_desc = {"layer": "binding_update", "src": COA, "dst": HA, "hao": HOA, "sequence": 7, "flags": ["A", "H"], "lifetime_units": 150}
        d = []
        for layer in ("echo_request", "echo_reply"):
            for ident, seq in ((0, 0), (65535, 65535), (7, 9)):
                for data in ("", "00", "726f616d36", bytes(rnd.randrange(256) for _ in range(1400)).hex()):
                    d.append({"layer": layer, "src": HOA, "dst": CN, "identifier": ident, "sequence": seq, "data": data})
        d.append({"layer": "echo_request", "src": HOA, "dst": CN, "identifier": 1, "sequence": 2, "hop_limit": 1,
                  "traffic_class": 0xFF, "flow_label": 0xFFFFF})
        invokings = [bu_desc, big_echo(2000).hex(), big_echo(1233).hex(), big_echo(1232).hex(), big_echo(100).hex(), ""]
        for inv in invokings:
            for mtu in (1280, 1500, 2**32 - 1):
                d.append({"layer": "packet_too_big", "src": ROUTER, "dst": CN, "mtu": mtu, "invoking": inv})
            for code in (0, 4, 6, 255):
                d.append({"layer": "destination_unreachable", "src": ROUTER, "dst": CN, "code": code, "invoking": inv})
            for code in (0, 1):
                d.append({"layer": "time_exceeded", "src": ROUTER, "dst": CN, "code": code, "invoking": inv})
            for code, ptr in ((0, 0), (1, 6), (2, 42), (0, 2**32 - 1)):
                d.append({"layer": "parameter_problem", "src": ROUTER, "dst": CN, "code": code, "pointer": ptr, "invoking": inv})
        cls.descriptions = d
        cls.packets = build_many(d)
        cls.bu_bytes = build_many([bu_desc])[0]
        cls.decoded = decode_many(cls.packets)

    def test_scapy_reads_every_field(self):
        for desc, data, dec in zip(self.descriptions, self.packets, self.decoded):
            with self.subTest(desc["layer"], invoking=str(desc.get("invoking", ""))[:40]):
                pkt = IPv6(data)
                ip = pkt[IPv6]
                self.assertEqual((ip.src, ip.dst, ip.nh, ip.plen), (desc["src"], desc["dst"], 58, len(data) - 40))
                self.assertEqual((ip.hlim, ip.tc, ip.fl), (desc.get("hop_limit", 64), desc.get("traffic_class", 0), desc.get("flow_label", 0)))
                icmp = ip.payload
                layer = desc["layer"]
                if layer in ("echo_request", "echo_reply"):
                    self.assertIsInstance(icmp, ICMPv6EchoRequest if layer == "echo_request" else ICMPv6EchoReply)
                    self.assertEqual((icmp.code, icmp.id, icmp.seq, icmp.data), (0, desc["identifier"], desc["sequence"], bytes.fromhex(desc.get("data", ""))))
                else:
                    want_type = {"destination_unreachable": 1, "packet_too_big": 2, "time_exceeded": 3, "parameter_problem": 4}[layer]
                    self.assertIsInstance(icmp, ERROR_CLASSES[want_type])
                    self.assertEqual(icmp.code, desc.get("code", 0))
                    if layer == "packet_too_big":
                        self.assertEqual(icmp.mtu, desc["mtu"])
                    elif layer == "parameter_problem":
                        self.assertEqual(icmp.ptr, desc["pointer"])
                    else:  # RFC 4443 3.1 / 3.3: the word is unused, zero
                        self.assertEqual((icmp.length, icmp.unused), (0, 0))
                    inv = desc["invoking"]
                    inv_bytes = self.bu_bytes if isinstance(inv, dict) else bytes.fromhex(inv)
                    # RFC 4443 2.4 (c): as much as fits in the minimum MTU.
                    self.assertEqual(raw(icmp)[8:], inv_bytes[:1232])
                    self.assertLessEqual(len(data), 1280)
                self.assertTrue(upper_layer_checksum_ok(desc["src"], desc["dst"], 58, raw(icmp)))
                # scapy recomputes the same checksum.
                copy = IPv6(data)
                copy[IPv6].payload.cksum = None
                self.assertEqual(raw(copy)[42:44], data[42:44])
                self.assertEqual(dec["errors"], [])

    def test_refused(self):
        self.assertIn("value_out_of_range", build_fails(
            {"layer": "packet_too_big", "src": ROUTER, "dst": CN, "mtu": 1279, "invoking": ""}))
        self.assertIn("value_out_of_range", build_fails(
            {"layer": "echo_request", "src": HOA, "dst": CN, "identifier": 1, "sequence": 1, "data": "00" * 65528}))
        self.assertIn("not hexadecimal", build_fails(
            {"layer": "echo_request", "src": HOA, "dst": CN, "identifier": 1, "sequence": 1, "data": "0"}))
        self.assertIn("not an IPv6 address", build_fails(
            {"layer": "echo_request", "src": "192.0.2.1", "dst": CN, "identifier": 1, "sequence": 1}))


def with_payload_length(data, length):
    return data[:4] + struct.pack("!H", length) + data[6:]


class Malformed(ConformanceTest):
    def test_short_and_corrupt_messages(self):
        base = IPv6(src=HOA, dst=CN)
        cases = [
            (with_payload_length(raw(base / ICMPv6EchoRequest())[:43], 3), ["truncated_icmpv6"]),
            (raw(base / ICMPv6Unknown(type=128, msgbody=b"\x00\x01")), ["truncated_icmpv6"]),
            (raw(base / ICMPv6Unknown(type=129, msgbody=b"\x00\x01\x02")), ["truncated_icmpv6"]),
            (raw(base / ICMPv6Unknown(type=2, msgbody=b"\x00\x00\x05")), ["truncated_icmpv6"]),
            (raw(base / ICMPv6Unknown(type=4, msgbody=b"")), ["truncated_icmpv6"]),
            (raw(base / ICMPv6EchoRequest(cksum=0x1234)), ["bad_icmpv6_checksum"]),
            (raw(base / ICMPv6PacketTooBig(cksum=0) / Raw(invoking_bu())), ["bad_icmpv6_checksum"]),
        ]
        # A Home Address option changes the pseudo source (RFC 6275 6.3): a
        # checksum over the care-of address is wrong.
        wrong = IPv6(src=COA, dst=CN) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / ICMPv6EchoRequest(id=1)
        right_sum = IPv6(raw(wrong))[ICMPv6EchoRequest].cksum
        no_hao = IPv6(src=COA, dst=CN) / ICMPv6EchoRequest(id=1)
        coa_sum = IPv6(raw(no_hao))[ICMPv6EchoRequest].cksum
        self.assertNotEqual(right_sum, coa_sum)
        cases.append((raw(IPv6(src=COA, dst=CN) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / ICMPv6EchoRequest(id=1, cksum=coa_sum)),
                      ["bad_icmpv6_checksum"]))
        decoded = decode_many([data for data, _ in cases])
        for (data, want), d in zip(cases, decoded):
            with self.subTest(want=want, data=data.hex()):
                self.assertEqual(error_names(d), want)
                for e in d["errors"]:
                    self.assertEqual(e["layer"], "icmpv6")

    def test_truncated_at_every_length(self):
        data = raw(IPv6(src=ROUTER, dst=CN) / ICMPv6PacketTooBig(mtu=1280) / Raw(invoking_bu()))
        consistent = [with_payload_length(data[:n], n - 40) if n >= 40 else data[:n] for n in range(len(data))]
        decoded = decode_many(consistent)
        for n, d in enumerate(decoded):
            if n < 40:
                want = ["truncated_ipv6_header"]
            elif n < 44:
                want = ["truncated_icmpv6"]
            elif n < 48:
                want = ["bad_icmpv6_checksum", "truncated_icmpv6"]
            else:
                want = ["bad_icmpv6_checksum"]  # the checksum covered the bytes cut off
            self.assertEqual(error_names(d), want, "cut at %d" % n)


if __name__ == "__main__":
    unittest.main()
