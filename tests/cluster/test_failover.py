#!/usr/bin/python3
"""Active/standby Home Agents on etcd ([home_agent] leader_election):
two real mip6d Home Agents, each in its own namespace, on one home link (a
Linux bridge with the test's router port), and a real three-member etcd
cluster in a namespace of its own that each Home Agent reaches over its
own link.

- kill -9 of the leader: the standby takes the Home Agent address over with
  unsolicited NAs, answers the next BU, and holds every binding the old
  leader acknowledged; a BU captured before the kill, replayed to it, is
  refused.
- kill -9 of the leader under a steady BU load and a stream of packets to
  an away guest, both Home Agents with the DPDK datapath: every binding the
  load generator saw acknowledged (by either) is held by the new leader,
  and the guest's packets flow through the new leader's tunnel again.
- a partitioned leader (its link to etcd cut) stops answering before the
  standby starts (no frame from it after the standby's first), and exits
  with status 75.
- a clean stop (SIGTERM) hands over at once: the lease is revoked.
"""

import os
import socket
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import test_datapath_end_to_end as e2e  # noqa: E402
import test_home_agent_crash as crash  # noqa: E402
from etcd_members import EtcdMembers  # noqa: E402
from harness import Lab, InNamespace, addr, binding_update, frame, ntp_timestamp  # noqa: E402

HA = "2001:db8:a::1"
HA_MACS = ["02:00:00:00:0a:91", "02:00:00:00:0a:92"]
ROUTER_MAC = "02:00:00:00:0a:01"
COA = "2001:db8:b::10"
CORRESPONDENT = "2001:db8:c::5"
KEY = crash.KEY  # the key binding_ack checks BAs with
TTL = 1


def config(lab, n, endpoints, datapath=False, priority=None):
    return """role = "home-agent"
node_name = "ha%d"
control_socket = "%s"
log_level = "info"
[interfaces]
uplink = "ha0"
[home_agent]
address = "%s"
home_prefixes = ["2001:db8:a::/64"]
max_lifetime = 3600
replay_window = 60
store = "etcd"
etcd_endpoints = [%s]
etcd_prefix = "/roam6/home-a"
etcd_timeout_ms = 200
leader_election = true
leader_lease_ttl = %d
leader_priority = %d
[[sites]]
name = "site-a"
prefix = "2001:db8:a::/64"
home_agent = "%s"
router_link_local = "fe80::1"
router_mac = "%s"
[[sites]]
name = "site-b"
prefix = "2001:db8:b::/64"
router_link_local = "fe80::1"
router_mac = "02:00:00:00:0b:01"
%s
[[policy]]
key = "site-b-hosts"
care_of_prefixes = ["2001:db8:b::/48"]
home_prefixes = ["2001:db8:a::/64"]
""" % (n, lab.path("ha%d.sock" % n), HA, ", ".join('"%s"' % e for e in endpoints), TTL,
       # HA1 first: the one started first stays leader (no hand-over to a
       # standby the rank would prefer) unless a test says otherwise.
       priority or (200 if n == 1 else 100), HA, ROUTER_MAC,
       KEY.toml()) + (e2e.datapath_section("ha%d" % n, "ha0") if datapath else "")


class Sniffer(threading.Thread):
    """Every frame the router port receives, with its arrival time."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.frames = []  # (monotonic, bytes)
        self.neighbours = {}  # target -> MAC of the last NA for it: a router's neighbour cache
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self):
        sock = self.port.sock
        sock.settimeout(0.05)
        while not self.stopping.is_set():
            try:
                data, address = sock.recvfrom(65535)
            except socket.timeout:
                continue
            if address[2] == harness.PACKET_OUTGOING:
                continue
            target = advertised_target(data)
            with self.lock:
                self.frames.append((time.monotonic(), data))
                if target is not None:
                    self.neighbours[target] = source_mac(data)

    def stop(self):
        self.stopping.set()
        self.join(5)

    def snapshot(self, since=0.0):
        with self.lock:
            return [(t, f) for t, f in self.frames if t >= since]


def source_mac(f):
    return ":".join("%02x" % b for b in f[6:12])


def binding_ack(f):
    """(home address, sequence, status) of an authentic BA, else None."""
    ba = crash.binding_ack(f)
    if ba is None:
        return None
    hoa, _, seq, status, authentic = ba
    if not authentic:
        raise AssertionError("a BA with a bad authenticator")
    return hoa, seq, status


def advertised_target(f):
    """The target of a Neighbour Advertisement, else None."""
    p = harness.parse_ipv6_frame(f)
    if p is None or p["upper"] != 58 or len(p["payload"]) < 24 or p["payload"][0] != 136:
        return None
    return addr(p["payload"][8:24])


class SteadyLoad(threading.Thread):
    """A home router's traffic during a failover: BUs for every home address
    in turn (each a higher sequence number) to the Home Agent address, and a
    packet every 5 ms from a correspondent to `guest`, each sent to the MAC
    the last Neighbour Advertisement for its destination named (the router's
    neighbour cache, which the new leader's unsolicited NAs update)."""

    def __init__(self, test, hoas, guest, bus_per_second=400):
        super().__init__(daemon=True)
        self.test = test
        self.hoas = hoas
        self.guest = guest
        self.interval = 1.0 / bus_per_second
        self.seq = {hoa: 1 for hoa in hoas}
        self.stopping = threading.Event()
        self.bus_sent = 0
        self.packets_sent = 0

    def neighbour(self, target):
        with self.test.sniffer.lock:
            return self.test.sniffer.neighbours.get(target, HA_MACS[0])

    def run(self):
        from scapy.all import IPv6, UDP, Ether, raw
        i = 0
        next_packet = 0.0
        while not self.stopping.is_set():
            now = time.monotonic()
            mac_ha = self.neighbour(HA)
            mac_guest = self.neighbour(self.guest)
            hoa = self.hoas[i % len(self.hoas)]
            i += 1
            self.seq[hoa] += 1
            self.test.bu(mac_ha, hoa, self.seq[hoa])
            self.bus_sent += 1
            if now >= next_packet:
                packet = Ether(src=ROUTER_MAC, dst=mac_guest) / IPv6(src=CORRESPONDENT, dst=self.guest) / UDP(
                    sport=4000, dport=5000) / ("%08d" % self.packets_sent)
                self.test.port.send(raw(packet))
                self.packets_sent += 1
                next_packet = now + 0.005
            time.sleep(self.interval)

    def stop(self):
        self.stopping.set()
        if self.is_alive():
            self.join(5)

    def tunnelled(self, since=0.0):
        """(time, source MAC) of every packet to the guest that came back
        tunnelled to its care-of address."""
        out = []
        for t, f in self.test.sniffer.snapshot(since):
            p = harness.parse_ipv6_frame(f)
            if p is None or p["upper"] != 41 or p["dst"] != COA or len(p["payload"]) < 40:
                continue
            if addr(p["payload"][24:40]) == self.guest:
                out.append((t, source_mac(f)))
        return out

    def tunnelled_from(self, mac):
        return sum(1 for _, m in self.tunnelled() if m == mac)

    def first_tunnelled_from(self, mac, since):
        times = [t for t, m in self.tunnelled(since) if m == mac]
        return min(times) if times else None


class Failover(unittest.TestCase):
    def setUp(self):
        self.lab = Lab()
        self.addCleanup(self.lab.close)
        self.addCleanup(lambda: harness.test_failed(self) and harness.print_logs(self.lab.daemons, 3000))
        ns_link = self.lab.namespace("link")
        harness.run(["ip", "-n", ns_link, "link", "add", "br0", "type", "bridge"])
        harness.run(["ip", "-n", ns_link, "link", "set", "br0", "up"])
        self.ns_etcd = self.lab.namespace("etcd", ipv6=True)
        self.ns_router = self.lab.namespace("rt")
        self.lab.veth(self.ns_router, "rt0", ns_link, "l0", mac_a=ROUTER_MAC)
        self.lab.disable_ipv6(self.ns_router, "rt0")
        harness.run(["ip", "-n", ns_link, "link", "set", "l0", "master", "br0"])
        self.etcd = EtcdMembers(self.lab, self.ns_etcd, count=3, listen="0.0.0.0")
        self.ns_has = []
        self.has = []
        for n in (1, 2):
            ns = self.lab.namespace("ha%d" % n)
            self.ns_has.append(ns)
            self.lab.veth(ns, "ha0", ns_link, "l%d" % n, mac_a=HA_MACS[n - 1])
            self.lab.disable_ipv6(ns, "ha0")
            harness.run(["ip", "-n", ns_link, "link", "set", "l%d" % n, "master", "br0"])
            self.lab.veth(ns, "e0", self.ns_etcd, "e%d" % n)
            harness.run(["ip", "-n", ns, "addr", "add", "10.9.%d.2/24" % n, "dev", "e0"])
            harness.run(["ip", "-n", self.ns_etcd, "addr", "add", "10.9.%d.1/24" % n, "dev", "e%d" % n])
        self.etcd.start()
        self.addCleanup(self.etcd.kill)
        self.port = self.lab.port(self.ns_router, "rt0")
        self.sniffer = Sniffer(self.port)
        self.sniffer.start()
        self.addCleanup(self.sniffer.stop)

    # --- helpers ----------------------------------------------------------

    def wait_log(self, daemon, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in daemon.log():
                return time.monotonic()
            time.sleep(0.01)
        raise AssertionError("no %r in %s's log within %.0f s:\n%s" % (text, daemon.log_path, timeout,
                                                                       daemon.log()[-2000:]))

    def make_has(self, datapath=False, priorities=(None, None)):
        """Each reaches every etcd member over its own link."""
        for n in (1, 2):
            endpoints = ["http://10.9.%d.1:%d" % (n, EtcdMembers.client_port(i)) for i in range(self.etcd.count)]
            self.has.append(self.lab.daemon(self.ns_has[n - 1],
                                            config(self.lab, n, endpoints, datapath, priorities[n - 1]), "ha%d" % n))

    def start_pair(self, datapath=False):
        """HA1 leads, HA2 stands by."""
        self.make_has(datapath)
        self.has[0].start()
        self.wait_log(self.has[0], "takeover_announced")  # elected, caught up and serving
        self.has[1].start()
        self.wait_log(self.has[1], "standing_by")

    def bu(self, mac, hoa, seq, timestamp=None):
        f = frame(mac, ROUTER_MAC, binding_update(COA, HA, hoa, seq, 900,
                                                  KEY, timestamp=timestamp or ntp_timestamp()))
        self.port.send(f)
        return f

    def acks(self, since=0.0, mac=None):
        out = []
        for t, f in self.sniffer.snapshot(since):
            if mac is not None and source_mac(f) != mac:
                continue
            a = binding_ack(f)
            if a is not None:
                out.append((t, source_mac(f)) + a)
        return out

    def register_all(self, mac, hoas, seq=1, timeout=10.0):
        since = time.monotonic()
        for hoa in hoas:
            self.bu(mac, hoa, seq)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = {(a[2], a[3]): a[4] for a in self.acks(since, mac)}
            if len(got) >= len(hoas):
                return got
            time.sleep(0.02)
        counters = []
        for d in self.has:
            try:
                counters.append({k: v for k, v in d.stats().items() if v and not k.startswith("discard")})
            except Exception as e:  # a daemon that is gone
                counters.append(repr(e))
        raise AssertionError("%d of %d BAs; counters %s" % (len(self.acks(since, mac)), len(hoas), counters))

    def bindings(self, daemon):
        return {b["home_address"]: (b["care_of_address"], b["sequence"])
                for b in daemon.ctl("binding", "list")["bindings"]}

    # --- tests --------------------------------------------------------------

    def test_standby_takes_over_a_killed_leader_with_every_acknowledged_binding(self):
        self.start_pair()
        hoas = ["2001:db8:a::2:%x" % i for i in range(1, 201)]
        acked = self.register_all(HA_MACS[0], hoas)
        self.assertEqual(set(acked.values()), {0})
        self.assertEqual(self.acks(mac=HA_MACS[1]), [], "the standby answers nothing")
        self.assertEqual(self.has[1].stats()["bindings.current"], 0)
        since = time.monotonic()
        captured = self.bu(HA_MACS[0], hoas[0], 2)  # accepted, then replayed to the new leader
        deadline = time.monotonic() + 5
        while not self.acks(since, HA_MACS[0]) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual([a[2:] for a in self.acks(since, HA_MACS[0])], [(hoas[0], 2, 0)])

        killed = time.monotonic()
        self.has[0].kill()
        # The standby announces the takeover: its own address first.
        took_over = None
        deadline = killed + 10
        while took_over is None and time.monotonic() < deadline:
            for t, f in self.sniffer.snapshot(killed):
                if source_mac(f) == HA_MACS[1] and advertised_target(f) == HA:
                    took_over = t
                    break
            time.sleep(0.005)
        self.assertIsNotNone(took_over, "no takeover NA\n" + self.has[1].log()[-2000:])
        announced = {advertised_target(f) for _, f in self.sniffer.snapshot(killed) if source_mac(f) == HA_MACS[1]}
        self.assertIn(hoas[-1], announced)

        # It started from the copy its etcd watch kept, not from a full read.
        self.assertIn("takeover_read from=mirror", self.has[1].log())
        # It answers the next BU, and holds everything the old leader acknowledged.
        answered = self.register_all(HA_MACS[1], ["2001:db8:a::3:1"])
        first_ba = min(a[0] for a in self.acks(killed, HA_MACS[1]))
        self.assertEqual(list(answered.values()), [0])
        held = self.bindings(self.has[1])
        for hoa in hoas[1:]:
            self.assertEqual(held.get(hoa), (COA, 1), hoa)
        self.assertEqual(held.get(hoas[0]), (COA, 2))
        # The BU captured before the kill, replayed: refused, changes nothing.
        since = time.monotonic()
        self.port.send(captured)
        time.sleep(0.3)
        self.assertNotIn(0, [a[4] for a in self.acks(since, HA_MACS[1])])
        self.assertEqual(self.bindings(self.has[1]).get(hoas[0]), (COA, 2))
        print("kill -> takeover NA %.0f ms, -> first BA %.0f ms (lease TTL %d s)" % (
            (took_over - killed) * 1000, (first_ba - killed) * 1000, TTL), file=sys.stderr)

    def test_leader_killed_under_steady_load_loses_no_acknowledged_binding_and_traffic_resumes(self):
        self.start_pair(datapath=True)
        hoas = ["2001:db8:a::6:%x" % i for i in range(1, 101)]
        guest = hoas[0]
        self.register_all(HA_MACS[0], hoas)
        load = SteadyLoad(self, hoas, guest)
        load.start()
        self.addCleanup(load.stop)
        time.sleep(1.5)
        self.assertGreater(load.tunnelled_from(HA_MACS[0]), 0, "the leader tunnels the guest's packets")
        killed = time.monotonic()
        self.has[0].kill()
        time.sleep(3.0)
        load.stop()
        time.sleep(0.5)  # the last BAs and packets

        # Every binding the load generator saw acknowledged, by either Home
        # Agent, is held by the new leader at that sequence number or a later
        # one it took (a BU etcd took just before the kill, unanswered).
        held = self.bindings(self.has[1])
        acked = {}
        for _, mac, hoa, seq, status in self.acks():
            if status == 0:
                acked[hoa] = max(acked.get(hoa, 0), seq)
        self.assertEqual(set(acked), set(hoas))
        behind = {hoa: (seq, held.get(hoa)) for hoa, seq in acked.items()
                  if held.get(hoa) is None or held[hoa][1] < seq}
        self.assertEqual(behind, {}, "acknowledged bindings the new leader lacks")
        self.assertEqual({coa for coa, _ in held.values()}, {COA})
        answered_after = [a[0] - killed for a in self.acks(killed, HA_MACS[1]) if a[4] == 0]
        self.assertTrue(answered_after, "the new leader answers the load")
        first_tunnelled = load.first_tunnelled_from(HA_MACS[1], killed)
        self.assertIsNotNone(first_tunnelled, "the guest's packets flow through the new leader")
        self.assertGreater(load.tunnelled_from(HA_MACS[1]), 100)
        print("under load (%d BUs, %d packets to %s): kill -> first BA %.0f ms, -> guest's packets "
              "tunnelled again %.0f ms (lease TTL %d s)" % (
                  load.bus_sent, load.packets_sent, guest, min(answered_after) * 1000,
                  (first_tunnelled - killed) * 1000, TTL), file=sys.stderr)

    def test_a_ready_member_of_higher_priority_takes_the_lead_with_every_binding(self):
        self.make_has(priorities=(100, 200))
        self.has[0].start()
        self.wait_log(self.has[0], "takeover_announced")
        hoas = ["2001:db8:a::7:%x" % i for i in range(1, 51)]
        self.register_all(HA_MACS[0], hoas)
        started = time.monotonic()
        self.has[1].start()
        # Once its copy is current, HA1 hands over: it stops serving, revokes
        # its lease and exits 75, to come back as a standby.
        self.has[0].proc.wait(timeout=10)
        self.assertEqual(self.has[0].proc.returncode, 75, self.has[0].log()[-2000:])
        self.assertIn("handing_over to=ha2 priority=200", self.has[0].log())
        self.wait_log(self.has[1], "takeover_announced", timeout=5)
        self.assertIn("takeover_read from=mirror", self.has[1].log())
        self.assertNotIn("silent_leader", self.has[1].log(), "taken from a revoked lease, at once")
        held = self.bindings(self.has[1])
        self.assertEqual({hoa: held.get(hoa) for hoa in hoas}, {hoa: (COA, 1) for hoa in hoas})
        self.register_all(HA_MACS[1], ["2001:db8:a::7:1"], seq=2)
        # No frame from HA1 after HA2's first.
        frames = self.sniffer.snapshot(started)
        first_new = min(t for t, f in frames if source_mac(f) == HA_MACS[1])
        self.assertEqual([t for t, f in frames if source_mac(f) == HA_MACS[0] and t >= first_new], [])
        view = self.has[1].ctl("cluster")
        self.assertEqual((view["priority"], view["preferred"]), (200, "ha2"))
        self.assertEqual([(m["name"], m["priority"], m["ready"]) for m in view["members"]], [("ha2", 200, True)])

    def test_mip6ctl_cluster_shows_the_members_and_the_leader(self):
        self.start_pair()
        leader = self.has[0].ctl("cluster")
        standby = self.has[1].ctl("cluster")
        self.assertEqual((leader["state"], leader["leading"]), ("leading", True))
        self.assertEqual((standby["state"], standby["leading"]), ("standby", False))
        for view in (leader, standby):
            self.assertEqual(view["etcd"], "reachable")
            self.assertEqual(view["leader"], "ha1 " + HA)
            self.assertEqual(view["lease_ttl"], TTL)
            members = {m["name"]: m for m in view["members"]}
            self.assertEqual(sorted(members), ["ha1", "ha2"])
            self.assertTrue(members["ha1"]["leader"])
            self.assertFalse(members["ha2"]["leader"])
            for m in members.values():
                self.assertGreaterEqual(m["lease_left_s"], 0)
        # The members' view follows a member that goes.
        self.has[1].kill()
        deadline = time.monotonic() + 5
        while len(self.has[0].ctl("cluster")["members"]) != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual([m["name"] for m in self.has[0].ctl("cluster")["members"]], ["ha1"])

    def test_a_partitioned_leader_falls_silent_before_the_standby_answers(self):
        self.start_pair()
        self.register_all(HA_MACS[0], ["2001:db8:a::4:1"])
        cut = time.monotonic()
        harness.run(["ip", "-n", self.ns_has[0], "link", "set", "e0", "down"])
        self.wait_log(self.has[1], "takeover_announced", timeout=10)
        self.has[0].proc.wait(timeout=10)
        self.assertEqual(self.has[0].proc.returncode, 75, self.has[0].log()[-2000:])
        self.assertIn("leadership_lost", self.has[0].log())
        # Ask both, through the link: only the new leader answers.
        since = time.monotonic()
        self.bu(HA_MACS[0], "2001:db8:a::4:1", 2)
        self.register_all(HA_MACS[1], ["2001:db8:a::4:1"], seq=3)
        frames = self.sniffer.snapshot(cut)
        first_new = min(t for t, f in frames if source_mac(f) == HA_MACS[1])
        late_old = [t - cut for t, f in frames if source_mac(f) == HA_MACS[0] and t >= first_new]
        self.assertEqual(late_old, [], "the old leader sent after the new one started")
        self.assertEqual(self.acks(since, HA_MACS[0]), [])
        print("cut -> new leader's first frame %.0f ms" % ((first_new - cut) * 1000), file=sys.stderr)

    def leader_key(self):
        """What etcd holds under the leader key ("" for nothing)."""
        import base64
        import json
        import urllib.request
        body = json.dumps({"key": base64.b64encode(b"/roam6/home-a/leader").decode()}).encode()
        with InNamespace(self.ns_etcd):
            with urllib.request.urlopen("http://127.0.0.1:%d/v3/kv/range" % EtcdMembers.client_port(0),
                                        data=body, timeout=2) as answer:
                kvs = json.load(answer).get("kvs", [])
        return base64.b64decode(kvs[0]["value"]).decode() if kvs else ""

    def test_a_clean_stop_hands_over_at_once(self):
        self.start_pair()
        self.assertEqual(self.leader_key(), "ha1 " + HA)
        self.has[1].proc.send_signal(19)  # SIGSTOP: the standby cannot campaign meanwhile
        self.assertEqual(self.has[0].stop(), 0)
        self.assertIn("resigned", self.has[0].log())
        # The lease was revoked, not left to run out: the key is gone now.
        self.assertEqual(self.leader_key(), "")
        self.has[1].proc.send_signal(18)  # SIGCONT
        self.wait_log(self.has[1], "takeover_announced", timeout=5)
        self.assertEqual(self.leader_key(), "ha2 " + HA)
        self.register_all(HA_MACS[1], ["2001:db8:a::5:1"])


if __name__ == "__main__":
    harness.skip_unless_root()
    unittest.main(verbosity=2)
