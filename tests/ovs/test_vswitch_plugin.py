#!/usr/bin/env python3
"""roam6-vswitchd end to end, in both ways the datapath attaches to Open
vSwitch (OVS userspace datapath with a veth; OVS-DPDK with vhost-user), on a
private OVS whose ports are made exactly as libvirt makes them:

- the plugin sees the port (ofport late, as always from vswitchd), names the
  guest (mip6d's [[guests]] by attached-mac), attaches it to mip6d and
  installs its flows with our cookie; mip6ctl shows port, ofport, flows;
- the away guest reaches a correspondent through OVS, the datapath, the
  tunnel and the Home Agent: ping and a UDP stream both ways;
- frames with a spoofed source MAC or IPv6 source (scapy) are dropped by the
  bridge and counted, per guest, in mip6ctl;
- killing and restarting ovs-vswitchd, ovsdb-server and the plugin each
  leaves the same flows (none duplicated) and forwarding working, and no
  loop: a second guest on the bridge hears next to nothing meanwhile;
- iface-status inactive reaches mip6d; a row with garbage external_ids is
  skipped, not fatal; deleting the port detaches the guest as moved.
"""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

import harness  # noqa: E402
import vswitch_lab  # noqa: E402
from harness import run  # noqa: E402
from test_datapath_end_to_end import RECEIVER, SENDER  # noqa: E402
from vswitch_lab import BRIDGE, CN, COA, G1_HOA, G1_MAC  # noqa: E402

BYSTANDER_MAC = "52:54:00:00:00:77"
SPOOF_SCRIPT = r"""
import sys
from scapy.all import Ether, IPv6, UDP, Raw, sendp
mac, hoa, cn, other_mac, other_ip, count = sys.argv[1:7]
frames = []
for n in range(int(count)):
    frames.append(Ether(src=other_mac, dst="02:00:00:00:0a:01") / IPv6(src=hoa, dst=cn) / UDP(sport=4000, dport=9) / Raw(b"mac%d" % n))
    frames.append(Ether(src=mac, dst="02:00:00:00:0a:01") / IPv6(src=other_ip, dst=cn) / UDP(sport=4000, dport=9) / Raw(b"src%d" % n))
sendp(frames, iface="eth0", verbose=False)
"""


def rx_packets(namespace):
    out = subprocess.run(["ip", "netns", "exec", namespace, "cat", "/sys/class/net/eth0/statistics/rx_packets"],
                         stdout=subprocess.PIPE, check=True).stdout
    return int(out)


class PluginEndToEnd:
    """Mixed into one TestCase per attachment mode."""
    mode = None

    def setUp(self):
        if self.mode == "dpdk":
            ok, why = vswitch_lab.ovs_lab.dpdk_available()
            if not ok:
                self.skipTest(why)
        self.bed = vswitch_lab.VswitchTestbed(self.mode)
        self.addCleanup(self.bed.close)
        self.addCleanup(self.dump_logs_on_failure)

    def dump_logs_on_failure(self):
        if harness.test_failed(self) or os.environ.get("ROAM6_SHOW_LOGS"):
            self.bed.print_logs()

    # -- helpers ------------------------------------------------------------

    def wait_installed(self, timeout=20.0):
        bed = self.bed

        def installed():
            g = bed.guest_status("g1")
            return g if g and g.get("flows") == "installed" else None
        return bed.wait(installed, "g1's flows installed", timeout)

    def ping(self, count=5, need=None):
        """Pings the correspondent from the guest; returns packets received."""
        proc = subprocess.run(["ip", "netns", "exec", self.guest.namespace, "ping", "-6", "-n", "-c", str(count),
                               "-i", "0.2", "-W", "2", CN], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        text = proc.stdout.decode(errors="replace")
        m = re.search(r"(\d+) received", text)
        received = int(m.group(1)) if m else 0
        if need is not None:
            self.assertGreaterEqual(received, need, text)
        return received

    def ping_until_answered(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping(count=2) > 0:
                return
        self.fail("the guest never reached the correspondent")

    def udp_stream(self, src_ns, dst_ns, dst, count=200):
        receiver = subprocess.Popen(["ip", "netns", "exec", dst_ns, sys.executable, "-c", RECEIVER,
                                     dst, "9999", str(count), "15"], stdout=subprocess.PIPE)
        self.assertEqual(receiver.stdout.readline().strip(), b"ready")
        run(["ip", "netns", "exec", src_ns, sys.executable, "-c", SENDER, dst, "9999", str(count)])
        out = receiver.communicate(timeout=30)[0].decode().split()
        return int(out[0])

    def flow_signature(self):
        return sorted((f["table"], f["priority"], f["match"], f["actions"]) for f in self.bed.our_flows())

    # -- the test -------------------------------------------------------------

    def test_guest_on_ovs_through_the_datapath(self):
        bed = self.bed
        self.guest = bed.add_guest("vnet0", G1_MAC, "g1", home_address=G1_HOA)
        self.bystander = bed.add_guest("vnet1", BYSTANDER_MAC, "by", vm_id="11111111-2222-3333-4444-555555555555")

        # Attached with the port's name and its ofport, flows installed.
        status = self.wait_installed()
        self.assertEqual(status["port"], "vnet0")
        self.assertEqual(status["ofport"], bed.ovs.ofport("vnet0"))
        self.assertTrue(status["away"])
        flows = bed.our_flows()
        self.assertTrue(any(f["table"] == 250 for f in flows), flows)  # the canary
        self.assertFalse([f for f in flows if "NORMAL" in f["actions"]], flows)
        signature = self.flow_signature()
        # The bystander is nobody roam6 knows: switched, MAC held, not attached.
        self.assertIsNone(bed.guest_status("iface-vnet1"))
        self.assertIn("port_unidentified", bed.plugin.log())

        # Through OVS, the datapath, the tunnel and the Home Agent.
        self.ping_until_answered()
        binding = [b for b in bed.ha.ctl("binding", "list")["bindings"] if b["home_address"] == G1_HOA]
        self.assertEqual(binding[0]["care_of_address"], COA)
        self.ping(count=5, need=5)
        self.assertEqual(self.udp_stream(self.guest.namespace, bed.cn, CN), 200)
        self.assertEqual(self.udp_stream(bed.cn, self.guest.namespace, G1_HOA), 200)

        # Spoofed source MAC and IPv6 source: dropped by the bridge, counted.
        before_dp = bed.host.stats()
        run(["ip", "netns", "exec", self.guest.namespace, sys.executable, "-c", SPOOF_SCRIPT,
             G1_MAC, G1_HOA, CN, "52:54:00:00:00:66", "2001:db8:a::666", "5"])
        spoofed = bed.wait(lambda: (bed.guest_status("g1") or {}).get("spoofed") if
                           (bed.guest_status("g1") or {}).get("spoofed", {}).get("source", 0) >= 5 and
                           (bed.guest_status("g1") or {}).get("spoofed", {}).get("mac", 0) >= 5 else None,
                           "spoof counters in mip6ctl", timeout=10)
        self.assertEqual(spoofed, {"mac": 5, "source": 5})
        after_dp = bed.host.stats()
        self.assertEqual(after_dp.get("datapath.ports.guests.drop_ingress_filter", 0),
                         before_dp.get("datapath.ports.guests.drop_ingress_filter", 0),
                         "the datapath saw spoofed frames the bridge should have dropped")

        heard_before = rx_packets(self.bystander.namespace)

        # ovs-vswitchd restarts: it forgets every flow; the plugin puts them back.
        bed.ovs.kill_vswitchd()
        bed.ovs.start_vswitchd()
        bed.wait(lambda: self.flow_signature() == signature, "the flows back after a vswitchd restart", 20)
        self.ping_until_answered()
        self.ping(count=5, need=5)

        # ovsdb-server restarts: the plugin resynchronises, changes nothing.
        bed.ovs.kill_ovsdb()
        time.sleep(0.5)
        bed.ovs.start_ovsdb()
        bed.wait(lambda: bed.plugin.log().count("ovsdb_synchronised") >= 2, "the plugin back on OVSDB", 20)
        self.assertEqual(self.flow_signature(), signature)
        self.ping(count=5, need=5)

        # The plugin restarts: its flows stay meanwhile, and are the same after.
        self.assertEqual(bed.plugin.stop(), 0)
        self.assertEqual(self.flow_signature(), signature)
        self.ping(count=3, need=3)
        bed.plugin.start()
        bed.wait(lambda: bed.plugin.log().count("guest_attached") >= 2, "the plugin attaching g1 again", 20)
        self.wait_installed()
        self.assertEqual(self.flow_signature(), signature)
        self.ping(count=5, need=5)

        # No loop through all of that: the bystander heard only a handful of
        # frames (multicast of the bridge's own start, none of the traffic).
        heard = rx_packets(self.bystander.namespace) - heard_before
        self.assertLess(heard, 50, "a second port heard %d frames: a loop or a flood" % heard)

        # iface-status flips as on a migration source.
        bed.ovs.set_iface_status("vnet0", "inactive")
        bed.wait(lambda: (bed.guest_status("g1") or {}).get("port_status") == "inactive", "port_status inactive")

        # A row with garbage external_ids is skipped with its UUID, not fatal.
        bed.add_guest("vnet2", "52:54:00:00:00:88", "bad", extra_external_ids={"roam6-home-address": "not-an-address"})
        bed.wait(lambda: "ovsdb_row_skipped" in bed.plugin.log(), "the garbage row logged")
        self.assertIsNone(bed.plugin.proc.poll())

        # The port goes: the guest is detached as moved (mip6d forgets it).
        bed.ovs.del_port("vnet0")
        bed.wait(lambda: bed.guest_status("g1") is None, "g1 detached")
        # mip6d forgets the guest before the plugin has read its answer.
        bed.wait(lambda: "guest_detached" in bed.plugin.log(), "the plugin logging the detach")
        self.assertEqual(bed.plugin.stop(), 0)
        self.assertEqual(bed.host.stop(), 0)
        self.assertEqual(bed.ha.stop(), 0)


class UserspaceDatapath(PluginEndToEnd, unittest.TestCase):
    mode = "netdev"


class OvsDpdk(PluginEndToEnd, unittest.TestCase):
    mode = "dpdk"


if __name__ == "__main__":
    vswitch_lab.skip_unless_ready()
    unittest.main(verbosity=2)
