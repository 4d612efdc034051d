"""IPv6 extension-header chains (RFC 8200 4): Hop-by-Hop, Destination
Options with the Home Address option (RFC 6275 6.3), the type 2 routing
header (6.4), Fragment and the Tunnel Encapsulation Limit option (RFC 2473),
as scapy builds them and as roam6_wire's builders write them."""

import struct
import unittest

from conformance import (
    ConformanceTest,
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
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    MIP6MH_BA,
    MIP6MH_BRR,
    MIP6MH_BU,
    PadN,
    RouterAlert,
)
from scapy.packet import NoPayload

HA = "2001:db8:a::1"
HOA = "2001:db8:a::100"
COA = "2001:db8:b::100"
CN = "2001:db8:c::1"

EXTENSION_CLASSES = (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, IPv6ExtHdrFragment)


def same_address(a, b):
    return ip6_bytes(a) == ip6_bytes(b)


def scapy_chain(pkt):
    """(header count, upper protocol, upper offset) as scapy lays the packet out."""
    count, offset, nh = 0, 40, pkt[IPv6].nh
    layer = pkt[IPv6].payload
    while isinstance(layer, EXTENSION_CLASSES):
        count += 1
        nh = layer.nh
        if isinstance(layer, IPv6ExtHdrFragment):
            offset += 8
            if layer.offset != 0:
                break
        else:
            offset += (layer.len + 1) * 8
        layer = layer.payload
    return count, nh, offset


def option_offsets(header_bytes, header_offset):
    """Independent walk of a Hop-by-Hop / Destination Options header: the
    offset (from the IPv6 header) and type of every option."""
    out, i = [], 2
    while i < len(header_bytes):
        t = header_bytes[i]
        if t == 0:
            i += 1
            continue
        out.append((header_offset + i, t))
        i += 2 + header_bytes[i + 1]
    return out


class ScapyToOurs(ConformanceTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        bu = MIP6MH_BU(seq=7, flags="HA", mhtime=150)
        c = []
        c.append(("hbh", IPv6(src=HOA, dst=HA) / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / MIP6MH_BU(seq=1, mhtime=2)))
        c.append(("hbh hao", IPv6(src=COA, dst=HA) / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])
                  / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / bu))
        c.append(("hbh rh2 hao", IPv6(src=COA, dst=HA) / IPv6ExtHdrHopByHop()
                  / IPv6ExtHdrRouting(type=2, addresses=[HA], segleft=1)
                  / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / MIP6MH_BRR()))
        c.append(("rh2 segleft 0", IPv6(src=HA, dst=COA) / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=0) / MIP6MH_BA(seq=1)))
        c.append(("hao then echo", IPv6(src=COA, dst=CN) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)])
                  / ICMPv6EchoRequest(id=1, seq=2, data=b"roam6")))
        c.append(("rh2 to echo", IPv6(src=CN, dst=COA) / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=1)
                  / ICMPv6EchoRequest(id=3, seq=4)))
        for frag_id in (0, 1, 0x12345678, 2**32 - 1):
            c.append(("first fragment %x" % frag_id, IPv6(src=HOA, dst=HA) / IPv6ExtHdrFragment(id=frag_id, m=1, offset=0) / bu))
            c.append(("later fragment %x" % frag_id, IPv6(src=HOA, dst=HA)
                      / IPv6ExtHdrFragment(id=frag_id, m=0, offset=185, nh=135) / Raw(b"\x00" * 16)))
        c.append(("hbh frag hao", IPv6(src=COA, dst=HA) / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(id=9, m=1)
                  / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / bu))
        # RFC 8200 4.2: option types whose top two bits ask for a discard.
        for otype in (0x1E, 0x5E, 0x9E, 0xDE, 0x3E):
            c.append(("unrecognised %#x" % otype, IPv6(src=HOA, dst=HA)
                      / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=otype, optdata=b"ab")]) / bu))
            c.append(("unrecognised hbh %#x" % otype, IPv6(src=HOA, dst=HA)
                      / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00"), HBHOptUnknown(otype=otype, optdata=b"")]) / bu))
        # A HAO in a Hop-by-Hop header is not a Home Address option (RFC 6275
        # 6.3 defines it for Destination Options only): an unrecognised 11xxxxxx type.
        c.append(("hao in hbh", IPv6(src=COA, dst=HA) / IPv6ExtHdrHopByHop(options=[HAO(hoa=HOA)]) / IPv6ExtHdrRouting(type=0, segleft=0) / bu))
        # RFC 8200 4.4: an unknown routing type with segments left is refused
        # (Parameter Problem at the Routing Type); with 0 left it is ignored.
        c.append(("rh0 segleft 1", IPv6(src=HOA, dst=HA) / IPv6ExtHdrRouting(type=0, addresses=[CN], segleft=1) / bu))
        c.append(("rh0 segleft 0", IPv6(src=HOA, dst=HA) / IPv6ExtHdrRouting(type=0, addresses=[CN], segleft=0) / bu))
        c.append(("rh253", IPv6(src=HOA, dst=HA) / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(type=253, addresses=[], segleft=3) / bu))
        # Tunnel Encapsulation Limit (RFC 2473 5.1): scapy has no class, the
        # option is written as type 4, length 1, the limit.
        for limit in (0, 1, 4, 255):
            c.append(("tel %d" % limit, IPv6(src=HA, dst=COA)
                      / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=4, optdata=bytes([limit]))])
                      / IPv6(src=CN, dst=HOA) / ICMPv6EchoRequest()))
        # Eight extension headers is the most roam6 walks.
        c.append(("eight headers", IPv6(src=HOA, dst=HA) / IPv6ExtHdrHopByHop()
                  / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
                  / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / bu))
        c.append(("udp after dest opts", IPv6(src=HOA, dst=HA) / IPv6ExtHdrDestOpt() / UDP(sport=5353, dport=53)))
        c.append(("no next header", IPv6(src=HOA, dst=HA, nh=59)))
        c.append(("dest opts then none", IPv6(src=HOA, dst=HA) / IPv6ExtHdrDestOpt(nh=59)))
        cls.cases = [(name, IPv6(raw(p))) for name, p in c]
        cls.decoded = decode_many([raw(p) for _, p in cls.cases])

    def test_chain_matches_scapy(self):
        for (name, pkt), d in zip(self.cases, self.decoded):
            with self.subTest(name):
                ext = d["extensions"]
                count, nh, offset = scapy_chain(pkt)
                self.assertEqual((ext["header_count"], ext["upper_protocol"], ext["upper_offset"]), (count, nh, offset))
                self.assertEqual(d["upper"]["protocol"], nh)
                self.assertEqual(d["upper"]["length"], len(raw(pkt)) - offset)
                frag = pkt[IPv6ExtHdrFragment] if IPv6ExtHdrFragment in pkt else None
                if frag is None:
                    self.assertIsNone(ext["fragment"])
                else:
                    self.assertEqual(ext["fragment"], {"id": frag.id, "later_fragment": frag.offset != 0})
                    self.assertEqual(d["upper"]["later_fragment"], frag.offset != 0)
                    if frag.offset != 0:
                        self.assertNotIn("mobility", d)

    def test_home_address_and_type2(self):
        for (name, pkt), d in zip(self.cases, self.decoded):
            with self.subTest(name):
                ext = d["extensions"]
                dest_haos = [o.hoa for layer in self.layers(pkt, IPv6ExtHdrDestOpt) for o in layer.options if isinstance(o, HAO)]
                if dest_haos:
                    self.assertTrue(same_address(ext["home_address"], dest_haos[0]))
                else:
                    self.assertIsNone(ext["home_address"])
                type2 = [r for r in self.layers(pkt, IPv6ExtHdrRouting) if r.type == 2]
                if type2:
                    self.assertTrue(same_address(ext["type2_routing"]["home_address"], type2[0].addresses[0]))
                    self.assertEqual(ext["type2_routing"]["segments_left"], type2[0].segleft)
                else:
                    self.assertIsNone(ext["type2_routing"])
                # Upper-layer checksums follow RFC 6275: home address as the
                # pseudo source, RH2 home address as final destination.
                for key in ("mobility", "icmpv6"):
                    if key not in d:
                        continue
                    self.assertEqual(d["errors"], [])
                    if d["extensions"]["unsupported_routing_offset"] is None:
                        self.assertTrue(d[key]["checksum_valid"], key)
                    else:
                        # scapy checksums over the routing header's last
                        # address (RFC 8200 8.1's final destination); roam6
                        # does not read routing types other than 2 and the
                        # packet is to be discarded (RFC 8200 4.4), so the
                        # decoder says "not verified" instead of guessing.
                        self.assertIsNone(d[key]["checksum_valid"], key)

    def test_options_demanding_a_discard(self):
        for (name, pkt), d in zip(self.cases, self.decoded):
            with self.subTest(name):
                data = raw(pkt)
                first = None
                offset = 40
                layer = pkt[IPv6].payload
                while isinstance(layer, EXTENSION_CLASSES):
                    size = 8 if isinstance(layer, IPv6ExtHdrFragment) else (layer.len + 1) * 8
                    if isinstance(layer, (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt)):
                        for at, t in option_offsets(data[offset : offset + size], offset):
                            known = t == 1 or (isinstance(layer, IPv6ExtHdrDestOpt) and t in (4, 0xC9))
                            if not known and (t >> 6) != 0 and first is None:
                                first = {"offset": at, "type": t}
                    offset += size
                    layer = layer.payload
                self.assertEqual(d["extensions"]["unrecognised_option"], first)

    def test_routing_types(self):
        by_name = dict(zip([n for n, _ in self.cases], self.decoded))
        self.assertEqual(by_name["rh0 segleft 1"]["extensions"]["unsupported_routing_offset"], 42)
        self.assertIsNone(by_name["rh0 segleft 0"]["extensions"]["unsupported_routing_offset"])
        self.assertEqual(by_name["rh253"]["extensions"]["unsupported_routing_offset"], 48 + 2)
        self.assertIsNone(by_name["hbh rh2 hao"]["extensions"]["unsupported_routing_offset"])
        for limit in (0, 1, 4, 255):
            self.assertEqual(by_name["tel %d" % limit]["extensions"]["tunnel_encapsulation_limit"], limit)
        self.assertEqual(by_name["udp after dest opts"]["udp"], {"src_port": 5353, "dst_port": 53})
        self.assertEqual(by_name["no next header"]["upper"]["name"], "no_next_header")

    @staticmethod
    def layers(pkt, cls):
        out, layer = [], pkt
        while not isinstance(layer, NoPayload):
            if isinstance(layer, cls):
                out.append(layer)
            layer = layer.payload
        return out


class OursToScapy(ConformanceTest):
    """roam6's Home Address option and type 2 routing header builders, read by scapy."""

    def test_hao_and_rh2_as_scapy_reads_them(self):
        descriptions = [
            {"layer": "binding_update", "src": COA, "dst": HA, "hao": HOA, "sequence": 1, "lifetime_units": 1},
            {"layer": "binding_ack", "src": HA, "dst": COA, "rh2": HOA, "sequence": 1, "lifetime_units": 1},
            {"layer": "binding_refresh_request", "src": COA, "dst": CN, "hao": HOA, "rh2": "2001:db8:c::2"},
            {"layer": "binding_error", "src": HA, "dst": COA, "hao": "::", "rh2": "::", "home_address": HOA},
        ]
        packets = build_many(descriptions)
        decoded = decode_many(packets)
        for desc, data, d in zip(descriptions, packets, decoded):
            with self.subTest(desc):
                pkt = IPv6(data)
                self.assertEqual(d["errors"], [])
                nh_chain = [pkt[IPv6].nh]
                if "rh2" in desc:
                    rh = pkt[IPv6ExtHdrRouting]
                    self.assertEqual((rh.type, rh.len, rh.segleft, rh.reserved), (2, 2, 1, 0))
                    self.assertTrue(same_address(rh.addresses[0], desc["rh2"]))
                    nh_chain.append(rh.nh)
                if "hao" in desc:
                    dest = pkt[IPv6ExtHdrDestOpt]
                    self.assertEqual(dest.len, 2)
                    self.assertEqual(len(dest.options), 2)
                    pad, hao = dest.options
                    self.assertIsInstance(pad, PadN)
                    self.assertEqual(pad.optdata, b"\x00\x00")
                    self.assertIsInstance(hao, HAO)
                    self.assertEqual((hao.otype, hao.optlen), (0xC9, 16))
                    self.assertTrue(same_address(hao.hoa, desc["hao"]))
                    nh_chain.append(dest.nh)
                # RFC 8200 4.1 order, ending in the Mobility Header.
                want = ([43] if "rh2" in desc else []) + ([60] if "hao" in desc else []) + [135]
                self.assertEqual(nh_chain, want)
                src = desc.get("hao", desc["src"])
                dst = desc.get("rh2", desc["dst"])
                mh_at = d["upper"]["offset"]
                self.assertTrue(upper_layer_checksum_ok(src, dst, 135, data[mh_at:]))


def with_payload_length(data, length):
    return data[:4] + struct.pack("!H", length) + data[6:]


class Malformed(ConformanceTest):
    def test_chain_errors(self):
        bu = MIP6MH_BU(seq=1, mhtime=1)
        base = IPv6(src=HOA, dst=HA)
        cases = [
            (base / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / bu, "hop_by_hop_not_first"),
            (base / IPv6ExtHdrHopByHop() / IPv6ExtHdrHopByHop() / bu, "hop_by_hop_not_first"),
            (base / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0xC9, optdata=b"\x00" * 15)]) / bu, "bad_home_address_option_length"),
            (base / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0xC9, optdata=b"\x00" * 17)]) / bu, "bad_home_address_option_length"),
            (base / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA), HAO(hoa=HOA)]) / bu, "duplicate_home_address_option"),
            (base / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / IPv6ExtHdrDestOpt(options=[HAO(hoa=COA)]) / bu,
             "duplicate_home_address_option"),
            (base / IPv6ExtHdrRouting(type=2, addresses=[HOA, COA], segleft=1) / bu, "bad_type2_routing_header_length"),
            (base / IPv6ExtHdrRouting(type=2, addresses=[], segleft=0) / bu, "bad_type2_routing_header_length"),
            (base / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=2) / bu, "bad_type2_segments_left"),
            (base / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=255) / bu, "bad_type2_segments_left"),
            (base / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=4, optdata=b"")]) / IPv6() / bu, "bad_tunnel_encapsulation_limit_option"),
            (base / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=4, optdata=b"\x01\x02")]) / IPv6() / bu, "bad_tunnel_encapsulation_limit_option"),
            (base / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
             / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
             / IPv6ExtHdrDestOpt() / bu, "extension_chain_too_long"),
        ]
        frames = [raw(p) for p, _ in cases]
        names = [want for _, want in cases]
        # Hand-made headers (bytes from RFC 8200 4.2 / 4.5).
        hdr = raw(base / MIP6MH_BRR())[:40]

        def packet(first_nh, payload):
            return with_payload_length(hdr[:6] + bytes([first_nh]) + hdr[7:], len(payload)) + payload

        # An option whose Length runs past its 8-octet header.
        frames.append(packet(60, bytes([59, 0, 0x1E, 10, 0, 0, 0, 0])))
        names.append("extension_option_exceeds_header")
        # The last octet of the header is an option Type with no Length.
        frames.append(packet(60, bytes([59, 0, 1, 3, 0, 0, 0, 0x1E])))
        names.append("truncated_extension_option")
        # Fewer than 8 octets left for an extension header / a Fragment header.
        frames.append(packet(60, bytes([59, 0, 1, 0])))
        names.append("truncated_extension_header")
        frames.append(packet(44, bytes([59, 0, 0, 0])))
        names.append("truncated_fragment_header")
        frames.append(packet(43, bytes([59, 2, 2, 1, 0, 0, 0, 0])))
        names.append("extension_header_exceeds_payload")
        # RFC 2675 jumbogram: payload length 0 with a Hop-by-Hop header.
        frames.append(with_payload_length(raw(base / IPv6ExtHdrHopByHop() / MIP6MH_BRR()), 0))
        names.append("jumbogram_unsupported")
        # Not version 6.
        frames.append(bytes([0x45]) + raw(base / MIP6MH_BRR())[1:])
        names.append("bad_ip_version")
        decoded = decode_many(frames)
        for data, want, d in zip(frames, names, decoded):
            with self.subTest(want=want, data=data.hex()):
                self.assertEqual(error_names(d), [want])
                layer = "ipv6" if want in ("jumbogram_unsupported", "bad_ip_version") else "extensions"
                self.assertEqual(d["errors"][0]["layer"], layer)


if __name__ == "__main__":
    unittest.main()
