#!/usr/bin/env python3
"""A guest forms a further address of its home prefix (SLAAC, a privacy
address) in the testbed with host.learned_addresses on (docs/signalling.md,
"Addresses a guest forms"):

- at home, the addresses it sends from are noted by its host, and go with
  it when it leaves: bound at the first foreign site as it resumes there;
- abroad, its Duplicate Address Detection succeeds (the host does not
  answer it), the host registers the address with the Home Agent on its
  own, and a correspondent reaches the guest at it;
- moved on to another site, the address travels with the domain XML (as
  roam6-libvirt-events keeps it in the metadata): the destination registers
  it as the guest resumes, and the correspondent reaches the guest at it
  without the guest sending anything from it;
- moved again without that hand-over, the guest's first packets from the
  address are reported by the destination's datapath, which learns and
  registers it;
- without learning (the default) the host answers the guest's DAD as the
  address's owner would: the guest's kernel marks it failed and never
  uses an address no packet would reach;
- another guest that forms an address one guest holds bound elsewhere is
  refused by the Home Agent (134): the binding stays with its guest.

Real daemons, OVS and WAN as in test_testbed_moves.py; the guest is a
network namespace whose kernel does the DAD.
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testbed"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import roam6_testbed as tb  # noqa: E402
import harness  # noqa: E402

THREE_SITES = os.path.join(HERE, "..", "..", "testbed", "sites", "three-sites.toml")


def in_namespace(namespace, command, timeout=30):
    return subprocess.run(["ip", "netns", "exec", namespace] + command, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, text=True)


def ping_replies(namespace, to, count=10, source=None):
    """Echo replies received out of `count` requests, 100 ms apart."""
    command = ["ping", "-6", "-n", "-c", str(count), "-i", "0.1", "-W", "1"]
    if source:
        command += ["-I", source]
    out = in_namespace(namespace, command + [to]).stdout
    match = re.search(r"(\d+) received", out)
    return int(match.group(1)) if match else 0


def wait_for(what, predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def form_address(g, address):
    """The guest's kernel adds `address` with Duplicate Address Detection
    (RFC 4862 5.4), as for every SLAAC and privacy address it forms; returns
    the address's `ip addr` line once DAD is over."""
    out = in_namespace(g.namespace, ["sh", "-ec", "sysctl -qw net.ipv6.conf.eth0.accept_dad=1 && "
                                     "ip -6 addr add %s/64 dev eth0" % address])
    assert out.returncode == 0, out.stdout

    def dad_done():
        shown = in_namespace(g.namespace, ["ip", "-6", "-o", "addr", "show", "dev", "eth0"]).stdout
        line = next((l for l in shown.splitlines() if address + "/64" in l), "")
        return line if line and ("tentative" not in line or "dadfailed" in line) else None
    return wait_for("the guest's DAD of " + address, dad_done)


class LearnedAddresses(unittest.TestCase):

    def test_without_learning_the_guests_dad_fails(self):
        tb.skip_unless_ready()
        d = tb.Description.load(THREE_SITES)
        d.foreign = d.foreign[:1]
        bed = tb.Testbed(d)
        try:
            g = bed.guests[0]
            bed.wait_bound(g)
            bed.move(g, bed.host("paris-1"), "home>paris")
            bed.wait_bound(g)
            line = form_address(g, d.home.address(0xbeef))
            self.assertIn("dadfailed", line)
            self.assertEqual(bed.host("paris-1").guest(g.name).get("other_addresses", []), [])
        except BaseException:
            harness.print_logs(bed.lab.daemons[:3])
            raise
        finally:
            bed.close()

    def test_an_address_the_guest_forms_abroad_is_bound_and_follows_it(self):
        tb.skip_unless_ready()
        d = tb.Description.load(THREE_SITES)
        d.learned_addresses = 4
        bed = tb.Testbed(d)
        try:
            g = bed.guests[0]
            home, paris, rome = bed.host("home-1"), bed.host("paris-1"), bed.host("rome-1")
            bed.wait_bound(g)
            extra = d.home.address(0xbeef)
            at_home = d.home.address(0xcafe)

            def other_address(host, address=extra):
                st = host.guest(g.name) or {}
                for other in st.get("other_addresses", []):
                    if other["address"] == address:
                        return other
                return None

            # At home: an address it already had (no DAD here) and talks from.
            out = in_namespace(g.namespace, ["ip", "-6", "addr", "add", at_home + "/64", "dev", "eth0", "nodad"])
            self.assertEqual(out.returncode, 0, out.stdout)
            self.assertGreater(ping_replies(g.namespace, bed.cn_address, count=20, source=at_home), 15)
            noted = wait_for("home-1 noting " + at_home, lambda: other_address(home, at_home))
            self.assertEqual(noted["state"], "idle")  # at home nothing is bound
            status, answer = ha_ctl(bed, "binding", "show", at_home)
            self.assertNotEqual(status, 0, answer)
            self.assertEqual(answer["code"], "unknown_binding")

            bed.move(g, paris, "home>paris")
            bed.wait_bound(g)
            # It came in the domain XML: bound as the guest resumed, reachable
            # without the guest sending from it first.
            wait_for("paris-1 binding " + at_home, lambda: (other_address(paris, at_home) or {}).get("bound"))
            self.assertGreater(ping_replies(bed.cn_ns, at_home), 5, "unreachable at %s at paris-1" % at_home)

            line = form_address(g, extra)
            self.assertNotIn("dadfailed", line, "the host answered the guest's DAD: " + line)

            bound = wait_for("paris-1 binding " + extra, lambda: (other_address(paris) or {}).get("bound"))
            self.assertTrue(bound)
            _, binding = ha_ctl(bed, "binding", "show", extra)
            self.assertIsNotNone(binding, "the Home Agent holds no binding for " + extra)
            self.assertEqual(binding["care_of_address"], paris.care_of)
            self.assertGreater(ping_replies(bed.cn_ns, extra), 5, "unreachable at %s at paris-1" % extra)
            # Its home address's own binding is untouched.
            self.assertGreater(ping_replies(bed.cn_ns, g.home_address), 5)

            # Moved on, the guest keeps the address (no new DAD); the domain
            # XML brings it to rome-1, which registers it at the resume, each
            # past paris-1's sequence number (no 135).
            sequence_at_paris = other_address(paris)["sequence"]
            bed.move(g, rome, "paris>rome")
            bed.wait_bound(g)
            wait_for("rome-1 binding " + extra, lambda: (other_address(rome) or {}).get("bound"))
            self.assertEqual(other_address(rome)["sequence"], (sequence_at_paris + 8) % 65536)
            _, binding = ha_ctl(bed, "binding", "show", extra)
            self.assertEqual(binding["care_of_address"], rome.care_of)
            self.assertGreater(ping_replies(bed.cn_ns, extra), 5, "unreachable at %s at rome-1" % extra)
            self.assertGreater(ping_replies(bed.cn_ns, g.home_address), 5)

            # Back to paris-1 without the hand-over (a libvirt without
            # roam6-libvirt-events): paris-1 learns the address from what the
            # guest sends from it.
            bed.settle()
            bed.move(g, paris, "rome>paris", sequence_in_xml=False)
            bed.wait_bound(g)
            self.assertIsNone(other_address(paris))
            ping_replies(g.namespace, bed.cn_address, count=20, source=extra)
            wait_for("paris-1 binding " + extra, lambda: (other_address(paris) or {}).get("bound"))
            _, binding = ha_ctl(bed, "binding", "show", extra)
            self.assertEqual(binding["care_of_address"], paris.care_of)
            self.assertGreater(ping_replies(bed.cn_ns, extra), 5, "unreachable at %s back at paris-1" % extra)
            _, stats = mip6ctl(paris.socket, "stats")
            self.assertGreaterEqual(stats["guests"]["addresses_learned"], 1)
        except BaseException:
            harness.print_logs(bed.lab.daemons[:4])
            raise
        finally:
            bed.close()


class OneAddressOneGuest(unittest.TestCase):
    """Two guests of one home prefix: the one abroad at rome-1 forms the
    address the other holds bound at paris-1. The Home Agent ties each
    binding to the guest's MAC (RFC 5213 Mobile Node Link-layer Identifier)
    and refuses rome-1's claim with 134: the binding, and the traffic,
    stay with their guest (docs/signalling.md "One address, one guest")."""

    def test_another_guests_claim_to_a_bound_address_is_refused(self):
        tb.skip_unless_ready()
        d = tb.Description.load(THREE_SITES)
        d.learned_addresses = 4
        d.guest_count = 2
        bed = tb.Testbed(d)
        try:
            owner, claimant = bed.guests[0], bed.guests[1]
            paris, rome = bed.host("paris-1"), bed.host("rome-1")
            extra = d.home.address(0xbeef)
            bed.wait_bound(owner)
            bed.wait_bound(claimant)
            bed.move(owner, paris, "home>paris")
            bed.move(claimant, rome, "home>rome")
            bed.wait_bound(owner)
            bed.wait_bound(claimant)

            line = form_address(owner, extra)
            self.assertNotIn("dadfailed", line)
            wait_for("paris-1 binding " + extra,
                     lambda: any(o["address"] == extra and o.get("bound")
                                 for o in (paris.guest(owner.name) or {}).get("other_addresses", [])))
            _, binding = ha_ctl(bed, "binding", "show", extra)
            self.assertEqual(binding["care_of_address"], paris.care_of)
            self.assertEqual(binding["link_layer_id"], owner.mac)

            # The claimant's kernel forms the same address; rome-1 learns it
            # from the DAD probe and registers it, for the claimant's MAC.
            form_address(claimant, extra)
            wait_for("rome-1 refused " + extra,
                     lambda: mip6ctl(rome.socket, "stats")[1]["guests"]["addresses_refused"] >= 1)
            self.assertEqual([o["address"] for o in (rome.guest(claimant.name) or {}).get("other_addresses", [])], [])
            _, binding = ha_ctl(bed, "binding", "show", extra)
            self.assertEqual(binding["care_of_address"], paris.care_of)
            self.assertEqual(binding["link_layer_id"], owner.mac)
            # The correspondent still reaches the owner there; the claimant's
            # packets from it go nowhere (dropped at rome-1's ingress filter).
            self.assertGreater(ping_replies(bed.cn_ns, extra), 5, "the owner is unreachable at " + extra)
            self.assertEqual(ping_replies(claimant.namespace, bed.cn_address, count=5, source=extra), 0)
            self.assertGreater(ping_replies(bed.cn_ns, claimant.home_address), 5)
        except BaseException:
            harness.print_logs(bed.lab.daemons[:4])
            raise
        finally:
            bed.close()


def mip6ctl(socket, *args):
    proc = subprocess.run([tb.MIP6CTL, "--socket", socket, "--json"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    return proc.returncode, (json.loads(proc.stdout) if proc.stdout.strip().startswith(b"{") else None)


def ha_ctl(bed, *args):
    return mip6ctl(bed.lab.path("ha.sock"), *args)


if __name__ == "__main__":
    unittest.main()
