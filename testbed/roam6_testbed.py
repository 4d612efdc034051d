"""The multi-site migration testbed (docs/testbed.md).

Built from a description file (testbed/sites/*.toml) in network namespaces
on this machine, with the project's real programs:

    correspondent -- router cc --+
                                 |
    home site:  router a --------+-- roam6-wan (the WAN: delay, loss per site link)
      site switch (roam6-wan)    |
      +- Home Agent (mip6d + DPDK datapath)
      +- host home-1: mip6d + datapath, private OVS br-int, roam6-vswitchd
    foreign site paris: router b +    (the same hosts)
    foreign site rome:  router c +

- A site's link is a roam6-wan switch (delay 0) joining its router, its
  hosts' uplinks and, at home, the Home Agent.
- A guest is a network namespace (its eth0 keeps its MAC, home address,
  routes and neighbour cache wherever it runs) running `roam6-probe echo`.
  Its NIC reaches the hosts through its own roam6-wan "relay", one port per
  host, as QEMU's NIC follows the guest: on each host the other end is a
  vnet port libvirt would add to br-int, with libvirt's external_ids.
- A move does what libvirt and QEMU do, in their order (docs/migration.md):
  the destination's hooks (`migrate`, `prepare` begin; the vnet port added
  to OVS; `start`, `started` begin), the pre-copy, the pause (the source's
  relay port goes down), the stop-and-copy, the resume (the destination's
  port comes up), the lifecycle events roam6-libvirt-events would turn into
  `guest.resume` at the destination and `guest.detach moved` at the source,
  QEMU's announce (a RARP at once, the guest's unsolicited NA ~50 ms
  later), and, 1.5 s later as libvirt does, the source's `stopped end` /
  `release end` hooks with the vnet port removed.
- Every step is a mark on CLOCK_MONOTONIC, the probes' clock, so
  `roam6-probe report` lines them up with the probes.

Everything lives under harness.Lab (names r6it-<pid>-...): close() removes
it all, and `roam6-testbed down` removes what a crashed run left.
"""

import concurrent.futures
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "ovs"))

import harness  # noqa: E402
import ovs_lab  # noqa: E402
from harness import run  # noqa: E402
# The [datapath] section every mip6d of the namespace tests uses
# (net_af_packet on veth ends, adaptive polling, no hugepages).
from test_datapath_end_to_end import datapath_section  # noqa: E402

BUILD = os.environ.get("ROAM6_BUILD", os.path.join(ROOT, "build", "release"))


def program(env, relative):
    return os.environ.get(env) or os.path.join(BUILD, relative)


MIP6D = program("MIP6D", "mip6d/mip6d")
MIP6CTL = program("MIP6CTL", "mip6d/mip6ctl")
VSWITCHD = program("ROAM6_VSWITCHD", "vswitch-plugin/roam6-vswitchd")
HOOK = program("ROAM6_LIBVIRT_HOOK", "migration-hooks/roam6-libvirt-hook")
WAN = program("ROAM6_WAN", "testbed/roam6-wan")
PROBE = program("ROAM6_PROBE", "testbed/roam6-probe")
harness.MIP6D, harness.MIP6CTL = MIP6D, MIP6CTL

WAN_PREFIX = ipaddress.IPv6Network("2001:db8:ffff::/64")
KEY_NAME, KEY_SPI, KEY_SECRET = "hosts", 1001, "00112233445566778899aabbccddeeff"
PROBE_PORT = 7447
BRIDGE = "br-int"
ANNOUNCE_NA_DELAY = 0.05  # QEMU: RARP at resume, the guest's unsolicited NA ~50 ms later
ATTACH_CHUNK = 100  # guests booted at home together (one OVS transaction, pipelined resumes)
SOURCE_CLEANUP_DELAY = 1.5  # libvirt: the source's stopped/release hooks 1.4-2.2 s after resume


class TestbedError(Exception):
    """A step failed; the message says which, and where its log is."""


def skip_unless_ready():
    ovs_lab.skip_unless_root_and_ovs()
    for name, path in (("MIP6D", MIP6D), ("MIP6CTL", MIP6CTL), ("ROAM6_VSWITCHD", VSWITCHD),
                       ("ROAM6_LIBVIRT_HOOK", HOOK), ("ROAM6_WAN", WAN), ("ROAM6_PROBE", PROBE)):
        if not os.access(path, os.X_OK):
            print("skipped: %s is not a built program (%s)" % (name, path))
            sys.exit(harness.SKIP_RETURN_CODE)


# --------------------------------------------------------------------------
# the description


class SiteSpec:
    def __init__(self, index, table, home):
        self.index = index
        self.name = table["name"]
        self.prefix = ipaddress.IPv6Network(table["prefix"])
        if self.prefix.prefixlen != 64:
            raise TestbedError("site %s: its prefix must be a /64" % self.name)
        self.hosts = int(table.get("hosts", 1))
        wan = table.get("wan", {})
        self.delay_ms = float(wan.get("delay_ms", 0))
        self.loss = float(wan.get("loss", 0))
        self.home = home
        self.router_mac = "02:00:00:00:%02x:01" % (index + 1)

    def address(self, n):
        return str(self.prefix.network_address + n)

    @property
    def router_address(self):
        return self.address(0xff)

    @property
    def home_agent(self):
        return self.address(1)

    @property
    def wan_address(self):
        return str(WAN_PREFIX.network_address + self.index + 1)


class Description:
    def __init__(self, text):
        data = tomllib.loads(text)
        self.probe_rate_hz = float(data.get("probe_rate_hz", 1000))
        # "standard": any RFC 6275 Home Agent; "zero-loss": roam6's Home
        # Agent with hand_over_forwarding (docs/signalling.md).
        self.mode = data.get("mode", "standard")
        if self.mode not in ("standard", "zero-loss"):
            raise TestbedError('mode must be "standard" or "zero-loss", not %r' % self.mode)
        self.home = SiteSpec(0, data["home"], home=True)
        self.foreign = [SiteSpec(i + 1, t, home=False) for i, t in enumerate(data.get("foreign", []))]
        if len(self.foreign) < 1:
            raise TestbedError("the description needs at least one [[foreign]] site")
        cn = data.get("correspondent", {"prefix": "2001:db8:cc::/64"})
        self.cn = SiteSpec(len(self.foreign) + 1, {"name": "cn", "prefix": cn["prefix"],
                                                    "wan": cn.get("wan", {})}, home=False)
        self.guest_count = int(data.get("guests", {}).get("count", 1))
        # Packets each host holds per guest across a pause (mip6d's
        # [datapath] hold_packets; its default when absent): a guest paused
        # 400 ms under probes at 1 kHz needs 400.
        self.hold_packets = data.get("hosts", {}).get("hold_packets")
        if self.hold_packets is not None and (not isinstance(self.hold_packets, int) or
                                              not 1 <= self.hold_packets <= 65536):
            raise TestbedError("[hosts] hold_packets must be an integer from 1 to 65536, not %r" %
                               self.hold_packets)
        # DPDK's memory from hugepages, as in production (the machine must
        # have them free: /proc/sys/vm/nr_hugepages and a hugetlbfs mount).
        self.hugepages = data.get("hosts", {}).get("hugepages", False)
        if not isinstance(self.hugepages, bool):
            raise TestbedError("[hosts] hugepages must be true or false, not %r" % (self.hugepages,))
        # Addresses each guest may form in its home prefix besides its home
        # address (mip6d's host.learned_addresses; 0: none, its default).
        self.learned_addresses = data.get("hosts", {}).get("learned_addresses", 0)
        if not isinstance(self.learned_addresses, int) or isinstance(self.learned_addresses, bool) or \
                not 0 <= self.learned_addresses <= 64:
            raise TestbedError("[hosts] learned_addresses must be an integer from 0 to 64, not %r" %
                               (self.learned_addresses,))
        self.moves = [tuple(part.strip() for part in m.split(">")) for m in data.get("scenario", {}).get("moves", [])]
        names = [s.name for s in self.sites] + ["cn"]
        if len(set(names)) != len(names):
            raise TestbedError("site names must differ: %s" % names)

    @property
    def sites(self):
        return [self.home] + self.foreign

    @staticmethod
    def load(path):
        """Throws TestbedError naming the file and what is wrong in it."""
        try:
            with open(path, "rb") as f:
                return Description(f.read().decode())
        except OSError as e:
            raise TestbedError("cannot read %s: %s" % (path, e.strerror))
        except tomllib.TOMLDecodeError as e:
            raise TestbedError("%s: %s" % (path, e))
        except KeyError as e:
            raise TestbedError("%s: %s is missing" % (path, e))
        except (TypeError, ValueError) as e:
            raise TestbedError("%s: %s" % (path, e))


# --------------------------------------------------------------------------
# mip6d configuration


def common_config(d):
    text = ""
    for s in d.sites:
        text += '[[sites]]\nname = "%s"\nprefix = "%s"\n' % (s.name, s.prefix)
        if s.home:
            text += 'home_agent = "%s"\n' % s.home_agent
        text += 'router_link_local = "fe80::1"\nrouter_mac = "%s"\nmtu = 1500\n' % s.router_mac
    text += ('[[keys]]\nname = "%s"\nspi = %d\nalgorithm = "hmac-sha256"\nsecret_hex = "%s"\n'
             % (KEY_NAME, KEY_SPI, KEY_SECRET))
    text += '[[policy]]\nkey = "%s"\ncare_of_prefixes = [%s]\nhome_prefixes = ["%s"]\n' % (
        KEY_NAME, ", ".join('"%s"' % s.prefix for s in d.sites), d.home.prefix)
    return text


def home_agent_config(lab, d):
    return ("""role = "home-agent"
node_name = "ha-%s"
control_socket = "%s"
log_level = "debug"
[interfaces]
uplink = "ha0"
[home_agent]
address = "%s"
home_prefixes = ["%s"]
max_lifetime = 3600
database = "%s"
hand_over_forwarding = %s
""" % (d.home.name, lab.path("ha.sock"), d.home.home_agent, d.home.prefix, lab.path("ha.sqlite"),
       "true" if d.mode == "zero-loss" else "false")
            + datapath_section("ha", "ha0", hugepages=d.hugepages) + common_config(d))


def host_config(lab, d, host):
    return ("""role = "host"
node_name = "%s"
control_socket = "%s"
log_level = "debug"
[interfaces]
uplink = "up0"
guests = "guests0"
[host]
site = "%s"
care_of_address = "%s"
key = "%s"
requested_lifetime = 600
learned_addresses = %d
""" % (host.name, host.socket, host.site.name, host.care_of, KEY_NAME, d.learned_addresses)
            + datapath_section(host.tag, "up0", "guests0", hugepages=d.hugepages)
            + ("hold_packets = %d\n" % d.hold_packets if d.hold_packets else "") + common_config(d))


# --------------------------------------------------------------------------
# processes


class Process:
    """A program of ours in a namespace; its output in the lab's log file.

    Started by nsenter and setpriv (util-linux: enter the namespace, die
    with the testbed), not `ip netns exec`, whose private /sys mount, nor a
    Python preexec_fn, whose fork of this big process, make each start cost
    tens of milliseconds: a thousand guests start two programs each. None
    of these programs reads /sys. Start them from the main thread: the
    parent-death signal follows the thread that forked."""

    def __init__(self, lab, namespace, command, name):
        self.name = name
        self.log_path = lab.path(name + ".log")
        # The child keeps the log open; the parent need not (a thousand
        # guests' logs would exhaust a default descriptor limit).
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                ["nsenter", "--net=/run/netns/" + namespace, "setpriv", "--pdeathsig", "KILL", "--"] + command,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop(self, timeout=5):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode


class Switch:
    """A roam6-wan instance: a site's link, the WAN, or a guest's relay."""

    def __init__(self, bed, namespace, name, ports, wait=True):
        self.name = name
        self.control = bed.lab.path(name + ".wan.sock")
        bed.switches.append(self)
        args = []
        for interface, settings in ports:
            args += ["--port", interface + ("," + settings if settings else "")]
        self.process = bed.spawn(namespace, [WAN] + args + ["--control", self.control], name)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.control):
            if self.process.proc.poll() is not None or time.monotonic() > deadline:
                raise TestbedError("%s did not start; see %s" % (self.name, self.process.log_path))
            time.sleep(0.01)

    def command(self, text):
        path = "%s.%d.%d" % (self.control, os.getpid(), threading.get_ident())
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.bind(path)
            s.settimeout(5)
            s.sendto(text.encode(), self.control)
            answer = s.recv(65536).decode()
        finally:
            s.close()
            os.unlink(path)
        if answer.startswith("error"):
            raise TestbedError("%s: %s" % (self.control, answer))
        return answer

    def set(self, interface, settings):
        self.command("set %s %s" % (interface, settings))

    def stats(self):
        return json.loads(self.command("stats"))


class Host:
    def __init__(self, bed, site, n):
        self.site = site
        self.name = "%s-%d" % (site.name, n)
        self.index = len(bed.hosts)
        self.tag = "h%d" % self.index
        self.care_of = site.address(0x10 + n)
        self.socket = bed.lab.path(self.name + ".sock")
        self.domains = bed.lab.path(self.name + "-domains")
        self.namespace = bed.lab.namespace(self.tag)
        self.mip6d = None
        self.ovs = None
        self.plugin = None

    def request(self, command, args=None, refusals_ok=()):
        """One control-protocol request straight on mip6d's socket, as
        roam6-libvirt-events makes them (docs/control-protocol.md): no
        process started, so a hundred guests are told in milliseconds.
        Returns the result, or None for an error code in `refusals_ok`."""
        return self.requests([(command, args)], refusals_ok, timeout=10)[0]

    def requests(self, batch, refusals_ok=(), timeout=30):
        """Many requests on one connection, all written before the first
        answer is read (docs/control-protocol.md: answered in order), as an
        events daemon tells mip6d about a thousand guests resuming at once.
        `batch` is a list of (command, args); returns the results in order,
        None for an error code in `refusals_ok`."""
        if not batch:
            return []
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.socket)
            s.sendall(b"".join((json.dumps({"id": i, "command": c, "args": a or {}}) + "\n").encode()
                               for i, (c, a) in enumerate(batch)))
            data = b""
            while data.count(b"\n") < len(batch):
                chunk = s.recv(1 << 20)
                if not chunk:
                    raise TestbedError("%s closed the control connection after %d of %d answers" % (
                        self.name, data.count(b"\n"), len(batch)))
                data += chunk
        results = []
        for (command, _), line in zip(batch, data.split(b"\n")):
            answer = json.loads(line)
            if answer.get("ok"):
                results.append(answer["result"])
            elif answer["error"]["code"] in refusals_ok:
                results.append(None)
            else:
                raise TestbedError("%s on %s: %s" % (command, self.name, answer["error"]))
        return results

    def guest(self, name):
        for g in self.request("guest.list")["guests"]:
            if g["name"] == name:
                return g
        return None

    def hook(self, domain, operation, sub_operation, xml):
        """roam6-libvirt-hook exactly as libvirt runs it on this host."""
        proc = subprocess.run([HOOK, "--mip6d-socket", self.socket, "--domains", self.domains, "--",
                               domain, operation, sub_operation, "-"], input=xml.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if proc.returncode != 0 or proc.stdout:
            raise TestbedError("hook %s %s on %s: %s" % (operation, sub_operation, self.name, proc.stderr.decode()))
        return proc.stderr.decode()


class Guest:
    def __init__(self, bed, k, namespace):
        self.k = k
        self.name = "vm%d" % k
        self.mac = "52:54:00:%02x:%02x:%02x" % ((k >> 16) & 0xff, (k >> 8) & 0xff, k & 0xff)
        self.home_address = bed.d.home.address(0x1000 + k)
        self.home_site = bed.d.home.name
        self.uuid = "6a1b3c6e-0c1d-4b9a-8f52-%012x" % k
        self.vnet = "vnet%d" % k
        self.relay_guest = "q%dg" % k
        self.namespace = namespace
        self.host = None
        self.relay = None

    def relay_port(self, host):
        return "q%dh%d" % (self.k, host.index)

    def domain_xml(self, target=True, sequence=None, learned=()):
        """The domain XML libvirt hands the hooks; `sequence`: the last BU
        sequence number roam6-libvirt-events keeps in its metadata, and
        `learned` the further addresses it keeps there, as (address,
        sequence or None) pairs."""
        if learned:
            interface_end = ">" + "".join(
                '<roam6:address home-address="%s"%s/>' % (a, ' sequence="%d"' % s if s is not None else "")
                for a, s in learned) + "</roam6:interface>"
        else:
            interface_end = "/>"
        return """<domain type='qemu'>
  <name>%s</name>
  <uuid>%s</uuid>
  <metadata>
    <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
      <roam6:interface mac="%s" home-address="%s" home-site="%s"%s%s
    </roam6:guest>
  </metadata>
  <memory unit='KiB'>262144</memory>
  <devices>
    <interface type='bridge'>
      <mac address='%s'/>
      <source bridge='%s'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='iface-%s'/>
      </virtualport>%s
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
""" % (self.name, self.uuid, self.mac, self.home_address, self.home_site,
       ' sequence="%d"' % sequence if sequence is not None else "", interface_end, self.mac, BRIDGE, self.name,
       "\n      <target dev='%s'/>" % self.vnet if target else "")


# --------------------------------------------------------------------------
# the testbed


def free_hugepages():
    """(free hugepages, whether a hugetlbfs is mounted) on this machine."""
    free = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                free = int(line.split()[1])
    with open("/proc/mounts") as f:
        mounted = any(" hugetlbfs " in line for line in f)
    return free, mounted


# What one testbed mip6d took of them (2 MiB pages), measured with 1 000
# guests: ~90; asked for with room.
HUGEPAGES_PER_DAEMON = 128


class Testbed:
    def __init__(self, description, progress=None):
        self.d = description
        if description.hugepages:
            daemons = 1 + sum(s.hosts for s in description.sites)
            free, mounted = free_hugepages()
            if not mounted or free < daemons * HUGEPAGES_PER_DAEMON:
                raise TestbedError(
                    "hugepages = true: %d mip6d need %d free 2 MiB hugepages and a mounted hugetlbfs; this "
                    "machine has %d free%s (echo %d > /proc/sys/vm/nr_hugepages; mount -t hugetlbfs nodev "
                    "/dev/hugepages)" % (daemons, daemons * HUGEPAGES_PER_DAEMON, free,
                                         "" if mounted else ", none mounted", daemons * HUGEPAGES_PER_DAEMON))
        self.progress = progress or (lambda text: None)
        self.lab = harness.Lab()
        self.processes = []
        self.switches = []  # every roam6-wan: the WAN, site links, guests' relays
        self.hosts = []
        self.guests = []
        self.ovs = []
        self.marks_path = self.lab.path("marks.jsonl")
        self.marks = open(self.marks_path, "a")
        self.timers = []
        self.background_errors = []
        self.closing = []  # what else close() must do (files of guests that move on their own)
        self.closing_first = []  # what close() must do while every process still runs (libvirt's guests)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    # -- plumbing -----------------------------------------------------------

    def spawn(self, namespace, command, name):
        p = Process(self.lab, namespace, command, name)
        self.processes.append(p)
        return p

    def mark(self, move, event, marks=None):
        """Records a step of a move (in `marks`, a file open for appending,
        when given: a guest that moves on its own); returns its time
        (time.monotonic())."""
        t = time.monotonic_ns()
        self.mark_at(move, event, t / 1e9, marks)
        return t / 1e9

    def mark_at(self, move, event, t, marks=None):
        """Records a step that happened at `t` (time.monotonic() seconds)."""
        f = marks or self.marks
        f.write(json.dumps({"t_ns": int(t * 1e9), "move": str(move), "event": event}) + "\n")
        f.flush()

    def host(self, name):
        for h in self.hosts:
            if h.name == name:
                return h
        raise TestbedError("no host %s (hosts: %s)" % (name, ", ".join(h.name for h in self.hosts)))

    def kernel_ns(self, tag):
        ns = self.lab.namespace(tag, ipv6=True)
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
             "net.ipv6.conf.default.accept_dad=0"])
        return ns

    def link(self, ns_a, name_a, ns_b, name_b, mac_a=None, mac_b=None, kernel_a=True):
        """A veth pair; ends in a switch or a DPDK port carry no kernel IPv6
        and every kernel end completes its own checksums (roam6-wan and the
        datapath copy frames below the kernel)."""
        self.lab.veth(ns_a, name_a, ns_b, name_b, mac_a=mac_a, mac_b=mac_b)
        for ns, name in ((ns_a, name_a), (ns_b, name_b)):
            run(["ip", "netns", "exec", ns, "ethtool", "-K", name, "tx", "off"], check=False)

    # -- building -------------------------------------------------------------

    def _build(self):
        d = self.d
        self.progress("sites: WAN, routers, site links")
        self.wan_ns = self.lab.namespace("wan")
        wan_ports = []
        self.routers = {}
        for s in d.sites + [d.cn]:
            r = self.kernel_ns("r" + s.name[:6])
            self.routers[s.name] = r
            run(["ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"])
            port = "w%d" % s.index
            self.link(r, "wan0", self.wan_ns, port, mac_a=wan_mac(s))
            self.lab.disable_ipv6(self.wan_ns, port)
            run(["ip", "-n", r, "addr", "add", "%s/64" % s.wan_address, "dev", "wan0", "nodad"])
            wan_ports.append((port, "delay=%g,loss=%g" % (s.delay_ms, s.loss)))
        for s in d.sites + [d.cn]:
            for other in d.sites + [d.cn]:
                if other is not s:
                    run(["ip", "-n", self.routers[s.name], "route", "add", str(other.prefix), "via", other.wan_address])
                    # A backbone's next hops are resolved and kept warm by
                    # its steady traffic; this one carries none between
                    # moves, and a cold entry costs a WAN round trip (an
                    # NS/NA across it) on the first packet of a move.
                    run(["ip", "-n", self.routers[s.name], "neigh", "replace", other.wan_address,
                         "lladdr", wan_mac(other), "dev", "wan0", "nud", "permanent"])
        self.wan = Switch(self, self.wan_ns, "wan", wan_ports)

        # Each site's link: a switch joining the router, the hosts, the HA.
        self.site_switch_ns = {}
        self.site_ports = {}
        for s in d.sites:
            ns = self.lab.namespace("sw" + s.name[:6])
            self.site_switch_ns[s.name] = ns
            self.site_ports[s.name] = []
            r = self.routers[s.name]
            self.link(r, "lan0", ns, "s-r", mac_a=s.router_mac)
            self.lab.disable_ipv6(ns, "s-r")
            run(["ip", "-n", r, "addr", "add", "%s/64" % s.router_address, "dev", "lan0", "nodad"])
            # The home router as the guests know it: fe80::1.
            run(["ip", "-n", r, "addr", "add", "fe80::1/64", "dev", "lan0", "nodad"])
            self.site_ports[s.name].append("s-r")
        cn_router = self.routers["cn"]
        self.cn_ns = self.kernel_ns("cn")
        self.link(cn_router, "lan0", self.cn_ns, "cn0", mac_a=d.cn.router_mac)
        run(["ip", "-n", cn_router, "addr", "add", "%s/64" % d.cn.router_address, "dev", "lan0", "nodad"])
        self.cn_address = d.cn.address(0x10)
        run(["ip", "-n", self.cn_ns, "addr", "add", "%s/64" % self.cn_address, "dev", "cn0", "nodad"])
        run(["ip", "-n", self.cn_ns, "route", "add", "default", "via", d.cn.router_address])

        self.progress("Home Agent")
        self.ha_ns = self.lab.namespace("ha")
        self.link(self.ha_ns, "ha0", self.site_switch_ns[d.home.name], "s-ha", mac_a="02:00:00:00:01:99")
        self.lab.disable_ipv6(self.ha_ns, "ha0")
        self.lab.disable_ipv6(self.site_switch_ns[d.home.name], "s-ha")
        self.site_ports[d.home.name].append("s-ha")

        for s in d.sites:
            for n in range(1, s.hosts + 1):
                h = Host(self, s, n)
                self.hosts.append(h)
                port = "s-%s" % h.tag
                self.link(h.namespace, "up0", self.site_switch_ns[s.name], port,
                          mac_a="02:00:00:%02x:%02x:02" % (s.index + 1, n))
                self.lab.disable_ipv6(h.namespace, "up0")
                self.lab.disable_ipv6(self.site_switch_ns[s.name], port)
                self.site_ports[s.name].append(port)
        self.site_switches = {s.name: Switch(self, self.site_switch_ns[s.name], "site-" + s.name,
                                             [(p, "") for p in self.site_ports[s.name]]) for s in d.sites}

        self.ha = self.lab.daemon(self.ha_ns, home_agent_config(self.lab, d), "ha").start(wait=False)
        for h in self.hosts:
            self.progress("host %s: Open vSwitch, mip6d + datapath, roam6-vswitchd" % h.name)
            h.ovs = ovs_lab.OvsInstance(netns=h.namespace, tag=h.tag)
            self.ovs.append(h.ovs)
            h.ovs.add_bridge(BRIDGE)
            self.lab.veth(h.namespace, "dp0", h.namespace, "guests0")
            self.lab.disable_ipv6(h.namespace, "guests0")
            self.lab.disable_ipv6(h.namespace, "dp0")
            h.mip6d = self.lab.daemon(h.namespace, host_config(self.lab, d, h), h.name).start(wait=False)
        self.ha.wait_ready(timeout=60)
        for h in self.hosts:
            h.mip6d.wait_ready(timeout=60)
            h.ovs.add_port(BRIDGE, "dp0")
            h.plugin = self.spawn(h.namespace, [VSWITCHD, "--datapath-port", "dp0", "--bridge", BRIDGE,
                                                "--ovsdb", "unix:" + h.ovs.db_socket, "--openflow", h.ovs.mgmt(BRIDGE),
                                                "--mip6d-socket", h.socket, "--domains", h.domains,
                                                "--log-level", "debug"], h.name + "-vswitchd")

        self.relay_ns = self.lab.namespace("qemu")
        self.add_guests(range(1, d.guest_count + 1))

    def add_guests(self, ks):
        """Guests at home, each running on the first home host and echoing
        probes. They are made and booted ATTACH_CHUNK at a time, every step
        batched as a cloud's controller boots many guests at once (one
        `ip -batch`, one OVS transaction, the hooks side by side, the
        resumes pipelined): a thousand take minutes, not an hour."""
        ks = list(ks)
        home_host = next(h for h in self.hosts if h.site.home)
        added = []
        for first in range(0, len(ks), ATTACH_CHUNK):
            chunk = self._make_guests(ks[first:first + ATTACH_CHUNK])
            self.progress("guests %s (%s...) on %s" % (
                ", ".join(g.name for g in chunk[:3]) + (", ..." if len(chunk) > 3 else ""),
                chunk[0].home_address, home_host.name))
            self.start_all_on(chunk, home_host)
            self.guests.extend(chunk)
            added.extend(chunk)
        return added

    def _make_guests(self, ks):
        """The guests' namespaces, NICs, relays and echo responders."""
        namespaces = self.lab.kernel_namespaces("g%d" % k for k in ks)
        guests = [Guest(self, k, ns) for k, ns in zip(ks, namespaces)]
        # Before any link exists, so each new link takes them: no DAD (the
        # emulated links have no duplicates); configured with its home
        # address, no SLAAC address from the emulated home link's Router
        # Advertisements (roam6 lets only the registered home address out);
        # and no Router Solicitations: the home router here sends no RAs, so
        # a Linux guest would solicit on and on (RFC 7559 back-off), and at
        # a thousand guests at home their RSes flooding the home link to
        # every other guest would take the machine (a real home router
        # answers the first).
        self._in_each(guests, lambda g: "sysctl -qw net.ipv6.conf.all.accept_dad=0 "
                      "net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.autoconf=0 "
                      "net.ipv6.conf.default.autoconf=0 net.ipv6.conf.all.router_solicitations=0 "
                      "net.ipv6.conf.default.router_solicitations=0")
        created = []
        up = {self.relay_ns: []}
        for g in guests:
            # The relay's ends and the hosts' vnet ends are made in
            # namespaces whose default keeps kernel IPv6 off them.
            created.append("link add name eth0 netns %s address %s type veth peer name %s netns %s"
                           % (g.namespace, g.mac, g.relay_guest, self.relay_ns))
            up[self.relay_ns].append("link set dev %s up" % g.relay_guest)
            for h in self.hosts:
                # The other end of each is the vnet port libvirt makes on
                # that host when the guest goes there; down until it runs there.
                created.append("link add name %s netns %s type veth peer name %s netns %s"
                               % (g.relay_port(h), self.relay_ns, g.vnet, h.namespace))
                up[self.relay_ns].append("link set dev %s up" % g.relay_port(h))
                up.setdefault(h.namespace, []).append("link set dev %s up" % g.vnet)
        ip_batch(None, created)
        for namespace, lines in up.items():
            ip_batch(namespace, lines)
        # The guest's own stack completes its checksums (roam6-wan and the
        # datapath copy frames below the kernel).
        self._in_each(guests, lambda g: " && ".join([
            "ip link set dev lo up", "ip link set dev eth0 up",
            "ip addr add %s/64 dev eth0 nodad" % g.home_address,
            "ip route replace default via fe80::1 dev eth0",
            "ethtool -K eth0 tx off >/dev/null"]))
        for g in guests:
            g.relay = Switch(self, self.relay_ns, "relay-" + g.name,
                             [(g.relay_guest, "")] + [(g.relay_port(h), "up=0") for h in self.hosts], wait=False)
            self.spawn(g.namespace, [PROBE, "echo", "--port", str(PROBE_PORT)], g.name + "-echo")
        for g in guests:
            g.relay.wait_ready()
        return guests

    def _in_each(self, guests, command):
        """The shell command command(g) run in each guest's namespace: one
        `ip -batch` of `netns exec` lines per core, no Python fork each."""
        lines = ['netns exec %s sh -ec "%s"' % (g.namespace, command(g)) for g in guests]
        halves = [lines[i::2] for i in range(2)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda part: ip_batch(None, part), halves))

    def start_all_on(self, guests, h):
        """The guests boot on host h, as libvirt boots many at once: each
        one's hooks in libvirt's order (the guests side by side), all their
        ports in one OVS transaction, then they run."""
        boots = [(g, None, g.domain_xml()) for g in guests]
        self._hooks(h, boots, ("prepare", "start"), "begin")
        h.ovs.add_vm_ports(BRIDGE, [(g.vnet, g.mac, "iface-" + g.name, g.uuid) for g in guests])
        self._hooks(h, boots, ("started",), "begin")
        self.wait_flows(h, guests)
        self._set_relays([(g, h, "up=1") for g in guests])
        for g in guests:
            g.host = h
        # Started/Booted, as roam6-libvirt-events says it.
        h.requests([("guest.resume", {"name": g.name}) for g in guests])
        for g in guests:
            self.announce(g)

    def announce(self, g, na_delay=ANNOUNCE_NA_DELAY):
        """QEMU's self-announce (RARP) now, the guest kernel's unsolicited
        NA for its home address a little later."""
        rarp = bytes.fromhex("ffffffffffff") + mac_bytes(g.mac) + bytes.fromhex("8035") + \
            bytes.fromhex("0001080006040003") + mac_bytes(g.mac) + b"\0" * 4 + mac_bytes(g.mac) + b"\0" * 4
        send_frame(g.namespace, rarp + b"\0" * (60 - len(rarp)))
        self.later(na_delay, lambda: unsolicited_na(g))

    def later(self, delay, action):
        """`action` in `delay` seconds, in the background; what it raises
        is kept in background_errors (close() waits for it)."""
        def guarded():
            try:
                action()
            except Exception as e:  # reported, not lost in a thread
                self.background_errors.append(e)
        t = threading.Timer(delay, guarded)
        t.daemon = True
        self.timers.append(t)
        t.start()

    # -- a move ----------------------------------------------------------------

    def move(self, g, to_host, move_id, **options):
        """Live-migrates guest g to `to_host` as libvirt and QEMU do; marks
        every step under `move_id`. Returns when it resumed (time.monotonic())."""
        return self.move_all([g], to_host, move_id, **options)

    def move_all(self, guests, to_host, move_id, pause_ms=20, precopy_ms=500, events=True,
                 sequence_in_xml=True, at_resume=None):
        """Moves every guest in `guests` to `to_host` at once: each step is
        taken for all of them before the next (one pause, one resume).
        `at_resume()`, when given, is called as they resume, before anything
        is told of it (a benchmark's start of the re-bind).
        `sequence_in_xml`: the domain XML the destination's hooks get carries
        the source's last sequence number and the addresses it learned the
        guest uses, as roam6-libvirt-events keeps them in the domain's
        metadata on the source (docs/migration.md); without it the
        destination's first BU may meet a 135, and it learns the guest's
        further addresses only from what the guest sends."""
        dst = to_host
        moves = []
        states = {}
        for src in {g.host for g in guests}:
            if sequence_in_xml:
                states.update({st["name"]: st for st in src.request("guest.list")["guests"]})
        for g in guests:
            if g.host is dst:
                raise TestbedError("%s already runs on %s" % (g.name, dst.name))
            st = states.get(g.name)
            sequence = st["sequence"] if st and st["resumed"] else None
            learned = [(o["address"], o["sequence"]) for o in st.get("other_addresses", [])] \
                if st and st["resumed"] else []
            moves.append((g, g.host, g.domain_xml(sequence=sequence, learned=learned)))
        self.mark(move_id, "migrate")
        # Each guest's destination hooks in libvirt's order, the guests side
        # by side as many libvirt migrations run; their ports in one transaction.
        self._hooks(dst, moves, ("migrate", "prepare"), "begin")
        dst.ovs.add_vm_ports(BRIDGE, [(g.vnet, g.mac, "iface-" + g.name, g.uuid) for g, _, _ in moves])
        self._hooks(dst, moves, ("start", "started"), "begin")
        if events:
            # roam6-libvirt-events: the migration's first pass on the source.
            for src, batch in per_source(moves, lambda g: ("guest.migrating", {"name": g.name})):
                src.requests(batch, refusals_ok=("unknown_guest", "invalid_argument"))
        # The pre-copy: memory copied while the guests run. A real one takes
        # far longer than the destination's flows do; here it lasts at least
        # until roam6-vswitchd has steered every new port.
        time.sleep(precopy_ms / 1000.0)
        self.wait_flows(dst, [g for g, _, _ in moves])
        self.mark(move_id, "destination_ready")
        self.mark(move_id, "pause")
        stopped = time.time()
        self._set_relays([(g, src, "up=0") for g, src, _ in moves])
        if events:
            # roam6-libvirt-events: Suspended (migration) there, just after
            # QEMU stopped, with the STOP's own time.
            for src, batch in per_source(moves, lambda g: ("guest.pause", {"name": g.name,
                                                                           "timestamp": stopped})):
                src.requests(batch, refusals_ok=("unknown_guest", "invalid_argument"))
            self.mark(move_id, "pause_event")
        time.sleep(pause_ms / 1000.0)  # stop-and-copy
        self._set_relays([(g, dst, "up=1") for g, _, _ in moves])
        for g, src, xml in moves:
            g.host = dst
        if at_resume is not None:
            at_resume()
        resumed = self.mark(move_id, "resume")
        if events:
            # roam6-libvirt-events: Resumed/Migrated here, Stopped/Migrated there.
            now = time.time()
            dst.requests([("guest.resume", {"name": g.name, "timestamp": now}) for g, _, _ in moves])
            self.mark(move_id, "resume_event")
            for src, batch in per_source(moves, lambda g: ("guest.detach", {"name": g.name, "mode": "moved"})):
                src.requests(batch, refusals_ok=("unknown_guest",))
        for g, src, xml in moves:
            self.announce(g)

        def source_cleanup():
            for src in {src for _, src, _ in moves}:
                mine = [m for m in moves if m[1] is src]
                src.ovs.del_ports([g.vnet for g, _, _ in mine])
                self._hooks(src, mine, ("stopped", "release"), "end")
        self.later(SOURCE_CLEANUP_DELAY, source_cleanup)
        return resumed

    def _hooks(self, host, moves, operations, sub_operation):
        """Each guest's hooks for `operations`, in order, on `host`; the
        guests side by side. `moves`: (guest, source, domain XML)."""
        def one(move):
            g, _, xml = move
            for operation in operations:
                host.hook(g.name, operation, sub_operation, xml)
        if len(moves) == 1:
            one(moves[0])
            return
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(one, moves))

    def _set_relays(self, settings):
        """(guest, host, settings) for each guest's relay port to that host:
        the ports of many guests flipped side by side, as their QEMUs stop
        or start each on its own."""
        def one(setting):
            g, h, text = setting
            g.relay.set(g.relay_port(h), text)
        if len(settings) < 16:
            for setting in settings:
                one(setting)
            return
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(one, settings))

    def wait_flows(self, host, guests, timeout=60):
        """Until roam6-vswitchd reports each guest's port steered on `host`."""
        deadline = time.monotonic() + timeout
        waiting = {g.name for g in guests}
        while waiting:
            for st in host.request("guest.list")["guests"]:
                if st["name"] in waiting and st.get("flows") == "installed":
                    waiting.discard(st["name"])
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise TestbedError("flows not installed on %s for %s within %.0f s; see %s" % (
                    host.name, ", ".join(sorted(waiting)), timeout, host.plugin.log_path))
            time.sleep(0.05)

    def wait_bound(self, g, timeout=10):
        """Until the guest's host reports its binding accepted (or it is at
        home and needs none)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = g.host.guest(g.name)
            if st and st["resumed"] and (not st["away"] or st["state"] == "bound"):
                return st
            time.sleep(0.02)
        raise TestbedError("%s not bound on %s within %.0f s: %s" % (g.name, g.host.name, timeout,
                                                                     g.host.guest(g.name)))

    # -- probes ----------------------------------------------------------------

    def start_probe(self, g, rate_hz=None, name="probe"):
        """Probes to g's home address; its report reads g's own marks when
        it moves on its own (a QEMU guest), else the testbed's."""
        timeline = self.lab.path(name + "-timeline.csv")
        marks = getattr(g, "marks_path", None) or self.marks_path
        p = self.spawn(self.cn_ns, [PROBE, "send", "--to", g.home_address, "--port", str(PROBE_PORT),
                                    "--rate", "%g" % (rate_hz or self.d.probe_rate_hz), "--drain-ms", "500",
                                    "--timeline", timeline, "--marks", marks, "--json"], name)
        p.timeline = timeline
        p.marks = marks
        return p

    def stop_probe(self, p):
        p.proc.send_signal(2)
        p.proc.wait(timeout=30)
        with open(p.log_path) as f:
            lines = [line for line in f.read().splitlines() if line.startswith("{")]
        if not lines:
            raise TestbedError("the probe printed no report; see %s" % p.log_path)
        return json.loads(lines[-1])

    # -- teardown ----------------------------------------------------------------

    def diagnostics(self):
        """What a failed test prints beside the logs: every datapath's and
        the WAN's non-zero drops, and what each datapath handed over,
        replayed and held (a lost probe was dropped somewhere)."""
        lines = []
        interesting = ("drop", "handed_over", "replayed", "held", "released")
        nodes = [(h.name, h.socket) for h in self.hosts] + [("ha", self.lab.path("ha.sock"))]
        for name, socket_path in nodes:
            try:
                proc = subprocess.run([MIP6CTL, "--socket", socket_path, "--json", "stats"], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, timeout=10)
                ports = json.loads(proc.stdout)["datapath"]["ports"]
            except Exception as e:  # a daemon that died says so in its log
                lines.append("%s: no stats (%s)" % (name, e))
                continue
            for port, counters in sorted(ports.items()):
                shown = {k: v for k, v in counters.items() if v and any(k.startswith(i) for i in interesting)}
                lines.append("%s %s: %s" % (name, port, json.dumps(shown, sort_keys=True)))
        # A guest's tap drops what its QEMU does not read in time (a guest
        # under TCG on busy cores, or a burst bigger than its queue).
        for h in self.hosts:
            try:
                _, out = run(["ip", "-n", h.namespace, "-s", "-j", "link", "show"], check=False)
                for link in json.loads(out):
                    name = link.get("ifname", "")
                    if name.startswith(("vnet", "tap")):
                        stats = link.get("stats64", {})
                        lines.append("%s %s: to the guest %s, dropped %s; from it %s" % (
                            h.name, name, stats.get("tx", {}).get("packets"), stats.get("tx", {}).get("dropped"),
                            stats.get("rx", {}).get("packets")))
            except Exception as e:
                lines.append("%s: no link stats (%s)" % (h.name, e))
            # OVS reads each kernel port through an AF_PACKET socket; what
            # overflowed one (tests/ovs/socket_buffers.py) is counted only there.
            try:
                _, out = run(["ip", "netns", "exec", h.namespace, "ss", "-0", "-m", "-p", "-n"], check=False)
                for port, drops in re.findall(r"\*:(\S+)\s[^\n]*?ovs-vswitchd[^\n]*\n?\s*skmem:\([^)]*?d(\d+)\)", out):
                    if int(drops):
                        lines.append("%s OVS socket of %s: dropped %s" % (h.name, port, drops))
            except Exception as e:
                lines.append("%s: no socket stats (%s)" % (h.name, e))
        for switch in self.switches:
            try:
                lines.append("%s: %s" % (switch.name, json.dumps(switch.stats(), sort_keys=True)))
            except Exception as e:
                lines.append("%s: no stats (%s)" % (switch.name, e))
        return "\n".join(lines)

    def settle(self):
        """Waits for every background step (the source's late hooks) and
        raises the first error one of them had."""
        for t in self.timers:
            t.join(timeout=60)
        if self.background_errors:
            raise TestbedError("a background step failed: %s" % self.background_errors[0])

    def close(self):
        for t in self.timers:
            t.cancel()
        for t in self.timers:
            t.join(timeout=60)
        for action in self.closing_first:
            try:
                action()
            except Exception as e:  # keep cleaning up
                print("testbed: while closing: %s" % e, file=sys.stderr)
        for p in reversed(self.processes):
            try:
                p.stop()
            except Exception:
                pass
        for o in self.ovs:
            o.stop()
        for action in self.closing:
            action()
        self.marks.close()
        self.lab.close()


def ip_batch(namespace, lines):
    """Many `ip` commands in one process (`ip -batch`), in `namespace`."""
    if not lines:
        return
    command = ["ip"] + (["-n", namespace] if namespace else []) + ["-batch", "-"]
    proc = subprocess.run(command, input="\n".join(lines) + "\n", stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=120)
    if proc.returncode != 0:
        raise TestbedError("%s failed: %s" % (" ".join(command), proc.stdout.strip()))


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(":", ""))


def wan_mac(site):
    """The MAC of a site router's WAN interface."""
    return "02:00:00:ff:%02x:01" % (site.index + 1)


def per_source(moves, request):
    """The requests of a move_all step grouped by the host each goes to, in
    the order of `moves`: [(host, [(command, args), ...]), ...]."""
    grouped = {}
    for g, src, _ in moves:
        grouped.setdefault(id(src), (src, []))[1].append(request(g))
    return list(grouped.values())


def send_frame(namespace, frame):
    """One frame out of the namespace's eth0 (what a guest's NIC sends)."""
    with harness.InNamespace(namespace):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    try:
        sock.bind(("eth0", 0))
        sock.send(frame)
    finally:
        sock.close()


def unsolicited_na(g):
    """RFC 4861 7.2.6: the guest's NA for its home address to all nodes,
    Override set, as a Linux guest sends after a migration."""
    from scapy.all import Ether, raw
    from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, IPv6
    ll = "fe80::" + link_local_suffix(g.mac)
    frame = (Ether(src=g.mac, dst="33:33:00:00:00:01") / IPv6(src=ll, dst="ff02::1", hlim=255)
             / ICMPv6ND_NA(tgt=g.home_address, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=g.mac))
    try:
        send_frame(g.namespace, raw(frame))
    except Exception:
        pass  # the testbed may be closing


def link_local_suffix(mac):
    b = bytearray(mac_bytes(mac))
    b[0] ^= 0x02
    eui = b[:3] + b"\xff\xfe" + b[3:]
    return ":".join("%x" % ((eui[i] << 8) | eui[i + 1]) for i in range(0, 8, 2))


def remove_leftovers():
    """`roam6-testbed down`: what runs that are gone left behind."""
    ovs_lab.remove_leftovers()
    harness.remove_leftovers()
