#!/usr/bin/python3
"""Writes the demo capture: a guest VM that live-migrated to site B, seen on
the wire at site B.

  1-4  home-link emulation: the guest's Router Solicitation and the Router
       Advertisement of its (emulated) home router; the guest resolving the
       router with Neighbour Solicitation / Advertisement
  5    Binding Update, host -> Home Agent: from the care-of address, Home
       Address option, Replay Protection and MN-HA Mobility Message
       Authentication (RFC 4285, HMAC_SHA1-96 over a demo key)
  6    Binding Acknowledgement, Home Agent -> host: type 2 routing header,
       Binding Refresh Advice, Replay Protection, MN-HA authentication
  7-8  data through the ip6ip6 tunnel (RFC 2473): a correspondent's echo
       request to the guest's home address, and the guest's reply

Built with scapy only (an independent implementation; roam6-decode reads it).

usage: make_demo_capture.py [OUTPUT.pcap]   (default build/demo/bu-ba-exchange.pcap)
"""

import hashlib
import hmac
import logging
import os
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import Ether, raw, wrpcap  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    HAO,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrRouting,
    MIP6MH_BA,
    MIP6MH_BU,
    MIP6OptBRAdvice,
    MIP6OptMsgAuth,
    MIP6OptReplayProtection,
)

HOME_PREFIX = "2001:db8:a::"
HOME_ADDRESS = "2001:db8:a::100"  # the guest's, kept across the migration
HOME_AGENT = "2001:db8:a::1"
CARE_OF = "2001:db8:b::100"  # the host at site B that now runs the guest
CORRESPONDENT = "2001:db8:c::1"
GUEST_LL = "fe80::5054:ff:fe12:3456"
HOME_ROUTER_LL = "fe80::1"

GUEST_MAC = "52:54:00:12:34:56"
HOME_ROUTER_MAC = "52:54:00:0a:00:01"  # emulated at site B
HOST_MAC = "52:54:00:0b:00:64"
SITE_ROUTER_MAC = "52:54:00:0b:00:01"

SPI = 1001
DEMO_KEY = b"roam6 demo key, not a secret"
# RFC 4285 6: an NTP-format timestamp (seconds since 1900 in the high 32 bits).
NTP_TIMESTAMP = (3_913_056_000 << 32) | 0x4000_0000
SEQUENCE = 7


def authenticate(pkt, mh_class, care_of, home):
    """Fills in the MN-HA authenticator (RFC 4285 5.1):
    First(96, HMAC_SHA1(key, care-of | home | MH through the SPI, checksum 0))."""
    pkt = IPv6(raw(pkt))
    mh = bytearray(raw(pkt[mh_class]))
    mh[4:6] = b"\x00\x00"
    auth_at = len(mh) - len(raw(pkt[MIP6OptMsgAuth]))
    covered = bytes(mh[: auth_at + 7])  # type, length, subtype, SPI
    mac = hmac.new(DEMO_KEY, bytes.fromhex(ipv6_hex(care_of) + ipv6_hex(home)) + covered, hashlib.sha1)
    pkt[MIP6OptMsgAuth].authdata = mac.digest()[:12]
    pkt[mh_class].cksum = None  # scapy recomputes it over the final bytes...
    if IPv6ExtHdrDestOpt in pkt:
        # ...but its in6_chksum uses the home address (RFC 6275 6.1.1) only
        # when the HAO is alone in its header: drop the parsed-back PadN,
        # scapy's autopad writes it again.
        pkt[IPv6ExtHdrDestOpt].options = [o for o in pkt[IPv6ExtHdrDestOpt].options if isinstance(o, HAO)]
        pkt[IPv6ExtHdrDestOpt].len = None
    return IPv6(raw(pkt))


def ipv6_hex(text):
    import socket

    return socket.inet_pton(socket.AF_INET6, text).hex()


def frames():
    out = []

    # 1-2: home-link emulation, router discovery.
    out.append(Ether(src=GUEST_MAC, dst="33:33:00:00:00:02")
               / IPv6(src=GUEST_LL, dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=GUEST_MAC))
    out.append(Ether(src=HOME_ROUTER_MAC, dst="33:33:00:00:00:01")
               / IPv6(src=HOME_ROUTER_LL, dst="ff02::1", hlim=255)
               / ICMPv6ND_RA(chlim=64, prf=0, routerlifetime=1800, reachabletime=30000, retranstimer=1000)
               / ICMPv6NDOptSrcLLAddr(lladdr=HOME_ROUTER_MAC) / ICMPv6NDOptMTU(mtu=1500)
               / ICMPv6NDOptPrefixInfo(prefixlen=64, prefix=HOME_PREFIX, L=1, A=1,
                                       validlifetime=2592000, preferredlifetime=604800))
    # 3-4: address resolution of the home router.
    out.append(Ether(src=GUEST_MAC, dst="33:33:ff:00:00:01")
               / IPv6(src=GUEST_LL, dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt=HOME_ROUTER_LL)
               / ICMPv6NDOptSrcLLAddr(lladdr=GUEST_MAC))
    out.append(Ether(src=HOME_ROUTER_MAC, dst=GUEST_MAC)
               / IPv6(src=HOME_ROUTER_LL, dst=GUEST_LL, hlim=255) / ICMPv6ND_NA(R=1, S=1, O=1, tgt=HOME_ROUTER_LL)
               / ICMPv6NDOptDstLLAddr(lladdr=HOME_ROUTER_MAC))

    # 5: Binding Update from the care-of address, for the home address.
    bu = (IPv6(src=CARE_OF, dst=HOME_AGENT)
          / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOME_ADDRESS)])
          / MIP6MH_BU(seq=SEQUENCE, flags="AH", mhtime=150, options=[
              MIP6OptReplayProtection(timestamp=NTP_TIMESTAMP),
              MIP6OptMsgAuth(subtype=1, mspi=SPI, authdata=b"\x00" * 12)]))
    out.append(Ether(src=HOST_MAC, dst=SITE_ROUTER_MAC) / authenticate(bu, MIP6MH_BU, CARE_OF, HOME_ADDRESS))

    # 6: Binding Acknowledgement to the care-of address, routed to the home address.
    ba = (IPv6(src=HOME_AGENT, dst=CARE_OF)
          / IPv6ExtHdrRouting(type=2, addresses=[HOME_ADDRESS], segleft=1)
          / MIP6MH_BA(status=0, flags=0, seq=SEQUENCE, mhtime=150, options=[
              MIP6OptBRAdvice(rinter=120),
              MIP6OptReplayProtection(timestamp=NTP_TIMESTAMP),
              MIP6OptMsgAuth(subtype=1, mspi=SPI, authdata=b"\x00" * 12)]))
    out.append(Ether(src=SITE_ROUTER_MAC, dst=HOST_MAC) / authenticate(ba, MIP6MH_BA, CARE_OF, HOME_ADDRESS))

    # 7-8: data through the tunnel, both ways.
    out.append(Ether(src=SITE_ROUTER_MAC, dst=HOST_MAC)
               / IPv6(src=HOME_AGENT, dst=CARE_OF)
               / IPv6(src=CORRESPONDENT, dst=HOME_ADDRESS, hlim=63) / ICMPv6EchoRequest(id=0x0600, seq=1, data=b"hello, roam6"))
    out.append(Ether(src=HOST_MAC, dst=SITE_ROUTER_MAC)
               / IPv6(src=CARE_OF, dst=HOME_AGENT)
               / IPv6(src=HOME_ADDRESS, dst=CORRESPONDENT, hlim=63) / ICMPv6EchoReply(id=0x0600, seq=1, data=b"hello, roam6"))

    for i, frame in enumerate(out):
        frame.time = 1_700_000_000 + i * 0.05
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "demo", "bu-ba-exchange.pcap")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    captured = frames()
    wrpcap(path, captured)
    print("wrote %d frames to %s" % (len(captured), path))


if __name__ == "__main__":
    main()
