"""Host role, the forwarding paths: an away guest's packets into the tunnel,
tunnelled packets out of it to the guest, and a guest at home untouched."""

import struct
import unittest

from replay import (  # noqa: F401
    CARE_OF, CORRESPONDENT, G_HOA, G_MAC, H_HOA, H_MAC, HOME_AGENT, HOME_ROUTER_MAC,
    SITE_ROUTER_MAC, UPLINK_MAC, DatapathTestCase, Ether, IPv6, Run, UDP, host_guests,
    host_settings, ipv6_bytes, raw, with_hop_limit)


def from_guest(payload=b"hello", sport=40000, dport=9, tc=0, fl=0, hlim=64, dst=CORRESPONDENT):
    return (Ether(src=G_MAC, dst=HOME_ROUTER_MAC) /
            IPv6(src=G_HOA, dst=dst, tc=tc, fl=fl, hlim=hlim) /
            UDP(sport=sport, dport=dport) / payload)


def tunnelled_to_guest(payload=b"reply", tc=0, fl=0, hlim=40, outer_hlim=50):
    return (Ether(src=SITE_ROUTER_MAC, dst=UPLINK_MAC) /
            IPv6(src=HOME_AGENT, dst=CARE_OF, nh=41, hlim=outer_hlim) /
            IPv6(src=CORRESPONDENT, dst=G_HOA, tc=tc, fl=fl, hlim=hlim) /
            UDP(sport=9, dport=40000) / payload)


class GuestToTunnel(DatapathTestCase):
    """guest -> encapsulated on the uplink, every outer and inner field."""

    def test_encapsulation_fields(self):
        frames = [
            from_guest(b"labelled", tc=0xB8, fl=0x12345, hlim=64),      # DSCP EF, own label
            from_guest(b"ecn", tc=0x2A, fl=0, hlim=9, sport=40001),      # ECN bits, no label
            from_guest(b"same flow", tc=0, fl=0, hlim=200, sport=40002),  # same src/dst/nh
        ]
        # Ethernet padding after the IPv6 packet must not enter the tunnel.
        padded = raw(from_guest(b"p", sport=40003)) + b"\x00" * 9
        frames.append(padded)
        # Another flow (other destination): its own label (equal only by a
        # 2^-20 chance).
        frames.append(from_guest(b"other flow", dst="2001:db8:c::10"))
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", frames).run())

        # The first frame of a known guest is also reported to mip6d
        # (liveness, host_pipeline.hpp): one copy, unchanged.
        self.assertDispositions(outcome, "guests", {"encapsulated": 5, "punted": 1})
        self.assertEqual(outcome.guests, [], "nothing goes back to the guests")
        self.assertEqual([raw(p).hex() for p in outcome.punt], [raw(frames[0]).hex()])
        self.assertEqual(outcome.counters["resumes_signalled"], 0, "G had resumed already")
        self.assertEqual(len(outcome.uplink), 5)
        for sent, got in zip(frames, outcome.uplink):
            sent_frame = Ether(sent) if isinstance(sent, bytes) else sent
            inner_sent = ipv6_bytes(sent_frame)
            with self.subTest(payload=bytes(sent_frame[UDP].payload)):
                self.assertEqual(got.src, UPLINK_MAC, "Ethernet source = uplink MAC")
                self.assertEqual(got.dst, SITE_ROUTER_MAC, "Ethernet destination = next hop")
                self.assertEqual(got.type, 0x86DD)
                outer = got[IPv6]
                self.assertEqual(outer.version, 6)
                self.assertEqual(outer.src, CARE_OF, "outer source = care-of address")
                self.assertEqual(outer.dst, HOME_AGENT, "outer destination = Home Agent")
                self.assertEqual(outer.nh, 41, "next header ip6ip6")
                self.assertEqual(outer.hlim, 64, "outer hop limit = tunnel's (RFC 2473 6.3)")
                self.assertEqual(outer.tc, sent_frame[IPv6].tc, "traffic class copied")
                self.assertEqual(outer.plen, len(inner_sent), "outer payload length")
                self.assertEqual(len(raw(got)), 14 + 40 + len(inner_sent),
                                 "no padding tunnelled, nothing after the inner packet")
                inner_got = raw(got)[14 + 40:]
                self.assertEqual(inner_got[7], sent_frame[IPv6].hlim - 1, "inner hop limit - 1")
                self.assertEqual(inner_got.hex(),
                                 with_hop_limit(inner_sent, sent_frame[IPv6].hlim - 1).hex(),
                                 "inner packet otherwise unchanged")
                self.assertUdpChecksumValid(IPv6(inner_got))

        labels = [p[IPv6].fl for p in outcome.uplink]
        self.assertEqual(labels[0], 0x12345, "a non-zero inner label is copied")
        self.assertNotEqual(labels[1], 0, "an unlabelled flow gets a derived label")
        self.assertEqual(labels[1], labels[2],
                         "one inner flow (src, dst, next header) -> one outer label")
        self.assertEqual(labels[1], labels[3])
        self.assertNotEqual(labels[4], 0)
        self.assertNotEqual(labels[4], labels[1], "the label follows the flow")

        binding = outcome.counters["guest_bindings"][G_MAC]
        self.assertEqual(binding["encapsulated_packets"], 5)
        self.assertEqual(binding["encapsulated_bytes"],
                         sum(len(ipv6_bytes(Ether(f) if isinstance(f, bytes) else f))
                             for f in frames))
        ports = outcome.counters["ports"]
        self.assertEqual(ports["guests"]["rx_packets"], 5)
        self.assertEqual(ports["uplink"]["tx_packets"], 5)
        self.assertEqual(ports["uplink"]["tx_bytes"], sum(len(raw(p)) for p in outcome.uplink))


class GuestToTunnelExtensions(DatapathTestCase):
    """RFC 2473 4.1.1: the inner Tunnel Encapsulation Limit option."""

    @staticmethod
    def with_limit(limit, payload):
        # Destination Options header: Tunnel Encapsulation Limit (type 4, len 1,
        # value) + PadN(1): 8 bytes, written by hand from RFC 2473 5.1.
        dest_opts = bytes([17, 0, 4, 1, limit, 1, 1, 0])
        inner = IPv6(src=G_HOA, dst=CORRESPONDENT, nh=60, hlim=64) / (
            dest_opts + raw(UDP(sport=7, dport=9, len=8 + len(payload), chksum=0) / payload))
        return Ether(src=G_MAC, dst=HOME_ROUTER_MAC) / inner

    def test_limit_decremented_into_outer_header_and_zero_refused(self):
        frames = [self.with_limit(3, b"three"), self.with_limit(0, b"zero")]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", frames).run())
        # Limit 0: refused (RFC 2473 4.1.1 (b)), with a Parameter Problem
        # back to the guest (checked field by field in test_icmp_errors).
        self.assertDispositions(outcome, "guests",
                                {"encapsulated": 1, "drop_hop_limit": 1, "punted": 1,
                                 "parameter_problem_sent": 1})
        self.assertEqual(len(outcome.uplink), 1)
        got = raw(outcome.uplink[0])[14:]
        inner_sent = ipv6_bytes(frames[0])
        self.assertEqual(got[6], 60, "outer next header: Destination Options (RFC 2473 5.1)")
        self.assertEqual(struct.unpack("!H", got[4:6])[0], 8 + len(inner_sent))
        options = got[40:48]
        self.assertEqual(options[0], 41, "then ip6ip6")
        self.assertEqual(options[1], 0, "8 bytes long")
        self.assertEqual(options[2:5], bytes([4, 1, 2]), "limit 3 - 1 = 2 (rule c)")
        self.assertEqual(got[48:].hex(), with_hop_limit(inner_sent, 63).hex())


class ManyPackets(DatapathTestCase):
    def test_order_kept_across_bursts(self):
        frames = [from_guest(struct.pack("!I", n), sport=50000 + n % 7) for n in range(150)]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", frames).run())
        self.assertEqual(len(outcome.uplink), 150)
        self.assertEqual([struct.unpack("!I", raw(p)[14 + 40 + 40 + 8:][:4])[0]
                          for p in outcome.uplink], list(range(150)),
                         "bursts of 32, batches of 64: still in arrival order")


class TunnelToGuest(DatapathTestCase):
    """uplink ip6ip6 from the Home Agent -> decapsulated to the guest."""

    def test_decapsulation_fields(self):
        frames = [tunnelled_to_guest(b"one", tc=0xB8, fl=0xABCDE, hlim=40),
                  tunnelled_to_guest(b"two", tc=0, fl=0, hlim=1)]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("uplink", frames).run())

        self.assertDispositions(outcome, "uplink", {"decapsulated": 2})
        self.assertEqual(outcome.uplink, [])
        self.assertEqual(outcome.punt, [])
        self.assertEqual(len(outcome.guests), 2)
        for sent, got in zip(frames, outcome.guests):
            with self.subTest(payload=bytes(sent[UDP].payload)):
                self.assertEqual(got.src, HOME_ROUTER_MAC, "Ethernet source = home router MAC")
                self.assertEqual(got.dst, G_MAC, "Ethernet destination = the guest")
                self.assertEqual(got.type, 0x86DD)
                inner_sent = raw(sent[IPv6].payload)
                # The host is the tunnel's exit and the guest's emulated home
                # link: it delivers, as the mobile node itself would (the Home
                # Agent already counted its hop when it encapsulated).
                self.assertEqual(raw(got)[14:].hex(), inner_sent.hex(),
                                 "inner packet delivered unchanged")
                self.assertUdpChecksumValid(got[IPv6])
        binding = outcome.counters["guest_bindings"][G_MAC]
        self.assertEqual(binding["decapsulated_packets"], 2)
        self.assertEqual(binding["decapsulated_bytes"],
                         sum(len(raw(f[IPv6].payload)) for f in frames))


class GuestAtHome(DatapathTestCase):
    """A guest at its home site, and frames of nobody we serve: untouched."""

    def test_passed_both_ways(self):
        out_frames = [Ether(src=H_MAC, dst=SITE_ROUTER_MAC) /
                      IPv6(src=H_HOA, dst=CORRESPONDENT, hlim=64, tc=0x10, fl=7) /
                      UDP(sport=1, dport=2) / b"at home",
                      # a MAC the table does not know
                      Ether(src="52:54:00:99:99:99", dst=SITE_ROUTER_MAC) /
                      IPv6(src="2001:db8:b::999", dst=CORRESPONDENT) / UDP() / b"unknown"]
        in_frames = [Ether(src=SITE_ROUTER_MAC, dst=H_MAC) /
                     IPv6(src=CORRESPONDENT, dst=H_HOA, hlim=33) / UDP(sport=2, dport=1) /
                     b"to home guest"]
        outcome = (Run(self, "host", host_settings(), guests=host_guests())
                   .input("guests", out_frames).input("uplink", in_frames).run())

        # A known guest at home is reported to mip6d too (first frame, liveness).
        self.assertDispositions(outcome, "guests", {"passed": 2, "punted": 1})
        self.assertDispositions(outcome, "uplink", {"passed": 1})
        self.assertEqual([raw(p).hex() for p in outcome.uplink],
                         [raw(p).hex() for p in out_frames], "guests -> uplink byte for byte")
        self.assertEqual([raw(p).hex() for p in outcome.guests],
                         [raw(p).hex() for p in in_frames], "uplink -> guests byte for byte")
        self.assertEqual([raw(p).hex() for p in outcome.punt], [raw(out_frames[0]).hex()])
        self.assertEqual(outcome.counters["resumes_signalled"], 0)


if __name__ == "__main__":
    unittest.main()
