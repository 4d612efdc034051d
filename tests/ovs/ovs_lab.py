"""A private Open vSwitch for the vswitch plugin's integration tests.

- OvsInstance: its own ovsdb-server and ovs-vswitchd (userspace datapath, or
  OVS-DPDK), database, sockets and logs in one temporary run directory,
  optionally inside a network namespace; never the system's OVS. stop()
  (also on leaving a `with` block, and from a unittest cleanup) kills both
  daemons and deletes the tap devices vswitchd leaves behind (ovs-netdev and
  one per bridge), the run directory and DPDK's runtime files.
- add_vm_port() makes a port exactly as libvirt does (one ovs-vsctl
  transaction, see its docstring), or as OpenStack's os-vif does.
- While any OvsInstance runs, net.core.rmem_default is raised for the
  sockets it reads kernel ports with (socket_buffers.py says why).
- Guest: a network namespace whose eth0 is one end of a veth pair; the other
  end is an OVS system port.

The daemons run as our children (not --detach) with PR_SET_PDEATHSIG, so a
test process that dies, even by SIGKILL, takes its OVS with it. Anything else
a crashed run left (run directories, tap devices, namespaces, DPDK runtime
files) is removed by remove_leftovers() when the next run starts, for runs
whose process is gone only. Names follow tests/integration/harness.py:
r6it-<pid>-... for namespaces, temporary directories and DPDK file prefixes.
"""

import ctypes
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
import socket_buffers  # noqa: E402
from harness import RUN, run  # noqa: E402,F401  (re-exported for the tests)

SKIP_RETURN_CODE = harness.SKIP_RETURN_CODE
OVSDB_SERVER = "/usr/sbin/ovsdb-server"
OVS_VSWITCHD = "/usr/lib/openvswitch-switch/ovs-vswitchd"
OVS_VSWITCHD_DPDK = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
DPDK_TESTPMD = "/usr/bin/dpdk-testpmd"
LEFTOVERS_FILE = "netdevs.json"  # in a run dir: the tap devices to delete if the run crashed

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: SIGKILL this child when the test process exits."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def skip_unless_root_and_ovs():
    if os.geteuid() != 0:
        print("skipped: needs root (network namespaces, Open vSwitch)")
        sys.exit(SKIP_RETURN_CODE)
    for path in (OVSDB_SERVER, OVS_VSWITCHD, shutil.which("ovs-vsctl") or "/usr/bin/ovs-vsctl"):
        if not os.access(path, os.X_OK):
            print("skipped: Open vSwitch is not installed (%s)" % path)
            sys.exit(SKIP_RETURN_CODE)


def dpdk_available():
    """(True, "") or (False, why not)."""
    for path in (OVS_VSWITCHD_DPDK, DPDK_TESTPMD):
        if not os.access(path, os.X_OK):
            return False, "%s is missing" % path
    return True, ""


def remove_leftovers():
    """What crashed runs left behind, for runs whose process is gone: their
    OVS tap devices, then (harness) namespaces, temp dirs, DPDK files."""
    tmp = tempfile.gettempdir()
    for name in os.listdir(tmp):
        pid = harness._owner_pid(name)
        if pid is None or harness._pid_alive(pid):
            continue
        _delete_netdevs(os.path.join(tmp, name, LEFTOVERS_FILE))
    socket_buffers.release_the_dead()
    harness.remove_leftovers()


def _delete_netdevs(path):
    try:
        with open(path) as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return
    for netns, device in entries:
        _delete_link(netns, device)


def _delete_link(netns, device):
    command = ["ip"] + (["-n", netns] if netns else []) + ["link", "del", "dev", device]
    run(command, check=False)


def _link_exists(netns, device):
    command = ["ip"] + (["-n", netns] if netns else []) + ["link", "show", "dev", device]
    status, _ = run(command, check=False)
    return status == 0


class OvsInstance:
    """One private OVS. `netns`: the namespace both daemons run in (None: the
    caller's); its tap devices live there. `dpdk`: OVS-DPDK
    (ovs-vswitchd-dpdk with DPDK in --no-huge memory) instead of the plain
    userspace datapath. Ready when the constructor returns."""

    def __init__(self, netns=None, dpdk=False, tag="ovs"):
        remove_leftovers()
        self.netns = netns
        self.dpdk = dpdk
        self.dir = tempfile.mkdtemp(prefix="%s-%s-" % (RUN, tag))
        os.chmod(self.dir, 0o755)  # a vhost-user peer (testpmd) opens sockets here
        self.db_path = self.path("conf.db")
        self.db_socket = self.path("db.sock")
        self.ovsdb_ctl = self.path("ovsdb-server.ctl")
        self.vswitchd_ctl = self.path("ovs-vswitchd.ctl")
        self.dpdk_prefix = harness.dpdk_file_prefix(os.path.basename(self.dir)[len(RUN) + 1:])
        self.bridges = []
        self.ovsdb = None
        self.vswitchd = None
        self.timings = {}
        self._record_netdevs()
        # Its AF_PACKET sockets' buffers (socket_buffers.py): before any opens.
        self.socket_buffers = socket_buffers.hold(os.path.basename(self.dir))
        try:
            started = time.monotonic()
            run(["ovsdb-tool", "create", self.db_path, OVS_SCHEMA])
            self.start_ovsdb()
            self.vsctl("--no-wait", "init")
            if dpdk:
                # per-port-memory: the shared mempool OVS sizes for a port
                # asks 262144 mbufs (~600 MB), more than -m 256 has; per
                # port it needs what the port's queues hold.
                self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                           "other_config:dpdk-init=true", "other_config:per-port-memory=true",
                           'other_config:dpdk-extra="--no-huge --legacy-mem -m 256 --no-pci '
                           '--file-prefix=%s"' % self.dpdk_prefix)
            self.start_vswitchd()
            self.timings["start"] = time.monotonic() - started
        except Exception:
            self.stop()
            raise

    # -- plumbing ---------------------------------------------------------

    def path(self, name):
        return os.path.join(self.dir, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def env(self):
        env = dict(os.environ)
        for variable in ("OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR"):
            env[variable] = self.dir
        env["OVS_DB"] = "unix:" + self.db_socket
        return env

    def _wrap(self, command):
        return (["ip", "netns", "exec", self.netns] if self.netns else []) + command

    def _run(self, command, check=True, timeout=30):
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=self.env, timeout=timeout)
        out = proc.stdout.decode(errors="replace")
        if check and proc.returncode != 0:
            raise RuntimeError("%s failed (%d): %s%s" % (
                " ".join(shlex.quote(c) for c in command), proc.returncode, out,
                proc.stderr.decode(errors="replace")))
        return out

    def _succeeds(self, command):
        return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=self.env, timeout=30).returncode == 0

    def _spawn(self, command, log_name):
        with open(self.path(log_name), "ab") as log:
            return subprocess.Popen(self._wrap(command), stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=self.env,
                                    preexec_fn=_die_with_parent)

    def _record_netdevs(self):
        """Writes which tap devices a crash would leave (remove_leftovers)."""
        names = ["ovs-netdev"] + self.bridges
        with open(self.path(LEFTOVERS_FILE), "w") as f:
            json.dump([[self.netns, n] for n in names], f)

    # -- the tools --------------------------------------------------------

    def vsctl(self, *args, check=True, timeout=30):
        """ovs-vsctl against this instance's database; its stdout."""
        return self._run(["ovs-vsctl", "--db=unix:" + self.db_socket] + list(args),
                         check=check, timeout=timeout)

    def ofctl(self, *args, check=True):
        """ovs-ofctl -O OpenFlow13 ARGS; a bridge argument should be given as
        self.mgmt(bridge) (the bridge's OpenFlow socket)."""
        return self._run(["ovs-ofctl", "-O", "OpenFlow13"] + list(args), check=check)

    def appctl(self, *args, target="vswitchd", check=True):
        ctl = self.vswitchd_ctl if target == "vswitchd" else self.ovsdb_ctl
        return self._run(["ovs-appctl", "-t", ctl] + list(args), check=check)

    def mgmt(self, bridge):
        return "unix:" + self.path(bridge + ".mgmt")

    # -- daemons ----------------------------------------------------------

    def start_ovsdb(self, timeout=10.0):
        """ovsdb-server on the same database file (restart keeps every row)."""
        self.ovsdb = self._spawn(
            [OVSDB_SERVER, self.db_path, "--remote=punix:" + self.db_socket,
             "--pidfile=" + self.path("ovsdb-server.pid"), "--unixctl=" + self.ovsdb_ctl,
             "--log-file=" + self.path("ovsdb-server.log"), "--no-chdir"],
            "ovsdb-server.out")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ovsdb.poll() is not None:
                raise RuntimeError("ovsdb-server exited (%s):\n%s" % (
                    self.ovsdb.returncode, self.log("ovsdb-server.log")))
            if os.path.exists(self.db_socket) and self._succeeds(
                    ["ovs-vsctl", "--db=unix:" + self.db_socket, "--no-wait", "--timeout=2",
                     "show"]):
                return
            time.sleep(0.01)
        raise RuntimeError("ovsdb-server not ready in %.0f s" % timeout)

    def start_vswitchd(self, timeout=30.0):
        """ovs-vswitchd; returns when it has applied the database (a plain
        ovs-vsctl waits for that)."""
        binary = OVS_VSWITCHD_DPDK if self.dpdk else OVS_VSWITCHD
        self.vswitchd = self._spawn(
            [binary, "unix:" + self.db_socket, "--pidfile=" + self.path("ovs-vswitchd.pid"),
             "--unixctl=" + self.vswitchd_ctl, "--log-file=" + self.path("ovs-vswitchd.log"),
             "--no-chdir"],
            "ovs-vswitchd.out")
        self.vsctl("--timeout=%d" % int(timeout), "set", "Open_vSwitch", ".",
                   "external_ids:roam6-lab-started=%d" % time.time_ns(), timeout=timeout + 5)
        if self.vswitchd.poll() is not None:
            raise RuntimeError("ovs-vswitchd exited (%s):\n%s" % (
                self.vswitchd.returncode, self.log("ovs-vswitchd.log")))

    def _kill(self, proc):
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

    def kill_vswitchd(self):
        """SIGKILL, as a crash: its flows are gone, its taps stay."""
        self._kill(self.vswitchd)

    def kill_ovsdb(self):
        self._kill(self.ovsdb)
        try:
            os.unlink(self.db_socket)  # a stale socket would pass the readiness check
        except FileNotFoundError:
            pass

    def stop(self):
        """Kills both daemons, deletes the taps they leave (ovs-netdev, one
        per bridge), DPDK's runtime files and the run directory. Safe to call
        twice; runs to the end whatever fails."""
        started = time.monotonic()
        errors = []
        for proc in (self.vswitchd, self.ovsdb):
            try:
                self._kill(proc)
            except Exception as e:  # keep cleaning up
                errors.append(e)
        try:
            socket_buffers.release(self.socket_buffers)
        except Exception as e:
            errors.append(e)
        if os.path.isdir(self.dir):
            for name in ["ovs-netdev"] + self.bridges:
                if _link_exists(self.netns, name):
                    _delete_link(self.netns, name)
        shutil.rmtree(os.path.join(harness.DPDK_RUNTIME, self.dpdk_prefix), ignore_errors=True)
        if os.environ.get("ROAM6_KEEP_LOGS") and os.path.isdir(self.dir):
            print("OVS logs kept in", self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.timings["stop"] = time.monotonic() - started
        if errors:
            raise errors[0]

    def log(self, name="ovs-vswitchd.log", tail=6000):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()[-tail:]
        except FileNotFoundError:
            return ""

    def print_logs(self):
        for name in ("ovsdb-server.log", "ovs-vswitchd.log", "ovs-vswitchd.out"):
            print("==== %s ====\n%s" % (self.path(name), self.log(name)), file=sys.stderr)

    # -- bridges and ports ------------------------------------------------

    def add_bridge(self, name):
        """An integration bridge as the plugin expects it: userspace datapath,
        fail_mode=secure (no flows: nothing forwarded)."""
        self.bridges.append(name)
        self._record_netdevs()
        # The timeout bounds a hung vswitchd; on 2 busy cores a netdev
        # bridge was seen to take over 10 s.
        self.vsctl("--timeout=30", "add-br", name, "--", "set", "Bridge", name,
                   "datapath_type=netdev", "fail_mode=secure",
                   "protocols=OpenFlow10,OpenFlow13")

    def add_vm_port(self, bridge, port, mac, iface_id, vm_id, openstack=False,
                    extra_external_ids=None, iface_type=None, options=None):
        """Adds `port` as a hypervisor does, in ONE ovs-vsctl transaction.

        libvirt (virNetDevOpenvswitchAddPort, src/util/virnetdevopenvswitch.c):
          --timeout=5 -- --if-exists del-port P -- add-port BR P
            -- set Interface P 'external-ids:attached-mac="MAC"'
            -- set Interface P 'external-ids:iface-id="ID"'
            -- set Interface P 'external-ids:vm-id="UUID"'
            -- set Interface P external-ids:iface-status=active
        (older libvirt writes `--may-exist add-port` instead of the del-port;
        the rows come out the same). A vhost-user interface gets its `type`
        and `options:vhost-server-path` in the same transaction, as libvirt
        does for <interface type='vhostuser'>.

        openstack=True: as os-vif's OVS plugin does it: `--may-exist
        add-port`, and one `set Interface` with iface-id, iface-status,
        attached-mac and vm-uuid (no vm-id).

        extra_external_ids: more `external-ids:K="V"` in the same transaction
        (roam6-home-address, garbage for negative tests...)."""
        self.vsctl(*self._vm_port_command(bridge, port, mac, iface_id, vm_id, openstack,
                                          extra_external_ids, iface_type, options))

    def add_vm_ports(self, bridge, ports):
        """Many (port, mac, iface_id, vm_id) added as add_vm_port adds one,
        all in one transaction: a testbed booting a thousand guests is not
        held up by a thousand OVS reconfigurations."""
        command = ["--timeout=60"]
        for port, mac, iface_id, vm_id in ports:
            command += self._vm_port_command(bridge, port, mac, iface_id, vm_id)[1:]
        self.vsctl(*command, timeout=90)

    @staticmethod
    def _vm_port_command(bridge, port, mac, iface_id, vm_id, openstack=False,
                         extra_external_ids=None, iface_type=None, options=None):
        if openstack:
            command = ["--timeout=5", "--", "--may-exist", "add-port", bridge, port,
                       "--", "set", "Interface", port,
                       'external-ids:iface-id="%s"' % iface_id,
                       "external-ids:iface-status=active",
                       'external-ids:attached-mac="%s"' % mac,
                       'external-ids:vm-uuid="%s"' % vm_id]
        else:
            command = ["--timeout=5", "--", "--if-exists", "del-port", port,
                       "--", "add-port", bridge, port]
            command += ["--", "set", "Interface", port, 'external-ids:attached-mac="%s"' % mac,
                        "--", "set", "Interface", port, 'external-ids:iface-id="%s"' % iface_id,
                        "--", "set", "Interface", port, 'external-ids:vm-id="%s"' % vm_id,
                        "--", "set", "Interface", port, "external-ids:iface-status=active"]
        if iface_type:
            command += ["--", "set", "Interface", port, "type=%s" % iface_type]
        for key, value in sorted((options or {}).items()):
            command += ["--", "set", "Interface", port, "options:%s=%s" % (key, value)]
        for key, value in sorted((extra_external_ids or {}).items()):
            command += ["--", "set", "Interface", port, 'external-ids:%s="%s"' % (key, value)]
        return command

    def add_port(self, bridge, port, iface_type=None, options=None):
        """A plain port (the datapath's side, an uplink): no external_ids."""
        command = ["--timeout=30", "--", "add-port", bridge, port]
        if iface_type:
            command += ["--", "set", "Interface", port, "type=%s" % iface_type]
        for key, value in sorted((options or {}).items()):
            command += ["--", "set", "Interface", port, "options:%s=%s" % (key, value)]
        self.vsctl(*command)

    def set_iface_status(self, port, status):
        """external-ids:iface-status, as libvirt flips it during a migration."""
        self.vsctl("--timeout=5", "set", "Interface", port, "external-ids:iface-status=%s" % status)

    def del_port(self, port):
        """As libvirt's virNetDevOpenvswitchRemovePort."""
        self.vsctl("--timeout=5", "--", "--if-exists", "del-port", port)

    def del_ports(self, ports):
        """Many ports removed as del_port removes one, in one transaction."""
        command = ["--timeout=60"]
        for port in ports:
            command += ["--", "--if-exists", "del-port", port]
        self.vsctl(*command, timeout=90)

    def external_ids(self, port):
        return self.get_map("Interface", port, "external_ids")

    def get_map(self, table, record, column):
        text = self.vsctl("--format=json", "--columns=" + column, "list", table, record)
        data = json.loads(text)["data"][0][0]  # ["map", [[k, v], ...]]
        return {k: v for k, v in data[1]}

    def ofport(self, port, timeout=10.0):
        """The port's OpenFlow port number once vswitchd assigned it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.vsctl("get", "Interface", port, "ofport").strip()
            if text.lstrip("-").isdigit() and int(text) > 0:
                return int(text)
            if time.monotonic() > deadline:
                error = self.vsctl("get", "Interface", port, "error", check=False).strip()
                raise AssertionError("no ofport for %s (ofport %s, error %s)" % (port, text, error))
            time.sleep(0.02)

    def port_stats(self, bridge, port):
        """{"rx_packets", "tx_packets", "rx_dropped", "tx_dropped"} of a port,
        live from vswitchd over OpenFlow (the Interface table's statistics
        column is refreshed only every 5 s)."""
        text = self.ofctl("dump-ports", self.mgmt(bridge), str(self.ofport(port)))
        rx = re.search(r"rx pkts=(\d+), bytes=\d+, drop=(\d+)", text)
        tx = re.search(r"tx pkts=(\d+), bytes=\d+, drop=(\d+)", text)
        if not rx or not tx:
            raise AssertionError("unexpected dump-ports output: " + text)
        return {"rx_packets": int(rx.group(1)), "rx_dropped": int(rx.group(2)),
                "tx_packets": int(tx.group(1)), "tx_dropped": int(tx.group(2))}

    def dump_flows(self, bridge, cookie=None):
        """The bridge's flows (only those with `cookie` if given), each a dict:
        cookie, table, priority, n_packets, n_bytes, match, actions."""
        args = ["dump-flows", self.mgmt(bridge)]
        if cookie is not None:
            args.append("cookie=%#x/-1" % cookie)
        flows = []
        for line in self.ofctl(*args).splitlines():
            line = line.strip()
            if not line.startswith("cookie="):
                continue
            head, _, actions = line.partition(" actions=")
            fields = {}
            match = []
            for part in re.split(r",\s*|\s+", head):
                if not part:
                    continue
                key, eq, value = part.partition("=")
                if key in ("cookie", "duration", "table", "n_packets", "n_bytes", "idle_age",
                           "hard_age", "priority", "reset_counts", "send_flow_rem"):
                    fields[key] = value
                else:
                    match.append(part)
            flows.append({
                "cookie": int(fields["cookie"], 16),
                "table": int(fields.get("table", 0)),
                "priority": int(fields.get("priority", 32768)),
                "n_packets": int(fields["n_packets"]),
                "n_bytes": int(fields["n_bytes"]),
                "match": ",".join(match),
                "actions": actions,
            })
        return flows


class Guest:
    """A guest: namespace `namespace` whose eth0 (MAC `mac`) is a veth peer
    of `port`, an OVS system port in the OVS instance's namespace. Built by
    attach_guest(); the namespace goes with the Lab."""

    def __init__(self, namespace, port, mac):
        self.namespace = namespace
        self.port = port
        self.mac = mac


def attach_guest(lab, ovs, bridge, port, mac, vm=None, ipv6=True, tag="guest"):
    """A guest namespace (from harness.Lab) wired to `bridge` through `port`.
    vm: None for a plain add-port, or dict(iface_id=..., vm_id=...,
    openstack=False, extra_external_ids=...) for add_vm_port (libvirt's
    transaction). TX checksum offload is off in the guest: through OVS's
    userspace datapath a veth's partial checksums are never completed."""
    guest = make_guest(lab, ovs, port, mac, ipv6=ipv6, tag=tag)
    if vm is None:
        ovs.add_port(bridge, port)
    else:
        ovs.add_vm_port(bridge, port, mac, vm["iface_id"], vm["vm_id"],
                        openstack=vm.get("openstack", False),
                        extra_external_ids=vm.get("extra_external_ids"))
    return guest


def make_guest(lab, ovs, port, mac, ipv6=True, tag="guest"):
    """The guest's namespace and veth pair, `port` up in the OVS instance's
    namespace but not yet on any bridge (attach_guest adds it; a benchmark
    adds it itself, to time the add-port)."""
    namespace = lab.namespace(tag, ipv6=ipv6)
    if ipv6:
        # A guest configured with its home address: it must not also take a
        # SLAAC address from the emulated home link's Router Advertisements
        # (roam6 lets only the registered home address out).
        run(["ip", "netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.all.autoconf=0",
             "net.ipv6.conf.default.autoconf=0"])
    host_side = ["ip", "link", "add", "name", port] + (["netns", ovs.netns] if ovs.netns else [])
    run(host_side + ["type", "veth", "peer", "name", "eth0", "netns", namespace])
    run(["ip", "-n", namespace, "link", "set", "dev", "eth0", "address", mac])
    run(["ip", "-n", namespace, "link", "set", "dev", "eth0", "up"])
    run(["ip"] + (["-n", ovs.netns] if ovs.netns else []) + ["link", "set", "dev", port, "up"])
    run(["ip", "netns", "exec", namespace, "ethtool", "-K", "eth0", "tx", "off"])
    # No cleanup of its own: deleting the guest's namespace destroys eth0,
    # and a veth pair goes away with either end.
    return Guest(namespace, port, mac)


class TestPmd:
    """dpdk-testpmd as a vhost-user SERVER (net_virtio_user, server=1) at
    `socket_path`, forwarding what it receives straight back (mac mode:
    source = its own MAC, destination = `peer_mac`). stop() ends it and
    returns its final statistics (RX/TX packets of port 0)."""

    def __init__(self, socket_path, peer_mac, file_prefix, log_path):
        self.socket_path = socket_path
        self.file_prefix = file_prefix
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [DPDK_TESTPMD, "-l", "0-1", "--no-huge", "-m", "512", "--no-pci", "--no-telemetry",
             "--file-prefix=" + file_prefix, "--log-level=*:warning",
             "--vdev=net_virtio_user0,path=%s,server=1,queues=1" % socket_path,
             "--", "--forward-mode=mac", "--eth-peer=0,%s" % peer_mac, "--nb-cores=1",
             "--rxq=1", "--txq=1", "--total-num-mbufs=8192"],
            stdin=subprocess.PIPE, stdout=self.log_file, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent)

    def wait_socket(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dpdk-testpmd exited:\n" + self.log())
            if os.path.exists(self.socket_path):
                return
            time.sleep(0.02)
        raise RuntimeError("dpdk-testpmd made no socket in %.0f s:\n%s" % (timeout, self.log()))

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-6000:]

    def stop(self):
        """Ends forwarding (newline on stdin) and reads the totals it prints:
        {"rx": n, "tx": n}."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=15)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc.stdin.close()
        self.log_file.close()
        shutil.rmtree(os.path.join(harness.DPDK_RUNTIME, self.file_prefix), ignore_errors=True)
        text = self.log()
        rx = re.findall(r"RX-packets:\s*(\d+)", text)
        tx = re.findall(r"TX-packets:\s*(\d+)", text)
        return {"rx": int(rx[-1]) if rx else 0, "tx": int(tx[-1]) if tx else 0}
