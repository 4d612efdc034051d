"""Home Agent role: the home link's traffic for an away guest into the
tunnel, the reverse tunnel out of it, and everything it must refuse."""

import struct
import unittest

from scapy.layers.inet6 import ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, MIP6MH_BU

from scapy.layers.inet import IP, UDP as UDP4

from replay import (
    CARE_OF, CORRESPONDENT, G_HOA, HA_PORT_MAC, HOME_AGENT, HOME_ROUTER_MAC, DatapathTestCase,
    Ether, IPv6, Run, UDP, home_agent_settings, ipv6_bytes, raw, with_hop_limit)

TUNNELS = [{"home_address": G_HOA, "care_of_address": CARE_OF}]
OTHER_HOA = "2001:db8:a::200"


def to_home_address(hoa=G_HOA, size=None, payload=b"to guest", tc=0, fl=0, hlim=60, sport=9):
    frame = (Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
             IPv6(src=CORRESPONDENT, dst=hoa, tc=tc, fl=fl, hlim=hlim) /
             UDP(sport=sport, dport=40000))
    if size is not None:
        payload = bytes((i * 3) & 0xFF for i in range(size - 48))
    return frame / payload


def reverse_tunnelled(outer_src=CARE_OF, inner_src=G_HOA, hlim=50, outer_dst=HOME_AGENT,
                      payload=b"from guest"):
    return (Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
            IPv6(src=outer_src, dst=outer_dst, nh=41, hlim=61) /
            IPv6(src=inner_src, dst=CORRESPONDENT, hlim=hlim, tc=0x20, fl=0x777) /
            UDP(sport=40000, dport=9) / payload)


class HomeAgentForwarding(DatapathTestCase):
    def test_encapsulated_to_care_of_address(self):
        frames = [to_home_address(tc=0xB8, fl=0x54321, payload=b"a"),
                  to_home_address(payload=b"b", sport=10),
                  to_home_address(payload=b"c", sport=11, hlim=2)]
        outcome = Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS) \
            .input("uplink", frames).run()
        self.assertDispositions(outcome, "uplink", {"encapsulated": 3})
        self.assertEqual(len(outcome.uplink), 3)
        self.assertEqual(outcome.punt, [])
        for sent, got in zip(frames, outcome.uplink):
            with self.subTest(payload=bytes(sent[UDP].payload)):
                self.assertEqual(got.src, HA_PORT_MAC)
                self.assertEqual(got.dst, HOME_ROUTER_MAC)
                outer = got[IPv6]
                self.assertEqual((outer.src, outer.dst, outer.nh, outer.hlim),
                                 (HOME_AGENT, CARE_OF, 41, 64))
                self.assertEqual(outer.tc, sent[IPv6].tc)
                inner_sent = ipv6_bytes(sent)
                self.assertEqual(outer.plen, len(inner_sent))
                self.assertEqual(raw(got)[54:].hex(),
                                 with_hop_limit(inner_sent, sent[IPv6].hlim - 1).hex())
                self.assertUdpChecksumValid(IPv6(raw(got)[54:]))
        labels = [p[IPv6].fl for p in outcome.uplink]
        self.assertEqual(labels[0], 0x54321)
        self.assertNotEqual(labels[1], 0)
        self.assertEqual(labels[1], labels[2], "same inner flow, same derived label")
        self.assertEqual(outcome.counters["tunnel_bindings"][G_HOA]["encapsulated_packets"], 3)

    def test_reverse_tunnel_decapsulated_to_router(self):
        frame = reverse_tunnelled()
        outcome = Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS) \
            .input("uplink", [frame]).run()
        self.assertDispositions(outcome, "uplink", {"decapsulated": 1})
        self.assertEqual(len(outcome.uplink), 1)
        got = outcome.uplink[0]
        self.assertEqual((got.src, got.dst, got.type), (HA_PORT_MAC, HOME_ROUTER_MAC, 0x86DD))
        inner_sent = raw(frame[IPv6].payload)
        # The inner hop limit is decremented on encapsulation only, by the
        # host (RFC 2473 3.1; home_agent_pipeline.hpp): unchanged here.
        self.assertEqual(raw(got)[14:].hex(), inner_sent.hex())
        self.assertUdpChecksumValid(got[IPv6])
        self.assertEqual(outcome.counters["tunnel_bindings"][G_HOA]["decapsulated_packets"], 1)

    def test_two_away_guests_talk_tunnel_to_tunnel(self):
        # G (behind host B) sends to another away guest (behind host C): the
        # HA decapsulates and puts it straight into the other binding's tunnel.
        other_care_of = "2001:db8:d::4"
        tunnels = TUNNELS + [{"home_address": OTHER_HOA, "care_of_address": other_care_of}]
        frame = (Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
                 IPv6(src=CARE_OF, dst=HOME_AGENT, nh=41) /
                 IPv6(src=G_HOA, dst=OTHER_HOA, hlim=20, fl=0x11111) /
                 UDP(sport=1, dport=2) / b"guest to guest")
        outcome = Run(self, "home_agent", home_agent_settings(), tunnels=tunnels) \
            .input("uplink", [frame]).run()
        self.assertDispositions(outcome, "uplink", {"encapsulated": 1})
        self.assertEqual(len(outcome.uplink), 1)
        got = outcome.uplink[0]
        self.assertEqual((got.src, got.dst), (HA_PORT_MAC, HOME_ROUTER_MAC))
        outer = got[IPv6]
        self.assertEqual((outer.src, outer.dst, outer.nh, outer.hlim, outer.fl),
                         (HOME_AGENT, other_care_of, 41, 64, 0x11111))
        inner_sent = raw(frame[IPv6].payload)
        self.assertEqual(raw(got)[54:].hex(), with_hop_limit(inner_sent, 19).hex())
        bindings = outcome.counters["tunnel_bindings"]
        self.assertEqual(bindings[G_HOA]["decapsulated_packets"], 1)
        self.assertEqual(bindings[OTHER_HOA]["encapsulated_packets"], 1)

    def test_inner_destination_looked_up_only_in_home_prefixes(self):
        # With home_prefixes (as mip6d passes them), a decapsulated packet's
        # inner destination outside them is not looked up: a binding there
        # (which mip6d's registrar never accepts) does not draw it into its
        # tunnel. Its own packets are still found by their inner source.
        outside_hoa, outside_care_of = "2001:db8:e::5", "2001:db8:d::5"
        other_care_of = "2001:db8:d::4"
        tunnels = TUNNELS + [{"home_address": OTHER_HOA, "care_of_address": other_care_of},
                             {"home_address": outside_hoa, "care_of_address": outside_care_of}]
        settings = home_agent_settings(home_prefixes=["2001:db8:a::/56", "2001:db8:f::/60"])

        def reverse(inner_src, inner_dst, outer_src):
            return (Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
                    IPv6(src=outer_src, dst=HOME_AGENT, nh=41) /
                    IPv6(src=inner_src, dst=inner_dst, hlim=20) / UDP(sport=1, dport=2) / b"x")
        frames = [reverse(G_HOA, CORRESPONDENT, CARE_OF),             # to the router
                  reverse(G_HOA, OTHER_HOA, CARE_OF),                 # into its tunnel
                  reverse(G_HOA, outside_hoa, CARE_OF),               # to the router
                  reverse(outside_hoa, G_HOA, outside_care_of)]       # into G's tunnel
        outcome = Run(self, "home_agent", settings, tunnels=tunnels).input("uplink", frames).run()
        self.assertDispositions(outcome, "uplink", {"encapsulated": 2, "decapsulated": 2})
        self.assertEqual([(p[IPv6].src, p[IPv6].dst) for p in outcome.uplink],
                         [(G_HOA, CORRESPONDENT), (HOME_AGENT, other_care_of),
                          (G_HOA, outside_hoa), (HOME_AGENT, CARE_OF)])
        bindings = outcome.counters["tunnel_bindings"]
        self.assertEqual(bindings[G_HOA]["decapsulated_packets"], 3)
        self.assertEqual(bindings[G_HOA]["encapsulated_packets"], 1)
        self.assertEqual(bindings[OTHER_HOA]["encapsulated_packets"], 1)
        self.assertEqual(bindings[outside_hoa]["encapsulated_packets"], 0)
        self.assertEqual(bindings[outside_hoa]["decapsulated_packets"], 1)

    def test_binding_changes_between_phases(self):
        # The care-of address moves (host B -> host D), then the binding goes.
        moved = "2001:db8:d::4"
        outcome = (Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS)
                   .input("uplink", [to_home_address(payload=b"1")])
                   .step(set_tunnel={"home_address": G_HOA, "care_of_address": moved})
                   .input("uplink", [to_home_address(payload=b"2"),
                                     reverse_tunnelled(outer_src=CARE_OF)])
                   .step(clear_tunnel=G_HOA)
                   .input("uplink", [to_home_address(payload=b"3")])
                   .run())
        self.assertEqual([p[IPv6].dst for p in outcome.uplink], [CARE_OF, moved])
        self.assertDispositions(outcome, "uplink", {"encapsulated": 2,
                                                    "drop_tunnel_wrong_source": 1,
                                                    "drop_not_for_us": 1})

    def test_packet_too_big_back_to_sender(self):
        big = to_home_address(size=1461)
        outcome = Run(self, "home_agent", home_agent_settings(mtu=1500), tunnels=TUNNELS) \
            .input("uplink", [big]).run()
        self.assertDispositions(outcome, "uplink", {"drop_too_big": 1, "packet_too_big_sent": 1})
        self.assertEqual(len(outcome.uplink), 1)
        ptb = outcome.uplink[0]
        self.assertEqual((ptb.src, ptb.dst), (HA_PORT_MAC, HOME_ROUTER_MAC))
        ip6 = ptb[IPv6]
        self.assertEqual((ip6.src, ip6.dst, ip6.nh), (HOME_AGENT, CORRESPONDENT, 58))
        icmp = raw(ip6.payload)
        self.assertEqual((icmp[0], icmp[1]), (2, 0))
        self.assertEqual(struct.unpack("!I", icmp[4:8])[0], 1460)
        self.assertIcmpv6ChecksumValid(ip6)
        self.assertEqual(icmp[8:].hex(), ipv6_bytes(big)[:1280 - 48].hex())


class HomeAgentRefusals(DatapathTestCase):
    def run_uplink(self, frames):
        return Run(self, "home_agent", home_agent_settings(), tunnels=TUNNELS) \
            .input("uplink", frames).run()

    def test_refusals(self):
        good = raw(reverse_tunnelled())
        cases = {
            "drop_tunnel_wrong_source": [reverse_tunnelled(outer_src="2001:db8:e::6")],
            "drop_tunnel_unknown_binding": [reverse_tunnelled(inner_src=OTHER_HOA)],
            "drop_not_for_us": [to_home_address(hoa=OTHER_HOA),
                                Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
                                IPv6(src=CORRESPONDENT, dst="2001:db8:a::7") / UDP() / b"x",
                                Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
                                IP(src="192.0.2.1", dst="192.0.2.2") / UDP4() / b"v4"],
            "drop_link_scope": [Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
                                IPv6(src="fe80::9", dst=G_HOA) / UDP() / b"link-local",
                                # out of the tunnel towards a link-local address
                                Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
                                IPv6(src=CARE_OF, dst=HOME_AGENT, nh=41) /
                                IPv6(src=G_HOA, dst="fe80::1") / UDP() / b"to router ll"],
            "drop_tunnel_not_for_us": [reverse_tunnelled(outer_dst="2001:db8:a::77")],
            "drop_malformed": [good[:9], good[:14 + 30],
                               good[:18] + struct.pack("!H", 900) + good[20:]],
            "drop_tunnel_malformed": [good[:14 + 40] + b"\x45" + good[14 + 41:]],
        }
        for reason, frames in cases.items():
            with self.subTest(reason=reason):
                outcome = self.run_uplink(frames)
                self.assertDispositions(outcome, "uplink", {reason: len(frames)})
                self.assertNothingOut(outcome)
                self.assertEqual(set(outcome.counters["tunnel_bindings"][G_HOA].values()), {0})

    def test_mobility_header_and_nd_punted(self):
        frames = [
            Ether(src=HOME_ROUTER_MAC, dst=HA_PORT_MAC) /
            IPv6(src=CARE_OF, dst=HOME_AGENT) / MIP6MH_BU(seq=1, mhtime=100, flags=0x6),
            Ether(src=HOME_ROUTER_MAC, dst="33:33:ff:00:01:00") /
            IPv6(src="fe80::1", dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=G_HOA) /
            ICMPv6NDOptSrcLLAddr(lladdr=HOME_ROUTER_MAC),
        ]
        outcome = self.run_uplink(frames)
        self.assertDispositions(outcome, "uplink", {"punted": 2})
        self.assertEqual([raw(p).hex() for p in outcome.punt], [raw(p).hex() for p in frames])
        self.assertEqual(outcome.uplink, [])


if __name__ == "__main__":
    unittest.main()
