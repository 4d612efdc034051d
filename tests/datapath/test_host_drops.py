"""Host role, every drop reason: each bad frame is counted under its own
reason on the port it arrived on, and nothing comes out anywhere."""

import struct
import unittest

from scapy.layers.inet import IP, UDP as UDP4

from replay import (
    CARE_OF, CORRESPONDENT, G_HOA, G_LL, G_MAC, H_HOA, HOME_AGENT, HOME_ROUTER_MAC,
    SITE_ROUTER_MAC, UPLINK_MAC, DatapathTestCase, Ether, IPv6, Run, UDP, host_guests,
    host_settings, raw)


def guest_frame(src=G_HOA, dst=CORRESPONDENT, hlim=64, payload=b"data"):
    return (Ether(src=G_MAC, dst=HOME_ROUTER_MAC) / IPv6(src=src, dst=dst, hlim=hlim) /
            UDP(sport=40000, dport=9) / payload)


def tunnel_frame(outer_src=HOME_AGENT, outer_dst=CARE_OF, inner_dst=G_HOA, payload=b"data"):
    return (Ether(src=SITE_ROUTER_MAC, dst=UPLINK_MAC) /
            IPv6(src=outer_src, dst=outer_dst, nh=41) /
            IPv6(src=CORRESPONDENT, dst=inner_dst) / UDP(sport=9, dport=40000) / payload)


def set_payload_length(frame_bytes, offset, value):
    """Overwrites the IPv6 payload length of the header at `offset` in a frame."""
    return frame_bytes[:offset + 4] + struct.pack("!H", value) + frame_bytes[offset + 6:]


GOOD_GUEST = raw(guest_frame())
GOOD_TUNNEL = raw(tunnel_frame())

# name -> (port, frames, the one disposition they must all get)
CASES = {
    "ingress_filter_foreign_source": (
        "guests", [guest_frame(src="2001:db8:a::999"), guest_frame(src="2001:db8:b::5")],
        "drop_ingress_filter"),
    "link_scope": (
        "guests", [guest_frame(src=G_LL, dst="fe80::9"),
                   guest_frame(src=G_HOA, dst="fe80::9")],
        "drop_link_scope"),
    "not_ipv6_from_away_guest": (
        "guests", [Ether(src=G_MAC, dst=HOME_ROUTER_MAC) / IP(src="192.0.2.1", dst="192.0.2.2") /
                   UDP4() / b"v4"],
        "drop_not_ipv6"),
    "malformed_from_away_guest": (
        "guests", [
            GOOD_GUEST[:10],                                   # not even an Ethernet header
            GOOD_GUEST[:14 + 20],                              # IPv6 header cut in half
            set_payload_length(GOOD_GUEST, 14, 200),           # payload length past the frame
            GOOD_GUEST[:14] + b"\x45" + GOOD_GUEST[15:],       # version 4 in an IPv6 ethertype
            # a Hop-by-Hop Options header longer than the payload holding it
            raw(Ether(src=G_MAC, dst=HOME_ROUTER_MAC) /
                IPv6(src=G_HOA, dst=CORRESPONDENT, nh=0, plen=8) /
                (b"\x11\x05" + b"\x00" * 6)),
        ],
        "drop_malformed"),
    "tunnel_wrong_source": (
        "uplink", [tunnel_frame(outer_src="2001:db8:e::1")], "drop_tunnel_wrong_source"),
    "tunnel_unknown_inner_destination": (
        "uplink", [tunnel_frame(inner_dst="2001:db8:a::555"),
                   tunnel_frame(inner_dst=H_HOA)],  # a guest here, but at home: no tunnel
        "drop_tunnel_unknown_binding"),
    "tunnel_inner_malformed": (
        "uplink", [
            # outer payload holds only half an inner header
            set_payload_length(GOOD_TUNNEL[:14 + 40 + 20], 14, 20),
            # inner header declares more payload than the outer one carries
            set_payload_length(GOOD_TUNNEL, 14 + 40, 500),
            # inner version is not 6
            GOOD_TUNNEL[:14 + 40] + b"\x45" + GOOD_TUNNEL[14 + 41:],
        ],
        "drop_tunnel_malformed"),
    "malformed_on_uplink": (
        "uplink", [GOOD_TUNNEL[:6], GOOD_TUNNEL[:14 + 39],
                   set_payload_length(GOOD_TUNNEL, 14, 1000)],
        "drop_malformed"),
}


class HostDrops(DatapathTestCase):
    def check(self, name):
        port, frames, reason = CASES[name]
        run = Run(self, "host", host_settings(), guests=host_guests())
        if port == "guests":
            # The guest's first frame always goes to mip6d as a liveness
            # report (host_pipeline.hpp), and a non-IPv6 frame due a report
            # is punted as the report itself: one good frame first, so the
            # bad ones meet the plain per-packet checks.
            run.input("guests", [GOOD_GUEST])
        outcome = run.input(port, frames).run()
        other = "uplink" if port == "guests" else "guests"
        self.assertDispositions(outcome, other, {})
        if port == "guests":
            self.assertDispositions(outcome, port, {reason: len(frames), "encapsulated": 1,
                                                    "punted": 1})
            self.assertEqual([raw(p).hex() for p in outcome.punt], [GOOD_GUEST.hex()])
            self.assertEqual(len(outcome.uplink), 1, "only the good frame")
            self.assertEqual(raw(outcome.uplink[0])[14 + 40 + 8:],
                             GOOD_GUEST[14 + 8:], "and it is the good frame")
            self.assertEqual(outcome.guests, [])
            self.assertEqual(outcome.counters["ports"][port]["rx_packets"], len(frames) + 1)
            self.assertEqual(outcome.counters["guest_bindings"][G_MAC]["encapsulated_packets"], 1)
        else:
            self.assertDispositions(outcome, port, {reason: len(frames)})
            self.assertNothingOut(outcome)
            self.assertEqual(outcome.counters["ports"][port]["rx_packets"], len(frames))
            for mac, binding in outcome.counters["guest_bindings"].items():
                self.assertEqual(set(binding.values()), {0}, "no traffic counted for " + mac)


    def test_tunnel_to_another_address_is_not_ours_to_open(self):
        # Host role: ip6ip6 to an address other than the care-of address is
        # someone else's traffic on this host (host_pipeline.hpp: "anything
        # else: passed to the guests port"), untouched. The Home Agent drops
        # it as drop_tunnel_not_for_us (test_home_agent).
        frame = tunnel_frame(outer_dst="2001:db8:b::77")
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", [frame]).run())
        self.assertDispositions(outcome, "uplink", {"passed": 1})
        self.assertEqual([raw(p).hex() for p in outcome.guests], [raw(frame).hex()])
        self.assertEqual(outcome.uplink, [])


for _name in CASES:
    setattr(HostDrops, "test_" + _name, lambda self, n=_name: self.check(n))


if __name__ == "__main__":
    unittest.main()
