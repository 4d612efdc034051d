"""Ethernet and 802.1Q framing, pcap files as scapy writes them, and the two
tools' command lines: usage, exit codes, human output."""

import os
import struct
import subprocess
import tempfile
import unittest

from conformance import (
    BUILD,
    DECODE,
    LINKTYPE_ETHERNET,
    TIMEOUT,
    ConformanceTest,
    build_many,
    decode_many,
    error_names,
    write_pcap,
)
from scapy.all import ARP, Dot1Q, Ether, raw, wrpcap
from scapy.layers.inet6 import (
    HAO,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6NDOptDstLLAddr,
    IPv6,
    IPv6ExtHdrDestOpt,
    MIP6MH_BU,
    MIP6OptReplayProtection,
)

HA = "2001:db8:a::1"
HOA = "2001:db8:a::100"
COA = "2001:db8:b::100"
MAC_A = "52:54:00:00:00:0a"
MAC_B = "52:54:00:00:00:0b"


def run(args, stdin=b""):
    return subprocess.run(args, input=stdin, capture_output=True, timeout=TIMEOUT)


class Frames(ConformanceTest):
    def test_ethernet_and_vlan_from_a_scapy_pcap(self):
        bu = IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / MIP6MH_BU(seq=1, mhtime=2)
        frames = [
            Ether(src=MAC_A, dst=MAC_B) / bu,
            Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=10, prio=5) / bu,
            Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=0) / IPv6(src=HOA, dst=HA) / ICMPv6EchoRequest(),
            Ether(src=MAC_A, dst="ff:ff:ff:ff:ff:ff") / ARP(),
            Ether(src=MAC_A, dst="33:33:00:00:00:01") / IPv6(src="fe80::1", dst="ff02::1", hlim=255)
            / ICMPv6ND_NA(tgt=HOA, S=0) / ICMPv6NDOptDstLLAddr(lladdr=MAC_A),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "frames.pcap")
            wrpcap(path, frames)  # scapy's own pcap writer, Ethernet link type
            proc = run([DECODE, "--json", path])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        import json

        decoded = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        self.assertEqual(len(decoded), len(frames))
        for frame, d in zip(frames, decoded):
            with self.subTest(frame.summary()):
                self.assertEqual(d["length"], len(raw(frame)))
                self.assertIn("timestamp", d)
                e = d["ethernet"]
                self.assertEqual((e["src"], e["dst"]), (frame.src, frame.dst))
                if Dot1Q in frame:
                    self.assertEqual(e["vlan_id"], frame[Dot1Q].vlan)
                    self.assertEqual(e["ethertype"], frame[Dot1Q].type)
                else:
                    self.assertIsNone(e["vlan_id"])
                    self.assertEqual(e["ethertype"], frame.type)
                if ARP in frame:
                    self.assertEqual(d["not_decoded"], "ethertype 0x0806")
                    self.assertNotIn("ipv6", d)
                else:
                    self.assertEqual(d["errors"], [])
                    self.assertEqual(d["ipv6"]["src"], frame[IPv6].src)

    def test_short_frames(self):
        frames = [b"", b"\x00" * 13, raw(Ether(src=MAC_A, dst=MAC_B, type=0x8100))[:16], raw(Ether(src=MAC_A, dst=MAC_B, type=0x86DD))]
        d = decode_many(frames, ip=False)
        self.assertEqual(error_names(d[0]), ["truncated_ethernet_header"])
        self.assertEqual(error_names(d[1]), ["truncated_ethernet_header"])
        self.assertEqual(error_names(d[2]), ["truncated_vlan_tag"])
        self.assertEqual(error_names(d[3]), ["truncated_ipv6_header"])
        self.assertEqual(d[3]["errors"][0]["layer"], "ipv6")

    def test_capture_shorter_than_the_frame(self):
        frame = raw(Ether(src=MAC_A, dst=MAC_B) / IPv6(src=HOA, dst=HA) / ICMPv6EchoRequest(data=b"x" * 100))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "snap.pcap")
            with open(path, "wb") as f:
                f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 80, LINKTYPE_ETHERNET))
                f.write(struct.pack("<IIII", 1, 2, 80, len(frame)))
                f.write(frame[:80])
            proc = run([DECODE, "--json", path])
        import json

        d = json.loads(proc.stdout)
        self.assertEqual((d["length"], d["original_length"], d["timestamp"]), (80, len(frame), "1.000002"))
        self.assertEqual(error_names(d), ["payload_length_exceeds_buffer"])

    def test_built_ethernet_frame(self):
        (frame,) = build_many([{"layer": "binding_update", "src": COA, "dst": HA, "hao": HOA, "sequence": 5,
                                "lifetime_units": 9, "ethernet": {"src": MAC_A, "dst": MAC_B}}])
        pkt = Ether(frame)
        self.assertEqual((pkt.src, pkt.dst, pkt.type), (MAC_A, MAC_B, 0x86DD))
        self.assertEqual(pkt[MIP6MH_BU].seq, 5)
        d = decode_many([frame], ip=False)[0]
        self.assertEqual(d["errors"], [])
        self.assertEqual(d["mobility"]["sequence"], 5)


class DemoCapture(ConformanceTest):
    """The capture scripts/demo.sh decodes: every frame clean, every layer there."""

    def test_demo_capture_decodes_cleanly(self):
        import json

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "demo.pcap")
            here = os.path.dirname(os.path.abspath(__file__))
            made = run(["/usr/bin/python3", os.path.join(here, "make_demo_capture.py"), path])
            self.assertEqual(made.returncode, 0, made.stderr)
            proc = run([DECODE, "--json", path])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        decoded = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        kinds = []
        for d in decoded:
            self.assertEqual(d["errors"], [], d["frame"])
            if "icmpv6" in d:
                kinds.append(d["icmpv6"]["type_name"])
            elif "mobility" in d:
                self.assertTrue(d["mobility"]["checksum_valid"])
                names = [o["name"] for o in d["mobility"]["options"]]
                self.assertIn("replay_protection", names)
                self.assertIn("message_authentication", names)
                kinds.append(d["mobility"]["type_name"])
            elif "tunnel" in d:
                self.assertEqual(d["tunnel"]["inner"]["errors"], [])
                kinds.append("ip6ip6 " + d["tunnel"]["inner"]["icmpv6"]["type_name"])
        self.assertEqual(kinds, ["router_solicitation", "router_advertisement", "neighbour_solicitation",
                                 "neighbour_advertisement", "binding_update", "binding_ack",
                                 "ip6ip6 echo_request", "ip6ip6 echo_reply"])
        self.assertEqual(decoded[4]["extensions"]["home_address"], HOA)
        self.assertEqual(decoded[5]["extensions"]["type2_routing"]["home_address"], HOA)


class CommandLine(ConformanceTest):
    def test_help(self):
        for tool in (DECODE, BUILD):
            proc = run([tool, "--help"])
            self.assertEqual(proc.returncode, 0)
            text = proc.stdout.decode()
            for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS"):
                self.assertIn(section, text, tool)

    def test_usage_errors(self):
        self.assertEqual(run([DECODE]).returncode, 2)
        self.assertEqual(run([DECODE, "--hex"]).returncode, 2)
        self.assertEqual(run([DECODE, "--bogus", "x.pcap"]).returncode, 2)
        self.assertEqual(run([DECODE, "--ip", "x.pcap"]).returncode, 2)
        self.assertEqual(run([DECODE, "a.pcap", "b.pcap"]).returncode, 2)
        self.assertEqual(run([BUILD, "--bogus"]).returncode, 1)

    def test_input_errors(self):
        proc = run([DECODE, "--hex", "6x"])
        self.assertEqual(proc.returncode, 1)
        self.assertIn("not hexadecimal", proc.stderr.decode())
        self.assertEqual(run([DECODE, "--hex", "600"]).returncode, 1)
        self.assertEqual(run([DECODE, "/nonexistent/capture.pcap"]).returncode, 1)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "wifi.pcap")
            write_pcap(path, [b"\x00" * 30], 105)  # IEEE 802.11
            proc = run([DECODE, path])
            self.assertEqual(proc.returncode, 1)
            self.assertIn("unsupported link type", proc.stderr.decode())
            garbage = os.path.join(tmp, "garbage.pcap")
            with open(garbage, "wb") as f:
                f.write(b"not a capture at all")
            self.assertEqual(run([DECODE, garbage]).returncode, 1)
        proc = run([BUILD], b"{not json")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("not JSON", proc.stderr.decode())
        self.assertEqual(run([BUILD], b"[1, 2]").returncode, 1)
        self.assertEqual(run([BUILD], b'{"layer": "echo_request", "src": "::1", "dst": "::1", "identifier": -1, "sequence": 0}').returncode, 1)

    def test_single_hex_frame_and_hex_separators(self):
        data = raw(IPv6(src=HOA, dst=HA) / ICMPv6EchoRequest(id=7))
        spaced = " ".join(data[i : i + 2].hex() for i in range(0, len(data), 2))
        for text in (data.hex(), "0x" + data.hex(), spaced, data.hex(":")):
            proc = run([DECODE, "--json", "--ip", "--hex", text])
            self.assertEqual(proc.returncode, 0, text)
            import json

            self.assertEqual(json.loads(proc.stdout)["icmpv6"]["identifier"], 7)

    def test_human_output_shows_every_layer(self):
        pkt = (IPv6(src=COA, dst=HA) / IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)])
               / MIP6MH_BU(seq=7, flags="HA", mhtime=150, options=[MIP6OptReplayProtection(timestamp=123)]))
        proc = run([DECODE, "--ip", "--hex", raw(pkt).hex()])
        self.assertEqual(proc.returncode, 0)
        text = proc.stdout.decode()
        for needle in ("frame 1: ", "ipv6 2001:db8:b::100 > 2001:db8:a::1", "home_address=2001:db8:a::100",
                       "mobility binding_update", "sequence=7", "flag_names=[A H]", "lifetime_seconds=600",
                       "checksum_valid=yes", "option @", "replay_protection", "timestamp=123"):
            self.assertIn(needle, text)
        bad = bytearray(raw(pkt))
        bad[64 + 4] ^= 0xFF
        text = run([DECODE, "--ip", "--hex", bytes(bad).hex()]).stdout.decode()
        self.assertIn("error [mobility] bad_mobility_header_checksum: Mobility Header checksum is wrong", text)

    def test_human_output_survives_garbage(self):
        import random

        rnd = random.Random(2473)
        frames = [bytes(rnd.randrange(256) for _ in range(rnd.randrange(120))) for _ in range(300)]
        # IPv6 EtherType and version 6, so more of them get past the first layers.
        ipv6 = raw(Ether(src=MAC_A, dst=MAC_B, type=0x86DD))
        frames += [ipv6 + b"\x60" + bytes(rnd.randrange(256) for _ in range(rnd.randrange(39, 200))) for _ in range(300)]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "garbage.pcap")
            write_pcap(path, frames, LINKTYPE_ETHERNET)
            proc = run([DECODE, path])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.decode().count("\nframe "), len(frames) - 1)


if __name__ == "__main__":
    unittest.main()
