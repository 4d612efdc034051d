"""Shared helpers for the pcap-in / pcap-out datapath tests.

Each test builds frames with scapy, writes them to pcap files, runs
roam6-datapath-replay (the real host or Home Agent pipeline over DPDK's
net_pcap driver; its path comes from ROAM6_DATAPATH_REPLAY, which ctest
sets), and reads what came out back with scapy's rdpcap.

A Run collects the spec (role, settings, bindings, ordered steps) and the
input frames; run() executes it in a temporary directory owned by the test
case (removed by addCleanup) and returns an Outcome with the frames of every
output port, the punted frames and the counters.
"""

import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import raw, rdpcap  # noqa: E402
from scapy.layers.inet import IP, UDP as UDP4  # noqa: E402,F401
from scapy.layers.inet6 import IPv6, UDP, ICMPv6PacketTooBig, in6_chksum  # noqa: E402,F401
from scapy.layers.l2 import Ether  # noqa: E402

REPLAY = os.environ.get("ROAM6_DATAPATH_REPLAY", "")
TIMEOUT = 120
LINKTYPE_ETHERNET = 1

# Dispositions that are not drops (datapath_counters.hpp).
NOT_DROPS = ("passed", "encapsulated", "decapsulated", "punted", "punted_tunnelled_mobility",
             "held", "released", "reassembling", "reassembled", "packet_too_big_sent",
             "time_exceeded_sent", "parameter_problem_sent", "fragments_sent", "handed_over")

# ---------------------------------------------------------------------------
# The test network (addresses used by every module)

HOME_AGENT = "2001:db8:a::1"
HOME_ROUTER_MAC = "02:00:00:00:0a:fe"     # the home link's router
HOME_ROUTER_LL = "fe80::1"
HA_PORT_MAC = "02:00:00:00:0a:01"
CARE_OF = "2001:db8:b::2"                 # host B at the foreign site
UPLINK_MAC = "02:00:00:00:0b:02"          # host B's uplink
SITE_ROUTER_MAC = "02:00:00:00:0b:01"     # the foreign site's router
CORRESPONDENT = "2001:db8:c::9"
FLOW_LABEL_KEY = 0x5eed

# An away guest that has resumed on host B.
G_MAC = "52:54:00:00:00:01"
G_HOA = "2001:db8:a::100"
G_LL = "fe80::5054:ff:fe00:1"
# An away guest that has not resumed yet (migration in progress).
P_MAC = "52:54:00:00:00:03"
P_HOA = "2001:db8:a::103"
P_LL = "fe80::5054:ff:fe00:3"
# A guest at its home site (host B is its home).
H_MAC = "52:54:00:00:00:02"
H_HOA = "2001:db8:b::200"


def away_guest(mac, hoa, ll, resumed=True):
    return {"mac": mac, "home_address": hoa, "link_local": ll, "away": True,
            "home_agent": HOME_AGENT, "care_of_address": CARE_OF,
            "router_mac": HOME_ROUTER_MAC, "router_link_local": HOME_ROUTER_LL,
            "resumed": resumed}


def host_guests():
    return [away_guest(G_MAC, G_HOA, G_LL),
            away_guest(P_MAC, P_HOA, P_LL, resumed=False),
            {"mac": H_MAC, "home_address": H_HOA, "away": False, "resumed": True}]


def host_settings(**overrides):
    settings = {"care_of_address": CARE_OF, "uplink_mac": UPLINK_MAC,
                "next_hop_mac": SITE_ROUTER_MAC, "uplink_mtu": 1500,
                "tunnel": {"hop_limit": 64, "flow_label_key": FLOW_LABEL_KEY}}
    settings.update(overrides)
    return settings


def home_agent_settings(**overrides):
    settings = {"address": HOME_AGENT, "port_mac": HA_PORT_MAC, "router_mac": HOME_ROUTER_MAC,
                "mtu": 1500, "tunnel": {"hop_limit": 64, "flow_label_key": FLOW_LABEL_KEY}}
    settings.update(overrides)
    return settings


# ---------------------------------------------------------------------------
# pcap files

def write_pcap(path, frames):
    """Writes frames (scapy packets or raw bytes) exactly as given: a hand
    written pcap so that truncated and malformed frames stay byte-exact."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
        for i, frame in enumerate(frames):
            data = frame if isinstance(frame, (bytes, bytearray)) else raw(frame)
            f.write(struct.pack("<IIII", 1, i, len(data), len(data)))
            f.write(data)


def read_pcap(path):
    if not os.path.exists(path):
        return []
    return list(rdpcap(path))


# ---------------------------------------------------------------------------
# Running the replay tool

class Outcome:
    def __init__(self, out_dir, counters):
        self.uplink = read_pcap(os.path.join(out_dir, "uplink.pcap"))
        self.guests = read_pcap(os.path.join(out_dir, "guests.pcap"))
        self.punt = read_pcap(os.path.join(out_dir, "punt.pcap"))
        self.counters = counters

    def disposition(self, port):
        return self.counters["ports"][port]["disposition"]

    def count(self, port, name):
        return self.disposition(port)[name]

    def nonzero(self, port):
        return {k: v for k, v in self.disposition(port).items() if v}


class Run:
    def __init__(self, test, role, settings, guests=(), tunnels=()):
        if not REPLAY or not os.access(REPLAY, os.X_OK):
            raise AssertionError("ROAM6_DATAPATH_REPLAY must name the replay tool (got %r)"
                                 % REPLAY)
        self.dir = tempfile.mkdtemp(prefix="roam6-dp-pcap-")
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.spec = {"role": role, role: settings, "steps": []}
        if guests:
            self.spec["guests"] = list(guests)
        if tunnels:
            self.spec["tunnels"] = list(tunnels)

    def option(self, name, value):
        self.spec[name] = value
        return self

    def input(self, port, frames):
        name = "in%d-%s.pcap" % (len(self.spec["steps"]), port)
        write_pcap(os.path.join(self.dir, name), frames)
        self.spec["steps"].append({"input": port, "pcap": name})
        return self

    def step(self, **step):
        self.spec["steps"].append(step)
        return self

    def run(self):
        spec_path = os.path.join(self.dir, "spec.json")
        with open(spec_path, "w") as f:
            json.dump(self.spec, f, indent=1)
        out_dir = os.path.join(self.dir, "out")
        done = subprocess.run([REPLAY, "--spec", spec_path, "--out-dir", out_dir],
                              capture_output=True, text=True, timeout=TIMEOUT)
        if done.returncode != 0:
            raise AssertionError("roam6-datapath-replay failed (%d): %s%s"
                                 % (done.returncode, done.stdout, done.stderr))
        with open(os.path.join(out_dir, "counters.json")) as f:
            counters = json.load(f)
        return Outcome(out_dir, counters)


# ---------------------------------------------------------------------------
# Checks

class DatapathTestCase(unittest.TestCase):
    maxDiff = None

    def assertDispositions(self, outcome, port, expected):
        """Exactly these dispositions are non-zero on `port` (a dict name -> n)."""
        self.assertEqual(outcome.nonzero(port), expected,
                         "dispositions of frames that arrived on %s" % port)

    def assertNothingOut(self, outcome):
        self.assertEqual([raw(p).hex() for p in outcome.uplink], [], "uplink output")
        self.assertEqual([raw(p).hex() for p in outcome.guests], [], "guests output")
        self.assertEqual([raw(p).hex() for p in outcome.punt], [], "punted frames")

    def assertUdpChecksumValid(self, ip6):
        """The UDP checksum in the packet equals one computed over it here."""
        udp = ip6[UDP]
        data = raw(udp)
        zeroed = data[:6] + b"\x00\x00" + data[8:]
        computed = in6_chksum(17, ip6, zeroed)
        if computed == 0:
            computed = 0xFFFF
        self.assertEqual(udp.chksum, computed, "UDP checksum")

    def assertIcmpv6ChecksumValid(self, ip6):
        icmp = raw(ip6.payload)
        zeroed = icmp[:2] + b"\x00\x00" + icmp[4:]
        self.assertEqual(struct.unpack("!H", icmp[2:4])[0], in6_chksum(58, ip6, zeroed),
                         "ICMPv6 checksum")


def ipv6_bytes(frame):
    """The IPv6 packet of an Ethernet frame, as its payload length declares."""
    data = raw(frame)[14:]
    return data[:40 + struct.unpack("!H", data[4:6])[0]]


def with_hop_limit(ip6_bytes, hop_limit):
    return ip6_bytes[:7] + bytes([hop_limit]) + ip6_bytes[8:]


def traffic_class(ip6):
    return ip6.tc


def flow_label(ip6):
    return ip6.fl
