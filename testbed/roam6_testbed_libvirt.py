"""Real libvirt in the testbed: one libvirtd per host, the guest moved by
`virsh migrate --live`, roam6 driven only by what libvirt itself runs and
says (docs/testbed.md, "Real libvirt").

Each host of the testbed gets a libvirtd of its own, in the host's network
namespace and a private mount and UTS namespace (ENVIRONMENT.md's recipe):
its own /etc/libvirt (host UUID, TCP listener without auth, QEMU run as
root), /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
/var/log/libvirt under the lab's directory, and the host's private Open
vSwitch run directory over /run/openvswitch, so that libvirt's own
`ovs-vsctl add-port` plugs the guest's tap into that host's br-int with
libvirt's external_ids. roam6 is wired in as an operator wires it:

- `roam6-libvirt-hook install` into the private /etc/libvirt/hooks/qemu.d,
  so libvirt runs the real hook for every operation, with the real XML;
- `roam6-libvirt-events` on each host, subscribed to that libvirtd's
  lifecycle events (Suspended/Resumed/Stopped, migrated), telling mip6d.

The libvirtds reach one another over a management network of their own (a
bridge in its own namespace, IPv4 10.254.0.0/24): libvirt's control
connection (qemu+tcp) and QEMU's migration stream use it, never the sites'
links or the WAN, as a cloud keeps migration traffic off its tenants' paths.

The marks a move leaves for the probe's report: `migrate` when virsh is
called; `pause` and `resume` at QEMU's own STOP (source) and RESUME
(destination) events, read from the timestamps QEMU put in them as each
libvirtd logged them (its qemu_monitor debug log); `pause_event` and
`resume_event` when libvirt's lifecycle events reached a `virsh event`
watcher on each host. Nothing in them comes from the testbed telling roam6
anything.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid as uuidlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "qemu"))

import guest_image  # noqa: E402
import qemu_guest  # noqa: E402
import roam6_testbed as tb  # noqa: E402
from harness import run  # noqa: E402

LIBVIRTD = shutil.which("libvirtd") or "/usr/sbin/libvirtd"
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"
EVENTS = tb.program("ROAM6_LIBVIRT_EVENTS", "migration-hooks/roam6-libvirt-events")
MANAGEMENT_PREFIX = "10.254.0."
MIGRATION_PORT = 49152
# What libvirtd keeps of its own: each bound over the host's directory.
PRIVATE_DIRECTORIES = ("/etc/libvirt", "/run/libvirt", "/var/lib/libvirt", "/var/cache/libvirt",
                       "/var/log/libvirt")
OVS_RUN_DIRECTORY = "/run/openvswitch"


def missing_programs():
    """What this module needs that is not installed or built (empty: ready)."""
    return [p for p in (LIBVIRTD, VIRSH, EVENTS, qemu_guest.QEMU) if not os.access(p, os.X_OK)]


class ManagementNetwork:
    """A bridge in a namespace of its own; each host joins it by a veth."""

    def __init__(self, bed):
        self.bed = bed
        self.namespace = bed.lab.namespace("mgmt")
        run(["ip", "-n", self.namespace, "link", "add", "mgmt0", "type", "bridge"])
        run(["ip", "-n", self.namespace, "link", "set", "mgmt0", "up"])

    def join(self, host):
        """The host's address on the management network."""
        address = MANAGEMENT_PREFIX + str(1 + host.index)
        port = "m-" + host.tag
        self.bed.link(host.namespace, "mgmt", self.namespace, port)
        run(["ip", "-n", self.namespace, "link", "set", port, "master", "mgmt0"])
        run(["ip", "-n", host.namespace, "addr", "add", address + "/24", "dev", "mgmt"])
        return address


class Libvirtd:
    """A real libvirtd for one host of the testbed, with roam6's hook
    installed and roam6-libvirt-events watching it."""

    def __init__(self, bed, host, address):
        self.bed = bed
        self.host = host
        self.address = address
        self.dir = bed.lab.path(host.name + "-libvirt")
        self.roots = {d: os.path.join(self.dir, d.strip("/").replace("/", "-")) for d in PRIVATE_DIRECTORIES}
        for d in self.roots.values():
            os.makedirs(d, exist_ok=True)
        etc = self.roots["/etc/libvirt"]
        self.log_path = os.path.join(self.roots["/var/log/libvirt"], "libvirtd.log")
        self.socket = os.path.join(self.roots["/run/libvirt"], "libvirt-sock")
        with open(os.path.join(etc, "libvirtd.conf"), "w") as f:
            f.write(libvirtd_conf(host, self.log_path))
        with open(os.path.join(etc, "qemu.conf"), "w") as f:
            f.write(QEMU_CONF)
        # The operator's one command (docs/operator-guide.md), into this
        # libvirtd's own /etc/libvirt.
        run([tb.HOOK, "--hooks-dir", os.path.join(etc, "hooks"), "--mip6d-socket", host.socket,
             "--domains", host.domains, "install"])
        for d in PRIVATE_DIRECTORIES + (OVS_RUN_DIRECTORY,):
            os.makedirs(d, exist_ok=True)  # mount points on this machine; left empty
        binds = [(self.roots[d], d) for d in PRIVATE_DIRECTORIES] + [(host.ovs.dir, OVS_RUN_DIRECTORY)]
        script = "set -e\n" + "".join("mount --bind '%s' '%s'\n" % b for b in binds) + \
            "hostname '%s'\nexec '%s' --listen --pid-file /run/libvirt/libvirtd.pid\n" % ("roam6-" + host.name, LIBVIRTD)
        self.process = bed.spawn(host.namespace, ["unshare", "--mount", "--uts", "--propagation", "private",
                                                  "sh", "-c", script], host.name + "-libvirtd")
        self.wait_ready()
        self.events = bed.spawn(host.namespace, [EVENTS, "--connect", self.uri, "--mip6d-socket", host.socket,
                                                 "--domains", host.domains, "--log-level", "debug"],
                                host.name + "-libvirt-events")
        self.watch = bed.spawn(host.namespace, [VIRSH, "-c", self.uri, "event", "--all", "--loop",
                                                "--timestamp"], host.name + "-virsh-event")

    @property
    def uri(self):
        return "qemu:///system?socket=" + self.socket

    @property
    def remote_uri(self):
        return "qemu+tcp://%s/system" % self.address

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            if os.path.exists(self.socket) and self.virsh_status("version")[0] == 0:
                return
            if self.process.proc.poll() is not None or time.monotonic() > deadline:
                raise tb.TestbedError("libvirtd on %s did not start; see %s and %s" % (
                    self.host.name, self.process.log_path, self.log_path))
            time.sleep(0.1)

    def virsh_status(self, *args, timeout=60):
        proc = subprocess.run(["nsenter", "--net=/run/netns/" + self.host.namespace, VIRSH, "-q", "-c", self.uri]
                              + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
        return proc.returncode, proc.stdout

    def virsh(self, *args, timeout=60):
        status, out = self.virsh_status(*args, timeout=timeout)
        if status != 0:
            raise tb.TestbedError("virsh %s on %s: %s(libvirtd's log: %s)" % (
                " ".join(args), self.host.name, out, self.log_path))
        return out

    def qemu_events(self, name):
        """(event, wall-clock seconds) of every QMP event QEMU sent this
        libvirtd for domain `name`, as its monitor debug log holds them."""
        found = []
        try:
            with open(self.log_path, errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            return found
        for m in QMP_EVENT.finditer(text):
            event = json.loads(m.group(1))
            ts = event.get("timestamp", {})
            found.append((event.get("event"), ts.get("seconds", 0) + ts.get("microseconds", 0) / 1e6))
        return found

    def lifecycle_events(self, name):
        """(wall-clock seconds, event text) of the lifecycle events `virsh
        event --timestamp` received for domain `name`."""
        found = []
        with open(self.watch.log_path, errors="replace") as f:
            for line in f:
                m = VIRSH_EVENT.match(line.strip())
                if m and m.group(2) == name:
                    found.append((parse_virsh_time(m.group(1)), m.group(3)))
        return found


# libvirtd's debug log of a QMP event: `QEMU_MONITOR_RECV_EVENT: mon=0x..
# event={"timestamp": {...}, "event": "STOP"}`. libvirt 9 logs the event's
# JSON text as QEMU sent it.
QMP_EVENT = re.compile(r'QEMU_MONITOR_RECV_EVENT: mon=\S+ event=(\{.*?\})\s*$', re.M)
# virsh event --timestamp: `2026-12-05 08:00:00.123+0000: event 'lifecycle' for domain 'vm100': Suspended Migrated`
VIRSH_EVENT = re.compile(r"^(\S+ \S+): event 'lifecycle' for domain '?([^':]+)'?: (.*)$")


def parse_virsh_time(text):
    from datetime import datetime
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f%z").timestamp()


def libvirtd_conf(host, log_path):
    return """# roam6 testbed: libvirtd of host %(name)s (private: nothing of this machine's libvirt)
host_uuid = "%(uuid)s"
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
auth_unix_ro = "none"
auth_unix_rw = "none"
# QEMU's QMP events with QEMU's own timestamps (the marks pause and resume)
log_filters = "1:qemu.qemu_monitor 3:*"
log_outputs = "1:file:%(log)s"
""" % {"name": host.name, "uuid": uuidlib.uuid5(uuidlib.NAMESPACE_DNS, host.name + ".roam6.test"), "log": log_path}


QEMU_CONF = """# roam6 testbed: QEMU run by this libvirtd (TCG, no KVM here)
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
# no private /dev per guest, no cgroups of our own, QEMU's output to files
namespaces = []
cgroup_controllers = []
stdio_handler = "file"
remember_owner = 0
"""


class LibvirtGuest(tb.Guest):
    """The real QEMU guest of tests/qemu, defined in libvirt: its NIC a
    bridge interface on br-int with an openvswitch virtualport, as a cloud
    defines one; roam6's metadata in its XML."""

    def __init__(self, bed, k, nic="virtio"):
        super().__init__(bed, k, None)
        self.nic = nic
        self.kernel, self.initrd = guest_image.build_guest_image()
        self.serial = bed.lab.path(self.name + ".serial")
        self.marks_path = bed.lab.path(self.name + "-marks.jsonl")
        self.marks = open(self.marks_path, "a")
        bed.closing.append(self.marks.close)
        self.daemon = None  # the libvirtd it runs under now
        # libvirt takes only a UUID here (a cloud's port ID, Neutron's for one)
        self.interface_id = str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, "iface-%s.roam6.test" % self.name))

    def libvirt_xml(self):
        # driver: no checksum or segmentation offload between guest and
        # tap. With it, the guest's frames may leave checksum-partial, which
        # the kernel on the tap's side completes but a switch or datapath
        # copying frames below it does not (tests/qemu: vnet_hdr=off).
        offload = ("\n      <driver name='qemu'><host csum='off' gso='off' tso4='off' tso6='off' ecn='off' ufo='off'/>"
                   "<guest csum='off' tso4='off' tso6='off' ecn='off' ufo='off'/></driver>") if self.nic == "virtio" else ""
        return """<domain type='qemu'>
  <name>%(name)s</name>
  <uuid>%(uuid)s</uuid>
  <metadata>
    <roam6:guest xmlns:roam6="https://roam6.dev/xmlns/libvirt/1">
      <roam6:interface mac="%(mac)s" home-address="%(home)s" home-site="%(site)s"/>
    </roam6:guest>
  </metadata>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>%(kernel)s</kernel>
    <initrd>%(initrd)s</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 roam6.home_address=%(home)s/64</cmdline>
  </os>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>%(qemu)s</emulator>
    <interface type='bridge'>
      <mac address='%(mac)s'/>
      <source bridge='%(bridge)s'/>
      <virtualport type='openvswitch'>
        <parameters interfaceid='%(interface_id)s'/>
      </virtualport>
      <model type='%(nic)s'/>%(offload)s
    </interface>
    <serial type='file'>
      <source path='%(serial)s' append='on'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
""" % {"name": self.name, "uuid": self.uuid, "mac": self.mac, "home": self.home_address, "site": self.home_site,
       "kernel": self.kernel, "initrd": self.initrd, "qemu": qemu_guest.QEMU, "bridge": tb.BRIDGE,
       "nic": self.nic, "offload": offload, "interface_id": self.interface_id, "serial": self.serial}

    def console(self):
        return qemu_guest.console_text(self.serial)

    def wait_ready(self, timeout=120):
        if qemu_guest.wait_for_ready_line(self.serial, timeout) is not None:
            return
        raise tb.TestbedError("guest %s not ready within %d s; console %s, libvirtd log %s" % (
            self.name, timeout, self.serial, self.daemon.log_path))


class LibvirtCloud:
    """Every host's libvirtd on one management network."""

    def __init__(self, bed, hosts=None):
        missing = missing_programs()
        if missing:
            raise tb.TestbedError("not installed or built: %s (scripts/install-deps.sh; cmake --build)" %
                                  ", ".join(missing))
        self.bed = bed
        self.network = ManagementNetwork(bed)
        self.daemons = {}
        bed.closing_first.append(self.close)
        for h in hosts or bed.hosts:
            bed.progress("host %s: libvirtd (roam6 hook installed, roam6-libvirt-events)" % h.name)
            self.daemons[h.name] = Libvirtd(bed, h, self.network.join(h))

    def running(self, g):
        """Whether a libvirtd says g runs there (`virsh domstate`: not
        paused, shut off or gone)."""
        for d in self.daemons.values():
            if d.process.proc.poll() is not None:
                continue
            try:
                status, out = d.virsh_status("domstate", g.name, timeout=30)
            except subprocess.TimeoutExpired:
                continue
            if status == 0 and out.strip() == "running":
                return True
        return False

    def describe(self, g, tail=1500):
        """For a failed test: the end of the guest's console (a guest that
        panicked is destroyed: panic=-1, on_reboot destroy) and of each
        host's QEMU log for it (libvirt writes why QEMU stopped there)."""
        lines = ["guest %s console: %s" % (g.name, qemu_guest.console_for_a_report(g.console())[-3 * tail:].strip().replace("\n", "\n    "))]
        for name, d in self.daemons.items():
            path = os.path.join(d.roots["/var/log/libvirt"], "qemu", g.name + ".log")
            try:
                with open(path, errors="replace") as f:
                    text = f.read()[-tail:].strip()
            except FileNotFoundError:
                continue
            lines.append("%s QEMU log of %s: %s" % (name, g.name, text.replace("\n", "\n    ")))
        return "\n".join(lines)

    def close(self):
        """Guests destroyed before the namespaces go (libvirtd would leave
        them running)."""
        for d in self.daemons.values():
            if d.process.proc.poll() is None:
                for name in d.virsh_status("list", "--name", timeout=30)[1].split():
                    d.virsh_status("destroy", name, timeout=30)
                d.events.stop()
                d.watch.stop()
                d.process.stop()

    def boot(self, k, host_name=None, nic="virtio"):
        """A guest defined and started on a home host (first home host by
        default); returns it once it answers at its home address."""
        bed = self.bed
        h = bed.host(host_name) if host_name else next(h for h in bed.hosts if h.site.home)
        g = LibvirtGuest(bed, k, nic)
        g.daemon = self.daemons[h.name]
        bed.progress("libvirt guest %s (%s, %s) boots on %s" % (g.name, nic, g.home_address, h.name))
        xml_path = bed.lab.path(g.name + ".xml")
        with open(xml_path, "w") as f:
            f.write(g.libvirt_xml())
        g.daemon.virsh("create", xml_path)
        g.host = h
        g.wait_ready()
        bed.guests.append(g)
        return g

    def migrate(self, g, to_host, move_id):
        """`virsh migrate --live` of g to host `to_host`, under the probes.
        Returns libvirt's figures of the completed job (downtime, total)."""
        bed = self.bed
        src, dst = g.daemon, self.daemons[to_host.name]
        bed.mark(move_id, "migrate", g.marks)
        started = time.time()
        src.virsh("migrate", "--live", g.name, dst.remote_uri, "tcp://%s:%d" % (dst.address, MIGRATION_PORT),
                  timeout=120)
        # The destination keeps the completed job's statistics (the source's
        # transient domain is gone): libvirt's downtime, STOP to resume.
        info = parse_jobinfo(dst.virsh("domjobinfo", g.name, "--completed"))
        g.daemon, g.host = dst, to_host
        self._mark_qemu_events(g, src, dst, move_id, started)
        return info

    def _mark_qemu_events(self, g, src, dst, move_id, since):
        """The move's pause and resume at QEMU's own timestamps, and the
        moments libvirt's lifecycle events reached each host's watcher."""
        bed = self.bed
        offset = time.time() - time.monotonic()
        deadline = time.monotonic() + 5
        while True:
            stop = [t for e, t in src.qemu_events(g.name) if e == "STOP" and t >= since]
            resume = [t for e, t in dst.qemu_events(g.name) if e == "RESUME" and t >= since]
            suspended = [t for t, text in src.lifecycle_events(g.name) if text.startswith("Suspended") and t >= since]
            resumed = [t for t, text in dst.lifecycle_events(g.name) if text.startswith("Resumed") and t >= since]
            if stop and resume and suspended and resumed:
                break
            if time.monotonic() > deadline:
                raise tb.TestbedError("move %s of %s: QEMU's STOP/RESUME or libvirt's Suspended/Resumed not "
                                      "seen (STOP %s RESUME %s Suspended %s Resumed %s); see %s, %s" % (
                                          move_id, g.name, stop, resume, suspended, resumed, src.log_path,
                                          dst.log_path))
            time.sleep(0.05)
        bed.mark_at(move_id, "pause", stop[0] - offset, g.marks)
        bed.mark_at(move_id, "pause_event", suspended[0] - offset, g.marks)
        bed.mark_at(move_id, "resume", resume[0] - offset, g.marks)
        bed.mark_at(move_id, "resume_event", resumed[0] - offset, g.marks)


def parse_jobinfo(text):
    """virsh domjobinfo's `Name: value unit` lines as {name: number or text}."""
    info = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        value = value.strip().split(" ")[0] if value.strip() else ""
        try:
            info[name.strip()] = float(value)
        except ValueError:
            info[name.strip()] = value
    return info
