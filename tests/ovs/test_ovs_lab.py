"""Self-test of ovs_lab.py: a private OVS starts, takes ports exactly as
libvirt and OpenStack write them, switches frames by our flows, survives
ovs-vswitchd and ovsdb-server restarts as real OVS does (rows kept, flows
lost), and leaves nothing behind; OVS-DPDK passes frames both ways through
a dpdkvhostuserclient port to dpdk-testpmd acting as the vhost-user server.
Start/stop times are printed (figures, not pass/fail)."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ovs_lab  # noqa: E402
import harness  # noqa: E402  (found through ovs_lab's path)
from scapy.all import Ether, IPv6, UDP, Raw, raw  # noqa: E402

COOKIE = 0x526F616D36000000
PID = os.getpid() % 100000
BRIDGE = "br-l%d" % PID  # unique per test process (parallel runs)
VM1 = dict(iface_id="6f0c2e5e-0000-4000-8000-000000000001",
           vm_id="0e1f2a3b-4c5d-4e6f-8a9b-000000000001")
VM2 = dict(iface_id="6f0c2e5e-0000-4000-8000-000000000002",
           vm_id="0e1f2a3b-4c5d-4e6f-8a9b-000000000002", openstack=True)
MAC1 = "52:54:00:00:01:01"
MAC2 = "52:54:00:00:01:02"


def udp_frame(src_mac, dst_mac, payload):
    return raw(Ether(src=src_mac, dst=dst_mac) /
               IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64) /
               UDP(sport=40000, dport=9) / Raw(payload))


def carries(payload):
    return lambda frame: payload in frame


class OvsLabTest(unittest.TestCase):
    def setUp(self):
        self.lab = harness.Lab()
        self.addCleanup(self.lab.close)  # runs last: after OVS is gone

    def start_ovs(self, netns, dpdk=False):
        ovs = ovs_lab.OvsInstance(netns=netns, dpdk=dpdk)
        self.addCleanup(self._stop_ovs, ovs)
        print("\n%s OVS started in %.3f s" % ("DPDK" if dpdk else "userspace",
                                              ovs.timings["start"]), file=sys.stderr)
        return ovs

    def _stop_ovs(self, ovs):
        if harness.test_failed(self):
            ovs.print_logs()
        ovs.stop()

    def add_flows(self, ovs, bridge, *flows):
        for flow in flows:
            ovs.ofctl("add-flow", ovs.mgmt(bridge), "cookie=%#x,%s" % (COOKIE, flow))

    def test_ports_as_libvirt_and_openstack_write_them_and_flows_switch_frames(self):
        ns = self.lab.namespace("sw")
        ovs = self.start_ovs(ns)
        ovs.add_bridge(BRIDGE)
        g1 = ovs_lab.attach_guest(self.lab, ovs, BRIDGE, "vnet%da" % PID, MAC1, vm=VM1)
        g2 = ovs_lab.attach_guest(self.lab, ovs, BRIDGE, "tap%db" % PID, MAC2, vm=VM2)

        self.assertEqual(ovs.external_ids(g1.port), {
            "attached-mac": MAC1, "iface-id": VM1["iface_id"], "vm-id": VM1["vm_id"],
            "iface-status": "active"})
        self.assertEqual(ovs.external_ids(g2.port), {
            "attached-mac": MAC2, "iface-id": VM2["iface_id"], "vm-uuid": VM2["vm_id"],
            "iface-status": "active"})
        ovs.set_iface_status(g1.port, "inactive")
        self.assertEqual(ovs.external_ids(g1.port)["iface-status"], "inactive")
        # libvirt's transaction again on the same port: del-port + add-port,
        # so the row is new and iface-status active again.
        ovs.add_vm_port(BRIDGE, g1.port, MAC1, VM1["iface_id"], VM1["vm_id"],
                        extra_external_ids={"roam6-home-address": "2001:db8:1::10"})
        ids = ovs.external_ids(g1.port)
        self.assertEqual(ids["iface-status"], "active")
        self.assertEqual(ids["roam6-home-address"], "2001:db8:1::10")

        p1, p2 = ovs.ofport(g1.port), ovs.ofport(g2.port)
        port1 = self.lab.port(g1.namespace, "eth0")
        port2 = self.lab.port(g2.namespace, "eth0")

        # fail_mode=secure and no flows: nothing passes.
        port1.send(udp_frame(MAC1, MAC2, b"before-flows"))
        self.assertIsNone(port2.receive(carries(b"before-flows"), 0.5))

        self.add_flows(ovs, BRIDGE, "priority=10,in_port=%d,actions=output:%d" % (p1, p2),
                       "priority=10,in_port=%d,actions=output:%d" % (p2, p1))
        for i in range(5):
            port1.send(udp_frame(MAC1, MAC2, b"one-to-two-%d" % i))
        got = port2.receive_all(carries(b"one-to-two-"), 1.0)
        self.assertEqual(len(got), 5)
        self.assertEqual(Ether(got[0]).src, MAC1)
        port2.send(udp_frame(MAC2, MAC1, b"two-to-one"))
        self.assertIsNotNone(port1.receive(carries(b"two-to-one"), 2.0))

        flows = ovs.dump_flows(BRIDGE, cookie=COOKIE)
        self.assertEqual(len(flows), 2)
        by_port = {f["match"]: f for f in flows}
        self.assertGreaterEqual(by_port["in_port=%d" % p1]["n_packets"], 5)
        self.assertEqual(by_port["in_port=%d" % p1]["actions"], "output:%d" % p2)
        self.assertEqual(ovs.dump_flows(BRIDGE, cookie=COOKIE + 1), [])

        ovs.del_port(g2.port)
        self.assertEqual(ovs.vsctl("--if-exists", "get", "Interface", g2.port, "name").strip(), "")

    def test_restarts_keep_rows_lose_flows_and_stop_leaves_nothing(self):
        ns = self.lab.namespace("sw")
        ovs = self.start_ovs(ns)
        ovs.add_bridge(BRIDGE)
        g1 = ovs_lab.attach_guest(self.lab, ovs, BRIDGE, "vnet%da" % PID, MAC1, vm=VM1)
        p1 = ovs.ofport(g1.port)
        self.add_flows(ovs, BRIDGE, "priority=10,in_port=%d,actions=drop" % p1)
        self.assertEqual(len(ovs.dump_flows(BRIDGE, cookie=COOKIE)), 1)

        ovs.kill_vswitchd()
        self.assertTrue(harness.run(["ip", "-n", ns, "link", "show", "dev", BRIDGE],
                                    check=False)[0] == 0, "a killed vswitchd leaves its taps")
        started = time.monotonic()
        ovs.start_vswitchd()
        print("vswitchd restarted in %.3f s" % (time.monotonic() - started), file=sys.stderr)
        self.assertEqual(ovs.ofport(g1.port), p1)
        self.assertEqual(ovs.dump_flows(BRIDGE, cookie=COOKIE), [], "flows do not survive")

        ovs.kill_ovsdb()
        ovs.start_ovsdb()
        self.assertEqual(ovs.external_ids(g1.port)["vm-id"], VM1["vm_id"])
        self.assertEqual(ovs.ofport(g1.port), p1)

        pids = [ovs.vswitchd.pid, ovs.ovsdb.pid]
        ovs.stop()
        print("userspace OVS stopped in %.3f s" % ovs.timings["stop"], file=sys.stderr)
        for pid in pids:
            self.assertFalse(harness._pid_alive(pid) and
                             open("/proc/%d/stat" % pid).read().split()[2] != "Z")
        self.assertFalse(os.path.exists(ovs.dir))
        _, links = harness.run(["ip", "-n", ns, "-o", "link", "show"])
        self.assertNotIn("ovs-netdev", links)
        self.assertNotIn(BRIDGE + ":", links)
        ovs.stop()  # twice is harmless

    def test_dpdk_vhost_user_client_passes_frames_both_ways(self):
        ok, why = ovs_lab.dpdk_available()
        if not ok:
            self.skipTest(why)
        ns = self.lab.namespace("sw")
        ovs = self.start_ovs(ns, dpdk=True)
        ovs.add_bridge(BRIDGE)
        self.assertEqual(ovs.vsctl("get", "Open_vSwitch", ".", "dpdk_initialized").strip(), "true")
        g1 = ovs_lab.attach_guest(self.lab, ovs, BRIDGE, "vnet%da" % PID, MAC1, vm=VM1)

        socket_path = ovs.path("vhu0.sock")
        testpmd = ovs_lab.TestPmd(socket_path, MAC1, harness.dpdk_file_prefix("testpmd"),
                                  ovs.path("testpmd.log"))
        stopped = []

        def stop_testpmd():
            if not stopped:
                stopped.append(testpmd.stop())
        self.addCleanup(stop_testpmd)
        testpmd.wait_socket()

        vhu = "vhu%d" % PID
        ovs.add_vm_port(BRIDGE, vhu, "52:54:00:00:02:01", VM2["iface_id"], VM2["vm_id"],
                        iface_type="dpdkvhostuserclient",
                        options={"vhost-server-path": socket_path})
        pv, p1 = ovs.ofport(vhu), ovs.ofport(g1.port)
        self.add_flows(ovs, BRIDGE, "priority=10,in_port=%d,actions=output:%d" % (p1, pv),
                       "priority=10,in_port=%d,actions=output:%d" % (pv, p1))
        port1 = self.lab.port(g1.namespace, "eth0")

        # Forwarding starts once OVS has connected as client and testpmd has
        # started its port: probe until the first echo.
        deadline = time.monotonic() + 20
        while True:
            port1.send(udp_frame(MAC1, "52:54:00:00:02:01", b"probe"))
            if port1.receive(carries(b"probe"), 0.2) is not None:
                break
            self.assertLess(time.monotonic(), deadline, "no echo through vhost-user:\n" +
                            testpmd.log() + ovs.log())
        port1.drain()
        before = ovs.port_stats(BRIDGE, vhu)
        count = 20
        for i in range(count):
            port1.send(udp_frame(MAC1, "52:54:00:00:02:01", b"via-vhost-%02d" % i))
        echoed = port1.receive_all(carries(b"via-vhost-"), 2.0)
        after = ovs.port_stats(BRIDGE, vhu)
        stop_testpmd()
        totals = stopped[0]
        print("testpmd totals %s, OVS vhost port tx %d rx %d" % (
            totals, after["tx_packets"] - before["tx_packets"],
            after["rx_packets"] - before["rx_packets"]), file=sys.stderr)

        # Out through OVS into testpmd, and back (mac forwarding rewrote the
        # destination to the guest's MAC).
        self.assertEqual(len(echoed), count)
        self.assertEqual(Ether(echoed[0]).dst, MAC1)
        self.assertGreaterEqual(after["tx_packets"] - before["tx_packets"], count)
        self.assertGreaterEqual(after["rx_packets"] - before["rx_packets"], count)
        self.assertGreaterEqual(totals["rx"], count)
        self.assertGreaterEqual(totals["tx"], count)

        started = time.monotonic()
        ovs.stop()
        print("DPDK OVS stopped in %.3f s" % (time.monotonic() - started), file=sys.stderr)


if __name__ == "__main__":
    ovs_lab.skip_unless_root_and_ovs()
    unittest.main(verbosity=2)
