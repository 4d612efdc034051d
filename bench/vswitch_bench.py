#!/usr/bin/python3
"""roam6-vswitchd benchmark: the two figures of issue 10, per attachment mode.

1. Port to first frame. A guest namespace (g1 in mip6d's [[guests]], so it
   is attached at once) sends a small UDP datagram to the correspondent every
   ~1 ms through a raw socket (sequence number and send time inside). Its
   veth exists, but is on no bridge. The clock starts just before the
   libvirt transaction (ovs_lab.add_vm_port) and stops at the first of those
   datagrams on the host's uplink as an ip6ip6 packet (AF_PACKET on the
   router's `rb`, kernel timestamps), then at the correspondent (`cn0`).
   The split in between: the ovs-vsctl transaction returning, ofport in
   OVSDB (our own monitor), the plugin's `guest_attached` and
   `flows_installed`, mip6d's `guest_resumed` (its first frame from the
   guest: netdev mode also sees that frame on the datapath's veth), the BU
   and BA on the wire, mip6d's `to=bound`. Log lines are stamped when read
   (polled every ms); wire events carry the kernel's receive time. Between
   trials the port is deleted (libvirt's del-port) and g1 is detached as
   moved, so trials after the first re-attach a guest whose binding still
   names this host.
2. Frames per second: trafgen in the guest pushes the same 80-byte frames
   (IPv6/UDP to the correspondent) as fast as one core can, guest -> OVS ->
   datapath -> uplink, counted on `rb` (the router's forwarding is off for
   the interval, so it drops them cheaply). Next to it, in the same OVS, a
   second bridge switches the same frames from one veth port to another
   (one flow in_port=a,actions=output:b), counted on the far veth end.

Figures, not pass/fail: nothing here is registered in ctest. Needs root, Open
vSwitch (openvswitch-switch, openvswitch-switch-dpdk for --mode dpdk),
trafgen (netsniff-ng) and a built tree. See bench/README-vswitch.md.
"""

import argparse
import json
import os
import select
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _default_binaries(build_dir):
    """MIP6D, MIP6CTL, ROAM6_VSWITCHD from the build tree unless set (the
    lab modules read them when imported)."""
    for variable, relative in (("MIP6D", "mip6d/mip6d"), ("MIP6CTL", "mip6d/mip6ctl"),
                               ("ROAM6_VSWITCHD", "vswitch-plugin/roam6-vswitchd")):
        if not os.environ.get(variable):
            os.environ[variable] = os.path.join(build_dir, relative)


def _import_labs():
    sys.path.insert(0, os.path.join(ROOT, "tests", "ovs"))
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    global harness, ovs_lab, vswitch_lab
    import harness  # noqa: F401
    import ovs_lab  # noqa: F401
    import vswitch_lab  # noqa: F401


MAGIC = b"R6VB"
UDP_PORT = 9
SO_TIMESTAMPNS = 35
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
IPPROTO_MH = 135
MH_BU, MH_BA = 5, 6

# Runs in the guest namespace: one raw frame every ~1 ms while sending; the
# line "pause" on stdin stops it, "go" resumes, end of input ends it.
# Built here, not with scapy, because the send time goes into every frame.
SENDER = r"""
import os, socket, struct, sys, threading, time
src_mac, dst_mac, src, dst, magic, port = sys.argv[1:7]
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
ip = lambda a: socket.inet_pton(socket.AF_INET6, a)
def csum(data):
    if len(data) % 2: data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff or 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
stop, sending = threading.Event(), threading.Event()
sending.set()
def control():
    for line in sys.stdin:
        (sending.clear if line.strip() == "pause" else sending.set)()
    stop.set()
threading.Thread(target=control, daemon=True).start()
eth = mac(dst_mac) + mac(src_mac) + b"\x86\xdd"
seq = 0
print("ready", flush=True)
while not stop.is_set():
    if not sending.wait(0.1):
        continue
    payload = magic.encode() + struct.pack("!IQ", seq, time.time_ns()) + bytes(6)
    udp = struct.pack("!HHHH", 4000, int(port), 8 + len(payload), 0) + payload
    pseudo = ip(src) + ip(dst) + struct.pack("!IxxxB", len(udp), 17)
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp)) + udp[8:]
    hdr = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + ip(src) + ip(dst)
    try:
        s.send(eth + hdr + udp)
    except OSError:
        pass
    seq += 1
    time.sleep(0.001)
"""


def ms(ns):
    return ns / 1e6


# --------------------------------------------------------------------------
# Observers: wire, OVSDB, logs. Each stamps what it sees with CLOCK_REALTIME
# nanoseconds (the kernel's packet timestamps use that clock).


class WireCapture:
    """AF_PACKET sockets (kernel timestamps) on some interfaces; keeps the
    events a trial needs: our datagrams tunnelled or plain, BUs and BAs."""

    def __init__(self, taps):
        self.events = []  # (time_ns, where, kind, seq, sent_ns)
        self.lock = threading.Lock()
        self.socks = {}
        for where, (namespace, interface) in taps.items():
            with harness.InNamespace(namespace):
                # ETH_P_ALL: a protocol-bound socket does not see outgoing frames (the BA).
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
                s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)  # SO_RCVBUFFORCE
                s.bind((interface, ETH_P_ALL))
            self.socks[s.fileno()] = (where, s)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        fds = list(self.socks)
        while not self.stop.is_set():
            ready, _, _ = select.select(fds, [], [], 0.1)
            for fd in ready:
                where, s = self.socks[fd]
                data, ancillary, _, address = s.recvmsg(2048, 64)
                stamp = time.time_ns()
                for level, kind, value in ancillary:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                        sec, nsec = struct.unpack("qq", value[:16])
                        stamp = sec * 1_000_000_000 + nsec
                event = self._classify(data, address[2] == PACKET_OUTGOING)
                if event:
                    with self.lock:
                        self.events.append((stamp, where) + event)

    @staticmethod
    def _classify(frame, outgoing):
        """(kind, seq, sent_ns) or None. kinds: tunnelled, plain, bu, ba."""
        if len(frame) < 54 or frame[12:14] != b"\x86\xdd":
            return None
        next_header = frame[20]
        offset = 54
        if next_header == 41:  # ip6ip6: the guest's datagram inside?
            at = frame.find(MAGIC, 94)
            if at < 0:
                return None
            seq, sent = struct.unpack("!IQ", frame[at + 4:at + 16])
            return ("tunnelled", seq, sent)
        if next_header == 17:
            at = frame.find(MAGIC, 62)
            if at < 0:
                return None
            seq, sent = struct.unpack("!IQ", frame[at + 4:at + 16])
            return ("plain", seq, sent)
        while next_header in (0, 43, 60) and offset + 2 <= len(frame):
            next_header, length = frame[offset], (frame[offset + 1] + 1) * 8
            offset += length
        if next_header == IPPROTO_MH and offset + 3 <= len(frame):
            mh_type = frame[offset + 2]
            if mh_type == MH_BU:
                return ("bu", None, None)
            if mh_type == MH_BA:
                return ("ba", None, None)
        return None

    def first(self, where, kind, after):
        with self.lock:
            for event in self.events:
                if event[1] == where and event[2] == kind and event[0] >= after:
                    return event
        return None

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)
        for _, s in self.socks.values():
            s.close()


class OvsdbWatch:
    """An OVSDB monitor on Interface(name, ofport), stamping each ofport it
    is told, as roam6-vswitchd would see it arrive."""

    def __init__(self, socket_path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(socket_path)
        self.events = []  # (time_ns, name, ofport)
        self.lock = threading.Lock()
        request = {"id": "watch", "method": "monitor",
                   "params": ["Open_vSwitch", None, {"Interface": {"columns": ["name", "ofport"]}}]}
        self.sock.sendall(json.dumps(request).encode())
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        decoder = json.JSONDecoder()
        buffer = ""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            stamp = time.time_ns()
            buffer += data.decode()
            while True:
                buffer = buffer.lstrip()
                try:
                    message, end = decoder.raw_decode(buffer)
                except ValueError:
                    break
                buffer = buffer[end:]
                self._handle(message, stamp)

    def _handle(self, message, stamp):
        if message.get("method") == "echo":
            self.sock.sendall(json.dumps({"id": message["id"], "result": message["params"],
                                          "error": None}).encode())
            return
        if message.get("method") == "update":
            tables = message["params"][1]
        elif message.get("id") == "watch":
            tables = message.get("result") or {}
        else:
            return
        for row in tables.get("Interface", {}).values():
            new = row.get("new")
            if new and isinstance(new.get("ofport"), int):
                with self.lock:
                    self.events.append((stamp, new["name"], new["ofport"]))

    def first_ofport(self, name, after):
        with self.lock:
            for stamp, row_name, ofport in self.events:
                if row_name == name and ofport > 0 and stamp >= after:
                    return stamp
        return None

    def close(self):
        self.sock.close()
        self.thread.join(timeout=2)


class LogWatch:
    """Follows log files, stamping each new line when it is read (every ms)."""

    def __init__(self, paths):
        self.files = {}
        for key, path in paths.items():
            f = open(path, "r", errors="replace")
            f.seek(0, os.SEEK_END)
            self.files[key] = [f, ""]
        self.lines = []  # (time_ns, key, line)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            for key, state in self.files.items():
                chunk = state[0].read()
                if not chunk:
                    continue
                stamp = time.time_ns()
                text = state[1] + chunk
                *complete, state[1] = text.split("\n")
                with self.lock:
                    self.lines.extend((stamp, key, line) for line in complete)
            time.sleep(0.001)

    def first(self, key, after, *needles):
        with self.lock:
            for stamp, line_key, line in self.lines:
                if line_key == key and stamp >= after and all(n in line for n in needles):
                    return stamp
        return None

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)
        for f, _ in self.files.values():
            f.close()


# --------------------------------------------------------------------------
# 1. add-port to first frame


STAGES = [  # (key, label), in the order they normally happen
    ("vsctl", "ovs-vsctl add-port returned"),
    ("ofport", "ofport in OVSDB"),
    ("attached", "plugin: guest_attached"),
    ("flows", "plugin: flows_installed"),
    ("at_datapath", "first frame at the datapath (veth, netdev only)"),
    ("resumed", "mip6d: guest_resumed"),
    ("bu", "BU on the uplink"),
    ("ba", "BA on the uplink"),
    ("bound", "mip6d: registration bound"),
    ("tunnelled", "FIRST FRAME OUT, tunnelled (rb)"),
    ("at_cn", "first datagram at the correspondent"),
]


def trial(bed, wire, ovsdb, logs, vm_id, timeout=10.0):
    """One add-port; {stage: ms after the start} plus the first frame's
    sequence number and how long it waited since the guest sent it."""
    from vswitch_lab import BRIDGE, G1_MAC
    t0 = time.time_ns()
    bed.ovs.add_vm_port(BRIDGE, "vnet0", G1_MAC, "iface-vnet0", vm_id)
    t_vsctl = time.time_ns()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not wire.first("cn", "plain", t0):
        time.sleep(0.01)
    time.sleep(0.2)  # the log lines of the last steps
    result = {"vsctl": t_vsctl,
              "ofport": ovsdb.first_ofport("vnet0", t0),
              "attached": logs.first("plugin", t0, "guest_attached", "port=vnet0"),
              "flows": logs.first("plugin", t0, "flows_installed"),
              "resumed": logs.first("host", t0, "guest_resumed", "guest=g1"),
              "bound": logs.first("host", t0, "registration", "guest=g1", "to=bound")}
    for key, where, kind in (("at_datapath", "dp", "plain"), ("bu", "rb", "bu"), ("ba", "rb", "ba"),
                             ("tunnelled", "rb", "tunnelled"), ("at_cn", "cn", "plain")):
        event = wire.first(where, kind, t0)
        result[key] = event[0] if event else None
        if key == "tunnelled" and event:
            result["first_seq"] = event[3]
            result["first_waited"] = ms(event[0] - event[4])
        if key == "at_cn" and event:
            result["cn_seq"] = event[3]
    for key, _ in STAGES:
        if result.get(key) is not None:
            result[key] = ms(result[key] - t0)
    return result


def remove_port(bed, sender):
    """As libvirt when the guest has gone: the guest is silent first. A
    frame still queued in the datapath after the detach would attach g1
    again (mip6d recognises [[guests]] by MAC) and register it back here."""
    sender.stdin.write(b"pause\n")
    sender.stdin.flush()
    time.sleep(0.1)
    bed.ovs.del_port("vnet0")
    bed.wait(lambda: bed.guest_status("g1") is None, "g1 detached", timeout=10)
    time.sleep(0.2)
    sender.stdin.write(b"go\n")
    sender.stdin.flush()
    time.sleep(0.2)


def summarize(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return "%7.1f %7.1f %7.1f  (%d)" % (min(values), statistics.median(values), max(values), len(values))


def measure_add_port(bed, trials):
    from vswitch_lab import CN, G1_HOA, G1_MAC, ROUTER_MAC
    guest = ovs_lab.make_guest(bed.lab, bed.ovs, "vnet0", G1_MAC, tag="g1")
    taps = {"rb": (bed.router, "rb"), "cn": (bed.cn, "cn0")}
    if bed.mode == "netdev":
        taps["dp"] = (bed.host_ns, "guests0")  # the datapath's side of the veth
    wire = WireCapture(taps)
    ovsdb = OvsdbWatch(bed.ovs.db_socket)
    logs = LogWatch({"plugin": bed.plugin.log_path, "host": bed.host.log_path})
    sender = subprocess.Popen(["ip", "netns", "exec", guest.namespace, sys.executable, "-c", SENDER,
                               G1_MAC, ROUTER_MAC["a"], G1_HOA, CN, MAGIC.decode(), str(UDP_PORT)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              preexec_fn=ovs_lab._die_with_parent)
    results = []
    try:
        if sender.stdout.readline().strip() != b"ready":
            raise RuntimeError("the guest's sender did not start")
        time.sleep(0.2)
        for n in range(trials):
            r = trial(bed, wire, ovsdb, logs, "6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11")
            results.append(r)
            print("  trial %2d: %s" % (n + 1, "  ".join(
                "%s=%s" % (k, "%.1f" % r[k] if r.get(k) is not None else "-")
                for k, _ in STAGES + [("first_seq", ""), ("first_waited", ""), ("cn_seq", "")])),
                flush=True)
            remove_port(bed, sender)
    finally:
        sender.stdin.close()
        sender.wait(timeout=5)
        wire.close()
        ovsdb.close()
        logs.close()
    print("\n  add-port -> event, ms    min  median     max  (trials)")
    for key, label in STAGES:
        print("  %-48s %s" % (label, summarize([r.get(key) for r in results])))
    print("  %-48s %s" % ("first frame out: time since the guest sent it",
                          summarize([r.get("first_waited") for r in results])))
    print("  %-48s %s" % ("datagrams tunnelled before the first one at cn",
                          summarize([r["cn_seq"] - r["first_seq"] for r in results
                                     if r.get("cn_seq") is not None and r.get("first_seq") is not None])))
    # Trial 1 is the only first attach; the others re-attach a bound guest.
    return {"trials": results, "guest": guest}


# --------------------------------------------------------------------------
# 2. frames per second


def trafgen_config(path, src_mac, dst_mac, src, dst):
    """80-byte frames: Ethernet, IPv6, UDP, 18 octets (trafgen sums the UDP checksum)."""
    with open(path, "w") as f:
        f.write("{ eth(da=%s, sa=%s, type=0x86dd), ipv6(sa=%s, da=%s, hl=64), "
                "udp(sp=4000, dp=%d), fill(0x00, 18) }\n" % (dst_mac, src_mac, src, dst, UDP_PORT))
    return path


def read_counter(namespace, interface, name):
    path = "/sys/class/net/%s/statistics/%s" % (interface, name)
    out = subprocess.run(["ip", "netns", "exec", namespace, "cat", path], stdout=subprocess.PIPE,
                         check=True).stdout
    return int(out)


class Trafgen:
    """trafgen on one core in a namespace, as fast as it can."""

    def __init__(self, namespace, interface, config, log_path):
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", namespace, "trafgen", "--dev", interface, "--conf", config,
             "--cpus", "1", "--no-sock-mem", "--notouch-irq", "--no-cpu-stats"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=ovs_lab._die_with_parent)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT: trafgen stops and prints its totals
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) and of its
    live children (trafgen sends from a forked child), in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            children = [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(c) for c in children)


def rate_window(counters, pids, seconds, warmup):
    """{name: per second} over `seconds` after `warmup`; counters: name ->
    function returning a cumulative count; pids: name -> process whose CPU
    share (percent of one core) is reported as "cpu:name"."""
    time.sleep(warmup)
    before = {k: f() for k, f in counters.items()}
    cpu_before = {k: cpu_seconds(p) for k, p in pids.items()}
    t = time.monotonic()
    time.sleep(seconds)
    after = {k: f() for k, f in counters.items()}
    cpu_after = {k: cpu_seconds(p) for k, p in pids.items()}
    elapsed = time.monotonic() - t
    rates = {k: (after[k] - before[k]) / elapsed for k in counters}
    rates.update({"cpu:" + k: 100 * (cpu_after[k] - cpu_before[k]) / elapsed for k in pids})
    return rates


def datapath_encapsulated(bed):
    stats = bed.host.stats()
    return sum(v for k, v in stats.items() if k.endswith("encapsulated") and "guests" in k
               and isinstance(v, int))


def measure_rates(bed, guest, seconds, rounds, warmup=1.0):
    from vswitch_lab import BRIDGE, CN, G1_HOA, G1_MAC, ROUTER_MAC
    lab, ovs = bed.lab, bed.ovs
    # OVS alone: a second bridge, one flow from port obA to port obB.
    ovs.add_bridge("br-bench")
    source = ovs_lab.make_guest(lab, ovs, "obA", G1_MAC, ipv6=False, tag="src")
    sink = lab.namespace("sink")  # kernel IPv6 off: frames dropped on arrival
    run_in_host = ["ip", "-n", bed.host_ns]
    harness.run(["ip", "link", "add", "name", "obB", "netns", bed.host_ns, "type", "veth",
                 "peer", "name", "sink0", "netns", sink])
    harness.run(run_in_host + ["link", "set", "dev", "obB", "up"])
    harness.run(["ip", "-n", sink, "link", "set", "dev", "sink0", "up"])
    ovs.add_port("br-bench", "obA")
    ovs.add_port("br-bench", "obB")
    ovs.ofctl("add-flow", ovs.mgmt("br-bench"),
              "in_port=%d,actions=output:%d" % (ovs.ofport("obA"), ovs.ofport("obB")))
    # roam6 path: g1 attached again, bound, on vnet0.
    ovs.add_vm_port(BRIDGE, "vnet0", G1_MAC, "iface-vnet0", "6a1b3c6e-0c1d-4b9a-8f52-6e0f2f9c1d11")
    bed.wait(lambda: (bed.guest_status("g1") or {}).get("flows") == "installed", "g1 installed", 20)
    config = trafgen_config(lab.path("frames.cfg"), G1_MAC, ROUTER_MAC["a"], G1_HOA, CN)
    # Registration happens on the guest's first frame; a short burst binds g1.
    burst = Trafgen(guest.namespace, "eth0", config, lab.path("trafgen.log"))
    time.sleep(0.5)
    burst.stop()
    bed.wait(lambda: "to=bound" in bed.host.log().rsplit("guest_attached", 1)[-1], "g1 bound", 10)
    harness.run(["ip", "netns", "exec", bed.router, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=0"])
    rows = []
    try:
        for n in range(rounds):
            gen = Trafgen(source.namespace, "eth0", config, lab.path("trafgen.log"))
            try:
                r = rate_window({"offered": lambda: read_counter(source.namespace, "eth0", "tx_packets"),
                                 "ovs_tx": lambda: ovs.port_stats("br-bench", "obB")["tx_packets"],
                                 "out": lambda: read_counter(sink, "sink0", "rx_packets")},
                                {"trafgen": gen.proc.pid, "vswitchd": ovs.vswitchd.pid,
                                 "mip6d": bed.host.proc.pid}, seconds, warmup)
            finally:
                gen.stop()
            rows.append(("OVS alone (br-bench: obA -> obB)", n + 1, r, None))
            time.sleep(0.5)
            gen = Trafgen(guest.namespace, "eth0", config, lab.path("trafgen.log"))
            try:
                r = rate_window({"offered": lambda: read_counter(guest.namespace, "eth0", "tx_packets"),
                                 "ovs_tx": lambda: ovs.port_stats(BRIDGE, "dp0")["tx_packets"],
                                 "out": lambda: read_counter(bed.router, "rb", "rx_packets"),
                                 "encap": lambda: datapath_encapsulated(bed)},
                                {"trafgen": gen.proc.pid, "vswitchd": ovs.vswitchd.pid,
                                 "mip6d": bed.host.proc.pid}, seconds, warmup)
            finally:
                gen.stop()
            rows.append(("roam6 (guest -> OVS -> datapath -> rb)", n + 1, r, r["encap"]))
            time.sleep(0.5)
    finally:
        harness.run(["ip", "netns", "exec", bed.router, "sysctl", "-qw",
                     "net.ipv6.conf.all.forwarding=1"])
    print("\n  %-40s %5s %10s %10s %10s %10s   CPU %% of a core: trafgen vswitchd mip6d" % (
        "path (80-byte frames)", "round", "offered/s", "OVS tx/s", "out/s", "dp encap/s"))
    for name, n, r, encap in rows:
        print("  %-40s %5d %10.0f %10.0f %10.0f %10s   %19.0f %8.0f %5.0f" % (
            name, n, r["offered"], r["ovs_tx"], r["out"], "%.0f" % encap if encap is not None else "-",
            r["cpu:trafgen"], r["cpu:vswitchd"], r["cpu:mip6d"]))
    alone = [r[2]["out"] for r in rows if r[3] is None]
    roam6 = [r[2]["out"] for r in rows if r[3] is not None]
    print("  ratio roam6 / OVS alone (out/s, per round): %s; of the medians: %.2f" % (
        ", ".join("%.2f" % (a / b) for a, b in zip(roam6, alone) if b),
        statistics.median(roam6) / statistics.median(alone) if statistics.median(alone) else 0))
    return rows


# --------------------------------------------------------------------------


def run_mode(mode, args):
    if mode == "dpdk":
        ok, why = ovs_lab.dpdk_available()
        if not ok:
            print("mode dpdk skipped: " + why)
            return
    print("== mode %s (load average %.1f %.1f %.1f) ==" % ((mode,) + os.getloadavg()), flush=True)
    started = time.monotonic()
    bed = vswitch_lab.VswitchTestbed(mode)
    try:
        print("  testbed ready in %.1f s" % (time.monotonic() - started), flush=True)
        latency = measure_add_port(bed, args.trials)
        measure_rates(bed, latency["guest"], args.seconds, args.rounds)
    except Exception:
        bed.print_logs()
        raise
    finally:
        bed.close()
    print("  mode %s took %.0f s\n" % (mode, time.monotonic() - started), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["netdev", "dpdk", "both"], default="both")
    parser.add_argument("--trials", type=int, default=12, help="add-port trials per mode")
    parser.add_argument("--seconds", type=float, default=5.0, help="rate window per path and round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rate rounds per mode")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    args = parser.parse_args()
    _default_binaries(args.build_dir)
    _import_labs()
    vswitch_lab.skip_unless_ready()
    if not os.access("/usr/sbin/trafgen", os.X_OK):
        sys.exit("trafgen is missing: apt-get install netsniff-ng (scripts/install-deps.sh)")
    for mode in (["netdev", "dpdk"] if args.mode == "both" else [args.mode]):
        run_mode(mode, args)


if __name__ == "__main__":
    main()
