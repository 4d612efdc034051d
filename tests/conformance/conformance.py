"""Shared helpers for the scapy cross-checks of roam6's wire library.

The tests compare two independent implementations: scapy (Debian's
python3-scapy 2.5) on one side, roam6_wire through the roam6-decode and
roam6-build tools on the other. Nothing here calls into roam6 except by
running those two programs, whose paths come from the environment
(ROAM6_DECODE, ROAM6_BUILD; ctest sets them).

Where scapy has no class for something (RFC 5213 mobility options, the
Tunnel Encapsulation Limit option), the bytes are written here by hand with
struct, from the RFC text, so they stay independent of the C++ code.
"""

import json
import os
import random
import struct
import subprocess
import tempfile
import unittest

# scapy prints a warning about missing routes etc. on import; keep it quiet.
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import raw  # noqa: E402
from scapy.packet import NoPayload  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    HAO,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrRouting,
    Pad1,
    PadN,
    PseudoIPv6,
    _MIP6OptAlign,
)
from scapy.fields import ByteField, FieldLenField, StrLenField  # noqa: E402
from scapy.utils import checksum  # noqa: E402

DECODE = os.environ.get("ROAM6_DECODE", "")
BUILD = os.environ.get("ROAM6_BUILD", "")
# A sanitizer build is slower; keep every subprocess bounded all the same.
TIMEOUT = 300

IPPROTO_MH = 135


def require_tools():
    for variable, path in (("ROAM6_DECODE", DECODE), ("ROAM6_BUILD", BUILD)):
        if not path or not os.access(path, os.X_OK):
            raise AssertionError("%s must name the tool's binary (got %r)" % (variable, path))


# --------------------------------------------------------------------------
# Running the tools


LINKTYPE_ETHERNET = 1
LINKTYPE_IPV6 = 229


def write_pcap(path, frames, linktype):
    """A classic pcap file, written by hand (pcap-savefile(5)): scapy would
    want packet objects, and empty or broken frames must go in as they are."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, frame in enumerate(frames):
            frame = bytes(frame)
            f.write(struct.pack("<IIII", 1700000000 + i, i, len(frame), len(frame)))
            f.write(frame)


def decode_many(packets, ip=True):
    """Decodes byte strings with one roam6-decode process (through a pcap
    file, so empty frames survive); one dict each."""
    if not packets:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "frames.pcap")
        write_pcap(path, packets, LINKTYPE_IPV6 if ip else LINKTYPE_ETHERNET)
        proc = subprocess.run([DECODE, "--json", path], capture_output=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        raise AssertionError(
            "roam6-decode exited %d: %s" % (proc.returncode, proc.stderr.decode(errors="replace"))
        )
    lines = proc.stdout.decode().splitlines()
    if len(lines) != len(packets):
        raise AssertionError("roam6-decode printed %d objects for %d frames" % (len(lines), len(packets)))
    return [json.loads(line) for line in lines]


def decode_one(packet, ip=True):
    return decode_many([packet], ip=ip)[0]


def build_many(descriptions):
    """Builds packets from JSON descriptions with one roam6-build process."""
    if not descriptions:
        return []
    text = "".join(json.dumps(d) + "\n" for d in descriptions)
    proc = subprocess.run([BUILD, "--lines"], input=text.encode(), capture_output=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        raise AssertionError(
            "roam6-build exited %d: %s" % (proc.returncode, proc.stderr.decode(errors="replace"))
        )
    lines = proc.stdout.decode().split()
    if len(lines) != len(descriptions):
        raise AssertionError("roam6-build printed %d packets for %d descriptions" % (len(lines), len(descriptions)))
    return [bytes.fromhex(line) for line in lines]


def build_fails(description):
    """Runs roam6-build on one description expected to be refused: its stderr."""
    proc = subprocess.run(
        [BUILD], input=json.dumps(description).encode(), capture_output=True, timeout=TIMEOUT
    )
    if proc.returncode == 0:
        raise AssertionError("roam6-build accepted %r" % (description,))
    if proc.returncode != 1:
        raise AssertionError("roam6-build exited %d (crash?) on %r" % (proc.returncode, description))
    return proc.stderr.decode()


def error_names(decoded):
    return [e["error"] for e in decoded["errors"]]


# --------------------------------------------------------------------------
# Independent checksums


def upper_layer_checksum_ok(src, dst, nh, upper):
    """RFC 8200 8.1 over an explicit pseudo-header, with scapy's checksum()."""
    pseudo = PseudoIPv6(src=src, dst=dst, uplen=len(upper), nh=nh)
    return checksum(raw(pseudo) + bytes(upper)) == 0


def mh_pseudo_addresses(pkt):
    """RFC 6275 6.1.1 pseudo-header addresses for a scapy-parsed packet: the
    home address from a Home Address option as source, the type 2 routing
    header's address (when segments left is non-zero) as destination."""
    src, dst = pkt[IPv6].src, pkt[IPv6].dst
    layer = pkt[IPv6].payload
    while not isinstance(layer, NoPayload):
        if isinstance(layer, IPv6ExtHdrDestOpt):
            for opt in layer.options:
                if isinstance(opt, HAO):
                    src = opt.hoa
        if isinstance(layer, IPv6ExtHdrRouting) and layer.type == 2 and layer.segleft != 0:
            dst = layer.addresses[-1]
        layer = layer.payload
    return src, dst


def strip_padding(pkt):
    """scapy's in6_chksum only looks at a Home Address option that is alone
    in its Destination Options header (inet6.py, in6_pseudoheader:
    len(u.options) == 1). A received header holds PadN + HAO (the option sits
    at 8n+6, RFC 6275 6.3), so before asking scapy to recompute a checksum the
    explicit padding is dropped; scapy's autopad writes the same padding back."""
    pkt = pkt.copy()
    layer = pkt
    while not isinstance(layer, NoPayload):
        if isinstance(layer, IPv6ExtHdrDestOpt):
            layer.options = [o for o in layer.options if not isinstance(o, (Pad1, PadN))]
            layer.len = None
        layer = layer.payload
    return pkt


def scapy_recomputed_checksum(pkt, upper_cls):
    """Deletes the checksum of the upper_cls layer, lets scapy rebuild the
    packet, and returns the checksum scapy writes."""
    pkt = strip_padding(pkt)
    del pkt[upper_cls].cksum
    rebuilt = pkt.__class__(raw(pkt))
    return rebuilt[upper_cls].cksum


# --------------------------------------------------------------------------
# Hand-built mobility options scapy 2.5 does not have (RFC 5213, PMIPv6).
# Alignment requirements are those the RFC states (x, y for "xn+y"); scapy's
# autopad puts Pad1/PadN in front as it does for its own option classes.


def _pmip_option(name, otype, x, y):
    cls = type(
        name,
        (_MIP6OptAlign,),
        {
            "name": "hand-built " + name,
            "fields_desc": [
                ByteField("otype", otype),
                FieldLenField("olen", None, length_of="odata", fmt="B"),
                StrLenField("odata", b"", length_from=lambda pkt: pkt.olen),
            ],
            "x": x,
            "y": y,
        },
    )
    return cls


# RFC 5213 8.3: Reserved(8) Prefix Length(8) Home Network Prefix(128), 8n+4.
OptHomeNetworkPrefix = _pmip_option("OptHomeNetworkPrefix", 22, 8, 4)
# RFC 5213 8.4: Reserved(8) Handoff Indicator(8), no alignment requirement.
OptHandoffIndicator = _pmip_option("OptHandoffIndicator", 23, 0, 0)
# RFC 5213 8.5: Reserved(8) Access Technology Type(8), no alignment requirement.
OptAccessTechnologyType = _pmip_option("OptAccessTechnologyType", 24, 0, 0)
# RFC 5213 8.6: Reserved(16) Link-layer Identifier; "aligned appropriately"
# (roam6 uses 8n so a MAC starts 4-aligned; here without requirement).
OptMnLinkLayerId = _pmip_option("OptMnLinkLayerId", 25, 0, 0)
# RFC 5213 8.7: Link-local Address(128), 8n+6.
OptLinkLocalAddress = _pmip_option("OptLinkLocalAddress", 26, 8, 6)
# RFC 5213 8.8: Timestamp(64), 8n+2.
OptTimestamp = _pmip_option("OptTimestamp", 27, 8, 2)


def ip6_bytes(text):
    import socket

    return socket.inet_pton(socket.AF_INET6, text)


def hnp_option(prefix_length, prefix):
    return OptHomeNetworkPrefix(odata=struct.pack("!BB", 0, prefix_length) + ip6_bytes(prefix))


def handoff_option(value):
    return OptHandoffIndicator(odata=struct.pack("!BB", 0, value))


def att_option(value):
    return OptAccessTechnologyType(odata=struct.pack("!BB", 0, value))


def mn_ll_id_option(identifier):
    return OptMnLinkLayerId(odata=b"\x00\x00" + identifier)


def link_local_option(address):
    return OptLinkLocalAddress(odata=ip6_bytes(address))


def timestamp_option(value):
    return OptTimestamp(odata=struct.pack("!Q", value))


# RFC 6275 6.2 / RFC 4285 / RFC 5213 alignment ("xn+y", offset of the option
# type from the start of the Mobility Header) of every type roam6 writes.
OPTION_ALIGNMENT = {
    2: (2, 0),  # Binding Refresh Advice, RFC 6275 6.2.4
    3: (8, 6),  # Alternate Care-of Address, 6.2.5
    4: (2, 0),  # Nonce Indices, 6.2.6
    5: (8, 2),  # Binding Authorization Data, 6.2.7
    9: (4, 1),  # Mobility Message Authentication, RFC 4285 5
    10: (8, 2),  # Replay Protection, RFC 4285 6
    22: (8, 4),  # Home Network Prefix, RFC 5213 8.3
    26: (8, 6),  # Link-local Address, 8.7
    27: (8, 2),  # Timestamp, 8.8
}


def walk_mobility_options(mh_bytes, options_offset):
    """Independent walk of an MH option area: (offset, type, data) tuples."""
    out = []
    i = options_offset
    while i < len(mh_bytes):
        t = mh_bytes[i]
        if t == 0:
            out.append((i, 0, b""))
            i += 1
            continue
        length = mh_bytes[i + 1]
        out.append((i, t, mh_bytes[i + 2 : i + 2 + length]))
        i += 2 + length
    return out


class SeededRandom(random.Random):
    """Deterministic randomness so a failure can be reproduced."""

    def __init__(self, seed=6275):
        super().__init__(seed)


class ConformanceTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        require_tools()  # fails loudly, never skips, when the tools are missing

    def assertNoErrors(self, decoded, context=""):
        self.assertEqual(decoded["errors"], [], context)

    def assertOnlyError(self, decoded, name, context=""):
        self.assertEqual(error_names(decoded), [name], context)
