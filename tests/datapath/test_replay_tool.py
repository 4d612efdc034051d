"""roam6-datapath-replay itself: its help, and that a bad spec is refused
with the JSON path of the mistake before DPDK starts."""

import json
import os
import subprocess
import tempfile
import unittest

from replay import REPLAY, host_settings, write_pcap


class ReplayTool(unittest.TestCase):
    def run_tool(self, *args):
        return subprocess.run([REPLAY, *args], capture_output=True, text=True, timeout=60)

    def test_help(self):
        done = self.run_tool("--help")
        self.assertEqual(done.returncode, 0)
        for section in ("NAME", "SYNOPSIS", "SPEC", "OUTPUT", "EXIT STATUS"):
            self.assertIn(section, done.stdout)

    def test_bad_specs_are_refused_with_their_path(self):
        with tempfile.TemporaryDirectory(prefix="roam6-dp-pcap-") as d:
            write_pcap(os.path.join(d, "in.pcap"), [])
            cases = {
                "spec.host: unknown field \"uplink_mtuu\"":
                    {"role": "host", "host": dict(host_settings(), uplink_mtuu=1)},
                "spec.steps[1].pcap": None,  # filled below
                "spec.role": {"role": "router"},
                "spec.host.liveness_interval_ms: must be at least 1":
                    {"role": "host", "host": dict(host_settings(), liveness_interval_ms=0)},
                "spec.guests[0].mac: not a MAC address":
                    {"role": "host", "host": host_settings(),
                     "guests": [{"mac": "52:54:00", "home_address": "2001:db8::1"}]},
                "spec.steps[0]: unknown step \"pause\"":
                    {"role": "host", "host": host_settings(), "steps": [{"pause": 1}]},
                "spec.home_agent.home_prefixes[1]: not an IPv6 prefix":
                    {"role": "home_agent",
                     "home_agent": {"address": "2001:db8::1", "port_mac": "02:00:00:00:00:01",
                                    "router_mac": "02:00:00:00:00:02",
                                    "home_prefixes": ["2001:db8::/48", "2001:db8:a::1/48"]}},
                "spec.home_agent.home_prefixes: expected a list":
                    {"role": "home_agent",
                     "home_agent": {"address": "2001:db8::1", "port_mac": "02:00:00:00:00:01",
                                    "router_mac": "02:00:00:00:00:02",
                                    "home_prefixes": "2001:db8::/48"}},
                "the Home Agent role has only the uplink port":
                    {"role": "home_agent",
                     "home_agent": {"address": "2001:db8::1", "port_mac": "02:00:00:00:00:01",
                                    "router_mac": "02:00:00:00:00:02"},
                     "steps": [{"input": "guests", "pcap": "in.pcap"}]},
            }
            cases["spec.steps[1].pcap"] = {
                "role": "host", "host": host_settings(),
                "steps": [{"input": "uplink", "pcap": "in.pcap"},
                          {"input": "uplink", "pcap": "missing.pcap"}]}
            for expected, spec in cases.items():
                with self.subTest(expected=expected):
                    path = os.path.join(d, "spec.json")
                    with open(path, "w") as f:
                        json.dump(spec, f)
                    done = self.run_tool("--spec", path, "--out-dir", os.path.join(d, "out"))
                    self.assertEqual(done.returncode, 1, done.stderr)
                    self.assertIn(expected, done.stderr)
            done = self.run_tool("--spec")
            self.assertEqual(done.returncode, 1)


if __name__ == "__main__":
    unittest.main()
