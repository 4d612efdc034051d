#!/usr/bin/python3
"""The Home Agent's binding cache in etcd ([home_agent] store = "etcd"):
a real etcd (Debian's etcd-server, private data directory) in the Home
Agent's namespace, a real mip6d, BUs from a raw port.

- Durability: the SIGKILL rounds of tests/integration/test_home_agent_crash.py
  on etcd: every binding a BA acknowledged comes back from etcd.
- etcd trouble (docs/cluster.md): while etcd hangs, BUs are refused with
  status 130 and the bindings the Home Agent holds stay; one log line for
  the outage, one when it ends; after etcd returns, registrations go
  through again and what they wrote is what a restart restores.
- A Home Agent that cannot reach etcd at start says so and exits.
- Three members: one killed changes nothing a host sees; two killed (no
  quorum) refuse registrations with 130 while the bindings stay; all back,
  registrations go through and nothing acknowledged is lost.
"""

import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import test_home_agent_crash as crash  # noqa: E402
from etcd_members import EtcdMembers  # noqa: E402
from harness import binding_update, frame, ntp_timestamp  # noqa: E402

COA = "2001:db8:b::10"
MOVED_COA = "2001:db8:b::11"


def use_etcd(test, members=1):
    """Starts etcd (`members` members) in the Home Agent's namespace and
    points the Home Agent's configuration at it instead of its SQLite file."""
    test.etcd = EtcdMembers(test.lab, test.ns_ha, count=members).start()
    test.addCleanup(test.etcd.kill)
    with open(test.ha.config_path) as f:
        text = f.read()
    text, n = re.subn(r'database = ".*"\n', test.etcd.toml(), text)
    text, m = re.subn(r'durable_sync = false\n', "", text)
    assert (n, m) == (1, 1)
    with open(test.ha.config_path, "w") as f:
        f.write(text)


class EtcdStoreCrash(crash.HomeAgentCrash):
    def setUp(self):
        super().setUp()
        use_etcd(self)


class EtcdTrouble(crash.HomeAgentLink):
    members = 1

    def setUp(self):
        super().setUp()
        use_etcd(self, self.members)
        with open(self.ha.config_path) as f:
            text = f.read()
        with open(self.ha.config_path, "w") as f:  # store_recovered is an info line
            f.write(text.replace('log_level = "warning"', 'log_level = "info"'))

    def register(self, hoa, seq, coa=COA):
        """One BU; the status of the Home Agent's BA."""
        collector = crash.BaCollector(self.rx)
        collector.start()
        try:
            self.tx.send(frame(crash.HA_MAC, crash.ROUTER_MAC,
                               binding_update(coa, crash.HA, hoa, seq, 900, crash.KEY, timestamp=ntp_timestamp())))
            deadline = time.monotonic() + 5
            while collector.count == 0 and time.monotonic() < deadline:
                time.sleep(0.005)
        finally:
            collector.stop()
        self.assertEqual(collector.forged, 0)
        self.assertEqual(collector.count, 1, "one BA for the BU\n" + self.ha.log()[-2000:])
        if collector.accepted:
            self.assertEqual(list(collector.accepted), [(hoa, seq)])
            return 0
        return collector.refused[0][2]

    def bindings(self):
        return {b["home_address"]: (b["care_of_address"], b["sequence"])
                for b in self.ha.ctl("binding", "list")["bindings"]}

    def error_lines(self, event):
        return [line for line in self.ha.log().splitlines() if event in line and "error" in line.split(event)[0]]

    def test_refuses_with_130_while_etcd_hangs_and_recovers(self):
        self.ha.start()
        self.assertEqual(self.register("2001:db8:a::1:1", 1), 0)
        self.assertEqual(self.register("2001:db8:a::1:2", 1), 0)

        self.etcd.pause()  # connections stay open, nothing answers
        self.assertEqual(self.register("2001:db8:a::1:1", 2, MOVED_COA), 130)  # after etcd_timeout_ms
        self.assertEqual(self.register("2001:db8:a::1:3", 1), 130)             # at once: etcd is down
        # What the Home Agent holds stays as etcd last had it, and forwarding
        # keeps its tunnels.
        self.assertEqual(self.bindings(), {"2001:db8:a::1:1": (COA, 1), "2001:db8:a::1:2": (COA, 1)})
        stats = self.ha.stats()
        self.assertEqual(stats["errors.store_failures"], 2)
        self.assertEqual(len([line for line in self.ha.log().splitlines() if "store_failure" in line]), 1,
                         "one log line for the outage\n" + self.ha.log()[-2000:])

        self.etcd.resume()
        time.sleep(1.1)  # the store's retry interval
        self.assertEqual(self.register("2001:db8:a::1:1", 3, MOVED_COA), 0)
        self.assertEqual(self.register("2001:db8:a::1:3", 2), 0)
        self.assertIn("store_recovered", self.ha.log())

        # A restart restores exactly what etcd holds: the refused changes
        # never reached it, the accepted ones did.
        self.assertEqual(self.ha.stop(), 0, self.ha.log()[-2000:])
        self.ha.start()
        self.assertEqual(self.bindings(), {"2001:db8:a::1:1": (MOVED_COA, 3), "2001:db8:a::1:2": (COA, 1),
                                           "2001:db8:a::1:3": (COA, 2)})
        self.assertEqual(self.ha.stats()["bindings.restored"], 3)
        # The sequence numbers came back with them: a BU not newer is refused.
        self.assertEqual(self.register("2001:db8:a::1:1", 3, MOVED_COA), 135)

    def test_exits_with_a_clear_error_when_etcd_is_unreachable_at_start(self):
        self.etcd.kill()
        self.ha.start(wait=False)
        self.ha.proc.wait(timeout=20)
        self.assertNotEqual(self.ha.proc.returncode, 0)
        self.assertRegex(self.ha.log(), r"etcd_endpoints.*cannot restore the bindings from etcd at 127\.0\.0\.1:23790")


class EtcdQuorum(EtcdTrouble):
    members = 3
    test_refuses_with_130_while_etcd_hangs_and_recovers = None
    test_exits_with_a_clear_error_when_etcd_is_unreachable_at_start = None

    def test_one_member_down_changes_nothing_two_refuse_and_all_back_lose_nothing(self):
        self.ha.start()
        for i in range(1, 6):
            self.assertEqual(self.register("2001:db8:a::2:%x" % i, 1), 0)
        self.etcd.kill(0)  # the member the Home Agent talks to first
        # If it led etcd, the other two elect a leader first (etcd's own
        # election timeout; a BU meanwhile gets 130 and its host retries).
        self.etcd.wait_healthy()
        for i in range(1, 6):
            self.assertEqual(self.register("2001:db8:a::2:%x" % i, 2), 0, "one member down is not visible")
        self.assertEqual(self.ha.stats()["errors.store_failures"], 0)

        self.etcd.kill(1)  # no quorum
        self.assertEqual(self.register("2001:db8:a::2:1", 3, MOVED_COA), 130)
        self.assertEqual(self.register("2001:db8:a::2:9", 1), 130)
        held = self.bindings()
        self.assertEqual(len(held), 5)
        self.assertEqual(set(held.values()), {(COA, 2)}, "forwarding keeps every binding it had")

        self.etcd.start(0)
        self.etcd.start(1)
        deadline = time.monotonic() + 15
        status = None
        while status != 0 and time.monotonic() < deadline:
            time.sleep(1.1)  # the store's retry interval
            status = self.register("2001:db8:a::2:9", 2)
        self.assertEqual(status, 0, "registrations resume once etcd has its quorum back")
        self.assertEqual(self.register("2001:db8:a::2:1", 4, MOVED_COA), 0)

        self.assertEqual(self.ha.stop(), 0, self.ha.log()[-2000:])
        self.ha.start()
        held = self.bindings()
        self.assertEqual(held["2001:db8:a::2:1"], (MOVED_COA, 4))
        self.assertEqual(held["2001:db8:a::2:9"], (COA, 2))
        for i in range(2, 6):
            self.assertEqual(held["2001:db8:a::2:%x" % i], (COA, 2))


if __name__ == "__main__":
    harness.skip_unless_root()
    unittest.main(verbosity=2)
