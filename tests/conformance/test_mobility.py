"""Mobility Header messages (RFC 6275 6.1): scapy and roam6_wire agree on all
eight message types, both ways, and on the checksum over the RFC 6275
pseudo-header (Home Address option / type 2 routing header)."""

import struct
import unittest

from conformance import (
    ConformanceTest,
    IPPROTO_MH,
    SeededRandom,
    build_fails,
    build_many,
    decode_many,
    error_names,
    ip6_bytes,
    mh_pseudo_addresses,
    scapy_recomputed_checksum,
    upper_layer_checksum_ok,
    walk_mobility_options,
)
from scapy.all import raw
from scapy.layers.inet6 import (
    HAO,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrRouting,
    MIP6MH_BA,
    MIP6MH_BE,
    MIP6MH_BRR,
    MIP6MH_BU,
    MIP6MH_CoT,
    MIP6MH_CoTI,
    MIP6MH_Generic,
    MIP6MH_HoT,
    MIP6MH_HoTI,
    MIP6OptReplayProtection,
    MIP6OptMsgAuth,
)

HA = "2001:db8:a::1"
HOA = "2001:db8:a::100"
COA = "2001:db8:b::100"
CN = "2001:db8:c::1"

# RFC 6275 6.1.2-6.1.9: where each message's options start.
OPTIONS_OFFSET = {0: 8, 1: 16, 2: 16, 3: 24, 4: 24, 5: 12, 6: 12, 7: 24}
MH_CLASSES = {
    0: MIP6MH_BRR,
    1: MIP6MH_HoTI,
    2: MIP6MH_CoTI,
    3: MIP6MH_HoT,
    4: MIP6MH_CoT,
    5: MIP6MH_BU,
    6: MIP6MH_BA,
    7: MIP6MH_BE,
}
U64_EDGES = [0, 1, 0x0123456789ABCDEF, 2**63, 2**64 - 1]


def cookie(value):
    return value.to_bytes(8, "big")


def same_address(a, b):
    return ip6_bytes(a) == ip6_bytes(b)


def bu_flags16(mh):
    """The 16 bits after the sequence number as scapy splits them: 7 named
    flags (A H L K M R P, A the top bit) and 9 reserved bits."""
    return (int(mh.flags) << 9) | mh.reserved


def ba_flags8(mh):
    return (int(mh.flags) << 5) | mh.res2


class MobilityChecks(ConformanceTest):
    def check_common(self, decoded, pkt, ctx):
        """Fields every MH has, the checksum, and the option framing."""
        self.assertEqual(decoded["errors"], [], ctx)
        m = decoded["mobility"]
        mh = pkt[MH_CLASSES[m["type"]]]
        mh_bytes = raw(mh)
        self.assertEqual(m["payload_proto"], mh.nh, ctx)
        self.assertEqual(m["payload_proto"], 59, ctx)
        self.assertEqual(m["header_len"], mh.len, ctx)
        self.assertEqual(m["length"], len(mh_bytes), ctx)
        self.assertEqual(m["length"], (mh.len + 1) * 8, ctx)
        self.assertEqual(m["reserved"], mh.res or 0, ctx)
        self.assertEqual(m["checksum"], mh.cksum, ctx)
        self.assertTrue(m["checksum_valid"], ctx)
        src, dst = mh_pseudo_addresses(pkt)
        self.assertTrue(same_address(m["pseudo_source"], src), ctx)
        self.assertTrue(same_address(m["pseudo_destination"], dst), ctx)
        self.assertTrue(upper_layer_checksum_ok(src, dst, IPPROTO_MH, mh_bytes), ctx)
        walked = walk_mobility_options(mh_bytes, OPTIONS_OFFSET[m["type"]])
        ours = [(o["offset"], o["type"], o["length"]) for o in m["options"]]
        theirs = [(off, t, None if t == 0 else len(data)) for off, t, data in walked]
        self.assertEqual(ours, theirs, ctx)
        self.assertEqual(decoded["extensions"]["upper_protocol"], IPPROTO_MH, ctx)
        self.assertEqual(decoded["upper"]["offset"], len(raw(pkt)) - len(mh_bytes), ctx)


class ScapyToOurs(MobilityChecks):
    """scapy builds, roam6-decode parses: every field must match."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rnd = SeededRandom()
        cases = []  # (name, scapy packet, {json field: expected value})

        cases.append(("brr", IPv6(src=HA, dst=HOA) / MIP6MH_BRR(), {"type": 0, "type_name": "binding_refresh_request"}))
        cases.append(
            ("brr rh2", IPv6(src=HA, dst=COA) / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=1) / MIP6MH_BRR(), {"type": 0})
        )
        for value in U64_EDGES + [rnd.getrandbits(64)]:
            cases.append(
                ("hoti %x" % value, IPv6(src=HOA, dst=CN) / MIP6MH_HoTI(cookie=cookie(value)),
                 {"type": 1, "type_name": "home_test_init", "home_init_cookie": value})
            )
            cases.append(
                ("coti %x" % value, IPv6(src=COA, dst=CN) / MIP6MH_CoTI(cookie=cookie(value)),
                 {"type": 2, "type_name": "care_of_test_init", "care_of_init_cookie": value})
            )
        for index in (0, 1, 0x1234, 65535):
            c, t = rnd.getrandbits(64), rnd.getrandbits(64)
            cases.append(
                ("hot %d" % index, IPv6(src=CN, dst=HOA) / MIP6MH_HoT(index=index, cookie=cookie(c), token=cookie(t)),
                 {"type": 3, "type_name": "home_test", "home_nonce_index": index, "home_init_cookie": c, "home_keygen_token": t})
            )
            cases.append(
                ("cot %d" % index, IPv6(src=CN, dst=COA) / MIP6MH_CoT(index=index, cookie=cookie(t), token=cookie(c)),
                 {"type": 4, "type_name": "care_of_test", "care_of_nonce_index": index, "care_of_init_cookie": t, "care_of_keygen_token": c})
            )
        # Binding Update: edge sequence numbers and lifetimes, every flag.
        for seq in (0, 1, 32768, 65535):
            for lifetime in (0, 1, 150, 65535):
                for flags, reserved in ((0, 0), (0x60, 0), (0x7F, 0x1FF), (0x40, 0x100), (0x01, 0x080), (0x3A, 0x040)):
                    pkt = (
                        IPv6(src=COA, dst=HA)
                        / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)])
                        / MIP6MH_BU(seq=seq, flags=flags, reserved=reserved, mhtime=lifetime)
                    )
                    bits = (flags << 9) | reserved
                    cases.append(
                        ("bu seq=%d life=%d flags=%#x" % (seq, lifetime, bits), pkt,
                         {"type": 5, "type_name": "binding_update", "sequence": seq, "flags": bits,
                          "lifetime_units": lifetime, "lifetime_seconds": 4 * lifetime})
                    )
        # A BU from the home address itself, no HAO (de-registration at home).
        cases.append(
            ("bu at home", IPv6(src=HOA, dst=HA) / MIP6MH_BU(seq=9, flags="HA", mhtime=0),
             {"type": 5, "sequence": 9, "flags": 0xC000, "flag_names": ["A", "H"], "lifetime_units": 0})
        )
        # Binding Acknowledgement: every status class, flags, RH2 segments left 1 and 0.
        for status in (0, 1, 127, 128, 135, 146, 156, 162, 255):
            for flags, res2 in ((0, 0), (4, 0), (7, 0x1F), (1, 0x10), (2, 0x08)):
                for segleft in (1, 0):
                    seq, lifetime = rnd.randrange(65536), rnd.choice([0, 65535, rnd.randrange(65536)])
                    pkt = (
                        IPv6(src=HA, dst=COA)
                        / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=segleft)
                        / MIP6MH_BA(status=status, flags=flags, res2=res2, seq=seq, mhtime=lifetime)
                    )
                    cases.append(
                        ("ba status=%d flags=%d/%d sl=%d" % (status, flags, res2, segleft), pkt,
                         {"type": 6, "type_name": "binding_ack", "status": status, "accepted": status < 128,
                          "flags": (flags << 5) | res2, "sequence": seq, "lifetime_units": lifetime,
                          "lifetime_seconds": 4 * lifetime})
                    )
        cases.append(
            ("ba K", IPv6(src=HA, dst=HOA) / MIP6MH_BA(status=0, flags="K", seq=7, mhtime=150),
             {"type": 6, "flags": 0x80, "flag_names": ["K"], "status_name": "accepted"})
        )
        for status, name in ((1, "unknown_binding_for_home_address_option"), (2, "unrecognized_mh_type"), (0, "unknown"), (255, "unknown")):
            for home in (HOA, "::", "fe80::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"):
                cases.append(
                    ("be %d %s" % (status, home), IPv6(src=HA, dst=COA) / MIP6MH_BE(status=status, ha=home),
                     {"type": 7, "type_name": "binding_error", "status": status, "status_name": name, "home_address": home})
                )
        cls.cases = cases
        cls.decoded = decode_many([raw(p) for _, p, _ in cases])

    def test_every_field_matches_scapy(self):
        for (name, pkt, expected), decoded in zip(self.cases, self.decoded):
            with self.subTest(name):
                pkt = IPv6(raw(pkt))  # compare with what scapy parses back
                self.check_common(decoded, pkt, name)
                m = decoded["mobility"]
                for key, value in expected.items():
                    if key == "home_address":
                        self.assertTrue(same_address(m[key], value), name)
                    else:
                        self.assertEqual(m[key], value, "%s: %s" % (name, key))
                mh = pkt[MH_CLASSES[m["type"]]]
                # And field by field against what scapy itself reads back.
                if m["type"] == 5:
                    self.assertEqual((m["sequence"], m["flags"], m["lifetime_units"]), (mh.seq, bu_flags16(mh), mh.mhtime))
                if m["type"] == 6:
                    self.assertEqual((m["status"], m["flags"], m["sequence"], m["lifetime_units"]),
                                     (mh.status, ba_flags8(mh), mh.seq, mh.mhtime))
                if m["type"] in (1, 3):
                    self.assertEqual(m["home_init_cookie"], int.from_bytes(mh.cookie, "big"))
                if m["type"] in (2, 4):
                    self.assertEqual(m["care_of_init_cookie"], int.from_bytes(mh.cookie, "big"))
                if m["type"] == 3:
                    self.assertEqual((m["home_nonce_index"], m["home_keygen_token"]), (mh.index, int.from_bytes(mh.token, "big")))
                if m["type"] == 4:
                    self.assertEqual((m["care_of_nonce_index"], m["care_of_keygen_token"]), (mh.index, int.from_bytes(mh.token, "big")))

    def test_bu_flag_names(self):
        for (name, pkt, expected), decoded in zip(self.cases, self.decoded):
            if decoded.get("mobility", {}).get("type") != 5:
                continue
            letters = "AHLKMRPFTB"
            bits = decoded["mobility"]["flags"]
            want = [letters[i] for i in range(10) if bits & (0x8000 >> i)]
            self.assertEqual(decoded["mobility"]["flag_names"], want, name)

    def test_extension_headers_reported(self):
        for (name, pkt, expected), decoded in zip(self.cases, self.decoded):
            ext = decoded["extensions"]
            pkt = IPv6(raw(pkt))
            if HAO in pkt:
                self.assertTrue(same_address(ext["home_address"], pkt[HAO].hoa), name)
            else:
                self.assertIsNone(ext["home_address"], name)
            if IPv6ExtHdrRouting in pkt:
                rh = pkt[IPv6ExtHdrRouting]
                self.assertTrue(same_address(ext["type2_routing"]["home_address"], rh.addresses[0]), name)
                self.assertEqual(ext["type2_routing"]["segments_left"], rh.segleft, name)
            else:
                self.assertIsNone(ext["type2_routing"], name)


class OursToScapy(MobilityChecks):
    """roam6-build writes, scapy parses: every field must equal the
    description, and scapy must compute the same checksum."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rnd = SeededRandom(4283)
        d = []
        d.append({"layer": "binding_refresh_request", "src": HA, "dst": HOA})
        d.append({"layer": "binding_refresh_request", "src": HA, "dst": COA, "rh2": HOA, "hop_limit": 1, "traffic_class": 0xB8, "flow_label": 0xFFFFF})
        for value in U64_EDGES:
            d.append({"layer": "home_test_init", "src": HOA, "dst": CN, "home_init_cookie": value})
            d.append({"layer": "care_of_test_init", "src": COA, "dst": CN, "care_of_init_cookie": value})
            d.append({"layer": "home_test", "src": CN, "dst": HOA, "home_nonce_index": value & 0xFFFF,
                      "home_init_cookie": value, "home_keygen_token": (2**64 - 1) ^ value})
            d.append({"layer": "care_of_test", "src": CN, "dst": COA, "care_of_nonce_index": 65535 - (value & 0xFFFF),
                      "care_of_init_cookie": (2**64 - 1) ^ value, "care_of_keygen_token": value})
        for seq in (0, 1, 65535):
            for lifetime in (0, 150, 65535):
                for flags in ([], ["A"], ["A", "H"], ["A", "H", "L", "K"], ["M", "R", "P", "F", "T", "B"], list("AHLKMRPFTB")):
                    d.append({"layer": "binding_update", "src": COA, "dst": HA, "hao": HOA, "sequence": seq,
                              "flags": flags, "lifetime_units": lifetime})
        d.append({"layer": "binding_update", "src": HOA, "dst": HA, "sequence": 3, "flags": 0xFFFF, "lifetime_units": 1})
        for status in (0, 1, 128, 133, 135, 145, 146, 157, 255):
            for flags in ([], ["K"], ["K", "R", "P", "T", "B"], 0xFF):
                d.append({"layer": "binding_ack", "src": HA, "dst": COA, "rh2": HOA, "status": status, "flags": flags,
                          "sequence": rnd.randrange(65536), "lifetime_units": rnd.choice([0, 65535, 150])})
        d.append({"layer": "binding_ack", "src": HA, "dst": HOA, "status": 0, "sequence": 0, "lifetime_units": 0})
        for status in (1, 2, 0, 255):
            d.append({"layer": "binding_error", "src": HA, "dst": COA, "status": status, "home_address": HOA})
        d.append({"layer": "binding_error", "src": CN, "dst": COA, "rh2": HOA, "status": 2, "home_address": "::"})
        cls.descriptions = d
        cls.packets = build_many(d)
        cls.decoded = decode_many(cls.packets)

    def test_scapy_reads_every_field(self):
        bu_letters = {"A": 0x8000, "H": 0x4000, "L": 0x2000, "K": 0x1000, "M": 0x0800, "R": 0x0400,
                      "P": 0x0200, "F": 0x0100, "T": 0x0080, "B": 0x0040}
        ba_letters = {"K": 0x80, "R": 0x40, "P": 0x20, "T": 0x10, "B": 0x08}
        for desc, data in zip(self.descriptions, self.packets):
            with self.subTest(desc):
                pkt = IPv6(data)
                ip = pkt[IPv6]
                self.assertEqual(ip.src, desc["src"])
                self.assertEqual(ip.dst, desc["dst"])
                self.assertEqual(ip.hlim, desc.get("hop_limit", 64))
                self.assertEqual(ip.tc, desc.get("traffic_class", 0))
                self.assertEqual(ip.fl, desc.get("flow_label", 0))
                self.assertEqual(ip.plen, len(data) - 40)
                layer = desc["layer"]
                if layer == "binding_refresh_request":
                    mh = pkt[MIP6MH_BRR]
                    self.assertEqual(mh.res2, 0)
                elif layer == "home_test_init":
                    mh = pkt[MIP6MH_HoTI]
                    self.assertEqual(mh.mhtype, 1)
                    self.assertEqual(mh.cookie, cookie(desc["home_init_cookie"]))
                    self.assertEqual(mh.reserved, b"\x00\x00")
                elif layer == "care_of_test_init":
                    mh = pkt[MIP6MH_CoTI]
                    self.assertEqual(mh.mhtype, 2)
                    self.assertEqual(mh.cookie, cookie(desc["care_of_init_cookie"]))
                elif layer == "home_test":
                    mh = pkt[MIP6MH_HoT]
                    self.assertEqual(mh.mhtype, 3)
                    self.assertEqual((mh.index, mh.cookie, mh.token),
                                     (desc["home_nonce_index"], cookie(desc["home_init_cookie"]), cookie(desc["home_keygen_token"])))
                elif layer == "care_of_test":
                    mh = pkt[MIP6MH_CoT]
                    self.assertEqual(mh.mhtype, 4)
                    self.assertEqual((mh.index, mh.cookie, mh.token),
                                     (desc["care_of_nonce_index"], cookie(desc["care_of_init_cookie"]), cookie(desc["care_of_keygen_token"])))
                elif layer == "binding_update":
                    mh = pkt[MIP6MH_BU]
                    flags = desc["flags"] if isinstance(desc["flags"], int) else sum(bu_letters[f] for f in desc["flags"])
                    self.assertEqual((mh.seq, bu_flags16(mh), mh.mhtime), (desc["sequence"], flags, desc["lifetime_units"]))
                elif layer == "binding_ack":
                    mh = pkt[MIP6MH_BA]
                    flags = desc.get("flags", 0)
                    if not isinstance(flags, int):
                        flags = sum(ba_letters[f] for f in flags)
                    self.assertEqual((mh.status, ba_flags8(mh), mh.seq, mh.mhtime),
                                     (desc["status"], flags, desc["sequence"], desc["lifetime_units"]))
                else:
                    mh = pkt[MIP6MH_BE]
                    self.assertEqual((mh.status, mh.reserved), (desc["status"], 0))
                    self.assertTrue(same_address(mh.ha, desc["home_address"]))
                self.assertEqual(mh.nh, 59)
                self.assertEqual(mh.res, 0)
                self.assertEqual(len(raw(mh)), (mh.len + 1) * 8)
                # Checksum: over the pseudo-header the description implies
                # (RFC 6275 6.1.1), computed here, and as scapy recomputes it.
                src = desc.get("hao", desc["src"])
                dst = desc.get("rh2", desc["dst"])
                self.assertTrue(upper_layer_checksum_ok(src, dst, IPPROTO_MH, raw(mh)))
                self.assertEqual(scapy_recomputed_checksum(pkt, type(mh)), mh.cksum)

    def test_headers_in_rfc_order(self):
        for desc, data in zip(self.descriptions, self.packets):
            with self.subTest(desc):
                pkt = IPv6(data)
                chain = []
                layer = pkt[IPv6].payload
                while layer.name != "NoPayload":
                    chain.append(type(layer))
                    layer = layer.payload
                want = []
                # RFC 8200 4.1: Routing before the Destination Options header
                # for the final destination (where RFC 6275 6.3 puts the HAO).
                if "rh2" in desc:
                    want.append(IPv6ExtHdrRouting)
                if "hao" in desc:
                    want.append(IPv6ExtHdrDestOpt)
                self.assertEqual(chain[:-1], want)
                self.assertIs(chain[-1], MH_CLASSES[MH_TYPE_BY_LAYER[desc["layer"]]])
                if "rh2" in desc:
                    rh = pkt[IPv6ExtHdrRouting]
                    self.assertEqual((rh.type, rh.segleft, rh.len, rh.reserved), (2, 1, 2, 0))
                    self.assertEqual(rh.addresses, [desc["rh2"]])
                if "hao" in desc:
                    dest = raw(pkt[IPv6ExtHdrDestOpt])[: (pkt[IPv6ExtHdrDestOpt].len + 1) * 8]
                    at = dest.index(bytes([0xC9, 16]))
                    self.assertEqual(at % 8, 6)  # RFC 6275 6.3: 8n+6
                    self.assertEqual(pkt[HAO].hoa, desc["hao"])

    def test_round_trip_through_our_decoder(self):
        for desc, decoded, data in zip(self.descriptions, self.decoded, self.packets):
            with self.subTest(desc):
                self.check_common(decoded, IPv6(data), str(desc))
                self.assertEqual(decoded["mobility"]["type_name"], desc["layer"])


MH_TYPE_BY_LAYER = {
    "binding_refresh_request": 0, "home_test_init": 1, "care_of_test_init": 2, "home_test": 3,
    "care_of_test": 4, "binding_update": 5, "binding_ack": 6, "binding_error": 7,
}


def with_payload_length(data, length):
    return data[:4] + struct.pack("!H", length) + data[6:]


def mh_with_checksum(pkt, src, dst):
    """Rewrites the MH checksum as computed over the given pseudo-header."""
    from scapy.layers.inet6 import PseudoIPv6
    from scapy.utils import checksum

    pkt = IPv6(raw(pkt))
    data = bytearray(raw(pkt))
    mh_at = None
    for cls in MH_CLASSES.values():
        if cls in pkt:
            mh_at = len(data) - len(raw(pkt[cls]))
    data[mh_at + 4 : mh_at + 6] = b"\x00\x00"
    mh = bytes(data[mh_at:])
    value = checksum(raw(PseudoIPv6(src=src, dst=dst, uplen=len(mh), nh=135)) + mh)
    data[mh_at + 4 : mh_at + 6] = struct.pack("!H", value)
    return bytes(data)


class Malformed(ConformanceTest):
    """Broken packets get the right typed error, and never a crash."""

    def bu_packet(self):
        return raw(
            IPv6(src=COA, dst=HA)
            / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)])
            / MIP6MH_BU(seq=7, flags="HA", mhtime=150,
                        options=[MIP6OptReplayProtection(timestamp=123),
                                 MIP6OptMsgAuth(mspi=1001, authdata=b"\x11" * 12)])
        )

    def test_truncated_at_every_length(self):
        data = self.bu_packet()
        # As captured short: the IPv6 payload length promises more.
        cut = [data[:n] for n in range(len(data))]
        # Cut and made consistent: each inner layer meets its own end.
        consistent = [with_payload_length(data[:n], n - 40) for n in range(40, len(data))]
        decoded = decode_many(cut + consistent)
        for n, d in enumerate(decoded[: len(cut)]):
            want = "truncated_ipv6_header" if n < 40 else "payload_length_exceeds_buffer"
            self.assertEqual(error_names(d), [want], "cut at %d" % n)
        mh_len = len(data) - 64
        for n, d in zip(range(40, len(data)), decoded[len(cut):]):
            if n < 48:
                want = "truncated_extension_header"  # not even 8 octets of the DestOpt
            elif n < 64:
                want = "extension_header_exceeds_payload"  # its Hdr Ext Len says 24
            elif n < 72:
                want = "truncated_mobility_header"  # under the 8-octet minimum MH
            elif n < 64 + mh_len:
                want = "mobility_header_exceeds_packet"  # Header Len says more
            self.assertEqual(error_names(d), [want], "consistent cut at %d" % n)

    def test_bad_checksums(self):
        good = self.bu_packet()
        flipped = bytearray(good)
        flipped[64 + 4] ^= 0x01
        body = bytearray(good)
        body[64 + 7] ^= 0x40  # a sequence number bit
        # Checksum over the care-of address although a HAO is present: wrong
        # by RFC 6275 6.1.1 (the home address belongs in the pseudo-header).
        over_coa = mh_with_checksum(IPv6(good), COA, HA)
        # BA with RH2: the pseudo destination is the home address; a checksum
        # over the care-of address is wrong...
        ba = IPv6(src=HA, dst=COA) / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=1) / MIP6MH_BA(seq=7, mhtime=150)
        ba_over_coa = mh_with_checksum(ba, HA, COA)
        # ...unless segments left is 0: the packet is at its final destination.
        ba0 = IPv6(src=HA, dst=COA) / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=0) / MIP6MH_BA(seq=7, mhtime=150)
        ba0_over_coa = mh_with_checksum(ba0, HA, COA)
        ba0_over_hoa = mh_with_checksum(ba0, HA, HOA)
        d = decode_many([bytes(flipped), bytes(body), over_coa, ba_over_coa, ba0_over_coa, ba0_over_hoa, good])
        for i in range(4):
            self.assertEqual(error_names(d[i]), ["bad_mobility_header_checksum"], i)
            self.assertFalse(d[i]["mobility"]["checksum_valid"], i)
        self.assertEqual(d[2]["mobility"]["pseudo_source"], HOA)
        self.assertEqual(d[3]["mobility"]["pseudo_destination"], HOA)
        self.assertEqual(error_names(d[4]), [])
        self.assertEqual(d[4]["mobility"]["pseudo_destination"], COA)
        self.assertEqual(error_names(d[5]), ["bad_mobility_header_checksum"])
        self.assertEqual(error_names(d[6]), [])
        # Fields are still shown when only the checksum is wrong.
        self.assertEqual(d[1]["mobility"]["sequence"], 7 ^ 0x40)

    def test_bad_header_fields(self):
        base = IPv6(src=HA, dst=HOA)
        cases = [
            (base / MIP6MH_BU(nh=6), "mobility_payload_proto_not_none"),
            (base / MIP6MH_BRR(nh=0), "mobility_payload_proto_not_none"),
            (base / MIP6MH_BU(len=10), "mobility_header_exceeds_packet"),
            (base / MIP6MH_BRR(len=1), "mobility_header_exceeds_packet"),
            (base / MIP6MH_Generic(mhtype=5, len=0, msg=b"\x00\x00"), "mobility_header_too_short_for_type"),
            (base / MIP6MH_Generic(mhtype=6, len=0, msg=b"\x00\x00"), "mobility_header_too_short_for_type"),
            (base / MIP6MH_Generic(mhtype=1, len=0, msg=b"\x00\x00"), "mobility_header_too_short_for_type"),
            (base / MIP6MH_Generic(mhtype=3, len=1, msg=b"\x00" * 10), "mobility_header_too_short_for_type"),
            (base / MIP6MH_Generic(mhtype=7, len=1, msg=b"\x00" * 10), "mobility_header_too_short_for_type"),
            (base / MIP6MH_Generic(mhtype=8, len=0, msg=b"\x00\x00"), "unknown_mobility_header_type"),
            (base / MIP6MH_Generic(mhtype=255, len=0, msg=b"\x00\x00"), "unknown_mobility_header_type"),
        ]
        # An IPv6 payload of 6 octets: less than any MH.
        short = with_payload_length(raw(base / MIP6MH_BRR())[:46], 6)
        d = decode_many([raw(p) for p, _ in cases] + [short])
        for (pkt, want), decoded in zip(cases, d):
            self.assertEqual(error_names(decoded), [want], repr(pkt))
            self.assertNotIn("mobility", decoded)
        self.assertEqual(error_names(d[-1]), ["truncated_mobility_header"])

    def test_random_corruption_never_crashes(self):
        rnd = SeededRandom(9)
        seeds = [
            self.bu_packet(),
            raw(IPv6(src=HA, dst=COA) / IPv6ExtHdrRouting(type=2, addresses=[HOA], segleft=1) / MIP6MH_BA(seq=7, mhtime=150)),
            raw(IPv6(src=CN, dst=HOA) / MIP6MH_HoT(index=3)),
        ]
        frames = []
        for _ in range(1500):
            data = bytearray(rnd.choice(seeds))
            for _ in range(rnd.randint(1, 6)):
                at = rnd.randrange(len(data))
                data[at] = rnd.randrange(256)
            if rnd.random() < 0.3:
                data = data[: rnd.randrange(len(data) + 1)]
            frames.append(bytes(data))
        decoded = decode_many(frames)  # one JSON object per frame, exit 0
        known = set()
        for d in decoded:
            for e in d["errors"]:
                self.assertTrue(e["error"] and e["description"] and e["layer"], e)
                known.add(e["error"])
        self.assertIn("bad_mobility_header_checksum", known)


class BuilderRefusals(ConformanceTest):
    """What the wire format cannot carry, roam6-build refuses with the typed error."""

    def test_refused(self):
        self.assertIn("value_out_of_range", build_fails(
            {"layer": "binding_refresh_request", "src": HA, "dst": HOA, "flow_label": 0x100000}))
        self.assertIn("above 65535", build_fails(
            {"layer": "binding_update", "src": HOA, "dst": HA, "sequence": 65536, "lifetime_units": 0}))
        self.assertIn("unknown field", build_fails(
            {"layer": "binding_update", "src": HOA, "dst": HA, "sequence": 1, "lifetime_units": 0, "lifetime": 3}))
        self.assertIn("unknown flag", build_fails(
            {"layer": "binding_ack", "src": HA, "dst": HOA, "sequence": 1, "lifetime_units": 0, "flags": ["A"]}))
        self.assertIn("unknown layer", build_fails({"layer": "fast_binding_update", "src": HA, "dst": HOA}))


if __name__ == "__main__":
    unittest.main()
