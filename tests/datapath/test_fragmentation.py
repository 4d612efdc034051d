"""Outer fragmentation and reassembly of tunnel packets (RFC 2473 7.1, RFC 8200
4.5), both roles.

RFC 2473 7.1 (b): an inner packet of at most 1280 octets whose tunnel packet
exceeds the path MTU is encapsulated and the tunnel packet fragmented into
fragments that fit the path MTU (its source may not send anything smaller, so
a Packet Too Big would not help). Larger inner packets still get Packet Too
Big (7.1 (a); test_host_signals, test_home_agent). The exit point reassembles
the fragments addressed to it before it decapsulates (RFC 8200 4.5); scapy
fragments and defragments independently of our code.
"""

import struct
import unittest

from scapy.layers.inet6 import (ICMPv6TimeExceeded, IPv6ExtHdrFragment, defragment6,
                                fragment6)

from replay import (
    CARE_OF, CORRESPONDENT, G_HOA, G_MAC, HA_PORT_MAC, HOME_AGENT, HOME_ROUTER_MAC, P_HOA,
    SITE_ROUTER_MAC, UPLINK_MAC, DatapathTestCase, Ether, IPv6, Run, UDP, home_agent_settings,
    host_guests, host_settings, ipv6_bytes, raw, with_hop_limit)
from test_home_agent import TUNNELS, to_home_address


def from_guest(size, sport=40000):
    """An away guest's packet of `size` octets (IPv6 header included)."""
    payload = bytes((i * 11) & 0xFF for i in range(size - 48))
    return (Ether(src=G_MAC, dst=HOME_ROUTER_MAC) / IPv6(src=G_HOA, dst=CORRESPONDENT) /
            UDP(sport=sport, dport=9) / payload)


def fragments_of(frame_bytes):
    """The IPv6 packets of fragment frames, parsed by scapy."""
    return [IPv6(raw(f)[14:]) for f in frame_bytes]


class OuterFragmentation(DatapathTestCase):
    def check_fragments(self, fragments, mtu, src, dst, eth_dst, eth_src):
        """RFC 8200 4.5: each fragment fits the MTU; a Fragment header right
        after the IPv6 header with next header 41 (the fragmentable part
        starts with the inner packet); all but the last a multiple of 8
        octets with M set; one Identification for all of them."""
        self.assertGreaterEqual(len(fragments), 2)
        idents = set()
        offset = 0
        for n, frame in enumerate(fragments):
            self.assertEqual((frame.dst, frame.src), (eth_dst, eth_src))
            ip6 = frame[IPv6]
            self.assertLessEqual(40 + ip6.plen, mtu, "fragment %d fits the path MTU" % n)
            self.assertEqual((ip6.src, ip6.dst, ip6.nh), (src, dst, 44))
            frag = ip6[IPv6ExtHdrFragment]
            self.assertEqual(frag.nh, 41)
            self.assertEqual(frag.offset * 8, offset)
            data = ip6.plen - 8
            last = n == len(fragments) - 1
            self.assertEqual(frag.m, 0 if last else 1)
            if not last:
                self.assertEqual(data % 8, 0)
            offset += data
            idents.add(frag.id)
        self.assertEqual(len(idents), 1, "one Identification per packet")
        return idents.pop()

    def test_host_1280_inner_over_a_1280_uplink(self):
        # 1280 inner + 40 outer = 1320 > 1280: two fragments, the first with
        # 1232 octets of data (the largest multiple of 8 in 1280 - 48).
        frame = from_guest(1280)
        whole = (Run(self, "host", host_settings(uplink_mtu=1500), guests=host_guests())
                 .input("guests", [frame]).run())
        self.assertEqual(len(whole.uplink), 1)
        expected = raw(whole.uplink[0])[14:]  # the same packet, unfragmented

        outcome = (Run(self, "host", host_settings(uplink_mtu=1280), guests=host_guests())
                   .input("guests", [frame]).run())
        self.assertDispositions(outcome, "guests", {"encapsulated": 1, "fragments_sent": 2,
                                                    "punted": 1})
        self.assertEqual(len(outcome.uplink), 2)
        self.check_fragments(outcome.uplink, 1280, CARE_OF, HOME_AGENT, SITE_ROUTER_MAC, UPLINK_MAC)
        self.assertEqual([p[IPv6].plen for p in outcome.uplink], [8 + 1232, 8 + 48])
        reassembled = defragment6(fragments_of(outcome.uplink))
        self.assertEqual(raw(reassembled).hex(), expected.hex(),
                         "scapy's reassembly is the encapsulated packet")
        self.assertEqual(raw(reassembled)[40:].hex(),
                         with_hop_limit(ipv6_bytes(frame), 63).hex())
        self.assertEqual(outcome.counters["guest_bindings"][G_MAC]["encapsulated_packets"], 1)
        self.assertEqual(outcome.counters["packet_too_big_suppressed"], 0)
        self.assertEqual(outcome.guests, [], "no Packet Too Big")

    def test_identification_differs_between_packets(self):
        frames = [from_guest(1280, sport=1), from_guest(1250, sport=2), from_guest(1240, sport=3)]
        outcome = (Run(self, "host", host_settings(uplink_mtu=1280), guests=host_guests())
                   .input("guests", frames).run())
        # 1240 + 40 = 1280 fits exactly: not fragmented.
        self.assertDispositions(outcome, "guests", {"encapsulated": 3, "fragments_sent": 4,
                                                    "punted": 1})
        self.assertEqual(len(outcome.uplink), 5)
        first = self.check_fragments(outcome.uplink[0:2], 1280, CARE_OF, HOME_AGENT,
                                     SITE_ROUTER_MAC, UPLINK_MAC)
        second = self.check_fragments(outcome.uplink[2:4], 1280, CARE_OF, HOME_AGENT,
                                      SITE_ROUTER_MAC, UPLINK_MAC)
        self.assertNotEqual(first, second, "RFC 8200 4.5: unique among recent packets")
        self.assertEqual(outcome.uplink[4][IPv6].nh, 41)
        self.assertEqual(len(raw(outcome.uplink[4])), 14 + 1280)

    def test_home_agent_1280_inner_over_a_1280_link(self):
        frame = to_home_address(size=1280)
        outcome = (Run(self, "home_agent", home_agent_settings(mtu=1280), tunnels=TUNNELS)
                   .input("uplink", [frame]).run())
        self.assertDispositions(outcome, "uplink", {"encapsulated": 1, "fragments_sent": 2})
        self.assertEqual(len(outcome.uplink), 2)
        self.check_fragments(outcome.uplink, 1280, HOME_AGENT, CARE_OF, HOME_ROUTER_MAC, HA_PORT_MAC)
        reassembled = defragment6(fragments_of(outcome.uplink))
        self.assertEqual((reassembled.src, reassembled.dst, reassembled.nh, reassembled.plen),
                         (HOME_AGENT, CARE_OF, 41, 1280))
        self.assertEqual(raw(reassembled)[40:].hex(),
                         with_hop_limit(ipv6_bytes(frame), frame[IPv6].hlim - 1).hex())


def tunnel_packet_to_care_of(size, dst=G_HOA, seq=0):
    """The Home Agent's tunnel packet for a guest, with a Fragment header
    for scapy's fragment6 to cut: inner packet of `size` octets."""
    payload = struct.pack("!I", seq) + bytes((i * 13) & 0xFF for i in range(size - 52))
    return (IPv6(src=HOME_AGENT, dst=CARE_OF, nh=44, hlim=50) / IPv6ExtHdrFragment(id=0x1000 + seq) /
            IPv6(src=CORRESPONDENT, dst=dst, hlim=40) / UDP(sport=9, dport=40000) / payload)


def on_uplink(packets):
    return [Ether(src=SITE_ROUTER_MAC, dst=UPLINK_MAC) / p for p in packets]


class ReassemblyOnReceive(DatapathTestCase):
    def test_host_reassembles_then_decapsulates(self):
        packet = tunnel_packet_to_care_of(1280)
        fragments = fragment6(packet, 600)
        self.assertEqual(len(fragments), 3)
        inner = raw(packet[IPv6ExtHdrFragment].payload)
        # In order, then the next packet's fragments backwards.
        second = fragment6(tunnel_packet_to_care_of(1000, seq=1), 512)
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", on_uplink(fragments) + on_uplink(reversed(second))).run())
        n = len(fragments) + len(second)
        # Every fragment became part of a whole packet; each whole packet
        # then counts its own disposition on top.
        self.assertDispositions(outcome, "uplink", {"reassembled": n, "decapsulated": 2})
        self.assertEqual(outcome.counters["ports"]["uplink"]["rx_packets"], n)
        self.assertEqual(len(outcome.guests), 2)
        got = outcome.guests[0]
        self.assertEqual((got.dst, got.src), (G_MAC, HOME_ROUTER_MAC))
        self.assertEqual(raw(got)[14:].hex(), inner.hex(), "the inner packet, whole")
        self.assertUdpChecksumValid(got[IPv6])
        self.assertEqual(raw(outcome.guests[1])[14:].hex(),
                         raw(tunnel_packet_to_care_of(1000, seq=1)[IPv6ExtHdrFragment].payload).hex())
        binding = outcome.counters["guest_bindings"][G_MAC]
        self.assertEqual(binding["decapsulated_packets"], 2)

    def test_home_agent_reassembles_then_decapsulates(self):
        inner = (IPv6(src=G_HOA, dst=CORRESPONDENT, hlim=50) / UDP(sport=40000, dport=9) /
                 (bytes(range(256)) * 4))
        packet = (IPv6(src=CARE_OF, dst=HOME_AGENT, nh=44) / IPv6ExtHdrFragment(id=77) / inner)
        fragments = fragment6(packet, 700)
        frames = [Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) / f for f in fragments]
        outcome = (Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS)
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"reassembled": len(fragments),
                                                    "decapsulated": 1})
        self.assertEqual(len(outcome.uplink), 1)
        got = outcome.uplink[0]
        self.assertEqual((got.dst, got.src), (HOME_ROUTER_MAC, HA_PORT_MAC))
        self.assertEqual(raw(got)[14:].hex(), raw(inner).hex())

    def test_reassembled_packet_still_meets_every_tunnel_check(self):
        # Whole again, a tunnel packet from a stranger is refused as ever.
        packet = tunnel_packet_to_care_of(1280)
        packet[IPv6].src = "2001:db8:e::1"
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", on_uplink(fragment6(packet, 700))).run())
        self.assertDispositions(outcome, "uplink", {"reassembled": 2,
                                                    "drop_tunnel_wrong_source": 1})
        self.assertNothingOut(outcome)

    def test_incomplete_packets_time_out_and_are_counted(self):
        # RFC 8200 4.5: reassembly abandoned after the timeout (here 100 ms);
        # when the first fragment came, Time Exceeded code 1 (fragment
        # reassembly time exceeded) to its source, from the address it was
        # sent to (RFC 4443 2.2 (a)), back to the router it came from. A
        # packet of which only a later fragment came gets no error.
        first_only = fragment6(tunnel_packet_to_care_of(1280, seq=1), 600)[:2]
        last_only = fragment6(tunnel_packet_to_care_of(1280, seq=2), 600)[2:]
        outcome = (Run(self, "host", host_settings(reassembly={"packets": 16, "timeout_ms": 100}),
                       guests=host_guests())
                   .input("uplink", on_uplink(first_only + last_only))
                   .step(wait_ms=400)
                   .run())
        self.assertDispositions(outcome, "uplink", {"drop_reassembly_timeout": 3,
                                                    "time_exceeded_sent": 1})
        self.assertEqual(outcome.guests, [])
        self.assertEqual(len(outcome.uplink), 1)
        error = outcome.uplink[0]
        self.assertEqual((error.dst, error.src), (SITE_ROUTER_MAC, UPLINK_MAC))
        ip6 = error[IPv6]
        self.assertEqual((ip6.src, ip6.dst, ip6.nh, ip6.hlim), (CARE_OF, HOME_AGENT, 58, 64))
        icmp = raw(ip6.payload)
        self.assertEqual((icmp[0], icmp[1]), (3, 1), "Time Exceeded, fragment reassembly")
        self.assertIn(ICMPv6TimeExceeded, error)
        self.assertIcmpv6ChecksumValid(ip6)
        self.assertEqual(icmp[8:].hex(), raw(first_only[0])[:1280 - 48].hex(),
                         "quotes the first fragment")

    def test_reassembly_table_bounded(self):
        # Two packets at once on a table for one: the second's fragments are
        # refused and counted; the first still completes.
        a = fragment6(tunnel_packet_to_care_of(1200, seq=1), 700)
        b = fragment6(tunnel_packet_to_care_of(1200, seq=2), 700)
        outcome = (Run(self, "host", host_settings(reassembly={"packets": 1, "timeout_ms": 1000}),
                       guests=host_guests())
                   .input("uplink", on_uplink([a[0], b[0], b[1], a[1]])).run())
        self.assertDispositions(outcome, "uplink", {"reassembled": 2, "decapsulated": 1,
                                                    "drop_reassembly_failed": 2})
        self.assertEqual(len(outcome.guests), 1)

    def test_fragments_not_for_us_are_not_reassembled(self):
        # A guest at home here receives fragments: the site's business.
        packet = (IPv6(src=CORRESPONDENT, dst="2001:db8:b::200", nh=44) / IPv6ExtHdrFragment(id=5) /
                  UDP(sport=1, dport=2) / bytes(1400))
        frames = on_uplink(fragment6(packet, 800))
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"passed": 2})
        self.assertEqual([raw(p).hex() for p in outcome.guests], [raw(f).hex() for f in frames])

    def test_held_guest_gets_the_reassembled_packet_later(self):
        # Reassembled for a guest that has not resumed: held like any other.
        packet = tunnel_packet_to_care_of(1280, dst=P_HOA)
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", on_uplink(fragment6(packet, 700))).run())
        self.assertDispositions(outcome, "uplink", {"reassembled": 2, "held": 1})


if __name__ == "__main__":
    unittest.main()
