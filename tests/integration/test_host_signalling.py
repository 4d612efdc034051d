#!/usr/bin/python3
"""A real mip6d host against a Home Agent played in Python.

    guest ns                host ns (mip6d --role host)           site ns (this test)
    gst0 ---------------- guests0     up0 2001:db8:b::2 ---------- rt0 (site router MAC)

The test is the guest (raw frames on gst0) and, behind the site router, the
guest's Home Agent 2001:db8:a::1 (raw frames on rt0). Every Binding
Acknowledgement, Binding Refresh Request and Binding Error is built here
with scapy and struct, its RFC 4285 options and authenticator by hand;
every BU the host sends is taken apart byte by byte. What must happen is
read from the RFCs, cited per test: RFC 6275 6.1 (a BRR, like every message
the HA sends to a home address but the BA, arrives tunnelled), 11.7.3 (a BA
answers the BU sent to that address), RFC 4285 5.1 and 6 (the MN-HA
authenticator, HMAC-SHA1-96 by default, and replay protection).
"""

import os
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import (  # noqa: E402
    IPPROTO_MH,
    Key,
    Lab,
    counter_delta,
    ip6,
    mh_checksum,
    ntp_timestamp,
    parse_ipv6_frame,
    signed_mh,
    upper_layer_checksum_ok,
    walk_options,
)
from scapy.all import Ether, Raw, raw  # noqa: E402
from scapy.layers.inet6 import IPv6, IPv6ExtHdrRouting  # noqa: E402

HA = "2001:db8:a::1"
COA = "2001:db8:b::2"
OTHER_HOST = "2001:db8:b::3"  # another host of site b: same key, not the HA
HOST_UPLINK_MAC = "02:00:00:00:0b:02"
HOST_GUESTS_MAC = "02:00:00:00:0b:03"
SITE_ROUTER_MAC = "02:00:00:00:0b:01"
# The key names no algorithm: RFC 4285's HMAC-SHA1-96 is the default.
KEY = Key("site-b-hosts", 1001, "hmac-sha1-96", "00112233445566778899aabbccddeeff")
GUESTS = [("g%d" % i, "52:54:00:00:01:%02x" % i, "2001:db8:a::1%02x" % i) for i in range(1, 30)]

MH_BA, MH_BRR, MH_BE, MH_BU = 6, 0, 7, 5


def config(lab):
    guests = "".join('[[guests]]\nname = "%s"\nmac = "%s"\nhome_address = "%s"\nhome_site = "site-a"\n'
                     % g for g in GUESTS)
    return """role = "host"
node_name = "host-b"
control_socket = "%s"
log_level = "debug"
[interfaces]
uplink = "up0"
guests = "guests0"
[host]
site = "site-b"
care_of_address = "%s"
key = "site-b-hosts"
requested_lifetime = 600
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "%s"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "%s"
[[keys]]
name = "site-b-hosts"
spi = 1001
secret_hex = "%s"
""" % (lab.path("host.sock"), COA, HA, SITE_ROUTER_MAC, KEY.secret_hex) + guests


def binding_ack(hoa, status, seq, units, timestamp, key=KEY, src=HA, corrupt_checksum=False):
    """RFC 6275 6.1.8 BA from `src` to our care-of address, type 2 routing
    header with the home address (6.4)."""
    fixed = struct.pack("!BBBBHBBHH", 59, 0, MH_BA, 0, 0, status, 0, seq, units)
    mh = signed_mh(fixed, 12, timestamp, key, COA, hoa, src, hoa, corrupt_checksum)
    return (IPv6(src=src, dst=COA, hlim=64)
            / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[hoa], nh=IPPROTO_MH)
            / Raw(mh))


def refresh_request(hoa, timestamp, key=KEY, src=HA):
    """RFC 6275 6.1.2 BRR as roam6 asks for it, as an inner packet from the
    HA to the home address (harness.refresh_request)."""
    return harness.refresh_request(COA, src, hoa, timestamp, key)


def binding_error(hoa, status, src=HA):
    """RFC 6275 6.1.9 BE from the HA about `hoa`, to the home address."""
    mh = bytearray(struct.pack("!BBBBHBB", 59, 0, MH_BE, 0, 0, status, 0) + ip6(hoa) + b"\x00" * 0)
    mh += b"\x00" * ((-len(mh)) % 8)
    mh[1] = len(mh) // 8 - 1
    mh[4:6] = struct.pack("!H", mh_checksum(src, hoa, mh))
    return IPv6(src=src, dst=hoa, hlim=64, nh=IPPROTO_MH) / Raw(bytes(mh))


def tunnelled(inner, outer_src=HA):
    """RFC 2473: the HA's tunnel to our care-of address."""
    return IPv6(src=outer_src, dst=COA, hlim=64) / inner


def rarp(mac):
    m = bytes.fromhex(mac.replace(":", ""))
    payload = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 3) + m + b"\x00" * 4 + m + b"\x00" * 4
    f = b"\xff" * 6 + m + struct.pack("!H", 0x8035) + payload
    return f + b"\x00" * (60 - len(f))


class SentBu:
    def __init__(self, hoa, seq, units, timestamp):
        self.hoa, self.seq, self.units, self.timestamp = hoa, seq, units, timestamp


class HostSignalling(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab()
        try:
            ns_host = cls.lab.namespace("host")
            ns_site = cls.lab.namespace("site")
            ns_guest = cls.lab.namespace("gst")
            cls.lab.veth(ns_host, "up0", ns_site, "rt0", mac_a=HOST_UPLINK_MAC, mac_b=SITE_ROUTER_MAC)
            cls.lab.veth(ns_host, "guests0", ns_guest, "gst0", mac_a=HOST_GUESTS_MAC)
            cls.host = cls.lab.daemon(ns_host, config(cls.lab), "host").start()
            cls.site = cls.lab.port(ns_site, "rt0")
            cls.guest_port = cls.lab.port(ns_guest, "gst0")
        except BaseException:
            cls.lab.close()
            raise
        cls.free = list(GUESTS)

    @classmethod
    def tearDownClass(cls):
        cls.lab.close()

    def setUp(self):
        self.assertIsNone(self.host.proc.poll(), "mip6d died:\n" + self.host.log())

    def tearDown(self):
        if harness.test_failed(self):
            print("\n---- mip6d log (tail) ----\n" + self.host.log()[-4000:], file=sys.stderr)
        self.assertIsNone(self.host.proc.poll(), "mip6d died:\n" + self.host.log())

    # ------------------------------------------------------------------
    # helpers

    def take_guest(self):
        return self.free.pop(0)

    def send(self, pkt):
        self.site.send(raw(Ether(dst=HOST_UPLINK_MAC, src=SITE_ROUTER_MAC) / pkt))

    def state(self, name):
        for g in self.host.ctl("guest", "list")["guests"]:
            if g["name"] == name:
                return g["state"]
        return None

    def wait_state(self, name, state, timeout=2.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state(name) == state:
                return
            time.sleep(0.02)
        self.assertEqual(self.state(name), state)

    def next_bu(self, hoa, timeout=2.0, mac=None):
        """The next BU for `hoa`, checked field by field (RFC 6275 6.1.7,
        9.5.1; RFC 4285 5.1, 6; RFC 5213 8.6 for the guest's MAC, `mac`
        when given)."""
        def is_bu(f):
            p = parse_ipv6_frame(f)
            return (p is not None and p["upper"] == IPPROTO_MH and p["src"] == COA
                    and len(p["payload"]) > 2 and p["payload"][2] == MH_BU
                    and p["headers"] and p["headers"][0][1][8:24] == ip6(hoa))
        f = self.site.receive(is_bu, timeout)
        self.assertIsNotNone(f, "no BU for %s within %.1f s\n%s" % (hoa, timeout, self.host.log()[-3000:]))
        p = parse_ipv6_frame(f)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (HOST_UPLINK_MAC, SITE_ROUTER_MAC))
        self.assertEqual(p["dst"], HA)
        mh = p["payload"]
        self.assertTrue(upper_layer_checksum_ok(hoa, HA, IPPROTO_MH, mh), "MH checksum over the HoA")
        flags = mh[8]
        self.assertEqual(flags & 0xC0, 0xC0, "A and H set")
        seq, units = struct.unpack("!HxxH", mh[6:12])
        options = [(o, t, d) for o, t, d in walk_options(mh) if t not in (0, 1)]
        self.assertEqual([t for _, t, _ in options], [10, 25, 9],
                         "Replay Protection, Mobile Node Link-layer Identifier, then MN-HA last")
        timestamp = struct.unpack("!Q", options[0][2])[0]
        llid_at, _, llid = options[1]
        self.assertEqual(llid_at % 8, 0, "Link-layer Identifier at 8n (RFC 5213 8.6)")
        self.assertEqual(llid[:2], b"\x00\x00", "two reserved octets")
        self.assertEqual(len(llid), 8, "an Ethernet MAC")
        if mac is not None:
            self.assertEqual(llid[2:], bytes.fromhex(mac.replace(":", "")), "the guest's MAC")
        auth_at, _, auth = options[-1]
        self.assertEqual(auth[0], 1, "MN-HA subtype")
        self.assertEqual(struct.unpack("!I", auth[1:5])[0], KEY.spi)
        self.assertEqual(len(auth) - 5, 12, "HMAC-SHA1-96: 12 bytes (RFC 4285 5.1)")
        covered = bytearray(mh[: auth_at + 7])
        covered[4:6] = b"\x00\x00"
        self.assertEqual(auth[5:], KEY.authenticator(COA, hoa, covered), "BU authenticator")
        return SentBu(hoa, seq, units, timestamp)

    def no_bu(self, hoa, duration=0.5):
        """No BU for `hoa` (other tests' guests may still be retransmitting)."""
        def is_bu(f):
            p = parse_ipv6_frame(f)
            return (p is not None and p["upper"] == IPPROTO_MH and len(p["payload"]) > 2
                    and p["payload"][2] == MH_BU and p["headers"]
                    and p["headers"][0][1][8:24] == ip6(hoa))
        self.assertEqual(self.site.receive_all(is_bu, duration), [])

    def arrive(self):
        """A listed guest appears on the guest port (QEMU's RARP): its BU."""
        name, mac, hoa = self.take_guest()
        self.guest_port.send(rarp(mac))
        bu = self.next_bu(hoa, mac=mac)
        return name, hoa, bu

    def bound(self):
        name, hoa, bu = self.arrive()
        self.send(binding_ack(hoa, 0, bu.seq, bu.units, bu.timestamp))
        self.wait_state(name, "bound")
        return name, hoa, bu

    def delta(self, before):
        # bu.sent moves with other tests' guests still retransmitting; each
        # test checks its own BUs on the wire instead.
        return counter_delta(before, self.host.stats(),
                             ignore=("ports.", "control.", "nd.", "frames.", "bu.sent"))

    # ------------------------------------------------------------------
    # a listed guest, recognised by its MAC

    def test_listed_guest_is_recognised_by_its_first_frame(self):
        # docs/configuration.md [[guests]]: recognised by its MAC when it
        # appears, no guest.attach needed.
        before = self.host.stats()
        name, hoa, bu = self.arrive()
        self.assertEqual(self.state(name), "registering")
        self.send(binding_ack(hoa, 0, bu.seq, bu.units, bu.timestamp))
        self.wait_state(name, "bound")
        d = self.delta(before)
        self.assertEqual(d.get("guests.recognised"), 1, d)
        self.assertEqual(d.get("ba.received"), 1, d)

    # ------------------------------------------------------------------
    # RFC 6275 11.7.3: a BA counts only from the address the BU went to

    def test_ba_from_another_host_of_the_site_is_ignored(self):
        name, hoa, bu = self.arrive()
        before = self.host.stats()
        # Signed with the site's shared key and echoing our timestamp: only
        # the source says it is not the Home Agent's.
        self.send(binding_ack(hoa, 0, bu.seq, bu.units, bu.timestamp, src=OTHER_HOST))
        time.sleep(0.3)
        self.assertEqual(self.state(name), "registering")
        self.assertEqual(self.delta(before), {"ba.received": 1, "ba.dropped.not_from_home_agent": 1})
        self.assertIn("sender=" + OTHER_HOST, self.host.log())
        self.send(binding_ack(hoa, 0, bu.seq, bu.units, bu.timestamp))
        self.wait_state(name, "bound")

    # ------------------------------------------------------------------
    # RFC 4285 6: replay protection on what the host receives

    def test_replayed_ba_cannot_complete_a_newer_registration(self):
        name, hoa, first = self.bound()
        self.host.ctl("guest", "detach", name, "--stopped")
        dereg = self.next_bu(hoa)
        self.assertEqual(dereg.units, 0)
        self.send(binding_ack(hoa, 0, dereg.seq, 0, dereg.timestamp))
        time.sleep(0.2)
        self.guest_port.send(rarp(dict((g[0], g[1]) for g in GUESTS)[name]))
        again = self.next_bu(hoa)
        self.assertGreater(again.timestamp, first.timestamp)
        before = self.host.stats()
        # A BA recorded during the first registration, whose sequence number
        # happens to match today's: its timestamp gives it away.
        self.send(binding_ack(hoa, 0, again.seq, 100, first.timestamp))
        time.sleep(0.3)
        self.assertEqual(self.state(name), "registering")
        self.assertEqual(self.delta(before), {"ba.received": 1, "ba.dropped.replayed": 1})
        # Without the Replay Protection option it proves nothing either.
        before = self.host.stats()
        self.send(binding_ack(hoa, 0, again.seq, 100, None))
        time.sleep(0.3)
        self.assertEqual(self.delta(before), {"ba.received": 1, "ba.dropped.no_replay_protection": 1})
        self.send(binding_ack(hoa, 0, again.seq, 100, again.timestamp))
        self.wait_state(name, "bound")

    def test_ba_with_a_bad_checksum_is_a_dropped_ba(self):
        # RFC 6275 9.2: a Mobility Header with a bad checksum is discarded;
        # docs/operations.md counts it as ba.dropped.bad_checksum.
        name, hoa, bu = self.arrive()
        before = self.host.stats()
        self.send(binding_ack(hoa, 0, bu.seq, bu.units, bu.timestamp, corrupt_checksum=True))
        time.sleep(0.3)
        self.assertEqual(self.delta(before), {"ba.received": 1, "ba.dropped.bad_checksum": 1})
        self.assertEqual(self.state(name), "registering")

    def test_144_makes_the_host_go_past_the_home_agents_number_at_once(self):
        # RFC 4285 6: 144 carries the HA's time (roam6's HA: or the newest
        # timestamp it accepted, when another host's clock leads). The host
        # resends at once with a newer one.
        name, hoa, bu = self.arrive()
        to_beat = bu.timestamp + (3 << 32)
        start = time.monotonic()
        self.send(binding_ack(hoa, 144, bu.seq, 0, to_beat))
        again = self.next_bu(hoa, timeout=1.0)
        self.assertLess(time.monotonic() - start, 0.5, "no back-off wait")
        self.assertGreater(again.timestamp, to_beat)
        self.assertEqual(again.seq, (bu.seq + 1) & 0xFFFF)
        self.send(binding_ack(hoa, 0, again.seq, again.units, again.timestamp))
        self.wait_state(name, "bound")

    # ------------------------------------------------------------------
    # RFC 6275 6.1: a BRR reaches the home address through the tunnel

    def test_tunnelled_refresh_request_refreshes_at_once(self):
        name, hoa, bu = self.bound()
        before = self.host.stats()
        self.send(tunnelled(refresh_request(hoa, ntp_timestamp())))
        refresh = self.next_bu(hoa, timeout=1.0)
        self.assertEqual(refresh.seq, (bu.seq + 1) & 0xFFFF)
        self.assertEqual(refresh.units, 150)
        d = self.delta(before)
        self.assertEqual(d.get("brr.accepted"), 1, d)
        self.assertEqual(d.get("mh.tunnelled"), 1, d)
        self.assertEqual(self.state(name), "refreshing")

    def test_refresh_request_with_a_type_2_routing_header_is_still_heard(self):
        name, hoa, _ = self.bound()
        inner = refresh_request(hoa, ntp_timestamp())
        mh = bytes(inner[Raw].load)
        self.send(IPv6(src=HA, dst=COA, hlim=64)
                  / IPv6ExtHdrRouting(type=2, segleft=1, addresses=[hoa], nh=IPPROTO_MH) / Raw(mh))
        self.next_bu(hoa, timeout=1.0)

    def test_refresh_requests_that_prove_nothing_are_dropped(self):
        name, hoa, _ = self.bound()
        stamp = ntp_timestamp()
        good = tunnelled(refresh_request(hoa, stamp))
        self.send(good)
        refresh = self.next_bu(hoa, timeout=1.0)
        self.send(binding_ack(hoa, 0, refresh.seq, refresh.units, refresh.timestamp))
        self.wait_state(name, "bound")
        cases = (
            # The same BRR again (RFC 4285 6: not newer than the last).
            ("replayed", good, "brr.dropped.replayed"),
            # Outside the host's replay window of its own clock.
            ("stale", tunnelled(refresh_request(hoa, ntp_timestamp(time.time() - 60))), "brr.dropped.replayed"),
            # No MN-HA option: anyone could have sent it.
            ("unauthenticated", tunnelled(refresh_request(hoa, ntp_timestamp(), key=None)),
             "brr.dropped.no_authentication"),
            # From another tunnel endpoint than the guest's Home Agent.
            ("wrong tunnel", tunnelled(refresh_request(hoa, ntp_timestamp()), outer_src=OTHER_HOST),
             "brr.dropped.not_from_home_agent"),
        )
        for what, pkt, counter in cases:
            with self.subTest(what):
                before = self.host.stats()
                self.send(pkt)
                self.no_bu(hoa, 0.4)
                d = self.delta(before)
                d.pop("mh.tunnelled", None)
                self.assertEqual(d, {"brr.received": 1, counter: 1})

    # ------------------------------------------------------------------
    # RFC 6275 6.1.9 / 9.3.3: a Binding Error from the Home Agent

    def test_tunnelled_binding_error_status_1_registers_again(self):
        name, hoa, bu = self.bound()
        before = self.host.stats()
        self.send(tunnelled(binding_error(hoa, 1)))
        again = self.next_bu(hoa, timeout=1.0)
        self.assertEqual(again.units, 150)
        self.assertEqual(self.state(name), "registering")
        self.assertEqual(self.delta(before).get("be.accepted"), 1)

    def test_binding_error_from_anyone_else_is_dropped(self):
        name, hoa, _ = self.bound()
        before = self.host.stats()
        self.send(tunnelled(binding_error(hoa, 1, src=OTHER_HOST), outer_src=OTHER_HOST))
        self.no_bu(hoa, 0.4)
        d = self.delta(before)
        d.pop("mh.tunnelled", None)
        self.assertEqual(d, {"be.received": 1, "be.dropped.not_from_home_agent": 1})
        self.assertEqual(self.state(name), "bound")


if __name__ == "__main__":
    harness.skip_unless_root()
    unittest.main(verbosity=2)
