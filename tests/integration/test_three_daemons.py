#!/usr/bin/python3
"""Three real mip6d daemons and a kernel router, in network namespaces.

    hostb (site b)                router                        ha (site a)
      up0 2001:db8:b::2 ---- rb 2001:db8:b::ff                 
      guests0 -- guest0            ra 2001:db8:a::ff ---- ha0 2001:db8:a::1
    hostc (site c)                 (forwarding on)
      up0 2001:db8:c::2 ---- rc 2001:db8:c::ff
      guests0 -- guest0

mip6d owns ha0 and the up0 links (kernel IPv6 disabled there; it answers
neighbour solicitations for its own address, and the router resolves it by
ND). The router's interfaces carry the configured router_mac of each site.
The test drives the hosts with mip6ctl as the migration hooks would, plays
the guest on each host's guest0, and reads the Home Agent's binding cache and
counters with mip6ctl (docs/signalling.md: moving a guest, hand-over, 135
recovery, resume detection, home-link emulation).
"""

import os
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import Lab, ip6, parse_ipv6_frame, run, upper_layer_checksum_ok  # noqa: E402
from scapy.all import Ether, raw  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6ND_RS,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
)

HA = "2001:db8:a::1"
HA_MAC = "02:00:00:00:0a:99"
SITES = {
    "a": {"router_mac": "02:00:00:00:0a:01", "prefix": "2001:db8:a::"},
    "b": {"router_mac": "02:00:00:00:0b:01", "prefix": "2001:db8:b::"},
    "c": {"router_mac": "02:00:00:00:0c:01", "prefix": "2001:db8:c::"},
}
HOSTS = {
    "b": {"coa": "2001:db8:b::2", "mac": "02:00:00:00:0b:02", "key": "site-b-hosts"},
    "c": {"coa": "2001:db8:c::2", "mac": "02:00:00:00:0c:02", "key": "site-c-hosts"},
}
G1_MAC = "52:54:00:00:00:01"
G1_HOA = "2001:db8:a::100"
G1_LL = "fe80::5054:ff:fe00:1"
HOME_ROUTER_LL = "fe80::1"

COMMON = """
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "2001:db8:a::1"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0a:01"
mtu = 1500
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
mtu = 1500
[[sites]]
name = "site-c"
prefix = "2001:db8:c::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0c:01"
mtu = 1500
[[keys]]
name = "site-b-hosts"
spi = 1001
algorithm = "hmac-sha256"
secret_hex = "00112233445566778899aabbccddeeff"
[[keys]]
name = "site-c-hosts"
spi = 1002
algorithm = "hmac-sha1-96"
secret_hex = "8899aabbccddeeff0011223344556677"
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
[[policy]]
key = "site-c-hosts"
care_of_prefixes = ["2001:db8:c::/48"]
home_prefixes = ["2001:db8:a::/64"]
[[guests]]
name = "g1"
mac = "52:54:00:00:00:01"
home_address = "2001:db8:a::100"
home_site = "site-a"
"""


def ha_config(lab):
    return """role = "home-agent"
node_name = "ha-a"
control_socket = "%s"
log_level = "debug"
[interfaces]
uplink = "ha0"
[home_agent]
address = "2001:db8:a::1"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 3600
database = "%s"
""" % (lab.path("ha.sock"), lab.path("ha.sqlite")) + COMMON


def host_config(lab, site):
    return """role = "host"
node_name = "host-%s"
control_socket = "%s"
log_level = "debug"
[interfaces]
uplink = "up0"
guests = "guests0"
[host]
site = "site-%s"
care_of_address = "%s"
key = "%s"
requested_lifetime = 600
""" % (site, lab.path("host%s.sock" % site), site, HOSTS[site]["coa"], HOSTS[site]["key"]) + COMMON


def rarp_announce(mac):
    """QEMU's self-announcement after migration: a RARP request (op 3)
    from the guest's MAC, broadcast, padded to the Ethernet minimum."""
    m = bytes.fromhex(mac.replace(":", ""))
    payload = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 3) + m + b"\x00" * 4 + m + b"\x00" * 4
    f = b"\xff" * 6 + m + struct.pack("!H", 0x8035) + payload
    return f + b"\x00" * (60 - len(f))


class ThreeDaemons(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.lab = Lab()
        self.addCleanup(self.lab.close)
        lab = self.lab
        # Failures print the daemons' logs.
        self.addCleanup(self.dump_logs_on_failure)
        self.router = lab.namespace("router", ipv6=True)
        run(["ip", "netns", "exec", self.router, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1",
             "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"])
        self.ns = {"a": lab.namespace("ha"), "b": lab.namespace("hostb"), "c": lab.namespace("hostc")}
        lab.veth(self.router, "ra", self.ns["a"], "ha0", mac_a=SITES["a"]["router_mac"], mac_b=HA_MAC)
        lab.disable_ipv6(self.ns["a"], "ha0")
        for site in ("b", "c"):
            ns = self.ns[site]
            lab.veth(self.router, "r" + site, ns, "up0", mac_a=SITES[site]["router_mac"], mac_b=HOSTS[site]["mac"])
            lab.veth(ns, "guests0", ns, "guest0")
            for link in ("up0", "guests0", "guest0"):
                lab.disable_ipv6(ns, link)
        for site in ("a", "b", "c"):
            run(["ip", "-n", self.router, "addr", "add", SITES[site]["prefix"] + "ff/64", "dev", "r" + site, "nodad"])
        self.ha = lab.daemon(self.ns["a"], ha_config(lab), "ha").start()
        self.host = {s: lab.daemon(self.ns[s], host_config(lab, s), "host" + s).start() for s in ("b", "c")}
        self.guest_port = {s: lab.port(self.ns[s], "guest0") for s in ("b", "c")}

    def dump_logs_on_failure(self):
        if harness.test_failed(self) or os.environ.get("ROAM6_SHOW_LOGS"):
            harness.print_logs(self.lab.daemons)

    # ------------------------------------------------------------------

    def ha_binding(self, hoa=G1_HOA):
        for b in self.ha.ctl("binding", "list")["bindings"]:
            if b["home_address"] == hoa:
                return b
        return None

    def wait_binding(self, coa, timeout):
        """Polls the HA until the guest's binding points at `coa`:
        (binding, seconds it took)."""
        start = time.monotonic()
        while True:
            b = self.ha_binding()
            if b is not None and b["care_of_address"] == coa:
                return b, time.monotonic() - start
            if time.monotonic() - start > timeout:
                self.fail("HA binding of %s is %s, not %s after %.1f s" % (G1_HOA, b, coa, timeout))
            time.sleep(0.01)

    def refused_135(self):
        return self.ha.stats().get("bu.refused_by_status.135", 0)

    def host_entry(self, site):
        for b in self.host[site].ctl("binding", "list")["bindings"]:
            if b["name"] == "g1":
                return b
        return None

    def wait_host_state(self, site, state, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            b = self.host_entry(site)
            if b is not None and b["state"] == state:
                return b
            if time.monotonic() > deadline:
                self.fail("host%s: g1 is %s, not %s" % (site, b, state))
            time.sleep(0.01)

    def detach(self, site, mode="--moved"):
        result = self.host[site].ctl("guest", "detach", "g1", mode)
        self.assertIn("last_sequence", result)
        return result["last_sequence"]

    # ------------------------------------------------------------------

    def test_migrations_hand_over_resume_detection_and_home_link(self):
        timings = {}
        b_coa, c_coa = HOSTS["b"]["coa"], HOSTS["c"]["coa"]

        # 1. g1 resumes at hostb: registered within a second.
        self.assertEqual(self.ha.ctl("binding", "list")["bindings"], [])
        self.host["b"].ctl("guest", "attach", "g1")
        self.host["b"].ctl("guest", "resume", "g1")
        binding, timings["first registration"] = self.wait_binding(b_coa, 1.0)
        self.assertEqual(binding["key"], "site-b-hosts")
        self.assertEqual(binding["tunnel"], b_coa)
        entry = self.wait_host_state("b", "bound")
        self.assertEqual(entry["sequence"], binding["sequence"])
        self.assertEqual(entry["last_status"], 0)
        self.assertEqual(entry["care_of_address"], b_coa)
        self.assertEqual(entry["home_agent"], HA)
        # The router found the HA and hostb by ND, answered by mip6d.
        for link, address, mac in (("ra", HA, HA_MAC), ("rb", b_coa, HOSTS["b"]["mac"])):
            _, neigh = run(["ip", "-n", self.router, "-6", "neigh", "show", address, "dev", link])
            self.assertIn("lladdr " + mac, neigh, "%s on %s: %r" % (address, link, neigh))

        # 2. Home-link emulation at hostb.
        self.check_home_link_emulation("b")

        # 3. Hand-over to hostc: one round trip, no 135.
        before_135 = self.refused_135()
        last = self.detach("b")
        self.assertEqual(last, binding["sequence"])
        self.host["c"].ctl("guest", "attach", "g1", "--last-sequence", str(last))
        self.host["c"].ctl("guest", "resume", "g1")
        binding, timings["hand-over"] = self.wait_binding(c_coa, 3.0)
        self.assertEqual(binding["sequence"], (last + 1) & 0xFFFF)
        self.assertEqual(binding["key"], "site-c-hosts")  # the hmac-sha1-96 key
        entry = self.wait_host_state("c", "bound")
        self.assertEqual(entry["transmissions"], 1)
        self.assertEqual(self.refused_135(), before_135)
        self.assertNotIn("g1", [g["name"] for g in self.host["b"].ctl("guest", "list")["guests"]])

        # 4. Back to hostb without hand-over: hostb starts from a number of
        # its own; if that is behind, one 135 and one more round trip.
        before_135 = self.refused_135()
        last_c = self.detach("c")
        self.assertEqual(last_c, binding["sequence"])
        self.host["b"].ctl("guest", "attach", "g1")
        self.host["b"].ctl("guest", "resume", "g1")
        binding, timings["no hand-over"] = self.wait_binding(b_coa, 3.0)
        entry = self.wait_host_state("b", "bound")
        extra = self.refused_135() - before_135
        self.assertIn(extra, (0, 1))
        self.assertEqual(entry["transmissions"], 1 + extra)
        self.assertEqual(entry["sequence"], binding["sequence"])
        if extra:
            self.assertEqual(binding["sequence"], (last_c + 1) & 0xFFFF)

        # 5. Resume detection at hostc: attached, never resumed by mip6ctl;
        # QEMU's RARP from the guest's MAC is the signal.
        last = self.detach("b")
        self.host["c"].ctl("guest", "attach", "g1", "--last-sequence", str(last))
        time.sleep(0.3)
        self.assertEqual(self.ha_binding()["care_of_address"], b_coa, "nothing moves before the guest runs")
        before = self.host["c"].stats()
        self.guest_port["c"].send(rarp_announce(G1_MAC))
        binding, timings["resume detection"] = self.wait_binding(c_coa, 3.0)
        self.assertEqual(binding["sequence"], (last + 1) & 0xFFFF)
        after = self.host["c"].stats()
        self.assertEqual(after["guests.resumes_detected"] - before.get("guests.resumes_detected", 0), 1)
        guest = [g for g in self.host["c"].ctl("guest", "list")["guests"] if g["name"] == "g1"][0]
        self.assertTrue(guest["resumed"])

        # 6. A hand-over with a stale number (behind the HA's): exactly one
        # 135, then accepted with the HA's number + 1.
        before_135 = self.refused_135()
        last = self.detach("c")
        self.host["b"].ctl("guest", "attach", "g1", "--last-sequence", str((last - 10) & 0xFFFF))
        self.host["b"].ctl("guest", "resume", "g1")
        binding, timings["stale hand-over"] = self.wait_binding(b_coa, 3.0)
        self.assertEqual(binding["sequence"], (last + 1) & 0xFFFF)
        entry = self.wait_host_state("b", "bound")
        self.assertEqual(entry["transmissions"], 2)
        self.assertEqual(self.refused_135() - before_135, 1)

        # 7. The guest stops: its binding is removed at the HA.
        start = time.monotonic()
        self.detach("b", "--stopped")
        while self.ha_binding() is not None:
            if time.monotonic() - start > 3.0:
                self.fail("binding still at the HA: %s" % self.ha_binding())
            time.sleep(0.01)
        timings["deregistration"] = time.monotonic() - start
        status, error = self.ha.ctl_refused("binding", "show", G1_HOA)
        self.assertEqual((status, error["code"]), (1, "unknown_binding"))
        ha_stats = self.ha.stats()
        self.assertEqual(ha_stats["bindings.current"], 0)
        self.assertEqual(ha_stats["bindings.deleted"], 1)
        self.assertEqual(ha_stats["bindings.created"], 1)
        self.assertEqual(ha_stats["bindings.moved"], 4)
        for d in [self.ha] + list(self.host.values()):
            self.assertIsNone(d.proc.poll(), d.log())
            self.assertEqual(d.stats().get("errors.send_failures", 0), 0)
        print("timings: " + ", ".join("%s %.0f ms" % (k, v * 1000) for k, v in timings.items()), file=sys.stderr)

    def check_home_link_emulation(self, site):
        port = self.guest_port[site]
        home_router_mac = SITES["a"]["router_mac"]
        before = self.host[site].stats()

        # Router Solicitation -> Router Advertisement from the home router.
        rs = (Ether(src=G1_MAC, dst="33:33:00:00:00:02")
              / IPv6(src=G1_LL, dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=G1_MAC))
        port.send(raw(rs))

        def solicited_ra(f):
            p = parse_ipv6_frame(f)
            return p is not None and p["upper"] == 58 and p["payload"][:1] == b"\x86" and p["dst"] == G1_LL

        f = port.receive(solicited_ra, 2.0)
        self.assertIsNotNone(f, "no Router Advertisement")
        p = parse_ipv6_frame(f)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (home_router_mac, G1_MAC))
        self.assertEqual(p["src"], HOME_ROUTER_LL)
        self.assertEqual(p["hlim"], 255)
        self.assertTrue(upper_layer_checksum_ok(p["src"], p["dst"], 58, p["payload"]), "RA checksum")
        ra = Ether(f)[ICMPv6ND_RA]
        self.assertEqual(ra.code, 0)
        self.assertGreater(ra.routerlifetime, 0)
        self.assertEqual(ra[ICMPv6NDOptSrcLLAddr].lladdr, home_router_mac)
        self.assertEqual(ra[ICMPv6NDOptMTU].mtu, 1460)  # 1500 minus the tunnel's 40
        prefix = ra[ICMPv6NDOptPrefixInfo]
        self.assertEqual((prefix.prefix, prefix.prefixlen), ("2001:db8:a::", 64))
        self.assertEqual((prefix.L, prefix.A), (1, 1))
        self.assertGreater(prefix.validlifetime, 0)

        # NS for the home router's link-local address -> NA with its MAC.
        ns = (Ether(src=G1_MAC, dst="33:33:ff:00:00:01")
              / IPv6(src=G1_LL, dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt=HOME_ROUTER_LL)
              / ICMPv6NDOptSrcLLAddr(lladdr=G1_MAC))
        port.send(raw(ns))

        def na_for_router(f):
            p = parse_ipv6_frame(f)
            return (p is not None and p["upper"] == 58 and p["payload"][:1] == b"\x88"
                    and p["payload"][8:24] == ip6(HOME_ROUTER_LL))

        f = port.receive(na_for_router, 2.0)
        self.assertIsNotNone(f, "no Neighbour Advertisement for fe80::1")
        p = parse_ipv6_frame(f)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (home_router_mac, G1_MAC))
        self.assertEqual((p["src"], p["dst"]), (HOME_ROUTER_LL, G1_LL))
        self.assertEqual(p["hlim"], 255)
        na = p["payload"]
        self.assertTrue(upper_layer_checksum_ok(p["src"], p["dst"], 58, na), "NA checksum")
        self.assertEqual((na[0], na[1]), (136, 0))
        self.assertEqual(na[4] & 0xE0, 0xE0, "R, S and O set")
        self.assertEqual(na[24:26], b"\x02\x01")
        self.assertEqual(":".join("%02x" % b for b in na[26:32]), home_router_mac)

        # Another address of the home prefix is on-link too: the home router
        # answers for it (R clear, it is not a router).
        other = "2001:db8:a::200"
        ns = (Ether(src=G1_MAC, dst="33:33:ff:00:02:00")
              / IPv6(src=G1_LL, dst="ff02::1:ff00:200", hlim=255) / ICMPv6ND_NS(tgt=other)
              / ICMPv6NDOptSrcLLAddr(lladdr=G1_MAC))
        port.send(raw(ns))

        def na_for(target):
            def match(f):
                p = parse_ipv6_frame(f)
                return (p is not None and p["upper"] == 58 and p["payload"][:1] == b"\x88"
                        and p["payload"][8:24] == ip6(target))
            return match

        f = port.receive(na_for(other), 2.0)
        self.assertIsNotNone(f, "no NA for another home address")
        p = parse_ipv6_frame(f)
        self.assertEqual((p["eth_src"], p["eth_dst"]), (home_router_mac, G1_MAC))
        self.assertEqual(p["payload"][4] & 0xE0, 0x60, "S and O set, R clear")
        self.assertEqual(":".join("%02x" % b for b in p["payload"][26:32]), home_router_mac)

        # The guest's own home address is its own: its DAD probe gets no answer.
        dad = (Ether(src=G1_MAC, dst="33:33:ff:00:01:00")
               / IPv6(src="::", dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=G1_HOA))
        port.send(raw(dad))
        self.assertEqual(port.receive_all(na_for(G1_HOA), 0.5), [])

        after = self.host[site].stats()
        self.assertEqual(after["nd.rs_answered"] - before["nd.rs_answered"], 1)
        self.assertEqual(after["nd.ns_answered"] - before["nd.ns_answered"], 2)


if __name__ == "__main__":
    harness.skip_unless_root()
    unittest.main(verbosity=2)
