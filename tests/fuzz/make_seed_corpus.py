#!/usr/bin/python3
"""Writes the libFuzzer seed corpora, tests/fuzz/corpus/fuzz_<target>/.

Each corpus holds meaningful valid packets (what roam6 sends and receives:
Binding Updates and Acknowledgements with Home Address option, type 2 routing
header and RFC 4285 authentication, the other MH messages, ICMPv6 errors,
Neighbour Discovery, ip6ip6) and a few malformed ones (one defect each), so
the fuzzer starts from every branch a real packet takes.

The packets are laid out by hand (bytes as the RFCs draw them), independently
of roam6's builders; a few are built with scapy as a second, independent
encoder. Deterministic: running it again gives the same files.

    /usr/bin/python3 tests/fuzz/make_seed_corpus.py   # Debian's python3-scapy

Each target directory is emptied and rewritten, so a seed removed here goes
away there too. Keep each corpus small (tens of files).
"""

import ipaddress
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def addr(text):
    return ipaddress.IPv6Address(text).packed


COA = addr("2001:db8:b::2")
HA = addr("2001:db8:a::1")
HOA = addr("2001:db8:a::100")
CN = addr("2001:db8:c::5")
LL_ROUTER = addr("fe80::1")
LL_HOST = addr("fe80::5054:ff:fe12:3456")
UNSPEC = addr("::")
ALL_NODES = addr("ff02::1")
ALL_ROUTERS = addr("ff02::2")
MAC_HOST = bytes.fromhex("525400123456")
MAC_ROUTER = bytes.fromhex("525400abcdef")
PREFIX = addr("2001:db8:a::")

# IP protocol numbers and option types (RFC 8200, RFC 6275, RFC 2473).
HBH, TCP, UDP, IPV6, ROUTING, FRAGMENT, AH, ICMPV6, NONE, DSTOPT, MH = (
    0, 6, 17, 41, 43, 44, 51, 58, 59, 60, 135)
OPT_PAD1, OPT_PADN, OPT_TEL, OPT_HAO = 0, 1, 4, 201


def be16(v):
    return struct.pack("!H", v)


def be32(v):
    return struct.pack("!I", v)


def be64(v):
    return struct.pack("!Q", v)


# ---------------------------------------------------------------------------
# IPv6 and extension headers

def ipv6(next_header, src, dst, payload, hop_limit=64, tclass=0, flow=0, payload_length=None):
    if payload_length is None:
        payload_length = len(payload)
    first = (6 << 28) | (tclass << 20) | flow
    return be32(first) + be16(payload_length) + bytes([next_header, hop_limit]) + src + dst + payload


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def upper_checksum(src, dst, next_header, upper):
    pseudo = src + dst + be32(len(upper)) + b"\0\0\0" + bytes([next_header])
    return checksum(pseudo + upper)


def with_checksum(upper, at, src, dst, next_header):
    upper = bytearray(upper)
    upper[at:at + 2] = b"\0\0"
    upper[at:at + 2] = be16(upper_checksum(src, dst, next_header, bytes(upper)))
    return bytes(upper)


def pad_options(body, header_start=2):
    """Pads TLV options of a HbH/DestOpts header to a multiple of 8 octets."""
    n = (8 - (header_start + len(body)) % 8) % 8
    if n == 1:
        return body + b"\0"
    if n:
        return body + bytes([OPT_PADN, n - 2]) + bytes(n - 2)
    return body


def options_header(next_header, options):
    body = pad_options(options)
    return bytes([next_header, (2 + len(body)) // 8 - 1]) + body


def hao_header(next_header, home=HOA):
    # PadN(2) then the option at 8n+6 (RFC 6275 6.3).
    return bytes([next_header, 2, OPT_PADN, 2, 0, 0, OPT_HAO, 16]) + home


def rh2(next_header, home=HOA, segments_left=1, hdr_len=2):
    return bytes([next_header, hdr_len, 2, segments_left]) + bytes(4) + home


def hop_by_hop(next_header, options=b""):
    return options_header(next_header, options)


def fragment(next_header, offset=0, more=False, ident=0x12345678):
    return bytes([next_header, 0]) + be16((offset << 3) | (1 if more else 0)) + be32(ident)


def tunnel_limit_header(next_header, limit):
    # RFC 2473 5.1: the option and a PadN of one octet.
    return bytes([next_header, 0, OPT_TEL, 1, limit, OPT_PADN, 1, 0])


# ---------------------------------------------------------------------------
# Mobility Header (RFC 6275 6.1) with options at their "xn+y" (6.2)

MH_BRR, MH_HOTI, MH_COTI, MH_HOT, MH_COT, MH_BU, MH_BA, MH_BE = range(8)
MH_BR = 16  # RFC 5846 Binding Revocation (Indication / Acknowledgement)
MO_PAD1, MO_PADN, MO_BRA, MO_ACOA, MO_NONCE, MO_BAD = 0, 1, 2, 3, 4, 5
MO_MNID, MO_AUTH, MO_REPLAY = 8, 9, 10
MO_HNP, MO_HI, MO_ATT, MO_MNLLID, MO_LLA, MO_TS = 22, 23, 24, 25, 26, 27
ALIGN = {MO_BRA: (2, 0), MO_ACOA: (8, 6), MO_NONCE: (2, 0), MO_BAD: (8, 2),
         MO_REPLAY: (8, 2), MO_HNP: (8, 4), MO_MNLLID: (8, 0), MO_LLA: (8, 6), MO_TS: (8, 2)}


class Mh:
    def __init__(self, mh_type, fixed):
        self.b = bytearray([59, 0, mh_type, 0, 0, 0]) + fixed

    def pad(self, n):
        if n == 1:
            self.b += b"\0"
        elif n:
            self.b += bytes([MO_PADN, n - 2]) + bytes(n - 2)

    def opt(self, otype, data, align=None, pad=True):
        x, y = align or ALIGN.get(otype, (1, 0))
        if pad:
            self.pad((x + y - len(self.b) % x) % x)
        self.b += bytes([otype, len(data)]) + data
        return self

    def auth(self, subtype, spi, authenticator):
        size = 7 + len(authenticator)
        return self.opt(MO_AUTH, bytes([subtype]) + be32(spi) + authenticator, (8, (8 - size % 8) % 8))

    def raw(self, data):
        self.b += data
        return self

    def done(self, pad=True):
        if pad:
            self.pad((8 - len(self.b) % 8) % 8)
        self.b[1] = len(self.b) // 8 - 1
        return bytes(self.b)


def bu(seq=42, flags=0xC000, lifetime=150):
    return Mh(MH_BU, be16(seq) + be16(flags) + be16(lifetime))


def ba(status=0, flags=0, seq=42, lifetime=150):
    return Mh(MH_BA, bytes([status, flags]) + be16(seq) + be16(lifetime))


AUTHENTICATOR = bytes(range(0xA0, 0xAC))  # 12 octets, as HMAC_SHA1-96
NTP_TIME = 0xE8A1B2C3D4E5F607


def mh_messages():
    """(name, MH bytes) for every message type and the option mix roam6 uses."""
    m = []
    m.append(("brr", Mh(MH_BRR, be16(0)).done()))
    m.append(("hoti", Mh(MH_HOTI, be16(0) + be64(0x1122334455667788)).done()))
    m.append(("coti", Mh(MH_COTI, be16(0) + be64(0x8877665544332211)).done()))
    m.append(("hot", Mh(MH_HOT, be16(7) + be64(0x1122334455667788) + be64(0xCAFEBABEDEADBEEF)).done()))
    m.append(("cot", Mh(MH_COT, be16(9) + be64(0x8877665544332211) + be64(0x0123456789ABCDEF)).done()))
    m.append(("bu_plain", bu().done()))
    m.append(("bu_hnp", bu().opt(MO_HNP, bytes([0, 64]) + PREFIX).done()))
    m.append(("bu_auth", bu().opt(MO_REPLAY, be64(NTP_TIME)).auth(1, 0x1000, AUTHENTICATOR).done()))
    m.append(("bu_auth_mnid", bu().opt(MO_MNID, b"\x01guest-7@roam6.example")
              .opt(MO_REPLAY, be64(NTP_TIME)).auth(1, 0x1000, AUTHENTICATOR).done()))
    m.append(("bu_mnha_mnaaa", bu().opt(MO_REPLAY, be64(NTP_TIME)).auth(1, 0x1000, AUTHENTICATOR)
              .auth(2, 0x2000, bytes(range(20))).done()))
    m.append(("bu_rr", bu(flags=0x8000).opt(MO_NONCE, be16(3) + be16(4)).opt(MO_ACOA, COA)
              .opt(MO_BAD, bytes(range(12))).done()))
    m.append(("bu_delete", bu(lifetime=0).opt(MO_REPLAY, be64(NTP_TIME)).auth(1, 0x1000, AUTHENTICATOR).done()))
    m.append(("pbu", bu(flags=0x8200).opt(MO_MNID, b"\x01vm-42@site-b")
              .opt(MO_HNP, bytes([0, 64]) + PREFIX).opt(MO_HI, bytes([0, 1])).opt(MO_ATT, bytes([0, 3]))
              .opt(MO_MNLLID, bytes(2) + MAC_HOST).opt(MO_LLA, LL_ROUTER)
              .opt(MO_TS, be64(NTP_TIME)).done()))
    m.append(("bu_unknown_option", bu().opt(200, b"\x01\x02\x03").opt(MO_BRA, be16(30)).done()))
    m.append(("ba_accepted", ba().done()))
    m.append(("ba_refresh", ba().opt(MO_BRA, be16(75)).done()))
    m.append(("ba_auth", ba().opt(MO_REPLAY, be64(NTP_TIME)).auth(1, 0x1000, AUTHENTICATOR).done()))
    m.append(("ba_rejected", ba(status=146, flags=0x80, lifetime=0).done()))
    m.append(("be", Mh(MH_BE, bytes([1, 0]) + HOA).done()))
    # roam6's hand-over notice: Indication (trigger 2) naming the new care-of
    # address, and its Acknowledgement (docs/signalling.md).
    m.append(("bri", Mh(MH_BR, bytes([1, 2]) + be16(7) + bytes([0, 0])).opt(MO_REPLAY, be64(NTP_TIME))
              .opt(MO_ACOA, COA).auth(1, 0x1000, AUTHENTICATOR).done()))
    m.append(("bra", Mh(MH_BR, bytes([2, 0]) + be16(7) + bytes([0, 0])).opt(MO_REPLAY, be64(NTP_TIME))
              .auth(1, 0x1000, AUTHENTICATOR).done()))
    return m


def mh_malformed():
    m = []
    m.append(("bad_payload_proto", bytes([6]) + bu().done()[1:]))
    longer = bytearray(bu().done())
    longer[1] = 5
    m.append(("header_len_past_end", bytes(longer)))
    m.append(("unknown_type", Mh(8, be16(0)).done()))
    m.append(("too_short_for_type", bytes([59, 0, MH_HOT, 0, 0, 0, 0, 0])))
    m.append(("option_after_auth", bu().auth(1, 0x1000, AUTHENTICATOR).opt(MO_REPLAY, be64(1)).done()))
    m.append(("option_past_end", bu().raw(bytes([MO_REPLAY, 30]) + bytes(8)).done(pad=False)))
    m.append(("bad_replay_length", bu().opt(MO_REPLAY, be64(1)[:6]).done()))
    m.append(("misaligned_hnp", bu().raw(b"\0").opt(MO_HNP, bytes([0, 64]) + PREFIX, pad=False).done()))
    m.append(("auth_too_short", bu().opt(MO_AUTH, bytes([1]) + be32(0x1000), (4, 1)).done()))
    m.append(("hnp_length_200", bu().opt(MO_HNP, bytes([0, 200]) + PREFIX).done()))
    return m


def mh_packet(mh, src=COA, dst=HA, hao=None, rh2_home=None, rh2_left=1, hop_limit=64, tclass=0, flow=0):
    """IPv6 [RH2] [DestOpts+HAO] MH, with the checksum per RFC 6275 6.1.1."""
    pseudo_src = hao or src
    pseudo_dst = rh2_home if rh2_home and rh2_left else dst
    mh = with_checksum(mh, 4, pseudo_src, pseudo_dst, MH)
    chain = mh
    nh = MH
    if hao:
        chain = hao_header(nh, hao) + chain
        nh = DSTOPT
    if rh2_home:
        chain = rh2(nh, rh2_home, rh2_left) + chain
        nh = ROUTING
    return ipv6(nh, src, dst, chain, hop_limit, tclass, flow)


def four_header_bu(mh):
    """HbH, RH2, Fragment (first, atomic), DestOpts with HAO, then the MH."""
    mh = with_checksum(mh, 4, HOA, HOA, MH)  # HAO source, RH2 final destination
    chain = (hop_by_hop(ROUTING) + rh2(FRAGMENT, HOA) + fragment(DSTOPT) + hao_header(MH) + mh)
    return ipv6(HBH, COA, HA, chain)


def mobility_packets():
    msgs = dict(mh_messages())
    p = []
    p.append(("bu_hao", mh_packet(msgs["bu_hnp"], hao=HOA)))
    p.append(("bu_hao_auth", mh_packet(msgs["bu_auth"], hao=HOA)))
    p.append(("bu_hao_auth_mnid", mh_packet(msgs["bu_auth_mnid"], hao=HOA)))
    p.append(("bu_mnha_mnaaa", mh_packet(msgs["bu_mnha_mnaaa"], hao=HOA)))
    p.append(("bu_rr", mh_packet(msgs["bu_rr"], src=COA, dst=CN, hao=HOA)))
    p.append(("pbu", mh_packet(msgs["pbu"], src=COA, dst=HA, tclass=0xB8, flow=0x12345)))
    p.append(("ba_rh2", mh_packet(msgs["ba_accepted"], src=HA, dst=COA, rh2_home=HOA)))
    p.append(("ba_rh2_auth", mh_packet(msgs["ba_auth"], src=HA, dst=COA, rh2_home=HOA)))
    p.append(("ba_rh2_processed", mh_packet(msgs["ba_refresh"], src=HA, dst=HOA, rh2_home=HOA, rh2_left=0)))
    p.append(("ba_rejected", mh_packet(msgs["ba_rejected"], src=HA, dst=COA, rh2_home=HOA)))
    p.append(("brr", mh_packet(msgs["brr"], src=CN, dst=HOA)))
    p.append(("bri_rh2", mh_packet(msgs["bri"], src=HA, dst=COA, rh2_home=HOA)))
    p.append(("bra", mh_packet(msgs["bra"], src=COA, dst=HA)))
    p.append(("hoti", mh_packet(msgs["hoti"], src=HOA, dst=CN)))
    p.append(("coti", mh_packet(msgs["coti"], src=COA, dst=CN)))
    p.append(("hot", mh_packet(msgs["hot"], src=CN, dst=HOA)))
    p.append(("cot", mh_packet(msgs["cot"], src=CN, dst=COA)))
    p.append(("be", mh_packet(msgs["be"], src=HA, dst=COA)))
    p.append(("bu_four_headers", four_header_bu(msgs["bu_auth"])))
    p.append(("bu_hao_and_rh2", mh_packet(msgs["bu_unknown_option"], src=COA, dst=HA, hao=HOA, rh2_home=HOA)))
    # Malformed, one defect each.
    good = mh_packet(msgs["bu_auth"], hao=HOA)
    bad_sum = bytearray(good)
    bad_sum[-1] ^= 0x01
    p.append(("bad_checksum", bytes(bad_sum)))
    # Checksummed over the care-of address instead of the home address.
    wrong_pseudo = with_checksum(msgs["bu_auth"], 4, COA, HA, MH)
    p.append(("checksum_without_hao", ipv6(DSTOPT, COA, HA, hao_header(MH) + wrong_pseudo)))
    p.append(("later_fragment", ipv6(FRAGMENT, COA, HA, fragment(MH, offset=1) + msgs["bu_plain"])))
    p.append(("not_mh", ipv6(UDP, COA, HA, bytes(16))))
    p.append(("mh_cut", mh_packet(msgs["bu_auth"], hao=HOA)[:-16]))
    return p


def scapy_packets():
    """The same kinds of packets from scapy's independent encoder."""
    try:
        from scapy.layers.inet6 import (HAO, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting,
                                        MIP6MH_BA, MIP6MH_BU, MIP6OptBRAdvice, MIP6OptAltCoA,
                                        MIP6OptNonceIndices)
    except ImportError:
        print("scapy not found; run with Debian's /usr/bin/python3 (python3-scapy)", file=sys.stderr)
        sys.exit(1)
    p = []
    pkt = (IPv6(src="2001:db8:b::2", dst="2001:db8:a::1")
           / IPv6ExtHdrDestOpt(options=[HAO(hoa="2001:db8:a::100")])
           / MIP6MH_BU(seq=7, flags=0x30, mhtime=150, options=[MIP6OptAltCoA(acoa="2001:db8:b::2")]))
    p.append(("scapy_bu_hao", bytes(pkt)))
    pkt = (IPv6(src="2001:db8:a::1", dst="2001:db8:b::2")
           / IPv6ExtHdrRouting(type=2, addresses=["2001:db8:a::100"], segleft=1)
           / MIP6MH_BA(status=0, seq=7, mhtime=150, options=[MIP6OptBRAdvice(rinter=60)]))
    p.append(("scapy_ba_rh2", bytes(pkt)))
    pkt = (IPv6(src="2001:db8:b::2", dst="2001:db8:c::5")
           / IPv6ExtHdrDestOpt(options=[HAO(hoa="2001:db8:a::100")])
           / MIP6MH_BU(seq=8, flags=0x00, mhtime=10, options=[MIP6OptNonceIndices(olen=4, hni=1, coni=2)]))  # scapy defaults olen to 16
    p.append(("scapy_bu_nonces", bytes(pkt)))
    return p


# ---------------------------------------------------------------------------
# ICMPv6 and Neighbour Discovery (RFC 4443, RFC 4861)

def icmp_packet(icmp, src, dst, hop_limit=64, before=b"", first_nh=ICMPV6):
    icmp = with_checksum(icmp, 2, src, dst, ICMPV6)
    return ipv6(first_nh, src, dst, before + icmp, hop_limit)


def icmp_packets():
    bu_packet = dict(mobility_packets())["bu_hao_auth"]
    p = []
    p.append(("echo_request", icmp_packet(bytes([128, 0, 0, 0]) + be16(0x1234) + be16(1) + b"roam6 ping", CN, HOA)))
    p.append(("echo_reply", icmp_packet(bytes([129, 0, 0, 0]) + be16(0x1234) + be16(1) + b"roam6 ping", HOA, CN)))
    p.append(("dest_unreach_bu", icmp_packet(bytes([1, 3, 0, 0]) + bytes(4) + bu_packet, HA, COA)))
    p.append(("packet_too_big", icmp_packet(bytes([2, 0, 0, 0]) + be32(1280) + bu_packet, HA, COA)))
    p.append(("packet_too_big_low_mtu", icmp_packet(bytes([2, 0, 0, 0]) + be32(576) + bu_packet[:64], HA, COA)))
    p.append(("time_exceeded", icmp_packet(bytes([3, 0, 0, 0]) + bytes(4) + bu_packet[:48], HA, COA)))
    p.append(("param_problem", icmp_packet(bytes([4, 2, 0, 0]) + be32(42) + bu_packet, HA, COA)))
    # An echo to the home address via the Home Address option: the pseudo
    # source is the home address (RFC 6275 6.3).
    echo = with_checksum(bytes([128, 0, 0, 0]) + be16(7) + be16(2), 2, HOA, CN, ICMPV6)
    p.append(("echo_behind_hao", ipv6(DSTOPT, COA, CN, hao_header(ICMPV6) + echo)))
    # Malformed
    p.append(("truncated", ipv6(ICMPV6, CN, HOA, bytes([128, 0]))))
    bad = bytearray(icmp_packet(bytes([128, 0, 0, 0]) + be16(1) + be16(1), CN, HOA))
    bad[-1] ^= 0xFF
    p.append(("bad_checksum", bytes(bad)))
    p.append(("error_too_short", icmp_packet(bytes([1, 0, 0, 0, 0]), HA, COA)))
    p.append(("raw_message_echo", bytes([128, 0, 0, 0]) + be16(1) + be16(2) + b"data"))
    return p


def lla_option(otype, mac):
    return bytes([otype, 1]) + mac


def prefix_option(prefix, length=64, flags=0xC0, valid=2592000, preferred=604800):
    return bytes([3, 4, length, flags]) + be32(valid) + be32(preferred) + bytes(4) + prefix


def mtu_option(mtu):
    return bytes([5, 1, 0, 0]) + be32(mtu)


def rs(src=LL_HOST, options=b""):
    return icmp_packet(bytes([133, 0, 0, 0]) + bytes(4) + options, src, ALL_ROUTERS, 255)


def ra(src=LL_ROUTER, dst=ALL_NODES, options=b"", hop=64, flags=0, lifetime=1800, reach=0, retrans=0, hop_limit=255):
    body = bytes([134, 0, 0, 0, hop, flags]) + be16(lifetime) + be32(reach) + be32(retrans) + options
    return icmp_packet(body, src, dst, hop_limit)


def solicited_node(target):
    return addr("ff02::1:ff00:0")[:13] + target[13:]


def ns(src, dst, target, options=b"", code=0):
    return icmp_packet(bytes([135, code, 0, 0]) + bytes(4) + target + options, src, dst, 255)


def na(src, dst, target, flags=0x20, options=b""):
    return icmp_packet(bytes([136, 0, 0, 0, flags, 0, 0, 0]) + target + options, src, dst, 255)


def nd_packets():
    p = []
    p.append(("rs", rs()))
    p.append(("rs_sllao", rs(options=lla_option(1, MAC_HOST))))
    p.append(("rs_unspecified", rs(src=UNSPEC)))
    p.append(("ra_home_link", ra(options=lla_option(1, MAC_ROUTER) + mtu_option(1500) + prefix_option(PREFIX))))
    p.append(("ra_managed_two_prefixes", ra(flags=0xC8, reach=30000, retrans=1000,
                                            options=prefix_option(PREFIX) +
                                            prefix_option(addr("2001:db8:b::"), 48, 0x80, 0xFFFFFFFF, 0xFFFFFFFF))))
    p.append(("ra_nine_prefixes", ra(options=b"".join(
        prefix_option(addr("2001:db8:%x::" % i)) for i in range(9)))))
    p.append(("ra_unknown_option", ra(options=bytes([25, 3]) + bytes(22) + lla_option(1, MAC_ROUTER))))
    p.append(("ns_resolution", ns(LL_HOST, solicited_node(HOA), HOA, lla_option(1, MAC_HOST))))
    p.append(("ns_dad", ns(UNSPEC, solicited_node(HOA), HOA)))
    p.append(("ns_unicast_probe", ns(LL_ROUTER, HOA, HOA)))
    p.append(("na_solicited", na(LL_ROUTER, LL_HOST, HOA, 0xE0, lla_option(2, MAC_ROUTER))))
    p.append(("na_unsolicited", na(HOA, ALL_NODES, HOA, 0x20, lla_option(2, MAC_HOST))))
    # Malformed, one defect each.
    p.append(("ra_hop_limit_64", ra(hop_limit=64)))
    p.append(("ns_code_1", ns(LL_HOST, solicited_node(HOA), HOA, code=1)))
    p.append(("ns_zero_length_option", ns(LL_HOST, solicited_node(HOA), HOA, bytes([1, 0]) + MAC_HOST)))
    p.append(("ns_multicast_target", ns(LL_HOST, solicited_node(HOA), ALL_NODES)))
    p.append(("ns_dad_with_sllao", ns(UNSPEC, solicited_node(HOA), HOA, lla_option(1, MAC_HOST))))
    p.append(("na_solicited_to_multicast", na(LL_ROUTER, ALL_NODES, HOA, 0x40)))
    p.append(("ra_global_source", ra(src=HA)))
    p.append(("ra_prefix_length_129", ra(options=prefix_option(PREFIX, 129))))
    p.append(("ra_preferred_above_valid", ra(options=prefix_option(PREFIX, 64, 0xC0, 100, 200))))
    p.append(("rs_truncated", rs()[:44]))
    return p


def nd_option_sequences():
    o = []
    o.append(("sllao", lla_option(1, MAC_HOST)))
    o.append(("tllao", lla_option(2, MAC_ROUTER)))
    o.append(("prefix", prefix_option(PREFIX)))
    o.append(("mtu", mtu_option(1500)))
    o.append(("ra_options", lla_option(1, MAC_ROUTER) + mtu_option(9000) + prefix_option(PREFIX) +
              prefix_option(addr("2001:db8:b::"), 56, 0x40)))
    o.append(("redirected_header", bytes([4, 2]) + bytes(6) + bytes(8)))
    o.append(("unknown_type", bytes([31, 1]) + bytes(6)))
    o.append(("zero_length", bytes([1, 0]) + MAC_HOST))
    o.append(("past_end", bytes([3, 4]) + bytes(14)))
    o.append(("truncated_header", lla_option(1, MAC_HOST) + b"\x01"))
    o.append(("lla_two_units", bytes([1, 2]) + MAC_HOST + bytes(8)))
    o.append(("prefix_length_200", prefix_option(PREFIX, 200)))
    o.append(("empty", b""))
    return o


# ---------------------------------------------------------------------------
# IPv6-in-IPv6 (RFC 2473)

def udp_packet(src=HOA, dst=CN, hop_limit=64, tclass=0, flow=0, size=24):
    udp = be16(5000) + be16(53) + be16(8 + size) + be16(0) + bytes(i & 0xFF for i in range(size))
    return ipv6(UDP, src, dst, udp, hop_limit, tclass, flow)


def inner_packets():
    p = []
    p.append(("udp", udp_packet()))
    p.append(("udp_flow_label", udp_packet(tclass=0x2E << 2 | 1, flow=0xBEEF5)))
    p.append(("echo", icmp_packet(bytes([128, 0, 0, 0]) + be16(9) + be16(9) + bytes(56), HOA, CN)))
    p.append(("bu", dict(mobility_packets())["bu_hao_auth"]))
    p.append(("with_limit_3", ipv6(DSTOPT, HOA, CN, tunnel_limit_header(UDP, 3) + bytes(16))))
    p.append(("with_limit_0", ipv6(DSTOPT, HOA, CN, tunnel_limit_header(UDP, 0) + bytes(16))))
    p.append(("hop_limit_1", udp_packet(hop_limit=1)))
    p.append(("hop_limit_2", udp_packet(hop_limit=2)))
    p.append(("link_padding", udp_packet() + bytes(6)))
    p.append(("large_1400", udp_packet(size=1352)))
    p.append(("limit_after_hbh", ipv6(HBH, HOA, CN, hop_by_hop(DSTOPT) + tunnel_limit_header(NONE, 2))))
    p.append(("bad_limit_length", ipv6(DSTOPT, HOA, CN, bytes([UDP, 0, OPT_TEL, 2, 1, 0, OPT_PAD1, OPT_PAD1]) + bytes(8))))
    p.append(("later_fragment", ipv6(FRAGMENT, HOA, CN, fragment(DSTOPT, offset=8) + tunnel_limit_header(UDP, 0))))
    p.append(("truncated", udp_packet()[:30]))
    return p


def tunnelled(inner, src=HA, dst=COA, limit=None, hop_limit=64, tclass=0):
    if limit is None:
        return ipv6(IPV6, src, dst, inner, hop_limit, tclass)
    return ipv6(DSTOPT, src, dst, tunnel_limit_header(IPV6, limit) + inner, hop_limit, tclass)


def tunnel_packets():
    inner = dict(inner_packets())
    p = []
    p.append(("udp", tunnelled(inner["udp"])))
    p.append(("udp_limit_3", tunnelled(inner["udp"], limit=3)))
    p.append(("bu_inside", tunnelled(inner["bu"], src=COA, dst=HA)))
    p.append(("ecn_ce", tunnelled(inner["udp_flow_label"], tclass=0x03)))
    p.append(("nested", tunnelled(tunnelled(inner["echo"], limit=1), src=COA, dst=HA, limit=0)))
    p.append(("inner_padding", tunnelled(inner["link_padding"])))
    # Malformed / refused
    p.append(("fragmented", ipv6(FRAGMENT, HA, COA, fragment(IPV6, more=True) + inner["udp"])))
    p.append(("not_ip6ip6", inner["udp"]))
    p.append(("inner_truncated", tunnelled(inner["udp"][:36])))
    p.append(("inner_length_too_long", tunnelled(inner["udp"][:4] + be16(200) + inner["udp"][6:])))
    p.append(("inner_ipv4", tunnelled(bytes([0x45]) + bytes(39))))
    p.append(("outer_unknown_option", ipv6(DSTOPT, HA, COA, options_header(IPV6, bytes([0xC2, 2, 0, 0])) + inner["udp"])))
    return p


# ---------------------------------------------------------------------------
# Ethernet (Ethernet II, at most one 802.1Q tag)

def eth(dst, src, ethertype, payload, vlan=None):
    tag = be16(0x8100) + be16(vlan) if vlan is not None else b""
    return dst + src + tag + be16(ethertype) + payload


def ethernet_frames():
    bu = dict(mobility_packets())["bu_hao_auth"]
    nd = dict(nd_packets())
    f = []
    f.append(("ipv6_bu", eth(MAC_ROUTER, MAC_HOST, 0x86DD, bu)))
    f.append(("vlan_ns", eth(bytes.fromhex("3333ff000100"), MAC_HOST, 0x86DD, nd["ns_resolution"], vlan=0x0064)))
    f.append(("vlan_priority_ra", eth(bytes.fromhex("333300000001"), MAC_ROUTER, 0x86DD, nd["ra_home_link"], vlan=0xA000)))
    f.append(("rarp_announce", eth(b"\xff" * 6, MAC_HOST, 0x8035, bytes.fromhex("0001080006040003") + MAC_HOST + bytes(4) + MAC_HOST + bytes(4))))
    f.append(("arp", eth(b"\xff" * 6, MAC_HOST, 0x0806, bytes(28))))
    f.append(("ipv6_padded", eth(MAC_ROUTER, MAC_HOST, 0x86DD, udp_packet() + bytes(10))))
    f.append(("header_only", eth(MAC_ROUTER, MAC_HOST, 0x86DD, b"")))
    f.append(("truncated_header", eth(MAC_ROUTER, MAC_HOST, 0x86DD, b"")[:13]))
    f.append(("truncated_vlan", eth(MAC_ROUTER, MAC_HOST, 0x86DD, b"", vlan=5)[:16]))
    f.append(("ipv6_truncated", eth(MAC_ROUTER, MAC_HOST, 0x86DD, bu[:30])))
    return f


# ---------------------------------------------------------------------------
# Extension-header chains

def chain_packets():
    c = []
    mp = dict(mobility_packets())
    c.append(("udp", udp_packet()))
    c.append(("bu_hao", mp["bu_hao_auth"]))
    c.append(("ba_rh2", mp["ba_rh2_auth"]))
    c.append(("four_headers", mp["bu_four_headers"]))
    c.append(("later_fragment", mp["later_fragment"]))
    c.append(("first_fragment", ipv6(FRAGMENT, HOA, CN, fragment(UDP, more=True) + bytes(16))))
    c.append(("ah", ipv6(AH, HOA, CN, bytes([UDP, 4, 0, 0]) + be32(0x100) + be32(1) + bytes(12) + bytes(8))))
    c.append(("esp", ipv6(50, HOA, CN, be32(0x100) + be32(1) + bytes(16))))
    c.append(("hbh_router_alert", ipv6(HBH, HOA, CN, hop_by_hop(ICMPV6, bytes([5, 2, 0, 0])) + bytes(8))))
    c.append(("unknown_option_discard", ipv6(DSTOPT, HOA, CN, options_header(UDP, bytes([0x82, 1, 0])) + bytes(8))))
    c.append(("routing_type0_segments", ipv6(ROUTING, HOA, CN, bytes([UDP, 2, 0, 1]) + bytes(4) + CN + bytes(8))))
    c.append(("routing_type3_done", ipv6(ROUTING, HOA, CN, bytes([UDP, 0, 3, 0]) + bytes(4))))
    c.append(("tunnel_limit", tunnelled(udp_packet(), limit=4)))
    c.append(("ip6ip6", tunnelled(udp_packet())))
    c.append(("no_next_header", ipv6(NONE, HOA, CN, b"")))
    # Malformed, one defect each.
    c.append(("jumbogram", ipv6(HBH, HOA, CN, bytes([UDP, 0, 0xC2, 4]) + be32(70000), payload_length=0)))
    c.append(("version_4", bytes([0x45]) + udp_packet()[1:]))
    c.append(("payload_past_end", udp_packet()[:-4]))
    c.append(("chain_too_long", ipv6(DSTOPT, HOA, CN, b"".join(
        options_header(DSTOPT if i < 8 else UDP, b"") for i in range(9)) + bytes(8))))
    c.append(("hbh_not_first", ipv6(DSTOPT, HOA, CN, options_header(HBH, b"") + hop_by_hop(UDP) + bytes(8))))
    c.append(("truncated_header", ipv6(DSTOPT, HOA, CN, bytes([UDP, 0, 1, 4]))))
    c.append(("header_past_payload", ipv6(DSTOPT, HOA, CN, bytes([UDP, 3, 1, 4]) + bytes(4))))
    c.append(("option_past_header", ipv6(DSTOPT, HOA, CN, bytes([UDP, 0, 1, 9]) + bytes(4))))
    c.append(("hao_length_8", ipv6(DSTOPT, COA, HA, bytes([MH, 1, 1, 4, 0, 0, 0, 0, OPT_HAO, 6]) + bytes(6))))
    c.append(("hao_twice", ipv6(DSTOPT, COA, HA, bytes([MH, 4, OPT_PADN, 2, 0, 0, OPT_HAO, 16]) + HOA +
                                bytes([OPT_PADN, 4, 0, 0, 0, 0, OPT_HAO, 16]) + HOA)))
    c.append(("rh2_length_4", ipv6(ROUTING, HA, COA, rh2(MH, hdr_len=4) + bytes(16))))
    c.append(("rh2_segments_2", ipv6(ROUTING, HA, COA, rh2(MH, segments_left=2))))
    c.append(("fragment_truncated", ipv6(FRAGMENT, HOA, CN, fragment(UDP)[:6])))
    return c


# ---------------------------------------------------------------------------

def auth_inputs():
    """mobility_auth_input: a 16-bit option offset, then the MH."""
    msgs = dict(mh_messages())
    out = []
    for name in ("bu_auth", "bu_auth_mnid", "bu_mnha_mnaaa", "ba_auth", "bu_delete"):
        mh = msgs[name]
        offsets = [i for i in range(6, len(mh) - 1) if mh[i] == MO_AUTH and mh[i + 1] >= 6]
        # The first plausible one is the real option in these messages.
        out.append((name, be16(offsets[0]) + mh))
    mh = msgs["bu_auth"]
    out.append(("offset_in_base_header", be16(2) + mh))
    out.append(("offset_past_end", be16(len(mh) + 3) + mh))
    out.append(("offset_not_auth", be16(12) + mh))
    out.append(("cut_inside_option", be16(28) + mh[:34]))
    out.append(("bu_no_auth", be16(12) + msgs["bu_hnp"]))
    return out


# ---------------------------------------------------------------------------
# Datapath pipelines: one byte for the path (0 host from guests, 1 host from
# the uplink, 2 Home Agent, 3 host from guests and 4 Home Agent on a 1280-octet
# link), then an Ethernet frame, with the addresses
# fuzz_datapath_pipelines.cpp programs into its table.

def datapath_frames():
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.all import ARP, Ether, raw
    from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6ND_RS, IPerror6,
                                    IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                    IPv6ExtHdrRouting, MIP6MH_BA, MIP6MH_BRR, UDP, fragment6)
    g1, g2, g3, g4 = "52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:03", "52:54:00:00:00:04"
    router, uplink, ha_mac, site_router = "02:00:00:00:0a:01", "02:00:00:00:0b:02", "02:00:00:00:0a:99", "02:00:00:00:0b:01"
    hoa1, hoa2, hoa4, cn = "2001:db8:a::100", "2001:db8:a::200", "2001:db8:a::400", "2001:db8:c0::10"
    ha, coa = "2001:db8:a::1", "2001:db8:b::2"
    seeds = [
        ("host_guest_udp", 0, Ether(src=g1, dst=router) / IPv6(src=hoa1, dst=cn, tc=0x22) / UDP(sport=1, dport=9) / (b"x" * 20)),
        ("host_guest_big", 0, Ether(src=g1, dst=router) / IPv6(src=hoa1, dst=cn) / UDP() / (b"x" * 1400)),
        ("host_guest_ext", 0, Ether(src=g1, dst=router) / IPv6(src=hoa1, dst=cn) / IPv6ExtHdrDestOpt() / UDP() / (b"x" * 8)),
        ("host_guest_ns", 0, Ether(src=g1, dst="33:33:ff:00:00:01") / IPv6(src="fe80::5054:ff:fe00:1", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="fe80::1")),
        ("host_guest_rs", 0, Ether(src=g1, dst="33:33:00:00:00:02") / IPv6(src="fe80::5054:ff:fe00:1", dst="ff02::2", hlim=255) / ICMPv6ND_RS()),
        ("host_arriving", 0, Ether(src=g2, dst=router) / IPv6(src=hoa2, dst=cn) / UDP() / (b"y" * 8)),
        ("host_at_home", 0, Ether(src=g3, dst=router) / IPv6(src="2001:db8:b::300", dst=cn) / UDP() / (b"z" * 8)),
        ("host_awaiting_binding", 0, Ether(src=g4, dst=router) / IPv6(src=hoa4, dst=cn) / UDP() / (b"w" * 8)),
        ("host_other_address", 0, Ether(src=g1, dst=router) / IPv6(src="2001:db8:a::1:100", dst=cn) / UDP() / (b"s" * 8)),
        ("host_unknown_source", 0, Ether(src=g1, dst=router) / IPv6(src="2001:db8:a::77", dst=cn) / UDP() / (b"u" * 8)),
        ("host_uplink_other_address", 1, Ether(src=site_router, dst=uplink) / IPv6(src=ha, dst=coa) / IPv6(src=cn, dst="2001:db8:a::1:100") / UDP() / (b"o" * 8)),
        ("host_rarp", 0, Ether(src=g2, dst="ff:ff:ff:ff:ff:ff", type=0x8035) / raw(ARP(op=3, hwsrc=g2, hwdst=g2))),
        ("host_uplink_tunnel", 1, Ether(src=site_router, dst=uplink) / IPv6(src=ha, dst=coa, tc=3) / IPv6(src=cn, dst=hoa1, tc=2) / UDP() / (b"t" * 16)),
        ("host_uplink_tunnel_arriving", 1, Ether(src=site_router, dst=uplink) / IPv6(src=ha, dst=coa) / IPv6(src=cn, dst=hoa2) / UDP() / (b"t" * 16)),
        ("host_uplink_tunnel_ext", 1, Ether(src=site_router, dst=uplink) / IPv6(src=ha, dst=coa) / IPv6ExtHdrDestOpt() / IPv6(src=cn, dst=hoa1) / UDP()),
        ("host_uplink_ba", 1, Ether(src=site_router, dst=uplink) / IPv6(src=ha, dst=coa) / IPv6ExtHdrRouting(type=2, addresses=[hoa1]) / MIP6MH_BA()),
        ("host_uplink_ns", 1, Ether(src=site_router, dst="33:33:ff:00:00:02") / IPv6(src="fe80::cc", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt=coa)),
        ("ha_to_hoa", 2, Ether(src=router, dst=ha_mac) / IPv6(src=cn, dst=hoa1) / ICMPv6EchoRequest()),
        ("ha_tunnel_in", 2, Ether(src=router, dst=ha_mac) / IPv6(src=coa, dst=ha) / IPv6(src=hoa1, dst=cn) / UDP() / (b"u" * 10)),
        ("ha_tunnel_hairpin", 2, Ether(src=router, dst=ha_mac) / IPv6(src=coa, dst=ha) / IPv6(src=hoa1, dst="2001:db8:a::101") / UDP() / (b"u" * 10)),
        ("ha_hbh", 2, Ether(src=router, dst=ha_mac) / IPv6(src=cn, dst=hoa1) / IPv6ExtHdrHopByHop() / UDP()),
        ("ha_ns", 2, Ether(src=router, dst="33:33:ff:00:01:00") / IPv6(src="fe80::1", dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=hoa1)),
        # ICMPv6 errors: hop limit at the entry and the exit, encapsulation
        # limit 0, and an error that must not be answered.
        ("host_guest_hop_limit_1", 0, Ether(src=g1, dst=router) / IPv6(src=hoa1, dst=cn, hlim=1) / UDP() / (b"h" * 8)),
        ("host_guest_tel0", 0, Ether(src=g1, dst=router) / IPv6(src=hoa1, dst=cn) / raw(bytes([17, 0, 4, 1, 0, 1, 1, 0])) / UDP() / (b"l" * 8)),
        ("host_guest_error_hop_limit_1", 0, Ether(src=g1, dst=router) / IPv6(src=hoa1, dst=cn, hlim=1) / ICMPv6DestUnreach() / IPerror6(src=cn, dst=hoa1) / UDP()),
        ("host_uplink_tunnel_hop_limit_0", 1, Ether(src=site_router, dst=uplink) / IPv6(src=ha, dst=coa) / IPv6(src=cn, dst=hoa1, hlim=0) / UDP() / (b"z" * 8)),
        ("host_uplink_tunnelled_brr", 1, Ether(src=site_router, dst=uplink) / IPv6(src=ha, dst=coa) / IPv6(src=ha, dst=hoa1) / MIP6MH_BRR()),
        ("ha_to_hoa_hop_limit_1", 2, Ether(src=router, dst=ha_mac) / IPv6(src=cn, dst=hoa1, hlim=1) / UDP() / (b"h" * 8)),
        ("ha_tunnel_hop_limit_0", 2, Ether(src=router, dst=ha_mac) / IPv6(src=coa, dst=ha) / IPv6(src=hoa1, dst=cn, hlim=0) / UDP()),
        ("ha_tunnel_hairpin_hop_limit_1", 2, Ether(src=router, dst=ha_mac) / IPv6(src=coa, dst=ha) / IPv6(src=hoa1, dst="2001:db8:a::101", hlim=1) / UDP()),
        # Outer fragmentation (RFC 2473 7.1) on a 1280-octet link.
        ("small_mtu_host_guest_1280", 3, Ether(src=g1, dst=router) / IPv6(src=hoa1, dst=cn) / UDP() / (b"f" * 1232)),
        ("small_mtu_ha_to_hoa_1280", 4, Ether(src=router, dst=ha_mac) / IPv6(src=cn, dst=hoa1) / UDP() / (b"f" * 1232)),
    ]
    # Reassembly: fragments of tunnel packets addressed to us.
    to_coa = (IPv6(src=ha, dst=coa, nh=44) / IPv6ExtHdrFragment(id=7) / IPv6(src=cn, dst=hoa1) / UDP() / (b"r" * 1200))
    for n, f in enumerate(fragment6(to_coa, 640)):
        seeds.append(("host_uplink_fragment_%d" % n, 1, Ether(src=site_router, dst=uplink) / f))
    to_ha = (IPv6(src=coa, dst=ha, nh=44) / IPv6ExtHdrFragment(id=8) / IPv6(src=hoa1, dst=cn) / UDP() / (b"r" * 1200))
    for n, f in enumerate(fragment6(to_ha, 640)):
        seeds.append(("ha_fragment_%d" % n, 2, Ether(src=router, dst=ha_mac) / f))
    return [(name, bytes([path]) + raw(frame)) for name, path, frame in seeds]


# ---------------------------------------------------------------------------
# fuzz_mip6d_home_agent_bu, frames mode: whole home-link frames to a fresh
# Home Agent (the target's configuration), with real RFC 4285 signatures and
# timestamps on the simulated clock, so the fuzzer starts from BUs the Home
# Agent takes, refuses as replays, or must never answer.

FUZZ_HA_MAC = bytes.fromhex("02000000" "0a99")
FUZZ_ROUTER_MAC = bytes.fromhex("02000000" "0a01")
FUZZ_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")  # SPI 1001, HMAC-SHA1-96 (the default)
SIM_WALL_ORIGIN = 1767225600  # SimulatedScheduler: 2026-01-01T00:00:00Z when a test starts
NTP_UNIX_OFFSET = 2208988800


def sim_ntp(seconds):
    """RFC 4285 6 timestamp `seconds` after the simulated clock's origin."""
    whole = int(seconds)
    fraction = int((seconds - whole) * (1 << 32)) & 0xFFFFFFFF
    return ((SIM_WALL_ORIGIN + whole + NTP_UNIX_OFFSET) << 32) | fraction


def signed_bu_frame(coa, hoa, seq, units, at, flags=0xC000, mnid=None, in_front=b"", first_nh=None):
    """A BU from `coa` for `hoa` signed as RFC 4285 5.1 says: HMAC-SHA1-96
    over care-of | home | MH through the SPI (checksum zero)."""
    import hashlib
    import hmac
    m = bu(seq, flags, units)
    if mnid is not None:
        m.opt(MO_MNID, mnid)
    m.opt(MO_REPLAY, be64(sim_ntp(at)))
    m.auth(1, 1001, bytes(12))
    mh = bytearray(m.done())
    mh[-12:] = hmac.new(FUZZ_KEY, coa + hoa + bytes(mh[:-12]), hashlib.sha1).digest()[:12]
    mh = with_checksum(bytes(mh), 4, hoa, HA, MH)
    chain = in_front + hao_header(MH, hoa) + mh
    packet = ipv6(first_nh if in_front else DSTOPT, coa, HA, chain)
    return FUZZ_HA_MAC + FUZZ_ROUTER_MAC + be16(0x86DD) + packet


def frames_input(*records):
    """Mode byte 1, then [length][seconds to wait][frame] records."""
    out = bytearray([1])
    for frame, wait in records:
        out += be16(len(frame)) + bytes([wait]) + frame
    return bytes(out)


def home_agent_bu_inputs():
    b2, b3 = addr("2001:db8:b::2"), addr("2001:db8:b::3")
    hoa = addr("2001:db8:a::100")
    first = signed_bu_frame(b2, hoa, 1, 150, 0)
    seeds = [
        ("fields", bytes([0]) + bytes(range(64))),
        ("register", frames_input((first, 1))),
        # RFC 4285 6: the memory of the last timestamp outlives the binding.
        ("replay_at_once", frames_input((first, 1), (first, 0))),
        ("replay_after_deregistration", frames_input(
            (first, 1), (signed_bu_frame(b2, hoa, 2, 0, 1), 1), (first, 0))),
        ("replay_after_expiry", frames_input((signed_bu_frame(b2, hoa, 1, 1, 0), 5),
                                              (signed_bu_frame(b2, hoa, 1, 1, 0), 0))),
        ("replay_from_an_earlier_care_of_address", frames_input(
            (first, 1), (signed_bu_frame(b3, hoa, 2, 150, 1), 1), (signed_bu_frame(b3, hoa, 3, 0, 2), 1),
            (first, 0))),
        ("lagging_clock_from_another_care_of_address", frames_input(
            (signed_bu_frame(b2, hoa, 1, 150, 3), 0), (signed_bu_frame(b3, hoa, 2, 150, 1), 0))),
        ("mobile_node_identity", frames_input(
            (signed_bu_frame(b2, hoa, 1, 150, 2, mnid=b"\x01g1@site-a"), 0),
            (signed_bu_frame(b2, addr("2001:db8:a::101"), 1, 150, 1, mnid=b"\x01g1@site-a"), 0))),
        # RFC 4291: addresses no node owns are never bound nor answered.
        ("unbindable_home_addresses", frames_input(*[
            (signed_bu_frame(b2, addr(a), 1, 150, 0), 0)
            for a in ("ff02::1", "::", "::1", "fe80::100", "::ffff:192.0.2.7")])),
        ("reserved_home_addresses", frames_input(*[
            (signed_bu_frame(b2, addr(a), 1, 150, 0), 0)
            for a in ("2001:db8:a::1", "2001:db8:a::", "2001:db8:a:0:fdff:ffff:ffff:fffe")])),
        ("unusable_sources", frames_input(*[
            (signed_bu_frame(addr(a), hoa, 1, 150, 0), 0) for a in ("fe80::2", "ff02::2", "::")])),
        # RFC 8200 4.2 / 4.4 in front of a good BU.
        ("hop_by_hop_action_10", frames_input(
            (signed_bu_frame(b2, hoa, 1, 150, 0, in_front=hop_by_hop(DSTOPT, bytes([0x9E, 2, 0, 0])),
                             first_nh=HBH), 0))),
        ("hop_by_hop_action_00", frames_input(
            (signed_bu_frame(b2, hoa, 1, 150, 0, in_front=hop_by_hop(DSTOPT, bytes([0x1E, 2, 0, 0])),
                             first_nh=HBH), 0))),
        ("routing_type_0_segments_left", frames_input(
            (signed_bu_frame(b2, hoa, 1, 150, 0, in_front=bytes([DSTOPT, 2, 0, 1, 0, 0, 0, 0]) + HA,
                             first_nh=ROUTING), 0))),
    ]
    return seeds


def write_corpus(target, seeds):
    d = os.path.join(CORPUS, target)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    names = set()
    for name, data in seeds:
        assert name not in names, (target, name)
        names.add(name)
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(data)
    print("%-34s %3d seeds" % (target, len(seeds)))


def main():
    mh_valid = mh_messages()
    mh_bad = [("bad_" + n, b) for n, b in mh_malformed()]
    packets = mobility_packets() + scapy_packets()
    nd = nd_packets()
    write_corpus("fuzz_ethernet", ethernet_frames())
    write_corpus("fuzz_ipv6_chain", chain_packets())
    write_corpus("fuzz_mobility_header", mh_valid + mh_bad)
    write_corpus("fuzz_mobility_roundtrip", mh_valid + mh_bad[-2:])
    write_corpus("fuzz_mobility_packet", packets)
    write_corpus("fuzz_mobility_packet_roundtrip", packets)
    write_corpus("fuzz_mobility_auth", auth_inputs())
    write_corpus("fuzz_icmpv6", icmp_packets())
    write_corpus("fuzz_nd", nd)
    write_corpus("fuzz_nd_roundtrip", nd)
    write_corpus("fuzz_nd_options", nd_option_sequences())
    write_corpus("fuzz_tunnel_decapsulate", tunnel_packets())
    write_corpus("fuzz_tunnel_encapsulate", inner_packets())
    write_corpus("fuzz_datapath_pipelines", datapath_frames())
    write_corpus("fuzz_mip6d_home_agent_bu", home_agent_bu_inputs())


if __name__ == "__main__":
    main()
