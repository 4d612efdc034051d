"""ICMPv6 errors the datapath sends for the tunnel, both roles, checked field
by field against RFC 4443 and RFC 2473:

- Time Exceeded code 0 (RFC 4443 3.3) when the inner hop limit runs out at
  the tunnel entry (the packet would leave with hop limit 0) and at the exit
  (a packet that arrives with hop limit 0 is not forwarded, RFC 8200 3);
- Parameter Problem code 0 pointing at the limit octet of a Tunnel
  Encapsulation Limit option of 0 (RFC 2473 4.1.1 (b));
- never about an ICMPv6 error, a link-layer group frame or an unspecified
  source (RFC 4443 2.4 (e)); at most as much of the offending packet as keeps
  the error within 1280 bytes (2.4 (c)); rate-limited by a token bucket per
  type (2.4 (f)).

Sources (RFC 4443 2.2): on a host, errors to a guest come from its home
router's link-local address and MAC, as the guest knows them from its home
link (as Packet Too Big already does); an error the host's tunnel exit sends
to a correspondent comes from the care-of address. The Home Agent sends from
its own address, into the tunnel when the offending packet came out of one.
"""

import struct
import unittest

from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6ParamProblem, ICMPv6TimeExceeded,
                                IPerror6)

from replay import (
    CARE_OF, CORRESPONDENT, G_HOA, G_MAC, HA_PORT_MAC, HOME_AGENT,
    HOME_ROUTER_LL, HOME_ROUTER_MAC, SITE_ROUTER_MAC, UPLINK_MAC, DatapathTestCase, Ether, IPv6,
    Run, UDP, home_agent_settings, host_guests, host_settings, ipv6_bytes, raw)
from test_home_agent import TUNNELS, reverse_tunnelled, to_home_address

OTHER_HOA = "2001:db8:a::200"
OTHER_CARE_OF = "2001:db8:d::4"


def from_guest(hlim=64, size=None, payload=b"data", sport=40000, before_udp=b"", nh=17):
    """An away guest's packet; `before_udp` is raw extension header bytes
    between the IPv6 header and UDP (then `nh` names the first of them)."""
    udp = UDP(sport=sport, dport=9)
    if size is not None:  # size of the whole IPv6 packet
        payload = bytes((i * 5) & 0xFF for i in range(size - 48 - len(before_udp)))
    body = raw(udp / payload) if not before_udp else before_udp + raw(
        UDP(sport=sport, dport=9, len=8 + len(payload), chksum=0) / payload)
    return (Ether(src=G_MAC, dst=HOME_ROUTER_MAC) /
            IPv6(src=G_HOA, dst=CORRESPONDENT, hlim=hlim, nh=nh) / body)


def tunnel_limit_options(limit, next_header=17):
    """Destination Options header holding a Tunnel Encapsulation Limit option
    and a PadN, written by hand from RFC 2473 5.1: 8 octets."""
    return bytes([next_header, 0, 4, 1, limit, 1, 1, 0])


def tunnelled_to_guest(inner_hlim, payload=b"to guest"):
    return (Ether(src=SITE_ROUTER_MAC, dst=UPLINK_MAC) /
            IPv6(src=HOME_AGENT, dst=CARE_OF, nh=41, hlim=50) /
            IPv6(src=CORRESPONDENT, dst=G_HOA, hlim=inner_hlim) /
            UDP(sport=9, dport=40000) / payload)


class IcmpErrorChecks(DatapathTestCase):
    def assertIcmpError(self, frame, eth_dst, eth_src, src, dst, icmp_type, code, word, invoking):
        """One ICMPv6 error frame, every field: Ethernet, IPv6 (RFC 4443 2.2
        source, destination = the offending packet's source), ICMPv6 type,
        code, 32-bit word, checksum, and the start of the offending packet
        unchanged, as much as fits within 1280 bytes (RFC 4443 2.4 (c))."""
        self.assertEqual((frame.dst, frame.src, frame.type), (eth_dst, eth_src, 0x86DD))
        ip6 = frame[IPv6]
        self.assertEqual((ip6.src, ip6.dst, ip6.nh), (src, dst, 58))
        self.assertEqual(ip6.hlim, 64)
        icmp = raw(ip6.payload)
        self.assertEqual(ip6.plen, len(icmp))
        self.assertEqual((icmp[0], icmp[1]), (icmp_type, code), "ICMPv6 type and code")
        self.assertEqual(struct.unpack("!I", icmp[4:8])[0], word)
        self.assertIcmpv6ChecksumValid(ip6)
        self.assertEqual(icmp[8:].hex(), invoking[:1280 - 48].hex(), "the offending packet")
        self.assertLessEqual(40 + len(icmp), 1280)


class TimeExceededAtTheHost(IcmpErrorChecks):
    def test_guest_packet_whose_hop_limit_runs_out(self):
        # RFC 4443 3.3: a router that would decrement the hop limit to 0, or
        # receives it as 0, discards the packet and sends Time Exceeded
        # code 0 to its source. The host forwards the guest's packet into
        # the tunnel (RFC 2473 3.1: the tunnel is one hop).
        frames = [from_guest(hlim=1, payload=b"one"), from_guest(hlim=0, payload=b"zero"),
                  from_guest(hlim=2, payload=b"two")]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", frames).run())
        self.assertDispositions(outcome, "guests", {"drop_hop_limit": 2, "time_exceeded_sent": 2,
                                                    "encapsulated": 1, "punted": 1})
        self.assertEqual(len(outcome.guests), 2)
        for frame, sent in zip(outcome.guests, frames):
            self.assertIcmpError(frame, G_MAC, HOME_ROUTER_MAC, HOME_ROUTER_LL, G_HOA, 3, 0, 0,
                                 ipv6_bytes(sent))
            # scapy's own reading of it agrees
            self.assertIn(ICMPv6TimeExceeded, frame)
            self.assertEqual(frame[IPerror6].hlim, sent[IPv6].hlim)
        self.assertEqual(len(outcome.uplink), 1, "hop limit 2 goes on with 1")
        self.assertEqual(raw(outcome.uplink[0])[14 + 40 + 7], 1)

    def test_quote_is_cut_at_the_minimum_mtu(self):
        # RFC 4443 2.4 (c): as much of the invoking packet as fits without
        # the error exceeding 1280 bytes: 1232 of a 1400-byte packet.
        big = from_guest(hlim=1, size=1400)
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", [big]).run())
        self.assertEqual(len(outcome.guests), 1)
        frame = outcome.guests[0]
        self.assertIcmpError(frame, G_MAC, HOME_ROUTER_MAC, HOME_ROUTER_LL, G_HOA, 3, 0, 0,
                             ipv6_bytes(big))
        self.assertEqual(len(raw(frame)), 14 + 1280)

    def test_tunnelled_packet_that_arrives_with_hop_limit_zero(self):
        # The exit forwards the inner packet onto the guest's link without a
        # decrement (the entry counted the tunnel's hop), but RFC 8200 3 does
        # not let it forward a packet whose hop limit is already 0: Time
        # Exceeded to the inner source, from the care-of address (RFC 4443
        # 2.2 (b): an address of ours its source can reach), back to the
        # router the packet came from. Hop limit 1 is delivered.
        frames = [tunnelled_to_guest(0, b"zero"), tunnelled_to_guest(1, b"one")]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"drop_hop_limit": 1, "time_exceeded_sent": 1,
                                                    "decapsulated": 1})
        self.assertEqual(len(outcome.uplink), 1)
        self.assertIcmpError(outcome.uplink[0], SITE_ROUTER_MAC, UPLINK_MAC, CARE_OF,
                             CORRESPONDENT, 3, 0, 0, raw(frames[0][IPv6].payload))
        self.assertEqual([raw(p)[14:].hex() for p in outcome.guests],
                         [raw(frames[1][IPv6].payload).hex()])
        self.assertEqual(outcome.punt, [])


class TimeExceededAtTheHomeAgent(IcmpErrorChecks):
    def test_packet_to_a_home_address_whose_hop_limit_runs_out(self):
        frames = [to_home_address(hlim=1, payload=b"one"), to_home_address(hlim=0, payload=b"zero")]
        outcome = (Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS)
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"drop_hop_limit": 2, "time_exceeded_sent": 2})
        self.assertEqual(len(outcome.uplink), 2)
        for frame, sent in zip(outcome.uplink, frames):
            # RFC 4443 2.2 (b): the packet was not sent to the Home Agent,
            # so it answers from its own address, to the MAC it came from.
            self.assertIcmpError(frame, HOME_ROUTER_MAC, HA_PORT_MAC, HOME_AGENT, CORRESPONDENT,
                                 3, 0, 0, ipv6_bytes(sent))
        self.assertEqual(set(outcome.counters["tunnel_bindings"][G_HOA].values()), {0})

    def check_tunnelled_error(self, frame, inner_dst, icmp_type, code, word, invoking):
        """An error from the Home Agent to an away guest goes through the
        guest's tunnel (RFC 2473 3.1 outer header; the error's own hop limit
        is not decremented: the Home Agent originates it)."""
        self.assertEqual((frame.dst, frame.src), (HOME_ROUTER_MAC, HA_PORT_MAC))
        outer = frame[IPv6]
        self.assertEqual((outer.src, outer.dst, outer.nh, outer.hlim), (HOME_AGENT, CARE_OF, 41, 64))
        inner = IPv6(raw(outer.payload))
        self.assertEqual(outer.plen, len(raw(inner)))
        self.assertNotEqual(outer.fl, 0, "labelled from the inner flow (wire/tunnel.hpp)")
        self.assertIcmpError(Ether(dst=HOME_ROUTER_MAC, src=HA_PORT_MAC) / inner, HOME_ROUTER_MAC,
                             HA_PORT_MAC, HOME_AGENT, inner_dst, icmp_type, code, word, invoking)
        self.assertLessEqual(len(raw(outer)), 1500, "fits the tunnel's path")

    def test_reverse_tunnelled_packet_that_arrives_with_hop_limit_zero(self):
        frames = [reverse_tunnelled(hlim=0, payload=b"zero"), reverse_tunnelled(hlim=1, payload=b"one")]
        outcome = (Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS)
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"drop_hop_limit": 1, "time_exceeded_sent": 1,
                                                    "decapsulated": 1})
        self.assertEqual(len(outcome.uplink), 2)
        self.check_tunnelled_error(outcome.uplink[0], G_HOA, 3, 0, 0, raw(frames[0][IPv6].payload))
        self.assertEqual(raw(outcome.uplink[1])[14:].hex(), raw(frames[1][IPv6].payload).hex(),
                         "hop limit 1 goes on to the home router")

    def test_guest_to_guest_whose_hop_limit_runs_out_in_the_second_tunnel(self):
        tunnels = TUNNELS + [{"home_address": OTHER_HOA, "care_of_address": OTHER_CARE_OF}]
        frame = (Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
                 IPv6(src=CARE_OF, dst=HOME_AGENT, nh=41) /
                 IPv6(src=G_HOA, dst=OTHER_HOA, hlim=1) / UDP(sport=1, dport=2) / b"last hop")
        outcome = (Run(self, "home_agent", home_agent_settings(), tunnels=tunnels)
                   .input("uplink", [frame]).run())
        self.assertDispositions(outcome, "uplink", {"drop_hop_limit": 1, "time_exceeded_sent": 1})
        self.assertEqual(len(outcome.uplink), 1)
        self.check_tunnelled_error(outcome.uplink[0], G_HOA, 3, 0, 0, raw(frame[IPv6].payload))


class ParameterProblemForTheEncapsulationLimit(IcmpErrorChecks):
    # RFC 2473 4.1.1 (b): a Tunnel Encapsulation Limit option of 0 in the
    # packet entering the tunnel: discard it and send Parameter Problem code 0
    # to its source, the pointer at the third octet of the option (the limit).
    # Here the option is at offset 40 + 2: the pointer is 44.

    def test_host(self):
        frames = [from_guest(before_udp=tunnel_limit_options(0), nh=60, payload=b"limit 0"),
                  from_guest(before_udp=tunnel_limit_options(1), nh=60, payload=b"limit 1")]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", frames).run())
        self.assertDispositions(outcome, "guests", {"drop_hop_limit": 1, "parameter_problem_sent": 1,
                                                    "encapsulated": 1, "punted": 1})
        self.assertEqual(len(outcome.guests), 1)
        self.assertIcmpError(outcome.guests[0], G_MAC, HOME_ROUTER_MAC, HOME_ROUTER_LL, G_HOA,
                             4, 0, 44, ipv6_bytes(frames[0]))
        self.assertEqual(outcome.guests[0][ICMPv6ParamProblem].ptr, 44)
        self.assertEqual(raw(outcome.uplink[0])[14 + 40:14 + 48],
                         tunnel_limit_options(0, next_header=41),
                         "limit 1 enters with an outer limit of 0 (rule (c))")

    def test_home_agent(self):
        inner_udp = raw(UDP(sport=9, dport=40000, len=8 + 4, chksum=0) / b"tel0")
        frame = (Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
                 IPv6(src=CORRESPONDENT, dst=G_HOA, nh=60, hlim=30) /
                 (tunnel_limit_options(0) + inner_udp))
        outcome = (Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS)
                   .input("uplink", [frame]).run())
        self.assertDispositions(outcome, "uplink", {"drop_hop_limit": 1, "parameter_problem_sent": 1})
        self.assertEqual(len(outcome.uplink), 1)
        self.assertIcmpError(outcome.uplink[0], HOME_ROUTER_MAC, HA_PORT_MAC, HOME_AGENT,
                             CORRESPONDENT, 4, 0, 44, ipv6_bytes(frame))


class NeverAnErrorAboutThese(IcmpErrorChecks):
    # RFC 4443 2.4 (e): no error about an ICMPv6 error message (e.1), a
    # packet sent as link-layer multicast or broadcast (e.4, e.5), or one
    # whose source does not identify a single node (e.6). Each is still
    # dropped by its own reason; icmp_errors_withheld counts the silence.

    def test_host(self):
        error_from_guest = (Ether(src=G_MAC, dst=HOME_ROUTER_MAC) /
                            IPv6(src=G_HOA, dst=CORRESPONDENT, hlim=1) /
                            ICMPv6DestUnreach(code=4) / IPerror6(src=CORRESPONDENT, dst=G_HOA) /
                            UDP(sport=9, dport=1))
        broadcast = from_guest(hlim=1)
        broadcast[Ether].dst = "ff:ff:ff:ff:ff:ff"
        to_group = from_guest(hlim=1)  # (e.3): a global multicast group
        to_group[IPv6].dst = "ff0e::101"
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", [error_from_guest, broadcast, to_group]).run())
        self.assertDispositions(outcome, "guests", {"drop_hop_limit": 3, "punted": 1})
        self.assertEqual(outcome.counters["icmp_errors_withheld"], 3)
        self.assertEqual(outcome.guests, [])
        self.assertEqual(outcome.uplink, [])

    def test_home_agent(self):
        unspecified_source = to_home_address(hlim=1)
        unspecified_source[IPv6].src = "::"
        multicast_frame = to_home_address(hlim=0)
        multicast_frame[Ether].dst = "33:33:00:00:01:00"
        outcome = (Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS)
                   .input("uplink", [unspecified_source, multicast_frame]).run())
        self.assertDispositions(outcome, "uplink", {"drop_hop_limit": 2})
        self.assertEqual(outcome.counters["icmp_errors_withheld"], 2)
        self.assertEqual(outcome.uplink, [])


class RateLimit(IcmpErrorChecks):
    def test_burst_then_counted_silence_per_type(self):
        # RFC 4443 2.4 (f): a token bucket per core; here 1 per second with a
        # burst of 3, so of 8 offending packets 3 get their Time Exceeded and
        # 5 are counted as suppressed. Each type has its own bucket: the
        # Packet Too Big right after still goes out.
        expiring = [from_guest(hlim=1, sport=n) for n in range(8)]
        too_big = from_guest(size=1461)
        outcome = (Run(self, "host",
                       host_settings(icmp_errors={"per_second": 1, "burst": 3}),
                       guests=host_guests())
                   .input("guests", expiring + [too_big]).run())
        self.assertDispositions(outcome, "guests", {"drop_hop_limit": 8, "time_exceeded_sent": 3,
                                                    "drop_too_big": 1, "packet_too_big_sent": 1,
                                                    "punted": 1})
        self.assertEqual(outcome.counters["time_exceeded_suppressed"], 5)
        self.assertEqual(outcome.counters["packet_too_big_suppressed"], 0)
        self.assertEqual(len(outcome.guests), 4)
        for frame, sent in zip(outcome.guests[:3], expiring):
            self.assertIcmpError(frame, G_MAC, HOME_ROUTER_MAC, HOME_ROUTER_LL, G_HOA, 3, 0, 0,
                                 ipv6_bytes(sent))
        self.assertEqual(raw(outcome.guests[3][IPv6].payload)[0], 2, "then the Packet Too Big")

    def test_home_agent(self):
        frames = [to_home_address(hlim=1, sport=n) for n in range(6)]
        outcome = (Run(self, "home_agent",
                       home_agent_settings(icmp_errors={"per_second": 1, "burst": 2}),
                       tunnels=TUNNELS)
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"drop_hop_limit": 6, "time_exceeded_sent": 2})
        self.assertEqual(outcome.counters["time_exceeded_suppressed"], 4)
        self.assertEqual(len(outcome.uplink), 2)


if __name__ == "__main__":
    unittest.main()
