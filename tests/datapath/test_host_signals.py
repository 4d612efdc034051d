"""Host role, what goes to mip6d and what waits: ND/RS/MH punted, the resume
signal, holding packets for a guest that has not resumed, Packet Too Big."""

import struct
import unittest

from scapy.layers.l2 import ARP
from scapy.layers.inet6 import (
    ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr, IPv6ExtHdrDestOpt,
    MIP6MH_BA, MIP6MH_BE, MIP6MH_BRR)

from replay import (
    CARE_OF, CORRESPONDENT, G_HOA, G_LL, G_MAC, H_HOA, HOME_AGENT, HOME_ROUTER_LL,
    HOME_ROUTER_MAC, P_HOA, P_MAC, SITE_ROUTER_MAC, UPLINK_MAC, DatapathTestCase, Ether, IPv6,
    Run, UDP, away_guest, host_guests, host_settings, ipv6_bytes, raw)

P_LL = "fe80::5054:ff:fe00:3"


def from_guest(mac=G_MAC, src=G_HOA, size=None, payload=b"data", sport=40000):
    frame = Ether(src=mac, dst=HOME_ROUTER_MAC) / IPv6(src=src, dst=CORRESPONDENT) / \
        UDP(sport=sport, dport=9)
    if size is not None:  # size of the whole IPv6 packet
        payload = bytes((i * 7) & 0xFF for i in range(size - 48))
    return frame / payload


def tunnelled_to(hoa, seq):
    return (Ether(src=SITE_ROUTER_MAC, dst=UPLINK_MAC) /
            IPv6(src=HOME_AGENT, dst=CARE_OF, nh=41) /
            IPv6(src=CORRESPONDENT, dst=hoa, hlim=30) / UDP(sport=9, dport=40000) /
            struct.pack("!I", seq))


def sequence_numbers(frames):
    return [struct.unpack("!I", bytes(f[UDP].payload)[:4])[0] for f in frames]


class Punt(DatapathTestCase):
    def test_nd_rs_and_mobility_header_punted_unchanged(self):
        from_guests = [
            Ether(src=G_MAC, dst="33:33:ff:00:00:01") /
            IPv6(src=G_LL, dst="ff02::1:ff00:1", hlim=255) /
            ICMPv6ND_NS(tgt=HOME_ROUTER_LL) / ICMPv6NDOptSrcLLAddr(lladdr=G_MAC),
            Ether(src=G_MAC, dst="33:33:00:00:00:02") /
            IPv6(src=G_LL, dst="ff02::2", hlim=255) / ICMPv6ND_RS() /
            ICMPv6NDOptSrcLLAddr(lladdr=G_MAC),
        ]
        from_uplink = [
            Ether(src=SITE_ROUTER_MAC, dst=UPLINK_MAC) /
            IPv6(src=HOME_AGENT, dst=CARE_OF) / MIP6MH_BA(seq=7, mhtime=100),
            Ether(src=SITE_ROUTER_MAC, dst="33:33:ff:00:00:02") /
            IPv6(src="fe80::b:1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt=CARE_OF),
            Ether(src=SITE_ROUTER_MAC, dst=UPLINK_MAC) /
            IPv6(src="fe80::b:1", dst=CARE_OF, hlim=255) / ICMPv6ND_NA(tgt="fe80::b:1", R=1),
        ]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", from_guests).input("uplink", from_uplink).run())
        self.assertDispositions(outcome, "guests", {"punted": 2})
        self.assertDispositions(outcome, "uplink", {"punted": 3})
        self.assertEqual([raw(p).hex() for p in outcome.punt],
                         [raw(p).hex() for p in from_guests + from_uplink],
                         "punted frames byte for byte, in order")
        self.assertEqual([p["arrived_on"] for p in outcome.counters["punted"]],
                         ["guests"] * 2 + ["uplink"] * 3)
        self.assertEqual(outcome.uplink, [])
        self.assertEqual(outcome.guests, [])
        self.assertEqual(outcome.counters["resumes_signalled"], 0)


    def test_site_nd_not_for_us_passes_to_guests(self):
        # Only ND for the care-of address is mip6d's; the site's router
        # advertisements and solicitations for guests at home here go to them.
        frames = [
            Ether(src=SITE_ROUTER_MAC, dst="33:33:00:00:00:01") /
            IPv6(src="fe80::b:1", dst="ff02::1", hlim=255) / ICMPv6ND_RA(),
            Ether(src=SITE_ROUTER_MAC, dst="33:33:ff:00:02:00") /
            IPv6(src="fe80::b:1", dst="ff02::1:ff00:200", hlim=255) / ICMPv6ND_NS(tgt=H_HOA),
        ]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"passed": 2})
        self.assertEqual([raw(p).hex() for p in outcome.guests], [raw(p).hex() for p in frames])
        self.assertEqual(outcome.punt, [])

    def test_punt_ring_full(self):
        # mip6d is behind: the ring (4 frames here) takes what fits, in order,
        # and the rest are counted, never blocking the core.
        frames = [Ether(src=SITE_ROUTER_MAC, dst="33:33:ff:00:00:02") /
                  IPv6(src="fe80::b:%x" % n, dst="ff02::1:ff00:2", hlim=255) /
                  ICMPv6ND_NS(tgt=CARE_OF) for n in range(1, 7)]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .option("punt_ring_size", 4).input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"punted": 4, "drop_punt_ring_full": 2})
        self.assertEqual([raw(p).hex() for p in outcome.punt], [raw(p).hex() for p in frames[:4]])
        self.assertEqual(outcome.guests, [])


class TunnelledMobility(DatapathTestCase):
    """RFC 6275 6.1: the Home Agent sends mobility messages to a home address
    (Binding Refresh Request, Binding Error) without a type 2 routing header,
    i.e. tunnelled to the care-of address with the home address as inner
    destination. They are mip6d's (it acts for the guest): the whole tunnel
    frame is punted, unchanged, and the guest never sees it."""

    @staticmethod
    def tunnelled_mh(mh, hoa=G_HOA, outer_src=HOME_AGENT, before=None):
        inner = IPv6(src=HOME_AGENT, dst=hoa)
        if before is not None:
            inner = inner / before
        return (Ether(src=SITE_ROUTER_MAC, dst=UPLINK_MAC) /
                IPv6(src=outer_src, dst=CARE_OF, nh=41) / inner / mh)

    def test_punted_as_the_original_frame(self):
        frames = [self.tunnelled_mh(MIP6MH_BRR()),
                  self.tunnelled_mh(MIP6MH_BE(status=1, ha=G_HOA)),
                  # after an extension header, and for a guest not resumed yet
                  self.tunnelled_mh(MIP6MH_BRR(), hoa=P_HOA, before=IPv6ExtHdrDestOpt()),
                  tunnelled_to(G_HOA, 1)]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"punted_tunnelled_mobility": 3,
                                                    "decapsulated": 1})
        self.assertEqual([raw(p).hex() for p in outcome.punt], [raw(f).hex() for f in frames[:3]],
                         "the tunnel frames themselves, byte for byte")
        self.assertEqual([p["arrived_on"] for p in outcome.counters["punted"]], ["uplink"] * 3)
        self.assertEqual(sequence_numbers(outcome.guests), [1], "only the data packet")
        self.assertEqual(outcome.uplink, [])

    def test_only_from_the_guests_home_agent_and_for_an_away_guest(self):
        # The rule is mip6d's to trust: the outer source must be the guest's
        # Home Agent, as for any tunnelled packet.
        frames = [self.tunnelled_mh(MIP6MH_BRR(), outer_src="2001:db8:e::1"),
                  self.tunnelled_mh(MIP6MH_BRR(), hoa=H_HOA),
                  self.tunnelled_mh(MIP6MH_BRR(), hoa="2001:db8:a::555")]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", frames).run())
        self.assertDispositions(outcome, "uplink", {"drop_tunnel_wrong_source": 1,
                                                    "drop_tunnel_unknown_binding": 2})
        self.assertNothingOut(outcome)


class ResumeAndHold(DatapathTestCase):
    def test_first_frame_of_unresumed_guest_is_punted_and_forwarded(self):
        frames = [from_guest(P_MAC, P_HOA, payload=b"first"),
                  from_guest(P_MAC, P_HOA, payload=b"second")]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", frames).run())
        self.assertEqual(outcome.counters["resumes_signalled"], 1)
        self.assertEqual([raw(p).hex() for p in outcome.punt], [raw(frames[0]).hex()],
                         "one copy of the first frame, unchanged")
        self.assertEqual(len(outcome.uplink), 2, "both frames forwarded")
        for sent, got in zip(frames, outcome.uplink):
            self.assertEqual(got[IPv6].src, CARE_OF)
            self.assertEqual(bytes(got[IPv6].payload[UDP].payload), bytes(sent[UDP].payload))
        self.assertDispositions(outcome, "guests", {"encapsulated": 2, "punted": 1})

    def test_liveness_reported_again_after_the_interval(self):
        frames = [from_guest(payload=b"%d" % n) for n in range(3)]
        outcome = (Run(self, "host", host_settings(liveness_interval_ms=100),
                       guests=host_guests())
                   .input("guests", frames[:2])
                   .step(wait_ms=250)
                   .input("guests", frames[2:])
                   .run())
        self.assertEqual([raw(p).hex() for p in outcome.punt],
                         [raw(frames[0]).hex(), raw(frames[2]).hex()],
                         "first frame, then the first one after the interval")
        self.assertEqual(outcome.counters["resumes_signalled"], 0)
        self.assertDispositions(outcome, "guests", {"encapsulated": 3, "punted": 2})

    def test_guest_leaving_and_coming_back_is_signalled_again(self):
        frame = from_guest(P_MAC, P_HOA, payload=b"here")
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", [frame])
                   .step(clear_guest=P_MAC)
                   .step(set_guest=away_guest(P_MAC, P_HOA, P_LL, resumed=False))
                   .input("guests", [frame])
                   .run())
        self.assertEqual(outcome.counters["resumes_signalled"], 2)
        self.assertEqual(len(outcome.punt), 2)

    def test_many_held_released_in_order_up_to_the_limit(self):
        outcome = (Run(self, "host", host_settings(hold={"packets_per_guest": 100}),
                       guests=host_guests())
                   .input("uplink", [tunnelled_to(P_HOA, n) for n in range(130)])
                   .input("guests", [from_guest(P_MAC, P_HOA)])
                   .run())
        self.assertEqual(sequence_numbers(outcome.guests), list(range(100)),
                         "the first 100 kept, in order; later ones refused")
        self.assertDispositions(outcome, "uplink", {"released": 100, "drop_hold_full": 30})

    def test_held_until_first_frame_then_released_in_order(self):
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", [tunnelled_to(P_HOA, n) for n in range(5)])
                   .input("guests", [from_guest(P_MAC, P_HOA, payload=b"i am here")])
                   .input("uplink", [tunnelled_to(P_HOA, 5)])
                   .run())
        self.assertEqual(sequence_numbers(outcome.guests), [0, 1, 2, 3, 4, 5],
                         "held packets first, in arrival order, then the live one")
        for got in outcome.guests:
            self.assertEqual(got.src, HOME_ROUTER_MAC)
            self.assertEqual(got.dst, P_MAC)
            self.assertEqual(got[IPv6].dst, P_HOA)
            self.assertEqual(got[IPv6].hlim, 30)
        self.assertEqual(outcome.counters["resumes_signalled"], 1)
        self.assertEqual(len(outcome.punt), 1)
        # `held` is a gauge (host_pipeline.hpp): back to 0 once released.
        self.assertDispositions(outcome, "uplink", {"released": 5, "decapsulated": 1})
        self.assertEqual(outcome.counters["guest_bindings"][P_MAC]["decapsulated_packets"], 6)

    def test_released_when_marked_resumed(self):
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", [tunnelled_to(P_HOA, n) for n in range(3)])
                   .step(set_guest=away_guest(P_MAC, P_HOA, P_LL, resumed=True))
                   .input("uplink", [tunnelled_to(P_HOA, 3)])
                   .run())
        self.assertEqual(sequence_numbers(outcome.guests), [0, 1, 2, 3])
        self.assertEqual(outcome.counters["resumes_signalled"], 0)
        self.assertEqual(outcome.punt, [])
        self.assertDispositions(outcome, "uplink", {"released": 3, "decapsulated": 1})

    def test_hold_expires(self):
        outcome = (Run(self, "host", host_settings(hold={"timeout_ms": 50}),
                       guests=host_guests())
                   .input("uplink", [tunnelled_to(P_HOA, n) for n in range(3)])
                   .step(wait_ms=300)
                   .input("guests", [from_guest(P_MAC, P_HOA, payload=b"late")])
                   .run())
        self.assertEqual(outcome.guests, [], "expired packets are never delivered")
        self.assertDispositions(outcome, "uplink", {"drop_hold_expired": 3})

    def test_hold_full_and_guest_leaving(self):
        outcome = (Run(self, "host", host_settings(hold={"packets_per_guest": 2}),
                       guests=host_guests())
                   .input("uplink", [tunnelled_to(P_HOA, n) for n in range(3)])
                   .step(clear_guest=P_MAC)
                   .run())
        self.assertEqual(outcome.guests, [])
        self.assertDispositions(outcome, "uplink", {"drop_hold_full": 1, "drop_hold_expired": 2})

    def test_still_held_at_the_end(self):
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", [tunnelled_to(P_HOA, n) for n in range(4)]).run())
        self.assertEqual(outcome.guests, [])
        self.assertEqual(outcome.punt, [])
        self.assertDispositions(outcome, "uplink", {"held": 4})

    def test_resume_frame_rarp_is_punted_and_releases(self):
        rarp = (Ether(src=P_MAC, dst="ff:ff:ff:ff:ff:ff", type=0x8035) /
                ARP(op=3, hwsrc=P_MAC, hwdst=P_MAC, psrc="0.0.0.0", pdst="0.0.0.0"))
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", [tunnelled_to(P_HOA, n) for n in range(2)])
                   .input("guests", [rarp]).run())
        self.assertEqual([raw(p).hex() for p in outcome.punt], [raw(rarp).hex()],
                         "QEMU's announcement itself is the resume signal")
        self.assertEqual(sequence_numbers(outcome.guests), [0, 1])
        self.assertEqual(outcome.counters["resumes_signalled"], 1)
        self.assertDispositions(outcome, "guests", {"punted": 1})
        self.assertDispositions(outcome, "uplink", {"released": 2})


class PacketTooBig(DatapathTestCase):
    def check_packet_too_big(self, ptb_frame, offending_frame, mtu):
        self.assertEqual(ptb_frame.dst, G_MAC, "back to the guest")
        self.assertEqual(ptb_frame.src, HOME_ROUTER_MAC, "from its (emulated) home router")
        ip6 = ptb_frame[IPv6]
        self.assertEqual(ip6.src, HOME_ROUTER_LL, "from the home router's link-local address")
        self.assertEqual(ip6.dst, G_HOA)
        self.assertEqual(ip6.nh, 58)
        icmp = raw(ip6.payload)
        self.assertEqual((icmp[0], icmp[1]), (2, 0), "type 2 Packet Too Big, code 0")
        self.assertEqual(struct.unpack("!I", icmp[4:8])[0], mtu, "reported MTU")
        self.assertIcmpv6ChecksumValid(ip6)
        offending = ipv6_bytes(offending_frame)
        quoted = icmp[8:]
        self.assertGreater(len(quoted), 40)
        self.assertEqual(quoted.hex(), offending[:len(quoted)].hex(),
                         "the offending packet's start, unchanged")
        self.assertLessEqual(40 + len(icmp), 1280, "an ICMPv6 error fits the minimum MTU")
        self.assertEqual(ip6.plen, len(icmp))
        self.assertEqual(len(quoted), min(len(offending), 1280 - 48),
                         "as much of the packet as fits in 1280 bytes")

    def test_minimum_mtu_uplink(self):
        # Tunnel MTU = 1280 - 40 = 1240, but RFC 2473 7.1 never reports
        # below the IPv6 minimum, so 1280 is reported; a packet of at most
        # 1280 bytes is not refused.
        big = from_guest(size=1281)
        outcome = (Run(self, "host", host_settings(uplink_mtu=1280), guests=host_guests())
                   .input("guests", [big]).run())
        self.assertEqual(len(outcome.guests), 1)
        self.check_packet_too_big(outcome.guests[0], big, 1280)
        self.assertEqual(outcome.uplink, [])
        # The offending packet is drop_too_big, the error an extra packet.
        self.assertDispositions(outcome, "guests", {"drop_too_big": 1, "packet_too_big_sent": 1,
                                                      "punted": 1})

    def test_boundary_at_1500(self):
        fits = from_guest(size=1460, sport=1)
        too_big = from_guest(size=1461, sport=2)
        outcome = (Run(self, "host", host_settings(uplink_mtu=1500), guests=host_guests())
                   .input("guests", [fits, too_big]).run())
        self.assertEqual(len(outcome.uplink), 1)
        self.assertEqual(len(raw(outcome.uplink[0])), 14 + 1500, "fills the uplink MTU exactly")
        self.assertEqual(len(outcome.guests), 1)
        self.check_packet_too_big(outcome.guests[0], too_big, 1460)
        self.assertDispositions(outcome, "guests",
                                {"encapsulated": 1, "drop_too_big": 1, "packet_too_big_sent": 1,
                                 "punted": 1})

    def test_rate_limited(self):
        frames = [from_guest(size=1400, sport=n) for n in range(5)]
        outcome = (Run(self, "host",
                       host_settings(uplink_mtu=1280, icmp_errors={"per_second": 1, "burst": 2}),
                       guests=host_guests())
                   .input("guests", frames).run())
        self.assertEqual(len(outcome.guests), 2, "the burst, then silence")
        for ptb, frame in zip(outcome.guests, frames):
            self.check_packet_too_big(ptb, frame, 1280)
        self.assertEqual(outcome.counters["packet_too_big_suppressed"], 3)
        self.assertDispositions(outcome, "guests", {"packet_too_big_sent": 2, "drop_too_big": 5,
                                                    "punted": 1})
        self.assertEqual(outcome.uplink, [])


if __name__ == "__main__":
    unittest.main()
